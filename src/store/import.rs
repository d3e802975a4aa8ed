//! Importing one report file into a workspace: parse (so broken files are
//! rejected before anything is stored), store content-addressed, record the run.

use super::index::ScanIndex;
use super::lock::WorkspaceLock;
use super::workspace::{run_record, run_target, sha256_hex, StoreError, Workspace};
use crate::ingest::{self, IngestError, ParseContext, ParsedReport};
use crate::model::Redactor;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Ingest(#[from] IngestError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What one import did.
#[derive(Debug)]
pub struct ImportOutcome {
    pub report: ParsedReport,
    pub run_id: u64,
    pub target: String,
    /// The same bytes were already imported for this target: nothing new recorded.
    pub duplicate: bool,
}

pub struct Importer<'a> {
    pub workspace: &'a Workspace,
    pub redactor: &'a Redactor,
    pub max_bytes: u64,
    pub index: ScanIndex,
    lock: WorkspaceLock,
}

impl<'a> Importer<'a> {
    /// Takes the workspace lock and reads the index once for a batch of imports.
    pub fn begin(
        workspace: &'a Workspace,
        redactor: &'a Redactor,
        max_bytes: u64,
    ) -> Result<(Importer<'a>, Vec<String>), StoreError> {
        let lock = workspace.lock()?;
        let (index, notes) = workspace.load_index(redactor)?;
        Ok((
            Importer {
                workspace,
                redactor,
                max_bytes,
                index,
                lock,
            },
            notes.warnings,
        ))
    }

    /// Imports one file; the index is saved after each successful import so
    /// that an error in a later file loses nothing.
    pub fn import(
        &mut self,
        path: &Path,
        display_name: &str,
        image: Option<&str>,
    ) -> Result<ImportOutcome, ImportError> {
        let bytes = ingest::read_capped(path, self.max_bytes)?;
        self.import_bytes(&bytes, display_name, image)
    }

    pub fn import_bytes(
        &mut self,
        bytes: &[u8],
        display_name: &str,
        image: Option<&str>,
    ) -> Result<ImportOutcome, ImportError> {
        let ctx = ParseContext {
            redactor: self.redactor,
            report_name: display_name,
            image_override: image,
        };
        let report = ingest::parse_bytes(bytes, &ctx)?;
        let sha = sha256_hex(bytes);
        let mut target = run_target(&report, display_name);
        let mut scanner = report.scanner.clone();
        if report.format == ingest::Format::EmptyList {
            // `[]` names no tool: it continues whatever was last imported for this target.
            if let Some(prev) = self.index.runs.iter().rev().find(|r| r.target == target) {
                scanner = prev.scanner.clone();
                target = prev.target.clone();
            }
        }
        if let Some(existing) =
            self.index.runs.iter().find(|r| {
                r.sha256 == sha && r.target == target && r.image_override.as_deref() == image
            })
        {
            let latest_same = self
                .index
                .current_runs()
                .iter()
                .any(|r| r.id == existing.id);
            if latest_same {
                return Ok(ImportOutcome {
                    report,
                    run_id: existing.id,
                    target,
                    duplicate: true,
                });
            }
        }
        let stored = ingest::storage::redact_for_storage(bytes, &report, self.redactor)?;
        self.workspace.store_report(&sha, &stored, &self.lock)?;
        let now = chrono::Utc::now();
        let mut record = run_record(
            &self.index,
            &report,
            &sha,
            display_name,
            bytes.len() as u64,
            image,
            now,
            &target,
        );
        record.scanner = scanner;
        let run_id = record.id;
        let stamp = record.imported_at.clone();
        self.index.runs.push(record);
        for f in &report.findings {
            self.index
                .first_seen
                .entry(f.fingerprint.to_string())
                .or_insert_with(|| stamp.clone());
        }
        self.workspace.save_index(&self.index, &self.lock)?;
        Ok(ImportOutcome {
            report,
            run_id,
            target,
            duplicate: false,
        })
    }
}
