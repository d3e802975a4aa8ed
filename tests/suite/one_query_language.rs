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

/// The console as a person drives it: loaded the way its loader reads the
/// workspace, the query typed on its query line, the sort chosen with `s`
/// and `S`.
struct Console {
    state: scandeck::tui::state::AppState,
    keymap: scandeck::tui::keymap::KeyMap,
}

impl Console {
    fn open(ws: &Ws, day: u32) -> Console {
        let paths = scandeck::config::Paths {
            config_dir: ws.home.path().join("config"),
            data_dir: ws.home.path().join("data"),
        };
        let redactor = scandeck::commands::redactor(&paths, &ws.dir, false).unwrap();
        let now =
            chrono::DateTime::parse_from_rfc3339(&format!("2026-03-{:02}T10:00:00Z", day + 1))
                .unwrap()
                .with_timezone(&chrono::Utc);
        let config = scandeck::config::Config::load(&paths).unwrap();
        // What the console's loader reads (`tui::worker`).
        let data = scandeck::tui::worker::read_workspace(
            &scandeck::store::Workspace::at(&ws.dir),
            &redactor,
            &config.sla_policy(),
            &scandeck::checklist::walk::WalkSetup::from_config(&paths, &config),
            now,
            &mut |_, _, _| {},
        )
        .unwrap();
        let mut console = Console {
            state: common::state_at("parity", (160, 45)),
            keymap: scandeck::tui::keymap::KeyMap::defaults(),
        };
        console.state.now = now;
        console.drive(scandeck::tui::msg::Msg::Loaded(Box::new(data)));
        console
    }

    fn drive(&mut self, msg: scandeck::tui::msg::Msg) -> Vec<scandeck::tui::msg::Effect> {
        use scandeck::tui::msg::Effect;
        use scandeck::tui::update::update;
        let mut pending = vec![msg];
        let mut others = Vec::new();
        while let Some(m) = pending.pop() {
            for effect in update(&mut self.state, &self.keymap, m) {
                match effect {
                    Effect::Search(req) => pending.push(common::search_done(req)),
                    other => others.push(other),
                }
            }
        }
        others
    }

    fn key(&mut self, code: crossterm::event::KeyCode) -> Vec<scandeck::tui::msg::Effect> {
        use crossterm::event::{KeyEvent, KeyModifiers};
        let modifiers = match code {
            crossterm::event::KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        self.drive(scandeck::tui::msg::Msg::Key(KeyEvent::new(code, modifiers)))
    }

    /// Types `query` on the query line (replacing what was there) and sorts by `sort`.
    fn show(&mut self, query: &str, sort: scandeck::query::SortKey, reverse: bool) -> Vec<String> {
        use crossterm::event::KeyCode;
        self.key(KeyCode::Char('/'));
        self.drive(scandeck::tui::msg::Msg::Key(
            crossterm::event::KeyEvent::new(
                KeyCode::Char('u'),
                crossterm::event::KeyModifiers::CONTROL,
            ),
        ));
        for c in query.chars() {
            self.key(KeyCode::Char(c));
        }
        self.key(KeyCode::Enter);
        for _ in 0..scandeck::query::SortKey::ALL.len() {
            if self.state.sort == sort {
                break;
            }
            self.key(KeyCode::Char('s'));
        }
        assert_eq!(self.state.sort, sort);
        if self.state.reverse != reverse {
            self.key(KeyCode::Char('S'));
        }
        assert_eq!(self.state.reverse, reverse);
        let data = self.state.data.as_ref().unwrap();
        self.state
            .visible
            .iter()
            .map(|i| data.view.findings[*i as usize].fingerprint.to_string())
            .collect()
    }

    /// The fix plan of the rows shown, as its pane computes it.
    fn plan(&mut self) -> Vec<String> {
        use scandeck::tui::msg::{Effect, Job};
        let effects = self.key(crossterm::event::KeyCode::Char('p'));
        let Some(Effect::Compute(Job::Plan {
            findings,
            assessments,
            rows,
            bases,
        })) = effects.into_iter().next()
        else {
            panic!("p computes the plan");
        };
        let panel = scandeck::tui::panes::plan::panel(&findings, &assessments, &rows, &bases);
        self.key(crossterm::event::KeyCode::Esc);
        panel.actions.iter().map(|a| a.summary.clone()).collect()
    }
}

fn in_order(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

/// The demo's reports, a snooze, a false positive, and a rescan of one
/// image that fixes and adds findings: present, gone and decided rows.
fn demo_workspace() -> Ws {
    let ws = Ws::new();
    for report in common::demo_reports_into(&ws.dir) {
        ws.ok(0, &["import", report.to_str().unwrap()]);
    }
    let all = ws.list(1, &[]);
    let id_of = |n: usize| all[n]["id"].as_str().unwrap().to_string();
    ws.ok(
        1,
        &[
            "triage",
            "snooze",
            "--id",
            &id_of(3),
            "--until",
            "30d",
            "--reason",
            "next base image",
        ],
    );
    ws.ok(
        1,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            all[7]["fingerprint"].as_str().unwrap(),
            "--reason",
            "not shipped",
        ],
    );
    ws
}

#[test]
fn the_console_and_every_command_show_the_same_rows_in_the_same_order() {
    use scandeck::query::SortKey;
    let ws = demo_workspace();
    let mut console = Console::open(&ws, 2);
    let mut compared = 0;
    for q in [
        "",
        "sev:high",
        "sev:>=medium fix:yes",
        "status:open",
        "!status:snoozed kind:vuln",
        "kind:secret,posture",
        "ssl",
        "CVE-2023",
    ] {
        for (sort, reverse) in [
            (SortKey::Severity, false),
            (SortKey::Id, false),
            (SortKey::Package, true),
            (SortKey::Target, false),
            (SortKey::Age, false),
            (SortKey::Due, true),
        ] {
            let shown = console.show(q, sort, reverse);
            let sort_flag = match sort {
                SortKey::Due => "due".to_string(),
                other => other.name().to_string(),
            };
            let mut flags = vec!["--sort", sort_flag.as_str()];
            if reverse {
                flags.push("--reverse");
            }
            if !q.is_empty() {
                flags.extend(["--query", q]);
            }
            let listed = in_order(&ws.list(2, &flags));
            assert_eq!(listed, shown, "list {flags:?} and the console disagree");
            let out = ws.dir.join("parity.json");
            let mut args = vec![
                "export",
                "--format",
                "json",
                "--force",
                "-o",
                out.to_str().unwrap(),
            ];
            args.extend(flags.iter().copied());
            ws.ok(2, &args);
            let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            let exported = in_order(doc["findings"].as_array().unwrap());
            assert_eq!(exported, shown, "export {flags:?} and the console disagree");
            compared += shown.len();
        }
        // The fix plan of the same rows, action by action.
        let mut plan_args = vec!["plan", "--format", "json"];
        if !q.is_empty() {
            plan_args.extend(["--query", q]);
        }
        let out = ws.run_at(2, &plan_args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let planned: Value = serde_json::from_slice(&out.stdout).unwrap();
        let planned: Vec<String> = planned
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["summary"].as_str().unwrap().to_string())
            .collect();
        console.show(q, SortKey::Severity, false);
        assert_eq!(
            planned,
            console.plan(),
            "plan {q:?}: the command and the console disagree"
        );
    }
    assert!(compared > 500, "the views compared hold rows ({compared})");
    // The gate judges what the console's release line judges, and each
    // reason's query shows as many findings as the reason counts.
    let gate: Value = serde_json::from_slice(&ws.run_at(2, &["gate", "--json"]).stdout).unwrap();
    let verdict = console
        .state
        .gate
        .clone()
        .expect("the console judges the release");
    let blocked: Vec<(String, String)> = gate["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let console_blocked: Vec<(String, String)> = verdict
        .blocked
        .iter()
        .map(|r| (r.rule.to_string(), r.message.clone()))
        .collect();
    assert_eq!(blocked, console_blocked);
    assert!(!blocked.is_empty(), "the demo's release is blocked");
    for reason in &verdict.blocked {
        let Some(query) = &reason.query else { continue };
        let counted: usize = reason
            .message
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap_or(0);
        if counted == 0 {
            continue;
        }
        let shown = console.show(query, SortKey::Severity, false);
        assert_eq!(shown, in_order(&ws.list(2, &["--query", query])), "{query}");
        assert_eq!(
            shown.len(),
            counted,
            "{}: {} but its query {query:?} shows {}",
            reason.rule,
            reason.message,
            shown.len()
        );
    }
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
        let cli = in_order(&ws.list(2, &["--query", q]));
        let query = language::parse(q).unwrap();
        let rows = data.view.select(&query, SortKey::Severity, false);
        let console: Vec<String> = rows
            .iter()
            .map(|i| data.view.findings[*i as usize].fingerprint.to_string())
            .collect();
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
