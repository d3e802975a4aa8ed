//! Opening the findings store: its tables, the stamp that says which
//! parser, schema and key wrote it, and what is done when it is damaged,
//! foreign or newer.

use super::FindingsStore;
use crate::model::Redactor;
use crate::store::workspace::{quarantine, StoreError, Workspace};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// Layout of the tables. Bumped with any change to them or to the row body;
/// an older store is rebuilt, a newer one is refused (never written).
pub const STORE_SCHEMA_VERSION: u32 = 6;

/// The table the stamp lives in, created before the stamp is read.
const CREATE_META: &str =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;";

/// Every index is keyed by run first (or takes a run's keys in order), so
/// that an import appends to each b-tree instead of touching a page per
/// row all over it: the cost of an import stays flat in the runs stored.
/// A fingerprint is looked up per run (it names its subject, so only that
/// subject's runs are asked).
pub(super) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    findings INTEGER NOT NULL,
    seal TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS advisories (
    advisory_id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash BLOB NOT NULL UNIQUE,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS run_advisories (
    run_id INTEGER NOT NULL,
    details_id INTEGER NOT NULL,
    advisory_id INTEGER NOT NULL,
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
CREATE INDEX IF NOT EXISTS findings_run_fingerprint ON findings (run_id, fingerprint);
CREATE INDEX IF NOT EXISTS findings_kind ON findings (kind, severity);
";

/// The columns a finding is read from, in `RawRow::read`'s order.
pub(super) const ROW_COLUMNS: &str =
    "seq, severity, kind, id, package, fingerprint, details_id, context_id, body";

/// What the store must have been written by to be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) schema: u32,
    pub(super) parser: u32,
    pub(super) key: String,
}

impl Stamp {
    pub(super) fn ours(redactor: &Redactor) -> Stamp {
        Stamp {
            schema: STORE_SCHEMA_VERSION,
            parser: crate::ingest::PARSER_VERSION,
            key: redactor.key_id(),
        }
    }
}

/// A second, read-only connection to the store at `path`, for reading
/// beside the store's own (rows on another thread, texts during an export).
pub(super) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let err = db_err(path);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .map_err(&err)?;
    conn.busy_timeout(crate::store::lock::lock_wait())
        .map_err(&err)?;
    Ok(conn)
}

pub(super) fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| {
        if matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        ) {
            // Only locked: nothing to rebuild. Say who holds it.
            let wal = sidecar(path, "-wal");
            let shm = sidecar(path, "-shm");
            let holder = crate::store::lock::holder_of(&[path, &wal, &shm]).map_or_else(
                || "another process".to_string(),
                |h| format!("another process ({h})"),
            );
            return StoreError::Locked {
                path: path.to_path_buf(),
                holder,
                waited: crate::store::lock::lock_wait().as_secs(),
            };
        }
        StoreError::Database {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// The file is damaged or is no database at all (as opposed to busy or unwritable).
pub(super) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    ) || matches!(
        e,
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..)
    )
}

pub(super) fn corrupt(path: &Path, why: impl std::fmt::Display) -> StoreError {
    StoreError::Database {
        path: path.to_path_buf(),
        message: format!("a stored finding does not read back: {why}"),
    }
}

pub(super) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

pub(super) fn describe_difference(found: &Stamp, ours: &Stamp) -> String {
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
        crate::store::safe::refuse_link(&path).map_err(|source| StoreError::Io {
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
        let opened = match Self::open_checked(&path, redactor, notes) {
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
        };
        opened.map(|mut store| {
            store.brief = ws.advisory_text == crate::store::AdvisoryText::Brief;
            store
        })
    }

    /// True when the file at `path` is not a healthy database.
    pub(super) fn damaged(path: &Path) -> bool {
        let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
            return true;
        };
        let _ = conn.busy_timeout(crate::store::lock::lock_wait());
        match conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0)) {
            Ok(verdict) => verdict != "ok",
            Err(e) => is_corruption(&e),
        }
    }

    pub(super) fn open_checked(
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
        conn.busy_timeout(crate::store::lock::lock_wait())
            .map_err(&err)?;
        // Rows are a few hundred bytes and read in runs of one severity:
        // larger pages mean fewer reads (only a new file takes it).
        conn.pragma_update(None, "page_size", 16384).map_err(&err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(&err)?;
        conn.execute_batch(CREATE_META).map_err(&err)?;
        let mut store = FindingsStore {
            conn,
            path: path.to_path_buf(),
            advisories: Default::default(),
            brief: false,
        };
        let ours = Stamp::ours(redactor);
        match store.stamp()? {
            Some(found) if found == ours => {
                store.conn.execute_batch(CREATE).map_err(&err)?;
            }
            Some(found) if found.schema > STORE_SCHEMA_VERSION => {
                return Err(StoreError::FutureSchema {
                    path: path.to_path_buf(),
                    found: found.schema,
                    supported: STORE_SCHEMA_VERSION,
                })
            }
            found => {
                // A new file has no tables yet.
                let had_runs = store.run_count().unwrap_or(0) > 0;
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

    pub(super) fn stamp(&self) -> Result<Option<Stamp>, StoreError> {
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

    pub(super) fn run_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .map_err(db_err(&self.path))
    }

    /// Empties the store and stamps it as ours. The tables are dropped and
    /// made again: an older schema's tables and indexes go with them (`details`
    /// held advisory text per run until schema 5), and nothing is indexed
    /// only to be deleted.
    pub(super) fn reset(&mut self, stamp: &Stamp) -> Result<(), StoreError> {
        let err = db_err(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        // Advisory ids are never reused, even across a reset: a reader in
        // another process may keep what it decoded under an id.
        let last_advisory: i64 = tx
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'advisories'",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        tx.execute_batch(
            "DROP TABLE IF EXISTS details; DROP TABLE IF EXISTS findings;
             DROP TABLE IF EXISTS run_advisories; DROP TABLE IF EXISTS advisories;
             DROP TABLE IF EXISTS contexts; DROP TABLE IF EXISTS runs; DELETE FROM meta;",
        )
        .map_err(&err)?;
        tx.execute_batch(CREATE).map_err(&err)?;
        if last_advisory > 0 {
            tx.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('advisories', ?1)",
                [last_advisory],
            )
            .map_err(&err)?;
        }
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
}
