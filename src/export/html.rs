//! HTML: one self-contained, printable file with a sortable table, a strict
//! Content-Security-Policy (no external resources; the one inline script is
//! allowed by its hash), and every value escaped.

use super::input::{safe_link, ExportInput};
use crate::sanitize::{sanitize, sanitize_line};
use base64_lite::encode;
use sha2::{Digest, Sha256};
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

const SCRIPT: &str = r#"document.querySelectorAll('th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var rows = Array.from(body.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1;
    th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.key || a.cells[col].textContent;
      var y = b.cells[col].dataset.key || b.cells[col].textContent;
      return x.localeCompare(y, undefined, {numeric: true}) * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});"#;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}th{cursor:pointer;background:#eee}.critical{color:#a00;font-weight:bold}.high{color:#c40}.medium{color:#a70}.low{color:#06a}details{white-space:pre-wrap}@media print{th{cursor:auto}}";

/// The CSP of the page: nothing external, the inline style, and only our script (by hash).
pub fn content_security_policy() -> String {
    let hash = encode(&Sha256::digest(SCRIPT.as_bytes()));
    format!("default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'")
}

mod base64_lite {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

pub fn render(input: &ExportInput) -> String {
    let h = &input.header;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>Security findings — {}</title>\n<style>{STYLE}</style></head><body>\n",
        escape(&content_security_policy()),
        escape(&h.workspace)
    );
    let _ = writeln!(out, "<h1>Security findings — {}</h1>", escape(&h.workspace));
    let _ = writeln!(out, "<ul><li>Generated {} by {}</li><li>Filter: {}</li><li>Findings: {} ({})</li><li>Status: {}</li><li>SLA breaches: {}</li><li>Checklist: {}</li></ul>",
        escape(&h.generated_at), escape(&h.tool), escape(&h.filter), h.findings, escape(&input.severity_line()), escape(&input.status_line()), h.sla_breaches, escape(&h.checklist));
    out.push_str("<table><thead><tr><th>Severity</th><th>Status</th><th>ID</th><th>Package</th><th>Installed</th><th>Fixed</th><th>Target</th><th>Title</th><th>SLA due</th></tr></thead><tbody>\n");
    for r in input.records() {
        let rank = crate::model::Severity::from_word(r.severity) as u8;
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
            "<tr><td class=\"{sev}\" data-key=\"{rank}\">{SEV}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}<details><summary>detail</summary>{description}\n{}</details></td><td>{}</td></tr>",
            line(r.status),
            line(&r.id),
            line(r.package.as_deref().or(r.path.as_deref()).unwrap_or("")),
            line(r.installed_version.as_deref().unwrap_or("")),
            line(r.fixed_version.as_deref().unwrap_or("")),
            line(&r.target),
            line(r.title.as_deref().unwrap_or("")),
            links.join("<br>"),
            line(r.sla_due.as_deref().unwrap_or("")),
            sev = escape(r.severity),
            SEV = escape(&r.severity.to_uppercase()),
        );
    }
    let _ = write!(
        out,
        "</tbody></table>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64_lite::encode(b""), "");
        assert_eq!(base64_lite::encode(b"f"), "Zg==");
        assert_eq!(base64_lite::encode(b"fo"), "Zm8=");
        assert_eq!(base64_lite::encode(b"foo"), "Zm9v");
        assert_eq!(base64_lite::encode(b"foobar"), "Zm9vYmFy");
    }
}
