//! The flat, sanitised record behind `list --format json|csv` — the JSON
//! contract of docs/exports.md ("The record"): every key is always present;
//! unknown is `null`.

use crate::model::{Details, Finding};
use crate::sanitize::{sanitize, sanitize_line};
use crate::triage::Assessment;
use chrono::SecondsFormat;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Record {
    pub fingerprint: String,
    /// What was scanned: `image:<repository>` or `project:<dir>`.
    pub subject: String,
    pub kind: &'static str,
    pub id: String,
    pub aliases: Vec<String>,
    pub severity: &'static str,
    pub severity_raw: Option<String>,
    pub title: Option<String>,
    pub package: Option<String>,
    pub ecosystem: Option<String>,
    pub installed_version: Option<String>,
    pub fixed_version: Option<String>,
    pub purl: Option<String>,
    pub target: String,
    pub image: Option<String>,
    pub image_digest: Option<String>,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub source: String,
    pub source_version: Option<String>,
    pub report: String,
    pub status: &'static str,
    pub scanner_status: Option<String>,
    pub first_seen: Option<String>,
    pub sla_due: Option<String>,
    pub cvss_score: Option<f64>,
    pub cvss_vector: Option<String>,
    pub cwes: Vec<String>,
    pub references: Vec<String>,
    pub description: Option<String>,
    pub merged_records: u32,
    pub secret: Option<String>,
    /// Days until the SLA is due; negative when overdue.
    pub sla_days_left: Option<i64>,
    /// The decision that applies (disposition: `accepted`, `snoozed`…), if any.
    pub decision: Option<String>,
    /// With `list --since-previous`: what changed since the previous scan.
    pub change: Option<String>,
    /// Why, as its author wrote it.
    pub decision_reason: Option<String>,
    /// When a snooze or acceptance ends (RFC 3339), or `until a fix is available`.
    pub decision_until: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// Who approved an acceptance.
    pub approver: Option<String>,
    /// The OpenVEX justification of a not-affected decision.
    pub justification: Option<String>,
    /// `finding` (this finding) or `rule` (every finding the rule matches).
    pub decision_scope: Option<String>,
}

/// Column names in contract order, for CSV headers.
pub const COLUMNS: [&str; 42] = [
    "fingerprint",
    "subject",
    "kind",
    "id",
    "aliases",
    "severity",
    "severity_raw",
    "title",
    "package",
    "ecosystem",
    "installed_version",
    "fixed_version",
    "purl",
    "target",
    "image",
    "image_digest",
    "path",
    "line",
    "source",
    "source_version",
    "report",
    "status",
    "scanner_status",
    "first_seen",
    "sla_due",
    "cvss_score",
    "cvss_vector",
    "cwes",
    "references",
    "description",
    "merged_records",
    "secret",
    "sla_days_left",
    "decision",
    "change",
    "decision_reason",
    "decision_until",
    "decided_by",
    "decided_at",
    "approver",
    "justification",
    "decision_scope",
];

fn line(text: &str) -> String {
    sanitize_line(text).into_owned()
}

fn opt_line(text: Option<&str>) -> Option<String> {
    text.map(line)
}

impl Record {
    pub fn new(f: &Finding, a: &Assessment) -> Record {
        Record::at(f, a, crate::clock::now())
    }

    pub fn at(f: &Finding, a: &Assessment, now: chrono::DateTime<chrono::Utc>) -> Record {
        Record::with_text(f, &f.details, a, now)
    }

    /// `at`, with the advisory text `details` in place of the finding's own
    /// (its whole text, when the finding was read brief).
    pub fn with_text(
        f: &Finding,
        details: &Details,
        a: &Assessment,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Record {
        Record::build(f, details, a, now, true)
    }

    /// A record without the advisory text (description, references, CWEs):
    /// what a table shows, without sanitising pages of text it never prints.
    pub fn brief_at(f: &Finding, a: &Assessment, now: chrono::DateTime<chrono::Utc>) -> Record {
        Record::build(f, &f.details, a, now, false)
    }

    fn build(
        f: &Finding,
        details: &Details,
        a: &Assessment,
        now: chrono::DateTime<chrono::Utc>,
        advisory: bool,
    ) -> Record {
        let pkg = f.package.as_ref();
        let image = f.image.as_deref();
        Record {
            fingerprint: f.fingerprint.to_string(),
            subject: line(&f.subject),
            kind: f.kind.as_str(),
            id: line(&f.id),
            aliases: f.aliases.iter().map(|s| line(s)).collect(),
            severity: f.severity.as_str(),
            severity_raw: opt_line(f.severity_raw.as_deref()),
            title: opt_line(details.title.as_deref()),
            package: opt_line(pkg.map(|p| p.name.as_str()).filter(|n| !n.is_empty())),
            ecosystem: opt_line(pkg.and_then(|p| p.ecosystem.as_deref())),
            installed_version: opt_line(f.installed_version()),
            fixed_version: opt_line(f.fixed_version().as_deref()),
            purl: opt_line(pkg.and_then(|p| p.purl.as_deref())),
            target: line(f.display_target()),
            image: opt_line(f.image_name()),
            image_digest: opt_line(image.and_then(|i| i.digest.as_deref())),
            path: opt_line(
                f.location
                    .path
                    .as_deref()
                    .or(pkg.and_then(|p| p.path.as_deref())),
            ),
            line: f.location.line,
            source: line(&f.scanner_names()),
            source_version: opt_line(f.source.version.as_deref()),
            report: line(&f.source.report),
            status: a.status.as_str(),
            scanner_status: opt_line(f.scanner_status.as_deref()),
            first_seen: a
                .first_seen
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            sla_due: a
                .sla_due
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            cvss_score: details.cvss_score,
            cvss_vector: opt_line(details.cvss_vector.as_deref()),
            cwes: if advisory {
                details.cwes.iter().map(|s| line(s)).collect()
            } else {
                Vec::new()
            },
            references: if advisory {
                details.references.iter().map(|s| line(s)).collect()
            } else {
                Vec::new()
            },
            description: details
                .description
                .as_deref()
                .filter(|_| advisory)
                .map(|d| sanitize(d).into_owned()),
            merged_records: f.merged,
            secret: f.secret.as_ref().map(|s| line(&s.mask)),
            sla_days_left: a.days_left(now),
            decision: None,
            change: None,
            decision_reason: None,
            decision_until: None,
            decided_by: None,
            decided_at: None,
            approver: None,
            justification: None,
            decision_scope: None,
        }
    }

    /// Fills the decision columns from the decision that applies (the one
    /// under the assessment's key in `decisions`).
    pub fn decided(
        mut self,
        a: &Assessment,
        decisions: &crate::store::decisions::DecisionFile,
    ) -> Record {
        let Some((key, d)) = a
            .decision
            .as_ref()
            .and_then(|k| decisions.decisions.get(k).map(|d| (k, d)))
        else {
            return self;
        };
        self.decision = Some(d.disposition.as_str().to_string());
        self.decision_reason = Some(line(&d.reason)).filter(|r| !r.is_empty());
        self.decision_until = match (&d.until, d.until_fix) {
            (Some(until), _) => Some(line(until)),
            (None, true) => Some("until a fix is available".to_string()),
            (None, false) => None,
        };
        self.decided_by = Some(line(&d.decided_by));
        self.decided_at = Some(line(&d.decided_at));
        self.approver = opt_line(d.approver.as_deref());
        self.justification = opt_line(d.justification.as_deref());
        self.decision_scope = Some(
            if key.starts_with("finding:") {
                "finding"
            } else {
                "rule"
            }
            .to_string(),
        );
        self
    }

    /// "accepted until 2027-01-15 by Cleo CISO: vendor patch due" — the
    /// decision in one line, for the human exports.
    pub fn decision_line(&self) -> Option<String> {
        let decision = self.decision.as_deref()?;
        let mut line = decision.replace('_', " ");
        if let Some(j) = &self.justification {
            line.push_str(&format!(" ({})", j.replace('_', " ")));
        }
        if let Some(until) = &self.decision_until {
            if until.starts_with("until") {
                line.push_str(&format!(" {until}"));
            } else {
                line.push_str(&format!(" until {}", until.get(..10).unwrap_or(until)));
            }
        }
        if let Some(by) = &self.decided_by {
            line.push_str(&format!(" by {}", crate::triage::actor::short_name(by)));
        }
        if let Some(approver) = &self.approver {
            line.push_str(&format!(
                ", approved by {}",
                crate::triage::actor::short_name(approver)
            ));
        }
        if let Some(reason) = &self.decision_reason {
            line.push_str(&format!(": {reason}"));
        }
        Some(line)
    }

    /// Values in `COLUMNS` order, lists joined with `; `, for CSV.
    pub fn cells(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.fingerprint.clone(),
            self.subject.clone(),
            self.kind.to_string(),
            self.id.clone(),
            self.aliases.join("; "),
            self.severity.to_string(),
            o(&self.severity_raw),
            o(&self.title),
            o(&self.package),
            o(&self.ecosystem),
            o(&self.installed_version),
            o(&self.fixed_version),
            o(&self.purl),
            self.target.clone(),
            o(&self.image),
            o(&self.image_digest),
            o(&self.path),
            self.line.map(|l| l.to_string()).unwrap_or_default(),
            self.source.clone(),
            o(&self.source_version),
            self.report.clone(),
            self.status.to_string(),
            o(&self.scanner_status),
            o(&self.first_seen),
            o(&self.sla_due),
            self.cvss_score.map(|s| s.to_string()).unwrap_or_default(),
            o(&self.cvss_vector),
            self.cwes.join("; "),
            self.references.join("; "),
            o(&self.description),
            self.merged_records.to_string(),
            o(&self.secret),
            self.sla_days_left
                .map(|d| d.to_string())
                .unwrap_or_default(),
            o(&self.decision),
            o(&self.change),
            o(&self.decision_reason),
            o(&self.decision_until),
            o(&self.decided_by),
            o(&self.decided_at),
            o(&self.approver),
            o(&self.justification),
            o(&self.decision_scope),
        ]
    }
}

#[cfg(test)]
mod doc_tests {
    use super::COLUMNS;

    /// docs/exports.md names every key of the record, in order.
    #[test]
    fn the_documented_record_is_the_record() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/exports.md"))
            .unwrap();
        let section = doc.split("## The record").nth(1).expect("the section");
        let named: Vec<&str> = section
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| COLUMNS.contains(w))
            .collect();
        assert_eq!(
            named, COLUMNS,
            "docs/exports.md lists the record's keys in order"
        );
    }
}
