//! The team's engines (issue 24): decisions made on two branches merge in
//! real `git merge` runs, with scandeck's merge driver and without it
//! (`triage resolve`); secret decisions follow a clone to another
//! installation.

use crate::common;

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

/// An API call to DefectDojo, as a person in its web UI would make it.
fn api(url: &str, token: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-X", method, "-H"])
        .arg(format!("Authorization: Token {token}"))
        .arg(format!("{url}/api/v2/{path}"));
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d"])
            .arg(b.to_string());
    }
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// A Trivy image report of `packages` (name, installed version, CVE, severity).
fn trivy_report(packages: &[(&str, &str, &str, &str)]) -> String {
    let vulns: Vec<Value> = packages
        .iter()
        .map(|(pkg, ver, id, sev)| {
            serde_json::json!({"VulnerabilityID": id, "PkgName": pkg, "InstalledVersion": ver, "Severity": sev,
                "Title": format!("{id} in {pkg}"), "Description": format!("{pkg} {ver} is affected")})
        })
        .collect();
    serde_json::json!({"SchemaVersion": 2, "ArtifactName": "shop/api:1", "ArtifactType": "container_image",
        "Metadata": {"RepoTags": ["shop/api:1"]},
        "Results": [{"Target": "shop/api:1 (debian 12)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": vulns}]})
    .to_string()
}

/// Push, push again, a version bump, decisions made in DefectDojo pulled
/// back, a conflict, and failures that lose nothing — against the real
/// DefectDojo.
#[test]
fn decisions_travel_both_ways_with_defectdojo() {
    let Some((url, token)) = common::dojo() else {
        return;
    };
    let repo = Repo::new();
    let product = format!("scandeck-test-{}", std::process::id());
    std::fs::create_dir_all(repo.home.path().join("config")).unwrap();
    std::fs::write(
        repo.home.path().join("config/config.toml"),
        format!("[defectdojo]\nurl = \"{url}\"\nproduct = \"{product}\"\n"),
    )
    .unwrap();
    let packages = [
        ("openssl", "3.0.1", "CVE-2026-200", "CRITICAL"),
        ("zlib1g", "1.2", "CVE-2026-201", "HIGH"),
        ("curl", "7.88", "CVE-2026-202", "HIGH"),
        ("libxml2", "2.9", "CVE-2026-203", "MEDIUM"),
        ("perl-base", "5.36", "CVE-2026-204", "LOW"),
        ("bash", "5.2", "CVE-2026-205", "CRITICAL"),
        ("tar", "1.34", "CVE-2026-206", "MEDIUM"),
    ];
    std::fs::write(repo.dir.join("img.json"), trivy_report(&packages)).unwrap();
    let ana = "Ana <ana@example.com>";
    let dd = |day: u32, args: &[&str]| -> Output {
        let mut c = common::scandeck(repo.home.path());
        c.current_dir(&repo.dir)
            .args(args)
            .env("SCANDECK_ACTOR", ana)
            .env("SCANDECK_NOW", format!("2026-03-{day:02}T10:00:00Z"))
            .env("DEFECTDOJO_TOKEN", &token)
            .env("SCANDECK_RETRY_WAIT_MS", "10");
        c.output().unwrap()
    };
    let said = |out: &Output| {
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    repo.ok(ana, 2, &["import", "img.json"]);
    let fp = |id: &str| repo.fingerprint(id);
    // Five kinds of decisions; the fifth (verified fixed) by a later scan.
    repo.ok(
        ana,
        2,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &fp("CVE-2026-200"),
            "--reason",
            "not our openssl",
        ],
    );
    repo.ok(
        ana,
        2,
        &[
            "triage",
            "not-affected",
            "--fingerprint",
            &fp("CVE-2026-201"),
            "--reason",
            "inflate unused",
            "--justification",
            "vulnerable_code_not_in_execute_path",
        ],
    );
    repo.ok(
        ana,
        2,
        &[
            "triage",
            "accept",
            "--fingerprint",
            &fp("CVE-2026-202"),
            "--reason",
            "behind the proxy",
            "--approver",
            "Carol CISO",
            "--until",
            "2026-06-30",
        ],
    );
    repo.ok(
        ana,
        2,
        &[
            "triage",
            "snooze",
            "--fingerprint",
            &fp("CVE-2026-203"),
            "--until",
            "2026-04-30",
            "--reason",
            "next sprint",
        ],
    );
    let fixed = fp("CVE-2026-204");
    // The next scan no longer reports perl-base.
    let kept = [
        packages[0],
        packages[1],
        packages[2],
        packages[3],
        packages[5],
        packages[6],
    ];
    std::fs::write(repo.dir.join("img.json"), trivy_report(&kept)).unwrap();
    repo.ok(ana, 3, &["import", "img.json"]);

    let first = dd(3, &["push", "defectdojo"]);
    assert!(first.status.success(), "{}", said(&first));
    let findings = |test_of: &str| -> Vec<Value> {
        let products = api(
            &url,
            &token,
            "GET",
            &format!("products/?name={product}"),
            None,
        );
        let pid = products["results"][0]["id"]
            .as_u64()
            .expect("the product was created");
        api(
            &url,
            &token,
            "GET",
            &format!("findings/?test__engagement__product={pid}&limit=500&o=id"),
            None,
        )["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| test_of.is_empty() || f["unique_id_from_tool"] == test_of)
            .cloned()
            .collect()
    };
    let one = |fp: &str| {
        findings(fp)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{fp} is in DefectDojo"))
    };
    assert_eq!(one(&fp("CVE-2026-200"))["false_p"], true);
    assert_eq!(one(&fp("CVE-2026-201"))["out_of_scope"], true);
    let accepted = one(&fp("CVE-2026-202"));
    assert_eq!(accepted["risk_accepted"], true);
    let ra = &accepted["accepted_risks"][0];
    assert_eq!(ra["accepted_by"], "Carol CISO");
    assert!(
        ra["expiration_date"]
            .as_str()
            .unwrap()
            .starts_with("2026-06-30"),
        "{ra}"
    );
    let snoozed = one(&fp("CVE-2026-203"));
    assert_eq!(snoozed["active"], true);
    assert!(
        snoozed["notes"]
            .to_string()
            .contains("snoozed until 2026-04-30"),
        "{snoozed}"
    );
    assert_eq!(
        one(&fixed)["is_mitigated"],
        true,
        "verified fixed is mitigated"
    );
    let count = findings("").len();

    // Twice: nothing changes.
    let second = dd(3, &["push", "defectdojo"]);
    assert!(
        said(&second).contains("0 decision(s) written"),
        "{}",
        said(&second)
    );
    let brief = |fs: Vec<Value>| -> Vec<String> {
        fs.iter()
            .map(|f| {
                format!(
                    "{} {} {} active={} mitigated={}",
                    f["id"], f["test"], f["unique_id_from_tool"], f["active"], f["is_mitigated"]
                )
            })
            .collect()
    };
    assert_eq!(
        findings("").len(),
        count,
        "{}\n{:#?}",
        said(&second),
        brief(findings(""))
    );

    // A version bump: the same DefectDojo findings, decisions kept.
    let ids_before: Vec<Value> = findings("").iter().map(|f| f["id"].clone()).collect();
    let bumped: Vec<(&str, &str, &str, &str)> = kept
        .iter()
        .map(|(p, _, id, s)| (*p, "9.9.9", *id, *s))
        .collect();
    std::fs::write(repo.dir.join("img.json"), trivy_report(&bumped)).unwrap();
    repo.ok(ana, 4, &["import", "img.json"]);
    let third = dd(4, &["push", "defectdojo"]);
    assert!(third.status.success(), "{}", said(&third));
    assert!(
        !said(&third).contains("warning"),
        "stable identity: {}",
        said(&third)
    );
    let ids_after: Vec<Value> = findings("").iter().map(|f| f["id"].clone()).collect();
    assert_eq!(
        ids_before, ids_after,
        "no new DefectDojo findings after a version bump"
    );
    assert_eq!(one(&fp("CVE-2026-200"))["false_p"], true);
    assert_eq!(one(&fp("CVE-2026-202"))["risk_accepted"], true);

    // Decisions made in DefectDojo come back. Before: bash's critical
    // finding blocks the gate.
    let gate_blocks = |day: u32| -> bool {
        let out = dd(day, &["gate", "--json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["blocked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "open-critical")
    };
    assert!(gate_blocks(5), "bash is open and critical");
    let bash = one(&fp("CVE-2026-205"));
    api(
        &url,
        &token,
        "PATCH",
        &format!("findings/{}/", bash["id"]),
        Some(serde_json::json!({"false_p": true, "active": false, "verified": false})),
    );
    let tar = one(&fp("CVE-2026-206"));
    api(
        &url,
        &token,
        "POST",
        "risk_acceptance/",
        Some(
            serde_json::json!({"name": "CISO: tar", "accepted_findings": [tar["id"]], "owner": 1,
        "accepted_by": "ciso@example.com", "decision": "A", "decision_details": "compensating control", "expiration_date": "2026-09-30", "reactivate_expired": true}),
        ),
    );
    // A conflict: decided here and in DefectDojo since the last sync.
    repo.ok(
        ana,
        5,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &fp("CVE-2026-203"),
            "--reason",
            "ana: later here",
        ],
    );
    let snoozed = one(&fp("CVE-2026-203"));
    api(
        &url,
        &token,
        "POST",
        "risk_acceptance/",
        Some(
            serde_json::json!({"name": "CISO: libxml2", "accepted_findings": [snoozed["id"]], "owner": 1,
        "accepted_by": "ciso@example.com", "decision": "A", "decision_details": "earlier in dojo", "expiration_date": "2026-09-30"}),
        ),
    );
    let dry = dd(5, &["pull", "defectdojo"]);
    let dry_text = said(&dry);
    assert!(dry.status.success(), "{dry_text}");
    assert!(
        dry_text.contains("CVE-2026-205") && dry_text.contains("CVE-2026-206"),
        "{dry_text}"
    );
    assert!(
        dry_text.contains("conflict") && dry_text.contains("CVE-2026-203"),
        "{dry_text}"
    );
    let before = std::fs::read(repo.decisions_path()).unwrap();
    assert_eq!(
        before,
        std::fs::read(repo.decisions_path()).unwrap(),
        "a dry run writes nothing"
    );
    let applied = dd(5, &["pull", "defectdojo", "--apply"]);
    assert!(applied.status.success(), "{}", said(&applied));
    let rows: Vec<Value> =
        serde_json::from_str(&repo.ok(ana, 5, &["list", "--format", "json"])).unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row("CVE-2026-205")["decision"], "false_positive");
    assert!(
        row("CVE-2026-205")["decided_by"]
            .as_str()
            .unwrap()
            .starts_with("DefectDojo ("),
        "{}",
        row("CVE-2026-205")
    );
    assert_eq!(row("CVE-2026-206")["decision"], "accepted");
    assert!(row("CVE-2026-206")["decision_until"]
        .as_str()
        .unwrap()
        .starts_with("2026-09-30"));
    // The conflict: DefectDojo's acceptance is later (made now, at the
    // server's clock) than Ana's decision of March: DefectDojo's is kept,
    // and both are in the audit log.
    assert_eq!(row("CVE-2026-203")["decision"], "accepted");
    let log = repo.decisions()["audit"].to_string();
    assert!(
        log.contains("ana: later here") && log.contains("earlier in dojo"),
        "{log}"
    );
    assert!(repo.verify().status.success());
    assert!(
        !gate_blocks(5),
        "the false positive pulled from DefectDojo clears the gate"
    );

    // Mitigated and reactivated in DefectDojo: a fix claim, and a reopening.
    let patch = |id: &str, body: Value| {
        let finding = one(&fp(id));
        api(
            &url,
            &token,
            "PATCH",
            &format!("findings/{}/", finding["id"]),
            Some(body),
        );
    };
    patch(
        "CVE-2026-201",
        serde_json::json!({"out_of_scope": false, "active": true}),
    );
    patch(
        "CVE-2026-205",
        serde_json::json!({"false_p": false, "active": true}),
    );
    let tar = one(&fp("CVE-2026-206"));
    for ra in tar["accepted_risks"].as_array().unwrap() {
        api(
            &url,
            &token,
            "DELETE",
            &format!("risk_acceptance/{}/", ra["id"]),
            None,
        );
    }
    let applied = dd(6, &["pull", "defectdojo", "--apply"]);
    let text = said(&applied);
    assert!(applied.status.success(), "{text}");
    let rows: Vec<Value> =
        serde_json::from_str(&repo.ok(ana, 6, &["list", "--format", "json"])).unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    for reopened in ["CVE-2026-201", "CVE-2026-205", "CVE-2026-206"] {
        assert!(
            row(reopened)["decision"].is_null(),
            "{reopened} reopened from DefectDojo: {text}"
        );
    }
    assert!(
        gate_blocks(6),
        "bash reopened in DefectDojo blocks the gate again"
    );
    let log = repo.decisions()["audit"].to_string();
    assert!(log.contains("reactivated in DefectDojo"), "{log}");
    // Mitigated there while scandeck still sees it: a fix claim, which
    // scandeck's next scan verifies or refutes.
    let tar = one(&fp("CVE-2026-206"));
    api(
        &url,
        &token,
        "POST",
        &format!("findings/{}/close/", tar["id"]),
        Some(serde_json::json!({"is_mitigated": true, "note": "patched on the hosts"})),
    );
    let applied = dd(7, &["pull", "defectdojo", "--apply"]);
    assert!(applied.status.success(), "{}", said(&applied));
    let rows: Vec<Value> =
        serde_json::from_str(&repo.ok(ana, 7, &["list", "--format", "json"])).unwrap();
    let tar_row = rows.iter().find(|r| r["id"] == "CVE-2026-206").unwrap();
    assert_eq!(tar_row["decision"], "fixed", "{tar_row}");
    assert!(repo.verify().status.success());
    // Pushing again does not reactivate what DefectDojo mitigated.
    let again = dd(7, &["push", "defectdojo"]);
    assert!(again.status.success(), "{}", said(&again));
    assert_eq!(
        one(&fp("CVE-2026-206"))["is_mitigated"],
        true,
        "{}",
        said(&again)
    );

    // A conflict the other way: decided here later (January 2027, after
    // DefectDojo's change) — kept here, DefectDojo's noted, then pushed.
    let libxml = one(&fp("CVE-2026-203"));
    api(
        &url,
        &token,
        "PATCH",
        &format!("findings/{}/", libxml["id"]),
        Some(serde_json::json!({"false_p": true, "active": false, "verified": false})),
    );
    let later = |args: &[&str]| -> Output {
        let mut c = common::scandeck(repo.home.path());
        c.current_dir(&repo.dir)
            .args(args)
            .env("SCANDECK_ACTOR", "Eve <eve@example.com>")
            .env("SCANDECK_NOW", "2027-01-10T10:00:00Z")
            .env("DEFECTDOJO_TOKEN", &token);
        c.output().unwrap()
    };
    let snoozed = later(&[
        "triage",
        "snooze",
        "--fingerprint",
        &fp("CVE-2026-203"),
        "--until",
        "2027-02-01",
        "--reason",
        "eve: later here",
    ]);
    assert!(snoozed.status.success(), "{}", said(&snoozed));
    let pulled = later(&["pull", "defectdojo", "--apply"]);
    let text = said(&pulled);
    assert!(
        text.contains("conflict") && text.contains("kept here"),
        "{text}"
    );
    let log = repo.decisions()["audit"].to_string();
    assert!(
        log.contains("DefectDojo had it false positive (earlier)"),
        "{log}"
    );
    let pushed = later(&["push", "defectdojo"]);
    assert!(pushed.status.success(), "{}", said(&pushed));
    let libxml = one(&fp("CVE-2026-203"));
    assert_eq!(libxml["false_p"], false, "{}", said(&pushed));
    assert_eq!(libxml["active"], true);
    assert!(libxml["notes"].to_string().contains("eve: later here"));
    assert!(repo.verify().status.success());

    // Failures: one line each, exit 2 or 3, decisions.json untouched.
    let kept = std::fs::read(repo.decisions_path()).unwrap();
    let mut wrong = common::scandeck(repo.home.path());
    wrong
        .current_dir(&repo.dir)
        .args(["push", "defectdojo"])
        .env("DEFECTDOJO_TOKEN", "0000wrong");
    let out = wrong.output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{text}");
    // DefectDojo answers a wrong token with 403 "Invalid token.".
    assert!(
        text.contains("Invalid token")
            && text.contains("DEFECTDOJO_TOKEN")
            && !text.contains(&token),
        "{text}"
    );
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    let stopped = dd(5, &["pull", "defectdojo", "--url", "http://127.0.0.1:9"]);
    let text = String::from_utf8_lossy(&stopped.stderr).into_owned();
    assert_eq!(stopped.status.code(), Some(3), "{text}");
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    // A server that answers 500 (a real HTTP server, Python's).
    let port = 18000 + (std::process::id() % 1000) as u16;
    let mut failing = Command::new("python3")
        .args(["-c", &format!("import http.server as h\nclass H(h.BaseHTTPRequestHandler):\n  def do_GET(s):\n    s.send_response(500); s.end_headers(); s.wfile.write(b'Internal Server Error: boom')\n  do_POST=do_GET\n  def log_message(s, *a): pass\nh.HTTPServer(('127.0.0.1',{port}),H).serve_forever()")])
        .spawn()
        .unwrap();
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up);
    let failed = dd(
        5,
        &[
            "push",
            "defectdojo",
            "--url",
            &format!("http://127.0.0.1:{port}"),
        ],
    );
    let _ = failing.kill();
    let _ = failing.wait();
    let text = String::from_utf8_lossy(&failed.stderr).into_owned();
    assert_eq!(failed.status.code(), Some(3), "{text}");
    assert!(text.contains("500") && text.contains("boom"), "{text}");
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    assert_eq!(
        std::fs::read(repo.decisions_path()).unwrap(),
        kept,
        "nothing lost"
    );
}
