//! Writing a run: its findings and the row that vouches for them, in one
//! transaction; forgetting runs that were replaced.

use super::decode::ContextRef;
use super::schema::db_err;
use super::FindingsStore;
use crate::fasthash::FxHashMap;
use crate::model::{Details, Finding};
use crate::store::index::{RunRecord, ScanIndex};
use crate::store::row;
use crate::store::seal::RowSeal;
use crate::store::workspace::StoreError;
use rusqlite::{params, OptionalExtension};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

pub(super) fn run_id(run: &RunRecord) -> Result<i64, StoreError> {
    i64::try_from(run.id).map_err(|_| StoreError::Database {
        path: PathBuf::from("index.json"),
        message: format!("run id {} is out of range", run.id),
    })
}

impl FindingsStore {
    /// Stores the findings of one run in one transaction, replacing whatever
    /// was stored under its id (an import that died before its run was
    /// recorded leaves rows under an id the next import reuses).
    pub fn insert_run(&mut self, run: &RunRecord, findings: &[Finding]) -> Result<(), StoreError> {
        let err = db_err(&self.path);
        let id = run_id(run)?;
        // The advisory texts' index takes a run's new texts in no order:
        // once it outgrows SQLite's 2 MB page cache, every text reads a page
        // back and writes it again. The cache is sized to hold it (about 64
        // bytes a finding of the run, an eighth of the store, at most 256
        // MB); pages are only held as they are used.
        let store_kb: i64 = self
            .conn
            .query_row(
                "SELECT page_count * page_size / 1024 FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        let cache_kb = i64::try_from(findings.len() / 16)
            .unwrap_or(i64::MAX)
            .max(store_kb / 8)
            .clamp(2 << 10, 256 << 10);
        self.conn
            .pragma_update(None, "cache_size", -cache_kb)
            .map_err(&err)?;
        drop(err);
        self.insert_run_rows(run, id, findings)
    }

    fn insert_run_rows(
        &mut self,
        run: &RunRecord,
        id: i64,
        findings: &[Finding],
    ) -> Result<(), StoreError> {
        let err = db_err(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        delete_run(&tx, id).map_err(&err)?;
        let mut seal = RowSeal::default();
        {
            // Looked up once per finding: a fast hash, not SipHash.
            let mut context_ids: FxHashMap<ContextRef, i64> = FxHashMap::default();
            let mut insert_context = tx
                .prepare("INSERT INTO contexts (run_id, context_id, body) VALUES (?1, ?2, ?3)")
                .map_err(&err)?;
            let mut details_ids: FxHashMap<*const Details, i64> = FxHashMap::default();
            let mut insert_details = tx
                .prepare(
                    "INSERT INTO run_advisories (run_id, details_id, advisory_id) VALUES (?1, ?2, ?3)",
                )
                .map_err(&err)?;
            let mut find_advisory = tx
                .prepare("SELECT advisory_id FROM advisories WHERE hash = ?1")
                .map_err(&err)?;
            let mut insert_advisory = tx
                .prepare("INSERT INTO advisories (hash, body) VALUES (?1, ?2)")
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
                        // One row per text, shared by every run that names it.
                        let hash = advisory_hash(&body);
                        let found: Option<i64> = find_advisory
                            .query_row([&hash[..]], |r| r.get(0))
                            .optional()
                            .map_err(&err)?;
                        let advisory = match found {
                            Some(advisory) => advisory,
                            None => {
                                insert_advisory
                                    .execute(params![&hash[..], body])
                                    .map_err(&err)?;
                                tx.last_insert_rowid()
                            }
                        };
                        insert_details
                            .execute(params![id, next, advisory])
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
            delete_run(&tx, id).map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }
}

/// What tells two advisory texts apart: the first 16 bytes of the SHA-256
/// of their stored body.
pub(super) fn advisory_hash(body: &[u8]) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    let mut hash = [0u8; 16];
    hash.copy_from_slice(&digest[..16]);
    hash
}

/// Removes a run's rows, and the advisory texts no other run names.
fn delete_run(tx: &rusqlite::Transaction, id: i64) -> rusqlite::Result<()> {
    let stored = tx
        .prepare_cached("SELECT 1 FROM run_advisories WHERE run_id = ?1 LIMIT 1")?
        .exists([id])?;
    if stored {
        // No index by advisory (an import would write to it all over):
        // the other runs' names are read once, a scan of small rows, only
        // when a run is replaced.
        tx.prepare_cached(
            "DELETE FROM advisories WHERE advisory_id IN
                 (SELECT advisory_id FROM run_advisories WHERE run_id = ?1)
             AND advisory_id NOT IN
                 (SELECT advisory_id FROM run_advisories WHERE run_id != ?1)",
        )?
        .execute([id])?;
    }
    for table in ["findings", "run_advisories", "contexts", "runs"] {
        tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [id])?;
    }
    Ok(())
}
