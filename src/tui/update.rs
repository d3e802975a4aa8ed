//! `update(state, key map, message) -> effects`: every change to the
//! console's state happens here, synchronously and without I/O, so that it
//! can be tested by calling it.

use super::action::Action;
use super::data::Data;
use super::dialog::{Dialog, DialogKind};
use super::keymap::{Context, Key, KeyMap, Resolution};
use super::layout::{contains, Areas};
use super::state::{AppState, Cursor, HelpState, Loading, Pane};
use crate::model::Severity;
use crate::query::{language, Query, SearchIndex, SortKey};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::sync::Arc;

/// Everything that can happen to the console.
pub enum Msg {
    /// A save finished: the decision file as now on disk, or why it failed.
    Saved(Result<(crate::store::decisions::DecisionFile, String), String>),
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
    PlanReady(super::plan_view::PlanPanel),
    /// The groups a worker made.
    GroupsReady(super::group_view::GroupPanel),
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
    Save(super::dialog::TriageChange),
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
    SaveChecklist(super::walk::ChecklistEdit),
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
                data.findings[..data.gone_from.min(data.findings.len())]
                    .iter()
                    .zip(data.assessments.iter()),
            ),
            runs: data.runs.clone(),
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
        by: super::group_view::GroupBy,
        findings: Arc<Vec<crate::model::Finding>>,
        rows: Vec<u32>,
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
            } => Msg::PlanReady(super::plan_view::panel(
                &findings,
                &assessments,
                &rows,
                &bases,
            )),
            Job::Groups { by, findings, rows } => {
                Msg::GroupsReady(super::group_view::panel(by, &findings, &rows))
            }
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

/// The help palette's rows: every bound action with its keys, filtered by text.
pub fn help_entries(keymap: &KeyMap, filter: &str) -> Vec<(Context, String, Action)> {
    let needle = filter.to_lowercase();
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let mut done: Vec<Action> = Vec::new();
        for b in keymap.bindings(ctx) {
            if done.contains(&b.action) || b.action == Action::None {
                continue;
            }
            done.push(b.action);
            let keys = keymap
                .bindings(ctx)
                .iter()
                .filter(|x| x.action == b.action)
                .map(|x| super::keymap::chord_text(&x.chord))
                .collect::<Vec<_>>()
                .join(" ");
            let hay = format!(
                "{} {} {} {}",
                ctx.name(),
                keys,
                b.action.name(),
                b.action.description()
            )
            .to_lowercase();
            if needle.split_whitespace().all(|w| hay.contains(w)) {
                out.push((ctx, keys, b.action));
            }
        }
    }
    out
}

fn areas(state: &AppState) -> Areas {
    let query_line =
        state.editing.is_some() || !state.query_text.is_empty() || state.query_error.is_some();
    Areas::compute(Rect::new(0, 0, state.size.0, state.size.1), query_line)
}

/// Asks for a new search with the current query, sort and target.
fn search(state: &mut AppState) -> Vec<Effect> {
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
        index: Arc::clone(&data.index),
        facts: Arc::clone(&data.facts),
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
            let shown = data.findings.len();
            let mut effects = update(state, keymap, Msg::Loaded(data));
            // Expiring lapsed decisions waits for the whole set's load.
            if effects
                .iter()
                .any(|e| matches!(e, Effect::Save(super::dialog::TriageChange::Expire)))
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
            if !data.warnings.is_empty() {
                state.status = Some(format!(
                    "{} warning(s) while loading: {}",
                    data.warnings.len(),
                    data.warnings[0]
                ));
            }
            let expiring = crate::triage::engine::expiring_soon(&data.triage, state.now, 10).len();
            let lapsed = data
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
                    .is_some_and(|d| d.triage_read_only.is_none())
            {
                state.saving = true;
                effects.push(Effect::Save(super::dialog::TriageChange::Expire));
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
                Ok((file, summary)) => {
                    state.unsaved = None;
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
            super::plan_view::ready(state, panel);
            Vec::new()
        }
        Msg::GroupsReady(panel) => {
            super::group_view::ready(state, panel);
            Vec::new()
        }
        Msg::ImagesListed(listed) => {
            super::scan_picker::open(state, listed);
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
                if current.triage.audit.len() > data.triage.audit.len() {
                    data.reassess(current.triage.clone(), state.now);
                }
            }
            let empty = state.data.as_ref().is_none_or(|d| d.findings.is_empty());
            if empty {
                return update(state, keymap, Msg::Loaded(data));
            }
            let known: std::collections::HashSet<crate::model::Fingerprint> = state
                .data
                .as_ref()
                .map(|d| d.findings.iter().map(|f| f.fingerprint).collect())
                .unwrap_or_default();
            let new = data
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
                (Some(row), Some(data)) => data.findings.iter().position(|f| row.is(f)),
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
    if state.help.is_none() && super::walk::prompting(state) {
        return super::walk::type_prompt(state, ev);
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

/// Keys of the open tasks list; `None` hands the action to the usual handling.
fn scans_act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let len = state.scans.rows.len();
    let height = (state.size.1 as usize).saturating_sub(12).max(3);
    let mut moved = |delta: isize| {
        state.scans.cursor = state.scans.cursor.moved(delta, len, height);
        Some(Vec::new())
    };
    match action {
        Action::MoveDown => moved(1),
        Action::MoveUp => moved(-1),
        Action::GoTop => moved(isize::MIN / 2),
        Action::GoBottom => moved(isize::MAX / 2),
        Action::CancelTask => {
            let Some(row) = state.scans.selected() else {
                return Some(Vec::new());
            };
            if row.state.finished() {
                state.status = Some(format!("{} has already finished", row.label));
                return Some(Vec::new());
            }
            state.status = Some(format!("cancelling {}…", row.label));
            Some(vec![Effect::CancelTask(row.id)])
        }
        _ => None,
    }
}

/// What `r` scans again: the selected target's image, else the project.
fn rescan_scope(state: &AppState) -> RescanScope {
    let Some(data) = &state.data else {
        return RescanScope::Project;
    };
    let image_of = |name: &str| {
        data.findings
            .iter()
            .find(|f| f.display_target() == name)
            .and_then(|f| f.image_name().map(str::to_string))
    };
    match state.focus {
        Pane::Targets => match state.targets.selected {
            0 => RescanScope::All,
            n => data
                .targets
                .get(n - 1)
                .and_then(|t| image_of(&t.name))
                .map_or(RescanScope::Project, RescanScope::Image),
        },
        _ => state
            .selected_finding()
            .and_then(|i| data.findings.get(i))
            .and_then(|f| f.image_name().map(str::to_string))
            .map_or(RescanScope::Project, RescanScope::Image),
    }
}

/// Printable keys in the query line or the help filter.
fn type_text(state: &mut AppState, ev: KeyEvent) -> Vec<Effect> {
    if state.help.is_none() {
        if let Some(dialog) = &mut state.dialog {
            return type_into_dialog(dialog, ev);
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
    let changed = match &mut state.editing {
        Some((text, _)) => edit(text),
        None => false,
    };
    if changed {
        return requery(state);
    }
    Vec::new()
}

/// Keys typed into a dialog: a digit on the choice list picks a choice; the
/// focused field edits as a shell line does (`line_edit`).
fn type_into_dialog(dialog: &mut super::dialog::Dialog, ev: KeyEvent) -> Vec<Effect> {
    if dialog.confirming {
        return Vec::new();
    }
    if dialog.focus == 0 && !dialog.choices.is_empty() {
        // A digit picks a choice and moves on to its fields, where digits
        // are text (a date); other keys go to the first field.
        let plain = !ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if let (KeyCode::Char(c @ '1'..='9'), true) = (ev.code, plain) {
            let n = c as usize - '1' as usize;
            if n < dialog.choices.len() {
                dialog.choice = n;
                dialog.next(false);
            }
            return Vec::new();
        }
        dialog.next(false);
    }
    if let Some(field) = dialog.focused_field() {
        field.line.apply(&ev);
    }
    dialog.error = None;
    Vec::new()
}

/// Re-parses the text being typed; a bad term keeps the last good results.
fn requery(state: &mut AppState) -> Vec<Effect> {
    let text = state
        .editing
        .as_ref()
        .map(|(t, _)| t.clone())
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
fn recheck(state: &mut AppState) -> Vec<Effect> {
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
fn needs_everything(state: &mut AppState) -> bool {
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

fn act(state: &mut AppState, keymap: &KeyMap, action: Action) -> Vec<Effect> {
    if state.scans.open && state.help.is_none() {
        if let Some(effects) = scans_act(state, action) {
            return effects;
        }
    }
    if state.checklist.is_some() && state.help.is_none() {
        if let Some(effects) = super::walk::act(state, action) {
            return effects;
        }
    }
    if state.picker.is_some() && state.help.is_none() {
        if let Some(effects) = super::scan_picker::act(state, action) {
            return effects;
        }
    }
    if state.groups.is_some() && state.help.is_none() {
        if let Some(effects) = super::group_view::act(state, action) {
            return effects;
        }
    }
    if state.plan.is_some() && state.help.is_none() {
        if let Some(effects) = super::plan_view::act(state, action) {
            return effects;
        }
    }
    let a = areas(state);
    match action {
        Action::Quit => {
            state.quitting = true;
            vec![Effect::Quit]
        }
        Action::Help => {
            state.help = Some(HelpState::default());
            Vec::new()
        }
        Action::CloseHelp => {
            state.help = None;
            Vec::new()
        }
        Action::RunHelpEntry => {
            let filter = state
                .help
                .as_ref()
                .map(|h| h.filter.clone())
                .unwrap_or_default();
            let selected = state.help.as_ref().map_or(0, |h| h.selected);
            state.help = None;
            match help_entries(keymap, &filter).get(selected) {
                Some((_, _, chosen))
                    if !matches!(chosen, Action::RunHelpEntry | Action::CloseHelp) =>
                {
                    act(state, keymap, *chosen)
                }
                _ => Vec::new(),
            }
        }
        Action::FocusNext | Action::FocusPrev => {
            let i = state.focus.number() - 1;
            let n = Pane::ORDER.len();
            let next = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.focus = Pane::ORDER[next];
            Vec::new()
        }
        Action::FocusTargets => focus(state, Pane::Targets),
        Action::FocusFindings => focus(state, Pane::Findings),
        Action::FocusDetail => focus(state, Pane::Detail),
        Action::FocusTasks => focus(state, Pane::Tasks),
        Action::OpenFilter => {
            state.editing = Some((state.query_text.clone(), state.query_text.clone()));
            Vec::new()
        }
        Action::ApplyFilter => {
            state.editing = None;
            if state.query_error.is_some() {
                state.status = state.query_error.take();
            }
            Vec::new()
        }
        Action::CancelFilter => {
            let previous = state.editing.take().map(|(_, old)| old).unwrap_or_default();
            state.query_error = None;
            if previous != state.query_text {
                state.query_text = previous;
                return requery(state);
            }
            Vec::new()
        }
        Action::ClearFilterLine => {
            if let Some((text, _)) = &mut state.editing {
                text.clear();
            }
            requery(state)
        }
        Action::OpenTasks => {
            state.scans.open = true;
            state.scans.cursor = Cursor::default();
            Vec::new()
        }
        Action::CloseTasks => {
            state.scans.open = false;
            Vec::new()
        }
        Action::Rescan => {
            let scope = rescan_scope(state);
            let status = match &scope {
                RescanScope::Image(name) => format!("scanning {name} again…"),
                RescanScope::Project => "scanning the project again…".into(),
                // "Everything" is chosen in the picker, never assumed.
                RescanScope::All | RescanScope::Chosen { .. } => {
                    return act(state, keymap, Action::RescanAll)
                }
            };
            state.status = Some(status);
            vec![Effect::Rescan(scope)]
        }
        Action::RescanAll => {
            // Nothing runs before the user has seen what and said yes.
            state.status = Some("asking the Docker engine for its images…".into());
            vec![Effect::ListImages]
        }
        Action::CancelTask => {
            state.status = Some("open the scan tasks with w to cancel one".into());
            Vec::new()
        }
        Action::ApplyResults => match state.pending.take() {
            Some((data, _)) => {
                state.reselect = state.selected_ref();
                update(state, keymap, Msg::Loaded(data))
            }
            None => {
                state.status = Some("no new scan results".into());
                Vec::new()
            }
        },
        Action::Back => {
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
        Action::ToggleMouse => {
            state.mouse = !state.mouse;
            state.status = Some(format!(
                "mouse capture {}",
                if state.mouse { "on" } else { "off" }
            ));
            vec![Effect::SetMouse(state.mouse)]
        }
        Action::CopyId => match state
            .selected_finding()
            .and_then(|i| state.data.as_ref().map(|d| d.findings[i].id.clone()))
        {
            Some(id) => {
                let id = crate::sanitize::sanitize_line(&id).into_owned();
                state.status = Some(format!("copied {id} to the clipboard"));
                vec![Effect::Copy(id)]
            }
            None => Vec::new(),
        },
        Action::Suspend => vec![Effect::Suspend],
        Action::OpenInEditor => {
            let Some(f) = state
                .selected_finding()
                .and_then(|i| state.data.as_ref()?.findings.get(i))
            else {
                return Vec::new();
            };
            // Files in an image are not in the workspace; a posture finding
            // names its entry after `#`.
            let path = f
                .location
                .path
                .as_deref()
                .filter(|_| f.image.is_none())
                .map(|p| p.split('#').next().unwrap_or(p).to_string())
                .filter(|p| {
                    !p.is_empty() && !p.starts_with('/') && !p.split('/').any(|c| c == "..")
                });
            match path {
                Some(path) => vec![Effect::Edit {
                    path,
                    line: f.location.line,
                }],
                None => {
                    state.status = Some("this finding names no file in the workspace".into());
                    Vec::new()
                }
            }
        }
        Action::OpenReference => {
            let url = state
                .selected_finding()
                .and_then(|i| state.data.as_ref()?.findings.get(i))
                .and_then(|f| {
                    f.details
                        .references
                        .iter()
                        .find_map(|u| crate::export::input::safe_link(u))
                        .map(str::to_string)
                });
            match url {
                Some(url) => vec![Effect::OpenUrl(url)],
                None => {
                    state.status = Some("this finding names no advisory address".into());
                    Vec::new()
                }
            }
        }
        Action::CopyMenu => {
            if let Some(f) = state
                .selected_finding()
                .and_then(|i| state.data.as_ref()?.findings.get(i))
            {
                state.dialog = Some(super::dialog::Dialog::copy(f));
            }
            Vec::new()
        }
        Action::RaiseMinSeverity | Action::LowerMinSeverity => {
            const STEPS: [Option<Severity>; 5] = [
                None,
                Some(Severity::Low),
                Some(Severity::Medium),
                Some(Severity::High),
                Some(Severity::Critical),
            ];
            let i = STEPS
                .iter()
                .position(|s| *s == state.min_severity)
                .unwrap_or(0);
            let j = if action == Action::RaiseMinSeverity {
                (i + 1).min(STEPS.len() - 1)
            } else {
                i.saturating_sub(1)
            };
            state.min_severity = STEPS[j];
            search(state)
        }
        Action::SortNext | Action::SortReverse if state.focus == Pane::Targets => {
            if action == Action::SortNext {
                state.targets_by_name = !state.targets_by_name;
            }
            let by_name = state.targets_by_name;
            if let Some(data) = &mut state.data {
                if action == Action::SortReverse {
                    data.targets.reverse();
                } else if by_name {
                    data.targets
                        .sort_by(|a, b| crate::query::search::natural_cmp(&a.name, &b.name));
                } else {
                    data.targets
                        .sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
                }
            }
            state.targets = Cursor::default();
            state.status = Some(format!(
                "targets sorted by {}",
                if by_name { "name" } else { "score" }
            ));
            Vec::new()
        }
        Action::SortNext => {
            state.sort = state.sort.next();
            state.status = Some(format!("sorted by {}", state.sort.name()));
            search(state)
        }
        Action::SortReverse => {
            state.reverse = !state.reverse;
            search(state)
        }
        Action::MoveDown => step(state, &a, 1),
        Action::MoveUp => step(state, &a, -1),
        Action::HalfPageDown => step(state, &a, page(state, &a) as isize / 2),
        Action::HalfPageUp => step(state, &a, -(page(state, &a) as isize / 2)),
        Action::PageDown => step(state, &a, page(state, &a) as isize),
        Action::PageUp => step(state, &a, -(page(state, &a) as isize)),
        Action::GoTop => step(state, &a, isize::MIN / 2),
        Action::GoBottom => step(state, &a, isize::MAX / 2),
        Action::Open => match state.focus {
            Pane::Targets => {
                state.target_filter = match state.targets.selected {
                    0 => None,
                    n => state
                        .data
                        .as_ref()
                        .and_then(|d| d.targets.get(n - 1))
                        .map(|t| t.name.clone()),
                };
                state.focus = Pane::Findings;
                state.findings = Cursor::default();
                search(state)
            }
            Pane::Findings => focus(state, Pane::Detail),
            _ => Vec::new(),
        },
        Action::MarkFixed
        | Action::Snooze
        | Action::AcceptRisk
        | Action::Suppress
        | Action::Reopen
        | Action::Note => match triage_dialog(action) {
            Some(kind) => open_dialog(state, kind),
            None => Vec::new(),
        },
        Action::ToggleMark => {
            if let Some(row) = state.selected_ref() {
                let fp = row.fingerprint;
                if !state.marked.remove(&fp) {
                    state.marked.insert(fp);
                }
                state.findings = state
                    .findings
                    .moved(1, state.visible.len(), a.findings_rows());
            }
            Vec::new()
        }
        Action::MarkAll => {
            if needs_everything(state) {
                return Vec::new();
            }
            if let Some(data) = &state.data {
                state.marked = state
                    .visible
                    .iter()
                    .filter_map(|i| data.findings.get(*i as usize))
                    .map(|f| f.fingerprint)
                    .collect();
            }
            state.status = Some(format!(
                "{} finding(s) marked: the whole current filter",
                state.marked.len()
            ));
            Vec::new()
        }
        Action::DialogNext | Action::DialogPrev => {
            if let Some(d) = &mut state.dialog {
                d.next(action == Action::DialogPrev);
            }
            Vec::new()
        }
        Action::DialogCancel => {
            match &mut state.dialog {
                Some(d) if d.confirming => d.confirming = false,
                _ => state.dialog = None,
            }
            Vec::new()
        }
        Action::DialogConfirm => confirm_dialog(state),
        Action::ToggleChanges => {
            state.changes_only = !state.changes_only;
            state.status = Some(if state.changes_only {
                "showing changes since the previous scan".into()
            } else {
                "showing all findings".into()
            });
            search(state)
        }
        Action::OpenChecklist => {
            // Shown evidence is never stale: the checks run again on opening.
            let mut effects = super::walk::open(state);
            if state.checklist.is_some() {
                effects.extend(recheck(state));
            }
            effects
        }
        Action::Export => {
            if needs_everything(state) {
                return Vec::new();
            }
            open_export(state)
        }
        Action::Undo => match state.undo.take() {
            Some(restore)
                if state
                    .data
                    .as_ref()
                    .is_some_and(|d| d.triage_read_only.is_none()) =>
            {
                state.status = Some(format!(
                    "undoing the last decision ({} finding(s))…",
                    restore.len()
                ));
                state.saving = true;
                vec![Effect::Save(super::dialog::TriageChange::Undo { restore })]
            }
            _ => {
                state.status = Some("nothing to undo".into());
                Vec::new()
            }
        },
        Action::OpenGroups => {
            if needs_everything(state) {
                return Vec::new();
            }
            super::group_view::open(state)
        }
        Action::OpenPlan => {
            if needs_everything(state) {
                return Vec::new();
            }
            super::plan_view::open(state)
        }
        Action::CloseChecklist
        | Action::ChecklistToggle
        | Action::ChecklistNotApplicable
        | Action::ChecklistNote
        | Action::ChecklistNextList
        | Action::ChecklistJump
        | Action::ClosePlan
        | Action::PlanShow
        | Action::PlanDone
        | Action::GroupToggle
        | Action::GroupNext
        | Action::CloseGroups
        | Action::PickToggle
        | Action::PickAll
        | Action::PickScan
        | Action::PickCancel => Vec::new(),
        Action::None => Vec::new(),
    }
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

/// The export dialog, for the rows shown now.
fn open_export(state: &mut AppState) -> Vec<Effect> {
    if state.data.is_none() {
        return Vec::new();
    }
    let mut dialog = Dialog::new(DialogKind::Export, Vec::new());
    dialog.rows = state.visible.len();
    dialog.folder = state.export_folder.clone();
    state.dialog = Some(dialog);
    Vec::new()
}

/// The triage dialog a key asks for, if it asks for one.
pub(super) fn triage_dialog(action: Action) -> Option<DialogKind> {
    match action {
        Action::MarkFixed => Some(DialogKind::Fixed),
        Action::Snooze => Some(DialogKind::Snooze),
        Action::AcceptRisk => Some(DialogKind::Accept),
        Action::Suppress => Some(DialogKind::Suppress),
        Action::Reopen => Some(DialogKind::Reopen),
        Action::Note => Some(DialogKind::Note),
        _ => None,
    }
}

/// Opens a triage dialog for the marked findings, else the selected one.
pub(super) fn open_triage_dialog(state: &mut AppState, kind: DialogKind) -> Vec<Effect> {
    open_dialog(state, kind)
}

fn open_dialog(state: &mut AppState, kind: DialogKind) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    if let Some(why) = &data.triage_read_only {
        state.unsaved = Some(why.clone());
        return Vec::new();
    }
    let targets: Vec<crate::model::Fingerprint> = if state.marked.is_empty() {
        state
            .selected_ref()
            .map(|row| vec![row.fingerprint])
            .unwrap_or_default()
    } else {
        state.marked.iter().copied().collect()
    };
    if targets.is_empty() {
        return Vec::new();
    }
    if kind == DialogKind::Reopen
        && data.first_of(&targets).iter().all(|i| {
            data.assessments
                .get(*i)
                .is_none_or(|a| a.decision.is_none())
        })
    {
        state.status = Some("nothing to reopen: no decision applies".into());
        return Vec::new();
    }
    let worst = data
        .first_of(&targets)
        .iter()
        .filter_map(|i| data.findings.get(*i))
        .map(|f| f.severity)
        .max();
    let disposition = match kind {
        DialogKind::Snooze => Some(crate::triage::Disposition::Snoozed),
        DialogKind::Fixed => Some(crate::triage::Disposition::Fixed),
        DialogKind::Accept => Some(crate::triage::Disposition::Accepted),
        _ => None,
    };
    let mut dialog = Dialog::new(kind, targets);
    dialog.gate_note = disposition
        .zip(worst)
        .and_then(|(d, w)| crate::gate::decision_effect(d, w));
    state.dialog = Some(dialog);
    Vec::new()
}

/// Enter in a dialog: validate, ask once more for several findings, save.
fn confirm_dialog(state: &mut AppState) -> Vec<Effect> {
    if state
        .dialog
        .as_ref()
        .is_some_and(|d| d.kind == DialogKind::Copy)
    {
        let Some(dialog) = state.dialog.take() else {
            return Vec::new();
        };
        return match dialog.values.get(dialog.choice) {
            Some(value) => {
                state.status = Some(format!("copied {value} to the clipboard"));
                vec![Effect::Copy(value.clone())]
            }
            None => Vec::new(),
        };
    }
    if state
        .dialog
        .as_ref()
        .is_some_and(|d| d.kind == DialogKind::Export)
    {
        let Some(dialog) = state.dialog.take() else {
            return Vec::new();
        };
        let (format, path) = dialog.export_request();
        let replace = dialog.confirming;
        state.status = Some(format!("exporting {} findings…", state.visible.len()));
        // Kept until the export answers: a file of that name brings it back
        // to ask before replacing it.
        state.asked_export = Some(dialog);
        return vec![Effect::Export {
            format,
            path,
            rows: state.visible.clone(),
            filter: view_description(state),
            replace,
        }];
    }
    let (Some(dialog), Some(data)) = (&mut state.dialog, &state.data) else {
        return Vec::new();
    };
    // Resolved now, against the data as loaded now: the dialog holds
    // fingerprints, never row positions.
    let rows = data.first_of(&dialog.targets);
    if rows.is_empty() {
        dialog.error = Some("these findings are no longer reported; Esc closes".into());
        return Vec::new();
    }
    let findings: Vec<&crate::model::Finding> =
        rows.iter().filter_map(|i| data.findings.get(*i)).collect();
    let keys: Vec<String> = rows.iter().map(|i| data.decision_key(*i)).collect();
    match dialog.change(&findings, &keys, &state.actor, state.now) {
        Err(e) => {
            dialog.error = Some(e);
            Vec::new()
        }
        Ok(_) if dialog.targets.len() > 1 && !dialog.confirming => {
            dialog.confirming = true;
            Vec::new()
        }
        Ok(change) => {
            // What the decisions were before, for `undo`.
            let changed: Vec<String> = match &change {
                super::dialog::TriageChange::Decide(decisions) => {
                    decisions.iter().map(|d| d.selector.key()).collect()
                }
                super::dialog::TriageChange::Reopen { keys, .. } => keys.clone(),
                _ => Vec::new(),
            };
            if !changed.is_empty() {
                state.undo = Some(
                    changed
                        .into_iter()
                        .map(|key| {
                            let before = data.triage.decisions.get(&key).cloned();
                            (key, before)
                        })
                        .collect(),
                );
            }
            state.dialog = None;
            state.saving = true;
            vec![Effect::Save(change)]
        }
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
            data.findings.iter().map(|f| f.fingerprint).collect();
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
            let last = super::ui::detail_height(state, inner).saturating_sub(a.detail_rows());
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
