//! What the console shows, built once per load on a worker thread: the
//! findings with their assessments, the search index, the per-target tallies.

use crate::model::{Finding, Severity};
use crate::query::SortKey;
use crate::store::decisions::DecisionFile;
use crate::store::workspace::CurrentFindings;
use crate::store::RunRecord;
use crate::triage::{Assessment, SlaPolicy};
use crate::view::View;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// One row of the targets pane.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetRow {
    pub name: String,
    /// The search index's target id.
    pub id: u32,
    /// Findings that need work (open, overdue, regressed) per severity,
    /// indexed by `Severity as usize`.
    pub tally: [usize; 6],
    /// Findings resolved or decided (fixed, gone, suppressed, accepted,
    /// snoozed, …): counted apart, never as work.
    pub resolved: usize,
    pub total: usize,
    /// Weighted score for ordering: critical dominates high dominates medium...
    pub score: u64,
}

pub struct Data {
    /// The findings, their assessments, index and order: the same view
    /// every command reads (`crate::view`).
    pub view: View,
    /// Busiest first; the "All" row is drawn above them.
    pub targets: Vec<TargetRow>,
    pub all: TargetRow,
    /// Finding indices in the default order (severity), ready for the first screen.
    pub initial_order: Arc<Vec<u32>>,
    /// Checklists, their records and the evidence of the automatic checks.
    pub walk: crate::checklist::walk::Walkthrough,
    /// What the project's images are built `FROM`, for the fix plan.
    pub bases: Arc<crate::plan::BaseImages>,
    /// The workspace's scanner ignore and VEX files (name, text), for the
    /// decision audit.
    pub ignore_files: Arc<Vec<(String, String)>>,
}

impl Data {
    pub fn empty() -> Data {
        Data::build(CurrentFindings::default(), crate::clock::now())
    }

    pub fn build(current: CurrentFindings, now: DateTime<Utc>) -> Data {
        Data::build_with(current, now, &SlaPolicy::default())
    }

    pub fn build_with(current: CurrentFindings, now: DateTime<Utc>, policy: &SlaPolicy) -> Data {
        Data::of(View::of(current, now, policy))
    }

    pub fn from_parts(
        findings: Vec<Finding>,
        assessments: Vec<Assessment>,
        runs: Vec<RunRecord>,
        warnings: Vec<String>,
    ) -> Data {
        Data::of(View::from_parts(findings, assessments, runs, warnings))
    }

    /// The console's data over a view: the targets pane's rows and the
    /// first screen's order.
    pub fn of(view: View) -> Data {
        let (targets, all) = tallies(&view);
        let initial_order = Arc::new(view.order(SortKey::Severity, false));
        Data {
            view,
            targets,
            all,
            initial_order,
            walk: Default::default(),
            bases: Arc::default(),
            ignore_files: Arc::default(),
        }
    }

    /// Recomputes every status after the decisions changed (the index stays).
    pub fn reassess(&mut self, triage: DecisionFile, now: DateTime<Utc>) {
        self.view.reassess(triage, now);
        (self.targets, self.all) = tallies(&self.view);
    }

    /// The present findings with their assessments.
    pub fn present(&self) -> Vec<(&Finding, &Assessment)> {
        self.view.present()
    }

    /// Runs the checklist's automatic checks against the loaded findings.
    pub fn load_walk(
        &mut self,
        ws: &crate::store::Workspace,
        setup: &crate::checklist::walk::WalkSetup,
        now: DateTime<Utc>,
    ) {
        let walk = crate::checklist::walk::Walkthrough::load(
            ws,
            setup,
            self.view.present(),
            &self.view.runs,
            now,
        );
        self.view.warnings.extend(walk.warnings.iter().cloned());
        self.walk = walk;
    }

    /// Everything an export of the rows `rows` (finding indices, in the
    /// order shown) needs, copied so that rendering can run off the UI thread.
    pub fn export_job(
        &self,
        format: crate::export::ExportFormat,
        rows: &[u32],
        workspace: &str,
        filter: &str,
        verdict: Option<&crate::gate::Verdict>,
        now: DateTime<Utc>,
    ) -> ExportJob {
        ExportJob {
            format,
            rows: self
                .view
                .rows(rows)
                .into_iter()
                .map(|(f, a)| (f.clone(), a.clone()))
                .collect(),
            triage: self.view.triage.clone(),
            workspace: workspace.to_string(),
            filter: filter.to_string(),
            readiness: crate::gate::readiness_line(self.walk.production_progress(), verdict),
            not_checked: self.walk.not_checked.clone(),
            bases: Arc::clone(&self.bases),
            now,
        }
    }

    /// Renders the rows `rows` as an export (on the calling thread).
    pub fn render_export(
        &self,
        format: crate::export::ExportFormat,
        rows: &[u32],
        workspace: &str,
        filter: &str,
        verdict: Option<&crate::gate::Verdict>,
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>, String> {
        self.export_job(format, rows, workspace, filter, verdict, now)
            .render()
    }

    /// The release gate's verdict under the default policy.
    pub fn verdict(&self, now: DateTime<Utc>) -> crate::gate::Verdict {
        crate::gate::judge_workspace(
            &crate::gate::Policy::default(),
            self.view.present(),
            &self.view.triage,
            &self.view.runs,
            &self.walk,
            now,
        )
    }

    /// The decision key that applies to finding `i`, or the key a decision about it would get.
    pub fn decision_key(&self, i: usize) -> String {
        self.view.decision_key(i)
    }

    /// The first row of each fingerprint in `wanted` that is loaded, in
    /// `wanted`'s order; fingerprints no longer reported are left out.
    pub fn first_of(&self, wanted: &[crate::model::Fingerprint]) -> Vec<usize> {
        let mut first: std::collections::HashMap<crate::model::Fingerprint, usize> =
            wanted.iter().map(|fp| (*fp, usize::MAX)).collect();
        for (i, f) in self.view.findings.iter().enumerate() {
            if let Some(slot) = first.get_mut(&f.fingerprint) {
                if *slot == usize::MAX {
                    *slot = i;
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        wanted
            .iter()
            .filter(|fp| seen.insert(**fp))
            .filter_map(|fp| first.get(fp).copied().filter(|i| *i != usize::MAX))
            .collect()
    }
}

/// The targets pane's rows (busiest first) and the "All" row: what needs
/// work per severity, and what is resolved or decided apart.
fn tallies(view: &View) -> (Vec<TargetRow>, TargetRow) {
    let mut by_target: Vec<Option<TargetRow>> = Vec::new();
    let mut all = TargetRow {
        name: "All".into(),
        id: u32::MAX,
        tally: [0; 6],
        resolved: 0,
        total: 0,
        score: 0,
    };
    for (i, f) in view.findings.iter().enumerate() {
        let id = view.index.target_of(i) as usize;
        if by_target.len() <= id {
            by_target.resize(id + 1, None);
        }
        let row = by_target[id].get_or_insert_with(|| TargetRow {
            name: f.display_target().to_string(),
            id: id as u32,
            tally: [0; 6],
            resolved: 0,
            total: 0,
            score: 0,
        });
        let needs_work = view.facts.needs_work(i);
        for r in [&mut *row, &mut all] {
            if needs_work {
                r.tally[f.severity as usize] += 1;
            } else {
                r.resolved += 1;
            }
            r.total += 1;
        }
    }
    let mut targets: Vec<TargetRow> = by_target.into_iter().flatten().collect();
    for t in targets.iter_mut().chain(std::iter::once(&mut all)) {
        t.score = score(&t.tally);
    }
    targets.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    (targets, all)
}

/// Critical 10^9, high 10^6, medium 10^3, low 1, so that one critical
/// outweighs any number of highs seen in practice.
pub fn score(tally: &[usize; 6]) -> u64 {
    let w = |s: Severity, weight: u64| tally[s as usize] as u64 * weight;
    w(Severity::Critical, 1_000_000_000)
        + w(Severity::High, 1_000_000)
        + w(Severity::Medium, 1_000)
        + w(Severity::Low, 1)
}

/// An export of the console's view, ready to render anywhere.
pub struct ExportJob {
    pub format: crate::export::ExportFormat,
    pub rows: Vec<(Finding, Assessment)>,
    pub triage: DecisionFile,
    pub workspace: String,
    pub filter: String,
    /// Checklist progress and gate verdict, for the header.
    pub readiness: String,
    /// What no scan covered, for the header.
    pub not_checked: Vec<String>,
    pub bases: Arc<crate::plan::BaseImages>,
    pub now: DateTime<Utc>,
}

impl ExportJob {
    pub fn render(&self) -> Result<Vec<u8>, String> {
        let rows = self.rows.iter().map(|(f, a)| (f, a)).collect();
        let mut input = crate::export::ExportInput::new(
            rows,
            &self.triage,
            &self.workspace,
            &self.filter,
            self.now,
        );
        input.header.checklist = self.readiness.clone();
        input.header.not_checked = self.not_checked.clone();
        input.bases = self.bases.as_ref().clone();
        crate::export::render(self.format, &input)
    }
}
