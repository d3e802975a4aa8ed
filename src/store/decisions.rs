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
use crate::triage::decision::Decision;
pub use crate::triage::file::{baseline_key, DecisionFile, Sighting, DECISIONS_SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How decisions.json was found.
pub type Loaded = super::document::Loaded<DecisionFile>;

impl Workspace {
    pub fn decisions_path(&self) -> PathBuf {
        super::document::path_of::<DecisionFile>(self)
    }
}

impl Document for DecisionFile {
    const FILE_NAME: &'static str = "decisions.json";
    const SCHEMA_VERSION: u32 = DECISIONS_SCHEMA_VERSION;
    /// Schema 2 sealed its records as schema 3 does; only its fingerprints differ.
    const SEALED_SINCE: u32 = 2;
    const WHAT: &'static str = "decisions";

    fn render(&self) -> String {
        render(self)
    }

    fn audit_log(&self) -> &[AuditEntry] {
        &self.audit
    }

    type Record = Decision;

    fn audit_log_mut(&mut self) -> &mut Vec<AuditEntry> {
        &mut self.audit
    }

    fn record_at(&self, target: &str) -> Option<Decision> {
        self.decisions.get(target).cloned()
    }

    fn set_record_at(&mut self, target: &str, record: Option<Decision>) {
        match record {
            Some(d) => {
                self.decisions.insert(target.to_string(), d);
            }
            None => {
                self.decisions.remove(target);
            }
        }
    }

    fn describe_record(record: &Decision) -> String {
        record.describe()
    }

    /// Sightings: the newer line of each; baselines: the earlier time.
    fn merge_unaudited(&mut self, theirs: &Self) {
        for (subject, at) in &theirs.baselines {
            self.baselines
                .entry(subject.clone())
                .and_modify(|old| {
                    if at < old {
                        *old = at.clone()
                    }
                })
                .or_insert_with(|| at.clone());
        }
        for (fp, s) in &theirs.sightings {
            let newer = self
                .sightings
                .get(fp)
                .is_none_or(|old| old.last_seen < s.last_seen);
            if newer {
                self.sightings.insert(fp.clone(), s.clone());
            }
        }
    }

    fn record_states(&self) -> Vec<crate::triage::audit::RecordState> {
        DecisionFile::record_states(self)
    }

    fn salvage(&mut self, broken: &str) -> Option<String> {
        salvage(self, broken)
    }

    /// Schemas 1 and 2 have the same layout; their fingerprints are mapped to the new
    /// ones by `store::migrate` once the findings are known, which also sets
    /// the version.
    fn migrate(version: u32, bytes: &[u8]) -> Result<Self, String> {
        match version {
            1 | 2 | DECISIONS_SCHEMA_VERSION => {
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
    if !file.baselines.is_empty() {
        out.push_str("  \"baselines\": {");
        for (i, (subject, at)) in file.baselines.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&format!(
                "    {}: {}",
                json_string(subject),
                json_string(at)
            ));
        }
        out.push_str("\n  },\n");
    }
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

/// Reads what is still whole in an unreadable decisions.json (cut short, a
/// merge-conflict marker, a stray edit) in the layout `render` writes:
/// every sighting line; then the audit entries that continue `file`'s log,
/// in order, each with the decision it vouches for — stopping at the first
/// entry whose decision cannot be read, so that the log and the decisions
/// still agree.
fn salvage(file: &mut DecisionFile, broken: &str) -> Option<String> {
    use crate::triage::audit::{digest_of, REMOVED};
    let mut blocks: BTreeMap<String, Decision> = BTreeMap::new();
    let mut sightings = 0usize;
    let mut entries: Vec<AuditEntry> = Vec::new();
    let lines: Vec<&str> = broken.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(key) = line
            .strip_prefix("    \"")
            .and_then(|rest| rest.strip_suffix("\": {"))
        {
            // A pretty-printed decision: up to its closing brace at the same depth.
            if let Some(end) = lines[i + 1..]
                .iter()
                .position(|l| *l == "    }" || *l == "    },")
            {
                let body = format!("{{\n{}\n}}", lines[i + 1..i + 1 + end].join("\n"));
                if let (Ok(key), Ok(d)) = (
                    serde_json::from_str::<String>(&format!("\"{key}\"")),
                    serde_json::from_str::<Decision>(&body),
                ) {
                    blocks.insert(key, d);
                }
                i += end + 2;
                continue;
            }
        }
        let item = line.trim().trim_end_matches(',');
        if let Ok(e) = serde_json::from_str::<AuditEntry>(item) {
            entries.push(e);
        } else if let Some((key, rest)) = item.split_once("\": ") {
            let key = key.strip_prefix('"');
            if let (Some(subject), Ok(at)) = (
                key.filter(|k| k.contains(':')),
                serde_json::from_str::<String>(rest),
            ) {
                file.baselines
                    .entry(subject.to_string())
                    .and_modify(|old| {
                        if at < *old {
                            *old = at.clone()
                        }
                    })
                    .or_insert(at);
            } else if let (Some(key), Ok(s)) = (
                key.filter(|k| crate::model::Fingerprint::parse(k).is_some()),
                serde_json::from_str::<Sighting>(rest),
            ) {
                let newer = file
                    .sightings
                    .get(key)
                    .is_none_or(|old| old.last_seen < s.last_seen);
                if newer {
                    file.sightings.insert(key.to_string(), s);
                    sightings += 1;
                }
            }
        }
        i += 1;
    }
    // The entries that continue the copy's log, in chain order.
    let mut chain: Vec<AuditEntry> = Vec::new();
    let mut head = crate::triage::audit::head(&file.audit).hash;
    for e in entries {
        if e.prev == head && e.compute_hash() == e.hash {
            head = e.hash.clone();
            chain.push(e);
        } else if !chain.is_empty() {
            break;
        }
    }
    // Cut the chain before the first entry whose outcome cannot be read
    // back, until every decision it ends on is there as recorded.
    loop {
        let mut last: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for (n, e) in chain.iter().enumerate() {
            if let Some(record) = e.record.as_deref() {
                last.insert(e.target.as_str(), (n, record));
            }
        }
        let unreadable = last
            .iter()
            .filter(|(target, (_, record))| {
                *record != REMOVED && blocks.get(**target).is_none_or(|d| digest_of(d) != *record)
            })
            .map(|(_, (n, _))| *n)
            .min();
        match unreadable {
            Some(n) => chain.truncate(n),
            None => break,
        }
    }
    let taken = chain.len();
    for e in chain {
        match e.record.as_deref() {
            Some(REMOVED) => {
                file.decisions.remove(&e.target);
            }
            Some(_) => {
                if let Some(d) = blocks.get(&e.target) {
                    file.decisions.insert(e.target.clone(), d.clone());
                }
            }
            None => {}
        }
        file.audit.push(e);
    }
    (taken > 0 || sightings > 0).then(|| {
        format!(
            "took {taken} audit entr{} (with their decisions) and {sightings} sighting(s)",
            if taken == 1 { "y" } else { "ies" }
        )
    })
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
    use crate::triage::decision::Disposition;
    use crate::triage::engine::{decide, reopen, Stamp};

    fn decision(fp: &str, reason: &str) -> Decision {
        Decision::on_fingerprint(fp, Disposition::FalsePositive, reason)
    }

    /// Whatever line a file is cut at, what is salvaged on top of its
    /// backup agrees with its own audit log, and never loses the backup.
    #[test]
    fn salvage_at_every_cut_keeps_log_and_decisions_in_agreement() {
        let stamp = Stamp {
            who: "me",
            now: chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        };
        let mut bak = DecisionFile::default();
        decide(&mut bak, decision("aa", "one"), stamp);
        let mut newest = bak.clone();
        decide(&mut newest, decision("bb", "two"), stamp);
        decide(&mut newest, decision("aa", "three"), stamp);
        reopen(&mut newest, "finding:bb", "four", stamp);
        decide(&mut newest, decision("cc", "five"), stamp);
        let text = render(&newest);
        let lines: Vec<&str> = text.lines().collect();
        let mut best = 0;
        for cut in 0..=lines.len() {
            let broken = lines[..cut].join("\n");
            let mut file = bak.clone();
            salvage(&mut file, &broken);
            let records = file.record_states();
            let head = crate::triage::audit::head(&file.audit);
            let evidence = crate::triage::audit::Evidence {
                log: &file.audit,
                head: Some(&head),
                records: &records,
                witness: &[],
            };
            assert!(
                crate::triage::audit::verify_all(&evidence).is_ok(),
                "cut at line {cut}: {:?}",
                crate::triage::audit::verify_all(&evidence)
            );
            assert!(file.audit.len() >= bak.audit.len());
            best = best.max(file.audit.len());
        }
        assert_eq!(
            best,
            newest.audit.len(),
            "a whole file gives everything back"
        );
    }

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
