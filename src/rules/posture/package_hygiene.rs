//! Posture rule `package-hygiene` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::Instruction;

pub const ID: &str = "package-hygiene";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        for run in ins.iter().filter(|i| i.keyword == "RUN") {
            let a = &run.args;
            // Worded as hadolint's DL3015, DL3009 and DL3042 are mapped to
            // them (`ingest::hadolint::SAME_AS_POSTURE`): one finding each.
            let [recommends, lists, cache] =
                crate::ingest::hadolint::SAME_AS_POSTURE.map(|(_, _, problem)| problem);
            if a.contains("apt-get install") && !a.contains("--no-install-recommends") {
                problems.push(format!("{name}: {recommends}"));
            }
            if a.contains("apt-get install") && !a.contains("rm -rf /var/lib/apt/lists") {
                problems.push(format!("{name}: {lists}"));
            }
            if (a.contains("pip install") || a.contains("pip3 install"))
                && !a.contains("--no-cache-dir")
            {
                problems.push(format!("{name}: {cache}"));
            }
        }
    }
    problems
}
