//! Small serde helpers shared by the parsers: borrowed strings that stay
//! borrowed inside `Option`, and lenient scalars for fields whose type varies
//! between scanner versions.

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A string borrowed from the input when it has no escapes. Unlike a bare
/// `Option<Cow<str>>`, it stays borrowed inside `Option` and `Vec`.
/// Numbers and booleans are accepted and kept as text.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str<'a>(pub Cow<'a, str>);

impl<'a> Str<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_any(StrVisitor)
    }
}

/// Owned text from an optional borrowed string; empty strings count as missing.
pub fn text(value: &Option<Str<'_>>) -> Option<String> {
    value
        .as_ref()
        .map(|s| s.as_str().trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A number that some versions write as a string (`"7.5"`), or a string that
/// may hold a number; anything else reads as `None` instead of failing the report.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LooseNumber(pub Option<f64>);

impl<'de> Deserialize<'de> for LooseNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl<'de> Visitor<'de> for NumVisitor {
            type Value = LooseNumber;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LooseNumber(Some(v as f64)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LooseNumber(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LooseNumber(Some(v).filter(|f| f.is_finite())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LooseNumber(
                    v.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                ))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LooseNumber(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LooseNumber(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LooseNumber(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LooseNumber(None))
            }
        }
        deserializer.deserialize_any(NumVisitor)
    }
}

impl LooseNumber {
    /// A line or column number; out-of-range values (2^70, negatives) read as unknown.
    pub fn as_line(self) -> Option<u32> {
        self.0
            .filter(|v| *v >= 0.0 && *v <= u32::MAX as f64)
            .map(|v| v as u32)
    }
}

/// A top-level object or a top-level list, read without buffering the
/// document (Snyk single project vs `--all-projects`, pip-audit current vs legacy).
#[derive(Clone, Debug)]
pub enum ObjectOrList<O, L> {
    Object(O),
    List(Vec<L>),
}

/// The same type either alone or in a list.
pub type OneOrMany<T> = ObjectOrList<T, T>;

impl<'de, O: Deserialize<'de>, L: Deserialize<'de>> Deserialize<'de> for ObjectOrList<O, L> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShapeVisitor<O, L>(std::marker::PhantomData<(O, L)>);
        impl<'de, O: Deserialize<'de>, L: Deserialize<'de>> Visitor<'de> for ShapeVisitor<O, L> {
            type Value = ObjectOrList<O, L>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object or a list")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                O::deserialize(de::value::MapAccessDeserializer::new(map)).map(ObjectOrList::Object)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<L>()? {
                    items.push(item);
                }
                Ok(ObjectOrList::List(items))
            }
        }
        deserializer.deserialize_any(ShapeVisitor(std::marker::PhantomData))
    }
}

/// Accepts any JSON and keeps nothing: for subtrees whose shape varies and
/// that scandeck does not read.
pub type Skip = IgnoredAny;

/// Collects the `ABC-123`-style ids found in a text (CVE, GHSA), in order, without repeats.
pub fn ids_in_text(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let upper = word.to_ascii_uppercase();
        let cve = cve_prefix(&upper);
        let is_ghsa = is_ghsa_prefix(word);
        if cve.is_some() || is_ghsa {
            let id = match cve {
                Some(cve) => cve.to_string(),
                None => format!("GHSA-{}", &word[5..19].to_ascii_lowercase()),
            };
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// `CVE-2008-0732` of `CVE-2008-0732-GERONIMO-JMS` (old Trivy SARIF rule ids
/// glue the package on): the year, a dash and at least four digits.
fn cve_prefix(upper: &str) -> Option<&str> {
    let rest = upper.strip_prefix("CVE-")?;
    let bytes = rest.as_bytes();
    if bytes.len() < 9 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return None;
    }
    let digits = bytes[5..].iter().take_while(|b| b.is_ascii_digit()).count();
    (digits >= 4).then(|| &upper[..4 + 5 + digits])
}

/// `GHSA-xxxx-xxxx-xxxx`, alone or with a package glued on after a dash.
fn is_ghsa_prefix(word: &str) -> bool {
    let b = word.as_bytes();
    let groups_ok = b.len() >= 19
        && b[..5].eq_ignore_ascii_case(b"GHSA-")
        && [9, 14].iter().all(|&i| b[i] == b'-')
        && [5..9, 10..14, 15..19]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_alphanumeric));
    groups_ok && (b.len() == 19 || b[19] == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_end_where_the_number_ends() {
        assert_eq!(
            ids_in_text("CVE-2008-0732-GERONIMO-JMS"),
            vec!["CVE-2008-0732".to_string()]
        );
        assert_eq!(
            ids_in_text("cve-2021-44228"),
            vec!["CVE-2021-44228".to_string()]
        );
        assert!(ids_in_text("CVE-20-1").is_empty());
        assert_eq!(
            ids_in_text("GHSA-57j2-w4cx-62h2-jackson-databind"),
            vec!["GHSA-57j2-w4cx-62h2".to_string()]
        );
    }

    #[derive(Deserialize)]
    struct Holder<'a> {
        #[serde(borrow)]
        a: Option<Str<'a>>,
        b: LooseNumber,
    }

    #[test]
    fn str_stays_borrowed_inside_option() {
        let input = r#"{"a":"plain","b":"7.5"}"#;
        let h: Holder = serde_json::from_str(input).unwrap();
        assert!(matches!(h.a.unwrap().0, Cow::Borrowed("plain")));
        assert_eq!(h.b.0, Some(7.5));
    }

    #[test]
    fn loose_number_tolerates_huge_and_wrong_types() {
        let n: LooseNumber = serde_json::from_str("1180591620717411303424").unwrap();
        assert_eq!(n.as_line(), None);
        let n: LooseNumber = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(n.0, None);
    }

    #[test]
    fn finds_ids_in_text() {
        assert_eq!(ids_in_text("[MEDIUM] CVE-2019-1549"), vec!["CVE-2019-1549"]);
        assert_eq!(ids_in_text("CVE-2018-14618/curl"), vec!["CVE-2018-14618"]);
        assert_eq!(
            ids_in_text("https://github.com/advisories/GHSA-Q2Q7-5pp4-w6pg"),
            vec!["GHSA-q2q7-5pp4-w6pg"]
        );
    }
}

/// A list of strings that some producers write as a single scalar (Snyk
/// `identifiers.NSP: 338`) or `null`; non-text items are skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LooseList<'a>(pub Vec<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for LooseList<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = LooseList<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<MaybeStr<'de>>()? {
                    out.extend(item.0);
                }
                Ok(LooseList(out))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LooseList(vec![Str(Cow::Borrowed(v))]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LooseList(vec![Str(Cow::Owned(v.to_owned()))]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LooseList(vec![Str(Cow::Owned(v.to_string()))]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LooseList(vec![Str(Cow::Owned(v.to_string()))]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LooseList(vec![Str(Cow::Owned(v.to_string()))]))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LooseList::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LooseList::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LooseList::default())
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LooseList::default())
            }
        }
        deserializer.deserialize_any(ListVisitor)
    }
}

/// A list item that is text, or something else that is skipped.
struct MaybeStr<'a>(Option<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybeStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = LooseList::deserialize(deserializer)?;
        Ok(MaybeStr(list.0.into_iter().next()))
    }
}
