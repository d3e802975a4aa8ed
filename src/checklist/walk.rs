//! A checklist walk as the console holds it: every checklist, what has been
//! recorded, and the evidence of the automatic checks at load time.

use super::evidence::{self, Evidence};
use super::progress::{self, ChecklistFile, ItemView};
use super::Checklist;
use crate::model::Finding;
use crate::rules::project_files::ProjectFiles;
use crate::store::{RunRecord, Workspace};
use crate::triage::Assessment;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct Walkthrough {
    pub lists: Vec<Checklist>,
    pub records: ChecklistFile,
    pub evidence: BTreeMap<String, Evidence>,
    pub warnings: Vec<String>,
    /// Why records cannot be saved (a newer scandeck wrote checklist.json).
    pub read_only: Option<String>,
    /// What no dependency or vulnerability scan covered, one line each
    /// (`checklist::coverage`).
    pub not_checked: Vec<String>,
}

/// Where checklists come from and how the checks judge.
#[derive(Clone, Debug)]
pub struct WalkSetup {
    pub user_dir: std::path::PathBuf,
    pub max_scan_age_days: i64,
}

impl WalkSetup {
    pub fn from_config(paths: &crate::config::Paths, config: &crate::config::Config) -> WalkSetup {
        WalkSetup {
            user_dir: paths.checklists_dir(),
            max_scan_age_days: config.checklist.max_scan_age_days.unwrap_or(7),
        }
    }
}

impl Walkthrough {
    /// Reads checklists and records and runs the automatic checks. Never
    /// fails: problems become warnings.
    pub fn load(
        ws: &Workspace,
        setup: &WalkSetup,
        findings: Vec<(&Finding, &Assessment)>,
        runs: &[RunRecord],
        now: DateTime<Utc>,
    ) -> Walkthrough {
        let (lists, mut warnings) = super::load_all(&setup.user_dir);
        let (records, read_only) = match crate::checklist::records::load(ws) {
            Ok(loaded) => {
                warnings.extend(loaded.warnings);
                (loaded.file, loaded.read_only)
            }
            Err(e) => {
                let why = e.to_string();
                warnings.push(why.clone());
                (ChecklistFile::default(), Some(why))
            }
        };
        // One walk of the project for the evidence and the coverage.
        let files = ProjectFiles::scan(&ws.root);
        Walkthrough {
            lists,
            records,
            evidence: Walkthrough::evidence_over(
                &files,
                &ws.root,
                setup,
                evidence::OpenCounts::of(findings),
                runs,
                now,
            ),
            warnings,
            read_only,
            not_checked: super::coverage::gaps(&files, runs),
        }
    }

    /// The automatic checks run again over the workspace as it is now.
    pub fn recheck(
        ws: &Workspace,
        setup: &WalkSetup,
        open: evidence::OpenCounts,
        runs: &[RunRecord],
        now: DateTime<Utc>,
    ) -> BTreeMap<String, Evidence> {
        Walkthrough::evidence_over(
            &ProjectFiles::scan(&ws.root),
            &ws.root,
            setup,
            open,
            runs,
            now,
        )
    }

    fn evidence_over(
        files: &ProjectFiles,
        root: &std::path::Path,
        setup: &WalkSetup,
        open: evidence::OpenCounts,
        runs: &[RunRecord],
        now: DateTime<Utc>,
    ) -> BTreeMap<String, Evidence> {
        evidence::evaluate_all(
            &evidence::Context {
                root,
                open,
                runs,
                now,
                max_scan_age_days: setup.max_scan_age_days,
                content_trust_env: std::env::var("DOCKER_CONTENT_TRUST").ok(),
            },
            files,
        )
    }

    pub fn views<'a>(&'a self, list: &'a Checklist) -> Vec<ItemView<'a>> {
        progress::view(list, &self.records, &self.evidence)
    }

    /// (complete, total) of the list at `index`.
    pub fn progress(&self, index: usize) -> (usize, usize) {
        self.lists
            .get(index)
            .map_or((0, 0), |l| progress::progress(&self.views(l)))
    }

    /// (complete, total) of the production checklist, when there is one.
    pub fn production_progress(&self) -> Option<(usize, usize)> {
        let index = self
            .lists
            .iter()
            .position(|l| l.name == super::PRODUCTION)?;
        Some(self.progress(index))
    }

    /// The list named `name`.
    pub fn list(&self, name: &str) -> Option<&Checklist> {
        self.lists.iter().find(|l| l.name == name)
    }

    pub fn production_index(&self) -> usize {
        self.lists
            .iter()
            .position(|l| l.name == super::PRODUCTION)
            .unwrap_or(0)
    }
}
