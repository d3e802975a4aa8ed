//! The findings store (`.scandeck/scans/findings.sqlite`): the normalised
//! findings of every current scan run, written once at import so that no
//! command parses a raw report again. It is a cache of the stored report
//! copies: rebuilt from them when it is missing, unreadable, or was written
//! by another parser, schema or secret-hash key (docs/store.md).
//!
//! One run's findings are written in one transaction together with the row
//! in `runs` that vouches for them, so a run is either whole or absent: an
//! import killed half-way leaves the previous state, and the missing run is
//! filled in from its report copy by the next reader.

use super::index::{RunRecord, ScanIndex};
use super::row;
use super::seal::RowSeal;
use super::workspace::{quarantine, StoreError, Workspace};
use crate::model::{
    Details, Finding, Fingerprint, ImageRef, Kind, Layer, Redactor, Severity, SourceInfo,
};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Layout of the tables. Bumped with any change to them or to the row body;
/// an older store is rebuilt, a newer one is refused (never written).
pub const STORE_SCHEMA_VERSION: u32 = 4;

/// How often (in rows) a load reports progress.
const PROGRESS_EVERY: usize = 16_384;

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    findings INTEGER NOT NULL,
    seal TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS details (
    run_id INTEGER NOT NULL,
    details_id INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (run_id, details_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contexts (
    run_id INTEGER NOT NULL,
    context_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, context_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    package TEXT,
    fingerprint BLOB NOT NULL,
    details_id INTEGER NOT NULL,
    context_id INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (run_id, severity, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS findings_fingerprint ON findings (fingerprint);
CREATE INDEX IF NOT EXISTS findings_kind ON findings (kind, severity);
";

/// The columns a finding is read from, in `RawRow::read`'s order.
const ROW_COLUMNS: &str =
    "seq, severity, kind, id, package, fingerprint, details_id, context_id, body";

/// What the store must have been written by to be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    schema: u32,
    parser: u32,
    key: String,
}

impl Stamp {
    fn ours(redactor: &Redactor) -> Stamp {
        Stamp {
            schema: STORE_SCHEMA_VERSION,
            parser: crate::ingest::PARSER_VERSION,
            key: redactor.key_id(),
        }
    }
}

pub struct FindingsStore {
    conn: Connection,
    path: PathBuf,
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| {
        if matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        ) {
            // Only locked: nothing to rebuild. Say who holds it.
            let wal = sidecar(path, "-wal");
            let shm = sidecar(path, "-shm");
            let holder = super::lock::holder_of(&[path, &wal, &shm]).map_or_else(
                || "another process".to_string(),
                |h| format!("another process ({h})"),
            );
            return StoreError::Locked {
                path: path.to_path_buf(),
                holder,
                waited: super::lock::lock_wait().as_secs(),
            };
        }
        StoreError::Database {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// The file is damaged or is no database at all (as opposed to busy or unwritable).
fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    ) || matches!(
        e,
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..)
    )
}

impl Workspace {
    pub fn findings_store_path(&self) -> PathBuf {
        self.scans_dir().join("findings.sqlite")
    }
}

impl FindingsStore {
    /// Opens the store of `ws`, creating it when missing. A damaged file is
    /// moved aside and started afresh; one from another parser, schema or key
    /// is emptied (its runs are filled in again by `ensure_runs`); one from a
    /// newer scandeck is refused. Notes say what was done.
    pub fn open(
        ws: &Workspace,
        redactor: &Redactor,
        notes: &mut Vec<String>,
    ) -> Result<FindingsStore, StoreError> {
        ws.ensure_layout()?;
        let path = ws.findings_store_path();
        super::safe::refuse_link(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        // A FIFO or device here would block SQLite's open for ever: it is
        // no store, so it is set aside like a damaged one.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
            let aside = quarantine(&path).map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
            notes.push(format!(
                "{} was not a regular file (a pipe, device or folder); kept as {} and rebuilt from the stored reports",
                path.display(),
                aside.display()
            ));
        }
        match Self::open_checked(&path, redactor, notes) {
            Err(StoreError::Database { message, .. }) if Self::damaged(&path) => {
                let aside = quarantine(&path).map_err(|source| StoreError::Io {
                    path: path.clone(),
                    source,
                })?;
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(sidecar(&path, suffix));
                }
                notes.push(format!(
                    "{} was unreadable ({message}); kept as {} and rebuilt from the stored reports",
                    path.display(),
                    aside.display()
                ));
                Self::open_checked(&path, redactor, notes)
            }
            other => other,
        }
    }

    /// True when the file at `path` is not a healthy database.
    fn damaged(path: &Path) -> bool {
        let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
            return true;
        };
        let _ = conn.busy_timeout(super::lock::lock_wait());
        match conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0)) {
            Ok(verdict) => verdict != "ok",
            Err(e) => is_corruption(&e),
        }
    }

    fn open_checked(
        path: &Path,
        redactor: &Redactor,
        notes: &mut Vec<String>,
    ) -> Result<FindingsStore, StoreError> {
        let err = db_err(path);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .map_err(&err)?;
        conn.busy_timeout(super::lock::lock_wait()).map_err(&err)?;
        // Rows are a few hundred bytes and read in runs of one severity:
        // larger pages mean fewer reads (only a new file takes it).
        conn.pragma_update(None, "page_size", 16384).map_err(&err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(&err)?;
        conn.execute_batch(CREATE).map_err(&err)?;
        let mut store = FindingsStore {
            conn,
            path: path.to_path_buf(),
        };
        let ours = Stamp::ours(redactor);
        match store.stamp()? {
            Some(found) if found == ours => {}
            Some(found) if found.schema > STORE_SCHEMA_VERSION => {
                return Err(StoreError::FutureSchema {
                    path: path.to_path_buf(),
                    found: found.schema,
                    supported: STORE_SCHEMA_VERSION,
                })
            }
            found => {
                let had_runs = store.run_count()? > 0;
                store.reset(&ours)?;
                if let (Some(found), true) = (found, had_runs) {
                    notes.push(format!(
                        "{}: written by {}; rebuilding it from the stored reports",
                        path.display(),
                        describe_difference(&found, &ours)
                    ));
                }
            }
        }
        Ok(store)
    }

    fn stamp(&self) -> Result<Option<Stamp>, StoreError> {
        let err = db_err(&self.path);
        let get = |key: &str| -> Result<Option<String>, StoreError> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(&err)
        };
        let (Some(schema), Some(parser), Some(key)) = (
            get("schema_version")?,
            get("parser_version")?,
            get("key_id")?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Stamp {
            schema: schema.parse().unwrap_or(0),
            parser: parser.parse().unwrap_or(0),
            key,
        }))
    }

    fn run_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .map_err(db_err(&self.path))
    }

    /// Empties the store and stamps it as ours.
    fn reset(&mut self, stamp: &Stamp) -> Result<(), StoreError> {
        let err = db_err(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute_batch(
            "DELETE FROM findings; DELETE FROM details; DELETE FROM contexts; DELETE FROM runs; DELETE FROM meta;",
        )
        .map_err(&err)?;
        for (key, value) in [
            ("schema_version", stamp.schema.to_string()),
            ("parser_version", stamp.parser.to_string()),
            ("key_id", stamp.key.clone()),
        ] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Empties the store: everything is read again from the report copies.
    pub fn clear(&mut self, redactor: &Redactor) -> Result<(), StoreError> {
        self.reset(&Stamp::ours(redactor))
    }

    /// Whether the findings of `run` are stored whole.
    pub fn has_run(&self, run: &RunRecord) -> Result<bool, StoreError> {
        let sha: Option<String> = self
            .conn
            .query_row(
                "SELECT sha256 FROM runs WHERE run_id = ?1",
                [run_id(run)?],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err(&self.path))?;
        Ok(sha.as_deref() == Some(run.sha256.as_str()))
    }

    /// How many of `wanted` a stored run holds, reading its fingerprint
    /// column alone (no row is decoded).
    pub fn count_in_run(
        &self,
        run: &RunRecord,
        wanted: &crate::fasthash::FxHashSet<Fingerprint>,
    ) -> Result<usize, StoreError> {
        let err = db_err(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT fingerprint FROM findings WHERE run_id = ?1")
            .map_err(&err)?;
        let mut rows = stmt.query([run_id(run)?]).map_err(&err)?;
        let mut count = 0usize;
        while let Some(row) = rows.next().map_err(&err)? {
            let bytes: Vec<u8> = row.get(0).map_err(&err)?;
            let mut fp = [0u8; 16];
            if bytes.len() == fp.len() {
                fp.copy_from_slice(&bytes);
                count += usize::from(wanted.contains(&Fingerprint(fp)));
            }
        }
        Ok(count)
    }

    /// Whether a stored run other than `except` holds `fp` (an indexed lookup).
    pub fn holds_elsewhere(
        &self,
        fp: &Fingerprint,
        except: &RunRecord,
    ) -> Result<bool, StoreError> {
        let except = run_id(except)?;
        self.conn
            .prepare_cached(
                "SELECT 1 FROM findings WHERE fingerprint = ?1 AND run_id != ?2 LIMIT 1",
            )
            .and_then(|mut stmt| stmt.exists(params![&fp.0[..], except]))
            .map_err(db_err(&self.path))
    }

    /// Stores the findings of one run in one transaction, replacing whatever
    /// was stored under its id (an import that died before its run was
    /// recorded leaves rows under an id the next import reuses).
    pub fn insert_run(&mut self, run: &RunRecord, findings: &[Finding]) -> Result<(), StoreError> {
        let err = db_err(&self.path);
        let id = run_id(run)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        tx.execute("DELETE FROM findings WHERE run_id = ?1", [id])
            .map_err(&err)?;
        let mut seal = RowSeal::default();
        for table in ["details", "contexts", "runs"] {
            tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])
                .map_err(&err)?;
        }
        {
            let mut context_ids: HashMap<ContextRef, i64> = HashMap::new();
            let mut insert_context = tx
                .prepare("INSERT INTO contexts (run_id, context_id, body) VALUES (?1, ?2, ?3)")
                .map_err(&err)?;
            let mut details_ids: HashMap<*const Details, i64> = HashMap::new();
            let mut insert_details = tx
                .prepare("INSERT INTO details (run_id, details_id, body) VALUES (?1, ?2, ?3)")
                .map_err(&err)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (run_id, severity, seq, kind, id, package, fingerprint, details_id, context_id, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(&err)?;
            let mut body = Vec::with_capacity(256);
            // Inserted in the table's key order (severity, then report
            // order), so that every row is appended to the b-tree rather
            // than splitting pages all over it.
            let mut in_key_order: Vec<usize> = (0..findings.len()).collect();
            in_key_order.sort_by_key(|seq| row::severity_code(findings[*seq].severity));
            for seq in in_key_order {
                let f = &findings[seq];
                let next = details_ids.len() as i64;
                let details_id = match details_ids.entry(Arc::as_ptr(&f.details)) {
                    std::collections::hash_map::Entry::Occupied(e) => *e.get(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let mut body = Vec::with_capacity(1024);
                        row::encode_details(&mut body, f.details.as_ref());
                        insert_details
                            .execute(params![id, next, body])
                            .map_err(&err)?;
                        *e.insert(next)
                    }
                };
                let context = ContextRef::of(f);
                let next = context_ids.len() as i64;
                let context_id = match context_ids.entry(context) {
                    std::collections::hash_map::Entry::Occupied(e) => *e.get(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let body = serde_json::to_string(e.key())
                            .map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
                        insert_context
                            .execute(params![id, next, body])
                            .map_err(&err)?;
                        *e.insert(next)
                    }
                };
                body.clear();
                row::encode(
                    &mut body,
                    &f.aliases,
                    f.severity_raw.as_deref(),
                    f.package.as_ref(),
                    &f.location,
                    f.scanner_status.as_deref(),
                    f.suppressed_by_tool,
                    f.secret.as_deref(),
                    f.merged,
                );
                seal.add(
                    row::severity_code(f.severity),
                    f.kind,
                    seq as i64,
                    &f.fingerprint,
                );
                insert
                    .execute(params![
                        id,
                        row::severity_code(f.severity),
                        seq as i64,
                        f.kind.as_str(),
                        f.id,
                        f.package_name(),
                        &f.fingerprint.0[..],
                        details_id,
                        context_id,
                        &body[..]
                    ])
                    .map_err(&err)?;
            }
        }
        tx.execute(
            "INSERT INTO runs (run_id, sha256, findings, seal) VALUES (?1, ?2, ?3, ?4)",
            params![id, run.sha256, findings.len() as i64, seal.encode()],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Forgets the runs `index` records as replaced by a newer run. Runs it
    /// does not know are kept: they may be an import in flight in another
    /// process, whose run is recorded just after its findings are stored.
    pub fn forget_replaced(&mut self, index: &ScanIndex) -> Result<(), StoreError> {
        let err = db_err(&self.path);
        let current: HashSet<u64> = index.current_runs().iter().map(|r| r.id).collect();
        let replaced: HashSet<i64> = index
            .runs
            .iter()
            .filter(|r| !current.contains(&r.id))
            .filter_map(|r| run_id(r).ok())
            .collect();
        let stored: Vec<i64> = {
            let mut stmt = self.conn.prepare("SELECT run_id FROM runs").map_err(&err)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(&err)?;
            rows.collect::<Result<_, _>>().map_err(&err)?
        };
        let gone: Vec<i64> = stored
            .into_iter()
            .filter(|id| replaced.contains(id))
            .collect();
        if gone.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        for id in gone {
            for table in ["findings", "details", "contexts", "runs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }

    /// The stored findings of `runs` of the given severities (each, when a
    /// kind is named, of that kind only), by index: a severity of one run is
    /// one range of the table; a kind is looked up through its own index.
    /// SQLite is read on a second thread while this one decodes.
    pub fn findings_of_severity(
        &self,
        severities: &[(Severity, Option<Kind>)],
        runs: &[&RunRecord],
    ) -> Result<Vec<Finding>, StoreError> {
        let wanted: HashSet<i64> = runs.iter().filter_map(|r| run_id(r).ok()).collect();
        let mut queries: Vec<(String, Vec<rusqlite::types::Value>)> = Vec::new();
        for (severity, kind) in severities {
            let code = row::severity_code(*severity);
            match kind {
                None => {
                    for run in &wanted {
                        queries.push((
                            format!("SELECT run_id, {ROW_COLUMNS} FROM findings WHERE run_id = ?1 AND severity = ?2"),
                            vec![(*run).into(), code.into()],
                        ));
                    }
                }
                Some(kind) => queries.push((
                    format!(
                        "SELECT run_id, {ROW_COLUMNS} FROM findings INDEXED BY findings_kind
                         WHERE kind = ?1 AND severity = ?2"
                    ),
                    vec![kind.as_str().to_string().into(), code.into()],
                )),
            }
        }
        let mut reader = RowReader::new(self);
        let mut decoded: Vec<Finding> = Vec::new();
        let mut places: Vec<(i64, i64)> = Vec::new();
        let mut read: crate::fasthash::FxHashMap<i64, RowSeal> = Default::default();
        self.read_rows_beside(&queries, &mut |run, raw, bytes| {
            if wanted.contains(&run) {
                read.entry(run)
                    .or_default()
                    .add(raw.severity, raw.kind, raw.seq, &raw.fingerprint);
                places.push((run, raw.seq));
                decoded.push(reader.finding(run, raw, bytes)?);
            }
            Ok(())
        })?;
        // Every range read is judged against the seal: rows removed or
        // moved are seen here, not answered from.
        let ranges: Vec<super::seal::Range> = severities
            .iter()
            .map(|(severity, kind)| (row::severity_code(*severity), *kind))
            .collect();
        let nothing = RowSeal::default();
        for run in runs {
            let Ok(id) = run_id(run) else { continue };
            self.check_seal(run, read.get(&id).unwrap_or(&nothing), Some(&ranges))?;
        }
        // Report order, as a full load gives them.
        let mut order: Vec<usize> = (0..decoded.len()).collect();
        order.sort_unstable_by_key(|at| places[*at]);
        permute(&mut decoded, order);
        Ok(decoded)
    }

    /// Runs `queries` (each selecting `run_id, ROW_COLUMNS`) on a second
    /// connection in another thread, handing each row to `take` here as it
    /// comes: reading pages and decoding rows use both cores.
    fn read_rows_beside(
        &self,
        queries: &[(String, Vec<rusqlite::types::Value>)],
        take: &mut TakeRow,
    ) -> Result<(), StoreError> {
        let path = self.path.as_path();
        // Row bodies travel in one buffer per batch: freeing a million small
        // buffers on the other thread than allocated them is slow in glibc.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<(i64, RawRow)>, Vec<u8>)>(4);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || -> Result<(), StoreError> {
                let err = db_err(path);
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_NOFOLLOW,
                )
                .map_err(&err)?;
                conn.busy_timeout(super::lock::lock_wait()).map_err(&err)?;
                let mut batch = Vec::with_capacity(BATCH);
                let mut bytes = Vec::with_capacity(BATCH * 128);
                for (sql, values) in queries {
                    let mut stmt = conn.prepare_cached(sql).map_err(&err)?;
                    let mut rows = stmt
                        .query(rusqlite::params_from_iter(values.iter()))
                        .map_err(&err)?;
                    while let Some(row) = rows.next().map_err(&err)? {
                        let run: i64 = row.get(0).map_err(&err)?;
                        batch.push((run, RawRow::read(row, 1, &mut bytes).map_err(&err)?));
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            let full_bytes =
                                std::mem::replace(&mut bytes, Vec::with_capacity(BATCH * 128));
                            if tx.send((full, full_bytes)).is_err() {
                                return Ok(()); // the decoder gave up on an error
                            }
                        }
                    }
                }
                let _ = tx.send((batch, bytes));
                Ok(())
            });
            let mut taken: Result<(), StoreError> = Ok(());
            'batches: for (batch, bytes) in rx {
                for (run, raw) in batch {
                    if let Err(e) = take(run, raw, &bytes) {
                        taken = Err(e);
                        break 'batches; // dropping `rx` stops the reader
                    }
                }
            }
            let read = reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            taken?;
            read
        })
    }

    /// Findings from rows picked across runs, in report order (as a full
    /// load gives them), reading each shared part they name once.
    fn decode_in_report_order(
        &self,
        mut matched: Vec<(i64, RawRow)>,
        bytes: &[u8],
    ) -> Result<Vec<Finding>, StoreError> {
        matched.sort_by_key(|(run, raw)| (*run, raw.seq));
        let mut reader = RowReader::new(self);
        matched
            .into_iter()
            .map(|(run, raw)| reader.finding(run, raw, bytes))
            .collect()
    }

    /// The `n` most severe stored findings of `runs`, from the top of each
    /// run's rows: the console's first screen before the rest.
    pub fn findings_top(&self, n: usize, runs: &[&RunRecord]) -> Result<Vec<Finding>, StoreError> {
        let err = db_err(&self.path);
        let mut matched: Vec<(i64, RawRow)> = Vec::new();
        let mut bytes = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM findings WHERE run_id = ?1
                 ORDER BY severity DESC, seq DESC LIMIT ?2"
            ))
            .map_err(&err)?;
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        for run in runs.iter().filter_map(|r| run_id(r).ok()) {
            let mut rows = stmt.query(params![run, limit]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                matched.push((run, RawRow::read(r, 0, &mut bytes).map_err(&err)?));
            }
        }
        matched.sort_by_key(|(run, raw)| (std::cmp::Reverse(raw.severity), *run, raw.seq));
        matched.truncate(n);
        self.decode_in_report_order(matched, &bytes)
    }

    /// The stored findings of `runs` whose fingerprint is one of `fps`, by
    /// index: the cost follows the number asked for, not the store's size.
    pub fn findings_with(
        &self,
        fps: &[Fingerprint],
        runs: &[&RunRecord],
    ) -> Result<Vec<Finding>, StoreError> {
        let err = db_err(&self.path);
        let wanted: HashSet<i64> = runs.iter().filter_map(|r| run_id(r).ok()).collect();
        let mut reader = RowReader::new(self);
        let mut out = Vec::new();
        let mut by_fp = self
            .conn
            .prepare_cached(&format!(
                "SELECT run_id, {ROW_COLUMNS} FROM findings
                 WHERE fingerprint = ?1 ORDER BY run_id, seq"
            ))
            .map_err(&err)?;
        for fp in fps {
            let mut rows = by_fp.query([&fp.0[..]]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                let run: i64 = r.get(0).map_err(&err)?;
                if wanted.contains(&run) {
                    let mut bytes = Vec::new();
                    let raw = RawRow::read(r, 1, &mut bytes).map_err(&err)?;
                    out.push(reader.finding(run, raw, &bytes)?);
                }
            }
        }
        Ok(out)
    }

    /// The advisory texts and contexts of one run, by id.
    fn shared_of(&self, run: i64) -> Result<Shared, StoreError> {
        let err = db_err(&self.path);
        let mut shared = Shared::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT details_id, body FROM details WHERE run_id = ?1")
            .map_err(&err)?;
        let mut rows = stmt.query([run]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let body = row
                .get_ref(1)
                .and_then(|v| Ok(v.as_blob()?))
                .map_err(&err)?;
            let parsed = row::decode_details(body).map_err(|e| corrupt(&self.path, e))?;
            shared
                .details
                .insert(row.get(0).map_err(&err)?, Arc::new(parsed));
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT context_id, body FROM contexts WHERE run_id = ?1")
            .map_err(&err)?;
        let mut rows = stmt.query([run]).map_err(&err)?;
        let mut images: HashMap<ImageRef, Arc<ImageRef>> = HashMap::new();
        while let Some(row) = rows.next().map_err(&err)? {
            let body: String = row.get(1).map_err(&err)?;
            let parsed: Context =
                serde_json::from_str(&body).map_err(|e| corrupt(&self.path, e))?;
            shared.contexts.insert(
                row.get(0).map_err(&err)?,
                shared_context(parsed, &mut images),
            );
        }
        Ok(shared)
    }

    /// Compares what a read path saw of `run` with the seal stored beside
    /// its rows, over `ranges` (all of it when `None`).
    fn check_seal(
        &self,
        run: &RunRecord,
        read: &RowSeal,
        ranges: Option<&[super::seal::Range]>,
    ) -> Result<(), StoreError> {
        let text: String = self
            .conn
            .query_row(
                "SELECT seal FROM runs WHERE run_id = ?1",
                [run_id(run)?],
                |r| r.get(0),
            )
            .map_err(db_err(&self.path))?;
        let why = match RowSeal::decode(&text) {
            Some(sealed) => sealed.differs(read, ranges),
            None => Some("the seal beside its rows does not read".to_string()),
        };
        match why {
            None => Ok(()),
            Some(why) => Err(StoreError::RunDamaged {
                path: self.path.clone(),
                run: run.id,
                name: run.original_name.clone(),
                why,
            }),
        }
    }

    /// How many findings the store holds for `run`.
    fn stored_count(&self, run: i64) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT findings FROM runs WHERE run_id = ?1", [run], |r| {
                r.get(0)
            })
            .map_err(db_err(&self.path))?;
        usize::try_from(n).map_err(|_| corrupt(&self.path, "a run's finding count is negative"))
    }

    /// Reads the findings of one stored run in report order, calling
    /// `progress` with the number of rows read every few thousand rows.
    /// Rows come by severity and are put back in place by `seq`.
    /// Hands every finding of `run` to `take` with its place in the run's
    /// report, in no particular order, without holding them all: for
    /// summaries of a whole run.
    pub fn each_in_run(
        &self,
        run: &RunRecord,
        take: &mut dyn FnMut(u64, Finding),
    ) -> Result<usize, StoreError> {
        let id = run_id(run)?;
        let shared = self.shared_of(id)?;
        let path = self.path.as_path();
        let query = (
            format!("SELECT run_id, {ROW_COLUMNS} FROM findings WHERE run_id = ?1"),
            vec![id.into()],
        );
        let mut seen = 0usize;
        let mut read = RowSeal::default();
        self.read_rows_beside(std::slice::from_ref(&query), &mut |_, raw, bytes| {
            let place = u64::try_from(raw.seq)
                .map_err(|_| corrupt(path, "a finding's place in its report is wrong"))?;
            read.add(raw.severity, raw.kind, raw.seq, &raw.fingerprint);
            take(place, decode(path, &shared, raw, bytes)?);
            seen += 1;
            Ok(())
        })?;
        self.check_seal(run, &read, None)?;
        if seen != self.stored_count(id)? {
            return Err(corrupt(path, "a run holds fewer findings than it records"));
        }
        Ok(seen)
    }

    pub fn load_run(
        &self,
        run: &RunRecord,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Finding>, StoreError> {
        let id = run_id(run)?;
        let shared = self.shared_of(id)?;
        let count = self.stored_count(id)?;
        let path = self.path.as_path();
        let mut slots: Vec<Option<Finding>> = Vec::new();
        slots.resize_with(count, || None);
        let mut placed = 0usize;
        let mut read = RowSeal::default();
        let query = (
            format!("SELECT run_id, {ROW_COLUMNS} FROM findings WHERE run_id = ?1"),
            vec![id.into()],
        );
        self.read_rows_beside(std::slice::from_ref(&query), &mut |_, raw, bytes| {
            let slot = usize::try_from(raw.seq)
                .ok()
                .and_then(|seq| slots.get_mut(seq))
                .filter(|slot| slot.is_none())
                .ok_or_else(|| corrupt(path, "a finding's place in its report is wrong"))?;
            read.add(raw.severity, raw.kind, raw.seq, &raw.fingerprint);
            *slot = Some(decode(path, &shared, raw, bytes)?);
            placed += 1;
            if placed.is_multiple_of(PROGRESS_EVERY) {
                progress(placed);
            }
            Ok(())
        })?;
        self.check_seal(run, &read, None)?;
        if placed != count {
            return Err(corrupt(path, "a run holds fewer findings than it records"));
        }
        progress(placed);
        // Every slot is filled (counted above); collecting into `Option`
        // keeps the vector's exact size (`flatten` would grow a new one).
        slots
            .into_iter()
            .collect::<Option<Vec<Finding>>>()
            .ok_or_else(|| corrupt(path, "a run holds fewer findings than it records"))
    }
}

/// Rearranges `items` so that position `k` holds what was at `order[k]`
/// (`order` a permutation), in place: each item moves once, and no second
/// vector of findings is ever alive.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        if order[start] == DONE {
            continue;
        }
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

fn corrupt(path: &Path, why: impl std::fmt::Display) -> StoreError {
    StoreError::Database {
        path: path.to_path_buf(),
        message: format!("a stored finding does not read back: {why}"),
    }
}

fn run_id(run: &RunRecord) -> Result<i64, StoreError> {
    i64::try_from(run.id).map_err(|_| StoreError::Database {
        path: PathBuf::from("index.json"),
        message: format!("run id {} is out of range", run.id),
    })
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn describe_difference(found: &Stamp, ours: &Stamp) -> String {
    if found.schema != ours.schema {
        format!(
            "store schema {} (this scandeck writes {})",
            found.schema, ours.schema
        )
    } else if found.parser != ours.parser {
        format!(
            "parser version {} (this scandeck parses as {})",
            found.parser, ours.parser
        )
    } else {
        "another secret-hash key".to_string()
    }
}

/// Takes one row read beside: its run, the row, the batch's body buffer.
type TakeRow<'t> = dyn FnMut(i64, RawRow, &[u8]) -> Result<(), StoreError> + 't;

/// One findings row as SQLite gives it, before its body is decoded.
struct RawRow {
    seq: i64,
    severity: i64,
    kind: Kind,
    id: String,
    package: Option<String>,
    fingerprint: Fingerprint,
    details_id: i64,
    context_id: i64,
    /// Where the body sits in the buffer the row was read into.
    body: std::ops::Range<usize>,
}

impl RawRow {
    /// Reads the `ROW_COLUMNS` from column `at` on, the body into `bytes`. A kind or fingerprint
    /// that is not ours reads as a conversion failure: damage.
    fn read(row: &rusqlite::Row, at: usize, bytes: &mut Vec<u8>) -> rusqlite::Result<RawRow> {
        let bad = |i: usize, why: &str| {
            rusqlite::Error::FromSqlConversionFailure(
                at + i,
                rusqlite::types::Type::Blob,
                why.to_string().into(),
            )
        };
        let kind = row.get_ref(at + 2)?.as_str()?;
        let kind = row::kind_of_name(kind).ok_or_else(|| bad(2, "an unknown kind"))?;
        let fingerprint = <[u8; 16]>::try_from(row.get_ref(at + 5)?.as_blob()?)
            .map(Fingerprint)
            .map_err(|_| bad(5, "a fingerprint is not 16 bytes"))?;
        Ok(RawRow {
            seq: row.get(at)?,
            severity: row.get(at + 1)?,
            kind,
            id: row.get(at + 3)?,
            package: row.get(at + 4)?,
            fingerprint,
            details_id: row.get(at + 6)?,
            context_id: row.get(at + 7)?,
            body: {
                let start = bytes.len();
                bytes.extend_from_slice(row.get_ref(at + 8)?.as_blob()?);
                start..bytes.len()
            },
        })
    }
}

/// Rows handed from the SQLite reader to the decoder at a time.
const BATCH: usize = 4096;

/// What the findings of one run share: advisory texts and contexts.
#[derive(Default)]
struct Shared {
    details: HashMap<i64, Arc<Details>>,
    contexts: HashMap<i64, SharedContext>,
}

struct SharedContext {
    image: Option<Arc<ImageRef>>,
    layer: Option<Arc<Layer>>,
    source: Arc<SourceInfo>,
    target: Arc<str>,
    subject: Arc<str>,
}

fn decode(path: &Path, shared: &Shared, raw: RawRow, bytes: &[u8]) -> Result<Finding, StoreError> {
    let details = shared
        .details
        .get(&raw.details_id)
        .ok_or_else(|| corrupt(path, "a finding names advisory text that is not stored"))?;
    let context = shared
        .contexts
        .get(&raw.context_id)
        .ok_or_else(|| corrupt(path, "a finding names a context that is not stored"))?;
    let severity = row::severity_of_code(raw.severity)
        .ok_or_else(|| corrupt(path, "a severity is out of range"))?;
    let body = bytes
        .get(raw.body.clone())
        .ok_or_else(|| corrupt(path, "a row body is out of its batch"))?;
    let body = row::decode(body).map_err(|e| corrupt(path, e))?;
    let package = match (raw.package, body.package) {
        (Some(name), Some(rest)) => Some(rest.with_name(name)),
        (None, None) => None,
        _ => return Err(corrupt(path, "a package name and its details disagree")),
    };
    Ok(Finding {
        kind: raw.kind,
        id: raw.id,
        aliases: body.aliases,
        severity,
        severity_raw: body.severity_raw,
        details: Arc::clone(details),
        package,
        image: context.image.clone(),
        layer: context.layer.clone(),
        target: Arc::clone(&context.target),
        location: body.location,
        source: Arc::clone(&context.source),
        scanner_status: body.scanner_status,
        suppressed_by_tool: body.suppressed_by_tool,
        secret: body.secret,
        merged: body.merged,
        subject: Arc::clone(&context.subject),
        fingerprint: raw.fingerprint,
        legacy_fingerprint: None,
        also: None,
    })
}

/// Turns rows picked from several runs into findings, reading each
/// advisory text and context they name once, and no others.
struct RowReader<'a> {
    store: &'a FindingsStore,
    shared: Shared,
    images: HashMap<ImageRef, Arc<ImageRef>>,
}

impl<'a> RowReader<'a> {
    fn new(store: &'a FindingsStore) -> RowReader<'a> {
        RowReader {
            store,
            shared: Shared::default(),
            images: HashMap::new(),
        }
    }

    fn finding(&mut self, run: i64, raw: RawRow, bytes: &[u8]) -> Result<Finding, StoreError> {
        let path = &self.store.path;
        let err = db_err(path);
        // Ids are per run: rows of several runs are told apart in the keys.
        let key = |id: i64| run.checked_mul(1 << 32).and_then(|k| k.checked_add(id));
        let (Some(details_key), Some(context_key)) = (key(raw.details_id), key(raw.context_id))
        else {
            return Err(corrupt(path, "an id is out of range"));
        };
        if !self.shared.details.contains_key(&details_key) {
            let body: Vec<u8> = self
                .store
                .conn
                .prepare_cached("SELECT body FROM details WHERE run_id = ?1 AND details_id = ?2")
                .and_then(|mut stmt| stmt.query_row([run, raw.details_id], |r| r.get(0)))
                .map_err(&err)?;
            let parsed = row::decode_details(&body).map_err(|e| corrupt(path, e))?;
            self.shared.details.insert(details_key, Arc::new(parsed));
        }
        if !self.shared.contexts.contains_key(&context_key) {
            let body: String = self
                .store
                .conn
                .prepare_cached("SELECT body FROM contexts WHERE run_id = ?1 AND context_id = ?2")
                .and_then(|mut stmt| stmt.query_row([run, raw.context_id], |r| r.get(0)))
                .map_err(&err)?;
            let parsed: Context = serde_json::from_str(&body).map_err(|e| corrupt(path, e))?;
            let context = shared_context(parsed, &mut self.images);
            self.shared.contexts.insert(context_key, context);
        }
        let raw = RawRow {
            details_id: details_key,
            context_id: context_key,
            ..raw
        };
        decode(path, &self.shared, raw, bytes)
    }
}

fn shared_context(parsed: Context, images: &mut HashMap<ImageRef, Arc<ImageRef>>) -> SharedContext {
    SharedContext {
        image: parsed
            .image
            .map(|i| Arc::clone(images.entry(i.clone()).or_insert_with(|| Arc::new(i)))),
        layer: parsed.layer.map(Arc::new),
        source: Arc::new(parsed.source),
        target: Arc::from(parsed.target.as_str()),
        subject: Arc::from(parsed.subject.as_str()),
    }
}

/// Where a finding was found, shared by the findings of a run that have it
/// in common: the image, the scanner, the scanned target and the subject.
#[derive(Serialize, PartialEq, Eq, Hash)]
struct ContextRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a ImageRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a Layer>,
    source: &'a SourceInfo,
    target: &'a str,
    subject: &'a str,
}

impl<'a> ContextRef<'a> {
    fn of(f: &'a Finding) -> ContextRef<'a> {
        ContextRef {
            image: f.image.as_deref(),
            layer: f.layer.as_deref(),
            source: &f.source,
            target: &f.target,
            subject: &f.subject,
        }
    }
}

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    image: Option<ImageRef>,
    #[serde(default)]
    layer: Option<Layer>,
    source: SourceInfo,
    target: String,
    subject: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{self, ParseContext};

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        for order in [
            vec![],
            vec![0],
            vec![2, 0, 1],
            vec![1, 0, 3, 2],
            vec![4, 3, 2, 1, 0, 5],
            vec![3, 5, 0, 1, 2, 4],
        ] {
            let mut items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            let expected: Vec<usize> = order.iter().map(|i| i * 10).collect();
            permute(&mut items, order);
            assert_eq!(items, expected);
        }
    }

    /// Every demo report read back from the store is the report as parsed:
    /// every field (the layers of the backend's Trivy report too), in order,
    /// for every format the demo carries.
    #[test]
    fn stored_findings_read_back_exactly_as_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(dir.path());
        let redactor = Redactor::with_key([3; 32]);
        let mut notes = Vec::new();
        let mut store = FindingsStore::open(&ws, &redactor, &mut notes).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let mut index = ScanIndex::default();
        for (n, report) in crate::demo::REPORTS.iter().enumerate() {
            let ctx = ParseContext {
                redactor: &redactor,
                report_name: report.path,
                image_override: report.image,
            };
            let parsed =
                ingest::parse_bytes_from(report.bytes.as_bytes(), &ctx, &report.origin(), None)
                    .unwrap();
            let mut run = crate::store::workspace::run_record(
                &index,
                &parsed,
                &format!("{n:064}"),
                report.path,
                report.bytes.len() as u64,
                report.image,
                crate::clock::now(),
                "t",
            );
            run.id = n as u64 + 1;
            index.runs.push(run.clone());
            store.insert_run(&run, &parsed.findings).unwrap();
            assert!(store.has_run(&run).unwrap());
            let back = store.load_run(&run, &mut |_| {}).unwrap();
            assert_eq!(back.len(), parsed.findings.len(), "{}", report.path);
            for (a, b) in parsed.findings.iter().zip(&back) {
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", report.path);
            }
            let by_fp = store
                .findings_with(&[parsed.findings[0].fingerprint], &[&run])
                .unwrap();
            assert_eq!(
                format!("{:?}", by_fp[0]),
                format!("{:?}", parsed.findings[0])
            );
        }
    }
}
