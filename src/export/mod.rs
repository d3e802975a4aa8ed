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
pub mod stream;
pub mod table;
pub mod trivyignore;

pub use input::ExportInput;
pub use record::Record;
use std::io::{self, Write};

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
    let note = check(format, input)?;
    let mut bytes = Vec::new();
    write(format, input, &mut bytes).map_err(|e| format!("cannot make the export: {e}"))?;
    Ok((bytes, note))
}

/// Whether the export can be written, before anything is: why not (an
/// OpenVEX document needs a statement, an ignore file one subject), or a
/// line about what it leaves out.
pub fn check(format: ExportFormat, input: &ExportInput) -> Result<Option<String>, String> {
    match format {
        ExportFormat::Openvex => openvex::render(input).map(|(_, left_out)| left_out),
        ExportFormat::Trivyignore => {
            trivyignore::single_subject(input, "Trivy", ".trivyignore.yaml").map(|_| None)
        }
        ExportFormat::GrypeIgnore => {
            trivyignore::single_subject(input, "Grype", ".grype.yaml").map(|_| None)
        }
        _ => Ok(None),
    }
}

/// Writes the export to `out` as it is made (`check` first): the findings
/// go out one at a time, so a large export is never held whole.
pub fn write(format: ExportFormat, input: &ExportInput, out: &mut dyn Write) -> io::Result<()> {
    // Report text reaches these documents through many fields: one pass
    // over the whole document before it leaves.
    let pretty = |out: &mut dyn Write, mut v: serde_json::Value| -> io::Result<()> {
        crate::sanitize::sanitize_json(&mut v);
        serde_json::to_writer_pretty(&mut *out, &v)?;
        out.write_all(b"\n")
    };
    match format {
        ExportFormat::Md => out.write_all(markdown::render(input).as_bytes()),
        ExportFormat::Html => html::write(out, input),
        ExportFormat::Csv => csv::write(out, input.records()),
        ExportFormat::Json => json_document(out, input),
        ExportFormat::Sarif => sarif::write(out, input),
        ExportFormat::Openvex => match openvex::render(input) {
            Ok((doc, _)) => pretty(out, doc),
            Err(why) => Err(io::Error::other(why)),
        },
        ExportFormat::Trivyignore => out.write_all(trivyignore::render(input).as_bytes()),
        ExportFormat::GrypeIgnore => out.write_all(grype_ignore::render(input).as_bytes()),
        ExportFormat::Defectdojo => defectdojo::write_json(out, input),
        ExportFormat::DefectdojoCsv => defectdojo::write_csv(out, input),
    }
}

/// The JSON export: the header, every finding's record and the decisions
/// that apply, one record at a time.
fn json_document(out: &mut dyn Write, input: &ExportInput) -> io::Result<()> {
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
    let doc = serde_json::json!({
        "decisions": decisions,
        "findings": [],
        "header": serde_json::to_value(&input.header)?,
    });
    let mut w = stream::JsonWriter::new(out);
    w.object(doc, &mut |w, key, value| match key {
        "findings" => w.array(input.records(), |w, record| {
            w.value(serde_json::to_value(record)?)
        }),
        _ => w.value(value),
    })?;
    w.finish()
}
