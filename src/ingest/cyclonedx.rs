//! CycloneDX with `vulnerabilities` (and VEX `analysis`), docs/formats.md §14.
//! A BOM without vulnerabilities is a report with no findings.

use super::json::{text, LooseNumber, ObjectOrList, Str};
use super::{
    blank_finding, source_info, summary_line, Format, IngestError, ParseContext, ParsedReport,
    VexStatement,
};
use crate::model::{Details, ImageRef, Kind, Package, Severity};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Bom<'a> {
    #[serde(borrow)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow)]
    components: Vec<Component<'a>>,
    #[serde(borrow)]
    vulnerabilities: Vec<Vulnerability<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata<'a> {
    #[serde(borrow)]
    tools: Option<ObjectOrList<ToolsObject<'a>, Tool<'a>>>,
    #[serde(borrow)]
    component: Option<Component<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolsObject<'a> {
    #[serde(borrow)]
    components: Vec<Tool<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tool<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Component<'a> {
    #[serde(rename = "bom-ref", borrow)]
    bom_ref: Option<Str<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    group: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(borrow)]
    purl: Option<Str<'a>>,
    #[serde(borrow)]
    components: Vec<Component<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vulnerability<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    source: Option<Source<'a>>,
    #[serde(borrow)]
    references: Vec<Reference<'a>>,
    #[serde(borrow)]
    ratings: Vec<Rating<'a>>,
    cwes: Vec<LooseNumber>,
    #[serde(borrow)]
    description: Option<Str<'a>>,
    #[serde(borrow)]
    detail: Option<Str<'a>>,
    #[serde(borrow)]
    recommendation: Option<Str<'a>>,
    #[serde(borrow)]
    advisories: Vec<Advisory<'a>>,
    #[serde(borrow)]
    published: Option<Str<'a>>,
    #[serde(borrow)]
    updated: Option<Str<'a>>,
    #[serde(borrow)]
    analysis: Option<Analysis<'a>>,
    #[serde(borrow)]
    affects: Vec<Affects<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Source<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    url: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rating<'a> {
    #[serde(borrow)]
    source: Option<Source<'a>>,
    score: LooseNumber,
    #[serde(borrow)]
    severity: Option<Str<'a>>,
    #[serde(borrow)]
    vector: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Advisory<'a> {
    #[serde(borrow)]
    url: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Analysis<'a> {
    #[serde(borrow)]
    state: Option<Str<'a>>,
    #[serde(borrow)]
    justification: Option<Str<'a>>,
    #[serde(borrow)]
    detail: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Affects<'a> {
    #[serde(rename = "ref", borrow)]
    reference: Option<Str<'a>>,
}

struct Resolved {
    name: String,
    version: Option<String>,
    purl: Option<String>,
}

fn index_components(components: &[Component], out: &mut HashMap<String, Resolved>) {
    for c in components {
        let name = match (text(&c.group), text(&c.name)) {
            (Some(g), Some(n)) => format!("{g}/{n}"),
            (None, Some(n)) => n,
            _ => String::new(),
        };
        let resolved = || Resolved {
            name: name.clone(),
            version: text(&c.version),
            purl: text(&c.purl),
        };
        if let Some(r) = text(&c.bom_ref) {
            out.insert(r, resolved());
        }
        if let Some(p) = text(&c.purl) {
            out.entry(p).or_insert_with(resolved);
        }
        index_components(&c.components, out);
    }
}

/// CycloneDX analysis states mapped to OpenVEX-style statuses.
fn vex_status(state: &str) -> &'static str {
    match state {
        "not_affected" | "false_positive" => "not_affected",
        "resolved" | "resolved_with_pedigree" => "fixed",
        "exploitable" => "affected",
        _ => "under_investigation",
    }
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let bom: Bom =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::CycloneDx, e))?;
    let metadata = bom.metadata.unwrap_or_default();
    let tools: Vec<Tool> = match metadata.tools {
        Some(ObjectOrList::Object(o)) => o.components,
        Some(ObjectOrList::List(l)) => l,
        None => Vec::new(),
    };
    let tool = tools
        .iter()
        .find_map(|t| text(&t.name))
        .unwrap_or_else(|| "cyclonedx".into())
        .to_ascii_lowercase();
    let mut report = ParsedReport::new(Format::CycloneDx, &tool);
    report.scanner_version = tools.iter().find_map(|t| text(&t.version));
    let source = source_info(&tool, report.scanner_version.clone(), ctx);
    let mut components = HashMap::new();
    index_components(&bom.components, &mut components);
    if let Some(main) = &metadata.component {
        let name = text(&main.name).unwrap_or_default();
        if main
            .kind
            .as_ref()
            .is_some_and(|k| k.as_str() == "container")
        {
            let digest = text(&main.purl)
                .and_then(|p| p.split("@sha256%3A").nth(1).map(|d| format!("sha256:{d}")));
            report.image = Some(ImageRef {
                digest,
                ..ImageRef::named(&name)
            });
        } else if !name.is_empty() {
            report.artifact = Some(name);
        }
    }
    let target_name = report
        .image
        .as_ref()
        .map(|i| i.name.clone())
        .or_else(|| report.artifact.clone())
        .unwrap_or_else(|| ctx.report_name.to_string());
    let target: Arc<str> = Arc::from(target_name.as_str());
    for v in bom.vulnerabilities {
        let id = text(&v.id).unwrap_or_else(|| "UNKNOWN-ID".into());
        let aliases: Vec<String> = v.references.iter().filter_map(|r| text(&r.id)).collect();
        let source_name = v
            .source
            .as_ref()
            .and_then(|s| text(&s.name))
            .map(|s| s.to_ascii_lowercase());
        let preferred = v.ratings.iter().find(|r| {
            r.source
                .as_ref()
                .and_then(|s| text(&s.name))
                .map(|s| s.to_ascii_lowercase())
                == source_name
                && r.severity.is_some()
        });
        let worst = v
            .ratings
            .iter()
            .filter(|r| r.severity.is_some())
            .max_by_key(|r| Severity::from_word(r.severity.as_ref().map_or("", Str::as_str)));
        let chosen = preferred.or(worst);
        let scored = v
            .ratings
            .iter()
            .filter(|r| r.score.0.is_some())
            .max_by(|a, b| {
                a.score
                    .0
                    .unwrap_or(0.0)
                    .total_cmp(&b.score.0.unwrap_or(0.0))
            });
        let description = text(&v.description).or_else(|| text(&v.detail));
        let mut references: Vec<String> = v
            .source
            .as_ref()
            .and_then(|s| text(&s.url))
            .into_iter()
            .collect();
        references.extend(v.advisories.iter().filter_map(|a| text(&a.url)));
        let details = Arc::new(Details {
            title: description.as_deref().map(summary_line),
            description: match (description.clone(), text(&v.recommendation)) {
                (Some(d), Some(r)) => Some(format!("{d}\n\nRecommendation: {r}")),
                (d, r) => d.or(r),
            },
            references,
            cvss_score: scored.and_then(|r| r.score.0),
            cvss_vector: scored.and_then(|r| text(&r.vector)),
            cwes: v
                .cwes
                .iter()
                .filter_map(|c| c.0)
                .map(|c| format!("CWE-{}", c as u64))
                .collect(),
            published: text(&v.published),
            modified: text(&v.updated),
            left_out: None,
        });
        let state = v.analysis.as_ref().and_then(|a| text(&a.state));
        if let Some(state) = &state {
            report.vex.push(VexStatement {
                vulnerability: id.clone(),
                aliases: aliases.clone(),
                products: v
                    .affects
                    .iter()
                    .filter_map(|a| text(&a.reference))
                    .collect(),
                status: vex_status(state).to_string(),
                justification: v.analysis.as_ref().and_then(|a| text(&a.justification)),
                statement: v.analysis.as_ref().and_then(|a| text(&a.detail)),
                timestamp: text(&v.updated),
            });
        }
        let refs: Vec<Option<String>> = if v.affects.is_empty() {
            vec![None]
        } else {
            v.affects.iter().map(|a| text(&a.reference)).collect()
        };
        for reference in refs {
            let mut f = blank_finding(Kind::Vulnerability, id.clone(), &source, &target);
            f.aliases = aliases.clone();
            if let Some(r) = chosen {
                let word = text(&r.severity).unwrap_or_default();
                f.severity = Severity::from_word(&word);
                f.severity_raw = Some(crate::model::words::word(&word));
            }
            f.details = Arc::clone(&details);
            f.package = reference.map(|r| match components.get(&r) {
                Some(c) => Package {
                    name: c.name.clone(),
                    ecosystem: crate::model::words::opt_word(
                        c.purl.as_deref().and_then(super::purl_type),
                    ),
                    installed: crate::model::words::opt_word(c.version.clone()),
                    purl: c.purl.clone(),
                    ..Package::default()
                },
                // Unresolved refs (BOM-Links, other documents) still display.
                None => Package {
                    name: r,
                    ..Package::default()
                },
            });
            f.scanner_status = crate::model::words::opt_word(state.clone());
            f.suppressed_by_tool = matches!(
                state.as_deref(),
                Some("not_affected") | Some("false_positive")
            );
            report.findings.push(f);
        }
    }
    Ok(report)
}
