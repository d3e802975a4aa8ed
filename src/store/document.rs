//! The storage guarantees shared by every committed workspace document
//! (`decisions.json`, `checklist.json`): every change re-reads the file
//! under the workspace lock and applies itself to what is on disk, so
//! concurrent instances merge instead of overwriting each other; the previous
//! version is kept as `.bak`; writes are atomic; an unreadable file is
//! quarantined and never overwritten; a file written by a newer scandeck is
//! read-only.

use super::atomic::write_atomic;
use super::lock::WorkspaceLock;
use super::workspace::{quarantine, StoreError, Workspace};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use std::io;
use std::path::PathBuf;

/// A document kept in `.scandeck/`.
pub trait Document: Clone + Default + DeserializeOwned {
    /// File name inside `.scandeck/`.
    const FILE_NAME: &'static str;
    /// The layout this scandeck writes.
    const SCHEMA_VERSION: u32;
    /// The first layout whose audit entries vouch for its records: older
    /// files cannot be verified, only upgraded.
    const SEALED_SINCE: u32 = Self::SCHEMA_VERSION;
    /// What the user calls it, for messages ("decisions").
    const WHAT: &'static str;

    /// The committed text layout.
    fn render(&self) -> String;

    /// The audit log kept in the document.
    fn audit_log(&self) -> &[crate::triage::audit::AuditEntry];

    /// Each record the audit log vouches for.
    fn record_states(&self) -> Vec<crate::triage::audit::RecordState>;

    /// A record under the audit log's protection (a decision, a checklist
    /// item record), addressed by its audit target.
    type Record: crate::triage::audit::Sealed;

    /// The audit log, to extend.
    fn audit_log_mut(&mut self) -> &mut Vec<crate::triage::audit::AuditEntry>;

    /// The record filed under an audit target.
    fn record_at(&self, target: &str) -> Option<Self::Record>;

    /// Files (or, with `None`, removes) the record under an audit target.
    fn set_record_at(&mut self, target: &str, record: Option<Self::Record>);

    /// One line naming a record's state, for a merge entry ("accepted until …").
    fn describe_record(record: &Self::Record) -> String;

    /// Takes what the other side of a merge holds outside the audit log's
    /// protection (first and last sightings).
    fn merge_unaudited(&mut self, _theirs: &Self) {}

    /// Takes what can still be read from an unreadable copy of the file
    /// (`broken`) on top of `self`, the newest readable copy; says what it
    /// took, or `None` when nothing could be.
    fn salvage(&mut self, _broken: &str) -> Option<String> {
        None
    }

    /// Reads the layout `version` (never newer than `SCHEMA_VERSION`).
    fn migrate(version: u32, bytes: &[u8]) -> Result<Self, String> {
        if version == Self::SCHEMA_VERSION {
            serde_json::from_slice(bytes).map_err(|e| e.to_string())
        } else {
            Err(format!(
                "schema version {version} is not one scandeck ever wrote"
            ))
        }
    }
}

/// How the file was found.
#[derive(Debug, Default, Clone)]
pub struct Loaded<D> {
    pub file: D,
    pub warnings: Vec<String>,
    /// Set when saving must not happen (a newer scandeck wrote the file).
    pub read_only: Option<String>,
}

/// Whether a document's text holds git conflict markers: both sides of a
/// merge are in it, and only a merge of the two may replace it.
pub fn has_conflict_markers(bytes: &[u8]) -> bool {
    super::merge::sides_of_conflict(&String::from_utf8_lossy(bytes)).is_some()
}

pub fn path_of<D: Document>(ws: &Workspace) -> PathBuf {
    ws.dir().join(D::FILE_NAME)
}

fn bak_of<D: Document>(ws: &Workspace) -> PathBuf {
    ws.dir().join(format!("{}.bak", D::FILE_NAME))
}

/// The newest version this machine wrote, kept beside the store (never
/// committed: `scans/` is ignored by git), so that a file overwritten or
/// cut after that write is rebuilt with every entry written here — the
/// `.bak` is one write behind.
fn journal_of<D: Document>(ws: &Workspace) -> PathBuf {
    ws.scans_dir().join(format!("{}.journal", D::FILE_NAME))
}

pub(crate) enum Parsed<D> {
    Current(D),
    Future(u32),
    Broken(String),
}

pub(crate) fn parse<D: Document>(bytes: &[u8]) -> Parsed<D> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    match serde_json::from_slice::<Version>(bytes) {
        Err(e) => Parsed::Broken(e.to_string()),
        Ok(v) if v.schema_version > D::SCHEMA_VERSION => Parsed::Future(v.schema_version),
        Ok(v) => match D::migrate(v.schema_version, bytes) {
            Ok(file) => Parsed::Current(file),
            Err(e) => Parsed::Broken(e),
        },
    }
}

/// Reads the document. A broken file is quarantined and the `.bak` used
/// instead; a newer file is read-only; a missing file is the default.
pub fn load<D: Document>(ws: &Workspace) -> Result<Loaded<D>, StoreError> {
    let path = path_of::<D>(ws);
    let mut loaded = Loaded::<D>::default();
    let bytes = match super::safe::read(&path, super::safe::DOCUMENT_CAP) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(loaded),
        Err(e) => return Err(StoreError::Io { path, source: e }),
    };
    match parse::<D>(&bytes) {
        Parsed::Current(file) => loaded.file = file,
        Parsed::Future(found) => {
            let why = format!(
                "{} was written by a newer scandeck (schema {found}, this one knows {}); {} are read-only until you upgrade",
                path.display(),
                D::SCHEMA_VERSION,
                D::WHAT
            );
            loaded.warnings.push(why.clone());
            loaded.read_only = Some(why);
        }
        Parsed::Broken(_) if has_conflict_markers(&bytes) => {
            return Err(StoreError::Conflicted { path });
        }
        Parsed::Broken(reason) => {
            let aside = quarantine(&path).map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
            // The newest readable copy: the journal of this machine's last
            // write, or the `.bak` when it holds more (a version another
            // clone brought, read but never written here).
            let copy = |path: PathBuf, name: String| {
                let bytes = super::safe::read(&path, super::safe::DOCUMENT_CAP).ok()?;
                match parse::<D>(&bytes) {
                    Parsed::Current(f) => Some((f, bytes, name)),
                    _ => None,
                }
            };
            let journal = copy(
                journal_of::<D>(ws),
                format!(
                    "scans/{}.journal, the last version this machine wrote",
                    D::FILE_NAME
                ),
            );
            let bak = copy(
                bak_of::<D>(ws),
                format!("{}.bak, the previous version", D::FILE_NAME),
            );
            let newest = match (journal, bak) {
                (Some(j), Some(b)) if b.0.audit_log().len() > j.0.audit_log().len() => Some(b),
                (Some(j), _) => Some(j),
                (None, b) => b,
            };
            // It goes back in place, so that the next read or write starts
            // from it, never from an empty file (and the next write's `.bak`
            // is that copy again, not an empty state).
            let restored = match &newest {
                Some((_, bytes, name)) => match write_atomic(&path, bytes) {
                    Ok(()) => format!("; restored from {name}"),
                    Err(e) => format!("; loaded from {name} (could not put it back: {e})"),
                },
                None => String::new(),
            };
            let from_bak = newest.map(|(f, _, _)| f);
            loaded.warnings.push(format!(
                "{} was unreadable ({}); kept as {}{restored}",
                path.display(),
                crate::sanitize::sanitize_line(&reason),
                aside.display()
            ));
            let mut file = from_bak.unwrap_or_default();
            if let Some(taken) = file.salvage(&String::from_utf8_lossy(&bytes)) {
                match write_atomic(&path, file.render().as_bytes()) {
                    Ok(()) => loaded.warnings.push(format!(
                        "{}: {taken} from the unreadable copy, on top of the previous version",
                        path.display()
                    )),
                    Err(e) => loaded.warnings.push(format!(
                        "{}: {taken} from the unreadable copy, but could not write them back ({e}); they are in memory only",
                        path.display()
                    )),
                }
            }
            // The log now ends where the copy ends: the witness learns so,
            // and `verify` says what was lost instead of failing forever.
            let aside_name = aside
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let head = crate::triage::audit::head(file.audit_log());
            if let Err(e) = witness::restored::<D>(ws, &head, &aside_name) {
                crate::logging::log(&format!(
                    "{}: could not record the restore in the local witness: {e}",
                    path.display()
                ));
            }
            loaded.file = file;
        }
    }
    Ok(loaded)
}

/// Applies `change` to the document as it is on disk now, under the
/// workspace lock, keeps the previous version as `.bak`, and writes
/// atomically. When anything fails, the file on disk is unchanged and the
/// error says so.
pub fn update<D: Document, T>(
    ws: &Workspace,
    change: impl FnOnce(&mut D) -> T,
) -> Result<T, StoreError> {
    let lock = ws.lock()?;
    let result = update_locked(ws, &lock, change);
    drop(lock);
    result
}

/// Like `update`, for a caller that already holds the workspace lock.
pub fn update_locked<D: Document, T>(
    ws: &Workspace,
    _lock: &WorkspaceLock,
    change: impl FnOnce(&mut D) -> T,
) -> Result<T, StoreError> {
    let path = path_of::<D>(ws);
    let loaded = load::<D>(ws)?;
    if let Some(why) = loaded.read_only {
        return Err(StoreError::Io {
            path,
            source: io::Error::new(io::ErrorKind::PermissionDenied, why),
        });
    }
    let mut file = loaded.file;
    let value = change(&mut file);
    write_locked(ws, _lock, &file)?;
    Ok(value)
}

/// Writes `file` as the document, under the workspace lock the caller
/// holds: the previous version kept as `.bak`, atomically, then this
/// machine's journal and witness.
pub fn write_locked<D: Document>(
    ws: &Workspace,
    lock: &WorkspaceLock,
    file: &D,
) -> Result<(), StoreError> {
    write_locked_with(ws, lock, file, &[])
}

/// `write_locked`, whose first wait for the disk also makes durable what
/// was written in the folders `also` (an import's report copies): the
/// `.bak`, the document and the journal are written under temporary names
/// and put in place together (`atomic::replace_together`).
pub fn write_locked_with<D: Document>(
    ws: &Workspace,
    _lock: &WorkspaceLock,
    file: &D,
    also: &[&std::path::Path],
) -> Result<(), StoreError> {
    use super::atomic::Replacement;
    let path = path_of::<D>(ws);
    let bak = bak_of::<D>(ws);
    // What a writer killed before its renames left; every writer holds the lock.
    super::atomic::remove_stale_temps(&path);
    super::atomic::remove_stale_temps(&bak);
    let text = file.render();
    let mut files = Vec::with_capacity(3);
    if let Ok(previous) = super::safe::read(&path, super::safe::DOCUMENT_CAP) {
        files.push(
            Replacement::stage(&bak, &previous, 0o666).map_err(|source| StoreError::Io {
                path: bak.clone(),
                source,
            })?,
        );
    }
    files.push(
        Replacement::stage(&path, text.as_bytes(), 0o666).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?,
    );
    // Best effort: the file itself is written; the journal only helps a
    // later rebuild. Private, like the report copies; staged in
    // `scans/incoming/`, which the next import clears of what a killed
    // writer left, rather than among the report copies.
    let journal = journal_of::<D>(ws);
    let incoming = ws.incoming_dir();
    let staged = match std::fs::create_dir_all(&incoming) {
        Ok(()) => Replacement::stage_in(&incoming, &journal, text.as_bytes(), 0o600),
        Err(_) => Replacement::stage(&journal, text.as_bytes(), 0o600),
    };
    match staged {
        Ok(staged) => files.push(staged),
        Err(e) => crate::logging::log(&format!("{}: not written: {e}", journal.display())),
    }
    super::atomic::replace_together(files, also).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    let head = crate::triage::audit::head(file.audit_log());
    if let Err(e) = witness::record::<D>(ws, &head) {
        crate::logging::log(&format!(
            "{}: could not record the audit head in the local witness: {e}",
            path.display()
        ));
    }
    Ok(())
}

/// The `"audit_head"` line of a rendered document.
pub fn head_line(log: &[crate::triage::audit::AuditEntry]) -> String {
    let head = crate::triage::audit::head(log);
    format!(
        "  \"audit_head\": {},\n",
        serde_json::to_string(&head).unwrap_or_else(|_| "{}".into())
    )
}

/// What `verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed: the entry count, and a note on what could not be checked.
    Intact {
        entries: usize,
        note: Option<String>,
    },
    /// A check failed: what, naming the entry or record.
    Broken(String),
    /// The file cannot be judged by this scandeck (newer schema): why.
    Refused(String),
}

/// Checks the document on disk as it is, without changing anything (no
/// quarantine, no upgrade): its audit chain, its head, every record against
/// the entry that made it, and this machine's witness of earlier writes.
pub fn verify<D: Document>(ws: &Workspace) -> Verdict {
    let path = path_of::<D>(ws);
    let witness = witness::read_here::<D>(ws);
    let bytes = match super::safe::read(&path, super::safe::DOCUMENT_CAP) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return match witness.last().map(|h| h.entries) {
                Some(n) if n > 0 => Verdict::Broken(format!(
                    "{} is missing, but this machine wrote it with {n} audit entries: it was deleted",
                    path.display()
                )),
                _ => Verdict::Intact {
                    entries: 0,
                    note: Some(format!("no {} recorded yet", D::WHAT)),
                },
            };
        }
        Err(e) => return Verdict::Refused(format!("{}: cannot read it: {e}", path.display())),
    };
    if has_conflict_markers(&bytes) {
        return Verdict::Broken(format!(
            "{} has git conflict markers: run `scandeck triage resolve` to merge both sides",
            path.display()
        ));
    }
    #[derive(Deserialize)]
    struct Envelope {
        schema_version: u32,
        #[serde(default)]
        audit_head: Option<crate::triage::audit::Head>,
    }
    let envelope: Envelope = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            return Verdict::Broken(format!(
                "{} is not readable JSON ({}): restore it from version control",
                path.display(),
                crate::sanitize::sanitize_line(&e.to_string())
            ))
        }
    };
    if envelope.schema_version > D::SCHEMA_VERSION {
        return Verdict::Refused(format!(
            "{} was written by a newer scandeck (schema {}, this one knows {}); verify it with that version",
            path.display(),
            envelope.schema_version,
            D::SCHEMA_VERSION
        ));
    }
    if envelope.schema_version < D::SEALED_SINCE {
        return Verdict::Broken(format!(
            "{} is schema {}, written before audit entries vouched for {}: the next change made with this scandeck upgrades and seals it",
            path.display(),
            envelope.schema_version,
            D::WHAT
        ));
    }
    let file: D = match D::migrate(envelope.schema_version, &bytes) {
        Ok(f) => f,
        Err(e) => {
            return Verdict::Broken(format!(
                "{} does not have the layout of schema {} ({})",
                path.display(),
                envelope.schema_version,
                crate::sanitize::sanitize_line(&e)
            ))
        }
    };
    let records = file.record_states();
    // Heads written before the last restore from a backup are superseded:
    // the log was knowingly rolled back to that copy.
    let since = witness
        .iter()
        .rposition(|w| w.restored.is_some())
        .unwrap_or(0);
    let heads: Vec<crate::triage::audit::Head> = witness[since..]
        .iter()
        .map(|w| crate::triage::audit::Head {
            entries: w.entries,
            hash: w.hash.clone(),
        })
        .collect();
    let evidence = crate::triage::audit::Evidence {
        log: file.audit_log(),
        head: envelope.audit_head.as_ref(),
        records: &records,
        witness: &heads,
    };
    match crate::triage::audit::verify_all(&evidence) {
        Ok(entries) => {
            let note = match witness.get(since).and_then(|w| w.restored.as_deref()) {
                Some(aside) => Some(format!(
                    "the file was unreadable once and was rebuilt with {} entries from its backup and what could still be read of it; the unreadable copy is .scandeck/{aside}",
                    witness[since].entries
                )),
                None if witness.is_empty() && entries > 0 => Some(
                    "this machine has no witness of earlier writes (a fresh clone): a log rewritten with recomputed hashes cannot be told from the original here".to_string(),
                ),
                None => None,
            };
            Verdict::Intact { entries, note }
        }
        Err(problem) => Verdict::Broken(format!("{}: {problem}", path.display())),
    }
}

/// The local witness: every audit head this machine wrote, one JSON line
/// each, in the scan cache (`.scandeck/scans/`, never committed), so that a
/// committed file whose log was cut or rewritten no longer matches it.
mod witness {
    use super::{Document, Workspace};
    use crate::triage::audit::Head;
    use serde::{Deserialize, Serialize};
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::PathBuf;

    /// One head this machine wrote; `restored` names the quarantined copy
    /// when the head is that of a backup the file was rolled back to;
    /// `branch` the git branch checked out then (another branch's log
    /// legitimately lacks this one's entries).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Line {
        pub entries: u64,
        pub hash: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub restored: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub branch: Option<String>,
    }

    impl Line {
        fn of(ws: &Workspace, head: &Head, restored: Option<String>) -> Line {
            Line {
                entries: head.entries,
                hash: head.hash.clone(),
                restored,
                branch: git_branch(&ws.root),
            }
        }
    }

    /// The git branch checked out in the repository around `root` (read
    /// from `HEAD`, without running git); `None` outside git or detached.
    pub fn git_branch(root: &std::path::Path) -> Option<String> {
        let root = root.canonicalize().ok()?;
        let dot_git = root
            .ancestors()
            .map(|d| d.join(".git"))
            .find(|p| p.exists())?;
        let git_dir = if dot_git.is_dir() {
            dot_git
        } else {
            let text = std::fs::read_to_string(&dot_git).ok()?;
            let dir = std::path::PathBuf::from(text.trim().strip_prefix("gitdir:")?.trim());
            if dir.is_absolute() {
                dir
            } else {
                dot_git.parent()?.join(dir)
            }
        };
        let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
        head.trim()
            .strip_prefix("ref: refs/heads/")
            .map(|b| crate::sanitize::sanitize_line(b).into_owned())
    }

    /// The lines that speak for the branch checked out now (and those
    /// written outside any branch).
    pub fn read_here<D: Document>(ws: &Workspace) -> Vec<Line> {
        let branch = git_branch(&ws.root);
        read::<D>(ws)
            .into_iter()
            .filter(|l| l.branch.is_none() || l.branch == branch)
            .collect()
    }

    fn path<D: Document>(ws: &Workspace) -> PathBuf {
        ws.scans_dir().join(format!("{}.witness", D::FILE_NAME))
    }

    pub fn read<D: Document>(ws: &Workspace) -> Vec<Line> {
        let bytes = crate::store::safe::read(&path::<D>(ws), crate::store::safe::DOCUMENT_CAP)
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Appends `head` unless it is the last one recorded (an empty log is
    /// not worth a witness).
    pub fn record<D: Document>(ws: &Workspace, head: &Head) -> std::io::Result<()> {
        let line = Line::of(ws, head, None);
        let last = read::<D>(ws).pop();
        if head.entries == 0
            || last.is_some_and(|l| {
                l.entries == head.entries && l.hash == head.hash && l.branch == line.branch
            })
        {
            return Ok(());
        }
        append::<D>(ws, &line)
    }

    /// Records that the file was rolled back to a backup whose head is `head`.
    pub fn restored<D: Document>(ws: &Workspace, head: &Head, aside: &str) -> std::io::Result<()> {
        if read::<D>(ws).is_empty() {
            return Ok(());
        }
        append::<D>(ws, &Line::of(ws, head, Some(aside.to_string())))
    }

    fn append<D: Document>(ws: &Workspace, entry: &Line) -> std::io::Result<()> {
        std::fs::create_dir_all(ws.scans_dir())?;
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        crate::store::safe::refuse_link(&path::<D>(ws))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(path::<D>(ws))?;
        file.write_all(line.as_bytes())
    }
}
