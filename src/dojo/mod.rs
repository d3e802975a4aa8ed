//! Two-way sync with DefectDojo (docs/defectdojo.md): `push` reimports the
//! view's findings per subject as a Generic Findings Import keyed by
//! scandeck's fingerprint and writes decisions as DefectDojo's states;
//! `pull` turns decisions made in DefectDojo into scandeck decisions. A
//! local sync base (what the last sync left on each DefectDojo finding)
//! tells a change made on one side from one made on the other, as a merge
//! base does in git: nothing is silently overridden.

pub mod client;
pub mod session;

use crate::model::Finding;
use crate::store::decisions::DecisionFile;
use crate::triage::decision::{Decision, Disposition, FindingLabel, Selector};
use crate::triage::{Assessment, Status};
use client::{Client, DojoError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Where the findings go: `[defectdojo]` of config.toml, with defaults.
#[derive(Clone, Debug)]
pub struct Place {
    pub product_type: String,
    pub product: String,
    pub engagement: String,
}

/// A DefectDojo finding's state, by the precedence its overlapping flags
/// need (false positive > out of scope > risk accepted > mitigated > active).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DojoState {
    Active,
    FalsePositive,
    OutOfScope,
    RiskAccepted,
    Mitigated,
}

impl DojoState {
    pub fn of(finding: &Value) -> DojoState {
        let flag = |k: &str| finding[k].as_bool().unwrap_or(false);
        if flag("false_p") {
            DojoState::FalsePositive
        } else if flag("out_of_scope") {
            DojoState::OutOfScope
        } else if flag("risk_accepted") {
            DojoState::RiskAccepted
        } else if flag("is_mitigated") {
            DojoState::Mitigated
        } else {
            DojoState::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DojoState::Active => "active",
            DojoState::FalsePositive => "false positive",
            DojoState::OutOfScope => "out of scope",
            DojoState::RiskAccepted => "risk accepted",
            DojoState::Mitigated => "mitigated",
        }
    }
}

/// The DefectDojo state a scandeck finding should have: false positive →
/// false positive; not affected → out of scope (present but not
/// exploitable: DefectDojo's false positive would say the scanner was
/// wrong, and a pull would bring it back as one); accepted → risk
/// accepted; verified fixed → mitigated; everything else (snoozed, a fix
/// claimed but not yet verified, open) stays active.
pub fn desired(decision: Option<&Decision>, status: Status) -> DojoState {
    if status == Status::Fixed {
        return DojoState::Mitigated;
    }
    match decision.map(|d| d.disposition) {
        Some(Disposition::FalsePositive) => DojoState::FalsePositive,
        Some(Disposition::NotAffected) => DojoState::OutOfScope,
        Some(Disposition::Accepted) => DojoState::RiskAccepted,
        _ => DojoState::Active,
    }
}

/// What the last sync left on each DefectDojo finding, kept private in the
/// scan cache (`.scandeck/scans/defectdojo.json`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncBase {
    #[serde(default)]
    pub url: String,
    /// Fingerprint → the DefectDojo finding and the state it was left in.
    #[serde(default)]
    pub findings: BTreeMap<String, Synced>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Synced {
    pub id: u64,
    pub state: DojoState,
}

impl SyncBase {
    pub fn path(ws: &crate::store::Workspace) -> std::path::PathBuf {
        ws.scans_dir().join("defectdojo.json")
    }

    pub fn load(ws: &crate::store::Workspace, url: &str) -> SyncBase {
        let base: SyncBase = crate::store::safe::read(&Self::path(ws), 256 << 20)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        // Another server is another history.
        if base.url == url {
            base
        } else {
            SyncBase {
                url: url.to_string(),
                findings: BTreeMap::new(),
            }
        }
    }

    pub fn save(&self, ws: &crate::store::Workspace) -> std::io::Result<()> {
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(ws.scans_dir())?;
        crate::store::atomic::write_atomic_private(&Self::path(ws), &text)
    }
}

/// One finding of the view, as the sync reads it.
pub struct Row<'a> {
    pub finding: &'a Finding,
    pub assessment: &'a Assessment,
    pub decision: Option<&'a Decision>,
}

/// What a push did.
#[derive(Debug, Default)]
pub struct PushReport {
    pub subjects: usize,
    pub imported: usize,
    pub changed: Vec<String>,
    pub unchanged: usize,
    /// Decided differently on both sides since the last sync: left alone.
    pub conflicts: Vec<String>,
    pub warnings: Vec<String>,
}

/// The Generic Findings Import document of these rows, with no decision
/// flags (decisions go through the API, where they carry who and why) and
/// no `type` (so that the test type stays "Generic Findings Import", the
/// key of DefectDojo's deduplication setting).
pub fn generic_document(input: &crate::export::input::ExportInput) -> Value {
    let mut doc = crate::export::defectdojo::render(input);
    if let Some(map) = doc.as_object_mut() {
        map.remove("type");
    }
    for item in doc["findings"].as_array_mut().into_iter().flatten() {
        if let Some(map) = item.as_object_mut() {
            for key in [
                "false_p",
                "out_of_scope",
                "risk_accepted",
                "is_mitigated",
                "mitigated",
                "under_review",
            ] {
                map.remove(key);
            }
            map.insert("active".into(), json!(true));
            map.insert("verified".into(), json!(false));
        }
    }
    doc
}

/// Findings per reimport request: DefectDojo handles one request at a
/// time, synchronously; a bounded file keeps each request well inside the
/// timeout and gives the progress line something to count.
pub const BATCH: usize = 1000;

fn scan_fields(place: &Place, subject: &str) -> Vec<(&'static str, String)> {
    vec![
        ("scan_type", "Generic Findings Import".into()),
        ("auto_create_context", "true".into()),
        ("product_type_name", place.product_type.clone()),
        ("product_name", place.product.clone()),
        ("engagement_name", place.engagement.clone()),
        ("test_title", subject.to_string()),
        ("active", "true".into()),
        ("verified", "false".into()),
        ("do_not_reactivate", "true".into()),
        ("close_old_findings", "false".into()),
        ("minimum_severity", "Info".into()),
        ("deduplication_on_engagement", "true".into()),
    ]
}

/// The deduplication rules under which a finding keeps its identity when
/// its version, title or description changes.
const STABLE_DEDUPLICATION: [&str; 2] = ["unique_id_from_tool", "unique_id_from_tool_or_hash_code"];

/// Reimports each subject's present findings and reads back every finding
/// of the engagement: fingerprint → DefectDojo finding.
pub fn reimport(
    client: &Client,
    place: &Place,
    subjects: &BTreeMap<String, Vec<Value>>,
    report: &mut PushReport,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Option<u64>, BTreeMap<String, Value>), DojoError> {
    let total: usize = subjects.values().map(|v| v.len().max(1)).sum();
    let mut done = 0;
    let mut engagement = None;
    let mut checked = false;
    for (subject, findings) in subjects {
        report.subjects += 1;
        let chunks: Vec<&[Value]> = if findings.is_empty() {
            vec![&[]]
        } else {
            findings.chunks(BATCH).collect()
        };
        for chunk in chunks {
            let doc = json!({"name": "scandeck", "findings": chunk});
            let bytes = serde_json::to_vec(&doc).unwrap_or_default();
            let answer = client.post_form(
                "reimport-scan/",
                &scan_fields(place, subject),
                ("file", "scandeck.json", &bytes),
            )?;
            engagement = answer["engagement_id"].as_u64().or(engagement);
            if !checked {
                if let Some(test) = answer["test_id"].as_u64() {
                    checked = true;
                    let t = client.get(&format!("tests/{test}/"))?;
                    let algorithm = t["deduplication_algorithm"].as_str().unwrap_or("unknown");
                    if !STABLE_DEDUPLICATION.contains(&algorithm) {
                        report.warnings.push(format!(
                            "DefectDojo deduplicates these findings by {algorithm}: a version bump or a changed description makes new findings and leaves decisions behind; start DefectDojo with DD_DEDUPLICATION_ALGORITHM_PER_PARSER='{{\"Generic Findings Import\":\"unique_id_from_tool\"}}'"
                        ));
                    }
                }
            }
            done += chunk.len().max(1);
            report.imported += chunk.len();
            progress(done, total);
        }
    }
    let Some(engagement) = engagement else {
        return Ok((None, BTreeMap::new()));
    };
    Ok((Some(engagement), engagement_findings(client, engagement)?))
}

/// Every finding of an engagement that carries a scandeck fingerprint,
/// by fingerprint (compared exactly: DefectDojo's filter is a substring match).
pub fn engagement_findings(
    client: &Client,
    engagement: u64,
) -> Result<BTreeMap<String, Value>, DojoError> {
    let mut out = BTreeMap::new();
    for f in client.all(&format!(
        "findings/?test__engagement={engagement}&limit=1000&o=id&duplicate=false"
    ))? {
        if let Some(fp) = f["unique_id_from_tool"].as_str() {
            if crate::model::Fingerprint::parse(fp).is_some() {
                out.insert(fp.to_string(), f);
            }
        }
    }
    Ok(out)
}

/// The engagement of `place`, when it exists (pull never creates one).
pub fn find_engagement(client: &Client, place: &Place) -> Result<Option<u64>, DojoError> {
    let enc = |s: &str| url_encode(s);
    let products = client.get(&format!("products/?name={}&limit=10", enc(&place.product)))?;
    let Some(product) = products["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == place.product.as_str())
        .and_then(|p| p["id"].as_u64())
    else {
        return Ok(None);
    };
    let engagements = client.get(&format!(
        "engagements/?product={product}&name={}&limit=10",
        enc(&place.engagement)
    ))?;
    Ok(engagements["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == place.engagement.as_str())
        .and_then(|e| e["id"].as_u64()))
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The risk acceptance scandeck keeps for one finding.
fn acceptance_name(fingerprint: &str, label: &str) -> String {
    let mut name = format!("scandeck {fingerprint}: {label}");
    if name.chars().count() > 250 {
        name = name.chars().take(250).collect();
    }
    name
}

/// The note scandeck writes with a state, naming the decision.
fn note_of(d: &Decision) -> String {
    let mut s = format!(
        "scandeck: {} by {} at {}",
        d.describe(),
        d.decided_by,
        d.decided_at
    );
    if !d.reason.is_empty() {
        s.push_str(&format!(": {}", d.reason));
    }
    if let Some(j) = &d.justification {
        s.push_str(&format!(" (justification: {j})"));
    }
    crate::sanitize::sanitize_line(&s).into_owned()
}

/// Writes each row's decision as its DefectDojo finding's state, where the
/// state differs; a state DefectDojo changed since the last sync is a
/// conflict when scandeck's changed too, and is left for `pull` otherwise.
#[allow(clippy::too_many_arguments)]
pub fn push_decisions(
    client: &Client,
    owner: u64,
    rows: &[Row],
    found: &BTreeMap<String, Value>,
    base: &mut SyncBase,
    report: &mut PushReport,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), DojoError> {
    for (n, row) in rows.iter().enumerate() {
        progress(n + 1, rows.len());
        let fp = row.finding.fingerprint.to_string();
        let Some(remote) = found.get(&fp) else {
            continue;
        };
        let Some(id) = remote["id"].as_u64() else {
            continue;
        };
        let now = DojoState::of(remote);
        let want = desired(row.decision, row.assessment.status);
        let last = base.findings.get(&fp).map(|s| s.state);
        let label = FindingLabel::of(row.finding).text();
        if now == want {
            if let Some(d) = row
                .decision
                .filter(|d| d.disposition == Disposition::Accepted)
            {
                refresh_acceptance(client, &fp, &label, d, remote, report)?;
            }
            // Snoozed, or a fix claimed and not yet verified: the finding
            // stays active in DefectDojo, with a note of until when.
            if let Some(d) = row.decision.filter(|_| want == DojoState::Active) {
                let note = note_of(d);
                let noted = remote["notes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|n| n["entry"] == note.as_str());
                if !noted {
                    client.post(&format!("findings/{id}/notes/"), &json!({"entry": note}))?;
                    report
                        .changed
                        .push(format!("{label}: note: {}", d.describe()));
                }
            }
            report.unchanged += 1;
            base.findings.insert(fp, Synced { id, state: now });
            continue;
        }
        let remote_changed =
            last.is_some_and(|l| l != now) || (last.is_none() && now != DojoState::Active);
        let ours_changed = last != Some(want);
        if remote_changed {
            if ours_changed {
                report.conflicts.push(format!(
                    "{label}: {} in DefectDojo, {} here; run `scandeck sync defectdojo` (the later decision is kept)",
                    now.as_str(),
                    want.as_str()
                ));
            }
            continue;
        }
        set_state(
            client,
            owner,
            id,
            &fp,
            &label,
            now,
            want,
            row.decision,
            remote,
        )?;
        report
            .changed
            .push(format!("{label}: {} → {}", now.as_str(), want.as_str()));
        base.findings.insert(fp, Synced { id, state: want });
    }
    Ok(())
}

/// Moves one DefectDojo finding from `now` to `want`.
#[allow(clippy::too_many_arguments)]
fn set_state(
    client: &Client,
    owner: u64,
    id: u64,
    fp: &str,
    label: &str,
    now: DojoState,
    want: DojoState,
    decision: Option<&Decision>,
    remote: &Value,
) -> Result<(), DojoError> {
    // Leave the old state first: an acceptance ends by its own call.
    if now == DojoState::RiskAccepted {
        for ra in remote["accepted_risks"].as_array().into_iter().flatten() {
            if let Some(ra_id) = ra["id"].as_u64() {
                let keep: Vec<u64> = ra["accepted_findings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64)
                    .filter(|f| *f != id)
                    .collect();
                client.patch(
                    &format!("risk_acceptance/{ra_id}/"),
                    &json!({"accepted_findings": keep}),
                )?;
            }
        }
    }
    let note = decision.map(note_of);
    match want {
        DojoState::FalsePositive => {
            client.patch(
                &format!("findings/{id}/"),
                &json!({"false_p": true, "out_of_scope": false, "active": false, "verified": false}),
            )?;
        }
        DojoState::OutOfScope => {
            client.patch(
                &format!("findings/{id}/"),
                &json!({"out_of_scope": true, "false_p": false, "active": false, "verified": false}),
            )?;
        }
        DojoState::RiskAccepted => {
            if let Some(d) = decision {
                if now != DojoState::Active {
                    reopen_remote(client, id)?;
                }
                create_acceptance(client, owner, id, fp, label, d)?;
            }
        }
        DojoState::Mitigated => {
            client.post(
                &format!("findings/{id}/close/"),
                &json!({"is_mitigated": true, "note": "scandeck: verified fixed by a later scan"}),
            )?;
        }
        DojoState::Active => reopen_remote(client, id)?,
    }
    if let Some(note) = note {
        client.post(&format!("findings/{id}/notes/"), &json!({"entry": note}))?;
    }
    Ok(())
}

fn reopen_remote(client: &Client, id: u64) -> Result<(), DojoError> {
    client.patch(
        &format!("findings/{id}/"),
        &json!({"active": true, "false_p": false, "out_of_scope": false, "is_mitigated": false, "mitigated": null}),
    )?;
    Ok(())
}

fn create_acceptance(
    client: &Client,
    owner: u64,
    id: u64,
    fp: &str,
    label: &str,
    d: &Decision,
) -> Result<(), DojoError> {
    let mut body = json!({
        "name": acceptance_name(fp, label),
        "accepted_findings": [id],
        "owner": owner,
        "accepted_by": d.approver.clone().unwrap_or_else(|| d.decided_by.clone()),
        "decision": "A",
        "decision_details": note_of(d),
        "reactivate_expired": true,
    });
    if let Some(until) = d.until.as_deref().and_then(|u| u.get(..10)) {
        body["expiration_date"] = json!(until);
    }
    client.post("risk_acceptance/", &body)?;
    Ok(())
}

/// An accepted finding whose acceptance in DefectDojo no longer says what
/// the decision says (a new expiry here) gets it said again.
#[allow(clippy::too_many_arguments)]
fn refresh_acceptance(
    client: &Client,
    fp: &str,
    label: &str,
    d: &Decision,
    remote: &Value,
    report: &mut PushReport,
) -> Result<(), DojoError> {
    let name = acceptance_name(fp, label);
    let ours = remote["accepted_risks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|ra| ra["name"] == name.as_str());
    let want_until = d.until.as_deref().and_then(|u| u.get(..10));
    // Accepted in DefectDojo by someone else (no acceptance of ours): theirs stands.
    if let Some(ra) = ours {
        let has = ra["expiration_date"].as_str().and_then(|u| u.get(..10));
        if has != want_until {
            if let Some(ra_id) = ra["id"].as_u64() {
                let keep: Vec<Value> = ra["accepted_findings"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                client.patch(
                    &format!("risk_acceptance/{ra_id}/"),
                    &json!({"expiration_date": want_until, "accepted_findings": keep}),
                )?;
                report.changed.push(format!(
                    "{label}: acceptance now until {}",
                    want_until.unwrap_or("no date")
                ));
            }
        }
    }
    Ok(())
}

/// One decision DefectDojo holds that scandeck does not.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub fingerprint: String,
    pub label: String,
    /// `None`: DefectDojo reopened it.
    pub decision: Option<Decision>,
    pub who: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub state: DojoState,
    /// Decided differently here since the last sync: what was here.
    pub conflict: Option<String>,
    /// The later of a conflict was scandeck's: nothing changes here.
    pub kept_ours: bool,
}

fn time_of(v: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// The decisions DefectDojo made since the last sync, as scandeck
/// decisions, with conflicts resolved by time (the later kept).
pub fn pull_changes(
    rows: &[Row],
    found: &BTreeMap<String, Value>,
    base: &SyncBase,
    users: &BTreeMap<u64, String>,
) -> Vec<Pulled> {
    let mut out = Vec::new();
    for row in rows {
        let fp = row.finding.fingerprint.to_string();
        let Some(remote) = found.get(&fp) else {
            continue;
        };
        let now = DojoState::of(remote);
        let last = base.findings.get(&fp).map(|s| s.state);
        let ours = desired(row.decision, row.assessment.status);
        let remote_changed = match last {
            Some(l) => l != now,
            None => now != DojoState::Active,
        };
        if !remote_changed || now == ours {
            continue;
        }
        // Mitigated by a scan DefectDojo saw, with the finding present here:
        // scandeck's own next scan says whether it is fixed.
        let at = time_of(&remote["last_status_update"])
            .or_else(|| time_of(&remote["mitigated"]))
            .unwrap_or_else(crate::clock::now);
        let reviewer = remote["last_reviewed_by"]
            .as_u64()
            .or_else(|| remote["mitigated_by"].as_u64())
            .and_then(|u| users.get(&u).cloned());
        let label = FindingLabel::of(row.finding).text();
        let acceptance = remote["accepted_risks"].as_array().and_then(|a| a.last());
        let who = match (now, acceptance) {
            (DojoState::RiskAccepted, Some(ra)) => ra["owner"]
                .as_u64()
                .and_then(|u| users.get(&u).cloned())
                .or(reviewer.clone()),
            _ => reviewer.clone(),
        }
        .unwrap_or_else(|| "unknown user".into());
        let who = format!("DefectDojo ({who})");
        let decision = match now {
            DojoState::Active => None,
            state => {
                let (disposition, reason, until, approver, justification) = match state {
                    DojoState::FalsePositive => (
                        Disposition::FalsePositive,
                        "false positive in DefectDojo".to_string(),
                        None,
                        None,
                        None,
                    ),
                    DojoState::OutOfScope => (
                        Disposition::NotAffected,
                        "out of scope in DefectDojo".to_string(),
                        None,
                        None,
                        Some("vulnerable_code_not_in_execute_path".to_string()),
                    ),
                    DojoState::RiskAccepted => {
                        let ra = acceptance.cloned().unwrap_or(Value::Null);
                        let details = ra["decision_details"]
                            .as_str()
                            .unwrap_or("")
                            .trim()
                            .to_string();
                        (
                            Disposition::Accepted,
                            if details.is_empty() {
                                "risk accepted in DefectDojo".to_string()
                            } else {
                                details
                            },
                            ra["expiration_date"]
                                .as_str()
                                .and_then(|d| d.get(..10))
                                .map(str::to_string),
                            ra["accepted_by"]
                                .as_str()
                                .filter(|s| !s.is_empty())
                                .map(str::to_string)
                                .or_else(|| Some(who.clone())),
                            None,
                        )
                    }
                    _ => (
                        Disposition::Fixed,
                        "mitigated in DefectDojo".to_string(),
                        None,
                        None,
                        None,
                    ),
                };
                Some(Decision {
                    disposition,
                    selector: Selector {
                        fingerprint: Some(fp.clone()),
                        ..Selector::default()
                    },
                    finding: Some(FindingLabel::of(row.finding)),
                    reason: crate::sanitize::sanitize_line(&reason).into_owned(),
                    until: until.map(|u| format!("{u}T23:59:59Z")),
                    until_fix: false,
                    approver: approver.map(|a| crate::sanitize::sanitize_line(&a).into_owned()),
                    justification,
                    decided_by: who.clone(),
                    decided_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    entry: None,
                })
            }
        };
        let ours_changed = last != Some(ours) && !(last.is_none() && ours == DojoState::Active);
        let (conflict, kept_ours) = if ours_changed {
            let here_at = row
                .decision
                .and_then(|d| time_of(&json!(d.decided_at)))
                .unwrap_or(at);
            (Some(ours.as_str().to_string()), here_at > at)
        } else {
            (None, false)
        };
        out.push(Pulled {
            fingerprint: fp,
            label,
            decision,
            who,
            at,
            state: now,
            conflict,
            kept_ours,
        });
    }
    out
}

/// Applies pulled decisions to the decisions file (under its lock, by the
/// caller's `update`), each with its audit entry naming DefectDojo's user
/// and time.
pub fn apply_pulled(file: &mut DecisionFile, pulled: &[Pulled]) -> usize {
    let mut applied = 0;
    for p in pulled.iter().filter(|p| !p.kept_ours) {
        let stamp = crate::triage::engine::Stamp {
            who: &p.who,
            now: p.at,
        };
        match &p.decision {
            Some(d) => {
                crate::triage::engine::decide(file, d.clone(), stamp);
            }
            None => {
                let key = Selector {
                    fingerprint: Some(p.fingerprint.clone()),
                    ..Selector::default()
                }
                .key();
                crate::triage::engine::reopen(file, &key, "reactivated in DefectDojo", stamp);
            }
        }
        applied += 1;
    }
    applied
}
