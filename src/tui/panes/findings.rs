//! The findings pane (2): the virtualised table of the rows shown, and the
//! keys that act on the selected or marked findings (triage, marks, copy,
//! open in the editor or the browser).

use crate::model::Finding;
use crate::sanitize::sanitize_line;
use crate::triage::Assessment;
use crate::tui::action::Action;
use crate::tui::msg::Effect;
use crate::tui::panes::dialog;
use crate::tui::rows::needs_everything;
use crate::tui::state::{AppState, Pane, UndoStep};
use crate::tui::theme::Theme;
use crate::tui::widgets::{cell, end_cell, middle_cell, pane_block, severity_label};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// The drawn widths of the columns whose texts are cut with a mark.
struct Widths {
    id: usize,
    package: usize,
    target: usize,
}

/// The columns a view may choose (`:columns id,package,title`): the name a
/// person types, the header, and the width.
pub const COLUMNS: [(&str, &str, u16); 7] = [
    ("sev", "SEV", 5),
    ("status", "STATUS", 11),
    ("id", "ID", 19),
    ("package", "PACKAGE", 16),
    ("versions", "INSTALLED → FIXED", 24),
    ("target", "TARGET", 26),
    ("title", "TITLE", 10),
];

/// The columns chosen by name, in the order given; the last one takes
/// what is left of the width.
fn chosen_columns(chosen: &[String], wide_status: bool) -> (Vec<&'static str>, Vec<Constraint>) {
    let picked: Vec<(&str, &'static str, u16)> = chosen
        .iter()
        .filter_map(|name| COLUMNS.iter().find(|(n, _, _)| n == name).copied())
        .collect();
    let last = picked.len().saturating_sub(1);
    picked
        .iter()
        .enumerate()
        .map(|(i, (name, header, width))| {
            let width = if *name == "status" && wide_status {
                32
            } else {
                *width
            };
            let constraint = if i == last {
                Constraint::Min(width)
            } else {
                Constraint::Length(width)
            };
            (*header, constraint)
        })
        .unzip()
}

/// Which columns fit: severity, id and package always; more as width
/// allows; or the columns the view chose.
fn columns(
    width: u16,
    wide_status: bool,
    chosen: Option<&[String]>,
) -> (Vec<&'static str>, Vec<Constraint>) {
    if let Some(chosen) = chosen.filter(|c| !c.is_empty()) {
        return chosen_columns(chosen, wide_status);
    }
    if width < 70 {
        // A narrow terminal (80×24): status and where it is matter more
        // than the title and the fix, which the detail pane shows in full.
        return (
            vec!["SEV", "STATUS", "ID", "PACKAGE", "TARGET"],
            vec![
                Constraint::Length(5),
                Constraint::Length(if wide_status { 18 } else { 9 }),
                Constraint::Length(16),
                Constraint::Length(10),
                Constraint::Min(8),
            ],
        );
    }
    let mut names = vec!["SEV", "ID", "PACKAGE"];
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Length(19),
        Constraint::Length(16),
    ];
    if width >= 70 {
        names.insert(1, "STATUS");
        widths.insert(1, Constraint::Length(if wide_status { 32 } else { 11 }));
    }
    if width >= 90 {
        names.push("INSTALLED → FIXED");
        widths.push(Constraint::Length(24));
    }
    if width >= 140 {
        names.push("TARGET");
        widths.push(Constraint::Length(26));
    }
    names.push("TITLE");
    widths.push(Constraint::Min(10));
    (names, widths)
}

/// How wide column `name` is drawn: its length, or what the other columns
/// leave when it is the one that takes the rest.
fn column_width(name: &str, names: &[&str], widths: &[Constraint], pane_width: u16) -> usize {
    let Some(at) = names.iter().position(|n| *n == name) else {
        return 0;
    };
    match widths.get(at) {
        Some(Constraint::Length(n)) => *n as usize,
        _ => {
            let fixed: u16 = widths
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, w)| match w {
                    Constraint::Length(n) | Constraint::Min(n) => *n,
                    _ => 0,
                })
                .sum();
            let gaps = widths.len().saturating_sub(1) as u16;
            pane_width.saturating_sub(2 + fixed + gaps).max(4) as usize
        }
    }
}

fn finding_row<'a>(
    f: &Finding,
    a: &Assessment,
    marked: bool,
    change: Option<&str>,
    names: &[&str],
    cut: &Widths,
    theme: &Theme,
) -> Row<'a> {
    let cells: Vec<Cell> = names
        .iter()
        .map(|name| match *name {
            "SEV" => Cell::from(Line::from(vec![
                Span::styled(if marked { "●" } else { " " }, theme.title),
                Span::styled(severity_label(f.severity), theme.severity(f.severity)),
            ])),
            "STATUS" => Cell::from(match change {
                Some(c) => format!("{} · {c}", a.status.as_str()),
                None => a.status.as_str().to_string(),
            }),
            "ID" => Cell::from(end_cell(&f.id, cut.id)),
            "PACKAGE" => Cell::from(middle_cell(
                f.package_name()
                    .filter(|p| !p.is_empty())
                    .or(f.location.path.as_deref())
                    .unwrap_or(""),
                cut.package,
            )),
            "INSTALLED → FIXED" => {
                let installed = f.installed_version().unwrap_or("");
                let fixed = f.fixed_version().unwrap_or_else(|| {
                    if f.package.is_some() {
                        "no fix".into()
                    } else {
                        String::new()
                    }
                });
                Cell::from(cell(
                    &if installed.is_empty() && fixed.is_empty() {
                        String::new()
                    } else {
                        format!("{installed} → {fixed}")
                    },
                    60,
                ))
            }
            "FIXED" => Cell::from(cell(
                &f.fixed_version().unwrap_or_else(|| {
                    if f.package.is_some() {
                        "no fix".into()
                    } else {
                        String::new()
                    }
                }),
                40,
            )),
            "TARGET" => Cell::from(middle_cell(f.display_target(), cut.target)),
            _ => Cell::from(cell(f.title(), 200)),
        })
        .collect();
    Row::new(cells)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Pane::Findings;
    let title = format!(
        " 2 Findings {}/{} · {}{} ",
        if state.visible.is_empty() {
            0
        } else {
            state.findings.selected + 1
        },
        state.visible.len(),
        state.sort.name(),
        if state.reverse { " ↑" } else { " ↓" }
    );
    let block = pane_block(title, focused, theme);
    let Some(data) = &state.data else {
        let text = match &state.loading {
            Some(l) if l.total > 0 => format!(
                "Loading findings {}/{} ({}%): {}",
                l.done,
                l.total,
                l.done.saturating_mul(100) / l.total,
                cell(&l.current, 60)
            ),
            _ => "Loading the workspace…".to_string(),
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    if data.view.findings.is_empty() {
        let text = "No findings yet.\n\nImport scanner reports with `scandeck import FILE...`\n(Trivy, Grype, Docker Scout, Snyk, pip-audit, npm audit, gitleaks, ...)\nor try `scandeck demo`.";
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim)
                .block(block)
                .wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    let (names, widths) = columns(area.width, state.changes_only, state.columns.as_deref());
    let cut = Widths {
        id: column_width("ID", &names, &widths, area.width),
        package: column_width("PACKAGE", &names, &widths, area.width),
        target: column_width("TARGET", &names, &widths, area.width),
    };
    let height = area.height.saturating_sub(3) as usize;
    let rows: Vec<Row> = state
        .visible
        .iter()
        .enumerate()
        .skip(state.findings.offset)
        .take(height)
        .map(|(i, idx)| {
            let idx = *idx as usize;
            let change = if state.changes_only {
                crate::query::language::change_code::label(data.view.facts.changes[idx])
            } else {
                None
            };
            let row = finding_row(
                &data.view.findings[idx],
                &data.view.assessments[idx],
                state.is_marked(idx),
                change,
                &names,
                &cut,
                theme,
            );
            if i == state.findings.selected {
                row.style(if focused { theme.selected } else { theme.title })
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(names.clone()).style(theme.title);
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1),
        area,
    );
}

/// Keys on the selected (or marked) findings: decide, mark, undo, copy,
/// open in the editor or the browser, export the rows shown.
pub fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::MarkFixed
        | Action::Snooze
        | Action::AcceptRisk
        | Action::Suppress
        | Action::Reopen
        | Action::Note => match dialog::triage_dialog(action) {
            Some(kind) => dialog::open_triage_dialog(state, kind),
            None => Vec::new(),
        },
        Action::ToggleMark => {
            if let Some(row) = state.selected_ref() {
                let fp = row.fingerprint;
                if !state.marked.remove(&fp) {
                    state.marked.insert(fp);
                }
                let rows = state.areas().findings_rows();
                state.findings = state.findings.moved(1, state.visible.len(), rows);
            }
            Vec::new()
        }
        Action::MarkAll => {
            if needs_everything(state) {
                return Vec::new();
            }
            if let Some(data) = &state.data {
                state.marked = state
                    .visible
                    .iter()
                    .filter_map(|i| data.view.findings.get(*i as usize))
                    .map(|f| f.fingerprint)
                    .collect();
            }
            state.status = Some(format!(
                "{} finding(s) marked: the whole current filter",
                state.marked.len()
            ));
            Vec::new()
        }
        Action::Undo => step(state, UndoStep::Undo),
        Action::Redo => step(state, UndoStep::Redo),
        Action::CopyId => copy_id(state),
        Action::CopyMenu => {
            if let Some(f) = selected(state) {
                state.dialog = Some(dialog::Dialog::copy(f));
            }
            Vec::new()
        }
        Action::OpenInEditor => open_in_editor(state),
        Action::OpenReference => open_reference(state),
        Action::Export => {
            if needs_everything(state) {
                return Vec::new();
            }
            dialog::open_export(state)
        }
        _ => Vec::new(),
    }
}

fn selected(state: &AppState) -> Option<&Finding> {
    state
        .selected_finding()
        .and_then(|i| state.data.as_ref()?.view.findings.get(i))
}

/// `Z` and `Ctrl-Y`: takes back the newest change (or makes again the
/// newest undone one), each step its own save with its own audit entry.
pub fn step(state: &mut AppState, step: UndoStep) -> Vec<Effect> {
    let (stack, word) = match step {
        UndoStep::Undo => (&mut state.undo, "undo"),
        UndoStep::Redo => (&mut state.redo, "redo"),
    };
    let writable = state
        .data
        .as_ref()
        .is_some_and(|d| d.view.triage_read_only.is_none());
    if state.saving || !writable {
        state.status = Some(format!("nothing to {word} now"));
        return Vec::new();
    }
    let Some(changes) = stack.pop() else {
        state.status = Some(format!("nothing to {word}"));
        return Vec::new();
    };
    let left = stack.len();
    state.status = Some(format!(
        "{}ing a change of {} finding(s)… ({left} more to {word})",
        if step == UndoStep::Undo {
            "undo"
        } else {
            "redo"
        },
        changes.len()
    ));
    state.saving = true;
    state.stepping = Some((step, changes.clone()));
    vec![Effect::Save(dialog::TriageChange::Undo {
        changes,
        redo: step == UndoStep::Redo,
    })]
}

fn copy_id(state: &mut AppState) -> Vec<Effect> {
    let Some(id) = selected(state).map(|f| sanitize_line(&f.id).into_owned()) else {
        return Vec::new();
    };
    state.status = Some(format!("copied {id} to the clipboard"));
    vec![Effect::Copy(id)]
}

fn open_in_editor(state: &mut AppState) -> Vec<Effect> {
    let Some(f) = selected(state) else {
        return Vec::new();
    };
    // Files in an image are not in the workspace; a posture finding
    // names its entry after `#`.
    let path = f
        .location
        .path
        .as_deref()
        .filter(|_| f.image.is_none())
        .map(|p| p.split('#').next().unwrap_or(p).to_string())
        .filter(|p| !p.is_empty() && !p.starts_with('/') && !p.split('/').any(|c| c == ".."));
    match path {
        Some(path) => vec![Effect::Edit {
            path,
            line: f.location.line,
        }],
        None => {
            state.status = Some("this finding names no file in the workspace".into());
            Vec::new()
        }
    }
}

fn open_reference(state: &mut AppState) -> Vec<Effect> {
    let url = selected(state).and_then(|f| {
        f.details
            .references
            .iter()
            .find_map(|u| crate::export::input::safe_link(u))
            .map(str::to_string)
    });
    match url {
        Some(url) => vec![Effect::OpenUrl(url)],
        None => {
            state.status = Some("this finding names no advisory address".into());
            Vec::new()
        }
    }
}
