//! The fix plan in the console (`p`): the open findings shown, grouped by the
//! action that clears them (`crate::plan`, the same plan `scandeck plan` and
//! the exports print), most urgent first. Its keys and its drawing live here
//! together. Enter shows an action's findings (marked, and the query narrowed
//! to them); `f` claims them fixed through the usual dialog, so the next scan
//! verifies the action.

use crate::sanitize::sanitize_line;
use crate::tui::action::Action;
use crate::tui::msg::Effect;
use crate::tui::panes::dialog::DialogKind;
pub use crate::tui::state::plan::PlanPanel;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// Rows the plan's list shows at once.
fn list_rows(state: &AppState) -> usize {
    (state.size.1 as usize).saturating_sub(14).max(3)
}

/// Asks a worker for the plan of the findings shown now (seconds at a
/// million open findings: never on the thread that answers keys).
pub fn open(state: &mut AppState) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    state.status = Some(format!(
        "making the fix plan of {} findings…",
        state.visible.len()
    ));
    vec![Effect::Compute(crate::tui::msg::Job::Plan {
        findings: std::sync::Arc::clone(&data.view.findings),
        assessments: std::sync::Arc::clone(&data.view.assessments),
        rows: state.visible.clone(),
        bases: std::sync::Arc::clone(&data.bases),
    })]
}

/// The plan of `rows` (positions in `findings`): the worker's part.
pub fn panel(
    findings: &[crate::model::Finding],
    assessments: &[crate::triage::Assessment],
    rows: &[u32],
    bases: &crate::plan::BaseImages,
) -> PlanPanel {
    let pairs: Vec<_> = rows
        .iter()
        .filter_map(|i| {
            let i = *i as usize;
            Some((findings.get(i)?, assessments.get(i)?))
        })
        .collect();
    PlanPanel {
        actions: crate::plan::build(&pairs, bases),
        cursor: Cursor::default(),
        rows: pairs.len(),
    }
}

/// The plan arrived: show it.
pub fn ready(state: &mut AppState, panel: PlanPanel) {
    if state
        .status
        .as_deref()
        .is_some_and(|s| s.starts_with("making the fix plan"))
    {
        state.status = None;
    }
    state.plan = Some(panel);
}

/// The query that narrows the list to an action's findings as far as the
/// query language can say it; the findings themselves are marked exactly.
fn query_for(action: &crate::plan::Action) -> String {
    let mut terms = vec!["status:open,overdue,regressed".to_string()];
    // An action over several places is narrowed by its package alone.
    if let Some(repository) = action
        .subject
        .strip_prefix("image:")
        .filter(|_| action.places.is_empty())
    {
        terms.push(format!("image:{}", quoted(repository)));
    }
    match &action.fix {
        crate::plan::Fix::Upgrade { package, .. } | crate::plan::Fix::NoFixYet { package } => {
            terms.push(format!("pkg:{}", quoted(package)));
        }
        crate::plan::Fix::BaseImage { .. } => {
            terms.push("kind:vulnerability layer:base fix:yes".into())
        }
        crate::plan::Fix::RotateSecret { .. } => terms.push("kind:secret".into()),
        crate::plan::Fix::Reconfigure { .. } => terms.push("kind:misconfiguration".into()),
        crate::plan::Fix::Decide { id } => terms.push(quoted(id)),
    }
    terms.join(" ")
}

/// A term value without spaces (the query splits at them).
fn quoted(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join("")
}

/// Handles `action` while the plan is open; `None` when it is not the plan's.
pub fn act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let rows = list_rows(state);
    let panel = state.plan.as_mut()?;
    if let Some(cursor) = panel.cursor.navigated(action, panel.actions.len(), rows) {
        panel.cursor = cursor;
        return Some(Vec::new());
    }
    match action {
        Action::ClosePlan => state.plan = None,
        Action::PlanShow | Action::PlanDone => {
            let chosen = panel.actions.get(panel.cursor.selected).cloned();
            state.plan = None;
            let Some(chosen) = chosen else {
                return Some(Vec::new());
            };
            state.marked = chosen.findings.iter().copied().collect();
            if action == Action::PlanDone {
                // The usual claim, with its bulk confirmation naming the count.
                let effects =
                    crate::tui::panes::dialog::open_triage_dialog(state, DialogKind::Fixed);
                state.status = Some(format!(
                    "claiming fixed: {}",
                    sanitize_line(&chosen.summary)
                ));
                return Some(effects);
            }
            state.status = Some(format!(
                "{} finding(s) of: {} (marked)",
                chosen.findings.len(),
                sanitize_line(&chosen.summary)
            ));
            return Some(crate::tui::rows::set_query(state, query_for(&chosen)));
        }
        Action::Quit | Action::Help => return None,
        _ => {}
    }
    Some(Vec::new())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(panel) = &state.plan else {
        return;
    };
    let title = format!(
        " Fix plan — {} action{} for the {} finding{} shown ",
        panel.actions.len(),
        if panel.actions.len() == 1 { "" } else { "s" },
        panel.rows,
        if panel.rows == 1 { "" } else { "s" }
    );
    let inner = crate::tui::widgets::popup(
        frame,
        area,
        150,
        None,
        title,
        " Enter show its findings · f claim them fixed · Esc close ",
        theme,
    );
    if inner.height < 6 {
        return;
    }
    if panel.actions.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "Nothing to do: no finding shown needs work (open, overdue or regressed).",
            )
            .style(theme.dim),
            inner,
        );
        return;
    }
    let rows_height = list_rows(state)
        .min(panel.actions.len())
        .min(inner.height as usize - 5);
    let urgency_width = 30u16.min(inner.width / 4);
    let summary_width = inner.width.saturating_sub(urgency_width + 1) as usize;
    let rows: Vec<Row> = panel
        .actions
        .iter()
        .enumerate()
        .skip(panel.cursor.offset)
        .take(rows_height)
        .map(|(i, a)| {
            let style = if a.overdue_critical + a.overdue_high > 0 {
                theme.warning
            } else {
                theme.text
            };
            let row = Row::new([
                crate::tui::widgets::end_cell(&a.urgency(), urgency_width as usize),
                crate::tui::widgets::end_cell(&a.summary, summary_width),
            ])
            .style(style);
            crate::tui::widgets::highlight(row, i == panel.cursor.selected, theme)
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [Constraint::Length(urgency_width), Constraint::Min(10)],
        ),
        Rect::new(inner.x, inner.y, inner.width, rows_height as u16),
    );
    let Some(selected) = panel.actions.get(panel.cursor.selected) else {
        return;
    };
    let mut lines = vec![
        Line::styled(sanitize_line(&selected.summary).into_owned(), theme.title),
        Line::from(vec![
            Span::styled("clears   ", theme.dim),
            Span::raw(format!(
                "{} finding(s): {}",
                selected.findings.len(),
                selected.urgency()
            )),
        ]),
        Line::from(vec![
            Span::styled("subject  ", theme.dim),
            Span::raw(sanitize_line(&selected.subject).into_owned()),
        ]),
    ];
    if let Some(hint) = &selected.hint {
        lines.push(Line::from(vec![
            Span::styled("do       ", theme.dim),
            Span::styled(sanitize_line(hint).into_owned(), theme.title),
        ]));
    }
    let detail_y = inner.y + rows_height as u16 + 1;
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect::new(
            inner.x,
            detail_y,
            inner.width,
            inner.height.saturating_sub(rows_height as u16 + 1),
        ),
    );
}
