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
    /// Export the current filter: md, html, csv, json, sarif, openvex (decisions), trivyignore (snoozes, acceptances).
    Export(ExportArgs),
    /// Decide about findings: fixed, snooze, accept, false-positive, not-affected, reopen, note; verify the audit log.
    Triage(TriageArgs),
    /// Walk a checklist: show, check, uncheck, na, note, reset (default: the production checklist).
    Checklist(ChecklistArgs),
    /// Release gate: print every reason the release is blocked; exit 1 when blocked, 0 when ready.
    Gate(GateArgs),
    /// Run scans now: native image, container, posture and secrets checks plus every installed scanner; results are imported.
    Scan(ScanArgs),
    /// The fix plan: open findings grouped by the action that clears them, most urgent first.
    Plan(PlanArgs),
    /// Rebuild the findings store from the stored raw reports.
    Rebuild,
    /// Print every path scandeck uses.
    Paths,
    /// Create the workspace (`.scandeck/`); with --git, also set up this git
    /// repository to merge decisions.json and checklist.json (docs/git.md).
    Init(InitArgs),
    /// Send the view's findings and decisions to DefectDojo (reimport per
    /// subject, decisions as DefectDojo states).
    Push(DojoArgs),
    /// Take decisions made in DefectDojo (a dry run unless --apply).
    Pull(DojoArgs),
    /// Pull, then push.
    Sync(DojoArgs),
    /// git's merge driver for decisions.json and checklist.json (set up by
    /// `scandeck init --git`): merges THEIRS into OURS, joining both audit logs.
    MergeDriver(MergeDriverArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SyncTarget {
    Defectdojo,
}

#[derive(Debug, Args)]
pub struct DojoArgs {
    /// Where: `defectdojo`.
    #[arg(value_enum)]
    pub target: SyncTarget,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// DefectDojo's URL (default: [defectdojo] url of config.toml).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Write what `pull` (or `sync`) found (without it, pull shows the difference only).
    #[arg(long)]
    pub apply: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Write `.scandeck/.gitattributes` and this clone's git config so that
    /// `git merge` joins both branches' decisions; idempotent.
    #[arg(long)]
    pub git: bool,
}

#[derive(Debug, Args)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (git's %O).
    pub base: PathBuf,
    /// Our version (git's %A); the merge is written here.
    pub ours: PathBuf,
    /// Their version (git's %B).
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P).
    pub path: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// An image to scan (repeat for more).
    #[arg(long = "image", value_name = "REF")]
    pub images: Vec<String>,
    /// Every image on the Docker engine, and the running containers.
    #[arg(long)]
    pub all_images: bool,
    /// The running containers (privileged, host network, limits, published ports).
    #[arg(long)]
    pub containers: bool,
    /// The workspace's project files: posture, secrets and project scanners
    /// (the default when no image is named).
    #[arg(long)]
    pub project: bool,
    /// Only these tools: `native` or image-checks, containers, posture, secrets,
    /// trivy, grype, docker-scout, snyk, pip-audit, npm-audit, gitleaks, hadolint, dockle.
    #[arg(long, value_name = "LIST")]
    pub tools: Option<String>,
    /// Exit 1 when an open finding of this severity or worse was found.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Longest one scanner may run: `90s`, `15m`, `1h`.
    #[arg(long, value_name = "DURATION", default_value = "15m")]
    pub timeout: String,
    /// Scans run at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub jobs: usize,
    /// Most bytes one scanner may print to standard output before it is stopped.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_output: usize,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    #[command(subcommand)]
    pub action: Option<ChecklistAction>,
    /// Checklist name: `production`, `best-practices`, or one of yours.
    #[arg(long, global = true, value_name = "NAME", default_value = "production")]
    pub list: String,
    #[arg(long, global = true, value_enum, default_value_t = ChecklistFormat::Text)]
    pub format: ChecklistFormat,
}

#[derive(Debug, Subcommand)]
pub enum ChecklistAction {
    /// Items with their state, evidence and who recorded them.
    Show,
    /// Record an item as done.
    Check {
        id: String,
        /// Why it is done although its automatic check fails (an override;
        /// required then, shown as `done (override)` everywhere).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Record an item as to do again.
    Uncheck { id: String },
    /// Record an item as not applicable, with a reason.
    Na {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Attach a note to an item (evidence, ticket, date of a rehearsal).
    Note { id: String, text: String },
    /// Forget every record of the checklist (kept in the audit log).
    Reset,
    /// Check the audit log: its chain, its head, every record against the
    /// entry that made it, and this machine's witness of earlier writes.
    Verify,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ChecklistFormat {
    Text,
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// Policy file (TOML); without it, the seed's policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
    /// `unassessed`: block only on findings nobody has decided about (the
    /// severity, secret and fix rules are off; decision and checklist rules stay).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<GateFailOn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GateFailOn {
    Unassessed,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: crate::export::ExportFormat,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub order: SortArgs,
    /// Write to FILE instead of standard output (`-` is standard output; a
    /// device or pipe is written through, never replaced).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE when it exists.
    #[arg(long)]
    pub force: bool,
    /// With `--format trivyignore` or `grype-ignore`: one file per image (or
    /// project) beside FILE, named after it, as neither scanner can scope an
    /// ignore file to one image.
    #[arg(long)]
    pub per_image: bool,
}

#[derive(Debug, Args)]
pub struct TriageArgs {
    #[command(subcommand)]
    pub action: TriageAction,
}

#[derive(Debug, Subcommand)]
pub enum TriageAction {
    /// Claim findings fixed; the next scan that no longer reports them verifies it.
    Fixed(DecideArgs),
    /// Snooze until a date or duration (--until) or until a fix is available (--until-fix).
    Snooze(DecideArgs),
    /// Accept the risk (--reason; --approver and --until required for critical and high).
    Accept(DecideArgs),
    /// The scanner is wrong: the finding does not apply.
    FalsePositive(DecideArgs),
    /// Present but not exploitable (--justification, an OpenVEX justification).
    NotAffected(DecideArgs),
    /// Remove the decision that applies; the findings are open again.
    Reopen(DecideArgs),
    /// Add a note (--text) to the findings' history.
    Note(DecideArgs),
    /// Check the audit log: its chain, its head, every decision against the
    /// entry that made it, and this machine's witness of earlier writes.
    Verify,
    /// Merge both sides of decisions.json and checklist.json left with git
    /// conflict markers (a merge without `scandeck init --git`), as the
    /// merge driver would have.
    Resolve,
    /// Decisions that no longer do what they meant: matching nothing,
    /// expired, waiting for a fix that exists, accepting a risk that grew,
    /// accepted without approver; ignore/VEX files suppressing what no
    /// decision covers. Exit 1 when any.
    Audit(AuditArgs),
}

#[derive(Debug, Args, Default)]
pub struct AuditArgs {
    /// Print the items as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Default)]
pub struct DecideArgs {
    /// Findings by fingerprint (from `list --format json`), repeatable.
    #[arg(long = "fingerprint", value_name = "FP")]
    pub fingerprints: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Only findings with this id or alias (CVE, GHSA, check id...).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Only findings in this package (name, any version).
    #[arg(long, value_name = "NAME")]
    pub package: Option<String>,
    /// Make one rule from --id/--package/--image that also covers future findings.
    #[arg(long)]
    pub rule: bool,
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// End of a snooze or acceptance: a date (2026-12-31), an RFC 3339 time, or a duration (7d, 2w, 12h).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Snooze until a fix is available.
    #[arg(long)]
    pub until_fix: bool,
    #[arg(long, value_name = "NAME")]
    pub approver: Option<String>,
    /// OpenVEX justification for not-affected.
    #[arg(long, value_name = "JUSTIFICATION")]
    pub justification: Option<String>,
    /// The note's text.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Show what would be touched; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Report files to import.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Image the reports are about, for formats that do not record it (Docker Scout SARIF).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// What the reports are about (a project name), instead of what the report names or the project folder it sits in.
    #[arg(long, value_name = "NAME")]
    pub subject: Option<String>,
    /// Let the report replace the subject's previous run of the same scanner even when it shares no finding with it.
    #[arg(long)]
    pub replace: bool,
    /// The scanner or format (`gitleaks`, `trivy-json`...), instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,
    /// Largest report accepted, in bytes (default 4 GiB, or SCANDECK_MAX_REPORT_BYTES).
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

/// The order of a listing or an export: the console's sort keys.
#[derive(Debug, Args, Default, Clone, Copy)]
pub struct SortArgs {
    /// Order by `severity` (the default), `id`, `package`, `target`, `age`
    /// (oldest first) or `due` (SLA due, soonest first), as the console's `s`.
    #[arg(long, value_name = "KEY", value_parser = parse_sort_key, default_value = "severity")]
    pub sort: crate::query::SortKey,
    /// The order reversed, as the console's `S`.
    #[arg(long)]
    pub reverse: bool,
}

fn parse_sort_key(text: &str) -> Result<crate::query::SortKey, String> {
    crate::query::SortKey::parse_user(text).ok_or_else(|| {
        format!("unknown sort key {text:?}: use severity, id, package, target, age or due")
    })
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
    /// Only what changed since the previous scan of each target (new, gone, regressed).
    #[arg(long)]
    pub since_previous: bool,
    #[command(flatten)]
    pub order: SortArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Under each action, every image (or project) it applies to, with its
    /// count of findings (the table and Markdown; JSON always lists them).
    #[arg(long)]
    pub expand: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Table,
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the demo findings instead of opening the console.
    #[arg(long)]
    pub list: bool,
    /// Start the demo workspace over (it is otherwise kept between runs,
    /// with what was triaged in it).
    #[arg(long)]
    pub fresh: bool,
}
