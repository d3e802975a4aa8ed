//! The status a user sees and filters on (docs/triage-model.md b.2), computed
//! from what the scanners report, the decisions and the sightings.

use super::decision::{Decision, Disposition};
use super::file::{baseline_key, DecisionFile, Sighting};
use super::SlaPolicy;
use crate::fasthash::FxHashMap;
use crate::model::{Finding, Fingerprint};
use chrono::{DateTime, Utc};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Open,
    Overdue,
    Snoozed,
    Accepted,
    Suppressed,
    FixPending,
    Fixed,
    Regressed,
    Dormant,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Open,
        Status::Overdue,
        Status::Snoozed,
        Status::Accepted,
        Status::Suppressed,
        Status::FixPending,
        Status::Fixed,
        Status::Regressed,
        Status::Dormant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Overdue => "overdue",
            Status::Snoozed => "snoozed",
            Status::Accepted => "accepted",
            Status::Suppressed => "suppressed",
            Status::FixPending => "fix-pending",
            Status::Fixed => "fixed",
            Status::Regressed => "regressed",
            Status::Dormant => "dormant",
        }
    }

    pub fn parse_user(word: &str) -> Option<Status> {
        let w = word.trim().to_ascii_lowercase().replace('_', "-");
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == w)
            .or(match w.as_str() {
                "pending" | "fix-pending-verification" => Some(Status::FixPending),
                "false-positive" | "not-affected" => Some(Status::Suppressed),
                _ => None,
            })
    }

    /// `open` in a filter also matches overdue and regressed findings: they are open too.
    pub fn matches(self, wanted: Status) -> bool {
        self == wanted
            || (wanted == Status::Open && matches!(self, Status::Overdue | Status::Regressed))
    }

    /// Needs someone's work: nobody has decided about it, or a decision ran
    /// out (open, overdue, regressed). The one rule behind the gate's
    /// unassessed findings, the plan, `scan --fail-on` and export summaries.
    pub fn needs_work(self) -> bool {
        matches!(self, Status::Open | Status::Overdue | Status::Regressed)
    }

    /// Counts against the SLA (accepted and suppressed findings do not; snoozed ones do).
    pub fn in_breach_counts(self) -> bool {
        matches!(
            self,
            Status::Open
                | Status::Overdue
                | Status::Regressed
                | Status::Snoozed
                | Status::FixPending
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status and SLA of one finding at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub status: Status,
    pub first_seen: Option<DateTime<Utc>>,
    pub sla_due: Option<DateTime<Utc>>,
    /// The key of the decision that applies, if any.
    pub decision: Option<String>,
}

impl Assessment {
    /// Calendar days (UTC) from today to the due day, as a person counts
    /// them: 0 is "due today", -1 "1 day overdue", 1 "1 day left".
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<i64> {
        self.sla_due.map(|due| calendar_days_between(now, due))
    }

    /// Past its due day (found today with a same-day SLA is due today, not overdue).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.days_left(now).is_some_and(|d| d < 0)
    }
}

/// Whole calendar days (UTC) from `from`'s day to `to`'s day.
pub fn calendar_days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to.date_naive() - from.date_naive()).num_days()
}

/// "due today", "3 days left", "1 day overdue".
pub fn due_phrase(days_left: i64) -> String {
    let plural = |n: i64| if n == 1 { "" } else { "s" };
    match days_left {
        0 => "due today".to_string(),
        n if n > 0 => format!("{n} day{} left", plural(n)),
        n => {
            let n = n.unsigned_abs() as i64;
            format!("{n} day{} overdue", plural(n))
        }
    }
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Decisions and sightings arranged for fast lookups by finding.
#[derive(Default)]
pub struct TriageView {
    by_fingerprint: FxHashMap<Fingerprint, (String, Decision)>,
    /// Per-finding decisions by id, for findings whose fingerprint changed with their aliases.
    by_id: FxHashMap<String, Vec<(String, Decision)>>,
    rules: Vec<(String, Decision)>,
    sightings: FxHashMap<Fingerprint, SightingTimes>,
    /// First scan of each subject: the first sighting of findings without a line.
    baselines: FxHashMap<String, Option<DateTime<Utc>>>,
}

#[derive(Clone, Copy, Default)]
struct SightingTimes {
    first_seen: Option<DateTime<Utc>>,
    sla_start: Option<DateTime<Utc>>,
    regressed: bool,
}

impl TriageView {
    pub fn new(file: &DecisionFile) -> TriageView {
        let mut view = TriageView::default();
        for (key, d) in &file.decisions {
            match d
                .selector
                .fingerprint
                .as_deref()
                .and_then(Fingerprint::parse)
            {
                Some(fp) => {
                    view.by_fingerprint.insert(fp, (key.clone(), d.clone()));
                    for id in &d.selector.ids {
                        view.by_id
                            .entry(id.to_ascii_uppercase())
                            .or_default()
                            .push((key.clone(), d.clone()));
                    }
                }
                None => view.rules.push((key.clone(), d.clone())),
            }
        }
        view.rules
            .sort_by(|a, b| b.1.decided_at.cmp(&a.1.decided_at));
        for (subject, at) in &file.baselines {
            view.baselines.insert(subject.clone(), time(at));
        }
        // One import writes the same time text for all its findings: parse each text once.
        let mut parsed: FxHashMap<&str, Option<DateTime<Utc>>> = FxHashMap::default();
        for (fp, s) in &file.sightings {
            let Some(fp) = Fingerprint::parse(fp) else {
                continue;
            };
            let first_seen = *parsed
                .entry(s.first_seen.as_str())
                .or_insert_with(|| time(&s.first_seen));
            let sla_start = s
                .sla_start
                .as_deref()
                .and_then(|t| *parsed.entry(t).or_insert_with(|| time(t)));
            view.sightings.insert(
                fp,
                SightingTimes {
                    first_seen,
                    sla_start,
                    regressed: s.regressed_at.is_some(),
                },
            );
        }
        view
    }

    /// The view for assessing `present`, the findings reported now: a
    /// decision whose own finding is among them covers that finding only,
    /// never another one by its ids (the alias fallback is for a finding
    /// whose fingerprint changed, so its old one is no longer reported).
    pub fn for_findings(file: &DecisionFile, present: &[Finding]) -> TriageView {
        let mut view = TriageView::new(file);
        // Only the fingerprints of decisions by id matter: look those up in
        // one pass instead of hashing every present finding.
        let asked: crate::fasthash::FxHashSet<Fingerprint> = view
            .by_id
            .values()
            .flatten()
            .filter_map(|(_, d)| d.selector.fingerprint.as_deref())
            .filter_map(Fingerprint::parse)
            .collect();
        let reported: crate::fasthash::FxHashSet<Fingerprint> = if asked.is_empty() {
            Default::default()
        } else {
            present
                .iter()
                .map(|f| f.fingerprint)
                .filter(|fp| asked.contains(fp))
                .collect()
        };
        for candidates in view.by_id.values_mut() {
            candidates.retain(|(_, d)| {
                d.selector
                    .fingerprint
                    .as_deref()
                    .and_then(Fingerprint::parse)
                    .is_none_or(|fp| !reported.contains(&fp))
            });
        }
        view.by_id.retain(|_, candidates| !candidates.is_empty());
        view
    }

    /// The decision that applies to `f`: its own, else the newest matching rule.
    pub fn decision_for(&self, f: &Finding) -> Option<&(String, Decision)> {
        if let Some(d) = self.by_fingerprint.get(&f.fingerprint) {
            return Some(d);
        }
        let ids = std::iter::once(&f.id).chain(f.aliases.iter());
        for id in ids.filter(|_| !self.by_id.is_empty()) {
            if let Some(candidates) = self.by_id.get(&id.to_ascii_uppercase()) {
                if let Some(d) = candidates.iter().find(|(_, d)| d.selector.matches(f)) {
                    return Some(d);
                }
            }
        }
        self.rules.iter().find(|(_, d)| d.selector.matches(f))
    }

    /// When `f` was first seen: its own line, else its subject's baseline.
    pub fn first_seen_of(&self, f: &Finding) -> Option<DateTime<Utc>> {
        self.sightings
            .get(&f.fingerprint)
            .and_then(|s| s.first_seen)
            .or_else(|| self.baseline(&f.subject))
    }

    fn baseline(&self, subject: &str) -> Option<DateTime<Utc>> {
        self.baselines
            .get(baseline_key(subject).as_ref())
            .copied()
            .flatten()
    }

    /// The status of a finding the latest scans report.
    pub fn assess(&self, f: &Finding, now: DateTime<Utc>, policy: &SlaPolicy) -> Assessment {
        let sighting = self
            .sightings
            .get(&f.fingerprint)
            .copied()
            .unwrap_or_default();
        let first_seen = sighting.first_seen.or_else(|| self.baseline(&f.subject));
        let sla_start = sighting.sla_start.or(first_seen);
        let sla_due = sla_start.and_then(|t| policy.due(f.severity, t));
        let decision = self.decision_for(f).filter(|(_, d)| !lapsed(d, f, now));
        let overdue = sla_due.is_some_and(|due| calendar_days_between(now, due) < 0);
        let status = match decision.map(|(_, d)| d.disposition) {
            Some(Disposition::Fixed) => Status::FixPending,
            Some(Disposition::Snoozed) => Status::Snoozed,
            Some(Disposition::Accepted) => Status::Accepted,
            Some(Disposition::FalsePositive | Disposition::NotAffected) => Status::Suppressed,
            None if f.suppressed_by_tool => Status::Suppressed,
            None if sighting.regressed => Status::Regressed,
            None if overdue => Status::Overdue,
            None => Status::Open,
        };
        Assessment {
            status,
            first_seen,
            sla_due,
            decision: decision.map(|(k, _)| k.clone()),
        }
    }

    /// The status of a finding no longer reported: fixed, or dormant under a decision.
    pub fn assess_gone(&self, f: &Finding) -> Assessment {
        let first_seen = self.first_seen_of(f);
        let decision = self.decision_for(f);
        let status = match decision.map(|(_, d)| d.disposition) {
            Some(d) if d.suppresses() => Status::Dormant,
            _ => Status::Fixed,
        };
        Assessment {
            status,
            first_seen,
            sla_due: None,
            decision: decision.map(|(k, _)| k.clone()),
        }
    }
}

/// A snooze or acceptance that no longer holds: its end passed, or it waited
/// for a fix and one is now known.
pub fn lapsed(d: &Decision, f: &Finding, now: DateTime<Utc>) -> bool {
    matches!(d.disposition, Disposition::Snoozed | Disposition::Accepted)
        && (d.expired(now) || (d.until_fix && f.has_fix()))
}

/// Status without any decisions (used where no workspace is involved).
pub fn assess(
    finding: &Finding,
    first_seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Assessment {
    let sla_due = first_seen.and_then(|t| policy.due(finding.severity, t));
    let status = if finding.suppressed_by_tool {
        Status::Suppressed
    } else if sla_due.is_some_and(|due| calendar_days_between(now, due) < 0) {
        Status::Overdue
    } else {
        Status::Open
    };
    Assessment {
        status,
        first_seen,
        sla_due,
        decision: None,
    }
}

/// Sightings for the tests and for display of gone findings.
pub fn sighting_is_gone(s: &Sighting) -> bool {
    s.gone_since.is_some()
}

/// A finding that is no longer reported, rebuilt from its sighting label.
pub fn gone_finding(
    fingerprint: Fingerprint,
    label: &crate::triage::decision::FindingLabel,
    since: &str,
) -> Finding {
    use crate::model::{Details, Package, SourceInfo};
    use std::sync::Arc;
    let source = Arc::new(SourceInfo {
        scanner: "scandeck".into(),
        version: None,
        report: format!("no longer reported since {since}"),
    });
    let target: Arc<str> = Arc::from(label.target.as_str());
    let mut f = crate::ingest::blank_finding(label.kind, label.id.clone(), &source, &target);
    f.severity = label.severity;
    f.details = Arc::new(Details {
        title: Some(format!("no longer reported since {since}")),
        ..Details::default()
    });
    f.package = label.package.as_ref().map(|name| Package {
        name: name.clone(),
        ..Package::default()
    });
    f.fingerprint = fingerprint;
    f
}

/// Appends the findings that are gone (fixed or dormant) from their
/// sightings, so that every status can be listed; returns how many are present.
/// Rows that share a fingerprint are merged first: one finding, every source.
pub fn append_gone(findings: &mut Vec<Finding>, triage: &DecisionFile) -> usize {
    crate::model::finding::merge_sources(findings);
    let present_count = findings.len();
    let present: std::collections::HashSet<Fingerprint> =
        findings.iter().map(|f| f.fingerprint).collect();
    for (fp, s) in &triage.sightings {
        let (Some(since), Some(label)) = (&s.gone_since, &s.label) else {
            continue;
        };
        let Some(fp) = Fingerprint::parse(fp) else {
            continue;
        };
        if !present.contains(&fp) {
            findings.push(gone_finding(fp, label, since));
        }
    }
    present_count
}

/// Assesses findings of which the first `present` are reported and the rest gone.
pub fn assess_findings(
    findings: &[Finding],
    present: usize,
    view: &TriageView,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Vec<Assessment> {
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i < present {
                view.assess(f, now, policy)
            } else {
                view.assess_gone(f)
            }
        })
        .collect()
}

/// Appends the gone findings and assesses everything.
pub fn assess_current(
    findings: &mut Vec<Finding>,
    triage: &DecisionFile,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Vec<Assessment> {
    let present = append_gone(findings, triage);
    let view = TriageView::for_findings(triage, &findings[..present]);
    assess_findings(findings, present, &view, now, policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn due(sla_due: &str) -> Assessment {
        Assessment {
            status: Status::Open,
            first_seen: None,
            sla_due: Some(at(sla_due)),
            decision: None,
        }
    }

    #[test]
    fn days_are_counted_as_a_person_reads_a_calendar() {
        // Found three minutes ago with a same-day SLA: due today, not overdue.
        let now = at("2026-12-01T10:03:00Z");
        let a = due("2026-12-01T10:00:00Z");
        assert_eq!(a.days_left(now), Some(0));
        assert!(!a.is_overdue(now));
        assert_eq!(due_phrase(0), "due today");
        // Late in the evening, due the next morning: one day left.
        assert_eq!(
            due("2026-12-02T06:00:00Z").days_left(at("2026-12-01T23:00:00Z")),
            Some(1)
        );
        // Due yesterday evening, now just after midnight: one day overdue.
        let late = due("2026-11-30T23:00:00Z");
        assert_eq!(late.days_left(at("2026-12-01T00:01:00Z")), Some(-1));
        assert!(late.is_overdue(at("2026-12-01T00:01:00Z")));
        assert_eq!(due_phrase(-1), "1 day overdue");
        assert_eq!(due_phrase(-14), "14 days overdue");
        assert_eq!(due_phrase(3), "3 days left");
    }
}
