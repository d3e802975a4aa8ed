//! What a secret looks like: the bundled patterns of
//! `assets/rules/secrets.toml`, entropy, and the judgement of one
//! `KEY=value` setting. Read by the secrets scan, the image and container
//! checks and the project rules alike.

use crate::model::{Redactor, Severity};
use regex::Regex;

pub const RULES_TOML: &str = include_str!("../../assets/rules/secrets.toml");

pub struct SecretRule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub regex: Regex,
    pub group: usize,
    pub entropy: Option<f64>,
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
