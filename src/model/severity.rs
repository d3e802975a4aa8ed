//! Normalised severity scale and the mapping from every scanner's vocabulary.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Ordered from least to most severe so that `Ord` gives "worse is greater".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL_DESCENDING: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ];

    /// Maps the words scanners use (any case) to scandeck's scale (critical,
    /// high, medium, low, info, unknown).
    /// Words that are not severities at all map to `Unknown`.
    pub fn from_word(word: &str) -> Severity {
        let w = word.trim();
        if let Ok(score) = w.parse::<f64>() {
            return Severity::from_score(score);
        }
        match w.to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" => Severity::Low,
            "negligible" | "info" | "informational" | "none" | "style" => Severity::Info,
            _ => Severity::Unknown,
        }
    }

    /// GitHub's convention for numeric `security-severity` (CVSS-like scores).
    pub fn from_score(score: f64) -> Severity {
        if !score.is_finite() || score <= 0.0 {
            Severity::Unknown
        } else if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    /// SARIF `level` when nothing better is known.
    pub fn from_sarif_level(level: &str) -> Severity {
        match level {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            "note" => Severity::Low,
            "none" => Severity::Info,
            _ => Severity::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
            Severity::Unknown => "unknown",
        }
    }

    /// One-letter tag used in tallies (`C 2 H 7 M 12 L 3`).
    pub fn letter(self) -> char {
        match self {
            Severity::Critical => 'C',
            Severity::High => 'H',
            Severity::Medium => 'M',
            Severity::Low => 'L',
            Severity::Info => 'I',
            Severity::Unknown => 'U',
        }
    }

    /// Parses a user-typed severity name (`crit`, `h`, `medium`...).
    pub fn parse_user(word: &str) -> Option<Severity> {
        let w = word.trim().to_ascii_lowercase();
        let found = match w.as_str() {
            "c" | "crit" | "critical" => Severity::Critical,
            "h" | "high" => Severity::High,
            "m" | "med" | "medium" | "moderate" => Severity::Medium,
            "l" | "low" => Severity::Low,
            "i" | "info" | "negligible" => Severity::Info,
            "u" | "unknown" => Severity::Unknown,
            _ => return None,
        };
        Some(found)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_map_as_in_design() {
        assert_eq!(Severity::from_word("moderate"), Severity::Medium);
        assert_eq!(Severity::from_word("Negligible"), Severity::Info);
        assert_eq!(Severity::from_word("style"), Severity::Info);
        assert_eq!(Severity::from_word("none"), Severity::Info);
        assert_eq!(Severity::from_word("UNSPECIFIED"), Severity::Unknown);
        assert_eq!(Severity::from_word("UNKNOWN"), Severity::Unknown);
        assert_eq!(Severity::from_word("CRITICAL"), Severity::Critical);
        assert_eq!(Severity::from_word("9.8"), Severity::Critical);
        assert_eq!(Severity::from_word("7.0"), Severity::High);
        assert_eq!(Severity::from_word("4"), Severity::Medium);
        assert_eq!(Severity::from_word("0.1"), Severity::Low);
        assert_eq!(Severity::from_word("0"), Severity::Unknown);
        assert_eq!(Severity::from_word("NaN"), Severity::Unknown);
    }

    #[test]
    fn order_is_worse_is_greater() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info > Severity::Unknown);
    }
}
