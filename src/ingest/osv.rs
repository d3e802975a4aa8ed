//! osv-scanner JSON (`osv-scanner --format json`; docs/identity.md,
//! "osv-scanner"): one result per scanned lockfile or SBOM, one entry per
//! vulnerable package version, and the package's OSV records grouped by
//! alias. A finding is one group of one package, not one record.

use super::json::{text, LooseList, Str};
use super::{
    blank_finding, severity_of, source_info, summary_line, Format, IngestError, ParseContext,
    ParsedReport,
};
use crate::model::fingerprint::canonical_alias;
use crate::model::{Details, Kind, Package, Severity};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Report<'a> {
    #[serde(borrow)]
    results: Vec<SourceResult<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceResult<'a> {
    #[serde(borrow)]
    source: Source<'a>,
    #[serde(borrow)]
    packages: Vec<PackageEntry<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Source<'a> {
    #[serde(borrow)]
    path: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageEntry<'a> {
    #[serde(borrow)]
    package: PackageInfo<'a>,
    #[serde(borrow)]
    vulnerabilities: Vec<Record<'a>>,
    #[serde(borrow)]
    groups: Vec<Group<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageInfo<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(borrow)]
    ecosystem: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Group<'a> {
    #[serde(borrow)]
    ids: LooseList<'a>,
    #[serde(borrow)]
    aliases: LooseList<'a>,
    /// The highest CVSS base score in the group, as text; `""` or absent when none.
    #[serde(borrow)]
    max_severity: Option<Str<'a>>,
}

/// One OSV record (osv.dev schema); `affected[].versions` is read because it
/// says exactly which affected entry holds the installed version.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    aliases: LooseList<'a>,
    #[serde(borrow)]
    summary: Option<Str<'a>>,
    #[serde(borrow)]
    details: Option<Str<'a>>,
    #[serde(borrow)]
    published: Option<Str<'a>>,
    #[serde(borrow)]
    modified: Option<Str<'a>>,
    #[serde(borrow)]
    severity: Vec<Score<'a>>,
    #[serde(borrow)]
    references: Vec<Reference<'a>>,
    #[serde(borrow)]
    affected: Vec<Affected<'a>>,
    #[serde(borrow)]
    database_specific: DatabaseSpecific<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Score<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    score: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference<'a> {
    #[serde(borrow)]
    url: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Affected<'a> {
    #[serde(borrow)]
    package: AffectedPackage<'a>,
    #[serde(borrow)]
    ranges: Vec<Range<'a>>,
    #[serde(borrow)]
    versions: LooseList<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AffectedPackage<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    ecosystem: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Range<'a> {
    #[serde(borrow)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    #[serde(borrow)]
    fixed: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DatabaseSpecific<'a> {
    #[serde(borrow)]
    severity: Option<Str<'a>>,
    #[serde(borrow)]
    cwe_ids: LooseList<'a>,
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let parsed: Report =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::OsvScanner, e))?;
    let mut report = ParsedReport::new(Format::OsvScanner, "osv-scanner");
    let source = source_info("osv-scanner", None, ctx);
    let mut details: HashMap<String, Arc<Details>> = HashMap::new();
    let mut targets: HashMap<String, Arc<str>> = HashMap::new();
    for result in parsed.results {
        let path = text(&result.source.path)
            .map(|p| p.replace('\\', "/"))
            .unwrap_or_default();
        if report.artifact.is_none() && !path.is_empty() {
            report.artifact = Some(path.clone());
        }
        let target = targets
            .entry(path.clone())
            .or_insert_with(|| Arc::from(path.as_str()))
            .clone();
        for entry in result.packages {
            let name = text(&entry.package.name).unwrap_or_default();
            let installed = text(&entry.package.version);
            let ecosystem = text(&entry.package.ecosystem);
            let records: HashMap<&str, &Record> = entry
                .vulnerabilities
                .iter()
                .filter_map(|r| r.id.as_ref().map(|id| (id.as_str(), r)))
                .collect();
            // Older osv-scanner: no groups; every record is its own group.
            let groups: Vec<Vec<String>> = if entry.groups.is_empty() {
                records.keys().map(|id| vec![id.to_string()]).collect()
            } else {
                entry
                    .groups
                    .iter()
                    .map(|g| g.ids.0.iter().map(|i| i.as_str().to_string()).collect())
                    .collect()
            };
            for (i, ids) in groups.iter().enumerate() {
                let group = entry.groups.get(i);
                let members: Vec<&Record> = ids
                    .iter()
                    .filter_map(|id| records.get(id.as_str()).copied())
                    .collect();
                let Some(first_id) = ids.first() else {
                    continue;
                };
                let mut all: Vec<String> = ids.clone();
                for alias in group
                    .map(|g| g.aliases.0.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .chain(
                        members
                            .iter()
                            .flat_map(|r| r.aliases.0.iter().map(|a| a.as_str().to_string())),
                    )
                {
                    if !all.contains(&alias) {
                        all.push(alias);
                    }
                }
                let id = canonical_alias(first_id, &all).to_string();
                let aliases: Vec<String> = all.into_iter().filter(|a| *a != id).collect();
                let mut f = blank_finding(Kind::Vulnerability, id.clone(), &source, &target);
                f.aliases = aliases;
                (f.severity, f.severity_raw) = group_severity(&members, group);
                f.details = details
                    .entry(ids.join(" "))
                    .or_insert_with(|| Arc::new(group_details(&members)))
                    .clone();
                f.package = Some(Package {
                    name: name.clone(),
                    ecosystem: crate::model::words::opt_word(ecosystem.as_deref().map(|e| {
                        crate::model::purl::type_for(e)
                            .map(str::to_string)
                            .unwrap_or_else(|| e.to_ascii_lowercase())
                    })),
                    installed: crate::model::words::opt_word(installed.clone()),
                    fixed: crate::model::words::words(fixed_versions(
                        &members,
                        &name,
                        installed.as_deref(),
                    )),
                    purl: None,
                    path: Some(path.clone()).filter(|p| !p.is_empty()),
                });
                report.findings.push(f);
            }
        }
    }
    Ok(report)
}

/// GitHub's word (`MODERATE` is medium), the highest in the group; else the
/// group's highest CVSS score, banded; `""` is no score, never zero.
fn group_severity(members: &[&Record], group: Option<&Group>) -> (Severity, Option<Arc<str>>) {
    let worded = members
        .iter()
        .filter_map(|r| text(&r.database_specific.severity))
        .map(|w| (Severity::from_word(&w), w))
        .filter(|(s, _)| *s != Severity::Unknown)
        .max_by_key(|(s, _)| *s);
    if let Some((_, word)) = worded {
        return severity_of(Some(&word));
    }
    let score = group
        .and_then(|g| text(&g.max_severity))
        .filter(|s| s.trim().parse::<f64>().is_ok());
    match score {
        Some(score) => severity_of(Some(&score)),
        None => (Severity::Unknown, None),
    }
}

fn group_details(members: &[&Record]) -> Details {
    let summary = members.iter().find_map(|r| text(&r.summary));
    let description = members.iter().find_map(|r| text(&r.details));
    let mut references: Vec<String> = Vec::new();
    let mut cwes: Vec<String> = Vec::new();
    for r in members {
        for url in r.references.iter().filter_map(|x| text(&x.url)) {
            if !references.contains(&url) {
                references.push(url);
            }
        }
        for cwe in &r.database_specific.cwe_ids.0 {
            let cwe = cwe.as_str().to_string();
            if !cwes.contains(&cwe) {
                cwes.push(cwe);
            }
        }
    }
    let vector = members
        .iter()
        .flat_map(|r| r.severity.iter())
        .filter(|s| {
            s.kind
                .as_ref()
                .is_some_and(|k| k.as_str().starts_with("CVSS"))
        })
        .find_map(|s| text(&s.score));
    Details {
        title: summary.or_else(|| description.as_deref().map(summary_line)),
        description,
        references,
        cvss_score: None,
        cvss_vector: vector,
        cwes,
        published: members.iter().find_map(|r| text(&r.published)),
        modified: members.iter().find_map(|r| text(&r.modified)),
        left_out: None,
    }
}

/// The fixes of the affected entries about this package: the entries that
/// list the installed version when any does (an advisory may cover several
/// release lines: django 6.0 → 6.0.2, 5.2 → 5.2.11), else all of them.
/// SBOM scans name the package by its component name while the record uses
/// the Maven coordinate (`group:artifact`): the part after `:` matches.
fn fixed_versions(members: &[&Record], name: &str, installed: Option<&str>) -> Vec<String> {
    let about_it = |a: &&Affected| {
        text(&a.package.name).is_some_and(|n| {
            n.eq_ignore_ascii_case(name)
                || n.rsplit(':')
                    .next()
                    .is_some_and(|last| last.eq_ignore_ascii_case(name))
        }) || a.package.name.is_none() && a.package.ecosystem.is_none()
    };
    let entries: Vec<&Affected> = members
        .iter()
        .flat_map(|r| r.affected.iter())
        .filter(about_it)
        .collect();
    let holding: Vec<&Affected> = entries
        .iter()
        .copied()
        .filter(|a| installed.is_some_and(|v| a.versions.0.iter().any(|x| x.as_str() == v)))
        .collect();
    let chosen = if holding.is_empty() { entries } else { holding };
    let mut out: Vec<String> = Vec::new();
    for fixed in chosen
        .iter()
        .flat_map(|a| a.ranges.iter())
        .flat_map(|r| r.events.iter())
        .filter_map(|e| text(&e.fixed))
    {
        if !out.contains(&fixed) {
            out.push(fixed);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Redactor;

    fn parse_str(body: &str) -> ParsedReport {
        let redactor = Redactor::with_key([1; 32]);
        let ctx = ParseContext {
            redactor: &redactor,
            report_name: "osv.json",
            image_override: None,
        };
        parse(body.as_bytes(), &ctx).unwrap()
    }

    #[test]
    fn one_finding_per_group_with_the_fix_of_the_installed_release_line() {
        let body = r#"{"results":[{"source":{"path":"/src/app/uv.lock","type":"lockfile"},
          "packages":[{"package":{"name":"django","version":"6.0.1","ecosystem":"PyPI"},
            "groups":[{"ids":["GHSA-aaaa-bbbb-cccc","PYSEC-2026-1"],"aliases":["CVE-2026-1","GHSA-aaaa-bbbb-cccc","PYSEC-2026-1"],"max_severity":"8.1"}],
            "vulnerabilities":[
              {"id":"GHSA-aaaa-bbbb-cccc","aliases":["CVE-2026-1"],"summary":"bad",
               "database_specific":{"severity":"MODERATE","cwe_ids":["CWE-20"]},
               "affected":[{"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"events":[{"introduced":"6.0a1"},{"fixed":"6.0.2"}]}],"versions":["6.0","6.0.1"]},
                           {"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"events":[{"introduced":"5.2"},{"fixed":"5.2.11"}]}],"versions":["5.2"]}]},
              {"id":"PYSEC-2026-1","aliases":["CVE-2026-1"]}]}]}]}"#;
        let report = parse_str(body);
        assert_eq!(report.findings.len(), 1, "one group, not two records");
        let f = &report.findings[0];
        assert_eq!(f.id, "CVE-2026-1");
        assert!(f.has_id("GHSA-aaaa-bbbb-cccc") && f.has_id("PYSEC-2026-1"));
        assert_eq!(
            f.severity,
            Severity::Medium,
            "GitHub's word before the score"
        );
        assert_eq!(f.fixed_version().as_deref(), Some("6.0.2"));
        assert_eq!(f.details.cwes, vec!["CWE-20".to_string()]);
        let pkg = f.package.as_ref().unwrap();
        assert_eq!(pkg.ecosystem.as_deref(), Some("pypi"));
        assert_eq!(report.artifact.as_deref(), Some("/src/app/uv.lock"));
    }

    #[test]
    fn an_empty_max_severity_is_no_score() {
        let body = r#"{"results":[{"source":{"path":"sbom.json"},"packages":[
          {"package":{"name":"dicer","version":"0.3.1","ecosystem":"npm"},
           "groups":[{"ids":["GHSA-wm7h-9275-46v2"],"max_severity":""}],
           "vulnerabilities":[{"id":"GHSA-wm7h-9275-46v2"}]}]}]}"#;
        let f = &parse_str(body).findings[0];
        assert_eq!(f.severity, Severity::Unknown);
        assert_eq!(f.fixed_version(), None);
    }
}
