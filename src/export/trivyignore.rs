//! `.trivyignore.yaml` for snoozes and risk acceptances: one entry per alias
//! id (Trivy matches only the id it reports), `expired_at` the day the
//! decision ends (Trivy stops ignoring at midnight UTC of that day: never
//! later than decided), the reason as `statement`, versionless purls so that
//! a version bump keeps matching.

use super::input::ExportInput;
use crate::model::Kind;
use crate::triage::Disposition;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A YAML double-quoted scalar (JSON string syntax is valid YAML), with the
/// characters YAML does not allow in a document (U+FFFE, U+FFFF, C1
/// controls) replaced, so that Trivy can always read the file.
pub(super) fn quoted(text: &str) -> String {
    let clean: String = crate::sanitize::sanitize_line(text)
        .chars()
        .map(|c| if yaml_printable(c) { c } else { '\u{fffd}' })
        .collect();
    serde_json::to_string(&clean).unwrap_or_else(|_| "\"\"".into())
}

/// YAML 1.2's printable set.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

struct Entry {
    id: String,
    statement: String,
    expired_at: Option<String>,
    purls: Vec<String>,
    paths: Vec<String>,
}

/// The rows whose decision an ignore file carries — snoozes and
/// acceptances — with the decision and its key.
pub(super) fn carried<'a>(
    input: &'a ExportInput,
) -> impl Iterator<
    Item = (
        &'a crate::model::Finding,
        &'a String,
        &'a crate::triage::Decision,
    ),
> + 'a {
    input.rows.iter().filter_map(|(f, a)| {
        let key = a.decision.as_ref()?;
        let d = input.decisions.decisions.get(key)?;
        matches!(d.disposition, Disposition::Snoozed | Disposition::Accepted)
            .then_some((*f, key, d))
    })
}

/// The subjects (images, projects) whose findings the file would ignore,
/// sorted. Trivy cannot scope an ignore file to one image: an entry for
/// image A's finding also hides the same id (and package) in image B.
pub fn subjects(input: &ExportInput) -> Vec<String> {
    let mut subjects: Vec<String> = carried(input)
        .map(|(f, _, _)| f.subject.to_string())
        .collect();
    subjects.sort();
    subjects.dedup();
    subjects
}

/// Refuses a view whose decisions span several subjects, in one line:
/// neither Trivy's nor Grype's ignore file can be scoped to one image.
/// `scanner` and `file` name the format in the message.
pub fn single_subject(input: &ExportInput, scanner: &str, file: &str) -> Result<(), String> {
    let subjects = subjects(input);
    if subjects.len() <= 1 {
        return Ok(());
    }
    Err(format!(
        "the view's snoozes and acceptances span {} subjects ({}) and {scanner} cannot scope an ignore file to one image, so each would hide the others' findings: write one file per subject with --per-image -o DIR/{file}, or narrow the view (--image NAME)",
        subjects.len(),
        crate::sanitize::sanitize_line(&subjects.join(", "))
    ))
}

/// A file name part for a subject: `image:acme/api` → `acme_api`.
pub fn file_part(subject: &str) -> String {
    let bare = crate::model::subject::name_of(subject);
    let part: String = bare
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let part = part.trim_matches(|c| c == '_' || c == '.').to_string();
    if part.is_empty() {
        "workspace".to_string()
    } else {
        part
    }
}

pub fn render(input: &ExportInput) -> String {
    let mut sections: BTreeMap<&'static str, Vec<Entry>> = BTreeMap::new();
    for (f, key, d) in carried(input) {
        let section = match f.kind {
            Kind::Vulnerability => "vulnerabilities",
            Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture => "misconfigurations",
            Kind::Secret => "secrets",
            Kind::License => "licenses",
        };
        let expired_at = d
            .until_time()
            .map(|t| t.date_naive().format("%Y-%m-%d").to_string());
        let statement = format!(
            "{} by {} {}: {} [triage:{}]",
            d.disposition, d.decided_by, d.decided_at, d.reason, key
        );
        let purls: Vec<String> = f
            .package
            .as_ref()
            .and_then(|p| p.purl.as_deref())
            .map(super::openvex::versionless_purl)
            .into_iter()
            .collect();
        let paths: Vec<String> = if f.kind == Kind::Vulnerability {
            Vec::new()
        } else {
            f.location.path.iter().cloned().collect()
        };
        for id in std::iter::once(&f.id).chain(f.aliases.iter()) {
            sections.entry(section).or_default().push(Entry {
                id: id.clone(),
                statement: statement.clone(),
                expired_at: expired_at.clone(),
                purls: purls.clone(),
                paths: paths.clone(),
            });
        }
    }
    let mut out = format!(
        "# Generated by {} from .scandeck/decisions.json at {}: snoozes and risk acceptances.\n# Use with: trivy ... --ignorefile .trivyignore.yaml\n",
        input.header.tool, input.header.generated_at
    );
    if sections.is_empty() {
        out.push_str("vulnerabilities: []\n");
    }
    for (section, entries) in sections {
        let _ = writeln!(out, "{section}:");
        for e in entries {
            let _ = writeln!(out, "  - id: {}", quoted(&e.id));
            let _ = writeln!(out, "    statement: {}", quoted(&e.statement));
            if let Some(at) = e.expired_at {
                let _ = writeln!(out, "    expired_at: {at}");
            }
            if !e.purls.is_empty() {
                let _ = writeln!(out, "    purls:");
                for p in e.purls {
                    let _ = writeln!(out, "      - {}", quoted(&p));
                }
            }
            if !e.paths.is_empty() {
                let _ = writeln!(out, "    paths:");
                for p in e.paths {
                    let _ = writeln!(out, "      - {}", quoted(&p));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_files_without_separators() {
        assert_eq!(
            file_part("image:finance-tracker/backend"),
            "finance-tracker_backend"
        );
        assert_eq!(file_part("project:./"), "workspace");
        assert_eq!(file_part("image:ghcr.io/acme/api"), "ghcr.io_acme_api");
        assert_eq!(file_part("image:../../etc"), "etc");
    }

    #[test]
    fn characters_yaml_forbids_never_reach_the_file() {
        let q = quoted("title \u{ffff} and \u{fffe} and \u{9c}");
        assert!(q.chars().all(yaml_printable), "{q}");
        assert!(q.starts_with('"') && q.ends_with('"'));
    }
}
