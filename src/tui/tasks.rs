//! The console's view of the scan tasks: one row per task, fed by the
//! runner's events; what the tasks list, the header and the status bar show.
//! Pure state: no I/O, no clocks of its own (times come from the caller).

use super::widgets::Cursor;
use crate::scan::runner::{Outcome, TaskEvent, TaskId};
use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
    Superseded,
}

impl TaskState {
    pub fn word(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
            TaskState::Superseded => "replaced",
        }
    }

    pub fn finished(self) -> bool {
        !matches!(self, TaskState::Queued | TaskState::Running)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskRow {
    pub id: TaskId,
    pub label: String,
    pub state: TaskState,
    pub stage: String,
    pub last_line: Option<String>,
    pub command: Option<String>,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// One line: what the finished task found, or why it failed.
    pub result: Option<String>,
    pub notes: Vec<String>,
}

impl TaskRow {
    /// Seconds since it started (until it ended).
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<f64> {
        let start = self.started?;
        let end = self.ended.unwrap_or(now);
        Some((end - start).num_milliseconds().max(0) as f64 / 1000.0)
    }
}

/// What the Docker engine said when the console asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EngineLine {
    #[default]
    Checking,
    Connected(String),
    /// A short word for the header and the full one-line explanation.
    Unavailable {
        short: String,
        full: String,
    },
}

#[derive(Clone, Debug, Default)]
pub struct TaskBoard {
    pub rows: Vec<TaskRow>,
    pub cursor: Cursor,
    /// The tasks list is open.
    pub open: bool,
    pub engine: EngineLine,
}

impl TaskBoard {
    /// Applies a runner event; true when results were imported (reload the data).
    pub fn apply(&mut self, event: TaskEvent, now: DateTime<Utc>) -> bool {
        match event {
            TaskEvent::Queued { id, label, .. } => {
                self.rows.push(TaskRow {
                    id,
                    label,
                    state: TaskState::Queued,
                    stage: String::new(),
                    last_line: None,
                    command: None,
                    started: None,
                    ended: None,
                    result: None,
                    notes: Vec::new(),
                });
                false
            }
            TaskEvent::Started { id } => {
                if let Some(r) = self.find(id) {
                    r.state = TaskState::Running;
                    r.started = Some(now);
                }
                false
            }
            TaskEvent::Stage { id, stage } => {
                if let Some(r) = self.find(id) {
                    r.stage = stage;
                }
                false
            }
            TaskEvent::Command { id, command } => {
                if let Some(r) = self.find(id) {
                    r.command = Some(command);
                }
                false
            }
            TaskEvent::Line { id, line } => {
                if let Some(r) = self.find(id) {
                    r.last_line = Some(line);
                }
                false
            }
            TaskEvent::Done { id, outcome } => {
                let Some(r) = self.find(id) else { return false };
                r.ended = Some(now);
                if r.started.is_none() {
                    r.started = Some(now);
                }
                r.stage.clear();
                let (state, result, imported) = match outcome {
                    Outcome::Imported {
                        findings,
                        new,
                        duplicate,
                        notes,
                        ..
                    } => {
                        r.notes = notes;
                        let same = if duplicate {
                            ", same report as last time"
                        } else {
                            ""
                        };
                        (
                            TaskState::Done,
                            format!("{findings} findings, {new} new{same}"),
                            !duplicate,
                        )
                    }
                    Outcome::Failed(why) => (TaskState::Failed, why, false),
                    Outcome::Cancelled => (TaskState::Cancelled, "cancelled".into(), false),
                    Outcome::Superseded => (
                        TaskState::Superseded,
                        "replaced by a newer scan of the same target".into(),
                        false,
                    ),
                };
                r.state = state;
                r.result = Some(result);
                imported
            }
        }
    }

    fn find(&mut self, id: TaskId) -> Option<&mut TaskRow> {
        self.rows.iter_mut().find(|r| r.id == id)
    }

    /// Any task still queued or running.
    pub fn active(&self) -> bool {
        self.rows.iter().any(|r| !r.state.finished())
    }

    /// `2 running · 1 queued · 5 done · 1 failed`, or nothing before the first scan.
    pub fn summary(&self) -> Option<String> {
        if self.rows.is_empty() {
            return None;
        }
        let count = |s: TaskState| self.rows.iter().filter(|r| r.state == s).count();
        let parts: Vec<String> = [
            TaskState::Running,
            TaskState::Queued,
            TaskState::Done,
            TaskState::Failed,
            TaskState::Cancelled,
        ]
        .into_iter()
        .filter(|s| count(*s) > 0 || matches!(s, TaskState::Running | TaskState::Done))
        .map(|s| format!("{} {}", count(s), s.word()))
        .collect();
        Some(parts.join(" · "))
    }

    /// The row shown first is the newest task.
    pub fn ordered(&self) -> impl Iterator<Item = &TaskRow> {
        self.rows.iter().rev()
    }

    pub fn selected(&self) -> Option<&TaskRow> {
        self.ordered().nth(self.cursor.selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn rows_follow_the_runner_events() {
        let mut b = TaskBoard::default();
        assert_eq!(b.summary(), None);
        b.apply(
            TaskEvent::Queued {
                id: 1,
                generation: 1,
                key: "posture".into(),
                label: "project posture".into(),
            },
            now(0),
        );
        b.apply(
            TaskEvent::Queued {
                id: 2,
                generation: 1,
                key: "trivy x".into(),
                label: "trivy x".into(),
            },
            now(0),
        );
        b.apply(TaskEvent::Started { id: 1 }, now(1));
        b.apply(
            TaskEvent::Line {
                id: 1,
                line: "walking".into(),
            },
            now(2),
        );
        assert!(b.active());
        assert_eq!(b.summary().unwrap(), "1 running · 1 queued · 0 done");
        let imported = b.apply(
            TaskEvent::Done {
                id: 1,
                outcome: Outcome::Imported {
                    run_id: 3,
                    report_name: "p".into(),
                    findings: 7,
                    new: 2,
                    duplicate: false,
                    notes: vec![],
                },
            },
            now(4),
        );
        assert!(imported);
        b.apply(TaskEvent::Started { id: 2 }, now(4));
        b.apply(
            TaskEvent::Done {
                id: 2,
                outcome: Outcome::Failed("trivy exited with status 2".into()),
            },
            now(9),
        );
        assert!(!b.active());
        assert_eq!(b.summary().unwrap(), "0 running · 1 done · 1 failed");
        assert_eq!(b.selected().unwrap().label, "trivy x", "newest first");
        let done = &b.rows[0];
        assert_eq!(done.elapsed(now(100)), Some(3.0));
        assert_eq!(done.result.as_deref(), Some("7 findings, 2 new"));
    }
}
