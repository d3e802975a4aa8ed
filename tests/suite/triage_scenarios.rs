//! Triage across successive imports of reports written for these tests:
//! rebuilds, package bumps, regressions, expiry, alias changes, the audit log.

use crate::common;

use common::{trivy, Ws};

#[test]
fn a_rebuilt_image_with_a_new_tag_and_digest_keeps_its_decisions() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1.0",
            "aaa",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    ws.ok(
        0,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-1",
            "--until",
            "30d",
            "--reason",
            "base image update pending",
        ],
    );
    let changes = ws.import(
        3,
        trivy(
            "shop/api",
            "1.1",
            "bbb",
            &[("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    assert!(
        changes.contains("subject image:shop/api (image shop/api:1.1)"),
        "{changes}"
    );
    assert!(changes.contains("0 new"), "{changes}");
    let row = ws.row(3, "CVE-2026-1");
    assert_eq!(row["status"], "snoozed");
    assert_eq!(row["image"], "shop/api:1.1");
    assert_eq!(
        row["first_seen"], "2026-03-01T10:00:00Z",
        "the SLA clock did not restart"
    );
    assert!(
        ws.list(3, &["--since-previous"]).is_empty(),
        "nothing changed but the tag"
    );
}

#[test]
fn a_package_bump_keeps_a_snooze_and_the_sla_clock() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a1",
            &[(
                "CVE-2026-2",
                &[],
                "libxml2",
                "2.9.1",
                "MEDIUM",
                Some("2.9.14"),
            )],
        ),
    );
    ws.ok(
        1,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-2",
            "--until",
            "2026-04-30",
            "--reason",
            "vendor patch in Q2",
        ],
    );
    ws.import(
        5,
        trivy(
            "shop/api",
            "2",
            "b2",
            &[(
                "CVE-2026-2",
                &[],
                "libxml2",
                "2.9.10",
                "MEDIUM",
                Some("2.9.14"),
            )],
        ),
    );
    let row = ws.row(5, "CVE-2026-2");
    assert_eq!(row["status"], "snoozed", "{row}");
    assert_eq!(row["installed_version"], "2.9.10");
    assert_eq!(
        row["sla_due"], "2026-03-31T10:00:00Z",
        "medium: 30 days from the first sighting, not from the bump"
    );
}

#[test]
fn a_fixed_finding_that_returns_is_regressed_with_its_sla_restarted() {
    let ws = Ws::new();
    let vuln = [("CVE-2026-3", &[][..], "curl", "8.1", "HIGH", Some("8.4"))];
    ws.import(0, trivy("shop/web", "1", "w1", &vuln));
    ws.ok(
        1,
        &[
            "triage",
            "fixed",
            "--id",
            "CVE-2026-3",
            "--reason",
            "upgraded curl",
        ],
    );
    assert_eq!(
        ws.row(1, "CVE-2026-3")["status"],
        "fix-pending",
        "a claim is not a fix until a scan shows it"
    );
    ws.import(2, trivy("shop/web", "2", "w2", &[]));
    assert_eq!(ws.row(2, "CVE-2026-3")["status"], "fixed");
    let audit = ws.decisions()["audit"].as_array().unwrap().clone();
    assert!(
        audit.iter().any(|e| e["action"] == "fixed_verified"),
        "{audit:?}"
    );
    ws.import(10, trivy("shop/web", "3", "w3", &vuln));
    let row = ws.row(10, "CVE-2026-3");
    assert_eq!(row["status"], "regressed");
    assert_eq!(
        row["first_seen"], "2026-03-01T10:00:00Z",
        "first sighting kept for age"
    );
    assert_eq!(
        row["sla_due"], "2026-03-18T10:00:00Z",
        "high: 7 days from the reappearance on day 10"
    );
    assert!(row["decision"].is_null(), "the fixed claim was reopened");
    let changes = ws.list(10, &["--since-previous"]);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["change"], "regressed");
    assert_eq!(
        ws.list(10, &["--status", "open"]).len(),
        1,
        "a regression is open"
    );
}

#[test]
fn an_expired_acceptance_reopens_and_restarts_the_sla() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/db",
            "15",
            "d1",
            &[(
                "CVE-2026-4",
                &[],
                "postgresql",
                "15.4",
                "CRITICAL",
                Some("15.5"),
            )],
        ),
    );
    let refused = ws.run_at(
        0,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-4",
            "--reason",
            "compensating firewall rule",
        ],
    );
    assert_eq!(
        refused.status.code(),
        Some(2),
        "critical acceptance needs approver and expiry"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("approver"));
    ws.ok(
        0,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-4",
            "--reason",
            "compensating firewall rule",
            "--approver",
            "CISO",
            "--until",
            "2026-03-06",
        ],
    );
    assert_eq!(ws.row(2, "CVE-2026-4")["status"], "accepted");
    let heads_up = ws.run_at(2, &["list"]);
    assert!(String::from_utf8_lossy(&heads_up.stderr)
        .contains("heads-up: 1 decision(s) expire within 10 days"));
    let row = ws.row(7, "CVE-2026-4");
    assert_eq!(
        row["status"], "overdue",
        "the acceptance ended on day 5: the critical is due at once again"
    );
    let out = ws.import(
        7,
        trivy(
            "shop/db",
            "15",
            "d2",
            &[(
                "CVE-2026-4",
                &[],
                "postgresql",
                "15.4",
                "CRITICAL",
                Some("15.5"),
            )],
        ),
    );
    assert!(out.contains("accepted of CVE-2026-4"), "{out}");
    let file = ws.decisions();
    assert!(file["decisions"].as_object().unwrap().is_empty());
    assert!(file["audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "expired"));
    assert_eq!(
        ws.row(7, "CVE-2026-4")["sla_due"],
        "2026-03-06T23:59:59Z",
        "the clock restarted at the acceptance's end"
    );
    assert!(ws.ok(7, &["triage", "verify"]).contains("audit log intact"));
}

#[test]
fn a_ghsa_keyed_decision_applies_when_the_same_finding_is_reported_by_cve() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/ui",
            "1",
            "u1",
            &[(
                "GHSA-p6mc-m468-83gw",
                &[],
                "lodash",
                "4.17.15",
                "HIGH",
                Some("4.17.19"),
            )],
        ),
    );
    ws.ok(
        0,
        &[
            "triage",
            "false-positive",
            "--id",
            "GHSA-p6mc-m468-83gw",
            "--reason",
            "lodash is only a dev dependency",
        ],
    );
    let before = ws.row(0, "GHSA-p6mc-m468-83gw");
    ws.import(
        1,
        trivy(
            "shop/ui",
            "1",
            "u1",
            &[(
                "CVE-2020-8203",
                &["GHSA-p6mc-m468-83gw"],
                "lodash",
                "4.17.15",
                "HIGH",
                Some("4.17.19"),
            )],
        ),
    );
    let row = ws.row(1, "CVE-2020-8203");
    assert_ne!(
        row["fingerprint"], before["fingerprint"],
        "the alias group gained a CVE, so the key changed"
    );
    assert_eq!(
        row["status"], "suppressed",
        "the decision still applies through the alias"
    );
    let rule = Ws::new();
    rule.import(
        0,
        trivy(
            "shop/ui",
            "1",
            "u1",
            &[(
                "CVE-2020-8203",
                &["GHSA-p6mc-m468-83gw"],
                "lodash",
                "4.17.15",
                "HIGH",
                None,
            )],
        ),
    );
    rule.ok(
        0,
        &[
            "triage",
            "not-affected",
            "--rule",
            "--id",
            "GHSA-p6mc-m468-83gw",
            "--justification",
            "vulnerable_code_not_in_execute_path",
            "--reason",
            "zipObjectDeep is never called",
        ],
    );
    assert_eq!(
        rule.row(0, "CVE-2020-8203")["status"],
        "suppressed",
        "a GHSA rule matches the CVE-keyed finding"
    );
    rule.import(
        1,
        trivy(
            "shop/admin",
            "1",
            "x1",
            &[(
                "CVE-2020-8203",
                &["GHSA-p6mc-m468-83gw"],
                "lodash",
                "4.17.11",
                "HIGH",
                None,
            )],
        ),
    );
    assert!(
        rule.list(1, &[])
            .iter()
            .all(|r| r["status"] == "suppressed"),
        "the rule covers future findings too"
    );
}

#[test]
fn gone_suppressed_findings_are_dormant_and_apply_again_when_they_return() {
    let ws = Ws::new();
    let vuln = [("CVE-2026-5", &[][..], "busybox", "1.36", "MEDIUM", None)];
    ws.import(0, trivy("shop/edge", "1", "e1", &vuln));
    ws.ok(
        0,
        &[
            "triage",
            "not-affected",
            "--id",
            "CVE-2026-5",
            "--justification",
            "component_not_present",
            "--reason",
            "applet removed",
        ],
    );
    ws.import(1, trivy("shop/edge", "2", "e2", &[]));
    assert_eq!(ws.row(1, "CVE-2026-5")["status"], "dormant");
    ws.import(2, trivy("shop/edge", "3", "e3", &vuln));
    assert_eq!(
        ws.row(2, "CVE-2026-5")["status"],
        "suppressed",
        "the decision applies again"
    );
}

#[test]
fn new_findings_split_into_image_changed_and_newly_reported() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-6", &[], "openssl", "3.0.1", "LOW", None)],
        ),
    );
    ws.import(
        1,
        trivy(
            "shop/api",
            "2",
            "b",
            &[
                ("CVE-2026-6", &[], "openssl", "3.0.1", "LOW", None),
                ("CVE-2026-7", &[], "openssl", "3.0.1", "LOW", None),
                ("CVE-2026-8", &[], "zlib", "1.3", "LOW", None),
            ],
        ),
    );
    let changes = ws.list(1, &["--since-previous"]);
    let change = |id: &str| {
        changes
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["change"].as_str().unwrap().to_string())
    };
    assert_eq!(
        change("CVE-2026-7").as_deref(),
        Some("new (newly reported)"),
        "same package and version as before"
    );
    assert_eq!(
        change("CVE-2026-8").as_deref(),
        Some("new (image changed)"),
        "a package the previous image did not have"
    );
    assert_eq!(change("CVE-2026-6"), None);
}

#[test]
fn the_cli_refuses_empty_filters_and_shows_dry_runs() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-9", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    let none = ws.run_at(
        0,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-1999-0",
            "--until",
            "1d",
            "--reason",
            "x",
        ],
    );
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("matches no finding"));
    let bare = ws.run_at(0, &["triage", "fixed", "--reason", "x"]);
    assert_eq!(
        bare.status.code(),
        Some(2),
        "no selection at all is refused"
    );
    let no_reason = ws.run_at(
        0,
        &["triage", "snooze", "--id", "CVE-2026-9", "--until", "1d"],
    );
    assert!(String::from_utf8_lossy(&no_reason.stderr).contains("reason is required"));
    let dry = ws.ok(
        0,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-9",
            "--until",
            "7d",
            "--reason",
            "x",
            "--dry-run",
        ],
    );
    assert!(
        dry.contains("would mark 1 finding(s)") && dry.contains("CVE-2026-9"),
        "{dry}"
    );
    assert!(
        !ws.dir.join(".scandeck/decisions.json").exists()
            || ws.decisions()["decisions"].as_object().unwrap().is_empty()
    );
    ws.ok(
        0,
        &[
            "triage",
            "note",
            "--id",
            "CVE-2026-9",
            "--text",
            "asked the vendor",
        ],
    );
    let fp = ws.row(0, "CVE-2026-9")["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    ws.ok(
        0,
        &[
            "triage",
            "snooze",
            "--fingerprint",
            &fp,
            "--until-fix",
            "--reason",
            "no fix yet",
        ],
    );
    assert_eq!(ws.row(0, "CVE-2026-9")["status"], "snoozed");
    ws.ok(
        1,
        &[
            "triage",
            "reopen",
            "--fingerprint",
            &fp,
            "--reason",
            "changed my mind",
        ],
    );
    assert_eq!(ws.row(1, "CVE-2026-9")["status"], "open");
    ws.import(
        2,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-9", &[], "openssl", "3.0.1", "HIGH", Some("3.0.2"))],
        ),
    );
    let actions: Vec<String> = ws.decisions()["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, vec!["noted", "decided", "reopened"]);
}

#[test]
fn snoozed_until_a_fix_reopens_when_a_fix_appears() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-10", &[], "glibc", "2.36", "HIGH", None)],
        ),
    );
    ws.ok(
        0,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-10",
            "--until-fix",
            "--reason",
            "no fix upstream",
        ],
    );
    assert_eq!(ws.row(1, "CVE-2026-10")["status"], "snoozed");
    ws.import(
        2,
        trivy(
            "shop/api",
            "1",
            "b",
            &[("CVE-2026-10", &[], "glibc", "2.36", "HIGH", Some("2.36-9"))],
        ),
    );
    assert_eq!(ws.row(2, "CVE-2026-10")["status"], "open");
    assert!(ws.decisions()["audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "expired" && e["reason"] == "a fix is now available"));
}

#[test]
fn verify_detects_an_edited_audit_log() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[("CVE-2026-11", &[], "openssl", "3.0.1", "HIGH", None)],
        ),
    );
    ws.ok(
        0,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-11",
            "--until",
            "3d",
            "--reason",
            "first",
        ],
    );
    ws.ok(
        0,
        &["triage", "note", "--id", "CVE-2026-11", "--text", "second"],
    );
    let path = ws.dir.join(".scandeck/decisions.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("\"reason\":\"first\"", "\"reason\":\"forged\""),
    )
    .unwrap();
    let out = ws.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed after it was written"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_sla_is_configurable() {
    let ws = Ws::new();
    std::fs::create_dir_all(ws.home.path().join("config")).unwrap();
    std::fs::write(
        ws.home.path().join("config/config.toml"),
        "[sla]\nhigh_days = 3\nlow_days = 90\nmedium_days = -1\n",
    )
    .unwrap();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[
                ("CVE-2026-20", &[], "openssl", "3.0.1", "HIGH", None),
                ("CVE-2026-21", &[], "zlib", "1.2", "LOW", None),
                ("CVE-2026-22", &[], "curl", "8.1", "MEDIUM", None),
            ],
        ),
    );
    assert_eq!(ws.row(0, "CVE-2026-20")["sla_due"], "2026-03-04T10:00:00Z");
    assert_eq!(
        ws.row(0, "CVE-2026-21")["sla_due"],
        "2026-05-30T10:00:00Z",
        "low enforced when configured"
    );
    assert!(
        ws.row(0, "CVE-2026-22")["sla_due"].is_null(),
        "a negative number turns enforcement off"
    );
    assert_eq!(ws.row(4, "CVE-2026-20")["status"], "overdue");
    std::fs::write(
        ws.home.path().join("config/config.toml"),
        "[sla]\nhihg_days = 3\n",
    )
    .unwrap();
    let out = ws.run_at(0, &["list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("config.toml"),
        "the error names the file"
    );
}

fn decide(ws: &Ws, day: u32, args: &[&str]) {
    let mut all = vec!["triage"];
    all.extend_from_slice(args);
    ws.ok(day, &all);
}

/// `triage audit`: each kind of decision that no longer does what it says,
/// one line each, exit 1; an ignore file suppressing an undecided finding;
/// exit 0 once everything is in order (issue 22: suppression hygiene).
#[test]
fn triage_audit_lists_each_decision_that_no_longer_does_what_it_says() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a1",
            &[
                ("CVE-2026-10", &[], "openssl", "3.0.1", "CRITICAL", None),
                ("CVE-2026-11", &[], "zlib", "1.2", "HIGH", None),
                ("CVE-2026-12", &[], "curl", "8.0", "MEDIUM", None),
                ("CVE-2026-13", &[], "bash", "5.1", "LOW", None),
                ("CVE-2026-14", &[], "tar", "1.34", "LOW", None),
            ],
        ),
    );
    let clean = ws.run_at(0, &["triage", "audit"]);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    decide(
        &ws,
        0,
        &[
            "accept",
            "--id",
            "CVE-2026-10",
            "--reason",
            "not exposed",
            "--until",
            "60d",
            "--approver",
            "Cleo CISO",
        ],
    );
    decide(
        &ws,
        0,
        &[
            "accept",
            "--id",
            "CVE-2026-12",
            "--reason",
            "internal only",
            "--until",
            "60d",
            "--approver",
            "Cleo CISO",
        ],
    );
    decide(
        &ws,
        0,
        &[
            "accept",
            "--id",
            "CVE-2026-13",
            "--reason",
            "harmless",
            "--until",
            "60d",
        ],
    );
    std::fs::write(
        ws.dir.join(".trivyignore"),
        "# exported once\nCVE-2026-12\nCVE-2026-99 # nobody decided this\n",
    )
    .unwrap();
    // A rescan: the critical is gone, zlib has a fix, curl's issue is high now.
    ws.import(
        5,
        trivy(
            "shop/api",
            "2",
            "a2",
            &[
                ("CVE-2026-11", &[], "zlib", "1.2", "HIGH", Some("1.3")),
                ("CVE-2026-12", &[], "curl", "8.0", "HIGH", None),
                ("CVE-2026-13", &[], "bash", "5.1", "LOW", None),
                ("CVE-2026-14", &[], "tar", "1.34", "LOW", None),
            ],
        ),
    );
    // Decided after the rescan (an import ends what it makes moot): a
    // snooze for a fix that the scan already knows, a short snooze that
    // runs out before anyone looks again.
    decide(
        &ws,
        5,
        &[
            "snooze",
            "--id",
            "CVE-2026-11",
            "--until-fix",
            "--reason",
            "no fix yet",
        ],
    );
    decide(
        &ws,
        5,
        &[
            "snooze",
            "--id",
            "CVE-2026-14",
            "--until",
            "2d",
            "--reason",
            "next sprint",
        ],
    );
    let out = ws.run_at(8, &["triage", "audit"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = |trouble: &str, id: &str| {
        text.lines()
            .find(|l| l.starts_with(trouble) && l.contains(id))
            .unwrap_or_else(|| panic!("no {trouble} line for {id}:\n{text}"))
            .to_string()
    };
    assert!(line("matches-nothing", "CVE-2026-10").contains("accepted CVE-2026-10 in openssl"));
    assert!(line("fix-available", "CVE-2026-11").contains("(1.3)"));
    assert!(line("severity-rose", "CVE-2026-12").contains("a medium risk that is high now"));
    assert!(line("no-approver", "CVE-2026-13").contains("by Ana"));
    assert!(line("expired", "CVE-2026-14").contains("ended 2026-03-08"));
    assert!(
        line("ignored-elsewhere", "CVE-2026-99").contains(".trivyignore suppresses CVE-2026-99")
    );
    assert!(
        !text.contains("ignored-elsewhere CVE-2026-12")
            && !text.contains(".trivyignore suppresses CVE-2026-12"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("6 item(s) to look at"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&ws.run_at(8, &["triage", "audit", "--json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 6, "{json:#}");
    assert_eq!(json[0]["trouble"], "matches-nothing");
    // Put in order: every line goes away.
    decide(&ws, 5, &["reopen", "--id", "CVE-2026-10"]);
    decide(&ws, 5, &["reopen", "--id", "CVE-2026-11"]);
    decide(
        &ws,
        5,
        &[
            "accept",
            "--id",
            "CVE-2026-12",
            "--reason",
            "internal only",
            "--until",
            "60d",
            "--approver",
            "Cleo CISO",
        ],
    );
    decide(
        &ws,
        5,
        &[
            "accept",
            "--id",
            "CVE-2026-13",
            "--reason",
            "harmless",
            "--until",
            "60d",
            "--approver",
            "Cleo CISO",
        ],
    );
    decide(
        &ws,
        5,
        &[
            "snooze",
            "--id",
            "CVE-2026-14",
            "--until",
            "10d",
            "--reason",
            "next sprint",
        ],
    );
    std::fs::write(ws.dir.join(".trivyignore"), "CVE-2026-12\n").unwrap();
    let fine = ws.run_at(8, &["triage", "audit"]);
    assert_eq!(
        fine.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fine.stdout)
    );
}

/// `gate --fail-on unassessed` blocks only on findings nobody decided
/// about: a snoozed critical does not block it, an undecided low does.
#[test]
fn the_gate_can_fail_only_on_unassessed_findings() {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a1",
            &[
                ("CVE-2026-20", &[], "openssl", "3.0.1", "CRITICAL", None),
                ("CVE-2026-21", &[], "bash", "5.1", "LOW", None),
            ],
        ),
    );
    let policy = ws.home.path().join("policy.toml");
    std::fs::write(&policy, "require_checklists = []\n").unwrap();
    let gate = |ws: &Ws| {
        let out = ws.run_at(
            1,
            &[
                "gate",
                "--fail-on",
                "unassessed",
                "--policy",
                policy.to_str().unwrap(),
            ],
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    decide(
        &ws,
        0,
        &[
            "snooze",
            "--id",
            "CVE-2026-20",
            "--until",
            "7d",
            "--reason",
            "patch in review",
        ],
    );
    let (code, text) = gate(&ws);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("BLOCKED [unassessed] 1 finding(s) nobody has decided about"),
        "{text}"
    );
    assert!(!text.contains("open-critical"), "{text}");
    // The default gate still blocks on the snoozed critical.
    let default = ws.run_at(1, &["gate", "--policy", policy.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&default.stdout).contains("open-critical"));
    decide(
        &ws,
        0,
        &[
            "accept",
            "--id",
            "CVE-2026-21",
            "--reason",
            "harmless",
            "--until",
            "30d",
        ],
    );
    let (code, text) = gate(&ws);
    assert_eq!(code, Some(0), "{text}");
}
