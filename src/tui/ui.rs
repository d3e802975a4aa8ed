//! Drawing: a pure function of the state. No I/O, no locks; only the rows
//! that fit on screen are built. Every report string is sanitised here.

use super::data::TargetRow;
use super::keymap::{chord_text, KeyMap};
use super::layout::Areas;
use super::state::{AppState, Pane};
use super::theme::Theme;
use super::update::help_entries;
use crate::model::{Finding, Severity};
use crate::sanitize::{sanitize, sanitize_line, truncate_chars};
use crate::triage::Assessment;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// Cell text: one line, sanitised, cut to a sane length.
fn cell(text: &str, max: usize) -> String {
    truncate_chars(&sanitize_line(text), max).into_owned()
}

/// A name cut in its middle when it does not fit: its start and its last
/// path segment stay (`finance-…/backend:1.4.0`), so that names sharing a
/// start (`finance-tracker/backend`, `finance-tracker/frontend`) and names
/// sharing an end (`backend` of two projects) both stay apart. The image
/// tag goes before the start gets shorter than three characters.
pub(super) fn middle_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    let chars: Vec<char> = clean.chars().collect();
    if chars.len() <= width {
        return clean.into_owned();
    }
    if width < 5 {
        return chars.iter().take(width).collect();
    }
    let last_slash = chars.iter().rposition(|c| *c == '/');
    let tagless_end = (last_slash.unwrap_or(0)..chars.len())
        .find(|i| chars[*i] == ':')
        .unwrap_or(chars.len());
    if last_slash.is_none() && tagless_end < chars.len() && tagless_end <= width {
        // An image without a path: its name without the tag.
        return chars[..tagless_end].iter().collect();
    }
    let joined = |head: usize, tail: &[char]| -> String {
        let mut out: String = chars[..head].iter().collect();
        out.push('…');
        out.extend(tail);
        out
    };
    if let Some(slash) = last_slash {
        for end in [chars.len(), tagless_end] {
            let tail = &chars[slash..end];
            if end < chars.len() && end <= width {
                // Without its tag the whole name fits.
                return chars[..end].iter().collect();
            }
            if tail.len() + 1 + 3 <= width {
                return joined(width - 1 - tail.len(), tail);
            }
        }
        // Too narrow for any of the start: the last segment tells names apart.
        let segment = &chars[slash + 1..tagless_end];
        if !segment.is_empty() && segment.len() < width {
            return joined(0, segment);
        }
    }
    let tail_len = (width - 1) / 2;
    joined(width - 1 - tail_len, &chars[chars.len() - tail_len..])
}

/// A short word cut at its end with a mark: `docker-…`.
pub(super) fn end_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    if clean.chars().count() <= width || width < 2 {
        return truncate_chars(&clean, width).into_owned();
    }
    let mut out: String = clean.chars().take(width - 1).collect();
    out.push('…');
    out
}

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
        Severity::Unknown => "UNKN",
    }
}

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, keymap: &KeyMap) {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.text), area);
    let a = Areas::compute(area, state.shows_query_line());
    header(frame, a.header, state, theme);
    if let Some(q) = a.query {
        query(frame, q, state, theme);
    }
    targets(frame, a.targets, state, theme);
    runs(frame, a.tasks, state, theme);
    findings(frame, a.findings, state, theme);
    detail(frame, a.detail, state, theme);
    footer(frame, a.footer, state, theme, keymap);
    if let Some(dialog) = &state.dialog {
        dialog_popup(frame, area, dialog, theme);
    }
    if state.checklist.is_some() {
        super::checklist_view::draw(frame, area, state, theme);
    }
    if state.plan.is_some() {
        super::plan_view::draw(frame, area, state, theme);
    }
    if state.picker.is_some() {
        super::scan_picker::draw(frame, area, state, theme);
    }
    if state.groups.is_some() {
        super::group_view::draw(frame, area, state, theme);
    }
    if state.scans.open {
        super::tasks_view::draw(frame, area, state, theme);
    }
    if let Some(help) = &state.help {
        help_popup(frame, area, &help.filter, help.selected, theme, keymap);
    }
}

/// A centred popup, cleared, with a focused border, its title and its keys
/// along the bottom: `max_width` columns at most and `height` rows (the
/// screen less a margin when `None`). Returns where its content goes.
pub(super) fn popup(
    frame: &mut Frame,
    area: Rect,
    max_width: u16,
    height: Option<u16>,
    title: String,
    keys: &'static str,
    theme: &Theme,
) -> Rect {
    let w = area.width.saturating_sub(4).min(max_width);
    let most = area.height.saturating_sub(2);
    let h = height.map_or(most, |h| h.min(most));
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title))
        .title_bottom(Span::styled(keys, theme.dim));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    inner
}

/// A table row in the selection style when it is the selected one.
pub(super) fn highlight<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}

fn pane_block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Span::styled(
            title,
            if focused {
                theme.border_focused
            } else {
                theme.title
            },
        ))
}

fn header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (shown, total) = (
        state.visible.len(),
        state.data.as_ref().map_or(0, |d| d.findings.len()),
    );
    let runs = state.run_rows();
    let count = Span::styled(format!("   {shown} of {total} findings"), theme.title);
    let searching = Span::styled(
        if state.searching() {
            "  (searching…)"
        } else {
            ""
        },
        theme.dim,
    );
    let release = match &state.gate {
        Some(v) if v.ready() && !v.overrides.is_empty() => Span::styled(
            format!("   release: READY ({} override)", v.overrides.len()),
            theme.warning,
        ),
        Some(v) if v.ready() => Span::styled("   release: READY", theme.title),
        Some(v) => Span::styled(
            format!("   release: BLOCKED ({})", v.blocked.len()),
            theme.warning,
        ),
        None => Span::raw(""),
    };
    let runs = Span::styled(format!("   runs: {runs}"), theme.dim);
    let docker = match &state.scans.engine {
        super::tasks::EngineLine::Checking => Span::styled("   docker: checking…", theme.dim),
        super::tasks::EngineLine::Connected(info) => {
            Span::styled(format!("   docker: {}", cell(info, 32)), theme.dim)
        }
        super::tasks::EngineLine::Unavailable { short, .. } => {
            Span::styled(format!("   docker: {short}"), theme.warning)
        }
    };
    // What must stay on a narrow terminal: the release verdict and the
    // count; the engine and the run count go first, then the workspace's
    // name is cut in its middle.
    let chip = Span::styled(" scandeck ", theme.chip);
    let width = area.width as usize;
    let mut right = vec![count, searching, release, runs, docker];
    let used = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let room = |right: &[Span]| width.saturating_sub(chip.width() + 2 + used(right));
    while right.len() > 3 && room(&right) < 12 {
        right.pop();
    }
    let label = middle_cell(&state.workspace, room(&right).clamp(8, 60));
    let mut line1 = vec![chip, Span::styled(format!("  {label}"), theme.header)];
    line1.extend(right);
    let line1 = Line::from(line1);
    let mut spans = vec![Span::raw(" ")];
    for s in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ] {
        let n = state.visible_tally[s as usize];
        if n > 0 || matches!(s, Severity::Critical | Severity::High) {
            spans.push(Span::styled(
                format!("{} {n}", severity_label(s)),
                theme.severity(s),
            ));
            spans.push(Span::raw("  "));
        }
    }
    let mut chips: Vec<String> = Vec::new();
    if let Some(min) = state.min_severity {
        chips.push(format!("sev ≥ {}", min.as_str()));
    }
    if let Some(name) = &state.target_filter {
        chips.push(format!("target {}", cell(name, 30)));
    }
    if !state.query_text.is_empty() {
        chips.push(format!("query {}", cell(&state.query_text, 40)));
    }
    if state.changes_only {
        chips.push("changes since previous scan".into());
    }
    chips.push(format!(
        "sort {}{}",
        state.sort.name(),
        if state.reverse { " ↑" } else { " ↓" }
    ));
    for chip in chips {
        spans.push(Span::styled(format!(" {chip} "), theme.chip));
        spans.push(Span::raw(" "));
    }
    if !state.marked.is_empty() {
        spans.push(Span::styled(
            format!(" {} marked ", state.marked.len()),
            theme.chip,
        ));
        spans.push(Span::raw(" "));
    }
    if let Some(summary) = state.scans.summary() {
        spans.push(Span::styled(format!(" scans: {summary} "), theme.dim));
        spans.push(Span::raw(" "));
    }
    if let Some((_, new)) = &state.pending {
        spans.push(Span::styled(
            format!(" {new} new results — U to show "),
            theme
                .warning
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    if state.saving {
        spans.push(Span::styled(" saving… ", theme.dim));
    }
    if let Some(unsaved) = &state.unsaved {
        spans.push(Span::styled(
            format!(" {} ", cell(unsaved, 120)),
            theme
                .warning
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    } else if let Some(status) = &state.status {
        // Cut in the middle to what is left of the line: a written file's
        // name (at the end) stays readable.
        let room = width.saturating_sub(used(&spans) + 1).max(24);
        spans.push(Span::styled(
            format!(" {}", middle_cell(status, room)),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(vec![line1, Line::from(spans)]), area);
}

fn query(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (text, editing) = match &state.editing {
        Some((t, _)) => (t.as_str(), true),
        None => (state.query_text.as_str(), false),
    };
    let mut spans = vec![Span::styled("/ ", theme.title), Span::raw(cell(text, 200))];
    if editing {
        spans.push(Span::styled("█", theme.title));
    }
    if let Some(err) = &state.query_error {
        spans.push(Span::styled(
            format!("   {}", cell(err, 100)),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

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

fn targets(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
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

fn runs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
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
        .runs
        .iter()
        .map(|r| r.findings.to_string().len())
        .chain([found_title.len()])
        .max()
        .unwrap_or(1);
    let scanner_width = data
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

/// Which columns fit: severity, id and package always; more as width allows.
fn columns(width: u16, wide_status: bool) -> (Vec<&'static str>, Vec<Constraint>) {
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

/// The drawn widths of the columns whose texts are cut with a mark.
struct Widths {
    id: usize,
    package: usize,
    target: usize,
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

fn findings(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
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
    if data.findings.is_empty() {
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
    let (names, widths) = columns(area.width, state.changes_only);
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
                crate::query::language::change_code::label(data.facts.changes[idx])
            } else {
                None
            };
            let row = finding_row(
                &data.findings[idx],
                &data.assessments[idx],
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

fn field<'a>(label: &'a str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<12}"), theme.dim),
        Span::raw(value),
    ])
}

/// The detail text of one finding (also used by tests).
/// `2 of 10, from the base image · RUN apt-get install …`: where the
/// package came in, and who can fix it.
fn layer_line(layer: &crate::model::Layer) -> String {
    let position = match (layer.number, layer.of) {
        (Some(n), Some(of)) => format!("{n} of {of}"),
        _ => cell(&layer.diff_id, 24),
    };
    let origin = match layer.from_base {
        Some(true) => ", from the base image",
        Some(false) => ", the image's own",
        None => "",
    };
    let step = layer
        .created_by
        .as_deref()
        .map(|c| format!(" · {}", cell(&crate::model::layer::build_step(c), 40)))
        .unwrap_or_default();
    format!("{position}{origin}{step}")
}

pub fn detail_text<'a>(
    f: &Finding,
    a: &Assessment,
    decision: Option<&crate::triage::Decision>,
    history: &[&crate::triage::audit::AuditEntry],
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) -> Text<'a> {
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} ", severity_label(f.severity)),
            theme.severity(f.severity),
        ),
        Span::styled(cell(&f.id, 80), theme.title),
        Span::raw(format!("  {}  {}", a.status.as_str(), f.kind.as_str())),
    ]));
    if !f.title().is_empty() {
        lines.push(Line::styled(cell(f.title(), 300), theme.title));
    }
    if let Some(p) = &f.package {
        let eco = p
            .ecosystem
            .as_deref()
            .map(|e| format!(" ({})", cell(e, 20)))
            .unwrap_or_default();
        lines.push(field(
            "package",
            format!("{}{eco}", cell(&p.name, 120)),
            theme,
        ));
        let fixed = if p.fixed.is_empty() {
            "no fix known".to_string()
        } else {
            cell(&p.fixed.join(", "), 120)
        };
        lines.push(field(
            "version",
            format!(
                "{} → {fixed}",
                cell(p.installed.as_deref().unwrap_or("?"), 60)
            ),
            theme,
        ));
        if let Some(purl) = &p.purl {
            lines.push(field("purl", cell(purl, 200), theme));
        }
    }
    match f.image.as_deref() {
        Some(img) => {
            let digest = img
                .digest
                .as_deref()
                .map(|d| format!(" @ {}", cell(d, 80)))
                .unwrap_or_default();
            lines.push(field(
                "image",
                format!("{}{digest}", cell(&img.name, 120)),
                theme,
            ));
            if *f.target != *img.name {
                lines.push(field("target", cell(&f.target, 200), theme));
            }
        }
        None => lines.push(field("target", cell(&f.target, 200), theme)),
    }
    if let Some(layer) = f.layer.as_deref() {
        lines.push(field("layer", layer_line(layer), theme));
    }
    let location = f
        .location
        .path
        .as_deref()
        .or(f.package.as_ref().and_then(|p| p.path.as_deref()));
    if let Some(path) = location {
        let line = f.location.line.map(|l| format!(":{l}")).unwrap_or_default();
        lines.push(field(
            "location",
            format!("{}{line}", cell(path, 200)),
            theme,
        ));
    }
    if let Some(secret) = &f.secret {
        lines.push(field("secret", cell(&secret.mask, 60), theme));
    }
    let version = f
        .source
        .version
        .as_deref()
        .map(|v| format!(" {}", cell(v, 30)))
        .unwrap_or_default();
    lines.push(field(
        "source",
        format!(
            "{}{version} · {}",
            cell(&f.source.scanner, 30),
            cell(&f.source.report, 120)
        ),
        theme,
    ));
    if let Some(status) = &f.scanner_status {
        lines.push(field(
            "scanner",
            format!("says {}", cell(status, 60)),
            theme,
        ));
    }
    if f.details.cvss_score.is_some() || f.details.cvss_vector.is_some() {
        let score = f
            .details
            .cvss_score
            .map(|s| format!("{s:.1} "))
            .unwrap_or_default();
        lines.push(field(
            "CVSS",
            format!(
                "{score}{}",
                cell(f.details.cvss_vector.as_deref().unwrap_or(""), 120)
            ),
            theme,
        ));
    }
    if !f.aliases.is_empty() {
        lines.push(field("aliases", cell(&f.aliases.join(", "), 300), theme));
    }
    if !f.details.cwes.is_empty() {
        lines.push(field("CWE", cell(&f.details.cwes.join(", "), 200), theme));
    }
    if let Some(first) = a.first_seen {
        let due = match (a.sla_due, a.days_left(now)) {
            (Some(d), Some(left)) => format!(
                " · SLA due {} ({})",
                d.format("%Y-%m-%d"),
                crate::triage::status::due_phrase(left)
            ),
            _ => " · no SLA".into(),
        };
        lines.push(field(
            "first seen",
            format!("{}{due}", first.format("%Y-%m-%d %H:%M UTC")),
            theme,
        ));
    }
    if f.merged > 1 {
        lines.push(field(
            "merged",
            format!("{} report records (dependency paths, duplicates)", f.merged),
            theme,
        ));
    }
    lines.push(field("fingerprint", f.fingerprint.to_string(), theme));
    if let Some(d) = decision {
        let mut text = d.describe();
        if d.selector.is_rule() {
            text.push_str(" — by a rule");
        }
        lines.push(field("decision", cell(&text, 200), theme));
        lines.push(field("reason", cell(&d.reason, 300), theme));
        lines.push(field(
            "decided",
            cell(&format!("{} by {}", d.decided_at, d.decided_by), 200),
            theme,
        ));
    }
    if !history.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("History", theme.dim));
        for e in history {
            let change = match (&e.from, &e.to) {
                (Some(from), Some(to)) => format!(": {from} → {to}"),
                _ => String::new(),
            };
            let reason = e
                .reason
                .as_deref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default();
            lines.push(Line::raw(cell(
                &format!("  {} {} {}{change}{reason}", e.at, e.who, e.action),
                400,
            )));
        }
    }
    if let Some(description) = &f.details.description {
        lines.push(Line::raw(""));
        for l in truncate_chars(&sanitize(description), 20_000).lines() {
            lines.push(Line::raw(l.to_string()));
        }
    }
    if !f.details.references.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("References", theme.dim));
        for r in f.details.references.iter().take(30) {
            lines.push(Line::raw(format!("  {}", cell(r, 300))));
        }
    }
    Text::from(lines)
}

/// How many rows the selected finding's detail takes at `width` columns,
/// wrapped at spaces as the pane wraps it: how far it can scroll.
pub fn detail_height(state: &AppState, width: u16) -> usize {
    let Some((i, data)) = state.selected_finding().zip(state.data.as_ref()) else {
        return 0;
    };
    let key = data.decision_key(i);
    let history = crate::triage::engine::history(&data.triage, &key);
    let text = detail_text(
        &data.findings[i],
        &data.assessments[i],
        data.triage.decisions.get(&key),
        &history,
        state.now,
        &Theme::mono(),
    );
    let width = usize::from(width.max(1));
    text.lines
        .iter()
        .map(|line| {
            let content: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&content, width)
        })
        .sum()
}

/// Rows a line takes when wrapped at spaces to `width` columns (a word
/// longer than the width is broken).
fn wrapped_rows(text: &str, width: usize) -> usize {
    use unicode_width::UnicodeWidthStr;
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.width();
        let needed = if used == 0 { w } else { used + 1 + w };
        if needed <= width {
            used = needed;
        } else if w <= width {
            rows += 1;
            used = w;
        } else {
            // A long word fills what is left and whole rows after it.
            let total = if used == 0 { w } else { used + 1 + w };
            rows += (total - 1) / width;
            used = (total - 1) % width + 1;
        }
    }
    rows
}

fn detail(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Pane::Detail;
    let block = pane_block(" 3 Detail ".into(), focused, theme);
    let selected = state.selected_finding().zip(state.data.as_ref());
    let text = match selected {
        Some((i, data)) => {
            let key = data.decision_key(i);
            let history = crate::triage::engine::history(&data.triage, &key);
            detail_text(
                &data.findings[i],
                &data.assessments[i],
                data.triage.decisions.get(&key),
                &history,
                state.now,
                theme,
            )
        }
        None => Text::styled("Select a finding to see its detail.", theme.dim),
    };
    let para = Paragraph::new(text)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((state.detail_scroll, 0));
    frame.render_widget(para, area);
}

fn footer(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, keymap: &KeyMap) {
    let ctx = super::update::context_of(state);
    let mut spans: Vec<Span> = Vec::new();
    if !state.pending_keys.is_empty() {
        spans.push(Span::styled(
            format!(" {} … ", chord_text(&state.pending_keys)),
            theme.chip,
        ));
    }
    let mut used = spans.iter().map(|s| s.width()).sum::<usize>();
    for (keys, label) in keymap.hints(ctx) {
        let key_text = format!(" {keys}");
        let label_text = format!(" {label} ");
        let w = key_text.chars().count() + label_text.chars().count();
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(key_text, theme.title));
        spans.push(Span::styled(label_text, theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn help_popup(
    frame: &mut Frame,
    area: Rect,
    filter: &str,
    selected: usize,
    theme: &Theme,
    keymap: &KeyMap,
) {
    let w = area.width.saturating_sub(4).min(110);
    let h = area.height.saturating_sub(2).min(34);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    let block = pane_block(
        " Help — type to filter, Enter runs, Esc closes ".into(),
        true,
        theme,
    );
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if inner.height < 3 {
        return;
    }
    let filter_line = Line::from(vec![
        Span::styled("filter: ", theme.dim),
        Span::raw(cell(filter, 80)),
        Span::styled("█", theme.title),
    ]);
    frame.render_widget(
        Paragraph::new(filter_line),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let entries = help_entries(keymap, filter);
    let list_height = inner.height.saturating_sub(1) as usize;
    let selected = selected.min(entries.len().saturating_sub(1));
    let offset = selected.saturating_sub(list_height.saturating_sub(1));
    let rows: Vec<Row> = entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(list_height)
        .map(|(i, (ctx, keys, action))| {
            let row = Row::new([
                ctx.name().to_string(),
                keys.clone(),
                action.name(),
                action.description().to_string(),
            ]);
            highlight(row, i == selected, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(16),
            Constraint::Length(19),
            Constraint::Min(10),
        ],
    );
    frame.render_widget(
        table,
        Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1),
    );
}

/// A style lookup for tests that check colours.
pub fn severity_style(theme: &Theme, s: Severity) -> Style {
    theme.severity(s)
}

fn dialog_popup(frame: &mut Frame, area: Rect, dialog: &super::dialog::Dialog, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(76);
    let rows = dialog.choices.len() as u16
        + dialog.fields.len() as u16 * 2
        + 6
        + u16::from(dialog.gate_note.is_some())
        + u16::from(dialog.kind == super::dialog::DialogKind::Export);
    let h = rows.min(area.height.saturating_sub(2)).max(5);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    let n = if dialog.kind == super::dialog::DialogKind::Export {
        dialog.rows
    } else {
        dialog.targets.len()
    };
    let title = format!(
        " {} — {n} finding{} ",
        dialog.kind.title(),
        if n == 1 { "" } else { "s" }
    );
    let block = pane_block(title, true, theme);
    let mut lines: Vec<Line> = Vec::new();
    let inner = w.saturating_sub(2) as usize;
    if let (true, Some(existing)) = (dialog.confirming, &dialog.exists) {
        lines.push(Line::styled(middle_cell(existing, inner), theme.title));
        lines.push(Line::styled("exists.", theme.warning));
        lines.push(Line::raw(""));
        lines.push(Line::raw(
            "Enter replaces it · Esc goes back to name another file",
        ));
    } else if dialog.confirming {
        lines.push(Line::styled(
            format!("This changes {n} findings."),
            theme.warning,
        ));
        lines.push(Line::raw(""));
        lines.push(Line::raw("Enter saves · Esc goes back"));
    } else {
        for (i, choice) in dialog.choices.iter().enumerate() {
            let marker = if i == dialog.choice { "▸" } else { " " };
            let style = if i == dialog.choice && dialog.focus == 0 {
                theme.selected
            } else if i == dialog.choice {
                theme.title
            } else {
                theme.text
            };
            lines.push(Line::styled(format!("{marker} {} {choice}", i + 1), style));
        }
        if !dialog.choices.is_empty() {
            lines.push(Line::raw(""));
        }
        for (stop, field) in dialog.visible_fields() {
            let focused = dialog.focus == stop;
            let (before, after) = field.line.split();
            let mut spans = vec![Span::styled(
                format!("{}: ", field.label),
                if focused {
                    theme.border_focused
                } else {
                    theme.dim
                },
            )];
            if focused {
                // A proposed value shows dimmed: typing replaces it.
                let text_style = if field.line.is_proposed() {
                    theme.dim
                } else {
                    ratatui::style::Style::default()
                };
                spans.push(Span::styled(cell(before, 200), text_style));
                spans.push(Span::styled("█", theme.border_focused));
                spans.push(Span::styled(cell(after, 200), text_style));
            } else {
                spans.push(Span::raw(cell(field.value(), 200)));
            }
            lines.push(Line::from(spans));
        }
        if dialog.kind == super::dialog::DialogKind::Export {
            // Where it goes, before it goes there.
            let (_, file) = dialog.export_request();
            let full = match &dialog.folder {
                Some(folder) if !file.starts_with('/') => format!("{folder}/{file}"),
                _ => file,
            };
            lines.push(Line::from(vec![
                Span::styled("saves to: ", theme.dim),
                Span::raw(middle_cell(&full, inner.saturating_sub(10))),
            ]));
        }
        lines.push(Line::raw(""));
        if let Some(note) = dialog.gate_note {
            lines.push(Line::styled(note, theme.warning));
        }
        match &dialog.error {
            Some(e) => lines.push(Line::styled(cell(e, 200), theme.warning)),
            None => lines.push(Line::styled(
                "Enter saves · Tab next field · ↑↓ choose · Esc cancels",
                theme.dim,
            )),
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::{end_cell, middle_cell};

    #[test]
    fn names_are_cut_in_the_middle_keeping_their_last_segment() {
        let name = "finance-tracker/backend:1.4.0";
        assert_eq!(middle_cell(name, 30), name);
        assert_eq!(middle_cell(name, 23), "finance-…/backend:1.4.0");
        assert_eq!(middle_cell(name, 22), "finance…/backend:1.4.0");
        assert_eq!(
            middle_cell("finance-tracker/frontend:1.4.0", 20),
            "fina…/frontend:1.4.0"
        );
        assert_eq!(middle_cell("finance-tracker/frontend", 13), "fin…/frontend");
        assert_eq!(middle_cell("finance-tracker/backend", 13), "fina…/backend");
        assert_eq!(middle_cell("ghcr.io/acme/team/api:2", 12), "ghcr.…/api:2");
        assert_eq!(middle_cell("a-very-long-single-name", 9), "a-ve…name");
        assert_eq!(middle_cell("finance-tracker/backend", 10), "…backend");
        assert_eq!(
            middle_cell("finance-tracker/frontend:1.4.0", 10),
            "…frontend"
        );
        assert_eq!(middle_cell("postgres:15.4", 10), "postgres");
        assert_eq!(middle_cell("backend", 7), "backend");
        for width in 0..40 {
            let cut = middle_cell("finance-tracker/frontend:1.4.0", width);
            assert!(cut.chars().count() <= width, "{width}: {cut}");
        }
        assert_eq!(end_cell("docker-scout", 8), "docker-…");
        assert_eq!(end_cell("trivy", 8), "trivy");
    }
}
