//! Snyk CLI JSON: one project object, an array of projects (`--all-projects`),
//! and container results with nested `applications[]` (docs/formats.md §5).

use super::json::{text, LooseList, LooseNumber, OneOrMany, Str};
use super::{
    blank_finding, severity_of, source_info, Format, IngestError, ParseContext, ParsedReport,
};
use crate::model::{image, Details, ImageRef, Kind, Package, SourceInfo};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Project<'a> {
    #[serde(borrow)]
    vulnerabilities: Option<Vec<Vuln<'a>>>,
    #[serde(rename = "packageManager", borrow)]
    package_manager: Option<Str<'a>>,
    #[serde(rename = "projectName", borrow)]
    project_name: Option<Str<'a>>,
    #[serde(rename = "displayTargetFile", borrow)]
    display_target_file: Option<Str<'a>>,
    #[serde(rename = "targetFile", borrow)]
    target_file: Option<Str<'a>>,
    #[serde(borrow)]
    path: Option<Str<'a>>,
    #[serde(borrow)]
    applications: Option<Vec<Project<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vuln<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    title: Option<Str<'a>>,
    #[serde(borrow)]
    description: Option<Str<'a>>,
    #[serde(borrow)]
    severity: Option<Str<'a>>,
    #[serde(rename = "packageName", borrow)]
    package_name: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(rename = "fixedIn", borrow)]
    fixed_in: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    identifiers: Option<HashMap<String, LooseList<'a>>>,
    #[serde(rename = "cvssScore")]
    cvss_score: LooseNumber,
    #[serde(rename = "CVSSv3", borrow)]
    cvss_v3: Option<Str<'a>>,
    #[serde(borrow)]
    references: Option<Vec<Reference<'a>>>,
    #[serde(rename = "publicationTime", borrow)]
    publication_time: Option<Str<'a>>,
    #[serde(rename = "modificationTime", borrow)]
    modification_time: Option<Str<'a>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(rename = "packageManager", borrow)]
    package_manager: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference<'a> {
    #[serde(borrow)]
    url: Option<Str<'a>>,
}

pub fn parse(body: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let top: OneOrMany<Project> =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::Snyk, e))?;
    let projects = match top {
        OneOrMany::Object(p) => vec![p],
        OneOrMany::List(ps) => ps,
    };
    let mut report = ParsedReport::new(Format::Snyk, "snyk");
    let source = source_info("snyk", None, ctx);
    let mut details: HashMap<String, Arc<Details>> = HashMap::new();
    // A project scan names its folder (`path`) or its name; an
    // `--all-projects` array of several names no one subject.
    let mut named: Vec<String> = Vec::new();
    for project in &projects {
        if let Some(name) = text(&project.path).or_else(|| text(&project.project_name)) {
            if !named.contains(&name) {
                named.push(name);
            }
        }
    }
    for project in projects {
        let project_image = container_image(&project);
        if report.image.is_none() {
            report.image = project_image.clone();
        }
        let image = project_image.map(Arc::new);
        let apps = project.applications.unwrap_or_default();
        let own = Project {
            applications: None,
            ..project
        };
        for p in std::iter::once(own).chain(apps) {
            add_project(p, image.as_ref(), &source, &mut details, &mut report);
        }
    }
    report.artifact = match (&report.image, named.as_slice()) {
        (None, [only]) => Some(only.clone()),
        _ => None,
    };
    Ok(report)
}

fn container_image(p: &Project) -> Option<ImageRef> {
    let name = text(&p.project_name)?;
    let repo = name.strip_prefix("docker-image|")?;
    // `path` is "<name>:<tag>" or "<name>:<tag>/<app>".
    let with_tag = text(&p.path)
        .filter(|path| path.starts_with(repo))
        .map(|path| {
            let rest = &path[repo.len()..];
            let tag = rest
                .strip_prefix(':')
                .map(|t| t.split('/').next().unwrap_or(t));
            tag.map_or(repo.to_string(), |t| format!("{repo}:{t}"))
        })
        .unwrap_or_else(|| repo.to_string());
    Some(ImageRef::named(&image::clean_image_name(&with_tag)))
}

fn add_project(
    p: Project,
    image: Option<&Arc<ImageRef>>,
    source: &Arc<SourceInfo>,
    details: &mut HashMap<String, Arc<Details>>,
    report: &mut ParsedReport,
) {
    let target_name = text(&p.display_target_file)
        .or_else(|| text(&p.target_file))
        .or_else(|| text(&p.path))
        .or_else(|| text(&p.project_name))
        .unwrap_or_default();
    let target: Arc<str> = Arc::from(target_name.as_str());
    let manager = text(&p.package_manager);
    for v in p.vulnerabilities.unwrap_or_default() {
        let id = text(&v.id).unwrap_or_else(|| "UNKNOWN-ID".into());
        let is_license = v.kind.as_ref().is_some_and(|k| k.as_str() == "license");
        let mut f = blank_finding(
            if is_license {
                Kind::License
            } else {
                Kind::Vulnerability
            },
            id.clone(),
            source,
            &target,
        );
        (f.severity, f.severity_raw) = severity_of(v.severity.as_ref().map(Str::as_str));
        for (key, ids) in v.identifiers.iter().flatten() {
            if key == "CVE" || key == "GHSA" || key == "ALTERNATIVE" {
                f.aliases
                    .extend(ids.0.iter().map(|s| s.as_str().to_string()));
            }
        }
        f.details = details
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Details {
                    title: text(&v.title),
                    description: text(&v.description).map(|d| d.replace("\r\n", "\n")),
                    references: v
                        .references
                        .iter()
                        .flatten()
                        .filter_map(|r| text(&r.url))
                        .collect(),
                    cvss_score: v.cvss_score.0,
                    cvss_vector: text(&v.cvss_v3),
                    published: text(&v.publication_time),
                    modified: text(&v.modification_time),
                    left_out: None,
                    cwes: v
                        .identifiers
                        .as_ref()
                        .and_then(|m| m.get("CWE"))
                        .into_iter()
                        .flat_map(|l| l.0.iter())
                        .map(|s| s.as_str().to_string())
                        .collect(),
                })
            })
            .clone();
        let ecosystem = text(&v.package_manager)
            .or_else(|| manager.clone())
            .map(|m| ecosystem_of(&m));
        f.package = Some(Package {
            name: text(&v.package_name)
                .or_else(|| text(&v.name))
                .unwrap_or_default(),
            ecosystem: crate::model::words::opt_word(ecosystem),
            installed: crate::model::words::opt_word(text(&v.version)),
            fixed: v
                .fixed_in
                .iter()
                .flatten()
                .map(|s| crate::model::words::word(s.as_str()))
                .filter(|s| !s.is_empty())
                .collect(),
            purl: None,
            path: Some(target_name.clone()).filter(|t| !t.is_empty() && image.is_none()),
        });
        f.image = image.cloned();
        report.findings.push(f);
    }
}

/// `debian:10` → `deb`; `npm`, `pip`, `maven` kept.
fn ecosystem_of(manager: &str) -> String {
    let base = manager
        .split(':')
        .next()
        .unwrap_or(manager)
        .to_ascii_lowercase();
    match base.as_str() {
        "debian" | "ubuntu" => "deb".into(),
        "alpine" => "apk".into(),
        "rhel" | "centos" | "amzn" | "rpm" => "rpm".into(),
        "pip" | "poetry" | "pipenv" => "pypi".into(),
        "yarn" | "npm" | "pnpm" => "npm".into(),
        _ => base,
    }
}
