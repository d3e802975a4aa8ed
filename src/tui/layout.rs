//! Where each pane goes for a given terminal size. Pure, shared by drawing
//! and by `update` (page sizes, mouse hits), so both always agree.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub query: Option<Rect>,
    pub targets: Rect,
    pub tasks: Rect,
    pub findings: Rect,
    pub detail: Rect,
    pub footer: Rect,
}

impl Areas {
    /// `blockers`: the header has a third line, what blocks the release.
    pub fn compute(area: Rect, query_line: bool, blockers: bool) -> Areas {
        let rows = Layout::default()
            .direction(Direction::Vertical)
            .constraints([
                Constraint::Length(if blockers { 3 } else { 2 }),
                Constraint::Length(if query_line { 1 } else { 0 }),
                Constraint::Min(6),
                Constraint::Length(1),
            ])
            .split(area);
        let left_width = (area.width / 4).clamp(24, 44);
        let body = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Length(left_width), Constraint::Min(20)])
            .split(rows[2]);
        let left = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Percentage(65), Constraint::Percentage(35)])
            .split(body[0]);
        let right = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Percentage(58), Constraint::Percentage(42)])
            .split(body[1]);
        Areas {
            header: rows[0],
            query: query_line.then_some(rows[1]),
            targets: left[0],
            tasks: left[1],
            findings: right[0],
            detail: right[1],
            footer: rows[3],
        }
    }

    /// Table rows that fit in the findings pane (borders and header row excluded).
    pub fn findings_rows(&self) -> usize {
        self.findings.height.saturating_sub(3) as usize
    }

    pub fn targets_rows(&self) -> usize {
        self.targets.height.saturating_sub(2) as usize
    }

    pub fn tasks_rows(&self) -> usize {
        self.tasks.height.saturating_sub(3) as usize
    }

    pub fn detail_rows(&self) -> usize {
        self.detail.height.saturating_sub(2) as usize
    }
}

pub fn contains(r: Rect, col: u16, row: u16) -> bool {
    col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height
}
