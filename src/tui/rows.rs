//! Which rows the findings pane shows: the committed query, the search the
//! matcher runs for it, and the words that describe the view in exports.
//! Shared by `update` and the panes that change the query.

use super::msg::{Effect, SearchRequest};
use super::state::AppState;
use crate::query::language;
use std::sync::Arc;

/// Asks for a new search with the current query, sort and target.
pub fn search(state: &mut AppState) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    state.generation += 1;
    vec![Effect::Search(SearchRequest {
        generation: state.generation,
        query: state.effective_query(),
        sort: state.sort,
        reverse: state.reverse,
        target: state.target_filter_id(),
        index: Arc::clone(&data.view.index),
        facts: Arc::clone(&data.view.facts),
    })]
}

/// Re-parses the text being typed; a bad term keeps the last good results.
pub fn requery(state: &mut AppState) -> Vec<Effect> {
    let text = state
        .editing
        .as_ref()
        .map(|(line, _)| line.text().to_string())
        .unwrap_or_else(|| state.query_text.clone());
    match language::parse(&text) {
        Ok(q) => {
            state.query = q;
            state.query_error = None;
            state.query_text = text;
            search(state)
        }
        Err(e) => {
            state.query_error = Some(e.to_string());
            Vec::new()
        }
    }
}

/// Replaces the committed query (used by jumps from other views).
pub fn set_query(state: &mut AppState, text: String) -> Vec<Effect> {
    state.editing = None;
    state.query_text = text;
    requery(state)
}

/// Actions over the whole current filter would miss what is not loaded yet.
pub fn needs_everything(state: &mut AppState) -> bool {
    if state.preview.is_some() {
        state.status = Some("still loading every finding: try again in a moment".into());
        return true;
    }
    false
}

/// What the shown rows are, for export headers: query, minimum severity, target, changes.
pub fn view_description(state: &AppState) -> String {
    let mut parts = Vec::new();
    if !state.query_text.is_empty() {
        parts.push(format!("query {}", state.query_text));
    }
    if let Some(min) = state.min_severity {
        parts.push(format!("severity >= {}", min.as_str()));
    }
    if let Some(name) = &state.target_filter {
        parts.push(format!("target {name}"));
    }
    if state.changes_only {
        parts.push("changes since the previous scan".into());
    }
    if state.work_only {
        parts.push("what needs work".into());
    }
    if parts.is_empty() {
        "all findings".into()
    } else {
        parts.join(", ")
    }
}
