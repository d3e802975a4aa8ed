//! Container image references and their tag-free lineage.

/// An image as a report names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ImageRef {
    /// Name as reported or given with `--image` (`backend:1.4`, `ghcr.io/acme/api@sha256:…`).
    pub name: String,
    /// Repository digest (`sha256:…`) when the report has one.
    pub digest: Option<String>,
    /// Image config id when the report has one.
    pub id: Option<String>,
    /// The registry reference the digest was pulled from or pushed to
    /// (`registry.example.com/acme/api@sha256:…`, the report's first repo
    /// digest): what VEX products must name for a scanner to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_digest: Option<String>,
}

impl ImageRef {
    pub fn named(name: &str) -> ImageRef {
        ImageRef {
            name: clean_image_name(name),
            ..ImageRef::default()
        }
    }

    /// The repository without tag or digest: what stays the same across rebuilds.
    pub fn repository(&self) -> String {
        image_repository(&self.name)
    }
}

/// Trivy writes targets such as `vulpy:latest (debian 13.3)`: drop the OS suffix.
pub fn clean_image_name(name: &str) -> String {
    let trimmed = name.trim();
    match trimmed.find(" (") {
        Some(pos) if trimmed.ends_with(')') => trimmed[..pos].trim().to_string(),
        _ => trimmed.to_string(),
    }
}

/// The image a scanner names: the name it was asked to scan (Trivy's
/// `ArtifactName`, SARIF `imageName`) unless that is an archive or a path on
/// disk (`testdata/alpine-310.tar.gz`), in which case the image's first repo
/// tag names it. JSON and SARIF of one scan pick the same name this way.
pub fn reported_name(asked: Option<&str>, repo_tags: &[String]) -> Option<String> {
    let asked = asked.map(str::trim).filter(|a| !a.is_empty());
    let tag = repo_tags.iter().map(|t| t.trim()).find(|t| !t.is_empty());
    match (asked, tag) {
        (Some(a), Some(t)) if is_archive_or_path(a) => Some(t.to_string()),
        (Some(a), _) => Some(a.to_string()),
        (None, Some(t)) => Some(t.to_string()),
        (None, None) => None,
    }
}

fn is_archive_or_path(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".tar", ".tar.gz", ".tgz", ".tar.zst", ".oci"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || name.starts_with('/')
        || name.starts_with("./")
        || name.starts_with("../")
}

/// `ghcr.io/acme/api:1.2@sha256:ab` → `ghcr.io/acme/api`; `docker.io/library/nginx:1` → `nginx`.
pub fn image_repository(name: &str) -> String {
    let name = clean_image_name(name);
    let without_digest = name.split('@').next().unwrap_or("");
    // A tag is a colon after the last slash; a colon before it is a registry port.
    let last_slash = without_digest.rfind('/').map_or(0, |p| p + 1);
    let without_tag = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    let short = without_tag
        .strip_prefix("docker.io/library/")
        .or_else(|| without_tag.strip_prefix("index.docker.io/library/"))
        .or_else(|| without_tag.strip_prefix("docker.io/"))
        .unwrap_or(without_tag);
    short.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_drops_tag_digest_and_default_registry() {
        assert_eq!(image_repository("python:3.11-slim"), "python");
        assert_eq!(
            image_repository("ghcr.io/acme/api:1.2@sha256:abc"),
            "ghcr.io/acme/api"
        );
        assert_eq!(
            image_repository("localhost:5000/team/app"),
            "localhost:5000/team/app"
        );
        assert_eq!(
            image_repository("localhost:5000/team/app:v2"),
            "localhost:5000/team/app"
        );
        assert_eq!(image_repository("docker.io/library/nginx:1.25"), "nginx");
        assert_eq!(image_repository("vulpy:latest (debian 13.3)"), "vulpy");
        assert_eq!(
            image_repository("finance/backend@sha256:00"),
            "finance/backend"
        );
    }
}
