//! Rows back into findings: the row body, the context shared by a run's
//! rows (source, image, layers), and the interning that keeps it shared.

use super::schema::corrupt;
use super::schema::db_err;
use super::FindingsStore;
use crate::fasthash::FxHashMap;
use crate::model::{Details, Finding, Fingerprint, ImageRef, Kind, Layer, SourceInfo};
use crate::store::row;
use crate::store::workspace::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// One findings row as SQLite gives it, before its body is decoded.
pub(super) struct RawRow {
    pub(super) seq: i64,
    pub(super) severity: i64,
    pub(super) kind: Kind,
    pub(super) id: String,
    pub(super) package: Option<String>,
    pub(super) fingerprint: Fingerprint,
    pub(super) details_id: i64,
    pub(super) context_id: i64,
    /// The body, decoded by the thread that read the row (rows read
    /// beside are decoded there while this thread makes the findings:
    /// `FindingsStore::read_rows_beside`); a body that does not decode is
    /// damage, said when the finding is made.
    pub(super) body: Result<row::Body, &'static str>,
}

impl RawRow {
    /// Reads the `ROW_COLUMNS` from column `at` on and decodes the body. A
    /// kind or fingerprint that is not ours reads as a conversion failure:
    /// damage.
    pub(super) fn read(row: &rusqlite::Row, at: usize) -> rusqlite::Result<RawRow> {
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
            body: row::decode(row.get_ref(at + 8)?.as_blob()?),
        })
    }
}

/// What the findings of one run share: advisory texts and contexts, by the
/// ids the store gave them (looked up for every row read).
#[derive(Default)]
pub(super) struct Shared {
    pub(super) details: FxHashMap<i64, Arc<Details>>,
    pub(super) contexts: FxHashMap<i64, SharedContext>,
}

pub(super) struct SharedContext {
    pub(super) image: Option<Arc<ImageRef>>,
    pub(super) layer: Option<Arc<Layer>>,
    pub(super) source: Arc<SourceInfo>,
    pub(super) target: Arc<str>,
    pub(super) subject: Arc<str>,
}

pub(super) fn decode(path: &Path, shared: &Shared, raw: RawRow) -> Result<Finding, StoreError> {
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
    let body = raw.body.map_err(|e| corrupt(path, e))?;
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
        location: body.location.into(),
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
pub(super) struct RowReader<'a> {
    pub(super) store: &'a FindingsStore,
    pub(super) shared: Shared,
    pub(super) parts: ContextParts,
}

impl<'a> RowReader<'a> {
    pub(super) fn new(store: &'a FindingsStore) -> RowReader<'a> {
        RowReader {
            store,
            shared: Shared::default(),
            parts: ContextParts::default(),
        }
    }

    pub(super) fn finding(&mut self, run: i64, raw: RawRow) -> Result<Finding, StoreError> {
        let path = &self.store.path;
        let err = db_err(path);
        // Ids are per run: rows of several runs are told apart in the keys.
        let key = |id: i64| run.checked_mul(1 << 32).and_then(|k| k.checked_add(id));
        let (Some(details_key), Some(context_key)) = (key(raw.details_id), key(raw.context_id))
        else {
            return Err(corrupt(path, "an id is out of range"));
        };
        if !self.shared.details.contains_key(&details_key) {
            let advisory: i64 = self
                .store
                .conn
                .prepare_cached(
                    "SELECT advisory_id FROM run_advisories WHERE run_id = ?1 AND details_id = ?2",
                )
                .and_then(|mut stmt| stmt.query_row([run, raw.details_id], |r| r.get(0)))
                .map_err(&err)?;
            let details = self.store.advisory(advisory)?;
            self.shared.details.insert(details_key, details);
        }
        if !self.shared.contexts.contains_key(&context_key) {
            let body: String = self
                .store
                .conn
                .prepare_cached("SELECT body FROM contexts WHERE run_id = ?1 AND context_id = ?2")
                .and_then(|mut stmt| stmt.query_row([run, raw.context_id], |r| r.get(0)))
                .map_err(&err)?;
            let parsed: Context = serde_json::from_str(&body).map_err(|e| corrupt(path, e))?;
            let context = self.parts.context(parsed);
            self.shared.contexts.insert(context_key, context);
        }
        let raw = RawRow {
            details_id: details_key,
            context_id: context_key,
            ..raw
        };
        decode(path, &self.shared, raw)
    }
}

/// What contexts have in common, each kept once: a run stores a context
/// per image layer and target, and its thousands of contexts name one
/// scanner, a few targets and one subject (255k contexts at 1M findings
/// were 67 MB of copies of them).
#[derive(Default)]
pub(super) struct ContextParts {
    images: HashSet<Arc<ImageRef>>,
    sources: HashSet<Arc<SourceInfo>>,
    texts: HashSet<Arc<str>>,
}

impl ContextParts {
    pub(super) fn context(&mut self, parsed: Context) -> SharedContext {
        SharedContext {
            image: parsed.image.map(|i| shared(&mut self.images, i)),
            layer: parsed.layer.map(Arc::new),
            source: shared(&mut self.sources, parsed.source),
            target: shared_text(&mut self.texts, &parsed.target),
            subject: shared_text(&mut self.texts, &parsed.subject),
        }
    }
}

/// `value`, as the one kept in `known` when it is there.
fn shared<T: Eq + std::hash::Hash>(known: &mut HashSet<Arc<T>>, value: T) -> Arc<T> {
    if let Some(known) = known.get(&value) {
        return Arc::clone(known);
    }
    let shared = Arc::new(value);
    known.insert(Arc::clone(&shared));
    shared
}

fn shared_text(known: &mut HashSet<Arc<str>>, text: &str) -> Arc<str> {
    if let Some(known) = known.get(text) {
        return Arc::clone(known);
    }
    let shared: Arc<str> = Arc::from(text);
    known.insert(Arc::clone(&shared));
    shared
}

/// Where a finding was found, shared by the findings of a run that have it
/// in common: the image, the scanner, the scanned target and the subject.
#[derive(Serialize, PartialEq, Eq, Hash)]
pub(super) struct ContextRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) image: Option<&'a ImageRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) layer: Option<&'a Layer>,
    pub(super) source: &'a SourceInfo,
    pub(super) target: &'a str,
    pub(super) subject: &'a str,
}

impl<'a> ContextRef<'a> {
    pub(super) fn of(f: &'a Finding) -> ContextRef<'a> {
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
pub(super) struct Context {
    #[serde(default)]
    pub(super) image: Option<ImageRef>,
    #[serde(default)]
    pub(super) layer: Option<Layer>,
    pub(super) source: SourceInfo,
    pub(super) target: String,
    pub(super) subject: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Contexts that differ by layer share their scanner, target, subject and image.
    #[test]
    fn contexts_keep_their_common_parts_once() {
        let mut parts = ContextParts::default();
        let context = |layer: &str| -> Context {
            serde_json::from_value(serde_json::json!({
                "image": {"name": "app:1"},
                "layer": {"diff_id": layer},
                "source": {"scanner": "trivy", "version": "0.57.1", "report": "r.json"},
                "target": "app:1 (debian 12.4)",
                "subject": "image:app",
            }))
            .unwrap()
        };
        let a = parts.context(context("sha256:1"));
        let b = parts.context(context("sha256:2"));
        assert!(Arc::ptr_eq(&a.source, &b.source));
        assert!(Arc::ptr_eq(&a.target, &b.target));
        assert!(Arc::ptr_eq(&a.subject, &b.subject));
        assert!(Arc::ptr_eq(
            a.image.as_ref().unwrap(),
            b.image.as_ref().unwrap()
        ));
        assert_ne!(a.layer, b.layer);
        assert_eq!(
            &*a.source,
            &SourceInfo {
                scanner: "trivy".into(),
                version: Some("0.57.1".into()),
                report: "r.json".into(),
            }
        );
        assert_eq!(&*b.subject, "image:app");
    }
}
