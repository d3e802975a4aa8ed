//! What every export is made from: the filtered findings with their
//! assessments, the decisions, and a header describing the view.

use super::Record;
use crate::model::{Finding, Severity};
use crate::store::decisions::DecisionFile;
use crate::store::AdvisoryTexts;
use crate::triage::{Assessment, Status};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The header every export carries.
#[derive(Clone, Debug, Serialize)]
pub struct Header {
    pub tool: String,
    pub workspace: String,
    pub generated_at: String,
    pub filter: String,
    pub findings: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub by_status: BTreeMap<String, usize>,
    /// Findings past their SLA: status `overdue`, the same findings `list
    /// --status overdue`, the console and the gate's `overdue-high` count
    /// (past their due day, by calendar day; docs/numbers.md).
    pub sla_breaches: usize,
    pub checklist: String,
    /// What no dependency or vulnerability scan covered (docs/coverage.md).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<String>,
}

pub struct ExportInput<'a> {
    pub rows: Vec<(&'a Finding, &'a Assessment)>,
    pub decisions: &'a DecisionFile,
    pub header: Header,
    pub now: DateTime<Utc>,
    /// What the project's images are built `FROM`, for the plan's lines.
    pub bases: crate::plan::BaseImages,
    /// Where the records find the whole advisory texts of findings read
    /// brief (`store::AdvisoryText`).
    pub texts: AdvisoryTexts,
}

impl<'a> ExportInput<'a> {
    pub fn new(
        rows: Vec<(&'a Finding, &'a Assessment)>,
        decisions: &'a DecisionFile,
        workspace: &str,
        filter: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let mut by_severity = BTreeMap::new();
        let mut by_status = BTreeMap::new();
        let mut sla_breaches = 0;
        for (f, a) in &rows {
            *by_severity
                .entry(f.severity.as_str().to_string())
                .or_insert(0) += 1;
            *by_status.entry(a.status.as_str().to_string()).or_insert(0) += 1;
            sla_breaches += usize::from(a.status == Status::Overdue);
        }
        let header = Header {
            tool: format!("scandeck {}", env!("CARGO_PKG_VERSION")),
            workspace: crate::sanitize::sanitize_line(workspace).into_owned(),
            generated_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
            filter: crate::sanitize::sanitize_line(filter).into_owned(),
            findings: rows.len(),
            by_severity,
            by_status,
            sla_breaches,
            checklist: "not recorded yet".into(),
            not_checked: Vec::new(),
        };
        ExportInput {
            rows,
            decisions,
            header,
            now,
            bases: crate::plan::BaseImages::new(),
            texts: AdvisoryTexts::none(),
        }
    }

    /// The record of the row at `i`, made now.
    pub fn record(&self, i: usize) -> Option<Record> {
        let (f, a) = self.rows.get(i)?;
        Some(self.record_of(f, a))
    }

    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.rows.iter().map(|(f, a)| self.record_of(f, a))
    }

    /// The record of the row at `i` without the advisory text (description,
    /// references, CWEs), for writers that print none of it.
    pub fn brief_record(&self, i: usize) -> Option<Record> {
        let (f, a) = self.rows.get(i)?;
        Some(Record::brief_at(f, a, self.now).decided(a, self.decisions))
    }

    /// The record of one finding, with its whole advisory text.
    pub fn record_of(&self, f: &Finding, a: &Assessment) -> Record {
        let details = self.texts.whole(&f.details);
        Record::with_text(f, &details, a, self.now).decided(a, self.decisions)
    }

    /// The fix plan's most urgent actions, one plain line each: what the
    /// HTML and Markdown exports open with (`crate::plan`).
    pub fn plan_lines(&self, n: usize) -> Vec<String> {
        crate::plan::build(&self.rows, &self.bases)
            .iter()
            .take(n)
            .map(crate::plan::Action::line)
            .collect()
    }

    pub fn severity_line(&self) -> String {
        Severity::ALL_DESCENDING
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.as_str(),
                    self.header
                        .by_severity
                        .get(s.as_str())
                        .copied()
                        .unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The ten-second summary at the top of the HTML and Markdown exports:
    /// what still needs work, how much of it is late, and the release verdict.
    pub fn glance(&self) -> String {
        use crate::model::Severity;
        let (mut open, mut critical, mut high) = (0usize, 0usize, 0usize);
        let mut decided = 0usize;
        for (f, a) in &self.rows {
            if a.status.needs_work() {
                open += 1;
                critical += usize::from(f.severity == Severity::Critical);
                high += usize::from(f.severity == Severity::High);
            }
            decided += usize::from(a.decision.is_some());
        }
        let mut line = format!(
            "{open} finding(s) need work ({critical} critical, {high} high), {} past their SLA, {decided} decided",
            self.header.sla_breaches
        );
        if !self.header.checklist.is_empty() {
            line.push_str("; ");
            line.push_str(&self.header.checklist);
        }
        line
    }

    pub fn status_line(&self) -> String {
        Status::ALL
            .iter()
            .filter_map(|s| {
                self.header
                    .by_status
                    .get(s.as_str())
                    .map(|n| format!("{} {n}", s.as_str()))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An http(s) URL safe to link: no whitespace, quotes, angle brackets or parentheses.
pub fn safe_link(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let clean = url
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && !"\"'<>()`\\".contains(c));
    (scheme_ok && clean && url.len() < 2048).then_some(url)
}
