//! The one sanitiser every text output path uses (table, CSV, JSON, errors,
//! logs, the terminal UI). Report text is attacker-controlled: escape
//! sequences are removed, and every other control or invisible character is
//! replaced by a visible `\u{…}` so that nothing is silently hidden.

use std::borrow::Cow;

/// How line breaks are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Multi-line text (descriptions): `\n` and `\r\n` are kept as `\n`, tabs become spaces.
    Block,
    /// One line (table cells, one-line errors): line breaks and tabs become spaces.
    Line,
}

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';

/// Multi-line sanitising: keeps line breaks.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    sanitize_with(text, Mode::Block)
}

/// Single-line sanitising: for table cells and one-line messages.
pub fn sanitize_line(text: &str) -> Cow<'_, str> {
    sanitize_with(text, Mode::Line)
}

/// Sanitises every string (keys included) of a JSON document in place, for
/// the documents scandeck writes: exports and committed files.
pub fn sanitize_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(clean) = sanitize(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sanitize_json),
        Value::Object(map) => {
            let dirty: Vec<String> = map
                .keys()
                .filter(|k| matches!(sanitize_line(k), Cow::Owned(_)))
                .cloned()
                .collect();
            for key in dirty {
                if let Some(v) = map.remove(&key) {
                    map.insert(sanitize_line(&key).into_owned(), v);
                }
            }
            map.values_mut().for_each(sanitize_json);
        }
        _ => {}
    }
}

pub fn sanitize_with(text: &str, mode: Mode) -> Cow<'_, str> {
    if is_plain(text, mode) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ESC => match escape_sequence_len(&chars[i..]) {
                Some(len) => i += len,
                None => {
                    push_visible(&mut out, c);
                    i += 1;
                }
            },
            '\r' if chars.get(i + 1) == Some(&'\n') => {
                push_newline(&mut out, mode);
                i += 2;
            }
            '\n' => {
                push_newline(&mut out, mode);
                i += 1;
            }
            '\t' => {
                out.push_str(if mode == Mode::Block { "    " } else { " " });
                i += 1;
            }
            c if is_forbidden(c) => {
                push_visible(&mut out, c);
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

fn push_newline(out: &mut String, mode: Mode) {
    out.push(if mode == Mode::Block { '\n' } else { ' ' });
}

fn push_visible(out: &mut String, c: char) {
    out.push_str(&format!("\\u{{{:x}}}", c as u32));
}

/// True when sanitising would change nothing. Pages of advisory text pass
/// through here for every finding written, so the common case (ASCII) is
/// checked a block at a time without stopping early inside a block, which
/// the compiler turns into vector instructions.
fn is_plain(text: &str, mode: Mode) -> bool {
    let newline_ok = mode == Mode::Block;
    let ascii_plain = text.as_bytes().chunks(64).all(|block| {
        !block.iter().fold(false, |bad, &b| {
            bad | ((b < 0x20 && !(newline_ok && b == b'\n')) | (b >= 0x7f))
        })
    });
    ascii_plain
        || text
            .chars()
            .all(|c| (newline_ok && c == '\n') || (!is_forbidden(c) && c != ESC))
}

/// True for every code point that must never reach a terminal or export as is.
pub fn is_forbidden(c: char) -> bool {
    let cp = c as u32;
    cp < 0x20
        || (0x7f..=0x9f).contains(&cp)
        || cp == 0x00ad
        || cp == 0x061c
        || cp == 0x180e
        || matches!(cp, 0x200b | 0x200c | 0x200e | 0x200f)
        || (0x2028..=0x202e).contains(&cp)
        || (0x2060..=0x206f).contains(&cp)
        || cp == 0xfeff
        || (0xfff9..=0xfffb).contains(&cp)
        || (0xe0000..=0xe007f).contains(&cp)
}

/// Length of a complete escape sequence starting at `chars[0] == ESC`, or
/// `None` when it is not one (the ESC is then shown escaped).
fn escape_sequence_len(chars: &[char]) -> Option<usize> {
    let intro = *chars.get(1)?;
    match intro {
        '[' => {
            // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E.
            let mut j = 2;
            while j < chars.len() && ('\u{30}'..='\u{3f}').contains(&chars[j]) {
                j += 1;
            }
            while j < chars.len() && ('\u{20}'..='\u{2f}').contains(&chars[j]) {
                j += 1;
            }
            match chars.get(j) {
                Some(f) if ('\u{40}'..='\u{7e}').contains(f) => Some(j + 1),
                _ => None,
            }
        }
        ']' | 'P' | '_' | '^' | 'X' => {
            // String sequences end at BEL or ST (ESC \).
            let mut j = 2;
            while j < chars.len() {
                if chars[j] == BEL {
                    return Some(j + 1);
                }
                if chars[j] == ESC && chars.get(j + 1) == Some(&'\\') {
                    return Some(j + 2);
                }
                j += 1;
            }
            None
        }
        // Two-character sequences (ESC c, ESC 7, ESC ( B ...).
        '(' | ')' | '*' | '+' | '#' | '%' => match chars.get(2) {
            Some(c) if ('\u{20}'..='\u{7e}').contains(c) => Some(3),
            _ => None,
        },
        c if ('\u{30}'..='\u{7e}').contains(&c) => Some(2),
        _ => None,
    }
}

/// Cuts to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) if max == 0 => Cow::Borrowed(""),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(max - 1)
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..cut]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strips_csi_and_osc() {
        assert_eq!(sanitize_line("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(sanitize_line("x\u{1b}]0;PWNED\u{7}y"), "xy");
        assert_eq!(sanitize_line("x\u{1b}]52;c;SGVsbG8=\u{1b}\\y"), "xy");
        assert_eq!(
            sanitize_line("x\u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7}"),
            "xlink"
        );
        assert_eq!(sanitize_line("a\u{1b}Pq#0\u{1b}\\b"), "ab");
    }

    #[test]
    fn makes_other_controls_visible() {
        assert_eq!(sanitize_line("safe\rEVIL"), "safe\\u{d}EVIL");
        assert_eq!(sanitize_line("bell\u{7}"), "bell\\u{7}");
        assert_eq!(sanitize_line("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(
            sanitize_line("invoice\u{202e}gpj.exe"),
            "invoice\\u{202e}gpj.exe"
        );
        assert_eq!(sanitize_line("tag\u{e0041}"), "tag\\u{e0041}");
        assert_eq!(sanitize_line("lone \u{1b}"), "lone \\u{1b}");
    }

    #[test]
    fn keeps_meaningful_line_breaks_in_block_mode() {
        assert_eq!(sanitize("one\r\ntwo\nthree"), "one\ntwo\nthree");
        assert_eq!(sanitize_line("one\r\ntwo\nthree"), "one two three");
        assert_eq!(sanitize("a\tb"), "a    b");
    }

    #[test]
    fn keeps_ordinary_unicode_and_zwj() {
        let s = "Let’s café 👩\u{200d}💻 日本";
        assert_eq!(sanitize_line(s), s);
    }

    #[test]
    fn truncates_by_chars() {
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("abc", 4), "abc");
        assert_eq!(truncate_chars("äöüß", 2), "ä…");
    }

    fn assert_clean(out: &str, mode: Mode) {
        for c in out.chars() {
            let allowed_newline = c == '\n' && mode == Mode::Block;
            assert!(
                allowed_newline || !is_forbidden(c),
                "forbidden {:?} in {:?}",
                c,
                out
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("SCANDECK_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
        ))]

        #[test]
        fn never_outputs_forbidden_and_is_idempotent(s in any::<String>()) {
            for mode in [Mode::Block, Mode::Line] {
                let once = sanitize_with(&s, mode).into_owned();
                assert_clean(&once, mode);
                let twice = sanitize_with(&once, mode).into_owned();
                prop_assert_eq!(&once, &twice);
            }
        }

        #[test]
        fn hostile_mixes_are_clean(parts in proptest::collection::vec(prop_oneof![
            Just("\u{1b}[".to_string()), Just("\u{1b}]".to_string()), Just("\u{7}".to_string()),
            Just("\u{1b}\\".to_string()), Just("\u{9b}".to_string()), Just("\r".to_string()),
            Just("\u{202e}".to_string()), Just("31m".to_string()), Just("x".to_string()),
            Just("\n".to_string()), Just("\u{1b}".to_string()), Just("P".to_string()),
        ], 0..40)) {
            let s: String = parts.concat();
            for mode in [Mode::Block, Mode::Line] {
                let once = sanitize_with(&s, mode).into_owned();
                assert_clean(&once, mode);
                prop_assert_eq!(sanitize_with(&once, mode).into_owned(), once);
            }
        }
    }
}
