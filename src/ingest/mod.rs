//! Reading scanner reports: detect the format by content, parse it into
//! normalised `Finding`s, redact secrets, merge duplicate records.
//! Nothing here touches the terminal or the workspace.

pub mod cyclonedx;
pub mod detect;
pub mod detect_secrets;
pub mod dockle;
pub mod gitleaks;
pub mod grype;
pub mod hadolint;
pub mod identify;
pub mod json;
pub mod normalize;
pub mod npm_audit;
pub mod openvex;
pub mod osv;
pub mod pip_audit;
pub mod sarif;
pub mod snyk;
pub mod storage;
pub mod stream;
pub mod trivy;
pub mod trufflehog;

use crate::model::{
    Details, Finding, Fingerprint, ImageRef, Kind, Place, Redactor, Severity, SourceInfo,
};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Every report format scandeck reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    TrivyJson,
    TrivyLegacy,
    TrivyK8s,
    Grype,
    /// Any SARIF 2.1.0; the producing tool is read from the run.
    Sarif,
    Snyk,
    PipAudit,
    NpmAuditV2,
    NpmAuditV1,
    NpmAuditError,
    GitleaksV8,
    GitleaksV7,
    TrufflehogV3,
    TrufflehogV2,
    DetectSecrets,
    Hadolint,
    DockleJson,
    CycloneDx,
    OpenVex,
    /// Google's osv-scanner (`--format json`).
    OsvScanner,
    /// `[]`: gitleaks, hadolint, old pip-audit and Snyk all print it for a clean run.
    EmptyList,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::TrivyJson => "trivy-json",
            Format::TrivyLegacy => "trivy-json-legacy",
            Format::TrivyK8s => "trivy-k8s",
            Format::Grype => "grype-json",
            Format::Sarif => "sarif",
            Format::Snyk => "snyk-json",
            Format::PipAudit => "pip-audit-json",
            Format::NpmAuditV2 => "npm-audit-v2",
            Format::NpmAuditV1 => "npm-audit-v1",
            Format::NpmAuditError => "npm-audit-error",
            Format::GitleaksV8 => "gitleaks-v8",
            Format::GitleaksV7 => "gitleaks-v7",
            Format::TrufflehogV3 => "trufflehog-v3",
            Format::TrufflehogV2 => "trufflehog-v2",
            Format::DetectSecrets => "detect-secrets",
            Format::Hadolint => "hadolint-json",
            Format::DockleJson => "dockle-json",
            Format::CycloneDx => "cyclonedx",
            Format::OpenVex => "openvex",
            Format::OsvScanner => "osv-scanner-json",
            Format::EmptyList => "empty-list",
        }
    }
}

impl Format {
    /// The tool a format belongs to (`gitleaks` for both gitleaks layouts).
    pub fn tool(self) -> &'static str {
        match self {
            Format::TrivyJson | Format::TrivyLegacy | Format::TrivyK8s => "trivy",
            Format::Grype => "grype",
            Format::Sarif => "sarif",
            Format::Snyk => "snyk",
            Format::PipAudit => "pip-audit",
            Format::NpmAuditV2 | Format::NpmAuditV1 | Format::NpmAuditError => "npm-audit",
            Format::GitleaksV8 | Format::GitleaksV7 => "gitleaks",
            Format::TrufflehogV3 | Format::TrufflehogV2 => "trufflehog",
            Format::DetectSecrets => "detect-secrets",
            Format::Hadolint => "hadolint",
            Format::DockleJson => "dockle",
            Format::CycloneDx => "cyclonedx",
            Format::OpenVex => "openvex",
            Format::OsvScanner => "osv-scanner",
            Format::EmptyList => "",
        }
    }

    pub const ALL: [Format; 20] = [
        Format::TrivyJson,
        Format::TrivyLegacy,
        Format::TrivyK8s,
        Format::Grype,
        Format::Sarif,
        Format::Snyk,
        Format::PipAudit,
        Format::NpmAuditV2,
        Format::NpmAuditV1,
        Format::NpmAuditError,
        Format::GitleaksV8,
        Format::GitleaksV7,
        Format::TrufflehogV3,
        Format::TrufflehogV2,
        Format::DetectSecrets,
        Format::Hadolint,
        Format::DockleJson,
        Format::CycloneDx,
        Format::OpenVex,
        Format::OsvScanner,
    ];

    /// A format the user names: an exact format name (`gitleaks-v7`) or a
    /// tool (`gitleaks`, the tool's current layout). `docker-scout` is SARIF.
    pub fn from_user(name: &str) -> Option<Format> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        if let Some(exact) = Format::ALL.iter().find(|f| f.name() == n) {
            return Some(*exact);
        }
        let by_tool = match n.as_str() {
            "docker-scout" | "scout" => Format::Sarif,
            "npm" | "npm-audit" => Format::NpmAuditV2,
            "trufflehog" => Format::TrufflehogV3,
            "osv" => Format::OsvScanner,
            other => *Format::ALL.iter().find(|f| f.tool() == other)?,
        };
        Some(by_tool)
    }

    /// What `from_user` accepts, for messages.
    pub fn user_names() -> String {
        let mut tools: Vec<&str> = Format::ALL.iter().map(|f| f.tool()).collect();
        tools.dedup();
        tools.join(", ")
    }

    /// Tools whose clean run prints a bare `[]`.
    pub fn prints_empty_list(tool: &str) -> bool {
        matches!(tool, "gitleaks" | "hadolint" | "pip-audit" | "snyk")
    }
}

/// The format to parse with when the caller names one: the detected layout
/// when it belongs to the named tool (so `--format npm-audit` still reads a
/// v1 report), else the named one.
fn chosen_format(body: &[u8], wanted: Format) -> Result<detect::Detected, IngestError> {
    match detect::detect(body) {
        Ok(d) if d.format != Format::EmptyList && d.format.tool() == wanted.tool() => Ok(d),
        Ok(_) | Err(IngestError::Unknown(_)) | Err(IngestError::Shape { .. }) => {
            detect::Detected::forced(body, wanted)
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the file is empty")]
    Empty,
    #[error("not a JSON report: the file starts with \"{0}\"")]
    NotJson(String),
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("unknown report format: {0}")]
    Unknown(String),
    #[error("looks like {format} but does not have its shape: {message}")]
    Shape {
        format: &'static str,
        message: String,
    },
    #[error("{tool} audited nothing: it skipped every one of the {count} dependencies (first reason: {reason}); not imported, so that nothing reads as clean")]
    NotAudited {
        tool: &'static str,
        count: usize,
        reason: String,
    },
    #[error("this is an npm audit error, not a report: {code}: {summary}")]
    NpmAuditError { code: String, summary: String },
    #[error("the report is over the size cap of {cap} bytes; raise it with --max-report-size or SCANDECK_MAX_REPORT_BYTES")]
    TooLarge { cap: u64 },
    #[error(
        "not a regular file (a pipe, device or folder); save the report to a file and import that"
    )]
    NotAFile,
    #[error("it lies outside the workspace and names nothing it scanned: say what it is about with --subject NAME (or --image NAME), or import it from inside the project it belongs to")]
    NoSubject,
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
}

impl IngestError {
    /// A parser's serde error: broken JSON stays "invalid JSON"; valid JSON of
    /// the wrong shape names the format it resembled.
    pub fn shape(format: Format, err: serde_json::Error) -> IngestError {
        let message = crate::sanitize::sanitize_line(&err.to_string()).into_owned();
        match err.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                IngestError::InvalidJson(message)
            }
            _ => IngestError::Shape {
                format: format.name(),
                message,
            },
        }
    }
}

/// A VEX statement read from OpenVEX or a CycloneDX `analysis`; used by triage.
#[derive(Clone, Debug, PartialEq)]
pub struct VexStatement {
    pub vulnerability: String,
    pub aliases: Vec<String>,
    pub products: Vec<String>,
    /// `not_affected`, `affected`, `fixed`, `under_investigation` (CycloneDX states mapped).
    pub status: String,
    pub justification: Option<String>,
    pub statement: Option<String>,
    pub timestamp: Option<String>,
}

/// Everything one report yields.
#[derive(Debug)]
pub struct ParsedReport {
    pub format: Format,
    /// Lower-case tool name.
    pub scanner: String,
    pub scanner_version: Option<String>,
    /// The image the whole report is about, when it says so.
    pub image: Option<ImageRef>,
    /// The scanned thing when it is not an image (a directory, a repository).
    pub artifact: Option<String>,
    pub findings: Vec<Finding>,
    pub vex: Vec<VexStatement>,
    /// Records read before duplicates were merged.
    pub records: usize,
    /// Things the user should know that are not errors (skipped dependencies...).
    pub notes: Vec<String>,
    /// What the report is about (`model::subject`), set by `identify`.
    pub subject: String,
    /// Where `subject` came from, set by `identify`.
    pub subject_from: identify::SubjectFrom,
    /// The image was named by the user (`--image`), not by the report.
    pub image_given: bool,
}

impl ParsedReport {
    pub fn new(format: Format, scanner: &str) -> ParsedReport {
        ParsedReport {
            format,
            scanner: scanner.to_string(),
            scanner_version: None,
            image: None,
            artifact: None,
            findings: Vec::new(),
            vex: Vec::new(),
            records: 0,
            notes: Vec::new(),
            subject: String::new(),
            subject_from: identify::SubjectFrom::default(),
            image_given: false,
        }
    }
}

/// What a parser needs besides the bytes.
pub struct ParseContext<'a> {
    pub redactor: &'a Redactor,
    /// Name of the report file, kept as the finding's source.
    pub report_name: &'a str,
    /// `--image NAME`: the image for reports that do not name one (Scout SARIF).
    pub image_override: Option<&'a str>,
}

/// Default cap on one report's size; `SCANDECK_MAX_REPORT_BYTES` overrides.
/// A Trivy report of a million findings is about 3 GiB (docs/benchmarks.md).
pub const DEFAULT_MAX_REPORT_BYTES: u64 = 4 << 30;

/// What the parsers make of a report. The findings store keeps parsed
/// findings and rebuilds itself from the stored reports when this changes:
/// bump it with any change to what a parser produces (fields, fingerprints,
/// merging), or stored findings would disagree with a fresh import.
pub const PARSER_VERSION: u32 = 4;

pub fn max_report_bytes_from_env() -> u64 {
    checked_max_report_bytes().unwrap_or(DEFAULT_MAX_REPORT_BYTES)
}

/// `SCANDECK_MAX_REPORT_BYTES` when set, or why it cannot be used.
pub fn checked_max_report_bytes() -> Result<u64, String> {
    match std::env::var("SCANDECK_MAX_REPORT_BYTES") {
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MAX_REPORT_BYTES),
        Ok(v) => v.trim().parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!(
                "SCANDECK_MAX_REPORT_BYTES={:?} is not a number of bytes; give a whole number or unset it",
                crate::sanitize::sanitize_line(&v)
            )
        }),
        Err(_) => Err(
            "SCANDECK_MAX_REPORT_BYTES is not valid text; give a whole number or unset it".into(),
        ),
    }
}

/// Reads at most `cap` bytes; a longer input is rejected, never truncated.
/// The length from metadata is not trusted (FIFOs, growing files).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, IngestError> {
    // Opening a FIFO with no writer would wait forever; a device never ends.
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(IngestError::NotAFile);
    }
    let file = std::fs::File::open(path)?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    if hint > cap {
        return Err(IngestError::TooLarge { cap });
    }
    let mut bytes = Vec::with_capacity(hint.min(cap) as usize + 1);
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(IngestError::TooLarge { cap });
    }
    Ok(bytes)
}

/// Drops a UTF-8 BOM and leading whitespace.
pub fn trim_start(bytes: &[u8]) -> &[u8] {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
}

/// Detects, parses and normalises one report held in memory, about the
/// subject the report itself names (or the workspace).
pub fn parse_bytes(bytes: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    parse_bytes_from(bytes, ctx, &identify::Origin::default(), None)
}

/// Like `parse_bytes`, for a report from `origin`; `format` overrides
/// detection (`import --format`, or the tool a scan ran).
pub fn parse_bytes_from(
    bytes: &[u8],
    ctx: &ParseContext,
    origin: &identify::Origin,
    format: Option<Format>,
) -> Result<ParsedReport, IngestError> {
    let body = trim_start(bytes);
    let detected = match format {
        Some(format) => chosen_format(body, format)?,
        None => detect::detect(body)?,
    };
    let mut report = match detected.format {
        Format::TrivyJson | Format::TrivyLegacy | Format::TrivyK8s => {
            trivy::parse(body, detected.format, ctx)?
        }
        Format::Grype => grype::parse(body, ctx)?,
        Format::Sarif => sarif::parse(body, ctx)?,
        Format::Snyk => snyk::parse(body, ctx)?,
        Format::PipAudit => pip_audit::parse(body, ctx)?,
        Format::NpmAuditV2 | Format::NpmAuditV1 | Format::NpmAuditError => {
            npm_audit::parse(body, detected.format, ctx)?
        }
        Format::GitleaksV8 | Format::GitleaksV7 => gitleaks::parse(body, detected.format, ctx)?,
        Format::TrufflehogV3 | Format::TrufflehogV2 => {
            trufflehog::parse(body, detected.format, ctx)?
        }
        Format::DetectSecrets => detect_secrets::parse(body, ctx)?,
        Format::Hadolint => hadolint::parse(body, ctx)?,
        Format::DockleJson => dockle::parse(body, ctx)?,
        Format::CycloneDx => cyclonedx::parse(body, ctx)?,
        Format::OpenVex => openvex::parse(body, ctx)?,
        Format::OsvScanner => osv::parse(body, ctx)?,
        Format::EmptyList => ParsedReport::new(Format::EmptyList, "unknown"),
    };
    normalize::finish(&mut report, ctx);
    identify::identify(&mut report, origin);
    Ok(report)
}

/// Reads a file under the size cap and parses it.
pub fn parse_file(path: &Path, ctx: &ParseContext, cap: u64) -> Result<ParsedReport, IngestError> {
    let bytes = read_capped(path, cap)?;
    parse_bytes(&bytes, ctx)
}

/// Like `parse_file`, for a report from `origin` (see `parse_bytes_from`).
pub fn parse_file_from(
    path: &Path,
    ctx: &ParseContext,
    cap: u64,
    origin: &identify::Origin,
    format: Option<Format>,
) -> Result<ParsedReport, IngestError> {
    let bytes = read_capped(path, cap)?;
    parse_bytes_from(&bytes, ctx, origin, format)
}

/// A finding with only the essentials set; parsers fill in the rest.
pub fn blank_finding(
    kind: Kind,
    id: String,
    source: &Arc<SourceInfo>,
    target: &Arc<str>,
) -> Finding {
    Finding {
        kind,
        id,
        aliases: Vec::new(),
        severity: Severity::Unknown,
        severity_raw: None,
        details: Arc::new(Details::default()),
        package: None,
        image: None,
        layer: None,
        target: Arc::clone(target),
        location: Place::default(),
        source: Arc::clone(source),
        scanner_status: None,
        suppressed_by_tool: false,
        secret: None,
        merged: 1,
        subject: Arc::from(""),
        fingerprint: Fingerprint::default(),
        legacy_fingerprint: None,
        also: None,
    }
}

/// Builds the shared source record for one report.
pub fn source_info(scanner: &str, version: Option<String>, ctx: &ParseContext) -> Arc<SourceInfo> {
    Arc::new(SourceInfo {
        scanner: scanner.to_string(),
        version,
        report: ctx.report_name.to_string(),
    })
}

/// Severity from a word, keeping the raw word.
pub fn severity_of(word: Option<&str>) -> (Severity, Option<Arc<str>>) {
    match word.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => (Severity::from_word(w), Some(crate::model::words::word(w))),
        None => (Severity::Unknown, None),
    }
}

/// Splits Trivy's comma lists (`"4.2.3, 3.4.3"`) and drops empties.
pub fn split_versions(text: Option<&str>) -> Vec<Arc<str>> {
    text.map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(crate::model::words::word)
            .collect()
    })
    .unwrap_or_default()
}

/// Ecosystem from a purl (`pkg:npm/...` → `npm`).
pub fn purl_type(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:")?;
    let end = rest.find('/')?;
    Some(rest[..end].to_ascii_lowercase())
}

/// A one-line title made from a longer text: its first line, at most 120 characters.
pub fn summary_line(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let first = first.trim_start_matches('#').trim();
    crate::sanitize::truncate_chars(first, 120).into_owned()
}
