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
    /// For the entry that joins two branches' logs (a git merge): the head
    /// of the other branch's log, so that the entry vouches for both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<String>,
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

/// Appends the entry that joins two branches' logs after a git merge (both
/// already in `log`): it follows `ours_head` and names `theirs_head`.
pub fn join(
    log: &mut Vec<AuditEntry>,
    at: &str,
    who: &str,
    ours_head: &str,
    theirs_head: &str,
    reason: String,
) {
    let clean = |s: &str| crate::sanitize::sanitize_line(s).into_owned();
    let mut entry = AuditEntry {
        seq: log.iter().map(|e| e.seq).max().unwrap_or(0) + 1,
        at: clean(at),
        who: clean(who),
        action: "merged".into(),
        target: "audit".into(),
        label: None,
        from: None,
        to: None,
        reason: Some(clean(&reason)),
        record: None,
        prev: ours_head.to_string(),
        merged: Some(theirs_head.to_string()),
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    log.push(entry);
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
        merged: None,
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
    // The latest head first: it says the most about what is missing. A
    // head names its last entry and how many entries lead to it, wherever
    // a merge with another branch's log has placed them.
    let reach = reach_of(log);
    let position: std::collections::HashMap<&str, usize> = log
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash.as_str(), i))
        .collect();
    for w in evidence.witness.iter().rev() {
        if w.entries == 0 {
            continue;
        }
        match position.get(w.hash.as_str()) {
            None if (n as u64) < w.entries => {
                return Err(format!(
                    "this machine wrote the log with {} entries and it has {n} now: entries {} to {} were removed",
                    w.entries,
                    n + 1,
                    w.entries
                ))
            }
            None => {
                return Err(format!(
                    "entry {} is not the entry this machine wrote: the log was rewritten (its hashes recomputed)",
                    w.entries
                ))
            }
            Some(&i) if reach[i] != w.entries => {
                return Err(format!(
                    "entry {} (seq {}) is not the entry this machine wrote: the log was rewritten (its hashes recomputed)",
                    w.entries, log[i].seq
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

/// Checks the chain; returns the first broken entry's description. The
/// log is a chain, or after a git merge a graph: every entry follows an
/// entry before it (or starts a log), a merge entry follows both branches'
/// heads, and every entry but the last is followed by a later one — so an
/// entry removed, moved or added by hand breaks it.
pub fn verify(log: &[AuditEntry]) -> Result<usize, String> {
    let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut followed = vec![false; log.len()];
    for (i, e) in log.iter().enumerate() {
        if e.compute_hash() != e.hash {
            return Err(format!(
                "entry {} (seq {}) was changed after it was written (hash mismatch)",
                i + 1,
                e.seq
            ));
        }
        for parent in std::iter::once(&e.prev).chain(e.merged.iter()) {
            if parent == GENESIS {
                continue;
            }
            match position.get(parent.as_str()) {
                Some(&p) => followed[p] = true,
                None => {
                    return Err(format!(
                        "entry {} (seq {}) does not follow the entry before it or any entry in the log: the log was edited or entries were removed",
                        i + 1,
                        e.seq
                    ))
                }
            }
        }
        if position.insert(&e.hash, i).is_some() {
            return Err(format!(
                "entry {} (seq {}) appears twice in the log: it was copied by hand",
                i + 1,
                e.seq
            ));
        }
    }
    let last = log.len().saturating_sub(1);
    if let Some(i) = followed.iter().take(last).position(|f| !f) {
        return Err(format!(
            "entry {} (seq {}) is followed by no later entry: it was added by hand, or the entries after it were removed",
            i + 1,
            log[i].seq
        ));
    }
    Ok(log.len())
}

/// For each entry, how many entries lead to it, itself included (its
/// position plus one in a chain; after a merge, both branches' entries).
pub fn reach_of(log: &[AuditEntry]) -> Vec<u64> {
    let position: std::collections::HashMap<&str, usize> = log
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash.as_str(), i))
        .collect();
    let parents = |e: &AuditEntry| -> Vec<usize> {
        std::iter::once(&e.prev)
            .chain(e.merged.iter())
            .filter_map(|p| position.get(p.as_str()).copied())
            .collect()
    };
    let mut reach = vec![0u64; log.len()];
    for (i, e) in log.iter().enumerate() {
        let ps = parents(e);
        reach[i] = match ps.as_slice() {
            [] => 1,
            [p] if *p < i => reach[*p] + 1,
            _ => {
                // A merge entry: the union of both branches, counted once.
                let mut seen = std::collections::HashSet::new();
                let mut todo = vec![i];
                while let Some(j) = todo.pop() {
                    if j <= i && seen.insert(j) {
                        todo.extend(parents(&log[j]).into_iter().filter(|p| *p < j));
                    }
                }
                seen.len() as u64
            }
        };
    }
    reach
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
