//! The production checklist's automatic checks on the demo project (failing)
//! and on a fixed copy (passing), checklist records, and the release gate:
//! each reason blocks, a clean workspace passes, exit codes as documented.

use crate::common;

use common::{copy_dir, trivy, Ws};
use serde_json::Value;
use std::path::Path;

/// A workspace holding a copy of the demo project and its reports.
fn demo_project() -> Ws {
    let ws = Ws::new();
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    copy_dir(&assets.join("project"), &ws.dir);
    for report in common::demo_reports_into(&ws.dir) {
        ws.ok(0, &["import", report.to_str().unwrap()]);
    }
    ws
}

fn checklist(ws: &Ws, day: u32) -> Value {
    checklist_named(ws, day, "production")
}

fn checklist_named(ws: &Ws, day: u32, list: &str) -> Value {
    let out = ws.run_at(day, &["checklist", "--list", list, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// check name → proposal
fn proposals(doc: &Value) -> Vec<(String, String, String)> {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["evidence"].is_null())
        .map(|i| {
            (
                i["evidence"]["check"].as_str().unwrap().to_string(),
                i["evidence"]["proposal"].as_str().unwrap().to_string(),
                i["evidence"]["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn proposal(doc: &Value, check: &str) -> String {
    proposals(doc)
        .into_iter()
        .find(|(c, _, _)| c == check)
        .map(|(_, p, _)| p)
        .unwrap_or_else(|| panic!("no evidence for {check}"))
}

const FIXED_COMPOSE: &str = r#"services:
  backend:
    image: finance-tracker/backend:1.4.0
    deploy:
      resources:
        limits:
          cpus: "1.0"
          memory: 512M
  frontend:
    image: finance-tracker/frontend:1.4.0
    mem_limit: 128m
    cpus: 0.5
    ports:
      - "443:443"
  db:
    image: postgres:15.4
    deploy:
      resources:
        limits: {cpus: "2", memory: 1G}
"#;

const FIXED_NGINX: &str = r#"limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;
server {
    listen 443 ssl;   # TLS
    http2 on;
    ssl_certificate /etc/ssl/cert.pem;
    add_header Strict-Transport-Security "max-age=63072000" always;
    location /api/ {
        limit_req zone=api burst=20;
        proxy_pass http://backend:5000;
    }
}
"#;

#[test]
fn automatic_checks_fail_on_the_demo_project_and_pass_on_a_fixed_copy() {
    let ws = demo_project();
    let before = checklist(&ws, 0);
    for check in [
        "no-open-critical-high",
        "env-passwords-strong",
        "https-enabled",
        "compose-resource-limits",
        "rate-limiting",
        "content-trust",
    ] {
        assert_eq!(
            proposal(&before, check),
            "fail",
            "{check} on the demo project"
        );
    }
    assert_eq!(proposal(&before, "scans-recent"), "pass");
    assert_eq!(before["complete"], 0, "evidence never ticks an item");
    let text = serde_json::to_string(&before).unwrap();
    for secret in ["finance123", "changeme"] {
        assert!(
            !text.contains(secret),
            "a password value is shown: {secret}"
        );
    }

    let practices = checklist_named(&ws, 0, "best-practices");
    assert_eq!(
        proposal(&practices, "no-open-secrets"),
        "fail",
        "the demo's gitleaks report"
    );

    // The fixed copy: the same project with its problems fixed, and scans without findings to fix.
    let ws = Ws::new();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/project"),
        &ws.dir,
    );
    std::fs::write(ws.dir.join("docker-compose.yml"), FIXED_COMPOSE).unwrap();
    std::fs::write(ws.dir.join("frontend/nginx.conf"), FIXED_NGINX).unwrap();
    std::fs::write(
        ws.dir.join(".env"),
        "DATABASE_URL=postgresql://finance:Xq7v-93kd-LLp2-a8Zr@db:5432/finance\nSECRET_KEY=\"s8Jd-02kL-qP4z-77aN-xx1\"\nPOSTGRES_PASSWORD=Xq7v-93kd-LLp2-a8Zr\n",
    )
    .unwrap();
    std::fs::create_dir_all(ws.dir.join(".github/workflows")).unwrap();
    std::fs::write(
        ws.dir.join(".github/workflows/release.yml"),
        "jobs:\n  push:\n    env:\n      DOCKER_CONTENT_TRUST: \"1\"\n",
    )
    .unwrap();
    for image in [
        "finance-tracker/backend",
        "finance-tracker/frontend",
        "postgres",
    ] {
        ws.import(
            1,
            trivy(
                image,
                "1.4.0",
                "f00d",
                &[("CVE-2026-100", &[], "zlib", "1.3", "LOW", None)],
            ),
        );
    }
    let after = checklist(&ws, 1);
    let checks = proposals(&after);
    assert_eq!(
        checks.len(),
        7,
        "every automatic check of the production list"
    );
    for (check, proposal, summary) in checks {
        assert_eq!(proposal, "pass", "{check}: {summary}");
    }
    assert_eq!(
        after["complete"], 0,
        "passing evidence does not tick either"
    );
    let practices = checklist_named(&ws, 1, "best-practices");
    assert_eq!(proposal(&practices, "no-open-secrets"), "pass");
    assert_eq!(
        proposal(&checklist(&ws, 20), "scans-recent"),
        "fail",
        "three weeks later the scans are stale"
    );
}

#[test]
fn no_open_critical_high_passes_once_only_low_findings_remain() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "CRITICAL", None)],
        ),
    );
    assert_eq!(
        proposal(&checklist(&ws, 0), "no-open-critical-high"),
        "fail"
    );
    ws.import(
        1,
        trivy(
            "shop/api",
            "2",
            "b",
            &[("CVE-2026-2", &[], "zlib", "1.3", "LOW", None)],
        ),
    );
    assert_eq!(
        proposal(&checklist(&ws, 1), "no-open-critical-high"),
        "pass"
    );
}

#[test]
fn checklist_records_who_and_when_and_refuses_bad_input() {
    let ws = Ws::new();
    let out = ws.ok(0, &["checklist", "check", "backups"]);
    assert!(out.contains("production/backups: done"), "{out}");
    ws.ok(
        1,
        &[
            "checklist",
            "note",
            "backups",
            "nightly to S3, restore rehearsed 2026-02-20",
        ],
    );
    let refused = ws.run_at(1, &["checklist", "na", "https", "--reason", " "]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs a reason"));
    let unknown = ws.run_at(1, &["checklist", "check", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("has no item \"nope\""));
    let doc = checklist(&ws, 1);
    let backups = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "backups")
        .unwrap();
    assert_eq!(backups["state"], "done");
    assert_eq!(backups["recorded"]["by"], "Ana Analyst <ana@example.com>");
    assert_eq!(
        backups["recorded"]["at"], "2026-03-02T10:00:00Z",
        "the note's time"
    );
    assert_eq!(
        backups["recorded"]["note"],
        "nightly to S3, restore rehearsed 2026-02-20"
    );
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.dir.join(".scandeck/checklist.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["schema_version"], 2);
    assert_eq!(file["audit"].as_array().unwrap().len(), 2);
    let md = ws.ok(1, &["checklist", "show", "--format", "md"]);
    assert!(md.contains("1 of 12 items complete."), "{md}");
    let best = ws.ok(1, &["checklist", "--list", "best-practices"]);
    assert!(best.contains("Non-root users in all containers"));
    ws.ok(2, &["checklist", "reset"]);
    assert_eq!(checklist(&ws, 2)["complete"], 0);
}

/// Records every production item as done or not applicable.
fn walk_production(ws: &Ws, day: u32) {
    let doc = checklist(ws, day);
    for item in doc["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        if id == "content-trust" {
            ws.ok(
                day,
                &[
                    "checklist",
                    "na",
                    id,
                    "--reason",
                    "images signed with cosign in CI",
                ],
            );
        } else {
            ws.ok(day, &["checklist", "check", id]);
        }
    }
}

fn gate(ws: &Ws, day: u32, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["gate", "--json"];
    args.extend_from_slice(extra);
    let out = ws.run_at(day, &args);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), doc)
}

fn rules(doc: &Value) -> Vec<String> {
    doc["blocked"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["rule"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_clean_workspace_with_a_walked_checklist_is_ready() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-1", &[], "zlib", "1.3", "LOW", None)],
        ),
    );
    let (code, doc) = gate(&ws, 0, &[]);
    assert_eq!(
        (code, rules(&doc)),
        (1, vec!["checklist".to_string()]),
        "{doc}"
    );
    walk_production(&ws, 0);
    let (code, doc) = gate(&ws, 0, &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["ready"], true);
    let text = ws.run_at(0, &["gate"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("READY"));
}

#[test]
fn each_gate_reason_blocks() {
    let no_checklist = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "require_checklists = []\n").unwrap();
        (dir, path)
    };
    let policy = no_checklist.1.to_str().unwrap();

    // open critical
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "CRITICAL", None)],
        ),
    );
    assert_eq!(
        gate(&ws, 0, &["--policy", policy]).1["blocked"][0]["rule"],
        "open-critical"
    );
    // ...unless accepted with an approver and an expiry
    ws.ok(
        0,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-1",
            "--until",
            "2026-03-10",
            "--approver",
            "CISO",
            "--reason",
            "not reachable",
        ],
    );
    assert_eq!(gate(&ws, 0, &["--policy", policy]).0, 0);
    // an acceptance without approver (edited by hand) blocks
    let path = ws.dir.join(".scandeck/decisions.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"approver\": \"CISO\",", "");
    std::fs::write(&path, text).unwrap();
    assert_eq!(
        rules(&gate(&ws, 1, &["--policy", policy]).1),
        vec!["unapproved-acceptance"]
    );

    // overdue high: 8 days after first sight
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-2", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    assert_eq!(
        gate(&ws, 3, &["--policy", policy]).0,
        0,
        "within the 7 days"
    );
    ws.import(
        8,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-2", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    assert_eq!(
        rules(&gate(&ws, 8, &["--policy", policy]).1),
        vec!["overdue-high"]
    );

    // expired acceptance of a medium finding
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-3", &[], "openssl", "3.0.1", "MEDIUM", None)],
        ),
    );
    ws.ok(
        0,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-3",
            "--until",
            "2026-03-05",
            "--reason",
            "low exposure",
        ],
    );
    assert_eq!(gate(&ws, 2, &["--policy", policy]).0, 0);
    let (code, doc) = gate(&ws, 9, &["--policy", policy]);
    assert_eq!(
        (code, rules(&doc)),
        (1, vec!["expired-acceptance".to_string()]),
        "{doc}"
    );

    // secret
    let ws = Ws::new();
    let leak = ws.dir.join("gitleaks.json");
    std::fs::write(&leak, serde_json::json!([{"RuleID": "aws-access-token", "Description": "AWS", "File": "app/config.py", "StartLine": 3, "Secret": "AKIAIOSFODNN7EXAMPLE", "Match": "key = AKIAIOSFODNN7EXAMPLE", "Fingerprint": "app/config.py:aws-access-token:3"}]).to_string()).unwrap();
    ws.ok(0, &["import", leak.to_str().unwrap()]);
    assert!(rules(&gate(&ws, 0, &["--policy", policy]).1).contains(&"secret".to_string()));
    ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--kind",
            "secret",
            "--reason",
            "documentation example key",
        ],
    );
    assert_eq!(
        gate(&ws, 0, &["--policy", policy]).0,
        0,
        "a false positive no longer blocks"
    );

    // a fix nobody has verified
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-4", &[], "openssl", "3.0.1", "HIGH", Some("3.0.2"))],
        ),
    );
    ws.ok(
        0,
        &[
            "triage",
            "fixed",
            "--id",
            "CVE-2026-4",
            "--reason",
            "bumped in main",
        ],
    );
    assert_eq!(
        rules(&gate(&ws, 0, &["--policy", policy]).1),
        vec!["unverified-fix"]
    );

    // a high introduced by the image change
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-5", &[], "openssl", "3.0.1", "LOW", None)],
        ),
    );
    ws.import(
        1,
        trivy(
            "shop/api",
            "2",
            "b",
            &[
                ("CVE-2026-5", &[], "openssl", "3.0.1", "LOW", None),
                ("CVE-2026-6", &[], "curl", "8.0", "HIGH", None),
            ],
        ),
    );
    assert_eq!(
        rules(&gate(&ws, 1, &["--policy", policy]).1),
        vec!["new-from-image-change"]
    );

    // the production checklist, with the default policy
    let ws = Ws::new();
    ws.import(0, trivy("shop/api", "1", "a", &[]));
    let (code, doc) = gate(&ws, 0, &[]);
    assert_eq!((code, rules(&doc)), (1, vec!["checklist".to_string()]));
    assert!(doc["blocked"][0]["message"]
        .as_str()
        .unwrap()
        .contains("12 of 12"));
}

#[test]
fn a_broken_policy_is_a_usage_error() {
    let ws = Ws::new();
    let path = ws.dir.join("policy.toml");
    std::fs::write(&path, "block_everything = true\n").unwrap();
    let out = ws.run_at(0, &["gate", "--policy", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("policy.toml") && err.contains("block_everything"),
        "{err}"
    );
    let missing = ws.run_at(0, &["gate", "--policy", "/nonexistent/policy.toml"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn ticking_an_item_whose_check_fails_is_an_override_with_a_reason_named_everywhere() {
    let ws = demo_project();
    let doc = checklist(&ws, 1);
    let failing = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["evidence"]["proposal"] == "fail")
        .expect("the demo project fails a check")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = ws.run_at(1, &["checklist", "check", &failing]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("automatic check fails") && err.contains("--reason"),
        "{err}"
    );
    assert!(
        checklist(&ws, 1)["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["recorded"].is_null()),
        "nothing recorded"
    );
    ws.ok(
        1,
        &[
            "checklist",
            "check",
            &failing,
            "--reason",
            "limits set by the platform team, OPS-7",
        ],
    );
    let item = checklist(&ws, 1)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == failing.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["state"], "done (override)");
    assert_eq!(item["complete"], true);
    assert_eq!(item["recorded"]["overridden"], true);
    let text = ws.ok(1, &["checklist"]);
    assert!(
        text.contains("[x*]") && text.contains("done (override) by"),
        "{text}"
    );
    let (_, verdict) = gate(&ws, 1, &[]);
    let overrides = verdict["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1);
    assert!(overrides[0].as_str().unwrap().contains("OPS-7"));
    let out = ws.run_at(1, &["gate"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!(
        "override: checklist production/{failing} done (override)"
    )));
    let md = ws.ok(1, &["export", "--format", "md", "-o", "-"]);
    assert!(
        md.contains("1 checklist override"),
        "the export header names it"
    );
    // Unchecking clears the override.
    ws.ok(1, &["checklist", "uncheck", &failing]);
    let (_, verdict) = gate(&ws, 1, &[]);
    assert!(verdict["overrides"].as_array().unwrap().is_empty());
}

/// The project walk stops at a cap (`[project] walk_max_files`); what it
/// did not reach is "not checked", never "no compose file in the project",
/// in the checklist and in the posture scan (docs/reliability.md).
#[test]
fn a_walk_that_stops_at_its_cap_says_so() {
    let ws = Ws::new();
    std::fs::create_dir_all(ws.dir.join("aaa")).unwrap();
    std::fs::write(
        ws.dir.join("aaa/docker-compose.yml"),
        "services:\n  api:\n    image: shop/api:1\n    mem_limit: 512m\n    cpus: 1.5\n",
    )
    .unwrap();
    // The walk reaches `zzz` first; its files use up the cap.
    std::fs::create_dir_all(ws.dir.join("zzz")).unwrap();
    for i in 0..60 {
        std::fs::write(ws.dir.join(format!("zzz/f{i}")), "").unwrap();
    }
    let summary = |doc: &Value| {
        proposals(doc)
            .into_iter()
            .find(|(c, _, _)| c == "compose-resource-limits")
            .unwrap()
    };
    let whole = checklist(&ws, 0);
    assert_eq!(summary(&whole).1, "pass", "{:?}", summary(&whole));
    let config = ws.home.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[project]\nwalk_max_files = 50\n",
    )
    .unwrap();
    let capped = checklist(&ws, 0);
    let (_, proposal, said) = summary(&capped);
    assert_eq!(proposal, "unknown", "{said}");
    assert!(
        said.starts_with("not checked: the project walk stopped after 50 files"),
        "{said}"
    );
    let scan = ws.ok(0, &["scan", "--project", "--tools", "posture"]);
    assert!(
        scan.contains("not checked: the project walk stopped after 50 files"),
        "{scan}"
    );
}

/// One definition of every number (issue 21, docs/numbers.md): on one
/// workspace at a fixed clock, "past their SLA" in the exports, `list
/// --status overdue`, the console's overdue rows and the gate's
/// `overdue-high` count the same findings; a high inside its SLA blocks
/// neither the gate nor the checklist's critical/high item.
#[test]
fn overdue_means_the_same_in_the_exports_list_console_gate_and_checklist() {
    let ws = Ws::new();
    let high = |id: &'static str, pkg: &'static str| -> common::Vuln<'static> {
        (id, &[], pkg, "1.0", "HIGH", Some("1.1"))
    };
    ws.import(
        0,
        common::trivy(
            "shop/api",
            "1",
            "a1",
            &[high("CVE-2026-31", "zlib"), high("CVE-2026-32", "curl")],
        ),
    );
    ws.import(
        3,
        common::trivy("shop/web", "1", "b1", &[high("CVE-2026-33", "tar")]),
    );
    ws.ok(
        3,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-32",
            "--until",
            "30d",
            "--reason",
            "vendor patch",
        ],
    );
    let policy = ws.home.path().join("policy.toml");
    std::fs::write(&policy, "require_checklists = []\n").unwrap();
    let numbers = |day: u32| {
        let overdue_listed = ws.list(day, &["--status", "overdue"]).len();
        let md = ws.ok(day, &["export", "--format", "md"]);
        let past: usize = md
            .split("high\\), ")
            .nth(1)
            .and_then(|rest| rest.split(" past their SLA").next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no past-SLA count in {md}"));
        let gate = String::from_utf8_lossy(
            &ws.run_at(
                day,
                &["gate", "--policy", policy.to_str().unwrap(), "--json"],
            )
            .stdout,
        )
        .into_owned();
        let gate: serde_json::Value = serde_json::from_str(&gate).unwrap();
        let gate_overdue: usize = gate["blocked"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == "overdue-high")
            .map_or(0, |r| {
                r["message"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            });
        // The console's rows, loaded as the console loads them.
        let current = scandeck::store::Workspace::at(&ws.dir)
            .current_findings(&common::redactor_of(&ws))
            .unwrap();
        let now =
            chrono::DateTime::parse_from_rfc3339(&format!("2026-03-{:02}T10:00:00Z", day + 1))
                .unwrap()
                .with_timezone(&chrono::Utc);
        let data = scandeck::tui::data::Data::build(current, now);
        let console = data
            .view
            .assessments
            .iter()
            .filter(|a| a.status == scandeck::triage::Status::Overdue)
            .count();
        let item = checklist(&ws, day)["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["evidence"]["check"] == "no-open-critical-high")
            .map(|i| i["evidence"]["proposal"].as_str().unwrap().to_string())
            .unwrap();
        (
            overdue_listed,
            past,
            gate_overdue,
            console,
            gate["ready"] == true,
            item,
        )
    };
    // Day 7: the first two are due today, nothing is late; the highs inside
    // their SLA pass the gate and the checklist item alike.
    assert_eq!(numbers(7), (0, 0, 0, 0, true, "pass".to_string()));
    // Day 9: one is a day late (the snoozed one is decided, the third is
    // inside its SLA): every count says 1, and both fail.
    assert_eq!(numbers(9), (1, 1, 1, 1, false, "fail".to_string()));
}

/// Coverage (issue 21, docs/coverage.md): a manifest no dependency or
/// vulnerability scan covered is said to be not checked — in `gate` (a
/// warning, or a block under `require_coverage`), in the exports' summary
/// and in the console's header — until a scan of it is imported.
#[test]
fn what_no_scanner_covered_is_said_everywhere() {
    let ws = Ws::new();
    std::fs::write(
        ws.dir.join("requirements.txt"),
        "flask==1.1.2\npyyaml==5.3\n",
    )
    .unwrap();
    // A posture finding, so that there is a run, but no dependency audit.
    std::fs::write(ws.dir.join(".gitignore"), "x\n").unwrap();
    ws.ok(0, &["scan", "--project", "--tools", "posture"]);
    let policy = ws.home.path().join("policy.toml");
    std::fs::write(&policy, "require_checklists = []\n").unwrap();
    let gate = ws.run_at(0, &["gate", "--policy", policy.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&gate.stdout).into_owned();
    assert!(
        said.contains(
            "warning: not checked (require_coverage = true blocks): requirements.txt: not audited"
        ),
        "{said}"
    );
    let strict = ws.home.path().join("strict.toml");
    std::fs::write(
        &strict,
        "require_checklists = []\nrequire_coverage = true\n",
    )
    .unwrap();
    let blocked = ws.run_at(0, &["gate", "--policy", strict.to_str().unwrap()]);
    assert_eq!(blocked.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&blocked.stdout)
            .contains("BLOCKED [coverage] 1 part(s) of the project were not checked"),
        "{}",
        String::from_utf8_lossy(&blocked.stdout)
    );
    let md = ws.ok(0, &["export", "--format", "md"]);
    assert!(
        md.contains("- Not checked: requirements.txt: not audited"),
        "{md}"
    );
    // The console's header, from the data its loader builds.
    let current = scandeck::store::Workspace::at(&ws.dir)
        .current_findings(&common::redactor_of(&ws))
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut data = scandeck::tui::data::Data::build(current, now);
    data.load_walk(
        &scandeck::store::Workspace::at(&ws.dir),
        &scandeck::checklist::walk::WalkSetup {
            user_dir: ws.home.path().join("none"),
            max_scan_age_days: 7,
        },
        now,
    );
    assert_eq!(
        data.walk.not_checked.len(),
        1,
        "{:?}",
        data.walk.not_checked
    );
    // A dependency audit of it: nothing left unchecked.
    let audit = serde_json::json!({"dependencies": [
        {"name": "flask", "version": "1.1.2", "vulns": []},
        {"name": "pyyaml", "version": "5.3", "vulns": []}], "fixes": []});
    let path = ws.dir.join("pip-audit.json");
    std::fs::write(&path, audit.to_string()).unwrap();
    ws.ok(0, &["import", path.to_str().unwrap(), "--subject", "."]);
    let gate = ws.run_at(0, &["gate", "--policy", strict.to_str().unwrap()]);
    assert_eq!(
        gate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&gate.stdout)
    );
}
