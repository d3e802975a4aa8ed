//! One query language: the console's query line and every command's
//! `--query` and flags give the same rows, and `image:NAME` means that image
//! (its repository or its last path segments), never every target whose
//! name contains the text.

use crate::common;

use common::{trivy, Vuln, Ws};
use serde_json::Value;

fn fingerprints(rows: &[Value]) -> Vec<String> {
    let mut fps: Vec<String> = rows
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap().to_string())
        .collect();
    fps.sort();
    fps
}

/// Two images whose names share "backend", and a project secret in a
/// `backend/` folder.
fn workspace() -> Ws {
    let ws = Ws::new();
    let api: Vec<Vuln> = vec![
        (
            "CVE-2026-1",
            &[],
            "openssl",
            "3.0.1",
            "CRITICAL",
            Some("3.0.9"),
        ),
        ("CVE-2026-2", &[], "zlib1g", "1.2.13", "HIGH", None),
        ("CVE-2026-3", &[], "libxml2", "2.9", "MEDIUM", Some("2.10")),
    ];
    let worker: Vec<Vuln> = vec![("CVE-2026-4", &[], "curl", "8.2", "CRITICAL", Some("8.4"))];
    ws.import(0, trivy("finance-tracker/backend", "1.4", "aa", &api));
    ws.import(
        0,
        trivy("finance-tracker/backend-worker", "1.4", "bb", &worker),
    );
    std::fs::create_dir_all(ws.dir.join("backend")).unwrap();
    let leaks = serde_json::json!([{"Description": "AWS key", "StartLine": 3, "EndLine": 3, "StartColumn": 1, "EndColumn": 20,
        "Match": "AKIAIOSFODNN7EXAMPLE", "Secret": "AKIAIOSFODNN7EXAMPLE", "File": "backend/config.py", "RuleID": "aws-access-token",
        "Entropy": 3.5, "Fingerprint": "backend/config.py:aws-access-token:3"}]);
    let path = ws.dir.join("gitleaks.json");
    std::fs::write(&path, leaks.to_string()).unwrap();
    ws.ok(0, &["import", path.to_str().unwrap()]);
    ws
}

#[test]
fn image_names_an_image_not_every_target_containing_the_text() {
    let ws = workspace();
    assert_eq!(ws.list(1, &[]).len(), 5);
    for (flags, expected) in [
        (vec!["--image", "backend"], 3),
        (vec!["--image", "finance-tracker/backend"], 3),
        (vec!["--image", "finance-tracker/backend:1.4"], 3),
        (vec!["--image", "backend-worker"], 1),
        (vec!["--query", "image:backend"], 3),
        (vec!["--query", "!image:backend"], 2),
        (vec!["--query", "target:backend"], 5),
    ] {
        let rows = ws.list(1, &flags);
        assert_eq!(rows.len(), expected, "{flags:?}: {rows:#?}");
        if flags[1].contains("image:backend") && !flags[1].starts_with('!')
            || flags == ["--image", "backend"]
        {
            assert!(
                rows.iter()
                    .all(|r| r["subject"] == "image:finance-tracker/backend"),
                "{flags:?}"
            );
        }
    }
    // "The backend image" export holds that image's findings only: no secret
    // from the repository, nothing from the worker image.
    let out = ws.dir.join("backend.json");
    ws.ok(
        1,
        &[
            "export",
            "--format",
            "json",
            "--image",
            "backend",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    assert!(findings
        .iter()
        .all(|f| f["kind"] == "vulnerability" && f["subject"] == "image:finance-tracker/backend"));
}

#[test]
fn a_command_and_the_console_keep_the_same_rows_for_the_same_query() {
    use scandeck::query::{language, SortKey};
    let ws = workspace();
    ws.ok(
        1,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-2",
            "--until",
            "30d",
            "--reason",
            "next base image",
        ],
    );
    let all = ws.list(2, &[]);
    // The console's search over the same findings and statuses.
    let paths = scandeck::config::Paths {
        config_dir: ws.home.path().join("config"),
        data_dir: ws.home.path().join("data"),
    };
    let redactor = scandeck::commands::redactor(&paths, &ws.dir, false).unwrap();
    let current = scandeck::store::Workspace::at(&ws.dir)
        .current_findings(&redactor)
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-03T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let data = scandeck::tui::data::Data::build(current, now);
    for q in [
        "sev:critical",
        "sev:>=high",
        "sev:critical,medium",
        "status:snoozed",
        "!status:snoozed sev:>=high",
        "kind:secret",
        "kind:vuln,secret",
        "image:backend fix:yes",
        "src:trivy openssl",
        "CVE-2026-1",
        "curl",
        "!zlib",
    ] {
        let cli = fingerprints(&ws.list(2, &["--query", q]));
        let query = language::parse(q).unwrap();
        let order = data.index.order(SortKey::Severity, false);
        let latest = std::sync::atomic::AtomicU64::new(1);
        let rows = data
            .index
            .search(&query, &data.facts, &order, None, 1, &latest)
            .unwrap();
        let mut console: Vec<String> = rows
            .iter()
            .map(|i| data.findings[*i as usize].fingerprint.to_string())
            .collect();
        console.sort();
        assert_eq!(cli, console, "{q}: the command and the console disagree");
        assert!(cli.len() <= all.len());
    }
    // The case: `sev:critical` is not zero rows on the command line.
    assert_eq!(ws.list(2, &["--query", "sev:critical"]).len(), 2);
    // Flags are the same terms.
    assert_eq!(
        fingerprints(&ws.list(2, &["--severity", "critical", "--kind", "vuln"])),
        fingerprints(&ws.list(2, &["--query", "sev:critical kind:vuln"]))
    );
    let bad = ws.run_at(2, &["list", "--query", "sev:urgent"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("sev:urgent"));
}
