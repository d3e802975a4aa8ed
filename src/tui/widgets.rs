//! Pieces every pane draws with: cells cut to fit (sanitised), popups,
//! pane borders, the selection style, and the cursor that keeps a
//! selection inside the visible window of a list.

use super::theme::Theme;
use crate::model::Severity;
use crate::sanitize::{sanitize_line, truncate_chars};
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear, Row};
use ratatui::Frame;

/// Cell text: one line, sanitised, cut to a sane length.
pub(crate) fn cell(text: &str, max: usize) -> String {
    truncate_chars(&sanitize_line(text), max).into_owned()
}

/// A message cut in the middle to `width` characters: its start (what
/// happened) and its end (a file name, what to do) stay. Unlike
/// `middle_cell`, no part is read as an image name: "postgres:15.4: not on
/// this engine" is never cut to "postgres".
pub(crate) fn message_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    let chars: Vec<char> = clean.chars().collect();
    if chars.len() <= width {
        return clean.into_owned();
    }
    let tail = width.saturating_sub(1) / 2;
    let head = width.saturating_sub(1 + tail);
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A name cut in its middle when it does not fit: its start and its last
/// path segment stay (`finance-…/backend:1.4.0`), so that names sharing a
/// start (`finance-tracker/backend`, `finance-tracker/frontend`) and names
/// sharing an end (`backend` of two projects) both stay apart. The image
/// tag goes before the start gets shorter than three characters.
pub(crate) fn middle_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    let chars: Vec<char> = clean.chars().collect();
    if chars.len() <= width {
        return clean.into_owned();
    }
    if width < 5 {
        return chars.iter().take(width).collect();
    }
    let last_slash = chars.iter().rposition(|c| *c == '/');
    let tagless_end = (last_slash.unwrap_or(0)..chars.len())
        .find(|i| chars[*i] == ':')
        .unwrap_or(chars.len());
    if last_slash.is_none() && tagless_end < chars.len() && tagless_end <= width {
        // An image without a path: its name without the tag.
        return chars[..tagless_end].iter().collect();
    }
    let joined = |head: usize, tail: &[char]| -> String {
        let mut out: String = chars[..head].iter().collect();
        out.push('…');
        out.extend(tail);
        out
    };
    if let Some(slash) = last_slash {
        for end in [chars.len(), tagless_end] {
            let tail = &chars[slash..end];
            if end < chars.len() && end <= width {
                // Without its tag the whole name fits.
                return chars[..end].iter().collect();
            }
            if tail.len() + 1 + 3 <= width {
                return joined(width - 1 - tail.len(), tail);
            }
        }
        // Too narrow for any of the start: the last segment tells names apart.
        let segment = &chars[slash + 1..tagless_end];
        if !segment.is_empty() && segment.len() < width {
            return joined(0, segment);
        }
    }
    let tail_len = (width - 1) / 2;
    joined(width - 1 - tail_len, &chars[chars.len() - tail_len..])
}

/// A short word cut at its end with a mark: `docker-…`.
pub(crate) fn end_cell(text: &str, width: usize) -> String {
    let clean = sanitize_line(text);
    if clean.chars().count() <= width || width < 2 {
        return truncate_chars(&clean, width).into_owned();
    }
    let mut out: String = clean.chars().take(width - 1).collect();
    out.push('…');
    out
}

pub(crate) fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
        Severity::Unknown => "UNKN",
    }
}

/// A centred popup, cleared, with a focused border, its title and its keys
/// along the bottom: `max_width` columns at most and `height` rows (the
/// screen less a margin when `None`). Returns where its content goes.
pub(crate) fn popup(
    frame: &mut Frame,
    area: Rect,
    max_width: u16,
    height: Option<u16>,
    title: String,
    keys: &'static str,
    theme: &Theme,
) -> Rect {
    let w = area.width.saturating_sub(4).min(max_width);
    let most = area.height.saturating_sub(2);
    let h = height.map_or(most, |h| h.min(most));
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title))
        .title_bottom(Span::styled(keys, theme.dim));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    inner
}

/// A table row in the selection style when it is the selected one.
pub(crate) fn highlight<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}

pub(crate) fn pane_block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Span::styled(
            title,
            if focused {
                theme.border_focused
            } else {
                theme.title
            },
        ))
}

/// A list cursor: the selected row and the first row shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// The list keys every overlay shares — down, up, a page, the top, the
    /// bottom — over `len` rows shown `height` at a time; `None` for any
    /// other action, which the overlay handles itself.
    pub fn navigated(
        self,
        action: super::action::Action,
        len: usize,
        height: usize,
    ) -> Option<Cursor> {
        use super::action::Action;
        let page = height.max(1) as isize;
        let all = len as isize;
        let delta = match action {
            Action::MoveDown => 1,
            Action::MoveUp => -1,
            Action::PageDown => page,
            Action::PageUp => -page,
            Action::GoTop => -all,
            Action::GoBottom => all,
            _ => return None,
        };
        Some(self.moved(delta, len, height))
    }

    /// Moves by `delta` within `len` rows and keeps the selection inside a
    /// window of `height` rows.
    pub fn moved(self, delta: isize, len: usize, height: usize) -> Cursor {
        let selected = if len == 0 {
            0
        } else {
            (self.selected as isize + delta).clamp(0, len as isize - 1) as usize
        };
        Cursor {
            selected,
            offset: self.offset,
        }
        .visible(len, height)
    }

    pub fn visible(self, len: usize, height: usize) -> Cursor {
        let height = height.max(1);
        let selected = self.selected.min(len.saturating_sub(1));
        let mut offset = self.offset.min(len.saturating_sub(1));
        if selected < offset {
            offset = selected;
        } else if selected >= offset + height {
            offset = selected + 1 - height;
        }
        Cursor { selected, offset }
    }
}

/// A line being edited: its text with the cursor on the character it
/// stands on, or a block after the end (the query and command lines).
pub(crate) fn edited_line(
    line: &super::line_edit::LineEdit,
    theme: &super::theme::Theme,
) -> Vec<ratatui::text::Span<'static>> {
    use ratatui::text::Span;
    let (before, after) = line.split();
    let mut spans = vec![Span::raw(cell(before, 200))];
    let mut rest = after.chars();
    match rest.next() {
        Some(c) => {
            spans.push(Span::styled(c.to_string(), theme.selected));
            spans.push(Span::raw(cell(rest.as_str(), 200)));
        }
        None => spans.push(Span::styled("█", theme.title)),
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_cut_in_the_middle_never_at_a_colon() {
        let m = "postgres:15.4: not on this Docker engine (its findings came from a report); pull or build it, then r";
        let cut = message_cell(m, 40);
        assert_eq!(cut.chars().count(), 40);
        assert!(
            cut.starts_with("postgres:15.4: not o") && cut.ends_with("or build it, then r"),
            "{cut}"
        );
        assert_eq!(message_cell("short: fits", 40), "short: fits");
    }

    #[test]
    fn names_are_cut_in_the_middle_keeping_their_last_segment() {
        let name = "finance-tracker/backend:1.4.0";
        assert_eq!(middle_cell(name, 30), name);
        assert_eq!(middle_cell(name, 23), "finance-…/backend:1.4.0");
        assert_eq!(middle_cell(name, 22), "finance…/backend:1.4.0");
        assert_eq!(
            middle_cell("finance-tracker/frontend:1.4.0", 20),
            "fina…/frontend:1.4.0"
        );
        assert_eq!(middle_cell("finance-tracker/frontend", 13), "fin…/frontend");
        assert_eq!(middle_cell("finance-tracker/backend", 13), "fina…/backend");
        assert_eq!(middle_cell("ghcr.io/acme/team/api:2", 12), "ghcr.…/api:2");
        assert_eq!(middle_cell("a-very-long-single-name", 9), "a-ve…name");
        assert_eq!(middle_cell("finance-tracker/backend", 10), "…backend");
        assert_eq!(
            middle_cell("finance-tracker/frontend:1.4.0", 10),
            "…frontend"
        );
        assert_eq!(middle_cell("postgres:15.4", 10), "postgres");
        assert_eq!(middle_cell("backend", 7), "backend");
        for width in 0..40 {
            let cut = middle_cell("finance-tracker/frontend:1.4.0", width);
            assert!(cut.chars().count() <= width, "{width}: {cut}");
        }
        assert_eq!(end_cell("docker-scout", 8), "docker-…");
        assert_eq!(end_cell("trivy", 8), "trivy");
    }
}
