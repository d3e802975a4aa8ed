//! What the dojo pane holds between keys (its drawing and keys: `panes::dojo`).

use std::sync::Arc;

/// What one request asks of DefectDojo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DojoOp {
    Check,
    Push,
    Pull,
    Sync,
}

/// The shown rows and what the worker needs to push or pull them.
#[derive(Debug)]
pub struct DojoRequest {
    pub op: DojoOp,
    pub findings: Arc<Vec<crate::model::Finding>>,
    pub assessments: Arc<Vec<crate::triage::Assessment>>,
    pub triage: Box<crate::store::decisions::DecisionFile>,
    pub rows: Vec<u32>,
    pub now: chrono::DateTime<chrono::Utc>,
    pub filter: String,
}

/// What a request found or did.
#[derive(Clone, Debug, Default)]
pub struct DojoResult {
    pub to_push: Option<usize>,
    pub to_pull: Option<usize>,
    pub lines: Vec<String>,
    pub summary: String,
    pub error: Option<String>,
    /// A sync that pulled decisions: push once they are read back.
    pub then_push: bool,
    /// decisions.json as the pull left it, for the console to reassess with.
    pub file: Option<Box<crate::store::decisions::DecisionFile>>,
    /// Where: the server, product and engagement.
    pub place: Option<String>,
}

/// The panel as it stands.
#[derive(Clone, Debug, Default)]
pub struct DojoPanel {
    /// What is running, with its progress ("pushing: decisions 300/1000").
    pub busy: Option<String>,
    pub last: Option<DojoResult>,
}
