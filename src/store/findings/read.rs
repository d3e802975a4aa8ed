//! Reading findings back: by run, by severity, the most severe first, by
//! fingerprint, with every run's seal checked.

use super::decode::decode;
use super::decode::Context;
use super::decode::ContextParts;
use super::decode::RawRow;
use super::decode::RowReader;
use super::decode::Shared;
use super::schema::corrupt;
use super::schema::db_err;
use super::schema::open_reader;
use super::schema::ROW_COLUMNS;
use super::write::run_id;
use super::FindingsStore;
use crate::model::{Finding, Fingerprint, Kind, Severity};
use crate::store::index::RunRecord;
use crate::store::row;
use crate::store::seal::RowSeal;
use crate::store::workspace::StoreError;
use rusqlite::{params, OptionalExtension};
use std::collections::HashSet;
use std::sync::Arc;

/// How often (in rows) a load reports progress.
pub(super) const PROGRESS_EVERY: usize = 16_384;

/// Rearranges `items` so that position `k` holds what was at `order[k]`
/// (`order` a permutation), in place: each item moves once, and no second
/// vector of findings is ever alive.
pub(super) fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
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

/// Takes one row read beside (its body already decoded), with its run.
pub(super) type TakeRow<'t> = dyn FnMut(i64, RawRow) -> Result<(), StoreError> + 't;

/// What `load_runs` holds of the run whose rows are coming.
struct RunRead {
    id: i64,
    /// Its position among the runs asked for.
    at: usize,
    /// Where its findings start in the one vector.
    from: usize,
    count: usize,
    /// The report place of each finding appended so far.
    places: Vec<u32>,
    read: RowSeal,
    /// Its texts and contexts, read when its first row comes (on this
    /// thread, while the other reads rows).
    shared: Option<Shared>,
    damage: Option<StoreError>,
}

impl RunRead {
    /// Decodes one row of the run and appends its finding.
    fn take(
        &mut self,
        store: &FindingsStore,
        parts: &mut ContextParts,
        raw: RawRow,
        findings: &mut Vec<Finding>,
    ) -> Result<(), StoreError> {
        let path = store.path.as_path();
        let place = u32::try_from(raw.seq)
            .ok()
            .filter(|seq| (*seq as usize) < self.count)
            .ok_or_else(|| corrupt(path, "a finding's place in its report is wrong"))?;
        if self.shared.is_none() {
            self.shared = Some(store.shared_with(self.id, parts)?);
        }
        let Some(shared) = self.shared.as_ref() else {
            return Ok(());
        };
        self.read
            .add(raw.severity, raw.kind, raw.seq, &raw.fingerprint);
        findings.push(decode(path, shared, raw)?);
        self.places.push(place);
        Ok(())
    }
}

/// The findings of several runs read in one pass (`load_runs`): run after
/// run, and for each run how many of them are its, or why it gave none.
pub struct LoadedRuns {
    pub findings: Vec<Finding>,
    pub answers: Vec<Result<usize, StoreError>>,
}

/// Rows handed from the SQLite reader to the decoder at a time.
pub(super) const BATCH: usize = 4096;

impl FindingsStore {
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

    /// Whether one of the stored runs `among` holds `fp`: one indexed
    /// lookup per run. A fingerprint names its subject, so the caller asks
    /// only the runs of that subject.
    pub fn holds_in(&self, fp: &Fingerprint, among: &[&RunRecord]) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM findings WHERE run_id = ?1 AND fingerprint = ?2")
            .map_err(db_err(&self.path))?;
        for run in among {
            if stmt
                .exists(params![run_id(run)?, &fp.0[..]])
                .map_err(db_err(&self.path))?
            {
                return Ok(true);
            }
        }
        Ok(false)
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
        self.read_rows_beside(&queries, &mut |run, raw| {
            if wanted.contains(&run) {
                read.entry(run)
                    .or_default()
                    .add(raw.severity, raw.kind, raw.seq, &raw.fingerprint);
                places.push((run, raw.seq));
                decoded.push(reader.finding(run, raw)?);
            }
            Ok(())
        })?;
        // Every range read is judged against the seal: rows removed or
        // moved are seen here, not answered from.
        let ranges: Vec<crate::store::seal::Range> = severities
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
    pub(super) fn read_rows_beside(
        &self,
        queries: &[(String, Vec<rusqlite::types::Value>)],
        take: &mut TakeRow,
    ) -> Result<(), StoreError> {
        let path = self.path.as_path();
        // Each row's body is decoded by the reader as it reads it (the
        // decoder here has the rest of the finding to make, and was the
        // slower of the two): no buffer of row bytes travels between them.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(i64, RawRow)>>(4);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || -> Result<(), StoreError> {
                let err = db_err(path);
                let conn = open_reader(path)?;
                let mut batch = Vec::with_capacity(BATCH);
                for (sql, values) in queries {
                    let mut stmt = conn.prepare_cached(sql).map_err(&err)?;
                    let mut rows = stmt
                        .query(rusqlite::params_from_iter(values.iter()))
                        .map_err(&err)?;
                    while let Some(row) = rows.next().map_err(&err)? {
                        let run: i64 = row.get(0).map_err(&err)?;
                        batch.push((run, RawRow::read(row, 1).map_err(&err)?));
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            if tx.send(full).is_err() {
                                return Ok(()); // the decoder gave up on an error
                            }
                        }
                    }
                }
                let _ = tx.send(batch);
                Ok(())
            });
            let mut taken: Result<(), StoreError> = Ok(());
            'batches: for batch in rx {
                for (run, raw) in batch {
                    if let Err(e) = take(run, raw) {
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
    pub(super) fn decode_in_report_order(
        &self,
        mut matched: Vec<(i64, RawRow)>,
    ) -> Result<Vec<Finding>, StoreError> {
        matched.sort_by_key(|(run, raw)| (*run, raw.seq));
        let mut reader = RowReader::new(self);
        matched
            .into_iter()
            .map(|(run, raw)| reader.finding(run, raw))
            .collect()
    }

    /// The `n` most severe stored findings of `runs`, from the top of each
    /// run's rows: the console's first screen before the rest.
    pub fn findings_top(&self, n: usize, runs: &[&RunRecord]) -> Result<Vec<Finding>, StoreError> {
        if let Some(found) = self.top_by_counts(n, runs)? {
            return Ok(found);
        }
        let err = db_err(&self.path);
        let mut matched: Vec<(i64, RawRow)> = Vec::new();
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
                matched.push((run, RawRow::read(r, 0).map_err(&err)?));
            }
        }
        matched.sort_by_key(|(run, raw)| (std::cmp::Reverse(raw.severity), *run, raw.seq));
        matched.truncate(n);
        self.decode_in_report_order(matched)
    }

    /// The `n` most severe findings of `runs` read by key ranges the runs'
    /// own counts point at: the index says how many findings of each
    /// severity every run holds, so only the rows shown are read — a query
    /// per run that has rows above the cut, not `n` rows of every run (1,000
    /// runs read 500k rows for 500 before). Within the cut's severity, runs
    /// in id order and each in report order. `None` when the counts and the
    /// rows disagree (an index from before counts): the caller reads the
    /// long way.
    fn top_by_counts(
        &self,
        n: usize,
        runs: &[&RunRecord],
    ) -> Result<Option<Vec<Finding>>, StoreError> {
        let err = db_err(&self.path);
        let count = |run: &RunRecord, s: Severity| run.counts.get(s.as_str()).copied().unwrap_or(0);
        let total: usize = runs.iter().map(|r| r.findings).sum();
        let want = n.min(total);
        let mut above = 0usize;
        let mut cut = None;
        for s in Severity::ALL_DESCENDING {
            let here: usize = runs.iter().map(|r| count(r, s)).sum();
            if above.saturating_add(here) >= want {
                cut = Some(s);
                break;
            }
            above = above.saturating_add(here);
        }
        let Some(cut) = cut else {
            return Ok(None);
        };
        let mut by_id: Vec<&RunRecord> = runs.to_vec();
        by_id.sort_by_key(|r| r.id);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM findings WHERE run_id = ?1 AND severity = ?2
                 ORDER BY seq LIMIT ?3"
            ))
            .map_err(&err)?;
        let mut matched: Vec<(i64, RawRow)> = Vec::new();
        for s in Severity::ALL_DESCENDING.into_iter().filter(|s| *s >= cut) {
            for run in &by_id {
                let left = want.saturating_sub(matched.len());
                let here = count(run, s);
                if here == 0 || left == 0 {
                    continue;
                }
                let limit = if s == cut { left.min(here) } else { here };
                let id = run_id(run)?;
                let mut rows = stmt
                    .query(params![
                        id,
                        row::severity_code(s),
                        i64::try_from(limit).unwrap_or(i64::MAX)
                    ])
                    .map_err(&err)?;
                while let Some(r) = rows.next().map_err(&err)? {
                    matched.push((id, RawRow::read(r, 0).map_err(&err)?));
                }
            }
        }
        if matched.len() != want {
            return Ok(None);
        }
        matched.sort_by_key(|(run, raw)| (std::cmp::Reverse(raw.severity), *run, raw.seq));
        Ok(Some(self.decode_in_report_order(matched)?))
    }

    /// The stored findings of `runs` whose fingerprint is one of `fps`, by
    /// index: one lookup per run and fingerprint, whatever the store's size.
    pub fn findings_with(
        &self,
        fps: &[Fingerprint],
        runs: &[&RunRecord],
    ) -> Result<Vec<Finding>, StoreError> {
        let err = db_err(&self.path);
        let mut reader = RowReader::new(self);
        let mut out = Vec::new();
        if fps.is_empty() {
            return Ok(out);
        }
        let mut by_fp = self
            .conn
            .prepare_cached(&format!(
                "SELECT run_id, {ROW_COLUMNS} FROM findings
                 WHERE run_id = ?1 AND fingerprint = ?2 ORDER BY seq"
            ))
            .map_err(&err)?;
        let mut ids: Vec<i64> = runs.iter().filter_map(|r| run_id(r).ok()).collect();
        ids.sort_unstable();
        ids.dedup();
        for fp in fps {
            for run in &ids {
                let mut rows = by_fp.query(params![run, &fp.0[..]]).map_err(&err)?;
                while let Some(r) = rows.next().map_err(&err)? {
                    let raw = RawRow::read(r, 1).map_err(&err)?;
                    out.push(reader.finding(*run, raw)?);
                }
            }
        }
        Ok(out)
    }

    /// The advisory text stored under `advisory`, read and decoded once
    /// per store: a text many runs name is not read again for each.
    pub(super) fn advisory(&self, advisory: i64) -> Result<Arc<crate::model::Details>, StoreError> {
        if let Some(known) = self.advisories.borrow().get(&advisory) {
            return Ok(Arc::clone(known));
        }
        let err = db_err(&self.path);
        let (hash, body): (Vec<u8>, Vec<u8>) = self
            .conn
            .prepare_cached("SELECT hash, body FROM advisories WHERE advisory_id = ?1")
            .and_then(|mut stmt| stmt.query_row([advisory], |r| Ok((r.get(0)?, r.get(1)?))))
            .optional()
            .map_err(&err)?
            .ok_or_else(|| corrupt(&self.path, "a run names advisory text that is not stored"))?;
        let decoded = if self.brief {
            let hash = <[u8; 16]>::try_from(hash.as_slice())
                .map_err(|_| corrupt(&self.path, "an advisory's hash is not 16 bytes"))?;
            row::decode_details_brief(&body, hash)
        } else {
            row::decode_details(&body)
        };
        let parsed = Arc::new(decoded.map_err(|e| corrupt(&self.path, e))?);
        self.advisories
            .borrow_mut()
            .insert(advisory, Arc::clone(&parsed));
        Ok(parsed)
    }

    /// The advisory texts and contexts of one run, by id.
    pub(super) fn shared_of(&self, run: i64) -> Result<Shared, StoreError> {
        self.shared_with(run, &mut ContextParts::default())
    }

    /// `shared_of`, keeping the contexts' common parts in `parts` (shared
    /// by every run read with them).
    fn shared_with(&self, run: i64, parts: &mut ContextParts) -> Result<Shared, StoreError> {
        let err = db_err(&self.path);
        let mut shared = Shared::default();
        // The run's names for its texts; each text is read once per store.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT details_id, advisory_id FROM run_advisories WHERE run_id = ?1")
            .map_err(&err)?;
        let named: Vec<(i64, i64)> = stmt
            .query_map([run], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(&err)?;
        for (details_id, advisory) in named {
            shared.details.insert(details_id, self.advisory(advisory)?);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT context_id, body FROM contexts WHERE run_id = ?1")
            .map_err(&err)?;
        let mut rows = stmt.query([run]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let body: String = row.get(1).map_err(&err)?;
            let parsed: Context =
                serde_json::from_str(&body).map_err(|e| corrupt(&self.path, e))?;
            shared
                .contexts
                .insert(row.get(0).map_err(&err)?, parts.context(parsed));
        }
        Ok(shared)
    }

    /// Compares what a read path saw of `run` with the seal stored beside
    /// its rows, over `ranges` (all of it when `None`).
    pub(super) fn check_seal(
        &self,
        run: &RunRecord,
        read: &RowSeal,
        ranges: Option<&[crate::store::seal::Range]>,
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
    pub(super) fn stored_count(&self, run: i64) -> Result<usize, StoreError> {
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
        self.read_rows_beside(std::slice::from_ref(&query), &mut |_, raw| {
            let place = u64::try_from(raw.seq)
                .map_err(|_| corrupt(path, "a finding's place in its report is wrong"))?;
            read.add(raw.severity, raw.kind, raw.seq, &raw.fingerprint);
            take(place, decode(path, &shared, raw)?);
            seen += 1;
            Ok(())
        })?;
        self.check_seal(run, &read, None)?;
        if seen != self.stored_count(id)? {
            return Err(corrupt(path, "a run holds fewer findings than it records"));
        }
        Ok(seen)
    }

    /// Reads the findings of several stored runs in one pass: one
    /// connection and one thread beside for all of them (a fleet is a
    /// thousand runs of a few hundred findings). The findings come in one
    /// vector, run after run, each run in report order, with each run's
    /// answer beside: how many findings it gave, or why it is damaged (its
    /// rows disagree with its seal or its count; it gives none, and the
    /// others are read all the same). `Err` is for the store as a whole;
    /// `progress` hears `(run, rows of it read)` now and then, `run` its
    /// position in `runs`.
    pub fn load_runs(
        &self,
        runs: &[&RunRecord],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<LoadedRuns, StoreError> {
        let path = self.path.as_path();
        // The runs' counts, seals, texts and contexts are read in one
        // transaction: each statement alone would be its own, taking
        // SQLite's locks and asking the file's size again (60,000 advisory
        // texts at 1M findings). Nothing here writes; it ends unwritten.
        let _snapshot = self.conn.unchecked_transaction().map_err(db_err(path))?;
        let mut answers: Vec<Result<usize, StoreError>> = Vec::with_capacity(runs.len());
        let mut position: crate::fasthash::FxHashMap<i64, usize> = Default::default();
        let mut queries = Vec::new();
        let mut total = 0usize;
        for (at, run) in runs.iter().enumerate() {
            let started = run_id(run).and_then(|id| Ok((id, self.stored_count(id)?)));
            answers.push(started.map(|(id, count)| {
                position.insert(id, at);
                queries.push((
                    format!("SELECT run_id, {ROW_COLUMNS} FROM findings WHERE run_id = ?1"),
                    vec![id.into()],
                ));
                total = total.saturating_add(count);
                count
            }));
        }
        // Rows come by severity: each run's findings are appended as they
        // come and put in report order once its last row is in (`permute`),
        // so no vector of empty slots is made first (half a million of them
        // were 60 ms of page faults before the first row could be placed).
        let mut findings: Vec<Finding> = Vec::with_capacity(total);
        let mut parts = ContextParts::default();
        let mut reading: Option<RunRead> = None;
        let mut finished = vec![false; runs.len()];
        self.read_rows_beside(&queries, &mut |run, raw| {
            if reading.as_ref().is_none_or(|r| r.id != run) {
                if let Some(done) = reading.take() {
                    let at = done.at;
                    answers[at] = self.finish_run(runs[at], done, &mut findings);
                    finished[at] = true;
                }
                let at = *position
                    .get(&run)
                    .ok_or_else(|| corrupt(path, "a row names a run that was not asked for"))?;
                let count = match &answers[at] {
                    Ok(count) => *count,
                    Err(_) => return Ok(()),
                };
                reading = Some(RunRead {
                    id: run,
                    at,
                    from: findings.len(),
                    count,
                    places: Vec::with_capacity(count),
                    read: RowSeal::default(),
                    shared: None,
                    damage: None,
                });
            }
            let Some(state) = reading.as_mut() else {
                return Ok(());
            };
            if state.damage.is_some() {
                return Ok(());
            }
            if let Err(damage) = state.take(self, &mut parts, raw, &mut findings) {
                findings.truncate(state.from);
                state.damage = Some(damage);
            } else if state.places.len().is_multiple_of(PROGRESS_EVERY) {
                progress(state.at, state.places.len());
            }
            Ok(())
        })?;
        if let Some(done) = reading.take() {
            let at = done.at;
            answers[at] = self.finish_run(runs[at], done, &mut findings);
            finished[at] = true;
        }
        // A run none of whose rows came was never finished: it gave all of
        // its findings only if it has none.
        let mut given = 0usize;
        for (at, answer) in answers.iter_mut().enumerate() {
            if let Ok(n) = answer {
                if *n > 0 && !finished[at] {
                    *answer = Err(corrupt(path, "a run holds fewer findings than it records"));
                    continue;
                }
                given = given.saturating_add(*n);
                progress(at, *n);
            }
        }
        if given != findings.len() {
            return Err(corrupt(path, "runs read back disagree with their counts"));
        }
        Ok(LoadedRuns { findings, answers })
    }

    /// Checks what was read of one run (its count, its seal) and puts its
    /// findings, the last in `findings`, in report order; a run that does
    /// not check out gives none of them.
    fn finish_run(
        &self,
        run: &RunRecord,
        done: RunRead,
        findings: &mut Vec<Finding>,
    ) -> Result<usize, StoreError> {
        let path = self.path.as_path();
        if let Some(damage) = done.damage {
            return Err(damage);
        }
        let checked = if done.places.len() != done.count {
            Err(corrupt(path, "a run holds fewer findings than it records"))
        } else {
            self.check_seal(run, &done.read, None)
        };
        if let Err(damage) = checked {
            findings.truncate(done.from);
            return Err(damage);
        }
        // `order[k]`: where the finding of report place `k` was put.
        let mut order = vec![usize::MAX; done.count];
        for (put, place) in done.places.iter().enumerate() {
            match order.get_mut(*place as usize) {
                Some(slot) if *slot == usize::MAX => *slot = put,
                _ => {
                    findings.truncate(done.from);
                    return Err(corrupt(path, "a finding's place in its report is wrong"));
                }
            }
        }
        permute(&mut findings[done.from..], order);
        Ok(done.count)
    }

    /// The findings of one stored run in report order: `load_runs` of it
    /// alone (`progress` hears the rows read so far).
    pub fn load_run(
        &self,
        run: &RunRecord,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Finding>, StoreError> {
        let mut loaded = self.load_runs(&[run], &mut |_, n| progress(n))?;
        match loaded.answers.pop() {
            Some(Ok(_)) => Ok(loaded.findings),
            Some(Err(damage)) => Err(damage),
            None => Err(corrupt(&self.path, "a run was asked for and not answered")),
        }
    }
}
