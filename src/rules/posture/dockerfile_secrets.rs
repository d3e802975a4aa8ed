//! Posture rule `dockerfile-secrets` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::literal;
use super::unquoted;
use super::Instruction;

pub const ID: &str = "dockerfile-secrets";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        for i in ins
            .iter()
            .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
        {
            let pairs: Vec<(String, String)> = if i.args.contains('=') {
                i.args
                    .split_whitespace()
                    .filter_map(|w| w.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            } else {
                // `ENV KEY value` (legacy form); `ARG KEY` has no value.
                let mut parts = i.args.splitn(2, char::is_whitespace);
                let key = parts.next().unwrap_or_default().to_string();
                let value = parts.next().unwrap_or_default().to_string();
                vec![(key, value)]
            };
            for (key, value) in pairs {
                if literal(&value)
                    && crate::rules::secret_patterns::env_secret(&key, unquoted(&value)).is_some()
                {
                    problems.push(format!(
                        "{name}: {} {key} sets a secret in the image",
                        i.keyword
                    ));
                }
            }
        }
    }
    problems
}
