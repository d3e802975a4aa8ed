//! Checks of the project's own files that both the posture scan (as
//! findings) and the release checklist (as evidence) run: compose resource
//! limits, `.env` password strength, HTTPS and rate limiting. They live
//! below both, so that the checklist reads the scan's rules and the scan
//! never reads the checklist.

use super::project_files::{read, ProjectFiles};

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
    pub fn with_details(mut self, details: Vec<String>) -> Evidence {
        self.details = details
            .iter()
            .map(|d| crate::sanitize::sanitize_line(d).into_owned())
            .collect();
        self
    }
}

/// The evidence of one project-file check, by its checklist name; `None`
/// for a name that is no project-file check.
pub fn project_file_check(name: &str, files: &ProjectFiles) -> Option<Evidence> {
    Some(match name {
        "compose-resource-limits" => compose_limits(files),
        "env-passwords-strong" => env_passwords(files),
        "https-enabled" => https(files),
        "rate-limiting" => rate_limiting(files),
        _ => return None,
    })
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
        let doc: serde_norway::Value = match super::project_files::compose_document(&text) {
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

/// Why a password value is weak, if it is (empty, a placeholder, short).
pub fn weakness(value: &str) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
