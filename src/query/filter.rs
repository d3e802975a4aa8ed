//! The command-line filters of DESIGN.md (`--severity`, `--status`, `--image`,
//! `--source`, `--kind`, `--query`).

use crate::model::{Finding, Kind, Severity};
use crate::triage::{Assessment, Status};

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

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub severities: Option<SeveritySet>,
    pub statuses: Vec<Status>,
    /// Case-insensitive substring of the image name (or target when there is no image).
    pub image: Option<String>,
    /// Case-insensitive substring of the scanner name.
    pub source: Option<String>,
    pub kinds: Vec<Kind>,
    /// Every word must occur (case-insensitive) in id, aliases, package, version or title.
    pub words: Vec<String>,
}

impl Filter {
    pub fn with_statuses(mut self, text: &str) -> Result<Filter, FilterError> {
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            self.statuses.push(
                Status::parse_user(part).ok_or_else(|| FilterError::Status(part.to_string()))?,
            );
        }
        Ok(self)
    }

    pub fn with_kinds(mut self, text: &str) -> Result<Filter, FilterError> {
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            self.kinds
                .push(Kind::parse_user(part).ok_or_else(|| FilterError::Kind(part.to_string()))?);
        }
        Ok(self)
    }

    pub fn with_query(mut self, text: &str) -> Filter {
        self.words = text.split_whitespace().map(str::to_lowercase).collect();
        self
    }

    pub fn is_empty(&self) -> bool {
        self.severities.is_none()
            && self.statuses.is_empty()
            && self.image.is_none()
            && self.source.is_none()
            && self.kinds.is_empty()
            && self.words.is_empty()
    }

    pub fn matches(&self, f: &Finding, a: &Assessment) -> bool {
        if let Some(set) = self.severities {
            if !set.contains(f.severity) {
                return false;
            }
        }
        if !self.statuses.is_empty() && !self.statuses.iter().any(|s| a.status.matches(*s)) {
            return false;
        }
        if !self.kinds.is_empty() && !self.kinds.contains(&f.kind) {
            return false;
        }
        if let Some(image) = &self.image {
            if !contains_ci(f.display_target(), image) && !contains_ci(&f.target, image) {
                return false;
            }
        }
        if let Some(source) = &self.source {
            if !contains_ci(&f.source.scanner, source) {
                return false;
            }
        }
        self.words.iter().all(|w| word_matches(f, w))
    }

    /// A short description for headers and exports.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(set) = self.severities {
            let names: Vec<&str> = Severity::ALL_DESCENDING
                .into_iter()
                .filter(|s| set.contains(*s))
                .map(Severity::as_str)
                .collect();
            parts.push(format!("severity={}", names.join(",")));
        }
        if !self.statuses.is_empty() {
            parts.push(format!(
                "status={}",
                self.statuses
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        if let Some(i) = &self.image {
            parts.push(format!("image={i}"));
        }
        if let Some(s) = &self.source {
            parts.push(format!("source={s}"));
        }
        if !self.kinds.is_empty() {
            parts.push(format!(
                "kind={}",
                self.kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        if !self.words.is_empty() {
            parts.push(format!("query={}", self.words.join(" ")));
        }
        if parts.is_empty() {
            "all findings".to_string()
        } else {
            parts.join(" ")
        }
    }
}

fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    haystack
        .to_lowercase()
        .contains(&needle_lower.to_lowercase())
}

fn word_matches(f: &Finding, word: &str) -> bool {
    contains_ci(&f.id, word)
        || f.aliases.iter().any(|a| contains_ci(a, word))
        || f.package_name().is_some_and(|p| contains_ci(p, word))
        || f.installed_version().is_some_and(|v| contains_ci(v, word))
        || contains_ci(f.title(), word)
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
