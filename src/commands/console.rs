//! Opening the console on a workspace: terminal check, configuration,
//! theme, key map, then the event loop.

use super::{Failure, Outcome};
use crate::config::Paths;
use crate::store::Workspace;
use crate::tui::keymap::KeyMap;
use crate::tui::runtime::{self, Options};
use crate::tui::theme::Theme;
use serde::Deserialize;
use std::io::IsTerminal;
use std::path::Path;

/// `config.toml` in the config directory.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub theme: Option<String>,
    pub mouse: Option<bool>,
}

pub fn load_config(paths: &Paths) -> Result<Config, Failure> {
    let path = paths.config_dir.join("config.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            Failure::input(format!(
                "{}: {}; fix or remove the file",
                path.display(),
                e.message()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(Failure::input(format!(
            "{}: cannot read: {e}",
            path.display()
        ))),
    }
}

pub fn open(paths: &Paths, root: &Path, label: &str, theme_flag: Option<&str>) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::input("the console needs a terminal on stdin and stdout; use `scandeck list` for plain output"));
    }
    crate::logging::init(&paths.log_file());
    let config = load_config(paths)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme =
        Theme::resolve(theme_flag, config.theme.as_deref(), no_color).map_err(Failure::input)?;
    let keymap = KeyMap::load(&paths.config_dir.join("keymap.toml"));
    for problem in &keymap.problems {
        super::warn(&format!("key map: {problem}"));
    }
    let redactor = super::redactor(paths)?;
    crate::logging::log(&format!("console opened on {}", root.display()));
    let code = runtime::run(Options {
        workspace: Workspace::at(root),
        label: label.to_string(),
        theme,
        keymap,
        redactor,
        mouse: config.mouse.unwrap_or(false),
        debug_panic: std::env::var_os("SCANDECK_DEBUG_PANIC_KEY").is_some(),
        log_file: paths.log_file().display().to_string(),
    })
    .map_err(Failure::input)?;
    crate::logging::log(&format!("console closed with exit code {code}"));
    Ok(code)
}
