//! Posture rule `base-image` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::Instruction;

pub const ID: &str = "base-image";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let stages: Vec<String> = ins
            .iter()
            .filter(|i| i.keyword == "FROM")
            .filter_map(|i| {
                i.args
                    .split_whitespace()
                    .find(|w| !w.starts_with("--"))
                    .map(str::to_string)
            })
            .collect();
        let aliases: Vec<String> = ins
            .iter()
            .filter(|i| i.keyword == "FROM")
            .filter_map(|i| {
                let words: Vec<&str> = i.args.split_whitespace().collect();
                words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|p| words.get(p + 1))
                    .map(|a| a.to_ascii_lowercase())
            })
            .collect();
        for image in &stages {
            if aliases.contains(&image.to_ascii_lowercase()) || image == "scratch" {
                continue;
            }
            let tag = image
                .rsplit_once(':')
                .map(|(_, t)| t)
                .filter(|t| !t.contains('/'));
            if image.contains("@sha256:") {
                continue;
            }
            match tag {
                None => problems.push(format!("{name}: {image} has no tag")),
                Some("latest") => problems.push(format!("{name}: {image} is not pinned")),
                Some(_) => {}
            }
        }
        if let Some(last) = stages.last() {
            let minimal = [
                "slim",
                "alpine",
                "distroless",
                "scratch",
                "chainguard",
                "minimal",
            ]
            .iter()
            .any(|m| last.contains(m));
            if !minimal {
                problems.push(format!(
                    "{name}: final base {last} is not a slim, alpine or distroless image"
                ));
            }
        }
    }
    problems
}
