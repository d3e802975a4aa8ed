//! Posture rule `multi-stage` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::Instruction;

pub const ID: &str = "multi-stage";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    dockerfiles
        .iter()
        .filter(|(_, ins)| {
            let builds_front_end = ins.iter().any(|i| {
                i.keyword == "RUN"
                    && [
                        "npm run build",
                        "yarn build",
                        "pnpm build",
                        "npm ci && npm run build",
                    ]
                    .iter()
                    .any(|b| i.args.contains(b))
            });
            builds_front_end && ins.iter().filter(|i| i.keyword == "FROM").count() < 2
        })
        .map(|(name, _)| format!("{name}: builds a front end in a single stage"))
        .collect()
}
