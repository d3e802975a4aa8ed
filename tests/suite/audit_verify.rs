//! `triage verify` and `checklist verify` hold the committed files to their
//! audit logs: every way of changing decisions or checklist records without
//! an entry fails (exit 1, naming the entry or record), a newer schema is
//! refused (exit 2), and an intact file passes.

use crate::common;

use common::{trivy, Ws};
use scandeck::store::decisions::{render, DecisionFile};
use scandeck::triage::audit;
use serde_json::Value;
use std::process::Output;

fn decided() -> Ws {
    let ws = Ws::new();
    ws.import(
        0,
        trivy(
            "shop/api",
            "1",
            "a",
            &[
                ("CVE-2026-11", &[], "openssl", "3.0.1", "HIGH", None),
                ("CVE-2026-12", &[], "zlib1g", "1.2", "CRITICAL", None),
            ],
        ),
    );
    for (id, reason) in [("CVE-2026-11", "first"), ("CVE-2026-12", "second")] {
        ws.ok(
            0,
            &[
                "triage", "snooze", "--id", id, "--until", "3d", "--reason", reason,
            ],
        );
    }
    ws.ok(
        0,
        &["triage", "note", "--id", "CVE-2026-11", "--text", "third"],
    );
    ws
}

fn decisions_path(ws: &Ws) -> std::path::PathBuf {
    ws.dir.join(".scandeck/decisions.json")
}

fn read(ws: &Ws) -> DecisionFile {
    serde_json::from_str(&std::fs::read_to_string(decisions_path(ws)).unwrap()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn broken(ws: &Ws, args: &[&str], expected: &str) {
    let out = ws.run_at(0, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    assert!(
        stderr(&out).contains(expected),
        "{args:?} should say {expected:?}: {}",
        stderr(&out)
    );
}

/// Recomputes every hash, every decision's entry link and the head, as a
/// careful forger would after editing the log.
fn rehash(file: &mut DecisionFile) {
    let mut prev = audit::GENESIS.to_string();
    let mut renamed = Vec::new();
    for e in file.audit.iter_mut() {
        e.prev = prev.clone();
        let old = e.hash.clone();
        e.hash = e.compute_hash();
        renamed.push((old, e.hash.clone()));
        prev = e.hash.clone();
    }
    for d in file.decisions.values_mut() {
        if let Some((_, new)) = renamed
            .iter()
            .find(|(old, _)| Some(old) == d.entry.as_ref())
        {
            d.entry = Some(new.clone());
        }
    }
}

#[test]
fn an_intact_file_passes() {
    let ws = decided();
    let out = ws.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 3 entries"));
}

#[test]
fn a_decision_edited_without_an_entry_fails() {
    let ws = decided();
    let text = std::fs::read_to_string(decisions_path(&ws)).unwrap();
    let forged = text.replacen("\"reason\": \"first\"", "\"reason\": \"forged\"", 1);
    assert_ne!(forged, text);
    std::fs::write(decisions_path(&ws), forged).unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "is not what entry seq 1 recorded: it was edited without an audit entry",
    );
}

#[test]
fn a_decision_added_by_hand_fails() {
    let ws = decided();
    let mut file = read(&ws);
    let (key, d) = file
        .decisions
        .iter()
        .next()
        .map(|(k, d)| (k.clone(), d.clone()))
        .unwrap();
    let mut copy = d;
    copy.selector.fingerprint = Some("00000000000000000000000000000000".into());
    file.decisions.insert(format!("{key}-copy"), copy);
    std::fs::write(decisions_path(&ws), render(&file)).unwrap();
    broken(&ws, &["triage", "verify"], "has no audit entry");
}

#[test]
fn a_decision_removed_by_hand_fails() {
    let ws = decided();
    let mut file = read(&ws);
    let key = file.decisions.keys().next().cloned().unwrap();
    file.decisions.remove(&key);
    std::fs::write(decisions_path(&ws), render(&file)).unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "is missing from the file: it was removed without an entry",
    );
}

#[test]
fn a_dropped_tail_fails_with_or_without_a_matching_head() {
    let ws = decided();
    let text = std::fs::read_to_string(decisions_path(&ws)).unwrap();
    // By hand: the last entry line goes, the head stays.
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.iter().rposition(|l| l.contains("\"seq\":3")).unwrap();
    lines.remove(last);
    let previous = lines[last - 1].trim_end_matches(',').to_string();
    lines[last - 1] = &previous;
    std::fs::write(decisions_path(&ws), lines.join("\n") + "\n").unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "the file says the log has 3 entries but it has 2: entries 3 to 3 were removed",
    );
    // With the head rewritten to match: the witness of this machine remembers.
    let mut file: DecisionFile = serde_json::from_str(&text).unwrap();
    file.audit.pop();
    std::fs::write(decisions_path(&ws), render(&file)).unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "this machine wrote the log with 3 entries and it has 2 now",
    );
}

#[test]
fn a_deleted_log_or_file_fails() {
    let ws = decided();
    let mut file = read(&ws);
    file.audit.clear();
    std::fs::write(decisions_path(&ws), render(&file)).unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "this machine wrote the log with 3 entries and it has 0 now: entries 1 to 3 were removed",
    );
    std::fs::remove_file(decisions_path(&ws)).unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "is missing, but this machine wrote it with 3 audit entries",
    );
}

#[test]
fn a_rewritten_entry_with_recomputed_hashes_fails_where_it_was_written() {
    let ws = decided();
    let mut file = read(&ws);
    file.audit[0].reason = Some("rewritten".into());
    rehash(&mut file);
    std::fs::write(decisions_path(&ws), render(&file)).unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "is not the entry this machine wrote: the log was rewritten",
    );

    // A fresh clone has no witness: it says what it cannot check.
    let clone = Ws::new();
    std::fs::create_dir_all(clone.dir.join(".scandeck")).unwrap();
    std::fs::copy(decisions_path(&ws), decisions_path(&clone)).unwrap();
    let out = clone.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no witness of earlier writes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_newer_schema_is_refused_and_an_older_one_is_not_called_intact() {
    let ws = decided();
    let text = std::fs::read_to_string(decisions_path(&ws)).unwrap();
    std::fs::write(
        decisions_path(&ws),
        text.replacen("\"schema_version\": 3", "\"schema_version\": 9", 1),
    )
    .unwrap();
    let out = ws.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("newer scandeck (schema 9"),
        "{}",
        stderr(&out)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("intact"));

    std::fs::write(
        decisions_path(&ws),
        text.replacen("\"schema_version\": 3", "\"schema_version\": 1", 1),
    )
    .unwrap();
    broken(
        &ws,
        &["triage", "verify"],
        "is schema 1, written before audit entries vouched",
    );
}

#[test]
fn an_upgraded_schema_1_file_is_sealed_and_verifies() {
    let ws = decided();
    // A schema 1 file as the first scandeck wrote it: no links, no head, no record digests.
    let mut file = read(&ws);
    file.schema_version = 1;
    for d in file.decisions.values_mut() {
        d.entry = None;
    }
    for e in file.audit.iter_mut() {
        e.record = None;
    }
    rehash(&mut file);
    let text = render(&file);
    let text: String = text
        .lines()
        .filter(|l| !l.contains("\"audit_head\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(decisions_path(&ws), text).unwrap();
    std::fs::remove_file(ws.dir.join(".scandeck/scans/decisions.json.witness")).unwrap();
    broken(&ws, &["triage", "verify"], "is schema 1");
    let out = ws.run_at(0, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("upgraded to schema 3"),
        "{}",
        stderr(&out)
    );
    let out = ws.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let upgraded = read(&ws);
    assert!(upgraded.decisions.values().all(|d| d.entry.is_some()));
}

#[test]
fn a_corrupt_file_restored_from_its_backup_verifies_and_says_what_was_lost() {
    let ws = decided();
    let path = decisions_path(&ws);
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let out = ws.run_at(0, &["list", "--format", "json"]);
    assert!(stderr(&out).contains("was unreadable"), "{}", stderr(&out));
    let out = ws.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        // The journal of this machine's last write holds every entry.
        stderr(&out).contains("was rebuilt with 3 entries from its backup"),
        "{}",
        stderr(&out)
    );
}

fn checklist_path(ws: &Ws) -> std::path::PathBuf {
    ws.dir.join(".scandeck/checklist.json")
}

fn walked() -> Ws {
    let ws = Ws::new();
    ws.ok(0, &["checklist", "check", "backups"]);
    ws.ok(
        0,
        &[
            "checklist",
            "na",
            "monitoring",
            "--reason",
            "no monitoring yet",
        ],
    );
    ws.ok(0, &["checklist", "check", "https"]);
    ws
}

#[test]
fn checklist_verify_catches_what_triage_verify_catches() {
    let ws = walked();
    let out = ws.run_at(0, &["checklist", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 3 entries"));

    let text = std::fs::read_to_string(checklist_path(&ws)).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["schema_version"], 2);

    // Ticked by hand, without an entry.
    let forged = text.replacen("\"state\": \"not_applicable\"", "\"state\": \"done\"", 1);
    assert_ne!(forged, text);
    std::fs::write(checklist_path(&ws), &forged).unwrap();
    broken(
        &ws,
        &["checklist", "verify"],
        "checklist:production/monitoring is not what entry seq 2 recorded",
    );

    // The last entry dropped.
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.iter().rposition(|l| l.contains("\"seq\":3")).unwrap();
    lines.remove(last);
    let previous = lines[last - 1].trim_end_matches(',').to_string();
    lines[last - 1] = &previous;
    std::fs::write(checklist_path(&ws), lines.join("\n") + "\n").unwrap();
    broken(&ws, &["checklist", "verify"], "entries 3 to 3 were removed");

    // Deleted.
    std::fs::remove_file(checklist_path(&ws)).unwrap();
    broken(&ws, &["checklist", "verify"], "it was deleted");

    // Newer schema.
    std::fs::write(
        checklist_path(&ws),
        text.replacen("\"schema_version\": 2", "\"schema_version\": 7", 1),
    )
    .unwrap();
    let out = ws.run_at(0, &["checklist", "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn what_only_the_unreadable_file_held_is_salvaged_on_top_of_the_backup() {
    let ws = decided();
    // The newest decision exists only in decisions.json, not in its .bak.
    ws.ok(
        0,
        &[
            "triage",
            "accept",
            "--id",
            "CVE-2026-12",
            "--until",
            "30d",
            "--reason",
            "newest",
            "--approver",
            "Head of Security",
        ],
    );
    let path = decisions_path(&ws);
    let good = std::fs::read_to_string(&path).unwrap();
    let bak: DecisionFile = serde_json::from_str(
        &std::fs::read_to_string(path.with_file_name("decisions.json.bak")).unwrap(),
    )
    .unwrap();
    assert_eq!(bak.audit.len(), 3, "the backup is one write behind");
    // The newest version came from elsewhere (a merge, another clone): this
    // machine's journal does not have it either.
    std::fs::remove_file(ws.dir.join(".scandeck/scans/decisions.json.journal")).unwrap();
    // A merge left a conflict marker behind: the JSON no longer parses.
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(2, "<<<<<<< HEAD");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let out = ws.run_at(0, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let told = stderr(&out);
    assert!(told.contains("was unreadable"), "{told}");
    assert!(
        told.contains("took 1 audit entry (with their decisions)"),
        "{told}"
    );
    let file = read(&ws);
    assert_eq!(file.audit.len(), 4, "nothing the broken file held is lost");
    assert!(file.decisions.values().any(|d| d.reason == "newest"));
    let out = ws.run_at(0, &["triage", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was rebuilt with 4 entries from its backup"),
        "{}",
        stderr(&out)
    );
}
