//! `scandeck init [--git]`, `scandeck merge-driver` and `scandeck triage
//! resolve`: the committed documents merge in git instead of conflicting
//! (docs/git.md).

use super::{Failure, Outcome};
use crate::checklist::progress::ChecklistFile;
use crate::cli::{InitArgs, MergeDriverArgs};
use crate::store::decisions::DecisionFile;
use crate::store::document::{self, Document};
use crate::store::merge;
use crate::store::Workspace;
use std::path::Path;
use std::process::Command;

/// The name of the merge driver in git's config and `.gitattributes`.
const DRIVER: &str = "scandeck";

/// The lines `.scandeck/.gitattributes` needs.
const ATTRIBUTES: [&str; 2] = [
    "decisions.json merge=scandeck",
    "checklist.json merge=scandeck",
];

fn store_failure(e: crate::store::StoreError) -> Failure {
    Failure::input(e.to_string())
}

/// `scandeck init [--git]`.
pub fn init(root: &Path, args: &InitArgs) -> Outcome {
    let ws = Workspace::at(root);
    ws.ensure_layout().map_err(store_failure)?;
    say!("workspace: {}", ws.dir().display())?;
    if !args.git {
        return Ok(0);
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .map_err(|e| Failure::input(format!("git: cannot run it ({e}); install git")))
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        return Err(Failure::input(format!(
            "{}: not inside a git repository: run `git init` first",
            root.display()
        )));
    }
    // The attributes beside the documents: committed, so every clone
    // knows which files the driver merges.
    let attributes = ws.dir().join(".gitattributes");
    let existing = std::fs::read_to_string(&attributes).unwrap_or_default();
    let missing: Vec<&str> = ATTRIBUTES
        .iter()
        .copied()
        .filter(|line| !existing.lines().any(|l| l.trim() == *line))
        .collect();
    if missing.is_empty() {
        say!("{}: already names the merge driver", attributes.display())?;
    } else {
        let mut text = existing.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        if existing.is_empty() {
            text.push_str("# decisions and checklist records merge with `scandeck merge-driver` (scandeck init --git)\n");
        }
        for line in &missing {
            text.push_str(line);
            text.push('\n');
        }
        crate::store::atomic::write_atomic(&attributes, text.as_bytes()).map_err(|e| {
            Failure::input(format!("{}: cannot write it: {e}", attributes.display()))
        })?;
        say!(
            "{}: added {} (commit it)",
            attributes.display(),
            missing.join(", ")
        )?;
    }
    // The driver itself lives in this clone's config: git never runs a
    // command a repository names.
    let driver = format!("{} merge-driver %O %A %B %P", own_command());
    let settings = [
        (
            format!("merge.{DRIVER}.name"),
            "scandeck: joins both sides' decisions and audit logs".to_string(),
        ),
        (format!("merge.{DRIVER}.driver"), driver),
    ];
    for (key, value) in &settings {
        let now = git(&["config", "--local", "--get", key])?;
        if now.status.success() && String::from_utf8_lossy(&now.stdout).trim_end() == value {
            say!("git config {key}: already set")?;
            continue;
        }
        let set = git(&["config", "--local", key, value])?;
        if !set.status.success() {
            return Err(Failure::input(format!(
                "git config {key}: {}",
                crate::sanitize::sanitize_line(String::from_utf8_lossy(&set.stderr).trim())
            )));
        }
        say!(
            "git config {key} = {}",
            crate::sanitize::sanitize_line(value)
        )?;
    }
    // Backups committed before `.scandeck/.gitignore` named them conflict in
    // every merge: say which to untrack (the index is the user's).
    let tracked = git(&["ls-files", "--", ".scandeck"])?;
    let stray: Vec<String> = String::from_utf8_lossy(&tracked.stdout)
        .lines()
        .filter(|p| p.ends_with(".bak") || p.contains(".corrupt-") || p.contains("/scans/"))
        .map(|p| crate::sanitize::sanitize_line(p).into_owned())
        .collect();
    if !stray.is_empty() {
        say!(
            "git tracks local files that only conflict in merges: run `git rm --cached {}` and commit",
            stray.join(" ")
        )?;
    }
    say!("git now merges decisions.json and checklist.json with scandeck; run `scandeck init --git` in every clone")?;
    Ok(0)
}

/// How git should call this scandeck: by name when the one on PATH is this
/// one, else by its full path (quoted for the shell git runs it with).
fn own_command() -> String {
    let me = std::env::current_exe().ok();
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("scandeck"))
            .find(|p| p.is_file())
    });
    let same = |a: &Path, b: &Path| {
        a.canonicalize().ok().is_some() && a.canonicalize().ok() == b.canonicalize().ok()
    };
    match (&me, &on_path) {
        (Some(me), Some(found)) if same(me, found) => "scandeck".to_string(),
        (Some(me), _) => format!("'{}'", me.display().to_string().replace('\'', "'\\''")),
        (None, _) => "scandeck".to_string(),
    }
}

fn stamp() -> String {
    crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `scandeck merge-driver BASE OURS THEIRS [PATH]`: exit 0 with the merge
/// in OURS, or 1 with git's own conflict markers in OURS and one line why.
pub fn merge_driver(args: &MergeDriverArgs) -> Outcome {
    let name = args
        .path
        .as_deref()
        .and_then(|p| Path::new(p).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = args.path.clone().unwrap_or_else(|| name.clone());
    let result = if name == ChecklistFile::FILE_NAME {
        merge_files::<ChecklistFile>(args)
    } else {
        merge_files::<DecisionFile>(args)
    };
    match result {
        Ok(summary) => {
            super::warn(&format!(
                "scandeck: {}",
                crate::sanitize::sanitize_line(&summary.describe(&shown))
            ));
            Ok(0)
        }
        Err(why) => {
            // Leave git's usual conflict for a person (and for
            // `triage resolve`), never one side silently.
            let marked = Command::new("git")
                .args(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"])
                .arg(&args.ours)
                .arg(&args.base)
                .arg(&args.theirs)
                .status();
            super::warn(&format!(
                "scandeck: {}: not merged: {}{}",
                crate::sanitize::sanitize_line(&shown),
                crate::sanitize::sanitize_line(&why),
                if marked.is_ok() {
                    "; left with conflict markers"
                } else {
                    ""
                }
            ));
            Ok(1)
        }
    }
}

fn merge_files<D: Document>(args: &MergeDriverArgs) -> Result<merge::Summary, String> {
    let read = |p: &Path| {
        crate::store::safe::read(p, crate::store::safe::DOCUMENT_CAP)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let ours_bytes = read(&args.ours)?;
    let theirs_bytes = read(&args.theirs)?;
    let ours = side::<D>(&ours_bytes, "our")?;
    let theirs = side::<D>(&theirs_bytes, "their")?;
    let root = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let who = crate::triage::actor::current(&root);
    let (merged, summary) = merge::merge(ours, &theirs, &stamp(), &who);
    std::fs::write(&args.ours, merged.render())
        .map_err(|e| format!("{}: cannot write the merge: {e}", args.ours.display()))?;
    Ok(summary)
}

/// One side; an empty side (the file added on one branch only) is empty.
fn side<D: Document>(bytes: &[u8], which: &str) -> Result<D, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(D::default());
    }
    merge::read_side::<D>(bytes, which)
}

/// `scandeck triage resolve`.
pub fn resolve(ws: &Workspace) -> Outcome {
    let lock = ws.lock().map_err(store_failure)?;
    let mut resolved = 0;
    let decisions = resolve_one::<DecisionFile>(ws, &lock)?;
    let checklist = resolve_one::<ChecklistFile>(ws, &lock)?;
    drop(lock);
    for line in decisions.iter().chain(checklist.iter()) {
        say!("{}", crate::sanitize::sanitize_line(line))?;
        resolved += 1;
    }
    if resolved == 0 {
        say!("nothing to resolve: neither decisions.json nor checklist.json has conflict markers")?;
    } else {
        say!("`git add .scandeck` and commit to finish the merge")?;
    }
    Ok(0)
}

fn resolve_one<D: Document>(
    ws: &Workspace,
    lock: &crate::store::lock::WorkspaceLock,
) -> Result<Option<String>, Failure> {
    let path = document::path_of::<D>(ws);
    let bytes = match crate::store::safe::read(&path, crate::store::safe::DOCUMENT_CAP) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::input(format!("{}: {e}", path.display()))),
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some((ours, theirs)) = merge::sides_of_conflict(&text) else {
        return Ok(None);
    };
    let unreadable = |why: String| {
        Failure::input(format!(
            "{}: {why}; nothing was changed: take one side with `git checkout --ours` or `--theirs` and decide again",
            path.display()
        ))
    };
    let ours = side::<D>(ours.as_bytes(), "our").map_err(unreadable)?;
    let theirs = side::<D>(theirs.as_bytes(), "their").map_err(unreadable)?;
    let who = crate::triage::actor::current(&ws.root);
    let (merged, summary) = merge::merge(ours, &theirs, &stamp(), &who);
    document::write_locked(ws, lock, &merged).map_err(store_failure)?;
    Ok(Some(summary.describe(&path.display().to_string())))
}
