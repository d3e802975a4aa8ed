//! The console and background scans, driven message by message: task
//! events arriving while the user moves and filters, the tasks list,
//! cancelling, `r`/`R`, and new results held behind a banner until asked for.

use crate::common;
use crate::common::console::{drive, press, screen, selected_id};

use crossterm::event::KeyCode;
use scandeck::scan::runner::{Outcome, TaskEvent};
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::{Effect, Msg, RescanScope};
use scandeck::tui::state::AppState;

fn demo_state() -> (AppState, KeyMap) {
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("demo workspace", (160, 45));
    state.now = common::fixed_now();
    let data = Data::build(common::demo_current(), common::fixed_now());
    drive(&mut state, &keymap, Msg::Loaded(Box::new(data)));
    (state, keymap)
}

fn key(state: &mut AppState, keymap: &KeyMap, code: KeyCode) -> Vec<Effect> {
    press(state, keymap, code)
}

fn task(state: &mut AppState, keymap: &KeyMap, event: TaskEvent) -> Vec<Effect> {
    drive(state, keymap, Msg::Task(event))
}

fn queued(id: u64, label: &str) -> TaskEvent {
    TaskEvent::Queued {
        id,
        generation: 1,
        key: label.into(),
        label: label.into(),
    }
}

#[test]
fn keys_are_answered_while_task_events_arrive() {
    let (mut state, keymap) = demo_state();
    task(
        &mut state,
        &keymap,
        queued(1, "trivy finance-tracker/backend:1.4.0"),
    );
    task(&mut state, &keymap, TaskEvent::Started { id: 1 });
    key(&mut state, &keymap, KeyCode::Char('j'));
    task(
        &mut state,
        &keymap,
        TaskEvent::Line {
            id: 1,
            line: "downloading vulnerability DB 3".into(),
        },
    );
    key(&mut state, &keymap, KeyCode::Char('j'));
    assert_eq!(state.findings.selected, 2);
    key(&mut state, &keymap, KeyCode::Char('/'));
    for c in "werkzeug".chars() {
        key(&mut state, &keymap, KeyCode::Char(c));
        task(
            &mut state,
            &keymap,
            TaskEvent::Stage {
                id: 1,
                stage: "scanning".into(),
            },
        );
    }
    key(&mut state, &keymap, KeyCode::Enter);
    assert_eq!(state.visible.len(), 4, "the filter applied between events");
    let shown = screen(&state, &keymap);
    assert!(shown.contains("scans: 1 running · 0 done"), "{shown}");
}

#[test]
fn the_tasks_list_shows_state_output_and_command_and_cancels() {
    let (mut state, keymap) = demo_state();
    for (id, label) in [
        (1, "project posture"),
        (2, "trivy finance-tracker/backend:1.4.0"),
        (3, "image checks finance-tracker/backend:1.4.0"),
        (4, "grype finance-tracker/frontend:1.4.0"),
    ] {
        task(&mut state, &keymap, queued(id, label));
    }
    for id in [1, 2] {
        task(&mut state, &keymap, TaskEvent::Started { id });
    }
    task(
        &mut state,
        &keymap,
        TaskEvent::Done {
            id: 1,
            outcome: Outcome::Imported {
                run_id: 7,
                report_name: "scandeck project posture".into(),
                findings: 35,
                new: 35,
                duplicate: false,
                notes: vec![],
            },
        },
    );
    task(
        &mut state,
        &keymap,
        TaskEvent::Command {
            id: 2,
            command: "/usr/local/bin/trivy image --quiet --format json --output /tmp/scandeck-scan-x/report.json finance-tracker/backend:1.4.0".into(),
        },
    );
    task(
        &mut state,
        &keymap,
        TaskEvent::Line {
            id: 2,
            line: "2026-11-20T12:00:00Z INFO Detecting Debian vulnerabilities...".into(),
        },
    );
    task(&mut state, &keymap, TaskEvent::Started { id: 3 });
    task(
        &mut state,
        &keymap,
        TaskEvent::Done {
            id: 3,
            outcome: Outcome::Failed(
                "Docker engine absent: no socket at /var/run/docker.sock; scandeck keeps working with reports".into(),
            ),
        },
    );
    key(&mut state, &keymap, KeyCode::Char('w'));
    // Newest first: grype (queued), image checks (failed), trivy (running), posture (done).
    key(&mut state, &keymap, KeyCode::Char('j'));
    key(&mut state, &keymap, KeyCode::Char('j'));
    insta::assert_snapshot!("tasks_list", screen(&state, &keymap));
    let effects = key(&mut state, &keymap, KeyCode::Char('x'));
    assert!(
        matches!(effects.as_slice(), [Effect::CancelTask(2)]),
        "{effects:?}"
    );
    task(
        &mut state,
        &keymap,
        TaskEvent::Done {
            id: 2,
            outcome: Outcome::Cancelled,
        },
    );
    let effects = key(&mut state, &keymap, KeyCode::Char('x'));
    assert!(effects.is_empty(), "a finished task cannot be cancelled");
    assert!(state
        .status
        .as_deref()
        .unwrap()
        .contains("already finished"));
    assert_eq!(
        state.scans.summary().unwrap(),
        "0 running · 1 queued · 1 done · 1 failed · 1 cancelled"
    );
    key(&mut state, &keymap, KeyCode::Esc);
    assert!(!state.scans.open);
}

#[test]
fn r_rescans_the_selected_target_and_capital_r_everything() {
    let (mut state, keymap) = demo_state();
    let effects = key(&mut state, &keymap, KeyCode::Char('r'));
    let data = state.data.as_ref().unwrap();
    let image = data.view.findings[state.selected_finding().unwrap()]
        .image_name()
        .unwrap()
        .to_string();
    assert!(
        matches!(effects.as_slice(), [Effect::Rescan(RescanScope::Image(i))] if *i == image),
        "{effects:?}"
    );
    // A finding about a project file rescans the project.
    key(&mut state, &keymap, KeyCode::Char('/'));
    for c in "kind:secret".chars() {
        key(&mut state, &keymap, KeyCode::Char(c));
    }
    key(&mut state, &keymap, KeyCode::Enter);
    let effects = key(&mut state, &keymap, KeyCode::Char('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::Rescan(RescanScope::Project)]),
        "{effects:?}"
    );
    // R scans nothing yet: it asks the engine what there is, to choose from.
    let effects = key(&mut state, &keymap, KeyCode::Char('R'));
    assert!(
        matches!(effects.as_slice(), [Effect::ListImages]),
        "{effects:?}"
    );
}

fn image(tag: &str, size_bytes: u64, days_old: i64) -> scandeck::scan::docker::ImageEntry {
    scandeck::scan::docker::ImageEntry {
        id: format!("sha256:{:064x}", size_bytes),
        tags: vec![tag.to_string()],
        size_bytes,
        created: common::fixed_now().timestamp() - days_old * 86_400,
    }
}

#[test]
fn capital_r_shows_what_it_would_scan_and_scans_only_what_is_ticked() {
    let (mut state, keymap) = demo_state();
    key(&mut state, &keymap, KeyCode::Char('R'));
    let images = vec![
        image("finance-tracker/backend:1.4.0", 412_000_000, 3),
        image("busybox:latest", 4_300_000, 400),
    ];
    drive(&mut state, &keymap, Msg::ImagesListed(Ok(images)));
    let shown = screen(&state, &keymap);
    assert!(shown.contains("Scan what? 2 of 4 ticked"), "{shown}");
    // Scanned here before: ticked; an unrelated image: not.
    let line = |needle: &str| {
        shown
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}: {shown}"))
            .to_string()
    };
    assert!(line("finance-tracker/backend:1.4.0").contains("[x]"));
    assert!(line("finance-tracker/backend:1.4.0").contains("412 MB"));
    assert!(line("finance-tracker/backend:1.4.0").contains("built 3 d ago"));
    assert!(line("busybox:latest").contains("[ ]"));
    assert!(line("busybox:latest").contains("never scanned here"));
    assert!(line("the project").contains("[x]"));
    assert!(line("the running containers").contains("[ ]"));
    insta::assert_snapshot!("scan_picker", shown);
    // Order: project, containers, then images by name (busybox, backend).
    key(&mut state, &keymap, KeyCode::Char('j'));
    key(&mut state, &keymap, KeyCode::Char('j'));
    key(&mut state, &keymap, KeyCode::Char(' '));
    let effects = key(&mut state, &keymap, KeyCode::Enter);
    assert!(state.picker.is_none());
    let [Effect::Rescan(RescanScope::Chosen {
        images,
        project,
        containers,
    })] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        images,
        &vec![
            "busybox:latest".to_string(),
            "finance-tracker/backend:1.4.0".to_string()
        ]
    );
    assert!(*project && !*containers);
    // Without an engine: the project alone, and why.
    key(&mut state, &keymap, KeyCode::Char('R'));
    drive(
        &mut state,
        &keymap,
        Msg::ImagesListed(Err("Docker engine absent: no socket".into())),
    );
    let shown = screen(&state, &keymap);
    assert!(
        shown.contains("no images listed: Docker engine absent"),
        "{shown}"
    );
    assert!(shown.contains("Scan what? 1 of 1 ticked"), "{shown}");
    // Untick everything: Enter refuses; Esc scans nothing.
    key(&mut state, &keymap, KeyCode::Char('a'));
    assert!(key(&mut state, &keymap, KeyCode::Enter).is_empty());
    assert!(state.picker.is_some());
    assert!(key(&mut state, &keymap, KeyCode::Esc).is_empty());
    assert!(state.picker.is_none());
}

#[test]
fn new_results_wait_behind_a_banner_and_keep_the_selection() {
    let (mut state, keymap) = demo_state();
    for _ in 0..3 {
        key(&mut state, &keymap, KeyCode::Char('j'));
    }
    let before_rows = state.visible.clone();
    let before_id = selected_id(&state);
    let before_fp =
        state.data.as_ref().unwrap().view.findings[state.selected_finding().unwrap()].fingerprint;

    // A finished scan imported one more finding: the console reads the workspace again.
    let effects = task(&mut state, &keymap, queued(1, "trivy extra:1"));
    assert!(effects.is_empty());
    let effects = task(
        &mut state,
        &keymap,
        TaskEvent::Done {
            id: 1,
            outcome: Outcome::Imported {
                run_id: 9,
                report_name: "trivy extra:1".into(),
                findings: 1,
                new: 1,
                duplicate: false,
                notes: vec![],
            },
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::Reload]),
        "{effects:?}"
    );
    let data = common::console::demo_with_one_more();
    drive(&mut state, &keymap, Msg::Reloaded(Box::new(data)));

    assert_eq!(state.visible, before_rows, "nothing moved under the cursor");
    assert_eq!(selected_id(&state), before_id);
    let shown = screen(&state, &keymap);
    assert!(shown.contains(" 1 new finding — U to show"), "{shown}");
    assert!(!shown.contains("CVE-2099-0001"));

    key(&mut state, &keymap, KeyCode::Char('U'));
    assert!(state.pending.is_none());
    assert_eq!(state.visible.len(), before_rows.len() + 1);
    let data = state.data.as_ref().unwrap();
    assert_eq!(
        data.view.findings[state.selected_finding().unwrap()].fingerprint,
        before_fp,
        "the same finding stays selected"
    );
    assert!(screen(&state, &keymap).contains("CVE-2099-0001"));
    let effects = key(&mut state, &keymap, KeyCode::Char('U'));
    assert!(effects.is_empty());
    assert_eq!(state.status.as_deref(), Some("no new scan results"));
}
