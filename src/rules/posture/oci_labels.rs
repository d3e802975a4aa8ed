//! Posture rule `oci-labels` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::final_stage;
use super::Instruction;

pub const ID: &str = "oci-labels";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let text: String = final_stage(ins)
            .iter()
            .filter(|i| i.keyword == "LABEL")
            .map(|i| i.args.clone())
            .collect::<Vec<_>>()
            .join(" ");
        for label in [
            "org.opencontainers.image.version",
            "org.opencontainers.image.source",
        ] {
            if !text.contains(label) {
                problems.push(format!("{name}: no {label} label"));
            }
        }
    }
    problems
}
