//! The console stays true while others work: decisions, checklist records
//! and scans made by another process arrive without a key press, keeping
//! the query, the selection and the marks, and the status line says what
//! arrived; `Ctrl-R` reloads by hand.

use crate::common;
use crate::common::console::{
    ctrl, demo_console, demo_with_one_more, drive, press, screen, selected_id, typed,
};

use crossterm::event::KeyCode;
use scandeck::store::decisions::DecisionFile;
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::{Effect, Msg};
use scandeck::tui::state::{AppState, WorkspaceChange};

fn console(actor: &str) -> (AppState, KeyMap) {
    demo_console(actor, (160, 45))
}

/// What `actor`'s console writes after marking the rows at `rows` fixed:
/// the decision file as it would be on disk.
fn decided_elsewhere(actor: &str, rows: &[usize], file: &DecisionFile) -> DecisionFile {
    let (mut other, keymap) = console(actor);
    for &row in rows {
        other.findings.selected = row;
        press(&mut other, &keymap, KeyCode::Char(' '));
    }
    press(&mut other, &keymap, KeyCode::Char('f'));
    // Marked rows ask once more before the change is made.
    let change = (0..2)
        .flat_map(|_| press(&mut other, &keymap, KeyCode::Enter))
        .find_map(|e| match e {
            Effect::Save(change) => Some(change),
            _ => None,
        })
        .expect("marking fixed saves");
    let mut file = file.clone();
    let stamp = scandeck::triage::engine::Stamp {
        who: actor,
        now: common::fixed_now(),
    };
    change.apply(&mut file, stamp);
    file
}

fn changed(decisions: bool, checklist: bool, runs: bool) -> Msg {
    Msg::WorkspaceChanged(WorkspaceChange {
        decisions,
        checklist,
        runs,
    })
}

#[test]
fn decisions_made_elsewhere_arrive_and_the_selection_stays() {
    let (mut dev, keymap) = console("dev");
    press(&mut dev, &keymap, KeyCode::Char('j'));
    press(&mut dev, &keymap, KeyCode::Char('j'));
    let selected = selected_id(&dev);
    let before = dev.data.as_ref().unwrap().view.triage.clone();
    let open_before = dev.visible_tally.iter().sum::<usize>();

    let theirs = decided_elsewhere("ops", &[5, 6], &before);
    let effects = drive(&mut dev, &keymap, changed(true, false, false));
    assert!(
        matches!(effects.as_slice(), [Effect::ReadDecisions]),
        "{effects:?}"
    );
    drive(&mut dev, &keymap, Msg::DecisionsRead(Ok(theirs.clone())));

    assert_eq!(dev.status.as_deref(), Some("arrived: 2 decisions by ops"));
    assert_eq!(
        selected_id(&dev),
        selected,
        "the selection stays on its finding"
    );
    assert_eq!(
        dev.visible_tally.iter().sum::<usize>(),
        open_before - 2,
        "the tallies count what still needs work"
    );
    assert!(dev.visible_resolved >= 2);
    assert!(screen(&dev, &keymap).contains("arrived: 2 decisions by ops"));

    // The copy read before (or a stale read racing a save) changes nothing.
    dev.status = None;
    let effects = drive(&mut dev, &keymap, Msg::DecisionsRead(Ok(before)));
    assert!(effects.is_empty());
    assert_eq!(dev.status, None);
    assert_eq!(dev.data.as_ref().unwrap().view.triage, theirs);

    // A file that cannot be read is said, and what is shown stays.
    drive(
        &mut dev,
        &keymap,
        Msg::DecisionsRead(Err("line 1: expected value".into())),
    );
    assert!(dev
        .status
        .as_deref()
        .unwrap()
        .starts_with("decisions.json changed but could not be read"));
    assert_eq!(dev.data.as_ref().unwrap().view.triage, theirs);
}

#[test]
fn a_decision_made_elsewhere_keeps_the_query_and_the_marks() {
    let (mut dev, keymap) = console("dev");
    press(&mut dev, &keymap, KeyCode::Char('/'));
    typed(&mut dev, &keymap, "sev:critical");
    press(&mut dev, &keymap, KeyCode::Enter);
    let shown = dev.visible.len();
    assert!(shown >= 3);
    press(&mut dev, &keymap, KeyCode::Char(' '));
    let marked = dev.marked.clone();
    let before = dev.data.as_ref().unwrap().view.triage.clone();
    // ops decides a finding that is not critical: nothing here moves.
    let (ops, _) = console("ops");
    let low = ops
        .visible
        .iter()
        .position(|&i| {
            ops.data.as_ref().unwrap().view.findings[i as usize].severity
                == scandeck::model::Severity::Low
        })
        .unwrap();
    let theirs = decided_elsewhere("ops", &[low], &before);
    drive(&mut dev, &keymap, Msg::DecisionsRead(Ok(theirs)));
    assert_eq!(dev.query_text, "sev:critical");
    assert_eq!(dev.visible.len(), shown);
    assert_eq!(dev.marked, marked);
    assert_eq!(dev.status.as_deref(), Some("arrived: 1 decision by ops"));
}

#[test]
fn checklist_records_made_elsewhere_arrive_and_are_told() {
    let (mut dev, keymap) = console("dev");
    let mut file = scandeck::checklist::progress::ChecklistFile::default();
    for who in ["ops", "ops", "lead"] {
        scandeck::triage::audit::append(
            &mut file.audit,
            "2026-12-07T10:00:00Z",
            who,
            "recorded",
            "production/backups",
            None,
            None,
            Some("done".into()),
            None,
        );
    }
    let effects = drive(&mut dev, &keymap, changed(false, true, false));
    assert!(
        matches!(effects.as_slice(), [Effect::ReadChecklist]),
        "{effects:?}"
    );
    drive(&mut dev, &keymap, Msg::ChecklistRead(Ok(file.clone())));
    assert_eq!(
        dev.status.as_deref(),
        Some("arrived: 2 checklist records by ops, 1 checklist record by lead")
    );
    assert_eq!(dev.data.as_ref().unwrap().walk.records, file);
}

#[test]
fn changes_seen_during_the_first_load_are_read_once_it_ends() {
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("demo workspace", (160, 45));
    assert!(drive(&mut state, &keymap, changed(true, false, false)).is_empty());
    assert!(drive(&mut state, &keymap, changed(false, true, false)).is_empty());
    let effects = drive(
        &mut state,
        &keymap,
        Msg::Loaded(Box::new(Data::build(
            common::demo_current(),
            common::fixed_now(),
        ))),
    );
    let reads: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::ReadDecisions | Effect::ReadChecklist))
        .collect();
    assert_eq!(reads.len(), 2, "{effects:?}");
}

#[test]
fn a_scan_made_elsewhere_waits_behind_the_banner_saying_what_it_brings() {
    let (mut dev, keymap) = console("dev");
    let effects = drive(&mut dev, &keymap, changed(false, false, true));
    assert!(
        matches!(effects.as_slice(), [Effect::Reload]),
        "{effects:?}"
    );
    let rows = dev.visible.clone();
    drive(
        &mut dev,
        &keymap,
        Msg::Reloaded(Box::new(demo_with_one_more())),
    );
    assert_eq!(dev.visible, rows, "nothing moved under the cursor");
    let text = screen(&dev, &keymap);
    assert!(text.contains(" 1 new finding — U to show"), "{text}");

    // A read that brings nothing new raises no banner.
    let (mut quiet, keymap) = console("dev");
    drive(
        &mut quiet,
        &keymap,
        Msg::Reloaded(Box::new(Data::build(
            common::demo_current(),
            common::fixed_now(),
        ))),
    );
    assert!(quiet.pending.is_none());
    assert!(!screen(&quiet, &keymap).contains("U to show"));
}

#[test]
fn ctrl_r_reloads_and_shows_at_once_keeping_the_query_and_the_selection() {
    let (mut dev, keymap) = console("dev");
    press(&mut dev, &keymap, KeyCode::Char('/'));
    typed(&mut dev, &keymap, "openssl");
    press(&mut dev, &keymap, KeyCode::Enter);
    press(&mut dev, &keymap, KeyCode::Char('j'));
    let selected = selected_id(&dev);
    let shown = dev.visible.len();
    let effects = ctrl(&mut dev, &keymap, 'r');
    assert!(
        matches!(effects.as_slice(), [Effect::Reload]),
        "{effects:?}"
    );
    drive(
        &mut dev,
        &keymap,
        Msg::Reloaded(Box::new(demo_with_one_more())),
    );
    assert!(dev.pending.is_none(), "asked for: shown at once");
    assert_eq!(dev.status.as_deref(), Some("reloaded: 1 new finding"));
    assert_eq!(dev.query_text, "openssl");
    assert_eq!(
        dev.visible.len(),
        shown + 1,
        "the new openssl finding is shown"
    );
    assert_eq!(selected_id(&dev), selected);
}

/// Two tags of one repository stay two readable rows even in a narrow
/// targets pane (the tag is kept where the plain cut would drop it), the
/// selected one's full name is under the pane, and findings of unknown
/// severity get their own tally instead of hiding behind `C 0 H 0 M 0 L 0`.
#[test]
fn targets_keep_their_tags_apart_and_unknown_severity_is_counted() {
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("shop", (80, 24));
    let mut current = scandeck::store::workspace::CurrentFindings::default();
    for (tag, digest, id, severity) in [
        ("1.4.0", "aa", "CVE-2026-0001", "HIGH"),
        ("1.5.0", "bb", "CVE-2026-0002", "UNKNOWN"),
    ] {
        let vulns: Vec<common::Vuln> = vec![(id, &[][..], "zlib", "1.3", severity, None)];
        let report = common::trivy(
            "registry.example.com/acme/shop-backend",
            tag,
            digest,
            &vulns,
        );
        let parsed = common::parse(report.to_string().as_bytes(), "r.json").unwrap();
        current.findings.extend(parsed.findings);
    }
    drive(
        &mut state,
        &keymap,
        Msg::Loaded(Box::new(Data::build(current, common::fixed_now()))),
    );
    let text = screen(&state, &keymap);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("shop-b") || l.contains("…"))
        .filter(|l| l.contains(" C") || l.contains("C0"))
        .collect();
    assert!(rows.iter().any(|r| r.contains("1.4.0")), "{text}");
    assert!(rows.iter().any(|r| r.contains("1.5.0")), "{text}");
    assert!(text.contains("U1") || text.contains("U 1"), "{text}");
    // The selected target's full name, under the pane.
    press(&mut state, &keymap, KeyCode::Char('1'));
    press(&mut state, &keymap, KeyCode::Char('j'));
    let text = screen(&state, &keymap);
    assert!(
        text.contains("registry.example.com/acme/shop-backend:1."),
        "{text}"
    );
}
