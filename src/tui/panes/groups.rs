//! Group views (`t`): the findings shown, grouped by vulnerability (one
//! row per advisory and its aliases, across packages and images), by
//! package, or by subject, with counts; groups expand to their members.
//! A triage key on a group acts on all of its members, through the usual
//! dialog and its bulk confirmation; on a member, on that finding. Keys and
//! drawing live here together.

use crate::model::{Finding, Fingerprint, Severity};
use crate::tui::action::Action;
use crate::tui::msg::Effect;
pub use crate::tui::state::groups::{Group, GroupBy, GroupPanel};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::Cursor;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;
use std::collections::{BTreeMap, BTreeSet};

impl GroupBy {
    fn next(self) -> GroupBy {
        match self {
            GroupBy::Vulnerability => GroupBy::Package,
            GroupBy::Package => GroupBy::Subject,
            GroupBy::Subject => GroupBy::Vulnerability,
        }
    }
}

/// A row of the tree: a group, or one of an expanded group's members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TreeRow {
    Group(usize),
    Member(usize, u32),
}

impl GroupPanel {
    fn lines(&self) -> Vec<TreeRow> {
        let mut out = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            out.push(TreeRow::Group(g));
            if self.expanded.contains(&g) {
                out.extend(group.members.iter().map(|m| TreeRow::Member(g, *m)));
            }
        }
        out
    }
}

/// The advisory a finding is about, the same for its aliases: the first
/// CVE among its id and aliases, else its id.
fn vulnerability_of(f: &Finding) -> String {
    std::iter::once(&f.id)
        .chain(f.aliases.iter())
        .map(|id| id.to_ascii_uppercase())
        .filter(|id| id.starts_with("CVE-"))
        .min()
        .unwrap_or_else(|| f.id.clone())
}

fn key_of(by: GroupBy, f: &Finding) -> String {
    match by {
        GroupBy::Vulnerability => vulnerability_of(f),
        GroupBy::Package => f
            .package_name()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .or_else(|| f.location.path.clone())
            .unwrap_or_else(|| f.id.clone()),
        GroupBy::Subject => f.subject.to_string(),
    }
}

/// Groups the rows shown, most severe group first, then the largest.
pub fn groups(by: GroupBy, findings: &[Finding], shown: &[u32]) -> Vec<Group> {
    let mut by_key: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for &i in shown {
        if let Some(f) = findings.get(i as usize) {
            by_key.entry(key_of(by, f)).or_default().push(i);
        }
    }
    let mut out: Vec<Group> = by_key
        .into_iter()
        .map(|(name, members)| {
            let mut tally = [0usize; 6];
            let mut worst = Severity::Unknown;
            let mut spread: BTreeSet<String> = BTreeSet::new();
            for &m in &members {
                let f = &findings[m as usize];
                tally[f.severity as usize] += 1;
                worst = worst.max(f.severity);
                spread.insert(match by {
                    GroupBy::Subject => f.package_name().unwrap_or(&f.id).to_string(),
                    _ => f.display_target().to_string(),
                });
            }
            let spread = match spread.len() {
                0 => String::new(),
                1 => spread.into_iter().next().unwrap_or_default(),
                n => format!(
                    "{} and {} more",
                    spread.into_iter().next().unwrap_or_default(),
                    n - 1
                ),
            };
            Group {
                name,
                members,
                worst,
                tally,
                spread,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.worst
            .cmp(&a.worst)
            .then(b.members.len().cmp(&a.members.len()))
            .then(a.name.cmp(&b.name))
    });
    out
}

/// Asks a worker to group the findings shown by `by` (most of a second at a
/// million findings: never on the thread that answers keys).
fn compute(state: &mut AppState, by: GroupBy) -> Vec<Effect> {
    let Some(data) = &state.data else {
        return Vec::new();
    };
    state.status = Some(format!(
        "grouping {} findings by {}…",
        state.visible.len(),
        by.name()
    ));
    vec![Effect::Compute(crate::tui::msg::Job::Groups {
        by,
        findings: std::sync::Arc::clone(&data.view.findings),
        rows: state.visible.clone(),
    })]
}

pub fn open(state: &mut AppState) -> Vec<Effect> {
    compute(state, GroupBy::Vulnerability)
}

/// The groups by `by` (`:group package`).
pub fn open_by(state: &mut AppState, by: GroupBy) -> Vec<Effect> {
    if crate::tui::rows::needs_everything(state) {
        return Vec::new();
    }
    compute(state, by)
}

/// The groups of `rows` by `by`: the worker's part.
pub fn panel(by: GroupBy, findings: &[Finding], rows: &[u32]) -> GroupPanel {
    GroupPanel {
        by,
        groups: groups(by, findings, rows),
        expanded: BTreeSet::new(),
        cursor: Cursor::default(),
    }
}

/// The groups arrived: show them.
pub fn ready(state: &mut AppState, panel: GroupPanel) {
    if state
        .status
        .as_deref()
        .is_some_and(|s| s.starts_with("grouping "))
    {
        state.status = None;
    }
    state.groups = Some(panel);
}

fn list_rows(state: &AppState) -> usize {
    (state.size.1 as usize).saturating_sub(8).max(3)
}

/// Handles `action` while the group view is open; `None` when it is not its own.
pub fn act(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let rows = list_rows(state);
    let panel = state.groups.as_mut()?;
    let lines = panel.lines();
    let len = lines.len();
    let at = lines.get(panel.cursor.selected).copied();
    if let Some(kind) = crate::tui::panes::dialog::triage_dialog(action) {
        // The group's members, or the one member: marked, then the dialog.
        let members: Vec<u32> = match at {
            Some(TreeRow::Group(g)) => panel.groups[g].members.clone(),
            Some(TreeRow::Member(_, m)) => vec![m],
            None => return Some(Vec::new()),
        };
        let fingerprints: BTreeSet<Fingerprint> = {
            let data = state.data.as_ref()?;
            members
                .iter()
                .filter_map(|m| data.view.findings.get(*m as usize))
                .map(|f| f.fingerprint)
                .collect()
        };
        state.groups = None;
        state.marked = fingerprints;
        return Some(crate::tui::panes::dialog::open_triage_dialog(state, kind));
    }
    match action {
        Action::MoveDown => panel.cursor = panel.cursor.moved(1, len, rows),
        Action::MoveUp => panel.cursor = panel.cursor.moved(-1, len, rows),
        Action::PageDown => panel.cursor = panel.cursor.moved(rows as isize, len, rows),
        Action::PageUp => panel.cursor = panel.cursor.moved(-(rows as isize), len, rows),
        Action::GoTop => panel.cursor = panel.cursor.moved(-(len as isize), len, rows),
        Action::GoBottom => panel.cursor = panel.cursor.moved(len as isize, len, rows),
        Action::GroupToggle => match at {
            Some(TreeRow::Group(g)) => {
                // Open when closed, closed when open.
                let was_open = panel.expanded.remove(&g);
                if !was_open {
                    panel.expanded.insert(g);
                }
            }
            Some(TreeRow::Member(g, _)) => {
                // Collapsing from a member goes back to its group.
                panel.expanded.remove(&g);
                let back = panel
                    .lines()
                    .iter()
                    .position(|l| *l == TreeRow::Group(g))
                    .unwrap_or(0);
                panel.cursor = Cursor::default().moved(back as isize, back + 1, rows);
            }
            None => {}
        },
        Action::GroupNext => {
            let by = panel.by.next();
            return Some(compute(state, by));
        }
        Action::CloseGroups => state.groups = None,
        Action::Quit | Action::Help => return None,
        _ => {}
    }
    Some(Vec::new())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (Some(panel), Some(data)) = (&state.groups, &state.data) else {
        return;
    };
    let title = format!(
        " Grouped by {} — {} group{} of the {} findings shown ",
        panel.by.name(),
        panel.groups.len(),
        if panel.groups.len() == 1 { "" } else { "s" },
        state.visible.len()
    );
    let inner = crate::tui::widgets::popup(
        frame,
        area,
        160,
        None,
        title,
        " Enter expand/collapse · Tab group by next · f z a x u n act on the group · Esc close ",
        theme,
    );
    if inner.height < 2 {
        return;
    }
    let lines = panel.lines();
    let height = (inner.height as usize).min(list_rows(state));
    // The count column, then the name, keep room for twenty characters of spread.
    let inner_width = inner.width as usize;
    let counts_width: usize = if inner_width < 100 { 16 } else { 24 };
    let name_width = inner_width
        .saturating_sub(8 + counts_width + 3 + 20)
        .clamp(14, 40);
    let spread_width = inner_width.saturating_sub(8 + name_width + counts_width + 3);
    let rows: Vec<Row> = lines
        .iter()
        .enumerate()
        .skip(panel.cursor.offset)
        .take(height)
        .map(|(i, line)| {
            let row = match *line {
                TreeRow::Group(g) => {
                    let group = &panel.groups[g];
                    let open = if panel.expanded.contains(&g) {
                        "▾"
                    } else {
                        "▸"
                    };
                    let counts: Vec<String> = Severity::ALL_DESCENDING
                        .into_iter()
                        .filter(|s| group.tally[*s as usize] > 0)
                        .map(|s| {
                            format!(
                                "{}{}",
                                &crate::tui::widgets::severity_label(s)[..1],
                                group.tally[s as usize]
                            )
                        })
                        .collect();
                    Row::new([
                        Cell::from(Line::from(vec![
                            Span::raw(format!("{open} ")),
                            Span::styled(
                                crate::tui::widgets::severity_label(group.worst),
                                theme.severity(group.worst),
                            ),
                        ])),
                        Cell::from(crate::tui::widgets::middle_cell(&group.name, name_width)),
                        Cell::from(format!("{:>4} · {}", group.members.len(), counts.join(" "))),
                        Cell::from(crate::tui::widgets::middle_cell(
                            &group.spread,
                            spread_width,
                        )),
                    ])
                }
                TreeRow::Member(_, m) => {
                    let Some(f) = data.view.findings.get(m as usize) else {
                        return Row::new(["", "", "", ""]);
                    };
                    let status = data
                        .view
                        .assessments
                        .get(m as usize)
                        .map(|a| a.status.as_str())
                        .unwrap_or("");
                    Row::new([
                        Cell::from(Line::from(vec![
                            Span::raw("   "),
                            Span::styled(
                                crate::tui::widgets::severity_label(f.severity),
                                theme.severity(f.severity),
                            ),
                        ])),
                        Cell::from(crate::tui::widgets::middle_cell(
                            &format!("  {}", f.id),
                            name_width,
                        )),
                        Cell::from(format!("{} {}", status, f.package_name().unwrap_or(""))),
                        Cell::from(crate::tui::widgets::middle_cell(
                            f.display_target(),
                            spread_width,
                        )),
                    ])
                }
            };
            crate::tui::widgets::highlight(row, i == panel.cursor.selected, theme)
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(8),
                Constraint::Length(name_width as u16),
                Constraint::Length(counts_width as u16),
                Constraint::Min(8),
            ],
        ),
        Rect::new(inner.x, inner.y, inner.width, height as u16),
    );
}
