//! Markdown for pull requests and tickets: one table row per finding, every
//! cell escaped so that pipes, newlines, backticks and HTML stay text; only
//! http(s) links.

use super::input::{safe_link, ExportInput};
use crate::sanitize::{sanitize_line, truncate_chars};
use std::fmt::Write as _;

/// Text that renders as itself in a Markdown table cell.
pub fn cell(text: &str) -> String {
    let one_line = sanitize_line(text);
    let mut out = String::with_capacity(one_line.len());
    for c in one_line.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // An entity, so that `@name` never notifies anyone.
            '@' => out.push_str("&#64;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(input: &ExportInput) -> String {
    let h = &input.header;
    let mut out = String::new();
    let _ = writeln!(out, "# Security findings — {}", cell(&h.workspace));
    let _ = writeln!(out);
    let _ = writeln!(out, "**{}**", cell(&input.glance()));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "- Generated: {} by {}",
        cell(&h.generated_at),
        cell(&h.tool)
    );
    let _ = writeln!(out, "- Filter: {}", cell(&h.filter));
    let _ = writeln!(
        out,
        "- Findings: {} ({})",
        h.findings,
        cell(&input.severity_line())
    );
    let _ = writeln!(out, "- Status: {}", cell(&input.status_line()));
    let _ = writeln!(out, "- SLA breaches: {}", h.sla_breaches);
    let _ = writeln!(out, "- Checklist: {}", cell(&h.checklist));
    for gap in &h.not_checked {
        let _ = writeln!(out, "- Not checked: {}", cell(gap));
    }
    let _ = writeln!(out);
    let first = input.plan_lines(5);
    if !first.is_empty() {
        let _ = writeln!(out, "## Fix plan: the most urgent actions");
        let _ = writeln!(out);
        for (i, line) in first.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, cell(line));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "| Severity | Status | ID | Package | Installed → fixed | Target | Title | SLA due | Decision | Link |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for r in input.records() {
        let version = match (&r.installed_version, &r.fixed_version) {
            (Some(i), Some(f)) => format!("{i} → {f}"),
            (Some(i), None) => format!("{i} → no fix"),
            (None, Some(f)) => format!("→ {f}"),
            (None, None) => String::new(),
        };
        let link = r
            .references
            .iter()
            .find_map(|u| safe_link(u))
            // A `|` would end the table cell inside the link.
            .map(|u| format!("[advisory]({})", u.replace('|', "%7C")))
            .unwrap_or_default();
        let title = truncate_chars(r.title.as_deref().unwrap_or(""), 140).into_owned();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&r.severity.to_uppercase()),
            cell(r.status),
            cell(&r.id),
            cell(r.package.as_deref().or(r.path.as_deref()).unwrap_or("")),
            cell(&version),
            cell(&r.target),
            cell(&title),
            cell(r.sla_due.as_deref().unwrap_or("")),
            cell(&r.decision_line().unwrap_or_default()),
            link
        );
    }
    out
}
