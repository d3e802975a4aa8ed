//! Checklists as data: the bundled production deployment checklist and
//! best practices (`assets/checklists/`), plus the user's own files in the
//! config directory. Walking state lives in `.scandeck/checklist.json`
//! (`checklist::records`); automatic checks only propose (`evidence`).

pub mod coverage;
pub mod evidence;
pub mod progress;
pub mod records;
pub mod walk;

use serde::Deserialize;
use std::path::Path;

const BUNDLED: [(&str, &str); 2] = [
    (
        "production.toml",
        include_str!("../../assets/checklists/production.toml"),
    ),
    (
        "best-practices.toml",
        include_str!("../../assets/checklists/best-practices.toml"),
    ),
];

/// The checklist the release gate requires.
pub const PRODUCTION: &str = "production";

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub name: String,
    pub title: String,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub why: String,
    pub verify: String,
    /// An automatic check from `evidence::check_names`.
    #[serde(default)]
    pub check: Option<String>,
}

impl Checklist {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

fn parse(origin: &str, text: &str) -> Result<Checklist, String> {
    let list: Checklist = toml::from_str(text)
        .map_err(|e| format!("{origin}: {}; fix the checklist file", e.message().trim()))?;
    if list.items.is_empty() {
        return Err(format!("{origin}: the checklist has no [[item]]"));
    }
    let mut seen = std::collections::HashSet::new();
    for item in &list.items {
        if !seen.insert(item.id.as_str()) {
            return Err(format!("{origin}: item id {:?} appears twice", item.id));
        }
        if let Some(check) = &item.check {
            if !evidence::check_names().any(|c| c == check) {
                return Err(format!(
                    "{origin}: item {:?} names an unknown check {check:?} (known: {})",
                    item.id,
                    evidence::check_names().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    Ok(list)
}

/// The bundled checklists, then the user's (`*.toml` in `dir`, sorted by
/// file name; a user file with a bundled name replaces the bundled one).
/// A broken user file is reported and skipped.
pub fn load_all(dir: &Path) -> (Vec<Checklist>, Vec<String>) {
    let mut lists: Vec<Checklist> = BUNDLED
        .iter()
        .filter_map(|(name, text)| parse(name, text).ok())
        .collect();
    let mut problems = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for path in files {
        let origin = path.display().to_string();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| format!("{origin}: cannot read: {e}"))
            .and_then(|text| parse(&origin, &text));
        match parsed {
            Ok(list) => {
                lists.retain(|l| l.name != list.name);
                lists.push(list);
            }
            Err(e) => problems.push(crate::sanitize::sanitize_line(&e).into_owned()),
        }
    }
    (lists, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_checklists_parse_and_production_has_the_seeds_twelve_items() {
        for (name, text) in BUNDLED {
            parse(name, text).unwrap();
        }
        let (lists, problems) = load_all(Path::new("/nonexistent"));
        assert!(problems.is_empty());
        let production = lists.iter().find(|l| l.name == PRODUCTION).unwrap();
        assert_eq!(production.items.len(), 12);
        let practices = lists.iter().find(|l| l.name == "best-practices").unwrap();
        assert!(practices.items.len() >= 16);
    }

    #[test]
    fn user_checklists_are_added_and_broken_ones_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("team.toml"),
            "name = \"team\"\ntitle = \"Team\"\n[[item]]\nid = \"a\"\ntitle = \"A\"\nwhy = \"w\"\nverify = \"v\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "name = \"bad\"\n[[item]]\nid = 1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("unknown-check.toml"),
            "name = \"u\"\ntitle = \"U\"\n[[item]]\nid = \"a\"\ntitle = \"A\"\nwhy = \"w\"\nverify = \"v\"\ncheck = \"nope\"\n",
        )
        .unwrap();
        let (lists, problems) = load_all(dir.path());
        assert!(lists.iter().any(|l| l.name == "team"));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("bad.toml")));
        assert!(problems
            .iter()
            .any(|p| p.contains("unknown check \"nope\"")));
    }
}
