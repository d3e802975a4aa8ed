//! gitleaks JSON, v8 and v7 (docs/formats.md §8). The reports hold raw secrets:
//! they are redacted here and never kept.

use super::json::{text, LooseNumber, Str};
use super::{blank_finding, source_info, Format, IngestError, ParseContext, ParsedReport};
use crate::model::{Details, Kind, Location, Severity};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct V8<'a> {
    #[serde(rename = "RuleID", borrow)]
    rule_id: Option<Str<'a>>,
    #[serde(rename = "Description", borrow)]
    description: Option<Str<'a>>,
    #[serde(rename = "File", borrow)]
    file: Option<Str<'a>>,
    #[serde(rename = "StartLine")]
    start_line: LooseNumber,
    #[serde(rename = "Secret", borrow)]
    secret: Option<Str<'a>>,
    #[serde(rename = "Commit", borrow)]
    commit: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct V7<'a> {
    #[serde(borrow)]
    rule: Option<Str<'a>>,
    #[serde(borrow)]
    offender: Option<Str<'a>>,
    #[serde(borrow)]
    file: Option<Str<'a>>,
    #[serde(rename = "lineNumber")]
    line_number: LooseNumber,
    #[serde(borrow)]
    commit: Option<Str<'a>>,
}

/// What `gitleaks --redact` prints instead of a secret.
pub const SCANNER_REDACTED: &str = "REDACTED";

pub fn parse(body: &[u8], format: Format, ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let mut report = ParsedReport::new(format, "gitleaks");
    let source = source_info("gitleaks", None, ctx);
    let mut targets: HashMap<String, Arc<str>> = HashMap::new();
    let mut push = |rule: String,
                    description: Option<String>,
                    file: String,
                    line: Option<u32>,
                    secret: String,
                    commit: Option<String>| {
        let target = targets
            .entry(file.clone())
            .or_insert_with(|| Arc::from(file.as_str()))
            .clone();
        let mut f = blank_finding(Kind::Secret, rule.clone(), &source, &target);
        // gitleaks has no severity; an exposed credential is treated as high.
        f.severity = Severity::High;
        let title = description
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("Secret matched by rule {rule}"));
        let commit_note = commit
            .filter(|c| !c.is_empty())
            .map(|c| format!("Found in commit {c}."));
        f.details = Arc::new(Details {
            title: Some(title),
            description: commit_note,
            ..Details::default()
        });
        f.location = Location {
            path: Some(file),
            line,
            // `gitleaks --redact` (as `scandeck scan` runs it) prints REDACTED:
            // its hash would be the same for every secret, so its place keys it.
            content: (secret == SCANNER_REDACTED)
                .then(|| crate::model::fingerprint::SCANNER_REDACTED.to_string()),
            ..Location::default()
        }
        .into();
        f.secret = Some(Box::new(ctx.redactor.redact(&secret)));
        report.findings.push(f);
    };
    if format == Format::GitleaksV8 {
        let leaks: Vec<V8> =
            serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e))?;
        for l in leaks {
            push(
                text(&l.rule_id).unwrap_or_else(|| "gitleaks".into()),
                text(&l.description),
                text(&l.file).unwrap_or_default(),
                l.start_line.as_line(),
                l.secret.map(Str::into_string).unwrap_or_default(),
                text(&l.commit),
            );
        }
    } else {
        let leaks: Vec<V7> =
            serde_json::from_slice(body).map_err(|e| IngestError::shape(format, e))?;
        for l in leaks {
            push(
                text(&l.rule).unwrap_or_else(|| "gitleaks".into()),
                None,
                text(&l.file).unwrap_or_default(),
                l.line_number.as_line(),
                l.offender.map(Str::into_string).unwrap_or_default(),
                text(&l.commit),
            );
        }
    }
    Ok(report)
}
