//! scandeck: a terminal triage console for container-security findings.
#![forbid(unsafe_code)]

pub mod checklist;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod dojo;
pub mod export;
pub mod fasthash;
pub mod gate;
pub mod ingest;
pub mod intern;
pub mod logging;
pub mod model;
pub mod plan;
pub mod query;
pub mod rules;
pub mod sanitize;
pub mod sarif;
pub mod scan;
pub mod store;
pub mod triage;
pub mod tui;
pub mod view;

/// The crate's top-level rooms import one way: no room reaches itself
/// through `crate::` paths outside tests (docs/architecture.md). Read from
/// the source, so a new circle fails here.
#[cfg(test)]
mod rooms_import_one_way {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    fn sources(path: &Path, out: &mut Vec<std::path::PathBuf>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                sources(&entry.unwrap().path(), out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_path_buf());
        }
    }

    #[test]
    fn no_room_reaches_itself() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut rooms: BTreeMap<String, Vec<std::path::PathBuf>> = BTreeMap::new();
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if name == "lib" || name == "main" {
                continue;
            }
            let mut files = Vec::new();
            sources(&path, &mut files);
            rooms.insert(name, files);
        }
        let mut imports: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (room, files) in &rooms {
            let uses = imports.entry(room).or_default();
            for file in files {
                let text = std::fs::read_to_string(file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for (at, _) in code.match_indices("crate::") {
                    let name: String = code[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if let Some((other, _)) = rooms.get_key_value(&name) {
                        if other != room {
                            uses.insert(other);
                        }
                    }
                }
            }
        }
        for start in imports.keys() {
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut todo: Vec<&str> = imports[start].iter().copied().collect();
            while let Some(room) = todo.pop() {
                if seen.insert(room) {
                    todo.extend(imports.get(room).into_iter().flatten().copied());
                }
            }
            assert!(
                !seen.contains(start),
                "{start} reaches itself through {:?}",
                seen.iter()
                    .filter(|r| imports.get(**r).is_some_and(|i| i.contains(start)))
                    .collect::<Vec<_>>()
            );
        }
    }

    /// Inside the console, modules import downwards only:
    /// `runtime → update → panes → {state, widgets, msg}`
    /// (docs/architecture.md). A module may use those of lower layers.
    #[test]
    fn the_console_imports_downwards() {
        const LAYERS: [&[&str]; 10] = [
            &["action", "data", "layout", "line_edit", "theme", "terminal"],
            &["keymap", "widgets"],
            &["tasks"],
            &["state"],
            &["msg"],
            &["rows"],
            &["panes"],
            &["update", "ui"],
            &["view_memory", "worker"],
            &["runtime"],
        ];
        let layer = |name: &str| LAYERS.iter().position(|l| l.contains(&name));
        let tui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
        let mut wrong = Vec::new();
        for entry in std::fs::read_dir(&tui).unwrap() {
            let path = entry.unwrap().path();
            let module = path.file_stem().unwrap().to_string_lossy().to_string();
            if module == "mod" {
                continue;
            }
            let at = layer(&module).unwrap_or_else(|| panic!("tui::{module} has no layer here"));
            let mut files = Vec::new();
            sources(&path, &mut files);
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                // `super::` is the console itself from its own files (and a
                // folder's `mod.rs`), and the folder from the files inside one.
                let nested = file.parent() != Some(tui.as_path()) && !file.ends_with("mod.rs");
                let prefixes: &[&str] = if nested {
                    &["crate::tui::", "super::super::"]
                } else {
                    &["crate::tui::", "super::"]
                };
                for prefix in prefixes {
                    for (i, _) in code.match_indices(prefix) {
                        if prefix == &"super::" && code[..i].ends_with("super::") {
                            continue;
                        }
                        let name: String = code[i + prefix.len()..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if let Some(used) = layer(&name) {
                            if name != module && used >= at {
                                wrong.push(format!("{module} uses {name}"));
                            }
                        }
                    }
                }
            }
        }
        wrong.sort();
        wrong.dedup();
        assert!(wrong.is_empty(), "upward or sideways imports: {wrong:?}");
    }
}
