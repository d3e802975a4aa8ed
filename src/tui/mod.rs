//! The interactive console: one owner of state (`state`), a pure reducer
//! (`update`, which hands each action to the pane that owns it), pure
//! drawing (`ui`, the frame, and each pane's `draw`), the panes, overlays and
//! dialogs with their drawing and keys together (`panes`), and a runtime that
//! feeds terminal events, background results and a render deadline into them.

pub mod action;
pub mod data;
pub mod keymap;
pub mod layout;
pub mod line_edit;
pub mod msg;
pub mod panes;
pub mod rows;
pub mod runtime;
pub mod state;
pub mod tasks;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod update;
pub mod view_memory;
pub mod widgets;
pub mod worker;
