//! The one view of the findings that the console and every command read
//! (`list`, `export`, `gate`, `plan`, `checklist`): the current findings
//! and the gone ones, each assessed once, indexed once, in one order, and
//! selected by one query. Two readers that ask for the same query and sort
//! get the same rows in the same positions.

use crate::model::{Finding, Redactor};
use crate::query::index::Facts;
use crate::query::{Query, SearchIndex, SortKey};
use crate::store::decisions::DecisionFile;
use crate::store::workspace::{CurrentFindings, Selection};
use crate::store::{RunRecord, StoreError, Workspace};
use crate::triage::status::TriageView;
use crate::triage::{Assessment, SlaPolicy};
use chrono::{DateTime, Utc};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub struct View {
    /// The present findings first, then the gone ones (fixed or dormant);
    /// shared, not owned, so that work on another thread can read them.
    pub findings: Arc<Vec<Finding>>,
    pub assessments: Arc<Vec<Assessment>>,
    pub index: Arc<SearchIndex>,
    /// Status and change of every finding, shared with the matcher.
    pub facts: Arc<Facts>,
    /// Findings from this index on are no longer reported (fixed or dormant).
    pub gone_from: usize,
    pub runs: Vec<RunRecord>,
    pub warnings: Vec<String>,
    /// Decisions, sightings and the audit log as last loaded or saved.
    pub triage: DecisionFile,
    /// Why decisions cannot be saved, when they cannot.
    pub triage_read_only: Option<String>,
    pub policy: SlaPolicy,
}

impl Default for View {
    fn default() -> Self {
        View::of(
            CurrentFindings::default(),
            crate::clock::now(),
            &SlaPolicy::default(),
        )
    }
}

impl View {
    /// Reads the workspace: every current finding, or only those `selection`
    /// names when the store can answer it by index.
    pub fn load(
        workspace: &Workspace,
        redactor: &Redactor,
        selection: Option<&Selection>,
        now: DateTime<Utc>,
        policy: &SlaPolicy,
    ) -> Result<View, StoreError> {
        let selected = match selection {
            Some(selection) => workspace.current_findings_with(redactor, selection)?,
            None => None,
        };
        let current = match selected {
            Some(current) => current,
            None => workspace.current_findings(redactor)?,
        };
        Ok(View::of(current, now, policy))
    }

    /// Assesses and indexes findings already read.
    pub fn of(mut current: CurrentFindings, now: DateTime<Utc>, policy: &SlaPolicy) -> View {
        let present = crate::triage::status::append_gone(&mut current.findings, &current.triage);
        // The search index (most of the work) is built on the second core
        // while the statuses are assessed.
        let (index, assessments) = std::thread::scope(|scope| {
            let findings = &current.findings;
            let index = scope.spawn(move || SearchIndex::build(findings, &[], &[]));
            let view = TriageView::for_findings(&current.triage, &findings[..present]);
            let assessments =
                crate::triage::status::assess_findings(findings, present, &view, now, policy);
            (
                index
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                assessments,
            )
        });
        let mut view = View::from_index(
            current.findings,
            assessments,
            index,
            current.runs,
            current.warnings,
        );
        view.gone_from = present;
        view.facts = Arc::new(Facts {
            statuses: view.facts.statuses.clone(),
            changes: crate::query::index::change_codes(&view.findings, &view.runs),
        });
        view.triage = current.triage;
        view.triage_read_only = current.triage_read_only;
        view.policy = policy.clone();
        view
    }

    /// Findings assessed elsewhere (tests, benchmarks): all of them present.
    pub fn from_parts(
        findings: Vec<Finding>,
        assessments: Vec<Assessment>,
        runs: Vec<RunRecord>,
        warnings: Vec<String>,
    ) -> View {
        let index = SearchIndex::build(&findings, &[], &[]);
        View::from_index(findings, assessments, index, runs, warnings)
    }

    fn from_index(
        findings: Vec<Finding>,
        assessments: Vec<Assessment>,
        mut index: SearchIndex,
        runs: Vec<RunRecord>,
        warnings: Vec<String>,
    ) -> View {
        let statuses: Vec<_> = assessments.iter().map(|a| a.status).collect();
        let seconds = |t: Option<DateTime<Utc>>, none: u32| {
            t.map_or(none, |t| {
                t.timestamp().clamp(0, i64::from(u32::MAX) - 1) as u32
            })
        };
        let ages = assessments
            .iter()
            .map(|a| seconds(a.first_seen, u32::MAX))
            .collect();
        let dues = assessments
            .iter()
            .map(|a| seconds(a.sla_due, u32::MAX))
            .collect();
        index.set_times(ages, dues);
        View {
            gone_from: findings.len(),
            findings: Arc::new(findings),
            assessments: Arc::new(assessments),
            index: Arc::new(index),
            facts: Arc::new(Facts {
                changes: vec![0; statuses.len()],
                statuses,
            }),
            runs,
            warnings,
            triage: DecisionFile::default(),
            triage_read_only: None,
            policy: SlaPolicy::default(),
        }
    }

    /// Recomputes every status after the decisions changed (the index stays).
    pub fn reassess(&mut self, triage: DecisionFile, now: DateTime<Utc>) {
        let present = self.gone_from.min(self.findings.len());
        let view = TriageView::for_findings(&triage, &self.findings[..present]);
        self.assessments = Arc::new(crate::triage::status::assess_findings(
            &self.findings,
            present,
            &view,
            now,
            &self.policy,
        ));
        let changes = self.facts.changes.clone();
        self.facts = Arc::new(Facts {
            statuses: self.assessments.iter().map(|a| a.status).collect(),
            changes,
        });
        self.triage = triage;
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// Every finding's position in the one order of the console and every
    /// command: what needs work first, each part in `sort` order.
    pub fn order(&self, sort: SortKey, reverse: bool) -> Vec<u32> {
        self.index.order_by_work(&self.facts, sort, reverse)
    }

    /// The positions `query` keeps, in `sort` order (fuzzy words rank
    /// their best matches first, as in the console).
    pub fn select(&self, query: &Query, sort: SortKey, reverse: bool) -> Vec<u32> {
        let order = self.order(sort, reverse);
        self.select_within(query, &order)
    }

    /// The positions of `order` that `query` keeps, in that order.
    pub fn select_within(&self, query: &Query, order: &[u32]) -> Vec<u32> {
        if query.is_empty() {
            return order.to_vec();
        }
        let latest = AtomicU64::new(1);
        self.index
            .search(query, &self.facts, order, None, 1, &latest)
            .unwrap_or_default()
    }

    /// The findings at `positions`, with their assessments.
    pub fn rows(&self, positions: &[u32]) -> Vec<(&Finding, &Assessment)> {
        positions
            .iter()
            .filter_map(|i| {
                let i = *i as usize;
                Some((self.findings.get(i)?, self.assessments.get(i)?))
            })
            .collect()
    }

    /// The present findings with their assessments, in store order: what
    /// the gate and the checklist evidence judge.
    pub fn present(&self) -> Vec<(&Finding, &Assessment)> {
        self.findings[..self.gone_from.min(self.findings.len())]
            .iter()
            .zip(self.assessments.iter())
            .collect()
    }

    /// What the latest scan of its target changed about the finding at
    /// `position` (`new (image changed)`, `gone`, …), if anything.
    pub fn change_of(&self, position: usize) -> Option<&'static str> {
        let code = self.facts.changes.get(position).copied()?;
        crate::query::language::change_code::label(code)
    }

    /// The decision key that applies to finding `i`, or the key a decision about it would get.
    pub fn decision_key(&self, i: usize) -> String {
        match (self.assessments.get(i), self.findings.get(i)) {
            (
                Some(Assessment {
                    decision: Some(key),
                    ..
                }),
                _,
            ) => key.clone(),
            (_, Some(f)) => format!("finding:{}", f.fingerprint),
            _ => String::new(),
        }
    }
}
