//! Posture rule `compose-inline-secrets` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::literal;
use super::unquoted;

pub const ID: &str = "compose-inline-secrets";

pub fn check(compose: &[(String, String, serde_norway::Value)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, name, service) in compose {
        let Some(env) = service.get("environment") else {
            continue;
        };
        let pairs: Vec<(String, String)> = if let Some(map) = env.as_mapping() {
            map.iter()
                .map(|(k, v)| {
                    let value = match v {
                        serde_norway::Value::String(s) => s.clone(),
                        serde_norway::Value::Number(n) => n.to_string(),
                        serde_norway::Value::Bool(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (k.as_str().unwrap_or_default().to_string(), value)
                })
                .collect()
        } else {
            env.as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .filter_map(|s| s.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        for (key, value) in pairs {
            if literal(&value)
                && crate::rules::secret_patterns::env_secret(&key, unquoted(&value)).is_some()
            {
                problems.push(format!(
                    "{file}: service {name} sets {key} inline; the value is committed with the file"
                ));
            }
        }
    }
    problems
}
