//! `scandeck push|pull|sync defectdojo`: the view's findings and decisions
//! to DefectDojo and back (docs/defectdojo.md).

use super::list::build_filter;
use super::{Failure, Outcome};
use crate::cli::DojoArgs;
use crate::config::{Config, Paths};
use crate::dojo::client::{Client, DojoError};
use crate::dojo::{self, Place, PushReport, Row, SyncBase};
use crate::store::{decisions, Workspace};
use std::collections::BTreeMap;
use std::path::Path;

fn failure(e: DojoError) -> Failure {
    Failure {
        message: e.message().to_string(),
        code: e.exit_code(),
    }
}

/// The connection: URL from `--url` or config, the token from
/// `DEFECTDOJO_TOKEN` or a `token_file` only its owner can read.
fn connect(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Result<(Client, Place), Failure> {
    let config = Config::load(paths).map_err(Failure::input)?;
    let c = &config.defectdojo;
    let url = args.url.clone().or_else(|| c.url.clone()).ok_or_else(|| {
        Failure::input("no DefectDojo URL: pass --url or set [defectdojo] url in config.toml")
    })?;
    let token = match std::env::var("DEFECTDOJO_TOKEN") {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => match &c.token_file {
            Some(file) => read_token_file(file)?,
            None => {
                return Err(Failure::input(
                    "no DefectDojo token: set DEFECTDOJO_TOKEN, or [defectdojo] token_file naming a file only you can read",
                ))
            }
        },
    };
    let folder = std::fs::canonicalize(workspace)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "scandeck".into());
    let place = Place {
        product_type: c.product_type.clone().unwrap_or_else(|| "scandeck".into()),
        product: c.product.clone().unwrap_or(folder),
        engagement: c.engagement.clone().unwrap_or_else(|| "scandeck".into()),
    };
    let client = Client::new(&url, token).map_err(failure)?;
    Ok((client, place))
}

fn read_token_file(file: &Path) -> Result<String, Failure> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(file).map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(Failure::input(format!(
            "{}: others can read it: `chmod 600` it (the token is a password)",
            file.display()
        )));
    }
    let text = crate::store::safe::read(file, 4096)
        .map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
    let token = String::from_utf8_lossy(&text).trim().to_string();
    if token.is_empty() {
        return Err(Failure::input(format!("{}: empty", file.display())));
    }
    Ok(token)
}

/// The view the command works on.
struct View {
    listing: super::list::Listing,
    filter: crate::query::Filter,
    now: chrono::DateTime<chrono::Utc>,
    name: String,
}

fn view(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Result<View, Failure> {
    let filter = build_filter(&args.filters)?;
    let readiness = super::readiness::gather(paths, workspace, super::readiness::Scope::All)?;
    let name = std::fs::canonicalize(workspace)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    Ok(View {
        now: readiness.now,
        listing: readiness.listing,
        filter,
        name,
    })
}

fn rows_of<'a>(
    pairs: &[(&'a crate::model::Finding, &'a crate::triage::Assessment)],
    triage: &'a decisions::DecisionFile,
) -> Vec<Row<'a>> {
    pairs
        .iter()
        .map(|(f, a)| Row {
            finding: f,
            assessment: a,
            decision: a.decision.as_ref().and_then(|k| triage.decisions.get(k)),
        })
        .collect()
}

/// A progress line on standard error, rewritten in place on a terminal.
fn progress(what: &'static str) -> impl FnMut(usize, usize) {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last = 0;
    move |done, total| {
        if done == total || done >= last + crate::dojo::BATCH || (tty && done % 100 == 0) {
            last = done;
            if tty {
                eprint!("\r{what}: {done}/{total}");
                if done == total {
                    eprintln!();
                }
            } else {
                eprintln!("{what}: {done}/{total}");
            }
        }
    }
}

fn user_of_token(client: &Client) -> Result<u64, Failure> {
    let me = client.get("user_profile/").map_err(failure)?;
    Ok(me["user"]["id"].as_u64().unwrap_or(1))
}

pub fn push(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Outcome {
    let (client, place) = connect(paths, workspace, args)?;
    let v = view(paths, workspace, args)?;
    let report = push_view(&client, &place, workspace, &v)?;
    say_push(&report, &client)?;
    Ok(0)
}

fn push_view(
    client: &Client,
    place: &Place,
    workspace: &Path,
    v: &View,
) -> Result<PushReport, Failure> {
    let ws = Workspace::at(workspace);
    let pairs = super::export::view_rows(&v.listing, &v.filter);
    let owner = user_of_token(client)?;
    // Per subject, every finding of the view; one verified fixed is
    // reimported too (do_not_reactivate keeps it closed) and closed through
    // the API, with its note.
    // A finding gone from its subject's scans is known by its label, whose
    // target names the subject its present neighbours have.
    let target_of = |f: &crate::model::Finding, a: &crate::triage::Assessment| {
        crate::export::Record::at(f, a, v.now).target
    };
    let by_target: BTreeMap<String, &str> = pairs
        .iter()
        .filter(|(f, _)| !f.subject.is_empty())
        .map(|(f, a)| (target_of(f, a), &*f.subject))
        .collect();
    let mut groups: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for pair in &pairs {
        let subject = match &*pair.0.subject {
            "" => by_target
                .get(&target_of(pair.0, pair.1))
                .copied()
                .unwrap_or(""),
            s => s,
        };
        if !subject.is_empty() {
            groups.entry(subject.to_string()).or_default().push(*pair);
        }
    }
    let subjects: BTreeMap<String, Vec<serde_json::Value>> = groups
        .into_iter()
        .map(|(subject, rows)| {
            let input = crate::export::ExportInput::new(
                rows,
                &v.listing.triage,
                &v.name,
                &v.filter.describe(),
                v.now,
            );
            let doc = dojo::generic_document(&input);
            (
                subject,
                doc["findings"].as_array().cloned().unwrap_or_default(),
            )
        })
        .collect();
    let mut report = PushReport::default();
    let (_, found) = dojo::reimport(
        client,
        place,
        &subjects,
        &mut report,
        &mut progress("reimported"),
    )
    .map_err(failure)?;
    let mut base = SyncBase::load(&ws, &client.url(""));
    let rows = rows_of(&pairs, &v.listing.triage);
    let pushed = dojo::push_decisions(
        client,
        owner,
        &rows,
        &found,
        &mut base,
        &mut report,
        &mut progress("decisions"),
    );
    // What was done is kept even when a later request failed.
    if let Err(e) = base.save(&ws) {
        super::warn(&format!(
            "{}: not written: {e}",
            SyncBase::path(&ws).display()
        ));
    }
    pushed.map_err(failure)?;
    Ok(report)
}

fn say_push(report: &PushReport, client: &Client) -> Result<(), Failure> {
    for w in &report.warnings {
        super::warn(&format!("warning: {w}"));
    }
    for c in &report.changed {
        say!("pushed   {}", crate::sanitize::sanitize_line(c))?;
    }
    for c in &report.conflicts {
        say!("conflict {}", crate::sanitize::sanitize_line(c))?;
    }
    say!(
        "pushed {} finding(s) of {} subject(s); {} decision(s) written, {} already so, {} conflict(s); {} request(s)",
        report.imported,
        report.subjects,
        report.changed.len(),
        report.unchanged,
        report.conflicts.len(),
        client.requests.get()
    )?;
    Ok(())
}

fn users(client: &Client) -> Result<BTreeMap<u64, String>, Failure> {
    Ok(client
        .all("users/?limit=200")
        .map_err(failure)?
        .into_iter()
        .filter_map(|u| {
            let id = u["id"].as_u64()?;
            let name = u["username"].as_str()?;
            Some((id, crate::sanitize::sanitize_line(name).into_owned()))
        })
        .collect())
}

/// Pulls; returns how many decisions were written.
fn pull_view(
    client: &Client,
    place: &Place,
    workspace: &Path,
    v: &View,
    apply: bool,
) -> Result<usize, Failure> {
    let ws = Workspace::at(workspace);
    let Some(engagement) = dojo::find_engagement(client, place).map_err(failure)? else {
        say!(
            "nothing to pull: DefectDojo has no engagement {:?} in product {:?} yet (push first)",
            place.engagement,
            place.product
        )?;
        return Ok(0);
    };
    let found = dojo::engagement_findings(client, engagement).map_err(failure)?;
    let base = SyncBase::load(&ws, &client.url(""));
    let pairs = super::export::view_rows(&v.listing, &v.filter);
    let rows = rows_of(&pairs, &v.listing.triage);
    let pulled = dojo::pull_changes(&rows, &found, &base, &users(client)?);
    for p in &pulled {
        let what = p
            .decision
            .as_ref()
            .map_or("reopened".to_string(), |d| d.describe());
        let line = match (&p.conflict, p.kept_ours) {
            (Some(here), true) => format!(
                "conflict {}: {} by {} at {}, {here} here is later: kept here",
                p.label,
                p.state.as_str(),
                p.who,
                p.at
            ),
            (Some(here), false) => format!(
                "conflict {}: {what} by {} at {} is later than {here} here: taken",
                p.label, p.who, p.at
            ),
            (None, _) => format!("pull     {}: {what} by {} at {}", p.label, p.who, p.at),
        };
        say!("{}", crate::sanitize::sanitize_line(&line))?;
    }
    let taken = pulled.iter().filter(|p| !p.kept_ours).count();
    if !apply {
        say!("{taken} decision(s) to take from DefectDojo; run with --apply to write them")?;
        return Ok(0);
    }
    let applied = decisions::update(&ws, |file| dojo::apply_pulled(file, &pulled))
        .map_err(|e| Failure::input(e.to_string()))?;
    // What was taken is now the common state.
    let mut base = base;
    for p in &pulled {
        if let Some(remote) = found.get(&p.fingerprint) {
            if let Some(id) = remote["id"].as_u64() {
                base.findings
                    .insert(p.fingerprint.clone(), dojo::Synced { id, state: p.state });
            }
        }
    }
    if let Err(e) = base.save(&ws) {
        super::warn(&format!(
            "{}: not written: {e}",
            SyncBase::path(&ws).display()
        ));
    }
    say!("took {applied} decision(s) from DefectDojo")?;
    Ok(applied)
}

pub fn pull(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Outcome {
    let (client, place) = connect(paths, workspace, args)?;
    let v = view(paths, workspace, args)?;
    pull_view(&client, &place, workspace, &v, args.apply)?;
    Ok(0)
}

/// Pull (written), then push what scandeck holds.
pub fn sync(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Outcome {
    let (client, place) = connect(paths, workspace, args)?;
    let v = view(paths, workspace, args)?;
    let taken = pull_view(&client, &place, workspace, &v, true)?;
    // The view again: the pulled decisions are part of what is pushed.
    let v = if taken > 0 {
        view(paths, workspace, args)?
    } else {
        v
    };
    let report = push_view(&client, &place, workspace, &v)?;
    say_push(&report, &client)?;
    Ok(0)
}
