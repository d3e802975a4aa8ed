//! The data's lifecycle in the console: the first screen, the whole set,
//! a reload behind the banner, a save, new evidence, and the search results
//! that follow each. After new data, marks, dialogs and the selection keep
//! to findings still reported (`rebase`).

use super::super::data::Data;
use super::super::msg::{Effect, SaveResult};
use super::super::rows::search;
use super::super::state::checklist::EvidenceInput;
use super::super::state::AppState;
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
    match result {
        Ok((file, summary, undo)) => {
            state.unsaved = None;
            if let Some(changes) = undo {
                state.undo = Some(changes).filter(|c| !c.is_empty());
            }
            state.status = Some(summary);
            state.marked.clear();
            let now = state.now;
            // Results waiting behind the banner were read before this
            // save: they get the decisions as now on disk too.
            if let Some((pending, _)) = &mut state.pending {
                pending.reassess(file.clone(), now);
            }
            if let Some(data) = &mut state.data {
                data.reassess(file, now);
            }
            state.reselect = next_to_work_on(state);
            regate(state);
            let mut effects = search(state);
            // What the checklist's checks count just changed.
            effects.extend(recheck(state));
            effects
        }
        Err(message) => {
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

/// The workspace read again behind the shown data (a scan finished): held
/// behind the banner until asked for, so that rows never move under the cursor.
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
    if empty {
        return loaded(state, data);
    }
    let known: std::collections::HashSet<crate::model::Fingerprint> = state
        .data
        .as_ref()
        .map(|d| d.view.findings.iter().map(|f| f.fingerprint).collect())
        .unwrap_or_default();
    let new = data
        .view
        .findings
        .iter()
        .filter(|f| !known.contains(&f.fingerprint))
        .count();
    state.pending = Some((data, new));
    Vec::new()
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
