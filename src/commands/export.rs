//! `scandeck export --format F [filters] [-o FILE]`: the current filter as a
//! report, or the decisions as OpenVEX / `.trivyignore.yaml`.

use super::list::build_filter;
use super::{Failure, Outcome};
use crate::cli::ExportArgs;
use crate::config::Paths;
use crate::export::{self, ExportInput};
use std::io::Write;
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path, args: &ExportArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    let readiness = super::readiness::gather(paths, workspace)?;
    let now = readiness.now;
    let listing = &readiness.listing;
    let rows = listing
        .rows
        .iter()
        .map(|(i, a)| (&listing.findings[*i], a))
        .filter(|(f, a)| filter.matches(f, a))
        .collect();
    let label = std::fs::canonicalize(workspace).unwrap_or_else(|_| workspace.to_path_buf());
    let mut input = ExportInput::new(
        rows,
        &listing.triage,
        &label.display().to_string(),
        &filter.describe(),
        now,
    );
    input.header.checklist = readiness.summary(&crate::gate::Policy::default());
    let bytes = export::render(args.format, &input);
    match &args.output {
        Some(path) => {
            crate::store::atomic::write_atomic(path, &bytes).map_err(|e| {
                Failure::input(format!("{}: cannot write the export: {e}", path.display()))
            })?;
            eprintln!(
                "{}",
                crate::sanitize::sanitize_line(&format!(
                    "wrote {} findings to {}",
                    input.header.findings,
                    path.display()
                ))
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(Failure::input(format!("cannot write the export: {e}")));
                }
            }
        }
    }
    Ok(0)
}
