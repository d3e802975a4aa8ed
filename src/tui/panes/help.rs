//! The help palette (`?`): every action of the key map for the current
//! context, searchable; Enter runs the chosen one.

use crate::tui::action::Action;
use crate::tui::keymap::{Context, KeyMap};
use crate::tui::msg::Effect;
use crate::tui::state::{AppState, HelpState};
use crate::tui::theme::Theme;
use crate::tui::widgets::{cell, highlight, pane_block};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Table};
use ratatui::Frame;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    filter: &crate::tui::line_edit::LineEdit,
    selected: usize,
    theme: &Theme,
    keymap: &KeyMap,
) {
    let w = area.width.saturating_sub(4).min(110);
    let h = area.height.saturating_sub(2).min(34);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    let block = pane_block(
        " Help — type to filter, Enter runs, Esc closes ".into(),
        true,
        theme,
    );
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if inner.height < 3 {
        return;
    }
    let (before, after) = filter.split();
    let filter_line = Line::from(vec![
        Span::styled("filter: ", theme.dim),
        Span::raw(cell(before, 80)),
        Span::styled("█", theme.title),
        Span::raw(cell(after, 80)),
    ]);
    frame.render_widget(
        Paragraph::new(filter_line),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let entries = help_entries(keymap, filter.text());
    let list_height = inner.height.saturating_sub(1) as usize;
    let selected = selected.min(entries.len().saturating_sub(1));
    let offset = selected.saturating_sub(list_height.saturating_sub(1));
    let rows: Vec<Row> = entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(list_height)
        .map(|(i, (ctx, keys, action))| {
            let row = Row::new([
                ctx.name().to_string(),
                keys.clone(),
                action.name(),
                action.description().to_string(),
            ]);
            highlight(row, i == selected, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(16),
            Constraint::Length(19),
            Constraint::Min(10),
        ],
    );
    frame.render_widget(
        table,
        Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1),
    );
}

/// The palette's keys: open and close (`update` runs the chosen entry).
pub fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Help => {
            state.help = Some(HelpState::default());
            Vec::new()
        }
        Action::CloseHelp => {
            state.help = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Closes the palette and names the action its selected row runs (`None`:
/// nothing to run); `update` runs it, as if its key had been pressed.
pub fn take_chosen(state: &mut AppState, keymap: &KeyMap) -> Option<Action> {
    let help = state.help.take()?;
    help_entries(keymap, help.filter.text())
        .get(help.selected)
        .map(|(_, _, chosen)| *chosen)
        .filter(|chosen| !matches!(chosen, Action::RunHelpEntry | Action::CloseHelp))
}

/// The help palette's rows: every bound action with its keys, filtered by text.
pub fn help_entries(keymap: &KeyMap, filter: &str) -> Vec<(Context, String, Action)> {
    let needle = filter.to_lowercase();
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let mut done: Vec<Action> = Vec::new();
        for b in keymap.bindings(ctx) {
            if done.contains(&b.action) || b.action == Action::None {
                continue;
            }
            done.push(b.action);
            let keys = keymap
                .bindings(ctx)
                .iter()
                .filter(|x| x.action == b.action)
                .map(|x| crate::tui::keymap::chord_text(&x.chord))
                .collect::<Vec<_>>()
                .join(" ");
            let hay = format!(
                "{} {} {} {}",
                ctx.name(),
                keys,
                b.action.name(),
                b.action.description()
            )
            .to_lowercase();
            if needle.split_whitespace().all(|w| hay.contains(w)) {
                out.push((ctx, keys, b.action));
            }
        }
    }
    out
}
