//! One test per parser on small reports written for scandeck, checking the
//! field mapping and each format's traps (docs/formats.md).

use crate::common;

use scandeck::ingest::{self, Format, IngestError, ParseContext, ParsedReport};
use scandeck::model::{Kind, Severity};

fn parse(text: &str) -> ParsedReport {
    common::parse(text.as_bytes(), "report.json").unwrap_or_else(|e| panic!("{e}"))
}

fn parse_with_image(text: &str, image: &str) -> ParsedReport {
    let r = common::redactor();
    let ctx = ParseContext {
        redactor: &r,
        report_name: "report.sarif",
        image_override: Some(image),
    };
    ingest::parse_bytes(text.as_bytes(), &ctx).unwrap()
}

#[test]
fn trivy_image_report() {
    let r = parse(
        r#"{"SchemaVersion":2,"Trivy":{"Version":"0.57.1"},"ArtifactName":"shop/api:1.2","ArtifactType":"container_image",
        "Metadata":{"ImageID":"sha256:cfg","RepoTags":["shop/api:1.2"],"RepoDigests":["shop/api@sha256:abc"]},
        "Results":[{"Target":"shop/api:1.2 (debian 12.4)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[
           {"VulnerabilityID":"CVE-2024-1","VendorIDs":["DSA-5000-1"],"PkgName":"openssl","PkgIdentifier":{"PURL":"pkg:deb/debian/openssl@3.0.1"},
            "InstalledVersion":"3.0.1","FixedVersion":"3.0.2, 3.1.0","Status":"fixed","Severity":"HIGH","VendorSeverity":null,"CVSS":null,"Title":"t"},
           {"VulnerabilityID":"CVE-2024-1","PkgName":"openssl","InstalledVersion":"3.0.1","Severity":"HIGH"}]},
         {"Target":"Python","Class":"lang-pkgs","Type":"python-pkg","Vulnerabilities":[
           {"VulnerabilityID":"GHSA-aaaa-bbbb-cccc","PkgName":"wheel","PkgPath":"a/wheel-0.45.1/METADATA","InstalledVersion":"0.45.1","Severity":"MEDIUM",
            "CVSS":{"ghsa":{"V3Score":5.3,"V3Vector":"CVSS:3.1/x"},"nvd":{"V3Score":6.1,"V3Vector":"CVSS:3.1/y"}}},
           {"VulnerabilityID":"GHSA-aaaa-bbbb-cccc","PkgName":"wheel","PkgPath":"b/wheel-0.45.1/METADATA","InstalledVersion":"0.45.1","Severity":"MEDIUM"}]},
         {"Target":"Dockerfile","Class":"config","Type":"dockerfile","Misconfigurations":[
           {"ID":"DS002","AVDID":"AVD-DS-0002","Title":"root","Severity":"HIGH","Status":"FAIL","CauseMetadata":{}},
           {"ID":"DS001","Title":"latest","Severity":"MEDIUM","Status":"PASS"}]},
         {"Target":"/app/.env","Class":"secret","Secrets":[{"RuleID":"aws-access-key-id","Severity":"CRITICAL","Title":"AWS","StartLine":2,"Match":"KEY=****"}]},
         {"Target":"OS Packages","Class":"license"}]}"#,
    );
    assert_eq!(r.format, Format::TrivyJson);
    assert_eq!(r.scanner_version.as_deref(), Some("0.57.1"));
    let image = r.image.as_ref().unwrap();
    assert_eq!(
        (image.name.as_str(), image.digest.as_deref()),
        ("shop/api:1.2", Some("sha256:abc"))
    );
    assert_eq!(
        r.records, 6,
        "four vulnerability records, one failed check, one secret"
    );
    assert_eq!(
        r.findings.len(),
        5,
        "duplicate OS record merged; vendored copies at two paths kept apart"
    );
    let openssl = r.findings.iter().find(|f| f.id == "CVE-2024-1").unwrap();
    assert_eq!(openssl.merged, 2);
    assert_eq!(openssl.severity, Severity::High);
    assert_eq!(openssl.aliases, vec!["DSA-5000-1"]);
    assert_eq!(
        openssl.package.as_ref().unwrap().fixed,
        vec!["3.0.2".into(), "3.1.0".into()] as Vec<std::sync::Arc<str>>
    );
    assert_eq!(
        openssl.package.as_ref().unwrap().ecosystem.as_deref(),
        Some("deb")
    );
    assert_eq!(openssl.image_name(), Some("shop/api:1.2"));
    let wheels: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id.starts_with("GHSA"))
        .collect();
    assert_eq!(wheels.len(), 2);
    assert_ne!(
        wheels[0].fingerprint, wheels[1].fingerprint,
        "location is part of a language package's identity"
    );
    assert_eq!(wheels[0].details.cvss_score, Some(6.1), "NVD preferred");
    let misconfig = r
        .findings
        .iter()
        .find(|f| f.kind == Kind::Misconfiguration)
        .unwrap();
    assert_eq!(
        (misconfig.id.as_str(), misconfig.aliases.as_slice()),
        ("DS002", &["AVD-DS-0002".to_string()][..])
    );
    let secret = r.findings.iter().find(|f| f.kind == Kind::Secret).unwrap();
    assert_eq!(secret.severity, Severity::Critical);
    assert_eq!(secret.location.line, Some(2));
    assert!(secret.secret.is_some());
}

#[test]
fn trivy_legacy_and_k8s() {
    assert_eq!(parse("null").findings.len(), 0);
    let legacy = parse(
        r#"[{"Target":"x (ubuntu 18.04)","Type":"ubuntu","Vulnerabilities":[{"VulnerabilityID":"CVE-1","PkgName":"bash","InstalledVersion":"4","Severity":"LOW"}]}]"#,
    );
    assert_eq!(
        (legacy.format, legacy.findings.len()),
        (Format::TrivyLegacy, 1)
    );
    let k8s = parse(
        r#"{"ClusterName":"prod","Vulnerabilities":[
          {"Namespace":"shop","Kind":"Deployment","Name":"api","Results":[{"Target":"gcr.io/shop/api:v2 (debian 10.4)","Class":"os-pkgs","Type":"debian",
             "Vulnerabilities":[{"VulnerabilityID":"CVE-9","PkgName":"libc6","InstalledVersion":"2.28","Severity":"CRITICAL"}]}]},
          {"Namespace":"shop","Kind":"Deployment","Name":"worker","Results":[{"Target":"gcr.io/shop/api:v2 (debian 10.4)","Class":"os-pkgs","Type":"debian",
             "Vulnerabilities":[{"VulnerabilityID":"CVE-9","PkgName":"libc6","InstalledVersion":"2.28","Severity":"CRITICAL"}]}]}],
          "Misconfigurations":[{"Namespace":"shop","Kind":"Deployment","Name":"api","Results":[{"Target":"Deployment/api","Class":"config",
             "Misconfigurations":[{"ID":"KSV001","Severity":"MEDIUM","Status":"FAIL","CauseMetadata":{"StartLine":3}}]}]}]}"#,
    );
    assert_eq!(k8s.format, Format::TrivyK8s);
    let vuln = k8s.findings.iter().find(|f| f.id == "CVE-9").unwrap();
    assert_eq!(
        vuln.merged, 2,
        "the same image vulnerability in two workloads is one finding"
    );
    assert_eq!(vuln.image_name(), Some("gcr.io/shop/api:v2"));
    let ksv = k8s.findings.iter().find(|f| f.id == "KSV001").unwrap();
    assert_eq!(ksv.location.path.as_deref(), Some("shop/Deployment/api"));
}

#[test]
fn grype_current_and_old() {
    let r = parse(
        r#"{"matches":[{"vulnerability":{"id":"CVE-2024-26308","cvss":[],"fix":{"versions":[],"state":""}},
             "relatedVulnerabilities":[{"id":"GHSA-4265-ccf5-phj5","severity":"High","description":"zip bomb"}],
             "artifact":{"name":"commons-compress","version":"1.21","type":"java-archive","purl":"pkg:maven/org.apache.commons/commons-compress@1.21",
               "locations":[{"path":"/app/lib/commons-compress-1.21.jar"}]}},
           {"vulnerability":{"id":"CVE-2005-2541","severity":"Negligible","fix":{"state":"wont-fix"}},
             "artifact":{"name":"tar","version":"1.30","type":"deb","locations":[{"path":"/var/lib/dpkg/status"}]}}],
          "source":{"type":"directory","target":"."},"distro":{"name":"","version":"","idLike":null},
          "descriptor":{"name":"grype","version":"0.96.0"}}"#,
    );
    assert_eq!(r.artifact.as_deref(), Some("."));
    assert!(r.image.is_none());
    let first = &r.findings[0];
    assert_eq!(
        first.severity,
        Severity::High,
        "severity taken from the related record"
    );
    assert_eq!(first.aliases, vec!["GHSA-4265-ccf5-phj5"]);
    assert!(first.package.as_ref().unwrap().fixed.is_empty());
    assert_eq!(
        first.package.as_ref().unwrap().ecosystem.as_deref(),
        Some("maven")
    );
    assert_eq!(first.title(), "zip bomb");
    let os = &r.findings[1];
    assert_eq!(os.severity, Severity::Info);
    assert_eq!(os.severity_raw.as_deref(), Some("Negligible"));
    assert_eq!(os.scanner_status.as_deref(), Some("wont-fix"));
    assert!(
        os.package.as_ref().unwrap().path.is_none(),
        "OS packages carry no location in their identity"
    );
}

#[test]
fn scout_sarif_needs_the_image_and_reads_each_message() {
    let text = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"docker scout","version":"1.16.1","rules":[
        {"id":"CVE-2021-3807","shortDescription":{"text":"CVE-2021-3807: Inefficient Regular Expression Complexity"},"help":{"text":"ReDoS"},
         "properties":{"cvssV3_severity":"HIGH","fixed_version":"4.1.1","purls":["pkg:npm/ansi-regex@3.0.0","pkg:npm/ansi-regex@4.1.0"],"security-severity":"7.5"}},
        {"id":"CVE-2024-9","shortDescription":{"text":"CVE-2024-9: x"},"properties":{"cvssV3_severity":"UNSPECIFIED","fixed_version":"not fixed"}}]}},
      "results":[
        {"ruleId":"CVE-2021-3807","ruleIndex":0,"level":"error","message":{"text":"  Package         : pkg:npm/ansi-regex@4.1.0   \n  Fixed version   : 4.1.1   \n"}},
        {"ruleId":"CVE-2021-3807","ruleIndex":0,"level":"error","message":{"text":"  Package         : pkg:npm/ansi-regex@3.0.0   \n  Fixed version   : 3.0.1   \n"}},
        {"ruleId":"CVE-2024-9","ruleIndex":0,"level":"none","message":{"text":"  Package         : pkg:deb/debian/krb5@1.20   \n  Fixed version   : not fixed   \n"}}]}]}"#;
    let r = parse(text);
    assert_eq!(r.scanner, "docker-scout");
    assert!(r.image.is_none(), "Scout SARIF records no image");
    let fixes: Vec<(String, Vec<String>)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.installed_version().unwrap().to_string(),
                f.package
                    .as_ref()
                    .unwrap()
                    .fixed
                    .iter()
                    .map(|v| v.to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(fixes[0], ("4.1.0".to_string(), vec!["4.1.1".to_string()]));
    assert_eq!(
        fixes[1],
        ("3.0.0".to_string(), vec!["3.0.1".to_string()]),
        "fix taken from the result, not the rule"
    );
    assert!(fixes[2].1.is_empty(), "'not fixed' is not a version");
    assert_eq!(
        (
            r.findings[2].severity,
            r.findings[2].severity_raw.as_deref()
        ),
        (Severity::Unknown, Some("UNSPECIFIED"))
    );
    assert_eq!(
        r.findings[0].title(),
        "Inefficient Regular Expression Complexity"
    );
    let with_image = parse_with_image(text, "web:2.0");
    assert!(with_image
        .findings
        .iter()
        .all(|f| f.image_name() == Some("web:2.0")));
}

#[test]
fn trivy_sarif_old_rule_ids_and_wrong_rule_index() {
    let r = parse(
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[
          {"id":"CVE-2018-14618/curl","shortDescription":{"text":"curl overflow"},"properties":{"tags":["CRITICAL"]}},
          {"id":"CVE-2019-11358/jquery","shortDescription":{"text":"jquery pollution"},"properties":{"tags":["MEDIUM"]}}]}},
         "results":[{"ruleId":"CVE-2019-11358/jquery","ruleIndex":0,"level":"note","message":{"text":"x"}},
                    {"ruleId":"[HIGH] CVE-2019-1549","message":{"text":"y"}}]}]}"#,
    );
    let jq = &r.findings[0];
    assert_eq!(jq.id, "CVE-2019-11358");
    assert_eq!(
        jq.title(),
        "jquery pollution",
        "rule resolved by id, not by the wrong ruleIndex"
    );
    assert_eq!(jq.severity, Severity::Medium);
    assert_eq!(jq.package_name(), Some("jquery"));
    assert_eq!(
        (r.findings[1].id.as_str(), r.findings[1].severity),
        ("CVE-2019-1549", Severity::High)
    );
}

#[test]
fn generic_sarif_levels_and_suppressions() {
    let r = parse(
        r#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"Semgrep OSS",
           "rules":[{"id":"r1","defaultConfiguration":{"level":"error"},"properties":{"security-severity":"MEDIUM"}},{"id":"r2"}]}},
          "results":[{"ruleId":"r1","message":{"text":"one"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///src/a%20b.py"},"region":{"startLine":7}}}]},
                     {"ruleId":"r2","message":{"text":"two"},"suppressions":[{"kind":"external"}]},
                     {"ruleId":"missing","level":"note","message":{"text":"three"}}]}]}"#,
    );
    assert_eq!(
        r.findings[0].severity,
        Severity::Medium,
        "textual security-severity"
    );
    assert_eq!(r.findings[0].location.path.as_deref(), Some("/src/a b.py"));
    assert_eq!(r.findings[0].location.line, Some(7));
    assert_eq!(
        r.findings[1].severity,
        Severity::Medium,
        "SARIF default level is warning"
    );
    assert!(r.findings[1].suppressed_by_tool);
    assert_eq!(
        (r.findings[2].id.as_str(), r.findings[2].severity),
        ("missing", Severity::Low)
    );
    assert_eq!(r.findings[0].kind, Kind::Misconfiguration);
}

#[test]
fn snyk_projects_paths_and_containers() {
    let r = parse(
        r#"[{"vulnerabilities":[
            {"id":"SNYK-JS-A-1","severity":"high","packageName":"a","version":"1.0.0","fixedIn":null,"from":["app","x","a@1.0.0"],
             "identifiers":{"CVE":["CVE-2020-1"],"CWE":["CWE-400"],"NSP":12}},
            {"id":"SNYK-JS-A-1","severity":"high","packageName":"a","version":"1.0.0","fixedIn":null,"from":["app","y","a@1.0.0"]}],
           "packageManager":"npm","ok":false,"displayTargetFile":"package-lock.json","path":"/src"},
          {"vulnerabilities":[{"id":"SNYK-DEBIAN11-Z-2","severity":"critical","packageName":"zlib","name":"zlib/zlib1g","version":"1.2","fixedIn":["1.3"],"cvssScore":null}],
           "packageManager":"deb","projectName":"docker-image|shop/api","path":"shop/api:1.2","docker":{},
           "applications":[{"vulnerabilities":[{"id":"SNYK-GOLANG-X-3","severity":"low","packageName":"x","version":"0.1"}],"packageManager":"gomodules","targetFile":"/bin/app"}]}]"#,
    );
    assert_eq!(r.records, 4);
    let a = r.findings.iter().find(|f| f.id == "SNYK-JS-A-1").unwrap();
    assert_eq!(
        a.merged, 2,
        "one entry per dependency path becomes one finding"
    );
    assert_eq!(a.aliases, vec!["CVE-2020-1"]);
    assert_eq!(a.details.cwes, vec!["CWE-400"]);
    let z = r
        .findings
        .iter()
        .find(|f| f.id == "SNYK-DEBIAN11-Z-2")
        .unwrap();
    assert_eq!(z.image_name(), Some("shop/api:1.2"));
    let app = r
        .findings
        .iter()
        .find(|f| f.id == "SNYK-GOLANG-X-3")
        .unwrap();
    assert_eq!(
        (app.image_name(), &*app.target),
        (Some("shop/api:1.2"), "/bin/app")
    );
}

#[test]
fn pip_audit_current_and_legacy() {
    let r = parse(
        r#"{"dependencies":[{"name":"flask","version":"2.2.2","vulns":[{"id":"PYSEC-2023-62","fix_versions":["2.2.5"],"aliases":["CVE-2023-30861"],"description":"Leak.\nMore"}]},
          {"name":"azure-devops","skip_reason":"Dependency not found on PyPI"},{"name":"ok","version":"1","vulns":[]}],"fixes":[]}"#,
    );
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert_eq!((f.severity, f.title()), (Severity::Unknown, "Leak."));
    assert_eq!(
        f.package.as_ref().unwrap().ecosystem.as_deref(),
        Some("pypi")
    );
    assert_eq!(r.notes.len(), 1);
    let legacy = parse(
        r#"[{"name":"django","version":"3.0","vulns":[{"id":"PYSEC-1","fix_versions":[]}]}]"#,
    );
    assert_eq!(
        (legacy.format, legacy.findings.len()),
        (Format::PipAudit, 1)
    );
    assert_eq!(parse("[\n]").findings.len(), 0);
}

#[test]
fn npm_audit_v2_v1_and_error() {
    let v2 = parse(
        r#"{"auditReportVersion":2,"vulnerabilities":{
          "a":{"name":"a","severity":"moderate","via":[{"source":1,"name":"a","title":"t","url":"https://github.com/advisories/GHSA-aaaa-bbbb-cccc","severity":"moderate","cvss":{"score":0,"vectorString":null}}],"fixAvailable":true,"nodes":["node_modules/a"]},
          "b":{"name":"b","severity":"moderate","via":["a"],"fixAvailable":{"name":"top","version":"5.0.1","isSemVerMajor":true}}}}"#,
    );
    assert_eq!(
        v2.findings.len(),
        1,
        "string vias are edges, not advisories"
    );
    let f = &v2.findings[0];
    assert_eq!(
        (f.id.as_str(), f.severity),
        ("GHSA-aaaa-bbbb-cccc", Severity::Medium)
    );
    assert_eq!(
        f.aliases,
        vec!["1", "NPM-1"],
        "npm's bare number is an alias"
    );
    assert_eq!(f.details.cvss_score, None, "score 0 means unscored");
    let v1 = parse(
        r#"{"actions":[],"advisories":{"1012":{"id":1012,"module_name":"lodash","severity":"high","cwe":"[\"CWE-400\",\"CWE-1321\"]","cves":["CVE-2019-1"],
           "github_advisory_id":"GHSA-xxxx-yyyy-zzzz","findings":[{"version":"4.17.4","paths":["a>lodash","b>lodash"]}],"url":"https://npmjs.com/advisories/1012","patched_versions":">=4.17.12"}},"muted":[]}"#,
    );
    let f = &v1.findings[0];
    assert_eq!(f.id, "GHSA-xxxx-yyyy-zzzz");
    assert!(
        f.aliases.contains(&"CVE-2019-1".to_string())
            && f.aliases.contains(&"NPM-1012".to_string())
    );
    assert_eq!(f.details.cwes, vec!["CWE-400", "CWE-1321"]);
    assert_eq!(f.merged, 2);
    let err = common::parse(
        br#"{"error":{"code":"ENOAUDIT","summary":"registry does not support audit"}}"#,
        "x",
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::NpmAuditError { .. }));
}

#[test]
fn secret_scanners_redact() {
    let g8 = parse(
        r#"[{"RuleID":"aws-access-token","Description":"AWS","File":"a.py","StartLine":3,"Secret":"AKIAABCDEFGHIJKLMNOP","Match":"k=AKIAABCDEFGHIJKLMNOP"}]"#,
    );
    let f = &g8.findings[0];
    assert_eq!((f.kind, f.severity), (Kind::Secret, Severity::High));
    assert_eq!(f.secret.as_ref().unwrap().mask, "AKIA…(20 chars)");
    assert!(!format!("{f:?}").contains("ABCDEFGHIJKLMNOP"));
    let g7 = parse(
        r#"[{"rule":"AWS Access Key","offender":"AKIAABCDEFGHIJKLMNOP","file":"b","lineNumber":4,"commit":"c"}]"#,
    );
    assert_eq!(g7.format, Format::GitleaksV7);
    let th = parse("{\"SourceMetadata\":{\"Data\":{\"Filesystem\":{\"file\":\"k.pem\",\"line\":1}}},\"DetectorName\":\"PrivateKey\",\"Verified\":true,\"Raw\":\"-----BEGIN KEY-----abc\"}\n{\"SourceMetadata\":{\"Data\":{\"Git\":{\"file\":\"x\",\"line\":2,\"commit\":\"c\"}}},\"DetectorName\":\"AWS\",\"Verified\":false,\"Raw\":\"AKIAZZZZZZZZZZZZZZZZ\"}");
    assert_eq!(
        th.findings[0].severity,
        Severity::Critical,
        "verified live credential"
    );
    assert_eq!(th.findings[1].severity, Severity::High);
    assert!(!format!("{:?}", th.findings).contains("BEGIN KEY"));
    let wrapped = parse(
        r#"[{"SourceMetadata":{"Data":{"Git":{"file":"x"}}},"DetectorName":"AWS","Raw":"AKIAZZZZZZZZZZZZZZZZ"}]"#,
    );
    assert_eq!(wrapped.format, Format::TrufflehogV3);
    let ds = parse(
        r#"{"version":"1.5.0","plugins_used":[],"results":{"cfg.yml":[{"type":"Secret Keyword","line_number":3,"hashed_secret":"8a92","is_secret":false}]}}"#,
    );
    assert!(ds.findings[0].suppressed_by_tool);
    assert_eq!(ds.findings[0].location.path.as_deref(), Some("cfg.yml"));
}

#[test]
fn hadolint_and_dockle() {
    let h = parse(
        r#"[][{"code":"DL3008","level":"warning","line":4,"column":1,"file":"Dockerfile","message":"Pin versions"}][{"code":"SC2086","level":"info","line":9,"column":1,"file":"-","message":"Quote"}]"#,
    );
    assert_eq!(h.format, Format::Hadolint);
    assert_eq!(
        h.findings.iter().map(|f| f.severity).collect::<Vec<_>>(),
        vec![Severity::Medium, Severity::Low]
    );
    assert_eq!(
        h.findings[0].details.references,
        vec!["https://github.com/hadolint/hadolint/wiki/DL3008"]
    );
    let d = parse(
        r#"{"image":"web:1","summary":{"fatal":1,"warn":1,"info":0,"skip":0,"pass":3},"details":[
          {"code":"CIS-DI-0010","title":"Do not store credential in environment variables/files","level":"FATAL","alerts":["Suspicious ENV key found : DB_PASSWORD"]},
          {"code":"CIS-DI-0001","title":"Create a user for the container","level":"WARN","alerts":["Last user should not be root"]},
          {"code":"DKL-LI-0003","title":"Only put necessary files","level":"PASS","alerts":[]}]}"#,
    );
    assert_eq!(d.findings.len(), 2);
    assert_eq!(d.findings[0].kind, Kind::ImageConfig);
    assert_eq!(d.findings[0].severity, Severity::High);
    assert_eq!(d.image.as_ref().unwrap().name, "web:1");
}

#[test]
fn cyclonedx_resolves_refs_and_reads_analysis() {
    let r = parse(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"tools":{"components":[{"name":"trivy","version":"0.48.1"}]},
            "component":{"type":"container","name":"shop/api:1","purl":"pkg:oci/api@sha256%3Aabc"}},
          "components":[{"bom-ref":"p1","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4","components":[{"bom-ref":"p2","group":"org.x","name":"y","version":"2"}]}],
          "vulnerabilities":[{"id":"CVE-2019-10744","source":{"name":"nvd"},"references":[{"id":"GHSA-jf85-cpcp-j695"}],
              "ratings":[{"source":{"name":"ghsa"},"severity":"critical"},{"source":{"name":"nvd"},"severity":"high","score":7.5,"vector":"v"}],
              "cwes":[1321],"affects":[{"ref":"p1"},{"ref":"p2"},{"ref":"urn:cdx:other/1#pkg:maven/a@1"}],"analysis":{"state":"not_affected","justification":"code_not_reachable"}}]}"#,
    );
    assert_eq!(r.scanner, "trivy");
    assert_eq!(
        r.image
            .as_ref()
            .map(|i| (i.name.as_str(), i.digest.as_deref())),
        Some(("shop/api:1", Some("sha256:abc")))
    );
    assert_eq!(r.findings.len(), 3);
    assert_eq!(
        r.findings[0].severity,
        Severity::High,
        "rating of the vulnerability's own source"
    );
    assert_eq!(r.findings[0].package_name(), Some("lodash"));
    assert_eq!(
        r.findings[1].package_name(),
        Some("org.x/y"),
        "nested components resolve"
    );
    assert_eq!(
        r.findings[2].package_name(),
        Some("urn:cdx:other/1#pkg:maven/a@1"),
        "unresolved refs still display"
    );
    assert!(r.findings.iter().all(|f| f.suppressed_by_tool));
    assert_eq!(r.vex.len(), 1);
    assert_eq!(r.vex[0].status, "not_affected");
    assert_eq!(r.findings[0].details.cwes, vec!["CWE-1321"]);
    let sbom = parse(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"tools":[{"vendor":"aquasecurity","name":"trivy","version":"0.4"}]},"components":[]}"#,
    );
    assert_eq!(
        sbom.findings.len(),
        0,
        "a plain SBOM is no findings, not an error"
    );
}

#[test]
fn openvex_statements() {
    let v2 = parse(
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"sec team","timestamp":"2024-01-01T00:00:00Z","version":1,
          "statements":[{"vulnerability":{"name":"GO-2024-2575","aliases":["CVE-2024-26147"]},"products":[{"@id":"pkg:golang/x","subcomponents":[{"@id":"pkg:golang/helm.sh/helm/v3"}]}],
            "status":"not_affected","justification":"vulnerable_code_not_in_execute_path","impact_statement":"not called"}]}"#,
    );
    assert_eq!(v2.findings.len(), 0);
    let s = &v2.vex[0];
    assert_eq!(
        (s.vulnerability.as_str(), s.status.as_str()),
        ("GO-2024-2575", "not_affected")
    );
    assert_eq!(
        s.products,
        vec!["pkg:golang/x", "pkg:golang/helm.sh/helm/v3"]
    );
    assert_eq!(s.timestamp.as_deref(), Some("2024-01-01T00:00:00Z"));
    let v1 = parse(
        r#"{"@context":"https://openvex.dev/ns/v0.0.1","version":"1","statements":[{"vulnerability":"CVE-1","products":["pkg:apk/wolfi/git@2"],"status":"fixed"}]}"#,
    );
    assert_eq!(v1.vex[0].products, vec!["pkg:apk/wolfi/git@2"]);
}

#[test]
fn fingerprints_survive_rebuilds_retags_and_version_bumps() {
    let report = |tag: &str, digest: &str, version: &str, severity: &str| {
        format!(
            r#"{{"SchemaVersion":2,"ArtifactName":"registry.local:5000/shop/api:{tag}","ArtifactType":"container_image","Metadata":{{"RepoDigests":["registry.local:5000/shop/api@sha256:{digest}"]}},
            "Results":[{{"Target":"registry.local:5000/shop/api:{tag} (alpine 3.19)","Class":"os-pkgs","Type":"alpine","Vulnerabilities":[
              {{"VulnerabilityID":"CVE-2024-1","PkgName":"openssl","InstalledVersion":"{version}","Severity":"{severity}","Description":"{digest}"}}]}}]}}"#
        )
    };
    let a = parse(&report("1.0", "aaa", "3.1.0-r1", "HIGH"));
    let b = parse(&report("1.1", "bbb", "3.1.4-r5", "CRITICAL"));
    assert_eq!(a.findings[0].fingerprint, b.findings[0].fingerprint);
    let other_image =
        parse(&report("1.0", "aaa", "3.1.0-r1", "HIGH").replace("shop/api", "shop/web"));
    assert_ne!(
        a.findings[0].fingerprint,
        other_image.findings[0].fingerprint
    );
}

#[test]
fn a_scanner_that_checked_nothing_is_an_error_not_a_clean_report() {
    // pip-audit that could audit no dependency at all (offline, private index).
    let skipped = r#"{"dependencies":[
        {"name":"flask","version":"2.2.2","skip_reason":"Dependency not found on PyPI and could not be audited: flask (2.2.2)"},
        {"name":"idna","version":"3.4","skip_reason":"Dependency not found on PyPI and could not be audited: idna (3.4)"}],"fixes":[]}"#;
    let err = common::parse(skipped.as_bytes(), "pip-audit.json").unwrap_err();
    assert!(
        err.to_string()
            .contains("pip-audit audited nothing: it skipped every one of the 2 dependencies"),
        "{err}"
    );
    // npm audit when the registry refuses the audit endpoint, as npm 11 prints it.
    let refused = r#"{"message":"405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk","method":"POST","uri":"https://registry.npmjs.org/-/npm/v1/security/advisories/bulk","headers":{"allow":["GET,HEAD"]},"statusCode":405,"body":"","error":{"summary":"","detail":""}}"#;
    let err = common::parse(refused.as_bytes(), "npm-audit.json").unwrap_err();
    assert!(
        err.to_string().contains(
            "npm audit error, not a report: the registry answered HTTP 405: 405 Method Not Allowed"
        ),
        "{err}"
    );
}

#[test]
fn a_trivy_schema_version_no_trivy_writes_is_refused_in_one_line() {
    for version in ["99999999999999999999999", "-1", "0", "7e30", "2.5", "12"] {
        let body = format!(r#"{{"SchemaVersion": {version}, "ArtifactName": "x", "Results": []}}"#);
        let err = common::parse(body.as_bytes(), "t.json").expect_err(version);
        let text = err.to_string();
        assert!(text.contains("SchemaVersion"), "{version}: {text}");
        assert_eq!(text.lines().count(), 1, "{version}: {text}");
    }
    for version in ["1", "2"] {
        let body = format!(r#"{{"SchemaVersion": {version}, "ArtifactName": "x", "Results": []}}"#);
        assert!(
            common::parse(body.as_bytes(), "t.json").is_ok(),
            "{version}"
        );
    }
}

#[test]
fn a_k8s_report_that_starts_with_its_schema_version_is_a_k8s_report() {
    let body = r#"{"SchemaVersion": 2, "ClusterName": "prod", "Resources": [
        {"Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": [
            {"Target": "nginx:1.25 (debian 12.4)", "Class": "os-pkgs", "Type": "debian",
             "Vulnerabilities": [{"VulnerabilityID": "CVE-2026-5", "PkgName": "zlib1g",
                                  "InstalledVersion": "1", "Severity": "LOW"}]}]}]}"#;
    let r = parse(body);
    assert_eq!(r.format, Format::TrivyK8s);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].subject.as_ref(), "image:nginx");
}
