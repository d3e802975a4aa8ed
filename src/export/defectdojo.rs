//! DefectDojo's "Generic Findings Import" JSON (`dojo/tools/generic/
//! json_parser.py`): only the keys that parser allows, decisions mapped to
//! DefectDojo's finding states, the fingerprint as `unique_id_from_tool` so
//! that re-imports deduplicate. The key list is in docs/exports.md.
//!
//! The same findings as the Generic Findings Import CSV
//! (`dojo/tools/generic/csv_parser.py`): its columns, written so that parser
//! reads every row (see `write_csv`).

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
    let findings: Vec<Value> = input.rows.iter().map(|(f, a)| item(input, f, a)).collect();
    let mut doc = head(input);
    doc["findings"] = Value::Array(findings);
    doc
}

/// The document without its findings.
fn head(input: &ExportInput) -> Value {
    json!({
        "name": "scandeck",
        "type": "scandeck",
        "version": input.header.tool,
        "description": format!("{}: {}", input.header.workspace, input.header.filter),
    })
}

/// `render`, written a finding at a time (keys in alphabetical order, as
/// one `serde_json::Value` has them): the same bytes, never held whole.
pub fn write_json(out: &mut dyn std::io::Write, input: &ExportInput) -> std::io::Result<()> {
    let mut doc = head(input);
    doc["findings"] = Value::Array(Vec::new());
    let mut w = super::stream::JsonWriter::new(out);
    w.object(doc, &mut |w, key, value| match key {
        "findings" => w.array(&input.rows, |w, (f, a)| w.value(item(input, f, a))),
        _ => w.value(value),
    })?;
    w.finish()
}

/// One finding as the Generic Findings Import reads it.
fn item(input: &ExportInput, f: &crate::model::Finding, a: &crate::triage::Assessment) -> Value {
    let r = input.record_of(f, a);
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
}

/// The CSV columns written, in order. Left out on purpose: `CweId` (the
/// parser reads it with `int()`, so an empty cell fails the whole file; the
/// CWE goes in `CweIds`), `MitigatedDate` (parsed on every row when the
/// column exists), and columns for accepted or out-of-scope states, which
/// the CSV cannot express (such findings are written inactive).
pub const CSV_COLUMNS: [&str; 16] = [
    "Date",
    "Title",
    "Severity",
    "Description",
    "Mitigation",
    "References",
    "CVE",
    "Vulnerability Id",
    "CweIds",
    "CVSSV3",
    "fix_available",
    "fix_version",
    "Active",
    "Verified",
    "FalsePositive",
    "IsMitigated",
];

/// The Generic Findings Import CSV of the rows: one row per finding, each
/// with a title and description no other row has (the parser merges rows
/// whose severity, title and description agree), booleans as `True`/`False`
/// (it reads the first letter), and `fix_available` empty when false (it
/// reads any text as true).
pub fn write_csv(out: &mut dyn std::io::Write, input: &ExportInput) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    let text = |item: &Value, key: &str| -> String {
        match item.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let flag = |item: &Value, key: &str| {
        if item.get(key).and_then(Value::as_bool).unwrap_or(false) {
            "True".to_string()
        } else {
            "False".to_string()
        }
    };
    for (f, a) in &input.rows {
        let item = &item(input, f, a);
        let where_ = [text(item, "component_name"), text(item, "file_path")]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(|s| format!(" in {s}"))
            .unwrap_or_default();
        let title = format!(
            "{}{where_} ({})",
            text(item, "title"),
            text(item, "service")
        );
        let description = format!(
            "{}\n\nscandeck fingerprint: {}",
            text(item, "description"),
            text(item, "unique_id_from_tool")
        );
        let cve = text(item, "cve");
        let id = text(item, "vuln_id_from_tool");
        let other_id = if id == cve { String::new() } else { id };
        let cwe = text(item, "cwe");
        let row = [
            text(item, "date"),
            title,
            text(item, "severity"),
            description,
            text(item, "mitigation"),
            text(item, "references"),
            cve,
            other_id,
            if cwe.is_empty() {
                cwe
            } else {
                format!("CWE-{cwe}")
            },
            text(item, "cvssv3"),
            if item
                .get("fix_available")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                "True".to_string()
            } else {
                String::new()
            },
            text(item, "fix_version"),
            flag(item, "active"),
            flag(item, "verified"),
            flag(item, "false_p"),
            flag(item, "is_mitigated"),
        ];
        w.write_record(row.iter().map(|c| super::csv::neutralise(c)))?;
    }
    w.flush()
}
