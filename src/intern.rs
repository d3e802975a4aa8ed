//! Distinct texts by dense id: a column of a million rows holds four bytes
//! a row, and each text once (the search index's columns, the HTML
//! export's sort keys).

use crate::fasthash::FxHashMap;

#[derive(Default)]
pub struct Interner {
    ids: FxHashMap<String, u32>,
    values: Vec<String>,
    /// The last text asked for, by address, and its id: rows of one run
    /// share their target, subject and scanner texts, so most asks repeat
    /// the last one. Checked against the text itself, since a text made for
    /// the ask and dropped leaves its address to the next one.
    last: Option<(usize, u32)>,
}

impl Interner {
    /// The id of `value`, interning it when it is new.
    pub fn id(&mut self, value: &str) -> u32 {
        if let Some((at, id)) = self.last {
            let same = at == value.as_ptr() as usize
                && self.values.get(id as usize).is_some_and(|v| v == value);
            if same {
                return id;
            }
        }
        let id = match self.ids.get(value) {
            Some(id) => *id,
            None => {
                let id = self.values.len() as u32;
                self.ids.insert(value.to_string(), id);
                self.values.push(value.to_string());
                id
            }
        };
        self.last = Some((value.as_ptr() as usize, id));
        id
    }

    /// Interns every value of `other`, returning this interner's id for
    /// each of `other`'s ids.
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.values.iter().map(|v| self.id(v)).collect()
    }

    /// The interned texts, by id.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Rank of each interned value in sorted order.
    pub fn ranks(&self, cmp: impl Fn(&str, &str) -> std::cmp::Ordering) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_by(|a, b| cmp(&self.values[*a as usize], &self.values[*b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, id) in order.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts made for the ask and dropped at once (a finding's scanner
    /// names) may each take the address the last one left: same address and
    /// length, other text, other id.
    #[test]
    fn a_text_made_for_the_ask_gets_its_own_id() {
        let mut names = Interner::default();
        let ids: Vec<u32> = ["trivy, snyk", "grype, snyk", "trivy, snyk", "grype, snyk"]
            .iter()
            // A new `String` each time, dropped once asked.
            .map(|s| names.id(&s.chars().collect::<String>()))
            .collect();
        assert_eq!(ids, vec![0, 1, 0, 1]);
        let kept = String::from("trivy, snyk");
        assert_eq!((names.id(&kept), names.id(&kept)), (0, 0));
        assert_eq!(names.values(), ["trivy, snyk", "grype, snyk"]);
        assert_eq!(names.ranks(str::cmp), vec![1, 0]);
    }
}
