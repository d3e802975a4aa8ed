//! The interactive console: one owner of state (`state`), a pure reducer
//! (`update`), pure drawing (`ui`), and a runtime that feeds terminal
//! events, background results and a render deadline into them.

pub mod action;
pub mod checklist_view;
pub mod data;
pub mod dialog;
pub mod group_view;
pub mod keymap;
pub mod layout;
pub mod line_edit;
pub mod plan_view;
pub mod runtime;
pub mod scan_picker;
pub mod state;
pub mod tasks;
pub mod tasks_view;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod update;
pub mod view_memory;
pub mod walk;
pub mod worker;
