//! Trivy JSON: SchemaVersion 2 (vulnerabilities, misconfigurations with
//! Status FAIL, secrets), the legacy top-level array or `null`, and the k8s
//! cluster report (docs/formats.md §1).

use super::json::{text, LooseNumber, Str};
use super::{
    blank_finding, severity_of, source_info, split_versions, Format, IngestError, ParseContext,
    ParsedReport,
};
use crate::fasthash::FxHashMap;
use crate::model::layer::{self, HistoryStep};
use crate::model::{image, Details, Finding, ImageRef, Kind, Layer, Location, Package, SourceInfo};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::sync::{Arc, Mutex};

mod cut;
pub mod parallel;

/// The report's header fields; `Results` are converted while they are read.
#[derive(Default)]
struct Header<'a> {
    trivy: Option<TrivyInfo<'a>>,
    artifact_name: Option<Str<'a>>,
    artifact_type: Option<Str<'a>>,
    metadata: Option<Metadata<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyInfo<'a> {
    #[serde(rename = "Version", borrow)]
    version: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata<'a> {
    #[serde(rename = "ImageID", borrow)]
    image_id: Option<Str<'a>>,
    #[serde(rename = "RepoTags", borrow)]
    repo_tags: Option<Vec<Str<'a>>>,
    #[serde(rename = "RepoDigests", borrow)]
    repo_digests: Option<Vec<Str<'a>>>,
    #[serde(rename = "DiffIDs", borrow)]
    diff_ids: Option<Vec<Str<'a>>>,
    #[serde(rename = "ImageConfig", borrow)]
    image_config: Option<ImageConfig<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ImageConfig<'a> {
    #[serde(borrow)]
    history: Option<Vec<HistoryEntry<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HistoryEntry<'a> {
    #[serde(borrow)]
    created_by: Option<Str<'a>>,
    empty_layer: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LayerRef<'a> {
    #[serde(rename = "DiffID", borrow)]
    diff_id: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyResult<'a> {
    #[serde(rename = "Target", borrow)]
    target: Option<Str<'a>>,
    #[serde(rename = "Class", borrow)]
    class: Option<Str<'a>>,
    #[serde(rename = "Type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(rename = "Vulnerabilities", borrow)]
    vulnerabilities: Option<Vec<Vuln<'a>>>,
    #[serde(rename = "Misconfigurations", borrow)]
    misconfigurations: Option<Vec<Misconfig<'a>>>,
    #[serde(rename = "Secrets", borrow)]
    secrets: Option<Vec<Secret<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vuln<'a> {
    #[serde(rename = "VulnerabilityID", borrow)]
    id: Option<Str<'a>>,
    #[serde(rename = "VendorIDs", borrow)]
    vendor_ids: Option<Vec<Str<'a>>>,
    #[serde(rename = "PkgName", borrow)]
    pkg_name: Option<Str<'a>>,
    #[serde(rename = "PkgPath", borrow)]
    pkg_path: Option<Str<'a>>,
    #[serde(rename = "PkgIdentifier", borrow)]
    pkg_identifier: Option<PkgIdentifier<'a>>,
    #[serde(rename = "InstalledVersion", borrow)]
    installed: Option<Str<'a>>,
    #[serde(rename = "FixedVersion", borrow)]
    fixed: Option<Str<'a>>,
    #[serde(rename = "Status", borrow)]
    status: Option<Str<'a>>,
    #[serde(rename = "Severity", borrow)]
    severity: Option<Str<'a>>,
    #[serde(rename = "Title", borrow)]
    title: Option<Str<'a>>,
    #[serde(rename = "Description", borrow)]
    description: Option<Str<'a>>,
    #[serde(rename = "PrimaryURL", borrow)]
    primary_url: Option<Str<'a>>,
    #[serde(rename = "References", borrow)]
    references: Option<Vec<Str<'a>>>,
    #[serde(rename = "CweIDs", borrow)]
    cwes: Option<Vec<Str<'a>>>,
    #[serde(rename = "CVSS", borrow)]
    cvss: BestCvss<'a>,
    #[serde(rename = "PublishedDate", borrow)]
    published: Option<Str<'a>>,
    #[serde(rename = "LastModifiedDate", borrow)]
    modified: Option<Str<'a>>,
    #[serde(rename = "Layer", borrow)]
    layer: Option<LayerRef<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PkgIdentifier<'a> {
    #[serde(rename = "PURL", borrow)]
    purl: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cvss<'a> {
    #[serde(rename = "V3Vector", borrow)]
    v3_vector: Option<Str<'a>>,
    #[serde(rename = "V3Score")]
    v3_score: LooseNumber,
    #[serde(rename = "V40Vector", borrow)]
    v40_vector: Option<Str<'a>>,
    #[serde(rename = "V40Score")]
    v40_score: LooseNumber,
    #[serde(rename = "V2Vector", borrow)]
    v2_vector: Option<Str<'a>>,
    #[serde(rename = "V2Score")]
    v2_score: LooseNumber,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Misconfig<'a> {
    #[serde(rename = "ID", borrow)]
    id: Option<Str<'a>>,
    #[serde(rename = "AVDID", borrow)]
    avd_id: Option<Str<'a>>,
    #[serde(rename = "Title", borrow)]
    title: Option<Str<'a>>,
    #[serde(rename = "Description", borrow)]
    description: Option<Str<'a>>,
    #[serde(rename = "Message", borrow)]
    message: Option<Str<'a>>,
    #[serde(rename = "Resolution", borrow)]
    resolution: Option<Str<'a>>,
    #[serde(rename = "Severity", borrow)]
    severity: Option<Str<'a>>,
    #[serde(rename = "Status", borrow)]
    status: Option<Str<'a>>,
    #[serde(rename = "PrimaryURL", borrow)]
    primary_url: Option<Str<'a>>,
    #[serde(rename = "References", borrow)]
    references: Option<Vec<Str<'a>>>,
    #[serde(rename = "CauseMetadata", borrow)]
    cause: Option<Cause<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cause<'a> {
    #[serde(rename = "Resource", borrow)]
    resource: Option<Str<'a>>,
    #[serde(rename = "StartLine")]
    start_line: LooseNumber,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Secret<'a> {
    #[serde(rename = "RuleID", borrow)]
    rule_id: Option<Str<'a>>,
    #[serde(rename = "Category", borrow)]
    category: Option<Str<'a>>,
    #[serde(rename = "Severity", borrow)]
    severity: Option<Str<'a>>,
    #[serde(rename = "Title", borrow)]
    title: Option<Str<'a>>,
    #[serde(rename = "StartLine")]
    start_line: LooseNumber,
    /// Already masked by Trivy; used only to tell two secrets apart.
    #[serde(rename = "Match", borrow)]
    matched: Option<Str<'a>>,
}

/// k8s cluster report: resources with nested results.
#[derive(Deserialize, Default)]
#[serde(default)]
struct K8sReport<'a> {
    #[serde(rename = "ClusterName", borrow)]
    cluster: Option<Str<'a>>,
    #[serde(rename = "Vulnerabilities", borrow)]
    vulnerabilities: Option<Vec<K8sResource<'a>>>,
    #[serde(rename = "Misconfigurations", borrow)]
    misconfigurations: Option<Vec<K8sResource<'a>>>,
    #[serde(rename = "Resources", borrow)]
    resources: Option<Vec<K8sResource<'a>>>,
    /// `--report summary`: one entry per workload, its results merged.
    #[serde(rename = "Findings", borrow)]
    findings: Option<Vec<K8sResource<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct K8sResource<'a> {
    #[serde(rename = "Namespace", borrow)]
    namespace: Option<Str<'a>>,
    #[serde(rename = "Kind", borrow)]
    kind: Option<Str<'a>>,
    #[serde(rename = "Name", borrow)]
    name: Option<Str<'a>>,
    #[serde(rename = "Results", borrow)]
    results: Option<Vec<TrivyResult<'a>>>,
}

pub fn parse(body: &[u8], format: Format, ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let mut report = ParsedReport::new(format, "trivy");
    let mut builder = Builder::new(ctx);
    match format {
        Format::TrivyLegacy => {
            builder.source = source_info("trivy", None, ctx);
            let mut de = serde_json::Deserializer::from_slice(body);
            ResultsSeed {
                builder: &mut builder,
                report: &mut report,
            }
            .deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| IngestError::shape(format, e))?;
        }
        Format::TrivyK8s => {
            let k8s: K8sReport =
                serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e))?;
            builder.source = source_info("trivy", None, ctx);
            report.artifact = text(&k8s.cluster).map(|c| format!("cluster {c}"));
            let groups = [
                k8s.vulnerabilities,
                k8s.misconfigurations,
                k8s.resources,
                k8s.findings,
            ];
            for resource in groups.into_iter().flatten().flatten() {
                let name = [&resource.namespace, &resource.kind, &resource.name]
                    .iter()
                    .map(|p| text(p).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("/");
                for result in resource.results.unwrap_or_default() {
                    builder.result(result, Some(&name), &mut report);
                }
            }
        }
        _ => {
            let de = serde_json::Deserializer::from_slice(body);
            return parse_v2(de, ctx);
        }
    }
    Ok(report)
}

/// Reads a SchemaVersion 2 report from a file or any reader, without
/// holding the file in memory: each result is converted as soon as it is read.
pub fn parse_v2_from_reader<R: std::io::Read>(
    reader: R,
    ctx: &ParseContext,
) -> Result<ParsedReport, IngestError> {
    parse_v2(serde_json::Deserializer::from_reader(reader), ctx)
}

fn parse_v2<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    ctx: &ParseContext,
) -> Result<ParsedReport, IngestError> {
    let format = Format::TrivyJson;
    let mut report = ParsedReport::new(format, "trivy");
    let mut builder = Builder::new(ctx);
    let header = ReportSeed {
        builder: &mut builder,
        report: &mut report,
    }
    .deserialize(&mut de)
    .and_then(|header| de.end().map(|()| header))
    .map_err(|e| IngestError::shape(format, e))?;
    finish_v2(&mut report, &builder, header);
    Ok(report)
}

/// What the report's header says, given to every finding read from its results.
fn finish_v2(report: &mut ParsedReport, builder: &Builder, parsed: Header) {
    let version = parsed.trivy.as_ref().and_then(|t| text(&t.version));
    if version.is_some() {
        // The header may follow the results; give every finding the versioned source.
        let source = source_info("trivy", version.clone(), builder.ctx);
        for f in &mut report.findings {
            f.source = Arc::clone(&source);
        }
    }
    report.scanner_version = version;
    let artifact = text(&parsed.artifact_name);
    let is_image = parsed
        .artifact_type
        .as_ref()
        .is_some_and(|t| t.as_str() == "container_image");
    if is_image {
        let meta = parsed.metadata.unwrap_or_default();
        describe_layers_of(&mut report.findings, &meta);
        let tags: Vec<String> = meta
            .repo_tags
            .unwrap_or_default()
            .into_iter()
            .map(Str::into_string)
            .collect();
        // An empty ArtifactName (DefectDojo's all_statuses.json) still has
        // the image in its OS result's Target: `repo:tag (debian 10.13)`.
        let name = image::reported_name(artifact.as_deref(), &tags)
            .or_else(|| builder.os_target.clone())
            .unwrap_or_default();
        let repo_digest = meta
            .repo_digests
            .unwrap_or_default()
            .into_iter()
            .map(Str::into_string)
            .find(|d| d.contains("@sha256:"));
        let digest = repo_digest
            .as_deref()
            .and_then(|d| d.split('@').nth(1))
            .map(str::to_string);
        report.image = Some(ImageRef {
            name: image::clean_image_name(&name),
            digest,
            id: text(&meta.image_id),
            repo_digest,
        });
    } else {
        report.artifact = artifact;
    }
}

/// Gives each finding's layer its number, build step and origin (base image
/// or the image's own) from the image's `DiffIDs` and history, which may be
/// read after the results.
fn describe_layers_of(findings: &mut [Finding], meta: &Metadata) {
    let Some(diff_ids) = meta.diff_ids.as_ref().filter(|d| !d.is_empty()) else {
        return;
    };
    let diff_ids: Vec<String> = diff_ids.iter().map(|d| d.as_str().to_string()).collect();
    let history: Vec<HistoryStep> = meta
        .image_config
        .as_ref()
        .and_then(|c| c.history.as_ref())
        .map(|h| {
            h.iter()
                .map(|e| HistoryStep {
                    created_by: text(&e.created_by).unwrap_or_default(),
                    empty_layer: e.empty_layer.unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let described: FxHashMap<String, Arc<Layer>> = layer::describe_layers(&diff_ids, &history)
        .into_iter()
        .map(|l| (l.diff_id.clone(), Arc::new(l)))
        .collect();
    for f in findings {
        if let Some(known) = f.layer.as_ref().and_then(|l| described.get(&l.diff_id)) {
            f.layer = Some(Arc::clone(known));
        }
    }
}

/// Reads a SchemaVersion 2 report, converting each result as soon as it is read.
struct ReportSeed<'x, 'c> {
    builder: &'x mut Builder<'c>,
    report: &'x mut ParsedReport,
}

impl<'de, 'x, 'c> DeserializeSeed<'de> for ReportSeed<'x, 'c> {
    type Value = Header<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Header<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'x, 'c> Visitor<'de> for ReportSeed<'x, 'c> {
    type Value = Header<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy report object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header<'de>, A::Error> {
        let mut header = Header::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if seen.iter().any(|k| k == key.as_str()) {
                return Err(de::Error::custom(format_args!(
                    "duplicate field `{}`",
                    key.as_str()
                )));
            }
            seen.push(key.as_str().to_string());
            match key.as_str() {
                "Trivy" => header.trivy = map.next_value()?,
                "ArtifactName" => header.artifact_name = map.next_value()?,
                "ArtifactType" => header.artifact_type = map.next_value()?,
                "Metadata" => header.metadata = map.next_value()?,
                "Results" => map.next_value_seed(ResultsSeed {
                    builder: &mut *self.builder,
                    report: &mut *self.report,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(header)
    }
}

/// A list of results (or `null`), each converted and dropped before the next is read.
struct ResultsSeed<'x, 'c> {
    builder: &'x mut Builder<'c>,
    report: &'x mut ParsedReport,
}

impl<'de, 'x, 'c> DeserializeSeed<'de> for ResultsSeed<'x, 'c> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'x, 'c> Visitor<'de> for ResultsSeed<'x, 'c> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of results")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(result) = seq.next_element::<TrivyResult<'de>>()? {
            self.builder.result(result, None, self.report);
        }
        Ok(())
    }
}

/// Turns results into findings, sharing advisory text between findings with the same id.
struct Builder<'c> {
    ctx: &'c ParseContext<'c>,
    source: Arc<SourceInfo>,
    details: FxHashMap<String, Arc<Details>>,
    targets: FxHashMap<String, Arc<str>>,
    /// Layers by DiffID, known only by it until the metadata is read.
    layers: crate::fasthash::FxHashSet<LayerByDiffId>,
    /// The first OS-package result's target, which names the image.
    os_target: Option<String>,
    /// Advisory text shared with the builders of other threads.
    shared_details: Option<&'c SharedDetails>,
}

/// A layer found by its DiffID: the set holds each layer once, not its
/// DiffID a second time as a key (a report whose packages each name their
/// own layer holds as many layers as findings).
struct LayerByDiffId(Arc<Layer>);

impl std::borrow::Borrow<str> for LayerByDiffId {
    fn borrow(&self) -> &str {
        &self.0.diff_id
    }
}

impl PartialEq for LayerByDiffId {
    fn eq(&self, other: &Self) -> bool {
        self.0.diff_id == other.0.diff_id
    }
}

impl Eq for LayerByDiffId {}

impl std::hash::Hash for LayerByDiffId {
    // As `str` hashes, as `Borrow` requires.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.diff_id.as_str().hash(state);
    }
}

/// Advisory text by id, shared by the threads that read one report.
type SharedDetails = Mutex<FxHashMap<String, Arc<Details>>>;

impl<'c> Builder<'c> {
    fn new(ctx: &'c ParseContext<'c>) -> Builder<'c> {
        Builder {
            ctx,
            source: source_info("trivy", None, ctx),
            details: FxHashMap::default(),
            targets: FxHashMap::default(),
            layers: Default::default(),
            os_target: None,
            shared_details: None,
        }
    }

    fn target(&mut self, name: &str) -> Arc<str> {
        if let Some(t) = self.targets.get(name) {
            return Arc::clone(t);
        }
        let t: Arc<str> = Arc::from(name);
        self.targets.insert(name.to_string(), Arc::clone(&t));
        t
    }

    fn result(&mut self, result: TrivyResult, resource: Option<&str>, report: &mut ParsedReport) {
        let target_name = text(&result.target).unwrap_or_default();
        let class = text(&result.class).unwrap_or_default();
        let pkg_type = text(&result.kind);
        let is_lang = class == "lang-pkgs";
        if class == "os-pkgs" && resource.is_none() && self.os_target.is_none() {
            self.os_target = Some(target_name.clone()).filter(|t| !t.trim().is_empty());
        }
        // In k8s reports, image vulnerabilities repeat per workload: key them by image so they merge.
        let k8s_image = resource
            .filter(|_| class == "os-pkgs" || is_lang)
            .map(|_| target_name.clone());
        let target = match (resource, &k8s_image) {
            (Some(_), Some(img)) => self.target(img),
            (Some(res), None) => self.target(res),
            (None, _) => self.target(&target_name),
        };
        let image_for_k8s = k8s_image.map(|name| Arc::new(ImageRef::named(&name)));
        for vuln in result.vulnerabilities.unwrap_or_default() {
            let mut f = self.vulnerability(
                vuln,
                &target,
                pkg_type.as_deref(),
                is_lang.then_some(target_name.as_str()),
            );
            f.image = image_for_k8s.clone();
            report.findings.push(f);
        }
        for mis in result.misconfigurations.unwrap_or_default() {
            let status = text(&mis.status);
            if status
                .as_deref()
                .is_some_and(|s| !s.eq_ignore_ascii_case("FAIL"))
            {
                continue;
            }
            let file = if resource.is_some() {
                None
            } else {
                Some(target_name.clone())
            };
            report
                .findings
                .push(self.misconfiguration(mis, &target, file, resource));
        }
        for secret in result.secrets.unwrap_or_default() {
            report
                .findings
                .push(self.secret(secret, &target, &target_name));
        }
    }

    fn vulnerability(
        &mut self,
        v: Vuln,
        target: &Arc<str>,
        pkg_type: Option<&str>,
        manifest: Option<&str>,
    ) -> Finding {
        let id = text(&v.id).unwrap_or_else(|| "UNKNOWN-ID".to_string());
        let details = match self.details.get(&id) {
            Some(d) => Arc::clone(d),
            None => {
                let d = self.shared_details_of(&id, &v);
                self.details.insert(id.clone(), Arc::clone(&d));
                d
            }
        };
        let mut f = blank_finding(Kind::Vulnerability, id, &self.source, target);
        (f.severity, f.severity_raw) = severity_of(v.severity.as_ref().map(Str::as_str));
        f.details = details;
        f.aliases = v
            .vendor_ids
            .unwrap_or_default()
            .into_iter()
            .map(Str::into_string)
            .collect();
        let purl = v.pkg_identifier.as_ref().and_then(|p| text(&p.purl));
        let ecosystem = purl
            .as_deref()
            .and_then(super::purl_type)
            .or_else(|| pkg_type.map(str::to_string));
        let pkg_path = text(&v.pkg_path).or_else(|| manifest.map(str::to_string));
        f.package = Some(Package {
            name: text(&v.pkg_name).unwrap_or_default(),
            ecosystem: crate::model::words::opt_word(ecosystem),
            installed: crate::model::words::opt_word(text(&v.installed)),
            fixed: split_versions(v.fixed.as_ref().map(Str::as_str)),
            purl,
            path: pkg_path,
        });
        f.scanner_status = crate::model::words::opt_word(text(&v.status));
        f.layer = v
            .layer
            .as_ref()
            .and_then(|l| text(&l.diff_id))
            .filter(|d| !d.is_empty())
            .map(|diff_id| self.layer(diff_id));
        f
    }

    /// The advisory text another thread already read for `id`, else `v`'s.
    fn shared_details_of(&self, id: &str, v: &Vuln) -> Arc<Details> {
        let Some(Ok(mut shared)) = self.shared_details.map(|m| m.lock()) else {
            return Arc::new(vuln_details(v));
        };
        Arc::clone(
            shared
                .entry(id.to_string())
                .or_insert_with(|| Arc::new(vuln_details(v))),
        )
    }

    fn layer(&mut self, diff_id: String) -> Arc<Layer> {
        let clean = match crate::sanitize::sanitize_line(&diff_id) {
            std::borrow::Cow::Borrowed(_) => diff_id,
            std::borrow::Cow::Owned(clean) => clean,
        };
        if let Some(known) = self.layers.get(clean.as_str()) {
            return Arc::clone(&known.0);
        }
        let layer = Arc::new(Layer {
            diff_id: clean,
            ..Layer::default()
        });
        self.layers.insert(LayerByDiffId(Arc::clone(&layer)));
        layer
    }

    fn misconfiguration(
        &mut self,
        m: Misconfig,
        target: &Arc<str>,
        file: Option<String>,
        resource: Option<&str>,
    ) -> Finding {
        let id = text(&m.id)
            .or_else(|| text(&m.avd_id))
            .unwrap_or_else(|| "UNKNOWN-CHECK".to_string());
        let mut f = blank_finding(Kind::Misconfiguration, id, &self.source, target);
        f.aliases = text(&m.avd_id).into_iter().collect();
        (f.severity, f.severity_raw) = severity_of(m.severity.as_ref().map(Str::as_str));
        let mut description = text(&m.description).unwrap_or_default();
        for (label, part) in [
            ("Message", text(&m.message)),
            ("Resolution", text(&m.resolution)),
        ] {
            if let Some(part) = part {
                description.push_str(&format!("\n\n{label}: {part}"));
            }
        }
        let mut references = text(&m.primary_url).into_iter().collect::<Vec<_>>();
        references.extend(
            m.references
                .unwrap_or_default()
                .into_iter()
                .map(Str::into_string),
        );
        references.dedup();
        f.details = Arc::new(Details {
            title: text(&m.title),
            description: Some(description.trim().to_string()).filter(|d| !d.is_empty()),
            references,
            ..Details::default()
        });
        let cause = m.cause.unwrap_or_default();
        f.location = Location {
            path: file.or_else(|| resource.map(str::to_string)),
            line: cause.start_line.as_line(),
            ..Location::default()
        }
        .into();
        // The resource names what was checked; it tells apart two hits of one check in a file.
        f.package = text(&cause.resource).map(|name| Package {
            name,
            ..Package::default()
        });
        f.scanner_status = crate::model::words::opt_word(text(&m.status));
        f
    }

    fn secret(&mut self, s: Secret, target: &Arc<str>, file: &str) -> Finding {
        let id = text(&s.rule_id).unwrap_or_else(|| "secret".to_string());
        let mut f = blank_finding(Kind::Secret, id, &self.source, target);
        (f.severity, f.severity_raw) = severity_of(s.severity.as_ref().map(Str::as_str));
        let title = text(&s.title).or_else(|| text(&s.category));
        f.details = Arc::new(Details {
            title,
            ..Details::default()
        });
        f.location = Location {
            path: Some(file.to_string()),
            line: s.start_line.as_line(),
            ..Location::default()
        }
        .into();
        let matched = text(&s.matched).unwrap_or_default();
        let mut redacted = self.ctx.redactor.redact(&matched);
        redacted.mask = "(masked by trivy)".to_string();
        f.secret = Some(Box::new(redacted));
        f
    }
}

fn vuln_details(v: &Vuln) -> Details {
    let mut references: Vec<String> = text(&v.primary_url).into_iter().collect();
    for r in v.references.iter().flatten() {
        if !references.iter().any(|x| x == r.as_str()) {
            references.push(r.as_str().to_string());
        }
    }
    let (cvss_score, cvss_vector) = (v.cvss.score, text(&v.cvss.vector));
    Details {
        title: text(&v.title),
        description: text(&v.description),
        references,
        cvss_score,
        cvss_vector,
        cwes: v
            .cwes
            .iter()
            .flatten()
            .map(|c| c.as_str().to_string())
            .collect(),
        published: text(&v.published),
        modified: text(&v.modified),
        left_out: None,
    }
}

/// The one CVSS entry kept per vulnerability: NVD, then GHSA, then Red Hat,
/// then any source; within a source V3 before V4.0 before V2. Chosen while
/// reading, so the per-source map is never built.
#[derive(Default)]
struct BestCvss<'a> {
    rank: usize,
    score: Option<f64>,
    vector: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for BestCvss<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct CvssVisitor;
        impl<'de> Visitor<'de> for CvssVisitor {
            type Value = BestCvss<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of CVSS entries by source")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(BestCvss::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                const ORDER: [&str; 3] = ["nvd", "ghsa", "redhat"];
                let mut best = BestCvss {
                    rank: usize::MAX,
                    ..BestCvss::default()
                };
                while let Some(source) = map.next_key::<Str<'de>>()? {
                    let c: Cvss<'de> = map.next_value()?;
                    let rank = ORDER
                        .iter()
                        .position(|o| *o == source.as_str())
                        .unwrap_or(ORDER.len());
                    if rank >= best.rank {
                        continue;
                    }
                    let pick = [
                        (c.v3_score, c.v3_vector),
                        (c.v40_score, c.v40_vector),
                        (c.v2_score, c.v2_vector),
                    ]
                    .into_iter()
                    .find(|(score, vector)| score.0.is_some() || vector.is_some());
                    if let Some((score, vector)) = pick {
                        best = BestCvss {
                            rank,
                            score: score.0,
                            vector,
                        };
                    }
                }
                Ok(best)
            }
        }
        d.deserialize_any(CvssVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Redactor;

    /// Packages of one layer share it; a DiffID that carries control
    /// characters is kept sanitised, and found again by its clean text.
    #[test]
    fn packages_of_one_layer_share_it() {
        let redactor = Redactor::with_key([4; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "r.json",
            image_override: None,
        };
        let mut builder = Builder::new(&ctx);
        let a = builder.layer("sha256:aa".into());
        let b = builder.layer("sha256:bb".into());
        let a_again = builder.layer("sha256:aa".into());
        assert!(Arc::ptr_eq(&a, &a_again));
        assert!(!Arc::ptr_eq(&a, &b));
        let hostile = builder.layer("sha256:cc\u{1b}[2J".into());
        assert!(!hostile.diff_id.contains('\u{1b}'));
        let clean = hostile.diff_id.clone();
        assert!(Arc::ptr_eq(&hostile, &builder.layer(clean)));
        assert_eq!(builder.layers.len(), 3);
    }
}
