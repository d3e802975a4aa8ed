//! Posture rule `dockerignore-git` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::read;
use super::ProjectFiles;
use std::path::Path;

pub const ID: &str = "dockerignore-git";

pub fn check(files: &ProjectFiles) -> Vec<String> {
    let mut dirs: Vec<&Path> = files
        .dockerfiles
        .iter()
        .filter_map(|p| p.parent())
        .collect();
    dirs.push(&files.root);
    let excluded = dirs.iter().any(|d| {
        read(&d.join(".dockerignore")).is_some_and(|t| {
            t.lines()
                .map(str::trim)
                .any(|l| matches!(l, ".git" | "/.git" | ".git/" | "**/.git"))
        })
    });
    if excluded {
        Vec::new()
    } else {
        vec![".dockerignore: .git is not excluded; `COPY . .` copies the repository history".into()]
    }
}
