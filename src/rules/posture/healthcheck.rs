//! Posture rule `healthcheck` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::final_stage;
use super::Instruction;
use std::path::Path;

pub const ID: &str = "healthcheck";

pub fn check(
    dockerfiles: &[(String, Vec<Instruction>)],
    compose: &[(String, String, serde_norway::Value)],
) -> Vec<String> {
    let has_healthcheck =
        |ins: &[Instruction]| final_stage(ins).iter().any(|i| i.keyword == "HEALTHCHECK");
    if compose.is_empty() {
        return dockerfiles
            .iter()
            .filter(|(_, ins)| !has_healthcheck(ins))
            .map(|(name, _)| format!("{name}: no HEALTHCHECK"))
            .collect();
    }
    let mut problems = Vec::new();
    for (file, name, service) in compose {
        if service.get("healthcheck").is_some() {
            continue;
        }
        // A service built here may carry the HEALTHCHECK in its Dockerfile.
        let context = match service.get("build") {
            Some(b) if b.is_string() => b.as_str().map(str::to_string),
            Some(b) => b
                .get("context")
                .and_then(|c| c.as_str())
                .map(str::to_string),
            None => None,
        };
        let built_with_check = context.is_some_and(|ctx| {
            let ctx = ctx
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            dockerfiles.iter().any(|(df, ins)| {
                Path::new(df).parent().is_some_and(|p| p == Path::new(&ctx)) && has_healthcheck(ins)
            })
        });
        if !built_with_check {
            problems.push(format!("{file}: service {name} has no healthcheck"));
        }
    }
    problems
}
