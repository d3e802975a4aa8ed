//! Running what the command line parsed: an action by name, or a command
//! with an argument. Each goes through the same path as its key (an
//! export through the export dialog's confirmation, a sort through the
//! sort, a view's query through the query line), so a command does
//! exactly what its key does.

use super::super::keymap::KeyMap;
use super::super::msg::{Effect, RescanScope};
use super::super::panes::command_line::{self, Command};
use super::super::rows::{search, set_query};
use super::super::state::command::SavedView;
use super::super::state::AppState;
use super::act;
use crate::query::SortKey;
use crate::tui::action::Action;

/// Enter on the command line.
pub(super) fn run(state: &mut AppState, keymap: &KeyMap) -> Vec<Effect> {
    match command_line::chosen(state, keymap) {
        Ok((text, command)) => {
            state.command = None;
            crate::tui::line_edit::remember(&mut state.command_history, &text);
            let mut effects = carry_out(state, keymap, command);
            // The history is kept with the views, per workspace.
            effects.push(Effect::KeepViews);
            effects
        }
        Err(why) if why.is_empty() => {
            state.command = None;
            Vec::new()
        }
        Err(why) => {
            // The line stays open to be mended.
            state.status = Some(why);
            Vec::new()
        }
    }
}

fn carry_out(state: &mut AppState, keymap: &KeyMap, command: Command) -> Vec<Effect> {
    match command {
        Command::Act(action) => act(state, keymap, action),
        Command::Export { format, file } => {
            let mut effects = act(state, keymap, Action::Export);
            let Some(dialog) = state.dialog.as_mut() else {
                return effects; // still loading: the export said why
            };
            dialog.preset_export(format, file.as_deref());
            effects.extend(act(state, keymap, Action::DialogConfirm));
            effects
        }
        Command::Sort { key, reverse } => {
            state.sort = key;
            state.reverse = reverse;
            state.status = Some(format!(
                "sorted by {}{}",
                key.name(),
                if reverse { ", reversed" } else { "" }
            ));
            search(state)
        }
        Command::Group(by) => super::super::panes::groups::open_by(state, by),
        Command::Scan(target) => scan(state, keymap, &target),
        Command::Query(text) => set_query(state, text),
        Command::ViewSave(name) => {
            let view = SavedView {
                query: state.query_text.clone(),
                sort: state.sort.name().to_string(),
                reverse: state.reverse,
                min_severity: state.min_severity.map(|s| s.as_str().to_string()),
                work_only: state.work_only,
                changes_only: state.changes_only,
                group: state.groups.as_ref().map(|g| g.by.name().to_string()),
                columns: state.columns.clone(),
            };
            let replaced = state.named_views.insert(name.clone(), view).is_some();
            state.status = Some(format!(
                "view {name} {}: `:view {name}` brings it back",
                if replaced { "replaced" } else { "saved" }
            ));
            vec![Effect::KeepViews]
        }
        Command::ViewDelete(name) => {
            state.status = Some(match state.named_views.remove(&name) {
                Some(_) => format!("view {name} forgotten"),
                None => format!("there is no view {name}"),
            });
            vec![Effect::KeepViews]
        }
        Command::Columns(columns) => {
            state.status = Some(match &columns {
                Some(c) => format!("columns: {}", c.join(", ")),
                None => "columns: as many as the width allows".into(),
            });
            state.columns = columns;
            vec![Effect::KeepViews]
        }
        Command::ViewList => {
            state.status = Some(if state.named_views.is_empty() {
                "no saved views: `:view save NAME` saves this one".into()
            } else {
                format!(
                    "views: {}",
                    state
                        .named_views
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            Vec::new()
        }
        Command::ViewLoad(name) => {
            let Some(view) = state.named_views.get(&name).cloned() else {
                state.status = Some(format!(
                    "there is no view {name}: `:view` lists the saved ones"
                ));
                return Vec::new();
            };
            open_view(state, &name, view)
        }
    }
}

/// Puts a saved view on screen: its filters, its sort, its query, and its
/// grouping.
fn open_view(state: &mut AppState, name: &str, view: SavedView) -> Vec<Effect> {
    state.sort = SortKey::ALL
        .into_iter()
        .find(|k| k.name() == view.sort)
        .unwrap_or_default();
    state.reverse = view.reverse;
    state.min_severity = view
        .min_severity
        .as_deref()
        .and_then(crate::model::Severity::parse_user);
    state.work_only = view.work_only;
    state.changes_only = view.changes_only;
    state.columns = view.columns.clone();
    state.target_filter = None;
    state.targets.selected = 0;
    let mut effects = set_query(state, view.query.clone());
    if let Some(by) = view.group.as_deref().and_then(command_line::group_named) {
        effects.extend(super::super::panes::groups::open_by(state, by));
    }
    if state.query_error.is_some() {
        state.status = state.query_error.clone();
    } else {
        state.status = Some(format!("view {name}"));
    }
    effects
}

/// `:scan NAME`: the one target whose name contains NAME (an exact name
/// wins), scanned as `r` on it would; `project` and `all` as `r` and `R`.
fn scan(state: &mut AppState, keymap: &KeyMap, wanted: &str) -> Vec<Effect> {
    match wanted {
        "project" => {
            state.status = Some("scanning the project again…".into());
            return vec![Effect::Rescan(RescanScope::Project)];
        }
        "all" => return act(state, keymap, Action::RescanAll),
        _ => {}
    }
    let Some(data) = &state.data else {
        return Vec::new();
    };
    let names: Vec<&str> = data.targets.iter().map(|t| t.name.as_str()).collect();
    let matching: Vec<&str> = match names.iter().find(|n| **n == wanted) {
        Some(exact) => vec![*exact],
        None => names
            .iter()
            .copied()
            .filter(|n| n.contains(wanted))
            .collect(),
    };
    match matching.as_slice() {
        [] => {
            state.status = Some(format!("no target named like {wanted:?}: Tab lists them"));
            Vec::new()
        }
        [one] => {
            let scope = super::super::panes::scans::scope_of_target(data, one);
            state.status = Some(match &scope {
                RescanScope::Image(image) => format!("scanning {image} again…"),
                _ => "scanning the project again…".into(),
            });
            vec![Effect::Rescan(scope)]
        }
        many => {
            state.status = Some(format!(
                "{} targets match {wanted:?}: {}",
                many.len(),
                many.join(", ")
            ));
            Vec::new()
        }
    }
}
