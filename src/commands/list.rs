//! `scandeck list [filters] [--format table|json|csv]`.

use super::{warn, Failure, Outcome};
use crate::cli::{FilterArgs, ListArgs, ListFormat};
use crate::config::Paths;
use crate::export::{self, Record};
use crate::model::{Finding, Fingerprint, Redactor};
use crate::query::Filter;
use crate::store::Workspace;
use crate::triage::{Assessment, SlaPolicy};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
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

/// The current findings that pass a filter, in list order (severity, then
/// id, target, package). Records are built one at a time when written.
pub struct Listing {
    pub findings: Vec<Finding>,
    pub rows: Vec<(usize, Assessment)>,
    /// Change since the previous scan, by fingerprint (filled for `--since-previous`).
    pub changes: HashMap<Fingerprint, &'static str>,
    pub runs: Vec<crate::store::RunRecord>,
    pub triage: crate::store::decisions::DecisionFile,
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
        self.rows.iter().map(move |(i, a)| {
            let f = &self.findings[*i];
            let mut r = make(f, a, now).decided(a, &self.triage);
            r.change = self.changes.get(&f.fingerprint).map(|c| c.to_string());
            r
        })
    }

    /// Keeps only findings that changed since the previous scan of their target.
    pub fn since_previous(mut self) -> Listing {
        for run in &self.runs {
            let Some(changes) = &run.changes else {
                continue;
            };
            for list in [
                &changes.new_image_changed,
                &changes.new_reported,
                &changes.gone,
                &changes.regressed,
            ] {
                for fp in list {
                    if let (Some(parsed), Some(what)) = (Fingerprint::parse(fp), changes.of(fp)) {
                        self.changes.insert(parsed, what);
                    }
                }
            }
        }
        let findings = &self.findings;
        let changes = &self.changes;
        self.rows
            .retain(|(i, _)| changes.contains_key(&findings[*i].fingerprint));
        self
    }
}

/// Loads, assesses, filters and sorts the current findings.
pub fn listing(
    ws: &Workspace,
    redactor: &Redactor,
    filter: &Filter,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Result<Listing, Failure> {
    // Some severities only: the store reads just those, by index.
    let selected = match filter.severities() {
        Some(wanted) => ws
            .current_findings_with(
                redactor,
                &crate::store::workspace::Selection::Severities(wanted),
            )
            .map_err(|e| Failure::input(e.to_string()))?,
        None => None,
    };
    let current = match selected {
        Some(current) => current,
        None => ws
            .current_findings(redactor)
            .map_err(|e| Failure::input(e.to_string()))?,
    };
    Ok(listing_of(current, filter, now, policy))
}

/// Assesses, filters and sorts findings already loaded.
pub fn listing_of(
    mut current: crate::store::workspace::CurrentFindings,
    filter: &Filter,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Listing {
    for w in &current.warnings {
        warn(&format!("warning: {w}"));
    }
    let soon = crate::triage::engine::expiring_soon(&current.triage, now, 10);
    if !soon.is_empty() {
        warn(&format!(
            "heads-up: {} decision(s) expire within 10 days (snoozes and acceptances reopen then)",
            soon.len()
        ));
    }
    let assessments =
        crate::triage::status::assess_current(&mut current.findings, &current.triage, now, policy);
    let findings = current.findings;
    let order = list_order(&findings);
    let statuses = assessments.iter().map(|a| a.status).collect();
    let changes = crate::query::search::change_codes(&findings, &current.runs);
    let kept = filter.select(&findings, statuses, changes, &order);
    let mut assessments: Vec<Option<Assessment>> = assessments.into_iter().map(Some).collect();
    let rows: Vec<(usize, Assessment)> = kept
        .into_iter()
        .filter_map(|i| Some((i as usize, assessments.get_mut(i as usize)?.take()?)))
        .collect();
    Listing {
        findings,
        rows,
        changes: HashMap::new(),
        runs: current.runs,
        triage: current.triage,
    }
}

/// Positions of `findings` in list order: most severe first, then by id,
/// display target and package (byte order; no package first), ties in
/// report order. Texts are ranked once so that the sort compares numbers:
/// the gate sorts a few hundred thousand findings.
fn list_order(findings: &[Finding]) -> Vec<u32> {
    fn ranks<'f>(texts: impl Iterator<Item = &'f str>) -> Vec<u32> {
        let mut ids: crate::fasthash::FxHashMap<&str, u32> = Default::default();
        let of: Vec<u32> = texts
            .map(|t| {
                let next = ids.len() as u32;
                *ids.entry(t).or_insert(next)
            })
            .collect();
        let mut unique: Vec<(&str, u32)> = ids.into_iter().collect();
        unique.sort_unstable();
        let mut rank_of_id = vec![0u32; unique.len()];
        for (rank, (_, id)) in unique.iter().enumerate() {
            rank_of_id[*id as usize] = rank as u32;
        }
        of.into_iter().map(|id| rank_of_id[id as usize]).collect()
    }
    let id = ranks(findings.iter().map(|f| f.id.as_str()));
    let target = ranks(findings.iter().map(Finding::display_target));
    // "" stands in for no package; it sorts first, below any name, as `None` did.
    let package = ranks(findings.iter().map(|f| f.package_name().unwrap_or("")));
    let has_package: Vec<bool> = findings.iter().map(|f| f.package.is_some()).collect();
    let key = |i: usize| -> u128 {
        let severity = 5 - (findings[i].severity as u128).min(5);
        severity << 104
            | u128::from(id[i]) << 72
            | u128::from(target[i]) << 40
            | u128::from(has_package[i]) << 32
            | u128::from(package[i])
    };
    let mut keyed: Vec<(u128, u32)> = (0..findings.len()).map(|i| (key(i), i as u32)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The listing a read-only command works on: the workspace's findings the
/// filter keeps, now, under the configured SLA (a missing workspace is said).
pub fn listing_for(paths: &Paths, workspace: &Path, filter: &Filter) -> Result<Listing, Failure> {
    let ws = Workspace::at(workspace);
    if !ws.exists() {
        warn(&format!(
            "no scans in {}: import reports with `scandeck import FILE...`",
            workspace.display()
        ));
    }
    let redactor = super::redactor(paths, workspace, false)?;
    let policy = super::sla_policy(paths)?;
    listing(&ws, &redactor, filter, crate::clock::now(), &policy)
}

pub fn run(paths: &Paths, workspace: &Path, args: &ListArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    let mut listing = listing_for(paths, workspace, &filter)?;
    if args.since_previous {
        for run in listing.runs.iter().filter(|r| r.changes.is_some()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranked order is the order of the plain comparison it replaced,
    /// over every demo report, shuffled and with findings whose package,
    /// id or target differ only where the comparison must look.
    #[test]
    fn list_order_sorts_as_comparing_the_texts_does() {
        let redactor = Redactor::with_key([1; 32]);
        let mut findings = crate::demo::parsed_findings(&redactor);
        let mut twins = Vec::new();
        for f in findings.iter().take(6) {
            let mut no_package = f.clone();
            no_package.package = None;
            let mut empty_package = f.clone();
            if let Some(p) = &mut empty_package.package {
                p.name.clear();
            }
            twins.extend([no_package, empty_package, f.clone()]);
        }
        findings.extend(twins);
        findings.reverse();
        assert!(findings.len() > 40);
        let mut expected: Vec<u32> = (0..findings.len() as u32).collect();
        expected.sort_by(|a, b| {
            let (a, b) = (&findings[*a as usize], &findings[*b as usize]);
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.display_target().cmp(b.display_target()))
                .then_with(|| a.package_name().cmp(&b.package_name()))
        });
        assert_eq!(list_order(&findings), expected);
    }
}
