//! `scandeck import FILE... [--image NAME]`: every file is tried; a bad one
//! is reported and the others are still imported.

use super::{warn, Failure, Outcome};
use crate::cli::ImportArgs;
use crate::config::Paths;
use crate::model::Redactor;
use crate::store::import::Importer;
use crate::store::workspace::tally;
use crate::store::Workspace;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(paths: &Paths, workspace: &Path, args: &ImportArgs) -> Outcome {
    let redactor = super::redactor(paths)?;
    let cap = args
        .max_report_size
        .unwrap_or_else(crate::ingest::max_report_bytes_from_env);
    let failures = import_files(
        &Workspace::at(workspace),
        &redactor,
        &args.files,
        args.image.as_deref(),
        cap,
        true,
    )?;
    Ok(if failures == 0 { 0 } else { 2 })
}

/// Imports files, printing one line per file; returns how many failed.
pub fn import_files(
    ws: &Workspace,
    redactor: &Redactor,
    files: &[PathBuf],
    image: Option<&str>,
    cap: u64,
    verbose: bool,
) -> Result<usize, Failure> {
    let (mut importer, warnings) =
        Importer::begin(ws, redactor, cap).map_err(|e| Failure::input(e.to_string()))?;
    for w in warnings {
        warn(&format!("warning: {w}"));
    }
    let mut failures = 0;
    for file in files {
        let name = display_name(ws, file);
        match importer.import(file, &name, image) {
            Ok(outcome) => {
                if !verbose {
                    continue;
                }
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for f in &outcome.report.findings {
                    *counts.entry(f.severity.as_str().to_string()).or_default() += 1;
                }
                let what = if outcome.duplicate {
                    "already imported"
                } else {
                    "imported"
                };
                let vex = if outcome.report.vex.is_empty() {
                    String::new()
                } else {
                    format!(", {} VEX statements", outcome.report.vex.len())
                };
                let image = outcome
                    .report
                    .image
                    .as_ref()
                    .map(|i| format!(" (image {})", i.name))
                    .unwrap_or_default();
                let line = format!(
                    "{what} {name}: {} ({}), target {}{image}, {} findings from {} records{vex}{}{}",
                    outcome.report.format.name(),
                    outcome.report.scanner,
                    outcome.target,
                    outcome.report.findings.len(),
                    outcome.report.records,
                    if counts.is_empty() { "" } else { ": " },
                    tally(&counts),
                );
                println!("{}", crate::sanitize::sanitize_line(&line));
                if let Some(changes) = &outcome.changes {
                    println!("  since the previous scan: {}", changes.summary());
                }
                for note in &outcome.report.notes {
                    warn(&format!("  note: {note}"));
                }
            }
            Err(e) => {
                failures += 1;
                warn(&format!("error: {name}: {e}"));
            }
        }
    }
    Ok(failures)
}

/// The report's path relative to the workspace when inside it, else as given.
fn display_name(ws: &Workspace, file: &Path) -> String {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let file_abs = absolute(file);
    let root_abs = absolute(&ws.root);
    file_abs
        .strip_prefix(&root_abs)
        .map(|rel| rel.display().to_string())
        .unwrap_or_else(|_| file.display().to_string())
}
