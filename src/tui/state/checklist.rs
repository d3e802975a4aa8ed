//! What the checklist pane holds between keys (its drawing and keys: `panes::checklist`).

use crate::checklist::progress::Change;
use crate::checklist::Checklist;

/// A checklist change for the runtime to write to checklist.json.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistEdit {
    pub list: Checklist,
    pub item: String,
    pub change: Change,
}

/// What the automatic checks judge, for a background thread: the counts of
/// findings that need work (one pass, nothing copied) and the scan runs.
#[derive(Clone, Debug)]
pub struct EvidenceInput {
    pub open: crate::checklist::evidence::OpenCounts,
    pub runs: Vec<crate::store::RunRecord>,
}

impl EvidenceInput {
    pub fn of(data: &crate::tui::data::Data) -> EvidenceInput {
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
