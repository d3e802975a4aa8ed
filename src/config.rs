//! Where scandeck keeps its own files, and the per-installation secret key.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Every path scandeck uses outside the workspace.
#[derive(Clone, Debug)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// `SCANDECK_CONFIG_DIR` / `SCANDECK_DATA_DIR` override the platform directories.
    pub fn resolve() -> Paths {
        let project = directories::ProjectDirs::from("dev", "scandeck", "scandeck");
        let fallback = || std::env::temp_dir().join("scandeck");
        let config_dir = env_dir("SCANDECK_CONFIG_DIR")
            .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()))
            .unwrap_or_else(|| fallback().join("config"));
        let data_dir = env_dir("SCANDECK_DATA_DIR")
            .or_else(|| project.as_ref().map(|p| p.data_dir().to_path_buf()))
            .unwrap_or_else(|| fallback().join("data"));
        Paths {
            config_dir,
            data_dir,
        }
    }

    pub fn secret_key(&self) -> PathBuf {
        self.data_dir.join("secret.key")
    }

    /// User checklists: every `*.toml` here is a checklist beside the bundled ones.
    pub fn checklists_dir(&self) -> PathBuf {
        self.config_dir.join("checklists")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("scandeck.log")
    }

    pub fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `config.toml` in the config directory.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub theme: Option<String>,
    pub mouse: Option<bool>,
    #[serde(default)]
    pub sla: SlaConfig,
    #[serde(default)]
    pub checklist: ChecklistConfig,
    #[serde(default)]
    pub project: ProjectConfig,
    #[serde(default)]
    pub defectdojo: DefectDojoConfig,
}

/// `[defectdojo]`: where `push`, `pull` and `sync` go (docs/defectdojo.md).
/// The token is never here: `DEFECTDOJO_TOKEN`, or a file only its owner
/// can read named by `token_file`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefectDojoConfig {
    pub url: Option<String>,
    pub token_file: Option<std::path::PathBuf>,
    /// Default "scandeck".
    pub product_type: Option<String>,
    /// Default: the workspace folder's name.
    pub product: Option<String>,
    /// Default "scandeck".
    pub engagement: Option<String>,
}

/// `[project]`: how scandeck's own checks look through the project.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Directory entries the project walk visits before it stops (default
    /// 20,000); what it did not reach is reported as not checked.
    pub walk_max_files: Option<usize>,
}

/// `[checklist]`: settings of the automatic checks.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistConfig {
    /// "Scans are recent": the newest scan of every target is younger than this (default 7).
    pub max_scan_age_days: Option<i64>,
}

/// `[sla]`: days to fix per severity; a negative number means not enforced.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    pub critical_days: Option<i64>,
    pub high_days: Option<i64>,
    pub medium_days: Option<i64>,
    pub low_days: Option<i64>,
}

impl Config {
    /// Reads `config.toml`; a missing file is the defaults; a broken one is an
    /// error naming the file.
    pub fn load(paths: &Paths) -> Result<Config, String> {
        let path = paths.config_dir.join("config.toml");
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                format!(
                    "{}: {}; fix or remove the file",
                    path.display(),
                    e.message()
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(format!("{}: cannot read: {e}", path.display())),
        }
    }

    /// The seed's SLA with the overrides of `[sla]`.
    pub fn sla_policy(&self) -> crate::triage::SlaPolicy {
        let base = crate::triage::SlaPolicy::default();
        let pick = |given: Option<i64>, default: Option<i64>| match given {
            Some(d) if d < 0 => None,
            Some(d) => Some(d),
            None => default,
        };
        crate::triage::SlaPolicy {
            critical_days: pick(self.sla.critical_days, base.critical_days),
            high_days: pick(self.sla.high_days, base.high_days),
            medium_days: pick(self.sla.medium_days, base.medium_days),
            low_days: pick(self.sla.low_days, base.low_days),
        }
    }
}

/// Reads the key used for keyed secret hashes, creating it (0600) on first use.
pub fn load_or_create_key(path: &Path) -> io::Result<[u8; 32]> {
    match fs::read_to_string(path) {
        Ok(text) => parse_key(&text).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a 64-digit hex key; move it aside to create a new one",
                    path.display()
                ),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            let text = format!("{}\n", crate::model::fingerprint::hex(&key));
            crate::store::atomic::write_atomic(path, text.as_bytes())?;
            restrict_permissions(path)?;
            // Another process may have won the race: use whatever is on disk.
            load_or_create_key(path)
        }
        Err(e) => Err(e),
    }
}

fn parse_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(key)
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let a = load_or_create_key(&path).unwrap();
        let b = load_or_create_key(&path).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
