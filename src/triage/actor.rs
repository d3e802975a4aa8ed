//! Who made a change: git's `user.name <user.email>` in the workspace when
//! available, else the OS user.

use std::path::Path;
use std::process::Command;

pub fn current(workspace: &Path) -> String {
    if let Ok(forced) = std::env::var("SCANDECK_ACTOR") {
        if !forced.trim().is_empty() {
            return crate::sanitize::sanitize_line(forced.trim()).into_owned();
        }
    }
    let git = |key: &str| {
        Command::new("git")
            .args(["config", "--get", key])
            .current_dir(workspace)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let who = match (git("user.name"), git("user.email")) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(name), None) => name,
        (None, Some(email)) => email,
        (None, None) => std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into()),
    };
    crate::sanitize::sanitize_line(&who).into_owned()
}

/// "Ana Analyst" from "Ana Analyst <ana@example.com>": the name alone, for
/// one-line summaries (exports' Decision column, `triage audit`).
pub fn short_name(who: &str) -> &str {
    match who.split_once(" <") {
        Some((name, _)) if !name.trim().is_empty() => name.trim(),
        _ => who,
    }
}
