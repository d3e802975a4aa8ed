//! `scandeck export --format F [filters] [-o FILE]`: the current filter as a
//! report, or the decisions as OpenVEX / `.trivyignore.yaml`.

use super::list::build_filter;
use super::{Failure, Outcome};
use crate::cli::ExportArgs;
use crate::config::Paths;
use crate::export::{self, ExportInput};
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path, args: &ExportArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    let readiness = super::readiness::gather(paths, workspace, super::readiness::Scope::All)?;
    let now = readiness.now;
    let listing = &readiness.listing;
    // The rows the query keeps, in list order: the console's own search.
    let positions: Vec<u32> = listing.rows.iter().map(|(i, _)| *i as u32).collect();
    let statuses = {
        let mut all = vec![crate::triage::Status::Open; listing.findings.len()];
        for (i, a) in &listing.rows {
            all[*i] = a.status;
        }
        all
    };
    let changes = crate::query::search::change_codes(&listing.findings, &listing.runs);
    let kept: std::collections::HashSet<u32> = filter
        .select(&listing.findings, statuses, changes, &positions)
        .into_iter()
        .collect();
    let rows = listing
        .rows
        .iter()
        .filter(|(i, _)| kept.contains(&(*i as u32)))
        .map(|(i, a)| (&listing.findings[*i], a))
        .collect();
    // Exports travel (tickets, pull requests, uploads): the workspace is named
    // by its folder, never by a path on this machine.
    let label = std::fs::canonicalize(workspace).unwrap_or_else(|_| workspace.to_path_buf());
    let name = label.file_name().map_or_else(
        || label.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut input = ExportInput::new(rows, &listing.triage, &name, &filter.describe(), now);
    input.header.checklist = readiness.summary(&crate::gate::Policy::default());
    input.bases = crate::scan::base_images::of_workspace(workspace);
    let (bytes, left_out) =
        export::render_with_notes(args.format, &input).map_err(Failure::input)?;
    if let Some(line) = left_out {
        super::warn(&line);
    }
    use crate::export::destination::{self, Existing, Written};
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("-"));
    // Trivy reads `.trivyignore` (or any non-YAML name) as its plain format
    // and would ignore nothing, silently.
    let yaml_name = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if args.format == crate::export::ExportFormat::Trivyignore
        && path.as_os_str() != "-"
        && !yaml_name
        && !args.force
    {
        return Err(Failure::input(format!(
            "{}: Trivy reads it as its plain format and would ignore nothing; name it .trivyignore.yaml (or pass --force)",
            crate::sanitize::sanitize_line(&path.display().to_string())
        )));
    }
    let own = workspace.join(".scandeck");
    destination::outside_own_folder(&path, &own).map_err(Failure::input)?;
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    if args.format == crate::export::ExportFormat::Sarif {
        let docs = crate::export::sarif::documents(&input);
        if docs.len() > 1 {
            return write_sarif_files(&path, &own, docs, existing, input.header.findings);
        }
    }
    let written = destination::write(&path, &bytes, existing).map_err(Failure::input)?;
    if written != Written::Through {
        eprintln!(
            "{}",
            crate::sanitize::sanitize_line(&format!(
                "{} {} with {} findings",
                if written == Written::Replaced {
                    "replaced"
                } else {
                    "wrote"
                },
                path.display(),
                input.header.findings,
            ))
        );
    }
    Ok(0)
}

/// More runs than GitHub takes in one file: `NAME.sarif`, `NAME.2.sarif`, …
fn write_sarif_files(
    path: &Path,
    own: &Path,
    docs: Vec<serde_json::Value>,
    existing: crate::export::destination::Existing,
    findings: usize,
) -> Outcome {
    if path.as_os_str() == "-" {
        return Err(Failure::input(format!(
            "the SARIF export needs {} files (GitHub takes {} runs per file); name the first with -o FILE.sarif",
            docs.len(),
            crate::export::sarif::GITHUB_RUNS_PER_FILE
        )));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scandeck".into());
    let total = docs.len();
    for (n, mut doc) in docs.into_iter().enumerate() {
        crate::sanitize::sanitize_json(&mut doc);
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        bytes.push(b'\n');
        let target = if n == 0 {
            path.to_path_buf()
        } else {
            path.with_file_name(format!("{stem}.{}.sarif", n + 1))
        };
        crate::export::destination::outside_own_folder(&target, own).map_err(Failure::input)?;
        crate::export::destination::write(&target, &bytes, existing).map_err(Failure::input)?;
        eprintln!(
            "{}",
            crate::sanitize::sanitize_line(&format!(
                "wrote {} ({} of {total})",
                target.display(),
                n + 1
            ))
        );
    }
    eprintln!("{findings} findings in {total} SARIF files: upload each one");
    Ok(0)
}
