//! Everything the checklist, the gate and export headers judge by: the
//! current findings with their assessments, and the checklist walkthrough
//! (checklists, records, evidence) the console uses too.

use super::Failure;
use crate::checklist::walk::{WalkSetup, Walkthrough};
use crate::checklist::Checklist;
use crate::config::Paths;
use crate::store::workspace::Selection;
use crate::store::{AdvisoryText, Workspace};
use crate::view::View;
use chrono::{DateTime, Utc};
use std::path::Path;

pub struct Readiness {
    pub view: View,
    pub walk: Walkthrough,
    pub now: DateTime<Utc>,
    pub workspace: Workspace,
}

/// Reads the view (only what `selection` names, when the store can answer
/// it by index) and walks the checklists over it.
pub fn gather(
    paths: &Paths,
    workspace: &Path,
    selection: Option<Selection>,
    text: AdvisoryText,
) -> Result<Readiness, Failure> {
    let mut ws = Workspace::at(workspace);
    ws.advisory_text = text;
    let redactor = super::redactor(paths, workspace, false)?;
    let config = crate::config::Config::load(paths).map_err(Failure::input)?;
    let now = crate::clock::now();
    let view = View::load(
        &ws,
        &redactor,
        selection.as_ref(),
        now,
        &config.sla_policy(),
    )
    .map_err(|e| Failure::input(e.to_string()))?;
    super::list::warn_about(&view, now);
    let walk = Walkthrough::load(
        &ws,
        &WalkSetup::from_config(paths, &config),
        view.present(),
        &view.runs,
        now,
    );
    for w in &walk.warnings {
        super::warn(&format!("warning: {w}"));
    }
    Ok(Readiness {
        view,
        walk,
        now,
        workspace: ws,
    })
}

impl Readiness {
    pub fn checklist(&self, name: &str) -> Result<&Checklist, Failure> {
        self.walk.list(name).ok_or_else(|| {
            Failure::input(format!(
                "no checklist named {name:?} (known: {}); add your own as a .toml file in the config directory's checklists/",
                self.walk
                    .lists
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// One line for export headers: the production checklist's progress
    /// and the gate's verdict.
    pub fn summary(&self, policy: &crate::gate::Policy) -> String {
        crate::gate::readiness_line(self.walk.production_progress(), Some(&self.judge(policy)))
    }

    pub fn judge(&self, policy: &crate::gate::Policy) -> crate::gate::Verdict {
        crate::gate::judge_workspace(
            policy,
            self.view.present(),
            &self.view.triage,
            &self.view.runs,
            &self.walk,
            self.now,
        )
    }
}
