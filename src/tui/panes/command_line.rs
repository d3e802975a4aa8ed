//! The command line (`:`): every action of the key map by name, and the
//! commands that take an argument (`:export html`, `:sort age`, `:group
//! cve`, `:scan backend`, `:view save NAME`), with completion that shows
//! each action's key — so the line also teaches the keys. Its drawing, its
//! keys, its suggestions and its parser live here; `update` runs what it
//! parses.

use crate::export::ExportFormat;
use crate::query::SortKey;
use crate::tui::action::Action;
use crate::tui::keymap::KeyMap;
use crate::tui::line_edit::LineEdit;
use crate::tui::msg::Effect;
use crate::tui::state::command::CommandLine;
use crate::tui::state::groups::GroupBy;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{cell, pane_block};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Table};
use ratatui::Frame;

/// A command with an argument, or a short name for an action.
struct Named {
    name: &'static str,
    args: &'static str,
    /// The action whose key it shows (and runs, when it takes no argument).
    action: Action,
}

const NAMED: &[Named] = &[
    Named {
        name: "export",
        args: "<format> [file]",
        action: Action::Export,
    },
    Named {
        name: "sort",
        args: "<severity|id|package|target|age|due> [reverse]",
        action: Action::SortNext,
    },
    Named {
        name: "group",
        args: "<vulnerability|package|subject>",
        action: Action::OpenGroups,
    },
    Named {
        name: "scan",
        args: "<target>|project|all",
        action: Action::Rescan,
    },
    Named {
        name: "view",
        args: "<name> | save <name> | delete <name>",
        action: Action::None,
    },
    Named {
        name: "query",
        args: "<text>",
        action: Action::OpenFilter,
    },
    Named {
        name: "plan",
        args: "",
        action: Action::OpenPlan,
    },
    Named {
        name: "gate",
        args: "",
        action: Action::NextBlocker,
    },
    Named {
        name: "checklist",
        args: "",
        action: Action::OpenChecklist,
    },
    Named {
        name: "audit",
        args: "",
        action: Action::OpenAudit,
    },
    Named {
        name: "defectdojo",
        args: "",
        action: Action::OpenDojo,
    },
    Named {
        name: "tasks",
        args: "",
        action: Action::OpenTasks,
    },
    Named {
        name: "undo",
        args: "",
        action: Action::Undo,
    },
    Named {
        name: "redo",
        args: "",
        action: Action::Redo,
    },
    Named {
        name: "reload",
        args: "",
        action: Action::Reload,
    },
    Named {
        name: "help",
        args: "",
        action: Action::Help,
    },
    Named {
        name: "quit",
        args: "",
        action: Action::Quit,
    },
];

/// Actions that only make sense inside their own popup or dialog: the
/// command line, which runs over the main screen, does not offer them.
fn offered(action: Action) -> bool {
    let name = action.name();
    !(action == Action::None
        || name.starts_with("dialog_")
        || name.starts_with("pick_")
        || name.starts_with("command_")
        || name.starts_with("history_")
        || name.starts_with("close_")
        || name.starts_with("checklist_")
        || name.starts_with("plan_")
        || name.starts_with("audit_")
        || name.starts_with("dojo_")
        || name.starts_with("group_")
        || matches!(
            action,
            Action::OpenCommand
                | Action::ApplyFilter
                | Action::CancelFilter
                | Action::ClearFilterLine
                | Action::RunHelpEntry
                | Action::CancelTask
        ))
}

/// What the command line runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Act(Action),
    Export {
        format: ExportFormat,
        file: Option<String>,
    },
    Sort {
        key: SortKey,
        reverse: bool,
    },
    Group(GroupBy),
    Scan(String),
    Query(String),
    ViewSave(String),
    ViewLoad(String),
    ViewDelete(String),
    ViewList,
    /// The findings table's columns (`None`: back to as the width allows).
    Columns(Option<Vec<String>>),
}

fn format_name(format: ExportFormat) -> String {
    clap::ValueEnum::to_possible_value(&format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

const SORT_NAMES: [&str; 6] = ["severity", "id", "package", "target", "age", "due"];

/// A grouping by the name a person types (`cve`, `pkg`, `image`, …).
pub fn group_named(text: &str) -> Option<GroupBy> {
    match text.to_ascii_lowercase().as_str() {
        "vulnerability" | "vuln" | "cve" | "id" => Some(GroupBy::Vulnerability),
        "package" | "pkg" => Some(GroupBy::Package),
        "subject" | "image" | "target" => Some(GroupBy::Subject),
        _ => None,
    }
}

/// A view's name: one word of letters, digits, `-`, `_` and `.`.
fn view_name(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.chars().count() <= 40
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{:?} is not a view name: use letters, digits, - _ . (up to 40)",
            cell(text, 40)
        ))
    }
}

/// Parses a command line (without its `:`).
pub fn parse(text: &str) -> Result<Command, String> {
    let text = text.trim();
    let (head, rest) = text
        .split_once(char::is_whitespace)
        .map_or((text, ""), |(h, r)| (h, r.trim()));
    let words: Vec<&str> = rest.split_whitespace().collect();
    let head = head.to_ascii_lowercase().replace('-', "_");
    match head.as_str() {
        "" => Err("type a command; Tab completes".into()),
        "export" => {
            let Some(name) = words.first() else {
                return Err(format!(
                    "export needs a format: {}",
                    ExportFormat::ALL.map(format_name).join(", ")
                ));
            };
            let format = ExportFormat::ALL
                .into_iter()
                .find(|f| {
                    format_name(*f).eq_ignore_ascii_case(name)
                        || (*name == "markdown" && *f == ExportFormat::Md)
                })
                .ok_or_else(|| format!("no export format {:?}: Tab lists them", cell(name, 20)))?;
            Ok(Command::Export {
                format,
                file: words.get(1).map(|f| f.to_string()),
            })
        }
        "sort" => {
            let Some(name) = words.first() else {
                return Err(format!("sort needs a key: {}", SORT_NAMES.join(", ")));
            };
            let key = SortKey::parse_user(name).ok_or_else(|| {
                format!(
                    "no sort key {:?}: {}",
                    cell(name, 20),
                    SORT_NAMES.join(", ")
                )
            })?;
            let reverse = matches!(words.get(1), Some(w) if w.starts_with("rev") || *w == "up" || *w == "asc");
            Ok(Command::Sort { key, reverse })
        }
        "group" => match words.first() {
            None => Ok(Command::Group(GroupBy::Vulnerability)),
            Some(by) => group_named(by).map(Command::Group).ok_or_else(|| {
                format!(
                    "no grouping {:?}: vulnerability, package or subject",
                    cell(by, 20)
                )
            }),
        },
        "scan" => match words.first() {
            None => Ok(Command::Act(Action::Rescan)),
            Some(_) => Ok(Command::Scan(rest.to_string())),
        },
        "query" | "filter" => Ok(Command::Query(rest.to_string())),
        "views" => Ok(Command::ViewList),
        "columns" => {
            let names: Vec<String> = rest
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|n| !n.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            let known = || {
                crate::tui::panes::findings::COLUMNS
                    .map(|(n, _, _)| n)
                    .join(", ")
            };
            match names.as_slice() {
                [] => Err(format!("columns needs names: {}; or default", known())),
                [d] if d == "default" => Ok(Command::Columns(None)),
                _ => match names.iter().find(|n| {
                    !crate::tui::panes::findings::COLUMNS
                        .iter()
                        .any(|(c, _, _)| c == n)
                }) {
                    Some(bad) => Err(format!("no column {:?}: {}", cell(bad, 20), known())),
                    None => Ok(Command::Columns(Some(names))),
                },
            }
        }
        "view" => match words.as_slice() {
            [] => Ok(Command::ViewList),
            ["save", name] => view_name(name).map(Command::ViewSave),
            ["delete", name] => view_name(name).map(Command::ViewDelete),
            ["save" | "delete"] => Err(format!("view {} needs a name", words[0])),
            [name] => view_name(name).map(Command::ViewLoad),
            _ => Err("view takes a name: `view NAME`, `view save NAME`, `view delete NAME`".into()),
        },
        other => {
            if let Some(named) = NAMED.iter().find(|n| n.name == other) {
                if named.args.is_empty() {
                    return Ok(Command::Act(named.action));
                }
            }
            Action::from_name(other)
                .filter(|a| offered(*a))
                .map(Command::Act)
                .ok_or_else(|| format!("no command {:?}: Tab lists them", cell(other, 30)))
        }
    }
}

/// One suggestion: what Tab puts on the line, the key that does the same,
/// and what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    pub key: String,
    pub about: String,
}

fn key_of(keymap: &KeyMap, action: Action) -> String {
    keymap.keys_anywhere(action).unwrap_or_default()
}

/// What the line could become: command names while the first word is being
/// typed (prefix matches first, then the rest that contain it); after a
/// command that takes an argument, its arguments.
pub fn suggestions(state: &AppState, keymap: &KeyMap, text: &str) -> Vec<Suggestion> {
    let (head, partial) = match text.split_once(char::is_whitespace) {
        None => (text, None),
        Some((h, r)) => (h, Some(r.trim_start())),
    };
    let head = head.to_ascii_lowercase();
    let Some(partial) = partial else {
        let mut all: Vec<Suggestion> = NAMED
            .iter()
            .map(|n| Suggestion {
                text: n.name.to_string(),
                key: if n.action == Action::None {
                    String::new()
                } else {
                    key_of(keymap, n.action)
                },
                about: if n.args.is_empty() {
                    n.action.description().to_string()
                } else {
                    format!("{} {}", n.name, n.args)
                },
            })
            .collect();
        for action in Action::ALL.into_iter().filter(|a| offered(*a)) {
            let name = action.name();
            if all.iter().any(|s| s.text == name) {
                continue;
            }
            all.push(Suggestion {
                key: key_of(keymap, action),
                about: action.description().to_string(),
                text: name,
            });
        }
        let (mut first, rest): (Vec<_>, Vec<_>) = all
            .into_iter()
            .filter(|s| s.text.contains(&head))
            .partition(|s| s.text.starts_with(&head));
        first.extend(rest);
        return first;
    };
    let values: Vec<(String, String)> = match head.as_str() {
        "export" => ExportFormat::ALL
            .into_iter()
            .map(|f| (format_name(f), f.describe().to_string()))
            .collect(),
        "sort" => SORT_NAMES
            .iter()
            .map(|k| (k.to_string(), format!("sort by {k}")))
            .collect(),
        "group" => ["vulnerability", "package", "subject"]
            .iter()
            .map(|g| (g.to_string(), format!("group the shown rows by {g}")))
            .collect(),
        "scan" => {
            let mut v = vec![
                (
                    "project".to_string(),
                    "scan the project's files again".to_string(),
                ),
                ("all".to_string(), "choose what to scan".to_string()),
            ];
            if let Some(data) = &state.data {
                v.extend(
                    data.targets
                        .iter()
                        .map(|t| (t.name.clone(), format!("scan {} again", t.name))),
                );
            }
            v
        }
        "columns" => {
            let mut v = vec![(
                "default".to_string(),
                "as many columns as the width allows".to_string(),
            )];
            // The columns so far stay; the next one is offered after a comma.
            let (done, _) = partial.rsplit_once(',').unwrap_or(("", partial));
            let prefix = if done.is_empty() {
                String::new()
            } else {
                format!("{done},")
            };
            v.extend(
                crate::tui::panes::findings::COLUMNS
                    .iter()
                    .map(|(n, header, _)| (format!("{prefix}{n}"), format!("the {header} column"))),
            );
            v
        }
        "view" => {
            let mut v = vec![
                (
                    "save ".to_string(),
                    "save the view under a name".to_string(),
                ),
                ("delete ".to_string(), "forget a saved view".to_string()),
            ];
            v.extend(state.named_views.iter().map(|(name, view)| {
                (
                    name.clone(),
                    format!("query {:?}, sort {}", view.query, view.sort),
                )
            }));
            v
        }
        _ => Vec::new(),
    };
    let partial_lower = partial.to_ascii_lowercase();
    let (mut first, rest): (Vec<_>, Vec<_>) = values
        .into_iter()
        .filter(|(v, _)| v.to_ascii_lowercase().contains(&partial_lower))
        .map(|(v, about)| Suggestion {
            text: format!("{head} {v}"),
            key: String::new(),
            about,
        })
        .partition(|s| {
            s.text[head.len() + 1..]
                .to_ascii_lowercase()
                .starts_with(&partial_lower)
        });
    first.extend(rest);
    first
}

/// Opens the command line.
pub fn open(state: &mut AppState) {
    state.command = Some(CommandLine::default());
}

/// Keys of the open command line, but Enter (which `update` runs).
pub fn act(state: &mut AppState, keymap: &KeyMap, action: Action) -> Vec<Effect> {
    let history = state.command_history.clone();
    let offered = state
        .command
        .as_ref()
        .map(|c| suggestions(state, keymap, c.line.text()))
        .unwrap_or_default();
    let Some(command) = state.command.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::CommandCancel => state.command = None,
        Action::MoveDown => {
            command.selected = (command.selected + 1).min(offered.len().saturating_sub(1))
        }
        Action::MoveUp => command.selected = command.selected.saturating_sub(1),
        Action::CommandComplete => {
            if let Some(s) = offered.get(command.selected) {
                let takes_more = s.text.ends_with(' ')
                    || NAMED.iter().any(|n| n.name == s.text && !n.args.is_empty());
                let text = if takes_more && !s.text.ends_with(' ') {
                    format!("{} ", s.text)
                } else {
                    s.text.clone()
                };
                command.line = LineEdit::new(&text);
                command.selected = 0;
            }
        }
        Action::HistoryPrev | Action::HistoryNext => {
            let older = action == Action::HistoryPrev;
            if !crate::tui::line_edit::recall(
                &history,
                &mut command.history_at,
                &mut command.line,
                older,
            ) {
                state.status = Some("no other command in the history".into());
            }
        }
        _ => {}
    }
    Vec::new()
}

/// What Enter runs: the line as typed when it parses; else the highlighted
/// suggestion (`:exp` Enter exports as `:export` would ask); else why not.
pub fn chosen(state: &AppState, keymap: &KeyMap) -> Result<(String, Command), String> {
    let Some(command) = &state.command else {
        return Err(String::new());
    };
    let text = command.line.text().trim().to_string();
    match parse(&text) {
        Ok(parsed) => Ok((text, parsed)),
        Err(why) => {
            let offered = suggestions(state, keymap, &text);
            match offered.get(command.selected) {
                Some(s) if !text.is_empty() && s.text.trim() != text => {
                    parse(&s.text).map(|p| (s.text.trim().to_string(), p))
                }
                _ => Err(why),
            }
        }
    }
}

/// The command line on the bottom row, and its suggestions above it.
pub fn draw(
    frame: &mut Frame,
    screen: Rect,
    row: Rect,
    state: &AppState,
    theme: &Theme,
    keymap: &KeyMap,
) {
    let Some(command) = &state.command else {
        return;
    };
    let mut spans = vec![Span::styled(":", theme.title)];
    spans.extend(crate::tui::widgets::edited_line(&command.line, theme));
    spans.push(Span::styled(
        "   Tab completes · ↑↓ choose · Enter runs · Esc closes · C-p/C-n history",
        theme.dim,
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), row);
    let offered = suggestions(state, keymap, command.line.text());
    if offered.is_empty() {
        return;
    }
    let height = (offered.len() as u16).min(10) + 2;
    let width = screen.width.min(100);
    let top = row.y.saturating_sub(height);
    let popup = Rect::new(
        screen.x,
        top,
        width,
        height.min(row.y.saturating_sub(screen.y)),
    );
    if popup.height < 3 {
        return;
    }
    frame.render_widget(Clear, popup);
    let block = pane_block(format!(" {} command(s) ", offered.len()), true, theme);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let visible = inner.height as usize;
    let selected = command.selected.min(offered.len() - 1);
    let offset = selected.saturating_sub(visible.saturating_sub(1));
    let rows: Vec<Row> = offered
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, s)| {
            let row = Row::new(vec![
                cell(&s.text, 28),
                cell(&s.key, 10),
                cell(&s.about, (width as usize).saturating_sub(44)),
            ]);
            if i == selected {
                row.style(theme.selected)
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(28),
            Constraint::Length(10),
            Constraint::Min(10),
        ],
    );
    frame.render_widget(table, inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments_and_say_what_is_wrong() {
        assert_eq!(
            parse("export html"),
            Ok(Command::Export {
                format: ExportFormat::Html,
                file: None
            })
        );
        assert_eq!(
            parse(" export grype-ignore ignore.yaml "),
            Ok(Command::Export {
                format: ExportFormat::GrypeIgnore,
                file: Some("ignore.yaml".into())
            })
        );
        assert_eq!(
            parse("sort age"),
            Ok(Command::Sort {
                key: SortKey::Age,
                reverse: false
            })
        );
        assert_eq!(
            parse("sort due reverse"),
            Ok(Command::Sort {
                key: SortKey::Due,
                reverse: true
            })
        );
        assert_eq!(
            parse("group cve"),
            Ok(Command::Group(GroupBy::Vulnerability))
        );
        assert_eq!(
            parse("scan finance-tracker/backend"),
            Ok(Command::Scan("finance-tracker/backend".into()))
        );
        assert_eq!(parse("plan"), Ok(Command::Act(Action::OpenPlan)));
        assert_eq!(parse("undo"), Ok(Command::Act(Action::Undo)));
        assert_eq!(
            parse("toggle-resolved"),
            Ok(Command::Act(Action::ToggleResolved))
        );
        assert_eq!(
            parse("view save high-open"),
            Ok(Command::ViewSave("high-open".into()))
        );
        assert_eq!(
            parse("view high-open"),
            Ok(Command::ViewLoad("high-open".into()))
        );
        assert_eq!(
            parse("query sev:>=high pkg:openssl"),
            Ok(Command::Query("sev:>=high pkg:openssl".into()))
        );
        assert!(parse("export").unwrap_err().contains("needs a format"));
        assert!(parse("export pdf")
            .unwrap_err()
            .contains("no export format"));
        assert!(parse("sort colour").unwrap_err().contains("no sort key"));
        assert!(parse("view save ../etc")
            .unwrap_err()
            .contains("not a view name"));
        assert!(parse("dialog_confirm").unwrap_err().contains("no command"));
        assert!(parse("frobnicate").unwrap_err().contains("no command"));
    }
}
