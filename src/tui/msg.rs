//! What moves between the console's parts: the messages `update` receives
//! (keys, loaded data, finished work) and the effects it asks the runtime to
//! carry out. Plain data, no behaviour beyond describing itself.

use super::action::Action;
use super::data::Data;
use super::state::{Loading, WorkspaceChange};
use crate::query::{Query, SearchIndex, SortKey};
use crossterm::event::{KeyEvent, MouseEvent};
use std::sync::Arc;

/// A save's outcome: the decision file as now on disk, a summary and what
/// undo puts back; or why it failed.
pub type SaveResult = Result<
    (
        crate::store::decisions::DecisionFile,
        String,
        super::state::dialog::UndoAfterSave,
    ),
    String,
>;

/// Everything that can happen to the console.
pub enum Msg {
    /// A save finished: the decision file as now on disk, or why it failed.
    Saved(SaveResult),
    /// A checklist record was saved: the file as now on disk and a summary, or why it failed.
    ChecklistSaved(Result<(crate::checklist::progress::ChecklistFile, String), String>),
    /// An export was written (its summary) or not (why).
    Exported(Result<String, ExportRefusal>),
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): it goes whole into
    /// the text field being edited, never read as keys.
    Paste(String),
    /// A frame reached the terminal: what is on screen is what the state says.
    Drawn,
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
    /// Another process (or this one) changed the workspace's shared files.
    WorkspaceChanged(WorkspaceChange),
    /// decisions.json as now on disk, read after it changed.
    DecisionsRead(Result<crate::store::decisions::DecisionFile, String>),
    /// checklist.json as now on disk, read after it changed.
    ChecklistRead(Result<crate::checklist::progress::ChecklistFile, String>),
    /// A second passed while tasks run (their elapsed times move).
    Tick,
    /// The fix plan a worker made.
    PlanReady(super::state::plan::PlanPanel),
    AuditReady(super::state::audit::AuditPanel),
    /// A DefectDojo worker's progress line.
    DojoProgress(String),
    /// A DefectDojo worker finished.
    DojoDone(Box<super::state::dojo::DojoResult>),
    /// The groups a worker made.
    GroupsReady(super::state::groups::GroupPanel),
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
    Save(super::state::dialog::TriageChange),
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
    SaveChecklist(super::state::checklist::ChecklistEdit),
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
    /// Write the workspace's view memory now (named views, histories).
    KeepViews,
    /// Read decisions.json again (it changed on disk).
    ReadDecisions,
    /// Read checklist.json again (it changed on disk).
    ReadChecklist,
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
    DefectDojo(Box<super::state::dojo::DojoRequest>),
    /// Run the checklist's automatic checks again (a decision changed what
    /// they count, or the workspace files may have changed).
    RecheckEvidence(super::state::checklist::EvidenceInput),
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
        by: super::state::groups::GroupBy,
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
    pub facts: Arc<crate::query::index::Facts>,
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
