//! Command-line definitions (clap) for every subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "scandeck",
    version,
    about = "Terminal triage console for container-security findings"
)]
pub struct Cli {
    /// Workspace directory (default: the current directory).
    #[arg(long, short = 'w', global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// Console theme: default, high-contrast, colorblind, mono (NO_COLOR selects mono).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import scanner reports (format detected by content).
    Import(ImportArgs),
    /// List the current findings.
    List(ListArgs),
    /// Open the console on a fresh copy of the bundled demo workspace.
    Demo(DemoArgs),
    /// Print every path scandeck uses.
    Paths,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Report files to import.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Image the reports are about, for formats that do not record it (Docker Scout SARIF).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// Largest report accepted, in bytes (default 1 GiB, or SCANDECK_MAX_REPORT_BYTES).
    #[arg(long, value_name = "BYTES")]
    pub max_report_size: Option<u64>,
}

#[derive(Debug, Args, Default, Clone)]
pub struct FilterArgs {
    /// Severities: `critical,high` or `>=high`.
    #[arg(long, value_name = "LIST")]
    pub severity: Option<String>,
    /// Statuses: `open,overdue,suppressed,...`.
    #[arg(long, value_name = "LIST")]
    pub status: Option<String>,
    /// Image (or target) name contains NAME.
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// Scanner name contains SCANNER (`trivy`, `grype`, `docker-scout`...).
    #[arg(long, value_name = "SCANNER")]
    pub source: Option<String>,
    /// Kinds: `vulnerability,misconfiguration,secret,image-config,posture,license`.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Words that must all occur in id, aliases, package, version or title.
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the demo findings instead of opening the console.
    #[arg(long)]
    pub list: bool,
}
