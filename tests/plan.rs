//! `scandeck plan`: open findings grouped by the action that clears them,
//! the version that fixes all of a package's findings, ranked by the SLA
//! risk cleared, with the command where the ecosystem has one.

mod common;

use common::{trivy, Vuln, Ws};
use serde_json::Value;

fn plan(ws: &Ws, day: u32, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["plan", "--format", "json"];
    args.extend_from_slice(extra);
    let out = ws.run_at(day, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn workspace() -> Ws {
    let ws = Ws::new();
    let api: Vec<Vuln> = vec![
        ("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", Some("3.0.9")),
        (
            "CVE-2026-2",
            &[],
            "openssl",
            "3.0.1",
            "CRITICAL",
            Some("3.0.12, 3.1.4"),
        ),
        (
            "CVE-2026-3",
            &[],
            "openssl",
            "3.0.1",
            "MEDIUM",
            Some("3.0.10"),
        ),
        ("CVE-2026-4", &[], "zlib1g", "1.2.13", "CRITICAL", None),
        ("CVE-2026-5", &[], "libxml2", "2.9.1", "LOW", Some("2.9.14")),
    ];
    ws.import(0, trivy("acme/api", "1.0", "aa", &api));
    ws
}

#[test]
fn a_package_is_upgraded_once_to_the_version_that_fixes_all_its_findings() {
    let ws = workspace();
    let actions = plan(&ws, 1, &[]);
    let openssl = actions
        .iter()
        .find(|a| a["fix"]["package"] == "openssl")
        .unwrap();
    assert_eq!(openssl["fix"]["kind"], "upgrade");
    assert_eq!(
        openssl["fix"]["to"], "3.0.12",
        "the highest of each finding's lowest fix"
    );
    assert_eq!(openssl["findings"].as_array().unwrap().len(), 3);
    assert_eq!(openssl["hint"], "apt-get install --only-upgrade openssl");
    let zlib = actions
        .iter()
        .find(|a| a["fix"]["package"] == "zlib1g")
        .unwrap();
    assert_eq!(zlib["fix"]["kind"], "no-fix-yet");
    // Both critical actions before the low one; a tie on criticals goes to more highs.
    let order: Vec<&str> = actions
        .iter()
        .map(|a| a["fix"]["package"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["openssl", "zlib1g", "libxml2"]);
}

#[test]
fn overdue_criticals_come_first_and_decided_findings_leave_the_plan() {
    let ws = workspace();
    let web: Vec<Vuln> = vec![("CVE-2026-9", &[], "curl", "8.2", "CRITICAL", Some("8.4"))];
    // Seen ten days later: its critical is due on that day, the api's are long overdue.
    ws.import(10, trivy("acme/web", "1.0", "bb", &web));
    let actions = plan(&ws, 11, &[]);
    assert_eq!(actions[0]["overdue_critical"], 1);
    assert_eq!(actions[0]["subject"], "image:acme/api");
    ws.ok(
        11,
        &[
            "triage",
            "false-positive",
            "--id",
            "CVE-2026-2",
            "--reason",
            "not linked",
        ],
    );
    ws.ok(
        11,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-4",
            "--until",
            "30d",
            "--approver",
            "CISO",
            "--reason",
            "r",
        ],
    );
    let actions = plan(&ws, 11, &[]);
    assert!(
        actions.iter().all(|a| a["fix"]["package"] != "zlib1g"),
        "an accepted finding needs no action"
    );
    let openssl = actions
        .iter()
        .find(|a| a["fix"]["package"] == "openssl")
        .unwrap();
    assert_eq!(
        openssl["fix"]["to"], "3.0.10",
        "without the false positive, 3.0.10 fixes the rest"
    );
    // The plan follows the filter: one image.
    let web_only = plan(&ws, 11, &["--image", "acme/web"]);
    assert_eq!(web_only.len(), 1);
    assert_eq!(web_only[0]["fix"]["package"], "curl");
}

#[test]
fn the_table_and_markdown_read_as_a_list_of_actions() {
    let ws = workspace();
    let table = ws.ok(1, &["plan"]);
    assert!(
        table.starts_with("3 action(s), most urgent first"),
        "{table}"
    );
    assert!(table.contains("upgrade openssl 3.0.1 to 3.0.12 in acme/api"));
    assert!(table.contains("$ apt-get install --only-upgrade openssl"));
    let md = ws.ok(1, &["plan", "--format", "md"]);
    assert!(md.starts_with("# Fix plan"));
    let export = ws.ok(1, &["export", "--format", "md", "-o", "-"]);
    assert!(
        export.contains("## Fix plan: the most urgent actions"),
        "the export opens with the plan"
    );
    let empty = Ws::new();
    assert!(empty.ok(0, &["plan"]).contains("nothing to fix"));
}
