//! Posture rule `compose-privileged` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

pub const ID: &str = "compose-privileged";

pub fn check(compose: &[(String, String, serde_norway::Value)]) -> Vec<String> {
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
