//! One writer at a time per workspace: an advisory lock on a sidecar file
//! (never on the file that is replaced by rename).

use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
                Ok(()) => return Ok(WorkspaceLock { file, path: path.to_path_buf() }),
                Err(TryLockError::WouldBlock) if start.elapsed() < timeout => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!(
                            "another scandeck holds the workspace lock {} (waited {} s); try again when it finishes",
                            path.display(),
                            timeout.as_secs()
                        ),
                    ))
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
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
        drop(first);
        WorkspaceLock::acquire(&path, Duration::from_millis(100)).unwrap();
    }
}
