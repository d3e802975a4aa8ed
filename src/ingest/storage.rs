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
                replace_unless_redacted(leak, "Secret", redactor);
                blank(leak, &["Match", "Line"]);
            }),
            Format::GitleaksV7 => each(value, |leak| {
                replace_unless_redacted(leak, "offender", redactor);
                blank(leak, &["line"]);
            }),
            Format::TrufflehogV3 => each(value, |hit| {
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
                                replace_secret(s, "Match", redactor, true);
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
