//! Posture rule `npm-pinned` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::read;
use super::ProjectFiles;
use std::path::Path;

pub const ID: &str = "npm-pinned";

pub fn check(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for path in &files.package_json {
        let Some(doc) = read(path).and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let shown = files.shown(path);
        for section in ["dependencies", "devDependencies"] {
            for (name, version) in doc[section].as_object().into_iter().flatten() {
                let v = version.as_str().unwrap_or_default().trim();
                let exact = !v.is_empty()
                    && v.chars().next().is_some_and(|c| c.is_ascii_digit())
                    && !v.contains(['^', '~', '>', '<', '*', ' ', '|'])
                    && !v.contains(".x");
                if !exact {
                    problems.push(format!("{shown}: {name} {v} is a range"));
                }
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        if ![
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "pnpm-lock.yaml",
        ]
        .iter()
        .any(|l| dir.join(l).exists())
        {
            problems.push(format!("{shown}: no lockfile beside it"));
        }
    }
    problems
}
