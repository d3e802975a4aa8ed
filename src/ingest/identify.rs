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
    /// The nearest folder holding the report that is a project (`.git`, a
    /// Dockerfile, a compose file or a package manifest), relative to the
    /// workspace; found by the store from the report's canonical path.
    pub enclosing_project: Option<String>,
    /// The report lies outside the workspace: without `--subject` or a
    /// subject the report names itself, nothing says what it is about.
    pub outside_workspace: bool,
    /// The project directory a scan looked at, relative to the workspace.
    pub project_dir: Option<String>,
    /// Absolute directories stripped from absolute paths in the report (the
    /// scanned root first, then the workspace), so that fingerprints are the
    /// same in every clone.
    pub roots: Vec<PathBuf>,
    /// Also compute an earlier scandeck's fingerprints (1 or 2; 0: none), to
    /// move decisions.json made with them (`store::migrate`).
    pub legacy: u32,
}

/// Where a report's subject came from, strongest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubjectFrom {
    /// `--subject` or `--image`.
    User,
    /// The report names the image or the scanned thing.
    Report,
    /// scandeck ran the scan and knows what it looked at.
    Scan,
    /// The project folder the report sits in.
    Folder,
    /// Nothing named anything: the workspace.
    #[default]
    Workspace,
}

/// The subject a report is about (see `model::subject`, docs/identity.md):
/// `--subject`/`--image`; what the report names; what a scan looked at; the
/// nearest project folder holding the report; else the workspace.
pub fn subject_of(report: &ParsedReport, origin: &Origin) -> (String, SubjectFrom) {
    let explicit = origin
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(image) = report.image.as_ref().filter(|i| !i.name.is_empty()) {
        let from = if explicit.is_some() || report.image_given {
            SubjectFrom::User
        } else {
            SubjectFrom::Report
        };
        return (
            subject::image(&explicit.map_or_else(|| image.repository(), str::to_string)),
            from,
        );
    }
    if let Some(name) = explicit {
        return (subject::project(name), SubjectFrom::User);
    }
    if let Some(dir) = &origin.project_dir {
        return (subject::project(dir), SubjectFrom::Scan);
    }
    if let Some(named) = named_subject(report, &origin.roots) {
        return (named, SubjectFrom::Report);
    }
    match &origin.enclosing_project {
        Some(dir) => (subject::project(dir), SubjectFrom::Folder),
        None => (subject::project("."), SubjectFrom::Workspace),
    }
}

/// What the report itself says was scanned, when it is not an image: a k8s
/// cluster, or a directory, repository, lockfile or project name.
fn named_subject(report: &ParsedReport, roots: &[PathBuf]) -> Option<String> {
    if report.format == super::Format::OpenVex {
        return None;
    }
    let artifact = report.artifact.as_deref()?.trim();
    if report.format == super::Format::TrivyK8s {
        let cluster = artifact.strip_prefix("cluster ").unwrap_or(artifact).trim();
        return (!cluster.is_empty()).then(|| subject::cluster(cluster));
    }
    artifact_dir(artifact, roots).map(|dir| subject::project(&dir))
}

/// The project a report's artifact names, as a folder: a path inside the
/// workspace relative to it (a lockfile or SBOM names its folder), a path
/// elsewhere by its last folder's name (`/home/ci/build/shop-frontend` is
/// `shop-frontend`), a repository URL by its owner and name. `.` and empty
/// names say nothing.
pub fn artifact_dir(artifact: &str, roots: &[PathBuf]) -> Option<String> {
    let text = artifact.trim().replace('\\', "/");
    if text.is_empty() || text == "." || text == "./" {
        return None;
    }
    if let Some((_, rest)) = text.split_once("://") {
        let path = rest.split_once('/').map_or("", |(_, p)| p);
        let path = path.trim_end_matches('/').trim_end_matches(".git");
        let path = path.trim_matches('/');
        return (!path.is_empty()).then(|| path.to_string());
    }
    let is_file = looks_like_file(&text);
    let dir_of = |p: &str| -> String {
        if is_file {
            match p.rsplit_once('/') {
                Some((dir, _)) => dir.to_string(),
                None => ".".to_string(),
            }
        } else {
            p.to_string()
        }
    };
    let windows_drive = text.len() > 2 && text.as_bytes()[1] == b':' && text.as_bytes()[2] == b'/';
    if text.starts_with('/') || windows_drive {
        if let Some(rel) = strip_roots(&text, roots) {
            return Some(subject::normalise_dir(&dir_of(&rel)));
        }
        let dir = dir_of(&text);
        let last = dir.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let last = last.trim_end_matches(':');
        return (!last.is_empty()).then(|| last.to_string());
    }
    let dir = subject::normalise_dir(&dir_of(&text));
    (dir != "." && !dir.split('/').any(|p| p == "..")).then_some(dir)
}

/// A lockfile, manifest, SBOM or archive rather than a folder.
fn looks_like_file(path: &str) -> bool {
    let file = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    crate::model::purl::ecosystem_of_manifest(file).is_some()
        || [
            ".json", ".xml", ".lock", ".txt", ".toml", ".yaml", ".yml", ".tar", ".gz",
        ]
        .iter()
        .any(|ext| file.to_ascii_lowercase().ends_with(ext))
}

/// Sets subject, relative paths and fingerprints on every finding.
pub fn identify(report: &mut ParsedReport, origin: &Origin) {
    let (subject_text, from) = subject_of(report, origin);
    report.subject = subject_text;
    report.subject_from = from;
    let subject: Arc<str> = Arc::from(report.subject.as_str());
    let subject_name: Arc<str> = Arc::from(subject::name_of(&subject));
    let per_image = report.format == super::Format::TrivyK8s;
    let mut image_subjects: HashMap<String, Arc<str>> = HashMap::new();
    let mut targets: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    for f in &mut report.findings {
        if origin.legacy == 1 {
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
        if let Some(rel) = f
            .location
            .path
            .as_deref()
            .and_then(|p| relative(p, &origin.roots))
        {
            f.location.edit().path = Some(rel);
        }
        if let Some(pkg) = f.package.as_mut() {
            if let Some(path) = pkg.path.as_mut() {
                if let Some(rel) = relative(path, &origin.roots) {
                    *path = rel;
                }
            }
        }
        if origin.legacy == 2 {
            f.legacy_fingerprint = Some(Box::new(fingerprint::compute_v2(f)));
        }
        // A cluster report's image findings are about each workload's image:
        // the same CVE in two images is two findings.
        if per_image {
            if let Some(image) = f.image.as_ref().filter(|i| !i.name.is_empty()) {
                let repo = image.repository();
                f.subject = image_subjects
                    .entry(repo)
                    .or_insert_with_key(|repo| Arc::from(subject::image(repo).as_str()))
                    .clone();
            }
        }
        f.fingerprint = match posture_twin(report.format, f) {
            Some(key) => key,
            None => fingerprint::compute(f),
        };
    }
    disambiguate(&mut report.findings, origin.legacy == 2);
    // Records that are one finding (one package through many targets of an
    // image) are one row from here on, as every reader shows them: stored
    // once, read once. A migration keeps every record: each may carry the
    // old fingerprint a decision was made under.
    if origin.legacy == 0 {
        crate::model::finding::merge_sources(&mut report.findings);
    }
}

/// A hadolint hit that scandeck's posture check also reports is keyed as
/// the posture finding is, so that the two are one row with two sources.
fn posture_twin(format: super::Format, f: &Finding) -> Option<Fingerprint> {
    if format != super::Format::Hadolint {
        return None;
    }
    let (rule, problem) = super::hadolint::as_posture(&f.id)?;
    let file = f.location.path.as_deref()?;
    Some(fingerprint::posture_key(&f.subject, rule, file, problem))
}

/// Two code findings that share rule, file and location are still two
/// findings: the later ones get their place in the report as well, so that a
/// decision about one never covers another. Two installed versions of one
/// package at one place (a lockfile with `cookie` 0.3.1 and 0.4.0) are two
/// findings too: the second version in version order gets its rank.
fn disambiguate(findings: &mut [Finding], legacy_v2: bool) {
    let mut seen: HashMap<Fingerprint, u32> = HashMap::new();
    let mut legacy_seen: HashMap<Fingerprint, u32> = HashMap::new();
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
        if legacy_v2 {
            if let Some(old) = f.legacy_fingerprint.as_deref_mut() {
                let count = legacy_seen.entry(*old).or_insert(0);
                *count += 1;
                if *count > 1 {
                    *old = fingerprint::with_occurrence(*old, *count);
                }
            }
        }
    }
    let mut versions: HashMap<Fingerprint, Vec<Arc<str>>> = HashMap::new();
    for f in findings.iter() {
        if !matches!(f.kind, Kind::Vulnerability | Kind::License) {
            continue;
        }
        if let Some(v) = f.package.as_ref().and_then(|p| p.installed.as_ref()) {
            let list = versions.entry(f.fingerprint).or_default();
            if !list.contains(v) {
                list.push(Arc::clone(v));
            }
        }
    }
    versions.retain(|_, list| list.len() > 1);
    if versions.is_empty() {
        return;
    }
    for list in versions.values_mut() {
        list.sort_by(|a, b| fingerprint::natural_id_cmp(a, b));
    }
    for f in findings.iter_mut() {
        let Some(list) = versions.get(&f.fingerprint) else {
            continue;
        };
        let installed = f.package.as_ref().and_then(|p| p.installed.as_ref());
        if let Some(rank) = installed.and_then(|v| list.iter().position(|x| x == v)) {
            if rank > 0 {
                f.fingerprint = fingerprint::with_occurrence(f.fingerprint, rank as u32 + 1);
            }
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
