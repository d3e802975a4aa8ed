//! What blocks the release, on the main screen: the gate's reasons on a
//! line under the header, and `b` to walk them. Each reason with a query
//! shows exactly its findings (every other filter cleared, so the count
//! matches its message); a checklist reason opens the checklist.

use crate::tui::msg::Effect;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::cell;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What `b` asks for after showing a reason: nothing more, or the checklist.
#[derive(Debug, PartialEq, Eq)]
pub enum Then {
    Nothing,
    OpenChecklist,
}

/// Shows the next blocking reason; the effects, and what to open after.
pub fn next(state: &mut AppState) -> (Vec<Effect>, Then) {
    let Some(verdict) = &state.gate else {
        state.status = Some("the release verdict comes once every finding is loaded".into());
        return (Vec::new(), Then::Nothing);
    };
    let n = verdict.blocked.len();
    if n == 0 {
        state.status = Some("nothing blocks the release".into());
        return (Vec::new(), Then::Nothing);
    }
    let at = state.blocker.map_or(0, |i| (i + 1) % n);
    let reason = verdict.blocked[at].clone();
    state.blocker = Some(at);
    let told = format!(
        "blocker {}/{n}: {}{}",
        at + 1,
        reason.message,
        if n > 1 { " — b for the next" } else { "" }
    );
    let (effects, then) = match reason.query {
        Some(query) => {
            state.target_filter = None;
            state.targets.selected = 0;
            state.min_severity = None;
            state.changes_only = false;
            state.work_only = false;
            (crate::tui::rows::set_query(state, query), Then::Nothing)
        }
        None if reason.rule == "checklist" => (Vec::new(), Then::OpenChecklist),
        None => (Vec::new(), Then::Nothing),
    };
    state.status = Some(told);
    (effects, then)
}

/// The line under the header: each reason, the one `b` showed
/// last highlighted; cut to the width, the first reasons kept whole first.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, key: &str) {
    let Some(verdict) = state.gate.as_ref().filter(|v| !v.ready()) else {
        return;
    };
    let width = area.width as usize;
    let mut spans = vec![
        Span::styled(" blocks release ", theme.chip),
        Span::styled(format!(" {key} › "), theme.title),
    ];
    let mut used: usize = spans.iter().map(Span::width).sum();
    let n = verdict.blocked.len();
    let whole: usize = verdict
        .blocked
        .iter()
        .map(|r| r.message.chars().count() + 3)
        .sum();
    for (i, reason) in verdict.blocked.iter().enumerate() {
        let left = width.saturating_sub(used + 3);
        if left < 12 {
            spans.push(Span::styled(format!("+{}", n - i), theme.dim));
            break;
        }
        // Whole when all fit; else an equal share of what is left for each
        // reason still to come, cut at its end (its count comes first).
        let share = if used + whole <= width {
            left
        } else {
            (left / (n - i)).max(24).min(left)
        };
        let text = cell(&reason.message, share);
        let style = if state.blocker == Some(i) {
            theme
                .warning
                .add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            theme.warning
        };
        used += text.chars().count() + 3;
        spans.push(Span::styled(text, style));
        spans.push(Span::styled(" · ", theme.dim));
    }
    if matches!(spans.last(), Some(s) if s.content == " · ") {
        spans.pop();
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
