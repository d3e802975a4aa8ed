//! Posture rule `pip-pinned` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::read;
use super::ProjectFiles;

pub const ID: &str = "pip-pinned";

pub fn check(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for path in &files.requirements {
        let Some(text) = read(path) else { continue };
        for line in text.lines() {
            let req = line.split('#').next().unwrap_or_default().trim();
            if req.is_empty() || req.starts_with('-') {
                continue;
            }
            let spec = req.split(';').next().unwrap_or_default();
            if !spec.contains("==") || spec.contains(',') {
                problems.push(format!(
                    "{}: {} is not pinned with ==",
                    files.shown(path),
                    spec.trim()
                ));
            }
        }
    }
    problems
}
