//! The `.scandeck/` directory of a workspace: layout, the scan index with
//! its schema guard and quarantine, stored reports, and loading the current
//! findings.

use super::atomic::write_atomic;
use super::index::{RunRecord, ScanIndex, INDEX_SCHEMA_VERSION};
use super::lock::WorkspaceLock;
use crate::ingest::{self, ParseContext};
use crate::model::{Finding, ImageRef, Redactor, Severity};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: {message}; `scandeck rebuild` makes it again from the stored reports")]
    Database { path: PathBuf, message: String },
    /// Another process held a lock on the store longer than scandeck waits.
    #[error("{path}: locked by {holder}: waited {waited} s; nothing was changed: try again when it finishes")]
    Locked {
        path: PathBuf,
        holder: String,
        waited: u64,
    },
    /// A stored run's rows disagree with the seal stored beside them.
    #[error("{path}: run {run} ({name}): {why}")]
    RunDamaged {
        path: PathBuf,
        run: u64,
        name: String,
        why: String,
    },
    /// A committed document holds git conflict markers.
    #[error("{path} has git conflict markers: run `scandeck triage resolve` to merge both sides (and `scandeck init --git` so that git merges them from now on); nothing was changed")]
    Conflicted { path: PathBuf },
    #[error("{path} was written by a newer scandeck (schema {found}, this one reads up to {supported}); it was left untouched: upgrade scandeck")]
    FutureSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A part of the current findings that the store can read by index.
#[derive(Clone, Debug)]
pub enum Selection {
    Fingerprints(Vec<crate::model::Fingerprint>),
    Severities(Vec<Severity>),
    /// What the release gate and the checklist evidence judge: critical and
    /// high findings, and secrets of any severity (`gate::judge`,
    /// `checklist::evidence`).
    GateRelevant,
    /// The most severe findings, this many: a first screen.
    Top(usize),
}

impl Selection {
    fn severities(&self) -> Vec<(Severity, Option<crate::model::Kind>)> {
        match self {
            Selection::Fingerprints(_) | Selection::Top(_) => Vec::new(),
            Selection::Severities(list) => list.iter().map(|s| (*s, None)).collect(),
            Selection::GateRelevant => Severity::ALL_DESCENDING
                .iter()
                .map(|s| {
                    let kind = (*s < Severity::High).then_some(crate::model::Kind::Secret);
                    (*s, kind)
                })
                .collect(),
        }
    }
}

/// What `load_index` had to do besides reading.
#[derive(Debug, Default)]
pub struct LoadNotes {
    pub warnings: Vec<String>,
    /// The index was upgraded in memory and should be saved.
    pub migrated: bool,
    /// The index was rebuilt from the report copies (the journal set aside).
    pub rebuilt: bool,
}

/// Findings of the latest run per scanner and target, with their runs.
#[derive(Debug, Default)]
pub struct CurrentFindings {
    pub findings: Vec<Finding>,
    pub runs: Vec<RunRecord>,
    /// Decisions, sightings and the audit log.
    pub triage: super::decisions::DecisionFile,
    /// Why decisions cannot be saved, when they cannot.
    pub triage_read_only: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
    /// How much of each advisory's text the findings are read with.
    pub advisory_text: AdvisoryText,
}

/// How much of each advisory's text a reader of the findings store gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdvisoryText {
    /// All of it.
    #[default]
    Whole,
    /// The title, score, vector and dates: what every command but the
    /// console and the exports' records reads. The description, references
    /// and CWEs (most of a finding's memory) are left out and read again by
    /// hash where a record needs them (`findings::AdvisoryTexts`).
    Brief,
}

impl Workspace {
    pub fn at(root: &Path) -> Workspace {
        Workspace {
            root: root.to_path_buf(),
            advisory_text: AdvisoryText::Whole,
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.root.join(".scandeck")
    }

    pub fn scans_dir(&self) -> PathBuf {
        self.dir().join("scans")
    }

    pub fn index_path(&self) -> PathBuf {
        self.scans_dir().join("index.json")
    }

    /// Where report copies are written before they take their name: a
    /// killed import's leftovers are found without listing every copy.
    pub fn incoming_dir(&self) -> PathBuf {
        self.scans_dir().join("incoming")
    }

    /// Runs recorded since `index.json` was last written whole, a line each
    /// (docs/store.md, "The scan index").
    pub fn index_journal_path(&self) -> PathBuf {
        self.scans_dir().join("index.journal")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir().join(".lock")
    }

    pub fn report_path(&self, sha256: &str) -> PathBuf {
        self.scans_dir().join(format!("{sha256}.report"))
    }

    pub fn exists(&self) -> bool {
        self.dir().is_dir()
    }

    /// Creates `.scandeck/scans/` and the `.gitignore` that keeps the scan cache out of git.
    pub fn ensure_layout(&self) -> Result<(), StoreError> {
        for dir in [self.dir(), self.scans_dir()] {
            super::safe::refuse_link(&dir).map_err(io_err(&dir))?;
        }
        let scans = self.scans_dir();
        fs::create_dir_all(&scans).map_err(io_err(&scans))?;
        // Kept up to date with what scandeck writes beside the committed
        // files, so that a backup never travels (and conflicts) in git.
        let gitignore = self.dir().join(".gitignore");
        let existing = fs::read_to_string(&gitignore).unwrap_or_default();
        let missing: Vec<&str> = GITIGNORED
            .iter()
            .copied()
            .filter(|line| !existing.lines().any(|l| l.trim() == *line))
            .collect();
        if !missing.is_empty() {
            let mut text = if existing.is_empty() {
                "# local only: the scan cache, the lock, backups and set-aside copies; decisions.json and checklist.json are meant to be committed\n".to_string()
            } else {
                existing.clone()
            };
            if !text.ends_with('\n') {
                text.push('\n');
            }
            for line in missing {
                text.push_str(line);
                text.push('\n');
            }
            write_atomic(&gitignore, text.as_bytes()).map_err(io_err(&gitignore))?;
        }
        Ok(())
    }

    /// The salt secret identities are hashed with (`.scandeck/identity-salt`,
    /// committed, so that every clone and installation keys a secret
    /// alike; docs/secrets.md). Made on first use when `create` or when the
    /// workspace exists; `None` outside a workspace.
    pub fn identity_salt(
        &self,
        create: bool,
    ) -> Result<Option<[u8; crate::model::secret::SALT_BYTES]>, StoreError> {
        use crate::model::secret::SALT_BYTES;
        let path = self.dir().join(IDENTITY_SALT);
        let parse = |text: &str| -> Option<[u8; SALT_BYTES]> {
            let hex = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))?;
            if hex.len() != SALT_BYTES * 2 {
                return None;
            }
            let mut salt = [0u8; SALT_BYTES];
            for (i, byte) in salt.iter_mut().enumerate() {
                *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
            }
            Some(salt)
        };
        let bad = |path: &Path| {
            StoreError::Io {
            path: path.to_path_buf(),
            source: io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not a {}-digit hex salt: take it from version control (a new salt changes every secret finding's identity)", SALT_BYTES * 2),
            ),
        }
        };
        match super::safe::read(&path, 4096) {
            Ok(bytes) => {
                return parse(&String::from_utf8_lossy(&bytes))
                    .map(Some)
                    .ok_or_else(|| bad(&path))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::Io { path, source: e }),
        }
        if !create && !self.exists() {
            return Ok(None);
        }
        self.ensure_layout()?;
        let mut salt = [0u8; SALT_BYTES];
        {
            use std::io::Read;
            fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut salt))
                .map_err(io_err(&path))?;
        }
        let text = format!(
            "# scandeck: the salt of secret findings' identities (docs/secrets.md); commit it with decisions.json\n{}\n",
            crate::model::fingerprint::hex(&salt)
        );
        // Made beside the file, then linked into place: when another process
        // made one meanwhile, the link fails and both use that one.
        let staged = self
            .dir()
            .join(format!(".{IDENTITY_SALT}.tmp-{}", std::process::id()));
        fs::write(&staged, text.as_bytes()).map_err(io_err(&staged))?;
        let linked = fs::hard_link(&staged, &path);
        let _ = fs::remove_file(&staged);
        match linked {
            Ok(()) => Ok(Some(salt)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => self.identity_salt(false),
            Err(e) => Err(StoreError::Io { path, source: e }),
        }
    }

    pub fn lock(&self) -> Result<WorkspaceLock, StoreError> {
        self.ensure_layout()?;
        let path = self.lock_path();
        WorkspaceLock::acquire(&path, super::lock::lock_wait()).map_err(io_err(&path))
    }

    /// Reads the index. A missing index is empty; a corrupt one is moved
    /// aside and rebuilt from the stored reports; a newer one is refused.
    pub fn load_index(&self, redactor: &Redactor) -> Result<(ScanIndex, LoadNotes), StoreError> {
        // Read without the lock: a writer may write `index.json` whole (and
        // then empty the journal) between the two reads; the index then
        // carries another stamp, and both are read again.
        let mut tries = 0;
        loop {
            let before = super::atomic::FileStamp::of(&self.index_path());
            let (mut index, mut notes) = self.load_index_file(redactor)?;
            if notes.rebuilt {
                // From every report copy: the journal was set aside.
                return Ok((index, notes));
            }
            self.read_journal(&mut index, &mut notes)?;
            tries += 1;
            if super::atomic::FileStamp::of(&self.index_path()) == before || tries >= 5 {
                return Ok((index, notes));
            }
        }
    }

    /// Adds the runs the journal records after `index`'s last.
    fn read_journal(&self, index: &mut ScanIndex, notes: &mut LoadNotes) -> Result<(), StoreError> {
        let path = self.index_journal_path();
        let bytes = match super::safe::read(&path, super::safe::DOCUMENT_CAP) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let last = index.runs.iter().map(|r| r.id).max().unwrap_or(0);
        let mut lines = bytes.split(|b| *b == b'\n').peekable();
        let mut skipped = 0usize;
        while let Some(line) = lines.next() {
            if line.is_empty() {
                continue;
            }
            match serde_json::from_slice::<RunRecord>(line) {
                Ok(run) if run.id > last => index.runs.push(run),
                // Written whole into index.json before the journal was emptied.
                Ok(_) => {}
                // The last line of a write that did not end (a kill, or a
                // write under way): not recorded yet.
                Err(_) if lines.peek().is_none() => {}
                Err(_) => skipped += 1,
            }
        }
        if skipped > 0 {
            notes.warnings.push(format!(
                "{}: {skipped} damaged line(s) skipped; `scandeck rebuild` recovers their runs from the stored reports",
                path.display()
            ));
        }
        Ok(())
    }

    fn load_index_file(&self, redactor: &Redactor) -> Result<(ScanIndex, LoadNotes), StoreError> {
        let path = self.index_path();
        let mut notes = LoadNotes::default();
        let bytes = match super::safe::read(&path, super::safe::DOCUMENT_CAP) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((ScanIndex::default(), notes))
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        match parse_index(&bytes) {
            Ok(index) if index.schema_version > INDEX_SCHEMA_VERSION => {
                Err(StoreError::FutureSchema {
                    path,
                    found: index.schema_version,
                    supported: INDEX_SCHEMA_VERSION,
                })
            }
            Ok(mut index) => {
                if index.schema_version < INDEX_SCHEMA_VERSION {
                    self.migrate_index(&mut index, redactor, &mut notes);
                }
                Ok((index, notes))
            }
            Err(reason) => {
                let aside = quarantine(&path).map_err(io_err(&path))?;
                notes.warnings.push(format!(
                    "{} was unreadable ({reason}); kept as {} and rebuilt from the stored reports",
                    path.display(),
                    aside.display()
                ));
                // The runs the journal holds are rebuilt from their copies too.
                let journal = self.index_journal_path();
                if journal.exists() {
                    quarantine(&journal).map_err(io_err(&journal))?;
                }
                let rebuilt = self.rebuild_index(redactor, &mut notes);
                notes.rebuilt = true;
                // Saved by the next reader that can take the lock.
                notes.migrated = true;
                Ok((rebuilt, notes))
            }
        }
    }

    /// Writes the index under the workspace lock, refusing to replace a
    /// newer schema: `index.json` whole, then an empty journal.
    pub fn save_index(&self, index: &ScanIndex, _lock: &WorkspaceLock) -> Result<(), StoreError> {
        let path = self.index_path();
        if let Ok(existing) = super::safe::read(&path, super::safe::DOCUMENT_CAP) {
            if let Ok(on_disk) = parse_index(&existing) {
                if on_disk.schema_version > INDEX_SCHEMA_VERSION {
                    return Err(StoreError::FutureSchema {
                        path,
                        found: on_disk.schema_version,
                        supported: INDEX_SCHEMA_VERSION,
                    });
                }
            }
        }
        let mut bytes =
            serde_json::to_vec(index).map_err(|e| io_err(&path)(io::Error::other(e)))?;
        bytes.push(b'\n');
        // What a writer killed mid-write left; every writer holds this lock.
        super::atomic::remove_stale_temps(&path);
        write_atomic(&path, &bytes).map_err(io_err(&path))?;
        // Every run the journal held is in index.json now.
        let journal = self.index_journal_path();
        write_atomic(&journal, b"").map_err(io_err(&journal))
    }

    /// Records `runs`, the last of `index`, under the workspace lock: one
    /// line each appended to the journal and one `fsync`, so an import costs
    /// the same however many runs are stored. The journal is folded into
    /// `index.json` once it is as long as it (each run written whole about
    /// twice in all), and whenever there is none yet.
    pub fn append_runs(
        &self,
        index: &ScanIndex,
        runs: &[RunRecord],
        lock: &WorkspaceLock,
    ) -> Result<(), StoreError> {
        let path = self.index_journal_path();
        let index_len = fs::metadata(self.index_path()).map(|m| m.len()).ok();
        let journal_len = fs::metadata(&path).map(|m| m.len()).ok();
        let (Some(index_len), Some(journal_len)) = (index_len, journal_len) else {
            return self.save_index(index, lock);
        };
        if journal_len > index_len.max(64 << 10) {
            return self.save_index(index, lock);
        }
        let mut lines = Vec::new();
        for run in runs {
            serde_json::to_writer(&mut lines, run)
                .map_err(|e| io_err(&path)(io::Error::other(e)))?;
            lines.push(b'\n');
        }
        append_lines(&path, &lines).map_err(io_err(&path))
    }

    /// Stores a report under its content hash (once). The copy is not yet
    /// durable: the importer syncs its batch's copies before the index
    /// names them (`atomic::sync_filesystem`).
    pub fn store_report(
        &self,
        sha256: &str,
        bytes: &[u8],
        _lock: &WorkspaceLock,
    ) -> Result<PathBuf, StoreError> {
        let path = self.report_path(sha256);
        if !path.exists() {
            let mut copy = super::copy::CopyWriter::create(
                &self.incoming_dir().join(format!("{sha256}.report")),
            )
            .map_err(io_err(&path))?;
            io::Write::write_all(&mut copy, bytes).map_err(io_err(&path))?;
            let pending = copy.finish().map_err(io_err(&path))?;
            pending.persist_unsynced(&path).map_err(io_err(&path))?;
        }
        Ok(path)
    }

    fn rebuild_index(&self, redactor: &Redactor, notes: &mut LoadNotes) -> ScanIndex {
        let mut index = ScanIndex::default();
        let Ok(entries) = fs::read_dir(self.scans_dir()) else {
            return index;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "report"))
            .collect();
        files.sort_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok());
        for file in files {
            // A regular file that is no link cannot be endless; copies may be
            // larger than today's cap when they were imported with a higher one.
            let bytes = match super::copy::read(&file, u64::MAX) {
                Ok(bytes) => bytes,
                Err(e) => {
                    notes
                        .warnings
                        .push(format!("{}: could not recover: {e}", file.display()));
                    continue;
                }
            };
            let sha = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let name = format!("(recovered) {sha}");
            let ctx = ParseContext {
                redactor,
                report_name: &name,
                image_override: None,
            };
            let origin = self.import_origin(None);
            match ingest::parse_bytes_from(&bytes, &ctx, &origin, None) {
                Ok(report) => {
                    let when = fs::metadata(&file)
                        .and_then(|m| m.modified())
                        .map(chrono::DateTime::<chrono::Utc>::from)
                        .unwrap_or_else(|_| crate::clock::now());
                    let mut record = run_record(
                        &index,
                        &report,
                        &sha,
                        &name,
                        bytes.len() as u64,
                        None,
                        when,
                        &name,
                    );
                    record.roots = origin
                        .roots
                        .iter()
                        .map(|r| r.display().to_string())
                        .collect();
                    index.runs.push(record);
                }
                Err(e) => notes
                    .warnings
                    .push(format!("{}: could not recover: {e}", file.display())),
            }
        }
        index
    }

    /// The origin of a report imported from the workspace: paths relative
    /// to the workspace root, the subject from where the report sits.
    pub fn import_origin(&self, report: Option<&Path>) -> ingest::identify::Origin {
        let root = fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        let mut roots = vec![root.clone()];
        if root != self.root && self.root.is_absolute() {
            roots.push(self.root.clone());
        }
        let mut origin = ingest::identify::Origin {
            roots,
            ..Default::default()
        };
        // Where the report really lies, never where the command ran; a
        // report that is not on disk (bytes imported from memory) lies nowhere.
        if let Some(real) = report.and_then(|r| fs::canonicalize(r).ok()) {
            match real.strip_prefix(&root) {
                Ok(rel) => origin.enclosing_project = Some(enclosing_project(&root, rel)),
                Err(_) => origin.outside_workspace = true,
            }
        }
        origin
    }

    /// decisions.json is of schema 1 (cheap: reads only its version).
    pub fn decisions_need_upgrade(&self) -> bool {
        #[derive(serde::Deserialize)]
        struct Version {
            schema_version: u32,
        }
        super::safe::read(&self.decisions_path(), super::safe::DOCUMENT_CAP)
            .ok()
            .and_then(|b| serde_json::from_slice::<Version>(&b).ok())
            .is_some_and(|v| v.schema_version < super::decisions::DECISIONS_SCHEMA_VERSION)
    }

    /// Parses the stored report of `run` as it was imported.
    pub fn read_run(
        &self,
        run: &RunRecord,
        redactor: &Redactor,
        legacy: u32,
    ) -> Result<ingest::ParsedReport, ingest::IngestError> {
        let ctx = ParseContext {
            redactor,
            report_name: &run.original_name,
            image_override: run.image_override.as_deref(),
        };
        let path = self.report_path(&run.sha256);
        let origin = run.origin(legacy);
        super::safe::refuse_link(&path)?;
        let sinks = ingest::stream::Sinks {
            copy: &mut io::sink(),
            progress: &mut |_, _| {},
        };
        // A Trivy copy is parsed as it is read (and decompressed), like the
        // import that made it; a compressed copy's size does not tell how
        // big the report is, so every size is.
        let len = fs::metadata(&path)?.len();
        let open = || super::copy::open(&path);
        let streamed = ingest::stream::parse_opened(
            &open,
            len,
            &ctx,
            &origin,
            run.stored_format(),
            u64::MAX,
            sinks,
        )?;
        if let Some(streamed) = streamed {
            return Ok(streamed.report);
        }
        let bytes = super::copy::read(&path, u64::MAX)?;
        ingest::parse_bytes_from(&bytes, &ctx, &origin, run.stored_format())
    }

    /// Files the runs of a schema-1 index under the subject their reports
    /// are about (schema 1 filed them under the report's name).
    fn migrate_index(&self, index: &mut ScanIndex, redactor: &Redactor, notes: &mut LoadNotes) {
        let mut filed = 0;
        for run in &mut index.runs {
            if !run.subject.is_empty() {
                continue;
            }
            let origin = self.import_origin(Some(&self.root.join(&run.original_name)));
            let ctx = ParseContext {
                redactor,
                report_name: &run.original_name,
                image_override: run.image_override.as_deref(),
            };
            let format = run.stored_format();
            let parsed = super::copy::read(&self.report_path(&run.sha256), u64::MAX)
                .map_err(ingest::IngestError::from)
                .and_then(|bytes| ingest::parse_bytes_from(&bytes, &ctx, &origin, format));
            run.subject = match parsed {
                Ok(report) => report.subject,
                Err(_) => crate::model::subject::project(
                    origin.enclosing_project.as_deref().unwrap_or("."),
                ),
            };
            // Scans named their runs "<tool> <what>": each what stays its own run.
            if run.original_name.contains(' ') {
                run.scope = Some(run.original_name.clone());
            }
            run.roots = origin
                .roots
                .iter()
                .map(|r| r.display().to_string())
                .collect();
            filed += 1;
        }
        index.schema_version = INDEX_SCHEMA_VERSION;
        if filed > 0 {
            notes.migrated = true;
        }
    }

    /// The findings of the latest run per scanner and target, read from the
    /// findings store. Runs the store lacks (a first start after an upgrade,
    /// a rebuild, an import killed half-way) are parsed from their stored
    /// report once and stored. A stored report that no longer parses is
    /// reported as a warning; the others still load.
    pub fn current_findings(&self, redactor: &Redactor) -> Result<CurrentFindings, StoreError> {
        self.current_findings_with_progress(redactor, &mut |_, _, _| {})
    }

    /// Like `current_findings`, reporting `(findings done, findings in all,
    /// what is being read)` as it goes.
    pub fn current_findings_with_progress(
        &self,
        redactor: &Redactor,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> Result<CurrentFindings, StoreError> {
        let (index, notes) = self.load_index(redactor)?;
        let mut upgrade_notes = Vec::new();
        if notes.migrated || self.decisions_need_upgrade() {
            // Saved once so that the next command reads the upgraded files.
            let lock = self.lock()?;
            if notes.migrated {
                self.save_index(&index, &lock)?;
            }
            upgrade_notes = super::migrate::upgrade_decisions(self, redactor, &index, &lock)?;
        }
        let mut out = CurrentFindings {
            warnings: notes.warnings,
            ..CurrentFindings::default()
        };
        let current = index.current_runs();
        // decisions.json is read on the second core while the findings load.
        let loaded = std::thread::scope(|scope| {
            let decisions = scope.spawn(|| super::decisions::load(self));
            let read = self.read_current(&index, &current, redactor, progress, &mut out);
            let decisions = decisions.join().unwrap_or_else(|_| {
                Err(StoreError::Io {
                    path: self.decisions_path(),
                    source: io::Error::other("reading decisions.json failed"),
                })
            });
            read.and(decisions)
        })?;
        out.warnings.extend(loaded.warnings);
        out.warnings.extend(upgrade_notes);
        out.triage_read_only = loaded.read_only;
        out.triage = loaded.file;
        // Workspaces from before decisions.json kept first sightings in the index.
        for (fp, when) in index.first_seen {
            out.triage
                .sightings
                .entry(fp)
                .or_insert_with(|| super::decisions::Sighting {
                    first_seen: when.clone(),
                    last_seen: when,
                    ..Default::default()
                });
        }
        Ok(out)
    }

    /// Reads `runs` from the findings store into `out`, storing first the
    /// runs it lacks. Without a usable store (a read-only workspace, a
    /// full disk) the reports are parsed instead, with a warning.
    fn read_current(
        &self,
        index: &ScanIndex,
        runs: &[&RunRecord],
        redactor: &Redactor,
        progress: &mut dyn FnMut(usize, usize, &str),
        out: &mut CurrentFindings,
    ) -> Result<(), StoreError> {
        let mut notes = Vec::new();
        let store = super::findings::FindingsStore::open(self, redactor, &mut notes);
        out.warnings.append(&mut notes);
        let mut store = match store {
            Ok(store) => Some(store),
            Err(e @ StoreError::FutureSchema { .. }) => return Err(e),
            Err(e) => {
                out.warnings
                    .push(format!("{e}; reading the stored reports instead"));
                None
            }
        };
        let total: usize = runs.iter().map(|r| r.findings).sum();
        // Runs the store lacks are stored first, then every stored run is
        // read in one pass.
        let mut in_store = vec![false; runs.len()];
        if let Some(store) = store.as_mut() {
            for (run, stored) in runs.iter().zip(in_store.iter_mut()) {
                match self.stored_run(store, run, redactor) {
                    Ok(yes) => *stored = yes,
                    Err(e) => out.warnings.push(e.to_string()),
                }
            }
        }
        // What the store answered for each run: how many findings it gave
        // (they sit in `out.findings` in run order), or why it gave none.
        let mut answers: Vec<Option<Result<usize, StoreError>>> =
            runs.iter().map(|_| None).collect();
        if let Some(store) = store.as_ref() {
            let wanted: Vec<usize> = (0..runs.len()).filter(|at| in_store[*at]).collect();
            let picked: Vec<&RunRecord> = wanted.iter().map(|at| runs[*at]).collect();
            let mut before = Vec::with_capacity(runs.len());
            let mut done = 0usize;
            for run in runs {
                before.push(done);
                done = done.saturating_add(run.findings);
            }
            let mut told = |at: usize, n: usize| {
                let run = wanted[at];
                progress(
                    before[run].saturating_add(n),
                    total,
                    runs[run].original_name.as_str(),
                )
            };
            match store.load_runs(&picked, &mut told) {
                Ok(loaded) => {
                    out.findings = loaded.findings;
                    for (at, answer) in wanted.iter().zip(loaded.answers) {
                        answers[*at] = Some(answer);
                    }
                }
                // The store could not be read as a whole: each run is read
                // on its own, so that one bad run does not spoil the rest.
                Err(_) => {
                    for at in wanted {
                        let base = before[at];
                        let name = runs[at].original_name.as_str();
                        let loaded = store.load_run(runs[at], &mut |n| {
                            progress(base.saturating_add(n), total, name)
                        });
                        answers[at] = Some(loaded.map(|findings| {
                            let n = findings.len();
                            out.findings.extend(findings);
                            n
                        }));
                    }
                }
            }
        }
        // Runs the store did not give are read from their report copies and
        // put in their place among the others.
        let mut at = 0usize;
        for (run, answer) in runs.iter().zip(answers) {
            let damaged = match answer {
                Some(Ok(n)) => {
                    at = at.saturating_add(n);
                    out.runs.push((*run).clone());
                    continue;
                }
                Some(Err(e)) => Some(e),
                None => None,
            };
            progress(at, total, run.original_name.as_str());
            let findings = match self.read_run(run, redactor, 0) {
                Ok(report) => {
                    if let Some(e) = damaged {
                        // The copy is the truth: the run's rows are stored
                        // again from it.
                        let repaired = store
                            .as_mut()
                            .map(|store| store.insert_run(run, &report.findings));
                        out.warnings.push(match repaired {
                            Some(Ok(())) => format!("{e}; stored again from its report copy"),
                            Some(Err(not)) => format!("{e}; read from its report copy ({not})"),
                            None => format!("{e}; read from its report copy"),
                        });
                    }
                    report.findings
                }
                Err(e) => {
                    out.warnings.push(format!(
                        "{}: stored report for {} unreadable: {e}",
                        self.report_path(&run.sha256).display(),
                        run.original_name
                    ));
                    Vec::new()
                }
            };
            let n = findings.len();
            if out.findings.is_empty() {
                out.findings = findings; // no copy of a million findings
            } else {
                let end = at.min(out.findings.len());
                out.findings.splice(end..end, findings);
            }
            at = at.saturating_add(n);
            out.runs.push((*run).clone());
        }
        if let Some(store) = store.as_mut() {
            if let Err(e) = store.forget_replaced(index) {
                out.warnings.push(e.to_string());
            }
        }
        progress(total, total, "");
        Ok(())
    }

    /// The current findings in `selection` (and the decisions), read by
    /// index without loading the rest: what a decision about named findings
    /// or a list of some severities needs; other findings come along only
    /// when a decision is about them (the caller's filter drops them). `None` when only a full load can answer exactly (the
    /// store lacks a current run, or files need an upgrade first).
    pub fn current_findings_with(
        &self,
        redactor: &Redactor,
        selection: &Selection,
    ) -> Result<Option<CurrentFindings>, StoreError> {
        let (index, notes) = self.load_index(redactor)?;
        if notes.migrated || self.decisions_need_upgrade() || !index.first_seen.is_empty() {
            return Ok(None);
        }
        let mut warnings = notes.warnings;
        let store = match super::findings::FindingsStore::open(self, redactor, &mut warnings) {
            Ok(store) => store,
            Err(e @ StoreError::FutureSchema { .. }) => return Err(e),
            Err(_) => return Ok(None),
        };
        let current = index.current_runs();
        for run in &current {
            if !store.has_run(run)? {
                return Ok(None);
            }
        }
        let loaded = super::decisions::load(self)?;
        // Decisions on other findings matter to these (a decision whose own
        // finding is reported never covers another by its ids), so their
        // findings are read too; there are as many as people decided.
        let mut wanted: Vec<crate::model::Fingerprint> = match selection {
            Selection::Fingerprints(fps) => fps.clone(),
            _ => Vec::new(),
        };
        wanted.extend(
            loaded
                .file
                .decisions
                .values()
                .filter_map(|d| d.selector.fingerprint.as_deref())
                .filter_map(crate::model::Fingerprint::parse),
        );
        wanted.sort_unstable();
        wanted.dedup();
        let read = |store: &super::findings::FindingsStore| match selection {
            Selection::Top(n) => store.findings_top(*n, &current),
            _ => store.findings_of_severity(&selection.severities(), &current),
        };
        let mut store = store;
        let mut repaired: HashSet<u64> = HashSet::new();
        let mut findings = loop {
            match read(&store) {
                // Never answered from rows that disagree with their seal:
                // the run is stored again from its report copy and read
                // again; a run that disagrees twice fails closed.
                Err(StoreError::RunDamaged {
                    path,
                    run,
                    name,
                    why,
                }) if !repaired.contains(&run) => {
                    let copy = current
                        .iter()
                        .find(|r| r.id == run)
                        .map(|r| self.read_run(r, redactor, 0).map(|report| (*r, report)));
                    let Some(Ok((damaged, report))) = copy else {
                        return Err(StoreError::RunDamaged {
                            path,
                            run,
                            name,
                            why: format!("{why}, and its report copy is unreadable"),
                        });
                    };
                    store.insert_run(damaged, &report.findings)?;
                    warnings.push(format!(
                        "{}: run {run} ({name}): {why}; stored again from its report copy",
                        path.display()
                    ));
                    repaired.insert(run);
                }
                other => break other?,
            }
        };
        if !wanted.is_empty() {
            let asked: crate::fasthash::FxHashSet<crate::model::Fingerprint> =
                wanted.iter().copied().collect();
            let present: crate::fasthash::FxHashSet<crate::model::Fingerprint> = findings
                .iter()
                .map(|f| f.fingerprint)
                .filter(|fp| asked.contains(fp))
                .collect();
            wanted.retain(|fp| !present.contains(fp));
            findings.extend(store.findings_with(&wanted, &current)?);
        }
        warnings.extend(loaded.warnings);
        Ok(Some(CurrentFindings {
            findings,
            runs: current.into_iter().cloned().collect(),
            triage: loaded.file,
            triage_read_only: loaded.read_only,
            warnings,
        }))
    }

    /// Makes sure the store holds `run`, parsing its report copy when it
    /// does not. False when the report copy cannot be read (the caller says why).
    fn stored_run(
        &self,
        store: &mut super::findings::FindingsStore,
        run: &RunRecord,
        redactor: &Redactor,
    ) -> Result<bool, StoreError> {
        if store.has_run(run)? {
            return Ok(true);
        }
        let Ok(report) = self.read_run(run, redactor, 0) else {
            return Ok(false);
        };
        store.insert_run(run, &report.findings)?;
        Ok(true)
    }

    /// Empties the findings store and fills it again from the stored
    /// reports of the current runs, reporting `(runs done, runs, name)`.
    pub fn rebuild_findings(
        &self,
        redactor: &Redactor,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> Result<(usize, Vec<String>), StoreError> {
        let (index, notes) = self.load_index(redactor)?;
        let mut warnings = notes.warnings;
        let mut store = super::findings::FindingsStore::open(self, redactor, &mut warnings)?;
        store.clear(redactor)?;
        let current = index.current_runs();
        let mut stored = 0usize;
        for (done, run) in current.iter().enumerate() {
            progress(done, current.len(), &run.original_name);
            match self.read_run(run, redactor, 0) {
                Ok(report) => {
                    store.insert_run(run, &report.findings)?;
                    stored = stored.saturating_add(report.findings.len());
                }
                Err(e) => warnings.push(format!(
                    "{}: stored report for {} unreadable: {e}",
                    self.report_path(&run.sha256).display(),
                    run.original_name
                )),
            }
        }
        progress(current.len(), current.len(), "");
        Ok((stored, warnings))
    }
}

/// Appends `lines` to the journal at `path` and syncs it; a line a killed
/// writer left unended is cut first, so that it never runs into the next.
fn append_lines(path: &Path, lines: &[u8]) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut file = super::safe::open_for_writing(path)?;
    let len = file.metadata()?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        let mut reader = super::safe::open(path)?;
        reader.seek(SeekFrom::Start(len - 1))?;
        reader.read_exact(&mut last)?;
        if last[0] != b'\n' {
            let whole = super::safe::read(path, super::safe::DOCUMENT_CAP)?;
            let keep = whole
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |at| at + 1);
            file.set_len(keep as u64)?;
        }
    }
    file.seek(SeekFrom::End(0))?;
    file.write_all(lines)?;
    file.sync_data()
}

pub fn parse_index(bytes: &[u8]) -> Result<ScanIndex, String> {
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: u32,
    }
    let version: Version = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if version.schema_version > INDEX_SCHEMA_VERSION {
        return Ok(ScanIndex {
            schema_version: version.schema_version,
            ..ScanIndex::default()
        });
    }
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// Scanner ignore and VEX files at the top of a workspace that suppress
/// findings outside scandeck (what `export` writes for Trivy and Grype),
/// compared with the decisions by `triage audit`.
pub const IGNORE_FILES: [&str; 5] = [
    ".trivyignore",
    ".trivyignore.yaml",
    ".grype.yaml",
    "scandeck.openvex.json",
    "vex.json",
];

impl Workspace {
    /// The `IGNORE_FILES` present, as (name, text): regular files only, at
    /// most 4 MiB each; an unreadable one is left out.
    pub fn ignore_files(&self) -> Vec<(String, String)> {
        IGNORE_FILES
            .iter()
            .filter_map(|name| {
                let bytes = super::safe::read(&self.root.join(name), 4 << 20).ok()?;
                Some((
                    name.to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ))
            })
            .collect()
    }
}

/// Moves an unreadable file aside with a timestamp; it is never deleted.
/// The stamp only makes the name unique, so it is the real time: a fixed
/// `SCANDECK_NOW` would give two quarantines one name, the second replacing the first.
/// The committed salt of secret identities, in `.scandeck/`.
pub const IDENTITY_SALT: &str = "identity-salt";

/// What `.scandeck/.gitignore` keeps out of git: the scan cache, the lock,
/// backups, temporary files and unreadable copies set aside.
pub const GITIGNORED: [&str; 5] = ["scans/", ".lock", "*.bak", "*.tmp-*", "*.corrupt-*"];

pub fn quarantine(path: &Path) -> io::Result<PathBuf> {
    let stamp = crate::clock::wall().format("%Y%m%dT%H%M%S%.3fZ");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let aside = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    fs::rename(path, &aside)?;
    Ok(aside)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::model::fingerprint::hex(&Sha256::digest(bytes))
}

/// The name a run is shown under: its subject's name (an image repository,
/// so that a rebuild under a new tag replaces the older scan, or a project
/// directory), never the report file's name.
pub fn run_target(report: &ingest::ParsedReport, original_name: &str) -> String {
    let name = crate::model::subject::name_of(&report.subject);
    if name.is_empty() {
        original_name.to_string()
    } else {
        name.to_string()
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run_record(
    index: &ScanIndex,
    report: &ingest::ParsedReport,
    sha256: &str,
    original_name: &str,
    size: u64,
    image_override: Option<&str>,
    when: chrono::DateTime<chrono::Utc>,
    target: &str,
) -> RunRecord {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in &report.findings {
        *counts.entry(f.severity.as_str().to_string()).or_default() += 1;
    }
    RunRecord {
        id: index.next_id(),
        format: report.format.name().to_string(),
        scanner: report.scanner.clone(),
        scanner_version: report.scanner_version.clone(),
        target: target.to_string(),
        image: report.image.as_ref().map(|i: &ImageRef| i.name.clone()),
        image_override: image_override.map(str::to_string),
        imported_at: when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        sha256: sha256.to_string(),
        original_name: original_name.to_string(),
        size,
        records: report.records,
        findings: report.findings.len(),
        counts,
        changes: None,
        subject: report.subject.clone(),
        scope: None,
        roots: Vec::new(),
    }
}

/// `C 2 H 7 M 12 L 3` from counts by severity name.
pub fn tally(counts: &BTreeMap<String, usize>) -> String {
    Severity::ALL_DESCENDING
        .iter()
        .filter_map(|s| {
            counts
                .get(s.as_str())
                .filter(|n| **n > 0)
                .map(|n| format!("{} {n}", s.letter()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Files whose presence makes a folder a project: version control, a
/// container build, a compose file or a package manifest.
const PROJECT_MARKERS: [&str; 24] = [
    ".git",
    "Dockerfile",
    "Containerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "setup.py",
    "poetry.lock",
    "uv.lock",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Gemfile",
    "composer.json",
    "mix.exs",
    "pubspec.yaml",
    "Chart.yaml",
];

/// The nearest folder holding the report at `rel` (relative to the
/// workspace `root`) that is a project, relative to the workspace; `.` when
/// none below the workspace is. Date folders and report folders
/// (`reports/2026-11-24/`) are never projects, so they never name one.
pub fn enclosing_project(root: &Path, rel: &Path) -> String {
    let mut dir = rel.parent().map(Path::to_path_buf).unwrap_or_default();
    loop {
        if dir.as_os_str().is_empty() {
            return ".".to_string();
        }
        let here = root.join(&dir);
        if PROJECT_MARKERS
            .iter()
            .any(|m| fs::symlink_metadata(here.join(m)).is_ok())
        {
            return crate::model::subject::normalise_dir(&dir.to_string_lossy());
        }
        if !dir.pop() {
            return ".".to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An import killed while it wrote the index left its temporary copy;
    /// the next write of the index, under the same lock, removes it.
    #[test]
    fn writing_the_index_removes_what_a_killed_writer_left() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(dir.path());
        ws.ensure_layout().unwrap();
        let lock = ws.lock().unwrap();
        let stale = ws.scans_dir().join(".index.json.tmp-50af18edcb9cb5b93a33");
        std::fs::write(&stale, b"{\"runs\": [").unwrap();
        let unrelated = ws.scans_dir().join(".other.json.tmp-1");
        std::fs::write(&unrelated, b"x").unwrap();
        ws.save_index(&ScanIndex::default(), &lock).unwrap();
        assert!(!stale.exists());
        assert!(unrelated.exists(), "only the index's own temporaries");
        assert!(ws.index_path().exists());
    }

    fn run(id: u64) -> RunRecord {
        serde_json::from_value(serde_json::json!({
            "id": id, "format": "trivy-json", "scanner": "trivy", "scanner_version": null,
            "target": format!("acme/svc-{id}"), "image": null, "image_override": null,
            "imported_at": "2026-12-07T10:00:00Z", "sha256": format!("{id:064x}"),
            "original_name": format!("svc-{id}.json"), "size": 10, "records": 1, "findings": 1,
            "counts": {}, "subject": format!("image:acme/svc-{id}")
        }))
        .unwrap()
    }

    fn ids(ws: &Workspace) -> (Vec<u64>, Vec<String>) {
        let (index, notes) = ws.load_index(&Redactor::with_key([7; 32])).unwrap();
        (index.runs.iter().map(|r| r.id).collect(), notes.warnings)
    }

    /// An import appends its run to the journal with one sync instead of
    /// writing the whole index (docs/store.md, "The scan index"); readers
    /// see index.json and the journal as one index, whatever a killed writer
    /// left in the journal.
    #[test]
    fn runs_are_appended_to_the_journal_and_folded_into_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(dir.path());
        ws.ensure_layout().unwrap();
        let lock = ws.lock().unwrap();
        let mut index = ScanIndex::default();
        // No index yet: written whole, with an empty journal beside it.
        index.runs.push(run(1));
        ws.append_runs(&index, &index.runs[0..], &lock).unwrap();
        assert_eq!(std::fs::read(ws.index_journal_path()).unwrap(), b"");
        let whole = super::super::atomic::FileStamp::of(&ws.index_path());
        for id in 2..=4 {
            index.runs.push(run(id));
            let new = index.runs.len() - 1;
            ws.append_runs(&index, &index.runs[new..], &lock).unwrap();
        }
        assert_eq!(super::super::atomic::FileStamp::of(&ws.index_path()), whole);
        assert_eq!(ids(&ws), (vec![1, 2, 3, 4], vec![]));
        // A writer killed mid-line: the line is not read, then cut.
        let journal = ws.index_journal_path();
        let mut bytes = std::fs::read(&journal).unwrap();
        bytes.extend_from_slice(br#"{"id": 9, "format": "tri"#);
        std::fs::write(&journal, &bytes).unwrap();
        assert_eq!(ids(&ws), (vec![1, 2, 3, 4], vec![]));
        index.runs.push(run(5));
        ws.append_runs(&index, &index.runs[4..], &lock).unwrap();
        assert_eq!(ids(&ws), (vec![1, 2, 3, 4, 5], vec![]));
        // A damaged line in the middle is named; the others are read.
        let text = String::from_utf8(std::fs::read(&journal).unwrap()).unwrap();
        let damaged = text.replacen("\"id\":3", "\"id\":\"three\"", 1);
        std::fs::write(&journal, damaged).unwrap();
        let (read, warnings) = ids(&ws);
        assert_eq!(read, vec![1, 2, 4, 5]);
        assert!(
            warnings[0].contains("1 damaged line(s) skipped"),
            "{warnings:?}"
        );
        std::fs::write(&journal, text.as_bytes()).unwrap();
        // A writer killed between writing index.json whole and emptying the
        // journal: its runs are not read twice.
        ws.save_index(&index, &lock).unwrap();
        std::fs::write(&journal, text.as_bytes()).unwrap();
        assert_eq!(ids(&ws), (vec![1, 2, 3, 4, 5], vec![]));
        // Once the journal is as long as the index, it is folded into it.
        let mut folded = false;
        for id in 6..400 {
            index.runs.push(run(id));
            let new = index.runs.len() - 1;
            let before = super::super::atomic::FileStamp::of(&ws.index_path());
            ws.append_runs(&index, &index.runs[new..], &lock).unwrap();
            folded |= super::super::atomic::FileStamp::of(&ws.index_path()) != before;
        }
        assert!(folded, "the journal was folded into index.json");
        assert!(
            std::fs::metadata(&journal).unwrap().len()
                <= std::fs::metadata(ws.index_path())
                    .unwrap()
                    .len()
                    .max(64 << 10)
                    + 1024
        );
        assert_eq!(ids(&ws).0, (1..400).collect::<Vec<u64>>());
    }
}
