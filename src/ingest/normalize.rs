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
    // Merged in place: the records kept are moved to the front, in order,
    // and the rest dropped at the end. A second vector as long as the
    // report was the import's peak (1M records: 384 MB more at once).
    let findings = &mut report.findings;
    let mut kept = 0usize;
    // Record hash → first kept index with that hash; `chain` links further ones.
    let mut first: FxHashMap<u64, usize> =
        FxHashMap::with_capacity_and_hasher(findings.len(), Default::default());
    let mut chain: Vec<usize> = Vec::with_capacity(findings.len());
    for next in 0..findings.len() {
        let finding = &mut findings[next];
        if finding.image.is_none() || ctx.image_override.is_some() {
            if let Some(image) = &report_image {
                finding.image = Some(Arc::clone(image));
            }
        }
        tidy_aliases(finding);
        let hash = record_hash(finding);
        let (before, rest) = findings.split_at_mut(next);
        let finding = &mut rest[0];
        let mut at = first.get(&hash).copied();
        while let Some(i) = at {
            if same_record(&before[i], finding) {
                break;
            }
            at = (chain[i] != NONE).then_some(chain[i]);
        }
        match at {
            Some(i) => absorb(&mut before[i], finding),
            None => {
                chain.push(first.insert(hash, kept).unwrap_or(NONE));
                findings.swap(kept, next);
                kept += 1;
            }
        }
    }
    findings.truncate(kept);
}

fn tidy_aliases(finding: &mut Finding) {
    let id = finding.id.clone();
    finding
        .aliases
        .retain(|a| !a.trim().is_empty() && !a.eq_ignore_ascii_case(&id));
    finding.aliases.sort();
    finding.aliases.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
}

/// Takes `other`'s aliases, count and worse severity into `kept`; what is
/// left of `other` is dropped.
fn absorb(kept: &mut Finding, other: &mut Finding) {
    kept.merged = kept.merged.saturating_add(other.merged);
    let mut grew = false;
    for alias in std::mem::take(&mut other.aliases) {
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
        kept.severity_raw = other.severity_raw.take();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{blank_finding, source_info, Format};
    use crate::model::{Kind, Redactor, Severity};

    /// Records that are one finding become the first of them, in the order
    /// the report gave them, carrying the others' count, aliases and worst
    /// severity; the rest keep their order.
    #[test]
    fn records_merge_into_the_first_in_report_order() {
        let redactor = Redactor::with_key([3; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "r.json",
            image_override: None,
        };
        let source = source_info("trivy", None, &ctx);
        let target: Arc<str> = Arc::from("app");
        let record = |id: &str, alias: &str, severity: Severity| {
            let mut f = blank_finding(Kind::Vulnerability, id.to_string(), &source, &target);
            f.aliases = vec![alias.to_string(), id.to_lowercase()];
            f.severity = severity;
            f
        };
        let mut report = ParsedReport::new(Format::TrivyJson, "trivy");
        report.findings = vec![
            record("CVE-1", "GHSA-1", Severity::Low),
            record("CVE-2", "GHSA-2", Severity::High),
            record("cve-1", "GHSA-1b", Severity::Critical),
            record("CVE-3", "GHSA-3", Severity::Medium),
            record("CVE-2", "GHSA-2", Severity::Low),
            record("CVE-1", "GHSA-1", Severity::Low),
        ];
        finish(&mut report, &ctx);
        let shown: Vec<(String, u32, Severity, Vec<String>)> = report
            .findings
            .iter()
            .map(|f| (f.id.clone(), f.merged, f.severity, f.aliases.clone()))
            .collect();
        let aliases = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            shown,
            vec![
                (
                    "CVE-1".into(),
                    3,
                    Severity::Critical,
                    aliases(&["GHSA-1", "GHSA-1b"])
                ),
                ("CVE-2".into(), 2, Severity::High, aliases(&["GHSA-2"])),
                ("CVE-3".into(), 1, Severity::Medium, aliases(&["GHSA-3"])),
            ]
        );
        assert_eq!(report.records, 6);
    }
}
