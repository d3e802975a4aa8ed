//! What the plan pane holds between keys (its drawing and keys: `panes::plan`).

use crate::tui::widgets::Cursor;

/// The plan as it was when opened, for the rows shown then.
#[derive(Clone, Debug)]
pub struct PlanPanel {
    pub actions: Vec<crate::plan::Action>,
    pub cursor: Cursor,
    /// How many findings were shown when the plan was made.
    pub rows: usize,
}
