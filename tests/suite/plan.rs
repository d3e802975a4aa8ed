//! `scandeck plan`: open findings grouped by the action that clears them,
//! the version that fixes all of a package's findings, ranked by the SLA
//! risk cleared, with the command where the ecosystem has one.

use crate::common;

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

/// The raw vulnerabilities of a Trivy report: (id, package, installed) →
/// (fixed versions as written, layer position among `DiffIDs`).
fn raw_vulns(
    report: &Value,
) -> std::collections::HashMap<(String, String, String), (String, Option<usize>)> {
    let diff_ids: Vec<&str> = report["Metadata"]["DiffIDs"]
        .as_array()
        .map(|d| d.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = std::collections::HashMap::new();
    let mut results = match report {
        Value::Array(results) => results.clone(),
        _ => report["Results"].as_array().cloned().unwrap_or_default(),
    };
    // A k8s cluster report nests results under its resources.
    for key in ["Resources", "Findings", "Vulnerabilities"] {
        for resource in report[key].as_array().into_iter().flatten() {
            results.extend(resource["Results"].as_array().cloned().unwrap_or_default());
        }
    }
    for result in results {
        for v in result["Vulnerabilities"].as_array().into_iter().flatten() {
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let layer = v["Layer"]["DiffID"]
                .as_str()
                .and_then(|d| diff_ids.iter().position(|x| *x == d));
            out.insert(
                (
                    text("VulnerabilityID"),
                    text("PkgName"),
                    text("InstalledVersion"),
                ),
                (text("FixedVersion"), layer),
            );
        }
    }
    out
}

/// What each action's findings are, as `list` shows them: fingerprint → row.
fn rows_by_fingerprint(ws: &Ws) -> std::collections::HashMap<String, Value> {
    ws.list(1, &[])
        .into_iter()
        .map(|r| (r["fingerprint"].as_str().unwrap().to_string(), r))
        .collect()
}

/// Checks that every upgrade and base-image action of `actions` fixes what
/// it claims, against the fixed versions the report itself gives; returns
/// the raw layer position of every base-image finding.
fn check_against_report(
    ws: &Ws,
    actions: &[Value],
    report: &Value,
    name: &str,
) -> Vec<Option<usize>> {
    use scandeck::model::version::Scheme;
    use std::cmp::Ordering;
    let raw = raw_vulns(report);
    let rows = rows_by_fingerprint(ws);
    let mut base_layers = Vec::new();
    for action in actions {
        let kind = action["fix"]["kind"].as_str().unwrap();
        if kind != "upgrade" && kind != "base-image" {
            continue;
        }
        for fp in action["findings"].as_array().unwrap() {
            let row = &rows[fp.as_str().unwrap()];
            let key = (
                row["id"].as_str().unwrap().to_string(),
                row["package"].as_str().unwrap().to_string(),
                row["installed_version"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            let (fixed, layer) = raw
                .get(&key)
                .unwrap_or_else(|| panic!("{name}: {key:?} is not in the report"));
            let scheme = Scheme::of(row["ecosystem"].as_str());
            let compare_versions = |a: &str, b: &str| scheme.compare(a, b);
            let lowest = fixed
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .min_by(|a, b| compare_versions(a, b))
                .unwrap_or_else(|| panic!("{name}: {key:?} has no fix, yet {kind} claims one"));
            match kind {
                "upgrade" => {
                    let to = action["fix"]["to"].as_str().unwrap();
                    assert_ne!(
                        compare_versions(to, lowest),
                        Ordering::Less,
                        "{name}: upgrading to {to} does not fix {key:?} (fixed in {fixed})"
                    );
                }
                _ => {
                    let summary = action["summary"].as_str().unwrap();
                    assert!(
                        summary.contains(&format!("{} ≥ ", key.1)) || summary.contains(" more)"),
                        "{name}: {summary} does not name {}",
                        key.1
                    );
                    base_layers.push(*layer);
                }
            }
        }
    }
    base_layers
}

#[test]
fn the_demo_backend_is_rebuilt_on_its_base_image_before_its_own_packages() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ws = Ws::new();
    common::copy_dir(&root.join("assets/demo/project"), &ws.dir);
    let report_path = root.join("assets/demo/reports/backend.trivy.json");
    let report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    ws.import(0, report.clone());
    let actions = plan(&ws, 1, &[]);
    let top = &actions[0];
    assert_eq!(top["fix"]["kind"], "base-image", "{top:#}");
    assert_eq!(top["fix"]["base"], "python:3.11-slim");
    assert_eq!(top["fix"]["dockerfile"], "backend/Dockerfile");
    assert!(top["hint"]
        .as_str()
        .unwrap()
        .starts_with("docker compose build --pull backend"));
    let base_layers = check_against_report(&ws, &actions, &report, "demo");
    assert_eq!(
        base_layers.len(),
        4,
        "libssl3 and openssl twice, libc6 once: {top:#}"
    );
    // python:3.11-slim is five layers, ended by its CMD ["python3"] in the history.
    assert!(
        base_layers.iter().all(|l| l.is_some_and(|l| l < 5)),
        "{base_layers:?}"
    );
    for package in ["libssl3", "openssl", "libc6"] {
        assert!(
            actions.iter().all(|a| a["fix"]["package"] != package),
            "{package} is the base image's: no upgrade of its own"
        );
    }
    // The image's own pip layer is upgraded package by package; what has no
    // fix anywhere stays with its package.
    assert!(actions
        .iter()
        .any(|a| a["fix"]["kind"] == "upgrade" && a["fix"]["package"] == "Werkzeug"));
    assert!(actions
        .iter()
        .any(|a| a["fix"]["kind"] == "no-fix-yet" && a["fix"]["package"] == "zlib1g"));
    // The query language says the same: `layer:base` is what the base image
    // brought (the nine Debian findings), `layer:own` the image's pip layer.
    let packages = |q: &str| {
        let mut p: Vec<String> = ws
            .list(1, &["--query", q])
            .iter()
            .map(|r| r["package"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p.dedup();
        p
    };
    assert_eq!(
        packages("layer:base"),
        [
            "apt",
            "bash",
            "libc6",
            "libncursesw6",
            "libssl3",
            "openssl",
            "perl-base",
            "zlib1g"
        ]
    );
    assert_eq!(
        packages("layer:own"),
        ["Flask", "Werkzeug", "cryptography", "gunicorn", "requests"]
    );
    assert_eq!(
        packages("layer:base fix:yes"),
        ["libc6", "libssl3", "openssl"],
        "what the rebuild clears"
    );
    let bad = ws.run_at(1, &["list", "--query", "layer:top"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("layer takes base or own"));
    // Without the project's files the plan still says what to do, not FROM what.
    let bare = Ws::new();
    bare.import(0, report);
    let top = &plan(&bare, 1, &[])[0];
    assert_eq!(top["fix"]["kind"], "base-image");
    assert!(top["fix"]["base"].is_null());
    assert!(top["summary"]
        .as_str()
        .unwrap()
        .contains("a patched base image"));
}

#[test]
fn real_trivy_reports_are_planned_as_their_fixed_versions_and_layers_say() {
    let Some(real) = common::real_fixtures() else {
        return;
    };
    let mut checked = 0;
    for path in common::files_under(&real.join("trivy")) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let ws = Ws::new();
        let out = ws.run_at(0, &["import", path.to_str().unwrap()]);
        if !out.status.success() {
            continue;
        }
        let actions = plan(&ws, 1, &[]);
        let base_layers = check_against_report(&ws, &actions, &report, &name);
        match name.as_str() {
            // node:14's history ends with CMD ["node"] after nine layers; the
            // app's WORKDIR, COPY and RUN npm install are the last three.
            // None of its findings has a fix, so no rebuild clears them:
            // the plan says where they came from instead.
            "defectdojo-image-all-statuses.json" => {
                assert!(base_layers.is_empty(), "{name}: {actions:#?}");
                assert!(!actions.is_empty());
                for a in &actions {
                    assert_eq!(a["fix"]["kind"], "no-fix-yet");
                    assert!(
                        a["summary"]
                            .as_str()
                            .unwrap()
                            .contains("came with the base image"),
                        "{name}: {a:#}"
                    );
                }
            }
            // The vulnerable jar came with the image's own last COPY.
            "trivy-golden-spring4shell-image-multi-result.json" => {
                assert!(base_layers.is_empty(), "{name}");
                assert_eq!(actions[0]["fix"]["kind"], "upgrade");
                assert_eq!(
                    actions[0]["fix"]["package"],
                    "org.springframework:spring-beans"
                );
            }
            _ => {}
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} real Trivy reports planned");
}

/// The same Python package installed in the backend image (Trivy) and pinned
/// in the backend project's requirements (pip-audit) is one upgrade that
/// names both places, not two.
#[test]
fn one_upgrade_names_every_place_a_package_is_installed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ws = Ws::new();
    common::copy_dir(&root.join("assets/demo/project"), &ws.dir);
    let reports = common::demo_reports_into(&ws.dir);
    let find = |name: &str| reports.iter().find(|p| p.ends_with(name)).unwrap();
    ws.ok(0, &["import", find("backend.trivy.json").to_str().unwrap()]);
    ws.ok(
        0,
        &[
            "import",
            "--subject",
            "backend",
            find("backend.pip-audit.json").to_str().unwrap(),
        ],
    );
    let actions = plan(&ws, 1, &[]);
    for package in ["Werkzeug", "Flask", "requests", "cryptography", "gunicorn"] {
        let upgrades: Vec<&Value> = actions
            .iter()
            .filter(|a| {
                a["fix"]["kind"] == "upgrade"
                    && a["fix"]["package"]
                        .as_str()
                        .is_some_and(|p| p.eq_ignore_ascii_case(package))
            })
            .collect();
        assert_eq!(upgrades.len(), 1, "{package}: {upgrades:#?}");
        let places: Vec<&str> = upgrades[0]["places"]
            .as_array()
            .unwrap_or_else(|| panic!("{package}: {:#}", upgrades[0]))
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(
            places,
            ["image:finance-tracker/backend", "project:backend"],
            "{package}"
        );
        let summary = upgrades[0]["summary"].as_str().unwrap();
        assert!(
            summary.contains("in finance-tracker/backend and backend"),
            "{summary}"
        );
    }
}

/// npm audit's "fix available via `npm audit fix`" is no version: the plan
/// never offers it as one, says what the scanner says, and gives the
/// command that applies it (issue 21).
#[test]
fn prose_from_a_report_is_never_a_version_in_the_plan() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ws = Ws::new();
    let report: Value = serde_json::from_slice(
        &std::fs::read(root.join("assets/demo/reports/frontend.npm-audit.json")).unwrap(),
    )
    .unwrap();
    ws.import(0, report);
    let actions = plan(&ws, 1, &[]);
    for a in &actions {
        if a["fix"]["kind"] == "upgrade" {
            let to = a["fix"]["to"].as_str().unwrap();
            assert!(
                !to.contains(' ') && to.starts_with(|c: char| c.is_ascii_digit()),
                "{a:#}"
            );
        }
    }
    let worded = actions
        .iter()
        .find(|a| {
            a["summary"]
                .as_str()
                .unwrap()
                .starts_with("follow-redirects")
        })
        .expect("follow-redirects has an action");
    assert!(
        worded["summary"]
            .as_str()
            .unwrap()
            .contains("the scanner names no fixed version"),
        "{worded:#}"
    );
    assert_eq!(worded["hint"], "npm audit fix");
}

/// Plan actions at the layer that owns the package (issue 21): a Python
/// package the backend's Dockerfile installs from its requirements is an
/// edit of that file and a rebuild; a package in `postgres:15.4`, which the
/// compose file uses as it is, is a move to a newer tag; and the list is
/// strictly most urgent first.
#[test]
fn each_action_is_taken_where_the_package_is_owned_and_urgency_never_rises() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ws = Ws::new();
    common::copy_dir(&root.join("assets/demo/project"), &ws.dir);
    let reports = root.join("assets/demo/reports");
    for name in ["backend.trivy.json", "frontend.grype.json"] {
        let report: Value =
            serde_json::from_slice(&std::fs::read(reports.join(name)).unwrap()).unwrap();
        ws.import(0, report);
    }
    let scout = ws.dir.join("database.scout.sarif");
    std::fs::copy(reports.join("database.scout.sarif"), &scout).unwrap();
    ws.ok(
        0,
        &[
            "import",
            scout.to_str().unwrap(),
            "--image",
            "postgres:15.4",
        ],
    );
    let actions = plan(&ws, 1, &[]);
    let hint_of = |starts: &str| -> String {
        actions
            .iter()
            .find(|a| a["summary"].as_str().unwrap().starts_with(starts))
            .unwrap_or_else(|| panic!("no action {starts}"))["hint"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        hint_of("upgrade Werkzeug"),
        "edit backend/requirements.txt: Werkzeug>=3.0.3, then docker compose build --pull backend"
    );
    let stdlib = hint_of("upgrade stdlib");
    assert!(
        stdlib.starts_with("move postgres:15.4 to a newer tag of it that has stdlib 1.20.3"),
        "{stdlib}"
    );
    assert!(!stdlib.contains("rebuild with Go"), "{stdlib}");
    // Most urgent first, strictly: what each clears never rises down the list.
    let severity = |s: &str| {
        ["unknown", "info", "low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let ranks: Vec<(u64, u64, u64, u64, usize)> = actions
        .iter()
        .map(|a| {
            let n = |k: &str| a[k].as_u64().unwrap();
            (
                n("overdue_critical"),
                n("critical"),
                n("overdue_high"),
                n("high"),
                severity(a["worst"].as_str().unwrap()),
            )
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
}

/// One action per distribution package across every image of one release:
/// "upgrade openssl to 3.0.14 in 4 images", to the version that fixes it
/// everywhere, with the places listed (JSON, `--expand`) and counted, and
/// the output growing with the actions, not the images. Another release's
/// package (here Debian 11's) stays its own action.
#[test]
fn a_distribution_package_is_one_upgrade_across_the_images_of_one_release() {
    let ws = Ws::new();
    let with_purl = |mut report: Value, release: &str| {
        for v in report["Results"][0]["Vulnerabilities"]
            .as_array_mut()
            .unwrap()
        {
            let (name, version) = (v["PkgName"].clone(), v["InstalledVersion"].clone());
            v["PkgIdentifier"] = serde_json::json!({"PURL": format!(
                "pkg:deb/debian/{}@{}?arch=amd64&distro=debian-{release}",
                name.as_str().unwrap(), version.as_str().unwrap())});
        }
        report
    };
    for (n, (installed, fixed)) in [
        ("3.0.9-1", "3.0.11-1~deb12u2"),
        ("3.0.9-1", "3.0.14-1~deb12u1"),
        ("3.0.11-1~deb12u2", "3.0.14-1~deb12u1"),
        ("3.0.9-1", "3.0.11-1~deb12u2"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("CVE-2026-{}", 100 + n);
        let vulns: Vec<Vuln> = vec![(&id, &[], "openssl", installed, "HIGH", Some(fixed))];
        let report = trivy(&format!("acme/svc-{n}"), "1", &format!("{n:02}"), &vulns);
        ws.import(0, with_purl(report, &format!("12.{}", n + 1)));
    }
    let old: Vec<Vuln> = vec![(
        "CVE-2026-200",
        &[],
        "openssl",
        "1.1.1n-0",
        "HIGH",
        Some("1.1.1w-0+deb11u1"),
    )];
    ws.import(0, with_purl(trivy("acme/legacy", "1", "ff", &old), "11.9"));

    let actions = plan(&ws, 1, &[]);
    let openssl: Vec<&Value> = actions
        .iter()
        .filter(|a| a["fix"]["package"] == "openssl")
        .collect();
    assert_eq!(openssl.len(), 2, "one per release: {actions:#?}");
    let fleet = openssl
        .iter()
        .find(|a| a["fix"]["to"] == "3.0.14-1~deb12u1")
        .unwrap();
    assert_eq!(fleet["places"].as_array().unwrap().len(), 4);
    assert_eq!(fleet["findings"].as_array().unwrap().len(), 4);
    assert_eq!(
        fleet["fix"]["from"],
        Value::Null,
        "the installed versions differ"
    );
    let summary = fleet["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(
            "upgrade openssl to 3.0.14-1~deb12u1 in 4 images (acme/svc-0, acme/svc-1 and 2 more)"
        ),
        "{summary}"
    );
    let legacy = openssl
        .iter()
        .find(|a| a["fix"]["to"] == "1.1.1w-0+deb11u1")
        .unwrap();
    assert_eq!(legacy["places"], Value::Null, "one image: no list");

    let table = ws.ok(1, &["plan"]);
    assert_eq!(
        table
            .lines()
            .filter(|l| l.contains("] upgrade openssl"))
            .count(),
        2,
        "{table}"
    );
    let expanded = ws.ok(1, &["plan", "--expand"]);
    for n in 0..4 {
        assert!(
            expanded.contains(&format!("svc-{n} — 1 finding(s)")),
            "{expanded}"
        );
    }
}
