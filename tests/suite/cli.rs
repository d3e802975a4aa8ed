//! The command line end to end: import, list in every format, exit codes,
//! the store's guarantees as seen by a user.

use crate::common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/reports");
const CONTRACT_KEYS: [&str; 17] = [
    "fingerprint",
    "kind",
    "id",
    "aliases",
    "severity",
    "title",
    "package",
    "installed_version",
    "fixed_version",
    "target",
    "image",
    "path",
    "line",
    "source",
    "status",
    "first_seen",
    "sla_due",
];

struct Env {
    home: tempfile::TempDir,
    ws: PathBuf,
}

impl Env {
    fn new() -> Env {
        let home = tempfile::tempdir().unwrap();
        let ws = home.path().join("ws");
        std::fs::create_dir_all(&ws).unwrap();
        Env { home, ws }
    }

    fn run(&self, args: &[&str]) -> Output {
        common::scandeck(self.home.path())
            .arg("--workspace")
            .arg(&self.ws)
            .args(args)
            .output()
            .unwrap()
    }

    fn import_demo(&self) {
        let mut args = vec!["import".to_string()];
        let copies = common::demo_reports_into(&self.ws);
        for name in [
            "backend.trivy.json",
            "frontend.grype.json",
            "backend.pip-audit.json",
            "frontend.npm-audit.json",
            "repo.gitleaks.json",
        ] {
            let copy = copies.iter().find(|p| p.ends_with(name)).unwrap();
            args.push(copy.display().to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run(&refs);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = self.run(&[
            "import",
            &format!("{DEMO}/database.scout.sarif"),
            "--image",
            "postgres:15.4",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn list_json(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["list", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn demo_finding_count() -> usize {
    scandeck::demo::REPORTS
        .iter()
        .map(|r| {
            let redactor = common::redactor();
            let ctx = scandeck::ingest::ParseContext {
                redactor: &redactor,
                report_name: r.path,
                image_override: r.image,
            };
            scandeck::ingest::parse_bytes(r.bytes.as_bytes(), &ctx)
                .unwrap()
                .findings
                .len()
        })
        .sum()
}

#[test]
fn list_json_follows_the_contract() {
    let env = Env::new();
    env.import_demo();
    let rows = env.list_json(&[]);
    assert_eq!(rows.len(), demo_finding_count());
    for row in &rows {
        let obj = row.as_object().unwrap();
        for key in CONTRACT_KEYS {
            assert!(obj.contains_key(key), "missing {key} in {row}");
        }
        assert_eq!(row["fingerprint"].as_str().unwrap().len(), 32);
        assert!(row["first_seen"].is_string());
    }
    let scout = rows.iter().find(|r| r["id"] == "CVE-2023-5869").unwrap();
    assert_eq!(scout["image"], "postgres:15.4");
    assert_eq!(scout["source"], "docker-scout");
    assert_eq!(scout["fixed_version"], "15.5-1.pgdg120+1");
    let unknown_fix = rows.iter().find(|r| r["id"] == "CVE-2023-45853").unwrap();
    assert!(unknown_fix["fixed_version"].is_null());
    assert!(unknown_fix["sla_due"].is_string(), "critical has an SLA");
    let low = rows.iter().find(|r| r["id"] == "CVE-2011-3374").unwrap();
    assert!(low["sla_due"].is_null(), "low is not enforced");
}

#[test]
fn filters_narrow_the_list() {
    let env = Env::new();
    env.import_demo();
    let all = env.list_json(&[]).len();
    let crit = env.list_json(&["--severity", "critical"]);
    assert!(!crit.is_empty() && crit.iter().all(|r| r["severity"] == "critical"));
    let high_up = env.list_json(&["--severity", ">=high"]);
    assert!(
        high_up.len() > crit.len()
            && high_up
                .iter()
                .all(|r| r["severity"] == "critical" || r["severity"] == "high")
    );
    let secrets = env.list_json(&["--kind", "secret"]);
    assert_eq!(secrets.len(), 2);
    let grype = env.list_json(&["--source", "grype"]);
    assert!(!grype.is_empty() && grype.iter().all(|r| r["source"] == "grype"));
    let frontend = env.list_json(&["--image", "frontend"]);
    assert!(frontend
        .iter()
        .all(|r| r["target"].as_str().unwrap().contains("frontend")));
    let werkzeug = env.list_json(&["--query", "werkzeug"]);
    assert!(
        werkzeug.len() >= 3
            && werkzeug.iter().all(|r| r["package"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("werkzeug"))
    );
    let by_alias = env.list_json(&["--query", "GHSA-m2qf-hxjv-5gpq"]);
    let ids: Vec<&str> = by_alias.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec!["CVE-2023-30861", "PYSEC-2023-62"],
        "found through their aliases"
    );
    let open = env.list_json(&["--status", "open"]);
    assert_eq!(
        open.len(),
        all,
        "nothing is decided yet: everything is open or overdue"
    );
    let bad = env.run(&["list", "--severity", "urgent"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown severity"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_broken_file_is_reported_and_the_others_still_import() {
    let env = Env::new();
    let broken = env.ws.join("broken.json");
    std::fs::write(&broken, b"{\"SchemaVersion\": 2, \"Results\": [").unwrap();
    let log = env.ws.join("dockle.json");
    std::fs::write(
        &log,
        b"2024-03-02T17:53:43Z\t\x1b[31mFATAL\x1b[0m\tinvalid image\n",
    )
    .unwrap();
    let out = env.run(&[
        "import",
        broken.to_str().unwrap(),
        &format!("{DEMO}/frontend.grype.json"),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("error: broken.json: invalid JSON") && err.contains("EOF"),
        "{err}"
    );
    assert!(
        err.contains("error: dockle.json: not a JSON report"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "errors are sanitised");
    assert!(stdout(&out).contains("imported"), "{}", stdout(&out));
    assert_eq!(env.list_json(&[]).len(), 8);
}

#[test]
fn reimporting_the_same_report_adds_nothing() {
    let env = Env::new();
    let file = format!("{DEMO}/frontend.grype.json");
    assert!(env.run(&["import", &file]).status.success());
    let again = env.run(&["import", &file]);
    assert!(
        stdout(&again).contains("already imported"),
        "{}",
        stdout(&again)
    );
    let index: Value =
        serde_json::from_slice(&std::fs::read(env.ws.join(".scandeck/scans/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["runs"].as_array().unwrap().len(), 1);
    assert_eq!(
        std::fs::read_dir(env.ws.join(".scandeck/scans"))
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                name == "index.json" || name.ends_with(".report")
            })
            .count(),
        2,
        "index + one stored report"
    );
    let stored_runs: i64 =
        rusqlite::Connection::open(env.ws.join(".scandeck/scans/findings.sqlite"))
            .unwrap()
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .unwrap();
    assert_eq!(stored_runs, 1, "one run in the findings store");
    let gitignore = std::fs::read_to_string(env.ws.join(".scandeck/.gitignore")).unwrap();
    assert!(gitignore.contains("scans/"));
}

#[test]
fn a_newer_scan_of_the_same_target_replaces_the_older() {
    let env = Env::new();
    let old = env.ws.join("old.json");
    let new = env.ws.join("new.json");
    let report = |ids: &[&str]| {
        let vulns: Vec<Value> = ids
            .iter()
            .map(|id| serde_json::json!({"VulnerabilityID": id, "PkgName": "openssl", "InstalledVersion": "1", "Severity": "HIGH"}))
            .collect();
        serde_json::json!({"SchemaVersion": 2, "ArtifactName": "shop/api:2", "ArtifactType": "container_image",
            "Results": [{"Target": "shop/api:2 (alpine 3.19)", "Class": "os-pkgs", "Type": "alpine", "Vulnerabilities": vulns}]})
        .to_string()
    };
    std::fs::write(&old, report(&["CVE-2024-1", "CVE-2024-2"])).unwrap();
    std::fs::write(&new, report(&["CVE-2024-2", "CVE-2024-3"])).unwrap();
    assert!(env.run(&["import", old.to_str().unwrap()]).status.success());
    let first = env.list_json(&[]);
    assert!(env.run(&["import", new.to_str().unwrap()]).status.success());
    let rows = env.list_json(&[]);
    let shown: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        vec![
            // What needs work first, what is resolved below it.
            ("CVE-2024-2", "open"),
            ("CVE-2024-3", "open"),
            ("CVE-2024-1", "fixed")
        ],
        "the older finding is gone: fixed"
    );
    let open: Vec<String> = env
        .list_json(&["--status", "open"])
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(open, vec!["CVE-2024-2", "CVE-2024-3"]);
    let kept = env.list_json(&["--query", "CVE-2024-2"]);
    let before = first.iter().find(|r| r["id"] == "CVE-2024-2").unwrap();
    assert_eq!(
        kept[0]["first_seen"], before["first_seen"],
        "first sighting survives the rescan"
    );
}

#[test]
fn csv_is_the_contract_with_formulas_neutralised() {
    let env = Env::new();
    let hostile = env.ws.join("hadolint.json");
    std::fs::write(
        &hostile,
        r#"[{"code":"DL3008","level":"warning","line":4,"column":1,"file":"=HYPERLINK(\"http://evil\")","message":"+cmd|' /C calc'!A0 \u001b]0;PWNED\u0007 done"}]"#,
    )
    .unwrap();
    assert!(env
        .run(&["import", hostile.to_str().unwrap()])
        .status
        .success());
    env.import_demo();
    let out = env.run(&["list", "--format", "csv"]);
    assert!(out.status.success());
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        headers,
        scandeck::export::record::COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), demo_finding_count() + 1);
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']),
                "live formula: {cell:?}"
            );
            assert!(
                !cell.contains('\u{1b}') && !cell.contains('\u{7}'),
                "control in {cell:?}"
            );
        }
    }
}

#[test]
fn table_output_carries_no_escape_sequences() {
    let env = Env::new();
    let hostile = env.ws.join("hadolint.json");
    std::fs::write(
        &hostile,
        r#"[{"code":"DL\u001b[2J3008","level":"error","line":4,"column":1,"file":"Docker\u202efile","message":"pin \u001b]52;c;SGVsbG8=\u0007versions\r\nnext\u009b31m"}]"#,
    )
    .unwrap();
    assert!(env
        .run(&["import", hostile.to_str().unwrap()])
        .status
        .success());
    for format in ["table", "json", "csv"] {
        let out = env.run(&["list", "--format", format]);
        let text = stdout(&out);
        assert!(out.status.success());
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\r'] {
            assert!(
                !text.contains(bad),
                "{format}: {bad:?} reached the output: {text}"
            );
        }
    }
}

#[test]
fn secrets_are_never_stored_or_printed() {
    let env = Env::new();
    env.import_demo();
    let secrets = [
        "AKIAZ4DEMO7EXAMPLEQX",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOKEYQX9",
    ];
    let mut haystacks: Vec<(String, Vec<u8>)> = Vec::new();
    for format in ["table", "json", "csv"] {
        let out = env.run(&["list", "--format", format]);
        haystacks.push((format!("list {format}"), [out.stdout, out.stderr].concat()));
    }
    for file in common::files_under(&env.ws.join(".scandeck")) {
        haystacks.push((file.display().to_string(), std::fs::read(&file).unwrap()));
    }
    for file in common::files_under(env.home.path().join("data").as_path()) {
        haystacks.push((file.display().to_string(), std::fs::read(&file).unwrap()));
    }
    for (name, bytes) in &haystacks {
        let text = String::from_utf8_lossy(bytes);
        for secret in secrets {
            assert!(!text.contains(secret), "{name} holds a secret");
            assert!(
                !text.contains(&secret[4..16]),
                "{name} holds part of a secret"
            );
        }
    }
    let rows = env.list_json(&["--kind", "secret"]);
    assert!(rows
        .iter()
        .all(|r| r["secret"].as_str().unwrap().contains("chars)")));
}

#[test]
fn size_cap_is_a_clear_error() {
    let env = Env::new();
    let out = env.run(&[
        "import",
        "--max-report-size",
        "1000",
        &format!("{DEMO}/backend.trivy.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("size cap of 1000 bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_index_from_a_newer_scandeck_is_never_overwritten() {
    let env = Env::new();
    let index = env.ws.join(".scandeck/scans/index.json");
    std::fs::create_dir_all(index.parent().unwrap()).unwrap();
    let future = br#"{"schema_version": 99, "runs": [], "something_new": true}"#;
    std::fs::write(&index, future).unwrap();
    let out = env.run(&["import", &format!("{DEMO}/frontend.grype.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("newer scandeck"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&index).unwrap(), future);
    let list = env.run(&["list"]);
    assert_eq!(list.status.code(), Some(2));
    assert_eq!(std::fs::read(&index).unwrap(), future);
}

#[test]
fn a_corrupt_index_is_kept_aside_and_rebuilt() {
    let env = Env::new();
    env.import_demo();
    let before = env.list_json(&[]).len();
    let index = env.ws.join(".scandeck/scans/index.json");
    std::fs::write(&index, b"{\"schema_version\": 1, \"runs\": [tru").unwrap();
    let out = env.run(&["list", "--format", "json"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("was unreadable") && stderr(&out).contains("rebuilt"),
        "{}",
        stderr(&out)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), before);
    let kept: Vec<PathBuf> = common::files_under(&env.ws.join(".scandeck/scans"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("index.json.corrupt-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read(&kept[0]).unwrap(),
        b"{\"schema_version\": 1, \"runs\": [tru"
    );
}

fn hadolint_report(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join(format!("hadolint-{n}.json"));
    std::fs::write(&path, format!(r#"[{{"code":"DL{n:04}","level":"warning","line":1,"column":1,"file":"svc{n}/Dockerfile","message":"m"}}]"#)).unwrap();
    path
}

#[test]
fn concurrent_imports_lose_nothing() {
    let env = Env::new();
    let files: Vec<Vec<PathBuf>> = (0..4)
        .map(|p| {
            (0..5)
                .map(|i| hadolint_report(&env.ws, p * 10 + i))
                .collect()
        })
        .collect();
    let children: Vec<std::process::Child> = files
        .iter()
        .map(|batch| {
            let mut cmd = common::scandeck(env.home.path());
            cmd.arg("--workspace").arg(&env.ws).arg("import");
            for f in batch {
                cmd.arg(f);
            }
            cmd.stdout(std::process::Stdio::null()).spawn().unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    // index.json and the runs its journal adds (docs/store.md, "The scan index").
    let (index, _) = scandeck::store::Workspace::at(&env.ws)
        .load_index(&common::redactor())
        .unwrap();
    assert_eq!(index.runs.len(), 20, "every import recorded");
    assert_eq!(env.list_json(&[]).len(), 20);
}

#[test]
fn demo_lists_without_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let out = common::scandeck(home.path())
        .args(["demo", "--list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("CVE-2024-5535") && text.contains("postgres:15.4"),
        "{text}"
    );
}

#[test]
fn the_demo_workspace_keeps_what_was_triaged_until_started_fresh() {
    let home = tempfile::tempdir().unwrap();
    let demo = |extra: &[&str]| {
        let out = common::scandeck(home.path())
            .args(["demo", "--list"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
            .lines()
            .find_map(|l| l.strip_prefix("demo workspace: ").map(str::to_string))
            .unwrap()
    };
    let root = demo(&[]);
    let out = common::scandeck(home.path())
        .args([
            "--workspace",
            &root,
            "triage",
            "snooze",
            "--id",
            "CVE-2024-5535",
            "--until",
            "7d",
            "--reason",
            "kept between runs",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(demo(&[]), root, "the same workspace");
    let decisions =
        || std::fs::read_to_string(Path::new(&root).join(".scandeck/decisions.json")).unwrap();
    assert!(decisions().contains("kept between runs"));
    assert_eq!(demo(&["--fresh"]), root);
    assert!(!decisions().contains("kept between runs"), "started over");
}

#[test]
fn paths_names_every_location() {
    let env = Env::new();
    let out = env.run(&["paths"]);
    let text = stdout(&out);
    for label in [
        "workspace",
        "scan index",
        "config dir",
        "data dir",
        "log file",
        "secret-hash key",
        "secrets allowlist",
    ] {
        assert!(text.contains(label), "{text}");
    }
}

#[test]
fn small_inputs_get_one_clear_line() {
    let env = Env::new();
    // A FIFO nobody writes to: refused at once instead of waiting forever.
    let fifo = env.ws.join("report.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = env.run(&["import", fifo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A size cap that is not a number is named, not ignored.
    let report = format!("{DEMO}/frontend.grype.json");
    let out = common::scandeck(env.home.path())
        .arg("--workspace")
        .arg(&env.ws)
        .args(["import", &report])
        .env("SCANDECK_MAX_REPORT_BYTES", "1GB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("SCANDECK_MAX_REPORT_BYTES=\"1GB\" is not a number"));
    // A reader that stops early: quiet, and the command keeps its own exit code.
    assert!(env.run(&["import", &report]).status.success());
    for (args, code) in [
        (&["gate"][..], 1),
        (&["list"][..], 0),
        (&["checklist"][..], 0),
    ] {
        let mut child = common::scandeck(env.home.path())
            .arg("--workspace")
            .arg(&env.ws)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A workspace that does not exist is created, and the user told so.
    let fresh = env.home.path().join("new-ws");
    let out = common::scandeck(env.home.path())
        .arg("--workspace")
        .arg(&fresh)
        .args(["import", &report])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist yet; creating it"));
}

#[test]
fn absurd_durations_and_sla_days_are_errors_or_never_due_not_crashes() {
    let env = Env::new();
    env.import_demo();
    let out = env.run(&[
        "triage",
        "snooze",
        "--id",
        "CVE-2023-24538",
        "--until",
        "99999999d",
        "--reason",
        "x",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(env.home.path().join("config")).unwrap();
    std::fs::write(
        env.home.path().join("config/config.toml"),
        "[sla]\nhigh_days = 99999999\ncritical_days = 99999999\n",
    )
    .unwrap();
    for args in [
        &["list"][..],
        &["gate"][..],
        &["export", "--format", "html"][..],
    ] {
        let out = env.run(args);
        assert_ne!(
            out.status.code(),
            Some(101),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn exports_write_devices_through_and_replace_files_only_when_told() {
    let env = Env::new();
    env.import_demo();
    // /dev/null stays a device (as root, a rename would have replaced it).
    let out = env.run(&["export", "--format", "csv", "-o", "/dev/null"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    let out = env.run(&["export", "--format", "csv", "-o", "-"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("fingerprint,"));
    let file = env.ws.join("view.csv");
    std::fs::write(&file, "mine").unwrap();
    let out = env.run(&["export", "--format", "csv", "-o", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists; pass --force"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let out = env.run(&[
        "export",
        "--format",
        "csv",
        "-o",
        file.to_str().unwrap(),
        "--force",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("replaced"));
    assert_ne!(std::fs::read_to_string(&file).unwrap(), "mine");
}
