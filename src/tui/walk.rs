//! The checklist view's part of `update`: moving through items, recording
//! done / not applicable / notes, switching lists, jumping to the findings
//! behind an item's evidence. Pure: saving is an effect.

use super::action::Action;
use super::state::{AppState, ChecklistPanel, Cursor, PromptKind};
use super::update::Effect;
use crate::checklist::progress::{Change, Recorded};
use crate::checklist::Checklist;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A checklist change for the runtime to write to checklist.json.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistEdit {
    pub list: Checklist,
    pub item: String,
    pub change: Change,
}

/// Rows the checklist view shows at once (the view takes most of the screen).
pub fn list_rows(state: &AppState) -> usize {
    (state.size.1 as usize).saturating_sub(12).max(3)
}

pub fn open(state: &mut AppState) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    if data.walk.lists.is_empty() {
        state.status = Some("no checklists loaded (see the log)".into());
        return Vec::new();
    }
    state.checklist = Some(ChecklistPanel {
        list: data.walk.production_index(),
        cursor: Cursor::default(),
        prompt: None,
    });
    Vec::new()
}

fn current_list(state: &AppState) -> Option<(&Checklist, usize)> {
    let panel = state.checklist.as_ref()?;
    let list = state.data.as_ref()?.walk.lists.get(panel.list)?;
    Some((list, panel.cursor.selected))
}

/// Handles `action` while the checklist view is open; `None` when it is not
/// a checklist action.
pub fn act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let (len, lists) = {
        let data = state.data.as_ref()?;
        let panel = state.checklist.as_ref()?;
        (
            data.walk.lists.get(panel.list).map_or(0, |l| l.items.len()),
            data.walk.lists.len(),
        )
    };
    let rows = list_rows(state);
    let panel = state.checklist.as_mut()?;
    let moved = |panel: &mut ChecklistPanel, delta: isize| {
        panel.cursor = panel.cursor.moved(delta, len, rows);
    };
    match action {
        Action::MoveDown => moved(panel, 1),
        Action::MoveUp => moved(panel, -1),
        Action::GoTop => moved(panel, -(len as isize)),
        Action::GoBottom => moved(panel, len as isize),
        Action::ChecklistNextList => {
            panel.list = (panel.list + 1) % lists.max(1);
            panel.cursor = Cursor::default();
        }
        Action::CloseChecklist | Action::Back => state.checklist = None,
        Action::ChecklistNotApplicable => {
            panel.prompt = Some((PromptKind::NotApplicable, String::new()))
        }
        Action::ChecklistNote => panel.prompt = Some((PromptKind::Note, String::new())),
        Action::ChecklistToggle => {
            let (list, selected) = current_list(state)?;
            let item = list.items.get(selected)?;
            let done = state
                .data
                .as_ref()?
                .walk
                .records
                .record(&list.name, &item.id)
                .is_some_and(|r| r.state == Recorded::Done);
            if done {
                return Some(save(state, Change::Uncheck));
            }
            let data = state.data.as_ref()?;
            let evidence = item.check.as_ref().and_then(|c| data.walk.evidence.get(c));
            return Some(
                match crate::checklist::progress::check_change(evidence, None) {
                    Ok(change) => save(state, change),
                    Err(why) => {
                        // A failing check is overridden only with a reason.
                        state.status = Some(why.to_string());
                        if let Some(panel) = state.checklist.as_mut() {
                            panel.prompt = Some((PromptKind::Override, String::new()));
                        }
                        Vec::new()
                    }
                },
            );
        }
        Action::ChecklistJump => {
            let (list, selected) = current_list(state)?;
            let query = list
                .items
                .get(selected)
                .and_then(|i| i.check.as_ref())
                .and_then(|c| state.data.as_ref()?.walk.evidence.get(c))
                .and_then(|e| e.query.clone());
            return Some(match query {
                Some(q) => {
                    state.checklist = None;
                    super::update::set_query(state, q)
                }
                None => {
                    state.status = Some("this item has no findings to show".into());
                    Vec::new()
                }
            });
        }
        _ => return None,
    }
    Some(Vec::new())
}

fn save(state: &mut AppState, change: Change) -> Vec<Effect> {
    let Some((list, selected)) = current_list(state) else {
        return Vec::new();
    };
    let Some(item) = list.items.get(selected) else {
        return Vec::new();
    };
    if let Some(why) = state.data.as_ref().and_then(|d| d.walk.read_only.clone()) {
        state.status = Some(format!("NOT SAVED: {why}"));
        return Vec::new();
    }
    let edit = ChecklistEdit {
        list: list.clone(),
        item: item.id.clone(),
        change,
    };
    state.saving = true;
    vec![Effect::SaveChecklist(edit)]
}

/// Keys while a reason or note is being typed.
pub fn type_prompt(state: &mut AppState, ev: KeyEvent) -> Vec<Effect> {
    let Some(panel) = state.checklist.as_mut() else {
        return Vec::new();
    };
    let Some((kind, text)) = panel.prompt.as_mut() else {
        return Vec::new();
    };
    match ev.code {
        KeyCode::Esc => panel.prompt = None,
        KeyCode::Enter => {
            let (kind, text) = (*kind, text.trim().to_string());
            if text.is_empty() {
                state.status = Some(match kind {
                    PromptKind::NotApplicable => "not applicable needs a reason".into(),
                    PromptKind::Note => "a note needs text".into(),
                    PromptKind::Override => "an override needs a reason".into(),
                });
                return Vec::new();
            }
            panel.prompt = None;
            let change = match kind {
                PromptKind::NotApplicable => Change::NotApplicable { reason: text },
                PromptKind::Note => Change::Note { text },
                PromptKind::Override => Change::Override { reason: text },
            };
            return save(state, change);
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c)
            if !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && text.chars().count() < 500 =>
        {
            text.push(c);
        }
        _ => {}
    }
    Vec::new()
}

/// The prompt is open: keys type text instead of acting.
pub fn prompting(state: &AppState) -> bool {
    state.checklist.as_ref().is_some_and(|p| p.prompt.is_some())
}
