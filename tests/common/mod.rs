//! Helpers shared by the integration tests.
#![allow(dead_code)]

use scandeck::ingest::{self, ParseContext, ParsedReport};
use scandeck::model::Redactor;
use std::path::{Path, PathBuf};

pub fn redactor() -> Redactor {
    Redactor::with_key([42; 32])
}

pub fn parse(bytes: &[u8], name: &str) -> Result<ParsedReport, ingest::IngestError> {
    let r = redactor();
    let ctx = ParseContext {
        redactor: &r,
        report_name: name,
        image_override: None,
    };
    ingest::parse_bytes(bytes, &ctx)
}

/// `../shared/fixtures/real`, or `None` with the agreed message when absent.
pub fn real_fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no real fixtures ({} is absent)", dir.display());
        None
    }
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The scandeck binary built for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_scandeck"))
}

/// A command for the binary with private config and data directories.
pub fn scandeck(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    cmd.env("SCANDECK_CONFIG_DIR", home.join("config"))
        .env("SCANDECK_DATA_DIR", home.join("data"))
        .env_remove("SCANDECK_MAX_REPORT_BYTES");
    cmd
}
