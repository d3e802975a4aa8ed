//! Conformance over every file in ../shared/fixtures/real: each is detected
//! as its true format (or gives the expected clear error), nothing panics,
//! and the distinct finding ids equal what this test reads from the raw JSON
//! with its own, independent extraction.

use crate::common;

use scandeck::ingest::{Format, IngestError};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Every JSON value in the file (JSON Lines, glued arrays), BOM stripped.
fn values(bytes: &[u8]) -> Vec<Value> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::Deserializer::from_slice(body)
        .into_iter::<Value>()
        .map(|v| v.unwrap())
        .collect()
}

fn s(v: &Value) -> Option<String> {
    v.as_str()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn arr(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// The first CVE (`CVE-YYYY-NNNN…`) or GHSA (`GHSA-xxxx-xxxx-xxxx`) id in a
/// text, as a person reads it: old Trivy rule ids glue the package on
/// (`CVE-2008-0732-GERONIMO-JMS`), which is not part of the id.
fn first_advisory_id(text: &str) -> Option<String> {
    let re = regex::Regex::new(r"(?i)^(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3})").unwrap();
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find_map(|word| re.find(word))
        .map(|m| {
            let w = m.as_str();
            if w.to_ascii_uppercase().starts_with("CVE-") {
                w.to_ascii_uppercase()
            } else {
                format!("GHSA-{}", w[5..].to_ascii_lowercase())
            }
        })
}

/// Old Trivy glues the package on with `/`: `RUSTSEC-2016-0001/openssl`.
fn unglued(raw: &str) -> String {
    let re = regex::Regex::new(r"^([A-Z]+-\d{4}-[0-9A-Za-z]+)/.+$").unwrap();
    re.captures(raw)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| raw.to_string())
}

fn npm_id(url: Option<&str>, number: Option<u64>) -> String {
    url.and_then(first_advisory_id)
        .filter(|i| i.starts_with("GHSA-"))
        .unwrap_or_else(|| format!("NPM-{}", number.unwrap_or(0)))
}

/// What a person reading the file would call the findings' ids.
fn expected_ids(dir: &str, vals: &[Value]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for v in vals {
        match dir {
            "trivy" => {
                let mut results: Vec<Value> = if v.is_array() {
                    arr(v)
                } else {
                    arr(&v["Results"])
                };
                // k8s cluster reports nest results under resources.
                for key in [
                    "Resources",
                    "Findings",
                    "Vulnerabilities",
                    "Misconfigurations",
                ] {
                    if v.get("ClusterName").is_some() {
                        for resource in arr(&v[key]) {
                            results.extend(arr(&resource["Results"]));
                        }
                    }
                }
                for r in results {
                    ids.extend(
                        arr(&r["Vulnerabilities"])
                            .iter()
                            .filter_map(|x| s(&x["VulnerabilityID"])),
                    );
                    ids.extend(
                        arr(&r["Misconfigurations"])
                            .iter()
                            .filter(|m| m["Status"].as_str().is_none_or(|st| st == "FAIL"))
                            .filter_map(|m| s(&m["ID"])),
                    );
                    ids.extend(arr(&r["Secrets"]).iter().filter_map(|x| s(&x["RuleID"])));
                }
            }
            "grype" => ids.extend(
                arr(&v["matches"])
                    .iter()
                    .filter_map(|m| s(&m["vulnerability"]["id"])),
            ),
            "sarif" | "trivy-sarif" | "scout" => {
                for run in arr(&v["runs"]) {
                    let rules = arr(&run["tool"]["driver"]["rules"]);
                    for r in arr(&run["results"]) {
                        let raw = s(&r["ruleId"])
                            .or_else(|| s(&r["rule"]["id"]))
                            .unwrap_or_else(|| {
                                let msg = s(&r["message"]["text"]).unwrap_or_default();
                                rules
                                    .iter()
                                    .filter_map(|rule| s(&rule["id"]))
                                    .find(|id| msg.starts_with(id.as_str()))
                                    .unwrap_or_else(|| msg.lines().next().unwrap_or("").to_string())
                            });
                        ids.insert(first_advisory_id(&raw).unwrap_or_else(|| unglued(&raw)));
                    }
                }
            }
            "snyk" => {
                let projects = if v.is_array() {
                    arr(v)
                } else {
                    vec![v.clone()]
                };
                for p in projects {
                    let apps = arr(&p["applications"]);
                    for proj in std::iter::once(&p).chain(apps.iter()) {
                        ids.extend(
                            arr(&proj["vulnerabilities"])
                                .iter()
                                .filter_map(|x| s(&x["id"])),
                        );
                    }
                }
            }
            "pip-audit" => {
                let deps = if v.is_array() {
                    arr(v)
                } else {
                    arr(&v["dependencies"])
                };
                for d in deps {
                    ids.extend(arr(&d["vulns"]).iter().filter_map(|x| s(&x["id"])));
                }
            }
            "npm-audit" => {
                if let Some(vulns) = v["vulnerabilities"].as_object() {
                    for entry in vulns.values() {
                        for via in arr(&entry["via"]).iter().filter(|x| x.is_object()) {
                            ids.insert(npm_id(via["url"].as_str(), via["source"].as_u64()));
                        }
                    }
                }
                if let Some(advs) = v["advisories"].as_object() {
                    for a in advs.values() {
                        let id = s(&a["github_advisory_id"])
                            .unwrap_or_else(|| npm_id(a["url"].as_str(), a["id"].as_u64()));
                        ids.insert(id);
                    }
                }
            }
            "gitleaks" => ids.extend(
                arr(v)
                    .iter()
                    .filter_map(|x| s(&x["RuleID"]).or_else(|| s(&x["rule"]))),
            ),
            "trufflehog" => {
                let items = if v.is_array() {
                    arr(v)
                } else {
                    vec![v.clone()]
                };
                ids.extend(
                    items
                        .iter()
                        .filter_map(|x| s(&x["DetectorName"]).or_else(|| s(&x["reason"]))),
                );
            }
            "detect-secrets" => {
                for entries in v["results"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    ids.extend(arr(entries).iter().filter_map(|x| s(&x["type"])));
                }
            }
            "hadolint" => ids.extend(arr(v).iter().filter_map(|x| s(&x["code"]))),
            "dockle" => {
                if v.get("runs").is_some() {
                    return expected_ids("sarif", vals);
                }
                ids.extend(
                    arr(&v["details"])
                        .iter()
                        .filter(|d| matches!(d["level"].as_str(), Some("FATAL" | "WARN" | "INFO")))
                        .filter_map(|d| s(&d["code"])),
                );
            }
            "cyclonedx" => ids.extend(
                arr(&v["vulnerabilities"])
                    .iter()
                    .filter_map(|x| s(&x["id"])),
            ),
            "openvex" => {}
            "osv-scanner" => {
                // One finding per alias group per package, named by its
                // lowest CVE, else its lowest GHSA, else its first id.
                for result in arr(&v["results"]) {
                    for p in arr(&result["packages"]) {
                        let records = arr(&p["vulnerabilities"]);
                        let groups: Vec<Vec<String>> = if arr(&p["groups"]).is_empty() {
                            records
                                .iter()
                                .filter_map(|r| s(&r["id"]))
                                .map(|i| vec![i])
                                .collect()
                        } else {
                            arr(&p["groups"])
                                .iter()
                                .map(|g| arr(&g["ids"]).iter().filter_map(s).collect())
                                .collect()
                        };
                        for (i, group) in groups.iter().enumerate() {
                            let mut names: Vec<String> = group.clone();
                            names.extend(
                                arr(&arr(&p["groups"]).get(i).cloned().unwrap_or_default()
                                    ["aliases"])
                                .iter()
                                .filter_map(s),
                            );
                            for r in records
                                .iter()
                                .filter(|r| s(&r["id"]).is_some_and(|id| group.contains(&id)))
                            {
                                names.extend(arr(&r["aliases"]).iter().filter_map(s));
                            }
                            let lowest = |prefix: &str| {
                                names
                                    .iter()
                                    .filter(|n| n.starts_with(prefix))
                                    .min_by_key(|n| {
                                        let nums: Vec<u64> = n
                                            .split(|c: char| !c.is_ascii_digit())
                                            .filter_map(|x| x.parse().ok())
                                            .collect();
                                        (nums, n.to_string())
                                    })
                                    .cloned()
                            };
                            if let Some(id) = lowest("CVE-")
                                .or_else(|| lowest("GHSA-"))
                                .or_else(|| group.first().cloned())
                            {
                                ids.insert(id);
                            }
                        }
                    }
                }
            }
            other => panic!("no expectation for fixture folder {other}"),
        }
    }
    ids
}

fn expected_format(dir: &str, name: &str, vals: &[Value]) -> Vec<Format> {
    let first = vals.first();
    match dir {
        "trivy" if first.is_some_and(|v| v.is_null() || v.is_array()) => vec![Format::TrivyLegacy],
        "trivy" if first.is_some_and(|v| v.get("ClusterName").is_some()) => vec![Format::TrivyK8s],
        "trivy" => vec![Format::TrivyJson],
        "grype" => vec![Format::Grype],
        "sarif" | "trivy-sarif" | "scout" => vec![Format::Sarif],
        "snyk" => vec![Format::Snyk],
        "pip-audit" => vec![Format::PipAudit],
        "npm-audit" if name.starts_with("v1") => vec![Format::NpmAuditV1],
        "npm-audit" => vec![Format::NpmAuditV2],
        "gitleaks" if first.is_some_and(|v| v.as_array().is_some_and(|a| a.is_empty())) => {
            vec![Format::EmptyList]
        }
        "gitleaks" => vec![Format::GitleaksV8, Format::GitleaksV7],
        "trufflehog" => vec![Format::TrufflehogV3, Format::TrufflehogV2],
        "detect-secrets" => vec![Format::DetectSecrets],
        "hadolint" => vec![Format::Hadolint],
        "dockle" if name.ends_with(".sarif") => vec![Format::Sarif],
        "dockle" => vec![Format::DockleJson],
        "cyclonedx" => vec![Format::CycloneDx],
        "openvex" => vec![Format::OpenVex],
        "osv-scanner" => vec![Format::OsvScanner],
        other => panic!("no expectation for fixture folder {other}"),
    }
}

fn expected_scanner(dir: &str) -> Option<&'static str> {
    match dir {
        "trivy" | "trivy-sarif" => Some("trivy"),
        "scout" => Some("docker-scout"),
        "grype" => Some("grype"),
        "snyk" => Some("snyk"),
        "dockle" => Some("dockle"),
        _ => None,
    }
}

#[test]
fn every_real_fixture_is_detected_and_counted() {
    let Some(root) = common::real_fixtures() else {
        return;
    };
    let mut checked = 0;
    for path in common::files_under(&root) {
        let rel = path.strip_prefix(&root).unwrap().to_path_buf();
        if rel == Path::new("PROVENANCE.md") {
            continue;
        }
        let dir = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .to_string();
        let name = rel.file_name().unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| common::parse(&bytes, &name))
            .unwrap_or_else(|_| panic!("{rel:?} panicked"));
        checked += 1;
        match (dir.as_str(), name.as_str()) {
            ("dockle", "bookstore-fatal-log-not-json.json") => {
                let err = result.expect_err("a log line is not a report");
                assert!(matches!(err, IngestError::NotJson(_)), "{rel:?}: {err}");
                assert!(
                    !err.to_string().contains('\u{1b}'),
                    "error message must be sanitised"
                );
                continue;
            }
            ("npm-audit", n) if n.starts_with("error-") => {
                let err = result.expect_err("an npm error object is not a report");
                assert!(
                    matches!(err, IngestError::NpmAuditError { .. }),
                    "{rel:?}: {err}"
                );
                assert!(err.to_string().contains("ENOAUDIT"), "{err}");
                continue;
            }
            _ => {}
        }
        let report = result.unwrap_or_else(|e| panic!("{rel:?}: {e}"));
        let vals = values(&bytes);
        let formats = expected_format(&dir, &name, &vals);
        assert!(
            formats.contains(&report.format),
            "{rel:?}: detected {:?}, expected {formats:?}",
            report.format
        );
        if let Some(scanner) = expected_scanner(&dir) {
            assert_eq!(report.scanner, scanner, "{rel:?}");
        }
        let got: BTreeSet<String> = report.findings.iter().map(|f| f.id.clone()).collect();
        let want = expected_ids(&dir, &vals);
        assert_eq!(got, want, "{rel:?}: distinct finding ids differ");
        if dir == "openvex" {
            let statements: usize = vals.iter().map(|v| arr(&v["statements"]).len()).sum();
            assert_eq!(report.vex.len(), statements, "{rel:?}: VEX statements");
            assert!(statements > 0);
        }
        for f in &report.findings {
            assert!(f.merged >= 1);
            assert_ne!(
                f.fingerprint.to_string(),
                "00000000000000000000000000000000",
                "{rel:?}: fingerprint missing"
            );
        }
        eprintln!(
            "{:<70} {:<18} {:>5} findings {:>5} records",
            rel.display(),
            report.format.name(),
            report.findings.len(),
            report.records
        );
    }
    assert!(
        checked >= 50,
        "expected the whole corpus, read {checked} files"
    );
}

#[test]
fn secrets_from_real_reports_never_survive_ingest() {
    let Some(root) = common::real_fixtures() else {
        return;
    };
    for dir in ["gitleaks", "trufflehog"] {
        for path in common::files_under(&root.join(dir)) {
            let bytes = std::fs::read(&path).unwrap();
            let report = common::parse(&bytes, "x").unwrap();
            let raw_secrets = raw_secrets(&values(&bytes));
            let debug = format!("{:?}", report.findings);
            for secret in &raw_secrets {
                assert!(
                    !debug.contains(secret.as_str()),
                    "{path:?}: a raw secret survived ingest"
                );
            }
            for f in &report.findings {
                assert!(
                    f.secret.is_some(),
                    "{path:?}: secret finding without redaction record"
                );
            }
        }
    }
}

/// Raw secret values a test can read from secret-scanner reports.
fn raw_secrets(vals: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for v in vals {
        let items = if v.is_array() {
            arr(v)
        } else {
            vec![v.clone()]
        };
        for item in items {
            for key in ["Secret", "offender", "Raw", "RawV2"] {
                if let Some(secret) = s(&item[key]).filter(|x| x.len() >= 8 && x != "REDACTED") {
                    out.push(secret);
                }
            }
            out.extend(
                arr(&item["stringsFound"])
                    .iter()
                    .filter_map(s)
                    .filter(|x| x.len() >= 8),
            );
        }
        for entries in v["results"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            out.extend(arr(entries).iter().filter_map(|e| s(&e["hashed_secret"])));
        }
    }
    out
}

#[test]
fn stored_copies_hold_no_secrets_and_parse_to_the_same_findings() {
    let Some(root) = common::real_fixtures() else {
        return;
    };
    let redactor = common::redactor();
    let mut secret_files = 0;
    for path in common::files_under(&root) {
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let Ok(original) = common::parse(&bytes, "r") else {
            continue;
        };
        let stored =
            scandeck::ingest::storage::redact_for_storage(&bytes, &original, &redactor).unwrap();
        let again = common::parse(&stored, "r")
            .unwrap_or_else(|e| panic!("{path:?}: stored copy unreadable: {e}"));
        let fps = |r: &scandeck::ingest::ParsedReport| {
            r.findings
                .iter()
                .map(|f| (f.fingerprint, f.merged, f.secret.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fps(&original),
            fps(&again),
            "{path:?}: stored copy parses differently"
        );
        let secrets = raw_secrets(&values(&bytes));
        if !secrets.is_empty() {
            secret_files += 1;
        }
        let stored_text = String::from_utf8_lossy(&stored);
        for secret in secrets {
            assert!(
                !stored_text.contains(&secret),
                "{path:?}: a secret survived in the stored copy"
            );
        }
    }
    assert!(
        secret_files >= 8,
        "expected the secret-scanner fixtures, saw {secret_files}"
    );
}
