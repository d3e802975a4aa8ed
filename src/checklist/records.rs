//! `.scandeck/checklist.json`: what has been recorded for each checklist
//! item and its audit log, with the storage guarantees of decisions.json
//! (`store::document`). Here, with the checklist, so that `store` never
//! needs to know what a checklist is.

use super::progress::{ChecklistFile, CHECKLIST_SCHEMA_VERSION};
use crate::store::document::{self, Document};
use crate::store::workspace::{StoreError, Workspace};

pub type Loaded = document::Loaded<ChecklistFile>;

impl Document for ChecklistFile {
    const FILE_NAME: &'static str = "checklist.json";
    const SCHEMA_VERSION: u32 = CHECKLIST_SCHEMA_VERSION;
    const WHAT: &'static str = "checklist records";

    /// Records pretty-printed per list; one audit entry per line.
    fn render(&self) -> String {
        let lists = serde_json::to_string_pretty(&self.lists)
            .unwrap_or_else(|_| "{}".into())
            .replace('\n', "\n  ");
        let audit: Vec<String> = self
            .audit
            .iter()
            .map(|e| format!("    {}", serde_json::to_string(e).unwrap_or_default()))
            .collect();
        let audit = if audit.is_empty() {
            "[]".to_string()
        } else {
            format!("[\n{}\n  ]", audit.join(",\n"))
        };
        format!(
            "{{\n  \"schema_version\": {},\n{}  \"lists\": {lists},\n  \"audit\": {audit}\n}}\n",
            self.schema_version,
            document::head_line(&self.audit)
        )
    }

    fn audit_log(&self) -> &[crate::triage::audit::AuditEntry] {
        &self.audit
    }

    type Record = super::progress::ItemRecord;

    fn audit_log_mut(&mut self) -> &mut Vec<crate::triage::audit::AuditEntry> {
        &mut self.audit
    }

    fn record_at(&self, target: &str) -> Option<Self::Record> {
        self.lists.iter().find_map(|(list, items)| {
            items
                .iter()
                .find(|(id, _)| super::progress::record_target(list, id) == target)
                .map(|(_, r)| r.clone())
        })
    }

    fn set_record_at(&mut self, target: &str, record: Option<Self::Record>) {
        let place = self.lists.iter().find_map(|(list, items)| {
            items
                .keys()
                .find(|id| super::progress::record_target(list, id) == target)
                .map(|id| (list.clone(), id.clone()))
        });
        let place = place.or_else(|| {
            let (list, id) = target.strip_prefix("checklist:")?.split_once('/')?;
            Some((list.to_string(), id.to_string()))
        });
        let Some((list, id)) = place else { return };
        match record {
            Some(r) => {
                self.lists.entry(list).or_default().insert(id, r);
            }
            None => {
                if let Some(items) = self.lists.get_mut(&list) {
                    items.remove(&id);
                    if items.is_empty() {
                        self.lists.remove(&list);
                    }
                }
            }
        }
    }

    fn describe_record(record: &Self::Record) -> String {
        record.state.as_str().to_string()
    }

    fn record_states(&self) -> Vec<crate::triage::audit::RecordState> {
        ChecklistFile::record_states(self)
    }

    /// Schema 1 records have the same layout but no audit entry vouches for
    /// their contents: they are sealed on upgrade.
    fn migrate(version: u32, bytes: &[u8]) -> Result<Self, String> {
        match version {
            1 => {
                let mut file: ChecklistFile =
                    serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
                let at = crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                file.seal_unsealed(&at);
                file.schema_version = CHECKLIST_SCHEMA_VERSION;
                Ok(file)
            }
            CHECKLIST_SCHEMA_VERSION => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
            other => Err(format!(
                "schema version {other} is not one scandeck ever wrote"
            )),
        }
    }
}

pub fn load(ws: &Workspace) -> Result<Loaded, StoreError> {
    document::load(ws)
}

pub fn update<T>(
    ws: &Workspace,
    change: impl FnOnce(&mut ChecklistFile) -> T,
) -> Result<T, StoreError> {
    document::update(ws, change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::progress::{Change, Stamp};

    #[test]
    fn render_parses_back_and_a_broken_file_is_quarantined() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(dir.path());
        ws.ensure_layout().unwrap();
        let (lists, _) = crate::checklist::load_all(&dir.path().join("none"));
        let production = lists.iter().find(|l| l.name == "production").unwrap();
        let stamp = Stamp {
            who: "ops",
            at: "2026-11-27T10:00:00Z",
        };
        update(&ws, |f| {
            f.apply(production, Some("backups"), &Change::Check, stamp)
        })
        .unwrap()
        .unwrap();
        let text = std::fs::read_to_string(document::path_of::<ChecklistFile>(&ws)).unwrap();
        let back: ChecklistFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, load(&ws).unwrap().file);
        update(&ws, |f| {
            f.apply(production, Some("https"), &Change::Check, stamp)
        })
        .unwrap()
        .unwrap();
        std::fs::write(document::path_of::<ChecklistFile>(&ws), b"{ broken").unwrap();
        let loaded = load(&ws).unwrap();
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
        assert!(
            loaded.file.record("production", "backups").is_some(),
            "restored from .bak"
        );
        std::fs::write(
            document::path_of::<ChecklistFile>(&ws),
            b"{\"schema_version\": 99, \"lists\": {}}",
        )
        .unwrap();
        assert!(load(&ws).unwrap().read_only.is_some());
        assert!(
            update(&ws, |_| ()).is_err(),
            "a newer file is never written"
        );
    }
}
