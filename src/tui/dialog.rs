//! The triage dialogs of the console (snooze, accept, false positive / not
//! affected, fixed, reopen, note) and the change each one asks to save.

use crate::model::Finding;
use crate::store::decisions::DecisionFile;
use crate::triage::decision::{
    self, Decision, Disposition, FindingLabel, Selector, VEX_JUSTIFICATIONS,
};
use crate::triage::engine::{self, Stamp};
use chrono::{DateTime, SecondsFormat, Utc};

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub line: super::line_edit::LineEdit,
}

impl Field {
    pub fn value(&self) -> &str {
        self.line.text()
    }
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
            line: super::line_edit::LineEdit::proposed(value),
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
    /// Put decisions back as they were before the last change (`None`: none).
    Undo {
        restore: Vec<(String, Option<crate::triage::Decision>)>,
    },
}

impl TriageChange {
    /// Applies the change to the file as it is on disk; returns a one-line summary.
    pub fn apply(&self, file: &mut DecisionFile, stamp: Stamp) -> String {
        match self {
            TriageChange::Decide(decisions) => {
                for d in decisions {
                    engine::decide(file, d.clone(), stamp);
                }
                let what = decisions
                    .first()
                    .map(|d| d.disposition.to_string())
                    .unwrap_or_default();
                format!("{what}: {} finding(s) saved", decisions.len())
            }
            TriageChange::Reopen { keys, reason } => {
                let reason = if reason.trim().is_empty() {
                    "reopened"
                } else {
                    reason.as_str()
                };
                let n = keys
                    .iter()
                    .filter(|k| engine::reopen(file, k, reason, stamp))
                    .count();
                format!("reopened {n} decision(s)")
            }
            TriageChange::Note { targets, text } => {
                for (key, label) in targets {
                    engine::note(file, key, Some(label.clone()), text, stamp);
                }
                format!("noted on {} finding(s)", targets.len())
            }
            TriageChange::Expire => {
                let lines = engine::expire(file, &[], stamp);
                format!("{} decision(s) expired and reopened", lines.len())
            }
            TriageChange::Undo { restore } => {
                let n = restore
                    .iter()
                    .filter(|(key, before)| engine::undo(file, key, before.clone(), stamp))
                    .count();
                format!("undone: {n} decision(s) as they were")
            }
        }
    }
}
