//! The posture scan: scandeck's project rules (`crate::rules::posture`)
//! and the project-file checks, every problem as a finding.

use super::native_report::NativeFinding;
use crate::model::Severity;
use crate::rules::posture::{check_project, rule_infos, FILE_CHECKS};
use crate::rules::project_files::ProjectFiles;

/// The posture scan: every problem of every rule as a finding.
pub fn scan_findings(files: &ProjectFiles) -> Vec<NativeFinding> {
    let infos = rule_infos();
    let mut problems: Vec<(String, Vec<String>)> = check_project(files)
        .into_iter()
        .map(|r| (r.rule.to_string(), r.problems))
        .collect();
    for name in FILE_CHECKS {
        if let Some(ev) = crate::rules::file_checks::project_file_check(name, files) {
            if ev.proposal == crate::rules::file_checks::Proposal::Fail {
                let details = if ev.details.is_empty() {
                    vec![ev.summary.clone()]
                } else {
                    ev.details.clone()
                };
                problems.push((name.to_string(), details));
            }
        }
    }
    let mut out = Vec::new();
    for (rule, list) in problems {
        let info = infos.iter().find(|i| i.id == rule);
        for problem in list {
            let (file, what) = problem.split_once(": ").unwrap_or(("", problem.as_str()));
            out.push(NativeFinding {
                rule: rule.clone(),
                severity: info
                    .map(|i| Severity::from_word(&i.severity))
                    .unwrap_or(Severity::Medium),
                problem: problem.clone(),
                rationale: info.map(|i| i.rationale.clone()).unwrap_or_default(),
                remediation: info.map(|i| i.remediation.clone()).unwrap_or_default(),
                // A problem of the whole project (no rate limiting anywhere)
                // is the project's: its target is the project, never the
                // message.
                location: if file.is_empty() {
                    format!(".#{what}")
                } else {
                    format!("{file}#{what}")
                },
                line: None,
                secret: None,
            });
        }
    }
    out
}
