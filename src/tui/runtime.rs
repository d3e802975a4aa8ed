//! The console's event loop: terminal events, background messages, signals
//! and a render deadline arrive in one `select!`; `update` decides, the
//! effects are carried out here, and the screen is redrawn only when
//! something changed (at most once per frame interval).

use super::keymap::KeyMap;
use super::msg::{Effect, ExportRefusal, Msg, RescanScope};
use super::state::AppState;
use super::terminal::{self, Guard, Term};
use super::theme::Theme;
use super::update::update;
use super::worker::{spawn_loader, Matcher};
use crate::model::Redactor;
use crate::scan::runner::{Runner, RunnerConfig};
use crate::store::decisions;
use crate::store::Workspace;
use crate::triage::engine::Stamp;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use std::io;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(8);

pub struct Options {
    pub workspace: Workspace,
    /// How the workspace is named in the header.
    pub label: String,
    pub theme: Theme,
    pub keymap: KeyMap,
    pub redactor: Redactor,
    pub mouse: bool,
    pub policy: crate::triage::SlaPolicy,
    /// Where checklists come from and how their checks judge.
    pub walk: crate::checklist::walk::WalkSetup,
    /// Hidden switch for the end-to-end tests: F12 panics with hostile text.
    pub debug_panic: bool,
    pub log_file: String,
    /// Where this workspace's last query and sort are kept (`view_memory`).
    pub view_file: Option<std::path::PathBuf>,
    /// Where `D` pushes and pulls (`[defectdojo]` of config.toml).
    pub dojo: crate::config::DefectDojoConfig,
}

/// Runs the console until the user quits; returns the exit code.
pub fn run(options: Options) -> Result<i32, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the console runtime: {e}"))?;
    terminal::install_panic_hook(options.log_file.clone());
    let result = runtime.block_on(event_loop(options));
    terminal::restore();
    match result {
        // Reading or drawing failed because the terminal is gone: a hangup.
        Err(e) if terminal::hung_up() => {
            crate::logging::log(&format!("the terminal went away ({e}); the console ends"));
            Ok(129)
        }
        other => other.map_err(|e| format!("terminal error: {e}")),
    }
}

/// Runs `$VISUAL` (else `$EDITOR`, else `vi`) on `file` at `line`, waiting
/// for it; the editor may carry arguments (`code -w`).
fn run_editor(file: &std::path::Path, line: Option<u32>) -> Result<(), String> {
    let editor = editor_of(std::env::var("VISUAL").ok(), std::env::var("EDITOR").ok());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let mut cmd = std::process::Command::new(program);
    cmd.args(words);
    if let Some(line) = line.filter(|l| *l > 0) {
        cmd.arg(format!("+{line}"));
    }
    cmd.arg(file);
    match cmd.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{program} ended with {status}")),
        Err(e) => Err(format!("cannot run {program} ($VISUAL/$EDITOR): {e}")),
    }
}

/// The file a finding names, for the editor: a regular file that, links
/// resolved, lies inside the workspace — a committed `linkdir -> /etc` never
/// opens `/etc/passwd`.
fn editable(root: &std::path::Path, relative: &str) -> Result<std::path::PathBuf, String> {
    let shown = crate::sanitize::sanitize_line(relative).into_owned();
    let not_here = || format!("{shown} is not a file in the workspace");
    let root = std::fs::canonicalize(root).map_err(|_| not_here())?;
    let real = std::fs::canonicalize(root.join(relative)).map_err(|_| not_here())?;
    if !real.starts_with(&root) {
        return Err(format!(
            "{shown} leads outside the workspace (through a link); not opened"
        ));
    }
    if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
        return Err(not_here());
    }
    Ok(real)
}

/// The editor `$VISUAL`, else `$EDITOR`, names; a variable set but empty
/// (`VISUAL=`) is as good as unset.
fn editor_of(visual: Option<String>, editor: Option<String>) -> String {
    let set = |v: Option<String>| v.filter(|e| !e.trim().is_empty());
    set(visual)
        .or_else(|| set(editor))
        .unwrap_or_else(|| "vi".to_string())
}

/// Opens `url` with the desktop's opener; where none can run, says the
/// address so that it can be copied.
fn open_url(url: &str) -> String {
    let shown = crate::sanitize::sanitize_line(url).into_owned();
    for opener in ["xdg-open", "open"] {
        let spawned = std::process::Command::new(opener)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut child) = spawned {
            // Reaped in the background: the opener may outlive the call.
            std::thread::spawn(move || child.wait());
            return format!("opened {shown}");
        }
    }
    format!("no browser opener here (xdg-open); the advisory: {shown}")
}

/// Writes an export atomically; never into `.scandeck/`, whose files it could replace.
fn write_export(
    target: &std::path::Path,
    scandeck_dir: &std::path::Path,
    bytes: Option<Result<Vec<u8>, String>>,
    rows: usize,
    replace: bool,
) -> Result<String, ExportRefusal> {
    let other = ExportRefusal::Other;
    let parent = target
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .ok_or_else(|| {
            let shown = crate::sanitize::sanitize_line(&target.display().to_string()).into_owned();
            other(format!("{shown}: the folder does not exist"))
        })?;
    // The full name, as the user will look for it.
    let full = parent.join(target.file_name().unwrap_or_default());
    let shown = crate::sanitize::sanitize_line(&full.display().to_string()).into_owned();
    crate::export::destination::outside_own_folder(&full, scandeck_dir).map_err(other)?;
    // The console never replaces a file silently: it asks first.
    if !replace && std::fs::symlink_metadata(&full).is_ok() {
        return Err(ExportRefusal::Exists(shown));
    }
    let bytes = bytes
        .ok_or_else(|| other("nothing loaded yet".to_string()))?
        .map_err(other)?;
    use crate::export::destination::{self, Existing, Written};
    let existing = if replace {
        Existing::Replace
    } else {
        Existing::Keep
    };
    let written = destination::write(&full, &bytes, existing).map_err(|e| {
        crate::logging::log(&format!("export not written: {e}"));
        other(e)
    })?;
    let verb = if written == Written::Through {
        "wrote"
    } else {
        "exported"
    };
    Ok(format!("{verb} {rows} findings to {shown}"))
}

/// Writes one checklist change; the file as now on disk and a summary, or why not.
fn save_checklist(
    ws: &Workspace,
    edit: &super::panes::checklist::ChecklistEdit,
    who: &str,
    at: &str,
) -> Result<(crate::checklist::progress::ChecklistFile, String), String> {
    let stamp = crate::checklist::progress::Stamp { who, at };
    let result = crate::checklist::records::update(ws, |file| {
        file.apply(&edit.list, Some(&edit.item), &edit.change, stamp)
            .map(|lines| (file.clone(), lines.join("; ")))
    });
    match result {
        Ok(Ok(saved)) => Ok(saved),
        Ok(Err(refused)) => Err(format!("NOT SAVED: {refused}")),
        Err(e) => {
            crate::logging::log(&format!("checklist record not saved: {e}"));
            Err(format!("NOT SAVED: {e}"))
        }
    }
}

/// Plans the scans of a rescan and queues them; the line for the status bar.
async fn queue_rescan(runner: &Runner, root: &std::path::Path, scope: RescanScope) -> String {
    use crate::scan::task::{plan, Request};
    let mut request = Request::default();
    let mut notice = String::new();
    match scope {
        // Findings read from a report name images that may never have been
        // on this engine: the image checks need it there, registry scanners
        // (trivy, grype) pull it themselves. Said first, in one line.
        RescanScope::Image(name) => {
            if let Ok((engine, _)) = crate::scan::docker::connect().await {
                if let Ok(false) = engine.has_image(&name).await {
                    notice = format!(
                        "{} is not on this Docker engine (only registry scanners can pull it); ",
                        crate::sanitize::sanitize_line(&name)
                    );
                }
            }
            request.images.push(name);
        }
        RescanScope::Chosen {
            images,
            project,
            containers,
        } => {
            request.images = images;
            request.containers = containers;
            if project {
                request.project = Some(root.to_path_buf());
            }
        }
        RescanScope::Project => request.project = Some(root.to_path_buf()),
        RescanScope::All => {
            request.project = Some(root.to_path_buf());
            match crate::scan::docker::connect().await {
                Ok((engine, _)) => match crate::scan::docker::list_images(&engine).await {
                    Ok(images) => {
                        request.images = images.iter().map(|i| i.reference()).collect();
                        request.containers = true;
                    }
                    Err(e) => notice = format!("{e}; "),
                },
                Err(problem) => notice = format!("{problem}; scanning the project only; "),
            }
        }
    }
    let (tasks, missing) = plan(&request, root, &crate::scan::external::locate);
    let count = tasks.len();
    for spec in tasks {
        runner.submit(spec);
    }
    let missing: Vec<&str> = missing.iter().map(|m| m.tool).collect();
    let not_installed = if missing.is_empty() {
        String::new()
    } else {
        format!(" · not installed: {}", missing.join(", "))
    };
    format!("{notice}{count} scan task(s) queued (w shows them){not_installed}")
}

fn draw(term: &mut Term, state: &AppState, theme: &Theme, keymap: &KeyMap) -> io::Result<()> {
    crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|frame| super::ui::draw(frame, state, theme, keymap))?;
    crossterm::execute!(term.backend_mut(), EndSynchronizedUpdate)
}

/// What carries out the effects `update` asks for: the workers and the
/// channel their results come back on. One method per effect.
struct Services<'o> {
    options: &'o Options,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
    matcher: Matcher,
    runner: Runner,
    /// Who decisions and checklist records are recorded as.
    actor: String,
    /// One reload at a time; results that land meanwhile ask for one more.
    reloading: bool,
    reload_again: bool,
}

impl<'o> Services<'o> {
    /// Starts the loader, the engine probe, the scan runner and the matcher.
    fn start(options: &'o Options, tx: tokio::sync::mpsc::UnboundedSender<Msg>) -> Services<'o> {
        spawn_loader(
            options.workspace.clone(),
            options.redactor.clone(),
            options.policy.clone(),
            options.walk.clone(),
            tx.clone(),
            false,
        );
        super::worker::spawn_watcher(options.workspace.clone(), tx.clone());
        let engine_tx = tx.clone();
        tokio::spawn(async move {
            let line = crate::scan::docker::connect()
                .await
                .map(|(_, info)| format!("{} (API {})", info.version, info.api_version))
                .map_err(|problem| (problem.short().to_string(), problem.to_string()));
            let _ = engine_tx.send(Msg::Engine(line));
        });
        let (task_tx, mut task_rx) = tokio::sync::mpsc::unbounded_channel();
        let runner = Runner::start(
            RunnerConfig::new(options.workspace.clone(), options.redactor.clone()),
            task_tx,
        );
        let forward_tx = tx.clone();
        tokio::spawn(async move {
            while let Some(event) = task_rx.recv().await {
                if forward_tx.send(Msg::Task(event)).is_err() {
                    break;
                }
            }
        });
        Services {
            options,
            matcher: Matcher::spawn(tx.clone()),
            tx,
            runner,
            actor: crate::triage::actor::current(&options.workspace.root),
            reloading: false,
            reload_again: false,
        }
    }

    fn carry_out(&mut self, effect: Effect, state: &AppState, term: &mut Term) -> io::Result<()> {
        match effect {
            Effect::Search(request) => self.matcher.submit(request),
            Effect::Save(change) => self.save_decisions(change, state.now),
            Effect::RecheckEvidence(input) => self.recheck_evidence(input, state.now),
            Effect::SaveChecklist(edit) => self.save_checklist(edit, state.now),
            Effect::Export {
                format,
                path,
                rows,
                filter,
                replace,
            } => self.export(state, format, &path, rows, &filter, replace),
            Effect::Copy(text) => crossterm::execute!(
                term.backend_mut(),
                crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
            )?,
            Effect::SetMouse(on) => terminal::set_mouse(on)?,
            Effect::Suspend => terminal::suspend(term, state.mouse)?,
            Effect::Edit { path, line } => self.edit(term, state.mouse, &path, line)?,
            Effect::OpenUrl(url) => {
                let _ = self.tx.send(Msg::Notice(open_url(&url)));
            }
            Effect::Quit => {}
            Effect::DefectDojo(request) => self.defectdojo(*request),
            Effect::Compute(job) => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(super::worker::run_job(job));
                });
            }
            Effect::ListImages => self.list_images(),
            Effect::Rescan(scope) => self.rescan(scope),
            Effect::CancelTask(id) => self.runner.cancel(id),
            Effect::Reload => self.reload(),
            Effect::KeepViews => {
                if let Some(file) = &self.options.view_file {
                    if let Err(e) = super::view_memory::save(file, &super::view_memory::of(state)) {
                        let _ = self
                            .tx
                            .send(Msg::Notice(format!("the views were not kept: {e}")));
                    }
                }
            }
            Effect::ReadDecisions => {
                let (ws, tx) = (self.options.workspace.clone(), self.tx.clone());
                tokio::task::spawn_blocking(move || {
                    let read = decisions::load(&ws)
                        .map(|loaded| loaded.file)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::DecisionsRead(read));
                });
            }
            Effect::ReadChecklist => {
                let (ws, tx) = (self.options.workspace.clone(), self.tx.clone());
                tokio::task::spawn_blocking(move || {
                    let read = crate::checklist::records::load(&ws)
                        .map(|loaded| loaded.file)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::ChecklistRead(read));
                });
            }
        }
        Ok(())
    }

    /// Writes a triage change under the lock, merged with what is on disk.
    fn save_decisions(
        &self,
        change: super::state::dialog::TriageChange,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let ws = self.options.workspace.clone();
        let who = self.actor.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let stamp = Stamp { who: &who, now };
            let result = decisions::update(&ws, |file| {
                let (summary, undo) = change.apply(file, stamp);
                (file.clone(), summary, undo)
            });
            let message = result.map_err(|e| {
                crate::logging::log(&format!("decision not saved: {e}"));
                format!("NOT SAVED: {e}")
            });
            let _ = tx.send(Msg::Saved(message));
        });
    }

    fn recheck_evidence(
        &self,
        input: super::state::checklist::EvidenceInput,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let ws = self.options.workspace.clone();
        let setup = self.options.walk.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let evidence = crate::checklist::walk::Walkthrough::recheck(
                &ws,
                &setup,
                input.open,
                &input.runs,
                now,
            );
            let _ = tx.send(Msg::EvidenceRechecked(evidence));
        });
    }

    fn save_checklist(
        &self,
        edit: super::state::checklist::ChecklistEdit,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let ws = self.options.workspace.clone();
        let who = self.actor.clone();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(Msg::ChecklistSaved(save_checklist(&ws, &edit, &who, &at)));
        });
    }

    /// Copies the rows here; renders and writes them on a blocking thread.
    fn export(
        &self,
        state: &AppState,
        format: crate::export::ExportFormat,
        path: &str,
        rows: Vec<u32>,
        filter: &str,
        replace: bool,
    ) {
        let target = self.options.workspace.root.join(path);
        let job = state.data.as_ref().map(|d| {
            d.export_job(
                format,
                &rows,
                &self.options.label,
                filter,
                state.gate.as_ref(),
                state.now,
            )
        });
        let scandeck_dir = self.options.workspace.dir();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let bytes = job.as_ref().map(|j| j.render());
            let _ = tx.send(Msg::Exported(write_export(
                &target,
                &scandeck_dir,
                bytes,
                rows.len(),
                replace,
            )));
        });
    }

    /// Opens a workspace file in the user's editor, the console suspended meanwhile.
    fn edit(&self, term: &mut Term, mouse: bool, path: &str, line: Option<u32>) -> io::Result<()> {
        let notice = match editable(&self.options.workspace.root, path) {
            Ok(file) => match terminal::hand_over(term, mouse, || run_editor(&file, line))? {
                Ok(()) => format!("back from editing {path}"),
                Err(why) => why,
            },
            Err(why) => why,
        };
        let _ = self.tx.send(Msg::Notice(
            crate::sanitize::sanitize_line(&notice).into_owned(),
        ));
        Ok(())
    }

    fn defectdojo(&self, request: super::state::dojo::DojoRequest) {
        let tx = self.tx.clone();
        let ws = self.options.workspace.clone();
        let config = self.options.dojo.clone();
        tokio::task::spawn_blocking(move || {
            let progress_tx = tx.clone();
            let mut progress = |line: String| {
                let _ = progress_tx.send(Msg::DojoProgress(line));
            };
            let result = super::panes::dojo::run(request, &ws, &config, &mut progress);
            let _ = tx.send(Msg::DojoDone(Box::new(result)));
        });
    }

    fn list_images(&self) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let listed = match crate::scan::docker::connect().await {
                Ok((engine, _)) => crate::scan::docker::list_images(&engine).await,
                Err(problem) => Err(problem.to_string()),
            };
            let _ = tx.send(Msg::ImagesListed(listed));
        });
    }

    fn rescan(&self, scope: RescanScope) {
        let runner = self.runner.clone();
        let root = self.options.workspace.root.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let notice = queue_rescan(&runner, &root, scope).await;
            let _ = tx.send(Msg::Notice(notice));
        });
    }

    /// Reads the workspace again behind the shown data.
    fn reload(&mut self) {
        if self.reloading {
            self.reload_again = true;
            return;
        }
        self.reloading = true;
        spawn_loader(
            self.options.workspace.clone(),
            self.options.redactor.clone(),
            self.options.policy.clone(),
            self.options.walk.clone(),
            self.tx.clone(),
            true,
        );
    }

    fn reload_finished(&mut self) {
        self.reloading = false;
        if std::mem::take(&mut self.reload_again) {
            self.reload();
        }
    }
}

async fn event_loop(options: Options) -> io::Result<i32> {
    let _guard = Guard;
    let mut term = terminal::Owned::new(terminal::enter(options.mouse)?);
    let size = term.size()?;
    let mut state = AppState::new(&options.label, (size.width, size.height));
    state.export_folder = std::fs::canonicalize(&options.workspace.root)
        .ok()
        .map(|dir| crate::sanitize::sanitize_line(&dir.display().to_string()).into_owned());
    state.mouse = options.mouse;
    if let Some(view) = options
        .view_file
        .as_deref()
        .and_then(super::view_memory::load)
    {
        super::view_memory::apply(&mut state, view);
    }
    if let Some(first) = options.keymap.problems.first() {
        let more = options.keymap.problems.len() - 1;
        state.status = Some(if more > 0 {
            format!("key map: {first} (+{more} more in the log)")
        } else {
            format!("key map: {first}")
        });
        for p in &options.keymap.problems {
            crate::logging::log(&format!("key map problem: {p}"));
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut services = Services::start(&options, tx);
    state.actor = services.actor.clone();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    // While the checklist is open its evidence is checked again every two
    // seconds: files change outside the console.
    let mut checklist_ticker = tokio::time::interval(Duration::from_secs(2));
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // A terminal can vanish without a SIGHUP reaching us (the emulator
    // killed, SIGHUP ignored): the reader then sees only EOF. Look once a
    // second and end like a hangup.
    let mut tty_check = tokio::time::interval(Duration::from_secs(1));
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut exit_code = 0;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            draw(&mut term, &state, &options.theme, &options.keymap)?;
            update(&mut state, &options.keymap, Msg::Drawn);
            dirty = false;
            last_draw = Instant::now();
        }
        let deadline = tokio::time::Instant::from_std(last_draw + FRAME);
        let messages: Vec<Msg> = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if options.debug_panic && key.code == KeyCode::F(12) {
                        panic!("debug panic requested \u{1b}]0;PWNED\u{7} with hostile text \u{1b}[2J");
                    }
                    vec![Msg::Key(key)]
                }
                Some(Ok(Event::Mouse(m))) => vec![Msg::Mouse(m)],
                Some(Ok(Event::Paste(text))) => vec![Msg::Paste(text)],
                Some(Ok(Event::Resize(w, h))) => vec![Msg::Resize(w, h)],
                Some(Ok(_)) => Vec::new(),
                // The terminal went away (EIO): end as on a hangup.
                Some(Err(_)) | None if terminal::hung_up() => { exit_code = 129; break }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(first) = rx.recv() => {
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                batch
            }
            _ = tokio::time::sleep_until(deadline), if dirty => Vec::new(),
            _ = ticker.tick(), if state.scans.active() => vec![Msg::Tick],
            _ = checklist_ticker.tick(), if state.checklist.is_some() => vec![Msg::ChecklistTick],
            _ = sigterm.recv() => { exit_code = 143; break }
            _ = sighup.recv() => { exit_code = 129; break }
            _ = tty_check.tick() => {
                if terminal::hung_up() {
                    crate::logging::log("the terminal went away; the console ends");
                    exit_code = 129;
                    break;
                }
                Vec::new()
            }
            _ = sigint.recv() => { exit_code = 130; break }
        };
        for message in messages {
            dirty = true;
            if matches!(message, Msg::Reloaded(_)) {
                services.reload_finished();
            }
            state.now = crate::clock::now();
            for effect in update(&mut state, &options.keymap, message) {
                services.carry_out(effect, &state, &mut term)?;
            }
        }
        if state.quitting {
            break;
        }
    }
    terminal::restore();
    if let Some(file) = &options.view_file {
        if let Err(e) = super::view_memory::save(file, &super::view_memory::of(&state)) {
            crate::logging::log(&format!("the view was not kept: {e}"));
        }
    }
    Ok(exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_opens_only_regular_files_inside_the_workspace() {
        let home = tempfile::tempdir().unwrap();
        let root = home.path().join("ws");
        std::fs::create_dir_all(root.join("app")).unwrap();
        std::fs::write(root.join("app/config.py"), "x = 1\n").unwrap();
        std::fs::write(home.path().join("secret.txt"), "outside\n").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("linkdir")).unwrap();
        std::os::unix::fs::symlink(home.path().join("secret.txt"), root.join("link.txt")).unwrap();
        assert!(editable(&root, "app/config.py").is_ok());
        for outside in ["linkdir/passwd", "link.txt", "../secret.txt"] {
            let why = editable(&root, outside).unwrap_err();
            assert!(
                why.contains("outside the workspace") || why.contains("not a file"),
                "{outside}: {why}"
            );
        }
        assert!(editable(&root, "app").unwrap_err().contains("not a file"));
        assert!(editable(&root, "missing.py").is_err());
    }

    #[test]
    fn an_empty_visual_falls_back_to_editor() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(editor_of(some(""), some("nano")), "nano");
        assert_eq!(editor_of(some("  "), None), "vi");
        assert_eq!(editor_of(some("code -w"), some("nano")), "code -w");
        assert_eq!(editor_of(None, some("")), "vi");
    }

    #[test]
    fn the_console_replaces_a_file_only_when_told_and_never_writes_into_scandecks_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let scandeck = root.join(".scandeck");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&scandeck).unwrap();
        // Named through a detour: the message gives the plain full name.
        let target = root.join("sub/../view.csv");
        let full = root.join("view.csv");
        let bytes = |b: &[u8]| Some(Ok(b.to_vec()));
        assert_eq!(
            write_export(&target, &scandeck, bytes(b"one\n"), 1, false),
            Ok(format!("exported 1 findings to {}", full.display()))
        );
        assert_eq!(
            write_export(&target, &scandeck, bytes(b"two\n"), 1, false),
            Err(ExportRefusal::Exists(full.display().to_string()))
        );
        assert_eq!(std::fs::read(&full).unwrap(), b"one\n", "kept until asked");
        assert!(write_export(&target, &scandeck, bytes(b"two\n"), 1, true).is_ok());
        assert_eq!(std::fs::read(&full).unwrap(), b"two\n");
        let inside = write_export(
            &scandeck.join("decisions.json"),
            &scandeck,
            bytes(b"x"),
            1,
            true,
        );
        assert!(
            matches!(inside, Err(ExportRefusal::Other(why)) if why.contains("scandeck's own folder"))
        );
        let nowhere = write_export(
            &root.join("missing/v.csv"),
            &scandeck,
            bytes(b"x"),
            1,
            false,
        );
        assert!(
            matches!(nowhere, Err(ExportRefusal::Other(why)) if why.contains("does not exist"))
        );
    }
}
