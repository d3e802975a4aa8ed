//! `scandeck export --format F [filters] [-o FILE]`: the current filter as a
//! report, or the decisions as OpenVEX / `.trivyignore.yaml`.

use super::list::build_filter;
use super::{Failure, Outcome};
use crate::cli::ExportArgs;
use crate::config::Paths;
use crate::export::{self, ExportInput};
use crate::store::AdvisoryTexts;
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path, args: &ExportArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    // The records read each whole advisory text as they are written
    // (`AdvisoryTexts`): the view holds the brief ones.
    let readiness =
        super::readiness::gather(paths, workspace, None, crate::store::AdvisoryText::Brief)?;
    let now = readiness.now;
    let view = &readiness.view;
    let positions = view.select(&filter.query, args.order.sort, args.order.reverse);
    let rows = view.rows(&positions);
    // Exports travel (tickets, pull requests, uploads): the workspace is named
    // by its folder, never by a path on this machine.
    let label = std::fs::canonicalize(workspace).unwrap_or_else(|_| workspace.to_path_buf());
    let name = label.file_name().map_or_else(
        || label.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    if args.per_image {
        return write_per_subject(args, workspace, rows, &view.triage, &name, &filter, now);
    }
    let mut input = ExportInput::new(rows, &view.triage, &name, &filter.describe(), now);
    input.header.checklist = readiness.summary(&crate::gate::Policy::default());
    input.header.not_checked = readiness.walk.not_checked.clone();
    input.bases = crate::rules::base_images::of_workspace(workspace);
    input.texts = AdvisoryTexts::open(&readiness.workspace);
    let left_out = export::check(args.format, &input).map_err(Failure::input)?;
    if let Some(line) = left_out {
        super::warn(&line);
    }
    if args.format == crate::export::ExportFormat::Sarif
        && input.rows.iter().any(|(_, a)| {
            matches!(
                a.status,
                crate::triage::Status::Suppressed | crate::triage::Status::Accepted
            )
        })
    {
        // DefectDojo reads every SARIF suppression as a false positive.
        super::warn("note: for DefectDojo use --format defectdojo: its SARIF parser turns every suppression (acceptances and not-affected ones too) into a false positive");
    }
    use crate::export::destination::{self, Existing, Written};
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("-"));
    // Trivy reads `.trivyignore` (or any non-YAML name) as its plain format
    // and would ignore nothing, silently.
    let yaml_name = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if args.format == crate::export::ExportFormat::Trivyignore
        && path.as_os_str() != "-"
        && !yaml_name
        && !args.force
    {
        return Err(Failure::input(format!(
            "{}: Trivy reads it as its plain format and would ignore nothing; name it .trivyignore.yaml (or pass --force)",
            crate::sanitize::sanitize_line(&path.display().to_string())
        )));
    }
    let own = workspace.join(".scandeck");
    destination::outside_own_folder(&path, &own).map_err(Failure::input)?;
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    if args.format == crate::export::ExportFormat::Sarif {
        let runs = crate::export::sarif::runs(&input);
        if runs.len() > crate::export::sarif::GITHUB_RUNS_PER_FILE {
            return write_sarif_files(&path, &own, &input, &runs, existing);
        }
    }
    let written = destination::write_with(&path, existing, &mut |out| {
        export::write(args.format, &input, out)?;
        whole_texts(&input)
    })
    .map_err(Failure::input)?;
    if written != Written::Through {
        eprintln!(
            "{}",
            crate::sanitize::sanitize_line(&format!(
                "{} {} with {} findings",
                if written == Written::Replaced {
                    "replaced"
                } else {
                    "wrote"
                },
                path.display(),
                input.header.findings,
            ))
        );
    }
    Ok(0)
}

/// An export whose records could not all read their whole advisory text
/// is not kept: it would lack descriptions without saying so.
fn whole_texts(input: &ExportInput) -> std::io::Result<()> {
    match input.texts.missed() {
        Some(why) => Err(std::io::Error::other(why)),
        None => Ok(()),
    }
}

/// `--per-image`: one `.trivyignore.yaml` (or `.grype.yaml`) per subject whose findings the
/// view's snoozes and acceptances cover, beside `-o FILE` and named after
/// the subject (`finance-tracker_backend.trivyignore.yaml`).
fn write_per_subject(
    args: &ExportArgs,
    workspace: &Path,
    rows: Vec<(&crate::model::Finding, &crate::triage::Assessment)>,
    decisions: &crate::store::decisions::DecisionFile,
    name: &str,
    filter: &crate::query::Filter,
    now: chrono::DateTime<chrono::Utc>,
) -> Outcome {
    use crate::export::{destination, trivyignore};
    let render: fn(&ExportInput) -> String = match args.format {
        crate::export::ExportFormat::Trivyignore => trivyignore::render,
        crate::export::ExportFormat::GrypeIgnore => crate::export::grype_ignore::render,
        _ => {
            return Err(Failure::input(
                "--per-image applies to --format trivyignore and grype-ignore only (their ignore files cannot name an image)",
            ))
        }
    };
    let path =
        match args.output.as_deref() {
            Some(p) if p.as_os_str() != "-" => p,
            _ => return Err(Failure::input(
                "--per-image writes several files: name where with -o DIR/.trivyignore.yaml (or DIR/.grype.yaml)",
            )),
        };
    let whole = ExportInput::new(rows.clone(), decisions, name, &filter.describe(), now);
    let subjects = trivyignore::subjects(&whole);
    if subjects.is_empty() {
        return Err(Failure::input(
            "no snooze or acceptance in the view: there is nothing for an ignore file to carry",
        ));
    }
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().trim_start_matches('.').to_string())
        .unwrap_or_else(|| "trivyignore.yaml".into());
    let own = workspace.join(".scandeck");
    let existing = if args.force {
        destination::Existing::Replace
    } else {
        destination::Existing::Keep
    };
    for subject in &subjects {
        let mine: Vec<_> = rows
            .iter()
            .filter(|(f, _)| f.subject.as_ref() == subject.as_str())
            .copied()
            .collect();
        let input = ExportInput::new(mine, decisions, name, &filter.describe(), now);
        let target = path.with_file_name(format!("{}.{base}", trivyignore::file_part(subject)));
        destination::outside_own_folder(&target, &own).map_err(Failure::input)?;
        destination::write(&target, render(&input).as_bytes(), existing).map_err(Failure::input)?;
        eprintln!(
            "{}",
            crate::sanitize::sanitize_line(&format!("wrote {} for {subject}", target.display()))
        );
    }
    Ok(0)
}

/// More runs than GitHub takes in one file: `NAME.sarif`, `NAME.2.sarif`, …
fn write_sarif_files(
    path: &Path,
    own: &Path,
    input: &ExportInput,
    runs: &[crate::export::sarif::RunRows],
    existing: crate::export::destination::Existing,
) -> Outcome {
    use crate::export::sarif::{write_document, GITHUB_RUNS_PER_FILE};
    let total = runs.len().div_ceil(GITHUB_RUNS_PER_FILE);
    if path.as_os_str() == "-" {
        return Err(Failure::input(format!(
            "the SARIF export needs {total} files (GitHub takes {GITHUB_RUNS_PER_FILE} runs per file); name the first with -o FILE.sarif",
        )));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scandeck".into());
    for (n, runs) in runs.chunks(GITHUB_RUNS_PER_FILE).enumerate() {
        let target = if n == 0 {
            path.to_path_buf()
        } else {
            path.with_file_name(format!("{stem}.{}.sarif", n + 1))
        };
        crate::export::destination::outside_own_folder(&target, own).map_err(Failure::input)?;
        crate::export::destination::write_with(&target, existing, &mut |out| {
            write_document(out, input, runs)?;
            whole_texts(input)
        })
        .map_err(Failure::input)?;
        eprintln!(
            "{}",
            crate::sanitize::sanitize_line(&format!(
                "wrote {} ({} of {total})",
                target.display(),
                n + 1
            ))
        );
    }
    eprintln!(
        "{} findings in {total} SARIF files: upload each one",
        input.header.findings
    );
    Ok(0)
}
