//! `scandeck checklist [show|check|uncheck|na|note|reset] [--list NAME] [--format F]`.

use super::readiness::{gather, Readiness};
use super::{Failure, Outcome};
use crate::checklist::progress::{self, Change, ItemView, Stamp};
use crate::checklist::Checklist;
use crate::cli::{ChecklistAction, ChecklistArgs, ChecklistFormat};
use crate::config::Paths;
use crate::sanitize::sanitize_line;
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path, args: &ChecklistArgs) -> Outcome {
    if let Some(ChecklistAction::Verify) = &args.action {
        let ws = crate::store::Workspace::at(workspace);
        return super::verify_document::<progress::ChecklistFile>(&ws);
    }
    let readiness = gather(
        paths,
        workspace,
        crate::gate::Policy::default().selection(),
        crate::store::AdvisoryText::Whole,
    )?;
    let list = readiness.checklist(&args.list)?.clone();
    let (id, change) = match &args.action {
        None | Some(ChecklistAction::Show) => {
            say_raw!("{}", render(&readiness, &list, args.format))?;
            return Ok(0);
        }
        Some(ChecklistAction::Check { id, reason }) => {
            let evidence = list
                .item(id)
                .and_then(|i| i.check.as_ref())
                .and_then(|c| readiness.walk.evidence.get(c));
            let change = crate::checklist::progress::check_change(evidence, reason.as_deref())
                .map_err(|e| Failure::input(format!("{}/{id}: {e} (--reason)", list.name)))?;
            (Some(id.as_str()), change)
        }
        Some(ChecklistAction::Uncheck { id }) => (Some(id.as_str()), Change::Uncheck),
        Some(ChecklistAction::Na { id, reason }) => (
            Some(id.as_str()),
            Change::NotApplicable {
                reason: reason.clone(),
            },
        ),
        Some(ChecklistAction::Note { id, text }) => {
            (Some(id.as_str()), Change::Note { text: text.clone() })
        }
        Some(ChecklistAction::Reset) => (None, Change::Reset),
        Some(ChecklistAction::Verify) => return Ok(0),
    };
    let who = crate::triage::actor::current(workspace);
    let at = readiness
        .now
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let stamp = Stamp { who: &who, at: &at };
    let lines = crate::checklist::records::update(&readiness.workspace, |file| {
        file.apply(&list, id, &change, stamp)
    })
    .map_err(|e| Failure::input(format!("{e}; nothing was recorded")))?
    .map_err(|e| Failure::input(e.to_string()))?;
    for line in lines {
        say!("{}", sanitize_line(&line))?;
    }
    Ok(0)
}

pub fn render(readiness: &Readiness, list: &Checklist, format: ChecklistFormat) -> String {
    let views = readiness.walk.views(list);
    match format {
        ChecklistFormat::Text => text(list, &views),
        ChecklistFormat::Md => markdown(list, &views),
        ChecklistFormat::Json => json(list, &views),
    }
}

fn recorded(v: &ItemView) -> String {
    v.record
        .map(|r| {
            let state = if r.overridden {
                "done (override)"
            } else {
                r.state.as_str()
            };
            let mut s = format!("{state} by {} at {}", r.by, r.at);
            if let Some(reason) = &r.reason {
                s.push_str(&format!(" — {reason}"));
            }
            s
        })
        .unwrap_or_default()
}

fn text(list: &Checklist, views: &[ItemView]) -> String {
    let (done, total) = progress::progress(views);
    let mut out = format!("{} — {done}/{total} complete\n", list.title);
    for v in views {
        out.push_str(&format!(
            "{:4} {:20} {}\n",
            v.shown.mark(),
            v.item.id,
            v.item.title
        ));
        if let Some(ev) = v.evidence {
            out.push_str(&format!(
                "       check {}: {}\n",
                ev.proposal.as_str(),
                ev.summary
            ));
            for d in &ev.details {
                out.push_str(&format!("         {d}\n"));
            }
        }
        if v.record.is_some() {
            out.push_str(&format!("       {}\n", recorded(v)));
        }
        if let Some(note) = v.record.and_then(|r| r.note.as_ref()) {
            out.push_str(&format!("       note: {note}\n"));
        }
    }
    out.lines()
        .map(|l| sanitize_line(l).into_owned() + "\n")
        .collect()
}

fn md_cell(text: &str) -> String {
    crate::export::markdown::cell(text)
}

fn markdown(list: &Checklist, views: &[ItemView]) -> String {
    let (done, total) = progress::progress(views);
    let mut out = format!(
        "## {}\n\n{done} of {total} items complete.\n\n| | Item | Evidence | Recorded | Note |\n|---|---|---|---|---|\n",
        md_cell(&list.title)
    );
    for v in views {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            md_cell(v.shown.label()),
            md_cell(&v.item.title),
            md_cell(
                &v.evidence
                    .map(|e| format!("{}: {}", e.proposal.as_str(), e.summary))
                    .unwrap_or_default()
            ),
            md_cell(&recorded(v)),
            md_cell(v.record.and_then(|r| r.note.as_deref()).unwrap_or_default()),
        ));
    }
    out
}

fn json(list: &Checklist, views: &[ItemView]) -> String {
    let (done, total) = progress::progress(views);
    let items: Vec<serde_json::Value> = views
        .iter()
        .map(|v| {
            serde_json::json!({
                "id": v.item.id,
                "title": v.item.title,
                "state": v.shown.label(),
                "complete": v.shown.complete(),
                "recorded": v.record,
                "evidence": v.evidence.map(|e| serde_json::json!({
                    "check": v.item.check,
                    "proposal": e.proposal.as_str(),
                    "summary": e.summary,
                    "details": e.details,
                    "query": e.query,
                })),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "checklist": list.name,
        "title": list.title,
        "complete": done,
        "total": total,
        "items": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
