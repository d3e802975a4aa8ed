//! The native secrets scan: walks the workspace as git sees it (respecting
//! `.gitignore`), searches every text file with the rules of
//! `assets/rules/secrets.toml`, and redacts each match at once, exactly as
//! ingest does. No secret value leaves this module unredacted.

use super::native_report::NativeFinding;
use crate::model::Redactor;
use crate::rules::secret_patterns::{is_reference, shannon_entropy, SecretRule};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use std::path::Path;

/// Files larger than this are skipped (lockfiles and bundles rarely hold secrets).
pub const MAX_FILE_BYTES: u64 = 2 << 20;
/// The allowlist a project keeps beside its decisions.
pub const ALLOWLIST_FILE: &str = ".scandeck/secrets-allow.toml";

/// What a project says is not a secret: paths (gitignore syntax), values
/// (regular expressions matched against the secret) and whole rules.
#[derive(Default)]
pub struct Allowlist {
    paths: Option<Gitignore>,
    values: Vec<Regex>,
    rules: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawAllowlist {
    paths: Vec<String>,
    values: Vec<String>,
    rules: Vec<String>,
}

impl Allowlist {
    /// Reads `.scandeck/secrets-allow.toml` under `root`; absent is empty.
    pub fn load(root: &Path) -> Result<Allowlist, String> {
        let path = root.join(ALLOWLIST_FILE);
        let text = match crate::store::safe::read(&path, 1 << 20) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Allowlist::default()),
            Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
        };
        let raw: RawAllowlist = toml::from_str(&text).map_err(|e| {
            format!(
                "{}: not a valid allowlist ({}); expected paths, values and rules lists",
                path.display(),
                crate::sanitize::sanitize_line(&e.to_string())
            )
        })?;
        let mut builder = GitignoreBuilder::new(root);
        for p in &raw.paths {
            builder
                .add_line(None, p)
                .map_err(|e| format!("{}: path pattern {p:?}: {e}", path.display()))?;
        }
        let paths = builder
            .build()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let values = raw
            .values
            .iter()
            .map(|v| Regex::new(v).map_err(|e| format!("{}: value pattern: {e}", path.display())))
            .collect::<Result<_, _>>()?;
        Ok(Allowlist {
            paths: Some(paths),
            values,
            rules: raw.rules,
        })
    }

    fn allows(&self, relative: &Path, rule: &str, value: &str) -> bool {
        self.rules.iter().any(|r| r == rule)
            || self.values.iter().any(|v| v.is_match(value))
            || self
                .paths
                .as_ref()
                .is_some_and(|g| g.matched_path_or_any_parents(relative, false).is_ignore())
    }
}

/// What one secrets scan did.
#[derive(Default)]
pub struct SecretsScan {
    pub findings: Vec<NativeFinding>,
    pub files_scanned: usize,
    pub skipped_binary: usize,
    pub skipped_large: usize,
    /// Scanner reports in the workspace: their findings arrive through
    /// import (redacted), not as new secrets in the report file.
    pub skipped_reports: usize,
    pub allowed: usize,
    pub notes: Vec<String>,
}

pub fn scan(
    root: &Path,
    rules: &[SecretRule],
    allow: &Allowlist,
    redactor: &Redactor,
) -> SecretsScan {
    let mut out = SecretsScan::default();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() > 0 && (name == ".git" || name == ".scandeck"))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.notes
                    .push(crate::sanitize::sanitize_line(&e.to_string()).into_owned());
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        if entry.metadata().map(|m| m.len()).unwrap_or(0) > MAX_FILE_BYTES {
            out.skipped_large += 1;
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            out.notes.push(format!(
                "{}: cannot read",
                crate::sanitize::sanitize_line(&path.display().to_string())
            ));
            continue;
        };
        if bytes.iter().take(8192).any(|b| *b == 0) {
            out.skipped_binary += 1;
            continue;
        }
        if is_scanner_report(&bytes) {
            out.skipped_reports += 1;
            continue;
        }
        out.files_scanned += 1;
        let relative = path.strip_prefix(root).unwrap_or(path);
        let text = String::from_utf8_lossy(&bytes);
        scan_text(&text, relative, rules, allow, redactor, &mut out);
    }
    out.findings
        .sort_by(|a, b| (&a.location, a.line, &a.rule).cmp(&(&b.location, b.line, &b.rule)));
    out
}

/// A JSON document in a format scandeck imports (a Trivy, gitleaks, SARIF…
/// report), which repeats the secrets other scanners found.
fn is_scanner_report(bytes: &[u8]) -> bool {
    let body = crate::ingest::trim_start(bytes);
    matches!(body.first(), Some(b'{' | b'['))
        && crate::ingest::detect::detect(body)
            .is_ok_and(|d| d.format != crate::ingest::Format::EmptyList)
}

fn scan_text(
    text: &str,
    relative: &Path,
    rules: &[SecretRule],
    allow: &Allowlist,
    redactor: &Redactor,
    out: &mut SecretsScan,
) {
    let shown = crate::sanitize::sanitize_line(&relative.to_string_lossy()).into_owned();
    // Byte ranges already reported: a generic rule never repeats a specific one.
    let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
    for rule in rules {
        for caps in rule.regex.captures_iter(text) {
            let Some(m) = caps.get(rule.group).or_else(|| caps.get(0)) else {
                continue;
            };
            let value = m.as_str().trim();
            if value.is_empty() || taken.iter().any(|r| r.start < m.end() && m.start() < r.end) {
                continue;
            }
            if is_reference(value) {
                continue;
            }
            if rule.entropy.is_some_and(|min| shannon_entropy(value) < min) {
                continue;
            }
            if allow.allows(relative, &rule.id, value) {
                out.allowed += 1;
                continue;
            }
            taken.push(m.range());
            let line = 1 + text[..m.start()].bytes().filter(|b| *b == b'\n').count();
            let secret = redactor.redact(value);
            // The same secret on the same line, found by another rule, is
            // the same finding.
            if out.findings.iter().any(|f| {
                f.location == shown
                    && f.line == u32::try_from(line).ok()
                    && f.secret
                        .as_ref()
                        .is_some_and(|s| s.keyed_hash == secret.keyed_hash)
            }) {
                continue;
            }
            out.findings.push(NativeFinding {
                rule: rule.id.clone(),
                severity: rule.severity,
                problem: format!("{} in {shown}:{line} ({secret})", rule.title),
                rationale: "the seed checks the codebase for secrets before every release; a committed secret must be rotated".into(),
                remediation: "remove it from the file and its history, rotate it, and load it from the environment or a secret store".into(),
                location: shown.clone(),
                line: u32::try_from(line).ok(),
                secret: Some(secret),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;
    use crate::rules::secret_patterns::{bundled_rules, env_secret, mask_secrets};

    #[test]
    fn bundled_rules_compile() {
        let rules = bundled_rules().unwrap();
        assert!(rules.len() >= 12);
        assert!(rules.iter().all(|r| r.severity != Severity::Unknown));
    }

    #[test]
    fn one_secret_matched_by_two_rules_is_one_finding() {
        let rules = bundled_rules().unwrap();
        let redactor = Redactor::with_key([1; 32]);
        let mut out = SecretsScan::default();
        let text = "DB_PASSWORD=postgres://app:CanaryPassw0rd4242xyz@db:5432/app\nAPI_TOKEN = \"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\"\n";
        scan_text(
            text,
            Path::new("settings.env"),
            rules,
            &Allowlist::default(),
            &redactor,
            &mut out,
        );
        let rules: Vec<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            ["github-token", "connection-string-password"],
            "{rules:?}"
        );
    }

    #[test]
    fn environment_secrets_are_judged_by_value() {
        for (key, value) in [
            ("PASSWORD_MIN_LENGTH", "12"),
            ("TOKEN_TTL_SECONDS", "3600"),
            ("SECRET_NAME", "prod/db"),
            ("DB_PASSWORD_FILE", "/run/secrets/db"),
            ("JWT_EXPIRY", "15m"),
            ("API_KEY_REQUIRED", "true"),
        ] {
            assert_eq!(env_secret(key, value), None, "{key}={value} is a setting");
        }
        for (key, value) in [
            ("STRIPE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            ("GH", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
            ("DATABASE_URL", "postgres://app:S3cretPassw0rd@db:5432/app"),
            ("DB_PASSWORD", "hunter2"),
            ("APP_SECRET", "Zk9vX3Rlc3Rfc2VjcmV0XzEyMzQ1"),
        ] {
            assert!(
                env_secret(key, value).is_some(),
                "{key}={value} is a secret"
            );
        }
    }

    #[test]
    fn scanner_output_is_masked() {
        let line =
            "found ghp_0123456789abcdefghijABCDEFGHIJ012345 in .env; key AKIAQ7CANARY2WXYZ5KQ";
        let masked = mask_secrets(line);
        assert_eq!(masked, "found ghp_…(40 chars) in .env; key AKIA…(20 chars)");
        assert!(matches!(
            mask_secrets("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn entropy_separates_words_from_random_values() {
        assert!(shannon_entropy("changeme") < 3.5);
        assert!(shannon_entropy("finance123") < 3.5);
        assert!(shannon_entropy("Zq8rT2pLm9vX4wKd") > 3.5);
    }
}

#[cfg(test)]
mod interpolation_tests {
    use super::is_reference;

    #[test]
    fn interpolation_is_a_reference_and_a_literal_default_is_not() {
        for r in [
            "${POSTGRES_PASSWORD}",
            "\"${API_TOKEN:?set it}\"",
            "${API_TOKEN:?set",
            "$SECRET_KEY",
            "${X:-}",
            "${X:-${Y}}",
        ] {
            assert!(is_reference(r), "{r}");
        }
        for v in [
            "${DB_PASSWORD:-hunter2-longer}",
            "${X-s3cr3t}",
            "changeme",
            "$",
            "${1abc}",
            "$PASS word",
        ] {
            assert!(!is_reference(v), "{v}");
        }
    }
}
