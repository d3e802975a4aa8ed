//! The native secrets scan: walks the workspace as git sees it (respecting
//! `.gitignore`), searches every text file with the rules of
//! `assets/rules/secrets.toml`, and redacts each match at once, exactly as
//! ingest does. No secret value leaves this module unredacted.

use super::native_report::NativeFinding;
use crate::model::{Redactor, Severity};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use std::path::Path;

pub const RULES_TOML: &str = include_str!("../../assets/rules/secrets.toml");
/// Files larger than this are skipped (lockfiles and bundles rarely hold secrets).
pub const MAX_FILE_BYTES: u64 = 2 << 20;
/// The allowlist a project keeps beside its decisions.
pub const ALLOWLIST_FILE: &str = ".scandeck/secrets-allow.toml";

pub struct SecretRule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    regex: Regex,
    group: usize,
    entropy: Option<f64>,
}

#[derive(serde::Deserialize)]
struct RuleFile {
    rule: Vec<RawRule>,
}

#[derive(serde::Deserialize)]
struct RawRule {
    id: String,
    title: String,
    severity: String,
    regex: String,
    #[serde(default)]
    group: usize,
    entropy: Option<f64>,
}

/// The bundled rules, compiled once for the scan and for masking scanner
/// output; a unit test proves they compile.
pub fn bundled_rules() -> Result<&'static [SecretRule], String> {
    static RULES: std::sync::OnceLock<Result<Vec<SecretRule>, String>> = std::sync::OnceLock::new();
    RULES
        .get_or_init(compile_bundled)
        .as_deref()
        .map_err(Clone::clone)
}

fn compile_bundled() -> Result<Vec<SecretRule>, String> {
    let file: RuleFile =
        toml::from_str(RULES_TOML).map_err(|e| format!("assets/rules/secrets.toml: {e}"))?;
    file.rule
        .into_iter()
        .map(|r| {
            let regex = Regex::new(&r.regex)
                .map_err(|e| format!("assets/rules/secrets.toml: rule {}: {e}", r.id))?;
            Ok(SecretRule {
                severity: Severity::from_word(&r.severity),
                id: r.id,
                title: r.title,
                regex,
                group: r.group,
                entropy: r.entropy,
            })
        })
        .collect()
}

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

/// Whether an environment variable (an image's `ENV`, a compose
/// `environment:`) holds a secret, judged by its value as the workspace scan
/// judges file text: a known token format, a URL with a password, a
/// high-entropy value assigned to a secret-named key — or any value of a
/// secret-named key that is not obviously a setting (a number, a duration,
/// a switch, a path, a `*_FILE` or `*_NAME` key). Returns the reason.
/// What a value-based rule recognises in `value` (an API key's shape, a
/// high-entropy token), never the variable's name alone.
pub fn value_secret(key: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || is_reference(value) {
        return None;
    }
    let text = format!("{key}={value}");
    let setting = super::names::setting_key(key) || super::names::setting_value(value);
    bundled_rules().unwrap_or_default().iter().find_map(|rule| {
        if setting && rule.entropy.is_some() {
            return None;
        }
        rule.regex
            .captures_iter(&text)
            .any(|caps| {
                caps.get(rule.group)
                    .or_else(|| caps.get(0))
                    .is_some_and(|m| {
                        rule.entropy
                            .is_none_or(|min| shannon_entropy(m.as_str()) >= min)
                    })
            })
            .then(|| rule.title.clone())
    })
}

pub fn env_secret(key: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || is_reference(value) {
        return None;
    }
    let text = format!("{key}={value}");
    let setting = super::names::setting_key(key) || super::names::setting_value(value);
    for rule in bundled_rules().unwrap_or_default() {
        // Rules that judge by entropy alone do not apply to settings.
        if setting && rule.entropy.is_some() {
            continue;
        }
        let matched = rule.regex.captures_iter(&text).any(|caps| {
            caps.get(rule.group)
                .or_else(|| caps.get(0))
                .is_some_and(|m| {
                    rule.entropy
                        .is_none_or(|min| shannon_entropy(m.as_str()) >= min)
                })
        });
        if matched {
            return Some(rule.title.clone());
        }
    }
    (super::names::secret_like_key(key) && !setting)
        .then(|| "a value in a secret-named variable".to_string())
}

/// A value that names where the secret lives instead of holding it:
/// Compose and shell interpolation (`${VAR}`, `${VAR:?message}`, `$VAR`).
/// What it refers to (an `.env` file, the environment) is what is judged.
/// A default (`${VAR:-x}`, `${VAR-x}`) is committed with the file, so the
/// reference counts only when its default is empty or a reference too.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let identifier = |s: &str| {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        (end > 0 && !s.starts_with(|c: char| c.is_ascii_digit())).then_some(end)
    };
    if let Some(inner) = v.strip_prefix("${") {
        let Some(end) = identifier(inner) else {
            return false;
        };
        let rest = &inner[end..];
        let default = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-'));
        return match default {
            Some(d) => {
                let d = d.strip_suffix('}').unwrap_or(d).trim();
                d.is_empty() || is_reference(d)
            }
            None => rest.is_empty() || rest.starts_with(['}', ':', '?']),
        };
    }
    v.strip_prefix('$')
        .and_then(|rest| identifier(rest).map(|end| end == rest.len()))
        .unwrap_or(false)
}

/// Replaces every secret the bundled rules find in `text` with its mask
/// (`ghp_…(40 chars)`): for scanner output, which can echo what it found.
pub fn mask_secrets(text: &str) -> std::borrow::Cow<'_, str> {
    let rules = bundled_rules().unwrap_or_default();
    // The mask does not depend on the key; only the keyed hash would.
    let masker = Redactor::with_key([0; 32]);
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for rule in rules {
        for caps in rule.regex.captures_iter(text) {
            let Some(m) = caps.get(rule.group).or_else(|| caps.get(0)) else {
                continue;
            };
            if rule
                .entropy
                .is_some_and(|min| shannon_entropy(m.as_str()) < min)
                || ranges
                    .iter()
                    .any(|r| r.start < m.end() && m.start() < r.end)
            {
                continue;
            }
            ranges.push(m.range());
        }
    }
    if ranges.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&text[at..r.start]);
        out.push_str(&masker.redact(&text[r.clone()]).mask);
        at = r.end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

/// Bits per character of the value's character distribution.
pub fn shannon_entropy(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

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
