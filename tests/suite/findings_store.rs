//! The findings store (`.scandeck/scans/findings.sqlite`, docs/store.md):
//! readers never parse the report copies; a store that is damaged, from
//! another parser, from a newer scandeck or half-written by a killed import
//! is detected and rebuilt (or refused) without losing a decision; imports
//! and decisions on one workspace at once lose nothing.

use crate::common;

use common::{trivy, without_faketime, Vuln, Ws};
use rusqlite::Connection;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn store_path(ws: &Ws) -> PathBuf {
    ws.dir.join(".scandeck/scans/findings.sqlite")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A workspace with two images and a decision.
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
        (
            "CVE-2026-3",
            &["GHSA-aaaa-bbbb-cccc"],
            "libxml2",
            "2.9",
            "MEDIUM",
            Some("2.10"),
        ),
    ];
    let web: Vec<Vuln> = vec![("CVE-2026-4", &[], "curl", "8.2", "LOW", Some("8.4"))];
    ws.import(0, trivy("acme/api", "1.0", "aa", &api));
    ws.import(0, trivy("acme/web", "2.0", "bb", &web));
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
            "base image next week",
        ],
    );
    ws
}

fn report_copies(ws: &Ws) -> Vec<PathBuf> {
    std::fs::read_dir(ws.dir.join(".scandeck/scans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "report"))
        .collect()
}

fn set_meta(ws: &Ws, key: &str, value: &str) {
    let conn = Connection::open(store_path(ws)).unwrap();
    conn.execute("UPDATE meta SET value = ?1 WHERE key = ?2", [value, key])
        .unwrap();
}

fn meta(ws: &Ws, key: &str) -> String {
    let conn = Connection::open(store_path(ws)).unwrap();
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .unwrap()
}

#[test]
fn readers_never_parse_the_report_copies() {
    let ws = workspace();
    let before = ws.list(2, &[]);
    assert_eq!(before.len(), 4);
    let copies = report_copies(&ws);
    assert_eq!(copies.len(), 2);
    for copy in &copies {
        std::fs::write(copy, b"not a report any more").unwrap();
    }
    // Every reader: list, export, gate, checklist, a decision.
    let out = ws.run_at(2, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no reader should touch the report copies");
    let after: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(before, after);
    let export = ws.run_at(2, &["export", "--format", "csv", "-o", "-"]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert_eq!(String::from_utf8_lossy(&export.stdout).lines().count(), 5);
    let gate = ws.run_at(2, &["gate"]);
    assert!(!stderr(&gate).contains("unreadable"), "{}", stderr(&gate));
    assert!(String::from_utf8_lossy(&gate.stdout).contains("critical"));
    let checklist = ws.run_at(2, &["checklist"]);
    assert!(checklist.status.success(), "{}", stderr(&checklist));
    assert!(!stderr(&checklist).contains("unreadable"));
    let fp = before[0]["fingerprint"].as_str().unwrap().to_string();
    ws.ok(
        2,
        &[
            "triage",
            "note",
            "--fingerprint",
            &fp,
            "--text",
            "read from the store",
        ],
    );
}

/// Report copies are compressed with a checksum (docs/store.md, "Report
/// copies"): a copy damaged on disk is found and named when the store is
/// rebuilt, never read as other findings, and the store is rebuilt from the
/// copies that are intact.
#[test]
fn a_damaged_copy_is_named_and_the_store_rebuilds_from_the_intact_ones() {
    let ws = workspace();
    let before = ws.list(2, &[]);
    let copies = report_copies(&ws);
    assert_eq!(copies.len(), 2);
    for copy in &copies {
        assert!(scandeck::store::copy::is_compressed(copy).unwrap());
    }
    let damaged = &copies[0];
    let mut bytes = std::fs::read(damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x04;
    std::fs::write(damaged, &bytes).unwrap();
    std::fs::write(store_path(&ws), b"this is no database, just damage").unwrap();
    let out = ws.run_at(2, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let name = damaged.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        err.contains(&name)
            && err.contains("is damaged")
            && err.contains("import the report again"),
        "{err}"
    );
    let after: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!after.is_empty() && after.len() < before.len(), "{after:?}");
    assert!(after.iter().all(|row| before.contains(row)), "{after:?}");
}

#[test]
fn a_damaged_store_is_set_aside_and_rebuilt_from_the_report_copies() {
    let ws = workspace();
    let before = ws.list(2, &[]);
    std::fs::write(store_path(&ws), b"this is no database, just damage").unwrap();
    let out = ws.run_at(2, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("findings.sqlite was unreadable")
            && err.contains("rebuilt from the stored reports"),
        "{err}"
    );
    let after: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(before, after, "same findings, same decisions");
    let kept: Vec<_> = std::fs::read_dir(ws.dir.join(".scandeck/scans"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("findings.sqlite.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "the damaged file is kept for inspection");
    // The next reader finds a healthy store and says nothing.
    let again = ws.run_at(2, &["list", "--format", "json"]);
    assert_eq!(stderr(&again), "");
}

#[test]
fn a_store_damaged_inside_is_rebuilt_too() {
    let ws = workspace();
    let before = ws.list(2, &[]);
    // Keep the header (so it opens as a database) and wreck the pages after it.
    let path = store_path(&ws);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "a store of {} bytes", bytes.len());
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let out = ws.run_at(2, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("was unreadable"), "{}", stderr(&out));
    let after: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_store_from_a_newer_scandeck_is_refused_and_left_alone() {
    let ws = workspace();
    let decisions = std::fs::read(ws.dir.join(".scandeck/decisions.json")).unwrap();
    set_meta(&ws, "schema_version", "999");
    for args in [
        &["list"][..],
        &["gate"][..],
        &["triage", "note", "--id", "CVE-2026-1", "--text", "x"][..],
    ] {
        let out = ws.run_at(2, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.contains("findings.sqlite") && err.contains("newer scandeck"),
            "{err}"
        );
    }
    assert_eq!(meta(&ws, "schema_version"), "999", "never written");
    let report = ws.dir.join("later.json");
    std::fs::write(&report, trivy("acme/api", "1.1", "cc", &[]).to_string()).unwrap();
    let out = ws.run_at(3, &["import", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(ws.dir.join(".scandeck/decisions.json")).unwrap(),
        decisions,
        "decisions untouched"
    );
}

#[test]
fn a_store_from_another_parser_version_or_key_is_rebuilt() {
    let ws = workspace();
    let before = ws.list(2, &[]);
    set_meta(&ws, "parser_version", "0");
    let out = ws.run_at(2, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("parser version 0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap(),
        before
    );
    assert_ne!(meta(&ws, "parser_version"), "0");
    set_meta(&ws, "key_id", "0000000000000000");
    let out = ws.run_at(2, &["list", "--format", "json"]);
    assert!(
        stderr(&out).contains("another secret-hash key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap(),
        before
    );
}

#[test]
fn rebuild_makes_the_store_again_and_keeps_decisions() {
    let ws = workspace();
    let before = ws.list(2, &[]);
    let decisions = std::fs::read(ws.dir.join(".scandeck/decisions.json")).unwrap();
    let out = ws.ok(2, &["rebuild"]);
    assert!(out.contains("4 finding(s) stored"), "{out}");
    assert_eq!(ws.list(2, &[]), before);
    assert_eq!(
        std::fs::read(ws.dir.join(".scandeck/decisions.json")).unwrap(),
        decisions
    );
    let none = Ws::new();
    let out = none.run_at(0, &["rebuild"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no scandeck workspace"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_replaced_scan_leaves_the_store() {
    let ws = workspace();
    let conn_count = |ws: &Ws| -> i64 {
        Connection::open(store_path(ws))
            .unwrap()
            .query_row("SELECT count(*) FROM findings", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(conn_count(&ws), 4);
    let newer: Vec<Vuln> = vec![(
        "CVE-2026-1",
        &[],
        "openssl",
        "3.0.1",
        "CRITICAL",
        Some("3.0.9"),
    )];
    ws.import(3, trivy("acme/api", "1.1", "cc", &newer));
    assert_eq!(conn_count(&ws), 2, "the older acme/api run's rows are gone");
    assert_eq!(
        ws.list(3, &[]).len(),
        2 + 2,
        "plus the two findings gone from acme/api, listed from their labels"
    );
}

/// Advisory text is stored once per text, shared by every run that names
/// it (docs/store.md, schema 5), and leaves with the last run that names it
/// (found without an index by advisory, schema 6).
#[test]
fn an_advisory_named_by_many_runs_is_stored_once() {
    let ws = Ws::new();
    for i in 0..4 {
        ws.import(0, big_report(&format!("acme/svc-{i}"), 60));
    }
    let counts = |ws: &Ws| -> (i64, i64) {
        let conn = Connection::open(store_path(ws)).unwrap();
        let count = |table: &str| -> i64 {
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        (count("advisories"), count("run_advisories"))
    };
    assert_eq!(counts(&ws), (60, 240));
    let listed = ws.list(1, &[]);
    assert_eq!(listed.len(), 240);
    // Other texts for svc-0 alone: stored beside, then gone with its run.
    ws.import(1, big_report_with("acme/svc-0", 70, 401));
    assert_eq!(counts(&ws), (130, 250));
    ws.import(2, big_report("acme/svc-0", 60));
    assert_eq!(counts(&ws), (60, 240));
    // The ten findings svc-0 reported only in between stay listed as
    // resolved; every other finding reads back with its text.
    let again = ws.list(3, &[]);
    let fields = |rows: &[Value]| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = rows
            .iter()
            .filter(|r| {
                !r["title"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("no longer reported")
            })
            .map(|r| (r["fingerprint"].to_string(), r["title"].to_string()))
            .collect();
        out.sort();
        out
    };
    let (again, listed) = (fields(&again), fields(&listed));
    assert_eq!(again.len(), 240);
    assert!(again == listed, "the same findings and texts");
    // A rebuild makes the tables again, but never hands out an advisory id
    // twice: a reader in another process may keep what it decoded under one.
    let ids = |ws: &Ws| -> (i64, i64) {
        Connection::open(store_path(ws))
            .unwrap()
            .query_row(
                "SELECT min(advisory_id), max(advisory_id) FROM advisories",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let (_, before) = ids(&ws);
    ws.ok(3, &["rebuild"]);
    let (after, _) = ids(&ws);
    assert!(
        after > before,
        "ids {after}.. after a rebuild, up to {before} before"
    );
    assert_eq!(counts(&ws), (60, 240));
}

/// A Trivy report of `n` findings for one image.
fn big_report(repo: &str, n: usize) -> Value {
    big_report_with(repo, n, 400)
}

/// A Trivy report's text as Trivy writes it: `SchemaVersion` first (serde
/// sorts keys), which is what lets a big report be read as it is parsed.
fn trivy_text(report: &Value) -> String {
    let mut rest = report.as_object().unwrap().clone();
    let version = rest.remove("SchemaVersion").unwrap();
    let rest = serde_json::to_string(&rest).unwrap();
    format!("{{\"SchemaVersion\":{version},{}", &rest[1..])
}

/// `n` vulnerabilities whose descriptions are `description` bytes long.
fn big_report_with(repo: &str, n: usize, description: usize) -> Value {
    let vulns: Vec<Value> = (0..n)
        .map(|i| {
            let severity = ["CRITICAL", "HIGH", "MEDIUM", "LOW"][i % 4];
            serde_json::json!({"VulnerabilityID": format!("CVE-2025-{i}"), "PkgName": format!("pkg{}", i % 500),
                "InstalledVersion": "1.0", "Severity": severity,
                "Title": format!("issue {i} with a title long enough to be realistic"),
                "Description": "x".repeat(description)})
        })
        .collect();
    serde_json::json!({"SchemaVersion": 2, "ArtifactName": format!("{repo}:1"), "ArtifactType": "container_image",
        "Results": [{"Target": format!("{repo}:1 (debian 12.4)"), "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": vulns}]})
}

#[test]
fn an_import_killed_at_any_point_leaves_a_readable_workspace() {
    let ws = Ws::new();
    ws.import(0, big_report("acme/big", 3000));
    let fp = ws.list(1, &[])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    ws.ok(
        1,
        &[
            "triage",
            "note",
            "--fingerprint",
            &fp,
            "--text",
            "before the kills",
        ],
    );
    // Over 16 MiB: read as it is parsed (`ingest::stream`), so kills also
    // land while the copy is half-written.
    let next = ws.dir.join("next.json");
    let next_report = trivy_text(&big_report_with("acme/big", 6000, 3000));
    assert!(next_report.len() as u64 >= scandeck::ingest::stream::STREAM_FROM_BYTES);
    std::fs::write(&next, next_report).unwrap();
    // Kill points spread over a whole import, whose length is measured once.
    let probe = ws.dir.join("probe.json");
    std::fs::write(
        &probe,
        trivy_text(&big_report_with("acme/probe", 6000, 3000)),
    )
    .unwrap();
    let started = Instant::now();
    ws.ok(1, &["import", probe.to_str().unwrap()]);
    let whole = started.elapsed().max(Duration::from_millis(50));
    let (mut killed, mut finished) = (0, 0);
    for step in 0..12u32 {
        let mut cmd = common::scandeck(ws.home.path());
        cmd.arg("--workspace")
            .arg(&ws.dir)
            .args(["import", next.to_str().unwrap()])
            .env("SCANDECK_NOW", "2026-03-03T10:00:00Z")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        without_faketime(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(whole * step / 12);
        let _ = child.kill();
        if child.wait().unwrap().success() {
            finished += 1;
        } else {
            killed += 1;
        }
        // Whatever the kill hit, every reader sees a whole scan: the old or the new.
        let out = ws.run_at(2, &["list", "--format", "json", "--image", "acme/big"]);
        assert!(out.status.success(), "after kill {step}: {}", stderr(&out));
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            rows.len() == 3000 || rows.len() == 6000,
            "after kill {step}: {} rows",
            rows.len()
        );
        assert!(!stderr(&out).contains("unreadable"), "{}", stderr(&out));
    }
    eprintln!("import kills: {killed} killed, {finished} finished");
    assert!(killed > 0, "no import was killed mid-way");
    let reasons = ws.decisions()["audit"].to_string();
    assert!(
        reasons.contains("before the kills"),
        "the decision survived"
    );
    ws.ok(3, &["import", next.to_str().unwrap()]);
    assert_eq!(ws.list(3, &["--image", "acme/big"]).len(), 6000);
    // Copies are written in `scans/incoming/` before they take their name.
    let scans: Vec<String> = common::files_under(&ws.dir.join(".scandeck/scans"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        scans.iter().all(|n| !n.contains(".tmp-")),
        "a killed import's copy is gone after the next import: {scans:?}"
    );
}

/// The console's first screen reads only the rows it shows, cut where the
/// runs' own counts say, and they are the most severe of a full load: every
/// finding above the cut's severity, and of that severity the first in run
/// and report order.
#[test]
fn the_first_screen_reads_the_most_severe_by_counts_and_agrees_with_a_full_load() {
    let ws = Ws::new();
    for (i, n) in [(0, 40), (1, 120), (2, 60), (3, 8)] {
        ws.import(0, big_report(&format!("acme/top-{i}"), n));
    }
    let workspace = scandeck::store::Workspace::at(&ws.dir);
    let redactor = common::redactor_of(&ws);
    let full = workspace.current_findings(&redactor).unwrap();
    let key = |f: &scandeck::model::Finding| (f.fingerprint, f.severity);
    for n in [1, 30, 57, 58, 100, 227, 228, 500] {
        let top = workspace
            .current_findings_with(&redactor, &scandeck::store::workspace::Selection::Top(n))
            .unwrap()
            .expect("the store answers by index");
        assert_eq!(top.findings.len(), n.min(228), "Top({n})");
        let cut = top.findings.iter().map(|f| f.severity).min().unwrap();
        let above = full.findings.iter().filter(|f| f.severity > cut).count();
        let shown_above = top.findings.iter().filter(|f| f.severity > cut).count();
        assert_eq!(shown_above, above, "Top({n}): everything above {cut:?}");
        let all: std::collections::HashSet<_> = full.findings.iter().map(key).collect();
        assert!(
            top.findings.iter().all(|f| all.contains(&key(f))),
            "Top({n})"
        );
    }
}

/// The runs of a workspace are read in one pass (one reader for all of
/// them, docs/store.md): the findings come run after run, each run in
/// report order, exactly as reading each run's report copy gives them; a
/// run whose rows are damaged is read from its copy into its own place
/// among the others, stored again, and the others are read from the store.
#[test]
fn runs_read_in_one_pass_come_in_run_and_report_order_and_a_damaged_one_keeps_its_place() {
    let ws = Ws::new();
    for (i, n) in [(0, 30), (1, 45), (2, 12), (3, 25)] {
        ws.import(0, big_report(&format!("acme/pass-{i}"), n));
    }
    let workspace = scandeck::store::Workspace::at(&ws.dir);
    let redactor = common::redactor_of(&ws);
    let key = |f: &scandeck::model::Finding| format!("{f:?}");
    // What each run's report copy says, run after run.
    let (index, _) = workspace.load_index(&redactor).unwrap();
    let mut expected = Vec::new();
    for run in index.current_runs() {
        let report = workspace.read_run(run, &redactor, 0).unwrap();
        expected.extend(report.findings.iter().map(key));
    }
    assert_eq!(expected.len(), 112);
    let read = |workspace: &scandeck::store::Workspace| {
        let current = workspace.current_findings(&redactor).unwrap();
        (
            current.findings.iter().map(key).collect::<Vec<_>>(),
            current.warnings,
        )
    };
    let (intact, warnings) = read(&workspace);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(intact, expected);
    // The second run loses a row; the third's rows are moved (its seal sees it).
    let conn = Connection::open(store_path(&ws)).unwrap();
    let runs: Vec<i64> = conn
        .prepare("SELECT run_id FROM runs ORDER BY run_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs.len(), 4);
    conn.execute(
        "DELETE FROM findings WHERE run_id = ?1 AND seq = 7",
        [runs[1]],
    )
    .unwrap();
    conn.execute(
        "UPDATE findings SET fingerprint = zeroblob(16) WHERE run_id = ?1 AND seq = 3",
        [runs[2]],
    )
    .unwrap();
    drop(conn);
    let stored_again = |warnings: &[String]| {
        warnings
            .iter()
            .filter(|w| w.contains("stored again from its report copy"))
            .count()
    };
    let (repaired, warnings) = read(&workspace);
    assert_eq!(
        repaired, expected,
        "the damaged runs are read in their places"
    );
    assert_eq!(stored_again(&warnings), 2, "{warnings:?}");
    // Stored again: the next read is from the store alone, and the same.
    let (again, warnings) = read(&workspace);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(again, expected);
    // A run none of whose rows is left, and one whose two rows claim one
    // place in its report.
    let conn = Connection::open(store_path(&ws)).unwrap();
    conn.execute("DELETE FROM findings WHERE run_id = ?1", [runs[1]])
        .unwrap();
    conn.execute(
        "UPDATE findings SET seq = 0 WHERE run_id = ?1 AND seq = 1",
        [runs[3]],
    )
    .unwrap();
    drop(conn);
    let (repaired, warnings) = read(&workspace);
    assert_eq!(repaired, expected);
    assert_eq!(stored_again(&warnings), 2, "{warnings:?}");
}

/// A batch import writes its index and decisions once a second, not after
/// every file (docs/store.md, "A batch of reports"): a kill at any point of a
/// batch leaves the state of the last write — every image's scan whole, the
/// decisions intact — and running the batch again completes it.
#[test]
fn a_batch_import_killed_at_any_point_leaves_the_last_written_state() {
    let ws = Ws::new();
    ws.import(0, big_report("acme/img-0", 200));
    let fp = ws.list(1, &[])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    ws.ok(
        1,
        &[
            "triage",
            "note",
            "--fingerprint",
            &fp,
            "--text",
            "before the batch",
        ],
    );
    // Thirty images, the first one rescanned with more findings.
    let files: Vec<String> = (0..30)
        .map(|i| {
            let path = ws.dir.join(format!("batch-{i:02}.json"));
            let n = if i == 0 { 400 } else { 200 };
            std::fs::write(&path, trivy_text(&big_report(&format!("acme/img-{i}"), n))).unwrap();
            path.to_str().unwrap().to_string()
        })
        .collect();
    let batch = |ws: &Ws| {
        let mut cmd = common::scandeck(ws.home.path());
        cmd.arg("--workspace")
            .arg(&ws.dir)
            .arg("import")
            .args(&files)
            .env("SCANDECK_NOW", "2026-03-03T10:00:00Z")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        without_faketime(&mut cmd);
        cmd
    };
    // Measured once in a copy-free way: a whole batch into a scratch workspace.
    let scratch = Ws::new();
    let started = Instant::now();
    assert!(batch(&scratch).status().unwrap().success());
    let whole = started.elapsed().max(Duration::from_millis(50));
    assert_eq!(scratch.list(1, &[]).len(), 400 + 29 * 200);
    let mut killed = 0;
    for step in 1..6u32 {
        let mut child = batch(&ws).spawn().unwrap();
        std::thread::sleep(whole * step / 6);
        let _ = child.kill();
        if !child.wait().unwrap().success() {
            killed += 1;
        }
        let out = ws.run_at(2, &["list", "--format", "json"]);
        assert!(out.status.success(), "after kill {step}: {}", stderr(&out));
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let first = rows
            .iter()
            .filter(|r| {
                r["target"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("acme/img-0:")
            })
            .count();
        assert!(
            first == 200 || first == 400,
            "after kill {step}: img-0 has {first} rows"
        );
        assert_eq!(rows.len() % 200, 0, "after kill {step}: only whole scans");
        let verify = ws.run_at(2, &["triage", "verify"]);
        assert!(
            verify.status.success(),
            "after kill {step}: {}",
            stderr(&verify)
        );
    }
    assert!(killed > 0, "no batch was killed mid-way");
    assert!(ws.decisions()["audit"]
        .to_string()
        .contains("before the batch"));
    assert!(batch(&ws).status().unwrap().success());
    assert_eq!(ws.list(3, &[]).len(), 400 + 29 * 200, "the batch completed");
}

/// Imports `report` in this process, read as it is parsed or read whole.
fn import_in_process(ws: &Ws, report: &std::path::Path, streamed: bool) {
    let paths = scandeck::config::Paths {
        config_dir: ws.home.path().join("config"),
        data_dir: ws.home.path().join("data"),
    };
    let redactor = scandeck::commands::redactor(&paths, &ws.dir, false).unwrap();
    let workspace = scandeck::store::Workspace::at(&ws.dir);
    let (mut importer, _) =
        scandeck::store::import::Importer::begin(&workspace, &redactor, u64::MAX).unwrap();
    importer.stream_from_bytes = if streamed { 1 } else { u64::MAX };
    let read = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let seen = std::rc::Rc::clone(&read);
    importer.progress = Box::new(move |bytes, len| {
        assert!(bytes <= len);
        seen.set(bytes);
    });
    let request = scandeck::store::import::ImportRequest {
        display_name: "scan.json".into(),
        origin: workspace.import_origin(Some(report)),
        ..Default::default()
    };
    let outcome = importer.import(report, &request).unwrap();
    assert!(!outcome.duplicate);
    let len = std::fs::metadata(report).unwrap().len();
    assert_eq!(
        read.get(),
        if streamed { len } else { 0 },
        "progress in bytes"
    );
}

#[test]
fn a_report_read_as_it_is_parsed_is_stored_as_one_read_whole() {
    let mut report = big_report("acme/api", 200);
    report["Results"].as_array_mut().unwrap().push(serde_json::json!(
        {"Target": "/app/settings.env", "Class": "secret", "Secrets": [{"RuleID": "generic-password",
         "Category": "Generic", "Severity": "HIGH", "Title": "Password", "StartLine": 2, "EndLine": 2,
         "Match": "PASSWORD=hunter2-correct-horse"}]}));
    let streamed = Ws::new();
    let file = streamed.home.path().join("scan.json");
    std::fs::write(&file, trivy_text(&report)).unwrap();
    import_in_process(&streamed, &file, true);
    // Same user key, so that secret fingerprints agree.
    let whole = streamed.clone_beside("ws");
    import_in_process(&whole, &file, false);
    // Imported in this process at the machine's time: compare all but times.
    let timeless = |ws: &Ws| {
        let mut rows = ws.list(1, &[]);
        for row in &mut rows {
            let object = row.as_object_mut().unwrap();
            object.retain(|k, _| {
                !["seen", "due", "age", "sla", "days"]
                    .iter()
                    .any(|t| k.contains(t))
            });
        }
        rows
    };
    let (a, b) = (timeless(&streamed), timeless(&whole));
    assert_eq!(a.len(), 201);
    assert_eq!(a, b, "the same findings, fingerprints and all");
    let files = |ws: &Ws| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(ws.dir.join(".scandeck/scans"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "report"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    scandeck::store::copy::read(&p, u64::MAX).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let copies = files(&streamed);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies, files(&whole), "the same copy under the same name");
    let copy = String::from_utf8_lossy(&copies[0].1);
    assert!(!copy.contains("hunter2"), "the stored copy has no secret");
    let left: Vec<_> = common::files_under(&streamed.dir.join(".scandeck/scans"))
        .iter()
        .map(|p| p.file_name().unwrap().to_owned())
        .filter(|n| n.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "no temporary copy is left: {left:?}");
}

#[test]
fn imports_and_decisions_at_once_lose_nothing() {
    let ws = Ws::new();
    ws.import(0, big_report("acme/one", 2000));
    let fp = ws.list(1, &[])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let reports: Vec<PathBuf> = (0..3)
        .map(|i| {
            let p = ws.dir.join(format!("img{i}.json"));
            std::fs::write(&p, big_report(&format!("acme/img{i}"), 4000).to_string()).unwrap();
            p
        })
        .collect();
    let (home, dir) = (ws.home.path().to_path_buf(), ws.dir.clone());
    std::thread::scope(|scope| {
        let importer = scope.spawn(|| {
            for r in &reports {
                let out = common::scandeck(&home)
                    .arg("--workspace")
                    .arg(&dir)
                    .args(["import", r.to_str().unwrap()])
                    .env("SCANDECK_NOW", "2026-03-03T10:00:00Z")
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", stderr(&out));
            }
        });
        for n in 0..10 {
            ws.ok(
                2,
                &[
                    "triage",
                    "note",
                    "--fingerprint",
                    &fp,
                    "--text",
                    &format!("during-{n}"),
                ],
            );
        }
        importer.join().unwrap();
    });
    let audit = ws.decisions()["audit"].to_string();
    for n in 0..10 {
        assert!(audit.contains(&format!("during-{n}")), "note {n} lost");
    }
    assert_eq!(ws.list(3, &[]).len(), 2000 + 3 * 4000);
    ws.ok(3, &["triage", "verify"]);
}

fn decisions_text(ws: &Ws) -> String {
    std::fs::read_to_string(ws.dir.join(".scandeck/decisions.json")).unwrap()
}

#[test]
fn a_first_scan_is_one_baseline_line_and_a_rescan_changes_nothing() {
    let ws = Ws::new();
    ws.import(0, big_report("acme/big", 2000));
    let text = decisions_text(&ws);
    let file = ws.decisions();
    assert_eq!(file["baselines"]["image:acme/big"], "2026-03-01T10:00:00Z");
    assert_eq!(file["sightings"].as_object().unwrap().len(), 0);
    assert!(text.len() < 1000, "{} bytes for 2000 findings", text.len());
    // Every finding's SLA clock starts at the baseline.
    let rows = ws.list(3, &[]);
    assert_eq!(rows.len(), 2000);
    assert!(rows
        .iter()
        .all(|r| r["first_seen"] == "2026-03-01T10:00:00Z"));
    // The same findings scanned again: not a byte of the committed file changes.
    let again = big_report("acme/big", 2000);
    let mut again_text = again.to_string();
    again_text.push(' '); // other bytes, same findings
    let path = ws.dir.join("rescan.json");
    std::fs::write(&path, again_text).unwrap();
    ws.ok(5, &["import", path.to_str().unwrap()]);
    assert_eq!(
        decisions_text(&ws),
        text,
        "a rescan rewrote the committed file"
    );
}

#[test]
fn later_findings_get_a_line_and_gone_ones_keep_their_first_sighting() {
    let ws = Ws::new();
    let v1: Vec<Vuln> = vec![
        (
            "CVE-2026-10",
            &[],
            "openssl",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
        ("CVE-2026-11", &[], "zlib1g", "1.2.13", "MEDIUM", None),
    ];
    ws.import(0, trivy("acme/api", "1.0", "aa", &v1));
    let v2: Vec<Vuln> = vec![
        (
            "CVE-2026-10",
            &[],
            "openssl",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
        ("CVE-2026-12", &[], "curl", "8.2", "HIGH", None),
    ];
    ws.import(4, trivy("acme/api", "1.1", "bb", &v2));
    let file = ws.decisions();
    let sightings = file["sightings"].as_object().unwrap();
    assert_eq!(
        sightings.len(),
        2,
        "the new one and the gone one: {sightings:?}"
    );
    let first_seen = |id: &str| ws.row(6, id)["first_seen"].as_str().unwrap().to_string();
    assert_eq!(
        first_seen("CVE-2026-10"),
        "2026-03-01T10:00:00Z",
        "baseline"
    );
    assert_eq!(
        first_seen("CVE-2026-12"),
        "2026-03-05T10:00:00Z",
        "its own line"
    );
    let gone = ws.row(6, "CVE-2026-11");
    assert_eq!(gone["status"], "fixed");
    assert_eq!(gone["first_seen"], "2026-03-01T10:00:00Z");
    // It comes back: a regression, with its first sighting kept.
    ws.import(8, trivy("acme/api", "1.2", "cc", &v1));
    let back = ws.row(9, "CVE-2026-11");
    assert_eq!(back["status"], "regressed");
    assert_eq!(back["first_seen"], "2026-03-01T10:00:00Z");
}

#[test]
fn a_clone_reads_first_sightings_from_the_committed_file() {
    let ws = Ws::new();
    let v1: Vec<Vuln> = vec![(
        "CVE-2026-20",
        &[],
        "openssl",
        "3.0.1",
        "HIGH",
        Some("3.0.9"),
    )];
    ws.import(0, trivy("acme/api", "1.0", "aa", &v1));
    let v2: Vec<Vuln> = vec![
        (
            "CVE-2026-20",
            &[],
            "openssl",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
        ("CVE-2026-21", &[], "curl", "8.2", "HIGH", None),
    ];
    let v2_report = trivy("acme/api", "1.1", "bb", &v2);
    ws.import(3, v2_report.clone());
    // The clone has the committed decisions.json and imports the latest scan weeks later.
    let clone = ws.clone_beside("clone");
    std::fs::create_dir_all(clone.dir.join(".scandeck")).unwrap();
    std::fs::copy(
        ws.dir.join(".scandeck/decisions.json"),
        clone.dir.join(".scandeck/decisions.json"),
    )
    .unwrap();
    clone.import(20, v2_report);
    for (id, first) in [
        ("CVE-2026-20", "2026-03-01T10:00:00Z"),
        ("CVE-2026-21", "2026-03-04T10:00:00Z"),
    ] {
        assert_eq!(clone.row(21, id)["first_seen"], first, "{id} in the clone");
        assert_eq!(
            clone.row(21, id)["status"],
            "overdue",
            "{id}: the SLA clock is shared"
        );
    }
}

#[test]
fn a_decision_by_fingerprint_reads_only_its_findings_and_agrees_with_a_full_load() {
    let ws = Ws::new();
    let vulns: Vec<Vuln> = vec![
        (
            "CVE-2026-30",
            &[],
            "libssl3",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
        (
            "CVE-2026-30",
            &[],
            "openssl",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
    ];
    ws.import(0, trivy("acme/api", "1.0", "aa", &vulns));
    let rows = ws.list(1, &[]);
    let fp_of = |pkg: &str| {
        rows.iter().find(|r| r["package"] == pkg).unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (libssl, openssl) = (fp_of("libssl3"), fp_of("openssl"));
    ws.ok(
        1,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &libssl,
            "--reason",
            "not linked",
        ],
    );
    // By fingerprint alone the store is read by index; with a filter, whole.
    let fast = ws.ok(
        2,
        &[
            "triage",
            "fixed",
            "--fingerprint",
            &openssl,
            "--reason",
            "r",
            "--dry-run",
        ],
    );
    let full = ws.ok(
        2,
        &[
            "triage",
            "fixed",
            "--fingerprint",
            &openssl,
            "--severity",
            "high",
            "--reason",
            "r",
            "--dry-run",
        ],
    );
    assert_eq!(fast, full, "the indexed path and the full load disagree");
    assert!(fast.contains("1 finding"), "{fast}");
    ws.ok(
        2,
        &[
            "triage",
            "note",
            "--fingerprint",
            &openssl,
            "--text",
            "by index",
        ],
    );
    let statuses: Vec<(String, String)> = ws
        .list(3, &[])
        .iter()
        .map(|r| {
            (
                r["package"].as_str().unwrap().into(),
                r["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("libssl3".into(), "suppressed".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("openssl".into(), "open".into())),
        "{statuses:?}"
    );
}

#[test]
fn a_list_of_some_severities_reads_them_by_index_and_agrees_with_a_full_load() {
    let ws = workspace();
    let vulns: Vec<Vuln> = vec![
        (
            "CVE-2026-40",
            &[],
            "libssl3",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
        ("CVE-2026-40", &[], "openssl", "3.0.1", "LOW", Some("3.0.9")),
    ];
    ws.import(1, trivy("acme/ssl", "1.0", "dd", &vulns));
    let low = ws
        .list(2, &["--severity", "low"])
        .into_iter()
        .find(|r| r["package"] == "openssl")
        .unwrap();
    ws.ok(
        2,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            low["fingerprint"].as_str().unwrap(),
            "--reason",
            "not linked",
        ],
    );
    let all = ws.list(3, &[]);
    for severities in ["critical", "high", "critical,high", "medium,low", "low"] {
        let wanted: Vec<&str> = severities.split(',').collect();
        let expected: Vec<&Value> = all
            .iter()
            .filter(|r| wanted.contains(&r["severity"].as_str().unwrap()))
            .collect();
        let listed = ws.list(3, &["--severity", severities]);
        assert_eq!(
            listed.iter().collect::<Vec<_>>(),
            expected,
            "--severity {severities}"
        );
    }
}

#[test]
fn the_gate_and_checklist_read_by_index_judge_as_a_full_load_does() {
    use scandeck::commands::readiness::gather;
    use scandeck::store::AdvisoryText;
    let ws = workspace();
    let mixed: Vec<Vuln> = vec![
        (
            "CVE-2026-50",
            &[],
            "libssl3",
            "3.0.1",
            "HIGH",
            Some("3.0.9"),
        ),
        ("CVE-2026-50", &[], "openssl", "3.0.1", "LOW", Some("3.0.9")),
        ("CVE-2026-51", &[], "bash", "5.1", "MEDIUM", None),
        ("CVE-2026-52", &[], "glibc", "2.36", "CRITICAL", None),
    ];
    ws.import(1, trivy("acme/mixed", "1.0", "ee", &mixed));
    ws.ok(
        2,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-52",
            "--until",
            "30d",
            "--approver",
            "CISO",
            "--reason",
            "r",
        ],
    );
    ws.ok(
        2,
        &[
            "triage",
            "fixed",
            "--id",
            "CVE-2026-1",
            "--reason",
            "bumped",
        ],
    );
    let secrets = serde_json::json!([{"Description": "AWS key", "StartLine": 3, "EndLine": 3, "StartColumn": 1, "EndColumn": 20,
        "Match": "AKIAIOSFODNN7EXAMPLE", "Secret": "AKIAIOSFODNN7EXAMPLE", "File": "config.py", "RuleID": "aws-access-token",
        "Entropy": 3.5, "Fingerprint": "config.py:aws-access-token:3"}]);
    let gl = ws.dir.join("gitleaks.json");
    std::fs::write(&gl, secrets.to_string()).unwrap();
    ws.ok(2, &["import", gl.to_str().unwrap()]);
    // A secret below high: only the secret rule brings it into the gate.
    let medium_secret = serde_json::json!({"SchemaVersion": 2, "ArtifactName": "acme/conf:1", "ArtifactType": "container_image",
        "Results": [{"Target": "/app/settings.env", "Class": "secret", "Secrets": [{"RuleID": "generic-password", "Category": "Generic",
            "Severity": "MEDIUM", "Title": "Password", "StartLine": 2, "EndLine": 2, "Match": "PASSWORD=********"}]}]});
    let tv = ws.dir.join("secret-scan.json");
    std::fs::write(&tv, medium_secret.to_string()).unwrap();
    ws.ok(2, &["import", tv.to_str().unwrap()]);
    assert!(
        ws.list(2, &["--kind", "secret", "--severity", "medium"])
            .len()
            == 1,
        "the fixture has a medium secret"
    );
    let paths = scandeck::config::Paths {
        config_dir: ws.home.path().join("config"),
        data_dir: ws.home.path().join("data"),
    };
    let policy = scandeck::gate::Policy::default();
    // The gate reads brief texts and by index; judged whole, it is the same.
    let full = gather(&paths, &ws.dir, None, AdvisoryText::Whole).unwrap();
    let by_index = gather(&paths, &ws.dir, policy.selection(), AdvisoryText::Brief).unwrap();
    assert!(by_index.view.findings.len() < full.view.findings.len());
    let (a, b) = (full.judge(&policy), by_index.judge(&policy));
    assert!(!a.blocked.is_empty(), "the fixture blocks the release");
    assert_eq!(a, b);
    let evidence = |r: &scandeck::commands::readiness::Readiness| {
        let list = r.checklist("production").unwrap();
        list.items
            .iter()
            .map(|item| {
                format!(
                    "{} {:?}",
                    item.id,
                    r.walk
                        .views(list)
                        .iter()
                        .find(|v| v.item.id == item.id)
                        .map(|v| v.evidence.map(|e| e.summary.clone()))
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(evidence(&full), evidence(&by_index));
}

/// The stored report copies are the user's alone: they may hold more of a
/// report than its redacted secrets (issue 23: trufflehog's `ExtraData`).
#[test]
fn stored_report_copies_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Ws::new();
    ws.import(
        0,
        common::trivy(
            "acme/api",
            "1",
            "a",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    let leak = serde_json::json!([{"RuleID": "generic-api-key", "File": "a.py", "StartLine": 1,
        "Secret": "s3cr3t-value-xxxxxxxxxx", "Match": "s3cr3t-value-xxxxxxxxxx", "Commit": ""}]);
    let path = ws.dir.join("gitleaks.json");
    std::fs::write(&path, leak.to_string()).unwrap();
    ws.ok(0, &["import", path.to_str().unwrap()]);
    let copies: Vec<std::path::PathBuf> = std::fs::read_dir(ws.dir.join(".scandeck/scans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "report"))
        .collect();
    assert_eq!(copies.len(), 2);
    for copy in copies {
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", copy.display());
    }
}

/// Runs scandeck in `ws` and waits at most `limit`; kills it and fails when
/// it is still running (a command that blocks on a FIFO or reads a device
/// for ever).
fn run_within(ws: &Ws, args: &[&str], limit: Duration) -> Output {
    let child = common::scandeck(ws.home.path())
        .arg("--workspace")
        .arg(&ws.dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finishes_within(child, limit, &format!("{args:?}"))
}

/// Waits for `child` at most `limit`; kills it and fails when it is still running.
fn finishes_within(mut child: std::process::Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_fifo_in_place_of_the_store_is_set_aside_not_waited_on() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "acme/api",
            "1",
            "a",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    let store = ws.dir.join(".scandeck/scans/findings.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
    }
    nix::unistd::mkfifo(&store, nix::sys::stat::Mode::S_IRWXU).unwrap();
    for args in [
        vec!["list", "--format", "json"],
        vec!["gate"],
        vec!["list", "--severity", "high", "--format", "json"],
    ] {
        let out = run_within(&ws, &args, Duration::from_secs(30));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code().is_some(), "{args:?}: {err}");
        if args[0] == "list" {
            assert!(out.status.success(), "{args:?}: {err}");
            let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(rows.len(), 1, "{args:?}");
        }
    }
    assert!(
        std::fs::metadata(&store).unwrap().is_file(),
        "rebuilt as a file"
    );
}

#[test]
fn a_compose_file_never_makes_the_plan_read_a_device_a_fifo_or_outside_the_project() {
    let ws = Ws::new();
    let outside = ws.home.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("Dockerfile"), "FROM secret/outside:1\n").unwrap();
    std::fs::create_dir_all(ws.dir.join("pipe")).unwrap();
    nix::unistd::mkfifo(
        &ws.dir.join("pipe/Dockerfile"),
        nix::sys::stat::Mode::S_IRWXU,
    )
    .unwrap();
    std::fs::write(
        ws.dir.join("docker-compose.yml"),
        "services:\n  zero:\n    image: acme/zero:1\n    build:\n      context: /dev\n      dockerfile: zero\n  \
         abs:\n    image: acme/abs:1\n    build:\n      context: .\n      dockerfile: /dev/zero\n  \
         fifo:\n    image: acme/fifo:1\n    build: ./pipe\n  \
         out:\n    image: acme/out:1\n    build: ../outside\n  \
         etc:\n    image: acme/etc:1\n    build:\n      context: /etc\n      dockerfile: passwd\n",
    )
    .unwrap();
    // Each image's openssl came with its base layer, so the plan names the
    // base image the compose file's Dockerfile builds FROM, when it reads it.
    for repo in ["acme/zero", "acme/abs", "acme/fifo", "acme/out", "acme/etc"] {
        let mut report = trivy(
            repo,
            "1",
            "a",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", Some("3.0.2"))],
        );
        report["Metadata"]["DiffIDs"] = serde_json::json!(["sha256:base", "sha256:own"]);
        report["Metadata"]["ImageConfig"] = serde_json::json!({"history": [
            {"created_by": "ADD file:rootfs in /"},
            {"created_by": "CMD [\"bash\"]", "empty_layer": true},
            {"created_by": "RUN apt-get install -y curl"}]});
        report["Results"][0]["Vulnerabilities"][0]["Layer"] =
            serde_json::json!({"DiffID": "sha256:base"});
        ws.import(0, report);
    }
    let html = ws.dir.join("report.html");
    for args in [
        vec!["plan", "--format", "json"],
        vec!["export", "--format", "html", "-o", html.to_str().unwrap()],
    ] {
        let out = run_within(&ws, &args, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &std::fs::read_to_string(&html).unwrap_or_default();
        assert!(
            !text.contains("secret/outside"),
            "{args:?}: read outside the project"
        );
        assert!(!text.contains("root:x:0"), "{args:?}");
        if args[0] == "plan" {
            let actions: Vec<Value> = serde_json::from_str(&text).unwrap();
            let rebuilds = actions
                .iter()
                .filter(|a| a["fix"]["kind"] == "base-image")
                .count();
            assert_eq!(rebuilds, 5, "{text}");
        }
    }
    // The same layout with the Dockerfile inside the project is read.
    std::fs::create_dir_all(ws.dir.join("inside")).unwrap();
    std::fs::write(ws.dir.join("inside/Dockerfile"), "FROM python:3.12-slim\n").unwrap();
    let compose = std::fs::read_to_string(ws.dir.join("docker-compose.yml")).unwrap();
    std::fs::write(
        ws.dir.join("docker-compose.yml"),
        compose.replace("build: ../outside", "build: ./inside"),
    )
    .unwrap();
    let plan = ws.ok(1, &["plan", "--format", "json"]);
    assert!(plan.contains("python:3.12-slim"), "{plan}");
    // A 1 GiB Dockerfile (sparse: it costs no disk) is refused by its size,
    // not read: the plan's peak memory stays far below it.
    std::fs::create_dir_all(ws.dir.join("huge")).unwrap();
    let huge = std::fs::File::create(ws.dir.join("huge/Dockerfile")).unwrap();
    huge.set_len(1 << 30).unwrap();
    drop(huge);
    std::fs::write(
        ws.dir.join("docker-compose.yml"),
        "services:\n  huge:\n    image: acme/zero:1\n    build: ./huge\n",
    )
    .unwrap();
    let out = common::scandeck(ws.home.path())
        .arg("--workspace")
        .arg(&ws.dir)
        .args(["plan", "--format", "json"])
        .env("SCANDECK_REPORT_RSS", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let peak_kib: u64 = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss "))
        .and_then(|kb| kb.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak-rss line: {}", stderr(&out)));
    assert!(peak_kib < 256 * 1024, "peak {peak_kib} kB");
}

/// Rows removed consistently (SQLite's own checks see nothing) are caught by
/// the seal beside each run: `gate` and `list --severity` never answer from
/// them, the run is stored again from its report copy, and the answer is the
/// one an intact store gives (docs/reliability.md: the store).
#[test]
fn a_store_with_rows_missing_never_makes_the_gate_pass() {
    let ws = workspace();
    let day = 20; // the open critical is the only reason the release is blocked
    let policy = ws.home.path().join("policy.toml");
    std::fs::write(&policy, "require_checklists = []\n").unwrap();
    let gate_args = ["gate", "--policy", policy.to_str().unwrap()];
    let intact = ws.run_at(day, &gate_args);
    assert_eq!(intact.status.code(), Some(1), "{}", stderr(&intact));
    let critical = |ws: &Ws| ws.list(day, &["--severity", "critical"]).len();
    assert_eq!(critical(&ws), 1);
    let delete = |sql: &str| {
        let conn = Connection::open(store_path(&ws)).unwrap();
        let n = conn.execute(sql, []).unwrap();
        assert!(n > 0, "{sql} removed nothing");
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "SQLite sees nothing wrong");
    };
    delete("DELETE FROM findings WHERE seq < 5 AND severity = 5");
    let gate = ws.run_at(day, &gate_args);
    assert_eq!(gate.status.code(), Some(1), "{}", stderr(&gate));
    let said = stderr(&gate);
    assert!(
        said.contains("critical") && said.contains("stored again from its report copy"),
        "{said}"
    );
    // Repaired: the next reader finds the rows and says nothing.
    let again = ws.run_at(day, &gate_args);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        !stderr(&again).contains("stored again"),
        "{}",
        stderr(&again)
    );
    // `list --severity` and the full `list` repair too.
    delete("DELETE FROM findings WHERE severity = 5");
    assert_eq!(critical(&ws), 1);
    delete("DELETE FROM findings WHERE severity = 2");
    let all = ws.run_at(day, &["list", "--format", "json"]);
    assert!(stderr(&all).contains("stored again"), "{}", stderr(&all));
    let rows: Vec<Value> = serde_json::from_slice(&all.stdout).unwrap();
    assert!(rows.iter().any(|r| r["id"] == "CVE-2026-4"), "{rows:?}");
    let conn = Connection::open(store_path(&ws)).unwrap();
    let low: i64 = conn
        .query_row(
            "SELECT count(*) FROM findings WHERE severity = 2",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(low, 1, "the full load stored the run again");
    // Two rows that swap places keep every count: the sum still sees it.
    conn.execute(
        "UPDATE findings SET fingerprint = zeroblob(16) WHERE severity = 4",
        [],
    )
    .unwrap();
    let gate = ws.run_at(day, &gate_args);
    assert_eq!(gate.status.code(), Some(1));
    assert!(
        stderr(&gate).contains("differ from the ones stored"),
        "{}",
        stderr(&gate)
    );
}

/// Redaction is by value as well as by field name: a secret a parser
/// recognised is masked wherever else it appears in its record (trufflehog's
/// `ExtraData`, a gitleaks tag), and reading the copy back gives the same
/// findings.
#[test]
fn a_secret_repeated_in_other_fields_is_masked_in_the_stored_copy() {
    let ws = Ws::new();
    let raw = "AKIAQYLPMN5HFIQRTUVW";
    let hits = format!(
        "{}\n{}\n",
        serde_json::json!({"SourceMetadata": {"Data": {"Filesystem": {"file": "deploy.sh", "line": 3}}},
            "SourceName": "trufflehog - filesystem", "DetectorName": "AWS", "Verified": false,
            "Raw": raw, "RawV2": format!("{raw}:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "Redacted": "AKIAQYLP****", "ExtraData": {"note": format!("extra {raw}"), "account": "1234"}}),
        serde_json::json!({"SourceMetadata": {"Data": {"Filesystem": {"file": "ci.env", "line": 1}}},
            "SourceName": "trufflehog - filesystem", "DetectorName": "Generic", "Verified": false,
            "Raw": "hunter2-but-longer", "ExtraData": {format!("seen-as-hunter2-but-longer"): "key"}})
    );
    let path = ws.dir.join("trufflehog.json");
    std::fs::write(&path, &hits).unwrap();
    ws.ok(0, &["import", path.to_str().unwrap()]);
    let before = ws.list(0, &[]);
    let copies = report_copies(&ws);
    assert_eq!(copies.len(), 1);
    let stored =
        String::from_utf8(scandeck::store::copy::read(&copies[0], u64::MAX).unwrap()).unwrap();
    for secret in [raw, "wJalrXUtnFEMI", "hunter2-but-longer"] {
        assert!(!stored.contains(secret), "{secret} stored: {stored}");
    }
    assert!(stored.contains("\"account\":\"1234\""), "{stored}");
    // Read back from the copy alone: the same findings.
    ws.ok(0, &["rebuild"]);
    assert_eq!(ws.list(0, &[]), before);
}

/// A store another process keeps locked is waited on for a bounded, stated
/// time, and the message names the holder instead of advising a rebuild.
#[test]
fn a_locked_store_names_its_holder_and_advises_no_rebuild() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "acme/api",
            "1",
            "a",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    let conn = Connection::open(store_path(&ws)).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; DELETE FROM meta WHERE key = 'nothing';")
        .unwrap();
    let report = ws.dir.join("next.json");
    std::fs::write(
        &report,
        trivy(
            "acme/web",
            "1",
            "b",
            &[("CVE-2026-2", &[], "zlib", "1.2", "LOW", None)],
        )
        .to_string(),
    )
    .unwrap();
    let mut cmd = common::scandeck(ws.home.path());
    cmd.arg("--workspace")
        .arg(&ws.dir)
        .args(["import", report.to_str().unwrap()])
        .env("SCANDECK_LOCK_WAIT", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = finishes_within(cmd.spawn().unwrap(), Duration::from_secs(20), "import");
    let said = stderr(&out);
    // The run is recorded; its rows wait for the store (read from the
    // report copy meanwhile).
    assert!(out.status.success(), "{said}");
    let note: Vec<&str> = said.lines().filter(|l| l.contains("locked")).collect();
    assert_eq!(note.len(), 1, "{said}");
    assert!(
        note[0].contains(&format!(
            "locked by another process (pid {}",
            std::process::id()
        )) && note[0].contains("waited 1 s")
            && !said.contains("rebuild"),
        "{said}"
    );
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    // Nothing was lost: once the lock is gone the store takes the run.
    assert_eq!(ws.list(0, &[]).len(), 2);
    let stored: i64 = Connection::open(store_path(&ws))
        .unwrap()
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 2);
}

/// A reader that stops early (`| head`) is no error in any list format:
/// the closed pipe ends the command quietly, exit 0.
#[test]
fn a_list_read_by_head_ends_quietly_in_every_format() {
    use std::io::Read;
    let ws = Ws::new();
    ws.import(0, big_report("acme/big", 400));
    for format in ["table", "json", "csv"] {
        let mut cmd = common::scandeck(ws.home.path());
        cmd.arg("--workspace")
            .arg(&ws.dir)
            .args(["list", "--format", format])
            .env("SCANDECK_NOW", "2026-03-03T10:00:00Z")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        without_faketime(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe closes here, long before the list (hundreds of KB) ends.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {err}");
        assert!(!err.contains("cannot write"), "{format}: {err}");
    }
}

/// Records that are one finding (one package in two targets of an image:
/// a Go module vendored into two binaries) are one stored row, read as
/// every reader shows them (docs/store.md, "One row per finding"): the
/// store's counts are the findings' counts.
#[test]
fn records_that_are_one_finding_are_stored_as_one_row() {
    let ws = Ws::new();
    let mut report = trivy(
        "acme/api",
        "1",
        "a",
        &[
            (
                "CVE-2026-1",
                &[],
                "golang.org/x/net",
                "0.1.0",
                "HIGH",
                Some("0.2.0"),
            ),
            ("CVE-2026-2", &[], "golang.org/x/text", "0.3.0", "LOW", None),
        ],
    );
    let mut second = report["Results"][0].clone();
    second["Target"] = serde_json::json!("usr/local/bin/worker");
    second["Vulnerabilities"][0]["Severity"] = serde_json::json!("CRITICAL");
    second["Vulnerabilities"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    report["Results"].as_array_mut().unwrap().push(second);
    let said = ws.import(0, report);
    assert!(said.contains("2 findings from 3 records"), "{said}");
    let rows: i64 = Connection::open(store_path(&ws))
        .unwrap()
        .query_row("SELECT count(*) FROM findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2, "one row per finding");
    let listed = ws.list(1, &[]);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let net = listed
        .iter()
        .find(|r| r["id"] == "CVE-2026-1")
        .expect("the merged finding");
    assert_eq!(net["merged_records"], 2);
    assert_eq!(net["severity"], "critical", "the highest of its records");
    // What the store counts (the console's header while it loads) is what is listed.
    let critical = ws.list(1, &["--severity", "critical"]);
    assert_eq!(critical.len(), 1);
}

/// Read brief (`AdvisoryText::Brief`: `export`, `plan`, `gate`), every
/// stored finding keeps its advisory's title, score, vector and dates and
/// leaves out its description, references and CWEs; `AdvisoryTexts` reads
/// them back by hash, and each export record made with that text is the
/// record of the finding read whole. A text gone from the store, or changed
/// under its hash, stays brief and is said, never replaced by another.
#[test]
fn brief_advisory_texts_are_read_back_whole_for_every_record() {
    let ws = Ws::new();
    let mut reports: Vec<String> = common::demo_reports_into(&ws.dir)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    match common::real_fixtures() {
        Some(real) => {
            let into = ws.dir.join("real");
            common::copy_dir(&real, &into);
            reports.extend(
                common::files_under(&into)
                    .iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "sarif"))
                    .map(|p| p.display().to_string()),
            );
        }
        None => eprintln!("skipped: no real fixtures (the demo reports only)"),
    }
    // A real report that is refused (no subject, an unknown format) is
    // said by the import and leaves the others.
    let mut args = vec!["import"];
    args.extend(reports.iter().map(String::as_str));
    let _ = ws.run_at(0, &args);
    let redactor = common::redactor_of(&ws);
    let now = common::fixed_now();
    let policy = scandeck::triage::SlaPolicy::default();
    let whole_ws = scandeck::store::Workspace::at(&ws.dir);
    let mut brief_ws = scandeck::store::Workspace::at(&ws.dir);
    brief_ws.advisory_text = scandeck::store::AdvisoryText::Brief;
    let whole =
        scandeck::view::View::of(whole_ws.current_findings(&redactor).unwrap(), now, &policy);
    let brief =
        scandeck::view::View::of(brief_ws.current_findings(&redactor).unwrap(), now, &policy);
    assert!(whole.warnings.is_empty(), "{:?}", whole.warnings);
    assert!(brief.warnings.is_empty(), "{:?}", brief.warnings);
    let present = whole.gone_from;
    assert!(present > 100, "{present} findings");
    assert_eq!(brief.gone_from, present);
    let texts = scandeck::store::AdvisoryTexts::open(&brief_ws);
    let mut left_out = 0;
    for at in 0..present {
        let (w, b) = (&whole.findings[at], &brief.findings[at]);
        assert_eq!(w.fingerprint, b.fingerprint);
        assert!(b.details.left_out.is_some(), "{} read brief", b.id);
        assert!(b.details.description.is_none() && b.details.references.is_empty());
        assert_eq!(
            (&b.details.title, b.details.cvss_score, &b.details.published),
            (&w.details.title, w.details.cvss_score, &w.details.published)
        );
        left_out += usize::from(w.details.description.is_some());
        let back = texts.whole(&b.details);
        assert_eq!(back.left_out, None);
        assert_eq!(*back, *w.details, "{}", w.id);
        let (wa, ba) = (&whole.assessments[at], &brief.assessments[at]);
        assert_eq!(
            serde_json::to_value(scandeck::export::Record::with_text(b, &back, ba, now)).unwrap(),
            serde_json::to_value(scandeck::export::Record::at(w, wa, now)).unwrap(),
        );
    }
    assert!(left_out > 100, "only {left_out} descriptions were left out");
    assert_eq!(texts.missed(), None);

    // One text changed under its hash, then every text removed.
    let conn = Connection::open(store_path(&ws)).unwrap();
    let first = brief.findings[0].details.left_out.unwrap();
    conn.execute(
        "UPDATE advisories SET body = CAST(body || x'00' AS BLOB) WHERE hash = ?1",
        [&first[..]],
    )
    .unwrap();
    let texts = scandeck::store::AdvisoryTexts::open(&brief_ws);
    let back = texts.whole(&brief.findings[0].details);
    assert!(back.left_out.is_some(), "a changed text is not taken");
    let why = texts.missed().unwrap();
    assert!(why.contains("does not match its hash"), "{why}");
    conn.execute("DELETE FROM advisories", []).unwrap();
    drop(conn);
    let texts = scandeck::store::AdvisoryTexts::open(&brief_ws);
    let last = &brief.findings[present - 1].details;
    assert!(
        Arc::ptr_eq(&texts.whole(last), last),
        "a text gone stays brief"
    );
    let why = texts.missed().unwrap();
    assert!(
        why.contains("removed from the store") && why.contains("run the command again"),
        "{why}"
    );

    // Whole texts need no store (a view read from the report copies): none
    // is opened until a brief text asks, and then its failure is said.
    let mut nowhere = scandeck::store::Workspace::at(&ws.dir.join("no-such-workspace"));
    nowhere.advisory_text = scandeck::store::AdvisoryText::Brief;
    let texts = scandeck::store::AdvisoryTexts::open(&nowhere);
    let whole_text = &whole.findings[0].details;
    assert!(Arc::ptr_eq(&texts.whole(whole_text), whole_text));
    assert_eq!(texts.missed(), None);
    assert!(Arc::ptr_eq(&texts.whole(last), last));
    let why = texts.missed().unwrap();
    assert!(why.contains("no-such-workspace"), "{why}");
}
