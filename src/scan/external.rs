//! External scanners as child processes: where each is found, how its
//! version is read, and the command line that writes its machine-readable
//! report. Credentials stay in the tools' environment and config files; no
//! command line built here ever carries one.

use super::process::{which, Invocation};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Image,
    Project,
    Both,
}

/// What an external tool is run against.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExternalTarget {
    Image(String),
    /// The project directory.
    Dir(PathBuf),
    /// One manifest, lockfile directory or Dockerfile inside the project.
    File(PathBuf),
}

/// Where the tool leaves its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The unique temporary file named on the command line.
    File,
    /// Standard output (captured up to the cap).
    Stdout,
}

#[derive(Debug)]
pub struct Tool {
    /// The name users type in `--tools`.
    pub name: &'static str,
    pub binary: &'static str,
    pub version_args: &'static [&'static str],
    pub scope: Scope,
    pub install_hint: &'static str,
}

pub const TOOLS: [Tool; 9] = [
    Tool {
        name: "trivy",
        binary: "trivy",
        version_args: &["--version"],
        scope: Scope::Both,
        install_hint: "https://trivy.dev/latest/getting-started/installation/ (apt, brew or the install script)",
    },
    Tool {
        name: "grype",
        binary: "grype",
        version_args: &["version"],
        scope: Scope::Both,
        install_hint: "https://github.com/anchore/grype#installation (brew install grype or the install script)",
    },
    Tool {
        name: "docker-scout",
        binary: "docker",
        version_args: &["scout", "version"],
        scope: Scope::Image,
        install_hint: "the docker-scout CLI plugin: https://docs.docker.com/scout/install/",
    },
    Tool {
        name: "snyk",
        binary: "snyk",
        version_args: &["--version"],
        scope: Scope::Both,
        install_hint: "npm install -g snyk, then `snyk auth` (the token stays in snyk's config)",
    },
    Tool {
        name: "pip-audit",
        binary: "pip-audit",
        version_args: &["--version"],
        scope: Scope::Project,
        install_hint: "pipx install pip-audit",
    },
    Tool {
        name: "npm-audit",
        binary: "npm",
        version_args: &["--version"],
        scope: Scope::Project,
        install_hint: "Node.js with npm: https://nodejs.org/ or apt install npm",
    },
    Tool {
        name: "gitleaks",
        binary: "gitleaks",
        version_args: &["version"],
        scope: Scope::Project,
        install_hint: "https://github.com/gitleaks/gitleaks#installing (brew install gitleaks)",
    },
    Tool {
        name: "hadolint",
        binary: "hadolint",
        version_args: &["--version"],
        scope: Scope::Project,
        install_hint: "https://github.com/hadolint/hadolint/releases (a single static binary)",
    },
    Tool {
        name: "dockle",
        binary: "dockle",
        version_args: &["--version"],
        scope: Scope::Image,
        install_hint: "https://github.com/goodwithtech/dockle#installation",
    },
];

pub fn tool(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The absolute path of the tool's binary on PATH, if any. Docker Scout is
/// a CLI plugin: `docker` alone does not make it installed.
pub fn locate(tool: &Tool) -> Option<PathBuf> {
    let program = which(tool.binary)?;
    if tool.name == "docker-scout" && !scout_plugin_present() {
        return None;
    }
    Some(program)
}

fn scout_plugin_present() -> bool {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(config) = std::env::var_os("DOCKER_CONFIG") {
        dirs.push(PathBuf::from(config).join("cli-plugins"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".docker/cli-plugins"));
    }
    for d in [
        "/usr/local/lib/docker/cli-plugins",
        "/usr/local/libexec/docker/cli-plugins",
        "/usr/lib/docker/cli-plugins",
        "/usr/libexec/docker/cli-plugins",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs.iter().any(|d| d.join("docker-scout").is_file()) || which("docker-scout").is_some()
}

pub fn version_invocation(tool: &Tool, program: &Path) -> Invocation {
    Invocation {
        program: program.to_path_buf(),
        args: tool.version_args.iter().map(|a| a.to_string()).collect(),
        cwd: None,
    }
}

/// The first version-looking word of a `--version` output.
pub fn parse_version(output: &str) -> Option<String> {
    let line = output.lines().map(str::trim).find(|l| !l.is_empty())?;
    let word = line
        .split_whitespace()
        .map(|w| w.trim_start_matches('v').trim_end_matches(','))
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .unwrap_or(line);
    Some(crate::sanitize::truncate_chars(&crate::sanitize::sanitize_line(word), 40).into_owned())
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The command that scans `target` and where its report ends up; `None`
/// when the tool does not scan that kind of target.
pub fn invocation(
    tool: &Tool,
    program: &Path,
    target: &ExternalTarget,
    report: &Path,
) -> Option<(Invocation, Output)> {
    let out = report.to_string_lossy().into_owned();
    let inv = |args: Vec<String>, cwd: Option<PathBuf>| Invocation {
        program: program.to_path_buf(),
        args,
        cwd,
    };
    use ExternalTarget as T;
    let (args, cwd, output) = match (tool.name, target) {
        ("trivy", T::Image(r)) => (
            strings(&["image", "--quiet", "--format", "json", "--output", &out, r]),
            None,
            Output::File,
        ),
        ("trivy", T::Dir(d)) => (
            strings(&[
                "fs",
                "--quiet",
                "--format",
                "json",
                "--scanners",
                "vuln,secret,misconfig",
                "--output",
                &out,
                &d.to_string_lossy(),
            ]),
            None,
            Output::File,
        ),
        ("grype", T::Image(r)) => (
            strings(&[r, "--output", "json", "--file", &out]),
            None,
            Output::File,
        ),
        ("grype", T::Dir(d)) => (
            strings(&[
                &format!("dir:{}", d.to_string_lossy()),
                "--output",
                "json",
                "--file",
                &out,
            ]),
            None,
            Output::File,
        ),
        ("docker-scout", T::Image(r)) => (
            strings(&["scout", "cves", "--format", "sarif", "--output", &out, r]),
            None,
            Output::File,
        ),
        ("snyk", T::Image(r)) => (
            strings(&["container", "test", r, &format!("--json-file-output={out}")]),
            None,
            Output::File,
        ),
        ("snyk", T::Dir(d)) => (
            strings(&[
                "test",
                "--all-projects",
                &format!("--json-file-output={out}"),
            ]),
            Some(d.clone()),
            Output::File,
        ),
        ("pip-audit", T::File(f)) => (
            strings(&[
                "--requirement",
                &f.to_string_lossy(),
                "--format",
                "json",
                "--output",
                &out,
            ]),
            None,
            Output::File,
        ),
        ("npm-audit", T::File(dir)) => (
            strings(&["audit", "--json"]),
            Some(dir.clone()),
            Output::Stdout,
        ),
        ("gitleaks", T::Dir(d)) => (
            strings(&[
                "detect",
                "--no-git",
                "--no-banner",
                // The report never holds a secret in full, even briefly.
                "--redact",
                "--source",
                &d.to_string_lossy(),
                "--report-format",
                "json",
                "--report-path",
                &out,
                "--exit-code",
                "0",
            ]),
            None,
            Output::File,
        ),
        ("hadolint", T::File(f)) => (
            strings(&["--format", "json", "--no-fail", &f.to_string_lossy()]),
            None,
            Output::Stdout,
        ),
        ("dockle", T::Image(r)) => (
            strings(&["--format", "json", "--output", &out, r]),
            None,
            Output::File,
        ),
        _ => return None,
    };
    Some((inv(args, cwd), output))
}

/// The project targets of a project-scoped tool.
pub fn project_targets(
    tool: &Tool,
    files: &crate::rules::project_files::ProjectFiles,
) -> Vec<ExternalTarget> {
    match tool.name {
        "pip-audit" => files
            .requirements
            .iter()
            .map(|p| ExternalTarget::File(p.clone()))
            .collect(),
        "npm-audit" => files
            .package_json
            .iter()
            .filter_map(|p| p.parent())
            .filter(|d| d.join("package-lock.json").exists())
            .map(|d| ExternalTarget::File(d.to_path_buf()))
            .collect(),
        "hadolint" => files
            .dockerfiles
            .iter()
            .map(|p| ExternalTarget::File(p.clone()))
            .collect(),
        _ if tool.scope != Scope::Image => vec![ExternalTarget::Dir(files.root.clone())],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_usual_outputs() {
        assert_eq!(
            parse_version("Version: 0.50.1\n").as_deref(),
            Some("0.50.1")
        );
        assert_eq!(
            parse_version("Haskell Dockerfile Linter 2.12.0\n").as_deref(),
            Some("2.12.0")
        );
        assert_eq!(
            parse_version("dockle version 0.4.14\n").as_deref(),
            Some("0.4.14")
        );
        assert_eq!(parse_version("v8.18.2").as_deref(), Some("8.18.2"));
        assert_eq!(parse_version("\n\n"), None);
    }

    #[test]
    fn every_tool_has_a_command_for_its_scope_and_none_outside_it() {
        let out = Path::new("/tmp/x/report.json");
        let image = ExternalTarget::Image("shop/api:1".into());
        for t in &TOOLS {
            let program = PathBuf::from(format!("/usr/bin/{}", t.binary));
            let on_image = invocation(t, &program, &image, out);
            assert_eq!(on_image.is_some(), t.scope != Scope::Project, "{}", t.name);
            if let Some((inv, mode)) = on_image {
                assert!(inv.program.is_absolute());
                if mode == Output::File {
                    assert!(
                        inv.args.iter().any(|a| a.contains("/tmp/x/report.json")),
                        "{}",
                        t.name
                    );
                }
            }
        }
    }
}
