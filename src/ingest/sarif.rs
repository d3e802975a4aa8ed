//! SARIF 2.1.0 from any tool, with the sub-types that need care: Trivy
//! (package in the message, old rule-id styles), Docker Scout (package and fix
//! per result message, no image identity), Grype, dockle and gitleaks
//! (docs/formats.md §2, §4, §15). Rules are resolved by `ruleId`; `ruleIndex` is a
//! fallback only.

use super::json::{ids_in_text, text, LooseNumber, Str};
use super::{
    blank_finding, source_info, summary_line, Format, IngestError, ParseContext, ParsedReport,
};
use crate::model::{image, Details, ImageRef, Kind, Location, Package, Severity};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Log<'a> {
    #[serde(borrow)]
    runs: Vec<Run<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Run<'a> {
    #[serde(borrow)]
    tool: Tool<'a>,
    #[serde(borrow)]
    results: Option<Vec<SarifResult<'a>>>,
    #[serde(borrow)]
    properties: Option<RunProperties<'a>>,
    #[serde(rename = "automationDetails", borrow)]
    automation_details: Option<AutomationDetails<'a>>,
    #[serde(rename = "versionControlProvenance", borrow)]
    version_control_provenance: Option<Vec<VersionControl<'a>>>,
    #[serde(rename = "originalUriBaseIds", borrow)]
    original_uri_base_ids: Option<std::collections::BTreeMap<String, ArtifactLocation<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AutomationDetails<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VersionControl<'a> {
    #[serde(rename = "repositoryUri", borrow)]
    repository_uri: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tool<'a> {
    #[serde(borrow)]
    driver: Component<'a>,
    #[serde(borrow)]
    extensions: Option<Vec<Component<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Component<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(rename = "semanticVersion", borrow)]
    semantic_version: Option<Str<'a>>,
    #[serde(borrow)]
    rules: Option<Vec<Rule<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunProperties<'a> {
    #[serde(rename = "imageName", borrow)]
    image_name: Option<Str<'a>>,
    #[serde(rename = "imageID", borrow)]
    image_id: Option<Str<'a>>,
    #[serde(rename = "repoTags", borrow)]
    repo_tags: Option<Vec<Str<'a>>>,
    #[serde(rename = "repoDigests", borrow)]
    repo_digests: Option<Vec<Str<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    markdown: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rule<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(rename = "shortDescription", borrow)]
    short_description: Option<Message<'a>>,
    #[serde(rename = "fullDescription", borrow)]
    full_description: Option<Message<'a>>,
    #[serde(borrow)]
    help: Option<Message<'a>>,
    #[serde(rename = "helpUri", borrow)]
    help_uri: Option<Str<'a>>,
    #[serde(rename = "defaultConfiguration", borrow)]
    default_configuration: Option<Configuration<'a>>,
    #[serde(borrow)]
    properties: Option<RuleProperties<'a>>,
    /// Links to taxonomies: CWE entries (`target.toolComponent.name == "CWE"`).
    #[serde(borrow)]
    relationships: Option<Vec<Relationship<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Relationship<'a> {
    #[serde(borrow)]
    target: TaxonRef<'a>,
}

/// A reference to a taxonomy entry (`relationships[].target`, `results[].taxa[]`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct TaxonRef<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(rename = "toolComponent", borrow)]
    tool_component: Option<ToolComponentRef<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolComponentRef<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Configuration<'a> {
    #[serde(borrow)]
    level: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleProperties<'a> {
    #[serde(borrow)]
    tags: Option<Vec<Str<'a>>>,
    #[serde(rename = "security-severity", borrow)]
    security_severity: Option<Str<'a>>,
    #[serde(rename = "cvssV3_severity", borrow)]
    cvss_v3_severity: Option<Str<'a>>,
    #[serde(rename = "cvssV3")]
    cvss_v3: LooseNumber,
    #[serde(rename = "cvssV3_vector", borrow)]
    cvss_v3_vector: Option<Str<'a>>,
    #[serde(rename = "cvssv3_baseScore")]
    trivy_cvss_score: LooseNumber,
    #[serde(rename = "cvssv3_vector", borrow)]
    trivy_cvss_vector: Option<Str<'a>>,
    #[serde(rename = "fixed_version", borrow)]
    fixed_version: Option<Str<'a>>,
    #[serde(rename = "problem.severity", borrow)]
    problem_severity: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SarifResult<'a> {
    #[serde(rename = "ruleId", borrow)]
    rule_id: Option<Str<'a>>,
    #[serde(rename = "ruleIndex")]
    rule_index: LooseNumber,
    #[serde(borrow)]
    rule: Option<RuleRef<'a>>,
    #[serde(borrow)]
    level: Option<Str<'a>>,
    #[serde(borrow)]
    message: Message<'a>,
    #[serde(borrow)]
    locations: Option<Vec<ResultLocation<'a>>>,
    #[serde(borrow)]
    suppressions: Option<Vec<Suppression<'a>>>,
    /// GitHub code scanning's stable location identity (`primaryLocationLineHash`…).
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    #[serde(borrow)]
    taxa: Option<Vec<TaxonRef<'a>>>,
    #[serde(borrow)]
    fixes: Option<Vec<Fix<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Fix<'a> {
    #[serde(borrow)]
    description: Option<Message<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleRef<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Suppression<'a> {
    #[serde(borrow)]
    status: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResultLocation<'a> {
    #[serde(rename = "physicalLocation", borrow)]
    physical: Option<PhysicalLocation<'a>>,
    #[serde(rename = "logicalLocations", borrow)]
    logical: Option<Vec<LogicalLocation<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LogicalLocation<'a> {
    #[serde(rename = "fullyQualifiedName", borrow)]
    fully_qualified_name: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PhysicalLocation<'a> {
    #[serde(rename = "artifactLocation", borrow)]
    artifact: Option<ArtifactLocation<'a>>,
    #[serde(borrow)]
    region: Option<Region<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocation<'a> {
    #[serde(borrow)]
    uri: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Region<'a> {
    #[serde(rename = "startLine")]
    start_line: LooseNumber,
    #[serde(rename = "startColumn")]
    start_column: LooseNumber,
    #[serde(borrow)]
    snippet: Option<Message<'a>>,
}

/// The producing tool decides how results are read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flavour {
    Trivy,
    Scout,
    Grype,
    /// Snyk Container and Snyk Open Source (docs/identity.md, "One scan in two formats").
    Snyk,
    Dockle,
    SecretScanner,
    VulnScanner,
    /// scandeck's own image and container checks.
    NativeImage,
    /// scandeck's own project posture checks.
    NativePosture,
    Other,
}

/// The tool names scandeck's own checks write in their SARIF
/// (`scan::native_report`): image configuration, project posture, secrets.
pub const NATIVE_IMAGE_TOOL: &str = "scandeck-image";
pub const NATIVE_POSTURE_TOOL: &str = "scandeck-posture";
pub const NATIVE_SECRETS_TOOL: &str = "scandeck-secrets";

pub(crate) fn flavour_of(tool: &str) -> Flavour {
    let t = tool.to_ascii_lowercase();
    if t == NATIVE_IMAGE_TOOL {
        Flavour::NativeImage
    } else if t == NATIVE_POSTURE_TOOL {
        Flavour::NativePosture
    } else if t == NATIVE_SECRETS_TOOL {
        Flavour::SecretScanner
    } else if t == "trivy" {
        Flavour::Trivy
    } else if t == "docker scout" {
        Flavour::Scout
    } else if t == "grype" {
        Flavour::Grype
    } else if t.starts_with("snyk") {
        Flavour::Snyk
    } else if t == "dockle" {
        Flavour::Dockle
    } else if t.contains("gitleaks") || t.contains("trufflehog") || t.contains("detect-secrets") {
        Flavour::SecretScanner
    } else if t.contains("anchore") || t.contains("dependency-check") || t.contains("snyk") {
        Flavour::VulnScanner
    } else {
        Flavour::Other
    }
}

fn scanner_name(tool: &str) -> String {
    match tool.to_ascii_lowercase().as_str() {
        "docker scout" => "docker-scout".to_string(),
        other => other.split_whitespace().collect::<Vec<_>>().join("-"),
    }
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let log: Log =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::Sarif, e))?;
    let tool_name = log
        .runs
        .first()
        .and_then(|r| text(&r.tool.driver.name))
        .unwrap_or_else(|| "sarif".into());
    let mut report = ParsedReport::new(Format::Sarif, &scanner_name(&tool_name));
    for run in log.runs {
        parse_run(run, ctx, &mut report);
    }
    Ok(report)
}

fn parse_run(run: Run, ctx: &ParseContext, report: &mut ParsedReport) {
    let tool = text(&run.tool.driver.name).unwrap_or_else(|| "sarif".into());
    let flavour = flavour_of(&tool);
    let version =
        text(&run.tool.driver.version).or_else(|| text(&run.tool.driver.semantic_version));
    if report.scanner_version.is_none() {
        report.scanner_version = version.clone();
    }
    let source = source_info(&scanner_name(&tool), version, ctx);
    if report.artifact.is_none() {
        report.artifact = run_artifact(&run, flavour);
    }
    if let Some(props) = &run.properties {
        let tags: Vec<String> = props
            .repo_tags
            .iter()
            .flatten()
            .map(|t| t.as_str().to_string())
            .collect();
        if let Some(name) = image::reported_name(text(&props.image_name).as_deref(), &tags) {
            let digest = props
                .repo_digests
                .iter()
                .flatten()
                .find_map(|d| d.as_str().split('@').nth(1).map(str::to_string));
            report.image = Some(ImageRef {
                name: image::clean_image_name(&name),
                digest,
                id: text(&props.image_id),
                ..ImageRef::default()
            });
        }
    }
    let mut rules: Vec<&Rule> = run.tool.driver.rules.iter().flatten().collect();
    rules.extend(
        run.tool
            .extensions
            .iter()
            .flatten()
            .flat_map(|e| e.rules.iter().flatten()),
    );
    let by_id: HashMap<&str, &Rule> = rules
        .iter()
        .filter_map(|r| r.id.as_ref().map(|id| (id.as_str(), *r)))
        .collect();
    let mut details_cache: HashMap<String, Arc<Details>> = HashMap::new();
    let mut targets: HashMap<String, Arc<str>> = HashMap::new();
    for result in run.results.unwrap_or_default() {
        let message = text(&result.message.text)
            .or_else(|| text(&result.message.markdown))
            .unwrap_or_default();
        let rule_id =
            text(&result.rule_id).or_else(|| result.rule.as_ref().and_then(|r| text(&r.id)));
        let rule = rule_id
            .as_deref()
            .and_then(|id| by_id.get(id).copied())
            .or_else(|| {
                result
                    .rule_index
                    .as_line()
                    .and_then(|i| rules.get(i as usize).copied())
                    .filter(|_| rule_id.is_none())
            })
            .or_else(|| {
                // gitleaks 7 results carry no rule id; the message starts with the rule's id.
                rule_id
                    .is_none()
                    .then(|| {
                        rules.iter().copied().find(|r| {
                            r.id.as_ref()
                                .is_some_and(|id| message.starts_with(id.as_str()))
                        })
                    })
                    .flatten()
            });
        let raw_id = rule_id
            .or_else(|| rule.and_then(|r| text(&r.id)))
            .unwrap_or_else(|| summary_line(&message));
        let id = ids_in_text(&raw_id)
            .into_iter()
            .next()
            .or_else(|| advisory_before_package(&raw_id))
            .unwrap_or_else(|| raw_id.clone());
        let kind = kind_for(flavour, &id, rule);
        let location = result
            .locations
            .iter()
            .flatten()
            .find_map(|l| l.physical.as_ref());
        let uri = location
            .and_then(|p| p.artifact.as_ref())
            .and_then(|a| text(&a.uri))
            .map(|u| decode_uri(&u));
        let line = location
            .and_then(|p| p.region.as_ref())
            .and_then(|r| r.start_line.as_line());
        let mut target_name = uri.clone().unwrap_or_default();
        if matches!(flavour, Flavour::NativeImage | Flavour::NativePosture) {
            // scandeck's own reports name the file, then `#` and what in it.
            if let Some((file, _)) = target_name.split_once('#') {
                target_name = file.to_string();
            }
        }
        let target = targets
            .entry(target_name.clone())
            .or_insert_with(|| Arc::from(target_name.as_str()))
            .clone();
        let mut f = blank_finding(kind, id.clone(), &source, &target);
        f.aliases = ids_in_text(&raw_id)
            .into_iter()
            .filter(|a| *a != id)
            .collect();
        if flavour == Flavour::Snyk {
            // Snyk names the CVE only in the rule's full description.
            let full = rule
                .and_then(|r| r.full_description.as_ref())
                .and_then(|m| text(&m.text))
                .unwrap_or_default();
            f.aliases
                .extend(ids_in_text(&full).into_iter().filter(|a| *a != id));
        }
        let mut fields = MessageFields::parse(&message);
        if flavour == Flavour::Grype {
            // Grype's rule help is `Severity: low\nPackage: …\nFix Version: …`:
            // the fields its JSON has, which its message only half says.
            let help = rule
                .and_then(|r| r.help.as_ref())
                .and_then(|h| text(&h.text))
                .unwrap_or_default();
            fields = MessageFields::parse(&help);
            if report.image.is_none() {
                report.image = grype_image(&message);
            }
        }
        (f.severity, f.severity_raw) = severity_for(flavour, &result, rule, &fields);
        // Without a rule, each result's message is its own title and text.
        let details_key = match rule {
            Some(_) => format!("{raw_id}\u{1f}rule"),
            None => format!("{raw_id}\u{1f}{message}"),
        };
        f.details = details_cache
            .entry(details_key)
            .or_insert_with(|| {
                let mut details = rule_details(rule, &message, &id, flavour);
                details.cwes = cwes_of(rule, result.taxa.as_deref().unwrap_or_default());
                Arc::new(details)
            })
            .clone();
        f.package = match flavour {
            Flavour::Snyk => snyk_package(&result, rule),
            Flavour::Grype => grype_help_package(&fields)
                .or_else(|| package_for(flavour, &fields, &message, rule)),
            _ => package_for(flavour, &fields, &message, rule),
        }
        .or_else(|| package_from_rule_id(&raw_id, &id));
        if flavour == Flavour::Trivy {
            if let Some(pkg) = f.package.as_mut() {
                pkg.ecosystem = trivy_ecosystem(rule, uri.as_deref(), report.image.as_ref());
            }
        }
        let mut place = Location::at(uri.clone(), line);
        if flavour == Flavour::Snyk {
            // As Snyk's JSON has it: a project scan's package sits in its
            // manifest; a container scan's in the image, the file named only
            // as the target (snyk/cli `get-sarif-result.ts` writes the
            // Dockerfile or the image reference there).
            if tool.to_ascii_lowercase().contains("container") {
                place.path = None;
            } else if let Some(pkg) = f.package.as_mut() {
                pkg.path = uri;
            }
        }
        place.column = location
            .and_then(|p| p.region.as_ref())
            .and_then(|r| r.start_column.as_line());
        if kind != Kind::Secret {
            place.content = content_identity(&result, location);
        }
        f.location = place.into();
        f.suppressed_by_tool = result.suppressions.as_ref().is_some_and(|s| {
            !s.is_empty()
                && s.iter()
                    .any(|x| x.status.as_ref().is_none_or(|st| st.as_str() == "accepted"))
        });
        if kind == Kind::Secret {
            let snippet = location
                .and_then(|p| p.region.as_ref())
                .and_then(|r| r.snippet.as_ref())
                .and_then(|s| text(&s.text));
            let identity =
                snippet.unwrap_or_else(|| format!("{}:{}", target_name, line.unwrap_or(0)));
            f.secret = Some(Box::new(ctx.redactor.redact(&identity)));
        }
        report.findings.push(f);
    }
}

/// What the flagged code is, independent of its line: the tool's
/// `partialFingerprints` (GitHub's `primaryLocationLineHash` first), else a
/// hash of the snippet. Never used for secrets, whose snippet is the secret.
fn content_identity(result: &SarifResult, location: Option<&PhysicalLocation>) -> Option<String> {
    if let Some(partial) = &result.partial_fingerprints {
        let chosen = partial
            .get("primaryLocationLineHash")
            .or_else(|| partial.values().next());
        if let Some(value) = chosen {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !text.trim().is_empty() {
                return Some(format!("partial:{}", text.trim()));
            }
        }
    }
    let snippet = location
        .and_then(|p| p.region.as_ref())
        .and_then(|r| r.snippet.as_ref())
        .and_then(|s| text(&s.text))
        .filter(|t| !t.trim().is_empty())?;
    Some(format!(
        "snippet:{}",
        crate::model::fingerprint::content_hash(&snippet)
    ))
}

fn kind_for(flavour: Flavour, id: &str, rule: Option<&Rule>) -> Kind {
    let tags: Vec<String> = rule
        .and_then(|r| r.properties.as_ref())
        .and_then(|p| p.tags.as_ref())
        .map(|t| t.iter().map(|s| s.as_str().to_ascii_lowercase()).collect())
        .unwrap_or_default();
    kind_from_tags(flavour, id, &tags)
}

/// Shared with the storage redaction, which must agree on what is a secret.
pub(crate) fn kind_from_tags(flavour: Flavour, id: &str, tags: &[String]) -> Kind {
    let looks_like_advisory = id.starts_with("CVE-") || id.starts_with("GHSA-");
    match flavour {
        Flavour::SecretScanner => Kind::Secret,
        Flavour::Dockle | Flavour::NativeImage => Kind::ImageConfig,
        Flavour::NativePosture => Kind::Posture,
        Flavour::Scout | Flavour::Grype | Flavour::Snyk | Flavour::VulnScanner => {
            Kind::Vulnerability
        }
        _ if tags.iter().any(|t| t == "secret") => Kind::Secret,
        _ if looks_like_advisory || tags.iter().any(|t| t == "vulnerability") => {
            Kind::Vulnerability
        }
        _ => Kind::Misconfiguration,
    }
}

fn severity_for(
    flavour: Flavour,
    result: &SarifResult,
    rule: Option<&Rule>,
    fields: &MessageFields,
) -> (Severity, Option<Arc<str>>) {
    let snyk_word = (flavour == Flavour::Snyk)
        .then(|| snyk_severity_word(rule))
        .flatten();
    let (severity, raw) = match snyk_word {
        Some(word) => (Severity::from_word(&word), Some(word)),
        None => severity_and_word(result, rule, fields),
    };
    (severity, crate::model::words::opt_word(raw))
}

/// Snyk's own rating, which its SARIF keeps only as the first word of the
/// rule's short description (`"High severity - …"`); `level` folds critical
/// and high into `error`, and `security-severity` is the CVSS score, not
/// Snyk's rating (docs/identity.md, "One scan in two formats").
fn snyk_severity_word(rule: Option<&Rule>) -> Option<String> {
    let short = rule?
        .short_description
        .as_ref()
        .and_then(|m| text(&m.text))?;
    let (word, _) = short.split_once(" severity")?;
    let word = word.trim();
    ["Critical", "High", "Medium", "Low"]
        .iter()
        .find(|w| w.eq_ignore_ascii_case(word))
        .map(|w| w.to_string())
}

/// Snyk puts the package in the result's logical location
/// (`openssl@1.1.1n-r0`, `ch.qos.logback:logback-core@1.1.8`), the package
/// type in the rule's last tag, and the upgrade in `fixes[]`.
fn snyk_package(result: &SarifResult, rule: Option<&Rule>) -> Option<Package> {
    let qualified = result
        .locations
        .iter()
        .flatten()
        .flat_map(|l| l.logical.iter().flatten())
        .find_map(|l| text(&l.fully_qualified_name))?;
    let (name, version) = match qualified.rsplit_once('@') {
        Some((n, v)) if !n.is_empty() => (n.to_string(), Some(v.to_string())),
        _ => (qualified.clone(), None),
    };
    let ecosystem = rule
        .and_then(|r| r.properties.as_ref())
        .and_then(|p| p.tags.as_ref())
        .and_then(|tags| tags.last())
        .map(|t| t.as_str().to_ascii_lowercase())
        .filter(|t| t != "security" && !t.starts_with("cwe-"));
    // "Upgrade to openssl/libcrypto1.1@1.1.1q-r0": a fix of this package (or
    // of one of its binary packages); an open-source fix may name another,
    // top-level package, which is no fixed version of this one.
    let fixed: Vec<String> = result
        .fixes
        .iter()
        .flatten()
        .filter_map(|f| f.description.as_ref().and_then(|d| text(&d.text)))
        .filter_map(|d| {
            let target = d.trim().strip_prefix("Upgrade to ")?.trim().to_string();
            let (fixed_name, fixed_version) = target.rsplit_once('@')?;
            let same = fixed_name == name || fixed_name.starts_with(&format!("{name}/"));
            same.then(|| fixed_version.to_string())
        })
        .collect();
    Some(Package {
        name,
        ecosystem: crate::model::words::opt_word(ecosystem),
        installed: crate::model::words::opt_word(version),
        fixed: crate::model::words::words(fixed),
        ..Package::default()
    })
}

/// Trivy SARIF does not say a package's type: an OS package is found in the
/// image itself (its result points at the image, its rule is
/// `OsPackageVulnerability`); it is marked `os`.
fn trivy_ecosystem(
    rule: Option<&Rule>,
    uri: Option<&str>,
    image: Option<&ImageRef>,
) -> Option<Arc<str>> {
    let rule_name = rule
        .and_then(|r| text(&r.name))
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(' ', "");
    let at_image = match (uri, image) {
        (Some(uri), Some(image)) => {
            let repo = image.repository();
            uri == repo || uri.ends_with(&format!("/{repo}")) || repo.ends_with(uri)
        }
        _ => false,
    };
    // A language package's type is left to its manifest's name, which the
    // fingerprint reads (`fingerprint::ecosystem_class`).
    (rule_name.contains("ospackage") || at_image).then(|| crate::model::words::word("os"))
}

/// CWE ids from a rule's tags (`CWE-327`, `CWE-89: …`, CodeQL's
/// `external/cwe/cwe-079`), its relationships to the CWE taxonomy, and the
/// result's own `taxa`.
fn cwes_of(rule: Option<&Rule>, taxa: &[TaxonRef]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |text: &str| {
        if let Some(cwe) = cwe_of(text) {
            if !out.contains(&cwe) {
                out.push(cwe);
            }
        }
    };
    if let Some(rule) = rule {
        for tag in rule
            .properties
            .as_ref()
            .and_then(|p| p.tags.as_ref())
            .into_iter()
            .flatten()
        {
            add(tag.as_str());
        }
        for rel in rule.relationships.iter().flatten() {
            add_taxon(&rel.target, &mut add);
        }
    }
    for taxon in taxa {
        add_taxon(taxon, &mut add);
    }
    out
}

fn add_taxon(taxon: &TaxonRef, add: &mut impl FnMut(&str)) {
    let in_cwe = taxon
        .tool_component
        .as_ref()
        .and_then(|c| text(&c.name))
        .is_some_and(|n| n.eq_ignore_ascii_case("cwe"));
    if let Some(id) = text(&taxon.id) {
        if in_cwe && id.chars().all(|c| c.is_ascii_digit()) {
            add(&format!("CWE-{id}"));
        } else {
            add(&id);
        }
    }
}

/// `CWE-79` from `CWE-79`, `cwe-079: Cross-site…` or `external/cwe/cwe-79`.
fn cwe_of(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("external/cwe/")
        .unwrap_or(&lower)
        .strip_prefix("cwe-")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.parse().ok()?;
    Some(format!("CWE-{number}"))
}

/// `RUSTSEC-2016-0001` of the old Trivy rule id `RUSTSEC-2016-0001/openssl`
/// (any `PREFIX-YEAR-NUMBER` advisory with the package glued on by `/`).
fn advisory_before_package(raw_id: &str) -> Option<String> {
    let (advisory, package) = raw_id.split_once('/')?;
    let mut parts = advisory.split('-');
    let prefix = parts.next()?;
    let year = parts.next()?;
    let number = parts.next()?;
    let looks_like = !package.is_empty()
        && !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_alphanumeric())
        && parts.next().is_none();
    looks_like.then(|| advisory.to_ascii_uppercase())
}

/// What a run says it scanned when it names no image: the repository of its
/// version-control provenance, the absolute root its URIs are relative to,
/// or its automation id without the run's instance (Snyk:
/// `Snyk/Open Source/<project>/0/<time>`).
fn run_artifact(run: &Run, flavour: Flavour) -> Option<String> {
    if let Some(repo) = run
        .version_control_provenance
        .iter()
        .flatten()
        .find_map(|v| text(&v.repository_uri))
    {
        return Some(repo);
    }
    if let Some(root) = run
        .original_uri_base_ids
        .iter()
        .flatten()
        .find_map(|(_, l)| {
            text(&l.uri)
                .map(|u| decode_uri(&u))
                .filter(|u| u.trim_end_matches('/').len() > 1 && u.starts_with('/'))
        })
    {
        return Some(root.trim_end_matches('/').to_string());
    }
    let id = run.automation_details.as_ref().and_then(|a| text(&a.id))?;
    let mut parts: Vec<&str> = id.split('/').collect();
    if flavour == Flavour::Snyk && parts.len() > 2 {
        parts.drain(..2);
    }
    while parts.last().is_some_and(|p| {
        p.is_empty()
            || p.chars().all(|c| c.is_ascii_digit())
            || (p.len() >= 10 && p[..4].chars().all(|c| c.is_ascii_digit()))
    }) {
        parts.pop();
    }
    let name = parts.join("/");
    (!name.is_empty()).then_some(name)
}

fn severity_and_word(
    result: &SarifResult,
    rule: Option<&Rule>,
    fields: &MessageFields,
) -> (Severity, Option<String>) {
    let props = rule.and_then(|r| r.properties.as_ref());
    if let Some(word) = props.and_then(|p| text(&p.cvss_v3_severity)) {
        return (Severity::from_word(&word), Some(word));
    }
    const WORDS: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];
    if let Some(tag) = props
        .and_then(|p| p.tags.as_ref())
        .and_then(|t| t.iter().find(|t| WORDS.contains(&t.as_str())))
    {
        return (
            Severity::from_word(tag.as_str()),
            Some(tag.as_str().to_string()),
        );
    }
    if let Some(word) = fields.get("severity") {
        return (Severity::from_word(word), Some(word.to_string()));
    }
    if let Some(word) = props.and_then(|p| text(&p.security_severity)) {
        let sev = Severity::from_word(&word);
        if sev != Severity::Unknown {
            return (sev, Some(word));
        }
    }
    if let Some(raw_id) = result.rule_id.as_ref().map(Str::as_str) {
        // Earliest Trivy template: "[MEDIUM] CVE-…".
        if let Some(word) = raw_id.strip_prefix('[').and_then(|r| r.split(']').next()) {
            return (Severity::from_word(word), Some(word.to_string()));
        }
    }
    if let Some(word) = props.and_then(|p| text(&p.problem_severity)) {
        let mapped = match word.as_str() {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            _ => Severity::Low,
        };
        return (mapped, Some(word));
    }
    let level = text(&result.level)
        .or_else(|| {
            rule.and_then(|r| r.default_configuration.as_ref())
                .and_then(|c| text(&c.level))
        })
        .unwrap_or_else(|| "warning".to_string());
    (Severity::from_sarif_level(&level), Some(level))
}

fn rule_details(rule: Option<&Rule>, message: &str, id: &str, flavour: Flavour) -> Details {
    let Some(rule) = rule else {
        return Details {
            title: Some(summary_line(message)),
            description: Some(message.to_string()),
            ..Details::default()
        };
    };
    let short = rule.short_description.as_ref().and_then(|m| text(&m.text));
    // Scout titles read "CVE-…: Title"; keep the title part.
    let short = short.map(|s| {
        s.strip_prefix(&format!("{id}: "))
            .map(str::to_string)
            .unwrap_or(s)
    });
    let full = rule.full_description.as_ref().and_then(|m| text(&m.text));
    let help = rule.help.as_ref().and_then(|m| text(&m.text));
    let description = match flavour {
        Flavour::Scout => help.or(full),
        _ => full
            .or(help)
            .or_else(|| Some(message.to_string()).filter(|m| !m.is_empty())),
    };
    let title = short
        .or_else(|| text(&rule.name))
        .or_else(|| Some(summary_line(message)));
    let props = rule.properties.as_ref();
    let cvss_score = props.and_then(|p| p.cvss_v3.0.or(p.trivy_cvss_score.0));
    let cvss_vector =
        props.and_then(|p| text(&p.cvss_v3_vector).or_else(|| text(&p.trivy_cvss_vector)));
    Details {
        title,
        description: description.map(|d| d.replace("\r\n", "\n")),
        references: text(&rule.help_uri).into_iter().collect(),
        cvss_score,
        cvss_vector,
        ..Details::default()
    }
}

fn package_for(
    flavour: Flavour,
    fields: &MessageFields,
    message: &str,
    rule: Option<&Rule>,
) -> Option<Package> {
    match flavour {
        Flavour::Scout => {
            let purl = fields.get("package")?;
            let (name, version, ecosystem) = split_purl(purl);
            let fixed = fields.get("fixed version").map(str::to_string).or_else(|| {
                rule.and_then(|r| r.properties.as_ref())
                    .and_then(|p| text(&p.fixed_version))
            });
            Some(Package {
                name,
                ecosystem: crate::model::words::opt_word(ecosystem),
                installed: crate::model::words::opt_word(version),
                fixed: crate::model::words::words(fixed.into_iter().filter(|f| f != "not fixed")),
                purl: Some(purl.to_string()),
                path: None,
            })
        }
        Flavour::Trivy => {
            let name = fields.get("package")?.to_string();
            Some(Package {
                name,
                installed: crate::model::words::opt_word(
                    fields.get("installed version").map(str::to_string),
                ),
                fixed: super::split_versions(fields.get("fixed version")),
                ..Package::default()
            })
        }
        Flavour::Grype => grype_message_package(message),
        _ => None,
    }
}

/// Grype's rule help fields (`Package:`, `Version:`, `Fix Version:` as a
/// comma list, `Type:`), as its JSON has them.
fn grype_help_package(fields: &MessageFields) -> Option<Package> {
    let name = fields.get("package")?.to_string();
    Some(Package {
        name,
        ecosystem: crate::model::words::opt_word(fields.get("type").map(str::to_string)),
        installed: crate::model::words::opt_word(fields.get("version").map(str::to_string)),
        fixed: super::split_versions(fields.get("fix version")),
        ..Package::default()
    })
}

/// The image a Grype SARIF result names: "… was found in image NAME at: …".
fn grype_image(message: &str) -> Option<ImageRef> {
    let rest = message.split(" was found in image ").nth(1)?;
    let name = rest.split(" at: ").next()?.trim();
    (!name.is_empty()).then(|| ImageRef::named(&image::clean_image_name(name)))
}

/// "A low vulnerability in rpm package: package-1, version 1.1.1 was found …" or
/// "The path X reports NAME at version VER …".
fn grype_message_package(message: &str) -> Option<Package> {
    if let Some(rest) = message.split(" package: ").nth(1) {
        let name = rest.split(", version ").next()?.trim().to_string();
        let version = rest
            .split(", version ")
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_string);
        let ecosystem = message
            .split(" vulnerability in ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_string);
        return Some(Package {
            name,
            ecosystem: crate::model::words::opt_word(ecosystem),
            installed: crate::model::words::opt_word(version),
            ..Package::default()
        });
    }
    let rest = message.split(" reports ").nth(1)?;
    let name = rest.split(" at version ").next()?.trim().to_string();
    let version = rest
        .split(" at version ")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_string);
    Some(Package {
        name,
        installed: crate::model::words::opt_word(version),
        ..Package::default()
    })
}

/// Rule ids that carry the package after the advisory (`CVE-2018-14618/curl`,
/// `ANCHOREVULN_CVE-2019-18276_dpkg_bash-4.3`) name what tells two results apart.
fn package_from_rule_id(raw_id: &str, id: &str) -> Option<Package> {
    let (_, rest) = raw_id.split_once(id)?;
    let name =
        rest.trim_matches(|c: char| c == '/' || c == '_' || c == '-' || c == ' ' || c == ':');
    // Old Trivy templates upper-case the package (`CVE-2008-0732-GERONIMO-JMS`).
    let name = if name.chars().any(|c| c.is_ascii_lowercase()) {
        name.to_string()
    } else {
        name.to_ascii_lowercase()
    };
    (!name.is_empty()).then(|| Package {
        name,
        ..Package::default()
    })
}

/// `pkg:npm/%40scope/name@1.2.3?x=y` → (`@scope/name`, `1.2.3`, `npm`).
pub fn split_purl(purl: &str) -> (String, Option<String>, Option<String>) {
    let ecosystem = super::purl_type(purl);
    let body = purl.strip_prefix("pkg:").unwrap_or(purl);
    let body = body.split(['?', '#']).next().unwrap_or(body);
    let after_type = body.split_once('/').map_or(body, |(_, rest)| rest);
    let (path, version) = match after_type.rsplit_once('@') {
        Some((p, v)) => (p, Some(percent_decode(v))),
        None => (after_type, None),
    };
    let name = percent_decode(path.rsplit('/').next().unwrap_or(path));
    let namespace = path.rsplit_once('/').map(|(ns, _)| percent_decode(ns));
    let full = match (ecosystem.as_deref(), namespace) {
        (Some("npm"), Some(ns)) | (Some("golang"), Some(ns)) | (Some("maven"), Some(ns)) => {
            format!("{ns}/{name}")
        }
        _ => name,
    };
    (full, version, ecosystem)
}

/// `key : value` lines of Scout and Trivy result messages, keys lower-cased and trimmed.
struct MessageFields(Vec<(String, String)>);

impl MessageFields {
    fn parse(message: &str) -> MessageFields {
        let mut out = Vec::new();
        for line in message.lines() {
            if let Some((k, v)) = line.split_once(':') {
                let key = k.trim().to_ascii_lowercase();
                if !key.is_empty() && key.len() < 40 && !key.contains('[') {
                    out.push((key, v.trim().to_string()));
                }
            }
        }
        MessageFields(out)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn decode_uri(uri: &str) -> String {
    let stripped = uri.strip_prefix("file://").unwrap_or(uri);
    percent_decode(stripped)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            ) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_split_into_name_version_ecosystem() {
        assert_eq!(
            split_purl("pkg:npm/%40tootallnate/once@1.1.2"),
            (
                "@tootallnate/once".into(),
                Some("1.1.2".into()),
                Some("npm".into())
            )
        );
        assert_eq!(
            split_purl("pkg:pypi/pillow@9.4.0"),
            ("pillow".into(), Some("9.4.0".into()), Some("pypi".into()))
        );
        assert_eq!(
            split_purl("pkg:deb/debian/libc6@2.36?arch=amd64"),
            ("libc6".into(), Some("2.36".into()), Some("deb".into()))
        );
    }

    #[test]
    fn percent_decoding_tolerates_bad_escapes() {
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
    }
}
