//! `scandeck demo`: the console on a fresh copy of the bundled demo
//! workspace with its reports imported; and plain `scandeck`.

use super::{Failure, Outcome};
use crate::cli::{DemoArgs, ListFormat};
use crate::config::Paths;
use crate::demo;
use crate::query::Filter;
use crate::store::import::Importer;
use crate::store::Workspace;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Writes the demo project and imports its reports; returns the workspace root.
pub fn prepare(paths: &Paths, fresh: bool) -> Result<PathBuf, Failure> {
    let root = demo::write_project(&paths.demo_dir(), fresh).map_err(|e| {
        Failure::input(format!(
            "{}: cannot create the demo workspace: {e}",
            paths.demo_dir().display()
        ))
    })?;
    let ws = Workspace::at(&root);
    let redactor = super::redactor(paths, &root, true)?;
    let (mut importer, _) =
        Importer::begin(&ws, &redactor, u64::MAX).map_err(|e| Failure::input(e.to_string()))?;
    for report in demo::REPORTS {
        let mut origin = report.origin();
        origin.roots = ws.import_origin(None).roots;
        let request = crate::store::import::ImportRequest {
            display_name: report.path.to_string(),
            image: report.image.map(str::to_string),
            origin,
            ..Default::default()
        };
        importer
            .import_request(report.bytes.as_bytes(), &request)
            .map_err(|e| Failure::input(format!("bundled demo report {}: {e}", report.path)))?;
    }
    Ok(root)
}

pub fn run(paths: &Paths, args: &DemoArgs, theme: Option<&str>) -> Outcome {
    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if !args.list && !interactive {
        return Err(Failure::input(
            "the demo console needs a terminal; use `scandeck demo --list` for plain output",
        ));
    }
    let root = prepare(paths, args.fresh)?;
    if args.list {
        eprintln!(
            "demo workspace: {}",
            crate::sanitize::sanitize_line(&root.display().to_string())
        );
        let redactor = super::redactor(paths, &root, true)?;
        let policy = super::sla_policy(paths)?;
        let listing = super::list::listing(
            &Workspace::at(&root),
            &redactor,
            &Filter::default(),
            crate::cli::SortArgs::default(),
            crate::clock::now(),
            &policy,
        )?;
        super::list::print_listing(&listing, ListFormat::Table)?;
        return Ok(0);
    }
    super::console::open(paths, &root, &format!("demo {}", root.display()), theme)
}

/// Plain `scandeck`: the console on the workspace.
pub fn console(paths: &Paths, workspace: &Path, theme: Option<&str>) -> Outcome {
    let label = std::fs::canonicalize(workspace).unwrap_or_else(|_| workspace.to_path_buf());
    super::console::open(paths, workspace, &label.display().to_string(), theme)
}
