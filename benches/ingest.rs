//! Ingest benchmark: generates Trivy reports of 10k and 100k findings (shaped
//! like docs/perf.md's generator: popular CVEs repeat across images, long
//! descriptions, 3–10 references), then measures
//!   * parse in-process (`ingest::parse_bytes`),
//!   * `scandeck import` and `scandeck list --format json` as processes, with peak RSS,
//!   * `jq '[.Results[].Vulnerabilities[]?] | length'` on the same file, when jq is installed.
//!
//! Run: `cargo bench --bench ingest` (optionally `-- 10000` to pick sizes).

use scandeck::ingest::{self, ParseContext};
use scandeck::model::Redactor;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "buffer",
    "overflow",
    "heap",
    "remote",
    "attacker",
    "crafted",
    "request",
    "denial",
    "service",
    "memory",
    "corruption",
    "allows",
    "via",
    "certificate",
    "validation",
    "parser",
    "integer",
    "out-of-bounds",
    "read",
    "write",
    "<script>",
    "&",
    "function",
    "library",
    "before",
    "version",
    "local",
    "privilege",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A deterministic Trivy SchemaVersion 2 report with `n` vulnerabilities.
fn generate(n: usize) -> String {
    let mut rng = Rng(42);
    let pool = (n / 8).clamp(1500, 60_000);
    let images = (n / 500).max(1);
    let mut out = String::with_capacity(n * 3300);
    out.push_str(r#"{"SchemaVersion":2,"Trivy":{"Version":"0.57.1"},"ArtifactName":"fleet/all:1","ArtifactType":"container_image","Metadata":{"RepoTags":["fleet/all:1"]},"Results":["#);
    let per_image = n.div_ceil(images);
    let mut written = 0;
    for img in 0..images {
        if img > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"Target":"fleet/svc-{img}:1.{img} (debian 12.4)","Class":"os-pkgs","Type":"debian","Vulnerabilities":["#
        );
        let count = per_image.min(n - written);
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            // Popularity skew: low ids are much more common.
            let r = rng.below(1 << 20) as f64 / (1u64 << 20) as f64;
            let vuln = ((r * r * r) * pool as f64) as usize;
            let mut vr = Rng(vuln as u64 + 7);
            let sev = [
                "CRITICAL", "HIGH", "HIGH", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "MEDIUM", "MEDIUM",
                "MEDIUM", "MEDIUM", "MEDIUM", "MEDIUM", "LOW", "LOW", "LOW", "LOW", "LOW",
                "UNKNOWN", "CRITICAL",
            ][vr.below(20) as usize];
            let pkg = format!("lib{}-{}", vr.below(4000), rng.below(1_000_000));
            let desc_words = 50 + vr.below(200) as usize;
            let mut description = sentence(&mut vr, desc_words);
            if vuln.is_multiple_of(12) {
                // About one field in twelve needs a JSON escape, as in real reports.
                description.push_str(" \"quoted\"\n\nSee also.");
            }
            let title = sentence(&mut vr, 8);
            let refs: Vec<String> = (0..3 + vr.below(8))
                .map(|k| json_str(&format!("https://example.org/advisory/{vuln}/{k}?a=1&b=2")))
                .collect();
            let fixed = if rng.below(4) > 0 {
                format!(r#""FixedVersion":"2.{}.1","#, rng.below(9))
            } else {
                String::new()
            };
            let _ = write!(
                out,
                r#"{{"VulnerabilityID":"CVE-20{:02}-{}","PkgID":"{pkg}@1.{}","PkgName":"{pkg}","PkgIdentifier":{{"PURL":"pkg:deb/debian/{pkg}@1.{}?arch=amd64","UID":"{:016x}"}},"InstalledVersion":"1.{}",{fixed}"Status":"fixed","Layer":{{"DiffID":"sha256:{:064x}"}},"SeveritySource":"nvd","PrimaryURL":"https://avd.aquasec.com/nvd/cve-{vuln}","DataSource":{{"ID":"debian","Name":"Debian Security Tracker","URL":"https://salsa.debian.org/security-tracker-team/security-tracker"}},"Title":{},"Description":{},"Severity":"{sev}","CweIDs":["CWE-{}"],"VendorSeverity":{{"nvd":3,"debian":2}},"CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","V3Score":7.5}}}},"References":[{}],"PublishedDate":"2023-05-01T10:15:00.000Z","LastModifiedDate":"2024-06-10T17:16:00.000Z"}}"#,
                10 + vuln % 15,
                10000 + vuln,
                vr.below(50),
                vr.below(50),
                rng.next(),
                vr.below(50),
                rng.next() as u128 * 7919,
                json_str(&title),
                json_str(&description),
                20 + vr.below(900),
                refs.join(","),
            );
            written += 1;
        }
        out.push_str("]}");
        if written >= n {
            break;
        }
    }
    out.push_str("]}");
    out
}

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
