//! Writing findings out, always of the current filter: the `list` formats
//! (table, JSON contract, CSV) and the exports (Markdown, HTML, CSV, JSON,
//! SARIF, OpenVEX, `.trivyignore.yaml`, `.grype.yaml`).

pub mod csv;
pub mod defectdojo;
pub mod destination;
pub mod grype_ignore;
pub mod html;
pub mod input;
pub mod json;
pub mod markdown;
pub mod openvex;
pub mod record;
pub mod sarif;
pub mod table;
pub mod trivyignore;

pub use input::ExportInput;
pub use record::Record;

/// Export formats of `scandeck export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Html,
    Csv,
    Json,
    Sarif,
    Openvex,
    Trivyignore,
    GrypeIgnore,
    Defectdojo,
    DefectdojoCsv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 10] = [
        ExportFormat::Md,
        ExportFormat::Html,
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Sarif,
        ExportFormat::Openvex,
        ExportFormat::Trivyignore,
        ExportFormat::GrypeIgnore,
        ExportFormat::Defectdojo,
        ExportFormat::DefectdojoCsv,
    ];

    /// What the console's export dialog offers.
    pub fn describe(self) -> &'static str {
        match self {
            ExportFormat::Md => "Markdown (pull requests, tickets)",
            ExportFormat::Html => "HTML (one self-contained page)",
            ExportFormat::Csv => "CSV (spreadsheets)",
            ExportFormat::Json => "JSON (the list contract with decisions and SLA)",
            ExportFormat::Sarif => "SARIF 2.1.0 (code-scanning dashboards)",
            ExportFormat::Openvex => "OpenVEX (not affected / false positive / fixed decisions)",
            ExportFormat::Trivyignore => ".trivyignore.yaml (snoozes and acceptances)",
            ExportFormat::GrypeIgnore => ".grype.yaml ignore rules (snoozes and acceptances)",
            ExportFormat::Defectdojo => "DefectDojo (Generic Findings Import JSON)",
            ExportFormat::DefectdojoCsv => "DefectDojo (Generic Findings Import CSV)",
        }
    }

    /// The file name the console proposes.
    pub fn default_file_name(self) -> &'static str {
        match self {
            ExportFormat::Md => "scandeck-export.md",
            ExportFormat::Html => "scandeck-export.html",
            ExportFormat::Csv => "scandeck-export.csv",
            ExportFormat::Json => "scandeck-export.json",
            ExportFormat::Sarif => "scandeck.sarif",
            ExportFormat::Openvex => "scandeck.openvex.json",
            ExportFormat::Trivyignore => ".trivyignore.yaml",
            ExportFormat::GrypeIgnore => ".grype.yaml",
            ExportFormat::Defectdojo => "scandeck.defectdojo.json",
            ExportFormat::DefectdojoCsv => "scandeck.defectdojo.csv",
        }
    }
}

/// Renders an export to bytes, or says why there is nothing to write (an
/// OpenVEX document needs a statement).
pub fn render(format: ExportFormat, input: &ExportInput) -> Result<Vec<u8>, String> {
    render_with_notes(format, input).map(|(bytes, _)| bytes)
}

/// `render`, with a line about what the export left out, if anything.
pub fn render_with_notes(
    format: ExportFormat,
    input: &ExportInput,
) -> Result<(Vec<u8>, Option<String>), String> {
    // Report text reaches these documents through many fields: one pass
    // over the whole document before it leaves.
    let pretty = |mut v: serde_json::Value| {
        crate::sanitize::sanitize_json(&mut v);
        let mut bytes = serde_json::to_vec_pretty(&v).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    };
    let bytes = match format {
        ExportFormat::Md => markdown::render(input).into_bytes(),
        ExportFormat::Html => html::render(input).into_bytes(),
        ExportFormat::Csv => {
            let mut out = Vec::new();
            let _ = csv::write(&mut out, input.records());
            out
        }
        ExportFormat::Json => {
            let decisions: serde_json::Map<String, serde_json::Value> = input
                .rows
                .iter()
                .filter_map(|(_, a)| a.decision.as_ref())
                .filter_map(|k| {
                    input.decisions.decisions.get(k).map(|d| {
                        // The audit link means nothing outside the workspace.
                        let mut d = d.clone();
                        d.entry = None;
                        (k.clone(), serde_json::to_value(d).unwrap_or_default())
                    })
                })
                .collect();
            pretty(serde_json::json!({
                "header": input.header,
                "findings": input.records().collect::<Vec<_>>(),
                "decisions": decisions,
            }))
        }
        ExportFormat::Sarif => pretty(sarif::render(input)),
        ExportFormat::Openvex => {
            let (doc, left_out) = openvex::render(input)?;
            return Ok((pretty(doc), left_out));
        }
        ExportFormat::Trivyignore => {
            trivyignore::single_subject(input, "Trivy", ".trivyignore.yaml")?;
            trivyignore::render(input).into_bytes()
        }
        ExportFormat::GrypeIgnore => {
            trivyignore::single_subject(input, "Grype", ".grype.yaml")?;
            grype_ignore::render(input).into_bytes()
        }
        ExportFormat::Defectdojo => pretty(defectdojo::render(input)),
        ExportFormat::DefectdojoCsv => {
            let mut out = Vec::new();
            let _ = defectdojo::write_csv(&mut out, input);
            out
        }
    };
    Ok((bytes, None))
}
