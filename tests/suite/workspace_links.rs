//! Links inside `.scandeck/` are refused, never followed: a decisions.json
//! pointing at `/dev/zero`, a `scans/` pointing outside the workspace, a
//! `.lock` pointing at a file elsewhere. Each is one line naming the link.

use crate::common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Output;

const REPORT: &str = r#"[{"code":"DL3008","level":"warning","line":1,"column":1,"file":"Dockerfile","message":"pin"}]"#;

fn run(home: &Path, ws: &Path, args: &[&str]) -> Output {
    common::scandeck(home)
        .arg("--workspace")
        .arg(ws)
        .args(args)
        .output()
        .unwrap()
}

fn refused(out: &Output, link: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(link) && err.contains("is a symbolic link"),
        "{err}"
    );
}

fn workspace() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let home = tempfile::tempdir().unwrap();
    let ws = home.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let report = ws.join("hadolint.json");
    std::fs::write(&report, REPORT).unwrap();
    let report = report.display().to_string();
    (home, ws, report)
}

#[test]
fn a_decisions_file_linked_to_dev_zero_is_refused_not_read() {
    let (home, ws, report) = workspace();
    assert!(run(home.path(), &ws, &["import", &report]).status.success());
    let decisions = ws.join(".scandeck/decisions.json");
    std::fs::remove_file(&decisions).ok();
    symlink("/dev/zero", &decisions).unwrap();
    refused(&run(home.path(), &ws, &["list"]), "decisions.json");
    refused(
        &run(home.path(), &ws, &["triage", "verify"]),
        "decisions.json",
    );
}

#[test]
fn a_scans_folder_linked_outside_is_never_written() {
    let (home, ws, report) = workspace();
    let outside = home.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(ws.join(".scandeck")).unwrap();
    symlink(&outside, ws.join(".scandeck/scans")).unwrap();
    let out = run(home.path(), &ws, &["import", &report]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a symbolic link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn a_lock_linked_elsewhere_creates_nothing_there() {
    let (home, ws, report) = workspace();
    std::fs::create_dir_all(ws.join(".scandeck/scans")).unwrap();
    let target = home.path().join("created-by-the-link");
    symlink(&target, ws.join(".scandeck/.lock")).unwrap();
    let out = run(home.path(), &ws, &["import", &report]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a symbolic link"));
    assert!(!target.exists(), "no file at the link's target");
}

#[test]
fn an_index_linked_to_a_device_is_refused() {
    let (home, ws, report) = workspace();
    assert!(run(home.path(), &ws, &["import", &report]).status.success());
    let index = ws.join(".scandeck/scans/index.json");
    std::fs::remove_file(&index).unwrap();
    symlink("/dev/zero", &index).unwrap();
    refused(&run(home.path(), &ws, &["list"]), "index.json");
}
