//! The query line: the query being typed, its error, and the keys that
//! change what is shown (filter, minimum severity, sort, changes only).

use crate::model::Severity;
use crate::tui::action::Action;
use crate::tui::msg::Effect;
use crate::tui::rows::{requery, search};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::cell;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![Span::styled("/ ", theme.title)];
    match &state.editing {
        // The cursor where it is: editing in the middle of a query is
        // the same as in a dialog's field (`line_edit`).
        Some((line, _)) => spans.extend(crate::tui::widgets::edited_line(line, theme)),
        None => spans.push(Span::raw(cell(&state.query_text, 200))),
    }
    if let Some(err) = &state.query_error {
        spans.push(Span::styled(
            format!("   {}", cell(err, 100)),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The applied query goes to the end of the history.
fn remember(state: &mut AppState) {
    if state.query_error.is_none() {
        crate::tui::line_edit::remember(&mut state.query_history, &state.query_text);
    }
}

/// Up/Down in the query line: an older or newer applied query replaces the
/// text (and is matched as you look); past the newest comes back what was
/// being typed.
fn recall(state: &mut AppState, older: bool) -> Vec<Effect> {
    let Some((line, _)) = &mut state.editing else {
        return Vec::new();
    };
    if crate::tui::line_edit::recall(&state.query_history, &mut state.history_at, line, older) {
        requery(state)
    } else {
        state.status = Some("no other query in the history".into());
        Vec::new()
    }
}

/// Keys that change what is shown: the query line, the minimum severity,
/// the sort, changes only.
pub fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::OpenFilter => {
            state.history_at = None;
            state.editing = Some((
                crate::tui::line_edit::LineEdit::new(&state.query_text),
                state.query_text.clone(),
            ));
            Vec::new()
        }
        Action::ApplyFilter => {
            state.editing = None;
            state.history_at = None;
            remember(state);
            if state.query_error.is_some() {
                state.status = state.query_error.take();
            }
            Vec::new()
        }
        Action::HistoryPrev | Action::HistoryNext => recall(state, action == Action::HistoryPrev),
        Action::CancelFilter => {
            state.history_at = None;
            let previous = state.editing.take().map(|(_, old)| old).unwrap_or_default();
            state.query_error = None;
            if previous != state.query_text {
                state.query_text = previous;
                return requery(state);
            }
            Vec::new()
        }
        Action::ClearFilterLine => {
            if let Some((line, _)) = &mut state.editing {
                line.clear();
            }
            requery(state)
        }
        Action::RaiseMinSeverity | Action::LowerMinSeverity => {
            const STEPS: [Option<Severity>; 5] = [
                None,
                Some(Severity::Low),
                Some(Severity::Medium),
                Some(Severity::High),
                Some(Severity::Critical),
            ];
            let i = STEPS
                .iter()
                .position(|s| *s == state.min_severity)
                .unwrap_or(0);
            let j = if action == Action::RaiseMinSeverity {
                (i + 1).min(STEPS.len() - 1)
            } else {
                i.saturating_sub(1)
            };
            state.min_severity = STEPS[j];
            search(state)
        }
        Action::SortNext => {
            state.sort = state.sort.next();
            state.status = Some(format!("sorted by {}", state.sort.name()));
            search(state)
        }
        Action::SortReverse => {
            state.reverse = !state.reverse;
            search(state)
        }
        Action::ToggleResolved => {
            state.work_only = !state.work_only;
            state.status = Some(if state.work_only {
                "showing what needs work: resolved and decided findings hidden (H shows them)"
                    .into()
            } else {
                "showing resolved and decided findings too, below what needs work".into()
            });
            search(state)
        }
        Action::ToggleChanges => {
            state.changes_only = !state.changes_only;
            state.status = Some(if state.changes_only {
                "showing changes since the previous scan".into()
            } else {
                "showing all findings".into()
            });
            search(state)
        }
        _ => Vec::new(),
    }
}
