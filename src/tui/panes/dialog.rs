//! The triage dialogs of the console (snooze, accept, false positive / not
//! affected, fixed, reopen, note) and the change each one asks to save.

use crate::model::Finding;
use crate::store::decisions::DecisionFile;
use crate::triage::decision::{
    self, Decision, Disposition, FindingLabel, Selector, VEX_JUSTIFICATIONS,
};
use crate::triage::engine::{self, Stamp};
use crate::tui::action::Action;
use crate::tui::msg::Effect;
use crate::tui::rows::view_description;
pub use crate::tui::state::dialog::{Dialog, DialogKind, Field, TriageChange, UndoAfterSave};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{cell, middle_cell, pane_block};
use chrono::{DateTime, SecondsFormat, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

impl DialogKind {
    pub fn title(self) -> &'static str {
        match self {
            DialogKind::Fixed => "Mark fixed",
            DialogKind::Snooze => "Snooze",
            DialogKind::Accept => "Accept risk",
            DialogKind::Suppress => "False positive / not affected",
            DialogKind::Reopen => "Reopen",
            DialogKind::Note => "Add a note",
            DialogKind::Export => "Export the current view",
            DialogKind::Copy => "Copy to the clipboard",
        }
    }
}

impl Field {
    pub fn value(&self) -> &str {
        self.line.text()
    }
}

pub const SNOOZE_CHOICES: [&str; 5] = [
    "1 day",
    "7 days",
    "30 days",
    "until a date",
    "until a fix is available",
];

impl Dialog {
    pub fn new(kind: DialogKind, targets: Vec<crate::model::Fingerprint>) -> Dialog {
        // A prefilled value is a proposal: the first character typed replaces it.
        let field = |label: &'static str, value: &str| Field {
            label,
            line: crate::tui::line_edit::LineEdit::proposed(value),
        };
        let (choices, fields): (Vec<String>, Vec<Field>) = match kind {
            DialogKind::Snooze => (
                SNOOZE_CHOICES.iter().map(|s| s.to_string()).collect(),
                vec![field("date (YYYY-MM-DD)", ""), field("reason", "")],
            ),
            DialogKind::Accept => (
                Vec::new(),
                vec![
                    field("until (date or 30d)", "30d"),
                    field("approver", ""),
                    field("reason", ""),
                ],
            ),
            DialogKind::Suppress => {
                let mut c = vec!["false positive (the scanner is wrong)".to_string()];
                c.extend(
                    VEX_JUSTIFICATIONS
                        .iter()
                        .map(|j| format!("not affected: {j}")),
                );
                (c, vec![field("reason", "")])
            }
            DialogKind::Fixed => (Vec::new(), vec![field("reason", "fixed")]),
            DialogKind::Reopen => (Vec::new(), vec![field("reason", "reopened")]),
            DialogKind::Note => (Vec::new(), vec![field("note", "")]),
            // Filled by `Dialog::copy`.
            DialogKind::Copy => (Vec::new(), Vec::new()),
            DialogKind::Export => (
                crate::export::ExportFormat::ALL
                    .iter()
                    .map(|f| f.describe().to_string())
                    .collect(),
                vec![field("file (empty: the proposed name)", "")],
            ),
        };
        let focus = if choices.is_empty() { 1 } else { 0 };
        Dialog {
            kind,
            rows: targets.len(),
            targets,
            choices,
            choice: 0,
            fields,
            focus,
            confirming: false,
            error: None,
            gate_note: None,
            values: Vec::new(),
            folder: None,
            exists: None,
            opened_unasked_at_frame: None,
        }
    }

    /// What can be copied of `f`, as (label, value) choices.
    pub fn copy(f: &Finding) -> Dialog {
        let mut values: Vec<(&str, String)> = vec![
            ("id", f.id.clone()),
            ("fingerprint", f.fingerprint.to_string()),
        ];
        if let Some(p) = &f.package {
            if let Some(purl) = &p.purl {
                values.push(("purl", purl.clone()));
            }
            if let Some(fixed) = f.fixed_version() {
                values.push(("fixed version", fixed));
            }
        }
        if let Some(command) = crate::plan::upgrade_command_for(f) {
            values.push(("upgrade command", command));
        }
        let mut dialog = Dialog::new(DialogKind::Copy, vec![f.fingerprint]);
        dialog.choices = values
            .iter()
            .map(|(label, value)| format!("{label}: {}", crate::sanitize::sanitize_line(value)))
            .collect();
        dialog.values = values
            .into_iter()
            .map(|(_, v)| crate::sanitize::sanitize_line(&v).into_owned())
            .collect();
        dialog.focus = 0;
        dialog
    }

    /// Number of focus stops: the choice list (if any) and each field.
    fn stops(&self) -> usize {
        self.fields.len() + 1
    }

    pub fn next(&mut self, back: bool) {
        let first = if self.choices.is_empty() { 1 } else { 0 };
        let n = self.stops();
        let mut f = self.focus;
        loop {
            f = if back { (f + n - 1) % n } else { (f + 1) % n };
            if f >= first && !self.field_hidden(f) {
                break;
            }
        }
        self.focus = f;
    }

    /// The date field only matters for "until a date".
    fn field_hidden(&self, stop: usize) -> bool {
        self.kind == DialogKind::Snooze && stop == 1 && self.choice != 3
    }

    pub fn visible_fields(&self) -> Vec<(usize, &Field)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.field_hidden(i + 1))
            .map(|(i, f)| (i + 1, f))
            .collect()
    }

    pub fn move_choice(&mut self, delta: isize) {
        if self.focus == 0 && !self.choices.is_empty() {
            self.choice =
                (self.choice as isize + delta).clamp(0, self.choices.len() as isize - 1) as usize;
        } else {
            self.next(delta < 0);
        }
    }

    pub fn focused_field(&mut self) -> Option<&mut Field> {
        self.focus
            .checked_sub(1)
            .and_then(|i| self.fields.get_mut(i))
    }

    /// The export this dialog asks for: format and file (relative to the workspace).
    /// An export dialog filled in as `:export FORMAT [FILE]` asks.
    pub fn preset_export(&mut self, format: crate::export::ExportFormat, file: Option<&str>) {
        if let Some(at) = crate::export::ExportFormat::ALL
            .iter()
            .position(|f| *f == format)
        {
            self.choice = at;
        }
        if let (Some(file), Some(field)) = (file, self.fields.first_mut()) {
            field.line = crate::tui::line_edit::LineEdit::new(file);
        }
    }

    pub fn export_request(&self) -> (crate::export::ExportFormat, String) {
        let format = crate::export::ExportFormat::ALL
            .get(self.choice)
            .copied()
            .unwrap_or(crate::export::ExportFormat::Md);
        let file = self.value("file");
        let file = if file.is_empty() {
            format.default_file_name().to_string()
        } else {
            file
        };
        (format, file)
    }

    fn value(&self, label: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.label.starts_with(label))
            .map(|f| f.value().trim().to_string())
            .unwrap_or_default()
    }

    /// The change this dialog asks for, or why it cannot be saved.
    pub fn change(
        &self,
        targets: &[&Finding],
        keys: &[String],
        who: &str,
        now: DateTime<Utc>,
    ) -> Result<TriageChange, String> {
        let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let stamp_until = |text: &str| {
            decision::parse_until(text, now)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                .ok_or_else(|| {
                    format!("\"{text}\" is not a date (2026-12-31) or a duration (7d, 2w)")
                })
        };
        let (disposition, until, until_fix, approver, justification) = match self.kind {
            DialogKind::Reopen => {
                return Ok(TriageChange::Reopen {
                    keys: keys.to_vec(),
                    reason: self.value("reason"),
                })
            }
            DialogKind::Note => {
                let text = self.value("note");
                if text.is_empty() {
                    return Err("write the note first".into());
                }
                let labelled = keys
                    .iter()
                    .zip(targets)
                    .map(|(k, f)| (k.clone(), label(f)))
                    .collect();
                return Ok(TriageChange::Note {
                    targets: labelled,
                    text,
                });
            }
            DialogKind::Export | DialogKind::Copy => return Err("not a triage change".into()),
            DialogKind::Fixed => (Disposition::Fixed, None, false, None, None),
            DialogKind::Snooze => match self.choice {
                0 => (
                    Disposition::Snoozed,
                    Some(stamp_until("1d")?),
                    false,
                    None,
                    None,
                ),
                1 => (
                    Disposition::Snoozed,
                    Some(stamp_until("7d")?),
                    false,
                    None,
                    None,
                ),
                2 => (
                    Disposition::Snoozed,
                    Some(stamp_until("30d")?),
                    false,
                    None,
                    None,
                ),
                3 => (
                    Disposition::Snoozed,
                    Some(stamp_until(&self.value("date"))?),
                    false,
                    None,
                    None,
                ),
                _ => (Disposition::Snoozed, None, true, None, None),
            },
            DialogKind::Accept => {
                let until = self.value("until");
                let until = if until.is_empty() {
                    None
                } else {
                    Some(stamp_until(&until)?)
                };
                let approver = Some(self.value("approver")).filter(|a| !a.is_empty());
                (Disposition::Accepted, until, false, approver, None)
            }
            DialogKind::Suppress => match self.choice {
                0 => (Disposition::FalsePositive, None, false, None, None),
                n => (
                    Disposition::NotAffected,
                    None,
                    false,
                    None,
                    VEX_JUSTIFICATIONS.get(n - 1).map(|j| j.to_string()),
                ),
            },
        };
        let mut decisions = Vec::new();
        for f in targets {
            let d = Decision {
                disposition,
                selector: Selector::for_finding(f),
                finding: Some(FindingLabel::of(f)),
                reason: self.value("reason"),
                until: until.clone(),
                until_fix,
                approver: approver.clone(),
                justification: justification.clone(),
                decided_by: who.to_string(),
                decided_at: at.clone(),
                entry: None,
            };
            decision::validate(&d, Some(f.severity), now)
                .map_err(|e| format!("{}: {e}", crate::sanitize::sanitize_line(&f.id)))?;
            decisions.push(d);
        }
        Ok(TriageChange::Decide(decisions))
    }
}

fn label(f: &Finding) -> String {
    crate::sanitize::sanitize_line(&FindingLabel::of(f).text()).into_owned()
}

impl TriageChange {
    /// Applies the change to the file as it is on disk; returns a one-line
    /// summary and what `undo` may put back afterwards, taken from the file
    /// itself at the moment of the change.
    pub fn apply(&self, file: &mut DecisionFile, stamp: Stamp) -> (String, UndoAfterSave) {
        match self {
            TriageChange::Decide(decisions) => {
                let keys: Vec<String> = decisions.iter().map(|d| d.selector.key()).collect();
                let changes = engine::Change::around(file, &keys, |file| {
                    for d in decisions {
                        engine::decide(file, d.clone(), stamp);
                    }
                });
                let what = decisions
                    .first()
                    .map(|d| d.disposition.to_string())
                    .unwrap_or_default();
                (
                    format!("{what}: {} finding(s) saved", decisions.len()),
                    Some(changes),
                )
            }
            TriageChange::Reopen { keys, reason } => {
                let reason = if reason.trim().is_empty() {
                    "reopened"
                } else {
                    reason.as_str()
                };
                let changes = engine::Change::around(file, keys, |file| {
                    for k in keys {
                        engine::reopen(file, k, reason, stamp);
                    }
                });
                (
                    format!("reopened {} decision(s)", changes.len()),
                    Some(changes),
                )
            }
            TriageChange::Note { targets, text } => {
                for (key, label) in targets {
                    engine::note(file, key, Some(label.clone()), text, stamp);
                }
                (format!("noted on {} finding(s)", targets.len()), None)
            }
            TriageChange::Expire => {
                let lines = engine::expire(file, &[], stamp);
                // Decisions changed under the console's last change: undo
                // would find them changed since and refuse anyway.
                (
                    format!("{} decision(s) expired and reopened", lines.len()),
                    None,
                )
            }
            TriageChange::Undo { changes, redo } => {
                let (done, word) = if *redo {
                    ("redone", "not redone")
                } else {
                    ("undone", "not undone")
                };
                let keys: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
                let mut outcome = Ok(0);
                // What this step changed is what the opposite step takes back.
                let opposite = engine::Change::around(file, &keys, |file| {
                    outcome = if *redo {
                        engine::redo(file, changes, stamp)
                    } else {
                        engine::undo(file, changes, stamp)
                    };
                });
                match outcome {
                    Ok(n) => (
                        format!("{done}: {n} decision(s) as they were"),
                        Some(opposite),
                    ),
                    Err(since) => (
                        format!(
                            "{word} — changed since: {}{}",
                            since.first().map(String::as_str).unwrap_or_default(),
                            match since.len() {
                                0 | 1 => String::new(),
                                n => format!(" (and {} more)", n - 1),
                            }
                        ),
                        Some(Vec::new()),
                    ),
                }
            }
        }
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    dialog: &crate::tui::panes::dialog::Dialog,
    theme: &Theme,
) {
    let w = area.width.saturating_sub(4).min(76);
    let rows = dialog.choices.len() as u16
        + dialog.fields.len() as u16 * 2
        + 6
        + u16::from(dialog.gate_note.is_some())
        + u16::from(dialog.kind == crate::tui::panes::dialog::DialogKind::Export);
    let h = rows.min(area.height.saturating_sub(2)).max(5);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    let n = if dialog.kind == crate::tui::panes::dialog::DialogKind::Export {
        dialog.rows
    } else {
        dialog.targets.len()
    };
    let title = format!(
        " {} — {n} finding{} ",
        dialog.kind.title(),
        if n == 1 { "" } else { "s" }
    );
    let block = pane_block(title, true, theme);
    let mut lines: Vec<Line> = Vec::new();
    let inner = w.saturating_sub(2) as usize;
    if let (true, Some(existing)) = (dialog.confirming, &dialog.exists) {
        lines.push(Line::styled(middle_cell(existing, inner), theme.title));
        lines.push(Line::styled("exists.", theme.warning));
        lines.push(Line::raw(""));
        lines.push(Line::raw(
            "Enter replaces it · Esc goes back to name another file",
        ));
    } else if dialog.confirming {
        lines.push(Line::styled(
            format!("This changes {n} findings."),
            theme.warning,
        ));
        lines.push(Line::raw(""));
        lines.push(Line::raw("Enter saves · Esc goes back"));
    } else {
        for (i, choice) in dialog.choices.iter().enumerate() {
            let marker = if i == dialog.choice { "▸" } else { " " };
            let style = if i == dialog.choice && dialog.focus == 0 {
                theme.selected
            } else if i == dialog.choice {
                theme.title
            } else {
                theme.text
            };
            lines.push(Line::styled(format!("{marker} {} {choice}", i + 1), style));
        }
        if !dialog.choices.is_empty() {
            lines.push(Line::raw(""));
        }
        for (stop, field) in dialog.visible_fields() {
            let focused = dialog.focus == stop;
            let (before, after) = field.line.split();
            let mut spans = vec![Span::styled(
                format!("{}: ", field.label),
                if focused {
                    theme.border_focused
                } else {
                    theme.dim
                },
            )];
            if focused {
                // A proposed value shows dimmed: typing replaces it.
                let text_style = if field.line.is_proposed() {
                    theme.dim
                } else {
                    ratatui::style::Style::default()
                };
                spans.push(Span::styled(cell(before, 200), text_style));
                spans.push(Span::styled("█", theme.border_focused));
                spans.push(Span::styled(cell(after, 200), text_style));
            } else {
                spans.push(Span::raw(cell(field.value(), 200)));
            }
            lines.push(Line::from(spans));
        }
        if dialog.kind == crate::tui::panes::dialog::DialogKind::Export {
            // Where it goes, before it goes there.
            let (_, file) = dialog.export_request();
            let full = match &dialog.folder {
                Some(folder) if !file.starts_with('/') => format!("{folder}/{file}"),
                _ => file,
            };
            lines.push(Line::from(vec![
                Span::styled("saves to: ", theme.dim),
                Span::raw(middle_cell(&full, inner.saturating_sub(10))),
            ]));
        }
        lines.push(Line::raw(""));
        if let Some(note) = dialog.gate_note {
            lines.push(Line::styled(note, theme.warning));
        }
        match &dialog.error {
            Some(e) => lines.push(Line::styled(cell(e, 200), theme.warning)),
            None => lines.push(Line::styled(
                "Enter saves · Tab next field · ↑↓ choose · Esc cancels",
                theme.dim,
            )),
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}

/// The dialog's own keys: move between its parts, cancel, confirm.
pub fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
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
        Action::DialogConfirm => confirm(state),
        _ => Vec::new(),
    }
}

/// The export dialog, for the rows shown now.
pub fn open_export(state: &mut AppState) -> Vec<Effect> {
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
pub fn triage_dialog(action: Action) -> Option<DialogKind> {
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
pub fn open_triage_dialog(state: &mut AppState, kind: DialogKind) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    if let Some(why) = &data.view.triage_read_only {
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
            data.view
                .assessments
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
        .filter_map(|i| data.view.findings.get(*i))
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
fn confirm(state: &mut AppState) -> Vec<Effect> {
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
    let findings: Vec<&crate::model::Finding> = rows
        .iter()
        .filter_map(|i| data.view.findings.get(*i))
        .collect();
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
            state.dialog = None;
            state.saving = true;
            vec![Effect::Save(change)]
        }
    }
}

/// Keys typed into a dialog: a digit on the choice list picks a choice; the
/// focused field edits as a shell line does (`line_edit`).
/// Pasted text into the focused field (the first field when the choices
/// have the focus); nothing while the dialog asks for confirmation.
pub fn paste_into(dialog: &mut Dialog, text: &str, cap: usize) {
    if dialog.confirming {
        return;
    }
    if dialog.focus == 0 && !dialog.choices.is_empty() {
        dialog.next(false);
    }
    if let Some(field) = dialog.focused_field() {
        field.line.paste(text, cap);
    }
    dialog.error = None;
}

pub fn type_into(dialog: &mut Dialog, ev: KeyEvent) -> Vec<Effect> {
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
