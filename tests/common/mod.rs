//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod console;

use scandeck::ingest::{self, ParseContext, ParsedReport};
use scandeck::model::Redactor;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn redactor() -> Redactor {
    Redactor::with_key([42; 32])
}

pub fn parse(bytes: &[u8], name: &str) -> Result<ParsedReport, ingest::IngestError> {
    let r = redactor();
    let ctx = ParseContext {
        redactor: &r,
        report_name: name,
        image_override: None,
    };
    ingest::parse_bytes(bytes, &ctx)
}

/// `../shared/fixtures/real`, or `None` with the agreed message when absent.
pub fn real_fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no real fixtures ({} is absent)", dir.display());
        None
    }
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Copies a directory tree (the demo project into a test workspace).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The bundled demo reports copied into `dir/reports/` (a report is
/// imported from inside the workspace it belongs to; from outside, one that
/// names no subject is refused). Returns their paths.
pub fn demo_reports_into(dir: &Path) -> Vec<PathBuf> {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/reports");
    let to = dir.join("reports");
    std::fs::create_dir_all(&to).unwrap();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        std::fs::copy(entry.path(), &target).unwrap();
        out.push(target);
    }
    out.sort();
    out
}

/// True once `pid` has exited (a zombie counts: it was killed, only not yet reaped).
pub fn pid_gone(pid: &str) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.split_whitespace().nth(2).is_none_or(|st| st != "Z"));
        if !alive {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The scandeck binary built for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_scandeck"))
}

/// A command for the binary with private config and data directories.
pub fn scandeck(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    cmd.env("SCANDECK_CONFIG_DIR", home.join("config"))
        .env("SCANDECK_DATA_DIR", home.join("data"))
        .env_remove("SCANDECK_MAX_REPORT_BYTES")
        .env_remove("DOCKER_CONTENT_TRUST");
    cmd
}

/// Under `faketime`, every process shares one semaphore that libfaketime
/// takes inside each `stat()`; a child killed at a random point while
/// holding it would hang every other process of the run. Children that a
/// test kills at random run without libfaketime (they never judge dates;
/// docs/testing.md).
pub fn without_faketime(cmd: &mut std::process::Command) {
    cmd.env_remove("LD_PRELOAD")
        .env_remove("FAKETIME")
        .env_remove("FAKETIME_SHARED");
}

/// A fixed moment for tests that show dates and SLA status.
pub fn fixed_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The bundled demo reports parsed in memory, with runs and first sightings
/// pinned to fixed times so that screens are reproducible.
pub fn demo_current() -> scandeck::store::workspace::CurrentFindings {
    use scandeck::store::workspace::{run_record, CurrentFindings};
    let r = redactor();
    let mut current = CurrentFindings::default();
    let mut index = scandeck::store::ScanIndex::default();
    let seen = "2026-11-18T09:00:00.000Z".to_string();
    for report in scandeck::demo::REPORTS {
        let ctx = ParseContext {
            redactor: &r,
            report_name: report.path,
            image_override: report.image,
        };
        let parsed =
            ingest::parse_bytes_from(report.bytes.as_bytes(), &ctx, &report.origin(), None)
                .unwrap();
        let target = scandeck::store::workspace::run_target(&parsed, report.path);
        let mut run = run_record(
            &index,
            &parsed,
            "0000",
            report.path,
            report.bytes.len() as u64,
            report.image,
            fixed_now(),
            &target,
        );
        run.id = index.runs.len() as u64 + 1;
        index.runs.push(run.clone());
        current.runs.push(run);
        for f in &parsed.findings {
            current.triage.sightings.insert(
                f.fingerprint.to_string(),
                scandeck::store::decisions::Sighting {
                    first_seen: seen.clone(),
                    last_seen: seen.clone(),
                    ..Default::default()
                },
            );
        }
        current.findings.extend(parsed.findings);
    }
    current
}

/// A workspace driven through the binary, on day N of March 2026.
pub struct Ws {
    pub home: tempfile::TempDir,
    pub dir: PathBuf,
    n: std::cell::Cell<usize>,
}

impl Ws {
    pub fn new() -> Ws {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("ws");
        std::fs::create_dir_all(&dir).unwrap();
        Ws {
            home,
            dir,
            n: std::cell::Cell::new(0),
        }
    }

    /// Another checkout on the same machine: same user config (and so the
    /// same secret-hash key), another directory.
    pub fn clone_beside(&self, name: &str) -> Ws {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for sub in ["config", "data"] {
            let from = self.home.path().join(sub);
            if from.is_dir() {
                copy_dir(&from, &home.path().join(sub));
            }
        }
        Ws {
            home,
            dir,
            n: std::cell::Cell::new(0),
        }
    }

    pub fn run_at(&self, day: u32, args: &[&str]) -> Output {
        scandeck(self.home.path())
            .arg("--workspace")
            .arg(&self.dir)
            .args(args)
            .env("SCANDECK_ACTOR", "Ana Analyst <ana@example.com>")
            .env("SCANDECK_NOW", format!("2026-03-{:02}T10:00:00Z", day + 1))
            .output()
            .unwrap()
    }

    pub fn ok(&self, day: u32, args: &[&str]) -> String {
        let out = self.run_at(day, args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    pub fn import(&self, day: u32, report: Value) -> String {
        self.n.set(self.n.get() + 1);
        let path = self.dir.join(format!("scan-{}.json", self.n.get()));
        std::fs::write(&path, report.to_string()).unwrap();
        self.ok(day, &["import", path.to_str().unwrap()])
    }

    pub fn list(&self, day: u32, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["list", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run_at(day, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn row(&self, day: u32, id: &str) -> Value {
        self.list(day, &[])
            .into_iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed"))
    }

    pub fn decisions(&self) -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(self.dir.join(".scandeck/decisions.json")).unwrap(),
        )
        .unwrap()
    }
}

/// (id, vendor ids, package, installed version, severity, fixed version)
pub type Vuln<'a> = (
    &'a str,
    &'a [&'a str],
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
);

/// A Trivy image report for `repo:tag`.
pub fn trivy(repo: &str, tag: &str, digest: &str, vulns: &[Vuln]) -> Value {
    let vulns: Vec<Value> = vulns
        .iter()
        .map(|(id, vendor, pkg, ver, sev, fixed)| {
            let mut v = json!({"VulnerabilityID": id, "VendorIDs": vendor, "PkgName": pkg, "InstalledVersion": ver, "Severity": sev, "Title": format!("{id} in {pkg}")});
            if let Some(f) = fixed {
                v["FixedVersion"] = json!(f);
            }
            v
        })
        .collect();
    json!({"SchemaVersion": 2, "ArtifactName": format!("{repo}:{tag}"), "ArtifactType": "container_image",
        "Metadata": {"RepoTags": [format!("{repo}:{tag}")], "RepoDigests": [format!("{repo}@sha256:{digest}")]},
        "Results": [{"Target": format!("{repo}:{tag} (debian 12.4)"), "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": vulns}]})
}

/// Runs a console search synchronously, as the matcher thread would.
pub fn search_done(req: scandeck::tui::msg::SearchRequest) -> scandeck::tui::msg::Msg {
    let latest = std::sync::atomic::AtomicU64::new(req.generation);
    let order = req.index.order_by_work(&req.facts, req.sort, req.reverse);
    let rows = req
        .index
        .search(
            &req.query,
            &req.facts,
            &order,
            req.target,
            req.generation,
            &latest,
        )
        .unwrap();
    scandeck::tui::msg::Msg::SearchDone {
        generation: req.generation,
        rows,
    }
}

/// A console state whose clock is pinned to `fixed_now`, so that screens
/// never depend on the day the tests run.
pub fn state_at(label: &str, size: (u16, u16)) -> scandeck::tui::state::AppState {
    let mut state = scandeck::tui::state::AppState::new(label, size);
    state.now = fixed_now();
    state
}

/// The secret-hash key of `ws`'s installation with the workspace's
/// identity salt, as its commands use them (a store read with another key
/// is rebuilt).
#[allow(dead_code)]
pub fn redactor_of(ws: &Ws) -> Redactor {
    let key =
        scandeck::config::load_or_create_key(&ws.home.path().join("data/secret.key")).unwrap();
    let redactor = Redactor::with_key(key);
    match scandeck::store::Workspace::at(&ws.dir)
        .identity_salt(false)
        .unwrap()
    {
        Some(salt) => redactor.with_identity_salt(salt),
        None => redactor,
    }
}

/// The real DefectDojo `../shared/defectdojo/start.sh` runs: its URL and
/// token from the environment (`.ci/run` exports them) or from the
/// `client.env` start.sh writes. Without one, the test says why it skipped;
/// with `SCANDECK_REQUIRE_DOJO=1` it fails instead.
pub fn dojo() -> Option<(String, String)> {
    let from_env = std::env::var("DOJO_URL")
        .ok()
        .zip(std::env::var("DOJO_TOKEN").ok());
    let from_file = || {
        let home = std::env::var("DOJO_HOME").unwrap_or_else(|_| "/tmp/scandeck-dojo".into());
        let text = std::fs::read_to_string(format!("{home}/client.env")).ok()?;
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")).map(str::to_string))
        };
        get("DOJO_URL").zip(get("DOJO_TOKEN"))
    };
    let found = from_env.or_else(from_file).filter(|(url, token)| {
        std::process::Command::new("curl")
            .args(["-sf", "-o", "/dev/null", "-H"])
            .arg(format!("Authorization: Token {token}"))
            .arg(format!("{url}/api/v2/user_profile/"))
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        let why = "skipped: no DefectDojo answers (run ../shared/defectdojo/start.sh)";
        assert!(std::env::var_os("SCANDECK_REQUIRE_DOJO").is_none(), "{why}");
        eprintln!("{why}");
    }
    found
}
