//! The command line's state (`:`), and the named views it saves.

use crate::tui::line_edit::LineEdit;
use serde::{Deserialize, Serialize};

/// The open command line: what is typed, the completion chosen, and the
/// place in the history while recalling.
#[derive(Clone, Debug, Default)]
pub struct CommandLine {
    pub line: LineEdit,
    /// The highlighted completion.
    pub selected: usize,
    /// While recalling: the history entry shown and the text typed before.
    pub history_at: Option<(usize, String)>,
}

/// A view saved by name (`:view save high-open`): everything that decides
/// which rows are shown and how, to come back to with `:view high-open`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub query: String,
    pub sort: String,
    pub reverse: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<String>,
    /// Only what needs work (`H`).
    #[serde(default)]
    pub work_only: bool,
    /// Only what changed since the previous scan (`d`).
    #[serde(default)]
    pub changes_only: bool,
    /// Opened grouped: `vulnerability`, `package` or `subject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The findings table's columns, in order (`None`: as the width allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
}
