//! The subject of a scan: the thing that was scanned, never the report file.
//! An image is its repository (tag and digest are attributes of the run); a
//! project is a directory relative to the workspace (`.` for the workspace
//! itself), or a name the user gave with `--subject`. The latest complete run
//! per scanner and subject is current, whatever the report is called.

pub const IMAGE: &str = "image:";
pub const PROJECT: &str = "project:";
/// A Kubernetes cluster, by its kubeconfig context name (Trivy k8s
/// `ClusterName`): the subject of its resources' misconfigurations; each
/// workload's image is a subject of its own.
pub const CLUSTER: &str = "cluster:";

/// `image:<repository>`.
pub fn image(repository: &str) -> String {
    format!("{IMAGE}{}", repository.trim())
}

/// `project:<dir>`, the directory normalised (`./a/` → `a`, empty → `.`).
pub fn project(dir: &str) -> String {
    format!("{PROJECT}{}", normalise_dir(dir))
}

/// `cluster:<name>`.
pub fn cluster(name: &str) -> String {
    format!("{CLUSTER}{}", name.trim())
}

/// The part after the kind.
pub fn name_of(subject: &str) -> &str {
    subject
        .strip_prefix(IMAGE)
        .or_else(|| subject.strip_prefix(PROJECT))
        .or_else(|| subject.strip_prefix(CLUSTER))
        .unwrap_or(subject)
}

pub fn is_image(subject: &str) -> bool {
    subject.starts_with(IMAGE)
}

/// Forward slashes, no `./`, no trailing `/`; the workspace itself is `.`.
pub fn normalise_dir(dir: &str) -> String {
    let forward = dir.trim().replace('\\', "/");
    let parts: Vec<&str> = forward
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_the_kind_and_folders_are_normalised() {
        assert_eq!(name_of("image:ghcr.io/a/b"), "ghcr.io/a/b");
        assert_eq!(name_of("project:."), ".");
        assert_eq!(name_of("cluster:prod-eu"), "prod-eu");
        assert_eq!(project("./shop/web/"), "project:shop/web");
        assert_eq!(project(""), "project:.");
    }
}
