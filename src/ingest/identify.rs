//! Giving a parsed report its identity: the subject it is about, paths
//! relative to the scanned root, and one fingerprint per finding. Runs after
//! parsing and merging, for imports, scans and re-reads of stored reports
//! alike, so the same report always yields the same fingerprints.

use super::ParsedReport;
use crate::model::{fingerprint, subject, Finding, Fingerprint, Kind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a report came from, as far as its identity is concerned.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// `--subject NAME`: what the report is about, when the user says so.
    pub subject: Option<String>,
    /// The report file relative to the workspace, when it lies inside it.
    pub report_path: Option<String>,
    /// The project directory a scan looked at, relative to the workspace.
    pub project_dir: Option<String>,
    /// Absolute directories stripped from absolute paths in the report (the
    /// scanned root first, then the workspace), so that fingerprints are the
    /// same in every clone.
    pub roots: Vec<PathBuf>,
    /// Also compute the first scandeck's fingerprints (decisions.json migration).
    pub legacy: bool,
}

/// The subject a report is about (see `model::subject`).
pub fn subject_of(report: &ParsedReport, origin: &Origin) -> String {
    let explicit = origin
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(image) = report.image.as_ref().filter(|i| !i.name.is_empty()) {
        return subject::image(&explicit.map_or_else(|| image.repository(), str::to_string));
    }
    if let Some(name) = explicit {
        return subject::project(name);
    }
    if let Some(dir) = &origin.project_dir {
        return subject::project(dir);
    }
    if let Some(rel) = report
        .artifact
        .as_deref()
        .and_then(|a| strip_roots(a, &origin.roots))
    {
        return subject::project(&rel);
    }
    subject::project_of_report(origin.report_path.as_deref())
}

/// Sets subject, relative paths and fingerprints on every finding.
pub fn identify(report: &mut ParsedReport, origin: &Origin) {
    report.subject = subject_of(report, origin);
    let subject: Arc<str> = Arc::from(report.subject.as_str());
    let subject_name: Arc<str> = Arc::from(subject::name_of(&subject));
    let mut targets: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    for f in &mut report.findings {
        if origin.legacy {
            f.legacy_fingerprint = Some(Box::new(fingerprint::compute_v1(f)));
        }
        f.subject = Arc::clone(&subject);
        // Parsers of reports that name no target file (pip-audit, npm audit)
        // name the report itself: show the subject instead.
        if f.target.is_empty() || *f.target == *f.source.report {
            f.target = Arc::clone(&subject_name);
        } else {
            let rebased = targets
                .entry(Arc::clone(&f.target))
                .or_insert_with(|| match relative(&f.target, &origin.roots) {
                    Some(rel) => Arc::from(rel.as_str()),
                    None => Arc::clone(&f.target),
                })
                .clone();
            f.target = rebased;
        }
        if let Some(path) = f.location.path.as_mut() {
            if let Some(rel) = relative(path, &origin.roots) {
                *path = rel;
            }
        }
        if let Some(pkg) = f.package.as_mut() {
            if let Some(path) = pkg.path.as_mut() {
                if let Some(rel) = relative(path, &origin.roots) {
                    *path = rel;
                }
            }
        }
        f.fingerprint = fingerprint::compute(f);
    }
    disambiguate(&mut report.findings);
}

/// Two code findings that share rule, file and location are still two
/// findings: the later ones get their place in the report as well, so that a
/// decision about one never covers another.
fn disambiguate(findings: &mut [Finding]) {
    let mut seen: HashMap<Fingerprint, u32> = HashMap::new();
    for f in findings.iter_mut() {
        if !matches!(
            f.kind,
            Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture
        ) {
            continue;
        }
        let count = seen.entry(f.fingerprint).or_insert(0);
        *count += 1;
        if *count > 1 {
            f.fingerprint = fingerprint::with_occurrence(f.fingerprint, *count);
        }
    }
}

/// A path as stored: forward slashes, no `./`, and relative to the first root
/// that contains it. `None` when nothing changes.
fn relative(path: &str, roots: &[PathBuf]) -> Option<String> {
    let trimmed = path.trim();
    if let Some(rel) = strip_roots(trimmed, roots) {
        return Some(rel);
    }
    let forward = trimmed.replace('\\', "/");
    let clean = forward.trim_start_matches("./");
    (clean != path).then(|| clean.to_string())
}

fn strip_roots(path: &str, roots: &[PathBuf]) -> Option<String> {
    let p = Path::new(path.trim());
    if !p.is_absolute() {
        return None;
    }
    roots.iter().find_map(|root| {
        p.strip_prefix(root).ok().map(|rel| {
            let text = rel.to_string_lossy().replace('\\', "/");
            if text.is_empty() {
                ".".to_string()
            } else {
                text
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_become_relative_to_the_scanned_root() {
        let roots = vec![PathBuf::from("/tmp/x")];
        assert_eq!(
            relative("/tmp/x/backend/Dockerfile", &roots).as_deref(),
            Some("backend/Dockerfile")
        );
        assert_eq!(relative("./a/b", &roots).as_deref(), Some("a/b"));
        assert_eq!(relative("a/b", &roots), None);
        assert_eq!(relative("/elsewhere/f", &roots), None);
        assert_eq!(strip_roots("/tmp/x", &roots).as_deref(), Some("."));
    }
}
