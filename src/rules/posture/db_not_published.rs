//! Posture rule `db-not-published` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

pub const ID: &str = "db-not-published";

pub fn check(compose: &[(String, String, serde_norway::Value)]) -> Vec<String> {
    compose
        .iter()
        .filter(|(_, _, s)| {
            let image = s.get("image").and_then(|i| i.as_str()).unwrap_or_default();
            crate::rules::names::database_image(image)
                && s.get("ports")
                    .and_then(|p| p.as_sequence())
                    .is_some_and(|p| !p.is_empty())
        })
        .map(|(file, name, _)| {
            format!("{file}: database service {name} publishes ports on the host")
        })
        .collect()
}
