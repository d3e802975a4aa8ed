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

mod decode;
mod read;
mod schema;
mod texts;
mod write;

pub use read::LoadedRuns;
pub use schema::STORE_SCHEMA_VERSION;
pub use texts::AdvisoryTexts;

use super::workspace::Workspace;
use rusqlite::Connection;
use std::path::PathBuf;

pub struct FindingsStore {
    conn: Connection,
    path: PathBuf,
    /// Advisory texts read so far, by id: one advisory is decoded once
    /// however many runs name it. An id is never reused for another text
    /// (`AUTOINCREMENT`), so what is here stays true.
    advisories:
        std::cell::RefCell<crate::fasthash::FxHashMap<i64, std::sync::Arc<crate::model::Details>>>,
    /// Advisory texts are read brief (`AdvisoryText::Brief`).
    brief: bool,
}

impl Workspace {
    pub fn findings_store_path(&self) -> PathBuf {
        self.scans_dir().join("findings.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::read::permute;
    use super::*;
    use crate::ingest::{self, ParseContext};
    use crate::model::Redactor;
    use crate::store::index::ScanIndex;

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
