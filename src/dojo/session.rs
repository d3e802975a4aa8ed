//! One push or pull over the rows of a view, for the command line and the
//! console alike: the connection from config, the rows grouped by subject,
//! the sync base read and written. Nothing here prints.

use super::client::{Client, DojoError};
use super::{Place, Pulled, PushReport, Row, SyncBase};
use crate::model::Finding;
use crate::store::decisions::DecisionFile;
use crate::store::Workspace;
use crate::triage::Assessment;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;

/// A client and where its findings go.
pub struct Connection {
    pub client: Client,
    pub place: Place,
}

/// The connection `config.toml` describes (`url` overrides its URL): the
/// token from `DEFECTDOJO_TOKEN` or a `token_file` only its owner can read.
pub fn connect(
    config: &crate::config::DefectDojoConfig,
    url: Option<&str>,
    workspace: &Path,
) -> Result<Connection, DojoError> {
    let url = url
        .map(str::to_string)
        .or_else(|| config.url.clone())
        .ok_or_else(|| {
            DojoError::Refused(
                "no DefectDojo URL: pass --url or set [defectdojo] url in config.toml".into(),
            )
        })?;
    let token = match std::env::var("DEFECTDOJO_TOKEN") {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => match &config.token_file {
            Some(file) => read_token_file(file)?,
            None => return Err(DojoError::Refused(
                "no DefectDojo token: set DEFECTDOJO_TOKEN, or [defectdojo] token_file naming a file only you can read".into(),
            )),
        },
    };
    let place = Place {
        product_type: config
            .product_type
            .clone()
            .unwrap_or_else(|| "scandeck".into()),
        product: config
            .product
            .clone()
            .unwrap_or_else(|| folder_name(workspace)),
        engagement: config
            .engagement
            .clone()
            .unwrap_or_else(|| "scandeck".into()),
    };
    Ok(Connection {
        client: Client::new(&url, token)?,
        place,
    })
}

/// The workspace's folder name (exports and DefectDojo name it so, never
/// by a path on this machine).
pub fn folder_name(workspace: &Path) -> String {
    std::fs::canonicalize(workspace)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "scandeck".into())
}

fn read_token_file(file: &Path) -> Result<String, DojoError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = file.display();
    let meta = std::fs::metadata(file).map_err(|e| DojoError::Refused(format!("{shown}: {e}")))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(DojoError::Refused(format!(
            "{shown}: others can read it: `chmod 600` it (the token is a password)"
        )));
    }
    let text = crate::store::safe::read(file, 4096)
        .map_err(|e| DojoError::Refused(format!("{shown}: {e}")))?;
    let token = String::from_utf8_lossy(&text).trim().to_string();
    if token.is_empty() {
        return Err(DojoError::Refused(format!("{shown}: empty")));
    }
    Ok(token)
}

/// The rows of a view with the decision that applies to each.
pub fn rows_of<'a>(
    pairs: &[(&'a Finding, &'a Assessment)],
    triage: &'a DecisionFile,
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

/// What a view asks of a push.
pub struct ViewOf<'a> {
    pub pairs: Vec<(&'a Finding, &'a Assessment)>,
    pub triage: &'a DecisionFile,
    pub now: DateTime<Utc>,
    /// The workspace's name, for the report's description.
    pub name: String,
    pub filter: String,
}

/// Decisions in the view that the last sync did not leave in DefectDojo:
/// what a push would send (no network).
pub fn waiting_to_push(ws: &Workspace, url: &str, view: &ViewOf) -> usize {
    let base = SyncBase::load(ws, url);
    rows_of(&view.pairs, view.triage)
        .iter()
        .filter(|r| {
            let want = super::desired(r.decision, r.assessment.status);
            match base.findings.get(&r.finding.fingerprint.to_string()) {
                Some(s) => !super::agrees(s.state, want, r.decision),
                None => want != super::DojoState::Active,
            }
        })
        .count()
}

/// Pushes the view: each subject's findings reimported, then every
/// decision written where DefectDojo's state differs.
pub fn push(
    conn: &Connection,
    ws: &Workspace,
    view: &ViewOf,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<PushReport, DojoError> {
    let client = &conn.client;
    let me = client.get("user_profile/")?;
    let owner = me["user"]["id"].as_u64().unwrap_or(1);
    // A finding gone from its subject's scans is known by its label, whose
    // target names the subject its present neighbours have.
    let target_of = |f: &Finding, a: &Assessment| crate::export::Record::at(f, a, view.now).target;
    let by_target: BTreeMap<String, &str> = view
        .pairs
        .iter()
        .filter(|(f, _)| !f.subject.is_empty())
        .map(|(f, a)| (target_of(f, a), &*f.subject))
        .collect();
    let mut groups: BTreeMap<String, Vec<(&Finding, &Assessment)>> = BTreeMap::new();
    for pair in &view.pairs {
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
    // Every finding of the view goes in: one verified fixed too
    // (do_not_reactivate keeps it closed), closed through the API with its note.
    let subjects: BTreeMap<String, Vec<serde_json::Value>> = groups
        .into_iter()
        .map(|(subject, rows)| {
            let input = crate::export::ExportInput::new(
                rows,
                view.triage,
                &view.name,
                &view.filter,
                view.now,
            );
            let doc = super::generic_document(&input);
            (
                subject,
                doc["findings"].as_array().cloned().unwrap_or_default(),
            )
        })
        .collect();
    let mut report = PushReport::default();
    let mut base = SyncBase::load(ws, &client.url(""));
    let (_, found) = super::reimport(
        client,
        &conn.place,
        &subjects,
        &mut base,
        &mut report,
        &mut |d, t| progress("reimported", d, t),
    )?;
    let rows = rows_of(&view.pairs, view.triage);
    let pushed = super::push_decisions(
        client,
        owner,
        &rows,
        &found,
        &mut base,
        &mut report,
        &mut |d, t| progress("decisions", d, t),
    );
    // What was done is kept even when a later request failed.
    if let Err(e) = base.save(ws) {
        report.warnings.push(format!(
            "{}: not written: {e}",
            SyncBase::path(ws).display()
        ));
    }
    pushed?;
    Ok(report)
}

/// What a pull found, and what it wrote.
#[derive(Debug, Default)]
pub struct PullReport {
    /// The engagement does not exist yet: nothing was pushed.
    pub no_engagement: bool,
    pub pulled: Vec<Pulled>,
    /// Decisions written (with `apply`).
    pub applied: usize,
    /// decisions.json as the pull left it, when it wrote decisions.
    pub file: Option<Box<DecisionFile>>,
}

/// Reads what DefectDojo decided since the last sync; with `apply`, writes
/// it as scandeck decisions and moves the sync base.
pub fn pull(
    conn: &Connection,
    ws: &Workspace,
    view: &ViewOf,
    apply: bool,
) -> Result<PullReport, DojoError> {
    let client = &conn.client;
    let Some(engagement) = super::find_engagement(client, &conn.place)? else {
        return Ok(PullReport {
            no_engagement: true,
            ..PullReport::default()
        });
    };
    let found = super::engagement_findings(client, engagement)?;
    let base = SyncBase::load(ws, &client.url(""));
    let users: BTreeMap<u64, String> = client
        .all("users/?limit=200")?
        .into_iter()
        .filter_map(|u| {
            let id = u["id"].as_u64()?;
            let name = u["username"].as_str()?;
            Some((id, crate::sanitize::sanitize_line(name).into_owned()))
        })
        .collect();
    let rows = rows_of(&view.pairs, view.triage);
    let pulled = super::pull_changes(&rows, &found, &base, &users);
    let mut report = PullReport {
        pulled,
        ..PullReport::default()
    };
    if !apply {
        return Ok(report);
    }
    let (applied, file) = crate::store::decisions::update(ws, |file| {
        let applied = super::apply_pulled(file, &report.pulled);
        (applied, (applied > 0).then(|| Box::new(file.clone())))
    })
    .map_err(|e| DojoError::Refused(e.to_string()))?;
    report.applied = applied;
    report.file = file;
    // What was taken is now the common state.
    let mut base = base;
    for p in &report.pulled {
        if let Some(id) = found.get(&p.fingerprint).and_then(|f| f["id"].as_u64()) {
            base.findings
                .insert(p.fingerprint.clone(), super::Synced { id, state: p.state });
        }
    }
    base.save(ws).map_err(|e| {
        DojoError::Refused(format!(
            "{}: not written: {e}",
            SyncBase::path(ws).display()
        ))
    })?;
    Ok(report)
}

/// One line per pulled decision, for a terminal.
pub fn pulled_line(p: &Pulled) -> String {
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
    crate::sanitize::sanitize_line(&line).into_owned()
}

/// What a push changed, one line each (warnings, writes, conflicts), for a
/// terminal or the console's panel.
pub fn push_lines(report: &PushReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    lines.extend(report.changed.iter().map(|c| format!("pushed   {c}")));
    lines.extend(report.conflicts.iter().map(|c| format!("conflict {c}")));
    lines
        .into_iter()
        .map(|l| crate::sanitize::sanitize_line(&l).into_owned())
        .collect()
}

/// The push's closing line.
pub fn push_summary(report: &PushReport, requests: u64) -> String {
    let unchanged = match report.unchanged_subjects {
        0 => String::new(),
        n => format!(", {n} unchanged since the last push"),
    };
    format!(
        "pushed {} finding(s) of {} subject(s){unchanged}; {} decision(s) written, {} already so, {} conflict(s); {} request(s)",
        report.imported,
        report.subjects,
        report.changed.len(),
        report.unchanged,
        report.conflicts.len(),
        requests
    )
}
