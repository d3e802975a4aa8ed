//! `update(state, key map, message) -> effects`: every change to the
//! console's state happens here, synchronously and without I/O, so that it
//! can be tested by calling it.

use super::action::Action;
use super::keymap::{Context, Key, KeyMap, Resolution};
use super::layout::{contains, Areas};
use super::msg::{Effect, ExportRefusal, Msg};
use super::rows::{needs_everything, requery, search};
use super::state::{AppState, Pane};
use super::widgets::Cursor;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

mod command;
mod lifecycle;

pub fn update(state: &mut AppState, keymap: &KeyMap, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(ev) => key(state, keymap, ev),
        Msg::Paste(text) => paste(state, &text),
        Msg::Drawn => {
            state.frames = state.frames.wrapping_add(1);
            Vec::new()
        }
        Msg::Action(a) => act(state, keymap, a),
        Msg::Mouse(ev) => mouse(state, ev),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            clamp_cursors(state);
            Vec::new()
        }
        Msg::Progress(p) => {
            if state.preview.is_some() && p.total > 0 {
                state.status = Some(lifecycle::preview_status(p.done, p.total));
            }
            state.loading = Some(p);
            Vec::new()
        }
        Msg::EvidenceRechecked(evidence) => lifecycle::evidence_rechecked(state, evidence),
        Msg::Preview(data, total) => lifecycle::preview(state, data, total),
        Msg::Loaded(data) => {
            let mut effects = lifecycle::loaded(state, data);
            // Files that changed while the first load read them are read again.
            let missed = std::mem::take(&mut state.changed_while_loading);
            if missed.any() {
                effects.extend(lifecycle::workspace_changed(state, missed));
            }
            effects
        }
        Msg::LoadFailed(message) => lifecycle::load_failed(state, message),
        Msg::Saved(result) => lifecycle::saved(state, result),
        Msg::Exported(result) => {
            let asked = state.asked_export.take();
            match result {
                Ok(summary) => state.status = Some(summary),
                Err(ExportRefusal::Exists(shown)) => match asked {
                    Some(mut dialog) if state.dialog.is_none() => {
                        dialog.confirming = true;
                        dialog.error = None;
                        dialog.exists = Some(shown);
                        dialog.opened_unasked_at_frame = Some(state.frames);
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
                    lifecycle::regate(state);
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
            let mut effects = lifecycle::with_decisions(state, *file, false);
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
                None => lifecycle::recheck(state),
            }
        }
        Msg::Notice(text) => {
            state.status = Some(text);
            Vec::new()
        }
        Msg::Reloaded(data) => lifecycle::reloaded(state, data),
        Msg::WorkspaceChanged(change) => lifecycle::workspace_changed(state, change),
        Msg::DecisionsRead(read) => lifecycle::decisions_read(state, read),
        Msg::ChecklistRead(read) => lifecycle::checklist_read(state, read),
        Msg::SearchDone { generation, rows } => lifecycle::search_done(state, generation, rows),
    }
}

fn key(state: &mut AppState, keymap: &KeyMap, ev: KeyEvent) -> Vec<Effect> {
    let k = Key::from_event(&ev);
    let ctx = state.context();
    // Suspending works from anywhere: over a popup, in a dialog or a
    // prompt, unless that place binds the key itself.
    if ctx.is_overlay()
        && keymap.resolve(ctx, std::slice::from_ref(&k)) == Resolution::Unbound
        && keymap.resolve(Context::Global, std::slice::from_ref(&k))
            == Resolution::Action(Action::Suspend)
    {
        return vec![Effect::Suspend];
    }
    if state.help.is_none() && super::panes::checklist::prompting(state) {
        return super::panes::checklist::type_prompt(state, ev);
    }
    // A question that came back unasked (replace the existing file?) takes
    // no key typed before it was on screen: an Enter meant for something
    // else must not replace a file. Esc and Ctrl-C still close it.
    let cancels = matches!(
        keymap.resolve(ctx, std::slice::from_ref(&k)),
        Resolution::Action(Action::DialogCancel)
    );
    if !cancels
        && state.help.is_none()
        && state
            .dialog
            .as_ref()
            .is_some_and(|d| d.confirming && d.opened_unasked_at_frame == Some(state.frames))
    {
        return Vec::new();
    }
    if matches!(
        ctx,
        Context::Help | Context::Filter | Context::Dialog | Context::Command
    ) {
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

/// Printable keys in the query line, the command line or the help filter.
fn type_text(state: &mut AppState, ev: KeyEvent) -> Vec<Effect> {
    if state.help.is_none() {
        if let Some(command) = &mut state.command {
            if command.line.apply(&ev) {
                command.selected = 0;
                command.history_at = None;
            }
            return Vec::new();
        }
    }
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
    // The help filter edits as every text field does (`line_edit`).
    if let Some(help) = &mut state.help {
        let before = help.filter.text().to_string();
        help.filter.apply(&ev);
        if help.filter.text() != before {
            help.selected = 0;
        }
    }
    Vec::new()
}

/// The most a paste puts into a field: a query or a reason, not a file.
const PASTE_CAP: usize = 500;

/// A bracketed paste goes whole into the field being edited (the help
/// filter, a checklist prompt, a dialog's field, the query line); with no
/// field open it is dropped, never read as keys that would act.
fn paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    if let Some(help) = &mut state.help {
        if help.filter.paste(text, PASTE_CAP) {
            help.selected = 0;
        }
        return Vec::new();
    }
    if super::panes::checklist::prompting(state) {
        super::panes::checklist::paste_into_prompt(state, text, PASTE_CAP);
        return Vec::new();
    }
    if let Some(command) = &mut state.command {
        command.line.paste(text, PASTE_CAP);
        command.selected = 0;
        return Vec::new();
    }
    if let Some(dialog) = &mut state.dialog {
        super::panes::dialog::paste_into(dialog, text, PASTE_CAP);
        return Vec::new();
    }
    if let Some((line, _)) = &mut state.editing {
        if line.paste(text, PASTE_CAP) {
            return requery(state);
        }
    }
    Vec::new()
}

/// Hands an action to the pane, overlay or dialog that owns it.
pub(crate) fn act(state: &mut AppState, keymap: &KeyMap, action: Action) -> Vec<Effect> {
    use super::panes::{
        checklist, dialog, findings, groups, help, plan, query_line, scans, targets,
    };
    if state.help.is_none() && state.command.is_some() {
        match action {
            Action::CommandRun => return command::run(state, keymap),
            Action::CommandCancel
            | Action::CommandComplete
            | Action::MoveUp
            | Action::MoveDown
            | Action::HistoryPrev
            | Action::HistoryNext => return super::panes::command_line::act(state, keymap, action),
            _ => {}
        }
    }
    if state.help.is_none() {
        if let Some(effects) = overlay_act(state, action) {
            return effects;
        }
    }
    let a = state.areas();
    match action {
        Action::Quit => {
            state.quitting = true;
            vec![Effect::Quit]
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::ToggleMouse => toggle_mouse(state),
        Action::Back => back(state, keymap),
        Action::RunHelpEntry => match help::take_chosen(state, keymap) {
            Some(chosen) => act(state, keymap, chosen),
            None => Vec::new(),
        },
        Action::Help | Action::CloseHelp => help::act(state, action),
        Action::FocusNext | Action::FocusPrev => cycle_focus(state, action),
        Action::FocusTargets => focus(state, Pane::Targets),
        Action::FocusFindings => focus(state, Pane::Findings),
        Action::FocusDetail => focus(state, Pane::Detail),
        Action::FocusTasks => focus(state, Pane::Tasks),
        Action::SortNext | Action::SortReverse if state.focus == Pane::Targets => {
            targets::sort(state, action)
        }
        Action::OpenFilter
        | Action::HistoryPrev
        | Action::HistoryNext
        | Action::ApplyFilter
        | Action::CancelFilter
        | Action::ClearFilterLine
        | Action::RaiseMinSeverity
        | Action::LowerMinSeverity
        | Action::SortNext
        | Action::SortReverse
        | Action::ToggleChanges
        | Action::ToggleResolved => query_line::act(state, action),
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
        | Action::Redo
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
        | Action::CancelTask => scans::act(state, action),
        Action::Reload => {
            // Shown as soon as it is read, unlike results that arrive unasked.
            state.reload_asked = true;
            state.status = Some("reloading the workspace…".into());
            vec![Effect::Reload]
        }
        Action::ApplyResults => match state.pending.take() {
            Some((data, incoming)) => {
                state.reselect = state.selected_ref();
                let effects = lifecycle::loaded(state, data);
                state.status = Some(format!("shown: {}", incoming.told()));
                effects
            }
            None => {
                state.status = Some("no new scan results".into());
                Vec::new()
            }
        },
        Action::OpenCommand => {
            super::panes::command_line::open(state);
            Vec::new()
        }
        // Only while the command line is open (above).
        Action::CommandRun | Action::CommandCancel | Action::CommandComplete => Vec::new(),
        Action::NextBlocker => {
            let (mut effects, then) = super::panes::blockers::next(state);
            if then == super::panes::blockers::Then::OpenChecklist {
                let told = state.status.take();
                effects.extend(act(state, keymap, Action::OpenChecklist));
                state.status = told.or(state.status.take());
            }
            effects
        }
        Action::OpenChecklist => {
            // Shown evidence is never stale: the checks run again on opening.
            let mut effects = checklist::open(state);
            if state.checklist.is_some() {
                effects.extend(lifecycle::recheck(state));
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
    let a = state.areas();
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
    let a = state.areas();
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
