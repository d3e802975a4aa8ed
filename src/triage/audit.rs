//! The audit log: every change to decisions and checklist records appends
//! one entry, chained to the previous one by hash, so that an edited or
//! removed entry is detected. An entry that changes a record carries the
//! digest of the record as it left it, and the record names that entry's
//! hash: a record edited without an entry no longer matches. The file
//! carries the head (entry count and last hash), and this machine keeps a
//! witness of every head it wrote, so that a dropped tail or a rewritten
//! log with recomputed hashes is caught too (see docs/audit.md).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "genesis";

/// The `record` of an entry that removed the record it names.
pub const REMOVED: &str = "removed";

/// A record kept under the audit log's protection (a decision, a checklist
/// item record): it names the entry that made it.
pub trait Sealed: Serialize + Clone {
    fn entry(&self) -> Option<&str>;
    fn set_entry(&mut self, entry: Option<String>);
}

/// The digest of a record without its entry link (the link is what points
/// at the entry, so it cannot be part of what the entry vouches for).
pub fn digest_of<T: Sealed>(record: &T) -> String {
    let mut unlinked = record.clone();
    unlinked.set_entry(None);
    let text = serde_json::to_string(&unlinked).unwrap_or_default();
    crate::model::fingerprint::hex(&Sha256::digest(text.as_bytes()))
}

/// How many entries a log has and the hash of the last one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub entries: u64,
    pub hash: String,
}

pub fn head(log: &[AuditEntry]) -> Head {
    Head {
        entries: log.len() as u64,
        hash: log
            .last()
            .map_or_else(|| GENESIS.to_string(), |e| e.hash.clone()),
    }
}

/// A record as the file holds it, for verification: where it is filed,
/// the entry it names, and its digest.
pub struct RecordState {
    pub target: String,
    pub entry: Option<String>,
    pub digest: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: String,
    pub who: String,
    /// decided, reopened, noted, expired, fixed_verified, regressed, migrated
    pub action: String,
    /// The decision key (`finding:<fingerprint>` or `rule:<hash>`).
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an entry that changed the record under `target`: the record's
    /// digest after the change, or `removed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    pub prev: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash over every field but `hash`, in a fixed serialisation.
    pub fn compute_hash(&self) -> String {
        let mut unhashed = self.clone();
        unhashed.hash = String::new();
        let text = serde_json::to_string(&unhashed).unwrap_or_default();
        crate::model::fingerprint::hex(&Sha256::digest(text.as_bytes()))
    }
}

/// Appends an entry that changes no record, filling in sequence number and chain hashes.
#[allow(clippy::too_many_arguments)]
pub fn append(
    log: &mut Vec<AuditEntry>,
    at: &str,
    who: &str,
    action: &str,
    target: &str,
    label: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reason: Option<String>,
) -> String {
    append_entry(log, at, who, action, target, label, from, to, reason, None)
}

/// Appends the entry that makes `record` the record under `target`, and
/// links the record to it.
#[allow(clippy::too_many_arguments)]
pub fn seal<T: Sealed>(
    log: &mut Vec<AuditEntry>,
    record: &mut T,
    at: &str,
    who: &str,
    action: &str,
    target: &str,
    label: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reason: Option<String>,
) {
    let digest = digest_of(record);
    let hash = append_entry(
        log,
        at,
        who,
        action,
        target,
        label,
        from,
        to,
        reason,
        Some(digest),
    );
    record.set_entry(Some(hash));
}

/// Appends the entry that removed the record under `target`.
#[allow(clippy::too_many_arguments)]
pub fn removed(
    log: &mut Vec<AuditEntry>,
    at: &str,
    who: &str,
    action: &str,
    target: &str,
    label: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reason: Option<String>,
) {
    append_entry(
        log,
        at,
        who,
        action,
        target,
        label,
        from,
        to,
        reason,
        Some(REMOVED.to_string()),
    );
}

#[allow(clippy::too_many_arguments)]
fn append_entry(
    log: &mut Vec<AuditEntry>,
    at: &str,
    who: &str,
    action: &str,
    target: &str,
    label: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reason: Option<String>,
    record: Option<String>,
) -> String {
    let prev = log
        .last()
        .map(|e| e.hash.clone())
        .unwrap_or_else(|| GENESIS.to_string());
    // The log is committed and read in terminals: no report or user text
    // goes into it raw.
    let clean = |s: &str| crate::sanitize::sanitize_line(s).into_owned();
    let clean_opt = |s: Option<String>| s.map(|s| clean(&s));
    let mut entry = AuditEntry {
        seq: log.last().map_or(1, |e| e.seq + 1),
        at: clean(at),
        who: clean(who),
        action: clean(action),
        target: clean(target),
        label: clean_opt(label),
        from: clean_opt(from),
        to: clean_opt(to),
        reason: clean_opt(reason),
        record,
        prev,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    let hash = entry.hash.clone();
    log.push(entry);
    hash
}

/// Everything `verify` can hold a document to.
pub struct Evidence<'a> {
    pub log: &'a [AuditEntry],
    /// The head the file says it has (`None`: the file records none).
    pub head: Option<&'a Head>,
    pub records: &'a [RecordState],
    /// Heads this machine wrote, oldest first.
    pub witness: &'a [Head],
}

/// Checks the chain, the file's head, this machine's witness and every
/// record against the entry that made it; returns the entry count, or the
/// first problem (naming the entry or the record).
pub fn verify_all(evidence: &Evidence) -> Result<usize, String> {
    let log = evidence.log;
    let n = verify(log)?;
    match evidence.head {
        None => {
            return Err(
                "the file records no audit head (entry count and last hash): it was edited by hand or written by an older scandeck"
                    .into(),
            )
        }
        Some(h) if h.entries != n as u64 => {
            return Err(format!(
                "the file says the log has {} entries but it has {n}: {}",
                h.entries,
                if h.entries > n as u64 {
                    format!("entries {} to {} were removed", n + 1, h.entries)
                } else {
                    "entries were added by hand".into()
                }
            ))
        }
        Some(h) if h.hash != head(log).hash => {
            return Err(format!(
                "the last entry (seq {}) is not the one the file's head names: it was replaced",
                log.last().map_or(0, |e| e.seq)
            ))
        }
        Some(_) => {}
    }
    // The latest head first: it says the most about what is missing.
    for w in evidence.witness.iter().rev() {
        let Ok(count) = usize::try_from(w.entries) else {
            continue;
        };
        if count == 0 {
            continue;
        }
        match log.get(count - 1) {
            None => {
                return Err(format!(
                    "this machine wrote the log with {count} entries and it has {n} now: entries {} to {count} were removed",
                    n + 1
                ))
            }
            Some(e) if e.hash != w.hash => {
                return Err(format!(
                    "entry {count} (seq {}) is not the entry this machine wrote: the log was rewritten (its hashes recomputed)",
                    e.seq
                ))
            }
            Some(_) => {}
        }
    }
    let mut last: std::collections::BTreeMap<&str, &AuditEntry> = std::collections::BTreeMap::new();
    for e in log {
        if e.record.is_some() {
            last.insert(e.target.as_str(), e);
        }
    }
    let mut present = std::collections::HashSet::new();
    for r in evidence.records {
        present.insert(r.target.as_str());
        let Some(e) = last.get(r.target.as_str()) else {
            return Err(format!(
                "{} has no audit entry: it was added or changed without one",
                r.target
            ));
        };
        if e.record.as_deref() == Some(REMOVED) {
            return Err(format!(
                "{} is in the file, but entry seq {} removed it: it was put back without an entry",
                r.target, e.seq
            ));
        }
        if e.record.as_deref() != Some(r.digest.as_str()) {
            return Err(format!(
                "{} is not what entry seq {} recorded: it was edited without an audit entry",
                r.target, e.seq
            ));
        }
        if r.entry.as_deref() != Some(e.hash.as_str()) {
            return Err(format!(
                "{} does not name entry seq {}, the entry that made it",
                r.target, e.seq
            ));
        }
    }
    for (target, e) in &last {
        if e.record.as_deref() != Some(REMOVED) && !present.contains(target) {
            return Err(format!(
                "{target} was recorded by entry seq {} but is missing from the file: it was removed without an entry",
                e.seq
            ));
        }
    }
    Ok(n)
}

/// Checks the chain; returns the first broken entry's description.
pub fn verify(log: &[AuditEntry]) -> Result<usize, String> {
    let mut prev = GENESIS.to_string();
    for (i, e) in log.iter().enumerate() {
        if e.prev != prev {
            return Err(format!("entry {} (seq {}) does not follow the entry before it: the log was edited or entries were removed", i + 1, e.seq));
        }
        if e.compute_hash() != e.hash {
            return Err(format!(
                "entry {} (seq {}) was changed after it was written (hash mismatch)",
                i + 1,
                e.seq
            ));
        }
        prev = e.hash.clone();
    }
    Ok(log.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_detects_edits_and_removals() {
        let mut log = Vec::new();
        for i in 0..3 {
            append(
                &mut log,
                "2026-01-01T00:00:00Z",
                "me",
                "decided",
                &format!("finding:{i}"),
                None,
                None,
                Some("snoozed".into()),
                Some("r".into()),
            );
        }
        assert_eq!(verify(&log), Ok(3));
        let mut edited = log.clone();
        edited[1].reason = Some("changed".into());
        assert!(verify(&edited)
            .unwrap_err()
            .contains("changed after it was written"));
        let mut removed = log.clone();
        removed.remove(1);
        assert!(verify(&removed).unwrap_err().contains("does not follow"));
    }
}
