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
use super::workspace::{quarantine, StoreError, Workspace};
use crate::model::{
    Details, Finding, Fingerprint, ImageRef, Kind, Location, Package, RedactedSecret, Redactor,
    Severity, SourceInfo,
};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Layout of the tables. Bumped with any change to them or to the row body;
/// an older store is rebuilt, a newer one is refused (never written).
pub const STORE_SCHEMA_VERSION: u32 = 1;

/// How often (in rows) a load reports progress.
const PROGRESS_EVERY: usize = 16_384;

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    findings INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS details (
    run_id INTEGER NOT NULL,
    details_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, details_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity INTEGER NOT NULL,
    id TEXT NOT NULL,
    package TEXT,
    details_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS findings_fingerprint ON findings (fingerprint);
CREATE INDEX IF NOT EXISTS findings_subject ON findings (subject, severity);
CREATE INDEX IF NOT EXISTS findings_severity ON findings (severity, kind);
";

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
    move |e| StoreError::Database {
        path: path.to_path_buf(),
        message: e.to_string(),
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
        let _ = conn.busy_timeout(Duration::from_secs(30));
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
        conn.busy_timeout(Duration::from_secs(30)).map_err(&err)?;
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
            "DELETE FROM findings; DELETE FROM details; DELETE FROM runs; DELETE FROM meta;",
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
        tx.execute("DELETE FROM details WHERE run_id = ?1", [id])
            .map_err(&err)?;
        tx.execute("DELETE FROM runs WHERE run_id = ?1", [id])
            .map_err(&err)?;
        {
            let mut details_ids: HashMap<*const Details, i64> = HashMap::new();
            let mut insert_details = tx
                .prepare("INSERT INTO details (run_id, details_id, body) VALUES (?1, ?2, ?3)")
                .map_err(&err)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (run_id, seq, fingerprint, subject, kind, severity, id, package, details_id, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(&err)?;
            for (seq, f) in findings.iter().enumerate() {
                let next = details_ids.len() as i64;
                let details_id = match details_ids.entry(Arc::as_ptr(&f.details)) {
                    std::collections::hash_map::Entry::Occupied(e) => *e.get(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let body = serde_json::to_string(f.details.as_ref())
                            .map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
                        insert_details
                            .execute(params![id, next, body])
                            .map_err(&err)?;
                        *e.insert(next)
                    }
                };
                let body = serde_json::to_string(&StoredRef::of(f))
                    .map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
                insert
                    .execute(params![
                        id,
                        seq as i64,
                        &f.fingerprint.0[..],
                        f.subject.as_ref(),
                        f.kind.as_str(),
                        f.severity as i64,
                        f.id,
                        f.package_name(),
                        details_id,
                        body
                    ])
                    .map_err(&err)?;
            }
        }
        tx.execute(
            "INSERT INTO runs (run_id, sha256, findings) VALUES (?1, ?2, ?3)",
            params![id, run.sha256, findings.len() as i64],
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
            for table in ["findings", "details", "runs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }

    /// The stored findings of `runs` of the given severities (each, when a
    /// kind is named, of that kind only), by index.
    pub fn findings_of_severity(
        &self,
        severities: &[(Severity, Option<Kind>)],
        runs: &[&RunRecord],
    ) -> Result<Vec<Finding>, StoreError> {
        let err = db_err(&self.path);
        let wanted: HashSet<i64> = runs.iter().filter_map(|r| run_id(r).ok()).collect();
        let mut matched: Vec<(i64, i64, Fingerprint, i64, String)> = Vec::new();
        for (severity, kind) in severities {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT run_id, seq, fingerprint, details_id, body FROM findings WHERE severity = ?1 AND (?2 IS NULL OR kind = ?2)",
                )
                .map_err(&err)?;
            let mut rows = stmt
                .query(params![*severity as i64, kind.map(Kind::as_str)])
                .map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let run: i64 = row.get(0).map_err(&err)?;
                if !wanted.contains(&run) {
                    continue;
                }
                let fp: Vec<u8> = row.get(2).map_err(&err)?;
                let fp = <[u8; 16]>::try_from(fp.as_slice())
                    .map(Fingerprint)
                    .map_err(|_| corrupt(&self.path, "a fingerprint is not 16 bytes"))?;
                matched.push((
                    run,
                    row.get(1).map_err(&err)?,
                    fp,
                    row.get(3).map_err(&err)?,
                    row.get(4).map_err(&err)?,
                ));
            }
        }
        // Report order, as a full load gives.
        matched.sort_by_key(|(run, seq, ..)| (*run, *seq));
        let mut reader = RowReader::new(self);
        matched
            .into_iter()
            .map(|(run, _, fp, details_id, body)| reader.finding(run, fp, details_id, &body))
            .collect()
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
            .prepare_cached(
                "SELECT run_id, details_id, body FROM findings WHERE fingerprint = ?1 ORDER BY run_id, seq",
            )
            .map_err(&err)?;
        for fp in fps {
            let mut rows = by_fp.query([&fp.0[..]]).map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let run: i64 = row.get(0).map_err(&err)?;
                if !wanted.contains(&run) {
                    continue;
                }
                let body: String = row.get(2).map_err(&err)?;
                out.push(reader.finding(run, *fp, row.get(1).map_err(&err)?, &body)?);
            }
        }
        Ok(out)
    }

    /// Reads the findings of one stored run, calling `progress` with the
    /// number of rows read every few thousand rows.
    pub fn load_run(
        &self,
        run: &RunRecord,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Finding>, StoreError> {
        let err = db_err(&self.path);
        let id = run_id(run)?;
        let mut details: HashMap<i64, Arc<Details>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT details_id, body FROM details WHERE run_id = ?1")
                .map_err(&err)?;
            let mut rows = stmt.query([id]).map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let body: String = row.get(1).map_err(&err)?;
                let parsed: Details =
                    serde_json::from_str(&body).map_err(|e| corrupt(&self.path, e))?;
                details.insert(row.get(0).map_err(&err)?, Arc::new(parsed));
            }
        }
        let mut interner = Interner::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT fingerprint, details_id, body FROM findings WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([id]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(&err)? {
            let fp: Vec<u8> = row.get(0).map_err(&err)?;
            let details_id: i64 = row.get(1).map_err(&err)?;
            let body: String = row.get(2).map_err(&err)?;
            let stored: Stored = serde_json::from_str(&body).map_err(|e| corrupt(&self.path, e))?;
            let fingerprint = <[u8; 16]>::try_from(fp.as_slice())
                .map(Fingerprint)
                .map_err(|_| corrupt(&self.path, "a fingerprint is not 16 bytes"))?;
            let details = details.get(&details_id).cloned().ok_or_else(|| {
                corrupt(
                    &self.path,
                    "a finding names advisory text that is not stored",
                )
            })?;
            out.push(stored.into_finding(fingerprint, details, &mut interner));
            if out.len() % PROGRESS_EVERY == 0 {
                progress(out.len());
            }
        }
        progress(out.len());
        Ok(out)
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

/// Turns rows picked from several runs into findings, reading each
/// advisory text once.
struct RowReader<'a> {
    store: &'a FindingsStore,
    details: HashMap<(i64, i64), Arc<Details>>,
    interner: Interner,
}

impl<'a> RowReader<'a> {
    fn new(store: &'a FindingsStore) -> RowReader<'a> {
        RowReader {
            store,
            details: HashMap::new(),
            interner: Interner::default(),
        }
    }

    fn finding(
        &mut self,
        run: i64,
        fp: Fingerprint,
        details_id: i64,
        body: &str,
    ) -> Result<Finding, StoreError> {
        let path = &self.store.path;
        let shared = match self.details.get(&(run, details_id)) {
            Some(d) => Arc::clone(d),
            None => {
                let text: String = self
                    .store
                    .conn
                    .prepare_cached(
                        "SELECT body FROM details WHERE run_id = ?1 AND details_id = ?2",
                    )
                    .and_then(|mut stmt| stmt.query_row([run, details_id], |r| r.get(0)))
                    .map_err(db_err(path))?;
                let parsed: Details = serde_json::from_str(&text).map_err(|e| corrupt(path, e))?;
                let parsed = Arc::new(parsed);
                self.details.insert((run, details_id), Arc::clone(&parsed));
                parsed
            }
        };
        let stored: Stored = serde_json::from_str(body).map_err(|e| corrupt(path, e))?;
        Ok(stored.into_finding(fp, shared, &mut self.interner))
    }
}

/// Shares the strings and records that repeat across a run's findings, as
/// the parsers do.
#[derive(Default)]
struct Interner {
    text: HashMap<String, Arc<str>>,
    images: HashMap<ImageRef, Arc<ImageRef>>,
    sources: HashMap<SourceInfo, Arc<SourceInfo>>,
}

impl Interner {
    fn text(&mut self, s: String) -> Arc<str> {
        if let Some(shared) = self.text.get(&s) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(s.as_str());
        self.text.insert(s, Arc::clone(&shared));
        shared
    }

    fn image(&mut self, image: ImageRef) -> Arc<ImageRef> {
        Arc::clone(
            self.images
                .entry(image.clone())
                .or_insert_with(|| Arc::new(image)),
        )
    }

    fn source(&mut self, source: SourceInfo) -> Arc<SourceInfo> {
        Arc::clone(
            self.sources
                .entry(source.clone())
                .or_insert_with(|| Arc::new(source)),
        )
    }
}

/// A finding's row body as written (borrowing the finding).
#[derive(Serialize)]
struct StoredRef<'a> {
    kind: Kind,
    id: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    aliases: &'a [String],
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity_raw: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<&'a Package>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a ImageRef>,
    target: &'a str,
    location: &'a Location,
    source: &'a SourceInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    scanner_status: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    suppressed_by_tool: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<(&'a str, &'a str)>,
    merged: u32,
    subject: &'a str,
}

impl<'a> StoredRef<'a> {
    fn of(f: &'a Finding) -> StoredRef<'a> {
        StoredRef {
            kind: f.kind,
            id: &f.id,
            aliases: &f.aliases,
            severity: f.severity,
            severity_raw: f.severity_raw.as_deref(),
            package: f.package.as_ref(),
            image: f.image.as_deref(),
            target: &f.target,
            location: &f.location,
            source: &f.source,
            scanner_status: f.scanner_status.as_deref(),
            suppressed_by_tool: f.suppressed_by_tool,
            secret: f
                .secret
                .as_ref()
                .map(|s| (s.mask.as_str(), s.keyed_hash.as_str())),
            merged: f.merged,
            subject: &f.subject,
        }
    }
}

/// A finding's row body as read back.
#[derive(Deserialize)]
struct Stored {
    kind: Kind,
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    severity: Severity,
    #[serde(default)]
    severity_raw: Option<String>,
    #[serde(default)]
    package: Option<Package>,
    #[serde(default)]
    image: Option<ImageRef>,
    target: String,
    location: Location,
    source: SourceInfo,
    #[serde(default)]
    scanner_status: Option<String>,
    #[serde(default)]
    suppressed_by_tool: bool,
    #[serde(default)]
    secret: Option<(String, String)>,
    merged: u32,
    subject: String,
}

impl Stored {
    fn into_finding(
        self,
        fingerprint: Fingerprint,
        details: Arc<Details>,
        interner: &mut Interner,
    ) -> Finding {
        Finding {
            kind: self.kind,
            id: self.id,
            aliases: self.aliases,
            severity: self.severity,
            severity_raw: self.severity_raw,
            details,
            package: self.package,
            image: self.image.map(|i| interner.image(i)),
            target: interner.text(self.target),
            location: self.location,
            source: interner.source(self.source),
            scanner_status: self.scanner_status,
            suppressed_by_tool: self.suppressed_by_tool,
            secret: self
                .secret
                .map(|(mask, keyed_hash)| RedactedSecret { mask, keyed_hash }),
            merged: self.merged,
            subject: interner.text(self.subject),
            fingerprint,
            legacy_fingerprint: None,
        }
    }
}
