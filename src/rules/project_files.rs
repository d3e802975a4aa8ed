//! The project files scandeck's own checks read (compose, .env, nginx, CI,
//! Dockerfiles, dependency manifests), found in one bounded walk of the
//! workspace that skips VCS, dependency and build folders.

use std::path::{Path, PathBuf};

/// Project files the checks read, found once.
#[derive(Default)]
pub struct ProjectFiles {
    pub compose: Vec<PathBuf>,
    pub env: Vec<PathBuf>,
    pub nginx: Vec<PathBuf>,
    pub ci: Vec<PathBuf>,
    pub dockerfiles: Vec<PathBuf>,
    pub requirements: Vec<PathBuf>,
    pub package_json: Vec<PathBuf>,
    pub root: PathBuf,
    /// The walk reached its cap before seeing the whole project: this many
    /// entries were visited. Checks that found nothing must say "not
    /// checked", never "none in the project".
    pub stopped_after: Option<usize>,
}

const SKIP_DIRS: [&str; 8] = [
    ".git",
    ".scandeck",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
];
const MAX_DEPTH: usize = 6;
/// Directory entries visited before the walk stops, unless `[project]
/// walk_max_files` in config.toml says otherwise.
pub const DEFAULT_WALK_CAP: usize = 20_000;
const MAX_FILE_BYTES: u64 = 1 << 20;

static WALK_CAP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Sets the walk cap for this process (from config.toml, at start-up).
pub fn set_walk_cap(cap: usize) {
    let _ = WALK_CAP.set(cap.max(1));
}

pub fn walk_cap() -> usize {
    WALK_CAP.get().copied().unwrap_or(DEFAULT_WALK_CAP)
}

impl ProjectFiles {
    pub fn scan(root: &Path) -> ProjectFiles {
        Self::scan_up_to(root, walk_cap())
    }

    pub fn scan_up_to(root: &Path, cap: usize) -> ProjectFiles {
        let mut files = ProjectFiles {
            root: root.to_path_buf(),
            ..ProjectFiles::default()
        };
        let mut stack = vec![(root.to_path_buf(), 0usize)];
        let mut visited = 0usize;
        while let Some((dir, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                visited += 1;
                if visited > cap {
                    files.stopped_after = Some(cap);
                    return files;
                }
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name().to_string_lossy().to_string();
                let path = entry.path();
                if kind.is_dir() {
                    if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_str()) {
                        stack.push((path, depth + 1));
                    }
                    continue;
                }
                if !kind.is_file() || entry.metadata().map_or(true, |m| m.len() > MAX_FILE_BYTES) {
                    continue;
                }
                files.classify(&name, path);
            }
        }
        files
    }

    fn classify(&mut self, name: &str, path: PathBuf) {
        let lower = name.to_ascii_lowercase();
        let in_workflows = path
            .parent()
            .is_some_and(|p| p.ends_with(".github/workflows") || p.ends_with(".circleci"));
        if lower == "dockerfile"
            || lower.ends_with(".dockerfile")
            || lower.starts_with("dockerfile.")
        {
            self.dockerfiles.push(path);
            return;
        }
        if lower == "package.json" {
            self.package_json.push(path);
            return;
        }
        if lower.starts_with("requirements") && lower.ends_with(".txt") {
            self.requirements.push(path);
            return;
        }
        if matches!(
            lower.as_str(),
            "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"
        ) || (lower.starts_with("docker-compose.")
            && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
        {
            self.compose.push(path);
        } else if (lower == ".env" || lower.ends_with(".env") || lower.starts_with(".env."))
            && ![".example", ".sample", ".template", ".dist"]
                .iter()
                .any(|s| lower.ends_with(s))
        {
            self.env.push(path);
        } else if lower.ends_with(".conf")
            && (lower.contains("nginx") || self.looks_like_nginx(&path))
        {
            self.nginx.push(path);
        } else if in_workflows
            || matches!(
                lower.as_str(),
                ".gitlab-ci.yml"
                    | "jenkinsfile"
                    | "azure-pipelines.yml"
                    | "bitbucket-pipelines.yml"
                    | ".drone.yml"
            )
        {
            self.ci.push(path);
        }
    }

    fn looks_like_nginx(&self, path: &Path) -> bool {
        read(path).is_some_and(|t| t.contains("server {") || t.contains("location "))
    }

    /// "not checked: the project walk stopped after 20,000 files …" when the
    /// walk did not see everything.
    pub fn incomplete(&self) -> Option<String> {
        self.stopped_after.map(|n| {
            format!(
                "not checked: the project walk stopped after {n} files (raise [project] walk_max_files in config.toml)"
            )
        })
    }

    /// The path relative to the project, for messages.
    pub fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// A compose file as Compose reads it: YAML with anchors and aliases
/// resolved and merge keys (`<<: *limits`, the pattern Compose's reference
/// shows for shared settings) applied, by the YAML library's own merge.
pub fn compose_document(text: &str) -> Result<serde_norway::Value, String> {
    let mut doc: serde_norway::Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    doc.apply_merge().map_err(|e| e.to_string())?;
    Ok(doc)
}

/// The largest project file read (a lockfile of a large monorepo is a few
/// MiB; a Dockerfile or compose file far less).
pub const PROJECT_FILE_CAP: u64 = 16 << 20;

/// A project file as text (lossy); `None` when unreadable, not a regular
/// file (a FIFO, a device: `/dev/zero` named by a compose file would be read
/// forever) or over `PROJECT_FILE_CAP`. Never blocks on opening.
pub fn read(path: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > PROJECT_FILE_CAP {
        crate::logging::log(&format!(
            "{}: not read (not a regular file, or over {PROJECT_FILE_CAP} bytes)",
            crate::sanitize::sanitize_line(&path.display().to_string())
        ));
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(PROJECT_FILE_CAP.saturating_add(1))
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() as u64 > PROJECT_FILE_CAP {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Like `read`, for a path another file names (a compose file's `build`):
/// only when it resolves inside `root`, links included — a committed file
/// never makes scandeck read `/etc/passwd` or `../outside`.
pub fn read_within(root: &Path, path: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok()?;
    let real = std::fs::canonicalize(path).ok()?;
    if !real.starts_with(&root) {
        crate::logging::log(&format!(
            "{}: not read, it lies outside the project",
            crate::sanitize::sanitize_line(&path.display().to_string())
        ));
        return None;
    }
    read(&real)
}
