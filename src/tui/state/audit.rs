//! What the audit pane holds between keys (its drawing and keys: `panes::audit`).

use crate::tui::widgets::Cursor;

/// The audit as it was when opened.
#[derive(Clone, Debug)]
pub struct AuditPanel {
    pub items: Vec<crate::triage::hygiene::Item>,
    pub cursor: Cursor,
    /// How many decisions were audited.
    pub decisions: usize,
}
