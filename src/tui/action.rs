//! Everything a key, a mouse click or the help palette can ask the console to do.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    FocusTargets,
    FocusFindings,
    FocusDetail,
    FocusTasks,
    OpenFilter,
    /// Esc: close a popup, else clear the filter, else the target selection.
    Back,
    ToggleMouse,
    CopyId,
    Suspend,
    RaiseMinSeverity,
    LowerMinSeverity,
    SortNext,
    SortReverse,
    MoveDown,
    MoveUp,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    GoTop,
    GoBottom,
    Open,
    ApplyFilter,
    CancelFilter,
    ClearFilterLine,
    CloseHelp,
    RunHelpEntry,
    MarkFixed,
    Snooze,
    AcceptRisk,
    Suppress,
    Reopen,
    Note,
    ToggleMark,
    MarkAll,
    DialogConfirm,
    DialogCancel,
    DialogNext,
    DialogPrev,
    ToggleChanges,
    OpenChecklist,
    CloseChecklist,
    ChecklistToggle,
    ChecklistNotApplicable,
    ChecklistNote,
    ChecklistNextList,
    ChecklistJump,
    Export,
    /// Does nothing: used in a user key map to unbind a default key.
    None,
}

impl Action {
    pub const ALL: [Action; 53] = [
        Action::Quit,
        Action::Help,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusTargets,
        Action::FocusFindings,
        Action::FocusDetail,
        Action::FocusTasks,
        Action::OpenFilter,
        Action::Back,
        Action::ToggleMouse,
        Action::CopyId,
        Action::Suspend,
        Action::RaiseMinSeverity,
        Action::LowerMinSeverity,
        Action::SortNext,
        Action::SortReverse,
        Action::MoveDown,
        Action::MoveUp,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::GoTop,
        Action::GoBottom,
        Action::Open,
        Action::ApplyFilter,
        Action::CancelFilter,
        Action::ClearFilterLine,
        Action::CloseHelp,
        Action::RunHelpEntry,
        Action::MarkFixed,
        Action::Snooze,
        Action::AcceptRisk,
        Action::Suppress,
        Action::Reopen,
        Action::Note,
        Action::ToggleMark,
        Action::MarkAll,
        Action::DialogConfirm,
        Action::DialogCancel,
        Action::DialogNext,
        Action::DialogPrev,
        Action::ToggleChanges,
        Action::OpenChecklist,
        Action::CloseChecklist,
        Action::ChecklistToggle,
        Action::ChecklistNotApplicable,
        Action::ChecklistNote,
        Action::ChecklistNextList,
        Action::ChecklistJump,
        Action::Export,
        Action::None,
    ];

    /// The name used in key map files.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }

    /// Short label for the footer.
    pub fn label(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "prev pane",
            Action::FocusTargets => "targets",
            Action::FocusFindings => "findings",
            Action::FocusDetail => "detail",
            Action::FocusTasks => "runs",
            Action::OpenFilter => "filter",
            Action::Back => "back",
            Action::ToggleMouse => "mouse",
            Action::CopyId => "copy id",
            Action::Suspend => "suspend",
            Action::RaiseMinSeverity => "min sev +",
            Action::LowerMinSeverity => "min sev -",
            Action::SortNext => "sort",
            Action::SortReverse => "reverse",
            Action::MoveDown => "down",
            Action::MoveUp => "up",
            Action::HalfPageDown => "½ page down",
            Action::HalfPageUp => "½ page up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::GoTop => "top",
            Action::GoBottom => "bottom",
            Action::Open => "open",
            Action::ApplyFilter => "apply",
            Action::CancelFilter => "cancel",
            Action::ClearFilterLine => "clear line",
            Action::CloseHelp => "close",
            Action::RunHelpEntry => "run",
            Action::MarkFixed => "fixed",
            Action::Snooze => "snooze",
            Action::AcceptRisk => "accept",
            Action::Suppress => "false pos.",
            Action::Reopen => "reopen",
            Action::Note => "note",
            Action::ToggleMark => "mark",
            Action::MarkAll => "mark all",
            Action::DialogConfirm => "save",
            Action::DialogCancel => "cancel",
            Action::DialogNext => "next field",
            Action::DialogPrev => "prev field",
            Action::ToggleChanges => "changes",
            Action::OpenChecklist => "checklist",
            Action::CloseChecklist => "close",
            Action::ChecklistToggle => "done",
            Action::ChecklistNotApplicable => "n/a",
            Action::ChecklistNote => "note",
            Action::ChecklistNextList => "next list",
            Action::ChecklistJump => "show findings",
            Action::Export => "export",
            Action::None => "unbound",
        }
    }

    /// One sentence for the help palette and the generated key documentation.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "Quit scandeck.",
            Action::Help => "Open this help: type to filter, Enter runs the chosen action.",
            Action::FocusNext => "Focus the next pane.",
            Action::FocusPrev => "Focus the previous pane.",
            Action::FocusTargets => "Focus the targets pane (images and other scanned things).",
            Action::FocusFindings => "Focus the findings table.",
            Action::FocusDetail => "Focus the detail pane of the selected finding.",
            Action::FocusTasks => "Focus the scan runs pane.",
            Action::OpenFilter => "Open the query line: sev:>=high image: pkg: kind: src: fix: status:, ! negates, other words fuzzy.",
            Action::Back => "Close a popup; else clear the query; else clear the target selection.",
            Action::ToggleMouse => "Turn mouse capture on or off (off lets the terminal select text).",
            Action::CopyId => "Copy the selected finding's id to the clipboard (OSC 52, works over SSH).",
            Action::Suspend => "Suspend to the shell; `fg` resumes.",
            Action::RaiseMinSeverity => "Raise the minimum severity shown (all → low → medium → high → critical).",
            Action::LowerMinSeverity => "Lower the minimum severity shown.",
            Action::SortNext => "Sort by the next key: findings by severity, id, package, target, age; targets by score or name.",
            Action::SortReverse => "Reverse the sort order.",
            Action::MoveDown => "Move the selection down.",
            Action::MoveUp => "Move the selection up.",
            Action::HalfPageDown => "Move half a page down.",
            Action::HalfPageUp => "Move half a page up.",
            Action::PageDown => "Move a page down.",
            Action::PageUp => "Move a page up.",
            Action::GoTop => "Go to the first row.",
            Action::GoBottom => "Go to the last row.",
            Action::Open => "Open: show the finding's detail, or filter to the selected target.",
            Action::ApplyFilter => "Close the query line and keep the query.",
            Action::CancelFilter => "Close the query line and restore the previous query.",
            Action::ClearFilterLine => "Clear the query line.",
            Action::CloseHelp => "Close the help.",
            Action::RunHelpEntry => "Run the selected help entry.",
            Action::MarkFixed => "Claim the selected (or marked) findings fixed; the next scan verifies it.",
            Action::Snooze => "Snooze the selected (or marked) findings: 1 d, 7 d, 30 d, a date or until a fix; reason required.",
            Action::AcceptRisk => "Accept the risk: reason, approver and expiry (required for critical and high).",
            Action::Suppress => "Mark false positive, or not affected with an OpenVEX justification.",
            Action::Reopen => "Remove the decision: the findings are open again.",
            Action::Note => "Add a note to the findings' history.",
            Action::ToggleMark => "Mark or unmark the selected finding for a bulk action.",
            Action::MarkAll => "Mark every finding of the current filter.",
            Action::DialogConfirm => "Save the dialog (asks once more when it touches several findings).",
            Action::DialogCancel => "Close the dialog without saving.",
            Action::DialogNext => "Next field of the dialog.",
            Action::DialogPrev => "Previous field of the dialog.",
            Action::ToggleChanges => "Show only what changed since the previous scan of each target (new, gone, regressed).",
            Action::OpenChecklist => "Open the checklists: the production deployment checklist with evidence, the best practices, yours.",
            Action::CloseChecklist => "Close the checklist.",
            Action::ChecklistToggle => "Record the selected item as done, or as to do again.",
            Action::ChecklistNotApplicable => "Record the selected item as not applicable; a reason is required.",
            Action::ChecklistNote => "Attach a note to the selected item (evidence, ticket, date).",
            Action::ChecklistNextList => "Show the next checklist.",
            Action::ChecklistJump => "Close the checklist and show the findings behind the selected item's evidence.",
            Action::Export => "Export the findings shown now: Markdown, HTML, CSV, JSON, SARIF, OpenVEX or .trivyignore.yaml, to a file in the workspace.",
            Action::None => "Unbinds a key in a user key map.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(&a.name()), Some(a), "{a:?}");
        }
        assert_eq!(Action::from_name("move_down"), Some(Action::MoveDown));
        assert_eq!(Action::from_name("nope"), None);
    }
}
