//! The console's query line: structured terms plus free text.
//!
//! `sev:>=high image:backend pkg:openssl kind:secret src:trivy fix:yes layer:base status:open`
//! — a leading `!` negates any term or word. Remaining words are matched
//! fuzzily over id, aliases, package, version and title; words that look like
//! ids or versions (digits with `-` or `.`) match as substrings.

use crate::model::{Kind, Severity};
use crate::triage::Status;

#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// Severity compared with a level: `sev:high`, `sev:>=high`, `sev:<medium`.
    Severity(Comparison, Severity),
    /// Any of these severities: `sev:critical,high`.
    SeverityIn(Vec<Severity>),
    /// The image (its repository, without tag or digest) is this one: the
    /// whole repository or its last path segments (`image:backend` is
    /// `finance-tracker/backend`, never `backend-worker` or a file in a
    /// `backend/` folder). Lower case; findings not in an image never match.
    Image(String),
    /// The scanned target's name contains the text (lower case).
    Target(String),
    /// Package name contains the text (lower case).
    Package(String),
    /// Any of these kinds: `kind:secret`, `kind:vuln,secret`.
    Kind(Vec<Kind>),
    /// Scanner name contains the text (lower case).
    Source(String),
    /// A fix is known (`fix:yes`) or not (`fix:no`).
    Fix(bool),
    /// The image's history says the package came with the base image
    /// (`layer:base`) or with the image's own layers (`layer:own`); findings
    /// whose layer is not known match neither (docs/plan.md).
    FromBase(bool),
    /// Any of these statuses (`status:open,snoozed`).
    Status(Vec<Status>),
    /// Changed since the previous scan of its target.
    Change(ChangeFilter),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeFilter {
    Any,
    New,
    Gone,
    Regressed,
}

/// What happened to a finding in the latest scan of its target, as a small code.
pub mod change_code {
    pub const NONE: u8 = 0;
    pub const NEW_IMAGE_CHANGED: u8 = 1;
    pub const NEW_REPORTED: u8 = 2;
    pub const GONE: u8 = 3;
    pub const REGRESSED: u8 = 4;

    pub fn label(code: u8) -> Option<&'static str> {
        match code {
            NEW_IMAGE_CHANGED => Some("new (image changed)"),
            NEW_REPORTED => Some("new (newly reported)"),
            GONE => Some("gone"),
            REGRESSED => Some("regressed"),
            _ => None,
        }
    }
}

impl ChangeFilter {
    pub fn holds(self, code: u8) -> bool {
        use change_code::*;
        match self {
            ChangeFilter::Any => code != NONE,
            ChangeFilter::New => code == NEW_IMAGE_CHANGED || code == NEW_REPORTED,
            ChangeFilter::Gone => code == GONE,
            ChangeFilter::Regressed => code == REGRESSED,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

impl Comparison {
    pub fn holds(self, value: Severity, level: Severity) -> bool {
        match self {
            Comparison::Eq => value == level,
            Comparison::Ge => value >= level,
            Comparison::Gt => value > level,
            Comparison::Le => value <= level,
            Comparison::Lt => value < level,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub term: Term,
    pub negated: bool,
}

/// One free-text word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub negated: bool,
    /// Id- or version-like: matched as a substring, not fuzzily.
    pub substring: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub conditions: Vec<Condition>,
    pub words: Vec<Word>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("{0}: unknown severity (critical, high, medium, low, info, unknown)")]
    Severity(String),
    #[error("{0}: unknown kind (vulnerability, misconfiguration, secret, image-config, posture, license)")]
    Kind(String),
    #[error("{0}: unknown status (open, overdue, snoozed, accepted, suppressed, fix-pending, fixed, regressed, dormant)")]
    Status(String),
    #[error("{0}: fix takes yes or no")]
    Fix(String),
    #[error("{0}: layer takes base or own")]
    Layer(String),
    #[error("{0}: unknown change (any, new, gone, regressed)")]
    Change(String),
    #[error("{0}: empty value")]
    Empty(String),
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.words.is_empty()
    }
}

/// True for words such as `CVE-2024-1`, `1.2.3`, `3.0.11-1~deb12u2`.
pub fn is_id_like(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && word.chars().any(|c| c == '-' || c == '.')
}

pub fn parse(input: &str) -> Result<Query, QueryError> {
    let mut query = Query::default();
    for raw in input.split_whitespace() {
        let (negated, token) = match raw.strip_prefix('!') {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, raw),
        };
        let structured = token
            .split_once(':')
            .and_then(|(key, value)| term(key, value, token).transpose());
        match structured {
            Some(term) => query.conditions.push(Condition {
                term: term?,
                negated,
            }),
            None => query.words.push(Word {
                text: token.to_string(),
                negated,
                substring: is_id_like(token),
            }),
        }
    }
    Ok(query)
}

/// Whether image repository `repo` (lower case, empty when the finding is
/// not in an image) is the one `wanted` names: all of it, or its last path
/// segments.
pub fn image_matches(repo: &str, wanted: &str) -> bool {
    !repo.is_empty()
        && !wanted.is_empty()
        && (repo == wanted
            || repo
                .strip_suffix(wanted)
                .is_some_and(|head| head.ends_with('/')))
}

/// `Ok(None)` when the key is not a known one (the token is then free text).
fn term(key: &str, value: &str, token: &str) -> Result<Option<Term>, QueryError> {
    let key = key.to_ascii_lowercase();
    let known = [
        "change", "changed", "sev", "severity", "image", "img", "target", "pkg", "package", "kind",
        "src", "source", "fix", "status", "layer",
    ];
    if !known.contains(&key.as_str()) {
        return Ok(None);
    }
    if value.is_empty() {
        return Err(QueryError::Empty(token.to_string()));
    }
    let lower = value.to_lowercase();
    let term = match key.as_str() {
        "sev" | "severity" => {
            let (cmp, level) = [
                (">=", Comparison::Ge),
                ("<=", Comparison::Le),
                (">", Comparison::Gt),
                ("<", Comparison::Lt),
                ("=", Comparison::Eq),
            ]
            .iter()
            .find_map(|(p, c)| value.strip_prefix(p).map(|rest| (*c, rest)))
            .unwrap_or((Comparison::Eq, value));
            if cmp == Comparison::Eq && level.contains(',') {
                let levels = level
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        Severity::parse_user(l)
                            .ok_or_else(|| QueryError::Severity(token.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Term::SeverityIn(levels)
            } else {
                let level = Severity::parse_user(level)
                    .ok_or_else(|| QueryError::Severity(token.to_string()))?;
                Term::Severity(cmp, level)
            }
        }
        "image" | "img" => Term::Image(crate::model::image::image_repository(&lower)),
        "target" => Term::Target(lower),
        "pkg" | "package" => Term::Package(lower),
        "kind" => Term::Kind(
            value
                .split(',')
                .filter(|part| !part.is_empty())
                .map(|part| {
                    Kind::parse_user(part).ok_or_else(|| QueryError::Kind(token.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        "src" | "source" => Term::Source(lower),
        "fix" => match lower.as_str() {
            "yes" | "y" | "true" | "available" => Term::Fix(true),
            "no" | "n" | "false" | "none" => Term::Fix(false),
            _ => return Err(QueryError::Fix(token.to_string())),
        },
        "layer" => match lower.as_str() {
            "base" => Term::FromBase(true),
            "own" | "app" => Term::FromBase(false),
            _ => return Err(QueryError::Layer(token.to_string())),
        },
        "change" | "changed" => Term::Change(match lower.as_str() {
            "any" | "yes" | "all" => ChangeFilter::Any,
            "new" => ChangeFilter::New,
            "gone" | "fixed" => ChangeFilter::Gone,
            "regressed" | "back" => ChangeFilter::Regressed,
            _ => return Err(QueryError::Change(token.to_string())),
        }),
        _ => Term::Status(
            value
                .split(',')
                .filter(|part| !part.is_empty())
                .map(|part| {
                    Status::parse_user(part).ok_or_else(|| QueryError::Status(token.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(Some(term))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_takes_base_or_own() {
        let q = parse("layer:base !layer:own").unwrap();
        assert_eq!(q.conditions[0].term, Term::FromBase(true));
        assert_eq!(q.conditions[1].term, Term::FromBase(false));
        assert!(q.conditions[1].negated);
        assert_eq!(
            parse("layer:top"),
            Err(QueryError::Layer("layer:top".into()))
        );
    }

    #[test]
    fn parses_terms_negation_and_words() {
        let q = parse("sev:>=high !image:frontend pkg:OpenSSL kind:secret src:trivy fix:no status:open ssl CVE-2024-1 !busybox").unwrap();
        assert_eq!(q.conditions.len(), 7);
        assert_eq!(
            q.conditions[0].term,
            Term::Severity(Comparison::Ge, Severity::High)
        );
        assert!(q.conditions[1].negated);
        assert_eq!(q.conditions[2].term, Term::Package("openssl".into()));
        assert_eq!(q.conditions[5].term, Term::Fix(false));
        assert_eq!(
            q.words,
            vec![
                Word {
                    text: "ssl".into(),
                    negated: false,
                    substring: false
                },
                Word {
                    text: "CVE-2024-1".into(),
                    negated: false,
                    substring: true
                },
                Word {
                    text: "busybox".into(),
                    negated: true,
                    substring: false
                },
            ]
        );
    }

    #[test]
    fn lists_and_image_repositories() {
        let q = parse("sev:critical,high kind:vuln,secret image:Backend:1.4 target:api").unwrap();
        assert_eq!(
            q.conditions[0].term,
            Term::SeverityIn(vec![Severity::Critical, Severity::High])
        );
        assert_eq!(
            q.conditions[1].term,
            Term::Kind(vec![Kind::Vulnerability, Kind::Secret])
        );
        assert_eq!(q.conditions[2].term, Term::Image("backend".into()));
        assert_eq!(q.conditions[3].term, Term::Target("api".into()));
        assert!(image_matches("finance-tracker/backend", "backend"));
        assert!(image_matches(
            "finance-tracker/backend",
            "finance-tracker/backend"
        ));
        assert!(image_matches("ghcr.io/acme/backend", "acme/backend"));
        assert!(!image_matches("finance-tracker/backend-worker", "backend"));
        assert!(!image_matches("finance-tracker/mybackend", "backend"));
        assert!(!image_matches("", "backend"), "not an image");
    }

    #[test]
    fn bad_values_are_errors_and_unknown_keys_are_text() {
        assert_eq!(
            parse("sev:urgent"),
            Err(QueryError::Severity("sev:urgent".into()))
        );
        assert!(parse("fix:maybe").is_err());
        let q = parse("http://x").unwrap();
        assert_eq!(q.words.len(), 1);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn id_like_words() {
        assert!(is_id_like("CVE-2024-1") && is_id_like("1.2.3") && is_id_like("3.0.11-1~deb12u2"));
        assert!(!is_id_like("openssl") && !is_id_like("log4j") && !is_id_like("x-y"));
    }
}
