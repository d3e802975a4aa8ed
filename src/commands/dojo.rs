//! `scandeck push|pull|sync defectdojo`: the view's findings and decisions
//! to DefectDojo and back (docs/defectdojo.md). The work is
//! `dojo::session`'s, shared with the console; this prints it.

use super::list::build_filter;
use super::{Failure, Outcome};
use crate::cli::DojoArgs;
use crate::config::{Config, Paths};
use crate::dojo::client::DojoError;
use crate::dojo::session::{self, Connection, ViewOf};
use crate::dojo::PushReport;
use crate::store::Workspace;
use std::path::Path;

fn failure(e: DojoError) -> Failure {
    Failure {
        message: e.message().to_string(),
        code: e.exit_code(),
    }
}

fn connect(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Result<Connection, Failure> {
    let config = Config::load(paths).map_err(Failure::input)?;
    session::connect(&config.defectdojo, args.url.as_deref(), workspace).map_err(failure)
}

/// A progress line on standard error, rewritten in place on a terminal.
fn progress() -> impl FnMut(&str, usize, usize) {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last = 0;
    move |what, done, total| {
        if done == total || done >= last + crate::dojo::BATCH || done < last {
            last = done;
            if tty {
                eprint!("\r{what}: {done}/{total}");
                if done == total {
                    eprintln!();
                }
            } else {
                eprintln!("{what}: {done}/{total}");
            }
        }
    }
}

/// Runs `work` over the view the filters select.
fn with_view<T>(
    paths: &Paths,
    workspace: &Path,
    args: &DojoArgs,
    work: impl FnOnce(&ViewOf) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let filter = build_filter(&args.filters)?;
    let readiness =
        super::readiness::gather(paths, workspace, None, crate::store::AdvisoryText::Whole)?;
    let positions = readiness
        .view
        .select(&filter.query, crate::query::SortKey::default(), false);
    let view = ViewOf {
        pairs: readiness.view.rows(&positions),
        triage: &readiness.view.triage,
        now: readiness.now,
        name: session::folder_name(workspace),
        filter: filter.describe(),
    };
    work(&view)
}

fn say_push(report: &PushReport, requests: u64) -> Result<(), Failure> {
    for line in session::push_lines(report) {
        if line.starts_with("warning: ") {
            super::warn(&line);
        } else {
            say!("{line}")?;
        }
    }
    say!("{}", session::push_summary(report, requests))?;
    Ok(())
}

pub fn push(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Outcome {
    let conn = connect(paths, workspace, args)?;
    push_and_say(paths, workspace, args, &conn)?;
    Ok(0)
}

fn push_and_say(
    paths: &Paths,
    workspace: &Path,
    args: &DojoArgs,
    conn: &Connection,
) -> Result<(), Failure> {
    let ws = Workspace::at(workspace);
    let report = with_view(paths, workspace, args, |view| {
        session::push(conn, &ws, view, &mut progress()).map_err(failure)
    })?;
    say_push(&report, conn.client.requests())
}

/// Pulls; returns how many decisions were written.
fn pull_and_say(
    paths: &Paths,
    workspace: &Path,
    args: &DojoArgs,
    conn: &Connection,
    apply: bool,
) -> Result<usize, Failure> {
    let ws = Workspace::at(workspace);
    let report = with_view(paths, workspace, args, |view| {
        session::pull(conn, &ws, view, apply).map_err(failure)
    })?;
    if report.no_engagement {
        say!(
            "nothing to pull: DefectDojo has no engagement {:?} in product {:?} yet (push first)",
            conn.place.engagement,
            conn.place.product
        )?;
        return Ok(0);
    }
    for p in &report.pulled {
        say!("{}", session::pulled_line(p))?;
    }
    let requests = conn.client.requests();
    if apply {
        say!(
            "took {} decision(s) from DefectDojo; {requests} request(s)",
            report.applied
        )?;
    } else {
        let taken = report.pulled.iter().filter(|p| !p.kept_ours).count();
        say!("{taken} decision(s) to take from DefectDojo (run with --apply to write them); {requests} request(s)")?;
    }
    Ok(report.applied)
}

pub fn pull(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Outcome {
    let conn = connect(paths, workspace, args)?;
    pull_and_say(paths, workspace, args, &conn, args.apply)?;
    Ok(0)
}

/// Pull (written), then push what scandeck holds (the view read again, so
/// that what was pulled is part of it).
pub fn sync(paths: &Paths, workspace: &Path, args: &DojoArgs) -> Outcome {
    let conn = connect(paths, workspace, args)?;
    pull_and_say(paths, workspace, args, &conn, true)?;
    push_and_say(paths, workspace, args, &conn)?;
    Ok(0)
}
