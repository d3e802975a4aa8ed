//! SLA from the seed's priority order: critical at once, high 7 days,
//! medium 30 days, low not enforced. The clock starts at first sighting.

use crate::model::Severity;
use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug, PartialEq)]
pub struct SlaPolicy {
    pub critical_days: Option<i64>,
    pub high_days: Option<i64>,
    pub medium_days: Option<i64>,
    pub low_days: Option<i64>,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            critical_days: Some(0),
            high_days: Some(7),
            medium_days: Some(30),
            low_days: None,
        }
    }
}

impl SlaPolicy {
    pub fn days_for(&self, severity: Severity) -> Option<i64> {
        match severity {
            Severity::Critical => self.critical_days,
            Severity::High => self.high_days,
            Severity::Medium => self.medium_days,
            Severity::Low => self.low_days,
            Severity::Info | Severity::Unknown => None,
        }
    }

    pub fn due(&self, severity: Severity, first_seen: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Days come from config.toml: an absurd value means "never due", not a crash.
        self.days_for(severity)
            .and_then(Duration::try_days)
            .and_then(|d| first_seen.checked_add_signed(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_follow_the_seed() {
        let p = SlaPolicy::default();
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(p.due(Severity::Critical, t), Some(t));
        assert_eq!(p.due(Severity::High, t), Some(t + Duration::days(7)));
        assert_eq!(p.due(Severity::Medium, t), Some(t + Duration::days(30)));
        assert_eq!(p.due(Severity::Low, t), None);
    }

    #[test]
    fn absurd_days_are_never_due_instead_of_a_crash() {
        let p = SlaPolicy {
            high_days: Some(99_999_999),
            medium_days: Some(i64::MAX),
            ..SlaPolicy::default()
        };
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(p.due(Severity::High, t), None);
        assert_eq!(p.due(Severity::Medium, t), None);
    }
}
