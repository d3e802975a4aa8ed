//! Importing one report file into a workspace: parse (so broken files are
//! rejected before anything is stored), store content-addressed, record the run.

use super::copy::CopyWriter;
use super::decisions::{self, Sighting};
use super::findings::FindingsStore;
use super::index::{RunRecord, ScanIndex};
use super::lock::WorkspaceLock;
use super::workspace::{io_err, run_record, run_target, sha256_hex, StoreError, Workspace};
use crate::ingest::{self, IngestError, ParseContext, ParsedReport};
use crate::model::Redactor;
use crate::triage::engine::{self, Changes, PreviousScan, Stamp};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Ingest(#[from] IngestError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Where one report comes from and what the caller knows about it.
#[derive(Clone, Debug, Default)]
pub struct ImportRequest {
    /// The report's name as the user gave it (a path relative to the workspace when inside it).
    pub display_name: String,
    /// `--image NAME`.
    pub image: Option<String>,
    /// `--format NAME`, or the tool a scan ran.
    pub format: Option<ingest::Format>,
    pub origin: ingest::identify::Origin,
    /// The part of the subject a scan looked at alone (see `RunRecord::scope`).
    pub scope: Option<String>,
    /// `--replace`: replace the subject's previous run even when the report
    /// shares no finding with it.
    pub replace: bool,
}

/// The scope of a run kept beside the subject's run of the same scanner
/// because it shares no finding with it (`BESIDE` + its own run id).
pub const BESIDE: &str = "beside run ";

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
    /// The run this one replaced: its id, report name and import time.
    pub replaced: Option<(u64, String, String)>,
    /// The run this one was kept beside instead of replacing it, because
    /// the two share no finding (`--replace` forces the replacement).
    pub kept_beside: Option<(u64, String)>,
}

pub struct Importer<'a> {
    pub workspace: &'a Workspace,
    pub redactor: &'a Redactor,
    pub max_bytes: u64,
    pub index: ScanIndex,
    lock: WorkspaceLock,
    who: String,
    /// Where parsed findings go; `None` when the store cannot be opened
    /// (readers then parse the report copies, as they say).
    findings: Option<FindingsStore>,
    /// Reports at least this big are parsed while they are read, when their format allows.
    pub stream_from_bytes: u64,
    /// Told the bytes read so far and the length of a report read as it is parsed.
    pub progress: Box<dyn FnMut(u64, u64) + 'a>,
    /// decisions.json as this batch changed it, read once under the lock.
    decisions: Option<decisions::DecisionFile>,
    /// Runs recorded in memory since the index and decisions were last written.
    unsaved: usize,
    /// The index must be written whole (sightings moved out of it).
    rewrite_index: bool,
    /// Report copies were written since the last write, not yet synced.
    copies_to_sync: bool,
    last_written: std::time::Instant,
}

/// How often a batch writes its index and decisions: each import's cost
/// stays flat however many runs the workspace holds (writing the whole
/// index and decisions after every file made a batch quadratic), and a
/// kill loses at most this much of a batch, never what was written before.
const WRITE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The workspace's copy of a report, before it is stored.
enum Copy<'b> {
    /// The report's bytes, held in memory.
    Bytes(&'b [u8]),
    /// The report as it was read, compressed into a private file: its
    /// secrets are not redacted yet.
    Pending(CopyWriter),
}

/// The name beside which reports being read are copied (`PendingFile`).
const INCOMING: &str = "incoming.report";

impl<'a> Importer<'a> {
    /// Keeps the report as the record of what was imported, its secrets redacted.
    fn store_copy(&self, sha: &str, copy: Copy, report: &ParsedReport) -> Result<(), ImportError> {
        let bytes = match copy {
            Copy::Bytes(bytes) => bytes,
            Copy::Pending(writer) => {
                let path = self.workspace.report_path(sha);
                let mut pending = writer.finish().map_err(io_err(&path))?;
                if !ingest::storage::needs_redaction(report) {
                    if path.exists() {
                        return Ok(());
                    }
                    return Ok(pending.persist_unsynced(&path).map_err(io_err(&path))?);
                }
                // Reports with secrets are small: redact them in memory.
                pending.flush().map_err(io_err(&path))?;
                let bytes = super::copy::read(pending.path(), self.max_bytes)
                    .map_err(io_err(pending.path()))?;
                let stored = ingest::storage::redact_for_storage(&bytes, report, self.redactor)?;
                self.workspace.store_report(sha, &stored, &self.lock)?;
                return Ok(());
            }
        };
        let stored = ingest::storage::redact_for_storage(bytes, report, self.redactor)?;
        self.workspace.store_report(sha, &stored, &self.lock)?;
        Ok(())
    }

    /// What the run a new one replaces reported, from the store when it
    /// holds it, else from the run's report copy.
    fn previous_scan(
        &mut self,
        prev: &super::index::RunRecord,
        now: &[crate::model::Finding],
    ) -> Option<PreviousScan> {
        if let Some(store) = self.findings.as_ref() {
            if store.has_run(prev).unwrap_or(false) {
                let reported_now = now.iter().map(|f| f.fingerprint).collect();
                let mut scan = PreviousScan::default();
                if store
                    .each_in_run(prev, &mut |place, f| scan.add(place, f, &reported_now))
                    .is_ok()
                {
                    return Some(scan.finish());
                }
            }
        }
        self.workspace
            .read_run(prev, self.redactor, 0)
            .ok()
            .map(|r| PreviousScan::of(r.findings, now))
    }

    /// The tool behind a bare `[]`: named in the file name, else the one
    /// `[]`-printing tool that reported on this subject before.
    fn empty_list_tool(
        &self,
        display_name: &str,
        subject: &str,
    ) -> Result<&'static str, IngestError> {
        let file = Path::new(display_name)
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase().replace('_', "-"))
            .unwrap_or_default();
        const TOOLS: [&str; 4] = ["gitleaks", "hadolint", "pip-audit", "snyk"];
        if let Some(tool) = TOOLS.iter().find(|t| file.contains(*t)) {
            return Ok(tool);
        }
        let before = self.index.empty_list_scanners_of(subject);
        if let [only] = before.as_slice() {
            if let Some(tool) = TOOLS.iter().find(|t| *t == only) {
                return Ok(tool);
            }
        }
        Err(IngestError::Unknown(format!(
            "an empty list `[]` does not say which scanner printed it; name it with --format {}",
            TOOLS.join("|")
        )))
    }

    /// Takes the workspace lock and reads the index once for a batch of imports.
    pub fn begin(
        workspace: &'a Workspace,
        redactor: &'a Redactor,
        max_bytes: u64,
    ) -> Result<(Importer<'a>, Vec<String>), StoreError> {
        let lock = workspace.lock()?;
        // Report copies (and journals of decisions) that a killed writer
        // left half-written; every writer holds this lock. (Before copies
        // were written into `incoming/`, they lay among the copies.)
        let incoming = workspace.incoming_dir();
        if incoming.is_dir() {
            super::atomic::remove_stale_temps_of_kind(&incoming, "");
        } else {
            super::atomic::remove_stale_temps_of_kind(&workspace.scans_dir(), ".report");
            std::fs::create_dir_all(&incoming).map_err(super::workspace::io_err(&incoming))?;
        }
        let (index, mut notes) = workspace.load_index(redactor)?;
        if notes.migrated {
            workspace.save_index(&index, &lock)?;
        }
        notes.warnings.extend(super::migrate::upgrade_decisions(
            workspace, redactor, &index, &lock,
        )?);
        let who = crate::triage::actor::current(&workspace.root);
        let findings = match FindingsStore::open(workspace, redactor, &mut notes.warnings) {
            Ok(store) => Some(store),
            Err(e @ StoreError::FutureSchema { .. }) => return Err(e),
            Err(e) => {
                notes
                    .warnings
                    .push(format!("{e}; findings are read from the stored reports"));
                None
            }
        };
        Ok((
            Importer {
                workspace,
                redactor,
                max_bytes,
                index,
                lock,
                who,
                findings,
                stream_from_bytes: ingest::stream::STREAM_FROM_BYTES,
                progress: Box::new(|_, _| {}),
                decisions: None,
                unsaved: 0,
                rewrite_index: false,
                copies_to_sync: false,
                last_written: std::time::Instant::now(),
            },
            notes.warnings,
        ))
    }

    /// Writes what the batch recorded (decisions, then the index, then the
    /// store forgets replaced runs) and ends it. Dropping an importer
    /// writes too, but cannot say when writing failed.
    pub fn finish(mut self) -> Result<Vec<String>, StoreError> {
        self.write()
    }

    /// Writes the decisions and the index when runs were recorded since the
    /// last write; returns notes about what could not be done.
    fn write(&mut self) -> Result<Vec<String>, StoreError> {
        let mut notes = Vec::new();
        if self.unsaved == 0 {
            return Ok(notes);
        }
        // The copies and the decisions before the index that names the
        // runs: the decisions' first wait for the disk takes the copies.
        let scans = self.workspace.scans_dir();
        let mut copies_to_sync = std::mem::take(&mut self.copies_to_sync);
        if let Some(file) = &self.decisions {
            let also: &[&Path] = if copies_to_sync { &[&scans] } else { &[] };
            let written =
                super::document::write_locked_with(self.workspace, &self.lock, file, also);
            match written {
                Ok(()) => copies_to_sync = false,
                Err(e) => notes.push(format!("decisions were not updated: {e}")),
            }
        }
        if copies_to_sync {
            super::atomic::sync_filesystem(&scans).map_err(io_err(&scans))?;
        }
        let new = self.index.runs.len().saturating_sub(self.unsaved);
        if std::mem::take(&mut self.rewrite_index) {
            self.workspace.save_index(&self.index, &self.lock)?;
        } else {
            let runs = &self.index.runs[new..];
            self.workspace.append_runs(&self.index, runs, &self.lock)?;
        }
        self.unsaved = 0;
        self.last_written = std::time::Instant::now();
        if let Some(store) = self.findings.as_mut() {
            // Only once the index no longer names them: the replaced runs'
            // findings are no longer anyone's.
            if let Err(e) = store.forget_replaced(&self.index) {
                notes.push(e.to_string());
            }
        }
        Ok(notes)
    }

    /// decisions.json as this batch has it, read on first use.
    fn decisions_file(&mut self) -> Result<&mut decisions::DecisionFile, StoreError> {
        if self.decisions.is_none() {
            let loaded = decisions::load(self.workspace)?;
            if let Some(why) = loaded.read_only {
                return Err(StoreError::Io {
                    path: self.workspace.decisions_path(),
                    source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, why),
                });
            }
            self.decisions = Some(loaded.file);
        }
        self.decisions.as_mut().ok_or_else(|| StoreError::Io {
            path: self.workspace.decisions_path(),
            source: std::io::Error::other("not loaded"),
        })
    }

    /// Imports one file; the index is saved after each successful import so
    /// that an error in a later file loses nothing.
    pub fn import(
        &mut self,
        path: &Path,
        request: &ImportRequest,
    ) -> Result<ImportOutcome, ImportError> {
        let big =
            std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() >= self.stream_from_bytes);
        if big {
            let incoming = self.workspace.incoming_dir().join(INCOMING);
            let mut pending = CopyWriter::create(&incoming).map_err(io_err(&incoming))?;
            let ctx = ParseContext {
                redactor: self.redactor,
                report_name: &request.display_name,
                image_override: request.image.as_deref(),
            };
            let sinks = ingest::stream::Sinks {
                copy: &mut pending,
                progress: &mut *self.progress,
            };
            let streamed = ingest::stream::parse_file(
                path,
                &ctx,
                &request.origin,
                request.format,
                self.max_bytes,
                self.stream_from_bytes,
                sinks,
            )?;
            if let Some(streamed) = streamed {
                return self.record(
                    streamed.report,
                    &streamed.sha256,
                    streamed.len,
                    request,
                    Copy::Pending(pending),
                );
            }
        }
        let bytes = ingest::read_capped(path, self.max_bytes)?;
        self.import_request(&bytes, request)
    }

    /// Imports a report from the workspace (its subject from where it sits).
    pub fn import_bytes(
        &mut self,
        bytes: &[u8],
        display_name: &str,
        image: Option<&str>,
    ) -> Result<ImportOutcome, ImportError> {
        let request = ImportRequest {
            display_name: display_name.to_string(),
            image: image.map(str::to_string),
            origin: self
                .workspace
                .import_origin(Some(&self.workspace.root.join(display_name))),
            ..ImportRequest::default()
        };
        self.import_request(bytes, &request)
    }

    pub fn import_request(
        &mut self,
        bytes: &[u8],
        request: &ImportRequest,
    ) -> Result<ImportOutcome, ImportError> {
        let display_name = request.display_name.as_str();
        let image = request.image.as_deref();
        let ctx = ParseContext {
            redactor: self.redactor,
            report_name: display_name,
            image_override: image,
        };
        let mut report = ingest::parse_bytes_from(bytes, &ctx, &request.origin, request.format)?;
        if report.format == ingest::Format::EmptyList {
            // `[]` names no tool: the file name or this subject's history must.
            let tool = self.empty_list_tool(display_name, &report.subject)?;
            let format = ingest::Format::from_user(tool);
            report = ingest::parse_bytes_from(bytes, &ctx, &request.origin, format)?;
        }
        let sha = sha256_hex(bytes);
        self.record(
            report,
            &sha,
            bytes.len() as u64,
            request,
            Copy::Bytes(bytes),
        )
    }

    /// Stores a parsed report's copy, its findings and its run, and updates
    /// the decisions file's sightings.
    fn record(
        &mut self,
        mut report: ParsedReport,
        sha: &str,
        len: u64,
        request: &ImportRequest,
        copy: Copy,
    ) -> Result<ImportOutcome, ImportError> {
        let display_name = request.display_name.as_str();
        let image = request.image.as_deref();
        // A VEX document carries statements, not findings: it needs no subject.
        let statements_only = report.format == ingest::Format::OpenVex
            || (report.findings.is_empty() && !report.vex.is_empty());
        if request.origin.outside_workspace
            && report.subject_from == ingest::identify::SubjectFrom::Workspace
            && !statements_only
        {
            return Err(ImportError::Ingest(IngestError::NoSubject));
        }
        let target = run_target(&report, display_name);
        let scanner = report.scanner.clone();
        if let Some(existing) = self.index.runs.iter().find(|r| {
            r.sha256 == sha
                && r.subject == report.subject
                && r.scope == request.scope
                && r.image_override.as_deref() == image
        }) {
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
                    replaced: None,
                    kept_beside: None,
                });
            }
        }
        self.copies_to_sync = true;
        self.store_copy(sha, copy, &report)?;
        let now = crate::clock::now();
        let mut record = run_record(
            &self.index,
            &report,
            sha,
            display_name,
            len,
            image,
            now,
            &target,
        );
        record.scanner = scanner;
        record.scope = request.scope.clone();
        let mut kept_beside = None;
        // A report that names what it scanned (an image, a project) is a
        // rescan of that thing, whatever it shares with the last one; one
        // that names nothing may be about another thing in the same folder.
        let weak_subject = matches!(
            report.subject_from,
            ingest::identify::SubjectFrom::Folder | ingest::identify::SubjectFrom::Workspace
        );
        if request.scope.is_none() && !request.replace && weak_subject {
            (record.scope, kept_beside) = self.lineage_of(&record, &report.findings);
        }
        record.roots = request
            .origin
            .roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        let run_id = record.id;
        let previous = self.index.previous_run(&record).cloned();
        let replaced = previous
            .as_ref()
            .map(|p| (p.id, p.original_name.clone(), p.imported_at.clone()));
        let mut store_notes = Vec::new();
        if let Some(store) = self.findings.as_mut() {
            // Stored before the run is recorded: a reader never meets a
            // recorded run whose findings are half-written.
            if let Err(e) = store.insert_run(&record, &report.findings) {
                store_notes.push(format!("{e}; findings are read from the stored report"));
            }
        }
        let previous_scan = previous
            .as_ref()
            .and_then(|prev| self.previous_scan(prev, &report.findings));
        // Read once per batch, under the lock this importer holds.
        let loaded_decisions = self.decisions_file().map(|_| ());
        let stamp = Stamp {
            who: &self.who,
            now,
        };
        let migrated = std::mem::take(&mut self.index.first_seen);
        self.rewrite_index |= !migrated.is_empty();
        let store = self.findings.as_ref();
        let this_run = &record;
        // The first scan of a subject here whose baseline came through git
        // (a clone, CI): the committed file lists every finding first seen
        // after the baseline, so one without a line was seen at it.
        let first_here = !self.index.runs.iter().any(|r| r.subject == report.subject);
        // A fingerprint names its subject: only that subject's other runs can hold it.
        let same_subject: Vec<&RunRecord> = self
            .index
            .runs
            .iter()
            .filter(|r| r.subject == report.subject && r.id != this_run.id)
            .collect();
        let mut known = |fp: &crate::model::Fingerprint| {
            first_here || store.is_some_and(|s| s.holds_in(fp, &same_subject).unwrap_or(false))
        };
        let triage = loaded_decisions.and_then(|()| {
            self.decisions.as_mut().ok_or_else(|| StoreError::Io {
                path: self.workspace.decisions_path(),
                source: std::io::Error::other("not loaded"),
            })
        });
        let triage = triage.map(|file| {
            // Sightings used to live in the scan index: carry them over once.
            for (fp, when) in migrated {
                file.sightings.entry(fp).or_insert_with(|| Sighting {
                    first_seen: when.clone(),
                    last_seen: when,
                    ..Sighting::default()
                });
            }
            let changes = engine::reconcile(
                file,
                &report.findings,
                previous_scan.as_ref(),
                &mut known,
                stamp,
            );
            let expired = engine::expire(file, &report.findings, stamp);
            (changes, expired)
        });
        let (changes, mut notes) = match triage {
            Ok((changes, mut expired)) => {
                expired.append(&mut store_notes);
                (Some(changes), expired)
            }
            Err(e) => {
                store_notes.push(format!("decisions were not updated: {e}"));
                (None, store_notes)
            }
        };
        // A first scan of a target has nothing to compare with.
        let changes = changes.filter(|_| previous.is_some());
        record.changes = changes.clone();
        self.index.runs.push(record);
        self.unsaved += 1;
        if self.last_written.elapsed() >= WRITE_EVERY {
            notes.extend(self.write()?);
        }
        report.notes.append(&mut notes);
        Ok(ImportOutcome {
            report,
            run_id,
            target,
            duplicate: false,
            changes,
            replaced,
            kept_beside,
        })
    }

    /// Which current run of this scanner and subject a new report continues:
    /// the one it shares the most findings with. A report that shares none
    /// with the subject's run while both have findings is about another
    /// thing (another project's report under the same folder, an image
    /// report that named no image): it is kept beside it, never allowed to
    /// retire its findings as fixed. Returns the scope to file it under and,
    /// when kept beside, the run it was kept beside.
    fn lineage_of(
        &self,
        record: &super::index::RunRecord,
        findings: &[crate::model::Finding],
    ) -> (Option<String>, Option<(u64, String)>) {
        let candidates: Vec<&super::index::RunRecord> = self
            .index
            .current_runs()
            .into_iter()
            .filter(|r| {
                r.scanner == record.scanner
                    && r.subject == record.subject
                    && r.scope.as_deref().is_none_or(|s| s.starts_with(BESIDE))
            })
            .collect();
        if candidates.is_empty() {
            return (None, None);
        }
        let now: crate::fasthash::FxHashSet<crate::model::Fingerprint> =
            findings.iter().map(|f| f.fingerprint).collect();
        let mut best: Option<(usize, &super::index::RunRecord)> = None;
        for run in &candidates {
            let shared = self.shared_findings(run, &now);
            if shared > 0 && best.is_none_or(|(most, _)| shared > most) {
                best = Some((shared, run));
            }
        }
        if let Some((_, run)) = best {
            return (run.scope.clone(), None);
        }
        match candidates.iter().find(|r| r.scope.is_none()) {
            Some(main) if main.findings > 0 && !findings.is_empty() => (
                Some(format!("{BESIDE}{}", record.id)),
                Some((main.id, main.original_name.clone())),
            ),
            _ => (None, None),
        }
    }

    /// How many of `now` a stored run reported.
    fn shared_findings(
        &self,
        run: &super::index::RunRecord,
        now: &crate::fasthash::FxHashSet<crate::model::Fingerprint>,
    ) -> usize {
        if let Some(store) = self.findings.as_ref() {
            if store.has_run(run).unwrap_or(false) {
                if let Ok(shared) = store.count_in_run(run, now) {
                    return shared;
                }
            }
        }
        self.workspace
            .read_run(run, self.redactor, 0)
            .map(|r| {
                r.findings
                    .iter()
                    .filter(|f| now.contains(&f.fingerprint))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for Importer<'_> {
    /// A batch that ends without `finish` (an early return, an error)
    /// still writes what it recorded.
    fn drop(&mut self) {
        match self.write() {
            Ok(notes) => {
                for n in notes {
                    crate::logging::log(&format!("import: {n}"));
                }
            }
            Err(e) => crate::logging::log(&format!("import: the index was not written: {e}")),
        }
    }
}
