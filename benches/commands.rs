//! What a user waits for, on a real workspace holding one generated Trivy
//! report of N findings (docs/benchmarks.md):
//!   * `scandeck import` of the report;
//!   * the console's first screen: open the workspace, read the findings,
//!     assess, index, sort, draw one frame (in-process, from the call that
//!     opens the workspace to the frame);
//!   * `list --severity critical`, `gate`, one `triage note` by fingerprint;
//!   * `export` of every finding as HTML, SARIF and JSON (peak memory);
//!   * `jq` counting the same file, for the ratio.
//!
//! Every process figure is wall time and CPU time (user + system of the
//! child, from getrusage), and peak RSS where scandeck reports it.
//!
//! Run: `cargo bench --bench commands` (100k), or `-- 100000 1000000`.
//! While iterating, `SCANDECK_BENCH_SKIP=jq,orjson,import` leaves out jq, orjson and reuses
//! the workspace the previous run imported; `commands` in the list leaves
//! out everything after the console, `exports` the exports.

mod common;

use nix::sys::resource::{getrusage, UsageWho};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Cost {
    wall: Duration,
    cpu: Duration,
    rss_mib: Option<f64>,
}

fn children_cpu() -> Duration {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    tv(usage.user_time()) + tv(usage.system_time())
}

fn self_cpu() -> Duration {
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage");
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    tv(usage.user_time()) + tv(usage.system_time())
}

fn run(cmd: &mut Command) -> (Cost, String) {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let out = cmd
        .env("SCANDECK_REPORT_RSS", "1")
        .stdin(Stdio::null())
        .output()
        .expect("spawn");
    let wall = start.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let rss_mib = stderr.lines().find_map(|l| {
        l.strip_prefix("peak-rss ")
            .and_then(|v| v.trim_end_matches(" kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    });
    (
        Cost { wall, cpu, rss_mib },
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The median-wall run of `reps`.
fn median_of(reps: usize, mut make: impl FnMut() -> Command) -> (Cost, String) {
    let mut runs: Vec<(Cost, String)> = (0..reps).map(|_| run(&mut make())).collect();
    runs.sort_by_key(|(c, _)| c.wall);
    runs.swap_remove(reps / 2)
}

fn secs(d: Duration) -> String {
    if d < Duration::from_millis(10) {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

fn row(what: &str, cost: &Cost, jq: Option<&Cost>) {
    let ratio = jq
        .map(|j| {
            format!(
                "{:.1}×",
                j.wall.as_secs_f64() / cost.wall.as_secs_f64().max(1e-6)
            )
        })
        .unwrap_or_else(|| "–".into());
    let rss = cost
        .rss_mib
        .map(|m| format!("{m:.0} MiB"))
        .unwrap_or_else(|| "–".into());
    println!(
        "| {what} | {} | {} | {rss} | {ratio} |",
        secs(cost.wall),
        secs(cost.cpu)
    );
}

fn bench(n: usize, dir: &Path) {
    let file = dir.join(format!("trivy-{n}.json"));
    if !file.exists() {
        std::fs::write(&file, common::generate(n)).unwrap();
    }
    let size = std::fs::metadata(&file).unwrap().len();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_scandeck"));
    let home = dir.join(format!("home-{n}"));
    let ws = dir.join(format!("commands-ws-{n}"));
    let skip = std::env::var("SCANDECK_BENCH_SKIP").unwrap_or_default();
    let skips = |part: &str| skip.split(',').any(|s| s.trim() == part);
    let reuse = skips("import") && ws.join(".scandeck").exists();
    if !reuse {
        let _ = std::fs::remove_dir_all(&ws);
        std::fs::create_dir_all(&ws).unwrap();
    }
    let scandeck = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.env("SCANDECK_DATA_DIR", home.join("data"))
            .env("SCANDECK_CONFIG_DIR", home.join("config"))
            .env("SCANDECK_MAX_REPORT_BYTES", (8u64 << 30).to_string())
            .arg("--workspace")
            .arg(&ws)
            .args(args);
        c
    };
    let jq = (!skips("jq") && Command::new("jq").arg("--version").output().is_ok()).then(|| {
        median_of(3, || {
            let mut c = Command::new("jq");
            c.arg("[.Results[].Vulnerabilities[]?] | length").arg(&file);
            c
        })
    });
    let orjson = (!skips("orjson")
        && Command::new("python3")
            .args(["-c", "import orjson"])
            .output()
            .is_ok_and(|o| o.status.success()))
    .then(|| {
        median_of(3, || {
            let mut c = Command::new("python3");
            c.args([
                "-c",
                "import orjson,sys\nd=orjson.loads(open(sys.argv[1],'rb').read())\nprint(sum(len(r.get('Vulnerabilities') or []) for r in d['Results']))",
            ])
            .arg(&file);
            c
        })
        .0
    });
    let import = if reuse {
        None
    } else {
        Some(run(&mut scandeck(&["import", file.to_str().unwrap()])).0)
    };
    let (first_rows, first_rows_cpu) = console_first_rows(&ws, &home);
    let (first_screen, first_cpu, first_rss) = console_first_screen(&ws, &home);
    if skips("commands") {
        if let Some(orjson) = &orjson {
            row("python orjson load + count", orjson, None);
        }
        if let Some(import) = &import {
            row("import", import, jq.as_ref().map(|(c, _)| c));
        }
        println!(
            "console whole set: {} wall, {} CPU, {:.0} B per finding",
            secs(first_screen),
            secs(first_cpu),
            first_rss * 1024.0 * 1024.0 / n as f64
        );
        return;
    }
    let critical_reps = if n >= 1_000_000 { 3 } else { 5 };
    let (list, _) = median_of(critical_reps, || {
        scandeck(&["list", "--severity", "critical"])
    });
    let (list_json, listed) = median_of(critical_reps, || {
        scandeck(&["list", "--severity", "critical", "--format", "json"])
    });
    let criticals = serde_json::from_str::<serde_json::Value>(&listed)
        .ok()
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0);
    let fp = serde_json::from_str::<serde_json::Value>(&listed)
        .ok()
        .and_then(|v| v[0]["fingerprint"].as_str().map(str::to_string))
        .expect("a critical finding");
    let (gate, _) = median_of(critical_reps, || scandeck(&["gate"]));
    let mut note_n = 0;
    let (note, _) = median_of(critical_reps, || {
        note_n += 1;
        scandeck(&[
            "triage",
            "note",
            "--fingerprint",
            &fp,
            "--text",
            &format!("bench {note_n}"),
        ])
    });
    let jq_cost = jq.as_ref().map(|(c, _)| c);
    println!(
        "\n== {n} findings: {:.0} MiB Trivy JSON ({criticals} critical); jq counted {}",
        size as f64 / (1 << 20) as f64,
        jq.as_ref().map(|(_, out)| out.trim()).unwrap_or("(no jq)")
    );
    println!("| what | wall | CPU | peak RSS | jq wall ÷ this |");
    println!("|---|---|---|---|---|");
    if let Some(j) = jq_cost {
        row("jq counting the file", j, None);
    }
    if let Some(orjson) = &orjson {
        row("python orjson load + count", orjson, jq_cost);
    }
    if let Some(import) = &import {
        row("import", import, jq_cost);
    }
    row(
        "console first rows: top 500 by index (in-process)",
        &Cost {
            wall: first_rows,
            cpu: first_rows_cpu,
            rss_mib: None,
        },
        jq_cost,
    );
    row(
        "console whole set loaded and searchable (in-process)",
        &Cost {
            wall: first_screen,
            cpu: first_cpu,
            rss_mib: Some(first_rss),
        },
        jq_cost,
    );
    row("list --severity critical (table)", &list, jq_cost);
    row(
        "list --severity critical --format json (every field)",
        &list_json,
        jq_cost,
    );
    row("gate", &gate, jq_cost);
    row("triage note --fingerprint", &note, jq_cost);
    if !skips("exports") {
        // Every finding, written as it is made (issue 26's memory target).
        for format in ["html", "sarif", "json"] {
            let out = dir.join(format!("export-{n}.{format}"));
            let (cost, _) = run(&mut scandeck(&[
                "export",
                "--format",
                format,
                "--force",
                "-o",
                out.to_str().unwrap(),
            ]));
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::remove_file(&out);
            row(
                &format!("export --format {format} ({:.0} MB)", bytes as f64 / 1e6),
                &cost,
                jq_cost,
            );
        }
    }
    println!(
        "console resident memory: {:.0} B per finding",
        first_rss * 1024.0 * 1024.0 / n as f64
    );
}

/// What the console shows first: the most severe findings read by index,
/// assessed, indexed and drawn.
fn console_first_rows(ws: &Path, home: &Path) -> (Duration, Duration) {
    use scandeck::tui::msg::Msg;
    use scandeck::tui::update::update;
    use scandeck::tui::{data::Data, keymap::KeyMap, state::AppState, theme::Theme};
    let paths = scandeck::config::Paths {
        config_dir: home.join("config"),
        data_dir: home.join("data"),
    };
    let redactor = scandeck::commands::redactor(&paths, ws, false).expect("the secret-hash key");
    let cpu = self_cpu();
    let start = Instant::now();
    let workspace = scandeck::store::Workspace::at(ws);
    let selection = scandeck::store::workspace::Selection::Top(500);
    let current = workspace
        .current_findings_with(&redactor, &selection)
        .expect("load")
        .expect("the store answers by index");
    let total: usize = current.runs.iter().map(|r| r.findings).sum();
    let data = Data::build_with(current, scandeck::clock::now(), &Default::default());
    let keymap = KeyMap::defaults();
    let mut state = AppState::new("bench", (200, 50));
    let _ = update(&mut state, &keymap, Msg::Preview(Box::new(data), total));
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    term.draw(|f| scandeck::tui::ui::draw(f, &state, &Theme::default_ansi(), &keymap))
        .unwrap();
    let wall = start.elapsed();
    // The first screen never shows the rows loaded so far as totals: its
    // header counts every stored finding (issue 25), checked on the frame.
    let header: String = (0..200u16)
        .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(
        header.contains(&format!(
            "first {} of {total} findings, loading…",
            state.visible.len()
        )),
        "{header}"
    );
    assert_eq!(
        state.preview_tally.iter().sum::<usize>(),
        total,
        "the tallies count every stored finding"
    );
    std::hint::black_box(&state);
    (wall, self_cpu().saturating_sub(cpu))
}

/// What the console does before its first rows: open the workspace, read
/// the current findings and decisions, build the view, draw a frame.
fn console_first_screen(ws: &Path, home: &Path) -> (Duration, Duration, f64) {
    use scandeck::tui::msg::Msg;
    use scandeck::tui::update::update;
    use scandeck::tui::{data::Data, keymap::KeyMap, state::AppState, theme::Theme};
    let paths = scandeck::config::Paths {
        config_dir: home.join("config"),
        data_dir: home.join("data"),
    };
    let redactor = scandeck::commands::redactor(&paths, ws, false).expect("the secret-hash key");
    let cpu = self_cpu();
    let start = Instant::now();
    let workspace = scandeck::store::Workspace::at(ws);
    let current = workspace.current_findings(&redactor).expect("load");
    let loaded = start.elapsed();
    let now = scandeck::clock::now();
    let data = Data::build_with(current, now, &scandeck::triage::SlaPolicy::default());
    let built = start.elapsed();
    let keymap = KeyMap::defaults();
    let mut state = AppState::new("bench", (200, 50));
    let _ = update(&mut state, &keymap, Msg::Loaded(Box::new(data)));
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    term.draw(|f| scandeck::tui::ui::draw(f, &state, &Theme::default_ansi(), &keymap))
        .unwrap();
    let wall = start.elapsed();
    eprintln!(
        "first screen: read {} + build {} + state and frame {}",
        secs(loaded),
        secs(built - loaded),
        secs(wall - built)
    );
    let cpu = self_cpu().saturating_sub(cpu);
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0);
    std::hint::black_box(&state);
    (wall, cpu, rss)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000]
    } else {
        sizes
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    for n in sizes {
        bench(n, &dir);
    }
}
