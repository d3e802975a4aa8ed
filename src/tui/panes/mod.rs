//! Each pane, overlay and dialog of the console, its drawing and its keys
//! together: `act` takes the actions it owns (or `None` for the ones it does
//! not), `draw` renders it from the state alone.

pub mod audit;
pub mod blockers;
pub mod checklist;
pub mod command_line;
pub mod detail;
pub mod dialog;
pub mod dojo;
pub mod findings;
pub mod groups;
pub mod help;
pub mod picker;
pub mod plan;
pub mod query_line;
pub mod scans;
pub mod targets;
