//! The detail pane (3): everything known about the selected finding, its
//! decision and its history, scrolled within its content.

use crate::model::Finding;
use crate::sanitize::{sanitize, truncate_chars};
use crate::triage::Assessment;
use crate::tui::state::{AppState, Pane};
use crate::tui::theme::Theme;
use crate::tui::widgets::{cell, pane_block, severity_label};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

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
    // The same finding reported by other scanners or reports: one row.
    for other in f.also.iter().flat_map(|a| a.iter()) {
        let version = other
            .version
            .as_deref()
            .map(|v| format!(" {}", cell(v, 30)))
            .unwrap_or_default();
        lines.push(field(
            "also",
            format!(
                "{}{version} · {}",
                cell(&other.scanner, 30),
                cell(&other.report, 120)
            ),
            theme,
        ));
    }
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
    let history = crate::triage::engine::history(&data.view.triage, &key);
    let text = detail_text(
        &data.view.findings[i],
        &data.view.assessments[i],
        data.view.triage.decisions.get(&key),
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

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Pane::Detail;
    let block = pane_block(" 3 Detail ".into(), focused, theme);
    let selected = state.selected_finding().zip(state.data.as_ref());
    let text = match selected {
        Some((i, data)) => {
            let key = data.decision_key(i);
            let history = crate::triage::engine::history(&data.view.triage, &key);
            detail_text(
                &data.view.findings[i],
                &data.view.assessments[i],
                data.view.triage.decisions.get(&key),
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
