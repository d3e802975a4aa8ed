//! Posture rule `dockerfile-user` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::final_stage;
use super::Instruction;

pub const ID: &str = "dockerfile-user";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let last_user = final_stage(ins)
            .iter()
            .rev()
            .find(|i| i.keyword == "USER")
            .map(|i| {
                i.args
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            });
        match last_user.as_deref() {
            None => problems.push(format!("{name}: no USER; the container runs as root")),
            Some("root") | Some("0") => problems.push(format!("{name}: USER is root")),
            Some(_) => {}
        }
    }
    problems
}
