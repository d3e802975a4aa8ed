//! Automatic checks behind checklist items. Each proposes a state with the
//! evidence it found; none ticks an item by itself. Values of secrets and
//! passwords are never shown, only the key and the file.

use crate::model::{Finding, Kind, Severity};
use crate::rules::project_files::{read, ProjectFiles};
use crate::store::RunRecord;
use crate::triage::status::{Assessment, Status};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;

/// Checks of findings and of the production setup; the project posture
/// rules of `rules::posture` are checks too, under their own names.
const OWN_CHECKS: [&str; 8] = [
    "no-open-critical-high",
    "no-open-secrets",
    "compose-resource-limits",
    "env-passwords-strong",
    "https-enabled",
    "rate-limiting",
    "content-trust",
    "scans-recent",
];

/// Every check a checklist item may name.
pub fn check_names() -> impl Iterator<Item = &'static str> {
    OWN_CHECKS
        .iter()
        .chain(crate::rules::posture::RULES.iter())
        .copied()
}

pub use crate::rules::file_checks::{project_file_check, Evidence, Proposal};

/// What the checks count of the current findings: those that still need
/// work (open, overdue, regressed or snoozed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenCounts {
    /// Not secrets.
    pub critical: usize,
    pub high: usize,
    /// Highs past their SLA (status overdue), not secrets: what the gate's
    /// `overdue-high` rule counts.
    pub high_overdue: usize,
    /// Highs open (or regressed) and inside their SLA, not secrets.
    pub high_inside: usize,
    pub secrets: usize,
}

impl OpenCounts {
    pub fn of<'a>(findings: impl IntoIterator<Item = (&'a Finding, &'a Assessment)>) -> OpenCounts {
        let mut counts = OpenCounts::default();
        for (f, a) in findings.into_iter().filter(|(_, a)| unresolved(a.status)) {
            match (f.kind, f.severity) {
                (Kind::Secret, _) => counts.secrets += 1,
                (_, Severity::Critical) => counts.critical += 1,
                (_, Severity::High) => {
                    counts.high += 1;
                    counts.high_overdue += usize::from(a.status == Status::Overdue);
                    counts.high_inside +=
                        usize::from(matches!(a.status, Status::Open | Status::Regressed));
                }
                _ => {}
            }
        }
        counts
    }
}

/// Everything the checks look at.
pub struct Context<'a> {
    /// The project: the workspace directory.
    pub root: &'a Path,
    pub open: OpenCounts,
    pub runs: &'a [RunRecord],
    pub now: DateTime<Utc>,
    pub max_scan_age_days: i64,
    /// `DOCKER_CONTENT_TRUST` of the environment scandeck runs in.
    pub content_trust_env: Option<String>,
}

/// Runs every check over the project's files as `files` found them.
pub fn evaluate_all(ctx: &Context, files: &ProjectFiles) -> BTreeMap<String, Evidence> {
    let mut all: BTreeMap<String, Evidence> = OWN_CHECKS
        .iter()
        .map(|name| (name.to_string(), evaluate(name, ctx, files)))
        .collect();
    for r in crate::rules::posture::check_project(files) {
        all.insert(r.rule.to_string(), posture_evidence(&r));
    }
    if let Some(why) = files.incomplete() {
        for (name, evidence) in &mut all {
            *evidence = short_of_the_walk(
                name,
                std::mem::replace(evidence, Evidence::unknown("")),
                &why,
            );
        }
    }
    all
}

/// A project-file check whose walk stopped early: a problem found stands; a
/// pass or a "nothing found" is only about the files reached, so it is
/// unknown, and says why.
fn short_of_the_walk(name: &str, evidence: Evidence, why: &str) -> Evidence {
    let reads_project_files = !matches!(
        name,
        "no-open-critical-high" | "no-open-secrets" | "scans-recent"
    );
    if !reads_project_files || evidence.proposal == Proposal::Fail {
        return evidence;
    }
    let mut unknown = Evidence::unknown(format!("{why}; {}", evidence.summary));
    unknown.details = evidence.details;
    unknown.query = evidence.query;
    unknown
}

fn posture_evidence(r: &crate::rules::posture::PostureResult) -> Evidence {
    if !r.applicable {
        Evidence::unknown("nothing in the project for this check")
    } else if r.problems.is_empty() {
        Evidence::pass("the project files follow it")
    } else {
        Evidence::fail(format!(
            "{} problem(s) in the project files",
            r.problems.len()
        ))
        .with_details(r.problems.clone())
    }
}

fn evaluate(name: &str, ctx: &Context, files: &ProjectFiles) -> Evidence {
    match name {
        "no-open-critical-high" => open_critical_high(ctx),
        "no-open-secrets" => open_secrets(ctx),
        "content-trust" => content_trust(ctx, files),
        "scans-recent" => scans_recent(ctx),
        other => project_file_check(other, files)
            .unwrap_or_else(|| Evidence::unknown(format!("no such check {other}"))),
    }
}

/// Statuses that still need work before a release.
fn unresolved(status: Status) -> bool {
    matches!(
        status,
        Status::Open | Status::Overdue | Status::Regressed | Status::Snoozed
    )
}

fn open_critical_high(ctx: &Context) -> Evidence {
    if ctx.runs.is_empty() {
        return Evidence::unknown("no scans imported yet");
    }
    // The gate's rule (open-critical, overdue-high): a high inside its SLA
    // does not fail the item, as it does not block the release.
    let (critical, late, inside) = (
        ctx.open.critical,
        ctx.open.high_overdue,
        ctx.open.high_inside,
    );
    let within = if inside > 0 {
        format!("; {inside} high finding(s) inside their SLA")
    } else {
        String::new()
    };
    if critical + late == 0 {
        let mut ev = Evidence::pass(format!(
            "no open critical finding, no high past its SLA{within}"
        ));
        if inside > 0 {
            ev.query = Some("sev:high status:open,regressed !kind:secret".into());
        }
        return ev;
    }
    let mut ev = Evidence::fail(format!(
        "{critical} critical finding(s) open, overdue, regressed or snoozed, {late} high finding(s) past their SLA{within}"
    ));
    ev.query = Some(if late == 0 {
        "sev:critical status:open,overdue,regressed,snoozed !kind:secret".into()
    } else if critical == 0 {
        "sev:high status:overdue !kind:secret".into()
    } else {
        "sev:>=high status:open,overdue,regressed,snoozed !kind:secret".into()
    });
    ev
}

fn open_secrets(ctx: &Context) -> Evidence {
    let open = ctx.open.secrets;
    if open == 0 {
        Evidence::pass("no unsuppressed secrets in the current scans")
    } else {
        let mut ev = Evidence::fail(format!(
            "{open} secret(s) found and not marked false positive"
        ));
        ev.query = Some("kind:secret status:open,overdue,regressed,snoozed".into());
        ev
    }
}

/// `DOCKER_CONTENT_TRUST` set to 1 or true in `text` (env file, YAML, shell).
fn enables_content_trust(text: &str) -> bool {
    text.match_indices("DOCKER_CONTENT_TRUST")
        .any(|(at, word)| {
            let rest = &text[at + word.len()..];
            if rest.starts_with('_') {
                return false;
            }
            let rest = rest.trim_start_matches([' ', '\t']);
            let Some(rest) = rest.strip_prefix([':', '=']) else {
                return false;
            };
            let value = rest.trim_start_matches([' ', '\t', '"', '\'']);
            value.starts_with('1') || value.to_ascii_lowercase().starts_with("true")
        })
}

fn content_trust(ctx: &Context, files: &ProjectFiles) -> Evidence {
    if ctx
        .content_trust_env
        .as_deref()
        .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    {
        return Evidence::pass("DOCKER_CONTENT_TRUST=1 in this environment");
    }
    for path in files.env.iter().chain(&files.ci) {
        let Some(text) = read(path) else { continue };
        if enables_content_trust(&text) {
            return Evidence::pass(format!(
                "DOCKER_CONTENT_TRUST enabled in {}",
                files.shown(path)
            ));
        }
        if text.contains("cosign verify") || text.contains("notation verify") {
            return Evidence::pass(format!(
                "image signatures verified in {}",
                files.shown(path)
            ));
        }
    }
    Evidence::fail(
        "DOCKER_CONTENT_TRUST is not enabled in the environment, .env or CI configuration",
    )
}

fn scans_recent(ctx: &Context) -> Evidence {
    if ctx.runs.is_empty() {
        return Evidence::unknown("no scans imported yet");
    }
    let mut newest: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for run in ctx.runs {
        let Ok(at) = DateTime::parse_from_rfc3339(&run.imported_at) else {
            continue;
        };
        let at = at.with_timezone(&Utc);
        let slot = newest.entry(run.target.as_str()).or_insert(at);
        *slot = (*slot).max(at);
    }
    let stale: Vec<String> = newest
        .iter()
        .filter(|(_, at)| (ctx.now - **at).num_days() >= ctx.max_scan_age_days)
        .map(|(target, at)| {
            format!(
                "{target}: last scan {} days ago",
                (ctx.now - *at).num_days()
            )
        })
        .collect();
    if stale.is_empty() {
        Evidence::pass(format!(
            "all {} target(s) scanned within {} days",
            newest.len(),
            ctx.max_scan_age_days
        ))
    } else {
        Evidence::fail(format!(
            "{} of {} target(s) not scanned within {} days",
            stale.len(),
            newest.len(),
            ctx.max_scan_age_days
        ))
        .with_details(stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_trust_detection() {
        assert!(enables_content_trust("DOCKER_CONTENT_TRUST=1\n"));
        assert!(enables_content_trust(
            "env:\n  DOCKER_CONTENT_TRUST: \"1\"\n"
        ));
        assert!(enables_content_trust("export DOCKER_CONTENT_TRUST = true"));
        assert!(!enables_content_trust("DOCKER_CONTENT_TRUST=0"));
        assert!(!enables_content_trust(
            "DOCKER_CONTENT_TRUST_SERVER=https://x"
        ));
    }
}
