//! The lineage key of a finding (docs/triage-model.md b.3): stays the same across
//! rebuilds, retags and version bumps, so decisions follow the finding.

use super::{Finding, Kind};
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub [u8; 16]);

/// Written as its hex text, as every file and export names it.
impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex(&self.0))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Fingerprint {
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let text = text.trim();
        if text.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Canonical member of an alias group: lowest CVE, else lowest GHSA, else the id itself.
pub fn canonical_alias<'a>(id: &'a str, aliases: &'a [String]) -> &'a str {
    let all = || std::iter::once(id).chain(aliases.iter().map(String::as_str));
    let lowest = |prefix: &str| {
        all()
            .filter(|a| a.len() > prefix.len() && a[..prefix.len()].eq_ignore_ascii_case(prefix))
            .min_by(|a, b| natural_id_cmp(a, b))
    };
    lowest("CVE-").or_else(|| lowest("GHSA-")).unwrap_or(id)
}

/// Orders `CVE-2021-999` before `CVE-2021-1000`, `0.10.0` after `0.9.1`:
/// the numbers in a text compared as numbers.
pub fn natural_id_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| {
        let digits: Vec<u64> = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<u64>().unwrap_or(u64::MAX))
            .collect();
        (digits, s.to_ascii_uppercase())
    };
    key(a).cmp(&key(b))
}

const OS_ECOSYSTEMS: &[&str] = &[
    "deb",
    "debian",
    "ubuntu",
    "apk",
    "alpine",
    "wolfi",
    "chainguard",
    "rpm",
    "redhat",
    "centos",
    "rocky",
    "alma",
    "amazon",
    "oracle",
    "photon",
    "suse",
    "opensuse",
    "opensuse.leap",
    "sles",
    "mariner",
    "azurelinux",
    "cbl-mariner",
    "os",
    "linux",
];

fn is_os_ecosystem(ecosystem: &str) -> bool {
    OS_ECOSYSTEMS.contains(&ecosystem)
}

/// The asset part of a decision's selector: the finding's subject.
pub fn asset_lineage(finding: &Finding) -> String {
    finding.subject.to_string()
}

fn normalise_path(path: &str) -> String {
    let forward = path.trim().replace('\\', "/");
    forward.trim_start_matches("./").to_string()
}

/// Computes the lineage key (README "Fingerprints", docs/identity.md);
/// evidence such as versions, digests, severity, text and which scanner or
/// format reported it never enters it, so one scan read as Trivy JSON or
/// Trivy SARIF, or one package reported by two scanners, has one key.
///
/// * packages: subject, alias group, the package's ecosystem class (`os`
///   for distribution packages, else its purl type: `pip`, `python` and
///   `pypi` are one), its name as that purl type spells it, and for language
///   packages the manifest or install path; two installed versions of one
///   package at one path are told apart by `identify` (the order of their
///   versions);
/// * code findings (misconfigurations, image configuration, posture): subject,
///   rule, path, and where in the file: the tool's `partialFingerprints` or a
///   hash of the normalised source line when known (they survive lines moving),
///   else line and column;
/// * secrets: subject, rule family, path and the keyed hash of the secret.
pub fn compute(finding: &Finding) -> Fingerprint {
    let path = location_path(finding);
    let mut parts: Vec<String> = vec![
        "v3".into(),
        finding.kind.as_str().into(),
        finding.subject.to_string(),
    ];
    match finding.kind {
        Kind::Vulnerability | Kind::License => package_parts_v3(finding, path, &mut parts),
        Kind::Secret => secret_parts(finding, path, &mut parts, true),
        Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture => {
            code_parts(finding, path, &mut parts)
        }
    }
    digest(&parts)
}

/// The key scandeck's own posture check gives a problem in a file: what a
/// scanner finding that says the same thing (`ingest::hadolint::as_posture`)
/// is keyed by, so that both are one finding.
pub fn posture_key(subject: &str, rule: &str, file: &str, problem: &str) -> Fingerprint {
    let parts: Vec<String> = vec![
        "v3".into(),
        Kind::Posture.as_str().into(),
        subject.to_string(),
        rule.to_ascii_uppercase(),
        normalise_path(&format!("{file}#{problem}")),
        String::new(),
        "line:0:0".into(),
    ];
    digest(&parts)
}

/// Rule, path, the checked thing and where in the file (v2 and v3).
fn code_parts(finding: &Finding, path: String, parts: &mut Vec<String>) {
    parts.push(canonical_alias(&finding.id, &finding.aliases).to_ascii_uppercase());
    parts.push(path);
    parts.push(finding.package_name().unwrap_or("").to_string());
    parts.push(match &finding.location.content {
        Some(content) => format!("content:{content}"),
        None => format!(
            "line:{}:{}",
            finding.location.line.unwrap_or(0),
            finding.location.column.unwrap_or(0)
        ),
    });
}

/// The ecosystem class a package's key uses: `os` for distribution
/// packages, else the purl type of the scanner's word, else the purl type
/// its manifest's name implies (Trivy SARIF names no type), else the word.
pub fn ecosystem_class(finding: &Finding) -> String {
    let Some(pkg) = &finding.package else {
        return String::new();
    };
    let word = pkg.ecosystem.as_deref().unwrap_or("").to_ascii_lowercase();
    if is_os_ecosystem(&word) || matches!(super::purl::type_for(&word), Some("apk" | "deb" | "rpm"))
    {
        return "os".into();
    }
    if let Some(purl) = super::purl::type_for(&word) {
        return purl.into();
    }
    let place = pkg
        .path
        .as_deref()
        .or(finding.location.path.as_deref())
        .unwrap_or("");
    match super::purl::ecosystem_of_manifest(place) {
        Some(class) if word.is_empty() => class.into(),
        _ => word,
    }
}

fn package_parts_v3(finding: &Finding, path: String, parts: &mut Vec<String>) {
    parts.push(canonical_alias(&finding.id, &finding.aliases).to_ascii_uppercase());
    let Some(pkg) = &finding.package else {
        parts.push(path);
        return;
    };
    let class = ecosystem_class(finding);
    let location = if class == "os" {
        String::new()
    } else {
        // Grype writes image paths absolute, Trivy relative.
        let place = pkg.path.as_deref().map(normalise_path).unwrap_or(path);
        manifest_of(place.trim_start_matches('/'))
    };
    parts.push(super::purl::purl_name(&class, &pkg.name).to_ascii_lowercase());
    parts.push(class);
    parts.push(location);
}

/// A lockfile and the manifest it locks are one place: Trivy names
/// `package-lock.json` where Snyk's SARIF names `package.json` for the same
/// scan (snyk/cli `open-source-sarif-output.ts` swaps them), and a manifest
/// audit and a lockfile audit of one project are about the same packages.
pub fn manifest_of(place: &str) -> String {
    const LOCKS: [(&str, &str); 11] = [
        ("package-lock.json", "package.json"),
        ("npm-shrinkwrap.json", "package.json"),
        ("yarn.lock", "package.json"),
        ("pnpm-lock.yaml", "package.json"),
        ("Gemfile.lock", "Gemfile"),
        ("Gopkg.lock", "Gopkg.toml"),
        ("go.sum", "go.mod"),
        ("composer.lock", "composer.json"),
        ("Podfile.lock", "Podfile"),
        ("poetry.lock", "pyproject.toml"),
        ("Pipfile.lock", "Pipfile"),
    ];
    let (dir, file) = match place.rsplit_once('/') {
        Some((dir, file)) => (Some(dir), file),
        None => (None, place),
    };
    match LOCKS.iter().find(|(lock, _)| *lock == file) {
        Some((_, manifest)) => match dir {
            Some(dir) => format!("{dir}/{manifest}"),
            None => manifest.to_string(),
        },
        None => place.to_string(),
    }
}

/// The second scandeck's key (fingerprints "v2"), kept only to move
/// decisions made with it onto v3 (`store::migrate`).
pub fn compute_v2(finding: &Finding) -> Fingerprint {
    let path = location_path(finding);
    let mut parts: Vec<String> = vec![
        "v2".into(),
        finding.kind.as_str().into(),
        finding.subject.to_string(),
    ];
    match finding.kind {
        Kind::Vulnerability | Kind::License => package_parts(finding, path, &mut parts),
        Kind::Secret => secret_parts(finding, path, &mut parts, true),
        Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture => {
            code_parts(finding, path, &mut parts)
        }
    }
    digest(&parts)
}

/// The n-th finding (n ≥ 2) in one report that shares another's key.
pub fn with_occurrence(fp: Fingerprint, n: u32) -> Fingerprint {
    digest(&["occurrence".to_string(), fp.to_string(), n.to_string()])
}

/// A hash of a source line that ignores indentation and spacing.
pub fn content_hash(text: &str) -> String {
    let normalised: Vec<&str> = text.split_whitespace().collect();
    hex(&Sha256::digest(normalised.join(" ").as_bytes())[..8])
}

fn digest(parts: &[String]) -> Fingerprint {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    Fingerprint(out)
}

/// v1 asset part: image repository, else the scanner's target path.
fn asset_lineage_v1(finding: &Finding) -> String {
    match &finding.image {
        Some(image) if !image.name.is_empty() => format!("image:{}", image.repository()),
        _ if finding.target.is_empty() => format!("path:{}", finding.source.report),
        _ => format!("path:{}", normalise_path(&finding.target)),
    }
}

/// The first scandeck's key, kept only to migrate decisions made with it:
/// it keyed non-image findings by the report's target (often the report
/// file's own name) and left the line out of code findings.
pub fn compute_v1(finding: &Finding) -> Fingerprint {
    let lineage = asset_lineage_v1(finding);
    let path = location_path(finding);
    let mut parts: Vec<String> = vec!["v1".into(), finding.kind.as_str().into(), lineage];
    match finding.kind {
        Kind::Vulnerability | Kind::License => package_parts(finding, path, &mut parts),
        Kind::Secret => secret_parts(finding, path, &mut parts, false),
        Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture => {
            parts.push(canonical_alias(&finding.id, &finding.aliases).to_ascii_uppercase());
            parts.push(path);
            parts.push(finding.package_name().unwrap_or("").to_string());
        }
    }
    digest(&parts)
}

fn location_path(finding: &Finding) -> String {
    finding
        .location
        .path
        .as_deref()
        .map(normalise_path)
        .unwrap_or_default()
}

/// Alias group, ecosystem, name and (language packages) location: the same in v1 and v2.
fn package_parts(finding: &Finding, path: String, parts: &mut Vec<String>) {
    parts.push(canonical_alias(&finding.id, &finding.aliases).to_ascii_uppercase());
    let Some(pkg) = &finding.package else {
        parts.push(path);
        return;
    };
    let ecosystem = pkg.ecosystem.as_deref().unwrap_or("").to_ascii_lowercase();
    if ecosystem == "os" {
        // Only Trivy SARIF says `os` (v3); v1 and v2 read it as no type,
        // located at the result's URI.
        parts.push(String::new());
        parts.push(pkg.name.to_ascii_lowercase());
        parts.push(path);
        return;
    }
    let location = if is_os_ecosystem(&ecosystem) {
        String::new()
    } else {
        pkg.path.as_deref().map(normalise_path).unwrap_or(path)
    };
    parts.push(ecosystem);
    parts.push(pkg.name.to_ascii_lowercase());
    parts.push(location);
}

/// Rule family, path and the keyed hash: the same in v1 and v2, but for a
/// value the scanner redacted itself, which v2 keys by its place.
fn secret_parts(finding: &Finding, path: String, parts: &mut Vec<String>, v2: bool) {
    parts.push(normalise_rule(&finding.id));
    parts.push(path);
    let scanner_redacted = finding.location.content.as_deref() == Some(SCANNER_REDACTED);
    parts.push(match &finding.secret {
        // The scanner redacted the value itself: where it sits tells two apart.
        _ if v2 && scanner_redacted => format!(
            "at:{}:{}",
            finding.location.line.unwrap_or(0),
            finding.location.column.unwrap_or(0)
        ),
        Some(s) => s.keyed_hash.clone(),
        None => String::new(),
    });
}

/// `Location::content` of a secret whose value the scanner itself redacted.
pub const SCANNER_REDACTED: &str = "scanner-redacted";

/// gitleaks `aws-access-token` and Trivy `aws-access-key-id` name the same family.
fn normalise_rule(rule: &str) -> String {
    let lower = rule.to_ascii_lowercase().replace([' ', '_'], "-");
    for family in [
        "aws",
        "github",
        "gitlab",
        "slack",
        "stripe",
        "private-key",
        "jwt",
        "gcp",
        "azure",
    ] {
        if lower.contains(family) {
            return family.to_string();
        }
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_prefers_lowest_cve_then_ghsa() {
        let aliases = vec!["CVE-2021-1000".to_string(), "CVE-2021-999".to_string()];
        assert_eq!(
            canonical_alias("GHSA-xxxx-yyyy-zzzz", &aliases),
            "CVE-2021-999"
        );
        let ghsa = vec![
            "GHSA-bbbb-0000-0000".to_string(),
            "GHSA-aaaa-0000-0000".to_string(),
        ];
        assert_eq!(
            canonical_alias("PYSEC-2021-1", &ghsa),
            "GHSA-aaaa-0000-0000"
        );
        assert_eq!(canonical_alias("DL3008", &[]), "DL3008");
    }

    #[test]
    fn hex_round_trip() {
        let fp = Fingerprint([0xab; 16]);
        assert_eq!(Fingerprint::parse(&fp.to_string()), Some(fp));
        assert_eq!(Fingerprint::parse("xyz"), None);
    }
}
