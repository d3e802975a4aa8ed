//! The checklist view: its keys (moving through items, recording done /
//! not applicable / notes, switching lists, jumping to the findings behind
//! an item's evidence; saving is an effect) and its drawing (the items of
//! one list with their state and evidence, a progress bar, the selected
//! item's details). Pure.

use crate::checklist::progress::{Change, Recorded, Shown};
use crate::checklist::Checklist;
use crate::sanitize::sanitize_line;
use crate::tui::action::Action;
use crate::tui::line_edit::LineEdit;
use crate::tui::msg::Effect;
pub use crate::tui::state::checklist::ChecklistEdit;
use crate::tui::state::{AppState, ChecklistPanel, PromptKind};
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

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
        prompt_opened_at_frame: None,
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
    if let Some(cursor) = panel.cursor.navigated(action, len, rows) {
        panel.cursor = cursor;
        return Some(Vec::new());
    }
    match action {
        Action::ChecklistNextList => {
            panel.list = (panel.list + 1) % lists.max(1);
            panel.cursor = Cursor::default();
        }
        Action::CloseChecklist | Action::Back => state.checklist = None,
        // Asked for: the prompt takes the very next key.
        Action::ChecklistNotApplicable => {
            panel.prompt = Some((PromptKind::NotApplicable, LineEdit::default()));
            panel.prompt_opened_at_frame = None;
        }
        Action::ChecklistNote => {
            panel.prompt = Some((PromptKind::Note, LineEdit::default()));
            panel.prompt_opened_at_frame = None;
        }
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
                        let drawn = state.frames;
                        if let Some(panel) = state.checklist.as_mut() {
                            panel.prompt = Some((PromptKind::Override, LineEdit::default()));
                            // It opened unasked: keys typed before it was
                            // on screen were meant for the list, not for it.
                            panel.prompt_opened_at_frame = Some(drawn);
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
                    crate::tui::rows::set_query(state, q)
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
    let cancel = ev.code == KeyCode::Esc
        || (ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL));
    if !cancel && panel.prompt_opened_at_frame == Some(state.frames) {
        state.status =
            Some("a reason is needed to override the failing check: type it, Esc cancels".into());
        return Vec::new();
    }
    match ev.code {
        _ if cancel => panel.prompt = None,
        KeyCode::Enter => {
            let (kind, text) = (*kind, text.text().trim().to_string());
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
        // A reason is a sentence or two, not a file pasted by mistake.
        KeyCode::Char(_) if text.text().chars().count() >= 500 => {}
        _ => {
            text.apply(&ev);
        }
    }
    Vec::new()
}

/// Pasted text into the open prompt (never before the prompt was shown).
pub fn paste_into_prompt(state: &mut AppState, text: &str, cap: usize) {
    let frames = state.frames;
    if let Some(panel) = state.checklist.as_mut() {
        if panel.prompt_opened_at_frame == Some(frames) {
            return;
        }
        if let Some((_, line)) = panel.prompt.as_mut() {
            line.paste(text, cap);
        }
    }
}

/// The prompt is open: keys type text instead of acting.
pub fn prompting(state: &AppState) -> bool {
    state.checklist.as_ref().is_some_and(|p| p.prompt.is_some())
}

fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (Some(panel), Some(data)) = (&state.checklist, &state.data) else {
        return;
    };
    let Some(list) = data.walk.lists.get(panel.list) else {
        return;
    };
    let views = data.walk.views(list);
    let (done, total) = crate::checklist::progress::progress(&views);
    let title = format!(
        " Checklist {}/{}: {} — {done}/{total} {} ",
        panel.list + 1,
        data.walk.lists.len(),
        sanitize_line(&list.title),
        bar(done, total, 12)
    );
    let inner = crate::tui::widgets::popup(
        frame,
        area,
        140,
        None,
        title,
        " x done · n not applicable · i note · Enter findings · Tab next list · Esc close ",
        theme,
    );
    if inner.height < 8 {
        return;
    }
    // Items first, then the selected item's details; the last two lines
    // hold the gate verdict and the prompt.
    let rows_height = crate::tui::panes::checklist::list_rows(state)
        .min(views.len())
        .min(inner.height as usize - 7);
    let offset = panel.cursor.offset;
    let rows: Vec<Row> = views
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_height)
        .map(|(i, v)| {
            let style = match v.shown {
                Shown::Failing | Shown::DoneButFailing | Shown::DoneOverride => theme.warning,
                Shown::Done | Shown::NotApplicable => theme.dim,
                Shown::Todo => theme.text,
            };
            let evidence = v
                .evidence
                .map(|e| format!("{}: {}", e.proposal.as_str(), sanitize_line(&e.summary)))
                .unwrap_or_default();
            let row = Row::new([
                v.shown.mark().to_string(),
                sanitize_line(&v.item.title).into_owned(),
                v.shown.label().to_string(),
                evidence,
            ])
            .style(style);
            crate::tui::widgets::highlight(row, i == panel.cursor.selected, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Percentage(45),
            Constraint::Length(20),
            Constraint::Min(10),
        ],
    );
    frame.render_widget(
        table,
        Rect::new(inner.x, inner.y, inner.width, rows_height as u16),
    );
    let detail_area = Rect::new(
        inner.x,
        inner.y + rows_height as u16 + 1,
        inner.width,
        inner.height - rows_height as u16 - 3,
    );
    let status_area = Rect::new(inner.x, inner.y + inner.height - 2, inner.width, 2);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(v) = views.get(panel.cursor.selected) {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", v.item.id), theme.title),
            Span::raw(sanitize_line(&v.item.title).into_owned()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("why: ", theme.dim),
            Span::raw(sanitize_line(&v.item.why).into_owned()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("verify: ", theme.dim),
            Span::raw(sanitize_line(&v.item.verify).into_owned()),
        ]));
        if let Some(e) = v.evidence {
            lines.push(Line::from(vec![
                Span::styled(format!("check {}: ", e.proposal.as_str()), theme.dim),
                Span::raw(sanitize_line(&e.summary).into_owned()),
            ]));
            for d in e.details.iter().take(6) {
                lines.push(Line::from(format!("  {}", sanitize_line(d))));
            }
        }
        if let Some(r) = v.record {
            let state = if r.overridden {
                "done (override)"
            } else {
                r.state.as_str()
            };
            let mut text = format!("recorded {state} by {} at {}", r.by, r.at);
            if let Some(reason) = &r.reason {
                text.push_str(&format!(" — {reason}"));
            }
            lines.push(Line::from(Span::styled(
                sanitize_line(&text).into_owned(),
                theme.dim,
            )));
            if let Some(note) = &r.note {
                lines.push(Line::from(format!("note: {}", sanitize_line(note))));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        detail_area,
    );
    let mut lines: Vec<Line> = Vec::new();
    if let Some(verdict) = &state.gate {
        let text = if verdict.ready() {
            "release gate: READY".to_string()
        } else {
            format!(
                "release gate: BLOCKED — {}",
                verdict
                    .blocked
                    .iter()
                    .map(|r| r.rule)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let style = if verdict.ready() {
            theme.title
        } else {
            theme.warning
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    if let Some((kind, text)) = &panel.prompt {
        let label = match kind {
            PromptKind::NotApplicable => "not applicable because: ",
            PromptKind::Note => "note: ",
            PromptKind::Override => "the check fails; done anyway because (an override): ",
        };
        let (before, after) = text.split();
        lines.push(Line::from(vec![
            Span::styled(label, theme.title.add_modifier(Modifier::BOLD)),
            Span::raw(sanitize_line(before).into_owned()),
            Span::styled("█", theme.title),
            Span::raw(sanitize_line(after).into_owned()),
            Span::styled("   Enter saves · Esc cancels", theme.dim),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), status_area);
}
