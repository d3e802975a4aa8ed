//! The status a user sees and filters on (triage-model.md b.2).

use super::SlaPolicy;
use crate::model::Finding;
use chrono::{DateTime, Utc};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Open,
    Overdue,
    Snoozed,
    Accepted,
    Suppressed,
    FixPending,
    Fixed,
    Regressed,
    Dormant,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Open,
        Status::Overdue,
        Status::Snoozed,
        Status::Accepted,
        Status::Suppressed,
        Status::FixPending,
        Status::Fixed,
        Status::Regressed,
        Status::Dormant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Overdue => "overdue",
            Status::Snoozed => "snoozed",
            Status::Accepted => "accepted",
            Status::Suppressed => "suppressed",
            Status::FixPending => "fix-pending",
            Status::Fixed => "fixed",
            Status::Regressed => "regressed",
            Status::Dormant => "dormant",
        }
    }

    pub fn parse_user(word: &str) -> Option<Status> {
        let w = word.trim().to_ascii_lowercase().replace('_', "-");
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == w)
            .or(match w.as_str() {
                "pending" | "fix-pending-verification" => Some(Status::FixPending),
                "false-positive" | "not-affected" => Some(Status::Suppressed),
                _ => None,
            })
    }

    /// `open` in a filter also matches overdue and regressed findings: they are open too.
    pub fn matches(self, wanted: Status) -> bool {
        self == wanted
            || (wanted == Status::Open && matches!(self, Status::Overdue | Status::Regressed))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status and SLA of one finding at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    pub status: Status,
    pub first_seen: Option<DateTime<Utc>>,
    pub sla_due: Option<DateTime<Utc>>,
}

pub fn assess(
    finding: &Finding,
    first_seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Assessment {
    let sla_due = first_seen.and_then(|t| policy.due(finding.severity, t));
    let status = if finding.suppressed_by_tool {
        Status::Suppressed
    } else if sla_due.is_some_and(|due| due < now) {
        Status::Overdue
    } else {
        Status::Open
    };
    Assessment {
        status,
        first_seen,
        sla_due,
    }
}
