//! Console benchmark at 100k and 1M findings:
//!   * time to first screen (state built from findings: assessments, search
//!     index, tallies, default order; then one frame), and for 100k also from
//!     a workspace holding a Trivy report (load + parse + build + frame);
//!   * per-keystroke time to updated results, median and worst, for fuzzy
//!     and id-like (substring) queries typed one character at a time;
//!   * frame time at 200×50;
//!   * peak RSS (each size runs in its own process).
//!
//! Run: `cargo bench --bench console` (or `-- 100000` for one size).

mod common;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scandeck::query::{language, SortKey};
use scandeck::triage::{Assessment, Status};
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::Msg;
use scandeck::tui::state::AppState;
use scandeck::tui::theme::Theme;
use scandeck::tui::update::update;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let p = |q: f64| ms(v[((v.len() - 1) as f64 * q).round() as usize]);
    (p(0.5), p(0.95), ms(*v.last().unwrap()))
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn first_screen(data: Data) -> (AppState, KeyMap, Duration) {
    let keymap = KeyMap::defaults();
    let start = Instant::now();
    let mut state = AppState::new("bench", (200, 50));
    let _ = update(&mut state, &keymap, Msg::Loaded(Box::new(data)));
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    term.draw(|f| scandeck::tui::ui::draw(f, &state, &Theme::default_ansi(), &keymap))
        .unwrap();
    (state, keymap, start.elapsed())
}

/// Each keystroke's time, with whether its query was fuzzy (any fuzzy word:
/// `C`, `CV` and `CVE` are fuzzy prefixes of the id `CVE-2023-1`).
fn keystrokes(state: &AppState, query: &str) -> Vec<(bool, Duration)> {
    let data = state.data.as_ref().unwrap();
    let order = data.view.index.order(SortKey::Severity, false);
    let latest = AtomicU64::new(1);
    let mut times = Vec::new();
    // As the matcher thread does: each keystroke is told what the last one matched.
    let mut narrowing = None;
    for end in 1..=query.len() {
        // The console keeps the last results while a prefix does not parse (`sev:`).
        let Ok(q) = language::parse(&query[..end]) else {
            continue;
        };
        let t = Instant::now();
        let (rows, matched) = data
            .view
            .index
            .search_within(
                &q,
                &data.view.facts,
                &order,
                None,
                1,
                &latest,
                narrowing.as_ref(),
            )
            .unwrap();
        let fuzzy = q.words.iter().any(|w| !w.substring && !w.negated);
        times.push((fuzzy, t.elapsed()));
        narrowing = matched;
        std::hint::black_box(rows);
    }
    times
}

fn run_size(n: usize) {
    let t = Instant::now();
    let findings = common::synthetic_findings(n);
    let generated = t.elapsed();
    let now = chrono::Utc::now();
    let t = Instant::now();
    let assessments: Vec<Assessment> = findings
        .iter()
        .map(|_| Assessment {
            status: Status::Open,
            first_seen: Some(now),
            sla_due: None,
            decision: None,
        })
        .collect();
    let data = Data::from_parts(findings, assessments, Vec::new(), Vec::new());
    let build = t.elapsed();
    let (mut state, keymap, frame_one) = first_screen(data);
    println!(
        "\n== {n} synthetic findings (generated in {:.0} ms, not counted)",
        ms(generated)
    );
    println!(
        "first screen: build state {:.0} ms + first frame {:.1} ms = {:.0} ms",
        ms(build),
        ms(frame_one),
        ms(build + frame_one)
    );
    let data = state.data.as_ref().unwrap();
    println!(
        "unique haystacks: {} ({:.1}x fewer than findings)",
        data.view.index.unique_haystacks(),
        n as f64 / data.view.index.unique_haystacks() as f64
    );
    let mut fuzzy = Vec::new();
    let mut substring = Vec::new();
    for q in [
        "openssl",
        "buffer overflow",
        "lib12",
        "remote attacker",
        "CVE-2023-1",
        "2021-10",
        "1.2.3",
        "CVE-2014-1001",
        "sev:>=high",
        "sev:>=high image:svc-1",
        "kind:vulnerability fix:no",
    ] {
        for (is_fuzzy, time) in keystrokes(&state, q) {
            if is_fuzzy {
                fuzzy.push(time);
            } else {
                substring.push(time);
            }
        }
    }
    let (f50, f95, fmax) = stats(fuzzy);
    let (s50, s95, smax) = stats(substring);
    println!(
        "keystroke → results, fuzzy:     p50 {f50:.1} ms  p95 {f95:.1} ms  worst {fmax:.1} ms"
    );
    println!("keystroke → results, substring/terms: p50 {s50:.1} ms  p95 {s95:.1} ms  worst {smax:.1} ms");
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let theme = Theme::default_ansi();
    let mut frames = Vec::new();
    for i in 0..300 {
        let _ = update(
            &mut state,
            &keymap,
            Msg::Action(if i % 50 == 49 {
                scandeck::tui::action::Action::PageDown
            } else {
                scandeck::tui::action::Action::MoveDown
            }),
        );
        let t = Instant::now();
        term.draw(|f| scandeck::tui::ui::draw(f, &state, &theme, &keymap))
            .unwrap();
        frames.push(t.elapsed());
    }
    let (r50, r95, rmax) = stats(frames);
    println!("frame 200x50: p50 {r50:.2} ms  p95 {r95:.2} ms  worst {rmax:.2} ms");
    let t = Instant::now();
    let order = state
        .data
        .as_ref()
        .unwrap()
        .view
        .index
        .order(SortKey::Id, false);
    println!(
        "re-sort by id (precomputed ranks): {:.0} ms for {} rows",
        ms(t.elapsed()),
        order.len()
    );
    // What `p` and `t` compute on the UI thread for every row shown.
    let data = state.data.as_ref().unwrap();
    let rows: Vec<_> = data
        .view
        .findings
        .iter()
        .zip(data.view.assessments.iter())
        .collect();
    let t = Instant::now();
    let plan = scandeck::plan::build(&rows, &Default::default());
    println!(
        "fix plan (p) of all rows: {:.0} ms, {} actions",
        ms(t.elapsed()),
        plan.len()
    );
    let all: Vec<u32> = (0..data.view.findings.len() as u32).collect();
    let t = Instant::now();
    let groups = scandeck::tui::panes::groups::groups(
        scandeck::tui::panes::groups::GroupBy::Vulnerability,
        &data.view.findings,
        &all,
    );
    println!(
        "groups by vulnerability (t) of all rows: {:.0} ms, {} groups",
        ms(t.elapsed()),
        groups.len()
    );
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
}

/// Workspace with one Trivy report → load, parse, build, first frame.
fn run_workspace(n: usize) {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let ws_dir = dir.join(format!("console-ws-{n}"));
    let _ = std::fs::remove_dir_all(&ws_dir);
    std::fs::create_dir_all(&ws_dir).unwrap();
    let ws = scandeck::store::Workspace::at(&ws_dir);
    let redactor = scandeck::model::Redactor::with_key([5; 32]);
    {
        let report = common::generate(n);
        let (mut importer, _) =
            scandeck::store::import::Importer::begin(&ws, &redactor, u64::MAX).unwrap();
        importer
            .import_bytes(report.as_bytes(), "fleet.json", None)
            .unwrap();
    }
    let t = Instant::now();
    let current = ws.current_findings(&redactor).unwrap();
    let loaded = t.elapsed();
    let t = Instant::now();
    let data = Data::build(current, chrono::Utc::now());
    let build = t.elapsed();
    let (_, _, frame) = first_screen(data);
    println!("\n== workspace with a {n}-finding Trivy report");
    println!(
        "open → first screen: read+parse {:.0} ms + build {:.0} ms + frame {:.1} ms = {:.0} ms; peak RSS {:.0} MiB",
        ms(loaded),
        ms(build),
        ms(frame),
        ms(loaded + build + frame),
        peak_rss_mib()
    );
    let _ = std::fs::remove_dir_all(&ws_dir);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == "--one") {
        let n: usize = args[pos + 1].parse().unwrap();
        if args.iter().any(|a| a == "--workspace") {
            run_workspace(n);
        } else {
            run_size(n);
        }
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let exe = std::env::current_exe().unwrap();
    for n in sizes {
        let status = std::process::Command::new(&exe)
            .args(["--one", &n.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        if n <= 100_000 {
            let status = std::process::Command::new(&exe)
                .args(["--one", &n.to_string(), "--workspace"])
                .status()
                .unwrap();
            assert!(status.success());
        }
    }
}
