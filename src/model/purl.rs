//! Package URLs (purl) and image product identifiers as Trivy, Grype and
//! OpenVEX read them, built from whatever ecosystem word a scanner used. One
//! place, read by the exports that write VEX and by triage reading it back,
//! so that a decision names a package exactly as the scanners that match it do.

use super::Finding;

/// The purl type for a scanner's ecosystem word: Trivy's result types
/// (`pip`, `pipenv`, `poetry`, `node-pkg`, `gobinary`, `jar`…), Grype's
/// package types (`python`, `java-archive`, `go-module`…), Snyk's package
/// managers and purl types themselves. `None` for a word it does not know.
pub fn type_for(ecosystem: &str) -> Option<&'static str> {
    let word = ecosystem.trim().to_ascii_lowercase();
    let purl = match word.as_str() {
        "pypi" | "pip" | "pipenv" | "poetry" | "python" | "python-pkg" | "uv" | "conda-pkg"
        | "wheel" | "egg" => "pypi",
        "npm" | "node-pkg" | "nodejs" | "yarn" | "pnpm" | "bun" | "javascript" => "npm",
        "golang" | "go" | "gomod" | "gobinary" | "go-module" | "gomodules" | "golangdep"
        | "govendor" => "golang",
        "maven" | "jar" | "pom" | "gradle" | "sbt" | "java-archive" | "java" => "maven",
        "cargo" | "rust-binary" | "rust-crate" | "crates.io" => "cargo",
        "gem" | "gemspec" | "bundler" | "rubygems" => "gem",
        "composer" | "php-composer" | "packagist" => "composer",
        "nuget" | "dotnet-core" | "dotnet-deps" | "packages-props" | "dotnet" | "paket" => "nuget",
        "hex" | "mix-lock" => "hex",
        "pub" | "dart" => "pub",
        "swift" | "swiftpm" => "swift",
        "cocoapods" => "cocoapods",
        "conan" => "conan",
        "apk" | "alpine" | "wolfi" | "chainguard" => "apk",
        "deb" | "debian" | "ubuntu" | "dpkg" => "deb",
        "rpm" | "redhat" | "centos" | "rocky" | "alma" | "almalinux" | "amazon" | "oracle"
        | "photon" | "suse" | "opensuse" | "opensuse.leap" | "sles" | "mariner" | "azurelinux"
        | "cbl-mariner" | "fedora" => "rpm",
        "oci" => "oci",
        "docker" => "docker",
        "github" | "github-action" => "github",
        _ => return None,
    };
    Some(purl)
}

/// The ecosystem a manifest, lockfile or installed-package record belongs
/// to, by its file name, as Trivy's JSON `Type` would say it (used where a
/// format names the file but not the type: Trivy SARIF).
pub fn ecosystem_of_manifest(path: &str) -> Option<&'static str> {
    let lower = path.trim().to_ascii_lowercase().replace('\\', "/");
    let file = lower.rsplit('/').next().unwrap_or(&lower);
    let by_name = match file {
        "package.json"
        | "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "pnpm-lock.yaml"
        | "bun.lock" => "npm",
        "requirements.txt" | "pipfile.lock" | "poetry.lock" | "pyproject.toml" | "uv.lock"
        | "setup.py" | "metadata" | "pkg-info" => "pypi",
        "go.mod" | "go.sum" => "golang",
        "pom.xml" | "build.gradle" | "build.gradle.kts" | "gradle.lockfile" => "maven",
        "cargo.lock" | "cargo.toml" => "cargo",
        "gemfile.lock" | "gemfile" => "gem",
        "composer.lock" | "composer.json" => "composer",
        "packages.lock.json" | "packages.config" => "nuget",
        "mix.lock" => "hex",
        "pubspec.lock" => "pub",
        _ => "",
    };
    if !by_name.is_empty() {
        return Some(by_name);
    }
    if file.ends_with(".jar") || file.ends_with(".war") || file.ends_with(".ear") {
        return Some("maven");
    }
    if file.ends_with(".gemspec") {
        return Some("gem");
    }
    if file.ends_with(".deps.json") {
        return Some("nuget");
    }
    if lower.contains(".dist-info/") || lower.contains(".egg-info") {
        return Some("pypi");
    }
    None
}

/// A package name as its purl type spells it: PyPI names are lower case
/// with `-` for `_` and `.` (PEP 503, purl-spec's pypi rule).
pub fn purl_name(purl_type: &str, name: &str) -> String {
    match purl_type {
        "pypi" => name.trim().to_ascii_lowercase().replace(['_', '.'], "-"),
        _ => name.trim().to_string(),
    }
}

/// `pkg:deb/debian/openssl@3.0.1?arch=amd64` → `pkg:deb/debian/openssl`.
pub fn versionless_purl(purl: &str) -> String {
    let base = purl.split(['?', '#']).next().unwrap_or(purl);
    match base.rfind('@') {
        Some(at) if at > base.rfind('/').unwrap_or(0) => base[..at].to_string(),
        _ => base.to_string(),
    }
}

/// The package's purl without version or qualifiers: the report's own when it
/// gave one, else built from ecosystem and name (`pkg:pypi/flask`, never
/// `pkg:pip/flask`, which no scanner matches).
pub fn package_purl(f: &Finding) -> Option<String> {
    let p = f.package.as_ref()?;
    if let Some(purl) = p.purl.as_deref().filter(|p| p.starts_with("pkg:")) {
        return Some(versionless_purl(purl));
    }
    let eco = p.ecosystem.as_deref()?;
    let kind = type_for(eco)?;
    Some(format!("pkg:{kind}/{}", purl_name(kind, &p.name)))
}

/// An image repository as the registry client both scanners use reads it:
/// `(last path segment, REGISTRY/REPOSITORY)`. Docker Hub is
/// `index.docker.io`, and its official images live under `library/`.
pub fn oci_repository(reference: &str) -> Option<(String, String)> {
    let without_digest = reference.split('@').next().unwrap_or("").trim();
    let last_slash = without_digest.rfind('/').map_or(0, |p| p + 1);
    let without_tag = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    if without_tag.is_empty() {
        return None;
    }
    let (registry, path) = match without_tag.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("index.docker.io".to_string(), without_tag.to_string()),
    };
    let registry = if registry == "docker.io" {
        "index.docker.io".to_string()
    } else {
        registry
    };
    let path = path.to_ascii_lowercase();
    let path = if registry == "index.docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    Some((name, format!("{registry}/{path}")))
}

/// `repository_url` as Grype (to the 0.9x line) writes it: the registry and
/// repository path without the image's own name
/// (`strings.TrimSuffix(registry+"/"+repository, "/"+name)`).
pub fn grype_repository_url(full: &str, name: &str) -> Option<String> {
    full.strip_suffix(&format!("/{name}"))
        .filter(|rest| !rest.is_empty())
        .map(str::to_string)
}

/// The image product identifiers for `f`: the exact digests the report
/// knows, and the repository (any digest), each scoped by `repository_url`.
pub fn image_products(f: &Finding) -> Vec<String> {
    let Some(img) = f.image.as_deref() else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    let mut repositories = Vec::new();
    if let Some(rd) = img.repo_digest.as_deref() {
        if let (Some(repo), Some(digest)) = (oci_repository(rd), rd.split('@').nth(1)) {
            ids.push(format!(
                "pkg:oci/{}@{digest}?repository_url={}",
                repo.0, repo.1
            ));
            if let Some(other) = img.digest.as_deref().filter(|d| *d != digest) {
                ids.push(format!(
                    "pkg:oci/{}@{other}?repository_url={}",
                    repo.0, repo.1
                ));
            }
            repositories.push(repo);
        }
    }
    if let Some(repo) = oci_repository(&img.name) {
        if img.repo_digest.is_none() {
            if let Some(digest) = img.digest.as_deref().filter(|d| d.starts_with("sha256:")) {
                ids.push(format!(
                    "pkg:oci/{}@{digest}?repository_url={}",
                    repo.0, repo.1
                ));
            }
        }
        if !repositories.contains(&repo) {
            repositories.push(repo);
        }
    }
    for (name, url) in &repositories {
        ids.push(format!("pkg:oci/{name}?repository_url={url}"));
    }
    // Grype up to the 0.9x line builds `repository_url` without the image's
    // own name (`index.docker.io/finance-tracker` for
    // `finance-tracker/backend`; grype/vex/openvex/implementation.go,
    // identifiersFromDigests): the same products in its spelling, which
    // names the same repository and nothing else (docs/exports.md).
    let full: Vec<String> = ids
        .iter()
        .filter(|id| id.starts_with("pkg:oci/"))
        .cloned()
        .collect();
    for id in full {
        for (name, url) in &repositories {
            let suffix = format!("?repository_url={url}");
            if let (Some(head), Some(namespace)) =
                (id.strip_suffix(&suffix), grype_repository_url(url, name))
            {
                if head == format!("pkg:oci/{name}")
                    || head.starts_with(&format!("pkg:oci/{name}@"))
                {
                    ids.push(format!("{head}?repository_url={namespace}"));
                }
            }
        }
    }
    // Docker Scout names an image by repository and tag.
    let repository = crate::model::image::image_repository(&img.name);
    let tag = img
        .name
        .split('@')
        .next()
        .and_then(|n| n.rsplit_once(':'))
        .filter(|(head, tag)| !head.is_empty() && !tag.contains('/'))
        .map(|(_, tag)| tag.to_string());
    if let Some(tag) = tag {
        ids.push(format!("pkg:docker/{repository}@{tag}"));
    }
    ids.dedup();
    ids
}

/// Every product identifier a statement about `f` names, subcomponents
/// included (what reading VEX back compares with).
pub fn product_ids(f: &Finding) -> Vec<String> {
    let mut ids = image_products(f);
    ids.extend(package_purl(f));
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_packages_are_pypi_whatever_the_scanner_called_them() {
        for word in ["pip", "pipenv", "poetry", "python", "python-pkg", "PyPI"] {
            assert_eq!(type_for(word), Some("pypi"), "{word}");
        }
        assert_eq!(purl_name("pypi", "Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(type_for("node-pkg"), Some("npm"));
        assert_eq!(type_for("gobinary"), Some("golang"));
        assert_eq!(type_for("alpine"), Some("apk"));
        assert_eq!(type_for("something-else"), None);
        assert_eq!(
            versionless_purl("pkg:deb/debian/openssl@3.0.1?arch=amd64"),
            "pkg:deb/debian/openssl"
        );
        assert_eq!(versionless_purl("pkg:npm/%40a/b"), "pkg:npm/%40a/b");
    }
}
