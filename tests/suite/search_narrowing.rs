//! Matching that narrows: a keystroke that extends the query tries only
//! what the previous keystroke matched, and must find exactly what a fresh
//! search finds.

use crate::common;

use scandeck::query::{language, SearchIndex, SortKey};
use std::sync::atomic::AtomicU64;

#[test]
fn narrowed_keystrokes_find_exactly_what_fresh_searches_find() {
    let mut findings = common::demo_current().findings;
    if let Some(dir) = common::real_fixtures() {
        for file in common::files_under(&dir.join("trivy")) {
            if let Ok(report) = common::parse(&std::fs::read(&file).unwrap(), "r.json") {
                findings.extend(report.findings);
            }
        }
    } else {
        eprintln!("skipped the real-fixture part: no real fixtures");
    }
    let facts = scandeck::query::index::Facts {
        statuses: vec![scandeck::triage::Status::Open; findings.len()],
        changes: vec![0; findings.len()],
    };
    let index = SearchIndex::build(&findings, &[], &[]);
    let order = index.order(SortKey::Severity, false);
    let latest = AtomicU64::new(1);
    let queries = [
        "openssl",
        "curl overflow",
        "cve-2023-3",
        "lib ssl",
        "zlib !ubuntu",
        "flask 2.2",
        "xml parser",
        "1.1.1",
        "heap buffer",
        "sev:>=high curl",
        "go stdlib",
        "request smug",
    ];
    let mut compared = 0;
    for text in queries {
        let mut narrowing = None;
        for end in 1..=text.len() {
            let Ok(query) = language::parse(&text[..end]) else {
                continue;
            };
            let fresh = index
                .search(&query, &facts, &order, None, 1, &latest)
                .unwrap();
            let (narrowed, matched) = index
                .search_within(&query, &facts, &order, None, 1, &latest, narrowing.as_ref())
                .unwrap();
            assert_eq!(narrowed, fresh, "{:?}", &text[..end]);
            narrowing = matched;
            compared += 1;
        }
    }
    eprintln!(
        "{compared} keystrokes over {} findings agree",
        findings.len()
    );
}
