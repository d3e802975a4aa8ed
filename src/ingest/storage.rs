//! The copy of a report that is kept in the workspace has its secrets
//! replaced by redaction markers, so that no secret is ever stored. Reading
//! the copy back yields the same findings and fingerprints as the original.

use super::{trim_start, Format, IngestError, ParsedReport};
use crate::model::{Kind, Redactor};
use serde_json::Value;
use std::borrow::Cow;

const REMOVED: &str = "[removed by scandeck]";

/// The bytes to store for a parsed report: unchanged unless it carries secrets.
pub fn redact_for_storage<'b>(
    bytes: &'b [u8],
    report: &ParsedReport,
    redactor: &Redactor,
) -> Result<Cow<'b, [u8]>, IngestError> {
    if !needs_redaction(report) {
        return Ok(Cow::Borrowed(bytes));
    }
    let body = trim_start(bytes);
    let mut values: Vec<Value> = serde_json::Deserializer::from_slice(body)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .map_err(|e| IngestError::InvalidJson(e.to_string()))?;
    for value in &mut values {
        match report.format {
            Format::GitleaksV8 => each(value, |leak| {
                let secrets = strings_at(leak, &["Secret"]);
                replace_unless_redacted(leak, "Secret", redactor);
                blank(leak, &["Match", "Line"]);
                mask_everywhere(leak, &secrets, redactor);
            }),
            Format::GitleaksV7 => each(value, |leak| {
                let secrets = strings_at(leak, &["offender"]);
                replace_unless_redacted(leak, "offender", redactor);
                blank(leak, &["line"]);
                mask_everywhere(leak, &secrets, redactor);
            }),
            Format::TrufflehogV3 => each(value, |hit| {
                let secrets = strings_at(hit, &["RawV2", "Raw"]);
                let chosen = ["RawV2", "Raw"].into_iter().find_map(|k| {
                    hit.get(k)
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                });
                let marker = Value::String(Redactor::marker(
                    &redactor.redact(chosen.as_deref().unwrap_or("")),
                ));
                for key in ["RawV2", "Raw"] {
                    if hit.get(key).is_some() {
                        hit[key] = marker.clone();
                    }
                }
                blank(hit, &["Redacted"]);
                mask_everywhere(hit, &secrets, redactor);
            }),
            Format::TrufflehogV2 => each(value, |hit| {
                let found: Vec<String> = hit["stringsFound"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                hit["stringsFound"] = Value::Array(vec![Value::String(Redactor::marker(
                    &redactor.redact(&found.join("\n")),
                ))]);
                blank(hit, &["diff", "printDiff"]);
                mask_everywhere(hit, &found, redactor);
            }),
            Format::DetectSecrets => {
                if let Some(files) = value.get_mut("results").and_then(Value::as_object_mut) {
                    for entries in files.values_mut() {
                        each(entries, |e| {
                            let hash = e
                                .get("hashed_secret")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string();
                            e["hashed_secret"] = Value::String(Redactor::marker(
                                &redactor.redact_hashed("sha1", hash.trim()),
                            ));
                        });
                    }
                }
            }
            Format::TrivyJson => {
                if let Some(results) = value.get_mut("Results").and_then(Value::as_array_mut) {
                    for result in results {
                        if let Some(secrets) = result.get_mut("Secrets") {
                            each(secrets, |s| {
                                let values = strings_at(s, &["Match"]);
                                replace_secret(s, "Match", redactor, true);
                                mask_everywhere(s, &values, redactor);
                                if s.get("Code").is_some() {
                                    s["Code"] = Value::Null;
                                }
                            });
                        }
                    }
                }
            }
            Format::Sarif => redact_sarif_snippets(value, redactor),
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(bytes.len());
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        serde_json::to_writer(&mut out, v).map_err(|e| IngestError::InvalidJson(e.to_string()))?;
    }
    out.push(b'\n');
    Ok(Cow::Owned(out))
}

/// The trimmed string values of `keys` in `record`: the secrets a parser
/// recognised, before their fields are replaced.
fn strings_at(record: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .filter_map(|k| record.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_string())
        .collect()
}

/// Secrets shorter than this are not searched for elsewhere in a record: a
/// short value would mask ordinary words.
const SHORTEST_MASKED: usize = 6;

/// Every other string in `record` (keys and values, at any depth) that
/// contains one of `secrets` gets it replaced by the secret's marker: a
/// scanner may repeat the secret in fields no parser reads (trufflehog's
/// `ExtraData`, a description, a URL), and redaction by field name alone
/// would store it.
fn mask_everywhere(record: &mut Value, secrets: &[String], redactor: &Redactor) {
    let mut secrets: Vec<(&str, String)> = secrets
        .iter()
        .map(|s| s.as_str())
        // A word a scanner prints in place of a secret it redacted itself
        // is no secret, and the parser may key the finding by it.
        .filter(|s| s.len() >= SHORTEST_MASKED && !Redactor::is_marker(s))
        .filter(|s| *s != super::gitleaks::SCANNER_REDACTED)
        .map(|s| (s, Redactor::marker(&redactor.redact(s))))
        .collect();
    if secrets.is_empty() {
        return;
    }
    // The longest first, so that a secret inside another is not half-masked.
    secrets.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    fn walk(v: &mut Value, secrets: &[(&str, String)]) {
        match v {
            Value::String(text) if secrets.iter().any(|(s, _)| text.contains(s)) => {
                let mut masked = text.clone();
                for (secret, marker) in secrets {
                    masked = masked.replace(secret, marker);
                }
                *text = masked;
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, secrets)),
            Value::Object(map) => {
                let leaking: Vec<String> = map
                    .keys()
                    .filter(|k| secrets.iter().any(|(s, _)| k.contains(s)))
                    .cloned()
                    .collect();
                for key in leaking {
                    if let Some(value) = map.remove(&key) {
                        let mut masked = key;
                        for (secret, marker) in secrets {
                            masked = masked.replace(secret, marker);
                        }
                        map.insert(masked, value);
                    }
                }
                map.values_mut().for_each(|i| walk(i, secrets));
            }
            _ => {}
        }
    }
    walk(record, &secrets);
}

/// The stored copy of `report` must differ from what was read: it holds secrets.
pub fn needs_redaction(report: &ParsedReport) -> bool {
    report.findings.iter().any(|f| f.kind == Kind::Secret) || carries_secret_material(report.format)
}

/// Formats whose records hold raw secret text even when no finding is a secret.
fn carries_secret_material(format: Format) -> bool {
    matches!(
        format,
        Format::GitleaksV8
            | Format::GitleaksV7
            | Format::TrufflehogV3
            | Format::TrufflehogV2
            | Format::DetectSecrets
    )
}

/// Calls `f` on each record: `value` itself or the items of an array, and
/// only those that are objects (writing a key into anything else panics).
fn each(value: &mut Value, mut f: impl FnMut(&mut Value)) {
    match value {
        Value::Array(items) => items.iter_mut().filter(|v| v.is_object()).for_each(f),
        Value::Object(_) => f(value),
        _ => {}
    }
}

/// `trimmed` mirrors how the parser reads the field, so the identity hash matches.
/// `gitleaks --redact` leaves nothing secret to replace, and the word it
/// prints tells the parser to key the finding by its place.
fn replace_unless_redacted(obj: &mut Value, key: &str, redactor: &Redactor) {
    if obj.get(key).and_then(Value::as_str) != Some(super::gitleaks::SCANNER_REDACTED) {
        replace_secret(obj, key, redactor, false);
    }
}

fn replace_secret(obj: &mut Value, key: &str, redactor: &Redactor, trimmed: bool) {
    if let Some(raw) = obj.get(key).and_then(Value::as_str).map(str::to_string) {
        let value = if trimmed { raw.trim() } else { raw.as_str() };
        obj[key] = Value::String(Redactor::marker(&redactor.redact(value)));
    }
}

fn blank(obj: &mut Value, keys: &[&str]) {
    for key in keys {
        if obj.get(*key).is_some_and(|v| !v.is_null()) {
            obj[*key] = Value::String(REMOVED.to_string());
        }
    }
}

/// In runs of secret scanners, or runs with secret-tagged rules, every result
/// snippet is replaced (the parser uses snippets only as secret identity).
fn redact_sarif_snippets(log: &mut Value, redactor: &Redactor) {
    let Some(runs) = log.get_mut("runs").and_then(Value::as_array_mut) else {
        return;
    };
    for run in runs {
        let tool = run["tool"]["driver"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let secret_tool = super::sarif::flavour_of(&tool) == super::sarif::Flavour::SecretScanner;
        let tagged = run["tool"]["driver"]["rules"]
            .as_array()
            .is_some_and(|rules| {
                rules.iter().any(|r| {
                    r["properties"]["tags"].as_array().is_some_and(|t| {
                        t.iter()
                            .any(|x| x.as_str().is_some_and(|s| s.eq_ignore_ascii_case("secret")))
                    })
                })
            });
        if !secret_tool && !tagged {
            continue;
        }
        let Some(results) = run.get_mut("results").and_then(Value::as_array_mut) else {
            continue;
        };
        for result in results {
            let Some(locations) = result.get_mut("locations").and_then(Value::as_array_mut) else {
                continue;
            };
            for loc in locations {
                if let Some(snippet) = loc
                    .pointer_mut("/physicalLocation/region/snippet")
                    .filter(|s| s.is_object())
                {
                    if let Some(text) = snippet
                        .get("text")
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                    {
                        snippet["text"] = Value::String(Redactor::marker(&redactor.redact(&text)));
                    }
                }
            }
        }
    }
}
