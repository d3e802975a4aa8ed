//! decisions.json under stress (reliability.md P1–P5): writers killed with
//! SIGKILL, concurrent instances, full and read-only disks, corrupt and
//! future files, the layout migration, and diff quality of the committed file.

use crate::common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const REPORT: &str = r#"{"SchemaVersion":2,"ArtifactName":"shop/api:1","ArtifactType":"container_image",
 "Results":[{"Target":"shop/api:1 (debian 12)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[
  {"VulnerabilityID":"CVE-2026-100","PkgName":"openssl","InstalledVersion":"3.0.1","Severity":"HIGH"},
  {"VulnerabilityID":"CVE-2026-101","PkgName":"zlib1g","InstalledVersion":"1.2","Severity":"CRITICAL"}]}]}"#;

struct Ws {
    home: tempfile::TempDir,
    dir: PathBuf,
}

impl Ws {
    fn new() -> Ws {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("ws");
        std::fs::create_dir_all(&dir).unwrap();
        let ws = Ws { home, dir };
        let report = ws.dir.join("scan.json");
        std::fs::write(&report, REPORT).unwrap();
        assert!(ws
            .cmd(&["import", report.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .success());
        ws
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = common::scandeck(self.home.path());
        c.arg("--workspace")
            .arg(&self.dir)
            .args(args)
            .env("SCANDECK_ACTOR", "P Tester <p@example.com>");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn decisions_path(&self) -> PathBuf {
        self.dir.join(".scandeck/decisions.json")
    }

    fn fingerprint(&self, id: &str) -> String {
        let out = self.run(&["list", "--format", "json"]);
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        rows.iter().find(|r| r["id"] == id).unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn audit_reasons(&self) -> Vec<String> {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(self.decisions_path()).unwrap()).unwrap();
        v["audit"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["reason"].as_str().map(str::to_string))
            .collect()
    }

    fn temps(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.join(".scandeck"))
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.contains(".tmp-"))
            .collect()
    }
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn p1_saves_killed_at_random_points_lose_nothing_acknowledged() {
    let ws = Ws::new();
    let fp = ws.fingerprint("CVE-2026-100");
    let cycles: usize = std::env::var("SCANDECK_P1_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut rng = Lcg(2026);
    let (mut acknowledged, mut killed, mut unparsable) = (Vec::new(), 0, 0);
    for n in 0..cycles {
        let text = format!("note-{n}");
        let mut cmd = ws.cmd(&["triage", "note", "--fingerprint", &fp, "--text", &text]);
        common::without_faketime(&mut cmd);
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % 25_000));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            acknowledged.push(text);
        } else {
            killed += 1;
        }
        if let Ok(bytes) = std::fs::read(ws.decisions_path()) {
            if serde_json::from_slice::<Value>(&bytes).is_err() {
                unparsable += 1;
            }
        }
    }
    let reasons = ws.audit_reasons();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|t| !reasons.contains(t))
        .collect();
    eprintln!("P1: {cycles} cycles, {} acknowledged, {killed} killed mid-run, {unparsable} unparsable files, {} acknowledged lost", acknowledged.len(), lost.len());
    assert_eq!(unparsable, 0);
    assert!(lost.is_empty(), "acknowledged notes lost: {lost:?}");
    assert!(
        killed > 0 && !acknowledged.is_empty(),
        "the kill timing must hit both sides (killed {killed})"
    );
    assert!(
        ws.run(&["triage", "verify"]).status.success(),
        "the chain survives"
    );
}

#[test]
fn p5_four_concurrent_instances_lose_no_decision() {
    let ws = Ws::new();
    let fp = ws.fingerprint("CVE-2026-101");
    let per: usize = std::env::var("SCANDECK_P5_PER_INSTANCE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    std::thread::scope(|scope| {
        for instance in 0..4 {
            let ws = &ws;
            let fp = &fp;
            scope.spawn(move || {
                for n in 0..per {
                    let out = ws.run(&[
                        "triage",
                        "note",
                        "--fingerprint",
                        fp,
                        "--text",
                        &format!("i{instance}-{n}"),
                    ]);
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
    let reasons = ws.audit_reasons();
    let expected = 4 * per;
    let missing = (0..4)
        .flat_map(|i| (0..per).map(move |n| format!("i{i}-{n}")))
        .filter(|t| !reasons.contains(t))
        .count();
    eprintln!("P5: 4 instances x {per} decisions, {missing} lost of {expected}");
    assert_eq!(missing, 0);
    assert_eq!(reasons.len(), expected);
    assert!(ws.run(&["triage", "verify"]).status.success());
    assert!(ws.temps().is_empty(), "{:?}", ws.temps());
}

fn snooze(ws: &Ws, reason: &str) -> Output {
    ws.run(&[
        "triage",
        "snooze",
        "--id",
        "CVE-2026-100",
        "--until",
        "7d",
        "--reason",
        reason,
    ])
}

#[test]
fn p2_a_read_only_file_is_never_replaced() {
    let ws = Ws::new();
    assert!(snooze(&ws, "first").status.success());
    let path = ws.decisions_path();
    let before = std::fs::read(&path).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms.clone()).unwrap();
    let out = snooze(&ws, "second");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NOT saved") && err.contains("read-only"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "byte-identical");
    assert!(ws.temps().is_empty());
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    assert!(snooze(&ws, "third").status.success());
    assert_eq!(
        std::fs::read(path.with_file_name("decisions.json.bak")).unwrap(),
        before,
        "the previous version is kept as .bak"
    );
}

/// Mounts a tmpfs over the workspace's `.scandeck` with `kib` KiB free
/// beside what it holds; `None` when mounting is not allowed.
fn small_disk(ws: &Ws, kib: usize) -> Option<PathBuf> {
    let target = ws.dir.join(".scandeck");
    let saved = ws.home.path().join("saved-scandeck");
    Command::new("cp")
        .arg("-a")
        .arg(&target)
        .arg(&saved)
        .status()
        .ok()?;
    // Each file takes whole 4 KiB pages of a tmpfs.
    let held: u64 = common::files_under(&saved)
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len().div_ceil(4096) * 4))
        .sum();
    let kib = kib as u64 + held;
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
        .arg(&target)
        .status()
        .ok()?
        .success();
    if !ok {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return None;
    }
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cp -a '{}'/. '{}'/",
            saved.display(),
            target.display()
        ))
        .status()
        .ok()?;
    Some(target)
}

fn unmount(path: &Path) {
    let _ = Command::new("umount").arg(path).status();
}

#[test]
fn p2_a_full_disk_and_a_read_only_mount_keep_the_old_file() {
    let ws = Ws::new();
    assert!(snooze(&ws, "before the disk filled").status.success());
    let Some(mount) = small_disk(&ws, 256) else {
        return;
    };
    let path = ws.decisions_path();
    let before = std::fs::read(&path).unwrap();
    // Fill the disk, leaving less room than a new copy of the file needs.
    let filler = mount.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=1024", "count=100000"])
        .arg(format!("of={}", filler.display()))
        .stderr(Stdio::null())
        .status();
    let out = ws.run(&[
        "triage",
        "note",
        "--id",
        "CVE-2026-100",
        "--text",
        &"x".repeat(20_000),
    ]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let intact = std::fs::read(&path).unwrap() == before;
    let temps = ws.temps();
    let _ = std::fs::remove_file(&filler);
    let ro = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&mount)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let ro_out = ro.then(|| {
        ws.run(&[
            "triage",
            "note",
            "--id",
            "CVE-2026-100",
            "--text",
            "on a read-only disk",
        ])
    });
    let ro_intact = std::fs::read(&path).unwrap() == before;
    unmount(&mount);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("NOT saved") && err.contains("No space left"),
        "{err}"
    );
    assert!(intact, "old file byte-identical after ENOSPC");
    assert!(temps.is_empty(), "no temporary files left: {temps:?}");
    if let Some(out) = ro_out {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("NOT saved"), "{err}");
        assert!(
            ro_intact,
            "old file byte-identical on a read-only file system"
        );
    }
}

fn corrupt_variants(valid: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for cut in (1..valid.len()).step_by((valid.len() / 25).max(1)) {
        out.push((format!("truncated at {cut}"), valid[..cut].to_vec()));
    }
    out.push(("empty".into(), Vec::new()));
    out.push(("zero-filled".into(), vec![0u8; valid.len()]));
    out.push(("garbage".into(), b"\xff\xfe\x00garbage\x1b[2J".to_vec()));
    out.push((
        "wrong types".into(),
        br#"{"schema_version": 1, "decisions": [1,2,3]}"#.to_vec(),
    ));
    out.push((
        "unknown older version".into(),
        br#"{"schema_version": 0}"#.to_vec(),
    ));
    out.push(("not an object".into(), b"[]".to_vec()));
    out
}

#[test]
fn p3_corrupt_files_are_quarantined_and_never_overwritten() {
    let ws = Ws::new();
    assert!(snooze(&ws, "good state").status.success());
    assert!(snooze(&ws, "good state 2").status.success());
    let path = ws.decisions_path();
    let valid = std::fs::read(&path).unwrap();
    let bak = std::fs::read(path.with_file_name("decisions.json.bak")).unwrap();
    let variants = corrupt_variants(&valid);
    assert!(variants.len() >= 30);
    for (label, bytes) in variants {
        std::fs::write(&path, &bytes).unwrap();
        std::fs::write(path.with_file_name("decisions.json.bak"), &bak).unwrap();
        let out = ws.run(&["list", "--format", "json"]);
        assert!(out.status.success(), "{label}: the app starts");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("was unreadable")
                && err.contains("restored from scans/decisions.json.journal"),
            "{label}: {err}"
        );
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            rows.iter().any(|r| r["status"] == "snoozed"),
            "{label}: the newest readable copy was loaded"
        );
        let aside: Vec<PathBuf> = common::files_under(&ws.dir.join(".scandeck"))
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("decisions.json.corrupt-")
            })
            .collect();
        assert!(
            aside.iter().any(|p| std::fs::read(p).unwrap() == bytes),
            "{label}: the bad file is kept aside as it was"
        );
        for p in aside {
            std::fs::remove_file(p).unwrap();
        }
    }
}

#[test]
fn p3_a_file_from_a_newer_scandeck_is_read_only() {
    let ws = Ws::new();
    let path = ws.decisions_path();
    let future = br#"{"schema_version": 7, "decisions": {}, "new_feature": [1]}"#;
    std::fs::write(&path, future).unwrap();
    let out = ws.run(&["list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer scandeck"));
    let refused = snooze(&ws, "downgrade attempt");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("NOT saved"));
    assert_eq!(std::fs::read(&path).unwrap(), future, "never overwritten");
}

#[test]
fn p4_sightings_move_from_the_first_index_layout_into_decisions() {
    let ws = Ws::new();
    let index_path = ws.dir.join(".scandeck/scans/index.json");
    let mut index: Value =
        serde_json::from_str(&std::fs::read_to_string(&index_path).unwrap()).unwrap();
    // The first index layout kept first sightings itself, and there was no decisions.json.
    let fp = ws.fingerprint("CVE-2026-100");
    index["first_seen"] = serde_json::json!({ fp.clone(): "2025-01-01T00:00:00.000Z" });
    std::fs::write(&index_path, serde_json::to_string_pretty(&index).unwrap()).unwrap();
    std::fs::remove_file(ws.decisions_path()).unwrap();
    let rows: Vec<Value> =
        serde_json::from_slice(&ws.run(&["list", "--format", "json"]).stdout).unwrap();
    let row = rows.iter().find(|r| r["id"] == "CVE-2026-100").unwrap();
    assert_eq!(
        row["first_seen"], "2025-01-01T00:00:00Z",
        "read from the old layout"
    );
    let other = ws.dir.join("other.json");
    std::fs::write(&other, r#"[{"code":"DL3008","level":"warning","line":1,"column":1,"file":"Dockerfile","message":"pin"}]"#).unwrap();
    assert!(ws
        .run(&["import", other.to_str().unwrap()])
        .status
        .success());
    let decisions: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.decisions_path()).unwrap()).unwrap();
    assert_eq!(
        decisions["sightings"][&fp]["first_seen"], "2025-01-01T00:00:00.000Z",
        "migrated into decisions.json"
    );
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(&index_path).unwrap()).unwrap();
    assert!(
        index.get("first_seen").is_none(),
        "no longer written to the index"
    );
}

#[test]
fn p4_the_golden_file_of_the_current_layout_round_trips_byte_for_byte() {
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/decisions/scenario-after.json"),
    )
    .unwrap();
    let file: scandeck::store::decisions::DecisionFile = serde_json::from_str(&golden).unwrap();
    assert_eq!(scandeck::store::decisions::render(&file), golden);
    assert_eq!(
        scandeck::triage::audit::verify(&file.audit),
        Ok(file.audit.len())
    );
}

/// The decision file of a small scenario, reproduced exactly, and the diff
/// that one changed decision makes.
#[test]
fn the_committed_decision_file_diffs_well() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/decisions");
    let ws = Ws::new();
    let at = |day: u32, args: &[&str]| {
        let out = ws
            .cmd(args)
            .env("SCANDECK_NOW", format!("2026-05-{:02}T09:00:00Z", day))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    at(
        1,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-100",
            "--until",
            "2026-06-01",
            "--reason",
            "openssl 3.0.2 lands with the next base image",
        ],
    );
    at(
        1,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-101",
            "--until",
            "2026-08-01",
            "--approver",
            "Head of Security",
            "--reason",
            "zlib is not reachable from the service",
        ],
    );
    let sightings_free = |text: String| -> String {
        // Sightings and baselines carry import times of this run; compare decisions and audit.
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut file: scandeck::store::decisions::DecisionFile = serde_json::from_value(v).unwrap();
        file.sightings.clear();
        file.baselines.clear();
        scandeck::store::decisions::render(&file)
    };
    let before = sightings_free(std::fs::read_to_string(ws.decisions_path()).unwrap());
    at(
        2,
        &[
            "triage",
            "snooze",
            "--id",
            "CVE-2026-100",
            "--until",
            "2026-06-15",
            "--reason",
            "openssl 3.0.2 lands with the next base image",
        ],
    );
    let after = sightings_free(std::fs::read_to_string(ws.decisions_path()).unwrap());
    if std::env::var_os("SCANDECK_UPDATE_FIXTURES").is_some() {
        std::fs::write(fixtures.join("scenario-before.json"), &before).unwrap();
        std::fs::write(fixtures.join("scenario-after.json"), &after).unwrap();
    }
    assert_eq!(
        before,
        std::fs::read_to_string(fixtures.join("scenario-before.json")).unwrap(),
        "reproducible decision file"
    );
    assert_eq!(
        after,
        std::fs::read_to_string(fixtures.join("scenario-after.json")).unwrap()
    );
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let removed = old.iter().filter(|l| !new.contains(l)).count();
    let added = new.iter().filter(|l| !old.contains(l)).count();
    eprintln!("one changed decision: -{removed} +{added} lines");
    // The decision's changed lines, its link to the new audit entry, the
    // audit head, and the new entry itself.
    assert!(
        removed <= 4 && added <= 6,
        "-{removed} +{added}: a changed decision should be a small diff"
    );
}

/// The sequence that used to lose decisions: a corrupt file is quarantined,
/// then two more writes happen. Every decision that was readable anywhere
/// must still be there, and the `.bak` must never become an empty state.
#[test]
fn writes_after_a_corrupt_file_start_from_the_newest_readable_copy() {
    for round in 0..6 {
        let ws = Ws::new();
        assert!(snooze(&ws, "first decision").status.success());
        let fp = ws.fingerprint("CVE-2026-101");
        let noted = ws.run(&["triage", "note", "--fingerprint", &fp, "--text", "second"]);
        assert!(noted.status.success());
        let path = ws.decisions_path();
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, &good[..good.len() / (2 + round)]).unwrap();
        let listed = ws.run(&["list", "--format", "json"]);
        let told = String::from_utf8_lossy(&listed.stderr).into_owned();
        assert!(
            told.contains("was unreadable")
                && told.contains("restored from scans/decisions.json.journal"),
            "{told}"
        );
        for n in 0..2 {
            let out = ws.run(&[
                "triage",
                "note",
                "--fingerprint",
                &fp,
                "--text",
                &format!("after {n}"),
            ]);
            assert!(out.status.success());
            assert!(
                !String::from_utf8_lossy(&out.stderr).contains("was unreadable"),
                "told once, not on every command"
            );
        }
        let reasons = ws.audit_reasons();
        for expected in ["first decision", "second", "after 0", "after 1"] {
            assert!(
                reasons.iter().any(|r| r == expected),
                "round {round}: {expected} lost: {reasons:?}"
            );
        }
        let bak: Value = serde_json::from_slice(
            &std::fs::read(path.with_file_name("decisions.json.bak")).unwrap(),
        )
        .unwrap();
        assert!(
            bak["decisions"].as_object().is_some_and(|d| !d.is_empty()),
            "round {round}: the .bak still holds the decisions"
        );
        assert!(ws.run(&["triage", "verify"]).status.success());
    }
}

/// Nothing written on this machine is lost to a file overwritten whole
/// (issue 24): three notes, the file replaced by garbage, two more notes —
/// five of five remain, from the journal of this machine's last write.
#[test]
fn an_overwritten_decisions_file_keeps_every_entry_this_machine_wrote() {
    let ws = Ws::new();
    assert!(snooze(&ws, "first decision").status.success());
    let fp = ws.fingerprint("CVE-2026-101");
    let note = |text: &str| {
        let out = ws.run(&["triage", "note", "--fingerprint", &fp, "--text", text]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for n in 1..=3 {
        note(&format!("note {n}"));
    }
    std::fs::write(ws.decisions_path(), b"\x00garbage, not JSON at all\n").unwrap();
    for n in 4..=5 {
        note(&format!("note {n}"));
    }
    let reasons = ws.audit_reasons();
    for n in 1..=5 {
        let text = format!("note {n}");
        assert!(reasons.contains(&text), "{text} lost: {reasons:?}");
    }
    assert!(ws.run(&["triage", "verify"]).status.success());
}
