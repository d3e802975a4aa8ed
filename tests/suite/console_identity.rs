//! The console holds findings by identity: marks, the selection, the
//! target filter and decisions being saved survive a reload that reorders,
//! adds or removes findings (issue: marks that moved to other rows, a save
//! that crashed with fewer findings, a target filter that jumped, a
//! decision that vanished behind the new-results banner).

use crate::common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use scandeck::model::Finding;
use scandeck::store::workspace::CurrentFindings;
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::{Effect, Msg};
use scandeck::tui::panes::dialog::TriageChange;
use scandeck::tui::state::AppState;
use scandeck::tui::update::update;

const ACTOR: &str = "Tess Tester <tess@example.com>";

/// Runs `msg`, carrying out searches as the matcher thread would; saves are
/// handed back so that a test decides when they finish.
fn drive(state: &mut AppState, keymap: &KeyMap, msg: Msg) -> Vec<Effect> {
    let mut queue = vec![msg];
    let mut others = Vec::new();
    while let Some(m) = queue.pop() {
        for effect in update(state, keymap, m) {
            match effect {
                Effect::Search(req) => queue.push(common::search_done(req)),
                other => others.push(other),
            }
        }
    }
    others
}

/// Finishes a save as the runtime does: applied to the file as last known, reported back.
fn finish_save(state: &mut AppState, keymap: &KeyMap, change: TriageChange) {
    let mut file = state.data.as_ref().unwrap().view.triage.clone();
    let stamp = scandeck::triage::engine::Stamp {
        who: ACTOR,
        now: common::fixed_now(),
    };
    let (summary, undo) = change.apply(&mut file, stamp);
    drive(state, keymap, Msg::Saved(Ok((file, summary, undo))));
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

fn loaded(current: CurrentFindings) -> (AppState, KeyMap) {
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("demo workspace", (160, 45));
    state.actor = ACTOR.into();
    drive(
        &mut state,
        &keymap,
        Msg::Loaded(Box::new(Data::build(current, common::fixed_now()))),
    );
    (state, keymap)
}

/// A scan finished and the workspace was read again: the results wait behind the banner.
fn reload(state: &mut AppState, keymap: &KeyMap, current: CurrentFindings) {
    let effects = drive(
        state,
        keymap,
        Msg::Reloaded(Box::new(Data::build(current, common::fixed_now()))),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(state.pending.is_some(), "the results wait for U");
}

/// Findings of another image, placed first so that every row index moves.
fn other_image_first(mut current: CurrentFindings, criticals: usize) -> CurrentFindings {
    let ids: Vec<String> = (0..criticals)
        .map(|n| format!("CVE-2099-{:04}", n + 1))
        .collect();
    let vulns: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                id.as_str(),
                &[][..],
                "openssl",
                "1.0",
                "CRITICAL",
                Some("1.1"),
            )
        })
        .collect();
    let report = common::trivy("aaa/first", "1", "ab", &vulns);
    let parsed = common::parse(report.to_string().as_bytes(), "first.json").unwrap();
    let mut findings = parsed.findings;
    findings.append(&mut current.findings);
    current.findings = findings;
    current
}

fn finding_with_id<'a>(state: &'a AppState, id: &str) -> &'a Finding {
    let data = state.data.as_ref().unwrap();
    data.view.findings.iter().find(|f| f.id == id).unwrap()
}

fn select_id(state: &mut AppState, keymap: &KeyMap, id: &str) {
    let at = state
        .visible
        .iter()
        .position(|i| state.data.as_ref().unwrap().view.findings[*i as usize].id == id)
        .unwrap_or_else(|| panic!("{id} is not shown"));
    key(state, keymap, KeyCode::Char('g'));
    key(state, keymap, KeyCode::Char('g'));
    for _ in 0..at {
        key(state, keymap, KeyCode::Char('j'));
    }
    assert_eq!(selected(state).id, id);
}

fn selected(state: &AppState) -> &Finding {
    let data = state.data.as_ref().unwrap();
    &data.view.findings[state.selected_finding().unwrap()]
}

fn marked_ids(state: &AppState) -> Vec<String> {
    let data = state.data.as_ref().unwrap();
    let mut ids: Vec<String> = data
        .view
        .findings
        .iter()
        .enumerate()
        .filter(|(i, _)| state.is_marked(*i))
        .map(|(_, f)| f.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn status_of(state: &AppState, fingerprint: scandeck::model::Fingerprint) -> String {
    let data = state.data.as_ref().unwrap();
    let i = data
        .view
        .findings
        .iter()
        .position(|f| f.fingerprint == fingerprint)
        .unwrap();
    data.view.assessments[i].status.as_str().to_string()
}

#[test]
fn a_marked_row_stays_on_its_finding_after_new_results() {
    let (mut s, km) = loaded(common::demo_current());
    select_id(&mut s, &km, "CVE-2023-24538");
    key(&mut s, &km, KeyCode::Char(' '));
    assert_eq!(marked_ids(&s), ["CVE-2023-24538"]);

    reload(&mut s, &km, other_image_first(common::demo_current(), 3));
    key(&mut s, &km, KeyCode::Char('U'));

    assert_eq!(
        marked_ids(&s),
        ["CVE-2023-24538"],
        "the mark stays on its finding, not on whatever row took its place"
    );
    let data = s.data.as_ref().unwrap();
    let new_rows = data
        .view
        .findings
        .iter()
        .enumerate()
        .filter(|(i, f)| f.id.starts_with("CVE-2099-") && s.is_marked(*i))
        .count();
    assert_eq!(new_rows, 0);
}

#[test]
fn a_save_after_a_reload_with_fewer_findings_applies_to_the_marked_findings_only() {
    let (mut s, km) = loaded(common::demo_current());
    // Mark the last three rows in finding order: the ones a shorter reload drops.
    let n = s.data.as_ref().unwrap().view.findings.len();
    let last: Vec<String> = s.data.as_ref().unwrap().view.findings[n - 3..]
        .iter()
        .map(|f| f.id.clone())
        .collect();
    let kept_id = "CVE-2023-24538";
    for id in last.iter().map(String::as_str).chain([kept_id]) {
        select_id(&mut s, &km, id);
        key(&mut s, &km, KeyCode::Char(' '));
    }
    assert_eq!(s.marked.len(), 4);
    let kept_fp = finding_with_id(&s, kept_id).fingerprint;

    let mut shorter = common::demo_current();
    shorter.findings.truncate(n - 10);
    assert!(shorter.findings.iter().any(|f| f.fingerprint == kept_fp));
    reload(&mut s, &km, shorter);
    key(&mut s, &km, KeyCode::Char('U'));
    assert_eq!(
        s.marked.len(),
        1,
        "marks of findings no longer reported are dropped"
    );

    key(&mut s, &km, KeyCode::Char('x'));
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "scanner matched the wrong package");
    let effects = key(&mut s, &km, KeyCode::Enter);
    let Some(Effect::Save(change)) = effects.into_iter().next() else {
        panic!("one marked finding left: saved without a second question");
    };
    finish_save(&mut s, &km, change);
    assert_eq!(status_of(&s, kept_fp), "suppressed");
    let decisions = &s.data.as_ref().unwrap().view.triage.decisions;
    assert_eq!(decisions.len(), 1, "{decisions:?}");
}

#[test]
fn the_target_filter_stays_on_its_target_when_targets_change() {
    let (mut s, km) = loaded(common::demo_current());
    key(&mut s, &km, KeyCode::Char('1'));
    key(&mut s, &km, KeyCode::Char('j'));
    key(&mut s, &km, KeyCode::Char('j'));
    key(&mut s, &km, KeyCode::Enter);
    let name = s.target_filter.clone().expect("a target is chosen");
    let shown_before: Vec<String> = s
        .visible
        .iter()
        .map(|i| {
            s.data.as_ref().unwrap().view.findings[*i as usize]
                .id
                .clone()
        })
        .collect();
    assert!(!shown_before.is_empty());

    // Another image arrives with more criticals than any: it sorts first and
    // takes the first target id.
    reload(&mut s, &km, other_image_first(common::demo_current(), 40));
    key(&mut s, &km, KeyCode::Char('U'));

    assert_eq!(s.target_filter.as_deref(), Some(name.as_str()));
    let data = s.data.as_ref().unwrap();
    assert_eq!(
        data.targets[0].name, "aaa/first:1",
        "the new image is the busiest"
    );
    assert!(s
        .visible
        .iter()
        .all(|i| data.view.findings[*i as usize].display_target() == name));
    let shown_after: Vec<String> = s
        .visible
        .iter()
        .map(|i| data.view.findings[*i as usize].id.clone())
        .collect();
    assert_eq!(shown_after, shown_before);
    assert_eq!(
        data.targets[s.targets.selected - 1].name,
        name,
        "the targets pane's cursor follows the target to its new row"
    );
}

#[test]
fn a_decision_saved_while_results_wait_stays_when_they_are_shown() {
    // The reload arrives, then the user decides, then the save finishes.
    let (mut s, km) = loaded(common::demo_current());
    reload(&mut s, &km, other_image_first(common::demo_current(), 1));
    select_id(&mut s, &km, "CVE-2023-24538");
    let fp = selected(&s).fingerprint;
    key(&mut s, &km, KeyCode::Char('f'));
    let Some(Effect::Save(change)) = key(&mut s, &km, KeyCode::Enter).into_iter().next() else {
        panic!("marking fixed saves");
    };
    finish_save(&mut s, &km, change);
    assert_eq!(status_of(&s, fp), "fix-pending");
    key(&mut s, &km, KeyCode::Char('U'));
    assert_eq!(
        status_of(&s, fp),
        "fix-pending",
        "the new results keep the decision"
    );
    assert!(s
        .data
        .as_ref()
        .unwrap()
        .view
        .findings
        .iter()
        .any(|f| f.id == "CVE-2099-0001"));

    // The save starts, the reload (read before the save wrote) arrives, then the save finishes.
    let (mut s, km) = loaded(common::demo_current());
    select_id(&mut s, &km, "CVE-2023-24538");
    key(&mut s, &km, KeyCode::Char('f'));
    let Some(Effect::Save(change)) = key(&mut s, &km, KeyCode::Enter).into_iter().next() else {
        panic!("marking fixed saves");
    };
    reload(&mut s, &km, other_image_first(common::demo_current(), 1));
    finish_save(&mut s, &km, change);
    key(&mut s, &km, KeyCode::Char('U'));
    assert_eq!(status_of(&s, fp), "fix-pending");

    // The save finishes, then a reload that read the file before it arrives.
    let (mut s, km) = loaded(common::demo_current());
    select_id(&mut s, &km, "CVE-2023-24538");
    key(&mut s, &km, KeyCode::Char('f'));
    let Some(Effect::Save(change)) = key(&mut s, &km, KeyCode::Enter).into_iter().next() else {
        panic!("marking fixed saves");
    };
    finish_save(&mut s, &km, change);
    // The decided finding went below what needs work; the selection moved
    // on to the next finding that needs work, and stays on it.
    let on = selected(&s).fingerprint;
    assert_ne!(on, fp);
    reload(&mut s, &km, other_image_first(common::demo_current(), 1));
    key(&mut s, &km, KeyCode::Char('U'));
    assert_eq!(status_of(&s, fp), "fix-pending");
    assert_eq!(
        selected(&s).fingerprint,
        on,
        "the selection stays on its finding"
    );
}

/// The most severe findings first, as the loader sends them before the rest.
fn preview_of(current: &CurrentFindings, n: usize) -> CurrentFindings {
    let mut top: Vec<Finding> = current.findings.clone();
    top.sort_by_key(|f| std::cmp::Reverse(f.severity));
    top.truncate(n);
    CurrentFindings {
        findings: top,
        runs: current.runs.clone(),
        triage: current.triage.clone(),
        ..CurrentFindings::default()
    }
}

#[test]
fn the_first_screen_shows_the_most_severe_and_the_whole_set_keeps_the_selection() {
    let full = common::demo_current();
    let total = full.findings.len();
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("demo workspace", (160, 45));
    state.actor = ACTOR.into();
    let preview = Data::build(preview_of(&full, 6), common::fixed_now());
    drive(&mut state, &keymap, Msg::Preview(Box::new(preview), total));
    assert_eq!(state.preview, Some(total));
    assert_eq!(state.visible.len(), 6, "the first screen has rows at once");
    assert!(state.gate.is_none(), "no verdict over part of the findings");
    // The header never reads the rows loaded so far as totals: it counts
    // from the store (every current run's counts) and says it is loading.
    let stored = |word: &str| -> usize {
        full.runs
            .iter()
            .map(|r| r.counts.get(word).copied().unwrap_or(0))
            .sum()
    };
    assert!(stored("high") > 0);
    let header: String = common::console::screen(&state, &keymap)
        .lines()
        .take(2)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        header.contains(&format!("first 6 of {total} findings, loading…")),
        "{header}"
    );
    assert!(
        header.contains(&format!(
            "CRIT {}  HIGH {}",
            stored("critical"),
            stored("high")
        )),
        "{header}"
    );
    assert!(header.contains("(stored, before decisions)"), "{header}");
    assert!(state
        .status
        .as_deref()
        .unwrap_or("")
        .contains(&format!("/{total} findings")));
    // Whole-filter actions wait: they would miss what is not loaded yet.
    key(&mut state, &keymap, KeyCode::Char('*'));
    assert!(state.marked.is_empty());
    assert!(state
        .status
        .as_deref()
        .unwrap_or("")
        .contains("still loading"));
    key(&mut state, &keymap, KeyCode::Char('e'));
    assert!(state.dialog.is_none());
    // The user moved to the third row; the whole set arrives in another order.
    key(&mut state, &keymap, KeyCode::Char('j'));
    key(&mut state, &keymap, KeyCode::Char('j'));
    let chosen = state.selected_ref().unwrap();
    drive(
        &mut state,
        &keymap,
        Msg::Loaded(Box::new(Data::build(full, common::fixed_now()))),
    );
    assert_eq!(state.preview, None);
    assert_eq!(state.visible.len(), total);
    assert_eq!(
        state.selected_ref(),
        Some(chosen),
        "the selection stayed on its finding"
    );
    assert!(state.gate.is_some());
    key(&mut state, &keymap, KeyCode::Char('*'));
    assert_eq!(state.marked.len(), total);
    // A late first screen never replaces the whole set.
    let late = Data::build(preview_of(&common::demo_current(), 3), common::fixed_now());
    drive(&mut state, &keymap, Msg::Preview(Box::new(late), total));
    assert_eq!(state.visible.len(), total);
}
