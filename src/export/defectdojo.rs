//! DefectDojo's "Generic Findings Import" JSON (`dojo/tools/generic/
//! json_parser.py`): only the keys that parser allows, decisions mapped to
//! DefectDojo's finding states, the fingerprint as `unique_id_from_tool` so
//! that re-imports deduplicate. The key list is in docs/exports.md.

use super::input::ExportInput;
use crate::triage::{Disposition, Status};
use serde_json::{json, Map, Value};

/// DefectDojo's severities (it refuses others).
fn severity(s: crate::model::Severity) -> &'static str {
    use crate::model::Severity::*;
    match s {
        Critical => "Critical",
        High => "High",
        Medium => "Medium",
        Low => "Low",
        Info | Unknown => "Info",
    }
}

pub fn render(input: &ExportInput) -> Value {
    let findings: Vec<Value> = input
        .rows
        .iter()
        .map(|(f, a)| {
            let r = super::record::Record::at(f, a, input.now);
            let decision = a
                .decision
                .as_ref()
                .and_then(|k| input.decisions.decisions.get(k));
            let mut item = Map::new();
            let mut put = |key: &str, value: Value| {
                if !value.is_null() {
                    item.insert(key.to_string(), value);
                }
            };
            let title = match (&r.title, &r.package) {
                (Some(t), _) => format!("{}: {t}", r.id),
                (None, Some(p)) => format!("{} in {p}", r.id),
                (None, None) => r.id.clone(),
            };
            put("title", json!(title));
            put("severity", json!(severity(f.severity)));
            put(
                "description",
                json!(r
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("{} on {}", r.id, r.target))),
            );
            put(
                "date",
                json!(r
                    .first_seen
                    .as_deref()
                    .and_then(|t| t.get(..10))
                    .unwrap_or_else(|| input.header.generated_at.get(..10).unwrap_or(""))),
            );
            let ids: Vec<&String> = std::iter::once(&r.id).chain(&r.aliases).collect();
            if let Some(cve) = ids.iter().find(|i| i.starts_with("CVE-")) {
                put("cve", json!(cve));
            }
            put("vulnerability_ids", json!(ids));
            if let Some(cwe) = r
                .cwes
                .first()
                .and_then(|c| c.trim_start_matches("CWE-").parse::<u32>().ok())
            {
                put("cwe", json!(cwe));
            }
            if let Some(score) = r.cvss_score {
                put("cvssv3_score", json!(score));
            }
            if let Some(vector) = r.cvss_vector.as_deref().filter(|v| v.starts_with("CVSS:3")) {
                put("cvssv3", json!(vector));
            }
            if !r.references.is_empty() {
                put("references", json!(r.references.join("\n")));
            }
            if let Some(fix) = &r.fixed_version {
                put("mitigation", json!(format!("Upgrade to {fix}.")));
                put("fix_available", json!(true));
                put("fix_version", json!(fix));
            }
            put("component_name", json!(r.package));
            put("component_version", json!(r.installed_version));
            put("file_path", json!(r.path));
            put("line", json!(r.line));
            put("unique_id_from_tool", json!(r.fingerprint));
            put("vuln_id_from_tool", json!(r.id));
            put(
                "static_finding",
                json!(matches!(
                    f.kind,
                    crate::model::Kind::Secret
                        | crate::model::Kind::Posture
                        | crate::model::Kind::Misconfiguration
                )),
            );
            put("dynamic_finding", json!(false));
            put("service", json!(r.subject));
            // Decisions become DefectDojo's finding states.
            let disposition = decision.map(|d| d.disposition);
            let false_p = disposition == Some(Disposition::FalsePositive);
            let out_of_scope = disposition == Some(Disposition::NotAffected);
            let accepted = disposition == Some(Disposition::Accepted);
            let mitigated = matches!(a.status, Status::Fixed | Status::FixPending)
                || disposition == Some(Disposition::Fixed);
            put("false_p", json!(false_p));
            put("out_of_scope", json!(out_of_scope));
            put("risk_accepted", json!(accepted));
            put("is_mitigated", json!(mitigated));
            if mitigated {
                if let Some(d) = decision {
                    put("mitigated", json!(d.decided_at));
                }
            }
            put("under_review", json!(a.status == Status::Snoozed));
            put(
                "active",
                json!(!(false_p || out_of_scope || accepted || mitigated)),
            );
            put("verified", json!(false));
            Value::Object(item)
        })
        .collect();
    json!({
        "name": "scandeck",
        "type": "scandeck",
        "version": input.header.tool,
        "description": format!("{}: {}", input.header.workspace, input.header.filter),
        "findings": findings,
    })
}
