//! Reading VEX back: which findings an OpenVEX (or CycloneDX VEX) statement
//! speaks about, and the decisions an imported document makes. Only
//! `not_affected` with a justification becomes a decision (not affected);
//! other statuses are reported, never applied.

use super::decision::{Decision, Disposition, FindingLabel, Selector, VEX_JUSTIFICATIONS};
use crate::ingest::VexStatement;
use crate::model::purl::{product_ids, versionless_purl};
use crate::model::Finding;

/// A product identifier without version and qualifiers, lower-case.
fn normalized(id: &str) -> String {
    versionless_purl(id).to_ascii_lowercase()
}

/// Whether `statement` is about `f`: it names the finding's id or one of
/// its aliases, and one of its products is the finding's image lineage or
/// package (a statement without products covers every product).
pub fn covers(statement: &VexStatement, f: &Finding) -> bool {
    let names_it = std::iter::once(&statement.vulnerability)
        .chain(&statement.aliases)
        .filter(|v| !v.is_empty())
        .any(|v| {
            v.eq_ignore_ascii_case(&f.id) || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(v))
        });
    if !names_it {
        return false;
    }
    if statement.products.is_empty() {
        return true;
    }
    let mine: Vec<String> = product_ids(f).iter().map(|p| normalized(p)).collect();
    statement
        .products
        .iter()
        .any(|p| mine.contains(&normalized(p)))
}

/// What applying a document did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub decisions: Vec<Decision>,
    /// One line per statement that was not applied, and why.
    pub skipped: Vec<String>,
}

/// The decisions `statements` make about `findings` (those without a decision yet).
pub fn decisions_for(
    statements: &[VexStatement],
    findings: &[&Finding],
    source: &str,
    who: &str,
    at: &str,
) -> Applied {
    let mut applied = Applied::default();
    for st in statements {
        let name = if st.vulnerability.is_empty() {
            "(unnamed)"
        } else {
            st.vulnerability.as_str()
        };
        if st.status != "not_affected" {
            applied.skipped.push(format!(
                "{name}: status {} is recorded by the scanner, not as a decision",
                if st.status.is_empty() {
                    "missing"
                } else {
                    &st.status
                }
            ));
            continue;
        }
        let Some(justification) = st
            .justification
            .as_deref()
            .filter(|j| VEX_JUSTIFICATIONS.contains(j))
        else {
            applied.skipped.push(format!(
                "{name}: not_affected without a known justification; decide it in scandeck"
            ));
            continue;
        };
        let matched: Vec<&&Finding> = findings.iter().filter(|f| covers(st, f)).collect();
        if matched.is_empty() {
            applied
                .skipped
                .push(format!("{name}: no current finding matches its products"));
        }
        for f in matched {
            let reason = match &st.statement {
                Some(s) => format!("OpenVEX {source}: {s}"),
                None => format!("OpenVEX {source}"),
            };
            applied.decisions.push(Decision {
                disposition: Disposition::NotAffected,
                selector: Selector::for_finding(f),
                finding: Some(FindingLabel::of(f)),
                reason: crate::sanitize::sanitize_line(&reason).into_owned(),
                until: None,
                until_fix: false,
                approver: None,
                justification: Some(justification.to_string()),
                decided_by: who.to_string(),
                decided_at: at.to_string(),
                entry: None,
            });
        }
    }
    applied
}
