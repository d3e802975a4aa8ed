//! The DefectDojo panel (`D`): what waits to push (decisions the last sync
//! did not leave in DefectDojo) and to pull (decisions made there since),
//! checked on a worker when opened; `p` push, `l` pull, `s` sync, each on
//! a worker with its progress shown here. The work is `dojo::session`'s,
//! the same as `scandeck push|pull|sync defectdojo`. Its keys and its
//! drawing live here together.

use crate::sanitize::sanitize_line;
use crate::tui::action::Action;
use crate::tui::msg::Effect;
pub use crate::tui::state::dojo::{DojoOp, DojoPanel, DojoRequest, DojoResult};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::sync::Arc;

impl DojoOp {
    fn doing(self) -> &'static str {
        match self {
            DojoOp::Check => "checking",
            DojoOp::Push => "pushing",
            DojoOp::Pull => "pulling",
            DojoOp::Sync => "syncing",
        }
    }
}

/// Opens the panel and checks what waits, on a worker.
pub fn open(state: &mut AppState) -> Vec<Effect> {
    state.dojo = Some(DojoPanel::default());
    start(state, DojoOp::Check)
}

fn start(state: &mut AppState, op: DojoOp) -> Vec<Effect> {
    let Some(panel) = state.dojo.as_mut() else {
        return Vec::new();
    };
    if panel.busy.is_some() {
        state.status = Some("DefectDojo: still working; wait for it to finish".into());
        return Vec::new();
    }
    let Some(data) = &state.data else {
        return Vec::new();
    };
    panel.busy = Some(format!("{}…", op.doing()));
    vec![Effect::DefectDojo(Box::new(DojoRequest {
        op,
        findings: Arc::clone(&data.view.findings),
        assessments: Arc::clone(&data.view.assessments),
        triage: Box::new(data.view.triage.clone()),
        rows: state.visible.clone(),
        now: state.now,
        filter: crate::tui::rows::view_description(state),
    }))]
}

/// A worker's progress line.
pub fn progress(state: &mut AppState, line: String) {
    if let Some(panel) = state.dojo.as_mut() {
        if panel.busy.is_some() {
            panel.busy = Some(line);
        }
    }
}

/// A worker finished: the panel shows what it did. A sync whose pull
/// wrote decisions goes on to push once the caller has reassessed the
/// findings with them (`then_push`).
pub fn done(state: &mut AppState, result: DojoResult) {
    state.status = Some(match &result.error {
        Some(e) => format!("DefectDojo: {e}"),
        None => format!("DefectDojo: {}", result.summary),
    });
    if let Some(panel) = state.dojo.as_mut() {
        panel.busy = None;
        panel.last = Some(result);
    }
}

/// Pushes the shown rows (a sync's second half).
pub fn push(state: &mut AppState) -> Vec<Effect> {
    start(state, DojoOp::Push)
}

/// Handles `action` while the panel is open; `None` when it is not the panel's.
pub fn act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    state.dojo.as_ref()?;
    let effects = match action {
        Action::CloseDojo => {
            state.dojo = None;
            Vec::new()
        }
        Action::DojoCheck => start(state, DojoOp::Check),
        Action::DojoPush => start(state, DojoOp::Push),
        Action::DojoPull => start(state, DojoOp::Pull),
        Action::DojoSync => start(state, DojoOp::Sync),
        Action::Quit | Action::Help => return None,
        _ => Vec::new(),
    };
    Some(effects)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(panel) = &state.dojo else {
        return;
    };
    let title = match panel.last.as_ref().and_then(|r| r.place.as_deref()) {
        Some(place) => format!(" DefectDojo — {} ", sanitize_line(place)),
        None => " DefectDojo ".to_string(),
    };
    let inner = crate::tui::widgets::popup(
        frame,
        area,
        120,
        None,
        title,
        " p push · l pull · s sync · c check · Esc close ",
        theme,
    );
    if inner.height < 3 {
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    let count = |n: Option<usize>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
    let last = panel.last.as_ref();
    lines.push(Line::from(format!(
        "waiting to push: {}    waiting to pull: {}    (the {} shown findings)",
        count(last.and_then(|r| r.to_push)),
        count(last.and_then(|r| r.to_pull)),
        state.visible.len()
    )));
    match (&panel.busy, last) {
        (Some(busy), _) => lines.push(Line::styled(sanitize_line(busy).into_owned(), theme.dim)),
        (None, Some(r)) => match &r.error {
            Some(e) => lines.push(Line::styled(sanitize_line(e).into_owned(), theme.warning)),
            None => lines.push(Line::styled(
                sanitize_line(&r.summary).into_owned(),
                theme.dim,
            )),
        },
        (None, None) => {}
    }
    lines.push(Line::from(""));
    let room = (inner.height as usize).saturating_sub(lines.len());
    if let Some(r) = last {
        for l in r.lines.iter().take(room) {
            lines.push(Line::from(sanitize_line(l).into_owned()));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The worker's part: one request against DefectDojo, its progress sent
/// as it goes. Blocking (HTTP); runs on its own thread.
pub fn run(
    request: DojoRequest,
    workspace: &crate::store::Workspace,
    config: &crate::config::DefectDojoConfig,
    progress: &mut dyn FnMut(String),
) -> DojoResult {
    use crate::dojo::session;
    let mut result = DojoResult::default();
    let conn = match session::connect(config, None, &workspace.root) {
        Ok(c) => c,
        Err(e) => {
            result.error = Some(e.message().to_string());
            return result;
        }
    };
    result.place = Some(format!(
        "{} · product {} · engagement {}",
        conn.client.url("").trim_end_matches("/api/v2/"),
        conn.place.product,
        conn.place.engagement
    ));
    let pairs: Vec<_> = request
        .rows
        .iter()
        .filter_map(|&i| {
            let i = i as usize;
            Some((request.findings.get(i)?, request.assessments.get(i)?))
        })
        .collect();
    let view = session::ViewOf {
        pairs,
        triage: &request.triage,
        now: request.now,
        name: session::folder_name(&workspace.root),
        filter: request.filter.clone(),
    };
    let url = conn.client.url("");
    let mut step = |what: &str, done: usize, total: usize| {
        progress(format!("{}: {what} {done}/{total}", request.op.doing()))
    };
    let sync = request.op == DojoOp::Sync;
    let outcome: Result<(), crate::dojo::client::DojoError> = (|| {
        if matches!(request.op, DojoOp::Pull | DojoOp::Sync | DojoOp::Check) {
            let apply = request.op != DojoOp::Check;
            let pulled = session::pull(&conn, workspace, &view, apply)?;
            result
                .lines
                .extend(pulled.pulled.iter().map(session::pulled_line));
            result.to_pull = Some(if apply {
                0
            } else {
                pulled.pulled.iter().filter(|p| !p.kept_ours).count()
            });
            result.file = pulled.file;
            result.summary = if pulled.no_engagement {
                "nothing there yet: push first".into()
            } else if apply {
                format!("took {} decision(s)", pulled.applied)
            } else {
                format!(
                    "{} to push, {} to pull",
                    session::waiting_to_push(workspace, &url, &view),
                    result.to_pull.unwrap_or(0)
                )
            };
        }
        // A sync whose pull wrote decisions pushes once the console has read
        // them back (assessed afresh): `then_push`.
        if request.op == DojoOp::Push || (request.op == DojoOp::Sync && result.file.is_none()) {
            let report = session::push(&conn, workspace, &view, &mut step)?;
            result.lines.extend(session::push_lines(&report));
            let pulled_summary = std::mem::take(&mut result.summary);
            result.summary = session::push_summary(&report, conn.client.requests());
            if !pulled_summary.is_empty() {
                result.summary = format!("{pulled_summary}; {}", result.summary);
            }
        }
        result.then_push = sync && result.file.is_some();
        result.to_push = Some(session::waiting_to_push(workspace, &url, &view));
        Ok(())
    })();
    if let Err(e) = outcome {
        result.error = Some(e.message().to_string());
    }
    result
}
