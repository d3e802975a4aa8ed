//! What a scan task is: the job, the key that makes a newer scan of the same
//! thing replace an older one, and the label shown to the user. Planning
//! turns a request (images, project, tools) into tasks.

use super::external::{self, ExternalTarget, Scope};
use crate::rules::project_files::ProjectFiles;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// scandeck's own checks of an image (inspect and history).
    ImageChecks { image: String },
    /// scandeck's own checks of the running containers.
    Containers,
    /// The project posture rules over the workspace files.
    Posture { root: PathBuf },
    /// The native secrets scan of the workspace.
    Secrets { root: PathBuf },
    External {
        tool: &'static str,
        program: PathBuf,
        target: ExternalTarget,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSpec {
    pub job: Job,
    /// Where project paths are shown relative to.
    pub root: PathBuf,
}

impl TaskSpec {
    /// Two tasks with the same key scan the same thing: the newer wins.
    pub fn key(&self) -> String {
        match &self.job {
            Job::ImageChecks { image } => format!("image-checks {image}"),
            Job::Containers => "containers".into(),
            Job::Posture { .. } => "posture".into(),
            Job::Secrets { .. } => "secrets".into(),
            Job::External { tool, target, .. } => format!("{tool} {}", self.target_text(target)),
        }
    }

    pub fn label(&self) -> String {
        let text = match &self.job {
            Job::ImageChecks { image } => format!("image checks {image}"),
            Job::Containers => "container checks".into(),
            Job::Posture { .. } => "project posture".into(),
            Job::Secrets { .. } => "project secrets".into(),
            Job::External { tool, target, .. } => format!("{tool} {}", self.target_text(target)),
        };
        crate::sanitize::sanitize_line(&text).into_owned()
    }

    /// The name the stored report is imported under (its run's target when
    /// the report does not name an image): the label, marked as scandeck's
    /// own for the native checks.
    pub fn report_name(&self) -> String {
        match &self.job {
            Job::External { .. } => self.label(),
            _ => format!("scandeck {}", self.label()),
        }
    }

    /// The image to record for reports that do not name theirs (Scout SARIF).
    pub fn image(&self) -> Option<&str> {
        match &self.job {
            Job::External {
                target: ExternalTarget::Image(r),
                ..
            } => Some(r),
            _ => None,
        }
    }

    /// The image this task scans, if it scans one.
    pub fn scanned_image(&self) -> Option<&str> {
        match &self.job {
            Job::ImageChecks { image } => Some(image),
            _ => self.image(),
        }
    }

    /// How the report of this task is filed: its subject is the scanned
    /// directory relative to the root (or the image), its paths are made
    /// relative to the root, and a per-file scan is its own scope.
    pub fn import_request(&self) -> crate::store::import::ImportRequest {
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        let mut roots = vec![root];
        if !roots.contains(&self.root) {
            roots.push(self.root.clone());
        }
        let relative = |p: &Path| {
            let rel = p
                .strip_prefix(&self.root)
                .or_else(|_| p.strip_prefix(&roots[0]))
                .unwrap_or(p);
            crate::model::subject::normalise_dir(&rel.to_string_lossy())
        };
        let (project_dir, scope, format) = match &self.job {
            Job::External { tool, target, .. } => {
                let format = crate::ingest::Format::from_user(tool);
                match target {
                    ExternalTarget::Image(_) => (None, None, format),
                    ExternalTarget::Dir(d) => (Some(relative(d)), None, format),
                    ExternalTarget::File(d) if d.is_dir() => (Some(relative(d)), None, format),
                    ExternalTarget::File(f) => (
                        Some(relative(f.parent().unwrap_or(Path::new(".")))),
                        Some(relative(f)),
                        format,
                    ),
                }
            }
            Job::Posture { root } | Job::Secrets { root } => (Some(relative(root)), None, None),
            Job::ImageChecks { .. } => (None, None, None),
            Job::Containers => (None, Some("containers".to_string()), None),
        };
        crate::store::import::ImportRequest {
            display_name: self.report_name(),
            image: self.image().map(str::to_string),
            format,
            origin: crate::ingest::identify::Origin {
                project_dir,
                roots,
                ..Default::default()
            },
            scope,
            // scandeck knows what its own scan looked at.
            replace: true,
        }
    }

    fn target_text(&self, target: &ExternalTarget) -> String {
        let rel = |p: &Path| {
            let shown = p
                .strip_prefix(&self.root)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned();
            if shown.is_empty() {
                ".".to_string()
            } else {
                shown
            }
        };
        match target {
            ExternalTarget::Image(r) => r.clone(),
            ExternalTarget::Dir(d) => rel(d),
            ExternalTarget::File(f) => rel(f),
        }
    }
}

/// Which scanners a request may use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolChoice {
    /// `None`: native checks plus every installed external tool.
    pub only: Option<Vec<String>>,
}

/// Names accepted in `--tools` besides the external tools.
pub const NATIVE_TOOLS: [&str; 4] = ["image-checks", "containers", "posture", "secrets"];

impl ToolChoice {
    pub fn parse(list: &str) -> Result<ToolChoice, String> {
        let mut only = Vec::new();
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let w = word.to_ascii_lowercase();
            let known = if w == "native" {
                only.extend(NATIVE_TOOLS.iter().map(|t| t.to_string()));
                continue;
            } else {
                NATIVE_TOOLS.contains(&w.as_str()) || external::tool(&w).is_some()
            };
            if !known {
                let all: Vec<&str> = NATIVE_TOOLS
                    .iter()
                    .copied()
                    .chain(external::TOOLS.iter().map(|t| t.name))
                    .collect();
                return Err(format!(
                    "--tools: unknown tool {:?}; known: native, {}",
                    crate::sanitize::sanitize_line(word),
                    all.join(", ")
                ));
            }
            only.push(w);
        }
        Ok(ToolChoice { only: Some(only) })
    }

    pub fn allows(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|t| t == name))
    }

    /// Tools named explicitly (not "all installed").
    pub fn named(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_some_and(|o| o.iter().any(|t| t == name))
    }
}

/// What to scan.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub images: Vec<String>,
    pub containers: bool,
    pub project: Option<PathBuf>,
    pub tools: ToolChoice,
}

/// An external tool that is wanted but not on PATH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub tool: &'static str,
    pub hint: &'static str,
}

/// The tasks of a request, and the wanted tools that are not installed.
/// `locate` finds a tool's binary (PATH in production, a fixed map in tests).
pub fn plan(
    request: &Request,
    root: &Path,
    locate: &dyn Fn(&external::Tool) -> Option<PathBuf>,
) -> (Vec<TaskSpec>, Vec<Missing>) {
    let spec = |job: Job| TaskSpec {
        job,
        root: root.to_path_buf(),
    };
    let mut tasks = Vec::new();
    let mut missing = Vec::new();
    let installed: Vec<(&'static external::Tool, PathBuf)> = external::TOOLS
        .iter()
        .filter(|t| request.tools.allows(t.name))
        .filter_map(|t| match locate(t) {
            Some(p) => Some((t, p)),
            None => {
                missing.push(Missing {
                    tool: t.name,
                    hint: t.install_hint,
                });
                None
            }
        })
        .collect();
    for image in &request.images {
        if request.tools.allows("image-checks") {
            tasks.push(spec(Job::ImageChecks {
                image: image.clone(),
            }));
        }
        for (t, program) in installed.iter().filter(|(t, _)| t.scope != Scope::Project) {
            tasks.push(spec(Job::External {
                tool: t.name,
                program: program.clone(),
                target: ExternalTarget::Image(image.clone()),
            }));
        }
    }
    if request.containers && request.tools.allows("containers") {
        tasks.push(spec(Job::Containers));
    }
    if let Some(project) = &request.project {
        if request.tools.allows("posture") {
            tasks.push(spec(Job::Posture {
                root: project.clone(),
            }));
        }
        if request.tools.allows("secrets") {
            tasks.push(spec(Job::Secrets {
                root: project.clone(),
            }));
        }
        let files = ProjectFiles::scan(project);
        for (t, program) in installed.iter().filter(|(t, _)| t.scope != Scope::Image) {
            for target in external::project_targets(t, &files) {
                tasks.push(spec(Job::External {
                    tool: t.name,
                    program: program.clone(),
                    target,
                }));
            }
        }
    }
    // Only tools the request could have used are worth a "not installed" line.
    missing.retain(|m| {
        let t = external::tool(m.tool);
        t.is_some_and(|t| match t.scope {
            Scope::Image => !request.images.is_empty(),
            Scope::Project => request.project.is_some(),
            Scope::Both => !request.images.is_empty() || request.project.is_some(),
        })
    });
    (tasks, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_native_checks_and_installed_tools_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "flask==2.0\n").unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM x\n").unwrap();
        let request = Request {
            images: vec!["shop/api:1".into()],
            containers: true,
            project: Some(dir.path().to_path_buf()),
            tools: ToolChoice::default(),
        };
        let locate = |t: &external::Tool| {
            ["trivy", "hadolint"]
                .contains(&t.name)
                .then(|| PathBuf::from(format!("/opt/bin/{}", t.binary)))
        };
        let (tasks, missing) = plan(&request, dir.path(), &locate);
        let labels: Vec<String> = tasks.iter().map(TaskSpec::label).collect();
        assert_eq!(
            labels,
            [
                "image checks shop/api:1",
                "trivy shop/api:1",
                "container checks",
                "project posture",
                "project secrets",
                "trivy .",
                "hadolint Dockerfile"
            ]
        );
        let names: Vec<&str> = missing.iter().map(|m| m.tool).collect();
        assert_eq!(
            names,
            [
                "grype",
                "docker-scout",
                "snyk",
                "pip-audit",
                "npm-audit",
                "gitleaks",
                "dockle"
            ]
        );
        let (only, _) = plan(
            &Request {
                tools: ToolChoice::parse("posture,trivy").unwrap(),
                ..request
            },
            dir.path(),
            &locate,
        );
        assert_eq!(only.len(), 3);
        assert!(ToolChoice::parse("trivy,nope")
            .unwrap_err()
            .contains("unknown tool"));
    }
}
