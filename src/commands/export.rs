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
    let rows = listing
        .rows
        .iter()
        .map(|(i, a)| (&listing.findings[*i], a))
        .filter(|(f, a)| filter.matches(f, a))
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
    let bytes = export::render(args.format, &input);
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
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Keep
    };
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
