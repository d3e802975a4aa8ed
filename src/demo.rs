//! The bundled demo workspace: a small finance-tracker project and scanner
//! reports about it, compiled into the binary so `scandeck demo` works on a
//! machine with nothing installed.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Project files, relative to the workspace root.
pub const PROJECT_FILES: &[(&str, &str)] = &[
    (
        "README.md",
        include_str!("../assets/demo/project/README.md"),
    ),
    (
        "docker-compose.yml",
        include_str!("../assets/demo/project/docker-compose.yml"),
    ),
    (".env", include_str!("../assets/demo/project/.env")),
    (
        ".gitignore",
        include_str!("../assets/demo/project/.gitignore"),
    ),
    (
        ".dockerignore",
        include_str!("../assets/demo/project/.dockerignore"),
    ),
    (
        "backend/Dockerfile",
        include_str!("../assets/demo/project/backend/Dockerfile"),
    ),
    (
        "backend/requirements.txt",
        include_str!("../assets/demo/project/backend/requirements.txt"),
    ),
    (
        "backend/app.py",
        include_str!("../assets/demo/project/backend/app.py"),
    ),
    (
        "backend/config.py",
        include_str!("../assets/demo/project/backend/config.py"),
    ),
    (
        "frontend/Dockerfile",
        include_str!("../assets/demo/project/frontend/Dockerfile"),
    ),
    (
        "frontend/nginx.conf",
        include_str!("../assets/demo/project/frontend/nginx.conf"),
    ),
    (
        "frontend/package.json",
        include_str!("../assets/demo/project/frontend/package.json"),
    ),
];

/// A bundled report: its path in the workspace, its bytes, and the image to
/// record for formats that do not name one.
pub struct DemoReport {
    pub path: &'static str,
    pub bytes: &'static str,
    pub image: Option<&'static str>,
    /// The project directory a dependency or secrets report is about.
    pub subject: Option<&'static str>,
}

impl DemoReport {
    /// Where the report comes from: the demo project's own directory.
    pub fn origin(&self) -> crate::ingest::identify::Origin {
        crate::ingest::identify::Origin {
            subject: self.subject.map(str::to_string),
            ..Default::default()
        }
    }
}

/// Every finding of every demo report, parsed: test material.
#[cfg(test)]
pub fn parsed_findings(redactor: &crate::model::Redactor) -> Vec<crate::model::Finding> {
    let mut findings = Vec::new();
    for report in REPORTS {
        let ctx = crate::ingest::ParseContext {
            redactor,
            report_name: report.path,
            image_override: report.image,
        };
        let parsed =
            crate::ingest::parse_bytes_from(report.bytes.as_bytes(), &ctx, &report.origin(), None)
                .expect("the demo reports parse");
        findings.extend(parsed.findings);
    }
    findings
}

pub const REPORTS: &[DemoReport] = &[
    DemoReport {
        path: "reports/backend.trivy.json",
        bytes: include_str!("../assets/demo/reports/backend.trivy.json"),
        image: None,
        subject: None,
    },
    DemoReport {
        path: "reports/frontend.grype.json",
        bytes: include_str!("../assets/demo/reports/frontend.grype.json"),
        image: None,
        subject: None,
    },
    DemoReport {
        path: "reports/database.scout.sarif",
        bytes: include_str!("../assets/demo/reports/database.scout.sarif"),
        image: Some("postgres:15.4"),
        subject: None,
    },
    DemoReport {
        path: "reports/backend.pip-audit.json",
        bytes: include_str!("../assets/demo/reports/backend.pip-audit.json"),
        image: None,
        subject: Some("backend"),
    },
    DemoReport {
        path: "reports/frontend.npm-audit.json",
        bytes: include_str!("../assets/demo/reports/frontend.npm-audit.json"),
        image: None,
        subject: Some("frontend"),
    },
    DemoReport {
        path: "reports/repo.gitleaks.json",
        bytes: include_str!("../assets/demo/reports/repo.gitleaks.json"),
        image: None,
        subject: None,
    },
];

/// The demo workspace under `parent`: the same one every run, so that what
/// was triaged in it is still there next time; `fresh` starts it over.
pub fn write_project(parent: &Path, fresh: bool) -> io::Result<PathBuf> {
    fs::create_dir_all(parent)?;
    let root = parent.join("finance-tracker");
    if fresh {
        match fs::remove_dir_all(&root) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    } else if root.join(".scandeck").is_dir() {
        return Ok(root);
    }
    for (rel, text) in PROJECT_FILES {
        write_file(&root.join(rel), text)?;
    }
    for report in REPORTS {
        write_file(&root.join(report.path), report.bytes)?;
    }
    // The demo's committed salt: its secret findings have the same
    // fingerprints on every machine, like a cloned project's.
    write_file(
        &root.join(".scandeck").join(crate::store::workspace::IDENTITY_SALT),
        "# scandeck: the salt of secret findings' identities (docs/secrets.md); commit it with decisions.json\n5ca2dec0de5a17ed5ca2dec0de5a17ed\n",
    )?;
    // Copies that earlier versions made on every run.
    prune(parent)?;
    Ok(root)
}

fn write_file(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text)
}

fn prune(parent: &Path) -> io::Result<()> {
    let dirs: Vec<PathBuf> = fs::read_dir(parent)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("finance-tracker-"))
        })
        .collect();
    for old in dirs {
        let _ = fs::remove_dir_all(old);
    }
    Ok(())
}
