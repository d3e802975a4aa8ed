//! SARIF 2.1.0 with scandeck's fingerprint in `partialFingerprints`, so that
//! code-scanning dashboards keep dismissals across rebuilds and renames.

use super::input::ExportInput;
use super::record::Record;
use super::stream::JsonWriter;
use crate::model::Severity;
use crate::sarif::{
    ArtifactRoot, AutomationDetails, Configuration, Help, Level, Location, Log, Region, Rule, Run,
    SarifResult, Suppression, Text,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

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

/// GitHub code scanning's hard limits (docs/exports.md): more results in
/// a run, or more runs in a file, and the upload is rejected.
pub const GITHUB_RESULTS_PER_RUN: usize = 25_000;
pub const GITHUB_RUNS_PER_FILE: usize = 20;

/// The rows of one SARIF run: one subject's findings (a part of them
/// when there are more than a run takes), by position in the export.
pub struct RunRows {
    subject: String,
    part: usize,
    rows: Vec<u32>,
}

/// One run per subject (GitHub's analysis category, `automationDetails.id`),
/// and more for a subject of over 25,000 results, each its own category so
/// that one upload never holds two runs of one category. Only positions
/// are held: each record is made when it is written.
pub fn runs(input: &ExportInput) -> Vec<RunRows> {
    let mut by_subject: BTreeMap<String, Vec<(crate::model::Fingerprint, u32)>> = BTreeMap::new();
    for (i, (f, _)) in input.rows.iter().enumerate() {
        // The record's subject, as `Record` writes it.
        let subject = crate::sanitize::sanitize_line(&f.subject).into_owned();
        by_subject
            .entry(subject)
            .or_default()
            .push((f.fingerprint, i as u32));
    }
    let mut runs = Vec::new();
    for (subject, mut rows) in by_subject {
        // A stable split: the same findings land in the same part next time.
        rows.sort_by_key(|(fp, _)| *fp);
        for (part, chunk) in rows.chunks(GITHUB_RESULTS_PER_RUN).enumerate() {
            runs.push(RunRows {
                subject: subject.clone(),
                part,
                rows: chunk.iter().map(|(_, i)| *i).collect(),
            });
        }
    }
    if runs.is_empty() {
        runs.push(RunRows {
            subject: String::new(),
            part: 0,
            rows: Vec::new(),
        });
    }
    runs
}

/// Every run in one document: what the console writes. `runs(…).chunks(
/// GITHUB_RUNS_PER_FILE)` with `write_document` makes the files GitHub takes.
pub fn write(out: &mut dyn Write, input: &ExportInput) -> io::Result<()> {
    write_document(out, input, &runs(input))
}

/// A SARIF log of `runs`, written a result at a time, byte for byte as
/// the whole log as one `serde_json::Value` (keys in alphabetical order).
pub fn write_document(
    out: &mut dyn Write,
    input: &ExportInput,
    runs: &[RunRows],
) -> io::Result<()> {
    let mut w = JsonWriter::new(out);
    let log = serde_json::to_value(Log::new(Vec::new()))?;
    w.object(log, &mut |w, key, value| match key {
        "runs" => w.array(runs, |w, run| write_run(w, input, run)),
        _ => w.value(value),
    })?;
    w.finish()
}

/// Whether a result of this status carries a suppression.
fn is_suppressed(status: &str) -> bool {
    matches!(status, "suppressed" | "accepted" | "dormant")
}

/// One run: its results as they are made, then the rules they named
/// (`tool` comes after `results` in alphabetical order).
fn write_run(w: &mut JsonWriter, input: &ExportInput, run: &RunRows) -> io::Result<()> {
    // GitHub wants suppressions on every result of a run or on none.
    let any_suppressed = run
        .rows
        .iter()
        .filter_map(|i| input.rows.get(*i as usize))
        .any(|(_, a)| is_suppressed(a.status.as_str()));
    let skeleton = serde_json::to_value(skeleton(input, &run.subject, run.part))?;
    // Each rule by the first row that names it: its text is made again
    // when the rules are written, never held for every rule at once. A
    // result prints no advisory text: its record is made without it.
    let mut rules: BTreeMap<String, (u32, Severity)> = BTreeMap::new();
    w.object(skeleton, &mut |w, key, value| match key {
        "results" => w.array(
            run.rows
                .iter()
                .filter_map(|i| Some((*i, input.brief_record(*i as usize)?))),
            |w, (i, r)| {
                let sev = Severity::from_word(r.severity);
                rules.entry(r.id.clone()).or_insert((i, sev));
                w.value(serde_json::to_value(result_of(&r, sev, any_suppressed))?)
            },
        ),
        "tool" => write_tool(w, input, value, &rules),
        _ => w.value(value),
    })
}

/// The run's `tool`, its driver's rules written one at a time.
fn write_tool(
    w: &mut JsonWriter,
    input: &ExportInput,
    tool: Value,
    rules: &BTreeMap<String, (u32, Severity)>,
) -> io::Result<()> {
    w.object(tool, &mut |w, key, value| match (key, value) {
        ("driver", Value::Object(mut driver)) => {
            // Where the rules go (a driver without rules has no such key).
            if !rules.is_empty() {
                driver.insert("rules".into(), Value::Array(Vec::new()));
            }
            w.object(Value::Object(driver), &mut |w, key, value| match key {
                "rules" => w.array(
                    rules
                        .values()
                        .filter_map(|(row, sev)| Some((input.record(*row as usize)?, *sev))),
                    |w, (r, sev)| w.value(serde_json::to_value(rule_of(&r, sev))?),
                ),
                _ => w.value(value),
            })
        }
        (_, value) => w.value(value),
    })
}

fn category(subject: &str, part: usize) -> String {
    let subject = if subject.is_empty() {
        "workspace"
    } else {
        subject
    };
    if part == 0 {
        format!("scandeck/{subject}/")
    } else {
        format!("scandeck/{subject}/part-{}/", part + 1)
    }
}

/// Where a result points: a workspace file relative to `%SRCROOT%` (the
/// checkout), with the part after `#` (which entry of the file) kept out of
/// the URI; else the manifest, else the image repository.
fn artifact(r: &Record) -> (String, Option<String>) {
    let raw = r.path.clone().unwrap_or_else(|| {
        r.subject
            .split_once(':')
            .map(|(_, name)| name.to_string())
            .filter(|n| !n.is_empty() && n != ".")
            .unwrap_or_else(|| r.target.clone())
    });
    let (file, entry) = match raw.split_once('#') {
        Some((file, entry)) => (file.to_string(), Some(entry.to_string())),
        None => (raw, None),
    };
    let relative = file.trim_start_matches('/').trim_start_matches("./");
    let relative = if relative.is_empty() { "." } else { relative };
    (uri_reference(relative), entry)
}

fn rule_of(r: &Record, sev: Severity) -> Rule {
    let title = r.title.clone().unwrap_or_else(|| r.id.clone());
    let link = r.references.iter().find_map(|u| super::input::safe_link(u));
    let fix = r
        .fixed_version
        .as_deref()
        .map(|f| {
            format!(
                "Upgrade {} to {f}.",
                r.package.as_deref().unwrap_or("the package")
            )
        })
        .unwrap_or_else(|| "No fixed version is known yet; see the advisory.".into());
    let about = r.description.clone().unwrap_or_else(|| title.clone());
    let mut help_md = format!("**{}** ({})\n\n{about}\n\n{fix}", r.id, r.severity);
    if let Some(url) = &link {
        help_md.push_str(&format!("\n\n[Advisory]({url})"));
    }
    Rule {
        id: r.id.clone(),
        name: r.id.clone(),
        short_description: Text::of(title),
        full_description: Text::of(about.clone()),
        help: Help {
            text: format!("{about}\n\n{fix}"),
            markdown: help_md,
        },
        help_uri: link.map(str::to_string),
        default_configuration: Configuration {
            level: Level::of(sev),
        },
        properties: json!({"security-severity": security_severity(sev, r.cvss_score), "tags": ["security", r.kind]}),
    }
}

fn result_of(r: &Record, sev: Severity, any_suppressed: bool) -> SarifResult {
    let suppressed = is_suppressed(r.status);
    let (uri, entry) = artifact(r);
    let region = Region::of(r.line.filter(|l| *l > 0), None);
    let package = match (&r.package, &r.installed_version) {
        (Some(p), Some(v)) => format!(" in {p} {v}"),
        (Some(p), None) => format!(" in {p}"),
        _ => String::new(),
    };
    let at = entry.map(|e| format!(" ({e})")).unwrap_or_default();
    let fix = r
        .fixed_version
        .as_deref()
        .map(|f| format!("; fixed in {f}"))
        .unwrap_or_default();
    let suppressions = any_suppressed.then(|| {
        if suppressed {
            let justification = r
                .decision_reason
                .clone()
                .filter(|reason| !reason.trim().is_empty())
                .unwrap_or_else(|| format!("{} in scandeck", r.status));
            vec![Suppression {
                kind: "external",
                status: "accepted",
                justification,
            }]
        } else {
            Vec::new()
        }
    });
    SarifResult {
        rule_id: r.id.clone(),
        level: Level::of(sev),
        message: Text::of(format!(
            "{}{package} on {}{at}{fix} ({})",
            r.id, r.target, r.status
        )),
        locations: vec![Location::at(uri, Some("%SRCROOT%"), region)],
        partial_fingerprints: BTreeMap::from([(
            "scandeckFingerprint/v2".to_string(),
            r.fingerprint.clone(),
        )]),
        properties: Some(
            json!({"severity": r.severity, "status": r.status, "source": r.source, "target": r.target}),
        ),
        suppressions,
    }
}

/// A run without its results and rules, which are written as they are made.
fn skeleton(input: &ExportInput, subject: &str, part: usize) -> Run {
    let mut run = Run::of_scandeck("scandeck", Vec::new(), Vec::new());
    run.automation_details = Some(AutomationDetails {
        id: category(subject, part),
    });
    run.original_uri_base_ids.insert(
        "%SRCROOT%".into(),
        ArtifactRoot {
            description: Text::of("the root of the scanned workspace (the repository checkout)"),
        },
    );
    run.properties =
        Some(json!({"header": serde_json::to_value(&input.header).unwrap_or(Value::Null)}));
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Finding, Fingerprint, Kind, SourceInfo};
    use crate::triage::{Assessment, Status};
    use std::sync::Arc;

    fn findings(subjects: usize, per_subject: usize) -> Vec<Finding> {
        let source = Arc::new(SourceInfo {
            scanner: "trivy".into(),
            ..SourceInfo::default()
        });
        let target: Arc<str> = Arc::from("t");
        let mut out = Vec::new();
        for s in 0..subjects {
            let subject: Arc<str> = Arc::from(format!("image:acme/svc-{s}").as_str());
            for n in 0..per_subject {
                let mut f = crate::ingest::blank_finding(
                    Kind::Vulnerability,
                    format!("CVE-2026-{n}"),
                    &source,
                    &target,
                );
                f.subject = Arc::clone(&subject);
                let mut fp = [0u8; 16];
                fp[..8].copy_from_slice(&(s as u64).to_be_bytes());
                fp[8..].copy_from_slice(&(n as u64).to_be_bytes());
                f.fingerprint = Fingerprint(fp);
                out.push(f);
            }
        }
        out
    }

    fn split(subjects: usize, per_subject: usize) -> Vec<Value> {
        let all = findings(subjects, per_subject);
        let open = Assessment {
            status: Status::Open,
            first_seen: None,
            sla_due: None,
            decision: None,
        };
        let rows = all.iter().map(|f| (f, &open)).collect();
        let decisions = crate::store::decisions::DecisionFile::default();
        let input = ExportInput::new(rows, &decisions, "ws", "", crate::clock::now());
        runs(&input)
            .chunks(GITHUB_RUNS_PER_FILE)
            .map(|runs| {
                let mut bytes = Vec::new();
                write_document(&mut bytes, &input, runs).unwrap();
                serde_json::from_slice(&bytes).unwrap()
            })
            .collect()
    }

    /// GitHub rejects a run of over 25,000 results, a file of over 20 runs,
    /// and two runs of one category in an upload.
    fn within_github_limits(docs: &[Value]) {
        for doc in docs {
            let runs = doc["runs"].as_array().unwrap();
            assert!(runs.len() <= GITHUB_RUNS_PER_FILE);
            let mut categories = std::collections::HashSet::new();
            for run in runs {
                assert!(run["results"].as_array().unwrap().len() <= GITHUB_RESULTS_PER_RUN);
                assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() <= 25_000);
                assert!(
                    categories.insert(run["automationDetails"]["id"].as_str().unwrap().to_string())
                );
            }
        }
    }

    #[test]
    fn a_subject_of_more_results_than_a_run_takes_is_split_into_categories() {
        let docs = split(1, GITHUB_RESULTS_PER_RUN + 1);
        within_github_limits(&docs);
        assert_eq!(docs.len(), 1);
        let runs = docs[0]["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            runs[0]["automationDetails"]["id"],
            "scandeck/image:acme/svc-0/"
        );
        assert_eq!(
            runs[1]["automationDetails"]["id"],
            "scandeck/image:acme/svc-0/part-2/"
        );
        assert_eq!(runs[1]["results"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn more_subjects_than_a_file_takes_go_to_more_files() {
        let docs = split(GITHUB_RUNS_PER_FILE + 1, 2);
        within_github_limits(&docs);
        assert_eq!(docs.len(), 2);
        let results: usize = docs
            .iter()
            .flat_map(|d| d["runs"].as_array().unwrap())
            .map(|r| r["results"].as_array().unwrap().len())
            .sum();
        assert_eq!(results, (GITHUB_RUNS_PER_FILE + 1) * 2);
    }
}
