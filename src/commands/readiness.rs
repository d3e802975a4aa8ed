//! Everything the checklist, the gate and export headers judge by: the
//! current findings with their assessments, and the checklist walkthrough
//! (checklists, records, evidence) the console uses too.

use super::Failure;
use crate::checklist::walk::{WalkSetup, Walkthrough};
use crate::checklist::Checklist;
use crate::config::Paths;
use crate::query::Filter;
use crate::store::Workspace;
use chrono::{DateTime, Utc};
use std::path::Path;

pub struct Readiness {
    pub listing: super::list::Listing,
    pub walk: Walkthrough,
    pub now: DateTime<Utc>,
    pub workspace: Workspace,
}

/// How much of the workspace a command needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every finding (exports).
    All,
    /// What the gate and the checklist evidence judge (critical and high
    /// findings, secrets): read by index, so the gate does not grow with
    /// the findings it ignores.
    Gate,
}

pub fn gather(paths: &Paths, workspace: &Path, scope: Scope) -> Result<Readiness, Failure> {
    let ws = Workspace::at(workspace);
    let redactor = super::redactor(paths, workspace, false)?;
    let config = crate::config::Config::load(paths).map_err(Failure::input)?;
    let now = crate::clock::now();
    let selected = match scope {
        Scope::All => None,
        Scope::Gate => ws
            .current_findings_with(&redactor, &crate::store::workspace::Selection::GateRelevant)
            .map_err(|e| Failure::input(e.to_string()))?,
    };
    let listing = match selected {
        Some(current) => {
            super::list::listing_of(current, &Filter::default(), now, &config.sla_policy())
        }
        None => super::list::listing(
            &ws,
            &redactor,
            &Filter::default(),
            now,
            &config.sla_policy(),
        )?,
    };
    let walk = Walkthrough::load(
        &ws,
        &WalkSetup::from_config(paths, &config),
        listing
            .rows
            .iter()
            .map(|(i, a)| (&listing.findings[*i], a))
            .collect(),
        &listing.runs,
        now,
    );
    for w in &walk.warnings {
        super::warn(&format!("warning: {w}"));
    }
    Ok(Readiness {
        listing,
        walk,
        now,
        workspace: ws,
    })
}

impl Readiness {
    pub fn checklist(&self, name: &str) -> Result<&Checklist, Failure> {
        self.walk.list(name).ok_or_else(|| {
            Failure::input(format!(
                "no checklist named {name:?} (known: {}); add your own as a .toml file in the config directory's checklists/",
                self.walk
                    .lists
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// One line for export headers: the production checklist's progress
    /// and the gate's verdict.
    pub fn summary(&self, policy: &crate::gate::Policy) -> String {
        crate::gate::readiness_line(self.walk.production_progress(), Some(&self.judge(policy)))
    }

    pub fn judge(&self, policy: &crate::gate::Policy) -> crate::gate::Verdict {
        crate::gate::judge_workspace(
            policy,
            self.listing
                .rows
                .iter()
                .map(|(i, a)| (&self.listing.findings[*i], a))
                .collect(),
            &self.listing.triage,
            &self.listing.runs,
            &self.walk,
            self.now,
        )
    }
}
