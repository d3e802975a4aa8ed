//! `Finding`: one normalised scanner observation (after in-report merging).

use super::{Fingerprint, ImageRef, Layer, RedactedSecret, Severity};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Vulnerability,
    Misconfiguration,
    Secret,
    ImageConfig,
    Posture,
    License,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Vulnerability,
        Kind::Misconfiguration,
        Kind::Secret,
        Kind::ImageConfig,
        Kind::Posture,
        Kind::License,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::Misconfiguration => "misconfiguration",
            Kind::Secret => "secret",
            Kind::ImageConfig => "image-config",
            Kind::Posture => "posture",
            Kind::License => "license",
        }
    }

    /// Accepts the canonical name and common short forms (`vuln`, `misconfig`).
    pub fn parse_user(word: &str) -> Option<Kind> {
        let w = word.trim().to_ascii_lowercase();
        let kind = match w.as_str() {
            "vulnerability" | "vuln" | "vulns" | "cve" => Kind::Vulnerability,
            "misconfiguration" | "misconfig" | "config" => Kind::Misconfiguration,
            "secret" | "secrets" => Kind::Secret,
            "image-config" | "image" => Kind::ImageConfig,
            "posture" => Kind::Posture,
            "license" | "licence" => Kind::License,
            _ => return None,
        };
        Some(kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The affected package, when the finding is about one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    /// purl type or scanner package type: `npm`, `pypi`, `deb`, `apk`, ...
    /// Shared, as the installed version: a million findings hold few of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<Arc<str>>,
    /// Versions that fix it; empty when no fix is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Manifest, lockfile or install path for language packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Where in the target the finding sits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Relative to the scanned root once the report is identified (see `ingest::identify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What the code at the location is, independent of its line number: the
    /// tool's own `partialFingerprints`, or a hash of the normalised snippet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Location {
    pub fn at(path: Option<String>, line: Option<u32>) -> Location {
        Location {
            path,
            line,
            ..Location::default()
        }
    }
}

/// A finding's `Location`, boxed when it says anything: most findings (a
/// package's vulnerabilities) have no place in a file, and a `Location` is
/// 64 bytes a finding (64 MB of a million-record import). Reads as a
/// `Location`; `edit` makes the room, so that only a write can.
#[derive(Clone, Default)]
pub struct Place(Option<Box<Location>>);

static NOWHERE: Location = Location {
    path: None,
    line: None,
    column: None,
    content: None,
};

impl std::ops::Deref for Place {
    type Target = Location;
    fn deref(&self) -> &Location {
        self.0.as_deref().unwrap_or(&NOWHERE)
    }
}

impl Place {
    /// The location to change, made when there was none.
    pub fn edit(&mut self) -> &mut Location {
        self.0.get_or_insert_with(Box::default)
    }
}

impl From<Location> for Place {
    fn from(location: Location) -> Place {
        if location == NOWHERE {
            Place(None)
        } else {
            Place(Some(Box::new(location)))
        }
    }
}

impl PartialEq for Place {
    fn eq(&self, other: &Place) -> bool {
        **self == **other
    }
}

impl Eq for Place {}

impl fmt::Debug for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// Advisory text shared by every finding with the same id in one report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    pub title: Option<String>,
    pub description: Option<String>,
    pub references: Vec<String>,
    pub cvss_score: Option<f64>,
    pub cvss_vector: Option<String>,
    pub cwes: Vec<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Set on a brief copy (`store::AdvisoryText::Brief`): its description,
    /// references and CWEs were left out, and the store keeps the whole text
    /// under this hash (`store::AdvisoryTexts` reads it again).
    #[serde(skip)]
    pub left_out: Option<[u8; 16]>,
}

/// Which scanner produced the finding, and from which stored report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Lower-case tool name: `trivy`, `grype`, `docker-scout`, ...
    pub scanner: String,
    pub version: Option<String>,
    /// Name of the report file as the user gave it.
    pub report: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: Kind,
    pub id: String,
    /// Other ids of the same issue (GHSA for a CVE and so on), sorted, without `id`.
    pub aliases: Vec<String>,
    pub severity: Severity,
    /// The scanner's own word, kept for display and audit (shared: few words repeat).
    pub severity_raw: Option<Arc<str>>,
    pub details: Arc<Details>,
    pub package: Option<Package>,
    pub image: Option<Arc<ImageRef>>,
    /// The image layer the package came in with (Trivy), shared by the
    /// findings of that layer.
    pub layer: Option<Arc<Layer>>,
    /// What the scanner names as the scanned thing (Trivy `Target`, a manifest, a file).
    pub target: Arc<str>,
    pub location: Place,
    pub source: Arc<SourceInfo>,
    /// The scanner's own status word (Trivy `Status`, Grype `fix.state`, VEX state).
    pub scanner_status: Option<Arc<str>>,
    /// The report itself marks the result suppressed (SARIF `suppressions`, audited false positives).
    pub suppressed_by_tool: bool,
    /// Boxed: few findings are secrets, and every finding would carry the room.
    pub secret: Option<Box<RedactedSecret>>,
    /// How many report records were merged into this finding (dependency paths, duplicates).
    pub merged: u32,
    /// What was scanned (`image:<repository>` or `project:<dir>`), see `model::subject`.
    pub subject: Arc<str>,
    pub fingerprint: Fingerprint,
    /// The fingerprint an earlier scandeck gave this finding, computed only
    /// while decisions.json is migrated (`ingest::Origin::legacy`).
    /// Boxed: only a migration computes it.
    pub legacy_fingerprint: Option<Box<Fingerprint>>,
    /// Other scanners (or other reports) that reported this same finding:
    /// one row lists every source (`merge_sources`). Boxed: most findings
    /// have one source.
    pub also: Option<Box<Vec<Arc<SourceInfo>>>>,
}

impl Finding {
    /// Every source that reported it, the first one first.
    pub fn sources(&self) -> impl Iterator<Item = &SourceInfo> {
        std::iter::once(&*self.source).chain(self.also.iter().flat_map(|a| a.iter().map(|s| &**s)))
    }

    /// The scanners that reported it, `gitleaks, scandeck-secrets`.
    pub fn scanner_names(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for s in self.sources() {
            if !names.contains(&s.scanner.as_str()) {
                names.push(&s.scanner);
            }
        }
        names.join(", ")
    }

    pub fn title(&self) -> &str {
        self.details.title.as_deref().unwrap_or("")
    }

    pub fn package_name(&self) -> Option<&str> {
        self.package.as_ref().map(|p| p.name.as_str())
    }

    pub fn installed_version(&self) -> Option<&str> {
        self.package.as_ref().and_then(|p| p.installed.as_deref())
    }

    /// Fixed versions joined for display, `None` when no fix is known.
    pub fn fixed_version(&self) -> Option<String> {
        let p = self.package.as_ref()?;
        if p.fixed.is_empty() {
            None
        } else {
            Some(p.fixed.join(", "))
        }
    }

    pub fn has_fix(&self) -> bool {
        self.package.as_ref().is_some_and(|p| !p.fixed.is_empty())
    }

    pub fn image_name(&self) -> Option<&str> {
        self.image
            .as_deref()
            .map(|i| i.name.as_str())
            .filter(|n| !n.is_empty())
    }

    /// The image when known, else the scanner's target.
    pub fn display_target(&self) -> &str {
        self.image_name().unwrap_or(&self.target)
    }

    /// The subject without its kind: an image repository or a project directory.
    pub fn subject_name(&self) -> &str {
        super::subject::name_of(&self.subject)
    }

    /// True when the image's history says the base image brought the package.
    pub fn from_base_image(&self) -> bool {
        self.layer.as_ref().and_then(|l| l.from_base) == Some(true)
    }

    /// True when `needle` equals the id or one of the aliases (case-insensitive).
    pub fn has_id(&self, needle: &str) -> bool {
        self.id.eq_ignore_ascii_case(needle)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(needle))
    }
}

/// Rows that share a fingerprint are one finding (docs/identity.md, "One
/// finding, several sources"): the same secret found by two scanners, the
/// same package reported by Trivy and pip-audit in one subject, one scan
/// imported in two formats. The first keeps its place and absorbs the
/// others: every source, the highest severity, the merged record count.
/// Returns how many rows were absorbed.
pub fn merge_sources(findings: &mut Vec<Finding>) -> usize {
    let mut first: crate::fasthash::FxHashMap<Fingerprint, usize> =
        crate::fasthash::FxHashMap::with_capacity_and_hasher(findings.len(), Default::default());
    let mut absorbed: Vec<(usize, usize)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(&kept) = first.get(&f.fingerprint) {
            absorbed.push((kept, i));
        } else {
            first.insert(f.fingerprint, i);
        }
    }
    if absorbed.is_empty() {
        return 0;
    }
    let mut gone = vec![false; findings.len()];
    for &(kept, other) in &absorbed {
        gone[other] = true;
        let (head, tail) = findings.split_at_mut(other);
        let (kept, other) = (&mut head[kept], &tail[0]);
        let known = kept.sources().any(|s| s == &*other.source);
        if !known {
            kept.also
                .get_or_insert_with(Default::default)
                .push(Arc::clone(&other.source));
        }
        for extra in other.also.iter().flat_map(|a| a.iter()) {
            if !kept.sources().any(|s| s == &**extra) {
                kept.also
                    .get_or_insert_with(Default::default)
                    .push(Arc::clone(extra));
            }
        }
        if other.severity > kept.severity {
            kept.severity = other.severity;
            kept.severity_raw = other.severity_raw.clone();
        }
        kept.merged = kept.merged.saturating_add(other.merged);
        // Another scanner's name for it (hadolint's DL3015) finds the row too.
        if !kept.has_id(&other.id) {
            kept.aliases.push(other.id.clone());
        }
        for alias in &other.aliases {
            if !kept.has_id(alias) {
                kept.aliases.push(alias.clone());
            }
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        let keep = !gone[i];
        i += 1;
        keep
    });
    absorbed.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A place that says nothing takes no room, reads as an empty
    /// `Location` and equals one that was made and left empty.
    #[test]
    fn a_place_takes_room_only_when_it_says_something() {
        let nowhere = Place::from(Location::default());
        assert!(nowhere.0.is_none());
        assert_eq!(*nowhere, Location::default());
        assert_eq!(nowhere.path, None);
        let mut edited = Place::default();
        edited.edit();
        assert!(edited.0.is_some());
        assert_eq!(edited, nowhere);
        let somewhere = Place::from(Location::at(Some("app/Dockerfile".into()), Some(3)));
        assert_eq!(somewhere.path.as_deref(), Some("app/Dockerfile"));
        assert_eq!(somewhere.line, Some(3));
        assert_ne!(somewhere, nowhere);
        assert_eq!(format!("{somewhere:?}"), format!("{:?}", *somewhere));
        // The room a finding gives it: a pointer, not a `Location`.
        assert_eq!(std::mem::size_of::<Place>(), std::mem::size_of::<usize>());
    }
}
