//! One writer at a time per workspace: an advisory lock on a sidecar file
//! (never on the file that is replaced by rename).

use std::fs::{File, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a writer waits for another to finish: 30 s, or
/// `SCANDECK_LOCK_WAIT` seconds. The same bound for the workspace lock and
/// for SQLite's own locks on the findings store.
pub fn lock_wait() -> Duration {
    std::env::var("SCANDECK_LOCK_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(30), Duration::from_secs)
}

/// "pid 4242, sqlite3": the process holding a POSIX or flock lock on one of
/// `files`, from `/proc/locks` (Linux); `None` elsewhere or when no other
/// process holds one.
pub fn holder_of(files: &[&Path]) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let ids: Vec<(u64, u64, u64)> = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| {
            let dev = m.dev();
            (
                nix::sys::stat::major(dev),
                nix::sys::stat::minor(dev),
                m.ino(),
            )
        })
        .collect();
    let table = std::fs::read_to_string("/proc/locks").ok()?;
    let me = std::process::id();
    table.lines().find_map(|line| {
        // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"; waiters are
        // "1: -> POSIX …" and hold nothing.
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(1) == Some(&"->") {
            return None;
        }
        let pid: u32 = fields.get(4)?.parse().ok()?;
        let mut place = fields.get(5)?.split(':');
        let major = u64::from_str_radix(place.next()?, 16).ok()?;
        let minor = u64::from_str_radix(place.next()?, 16).ok()?;
        let ino: u64 = place.next()?.parse().ok()?;
        (pid != me && ids.contains(&(major, minor, ino))).then(|| describe(pid))
    })
}

fn describe(pid: u32) -> String {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|n| crate::sanitize::sanitize_line(n.trim()).into_owned())
        .unwrap_or_default();
    if name.is_empty() {
        format!("pid {pid}")
    } else {
        format!("pid {pid}, {name}")
    }
}

/// Held while a writer works; released on drop.
#[derive(Debug)]
pub struct WorkspaceLock {
    file: File,
    pub path: PathBuf,
}

impl WorkspaceLock {
    /// Waits up to `timeout` for another scandeck to finish writing.
    pub fn acquire(path: &Path, timeout: Duration) -> io::Result<WorkspaceLock> {
        let file = super::safe::open_for_writing(path)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    let mut lock = WorkspaceLock {
                        file,
                        path: path.to_path_buf(),
                    };
                    lock.say_who_holds_it();
                    return Ok(lock);
                }
                Err(TryLockError::WouldBlock) if start.elapsed() < timeout => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok())
                        .map(describe)
                        .or_else(|| holder_of(&[path]))
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!(
                            "locked by another scandeck{holder}: waited {} s for the workspace lock {}; nothing was changed: try again when it finishes",
                            timeout.as_secs(),
                            path.display(),
                        ),
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
    }
}

impl WorkspaceLock {
    /// Writes this process's id into the lock file, so that a writer kept
    /// waiting can say who holds it. Best effort: the lock itself is what counts.
    fn say_who_holds_it(&mut self) {
        if self.file.set_len(0).is_ok() {
            let _ = write!(self.file, "{}", std::process::id());
        }
    }
}

impl Drop for WorkspaceLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_waits_then_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".lock");
        let first = WorkspaceLock::acquire(&path, Duration::from_secs(1)).unwrap();
        let err = WorkspaceLock::acquire(&path, Duration::from_millis(100)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        let said = err.to_string();
        assert!(
            said.starts_with(&format!(
                "locked by another scandeck (pid {}",
                std::process::id()
            )),
            "{said}"
        );
        drop(first);
        WorkspaceLock::acquire(&path, Duration::from_millis(100)).unwrap();
    }
}
