//! One-line text fields as a shell user expects them (readline's keys):
//! `C-a`/`Home` and `C-e`/`End`, `C-b`/`C-f` and the arrows, `Alt-b`/`Alt-f`
//! by word, `C-u` and `C-k` cut to the start and the end, `C-w` and
//! `Alt-Backspace` cut a word, `C-d`/`Delete` delete forward. A prefilled
//! value is replaced by the first character typed; every character typed,
//! digits included, is text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A line of text with a cursor (a byte offset on a character boundary).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    cursor: usize,
    /// Still the proposed value: typing replaces it.
    pristine: bool,
}

impl LineEdit {
    /// A line holding `text`, the cursor at its end.
    pub fn new(text: &str) -> LineEdit {
        LineEdit {
            text: text.to_string(),
            cursor: text.len(),
            pristine: false,
        }
    }

    /// A proposed value: the first character typed replaces it.
    pub fn proposed(text: &str) -> LineEdit {
        LineEdit {
            pristine: !text.is_empty(),
            ..LineEdit::new(text)
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_proposed(&self) -> bool {
        self.pristine
    }

    /// The text before and after the cursor, for drawing.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.cursor)
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
        self.pristine = false;
    }

    fn prev_boundary(&self, at: usize) -> usize {
        self.text[..at]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self, at: usize) -> usize {
        self.text[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8())
    }

    /// Start of the word before `at` (words are runs of letters and digits).
    fn word_back(&self, at: usize) -> usize {
        let before: Vec<(usize, char)> = self.text[..at].char_indices().collect();
        let mut i = before.len();
        while i > 0 && !before[i - 1].1.is_alphanumeric() {
            i -= 1;
        }
        while i > 0 && before[i - 1].1.is_alphanumeric() {
            i -= 1;
        }
        before.get(i).map_or(at, |(b, _)| *b)
    }

    /// End of the word after `at`.
    fn word_forward(&self, at: usize) -> usize {
        let mut end = at;
        let mut chars = self.text[at..].chars().peekable();
        while let Some(c) = chars.peek().copied().filter(|c| !c.is_alphanumeric()) {
            end += c.len_utf8();
            chars.next();
        }
        while let Some(c) = chars.peek().copied().filter(|c| c.is_alphanumeric()) {
            end += c.len_utf8();
            chars.next();
        }
        end
    }

    /// Start of the whitespace-separated word before `at` (readline's `C-w`).
    fn blank_word_back(&self, at: usize) -> usize {
        let trimmed = self.text[..at].trim_end();
        trimmed.rfind(char::is_whitespace).map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        })
    }

    fn cut(&mut self, from: usize, to: usize) -> bool {
        if from >= to {
            return false;
        }
        self.text.replace_range(from..to, "");
        self.cursor = from;
        true
    }

    /// Applies a key; true when the text or the cursor changed.
    pub fn apply(&mut self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let was_proposed = std::mem::replace(&mut self.pristine, false);
        let len = self.text.len();
        match ev.code {
            KeyCode::Char(c) if ctrl => match c {
                'a' => self.move_to(0),
                'e' => self.move_to(len),
                'b' => self.move_to(self.prev_boundary(self.cursor)),
                'f' => self.move_to(self.next_boundary(self.cursor)),
                'u' => self.cut(0, self.cursor),
                'k' => self.cut(self.cursor, len),
                'w' => self.cut(self.blank_word_back(self.cursor), self.cursor),
                'd' => self.cut(self.cursor, self.next_boundary(self.cursor)),
                'h' => self.cut(self.prev_boundary(self.cursor), self.cursor),
                _ => {
                    self.pristine = was_proposed;
                    false
                }
            },
            KeyCode::Char(c) if alt => match c {
                'b' => self.move_to(self.word_back(self.cursor)),
                'f' => self.move_to(self.word_forward(self.cursor)),
                'd' => self.cut(self.cursor, self.word_forward(self.cursor)),
                // Other Alt chords are key chords that lost their Escape (tmux), not text.
                _ => {
                    self.pristine = was_proposed;
                    false
                }
            },
            KeyCode::Char(c) => {
                if was_proposed {
                    self.clear();
                }
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                true
            }
            KeyCode::Backspace if alt => self.cut(self.word_back(self.cursor), self.cursor),
            KeyCode::Backspace => self.cut(self.prev_boundary(self.cursor), self.cursor),
            KeyCode::Delete => self.cut(self.cursor, self.next_boundary(self.cursor)),
            KeyCode::Left if ctrl || alt => self.move_to(self.word_back(self.cursor)),
            KeyCode::Right if ctrl || alt => self.move_to(self.word_forward(self.cursor)),
            KeyCode::Left => self.move_to(self.prev_boundary(self.cursor)),
            KeyCode::Right => self.move_to(self.next_boundary(self.cursor)),
            KeyCode::Home => self.move_to(0),
            KeyCode::End => self.move_to(len),
            _ => {
                self.pristine = was_proposed;
                false
            }
        }
    }

    /// Inserts pasted text at the cursor (a bracketed paste arrives whole):
    /// line breaks and tabs become spaces and other control characters are
    /// dropped, so a paste can neither submit the line nor reach the
    /// terminal; at most `cap` characters are kept in the line.
    pub fn paste(&mut self, pasted: &str, cap: usize) -> bool {
        if std::mem::replace(&mut self.pristine, false) {
            self.clear();
        }
        let room = cap.saturating_sub(self.text.chars().count());
        let clean: String = pasted
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .take(room)
            .collect();
        if clean.is_empty() {
            return false;
        }
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
        true
    }

    fn move_to(&mut self, at: usize) -> bool {
        let moved = at != self.cursor;
        self.cursor = at;
        moved
    }
}

/// How many entries a line's history keeps.
pub const HISTORY: usize = 100;

/// Puts `text` at the end of `history` (once: an earlier copy moves down),
/// keeping the newest `HISTORY`.
pub fn remember(history: &mut Vec<String>, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    history.retain(|h| h != text);
    history.push(text.to_string());
    let over = history.len().saturating_sub(HISTORY);
    history.drain(..over);
}

/// Recalls an older (or newer) entry of `history` into `line`; `at` holds
/// the entry shown and the text typed before recalling, which comes back
/// past the newest. False when there is nothing else to show.
pub fn recall(
    history: &[String],
    at: &mut Option<(usize, String)>,
    line: &mut LineEdit,
    older: bool,
) -> bool {
    let n = history.len();
    let (shown, draft) = match at.take() {
        Some((i, draft)) => (Some(i), draft),
        None => (None, line.text().to_string()),
    };
    let next = match (shown, older) {
        (None, true) if n > 0 => Some(n - 1),
        (None, _) => None,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i + 1 < n => Some(i + 1),
        (Some(_), false) => None,
    };
    match (next, shown) {
        (Some(i), _) => {
            *line = LineEdit::new(&history[i]);
            *at = Some((i, draft));
            true
        }
        (None, None) => false,
        (None, Some(_)) => {
            *line = LineEdit::new(&draft);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_recalls_older_and_newer_entries_then_the_draft() {
        let mut history = Vec::new();
        for q in ["sev:critical", "pkg:openssl", " sev:critical ", ""] {
            remember(&mut history, q);
        }
        assert_eq!(history, ["pkg:openssl", "sev:critical"]);
        let mut line = LineEdit::new("image:web");
        let mut at = None;
        assert!(recall(&history, &mut at, &mut line, true));
        assert_eq!(line.text(), "sev:critical");
        assert!(recall(&history, &mut at, &mut line, true));
        assert_eq!(line.text(), "pkg:openssl");
        assert!(
            recall(&history, &mut at, &mut line, true),
            "stays at the oldest"
        );
        assert_eq!(line.text(), "pkg:openssl");
        assert!(recall(&history, &mut at, &mut line, false));
        assert_eq!(line.text(), "sev:critical");
        assert!(recall(&history, &mut at, &mut line, false));
        assert_eq!(line.text(), "image:web", "the draft comes back");
        assert_eq!(at, None);
        assert!(!recall(&history, &mut at, &mut line, false));
        for n in 0..150 {
            remember(&mut history, &format!("id:{n}"));
        }
        assert_eq!(history.len(), HISTORY);
        assert_eq!(history.last().map(String::as_str), Some("id:149"));
    }

    #[test]
    fn a_paste_lands_at_the_cursor_on_one_line_without_control_characters() {
        let mut line = LineEdit::new("sev:high ");
        line.apply(&key(KeyCode::Home, KeyModifiers::NONE));
        assert!(line.paste("pkg:openssl\r\n\u{1b}[2Jimage:\tweb ", 100));
        assert_eq!(line.text(), "pkg:openssl  [2Jimage: web sev:high ");
        assert_eq!(line.split().0, "pkg:openssl  [2Jimage: web ");
        let mut capped = LineEdit::proposed("replaced");
        assert!(capped.paste("abcdef", 4));
        assert_eq!(
            capped.text(),
            "abcd",
            "a proposal is replaced, the cap kept"
        );
        assert!(!capped.paste("more", 4));
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn typed(line: &mut LineEdit, text: &str) {
        for c in text.chars() {
            line.apply(&key(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    fn ctrl(line: &mut LineEdit, c: char) {
        line.apply(&key(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    fn alt(line: &mut LineEdit, c: char) {
        line.apply(&key(KeyCode::Char(c), KeyModifiers::ALT));
    }

    #[test]
    fn a_proposed_value_is_replaced_by_typing_and_kept_by_moving() {
        let mut line = LineEdit::proposed("30d");
        typed(&mut line, "14d");
        assert_eq!(line.text(), "14d");
        let mut line = LineEdit::proposed("fixed");
        line.apply(&key(KeyCode::End, KeyModifiers::NONE));
        typed(&mut line, " in 1.2");
        assert_eq!(
            line.text(),
            "fixed in 1.2",
            "moving first keeps the proposal"
        );
    }

    #[test]
    fn readline_keys() {
        let mut line = LineEdit::new("bump openssl to 3.0.9");
        ctrl(&mut line, 'w');
        assert_eq!(line.text(), "bump openssl to ");
        ctrl(&mut line, 'a');
        typed(&mut line, "> ");
        assert_eq!(line.text(), "> bump openssl to ");
        ctrl(&mut line, 'e');
        typed(&mut line, "3.1");
        alt(&mut line, 'b');
        alt(&mut line, 'b');
        assert_eq!(line.split().1, "3.1");
        alt(&mut line, 'f');
        assert_eq!(line.split().0, "> bump openssl to 3");
        ctrl(&mut line, 'k');
        assert_eq!(line.text(), "> bump openssl to 3");
        ctrl(&mut line, 'u');
        assert_eq!(line.text(), "");
        typed(&mut line, "2026-12-15");
        assert_eq!(line.text(), "2026-12-15", "digits are text");
        line.apply(&key(KeyCode::Left, KeyModifiers::NONE));
        line.apply(&key(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(line.text(), "2026-12-5");
        typed(&mut line, "é");
        assert_eq!(line.text(), "2026-12-é5");
        line.apply(&key(KeyCode::Backspace, KeyModifiers::ALT));
        assert_eq!(line.split(), ("2026-12-", "5"));
        alt(&mut line, 'x');
        assert_eq!(line.text(), "2026-12-5", "other Alt chords are not text");
    }
}
