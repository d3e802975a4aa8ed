//! Report-wide finishing: image assignment, alias clean-up, fingerprints, and
//! merging records that are the same finding (Snyk's one entry per dependency
//! path, Trivy's repeated vendored packages, k8s workloads sharing an image).

use super::{ParseContext, ParsedReport};
use crate::model::{fingerprint, Finding, ImageRef};
use std::collections::HashMap;
use std::sync::Arc;

pub fn finish(report: &mut ParsedReport, ctx: &ParseContext) {
    if let Some(name) = ctx.image_override.map(str::trim).filter(|n| !n.is_empty()) {
        let mut given = ImageRef::named(name);
        if let Some(reported) = &report.image {
            if reported.repository() == given.repository() {
                given.digest = reported.digest.clone();
                given.id = reported.id.clone();
            }
        }
        report.image = Some(given);
    }
    if report
        .image
        .as_ref()
        .is_some_and(|i| i.name.trim().is_empty())
    {
        report.image = None;
    }
    let report_image = report.image.clone().map(Arc::new);
    if report.records == 0 {
        report.records = report.findings.len();
    }
    let findings = std::mem::take(&mut report.findings);
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut index: HashMap<MergeKey, usize> = HashMap::with_capacity(findings.len());
    for mut finding in findings {
        if finding.image.is_none() || ctx.image_override.is_some() {
            if let Some(image) = &report_image {
                finding.image = Some(Arc::clone(image));
            }
        }
        tidy_aliases(&mut finding);
        let key = MergeKey::of(&finding);
        match index.get(&key) {
            Some(&at) => absorb(&mut merged[at], finding),
            None => {
                finding.fingerprint = fingerprint::compute(&finding);
                index.insert(key, merged.len());
                merged.push(finding);
            }
        }
    }
    report.findings = merged;
}

fn tidy_aliases(finding: &mut Finding) {
    let id = finding.id.clone();
    finding
        .aliases
        .retain(|a| !a.trim().is_empty() && !a.eq_ignore_ascii_case(&id));
    finding.aliases.sort();
    finding.aliases.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
}

fn absorb(kept: &mut Finding, other: Finding) {
    kept.merged = kept.merged.saturating_add(other.merged);
    let mut grew = false;
    for alias in other.aliases {
        if !kept.has_id(&alias) {
            kept.aliases.push(alias);
            grew = true;
        }
    }
    if grew {
        kept.aliases.sort();
        kept.fingerprint = fingerprint::compute(kept);
    }
    if other.severity > kept.severity {
        kept.severity = other.severity;
        kept.severity_raw = other.severity_raw;
    }
}

/// Same target, kind, id, package, installed version and location (formats.md §16.8).
#[derive(PartialEq, Eq, Hash)]
struct MergeKey {
    image: Option<String>,
    target: Arc<str>,
    kind: crate::model::Kind,
    id: String,
    package: Option<String>,
    installed: Option<String>,
    package_path: Option<String>,
    path: Option<String>,
    line: Option<u32>,
    secret: Option<String>,
}

impl MergeKey {
    fn of(f: &Finding) -> MergeKey {
        MergeKey {
            image: f.image.as_ref().map(|i| i.name.clone()),
            target: Arc::clone(&f.target),
            kind: f.kind,
            id: f.id.to_ascii_uppercase(),
            package: f.package.as_ref().map(|p| p.name.clone()),
            installed: f.installed_version().map(str::to_string),
            package_path: f.package.as_ref().and_then(|p| p.path.clone()),
            path: f.location.path.clone(),
            line: f.location.line,
            secret: f.secret.as_ref().map(|s| s.keyed_hash.clone()),
        }
    }
}
