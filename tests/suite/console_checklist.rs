//! The checklist view and the fix plan in the console, driven through
//! `update` and drawn with TestBackend: walking items, recording done / not
//! applicable / notes, jumping to the findings behind the evidence, the
//! release gate chip; the plan's actions, their findings and their claim.

use crate::common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scandeck::checklist::progress::Stamp;
use scandeck::checklist::walk::{WalkSetup, Walkthrough};
use scandeck::store::Workspace;
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::{Effect, Msg};
use scandeck::tui::state::AppState;
use scandeck::tui::theme::Theme;
use scandeck::tui::update::update;
use std::path::Path;

/// Carries out searches, checklist saves and worker jobs in memory, as the runtime does.
fn drive(state: &mut AppState, keymap: &KeyMap, msg: Msg) -> Vec<Effect> {
    let mut pending = vec![msg];
    let mut others = Vec::new();
    while let Some(m) = pending.pop() {
        for effect in update(state, keymap, m) {
            match effect {
                Effect::SaveChecklist(edit) => {
                    let mut file = state.data.as_ref().unwrap().walk.records.clone();
                    let stamp = Stamp {
                        who: "Olga Ops <olga@example.com>",
                        at: "2026-06-01T12:00:00Z",
                    };
                    let result = file
                        .apply(&edit.list, Some(&edit.item), &edit.change, stamp)
                        .map(|lines| (file.clone(), lines.join("; ")))
                        .map_err(|e| e.to_string());
                    pending.push(Msg::ChecklistSaved(result));
                }
                Effect::Search(req) => pending.push(common::search_done(req)),
                // The fix plan and the groups, made here as the worker makes them.
                Effect::Compute(job) => pending.push(scandeck::tui::worker::run_job(job)),
                other => others.push(other),
            }
        }
    }
    others
}

fn key(state: &mut AppState, keymap: &KeyMap, code: KeyCode) -> Vec<Effect> {
    drive(
        state,
        keymap,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
    )
}

fn typed(state: &mut AppState, keymap: &KeyMap, text: &str) {
    for c in text.chars() {
        key(state, keymap, KeyCode::Char(c));
    }
}

/// The demo findings, with the demo project's checklist evidence.
fn demo_state() -> (AppState, KeyMap) {
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("demo workspace", (150, 45));
    state.now = common::fixed_now();
    let mut data = Data::build(common::demo_current(), common::fixed_now());
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/project");
    let walk = Walkthrough::load(
        &Workspace::at(&project),
        &WalkSetup {
            user_dir: project.join("no-user-checklists"),
            max_scan_age_days: 100_000,
        },
        data.present(),
        &data.view.runs,
        common::fixed_now(),
    );
    data.walk = walk;
    drive(&mut state, &keymap, Msg::Loaded(Box::new(data)));
    (state, keymap)
}

fn screen(state: &AppState) -> String {
    let mut term = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    term.draw(|f| scandeck::tui::ui::draw(f, state, &Theme::mono(), &KeyMap::defaults()))
        .unwrap();
    let buffer = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_checklist_view_records_items_and_the_gate_follows() {
    let (mut s, k) = demo_state();
    assert!(screen(&s).contains("release: BLOCKED"));
    key(&mut s, &k, KeyCode::Char('c'));
    let shown = screen(&s);
    assert!(shown.contains("Production deployment — 0/12"), "{shown}");
    insta::assert_snapshot!("checklist_view", shown);
    assert!(shown.contains("[!]"), "failing evidence is marked");
    key(&mut s, &k, KeyCode::Char('x'));
    let records = &s.data.as_ref().unwrap().walk.records;
    assert_eq!(
        records.record("production", "scan-reviewed").unwrap().by,
        "Olga Ops <olga@example.com>"
    );
    assert!(screen(&s).contains("1/12"));
    key(&mut s, &k, KeyCode::Char('j'));
    key(&mut s, &k, KeyCode::Char('j'));
    key(&mut s, &k, KeyCode::Char('n'));
    typed(&mut s, &k, "no .env in production");
    let shown = screen(&s);
    assert!(
        shown.contains("not applicable because: no .env in production"),
        "{shown}"
    );
    key(&mut s, &k, KeyCode::Enter);
    let r = s
        .data
        .as_ref()
        .unwrap()
        .walk
        .records
        .record("production", "strong-passwords")
        .cloned()
        .unwrap();
    assert_eq!(r.reason.as_deref(), Some("no .env in production"));
    // an empty reason is refused and nothing is saved
    key(&mut s, &k, KeyCode::Char('j'));
    key(&mut s, &k, KeyCode::Char('n'));
    let effects = key(&mut s, &k, KeyCode::Enter);
    assert!(effects.is_empty());
    assert!(s
        .status
        .as_deref()
        .unwrap_or_default()
        .contains("needs a reason"));
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.checklist.is_some(), "Esc cancels the prompt first");
    // a note, mended in the middle as every text field allows
    key(&mut s, &k, KeyCode::Char('i'));
    typed(&mut s, &k, "cert from Let's Encrypt, OPS-12");
    for _ in 0.."OPS-12".len() {
        key(&mut s, &k, KeyCode::Left);
    }
    typed(&mut s, &k, "ticket ");
    key(&mut s, &k, KeyCode::Enter);
    assert_eq!(
        s.data
            .as_ref()
            .unwrap()
            .walk
            .records
            .record("production", "https")
            .unwrap()
            .note
            .as_deref(),
        Some("cert from Let's Encrypt, ticket OPS-12")
    );
    // x twice is done then to do again (with a reason when the check fails)
    key(&mut s, &k, KeyCode::Char('x'));
    if s.checklist.as_ref().unwrap().prompt.is_some() {
        // The prompt opened unasked: it takes keys once it is on screen.
        drive(&mut s, &k, Msg::Drawn);
        typed(&mut s, &k, "checked by hand");
        key(&mut s, &k, KeyCode::Enter);
    }
    key(&mut s, &k, KeyCode::Char('x'));
    assert_eq!(
        s.data
            .as_ref()
            .unwrap()
            .walk
            .records
            .record("production", "https")
            .unwrap()
            .state,
        scandeck::checklist::progress::Recorded::Todo
    );
    // Tab shows the next checklist
    key(&mut s, &k, KeyCode::Tab);
    assert!(screen(&s).contains("Security best practices"));
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.checklist.is_none());
}

#[test]
fn enter_jumps_to_the_findings_behind_the_evidence() {
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('c'));
    key(&mut s, &k, KeyCode::Char('j'));
    key(&mut s, &k, KeyCode::Enter);
    assert!(s.checklist.is_none());
    assert!(s.query_text.starts_with("sev:critical"), "{}", s.query_text);
    let data = s.data.as_ref().unwrap();
    assert!(!s.visible.is_empty());
    for i in &s.visible {
        assert!(data.view.findings[*i as usize].severity >= scandeck::model::Severity::High);
    }
}

#[test]
fn walking_every_production_item_makes_the_gate_ready_when_findings_allow() {
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('c'));
    let mut overridden = 0;
    for _ in 0..12 {
        let effects = key(&mut s, &k, KeyCode::Char('x'));
        if s.checklist.as_ref().unwrap().prompt.is_some() {
            // The check fails: ticking it needs a reason, recorded as an override.
            assert!(effects.is_empty(), "nothing is saved without a reason");
            assert!(s.status.as_deref().unwrap_or("").contains("check fails"));
            assert!(screen(&s).contains("done anyway because (an override)"));
            drive(&mut s, &k, Msg::Drawn);
            typed(&mut s, &k, "handled outside scandeck, ticket OPS-7");
            key(&mut s, &k, KeyCode::Enter);
            overridden += 1;
        }
        key(&mut s, &k, KeyCode::Char('j'));
    }
    assert!(overridden > 0, "the demo has failing checks");
    let shown = screen(&s);
    assert!(shown.contains("12/12"), "{shown}");
    assert!(
        shown.contains("[x*]") && shown.contains("done (override)"),
        "{shown}"
    );
    let gate = s.gate.clone().unwrap();
    assert!(
        gate.blocked.iter().all(|r| r.rule != "checklist"),
        "the checklist no longer blocks: {gate:?}"
    );
    assert_eq!(
        gate.overrides.len(),
        overridden,
        "every override is named: {gate:?}"
    );
    assert!(gate.overrides[0].contains("ticket OPS-7"));
}

#[test]
fn the_export_dialog_exports_exactly_the_rows_shown() {
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('/'));
    typed(&mut s, &k, "sev:critical");
    key(&mut s, &k, KeyCode::Enter);
    let shown = s.visible.clone();
    assert!(!shown.is_empty() && shown.len() < 45);
    key(&mut s, &k, KeyCode::Char('e'));
    assert!(screen(&s).contains(&format!(
        "Export the current view — {} findings",
        shown.len()
    )));
    s.export_folder = Some("/home/ana/finance".into());
    if let Some(d) = &mut s.dialog {
        d.folder = s.export_folder.clone();
    }
    key(&mut s, &k, KeyCode::Char('3')); // CSV
    assert!(
        screen(&s).contains("saves to: /home/ana/finance/scandeck-export.csv"),
        "the proposed name, in full, before saving: {}",
        screen(&s)
    );
    key(&mut s, &k, KeyCode::Tab);
    typed(&mut s, &k, "critical.csv");
    assert!(screen(&s).contains("saves to: /home/ana/finance/critical.csv"));
    let effects = key(&mut s, &k, KeyCode::Enter);
    let Some(Effect::Export {
        format,
        path,
        rows,
        filter,
        replace,
    }) = effects.into_iter().next()
    else {
        panic!("no export effect");
    };
    assert!(!replace, "never replaces a file it was not told to");
    assert_eq!(format, scandeck::export::ExportFormat::Csv);
    assert_eq!(path, "critical.csv");
    assert_eq!(rows, shown, "the rows in the order shown");
    assert_eq!(filter, "query sev:critical");
    let data = s.data.as_ref().unwrap();
    let bytes = data
        .render_export(
            format,
            &rows,
            "demo",
            &filter,
            s.gate.as_ref(),
            common::fixed_now(),
        )
        .unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(reader.records().count(), shown.len());
    let md = data
        .render_export(
            scandeck::export::ExportFormat::Md,
            &rows,
            "demo",
            &filter,
            s.gate.as_ref(),
            common::fixed_now(),
        )
        .unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("query sev:critical"), "{md}");
    assert!(
        md.contains("production checklist 0/12 complete; release gate BLOCKED"),
        "{md}"
    );
}

#[test]
fn evidence_is_checked_again_on_opening_the_checklist_and_after_a_decision() {
    let (mut s, k) = demo_state();
    let effects = key(&mut s, &k, KeyCode::Char('c'));
    let Some(Effect::RecheckEvidence(input)) = effects
        .into_iter()
        .find(|e| matches!(e, Effect::RecheckEvidence(_)))
    else {
        panic!("opening the checklist runs the checks again");
    };
    // What the checks count: findings that still need work, by the gate's rules.
    let data = s.data.as_ref().unwrap();
    let open = |keep: &dyn Fn(&scandeck::model::Finding) -> bool| {
        data.view
            .findings
            .iter()
            .zip(data.view.assessments.iter())
            .take(data.view.gone_from)
            .filter(|(f, a)| {
                keep(f)
                    && matches!(
                        a.status,
                        scandeck::triage::Status::Open
                            | scandeck::triage::Status::Overdue
                            | scandeck::triage::Status::Regressed
                            | scandeck::triage::Status::Snoozed
                    )
            })
            .count()
    };
    use scandeck::model::{Kind, Severity};
    assert_eq!(
        input.open.critical,
        open(&|f| f.severity == Severity::Critical && f.kind != Kind::Secret)
    );
    assert_eq!(
        input.open.high,
        open(&|f| f.severity == Severity::High && f.kind != Kind::Secret)
    );
    assert_eq!(input.open.secrets, open(&|f| f.kind == Kind::Secret));
    assert!(input.open.critical > 0 && input.open.secrets > 0);
    // The checks' answer replaces the shown evidence and the verdict follows.
    let mut evidence = s.data.as_ref().unwrap().walk.evidence.clone();
    for e in evidence.values_mut() {
        *e = scandeck::checklist::evidence::Evidence::pass("checked again");
    }
    drive(
        &mut s,
        &k,
        scandeck::tui::msg::Msg::EvidenceRechecked(evidence),
    );
    let shown = screen(&s);
    assert!(shown.contains("checked again"), "{shown}");
    assert!(!shown.contains("[!]"), "no failing mark after the recheck");
    assert!(s
        .data
        .as_ref()
        .unwrap()
        .walk
        .evidence
        .values()
        .all(|e| e.summary == "checked again"));
    key(&mut s, &k, KeyCode::Esc);
    // A saved decision changes what the checks count: they run again.
    let file = s.data.as_ref().unwrap().view.triage.clone();
    let effects = drive(
        &mut s,
        &k,
        scandeck::tui::msg::Msg::Saved(Ok((file, "saved".into(), None))),
    );
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::RecheckEvidence(_))));
}

#[test]
fn evidence_is_checked_again_while_the_checklist_stays_open() {
    use scandeck::tui::msg::Msg;
    let (mut s, k) = demo_state();
    let rechecks = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::RecheckEvidence(_)))
            .count()
    };
    // Closed: the timer asks nothing.
    assert_eq!(rechecks(&drive(&mut s, &k, Msg::ChecklistTick)), 0);
    let opened = key(&mut s, &k, KeyCode::Char('c'));
    assert_eq!(rechecks(&opened), 1);
    // One recheck at a time.
    assert_eq!(rechecks(&drive(&mut s, &k, Msg::ChecklistTick)), 0);
    let evidence = s.data.as_ref().unwrap().walk.evidence.clone();
    drive(&mut s, &k, Msg::EvidenceRechecked(evidence.clone()));
    let ticked = drive(&mut s, &k, Msg::ChecklistTick);
    let Some(Effect::RecheckEvidence(again)) = ticked
        .into_iter()
        .find(|e| matches!(e, Effect::RecheckEvidence(_)))
    else {
        panic!("the open checklist looks at the files again");
    };
    let Some(Effect::RecheckEvidence(first)) = opened
        .into_iter()
        .find(|e| matches!(e, Effect::RecheckEvidence(_)))
    else {
        unreachable!()
    };
    assert_eq!(
        format!("{:?}", again.open),
        format!("{:?}", first.open),
        "the same counts, kept from the last recheck"
    );
    drive(&mut s, &k, Msg::EvidenceRechecked(evidence));
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.checklist.is_none());
    assert_eq!(rechecks(&drive(&mut s, &k, Msg::ChecklistTick)), 0);
}

#[test]
fn an_export_over_an_existing_file_asks_before_replacing_it() {
    use scandeck::tui::msg::ExportRefusal;
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('e'));
    key(&mut s, &k, KeyCode::Char('2'));
    key(&mut s, &k, KeyCode::Tab);
    typed(&mut s, &k, "view.json");
    let first = key(&mut s, &k, KeyCode::Enter);
    assert!(matches!(
        first.as_slice(),
        [Effect::Export { replace: false, .. }]
    ));
    assert!(s.dialog.is_none());
    // The runtime found the file there.
    let full = "/home/ana/finance/view.json".to_string();
    drive(
        &mut s,
        &k,
        Msg::Exported(Err(ExportRefusal::Exists(full.clone()))),
    );
    let asked = screen(&s);
    assert!(
        asked.contains(&full) && asked.contains("exists."),
        "{asked}"
    );
    assert!(asked.contains("Enter replaces it"), "{asked}");
    // Esc goes back to the name; Enter there asks again, and Enter replaces.
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.dialog.as_ref().is_some_and(|d| !d.confirming));
    let again = key(&mut s, &k, KeyCode::Enter);
    let Some(Effect::Export { path, replace, .. }) = again.into_iter().next() else {
        panic!("no export effect");
    };
    assert_eq!((path.as_str(), replace), ("view.json", false));
    drive(
        &mut s,
        &k,
        Msg::Exported(Err(ExportRefusal::Exists(full.clone()))),
    );
    // An Enter typed before the question was on screen replaces nothing.
    assert!(key(&mut s, &k, KeyCode::Enter).is_empty());
    assert!(s.dialog.as_ref().is_some_and(|d| d.confirming));
    drive(&mut s, &k, Msg::Drawn);
    let replaced = key(&mut s, &k, KeyCode::Enter);
    let Some(Effect::Export { path, replace, .. }) = replaced.into_iter().next() else {
        panic!("no export effect");
    };
    assert_eq!((path.as_str(), replace), ("view.json", true));
    drive(
        &mut s,
        &k,
        Msg::Exported(Ok(format!("exported 45 findings to {full}"))),
    );
    assert!(s.dialog.is_none());
    assert!(screen(&s).contains("/home/ana/finance/view.json"));
}

#[test]
fn the_fix_plan_shows_the_cli_plan_and_leads_to_its_findings() {
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('p'));
    let panel = s.plan.as_ref().expect("p opens the plan");
    // The same plan as `scandeck plan` and the exports: one model.
    let data = s.data.as_ref().unwrap();
    let rows: Vec<_> = s
        .visible
        .iter()
        .map(|i| {
            (
                &data.view.findings[*i as usize],
                &data.view.assessments[*i as usize],
            )
        })
        .collect();
    let expected = scandeck::plan::build(&rows, &data.bases);
    assert!(!expected.is_empty());
    assert_eq!(
        panel.actions.iter().map(|a| a.line()).collect::<Vec<_>>(),
        expected.iter().map(|a| a.line()).collect::<Vec<_>>()
    );
    let top = expected[0].clone();
    let shown = screen(&s);
    assert!(
        shown.contains(&format!(
            "Fix plan — {} actions for the 45 findings shown",
            expected.len()
        )),
        "{shown}"
    );
    if let Some(hint) = &top.hint {
        assert!(shown.contains(hint.as_str()), "the command: {shown}");
    }
    s.size = (160, 45);
    insta::assert_snapshot!("plan_160x45", screen(&s));
    s.size = (80, 24);
    insta::assert_snapshot!("plan_80x24", screen(&s));
    s.size = (150, 45);
    // Enter: its findings, marked exactly, and shown.
    key(&mut s, &k, KeyCode::Enter);
    assert!(s.plan.is_none());
    let wanted: std::collections::BTreeSet<scandeck::model::Fingerprint> =
        top.findings.iter().copied().collect();
    assert_eq!(s.marked, wanted);
    let data = s.data.as_ref().unwrap();
    let visible: std::collections::BTreeSet<_> = s
        .visible
        .iter()
        .map(|i| data.view.findings[*i as usize].fingerprint)
        .collect();
    assert!(
        wanted.is_subset(&visible),
        "every finding of the action is shown"
    );
    assert!(
        s.query_text.starts_with("status:open,overdue,regressed"),
        "{}",
        s.query_text
    );
    // f: the claim, through the usual dialog and its bulk confirmation.
    key(&mut s, &k, KeyCode::Char('p'));
    let first = s.plan.as_ref().unwrap().actions[0].clone();
    assert_eq!(
        first.line(),
        top.line(),
        "the narrowed view plans the same action"
    );
    key(&mut s, &k, KeyCode::Char('f'));
    assert!(s.plan.is_none());
    let dialog = s.dialog.as_ref().expect("the fixed dialog");
    assert_eq!(dialog.kind, scandeck::tui::panes::dialog::DialogKind::Fixed);
    let targets: std::collections::BTreeSet<_> = dialog.targets.iter().copied().collect();
    assert_eq!(targets, wanted, "exactly the action's findings");
    key(&mut s, &k, KeyCode::Enter);
    assert!(
        screen(&s).contains(&format!("This changes {} findings.", wanted.len())),
        "{}",
        screen(&s)
    );
    let saved = key(&mut s, &k, KeyCode::Enter);
    assert!(
        saved.iter().any(|e| matches!(e, Effect::Save(_))),
        "{saved:?}"
    );
    // Esc closes the plan without a trace.
    key(&mut s, &k, KeyCode::Esc);
    key(&mut s, &k, KeyCode::Char('p'));
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.plan.is_none() && s.dialog.is_none());
}

#[test]
fn group_views_gather_a_vulnerability_across_packages_and_act_on_its_members() {
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('t'));
    let panel = s.groups.as_ref().expect("t opens the group view");
    let data = s.data.as_ref().unwrap();
    // curl and libcurl share one advisory: one group of two.
    let (at, group) = panel
        .groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.name == "CVE-2023-38545")
        .expect("the curl advisory");
    assert_eq!(group.members.len(), 2);
    let packages: std::collections::BTreeSet<&str> = group
        .members
        .iter()
        .map(|m| data.view.findings[*m as usize].package_name().unwrap())
        .collect();
    assert_eq!(packages, ["curl", "libcurl"].into_iter().collect());
    let members: std::collections::BTreeSet<scandeck::model::Fingerprint> = group
        .members
        .iter()
        .map(|m| data.view.findings[*m as usize].fingerprint)
        .collect();
    let total: usize = panel.groups.iter().map(|g| g.members.len()).sum();
    assert_eq!(total, 45, "every finding shown is in one group");
    let shown = screen(&s);
    assert!(
        shown.contains(&format!(
            "Grouped by vulnerability — {} groups of the 45 findings shown",
            panel.groups.len()
        )),
        "{shown}"
    );
    s.size = (160, 45);
    insta::assert_snapshot!("groups_160x45", screen(&s));
    s.size = (80, 24);
    insta::assert_snapshot!("groups_80x24", screen(&s));
    s.size = (150, 45);
    // Expand it: its members are listed under it.
    for _ in 0..at {
        key(&mut s, &k, KeyCode::Char('j'));
    }
    key(&mut s, &k, KeyCode::Enter);
    let expanded = screen(&s);
    assert!(expanded.contains("▾"), "{expanded}");
    assert!(expanded.contains("libcurl"), "{expanded}");
    // A snooze on the group (the cursor stays on it) is a snooze of its two members.
    key(&mut s, &k, KeyCode::Char('z'));
    assert!(s.groups.is_none());
    let dialog = s.dialog.as_ref().expect("the snooze dialog");
    assert_eq!(
        dialog.kind,
        scandeck::tui::panes::dialog::DialogKind::Snooze
    );
    assert_eq!(
        dialog
            .targets
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        members
    );
    key(&mut s, &k, KeyCode::Esc);
    // Tab groups by package, then by subject.
    key(&mut s, &k, KeyCode::Char('t'));
    key(&mut s, &k, KeyCode::Tab);
    assert!(screen(&s).contains("Grouped by package"));
    key(&mut s, &k, KeyCode::Tab);
    assert!(screen(&s).contains("Grouped by subject"));
    let subjects = &s.groups.as_ref().unwrap().groups;
    assert!(subjects
        .iter()
        .any(|g| g.name == "image:finance-tracker/backend"));
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.groups.is_none());
}

#[test]
fn the_plan_and_the_groups_are_made_on_a_worker_while_keys_are_answered() {
    let (mut s, k) = demo_state();
    let press = |s: &mut AppState, c: char| {
        update(
            s,
            &k,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        )
    };
    for (c, what) in [
        ('p', "making the fix plan of 45 findings"),
        ('t', "grouping 45 findings by vulnerability"),
    ] {
        let effects = press(&mut s, c);
        let job = effects.into_iter().find_map(|e| match e {
            Effect::Compute(job) => Some(job),
            _ => None,
        });
        let job = job.expect("the work goes to a worker");
        assert!(
            s.plan.is_none() && s.groups.is_none(),
            "nothing shown before it is made"
        );
        assert!(
            s.status.as_deref().unwrap_or("").starts_with(what),
            "{:?}",
            s.status
        );
        // The console still answers: the selection moves meanwhile.
        let before = s.findings.selected;
        drive(
            &mut s,
            &k,
            Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
        );
        assert_eq!(s.findings.selected, before + 1);
        drive(&mut s, &k, scandeck::tui::worker::run_job(job));
        assert!(s.plan.is_some() || s.groups.is_some());
        assert_eq!(
            s.status, None,
            "the waiting line goes when the result comes"
        );
        key(&mut s, &k, KeyCode::Esc);
        assert!(s.plan.is_none() && s.groups.is_none());
    }
}

#[test]
fn help_opens_over_every_overlay_and_esc_returns_to_it() {
    let (mut s, k) = demo_state();
    for (open, is_open) in [
        (
            'c',
            (|s: &AppState| s.checklist.is_some()) as fn(&AppState) -> bool,
        ),
        ('w', |s: &AppState| s.scans.open),
        ('p', |s: &AppState| s.plan.is_some()),
        ('t', |s: &AppState| s.groups.is_some()),
    ] {
        let effects = key(&mut s, &k, KeyCode::Char(open));
        // The plan and the groups are made on a worker: run the job here.
        for effect in effects {
            if let Effect::Compute(job) = effect {
                drive(&mut s, &k, scandeck::tui::worker::run_job(job));
            }
        }
        assert!(is_open(&s), "{open} opens its overlay");
        key(&mut s, &k, KeyCode::Char('?'));
        assert!(s.help.is_some(), "? opens help over the {open} overlay");
        assert!(screen(&s).contains("Help"), "{}", screen(&s));
        key(&mut s, &k, KeyCode::Esc);
        assert!(s.help.is_none() && is_open(&s), "Esc goes back to {open}");
        key(&mut s, &k, KeyCode::Esc);
        assert!(!is_open(&s), "a second Esc closes {open}");
    }
}

/// `A` opens the decision audit (made on a worker, as `scandeck triage
/// audit` makes it): the demo's decisions plus one that no finding matches
/// and an acceptance without approver; Enter narrows the list to the item.
#[test]
fn the_decision_audit_lists_what_no_longer_holds_and_enter_shows_it() {
    use scandeck::triage::{Decision, Disposition, Selector};
    let (mut s, k) = demo_state();
    {
        let data = s.data.as_mut().unwrap();
        let base = Decision {
            disposition: Disposition::Accepted,
            selector: Selector {
                ids: vec!["CVE-1999-0001".into()],
                ..Selector::default()
            },
            finding: None,
            reason: "legacy exception".into(),
            until: Some("2027-01-01T00:00:00Z".into()),
            until_fix: false,
            approver: None,
            justification: None,
            decided_by: "Olga Ops <olga@example.com>".into(),
            decided_at: "2026-01-01T00:00:00Z".into(),
            entry: None,
        };
        data.view.triage.decisions.insert(base.selector.key(), base);
        data.ignore_files = std::sync::Arc::new(vec![(
            ".trivyignore".to_string(),
            "CVE-2023-31484\n".to_string(),
        )]);
    }
    let effects = update(
        &mut s,
        &k,
        Msg::Key(KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT)),
    );
    assert!(s.audit.is_none(), "made on a worker");
    let job = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Compute(job) => Some(job),
            _ => None,
        })
        .expect("the work goes to a worker");
    drive(&mut s, &k, scandeck::tui::worker::run_job(job));
    let panel = s.audit.as_ref().expect("the audit is open");
    let troubles: Vec<&str> = panel.items.iter().map(|i| i.trouble.as_str()).collect();
    assert!(troubles.contains(&"matches-nothing"), "{troubles:?}");
    assert!(troubles.contains(&"no-approver"), "{troubles:?}");
    assert!(troubles.contains(&"ignored-elsewhere"), "{troubles:?}");
    insta::assert_snapshot!("audit_150x45", screen(&s));
    // Enter on the ignore-file entry narrows the list to its id.
    let at = panel
        .items
        .iter()
        .position(|i| i.trouble.as_str() == "ignored-elsewhere")
        .unwrap();
    for _ in 0..at {
        key(&mut s, &k, KeyCode::Char('j'));
    }
    key(&mut s, &k, KeyCode::Enter);
    assert!(s.audit.is_none());
    assert_eq!(s.query_text, "CVE-2023-31484");
}

/// `D` asks a worker what waits to push and pull for the shown rows (never
/// touching the network itself); the worker's progress and result are
/// shown in the panel; a pull that wrote decisions reassesses the rows at
/// once and a sync then pushes. (The worker itself runs against the real
/// DefectDojo in `e2e_terminal`.)
#[test]
fn the_defectdojo_panel_asks_a_worker_and_shows_what_it_did() {
    use scandeck::tui::panes::dojo::{DojoOp, DojoResult};
    let (mut s, k) = demo_state();
    let effects = update(
        &mut s,
        &k,
        Msg::Key(KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT)),
    );
    let request = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::DefectDojo(r) => Some(r),
            _ => None,
        })
        .expect("the check goes to a worker");
    assert_eq!(request.op, DojoOp::Check);
    assert_eq!(request.rows, s.visible, "the shown rows");
    assert!(screen(&s).contains("checking…"), "{}", screen(&s));
    drive(
        &mut s,
        &k,
        Msg::DojoProgress("checking: decisions 3/30".into()),
    );
    assert!(screen(&s).contains("checking: decisions 3/30"));
    // A second request while one runs is refused.
    assert!(key(&mut s, &k, KeyCode::Char('p')).is_empty());
    drive(
        &mut s,
        &k,
        Msg::DojoDone(Box::new(DojoResult {
            to_push: Some(2),
            to_pull: Some(1),
            lines: vec!["pull     CVE-2023-31484 in perl-base on finance-tracker/backend:1.4.0: false_positive by DefectDojo (admin) at 2026-11-20 12:00:00 UTC".into()],
            summary: "2 to push, 1 to pull".into(),
            place: Some("http://127.0.0.1:8080 · product demo · engagement scandeck".into()),
            ..DojoResult::default()
        })),
    );
    insta::assert_snapshot!("defectdojo_150x45", screen(&s));
    let effects = key(&mut s, &k, KeyCode::Char('s'));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::DefectDojo(r) if r.op == DojoOp::Sync)),
        "s syncs"
    );
    // The sync's pull wrote a decision: shown at once, then the push.
    let mut file = s.data.as_ref().unwrap().view.triage.clone();
    let fp = s.data.as_ref().unwrap().view.findings[s.visible[0] as usize]
        .fingerprint
        .to_string();
    scandeck::triage::engine::decide(
        &mut file,
        scandeck::triage::Decision {
            disposition: scandeck::triage::Disposition::FalsePositive,
            selector: scandeck::triage::Selector {
                fingerprint: Some(fp.clone()),
                ..Default::default()
            },
            finding: None,
            reason: "false positive in DefectDojo".into(),
            until: None,
            until_fix: false,
            approver: None,
            justification: None,
            decided_by: "DefectDojo (admin)".into(),
            decided_at: "2026-11-20T12:00:00Z".into(),
            entry: None,
        },
        scandeck::triage::engine::Stamp {
            who: "DefectDojo (admin)",
            now: common::fixed_now(),
        },
    );
    let effects = drive(
        &mut s,
        &k,
        Msg::DojoDone(Box::new(DojoResult {
            then_push: true,
            file: Some(Box::new(file)),
            summary: "took 1 decision(s)".into(),
            ..DojoResult::default()
        })),
    );
    let pulled = s
        .data
        .as_ref()
        .unwrap()
        .view
        .findings
        .iter()
        .position(|f| f.fingerprint.to_string() == fp)
        .unwrap();
    assert!(
        s.data.as_ref().unwrap().view.assessments[pulled]
            .decision
            .is_some(),
        "the pulled decision is assessed at once"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::DefectDojo(r) if r.op == DojoOp::Push)),
        "then the push"
    );
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.dojo.is_none());
}

/// What blocks the release is on the main screen, each reason a key from
/// its findings: `b` shows them by the reason's query with every other
/// filter cleared (the count the reason states), or opens the checklist.
#[test]
fn b_walks_what_blocks_the_release_from_the_main_screen() {
    let (mut s, k) = demo_state();
    let reasons = s.gate.as_ref().unwrap().blocked.clone();
    assert!(reasons.len() >= 2, "{reasons:?}");
    let text = screen(&s);
    let line = text.lines().nth(2).unwrap();
    assert!(
        line.contains(&format!(
            "blocks release  b › {}",
            &reasons[0].message[..12]
        )),
        "{text}"
    );
    // A narrowed view first: b clears it to show the reason's findings.
    key(&mut s, &k, KeyCode::Char('>'));
    key(&mut s, &k, KeyCode::Char('H'));
    let mut opened_checklist = false;
    for (i, reason) in reasons.iter().enumerate() {
        key(&mut s, &k, KeyCode::Char('b'));
        let status = s.status.clone().unwrap_or_default();
        assert!(
            status.starts_with(&format!(
                "blocker {}/{}: {}",
                i + 1,
                reasons.len(),
                reason.message
            )),
            "{status}"
        );
        match &reason.query {
            Some(query) => {
                assert_eq!(&s.query_text, query);
                assert_eq!(s.min_severity, None);
                assert!(!s.work_only);
                let stated: usize = reason
                    .message
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap();
                assert_eq!(s.visible.len(), stated, "{}", reason.message);
            }
            None if reason.rule == "checklist" => {
                assert!(s.checklist.is_some(), "{}", reason.message);
                opened_checklist = true;
                key(&mut s, &k, KeyCode::Esc);
            }
            None => {}
        }
    }
    assert!(opened_checklist, "{reasons:?}");
    // Round again: back to the first.
    key(&mut s, &k, KeyCode::Char('b'));
    assert!(s.status.as_deref().unwrap().starts_with("blocker 1/"));
}

/// A prompt that opens unasked (ticking an item whose check fails) takes
/// no key typed before it was on screen: a `j` meant for the list does not
/// become the override's reason.
#[test]
fn the_override_prompt_takes_no_key_typed_before_it_was_shown() {
    let (mut s, k) = demo_state();
    key(&mut s, &k, KeyCode::Char('c'));
    // Find an item whose check fails.
    for _ in 0..12 {
        key(&mut s, &k, KeyCode::Char('x'));
        if s.checklist.as_ref().unwrap().prompt.is_some() {
            break;
        }
        key(&mut s, &k, KeyCode::Char('j'));
    }
    assert!(s.checklist.as_ref().unwrap().prompt.is_some());
    // Typed in the same breath as `x`, before any frame showed the prompt.
    typed(&mut s, &k, "jj");
    let typed_so_far = |s: &AppState| {
        s.checklist
            .as_ref()
            .unwrap()
            .prompt
            .as_ref()
            .unwrap()
            .1
            .text()
            .to_string()
    };
    assert_eq!(typed_so_far(&s), "");
    assert!(s.status.as_deref().unwrap().contains("a reason is needed"));
    drive(&mut s, &k, Msg::Drawn);
    typed(&mut s, &k, "rehearsed by hand");
    assert_eq!(typed_so_far(&s), "rehearsed by hand");
    // Esc still cancels at once, drawn or not.
    key(&mut s, &k, KeyCode::Esc);
    assert!(s.checklist.as_ref().unwrap().prompt.is_none());
}
