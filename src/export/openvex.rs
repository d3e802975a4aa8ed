//! OpenVEX v0.2.0 for "not a real problem" decisions only: false positive
//! and not affected, and fixes a scan has verified. Snoozes and risk
//! acceptances never become VEX (triage-model.md c). Products carry the
//! identifiers Trivy, Grype and Docker Scout each match.

use super::input::ExportInput;
use crate::model::{image, Finding};
use crate::triage::{Disposition, Status};
use serde_json::{json, Value};

/// `pkg:deb/debian/openssl@3.0.1?arch=amd64` → `pkg:deb/debian/openssl`.
pub fn versionless_purl(purl: &str) -> String {
    let base = purl.split(['?', '#']).next().unwrap_or(purl);
    match base.rfind('@') {
        Some(at) if at > base.rfind('/').unwrap_or(0) => base[..at].to_string(),
        _ => base.to_string(),
    }
}

/// The package purl, from the report or built from ecosystem and name.
fn package_purl(f: &Finding) -> Option<String> {
    let p = f.package.as_ref()?;
    if let Some(purl) = &p.purl {
        return Some(versionless_purl(purl));
    }
    let eco = p.ecosystem.as_deref()?;
    Some(format!("pkg:{}/{}", eco.to_ascii_lowercase(), p.name))
}

/// Every product identifier `products` writes for `f`, subcomponents included.
pub fn product_ids(f: &Finding) -> Vec<String> {
    let mut ids = Vec::new();
    for p in products(f) {
        ids.extend(p["@id"].as_str().map(str::to_string));
        for sub in p["subcomponents"].as_array().into_iter().flatten() {
            ids.extend(sub["@id"].as_str().map(str::to_string));
        }
    }
    ids.extend(package_purl(f));
    ids
}

/// Product entries for an image lineage: `pkg:oci/<name>`, Trivy's
/// `repository_url` form, and Scout's `pkg:docker/...@tag`.
fn products(f: &Finding) -> Vec<Value> {
    let sub = package_purl(f).map(|p| vec![json!({"@id": p, "identifiers": {"purl": p}})]);
    let mut ids: Vec<String> = Vec::new();
    match f.image.as_deref() {
        Some(img) => {
            let repo = image::image_repository(&img.name);
            let name = repo.rsplit('/').next().unwrap_or(&repo).to_string();
            // Trivy's repository_url names the registry; Docker Hub is implied when none is.
            let first = repo.split('/').next().unwrap_or("");
            let has_registry = repo.contains('/')
                && (first.contains('.') || first.contains(':') || first == "localhost");
            let full = match (has_registry, repo.contains('/')) {
                (true, _) => repo.clone(),
                (false, true) => format!("index.docker.io/{repo}"),
                (false, false) => format!("index.docker.io/library/{repo}"),
            };
            ids.push(format!("pkg:oci/{name}"));
            ids.push(format!("pkg:oci/{name}?repository_url={full}"));
            let tag = img
                .name
                .rsplit_once(':')
                .filter(|(head, _)| !head.ends_with('/'))
                .map(|(_, t)| t.to_string());
            if let Some(tag) = tag.filter(|t| !t.contains('/')) {
                ids.push(format!("pkg:docker/{repo}@{tag}"));
            }
        }
        None => ids.push(package_purl(f).unwrap_or_else(|| f.target.to_string())),
    }
    ids.into_iter()
        .map(|id| {
            let mut p = json!({"@id": id, "identifiers": {"purl": id}});
            if f.image.is_some() {
                if let Some(s) = &sub {
                    p["subcomponents"] = json!(s);
                }
            }
            p
        })
        .collect()
}

pub fn render(input: &ExportInput) -> Value {
    let mut statements = Vec::new();
    for (f, a) in &input.rows {
        let Some(decision) = a
            .decision
            .as_ref()
            .and_then(|k| input.decisions.decisions.get(k))
        else {
            continue;
        };
        let (status, justification) = match decision.disposition {
            Disposition::NotAffected => ("not_affected", decision.justification.clone()),
            Disposition::FalsePositive => {
                ("not_affected", Some("component_not_present".to_string()))
            }
            Disposition::Fixed if a.status == Status::Fixed => ("fixed", None),
            _ => continue,
        };
        let mut aliases: Vec<&str> = f.aliases.iter().map(String::as_str).collect();
        aliases.sort();
        let canonical = crate::model::fingerprint::canonical_alias(&f.id, &f.aliases).to_string();
        let mut all: Vec<&str> = std::iter::once(f.id.as_str())
            .chain(aliases)
            .filter(|x| *x != canonical)
            .collect();
        all.dedup();
        let mut statement = json!({
            "vulnerability": {"name": canonical, "aliases": all},
            "products": products(f),
            "status": status,
            "timestamp": decision.decided_at,
        });
        if let Some(j) = justification {
            statement["justification"] = json!(j);
            statement["impact_statement"] = json!(crate::sanitize::sanitize_line(&decision.reason));
        } else if status == "fixed" {
            statement["status_notes"] = json!(crate::sanitize::sanitize_line(&decision.reason));
        }
        statements.push(statement);
    }
    let version = input.decisions.audit.len().max(1);
    json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("https://openvex.dev/docs/scandeck/{}", input.header.generated_at.replace(':', "")),
        "author": "scandeck triage",
        "role": "Document Creator",
        "timestamp": input.header.generated_at,
        "version": version,
        "tooling": input.header.tool,
        "statements": statements,
    })
}
