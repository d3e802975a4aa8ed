//! The console's one owner of state. Only `update` changes it.

pub mod audit;
pub mod checklist;
pub mod command;
pub mod dialog;
pub mod dojo;
pub mod groups;
pub mod picker;
pub mod plan;

use super::data::Data;
use super::keymap::{Context, Key};
use super::widgets::Cursor;
use crate::model::Severity;
use crate::query::{language, Query, SortKey};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Targets,
    Findings,
    Detail,
    Tasks,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Targets, Pane::Findings, Pane::Detail, Pane::Tasks];

    pub fn number(self) -> usize {
        Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0) + 1
    }
}

/// Loading progress shown until the data arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loading {
    pub done: usize,
    pub total: usize,
    pub current: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelpState {
    pub filter: super::line_edit::LineEdit,
    pub selected: usize,
}

/// What is being typed in the checklist view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    NotApplicable,
    Note,
    /// Checking off an item whose automatic check fails: why anyway.
    Override,
}

/// The checklist view (`c`): which list, which item, and a reason or note being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistPanel {
    pub list: usize,
    pub cursor: Cursor,
    pub prompt: Option<(PromptKind, super::line_edit::LineEdit)>,
    /// A prompt that opened unasked takes keys only once it has been drawn:
    /// the frame count when it opened.
    pub prompt_opened_at_frame: Option<u64>,
}

/// One row's identity across reloads: the finding and the scanner that
/// reported it (two scanners may report the same finding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingRef {
    pub fingerprint: crate::model::Fingerprint,
    pub scanner: String,
}

impl FindingRef {
    pub fn of(f: &crate::model::Finding) -> FindingRef {
        FindingRef {
            fingerprint: f.fingerprint,
            scanner: f.source.scanner.clone(),
        }
    }

    pub fn is(&self, f: &crate::model::Finding) -> bool {
        f.fingerprint == self.fingerprint && f.source.scanner == self.scanner
    }
}

/// Which of the workspace's shared files changed on disk since the
/// watcher last looked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkspaceChange {
    pub decisions: bool,
    pub checklist: bool,
    /// The scan index: runs were imported (or forgotten).
    pub runs: bool,
}

impl WorkspaceChange {
    pub fn any(self) -> bool {
        self.decisions || self.checklist || self.runs
    }

    /// Both changes together.
    pub fn and(self, other: WorkspaceChange) -> WorkspaceChange {
        WorkspaceChange {
            decisions: self.decisions || other.decisions,
            checklist: self.checklist || other.checklist,
            runs: self.runs || other.runs,
        }
    }
}

/// Which way a step through the decision history goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UndoStep {
    Undo,
    Redo,
}

/// How many changes undo can take back in one session.
pub const UNDO_DEPTH: usize = 50;

/// What a reload brought that the shown data lacks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Incoming {
    /// Scan runs not shown yet.
    pub scans: usize,
    /// Findings not shown yet.
    pub findings: usize,
    /// Shown findings that needed work and no longer do (fixed, gone).
    pub resolved: usize,
}

impl Incoming {
    /// "1 scan: 3 new findings, 2 resolved", or "nothing new".
    pub fn told(self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut parts = Vec::new();
        if self.findings > 0 {
            parts.push(format!(
                "{} new finding{}",
                self.findings,
                plural(self.findings)
            ));
        }
        if self.resolved > 0 {
            parts.push(format!("{} resolved", self.resolved));
        }
        let what = parts.join(", ");
        match (self.scans, what.is_empty()) {
            (0, true) => "nothing new".into(),
            (0, false) => what,
            (n, true) => format!("{n} scan{}", plural(n)),
            (n, false) => format!("{n} scan{}: {what}", plural(n)),
        }
    }
}

pub struct AppState {
    // The workspace and what was read of it.
    pub workspace: String,
    pub data: Option<Data>,
    pub loading: Option<Loading>,
    /// Only the most severe findings are loaded yet, of this many.
    pub preview: Option<usize>,
    /// While only the first screen is loaded: every current finding per
    /// severity, as the store counted them at import (never the rows
    /// loaded so far), indexed by `Severity as usize`.
    pub preview_tally: [usize; 6],
    /// Results of finished scans, held until the user asks for them so that
    /// the list never moves under the cursor: the data and what is new in it.
    pub pending: Option<(Box<Data>, Incoming)>,
    /// The shared files changed before the first load finished: read them
    /// again once it has.
    pub changed_while_loading: WorkspaceChange,
    /// `Ctrl-R` asked for the next reload: it is shown at once, not held.
    pub reload_asked: bool,
    /// The finding to select again once the next search lands.
    pub reselect: Option<FindingRef>,
    /// The release gate's verdict, recomputed whenever decisions or checklist records change.
    pub gate: Option<crate::gate::Verdict>,
    /// Frames drawn so far (`Msg::Drawn`): what was on screen when a key came.
    pub frames: u64,
    /// The blocking reason `b` showed last (an index into the verdict's).
    pub blocker: Option<usize>,
    /// What the checklist's checks last counted, kept so that rechecking the
    /// workspace files while the checklist is open does not walk every finding.
    pub evidence_input: Option<checklist::EvidenceInput>,
    /// A recheck of the evidence is running.
    pub rechecking: bool,
    /// Where exports are written (the workspace's folder), shown before saving.
    pub export_folder: Option<String>,

    // The findings pane: the query, its rows and the marks.
    /// The committed query text and its parse.
    pub query_text: String,
    pub query: Query,
    /// While the query line is open: the text being typed, and the text to restore on cancel.
    pub editing: Option<(super::line_edit::LineEdit, String)>,
    /// The command line (`:`), while open.
    pub command: Option<command::CommandLine>,
    /// Commands run before, oldest first (kept per workspace).
    pub command_history: Vec<String>,
    /// The findings table's columns, chosen by name (`:columns`); `None`:
    /// as many as the width allows.
    pub columns: Option<Vec<String>>,
    /// Views saved by name, per workspace (`:view save NAME`).
    pub named_views: std::collections::BTreeMap<String, command::SavedView>,
    /// Queries applied before, oldest first (kept with the view, per workspace).
    pub query_history: Vec<String>,
    /// While recalling: the history entry shown, and the text typed before.
    pub history_at: Option<(usize, String)>,
    pub query_error: Option<String>,
    pub min_severity: Option<Severity>,
    /// Only findings that changed since the previous scan of their target.
    pub changes_only: bool,
    /// Only what needs work: resolved and decided rows hidden (`H`).
    pub work_only: bool,
    pub sort: SortKey,
    pub reverse: bool,
    pub order: Arc<Vec<u32>>,
    /// Finding indices shown, in order.
    pub visible: Vec<u32>,
    /// Severity counts of `visible`, kept with it so that drawing never counts.
    pub visible_tally: [usize; 6],
    /// Shown rows resolved or decided (fixed, gone, suppressed, accepted, …).
    pub visible_resolved: usize,
    /// Newest search asked for, and the one `visible` comes from.
    pub generation: u64,
    pub shown_generation: u64,
    pub findings: Cursor,
    /// Findings marked for a bulk action, by fingerprint, so that a reload
    /// never moves a mark onto another row.
    pub marked: std::collections::BTreeSet<crate::model::Fingerprint>,

    // The targets pane.
    /// The target chosen in the targets pane, by name: search-index ids
    /// change with every load, names do not.
    pub target_filter: Option<String>,
    /// The targets pane lists by name instead of by score.
    pub targets_by_name: bool,
    pub targets: Cursor,

    // The detail pane.
    pub detail_scroll: u16,

    // The scans pane and the scan tasks.
    pub tasks: Cursor,
    /// Scan tasks, the engine line and the tasks list.
    pub scans: super::tasks::TaskBoard,

    // Overlays, each owned by its pane (`panes::*`).
    pub help: Option<HelpState>,
    pub dialog: Option<self::dialog::Dialog>,
    /// The export dialog whose export is being written, brought back to ask
    /// before replacing a file of that name.
    pub asked_export: Option<self::dialog::Dialog>,
    pub checklist: Option<ChecklistPanel>,
    /// The fix plan, while it is open.
    pub plan: Option<self::plan::PlanPanel>,
    /// The decision audit (`A`), as it was when opened.
    pub audit: Option<self::audit::AuditPanel>,
    /// The DefectDojo panel (`D`).
    pub dojo: Option<self::dojo::DojoPanel>,
    /// The group view, while it is open.
    pub groups: Option<self::groups::GroupPanel>,
    /// What `R` would scan, while it is being chosen.
    pub picker: Option<self::picker::ScanPicker>,

    // Decisions: who records them, when, and what is on its way to disk.
    /// Who decisions are recorded as, and the time they are recorded at
    /// (refreshed by the runtime before every update).
    pub actor: String,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Set when the last save failed: shown until a save succeeds.
    pub unsaved: Option<String>,
    /// A save is on its way to disk.
    pub saving: bool,
    /// What each of this session's triage changes replaced, the newest last:
    /// what `Z` puts back, one change at a time.
    pub undo: Vec<Vec<crate::triage::engine::Change>>,
    /// What each undo took back, the newest last: what `Ctrl-Y` makes again.
    pub redo: Vec<Vec<crate::triage::engine::Change>>,
    /// The undo or redo on its way to disk, kept to go back on its stack if
    /// the save fails.
    pub stepping: Option<(UndoStep, Vec<crate::triage::engine::Change>)>,

    // The terminal: focus, keys, size, the status line.
    pub focus: Pane,
    pub pending_keys: Vec<Key>,
    pub mouse: bool,
    pub status: Option<String>,
    pub size: (u16, u16),
    pub quitting: bool,
}

impl AppState {
    pub fn new(workspace: &str, size: (u16, u16)) -> AppState {
        AppState {
            workspace: workspace.to_string(),
            data: None,
            loading: Some(Loading {
                done: 0,
                total: 0,
                current: String::new(),
            }),
            focus: Pane::Findings,
            query_text: String::new(),
            query: Query::default(),
            editing: None,
            query_error: None,
            min_severity: None,
            target_filter: None,
            sort: SortKey::Severity,
            reverse: false,
            targets_by_name: false,
            order: Arc::new(Vec::new()),
            visible: Vec::new(),
            visible_tally: [0; 6],
            visible_resolved: 0,
            generation: 0,
            shown_generation: 0,
            findings: Cursor::default(),
            targets: Cursor::default(),
            tasks: Cursor::default(),
            detail_scroll: 0,
            help: None,
            pending_keys: Vec::new(),
            mouse: false,
            status: None,
            size,
            quitting: false,
            changes_only: false,
            work_only: false,
            marked: std::collections::BTreeSet::new(),
            dialog: None,
            unsaved: None,
            saving: false,
            actor: "unknown".into(),
            now: crate::clock::now(),
            checklist: None,
            plan: None,
            audit: None,
            dojo: None,
            picker: None,
            undo: Vec::new(),
            redo: Vec::new(),
            stepping: None,
            groups: None,
            gate: None,
            blocker: None,
            query_history: Vec::new(),
            command: None,
            command_history: Vec::new(),
            named_views: Default::default(),
            columns: None,
            history_at: None,
            frames: 0,
            scans: super::tasks::TaskBoard::default(),
            pending: None,
            changed_while_loading: Default::default(),
            reload_asked: false,
            reselect: None,
            preview: None,
            preview_tally: [0; 6],
            evidence_input: None,
            rechecking: false,
            export_folder: None,
            asked_export: None,
        }
    }

    /// The key context: a popup, then the query line, then the focused pane.
    pub fn context(&self) -> Context {
        if self.help.is_some() {
            Context::Help
        } else if self.command.is_some() {
            Context::Command
        } else if self.scans.open {
            Context::Scans
        } else if self.picker.is_some() {
            Context::Picker
        } else if self.checklist.is_some() {
            Context::Checklist
        } else if self.plan.is_some() {
            Context::Plan
        } else if self.audit.is_some() {
            Context::Audit
        } else if self.dojo.is_some() {
            Context::Dojo
        } else if self.groups.is_some() {
            Context::Groups
        } else if self.dialog.is_some() {
            Context::Dialog
        } else if self.editing.is_some() {
            Context::Filter
        } else {
            match self.focus {
                Pane::Targets => Context::Targets,
                Pane::Findings => Context::Findings,
                Pane::Detail => Context::Detail,
                Pane::Tasks => Context::Tasks,
            }
        }
    }

    /// Where each pane is on a screen of the current size.
    pub fn areas(&self) -> super::layout::Areas {
        super::layout::Areas::compute(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self.shows_query_line(),
            self.shows_blockers(),
        )
    }

    /// The release is blocked: its reasons get a line under the header.
    pub fn shows_blockers(&self) -> bool {
        self.gate.as_ref().is_some_and(|v| !v.ready())
    }

    /// The query the matcher runs: the typed text plus the minimum severity.
    pub fn effective_query(&self) -> Query {
        let mut q = self.query.clone();
        if self.changes_only {
            q.conditions.push(language::Condition {
                term: language::Term::Change(language::ChangeFilter::Any),
                negated: false,
            });
        }
        if self.work_only {
            // `status:open` holds for open, overdue and regressed findings:
            // what needs work (`Status::needs_work`).
            q.conditions.push(language::Condition {
                term: language::Term::Status(vec![crate::triage::Status::Open]),
                negated: false,
            });
        }
        if let Some(min) = self.min_severity {
            q.conditions.push(language::Condition {
                term: language::Term::Severity(language::Comparison::Ge, min),
                negated: false,
            });
        }
        q
    }

    pub fn selected_finding(&self) -> Option<usize> {
        self.visible
            .get(self.findings.selected)
            .map(|i| *i as usize)
    }

    /// The selected finding by identity.
    pub fn selected_ref(&self) -> Option<FindingRef> {
        let data = self.data.as_ref()?;
        FindingRef::of(data.view.findings.get(self.selected_finding()?)?).into()
    }

    /// The search-index id of the target filter in the loaded data; `None`
    /// when no filter is set, `u32::MAX` when the target has no findings now.
    pub fn target_filter_id(&self) -> Option<u32> {
        let name = self.target_filter.as_ref()?;
        Some(
            self.data
                .as_ref()
                .and_then(|d| d.targets.iter().find(|t| &t.name == name))
                .map_or(u32::MAX, |t| t.id),
        )
    }

    /// Whether finding `i` of the loaded data is marked.
    pub fn is_marked(&self, i: usize) -> bool {
        !self.marked.is_empty()
            && self
                .data
                .as_ref()
                .and_then(|d| d.view.findings.get(i))
                .is_some_and(|f| self.marked.contains(&f.fingerprint))
    }

    pub fn target_rows(&self) -> usize {
        self.data.as_ref().map_or(1, |d| d.targets.len() + 1)
    }

    pub fn run_rows(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.view.runs.len())
    }

    /// Replaces the shown rows and their tally: what needs work per
    /// severity, and what is resolved or decided apart.
    pub fn set_visible(&mut self, rows: Vec<u32>) {
        let mut tally = [0usize; 6];
        let mut resolved = 0;
        if let Some(data) = &self.data {
            for i in &rows {
                let i = *i as usize;
                let needs_work = data.view.facts.needs_work(i);
                if needs_work {
                    tally[data.view.findings[i].severity as usize] += 1;
                } else {
                    resolved += 1;
                }
            }
        }
        self.visible = rows;
        self.visible_tally = tally;
        self.visible_resolved = resolved;
    }

    /// The query line is shown while editing and while a query is active.
    pub fn shows_query_line(&self) -> bool {
        self.editing.is_some() || !self.query_text.is_empty() || self.query_error.is_some()
    }

    /// Whether a search is still running for what the user last asked.
    pub fn searching(&self) -> bool {
        self.generation != self.shown_generation
    }
}
