//! Merging the two sides of a committed document (`decisions.json`,
//! `checklist.json`) when two branches or clones both changed it: git's
//! merge driver (`scandeck merge-driver`) and `scandeck triage resolve`
//! run this same merge (docs/git.md).
//!
//! The merge keeps every audit entry of both sides, unchanged, so that each
//! still vouches for what its side wrote; a `merged` entry follows both
//! heads (its `prev` is ours, its `merged` theirs), joining the two chains.
//! Every record changed on one side only is that side's; a record changed
//! on both sides keeps the later change, and a second `merged` entry for
//! it names both (the loser stays in the log as it was written).

use super::document::{parse, Document, Parsed};
use crate::triage::audit::{self, AuditEntry};
use std::collections::{BTreeMap, HashSet};

/// What a merge did, for one line to the user.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Entries only our side had.
    pub ours: usize,
    /// Entries only their side had (now in the merged log).
    pub theirs: usize,
    /// Records changed on both sides: the target and who won, in words.
    pub both: Vec<String>,
}

impl Summary {
    pub fn describe(&self, what: &str) -> String {
        if self.theirs == 0 {
            return format!("{what}: the other side adds nothing");
        }
        if self.ours == 0 {
            return format!(
                "{what}: took the other side's {} new audit entr{}",
                self.theirs,
                plural_y(self.theirs)
            );
        }
        let mut s = format!(
            "{what}: joined {} audit entr{} of ours and {} of theirs",
            self.ours,
            plural_y(self.ours),
            self.theirs
        );
        if !self.both.is_empty() {
            s.push_str(&format!(
                "; {} changed on both sides, the later kept: {}",
                self.both.len(),
                self.both.join("; ")
            ));
        }
        s
    }
}

fn plural_y(n: usize) -> &'static str {
    if n == 1 {
        "y"
    } else {
        "ies"
    }
}

/// The target of each record-changing entry among `entries`, with the last
/// such entry.
fn last_changes<'a>(
    entries: impl Iterator<Item = &'a AuditEntry>,
) -> BTreeMap<&'a str, &'a AuditEntry> {
    let mut last = BTreeMap::new();
    for e in entries {
        if e.record.is_some() {
            last.insert(e.target.as_str(), e);
        }
    }
    last
}

/// `a` happened after `b` (entry times are RFC 3339; text order when either
/// is not).
fn later(a: &AuditEntry, b: &AuditEntry) -> bool {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    match (parse(&a.at), parse(&b.at)) {
        (Some(x), Some(y)) => x > y,
        _ => a.at > b.at,
    }
}

/// Merges `theirs` into `ours`; `at` and `who` stamp the entries the merge
/// adds.
pub fn merge<D: Document>(ours: D, theirs: &D, at: &str, who: &str) -> (D, Summary) {
    let ours_hashes: HashSet<&str> = ours.audit_log().iter().map(|e| e.hash.as_str()).collect();
    let theirs_hashes: HashSet<&str> = theirs.audit_log().iter().map(|e| e.hash.as_str()).collect();
    let theirs_new: Vec<AuditEntry> = theirs
        .audit_log()
        .iter()
        .filter(|e| !ours_hashes.contains(e.hash.as_str()))
        .cloned()
        .collect();
    let ours_new: Vec<&AuditEntry> = ours
        .audit_log()
        .iter()
        .filter(|e| !theirs_hashes.contains(e.hash.as_str()))
        .collect();
    let mut summary = Summary {
        ours: ours_new.len(),
        theirs: theirs_new.len(),
        both: Vec::new(),
    };
    if theirs_new.is_empty() {
        let mut file = ours;
        file.merge_unaudited(theirs);
        return (file, summary);
    }
    if ours_new.is_empty() {
        // Ours is a part of theirs: theirs as it is, in its own order.
        summary.ours = 0;
        let mut file = theirs.clone();
        file.merge_unaudited(&ours);
        return (file, summary);
    }
    let ours_changes: BTreeMap<String, AuditEntry> = last_changes(ours_new.iter().copied())
        .into_iter()
        .map(|(t, e)| (t.to_string(), e.clone()))
        .collect();
    let theirs_changes = last_changes(theirs_new.iter());
    let ours_head = audit::head(ours.audit_log()).hash;
    let theirs_head = audit::head(theirs.audit_log()).hash;
    let mut file = ours;
    file.merge_unaudited(theirs);
    file.audit_log_mut().extend(theirs_new.iter().cloned());
    audit::join(
        file.audit_log_mut(),
        at,
        who,
        &ours_head,
        &theirs_head,
        format!(
            "git merge: {} entr{} of ours and {} of theirs",
            summary.ours,
            plural_y(summary.ours),
            summary.theirs
        ),
    );
    for (target, theirs_entry) in &theirs_changes {
        let Some(ours_entry) = ours_changes.get(*target) else {
            file.set_record_at(target, theirs.record_at(target));
            continue;
        };
        let theirs_won = later(theirs_entry, ours_entry);
        let (winner, loser) = if theirs_won {
            (*theirs_entry, ours_entry)
        } else {
            (ours_entry, *theirs_entry)
        };
        let record = if theirs_won {
            theirs.record_at(target)
        } else {
            file.record_at(target)
        };
        let state = |e: &AuditEntry| e.to.clone().unwrap_or_else(|| e.action.clone());
        let reason = format!(
            "changed on both sides of a merge: kept the later, {} by {} at {}; the other was {} by {} at {}",
            state(winner),
            winner.who,
            winner.at,
            state(loser),
            loser.who,
            loser.at
        );
        summary.both.push(format!(
            "{target} ({} by {})",
            state(winner),
            crate::triage::actor::short_name(&winner.who)
        ));
        let log = file.audit_log_mut();
        match record {
            Some(mut record) => {
                let to = Some(D::describe_record(&record));
                audit::seal(
                    log,
                    &mut record,
                    at,
                    who,
                    "merged",
                    target,
                    None,
                    Some(state(loser)),
                    to,
                    Some(reason),
                );
                file.set_record_at(target, Some(record));
            }
            None => {
                audit::removed(
                    log,
                    at,
                    who,
                    "merged",
                    target,
                    None,
                    Some(state(loser)),
                    Some(state(winner)),
                    Some(reason),
                );
                file.set_record_at(target, None);
            }
        }
    }
    (file, summary)
}

/// The two sides of a text with git conflict markers (`<<<<<<<`, an
/// optional `|||||||` base, `=======`, `>>>>>>>`): ours and theirs, each
/// with the lines both share. `None` when there are no markers.
pub fn sides_of_conflict(text: &str) -> Option<(String, String)> {
    #[derive(PartialEq)]
    enum In {
        Both,
        Ours,
        Base,
        Theirs,
    }
    let mut state = In::Both;
    let mut found = false;
    let (mut ours, mut theirs) = (String::new(), String::new());
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let marker = |m: &str| bare == m || bare.starts_with(&format!("{m} "));
        if state == In::Both && marker("<<<<<<<") {
            state = In::Ours;
            found = true;
        } else if state == In::Ours && marker("|||||||") {
            state = In::Base;
        } else if (state == In::Ours || state == In::Base) && bare == "=======" {
            state = In::Theirs;
        } else if state == In::Theirs && marker(">>>>>>>") {
            state = In::Both;
        } else {
            match state {
                In::Both => {
                    ours.push_str(line);
                    theirs.push_str(line);
                }
                In::Ours => ours.push_str(line),
                In::Base => {}
                In::Theirs => theirs.push_str(line),
            }
        }
    }
    (found && state == In::Both).then_some((ours, theirs))
}

/// Reads one side of a merge: a whole document of the layout this
/// scandeck writes.
pub fn read_side<D: Document>(bytes: &[u8], side: &str) -> Result<D, String> {
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: u32,
    }
    let version = serde_json::from_slice::<Version>(bytes)
        .map_err(|e| format!("{side} side is not readable JSON ({e})"))?
        .schema_version;
    if version != D::SCHEMA_VERSION {
        return Err(format!(
            "{side} side is schema {version} and this scandeck writes {}: run any scandeck command on that branch to upgrade it first",
            D::SCHEMA_VERSION
        ));
    }
    match parse::<D>(bytes) {
        Parsed::Current(file) => Ok(file),
        Parsed::Future(v) => Err(format!(
            "{side} side is schema {v}, newer than this scandeck"
        )),
        Parsed::Broken(e) => Err(format!(
            "{side} side cannot be read ({})",
            crate::sanitize::sanitize_line(&e)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::decisions::DecisionFile;
    use crate::triage::decision::{Decision, Disposition};
    use crate::triage::engine::{decide, reopen, Stamp};

    fn stamp(at: &str) -> Stamp<'static> {
        Stamp {
            who: "me",
            now: chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&chrono::Utc),
        }
    }

    fn decision(fp: &str, disposition: Disposition, reason: &str) -> Decision {
        Decision::on_fingerprint(fp, disposition, reason)
    }

    fn verified(file: &DecisionFile) -> Result<usize, String> {
        let records = file.record_states();
        let head = audit::head(&file.audit);
        audit::verify_all(&audit::Evidence {
            log: &file.audit,
            head: Some(&head),
            records: &records,
            witness: &[],
        })
    }

    fn branches() -> (DecisionFile, DecisionFile) {
        let mut base = DecisionFile::default();
        decide(
            &mut base,
            decision("aa", Disposition::FalsePositive, "base"),
            stamp("2026-01-01T00:00:00Z"),
        );
        let mut ours = base.clone();
        let mut theirs = base;
        decide(
            &mut ours,
            decision("bb", Disposition::FalsePositive, "ours"),
            stamp("2026-01-02T00:00:00Z"),
        );
        decide(
            &mut ours,
            decision("cc", Disposition::FalsePositive, "ours, earlier"),
            stamp("2026-01-02T00:00:00Z"),
        );
        decide(
            &mut theirs,
            decision("dd", Disposition::FalsePositive, "theirs"),
            stamp("2026-01-03T00:00:00Z"),
        );
        decide(
            &mut theirs,
            decision("cc", Disposition::FalsePositive, "theirs, later"),
            stamp("2026-01-03T00:00:00Z"),
        );
        reopen(
            &mut theirs,
            "finding:aa",
            "theirs reopens",
            stamp("2026-01-03T00:00:00Z"),
        );
        (ours, theirs)
    }

    #[test]
    fn a_merge_keeps_both_sides_and_verifies() {
        let (ours, theirs) = branches();
        let (merged, summary) = merge(ours.clone(), &theirs, "2026-01-04T00:00:00Z", "merger");
        assert_eq!(verified(&merged), Ok(merged.audit.len()));
        let keys: Vec<&str> = merged.decisions.keys().map(String::as_str).collect();
        assert_eq!(keys, ["finding:bb", "finding:cc", "finding:dd"]);
        assert_eq!(merged.decisions["finding:cc"].reason, "theirs, later");
        assert_eq!(summary.both.len(), 1);
        // Every entry of both sides is there, unchanged.
        for e in ours.audit.iter().chain(&theirs.audit) {
            assert!(merged.audit.contains(e));
        }
        // Merged the other way round: the same decisions.
        let (other, _) = merge(theirs, &ours, "2026-01-04T00:00:00Z", "merger");
        assert_eq!(verified(&other), Ok(other.audit.len()));
        let strip = |f: &DecisionFile| -> Vec<(String, String)> {
            f.decisions
                .iter()
                .map(|(k, d)| (k.clone(), d.reason.clone()))
                .collect()
        };
        assert_eq!(strip(&other), strip(&merged));
    }

    #[test]
    fn tampering_on_either_side_is_still_caught_after_a_merge() {
        let (ours, theirs) = branches();
        let (merged, _) = merge(ours, &theirs, "2026-01-04T00:00:00Z", "merger");
        for i in 0..merged.audit.len() {
            let mut edited = merged.clone();
            edited.audit[i].reason = Some("edited".into());
            assert!(verified(&edited).is_err(), "edit of entry {i}");
            let mut cut = merged.clone();
            cut.audit.remove(i);
            assert!(verified(&cut).is_err(), "removal of entry {i}");
        }
        let mut changed = merged.clone();
        changed
            .decisions
            .get_mut("finding:dd")
            .unwrap()
            .reason
            .push('!');
        assert!(verified(&changed).is_err());
    }

    #[test]
    fn a_later_merge_after_an_earlier_one_still_verifies() {
        let (ours, theirs) = branches();
        let (mut a, _) = merge(ours, &theirs, "2026-01-04T00:00:00Z", "a");
        let mut b = theirs.clone();
        let (b_merged, _) = merge(b.clone(), &a, "2026-01-04T00:00:00Z", "b");
        b = b_merged;
        decide(
            &mut a,
            decision("ee", Disposition::FalsePositive, "a again"),
            stamp("2026-01-05T00:00:00Z"),
        );
        decide(
            &mut b,
            decision("ff", Disposition::FalsePositive, "b again"),
            stamp("2026-01-05T00:00:00Z"),
        );
        let (c, _) = merge(a, &b, "2026-01-06T00:00:00Z", "c");
        assert_eq!(verified(&c), Ok(c.audit.len()));
        assert!(c.decisions.contains_key("finding:ee") && c.decisions.contains_key("finding:ff"));
    }

    #[test]
    fn conflict_markers_give_both_sides() {
        let text = "a\n<<<<<<< HEAD\nours\n||||||| base\nold\n=======\ntheirs\n>>>>>>> topic\nz\n";
        assert_eq!(
            sides_of_conflict(text),
            Some(("a\nours\nz\n".into(), "a\ntheirs\nz\n".into()))
        );
        assert_eq!(sides_of_conflict("a\n=======\nb\n"), None);
        assert_eq!(sides_of_conflict("<<<<<<< HEAD\nx\n"), None, "unterminated");
    }
}
