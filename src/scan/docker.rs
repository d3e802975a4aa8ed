//! The Docker Engine through bollard, read-only: connect per `DOCKER_HOST`
//! or the default socket, negotiate the API version, and say precisely why
//! when the engine cannot be used. Access to the socket is root-equivalent,
//! so the handle this module gives out (`Engine`) can only read: list and
//! inspect images and containers, image history, version, ping.

use super::image_checks::{ContainerFacts, ImageFacts};
use super::native_report::ImageIdentity;
use bollard::Docker;
use std::error::Error as _;
use std::fmt;
use std::time::Duration;

/// What the engine says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineInfo {
    pub version: String,
    pub api_version: String,
    pub os: String,
    pub arch: String,
}

impl fmt::Display for EngineInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Docker {} (API {}, {}/{})",
            self.version, self.api_version, self.os, self.arch
        )
    }
}

/// Why the engine cannot be used; each has a one-line explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineProblem {
    /// No socket or no configured host: no engine on this machine.
    Absent(String),
    /// Something is configured but does not answer.
    Unreachable(String),
    /// The socket exists but this user may not use it.
    PermissionDenied(String),
    /// `DOCKER_HOST` names a transport scandeck will not use (plain TCP, SSH).
    Refused(String),
}

impl fmt::Display for EngineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineProblem::Absent(d) => write!(
                f,
                "Docker engine absent: {d}; scandeck keeps working with reports"
            ),
            EngineProblem::Unreachable(d) => write!(
                f,
                "Docker engine unreachable: {d}; start the daemon or check DOCKER_HOST"
            ),
            EngineProblem::PermissionDenied(d) => {
                write!(f, "Docker engine refused permission: {d}; add your user to the docker group or use rootless Docker")
            }
            EngineProblem::Refused(d) => write!(f, "Docker engine not used: {d}"),
        }
    }
}

impl EngineProblem {
    /// One or two words for a header: `absent`, `unreachable`, `permission denied`.
    pub fn short(&self) -> &'static str {
        match self {
            EngineProblem::Absent(_) => "absent",
            EngineProblem::Unreachable(_) => "unreachable",
            EngineProblem::PermissionDenied(_) => "permission denied",
            EngineProblem::Refused(_) => "refused (DOCKER_HOST)",
        }
    }
}

/// Time allowed for the first exchange with the engine (bollard counts whole seconds).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The engine, readable only: every method here is a GET.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
}

impl Engine {
    pub fn client_version(&self) -> String {
        self.docker.client_version().to_string()
    }

    /// Whether the engine has this image (`GET /images/{name}/json`).
    pub async fn has_image(&self, reference: &str) -> Result<bool, String> {
        match self.docker.inspect_image(reference).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(api_error(&format!("inspecting image {reference}"), &e)),
        }
    }

    pub async fn ping(&self) -> Result<String, String> {
        self.docker
            .ping()
            .await
            .map_err(|e| api_error("pinging the engine", &e))
    }
}

/// Why a `DOCKER_HOST` value is not used, if it is not.
pub fn refused_host(host: &str) -> Option<String> {
    let host = host.trim();
    if host.is_empty() || host.starts_with("unix://") || host.starts_with('/') {
        return None;
    }
    if host.starts_with("ssh://") {
        return Some(format!(
            "DOCKER_HOST={} uses SSH, which scandeck does not speak; forward the socket (`ssh -L /tmp/docker.sock:/var/run/docker.sock host`) and use unix:///tmp/docker.sock",
            crate::sanitize::sanitize_line(host)
        ));
    }
    let insecure_ok = std::env::var("SCANDECK_INSECURE_DOCKER_HOST").is_ok_and(|v| v == "1");
    if (host.starts_with("tcp://") || host.starts_with("http://")) && !insecure_ok {
        return Some(format!(
            "DOCKER_HOST={} is unencrypted TCP: anyone on the path can drive the engine; use a unix socket (or set SCANDECK_INSECURE_DOCKER_HOST=1 to accept the risk)",
            crate::sanitize::sanitize_line(host)
        ));
    }
    None
}

/// Connects and negotiates the API version (always: bollard 0.21 never sends
/// a version otherwise, and 0.22 will send one the daemon may reject).
pub async fn connect() -> Result<(Engine, EngineInfo), EngineProblem> {
    if let Some(why) = std::env::var("DOCKER_HOST")
        .ok()
        .as_deref()
        .and_then(refused_host)
    {
        return Err(EngineProblem::Refused(why));
    }
    let docker = Docker::connect_with_defaults()
        .map_err(|e| classify(&e))?
        .with_timeout(CONNECT_TIMEOUT);
    let docker = docker.negotiate_version().await.map_err(|e| classify(&e))?;
    let version = docker.version().await.map_err(|e| classify(&e))?;
    let info = EngineInfo {
        version: version.version.unwrap_or_else(|| "unknown".into()),
        api_version: version.api_version.unwrap_or_else(|| "unknown".into()),
        os: version.os.unwrap_or_default(),
        arch: version.arch.unwrap_or_default(),
    };
    Ok((Engine { docker }, info))
}

fn classify(err: &bollard::errors::Error) -> EngineProblem {
    use bollard::errors::Error as E;
    let text = crate::sanitize::sanitize_line(&err.to_string()).into_owned();
    if let E::SocketNotFoundError(path) = err {
        return EngineProblem::Absent(format!(
            "no socket at {}",
            crate::sanitize::sanitize_line(path)
        ));
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            let detail = format!("{text} ({io})");
            return match io.kind() {
                std::io::ErrorKind::PermissionDenied => EngineProblem::PermissionDenied(detail),
                std::io::ErrorKind::NotFound => EngineProblem::Absent(detail),
                _ => EngineProblem::Unreachable(detail),
            };
        }
        source = cause.source();
    }
    EngineProblem::Unreachable(text)
}

/// One image on the engine, as the image list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageEntry {
    pub id: String,
    pub tags: Vec<String>,
    pub size_bytes: u64,
    /// Seconds since the epoch, as the engine says.
    pub created: i64,
}

impl ImageEntry {
    /// The name a scan uses: the first real tag, else the short id.
    pub fn reference(&self) -> String {
        self.tags
            .iter()
            .find(|t| *t != "<none>:<none>")
            .cloned()
            .unwrap_or_else(|| short_id(&self.id))
    }
}

pub fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

fn api_error(what: &str, err: &bollard::errors::Error) -> String {
    crate::sanitize::sanitize_line(&format!("{what}: {err}")).into_owned()
}

/// The images on the engine (`GET /images/json`).
pub async fn list_images(engine: &Engine) -> Result<Vec<ImageEntry>, String> {
    let images = engine
        .docker
        .list_images(None::<bollard::query_parameters::ListImagesOptions>)
        .await
        .map_err(|e| api_error("listing images", &e))?;
    Ok(images
        .into_iter()
        .map(|i| ImageEntry {
            id: i.id,
            tags: i.repo_tags,
            size_bytes: u64::try_from(i.size).unwrap_or(0),
            created: i.created,
        })
        .collect())
}

/// Everything the image checks read, from `GET /images/{name}/json` and
/// `GET /images/{name}/history`.
pub async fn image_facts(
    engine: &Engine,
    reference: &str,
) -> Result<(ImageFacts, ImageIdentity), String> {
    let docker = &engine.docker;
    let inspect = docker
        .inspect_image(reference)
        .await
        .map_err(|e| api_error(&format!("inspecting image {reference}"), &e))?;
    let history = docker
        .image_history(reference)
        .await
        .map_err(|e| api_error(&format!("reading the history of {reference}"), &e))?;
    let config = inspect.config.unwrap_or_default();
    let repo_tags = inspect.repo_tags.unwrap_or_default();
    let has_healthcheck = config
        .healthcheck
        .and_then(|h| h.test)
        .is_some_and(|t| t.first().is_some_and(|first| first != "NONE"));
    let facts = ImageFacts {
        reference: reference.to_string(),
        repo_tags: repo_tags.clone(),
        user: config.user.unwrap_or_default(),
        has_healthcheck,
        env: config.env.unwrap_or_default(),
        labels: config.labels.unwrap_or_default().into_iter().collect(),
        exposed_ports: config.exposed_ports.unwrap_or_default(),
        cmd: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        // The engine lists history newest first.
        history: history.into_iter().rev().map(|h| h.created_by).collect(),
        size_bytes: inspect
            .size
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(0),
    };
    let name = if repo_tags.iter().any(|t| t == reference) || !looks_like_id(reference) {
        reference.to_string()
    } else {
        repo_tags
            .first()
            .cloned()
            .unwrap_or_else(|| reference.to_string())
    };
    let identity = ImageIdentity {
        name,
        id: inspect.id,
        digests: inspect.repo_digests.unwrap_or_default(),
    };
    Ok((facts, identity))
}

fn looks_like_id(reference: &str) -> bool {
    let hex = reference.trim_start_matches("sha256:");
    hex.len() >= 12 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Running containers and their host settings (`GET /containers/json`,
/// `GET /containers/{id}/json`).
pub async fn running_containers(engine: &Engine) -> Result<Vec<ContainerFacts>, String> {
    let docker = &engine.docker;
    // Stopped containers too: their environment holds what they were started with.
    let list = docker
        .list_containers(Some(bollard::query_parameters::ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .map_err(|e| api_error("listing containers", &e))?;
    let mut out = Vec::new();
    for summary in list {
        let Some(id) = summary.id else { continue };
        let c = docker
            .inspect_container(&id, None)
            .await
            .map_err(|e| api_error(&format!("inspecting container {}", short_id(&id)), &e))?;
        let host = c.host_config.unwrap_or_default();
        let mut published = Vec::new();
        for (port, bindings) in host.port_bindings.unwrap_or_default() {
            for b in bindings.unwrap_or_default() {
                published.push((
                    port.clone(),
                    b.host_ip.unwrap_or_default(),
                    b.host_port.unwrap_or_default(),
                ));
            }
        }
        published.sort();
        let mut mount_sources: Vec<String> = c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.source)
            .collect();
        mount_sources.extend(
            host.binds
                .unwrap_or_default()
                .into_iter()
                .filter_map(|b| b.split(':').next().map(str::to_string)),
        );
        out.push(ContainerFacts {
            name: c
                .name
                .unwrap_or_else(|| short_id(&id))
                .trim_start_matches('/')
                .to_string(),
            env: c
                .config
                .as_ref()
                .and_then(|cfg| cfg.env.clone())
                .unwrap_or_default(),
            image: c.config.and_then(|cfg| cfg.image).unwrap_or_default(),
            privileged: host.privileged.unwrap_or(false),
            network_mode: host.network_mode.unwrap_or_default(),
            pid_mode: host.pid_mode.unwrap_or_default(),
            mount_sources,
            memory_limit: host.memory.unwrap_or(0),
            cpu_limited: host.nano_cpus.unwrap_or(0) > 0 || host.cpu_quota.unwrap_or(0) > 0,
            published,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tcp_and_ssh_hosts_are_refused() {
        assert_eq!(refused_host("unix:///var/run/docker.sock"), None);
        assert_eq!(refused_host(""), None);
        assert!(refused_host("tcp://10.0.0.5:2375")
            .unwrap()
            .contains("unencrypted TCP"));
        assert!(refused_host("ssh://ops@build-host")
            .unwrap()
            .contains("SSH"));
    }

    /// No code in scandeck calls a bollard method that changes the engine.
    #[test]
    fn no_mutating_engine_call_is_reachable() {
        const MUTATING: [&str; 24] = [
            ".create_container(",
            ".start_container(",
            ".stop_container(",
            ".restart_container(",
            ".kill_container(",
            ".remove_container(",
            ".update_container(",
            ".rename_container(",
            ".pause_container(",
            ".unpause_container(",
            ".commit_container(",
            ".upload_to_container(",
            ".create_exec(",
            ".start_exec(",
            ".create_image(",
            ".build_image(",
            ".remove_image(",
            ".tag_image(",
            ".push_image(",
            ".import_image(",
            ".prune_",
            ".create_volume(",
            ".create_network(",
            ".attach_container(",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        let mut checked = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let code = text.split("#[cfg(test)]").next().unwrap_or("");
                    for call in MUTATING {
                        assert!(!code.contains(call), "{} calls {call}", path.display());
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 50);
    }
}
