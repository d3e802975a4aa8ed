//! SARIF 2.1.0 with scandeck's fingerprint in `partialFingerprints`, so that
//! code-scanning dashboards keep dismissals across rebuilds and renames.

use super::input::ExportInput;
use crate::model::Severity;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
        Severity::Info | Severity::Unknown => "none",
    }
}

/// GitHub's numeric `security-severity` for a level.
fn security_severity(s: Severity, cvss: Option<f64>) -> String {
    let score = cvss.unwrap_or(match s {
        Severity::Critical => 9.5,
        Severity::High => 7.5,
        Severity::Medium => 5.0,
        Severity::Low => 2.0,
        _ => 0.0,
    });
    format!("{score:.1}")
}

/// A path as a valid URI reference: characters outside RFC 3986's set are percent-encoded.
/// A `:` is kept only in a `file://` URI; elsewhere it would read as a scheme.
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let is_file_uri = path.starts_with("file://");
    for b in path.replace('\\', "/").bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/@!$&'()*+,;=".contains(&b)
            || (b == b':' && is_file_uri);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn render(input: &ExportInput) -> Value {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for r in input.records() {
        let sev = Severity::from_word(r.severity);
        rules.entry(r.id.clone()).or_insert_with(|| {
            let mut rule = json!({
                "id": r.id,
                "shortDescription": {"text": r.title.clone().unwrap_or_else(|| r.id.clone())},
                "defaultConfiguration": {"level": level(sev)},
                "properties": {"security-severity": security_severity(sev, r.cvss_score), "tags": ["security", r.kind]},
            });
            if let Some(d) = &r.description {
                rule["fullDescription"] = json!({"text": d});
            }
            if let Some(url) = r.references.iter().find_map(|u| super::input::safe_link(u)) {
                rule["helpUri"] = json!(url);
            }
            rule
        });
        let uri = uri_reference(r.path.as_deref().unwrap_or(&r.target));
        let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": uri}}});
        if let Some(line) = r.line.filter(|l| *l > 0) {
            location["physicalLocation"]["region"] = json!({"startLine": line});
        }
        let package = match (&r.package, &r.installed_version) {
            (Some(p), Some(v)) => format!(" in {p} {v}"),
            (Some(p), None) => format!(" in {p}"),
            _ => String::new(),
        };
        let fix = r
            .fixed_version
            .as_deref()
            .map(|f| format!("; fixed in {f}"))
            .unwrap_or_default();
        let mut result = json!({
            "ruleId": r.id,
            "level": level(sev),
            "message": {"text": format!("{}{package} on {}{fix} ({})", r.id, r.target, r.status)},
            "locations": [location],
            "partialFingerprints": {"scandeckFingerprint/v2": r.fingerprint},
            "properties": {"severity": r.severity, "status": r.status, "source": r.source, "target": r.target},
        });
        if matches!(r.status, "suppressed" | "accepted" | "dormant") {
            result["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": r.decision.clone().unwrap_or_default()}]);
        }
        results.push(result);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "scandeck", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://example.invalid/scandeck", "rules": rules.into_values().collect::<Vec<_>>()}},
            "results": results,
            "properties": {"header": serde_json::to_value(&input.header).unwrap_or(Value::Null)},
        }],
    })
}
