//! `scandeck list [filters] [--format table|json|csv]`.

use super::{warn, Failure, Outcome};
use crate::cli::{FilterArgs, ListArgs, ListFormat};
use crate::config::Paths;
use crate::export::{self, Record};
use crate::model::Redactor;
use crate::query::{Filter, SeveritySet};
use crate::store::Workspace;
use crate::triage::{assess, SlaPolicy};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::Path;

pub fn build_filter(args: &FilterArgs) -> Result<Filter, Failure> {
    let mut filter = Filter::default();
    if let Some(s) = &args.severity {
        filter.severities = Some(SeveritySet::parse(s).map_err(|e| Failure::input(e.to_string()))?);
    }
    if let Some(s) = &args.status {
        filter = filter
            .with_statuses(s)
            .map_err(|e| Failure::input(e.to_string()))?;
    }
    if let Some(k) = &args.kind {
        filter = filter
            .with_kinds(k)
            .map_err(|e| Failure::input(e.to_string()))?;
    }
    if let Some(q) = &args.query {
        filter = filter.with_query(q);
    }
    filter.image = args.image.clone();
    filter.source = args.source.clone();
    Ok(filter)
}

/// Loads, assesses, filters and sorts (severity, then id) the current findings.
pub fn records(
    ws: &Workspace,
    redactor: &Redactor,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<Record>, Failure> {
    let current = ws
        .current_findings(redactor)
        .map_err(|e| Failure::input(e.to_string()))?;
    for w in &current.warnings {
        warn(&format!("warning: {w}"));
    }
    let policy = SlaPolicy::default();
    let mut rows: Vec<Record> = current
        .findings
        .iter()
        .filter_map(|f| {
            let first = current
                .first_seen
                .get(&f.fingerprint.to_string())
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            let a = assess(f, first, now, &policy);
            filter
                .matches(f, &a)
                .then(|| (f.severity, Record::new(f, &a)))
        })
        .map(|(_, r)| r)
        .collect();
    rows.sort_by(|a, b| {
        severity_rank(b.severity)
            .cmp(&severity_rank(a.severity))
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.target.cmp(&b.target))
            .then_with(|| a.package.cmp(&b.package))
    });
    Ok(rows)
}

fn severity_rank(name: &str) -> u8 {
    crate::model::Severity::from_word(name) as u8
}

pub fn run(paths: &Paths, workspace: &Path, args: &ListArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    let ws = Workspace::at(workspace);
    if !ws.exists() {
        warn(&format!(
            "no scans in {}: import reports with `scandeck import FILE...`",
            workspace.display()
        ));
    }
    let redactor = super::redactor(paths)?;
    let rows = records(&ws, &redactor, &filter, Utc::now())?;
    print_records(&rows, args.format)?;
    Ok(0)
}

pub fn print_records(rows: &[Record], format: ListFormat) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = match format {
        ListFormat::Table => export::table::write(&mut out, rows),
        ListFormat::Json => export::json::write(&mut out, rows),
        ListFormat::Csv => export::csv::write(&mut out, rows),
    };
    result.and_then(|_| out.flush()).or_else(|e| {
        // A closed pipe (`| head`) is not an error worth reporting.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Ok(())
        } else {
            Err(Failure::input(format!("cannot write the list: {e}")))
        }
    })
}
