//! Opening the console on a workspace: terminal check, configuration,
//! theme, key map, then the event loop.

use super::{Failure, Outcome};
use crate::config::{Config, Paths};
use crate::store::Workspace;
use crate::tui::keymap::KeyMap;
use crate::tui::runtime::{self, Options};
use crate::tui::theme::Theme;
use std::io::IsTerminal;
use std::path::Path;

pub fn open(paths: &Paths, root: &Path, label: &str, theme_flag: Option<&str>) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::input("the console needs a terminal on stdin and stdout; use `scandeck list` for plain output"));
    }
    crate::logging::init(&paths.log_file());
    let config = Config::load(paths).map_err(Failure::input)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme =
        Theme::resolve(theme_flag, config.theme.as_deref(), no_color).map_err(Failure::input)?;
    let keymap = KeyMap::load(&paths.config_dir.join("keymap.toml"));
    for problem in &keymap.problems {
        super::warn(&format!("key map: {problem}"));
    }
    let redactor = super::redactor(paths, root, true)?;
    crate::logging::log(&format!("console opened on {}", root.display()));
    let code = runtime::run(Options {
        workspace: Workspace::at(root),
        label: label.to_string(),
        theme,
        keymap,
        redactor,
        mouse: config.mouse.unwrap_or(false),
        policy: config.sla_policy(),
        walk: crate::checklist::walk::WalkSetup::from_config(paths, &config),
        debug_panic: std::env::var_os("SCANDECK_DEBUG_PANIC_KEY").is_some(),
        log_file: paths.log_file().display().to_string(),
        view_file: Some(crate::tui::view_memory::file_for(&paths.data_dir, root)),
        dojo: config.defectdojo.clone(),
    })
    .map_err(Failure::input)?;
    crate::logging::log(&format!("console closed with exit code {code}"));
    Ok(code)
}
