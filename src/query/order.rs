//! The one order of the console and every command: the sort keys and the
//! natural order of ids, targets and packages.

use super::index::{Facts, SearchIndex};

/// How the findings list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Severity,
    Id,
    Package,
    Target,
    Age,
    /// SLA due date, soonest (most overdue) first; findings without an SLA last.
    Due,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Severity,
        SortKey::Id,
        SortKey::Package,
        SortKey::Target,
        SortKey::Age,
        SortKey::Due,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Severity => "severity",
            SortKey::Id => "id",
            SortKey::Package => "package",
            SortKey::Target => "target",
            SortKey::Age => "age",
            SortKey::Due => "SLA due",
        }
    }

    /// A key as a person types it (`severity`, `id`, `package`, `target`,
    /// `age`, `due`).
    pub fn parse_user(text: &str) -> Option<SortKey> {
        match text.trim().to_ascii_lowercase().as_str() {
            "severity" | "sev" => Some(SortKey::Severity),
            "id" => Some(SortKey::Id),
            "package" | "pkg" => Some(SortKey::Package),
            "target" => Some(SortKey::Target),
            "age" => Some(SortKey::Age),
            "due" | "sla" | "sla-due" => Some(SortKey::Due),
            _ => None,
        }
    }

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

/// `CVE-2021-999` before `CVE-2021-1000`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let xn = x.iter().take_while(|b| b.is_ascii_digit()).count();
                let yn = y.iter().take_while(|b| b.is_ascii_digit()).count();
                let (xd, yd) = (trim_zeros(&x[..xn]), trim_zeros(&y[..yn]));
                let ord = xd.len().cmp(&yd.len()).then_with(|| xd.cmp(yd));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[xn..];
                y = &y[yn..];
            }
            (Some(c), Some(d)) => {
                let ord = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|b| *b != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

impl SearchIndex {
    /// The one order of the console and every command: what needs work
    /// (open, overdue, regressed: `Status::needs_work`) before what is
    /// resolved or decided, each part in `key` order (reversed when asked).
    pub fn order_by_work(&self, facts: &Facts, key: SortKey, reverse: bool) -> Vec<u32> {
        let order = self.order(key, false);
        let (mut first, mut last): (Vec<u32>, Vec<u32>) = order
            .into_iter()
            .partition(|i| facts.needs_work(*i as usize));
        if reverse {
            first.reverse();
            last.reverse();
        }
        first.extend(last);
        first
    }

    /// All finding indices in `key` order (reversed when asked). Each key
    /// is followed by severity (most severe first), then id, target and
    /// package in natural order (`CVE-2021-999` before `CVE-2021-1000`),
    /// then the order the findings were read in.
    pub fn order(&self, key: SortKey, reverse: bool) -> Vec<u32> {
        let keyed = |i: usize| -> [u32; 5] {
            let sev = 5 - (self.severity[i] as u32).min(5);
            let (id, pkg, tgt) = (self.id_rank[i], self.package_rank[i], self.target_rank[i]);
            match key {
                SortKey::Severity => [sev, id, tgt, pkg, 0],
                SortKey::Id => [id, sev, tgt, pkg, 0],
                SortKey::Package => [pkg, sev, id, tgt, 0],
                SortKey::Target => [tgt, sev, id, pkg, 0],
                // Oldest first: the longest-open findings lead.
                SortKey::Age => [self.age[i], sev, id, tgt, pkg],
                SortKey::Due => [self.due[i], sev, id, tgt, pkg],
            }
        };
        let mut keys: Vec<([u32; 5], u32)> =
            (0..self.len()).map(|i| (keyed(i), i as u32)).collect();
        keys.sort_unstable();
        let mut order: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
        if reverse {
            order.reverse();
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Finding, Redactor};

    #[test]
    fn natural_order() {
        assert_eq!(
            natural_cmp("CVE-2021-999", "CVE-2021-1000"),
            std::cmp::Ordering::Less
        );
        assert_eq!(natural_cmp("a", "B"), std::cmp::Ordering::Less);
        assert_eq!(natural_cmp("lib2", "lib02"), std::cmp::Ordering::Equal);
    }

    /// The ranked order is the order of the plain comparison: severity,
    /// then id, target and package in natural order, then the order read,
    /// over every demo report, shuffled, with findings whose package, id
    /// or target differ only where the comparison must look.
    #[test]
    fn the_order_sorts_as_comparing_the_texts_does() {
        let redactor = Redactor::with_key([1; 32]);
        let mut findings = crate::demo::parsed_findings(&redactor);
        let mut twins = Vec::new();
        for f in findings.iter().take(6) {
            let mut no_package = f.clone();
            no_package.package = None;
            let mut other_id = f.clone();
            other_id.id = format!("{}0", f.id);
            twins.extend([no_package, other_id, f.clone()]);
        }
        findings.extend(twins);
        findings.reverse();
        assert!(findings.len() > 40);
        let index = SearchIndex::build(&findings, &[], &[]);
        let text = |f: &Finding| {
            [
                f.id.clone(),
                f.display_target().to_string(),
                f.package_name().unwrap_or("").to_string(),
            ]
        };
        let mut expected: Vec<u32> = (0..findings.len() as u32).collect();
        expected.sort_by(|a, b| {
            let (x, y) = (&findings[*a as usize], &findings[*b as usize]);
            let (tx, ty) = (text(x), text(y));
            y.severity
                .cmp(&x.severity)
                .then_with(|| natural_cmp(&tx[0], &ty[0]))
                .then_with(|| natural_cmp(&tx[1], &ty[1]))
                .then_with(|| natural_cmp(&tx[2], &ty[2]))
                .then_with(|| a.cmp(b))
        });
        let keys = |order: &[u32]| -> Vec<[String; 3]> {
            order.iter().map(|i| text(&findings[*i as usize])).collect()
        };
        assert_eq!(
            keys(&index.order(SortKey::Severity, false)),
            keys(&expected)
        );
        let mut reversed = expected.clone();
        reversed.reverse();
        assert_eq!(keys(&index.order(SortKey::Severity, true)), keys(&reversed));
    }
}
