//! Ingest benchmark: generates Trivy reports of 10k and 100k findings (shaped
//! like a fleet (benches/common): popular CVEs repeat across images, long
//! descriptions, 3–10 references), then measures
//!   * parse in-process (`ingest::parse_bytes`),
//!   * `scandeck import` and `scandeck list --format json` as processes, with peak RSS,
//!   * `jq '[.Results[].Vulnerabilities[]?] | length'` on the same file, when jq is installed.
//!
//! Run: `cargo bench --bench ingest` (optionally `-- 10000` to pick sizes).

mod common;

use common::generate;
use scandeck::ingest::{self, ParseContext};
use scandeck::model::Redactor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Runs a command, returning its wall time and reported peak RSS (KiB).
fn timed(cmd: &mut Command) -> (Duration, Option<u64>) {
    let start = Instant::now();
    let out = cmd.env("SCANDECK_REPORT_RSS", "1").output().expect("spawn");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    let rss = String::from_utf8_lossy(&out.stderr).lines().find_map(|l| {
        l.strip_prefix("peak-rss ")
            .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
    });
    (elapsed, rss)
}

fn bench_size(n: usize, dir: &Path) {
    let file = dir.join(format!("trivy-{n}.json"));
    if !file.exists() {
        let t = Instant::now();
        std::fs::write(&file, generate(n)).unwrap();
        eprintln!(
            "generated {} ({} MiB) in {}",
            file.display(),
            std::fs::metadata(&file).unwrap().len() >> 20,
            ms(t.elapsed())
        );
    }
    let size = std::fs::metadata(&file).unwrap().len();
    let reps = if n >= 100_000 { 5 } else { 7 };
    let bytes = std::fs::read(&file).unwrap();
    let redactor = Redactor::with_key([1; 32]);
    let ctx = ParseContext {
        redactor: &redactor,
        report_name: "bench",
        image_override: None,
    };
    let mut parse_times = Vec::new();
    let mut findings = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let report = ingest::parse_bytes(&bytes, &ctx).unwrap();
        parse_times.push(t.elapsed());
        findings = report.findings.len();
    }
    drop(bytes);

    let bin = PathBuf::from(env!("CARGO_BIN_EXE_scandeck"));
    let home = dir.join(format!("home-{n}"));
    let mut import_times = Vec::new();
    let mut import_rss = 0;
    let mut list_times = Vec::new();
    let mut list_rss = 0;
    for rep in 0..reps {
        let ws = dir.join(format!("ws-{n}-{rep}"));
        let _ = std::fs::remove_dir_all(&ws);
        std::fs::create_dir_all(&ws).unwrap();
        let env = |c: &mut Command| {
            c.env("SCANDECK_DATA_DIR", home.join("data"))
                .env("SCANDECK_CONFIG_DIR", home.join("config"));
        };
        let mut import = Command::new(&bin);
        env(&mut import);
        import
            .arg("--workspace")
            .arg(&ws)
            .arg("import")
            .arg(&file)
            .stdout(std::process::Stdio::null());
        let (t, rss) = timed(&mut import);
        import_times.push(t);
        import_rss = import_rss.max(rss.unwrap_or(0));
        let mut list = Command::new(&bin);
        env(&mut list);
        list.arg("--workspace")
            .arg(&ws)
            .args(["list", "--format", "json"])
            .stdout(std::process::Stdio::null());
        let (t, rss) = timed(&mut list);
        list_times.push(t);
        list_rss = list_rss.max(rss.unwrap_or(0));
        let _ = std::fs::remove_dir_all(&ws);
    }

    let jq = Command::new("jq")
        .arg("--version")
        .output()
        .is_ok()
        .then(|| {
            let mut times = Vec::new();
            let mut count = String::new();
            for _ in 0..3 {
                let t = Instant::now();
                let out = Command::new("jq")
                    .arg("[.Results[].Vulnerabilities[]?] | length")
                    .arg(&file)
                    .output()
                    .unwrap();
                times.push(t.elapsed());
                count = String::from_utf8_lossy(&out.stdout).trim().to_string();
            }
            (median(times), count)
        });

    let mib = size as f64 / (1 << 20) as f64;
    println!(
        "\n== {n} findings, {mib:.1} MiB Trivy JSON ({} runs each)",
        reps
    );
    println!(
        "parse (in-process)        median {:>8}   {:.0} MB/s   {} findings",
        ms(median(parse_times.clone())),
        size as f64 / 1e6 / median(parse_times).as_secs_f64(),
        findings
    );
    println!(
        "scandeck import           median {:>8}   peak RSS {:.0} MiB = {:.2}x file",
        ms(median(import_times)),
        import_rss as f64 / 1024.0,
        import_rss as f64 * 1024.0 / size as f64
    );
    println!(
        "scandeck list --format json median {:>6}   peak RSS {:.0} MiB = {:.2}x file",
        ms(median(list_times)),
        list_rss as f64 / 1024.0,
        list_rss as f64 * 1024.0 / size as f64
    );
    match jq {
        Some((t, count)) => println!(
            "jq '[.Results[].Vulnerabilities[]?] | length'  median {:>8}   -> {count}",
            ms(t)
        ),
        None => println!("jq not installed: comparison skipped"),
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    for n in sizes {
        bench_size(n, &dir);
    }
}
