//! `update(state, key map, message) -> effects`: every change to the
//! console's state happens here, synchronously and without I/O, so that it
//! can be tested by calling it.

use super::action::Action;
use super::data::Data;
use super::keymap::{Context, Key, KeyMap, Resolution};
use super::layout::{contains, Areas};
use super::state::{AppState, Cursor, Loading, Pane};
use crate::query::{language, Query, SearchIndex, SortKey};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::sync::Arc;

/// Everything that can happen to the console.
pub enum Msg {
    /// A save finished: the decision file as now on disk, or why it failed.
    Saved(
        Result<
            (
                crate::store::decisions::DecisionFile,
                String,
                super::panes::dialog::UndoAfterSave,
            ),
            String,
        >,
    ),
    /// A checklist record was saved: the file as now on disk and a summary, or why it failed.
    ChecklistSaved(Result<(crate::checklist::progress::ChecklistFile, String), String>),
    /// An export was written (its summary) or not (why).
    Exported(Result<String, ExportRefusal>),
    Key(KeyEvent),
    Action(Action),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Progress(Loading),
    /// The most severe findings, shown while the whole set (this many) loads.
    Preview(Box<Data>, usize),
    /// The checklist's automatic checks, run again.
    EvidenceRechecked(std::collections::BTreeMap<String, crate::checklist::evidence::Evidence>),
    Loaded(Box<Data>),
    LoadFailed(String),
    SearchDone {
        generation: u64,
        rows: Vec<u32>,
    },
    /// Something happened to a scan task.
    Task(crate::scan::runner::TaskEvent),
    /// The Docker engine answered (its description) or could not be used
    /// (a short word and the full explanation).
    Engine(Result<String, (String, String)>),
    /// The workspace was read again after a scan imported results.
    Reloaded(Box<Data>),
    /// A second passed while tasks run (their elapsed times move).
    Tick,
    /// The fix plan a worker made.
    PlanReady(super::panes::plan::PlanPanel),
    AuditReady(super::panes::audit::AuditPanel),
    /// A DefectDojo worker's progress line.
    DojoProgress(String),
    /// A DefectDojo worker finished.
    DojoDone(Box<super::panes::dojo::DojoResult>),
    /// The groups a worker made.
    GroupsReady(super::panes::groups::GroupPanel),
    /// The engine's images, for the scan picker (or why there are none).
    ImagesListed(Result<Vec<crate::scan::docker::ImageEntry>, String>),
    /// Time to look at the workspace files again while the checklist is open.
    ChecklistTick,
    /// A one-line message for the status line.
    Notice(String),
}

/// What `r` and `R` scan again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RescanScope {
    /// One image: native checks and the installed image scanners.
    Image(String),
    /// The workspace's project files.
    Project,
    /// Every image on the engine, the running containers and the project.
    All,
    /// What was ticked in the scan picker.
    Chosen {
        images: Vec<String>,
        project: bool,
        containers: bool,
    },
}

/// What the runtime must do after an update.
#[derive(Debug)]
pub enum Effect {
    Search(SearchRequest),
    /// Write a triage change to decisions.json (under the lock, merged with what is on disk).
    Save(super::panes::dialog::TriageChange),
    /// Render the shown rows in `format` and write them to `path` (relative to the workspace).
    Export {
        format: crate::export::ExportFormat,
        path: String,
        rows: Vec<u32>,
        filter: String,
        /// The user agreed to replace an existing file of that name.
        replace: bool,
    },
    /// Write a checklist record to checklist.json (under the lock, merged with what is on disk).
    SaveChecklist(super::panes::checklist::ChecklistEdit),
    /// Copy text to the clipboard (OSC 52); already sanitised.
    Copy(String),
    SetMouse(bool),
    Suspend,
    Quit,
    /// Plan and queue scans.
    Rescan(RescanScope),
    CancelTask(crate::scan::runner::TaskId),
    /// Read the workspace again in the background (results were imported).
    Reload,
    /// Open a workspace file (relative to the workspace) at a line in the
    /// user's editor, suspending the console meanwhile.
    Edit {
        path: String,
        line: Option<u32>,
    },
    /// Ask the Docker engine for its images, for the scan picker.
    ListImages,
    /// Work too slow for the thread that answers keys; its result comes back as a message.
    Compute(Job),
    /// Open an advisory address in the browser.
    OpenUrl(String),
    /// Push to or pull from DefectDojo on a worker (`panes::dojo`).
    DefectDojo(Box<super::panes::dojo::DojoRequest>),
    /// Run the checklist's automatic checks again (a decision changed what
    /// they count, or the workspace files may have changed).
    RecheckEvidence(EvidenceInput),
}

/// What the automatic checks judge, for a background thread: the counts of
/// findings that need work (one pass, nothing copied) and the scan runs.
#[derive(Clone, Debug)]
pub struct EvidenceInput {
    pub open: crate::checklist::evidence::OpenCounts,
    pub runs: Vec<crate::store::RunRecord>,
}

impl EvidenceInput {
    pub fn of(data: &Data) -> EvidenceInput {
        EvidenceInput {
            open: crate::checklist::evidence::OpenCounts::of(
                data.view.findings[..data.view.gone_from.min(data.view.findings.len())]
                    .iter()
                    .zip(data.view.assessments.iter()),
            ),
            runs: data.view.runs.clone(),
        }
    }
}

/// Work done on a worker: the fix plan and the group view of the rows
/// shown, over findings shared with the console (never copied).
#[derive(Debug)]
pub enum Job {
    Plan {
        findings: Arc<Vec<crate::model::Finding>>,
        assessments: Arc<Vec<crate::triage::Assessment>>,
        rows: Vec<u32>,
        bases: Arc<crate::plan::BaseImages>,
    },
    Groups {
        by: super::panes::groups::GroupBy,
        findings: Arc<Vec<crate::model::Finding>>,
        rows: Vec<u32>,
    },
    Audit {
        findings: Arc<Vec<crate::model::Finding>>,
        assessments: Arc<Vec<crate::triage::Assessment>>,
        triage: Box<crate::store::decisions::DecisionFile>,
        ignore_files: Arc<Vec<(String, String)>>,
        now: chrono::DateTime<chrono::Utc>,
    },
}

impl Job {
    /// Does the work; the message that brings its result to `update`.
    pub fn run(self) -> Msg {
        match self {
            Job::Plan {
                findings,
                assessments,
                rows,
                bases,
            } => Msg::PlanReady(super::panes::plan::panel(
                &findings,
                &assessments,
                &rows,
                &bases,
            )),
            Job::Groups { by, findings, rows } => {
                Msg::GroupsReady(super::panes::groups::panel(by, &findings, &rows))
            }
            Job::Audit {
                findings,
                assessments,
                triage,
                ignore_files,
                now,
            } => Msg::AuditReady(super::panes::audit::panel(
                &findings,
                &assessments,
                &triage,
                &ignore_files,
                now,
            )),
        }
    }
}

/// Why an export was not written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportRefusal {
    /// A file of that name exists (its full name, sanitised): the console
    /// asks before replacing it.
    Exists(String),
    Other(String),
}

/// A search for the matcher thread; the newest generation wins.
pub struct SearchRequest {
    pub generation: u64,
    pub query: Query,
    pub sort: SortKey,
    pub reverse: bool,
    pub target: Option<u32>,
    pub index: Arc<SearchIndex>,
    pub facts: Arc<crate::query::search::Facts>,
}

impl std::fmt::Debug for SearchRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SearchRequest(gen {}, {:?}, sort {:?}{})",
            self.generation,
            self.query,
            self.sort,
            if self.reverse { " reversed" } else { "" }
        )
    }
}

pub(crate) fn areas(state: &AppState) -> Areas {
    let query_line =
        state.editing.is_some() || !state.query_text.is_empty() || state.query_error.is_some();
    Areas::compute(Rect::new(0, 0, state.size.0, state.size.1), query_line)
}

/// Asks for a new search with the current query, sort and target.
pub(crate) fn search(state: &mut AppState) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    state.generation += 1;
    vec![Effect::Search(SearchRequest {
        generation: state.generation,
        query: state.effective_query(),
        sort: state.sort,
        reverse: state.reverse,
        target: state.target_filter_id(),
        index: Arc::clone(&data.view.index),
        facts: Arc::clone(&data.view.facts),
    })]
}

/// The key context: a popup, then the query line, then the focused pane.
pub fn context_of(state: &AppState) -> Context {
    if state.help.is_some() {
        Context::Help
    } else if state.scans.open {
        Context::Scans
    } else if state.picker.is_some() {
        Context::Picker
    } else if state.checklist.is_some() {
        Context::Checklist
    } else if state.plan.is_some() {
        Context::Plan
    } else if state.audit.is_some() {
        Context::Audit
    } else if state.dojo.is_some() {
        Context::Dojo
    } else if state.groups.is_some() {
        Context::Groups
    } else if state.dialog.is_some() {
        Context::Dialog
    } else if state.editing.is_some() {
        Context::Filter
    } else {
        match state.focus {
            Pane::Targets => Context::Targets,
            Pane::Findings => Context::Findings,
            Pane::Detail => Context::Detail,
            Pane::Tasks => Context::Tasks,
        }
    }
}

pub fn update(state: &mut AppState, keymap: &KeyMap, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(ev) => key(state, keymap, ev),
        Msg::Action(a) => act(state, keymap, a),
        Msg::Mouse(ev) => mouse(state, ev),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            clamp_cursors(state);
            Vec::new()
        }
        Msg::Progress(p) => {
            if state.preview.is_some() && p.total > 0 {
                state.status = Some(preview_status(p.done, p.total));
            }
            state.loading = Some(p);
            Vec::new()
        }
        Msg::EvidenceRechecked(evidence) => {
            state.rechecking = false;
            if let Some(data) = &mut state.data {
                data.walk.evidence = evidence;
            }
            regate(state);
            Vec::new()
        }
        Msg::Preview(data, total) => {
            if state.data.is_some() {
                return Vec::new(); // the whole set came first
            }
            let shown = data.view.findings.len();
            let mut effects = update(state, keymap, Msg::Loaded(data));
            // Expiring lapsed decisions waits for the whole set's load.
            if effects
                .iter()
                .any(|e| matches!(e, Effect::Save(super::panes::dialog::TriageChange::Expire)))
            {
                state.saving = false;
                effects.retain(|e| !matches!(e, Effect::Save(_)));
            }
            state.preview = Some(total);
            // A verdict over part of the findings would be wrong: none until all are in.
            state.gate = None;
            state.status = Some(preview_status(shown, total));
            effects
        }
        Msg::Loaded(data) => {
            if state.preview.take().is_some() {
                // The whole set replaces the first screen: stay on the same finding.
                state.reselect = state.selected_ref();
                state.status = None;
            }
            if !data.view.warnings.is_empty() {
                state.status = Some(format!(
                    "{} warning(s) while loading: {}",
                    data.view.warnings.len(),
                    data.view.warnings[0]
                ));
            }
            let expiring =
                crate::triage::engine::expiring_soon(&data.view.triage, state.now, 10).len();
            let lapsed = data
                .view
                .triage
                .decisions
                .values()
                .filter(|d| d.until.is_some() && d.expired(state.now))
                .count();
            if expiring > 0 && state.status.is_none() {
                state.status = Some(format!(
                    "heads-up: {expiring} decision(s) expire within 10 days"
                ));
            }
            state.order = Arc::clone(&data.initial_order);
            let rows = data.initial_order.to_vec();
            state.data = Some(*data);
            // What the checks counted was about the data just replaced.
            state.evidence_input = None;
            state.set_visible(rows);
            state.loading = None;
            state.findings = Cursor::default();
            rebase(state);
            regate(state);
            let mut effects = search(state);
            state.shown_generation = state.generation;
            if lapsed > 0
                && state
                    .data
                    .as_ref()
                    .is_some_and(|d| d.view.triage_read_only.is_none())
            {
                state.saving = true;
                effects.push(Effect::Save(super::panes::dialog::TriageChange::Expire));
            }
            effects
        }
        Msg::LoadFailed(message) => {
            state.loading = None;
            state.status = Some(message);
            state.data = Some(Data::empty());
            Vec::new()
        }
        Msg::Saved(result) => {
            state.saving = false;
            match result {
                Ok((file, summary, undo)) => {
                    state.unsaved = None;
                    if let Some(changes) = undo {
                        state.undo = Some(changes).filter(|c| !c.is_empty());
                    }
                    state.status = Some(summary);
                    state.marked.clear();
                    let now = state.now;
                    // Results waiting behind the banner were read before this
                    // save: they get the decisions as now on disk too.
                    if let Some((pending, _)) = &mut state.pending {
                        pending.reassess(file.clone(), now);
                    }
                    if let Some(data) = &mut state.data {
                        data.reassess(file, now);
                    }
                    regate(state);
                    let mut effects = search(state);
                    // What the checklist's checks count just changed.
                    effects.extend(recheck(state));
                    effects
                }
                Err(message) => {
                    state.unsaved = Some(message);
                    Vec::new()
                }
            }
        }
        Msg::Exported(result) => {
            let asked = state.asked_export.take();
            match result {
                Ok(summary) => state.status = Some(summary),
                Err(ExportRefusal::Exists(shown)) => match asked {
                    Some(mut dialog) if state.dialog.is_none() => {
                        dialog.confirming = true;
                        dialog.error = None;
                        dialog.exists = Some(shown);
                        state.status = None;
                        state.dialog = Some(dialog);
                    }
                    _ => state.status = Some(format!("NOT EXPORTED: {shown} exists")),
                },
                Err(ExportRefusal::Other(why)) => {
                    state.status = Some(format!("NOT EXPORTED: {why}"))
                }
            }
            Vec::new()
        }
        Msg::ChecklistSaved(result) => {
            state.saving = false;
            match result {
                Ok((file, summary)) => {
                    state.unsaved = None;
                    state.status = Some(summary);
                    if let Some(data) = &mut state.data {
                        data.walk.records = file;
                    }
                    regate(state);
                }
                Err(message) => state.unsaved = Some(message),
            }
            Vec::new()
        }
        Msg::Task(event) => {
            if state.scans.apply(event, state.now) {
                vec![Effect::Reload]
            } else {
                Vec::new()
            }
        }
        Msg::Engine(line) => {
            state.scans.engine = match line {
                Ok(info) => super::tasks::EngineLine::Connected(info),
                Err((short, full)) => {
                    crate::logging::log(&full);
                    super::tasks::EngineLine::Unavailable { short, full }
                }
            };
            Vec::new()
        }
        Msg::Tick => Vec::new(),
        Msg::PlanReady(panel) => {
            super::panes::plan::ready(state, panel);
            Vec::new()
        }
        Msg::AuditReady(panel) => {
            super::panes::audit::ready(state, panel);
            Vec::new()
        }
        Msg::DojoProgress(line) => {
            super::panes::dojo::progress(state, line);
            Vec::new()
        }
        Msg::DojoDone(mut result) => {
            let file = result.file.take();
            let then_push = result.then_push;
            super::panes::dojo::done(state, *result);
            let Some(file) = file else {
                return Vec::new();
            };
            // As after a save: the decisions DefectDojo gave are shown at once.
            let now = state.now;
            if let Some((pending, _)) = &mut state.pending {
                pending.reassess((*file).clone(), now);
            }
            if let Some(data) = &mut state.data {
                data.reassess(*file, now);
            }
            regate(state);
            let mut effects = search(state);
            effects.extend(recheck(state));
            if then_push {
                effects.extend(super::panes::dojo::push(state));
            }
            effects
        }
        Msg::GroupsReady(panel) => {
            super::panes::groups::ready(state, panel);
            Vec::new()
        }
        Msg::ImagesListed(listed) => {
            super::panes::picker::open(state, listed);
            Vec::new()
        }
        Msg::ChecklistTick => {
            // Files the checks read (Dockerfiles, compose files) may have
            // changed outside: shown evidence must not stay stale.
            if state.checklist.is_none() || state.rechecking {
                return Vec::new();
            }
            match state.evidence_input.clone() {
                Some(input) => {
                    state.rechecking = true;
                    vec![Effect::RecheckEvidence(input)]
                }
                None => recheck(state),
            }
        }
        Msg::Notice(text) => {
            state.status = Some(text);
            Vec::new()
        }
        Msg::Reloaded(mut data) => {
            // A reload that read decisions.json before a save finished must
            // not bring the older decisions back.
            if let Some(current) = &state.data {
                if current.view.triage.audit.len() > data.view.triage.audit.len() {
                    data.reassess(current.view.triage.clone(), state.now);
                }
            }
            let empty = state
                .data
                .as_ref()
                .is_none_or(|d| d.view.findings.is_empty());
            if empty {
                return update(state, keymap, Msg::Loaded(data));
            }
            let known: std::collections::HashSet<crate::model::Fingerprint> = state
                .data
                .as_ref()
                .map(|d| d.view.findings.iter().map(|f| f.fingerprint).collect())
                .unwrap_or_default();
            let new = data
                .view
                .findings
                .iter()
                .filter(|f| !known.contains(&f.fingerprint))
                .count();
            state.pending = Some((data, new));
            Vec::new()
        }
        Msg::SearchDone { generation, rows } => {
            if generation != state.generation {
                return Vec::new(); // a newer query is on its way
            }
            let keep = state.selected_finding();
            let reselect = state.reselect.take();
            state.set_visible(rows);
            state.shown_generation = generation;
            let wanted = match (reselect, &state.data) {
                (Some(row), Some(data)) => data.view.findings.iter().position(|f| row.is(f)),
                _ => keep,
            };
            let at = wanted
                .and_then(|f| state.visible.iter().position(|v| *v as usize == f))
                .unwrap_or(0);
            let height = areas(state).findings_rows();
            state.findings = Cursor {
                selected: at,
                offset: state.findings.offset,
            }
            .visible(state.visible.len(), height);
            state.detail_scroll = 0;
            Vec::new()
        }
    }
}

fn key(state: &mut AppState, keymap: &KeyMap, ev: KeyEvent) -> Vec<Effect> {
    if state.help.is_none() && super::panes::checklist::prompting(state) {
        return super::panes::checklist::type_prompt(state, ev);
    }
    let k = Key::from_event(&ev);
    let ctx = context_of(state);
    if matches!(ctx, Context::Help | Context::Filter | Context::Dialog) {
        if let Resolution::Action(a) = keymap.resolve(ctx, &[k]) {
            return act(state, keymap, a);
        }
        return type_text(state, ev);
    }
    state.pending_keys.push(k);
    match keymap.resolve(ctx, &state.pending_keys) {
        Resolution::Action(a) => {
            state.pending_keys.clear();
            act(state, keymap, a)
        }
        Resolution::Pending => Vec::new(),
        Resolution::Unbound => {
            let retry = state.pending_keys.len() > 1;
            state.pending_keys.clear();
            if retry {
                return key(state, keymap, ev);
            }
            Vec::new()
        }
    }
}

/// Printable keys in the query line or the help filter.
fn type_text(state: &mut AppState, ev: KeyEvent) -> Vec<Effect> {
    if state.help.is_none() {
        if let Some(dialog) = &mut state.dialog {
            return super::panes::dialog::type_into(dialog, ev);
        }
    }
    if state.help.is_none() {
        // The query line edits as every text field does (`line_edit`).
        if let Some((line, _)) = &mut state.editing {
            return if line.apply(&ev) {
                requery(state)
            } else {
                Vec::new()
            };
        }
    }
    // Alt-modified characters are key chords that lost their Escape (tmux), not text.
    if ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return Vec::new();
    }
    let edit = |text: &mut String| match ev.code {
        KeyCode::Char(c) => {
            text.push(c);
            true
        }
        KeyCode::Backspace => text.pop().is_some(),
        _ => false,
    };
    if let Some(help) = &mut state.help {
        if edit(&mut help.filter) {
            help.selected = 0;
        }
        return Vec::new();
    }
    Vec::new()
}

/// Re-parses the text being typed; a bad term keeps the last good results.
pub(crate) fn requery(state: &mut AppState) -> Vec<Effect> {
    let text = state
        .editing
        .as_ref()
        .map(|(line, _)| line.text().to_string())
        .unwrap_or_else(|| state.query_text.clone());
    match language::parse(&text) {
        Ok(q) => {
            state.query = q;
            state.query_error = None;
            state.query_text = text;
            search(state)
        }
        Err(e) => {
            state.query_error = Some(e.to_string());
            Vec::new()
        }
    }
}

/// Replaces the committed query (used by jumps from other views).
pub fn set_query(state: &mut AppState, text: String) -> Vec<Effect> {
    state.editing = None;
    state.query_text = text;
    requery(state)
}

/// Runs the checklist's checks again on what the loaded data counts now.
pub(crate) fn recheck(state: &mut AppState) -> Vec<Effect> {
    match &state.data {
        Some(data) if state.preview.is_none() && !data.walk.lists.is_empty() => {
            let input = EvidenceInput::of(data);
            state.evidence_input = Some(input.clone());
            state.rechecking = true;
            vec![Effect::RecheckEvidence(input)]
        }
        _ => Vec::new(),
    }
}

fn preview_status(done: usize, total: usize) -> String {
    format!(
        "loading {done}/{total} findings: the most severe are shown; * and export wait for the rest"
    )
}

/// Actions over the whole current filter would miss what is not loaded yet.
pub(crate) fn needs_everything(state: &mut AppState) -> bool {
    if state.preview.is_some() {
        state.status = Some("still loading every finding: try again in a moment".into());
        return true;
    }
    false
}

fn regate(state: &mut AppState) {
    if state.preview.is_some() {
        return;
    }
    let now = state.now;
    state.gate = state.data.as_ref().map(|d| d.verdict(now));
}

/// Hands an action to the pane, overlay or dialog that owns it.
pub(crate) fn act(state: &mut AppState, keymap: &KeyMap, action: Action) -> Vec<Effect> {
    use super::panes::{
        checklist, dialog, findings, groups, help, plan, query_line, scans, targets,
    };
    if state.help.is_none() {
        if let Some(effects) = overlay_act(state, action) {
            return effects;
        }
    }
    let a = areas(state);
    match action {
        Action::Quit => {
            state.quitting = true;
            vec![Effect::Quit]
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::ToggleMouse => toggle_mouse(state),
        Action::Back => back(state, keymap),
        Action::Help | Action::CloseHelp | Action::RunHelpEntry => help::act(state, keymap, action),
        Action::FocusNext | Action::FocusPrev => cycle_focus(state, action),
        Action::FocusTargets => focus(state, Pane::Targets),
        Action::FocusFindings => focus(state, Pane::Findings),
        Action::FocusDetail => focus(state, Pane::Detail),
        Action::FocusTasks => focus(state, Pane::Tasks),
        Action::SortNext | Action::SortReverse if state.focus == Pane::Targets => {
            targets::sort(state, action)
        }
        Action::OpenFilter
        | Action::ApplyFilter
        | Action::CancelFilter
        | Action::ClearFilterLine
        | Action::RaiseMinSeverity
        | Action::LowerMinSeverity
        | Action::SortNext
        | Action::SortReverse
        | Action::ToggleChanges => query_line::act(state, action),
        Action::MoveDown => step(state, &a, 1),
        Action::MoveUp => step(state, &a, -1),
        Action::HalfPageDown => step(state, &a, page(state, &a) as isize / 2),
        Action::HalfPageUp => step(state, &a, -(page(state, &a) as isize / 2)),
        Action::PageDown => step(state, &a, page(state, &a) as isize),
        Action::PageUp => step(state, &a, -(page(state, &a) as isize)),
        Action::GoTop => step(state, &a, isize::MIN / 2),
        Action::GoBottom => step(state, &a, isize::MAX / 2),
        Action::Open => match state.focus {
            Pane::Targets => targets::open(state),
            Pane::Findings => focus(state, Pane::Detail),
            _ => Vec::new(),
        },
        Action::MarkFixed
        | Action::Snooze
        | Action::AcceptRisk
        | Action::Suppress
        | Action::Reopen
        | Action::Note
        | Action::ToggleMark
        | Action::MarkAll
        | Action::Undo
        | Action::CopyId
        | Action::CopyMenu
        | Action::OpenInEditor
        | Action::OpenReference
        | Action::Export => findings::act(state, action),
        Action::DialogNext | Action::DialogPrev | Action::DialogCancel | Action::DialogConfirm => {
            dialog::act(state, action)
        }
        Action::OpenTasks
        | Action::CloseTasks
        | Action::Rescan
        | Action::RescanAll
        | Action::CancelTask
        | Action::ApplyResults => scans::act(state, keymap, action),
        Action::OpenChecklist => {
            // Shown evidence is never stale: the checks run again on opening.
            let mut effects = checklist::open(state);
            if state.checklist.is_some() {
                effects.extend(recheck(state));
            }
            effects
        }
        Action::OpenGroups if !needs_everything(state) => groups::open(state),
        Action::OpenPlan if !needs_everything(state) => plan::open(state),
        Action::OpenAudit if !needs_everything(state) => super::panes::audit::open(state),
        Action::OpenDojo if !needs_everything(state) => super::panes::dojo::open(state),
        // The overlays' own keys, when their overlay is not open.
        Action::OpenGroups
        | Action::OpenPlan
        | Action::CloseChecklist
        | Action::ChecklistToggle
        | Action::ChecklistNotApplicable
        | Action::ChecklistNote
        | Action::ChecklistNextList
        | Action::ChecklistJump
        | Action::ClosePlan
        | Action::PlanShow
        | Action::PlanDone
        | Action::OpenAudit
        | Action::CloseAudit
        | Action::AuditShow
        | Action::OpenDojo
        | Action::CloseDojo
        | Action::DojoCheck
        | Action::DojoPush
        | Action::DojoPull
        | Action::DojoSync
        | Action::GroupToggle
        | Action::GroupNext
        | Action::CloseGroups
        | Action::PickToggle
        | Action::PickAll
        | Action::PickScan
        | Action::PickCancel
        | Action::None => Vec::new(),
    }
}

/// The open overlay (scan tasks, checklist, picker, groups, plan) takes the
/// keys it owns first.
fn overlay_act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    use super::panes::{checklist, groups, picker, plan, scans};
    type OverlayKeys = fn(&mut AppState, Action) -> Option<Vec<Effect>>;
    let overlays: [(bool, OverlayKeys); 7] = [
        (state.scans.open, scans::act_open),
        (state.checklist.is_some(), checklist::act),
        (state.picker.is_some(), picker::act),
        (state.groups.is_some(), groups::act),
        (state.plan.is_some(), plan::act),
        (state.audit.is_some(), super::panes::audit::act),
        (state.dojo.is_some(), super::panes::dojo::act),
    ];
    overlays
        .into_iter()
        .filter(|(open, _)| *open)
        .find_map(|(_, keys)| keys(state, action))
}

fn toggle_mouse(state: &mut AppState) -> Vec<Effect> {
    state.mouse = !state.mouse;
    state.status = Some(format!(
        "mouse capture {}",
        if state.mouse { "on" } else { "off" }
    ));
    vec![Effect::SetMouse(state.mouse)]
}

/// Esc: closes or clears the innermost thing open, one at a time.
fn back(state: &mut AppState, keymap: &KeyMap) -> Vec<Effect> {
    if state.help.is_some() {
        state.help = None;
        Vec::new()
    } else if state.dialog.is_some() {
        state.dialog = None;
        Vec::new()
    } else if !state.marked.is_empty() {
        state.marked.clear();
        Vec::new()
    } else if state.editing.is_some() {
        act(state, keymap, Action::CancelFilter)
    } else if !state.query_text.is_empty() || state.query_error.is_some() {
        state.query_text.clear();
        state.query_error = None;
        requery(state)
    } else if state.target_filter.is_some() {
        state.target_filter = None;
        state.targets = Cursor::default();
        search(state)
    } else if state.min_severity.is_some() {
        state.min_severity = None;
        search(state)
    } else {
        state.status = None;
        Vec::new()
    }
}

fn cycle_focus(state: &mut AppState, action: Action) -> Vec<Effect> {
    let i = state.focus.number() - 1;
    let n = Pane::ORDER.len();
    let next = if action == Action::FocusNext {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    focus(state, Pane::ORDER[next])
}

/// What the shown rows are, for export headers: query, minimum severity, target, changes.
pub fn view_description(state: &AppState) -> String {
    let mut parts = Vec::new();
    if !state.query_text.is_empty() {
        parts.push(format!("query {}", state.query_text));
    }
    if let Some(min) = state.min_severity {
        parts.push(format!("severity >= {}", min.as_str()));
    }
    if let Some(name) = &state.target_filter {
        parts.push(format!("target {name}"));
    }
    if state.changes_only {
        parts.push("changes since the previous scan".into());
    }
    if parts.is_empty() {
        "all findings".into()
    } else {
        parts.join(", ")
    }
}

/// After new data arrived: marks and an open dialog keep only findings
/// still reported, and the targets pane's cursor follows the filtered
/// target to its new row.
fn rebase(state: &mut AppState) {
    let Some(data) = &state.data else {
        return;
    };
    if !state.marked.is_empty() || state.dialog.is_some() {
        let present: std::collections::HashSet<_> =
            data.view.findings.iter().map(|f| f.fingerprint).collect();
        state.marked.retain(|fp| present.contains(fp));
        if let Some(dialog) = &mut state.dialog {
            dialog.targets.retain(|fp| present.contains(fp));
        }
    }
    if let Some(name) = &state.target_filter {
        match data.targets.iter().position(|t| &t.name == name) {
            Some(row) => state.targets.selected = row + 1,
            None => {
                state.status = Some(format!(
                    "{name} has no findings now; Esc shows every target"
                ));
            }
        }
    }
    clamp_cursors(state);
}

fn focus(state: &mut AppState, pane: Pane) -> Vec<Effect> {
    state.focus = pane;
    Vec::new()
}

fn page(state: &AppState, a: &Areas) -> usize {
    match state.focus {
        Pane::Targets => a.targets_rows(),
        Pane::Findings => a.findings_rows(),
        Pane::Detail => a.detail_rows(),
        Pane::Tasks => a.tasks_rows(),
    }
    .max(2)
}

fn step(state: &mut AppState, a: &Areas, delta: isize) -> Vec<Effect> {
    if let Some(dialog) = &mut state.dialog {
        dialog.move_choice(delta.signum());
        return Vec::new();
    }
    if let Some(help) = &mut state.help {
        help.selected = (help.selected as isize + delta).max(0) as usize;
        return Vec::new();
    }
    match state.focus {
        Pane::Findings => {
            state.findings = state
                .findings
                .moved(delta, state.visible.len(), a.findings_rows());
            state.detail_scroll = 0;
        }
        Pane::Targets => {
            state.targets = state
                .targets
                .moved(delta, state.target_rows(), a.targets_rows())
        }
        Pane::Tasks => state.tasks = state.tasks.moved(delta, state.run_rows(), a.tasks_rows()),
        Pane::Detail => {
            // Within the content: the last scroll shows its last row at the bottom.
            let inner = a.detail.width.saturating_sub(2);
            let last =
                super::panes::detail::detail_height(state, inner).saturating_sub(a.detail_rows());
            let last = last.min(usize::from(u16::MAX)) as isize;
            state.detail_scroll = (state.detail_scroll as isize)
                .saturating_add(delta)
                .clamp(0, last) as u16;
        }
    }
    Vec::new()
}

fn clamp_cursors(state: &mut AppState) {
    let a = areas(state);
    state.findings = state
        .findings
        .visible(state.visible.len(), a.findings_rows());
    state.targets = state.targets.visible(state.target_rows(), a.targets_rows());
    state.tasks = state.tasks.visible(state.run_rows(), a.tasks_rows());
}

fn mouse(state: &mut AppState, ev: MouseEvent) -> Vec<Effect> {
    if !state.mouse || state.help.is_some() {
        return Vec::new();
    }
    let a = areas(state);
    let (col, row) = (ev.column, ev.row);
    let pane = [
        (a.targets, Pane::Targets),
        (a.findings, Pane::Findings),
        (a.detail, Pane::Detail),
        (a.tasks, Pane::Tasks),
    ]
    .into_iter()
    .find(|(r, _)| contains(*r, col, row))
    .map(|(_, p)| p);
    let Some(pane) = pane else { return Vec::new() };
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            state.focus = pane;
            match pane {
                Pane::Findings => {
                    let first = a.findings.y + 2;
                    if row >= first {
                        let i = state.findings.offset + (row - first) as usize;
                        if i < state.visible.len() {
                            state.findings.selected = i;
                            state.detail_scroll = 0;
                        }
                    }
                }
                Pane::Targets => {
                    let first = a.targets.y + 1;
                    if row >= first {
                        let i = state.targets.offset + (row - first) as usize;
                        if i < state.target_rows() {
                            state.targets.selected = i;
                        }
                    }
                }
                _ => {}
            }
            Vec::new()
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let previous = state.focus;
            state.focus = pane;
            let delta = if ev.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            step(state, &a, delta);
            state.focus = previous;
            Vec::new()
        }
        _ => Vec::new(),
    }
}
