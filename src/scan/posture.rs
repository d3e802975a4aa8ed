//! The seed's best practices as checks over the project files: Dockerfiles,
//! compose files, nginx configuration, dependency manifests, ignore files.
//! Each rule reports whether it applies, and every problem as "file: what".
//! The checklist maps them to the best-practices items.

use super::native_report::NativeFinding;
use super::project_files::{read, ProjectFiles};
use crate::model::Severity;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostureResult {
    pub rule: &'static str,
    /// Whether the project has anything the rule looks at.
    pub applicable: bool,
    pub problems: Vec<String>,
}

pub const RULES: [&str; 16] = [
    "dockerfile-user",
    "healthcheck",
    "db-not-published",
    "pip-pinned",
    "npm-pinned",
    "env-ignored",
    "security-headers",
    "package-hygiene",
    "base-image",
    "oci-labels",
    "multi-stage",
    "wsgi-server",
    "dockerfile-secrets",
    "dockerignore-git",
    "compose-privileged",
    "compose-inline-secrets",
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
            "dockerfile-user",
            !dockerfiles.is_empty(),
            user(&dockerfiles),
        ),
        result(
            "healthcheck",
            !dockerfiles.is_empty() || !compose.is_empty(),
            healthchecks(&dockerfiles, &compose),
        ),
        result("db-not-published", !compose.is_empty(), databases(&compose)),
        result(
            "pip-pinned",
            !files.requirements.is_empty(),
            pip_pinned(files),
        ),
        result(
            "npm-pinned",
            !files.package_json.is_empty(),
            npm_pinned(files),
        ),
        result("env-ignored", !files.env.is_empty(), env_ignored(files)),
        result(
            "security-headers",
            !files.nginx.is_empty(),
            security_headers(files),
        ),
        result(
            "package-hygiene",
            !dockerfiles.is_empty(),
            package_hygiene(&dockerfiles),
        ),
        result(
            "base-image",
            !dockerfiles.is_empty(),
            base_image(&dockerfiles),
        ),
        result("oci-labels", !dockerfiles.is_empty(), labels(&dockerfiles)),
        result(
            "multi-stage",
            !dockerfiles.is_empty(),
            multi_stage(&dockerfiles),
        ),
        result(
            "wsgi-server",
            !dockerfiles.is_empty(),
            wsgi_server(&dockerfiles),
        ),
        result(
            "dockerfile-secrets",
            !dockerfiles.is_empty(),
            dockerfile_secrets(&dockerfiles),
        ),
        result(
            "dockerignore-git",
            !dockerfiles.is_empty(),
            dockerignore_git(files),
        ),
        result(
            "compose-privileged",
            !compose.is_empty(),
            compose_privileged(&compose),
        ),
        result(
            "compose-inline-secrets",
            !compose.is_empty(),
            compose_inline_secrets(&compose),
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

pub(super) use super::dockerfile::{final_stage, instructions, Instruction};

fn user(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let last_user = final_stage(ins)
            .iter()
            .rev()
            .find(|i| i.keyword == "USER")
            .map(|i| {
                i.args
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            });
        match last_user.as_deref() {
            None => problems.push(format!("{name}: no USER; the container runs as root")),
            Some("root") | Some("0") => problems.push(format!("{name}: USER is root")),
            Some(_) => {}
        }
    }
    problems
}

/// (compose file, service name, its YAML)
pub(super) fn compose_services(files: &ProjectFiles) -> Vec<(String, String, serde_norway::Value)> {
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

fn healthchecks(
    dockerfiles: &[(String, Vec<Instruction>)],
    compose: &[(String, String, serde_norway::Value)],
) -> Vec<String> {
    let has_healthcheck =
        |ins: &[Instruction]| final_stage(ins).iter().any(|i| i.keyword == "HEALTHCHECK");
    if compose.is_empty() {
        return dockerfiles
            .iter()
            .filter(|(_, ins)| !has_healthcheck(ins))
            .map(|(name, _)| format!("{name}: no HEALTHCHECK"))
            .collect();
    }
    let mut problems = Vec::new();
    for (file, name, service) in compose {
        if service.get("healthcheck").is_some() {
            continue;
        }
        // A service built here may carry the HEALTHCHECK in its Dockerfile.
        let context = match service.get("build") {
            Some(b) if b.is_string() => b.as_str().map(str::to_string),
            Some(b) => b
                .get("context")
                .and_then(|c| c.as_str())
                .map(str::to_string),
            None => None,
        };
        let built_with_check = context.is_some_and(|ctx| {
            let ctx = ctx
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            dockerfiles.iter().any(|(df, ins)| {
                Path::new(df).parent().is_some_and(|p| p == Path::new(&ctx)) && has_healthcheck(ins)
            })
        });
        if !built_with_check {
            problems.push(format!("{file}: service {name} has no healthcheck"));
        }
    }
    problems
}

fn databases(compose: &[(String, String, serde_norway::Value)]) -> Vec<String> {
    compose
        .iter()
        .filter(|(_, _, s)| {
            let image = s.get("image").and_then(|i| i.as_str()).unwrap_or_default();
            super::names::database_image(image)
                && s.get("ports")
                    .and_then(|p| p.as_sequence())
                    .is_some_and(|p| !p.is_empty())
        })
        .map(|(file, name, _)| {
            format!("{file}: database service {name} publishes ports on the host")
        })
        .collect()
}

fn pip_pinned(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for path in &files.requirements {
        let Some(text) = read(path) else { continue };
        for line in text.lines() {
            let req = line.split('#').next().unwrap_or_default().trim();
            if req.is_empty() || req.starts_with('-') {
                continue;
            }
            let spec = req.split(';').next().unwrap_or_default();
            if !spec.contains("==") || spec.contains(',') {
                problems.push(format!(
                    "{}: {} is not pinned with ==",
                    files.shown(path),
                    spec.trim()
                ));
            }
        }
    }
    problems
}

fn npm_pinned(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for path in &files.package_json {
        let Some(doc) = read(path).and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let shown = files.shown(path);
        for section in ["dependencies", "devDependencies"] {
            for (name, version) in doc[section].as_object().into_iter().flatten() {
                let v = version.as_str().unwrap_or_default().trim();
                let exact = !v.is_empty()
                    && v.chars().next().is_some_and(|c| c.is_ascii_digit())
                    && !v.contains(['^', '~', '>', '<', '*', ' ', '|'])
                    && !v.contains(".x");
                if !exact {
                    problems.push(format!("{shown}: {name} {v} is a range"));
                }
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        if ![
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "pnpm-lock.yaml",
        ]
        .iter()
        .any(|l| dir.join(l).exists())
        {
            problems.push(format!("{shown}: no lockfile beside it"));
        }
    }
    problems
}

fn ignores_env(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| {
        matches!(
            l,
            ".env" | "/.env" | "*.env" | ".env*" | "**/.env" | ".env.*"
        )
    })
}

fn env_ignored(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for (ignore, what) in [
        (".gitignore", "committed to git"),
        (".dockerignore", "copied into images"),
    ] {
        let ok = read(&files.root.join(ignore)).is_some_and(|t| ignores_env(&t));
        if !ok {
            problems.push(format!("{ignore}: .env is not excluded; it can be {what}"));
        }
    }
    problems
}

const HEADERS: [&str; 5] = [
    "strict-transport-security",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "permissions-policy",
];

fn security_headers(files: &ProjectFiles) -> Vec<String> {
    let mut problems = Vec::new();
    for path in &files.nginx {
        let Some(text) = read(path) else { continue };
        let lower = text.to_ascii_lowercase();
        let missing: Vec<&str> = HEADERS
            .iter()
            .copied()
            .filter(|h| !lower.contains(h))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{}: no {}", files.shown(path), missing.join(", ")));
        }
        if !lower.contains("server_tokens off") {
            problems.push(format!("{}: server_tokens is not off", files.shown(path)));
        }
    }
    problems
}

fn package_hygiene(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        for run in ins.iter().filter(|i| i.keyword == "RUN") {
            let a = &run.args;
            // Worded as hadolint's DL3015, DL3009 and DL3042 are mapped to
            // them (`ingest::hadolint::SAME_AS_POSTURE`): one finding each.
            let [recommends, lists, cache] =
                crate::ingest::hadolint::SAME_AS_POSTURE.map(|(_, _, problem)| problem);
            if a.contains("apt-get install") && !a.contains("--no-install-recommends") {
                problems.push(format!("{name}: {recommends}"));
            }
            if a.contains("apt-get install") && !a.contains("rm -rf /var/lib/apt/lists") {
                problems.push(format!("{name}: {lists}"));
            }
            if (a.contains("pip install") || a.contains("pip3 install"))
                && !a.contains("--no-cache-dir")
            {
                problems.push(format!("{name}: {cache}"));
            }
        }
    }
    problems
}

fn base_image(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let stages: Vec<String> = ins
            .iter()
            .filter(|i| i.keyword == "FROM")
            .filter_map(|i| {
                i.args
                    .split_whitespace()
                    .find(|w| !w.starts_with("--"))
                    .map(str::to_string)
            })
            .collect();
        let aliases: Vec<String> = ins
            .iter()
            .filter(|i| i.keyword == "FROM")
            .filter_map(|i| {
                let words: Vec<&str> = i.args.split_whitespace().collect();
                words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|p| words.get(p + 1))
                    .map(|a| a.to_ascii_lowercase())
            })
            .collect();
        for image in &stages {
            if aliases.contains(&image.to_ascii_lowercase()) || image == "scratch" {
                continue;
            }
            let tag = image
                .rsplit_once(':')
                .map(|(_, t)| t)
                .filter(|t| !t.contains('/'));
            if image.contains("@sha256:") {
                continue;
            }
            match tag {
                None => problems.push(format!("{name}: {image} has no tag")),
                Some("latest") => problems.push(format!("{name}: {image} is not pinned")),
                Some(_) => {}
            }
        }
        if let Some(last) = stages.last() {
            let minimal = [
                "slim",
                "alpine",
                "distroless",
                "scratch",
                "chainguard",
                "minimal",
            ]
            .iter()
            .any(|m| last.contains(m));
            if !minimal {
                problems.push(format!(
                    "{name}: final base {last} is not a slim, alpine or distroless image"
                ));
            }
        }
    }
    problems
}

fn labels(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let text: String = final_stage(ins)
            .iter()
            .filter(|i| i.keyword == "LABEL")
            .map(|i| i.args.clone())
            .collect::<Vec<_>>()
            .join(" ");
        for label in [
            "org.opencontainers.image.version",
            "org.opencontainers.image.source",
        ] {
            if !text.contains(label) {
                problems.push(format!("{name}: no {label} label"));
            }
        }
    }
    problems
}

fn multi_stage(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    dockerfiles
        .iter()
        .filter(|(_, ins)| {
            let builds_front_end = ins.iter().any(|i| {
                i.keyword == "RUN"
                    && [
                        "npm run build",
                        "yarn build",
                        "pnpm build",
                        "npm ci && npm run build",
                    ]
                    .iter()
                    .any(|b| i.args.contains(b))
            });
            builds_front_end && ins.iter().filter(|i| i.keyword == "FROM").count() < 2
        })
        .map(|(name, _)| format!("{name}: builds a front end in a single stage"))
        .collect()
}

fn wsgi_server(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let command: String = final_stage(ins)
            .iter()
            .filter(|i| i.keyword == "CMD" || i.keyword == "ENTRYPOINT")
            .map(|i| i.args.replace(['[', ']', '"', ','], " "))
            .collect::<Vec<_>>()
            .join(" ");
        let words: Vec<&str> = command.split_whitespace().collect();
        let dev_server = words.windows(2).any(|w| w == ["flask", "run"])
            || (words.iter().any(|w| w.starts_with("python"))
                && words.iter().any(|w| w.ends_with("app.py")));
        if dev_server && !words.iter().any(|w| *w == "gunicorn" || *w == "uwsgi") {
            problems.push(format!(
                "{name}: runs Flask's development server instead of a WSGI server"
            ));
        }
    }
    problems
}

/// A literal value, as opposed to a reference to something set elsewhere.
fn literal(value: &str) -> bool {
    let v = unquoted(value);
    !v.is_empty() && !v.starts_with('$') && !v.starts_with("/run/secrets")
}

fn unquoted(value: &str) -> &str {
    value.trim().trim_matches(|c| c == '"' || c == '\'')
}

fn dockerfile_secrets(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        for i in ins
            .iter()
            .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
        {
            let pairs: Vec<(String, String)> = if i.args.contains('=') {
                i.args
                    .split_whitespace()
                    .filter_map(|w| w.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            } else {
                // `ENV KEY value` (legacy form); `ARG KEY` has no value.
                let mut parts = i.args.splitn(2, char::is_whitespace);
                let key = parts.next().unwrap_or_default().to_string();
                let value = parts.next().unwrap_or_default().to_string();
                vec![(key, value)]
            };
            for (key, value) in pairs {
                if literal(&value) && super::secrets::env_secret(&key, unquoted(&value)).is_some() {
                    problems.push(format!(
                        "{name}: {} {key} sets a secret in the image",
                        i.keyword
                    ));
                }
            }
        }
    }
    problems
}

fn dockerignore_git(files: &ProjectFiles) -> Vec<String> {
    let mut dirs: Vec<&Path> = files
        .dockerfiles
        .iter()
        .filter_map(|p| p.parent())
        .collect();
    dirs.push(&files.root);
    let excluded = dirs.iter().any(|d| {
        read(&d.join(".dockerignore")).is_some_and(|t| {
            t.lines()
                .map(str::trim)
                .any(|l| matches!(l, ".git" | "/.git" | ".git/" | "**/.git"))
        })
    });
    if excluded {
        Vec::new()
    } else {
        vec![".dockerignore: .git is not excluded; `COPY . .` copies the repository history".into()]
    }
}

fn compose_privileged(compose: &[(String, String, serde_norway::Value)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, name, service) in compose {
        let text = |key: &str| {
            service
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        if service.get("privileged").and_then(|v| v.as_bool()) == Some(true) {
            problems.push(format!("{file}: service {name} is privileged"));
        }
        if text("network_mode") == "host" {
            problems.push(format!("{file}: service {name} uses the host network"));
        }
        if text("pid") == "host" {
            problems.push(format!(
                "{file}: service {name} shares the host PID namespace"
            ));
        }
        let mounts_socket = service
            .get("volumes")
            .and_then(|v| v.as_sequence())
            .into_iter()
            .flatten()
            .any(|v| {
                let source = v
                    .as_str()
                    .map(|s| s.split(':').next().unwrap_or_default().to_string())
                    .or_else(|| v.get("source").and_then(|s| s.as_str()).map(str::to_string))
                    .unwrap_or_default();
                source.ends_with("docker.sock")
            });
        if mounts_socket {
            problems.push(format!("{file}: service {name} mounts the Docker socket"));
        }
    }
    problems
}

fn compose_inline_secrets(compose: &[(String, String, serde_norway::Value)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, name, service) in compose {
        let Some(env) = service.get("environment") else {
            continue;
        };
        let pairs: Vec<(String, String)> = if let Some(map) = env.as_mapping() {
            map.iter()
                .map(|(k, v)| {
                    let value = match v {
                        serde_norway::Value::String(s) => s.clone(),
                        serde_norway::Value::Number(n) => n.to_string(),
                        serde_norway::Value::Bool(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (k.as_str().unwrap_or_default().to_string(), value)
                })
                .collect()
        } else {
            env.as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .filter_map(|s| s.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        for (key, value) in pairs {
            if literal(&value) && super::secrets::env_secret(&key, unquoted(&value)).is_some() {
                problems.push(format!(
                    "{file}: service {name} sets {key} inline; the value is committed with the file"
                ));
            }
        }
    }
    problems
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

pub const RULES_TOML: &str = include_str!("../../assets/rules/posture.toml");

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

/// The posture scan: every problem of every rule as a finding.
pub fn scan_findings(files: &ProjectFiles) -> Vec<NativeFinding> {
    let infos = rule_infos();
    let mut problems: Vec<(String, Vec<String>)> = check_project(files)
        .into_iter()
        .map(|r| (r.rule.to_string(), r.problems))
        .collect();
    for name in FILE_CHECKS {
        if let Some(ev) = super::file_checks::project_file_check(name, files) {
            if ev.proposal == super::file_checks::Proposal::Fail {
                let details = if ev.details.is_empty() {
                    vec![ev.summary.clone()]
                } else {
                    ev.details.clone()
                };
                problems.push((name.to_string(), details));
            }
        }
    }
    let mut out = Vec::new();
    for (rule, list) in problems {
        let info = infos.iter().find(|i| i.id == rule);
        for problem in list {
            let (file, what) = problem.split_once(": ").unwrap_or(("", problem.as_str()));
            out.push(NativeFinding {
                rule: rule.clone(),
                severity: info
                    .map(|i| Severity::from_word(&i.severity))
                    .unwrap_or(Severity::Medium),
                problem: problem.clone(),
                rationale: info.map(|i| i.rationale.clone()).unwrap_or_default(),
                remediation: info.map(|i| i.remediation.clone()).unwrap_or_default(),
                location: if file.is_empty() {
                    what.to_string()
                } else {
                    format!("{file}#{what}")
                },
                line: None,
                secret: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
            if ["multi-stage", "compose-privileged", "dockerfile-secrets"].contains(&rule) {
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
