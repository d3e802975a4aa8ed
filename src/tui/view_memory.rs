//! The console keeps your place: the last query and sort of each workspace,
//! the views saved by name (`:view save NAME`) and the query and command
//! histories, restored when it opens again. A view is personal, so it lives
//! in the user's data folder (`views/`), never in `.scandeck/`, which is
//! committed.

use super::state::command::SavedView;
use super::state::AppState;
use crate::query::{language, SortKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What is remembered of a workspace's view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub query: String,
    pub sort: String,
    pub reverse: bool,
    /// Queries applied, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<String>,
    /// Commands run, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, SavedView>,
    /// The findings table's columns, when chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
}

/// Two histories of a hundred lines and a few dozen views stay far below
/// this; anything larger is not ours.
const VIEW_CAP: u64 = 1 << 20;

/// Where the view of the workspace at `root` is kept.
pub fn file_for(data_dir: &Path, root: &Path) -> PathBuf {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let digest = crate::store::workspace::sha256_hex(root.display().to_string().as_bytes());
    data_dir
        .join("views")
        .join(format!("{}.json", &digest[..16]))
}

/// The remembered view, when there is a readable one.
pub fn load(file: &Path) -> Option<View> {
    let bytes = crate::store::safe::read(file, VIEW_CAP).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The view of `state`, to remember.
pub fn of(state: &AppState) -> View {
    View {
        query: state.query_text.clone(),
        sort: state.sort.name().to_string(),
        reverse: state.reverse,
        history: state.query_history.clone(),
        commands: state.command_history.clone(),
        views: state.named_views.clone(),
        columns: state.columns.clone(),
    }
}

pub fn save(file: &Path, view: &View) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_vec_pretty(view).map_err(std::io::Error::other)?;
    crate::store::atomic::write_atomic(file, &text)
}

/// Puts a remembered view on a console that has not searched yet; a query
/// that no longer parses (an older scandeck's) is dropped, not shown broken.
pub fn apply(state: &mut AppState, view: View) {
    if let Ok(query) = language::parse(&view.query) {
        state.query = query;
        state.query_text = view.query;
    }
    if let Some(sort) = SortKey::ALL.into_iter().find(|k| k.name() == view.sort) {
        state.sort = sort;
    }
    state.reverse = view.reverse;
    state.query_history = view.history;
    state.command_history = view.commands;
    state.named_views = view.views;
    state.columns = view.columns;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_comes_back_as_it_was_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_for(dir.path(), Path::new("/nonexistent/ws"));
        assert!(file.starts_with(dir.path().join("views")));
        assert_eq!(load(&file), None);
        let mut state = AppState::new("ws", (80, 24));
        state.query_text = "sev:>=high image:backend".into();
        state.sort = SortKey::Due;
        state.reverse = true;
        save(&file, &of(&state)).unwrap();
        let mut again = AppState::new("ws", (80, 24));
        apply(&mut again, load(&file).unwrap());
        assert_eq!(of(&again), of(&state));
        assert_eq!(
            again.query,
            language::parse("sev:>=high image:backend").unwrap()
        );
        // A broken or foreign file is ignored.
        std::fs::write(&file, b"{not json").unwrap();
        assert_eq!(load(&file), None);
        let mut fresh = AppState::new("ws", (80, 24));
        apply(
            &mut fresh,
            View {
                query: "sev:>=".into(),
                sort: "nonsense".into(),
                ..View::default()
            },
        );
        assert_eq!(fresh.query_text, "");
        assert_eq!(fresh.sort, SortKey::Severity);
    }
}
