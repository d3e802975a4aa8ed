//! The scan-run index (`.scandeck/scans/index.json`): what was imported,
//! when, from which stored report, and when each fingerprint was first seen.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when the index layout changes; older files are migrated on load,
/// newer files are never written.
pub const INDEX_SCHEMA_VERSION: u32 = 1;

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
}

impl ScanIndex {
    /// Latest run for every (scanner, target): the runs whose findings are current.
    pub fn current_runs(&self) -> Vec<&RunRecord> {
        let mut latest: BTreeMap<(&str, &str), &RunRecord> = BTreeMap::new();
        for run in &self.runs {
            let key = (run.scanner.as_str(), run.target.as_str());
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

    /// The run before `run` for the same scanner and target, if any.
    pub fn previous_run(&self, run: &RunRecord) -> Option<&RunRecord> {
        self.runs
            .iter()
            .filter(|r| r.scanner == run.scanner && r.target == run.target && r.id < run.id)
            .max_by_key(|r| r.id)
    }
}
