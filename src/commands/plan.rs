//! `scandeck plan [filters] [--format table|md|json]`: the fix plan of the
//! findings the filter keeps (`crate::plan`).

use super::list::{build_filter, listing_for};
use super::{Failure, Outcome};
use crate::cli::{PlanArgs, PlanFormat};
use crate::config::Paths;
use crate::plan::Action;
use crate::sanitize::sanitize_line;
use std::path::Path;

pub fn run(paths: &Paths, workspace: &Path, args: &PlanArgs) -> Outcome {
    let filter = build_filter(&args.filters)?;
    let listing = listing_for(
        paths,
        workspace,
        &filter,
        crate::cli::SortArgs::default(),
        crate::store::AdvisoryText::Brief,
    )?;
    let rows = listing.rows();
    let actions = crate::plan::build(&rows, &crate::rules::base_images::of_workspace(workspace));
    let text = match args.format {
        PlanFormat::Table => table(&actions, args.expand),
        PlanFormat::Md => markdown(&actions, args.expand),
        PlanFormat::Json => {
            let mut doc = serde_json::to_value(&actions)
                .map_err(|e| Failure::input(format!("cannot write the plan: {e}")))?;
            crate::sanitize::sanitize_json(&mut doc);
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
    };
    say_raw!("{text}")?;
    // The process ends here: the findings and the plan go with it, instead
    // of being freed one allocation at a time (a fleet's 500k findings).
    std::mem::forget(actions);
    std::mem::forget(rows);
    std::mem::forget(listing);
    Ok(0)
}

fn table(actions: &[Action], expand: bool) -> String {
    if actions.is_empty() {
        return "nothing to fix: no open finding in this view\n".into();
    }
    let mut out = format!("{} action(s), most urgent first\n", actions.len());
    for (n, a) in actions.iter().enumerate() {
        out.push_str(&format!(
            "{:>3}. [{}] {}\n",
            n + 1,
            sanitize_line(&a.urgency()),
            sanitize_line(&a.summary)
        ));
        if let Some(h) = &a.hint {
            out.push_str(&format!("       $ {}\n", sanitize_line(h)));
        }
        if expand {
            for (place, n) in places_of(a) {
                out.push_str(&format!(
                    "       · {} — {n} finding(s)\n",
                    sanitize_line(&place)
                ));
            }
        }
    }
    out
}

/// Each place of an action (its one subject when it has one), by name.
fn places_of(a: &Action) -> Vec<(String, usize)> {
    a.per_place
        .iter()
        .map(|(p, n)| (crate::model::subject::name_of(p).to_string(), *n))
        .collect()
}

/// The plan as Markdown: the same lines the exports open with.
pub fn markdown(actions: &[Action], expand: bool) -> String {
    let mut out = String::from("# Fix plan\n\n");
    if actions.is_empty() {
        out.push_str("Nothing to fix: no open finding in this view.\n");
        return out;
    }
    for (n, a) in actions.iter().enumerate() {
        out.push_str(&format!(
            "{}. **{}** — {}\n",
            n + 1,
            crate::export::markdown::cell(&a.urgency()),
            crate::export::markdown::cell(&a.summary)
        ));
        if let Some(h) = &a.hint {
            out.push_str(&format!("   `{}`\n", sanitize_line(h).replace('`', "'")));
        }
        if expand {
            for (place, n) in places_of(a) {
                out.push_str(&format!(
                    "   - {} — {n} finding(s)\n",
                    crate::export::markdown::cell(&place)
                ));
            }
        }
    }
    out
}
