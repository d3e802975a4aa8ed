//! What was not checked (docs/coverage.md): the project's dependency
//! manifests and the images its compose files name that no imported
//! dependency or vulnerability scan covers. Zero findings for a manifest
//! nobody audited is silence, not safety: the console, `gate` and the
//! exports say so.

use crate::rules::project_files::ProjectFiles;
use crate::store::RunRecord;
use std::path::Path;

/// Scanners whose reports say which packages are vulnerable.
const VULNERABILITY_SCANNERS: [&str; 8] = [
    "trivy",
    "grype",
    "pip-audit",
    "npm",
    "osv",
    "snyk",
    "scout",
    "dependency-check",
];

fn audits(run: &RunRecord) -> bool {
    let scanner = run.scanner.to_ascii_lowercase();
    VULNERABILITY_SCANNERS.iter().any(|s| scanner.contains(s))
}

/// One line per manifest or image no dependency or vulnerability scan
/// covers, for the project's `files` and the current `runs`.
pub fn gaps(files: &ProjectFiles, runs: &[RunRecord]) -> Vec<String> {
    let audited: Vec<&RunRecord> = runs.iter().filter(|r| audits(r)).collect();
    let images = crate::rules::base_images::base_images(files);
    // A scanned image covers the manifests its Dockerfile installs from.
    let installed_from: Vec<&str> = images
        .subjects()
        .into_iter()
        .filter(|s| audited.iter().any(|r| r.subject == *s))
        .filter_map(|s| images.get(s))
        .flat_map(|b| b.manifests.iter().map(|(_, m)| m.as_str()))
        .collect();
    let mut out = Vec::new();
    for manifest in files.requirements.iter().chain(files.package_json.iter()) {
        let shown = files.shown(manifest);
        let dir = Path::new(&shown)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let covered = installed_from.contains(&shown.as_str())
            || audited.iter().any(|r| {
                r.subject
                    .strip_prefix(crate::model::subject::PROJECT)
                    .map(crate::model::subject::normalise_dir)
                    .is_some_and(|d| d == "." || dir == d || dir.starts_with(&format!("{d}/")))
            });
        if !covered {
            out.push(
                crate::sanitize::sanitize_line(&format!(
                    "{shown}: not audited — no dependency or vulnerability scan of it was imported"
                ))
                .into_owned(),
            );
        }
    }
    for subject in images.subjects() {
        if !audited.iter().any(|r| r.subject == subject) {
            out.push(
                crate::sanitize::sanitize_line(&format!(
                    "{}: not scanned for vulnerabilities",
                    crate::model::subject::name_of(subject)
                ))
                .into_owned(),
            );
        }
    }
    if let Some(why) = files.incomplete() {
        out.push(why);
    }
    out
}
