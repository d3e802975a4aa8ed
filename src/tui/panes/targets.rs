//! The targets pane (1): every scanned thing with its counts per severity;
//! Enter narrows the findings to one, `s` sorts by score or name.

use crate::model::Severity;
use crate::tui::action::Action;
use crate::tui::data::TargetRow;
use crate::tui::msg::Effect;
use crate::tui::rows::search;
use crate::tui::state::{AppState, Pane};
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use crate::tui::widgets::{middle_cell, pane_block};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The severities a target's tally shows, most severe first.
const TALLIED: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

/// Width of a tally of the first `levels` severities, `compact` without the
/// space inside each count.
fn tally_width(row: &TargetRow, levels: usize, compact: bool) -> usize {
    TALLIED[..levels]
        .iter()
        .map(|s| {
            let digits = row.tally[*s as usize].checked_ilog10().unwrap_or(0) as usize + 1;
            1 + usize::from(!compact) + digits
        })
        .sum::<usize>()
        + levels.saturating_sub(1)
}

fn tally_spans(row: &TargetRow, theme: &Theme, compact: bool, levels: usize) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, s) in TALLIED[..levels].iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let gap = if compact { "" } else { " " };
        spans.push(Span::styled(
            format!("{}{gap}{}", s.letter(), row.tally[*s as usize]),
            theme.severity(*s),
        ));
    }
    spans
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Pane::Targets;
    let title = format!(
        " 1 Targets · {} ",
        if state.targets_by_name {
            "name"
        } else {
            "score"
        }
    );
    let block = pane_block(title, focused, theme);
    let Some(data) = &state.data else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let height = area.height.saturating_sub(2) as usize;
    let widest = |levels: usize, compact: bool| {
        std::iter::once(&data.all)
            .chain(data.targets.iter())
            .map(|r| tally_width(r, levels, compact))
            .max()
            .unwrap_or(0)
    };
    let room = |tally: usize| (area.width as usize).saturating_sub(4 + tally);
    // Narrow panes drop the spaces inside the tally, then medium and low,
    // before the names get too short to tell targets apart.
    let (compact, levels) = if room(widest(4, false)) >= 10 {
        (false, 4)
    } else if room(widest(4, true)) >= 10 {
        (true, 4)
    } else {
        (true, 2)
    };
    let tally_width = widest(levels, compact);
    let name_width = (area.width as usize)
        .saturating_sub(2 + 2 + tally_width)
        .max(6);
    let rows: Vec<Line> = std::iter::once(&data.all)
        .chain(data.targets.iter())
        .enumerate()
        .skip(state.targets.offset)
        .take(height)
        .map(|(i, row)| {
            let active = if i == 0 {
                state.target_filter.is_none()
            } else {
                state.target_filter.as_ref() == Some(&row.name)
            };
            let marker = if active { "▸" } else { " " };
            let mut spans = vec![Span::raw(format!(
                "{marker}{:<w$} ",
                middle_cell(&row.name, name_width),
                w = name_width
            ))];
            spans.extend(tally_spans(row, theme, compact, levels));
            let line = Line::from(spans);
            if i == state.targets.selected && focused {
                line.style(theme.selected)
            } else if i == state.targets.selected {
                line.style(theme.title)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// Enter on a target: show its findings only ("All" shows every one).
pub fn open(state: &mut AppState) -> Vec<Effect> {
    state.target_filter = match state.targets.selected {
        0 => None,
        n => state
            .data
            .as_ref()
            .and_then(|d| d.targets.get(n - 1))
            .map(|t| t.name.clone()),
    };
    state.focus = Pane::Findings;
    state.findings = Cursor::default();
    search(state)
}

/// `s` and `S` on the targets: by score or by name, or the other way round.
pub fn sort(state: &mut AppState, action: Action) -> Vec<Effect> {
    if action == Action::SortNext {
        state.targets_by_name = !state.targets_by_name;
    }
    let by_name = state.targets_by_name;
    if let Some(data) = &mut state.data {
        if action == Action::SortReverse {
            data.targets.reverse();
        } else if by_name {
            data.targets
                .sort_by(|a, b| crate::query::order::natural_cmp(&a.name, &b.name));
        } else {
            data.targets
                .sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
        }
    }
    state.targets = Cursor::default();
    state.status = Some(format!(
        "targets sorted by {}",
        if by_name { "name" } else { "score" }
    ));
    Vec::new()
}
