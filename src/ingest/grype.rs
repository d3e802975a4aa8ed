//! Grype JSON, from the 0.7 schema to current (docs/formats.md §3).

use super::json::{text, LooseNumber, Skip, Str};
use super::{
    blank_finding, severity_of, source_info, Format, IngestError, ParseContext, ParsedReport,
};
use crate::model::{image, Details, ImageRef, Kind, Location, Package, Severity};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Report<'a> {
    #[serde(borrow)]
    matches: Option<Vec<Match<'a>>>,
    #[serde(borrow)]
    source: Option<Source<'a>>,
    #[serde(borrow)]
    descriptor: Option<Descriptor<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Descriptor<'a> {
    #[serde(borrow)]
    version: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Source<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    /// An object for images, a plain string for directories.
    #[serde(borrow)]
    target: Option<SourceTarget<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SourceTarget<'a> {
    #[serde(borrow)]
    Image(ImageTarget<'a>),
    #[serde(borrow)]
    Path(Str<'a>),
    Other(Skip),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ImageTarget<'a> {
    #[serde(rename = "userInput", borrow)]
    user_input: Option<Str<'a>>,
    #[serde(rename = "imageID", borrow)]
    image_id: Option<Str<'a>>,
    #[serde(rename = "manifestDigest", borrow)]
    manifest_digest: Option<Str<'a>>,
    #[serde(borrow)]
    tags: Option<Vec<Str<'a>>>,
    #[serde(rename = "repoDigests", borrow)]
    repo_digests: Option<Vec<Str<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Match<'a> {
    #[serde(borrow)]
    vulnerability: Vulnerability<'a>,
    #[serde(rename = "relatedVulnerabilities", borrow)]
    related: Option<Vec<Vulnerability<'a>>>,
    #[serde(borrow)]
    artifact: Artifact<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vulnerability<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    severity: Option<Str<'a>>,
    #[serde(borrow)]
    description: Option<Str<'a>>,
    #[serde(rename = "dataSource", borrow)]
    data_source: Option<Str<'a>>,
    #[serde(borrow)]
    urls: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    links: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    fix: Option<Fix<'a>>,
    #[serde(rename = "fixedInVersion", borrow)]
    fixed_in_version: Option<Str<'a>>,
    #[serde(borrow)]
    cvss: Option<Vec<Cvss<'a>>>,
    #[serde(rename = "cvssV3", borrow)]
    cvss_v3: Option<OldCvss<'a>>,
    #[serde(rename = "cvssV2", borrow)]
    cvss_v2: Option<OldCvss<'a>>,
    #[serde(borrow)]
    cwes: Option<Vec<Cwe<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Fix<'a> {
    #[serde(borrow)]
    versions: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    state: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cvss<'a> {
    #[serde(borrow)]
    vector: Option<Str<'a>>,
    metrics: Option<Metrics>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metrics {
    #[serde(rename = "baseScore")]
    base_score: LooseNumber,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OldCvss<'a> {
    #[serde(rename = "baseScore")]
    base_score: LooseNumber,
    #[serde(borrow)]
    vector: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cwe<'a> {
    #[serde(borrow)]
    cwe: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Artifact<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    purl: Option<Str<'a>>,
    #[serde(borrow)]
    locations: Option<Vec<ArtifactLocation<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocation<'a> {
    #[serde(borrow)]
    path: Option<Str<'a>>,
}

const OS_TYPES: &[&str] = &["deb", "rpm", "apk", "alpm", "portage", "nix"];

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let parsed: Report =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::Grype, e))?;
    let mut report = ParsedReport::new(Format::Grype, "grype");
    report.scanner_version = parsed
        .descriptor
        .as_ref()
        .and_then(|d| text(&d.version))
        .filter(|v| v != "[not provided]");
    let source = source_info("grype", report.scanner_version.clone(), ctx);
    let src = parsed.source.unwrap_or_default();
    let is_image = src.kind.as_ref().is_some_and(|k| k.as_str() == "image");
    let target_name = match src.target {
        Some(SourceTarget::Image(t)) => {
            let tag = t
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(Str::into_string)
                .find(|s| !s.is_empty());
            let name = text(&t.user_input).or(tag).unwrap_or_default();
            if is_image {
                let repo_digest = t
                    .repo_digests
                    .unwrap_or_default()
                    .into_iter()
                    .map(Str::into_string)
                    .find(|d| d.contains("@sha256:"));
                let digest = text(&t.manifest_digest).or_else(|| {
                    repo_digest
                        .as_deref()
                        .and_then(|d| d.split('@').nth(1))
                        .map(str::to_string)
                });
                report.image = Some(ImageRef {
                    name: image::clean_image_name(&name),
                    digest,
                    id: text(&t.image_id),
                    repo_digest,
                });
            }
            name
        }
        Some(SourceTarget::Path(p)) => p.into_string(),
        _ => String::new(),
    };
    if !is_image && !target_name.is_empty() {
        report.artifact = Some(target_name.clone());
    }
    let target: Arc<str> = Arc::from(target_name.as_str());
    let mut details: HashMap<String, Arc<Details>> = HashMap::new();
    for m in parsed.matches.unwrap_or_default() {
        let v = &m.vulnerability;
        let id = text(&v.id).unwrap_or_else(|| "UNKNOWN-ID".to_string());
        let related = m.related.unwrap_or_default();
        let mut f = blank_finding(Kind::Vulnerability, id.clone(), &source, &target);
        (f.severity, f.severity_raw) = severity_of(v.severity.as_ref().map(Str::as_str));
        if f.severity == Severity::Unknown && f.severity_raw.is_none() {
            // The primary record may lack a severity while a related one has it.
            if let Some(word) = related.iter().find_map(|r| text(&r.severity)) {
                f.severity = Severity::from_word(&word);
                f.severity_raw = Some(crate::model::words::word(&word));
            }
        }
        f.aliases = related.iter().filter_map(|r| text(&r.id)).collect();
        f.details = match details.get(&id) {
            Some(d) => Arc::clone(d),
            None => {
                let d = Arc::new(match_details(v, &related));
                details.insert(id, Arc::clone(&d));
                d
            }
        };
        let a = m.artifact;
        let ecosystem = text(&a.purl)
            .as_deref()
            .and_then(super::purl_type)
            .or_else(|| text(&a.kind));
        let is_os = a
            .kind
            .as_ref()
            .is_some_and(|k| OS_TYPES.contains(&k.as_str()));
        let first_path = a
            .locations
            .unwrap_or_default()
            .into_iter()
            .find_map(|l| text(&l.path));
        let mut fixed: Vec<String> = v
            .fix
            .as_ref()
            .and_then(|fx| fx.versions.as_ref())
            .map(|vs| {
                vs.iter()
                    .map(|s| s.as_str().trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if fixed.is_empty() {
            fixed.extend(text(&v.fixed_in_version));
        }
        f.package = Some(Package {
            name: text(&a.name).unwrap_or_default(),
            ecosystem: crate::model::words::opt_word(ecosystem),
            installed: crate::model::words::opt_word(text(&a.version)),
            fixed: crate::model::words::words(fixed),
            purl: text(&a.purl),
            path: if is_os { None } else { first_path.clone() },
        });
        f.location = Location {
            path: first_path,
            line: None,
            ..Location::default()
        }
        .into();
        f.scanner_status =
            crate::model::words::opt_word(v.fix.as_ref().and_then(|fx| text(&fx.state)));
        report.findings.push(f);
    }
    Ok(report)
}

fn match_details(v: &Vulnerability, related: &[Vulnerability]) -> Details {
    let mut references: Vec<String> = Vec::new();
    let mut push = |r: Option<String>| {
        if let Some(r) = r.filter(|r| !references.contains(r)) {
            references.push(r);
        }
    };
    push(text(&v.data_source));
    for list in [&v.urls, &v.links].into_iter().flatten() {
        for u in list {
            push(Some(u.as_str().to_string()));
        }
    }
    for r in related {
        push(text(&r.data_source));
    }
    let all = std::iter::once(v).chain(related.iter());
    let description = all.clone().find_map(|r| text(&r.description));
    let (mut score, mut vector) = (None, None);
    for r in all.clone() {
        if let Some(c) = r.cvss.iter().flatten().max_by(|a, b| {
            let sa = a
                .metrics
                .as_ref()
                .and_then(|m| m.base_score.0)
                .unwrap_or(0.0);
            let sb = b
                .metrics
                .as_ref()
                .and_then(|m| m.base_score.0)
                .unwrap_or(0.0);
            sa.total_cmp(&sb)
        }) {
            score = c.metrics.as_ref().and_then(|m| m.base_score.0);
            vector = text(&c.vector);
            break;
        }
        if let Some(old) = r.cvss_v3.as_ref().or(r.cvss_v2.as_ref()) {
            score = old.base_score.0;
            vector = text(&old.vector);
            break;
        }
    }
    let cwes = all
        .flat_map(|r| r.cwes.iter().flatten())
        .filter_map(|c| text(&c.cwe))
        .collect();
    let title = description.as_deref().map(super::summary_line);
    Details {
        title,
        description,
        references,
        cvss_score: score,
        cvss_vector: vector,
        cwes,
        ..Details::default()
    }
}
