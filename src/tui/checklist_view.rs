//! Drawing the checklist view: the items of one list with their state and
//! evidence, a progress bar, and the selected item's details. Pure.

use super::state::{AppState, PromptKind};
use super::theme::Theme;
use crate::checklist::progress::Shown;
use crate::sanitize::sanitize_line;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (Some(panel), Some(data)) = (&state.checklist, &state.data) else {
        return;
    };
    let Some(list) = data.walk.lists.get(panel.list) else {
        return;
    };
    let views = data.walk.views(list);
    let (done, total) = crate::checklist::progress::progress(&views);
    let title = format!(
        " Checklist {}/{}: {} — {done}/{total} {} ",
        panel.list + 1,
        data.walk.lists.len(),
        sanitize_line(&list.title),
        bar(done, total, 12)
    );
    let inner = super::ui::popup(
        frame,
        area,
        140,
        None,
        title,
        " x done · n not applicable · i note · Enter findings · Tab next list · Esc close ",
        theme,
    );
    if inner.height < 8 {
        return;
    }
    // Items first, then the selected item's details; the last two lines
    // hold the gate verdict and the prompt.
    let rows_height = super::walk::list_rows(state)
        .min(views.len())
        .min(inner.height as usize - 7);
    let offset = panel.cursor.offset;
    let rows: Vec<Row> = views
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_height)
        .map(|(i, v)| {
            let style = match v.shown {
                Shown::Failing | Shown::DoneButFailing | Shown::DoneOverride => theme.warning,
                Shown::Done | Shown::NotApplicable => theme.dim,
                Shown::Todo => theme.text,
            };
            let evidence = v
                .evidence
                .map(|e| format!("{}: {}", e.proposal.as_str(), sanitize_line(&e.summary)))
                .unwrap_or_default();
            let row = Row::new([
                v.shown.mark().to_string(),
                sanitize_line(&v.item.title).into_owned(),
                v.shown.label().to_string(),
                evidence,
            ])
            .style(style);
            super::ui::highlight(row, i == panel.cursor.selected, theme)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Percentage(45),
            Constraint::Length(20),
            Constraint::Min(10),
        ],
    );
    frame.render_widget(
        table,
        Rect::new(inner.x, inner.y, inner.width, rows_height as u16),
    );
    let detail_area = Rect::new(
        inner.x,
        inner.y + rows_height as u16 + 1,
        inner.width,
        inner.height - rows_height as u16 - 3,
    );
    let status_area = Rect::new(inner.x, inner.y + inner.height - 2, inner.width, 2);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(v) = views.get(panel.cursor.selected) {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", v.item.id), theme.title),
            Span::raw(sanitize_line(&v.item.title).into_owned()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("why: ", theme.dim),
            Span::raw(sanitize_line(&v.item.why).into_owned()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("verify: ", theme.dim),
            Span::raw(sanitize_line(&v.item.verify).into_owned()),
        ]));
        if let Some(e) = v.evidence {
            lines.push(Line::from(vec![
                Span::styled(format!("check {}: ", e.proposal.as_str()), theme.dim),
                Span::raw(sanitize_line(&e.summary).into_owned()),
            ]));
            for d in e.details.iter().take(6) {
                lines.push(Line::from(format!("  {}", sanitize_line(d))));
            }
        }
        if let Some(r) = v.record {
            let state = if r.overridden {
                "done (override)"
            } else {
                r.state.as_str()
            };
            let mut text = format!("recorded {state} by {} at {}", r.by, r.at);
            if let Some(reason) = &r.reason {
                text.push_str(&format!(" — {reason}"));
            }
            lines.push(Line::from(Span::styled(
                sanitize_line(&text).into_owned(),
                theme.dim,
            )));
            if let Some(note) = &r.note {
                lines.push(Line::from(format!("note: {}", sanitize_line(note))));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        detail_area,
    );
    let mut lines: Vec<Line> = Vec::new();
    if let Some(verdict) = &state.gate {
        let text = if verdict.ready() {
            "release gate: READY".to_string()
        } else {
            format!(
                "release gate: BLOCKED — {}",
                verdict
                    .blocked
                    .iter()
                    .map(|r| r.rule)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let style = if verdict.ready() {
            theme.title
        } else {
            theme.warning
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    if let Some((kind, text)) = &panel.prompt {
        let label = match kind {
            PromptKind::NotApplicable => "not applicable because: ",
            PromptKind::Note => "note: ",
            PromptKind::Override => "the check fails; done anyway because (an override): ",
        };
        lines.push(Line::from(vec![
            Span::styled(label, theme.title.add_modifier(Modifier::BOLD)),
            Span::raw(sanitize_line(text).into_owned()),
            Span::styled("█", theme.title),
            Span::styled("   Enter saves · Esc cancels", theme.dim),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), status_area);
}
