//! Drawing the scan tasks list (`w`): every task with its state, elapsed
//! time and last output line, newest first, and the selected task's command,
//! stage and result below. Pure; every text is sanitised here.

use crate::sanitize::sanitize_line;
use crate::tui::action::Action;
use crate::tui::msg::{Effect, RescanScope};
use crate::tui::state::{AppState, Pane};
use crate::tui::tasks::TaskState;
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use crate::tui::widgets::{cell, end_cell, highlight, middle_cell, pane_block};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

fn state_style(state: TaskState, theme: &Theme) -> Style {
    match state {
        TaskState::Failed => theme.warning,
        TaskState::Running => theme.title,
        TaskState::Done => theme.text,
        _ => theme.dim,
    }
}

pub fn draw_tasks(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let board = &state.scans;
    let title = format!(
        " Scan tasks — {} ",
        board.summary().unwrap_or_else(|| "none yet".into())
    );
    let inner = crate::tui::widgets::popup(
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
        crate::tui::tasks::EngineLine::Checking => "docker: checking…".to_string(),
        crate::tui::tasks::EngineLine::Connected(info) => format!("docker: {}", cell(info, 120)),
        crate::tui::tasks::EngineLine::Unavailable { full, .. } => cell(full, 200),
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
            crate::tui::widgets::highlight(row, i == cursor.selected, theme)
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

pub fn draw_runs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Pane::Tasks;
    let block = pane_block(" 4 Scan runs ".into(), focused, theme);
    let Some(data) = &state.data else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let height = area.height.saturating_sub(3) as usize;
    // Columns sized to what they hold, so that a narrow pane (80×24) cuts
    // names with a mark instead of mid-word: the target gets the rest.
    let inner = area.width.saturating_sub(2) as usize;
    let found_title = if inner >= 30 { "FOUND" } else { "#" };
    let found_width = data
        .view
        .runs
        .iter()
        .map(|r| r.findings.to_string().len())
        .chain([found_title.len()])
        .max()
        .unwrap_or(1);
    let scanner_width = data
        .view
        .runs
        .iter()
        .map(|r| sanitize_line(&r.scanner).chars().count())
        .chain(["SCANNER".len()])
        .max()
        .unwrap_or(7)
        // Room for a target of twelve before the scanner's name is cut.
        .min(inner.saturating_sub(found_width + 2 + 12).clamp(7, 14));
    let target_width = inner.saturating_sub(scanner_width + found_width + 2).max(4);
    let header = Row::new(vec![
        end_cell("SCANNER", scanner_width),
        "TARGET".to_string(),
        found_title.to_string(),
    ])
    .style(theme.title);
    let rows: Vec<Row> = data
        .view
        .runs
        .iter()
        .enumerate()
        .skip(state.tasks.offset)
        .take(height)
        .map(|(i, r)| {
            let row = Row::new([
                Cell::from(end_cell(&r.scanner, scanner_width)),
                Cell::from(middle_cell(&r.target, target_width)),
                Cell::from(
                    Line::from(format!("{:>found_width$}", r.findings))
                        .alignment(ratatui::layout::Alignment::Right),
                ),
            ]);
            highlight(row, i == state.tasks.selected && focused, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(scanner_width as u16),
            Constraint::Length(target_width as u16),
            Constraint::Length(found_width as u16),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

/// Scanning keys anywhere: open and close the tasks list, scan again,
/// pick what to scan, take in results that arrived.
pub fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::OpenTasks => {
            state.scans.open = true;
            state.scans.cursor = Cursor::default();
            Vec::new()
        }
        Action::CloseTasks => {
            state.scans.open = false;
            Vec::new()
        }
        Action::Rescan => {
            let scope = rescan_scope(state);
            let status = match &scope {
                RescanScope::Image(name) => format!("scanning {name} again…"),
                RescanScope::Project => "scanning the project again…".into(),
                // "Everything" is chosen in the picker, never assumed.
                RescanScope::All | RescanScope::Chosen { .. } => {
                    return act(state, Action::RescanAll)
                }
            };
            state.status = Some(status);
            vec![Effect::Rescan(scope)]
        }
        Action::RescanAll => {
            // Nothing runs before the user has seen what and said yes.
            state.status = Some("asking the Docker engine for its images…".into());
            vec![Effect::ListImages]
        }
        Action::CancelTask => {
            state.status = Some("open the scan tasks with w to cancel one".into());
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Keys of the open tasks list (`w`); `None` hands the action to the usual handling.
pub fn act_open(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let len = state.scans.rows.len();
    let height = (state.size.1 as usize).saturating_sub(12).max(3);
    if let Some(cursor) = state.scans.cursor.navigated(action, len, height) {
        state.scans.cursor = cursor;
        return Some(Vec::new());
    }
    match action {
        Action::CancelTask => {
            let Some(row) = state.scans.selected() else {
                return Some(Vec::new());
            };
            if row.state.finished() {
                state.status = Some(format!("{} has already finished", row.label));
                return Some(Vec::new());
            }
            state.status = Some(format!("cancelling {}…", row.label));
            Some(vec![Effect::CancelTask(row.id)])
        }
        _ => None,
    }
}

/// What `r` scans again: the selected target's image, else the project.
/// What scanning the target named `name` again scans: its image, or the
/// project when it is no image (`r` on a target, `:scan NAME`).
pub fn scope_of_target(data: &crate::tui::data::Data, name: &str) -> RescanScope {
    data.view
        .findings
        .iter()
        .find(|f| f.display_target() == name)
        .and_then(|f| f.image_name().map(str::to_string))
        .map_or(RescanScope::Project, RescanScope::Image)
}

fn rescan_scope(state: &AppState) -> RescanScope {
    let Some(data) = &state.data else {
        return RescanScope::Project;
    };
    match state.focus {
        Pane::Targets => match state.targets.selected {
            0 => RescanScope::All,
            n => data
                .targets
                .get(n - 1)
                .map_or(RescanScope::Project, |t| scope_of_target(data, &t.name)),
        },
        _ => state
            .selected_finding()
            .and_then(|i| data.view.findings.get(i))
            .and_then(|f| f.image_name().map(str::to_string))
            .map_or(RescanScope::Project, RescanScope::Image),
    }
}
