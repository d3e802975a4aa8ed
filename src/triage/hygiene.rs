//! Suppression hygiene (`scandeck triage audit`): decisions that no longer
//! do what their author meant — they match nothing now, have expired, wait
//! for a fix that has appeared, accept a risk that has since grown, or
//! accept one without an approver — and scanner ignore files that suppress
//! what nobody decided in scandeck. One line per item; exit 1 when any.

use super::decision::{Decision, Disposition};
use super::file::DecisionFile;
use super::status::{Assessment, Status};
use crate::model::Finding;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trouble {
    /// The decision matches no finding any scan reports now.
    MatchesNothing,
    /// A snooze or acceptance whose end has passed.
    Expired,
    /// A snooze "until a fix is available" whose fix is now known.
    FixAvailable,
    /// An acceptance of a finding whose severity rose since it was accepted.
    SeverityRose,
    /// An acceptance without an approver.
    NoApprover,
    /// An ignore or VEX file in the workspace suppresses what no decision covers.
    IgnoredElsewhere,
}

impl Trouble {
    pub fn as_str(self) -> &'static str {
        match self {
            Trouble::MatchesNothing => "matches-nothing",
            Trouble::Expired => "expired",
            Trouble::FixAvailable => "fix-available",
            Trouble::SeverityRose => "severity-rose",
            Trouble::NoApprover => "no-approver",
            Trouble::IgnoredElsewhere => "ignored-elsewhere",
        }
    }
}

/// One item of the audit: what is wrong with which decision (or file entry).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    pub trouble: Trouble,
    /// The decision key, or `<file>#<id>` for an ignore-file entry.
    pub key: String,
    /// The vulnerability or rule id the item is about, when one is known.
    pub id: Option<String>,
    /// One line: what, who decided it, and what to do.
    pub message: String,
}

/// Audits every decision against the findings as assessed now. `findings`
/// are the current findings (present and gone) with their assessments.
pub fn audit(
    findings: &[(&Finding, &Assessment)],
    file: &DecisionFile,
    now: DateTime<Utc>,
) -> Vec<Item> {
    // What each decision covers among the findings scans report now,
    // lapsed or not (an expired snooze still names its finding).
    let view = super::status::TriageView::new(file);
    let mut covered: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for (f, a) in findings {
        if matches!(a.status, Status::Fixed | Status::Dormant) {
            continue;
        }
        if let Some((key, _)) = view.decision_for(f) {
            covered.entry(key.clone()).or_default().push(f);
        }
    }
    let mut items = Vec::new();
    for (key, d) in &file.decisions {
        let what = describe(key, d);
        let present = covered.get(key.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        // A fix claim whose finding is gone did its job: it is history.
        if present.is_empty() && d.disposition != Disposition::Fixed {
            items.push(Item {
                trouble: Trouble::MatchesNothing,
                key: key.clone(),
                id: id_of(d),
                message: format!(
                    "{what} matches no finding reported now; reopen it (`triage reopen`) if it is no longer needed"
                ),
            });
        }
        if matches!(d.disposition, Disposition::Snoozed | Disposition::Accepted) && d.expired(now) {
            items.push(Item {
                trouble: Trouble::Expired,
                key: key.clone(),
                id: id_of(d),
                message: format!(
                    "{what} ended {}; decide again or let it reopen",
                    d.until.as_deref().unwrap_or("at an unreadable time")
                ),
            });
        }
        if d.disposition == Disposition::Snoozed && d.until_fix {
            if let Some(fix) = present.iter().find_map(|f| f.fixed_version()) {
                items.push(Item {
                    trouble: Trouble::FixAvailable,
                    key: key.clone(),
                    id: id_of(d),
                    message: format!(
                        "{what} waits for a fix, and one is known now ({fix}); plan the upgrade"
                    ),
                });
            }
        }
        if d.disposition == Disposition::Accepted {
            let accepted_at = d.finding.as_ref().map(|l| l.severity);
            if let (Some(then), Some(now_worst)) =
                (accepted_at, present.iter().map(|f| f.severity).max())
            {
                if now_worst > then {
                    items.push(Item {
                        trouble: Trouble::SeverityRose,
                        key: key.clone(),
                        id: id_of(d),
                        message: format!(
                            "{what} accepted a {} risk that is {} now; accept it again or fix it",
                            then.as_str(),
                            now_worst.as_str()
                        ),
                    });
                }
            }
            if d.approver.as_deref().is_none_or(|a| a.trim().is_empty()) {
                items.push(Item {
                    trouble: Trouble::NoApprover,
                    key: key.clone(),
                    id: id_of(d),
                    message: format!("{what} has no approver; accept it again with --approver"),
                });
            }
        }
    }
    items
}

/// Entries of a scanner's ignore or VEX file (`file`, vulnerability ids)
/// that no decision in scandeck covers: the scanner hides what the team
/// never decided, or a decision was reopened and the file kept.
pub fn ignored_elsewhere(file_name: &str, ids: &[String], decisions: &DecisionFile) -> Vec<Item> {
    let decided: HashSet<String> = decisions
        .decisions
        .values()
        .filter(|d| d.disposition != Disposition::Fixed)
        .flat_map(|d| {
            d.selector
                .ids
                .iter()
                .cloned()
                .chain(d.finding.as_ref().map(|l| l.id.clone()))
        })
        .map(|id| id.to_ascii_uppercase())
        .collect();
    let mut seen = HashSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.to_ascii_uppercase()))
        .filter(|id| !decided.contains(&id.to_ascii_uppercase()))
        .map(|id| Item {
            trouble: Trouble::IgnoredElsewhere,
            key: format!("{file_name}#{id}"),
            id: Some(id.clone()),
            message: format!(
                "{file_name} suppresses {id}, which no decision in scandeck covers; decide it in scandeck (and export the file again) or remove the entry"
            ),
        })
        .collect()
}

/// The id a decision is about: its finding's, else its rule's first.
fn id_of(d: &Decision) -> Option<String> {
    d.finding
        .as_ref()
        .map(|l| l.id.clone())
        .or_else(|| d.selector.ids.first().cloned())
}

/// "accepted CVE-… in openssl on shop/api:1 (by Ana, 2026-03-01)".
fn describe(key: &str, d: &Decision) -> String {
    let what = d
        .finding
        .as_ref()
        .map(super::decision::FindingLabel::text)
        .unwrap_or_else(|| {
            let ids = d.selector.ids.join(", ");
            if ids.is_empty() {
                key.to_string()
            } else {
                format!("rule for {ids}")
            }
        });
    let by = super::actor::short_name(&d.decided_by);
    let day = d.decided_at.get(..10).unwrap_or(&d.decided_at);
    crate::sanitize::sanitize_line(&format!(
        "{} {what} (by {by}, {day})",
        d.disposition.as_str().replace('_', " ")
    ))
    .into_owned()
}

/// Every item `ignored_elsewhere` finds in the workspace's ignore and VEX
/// files, given as (name, text).
pub fn ignored_in(files: &[(String, String)], decisions: &DecisionFile) -> Vec<Item> {
    files
        .iter()
        .flat_map(|(name, text)| {
            ignored_elsewhere(name, &ids_in_ignore_file(name, text), decisions)
        })
        .collect()
}

/// The ids a Trivy ignore file (`.trivyignore` lines or `.trivyignore.yaml`
/// sections), a Grype config (`ignore:` rules) or an OpenVEX document
/// names. Unreadable text names none.
pub fn ids_in_ignore_file(name: &str, text: &str) -> Vec<String> {
    if name.ends_with(".grype.yaml") {
        let Ok(doc) = serde_norway::from_str::<serde_norway::Value>(text) else {
            return Vec::new();
        };
        return doc
            .get("ignore")
            .and_then(|rules| rules.as_sequence())
            .into_iter()
            .flatten()
            .filter_map(|rule| rule.get("vulnerability").and_then(|v| v.as_str()))
            .map(str::to_string)
            .collect();
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        let Ok(doc) = serde_norway::from_str::<serde_norway::Value>(text) else {
            return Vec::new();
        };
        return [
            "vulnerabilities",
            "misconfigurations",
            "secrets",
            "licenses",
        ]
        .iter()
        .filter_map(|section| doc.get(*section).and_then(|s| s.as_sequence()))
        .flatten()
        .filter_map(|entry| entry.get("id").and_then(|id| id.as_str()))
        .map(str::to_string)
        .collect();
    }
    if name.ends_with(".json") {
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
            return Vec::new();
        };
        return doc["statements"]
            .as_array()
            .map(|statements| {
                statements
                    .iter()
                    .filter(|s| matches!(s["status"].as_str(), Some("not_affected" | "fixed")))
                    .filter_map(|s| {
                        s["vulnerability"]["name"]
                            .as_str()
                            .or_else(|| s["vulnerability"].as_str())
                    })
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
    }
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}
