//! A big Trivy report is parsed in pieces on every core
//! (`ingest::trivy::parallel`); whatever the report, what it gives must be
//! what the whole-file parser gives: the same findings in the same order,
//! or an error where it errs.

use crate::common;
use scandeck::ingest::{self, identify::Origin, stream, ParseContext};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// What a parse gave, shown: the findings and the report's subject, or the error.
type Shown = Result<String, String>;

/// Parses `bytes` whole and from a file in pieces (and whether it was cut);
/// `None` when the file would not be parsed in pieces (not Trivy JSON by
/// its first bytes).
fn both(bytes: &[u8]) -> Option<(Shown, Shown, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, bytes).unwrap();
    let redactor = common::redactor();
    let ctx = ParseContext {
        redactor: &redactor,
        report_name: "report.json",
        image_override: None,
    };
    let origin = Origin::default();
    let shown = |r: &ingest::ParsedReport| {
        format!(
            "{:?}\n{:?} {:?} {} {:?}",
            r.findings, r.image, r.artifact, r.subject, r.scanner_version
        )
    };
    let streamed = stream::parse_file(
        &path,
        &ctx,
        &origin,
        None,
        u64::MAX,
        1,
        stream::Sinks {
            copy: &mut std::io::sink(),
            progress: &mut |_, _| {},
        },
    );
    let (streamed, in_pieces) = match streamed {
        Ok(None) => return None,
        Ok(Some(s)) => (Ok(shown(&s.report)), s.on_every_core),
        Err(e) => (Err(e.to_string()), false),
    };
    let whole = ingest::parse_bytes_from(bytes, &ctx, &origin, Some(ingest::Format::TrivyJson))
        .map(|r| shown(&r))
        .map_err(|e| e.to_string());
    Some((whole, streamed, in_pieces))
}

fn trivy_reports() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = scandeck::demo::REPORTS
        .iter()
        .filter(|r| r.path.ends_with(".trivy.json"))
        .map(|r| (r.path.to_string(), r.bytes.as_bytes().to_vec()))
        .collect();
    if let Some(real) = common::real_fixtures() {
        for path in common::files_under(&real.join("trivy")) {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn every_trivy_report_gives_in_pieces_what_it_gives_whole() {
    let mut in_pieces = 0;
    for (name, bytes) in trivy_reports() {
        let Some((whole, streamed, pieces)) = both(&bytes) else {
            continue;
        };
        assert!(whole.is_ok(), "{name}: {whole:?}");
        assert_eq!(whole, streamed, "{name}");
        in_pieces += usize::from(pieces);
    }
    // The demo's and the real SchemaVersion 2 reports are cut, not read whole.
    assert!(
        in_pieces >= 3,
        "only {in_pieces} reports were parsed in pieces"
    );
}

#[test]
fn a_damaged_trivy_report_gives_in_pieces_what_it_gives_whole() {
    let mut rng = Rng(0x5eed_cafe);
    let mut compared = 0;
    for (name, bytes) in trivy_reports() {
        for round in 0..60 {
            let mut damaged = bytes.clone();
            match rng.below(3) {
                0 => damaged.truncate(rng.below(damaged.len())),
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(damaged.len());
                        damaged[i] = b"{}[],:\"\\ x0"[rng.below(11)];
                    }
                }
                _ => {
                    let i = rng.below(damaged.len());
                    damaged.insert(i, b"{}[],:\"\\"[rng.below(8)]);
                }
            }
            let Some((whole, streamed, _)) = both(&damaged) else {
                continue;
            };
            compared += 1;
            match (&whole, &streamed) {
                (Ok(_), _) | (_, Ok(_)) => assert_eq!(whole, streamed, "{name}, round {round}"),
                (Err(_), Err(_)) => {}
            }
        }
    }
    assert!(compared > 100, "{compared}");
}
