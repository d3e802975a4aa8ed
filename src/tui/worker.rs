//! Background work for the console: loading the workspace (again after a
//! scan) and matching queries. Both talk to the UI only through messages.

use super::data::Data;
use super::msg::{Job, Msg, SearchRequest};
use super::state::Loading;
use crate::model::Redactor;
use crate::query::{SearchIndex, SortKey};
use crate::store::atomic::FileStamp;
use crate::store::Workspace;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use tokio::sync::mpsc::UnboundedSender;

/// Loads the workspace on its own thread, reporting progress per report.
pub fn spawn_loader(
    workspace: Workspace,
    redactor: Redactor,
    policy: crate::triage::SlaPolicy,
    walk: crate::checklist::walk::WalkSetup,
    tx: UnboundedSender<Msg>,
    reload: bool,
) {
    std::thread::spawn(move || {
        if !reload {
            send_preview(&workspace, &redactor, &policy, &tx);
        }
        let progress_tx = tx.clone();
        let mut progress = |done: usize, total: usize, name: &str| {
            if reload {
                return; // a reload runs behind the shown data: no progress screen
            }
            let _ = progress_tx.send(Msg::Progress(Loading {
                done,
                total,
                current: name.to_string(),
            }));
        };
        let now = crate::clock::now();
        match read_workspace(&workspace, &redactor, &policy, &walk, now, &mut progress) {
            Ok(data) => {
                let _ = tx.send(if reload {
                    Msg::Reloaded(Box::new(data))
                } else {
                    Msg::Loaded(Box::new(data))
                });
            }
            Err(e) => {
                crate::logging::log(&format!("load failed: {e}"));
                let _ = tx.send(Msg::LoadFailed(e.to_string()));
            }
        }
    });
}

/// Everything the console shows of a workspace, read at `now`: the view,
/// the checklists walked over it, the base images and ignore files.
pub fn read_workspace(
    workspace: &Workspace,
    redactor: &Redactor,
    policy: &crate::triage::SlaPolicy,
    walk: &crate::checklist::walk::WalkSetup,
    now: chrono::DateTime<chrono::Utc>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Data, crate::store::StoreError> {
    let current = workspace.current_findings_with_progress(redactor, progress)?;
    for w in &current.warnings {
        crate::logging::log(&format!("load warning: {w}"));
    }
    let mut data = Data::build_with(current, now, policy);
    data.load_walk(workspace, walk, now);
    data.bases = Arc::new(crate::rules::base_images::of_workspace(&workspace.root));
    data.ignore_files = Arc::new(workspace.ignore_files());
    Ok(data)
}

/// How many of the most severe findings the first screen shows while the
/// rest loads: a few screens' worth.
const PREVIEW_ROWS: usize = 500;

/// The first screen, read by index before the whole set: the most severe
/// findings, so a large workspace shows rows at once. Nothing is sent when
/// everything fits in it anyway, or when the store cannot answer by index.
fn send_preview(
    workspace: &Workspace,
    redactor: &Redactor,
    policy: &crate::triage::SlaPolicy,
    tx: &UnboundedSender<Msg>,
) {
    let selection = crate::store::workspace::Selection::Top(PREVIEW_ROWS);
    let Ok(Some(current)) = workspace.current_findings_with(redactor, &selection) else {
        return;
    };
    let total: usize = current.runs.iter().map(|r| r.findings).sum();
    if total <= PREVIEW_ROWS {
        return;
    }
    let data = Data::build_with(current, crate::clock::now(), policy);
    let _ = tx.send(Msg::Preview(Box::new(data), total));
}

/// The matcher thread: runs the newest search, drops superseded ones, and
/// remembers the sort orders it has computed for the current index.
pub struct Matcher {
    requests: mpsc::Sender<SearchRequest>,
    latest: Arc<AtomicU64>,
}

impl Matcher {
    pub fn spawn(tx: UnboundedSender<Msg>) -> Matcher {
        let (requests, rx) = mpsc::channel::<SearchRequest>();
        let latest = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&latest);
        std::thread::spawn(move || {
            let mut orders: HashMap<(SortKey, bool), Arc<Vec<u32>>> = HashMap::new();
            let mut for_index: Option<Arc<SearchIndex>> = None;
            // Orders put what needs work first: new statuses, new orders.
            let mut for_facts: Option<Arc<crate::query::Facts>> = None;
            // What the last finished query matched: a query that extends it
            // (the next keystroke) tries only those.
            let mut narrowing: Option<crate::query::matcher::Narrowing> = None;
            while let Ok(mut request) = rx.recv() {
                while let Ok(newer) = rx.try_recv() {
                    request = newer;
                }
                if seen.load(Ordering::Relaxed) != request.generation {
                    continue;
                }
                if !for_index
                    .as_ref()
                    .is_some_and(|i| Arc::ptr_eq(i, &request.index))
                    || !for_facts
                        .as_ref()
                        .is_some_and(|f| Arc::ptr_eq(f, &request.facts))
                {
                    orders.clear();
                    narrowing = None;
                    for_index = Some(Arc::clone(&request.index));
                    for_facts = Some(Arc::clone(&request.facts));
                }
                let order = Arc::clone(
                    orders
                        .entry((request.sort, request.reverse))
                        .or_insert_with(|| {
                            Arc::new(request.index.order_by_work(
                                &request.facts,
                                request.sort,
                                request.reverse,
                            ))
                        }),
                );
                if let Some((rows, matched)) = request.index.search_within(
                    &request.query,
                    &request.facts,
                    &order,
                    request.target,
                    request.generation,
                    &seen,
                    narrowing.as_ref(),
                ) {
                    narrowing = matched;
                    if tx
                        .send(Msg::SearchDone {
                            generation: request.generation,
                            rows,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
            }
        });
        Matcher { requests, latest }
    }

    /// Queues a search; any older one still running gives up.
    pub fn submit(&self, request: SearchRequest) {
        self.latest.store(request.generation, Ordering::Relaxed);
        let _ = self.requests.send(request);
    }
}

/// Does the work of `job`; the message that brings its result to `update`.
pub fn run_job(job: Job) -> Msg {
    match job {
        Job::Plan {
            findings,
            assessments,
            rows,
            bases,
        } => Msg::PlanReady(super::panes::plan::panel(
            &findings,
            &assessments,
            &rows,
            &bases,
        )),
        Job::Groups { by, findings, rows } => {
            Msg::GroupsReady(super::panes::groups::panel(by, &findings, &rows))
        }
        Job::Audit {
            findings,
            assessments,
            triage,
            ignore_files,
            now,
        } => Msg::AuditReady(super::panes::audit::panel(
            &findings,
            &assessments,
            &triage,
            &ignore_files,
            now,
        )),
    }
}

/// How often the watcher looks at the workspace's shared files.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Watches the files other processes change — decisions.json,
/// checklist.json and the scan index — and tells the console which
/// changed. It looks (`stat`) four times a second rather than subscribing
/// to kernel events: three `stat` calls cost microseconds, work on every
/// file system (a network share tells inotify nothing of another machine's
/// writes), and cannot overflow an event queue; every write scandeck makes
/// replaces the file by a rename, so size, time and inode never all stay
/// the same. The thread ends when the console does.
pub fn spawn_watcher(workspace: Workspace, tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        let files = [
            crate::store::document::path_of::<crate::store::decisions::DecisionFile>(&workspace),
            crate::store::document::path_of::<crate::checklist::progress::ChecklistFile>(
                &workspace,
            ),
            workspace.index_path(),
            workspace.index_journal_path(),
        ];
        let look = || files.each_ref().map(|f| FileStamp::of(f));
        let mut last = look();
        while !tx.is_closed() {
            std::thread::sleep(WATCH_EVERY);
            let now = look();
            let change = super::state::WorkspaceChange {
                decisions: now[0] != last[0],
                checklist: now[1] != last[1],
                runs: now[2] != last[2] || now[3] != last[3],
            };
            if change.any() {
                last = now;
                if tx.send(Msg::WorkspaceChanged(change)).is_err() {
                    return;
                }
            }
        }
    });
}
