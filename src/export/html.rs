//! HTML: one self-contained, printable file with a table sortable by radio
//! buttons and CSS alone, a strict Content-Security-Policy (nothing external,
//! no script at all), and every value escaped.

use super::input::{safe_link, ExportInput};
use crate::intern::Interner;
use crate::sanitize::{sanitize, sanitize_line};
use std::fmt::Write as _;
use std::io::Write;

/// Escapes text for element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Sort keys offered on the page: (input id, label, custom property).
/// The default order is the export's own (severity).
const SORTS: [(&str, &str, &str); 6] = [
    ("by-severity", "severity", "--sev"),
    ("by-id", "id", "--id"),
    ("by-package", "package", "--pkg"),
    ("by-target", "target", "--tgt"),
    ("by-status", "status", "--st"),
    ("by-due", "SLA due", "--due"),
];

/// The table is a CSS grid whose cells take their `order` from the row's
/// rank for the chosen key, so sorting needs no script at all.
fn style() -> String {
    let mut css = String::from(concat!(
        "body{font-family:system-ui,sans-serif;margin:2em;color:#111}",
        "table{display:grid;grid-template-columns:repeat(6,auto) minmax(8em,1fr) minmax(12em,2fr) auto minmax(10em,1.5fr);border-collapse:collapse;width:100%}",
        "thead,tbody,tr{display:contents}",
        "th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}",
        "th{background:#eee;order:-2000000000}",
        "tr{--k:var(--sev)}td{order:var(--k)}",
        "#reverse:checked~table td{order:calc(-1 * var(--k))}",
        ".sort{margin:0 0 1em 0}.sort label{margin-right:1em}",
        ".critical{color:#a00;font-weight:bold}.high{color:#c40}.medium{color:#a70}.low{color:#06a}",
        "details{white-space:pre-wrap}",
        ".glance{font-size:1.15em}",
        "@media print{input,label,.sort{display:none}body{margin:0}th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}}",
        // A phone (a reviewer opening the ticket's link): each finding is a
        // card of labelled lines, in the chosen order, with no sideways scroll.
        "@media screen and (max-width:600px){",
        "body{margin:.6em;overflow-wrap:anywhere}h1{font-size:1.4em}",
        "table{display:flex;flex-direction:column;border:none}",
        "thead{display:none}",
        "tr{display:block;order:var(--k);border:1px solid #ccc;border-radius:6px;margin:0 0 .6em;padding:.3em .5em}",
        "#reverse:checked~table tr{order:calc(-1 * var(--k))}",
        "td{display:block;border:none;padding:2px 0}",
        "td:empty{display:none}",
        "td::before{content:attr(data-label) \": \";font-weight:bold;color:#444}",
        "td:first-child::before{content:none}",
        ".sort label{display:inline-block;padding:.3em .2em}",
        "}",
    ));
    for (id, _, var) in SORTS {
        css.push_str(&format!("#{id}:checked~table tr{{--k:var({var})}}"));
    }
    css
}

/// The CSP of the page: nothing external, no script, only the inline style.
pub fn content_security_policy() -> String {
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'".to_string()
}

/// Each row's sort key, as the id of its text: four bytes a row.
#[derive(Default)]
struct Keys {
    texts: Interner,
    of_row: Vec<u32>,
}

impl Keys {
    fn push(&mut self, key: &str) {
        let id = self.texts.id(key);
        self.of_row.push(id);
    }

    /// Each row's position when sorted by its key (ties keep the export order).
    fn ranks(&self) -> Vec<u32> {
        let text_rank = self.texts.ranks(str::cmp);
        let mut order: Vec<u32> = (0..self.of_row.len() as u32).collect();
        order.sort_by_key(|row| text_rank[self.of_row[*row as usize] as usize]);
        let mut rank = vec![0u32; order.len()];
        for (position, row) in order.into_iter().enumerate() {
            rank[row as usize] = position as u32;
        }
        rank
    }
}

/// Writes the page a row at a time: the sort keys are read first (four
/// bytes a row and key), each row's record is made as it is written.
pub fn write(out: &mut dyn Write, input: &ExportInput) -> std::io::Result<()> {
    let h = &input.header;
    let mut head = String::new();
    let _ = write!(
        head,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Security findings — {}</title>\n<style>{}</style></head><body>\n",
        escape(&content_security_policy()),
        escape(&h.workspace),
        style()
    );
    let _ = writeln!(
        head,
        "<h1>Security findings — {}</h1>",
        escape(&h.workspace)
    );
    let _ = writeln!(
        head,
        "<p class=\"glance\"><strong>{}</strong></p>",
        escape(&sanitize_line(&input.glance()))
    );
    let _ = writeln!(head, "<ul><li>Generated {} by {}</li><li>Filter: {}</li><li>Findings: {} ({})</li><li>Status: {}</li><li>SLA breaches: {}</li><li>Checklist: {}</li></ul>",
        escape(&h.generated_at), escape(&h.tool), escape(&h.filter), h.findings, escape(&input.severity_line()), escape(&input.status_line()), h.sla_breaches, escape(&h.checklist));
    if !h.not_checked.is_empty() {
        head.push_str("<ul class=\"not-checked\">");
        for gap in &h.not_checked {
            let _ = write!(
                head,
                "<li>Not checked: {}</li>",
                escape(&sanitize_line(gap))
            );
        }
        head.push_str("</ul>\n");
    }
    let first = input.plan_lines(5);
    if !first.is_empty() {
        head.push_str("<h2>Fix plan: the most urgent actions</h2><ol class=\"first\">");
        for line in first {
            let _ = write!(head, "<li>{}</li>", escape(&sanitize_line(&line)));
        }
        head.push_str("</ol>\n");
    }
    // The inputs precede the table as its siblings, for the `~` selectors.
    head.push_str("<div class=\"sort\">Sort by: </div>");
    for (i, (id, label, _)) in SORTS.iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        let _ = write!(
            head,
            "<input type=\"radio\" name=\"sort\" id=\"{id}\"{checked}><label for=\"{id}\">{label}</label>"
        );
    }
    head.push_str(
        "<input type=\"checkbox\" id=\"reverse\"><label for=\"reverse\">reverse</label>\n",
    );
    head.push_str("<table><thead><tr><th>Severity</th><th>Status</th><th>ID</th><th>Package</th><th>Installed</th><th>Fixed</th><th>Target</th><th>Title</th><th>SLA due</th><th>Decision</th></tr></thead><tbody>\n");
    out.write_all(head.as_bytes())?;
    let last = |t: Option<&str>| t.map_or_else(|| "\u{10FFFF}".to_string(), str::to_lowercase);
    let (mut by_id, mut by_package, mut by_target, mut by_status, mut by_due) = (
        Keys::default(),
        Keys::default(),
        Keys::default(),
        Keys::default(),
        Keys::default(),
    );
    for (f, a) in &input.rows {
        let r = crate::export::Record::brief_at(f, a, input.now);
        by_id.push(&r.id.to_lowercase());
        by_package.push(&last(r.package.as_deref().or(r.path.as_deref())));
        by_target.push(&r.target.to_lowercase());
        by_status.push(r.status);
        by_due.push(&last(r.sla_due.as_deref()));
    }
    let (by_id, by_package, by_target, by_status, by_due) = (
        by_id.ranks(),
        by_package.ranks(),
        by_target.ranks(),
        by_status.ranks(),
        by_due.ranks(),
    );
    let mut row = String::new();
    for (i, r) in input.records().enumerate() {
        let line = |s: &str| escape(&sanitize_line(s));
        let links: Vec<String> = r
            .references
            .iter()
            .filter_map(|u| safe_link(u))
            .take(5)
            .map(|u| {
                format!(
                    "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
                    escape(u),
                    escape(u)
                )
            })
            .collect();
        let description = r
            .description
            .as_deref()
            .map(|d| escape(&sanitize(d)))
            .unwrap_or_default();
        row.clear();
        let _ = writeln!(
            row,
            "<tr style=\"--sev:{i};--id:{};--pkg:{};--tgt:{};--st:{};--due:{}\"><td class=\"{sev}\">{SEV}</td><td data-label=\"Status\">{}</td><td data-label=\"ID\">{}</td><td data-label=\"Package\">{}</td><td data-label=\"Installed\">{}</td><td data-label=\"Fixed\">{}</td><td data-label=\"Target\">{}</td><td data-label=\"Title\">{}<details><summary>detail</summary>{description}\n{}</details></td><td data-label=\"SLA due\">{}</td><td data-label=\"Decision\">{}</td></tr>",
            by_id[i],
            by_package[i],
            by_target[i],
            by_status[i],
            by_due[i],
            line(r.status),
            line(&r.id),
            line(r.package.as_deref().or(r.path.as_deref()).unwrap_or("")),
            line(r.installed_version.as_deref().unwrap_or("")),
            line(r.fixed_version.as_deref().unwrap_or("")),
            line(&r.target),
            line(r.title.as_deref().unwrap_or("")),
            links.join("<br>"),
            line(r.sla_due.as_deref().unwrap_or("")),
            line(&r.decision_line().unwrap_or_default()),
            sev = escape(r.severity),
            SEV = escape(&r.severity.to_uppercase()),
        );
        out.write_all(row.as_bytes())?;
    }
    out.write_all(b"</tbody></table>\n</body></html>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_sort_stably() {
        let mut keys = Keys::default();
        for key in ["b", "a", "b", "c"] {
            keys.push(key);
        }
        assert_eq!(keys.ranks(), vec![1, 0, 2, 3]);
    }
}
