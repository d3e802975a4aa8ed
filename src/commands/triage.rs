//! `scandeck triage ...`: decisions from the command line, by fingerprint,
//! by filter, or as a rule that also covers future findings.

use super::list::{build_filter, Listing};
use super::{Failure, Outcome};
use crate::cli::{DecideArgs, TriageAction};
use crate::config::Paths;
use crate::model::{Finding, Fingerprint};
use crate::sanitize::sanitize_line;
use crate::store::{decisions, Workspace};
use crate::triage::decision::{self, Decision, Disposition, FindingLabel, Selector};
use crate::triage::engine::{self, Stamp};
use crate::triage::status::TriageView;
use crate::triage::Assessment;
use chrono::{SecondsFormat, Utc};
use std::path::Path;

/// `triage audit`: one line per decision that no longer does what it meant.
fn audit(paths: &Paths, ws: &Workspace, args: &crate::cli::AuditArgs) -> Outcome {
    use crate::triage::hygiene;
    let redactor = super::redactor(paths, &ws.root, false)?;
    let now = crate::clock::now();
    let policy = super::sla_policy(paths)?;
    let listing = super::list::listing(
        ws,
        &redactor,
        &crate::query::Filter::default(),
        crate::cli::SortArgs::default(),
        now,
        &policy,
    )?;
    let rows = listing.rows();
    let mut items = hygiene::audit(&rows, &listing.view.triage, now);
    items.extend(hygiene::ignored_in(
        &ws.ignore_files(),
        &listing.view.triage,
    ));
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        )?;
    } else {
        for item in &items {
            say!(
                "{}",
                crate::sanitize::sanitize_line(&format!(
                    "{:<17} {}",
                    item.trouble.as_str(),
                    item.message
                ))
            )?;
        }
        say!(
            "{}",
            match items.len() {
                0 => format!(
                    "every one of {} decision(s) still does what it says",
                    listing.view.triage.decisions.len()
                ),
                n => format!("{n} item(s) to look at"),
            }
        )?;
    }
    Ok(if items.is_empty() { 0 } else { 1 })
}

pub fn run(paths: &Paths, workspace: &Path, action: &TriageAction) -> Outcome {
    let ws = Workspace::at(workspace);
    let args = match action {
        TriageAction::Verify => return verify(&ws),
        TriageAction::Resolve => return super::git::resolve(&ws),
        TriageAction::Audit(args) => return audit(paths, &ws, args),
        TriageAction::Fixed(a)
        | TriageAction::Snooze(a)
        | TriageAction::Accept(a)
        | TriageAction::FalsePositive(a)
        | TriageAction::NotAffected(a)
        | TriageAction::Reopen(a)
        | TriageAction::Note(a) => a,
    };
    let redactor = super::redactor(paths, &ws.root, false)?;
    let now = crate::clock::now();
    let mut filter = build_filter(&args.filters)?;
    if let Some(id) = &args.id {
        filter = filter.with_word(id);
    }
    let policy = super::sla_policy(paths)?;
    let listing = match named_findings(&ws, &redactor, args)? {
        Some(current) => super::list::listing_of(
            crate::view::View::of(current, now, &policy),
            &filter,
            crate::cli::SortArgs::default(),
            now,
        ),
        None => super::list::listing(
            &ws,
            &redactor,
            &filter,
            crate::cli::SortArgs::default(),
            now,
            &policy,
        )?,
    };
    let selected = select(&listing, args)?;
    let who = crate::triage::actor::current(workspace);
    let stamp_now = now;
    match action {
        TriageAction::Reopen(_) => reopen(&ws, &listing, &selected, args, &who, stamp_now),
        TriageAction::Note(_) => note(&ws, &listing, &selected, args, &who, stamp_now),
        _ => {
            let disposition = match action {
                TriageAction::Fixed(_) => Disposition::Fixed,
                TriageAction::Snooze(_) => Disposition::Snoozed,
                TriageAction::Accept(_) => Disposition::Accepted,
                TriageAction::FalsePositive(_) => Disposition::FalsePositive,
                _ => Disposition::NotAffected,
            };
            decide(&ws, &listing, &selected, args, disposition, &who, stamp_now)
        }
    }
}

/// Whether the arguments name findings by anything but fingerprints.
fn filtered(args: &DecideArgs) -> bool {
    args.filters.severity.is_some()
        || args.filters.status.is_some()
        || args.filters.image.is_some()
        || args.filters.source.is_some()
        || args.filters.kind.is_some()
        || args.filters.query.is_some()
        || args.id.is_some()
        || args.package.is_some()
}

/// A decision about findings named by fingerprint reads only those (and
/// the findings other decisions are about) from the store, so its cost does
/// not grow with the workspace. `None`: load everything.
fn named_findings(
    ws: &Workspace,
    redactor: &crate::model::Redactor,
    args: &DecideArgs,
) -> Result<Option<crate::store::workspace::CurrentFindings>, Failure> {
    if args.fingerprints.is_empty() || filtered(args) {
        return Ok(None);
    }
    let Some(fps) = args
        .fingerprints
        .iter()
        .map(|t| Fingerprint::parse(t))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None); // `select` names the one that is not a fingerprint
    };
    ws.current_findings_with(
        redactor,
        &crate::store::workspace::Selection::Fingerprints(fps),
    )
    .map_err(|e| Failure::input(e.to_string()))
}

/// The listed findings the arguments point at (indices into `listing.findings`).
fn select(listing: &Listing, args: &DecideArgs) -> Result<Vec<usize>, Failure> {
    let mut chosen: Vec<usize> = Vec::new();
    if !args.fingerprints.is_empty() {
        for text in &args.fingerprints {
            let fp = Fingerprint::parse(text).ok_or_else(|| {
                Failure::input(format!(
                    "{}: not a fingerprint (32 hex digits)",
                    sanitize_line(text)
                ))
            })?;
            let at = listing
                .rows
                .iter()
                .map(|i| *i as usize)
                .find(|i| listing.view.findings[*i].fingerprint == fp)
                .ok_or_else(|| Failure::input(format!("{fp}: no current finding has this fingerprint (see `scandeck list --format json`)")))?;
            chosen.push(at);
        }
        return Ok(chosen);
    }
    if !filtered(args) {
        return Err(Failure::input("name the findings: --fingerprint FP, or filters such as --id, --package, --image, --severity"));
    }
    chosen = listing
        .rows
        .iter()
        .map(|i| *i as usize)
        .filter(|i| {
            let f = &listing.view.findings[*i];
            args.id.as_ref().is_none_or(|id| f.has_id(id))
                && args
                    .package
                    .as_ref()
                    .is_none_or(|p| f.package_name().is_some_and(|n| n.eq_ignore_ascii_case(p)))
        })
        .collect();
    if chosen.is_empty() && !args.rule {
        return Err(Failure::input(
            "the filter matches no finding; nothing was changed",
        ));
    }
    Ok(chosen)
}

fn until(args: &DecideArgs, now: chrono::DateTime<Utc>) -> Result<Option<String>, Failure> {
    match &args.until {
        None => Ok(None),
        Some(text) => decision::parse_until(text, now)
            .map(|t| Some(t.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .ok_or_else(|| Failure::input(format!("--until {}: use a date (2026-12-31), an RFC 3339 time or a duration (7d, 2w, 12h)", sanitize_line(text)))),
    }
}

fn summary(f: &Finding) -> String {
    let pkg = f
        .package_name()
        .map(|p| format!(" {p}"))
        .unwrap_or_default();
    sanitize_line(&format!(
        "{} {}{pkg} on {}",
        f.severity.as_str().to_uppercase(),
        f.id,
        f.display_target()
    ))
    .into_owned()
}

#[allow(clippy::too_many_arguments)]
fn decide(
    ws: &Workspace,
    listing: &Listing,
    selected: &[usize],
    args: &DecideArgs,
    disposition: Disposition,
    who: &str,
    now: chrono::DateTime<Utc>,
) -> Outcome {
    let until = until(args, now)?;
    let base = |selector: Selector, finding: Option<FindingLabel>| Decision {
        disposition,
        selector,
        finding,
        reason: args.reason.clone().unwrap_or_default(),
        until: until.clone(),
        until_fix: args.until_fix,
        approver: args.approver.clone(),
        justification: args.justification.clone(),
        decided_by: who.to_string(),
        decided_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        entry: None,
    };
    let mut decisions: Vec<Decision> = Vec::new();
    if args.rule {
        let selector = Selector {
            fingerprint: None,
            ids: args.id.iter().cloned().collect(),
            package: args.package.clone(),
            target: args.filters.image.clone(),
        };
        if selector.ids.is_empty() && selector.package.is_none() && selector.target.is_none() {
            return Err(Failure::input("a rule needs --id, --package or --image"));
        }
        let worst = selected
            .iter()
            .map(|i| listing.view.findings[*i].severity)
            .max();
        let d = base(selector, None);
        decision::validate(&d, worst, now)
            .map_err(|e| Failure::input(format!("not saved: {e}")))?;
        decisions.push(d);
    } else {
        for i in selected {
            let f = &listing.view.findings[*i];
            let d = base(Selector::for_finding(f), Some(FindingLabel::of(f)));
            decision::validate(&d, Some(f.severity), now)
                .map_err(|e| Failure::input(format!("not saved: {}: {e}", summary(f))))?;
            decisions.push(d);
        }
    }
    let what = match (&until, args.until_fix) {
        (Some(t), _) => format!("{disposition} until {t}"),
        (None, true) => format!("{disposition} until a fix is available"),
        _ => disposition.to_string(),
    };
    if args.dry_run {
        let scope = if args.rule {
            "a rule covering"
        } else {
            "would mark"
        };
        say!("dry run: {scope} {} finding(s) as {what}:", selected.len())?;
        for i in selected {
            say!("  {}", summary(&listing.view.findings[*i]))?;
        }
        return Ok(0);
    }
    let count = decisions.len();
    decisions::update(ws, |file| {
        for d in decisions {
            engine::decide(file, d, Stamp { who, now });
        }
    })
    .map_err(|e| Failure::input(format!("NOT saved: {e}")))?;
    let scope = if args.rule {
        format!("a rule now covers {} finding(s)", selected.len())
    } else {
        format!("{count} finding(s)")
    };
    say!(
        "{}",
        sanitize_line(&format!(
            "{what}: {scope}; recorded in {}",
            ws.decisions_path().display()
        ))
    )?;
    Ok(0)
}

fn applying_key(listing: &Listing, i: usize, file: &decisions::DecisionFile) -> Option<String> {
    listing.rows.iter().find(|j| **j as usize == i)?;
    let assessed: &Assessment = listing.view.assessments.get(i)?;
    assessed.decision.clone().or_else(|| {
        TriageView::for_findings(file, &listing.view.findings)
            .decision_for(&listing.view.findings[i])
            .map(|(k, _)| k.clone())
    })
}

fn reopen(
    ws: &Workspace,
    listing: &Listing,
    selected: &[usize],
    args: &DecideArgs,
    who: &str,
    now: chrono::DateTime<Utc>,
) -> Outcome {
    let file = decisions::load(ws)
        .map_err(|e| Failure::input(e.to_string()))?
        .file;
    let keys: Vec<(String, String)> = selected
        .iter()
        .filter_map(|i| {
            applying_key(listing, *i, &file).map(|k| (k, summary(&listing.view.findings[*i])))
        })
        .collect();
    if keys.is_empty() {
        return Err(Failure::input(
            "none of these findings has a decision to reopen",
        ));
    }
    if args.dry_run {
        say!("dry run: would reopen {} decision(s):", keys.len())?;
        for (_, s) in &keys {
            say!("  {s}")?;
        }
        return Ok(0);
    }
    let reason = args.reason.clone().unwrap_or_else(|| "reopened".into());
    let done = decisions::update(ws, |file| {
        keys.iter()
            .filter(|(k, _)| engine::reopen(file, k, &reason, Stamp { who, now }))
            .count()
    })
    .map_err(|e| Failure::input(format!("NOT saved: {e}")))?;
    say!("reopened {done} decision(s)")?;
    Ok(0)
}

fn note(
    ws: &Workspace,
    listing: &Listing,
    selected: &[usize],
    args: &DecideArgs,
    who: &str,
    now: chrono::DateTime<Utc>,
) -> Outcome {
    let text = args
        .text
        .clone()
        .or_else(|| args.reason.clone())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Failure::input("a note needs --text"))?;
    if args.dry_run {
        say!("dry run: would add a note to {} finding(s)", selected.len())?;
        return Ok(0);
    }
    let file = decisions::load(ws)
        .map_err(|e| Failure::input(e.to_string()))?
        .file;
    let targets: Vec<(String, String)> = selected
        .iter()
        .map(|i| {
            let key = applying_key(listing, *i, &file)
                .unwrap_or_else(|| format!("finding:{}", listing.view.findings[*i].fingerprint));
            (key, summary(&listing.view.findings[*i]))
        })
        .collect();
    decisions::update(ws, |file| {
        for (key, label) in &targets {
            engine::note(file, key, Some(label.clone()), &text, Stamp { who, now });
        }
    })
    .map_err(|e| Failure::input(format!("NOT saved: {e}")))?;
    say!("noted on {} finding(s)", targets.len())?;
    Ok(0)
}

fn verify(ws: &Workspace) -> Outcome {
    super::verify_document::<decisions::DecisionFile>(ws)
}
