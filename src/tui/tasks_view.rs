//! Drawing the scan tasks list (`w`): every task with its state, elapsed
//! time and last output line, newest first, and the selected task's command,
//! stage and result below. Pure; every text is sanitised here.

use super::state::AppState;
use super::tasks::TaskState;
use super::theme::Theme;
use crate::sanitize::{sanitize_line, truncate_chars};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

fn cell(text: &str, max: usize) -> String {
    truncate_chars(&sanitize_line(text), max).into_owned()
}

fn state_style(state: TaskState, theme: &Theme) -> Style {
    match state {
        TaskState::Failed => theme.warning,
        TaskState::Running => theme.title,
        TaskState::Done => theme.text,
        _ => theme.dim,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let board = &state.scans;
    let title = format!(
        " Scan tasks — {} ",
        board.summary().unwrap_or_else(|| "none yet".into())
    );
    let inner = super::ui::popup(
        frame,
        area,
        150,
        None,
        title,
        " r rescan selected target · R choose what to scan · x cancel · U show new results · Esc close ",
        theme,
    );
    if inner.height < 6 {
        return;
    }
    let engine = match &board.engine {
        super::tasks::EngineLine::Checking => "docker: checking…".to_string(),
        super::tasks::EngineLine::Connected(info) => format!("docker: {}", cell(info, 120)),
        super::tasks::EngineLine::Unavailable { full, .. } => cell(full, 200),
    };
    if board.rows.is_empty() {
        let text = vec![
            Line::from(engine),
            Line::from(""),
            Line::from("No scans yet."),
            Line::from(""),
            Line::from("r scans the selected target again (its image, or the project);"),
            Line::from(
                "R scans every image on the Docker engine, the running containers and the project.",
            ),
        ];
        frame.render_widget(Paragraph::new(text).style(theme.dim), inner);
        return;
    }
    let detail_height = 6u16.min(inner.height / 2);
    let list_area = Rect::new(inner.x, inner.y, inner.width, inner.height - detail_height);
    let detail_area = Rect::new(
        inner.x,
        inner.y + list_area.height,
        inner.width,
        detail_height,
    );
    let height = list_area.height.saturating_sub(1) as usize;
    let cursor = board.cursor.visible(board.rows.len(), height);
    let rows: Vec<Row> = board
        .ordered()
        .enumerate()
        .skip(cursor.offset)
        .take(height)
        .map(|(i, r)| {
            let elapsed = r
                .elapsed(state.now)
                .map(|s| format!("{s:.1}s"))
                .unwrap_or_default();
            let now_text = r
                .last_line
                .as_deref()
                .or(Some(r.stage.as_str()).filter(|s| !s.is_empty()))
                .or(r.result.as_deref())
                .unwrap_or("");
            let row = Row::new(vec![
                Span::styled(r.state.word(), state_style(r.state, theme)),
                Span::raw(cell(&r.label, 48)),
                Span::raw(elapsed),
                Span::raw(cell(now_text, 120)),
            ]);
            super::ui::highlight(row, i == cursor.selected, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Length(46),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(["STATE", "TASK", "ELAPSED", "LAST OUTPUT"]).style(theme.title));
    frame.render_widget(table, list_area);
    let Some(selected) = board.selected() else {
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("task     ", theme.dim),
        Span::raw(cell(&selected.label, 120)),
        Span::styled(format!("  ({})", selected.state.word()), theme.dim),
    ])];
    lines.push(Line::from(vec![
        Span::styled("command  ", theme.dim),
        Span::raw(cell(
            selected
                .command
                .as_deref()
                .unwrap_or("(scandeck's own checks: no external command)"),
            400,
        )),
    ]));
    if !selected.stage.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("stage    ", theme.dim),
            Span::raw(cell(&selected.stage, 120)),
        ]));
    }
    if let Some(result) = &selected.result {
        lines.push(Line::from(vec![
            Span::styled("result   ", theme.dim),
            Span::styled(cell(result, 400), state_style(selected.state, theme)),
        ]));
    }
    for note in selected.notes.iter().take(2) {
        lines.push(Line::from(vec![
            Span::styled("note     ", theme.dim),
            Span::raw(cell(note, 200)),
        ]));
    }
    let detail = Paragraph::new(lines).wrap(Wrap { trim: false }).block(
        Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border),
    );
    frame.render_widget(detail, detail_area);
}
