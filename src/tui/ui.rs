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

/// A name cut from the front when it does not fit: targets differ at their
/// end (`…/backend`, `…/frontend`), not at their shared start.
fn tail_cell(text: &str, width: usize) -> String {
    let mut clean = sanitize_line(text).into_owned();
    if clean.chars().count() > width {
        // An image's tag is the first thing to go: `acme/api:1.4` → `acme/api`.
        let last_slash = clean.rfind('/').map_or(0, |p| p + 1);
        if let Some(colon) = clean[last_slash..].find(':') {
            clean.truncate(last_slash + colon);
        }
    }
    // Then whole leading path segments: `…/frontend`, not `…nance-tracker/frontend`.
    while clean.chars().count() > width {
        let body = clean.strip_prefix("…/").unwrap_or(&clean);
        let Some(slash) = body.find('/') else {
            break;
        };
        clean = format!("…/{}", &body[slash + 1..]);
    }
    let count = clean.chars().count();
    if count <= width || width < 2 {
        return truncate_chars(&clean, width).into_owned();
    }
    let tail: String = clean.chars().skip(count - (width - 1)).collect();
    format!("…{tail}")
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
    if state.scans.open {
        super::tasks_view::draw(frame, area, state, theme);
    }
    if let Some(help) = &state.help {
        help_popup(frame, area, &help.filter, help.selected, theme, keymap);
    }
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
    let line1 = Line::from(vec![
        Span::styled(" scandeck ", theme.chip),
        Span::styled(format!("  {}", cell(&state.workspace, 60)), theme.header),
        Span::styled(format!("   {shown} of {total} findings"), theme.title),
        Span::styled(
            if state.searching() {
                "  (searching…)"
            } else {
                ""
            },
            theme.dim,
        ),
        match &state.gate {
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
        },
        Span::styled(format!("   runs: {runs}"), theme.dim),
        match &state.scans.engine {
            super::tasks::EngineLine::Checking => Span::styled("   docker: checking…", theme.dim),
            super::tasks::EngineLine::Connected(info) => {
                Span::styled(format!("   docker: {}", cell(info, 32)), theme.dim)
            }
            super::tasks::EngineLine::Unavailable { short, .. } => {
                Span::styled(format!("   docker: {short}"), theme.warning)
            }
        },
    ]);
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
        spans.push(Span::styled(
            format!(" {}", cell(status, 80)),
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
                tail_cell(&row.name, name_width),
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
    let header = Row::new(["SCANNER", "TARGET", "FOUND"]).style(theme.title);
    let rows: Vec<Row> = data
        .runs
        .iter()
        .enumerate()
        .skip(state.tasks.offset)
        .take(height)
        .map(|(i, r)| {
            let row = Row::new([
                cell(&r.scanner, 14),
                cell(&r.target, 40),
                r.findings.to_string(),
            ]);
            highlight(row, i == state.tasks.selected && focused, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Min(8),
            Constraint::Length(5),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

/// Which columns fit: severity, id and package always; more as width allows.
fn columns(width: u16, wide_status: bool) -> (Vec<&'static str>, Vec<Constraint>) {
    if width < 70 {
        // A narrow terminal (80×24): status and fix matter more than the
        // title, which the detail pane shows in full.
        return (
            vec!["SEV", "STATUS", "ID", "PACKAGE", "FIXED"],
            vec![
                Constraint::Length(5),
                Constraint::Length(if wide_status { 18 } else { 9 }),
                Constraint::Length(16),
                Constraint::Length(12),
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

fn finding_row<'a>(
    f: &Finding,
    a: &Assessment,
    marked: bool,
    change: Option<&str>,
    names: &[&str],
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
            "ID" => Cell::from(cell(&f.id, 40)),
            "PACKAGE" => Cell::from(cell(
                f.package_name()
                    .filter(|p| !p.is_empty())
                    .or(f.location.path.as_deref())
                    .unwrap_or(""),
                40,
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
            "TARGET" => Cell::from(cell(f.display_target(), 60)),
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
        + u16::from(dialog.gate_note.is_some());
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
    if dialog.confirming {
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
    use super::tail_cell;

    #[test]
    fn target_names_are_cut_from_the_front_by_tag_then_segment() {
        assert_eq!(
            tail_cell("finance-tracker/backend:1.4.0", 30),
            "finance-tracker/backend:1.4.0"
        );
        assert_eq!(
            tail_cell("finance-tracker/backend:1.4.0", 23),
            "finance-tracker/backend"
        );
        assert_eq!(
            tail_cell("finance-tracker/frontend:1.4.0", 23),
            "…/frontend"
        );
        assert_eq!(tail_cell("ghcr.io/acme/team/api:2", 12), "…/team/api");
        assert_eq!(tail_cell("finance-tracker/frontend", 7), "…ontend");
        assert_eq!(tail_cell("backend", 7), "backend");
    }
}
