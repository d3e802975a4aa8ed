//! The scan-run index (`.scandeck/scans/index.json`): what was imported,
//! when, from which stored report, and when each fingerprint was first seen.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when the index layout changes; older files are migrated on load,
/// newer files are never written.
/// 2: runs are filed by subject (and scope), with the roots their paths are relative to.
/// 3: runs recorded since `index.json` was written whole are in `index.journal`.
pub const INDEX_SCHEMA_VERSION: u32 = 3;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScanIndex {
    pub schema_version: u32,
    #[serde(default)]
    pub runs: Vec<RunRecord>,
    /// Sightings as the first index layout kept them; moved into
    /// decisions.json by the next import and not written again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub first_seen: BTreeMap<String, String>,
}

impl Default for ScanIndex {
    fn default() -> Self {
        ScanIndex {
            schema_version: INDEX_SCHEMA_VERSION,
            runs: Vec::new(),
            first_seen: BTreeMap::new(),
        }
    }
}

/// One imported report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    /// Sequence number, unique within the workspace.
    pub id: u64,
    pub format: String,
    pub scanner: String,
    pub scanner_version: Option<String>,
    /// What was scanned: the image name, or the report's artifact or path.
    pub target: String,
    pub image: Option<String>,
    /// `--image` given at import, re-applied whenever the report is read again.
    pub image_override: Option<String>,
    pub imported_at: String,
    /// sha256 of the stored report; its file name under `scans/`.
    pub sha256: String,
    pub original_name: String,
    pub size: u64,
    pub records: usize,
    pub findings: usize,
    /// Severity name → number of findings.
    pub counts: BTreeMap<String, usize>,
    /// What changed since the previous run of the same scanner and target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::triage::engine::Changes>,
    /// What was scanned (`image:<repository>`, `project:<dir>`): the latest
    /// run per scanner, subject and scope is current.
    #[serde(default)]
    pub subject: String,
    /// Part of the subject a scan looked at alone (one Dockerfile, one
    /// lockfile), so that scans of its parts do not replace each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Absolute directories the report's paths were made relative to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roots: Vec<String>,
}

impl RunRecord {
    /// The origin to read the stored report with, so it yields the same
    /// subject and fingerprints as when it was imported.
    pub fn origin(&self, legacy: u32) -> crate::ingest::identify::Origin {
        crate::ingest::identify::Origin {
            subject: Some(crate::model::subject::name_of(&self.subject).to_string())
                .filter(|s| !s.is_empty()),
            roots: self.roots.iter().map(std::path::PathBuf::from).collect(),
            legacy,
            ..Default::default()
        }
    }

    /// The format to read the stored report with (needed for `[]`).
    pub fn stored_format(&self) -> Option<crate::ingest::Format> {
        crate::ingest::Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == self.format)
    }

    fn current_key(&self) -> (&str, &str, &str) {
        (
            self.scanner.as_str(),
            self.subject.as_str(),
            self.scope.as_deref().unwrap_or(""),
        )
    }
}

impl ScanIndex {
    /// Latest run for every (scanner, subject, scope): the runs whose findings are current.
    pub fn current_runs(&self) -> Vec<&RunRecord> {
        let mut latest: BTreeMap<(&str, &str, &str), &RunRecord> = BTreeMap::new();
        for run in &self.runs {
            let key = run.current_key();
            match latest.get(&key) {
                Some(existing)
                    if (existing.imported_at.as_str(), existing.id)
                        >= (run.imported_at.as_str(), run.id) => {}
                _ => {
                    latest.insert(key, run);
                }
            }
        }
        let mut runs: Vec<&RunRecord> = latest.into_values().collect();
        runs.sort_by_key(|r| r.id);
        runs
    }

    pub fn next_id(&self) -> u64 {
        self.runs.iter().map(|r| r.id).max().unwrap_or(0) + 1
    }

    /// The run before `run` for the same scanner, subject and scope, if any.
    pub fn previous_run(&self, run: &RunRecord) -> Option<&RunRecord> {
        self.runs
            .iter()
            .filter(|r| r.current_key() == run.current_key() && r.id < run.id)
            .max_by_key(|r| r.id)
    }

    /// The scanners whose clean run is `[]` that last reported on `subject`.
    pub fn empty_list_scanners_of(&self, subject: &str) -> Vec<&str> {
        let mut tools: Vec<&str> = self
            .runs
            .iter()
            .filter(|r| r.subject == subject)
            .map(|r| r.scanner.as_str())
            .filter(|t| crate::ingest::Format::prints_empty_list(t))
            .collect();
        tools.sort_unstable();
        tools.dedup();
        tools
    }
}
