//! What the dialog pane holds between keys (its drawing and keys: `panes::dialog`).

use crate::triage::decision::Decision;
use crate::triage::engine::{self};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Fixed,
    Snooze,
    Accept,
    Suppress,
    Reopen,
    Note,
    /// Export the current view (not a triage change).
    Export,
    /// Choose what to copy (not a triage change).
    Copy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub line: crate::tui::line_edit::LineEdit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    pub kind: DialogKind,
    /// The findings the action applies to, by fingerprint (resolved to rows
    /// only when saving, so that a reload in between cannot redirect it).
    pub targets: Vec<crate::model::Fingerprint>,
    /// How many rows an export writes (exports take the rows shown).
    pub rows: usize,
    pub choices: Vec<String>,
    pub choice: usize,
    pub fields: Vec<Field>,
    /// 0 is the choice list when there is one; text fields follow.
    pub focus: usize,
    /// Second step for actions on several findings.
    pub confirming: bool,
    pub error: Option<String>,
    /// What the decision does to the release gate, when it does something.
    pub gate_note: Option<&'static str>,
    /// The text each choice copies (the copy dialog).
    pub values: Vec<String>,
    /// The folder an export is written to, shown with the file name before saving.
    pub folder: Option<String>,
    /// The export's file exists (its full name): confirming replaces it.
    pub exists: Option<String>,
    /// A dialog that came back unasked (the export's file exists) takes
    /// keys only once it has been drawn: the frame count when it came.
    pub opened_unasked_at_frame: Option<u64>,
}

/// A change to decisions.json asked for by the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TriageChange {
    Decide(Vec<Decision>),
    Reopen {
        keys: Vec<String>,
        reason: String,
    },
    Note {
        targets: Vec<(String, String)>,
        text: String,
    },
    /// Record the snoozes and acceptances whose end passed (at start-up).
    Expire,
    /// Put decisions back as they were before a change, only where each is
    /// still what that change left (`redo`: make again what an undo took back).
    Undo {
        changes: Vec<engine::Change>,
        redo: bool,
    },
}

/// What a save leaves for the undo and redo stacks: `Some` is the step that
/// takes this change back (empty: nothing can), `None` leaves the stacks as
/// they were (a note changes no decision).
pub type UndoAfterSave = Option<Vec<engine::Change>>;
