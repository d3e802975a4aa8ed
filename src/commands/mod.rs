//! What each subcommand does; `main.rs` only dispatches here.

/// `println!` for commands: see `say_text`.
macro_rules! say {
    () => { $crate::commands::say_text("\n") };
    ($($arg:tt)*) => { $crate::commands::say_text(&format!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for commands: see `say_text`.
macro_rules! say_raw {
    ($($arg:tt)*) => { $crate::commands::say_text(&format!($($arg)*)) };
}

pub mod checklist;
pub mod console;
pub mod demo;
pub mod dojo;
pub mod export;
pub mod gate;
pub mod git;
pub mod import;
pub mod list;
pub mod paths;
pub mod plan;
pub mod readiness;
pub mod rebuild;
pub mod scan;
pub mod triage;

use crate::config::{load_or_create_key, Paths};
use crate::model::Redactor;
use std::path::{Path, PathBuf};

/// A failure that ends the command: one line for the user and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

/// Exit status of a command that ran.
pub type Outcome = Result<i32, Failure>;

pub fn workspace_root(given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The redactor for the workspace at `root`: the installation's key, and
/// the workspace's committed identity salt (made when `create`, for the
/// commands that make the workspace, or when the workspace exists).
pub fn redactor(paths: &Paths, root: &Path, create: bool) -> Result<Redactor, Failure> {
    let key_path = paths.secret_key();
    let redactor = load_or_create_key(&key_path)
        .map(Redactor::with_key)
        .map_err(|e| {
            Failure::input(format!(
                "{}: cannot read or create the secret-hash key: {e}",
                key_path.display()
            ))
        })?;
    let ws = crate::store::Workspace::at(root);
    let create = create && root.is_dir();
    match ws.identity_salt(create) {
        Ok(Some(salt)) => Ok(redactor.with_identity_salt(salt)),
        Ok(None) => Ok(redactor),
        Err(e) => Err(Failure::input(e.to_string())),
    }
}

/// The SLA policy: the seed's, with `[sla]` of config.toml applied.
pub fn sla_policy(paths: &Paths) -> Result<crate::triage::SlaPolicy, Failure> {
    crate::config::Config::load(paths)
        .map(|c| c.sla_policy())
        .map_err(Failure::input)
}

/// `triage verify` and `checklist verify`: 0 intact, 1 broken (naming the
/// entry or record), 2 when this scandeck cannot judge the file.
pub fn verify_document<D: crate::store::document::Document>(
    ws: &crate::store::Workspace,
) -> Outcome {
    use crate::store::document::{verify, Verdict};
    match verify::<D>(ws) {
        Verdict::Intact { entries, note } => {
            say!(
                "audit log intact: {entries} entries, each chained to the one before; the {} match the entries that made them",
                D::WHAT
            )?;
            if let Some(note) = note {
                warn(&format!("note: {note}"));
            }
            Ok(0)
        }
        Verdict::Broken(problem) => {
            warn(&format!("audit log broken: {problem}"));
            Ok(1)
        }
        Verdict::Refused(why) => Err(Failure::input(why)),
    }
}

/// Writes to standard output. A reader that went away (`| head`) is not an
/// error: nothing more is printed and the command keeps its exit code; any
/// other failure to write is one (`/dev/full`).
pub fn say_text(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static CLOSED: AtomicBool = AtomicBool::new(false);
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(Failure::input(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Prints one sanitised line to stderr.
pub fn warn(text: &str) {
    // Never a panic: stderr may be a terminal that is gone (EIO).
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "{}",
        crate::sanitize::sanitize_line(text)
    );
}
