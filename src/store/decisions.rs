//! `.scandeck/decisions.json`: triage decisions, first and last sightings,
//! and the audit log. Meant to be committed: stable key order, one decision
//! per entry, one sighting and one audit entry per line, so that a changed
//! decision is a small diff in a pull request.
//!
//! Every change re-reads the file under the workspace lock and applies
//! itself to what is on disk, so concurrent instances merge instead of
//! overwriting each other. The previous version is kept as `.bak`; an
//! unreadable file is quarantined and never overwritten; a file written by a
//! newer scandeck is never written.

use super::document::Document;
use super::workspace::{StoreError, Workspace};
use crate::triage::audit::AuditEntry;
use crate::triage::decision::{Decision, FindingLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Current layout. 2: fingerprints name the subject and the line (see
/// `store::migrate`, which upgrades schema 1 files in place).
pub const DECISIONS_SCHEMA_VERSION: u32 = 2;

/// When a fingerprint was seen, and what happened to it since.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    pub first_seen: String,
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
            sightings: BTreeMap::new(),
            audit: Vec::new(),
        }
    }
}

/// How decisions.json was found.
pub type Loaded = super::document::Loaded<DecisionFile>;

impl DecisionFile {
    /// Each decision as filed, for `audit::verify_all`.
    pub fn record_states(&self) -> Vec<crate::triage::audit::RecordState> {
        self.decisions
            .iter()
            .map(|(key, d)| crate::triage::audit::RecordState {
                target: key.clone(),
                entry: d.entry.clone(),
                digest: crate::triage::audit::digest_of(d),
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
                crate::triage::audit::seal(
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

impl Workspace {
    pub fn decisions_path(&self) -> PathBuf {
        super::document::path_of::<DecisionFile>(self)
    }
}

impl Document for DecisionFile {
    const FILE_NAME: &'static str = "decisions.json";
    const SCHEMA_VERSION: u32 = DECISIONS_SCHEMA_VERSION;
    const WHAT: &'static str = "decisions";

    fn render(&self) -> String {
        render(self)
    }

    fn audit_log(&self) -> &[AuditEntry] {
        &self.audit
    }

    fn record_states(&self) -> Vec<crate::triage::audit::RecordState> {
        DecisionFile::record_states(self)
    }

    /// Schema 1 has the same layout; its fingerprints are mapped to the new
    /// ones by `store::migrate` once the findings are known, which also sets
    /// the version.
    fn migrate(version: u32, bytes: &[u8]) -> Result<Self, String> {
        match version {
            1 | DECISIONS_SCHEMA_VERSION => {
                serde_json::from_slice(bytes).map_err(|e| e.to_string())
            }
            other => Err(format!(
                "schema version {other} is not one scandeck ever wrote"
            )),
        }
    }
}

/// Renders the committed layout: decisions pretty-printed, one sighting and
/// one audit entry per line.
pub fn render(file: &DecisionFile) -> String {
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"schema_version\": {},\n", file.schema_version));
    out.push_str(&super::document::head_line(&file.audit));
    out.push_str("  \"decisions\": {");
    for (i, (key, decision)) in file.decisions.iter().enumerate() {
        let body = serde_json::to_string_pretty(decision).unwrap_or_else(|_| "{}".into());
        let indented = body.replace('\n', "\n    ");
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&format!("    {}: {indented}", json_string(key)));
    }
    out.push_str(if file.decisions.is_empty() {
        "},\n"
    } else {
        "\n  },\n"
    });
    out.push_str("  \"sightings\": {");
    for (i, (fp, s)) in file.sightings.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&format!(
            "    {}: {}",
            json_string(fp),
            serde_json::to_string(s).unwrap_or_default()
        ));
    }
    out.push_str(if file.sightings.is_empty() {
        "},\n"
    } else {
        "\n  },\n"
    });
    out.push_str("  \"audit\": [");
    for (i, e) in file.audit.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&format!(
            "    {}",
            serde_json::to_string(e).unwrap_or_default()
        ));
    }
    out.push_str(if file.audit.is_empty() {
        "]\n"
    } else {
        "\n  ]\n"
    });
    out.push_str("}\n");
    out
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Reads decisions.json. A broken file is quarantined and the `.bak` used
/// instead; a newer file is read-only.
pub fn load(ws: &Workspace) -> Result<Loaded, StoreError> {
    super::document::load(ws)
}

/// Applies `change` to decisions.json as it is on disk now (see `document::update`).
pub fn update<T>(
    ws: &Workspace,
    change: impl FnOnce(&mut DecisionFile) -> T,
) -> Result<T, StoreError> {
    super::document::update(ws, change)
}

/// Like `update`, for a caller that already holds the workspace lock.
pub fn update_locked<T>(
    ws: &Workspace,
    lock: &super::lock::WorkspaceLock,
    change: impl FnOnce(&mut DecisionFile) -> T,
) -> Result<T, StoreError> {
    super::document::update_locked(ws, lock, change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_parses_back() {
        let mut file = DecisionFile::default();
        file.sightings.insert(
            "ab".into(),
            Sighting {
                first_seen: "t".into(),
                last_seen: "t".into(),
                ..Sighting::default()
            },
        );
        let text = render(&file);
        let back: DecisionFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, file);
        assert_eq!(
            serde_json::from_str::<DecisionFile>(&render(&DecisionFile::default())).unwrap(),
            DecisionFile::default()
        );
    }
}
