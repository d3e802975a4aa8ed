//! `scandeck import FILE... [--image NAME]`: every file is tried; a bad one
//! is reported and the others are still imported.

use super::{warn, Failure, Outcome};
use crate::cli::ImportArgs;
use crate::config::Paths;
use crate::model::Redactor;
use crate::store::import::{ImportRequest, Importer};
use crate::store::workspace::tally;
use crate::store::Workspace;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn run(paths: &Paths, workspace: &Path, args: &ImportArgs) -> Outcome {
    let redactor = super::redactor(paths, workspace, true)?;
    let cap = args
        .max_report_size
        .unwrap_or_else(crate::ingest::max_report_bytes_from_env);
    let format = match args.format.as_deref() {
        Some(name) => Some(crate::ingest::Format::from_user(name).ok_or_else(|| {
            Failure::input(format!(
                "--format: unknown scanner or format {:?}; known: {}",
                crate::sanitize::sanitize_line(name),
                crate::ingest::Format::user_names()
            ))
        })?),
        None => None,
    };
    if !workspace.exists() {
        warn(&format!(
            "scandeck: the workspace {} does not exist yet; creating it",
            workspace.display()
        ));
    }
    let failures = import_files(
        &Workspace::at(workspace),
        &redactor,
        &args.files,
        &FileOptions {
            image: args.image.as_deref(),
            subject: args.subject.as_deref(),
            format,
            replace: args.replace,
        },
        cap,
        true,
    )?;
    Ok(if failures == 0 { 0 } else { 2 })
}

/// What the user said about the files of one `import`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileOptions<'a> {
    pub image: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub format: Option<crate::ingest::Format>,
    /// `--replace`: see `ImportRequest::replace`.
    pub replace: bool,
}

/// A line on the terminal, redrawn in place, saying how much of a big
/// report was read (only big reports are read as they are parsed).
fn reading_progress(name: &str) -> Box<dyn FnMut(u64, u64)> {
    let name = crate::sanitize::sanitize_line(name).into_owned();
    let mut shown = None;
    Box::new(move |read: u64, len: u64| {
        let percent = read.saturating_mul(100).checked_div(len).unwrap_or(100);
        if shown != Some(percent) {
            shown = Some(percent);
            let megabytes = len as f64 / 1e6;
            if read >= len {
                eprint!("\r\x1b[Kread {name} ({megabytes:.1} MB); storing its findings…");
            } else {
                eprint!("\r\x1b[Kreading {name}: {percent}% of {megabytes:.1} MB");
            }
        }
    })
}

/// Imports files, printing one line per file; returns how many failed.
pub fn import_files(
    ws: &Workspace,
    redactor: &Redactor,
    files: &[PathBuf],
    options: &FileOptions,
    cap: u64,
    verbose: bool,
) -> Result<usize, Failure> {
    let (mut importer, warnings) =
        Importer::begin(ws, redactor, cap).map_err(|e| Failure::input(e.to_string()))?;
    for w in warnings {
        warn(&format!("warning: {w}"));
    }
    let mut failures = 0;
    let mut vex_documents = Vec::new();
    for file in files {
        let name = display_name(ws, file);
        let mut origin = ws.import_origin(Some(file));
        origin.subject = options.subject.map(str::to_string);
        let request = ImportRequest {
            display_name: name.clone(),
            image: options.image.map(str::to_string),
            format: options.format,
            origin,
            scope: None,
            replace: options.replace,
        };
        let show_progress = verbose && std::io::stderr().is_terminal();
        if show_progress {
            importer.progress = reading_progress(&name);
        }
        let imported = importer.import(file, &request);
        if show_progress {
            // Clears the progress line, if one was drawn.
            importer.progress = Box::new(|_, _| {});
            eprint!("\r\x1b[K");
        }
        match imported {
            Ok(outcome) => {
                if !outcome.report.vex.is_empty() {
                    vex_documents.push((name.clone(), outcome.report.vex.clone()));
                }
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
                    "{what} {name}: {} ({}), subject {}{image}, {} findings from {} records{vex}{}{}",
                    outcome.report.format.name(),
                    outcome.report.scanner,
                    outcome.report.subject,
                    outcome.report.findings.len(),
                    outcome.report.records,
                    if counts.is_empty() { "" } else { ": " },
                    tally(&counts),
                );
                say!("{}", crate::sanitize::sanitize_line(&line))?;
                if let Some(line) = lineage_line(&outcome) {
                    say!("  {}", crate::sanitize::sanitize_line(&line))?;
                }
                if let Some(changes) = &outcome.changes {
                    say!("  since the previous scan: {}", changes.summary())?;
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
    drop(importer);
    for (name, statements) in vex_documents {
        apply_vex(ws, redactor, &name, &statements)?;
    }
    Ok(failures)
}

/// Records the `not_affected` statements of an imported VEX document as
/// decisions about the current findings that have none yet.
fn apply_vex(
    ws: &Workspace,
    redactor: &Redactor,
    name: &str,
    statements: &[crate::ingest::VexStatement],
) -> Result<(), Failure> {
    let mut current = ws
        .current_findings(redactor)
        .map_err(|e| Failure::input(e.to_string()))?;
    let now = crate::clock::now();
    let assessments = crate::triage::status::assess_current(
        &mut current.findings,
        &current.triage,
        now,
        &crate::triage::SlaPolicy::default(),
    );
    let undecided: Vec<&crate::model::Finding> = current
        .findings
        .iter()
        .zip(&assessments)
        .filter(|(_, a)| a.decision.is_none())
        .map(|(f, _)| f)
        .collect();
    let who = crate::triage::actor::current(&ws.root);
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let applied = crate::triage::vex::decisions_for(statements, &undecided, name, &who, &at);
    for line in &applied.skipped {
        warn(&format!("  VEX not applied: {line}"));
    }
    if applied.decisions.is_empty() {
        return Ok(());
    }
    let count = applied.decisions.len();
    let stamp = crate::triage::engine::Stamp { who: &who, now };
    crate::store::decisions::update(ws, |file| {
        for d in applied.decisions {
            crate::triage::engine::decide(file, d, stamp);
        }
    })
    .map_err(|e| Failure::input(format!("{e}; the VEX decisions of {name} were not saved")))?;
    say!(
        "{}",
        crate::sanitize::sanitize_line(&format!(
            "  {name}: {count} finding(s) recorded not affected from its VEX statements"
        ))
    )?;
    Ok(())
}

/// What the run continues, and how many records were one finding: the line
/// under each import that says which run it replaced or was kept beside.
fn lineage_line(outcome: &crate::store::import::ImportOutcome) -> Option<String> {
    if outcome.duplicate {
        return None;
    }
    // One fingerprint is one finding, whatever line or commit carried it.
    let distinct = outcome
        .report
        .findings
        .iter()
        .map(|f| f.fingerprint)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let records = outcome.report.records.max(outcome.report.findings.len());
    let merged = if records > distinct {
        format!(
            "; its {records} records are {distinct} finding(s): {} repeat one (the same secret in other commits or lines, the same package through other dependency paths)",
            records - distinct
        )
    } else {
        String::new()
    };
    let lineage = match (&outcome.kept_beside, &outcome.replaced) {
        (Some((id, name)), _) => format!(
            "kept beside run {id} ({name}): the two share no finding, so this report does not mark that run's findings fixed; import with --replace if it is a rescan of the same thing"
        ),
        (None, Some((id, name, at))) => format!("replaces run {id} ({name}, imported {at})"),
        (None, None) => "the first run of this scanner on this subject".to_string(),
    };
    Some(format!("{lineage}{merged}"))
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
