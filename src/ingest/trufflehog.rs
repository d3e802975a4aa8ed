//! trufflehog: v3 JSON Lines (or those objects wrapped in an array) and v2
//! (docs/formats.md §9). `Raw`/`RawV2`/`stringsFound` are redacted here.

use super::json::{text, LooseNumber, Skip, Str};
use super::{blank_finding, source_info, Format, IngestError, ParseContext, ParsedReport};
use crate::model::{Details, Kind, Location, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct V3<'a> {
    #[serde(rename = "SourceMetadata", borrow)]
    source_metadata: Option<SourceMetadata<'a>>,
    #[serde(rename = "DetectorName", borrow)]
    detector_name: Option<Str<'a>>,
    #[serde(rename = "DetectorDescription", borrow)]
    detector_description: Option<Str<'a>>,
    #[serde(rename = "Verified")]
    verified: Option<bool>,
    #[serde(rename = "VerificationError", borrow)]
    verification_error: Option<Str<'a>>,
    #[serde(rename = "Raw", borrow)]
    raw: Option<Str<'a>>,
    #[serde(rename = "RawV2", borrow)]
    raw_v2: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceMetadata<'a> {
    /// One entry keyed by the source type (`Git`, `Github`, `Filesystem`, ...).
    #[serde(rename = "Data", borrow)]
    data: Option<BTreeMap<String, SourceData<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceData<'a> {
    #[serde(borrow)]
    file: Option<Str<'a>>,
    line: LooseNumber,
    #[serde(borrow)]
    commit: Option<Str<'a>>,
    #[serde(borrow)]
    repository: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V2<'a> {
    #[serde(borrow)]
    path: Option<Str<'a>>,
    #[serde(borrow)]
    reason: Option<Str<'a>>,
    #[serde(rename = "commitHash", borrow)]
    commit_hash: Option<Str<'a>>,
    #[serde(rename = "stringsFound", borrow)]
    strings_found: Option<Vec<Str<'a>>>,
    #[serde(rename = "printDiff")]
    _print_diff: Option<Skip>,
}

/// Reads a JSON Lines stream, or one array of the same objects.
fn records<'a, T: Deserialize<'a>>(body: &'a [u8], format: Format) -> Result<Vec<T>, IngestError> {
    if body.first() == Some(&b'[') {
        return serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e));
    }
    serde_json::Deserializer::from_slice(body)
        .into_iter::<T>()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| IngestError::shape(format, e))
}

pub fn parse(body: &[u8], format: Format, ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let mut report = ParsedReport::new(format, "trufflehog");
    let source = source_info("trufflehog", None, ctx);
    if format == Format::TrufflehogV3 {
        for r in records::<V3>(body, format)? {
            let data = r
                .source_metadata
                .and_then(|m| m.data)
                .and_then(|d| d.into_values().next())
                .unwrap_or_default();
            let file = text(&data.file).unwrap_or_default();
            let target: Arc<str> = Arc::from(
                text(&data.repository)
                    .unwrap_or_else(|| file.clone())
                    .as_str(),
            );
            let id = text(&r.detector_name).unwrap_or_else(|| "trufflehog".into());
            let mut f = blank_finding(Kind::Secret, id.clone(), &source, &target);
            let verified = r.verified == Some(true);
            f.severity = if verified {
                Severity::Critical
            } else {
                Severity::High
            };
            f.scanner_status = crate::model::words::opt_word(Some(
                if verified { "verified" } else { "unverified" }.to_string(),
            ));
            let mut description = text(&r.detector_description).unwrap_or_default();
            if let Some(commit) = text(&data.commit) {
                description.push_str(&format!("\n\nFound in commit {commit}."));
            }
            if let Some(err) = text(&r.verification_error) {
                description.push_str(&format!("\n\nVerification error: {err}"));
            }
            let title = format!(
                "{id} credential{}",
                if verified { " (verified live)" } else { "" }
            );
            f.details = Arc::new(Details {
                title: Some(title),
                description: Some(description.trim().to_string()).filter(|d| !d.is_empty()),
                ..Details::default()
            });
            f.location = Location {
                path: Some(file),
                line: data.line.as_line(),
                ..Location::default()
            }
            .into();
            let raw = text(&r.raw_v2).or_else(|| text(&r.raw)).unwrap_or_default();
            f.secret = Some(Box::new(ctx.redactor.redact(&raw)));
            report.findings.push(f);
        }
    } else {
        for r in records::<V2>(body, format)? {
            let path = text(&r.path).unwrap_or_default();
            let target: Arc<str> = Arc::from(path.as_str());
            let id = text(&r.reason).unwrap_or_else(|| "trufflehog".into());
            let mut f = blank_finding(Kind::Secret, id.clone(), &source, &target);
            f.severity = Severity::High;
            let commit = text(&r.commit_hash).map(|c| format!("Found in commit {c}."));
            f.details = Arc::new(Details {
                title: Some(id),
                description: commit,
                ..Details::default()
            });
            f.location = Location {
                path: Some(path),
                line: None,
                ..Location::default()
            }
            .into();
            let found: Vec<String> = r
                .strings_found
                .unwrap_or_default()
                .into_iter()
                .map(Str::into_string)
                .collect();
            f.secret = Some(Box::new(ctx.redactor.redact(&found.join("\n"))));
            report.findings.push(f);
        }
    }
    Ok(report)
}
