//! The one SARIF 2.1.0 writer: typed documents for the export
//! (`export::sarif`) and the native checks' reports (`scan::native_report`).
//! Only the parts scandeck writes are modelled; empty parts are left out.
//! Reading SARIF is `ingest::sarif`'s job.

use crate::model::Severity;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const VERSION: &str = "2.1.0";

#[derive(Clone, Debug, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

impl Log {
    pub fn new(runs: Vec<Run>) -> Log {
        Log {
            schema: SCHEMA,
            version: VERSION,
            runs,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn to_vec_pretty(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automation_details: Option<AutomationDetails>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub original_uri_base_ids: BTreeMap<String, ArtifactRoot>,
    pub results: Vec<SarifResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
}

impl Run {
    /// A run of scandeck's own tool `name`, with its rules and results.
    pub fn of_scandeck(name: &str, rules: Vec<Rule>, results: Vec<SarifResult>) -> Run {
        Run {
            tool: Tool {
                driver: Driver {
                    name: name.to_string(),
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://example.invalid/scandeck",
                    rules,
                },
            },
            automation_details: None,
            original_uri_base_ids: BTreeMap::new(),
            results,
            properties: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: String,
    pub version: &'static str,
    pub information_uri: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AutomationDetails {
    pub id: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ArtifactRoot {
    pub description: Text,
}

/// A rule (`reportingDescriptor`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub short_description: Text,
    pub full_description: Text,
    pub help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    pub default_configuration: Configuration,
    pub properties: Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct Help {
    pub text: String,
    pub markdown: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Configuration {
    pub level: Level,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub level: Level,
    pub message: Text,
    pub locations: Vec<Location>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub partial_fingerprints: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    /// `None`: the run says nothing about suppressions; `Some(empty)`: not
    /// suppressed (GitHub wants every result of a run to say, or none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<Vec<Suppression>>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

impl Location {
    pub fn at(uri: String, uri_base_id: Option<&str>, region: Option<Region>) -> Location {
        Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri,
                    uri_base_id: uri_base_id.map(str::to_string),
                },
                region,
            },
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Text>,
}

impl Region {
    /// `None` when there is nothing to say.
    pub fn of(start_line: Option<u32>, snippet: Option<String>) -> Option<Region> {
        (start_line.is_some() || snippet.is_some()).then(|| Region {
            start_line,
            snippet: snippet.map(|text| Text { text }),
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Text {
    pub text: String,
}

impl Text {
    pub fn of(text: impl Into<String>) -> Text {
        Text { text: text.into() }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Suppression {
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
    None,
}

impl Level {
    /// Critical and high are errors, medium a warning, low a note.
    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low => Level::Note,
            Severity::Info | Severity::Unknown => Level::None,
        }
    }
}
