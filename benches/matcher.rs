//! The fuzzy matcher the console and the query language use, against the
//! crate scandeck was first specified with: `nucleo-matcher` (what
//! `query::search` runs) and `fuzzy-matcher`'s `SkimMatcherV2`, over the
//! same haystacks (id, aliases, package, version, title of synthetic
//! findings, each distinct text once, as the search index keeps them), one
//! needle per keystroke of a query being typed.
//!
//! ```sh
//! cargo bench --bench matcher            # 100,000 findings
//! cargo bench --bench matcher -- 1000000
//! ```

#[path = "common/mod.rs"]
mod common;

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let findings = common::synthetic_findings(n);
    let mut texts: Vec<String> = findings
        .iter()
        .map(|f| {
            let mut t = f.id.clone();
            for a in &f.aliases {
                t.push(' ');
                t.push_str(a);
            }
            if let Some(p) = &f.package {
                t.push(' ');
                t.push_str(&p.name);
                if let Some(v) = &p.installed {
                    t.push(' ');
                    t.push_str(v);
                }
            }
            t.push(' ');
            t.push_str(f.title());
            t
        })
        .collect();
    texts.sort();
    texts.dedup();
    let utf32: Vec<Utf32String> = texts
        .iter()
        .map(|t| Utf32String::from(t.as_str()))
        .collect();
    println!(
        "{n} findings, {} distinct haystacks; release build; median of 5 passes per needle",
        texts.len()
    );
    println!(
        "| needle | nucleo-matcher | matches | fuzzy-matcher (SkimMatcherV2) | matches | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    let skim = SkimMatcherV2::default();
    let mut matcher = Matcher::new(Config::DEFAULT);
    for needle in [
        "o", "op", "ope", "openssl", "cve-2024", "libss", "pyth req", "zzqx",
    ] {
        let time = |f: &mut dyn FnMut() -> usize| {
            let mut runs: Vec<(f64, usize)> = (0..5)
                .map(|_| {
                    let start = Instant::now();
                    let hits = f();
                    (start.elapsed().as_secs_f64() * 1000.0, hits)
                })
                .collect();
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            runs[2]
        };
        // Every word of the needle must match (as the query language reads it).
        let words: Vec<&str> = needle.split_whitespace().collect();
        let atoms: Vec<Atom> = words
            .iter()
            .map(|w| {
                Atom::new(
                    w,
                    CaseMatching::Ignore,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                    false,
                )
            })
            .collect();
        let (nucleo_ms, nucleo_hits) = time(&mut || {
            utf32
                .iter()
                .filter(|h| {
                    let hay: Utf32Str = h.slice(..);
                    atoms.iter().all(|a| a.score(hay, &mut matcher).is_some())
                })
                .count()
        });
        let (skim_ms, skim_hits) = time(&mut || {
            texts
                .iter()
                .filter(|h| words.iter().all(|w| skim.fuzzy_match(h, w).is_some()))
                .count()
        });
        println!(
            "| `{needle}` | {nucleo_ms:.1} ms | {nucleo_hits} | {skim_ms:.1} ms | {skim_hits} | {:.1}× |",
            skim_ms / nucleo_ms.max(0.001)
        );
    }
}
