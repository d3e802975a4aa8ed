//! Crash-safe file replacement: temp file in the same directory, fsync,
//! rename, fsync of the directory (reliability.md §2).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes` so that a crash leaves either the old or the
/// new content, never a mix. A read-only target is honoured, not overwritten.
/// What tells a file's versions apart without reading it: every scandeck
/// write is a rename (a new inode) or an append (a new length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl FileStamp {
    pub fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(path).ok()?;
        Some(FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode: meta.ino(),
        })
    }
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, 0o666)
}

/// Like `write_atomic`, readable by the user alone (0600 before the umask):
/// the stored report copies, which may hold more of a report than its
/// redacted secrets.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, 0o600)
}

/// The folder `path` is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn write_atomic_with(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = parent_of(path);
    refuse_read_only(path)?;
    let (tmp_path, mut tmp) = create_temp_with(dir, path, mode)?;
    let result = (|| {
        tmp.write_all(bytes)?;
        tmp.sync_all()?;
        drop(tmp);
        fs::rename(&tmp_path, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

fn create_temp_with(dir: &Path, target: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    use std::os::unix::fs::OpenOptionsExt;
    let stem = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    for attempt in 0..16u32 {
        let nonce = format!("{:x}{:x}", std::process::id(), nanos() ^ attempt as u128);
        let candidate = dir.join(format!(".{stem}.tmp-{nonce}"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not create a temporary file",
    ))
}

/// Removes the temporary files that killed writers left in `dir` for
/// targets whose names end with `suffix` (`.report`; `""` for any). Only call it while
/// holding the lock that every writer of those targets takes.
pub fn remove_stale_temps_of_kind(dir: &Path, suffix: &str) {
    let marker = format!("{suffix}.tmp-");
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(&marker) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Removes temporary files that a killed writer of `target` left behind.
/// Only call it while holding the lock that every writer of `target` takes.
pub fn remove_stale_temps(target: &Path) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name().and_then(|n| n.to_str()))
    else {
        return;
    };
    let prefix = format!(".{name}.tmp-");
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix))
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// A file written in pieces that takes its final name only when complete:
/// private to the user (it may hold a report's secrets before they are
/// redacted), and removed when dropped before `persist`.
pub struct PendingFile {
    path: PathBuf,
    file: Option<io::BufWriter<File>>,
}

impl PendingFile {
    /// A new private file beside `target`, named like `write_atomic`'s
    /// temporary files so that `remove_stale_temps(target)` finds it.
    pub fn create_private(target: &Path) -> io::Result<PendingFile> {
        PendingFile::create(target, 0o600)
    }

    /// A new file beside `target` (mode before the umask), like
    /// `create_private`. A read-only target is honoured, as by `write_atomic`.
    pub fn create(target: &Path, mode: u32) -> io::Result<PendingFile> {
        PendingFile::create_in(parent_of(target), target, mode)
    }

    /// Like `create`, in `dir` (on the same file system as `target`).
    fn create_in(dir: &Path, target: &Path, mode: u32) -> io::Result<PendingFile> {
        refuse_read_only(target)?;
        let (path, file) = create_temp_with(dir, target, mode)?;
        Ok(PendingFile {
            path,
            file: Some(io::BufWriter::with_capacity(1 << 20, file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Everything written so far, on disk.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }

    /// Makes the file `target`, durably.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        if let Some(writer) = self.file.take() {
            let file = writer.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
        }
        fs::rename(&self.path, target)?;
        self.path = PathBuf::new();
        sync_dir(parent_of(target))
    }
}

impl PendingFile {
    /// Makes the file `target` without waiting for the disk; the caller
    /// makes a batch of them durable at once (`sync_filesystem`) before
    /// anything names them.
    pub fn persist_unsynced(mut self, target: &Path) -> io::Result<()> {
        if let Some(writer) = self.file.take() {
            writer.into_inner().map_err(|e| e.into_error())?;
        }
        fs::rename(&self.path, target)?;
        self.path = PathBuf::new();
        Ok(())
    }
}

/// A new version of a file, written beside it under a temporary name:
/// what `replace_together` puts in place with others.
pub struct Replacement {
    pending: PendingFile,
    target: PathBuf,
}

impl Replacement {
    /// Writes `bytes` beside `target` (mode before the umask), not yet
    /// durable. A read-only target is honoured, as by `write_atomic`.
    pub fn stage(target: &Path, bytes: &[u8], mode: u32) -> io::Result<Replacement> {
        Replacement::stage_in(parent_of(target), target, bytes, mode)
    }

    /// Like `stage`, with the temporary file in `dir` (on the same file
    /// system as `target`): a folder of few files, where a killed writer's
    /// leftovers are found without listing a large one.
    pub fn stage_in(dir: &Path, target: &Path, bytes: &[u8], mode: u32) -> io::Result<Replacement> {
        let mut pending = PendingFile::create_in(dir, target, mode)?;
        pending.write_all(bytes)?;
        pending.flush()?;
        Ok(Replacement {
            pending,
            target: target.to_path_buf(),
        })
    }
}

/// A read-only file is honoured, never replaced.
fn refuse_read_only(target: &Path) -> io::Result<()> {
    if fs::metadata(target).is_ok_and(|m| m.permissions().readonly()) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is read-only; make it writable to save",
                target.display()
            ),
        ));
    }
    Ok(())
}

/// Puts every staged file in place, in order, as `write_atomic` does one
/// but with two waits for the disk however many files there are: every
/// new content is on disk before any takes its name (a crash never leaves
/// an empty file under a name), and every name before this returns. The
/// first wait also makes durable whatever else was written before on the
/// same file system, and on the file systems of the folders `also` (the
/// report copies of an import).
pub fn replace_together(files: Vec<Replacement>, also: &[&Path]) -> io::Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let parents = files.iter().map(|r| parent_of(&r.target));
    let dirs = filesystems(parents.chain(also.iter().copied()));
    for dir in &dirs {
        sync_filesystem(dir)?;
    }
    for r in files {
        r.pending.persist_unsynced(&r.target)?;
    }
    for dir in &dirs {
        sync_filesystem(dir)?;
    }
    Ok(())
}

/// One folder per file system among `dirs`.
fn filesystems<'p>(dirs: impl Iterator<Item = &'p Path>) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let mut seen: Vec<(u64, PathBuf)> = Vec::new();
    for dir in dirs {
        let dev = fs::metadata(dir).map(|m| m.dev()).unwrap_or(0);
        if !seen.iter().any(|(d, _)| *d == dev) {
            seen.push((dev, dir.to_path_buf()));
        }
    }
    seen.into_iter().map(|(_, dir)| dir).collect()
}

/// Writes every file of the file system that holds `dir` to disk, with the
/// renames that named them: one wait for a batch of files, instead of two
/// `fsync`s for each.
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    let dir = File::open(dir)?;
    nix::unistd::syncfs(&dir).map_err(io::Error::from)
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("the file was already persisted")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        PendingFile::flush(self)
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        self.file = None;
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn nanos() -> u128 {
    crate::clock::wall_nanos()
}

/// Makes a rename durable. Directories cannot be opened for sync on every
/// platform; there the rename is as durable as the OS makes it.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files put in place together take their new contents, in order, from
    /// temporary files in any folder of their file system, none left behind;
    /// a read-only one is refused before anything is written.
    #[test]
    fn files_replaced_together_take_their_contents_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join("incoming");
        fs::create_dir_all(&staging).unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        write_atomic(&a, b"old a").unwrap();
        let files = vec![
            Replacement::stage(&a, b"new a", 0o666).unwrap(),
            Replacement::stage_in(&staging, &b, b"new b", 0o600).unwrap(),
        ];
        replace_together(files, &[&staging]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"new a");
        assert_eq!(fs::read(&b).unwrap(), b"new b");
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&b).unwrap().permissions().mode() & 0o077, 0);
        }
        let left: Vec<_> = names_under(dir.path())
            .into_iter()
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let mut perms = fs::metadata(&a).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&a, perms).unwrap();
        let refused = Replacement::stage(&a, b"newer a", 0o666);
        assert!(refused.is_err_and(|e| e.kind() == io::ErrorKind::PermissionDenied));
        assert_eq!(fs::read(&a).unwrap(), b"new a");
        // A staged file never put in place leaves nothing behind.
        drop(Replacement::stage_in(&staging, &b, b"dropped", 0o600).unwrap());
        assert!(names_under(dir.path()).iter().all(|n| !n.contains(".tmp-")));
        assert_eq!(fs::read(&b).unwrap(), b"new b");
    }

    /// Every file name under `dir`, one folder deep.
    fn names_under(dir: &Path) -> Vec<String> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).unwrap().flatten() {
            names.push(entry.file_name().to_string_lossy().into_owned());
            if entry.path().is_dir() {
                for inner in fs::read_dir(entry.path()).unwrap().flatten() {
                    names.push(inner.file_name().to_string_lossy().into_owned());
                }
            }
        }
        names
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_pending_file_is_private_and_gone_unless_persisted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("copy.report");
        let mut pending = PendingFile::create_private(&target).unwrap();
        pending.write_all(b"secret until redacted").unwrap();
        pending.flush().unwrap();
        let mode = fs::metadata(pending.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let temp = pending.path().to_path_buf();
        drop(pending);
        assert!(!temp.exists(), "dropped before persist: removed");

        let mut pending = PendingFile::create_private(&target).unwrap();
        pending.write_all(b"kept").unwrap();
        pending.persist(&target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"kept");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn read_only_target_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, b"old").unwrap();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&path, perms).unwrap();
        let err = write_atomic(&path, b"new").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }
}
