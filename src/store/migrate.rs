//! Upgrading decisions.json from schema 1, whose fingerprints keyed
//! non-image findings by the report's file name and left the line out of code
//! findings. Each old decision and sighting is mapped to the findings it
//! covered (the first fingerprint recipe is recomputed from the stored
//! reports); a decision that now maps to several findings is kept on each of
//! them and reported, never silently widened to findings it did not cover.

use super::decisions::{DecisionFile, DECISIONS_SCHEMA_VERSION};
use super::index::ScanIndex;
use super::lock::WorkspaceLock;
use super::workspace::{StoreError, Workspace};
use crate::model::{fingerprint, Finding, Redactor};
use std::collections::BTreeMap;

/// What the upgrade did, one line each, for the user.
pub type Report = Vec<String>;

/// Upgrades decisions.json in place when it is schema 1; nothing otherwise.
pub fn upgrade_decisions(
    ws: &Workspace,
    redactor: &Redactor,
    index: &ScanIndex,
    lock: &WorkspaceLock,
) -> Result<Report, StoreError> {
    if !ws.decisions_need_upgrade() {
        return Ok(Vec::new());
    }
    let loaded = super::decisions::load(ws)?;
    if loaded.read_only.is_some() || loaded.file.schema_version >= DECISIONS_SCHEMA_VERSION {
        // Reading may have quarantined a broken file: say so here, once.
        return Ok(loaded.warnings);
    }
    // Schema 1 files hold the first recipe's fingerprints, schema 2 files
    // the second's (`model::fingerprint`): recompute those to map them.
    let recipe = loaded.file.schema_version.clamp(1, 2);
    let mut findings: Vec<Finding> = Vec::new();
    for run in index.current_runs() {
        if let Ok(report) = ws.read_run(run, redactor, recipe) {
            findings.extend(report.findings);
        }
    }
    let who = crate::triage::actor::current(&ws.root);
    let now = crate::clock::now();
    super::decisions::update_locked(ws, lock, |file| migrate_file(file, &findings, &who, now))
}

/// The old fingerprint → the findings that carried it.
fn covered(findings: &[Finding]) -> BTreeMap<String, Vec<&Finding>> {
    let mut map: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        if let Some(old) = f.legacy_fingerprint.as_deref().copied() {
            let list = map.entry(old.to_string()).or_default();
            if !list.iter().any(|g| g.fingerprint == f.fingerprint) {
                list.push(f);
            }
        }
    }
    map
}

pub fn migrate_file(
    file: &mut DecisionFile,
    findings: &[Finding],
    who: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Report {
    if file.schema_version >= DECISIONS_SCHEMA_VERSION {
        return Vec::new();
    }
    let map = covered(findings);
    let stamp = crate::triage::engine::Stamp { who, now };
    let reason = if file.schema_version <= 1 {
        "fingerprints now name the subject and the line (schema 2)"
    } else {
        "fingerprints are one per finding across formats, scanners and installed copies (schema 3)"
    };
    let mut lines = Vec::new();
    let (mut moved, mut widened, mut absent) = (0usize, 0usize, 0usize);
    let old_decisions = std::mem::take(&mut file.decisions);
    for (key, decision) in old_decisions {
        let Some(old_fp) = decision.selector.fingerprint.clone() else {
            file.decisions.insert(key, decision);
            continue;
        };
        let targets = map.get(&old_fp).map(Vec::as_slice).unwrap_or(&[]);
        if targets.is_empty() {
            absent += 1;
            file.decisions.insert(key, decision);
            continue;
        }
        if targets.len() > 1 {
            widened += 1;
            lines.push(format!(
                "decisions.json: the decision \"{}\" covered {} findings under one old fingerprint; it is kept on each of them: review them with `scandeck list --query 'id:{}'`",
                decision.describe(),
                targets.len(),
                crate::sanitize::sanitize_line(&decision.finding.as_ref().map(|l| l.id.clone()).unwrap_or_default())
            ));
        }
        for f in targets {
            let mut d = decision.clone();
            d.selector.fingerprint = Some(f.fingerprint.to_string());
            d.selector.target = Some(fingerprint::asset_lineage(f));
            let new_key = d.selector.key();
            let label = d.finding.as_ref().map(|l| l.text());
            crate::triage::audit::seal(
                &mut file.audit,
                &mut d,
                &stamp.at(),
                "scandeck",
                "migrated",
                &new_key,
                label,
                Some(key.clone()),
                Some(new_key.clone()),
                Some(reason.into()),
            );
            file.decisions.insert(new_key, d);
            moved += 1;
        }
    }
    let old_sightings = std::mem::take(&mut file.sightings);
    for (old_fp, sighting) in old_sightings {
        match map.get(&old_fp) {
            Some(targets) if !targets.is_empty() => {
                for f in targets {
                    let key = f.fingerprint.to_string();
                    let entry = file
                        .sightings
                        .entry(key)
                        .or_insert_with(|| sighting.clone());
                    // An import before the upgrade may have started a new clock: keep the older one.
                    if sighting.first_seen < entry.first_seen {
                        entry.first_seen = sighting.first_seen.clone();
                    }
                }
            }
            _ => {
                file.sightings.entry(old_fp).or_insert(sighting);
            }
        }
    }
    file.seal_unsealed(&stamp.at());
    file.schema_version = DECISIONS_SCHEMA_VERSION;
    lines.insert(
        0,
        format!(
            "decisions.json upgraded to schema {DECISIONS_SCHEMA_VERSION}: {moved} decision(s) moved to the new fingerprints, {widened} now on several findings, {absent} about findings not reported now (kept as they were)"
        ),
    );
    lines
}
