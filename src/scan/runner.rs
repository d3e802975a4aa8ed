//! The task runner: a queue of scan tasks on tokio with bounded concurrency,
//! cancellation, a newest-wins rule for repeated scans of the same thing and
//! generation numbers so that a stale result is never imported. Finished
//! results go through the ingest layer into the workspace like any import.
//! Everything it does is reported as `TaskEvent`s.

use super::external::{self, Output};
use super::native_report::{self, to_sarif};
use super::process::{self, Invocation, Limits};
use super::task::{Job, TaskSpec};
use crate::model::Redactor;
use crate::store::import::Importer;
use crate::store::Workspace;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

pub type TaskId = u64;

#[derive(Clone)]
pub struct RunnerConfig {
    pub workspace: Workspace,
    pub redactor: Redactor,
    /// Tasks running at once.
    pub concurrency: usize,
    pub limits: Limits,
    pub max_report_bytes: u64,
}

impl RunnerConfig {
    pub fn new(workspace: Workspace, redactor: Redactor) -> RunnerConfig {
        RunnerConfig {
            workspace,
            redactor,
            concurrency: DEFAULT_CONCURRENCY,
            limits: Limits {
                timeout: DEFAULT_TIMEOUT,
                stdout_cap: DEFAULT_OUTPUT_CAP,
            },
            max_report_bytes: crate::ingest::max_report_bytes_from_env(),
        }
    }
}

pub const DEFAULT_CONCURRENCY: usize = 2;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Most bytes of a scanner's standard output kept (its report, for tools that print it).
pub const DEFAULT_OUTPUT_CAP: usize = 256 << 20;
/// A version probe must answer quickly.
const VERSION_TIMEOUT: Duration = Duration::from_secs(20);
/// Stderr lines are forwarded at most this often (the newest wins).
const LINE_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Clone, Debug, PartialEq)]
pub enum TaskEvent {
    Queued {
        id: TaskId,
        generation: u64,
        key: String,
        label: String,
    },
    Started {
        id: TaskId,
    },
    /// What the task is doing now: `connecting`, `version`, `scanning`, `importing`.
    Stage {
        id: TaskId,
        stage: String,
    },
    /// The command line an external scanner runs, for the task detail.
    Command {
        id: TaskId,
        command: String,
    },
    /// The scanner's newest stderr line, sanitised.
    Line {
        id: TaskId,
        line: String,
    },
    Done {
        id: TaskId,
        outcome: Outcome,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Imported {
        run_id: u64,
        report_name: String,
        findings: usize,
        /// Findings not in the previous scan of the same target.
        new: usize,
        /// The same report as last time: nothing recorded.
        duplicate: bool,
        notes: Vec<String>,
    },
    Failed(String),
    Cancelled,
    /// A newer scan of the same target replaced it.
    Superseded,
}

impl Outcome {
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Imported { .. } => "done",
            Outcome::Failed(_) => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Superseded => "superseded",
        }
    }
}

enum Command {
    Submit(TaskId, TaskSpec),
    Cancel(TaskId),
}

/// The handle the console and `scandeck scan` use; cheap to clone.
#[derive(Clone)]
pub struct Runner {
    commands: mpsc::UnboundedSender<Command>,
    next_id: Arc<AtomicU64>,
}

impl Runner {
    /// Starts the coordinator on the current tokio runtime.
    pub fn start(config: RunnerConfig, events: mpsc::UnboundedSender<TaskEvent>) -> Runner {
        let (commands, rx) = mpsc::unbounded_channel();
        tokio::spawn(coordinate(Arc::new(config), rx, events));
        Runner {
            commands,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    pub fn submit(&self, spec: TaskSpec) -> TaskId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let _ = self.commands.send(Command::Submit(id, spec));
        id
    }

    pub fn cancel(&self, id: TaskId) {
        let _ = self.commands.send(Command::Cancel(id));
    }
}

struct Pending {
    id: TaskId,
    generation: u64,
    spec: TaskSpec,
}

struct Running {
    key: String,
    generation: u64,
    cancel: watch::Sender<bool>,
    cancelled: bool,
    superseded: bool,
}

/// What a finished task hands to the import.
struct Produced {
    bytes: Vec<u8>,
    notes: Vec<String>,
    /// Added to an import error: how the scanner ended.
    context: String,
}

type Finished = (TaskId, TaskSpec, Result<Produced, String>);

async fn coordinate(
    config: Arc<RunnerConfig>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<TaskEvent>,
) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    let mut queue: VecDeque<Pending> = VecDeque::new();
    let mut running: HashMap<TaskId, Running> = HashMap::new();
    let mut latest: HashMap<String, u64> = HashMap::new();
    let emit = |e: TaskEvent| {
        let _ = events.send(e);
    };
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Submit(id, spec)) => {
                    let key = spec.key();
                    let generation = {
                        let g = latest.entry(key.clone()).or_insert(0);
                        *g += 1;
                        *g
                    };
                    queue.retain(|p| {
                        let stale = p.spec.key() == key;
                        if stale {
                            emit(TaskEvent::Done { id: p.id, outcome: Outcome::Superseded });
                        }
                        !stale
                    });
                    for r in running.values_mut().filter(|r| r.key == key) {
                        r.superseded = true;
                        let _ = r.cancel.send(true);
                    }
                    emit(TaskEvent::Queued { id, generation, key, label: spec.label() });
                    queue.push_back(Pending { id, generation, spec });
                }
                Some(Command::Cancel(id)) => {
                    if let Some(pos) = queue.iter().position(|p| p.id == id) {
                        queue.remove(pos);
                        emit(TaskEvent::Done { id, outcome: Outcome::Cancelled });
                    } else if let Some(r) = running.get_mut(&id) {
                        r.cancelled = true;
                        let _ = r.cancel.send(true);
                    }
                }
                None => {
                    // Nobody can see results any more: stop what runs.
                    for r in running.values() {
                        let _ = r.cancel.send(true);
                    }
                    return;
                }
            },
            Some((id, spec, result)) = done_rx.recv() => {
                let Some(r) = running.remove(&id) else { continue };
                let current = latest.get(&r.key) == Some(&r.generation);
                let outcome = if r.cancelled {
                    Outcome::Cancelled
                } else if r.superseded || !current {
                    Outcome::Superseded
                } else {
                    match result {
                        Err(e) => Outcome::Failed(e),
                        Ok(produced) => {
                            emit(TaskEvent::Stage { id, stage: "importing".into() });
                            let config = Arc::clone(&config);
                            tokio::task::spawn_blocking(move || import(&config, &spec, produced))
                                .await
                                .unwrap_or_else(|e| Outcome::Failed(format!("import stopped: {e}")))
                        }
                    }
                };
                emit(TaskEvent::Done { id, outcome });
            }
        }
        while running.len() < config.concurrency.max(1) {
            let Some(next) = queue.pop_front() else { break };
            let (cancel, cancel_rx) = watch::channel(false);
            running.insert(
                next.id,
                Running {
                    key: next.spec.key(),
                    generation: next.generation,
                    cancel,
                    cancelled: false,
                    superseded: false,
                },
            );
            emit(TaskEvent::Started { id: next.id });
            let config = Arc::clone(&config);
            let events = events.clone();
            let done_tx = done_tx.clone();
            tokio::spawn(async move {
                let result = execute(&config, next.id, &next.spec, &events, cancel_rx).await;
                let _ = done_tx.send((next.id, next.spec, result));
            });
        }
    }
}

fn import(config: &RunnerConfig, spec: &TaskSpec, produced: Produced) -> Outcome {
    let name = spec.report_name();
    let begun = Importer::begin(&config.workspace, &config.redactor, config.max_report_bytes);
    let (mut importer, _) = match begun {
        Ok(pair) => pair,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    match importer.import_request(&produced.bytes, &spec.import_request()) {
        Ok(out) => {
            let findings = out.report.findings.len();
            let new = match (&out.changes, out.duplicate) {
                (_, true) => 0,
                (Some(c), _) => c.new_image_changed.len() + c.new_reported.len(),
                (None, _) => findings,
            };
            let mut notes = produced.notes;
            notes.extend(out.report.notes.iter().cloned());
            Outcome::Imported {
                run_id: out.run_id,
                report_name: name,
                findings,
                new,
                duplicate: out.duplicate,
                notes,
            }
        }
        Err(e) => Outcome::Failed(format!(
            "the report is not readable: {e}{}",
            produced.context
        )),
    }
}

async fn execute(
    config: &RunnerConfig,
    id: TaskId,
    spec: &TaskSpec,
    events: &mpsc::UnboundedSender<TaskEvent>,
    cancel: watch::Receiver<bool>,
) -> Result<Produced, String> {
    let for_child = cancel.clone();
    let mut cancel = cancel;
    let stage = |s: &str| {
        let _ = events.send(TaskEvent::Stage {
            id,
            stage: s.to_string(),
        });
    };
    let work = async {
        match &spec.job {
            Job::ImageChecks { image } => {
                stage("connecting");
                let (engine, _) = super::docker::connect().await.map_err(|p| p.to_string())?;
                stage("inspecting");
                let (facts, identity) = super::docker::image_facts(&engine, image).await?;
                let found = super::image_checks::check_image(&facts, &config.redactor);
                Ok(native(to_sarif(
                    native_report::IMAGE_TOOL,
                    &found,
                    Some(&identity),
                )))
            }
            Job::Containers => {
                stage("connecting");
                let (engine, _) = super::docker::connect().await.map_err(|p| p.to_string())?;
                stage("inspecting");
                let containers = super::docker::running_containers(&engine).await?;
                let found: Vec<_> = containers
                    .iter()
                    .flat_map(|c| super::image_checks::check_container(c, &config.redactor))
                    .collect();
                let mut produced = native(to_sarif(native_report::IMAGE_TOOL, &found, None));
                produced.notes.push(format!(
                    "{} container(s) checked, running and stopped",
                    containers.len()
                ));
                Ok(produced)
            }
            Job::Posture { root } => {
                stage("reading project files");
                let root = root.clone();
                let (found, incomplete) = tokio::task::spawn_blocking(move || {
                    let files = crate::rules::project_files::ProjectFiles::scan(&root);
                    (super::posture::scan_findings(&files), files.incomplete())
                })
                .await
                .map_err(|e| format!("posture checks stopped: {e}"))?;
                let mut produced = native(to_sarif(native_report::POSTURE_TOOL, &found, None));
                produced.notes.extend(incomplete);
                Ok(produced)
            }
            Job::Secrets { root } => {
                stage("walking files");
                let root = root.clone();
                let redactor = config.redactor.clone();
                tokio::task::spawn_blocking(move || secrets_report(&root, &redactor))
                    .await
                    .map_err(|e| format!("secrets scan stopped: {e}"))?
            }
            Job::External {
                tool,
                program,
                target,
            } => {
                let tool = external::tool(tool).ok_or_else(|| format!("{tool}: unknown tool"))?;
                external_scan(config, id, tool, program, target, events, for_child).await
            }
        }
    };
    tokio::select! {
        result = work => result,
        _ = async {
            while !*cancel.borrow() {
                if cancel.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        } => Err("cancelled".into()),
    }
}

/// One line for a failure a scanner explains badly: Trivy without a
/// vulnerability database ends on a DNS or registry error (README: "Trivy
/// offline").
fn known_failure(tool: &str, line: &str) -> Option<&'static str> {
    (tool == "trivy" && line.contains("failed to download vulnerability DB")).then_some(
        "trivy: no vulnerability database, and it cannot download one here: copy a trivy-db into its cache (~/.cache/trivy/db, or --cache-dir) and set TRIVY_SKIP_DB_UPDATE=true; see the README's \"Trivy offline\"",
    )
}

fn native(bytes: Vec<u8>) -> Produced {
    Produced {
        bytes,
        notes: Vec::new(),
        context: String::new(),
    }
}

fn secrets_report(root: &std::path::Path, redactor: &Redactor) -> Result<Produced, String> {
    let rules = crate::rules::secret_patterns::bundled_rules()?;
    let allow = super::secrets::Allowlist::load(root)?;
    let scan = super::secrets::scan(root, rules, &allow, redactor);
    let mut produced = native(to_sarif(native_report::SECRETS_TOOL, &scan.findings, None));
    produced.notes.push(format!(
        "{} file(s) searched, {} binary, {} over {} MiB and {} scanner report(s) skipped, {} match(es) allowlisted",
        scan.files_scanned,
        scan.skipped_binary,
        scan.skipped_large,
        super::secrets::MAX_FILE_BYTES >> 20,
        scan.skipped_reports,
        scan.allowed
    ));
    produced.notes.extend(scan.notes);
    Ok(produced)
}

async fn external_scan(
    config: &RunnerConfig,
    id: TaskId,
    tool: &'static external::Tool,
    program: &std::path::Path,
    target: &external::ExternalTarget,
    events: &mpsc::UnboundedSender<TaskEvent>,
    cancel: watch::Receiver<bool>,
) -> Result<Produced, String> {
    let send = |e: TaskEvent| {
        let _ = events.send(e);
    };
    send(TaskEvent::Stage {
        id,
        stage: "version".into(),
    });
    let probe = external::version_invocation(tool, program);
    let version_limits = Limits {
        timeout: VERSION_TIMEOUT.min(config.limits.timeout),
        stdout_cap: 64 * 1024,
    };
    let (ignored_tx, _) = mpsc::unbounded_channel();
    let version = match process::run(&probe, version_limits, ignored_tx, cancel.clone()).await {
        Ok(done) if done.status.success() => {
            external::parse_version(&String::from_utf8_lossy(&done.stdout))
                .or(done.last_line)
                .unwrap_or_else(|| "unknown".into())
        }
        Ok(done) if tool.name == "docker-scout" => {
            return Err(format!(
                "docker-scout: not installed ({}); install {}",
                done.last_line
                    .unwrap_or_else(|| "the scout plugin did not answer".into()),
                tool.install_hint
            ))
        }
        Ok(_) => "unknown".into(),
        Err(e) => return Err(format!("{}: {e}", tool.name)),
    };
    // The scanner's report may hold what it found (secrets included) until
    // it is read back: the folder is the user's alone.
    let dir = tempfile::Builder::new()
        .prefix("scandeck-scan-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let report_path = dir.path().join("report.json");
    let (inv, output): (Invocation, Output) =
        external::invocation(tool, program, target, &report_path)
            .ok_or_else(|| format!("{} does not scan this kind of target", tool.name))?;
    send(TaskEvent::Command {
        id,
        command: inv.display(),
    });
    send(TaskEvent::Stage {
        id,
        stage: format!("scanning ({} {version})", tool.name),
    });
    let (lines_tx, mut lines_rx) = mpsc::unbounded_channel::<String>();
    let tool_name = tool.name;
    let forward = {
        let events = events.clone();
        tokio::spawn(async move {
            let mut last_sent = Instant::now() - LINE_INTERVAL;
            let mut held: Option<String> = None;
            // A failure scandeck can explain better than the tool's last line.
            let mut known: Option<&'static str> = None;
            loop {
                let wait = LINE_INTERVAL.saturating_sub(last_sent.elapsed());
                tokio::select! {
                    line = lines_rx.recv() => match line {
                        Some(line) => {
                            known = known.or_else(|| known_failure(tool_name, &line));
                            held = Some(line);
                        }
                        None => break,
                    },
                    _ = tokio::time::sleep(wait), if held.is_some() => {}
                }
                if last_sent.elapsed() >= LINE_INTERVAL {
                    if let Some(line) = held.take() {
                        let _ = events.send(TaskEvent::Line { id, line });
                        last_sent = Instant::now();
                    }
                }
            }
            if let Some(line) = held {
                let _ = events.send(TaskEvent::Line { id, line });
            }
            known
        })
    };
    let result = process::run(&inv, config.limits, lines_tx, cancel).await;
    let known = forward.await.ok().flatten();
    let finished = result.map_err(|e| format!("{}: {e}", tool.name))?;
    if let (Some(explained), false) = (known, finished.status.success()) {
        return Err(explained.to_string());
    }
    let status = finished
        .status
        .code()
        .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
    let last = finished
        .last_line
        .as_deref()
        .map(|l| format!("; last output: {l}"))
        .unwrap_or_default();
    let bytes = match output {
        Output::Stdout => finished.stdout,
        Output::File => match crate::ingest::read_capped(&report_path, config.max_report_bytes) {
            Ok(b) => b,
            Err(e) if report_path.exists() => return Err(format!("{}: {e}", tool.name)),
            Err(_) => {
                return Err(format!(
                    "{} exited with {status} and wrote no report{last}",
                    tool.name
                ))
            }
        },
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(format!(
            "{} exited with {status} and printed no report{last}",
            tool.name
        ));
    }
    let mut notes = vec![format!("{} {version}", tool.name)];
    if !finished.status.success() {
        notes.push(format!("{} exited with {status}{last}", tool.name));
    }
    Ok(Produced {
        bytes,
        notes,
        context: format!(" ({} exited with {status}{last})", tool.name),
    })
}
