//! `scandeck list [filters] [--format table|json|csv]`.

use super::{warn, Failure, Outcome};
use crate::cli::SortArgs;
use crate::cli::{FilterArgs, ListArgs, ListFormat};
use crate::config::Paths;
use crate::export::{self, Record};
use crate::model::{Finding, Redactor};
use crate::query::Filter;
use crate::store::workspace::Selection;
use crate::store::Workspace;
use crate::triage::{Assessment, SlaPolicy};
use crate::view::View;
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::Path;

pub fn build_filter(args: &FilterArgs) -> Result<Filter, Failure> {
    Filter::from_parts(
        args.severity.as_deref(),
        args.status.as_deref(),
        args.image.as_deref(),
        args.source.as_deref(),
        args.kind.as_deref(),
        args.query.as_deref(),
    )
    .map_err(|e| Failure::input(e.to_string()))
}

/// The rows of the view a filter keeps, in the view's order. Records are
/// built one at a time when written.
pub struct Listing {
    pub view: View,
    /// Positions in `view`, in the order shown.
    pub rows: Vec<u32>,
    /// Whether records carry what changed since the previous scan
    /// (`--since-previous`).
    pub with_changes: bool,
}

impl Listing {
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.records_with(Record::at)
    }

    /// Records without advisory text, for a table.
    pub fn brief_records(&self) -> impl Iterator<Item = Record> + '_ {
        self.records_with(Record::brief_at)
    }

    fn records_with(
        &self,
        make: fn(&Finding, &Assessment, DateTime<Utc>) -> Record,
    ) -> impl Iterator<Item = Record> + '_ {
        let now = crate::clock::now();
        let view = &self.view;
        self.rows.iter().filter_map(move |i| {
            let i = *i as usize;
            let (f, a) = (view.findings.get(i)?, view.assessments.get(i)?);
            let mut r = make(f, a, now).decided(a, &view.triage);
            if self.with_changes {
                r.change = view.change_of(i).map(str::to_string);
            }
            Some(r)
        })
    }

    /// The rows with their findings and assessments.
    pub fn rows(&self) -> Vec<(&Finding, &Assessment)> {
        self.view.rows(&self.rows)
    }

    /// Keeps only findings that changed since the previous scan of their target.
    pub fn since_previous(mut self) -> Listing {
        let view = &self.view;
        self.rows.retain(|i| view.change_of(*i as usize).is_some());
        self.with_changes = true;
        self
    }
}

/// Loads the view the filter needs (only some severities are read, by
/// index, when the filter names them) and keeps its rows in `order`.
pub fn listing(
    ws: &Workspace,
    redactor: &Redactor,
    filter: &Filter,
    order: SortArgs,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Result<Listing, Failure> {
    let selection = filter.severities().map(Selection::Severities);
    let view = View::load(ws, redactor, selection.as_ref(), now, policy)
        .map_err(|e| Failure::input(e.to_string()))?;
    Ok(listing_of(view, filter, order, now))
}

/// The rows of a view already loaded that the filter keeps, in `order`.
pub fn listing_of(view: View, filter: &Filter, order: SortArgs, now: DateTime<Utc>) -> Listing {
    warn_about(&view, now);
    let rows = view.select(&filter.query, order.sort, order.reverse);
    Listing {
        view,
        rows,
        with_changes: false,
    }
}

/// What a reader of the view should know: the store's warnings and the
/// decisions about to expire.
pub fn warn_about(view: &View, now: DateTime<Utc>) {
    for w in &view.warnings {
        warn(&format!("warning: {w}"));
    }
    let soon = crate::triage::engine::expiring_soon(&view.triage, now, 10);
    if !soon.is_empty() {
        warn(&format!(
            "heads-up: {} decision(s) expire within 10 days (snoozes and acceptances reopen then)",
            soon.len()
        ));
    }
}

/// The listing a read-only command works on: the workspace's findings the
/// filter keeps, now, under the configured SLA (a missing workspace is said).
pub fn listing_for(
    paths: &Paths,
    workspace: &Path,
    filter: &Filter,
    order: SortArgs,
    text: crate::store::AdvisoryText,
) -> Result<Listing, Failure> {
    let mut ws = Workspace::at(workspace);
    ws.advisory_text = text;
    if !ws.exists() {
        warn(&format!(
            "no scans in {}: import reports with `scandeck import FILE...`",
            workspace.display()
        ));
    }
    let redactor = super::redactor(paths, workspace, false)?;
    let policy = super::sla_policy(paths)?;
    listing(&ws, &redactor, filter, order, crate::clock::now(), &policy)
}

pub fn run(paths: &Paths, workspace: &Path, args: &ListArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    let mut listing = listing_for(
        paths,
        workspace,
        &filter,
        args.order,
        crate::store::AdvisoryText::Whole,
    )?;
    if args.since_previous {
        for run in listing.view.runs.iter().filter(|r| r.changes.is_some()) {
            if let Some(c) = &run.changes {
                warn(&format!(
                    "{} on {}: {}",
                    run.scanner,
                    run.target,
                    c.summary()
                ));
            }
        }
        listing = listing.since_previous();
    }
    print_listing(&listing, args.format)?;
    // The process ends here: the findings go with it, instead of being
    // freed one allocation at a time.
    std::mem::forget(listing);
    Ok(0)
}

pub fn print_listing(listing: &Listing, format: ListFormat) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = match format {
        ListFormat::Table => export::table::write(&mut out, listing.brief_records()),
        ListFormat::Json => export::json::write(&mut out, listing.records()),
        ListFormat::Csv => export::csv::write(&mut out, listing.records()),
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
