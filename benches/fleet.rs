//! A fleet: 1,000 images' Trivy reports of 500 findings each (issue 26's
//! second shape, docs/benchmarks.md), measured as a user waits for it:
//!   * `scandeck import` of every report in one call, and file by file into
//!     a fresh workspace (the first and the last hundred imports compared:
//!     the cost of an import must not grow with the runs already stored);
//!   * `scandeck plan` over the 1,000 runs (time, and the size of its output);
//!   * `jq` and a Python `orjson` load over the same files, in the same run.
//!
//! Every figure is the child's wall time and CPU time (user + system, from
//! getrusage). Run: `cargo bench --bench fleet` (or `-- IMAGES PER_IMAGE`).
//! `SCANDECK_BENCH_SKIP=jq,orjson,import,plan,files` leaves parts out (a
//! skipped import reuses the workspace the previous run imported).

mod common;

use nix::sys::resource::{getrusage, UsageWho};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn children_cpu() -> Duration {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    tv(usage.user_time()) + tv(usage.system_time())
}

/// Runs `cmd`: wall, CPU, and its standard output's length.
fn run(cmd: &mut Command) -> (Duration, Duration, usize) {
    let cpu = children_cpu();
    let start = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().expect("spawn");
    let wall = start.elapsed();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (wall, children_cpu().saturating_sub(cpu), out.stdout.len())
}

fn scandeck(home: &Path, ws: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scandeck"));
    cmd.env("SCANDECK_DATA_DIR", home.join("data"))
        .env("SCANDECK_CONFIG_DIR", home.join("config"))
        .arg("--workspace")
        .arg(ws);
    cmd
}

fn s(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let images = args.first().copied().unwrap_or(1000);
    let per_image = args.get(1).copied().unwrap_or(500);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/fleet");
    let reports = root.join(format!("reports-{images}x{per_image}"));
    if !reports.join("done").exists() {
        let _ = std::fs::remove_dir_all(&reports);
        std::fs::create_dir_all(&reports).unwrap();
        for image in 0..images {
            std::fs::write(
                reports.join(format!("svc-{image:04}.json")),
                common::generate_fleet_image(image, per_image),
            )
            .unwrap();
        }
        std::fs::write(reports.join("done"), "").unwrap();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    println!(
        "\n== fleet: {images} reports × {per_image} findings, {:.0} MiB",
        bytes as f64 / (1 << 20) as f64
    );

    let skip = std::env::var("SCANDECK_BENCH_SKIP").unwrap_or_default();
    let skips = |part: &str| skip.split(',').any(|s| s.trim() == part);
    let jq = !skips("jq") && Command::new("jq").arg("--version").output().is_ok();
    if jq {
        let (wall, cpu, _) = run(Command::new("jq")
            .arg("-n")
            .arg("[inputs | .Results[].Vulnerabilities[]?] | length")
            .args(&files));
        println!("jq counting every report: {} wall, {} CPU", s(wall), s(cpu));
    } else {
        println!("jq: skipped (not installed, or SCANDECK_BENCH_SKIP)");
    }
    let orjson = !skips("orjson")
        && Command::new("python3")
            .args(["-c", "import orjson"])
            .output()
            .is_ok_and(|o| o.status.success());
    if orjson {
        let (wall, cpu, _) = run(Command::new("python3")
            .args([
                "-c",
                "import orjson,sys\nn=0\nfor p in sys.argv[1:]:\n    d=orjson.loads(open(p,'rb').read())\n    n+=sum(len(r.get('Vulnerabilities') or []) for r in d['Results'])\nprint(n)",
            ])
            .args(&files));
        println!(
            "python orjson load + count: {} wall, {} CPU",
            s(wall),
            s(cpu)
        );
    } else {
        println!("python orjson: skipped (pip install orjson, or SCANDECK_BENCH_SKIP)");
    }

    // Every report in one call.
    let home = root.join("home");
    let ws = root.join("ws-one-call");
    if !skips("import") || !ws.exists() {
        let _ = std::fs::remove_dir_all(&ws);
        std::fs::create_dir_all(&ws).unwrap();
        let (wall, cpu, _) = run(scandeck(&home, &ws).arg("import").args(&files));
        println!("import, one call: {} wall, {} CPU", s(wall), s(cpu));
    }
    if !skips("plan") {
        plan(&home, &ws, images);
    }
    first_rows(&home, &ws);
    if !skips("files") {
        file_by_file(&home, &root, &files);
    }
}

fn plan(home: &Path, ws: &Path, images: usize) {
    let (wall, cpu, out) = run(scandeck(home, ws).arg("plan"));
    println!(
        "plan over {images} runs: {} wall, {} CPU, {:.0} KB of output",
        s(wall),
        s(cpu),
        out as f64 / 1024.0
    );
    let (wall, cpu, out) = run(scandeck(home, ws).args(["plan", "--format", "json"]));
    println!(
        "plan --format json: {} wall, {} CPU, {:.0} KB of output (lists every finding)",
        s(wall),
        s(cpu),
        out as f64 / 1024.0
    );
}

/// The console's first rows over every run (in-process, as the console's
/// loader reads them).
fn first_rows(home: &Path, ws: &Path) {
    {
        let paths = scandeck::config::Paths {
            config_dir: home.join("config"),
            data_dir: home.join("data"),
        };
        let redactor =
            scandeck::commands::redactor(&paths, ws, false).expect("the secret-hash key");
        let workspace = scandeck::store::Workspace::at(ws);
        let start = Instant::now();
        let top = workspace
            .current_findings_with(&redactor, &scandeck::store::workspace::Selection::Top(500))
            .expect("load")
            .expect("the store answers by index");
        println!(
            "console first rows over {} runs: {:.0} ms ({} rows)",
            top.runs.len(),
            start.elapsed().as_secs_f64() * 1000.0,
            top.findings.len()
        );
    }
}

/// Every report imported by its own `scandeck import`, into a fresh workspace.
fn file_by_file(home: &Path, root: &Path, files: &[PathBuf]) {
    let ws = root.join("ws-file-by-file");
    let _ = std::fs::remove_dir_all(&ws);
    std::fs::create_dir_all(&ws).unwrap();
    let mut each = Vec::with_capacity(files.len());
    let start = Instant::now();
    for f in files {
        let (_, cpu, _) = run(scandeck(home, &ws).arg("import").arg(f));
        each.push(cpu);
    }
    let total: Duration = each.iter().sum();
    let hundred = (files.len() / 10).clamp(1, 100);
    let first: Duration = each[..hundred].iter().sum();
    let last: Duration = each[each.len() - hundred..].iter().sum();
    println!(
        "import, file by file: {} wall, {} CPU; first {hundred}: {}, last {hundred}: {} ({:.2}×)",
        s(start.elapsed()),
        s(total),
        s(first),
        s(last),
        last.as_secs_f64() / first.as_secs_f64().max(1e-9)
    );
}
