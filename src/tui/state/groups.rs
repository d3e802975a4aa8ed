//! What the groups pane holds between keys (its drawing and keys: `panes::groups`).

use crate::model::Severity;
use crate::tui::widgets::Cursor;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Vulnerability,
    Package,
    Subject,
}

impl GroupBy {
    /// The name the command line and saved views use.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Vulnerability => "vulnerability",
            GroupBy::Package => "package",
            GroupBy::Subject => "subject",
        }
    }
}

/// One group: its name, its members (rows of the loaded data, in the order
/// shown) and how severe they are.
#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub members: Vec<u32>,
    pub worst: Severity,
    /// Count per severity, indexed by `Severity as usize`.
    pub tally: [usize; 6],
    /// What else the members have in common or not: packages, or subjects.
    pub spread: String,
}

#[derive(Clone, Debug)]
pub struct GroupPanel {
    pub by: GroupBy,
    pub groups: Vec<Group>,
    pub expanded: BTreeSet<usize>,
    pub cursor: Cursor,
}
