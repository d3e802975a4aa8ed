//! Native checks report through the same door as every scanner: they write a
//! SARIF 2.1.0 log that the ingest layer reads like any imported report. The
//! tool name tells ingest which kind of finding each result is.

use crate::model::{RedactedSecret, Redactor, Severity};
use crate::sarif::{Level, Location, Log, Region, Run, SarifResult, Text};
use serde_json::json;

/// Tool names of the native checks, owned by the reader that maps each to a
/// finding kind (`ingest::sarif`), so that ingest never imports scan.
pub use crate::ingest::sarif::{
    NATIVE_IMAGE_TOOL as IMAGE_TOOL, NATIVE_POSTURE_TOOL as POSTURE_TOOL,
    NATIVE_SECRETS_TOOL as SECRETS_TOOL,
};

/// One result of a native check.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeFinding {
    pub rule: String,
    pub severity: Severity,
    /// One line: what was found, never a secret value.
    pub problem: String,
    pub rationale: String,
    pub remediation: String,
    /// File, image field or container the finding is about.
    pub location: String,
    pub line: Option<u32>,
    /// Secrets scan only: the redaction, never the value.
    pub secret: Option<RedactedSecret>,
}

/// The image a report is about, as SARIF run properties.
#[derive(Clone, Debug, Default)]
pub struct ImageIdentity {
    pub name: String,
    pub id: Option<String>,
    pub digests: Vec<String>,
}

/// A SARIF log of one native check run.
pub fn to_sarif(tool: &str, findings: &[NativeFinding], image: Option<&ImageIdentity>) -> Vec<u8> {
    let mut run = Run::of_scandeck(tool, Vec::new(), findings.iter().map(result).collect());
    if let Some(image) = image {
        run.properties = Some(json!({
            "imageName": image.name,
            "repoTags": [image.name],
            "imageID": image.id,
            "repoDigests": image.digests,
        }));
    }
    Log::new(vec![run]).to_vec_pretty()
}

fn result(f: &NativeFinding) -> SarifResult {
    // The message carries everything per result: ingest takes the title from
    // its first line and the severity from its `Severity:` line.
    let message = format!(
        "{}\nSeverity: {}\nWhy: {}\nFix: {}",
        f.problem,
        f.severity.as_str().to_ascii_uppercase(),
        f.rationale,
        f.remediation
    );
    let snippet = f.secret.as_ref().map(Redactor::marker);
    SarifResult {
        rule_id: f.rule.clone(),
        level: Level::of(f.severity),
        message: Text::of(message),
        locations: vec![Location::at(
            encode_uri(&f.location),
            None,
            Region::of(f.line, snippet),
        )],
        partial_fingerprints: Default::default(),
        properties: None,
        suppressions: None,
    }
}

/// Percent-encodes what a URI may not hold; ingest decodes it back.
fn encode_uri(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:#@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{parse_bytes, ParseContext};
    use crate::model::Kind;

    fn finding(rule: &str, location: &str) -> NativeFinding {
        NativeFinding {
            rule: rule.into(),
            severity: Severity::High,
            problem: "service web publishes 5432".into(),
            rationale: "databases stay on the internal network".into(),
            remediation: "remove the ports mapping".into(),
            location: location.into(),
            line: Some(3),
            secret: None,
        }
    }

    #[test]
    fn ingest_reads_native_reports_back_with_their_kind_and_severity() {
        let redactor = Redactor::with_key([9; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "posture",
            image_override: None,
        };
        let a = finding("db-not-published", "compose.yml#web ports");
        let b = finding("db-not-published", "compose.yml#db ports");
        let report = parse_bytes(&to_sarif(POSTURE_TOOL, &[a, b], None), &ctx).unwrap();
        assert_eq!(report.scanner, POSTURE_TOOL);
        assert_eq!(report.findings.len(), 2, "distinct locations stay apart");
        let f = &report.findings[0];
        assert_eq!(f.kind, Kind::Posture);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.title(), "service web publishes 5432");
        assert_eq!(f.location.path.as_deref(), Some("compose.yml#web ports"));
        assert!(f
            .details
            .description
            .as_deref()
            .unwrap()
            .contains("Fix: remove"));

        let mut secret = finding("aws-access-key-id", ".env");
        secret.secret = Some(redactor.redact("AKIAIOSFODNN7EXAMPLE"));
        let bytes = to_sarif(SECRETS_TOOL, &[secret], None);
        assert!(!String::from_utf8_lossy(&bytes).contains("IOSFODNN7"));
        let report = parse_bytes(&bytes, &ctx).unwrap();
        assert_eq!(report.findings[0].kind, Kind::Secret);
        assert_eq!(
            report.findings[0].secret.as_deref(),
            Some(&redactor.redact("AKIAIOSFODNN7EXAMPLE"))
        );

        let image = ImageIdentity {
            name: "shop/api:1.2".into(),
            ..ImageIdentity::default()
        };
        let report = parse_bytes(
            &to_sarif(
                IMAGE_TOOL,
                &[finding("runs-as-root", "config/User")],
                Some(&image),
            ),
            &ctx,
        )
        .unwrap();
        assert_eq!(report.findings[0].kind, Kind::ImageConfig);
        assert_eq!(report.findings[0].image_name(), Some("shop/api:1.2"));
    }
}
