//! A small append-only log file (`scandeck paths` shows where). Never the
//! terminal: the console owns it. Every line is sanitised.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

static LOG: OnceLock<Mutex<File>> = OnceLock::new();

/// Opens (creating) the log file; later `log` calls append to it.
pub fn init(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(file) = OpenOptions::new().create(true).append(true).open(path) {
        let _ = LOG.set(Mutex::new(file));
    }
}

pub fn log(message: &str) {
    if let Some(lock) = LOG.get() {
        if let Ok(mut file) = lock.lock() {
            let stamp = crate::clock::wall().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let _ = writeln!(file, "{stamp} {}", crate::sanitize::sanitize_line(message));
        }
    }
}
