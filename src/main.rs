//! The `scandeck` binary: parse the command line, dispatch, exit.
#![forbid(unsafe_code)]

use clap::Parser;
use scandeck::cli::{Cli, Command};
use scandeck::commands::{self, Failure};
use scandeck::config::Paths;

fn main() {
    let cli = Cli::parse();
    if let Err(why) = scandeck::ingest::checked_max_report_bytes() {
        commands::warn(&format!("scandeck: {why}"));
        std::process::exit(2);
    }
    let paths = Paths::resolve();
    // A broken config.toml is reported by the commands that read it.
    if let Some(cap) = scandeck::config::Config::load(&paths)
        .ok()
        .and_then(|c| c.project.walk_max_files)
    {
        scandeck::rules::project_files::set_walk_cap(cap);
    }
    let workspace = commands::workspace_root(cli.workspace.as_deref());
    let result = match &cli.command {
        Some(Command::Import(args)) => commands::import::run(&paths, &workspace, args),
        Some(Command::List(args)) => commands::list::run(&paths, &workspace, args),
        Some(Command::Demo(args)) => commands::demo::run(&paths, args, cli.theme.as_deref()),
        Some(Command::Export(args)) => commands::export::run(&paths, &workspace, args),
        Some(Command::Triage(args)) => commands::triage::run(&paths, &workspace, &args.action),
        Some(Command::Checklist(args)) => commands::checklist::run(&paths, &workspace, args),
        Some(Command::Gate(args)) => commands::gate::run(&paths, &workspace, args),
        Some(Command::Scan(args)) => commands::scan::run(&paths, &workspace, args),
        Some(Command::Plan(args)) => commands::plan::run(&paths, &workspace, args),
        Some(Command::Rebuild) => commands::rebuild::run(&paths, &workspace),
        Some(Command::Paths) => commands::paths::run(&paths, &workspace),
        Some(Command::Push(args)) => commands::dojo::push(&paths, &workspace, args),
        Some(Command::Pull(args)) => commands::dojo::pull(&paths, &workspace, args),
        Some(Command::Sync(args)) => commands::dojo::sync(&paths, &workspace, args),
        Some(Command::Init(args)) => commands::git::init(&workspace, args),
        Some(Command::MergeDriver(args)) => commands::git::merge_driver(args),
        None => commands::demo::console(&paths, &workspace, cli.theme.as_deref()),
    };
    let code = match result {
        Ok(code) => code,
        Err(Failure { message, code }) => {
            commands::warn(&format!("scandeck: {message}"));
            code
        }
    };
    report_peak_memory();
    std::process::exit(code);
}

/// `SCANDECK_REPORT_RSS=1` prints peak resident memory to stderr, for the benchmarks.
fn report_peak_memory() {
    if std::env::var_os("SCANDECK_REPORT_RSS").is_none() {
        return;
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!("peak-rss {}", line.trim_start_matches("VmHWM:").trim());
        }
    }
}
