//! Deterministic test data shared by the benchmarks.
#![allow(dead_code)]

use std::fmt::Write as _;

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "buffer",
    "overflow",
    "heap",
    "remote",
    "attacker",
    "crafted",
    "request",
    "denial",
    "service",
    "memory",
    "corruption",
    "allows",
    "via",
    "certificate",
    "validation",
    "parser",
    "integer",
    "out-of-bounds",
    "read",
    "write",
    "<script>",
    "&",
    "function",
    "library",
    "before",
    "version",
    "local",
    "privilege",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A deterministic Trivy SchemaVersion 2 report with `n` vulnerabilities.
pub fn generate(n: usize) -> String {
    let mut rng = Rng(42);
    let pool = (n / 8).clamp(1500, 60_000);
    let images = (n / 500).max(1);
    let mut out = String::with_capacity(n * 3300);
    out.push_str(r#"{"SchemaVersion":2,"Trivy":{"Version":"0.57.1"},"ArtifactName":"fleet/all:1","ArtifactType":"container_image","Metadata":{"RepoTags":["fleet/all:1"]},"Results":["#);
    let per_image = n.div_ceil(images);
    let mut written = 0;
    for img in 0..images {
        if img > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"Target":"fleet/svc-{img}:1.{img} (debian 12.4)","Class":"os-pkgs","Type":"debian","Vulnerabilities":["#
        );
        let count = per_image.min(n - written);
        let mut seen = std::collections::HashSet::new();
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            // Popularity skew: low ids are much more common. A target never lists
            // the same advisory for the same package twice, as real reports don't.
            let vuln = loop {
                let r = rng.below(1 << 20) as f64 / (1u64 << 20) as f64;
                let v = ((r * r * r) * pool as f64) as usize;
                if seen.insert(v) || seen.len() >= pool {
                    break v;
                }
            };
            let mut vr = Rng(vuln as u64 + 7);
            let sev = [
                "CRITICAL", "HIGH", "HIGH", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "MEDIUM", "MEDIUM",
                "MEDIUM", "MEDIUM", "MEDIUM", "MEDIUM", "LOW", "LOW", "LOW", "LOW", "LOW",
                "UNKNOWN", "CRITICAL",
            ][vr.below(20) as usize];
            let pkg = format!("lib{}", vr.below(4000));
            let desc_words = 50 + vr.below(200) as usize;
            let mut description = sentence(&mut vr, desc_words);
            if vuln.is_multiple_of(12) {
                // About one field in twelve needs a JSON escape, as in real reports.
                description.push_str(" \"quoted\"\n\nSee also.");
            }
            let title = sentence(&mut vr, 8);
            let refs: Vec<String> = (0..3 + vr.below(8))
                .map(|k| json_str(&format!("https://example.org/advisory/{vuln}/{k}?a=1&b=2")))
                .collect();
            let fixed = if rng.below(4) > 0 {
                format!(r#""FixedVersion":"2.{}.1","#, rng.below(9))
            } else {
                String::new()
            };
            let _ = write!(
                out,
                r#"{{"VulnerabilityID":"CVE-20{:02}-{}","PkgID":"{pkg}@1.{}","PkgName":"{pkg}","PkgIdentifier":{{"PURL":"pkg:deb/debian/{pkg}@1.{}?arch=amd64","UID":"{:016x}"}},"InstalledVersion":"1.{}.{}",{fixed}"Status":"fixed","Layer":{{"DiffID":"sha256:{:064x}"}},"SeveritySource":"nvd","PrimaryURL":"https://avd.aquasec.com/nvd/cve-{vuln}","DataSource":{{"ID":"debian","Name":"Debian Security Tracker","URL":"https://salsa.debian.org/security-tracker-team/security-tracker"}},"Title":{},"Description":{},"Severity":"{sev}","CweIDs":["CWE-{}"],"VendorSeverity":{{"nvd":3,"debian":2}},"CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","V3Score":7.5}}}},"References":[{}],"PublishedDate":"2023-05-01T10:15:00.000Z","LastModifiedDate":"2024-06-10T17:16:00.000Z"}}"#,
                10 + vuln % 15,
                10000 + vuln,
                vr.below(50),
                vr.below(50),
                rng.next(),
                vr.below(50),
                img % 5,
                rng.next() as u128 * 7919,
                json_str(&title),
                json_str(&description),
                20 + vr.below(900),
                refs.join(","),
            );
            written += 1;
        }
        out.push_str("]}");
        if written >= n {
            break;
        }
    }
    out.push_str("]}");
    out
}

/// `n` synthetic findings shaped like a fleet: popular advisories repeat
/// across images, advisory text is shared per id, 5/25/40/25/5 % severities.
pub fn synthetic_findings(n: usize) -> Vec<scandeck::model::Finding> {
    use scandeck::model::{
        Details, Finding, Fingerprint, ImageRef, Kind, Package, Place, Severity, SourceInfo,
    };
    use std::sync::Arc;
    let mut rng = Rng(7);
    let pool = (n / 8).clamp(1500, 60_000);
    let images: Vec<Arc<ImageRef>> = (0..(n / 500).max(1))
        .map(|i| {
            Arc::new(ImageRef {
                name: format!("fleet/svc-{i}:1.{}", i % 7),
                digest: Some(format!("sha256:{i:064x}")),
                ..ImageRef::default()
            })
        })
        .collect();
    let targets: Vec<Arc<str>> = images
        .iter()
        .map(|i| Arc::from(format!("{} (debian 12.4)", i.name).as_str()))
        .collect();
    let sources = [
        Arc::new(SourceInfo {
            scanner: "trivy".into(),
            version: Some("0.57.1".into()),
            report: "fleet.json".into(),
        }),
        Arc::new(SourceInfo {
            scanner: "grype".into(),
            version: Some("0.83.0".into()),
            report: "fleet-grype.json".into(),
        }),
    ];
    let details: Vec<Arc<Details>> = (0..pool)
        .map(|v| {
            let mut r = Rng(v as u64 + 11);
            Arc::new(Details {
                title: Some(sentence(&mut r, 8)),
                description: Some(sentence(&mut r, 60)),
                references: vec![format!(
                    "https://nvd.nist.gov/vuln/detail/CVE-20{:02}-{}",
                    10 + v % 15,
                    10000 + v
                )],
                cvss_score: Some(7.5),
                ..Details::default()
            })
        })
        .collect();
    let severities = [
        Severity::Critical,
        Severity::High,
        Severity::High,
        Severity::High,
        Severity::High,
        Severity::Medium,
        Severity::Medium,
        Severity::Medium,
        Severity::Medium,
        Severity::Medium,
        Severity::Medium,
        Severity::Medium,
        Severity::Medium,
        Severity::Low,
        Severity::Low,
        Severity::Low,
        Severity::Low,
        Severity::Low,
        Severity::Unknown,
        Severity::Critical,
    ];
    let per_image = n.div_ceil(images.len());
    (0..n)
        .map(|i| {
            let r = rng.below(1 << 20) as f64 / (1u64 << 20) as f64;
            let v = ((r * r * r) * pool as f64) as usize;
            let img = (i / per_image).min(images.len() - 1);
            let mut vr = Rng(v as u64 + 3);
            let pkg = format!("lib{}", vr.below(4000));
            // Images built from a handful of bases share package versions.
            let installed = format!("1.{}.{}", vr.below(30), img % 5);
            let mut f = Finding {
                kind: Kind::Vulnerability,
                id: format!("CVE-20{:02}-{}", 10 + v % 15, 10000 + v),
                aliases: if v.is_multiple_of(3) {
                    vec![format!(
                        "GHSA-{:04x}-{:04x}-{:04x}",
                        v,
                        v * 7 % 65536,
                        v * 13 % 65536
                    )]
                } else {
                    Vec::new()
                },
                severity: severities[vr.below(20) as usize],
                severity_raw: None,
                details: Arc::clone(&details[v]),
                package: Some(Package {
                    name: pkg,
                    ecosystem: Some("deb".into()),
                    installed: Some(installed.into()),
                    fixed: if rng.below(4) > 0 {
                        vec![format!("2.{}.0", rng.below(9)).into()]
                    } else {
                        Vec::new()
                    },
                    purl: None,
                    path: None,
                }),
                image: Some(Arc::clone(&images[img])),
                layer: None,
                target: Arc::clone(&targets[img]),
                location: Place::default(),
                source: Arc::clone(&sources[i % 2]),
                scanner_status: None,
                suppressed_by_tool: false,
                secret: None,
                merged: 1,
                subject: Arc::from(format!("image:{}", images[img].repository()).as_str()),
                fingerprint: Fingerprint::default(),
                legacy_fingerprint: None,
                also: None,
            };
            let mut fp = [0u8; 16];
            fp[..8].copy_from_slice(&(i as u64).to_le_bytes());
            f.fingerprint = Fingerprint(fp);
            f
        })
        .collect()
}

/// One image's Trivy report of a fleet (`fleet/svc-<image>:1`, Debian 12),
/// `n` findings drawn from one shared pool of advisories: an advisory has
/// one package and one fixed version wherever it is found, as in a real
/// distribution, and popular advisories repeat across images.
pub fn generate_fleet_image(image: usize, n: usize) -> String {
    let mut rng = Rng(1_000 + image as u64);
    let pool = 20_000usize;
    let mut out = String::with_capacity(n * 3300);
    let _ = write!(
        out,
        r#"{{"SchemaVersion":2,"Trivy":{{"Version":"0.57.1"}},"ArtifactName":"fleet/svc-{image}:1","ArtifactType":"container_image","Metadata":{{"RepoTags":["fleet/svc-{image}:1"],"RepoDigests":["fleet/svc-{image}@sha256:{image:064x}"]}},"Results":[{{"Target":"fleet/svc-{image}:1 (debian 12.4)","Class":"os-pkgs","Type":"debian","Vulnerabilities":["#
    );
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let vuln = loop {
            let r = rng.below(1 << 20) as f64 / (1u64 << 20) as f64;
            let v = ((r * r * r) * pool as f64) as usize;
            if seen.insert(v) || seen.len() >= pool {
                break v;
            }
        };
        let mut vr = Rng(vuln as u64 + 7);
        let sev = [
            "CRITICAL", "HIGH", "HIGH", "MEDIUM", "MEDIUM", "MEDIUM", "LOW", "LOW", "UNKNOWN",
            "HIGH",
        ][vr.below(10) as usize];
        let pkg = format!("lib{}", vr.below(2000));
        let fixed = if vr.below(4) > 0 {
            format!(r#""FixedVersion":"2.{}.1-1+deb12u1","#, vr.below(9))
        } else {
            String::new()
        };
        let words = 50 + vr.below(150) as usize;
        let description = sentence(&mut vr, words);
        let title = sentence(&mut vr, 8);
        let _ = write!(
            out,
            r#"{{"VulnerabilityID":"CVE-20{:02}-{}","PkgID":"{pkg}@1.0","PkgName":"{pkg}","PkgIdentifier":{{"PURL":"pkg:deb/debian/{pkg}@1.0?arch=amd64&distro=debian-12.4"}},"InstalledVersion":"1.0.{}",{fixed}"Status":"fixed","Layer":{{"DiffID":"sha256:{:064x}"}},"SeveritySource":"nvd","PrimaryURL":"https://avd.aquasec.com/nvd/cve-{vuln}","Title":{},"Description":{},"Severity":"{sev}","CweIDs":["CWE-{}"],"References":["https://example.org/advisory/{vuln}"],"PublishedDate":"2023-05-01T10:15:00.000Z"}}"#,
            10 + vuln % 15,
            10000 + vuln,
            image % 3,
            image as u128 * 7919,
            json_str(&title),
            json_str(&description),
            20 + vr.below(900),
        );
    }
    out.push_str("]}]}");
    out
}
