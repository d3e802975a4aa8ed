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

use super::atomic::write_atomic;
use super::workspace::{quarantine, StoreError, Workspace};
use crate::triage::audit::AuditEntry;
use crate::triage::decision::{Decision, FindingLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Current layout. Older layouts are migrated on load (see `migrate`).
pub const DECISIONS_SCHEMA_VERSION: u32 = 1;

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

/// How the file was found.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub file: DecisionFile,
    pub warnings: Vec<String>,
    /// Set when saving must not happen (a newer scandeck wrote the file).
    pub read_only: Option<String>,
}

impl Workspace {
    pub fn decisions_path(&self) -> PathBuf {
        self.dir().join("decisions.json")
    }
}

fn bak_path(path: &Path) -> PathBuf {
    path.with_file_name("decisions.json.bak")
}

/// Renders the committed layout: decisions pretty-printed, one sighting and
/// one audit entry per line.
pub fn render(file: &DecisionFile) -> String {
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"schema_version\": {},\n", file.schema_version));
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

enum Parsed {
    Current(DecisionFile),
    Future(u32),
    Broken(String),
}

fn parse(bytes: &[u8]) -> Parsed {
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    match serde_json::from_slice::<Version>(bytes) {
        Err(e) => Parsed::Broken(e.to_string()),
        Ok(v) if v.schema_version > DECISIONS_SCHEMA_VERSION => Parsed::Future(v.schema_version),
        Ok(v) => match migrate(v.schema_version, bytes) {
            Ok(file) => Parsed::Current(file),
            Err(e) => Parsed::Broken(e),
        },
    }
}

/// Ordered migrations from every earlier layout to the current one. The
/// first layout is the current one, so there is nothing to convert yet; the
/// next schema adds its step here and a golden file of the old layout to the tests.
fn migrate(version: u32, bytes: &[u8]) -> Result<DecisionFile, String> {
    match version {
        DECISIONS_SCHEMA_VERSION => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        other => Err(format!(
            "schema version {other} is not one scandeck ever wrote"
        )),
    }
}

/// Reads decisions.json. A broken file is quarantined and the `.bak` used
/// instead; a newer file is read-only.
pub fn load(ws: &Workspace) -> Result<Loaded, StoreError> {
    let path = ws.decisions_path();
    let mut loaded = Loaded::default();
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(loaded),
        Err(e) => return Err(StoreError::Io { path, source: e }),
    };
    match parse(&bytes) {
        Parsed::Current(file) => loaded.file = file,
        Parsed::Future(found) => {
            loaded.read_only = Some(format!(
                "{} was written by a newer scandeck (schema {found}, this one knows {DECISIONS_SCHEMA_VERSION}); decisions are read-only until you upgrade",
                path.display()
            ));
            loaded
                .warnings
                .push(loaded.read_only.clone().unwrap_or_default());
        }
        Parsed::Broken(reason) => {
            let aside = quarantine(&path).map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
            let from_bak = fs::read(bak_path(&path))
                .ok()
                .and_then(|b| match parse(&b) {
                    Parsed::Current(f) => Some(f),
                    _ => None,
                });
            let restored = if from_bak.is_some() {
                "; loaded the previous version from decisions.json.bak"
            } else {
                ""
            };
            loaded.warnings.push(format!(
                "{} was unreadable ({}); kept as {}{restored}",
                path.display(),
                crate::sanitize::sanitize_line(&reason),
                aside.display()
            ));
            loaded.file = from_bak.unwrap_or_default();
        }
    }
    Ok(loaded)
}

/// Applies `change` to the file as it is on disk now, under the workspace
/// lock, keeps the previous version as `.bak`, and writes atomically. When
/// anything fails, the file on disk is unchanged and the error says so.
pub fn update<T>(
    ws: &Workspace,
    change: impl FnOnce(&mut DecisionFile) -> T,
) -> Result<T, StoreError> {
    let lock = ws.lock()?;
    let result = update_locked(ws, &lock, change);
    drop(lock);
    result
}

/// Like `update`, for a caller that already holds the workspace lock.
pub fn update_locked<T>(
    ws: &Workspace,
    _lock: &super::lock::WorkspaceLock,
    change: impl FnOnce(&mut DecisionFile) -> T,
) -> Result<T, StoreError> {
    let path = ws.decisions_path();
    super::atomic::remove_stale_temps(&path);
    super::atomic::remove_stale_temps(&bak_path(&path));
    let loaded = load(ws)?;
    if let Some(why) = loaded.read_only {
        return Err(StoreError::Io {
            path,
            source: io::Error::new(io::ErrorKind::PermissionDenied, why),
        });
    }
    let mut file = loaded.file;
    let value = change(&mut file);
    let text = render(&file);
    if let Ok(previous) = fs::read(&path) {
        write_atomic(&bak_path(&path), &previous).map_err(|source| StoreError::Io {
            path: bak_path(&path),
            source,
        })?;
    }
    write_atomic(&path, text.as_bytes()).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(value)
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
