//! Checks of images and running containers from what the engine reports
//! (inspect and history), never by running anything. Each check has an id, a
//! severity, the seed's reason and a remediation. Secret-looking values are
//! redacted before they reach a finding.

use super::native_report::NativeFinding;
use crate::model::{Redactor, Severity};
use std::collections::BTreeMap;

/// What the engine says about one image.
#[derive(Clone, Debug, Default)]
pub struct ImageFacts {
    /// The reference the user knows it by (`shop/api:1.2`), or the short id.
    pub reference: String,
    pub repo_tags: Vec<String>,
    pub user: String,
    pub has_healthcheck: bool,
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub exposed_ports: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    /// `created_by` of every history entry, oldest first.
    pub history: Vec<String>,
    pub size_bytes: u64,
}

/// What the engine says about one container, running or stopped.
#[derive(Clone, Debug, Default)]
pub struct ContainerFacts {
    pub name: String,
    pub image: String,
    /// `KEY=value` as the container was created with (`-e`, `env_file`).
    pub env: Vec<String>,
    pub privileged: bool,
    pub network_mode: String,
    pub pid_mode: String,
    /// Host paths bind-mounted into the container.
    pub mount_sources: Vec<String>,
    pub memory_limit: i64,
    pub cpu_limited: bool,
    /// (container port such as `5432/tcp`, host ip, host port)
    pub published: Vec<(String, String, String)>,
}

/// Every check, with its id and severity, for documentation and the closing list.
pub const IMAGE_CHECKS: [(&str, Severity); 13] = [
    ("image-runs-as-root", Severity::High),
    ("image-no-healthcheck", Severity::Low),
    ("image-secret-in-env", Severity::Critical),
    ("image-development-mode", Severity::Medium),
    ("image-missing-oci-labels", Severity::Low),
    ("image-apt-recommends", Severity::Low),
    ("image-apt-lists-kept", Severity::Low),
    ("image-pip-cache", Severity::Low),
    ("image-flask-dev-server", Severity::High),
    ("image-add-remote-url", Severity::Medium),
    ("image-latest-or-untagged", Severity::Medium),
    ("image-exposes-sensitive-port", Severity::Medium),
    ("image-large", Severity::Low),
];

pub const CONTAINER_CHECKS: [(&str, Severity); 9] = [
    ("container-secret-in-env", Severity::Critical),
    ("container-weak-password", Severity::High),
    ("container-development-mode", Severity::Medium),
    ("container-privileged", Severity::Critical),
    ("container-host-network", Severity::High),
    ("container-host-pid", Severity::High),
    ("container-docker-socket", Severity::Critical),
    ("container-no-limits", Severity::Medium),
    ("container-db-on-all-interfaces", Severity::High),
];

/// Images bigger than this are reported; slim and alpine bases rarely need it.
pub const LARGE_IMAGE_BYTES: u64 = 1 << 30;
/// Smaller limit when the image's own labels or history name a slim or alpine base.
pub const LARGE_SLIM_IMAGE_BYTES: u64 = 400 << 20;

const DATABASE_PORTS: [u16; 8] = [3306, 5432, 6379, 27017, 9200, 5984, 11211, 1433];
const SENSITIVE_PORTS: [u16; 4] = [22, 23, 2375, 2376];

fn severity_of(id: &str) -> Severity {
    IMAGE_CHECKS
        .iter()
        .chain(CONTAINER_CHECKS.iter())
        .find(|(c, _)| *c == id)
        .map(|(_, s)| *s)
        .unwrap_or(Severity::Medium)
}

fn finding(id: &str, problem: String, why: &str, fix: &str, location: String) -> NativeFinding {
    NativeFinding {
        rule: id.to_string(),
        severity: severity_of(id),
        problem,
        rationale: why.to_string(),
        remediation: fix.to_string(),
        location,
        line: None,
        secret: None,
    }
}

pub fn check_image(facts: &ImageFacts, redactor: &Redactor) -> Vec<NativeFinding> {
    let mut out = Vec::new();
    let user = facts.user.split(':').next().unwrap_or("").trim();
    if user.is_empty() || user == "0" || user == "root" {
        out.push(finding(
            "image-runs-as-root",
            format!(
                "runs as {}",
                if user.is_empty() {
                    "root (no USER)"
                } else {
                    "root"
                }
            ),
            "the seed runs every container as a non-root user (appuser)",
            "add a user and `USER appuser` (or a uid other than 0) to the Dockerfile",
            "config/User".into(),
        ));
    }
    if !facts.has_healthcheck {
        out.push(finding(
            "image-no-healthcheck",
            "no HEALTHCHECK".into(),
            "the seed adds health checks so the orchestrator restarts a dead service",
            "add `HEALTHCHECK CMD ...` probing the service",
            "config/Healthcheck".into(),
        ));
    }
    for entry in &facts.env {
        let Some((key, value)) = entry.split_once('=') else {
            continue;
        };
        let Some(why) = crate::rules::secret_patterns::env_secret(key, value) else {
            continue;
        };
        let redacted = redactor.redact(value);
        let mut f = finding(
            "image-secret-in-env",
            format!("ENV {key} holds a secret ({why}: {redacted})"),
            "the seed keeps secrets out of images: anyone who can pull the image can read its ENV",
            "pass the value at run time (secrets, env_file) and rotate it",
            format!("config/Env/{key}"),
        );
        f.secret = Some(redacted);
        out.push(f);
    }
    for entry in &facts.env {
        if let Some(setting) = entry
            .split_once('=')
            .and_then(|(k, v)| development_setting(k, v))
        {
            out.push(finding(
                "image-development-mode",
                format!("ENV {setting}: the image starts in development mode"),
                "development mode shows debuggers, stack traces and reloaders to whoever reaches the service",
                "set the production value in the image (FLASK_ENV unset or production, DEBUG=0, NODE_ENV=production)",
                format!("config/Env/{}", entry.split('=').next().unwrap_or_default()),
            ));
        }
    }
    let missing: Vec<&str> = [
        "org.opencontainers.image.version",
        "org.opencontainers.image.source",
    ]
    .into_iter()
    .filter(|l| !facts.labels.contains_key(*l))
    .collect();
    if !missing.is_empty() {
        out.push(finding(
            "image-missing-oci-labels",
            format!("no {} label", missing.join(" or ")),
            "the seed adds version and source labels for image management",
            "add `LABEL org.opencontainers.image.version=... org.opencontainers.image.source=...`",
            "config/Labels".into(),
        ));
    }
    history_checks(facts, &mut out);
    tag_check(facts, &mut out);
    // A database image offers its own port; an application image should not.
    let database_image = facts
        .repo_tags
        .iter()
        .chain(std::iter::once(&facts.reference))
        .any(|t| crate::rules::names::database_image(t));
    for port in &facts.exposed_ports {
        let number: Option<u16> = port.split('/').next().and_then(|p| p.parse().ok());
        if let Some(n) = number.filter(|n| {
            SENSITIVE_PORTS.contains(n) || (DATABASE_PORTS.contains(n) && !database_image)
        }) {
            out.push(finding(
                "image-exposes-sensitive-port",
                format!("exposes port {n} ({})", port_name(n)),
                "an application image should not offer SSH, the Docker API or a database port",
                "remove the EXPOSE line; run databases in their own container on an internal network",
                format!("config/ExposedPorts/{port}"),
            ));
        }
    }
    let slim = facts.history.iter().chain(facts.labels.values()).any(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("slim") || t.contains("alpine")
    });
    let limit = if slim {
        LARGE_SLIM_IMAGE_BYTES
    } else {
        LARGE_IMAGE_BYTES
    };
    if facts.size_bytes > limit {
        out.push(finding(
            "image-large",
            format!(
                "{} MiB, more than {} MiB expected for a{} base",
                facts.size_bytes >> 20,
                limit >> 20,
                if slim { " slim" } else { "ny" }
            ),
            "the seed uses minimal base images (slim, alpine) and multi-stage builds",
            "build from a slim base, use a multi-stage build and clean package caches",
            "size".into(),
        ));
    }
    out
}

fn port_name(port: u16) -> &'static str {
    match port {
        22 => "SSH",
        23 => "telnet",
        2375 | 2376 => "Docker API",
        3306 => "MySQL",
        5432 => "PostgreSQL",
        6379 => "Redis",
        27017 => "MongoDB",
        9200 => "Elasticsearch",
        5984 => "CouchDB",
        11211 => "memcached",
        1433 => "SQL Server",
        _ => "sensitive",
    }
}

fn history_checks(facts: &ImageFacts, out: &mut Vec<NativeFinding>) {
    for (step, created_by) in facts.history.iter().enumerate() {
        let line = created_by.as_str();
        let location = format!("history/{step}");
        let shown = crate::sanitize::truncate_chars(line.trim(), 80).into_owned();
        if line.contains("apt-get install") || line.contains("apt install") {
            if !line.contains("--no-install-recommends") {
                out.push(finding(
                    "image-apt-recommends",
                    format!("apt-get install without --no-install-recommends: {shown}"),
                    "the seed adds --no-install-recommends to keep the image small",
                    "use `apt-get install -y --no-install-recommends ...`",
                    location.clone(),
                ));
            }
            if !line.contains("/var/lib/apt/lists") {
                out.push(finding(
                    "image-apt-lists-kept",
                    format!("apt package lists are left in the layer: {shown}"),
                    "package lists add size and stale metadata to every image",
                    "end the same RUN with `&& rm -rf /var/lib/apt/lists/*`",
                    location.clone(),
                ));
            }
        }
        if (line.contains("pip install") || line.contains("pip3 install"))
            && !line.contains("--no-cache-dir")
        {
            out.push(finding(
                "image-pip-cache",
                format!("pip install without --no-cache-dir: {shown}"),
                "the seed installs Python packages with --no-cache-dir",
                "use `pip install --no-cache-dir -r requirements.txt`",
                location.clone(),
            ));
        }
        if let Some(url) = remote_add(line) {
            out.push(finding(
                "image-add-remote-url",
                format!("ADD of a remote URL: {url}"),
                "ADD downloads without verifying what it fetched",
                "download with curl and verify a checksum in a RUN, or COPY a vetted file",
                location,
            ));
        }
    }
    let command: Vec<&str> = facts
        .entrypoint
        .iter()
        .chain(facts.cmd.iter())
        .map(String::as_str)
        .collect();
    let joined = command.join(" ");
    let flask = joined.contains("flask run")
        || (joined.contains("python") && joined.contains("app.py") && !joined.contains("gunicorn"));
    if flask && !joined.contains("gunicorn") && !joined.contains("uwsgi") {
        out.push(finding(
            "image-flask-dev-server",
            format!(
                "runs Flask's development server: {}",
                crate::sanitize::truncate_chars(&joined, 80)
            ),
            "the seed replaced Flask's development server: it is not production-ready and can be a security risk",
            "run a WSGI server: `CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]`",
            "config/Cmd".into(),
        ));
    }
}

/// The URL of an `ADD https://...` step, from the builder's `created_by` text.
fn remote_add(created_by: &str) -> Option<&str> {
    let rest = created_by
        .split("ADD ")
        .nth(1)
        .or_else(|| created_by.strip_prefix("ADD"))?;
    let first = rest
        .split_whitespace()
        .find(|w| !w.starts_with("--") && !w.starts_with("file:") && !w.starts_with("dir:"))?;
    (first.starts_with("http://") || first.starts_with("https://")).then_some(first)
}

fn tag_check(facts: &ImageFacts, out: &mut Vec<NativeFinding>) {
    let tags: Vec<&str> = facts
        .repo_tags
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "<none>:<none>")
        .collect();
    let problem = if tags.is_empty() {
        Some("untagged image".to_string())
    } else if tags.iter().all(|t| t.ends_with(":latest")) {
        Some(format!("only tagged latest ({})", tags.join(", ")))
    } else {
        None
    };
    if let Some(problem) = problem {
        out.push(finding(
            "image-latest-or-untagged",
            problem,
            "a moving or missing tag makes it impossible to tell what was scanned and deployed",
            "tag images with a version (`app:1.4.2`) or deploy by digest",
            "tags".into(),
        ));
    }
}

/// `FLASK_ENV=development`, `DEBUG=1`, `NODE_ENV=development` and the
/// like: a setting that starts a service in development mode, as `KEY=value`.
pub fn development_setting(key: &str, value: &str) -> Option<String> {
    let k = key.trim().to_ascii_uppercase();
    let v = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase();
    let development = matches!(v.as_str(), "development" | "dev" | "develop");
    let on = matches!(v.as_str(), "1" | "true" | "yes" | "on");
    let hit = match k.as_str() {
        "FLASK_ENV"
        | "NODE_ENV"
        | "APP_ENV"
        | "ENVIRONMENT"
        | "RAILS_ENV"
        | "RACK_ENV"
        | "DJANGO_ENV"
        | "ASPNETCORE_ENVIRONMENT"
        | "APP_ENVIRONMENT" => development,
        "DEBUG" | "FLASK_DEBUG" | "DJANGO_DEBUG" | "APP_DEBUG" => on,
        _ => false,
    };
    hit.then(|| format!("{}={}", key.trim(), value.trim()))
}

pub fn check_container(c: &ContainerFacts, redactor: &Redactor) -> Vec<NativeFinding> {
    let mut out = Vec::new();
    let at = |what: &str| format!("container/{}#{what}", c.name);
    for entry in &c.env {
        let Some((key, value)) = entry.split_once('=') else {
            continue;
        };
        // A container is where secrets are passed at run time: only a
        // value a rule recognises, or a weak password, is a finding.
        if let Some(why) = crate::rules::secret_patterns::value_secret(key, value) {
            let redacted = redactor.redact(value);
            let mut f = finding(
                "container-secret-in-env",
                format!(
                    "container {} has {key} in its environment ({why}: {redacted}); anyone who can inspect it reads it",
                    c.name
                ),
                "a container's environment is shown by `docker inspect` to anyone with engine access",
                "pass it as a secret (compose `secrets:`, a mounted file) and rotate it",
                at(&format!("env-{key}")),
            );
            f.secret = Some(redacted);
            out.push(f);
        } else if let Some(weak) = (crate::rules::names::secret_like_key(key)
            && !crate::rules::names::setting_key(key)
            && !crate::rules::names::setting_value(value))
        .then(|| crate::rules::file_checks::weakness(value.trim()))
        .flatten()
        {
            out.push(finding(
                "container-weak-password",
                format!("container {} sets {key}, whose value {weak}", c.name),
                "a weak or default password in a running service is the first thing tried",
                "generate a long random value, keep it in a secret, and rotate it",
                at(&format!("env-{key}")),
            ));
        }
        if let Some(setting) = development_setting(key, value) {
            out.push(finding(
                "container-development-mode",
                format!("container {} runs in development mode ({setting})", c.name),
                "development mode shows debuggers, stack traces and reloaders to whoever reaches the service",
                "run it with the production setting",
                at(&format!("env-{key}")),
            ));
        }
    }
    if c.privileged {
        out.push(finding(
            "container-privileged",
            format!("container {} runs privileged", c.name),
            "a privileged container can take over the host",
            "remove `privileged: true`; grant single capabilities with cap_add if needed",
            at("privileged"),
        ));
    }
    if c.network_mode == "host" {
        out.push(finding(
            "container-host-network",
            format!("container {} uses the host network", c.name),
            "host networking bypasses the internal networks the seed keeps services on",
            "use a user-defined bridge network and publish only the needed ports",
            at("network"),
        ));
    }
    if c.pid_mode == "host" {
        out.push(finding(
            "container-host-pid",
            format!("container {} shares the host PID namespace", c.name),
            "it can see and signal every process on the host",
            "remove `pid: host`",
            at("pid"),
        ));
    }
    if c.mount_sources.iter().any(|s| s.ends_with("docker.sock")) {
        out.push(finding(
            "container-docker-socket",
            format!("container {} mounts the Docker socket", c.name),
            "the Docker socket is root on the host",
            "remove the docker.sock mount; use a socket proxy that allows read-only calls if needed",
            at("docker-socket"),
        ));
    }
    if c.memory_limit <= 0 || !c.cpu_limited {
        let mut lacks = Vec::new();
        if c.memory_limit <= 0 {
            lacks.push("memory");
        }
        if !c.cpu_limited {
            lacks.push("CPU");
        }
        out.push(finding(
            "container-no-limits",
            format!("container {} has no {} limit", c.name, lacks.join(" or ")),
            "the seed's checklist sets resource limits so one service cannot starve the host",
            "set deploy.resources.limits (memory, cpus) in the compose file",
            at("limits"),
        ));
    }
    for (port, ip, host_port) in &c.published {
        let number: Option<u16> = port.split('/').next().and_then(|p| p.parse().ok());
        let all_interfaces = ip.is_empty() || ip == "0.0.0.0" || ip == "::";
        if let Some(n) = number.filter(|n| DATABASE_PORTS.contains(n) && all_interfaces) {
            out.push(finding(
                "container-db-on-all-interfaces",
                format!(
                    "container {} publishes {} port {n} on all interfaces (host port {host_port})",
                    c.name,
                    port_name(n)
                ),
                "the seed keeps the database off the host: reachable only on the internal network",
                "drop the ports mapping, or bind it to 127.0.0.1",
                at(&format!("port-{n}")),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(found: &[NativeFinding]) -> Vec<&str> {
        found.iter().map(|f| f.rule.as_str()).collect()
    }

    fn clean_image() -> ImageFacts {
        ImageFacts {
            reference: "shop/api:1.2".into(),
            repo_tags: vec!["shop/api:1.2".into()],
            user: "1000:1000".into(),
            has_healthcheck: true,
            env: vec!["PATH=/usr/bin".into(), "APP_ENV=prod".into()],
            labels: [
                ("org.opencontainers.image.version", "1.2"),
                ("org.opencontainers.image.source", "https://example.invalid/api"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            exposed_ports: vec!["8080/tcp".into()],
            cmd: vec!["gunicorn".into(), "app:app".into()],
            entrypoint: vec![],
            history: vec![
                "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*".into(),
                "RUN /bin/sh -c pip install --no-cache-dir -r requirements.txt".into(),
            ],
            size_bytes: 120 << 20,
        }
    }

    #[test]
    fn a_clean_image_has_no_findings() {
        let r = Redactor::with_key([1; 32]);
        assert_eq!(ids(&check_image(&clean_image(), &r)), Vec::<&str>::new());
    }

    #[test]
    fn every_image_check_fires_on_its_problem() {
        let r = Redactor::with_key([1; 32]);
        let mut bad = clean_image();
        bad.repo_tags = vec!["shop/api:latest".into()];
        bad.user = String::new();
        bad.has_healthcheck = false;
        bad.env.push("DB_PASSWORD=hunter2hunter2".into());
        bad.env.push("FLASK_ENV=development".into());
        bad.labels.clear();
        bad.exposed_ports = vec!["22/tcp".into(), "5432/tcp".into()];
        bad.cmd = vec!["flask".into(), "run".into()];
        bad.history = vec![
            "ADD https://example.invalid/tool.tgz /opt/ # buildkit".into(),
            "RUN /bin/sh -c apt-get install -y curl".into(),
            "RUN /bin/sh -c pip install flask".into(),
        ];
        bad.size_bytes = 2 << 30;
        let found = check_image(&bad, &r);
        let mut got = ids(&found);
        got.sort();
        got.dedup();
        let mut all: Vec<&str> = IMAGE_CHECKS.iter().map(|(id, _)| *id).collect();
        all.sort();
        assert_eq!(got, all);
        let text = format!("{found:?}");
        assert!(!text.contains("hunter2hunter2"), "{text}");
    }

    #[test]
    fn a_database_image_may_expose_its_own_port_but_not_ssh() {
        let r = Redactor::with_key([1; 32]);
        let mut db = clean_image();
        db.reference = "postgres:15.4".into();
        db.repo_tags = vec!["postgres:15.4".into()];
        db.exposed_ports = vec!["5432/tcp".into()];
        assert!(check_image(&db, &r).is_empty());
        db.exposed_ports.push("22/tcp".into());
        assert_eq!(ids(&check_image(&db, &r)), ["image-exposes-sensitive-port"]);
    }

    #[test]
    fn container_checks() {
        let clean = ContainerFacts {
            name: "api".into(),
            image: "shop/api:1.2".into(),
            network_mode: "bridge".into(),
            memory_limit: 512 << 20,
            cpu_limited: true,
            published: vec![("8080/tcp".into(), "0.0.0.0".into(), "8080".into())],
            mount_sources: vec!["/srv/data".into()],
            ..ContainerFacts::default()
        };
        let redactor = Redactor::with_key([7; 32]);
        assert!(check_container(&clean, &redactor).is_empty());
        let bad = ContainerFacts {
            env: vec![
                "PATH=/usr/bin".into(),
                "POSTGRES_PASSWORD=changeme".into(),
                "GITHUB_TOKEN=ghp_R8nV2kQ9wLmZ4tX7cB1yH6pD3sF0gJ5aE2uK".into(),
                "FLASK_ENV=development".into(),
                "POSTGRES_USER=${POSTGRES_USER}".into(),
                "PASSWORD_MIN_LENGTH=12".into(),
                "DB_PASSWORD_FILE=/run/secrets/db".into(),
            ],
            privileged: true,
            network_mode: "host".into(),
            pid_mode: "host".into(),
            memory_limit: 0,
            mount_sources: vec!["/var/run/docker.sock".into()],
            published: vec![
                ("5432/tcp".into(), "0.0.0.0".into(), "5432".into()),
                ("6379/tcp".into(), "127.0.0.1".into(), "6379".into()),
            ],
            ..clean
        };
        let found = check_container(&bad, &redactor);
        assert!(
            found.iter().all(|f| !f
                .problem
                .contains("ghp_R8nV2kQ9wLmZ4tX7cB1yH6pD3sF0gJ5aE2uK")),
            "the token is redacted"
        );
        let mut all: Vec<&str> = CONTAINER_CHECKS.iter().map(|(id, _)| *id).collect();
        all.sort();
        let mut got = ids(&found);
        got.sort();
        assert_eq!(got, all, "the loopback-bound redis port is fine");
    }
}
