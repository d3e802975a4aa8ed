//! Human decisions about findings (docs/triage-model.md b.2, b.5). A decision
//! targets one finding (its fingerprint, with its ids, package and asset so
//! that it still matches when alias data changes) or a selector rule that
//! also covers future findings.

use crate::model::{fingerprint, Finding, Fingerprint, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Claimed fixed by a person; verified when a complete rescan no longer reports it.
    Fixed,
    Snoozed,
    Accepted,
    FalsePositive,
    NotAffected,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Fixed => "fixed",
            Disposition::Snoozed => "snoozed",
            Disposition::Accepted => "accepted",
            Disposition::FalsePositive => "false_positive",
            Disposition::NotAffected => "not_affected",
        }
    }

    /// Decisions that stay with a finding while it is absent (dormant).
    pub fn suppresses(self) -> bool {
        matches!(
            self,
            Disposition::FalsePositive | Disposition::NotAffected | Disposition::Accepted
        )
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OpenVEX justifications for `not_affected`.
pub const VEX_JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// What a decision applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selector {
    /// One finding's lineage key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Ids and aliases; a finding matches when it carries any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// Package name (case-insensitive), without version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Asset lineage (`image:repo` or `path:file`) or, for rules, a substring of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl Selector {
    /// The selector of one finding.
    pub fn for_finding(f: &Finding) -> Selector {
        let mut ids = vec![f.id.clone()];
        ids.extend(f.aliases.iter().cloned());
        Selector {
            fingerprint: Some(f.fingerprint.to_string()),
            ids,
            package: f
                .package_name()
                .map(str::to_string)
                .filter(|p| !p.is_empty()),
            target: Some(fingerprint::asset_lineage(f)),
        }
    }

    /// The key a decision is stored under: one active decision per selector.
    pub fn key(&self) -> String {
        match &self.fingerprint {
            Some(fp) => format!("finding:{fp}"),
            None => {
                let text = serde_json::to_string(self).unwrap_or_default();
                use sha2::Digest;
                let digest = crate::model::fingerprint::hex(&sha2::Sha256::digest(text.as_bytes()));
                format!("rule:{}", &digest[..16])
            }
        }
    }

    pub fn is_rule(&self) -> bool {
        self.fingerprint.is_none()
    }

    pub fn matches(&self, f: &Finding) -> bool {
        let ids_match = || self.ids.iter().any(|id| f.has_id(id));
        let package_match = |p: &String| {
            f.package_name()
                .is_some_and(|name| name.eq_ignore_ascii_case(p))
        };
        match &self.fingerprint {
            Some(fp) => {
                if Fingerprint::parse(fp) == Some(f.fingerprint) {
                    return true;
                }
                // The same finding after its alias group changed (a GHSA gained
                // a CVE). Only advisories have alias groups: a rule id names
                // every hit of the rule, so matching code findings by id
                // would let one decision cover them all.
                matches!(
                    f.kind,
                    crate::model::Kind::Vulnerability | crate::model::Kind::License
                ) && ids_match()
                    && self.package.as_ref().is_none_or(package_match)
                    && self.target.as_deref() == Some(fingerprint::asset_lineage(f).as_str())
            }
            None => {
                (self.ids.is_empty() || ids_match())
                    && self.package.as_ref().is_none_or(package_match)
                    && self.target.as_ref().is_none_or(|t| {
                        let t = t.to_lowercase();
                        f.display_target().to_lowercase().contains(&t)
                            || fingerprint::asset_lineage(f).to_lowercase().contains(&t)
                    })
            }
        }
    }
}

/// A human-readable label stored with per-finding decisions, for reviewers,
/// and kept for findings that are no longer reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLabel {
    pub kind: crate::model::Kind,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    pub target: String,
    pub severity: Severity,
}

impl FindingLabel {
    /// `CVE-… in openssl on shop/api:1`, for audit entries and messages.
    pub fn text(&self) -> String {
        let pkg = self
            .package
            .as_deref()
            .map(|p| format!(" in {p}"))
            .unwrap_or_default();
        format!("{}{pkg} on {}", self.id, self.target)
    }

    pub fn of(f: &Finding) -> FindingLabel {
        FindingLabel {
            kind: f.kind,
            id: f.id.clone(),
            package: f
                .package_name()
                .map(str::to_string)
                .filter(|p| !p.is_empty()),
            target: f.display_target().to_string(),
            severity: f.severity,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub disposition: Disposition,
    pub selector: Selector,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingLabel>,
    pub reason: String,
    /// Snooze or acceptance end (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Snoozed until a fix is available.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub until_fix: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// OpenVEX justification for `not_affected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
    /// The hash of the audit entry that made this decision (see `audit::seal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl super::audit::Sealed for Decision {
    fn entry(&self) -> Option<&str> {
        self.entry.as_deref()
    }

    fn set_entry(&mut self, entry: Option<String>) {
        self.entry = entry;
    }
}

impl Decision {
    /// A decision on one fingerprint, made by "me" on 2026-01-01 (tests).
    #[cfg(test)]
    pub(crate) fn on_fingerprint(fp: &str, disposition: Disposition, reason: &str) -> Decision {
        Decision {
            disposition,
            selector: Selector {
                fingerprint: Some(fp.into()),
                ..Selector::default()
            },
            finding: None,
            reason: reason.into(),
            until: None,
            until_fix: false,
            approver: None,
            justification: None,
            decided_by: "me".into(),
            decided_at: "2026-01-01T00:00:00Z".into(),
            entry: None,
        }
    }

    /// Makes every text field safe for the committed file and a terminal
    /// (report text in the label and selector, user text in the reason).
    pub fn sanitize(&mut self) {
        fn clean(s: &mut String) {
            if let std::borrow::Cow::Owned(c) = crate::sanitize::sanitize_line(s) {
                *s = c;
            }
        }
        fn clean_opt(s: &mut Option<String>) {
            if let Some(s) = s {
                clean(s);
            }
        }
        clean(&mut self.reason);
        clean(&mut self.decided_by);
        clean(&mut self.decided_at);
        clean_opt(&mut self.until);
        clean_opt(&mut self.approver);
        clean_opt(&mut self.justification);
        self.selector.ids.iter_mut().for_each(clean);
        clean_opt(&mut self.selector.package);
        clean_opt(&mut self.selector.target);
        if let Some(label) = &mut self.finding {
            clean(&mut label.id);
            clean_opt(&mut label.package);
            clean(&mut label.target);
        }
    }

    /// `snoozed until …`, `not_affected (justification)`, `accepted …, approved by …`.
    pub fn describe(&self) -> String {
        let mut s = self.disposition.as_str().to_string();
        if let Some(until) = &self.until {
            s.push_str(&format!(" until {until}"));
        }
        if self.until_fix {
            s.push_str(" until a fix is available");
        }
        if let Some(j) = &self.justification {
            s.push_str(&format!(" ({j})"));
        }
        if let Some(a) = &self.approver {
            s.push_str(&format!(", approved by {a}"));
        }
        s
    }

    pub fn until_time(&self) -> Option<DateTime<Utc>> {
        self.until
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    }

    /// A snooze or acceptance whose end has passed. An unreadable date counts
    /// as expired: a broken rule stops suppressing (fail-open).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        match (&self.until, self.until_time()) {
            (Some(_), None) => true,
            (_, Some(t)) => t <= now,
            (None, None) => false,
        }
    }
}

/// Why a requested decision is refused; one line each.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecisionError {
    #[error("a reason is required (--reason)")]
    NoReason,
    #[error("a snooze needs an end: --until DATE|DURATION or --until-fix")]
    NoSnoozeEnd,
    #[error("accepting a critical or high finding needs an approver (--approver) and an expiry (--until)")]
    AcceptNeedsApproval,
    #[error("not affected needs an OpenVEX justification (--justification): {}", VEX_JUSTIFICATIONS.join(", "))]
    NoJustification,
    #[error("unknown justification \"{given}\": use {}", VEX_JUSTIFICATIONS.join(", "))]
    BadJustification { given: String },
    #[error("the end date is in the past")]
    PastEnd,
}

/// Checks the required fields of a decision (b.5): reason always; a snooze
/// end; approver and expiry for critical/high acceptances; a VEX justification.
pub fn validate(
    d: &Decision,
    severity: Option<Severity>,
    now: DateTime<Utc>,
) -> Result<(), DecisionError> {
    if d.reason.trim().is_empty() {
        return Err(DecisionError::NoReason);
    }
    if d.until.is_some() && d.expired(now) {
        return Err(DecisionError::PastEnd);
    }
    match d.disposition {
        Disposition::Snoozed if d.until.is_none() && !d.until_fix => {
            Err(DecisionError::NoSnoozeEnd)
        }
        Disposition::Accepted
            if severity.is_some_and(|s| s >= Severity::High)
                && (d.approver.as_deref().is_none_or(|a| a.trim().is_empty())
                    || d.until.is_none()) =>
        {
            Err(DecisionError::AcceptNeedsApproval)
        }
        Disposition::NotAffected => match &d.justification {
            None => Err(DecisionError::NoJustification),
            Some(j) if !VEX_JUSTIFICATIONS.contains(&j.as_str()) => {
                Err(DecisionError::BadJustification { given: j.clone() })
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// `2026-12-31`, an RFC 3339 time, or a duration from now (`7d`, `12h`, `2w`).
pub fn parse_until(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return date.and_hms_opt(23, 59, 59).map(|d| d.and_utc());
    }
    // A bare number is no end: a unit is required here.
    t.find(|c: char| !c.is_ascii_digit())?;
    let delta = crate::model::duration::parse(t, "")?;
    now.checked_add_signed(delta)
}
