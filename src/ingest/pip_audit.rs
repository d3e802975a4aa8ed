//! pip-audit JSON: the current `{dependencies, fixes}` object and the legacy
//! top-level list (docs/formats.md §6). pip-audit gives no severity.

use super::json::{text, ObjectOrList, Str};
use super::{
    blank_finding, source_info, summary_line, Format, IngestError, ParseContext, ParsedReport,
};
use crate::model::{Details, Kind, Package};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Report<'a> {
    #[serde(borrow)]
    dependencies: Vec<Dependency<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Dependency<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(borrow)]
    vulns: Option<Vec<Vuln<'a>>>,
    #[serde(borrow)]
    skip_reason: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vuln<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    fix_versions: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    aliases: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    description: Option<Str<'a>>,
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let top: ObjectOrList<Report, Dependency> =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::PipAudit, e))?;
    let dependencies = match top {
        ObjectOrList::Object(r) => r.dependencies,
        ObjectOrList::List(deps) => deps,
    };
    let skipped: Vec<String> = dependencies
        .iter()
        .filter_map(|d| text(&d.skip_reason))
        .collect();
    if !dependencies.is_empty() && skipped.len() == dependencies.len() {
        return Err(IngestError::NotAudited {
            tool: "pip-audit",
            count: dependencies.len(),
            reason: crate::sanitize::sanitize_line(&skipped[0]).into_owned(),
        });
    }
    let mut report = ParsedReport::new(Format::PipAudit, "pip-audit");
    let source = source_info("pip-audit", None, ctx);
    let target: Arc<str> = Arc::from(ctx.report_name);
    for dep in dependencies {
        let name = text(&dep.name).unwrap_or_default();
        if let Some(reason) = text(&dep.skip_reason) {
            report.notes.push(format!("skipped by pip-audit: {reason}"));
        }
        for v in dep.vulns.unwrap_or_default() {
            let id = text(&v.id).unwrap_or_else(|| "UNKNOWN-ID".into());
            let mut f = blank_finding(Kind::Vulnerability, id, &source, &target);
            f.aliases = v
                .aliases
                .iter()
                .flatten()
                .map(|a| a.as_str().to_string())
                .collect();
            let description = text(&v.description);
            f.details = Arc::new(Details {
                title: description.as_deref().map(summary_line),
                description,
                ..Details::default()
            });
            f.package = Some(Package {
                name: name.clone(),
                ecosystem: Some("pypi".into()),
                installed: crate::model::words::opt_word(text(&dep.version)),
                fixed: crate::model::words::words(
                    v.fix_versions.iter().flatten().map(|s| s.as_str()),
                ),
                purl: None,
                path: None,
            });
            report.findings.push(f);
        }
    }
    Ok(report)
}
