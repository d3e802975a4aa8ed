//! Every parser, fed mutated copies of real reports, answers with findings
//! or an error — never a panic. The mutations are structural (a value
//! replaced by one of another type, a key dropped, an array emptied or
//! doubled, huge numbers, long and hostile strings) and byte-level (flips,
//! cuts), from a fixed seed so that a failure is reproducible: the panic
//! message names the seed file and the iteration.
//!
//! Bounded: `SCANDECK_FUZZ_ITERATIONS` per seed file (default 150).

use crate::common;

use scandeck::ingest::{self, storage};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// xorshift64*: small, seeded, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One small report per format the demo does not cover, so that every
/// parser is fuzzed even where `../shared/fixtures/real` is absent.
const INLINE_SEEDS: [(&str, &str); 10] = [
    (
        "hadolint.json",
        r#"[{"code":"DL3008","level":"warning","line":4,"column":1,"file":"Dockerfile","message":"Pin versions"}]"#,
    ),
    (
        "dockle.json",
        r#"{"image":"shop/api:1","summary":{"fatal":0,"warn":1,"info":0,"skip":0,"pass":0},"details":[{"code":"CIS-DI-0001","title":"Create a user","level":"WARN","alerts":["Last user should not be root"]}]}"#,
    ),
    (
        "snyk.json",
        r#"{"vulnerabilities":[{"id":"SNYK-JS-A-1","title":"Prototype Pollution","severity":"high","packageName":"a","version":"1.0.0","from":["app","a@1.0.0"],"identifiers":{"CVE":["CVE-2024-1"],"CWE":["CWE-1321"]}}],"packageManager":"npm","ok":false,"path":"/src"}"#,
    ),
    (
        "trufflehog.jsonl",
        r#"{"SourceMetadata":{"Data":{"Filesystem":{"file":"a.py","line":2}}},"SourceName":"trufflehog - filesystem","DetectorName":"AWS","Verified":false,"Raw":"AKIAIOSFODNN7EXAMPLE","Redacted":""}"#,
    ),
    (
        "trufflehog-v2.json",
        r#"{"branch":"main","commit":"x","commitHash":"abc","date":"2021-01-01","diff":"+k","path":"a.py","reason":"High Entropy","stringsFound":["s3cr3tvaluexxxxxxxx"]}"#,
    ),
    (
        "detect-secrets.baseline",
        r#"{"version":"1.5.0","plugins_used":[],"filters_used":[],"results":{"a.py":[{"type":"Secret Keyword","filename":"a.py","hashed_secret":"0123456789abcdef0123456789abcdef01234567","is_verified":false,"line_number":3}]},"generated_at":"2024-01-01T00:00:00Z"}"#,
    ),
    (
        "cyclonedx.json",
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"bom-ref":"pkg:npm/a@1.0.0","type":"library","name":"a","version":"1.0.0","purl":"pkg:npm/a@1.0.0"}],"vulnerabilities":[{"id":"CVE-2024-1","ratings":[{"severity":"high"}],"affects":[{"ref":"pkg:npm/a@1.0.0"}]}]}"#,
    ),
    (
        "openvex.json",
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"me","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:oci/api"}],"status":"not_affected","justification":"component_not_present"}]}"#,
    ),
    (
        "gitleaks-v7.json",
        r#"[{"line":"key = x","lineNumber":3,"offender":"s3cr3tvaluexxxxxxxx","commit":"abc","repo":".","rule":"Generic","commitMessage":"m","author":"a","email":"e","file":"a.py","date":"2021-01-01T00:00:00Z","tags":"key"}]"#,
    ),
    (
        "trivy-legacy.json",
        r#"[{"Target":"shop/api:1 (debian 12)","Type":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","PkgName":"openssl","InstalledVersion":"1","FixedVersion":"2","Severity":"HIGH"}]}]"#,
    ),
];

fn seeds(inline: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        common::files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/reports"));
    std::fs::create_dir_all(inline).unwrap();
    for (name, body) in INLINE_SEEDS {
        let path = inline.join(name);
        std::fs::write(&path, body).unwrap();
        assert!(
            common::parse(body.as_bytes(), name).is_ok(),
            "the inline seed {name} must parse before it is mutated: {:?}",
            common::parse(body.as_bytes(), name).err()
        );
        files.push(path);
    }
    match common::real_fixtures() {
        Some(real) => files.extend(
            common::files_under(&real)
                .into_iter()
                .filter(|p| p.extension().is_none_or(|e| e != "md"))
                // Large files make each iteration slow without adding shapes.
                .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() < 2_000_000)),
        ),
        None => eprintln!("fuzzing the demo reports only (no real fixtures)"),
    }
    files
}

const STRINGS: [&str; 8] = [
    "",
    "\u{1b}]52;c;aGk=\u{7}\u{1b}[31m",
    "\u{202e}evil\u{200b}",
    "../../../../etc/passwd",
    "CVE-2024-",
    "REDACTED",
    "99999999d",
    "9999-99-99T99:99:99Z",
];

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => serde_json::json!(u64::MAX),
        3 => serde_json::json!(-1e308),
        4 => Value::String(STRINGS[rng.below(STRINGS.len())].to_string()),
        5 => Value::String("x".repeat(rng.below(70_000))),
        6 => Value::Array(
            (0..rng.below(3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut map = serde_json::Map::new();
            for _ in 0..rng.below(3) {
                map.insert(
                    STRINGS[rng.below(STRINGS.len())].to_string(),
                    random_value(rng, depth + 1),
                );
            }
            Value::Object(map)
        }
    }
}

/// Changes one node of `value`, chosen by walking down at random.
fn mutate(node: &mut Value, rng: &mut Rng) {
    let descend = rng.below(4) != 0;
    match node {
        Value::Array(items) if descend && !items.is_empty() => {
            let i = rng.below(items.len());
            return mutate(&mut items[i], rng);
        }
        Value::Object(map) if descend && !map.is_empty() => {
            let i = rng.below(map.len());
            if let Some(v) = map.values_mut().nth(i) {
                return mutate(v, rng);
            }
        }
        _ => {}
    }
    change(node, rng);
}

fn change(node: &mut Value, rng: &mut Rng) {
    match rng.below(5) {
        0 => *node = random_value(rng, 0),
        1 => match node {
            Value::Object(map) => {
                if let Some(k) = map.keys().nth(rng.below(map.len())).cloned() {
                    map.remove(&k);
                }
            }
            Value::Array(items) => items.clear(),
            other => *other = Value::Null,
        },
        2 => {
            if let Value::Array(items) = node {
                let copy = items.clone();
                items.extend(copy);
            } else {
                *node = Value::Array(vec![node.clone(), node.clone()]);
            }
        }
        3 => *node = Value::Object(serde_json::Map::new()),
        _ => *node = Value::Array(Vec::new()),
    }
}

fn bytes_mutation(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return out;
    }
    match rng.below(3) {
        0 => out.truncate(rng.below(out.len())),
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
        }
        _ => {
            let i = rng.below(out.len());
            out.insert(i, [b'{', b'[', b'"', b'\\', 0xff, b'\n'][rng.below(6)]);
        }
    }
    out
}

/// Parses, stores and parses the stored copy, as `import` does.
fn import_in_memory(bytes: &[u8]) {
    let redactor = common::redactor();
    let ctx = ingest::ParseContext {
        redactor: &redactor,
        report_name: "fuzzed.json",
        image_override: None,
    };
    let origin = ingest::identify::Origin::default();
    if let Ok(report) = ingest::parse_bytes_from(bytes, &ctx, &origin, None) {
        if let Ok(stored) = storage::redact_for_storage(bytes, &report, &redactor) {
            let _ = ingest::parse_bytes_from(&stored, &ctx, &origin, Some(report.format));
        }
        for f in &report.findings {
            let _ = f.display_target();
        }
    }
}

thread_local! {
    /// Set on the threads that fuzz: their caught panics are expected.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The parsers' panics are expected while fuzzing and caught; the other
/// tests of this binary run meanwhile, and their panics must still be told.
/// One hook for the process, silent only on the fuzzing threads.
fn quiet_on_fuzzing_threads() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let told = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                told(info);
            }
        }));
    });
}

/// The seeds are shared out over four tests so that they run side by side.
const SHARDS: usize = 4;

#[test]
fn mutated_reports_never_panic_a_parser_1() {
    fuzz(0);
}

#[test]
fn mutated_reports_never_panic_a_parser_2() {
    fuzz(1);
}

#[test]
fn mutated_reports_never_panic_a_parser_3() {
    fuzz(2);
}

#[test]
fn mutated_reports_never_panic_a_parser_4() {
    fuzz(3);
}

/// Mutates every seed whose position is `shard` modulo `SHARDS`.
fn fuzz(shard: usize) {
    let iterations: usize = std::env::var("SCANDECK_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let inline = std::env::temp_dir().join(format!(
        "scandeck-fuzz-seeds-{}-{shard}",
        std::process::id()
    ));
    // Each seed keeps its position in the whole list: the same mutations
    // whichever shard it falls to.
    let seeds: Vec<(usize, PathBuf)> = seeds(&inline)
        .into_iter()
        .enumerate()
        .filter(|(n, _)| n % SHARDS == shard)
        .collect();
    assert!(!seeds.is_empty());
    quiet_on_fuzzing_threads();
    QUIET.with(|q| q.set(true));
    let mut failures = Vec::new();
    let mut runs = 0usize;
    for (n, seed) in seeds.iter().map(|(n, seed)| (*n, seed)) {
        let bytes = std::fs::read(seed).unwrap();
        let parsed: Option<Vec<Value>> = serde_json::Deserializer::from_slice(&bytes)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .ok();
        let mut rng = Rng(0x5eed_0000 + n as u64 * 7919);
        for i in 0..iterations {
            let input = match (&parsed, i % 4) {
                (Some(values), 0..=2) => {
                    let mut values = values.clone();
                    for _ in 0..1 + rng.below(3) {
                        let at = rng.below(values.len());
                        mutate(&mut values[at], &mut rng);
                    }
                    values
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                        .into_bytes()
                }
                _ => bytes_mutation(&bytes, &mut rng),
            };
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| import_in_memory(&input))).is_err() {
                let keep = std::env::temp_dir().join(format!(
                    "scandeck-fuzz-{}-{i}.json",
                    seed.file_name().unwrap().to_string_lossy()
                ));
                let _ = std::fs::write(&keep, &input);
                failures.push(format!(
                    "{} iteration {i}: panicked; input kept as {}",
                    seed.display(),
                    keep.display()
                ));
            }
        }
    }
    QUIET.with(|q| q.set(false));
    let _ = std::fs::remove_dir_all(&inline);
    eprintln!(
        "fuzzed {} seed files, {runs} mutated inputs, {} panics",
        seeds.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
