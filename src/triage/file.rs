//! The decisions file's content: decisions, baselines, sightings and the
//! audit log, as `.scandeck/decisions.json` holds them. Reading and writing
//! the file (locking, merging, backups) is `store::decisions`' job; what the
//! content means is triage's, so the types live here and `store` uses them
//! (never the other way round).

use super::audit::AuditEntry;
use super::decision::{Decision, FindingLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Current layout. 2: fingerprints name the subject and the line; 3: one
/// fingerprint per finding across formats, scanners and installed copies
/// (see `store::migrate`, which upgrades older files in place).
pub const DECISIONS_SCHEMA_VERSION: u32 = 3;

/// When a fingerprint was seen, and what happened to it since.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    /// Empty: first seen at its subject's baseline (`DecisionFile::baselines`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_seen: String,
    /// When the line last changed state (not rewritten by every scan, so
    /// that a rescan leaves committed lines alone).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_seen: String,
    /// When the SLA clock (re)started, if not at `first_seen` (regression, acceptance expiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_start: Option<String>,
    /// No longer reported by the latest scan of its target since then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone_since: Option<String>,
    /// Came back after being gone: reopened as a regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regressed_at: Option<String>,
    /// What it was, kept while it is gone so that it can still be listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<FindingLabel>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionFile {
    pub schema_version: u32,
    #[serde(default)]
    pub decisions: BTreeMap<String, Decision>,
    /// When each subject (`image:…`, `project:…`) was first scanned: the
    /// first sighting of every finding that scan reported, which therefore
    /// needs no line in `sightings` (docs/store.md).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub baselines: BTreeMap<String, String>,
    /// Lines only for findings first seen after their subject's baseline,
    /// and for those that regressed, are gone or had their SLA restarted.
    #[serde(default)]
    pub sightings: BTreeMap<String, Sighting>,
    #[serde(default)]
    pub audit: Vec<AuditEntry>,
}

impl Default for DecisionFile {
    fn default() -> Self {
        DecisionFile {
            schema_version: DECISIONS_SCHEMA_VERSION,
            decisions: BTreeMap::new(),
            baselines: BTreeMap::new(),
            sightings: BTreeMap::new(),
            audit: Vec::new(),
        }
    }
}

/// The key of a subject in `baselines`: subjects come from report text,
/// and the file is committed.
pub fn baseline_key(subject: &str) -> std::borrow::Cow<'_, str> {
    crate::sanitize::sanitize_line(subject)
}

impl DecisionFile {
    /// Each decision as filed, for `audit::verify_all`.
    pub fn record_states(&self) -> Vec<super::audit::RecordState> {
        self.decisions
            .iter()
            .map(|(key, d)| super::audit::RecordState {
                target: key.clone(),
                entry: d.entry.clone(),
                digest: super::audit::digest_of(d),
            })
            .collect()
    }

    /// Links every decision no entry vouches for to a new `sealed` entry
    /// (decisions written before entries carried digests).
    pub fn seal_unsealed(&mut self, at: &str) -> usize {
        let mut sealed = 0;
        let mut decisions = std::mem::take(&mut self.decisions);
        for (key, d) in decisions.iter_mut() {
            if d.entry.is_none() {
                let (label, to) = (d.finding.as_ref().map(|l| l.text()), Some(d.describe()));
                super::audit::seal(
                    &mut self.audit,
                    d,
                    at,
                    "scandeck",
                    "sealed",
                    key,
                    label,
                    None,
                    to,
                    Some("decided before audit entries vouched for decision contents".into()),
                );
                sealed += 1;
            }
        }
        self.decisions = decisions;
        sealed
    }
}
