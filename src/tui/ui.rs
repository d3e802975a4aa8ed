//! Drawing: a pure function of the state. No I/O, no locks; only the rows
//! that fit on screen are built. Every report string is sanitised here.

use super::action::Action;
use super::keymap::{chord_text, KeyMap};
use super::layout::Areas;
use super::state::AppState;
use super::theme::Theme;
use crate::model::Severity;
use crate::sanitize::{sanitize_line, truncate_chars};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row};
use ratatui::Frame;

/// Cell text: one line, sanitised, cut to a sane length.
pub(crate) fn cell(text: &str, max: usize) -> String {
    truncate_chars(&sanitize_line(text), max).into_owned()
}

/// A name cut in its middle when it does not fit: its start and its last
/// path segment stay (`finance-…/backend:1.4.0`), so that names sharing a
/// start (`finance-tracker/backend`, `finance-tracker/frontend`) and names
/// sharing an end (`backend` of two projects) both stay apart. The image
/// tag goes before the start gets shorter than three characters.
/// A message cut in the middle to `width` characters: its start (what
/// happened) and its end (a file name, what to do) stay. Unlike
/// `middle_cell`, no part is read as an image name: "postgres:15.4: not on
/// this engine" is never cut to "postgres".
pub(crate) fn message_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    let chars: Vec<char> = clean.chars().collect();
    if chars.len() <= width {
        return clean.into_owned();
    }
    let tail = width.saturating_sub(1) / 2;
    let head = width.saturating_sub(1 + tail);
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

pub(crate) fn middle_cell(text: &str, width: usize) -> String {
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
pub(crate) fn end_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    if clean.chars().count() <= width || width < 2 {
        return truncate_chars(&clean, width).into_owned();
    }
    let mut out: String = clean.chars().take(width - 1).collect();
    out.push('…');
    out
}

pub(crate) fn severity_label(s: Severity) -> &'static str {
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
        super::panes::query_line::draw(frame, q, state, theme);
    }
    super::panes::targets::draw(frame, a.targets, state, theme);
    super::panes::scans::draw_runs(frame, a.tasks, state, theme);
    super::panes::findings::draw(frame, a.findings, state, theme);
    super::panes::detail::draw(frame, a.detail, state, theme);
    footer(frame, a.footer, state, theme, keymap);
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

/// A centred popup, cleared, with a focused border, its title and its keys
/// along the bottom: `max_width` columns at most and `height` rows (the
/// screen less a margin when `None`). Returns where its content goes.
pub(crate) fn popup(
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
pub(crate) fn highlight<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}

pub(crate) fn pane_block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
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
        state.data.as_ref().map_or(0, |d| d.view.findings.len()),
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
            format!(" {}", message_cell(status, room)),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(vec![line1, Line::from(spans)]), area);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_cut_in_the_middle_never_at_a_colon() {
        let m = "postgres:15.4: not on this Docker engine (its findings came from a report); pull or build it, then r";
        let cut = message_cell(m, 40);
        assert_eq!(cut.chars().count(), 40);
        assert!(
            cut.starts_with("postgres:15.4: not o") && cut.ends_with("or build it, then r"),
            "{cut}"
        );
        assert_eq!(message_cell("short: fits", 40), "short: fits");
    }

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
