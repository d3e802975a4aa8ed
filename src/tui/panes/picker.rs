//! Choosing what `R` scans: the engine's images (name and tag, size, when
//! built, when this workspace last scanned it), the project and the running
//! containers, each ticked or not. Images this workspace has scanned before
//! and the project start ticked; nothing is scanned until Enter. Keys and
//! drawing live here together.

use crate::sanitize::sanitize_line;
use crate::scan::docker::ImageEntry;
use crate::tui::action::Action;
use crate::tui::msg::{Effect, RescanScope};
pub use crate::tui::state::picker::{Pick, PickEntry, ScanPicker};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

impl ScanPicker {
    fn label(pick: &Pick) -> String {
        match pick {
            Pick::Project => "the project (its files and dependencies)".into(),
            Pick::Containers => "the running containers".into(),
            Pick::Image(reference) => sanitize_line(reference).into_owned(),
        }
    }

    /// What Enter scans.
    pub fn scope(&self) -> RescanScope {
        let ticked = |p: &Pick| self.entries.iter().any(|e| e.ticked && e.pick == *p);
        RescanScope::Chosen {
            images: self
                .entries
                .iter()
                .filter(|e| e.ticked)
                .filter_map(|e| match &e.pick {
                    Pick::Image(reference) => Some(reference.clone()),
                    _ => None,
                })
                .collect(),
            project: ticked(&Pick::Project),
            containers: ticked(&Pick::Containers),
        }
    }
}

/// How long ago, in the largest whole unit.
fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 0 => "in the future".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// Opens the picker on the engine's answer.
pub fn open(state: &mut AppState, listed: Result<Vec<ImageEntry>, String>) {
    let now = state.now;
    let runs = state
        .data
        .as_ref()
        .map(|d| d.view.runs.as_slice())
        .unwrap_or(&[]);
    // When each image repository was last scanned here.
    let last_scan = |reference: &str| -> Option<chrono::DateTime<chrono::Utc>> {
        let repository = crate::model::image::image_repository(reference);
        runs.iter()
            .filter(|r| r.subject.strip_prefix("image:") == Some(repository.as_str()))
            .filter_map(|r| chrono::DateTime::parse_from_rfc3339(&r.imported_at).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
            .max()
    };
    let mut entries = vec![PickEntry {
        pick: Pick::Project,
        ticked: true,
        columns: [String::new(), String::new(), String::new()],
    }];
    let (images, engine_problem) = match listed {
        Ok(images) => (images, None),
        Err(problem) => (Vec::new(), Some(problem)),
    };
    if engine_problem.is_none() {
        entries.push(PickEntry {
            pick: Pick::Containers,
            ticked: false,
            columns: [String::new(), String::new(), String::new()],
        });
    }
    let mut images: Vec<(String, &ImageEntry)> =
        images.iter().map(|i| (i.reference(), i)).collect();
    images.sort_by(|a, b| a.0.cmp(&b.0));
    for (reference, image) in images {
        let scanned = last_scan(&reference);
        entries.push(PickEntry {
            ticked: scanned.is_some(),
            columns: [
                megabytes(image.size_bytes),
                format!(
                    "built {}",
                    ago(now.timestamp().saturating_sub(image.created))
                ),
                match scanned {
                    Some(at) => format!("scanned {}", ago((now - at).num_seconds())),
                    None => "never scanned here".into(),
                },
            ],
            pick: Pick::Image(reference),
        });
    }
    state.picker = Some(ScanPicker {
        entries,
        cursor: Cursor::default(),
        engine_problem,
    });
    state.status = None;
}

fn list_rows(state: &AppState) -> usize {
    (state.size.1 as usize).saturating_sub(12).max(3)
}

/// Handles `action` while the picker is open; `None` when it is not the picker's.
pub fn act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let rows = list_rows(state);
    let picker = state.picker.as_mut()?;
    let len = picker.entries.len();
    let cursor = &mut picker.cursor;
    let mut go = |delta: isize| *cursor = cursor.moved(delta, len, rows);
    match action {
        Action::MoveDown => go(1),
        Action::MoveUp => go(-1),
        Action::PageDown => go(rows as isize),
        Action::PageUp => go(-(rows as isize)),
        Action::GoTop => go(-(len as isize)),
        Action::GoBottom => go(len as isize),
        Action::PickToggle => {
            if let Some(e) = picker.entries.get_mut(picker.cursor.selected) {
                e.ticked = !e.ticked;
            }
        }
        Action::PickAll => {
            let all = picker.entries.iter().all(|e| e.ticked);
            for e in &mut picker.entries {
                e.ticked = !all;
            }
        }
        Action::PickCancel => {
            state.picker = None;
            state.status = Some("nothing scanned".into());
        }
        Action::PickScan => {
            let scope = picker.scope();
            let RescanScope::Chosen {
                images,
                project,
                containers,
            } = &scope
            else {
                return Some(Vec::new());
            };
            if images.is_empty() && !project && !containers {
                state.status = Some("nothing ticked: Space ticks, Esc cancels".into());
                return Some(Vec::new());
            }
            state.status = Some(format!(
                "scanning {} image(s){}{}…",
                images.len(),
                if *project { " and the project" } else { "" },
                if *containers {
                    " and the running containers"
                } else {
                    ""
                }
            ));
            state.picker = None;
            return Some(vec![Effect::Rescan(scope)]);
        }
        Action::Quit | Action::Help => return None,
        _ => {}
    }
    Some(Vec::new())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(picker) = &state.picker else {
        return;
    };
    let rows_height = list_rows(state).min(picker.entries.len());
    let ticked = picker.entries.iter().filter(|e| e.ticked).count();
    let inner = crate::tui::widgets::popup(
        frame,
        area,
        120,
        Some(rows_height as u16 + 6),
        format!(" Scan what? {ticked} of {} ticked ", picker.entries.len()),
        " Space tick · a all/none · Enter scan the ticked · Esc cancel ",
        theme,
    );
    if inner.height < 2 {
        return;
    }
    let name_width = inner.width.saturating_sub(4 + 8 + 16 + 22 + 4) as usize;
    let table_rows: Vec<Row> = picker
        .entries
        .iter()
        .enumerate()
        .skip(picker.cursor.offset)
        .take(rows_height)
        .map(|(i, e)| {
            let row = Row::new([
                if e.ticked { "[x]" } else { "[ ]" }.to_string(),
                crate::tui::widgets::middle_cell(&ScanPicker::label(&e.pick), name_width),
                e.columns[0].clone(),
                e.columns[1].clone(),
                e.columns[2].clone(),
            ]);
            crate::tui::widgets::highlight(row, i == picker.cursor.selected, theme)
        })
        .collect();
    frame.render_widget(
        Table::new(
            table_rows,
            [
                Constraint::Length(4),
                Constraint::Length(name_width as u16),
                Constraint::Length(8),
                Constraint::Length(16),
                Constraint::Length(22),
            ],
        ),
        Rect::new(inner.x, inner.y, inner.width, rows_height as u16),
    );
    let note = match &picker.engine_problem {
        Some(problem) => format!("no images listed: {}", sanitize_line(problem)),
        None => "ticked first: the images this workspace scanned before".into(),
    };
    frame.render_widget(
        Paragraph::new(crate::tui::widgets::middle_cell(
            &note,
            inner.width as usize,
        ))
        .style(theme.dim),
        Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(1),
            inner.width,
            1,
        ),
    );
}
