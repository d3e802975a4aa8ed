//! The data's lifecycle in the console: the first screen, the whole set,
//! a reload behind the banner, a save, new evidence, and the search results
//! that follow each. After new data, marks, dialogs and the selection keep
//! to findings still reported (`rebase`).

use super::super::data::Data;
use super::super::msg::{Effect, SaveResult};
use super::super::rows::search;
use super::super::state::checklist::EvidenceInput;
use super::super::state::{AppState, Incoming, UndoStep, WorkspaceChange, UNDO_DEPTH};
use super::super::widgets::Cursor;
use super::clamp_cursors;
use std::sync::Arc;

/// The checklist's checks ran again: their evidence and the verdict change.
pub(super) fn evidence_rechecked(
    state: &mut AppState,
    evidence: std::collections::BTreeMap<String, crate::checklist::evidence::Evidence>,
) -> Vec<Effect> {
    state.rechecking = false;
    if let Some(data) = &mut state.data {
        data.walk.evidence = evidence;
    }
    regate(state);
    Vec::new()
}

/// The first screen of a large workspace, before the whole set.
pub(super) fn preview(state: &mut AppState, data: Box<Data>, total: usize) -> Vec<Effect> {
    if state.data.is_some() {
        return Vec::new(); // the whole set came first
    }
    let shown = data.view.findings.len();
    let mut effects = loaded(state, data);
    // Expiring lapsed decisions waits for the whole set's load.
    if effects.iter().any(|e| {
        matches!(
            e,
            Effect::Save(super::super::panes::dialog::TriageChange::Expire)
        )
    }) {
        state.saving = false;
        effects.retain(|e| !matches!(e, Effect::Save(_)));
    }
    state.preview = Some(total);
    // The header's tallies come from the store's counts of every current
    // run, not from the most severe rows loaded so far.
    state.preview_tally = [0; 6];
    if let Some(data) = &state.data {
        for run in &data.view.runs {
            for (word, n) in &run.counts {
                let at = crate::model::Severity::from_word(word) as usize;
                state.preview_tally[at] = state.preview_tally[at].saturating_add(*n);
            }
        }
    }
    // A verdict over part of the findings would be wrong: none until all are in.
    state.gate = None;
    state.status = Some(preview_status(shown, total));
    effects
}

/// The whole workspace, read: it replaces what was shown (and a first screen).
pub(super) fn loaded(state: &mut AppState, data: Box<Data>) -> Vec<Effect> {
    if state.preview.take().is_some() {
        // The whole set replaces the first screen: stay on the same finding.
        state.reselect = state.selected_ref();
        state.status = None;
    }
    if !data.view.warnings.is_empty() {
        state.status = Some(format!(
            "{} warning(s) while loading: {}",
            data.view.warnings.len(),
            data.view.warnings[0]
        ));
    }
    let expiring = crate::triage::engine::expiring_soon(&data.view.triage, state.now, 10).len();
    let lapsed = data
        .view
        .triage
        .decisions
        .values()
        .filter(|d| d.until.is_some() && d.expired(state.now))
        .count();
    if expiring > 0 && state.status.is_none() {
        state.status = Some(format!(
            "heads-up: {expiring} decision(s) expire within 10 days"
        ));
    }
    state.order = Arc::clone(&data.initial_order);
    let rows = data.initial_order.to_vec();
    state.data = Some(*data);
    // What the checks counted was about the data just replaced.
    state.evidence_input = None;
    state.set_visible(rows);
    state.loading = None;
    state.findings = Cursor::default();
    rebase(state);
    regate(state);
    let mut effects = search(state);
    state.shown_generation = state.generation;
    if lapsed > 0
        && state
            .data
            .as_ref()
            .is_some_and(|d| d.view.triage_read_only.is_none())
    {
        state.saving = true;
        effects.push(Effect::Save(
            super::super::panes::dialog::TriageChange::Expire,
        ));
    }
    effects
}

/// The workspace could not be read: an empty console that says why.
pub(super) fn load_failed(state: &mut AppState, message: String) -> Vec<Effect> {
    state.loading = None;
    state.status = Some(message);
    state.data = Some(Data::empty());
    Vec::new()
}

/// A triage change reached the disk (or did not): every status is assessed again.
pub(super) fn saved(state: &mut AppState, result: SaveResult) -> Vec<Effect> {
    state.saving = false;
    let stepping = state.stepping.take();
    match result {
        Ok((file, summary, opposite)) => {
            state.unsaved = None;
            if let Some(opposite) = opposite.filter(|c| !c.is_empty()) {
                match stepping {
                    // An undo can be redone, a redo undone again.
                    Some((UndoStep::Undo, _)) => state.redo.push(opposite),
                    Some((UndoStep::Redo, _)) => state.undo.push(opposite),
                    // A new change: what was undone before stays undone.
                    None => {
                        state.undo.push(opposite);
                        state.redo.clear();
                    }
                }
                let over = state.undo.len().saturating_sub(UNDO_DEPTH);
                state.undo.drain(..over);
            }
            state.status = Some(summary);
            state.marked.clear();
            with_decisions(state, file, true)
        }
        Err(message) => {
            // Not on disk: the step can be tried again.
            match stepping {
                Some((UndoStep::Undo, changes)) => state.undo.push(changes),
                Some((UndoStep::Redo, changes)) => state.redo.push(changes),
                None => {}
            }
            state.unsaved = Some(message);
            Vec::new()
        }
    }
}

/// Working down the list: when the selected finding no longer needs work
/// (it was just decided, and sorts below what does), the selection moves
/// on to the next shown row that still needs work, as an inbox moves to
/// the next message; otherwise it stays on its finding.
fn next_to_work_on(state: &AppState) -> Option<crate::tui::state::FindingRef> {
    let data = state.data.as_ref()?;
    let needs_work = |i: u32| data.view.facts.needs_work(i as usize);
    let at = state.findings.selected;
    let selected = *state.visible.get(at)?;
    if needs_work(selected) {
        return None;
    }
    let next = state.visible[at + 1..]
        .iter()
        .chain(state.visible[..at].iter().rev())
        .copied()
        .find(|i| needs_work(*i))?;
    data.view
        .findings
        .get(next as usize)
        .map(crate::tui::state::FindingRef::of)
}

/// The workspace read again behind the shown data (a scan finished here
/// or elsewhere): held behind the banner until asked for, so that rows
/// never move under the cursor; shown at once when `Ctrl-R` asked for it.
pub(super) fn reloaded(state: &mut AppState, mut data: Box<Data>) -> Vec<Effect> {
    // A reload that read decisions.json before a save finished must
    // not bring the older decisions back.
    if let Some(current) = &state.data {
        if current.view.triage.audit.len() > data.view.triage.audit.len() {
            data.reassess(current.view.triage.clone(), state.now);
        }
    }
    let empty = state
        .data
        .as_ref()
        .is_none_or(|d| d.view.findings.is_empty());
    let asked = std::mem::take(&mut state.reload_asked);
    let incoming = state
        .data
        .as_ref()
        .map(|shown| incoming(shown, &data))
        .unwrap_or_default();
    if empty || asked {
        state.pending = None;
        state.reselect = state.selected_ref();
        let effects = loaded(state, data);
        if asked {
            state.status = Some(format!("reloaded: {}", incoming.told()));
        }
        return effects;
    }
    let same_rows = state
        .data
        .as_ref()
        .is_some_and(|d| d.view.findings.len() == data.view.findings.len());
    if incoming == Incoming::default() && same_rows {
        state.pending = None;
        return Vec::new(); // nothing the shown data lacks
    }
    state.status = Some(format!("arrived: {}", incoming.told()));
    state.pending = Some((data, incoming));
    Vec::new()
}

/// What `data` has that `shown` lacks: runs, findings, and shown findings
/// that needed work and no longer do (or are no longer reported).
fn incoming(shown: &Data, data: &Data) -> Incoming {
    let runs: std::collections::HashSet<u64> = shown.view.runs.iter().map(|r| r.id).collect();
    let scans = data
        .view
        .runs
        .iter()
        .filter(|r| !runs.contains(&r.id))
        .count();
    // A finding is its fingerprint, whichever scanner reported it.
    let key = |f: &crate::model::Finding| f.fingerprint;
    let mut needs_work = std::collections::HashMap::with_capacity(data.view.findings.len());
    for (i, f) in data.view.findings.iter().enumerate() {
        needs_work.insert(key(f), data.view.facts.needs_work(i));
    }
    let mut resolved = 0;
    for (i, f) in shown.view.findings.iter().enumerate() {
        if shown.view.facts.needs_work(i) && needs_work.get(&key(f)) != Some(&true) {
            resolved += 1;
        }
    }
    let seen: std::collections::HashSet<_> = shown.view.findings.iter().map(key).collect();
    let findings = data
        .view
        .findings
        .iter()
        .filter(|f| !seen.contains(&key(f)))
        .count();
    Incoming {
        scans,
        findings,
        resolved,
    }
}

/// The watcher saw the shared files change: decisions and checklist records
/// are read and shown at once (they move no row away); new runs are read
/// behind the shown data, as a finished scan's are.
pub(super) fn workspace_changed(state: &mut AppState, change: WorkspaceChange) -> Vec<Effect> {
    if state.data.is_none() || state.preview.is_some() {
        // The load under way may have read the files before they changed.
        state.changed_while_loading = state.changed_while_loading.and(change);
        return Vec::new();
    }
    let mut effects = Vec::new();
    if change.runs {
        // A full read brings the decisions and records along.
        effects.push(Effect::Reload);
    }
    if change.decisions {
        effects.push(Effect::ReadDecisions);
    }
    if change.checklist {
        effects.push(Effect::ReadChecklist);
    }
    effects
}

/// decisions.json as now on disk: entries this console has not shown yet
/// (another process's, or a merge's) are applied and told on the status
/// line. An older copy (read before this console's own save landed) is
/// ignored: the audit only grows.
pub(super) fn decisions_read(
    state: &mut AppState,
    read: Result<crate::store::decisions::DecisionFile, String>,
) -> Vec<Effect> {
    let file = match read {
        Ok(file) => file,
        Err(why) => {
            state.status = Some(format!(
                "decisions.json changed but could not be read: {why}"
            ));
            return Vec::new();
        }
    };
    let Some(data) = &state.data else {
        return Vec::new();
    };
    let known = data.view.triage.audit.len();
    if file.audit.len() <= known {
        return Vec::new();
    }
    let news = told_entries(file.audit[known..].iter().map(|e| {
        let noun = if e.action == "noted" {
            "note"
        } else {
            "decision"
        };
        (noun, e.who.as_str())
    }));
    state.status = Some(format!("arrived: {news}"));
    with_decisions(state, file, false)
}

/// The decisions as now on disk (saved here, made in another process,
/// pulled from DefectDojo): every status is assessed again — the results
/// waiting behind the banner too, which were read before — then the gate,
/// the rows and what the checklist's checks count follow. `move_on`: a
/// decision made here moves the selection to the next row that needs work.
pub(super) fn with_decisions(
    state: &mut AppState,
    file: crate::store::decisions::DecisionFile,
    move_on: bool,
) -> Vec<Effect> {
    let now = state.now;
    if let Some((pending, _)) = &mut state.pending {
        pending.reassess(file.clone(), now);
    }
    if let Some(data) = &mut state.data {
        data.reassess(file, now);
    }
    if move_on {
        state.reselect = next_to_work_on(state);
    }
    regate(state);
    let mut effects = search(state);
    effects.extend(recheck(state));
    effects
}

/// checklist.json as now on disk: records not shown yet are applied and told.
pub(super) fn checklist_read(
    state: &mut AppState,
    read: Result<crate::checklist::progress::ChecklistFile, String>,
) -> Vec<Effect> {
    let file = match read {
        Ok(file) => file,
        Err(why) => {
            state.status = Some(format!(
                "checklist.json changed but could not be read: {why}"
            ));
            return Vec::new();
        }
    };
    let Some(data) = &mut state.data else {
        return Vec::new();
    };
    let known = data.walk.records.audit.len();
    if file.audit.len() <= known {
        return Vec::new();
    }
    let news = told_entries(
        file.audit[known..]
            .iter()
            .map(|e| ("checklist record", e.who.as_str())),
    );
    data.walk.records = file;
    state.status = Some(format!("arrived: {news}"));
    regate(state);
    Vec::new()
}

/// "2 decisions by ops, 1 note by dev": entries counted per kind and
/// author, in the order they were made.
fn told_entries<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut counts: Vec<(&str, &str, usize)> = Vec::new();
    for (noun, who) in entries {
        match counts.iter_mut().find(|(n, w, _)| *n == noun && *w == who) {
            Some((_, _, count)) => *count += 1,
            None => counts.push((noun, who, 1)),
        }
    }
    counts
        .iter()
        .map(|(noun, who, n)| format!("{n} {noun}{} by {who}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The matcher's rows for the newest query: shown, the selection kept on its finding.
pub(super) fn search_done(state: &mut AppState, generation: u64, rows: Vec<u32>) -> Vec<Effect> {
    if generation != state.generation {
        return Vec::new(); // a newer query is on its way
    }
    let keep = state.selected_finding();
    let reselect = state.reselect.take();
    state.set_visible(rows);
    state.shown_generation = generation;
    let wanted = match (reselect, &state.data) {
        (Some(row), Some(data)) => data.view.findings.iter().position(|f| row.is(f)),
        _ => keep,
    };
    let at = wanted
        .and_then(|f| state.visible.iter().position(|v| *v as usize == f))
        .unwrap_or(0);
    let height = state.areas().findings_rows();
    state.findings = Cursor {
        selected: at,
        offset: state.findings.offset,
    }
    .visible(state.visible.len(), height);
    state.detail_scroll = 0;
    Vec::new()
}

/// Runs the checklist's checks again on what the loaded data counts now.
pub(super) fn recheck(state: &mut AppState) -> Vec<Effect> {
    match &state.data {
        Some(data) if state.preview.is_none() && !data.walk.lists.is_empty() => {
            let input = EvidenceInput::of(data);
            state.evidence_input = Some(input.clone());
            state.rechecking = true;
            vec![Effect::RecheckEvidence(input)]
        }
        _ => Vec::new(),
    }
}

pub(super) fn preview_status(done: usize, total: usize) -> String {
    format!(
        "loading {done}/{total} findings: the most severe are shown; * and export wait for the rest"
    )
}

pub(super) fn regate(state: &mut AppState) {
    if state.preview.is_some() {
        return;
    }
    let now = state.now;
    state.gate = state.data.as_ref().map(|d| d.verdict(now));
}

/// After new data arrived: marks and an open dialog keep only findings
/// still reported, and the targets pane's cursor follows the filtered
/// target to its new row.
pub(super) fn rebase(state: &mut AppState) {
    let Some(data) = &state.data else {
        return;
    };
    if !state.marked.is_empty() || state.dialog.is_some() {
        let present: std::collections::HashSet<_> =
            data.view.findings.iter().map(|f| f.fingerprint).collect();
        state.marked.retain(|fp| present.contains(fp));
        if let Some(dialog) = &mut state.dialog {
            dialog.targets.retain(|fp| present.contains(fp));
        }
    }
    if let Some(name) = &state.target_filter {
        match data.targets.iter().position(|t| &t.name == name) {
            Some(row) => state.targets.selected = row + 1,
            None => {
                state.status = Some(format!(
                    "{name} has no findings now; Esc shows every target"
                ));
            }
        }
    }
    clamp_cursors(state);
}
