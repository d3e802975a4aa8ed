//! Importing one report file into a workspace: parse (so broken files are
//! rejected before anything is stored), store content-addressed, record the run.

use super::decisions::{self, Sighting};
use super::index::ScanIndex;
use super::lock::WorkspaceLock;
use super::workspace::{run_record, run_target, sha256_hex, StoreError, Workspace};
use crate::ingest::{self, IngestError, ParseContext, ParsedReport};
use crate::model::Redactor;
use crate::triage::engine::{self, Changes, Stamp};
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
    /// What changed since the previous scan of the same target.
    pub changes: Option<Changes>,
}

pub struct Importer<'a> {
    pub workspace: &'a Workspace,
    pub redactor: &'a Redactor,
    pub max_bytes: u64,
    pub index: ScanIndex,
    lock: WorkspaceLock,
    who: String,
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
        let who = crate::triage::actor::current(&workspace.root);
        Ok((
            Importer {
                workspace,
                redactor,
                max_bytes,
                index,
                lock,
                who,
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
                    changes: None,
                });
            }
        }
        let stored = ingest::storage::redact_for_storage(bytes, &report, self.redactor)?;
        self.workspace.store_report(&sha, &stored, &self.lock)?;
        let now = crate::clock::now();
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
        let previous = self.index.previous_run(&record).cloned();
        let previous_findings = previous.as_ref().and_then(|prev| {
            let ctx = ParseContext {
                redactor: self.redactor,
                report_name: &prev.original_name,
                image_override: prev.image_override.as_deref(),
            };
            ingest::parse_file(&self.workspace.report_path(&prev.sha256), &ctx, u64::MAX)
                .ok()
                .map(|r| r.findings)
        });
        let stamp = Stamp {
            who: &self.who,
            now,
        };
        let migrated = std::mem::take(&mut self.index.first_seen);
        let triage = decisions::update_locked(self.workspace, &self.lock, |file| {
            // Sightings used to live in the scan index: carry them over once.
            for (fp, when) in migrated {
                file.sightings.entry(fp).or_insert_with(|| Sighting {
                    first_seen: when.clone(),
                    last_seen: when,
                    ..Sighting::default()
                });
            }
            let changes =
                engine::reconcile(file, &report.findings, previous_findings.as_deref(), stamp);
            let expired = engine::expire(file, &report.findings, stamp);
            (changes, expired)
        });
        let (changes, mut notes) = match triage {
            Ok((changes, expired)) => (Some(changes), expired),
            Err(e) => (None, vec![format!("decisions were not updated: {e}")]),
        };
        // A first scan of a target has nothing to compare with.
        let changes = changes.filter(|_| previous.is_some());
        record.changes = changes.clone();
        self.index.runs.push(record);
        self.workspace.save_index(&self.index, &self.lock)?;
        let mut report = report;
        report.notes.append(&mut notes);
        Ok(ImportOutcome {
            report,
            run_id,
            target,
            duplicate: false,
            changes,
        })
    }
}
