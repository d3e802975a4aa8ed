//! Everything the checklist, the gate and export headers judge by: the
//! current findings with their assessments, the checklists with their
//! records and the evidence of the automatic checks.

use super::Failure;
use crate::checklist::evidence::{self, Evidence};
use crate::checklist::progress::{self, ChecklistFile};
use crate::checklist::Checklist;
use crate::config::Paths;
use crate::query::Filter;
use crate::store::Workspace;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

pub struct Readiness {
    pub listing: super::list::Listing,
    pub checklists: Vec<Checklist>,
    pub records: ChecklistFile,
    pub evidence: BTreeMap<String, Evidence>,
    pub now: DateTime<Utc>,
    pub workspace: Workspace,
}

pub fn gather(paths: &Paths, workspace: &Path) -> Result<Readiness, Failure> {
    let ws = Workspace::at(workspace);
    let redactor = super::redactor(paths)?;
    let config = crate::config::Config::load(paths).map_err(Failure::input)?;
    let now = crate::clock::now();
    let listing = super::list::listing(
        &ws,
        &redactor,
        &Filter::default(),
        now,
        &config.sla_policy(),
    )?;
    let (checklists, problems) = crate::checklist::load_all(&paths.checklists_dir());
    for p in problems {
        super::warn(&format!("warning: {p}"));
    }
    let loaded = crate::store::checklist::load(&ws).map_err(|e| Failure::input(e.to_string()))?;
    for w in &loaded.warnings {
        super::warn(&format!("warning: {w}"));
    }
    let evidence = {
        let ctx = evidence::Context {
            root: workspace,
            findings: listing
                .rows
                .iter()
                .map(|(i, a)| (&listing.findings[*i], a))
                .collect(),
            runs: &listing.runs,
            now,
            max_scan_age_days: config.checklist.max_scan_age_days.unwrap_or(7),
            content_trust_env: std::env::var("DOCKER_CONTENT_TRUST").ok(),
        };
        evidence::evaluate_all(&ctx)
    };
    Ok(Readiness {
        listing,
        checklists,
        records: loaded.file,
        evidence,
        now,
        workspace: ws,
    })
}

impl Readiness {
    pub fn checklist(&self, name: &str) -> Result<&Checklist, Failure> {
        self.checklists.iter().find(|l| l.name == name).ok_or_else(|| {
            Failure::input(format!(
                "no checklist named {name:?} (known: {}); add your own as a .toml file in the config directory's checklists/",
                self.checklists
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    pub fn views<'a>(&'a self, list: &'a Checklist) -> Vec<progress::ItemView<'a>> {
        progress::view(list, &self.records, &self.evidence)
    }

    /// Fingerprints the latest scans report as new because the image changed.
    pub fn new_from_image_change(&self) -> HashSet<String> {
        self.listing
            .runs
            .iter()
            .filter_map(|r| r.changes.as_ref())
            .flat_map(|c| c.new_image_changed.iter().cloned())
            .collect()
    }

    /// One line for export headers: the production checklist's progress
    /// and the gate's verdict.
    pub fn summary(&self, policy: &crate::gate::Policy) -> String {
        let progress = self
            .checklists
            .iter()
            .find(|l| l.name == crate::checklist::PRODUCTION)
            .map(|l| progress::progress(&self.views(l)));
        crate::gate::readiness_line(progress, Some(&self.judge(policy)))
    }

    pub fn judge(&self, policy: &crate::gate::Policy) -> crate::gate::Verdict {
        let new = self.new_from_image_change();
        let input = crate::gate::GateInput {
            findings: self
                .listing
                .rows
                .iter()
                .map(|(i, a)| (&self.listing.findings[*i], a))
                .collect(),
            triage: &self.listing.triage,
            new_from_image_change: &new,
            checklists: self
                .checklists
                .iter()
                .map(|l| crate::gate::ChecklistState {
                    name: &l.name,
                    items: self.views(l),
                })
                .collect(),
            now: self.now,
        };
        crate::gate::judge(policy, &input)
    }
}
