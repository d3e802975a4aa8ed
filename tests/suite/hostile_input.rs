//! Hostile report files, generated here: deep nesting, huge arrays, 2^70
//! numbers, duplicate keys, invalid UTF-8, truncation, wrong types, a file
//! over the size cap. Every one must give a finding list or a clear error,
//! never a panic.

use crate::common;

use scandeck::ingest::{self, IngestError};
use serde_json::{json, Value};

/// One small valid document per format.
fn skeletons() -> Vec<(&'static str, Value)> {
    vec![
        (
            "trivy",
            json!({"SchemaVersion": 2, "ArtifactName": "app:1", "ArtifactType": "container_image",
            "Metadata": {"RepoTags": ["app:1"], "RepoDigests": ["app@sha256:00"]},
            "Results": [{"Target": "app:1 (debian 12)", "Class": "os-pkgs", "Type": "debian",
                "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-0001", "VendorIDs": ["GHSA-aaaa-bbbb-cccc"], "PkgName": "libc6",
                    "InstalledVersion": "1", "FixedVersion": "2", "Severity": "HIGH", "Title": "t", "CVSS": {"nvd": {"V3Score": 7.5}}}],
                "Misconfigurations": [{"ID": "DS002", "Status": "FAIL", "Severity": "HIGH", "CauseMetadata": {"StartLine": 3}}],
                "Secrets": [{"RuleID": "aws", "StartLine": 1, "Match": "AKIA****"}]}]}),
        ),
        (
            "trivy-legacy",
            json!([{"Target": "x (ubuntu 18.04)", "Type": "ubuntu", "Vulnerabilities": [{"VulnerabilityID": "CVE-1", "PkgName": "p", "InstalledVersion": "1", "Severity": "LOW"}]}]),
        ),
        (
            "grype",
            json!({"matches": [{"vulnerability": {"id": "CVE-2024-1", "severity": "High", "fix": {"versions": ["2"], "state": "fixed"}, "cvss": [{"vector": "v", "metrics": {"baseScore": 7.0}}]},
            "relatedVulnerabilities": [{"id": "GHSA-xxxx-yyyy-zzzz", "severity": "High"}],
            "artifact": {"name": "openssl", "version": "1", "type": "apk", "locations": [{"path": "/lib/apk/db/installed"}]}}],
            "source": {"type": "image", "target": {"userInput": "img:1"}}, "descriptor": {"name": "grype", "version": "0.80.0"}}),
        ),
        (
            "sarif",
            json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "docker scout", "rules": [{"id": "CVE-2024-2", "shortDescription": {"text": "CVE-2024-2: x"},
            "properties": {"cvssV3_severity": "HIGH", "fixed_version": "2"}}]}},
            "results": [{"ruleId": "CVE-2024-2", "ruleIndex": 0, "level": "error", "message": {"text": "  Package : pkg:npm/a@1\n  Fixed version : 2\n"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "/x"}, "region": {"startLine": 1}}}], "suppressions": [{"kind": "external"}]}]}]}),
        ),
        (
            "snyk",
            json!({"vulnerabilities": [{"id": "SNYK-1", "severity": "high", "packageName": "a", "version": "1", "fixedIn": ["2"],
            "identifiers": {"CVE": ["CVE-1"], "NSP": 3}, "cvssScore": 7.5}], "packageManager": "npm", "ok": false, "projectName": "docker-image|app", "path": "app:1",
            "applications": [{"vulnerabilities": [{"id": "SNYK-2", "severity": "low"}], "packageManager": "npm", "targetFile": "/app/package.json"}]}),
        ),
        (
            "pip-audit",
            json!({"dependencies": [{"name": "flask", "version": "1", "vulns": [{"id": "PYSEC-1", "fix_versions": ["2"], "aliases": ["CVE-1"]}]},
            {"name": "x", "skip_reason": "not on PyPI"}], "fixes": []}),
        ),
        (
            "npm-v2",
            json!({"auditReportVersion": 2, "vulnerabilities": {"a": {"name": "a", "severity": "high",
            "via": [{"source": 1, "name": "a", "title": "t", "url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc", "severity": "high", "cvss": {"score": 7}}, "b"],
            "nodes": ["node_modules/a"], "fixAvailable": {"name": "a", "version": "2", "isSemVerMajor": false}}}}),
        ),
        (
            "npm-v1",
            json!({"actions": [], "advisories": {"1": {"id": 1, "module_name": "a", "severity": "moderate", "cwe": "[\"CWE-400\"]", "cves": ["CVE-1"],
            "findings": [{"version": "1", "paths": ["x>a"]}], "url": "https://npmjs.com/advisories/1"}}}),
        ),
        (
            "gitleaks",
            json!([{"RuleID": "aws", "File": "a.py", "StartLine": 3, "Secret": "AKIAABCDEFGHIJKLMNOP", "Match": "k=AKIAABCDEFGHIJKLMNOP"}]),
        ),
        (
            "gitleaks-v7",
            json!([{"rule": "AWS", "offender": "AKIAABCDEFGHIJKLMNOP", "file": "a", "lineNumber": 1}]),
        ),
        (
            "trufflehog",
            json!({"SourceMetadata": {"Data": {"Git": {"file": "a", "line": 2}}}, "DetectorName": "AWS", "Verified": true, "Raw": "AKIAABCDEFGHIJKLMNOP"}),
        ),
        (
            "trufflehog-v2",
            json!({"branch": "main", "commitHash": "abc", "stringsFound": ["secret-value-1"], "path": "a", "reason": "High Entropy"}),
        ),
        (
            "detect-secrets",
            json!({"results": {"a.py": [{"type": "Secret Keyword", "line_number": 3, "hashed_secret": "abc", "is_secret": false}]}, "plugins_used": []}),
        ),
        (
            "hadolint",
            json!([{"code": "DL3008", "level": "warning", "line": 4, "column": 1, "file": "Dockerfile", "message": "pin versions"}]),
        ),
        (
            "dockle",
            json!({"image": "app:1", "summary": {"fatal": 1, "warn": 0, "info": 0, "skip": 0, "pass": 0}, "details": [{"code": "CIS-DI-0010", "title": "t", "level": "FATAL", "alerts": ["a"]}]}),
        ),
        (
            "cyclonedx",
            json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": {"tools": [{"name": "trivy", "version": "1"}], "component": {"type": "container", "name": "img"}},
            "components": [{"bom-ref": "r1", "name": "a", "version": "1", "purl": "pkg:npm/a@1"}],
            "vulnerabilities": [{"id": "CVE-1", "ratings": [{"severity": "high", "score": 7.5}], "cwes": [79], "affects": [{"ref": "r1"}], "analysis": {"state": "not_affected"}}]}),
        ),
        (
            "openvex",
            json!({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-1", "aliases": ["GHSA-1"]}, "products": [{"@id": "pkg:oci/x"}], "status": "not_affected", "justification": "component_not_present"}]}),
        ),
    ]
}

const BIG: &str = "1180591620717411303424";

/// Replacement values for every node of a document.
fn replacements() -> Vec<String> {
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    vec![
        "null".into(),
        BIG.into(),
        "-1".into(),
        "1e400".into(),
        "\"\\u001b]52;c;SGVsbG8=\\u0007\\u202e\"".into(),
        "\"\\ud800\"".into(),
        "[]".into(),
        "{}".into(),
        "[1,\"x\",{},[]]".into(),
        "true".into(),
        deep,
    ]
}

/// JSON paths to every node of a value.
fn paths(v: &Value, prefix: Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let mut p = prefix.clone();
                p.push(PathStep::Key(k.clone()));
                paths(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(PathStep::Index(i));
                paths(child, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn with_placeholder(v: &Value, path: &[PathStep]) -> Value {
    let mut copy = v.clone();
    let mut node = &mut copy;
    for step in path {
        node = match step {
            PathStep::Key(k) => &mut node[k.as_str()],
            PathStep::Index(i) => &mut node[*i],
        };
    }
    *node = Value::String("__HOSTILE__".into());
    copy
}

fn parse_never_panics(bytes: &[u8], label: &str) -> Result<usize, String> {
    let outcome = std::panic::catch_unwind(|| common::parse(bytes, "hostile.json"));
    match outcome {
        Ok(Ok(report)) => Ok(report.findings.len()),
        Ok(Err(e)) => {
            let text = e.to_string();
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{label}: unsanitised error {text:?}"
            );
            Err(text)
        }
        Err(_) => panic!("{label}: parser panicked"),
    }
}

#[test]
fn every_node_replaced_by_hostile_values_never_panics() {
    let mut total = 0;
    for (name, doc) in skeletons() {
        assert!(
            parse_never_panics(doc.to_string().as_bytes(), name).is_ok(),
            "{name}: skeleton must parse"
        );
        let mut all = Vec::new();
        paths(&doc, Vec::new(), &mut all);
        let mut per_format = 0;
        for path in &all {
            let text = with_placeholder(&doc, path).to_string();
            for replacement in replacements() {
                let hostile = text.replace("\"__HOSTILE__\"", &replacement);
                let _ = parse_never_panics(hostile.as_bytes(), name);
                per_format += 1;
            }
        }
        let full = doc.to_string();
        for cut in (1..full.len()).step_by((full.len() / 40).max(1)) {
            let err = parse_never_panics(&full.as_bytes()[..cut], name);
            assert!(err.is_err(), "{name}: truncated at {cut} must be an error");
            per_format += 1;
        }
        assert!(
            per_format >= 100,
            "{name}: only {per_format} hostile variants"
        );
        total += per_format;
    }
    eprintln!("hostile variants parsed without panic: {total}");
}

#[test]
fn classic_hostile_files_give_clear_errors() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("deep nesting", deep.into_bytes()),
        (
            "deep nesting in a report",
            format!(
                "{{\"SchemaVersion\":2,\"Results\":{}{}}}",
                "[".repeat(5000),
                "]".repeat(5000)
            )
            .into_bytes(),
        ),
        (
            "duplicate keys",
            br#"{"SchemaVersion":2,"Results":[],"Results":[]}"#.to_vec(),
        ),
        (
            "invalid utf-8",
            b"{\"SchemaVersion\":2,\"ArtifactName\":\"\xff\xfe\"}".to_vec(),
        ),
        (
            "truncated",
            br#"{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"Vuln"#.to_vec(),
        ),
        (
            "wrong types",
            br#"{"SchemaVersion":2,"Results":"oops"}"#.to_vec(),
        ),
        (
            "lone surrogate",
            br#"{"SchemaVersion":2,"ArtifactName":"\ud800"}"#.to_vec(),
        ),
        (
            "not json",
            b"2024-03-02T17:53:43Z\t\x1b[31mFATAL\x1b[0m invalid image".to_vec(),
        ),
        ("empty", Vec::new()),
        ("only whitespace", b"  \n\t ".to_vec()),
        ("scalar", b"42".to_vec()),
        ("mixed stream", b"{\"a\":1}\n[1,2]".to_vec()),
        ("unknown object", br#"{"hello":"world"}"#.to_vec()),
    ];
    for (label, bytes) in cases {
        let err = parse_never_panics(&bytes, label).expect_err(label);
        assert!(!err.is_empty(), "{label}");
        eprintln!("{label}: {err}");
    }
}

#[test]
fn accepted_oddities_parse() {
    let bom = [
        b"\xEF\xBB\xBF  \n".as_slice(),
        br#"{"SchemaVersion":2,"Results":[]}"#,
    ]
    .concat();
    assert_eq!(parse_never_panics(&bom, "bom"), Ok(0));
    let big_line =
        format!(r#"[{{"code":"DL3008","level":"warning","line":{BIG},"file":"D","message":"m"}}]"#);
    assert_eq!(parse_never_panics(big_line.as_bytes(), "2^70 line"), Ok(1));
    let null = b"null";
    assert_eq!(parse_never_panics(null, "null"), Ok(0));
}

#[test]
fn huge_arrays_parse_with_bounded_work() {
    let mut doc = String::from(
        r#"{"SchemaVersion":2,"Results":[{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":["#,
    );
    for i in 0..200_000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(r#"{{"VulnerabilityID":"CVE-2024-{}","PkgName":"p{}","InstalledVersion":"1","Severity":"LOW"}}"#, i % 5000, i));
    }
    doc.push_str("]}]}");
    assert_eq!(
        parse_never_panics(doc.as_bytes(), "200k vulns"),
        Ok(200_000)
    );
    let empties = format!(
        r#"{{"SchemaVersion":2,"Results":[{}]}}"#,
        vec!["{}"; 1_000_000].join(",")
    );
    assert_eq!(
        parse_never_panics(empties.as_bytes(), "1M empty results"),
        Ok(0)
    );
}

#[test]
fn size_cap_rejects_without_reading_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let body = format!(
        r#"{{"SchemaVersion":2,"Padding":"{}"}}"#,
        "x".repeat(3 << 20)
    );
    std::fs::write(&path, &body).unwrap();
    let err = ingest::read_capped(&path, 1 << 20).unwrap_err();
    assert!(
        matches!(err, IngestError::TooLarge { cap } if cap == 1 << 20),
        "{err}"
    );
    assert!(err.to_string().contains("--max-report-size"));
    assert_eq!(
        ingest::read_capped(&path, 4 << 20).unwrap().len(),
        body.len()
    );
}

#[test]
fn a_stream_that_never_ends_is_refused_before_reading() {
    // /dev/zero reports length 0 and never ends: only regular files are read.
    let err = ingest::read_capped(std::path::Path::new("/dev/zero"), 1 << 20).unwrap_err();
    assert!(matches!(err, IngestError::NotAFile), "{err}");
}

/// Characters that must never reach a terminal, raw or as a JSON escape that
/// `jq -r` would turn back into them.
fn hostile_chars(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .chars()
        .filter(|c| *c != '\n' && scandeck::sanitize::is_forbidden(*c))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    for escape in ["\\u001b", "\\u009b", "\\u202e", "\\u0007", "\\u200b"] {
        if text.to_lowercase().contains(escape) {
            found.push(escape.to_string());
        }
    }
    found
}

#[test]
fn report_text_is_sanitised_in_committed_files_and_exports() {
    let home = tempfile::tempdir().unwrap();
    let ws = home.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let evil = "\u{1b}]52;c;aGk=\u{7}\u{9b}31m\u{202e}gnp.exe\u{200b}";
    let report = json!({"SchemaVersion": 2, "ArtifactName": format!("shop/api{evil}:1"),
        "ArtifactType": "container_image",
        "Results": [{"Target": format!("debian{evil}"), "Class": "os-pkgs", "Type": "debian",
            "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-0001", "PkgName": format!("openssl{evil}"),
                "InstalledVersion": "3.0.1", "FixedVersion": "3.0.2", "Severity": "HIGH",
                "Title": format!("title {evil}"), "Description": format!("desc {evil}"),
                "References": [format!("https://example.com/{evil}")]}]}]});
    let path = ws.join("trivy.json");
    std::fs::write(&path, report.to_string()).unwrap();
    let run = |args: &[&str]| {
        common::scandeck(home.path())
            .arg("--workspace")
            .arg(&ws)
            .args(args)
            .env("SCANDECK_ACTOR", format!("Eve {evil} <eve@example.com>"))
            .output()
            .unwrap()
    };
    assert!(run(&["import", path.to_str().unwrap()]).status.success());
    let out = run(&[
        "triage",
        "not-affected",
        "--id",
        "CVE-2024-0001",
        "--justification",
        "vulnerable_code_not_in_execute_path",
        "--reason",
        &format!("never called {evil}"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = std::fs::read_to_string(ws.join(".scandeck/decisions.json")).unwrap();
    assert_eq!(
        hostile_chars(&committed),
        Vec::<String>::new(),
        "decisions.json"
    );
    for format in ["json", "openvex", "sarif", "csv", "md", "html"] {
        let out = run(&["export", "--format", format]);
        assert!(out.status.success(), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            hostile_chars(&text),
            Vec::<String>::new(),
            "{format} export"
        );
    }
    let verify = run(&["triage", "verify"]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}
