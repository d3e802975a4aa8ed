//! The task runner on its own: bounded concurrency, newest-wins for the same
//! target with stale results dropped, cancelling queued and running tasks,
//! progress events. Real child processes (stand-in scanners) throughout.

use crate::common;

use scandeck::scan::external::ExternalTarget;
use scandeck::scan::process::Limits;
use scandeck::scan::runner::{Outcome, Runner, RunnerConfig, TaskEvent, TaskId};
use scandeck::scan::task::{Job, TaskSpec};
use scandeck::store::Workspace;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A stand-in trivy that waits until `$dir/go-<image>` exists, printing progress.
fn stand_in(dir: &Path) -> PathBuf {
    let report = common::trivy(
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
    );
    std::fs::write(dir.join("report.json"), report.to_string()).unwrap();
    let path = dir.join("trivy");
    std::fs::write(
        &path,
        format!(
            r#"#!/bin/sh
case "$1" in --version) echo "Version: 0.58.1"; exit 0;; esac
out=""; prev=""; last=""
for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; last="$a"; done
tag=$(echo "$last" | tr '/:' '__')
while [ ! -f "{dir}/go-$tag" ]; do echo "waiting for $last" >&2; sleep 0.05; done
cat "{dir}/report.json" > "$out"
"#,
            dir = dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn spec(program: &Path, image: &str, root: &Path) -> TaskSpec {
    TaskSpec {
        job: Job::External {
            tool: "trivy",
            program: program.to_path_buf(),
            target: ExternalTarget::Image(image.to_string()),
        },
        root: root.to_path_buf(),
    }
}

fn release(dir: &Path, image: &str) {
    std::fs::write(
        dir.join(format!("go-{}", image.replace(['/', ':'], "_"))),
        "",
    )
    .unwrap();
}

struct Harness {
    events: tokio::sync::mpsc::UnboundedReceiver<TaskEvent>,
    log: Vec<TaskEvent>,
}

impl Harness {
    /// The first event that matches, already seen or still to come.
    async fn until(&mut self, what: &str, pred: impl Fn(&TaskEvent) -> bool) -> TaskEvent {
        if let Some(e) = self.log.iter().find(|e| pred(e)) {
            return e.clone();
        }
        let wait = async {
            loop {
                let e = self.events.recv().await.expect("runner alive");
                self.log.push(e.clone());
                if pred(&e) {
                    return e;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    async fn done(&mut self, id: TaskId) -> Outcome {
        match self
            .until(
                &format!("task {id} done"),
                |e| matches!(e, TaskEvent::Done { id: d, .. } if *d == id),
            )
            .await
        {
            TaskEvent::Done { outcome, .. } => outcome,
            _ => unreachable!(),
        }
    }

    fn running_at_most(&self) -> usize {
        let mut running: HashMap<TaskId, bool> = HashMap::new();
        let mut most = 0;
        for e in &self.log {
            match e {
                TaskEvent::Started { id } => {
                    running.insert(*id, true);
                }
                TaskEvent::Done { id, .. } => {
                    running.remove(id);
                }
                _ => {}
            }
            most = most.max(running.len());
        }
        most
    }
}

fn start(dir: &Path) -> (Runner, Harness) {
    let ws = dir.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let mut config = RunnerConfig::new(Workspace::at(&ws), common::redactor());
    config.limits = Limits {
        timeout: Duration::from_secs(60),
        stdout_cap: 1 << 20,
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::start(config, tx);
    (
        runner,
        Harness {
            events: rx,
            log: Vec::new(),
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_run_at_once_the_rest_wait_and_progress_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let program = stand_in(dir.path());
    let (runner, mut h) = start(dir.path());
    let images = ["a/one:1", "a/two:1", "a/three:1", "a/four:1"];
    let ids: Vec<TaskId> = images
        .iter()
        .map(|i| runner.submit(spec(&program, i, dir.path())))
        .collect();
    // Both running tasks report their scanner's output before anything is released.
    for image in &images[..2] {
        let want = format!("waiting for {image}");
        h.until(
            &want,
            |e| matches!(e, TaskEvent::Line { line, .. } if *line == want),
        )
        .await;
    }
    assert_eq!(h.running_at_most(), 2);
    assert!(
        !h.log
            .iter()
            .any(|e| matches!(e, TaskEvent::Started { id } if *id == ids[2])),
        "a third task started while two ran"
    );
    assert!(h.log.iter().any(|e| matches!(e, TaskEvent::Command { command, .. } if command.contains("image --quiet --format json --output"))));
    for image in images {
        release(dir.path(), image);
    }
    for id in &ids {
        assert!(matches!(
            h.done(*id).await,
            Outcome::Imported { findings: 1, .. }
        ));
    }
    assert_eq!(h.running_at_most(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_scan_of_the_same_target_wins() {
    let dir = tempfile::tempdir().unwrap();
    let program = stand_in(dir.path());
    let (runner, mut h) = start(dir.path());
    let first = runner.submit(spec(&program, "shop/api:1", dir.path()));
    h.until(
        "the first scan running",
        |e| matches!(e, TaskEvent::Line { id, .. } if *id == first),
    )
    .await;
    let second = runner.submit(spec(&program, "shop/api:1", dir.path()));
    assert_eq!(h.done(first).await, Outcome::Superseded);
    match h
        .until(
            "the second queued",
            |e| matches!(e, TaskEvent::Queued { id, .. } if *id == second),
        )
        .await
    {
        TaskEvent::Queued { generation, .. } => assert_eq!(generation, 2),
        _ => unreachable!(),
    }
    // A queued scan of the same target is replaced too, without ever starting.
    let other = runner.submit(spec(&program, "shop/web:1", dir.path()));
    let third = runner.submit(spec(&program, "shop/api:1", dir.path()));
    release(dir.path(), "shop/api:1");
    release(dir.path(), "shop/web:1");
    let second_outcome = h.done(second).await;
    assert!(
        matches!(second_outcome, Outcome::Superseded),
        "the second was running when the third came: {second_outcome:?}"
    );
    assert!(matches!(h.done(third).await, Outcome::Imported { .. }));
    assert!(matches!(h.done(other).await, Outcome::Imported { .. }));
    // Only the newest scan of shop/api was imported.
    let ws = Workspace::at(&dir.path().join("ws"));
    let current = ws.current_findings(&common::redactor()).unwrap();
    assert_eq!(current.runs.len(), 2, "{:?}", current.runs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_queued_and_a_running_task() {
    let dir = tempfile::tempdir().unwrap();
    let program = stand_in(dir.path());
    let (runner, mut h) = start(dir.path());
    let running = [
        runner.submit(spec(&program, "x/one:1", dir.path())),
        runner.submit(spec(&program, "x/two:1", dir.path())),
    ];
    let queued = runner.submit(spec(&program, "x/three:1", dir.path()));
    h.until(
        "a running scanner",
        |e| matches!(e, TaskEvent::Line { id, .. } if *id == running[0]),
    )
    .await;
    runner.cancel(queued);
    assert_eq!(h.done(queued).await, Outcome::Cancelled);
    assert!(!h
        .log
        .iter()
        .any(|e| matches!(e, TaskEvent::Started { id } if *id == queued)));
    runner.cancel(running[0]);
    assert_eq!(h.done(running[0]).await, Outcome::Cancelled);
    release(dir.path(), "x/two:1");
    assert!(matches!(h.done(running[1]).await, Outcome::Imported { .. }));
}
