//! Drawing: a pure function of the state. No I/O, no locks; only the rows
//! that fit on screen are built. Every report string is sanitised here.

use super::action::Action;
use super::keymap::{chord_text, KeyMap};
use super::layout::Areas;
use super::state::AppState;
use super::theme::Theme;
use super::widgets::{cell, message_cell, middle_cell, severity_label};
use crate::model::Severity;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, keymap: &KeyMap) {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.text), area);
    let a = Areas::compute(area, state.shows_query_line(), state.shows_blockers());
    header(frame, a.header, state, theme);
    if a.header.height > 2 {
        let key = keymap
            .keys_for(super::keymap::Context::Global, Action::NextBlocker)
            .into_iter()
            .next()
            .unwrap_or_else(|| "?".into());
        let line = Rect {
            y: a.header.y + 2,
            height: 1,
            ..a.header
        };
        super::panes::blockers::draw(frame, line, state, theme, &key);
    }
    if let Some(q) = a.query {
        super::panes::query_line::draw(frame, q, state, theme);
    }
    super::panes::targets::draw(frame, a.targets, state, theme);
    super::panes::scans::draw_runs(frame, a.tasks, state, theme);
    super::panes::findings::draw(frame, a.findings, state, theme);
    super::panes::detail::draw(frame, a.detail, state, theme);
    if state.command.is_some() {
        super::panes::command_line::draw(frame, area, a.footer, state, theme, keymap);
    } else {
        footer(frame, a.footer, state, theme, keymap);
    }
    if let Some(dialog) = &state.dialog {
        super::panes::dialog::draw(frame, area, dialog, theme);
    }
    if state.checklist.is_some() {
        super::panes::checklist::draw(frame, area, state, theme);
    }
    if state.plan.is_some() {
        super::panes::plan::draw(frame, area, state, theme);
    }
    if state.dojo.is_some() {
        super::panes::dojo::draw(frame, area, state, theme);
    }
    if state.audit.is_some() {
        super::panes::audit::draw(frame, area, state, theme);
    }
    if state.picker.is_some() {
        super::panes::picker::draw(frame, area, state, theme);
    }
    if state.groups.is_some() {
        super::panes::groups::draw(frame, area, state, theme);
    }
    if state.scans.open {
        super::panes::scans::draw_tasks(frame, area, state, theme);
    }
    if let Some(help) = &state.help {
        super::panes::help::draw(frame, area, &help.filter, help.selected, theme, keymap);
    }
}

fn header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (shown, total) = (
        state.visible.len(),
        state.data.as_ref().map_or(0, |d| d.view.findings.len()),
    );
    let runs = state.run_rows();
    let count = Span::styled(
        match state.preview {
            // Part of the set: never read as the whole of it.
            Some(all) => format!("   first {shown} of {all} findings, loading…"),
            None => format!("   {shown} of {total} findings"),
        },
        theme.title,
    );
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
    // What no scan covered: zero findings there is silence, not safety.
    let not_checked = state.data.as_ref().map_or(0, |d| d.walk.not_checked.len());
    let coverage = Span::styled(
        if not_checked > 0 {
            format!("   not checked: {not_checked}")
        } else {
            String::new()
        },
        theme.warning,
    );
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
    let mut right = vec![count, searching, release, coverage, runs, docker];
    let used = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let room = |right: &[Span]| width.saturating_sub(chip.width() + 2 + used(right));
    while right.len() > 4 && room(&right) < 12 {
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
        // While loading: every finding stored, per severity, from the store.
        let n = if state.preview.is_some() {
            state.preview_tally[s as usize]
        } else {
            state.visible_tally[s as usize]
        };
        if n > 0 || matches!(s, Severity::Critical | Severity::High) {
            spans.push(Span::styled(
                format!("{} {n}", severity_label(s)),
                theme.severity(s),
            ));
            spans.push(Span::raw("  "));
        }
    }
    if state.preview.is_some() {
        spans.push(Span::styled("(stored, before decisions)", theme.dim));
        spans.push(Span::raw("  "));
    } else if state.visible_resolved > 0 {
        // Resolved and decided rows are shown apart, never as work.
        spans.push(Span::styled(
            format!("✓ {}", state.visible_resolved),
            theme.dim,
        ));
        spans.push(Span::raw("  "));
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
    if state.work_only {
        chips.push("needs work only".into());
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
    if let Some((_, incoming)) = &state.pending {
        spans.push(Span::styled(
            format!(" {} — U to show ", incoming.told()),
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
            format!(" {}", message_cell(status, room)),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(vec![line1, Line::from(spans)]), area);
}

fn footer(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, keymap: &KeyMap) {
    let ctx = state.context();
    let mut spans: Vec<Span> = Vec::new();
    if !state.pending_keys.is_empty() {
        spans.push(Span::styled(
            format!(" {} … ", chord_text(&state.pending_keys)),
            theme.chip,
        ));
    }
    let mut hints = keymap.hints(ctx);
    // The way to every other key stays on screen whatever the width.
    let help = hints
        .iter()
        .position(|(_, label)| *label == Action::Help.label())
        .map(|at| hints.remove(at))
        // One key says where help is; the palette lists the others.
        .map(|(keys, label)| {
            (
                keys.split('/').next().unwrap_or_default().to_string(),
                label,
            )
        });
    let width = |(keys, label): &(String, &str)| keys.chars().count() + label.chars().count() + 3;
    let mut room = (area.width as usize)
        .saturating_sub(spans.iter().map(|s| s.width()).sum::<usize>())
        .saturating_sub(help.as_ref().map_or(0, width));
    let mut shown = Vec::new();
    for hint in hints {
        let w = width(&hint);
        if w > room {
            break;
        }
        room -= w;
        shown.push(hint);
    }
    shown.extend(help);
    for (keys, label) in shown {
        spans.push(Span::styled(format!(" {keys}"), theme.title));
        spans.push(Span::styled(format!(" {label} "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
