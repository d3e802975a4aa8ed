//! dockle JSON (docs/formats.md §12): image configuration checks.

use super::json::{text, Str};
use super::{blank_finding, source_info, Format, IngestError, ParseContext, ParsedReport};
use crate::model::{Details, ImageRef, Kind, Place, Severity};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Report<'a> {
    #[serde(borrow)]
    image: Option<Str<'a>>,
    #[serde(borrow)]
    details: Vec<Detail<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Detail<'a> {
    #[serde(borrow)]
    code: Option<Str<'a>>,
    #[serde(borrow)]
    title: Option<Str<'a>>,
    #[serde(borrow)]
    level: Option<Str<'a>>,
    #[serde(borrow)]
    alerts: Option<Vec<Str<'a>>>,
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let parsed: Report =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::DockleJson, e))?;
    let mut report = ParsedReport::new(Format::DockleJson, "dockle");
    let source = source_info("dockle", None, ctx);
    let image_name = text(&parsed.image);
    report.image = image_name.as_deref().map(ImageRef::named);
    let target: Arc<str> = Arc::from(image_name.as_deref().unwrap_or(ctx.report_name));
    for d in parsed.details {
        let level = text(&d.level).unwrap_or_default().to_ascii_uppercase();
        let severity = match level.as_str() {
            "FATAL" => Severity::High,
            "WARN" => Severity::Medium,
            "INFO" => Severity::Low,
            _ => continue, // SKIP, PASS and IGNORE are not findings.
        };
        let code = text(&d.code).unwrap_or_else(|| "dockle".into());
        let mut f = blank_finding(Kind::ImageConfig, code.clone(), &source, &target);
        f.severity = severity;
        f.severity_raw = Some(crate::model::words::word(&level));
        let alerts: Vec<String> = d
            .alerts
            .unwrap_or_default()
            .into_iter()
            .map(Str::into_string)
            .collect();
        f.details = Arc::new(Details {
            title: text(&d.title),
            description: Some(alerts.join("\n")).filter(|a| !a.is_empty()),
            references: vec![format!(
                "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#{}",
                code.to_ascii_lowercase()
            )],
            ..Details::default()
        });
        f.location = Place::default();
        report.findings.push(f);
    }
    Ok(report)
}
