//! Report-wide finishing: image assignment, alias clean-up, and
//! merging records that are the same finding (Snyk's one entry per dependency
//! path, Trivy's repeated vendored packages, k8s workloads sharing an image).

use super::{ParseContext, ParsedReport};
use crate::fasthash::{FxHashMap, FxHasher};
use crate::model::{Finding, ImageRef};
use std::hash::{Hash, Hasher};
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
        report.image_given = true;
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
    // Record hash → first index with that hash; `chain` links further indices.
    let mut first: FxHashMap<u64, usize> =
        FxHashMap::with_capacity_and_hasher(findings.len(), Default::default());
    let mut chain: Vec<usize> = Vec::with_capacity(findings.len());
    for mut finding in findings {
        if finding.image.is_none() || ctx.image_override.is_some() {
            if let Some(image) = &report_image {
                finding.image = Some(Arc::clone(image));
            }
        }
        tidy_aliases(&mut finding);
        let hash = record_hash(&finding);
        let mut at = first.get(&hash).copied();
        while let Some(i) = at {
            if same_record(&merged[i], &finding) {
                break;
            }
            at = (chain[i] != NONE).then_some(chain[i]);
        }
        match at {
            Some(i) => absorb(&mut merged[i], finding),
            None => {
                let new = merged.len();
                chain.push(first.insert(hash, new).unwrap_or(NONE));
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
    }
    if other.severity > kept.severity {
        kept.severity = other.severity;
        kept.severity_raw = other.severity_raw;
    }
}

const NONE: usize = usize::MAX;

/// Same target, kind, id, package, installed version and location (docs/formats.md §16.8).
fn same_record(a: &Finding, b: &Finding) -> bool {
    a.kind == b.kind
        && a.id.eq_ignore_ascii_case(&b.id)
        && a.target == b.target
        && a.image.as_ref().map(|i| &i.name) == b.image.as_ref().map(|i| &i.name)
        && a.package.as_ref().map(|p| (&p.name, &p.path))
            == b.package.as_ref().map(|p| (&p.name, &p.path))
        && a.installed_version() == b.installed_version()
        && a.location == b.location
        && a.secret.as_ref().map(|s| &s.keyed_hash) == b.secret.as_ref().map(|s| &s.keyed_hash)
}

/// A hash over the fields `same_record` compares, without allocating.
fn record_hash(f: &Finding) -> u64 {
    let mut h = FxHasher::default();
    f.kind.hash(&mut h);
    for b in f.id.bytes() {
        h.write_u8(b.to_ascii_uppercase());
    }
    f.target.hash(&mut h);
    f.image.as_ref().map(|i| &i.name).hash(&mut h);
    f.package.as_ref().map(|p| (&p.name, &p.path)).hash(&mut h);
    f.installed_version().hash(&mut h);
    f.location.path.hash(&mut h);
    f.location.line.hash(&mut h);
    h.finish()
}
