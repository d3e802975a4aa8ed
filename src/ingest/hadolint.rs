//! hadolint JSON, including several runs' arrays glued together (docs/formats.md §11).

use super::json::{text, LooseNumber, Str};
use super::{blank_finding, source_info, Format, IngestError, ParseContext, ParsedReport};
use crate::model::{Details, Kind, Location, Severity};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Hit<'a> {
    #[serde(borrow)]
    code: Option<Str<'a>>,
    #[serde(borrow)]
    level: Option<Str<'a>>,
    #[serde(borrow)]
    file: Option<Str<'a>>,
    line: LooseNumber,
    column: LooseNumber,
    #[serde(borrow)]
    message: Option<Str<'a>>,
}

/// hadolint rules that say what one of scandeck's own posture checks says
/// about the same instruction (docs/identity.md, "One finding, several
/// sources"): hadolint's code, the posture rule and the problem as the
/// posture check words it. The n-th hit of such a rule in a Dockerfile is
/// the n-th problem of that wording in the file (both read it top to
/// bottom), so the two reports of it are one finding.
pub const SAME_AS_POSTURE: [(&str, &str, &str); 3] = [
    (
        "DL3015",
        "package-hygiene",
        "apt-get install without --no-install-recommends",
    ),
    (
        "DL3009",
        "package-hygiene",
        "apt package lists are not removed",
    ),
    (
        "DL3042",
        "package-hygiene",
        "pip install without --no-cache-dir",
    ),
];

/// The posture rule and problem a hadolint code is the same finding as.
pub fn as_posture(code: &str) -> Option<(&'static str, &'static str)> {
    SAME_AS_POSTURE
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, rule, problem)| (*rule, *problem))
}

fn severity(level: &str) -> Severity {
    match level {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "info" => Severity::Low,
        "style" => Severity::Info,
        _ => Severity::Unknown,
    }
}

fn rule_url(code: &str) -> Option<String> {
    if code.starts_with("DL") {
        Some(format!("https://github.com/hadolint/hadolint/wiki/{code}"))
    } else if code.starts_with("SC") {
        Some(format!("https://www.shellcheck.net/wiki/{code}"))
    } else {
        None
    }
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let mut report = ParsedReport::new(Format::Hadolint, "hadolint");
    let source = source_info("hadolint", None, ctx);
    let mut targets: HashMap<String, Arc<str>> = HashMap::new();
    for run in serde_json::Deserializer::from_slice(body).into_iter::<Vec<Hit>>() {
        for hit in run.map_err(|e| IngestError::shape(Format::Hadolint, e))? {
            let code = text(&hit.code).unwrap_or_else(|| "hadolint".into());
            let file = text(&hit.file).unwrap_or_default();
            let target = targets
                .entry(file.clone())
                .or_insert_with(|| Arc::from(file.as_str()))
                .clone();
            let mut f = blank_finding(Kind::Misconfiguration, code.clone(), &source, &target);
            let level = text(&hit.level).unwrap_or_default();
            f.severity = severity(&level);
            f.severity_raw = Some(crate::model::words::word(&level)).filter(|l| !l.is_empty());
            let message = text(&hit.message);
            f.details = Arc::new(Details {
                title: message.clone(),
                description: message,
                references: rule_url(&code).into_iter().collect(),
                ..Details::default()
            });
            f.location = Location {
                path: Some(file),
                line: hit.line.as_line(),
                column: hit.column.as_line(),
                ..Location::default()
            }
            .into();
            report.findings.push(f);
        }
    }
    Ok(report)
}
