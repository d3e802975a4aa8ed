//! HTML: one self-contained, printable file with a table sortable by radio
//! buttons and CSS alone, a strict Content-Security-Policy (nothing external,
//! no script at all), and every value escaped.

use super::input::{safe_link, ExportInput};
use crate::sanitize::{sanitize, sanitize_line};
use std::fmt::Write as _;

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

/// Each row's position when sorted by `keys` (ties keep the export order).
fn ranks(keys: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].cmp(&keys[*b]).then(a.cmp(b)));
    let mut rank = vec![0; keys.len()];
    for (position, row) in order.into_iter().enumerate() {
        rank[row] = position;
    }
    rank
}

pub fn render(input: &ExportInput) -> String {
    let h = &input.header;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Security findings — {}</title>\n<style>{}</style></head><body>\n",
        escape(&content_security_policy()),
        escape(&h.workspace),
        style()
    );
    let _ = writeln!(out, "<h1>Security findings — {}</h1>", escape(&h.workspace));
    let _ = writeln!(
        out,
        "<p class=\"glance\"><strong>{}</strong></p>",
        escape(&sanitize_line(&input.glance()))
    );
    let _ = writeln!(out, "<ul><li>Generated {} by {}</li><li>Filter: {}</li><li>Findings: {} ({})</li><li>Status: {}</li><li>SLA breaches: {}</li><li>Checklist: {}</li></ul>",
        escape(&h.generated_at), escape(&h.tool), escape(&h.filter), h.findings, escape(&input.severity_line()), escape(&input.status_line()), h.sla_breaches, escape(&h.checklist));
    if !h.not_checked.is_empty() {
        out.push_str("<ul class=\"not-checked\">");
        for gap in &h.not_checked {
            let _ = write!(out, "<li>Not checked: {}</li>", escape(&sanitize_line(gap)));
        }
        out.push_str("</ul>\n");
    }
    let first = input.plan_lines(5);
    if !first.is_empty() {
        out.push_str("<h2>Fix plan: the most urgent actions</h2><ol class=\"first\">");
        for line in first {
            let _ = write!(out, "<li>{}</li>", escape(&sanitize_line(&line)));
        }
        out.push_str("</ol>\n");
    }
    // The inputs precede the table as its siblings, for the `~` selectors.
    out.push_str("<div class=\"sort\">Sort by: </div>");
    for (i, (id, label, _)) in SORTS.iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        let _ = write!(
            out,
            "<input type=\"radio\" name=\"sort\" id=\"{id}\"{checked}><label for=\"{id}\">{label}</label>"
        );
    }
    out.push_str(
        "<input type=\"checkbox\" id=\"reverse\"><label for=\"reverse\">reverse</label>\n",
    );
    out.push_str("<table><thead><tr><th>Severity</th><th>Status</th><th>ID</th><th>Package</th><th>Installed</th><th>Fixed</th><th>Target</th><th>Title</th><th>SLA due</th><th>Decision</th></tr></thead><tbody>\n");
    let records: Vec<_> = input.records().collect();
    let last = |t: Option<&str>| t.map_or_else(|| "\u{10FFFF}".to_string(), str::to_lowercase);
    let keyed = |key: &dyn Fn(&crate::export::Record) -> String| {
        ranks(&records.iter().map(key).collect::<Vec<_>>())
    };
    let by_id = keyed(&|r| r.id.to_lowercase());
    let by_package = keyed(&|r| last(r.package.as_deref().or(r.path.as_deref())));
    let by_target = keyed(&|r| r.target.to_lowercase());
    let by_status = keyed(&|r| r.status.to_string());
    let by_due = keyed(&|r| last(r.sla_due.as_deref()));
    for (i, r) in records.iter().enumerate() {
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
        let _ = writeln!(
            out,
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
    }
    let _ = write!(out, "</tbody></table>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_sort_stably() {
        let keys: Vec<String> = ["b", "a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(ranks(&keys), vec![1, 0, 2, 3]);
    }
}
