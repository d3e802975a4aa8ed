//! Reading a big report from its file without holding the file in memory.
//!
//! A Trivy report of a million findings is over 2 GB; reading it whole
//! before parsing doubled the memory an import needs. A report that is big
//! and is Trivy JSON (the format the first bytes decide, `detect`) is parsed
//! from the file as it is read; every byte read is also hashed and handed
//! to `copy` (the workspace's copy of the report), so the file is read once.
//! Everything else is read whole, as before: other formats are small, and
//! their parsers and the secret redaction of the stored copy want the bytes.

use super::{detect, identify, normalize, trim_start, Format, IngestError, ParseContext};
use super::{trivy, ParsedReport};
use sha2::{Digest, Sha256};
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

/// Reports at least this big are parsed from their file when their format allows.
pub const STREAM_FROM_BYTES: u64 = 16 << 20;

/// How much of a file decides whether it can be parsed as it is read.
const PROBE_BYTES: usize = 1 << 20;

/// A report parsed while its file was read.
#[derive(Debug)]
pub struct Streamed {
    pub report: ParsedReport,
    /// SHA-256 of every byte of the file, in hex.
    pub sha256: String,
    pub len: u64,
    /// Parsed in pieces on every core (`trivy::parallel`), not whole.
    pub on_every_core: bool,
}

/// What to do with the bytes while they are read.
pub struct Sinks<'a> {
    /// Receives every byte of the file, in order.
    pub copy: &'a mut dyn Write,
    /// Called with the bytes read so far and the file's length.
    pub progress: &'a mut dyn FnMut(u64, u64),
}

/// Parses `path` as it is read when it is at least `from_bytes` long and
/// its first bytes say Trivy JSON (or `format` names Trivy and they agree);
/// `Ok(None)` when it must be read whole instead (nothing was copied then).
pub fn parse_file(
    path: &Path,
    ctx: &ParseContext,
    origin: &identify::Origin,
    format: Option<Format>,
    cap: u64,
    from_bytes: u64,
    sinks: Sinks,
) -> Result<Option<Streamed>, IngestError> {
    // Opening a FIFO with no writer would wait forever; a device never ends.
    if !std::fs::metadata(path)?.file_type().is_file() {
        return Err(IngestError::NotAFile);
    }
    let len = std::fs::metadata(path)?.len();
    if len > cap {
        return Err(IngestError::TooLarge { cap });
    }
    if len < from_bytes.max(1) {
        return Ok(None);
    }
    let open = || -> io::Result<Box<dyn Read>> { Ok(Box::new(std::fs::File::open(path)?)) };
    parse_opened(&open, len, ctx, origin, format, cap, sinks)
}

/// `parse_file` for a report read through `open` (a compressed copy, say),
/// which is called once to look at the first bytes and once to read it.
pub fn parse_opened(
    open: &dyn Fn() -> io::Result<Box<dyn Read>>,
    len: u64,
    ctx: &ParseContext,
    origin: &identify::Origin,
    format: Option<Format>,
    cap: u64,
    sinks: Sinks,
) -> Result<Option<Streamed>, IngestError> {
    let mut probe = Vec::with_capacity(PROBE_BYTES);
    open()?.take(PROBE_BYTES as u64).read_to_end(&mut probe)?;
    let detected = match detect::detect(trim_start(&probe)) {
        Ok(d) => d.format,
        // A probe cut inside the first value is not an error of the file.
        Err(_) => return Ok(None),
    };
    let wanted_other = format.is_some_and(|f| f.tool() != "trivy");
    if detected != Format::TrivyJson || wanted_other {
        return Ok(None);
    }
    drop(probe);
    let mut tee = Tee {
        inner: open()?,
        hasher: Sha256::new(),
        sinks,
        read: 0,
        len,
        cap,
        over_cap: false,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let cut = trivy::parallel::parse_v2_on_every_core(&mut tee, ctx, threads);
    if tee.over_cap {
        return Err(IngestError::TooLarge { cap });
    }
    let sha256 = crate::model::fingerprint::hex(&tee.hasher.finalize());
    let read = tee.read;
    let cut = cut?;
    let on_every_core = cut.is_some();
    let mut report = match cut {
        Some(report) => report,
        None => parse_whole(open, ctx, cap, &sha256)?,
    };
    normalize::finish(&mut report, ctx);
    identify::identify(&mut report, origin);
    Ok(Some(Streamed {
        report,
        sha256,
        len: read,
        on_every_core,
    }))
}

/// Parses the report with the one-thread reader, which takes any order of
/// fields and names the line and column of a fault. The file was hashed
/// and copied as it was read the first time; reading it again must give
/// the same bytes, or the copy and the findings would disagree.
fn parse_whole(
    open: &dyn Fn() -> io::Result<Box<dyn Read>>,
    ctx: &ParseContext,
    cap: u64,
    sha256: &str,
) -> Result<ParsedReport, IngestError> {
    let mut tee = Tee {
        inner: open()?,
        hasher: Sha256::new(),
        sinks: Sinks {
            copy: &mut io::sink(),
            progress: &mut |_, _| {},
        },
        read: 0,
        len: 0,
        cap,
        over_cap: false,
    };
    let result = {
        let mut reader = BufReader::with_capacity(1 << 20, &mut tee);
        skip_bom(&mut reader)?;
        // By value: std reads a `BufReader` byte by byte from its buffer,
        // another reader through a call per byte.
        trivy::parse_v2_from_reader(reader, ctx)
    };
    if tee.over_cap {
        return Err(IngestError::TooLarge { cap });
    }
    let report = result?;
    // serde stops at the end of the value; the rest is hashed too.
    io::copy(&mut tee, &mut io::sink())?;
    if tee.over_cap {
        return Err(IngestError::TooLarge { cap });
    }
    if crate::model::fingerprint::hex(&tee.hasher.finalize()) != sha256 {
        return Err(IngestError::Io(io::Error::other(
            "the report changed while it was read; import it again once it is written",
        )));
    }
    Ok(report)
}

/// Skips a UTF-8 byte order mark, which serde does not.
fn skip_bom<R: io::BufRead>(reader: &mut R) -> io::Result<()> {
    let head = reader.fill_buf()?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(())
}

/// Hands every byte read from `inner` to the hash, the copy and the progress.
struct Tee<'a> {
    inner: Box<dyn Read + 'a>,
    hasher: Sha256,
    sinks: Sinks<'a>,
    read: u64,
    len: u64,
    cap: u64,
    /// The file grew past the cap while it was read.
    over_cap: bool,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = self.read.saturating_add(n as u64);
        if read > self.cap {
            self.over_cap = true;
            return Err(io::Error::other("the report grew over the size cap"));
        }
        self.read = read;
        let chunk = &buf[..n];
        self.hasher.update(chunk);
        self.sinks.copy.write_all(chunk)?;
        (self.sinks.progress)(self.read, self.len.max(self.read));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Redactor;

    fn parse_both(bytes: &[u8]) -> (ParsedReport, Streamed, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, bytes).unwrap();
        let redactor = Redactor::with_key([7; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "report.json",
            image_override: None,
        };
        let origin = identify::Origin::default();
        let whole = super::super::parse_bytes_from(bytes, &ctx, &origin, None).unwrap();
        let mut copy = Vec::new();
        let mut seen = 0;
        let streamed = parse_file(
            &path,
            &ctx,
            &origin,
            None,
            u64::MAX,
            1,
            Sinks {
                copy: &mut copy,
                progress: &mut |read, len| {
                    assert!(read <= len);
                    seen = read;
                },
            },
        )
        .unwrap()
        .expect("a Trivy report is parsed as it is read");
        assert_eq!(seen, bytes.len() as u64);
        (whole, streamed, copy)
    }

    fn fixture(name: &str) -> Vec<u8> {
        crate::demo::REPORTS
            .iter()
            .find(|r| r.path.ends_with(name))
            .map(|r| r.bytes.as_bytes().to_vec())
            .unwrap()
    }

    /// A second Trivy report: the demo's, its results reversed and the header last.
    fn header_last() -> Vec<u8> {
        let mut report: serde_json::Value =
            serde_json::from_slice(&fixture("backend.trivy.json")).unwrap();
        let object = report.as_object_mut().unwrap();
        let mut results = object.remove("Results").unwrap();
        results.as_array_mut().unwrap().reverse();
        let mut out = serde_json::Map::new();
        out.insert("SchemaVersion".into(), 2.into());
        out.insert("Results".into(), results);
        for (k, v) in object.iter().filter(|(k, _)| *k != "SchemaVersion") {
            out.insert(k.clone(), v.clone());
        }
        serde_json::to_vec_pretty(&out).unwrap()
    }

    #[test]
    fn a_trivy_report_read_from_its_file_gives_what_the_bytes_give() {
        for (name, bytes) in [
            ("demo", fixture("backend.trivy.json")),
            ("header last", header_last()),
        ] {
            let mut with_bom = b"\xEF\xBB\xBF \n".to_vec();
            with_bom.extend_from_slice(&bytes);
            with_bom.extend_from_slice(b"\n\n");
            for bytes in [bytes, with_bom] {
                let (whole, streamed, copy) = parse_both(&bytes);
                assert!(!whole.findings.is_empty(), "{name}");
                assert_eq!(
                    format!("{:?}", whole.findings),
                    format!("{:?}", streamed.report.findings),
                    "{name}"
                );
                assert_eq!(whole.subject, streamed.report.subject);
                assert_eq!(whole.image, streamed.report.image);
                assert_eq!(whole.scanner_version, streamed.report.scanner_version);
                assert_eq!(copy, bytes, "the copy holds every byte");
                assert_eq!(streamed.len, bytes.len() as u64);
                assert_eq!(streamed.sha256, crate::store::workspace::sha256_hex(&bytes));
                assert!(streamed.on_every_core, "{name}: parsed in pieces");
            }
        }
    }

    #[test]
    fn a_report_the_pieces_cannot_stand_for_is_parsed_whole_to_the_same_findings() {
        // Trivy writes a result's Target, Class and Type before its
        // vulnerabilities; here they come after them.
        // (serde_json's maps sort their keys: the report is written by hand.)
        let report: serde_json::Value =
            serde_json::from_slice(&fixture("backend.trivy.json")).unwrap();
        let results: Vec<String> = report["Results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| {
                let object = result.as_object().unwrap();
                let mut fields = Vec::new();
                for key in ["Vulnerabilities", "Target", "Class", "Type"] {
                    if let Some(v) = object.get(key) {
                        fields.push(format!("{key:?}: {v}"));
                    }
                }
                for (key, v) in object {
                    if !["Vulnerabilities", "Target", "Class", "Type"].contains(&key.as_str()) {
                        fields.push(format!("{key:?}: {v}"));
                    }
                }
                format!("{{{}}}", fields.join(", "))
            })
            .collect();
        let mut header = report.as_object().unwrap().clone();
        header.remove("Results");
        let header = serde_json::to_string(&header).unwrap();
        let bytes = format!(
            "{}, \"Results\": [{}]}}",
            header.strip_suffix('}').unwrap(),
            results.join(",\n")
        )
        .into_bytes();
        let (whole, streamed, copy) = parse_both(&bytes);
        assert!(!whole.findings.is_empty());
        assert!(!streamed.on_every_core);
        assert_eq!(
            format!("{:?}", whole.findings),
            format!("{:?}", streamed.report.findings)
        );
        assert_eq!(copy, bytes);
    }

    #[test]
    fn small_files_and_other_formats_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let redactor = Redactor::with_key([7; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "r.json",
            image_override: None,
        };
        let origin = identify::Origin::default();
        let trivy = fixture("backend.trivy.json");
        let grype = fixture("frontend.grype.json");
        let cases: [(&[u8], u64, Option<Format>); 4] = [
            (&trivy, trivy.len() as u64 + 1, None),
            (&grype, 1, None),
            (&trivy, 1, Some(Format::Grype)),
            (b"{\"SchemaVersion\": 2, \"Results\": [", 1, None),
        ];
        for (i, (bytes, from, format)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("{i}.json"));
            std::fs::write(&path, bytes).unwrap();
            let mut copy = Vec::new();
            let got = parse_file(
                &path,
                &ctx,
                &origin,
                format,
                u64::MAX,
                from,
                Sinks {
                    copy: &mut copy,
                    progress: &mut |_, _| {},
                },
            );
            match (i, got) {
                (3, Err(IngestError::InvalidJson(_))) => {}
                (3, other) => panic!("a cut report is invalid JSON, got {other:?}"),
                (_, Ok(None)) => assert!(copy.is_empty(), "case {i}"),
                (_, other) => panic!("case {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_cap_holds_for_a_streamed_report() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        let bytes = fixture("backend.trivy.json");
        std::fs::write(&path, &bytes).unwrap();
        let redactor = Redactor::with_key([7; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "big.json",
            image_override: None,
        };
        let got = parse_file(
            &path,
            &ctx,
            &identify::Origin::default(),
            None,
            bytes.len() as u64 - 1,
            1,
            Sinks {
                copy: &mut io::sink(),
                progress: &mut |_, _| {},
            },
        );
        assert!(matches!(got, Err(IngestError::TooLarge { .. })), "{got:?}");
    }
}
