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
use crate::tui::widgets::{message_cell, middle_cell, pane_block};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The severities a target's tally shows, most severe first; unknown and
/// informational ones last, and only when some target has them (a target
/// of six unknown-severity findings never reads `C 0 H 0 M 0 L 0`).
const TALLIED: [Severity; 6] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Unknown,
    Severity::Info,
];

/// Width of a tally of `shown` severities, `compact` without the space
/// inside each count.
fn tally_width_of(row: &TargetRow, shown: &[Severity], compact: bool) -> usize {
    shown
        .iter()
        .map(|s| {
            let digits = row.tally[*s as usize].checked_ilog10().unwrap_or(0) as usize + 1;
            1 + usize::from(!compact) + digits
        })
        .sum::<usize>()
        + shown.len().saturating_sub(1)
}

fn tally_spans(
    row: &TargetRow,
    theme: &Theme,
    compact: bool,
    shown: &[Severity],
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, s) in shown.iter().enumerate() {
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
    let widest = |shown: &[Severity], compact: bool| {
        std::iter::once(&data.all)
            .chain(data.targets.iter())
            .map(|r| tally_width_of(r, shown, compact))
            .max()
            .unwrap_or(0)
    };
    let room = |tally: usize| (area.width as usize).saturating_sub(4 + tally);
    // Narrow panes drop the spaces inside the tally, then medium and low,
    // before the names get too short to tell targets apart.
    let (compact, shown) = if room(widest(&TALLIED[..4], false)) >= 10 {
        (false, &TALLIED[..4])
    } else if room(widest(&TALLIED[..4], true)) >= 10 {
        (true, &TALLIED[..4])
    } else {
        (true, &TALLIED[..2])
    };
    let tally_width = widest(shown, compact);
    let name_width = (area.width as usize)
        .saturating_sub(2 + 2 + tally_width)
        .max(6);
    // Unknown and informational findings are counted on the rows that have
    // them, at the cost of those rows' names only.
    let extra = |row: &TargetRow| -> Vec<Severity> {
        TALLIED[4..]
            .iter()
            .copied()
            .filter(|s| row.tally[*s as usize] > 0)
            .collect()
    };
    let width_of = |row: &TargetRow| {
        let more = extra(row);
        let more_width = if more.is_empty() {
            0
        } else {
            1 + tally_width_of(row, &more, compact)
        };
        name_width.saturating_sub(more_width).max(6)
    };
    let names = shown_names(
        std::iter::once(&data.all)
            .chain(data.targets.iter())
            .map(|r| (r.name.as_str(), width_of(r))),
    );
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
                names[i],
                w = width_of(row)
            ))];
            spans.extend(tally_spans(row, theme, compact, shown));
            let more = extra(row);
            if !more.is_empty() {
                spans.push(Span::raw(" "));
                spans.extend(tally_spans(row, theme, compact, &more));
            }
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
    // The selected target's full name, when its row had to cut it.
    let selected = state.targets.selected;
    let block = match std::iter::once(&data.all)
        .chain(data.targets.iter())
        .nth(selected)
    {
        Some(row) if names.get(selected).is_some_and(|n| *n != row.name) => {
            block.title_bottom(Line::from(format!(
                " {} ",
                message_cell(&row.name, area.width.saturating_sub(4) as usize)
            )))
        }
        _ => block,
    };
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// Each name cut to its width so that no two rows read the same: cut in
/// the middle (`middle_cell`, which drops an image's tag first), except
/// names that share a repository (two tags of one image) or whose cuts
/// collide, which are cut keeping their end, so each row keeps its tag.
fn shown_names<'a>(names: impl Iterator<Item = (&'a str, usize)>) -> Vec<String> {
    let names: Vec<(&str, usize)> = names.collect();
    let repository = |name: &str| -> String {
        let start = name.rfind('/').map_or(0, |i| i + 1);
        match name[start..].find(':') {
            Some(colon) => name[..start + colon].to_string(),
            None => name.to_string(),
        }
    };
    let mut cut: Vec<String> = names.iter().map(|(n, w)| middle_cell(n, *w)).collect();
    let mut seen = std::collections::HashMap::new();
    for (c, (name, _)) in cut.iter().zip(&names) {
        *seen.entry(c.clone()).or_insert(0usize) += 1;
        *seen
            .entry(format!("repository {}", repository(name)))
            .or_insert(0usize) += 1;
    }
    for (c, (name, width)) in cut.iter_mut().zip(&names) {
        let shared = |key: &str| seen.get(key).copied().unwrap_or(0) > 1;
        if shared(c.as_str()) || shared(&format!("repository {}", repository(name))) {
            *c = message_cell(name, *width);
        }
    }
    cut
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
