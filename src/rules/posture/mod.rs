//! The seed's best practices as checks over the project files: Dockerfiles,
//! compose files, nginx configuration, dependency manifests, ignore files.
//! Each rule reports whether it applies, and every problem as "file: what".
//! The checklist maps them to the best-practices items.

mod base_image;
mod compose_inline_secrets;
mod compose_privileged;
mod db_not_published;
mod dockerfile_secrets;
mod dockerfile_user;
mod dockerignore_git;
mod env_ignored;
mod healthcheck;
mod multi_stage;
mod npm_pinned;
mod oci_labels;
mod package_hygiene;
mod pip_pinned;
mod security_headers;
mod wsgi_server;

use super::project_files::{read, ProjectFiles};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostureResult {
    pub rule: &'static str,
    /// Whether the project has anything the rule looks at.
    pub applicable: bool,
    pub problems: Vec<String>,
}

pub const RULES: [&str; 16] = [
    dockerfile_user::ID,
    healthcheck::ID,
    db_not_published::ID,
    pip_pinned::ID,
    npm_pinned::ID,
    env_ignored::ID,
    security_headers::ID,
    package_hygiene::ID,
    base_image::ID,
    oci_labels::ID,
    multi_stage::ID,
    wsgi_server::ID,
    dockerfile_secrets::ID,
    dockerignore_git::ID,
    compose_privileged::ID,
    compose_inline_secrets::ID,
];

pub fn check_project(files: &ProjectFiles) -> Vec<PostureResult> {
    let dockerfiles: Vec<(String, Vec<Instruction>)> = files
        .dockerfiles
        .iter()
        .filter_map(|p| Some((files.shown(p), instructions(&read(p)?))))
        .collect();
    let compose = compose_services(files);
    vec![
        result(
            dockerfile_user::ID,
            !dockerfiles.is_empty(),
            dockerfile_user::check(&dockerfiles),
        ),
        result(
            healthcheck::ID,
            !dockerfiles.is_empty() || !compose.is_empty(),
            healthcheck::check(&dockerfiles, &compose),
        ),
        result(
            db_not_published::ID,
            !compose.is_empty(),
            db_not_published::check(&compose),
        ),
        result(
            pip_pinned::ID,
            !files.requirements.is_empty(),
            pip_pinned::check(files),
        ),
        result(
            npm_pinned::ID,
            !files.package_json.is_empty(),
            npm_pinned::check(files),
        ),
        result(
            env_ignored::ID,
            !files.env.is_empty(),
            env_ignored::check(files),
        ),
        result(
            security_headers::ID,
            !files.nginx.is_empty(),
            security_headers::check(files),
        ),
        result(
            package_hygiene::ID,
            !dockerfiles.is_empty(),
            package_hygiene::check(&dockerfiles),
        ),
        result(
            base_image::ID,
            !dockerfiles.is_empty(),
            base_image::check(&dockerfiles),
        ),
        result(
            oci_labels::ID,
            !dockerfiles.is_empty(),
            oci_labels::check(&dockerfiles),
        ),
        result(
            multi_stage::ID,
            !dockerfiles.is_empty(),
            multi_stage::check(&dockerfiles),
        ),
        result(
            wsgi_server::ID,
            !dockerfiles.is_empty(),
            wsgi_server::check(&dockerfiles),
        ),
        result(
            dockerfile_secrets::ID,
            !dockerfiles.is_empty(),
            dockerfile_secrets::check(&dockerfiles),
        ),
        result(
            dockerignore_git::ID,
            !dockerfiles.is_empty(),
            dockerignore_git::check(files),
        ),
        result(
            compose_privileged::ID,
            !compose.is_empty(),
            compose_privileged::check(&compose),
        ),
        result(
            compose_inline_secrets::ID,
            !compose.is_empty(),
            compose_inline_secrets::check(&compose),
        ),
    ]
}

fn result(rule: &'static str, applicable: bool, problems: Vec<String>) -> PostureResult {
    PostureResult {
        rule,
        applicable,
        problems,
    }
}

pub use super::dockerfile::{final_stage, instructions, Instruction};

/// (compose file, service name, its YAML)
pub fn compose_services(files: &ProjectFiles) -> Vec<(String, String, serde_norway::Value)> {
    let mut out = Vec::new();
    for path in &files.compose {
        let Some(doc) = read(path).and_then(|t| super::project_files::compose_document(&t).ok())
        else {
            continue;
        };
        if let Some(map) = doc.get("services").and_then(|s| s.as_mapping()) {
            for (name, service) in map {
                out.push((
                    files.shown(path),
                    name.as_str().unwrap_or("?").to_string(),
                    service.clone(),
                ));
            }
        }
    }
    out
}

/// A literal value, as opposed to a reference to something set elsewhere.
pub(super) fn literal(value: &str) -> bool {
    let v = unquoted(value);
    !v.is_empty() && !v.starts_with('$') && !v.starts_with("/run/secrets")
}

pub(super) fn unquoted(value: &str) -> &str {
    value.trim().trim_matches(|c| c == '"' || c == '\'')
}

/// What the posture scan says about each rule, from `assets/rules/posture.toml`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub severity: String,
    pub rationale: String,
    pub remediation: String,
}

#[derive(serde::Deserialize)]
struct RuleFile {
    rule: Vec<RuleInfo>,
}

pub const RULES_TOML: &str = include_str!("../../../assets/rules/posture.toml");

/// The bundled rule metadata; a test proves it parses and covers every rule.
pub fn rule_infos() -> Vec<RuleInfo> {
    toml::from_str::<RuleFile>(RULES_TOML)
        .map(|f| f.rule)
        .unwrap_or_default()
}

/// Checks of `checklist::evidence` that read only project files and so are posture too.
pub const FILE_CHECKS: [&str; 4] = [
    "compose-resource-limits",
    "env-passwords-strong",
    "https-enabled",
    "rate-limiting",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;
    use std::path::Path;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PostureResult>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let results = check_project(&ProjectFiles::scan(dir.path()));
        (dir, results)
    }

    fn problems<'a>(results: &'a [PostureResult], rule: &str) -> &'a [String] {
        &results.iter().find(|r| r.rule == rule).unwrap().problems
    }

    #[test]
    fn the_demo_project_fails_and_a_fixed_one_passes() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/project");
        let results = check_project(&ProjectFiles::scan(&demo));
        for rule in RULES {
            // The demo front end is multi-stage; the demo has no privileged
            // service and no secret in a Dockerfile (see the tests below).
            if [
                multi_stage::ID,
                compose_privileged::ID,
                "dockerfile-secrets",
            ]
            .contains(&rule)
            {
                continue;
            }
            assert!(
                !problems(&results, rule).is_empty(),
                "{rule} should fail on the demo"
            );
        }
        assert!(problems(&results, "multi-stage").is_empty());

        let (_dir, fixed) = project(&[
            (
                "app/Dockerfile",
                "FROM python:3.11-slim\nLABEL org.opencontainers.image.version=\"1.4.0\" \\\n      org.opencontainers.image.source=\"https://example.com/app\"\nRUN apt-get update && apt-get install -y --no-install-recommends libpq5 \\\n && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir -r requirements.txt\nUSER 10001\nHEALTHCHECK CMD curl -f http://localhost:5000/health\n",
            ),
            ("app/requirements.txt", "Flask==2.3.3\n# comment\ngunicorn==21.2.0 ; python_version >= \"3.8\"\n"),
            ("web/package.json", "{\"dependencies\": {\"react\": \"18.2.0\"}}"),
            ("web/package-lock.json", "{}"),
            (
                "docker-compose.yml",
                "services:\n  app:\n    build: ./app\n  db:\n    image: postgres:16\n    healthcheck: {test: [\"CMD\", \"pg_isready\"]}\n",
            ),
            (".env", "A=1\n"),
            (".gitignore", ".env\n"),
            (".dockerignore", ".git\n.env\n"),
            (
                "nginx.conf",
                "server {\n server_tokens off;\n add_header Strict-Transport-Security x;\n add_header Content-Security-Policy x;\n add_header X-Frame-Options DENY;\n add_header X-Content-Type-Options nosniff;\n add_header Permissions-Policy x;\n}\n",
            ),
        ]);
        for r in &fixed {
            assert!(r.applicable, "{}", r.rule);
            assert!(r.problems.is_empty(), "{}: {:?}", r.rule, r.problems);
        }
    }

    #[test]
    fn every_rule_has_metadata() {
        let infos = rule_infos();
        for rule in RULES.iter().chain(FILE_CHECKS.iter()) {
            let info = infos.iter().find(|i| i.id == *rule);
            let info = info.unwrap_or_else(|| panic!("{rule} missing from posture.toml"));
            assert_ne!(
                Severity::from_word(&info.severity),
                Severity::Unknown,
                "{rule}"
            );
            assert!(!info.rationale.is_empty() && !info.remediation.is_empty());
        }
        assert_eq!(infos.len(), RULES.len() + FILE_CHECKS.len());
    }

    #[test]
    fn privileged_services_and_baked_in_secrets_are_caught() {
        let (_dir, results) = project(&[
            (
                "Dockerfile",
                "FROM alpine:3.19\nARG NPM_TOKEN=abc123\nENV DB_PASSWORD hunter2\nARG BUILD_TOKEN\nENV API_KEY=${API_KEY}\nUSER 1000\nCMD [\"python\", \"app.py\"]\n",
            ),
            (
                "docker-compose.yml",
                "services:\n  agent:\n    image: a:1\n    privileged: true\n    network_mode: host\n    pid: host\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n    environment:\n      API_TOKEN: s3cr3t\n      DB_PASSWORD: ${DB_PASSWORD}\n      SECRET_KEY_FILE: /run/secrets/key\n  web:\n    image: w:1\n    environment: [\"ADMIN_PASSWORD=letmein\", \"MODE=prod\"]\n",
            ),
        ]);
        assert_eq!(
            problems(&results, "dockerfile-secrets"),
            [
                "Dockerfile: ARG NPM_TOKEN sets a secret in the image",
                "Dockerfile: ENV DB_PASSWORD sets a secret in the image"
            ]
        );
        assert_eq!(problems(&results, "compose-privileged").len(), 4);
        assert_eq!(
            problems(&results, "compose-inline-secrets"),
            [
                "docker-compose.yml: service agent sets API_TOKEN inline; the value is committed with the file",
                "docker-compose.yml: service web sets ADMIN_PASSWORD inline; the value is committed with the file"
            ]
        );
        assert_eq!(problems(&results, "wsgi-server").len(), 1);
        assert!(!format!("{results:?}").contains("hunter2"));
    }

    #[test]
    fn nothing_to_look_at_is_not_applicable() {
        let (_dir, results) = project(&[("README.md", "hi")]);
        assert!(results.iter().all(|r| !r.applicable));
    }
}
