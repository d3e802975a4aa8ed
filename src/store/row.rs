//! The binary body of a findings row (docs/store.md, "Row bodies"): what a
//! finding holds beyond the row's own columns, as length-prefixed fields in
//! a fixed order. JSON bodies made reading a million findings cost seconds of
//! parsing and left their keys in every row; this reads with one pass and one
//! allocation per text. A body that does not read back (truncated, bad UTF-8,
//! lengths past its end) is an error, never a panic: the store is then
//! rebuilt from the report copies.

use crate::model::{Details, Kind, Location, Package, RedactedSecret, Severity};
use std::sync::Arc;

/// The parts of a finding a row body carries.
#[derive(Debug, Default, PartialEq)]
pub struct Body {
    pub aliases: Vec<String>,
    pub severity_raw: Option<Arc<str>>,
    /// Everything of the package but its name (a column of its own).
    pub package: Option<PackageRest>,
    pub location: Location,
    pub scanner_status: Option<Arc<str>>,
    pub suppressed_by_tool: bool,
    pub secret: Option<Box<RedactedSecret>>,
    pub merged: u32,
}

#[derive(Debug, Default, PartialEq)]
pub struct PackageRest {
    pub ecosystem: Option<Arc<str>>,
    pub installed: Option<Arc<str>>,
    pub fixed: Vec<Arc<str>>,
    pub purl: Option<String>,
    pub path: Option<String>,
}

impl PackageRest {
    pub fn with_name(self, name: String) -> Package {
        Package {
            name,
            ecosystem: self.ecosystem,
            installed: self.installed,
            fixed: self.fixed,
            purl: self.purl,
            path: self.path,
        }
    }
}

/// Writes the body of a finding with these parts into `out`.
#[allow(clippy::too_many_arguments)]
pub fn encode(
    out: &mut Vec<u8>,
    aliases: &[String],
    severity_raw: Option<&str>,
    package: Option<&Package>,
    location: &Location,
    scanner_status: Option<&str>,
    suppressed_by_tool: bool,
    secret: Option<&RedactedSecret>,
    merged: u32,
) {
    list(out, aliases);
    opt(out, severity_raw);
    match package {
        None => out.push(0),
        Some(p) => {
            out.push(1);
            opt(out, p.ecosystem.as_deref());
            opt(out, p.installed.as_deref());
            list(out, &p.fixed);
            opt(out, p.purl.as_deref());
            opt(out, p.path.as_deref());
        }
    }
    opt(out, location.path.as_deref());
    opt_number(out, location.line);
    opt_number(out, location.column);
    opt(out, location.content.as_deref());
    opt(out, scanner_status);
    out.push(u8::from(suppressed_by_tool));
    match secret {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            text(out, &s.mask);
            text(out, &s.keyed_hash);
        }
    }
    varint(out, u64::from(merged));
}

/// Reads a body written by `encode`; it must be read to its last byte.
pub fn decode(bytes: &[u8]) -> Result<Body, &'static str> {
    let mut r = Reader { bytes, at: 0 };
    let aliases = r.list()?;
    let severity_raw = r.opt_word()?;
    let package = match r.byte()? {
        0 => None,
        1 => Some(PackageRest {
            ecosystem: r.opt_word()?,
            installed: r.opt_word()?,
            fixed: r.word_list()?,
            purl: r.opt()?,
            path: r.opt()?,
        }),
        _ => return Err("a package marker is neither 0 nor 1"),
    };
    let location = Location {
        path: r.opt()?,
        line: r.opt_number()?,
        column: r.opt_number()?,
        content: r.opt()?,
    };
    let scanner_status = r.opt_word()?;
    let suppressed_by_tool = match r.byte()? {
        0 => false,
        1 => true,
        _ => return Err("a flag is neither 0 nor 1"),
    };
    let secret = match r.byte()? {
        0 => None,
        1 => Some(Box::new(RedactedSecret {
            mask: r.text()?,
            keyed_hash: r.text()?,
        })),
        _ => return Err("a secret marker is neither 0 nor 1"),
    };
    let merged = u32::try_from(r.varint()?).map_err(|_| "a merge count is out of range")?;
    if r.at != bytes.len() {
        return Err("a row body has bytes after its last field");
    }
    Ok(Body {
        aliases,
        severity_raw,
        package,
        location,
        scanner_status,
        suppressed_by_tool,
        secret,
        merged,
    })
}

/// Writes the advisory text of a run's findings (the `details` table).
pub fn encode_details(out: &mut Vec<u8>, d: &Details) {
    opt(out, d.title.as_deref());
    opt(out, d.description.as_deref());
    list(out, &d.references);
    match d.cvss_score {
        None => out.push(0),
        Some(score) => {
            out.push(1);
            out.extend_from_slice(&score.to_le_bytes());
        }
    }
    opt(out, d.cvss_vector.as_deref());
    list(out, &d.cwes);
    opt(out, d.published.as_deref());
    opt(out, d.modified.as_deref());
}

/// Reads advisory text written by `encode_details`, to its last byte.
pub fn decode_details(bytes: &[u8]) -> Result<Details, &'static str> {
    decode_details_as(bytes, None)
}

/// `decode_details` without the description, references and CWEs (each
/// still checked), marked with `hash`, the key the whole text is stored
/// under (`Details::left_out`).
pub fn decode_details_brief(bytes: &[u8], hash: [u8; 16]) -> Result<Details, &'static str> {
    decode_details_as(bytes, Some(hash))
}

fn decode_details_as(bytes: &[u8], brief: Option<[u8; 16]>) -> Result<Details, &'static str> {
    let whole = brief.is_none();
    let mut r = Reader { bytes, at: 0 };
    let title = r.opt()?;
    let description = r.opt_if(whole)?;
    let references = r.list_if(whole)?;
    let cvss_score = match r.byte()? {
        0 => None,
        1 => {
            let raw = r.bytes_of(8)?;
            let mut le = [0u8; 8];
            le.copy_from_slice(raw);
            Some(f64::from_le_bytes(le))
        }
        _ => return Err("a score marker is neither 0 nor 1"),
    };
    let details = Details {
        title,
        description,
        references,
        cvss_score,
        cvss_vector: r.opt()?,
        cwes: r.list_if(whole)?,
        published: r.opt()?,
        modified: r.opt()?,
        left_out: brief,
    };
    if r.at != bytes.len() {
        return Err("advisory text has bytes after its last field");
    }
    Ok(details)
}

pub fn severity_code(s: Severity) -> i64 {
    s as i64
}

pub fn severity_of_code(code: i64) -> Option<Severity> {
    Severity::ALL_DESCENDING
        .into_iter()
        .find(|s| severity_code(*s) == code)
}

pub fn kind_of_name(name: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.as_str() == name)
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// `None` is 0; a text is its length plus one, then its bytes.
fn opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn opt_number(out: &mut Vec<u8>, n: Option<u32>) {
    varint(out, n.map_or(0, |n| u64::from(n) + 1));
}

fn list<S: AsRef<str>>(out: &mut Vec<u8>, items: &[S]) {
    varint(out, items.len() as u64);
    for item in items {
        text(out, item.as_ref());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, &'static str> {
        let b = *self.bytes.get(self.at).ok_or("a row body ends early")?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, &'static str> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a number in a row body is too long")
    }

    fn bytes_of(&mut self, len: u64) -> Result<&[u8], &'static str> {
        let len = usize::try_from(len).map_err(|_| "a length is out of range")?;
        let end = self.at.checked_add(len).ok_or("a length is out of range")?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or("a text runs past the end of its row body")?;
        self.at = end;
        Ok(slice)
    }

    fn text_of(&mut self, len: u64) -> Result<String, &'static str> {
        let slice = self.bytes_of(len)?;
        std::str::from_utf8(slice)
            .map(str::to_owned)
            .map_err(|_| "a text in a row body is not UTF-8")
    }

    fn text(&mut self) -> Result<String, &'static str> {
        let len = self.varint()?;
        self.text_of(len)
    }

    /// An optional text shared with equal words (`model::words`).
    fn opt_word(&mut self) -> Result<Option<Arc<str>>, &'static str> {
        match self.varint()? {
            0 => Ok(None),
            n => {
                let slice = self.bytes_of(n - 1)?;
                std::str::from_utf8(slice)
                    .map(|t| Some(crate::model::words::word(t)))
                    .map_err(|_| "a text in a row body is not UTF-8")
            }
        }
    }

    fn opt(&mut self) -> Result<Option<String>, &'static str> {
        match self.varint()? {
            0 => Ok(None),
            n => self.text_of(n - 1).map(Some),
        }
    }

    /// `opt` when `keep`; else the text is checked and passed over.
    fn opt_if(&mut self, keep: bool) -> Result<Option<String>, &'static str> {
        if keep {
            return self.opt();
        }
        match self.varint()? {
            0 => {}
            n => {
                let slice = self.bytes_of(n - 1)?;
                std::str::from_utf8(slice).map_err(|_| "a text in a row body is not UTF-8")?;
            }
        }
        Ok(None)
    }

    /// `list` when `keep`; else each text is checked and passed over.
    fn list_if(&mut self, keep: bool) -> Result<Vec<String>, &'static str> {
        if keep {
            return self.list();
        }
        let n = self.varint()?;
        if n > (self.bytes.len() - self.at) as u64 {
            return Err("a list in a row body is longer than the body");
        }
        for _ in 0..n {
            let len = self.varint()?;
            let slice = self.bytes_of(len)?;
            std::str::from_utf8(slice).map_err(|_| "a text in a row body is not UTF-8")?;
        }
        Ok(Vec::new())
    }

    fn opt_number(&mut self) -> Result<Option<u32>, &'static str> {
        match self.varint()? {
            0 => Ok(None),
            n => u32::try_from(n - 1)
                .map(Some)
                .map_err(|_| "a line or column is out of range"),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, &'static str> {
        let n = self.varint()?;
        // Each item takes at least one byte: a count past the end is damage.
        if n > (self.bytes.len() - self.at) as u64 {
            return Err("a list in a row body is longer than the body");
        }
        (0..n).map(|_| self.text()).collect()
    }

    /// A list of texts shared with equal words (`model::words`).
    fn word_list(&mut self) -> Result<Vec<Arc<str>>, &'static str> {
        let n = self.varint()?;
        if n > (self.bytes.len() - self.at) as u64 {
            return Err("a list in a row body is longer than the body");
        }
        (0..n)
            .map(|_| {
                let len = self.varint()?;
                let slice = self.bytes_of(len)?;
                std::str::from_utf8(slice)
                    .map(crate::model::words::word)
                    .map_err(|_| "a text in a row body is not UTF-8")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<u8>, Body) {
        let package = Package {
            name: "openssl".into(),
            ecosystem: Some("deb".into()),
            installed: Some("3.0.11".into()),
            fixed: vec!["3.0.13".into(), "3.1.5".into()],
            purl: Some("pkg:deb/debian/openssl@3.0.11".into()),
            path: None,
        };
        let location = Location {
            path: Some("usr/lib/é.so".into()),
            line: Some(0),
            column: Some(u32::MAX),
            content: None,
        };
        let secret = RedactedSecret {
            mask: "AKIA…(20 chars)".into(),
            keyed_hash: "ab".repeat(32),
        };
        let mut out = Vec::new();
        encode(
            &mut out,
            &["GHSA-x".into()],
            Some("CRITICAL"),
            Some(&package),
            &location,
            Some("fixed"),
            true,
            Some(&secret),
            300,
        );
        let body = Body {
            aliases: vec!["GHSA-x".into()],
            severity_raw: Some("CRITICAL".into()),
            package: Some(PackageRest {
                ecosystem: Some("deb".into()),
                installed: Some("3.0.11".into()),
                fixed: vec!["3.0.13".into(), "3.1.5".into()],
                purl: Some("pkg:deb/debian/openssl@3.0.11".into()),
                path: None,
            }),
            location,
            scanner_status: Some("fixed".into()),
            suppressed_by_tool: true,
            secret: Some(Box::new(secret)),
            merged: 300,
        };
        (out, body)
    }

    #[test]
    fn a_body_reads_back_as_written() {
        let (bytes, body) = sample();
        assert_eq!(decode(&bytes).unwrap(), body);
        let mut empty = Vec::new();
        encode(
            &mut empty,
            &[],
            None,
            None,
            &Location::default(),
            None,
            false,
            None,
            1,
        );
        assert_eq!(empty.len(), 11, "an empty body is one byte per field");
        assert_eq!(
            decode(&empty).unwrap(),
            Body {
                merged: 1,
                ..Body::default()
            }
        );
    }

    /// Every cut and every flipped byte of a body is an error or another
    /// body, never a panic or a huge allocation.
    #[test]
    fn damaged_bodies_are_errors_not_panics() {
        let (bytes, _) = sample();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        for at in 0..bytes.len() {
            for value in [0x00, 0x7f, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] = value;
                let _ = decode(&damaged);
            }
        }
        assert!(decode(&[0xff; 12]).is_err(), "an endless number");
    }

    #[test]
    fn advisory_text_reads_back_as_written_and_damage_is_an_error() {
        let details = Details {
            title: Some("heap overflow".into()),
            description: Some("line one\nline two «»".into()),
            references: vec!["https://a".into(), "https://b".into()],
            cvss_score: Some(9.8),
            cvss_vector: Some("CVSS:3.1/AV:N".into()),
            cwes: vec!["CWE-787".into()],
            published: None,
            modified: Some("2024-01-01".into()),
            left_out: None,
        };
        let mut bytes = Vec::new();
        encode_details(&mut bytes, &details);
        assert_eq!(decode_details(&bytes).unwrap(), details);
        let mut empty = Vec::new();
        encode_details(&mut empty, &Details::default());
        assert_eq!(decode_details(&empty).unwrap(), Details::default());
        for cut in 0..bytes.len() {
            assert!(decode_details(&bytes[..cut]).is_err(), "cut at {cut}");
            assert!(
                decode_details_brief(&bytes[..cut], [7; 16]).is_err(),
                "brief, cut at {cut}"
            );
        }
        // Brief: everything but the long parts, and the key of the whole text.
        let brief = decode_details_brief(&bytes, [7; 16]).unwrap();
        assert_eq!(
            brief,
            Details {
                description: None,
                references: Vec::new(),
                cwes: Vec::new(),
                left_out: Some([7; 16]),
                ..details.clone()
            }
        );
        // The parts left out are still checked: a description that is not
        // UTF-8 is damage either way.
        let mut bad = bytes.clone();
        let at = bad.windows(8).position(|w| w == b"line one").unwrap();
        bad[at] = 0xff;
        assert!(decode_details(&bad).is_err());
        assert!(decode_details_brief(&bad, [7; 16]).is_err());
    }

    #[test]
    fn codes_name_every_severity_and_kind() {
        for s in Severity::ALL_DESCENDING {
            assert_eq!(severity_of_code(severity_code(s)), Some(s));
        }
        assert_eq!(severity_of_code(99), None);
        for k in Kind::ALL {
            assert_eq!(kind_of_name(k.as_str()), Some(k));
        }
    }
}
