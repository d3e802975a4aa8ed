//! `scandeck paths`: every path in use.

use super::Outcome;
use crate::config::Paths;
use crate::store::Workspace;
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path) -> Outcome {
    let ws = Workspace::at(workspace);
    let rows = [
        ("workspace", ws.root.clone()),
        ("workspace data", ws.dir()),
        ("scan index", ws.index_path()),
        ("stored reports", ws.scans_dir()),
        ("findings store", ws.findings_store_path()),
        (
            "secrets allowlist",
            ws.root.join(crate::scan::secrets::ALLOWLIST_FILE),
        ),
        ("config dir", paths.config_dir.clone()),
        ("config file", paths.config_dir.join("config.toml")),
        ("key map file", paths.config_dir.join("keymap.toml")),
        ("data dir", paths.data_dir.clone()),
        ("log file", paths.log_file()),
        ("secret-hash key", paths.secret_key()),
        ("demo workspaces", paths.demo_dir()),
    ];
    for (name, path) in rows {
        say!(
            "{name:<17} {}",
            crate::sanitize::sanitize_line(&path.display().to_string())
        )?;
    }
    Ok(0)
}
