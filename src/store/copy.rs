//! The workspace's copies of imported reports, compressed (docs/store.md,
//! "Report copies").
//!
//! Each report is kept as it was imported (its secrets redacted), so that
//! the scan index and the findings store can be rebuilt from the copies.
//! Copies are zstd frames with a content checksum: JSON shrinks ten- to
//! twentyfold, so an import writes a tenth of what it reads instead of all
//! of it again, and a copy damaged on disk is detected when it is read
//! instead of parsing into other findings. Copies written before are plain
//! JSON and are read as they are; the first bytes tell which.

use super::atomic::PendingFile;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The first bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// zstd's level 1: the fastest of its standard levels (docs/store.md has
/// the measurements).
const LEVEL: i32 = 1;

/// A copy being written as a report is read.
pub struct CopyWriter {
    encoder: zstd::stream::write::Encoder<'static, PendingFile>,
}

impl CopyWriter {
    /// A new private copy beside `target`, compressed as it is written.
    pub fn create(target: &Path) -> io::Result<CopyWriter> {
        let pending = PendingFile::create_private(target)?;
        let mut encoder = zstd::stream::write::Encoder::new(pending, LEVEL)?;
        encoder.include_checksum(true)?;
        encoder.multithread(1)?;
        Ok(CopyWriter { encoder })
    }

    /// Ends the copy; it is still private and has no name yet.
    pub fn finish(self) -> io::Result<PendingFile> {
        self.encoder.finish()
    }
}

impl Write for CopyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.encoder.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.encoder.flush()
    }
}

/// `bytes` as a copy is stored.
#[cfg(test)]
pub fn compress(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), LEVEL)?;
    encoder.include_checksum(true)?;
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Whether the copy at `path` is compressed (else it is plain JSON, as
/// copies were before).
pub fn is_compressed(path: &Path) -> io::Result<bool> {
    starts_compressed(&mut super::safe::open(path)?)
}

/// Whether `file` begins with a zstd frame; reads at most its first bytes.
fn starts_compressed(file: &mut File) -> io::Result<bool> {
    let mut head = [0u8; 4];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read == head.len() && head == ZSTD_MAGIC)
}

/// The copy at `path` as it was imported, read as it is decompressed. A
/// damaged copy makes the reader fail with an error that says so.
pub fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    let mut file = super::safe::open(path)?;
    let compressed = starts_compressed(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    if !compressed {
        return Ok(Box::new(file));
    }
    let decoder = zstd::stream::read::Decoder::new(file)?;
    Ok(Box::new(Damage {
        inner: decoder,
        path: crate::sanitize::sanitize_line(&path.display().to_string()).into_owned(),
    }))
}

/// Reads the copy at `path` whole, refusing more than `cap` bytes of it.
pub fn read(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open(path)?
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("over {cap} bytes, larger than scandeck ever writes it"),
        ));
    }
    Ok(bytes)
}

/// Names the copy in a decompression error: it is damaged.
struct Damage<R> {
    inner: zstd::stream::read::Decoder<'static, BufReader<R>>,
    path: String,
}

impl<R: Read> Read for Damage<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the stored copy {} is damaged ({e}); import the report again to replace it",
                    self.path
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_reads_back_as_written_and_plain_copies_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = br#"{"SchemaVersion": 2, "Results": []}"#.repeat(1000);
        let zipped = dir.path().join("a.report");
        std::fs::write(&zipped, compress(&bytes).unwrap()).unwrap();
        assert!(std::fs::metadata(&zipped).unwrap().len() < bytes.len() as u64 / 10);
        assert!(is_compressed(&zipped).unwrap());
        assert_eq!(read(&zipped, u64::MAX).unwrap(), bytes);
        let plain = dir.path().join("b.report");
        std::fs::write(&plain, &bytes).unwrap();
        assert!(!is_compressed(&plain).unwrap());
        assert_eq!(read(&plain, u64::MAX).unwrap(), bytes);
        assert!(
            read(&zipped, 10).is_err(),
            "the cap holds after decompression"
        );
        let tiny = dir.path().join("c.report");
        std::fs::write(&tiny, b"{}").unwrap();
        assert_eq!(read(&tiny, 10).unwrap(), b"{}");
    }

    #[test]
    fn a_damaged_copy_is_named_not_read_as_other_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{{\"VulnerabilityID\": \"CVE-{i}\"}},").into_bytes())
            .collect();
        let good = compress(&text).unwrap();
        for at in [good.len() / 3, good.len() / 2, good.len() - 2] {
            let mut damaged = good.clone();
            damaged[at] ^= 0x10;
            let path = dir.path().join(format!("{at}.report"));
            std::fs::write(&path, &damaged).unwrap();
            let err = read(&path, u64::MAX).expect_err("a flipped bit is found");
            assert!(
                err.to_string().contains("is damaged") && err.to_string().contains(".report"),
                "{err}"
            );
        }
        let mut cut = good.clone();
        cut.truncate(good.len() / 2);
        let path = dir.path().join("cut.report");
        std::fs::write(&path, &cut).unwrap();
        assert!(read(&path, u64::MAX)
            .unwrap_err()
            .to_string()
            .contains("is damaged"));
    }
}
