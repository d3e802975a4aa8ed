//! OpenVEX v0.2.0 for "not a real problem" decisions about vulnerabilities
//! in packages: false positive and not affected, and fixes a scan has
//! verified. Snoozes and risk acceptances never become VEX
//! (docs/triage-model.md c); secrets, misconfigurations and other findings
//! without a package are not VEX material and are left out, with a count.
//!
//! Products are written in the forms Trivy and Grype resolve
//! (docs/exports.md, "OpenVEX"): both compare a statement's product purl
//! with the scanned image's `pkg:oci/NAME@DIGEST?repository_url=REGISTRY/REPO`
//! (a product without a version matches every digest; every qualifier it has
//! must be there too) and the statement's subcomponents with the package's
//! purl. So an image is named by its repository with its registry, never by
//! its last path segment alone, and a package by its versionless purl.

use super::input::ExportInput;
use crate::model::{Finding, Kind};
use crate::triage::{Disposition, Status};
use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::model::purl::{image_products, package_purl};
pub use crate::model::purl::{oci_repository, product_ids, versionless_purl};

/// Why a finding gets no statement, when it gets none.
fn not_vex_material(f: &Finding) -> Option<&'static str> {
    match f.kind {
        Kind::Vulnerability => None,
        Kind::Secret => Some("secret"),
        Kind::Misconfiguration | Kind::ImageConfig | Kind::Posture => Some("misconfiguration"),
        Kind::License => Some("license"),
    }
}

/// What one statement says, before its products are gathered.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Claim {
    vulnerability: String,
    aliases: Vec<String>,
    status: &'static str,
    justification: Option<String>,
    note: String,
    timestamp: String,
}

/// The OpenVEX document, and a line saying what was left out; an error
/// when no decision is VEX material, as a document needs a statement.
pub fn render(input: &ExportInput) -> Result<(Value, Option<String>), String> {
    // claim → product → subcomponents
    let mut grouped: BTreeMap<Claim, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut left_out: BTreeMap<&'static str, usize> = BTreeMap::new();
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
            // The package is there; the scanner's claim about it is wrong.
            Disposition::FalsePositive => (
                "not_affected",
                Some("vulnerable_code_not_present".to_string()),
            ),
            Disposition::Fixed if a.status == Status::Fixed => ("fixed", None),
            _ => continue,
        };
        if let Some(what) = not_vex_material(f) {
            *left_out.entry(what).or_default() += 1;
            continue;
        }
        let package = package_purl(f);
        let images = image_products(f);
        let products: Vec<(String, Option<String>)> = if images.is_empty() {
            // Not in an image: the package itself is the product (Trivy
            // matches a project's packages so; Grype reads VEX for images only).
            package.iter().map(|p| (p.clone(), None)).collect()
        } else {
            images.into_iter().map(|i| (i, package.clone())).collect()
        };
        if products.is_empty() {
            *left_out.entry("finding without a package").or_default() += 1;
            continue;
        }
        let canonical = crate::model::fingerprint::canonical_alias(&f.id, &f.aliases).to_string();
        let mut aliases: Vec<String> = std::iter::once(f.id.clone())
            .chain(f.aliases.iter().cloned())
            .filter(|x| *x != canonical)
            // npm's bare advisory number (`1179`) names nothing outside npm.
            .filter(|x| !x.chars().all(|c| c.is_ascii_digit()))
            .collect();
        aliases.sort();
        aliases.dedup();
        let claim = Claim {
            vulnerability: canonical,
            aliases,
            status,
            justification,
            note: crate::sanitize::sanitize_line(&decision.reason).into_owned(),
            timestamp: decision.decided_at.clone(),
        };
        let by_product = grouped.entry(claim).or_default();
        for (product, sub) in products {
            let subs = by_product.entry(product).or_default();
            subs.extend(sub);
            subs.sort();
            subs.dedup();
        }
    }
    let statements: Vec<Value> = grouped
        .into_iter()
        .map(|(claim, by_product)| {
            let products: Vec<Value> = by_product
                .into_iter()
                .map(|(product, subs)| {
                    let mut p = json!({"@id": product, "identifiers": {"purl": product}});
                    if !subs.is_empty() {
                        p["subcomponents"] = subs
                            .iter()
                            .map(|s| json!({"@id": s, "identifiers": {"purl": s}}))
                            .collect();
                    }
                    p
                })
                .collect();
            let mut vulnerability = json!({"name": claim.vulnerability});
            if !claim.aliases.is_empty() {
                vulnerability["aliases"] = json!(claim.aliases);
            }
            let mut statement = json!({
                "vulnerability": vulnerability,
                "products": products,
                "status": claim.status,
                "timestamp": claim.timestamp,
            });
            match claim.justification {
                Some(j) => {
                    statement["justification"] = json!(j);
                    statement["impact_statement"] = json!(claim.note);
                }
                None if claim.status == "fixed" => statement["status_notes"] = json!(claim.note),
                None => statement["impact_statement"] = json!(claim.note),
            }
            statement
        })
        .collect();
    let left_out_line = (!left_out.is_empty()).then(|| {
        let parts: Vec<String> = left_out
            .iter()
            .map(|(what, n)| format!("{n} {what} decision(s)"))
            .collect();
        format!(
            "not VEX material, left out of the OpenVEX file: {}",
            parts.join(", ")
        )
    });
    if statements.is_empty() {
        return Err(format!(
            "no decision is VEX material (not affected, false positive or a verified fix of a vulnerability in a package){}; OpenVEX needs at least one statement: nothing written",
            left_out_line
                .as_deref()
                .map(|l| format!("; {l}"))
                .unwrap_or_default()
        ));
    }
    let tooling = match &left_out_line {
        Some(line) => format!("{} ({line})", input.header.tool),
        None => input.header.tool.clone(),
    };
    let version = input.decisions.audit.len().max(1);
    Ok((
        json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": format!("https://openvex.dev/docs/scandeck/{}", input.header.generated_at.replace(':', "")),
            "author": "scandeck triage",
            "role": "Document Creator",
            "timestamp": input.header.generated_at,
            "version": version,
            "tooling": tooling,
            "statements": statements,
        }),
        left_out_line,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_read_as_the_registry_client_reads_them() {
        let r = |s: &str| oci_repository(s).unwrap();
        assert_eq!(
            r("alpine:3.18"),
            ("alpine".into(), "index.docker.io/library/alpine".into())
        );
        assert_eq!(
            r("docker.io/library/alpine"),
            ("alpine".into(), "index.docker.io/library/alpine".into())
        );
        assert_eq!(
            r("finance-tracker/backend:1.4.0"),
            (
                "backend".into(),
                "index.docker.io/finance-tracker/backend".into()
            )
        );
        assert_eq!(
            r("ghcr.io/Acme/API@sha256:ab"),
            ("api".into(), "ghcr.io/acme/api".into())
        );
        assert_eq!(
            r("localhost:5000/team/app:dev"),
            ("app".into(), "localhost:5000/team/app".into())
        );
        assert_eq!(
            r("registry.example.com:8443/a/b/c:1"),
            ("c".into(), "registry.example.com:8443/a/b/c".into())
        );
        assert!(oci_repository("").is_none());
    }
}
