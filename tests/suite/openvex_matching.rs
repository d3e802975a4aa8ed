//! The exported OpenVEX judged by the rules Trivy and Grype match with
//! (docs/exports.md, "OpenVEX"), ported here as test oracles:
//!
//! * openvex/go-vex, which both use: a statement matches a vulnerability by
//!   name or alias; a product matches when its `@id` or purl identifier
//!   equals the scanned identifier or is a more general purl (same type,
//!   namespace and name; no version matches any; every qualifier it has must
//!   be there); with subcomponents, one of them must match the package.
//! * Trivy (`pkg/vex`): the package's own purl is tried as the product, then
//!   the image's `pkg:oci/NAME@DIGEST?repository_url=REPO&arch=ARCH`, built
//!   from the report's first repo digest (none without one), with the
//!   package as subcomponent.
//! * Grype (`grype/vex/openvex/implementation.go`, the 0.9x line): the
//!   report's tags and repo digests, `pkg:oci/NAME@DIGEST?repository_url=`
//!   the registry and repository *without the image's name*; the package
//!   purl as subcomponent, then as the product. Ported line by line
//!   (`grype_filters`) and checked against Grype's own test data.
//!
//! Each test decides about some findings, exports, and checks that the
//! oracle suppresses exactly those findings, and nothing once the image
//! lives in another repository or registry.

use crate::common;

use common::Ws;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, PartialEq)]
struct Purl {
    kind: String,
    namespace: String,
    name: String,
    version: String,
    qualifiers: BTreeMap<String, String>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `pkg:type/namespace/name@version?k=v&k=v#subpath`, as packageurl-go reads it.
fn purl(text: &str) -> Option<Purl> {
    let rest = text.strip_prefix("pkg:")?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, q),
        None => (rest, ""),
    };
    let mut qualifiers = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=')?;
        qualifiers.insert(k.to_ascii_lowercase(), percent_decode(v));
    }
    let (path, version) = match path.rfind('@') {
        Some(at) if at > path.rfind('/').unwrap_or(0) => {
            (&path[..at], percent_decode(&path[at + 1..]))
        }
        _ => (path, String::new()),
    };
    let mut parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let kind = parts.remove(0).to_ascii_lowercase();
    let name = percent_decode(parts.pop()?);
    let namespace = parts
        .iter()
        .map(|p| percent_decode(p))
        .collect::<Vec<_>>()
        .join("/");
    Some(Purl {
        kind,
        namespace,
        name,
        version,
        qualifiers,
    })
}

/// go-vex `PurlMatches(general, specific)`.
fn purl_matches(general: &str, specific: &str) -> bool {
    let (Some(a), Some(b)) = (purl(general), purl(specific)) else {
        return false;
    };
    if a.kind != b.kind || a.namespace != b.namespace || a.name != b.name {
        return false;
    }
    if !a.version.is_empty() && a.version != b.version {
        return false;
    }
    a.qualifiers
        .iter()
        .all(|(k, v)| b.qualifiers.get(k) == Some(v))
}

/// go-vex `Component.Matches`.
fn component_matches(c: &Value, identifier: &str) -> bool {
    let id = c["@id"].as_str().unwrap_or("");
    if !id.is_empty() && id == identifier {
        return true;
    }
    if id.starts_with("pkg:") && purl_matches(id, identifier) {
        return true;
    }
    if let Some(ids) = c["identifiers"].as_object() {
        for (kind, value) in ids {
            let value = value.as_str().unwrap_or("");
            if value == identifier
                || (kind == "purl"
                    && identifier.starts_with("pkg:")
                    && purl_matches(value, identifier))
            {
                return true;
            }
        }
    }
    false
}

/// go-vex `Product.Matches`.
fn product_matches(p: &Value, identifier: &str, sub: &str) -> bool {
    if !component_matches(p, identifier) {
        return false;
    }
    match p["subcomponents"].as_array() {
        None => true,
        Some(subs) if subs.is_empty() => true,
        Some(subs) => subs.iter().any(|s| component_matches(s, sub)),
    }
}

/// go-vex `Statement.Matches`, for a filtering status.
fn statement_matches(st: &Value, vuln: &str, product: &str, subs: &[&str]) -> bool {
    let v = &st["vulnerability"];
    let named = v["name"] == vuln
        || v["aliases"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == vuln));
    let filters = matches!(st["status"].as_str(), Some("not_affected" | "fixed"));
    named
        && filters
        && st["products"].as_array().is_some_and(|ps| {
            ps.iter().any(|p| {
                if subs.is_empty() {
                    product_matches(p, product, "")
                } else {
                    subs.iter().any(|s| product_matches(p, product, s))
                }
            })
        })
}

fn suppressed_by(vex: &Value, vuln: &str, products: &[String], subs: &[&str]) -> bool {
    vex["statements"].as_array().is_some_and(|sts| {
        sts.iter().any(|st| {
            products
                .iter()
                .any(|p| statement_matches(st, vuln, p, subs))
        })
    })
}

/// An image reference as go-containerregistry's `name.ParseReference` reads
/// it: (registry, repository, tag).
fn parse_reference(reference: &str) -> (String, String, String) {
    let no_digest = reference.split('@').next().unwrap_or("");
    let slash = no_digest.rfind('/').map_or(0, |p| p + 1);
    let (repo, tag) = match no_digest[slash..].find(':') {
        Some(c) => (
            &no_digest[..slash + c],
            no_digest[slash + c + 1..].to_string(),
        ),
        None => (no_digest, "latest".to_string()),
    };
    let (registry, path) = match repo.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("index.docker.io".to_string(), repo.to_string()),
    };
    let registry = if registry == "docker.io" {
        "index.docker.io".to_string()
    } else {
        registry
    };
    let path = if registry == "index.docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    (registry, path.to_ascii_lowercase(), tag)
}

/// Trivy: which (vulnerability, package purl) of a Trivy JSON report the VEX filters.
fn trivy_filters(report: &Value, vex: &Value) -> BTreeSet<(String, String)> {
    let meta = &report["Metadata"];
    let root = meta["RepoDigests"][0]
        .as_str()
        .filter(|d| d.contains('@'))
        .map(|rd| {
            let (repo, digest) = rd.split_once('@').unwrap();
            let (registry, path, _) = parse_reference(repo);
            let name = path.rsplit('/').next().unwrap().to_string();
            let arch = meta["ImageConfig"]["architecture"].as_str().unwrap_or("");
            format!("pkg:oci/{name}@{digest}?arch={arch}&repository_url={registry}/{path}")
        });
    let mut out = BTreeSet::new();
    for result in report["Results"].as_array().into_iter().flatten() {
        for v in result["Vulnerabilities"].as_array().into_iter().flatten() {
            let Some(leaf) = v["PkgIdentifier"]["PURL"].as_str() else {
                continue;
            };
            let id = v["VulnerabilityID"].as_str().unwrap();
            let by_leaf = suppressed_by(vex, id, &[leaf.to_string()], &[""]);
            let by_root = root
                .as_ref()
                .is_some_and(|r| suppressed_by(vex, id, std::slice::from_ref(r), &[leaf]));
            if by_leaf || by_root {
                out.insert((id.to_string(), leaf.to_string()));
            }
        }
    }
    out
}

/// A purl as packageurl-go's `String()` writes it: the name and every
/// qualifier value percent-encoded (`:` as `%3A`, `/` as `%2F`), qualifiers
/// sorted by key.
fn purl_string(name: &str, version: &str, qualifiers: &[(&str, String)]) -> String {
    let enc = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' | '_' | '~' => c.to_string(),
                other => other
                    .to_string()
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect(),
            })
            .collect()
    };
    let mut out = format!("pkg:oci/{}", enc(name));
    if !version.is_empty() {
        out.push('@');
        out.push_str(&enc(version));
    }
    let mut qs: Vec<&(&str, String)> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    qs.sort_by_key(|(k, _)| *k);
    if !qs.is_empty() {
        out.push('?');
        out.push_str(
            &qs.iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    out
}

/// Grype's `normalizeDockerHubRepositoryURL`.
fn normalize_docker_hub_repository_url(url: &str) -> String {
    let url = url.trim();
    if url.is_empty() {
        return String::new();
    }
    let url = url
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let url = url.strip_suffix('/').unwrap_or(url);
    let (host, rest, has_slash) = match url.split_once('/') {
        Some((h, r)) => (h, r, true),
        None => (url, "", false),
    };
    let host = match host.to_ascii_lowercase().as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "index.docker.io",
        _ => host,
    };
    if !has_slash || rest.is_empty() {
        host.to_string()
    } else {
        format!("{host}/{rest}")
    }
}

/// Grype's `identifiersFromTags(tags, name)`: each tag as written, and
/// `pkg:oci/NAME?tag=TAG` (NAME the source's name) when it has a `:`.
fn grype_identifiers_from_tags(tags: &[String], name: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for tag in tags {
        ids.push(tag.clone());
        if let Some((_, split_tag)) = tag.split_once(':') {
            ids.push(purl_string(name, "", &[("tag", split_tag.to_string())]));
        }
    }
    ids
}

/// Grype's `identifiersFromDigests(digests)`: each repo digest as written,
/// `pkg:oci/NAME@DIGEST?repository_url=REGISTRY/REPOSITORY` with the
/// image's own name trimmed off the end of `repository_url`, and the bare
/// hash.
fn grype_identifiers_from_digests(digests: &[String]) -> Vec<String> {
    let mut ids = Vec::new();
    for d in digests {
        ids.push(d.clone());
        let Some((reference, sha)) = d.split_once('@') else {
            continue; // ParseReference gives a tag: not a digest, no purl
        };
        if !sha.starts_with("sha256:") {
            continue;
        }
        let (registry, repository, _) = parse_reference(reference);
        let name = repository
            .rsplit('/')
            .next()
            .unwrap_or(&repository)
            .to_string();
        let joined = format!("{registry}/{repository}");
        let repo_url = joined
            .strip_suffix(&format!("/{name}"))
            .unwrap_or(&joined)
            .to_string();
        let repo_url = normalize_docker_hub_repository_url(&repo_url);
        ids.push(purl_string(&name, sha, &[("repository_url", repo_url)]));
        ids.push(sha.trim_start_matches("sha256:").to_string());
    }
    ids
}

/// Grype (the 0.9x line that wrote the real fixture's report): which
/// (vulnerability, package purl) of a Grype JSON report the VEX filters. A
/// line-by-line port of `grype/vex/openvex/implementation.go` in
/// anchore/grype — `productIdentifiersFromContext` (tags, then repo
/// digests, from the report's `source.target`), `findMatchingStatement`
/// (the image's identifiers as the product with the package purl as
/// subcomponent, then the package purl as the product) and `FilterMatches`
/// (not_affected and fixed filter) — over go-vex's matching above.
fn grype_filters(report: &Value, vex: &Value) -> BTreeSet<(String, String)> {
    let target = &report["source"]["target"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    // syft names an image source by its reference without tag or digest.
    let user_input = target["userInput"].as_str().unwrap_or("");
    let no_digest = user_input.split('@').next().unwrap_or("");
    let slash = no_digest.rfind('/').map_or(0, |p| p + 1);
    let source_name = match no_digest[slash..].find(':') {
        Some(c) => &no_digest[..slash + c],
        None => no_digest,
    };
    let mut products = grype_identifiers_from_tags(&strings(&target["tags"]), source_name);
    products.extend(grype_identifiers_from_digests(&strings(
        &target["repoDigests"],
    )));
    let mut out = BTreeSet::new();
    for m in report["matches"].as_array().into_iter().flatten() {
        let Some(p) = m["artifact"]["purl"].as_str() else {
            continue;
        };
        let id = m["vulnerability"]["id"].as_str().unwrap();
        let by_image = suppressed_by(vex, id, &products, &[p]);
        let by_package = suppressed_by(vex, id, &[p.to_string()], &[]);
        if by_image || by_package {
            out.insert((id.to_string(), p.to_string()));
        }
    }
    out
}

/// Imports `report`, marks `n` of its vulnerabilities not affected (the
/// second a false positive), exports OpenVEX; returns the VEX and the
/// decided (vulnerability, package purl as reported) pairs.
fn decide_and_export(
    report: &Value,
    n: usize,
    purl_of: &dyn Fn(&Value) -> Option<String>,
) -> (Value, BTreeSet<(String, String)>, Ws) {
    let ws = Ws::new();
    ws.import(0, report.clone());
    let rows = ws.list(1, &["--kind", "vulnerability"]);
    let mut decided = BTreeSet::new();
    for (i, row) in rows
        .iter()
        .filter(|r| r["purl"].is_string())
        .take(n)
        .enumerate()
    {
        let fp = row["fingerprint"].as_str().unwrap();
        if i == 1 {
            ws.ok(
                1,
                &[
                    "triage",
                    "false-positive",
                    "--fingerprint",
                    fp,
                    "--reason",
                    "scanner misread the version",
                ],
            );
        } else {
            ws.ok(
                1,
                &[
                    "triage",
                    "not-affected",
                    "--fingerprint",
                    fp,
                    "--justification",
                    "vulnerable_code_not_in_execute_path",
                    "--reason",
                    "never called",
                ],
            );
        }
        if let Some(p) = purl_of(row) {
            decided.insert((row["id"].as_str().unwrap().to_string(), p));
        }
    }
    let out = ws.dir.join("vex.json");
    ws.ok(
        1,
        &["export", "--format", "openvex", "-o", out.to_str().unwrap()],
    );
    let vex: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    (vex, decided, ws)
}

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/reports")
        .join(name)
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The report's own purl for a listed row: same package name and version.
fn reported_purl(report_purls: &[String]) -> impl Fn(&Value) -> Option<String> + '_ {
    move |row: &Value| {
        let name = row["package"].as_str()?.to_ascii_lowercase();
        let version = row["installed_version"].as_str()?;
        report_purls
            .iter()
            .find(|p| {
                purl(p).is_some_and(|q| q.name.to_ascii_lowercase() == name && q.version == version)
            })
            .cloned()
    }
}

#[test]
fn trivy_filters_exactly_the_decided_findings_of_the_image_and_nothing_elsewhere() {
    let report = read(&demo("backend.trivy.json"));
    let purls: Vec<String> = report["Results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Vulnerabilities"].as_array().into_iter().flatten())
        .filter_map(|v| v["PkgIdentifier"]["PURL"].as_str().map(str::to_string))
        .collect();
    let (vex, decided, _ws) = decide_and_export(&report, 4, &reported_purl(&purls));
    assert_eq!(decided.len(), 4);
    assert_eq!(
        trivy_filters(&report, &vex),
        decided,
        "Trivy filters exactly what was decided"
    );
    // The same CVE in a sibling package stays: libssl3 and openssl share CVE-2024-5535.
    for (elsewhere, why) in [
        ("ghcr.io/finance-tracker/backend", "another registry"),
        (
            "index.docker.io/acme/backend",
            "another repository with the same last segment",
        ),
        ("backend", "Docker Hub's library/backend"),
    ] {
        let mut moved = report.clone();
        let digest = report["Metadata"]["RepoDigests"][0]
            .as_str()
            .unwrap()
            .split('@')
            .nth(1)
            .unwrap();
        moved["Metadata"]["RepoDigests"] = serde_json::json!([format!("{elsewhere}@{digest}")]);
        assert!(
            trivy_filters(&moved, &vex).is_empty(),
            "{why}: nothing filtered"
        );
    }
    // A rebuild under a new digest in the same repository is the same subject.
    let mut rebuilt = report.clone();
    rebuilt["Metadata"]["RepoDigests"] = serde_json::json!([format!(
        "finance-tracker/backend@sha256:{}",
        "ab".repeat(32)
    )]);
    assert_eq!(trivy_filters(&rebuilt, &vex), decided);
}

#[test]
fn grype_filters_exactly_the_decided_findings_of_the_image_and_nothing_elsewhere() {
    let Some(real) = common::real_fixtures() else {
        eprintln!("skipped: no real fixtures");
        return;
    };
    let report = read(&real.join("grype/defectdojo-grype0.94-busybox-epss.json"));
    let purls: Vec<String> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["artifact"]["purl"].as_str().map(str::to_string))
        .collect();
    let (vex, decided, _ws) = decide_and_export(&report, 3, &reported_purl(&purls));
    assert_eq!(decided.len(), 3);
    let filtered: BTreeSet<String> = grype_filters(&report, &vex)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let wanted: BTreeSet<String> = decided.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(filtered, wanted, "Grype filters exactly what was decided");
    // Written only in Trivy's spelling (the full repository path), Grype
    // 0.94 filters nothing: the statement's products must carry its own.
    let mut trivy_only = vex.clone();
    for st in trivy_only["statements"].as_array_mut().unwrap() {
        st["products"].as_array_mut().unwrap().retain(|p| {
            !p["@id"]
                .as_str()
                .unwrap()
                .ends_with("repository_url=index.docker.io/library")
        });
    }
    assert!(grype_filters(&report, &trivy_only).is_empty());
    for elsewhere in [
        "ghcr.io/library/busybox@sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7",
        "quay.io/acme/busybox@sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7",
        "acme/busybox@sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7",
        "library/busybox2@sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7",
    ] {
        let mut moved = report.clone();
        moved["source"]["target"]["repoDigests"] = serde_json::json!([elsewhere]);
        moved["source"]["target"]["tags"] = serde_json::json!([]);
        assert!(
            grype_filters(&moved, &vex).is_empty(),
            "{elsewhere}: nothing filtered"
        );
    }
}

/// The port against Grype's own test data (`TestIdentifiersFromTags`,
/// `TestIdentifiersFromDigests` in grype/vex/openvex/implementation_test.go
/// of the same revision).
#[test]
fn the_grype_port_gives_grypes_own_identifiers() {
    assert_eq!(
        grype_identifiers_from_tags(&["alpine:v1.2.3".into()], "alpine"),
        ["alpine:v1.2.3", "pkg:oci/alpine?tag=v1.2.3"]
    );
    assert_eq!(
        grype_identifiers_from_tags(&["alpine".into()], "alpine"),
        ["alpine"]
    );
    assert_eq!(
        grype_identifiers_from_digests(&[
            "alpine@sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126".into()
        ]),
        [
            "alpine@sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126",
            "pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126?repository_url=index.docker.io%2Flibrary",
            "124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126",
        ]
    );
    assert_eq!(
        grype_identifiers_from_digests(&[
            "cgr.dev/chainguard/curl@sha256:9543ed09a38605c25c75486573cf530bd886615b993d5e1d1aa58fe5491287bc".into()
        ]),
        [
            "cgr.dev/chainguard/curl@sha256:9543ed09a38605c25c75486573cf530bd886615b993d5e1d1aa58fe5491287bc",
            "pkg:oci/curl@sha256%3A9543ed09a38605c25c75486573cf530bd886615b993d5e1d1aa58fe5491287bc?repository_url=cgr.dev%2Fchainguard",
            "9543ed09a38605c25c75486573cf530bd886615b993d5e1d1aa58fe5491287bc",
        ]
    );
    assert_eq!(
        grype_identifiers_from_digests(&["alpine".into()]),
        ["alpine"]
    );
    assert_eq!(
        normalize_docker_hub_repository_url("https://docker.io/library/"),
        "index.docker.io/library"
    );
}

#[test]
fn the_oracles_follow_go_vex() {
    // Cases from go-vex's own description of PurlMatches.
    assert!(purl_matches(
        "pkg:oci/app",
        "pkg:oci/app@sha256:1?repository_url=r/app"
    ));
    assert!(!purl_matches(
        "pkg:oci/app@sha256:1",
        "pkg:oci/app@sha256:2"
    ));
    assert!(!purl_matches(
        "pkg:oci/app?repository_url=r/app",
        "pkg:oci/app@sha256:1"
    ));
    assert!(purl_matches(
        "pkg:oci/app?repository_url=r%2Fapp",
        "pkg:oci/app@sha256:1?arch=amd64&repository_url=r/app"
    ));
    assert!(!purl_matches(
        "pkg:deb/debian/openssl",
        "pkg:deb/debian/libssl3@3"
    ));
    assert_eq!(
        parse_reference("busybox:1.32.1"),
        (
            "index.docker.io".into(),
            "library/busybox".into(),
            "1.32.1".into()
        )
    );
}

#[test]
fn secrets_and_misconfigurations_are_left_out_and_said_so() {
    let ws = Ws::new();
    let leaks = serde_json::json!([{"Description": "AWS key", "StartLine": 3, "EndLine": 3, "StartColumn": 1, "EndColumn": 20,
        "Match": "AKIAIOSFODNN7EXAMPLE", "Secret": "AKIAIOSFODNN7EXAMPLE", "File": "config.py", "RuleID": "aws-access-token",
        "Entropy": 3.5, "Fingerprint": "config.py:aws-access-token:3"}]);
    let path = ws.dir.join("gitleaks.json");
    std::fs::write(&path, leaks.to_string()).unwrap();
    ws.ok(0, &["import", path.to_str().unwrap()]);
    let fp = ws.list(1, &[])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    ws.ok(
        1,
        &[
            "triage",
            "false-positive",
            "--fingerprint",
            &fp,
            "--reason",
            "a documented example key",
        ],
    );
    let out = ws.dir.join("vex.json");
    let run = ws.run_at(
        1,
        &["export", "--format", "openvex", "-o", out.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(2), "no statement: nothing to write");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("1 secret decision(s)") && err.contains("nothing written"),
        "{err}"
    );
    assert!(!out.exists());
    // With a vulnerability decided too, the file is written and says what it left out.
    let vulns: Vec<common::Vuln> = vec![("CVE-2026-9", &[], "zlib1g", "1.2", "HIGH", None)];
    ws.import(2, common::trivy("acme/app", "1", "aa", &vulns));
    let vuln = ws.list(3, &["--kind", "vulnerability"])[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    ws.ok(
        3,
        &[
            "triage",
            "not-affected",
            "--fingerprint",
            &vuln,
            "--justification",
            "vulnerable_code_not_present",
            "--reason",
            "r",
        ],
    );
    let run = ws.run_at(
        3,
        &["export", "--format", "openvex", "-o", out.to_str().unwrap()],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stderr).contains("not VEX material"));
    let vex: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(vex["statements"].as_array().unwrap().len(), 1);
    assert!(vex["tooling"]
        .as_str()
        .unwrap()
        .contains("1 secret decision(s)"));
    assert!(
        !vex.to_string().contains("config.py"),
        "no file path as a product"
    );
}

/// The Trivy oracle against Trivy's own test data (`pkg/vex/vex_test.go`,
/// `TestFilter`, and its `testdata/openvex-oci.json`,
/// `openvex-oci-mismatch.json`): the image `debian:12` with repo digest
/// `debian@sha256:4482…` and `bash` 5.3 is filtered by a statement on
/// `pkg:oci/debian` with `pkg:deb/debian/bash` as subcomponent, and not by
/// one on `pkg:oci/mismatch`; spring-boot is filtered by its own purl as
/// the product (`testdata/openvex.json`, in the current schema's shape).
#[test]
fn the_trivy_port_agrees_with_trivys_own_tests() {
    let report = |purl: &str, id: &str| {
        serde_json::json!({
            "ArtifactName": "debian:12", "ArtifactType": "container_image",
            "Metadata": {"RepoDigests": ["debian@sha256:4482958b4461ff7d9fabc24b3a9ab1e9a2c85ece07b2db1840c7cbc01d053e90"],
                "ImageConfig": {"architecture": "amd64"}},
            "Results": [{"Vulnerabilities": [{"VulnerabilityID": id, "PkgIdentifier": {"PURL": purl}}]}]})
    };
    let vex = |product: &str, sub: Option<&str>, id: &str| {
        let mut p = serde_json::json!({"@id": product});
        if let Some(sub) = sub {
            p["subcomponents"] = serde_json::json!([{"@id": sub}]);
        }
        serde_json::json!({"statements": [{"vulnerability": {"name": id}, "products": [p],
            "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]})
    };
    let bash = report("pkg:deb/debian/bash@5.3", "CVE-2022-3715");
    assert_eq!(
        trivy_filters(
            &bash,
            &vex(
                "pkg:oci/debian",
                Some("pkg:deb/debian/bash"),
                "CVE-2022-3715"
            )
        )
        .len(),
        1,
        "OpenVEX, subcomponents, oci image"
    );
    assert!(
        trivy_filters(
            &bash,
            &vex(
                "pkg:oci/mismatch",
                Some("pkg:deb/debian/bash"),
                "CVE-2022-3715"
            )
        )
        .is_empty(),
        "OpenVEX, subcomponents, mismatched oci image"
    );
    let spring = report(
        "pkg:maven/org.springframework.boot/spring-boot@2.6.0",
        "CVE-2021-44228",
    );
    assert_eq!(
        trivy_filters(
            &spring,
            &vex(
                "pkg:maven/org.springframework.boot/spring-boot@2.6.0",
                None,
                "CVE-2021-44228"
            )
        )
        .len(),
        1,
        "OpenVEX"
    );
    assert!(
        trivy_filters(
            &spring,
            &vex(
                "pkg:maven/org.springframework.boot/spring-boot@2.6.0",
                None,
                "CVE-2021-0001"
            )
        )
        .is_empty(),
        "OpenVEX, multiple statements: the other vulnerability stays"
    );
}
