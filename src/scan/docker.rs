//! The Docker Engine through bollard, read-only: connect per `DOCKER_HOST`
//! or the default socket, negotiate the API version, and say precisely why
//! when the engine cannot be used.

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
        }
    }
}

/// Time allowed for the first exchange with the engine (bollard counts whole seconds).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects and negotiates the API version (always: bollard 0.21 never sends
/// a version otherwise, and 0.22 will send one the daemon may reject).
pub async fn connect() -> Result<(Docker, EngineInfo), EngineProblem> {
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
    Ok((docker, info))
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
