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
    /// The secret's identity, hex: Argon2id of the secret under the
    /// workspace's committed salt, so that every clone computes the same
    /// (docs/secrets.md); HMAC-SHA256 under the installation key where no
    /// workspace gives a salt. Identity only.
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

/// Holds the per-installation key, and the workspace's identity salt when
/// there is one, used for secret identities.
#[derive(Clone)]
pub struct Redactor {
    key: [u8; 32],
    salt: Option<[u8; SALT_BYTES]>,
    /// Argon2id is slow on purpose: each distinct secret is hashed once per
    /// process (keyed by its HMAC, never by its value).
    known: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>,
}

/// Length of a workspace's identity salt.
pub const SALT_BYTES: usize = 16;

/// Argon2id cost of one secret identity: OWASP's minimum for password
/// storage (19 MiB, two passes, one lane), so that guessing a secret from a
/// committed fingerprint costs what guessing a stored password does.
pub const IDENTITY_MEMORY_KIB: u32 = 19 * 1024;
pub const IDENTITY_PASSES: u32 = 2;

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(..)")
    }
}

impl Redactor {
    pub fn with_key(key: [u8; 32]) -> Redactor {
        Redactor {
            key,
            salt: None,
            known: Default::default(),
        }
    }

    /// Secret identities from the workspace's committed salt: the same in
    /// every clone and installation.
    pub fn with_identity_salt(mut self, salt: [u8; SALT_BYTES]) -> Redactor {
        self.salt = Some(salt);
        self.known = Default::default();
        self
    }

    /// Names the key (and salt) without revealing them: findings stored
    /// under another have other secret fingerprints and must be computed
    /// again.
    pub fn key_id(&self) -> String {
        let mut text = b"scandeck key id".to_vec();
        if let Some(salt) = &self.salt {
            text.extend_from_slice(b" salt ");
            text.extend_from_slice(salt);
        }
        let digest = self.keyed_hash(&text);
        digest.chars().take(16).collect()
    }

    /// The identity of a secret value: Argon2id under the salt, or the
    /// installation's HMAC without one.
    fn identity(&self, data: &[u8]) -> String {
        let keyed = self.keyed_hash(data);
        let Some(salt) = &self.salt else {
            return keyed;
        };
        if let Ok(known) = self.known.lock() {
            if let Some(id) = known.get(&keyed) {
                return id.clone();
            }
        }
        let id = match argon2_identity(data, salt) {
            Some(id) => id,
            // Parameters are constants that argon2 accepts; should it ever
            // refuse, the installation's key still keeps the value hidden.
            None => keyed.clone(),
        };
        if let Ok(mut known) = self.known.lock() {
            known.insert(keyed, id.clone());
        }
        id
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
            keyed_hash: self.identity(raw.as_bytes()),
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
            keyed_hash: self.identity(format!("{algorithm}:{hash}").as_bytes()),
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

/// Argon2id of `data` under `salt`, hex.
fn argon2_identity(data: &[u8], salt: &[u8; SALT_BYTES]) -> Option<String> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(IDENTITY_MEMORY_KIB, IDENTITY_PASSES, 1, Some(32)).ok()?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(data, salt, &mut out)
        .ok()?;
    Some(crate::model::fingerprint::hex(&out))
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

    #[test]
    fn a_salted_identity_is_the_same_under_every_installation_key() {
        let salt = [9u8; SALT_BYTES];
        let a = Redactor::with_key([1; 32]).with_identity_salt(salt);
        let b = Redactor::with_key([2; 32]).with_identity_salt(salt);
        let secret = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
        assert_eq!(a.redact(secret).keyed_hash, b.redact(secret).keyed_hash);
        let other = Redactor::with_key([1; 32]).with_identity_salt([8; SALT_BYTES]);
        assert_ne!(a.redact(secret).keyed_hash, other.redact(secret).keyed_hash);
        assert_ne!(a.key_id(), Redactor::with_key([1; 32]).key_id());
    }

    /// The identity is Argon2id as RFC 9106 defines it: the RFC's own
    /// Argon2id test vector (section 5.3) through the same crate and version.
    #[test]
    fn argon2id_is_the_standard_function() {
        use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};
        let params = ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .data(AssociatedData::new(&[0x04; 12]).unwrap())
            .output_len(32)
            .build()
            .unwrap();
        let mut out = [0u8; 32];
        Argon2::new_with_secret(&[0x03; 8], Algorithm::Argon2id, Version::V0x13, params)
            .unwrap()
            .hash_password_into(&[0x01; 32], &[0x02; 16], &mut out)
            .unwrap();
        assert_eq!(
            crate::model::fingerprint::hex(&out),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
        // Our call (no secret, no associated data) is deterministic and salted.
        let one = argon2_identity(b"x", &[1; SALT_BYTES]).unwrap();
        assert_eq!(one, argon2_identity(b"x", &[1; SALT_BYTES]).unwrap());
        assert_ne!(one, argon2_identity(b"x", &[2; SALT_BYTES]).unwrap());
        assert_eq!(one.len(), 64);
    }
}
