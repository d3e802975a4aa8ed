//! What has been recorded for each checklist item, and the pure changes the
//! CLI and the console apply to it. Stored as `.scandeck/checklist.json`.

use super::evidence::{Evidence, Proposal};
use super::{Checklist, Item};
use crate::triage::audit::{self, AuditEntry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 2: each record names the audit entry that made it (schema 1 is sealed on upgrade).
pub const CHECKLIST_SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recorded {
    #[default]
    Todo,
    Done,
    NotApplicable,
}

impl Recorded {
    pub fn as_str(self) -> &'static str {
        match self {
            Recorded::Todo => "to do",
            Recorded::Done => "done",
            Recorded::NotApplicable => "not applicable",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    pub state: Recorded,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub by: String,
    pub at: String,
    /// Recorded done although its automatic check failed: an override, with
    /// the person's reason in `reason`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overridden: bool,
    /// The hash of the audit entry that made this record (see `audit::seal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl audit::Sealed for ItemRecord {
    fn entry(&self) -> Option<&str> {
        self.entry.as_deref()
    }

    fn set_entry(&mut self, entry: Option<String>) {
        self.entry = entry;
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistFile {
    pub schema_version: u32,
    /// Checklist name → item id → record.
    #[serde(default)]
    pub lists: BTreeMap<String, BTreeMap<String, ItemRecord>>,
    #[serde(default)]
    pub audit: Vec<AuditEntry>,
}

impl Default for ChecklistFile {
    fn default() -> Self {
        ChecklistFile {
            schema_version: CHECKLIST_SCHEMA_VERSION,
            lists: BTreeMap::new(),
            audit: Vec::new(),
        }
    }
}

/// One change to a checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Check,
    /// Done although the automatic check fails, for this reason.
    Override {
        reason: String,
    },
    Uncheck,
    NotApplicable {
        reason: String,
    },
    Note {
        text: String,
    },
    Reset,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("checklist {list:?} has no item {id:?}; `scandeck checklist show --list {list}` lists the ids")]
    UnknownItem { list: String, id: String },
    #[error("marking an item not applicable needs a reason (--reason)")]
    MissingReason,
    #[error("a note needs text")]
    EmptyNote,
    #[error("the automatic check fails ({0}); to record it done anyway, give the reason for the override")]
    NeedsOverride(String),
}

/// Checking an item off: plain when its automatic check passes (or it has
/// none); an override, which needs a reason, when the check fails.
pub fn check_change(
    evidence: Option<&Evidence>,
    reason: Option<&str>,
) -> Result<Change, ChangeError> {
    match evidence.filter(|e| e.proposal == Proposal::Fail) {
        None => Ok(Change::Check),
        Some(e) => match reason.map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => Ok(Change::Override {
                reason: reason.to_string(),
            }),
            None => Err(ChangeError::NeedsOverride(e.summary.clone())),
        },
    }
}

/// Who and when, for records and audit entries.
#[derive(Clone, Copy, Debug)]
pub struct Stamp<'a> {
    pub who: &'a str,
    pub at: &'a str,
}

impl ChecklistFile {
    pub fn record(&self, list: &str, id: &str) -> Option<&ItemRecord> {
        self.lists.get(list).and_then(|items| items.get(id))
    }

    /// Applies `change` to item `id` (all items for `Reset`) and appends the
    /// audit entries. Returns one line per changed item.
    pub fn apply(
        &mut self,
        list: &Checklist,
        id: Option<&str>,
        change: &Change,
        stamp: Stamp,
    ) -> Result<Vec<String>, ChangeError> {
        if let Change::Reset = change {
            let removed: Vec<String> = self
                .lists
                .remove(&list.name)
                .map(|items| items.into_keys().collect())
                .unwrap_or_default();
            for key in &removed {
                audit::removed(
                    &mut self.audit,
                    stamp.at,
                    stamp.who,
                    "reset",
                    &record_target(&list.name, key),
                    list.item(key).map(|i| i.title.clone()),
                    None,
                    Some(Recorded::Todo.as_str().to_string()),
                    None,
                );
            }
            return Ok(vec![format!(
                "{}: reset {} recorded item(s)",
                list.name,
                removed.len()
            )]);
        }
        let id = id.unwrap_or_default();
        let item = list.item(id).ok_or_else(|| ChangeError::UnknownItem {
            list: list.name.clone(),
            id: id.to_string(),
        })?;
        let previous = self.record(&list.name, id).cloned().unwrap_or_default();
        let mut next = previous.clone();
        let action = match change {
            Change::Check => {
                next.state = Recorded::Done;
                next.reason = None;
                next.overridden = false;
                "checked"
            }
            Change::Override { reason } => {
                if reason.trim().is_empty() {
                    return Err(ChangeError::MissingReason);
                }
                next.state = Recorded::Done;
                next.reason = Some(crate::sanitize::sanitize_line(reason.trim()).into_owned());
                next.overridden = true;
                "overridden"
            }
            Change::Uncheck => {
                next.state = Recorded::Todo;
                next.reason = None;
                next.overridden = false;
                "unchecked"
            }
            Change::NotApplicable { reason } => {
                if reason.trim().is_empty() {
                    return Err(ChangeError::MissingReason);
                }
                next.overridden = false;
                next.state = Recorded::NotApplicable;
                next.reason = Some(crate::sanitize::sanitize_line(reason.trim()).into_owned());
                "not_applicable"
            }
            Change::Note { text } => {
                if text.trim().is_empty() {
                    return Err(ChangeError::EmptyNote);
                }
                next.note = Some(crate::sanitize::sanitize_line(text.trim()).into_owned());
                "noted"
            }
            Change::Reset => unreachable!("handled above"),
        };
        next.by = stamp.who.to_string();
        next.at = stamp.at.to_string();
        let reason = match change {
            Change::NotApplicable { .. } | Change::Override { .. } => next.reason.clone(),
            Change::Note { .. } => next.note.clone(),
            _ => None,
        };
        let from = Some(previous.state.as_str().to_string());
        let to = Some(next.state.as_str().to_string());
        audit::seal(
            &mut self.audit,
            &mut next,
            stamp.at,
            stamp.who,
            action,
            &record_target(&list.name, &item.id),
            Some(item.title.clone()),
            from,
            to,
            reason,
        );
        self.lists
            .entry(list.name.clone())
            .or_default()
            .insert(item.id.clone(), next.clone());
        Ok(vec![format!(
            "{}/{}: {} ({})",
            list.name,
            item.id,
            next.state.as_str(),
            item.title
        )])
    }

    /// Each record as filed, for `audit::verify_all`.
    pub fn record_states(&self) -> Vec<audit::RecordState> {
        self.lists
            .iter()
            .flat_map(|(list, items)| {
                items.iter().map(move |(id, r)| audit::RecordState {
                    target: record_target(list, id),
                    entry: r.entry.clone(),
                    digest: audit::digest_of(r),
                })
            })
            .collect()
    }

    /// Links every record no entry vouches for to a new `sealed` entry
    /// (records written before entries carried digests).
    pub fn seal_unsealed(&mut self, at: &str) -> usize {
        let mut sealed = 0;
        let mut lists = std::mem::take(&mut self.lists);
        for (list, items) in lists.iter_mut() {
            for (id, r) in items.iter_mut() {
                if r.entry.is_none() {
                    let to = Some(r.state.as_str().to_string());
                    audit::seal(
                        &mut self.audit,
                        r,
                        at,
                        "scandeck",
                        "sealed",
                        &record_target(list, id),
                        None,
                        None,
                        to,
                        Some("recorded before audit entries vouched for record contents".into()),
                    );
                    sealed += 1;
                }
            }
        }
        self.lists = lists;
        sealed
    }
}

/// The audit target of a checklist item's record.
pub fn record_target(list: &str, id: &str) -> String {
    format!("checklist:{list}/{id}")
}

/// What an item shows: the recorded state, unless evidence contradicts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Todo,
    Done,
    NotApplicable,
    /// Not done, and the automatic check fails.
    Failing,
    /// Recorded done, but the automatic check fails now: a person must
    /// look again (uncheck, or check with a reason to override).
    DoneButFailing,
    /// Recorded done over a failing check, with a reason: an explicit override.
    DoneOverride,
}

impl Shown {
    pub fn of(record: Option<&ItemRecord>, evidence: Option<&Evidence>) -> Shown {
        let failing = evidence.is_some_and(|e| e.proposal == Proposal::Fail);
        match (record.map(|r| r.state).unwrap_or_default(), failing) {
            (Recorded::NotApplicable, _) => Shown::NotApplicable,
            (Recorded::Done, false) => Shown::Done,
            (Recorded::Done, true) if record.is_some_and(|r| r.overridden) => Shown::DoneOverride,
            (Recorded::Done, true) => Shown::DoneButFailing,
            (Recorded::Todo, true) => Shown::Failing,
            (Recorded::Todo, false) => Shown::Todo,
        }
    }

    /// Counts towards completion.
    pub fn complete(self) -> bool {
        matches!(
            self,
            Shown::Done | Shown::NotApplicable | Shown::DoneOverride
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Shown::Todo => "to do",
            Shown::Done => "done",
            Shown::NotApplicable => "n/a",
            Shown::Failing => "failing",
            Shown::DoneButFailing => "done, evidence fails",
            Shown::DoneOverride => "done (override)",
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Shown::Todo => "[ ]",
            Shown::Done => "[x]",
            Shown::NotApplicable => "[-]",
            Shown::Failing => "[!]",
            Shown::DoneButFailing => "[x!]",
            Shown::DoneOverride => "[x*]",
        }
    }
}

/// One item with everything known about it.
#[derive(Clone, Debug)]
pub struct ItemView<'a> {
    pub item: &'a Item,
    pub record: Option<&'a ItemRecord>,
    pub evidence: Option<&'a Evidence>,
    pub shown: Shown,
}

pub fn view<'a>(
    list: &'a Checklist,
    file: &'a ChecklistFile,
    evidence: &'a BTreeMap<String, Evidence>,
) -> Vec<ItemView<'a>> {
    list.items
        .iter()
        .map(|item| {
            let record = file.record(&list.name, &item.id);
            let ev = item.check.as_ref().and_then(|c| evidence.get(c));
            ItemView {
                item,
                record,
                evidence: ev,
                shown: Shown::of(record, ev),
            }
        })
        .collect()
}

/// (complete, total)
pub fn progress(views: &[ItemView]) -> (usize, usize) {
    (
        views.iter().filter(|v| v.shown.complete()).count(),
        views.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Checklist {
        toml::from_str(include_str!("../../assets/checklists/production.toml")).unwrap()
    }

    const STAMP: Stamp = Stamp {
        who: "ops",
        at: "2026-11-27T10:00:00Z",
    };

    #[test]
    fn check_na_note_reset_are_recorded_and_audited() {
        let l = list();
        let mut file = ChecklistFile::default();
        file.apply(&l, Some("backups"), &Change::Check, STAMP)
            .unwrap();
        file.apply(
            &l,
            Some("content-trust"),
            &Change::NotApplicable {
                reason: "no registry".into(),
            },
            STAMP,
        )
        .unwrap();
        file.apply(
            &l,
            Some("backups"),
            &Change::Note {
                text: "nightly to S3".into(),
            },
            STAMP,
        )
        .unwrap();
        let r = file.record("production", "backups").unwrap();
        assert_eq!(
            (r.state, r.note.as_deref(), r.by.as_str()),
            (Recorded::Done, Some("nightly to S3"), "ops")
        );
        assert_eq!(
            file.apply(
                &l,
                Some("https"),
                &Change::NotApplicable { reason: " ".into() },
                STAMP
            ),
            Err(ChangeError::MissingReason)
        );
        assert!(matches!(
            file.apply(&l, Some("nope"), &Change::Check, STAMP),
            Err(ChangeError::UnknownItem { .. })
        ));
        assert_eq!(file.audit.len(), 3);
        assert!(crate::triage::audit::verify(&file.audit).is_ok());
        file.apply(&l, None, &Change::Reset, STAMP).unwrap();
        assert!(file.record("production", "backups").is_none());
        assert_eq!(file.audit.len(), 5);
    }

    #[test]
    fn evidence_never_ticks_but_shows_failure() {
        let fail = Evidence::fail("3 open");
        let pass = Evidence::pass("none");
        let done = ItemRecord {
            state: Recorded::Done,
            ..ItemRecord::default()
        };
        assert_eq!(Shown::of(None, Some(&pass)), Shown::Todo);
        assert_eq!(Shown::of(None, Some(&fail)), Shown::Failing);
        assert_eq!(Shown::of(Some(&done), Some(&fail)), Shown::DoneButFailing);
        assert_eq!(Shown::of(Some(&done), None), Shown::Done);
    }
}
