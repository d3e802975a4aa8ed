//! Which base image each of the project's images is built on: a compose
//! service with both `image:` and `build:` names the image and the
//! Dockerfile; the Dockerfile's last stage says `FROM` what (following
//! `FROM earlier-stage` back to a real image). The fix plan names it when
//! findings come from the base image's layers.

use super::posture::{compose_services, instructions, Instruction};
use super::project_files::{read_within, ProjectFiles};
use crate::plan::{BaseImage, BaseImages};
use std::path::Path;

/// The base image of every image the project's compose files build, by subject.
pub fn base_images(files: &ProjectFiles) -> BaseImages {
    let mut found = BaseImages::new();
    for (compose_file, service, yaml) in compose_services(files) {
        let Some(image) = yaml.get("image").and_then(|v| v.as_str()) else {
            continue;
        };
        if yaml.get("build").is_none() {
            let repository = crate::model::image::image_repository(image);
            if !repository.is_empty() {
                found.insert_pulled(
                    crate::model::subject::image(&repository),
                    crate::sanitize::sanitize_line(image).into_owned(),
                );
            }
            continue;
        }
        let (context, dockerfile) = match yaml.get("build") {
            Some(b) if b.is_string() => (b.as_str().unwrap_or("."), "Dockerfile"),
            Some(b) => (
                b.get("context").and_then(|c| c.as_str()).unwrap_or("."),
                b.get("dockerfile")
                    .and_then(|d| d.as_str())
                    .unwrap_or("Dockerfile"),
            ),
            None => continue,
        };
        // Remote build contexts (git URLs) are not files here.
        if context.contains("://") || context.starts_with("git@") {
            continue;
        }
        let compose_dir = Path::new(&compose_file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let relative = compose_dir.join(context).join(dockerfile);
        let Some(ins) =
            read_within(&files.root, &files.root.join(&relative)).map(|text| instructions(&text))
        else {
            continue;
        };
        let Some(from) = final_base(&ins) else {
            continue;
        };
        let context_dir = compose_dir.join(context);
        let repository = crate::model::image::image_repository(image);
        if repository.is_empty() {
            continue;
        }
        found.insert(
            crate::model::subject::image(&repository),
            BaseImage {
                from: crate::sanitize::sanitize_line(&from).into_owned(),
                dockerfile: crate::sanitize::sanitize_line(&tidy(&relative)).into_owned(),
                compose: crate::sanitize::sanitize_line(&compose_file).into_owned(),
                service: crate::sanitize::sanitize_line(&service).into_owned(),
                manifests: manifest_installs(&ins, &context_dir),
                os_install: os_install(&ins),
            },
        );
    }
    found
}

/// The base images of the project at `root`.
pub fn of_workspace(root: &Path) -> BaseImages {
    base_images(&ProjectFiles::scan(root))
}

/// `a/./b/Dockerfile` → `a/b/Dockerfile`, for messages.
fn tidy(path: &Path) -> String {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The manifests the final stage installs language packages from, as
/// (purl type, path relative to the project): `pip install -r FILE`, and
/// `npm ci`/`npm install` after copying `package.json`.
fn manifest_installs(ins: &[Instruction], context: &Path) -> Vec<(String, String)> {
    let stage = super::dockerfile::final_stage(ins);
    let mut out = Vec::new();
    let copied_package_json = stage
        .iter()
        .any(|i| matches!(i.keyword.as_str(), "COPY" | "ADD") && i.args.contains("package"));
    for i in stage.iter().filter(|i| i.keyword == "RUN") {
        let words: Vec<&str> = i.args.split_whitespace().collect();
        for (k, w) in words.iter().enumerate() {
            let pip = (*w == "install") && k > 0 && words[k - 1].starts_with("pip");
            if pip {
                let mut rest = words[k + 1..].iter();
                while let Some(arg) = rest.next() {
                    let file = match *arg {
                        "-r" | "--requirement" => rest.next().copied(),
                        a => a
                            .strip_prefix("--requirement=")
                            .or_else(|| a.strip_prefix("-r"))
                            .filter(|f| !f.is_empty()),
                    };
                    if let Some(file) = file {
                        // Relative to WORKDIR, which COPY put under the context's
                        // name; the file is found by its name in the context.
                        let name = Path::new(file)
                            .file_name()
                            .map(Path::new)
                            .unwrap_or(Path::new(file));
                        out.push(("pypi".to_string(), tidy(&context.join(name))));
                    }
                    if matches!(*arg, "&&" | ";" | "||") {
                        break;
                    }
                }
            }
            let npm = *w == "npm" && matches!(words.get(k + 1), Some(&("ci" | "install" | "i")));
            if npm && copied_package_json {
                out.push(("npm".to_string(), tidy(&context.join("package.json"))));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The final stage's first instruction that installs OS packages.
fn os_install(ins: &[Instruction]) -> Option<(usize, String)> {
    super::dockerfile::final_stage(ins)
        .iter()
        .filter(|i| i.keyword == "RUN")
        .find(|i| {
            [
                "apt-get install",
                "apt install",
                "apk add",
                "dnf install",
                "yum install",
                "microdnf install",
            ]
            .iter()
            .any(|cmd| i.args.contains(cmd))
        })
        .map(|i| {
            let text: String = format!("RUN {}", i.args.lines().next().unwrap_or_default());
            let cut: String = text.chars().take(60).collect();
            (
                i.line,
                if cut.len() < text.len() {
                    format!("{cut}…")
                } else {
                    cut
                },
            )
        })
}

/// The image the last stage starts from, following stage names back;
/// `None` for `scratch` or a Dockerfile without `FROM`.
fn final_base(instructions: &[Instruction]) -> Option<String> {
    // `ARG` before the first `FROM` may name the base (`FROM ${BASE}`): its
    // default is what a build without `--build-arg` uses.
    let mut args: Vec<(String, String)> = instructions
        .iter()
        .take_while(|i| i.keyword != "FROM")
        .filter(|i| i.keyword == "ARG")
        .filter_map(|i| {
            let (name, value) = i.args.trim().split_once('=')?;
            Some((
                name.trim().to_string(),
                value
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string(),
            ))
        })
        .collect();
    // The longest names first: `$VERSION_MAJOR` is not `$VERSION` + `_MAJOR`.
    args.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let expand = |image: &str| -> String {
        let mut out = image.to_string();
        for (name, value) in &args {
            for form in [format!("${{{name}}}"), format!("${name}")] {
                out = out.replace(&form, value);
            }
        }
        out
    };
    // (image, stage name) of every FROM, in order.
    let stages: Vec<(String, Option<String>)> = instructions
        .iter()
        .filter(|i| i.keyword == "FROM")
        .filter_map(|i| {
            let mut words = i.args.split_whitespace().filter(|w| !w.starts_with("--"));
            let image = expand(words.next()?);
            let name = match (words.next(), words.next()) {
                (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            Some((image, name))
        })
        .collect();
    let mut at = stages.len().checked_sub(1)?;
    // Each step goes to an earlier stage, so this ends.
    loop {
        let image = &stages[at].0;
        let earlier = stages[..at]
            .iter()
            .rposition(|(_, name)| name.as_deref() == Some(image.to_ascii_lowercase().as_str()));
        match earlier {
            Some(stage) => at = stage,
            None if image.eq_ignore_ascii_case("scratch") => return None,
            None => return Some(image.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_of(dockerfile: &str) -> Option<String> {
        final_base(&instructions(dockerfile))
    }

    #[test]
    fn the_last_stage_names_the_base_following_stage_names_back() {
        assert_eq!(
            base_of("FROM python:3.11-slim\nRUN pip install x\n").as_deref(),
            Some("python:3.11-slim")
        );
        assert_eq!(
            base_of("FROM node:20 AS build\nRUN npm ci\nFROM --platform=$BUILDPLATFORM nginx:1.25-alpine\nCOPY --from=build /app /usr/share/nginx/html\n").as_deref(),
            Some("nginx:1.25-alpine")
        );
        assert_eq!(
            base_of("FROM debian:12 AS base\nRUN apt-get update\nFROM base AS app\nCOPY . /\n")
                .as_deref(),
            Some("debian:12")
        );
        assert_eq!(base_of("FROM golang:1.22 AS b\nFROM scratch\n"), None);
        assert_eq!(
            base_of("ARG BASE=python:3.12-slim\nARG TAG\nFROM ${BASE} AS app\nRUN pip install x\n")
                .as_deref(),
            Some("python:3.12-slim")
        );
        assert_eq!(
            base_of("ARG VERSION=\"1.25\"\nFROM nginx:$VERSION-alpine\n").as_deref(),
            Some("nginx:1.25-alpine")
        );
        assert_eq!(base_of("# nothing\n"), None);
    }

    #[test]
    fn the_demo_projects_images_are_built_on_what_their_dockerfiles_say() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = crate::demo::write_project(dir.path(), true).expect("demo project");
        let bases = base_images(&ProjectFiles::scan(&root));
        let backend = bases
            .get("image:finance-tracker/backend")
            .expect("the backend's base");
        assert_eq!(backend.from, "python:3.11-slim");
        assert_eq!(backend.dockerfile, "backend/Dockerfile");
        assert_eq!(
            (backend.compose.as_str(), backend.service.as_str()),
            ("docker-compose.yml", "backend")
        );
        assert_eq!(
            bases
                .get("image:finance-tracker/frontend")
                .map(|b| b.from.as_str()),
            Some("nginx:latest"),
            "the last stage, not the build stage"
        );
        assert!(
            !bases.contains_key("image:postgres"),
            "a service without build: is not built here"
        );
    }
}
