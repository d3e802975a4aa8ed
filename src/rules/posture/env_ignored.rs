//! Posture rule `env-ignored` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::read;
use super::ProjectFiles;

pub const ID: &str = "env-ignored";

fn ignores_env(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| {
        matches!(
            l,
            ".env" | "/.env" | "*.env" | ".env*" | "**/.env" | ".env.*"
        )
    })
}

pub fn check(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for (ignore, what) in [
        (".gitignore", "committed to git"),
        (".dockerignore", "copied into images"),
    ] {
        let ok = read(&files.root.join(ignore)).is_some_and(|t| ignores_env(&t));
        if !ok {
            problems.push(format!("{ignore}: .env is not excluded; it can be {what}"));
        }
    }
    problems
}
