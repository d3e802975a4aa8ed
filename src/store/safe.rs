//! Reading and opening files inside `.scandeck/` without following links
//! and without reading without end: a link there (to `/dev/zero`, to a
//! folder outside the workspace, to a file elsewhere) is refused with one
//! line naming it, and every file read has a size cap.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The largest committed document or index scandeck reads (decisions.json,
/// checklist.json, index.json and their backups).
pub const DOCUMENT_CAP: u64 = 512 << 20;

fn link_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link; scandeck does not follow links inside .scandeck/: replace it with the file or folder itself",
            crate::sanitize::sanitize_line(&path.display().to_string())
        ),
    )
}

/// Refuses `path` when it is a link; fine when it does not exist.
pub fn refuse_link(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(link_refused(path)),
        _ => Ok(()),
    }
}

/// Opens `path` for reading, never through a link and only when it is a
/// regular file.
pub fn open(path: &Path) -> io::Result<File> {
    refuse_link(path)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits() | nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == nix::errno::Errno::ELOOP as i32 => link_refused(path),
            _ => e,
        })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file; scandeck keeps only regular files in .scandeck/",
        ));
    }
    Ok(file)
}

/// Reads `path` whole, refusing links, non-files and anything over `cap`.
pub fn read(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open(path)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("over {cap} bytes, larger than scandeck ever writes it"),
        ));
    }
    Ok(bytes)
}

/// Opens (creating) a file for writing, never through a link.
pub fn open_for_writing(path: &Path) -> io::Result<File> {
    refuse_link(path)?;
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == nix::errno::Errno::ELOOP as i32 => link_refused(path),
            _ => e,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_devices_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, b"{}").unwrap();
        assert_eq!(read(&real, 10).unwrap(), b"{}");
        assert!(read(&real, 1)
            .unwrap_err()
            .to_string()
            .contains("over 1 bytes"));
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read(&link, 10)
            .unwrap_err()
            .to_string()
            .contains("symbolic link"));
        assert!(open_for_writing(&link).is_err());
        assert!(read(Path::new("/dev/zero"), 10)
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
    }
}
