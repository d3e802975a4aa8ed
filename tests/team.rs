//! The team's engines (issue 24): decisions made on two branches merge in
//! real `git merge` runs, with scandeck's merge driver and without it
//! (`triage resolve`); secret decisions follow a clone to another
//! installation.

mod common;

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

const REPORT: &str = r#"{"SchemaVersion":2,"ArtifactName":"shop/api:1","ArtifactType":"container_image",
 "Results":[{"Target":"shop/api:1 (debian 12)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[
  {"VulnerabilityID":"CVE-2026-100","PkgName":"openssl","InstalledVersion":"3.0.1","Severity":"HIGH"},
  {"VulnerabilityID":"CVE-2026-101","PkgName":"zlib1g","InstalledVersion":"1.2","Severity":"CRITICAL"},
  {"VulnerabilityID":"CVE-2026-102","PkgName":"curl","InstalledVersion":"7.88","Severity":"MEDIUM"}]}]}"#;

/// A git repository with a scandeck workspace in it, driven as one person
/// or another.
struct Repo {
    home: tempfile::TempDir,
    dir: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("repo");
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Repo { home, dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        std::fs::write(repo.dir.join("scan.json"), REPORT).unwrap();
        repo.ok("Ana <ana@example.com>", 1, &["import", "scan.json"]);
        repo
    }

    fn git_output(&self, args: &[&str]) -> Output {
        Command::new("git")
            .args(args)
            .current_dir(&self.dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.home.path())
            .output()
            .unwrap()
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn run(&self, who: &str, day: u32, args: &[&str]) -> Output {
        common::scandeck(self.home.path())
            .current_dir(&self.dir)
            .args(args)
            .env("SCANDECK_ACTOR", who)
            .env("SCANDECK_NOW", format!("2026-03-{day:02}T10:00:00Z"))
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
    }

    fn ok(&self, who: &str, day: u32, args: &[&str]) -> String {
        let out = self.run(who, day, args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    fn fingerprint(&self, id: &str) -> String {
        let rows: Vec<Value> = serde_json::from_str(&self.ok(
            "Ana <ana@example.com>",
            1,
            &["list", "--format", "json"],
        ))
        .unwrap();
        rows.iter().find(|r| r["id"] == id).unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn decisions_path(&self) -> PathBuf {
        self.dir.join(".scandeck/decisions.json")
    }

    fn decisions(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.decisions_path()).unwrap()).unwrap()
    }

    fn verify(&self) -> Output {
        self.run("Ana <ana@example.com>", 9, &["triage", "verify"])
    }
}

/// Two branches triage the same findings; one finding is decided on both.
/// Returns the fingerprints (decided by Ana only, by Bob only, by both).
fn two_branches(repo: &Repo) -> [String; 3] {
    let [a, b, both] =
        ["CVE-2026-100", "CVE-2026-101", "CVE-2026-102"].map(|id| repo.fingerprint(id));
    repo.commit("base");
    let ana = "Ana <ana@example.com>";
    let bob = "Bob <bob@example.com>";
    repo.git(&["checkout", "-q", "-b", "ana"]);
    repo.ok(
        ana,
        2,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &a,
            "--reason",
            "ana: not our openssl",
        ],
    );
    repo.ok(
        ana,
        2,
        &[
            "triage",
            "snooze",
            "--fingerprint",
            &both,
            "--until",
            "30d",
            "--reason",
            "ana: snooze curl",
        ],
    );
    repo.commit("ana triages");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "bob"]);
    repo.ok(
        bob,
        3,
        &[
            "triage",
            "accept",
            "--fingerprint",
            &b,
            "--reason",
            "bob: behind the proxy",
            "--approver",
            "Carol CISO",
            "--until",
            "30d",
        ],
    );
    repo.ok(
        bob,
        3,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &both,
            "--reason",
            "bob: curl not shipped",
        ],
    );
    repo.commit("bob triages");
    repo.git(&["checkout", "-q", "ana"]);
    [a, b, both]
}

/// What both branches decided is there after the merge, the later of the
/// two decisions on one finding is kept with both in the log, the joined
/// log verifies, and an edit on either side's entries is still caught.
fn assert_merged(repo: &Repo, fps: &[String; 3]) {
    let [a, b, both] = fps;
    let verified = repo.verify();
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let file = repo.decisions();
    let decision = |fp: &str| file["decisions"][format!("finding:{fp}")].clone();
    assert_eq!(decision(a)["disposition"], "false_positive");
    assert_eq!(decision(b)["disposition"], "accepted");
    assert_eq!(decision(b)["approver"], "Carol CISO");
    assert_eq!(
        decision(both)["disposition"],
        "false_positive",
        "Bob's is later"
    );
    assert_eq!(decision(both)["reason"], "bob: curl not shipped");
    let audit = file["audit"].as_array().unwrap();
    let reasons: Vec<&str> = audit.iter().filter_map(|e| e["reason"].as_str()).collect();
    for kept in [
        "ana: not our openssl",
        "ana: snooze curl",
        "bob: behind the proxy",
        "bob: curl not shipped",
    ] {
        assert!(reasons.contains(&kept), "{kept} is in the log: {reasons:?}");
    }
    let join = audit
        .iter()
        .find(|e| e["action"] == "merged" && e["target"] == "audit")
        .expect("a merge entry joins the two logs");
    assert!(join["merged"].is_string() && join["prev"].is_string());
    let resolved = audit
        .iter()
        .find(|e| e["action"] == "merged" && e["target"] == format!("finding:{both}"))
        .expect("the finding decided on both sides has its merge entry");
    let why = resolved["reason"].as_str().unwrap();
    assert!(why.contains("Bob") && why.contains("Ana"), "{why}");
    // The console and the commands see the merge: list shows all three decided.
    let rows: Vec<Value> =
        serde_json::from_str(&repo.ok("Ana <ana@example.com>", 9, &["list", "--format", "json"]))
            .unwrap();
    assert!(
        rows.iter().all(|r| !r["decision"].is_null()),
        "every finding carries its decision: {rows:?}"
    );
    // Tampering with an entry from either side is caught after the merge.
    let text = std::fs::read_to_string(repo.decisions_path()).unwrap();
    for (from, to) in [
        ("ana: not our openssl", "ana: not our openssl!"),
        ("bob: behind the proxy", "bob: behind the proxy!"),
    ] {
        let tampered = text.replacen(from, to, 1);
        assert_ne!(tampered, text);
        std::fs::write(repo.decisions_path(), &tampered).unwrap();
        let out = repo.verify();
        assert_eq!(out.status.code(), Some(1), "an edit of {from:?} is caught");
        std::fs::write(repo.decisions_path(), &text).unwrap();
    }
    assert!(repo.verify().status.success());
}

#[test]
fn git_merges_two_branches_decisions_with_the_driver() {
    let repo = Repo::new();
    let said = repo.ok("Ana <ana@example.com>", 1, &["init", "--git"]);
    assert!(
        said.contains(".gitattributes") && said.contains("merge.scandeck.driver"),
        "{said}"
    );
    let again = repo.ok("Ana <ana@example.com>", 1, &["init", "--git"]);
    assert!(
        again.contains("already names the merge driver") && again.contains("already set"),
        "idempotent: {again}"
    );
    let attributes = std::fs::read_to_string(repo.dir.join(".scandeck/.gitattributes")).unwrap();
    assert_eq!(
        attributes.matches("merge=scandeck").count(),
        2,
        "{attributes}"
    );
    let fps = two_branches(&repo);
    let merged = repo.git_output(&["merge", "--no-edit", "bob"]);
    assert!(
        merged.status.success(),
        "the driver merges: {}{}",
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&merged.stderr)
    );
    assert!(!std::fs::read_to_string(repo.decisions_path())
        .unwrap()
        .contains("<<<<<<<"));
    assert_merged(&repo, &fps);
    // Bob, back on his branch, takes the merge as a fast-forward and
    // verifies too (his machine's witness names his own entries).
    repo.git(&["checkout", "-q", "bob"]);
    repo.git(&["merge", "-q", "--ff-only", "ana"]);
    assert!(repo.verify().status.success());
}

#[test]
fn without_the_driver_a_conflict_is_refused_then_resolved_by_one_command() {
    let repo = Repo::new();
    let fps = two_branches(&repo);
    let merged = repo.git_output(&["merge", "--no-edit", "bob"]);
    assert!(!merged.status.success(), "git's text merge conflicts");
    let conflicted = std::fs::read(repo.decisions_path()).unwrap();
    assert!(String::from_utf8_lossy(&conflicted).contains("<<<<<<<"));
    for args in [
        &["list"][..],
        &["gate"][..],
        &["triage", "note", "--fingerprint", &fps[0], "--text", "x"][..],
    ] {
        let out = repo.run("Ana <ana@example.com>", 4, args);
        let told = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {told}");
        assert!(told.contains("scandeck triage resolve"), "{args:?}: {told}");
        assert_eq!(told.trim().lines().count(), 1, "one line: {told}");
        assert_eq!(
            std::fs::read(repo.decisions_path()).unwrap(),
            conflicted,
            "{args:?} left the conflicted file as it was"
        );
    }
    let verify = repo.verify();
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("triage resolve")
            || String::from_utf8_lossy(&verify.stderr).contains("triage resolve")
    );
    let said = repo.ok("Ana <ana@example.com>", 4, &["triage", "resolve"]);
    assert!(said.contains("changed on both sides"), "{said}");
    assert_merged(&repo, &fps);
    repo.commit("merge bob");
    assert!(repo
        .ok("Ana <ana@example.com>", 4, &["triage", "resolve"])
        .contains("nothing to resolve"));
}

/// Checklist records merge the same way.
#[test]
fn checklist_records_merge_with_the_driver() {
    let repo = Repo::new();
    repo.ok("Ana <ana@example.com>", 1, &["init", "--git"]);
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "ops"]);
    repo.ok(
        "Oscar <ops@example.com>",
        2,
        &["checklist", "na", "https", "--reason", "no registry here"],
    );
    repo.commit("ops");
    repo.git(&["checkout", "-q", "main"]);
    repo.ok(
        "Ana <ana@example.com>",
        3,
        &["checklist", "note", "backups", "rehearsed on 2026-03-03"],
    );
    repo.commit("ana");
    let merged = repo.git_output(&["merge", "--no-edit", "ops"]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let shown = repo.ok("Ana <ana@example.com>", 4, &["checklist", "verify"]);
    assert!(shown.contains("intact"), "{shown}");
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.dir.join(".scandeck/checklist.json")).unwrap(),
    )
    .unwrap();
    let text = file.to_string();
    assert!(
        text.contains("no registry here") && text.contains("rehearsed on 2026-03-03"),
        "{text}"
    );
}

/// Two canaries shaped like real credentials, found by scandeck's own
/// secrets scan.
const SECRETS: [&str; 2] = [
    "AKIAQ7CANARY2WXYZ5KQ",
    "ghp_CanaryGithubToken0123456789abcdefghi",
];

fn secret_rows(repo: &Repo, who: &str) -> Vec<Value> {
    let rows: Vec<Value> =
        serde_json::from_str(&repo.ok(who, 5, &["list", "--format", "json"])).unwrap();
    rows.into_iter().filter(|r| r["kind"] == "secret").collect()
}

/// A digest of `text` by a system tool (`sha256sum`, `sha1sum`, `md5sum`).
fn digest(tool: &str, text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(tool)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Decisions on secrets found by scandeck's own scanner apply in a fresh
/// clone scanned by another installation (another secret-hash key), and
/// nothing committed lets a reader recover a secret: no raw value, no
/// plain digest of one.
#[test]
fn secret_decisions_follow_a_clone_to_another_installation() {
    let a = Repo::new();
    std::fs::write(
        a.dir.join("deploy.sh"),
        format!("key_id = \"{}\"\nexport GH={}\n", SECRETS[0], SECRETS[1]),
    )
    .unwrap();
    let ana = "Ana <ana@example.com>";
    a.run(ana, 4, &["scan", "--project", "--tools", "secrets"]);
    let found = secret_rows(&a, ana);
    assert_eq!(found.len(), 2, "{found:?}");
    for row in &found {
        a.ok(
            ana,
            4,
            &[
                "triage",
                "false-positive",
                "--fingerprint",
                row["fingerprint"].as_str().unwrap(),
                "--reason",
                "test canary",
            ],
        );
    }
    a.commit("scan and triage");
    assert!(
        a.git(&["ls-files"]).contains(".scandeck/identity-salt"),
        "the salt is committed with the decisions"
    );

    // Another machine: another home, so another installation key.
    let b_home = tempfile::tempdir().unwrap();
    let b_dir = b_home.path().join("clone");
    let cloned = Command::new("git")
        .args(["clone", "-q"])
        .arg(&a.dir)
        .arg(&b_dir)
        .output()
        .unwrap();
    assert!(
        cloned.status.success(),
        "{}",
        String::from_utf8_lossy(&cloned.stderr)
    );
    let b = Repo {
        home: b_home,
        dir: b_dir,
    };
    let bob = "Bob <bob@example.com>";
    b.run(bob, 5, &["scan", "--project", "--tools", "secrets"]);
    let key = |r: &Repo| std::fs::read_to_string(r.home.path().join("data/secret.key")).ok();
    assert_ne!(key(&a), key(&b), "two installations, two keys");
    let seen = secret_rows(&b, bob);
    assert_eq!(seen.len(), 2, "{seen:?}");
    let fps = |rows: &[Value]| {
        let mut v: Vec<String> = rows
            .iter()
            .map(|r| r["fingerprint"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        fps(&seen),
        fps(&found),
        "one secret, one identity in both clones"
    );
    for row in &seen {
        assert_eq!(
            row["decision"], "false_positive",
            "decided in the other clone: {row}"
        );
    }
    let gate = b.run(bob, 5, &["gate", "--json"]);
    let said = String::from_utf8_lossy(&gate.stdout);
    assert!(
        !said.contains("secret"),
        "no secret blocks the gate in the clone: {said}"
    );

    // What the clone holds from git: no secret, no fast digest of one.
    for file in b.git(&["ls-files"]).lines() {
        if file == "deploy.sh" {
            continue;
        }
        let text = std::fs::read_to_string(b.dir.join(file)).unwrap_or_default();
        for secret in SECRETS {
            assert!(!text.contains(secret), "{file} holds a secret");
            for tool in ["sha256sum", "sha1sum", "md5sum"] {
                let d = digest(tool, secret);
                assert!(!text.contains(&d), "{file} holds the {tool} of a secret");
            }
        }
    }
}
