//! Detects a report's format from its content alone (docs/formats.md §0.1).
//! A cheap probe pass records the top-level keys and the shape of their
//! values without building a `serde_json::Value` of the whole report.

use super::{Format, IngestError};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Shape of one value, one level deep.
#[derive(Debug, Default, Clone)]
pub struct Shape {
    pub kind: ShapeKind,
    /// First characters of a string value.
    pub text: Option<String>,
    pub int: Option<i64>,
    /// Keys of an object, or of the first element of an array of objects.
    pub keys: Vec<String>,
    /// For arrays: the first element's kind.
    pub first: ShapeKind,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    #[default]
    Missing,
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

const MAX_KEYS: usize = 256;
const MAX_TEXT: usize = 256;

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor { depth: 1 })
    }
}

/// Top-level probe: key → shape for objects, first element's key → shape for arrays.
#[derive(Debug, Default, Clone)]
pub struct Probe {
    pub kind: ShapeKind,
    pub fields: Vec<(String, Shape)>,
    pub array_len: usize,
}

impl Probe {
    pub fn get(&self, key: &str) -> Option<&Shape> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    fn kind_of(&self, key: &str) -> ShapeKind {
        self.get(key).map_or(ShapeKind::Missing, |s| s.kind)
    }
    fn text_of(&self, key: &str) -> &str {
        self.get(key).and_then(|s| s.text.as_deref()).unwrap_or("")
    }
}

struct ShapeVisitor {
    /// 1 = collect keys of objects (and of first array element); 0 = just the kind.
    depth: u8,
}

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape {
            kind: ShapeKind::Null,
            ..Shape::default()
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape {
            kind: ShapeKind::Bool,
            ..Shape::default()
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Shape, E> {
        Ok(Shape {
            kind: ShapeKind::Number,
            int: Some(v),
            ..Shape::default()
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Shape, E> {
        Ok(Shape {
            kind: ShapeKind::Number,
            int: i64::try_from(v).ok(),
            ..Shape::default()
        })
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape {
            kind: ShapeKind::Number,
            ..Shape::default()
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Shape, E> {
        let text: String = v.chars().take(MAX_TEXT).collect();
        Ok(Shape {
            kind: ShapeKind::String,
            text: Some(text),
            ..Shape::default()
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut shape = Shape {
            kind: ShapeKind::Array,
            ..Shape::default()
        };
        if self.depth > 0 {
            if let Some(first) = seq.next_element_seed(ShapeSeed { depth: self.depth })? {
                shape.first = first.kind;
                shape.keys = first.keys;
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(shape)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut shape = Shape {
            kind: ShapeKind::Object,
            ..Shape::default()
        };
        while let Some(key) = map.next_key::<KeyName>()? {
            map.next_value::<IgnoredAny>()?;
            if self.depth > 0 && shape.keys.len() < MAX_KEYS {
                shape.keys.push(key.0);
            }
        }
        Ok(shape)
    }
}

struct ShapeSeed {
    depth: u8,
}

impl<'de> de::DeserializeSeed<'de> for ShapeSeed {
    type Value = Shape;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(ShapeVisitor { depth: self.depth })
    }
}

/// A key, kept only as text.
struct KeyName(String);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(KeyName)
    }
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ProbeVisitor;
        impl<'de> Visitor<'de> for ProbeVisitor {
            type Value = Probe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON report")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Probe, E> {
                Ok(Probe {
                    kind: ShapeKind::Null,
                    ..Probe::default()
                })
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Probe, E> {
                Ok(Probe {
                    kind: ShapeKind::Bool,
                    ..Probe::default()
                })
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Probe, E> {
                Ok(Probe {
                    kind: ShapeKind::Number,
                    ..Probe::default()
                })
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Probe, E> {
                Ok(Probe {
                    kind: ShapeKind::Number,
                    ..Probe::default()
                })
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Probe, E> {
                Ok(Probe {
                    kind: ShapeKind::Number,
                    ..Probe::default()
                })
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Probe, E> {
                Ok(Probe {
                    kind: ShapeKind::String,
                    ..Probe::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
                let mut probe = Probe {
                    kind: ShapeKind::Object,
                    ..Probe::default()
                };
                while let Some(key) = map.next_key::<KeyName>()? {
                    // Trivy writes SchemaVersion first and its artifact's fields
                    // next: once those are seen, stop instead of scanning hundreds
                    // of megabytes of results that the parser reads anyway. A
                    // k8s report (`ClusterName`) or a SchemaVersion no Trivy
                    // writes is left to the full probe.
                    let artifact_field = matches!(
                        key.0.as_str(),
                        "CreatedAt" | "ArtifactName" | "ArtifactType" | "Metadata" | "Results"
                    );
                    let known_schema = probe
                        .get("SchemaVersion")
                        .and_then(|s| s.int)
                        .is_some_and(|n| (1..=MAX_TRIVY_SCHEMA).contains(&n));
                    if artifact_field
                        && known_schema
                        && !probe.has("runs")
                        && !probe.has("ClusterName")
                    {
                        return Err(de::Error::custom(DECIDED_TRIVY));
                    }
                    let shape = map.next_value::<Shape>()?;
                    if probe.fields.len() < MAX_KEYS {
                        probe.fields.push((key.0, shape));
                    }
                }
                Ok(probe)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Probe, A::Error> {
                let mut probe = Probe {
                    kind: ShapeKind::Array,
                    ..Probe::default()
                };
                if let Some(first) = seq.next_element::<FirstElement>()? {
                    probe.fields = first.0;
                    probe.array_len = 1;
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    probe.array_len += 1;
                }
                Ok(probe)
            }
        }
        d.deserialize_any(ProbeVisitor)
    }
}

/// The first element of a top-level array, probed like a top-level object.
struct FirstElement(Vec<(String, Shape)>);

impl<'de> Deserialize<'de> for FirstElement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let probe = Probe::deserialize(d)?;
        Ok(FirstElement(probe.fields))
    }
}

/// Sentinel error that ends the probe early once the format is certain.
const DECIDED_TRIVY: &str = "scandeck: decided trivy";

/// What detection found: the format and how many JSON values the file holds.
#[derive(Debug, Clone)]
pub struct Detected {
    pub format: Format,
    pub values: usize,
}

impl Detected {
    /// The format the caller names, for a body that is at least JSON-like.
    pub fn forced(body: &[u8], format: Format) -> Result<Detected, IngestError> {
        match body.first() {
            None => Err(IngestError::Empty),
            Some(b'{') | Some(b'[') | Some(b'n') => Ok(Detected { format, values: 1 }),
            Some(_) => Err(IngestError::NotJson(first_line(body))),
        }
    }
}

/// Runs detection on a body whose BOM and leading whitespace are already gone.
pub fn detect(body: &[u8]) -> Result<Detected, IngestError> {
    match body.first() {
        None => return Err(IngestError::Empty),
        Some(b'{') | Some(b'[') | Some(b'n') => {}
        Some(_) => return Err(IngestError::NotJson(first_line(body))),
    }
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<Probe>();
    let first = match stream.next() {
        Some(Ok(probe)) => probe,
        Some(Err(e)) if e.to_string().starts_with(DECIDED_TRIVY) => {
            return Ok(Detected {
                format: Format::TrivyJson,
                values: 1,
            });
        }
        Some(Err(e)) => return Err(IngestError::InvalidJson(e.to_string())),
        None => return Err(IngestError::Empty),
    };
    let mut values = 1;
    let mut all_arrays = first.kind == ShapeKind::Array;
    let mut all_trufflehog3 = first.has("SourceMetadata");
    let mut all_trufflehog2 = first.has("branch") && first.has("stringsFound");
    for next in stream {
        let probe = next.map_err(|e| IngestError::InvalidJson(e.to_string()))?;
        values += 1;
        all_arrays &= probe.kind == ShapeKind::Array;
        all_trufflehog3 &= probe.has("SourceMetadata");
        all_trufflehog2 &= probe.has("branch") && probe.has("stringsFound");
    }
    let format = if values > 1 {
        if all_trufflehog3 {
            Format::TrufflehogV3
        } else if all_trufflehog2 {
            Format::TrufflehogV2
        } else if all_arrays && (first.array_len == 0 || is_hadolint(&first)) {
            Format::Hadolint
        } else {
            return Err(IngestError::Unknown(format!(
                "the file holds {values} JSON values that are not trufflehog lines or hadolint arrays"
            )));
        }
    } else {
        classify(&first)?
    };
    Ok(Detected { format, values })
}

fn is_hadolint(p: &Probe) -> bool {
    p.has("code") && p.has("level") && p.has("line") && p.has("file")
}

fn first_elem_has(p: &Probe, key: &str, wanted: &str) -> bool {
    p.get(key)
        .is_some_and(|s| s.keys.iter().any(|k| k == wanted))
}

fn classify(p: &Probe) -> Result<Format, IngestError> {
    use ShapeKind::*;
    match p.kind {
        Null => return Ok(Format::TrivyLegacy),
        Array => return classify_array(p),
        Object => {}
        _ => {
            return Err(IngestError::Unknown(
                "the file is a single JSON scalar, not a report".into(),
            ))
        }
    }
    let is_sarif = p.kind_of("runs") == Array
        && (p.text_of("version") == "2.1.0"
            || p.text_of("$schema").to_ascii_lowercase().contains("sarif"));
    let format = if is_sarif {
        Format::Sarif
    } else if p.has("ClusterName")
        && (p.has("Vulnerabilities")
            || p.has("Misconfigurations")
            || p.has("Resources")
            || p.has("Findings"))
    {
        // Before SchemaVersion: newer k8s reports carry one too.
        Format::TrivyK8s
    } else if p.kind_of("SchemaVersion") == Number {
        // Trivy has written 1 and 2; a number far outside what any version
        // writes is no Trivy report, whatever else it looks like.
        match p.get("SchemaVersion").and_then(|s| s.int) {
            Some(1..=MAX_TRIVY_SCHEMA) => {}
            other => {
                return Err(IngestError::Shape {
                    format: Format::TrivyJson.name(),
                    message: match other {
                        Some(n) => format!(
                            "SchemaVersion {n} is not a layout Trivy writes (1 and 2 are); check the file or name its format with --format"
                        ),
                        None => "SchemaVersion is not a whole number Trivy writes (1 and 2 are); check the file or name its format with --format".into(),
                    },
                })
            }
        }
        Format::TrivyJson
    } else if p.kind_of("matches") == Array && (p.has("descriptor") || p.has("source")) {
        Format::Grype
    } else if p.get("auditReportVersion").and_then(|s| s.int) == Some(2) {
        Format::NpmAuditV2
    } else if p.kind_of("advisories") == Object && p.kind_of("actions") == Array {
        Format::NpmAuditV1
    } else if p.kind_of("error") == Object
        && (first_elem_has(p, "error", "code") || p.has("statusCode"))
    {
        // `{"error":{"code":"ENOAUDIT",…}}`, or the registry's HTTP answer
        // (`"statusCode": 405` with an empty error, as npm 11 prints it).
        Format::NpmAuditError
    } else if p.text_of("bomFormat") == "CycloneDX" {
        Format::CycloneDx
    } else if p.text_of("@context").starts_with("https://openvex.dev/ns") {
        Format::OpenVex
    } else if p.kind_of("results") == Object && p.has("plugins_used") {
        Format::DetectSecrets
    } else if p.kind_of("results") == Array
        && (first_elem_has(p, "results", "packages") || first_elem_has(p, "results", "source"))
    {
        Format::OsvScanner
    } else if p.kind_of("summary") == Object && p.has("details") {
        Format::DockleJson
    } else if p.kind_of("dependencies") == Array
        && (first_elem_has(p, "dependencies", "vulns")
            || first_elem_has(p, "dependencies", "skip_reason")
            || p.get("dependencies").is_some_and(|s| s.first == Missing))
        && (p.has("fixes") || first_elem_has(p, "dependencies", "vulns"))
    {
        Format::PipAudit
    } else if p.kind_of("vulnerabilities") == Array && p.has("packageManager") {
        Format::Snyk
    } else if p.has("SourceMetadata") && p.has("DetectorName") {
        Format::TrufflehogV3
    } else if p.has("branch") && p.has("commitHash") && p.has("stringsFound") {
        Format::TrufflehogV2
    } else {
        let keys: Vec<&str> = p.fields.iter().take(8).map(|(k, _)| k.as_str()).collect();
        return Err(IngestError::Unknown(format!(
            "a JSON object with keys {} matches no supported scanner format (scandeck reads {})",
            crate::sanitize::sanitize_line(&keys.join(", ")),
            Format::user_names()
        )));
    };
    Ok(format)
}

/// The highest Trivy `SchemaVersion` accepted: Trivy writes 2; a few more
/// leave room for its next layouts, which keep the fields scandeck reads.
const MAX_TRIVY_SCHEMA: i64 = 9;

fn classify_array(p: &Probe) -> Result<Format, IngestError> {
    if p.array_len == 0 {
        return Ok(Format::EmptyList);
    }
    let has = |k: &str| p.has(k);
    let format = if has("Target") && (has("Vulnerabilities") || has("Type")) {
        Format::TrivyLegacy
    } else if has("vulnerabilities") && has("packageManager") {
        Format::Snyk
    } else if has("RuleID") && has("StartLine") && has("File") {
        Format::GitleaksV8
    } else if has("rule") && has("offender") && has("lineNumber") {
        Format::GitleaksV7
    } else if is_hadolint(p) {
        Format::Hadolint
    } else if has("name") && has("version") && has("vulns") {
        Format::PipAudit
    } else if has("SourceMetadata") && has("DetectorName") {
        Format::TrufflehogV3
    } else if has("branch") && has("commitHash") && has("stringsFound") {
        Format::TrufflehogV2
    } else {
        let keys: Vec<&str> = p.fields.iter().take(8).map(|(k, _)| k.as_str()).collect();
        return Err(IngestError::Unknown(format!(
            "a JSON array whose first element has keys {} matches no supported scanner format",
            crate::sanitize::sanitize_line(&keys.join(", "))
        )));
    };
    Ok(format)
}

/// The start of a non-JSON file, for the error message.
fn first_line(body: &[u8]) -> String {
    let end = body
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(body.len())
        .min(80);
    let text = String::from_utf8_lossy(&body[..end]);
    crate::sanitize::sanitize_line(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> Format {
        detect(s.as_bytes()).unwrap().format
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(
            fmt(r#"{"SchemaVersion":2,"Results":[]}"#),
            Format::TrivyJson
        );
        assert_eq!(fmt("null"), Format::TrivyLegacy);
        assert_eq!(fmt(r#"{"version":"2.1.0","runs":[]}"#), Format::Sarif);
        assert_eq!(
            fmt(r#"{"matches":[],"source":{},"descriptor":{"name":"grype"}}"#),
            Format::Grype
        );
        assert_eq!(
            fmt(r#"{"auditReportVersion":2,"vulnerabilities":{}}"#),
            Format::NpmAuditV2
        );
        assert_eq!(
            fmt(r#"{"error":{"code":"ENOAUDIT","summary":"x"}}"#),
            Format::NpmAuditError
        );
        assert_eq!(
            fmt(
                r#"{"message":"405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk","statusCode":405,"body":"","error":{"summary":"","detail":""}}"#
            ),
            Format::NpmAuditError
        );
        assert_eq!(
            fmt(r#"{"dependencies":[{"name":"a","version":"1","vulns":[]}],"fixes":[]}"#),
            Format::PipAudit
        );
        assert_eq!(fmt("[]"), Format::EmptyList);
        assert_eq!(
            fmt("[][][{\"code\":\"DL3008\",\"level\":\"warning\",\"line\":1,\"file\":\"D\"}]"),
            Format::Hadolint
        );
        assert_eq!(fmt("{\"SourceMetadata\":{},\"DetectorName\":\"AWS\"}\n{\"SourceMetadata\":{},\"DetectorName\":\"X\"}"), Format::TrufflehogV3);
    }

    #[test]
    fn rejects_non_json_with_first_line() {
        let err = detect(b"2024-03-02T17:53:43Z\t\x1b[31mFATAL\x1b[0m\tinvalid image").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("FATAL"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }
}
