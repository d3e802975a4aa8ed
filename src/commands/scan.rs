//! `scandeck scan`: runs scans headless through the same task runner as the
//! console. Progress goes to stderr (a progress bar on a terminal), a summary
//! at the end; exit 1 when `--fail-on` is met, 3 when a scan failed.

use super::{warn, Failure, Outcome};
use crate::cli::ScanArgs;
use crate::config::Paths;
use crate::model::Severity;
use crate::query::Filter;
use crate::scan::process::Limits;
use crate::scan::runner::{self, Runner, RunnerConfig, TaskEvent, TaskId};
use crate::scan::task::{self, Request, ToolChoice};
use crate::scan::{docker, external};
use crate::store::Workspace;
use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// `90s`, `15m`, `1h`, or plain seconds (`model::duration`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let delta = crate::model::duration::parse(t, "s").ok_or_else(|| {
        format!("--timeout {t:?}: expected a number with s, m or h, e.g. 90s or 15m")
    })?;
    match delta.to_std() {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err("--timeout must be more than 0".into()),
    }
}

pub fn run(paths: &Paths, workspace: &Path, args: &ScanArgs) -> Outcome {
    let redactor = super::redactor(paths, workspace, true)?;
    let policy = super::sla_policy(paths)?;
    let fail_on = match &args.fail_on {
        Some(word) => match Severity::from_word(word) {
            Severity::Unknown => {
                return Err(Failure::input(format!(
                    "--fail-on {word:?}: expected critical, high, medium, low or info"
                )))
            }
            s => Some(s),
        },
        None => None,
    };
    let timeout = parse_duration(&args.timeout).map_err(Failure::input)?;
    let tools = match &args.tools {
        Some(list) => ToolChoice::parse(list).map_err(Failure::input)?,
        None => ToolChoice::default(),
    };
    let root = std::fs::canonicalize(workspace).map_err(|e| {
        Failure::input(format!(
            "{}: cannot open the workspace: {e}",
            workspace.display()
        ))
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the scan runtime: {e}")))?;
    let ws = Workspace::at(&root);
    let mut config = RunnerConfig::new(ws.clone(), redactor.clone());
    config.concurrency = args.jobs.max(1);
    config.limits = Limits {
        timeout,
        stdout_cap: args.max_output.max(1024),
    };
    let summary = rt.block_on(async {
        let mut images = args.images.clone();
        let wants_engine = args.all_images || args.containers || !images.is_empty();
        if wants_engine {
            match docker::connect().await {
                Ok((engine, info)) => {
                    warn(&format!("engine: {info}"));
                    if args.all_images {
                        let listed = docker::list_images(&engine).await.map_err(Failure::input)?;
                        for image in listed {
                            let r = image.reference();
                            if !images.contains(&r) {
                                images.push(r);
                            }
                        }
                    }
                }
                Err(problem) if args.all_images || args.containers => {
                    return Err(Failure::input(problem.to_string()))
                }
                Err(problem) => warn(&format!(
                    "{problem}; image checks need it, external scanners may not"
                )),
            }
        }
        let project = args.project || (images.is_empty() && !args.all_images && !args.containers);
        let request = Request {
            images,
            containers: args.all_images || args.containers,
            project: project.then(|| root.clone()),
            tools,
        };
        let (tasks, missing) = task::plan(&request, &root, &external::locate);
        for m in &missing {
            eprintln!("not installed: {} (install: {})", m.tool, m.hint);
        }
        // A tool named with --tools that cannot run is a scan that did not
        // happen: never a green result.
        let unmet: Vec<&str> = missing
            .iter()
            .filter(|m| request.tools.named(m.tool))
            .map(|m| m.tool)
            .collect();
        let mut summary = if tasks.is_empty() {
            eprintln!("nothing to scan with the chosen tools");
            Summary::default()
        } else {
            drive(config, tasks).await
        };
        summary.failed += unmet.len();
        summary.unmet_named = unmet.iter().map(|t| t.to_string()).collect();
        Ok(summary)
    })?;
    // Leaving the runtime drops the tasks; each scanner's group is killed.
    drop(rt);
    if let Some(code) = summary.interrupted {
        return Ok(code);
    }
    let mut code = 0;
    if let Some(threshold) = fail_on {
        let listing = super::list::listing(
            &ws,
            &redactor,
            &Filter::default(),
            crate::cli::SortArgs::default(),
            crate::clock::now(),
            &policy,
        )?;
        let hits = listing
            .rows()
            .into_iter()
            .filter(|(f, a)| {
                summary.reports.contains(f.source.report.as_str())
                    && f.severity >= threshold
                    && f.severity != Severity::Unknown
                    && a.status.needs_work()
            })
            .count();
        if hits > 0 {
            eprintln!(
                "fail-on {}: {hits} open finding(s) at or above {} in this scan",
                threshold.as_str(),
                threshold.as_str()
            );
            code = 1;
        }
    }
    if code == 0 && summary.failed > 0 {
        code = 3;
    }
    if !summary.unmet_named.is_empty() {
        warn(&format!(
            "scan failed: {} named with --tools but not installed; nothing was checked with it",
            summary.unmet_named.join(", ")
        ));
    }
    Ok(code)
}

/// Waits for the signal, or forever when it could not be listened for.
async fn arrival(signal: &mut Option<tokio::signal::unix::Signal>) {
    match signal.as_mut() {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

#[derive(Default)]
struct Summary {
    failed: usize,
    /// Tools named with `--tools` that are not installed.
    unmet_named: Vec<String>,
    /// The exit code of the signal that stopped the scan.
    interrupted: Option<i32>,
    /// Report names imported by this scan (the findings' source).
    reports: HashSet<String>,
}

struct Progress {
    bar: bool,
    total: usize,
    done: usize,
    labels: BTreeMap<TaskId, String>,
    started: BTreeMap<TaskId, Instant>,
    running: BTreeMap<TaskId, String>,
}

impl Progress {
    fn line(&mut self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.bar {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "{}", crate::sanitize::sanitize_line(text));
        if self.bar {
            self.draw_bar(&mut err);
        }
    }

    fn draw_bar(&self, err: &mut impl Write) {
        let width = crossterm::terminal::size().map_or(80, |(w, _)| w as usize);
        let filled = (20 * self.done)
            .checked_div(self.total)
            .unwrap_or(0)
            .min(20);
        let now: Vec<String> = self.running.values().cloned().collect();
        let text = format!(
            "[{}{}] {}/{} {}",
            "#".repeat(filled),
            "-".repeat(20 - filled),
            self.done,
            self.total,
            now.join(" · ")
        );
        let shown = crate::sanitize::truncate_chars(
            &crate::sanitize::sanitize_line(&text),
            width.saturating_sub(1),
        )
        .into_owned();
        let _ = write!(err, "\r\x1b[2K{shown}");
        let _ = err.flush();
    }

    fn label(&self, id: TaskId) -> String {
        self.labels.get(&id).cloned().unwrap_or_default()
    }
}

async fn drive(config: RunnerConfig, tasks: Vec<task::TaskSpec>) -> Summary {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::start(config, tx);
    let started_all = Instant::now();
    let mut p = Progress {
        bar: std::io::stderr().is_terminal(),
        total: tasks.len(),
        done: 0,
        labels: BTreeMap::new(),
        started: BTreeMap::new(),
        running: BTreeMap::new(),
    };
    // Listening before any scanner starts: a signal that arrives early must
    // still stop the scanners instead of killing scandeck outright.
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).ok();
    // A closed terminal must stop the scanners too, not leave them running.
    let mut hangup = signal(SignalKind::hangup()).ok();
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    for spec in tasks {
        let label = spec.label();
        let id = runner.submit(spec);
        p.labels.insert(id, label);
    }
    let mut summary = Summary::default();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut findings, mut new) = (0usize, 0usize);
    while p.done < p.total {
        let event = tokio::select! {
            event = rx.recv() => event,
            _ = arrival(&mut interrupt) => {
                summary.interrupted = Some(130);
                None
            }
            _ = arrival(&mut terminate) => {
                summary.interrupted = Some(143);
                None
            }
            _ = arrival(&mut hangup) => {
                summary.interrupted = Some(129);
                None
            }
        };
        let Some(event) = event else {
            if summary.interrupted.is_some() {
                p.line(&format!(
                    "interrupted: stopping {} running scan(s) with their children",
                    p.running.len()
                ));
            }
            break;
        };
        match event {
            TaskEvent::Queued { .. } => {}
            TaskEvent::Started { id } => {
                p.started.insert(id, Instant::now());
                p.running.insert(id, p.label(id));
                let text = format!("started  {}", p.label(id));
                p.line(&text);
            }
            TaskEvent::Stage { id, stage } => {
                p.running.insert(id, format!("{}: {stage}", p.label(id)));
                if p.bar {
                    p.draw_bar(&mut std::io::stderr().lock());
                }
            }
            TaskEvent::Command { id: _, command } => p.line(&format!("         $ {command}")),
            TaskEvent::Line { id, line } => {
                p.running.insert(id, format!("{}: {line}", p.label(id)));
                if p.bar {
                    p.draw_bar(&mut std::io::stderr().lock());
                }
            }
            TaskEvent::Done { id, outcome } => {
                p.done += 1;
                p.running.remove(&id);
                let elapsed = p
                    .started
                    .get(&id)
                    .map_or(0.0, |s| s.elapsed().as_secs_f64());
                *counts.entry(outcome.word()).or_default() += 1;
                let label = p.label(id);
                let text = match &outcome {
                    runner::Outcome::Imported {
                        findings: n,
                        new: fresh,
                        duplicate,
                        notes,
                        report_name,
                        ..
                    } => {
                        findings += n;
                        new += fresh;
                        summary.reports.insert(report_name.clone());
                        let same = if *duplicate {
                            ", same as last time"
                        } else {
                            ""
                        };
                        let notes = if notes.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", notes.join("; "))
                        };
                        format!("done     {label}: {n} findings, {fresh} new{same} ({elapsed:.2}s){notes}")
                    }
                    runner::Outcome::Failed(why) => {
                        summary.failed += 1;
                        format!("FAILED   {label}: {why} ({elapsed:.2}s)")
                    }
                    other => format!("{:<8} {label}", other.word()),
                };
                p.line(&format!("[{}/{}] {text}", p.done, p.total));
            }
        }
    }
    if p.bar {
        eprint!("\r\x1b[2K");
    }
    let parts: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    eprintln!(
        "scan finished in {:.3}s: {}; {findings} findings, {new} new",
        started_all.elapsed().as_secs_f64(),
        parts.join(" · ")
    );
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        // One parser for every duration a user types (model::duration).
        assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86_400));
        assert!(parse_duration("99999999999999h").is_err(), "no overflow");
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
