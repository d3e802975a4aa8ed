//! Where an export goes: a new file (written atomically), an existing file
//! only when the user said to replace it, and anything that is not a regular
//! file (a terminal, `/dev/stdout`, a pipe) written through — never replaced
//! by a file of its own.

use std::io::Write;
use std::path::Path;

/// How an existing regular file is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    Keep,
    Replace,
}

/// Ends the message for an existing file kept; callers that offer another
/// way to replace it say so instead.
pub const EXISTS_HINT: &str = "; pass --force to replace it, or name another file";

/// What happened, for the one-line summary.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    Replaced,
    /// Written through to a device, pipe or terminal.
    Through,
}

/// scandeck's own files (`.scandeck/`: decisions, checklist, the store, the
/// index) are never an export's target, with or without `--force`, however
/// the target is named (a relative path, `..`, a link into the folder).
pub fn outside_own_folder(target: &Path, own: &Path) -> Result<(), String> {
    if target.as_os_str() == "-" {
        return Ok(());
    }
    let Ok(own) = std::fs::canonicalize(own) else {
        return Ok(()); // not made yet: nothing of scandeck's to replace
    };
    let resolved = std::fs::canonicalize(target).ok().or_else(|| {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let parent = std::fs::canonicalize(parent).ok()?;
        Some(parent.join(target.file_name()?))
    });
    match resolved {
        Some(path) if path.starts_with(&own) => Err(format!(
            "{}: scandeck's own folder ({}); exports never replace its files, with or without --force: choose another file",
            crate::sanitize::sanitize_line(&path.display().to_string()),
            crate::sanitize::sanitize_line(&own.display().to_string())
        )),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` (`-` is standard output).
pub fn write(path: &Path, bytes: &[u8], existing: Existing) -> Result<Written, String> {
    let shown = crate::sanitize::sanitize_line(&path.display().to_string()).into_owned();
    if path.as_os_str() == "-" {
        return through(&mut std::io::stdout().lock(), bytes, &shown);
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(format!("{shown} is a folder; name a file")),
        Ok(meta) if !meta.is_file() => {
            let mut file = open_through(path, &shown)?;
            through(&mut file, bytes, &shown)
        }
        Ok(_) if existing == Existing::Keep => Err(format!("{shown} exists{EXISTS_HINT}")),
        Ok(_) => {
            crate::store::atomic::write_atomic(path, bytes).map_err(|e| format!("{shown}: {e}"))?;
            Ok(Written::Replaced)
        }
        Err(_) => {
            crate::store::atomic::write_atomic(path, bytes).map_err(|e| format!("{shown}: {e}"))?;
            Ok(Written::Created)
        }
    }
}

/// Opens a device, terminal or pipe for writing without waiting: a pipe
/// that nobody reads would otherwise block the export for ever. Once open,
/// writes wait as usual (a reader that is slow is still a reader).
/// Like `write`, with the bytes made as they are written (`make` writes
/// them to what it is given): a file takes its name only once they are all
/// there and on disk, so a failed export never leaves half a file under
/// the name, and a large export is never held whole in memory.
pub fn write_with(
    path: &Path,
    existing: Existing,
    make: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Written, String> {
    let shown = crate::sanitize::sanitize_line(&path.display().to_string()).into_owned();
    let mut streamed = |out: &mut dyn Write| -> Result<Written, String> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        match make(&mut out).and_then(|_| out.flush()) {
            Ok(()) => Ok(Written::Through),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Written::Through),
            Err(e) => Err(format!("{shown}: cannot write the export: {e}")),
        }
    };
    if path.as_os_str() == "-" {
        return streamed(&mut std::io::stdout().lock());
    }
    let replaced = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(format!("{shown} is a folder; name a file")),
        Ok(meta) if !meta.is_file() => {
            let mut file = open_through(path, &shown)?;
            return streamed(&mut file);
        }
        Ok(_) if existing == Existing::Keep => return Err(format!("{shown} exists{EXISTS_HINT}")),
        Ok(_) => true,
        Err(_) => false,
    };
    let mut pending = crate::store::atomic::PendingFile::create(path, 0o666)
        .map_err(|e| format!("{shown}: {e}"))?;
    make(&mut pending).map_err(|e| format!("{shown}: cannot write the export: {e}"))?;
    pending.persist(path).map_err(|e| format!("{shown}: {e}"))?;
    Ok(if replaced {
        Written::Replaced
    } else {
        Written::Created
    })
}

fn open_through(path: &Path, shown: &str) -> Result<std::fs::File, String> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == nix::errno::Errno::ENXIO as i32 => format!(
                "{shown}: a pipe that nothing reads; start its reader first, or name a file"
            ),
            _ => format!("{shown}: cannot write to it: {e}"),
        })?;
    let flags = fcntl(&file, FcntlArg::F_GETFL)
        .map(OFlag::from_bits_truncate)
        .map_err(|e| format!("{shown}: cannot write to it: {e}"))?;
    fcntl(&file, FcntlArg::F_SETFL(flags & !OFlag::O_NONBLOCK))
        .map_err(|e| format!("{shown}: cannot write to it: {e}"))?;
    Ok(file)
}

fn through(out: &mut dyn Write, bytes: &[u8], shown: &str) -> Result<Written, String> {
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(Written::Through),
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Written::Through),
        Err(e) => Err(format!("{shown}: cannot write the export: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_nobody_reads_is_refused_at_once_and_one_that_is_read_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let err = write(&fifo, b"data", Existing::Keep).unwrap_err();
        assert!(err.contains("nothing reads"), "{err}");
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || std::fs::read(reader_path).unwrap());
        // The reader's open and the writer's race: write until the reader is there.
        let written = loop {
            match write(&fifo, b"data", Existing::Keep) {
                Ok(w) => break w,
                Err(e) if e.contains("nothing reads") => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(written, Written::Through);
        assert_eq!(reader.join().unwrap(), b"data");
    }

    #[test]
    fn files_are_created_kept_or_replaced_and_devices_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.json");
        assert_eq!(write(&file, b"one", Existing::Keep), Ok(Written::Created));
        assert!(write(&file, b"two", Existing::Keep)
            .unwrap_err()
            .contains("exists; pass --force"));
        assert_eq!(std::fs::read(&file).unwrap(), b"one");
        assert_eq!(
            write(&file, b"two", Existing::Replace),
            Ok(Written::Replaced)
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert!(write(dir.path(), b"x", Existing::Replace)
            .unwrap_err()
            .contains("is a folder"));
        use std::os::unix::fs::FileTypeExt;
        let null = Path::new("/dev/null");
        assert_eq!(write(null, b"x", Existing::Replace), Ok(Written::Through));
        assert!(std::fs::metadata(null)
            .unwrap()
            .file_type()
            .is_char_device());
    }
}
