//! The command line (`:`), named views, multi-step undo, and one line
//! editor for every text field: completion that shows each action's key,
//! commands that do what their keys do, views saved by name that survive
//! a restart, `Ctrl-C` and `Ctrl-Z` from every field, a paste that lands
//! whole, and the query line's history.

use crate::common::console::{ctrl, demo_console, drive, press, screen, typed};

use crossterm::event::KeyCode;
use scandeck::export::ExportFormat;
use scandeck::query::SortKey;
use scandeck::tui::keymap::{Context, KeyMap};
use scandeck::tui::msg::{Effect, Job, Msg};
use scandeck::tui::panes::command_line::suggestions;
use scandeck::tui::state::groups::GroupBy;
use scandeck::tui::state::AppState;

fn console() -> (AppState, KeyMap) {
    demo_console("Tess Tester <tess@example.com>", (120, 40))
}

/// Opens the command line, types `text` and presses Enter.
fn command(state: &mut AppState, keymap: &KeyMap, text: &str) -> Vec<Effect> {
    press(state, keymap, KeyCode::Char(':'));
    typed(state, keymap, text);
    press(state, keymap, KeyCode::Enter)
}

#[test]
fn colon_completes_every_action_by_name_with_its_key_and_exports() {
    let (mut s, k) = console();
    press(&mut s, &k, KeyCode::Char(':'));
    assert_eq!(s.context(), Context::Command);
    typed(&mut s, &k, "exp");
    let offered = suggestions(&s, &k, "exp");
    assert_eq!(offered[0].text, "export");
    assert_eq!(offered[0].key, "e");
    insta::assert_snapshot!("command_line_120x40", screen(&s, &k));
    press(&mut s, &k, KeyCode::Tab);
    assert_eq!(s.command.as_ref().unwrap().line.text(), "export ");
    typed(&mut s, &k, "ht");
    assert_eq!(suggestions(&s, &k, "export ht")[0].text, "export html");
    press(&mut s, &k, KeyCode::Tab);
    let effects = press(&mut s, &k, KeyCode::Enter);
    assert!(s.command.is_none());
    let export = effects
        .iter()
        .find_map(|e| match e {
            Effect::Export {
                format, path, rows, ..
            } => Some((*format, path.clone(), rows.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{effects:?}"));
    assert_eq!(export.0, ExportFormat::Html);
    assert_eq!(export.1, "scandeck-export.html");
    assert_eq!(export.2, s.visible, "exactly the rows shown");
    assert!(effects.iter().any(|e| matches!(e, Effect::KeepViews)));
    assert_eq!(s.command_history, ["export html"]);

    // Every action of the key map is offered by its name, with its key.
    let all = suggestions(&s, &k, "");
    for name in [
        "toggle_resolved",
        "open_plan",
        "reload",
        "next_blocker",
        "undo",
        "redo",
    ] {
        assert!(all.iter().any(|x| x.text == name), "{name} missing");
    }
    let reload = all.iter().find(|x| x.text == "reload").unwrap();
    assert_eq!(reload.key, "<C-r>");
}

#[test]
fn commands_do_what_their_keys_do() {
    let (mut s, k) = console();
    command(&mut s, &k, "sort age");
    assert_eq!((s.sort, s.reverse), (SortKey::Age, false));
    command(&mut s, &k, "sort due reverse");
    assert_eq!((s.sort, s.reverse), (SortKey::Due, true));
    command(&mut s, &k, "query sev:critical");
    assert_eq!(s.query_text, "sev:critical");
    assert_eq!(s.visible.len(), 6);
    command(&mut s, &k, "toggle_resolved");
    assert!(s.work_only);
    let effects = command(&mut s, &k, "group package");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Compute(Job::Groups {
                by: GroupBy::Package,
                ..
            })
        )),
        "{effects:?}"
    );
    let effects = command(&mut s, &k, "scan postgres");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Rescan(scandeck::tui::msg::RescanScope::Image(i)) if i == "postgres:15.4")),
        "{effects:?}"
    );
    // The highlighted suggestion runs when the line is not a command yet.
    let effects = command(&mut s, &k, "pla");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Compute(Job::Plan { .. }))),
        "{effects:?}"
    );
    assert_eq!(s.command_history.last().map(String::as_str), Some("plan"));
}

#[test]
fn a_wrong_command_keeps_the_line_open_and_says_why() {
    let (mut s, k) = console();
    let effects = command(&mut s, &k, "export pdf");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(s.command.is_some(), "the line stays to be mended");
    assert!(s.status.as_deref().unwrap().contains("no export format"));
    ctrl(&mut s, &k, 'c');
    assert!(s.command.is_none());
    assert!(
        s.command_history.is_empty(),
        "only commands that ran are kept"
    );
}

#[test]
fn views_saved_by_name_come_back_and_survive_a_restart() {
    let (mut s, k) = console();
    command(&mut s, &k, "query sev:>=high");
    command(&mut s, &k, "sort package reverse");
    press(&mut s, &k, KeyCode::Char('H'));
    command(&mut s, &k, "columns target, id,title");
    let header = |s: &AppState| -> String {
        screen(s, &k)
            .lines()
            .find(|l| l.contains("ID") && l.contains("TITLE"))
            .unwrap_or_default()
            .to_string()
    };
    let chosen = header(&s);
    assert!(
        chosen.find("TARGET") < chosen.find("ID") && !chosen.contains("SEV"),
        "the columns chosen, in their order: {chosen}"
    );
    let effects = command(&mut s, &k, "view save high-open");
    assert!(effects.iter().any(|e| matches!(e, Effect::KeepViews)));
    let shown = s.visible.clone();
    command(&mut s, &k, "query pkg:openssl");
    command(&mut s, &k, "sort id");
    command(&mut s, &k, "columns default");
    assert!(header(&s).contains("SEV"));
    press(&mut s, &k, KeyCode::Char('H'));
    assert_ne!(s.visible, shown);
    // Completion offers the saved name.
    assert!(suggestions(&s, &k, "view hi")
        .iter()
        .any(|x| x.text == "view high-open"));

    // A restart: the views, written to the user's data folder, come back.
    let dir = tempfile::tempdir().unwrap();
    let file = scandeck::tui::view_memory::file_for(dir.path(), std::path::Path::new("/ws"));
    scandeck::tui::view_memory::save(&file, &scandeck::tui::view_memory::of(&s)).unwrap();
    let (mut again, k) = console();
    scandeck::tui::view_memory::apply(&mut again, scandeck::tui::view_memory::load(&file).unwrap());
    command(&mut again, &k, "view high-open");
    assert_eq!(again.query_text, "sev:>=high");
    assert_eq!(
        (again.sort, again.reverse, again.work_only),
        (SortKey::Package, true, true)
    );
    assert_eq!(again.visible, shown);
    assert_eq!(header(&again), chosen, "the view's columns came back");
    assert_eq!(again.status.as_deref(), Some("view high-open"));
    command(&mut again, &k, "view delete high-open");
    assert!(again.named_views.is_empty());
    command(&mut again, &k, "view high-open");
    assert!(again
        .status
        .as_deref()
        .unwrap()
        .contains("there is no view"));
}

#[test]
fn ctrl_c_cancels_and_ctrl_z_suspends_from_every_text_field() {
    let (mut s, k) = console();
    let suspends = |effects: Vec<Effect>| matches!(effects.as_slice(), [Effect::Suspend]);
    // The query line.
    press(&mut s, &k, KeyCode::Char('/'));
    typed(&mut s, &k, "openssl");
    assert!(suspends(ctrl(&mut s, &k, 'z')));
    assert!(s.editing.is_some(), "still editing after fg");
    ctrl(&mut s, &k, 'c');
    assert!(s.editing.is_none());
    assert_eq!(s.query_text, "", "cancelled: the query as before");
    // A dialog.
    press(&mut s, &k, KeyCode::Char('z'));
    assert!(s.dialog.is_some());
    assert!(suspends(ctrl(&mut s, &k, 'z')));
    assert!(s.dialog.is_some());
    ctrl(&mut s, &k, 'c');
    assert!(s.dialog.is_none());
    // The command line and the help palette.
    press(&mut s, &k, KeyCode::Char(':'));
    assert!(suspends(ctrl(&mut s, &k, 'z')));
    ctrl(&mut s, &k, 'c');
    assert!(s.command.is_none());
    press(&mut s, &k, KeyCode::Char('?'));
    typed(&mut s, &k, "exp");
    assert!(suspends(ctrl(&mut s, &k, 'z')));
    assert!(s.help.is_some());
    ctrl(&mut s, &k, 'c');
    assert!(
        s.help.is_none(),
        "Ctrl-C closes the help palette and its filter"
    );
    assert!(!s.quitting);
}

#[test]
fn a_paste_lands_whole_in_the_field_being_edited_and_never_acts() {
    let (mut s, k) = console();
    // Nothing open: a paste is not keys (no `q` quits, no `x` decides).
    drive(&mut s, &k, Msg::Paste("qx".into()));
    assert!(!s.quitting && s.dialog.is_none());
    press(&mut s, &k, KeyCode::Char('/'));
    typed(&mut s, &k, "sev:critical ");
    drive(&mut s, &k, Msg::Paste("pkg:curl\r\n".into()));
    assert!(s.editing.is_some(), "a pasted line break does not apply");
    assert_eq!(s.query_text, "sev:critical pkg:curl  ");
    assert_eq!(s.visible.len(), 2);
    press(&mut s, &k, KeyCode::Esc);
    // Into a dialog's reason.
    press(&mut s, &k, KeyCode::Char('x'));
    press(&mut s, &k, KeyCode::Tab);
    drive(&mut s, &k, Msg::Paste("not reachable:\nsee ADR-12".into()));
    let dialog = s.dialog.as_ref().unwrap();
    assert!(dialog
        .fields
        .iter()
        .any(|f| f.value() == "not reachable: see ADR-12"));
}

#[test]
fn the_query_line_recalls_earlier_queries_with_up_and_down() {
    let (mut s, k) = console();
    for q in ["sev:critical", "pkg:openssl"] {
        press(&mut s, &k, KeyCode::Char('/'));
        typed(&mut s, &k, q);
        press(&mut s, &k, KeyCode::Enter);
        press(&mut s, &k, KeyCode::Esc);
    }
    press(&mut s, &k, KeyCode::Char('/'));
    typed(&mut s, &k, "image:");
    let line = |s: &AppState| s.editing.as_ref().unwrap().0.text().to_string();
    press(&mut s, &k, KeyCode::Up);
    assert_eq!(line(&s), "pkg:openssl");
    assert_eq!(s.query_text, "pkg:openssl", "matched as it is shown");
    press(&mut s, &k, KeyCode::Up);
    assert_eq!(line(&s), "sev:critical");
    press(&mut s, &k, KeyCode::Down);
    press(&mut s, &k, KeyCode::Down);
    assert_eq!(line(&s), "image:", "the draft comes back");
    // Edited in the middle: the cursor goes where the arrows say.
    press(&mut s, &k, KeyCode::Home);
    typed(&mut s, &k, "sev:high ");
    assert_eq!(line(&s), "sev:high image:");
}
