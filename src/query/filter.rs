//! The command-line filters (`--severity`, `--status`, `--image`,
//! `--source`, `--kind`, `--query`): sugar for the console's query language.

use super::index::{Facts, SearchIndex};
use super::language::{Query, Term};
use crate::model::{Finding, Kind, Severity};
use crate::triage::Status;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FilterError {
    #[error(
        "unknown severity \"{0}\": use critical, high, medium, low, info, unknown, or >=LEVEL"
    )]
    Severity(String),
    #[error("unknown status \"{0}\": use open, overdue, snoozed, accepted, suppressed, fix-pending, fixed, regressed, dormant")]
    Status(String),
    #[error("unknown kind \"{0}\": use vulnerability, misconfiguration, secret, image-config, posture, license")]
    Kind(String),
    #[error("{0} \"{1}\": give one value without spaces")]
    Value(String, String),
    #[error("{0}")]
    Query(super::language::QueryError),
}

/// A set of severities as a bit mask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeveritySet(u8);

impl SeveritySet {
    pub fn contains(self, s: Severity) -> bool {
        self.0 & (1 << s as u8) != 0
    }

    pub fn insert(&mut self, s: Severity) {
        self.0 |= 1 << s as u8;
    }

    pub fn at_least(min: Severity) -> SeveritySet {
        let mut set = SeveritySet::default();
        for s in Severity::ALL_DESCENDING.into_iter().filter(|s| *s >= min) {
            set.insert(s);
        }
        set
    }

    /// `critical,high`, `>=high`, `high+`.
    pub fn parse(text: &str) -> Result<SeveritySet, FilterError> {
        let mut set = SeveritySet::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (word, at_least) = match (part.strip_prefix(">="), part.strip_suffix('+')) {
                (Some(w), _) => (w, true),
                (None, Some(w)) => (w, true),
                _ => (part, false),
            };
            let s = Severity::parse_user(word)
                .ok_or_else(|| FilterError::Severity(part.to_string()))?;
            if at_least {
                set.0 |= SeveritySet::at_least(s).0;
            } else {
                set.insert(s);
            }
        }
        Ok(set)
    }
}

/// The filter of a command: the console's query language, with every flag
/// sugar for one of its terms (`--severity critical,high` is
/// `sev:critical,high`, `--image backend` is `image:backend`, …), matched
/// by the console's own search index, so that a command and the console
/// show the same rows for the same query.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub query: Query,
    /// The query as text, for headers and exports.
    text: String,
}

/// A flag's value as one query token: no spaces, which would split it.
fn token(flag: &str, value: &str) -> Result<String, FilterError> {
    let value = value.trim();
    if value.is_empty() || value.contains(char::is_whitespace) {
        return Err(FilterError::Value(flag.to_string(), value.to_string()));
    }
    Ok(value.to_string())
}

impl Filter {
    /// Builds the filter from flags (each optional) and `--query` text.
    pub fn from_parts(
        severity: Option<&str>,
        status: Option<&str>,
        image: Option<&str>,
        source: Option<&str>,
        kind: Option<&str>,
        query: Option<&str>,
    ) -> Result<Filter, FilterError> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = severity {
            let set = SeveritySet::parse(s)?;
            let names: Vec<&str> = Severity::ALL_DESCENDING
                .into_iter()
                .filter(|s| set.contains(*s))
                .map(Severity::as_str)
                .collect();
            parts.push(format!("sev:{}", names.join(",")));
        }
        if let Some(s) = status {
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                Status::parse_user(part).ok_or_else(|| FilterError::Status(part.to_string()))?;
            }
            parts.push(format!("status:{}", token("--status", s)?));
        }
        if let Some(k) = kind {
            for part in k.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                Kind::parse_user(part).ok_or_else(|| FilterError::Kind(part.to_string()))?;
            }
            parts.push(format!("kind:{}", token("--kind", k)?));
        }
        if let Some(i) = image {
            parts.push(format!("image:{}", token("--image", i)?));
        }
        if let Some(s) = source {
            parts.push(format!("src:{}", token("--source", s)?));
        }
        if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
            parts.push(q.to_string());
        }
        Filter::parse(&parts.join(" "))
    }

    /// A filter from query text, as typed on the console's query line.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let query = super::language::parse(text).map_err(FilterError::Query)?;
        Ok(Filter {
            query,
            text: text.trim().to_string(),
        })
    }

    /// Adds a free-text word (an id, say) to what must match.
    pub fn with_word(mut self, word: &str) -> Filter {
        self.query.words.push(super::language::Word {
            text: word.to_string(),
            negated: false,
            substring: true,
        });
        self.text = format!("{} {word}", self.text).trim().to_string();
        self
    }

    pub fn is_empty(&self) -> bool {
        self.query.conditions.is_empty() && self.query.words.is_empty()
    }

    /// The severities a finding must have to pass (`None`: any), so that
    /// only those need reading.
    pub fn severities(&self) -> Option<Vec<Severity>> {
        let mut allowed: Vec<Severity> = Severity::ALL_DESCENDING.to_vec();
        let mut bounded = false;
        for c in self.query.conditions.iter().filter(|c| !c.negated) {
            match &c.term {
                Term::Severity(cmp, level) => {
                    allowed.retain(|s| cmp.holds(*s, *level));
                    bounded = true;
                }
                Term::SeverityIn(levels) => {
                    allowed.retain(|s| levels.contains(s));
                    bounded = true;
                }
                _ => {}
            }
        }
        bounded.then_some(allowed)
    }

    /// Which of `findings` pass, as positions in `order` kept in that order:
    /// the console's search over the same findings and statuses.
    pub fn select(
        &self,
        findings: &[Finding],
        statuses: Vec<Status>,
        changes: Vec<u8>,
        order: &[u32],
    ) -> Vec<u32> {
        if self.is_empty() {
            return order.to_vec();
        }
        let index = SearchIndex::build(findings, &[], &[]);
        let facts = Facts { statuses, changes };
        let latest = std::sync::atomic::AtomicU64::new(1);
        index
            .search(&self.query, &facts, order, None, 1, &latest)
            .unwrap_or_default()
    }

    /// A short description for headers and exports.
    pub fn describe(&self) -> String {
        if self.text.is_empty() {
            "all findings".to_string()
        } else {
            format!("query {}", self.text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_sets_parse() {
        let s = SeveritySet::parse(">=high").unwrap();
        assert!(
            s.contains(Severity::Critical)
                && s.contains(Severity::High)
                && !s.contains(Severity::Medium)
        );
        let s = SeveritySet::parse("medium,low").unwrap();
        assert!(s.contains(Severity::Low) && !s.contains(Severity::High));
        assert_eq!(
            SeveritySet::parse("bogus"),
            Err(FilterError::Severity("bogus".into()))
        );
    }
}
