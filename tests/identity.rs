//! One identity you can trust: findings belong to the subject scanned, not
//! to the report file; one fingerprint is one finding; decisions follow a
//! clone; schema-1 decision files are upgraded without losing or widening.

mod common;

use common::{real_fixtures, Ws};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn write(ws: &Ws, rel: &str, body: &str) -> String {
    let path = ws.dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    path.to_str().unwrap().to_string()
}

fn gitleaks(leaks: &[(&str, &str)]) -> String {
    let items: Vec<Value> = leaks
        .iter()
        .enumerate()
        .map(|(i, (file, secret))| {
            json!({"RuleID": "generic-api-key", "Description": "key", "File": file,
                   "StartLine": i + 1, "Secret": secret, "Match": secret, "Commit": ""})
        })
        .collect();
    Value::Array(items).to_string()
}

fn hadolint(hits: &[(&str, u32)]) -> String {
    let items: Vec<Value> = hits
        .iter()
        .map(|(file, line)| {
            json!({"code": "DL3008", "level": "warning", "file": file, "line": line,
                   "column": 1, "message": "Pin versions in apt get install"})
        })
        .collect();
    Value::Array(items).to_string()
}

fn pip_audit(packages: &[&str]) -> String {
    let deps: Vec<Value> = packages
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({"name": name, "version": "1.0", "vulns": [
                {"id": format!("PYSEC-2026-{}", 100 + i), "fix_versions": ["2.0"], "aliases": []}
            ]})
        })
        .collect();
    json!({"dependencies": deps, "fixes": []}).to_string()
}

fn npm_audit(packages: &[&str]) -> String {
    let mut vulns = serde_json::Map::new();
    for (i, name) in packages.iter().enumerate() {
        vulns.insert(
            name.to_string(),
            json!({"name": name, "severity": "high", "isDirect": true, "range": "<2.0.0",
                   "nodes": [format!("node_modules/{name}")], "fixAvailable": true,
                   "via": [{"source": 1000 + i, "name": name, "title": "bad",
                            "url": format!("https://github.com/advisories/GHSA-aaaa-bbbb-{:04}", i),
                            "severity": "high", "range": "<2.0.0"}]}),
        );
    }
    json!({"auditReportVersion": 2, "vulnerabilities": vulns, "metadata": {}}).to_string()
}

fn trufflehog(leaks: &[(&str, &str)]) -> String {
    leaks
        .iter()
        .enumerate()
        .map(|(i, (file, secret))| {
            json!({"SourceMetadata": {"Data": {"Filesystem": {"file": file, "line": i + 1}}},
                   "SourceName": "trufflehog - filesystem", "DetectorName": "Generic",
                   "Verified": false, "Raw": secret, "Redacted": ""})
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sarif(hits: &[(&str, u32)]) -> String {
    let results: Vec<Value> = hits
        .iter()
        .map(|(file, line)| {
            json!({"ruleId": "python.lang.security.eval", "level": "error",
                   "message": {"text": "eval of untrusted input"},
                   "locations": [{"physicalLocation": {"artifactLocation": {"uri": file},
                                  "region": {"startLine": line, "startColumn": 5}}}]})
        })
        .collect();
    json!({"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
           "runs": [{"tool": {"driver": {"name": "semgrep", "rules": [
               {"id": "python.lang.security.eval", "shortDescription": {"text": "eval"}}]}},
                     "results": results}]})
    .to_string()
}

fn snyk(packages: &[&str]) -> String {
    let vulns: Vec<Value> = packages
        .iter()
        .map(|p| {
            json!({"id": format!("SNYK-JS-{}-1", p.to_uppercase()), "title": "Prototype Pollution",
                   "severity": "high", "packageName": p, "version": "1.0.0",
                   "from": ["app@1.0.0", format!("{p}@1.0.0")], "identifiers": {"CVE": []}})
        })
        .collect();
    json!({"vulnerabilities": vulns, "ok": false, "packageManager": "npm",
           "projectName": "app", "displayTargetFile": "package-lock.json", "path": "."})
    .to_string()
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{} {}",
                r["id"].as_str().unwrap(),
                r["path"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn a_newer_report_under_another_name_replaces_the_older_one() {
    // (scanner, older report, newer report, rows the newer one has)
    let cases: Vec<(&str, String, String, usize)> = vec![
        (
            "gitleaks",
            gitleaks(&[
                ("a.py", "k1xxxxxxxxxxxxxxxx"),
                ("b.py", "k2xxxxxxxxxxxxxxxx"),
                ("c.py", "k3xxxxxxxxxxxxxxxx"),
            ]),
            gitleaks(&[("c.py", "k3xxxxxxxxxxxxxxxx")]),
            1,
        ),
        (
            "hadolint",
            hadolint(&[("Dockerfile", 3), ("Dockerfile", 9)]),
            hadolint(&[("Dockerfile", 9)]),
            1,
        ),
        (
            "pip-audit",
            pip_audit(&["flask", "jinja2", "idna"]),
            pip_audit(&["idna"]),
            1,
        ),
        (
            "npm-audit",
            npm_audit(&["axios", "semver"]),
            npm_audit(&["semver"]),
            1,
        ),
        (
            "trufflehog",
            trufflehog(&[
                ("a.py", "k1xxxxxxxxxxxxxxxx"),
                ("b.py", "k2xxxxxxxxxxxxxxxx"),
            ]),
            trufflehog(&[("b.py", "k2xxxxxxxxxxxxxxxx")]),
            1,
        ),
        (
            "semgrep",
            sarif(&[("app/views.py", 10), ("app/admin.py", 3)]),
            sarif(&[("app/admin.py", 3)]),
            1,
        ),
        (
            "snyk",
            snyk(&["lodash", "minimist"]),
            snyk(&["minimist"]),
            1,
        ),
    ];
    for (scanner, older, newer, rows) in cases {
        let ws = Ws::new();
        let a = write(&ws, &format!("reports/{scanner}-2026-11-24.json"), &older);
        let b = write(&ws, &format!("reports/{scanner}-2026-12-01.json"), &newer);
        ws.ok(0, &["import", &a]);
        let out = ws.ok(1, &["import", &b]);
        assert!(out.contains("subject project:."), "{scanner}: {out}");
        let listed = ws.list(1, &["--status", "open"]);
        assert_eq!(
            listed.len(),
            rows,
            "{scanner}: only the newer report is current: {listed:#?}"
        );
        assert!(
            listed.iter().all(|r| r["subject"] == "project:."),
            "{scanner}"
        );
    }
}

#[test]
fn a_clean_gitleaks_run_verifies_the_fixed_leaks() {
    let ws = Ws::new();
    let dirty = write(
        &ws,
        "reports/gitleaks-2026-11-24.json",
        &gitleaks(&[("a.py", "k1xxxxxxxxxxxxxxxx")]),
    );
    ws.ok(0, &["import", &dirty]);
    assert_eq!(ws.list(0, &["--status", "open"]).len(), 1);
    // `[]` under a name that says nothing: this subject's history says gitleaks.
    let clean = write(&ws, "reports/secrets-latest.json", "[]\n");
    let out = ws.ok(1, &["import", &clean]);
    assert!(out.contains("(gitleaks)"), "{out}");
    assert!(ws.list(1, &["--status", "open"]).is_empty());
    assert_eq!(ws.list(1, &["--status", "fixed"]).len(), 1);
    // A `[]` nothing can place is refused with what to do, and --format places it.
    let fresh = Ws::new();
    let bare = write(&fresh, "out.json", "[]");
    let refused = fresh.run_at(0, &["import", &bare]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--format"));
    let placed = fresh.ok(0, &["import", "--format", "gitleaks", &bare]);
    assert!(placed.contains("(gitleaks)"), "{placed}");
}

#[test]
fn two_projects_with_the_same_lockfile_stay_apart() {
    let ws = Ws::new();
    let report = npm_audit(&["axios"]);
    let a = write(&ws, "shop/npm-audit.json", &report);
    let b = write(&ws, "blog/npm-audit.json", &report);
    ws.ok(0, &["import", &a, &b]);
    let rows = ws.list(0, &[]);
    let subjects: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, BTreeSet::from(["project:blog", "project:shop"]));
    let fps: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 2, "one finding per project");
    // --subject names a report's project explicitly.
    let c = write(&ws, "reports/third.json", &report);
    let out = ws.ok(0, &["import", "--subject", "api", &c]);
    assert!(out.contains("subject project:api"), "{out}");
}

#[test]
fn decisions_follow_a_clone_in_another_directory() {
    // hadolint and gitleaks print absolute paths when given absolute paths.
    let decide = |ws: &Ws| -> Vec<Value> {
        let root = ws.dir.canonicalize().unwrap();
        let file = root.join("backend/Dockerfile").display().to_string();
        let config = root.join("backend/config.py").display().to_string();
        let h = write(ws, "reports/hadolint.json", &hadolint(&[(&file, 4)]));
        let g = write(
            ws,
            "reports/gitleaks.json",
            &gitleaks(&[(&config, "s3cr3tvaluexxxxxxxxx")]),
        );
        ws.ok(0, &["import", &h, &g]);
        ws.list(0, &[])
    };
    let first = Ws::new();
    let rows = decide(&first);
    assert!(
        rows.iter()
            .all(|r| !r["path"].as_str().unwrap_or("").starts_with('/')),
        "{rows:#?}"
    );
    for r in &rows {
        first.ok(
            0,
            &[
                "triage",
                "false-positive",
                "--fingerprint",
                r["fingerprint"].as_str().unwrap(),
                "--reason",
                "test data",
            ],
        );
    }
    // Secret identity is keyed per installation (see README "Fingerprints"):
    // the clone is on the same machine, in another directory.
    let clone = first.clone_beside("elsewhere");
    std::fs::create_dir_all(clone.dir.join(".scandeck")).unwrap();
    std::fs::copy(
        first.dir.join(".scandeck/decisions.json"),
        clone.dir.join(".scandeck/decisions.json"),
    )
    .unwrap();
    let cloned = decide(&clone);
    assert_eq!(ids(&rows), ids(&cloned));
    assert!(
        cloned.iter().all(|r| r["status"] == "suppressed"),
        "every decision applies in the clone: {cloned:#?}"
    );
}

#[test]
fn one_false_positive_on_a_semgrep_result_suppresses_exactly_one_row() {
    let Some(real) = real_fixtures() else { return };
    let fixture = real.join("sarif/semgrep-oss-1.69-security-severity.sarif.json");
    let ws = Ws::new();
    ws.ok(0, &["import", fixture.to_str().unwrap()]);
    let rows = ws.list(0, &[]);
    let fps: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap())
        .collect();
    let results: usize = serde_json::from_slice::<Value>(&std::fs::read(&fixture).unwrap())
        .unwrap()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["results"].as_array().map_or(0, Vec::len))
        .sum();
    let legacy: BTreeSet<String> = {
        use scandeck::ingest::{identify::Origin, parse_bytes_from, ParseContext};
        let redactor = scandeck::model::Redactor::with_key([0; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "semgrep.sarif",
            image_override: None,
        };
        let origin = Origin {
            legacy: true,
            ..Origin::default()
        };
        let parsed =
            parse_bytes_from(&std::fs::read(&fixture).unwrap(), &ctx, &origin, None).unwrap();
        parsed
            .findings
            .iter()
            .filter_map(|f| f.legacy_fingerprint.as_deref())
            .map(|f| f.to_string())
            .collect()
    };
    eprintln!(
        "semgrep: {results} results, {} rows, {} fingerprints (schema 1 gave {})",
        rows.len(),
        fps.len(),
        legacy.len()
    );
    assert_eq!(fps.len(), rows.len(), "one fingerprint per row");
    let before = rows.iter().filter(|r| r["status"] == "suppressed").count();
    let fp = rows[0]["fingerprint"].as_str().unwrap();
    let out = ws.ok(
        1,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            fp,
            "--reason",
            "reviewed",
        ],
    );
    let after = ws
        .list(1, &[])
        .iter()
        .filter(|r| r["status"] == "suppressed")
        .count();
    assert_eq!(after - before, 1, "{out}");
}

#[test]
fn a_schema_1_decision_file_is_upgraded_onto_the_findings_it_covered() {
    use scandeck::ingest::{identify::Origin, parse_bytes_from, ParseContext};
    let ws = Ws::new();
    // Two hadolint hits of one rule in one file: schema 1 gave them one fingerprint.
    let report = hadolint(&[("Dockerfile", 3), ("Dockerfile", 9), ("web/Dockerfile", 2)]);
    let path = write(&ws, "reports/hadolint.json", &report);
    ws.ok(0, &["import", &path]);
    let redactor = scandeck::model::Redactor::with_key([0; 32]);
    let ctx = ParseContext {
        redactor: &redactor,
        report_name: "reports/hadolint.json",
        image_override: None,
    };
    let origin = Origin {
        legacy: true,
        ..Origin::default()
    };
    let parsed = parse_bytes_from(report.as_bytes(), &ctx, &origin, None).unwrap();
    let old = |file: &str| {
        parsed
            .findings
            .iter()
            .find(|f| f.location.path.as_deref() == Some(file))
            .unwrap()
            .legacy_fingerprint
            .as_deref()
            .unwrap()
            .to_string()
    };
    let (collapsed, single) = (old("Dockerfile"), old("web/Dockerfile"));
    let decision = |fp: &str| {
        json!({"disposition": "false_positive", "selector": {"fingerprint": fp, "ids": ["DL3008"], "target": "path:reports/hadolint.json"},
               "reason": "pinned by the base image", "decided_by": "Old Tool <o@example.com>", "decided_at": "2026-02-01T00:00:00Z"})
    };
    let v1 = json!({
        "schema_version": 1,
        "decisions": {format!("finding:{collapsed}"): decision(&collapsed), format!("finding:{single}"): decision(&single)},
        "sightings": {collapsed.clone(): {"first_seen": "2026-02-01T00:00:00Z", "last_seen": "2026-02-01T00:00:00Z"}},
        "audit": []
    });
    std::fs::write(
        ws.dir.join(".scandeck/decisions.json"),
        serde_json::to_string_pretty(&v1).unwrap(),
    )
    .unwrap();
    let out = ws.run_at(1, &["list", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("upgraded to schema 2: 3 decision(s) moved")
            && stderr.contains("covered 2 findings"),
        "{stderr}"
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r["status"] == "suppressed"),
        "{rows:#?}"
    );
    let file = ws.decisions();
    assert_eq!(file["schema_version"], 2);
    assert_eq!(file["decisions"].as_object().unwrap().len(), 3);
    // The SLA clock of the collapsed finding carries over to both.
    let seen: Vec<&str> = rows
        .iter()
        .filter(|r| r["path"] == "Dockerfile")
        .map(|r| r["first_seen"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ["2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z"]);
    // A second run has nothing to upgrade.
    let again = ws.run_at(2, &["list"]);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("upgraded"));
}

/// The number a triage command reports is the number of rows whose status
/// changes: no decision reaches another finding through a shared id.
#[test]
fn a_triage_count_is_the_number_of_rows_that_change_status() {
    let ws = Ws::new();
    let lodash = |target: &str| {
        json!({"Target": target, "Class": "lang-pkgs", "Type": "npm", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2021-23337", "PkgName": "lodash", "InstalledVersion": "4.17.20",
             "FixedVersion": "4.17.21", "Severity": "HIGH", "PkgPath": format!("{target}/node_modules/lodash/package.json")}]})
    };
    let report = json!({"SchemaVersion": 2, "ArtifactName": "shop/web:1", "ArtifactType": "container_image",
        "Metadata": {"RepoTags": ["shop/web:1"]},
        "Results": [lodash("app"), lodash("admin"), lodash("tools")]});
    ws.import(0, report);
    let statuses = |day| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = ws
            .list(day, &[])
            .iter()
            .map(|r| {
                (
                    r["fingerprint"].as_str().unwrap().to_string(),
                    r["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let changed = |a: &[(String, String)], b: &[(String, String)]| {
        a.iter().zip(b).filter(|(x, y)| x.1 != y.1).count()
    };
    let before = statuses(0);
    assert_eq!(before.len(), 3, "three copies of lodash are three findings");

    let out = ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &before[0].0,
            "--reason",
            "vendored test copy",
        ],
    );
    let after_one = statuses(0);
    assert!(out.contains("1 finding(s)"), "{out}");
    assert_eq!(changed(&before, &after_one), 1, "{after_one:?}");

    let out = ws.ok(
        0,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2021-23337",
            "--status",
            "open",
            "--until",
            "7d",
            "--reason",
            "next sprint",
        ],
    );
    let after_two = statuses(0);
    let n = changed(&after_one, &after_two);
    assert!(
        out.contains(&format!("{n} finding(s)")),
        "{n} rows changed: {out}"
    );
    assert_eq!(n, 2, "{after_two:?}");
}

/// Stand-ins for hadolint and gitleaks that print absolute paths, as the
/// real tools do when scandeck hands them absolute paths.
const HADOLINT: &str = r#"case "$1" in --version) echo "Haskell Dockerfile Linter 2.12.0"; exit 0;; esac
for a in "$@"; do file="$a"; done
printf '[{"code":"DL3008","level":"warning","line":4,"column":1,"file":"%s","message":"Pin versions in apt get install"}]\n' "$file"
"#;
const GITLEAKS: &str = r#"case "$1" in version|--version) echo "8.18.0"; exit 0;; esac
src=""; out=""; prev=""
for a in "$@"; do
  case "$prev" in --source) src="$a";; --report-path) out="$a";; esac
  prev="$a"
done
printf '[{"RuleID":"generic-api-key","Description":"Generic API Key","File":"%s/backend/config.py","StartLine":2,"EndLine":2,"StartColumn":12,"EndColumn":40,"Secret":"Zk9vX3Rlc3Rfc2VjcmV0XzEyMzQ1","Match":"API_KEY = Zk9vX3Rlc3Rfc2VjcmV0XzEyMzQ1","Commit":""}]\n' "$src" > "$out"
"#;

fn scan_project(ws: &Ws, bin: &std::path::Path) -> std::process::Output {
    common::scandeck(ws.home.path())
        .arg("--workspace")
        .arg(&ws.dir)
        .args(["scan", "--project", "--tools", "hadolint,gitleaks"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("SCANDECK_ACTOR", "Ana Analyst <ana@example.com>")
        .env("SCANDECK_NOW", "2026-03-01T10:00:00Z")
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .unwrap()
}

/// Scans the project with the stand-ins and lists what they found.
fn scanned(ws: &Ws, bin: &std::path::Path) -> Vec<Value> {
    let out = scan_project(ws, bin);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ws.list(0, &[])
        .into_iter()
        .filter(|r| r["source"] == "hadolint" || r["source"] == "gitleaks")
        .collect()
}

#[test]
fn decisions_made_on_scan_results_follow_a_clone() {
    use std::os::unix::fs::PermissionsExt;
    let first = Ws::new();
    let bin = first.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for (name, script) in [("hadolint", HADOLINT), ("gitleaks", GITLEAKS)] {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let project = |ws: &Ws| {
        write(
            ws,
            "backend/Dockerfile",
            "FROM debian:12\nRUN true\nRUN true\nRUN apt-get install -y curl\n",
        );
        write(
            ws,
            "backend/config.py",
            "# settings\nAPI_KEY = Zk9vX3Rlc3Rfc2VjcmV0XzEyMzQ1\n",
        );
    };
    project(&first);
    let mine = scanned(&first, &bin);
    assert_eq!(mine.len(), 2, "{mine:#?}");
    let root = first.dir.canonicalize().unwrap().display().to_string();
    for r in &mine {
        let text = r.to_string();
        assert!(!text.contains(&root), "no absolute path is stored: {text}");
        first.ok(
            0,
            &[
                "triage",
                "false-positive",
                "--fingerprint",
                r["fingerprint"].as_str().unwrap(),
                "--reason",
                "test data",
            ],
        );
    }
    let sarif = first.ok(0, &["export", "--format", "sarif"]);
    // Locations only: the export header names the workspace (issue 10 covers that).
    let uris: Vec<&str> = sarif.lines().filter(|l| l.contains("\"uri\"")).collect();
    assert!(!uris.is_empty());
    assert!(
        uris.iter()
            .all(|l| !l.contains(&root) && !l.contains("\"/")),
        "no absolute path in SARIF locations: {uris:?}"
    );

    // A checkout elsewhere on the same machine with the committed decisions.
    let clone = first.clone_beside("checkout-2");
    project(&clone);
    std::fs::create_dir_all(clone.dir.join(".scandeck")).unwrap();
    std::fs::copy(
        first.dir.join(".scandeck/decisions.json"),
        clone.dir.join(".scandeck/decisions.json"),
    )
    .unwrap();
    let theirs = scanned(&clone, &bin);
    let fps = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter()
            .map(|r| r["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fps(&mine), fps(&theirs), "the same findings in the clone");
    assert!(
        theirs.iter().all(|r| r["status"] == "suppressed"),
        "every decision applies in the clone: {theirs:#?}"
    );
}
