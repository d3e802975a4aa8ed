//! detect-secrets baseline (docs/formats.md §10): only SHA-1 hashes of secrets;
//! entries audited as `is_secret: false` are marked suppressed by the tool.

use super::json::{text, LooseNumber, Str};
use super::{blank_finding, source_info, Format, IngestError, ParseContext, ParsedReport};
use crate::model::{Details, Kind, Location, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Baseline<'a> {
    #[serde(borrow)]
    results: BTreeMap<String, Vec<Entry<'a>>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    line_number: LooseNumber,
    #[serde(borrow)]
    hashed_secret: Option<Str<'a>>,
    is_verified: Option<bool>,
    is_secret: Option<bool>,
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let baseline: Baseline =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::DetectSecrets, e))?;
    let mut report = ParsedReport::new(Format::DetectSecrets, "detect-secrets");
    report.scanner_version = text(&baseline.version);
    let source = source_info("detect-secrets", report.scanner_version.clone(), ctx);
    for (file, entries) in baseline.results {
        let target: Arc<str> = Arc::from(file.as_str());
        for e in entries {
            let id = text(&e.kind).unwrap_or_else(|| "detect-secrets".into());
            let mut f = blank_finding(Kind::Secret, id.clone(), &source, &target);
            f.severity = if e.is_verified == Some(true) {
                Severity::Critical
            } else {
                Severity::High
            };
            f.details = Arc::new(Details {
                title: Some(id),
                ..Details::default()
            });
            f.location = Location {
                path: Some(file.clone()),
                line: e.line_number.as_line(),
                ..Location::default()
            }
            .into();
            f.secret = Some(Box::new(
                ctx.redactor
                    .redact_hashed("sha1", &text(&e.hashed_secret).unwrap_or_default()),
            ));
            if e.is_secret == Some(false) {
                f.suppressed_by_tool = true;
                f.scanner_status = Some("audited: not a secret".into());
            }
            report.findings.push(f);
        }
    }
    Ok(report)
}
