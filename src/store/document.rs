//! The storage guarantees shared by every committed workspace document
//! (`decisions.json`, `checklist.json`): every change re-reads the file
//! under the workspace lock and applies itself to what is on disk, so
//! concurrent instances merge instead of overwriting each other; the previous
//! version is kept as `.bak`; writes are atomic; an unreadable file is
//! quarantined and never overwritten; a file written by a newer scandeck is
//! read-only.

use super::atomic::write_atomic;
use super::lock::WorkspaceLock;
use super::workspace::{quarantine, StoreError, Workspace};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fs;
use std::io;
use std::path::PathBuf;

/// A document kept in `.scandeck/`.
pub trait Document: Default + DeserializeOwned {
    /// File name inside `.scandeck/`.
    const FILE_NAME: &'static str;
    /// The layout this scandeck writes.
    const SCHEMA_VERSION: u32;
    /// What the user calls it, for messages ("decisions").
    const WHAT: &'static str;

    /// The committed text layout.
    fn render(&self) -> String;

    /// Reads the layout `version` (never newer than `SCHEMA_VERSION`).
    fn migrate(version: u32, bytes: &[u8]) -> Result<Self, String> {
        if version == Self::SCHEMA_VERSION {
            serde_json::from_slice(bytes).map_err(|e| e.to_string())
        } else {
            Err(format!(
                "schema version {version} is not one scandeck ever wrote"
            ))
        }
    }
}

/// How the file was found.
#[derive(Debug, Default, Clone)]
pub struct Loaded<D> {
    pub file: D,
    pub warnings: Vec<String>,
    /// Set when saving must not happen (a newer scandeck wrote the file).
    pub read_only: Option<String>,
}

pub fn path_of<D: Document>(ws: &Workspace) -> PathBuf {
    ws.dir().join(D::FILE_NAME)
}

fn bak_of<D: Document>(ws: &Workspace) -> PathBuf {
    ws.dir().join(format!("{}.bak", D::FILE_NAME))
}

enum Parsed<D> {
    Current(D),
    Future(u32),
    Broken(String),
}

fn parse<D: Document>(bytes: &[u8]) -> Parsed<D> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    match serde_json::from_slice::<Version>(bytes) {
        Err(e) => Parsed::Broken(e.to_string()),
        Ok(v) if v.schema_version > D::SCHEMA_VERSION => Parsed::Future(v.schema_version),
        Ok(v) => match D::migrate(v.schema_version, bytes) {
            Ok(file) => Parsed::Current(file),
            Err(e) => Parsed::Broken(e),
        },
    }
}

/// Reads the document. A broken file is quarantined and the `.bak` used
/// instead; a newer file is read-only; a missing file is the default.
pub fn load<D: Document>(ws: &Workspace) -> Result<Loaded<D>, StoreError> {
    let path = path_of::<D>(ws);
    let mut loaded = Loaded::<D>::default();
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(loaded),
        Err(e) => return Err(StoreError::Io { path, source: e }),
    };
    match parse::<D>(&bytes) {
        Parsed::Current(file) => loaded.file = file,
        Parsed::Future(found) => {
            let why = format!(
                "{} was written by a newer scandeck (schema {found}, this one knows {}); {} are read-only until you upgrade",
                path.display(),
                D::SCHEMA_VERSION,
                D::WHAT
            );
            loaded.warnings.push(why.clone());
            loaded.read_only = Some(why);
        }
        Parsed::Broken(reason) => {
            let aside = quarantine(&path).map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
            let bak_bytes = fs::read(bak_of::<D>(ws)).ok();
            let from_bak = bak_bytes.as_deref().and_then(|b| match parse::<D>(b) {
                Parsed::Current(f) => Some(f),
                _ => None,
            });
            // The newest readable copy goes back in place, so that the next
            // read or write starts from it, never from an empty file (and the
            // next write's `.bak` is that copy again, not an empty state).
            let restored = match (&from_bak, &bak_bytes) {
                (Some(_), Some(bytes)) => match write_atomic(&path, bytes) {
                    Ok(()) => format!("; restored the previous version from {}.bak", D::FILE_NAME),
                    Err(e) => format!(
                        "; loaded the previous version from {}.bak (could not put it back: {e})",
                        D::FILE_NAME
                    ),
                },
                _ => String::new(),
            };
            loaded.warnings.push(format!(
                "{} was unreadable ({}); kept as {}{restored}",
                path.display(),
                crate::sanitize::sanitize_line(&reason),
                aside.display()
            ));
            loaded.file = from_bak.unwrap_or_default();
        }
    }
    Ok(loaded)
}

/// Applies `change` to the document as it is on disk now, under the
/// workspace lock, keeps the previous version as `.bak`, and writes
/// atomically. When anything fails, the file on disk is unchanged and the
/// error says so.
pub fn update<D: Document, T>(
    ws: &Workspace,
    change: impl FnOnce(&mut D) -> T,
) -> Result<T, StoreError> {
    let lock = ws.lock()?;
    let result = update_locked(ws, &lock, change);
    drop(lock);
    result
}

/// Like `update`, for a caller that already holds the workspace lock.
pub fn update_locked<D: Document, T>(
    ws: &Workspace,
    _lock: &WorkspaceLock,
    change: impl FnOnce(&mut D) -> T,
) -> Result<T, StoreError> {
    let path = path_of::<D>(ws);
    let bak = bak_of::<D>(ws);
    super::atomic::remove_stale_temps(&path);
    super::atomic::remove_stale_temps(&bak);
    let loaded = load::<D>(ws)?;
    if let Some(why) = loaded.read_only {
        return Err(StoreError::Io {
            path,
            source: io::Error::new(io::ErrorKind::PermissionDenied, why),
        });
    }
    let mut file = loaded.file;
    let value = change(&mut file);
    let text = file.render();
    if let Ok(previous) = fs::read(&path) {
        write_atomic(&bak, &previous).map_err(|source| StoreError::Io {
            path: bak.clone(),
            source,
        })?;
    }
    write_atomic(&path, text.as_bytes()).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(value)
}
