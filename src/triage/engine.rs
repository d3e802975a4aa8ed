//! Changes to the decision file: deciding, reopening, notes, expiry, and the
//! reconciliation of a new scan against the previous one (docs/triage-model.md
//! b.4). Each change appends to the audit log.

use super::audit;
use super::decision::{Decision, Disposition, FindingLabel};
use super::file::{baseline_key, DecisionFile, Sighting};
use super::status::{lapsed, TriageView};
use crate::model::{Finding, Fingerprint};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Who and when, for audit entries.
#[derive(Clone, Copy, Debug)]
pub struct Stamp<'a> {
    pub who: &'a str,
    pub now: DateTime<Utc>,
}

impl Stamp<'_> {
    pub fn at(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Records a decision (replacing the one with the same selector); returns its key.
pub fn decide(file: &mut DecisionFile, mut decision: Decision, stamp: Stamp) -> String {
    decision.sanitize();
    let key = decision.selector.key();
    let label = decision
        .finding
        .as_ref()
        .map(FindingLabel::text)
        .or_else(|| {
            Some(format!(
                "rule {}",
                serde_json::to_string(&decision.selector).unwrap_or_default()
            ))
        });
    let from = file
        .decisions
        .get(&key)
        .map(Decision::describe)
        .unwrap_or_else(|| "open".into());
    let to = decision.describe();
    let reason = Some(decision.reason.clone());
    audit::seal(
        &mut file.audit,
        &mut decision,
        &stamp.at(),
        stamp.who,
        "decided",
        &key,
        label,
        Some(from),
        Some(to),
        reason,
    );
    file.decisions.insert(key.clone(), decision);
    key
}

/// One decision touched by one save: what it was before and what the save
/// left (`None`: no decision). Undo works from these, never from what a
/// screen last loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub key: String,
    pub before: Option<Decision>,
    pub after: Option<Decision>,
}

impl Change {
    /// What `key` was before `edit` ran on `file`, and what it left.
    pub fn around(
        file: &mut DecisionFile,
        keys: &[String],
        edit: impl FnOnce(&mut DecisionFile),
    ) -> Vec<Change> {
        let before: Vec<(String, Option<Decision>)> = keys
            .iter()
            .map(|k| (k.clone(), file.decisions.get(k).cloned()))
            .collect();
        edit(file);
        before
            .into_iter()
            .map(|(key, before)| {
                let after = file.decisions.get(&key).cloned();
                Change { key, before, after }
            })
            .filter(|c| c.before != c.after)
            .collect()
    }
}

/// Undoes `changes` only where every decision is still exactly what the
/// change left (its audit entry included): a decision another process, a
/// `git pull` or a merge recorded since is never overwritten. Returns how
/// many were put back, or, when any changed since, one description per
/// changed decision and no change at all.
pub fn undo(
    file: &mut DecisionFile,
    changes: &[Change],
    stamp: Stamp,
) -> Result<usize, Vec<String>> {
    put_back_all(file, changes, stamp, "undone", "undo of the last decision")
}

/// Makes again what an undo took back: `changes` are what the undo left
/// (`after`) and what it replaced (`before`), as `undo` takes them.
pub fn redo(
    file: &mut DecisionFile,
    changes: &[Change],
    stamp: Stamp,
) -> Result<usize, Vec<String>> {
    put_back_all(file, changes, stamp, "redone", "redo of an undone decision")
}

fn put_back_all(
    file: &mut DecisionFile,
    changes: &[Change],
    stamp: Stamp,
    action: &str,
    reason: &str,
) -> Result<usize, Vec<String>> {
    let changed_since: Vec<String> = changes
        .iter()
        .filter(|c| !same_record(file.decisions.get(&c.key), c.after.as_ref()))
        .map(|c| changed_since(file, c))
        .collect();
    if !changed_since.is_empty() {
        return Err(changed_since);
    }
    for change in changes {
        put_back(
            file,
            &change.key,
            change.before.clone(),
            stamp,
            action,
            reason,
        );
    }
    Ok(changes.len())
}

/// The same decision, whichever audit entry it is linked to: an undo puts
/// a record back under a new entry, and the change before it (the next
/// step back) still holds that record.
fn same_record(now: Option<&Decision>, then: Option<&Decision>) -> bool {
    match (now, then) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let unlinked = |d: &Decision| Decision {
                entry: None,
                ..d.clone()
            };
            unlinked(a) == unlinked(b)
        }
        _ => false,
    }
}

/// "…: now accepted until … by ops at …" from the decision and the audit log.
fn changed_since(file: &DecisionFile, change: &Change) -> String {
    let now = file.decisions.get(&change.key);
    let label = now
        .or(change.after.as_ref())
        .or(change.before.as_ref())
        .and_then(|d| d.finding.as_ref())
        .map(FindingLabel::text)
        .unwrap_or_else(|| change.key.clone());
    let last = file.audit.iter().rev().find(|e| e.target == change.key);
    let (who, at) = match (now, last) {
        (Some(d), _) => (d.decided_by.clone(), d.decided_at.clone()),
        (None, Some(e)) => (e.who.clone(), e.at.clone()),
        (None, None) => ("someone".to_string(), "an unknown time".to_string()),
    };
    let what = now.map_or_else(|| "open".to_string(), Decision::describe);
    format!("{label} is now {what} (by {who} at {at})")
}

/// Puts the decision under `key` back to `before`, with its own audit entry.
fn put_back(
    file: &mut DecisionFile,
    key: &str,
    before: Option<Decision>,
    stamp: Stamp,
    action: &str,
    reason: &str,
) {
    let now = file.decisions.get(key);
    let label = now
        .or(before.as_ref())
        .and_then(|d| d.finding.as_ref())
        .map(FindingLabel::text);
    let from = now.map_or_else(|| "open".to_string(), Decision::describe);
    match before {
        Some(mut decision) => {
            let to = decision.describe();
            audit::seal(
                &mut file.audit,
                &mut decision,
                &stamp.at(),
                stamp.who,
                action,
                key,
                label,
                Some(from),
                Some(to),
                Some(reason.into()),
            );
            file.decisions.insert(key.to_string(), decision);
        }
        None => {
            file.decisions.remove(key);
            audit::removed(
                &mut file.audit,
                &stamp.at(),
                stamp.who,
                action,
                key,
                label,
                Some(from),
                Some("open".into()),
                Some(reason.into()),
            );
        }
    }
}

/// Removes a decision; the finding is open again. Returns false when there was none.
pub fn reopen(file: &mut DecisionFile, key: &str, reason: &str, stamp: Stamp) -> bool {
    let Some(old) = file.decisions.remove(key) else {
        return false;
    };
    let label = old.finding.as_ref().map(FindingLabel::text);
    audit::removed(
        &mut file.audit,
        &stamp.at(),
        stamp.who,
        "reopened",
        key,
        label,
        Some(old.describe()),
        Some("open".into()),
        Some(reason.to_string()),
    );
    true
}

/// A note on a finding or rule: an audit entry only.
pub fn note(file: &mut DecisionFile, key: &str, label: Option<String>, text: &str, stamp: Stamp) {
    audit::append(
        &mut file.audit,
        &stamp.at(),
        stamp.who,
        "noted",
        key,
        label,
        None,
        None,
        Some(text.to_string()),
    );
}

/// The audit entries about one decision key, oldest first.
pub fn history<'a>(file: &'a DecisionFile, key: &str) -> Vec<&'a audit::AuditEntry> {
    file.audit.iter().filter(|e| e.target == key).collect()
}

/// Ends snoozes and acceptances whose time is up (or that waited for a fix
/// that is now known). An expired acceptance restarts the SLA clock from its
/// end. Returns one line per expired decision.
pub fn expire(file: &mut DecisionFile, findings: &[Finding], stamp: Stamp) -> Vec<String> {
    let mut expired: Vec<(String, Decision, Option<Fingerprint>)> = Vec::new();
    for (key, d) in &file.decisions {
        if !matches!(d.disposition, Disposition::Snoozed | Disposition::Accepted) {
            continue;
        }
        if d.expired(stamp.now) {
            expired.push((
                key.clone(),
                d.clone(),
                d.selector
                    .fingerprint
                    .as_deref()
                    .and_then(Fingerprint::parse),
            ));
        } else if d.until_fix {
            if let Some(f) = findings
                .iter()
                .find(|f| d.selector.matches(f) && lapsed(d, f, stamp.now))
            {
                expired.push((key.clone(), d.clone(), Some(f.fingerprint)));
            }
        }
    }
    let mut lines = Vec::new();
    for (key, d, fp) in expired {
        file.decisions.remove(&key);
        let why = if d.expired(stamp.now) {
            "its end date passed"
        } else {
            "a fix is now available"
        };
        let label = d.finding.as_ref().map(FindingLabel::text);
        audit::removed(
            &mut file.audit,
            &stamp.at(),
            "scandeck",
            "expired",
            &key,
            label.clone(),
            Some(d.describe()),
            Some("open".into()),
            Some(why.to_string()),
        );
        if d.disposition == Disposition::Accepted {
            if let Some(fp) = fp {
                // A finding without a line was first seen at its baseline:
                // the line it gets now leaves `first_seen` empty to say so.
                let s = file.sightings.entry(fp.to_string()).or_default();
                s.sla_start = Some(d.until.clone().unwrap_or_else(|| stamp.at()));
            }
        }
        lines.push(format!(
            "{} of {} expired: {why}; it is open again",
            d.disposition,
            label.unwrap_or(key)
        ));
    }
    lines
}

/// Decisions ending within `days`.
pub fn expiring_soon(
    file: &DecisionFile,
    now: DateTime<Utc>,
    days: i64,
) -> Vec<(&String, &Decision)> {
    file.decisions
        .iter()
        .filter(|(_, d)| {
            d.until_time().is_some_and(|t| {
                t > now
                    && chrono::TimeDelta::try_days(days)
                        .and_then(|d| now.checked_add_signed(d))
                        .is_none_or(|limit| t <= limit)
            })
        })
        .collect()
}

/// How a new scan differs from the previous scan of the same target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// New, and its package or version was not in the previous scan: the image changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_image_changed: Vec<String>,
    /// New although the same package and version were already there: newly reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_reported: Vec<String>,
    #[serde(default)]
    pub unchanged: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regressed: Vec<String>,
    /// Gone while claimed fixed: the claim is verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_verified: Vec<String>,
    /// Gone under a suppression or acceptance: kept for if it returns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dormant: Vec<String>,
}

impl Changes {
    pub fn summary(&self) -> String {
        format!(
            "{} new ({} image changed, {} newly reported), {} unchanged, {} gone ({} fixed verified, {} dormant), {} regressed",
            self.new_image_changed.len() + self.new_reported.len(),
            self.new_image_changed.len(),
            self.new_reported.len(),
            self.unchanged,
            self.gone.len(),
            self.fixed_verified.len(),
            self.dormant.len(),
            self.regressed.len()
        )
    }

    /// The change a fingerprint took part in, if any.
    pub fn of(&self, fp: &str) -> Option<&'static str> {
        let has = |v: &Vec<String>| v.iter().any(|x| x == fp);
        if has(&self.regressed) {
            Some("regressed")
        } else if has(&self.new_image_changed) {
            Some("new (image changed)")
        } else if has(&self.new_reported) {
            Some("new (newly reported)")
        } else if has(&self.gone) {
            Some("gone")
        } else {
            None
        }
    }
}

/// Updates sightings for a new scan of one target and classifies what
/// changed since `previous` (the previous scan's findings, when there was one).
///
/// A subject's first scan sets its baseline and writes no line per finding:
/// they were all first seen then. Later findings get a line of their own;
/// `known` says whether a finding without a line is in a current scan
/// already (and so was first seen at its subject's baseline).
/// What the scan a new one replaces reported, as far as reconciling needs
/// it: its fingerprints and packages, and only those findings the new scan
/// no longer reports, so that a rescan of a million findings does not hold
/// the previous million as well.
#[derive(Debug, Default)]
pub struct PreviousScan {
    pub fingerprints: HashSet<Fingerprint>,
    /// Package (lower case) and installed version of each finding about a package.
    pub packages: HashSet<(String, Option<String>)>,
    /// Its findings that `reported_now` did not hold, by their place in its report.
    gone: Vec<(u64, Finding)>,
}

impl PreviousScan {
    /// Adds the finding at `place` in the previous report.
    pub fn add(&mut self, place: u64, f: Finding, reported_now: &HashSet<Fingerprint>) {
        self.fingerprints.insert(f.fingerprint);
        if let Some(p) = f.package_name() {
            let key = (
                p.to_ascii_lowercase(),
                f.installed_version().map(str::to_string),
            );
            if !self.packages.contains(&key) {
                self.packages.insert(key);
            }
        }
        if !reported_now.contains(&f.fingerprint) {
            self.gone.push((place, f));
        }
    }

    /// Puts the findings no longer reported in their report's order, once all were added.
    pub fn finish(mut self) -> PreviousScan {
        self.gone.sort_by_key(|(place, _)| *place);
        self
    }

    /// The findings no longer reported, in their previous report's order.
    pub fn gone(&self) -> impl Iterator<Item = &Finding> {
        self.gone.iter().map(|(_, f)| f)
    }

    /// The summary of `previous` for a scan that reports `now`.
    pub fn of(previous: Vec<Finding>, now: &[Finding]) -> PreviousScan {
        let reported_now = now.iter().map(|f| f.fingerprint).collect();
        let mut scan = PreviousScan::default();
        for (place, f) in previous.into_iter().enumerate() {
            scan.add(place as u64, f, &reported_now);
        }
        scan.finish()
    }
}

pub fn reconcile(
    file: &mut DecisionFile,
    new: &[Finding],
    previous: Option<&PreviousScan>,
    known: &mut dyn FnMut(&Fingerprint) -> bool,
    stamp: Stamp,
) -> Changes {
    let view = TriageView::for_findings(file, new);
    let at = stamp.at();
    let mut changes = Changes::default();
    let mut fresh_baselines: HashSet<String> = HashSet::new();
    let new_fps: HashSet<Fingerprint> = new.iter().map(|f| f.fingerprint).collect();
    let nothing_before = PreviousScan::default();
    let before = previous.unwrap_or(&nothing_before);
    let previous_packages = &before.packages;
    let previous_fps = &before.fingerprints;
    for f in new {
        let key = f.fingerprint.to_string();
        let decision = view.decision_for(f).cloned();
        let subject = baseline_key(&f.subject);
        let baseline_now = match file.baselines.get(subject.as_ref()) {
            None => {
                file.baselines.insert(subject.to_string(), at.clone());
                fresh_baselines.insert(subject.to_string());
                true
            }
            Some(_) => fresh_baselines.contains(subject.as_ref()),
        };
        let unlined_but_known = !file.sightings.contains_key(&key) && !baseline_now && {
            previous_fps.contains(&f.fingerprint) || known(&f.fingerprint)
        };
        if unlined_but_known {
            if previous_fps.contains(&f.fingerprint) || previous.is_none() {
                changes.unchanged += 1;
            } else {
                changes.new_reported.push(key);
            }
            continue;
        }
        match file.sightings.get_mut(&key) {
            None => {
                if !baseline_now {
                    file.sightings.insert(
                        key.clone(),
                        Sighting {
                            first_seen: at.clone(),
                            last_seen: at.clone(),
                            ..Sighting::default()
                        },
                    );
                }
                let same_package = f.package_name().is_some_and(|p| {
                    previous_packages.contains(&(
                        p.to_ascii_lowercase(),
                        f.installed_version().map(str::to_string),
                    ))
                });
                if previous.is_some() && !same_package {
                    changes.new_image_changed.push(key);
                } else {
                    changes.new_reported.push(key);
                }
            }
            Some(s) if s.gone_since.is_some() => {
                s.gone_since = None;
                s.label = None;
                s.last_seen = at.clone();
                match decision {
                    Some((_, d)) if d.disposition.suppresses() => changes.unchanged += 1,
                    other => {
                        s.regressed_at = Some(at.clone());
                        s.sla_start = Some(at.clone());
                        changes.regressed.push(key.clone());
                        let label = Some(FindingLabel::of(f).text());
                        audit::append(
                            &mut file.audit,
                            &at,
                            "scandeck",
                            "regressed",
                            &format!("finding:{key}"),
                            label,
                            Some("fixed".into()),
                            Some("open".into()),
                            Some("reported again after it was gone".into()),
                        );
                        if let Some((dkey, d)) =
                            other.filter(|(_, d)| d.disposition == Disposition::Fixed)
                        {
                            let _ = d;
                            reopen(
                                file,
                                &dkey,
                                "the fixed finding is reported again",
                                Stamp {
                                    who: "scandeck",
                                    now: stamp.now,
                                },
                            );
                        }
                    }
                }
            }
            Some(_) => {
                if previous_fps.contains(&f.fingerprint) || previous.is_none() {
                    changes.unchanged += 1;
                } else {
                    changes.new_reported.push(key);
                }
            }
        }
    }
    for f in before.gone() {
        if new_fps.contains(&f.fingerprint) {
            continue;
        }
        let key = f.fingerprint.to_string();
        if !file.sightings.contains_key(&key) {
            // First seen at its subject's baseline: it needs a line now.
            let subject = baseline_key(&f.subject);
            let Some(baseline) = file.baselines.get(subject.as_ref()) else {
                continue;
            };
            let first_seen = baseline.clone();
            file.sightings.insert(
                key.clone(),
                Sighting {
                    first_seen,
                    ..Sighting::default()
                },
            );
        }
        let Some(s) = file.sightings.get_mut(&key) else {
            continue;
        };
        if s.gone_since.is_some() {
            continue;
        }
        s.gone_since = Some(at.clone());
        s.last_seen = at.clone();
        s.label = Some(FindingLabel::of(f));
        changes.gone.push(key.clone());
        match view
            .decision_for(f)
            .map(|(k, d)| (k.clone(), d.disposition))
        {
            Some((dkey, Disposition::Fixed)) => {
                changes.fixed_verified.push(key.clone());
                audit::append(
                    &mut file.audit,
                    &at,
                    "scandeck",
                    "fixed_verified",
                    &dkey,
                    Some(FindingLabel::of(f).text()),
                    Some("fixed (claimed)".into()),
                    Some("fixed (verified by scan)".into()),
                    None,
                );
            }
            Some((_, d)) if d.suppresses() => changes.dormant.push(key.clone()),
            _ => {}
        }
    }
    changes
}

/// Sighting data for display: first sightings by fingerprint.
pub fn first_seen_map(file: &DecisionFile) -> HashMap<String, String> {
    file.sightings
        .iter()
        .map(|(k, s)| (k.clone(), s.first_seen.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_previous_scan_keeps_only_what_is_gone_in_report_order() {
        let redactor = crate::model::Redactor::with_key([3; 32]);
        let findings = crate::demo::parsed_findings(&redactor);
        let with_package = findings.iter().filter(|f| f.package.is_some()).count();
        assert!(findings.len() > 10 && with_package > 0);
        // The new scan still reports every other finding.
        let now: Vec<Finding> = findings.iter().step_by(2).cloned().collect();
        let reported_now: HashSet<Fingerprint> = now.iter().map(|f| f.fingerprint).collect();
        let mut scan = PreviousScan::default();
        // Rows come from the store in key order, not report order.
        for (place, f) in findings.iter().cloned().enumerate().rev() {
            scan.add(place as u64, f, &reported_now);
        }
        let scan = scan.finish();
        let expected: Vec<Fingerprint> = findings
            .iter()
            .map(|f| f.fingerprint)
            .filter(|fp| !reported_now.contains(fp))
            .collect();
        let gone: Vec<Fingerprint> = scan.gone().map(|f| f.fingerprint).collect();
        assert_eq!(gone, expected);
        let whole = PreviousScan::of(findings.clone(), &now);
        assert_eq!(whole.gone().count(), expected.len());
        assert_eq!(whole.fingerprints.len(), scan.fingerprints.len());
        assert!(scan
            .packages
            .iter()
            .all(|(name, _)| *name == name.to_ascii_lowercase()));
    }
}
