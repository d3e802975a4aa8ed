//! The console in a real terminal (tmux): start, filter, detail, quit; and
//! the terminal restored (`stty -a` identical) after quit, SIGTERM, SIGHUP,
//! a panic with hostile text, and Ctrl-Z / fg. Waits on screen conditions.

use crate::common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `script` (run by sh) in a detached 160×45 session; `None` when tmux is missing.
    fn start(name: &str, script: &str, extra_env: &[(&str, &str)]) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("scandeck-e2e-{name}-{}", std::process::id());
        let mut env = format!(
            "SCANDECK_DATA_DIR='{}' SCANDECK_CONFIG_DIR='{}' TERM=xterm-256color",
            dir.path().join("data").display(),
            dir.path().join("config").display()
        );
        for (k, v) in extra_env {
            env.push_str(&format!(" {k}='{v}'"));
        }
        let script_path = dir.path().join("run.sh");
        std::fs::write(
            &script_path,
            format!("cd '{}'\n{script}\n", dir.path().display()),
        )
        .unwrap();
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "160",
                "-y",
                "45",
            ])
            .arg(format!(
                "env {env} sh '{}'; sleep 60",
                script_path.display()
            ))
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Some(Tmux { socket, dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn literal(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits until the screen satisfies `pred` and has settled: two captures
    /// in a row are the same, so a frame caught half drawn is never judged.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut previous = String::new();
        loop {
            let screen = self.screen();
            if pred(&screen) && screen == previous {
                return screen;
            }
            previous = screen.clone();
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_file(&self, name: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(self.path(name)) {
                if !text.is_empty() {
                    return text;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {name}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The scandeck process of this session (its command line names this session's directory).
    fn scandeck_pid(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Command::new("pgrep")
                .args([
                    "-f",
                    "-n",
                    &format!("workspace {} demo", self.dir.path().display()),
                ])
                .output()
                .unwrap();
            let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !pid.is_empty() {
                return pid;
            }
            assert!(Instant::now() < deadline, "no scandeck process");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Runs `scandeck demo` between two `stty -a` snapshots. `--workspace` names
/// the session's directory so that the process can be found.
fn demo_script() -> String {
    format!("stty -a > before.txt\n'{}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt\nstty -a > after.txt", common::bin().display())
}

fn assert_terminal_restored(t: &Tmux) {
    let after = t.wait_file("after.txt");
    let before = std::fs::read_to_string(t.path("before.txt")).unwrap();
    assert_eq!(before, after, "stty settings changed");
}

fn loaded(screen: &str) -> bool {
    screen.contains("of 45 findings") && screen.contains("CVE-2023-24538")
}

/// The console's plan names the base image from the project's files (the
/// worker reads them) and Enter narrows to exactly that action's findings.
#[test]
fn the_plan_rebuilds_the_backend_on_its_named_base_image() {
    let Some(t) = Tmux::start("plan", &demo_script(), &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.keys(&["p"]);
    let screen = t.wait_for("the fix plan", |s| s.contains("Fix plan"));
    assert!(
        screen.contains("rebuild finance-tracker/backend on a patched python:3.11-slim"),
        "{screen}"
    );
    assert!(
        screen.contains("docker compose build --pull backend"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    let screen = t.wait_for("the action's findings", |s| s.contains("4 of 45 findings"));
    assert!(screen.contains("layer:base fix:yes"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

#[test]
fn demo_filter_detail_and_quit() {
    let Some(t) = Tmux::start("flow", &demo_script(), &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.keys(&["/"]);
    t.literal("werkzeug");
    let screen = t.wait_for("the filtered list", |s| s.contains("4 of 45 findings"));
    assert!(
        screen.contains("CVE-2023-25577") && !screen.contains("CVE-2023-24538"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("the detail pane", |s| {
        s.contains("package     Werkzeug") || s.contains("package     werkzeug")
    });
    assert!(
        screen.contains("layer       9 of 10, the image's own · RUN pip install"),
        "{screen}"
    );
    t.keys(&["G"]);
    t.wait_for("the end of the detail", |s| s.contains("fingerprint"));
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    assert_terminal_restored(&t);
    let screen = t.screen();
    assert!(
        !screen.contains("Findings"),
        "the alternate screen was left:\n{screen}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some(t) = Tmux::start("term", &demo_script(), &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    let pid = t.scandeck_pid();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=143");
    assert_terminal_restored(&t);
}

#[test]
fn sighup_restores_the_terminal() {
    let Some(t) = Tmux::start("hup", &demo_script(), &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    let pid = t.scandeck_pid();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=129");
    assert_terminal_restored(&t);
}

#[test]
fn a_panic_restores_the_terminal_and_reports_sanitised_text() {
    let script = format!(
        "stty -a > before.txt\n'{}' --workspace \"$PWD\" demo 2> stderr.txt\necho EXIT=$? > exit.txt\nstty -a > after.txt",
        common::bin().display()
    );
    let Some(t) = Tmux::start("panic", &script, &[("SCANDECK_DEBUG_PANIC_KEY", "1")]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.keys(&["F12"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=101");
    assert_terminal_restored(&t);
    let stderr = std::fs::read(t.path("stderr.txt")).unwrap();
    let text = String::from_utf8_lossy(&stderr);
    assert!(
        text.contains("scandeck crashed: debug panic requested"),
        "{text}"
    );
    assert!(
        !stderr.contains(&0x1b) && !stderr.contains(&0x07),
        "raw escape bytes in the panic report: {text:?}"
    );
}

#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: bash is not installed");
        return;
    }
    // An interactive shell gives job control, as a user's terminal does.
    let script = "stty -a > before.txt\nexec bash --norc --noprofile -i".to_string();
    let Some(t) = Tmux::start("suspend", &script, &[]) else {
        return;
    };
    t.wait_for("a shell prompt", |s| s.contains('$') || s.contains('#'));
    t.literal(&format!("'{}' demo", common::bin().display()));
    t.keys(&["Enter"]);
    t.wait_for("the demo console", loaded);
    t.keys(&["C-z"]);
    t.wait_for("the shell to report the stopped job", |s| {
        s.contains("Stopped")
    });
    t.literal("stty -a > suspended.txt");
    t.keys(&["Enter"]);
    let suspended = t.wait_file("suspended.txt");
    assert_eq!(
        std::fs::read_to_string(t.path("before.txt")).unwrap(),
        suspended,
        "terminal sane while suspended"
    );
    t.literal("fg");
    t.keys(&["Enter"]);
    t.wait_for("the console again", loaded);
    t.keys(&["j"]);
    t.wait_for("keys answered after resuming", |s| {
        s.contains("Findings 2/45")
    });
    t.keys(&["q"]);
    t.wait_for("the shell again", |s| !s.contains("Findings"));
    t.literal("echo EXIT=$? > exit.txt; stty -a > after.txt");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    assert_terminal_restored(&t);
}

#[test]
fn without_a_terminal_the_console_explains_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [vec!["demo"], vec![]] {
        let out = common::scandeck(home.path())
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains("needs a terminal"), "{err}");
    }
}

#[test]
fn snooze_with_a_reason_is_saved_from_a_real_terminal() {
    let script = format!(
        "'{}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt\nls -d \"$SCANDECK_DATA_DIR\"/demo/*/ > demo-dir.txt",
        common::bin().display()
    );
    let Some(t) = Tmux::start(
        "snooze",
        &script,
        &[("SCANDECK_ACTOR", "Eve Engineer <eve@example.com>")],
    ) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.keys(&["z"]);
    t.wait_for("the snooze dialog", |s| s.contains("Snooze — 1 finding"));
    t.keys(&["Down"]);
    t.literal("gosu rebuild pending");
    t.keys(&["Enter"]);
    let screen = t.wait_for("the saved snooze", |s| {
        s.contains("snoozed: 1 finding(s) saved")
    });
    assert!(screen.contains("snoozed"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    let dir = t.wait_file("demo-dir.txt");
    let decisions =
        std::fs::read_to_string(PathBuf::from(dir.trim()).join(".scandeck/decisions.json"))
            .unwrap();
    assert!(
        decisions.contains("\"reason\": \"gosu rebuild pending\"")
            && decisions.contains("Eve Engineer"),
        "{decisions}"
    );
}

#[test]
fn a_big_import_shows_its_progress_on_a_terminal_and_clears_it() {
    let bin = common::bin();
    // The script waits for the report, written below once the session runs.
    let script = format!(
        "while [ ! -f ready ]; do sleep 0.05; done\n'{bin}' --workspace ws import big.json\necho EXIT=$? > exit.txt",
        bin = bin.display()
    );
    let Some(t) = Tmux::start("progress", &script, &[]) else {
        return;
    };
    std::fs::create_dir_all(t.path("ws")).unwrap();
    // Over 16 MiB with SchemaVersion first: read as it is parsed. Parsed on
    // every core, 18 MB went by between two looks at the screen: 72 MB.
    let vulns: Vec<String> = (0..36000)
        .map(|i| {
            format!(
                r#"{{"VulnerabilityID":"CVE-2026-{i}","PkgName":"pkg{}","InstalledVersion":"1.0","Severity":"HIGH","Description":"{}"}}"#,
                i % 300,
                "x".repeat(2000)
            )
        })
        .collect();
    let report = format!(
        r#"{{"SchemaVersion":2,"ArtifactName":"acme/big:1","ArtifactType":"container_image","Results":[{{"Target":"acme/big:1 (debian 12)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{}]}}]}}"#,
        vulns.join(",")
    );
    assert!(report.len() as u64 >= scandeck::ingest::stream::STREAM_FROM_BYTES);
    std::fs::write(t.path("big.json"), report).unwrap();
    std::fs::write(t.path("ready"), "").unwrap();
    // The line changes as it reads: caught without waiting for it to settle.
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let screen = t.screen();
        // A look may land while the line is half drawn (`reading big.json: 5`).
        let progress = screen.contains("reading big.json:") || screen.contains("read big.json (");
        if progress && screen.contains("MB") {
            break screen;
        }
        assert!(
            Instant::now() < deadline && !t.path("exit.txt").exists(),
            "no progress line; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(seen.contains("MB"), "{seen}");
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    let done = t.wait_for("the import's line", |s| s.contains("imported big.json"));
    assert!(
        !done.contains("reading big.json") && !done.contains("storing its findings"),
        "the progress line is cleared: {done}"
    );
}

#[test]
fn the_console_reopens_with_the_last_query_and_sort() {
    let bin = common::bin();
    let script = format!(
        "'{bin}' --workspace \"$PWD\" demo\necho FIRST=$? > first.txt\n'{bin}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt",
        bin = bin.display()
    );
    let Some(t) = Tmux::start("keeps-place", &script, &[]) else {
        return;
    };
    t.wait_for("the demo", loaded);
    t.keys(&["/"]);
    t.literal("sev:critical");
    t.keys(&["Enter"]);
    t.wait_for("the query", |s| s.contains("6 of 45 findings"));
    t.keys(&["s"]);
    t.wait_for("the sort by id", |s| s.contains("sort id"));
    t.keys(&["q"]);
    assert_eq!(t.wait_file("first.txt").trim(), "FIRST=0");
    let again = t.wait_for("the demo again, as it was left", |s| {
        s.contains("6 of 45 findings") && s.contains("sort id")
    });
    assert!(again.contains("query sev:critical"), "{again}");
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

#[test]
fn evidence_follows_a_file_fixed_while_the_checklist_is_open() {
    let report = serde_json::json!({"SchemaVersion": 2, "ArtifactName": "shop/api:1", "ArtifactType": "container_image",
        "Results": [{"Target": "shop/api:1 (debian 12.4)", "Class": "os-pkgs", "Type": "debian",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2026-100", "PkgName": "zlib", "InstalledVersion": "1.3", "Severity": "LOW"}]}]});
    let bin = common::bin();
    let script = format!(
        "mkdir -p ws\nprintf 'services:\\n  api:\\n    image: shop/api:1\\n' > ws/docker-compose.yml\ncat > report.json <<'JSON'\n{report}\nJSON\n'{bin}' --workspace ws import report.json > import.txt 2>&1\n'{bin}' --workspace ws\necho EXIT=$? > exit.txt",
        bin = bin.display()
    );
    let Some(t) = Tmux::start("evidence", &script, &[]) else {
        return;
    };
    t.wait_for("the console", |s| s.contains("1 of 1 findings"));
    t.keys(&["c"]);
    t.wait_for("failing limits", |s| {
        s.contains("1 problem(s) with resource limits")
    });
    // Fixed in an editor while the console stays open on the checklist.
    std::fs::write(
        t.path("ws/docker-compose.yml"),
        "services:\n  api:\n    image: shop/api:1\n    mem_limit: 512m\n    cpus: 1.5\n",
    )
    .unwrap();
    t.wait_for("the fixed file's evidence", |s| {
        s.contains("compose service(s) have memory")
            && !s.contains("problem(s) with resource limits")
    });
    t.keys(&["Escape"]);
    // Esc and q sent at once read as Alt-q.
    t.wait_for("the checklist closed", |s| {
        !s.contains("Production deployment —")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

#[test]
fn walking_the_production_checklist_to_ready_in_a_real_terminal() {
    let report = serde_json::json!({"SchemaVersion": 2, "ArtifactName": "shop/api:1", "ArtifactType": "container_image",
        "Metadata": {"RepoTags": ["shop/api:1"], "RepoDigests": ["shop/api@sha256:ab12"]},
        "Results": [{"Target": "shop/api:1 (debian 12.4)", "Class": "os-pkgs", "Type": "debian",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2026-100", "PkgName": "zlib", "InstalledVersion": "1.3", "Severity": "LOW"}]}]});
    let bin = common::bin();
    let script = format!(
        "mkdir -p ws\ncat > report.json <<'JSON'\n{report}\nJSON\n'{bin}' --workspace ws import report.json > import.txt 2>&1\n'{bin}' --workspace ws\necho EXIT=$? > exit.txt\n'{bin}' --workspace ws gate > gate.txt 2>&1\necho GATE=$? > gate-exit.txt",
        bin = bin.display()
    );
    let Some(t) = Tmux::start(
        "checklist",
        &script,
        &[("SCANDECK_ACTOR", "Olga Ops <olga@example.com>")],
    ) else {
        return;
    };
    t.wait_for("the console", |s| s.contains("1 of 1 findings"));
    t.wait_for("a blocked release", |s| s.contains("release: BLOCKED (1)"));
    t.keys(&["c"]);
    t.wait_for("the checklist", |s| {
        s.contains("Production deployment — 0/12")
    });
    let mut overrides = 0;
    for n in 1..=12 {
        t.keys(&["x"]);
        let screen = t.wait_for(&format!("{n} of 12 recorded, or a reason asked for"), |s| {
            s.contains(&format!("Production deployment — {n}/12"))
                || s.contains("done anyway because (an override)")
        });
        if !screen.contains(&format!("Production deployment — {n}/12")) {
            // The item's check fails: ticking it is an override, with a reason.
            t.literal("signed in CI, ticket OPS-9");
            t.keys(&["Enter"]);
            t.wait_for(&format!("{n} of 12 recorded by override"), |s| {
                s.contains(&format!("Production deployment — {n}/12"))
            });
            overrides += 1;
        }
        t.keys(&["j"]);
    }
    assert!(overrides > 0, "content trust fails its check here");
    let screen = t.wait_for("a ready release", |s| s.contains("release gate: READY"));
    assert!(
        screen.contains("release: READY ("),
        "the header names the override: {screen}"
    );
    t.keys(&["Escape"]);
    t.wait_for("the checklist closed", |s| {
        !s.contains("Production deployment —")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    assert_eq!(t.wait_file("gate-exit.txt").trim(), "GATE=0");
    let gate = t.wait_file("gate.txt");
    assert!(
        gate.contains("READY") && gate.contains("override: checklist production/"),
        "{gate}"
    );
    let records = std::fs::read_to_string(t.path("ws/.scandeck/checklist.json")).unwrap();
    assert_eq!(
        records.matches("\"state\": \"done\"").count(),
        12,
        "{records}"
    );
    assert!(records.contains("Olga Ops"));
}

#[test]
fn exporting_the_filtered_view_from_a_real_terminal() {
    let script = format!(
        "'{}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt\nls -d \"$SCANDECK_DATA_DIR\"/demo/*/ > demo-dir.txt",
        common::bin().display()
    );
    let Some(t) = Tmux::start("export", &script, &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.keys(&["/"]);
    t.literal("sev:critical");
    t.keys(&["Enter"]);
    let screen = t.wait_for("the critical findings", |s| s.contains("6 of 45 findings"));
    assert!(screen.contains("query sev:critical"), "{screen}");
    t.keys(&["e"]);
    t.wait_for("the export dialog", |s| {
        s.contains("Export the current view — 6 findings")
    });
    t.keys(&["2", "Tab"]);
    t.literal("critical.html");
    t.keys(&["Enter"]);
    t.wait_for("the export", |s| s.contains("exported 6 findings to"));
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    let dir = t.wait_file("demo-dir.txt");
    let html = std::fs::read_to_string(PathBuf::from(dir.trim()).join("critical.html")).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    assert_eq!(
        html.matches("<tr style=").count(),
        6,
        "one row per finding shown"
    );
    assert!(html.contains("query sev:critical"));
}

/// A stand-in `trivy` for the console scan test: prints progress on stderr
/// until `$GO` exists, then writes a report with one new CVE for the image.
fn slow_trivy(dir: &std::path::Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let report = common::trivy(
        "finance-tracker/backend",
        "1.4.0",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
        &[(
            "CVE-2099-0001",
            &[],
            "openssl",
            "3.0.9-1",
            "CRITICAL",
            Some("3.0.15-1"),
        )],
    );
    std::fs::write(dir.join("new-report.json"), report.to_string()).unwrap();
    let script = format!(
        r#"#!/bin/sh
case "$1" in --version) echo "Version: 0.58.1"; exit 0;; esac
echo $$ > "{pid}"
out=""; prev=""
for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; done
i=0
while [ ! -f "{go}" ]; do i=$((i+1)); echo "downloading vulnerability DB $i" >&2; sleep 0.1; done
cat "{report}" > "$out"
"#,
        pid = dir.join("trivy.pid").display(),
        go = dir.join("go").display(),
        report = dir.join("new-report.json").display(),
    );
    let path = bin.join("trivy");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Milliseconds from a key to the screen showing its effect.
fn timed(t: &Tmux, keys: &[&str], what: &str, pred: impl Fn(&str) -> bool) -> f64 {
    let start = Instant::now();
    t.keys(keys);
    let deadline = start + Duration::from_secs(30);
    loop {
        let screen = t.screen();
        if pred(&screen) {
            return start.elapsed().as_secs_f64() * 1000.0;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn scans_run_in_the_background_while_the_console_answers() {
    let staging = tempfile::tempdir().unwrap();
    let bin = slow_trivy(staging.path());
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let script = format!(
        "'{}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt",
        common::bin().display()
    );
    let Some(t) = Tmux::start(
        "scans",
        &script,
        &[
            ("PATH", path.as_str()),
            ("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
        ],
    ) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.wait_for("the engine line", |s| s.contains("docker: absent"));
    // Rescan the backend image from the targets pane.
    t.keys(&["1", "j", "r"]);
    t.wait_for("the queued scans", |s| s.contains("scan task(s) queued"));
    t.keys(&["w"]);
    let tasks = t.wait_for("the running scanner's output", |s| {
        s.contains("downloading vulnerability DB")
    });
    assert!(
        tasks.contains("running") && tasks.contains("trivy finance-tracker/backend:1.4.0"),
        "{tasks}"
    );
    assert!(
        tasks.contains("failed     image checks finance-tracker/backend"),
        "{tasks}"
    );
    // A lone Escape must reach the console before the next key, or the two
    // read as Alt+key.
    t.keys(&["Escape"]);
    t.wait_for("the tasks list closed", |s| !s.contains("Scan tasks"));

    // Keys while the scan runs: move and filter; each answered on screen.
    let mut latencies = Vec::new();
    t.keys(&["2"]);
    for n in 2..=8 {
        let marker = format!("Findings {n}/45");
        latencies.push(timed(&t, &["j"], "the cursor", |s| s.contains(&marker)));
    }
    latencies.push(timed(&t, &["/"], "the query line", |s| s.contains("/ ")));
    for (i, c) in "openssl".char_indices() {
        let typed = &"openssl"[..=i];
        latencies.push(timed(&t, &["-l", &c.to_string()], "the typed text", |s| {
            s.contains(typed)
        }));
    }
    latencies.push(timed(&t, &["Enter"], "the filtered list", |s| {
        s.contains("query openssl")
    }));
    assert!(
        t.screen().contains("1 running"),
        "the scan is still running:\n{}",
        t.screen()
    );
    latencies.sort_by(f64::total_cmp);
    let p50 = latencies[latencies.len() / 2];
    let worst = latencies[latencies.len() - 1];
    eprintln!(
        "keys answered during a running scan: {} keys, p50 {p50:.1} ms, worst {worst:.1} ms (tmux capture included)",
        latencies.len()
    );
    t.keys(&["Escape"]);
    t.wait_for("the query cleared", |s| s.contains("45 of 45 findings"));

    // Cancel the running scanner from the tasks list: it is killed.
    t.keys(&["w"]);
    t.wait_for("the tasks list", |s| s.contains("Scan tasks"));
    t.keys(&["x"]);
    let cancelled = t.wait_for("the cancelled task", |s| s.contains("cancelled"));
    assert!(cancelled.contains("0 running"), "{cancelled}");
    let pid = std::fs::read_to_string(staging.path().join("trivy.pid")).unwrap();
    assert!(
        common::pid_gone(pid.trim()),
        "the cancelled scanner still runs"
    );
    t.keys(&["Escape"]);
    t.wait_for("the tasks list closed", |s| !s.contains("Scan tasks"));

    // A scan that finishes: the list stays put and a banner offers the results.
    std::fs::write(staging.path().join("go"), "").unwrap();
    t.keys(&["1", "r"]);
    let banner = t.wait_for("the new results banner", |s| s.contains("— U to show"));
    // The fake scanner reports one finding: the image's 18 others are gone.
    assert!(
        banner.contains("1 scan: 1 new finding, 18 resolved — U to show"),
        "{banner}"
    );
    assert!(
        !banner.contains("CVE-2099-0001"),
        "results applied before the key:\n{banner}"
    );
    t.keys(&["U"]);
    let applied = t.wait_for("the new finding", |s| s.contains("CVE-2099-0001"));
    assert!(!applied.contains("U to show"), "{applied}");
    // The rescan left 18 of the image's findings gone: the tallies count
    // what needs work only, the gone ones apart.
    assert!(
        applied.contains("CRIT 4  HIGH 9  MED 8  UNKN 7  ✓ 18"),
        "{applied}"
    );

    // Quitting while a scanner runs stops it.
    std::fs::remove_file(staging.path().join("go")).unwrap();
    std::fs::remove_file(staging.path().join("trivy.pid")).unwrap();
    t.keys(&["1", "r"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid = loop {
        if let Ok(pid) = std::fs::read_to_string(staging.path().join("trivy.pid")) {
            if !pid.trim().is_empty() {
                break pid;
            }
        }
        assert!(Instant::now() < deadline, "the last scan did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    assert!(
        common::pid_gone(pid.trim()),
        "a scanner outlived the console"
    );
}

#[test]
fn headless_scan_draws_a_progress_bar_on_a_terminal() {
    let staging = tempfile::tempdir().unwrap();
    let bin = slow_trivy(staging.path());
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let script = format!(
        "'{}' --workspace \"$PWD\" scan --image finance-tracker/backend:1.4.0 --tools trivy\necho EXIT=$? > exit.txt",
        common::bin().display()
    );
    let Some(t) = Tmux::start(
        "scanbar",
        &script,
        &[
            ("PATH", path.as_str()),
            ("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
        ],
    ) else {
        return;
    };
    let bar = t.wait_for("the progress bar", |s| {
        s.contains("[--------------------] 0/1 trivy finance-tracker/backend:1.4.0: downloading vulnerability DB")
    });
    assert!(
        bar.contains("started  trivy finance-tracker/backend:1.4.0"),
        "{bar}"
    );
    std::fs::write(staging.path().join("go"), "").unwrap();
    let done = t.wait_for("the summary", |s| s.contains("scan finished in"));
    assert!(
        done.contains("[1/1] done     trivy finance-tracker/backend:1.4.0: 1 findings, 1 new"),
        "{done}"
    );
    assert!(
        !done.contains("[--------------------]"),
        "the bar is cleared:\n{done}"
    );
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

/// The console on a pty whose other end is closed while SIGHUP is blocked
/// in it (so no signal says the terminal is gone): it notices and ends.
const VANISHING_TERMINAL: &str = r#"
import fcntl, os, pty, signal, struct, sys, termios, time
binary = sys.argv[1]
pid, master = pty.fork()
if pid == 0:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    preload = os.environ.pop("CHILD_LD_PRELOAD", "")
    if preload:
        os.environ["LD_PRELOAD"] = preload
    os.execv(binary, [binary, "demo"])
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
seen, deadline = b"", time.time() + 60
while b"release" not in seen and time.time() < deadline:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    seen += chunk
    # Answer the cursor-position query as a terminal would.
    for _ in range(chunk.count(b"\x1b[6n")):
        os.write(master, b"\x1b[1;1R")
if b"release" not in seen:
    print("the console never drew: %r" % seen[-400:]); os.kill(pid, 9); sys.exit(2)
os.close(master)
start = time.time()
while time.time() - start < 15:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print("exited %d after %.1fs" % (os.waitstatus_to_exitcode(status), time.time() - start))
        sys.exit(0)
    time.sleep(0.05)
print("still running 15s after its terminal went away"); os.kill(pid, 9); sys.exit(1)
"#;

#[test]
fn a_console_whose_terminal_vanished_without_a_hangup_ends() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed (it opens the pty)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(VANISHING_TERMINAL)
        .arg(common::bin())
        .env("SCANDECK_CONFIG_DIR", home.path().join("config"))
        .env("SCANDECK_DATA_DIR", home.path().join("data"))
        .env("TERM", "xterm-256color")
        // The helper's own sleeps fail under libfaketime (EINVAL): only the
        // console runs with the preload (docs/testing.md).
        .env_remove("LD_PRELOAD")
        .env(
            "CHILD_LD_PRELOAD",
            std::env::var("LD_PRELOAD").unwrap_or_default(),
        )
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("exited 129"), "{said}");
}

#[test]
fn o_opens_the_findings_file_in_the_editor_and_the_console_comes_back() {
    // The editor: writes what it was asked to open, then quits.
    let script = format!(
        "cat > editor.sh <<'SH'\n#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/editor-args.txt\"\nSH\nchmod +x editor.sh\nexport VISUAL=\"$PWD/editor.sh\"\n'{}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt",
        common::bin().display()
    );
    let Some(t) = Tmux::start("editor", &script, &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    t.keys(&["/"]);
    t.literal("aws-access-token kind:secret");
    t.keys(&["Enter"]);
    t.wait_for("the secret", |s| s.contains("1 of 45 findings"));
    t.keys(&["o"]);
    let args = t.wait_file("editor-args.txt");
    assert!(
        args.trim_start().starts_with('+') && args.contains("backend/config.py"),
        "the editor was asked for the file at its line: {args}"
    );
    let screen = t.wait_for("the console back", |s| {
        s.contains("back from editing backend/config.py") && s.contains("1 of 45 findings")
    });
    assert!(screen.contains("aws-access-token"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

/// Undo in the console puts back only what the console itself changed: an
/// acceptance another process recorded since is kept, and the console says
/// what changed and by whom (docs/reliability.md: decisions).
#[test]
fn undo_never_wipes_a_decision_another_process_made_since() {
    let report = serde_json::json!({"SchemaVersion": 2, "ArtifactName": "shop/api:1", "ArtifactType": "container_image",
        "Results": [{"Target": "shop/api:1 (debian 12.4)", "Class": "os-pkgs", "Type": "debian",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2026-100", "PkgName": "zlib", "InstalledVersion": "1.3", "Severity": "HIGH"}]}]});
    let bin = common::bin();
    let script = format!(
        "mkdir -p ws\ncat > report.json <<'JSON'\n{report}\nJSON\n'{bin}' --workspace ws import report.json > import.txt 2>&1\n'{bin}' --workspace ws\necho EXIT=$? > exit.txt",
        bin = bin.display()
    );
    let now = "2026-11-20T12:00:00Z";
    let Some(t) = Tmux::start(
        "undo-race",
        &script,
        &[
            ("SCANDECK_ACTOR", "Eve Engineer <eve@example.com>"),
            ("SCANDECK_NOW", now),
        ],
    ) else {
        return;
    };
    t.wait_for("the console", |s| s.contains("1 of 1 findings"));
    t.keys(&["z"]);
    t.wait_for("the snooze dialog", |s| s.contains("Snooze — 1 finding"));
    t.keys(&["Down"]);
    t.literal("waiting for the rebuild");
    t.keys(&["Enter"]);
    t.wait_for("the saved snooze", |s| {
        s.contains("snoozed: 1 finding(s) saved")
    });
    // Another shell records an acceptance with its approver and expiry.
    let ws = t.path("ws");
    let out = Command::new(&bin)
        .args(["--workspace"])
        .arg(&ws)
        .args([
            "triage",
            "accept",
            "--id",
            "CVE-2026-100",
            "--reason",
            "vendor patch due in January",
            "--until",
            "2027-01-15",
            "--approver",
            "Cleo CISO",
        ])
        .env("SCANDECK_ACTOR", "Oscar Ops <ops@example.com>")
        .env("SCANDECK_NOW", "2026-11-20T12:05:00Z")
        .env("SCANDECK_DATA_DIR", t.path("data"))
        .env("SCANDECK_CONFIG_DIR", t.path("config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    t.keys(&["Z"]);
    let screen = t.wait_for("the refused undo", |s| s.contains("not undone"));
    assert!(
        screen.contains("changed since") && screen.contains("Oscar Ops"),
        "{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join(".scandeck/decisions.json")).unwrap(),
    )
    .unwrap();
    let decisions: Vec<&serde_json::Value> =
        file["decisions"].as_object().unwrap().values().collect();
    assert_eq!(decisions.len(), 1, "{file:#}");
    assert_eq!(decisions[0]["disposition"], "accepted", "{file:#}");
    assert_eq!(decisions[0]["approver"], "Cleo CISO", "{file:#}");
    let verify = Command::new(&bin)
        .args(["--workspace"])
        .arg(&ws)
        .args(["triage", "verify"])
        .env("SCANDECK_DATA_DIR", t.path("data"))
        .env("SCANDECK_CONFIG_DIR", t.path("config"))
        .output()
        .unwrap();
    assert!(verify.status.success(), "{verify:?}");
}

/// The console's DefectDojo panel in a real terminal against the real
/// DefectDojo: `D` shows what waits, `s` syncs on a worker, a decision made
/// in DefectDojo comes back with `c` then `l`, and the console shows it.
#[test]
fn the_console_pushes_and_pulls_defectdojo_from_a_real_terminal() {
    let Some((url, token)) = common::dojo() else {
        return;
    };
    let product = format!("scandeck-console-{}", std::process::id());
    let report = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/reports/backend.trivy.json");
    let bin = common::bin();
    let script = format!(
        "mkdir -p config ws\n\
         printf '[defectdojo]\\nurl = \"{url}\"\\nproduct = \"{product}\"\\n' > config/config.toml\n\
         cp '{report}' ws/backend.trivy.json\n\
         '{bin}' --workspace ws import ws/backend.trivy.json > /dev/null\n\
         '{bin}' --workspace ws triage false-positive --id CVE-2023-45853 --reason 'zlib: not reachable' > /dev/null\n\
         '{bin}' --workspace ws\n\
         echo EXIT=$? > exit.txt",
        report = report.display(),
        bin = bin.display()
    );
    let Some(t) = Tmux::start(
        "dojo",
        &script,
        &[
            ("DEFECTDOJO_TOKEN", &token),
            ("SCANDECK_ACTOR", "Eve Engineer <eve@example.com>"),
        ],
    ) else {
        return;
    };
    t.wait_for("the console", |s| s.contains("CVE-2023-45853"));
    t.keys(&["D"]);
    t.wait_for("what waits", |s| {
        s.contains("waiting to push: 1") && s.contains("waiting to pull: 0")
    });
    t.keys(&["s"]);
    let synced = t.wait_for("the sync", |s| {
        s.contains("1 decision(s) written") && s.contains("waiting to push: 0")
    });
    assert!(synced.contains("false positive"), "{synced}");
    // In DefectDojo, someone marks another finding a false positive.
    let products = api(&url, &token, &format!("products/?name={product}"), None);
    let pid = products["results"][0]["id"].as_u64().expect("the product");
    let findings = api(
        &url,
        &token,
        &format!("findings/?test__engagement__product={pid}&limit=100&false_p=false"),
        None,
    );
    let other = findings["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("CVE-2023-31484")
        })
        .expect("perl's finding")
        .clone();
    api(
        &url,
        &token,
        &format!("findings/{}/", other["id"]),
        Some(r#"{"false_p": true, "active": false, "verified": false}"#),
    );
    t.keys(&["c"]);
    t.wait_for("the decision waiting to pull", |s| {
        s.contains("waiting to pull: 1")
    });
    t.keys(&["l"]);
    t.wait_for("the pull", |s| s.contains("took 1 decision(s)"));
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
    let decisions = std::fs::read_to_string(t.path("ws/.scandeck/decisions.json")).unwrap();
    assert!(decisions.contains("DefectDojo (admin)"), "{decisions}");
}

/// One API call with curl (as DefectDojo's web UI makes it).
fn api(url: &str, token: &str, path: &str, patch: Option<&str>) -> serde_json::Value {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-H"])
        .arg(format!("Authorization: Token {token}"))
        .arg(format!("{url}/api/v2/{path}"));
    if let Some(body) = patch {
        cmd.args([
            "-X",
            "PATCH",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
        ]);
    }
    serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap_or_default()
}

/// `r` on a finding of an image this Docker engine does not have (the
/// demo's images come from reports) says so, and what was queued, on one
/// status line (a message with colons was once cut to its first word).
#[test]
fn rescanning_an_image_the_engine_lacks_says_so_in_one_line() {
    let script = format!("'{}' --workspace \"$PWD\" demo", common::bin().display());
    let Some(t) = Tmux::start("rescan-missing", &script, &[]) else {
        return;
    };
    t.wait_for("the demo console", loaded);
    let engine = t.screen().lines().next().unwrap_or_default().to_string();
    // The findings pane: `r` rescans the selected finding's image.
    t.keys(&["2"]);
    t.keys(&["r"]);
    let no_engine = engine.contains("docker: absent") || engine.contains("unreachable");
    let screen = t.wait_for("the answer", |s| {
        let status = s.lines().nth(1).unwrap_or_default();
        if no_engine {
            status.contains("queued")
        } else {
            status.contains("postgres:15.4 is not on this")
        }
    });
    if no_engine {
        eprintln!("no Docker engine: the rescan is queued for registry scanners only");
    }
    assert!(
        !screen
            .lines()
            .nth(1)
            .unwrap_or_default()
            .contains("  postgres  "),
        "{screen}"
    );
    t.keys(&["q"]);
}

/// Three shells on one workspace: a decision, a checklist record and an
/// import made by other processes reach the open console without a key
/// press, the selection staying put; the scan waits behind its banner.
#[test]
fn the_work_of_other_shells_arrives_without_a_key_press() {
    let report = |image: &str, ids: &[&str]| {
        let vulns: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::json!({"VulnerabilityID": id, "PkgName": "zlib", "InstalledVersion": "1.3", "Severity": "HIGH"}))
            .collect();
        serde_json::json!({"SchemaVersion": 2, "ArtifactName": image, "ArtifactType": "container_image",
            "Results": [{"Target": format!("{image} (debian 12.4)"), "Class": "os-pkgs", "Type": "debian",
                "Vulnerabilities": vulns}]})
    };
    let bin = common::bin();
    let script = format!(
        "mkdir -p ws\ncat > report.json <<'JSON'\n{}\nJSON\n'{bin}' --workspace ws import report.json > import.txt 2>&1\n'{bin}' --workspace ws\necho EXIT=$? > exit.txt",
        report("shop/api:1", &["CVE-2026-201", "CVE-2026-202", "CVE-2026-203"]),
        bin = bin.display()
    );
    let Some(t) = Tmux::start(
        "live",
        &script,
        &[
            ("SCANDECK_ACTOR", "Eve Engineer <eve@example.com>"),
            ("SCANDECK_NOW", "2026-11-20T12:00:00Z"),
        ],
    ) else {
        return;
    };
    t.wait_for("the console", |s| s.contains("3 of 3 findings"));
    t.keys(&["j"]);
    let ws = t.path("ws");
    let other = |args: &[&str]| {
        let out = Command::new(&bin)
            .args(["--workspace"])
            .arg(&ws)
            .args(args)
            .env("SCANDECK_ACTOR", "Oscar Ops <ops@example.com>")
            .env("SCANDECK_NOW", "2026-11-20T12:05:00Z")
            .env("SCANDECK_DATA_DIR", t.path("data"))
            .env("SCANDECK_CONFIG_DIR", t.path("config"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    };

    other(&[
        "triage",
        "accept",
        "--id",
        "CVE-2026-203",
        "--reason",
        "not reachable",
        "--until",
        "2027-01-15",
        "--approver",
        "Cleo CISO",
    ]);
    let screen = t.wait_for("the decision from the other shell", |s| {
        s.contains("arrived: 1 decision by Oscar Ops")
    });
    assert!(
        screen.contains("✓ 1"),
        "the accepted finding is counted apart:\n{screen}"
    );
    assert!(screen.contains("HIGH 2"), "{screen}");

    other(&["checklist", "check", "backups"]);
    t.wait_for("the checklist record from the other shell", |s| {
        s.contains("arrived: 1 checklist record by Oscar Ops")
    });

    std::fs::write(
        t.path("second.json"),
        report("shop/web:2", &["CVE-2026-301"]).to_string(),
    )
    .unwrap();
    other(&["import", t.path("second.json").to_str().unwrap()]);
    let banner = t.wait_for("the other shell's scan", |s| s.contains("U to show"));
    assert!(
        banner.contains("1 scan: 1 new finding — U to show"),
        "{banner}"
    );
    assert!(
        banner.contains("of 3 findings"),
        "nothing moved in before U:\n{banner}"
    );
    t.keys(&["U"]);
    t.wait_for("the new scan's finding", |s| s.contains("CVE-2026-301"));
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

/// The command line in a real terminal: `:export html` writes the shown
/// rows, a bracketed paste lands in the query line without applying it,
/// and a view saved by name comes back after a restart.
#[test]
fn the_command_line_exports_and_a_saved_view_reopens_after_a_restart() {
    let bin = common::bin();
    let script = format!(
        "'{bin}' --workspace \"$PWD\" demo\necho FIRST=$? > first.txt\n'{bin}' --workspace \"$PWD\" demo\necho EXIT=$? > exit.txt",
        bin = bin.display()
    );
    let Some(t) = Tmux::start("command-line", &script, &[]) else {
        return;
    };
    t.wait_for("the demo", loaded);
    t.keys(&[":"]);
    t.literal("exp");
    t.wait_for("the completion with its key", |s| {
        s.contains(":exp") && s.contains("export <format> [file]")
    });
    t.keys(&["Tab"]);
    t.literal("html");
    t.keys(&["Enter"]);
    let exported = t.wait_for("the export", |s| s.contains("exported 45 findings"));
    assert!(exported.contains("scandeck-export.html"), "{exported}");
    let written = common::files_under(t.dir.path())
        .into_iter()
        .find(|f| f.ends_with("scandeck-export.html"))
        .expect("the export was written in the workspace");
    let html = std::fs::read_to_string(written).unwrap();
    assert!(html.contains("CVE-2023-24538"), "the export holds the rows");

    // A paste goes whole into the query line: its line break applies nothing.
    t.keys(&["/"]);
    let tmux = |args: &[&str]| {
        let status = Command::new("tmux")
            .args(["-L", &t.socket])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "{args:?}");
    };
    tmux(&["set-buffer", "sev:critical\n"]);
    tmux(&["paste-buffer", "-p", "-t", "t"]);
    let pasted = t.wait_for("the pasted query", |s| s.contains("6 of 45 findings"));
    assert!(pasted.contains("/ sev:critical"), "{pasted}");
    t.keys(&["Enter"]);
    t.keys(&[":"]);
    t.literal("view save crit");
    t.keys(&["Enter"]);
    t.wait_for("the saved view", |s| s.contains("view crit saved"));
    // Leave with the query cleared: the view, not the last query, brings it back.
    t.keys(&["Escape"]);
    t.wait_for("the query cleared", |s| s.contains("45 of 45 findings"));
    t.keys(&["q"]);
    assert_eq!(t.wait_file("first.txt").trim(), "FIRST=0");
    t.wait_for("the demo again", |s| s.contains("45 of 45 findings"));
    t.keys(&[":"]);
    t.literal("view crit");
    t.keys(&["Enter"]);
    let again = t.wait_for("the saved view after the restart", |s| {
        s.contains("6 of 45 findings")
    });
    assert!(again.contains("query sev:critical"), "{again}");
    t.keys(&["q"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

/// One line editor in a real terminal: the query line edits in the middle
/// of its text; `Ctrl-Z` suspends from the query line and from a dialog
/// and `fg` brings them back as they were; `Ctrl-C` cancels each.
#[test]
fn text_fields_edit_in_the_middle_and_answer_ctrl_c_and_ctrl_z() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: bash is not installed");
        return;
    }
    let script = "exec bash --norc --noprofile -i".to_string();
    let Some(t) = Tmux::start("fields", &script, &[]) else {
        return;
    };
    t.wait_for("a shell prompt", |s| s.contains('$') || s.contains('#'));
    t.literal(&format!(
        "'{}' --workspace \"$PWD\" demo",
        common::bin().display()
    ));
    t.keys(&["Enter"]);
    t.wait_for("the demo console", loaded);
    t.keys(&["/"]);
    t.literal("openssl");
    t.keys(&["Left", "Left", "Left"]);
    t.literal("X");
    t.wait_for("the text edited in the middle", |s| {
        s.contains("/ openXssl")
    });
    t.keys(&["BSpace"]);
    t.wait_for("the character before the cursor deleted", |s| {
        s.contains("/ openssl") && s.contains("of 45 findings")
    });
    t.keys(&["C-z"]);
    t.wait_for("the stopped job", |s| s.contains("Stopped"));
    t.literal("fg");
    t.keys(&["Enter"]);
    t.wait_for("the query line as it was", |s| s.contains("/ openssl"));
    t.keys(&["C-c"]);
    t.wait_for("the query line cancelled", |s| {
        s.contains("45 of 45 findings") && !s.contains("/ openssl")
    });
    t.keys(&["z"]);
    t.wait_for("the snooze dialog", |s| s.contains("Snooze — 1 finding"));
    t.keys(&["C-z"]);
    t.wait_for("the stopped job", |s| s.contains("Stopped"));
    t.literal("fg");
    t.keys(&["Enter"]);
    t.wait_for("the dialog as it was", |s| s.contains("Snooze — 1 finding"));
    t.keys(&["C-c"]);
    t.wait_for("the dialog cancelled", |s| {
        !s.contains("Snooze — 1 finding")
    });
    t.keys(&["q"]);
    t.wait_for("the shell again", |s| !s.contains("Findings"));
    t.literal("echo EXIT=$? > exit.txt");
    t.keys(&["Enter"]);
    assert_eq!(t.wait_file("exit.txt").trim(), "EXIT=0");
}

/// The three jobs side by side, in three terminals on one workspace: the
/// engineer claims a fix, ops ticks a checklist item, the reviewer notes a
/// finding and exports the view; each console shows the others' work
/// within a second, without a key press (issue 25's walk; the key counts
/// are in its closing note).
#[test]
fn an_engineer_ops_and_a_reviewer_see_each_others_work() {
    let bin = common::bin();
    let engineer = Tmux::start(
        "role-engineer",
        &format!("'{}' --workspace \"$PWD\" demo", bin.display()),
        &[("SCANDECK_ACTOR", "Eve Engineer <eve@example.com>")],
    );
    let Some(engineer) = engineer else {
        return;
    };
    engineer.wait_for("the engineer's console", loaded);
    let data = engineer.path("data");
    let config = engineer.path("config");
    let ws = data.join("demo/finance-tracker");
    assert!(
        ws.join(".scandeck").is_dir(),
        "the demo workspace is at {ws:?}"
    );
    let open_as = |name: &str, actor: &str| {
        Tmux::start(
            name,
            &format!("'{}' --workspace '{}'", bin.display(), ws.display()),
            &[
                ("SCANDECK_ACTOR", actor),
                ("SCANDECK_DATA_DIR", data.to_str().unwrap()),
                ("SCANDECK_CONFIG_DIR", config.to_str().unwrap()),
            ],
        )
        .unwrap()
    };
    let ops = open_as("role-ops", "Oscar Ops <ops@example.com>");
    let reviewer = open_as("role-reviewer", "Rita Reviewer <rita@example.com>");
    ops.wait_for("the ops console", loaded);
    reviewer.wait_for("the reviewer's console", loaded);

    // The engineer works down the criticals: 14 keys to the list, 2 to claim a fix.
    engineer.keys(&["/"]);
    engineer.literal("sev:critical");
    engineer.keys(&["Enter"]);
    engineer.wait_for("the criticals", |s| s.contains("6 of 45 findings"));
    engineer.keys(&["f"]);
    engineer.wait_for("the fix dialog", |s| s.contains("Mark fixed — 1 finding"));
    engineer.keys(&["Enter"]);
    engineer.wait_for("the saved claim", |s| s.contains("fix-pending"));
    for other in [&ops, &reviewer] {
        other.wait_for("the engineer's decision, unasked", |s| {
            s.contains("arrived: 1 decision by Eve Engineer")
        });
    }

    // Ops walks the checklist: c, four rows down, x, Esc (7 keys).
    ops.keys(&["c"]);
    ops.wait_for("the checklist", |s| s.contains("Production deployment"));
    ops.keys(&["j", "j", "j", "j", "x"]);
    ops.wait_for("the recorded item", |s| {
        s.contains("recorded done by Oscar Ops")
    });
    ops.keys(&["Escape"]);
    for other in [&engineer, &reviewer] {
        other.wait_for("the ops record, unasked", |s| {
            s.contains("arrived: 1 checklist record by Oscar Ops")
        });
    }

    // The reviewer: what blocks the release (b), a note, and the export.
    reviewer.keys(&["b"]);
    reviewer.wait_for("the first blocker's findings", |s| s.contains("blocker 1/"));
    reviewer.keys(&["n"]);
    reviewer.wait_for("the note dialog", |s| s.contains("Add a note"));
    reviewer.literal("reviewed for the 1.4 release");
    reviewer.keys(&["Enter"]);
    reviewer.wait_for("the saved note", |s| s.contains("noted on 1 finding(s)"));
    for other in [&engineer, &ops] {
        other.wait_for("the reviewer's note, unasked", |s| {
            s.contains("arrived: 1 note by Rita Reviewer")
        });
    }
    reviewer.keys(&[":"]);
    reviewer.literal("export md");
    reviewer.keys(&["Enter"]);
    reviewer.wait_for("the export", |s| s.contains("exported"));
    let markdown = std::fs::read_to_string(ws.join("scandeck-export.md")).unwrap();
    // The first blocker's view: the criticals still open, five of the six
    // after the engineer's claim, which the gate names as unverified.
    assert!(
        markdown.contains("5 finding\\(s\\) need work \\(5 critical")
            && markdown.contains("unverified-fix"),
        "the reviewer's export carries the engineer's claim:\n{markdown}"
    );
    for t in [&engineer, &ops, &reviewer] {
        t.keys(&["Escape", "q"]);
    }
}
