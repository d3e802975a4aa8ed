//! Posture rule `wsgi-server` (its severity, rationale and remediation:
//! `assets/rules/posture.toml`).

use super::final_stage;
use super::Instruction;

pub const ID: &str = "wsgi-server";

pub fn check(dockerfiles: &[(String, Vec<Instruction>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ins) in dockerfiles {
        let command: String = final_stage(ins)
            .iter()
            .filter(|i| i.keyword == "CMD" || i.keyword == "ENTRYPOINT")
            .map(|i| i.args.replace(['[', ']', '"', ','], " "))
            .collect::<Vec<_>>()
            .join(" ");
        let words: Vec<&str> = command.split_whitespace().collect();
        let dev_server = words.windows(2).any(|w| w == ["flask", "run"])
            || (words.iter().any(|w| w.starts_with("python"))
                && words.iter().any(|w| w.ends_with("app.py")));
        if dev_server && !words.iter().any(|w| *w == "gunicorn" || *w == "uwsgi") {
            problems.push(format!(
                "{name}: runs Flask's development server instead of a WSGI server"
            ));
        }
    }
    problems
}
