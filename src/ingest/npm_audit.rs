//! npm audit JSON: v2 (npm ≥ 7, one entry per vulnerable package with `via`
//! advisories), v1 (npm 6, `advisories` by id), and the error object
//! (docs/formats.md §7). Findings are counted by advisory, not by package entry.

use super::json::{ids_in_text, text, LooseList, LooseNumber, Skip, Str};
use super::{
    blank_finding, severity_of, source_info, summary_line, Format, IngestError, ParseContext,
    ParsedReport,
};
use crate::model::{Details, Kind, Package, SourceInfo};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct V2<'a> {
    #[serde(borrow)]
    vulnerabilities: BTreeMap<String, Entry<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    via: Vec<Via<'a>>,
    #[serde(borrow)]
    nodes: Option<Vec<Str<'a>>>,
    #[serde(rename = "fixAvailable", borrow)]
    fix_available: Option<FixAvailable<'a>>,
}

/// A `via` element: an advisory object, or the name of another vulnerable package.
#[derive(Deserialize)]
#[serde(untagged)]
enum Via<'a> {
    #[serde(borrow)]
    Advisory(Box<Advisory<'a>>),
    Package(Skip),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Advisory<'a> {
    source: LooseNumber,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    title: Option<Str<'a>>,
    #[serde(borrow)]
    url: Option<Str<'a>>,
    #[serde(borrow)]
    severity: Option<Str<'a>>,
    #[serde(borrow)]
    range: Option<Str<'a>>,
    #[serde(borrow)]
    cwe: LooseList<'a>,
    cvss: Option<Cvss<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cvss<'a> {
    score: LooseNumber,
    #[serde(rename = "vectorString", borrow)]
    vector: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FixAvailable<'a> {
    Flag(bool),
    #[serde(borrow)]
    Upgrade(Upgrade<'a>),
    Other(Skip),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Upgrade<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(rename = "isSemVerMajor")]
    major: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V1<'a> {
    #[serde(borrow)]
    advisories: BTreeMap<String, V1Advisory<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V1Advisory<'a> {
    id: LooseNumber,
    #[serde(borrow)]
    module_name: Option<Str<'a>>,
    #[serde(borrow)]
    title: Option<Str<'a>>,
    #[serde(borrow)]
    overview: Option<Str<'a>>,
    #[serde(borrow)]
    recommendation: Option<Str<'a>>,
    #[serde(borrow)]
    severity: Option<Str<'a>>,
    #[serde(borrow)]
    url: Option<Str<'a>>,
    #[serde(borrow)]
    github_advisory_id: Option<Str<'a>>,
    #[serde(borrow)]
    cves: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    patched_versions: Option<Str<'a>>,
    #[serde(borrow)]
    vulnerable_versions: Option<Str<'a>>,
    /// `"CWE-471"`, a JSON-encoded list in a string, or a list (npm 6).
    #[serde(borrow)]
    cwe: LooseList<'a>,
    #[serde(borrow)]
    findings: Option<Vec<V1Finding<'a>>>,
    #[serde(borrow)]
    created: Option<Str<'a>>,
    #[serde(borrow)]
    updated: Option<Str<'a>>,
    cvss: Option<Cvss<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V1Finding<'a> {
    #[serde(borrow)]
    version: Option<Str<'a>>,
    paths: Option<Vec<Skip>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorReport<'a> {
    #[serde(borrow)]
    error: ErrorBody<'a>,
    /// The registry's answer when the audit endpoint refused the request.
    #[serde(rename = "statusCode")]
    status_code: Option<f64>,
    #[serde(borrow)]
    message: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody<'a> {
    #[serde(borrow)]
    code: Option<Str<'a>>,
    #[serde(borrow)]
    summary: Option<Str<'a>>,
}

/// The advisory id npm uses: GHSA from the advisory URL, else `NPM-<number>`.
/// The bare advisory number (`1179`) is an alias too: npm's own output and
/// old tickets name advisories by it.
pub fn advisory_id(url: Option<&str>, number: Option<f64>) -> (String, Vec<String>) {
    let number = number
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n as u64);
    let npm = number.map(|n| format!("NPM-{n}"));
    let bare = number.map(|n| n.to_string());
    match url
        .map(ids_in_text)
        .and_then(|ids| ids.into_iter().find(|i| i.starts_with("GHSA-")))
    {
        Some(ghsa) => (ghsa, npm.into_iter().chain(bare).collect()),
        None => (
            npm.unwrap_or_else(|| "NPM-UNKNOWN".into()),
            bare.into_iter().collect(),
        ),
    }
}

pub fn parse(body: &[u8], format: Format, ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let source = source_info("npm-audit", None, ctx);
    let target: Arc<str> = Arc::from(ctx.report_name);
    let mut report = ParsedReport::new(format, "npm-audit");
    match format {
        Format::NpmAuditError => {
            let e: ErrorReport =
                serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e))?;
            let code = text(&e.error.code)
                .or_else(|| {
                    e.status_code
                        .map(|c| format!("the registry answered HTTP {c}"))
                })
                .unwrap_or_else(|| "no code".into());
            let summary = text(&e.error.summary)
                .or_else(|| text(&e.message))
                .unwrap_or_else(|| "no summary".into());
            return Err(IngestError::NpmAuditError {
                code: crate::sanitize::sanitize_line(&code).into_owned(),
                summary: crate::sanitize::sanitize_line(&summary).into_owned(),
            });
        }
        Format::NpmAuditV1 => {
            let v1: V1 = serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e))?;
            for adv in v1.advisories.into_values() {
                add_v1(adv, &source, &target, &mut report);
            }
        }
        _ => {
            let v2: V2 = serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e))?;
            for (key, entry) in v2.vulnerabilities {
                add_v2(&key, entry, &source, &target, &mut report);
            }
        }
    }
    Ok(report)
}

fn add_v2(
    key: &str,
    entry: Entry,
    source: &Arc<SourceInfo>,
    target: &Arc<str>,
    report: &mut ParsedReport,
) {
    let entry_name = text(&entry.name).unwrap_or_else(|| key.to_string());
    let fixed = match &entry.fix_available {
        Some(FixAvailable::Flag(true)) => vec!["available via npm audit fix".to_string()],
        Some(FixAvailable::Upgrade(u)) => {
            let name = text(&u.name).unwrap_or_default();
            let version = text(&u.version).unwrap_or_default();
            let major = if u.major == Some(true) {
                " (major)"
            } else {
                ""
            };
            vec![format!("{name}@{version}{major}")]
        }
        _ => Vec::new(),
    };
    let node = entry
        .nodes
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.as_str().to_string());
    for via in entry.via {
        let Via::Advisory(adv) = via else { continue };
        let (id, aliases) = advisory_id(adv.url.as_ref().map(Str::as_str), adv.source.0);
        let mut f = blank_finding(Kind::Vulnerability, id, source, target);
        f.aliases = aliases;
        (f.severity, f.severity_raw) = severity_of(adv.severity.as_ref().map(Str::as_str));
        let range = text(&adv.range);
        let cvss = adv.cvss.unwrap_or_default();
        f.details = Arc::new(Details {
            title: text(&adv.title),
            description: range.map(|r| format!("Vulnerable versions: {r}")),
            references: text(&adv.url).into_iter().collect(),
            cvss_score: cvss.score.0.filter(|s| *s > 0.0),
            cvss_vector: text(&cvss.vector),
            cwes: adv.cwe.0.iter().map(|c| c.as_str().to_string()).collect(),
            ..Details::default()
        });
        f.package = Some(Package {
            name: text(&adv.name).unwrap_or_else(|| entry_name.clone()),
            ecosystem: Some("npm".into()),
            installed: None,
            fixed: crate::model::words::words(&fixed),
            purl: None,
            path: node.clone(),
        });
        report.findings.push(f);
    }
}

fn add_v1(adv: V1Advisory, source: &Arc<SourceInfo>, target: &Arc<str>, report: &mut ParsedReport) {
    let ghsa = text(&adv.github_advisory_id);
    let (mut id, mut aliases) = advisory_id(adv.url.as_ref().map(Str::as_str), adv.id.0);
    if let Some(g) = ghsa {
        if !id.eq_ignore_ascii_case(&g) {
            aliases.push(std::mem::replace(&mut id, g));
            aliases.retain(|a| a.starts_with("NPM-"));
            aliases.extend(adv.id.0.map(|n| format!("NPM-{}", n as u64)));
        }
    }
    aliases.extend(adv.cves.iter().flatten().map(|c| c.as_str().to_string()));
    // The bare advisory number is how npm's own output and old tickets name it.
    aliases.extend(adv.id.0.map(|n| (n as u64).to_string()));
    let cwes: Vec<String> = adv
        .cwe
        .0
        .iter()
        .map(|c| c.as_str().trim())
        .flat_map(|c| {
            if c.starts_with('[') {
                serde_json::from_str::<Vec<String>>(c).unwrap_or_default()
            } else {
                vec![c.to_string()]
            }
        })
        .filter(|c| !c.is_empty())
        .collect();
    let overview = text(&adv.overview);
    let mut description = overview.clone().unwrap_or_default();
    if let Some(range) = text(&adv.vulnerable_versions) {
        description.push_str(&format!("\n\nVulnerable versions: {range}"));
    }
    if let Some(rec) = text(&adv.recommendation) {
        description.push_str(&format!("\n\nRecommendation: {rec}"));
    }
    let cvss = adv.cvss.unwrap_or_default();
    let details = Arc::new(Details {
        title: text(&adv.title).or_else(|| overview.as_deref().map(summary_line)),
        description: Some(description.trim().to_string()).filter(|d| !d.is_empty()),
        references: text(&adv.url).into_iter().collect(),
        cvss_score: cvss.score.0.filter(|s| *s > 0.0),
        cvss_vector: text(&cvss.vector),
        cwes,
        published: text(&adv.created),
        modified: text(&adv.updated),
        left_out: None,
    });
    let (severity, raw) = severity_of(adv.severity.as_ref().map(Str::as_str));
    let findings = adv.findings.unwrap_or_default();
    let versions: Vec<(Option<String>, usize)> = if findings.is_empty() {
        vec![(None, 1)]
    } else {
        findings
            .iter()
            .map(|f| {
                (
                    text(&f.version),
                    f.paths.as_ref().map_or(1, |p| p.len().max(1)),
                )
            })
            .collect()
    };
    for (installed, paths) in versions {
        let mut f = blank_finding(Kind::Vulnerability, id.clone(), source, target);
        f.aliases = aliases.clone();
        f.severity = severity;
        f.severity_raw = raw.clone();
        f.details = Arc::clone(&details);
        f.merged = paths as u32;
        f.package = Some(Package {
            name: text(&adv.module_name).unwrap_or_default(),
            ecosystem: Some("npm".into()),
            installed: crate::model::words::opt_word(installed),
            fixed: crate::model::words::words(
                text(&adv.patched_versions)
                    .into_iter()
                    .filter(|p| p != "<0.0.0"),
            ),
            purl: None,
            path: None,
        });
        report.findings.push(f);
    }
}
