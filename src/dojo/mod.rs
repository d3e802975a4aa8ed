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

/// Whether DefectDojo's state says what scandeck's decision says. A fix
/// claimed here and not yet verified stays active when pushed, but a
/// finding DefectDojo already shows mitigated agrees with it (so that a fix
/// pulled from DefectDojo is not pushed back as active).
pub fn agrees(now: DojoState, want: DojoState, decision: Option<&Decision>) -> bool {
    now == want
        || (now == DojoState::Mitigated
            && decision.is_some_and(|d| d.disposition == Disposition::Fixed))
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
    /// Subject → digest of the findings the last push sent for it.
    #[serde(default)]
    pub documents: BTreeMap<String, String>,
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
                ..SyncBase::default()
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
    /// Subjects whose findings DefectDojo already had as the last push sent them.
    pub unchanged_subjects: usize,
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

/// Reimports each subject's findings (a subject whose document is the one
/// the last push sent, and whose findings are all still there, is not sent
/// again) and reads back every finding of the engagement: fingerprint →
/// DefectDojo finding.
pub fn reimport(
    client: &Client,
    place: &Place,
    subjects: &BTreeMap<String, Vec<Value>>,
    base: &mut SyncBase,
    report: &mut PushReport,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Option<u64>, BTreeMap<String, Value>), DojoError> {
    let digest = |findings: &[Value]| {
        use sha2::{Digest, Sha256};
        let bytes = serde_json::to_vec(findings).unwrap_or_default();
        crate::model::fingerprint::hex(&Sha256::digest(&bytes))
    };
    let digests: BTreeMap<&String, String> = subjects.iter().map(|(s, f)| (s, digest(f))).collect();
    let unchanged = |subject: &String| base.documents.get(subject.as_str()) == digests.get(subject);
    let mut engagement = None;
    let send: Vec<&String> = subjects.keys().filter(|s| !unchanged(s)).collect();
    send_subjects(
        client,
        place,
        subjects,
        &send,
        &mut engagement,
        report,
        progress,
    )?;
    report.subjects = subjects.len();
    let engagement = match engagement {
        Some(e) => Some(e),
        None => find_engagement(client, place)?,
    };
    let mut found = match engagement {
        Some(e) => engagement_findings(client, e)?,
        None => BTreeMap::new(),
    };
    // A subject not sent must still be whole there (a test deleted in
    // DefectDojo, findings removed): send it after all.
    let missing: Vec<&String> = subjects
        .iter()
        .filter(|(s, findings)| {
            unchanged(s)
                && findings.iter().any(|f| {
                    f["unique_id_from_tool"]
                        .as_str()
                        .is_some_and(|fp| !found.contains_key(fp))
                })
        })
        .map(|(s, _)| s)
        .collect();
    if !missing.is_empty() {
        let mut again = engagement;
        send_subjects(
            client, place, subjects, &missing, &mut again, report, progress,
        )?;
        if let Some(e) = again {
            found = engagement_findings(client, e)?;
        }
    }
    report.unchanged_subjects = subjects.len().saturating_sub(send.len() + missing.len());
    for (subject, d) in digests {
        base.documents.insert(subject.clone(), d);
    }
    Ok((engagement, found))
}

/// Reimports the named subjects, 1,000 findings a request.
fn send_subjects(
    client: &Client,
    place: &Place,
    subjects: &BTreeMap<String, Vec<Value>>,
    send: &[&String],
    engagement: &mut Option<u64>,
    report: &mut PushReport,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), DojoError> {
    let total: usize = send.iter().map(|s| subjects[*s].len().max(1)).sum();
    let mut done = 0;
    let mut checked = false;
    for subject in send {
        let findings = &subjects[*subject];
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
            *engagement = answer["engagement_id"].as_u64().or(*engagement);
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
    Ok(())
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

/// What one finding needs written.
enum Write<'a> {
    /// An accepted finding whose acceptance may need its expiry said again.
    Refresh(&'a Decision),
    /// Snoozed or a fix claimed: active, with a note of until when.
    Note(&'a Decision),
    /// A new state.
    State {
        now: DojoState,
        want: DojoState,
        decision: Option<&'a Decision>,
    },
}

struct Planned<'a> {
    fp: String,
    id: u64,
    label: String,
    remote: &'a Value,
    /// The state the finding is left in when the write succeeds.
    after: DojoState,
    write: Write<'a>,
}

/// Requests in flight at once: DefectDojo answers each in a few hundred
/// milliseconds, mostly waiting on its database; four keep its two cores
/// busy without queueing behind one another.
pub const PARALLEL: usize = 4;

/// Writes each row's decision as its DefectDojo finding's state, where the
/// state differs; a state DefectDojo changed since the last sync is left
/// for `pull`, unless scandeck's decision is later (a conflict, listed).
/// The writes run `PARALLEL` at a time.
pub fn push_decisions(
    client: &Client,
    owner: u64,
    rows: &[Row],
    found: &BTreeMap<String, Value>,
    base: &mut SyncBase,
    report: &mut PushReport,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), DojoError> {
    let mut planned: Vec<Planned> = Vec::new();
    for row in rows {
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
        if agrees(now, want, row.decision) {
            report.unchanged += 1;
            base.findings.insert(fp.clone(), Synced { id, state: now });
            let write = match row.decision {
                Some(d) if d.disposition == Disposition::Accepted => Write::Refresh(d),
                // The note is written once: DefectDojo lists a finding's notes.
                Some(d)
                    if want == DojoState::Active
                        && !remote["notes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|n| n["entry"] == note_of(d).as_str()) =>
                {
                    Write::Note(d)
                }
                _ => continue,
            };
            planned.push(Planned {
                fp,
                id,
                label,
                remote,
                after: now,
                write,
            });
            continue;
        }
        let remote_changed =
            last.is_some_and(|l| l != now) || (last.is_none() && now != DojoState::Active);
        let ours_changed = last != Some(want);
        if remote_changed {
            if !ours_changed {
                continue; // DefectDojo's decision: `pull` takes it.
            }
            // Both sides decided since the last sync: the later is kept.
            let theirs_at = time_of(&remote["last_status_update"]);
            let ours_at = row.decision.and_then(|d| parse_time(&d.decided_at));
            let ours_later = matches!((ours_at, theirs_at), (Some(o), Some(t)) if o > t);
            report.conflicts.push(format!(
                "{label}: {} in DefectDojo, {} here: {}",
                now.as_str(),
                want.as_str(),
                if ours_later {
                    "this one is later and was pushed"
                } else {
                    "DefectDojo's is later: `scandeck pull defectdojo --apply` takes it"
                }
            ));
            if !ours_later {
                continue;
            }
        }
        planned.push(Planned {
            fp,
            id,
            label,
            remote,
            after: want,
            write: Write::State {
                now,
                want,
                decision: row.decision,
            },
        });
    }
    let results = write_all(client, owner, &planned, progress);
    let mut first_error = None;
    for (p, result) in planned.iter().zip(results) {
        match result {
            Some(Ok(line)) => {
                report.changed.extend(line);
                base.findings.insert(
                    p.fp.clone(),
                    Synced {
                        id: p.id,
                        state: p.after,
                    },
                );
            }
            Some(Err(e)) if first_error.is_none() => first_error = Some(e),
            _ => {}
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs the planned writes `PARALLEL` at a time; each result in order:
/// `None` for a write not attempted because another failed first.
fn write_all(
    client: &Client,
    owner: u64,
    planned: &[Planned],
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Option<Result<Option<String>, DojoError>>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    if planned.is_empty() {
        return Vec::new();
    }
    let failed = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let per_thread = planned.len().div_ceil(PARALLEL);
    std::thread::scope(|scope| {
        let handles: Vec<_> = planned
            .chunks(per_thread)
            .map(|chunk| {
                let (failed, done) = (&failed, &done);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| {
                            if failed.load(Ordering::Relaxed) {
                                return None;
                            }
                            let result = write_one(client, owner, p);
                            if result.is_err() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            done.fetch_add(1, Ordering::Relaxed);
                            Some(result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        while !handles.iter().all(|h| h.is_finished()) {
            progress(done.load(Ordering::Relaxed), planned.len());
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        progress(done.load(Ordering::Relaxed), planned.len());
        handles
            .into_iter()
            .zip(planned.chunks(per_thread))
            .flat_map(|(h, chunk)| {
                h.join()
                    .unwrap_or_else(|_| chunk.iter().map(|_| None).collect())
            })
            .collect()
    })
}

/// One planned write; the line that says what changed, if anything did.
fn write_one(client: &Client, owner: u64, p: &Planned) -> Result<Option<String>, DojoError> {
    match p.write {
        Write::Refresh(d) => refresh_acceptance(client, &p.fp, &p.label, d, p.remote),
        Write::Note(d) => {
            client.post(
                &format!("findings/{}/notes/", p.id),
                &json!({"entry": note_of(d)}),
            )?;
            Ok(Some(format!("{}: note: {}", p.label, d.describe())))
        }
        Write::State {
            now,
            want,
            decision,
        } => {
            set_state(
                client, owner, p.id, &p.fp, &p.label, now, want, decision, p.remote,
            )?;
            Ok(Some(format!(
                "{}: {} → {}",
                p.label,
                now.as_str(),
                want.as_str()
            )))
        }
    }
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
    // Leave an acceptance first, by its own call: the finding is taken out
    // of it (DefectDojo refuses an acceptance of no findings: one that
    // would be left empty is deleted, which reactivates the finding).
    if want != DojoState::RiskAccepted {
        for ra in remote["accepted_risks"].as_array().into_iter().flatten() {
            let Some(ra_id) = ra["id"].as_u64() else {
                continue;
            };
            let keep: Vec<u64> = ra["accepted_findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .filter(|f| *f != id)
                .collect();
            if keep.is_empty() {
                client.delete(&format!("risk_acceptance/{ra_id}/"))?;
            } else {
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
) -> Result<Option<String>, DojoError> {
    let name = acceptance_name(fp, label);
    // Accepted in DefectDojo by someone else (no acceptance of ours): theirs stands.
    let Some(ra) = remote["accepted_risks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|ra| ra["name"] == name.as_str())
    else {
        return Ok(None);
    };
    let want_until = d.until.as_deref().and_then(|u| u.get(..10));
    let has = ra["expiration_date"].as_str().and_then(|u| u.get(..10));
    let Some(ra_id) = ra["id"].as_u64().filter(|_| has != want_until) else {
        return Ok(None);
    };
    let keep: Vec<Value> = ra["accepted_findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    client.patch(
        &format!("risk_acceptance/{ra_id}/"),
        &json!({"expiration_date": want_until, "accepted_findings": keep}),
    )?;
    Ok(Some(format!(
        "{label}: acceptance now until {}",
        want_until.unwrap_or("no date")
    )))
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
    v.as_str().and_then(parse_time)
}

fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
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
        if !remote_changed || agrees(now, ours, row.decision) {
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
                .and_then(|d| parse_time(&d.decided_at))
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
    for p in pulled {
        let stamp = crate::triage::engine::Stamp {
            who: &p.who,
            now: p.at,
        };
        if p.kept_ours {
            // The later decision is this one; DefectDojo's earlier one is
            // recorded beside it, and the next push sends this one there.
            let key = Selector {
                fingerprint: Some(p.fingerprint.clone()),
                ..Selector::default()
            }
            .key();
            crate::triage::engine::note(
                file,
                &key,
                Some(p.label.clone()),
                &format!(
                    "DefectDojo had it {} (earlier); the later decision here is kept",
                    p.state.as_str()
                ),
                stamp,
            );
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::Status;

    fn decision(disposition: Disposition, at: &str) -> Decision {
        let mut d = Decision::on_fingerprint("aa", disposition, "why");
        d.decided_at = at.into();
        d
    }

    #[test]
    fn each_decision_has_its_defectdojo_state() {
        let d = |x| decision(x, "2026-01-01T00:00:00Z");
        assert_eq!(
            desired(Some(&d(Disposition::FalsePositive)), Status::Suppressed),
            DojoState::FalsePositive
        );
        assert_eq!(
            desired(Some(&d(Disposition::NotAffected)), Status::Suppressed),
            DojoState::OutOfScope
        );
        assert_eq!(
            desired(Some(&d(Disposition::Accepted)), Status::Accepted),
            DojoState::RiskAccepted
        );
        assert_eq!(
            desired(Some(&d(Disposition::Snoozed)), Status::Snoozed),
            DojoState::Active
        );
        assert_eq!(
            desired(Some(&d(Disposition::Fixed)), Status::FixPending),
            DojoState::Active
        );
        assert_eq!(
            desired(None, Status::Fixed),
            DojoState::Mitigated,
            "verified fixed"
        );
        assert_eq!(desired(None, Status::Open), DojoState::Active);
        // A claimed fix agrees with a mitigation made in DefectDojo.
        assert!(agrees(
            DojoState::Mitigated,
            DojoState::Active,
            Some(&d(Disposition::Fixed))
        ));
        assert!(!agrees(DojoState::Mitigated, DojoState::Active, None));
    }

    #[test]
    fn the_flags_overlap_and_the_precedence_decides() {
        let f = |v: Value| DojoState::of(&v);
        assert_eq!(
            f(json!({"false_p": true, "is_mitigated": true})),
            DojoState::FalsePositive
        );
        assert_eq!(
            f(json!({"out_of_scope": true, "risk_accepted": true})),
            DojoState::OutOfScope
        );
        assert_eq!(
            f(json!({"risk_accepted": true, "is_mitigated": true})),
            DojoState::RiskAccepted
        );
        assert_eq!(f(json!({"is_mitigated": true})), DojoState::Mitigated);
        assert_eq!(f(json!({"active": true})), DojoState::Active);
    }

    #[test]
    fn only_the_names_defectdojo_can_read_are_sent_unescaped() {
        assert_eq!(url_encode("shop api/1"), "shop%20api%2F1");
        assert_eq!(url_encode("a-b_c.d~"), "a-b_c.d~");
    }
}
