//! `scandeck rebuild`: empties the findings store and reads every current
//! run's stored report into it again. Decisions and the checklist are not
//! touched: they never live in the store.

use super::{warn, Failure, Outcome};
use crate::config::Paths;
use crate::store::Workspace;
use std::io::IsTerminal;
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path) -> Outcome {
    let ws = Workspace::at(workspace);
    if !ws.exists() {
        return Err(Failure::input(format!(
            "{}: no scandeck workspace here; import reports with `scandeck import FILE...` first",
            workspace.display()
        )));
    }
    let redactor = super::redactor(paths, workspace, false)?;
    let show = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize, name: &str| {
        if show && done < total {
            warn(&format!("rebuilding {}/{total}: {name}", done + 1));
        }
    };
    let (stored, warnings) = ws
        .rebuild_findings(&redactor, &mut progress)
        .map_err(|e| Failure::input(e.to_string()))?;
    for w in &warnings {
        warn(&format!("warning: {w}"));
    }
    say!(
        "{}: {stored} finding(s) stored from the report copies",
        crate::sanitize::sanitize_line(&ws.findings_store_path().display().to_string())
    )?;
    Ok(0)
}
