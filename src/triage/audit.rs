//! The audit log: every change to decisions appends one entry, chained to
//! the previous one by hash, so that an edited or removed entry is detected.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "genesis";

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

/// Appends an entry, filling in sequence number and chain hashes.
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
) {
    let prev = log
        .last()
        .map(|e| e.hash.clone())
        .unwrap_or_else(|| GENESIS.to_string());
    let mut entry = AuditEntry {
        seq: log.last().map_or(1, |e| e.seq + 1),
        at: at.to_string(),
        who: who.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        label,
        from,
        to,
        reason,
        prev,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    log.push(entry);
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
