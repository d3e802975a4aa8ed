//! Automatic checks behind checklist items. Each proposes a state with the
//! evidence it found; none ticks an item by itself. Values of secrets and
//! passwords are never shown, only the key and the file.

use crate::model::{Finding, Kind, Severity};
use crate::scan::project_files::{read, ProjectFiles};
use crate::store::RunRecord;
use crate::triage::status::{Assessment, Status};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;

/// Checks of findings and of the production setup; the project posture
/// rules of `scan::posture` are checks too, under their own names.
const OWN_CHECKS: [&str; 8] = [
    "no-open-critical-high",
    "no-open-secrets",
    "compose-resource-limits",
    "env-passwords-strong",
    "https-enabled",
    "rate-limiting",
    "content-trust",
    "scans-recent",
];

/// Every check a checklist item may name.
pub fn check_names() -> impl Iterator<Item = &'static str> {
    OWN_CHECKS
        .iter()
        .chain(crate::scan::posture::RULES.iter())
        .copied()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    Pass,
    Fail,
    /// Nothing to judge by (no compose file, no scans).
    Unknown,
}

impl Proposal {
    pub fn as_str(self) -> &'static str {
        match self {
            Proposal::Pass => "pass",
            Proposal::Fail => "fail",
            Proposal::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub proposal: Proposal,
    /// One line: what was found.
    pub summary: String,
    /// Where: one line per offending file, service or key.
    pub details: Vec<String>,
    /// A console query showing the offending findings.
    pub query: Option<String>,
}

impl Evidence {
    pub fn pass(summary: impl Into<String>) -> Evidence {
        Evidence::new(Proposal::Pass, summary)
    }
    pub fn fail(summary: impl Into<String>) -> Evidence {
        Evidence::new(Proposal::Fail, summary)
    }
    pub fn unknown(summary: impl Into<String>) -> Evidence {
        Evidence::new(Proposal::Unknown, summary)
    }
    fn new(proposal: Proposal, summary: impl Into<String>) -> Evidence {
        Evidence {
            proposal,
            summary: summary.into(),
            details: Vec::new(),
            query: None,
        }
    }
    fn with_details(mut self, details: Vec<String>) -> Evidence {
        self.details = details
            .iter()
            .map(|d| crate::sanitize::sanitize_line(d).into_owned())
            .collect();
        self
    }
}

/// What the checks count of the current findings: those that still need
/// work (open, overdue, regressed or snoozed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenCounts {
    /// Not secrets.
    pub critical: usize,
    pub high: usize,
    pub secrets: usize,
}

impl OpenCounts {
    pub fn of<'a>(findings: impl IntoIterator<Item = (&'a Finding, &'a Assessment)>) -> OpenCounts {
        let mut counts = OpenCounts::default();
        for (f, _) in findings.into_iter().filter(|(_, a)| unresolved(a.status)) {
            match (f.kind, f.severity) {
                (Kind::Secret, _) => counts.secrets += 1,
                (_, Severity::Critical) => counts.critical += 1,
                (_, Severity::High) => counts.high += 1,
                _ => {}
            }
        }
        counts
    }
}

/// Everything the checks look at.
pub struct Context<'a> {
    /// The project: the workspace directory.
    pub root: &'a Path,
    pub open: OpenCounts,
    pub runs: &'a [RunRecord],
    pub now: DateTime<Utc>,
    pub max_scan_age_days: i64,
    /// `DOCKER_CONTENT_TRUST` of the environment scandeck runs in.
    pub content_trust_env: Option<String>,
}

/// Runs every check.
pub fn evaluate_all(ctx: &Context) -> BTreeMap<String, Evidence> {
    let files = ProjectFiles::scan(ctx.root);
    let mut all: BTreeMap<String, Evidence> = OWN_CHECKS
        .iter()
        .map(|name| (name.to_string(), evaluate(name, ctx, &files)))
        .collect();
    for r in crate::scan::posture::check_project(&files) {
        all.insert(r.rule.to_string(), posture_evidence(&r));
    }
    all
}

fn posture_evidence(r: &crate::scan::posture::PostureResult) -> Evidence {
    if !r.applicable {
        Evidence::unknown("nothing in the project for this check")
    } else if r.problems.is_empty() {
        Evidence::pass("the project files follow it")
    } else {
        Evidence::fail(format!(
            "{} problem(s) in the project files",
            r.problems.len()
        ))
        .with_details(r.problems.clone())
    }
}

/// The checks that read only the project files, for the posture scan.
pub fn project_file_check(name: &str, files: &ProjectFiles) -> Option<Evidence> {
    Some(match name {
        "compose-resource-limits" => compose_limits(files),
        "env-passwords-strong" => env_passwords(files),
        "https-enabled" => https(files),
        "rate-limiting" => rate_limiting(files),
        _ => return None,
    })
}

fn evaluate(name: &str, ctx: &Context, files: &ProjectFiles) -> Evidence {
    match name {
        "no-open-critical-high" => open_critical_high(ctx),
        "no-open-secrets" => open_secrets(ctx),
        "compose-resource-limits" => compose_limits(files),
        "env-passwords-strong" => env_passwords(files),
        "https-enabled" => https(files),
        "rate-limiting" => rate_limiting(files),
        "content-trust" => content_trust(ctx, files),
        "scans-recent" => scans_recent(ctx),
        other => Evidence::unknown(format!("no such check {other}")),
    }
}

/// Statuses that still need work before a release.
fn unresolved(status: Status) -> bool {
    matches!(
        status,
        Status::Open | Status::Overdue | Status::Regressed | Status::Snoozed
    )
}

fn open_critical_high(ctx: &Context) -> Evidence {
    if ctx.runs.is_empty() {
        return Evidence::unknown("no scans imported yet");
    }
    let (critical, high) = (ctx.open.critical, ctx.open.high);
    let mut ev = if critical + high == 0 {
        Evidence::pass("no open critical or high findings")
    } else {
        Evidence::fail(format!(
            "{critical} critical and {high} high findings are open, overdue, regressed or snoozed"
        ))
    };
    if critical + high > 0 {
        ev.query = Some("sev:>=high status:open,overdue,regressed,snoozed !kind:secret".into());
    }
    ev
}

fn open_secrets(ctx: &Context) -> Evidence {
    let open = ctx.open.secrets;
    if open == 0 {
        Evidence::pass("no unsuppressed secrets in the current scans")
    } else {
        let mut ev = Evidence::fail(format!(
            "{open} secret(s) found and not marked false positive"
        ));
        ev.query = Some("kind:secret status:open,overdue,regressed,snoozed".into());
        ev
    }
}

fn compose_limits(files: &ProjectFiles) -> Evidence {
    if files.compose.is_empty() {
        return Evidence::unknown("no docker-compose file in the project");
    }
    let mut missing = Vec::new();
    let mut services = 0usize;
    for path in &files.compose {
        let shown = files.shown(path);
        let Some(text) = read(path) else { continue };
        let doc: serde_norway::Value = match serde_norway::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                missing.push(format!("{shown}: not valid YAML ({e})"));
                continue;
            }
        };
        let Some(map) = doc.get("services").and_then(|s| s.as_mapping()) else {
            continue;
        };
        for (name, service) in map {
            services += 1;
            let name = name.as_str().unwrap_or("?");
            let limits = service
                .get("deploy")
                .and_then(|d| d.get("resources"))
                .and_then(|r| r.get("limits"));
            let has = |limit_key: &str, flat_key: &str| {
                limits.and_then(|l| l.get(limit_key)).is_some() || service.get(flat_key).is_some()
            };
            let mut lacks = Vec::new();
            if !has("memory", "mem_limit") {
                lacks.push("memory");
            }
            if !has("cpus", "cpus") {
                lacks.push("CPU");
            }
            if !lacks.is_empty() {
                missing.push(format!(
                    "{shown}: service {name} has no {} limit",
                    lacks.join(" or ")
                ));
            }
        }
    }
    if missing.is_empty() && services > 0 {
        Evidence::pass(format!(
            "all {services} compose service(s) have memory and CPU limits"
        ))
    } else if services == 0 && missing.is_empty() {
        Evidence::unknown("the compose files define no services")
    } else {
        Evidence::fail(format!("{} problem(s) with resource limits", missing.len()))
            .with_details(missing)
    }
}

const SECRET_KEY_WORDS: [&str; 6] = ["PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "API_KEY"];
const PLACEHOLDERS: [&str; 10] = [
    "changeme",
    "change_me",
    "password",
    "secret",
    "admin",
    "example",
    "default",
    "test",
    "123456",
    "xxxxxxxx",
];
const MIN_PASSWORD: usize = 16;

/// The password of `scheme://user:password@host`, if any.
fn url_password(value: &str) -> Option<&str> {
    let rest = &value[value.find("://")? + 3..];
    let creds = &rest[..rest.find('@')?];
    let colon = creds.find(':')?;
    Some(&creds[colon + 1..])
}

fn weakness(value: &str) -> Option<&'static str> {
    let lower = value.to_ascii_lowercase();
    if value.is_empty() {
        Some("is empty")
    } else if PLACEHOLDERS.iter().any(|p| lower.contains(p)) && value.chars().count() < 24 {
        Some("looks like a placeholder")
    } else if value.chars().count() < MIN_PASSWORD {
        Some("is shorter than 16 characters")
    } else {
        None
    }
}

fn env_passwords(files: &ProjectFiles) -> Evidence {
    if files.env.is_empty() {
        return Evidence::unknown("no .env file in the project");
    }
    let mut weak = Vec::new();
    let mut checked = 0usize;
    for path in &files.env {
        let shown = files.shown(path);
        let Some(text) = read(path) else { continue };
        for line in text.lines() {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            if line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if value.starts_with("${") {
                continue;
            }
            let upper = key.to_ascii_uppercase();
            if let Some(pass) = url_password(value) {
                checked += 1;
                if let Some(why) = weakness(pass) {
                    weak.push(format!("{shown}: the password in {key} {why}"));
                }
            } else if SECRET_KEY_WORDS.iter().any(|w| upper.contains(w)) {
                checked += 1;
                if let Some(why) = weakness(value) {
                    weak.push(format!("{shown}: {key} {why}"));
                }
            }
        }
    }
    if weak.is_empty() && checked > 0 {
        Evidence::pass(format!(
            "{checked} password or secret value(s), all 16+ characters"
        ))
    } else if checked == 0 {
        Evidence::unknown("no password or secret values in the .env files")
    } else {
        Evidence::fail(format!("{} weak value(s) of {checked}", weak.len())).with_details(weak)
    }
}

/// nginx directives in a file, comments removed, whitespace collapsed.
fn directives(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .flat_map(|l| l.split(';'))
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .collect()
}

fn compose_labels(files: &ProjectFiles) -> String {
    files
        .compose
        .iter()
        .filter_map(|p| read(p))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase()
}

fn https(files: &ProjectFiles) -> Evidence {
    let mut tls = Vec::new();
    let mut hsts = Vec::new();
    for path in &files.nginx {
        let Some(text) = read(path) else { continue };
        let d = directives(&text);
        if d.iter().any(|x| {
            x.trim_start_matches(['{', ' ']).starts_with("listen")
                && (x.contains(" ssl") || x.contains(" quic"))
        }) {
            tls.push(files.shown(path));
        }
        if d.iter()
            .any(|x| x.to_ascii_lowercase().contains("strict-transport-security"))
        {
            hsts.push(files.shown(path));
        }
    }
    let labels = compose_labels(files);
    let traefik_tls = labels.contains("traefik.http.routers.") && labels.contains(".tls=true")
        || labels.contains("certresolver");
    if traefik_tls {
        return Evidence::pass("Traefik routers terminate TLS (compose labels)");
    }
    if files.nginx.is_empty() {
        return Evidence::unknown("no nginx configuration or Traefik TLS labels in the project");
    }
    match (tls.is_empty(), hsts.is_empty()) {
        (false, false) => Evidence::pass(format!("TLS listener and HSTS in {}", tls.join(", "))),
        (false, true) => Evidence::fail("a TLS listener but no Strict-Transport-Security header")
            .with_details(tls),
        _ => Evidence::fail("no nginx server listens with TLS (`listen 443 ssl`)")
            .with_details(files.nginx.iter().map(|p| files.shown(p)).collect()),
    }
}

fn rate_limiting(files: &ProjectFiles) -> Evidence {
    for path in &files.nginx {
        let Some(text) = read(path) else { continue };
        let d = directives(&text);
        let zone = d.iter().any(|x| x.contains("limit_req_zone"));
        let applied = d.iter().any(|x| {
            x.trim_start_matches(['{', ' ']).starts_with("limit_req ") || x.contains("{ limit_req ")
        });
        if zone && applied {
            return Evidence::pass(format!(
                "limit_req_zone and limit_req in {}",
                files.shown(path)
            ));
        }
    }
    let labels = compose_labels(files);
    if labels.contains(".ratelimit.") {
        return Evidence::pass("a Traefik rateLimit middleware (compose labels)");
    }
    for (file, marker) in [
        ("requirements.txt", "flask-limiter"),
        ("package.json", "express-rate-limit"),
    ] {
        for path in [files.root.join(file), files.root.join("backend").join(file)] {
            if read(&path).is_some_and(|t| t.to_ascii_lowercase().contains(marker)) {
                return Evidence::pass(format!("{marker} in {}", files.shown(&path)));
            }
        }
    }
    if files.nginx.is_empty() && files.compose.is_empty() {
        return Evidence::unknown("no proxy configuration in the project");
    }
    Evidence::fail("no rate limiting found (nginx limit_req, Traefik rateLimit, flask-limiter, express-rate-limit)")
}

/// `DOCKER_CONTENT_TRUST` set to 1 or true in `text` (env file, YAML, shell).
fn enables_content_trust(text: &str) -> bool {
    text.match_indices("DOCKER_CONTENT_TRUST")
        .any(|(at, word)| {
            let rest = &text[at + word.len()..];
            if rest.starts_with('_') {
                return false;
            }
            let rest = rest.trim_start_matches([' ', '\t']);
            let Some(rest) = rest.strip_prefix([':', '=']) else {
                return false;
            };
            let value = rest.trim_start_matches([' ', '\t', '"', '\'']);
            value.starts_with('1') || value.to_ascii_lowercase().starts_with("true")
        })
}

fn content_trust(ctx: &Context, files: &ProjectFiles) -> Evidence {
    if ctx
        .content_trust_env
        .as_deref()
        .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
    {
        return Evidence::pass("DOCKER_CONTENT_TRUST=1 in this environment");
    }
    for path in files.env.iter().chain(&files.ci) {
        let Some(text) = read(path) else { continue };
        if enables_content_trust(&text) {
            return Evidence::pass(format!(
                "DOCKER_CONTENT_TRUST enabled in {}",
                files.shown(path)
            ));
        }
        if text.contains("cosign verify") || text.contains("notation verify") {
            return Evidence::pass(format!(
                "image signatures verified in {}",
                files.shown(path)
            ));
        }
    }
    Evidence::fail(
        "DOCKER_CONTENT_TRUST is not enabled in the environment, .env or CI configuration",
    )
}

fn scans_recent(ctx: &Context) -> Evidence {
    if ctx.runs.is_empty() {
        return Evidence::unknown("no scans imported yet");
    }
    let mut newest: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for run in ctx.runs {
        let Ok(at) = DateTime::parse_from_rfc3339(&run.imported_at) else {
            continue;
        };
        let at = at.with_timezone(&Utc);
        let slot = newest.entry(run.target.as_str()).or_insert(at);
        *slot = (*slot).max(at);
    }
    let stale: Vec<String> = newest
        .iter()
        .filter(|(_, at)| (ctx.now - **at).num_days() >= ctx.max_scan_age_days)
        .map(|(target, at)| {
            format!(
                "{target}: last scan {} days ago",
                (ctx.now - *at).num_days()
            )
        })
        .collect();
    if stale.is_empty() {
        Evidence::pass(format!(
            "all {} target(s) scanned within {} days",
            newest.len(),
            ctx.max_scan_age_days
        ))
    } else {
        Evidence::fail(format!(
            "{} of {} target(s) not scanned within {} days",
            stale.len(),
            newest.len(),
            ctx.max_scan_age_days
        ))
        .with_details(stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_trust_detection() {
        assert!(enables_content_trust("DOCKER_CONTENT_TRUST=1\n"));
        assert!(enables_content_trust(
            "env:\n  DOCKER_CONTENT_TRUST: \"1\"\n"
        ));
        assert!(enables_content_trust("export DOCKER_CONTENT_TRUST = true"));
        assert!(!enables_content_trust("DOCKER_CONTENT_TRUST=0"));
        assert!(!enables_content_trust(
            "DOCKER_CONTENT_TRUST_SERVER=https://x"
        ));
    }

    #[test]
    fn password_strength_never_needs_the_value_in_the_message() {
        assert_eq!(weakness("changeme"), Some("looks like a placeholder"));
        assert_eq!(
            weakness("finance123"),
            Some("is shorter than 16 characters")
        );
        assert_eq!(weakness("short"), Some("is shorter than 16 characters"));
        assert_eq!(weakness("v3ry-l0ng-and-rand0m-Xq"), None);
        assert_eq!(url_password("postgresql://u:p4ss@db:5432/x"), Some("p4ss"));
        assert_eq!(url_password("https://example.com/a@b"), None);
    }
}
