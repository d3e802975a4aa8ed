//! Running one scanner as a child process: its own process group (so that a
//! cancel or a timeout kills everything it started), stdout captured up to a
//! cap, stderr read line by line for progress (sanitised), a deadline.

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc, watch};

/// What to run. Arguments never carry credentials: tools read those from
/// their environment or their own config files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// Absolute path, resolved from PATH.
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: Option<PathBuf>,
}

impl Invocation {
    /// The command line as a user would type it, for the task detail.
    pub fn display(&self) -> String {
        let mut words = vec![shell_word(&self.program.to_string_lossy())];
        words.extend(self.args.iter().map(|a| shell_word(a)));
        let line = words.join(" ");
        let line = match &self.cwd {
            Some(dir) => format!("(cd {} && {line})", shell_word(&dir.to_string_lossy())),
            None => line,
        };
        crate::sanitize::sanitize_line(&line).into_owned()
    }
}

fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@+,%".contains(&b))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub timeout: Duration,
    /// Most bytes of stdout kept; more ends the run.
    pub stdout_cap: usize,
}

/// How a run ended when it did not end by itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stopped {
    TimedOut(Duration),
    Cancelled,
    OutputCapped(usize),
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::TimedOut(d) => write!(
                f,
                "timed out after {}s and was killed with its children",
                d.as_secs()
            ),
            Stopped::Cancelled => f.write_str("cancelled; killed with its children"),
            Stopped::OutputCapped(n) => write!(
                f,
                "printed more than {n} bytes and was killed with its children; raise --max-output"
            ),
        }
    }
}

#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// The last non-empty stderr line, sanitised.
    pub last_line: Option<String>,
}

#[derive(Debug)]
pub enum RunError {
    Spawn(String),
    Stopped(Stopped, Option<String>),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Spawn(e) => f.write_str(e),
            RunError::Stopped(why, Some(line)) => write!(f, "{why} (last output: {line})"),
            RunError::Stopped(why, None) => write!(f, "{why}"),
        }
    }
}

/// Most characters kept of one stderr line.
const LINE_CHARS: usize = 200;
/// Longest stderr line read before it is cut (a flood without newlines).
const LINE_BYTES: usize = 16 * 1024;

/// Runs `inv`; `lines` receives each stderr line (sanitised); a `true` on
/// `cancel` stops it.
pub async fn run(
    inv: &Invocation,
    limits: Limits,
    lines: mpsc::UnboundedSender<String>,
    mut cancel: watch::Receiver<bool>,
) -> Result<Finished, RunError> {
    let marker = task_marker();
    let mut command = Command::new(&inv.program);
    command
        .args(&inv.args)
        // Inherited by every descendant, even one that leaves the process
        // group (`setsid`, a double fork): how they are all found again.
        .env(TASK_ENV, &marker)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(dir) = &inv.cwd {
        command.current_dir(dir);
    }
    let mut child = command.spawn().map_err(|e| {
        RunError::Spawn(format!(
            "{}: cannot start: {e}",
            crate::sanitize::sanitize_line(&inv.program.to_string_lossy())
        ))
    })?;
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    // Whatever way this future ends (done, cancelled, timed out, or dropped
    // because scandeck is quitting), the scanner's whole group goes with it.
    let _group_guard = GroupGuard(group, marker.clone());
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let (capped_tx, mut capped_rx) = mpsc::channel::<usize>(1);
    let cap = limits.stdout_cap;
    let err_capped = capped_tx.clone();
    let reader = tokio::spawn(async move {
        match stdout {
            Some(out) => read_capped(out, cap, capped_tx).await,
            None => Vec::new(),
        }
    });
    let (last_tx, last_rx) = watch::channel::<Option<String>>(None);
    let err_reader = tokio::spawn(async move {
        if let Some(err) = stderr {
            read_lines(err, lines, last_tx, cap, err_capped).await;
        }
    });
    let deadline = tokio::time::sleep(limits.timeout);
    tokio::pin!(deadline);
    let stopped = tokio::select! {
        status = child.wait() => {
            let status = status.map_err(|e| RunError::Spawn(format!("waiting for the scanner: {e}")))?;
            // Whatever it left behind goes too.
            kill_task(group, &marker);
            // Closing a flooded pipe can end the scanner (SIGPIPE) before the
            // cap is seen here: the cap is still why it stopped.
            if let Ok(n) = capped_rx.try_recv() {
                reader.abort();
                err_reader.abort();
                let last_line = last_rx.borrow().clone();
                return Err(RunError::Stopped(Stopped::OutputCapped(n), last_line));
            }
            let stdout = reader.await.unwrap_or_default();
            let _ = err_reader.await;
            let last_line = last_rx.borrow().clone();
            return Ok(Finished { status, stdout, last_line });
        }
        _ = &mut deadline => Stopped::TimedOut(limits.timeout),
        _ = wait_cancel(&mut cancel) => Stopped::Cancelled,
        Some(n) = capped_rx.recv() => Stopped::OutputCapped(n),
    };
    kill_task(group, &marker);
    let _ = child.kill().await;
    reader.abort();
    err_reader.abort();
    let last_line = last_rx.borrow().clone();
    Err(RunError::Stopped(stopped, last_line))
}

async fn wait_cancel(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow() {
            return;
        }
        if cancel.changed().await.is_err() {
            // The sender is gone: nobody can cancel any more.
            std::future::pending::<()>().await;
        }
    }
}

struct GroupGuard(Option<Pid>, String);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_task(self.0, &self.1);
    }
}

/// The environment variable that marks every process of one scan task.
pub const TASK_ENV: &str = "SCANDECK_TASK";

fn task_marker() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        crate::clock::wall_nanos()
    )
}

/// Kills the scanner's process group, then every process still carrying
/// the task's marker (those that left the group), until none is left.
fn kill_task(group: Option<Pid>, marker: &str) {
    if let Some(pid) = group {
        // ESRCH (already gone) is the normal case after a clean exit.
        let _ = killpg(pid, Signal::SIGKILL);
    }
    for _ in 0..5 {
        let marked = marked_processes(marker);
        if marked.is_empty() {
            return;
        }
        for pid in marked {
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        }
    }
}

/// Processes of this user whose environment carries `SCANDECK_TASK=marker`.
fn marked_processes(marker: &str) -> Vec<Pid> {
    let needle = format!("{TASK_ENV}={marker}\0").into_bytes();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.windows(needle.len()).any(|w| w == needle.as_slice()))
        })
        .filter_map(|pid| i32::try_from(pid).ok().map(Pid::from_raw))
        .collect()
}

async fn read_capped(
    mut out: impl AsyncRead + Unpin,
    cap: usize,
    capped: mpsc::Sender<usize>,
) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match out.read(&mut buf).await {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                if kept.len() + n > cap {
                    let _ = capped.send(cap).await;
                    return kept;
                }
                kept.extend_from_slice(&buf[..n]);
            }
        }
    }
}

async fn read_lines(
    err: impl AsyncRead + Unpin,
    lines: mpsc::UnboundedSender<String>,
    last: watch::Sender<Option<String>>,
    cap: usize,
    capped: mpsc::Sender<usize>,
) {
    let mut reader = BufReader::new(err);
    let mut raw = Vec::new();
    let mut total = 0usize;
    loop {
        raw.clear();
        let mut limited = (&mut reader).take(LINE_BYTES as u64);
        match limited.read_until(b'\n', &mut raw).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                // stderr is capped like stdout: a flood ends the scanner.
                total = total.saturating_add(n);
                if total > cap {
                    let _ = capped.send(cap).await;
                    return;
                }
                let text = String::from_utf8_lossy(&raw);
                let clean = crate::sanitize::sanitize_line(text.trim());
                // Scanners echo what they found; no secret goes further than here.
                let clean = crate::rules::secret_patterns::mask_secrets(&clean);
                let clean = crate::sanitize::truncate_chars(clean.trim(), LINE_CHARS).into_owned();
                if !clean.is_empty() {
                    let _ = last.send(Some(clean.clone()));
                    let _ = lines.send(clean);
                }
            }
        }
    }
}

/// Finds `name` on PATH: absolute directories only (never the current
/// directory, never a relative entry), executable regular files only.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    which_in(name, &path)
}

pub fn which_in(name: &str, path: &std::ffi::OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if name.contains('/') {
        return None;
    }
    std::env::split_paths(path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_skips_relative_and_empty_path_entries() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("fake-tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let relative = std::ffi::OsString::from(format!(":.:relative:{}", dir.path().display()));
        assert_eq!(which_in("fake-tool", &relative), Some(tool.clone()));
        let only_relative = std::ffi::OsString::from(".::relative");
        assert_eq!(which_in("fake-tool", &only_relative), None);
        assert_eq!(which_in("../fake-tool", &relative), None);
    }

    #[test]
    fn the_displayed_command_quotes_what_a_shell_would_split() {
        let inv = Invocation {
            program: "/usr/bin/trivy".into(),
            args: vec!["image".into(), "my image:1".into(), "it's".into()],
            cwd: None,
        };
        assert_eq!(
            inv.display(),
            "/usr/bin/trivy image 'my image:1' 'it'\\''s'"
        );
    }
}
