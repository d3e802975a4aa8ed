//! Push and pull of a generated Trivy report against the real DefectDojo
//! of `../shared/defectdojo` (start it first; its URL and token are read
//! from `DOJO_URL`/`DOJO_TOKEN` or `$DOJO_HOME/client.env`):
//!
//! ```sh
//! cargo bench --bench dojo            # 10,000 findings
//! cargo bench --bench dojo -- 2000
//! ```
//!
//! Prints wall time, scandeck's CPU time (DefectDojo does the rest) and the
//! requests sent, for: the first push (reimport plus one decision in ten),
//! a second push (nothing to change), and a pull (dry run).

#[path = "common/mod.rs"]
mod common;
/// The integration tests' helpers: where DefectDojo answers.
#[path = "../tests/common/mod.rs"]
mod test_common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn children_cpu() -> f64 {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
    t(usage.user_time()) + t(usage.system_time())
}

fn scandeck(home: &Path, ws: &Path, token: &str, args: &[&str]) -> (f64, f64, String) {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/scandeck");
    let cpu = children_cpu();
    let start = Instant::now();
    let out = Command::new(bin)
        .arg("--workspace")
        .arg(ws)
        .args(args)
        .env("SCANDECK_CONFIG_DIR", home.join("config"))
        .env("SCANDECK_DATA_DIR", home.join("data"))
        .env("DEFECTDOJO_TOKEN", token)
        .output()
        .expect("spawn scandeck");
    let wall = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (wall, children_cpu() - cpu, text)
}

fn main() {
    let Some((url, token)) = test_common::dojo() else {
        return;
    };
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let build = Command::new("cargo")
        .args(["build", "--release", "--quiet"])
        .status()
        .expect("cargo");
    assert!(build.success());
    let home = tempfile::tempdir().expect("tempdir");
    let ws = home.path().join("ws");
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::create_dir_all(&ws).unwrap();
    let product = format!("scandeck-bench-{}-{n}", std::process::id());
    std::fs::write(
        home.path().join("config/config.toml"),
        format!("[defectdojo]\nurl = \"{url}\"\nproduct = \"{product}\"\n"),
    )
    .unwrap();
    let report = ws.join("trivy.json");
    std::fs::write(&report, common::generate(n)).unwrap();
    scandeck(
        home.path(),
        &ws,
        &token,
        &["import", report.to_str().unwrap()],
    );
    // One decision in ten: false positives, by fingerprint.
    let (_, _, listed) = scandeck(home.path(), &ws, &token, &["list", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let chosen: Vec<String> = rows
        .iter()
        .step_by(10)
        .filter_map(|r| r["fingerprint"].as_str().map(str::to_string))
        .collect();
    for chunk in chosen.chunks(200) {
        let mut args = vec!["triage", "false-positive", "--reason", "bench"];
        for fp in chunk {
            args.push("--fingerprint");
            args.push(fp);
        }
        scandeck(home.path(), &ws, &token, &args);
    }
    println!(
        "DefectDojo at {url}: {} findings, {} decided (release build)",
        rows.len(),
        chosen.len()
    );
    println!("| step | wall | scandeck CPU | requests |");
    println!("|---|---|---|---|");
    for (step, args) in [
        ("push (first)", &["push", "defectdojo"][..]),
        (
            "push (again, nothing to change)",
            &["push", "defectdojo"][..],
        ),
        ("pull (dry run)", &["pull", "defectdojo"][..]),
    ] {
        let (wall, cpu, out) = scandeck(home.path(), &ws, &token, args);
        let requests = out
            .lines()
            .last()
            .and_then(|l| l.split("; ").last())
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or("-")
            .to_string();
        println!("| {step} | {wall:.1} s | {cpu:.2} s | {requests} |");
    }
}
