//! Whole advisory texts for findings read brief (`AdvisoryText::Brief`):
//! an export holds every finding but writes one record at a time, so each
//! record's description, references and CWEs are read back from the store
//! when it is written instead of all of them being held (docs/store.md,
//! "Brief advisory texts").

use crate::fasthash::FxHashMap;
use crate::model::Details;
use crate::store::{StoreError, Workspace};
use rusqlite::{Connection, OptionalExtension};
use std::cell::{OnceCell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many whole texts are kept between records (two generations of
/// half as many): enough for the rows of one advisory, which the usual
/// orders keep together, and a few megabytes at most.
const KEPT: usize = 4096;

/// SQLite's page cache for these reads, in KiB.
const CACHE_KIB: usize = 16 << 10;

/// Reads whole advisory texts from the findings store by the hash a brief
/// copy carries (`Details::left_out`), keeping the last ones read.
pub struct AdvisoryTexts {
    /// The store, `None` when nothing was read brief: every text is whole.
    path: Option<PathBuf>,
    /// Opened when a first text is asked for: a view read from the report
    /// copies (a read-only workspace) asks none.
    conn: OnceCell<Result<Connection, String>>,
    kept: RefCell<Generations>,
    /// Why some texts could not be read again, said once by the caller.
    missed: RefCell<Option<String>>,
}

#[derive(Default)]
struct Generations {
    young: FxHashMap<[u8; 16], Arc<Details>>,
    old: FxHashMap<[u8; 16], Arc<Details>>,
}

impl AdvisoryTexts {
    /// For findings read from `ws`: the texts of its store when they were
    /// read brief.
    pub fn open(ws: &Workspace) -> AdvisoryTexts {
        AdvisoryTexts {
            path: (ws.advisory_text == crate::store::AdvisoryText::Brief)
                .then(|| ws.findings_store_path()),
            ..AdvisoryTexts::none()
        }
    }

    /// Texts that are all whole already (findings parsed, not read brief).
    pub fn none() -> AdvisoryTexts {
        AdvisoryTexts {
            path: None,
            conn: OnceCell::new(),
            kept: RefCell::default(),
            missed: RefCell::default(),
        }
    }

    /// The whole text of `details`: itself when nothing was left out. A
    /// text the store no longer holds (a run replaced since it was read)
    /// stays brief, and `missed` says so.
    pub fn whole(&self, details: &Arc<Details>) -> Arc<Details> {
        let Some(hash) = details.left_out else {
            return Arc::clone(details);
        };
        if let Some(found) = self.kept(&hash) {
            return found;
        }
        match self.read(&hash) {
            Ok(Some(whole)) => {
                let whole = Arc::new(whole);
                self.keep(hash, Arc::clone(&whole));
                whole
            }
            Ok(None) => {
                self.miss("an advisory text was removed from the store while it was being read (an import replaced its run); run the command again".into());
                Arc::clone(details)
            }
            Err(e) => {
                self.miss(e);
                Arc::clone(details)
            }
        }
    }

    /// Why some texts were left brief, if any were.
    pub fn missed(&self) -> Option<String> {
        self.missed.borrow().clone()
    }

    fn miss(&self, why: String) {
        self.missed.borrow_mut().get_or_insert(why);
    }

    fn kept(&self, hash: &[u8; 16]) -> Option<Arc<Details>> {
        let mut kept = self.kept.borrow_mut();
        if let Some(found) = kept.young.get(hash) {
            return Some(Arc::clone(found));
        }
        let found = kept.old.remove(hash)?;
        drop(kept);
        self.keep(*hash, Arc::clone(&found));
        Some(found)
    }

    fn keep(&self, hash: [u8; 16], whole: Arc<Details>) {
        let mut kept = self.kept.borrow_mut();
        if kept.young.len() >= KEPT / 2 {
            kept.old = std::mem::take(&mut kept.young);
        }
        kept.young.insert(hash, whole);
    }

    fn read(&self, hash: &[u8; 16]) -> Result<Option<Details>, String> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let conn = self
            .conn
            .get_or_init(|| connect(path).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::clone)?;
        read_from(conn, path, hash).map_err(|e| e.to_string())
    }
}

/// The whole text stored under `hash`, `None` when none is.
fn read_from(
    conn: &Connection,
    path: &Path,
    hash: &[u8; 16],
) -> Result<Option<Details>, StoreError> {
    let body: Option<Vec<u8>> = conn
        .prepare_cached("SELECT body FROM advisories WHERE hash = ?1")
        .and_then(|mut stmt| stmt.query_row([&hash[..]], |r| r.get(0)).optional())
        .map_err(super::schema::db_err(path))?;
    let Some(body) = body else {
        return Ok(None);
    };
    // The text must be the one the brief copy was read from.
    if super::write::advisory_hash(&body) != *hash {
        return Err(super::schema::corrupt(
            path,
            "an advisory text does not match its hash",
        ));
    }
    crate::store::row::decode_details(&body)
        .map(Some)
        .map_err(|e| super::schema::corrupt(path, e))
}

/// A read-only connection to the store at `path`, in one read transaction
/// for every text: a lookup does not take and drop SQLite's locks each
/// time, and an import running meanwhile does not take texts from under it.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let err = super::schema::db_err(path);
    let conn = super::schema::open_reader(path)?;
    conn.pragma_update(None, "cache_size", -(CACHE_KIB as i64))
        .map_err(&err)?;
    conn.execute_batch("BEGIN").map_err(&err)?;
    Ok(conn)
}
