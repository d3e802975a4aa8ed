//! Posture rule `security-headers` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::read;
use super::ProjectFiles;

pub const ID: &str = "security-headers";

const HEADERS: [&str; 5] = [
    "strict-transport-security",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "permissions-policy",
];

pub fn check(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for path in &files.nginx {
        let Some(text) = read(path) else { continue };
        let lower = text.to_ascii_lowercase();
        let missing: Vec<&str> = HEADERS
            .iter()
            .copied()
            .filter(|h| !lower.contains(h))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{}: no {}", files.shown(path), missing.join(", ")));
        }
        if !lower.contains("server_tokens off") {
            problems.push(format!("{}: server_tokens is not off", files.shown(path)));
        }
    }
    problems
}
