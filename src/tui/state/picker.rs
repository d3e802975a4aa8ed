//! What the picker pane holds between keys (its drawing and keys: `panes::picker`).

use crate::tui::widgets::Cursor;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    Project,
    Containers,
    Image(String),
}

#[derive(Clone, Debug)]
pub struct PickEntry {
    pub pick: Pick,
    pub ticked: bool,
    /// Size, age and last scan, already in words.
    pub columns: [String; 3],
}

#[derive(Clone, Debug)]
pub struct ScanPicker {
    pub entries: Vec<PickEntry>,
    pub cursor: Cursor,
    /// Why the engine's images are not listed, when they are not.
    pub engine_problem: Option<String>,
}
