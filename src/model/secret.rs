//! Secrets are redacted at ingest: only a mask and a keyed hash are ever kept.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// Prefix of the text that stands in for a secret in stored reports.
pub const MARKER_PREFIX: &str = "scandeck-redacted:v1:";

/// What is kept of a secret. It cannot be turned back into the secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedactedSecret {
    /// A few leading characters and the length, e.g. `AKIA…(20 chars)`.
    pub mask: String,
    /// HMAC-SHA256 of the secret under the installation key, hex; identity only.
    pub keyed_hash: String,
}

impl fmt::Debug for RedactedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedactedSecret({})", self.mask)
    }
}

impl fmt::Display for RedactedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.mask)
    }
}

/// Holds the per-installation key used for keyed secret hashes.
#[derive(Clone)]
pub struct Redactor {
    key: [u8; 32],
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(..)")
    }
}

impl Redactor {
    pub fn with_key(key: [u8; 32]) -> Redactor {
        Redactor { key }
    }

    /// Names the key without revealing it: findings stored under another
    /// key have other secret fingerprints and must be computed again.
    pub fn key_id(&self) -> String {
        let digest = self.keyed_hash(b"scandeck key id");
        digest.chars().take(16).collect()
    }

    /// The text that replaces a secret in a stored copy of a report. Reading it
    /// back gives the same redaction, so fingerprints do not change.
    pub fn marker(secret: &RedactedSecret) -> String {
        format!("{MARKER_PREFIX}{}:{}", secret.keyed_hash, secret.mask)
    }

    /// Whether `text` is a marker this redactor writes in place of a secret.
    pub fn is_marker(text: &str) -> bool {
        Self::from_marker(text).is_some()
    }

    fn from_marker(text: &str) -> Option<RedactedSecret> {
        let rest = text.strip_prefix(MARKER_PREFIX)?;
        let (hash, mask) = rest.split_once(':')?;
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| RedactedSecret {
            mask: mask.to_string(),
            keyed_hash: hash.to_string(),
        })
    }

    /// Redacts a raw secret value. Short secrets show fewer leading characters
    /// so that the mask never reveals more than a quarter of the value.
    pub fn redact(&self, raw: &str) -> RedactedSecret {
        if let Some(known) = Self::from_marker(raw) {
            return known;
        }
        let chars = raw.chars().count();
        let shown = (chars / 4).min(4);
        let prefix: String = raw
            .chars()
            .take(shown)
            .filter(|c| c.is_ascii_graphic())
            .collect();
        RedactedSecret {
            mask: format!("{prefix}…({chars} chars)"),
            keyed_hash: self.keyed_hash(raw.as_bytes()),
        }
    }

    /// For reports that carry only a hash of the secret (detect-secrets): the
    /// scanner's hash is itself re-keyed, so that it is not stored as given.
    pub fn redact_hashed(&self, algorithm: &str, hash: &str) -> RedactedSecret {
        if let Some(known) = Self::from_marker(hash) {
            return known;
        }
        RedactedSecret {
            mask: "(hashed by scanner)".to_string(),
            keyed_hash: self.keyed_hash(format!("{algorithm}:{hash}").as_bytes()),
        }
    }

    pub fn keyed_hash(&self, data: &[u8]) -> String {
        // HMAC accepts keys of any length, so construction cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes any key length"),
        };
        mac.update(data);
        crate::model::fingerprint::hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_never_shows_more_than_a_quarter() {
        let r = Redactor::with_key([7; 32]);
        let s = r.redact("AKIAIOSFODNN7EXAMPLE");
        assert_eq!(s.mask, "AKIA…(20 chars)");
        assert!(!format!("{s:?}{s}").contains("IOSFODNN"));
        let short = r.redact("hunter2");
        assert_eq!(short.mask, "h…(7 chars)");
        assert_eq!(r.redact("").mask, "…(0 chars)");
    }

    #[test]
    fn hash_is_keyed_and_stable() {
        let a = Redactor::with_key([1; 32]);
        let b = Redactor::with_key([2; 32]);
        assert_eq!(a.redact("x").keyed_hash, a.redact("x").keyed_hash);
        assert_ne!(a.redact("x").keyed_hash, b.redact("x").keyed_hash);
    }

    #[test]
    fn marker_reads_back_as_the_same_redaction() {
        let r = Redactor::with_key([3; 32]);
        let s = r.redact("ghp_0123456789abcdefghijklmnopqrstuvwxyz");
        let marker = Redactor::marker(&s);
        assert_eq!(r.redact(&marker), s);
        assert_eq!(r.redact_hashed("sha1", &marker), s);
        assert!(!marker.contains("0123456789abcdef"));
    }

    #[test]
    fn multibyte_secrets_do_not_panic() {
        let r = Redactor::with_key([0; 32]);
        let s = r.redact("ключ-секрет-🔑🔑🔑");
        assert!(s.mask.contains("chars"));
    }
}
