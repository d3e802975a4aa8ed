//! The decision audit in the console (`A`): the same items as `scandeck
//! triage audit` (`crate::triage::hygiene`) — decisions that match nothing
//! now, expired ones, snoozes whose fix is known, acceptances whose risk grew
//! or that lack an approver, ignore files suppressing what nobody decided.
//! Made on a worker when opened; Enter narrows the list to the item's id.
//! Its keys and its drawing live here together.

use crate::sanitize::sanitize_line;
use crate::tui::action::Action;
use crate::tui::msg::Effect;
pub use crate::tui::state::audit::AuditPanel;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

fn list_rows(state: &AppState) -> usize {
    (state.size.1 as usize).saturating_sub(14).max(3)
}

/// Asks a worker for the audit of every decision against every finding.
pub fn open(state: &mut AppState) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    state.status = Some(format!(
        "auditing {} decision(s)…",
        data.view.triage.decisions.len()
    ));
    vec![Effect::Compute(crate::tui::msg::Job::Audit {
        findings: std::sync::Arc::clone(&data.view.findings),
        assessments: std::sync::Arc::clone(&data.view.assessments),
        triage: Box::new(data.view.triage.clone()),
        ignore_files: std::sync::Arc::clone(&data.ignore_files),
        now: state.now,
    })]
}

/// The worker's part.
pub fn panel(
    findings: &[crate::model::Finding],
    assessments: &[crate::triage::Assessment],
    triage: &crate::store::decisions::DecisionFile,
    ignore_files: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> AuditPanel {
    use crate::triage::hygiene;
    let rows: Vec<_> = findings.iter().zip(assessments.iter()).collect();
    let mut items = hygiene::audit(&rows, triage, now);
    items.extend(hygiene::ignored_in(ignore_files, triage));
    AuditPanel {
        items,
        cursor: Cursor::default(),
        decisions: triage.decisions.len(),
    }
}

pub fn ready(state: &mut AppState, panel: AuditPanel) {
    if state
        .status
        .as_deref()
        .is_some_and(|s| s.starts_with("auditing"))
    {
        state.status = None;
    }
    state.audit = Some(panel);
}

/// Handles `action` while the audit is open; `None` when it is not the audit's.
pub fn act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let rows = list_rows(state);
    let panel = state.audit.as_mut()?;
    if let Some(cursor) = panel.cursor.navigated(action, panel.items.len(), rows) {
        panel.cursor = cursor;
        return Some(Vec::new());
    }
    match action {
        Action::CloseAudit => state.audit = None,
        Action::AuditShow => {
            let id = panel
                .items
                .get(panel.cursor.selected)
                .and_then(|i| i.id.clone());
            state.audit = None;
            if let Some(id) = id {
                let word: String = id.split_whitespace().collect();
                return Some(crate::tui::rows::set_query(state, word));
            }
        }
        Action::Quit | Action::Help => return None,
        _ => {}
    }
    Some(Vec::new())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(panel) = &state.audit else {
        return;
    };
    let title = format!(
        " Decision audit — {} item{} over {} decision{} ",
        panel.items.len(),
        if panel.items.len() == 1 { "" } else { "s" },
        panel.decisions,
        if panel.decisions == 1 { "" } else { "s" }
    );
    let inner = crate::tui::widgets::popup(
        frame,
        area,
        150,
        None,
        title,
        " Enter show its findings · Esc close ",
        theme,
    );
    if inner.height < 4 {
        return;
    }
    if panel.items.is_empty() {
        frame.render_widget(
            Paragraph::new("Every decision still does what it says; no ignore file suppresses what nobody decided.")
                .style(theme.dim),
            inner,
        );
        return;
    }
    let rows_height = list_rows(state)
        .min(panel.items.len())
        .min(inner.height as usize - 3);
    let kind_width = 18u16.min(inner.width / 4);
    let message_width = inner.width.saturating_sub(kind_width + 1) as usize;
    let rows: Vec<Row> = panel
        .items
        .iter()
        .enumerate()
        .skip(panel.cursor.offset)
        .take(rows_height)
        .map(|(i, item)| {
            let row = Row::new([
                crate::tui::widgets::end_cell(item.trouble.as_str(), kind_width as usize),
                crate::tui::widgets::end_cell(&item.message, message_width),
            ])
            .style(theme.text);
            crate::tui::widgets::highlight(row, i == panel.cursor.selected, theme)
        })
        .collect();
    frame.render_widget(
        Table::new(rows, [Constraint::Length(kind_width), Constraint::Min(10)]),
        Rect::new(inner.x, inner.y, inner.width, rows_height as u16),
    );
    if let Some(selected) = panel.items.get(panel.cursor.selected) {
        let y = inner.y + rows_height as u16 + 1;
        frame.render_widget(
            Paragraph::new(sanitize_line(&selected.message).into_owned())
                .style(theme.title)
                .wrap(Wrap { trim: false }),
            Rect::new(
                inner.x,
                y,
                inner.width,
                inner.height.saturating_sub(rows_height as u16 + 1),
            ),
        );
    }
}
