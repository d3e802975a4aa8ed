//! The release gate: a yes/no from findings, decisions and the production
//! checklist. The default policy is the seed's (no open critical, high fixed
//! within 7 days, strong passwords, checklist walked) with the rules of
//! docs/triage-model.md b.6. Pure: the caller gathers, this judges.

use crate::checklist::progress::{ItemView, Shown};
use crate::model::{Finding, Fingerprint, Kind, Severity};
use crate::store::decisions::DecisionFile;
use crate::triage::decision::Disposition;
use crate::triage::status::{Assessment, Status};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashSet;

/// What blocks a release. Every rule can be switched off in a policy file.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A present CRITICAL that is not accepted, false positive or not affected.
    pub block_open_critical: bool,
    /// A present HIGH past its SLA due date.
    pub block_overdue_high: bool,
    /// A risk acceptance that has expired, or of a critical/high finding without approver.
    pub block_bad_acceptance: bool,
    /// A secret that is not marked false positive.
    pub block_secrets: bool,
    /// A CRITICAL/HIGH marked fixed whose fix no scan has confirmed yet.
    pub block_unverified_fix: bool,
    /// A CRITICAL/HIGH introduced by the latest image change.
    pub block_new_from_image_change: bool,
    /// Checklists that must be complete (every item done or not applicable).
    pub require_checklists: Vec<String>,
    /// A present finding nobody has decided about (open, overdue or
    /// regressed, whatever its severity): `gate --fail-on unassessed`.
    pub block_unassessed: bool,
    /// A manifest or image of the project that no dependency or
    /// vulnerability scan covers blocks (else it is a warning).
    pub require_coverage: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            block_open_critical: true,
            block_overdue_high: true,
            block_bad_acceptance: true,
            block_secrets: true,
            block_unverified_fix: true,
            block_new_from_image_change: true,
            require_checklists: vec![crate::checklist::PRODUCTION.to_string()],
            block_unassessed: false,
            require_coverage: false,
        }
    }
}

impl Policy {
    pub fn parse(origin: &str, text: &str) -> Result<Policy, String> {
        toml::from_str(text)
            .map_err(|e| format!("{origin}: {}; fix the policy file", e.message().trim()))
    }

    /// `gate --fail-on unassessed`: block only on findings with no decision
    /// at all (anchore/grype#2813); the rules about severities, secrets and
    /// fixes are off, the rules about decisions and checklists stay.
    pub fn only_unassessed(self) -> Policy {
        Policy {
            block_open_critical: false,
            block_overdue_high: false,
            block_secrets: false,
            block_unverified_fix: false,
            block_new_from_image_change: false,
            block_unassessed: true,
            ..self
        }
    }

    /// Whether judging needs every finding, not only the critical, high
    /// and secret ones the store reads by index.
    /// The findings this policy judges, when fewer than all: critical and
    /// high findings and secrets, read by index, so that the gate does not
    /// grow with the findings it ignores. `None`: every finding (a policy
    /// that blocks on unassessed findings of any severity).
    pub fn selection(&self) -> Option<crate::store::workspace::Selection> {
        (!self.block_unassessed).then_some(crate::store::workspace::Selection::GateRelevant)
    }
}

/// One reason the release is blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub rule: &'static str,
    pub message: String,
    /// The console query that shows the offending findings.
    pub query: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub blocked: Vec<Reason>,
    pub warnings: Vec<String>,
    /// Checklist items done over a failing check, each with who and why:
    /// they count as done, and every report of the verdict names them.
    pub overrides: Vec<String>,
}

impl Verdict {
    pub fn ready(&self) -> bool {
        self.blocked.is_empty()
    }
}

/// A checklist as the gate sees it.
pub struct ChecklistState<'a> {
    pub name: &'a str,
    pub items: Vec<ItemView<'a>>,
}

pub struct GateInput<'a> {
    pub findings: Vec<(&'a Finding, &'a Assessment)>,
    pub triage: &'a DecisionFile,
    /// Fingerprints (hex) the latest scans report as new because the image changed.
    pub new_from_image_change: &'a HashSet<String>,
    pub checklists: Vec<ChecklistState<'a>>,
    /// What no scan covered (`checklist::coverage`).
    pub not_checked: &'a [String],
    pub now: DateTime<Utc>,
}

fn severe(f: &Finding) -> bool {
    f.severity >= Severity::High
}

fn count_reason(rule: &'static str, n: usize, what: &str, query: &str) -> Option<Reason> {
    (n > 0).then(|| Reason {
        rule,
        message: format!("{n} {what}"),
        query: Some(query.to_string()),
    })
}

/// Judges the present findings, the decisions and the checklists of a
/// walkthrough (the CLI and the console both come here).
pub fn judge_workspace(
    policy: &Policy,
    findings: Vec<(&Finding, &Assessment)>,
    triage: &DecisionFile,
    runs: &[crate::store::RunRecord],
    walk: &crate::checklist::walk::Walkthrough,
    now: DateTime<Utc>,
) -> Verdict {
    let new_from_image_change: HashSet<String> = runs
        .iter()
        .filter_map(|r| r.changes.as_ref())
        .flat_map(|c| c.new_image_changed.iter().cloned())
        .collect();
    let input = GateInput {
        findings,
        triage,
        new_from_image_change: &new_from_image_change,
        checklists: walk
            .lists
            .iter()
            .map(|l| ChecklistState {
                name: &l.name,
                items: walk.views(l),
            })
            .collect(),
        not_checked: &walk.not_checked,
        now,
    };
    judge(policy, &input)
}

pub fn judge(policy: &Policy, input: &GateInput) -> Verdict {
    let mut verdict = Verdict::default();
    let count = |keep: &dyn Fn(&Finding, &Assessment) -> bool| {
        input.findings.iter().filter(|(f, a)| keep(f, a)).count()
    };
    if policy.block_open_critical {
        let n = count(&|f, a| {
            f.severity == Severity::Critical
                && f.kind != Kind::Secret
                && matches!(
                    a.status,
                    Status::Open | Status::Overdue | Status::Regressed | Status::Snoozed
                )
        });
        verdict.blocked.extend(count_reason(
            "open-critical",
            n,
            "critical finding(s) open (not accepted, false positive or not affected)",
            "sev:critical status:open,overdue,regressed,snoozed",
        ));
    }
    if policy.block_overdue_high {
        let n = count(&|f, a| f.severity == Severity::High && a.status == Status::Overdue);
        verdict.blocked.extend(count_reason(
            "overdue-high",
            n,
            "high finding(s) past their SLA due date",
            "sev:high status:overdue",
        ));
    }
    if policy.block_bad_acceptance {
        for (key, d) in &input.triage.decisions {
            if d.disposition != Disposition::Accepted {
                continue;
            }
            let what = d
                .finding
                .as_ref()
                .map(|l| l.id.clone())
                .unwrap_or_else(|| key.clone());
            if d.expired(input.now) {
                verdict.blocked.push(Reason {
                    rule: "expired-acceptance",
                    message: format!(
                        "the risk acceptance of {what} expired {}",
                        d.until.clone().unwrap_or_default()
                    ),
                    query: None,
                });
            } else if d.approver.as_deref().is_none_or(|a| a.trim().is_empty())
                && input
                    .findings
                    .iter()
                    .any(|(f, a)| severe(f) && a.decision.as_deref() == Some(key.as_str()))
            {
                verdict.blocked.push(Reason {
                    rule: "unapproved-acceptance",
                    message: format!("the risk acceptance of {what} covers a critical or high finding and has no approver"),
                    query: None,
                });
            }
        }
    }
    if policy.block_secrets {
        let n = count(&|f, a| {
            f.kind == Kind::Secret
                && !matches!(
                    a.status,
                    Status::Suppressed | Status::Fixed | Status::Dormant
                )
        });
        verdict.blocked.extend(count_reason(
            "secret",
            n,
            "secret(s) found and not marked false positive",
            "kind:secret !status:suppressed,fixed,dormant",
        ));
    }
    if policy.block_unverified_fix {
        let n = count(&|f, a| severe(f) && a.status == Status::FixPending);
        verdict.blocked.extend(count_reason(
            "unverified-fix",
            n,
            "critical or high finding(s) marked fixed but still reported by the latest scan",
            "sev:>=high status:fix-pending",
        ));
    }
    if policy.block_new_from_image_change {
        // Parsed once: formatting every severe finding's fingerprint to look
        // it up was most of the gate's own time at a million findings.
        let new_from_image_change: HashSet<Fingerprint> = input
            .new_from_image_change
            .iter()
            .filter_map(|fp| Fingerprint::parse(fp))
            .collect();
        let n = count(&|f, a| {
            severe(f)
                && !matches!(
                    a.status,
                    Status::Suppressed | Status::Accepted | Status::Fixed
                )
                && new_from_image_change.contains(&f.fingerprint)
        });
        verdict.blocked.extend(count_reason(
            "new-from-image-change",
            n,
            "critical or high finding(s) introduced by the latest image change",
            "sev:>=high",
        ));
    }
    if !input.not_checked.is_empty() {
        let listed = input.not_checked.join("; ");
        if policy.require_coverage {
            verdict.blocked.push(Reason {
                rule: "coverage",
                message: format!(
                    "{} part(s) of the project were not checked: {listed}",
                    input.not_checked.len()
                ),
                query: None,
            });
        } else {
            verdict.warnings.push(format!(
                "not checked (require_coverage = true blocks): {listed}"
            ));
        }
    }
    if policy.block_unassessed {
        let n = count(&|_, a| a.decision.is_none() && a.status.needs_work());
        verdict.blocked.extend(count_reason(
            "unassessed",
            n,
            "finding(s) nobody has decided about (no snooze, acceptance, fix claim or suppression)",
            "status:open,overdue,regressed",
        ));
    }
    for name in &policy.require_checklists {
        let Some(list) = input.checklists.iter().find(|c| c.name == name.as_str()) else {
            verdict.blocked.push(Reason {
                rule: "checklist",
                message: format!("the policy requires checklist {name:?}, which does not exist"),
                query: None,
            });
            continue;
        };
        let open: Vec<&str> = list
            .items
            .iter()
            .filter(|v| !v.shown.complete())
            .map(|v| v.item.id.as_str())
            .collect();
        if !open.is_empty() {
            verdict.blocked.push(Reason {
                rule: "checklist",
                message: format!(
                    "checklist {name}: {} of {} item(s) not done: {}",
                    open.len(),
                    list.items.len(),
                    open.join(", ")
                ),
                query: None,
            });
        }
        for v in list
            .items
            .iter()
            .filter(|v| v.shown == Shown::DoneButFailing)
        {
            verdict.warnings.push(format!(
                "checklist {name}/{}: recorded done, but its check fails now: {}; uncheck it, or check it with a reason to override",
                v.item.id,
                v.evidence.map(|e| e.summary.as_str()).unwrap_or_default()
            ));
        }
        for v in list.items.iter().filter(|v| v.shown == Shown::DoneOverride) {
            let (who, why) = v
                .record
                .map(|r| (r.by.as_str(), r.reason.as_deref().unwrap_or("")))
                .unwrap_or_default();
            verdict.overrides.push(format!(
                "{name}/{} done (override) by {who}: {why}; its check fails: {}",
                v.item.id,
                v.evidence.map(|e| e.summary.as_str()).unwrap_or_default()
            ));
        }
    }
    verdict
}

/// What a decision of `disposition` about findings as bad as `worst` does
/// to the release gate under the default policy, for the dialog that makes it.
pub fn decision_effect(disposition: Disposition, worst: Severity) -> Option<&'static str> {
    let severe = worst >= Severity::High;
    match disposition {
        Disposition::Snoozed if worst == Severity::Critical => {
            Some("gate: a snoozed critical still blocks the release (open-critical)")
        }
        Disposition::Snoozed if severe => {
            Some("gate: a snoozed high does not block the release until the snooze ends")
        }
        Disposition::Fixed if severe => Some(
            "gate: marked fixed, it blocks the release (unverified-fix) until a scan no longer reports it",
        ),
        Disposition::Accepted if severe => Some(
            "gate: accepting a critical or high needs an approver, and blocks the release again once it expires",
        ),
        _ => None,
    }
}

/// One line for export headers: the production checklist's progress
/// (complete, total) and the verdict.
pub fn readiness_line(progress: Option<(usize, usize)>, verdict: Option<&Verdict>) -> String {
    let progress = progress
        .map(|(done, total)| format!("production checklist {done}/{total} complete"))
        .unwrap_or_else(|| "no production checklist".into());
    let overrides = match verdict.map(|v| v.overrides.len()).unwrap_or(0) {
        0 => String::new(),
        n => format!(" with {n} checklist override(s)"),
    };
    match verdict {
        Some(v) if v.ready() => format!("{progress}; release gate READY{overrides}"),
        Some(v) => format!(
            "{progress}; release gate BLOCKED ({}){overrides}",
            v.blocked
                .iter()
                .map(|r| r.rule)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => progress,
    }
}
