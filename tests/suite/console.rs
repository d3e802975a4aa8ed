//! The console without a terminal: the reducer driven message by message,
//! screens rendered with ratatui's TestBackend (insta snapshots), and a
//! hostile-text corpus rendered through the real crossterm backend.

use crate::common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::Terminal;
use scandeck::tui::action::Action;
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::{Effect, Msg};
use scandeck::tui::state::{AppState, Pane};
use scandeck::tui::theme::Theme;
use scandeck::tui::update::update;

/// Runs `msg` and carries out searches synchronously, as the matcher thread would.
fn drive(state: &mut AppState, keymap: &KeyMap, msg: Msg) -> Vec<Effect> {
    let mut pending = vec![msg];
    let mut others = Vec::new();
    while let Some(m) = pending.pop() {
        for effect in update(state, keymap, m) {
            match effect {
                Effect::Save(change) => {
                    // As the runtime does, but on the in-memory file: apply, then report back.
                    let mut file = state.data.as_ref().unwrap().view.triage.clone();
                    let stamp = scandeck::triage::engine::Stamp {
                        who: "Tess Tester <tess@example.com>",
                        now: common::fixed_now(),
                    };
                    let (summary, undo) = change.apply(&mut file, stamp);
                    pending.push(Msg::Saved(Ok((file, summary, undo))));
                }
                Effect::Search(req) => pending.push(common::search_done(req)),
                other => others.push(other),
            }
        }
    }
    others
}

fn demo_state(size: (u16, u16)) -> (AppState, KeyMap) {
    let keymap = KeyMap::defaults();
    let mut state = common::state_at("demo workspace", size);
    state.now = common::fixed_now();
    state.actor = "Tess Tester <tess@example.com>".into();
    let data = Data::build(common::demo_current(), common::fixed_now());
    drive(&mut state, &keymap, Msg::Loaded(Box::new(data)));
    (state, keymap)
}

fn key(state: &mut AppState, keymap: &KeyMap, code: KeyCode) -> Vec<Effect> {
    drive(
        state,
        keymap,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
    )
}

fn ctrl(state: &mut AppState, keymap: &KeyMap, c: char) -> Vec<Effect> {
    drive(
        state,
        keymap,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn typed(state: &mut AppState, keymap: &KeyMap, text: &str) {
    for c in text.chars() {
        key(state, keymap, KeyCode::Char(c));
    }
}

fn shown_ids(state: &AppState) -> Vec<String> {
    let data = state.data.as_ref().unwrap();
    state
        .visible
        .iter()
        .map(|i| data.view.findings[*i as usize].id.clone())
        .collect()
}

fn render(state: &AppState, theme: &Theme, keymap: &KeyMap) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    term.draw(|f| scandeck::tui::ui::draw(f, state, theme, keymap))
        .unwrap();
    term
}

fn screen(state: &AppState, theme: &Theme, keymap: &KeyMap) -> String {
    let term = render(state, theme, keymap);
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

// ---------- reducer ----------

#[test]
fn typing_a_query_narrows_live_and_escape_restores() {
    let (mut s, km) = demo_state((120, 40));
    let all = s.visible.len();
    assert_eq!(all, 45);
    key(&mut s, &km, KeyCode::Char('/'));
    assert!(s.editing.is_some());
    typed(&mut s, &km, "werkzeug");
    assert!(
        shown_ids(&s).iter().all(|id| [
            "CVE-2023-25577",
            "CVE-2024-34069",
            "PYSEC-2023-58",
            "GHSA-2g68-c3qc-8985"
        ]
        .contains(&id.as_str())),
        "{:?}",
        shown_ids(&s)
    );
    assert_eq!(s.visible.len(), 4);
    key(&mut s, &km, KeyCode::Esc);
    assert!(s.editing.is_none());
    assert_eq!(
        s.visible.len(),
        all,
        "Esc in the query line restores the previous query"
    );
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "sev:critical !pkg:libcurl");
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(s.query_text, "sev:critical !pkg:libcurl");
    assert_eq!(s.visible.len(), 5);
    key(&mut s, &km, KeyCode::Esc);
    assert_eq!(
        s.visible.len(),
        all,
        "Esc outside the line clears the query"
    );
}

#[test]
fn structured_terms_and_id_substrings() {
    let (mut s, km) = demo_state((120, 40));
    let mut query = |q: &str| {
        key(&mut s, &km, KeyCode::Char('/'));
        ctrl(&mut s, &km, 'u');
        typed(&mut s, &km, q);
        key(&mut s, &km, KeyCode::Enter);
        shown_ids(&s)
    };
    assert_eq!(query("kind:secret").len(), 2);
    assert!(query("src:grype").len() == 8);
    assert_eq!(query("image:postgres fix:no").len(), 2);
    assert_eq!(
        query("CVE-2024-5535"),
        vec!["CVE-2024-5535", "CVE-2024-5535"]
    );
    assert_eq!(
        query("2024-55"),
        vec!["CVE-2024-5535", "CVE-2024-5535"],
        "id-like words are substrings, not fuzzy"
    );
    assert_eq!(
        query("status:overdue").len(),
        6,
        "criticals are due at once; highs have 7 days from 2026-11-18"
    );
    assert!(query("sev:>=high").iter().len() == 25);
    query("sev:>=high");
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, " sev:");
    let last_good = s.visible.clone();
    typed(&mut s, &km, "bogus");
    assert!(
        s.query_error
            .as_deref()
            .unwrap_or("")
            .contains("unknown severity"),
        "{:?}",
        s.query_error
    );
    assert_eq!(
        s.visible, last_good,
        "a bad term keeps the last good results"
    );
}

#[test]
fn minimum_severity_quick_keys_and_target_selection() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('>'));
    key(&mut s, &km, KeyCode::Char('>'));
    key(&mut s, &km, KeyCode::Char('>'));
    assert_eq!(s.min_severity, Some(scandeck::model::Severity::High));
    assert_eq!(s.visible.len(), 25);
    key(&mut s, &km, KeyCode::Char('<'));
    assert_eq!(s.visible.len(), 35);
    key(&mut s, &km, KeyCode::Char('1'));
    assert_eq!(s.focus, Pane::Targets);
    key(&mut s, &km, KeyCode::Char('j'));
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(s.focus, Pane::Findings);
    let data = s.data.as_ref().unwrap();
    let target = data.targets[0].name.clone();
    assert!(s
        .visible
        .iter()
        .all(|i| data.view.findings[*i as usize].display_target() == target));
    key(&mut s, &km, KeyCode::Esc);
    assert_eq!(
        s.min_severity,
        Some(scandeck::model::Severity::Medium),
        "Esc clears the target first"
    );
}

#[test]
fn sorting_cycles_and_reverses_on_precomputed_keys() {
    let (mut s, km) = demo_state((120, 40));
    let sev: Vec<_> = s
        .visible
        .iter()
        .map(|i| s.data.as_ref().unwrap().view.findings[*i as usize].severity)
        .collect();
    assert!(
        sev.windows(2).all(|w| w[0] >= w[1]),
        "severity first by default"
    );
    key(&mut s, &km, KeyCode::Char('s'));
    let ids = shown_ids(&s);
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| scandeck::query::order::natural_cmp(a, b));
    assert_eq!(ids, sorted, "sorted by id");
    drive(
        &mut s,
        &km,
        Msg::Key(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT)),
    );
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert_eq!(shown_ids(&s), reversed);
    for _ in 0..5 {
        key(&mut s, &km, KeyCode::Char('s'));
    }
    assert_eq!(
        s.sort,
        scandeck::query::SortKey::Severity,
        "the cycle comes back round"
    );
}

#[test]
fn navigation_keys_and_chords() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('j'));
    key(&mut s, &km, KeyCode::Down);
    assert_eq!(s.findings.selected, 2);
    key(&mut s, &km, KeyCode::Char('G'));
    assert_eq!(s.findings.selected, 44);
    assert!(s.findings.offset > 0, "the window follows the selection");
    key(&mut s, &km, KeyCode::Char('g'));
    assert!(!s.pending_keys.is_empty(), "g waits for the second key");
    key(&mut s, &km, KeyCode::Char('g'));
    assert_eq!(s.findings.selected, 0);
    ctrl(&mut s, &km, 'd');
    assert!(s.findings.selected > 5);
    ctrl(&mut s, &km, 'u');
    assert_eq!(s.findings.selected, 0);
    key(&mut s, &km, KeyCode::PageDown);
    assert!(s.findings.selected > 10);
    key(&mut s, &km, KeyCode::Tab);
    assert_eq!(s.focus, Pane::Detail);
    drive(
        &mut s,
        &km,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(s.focus, Pane::Findings);
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(s.focus, Pane::Detail);
    key(&mut s, &km, KeyCode::Char('j'));
    assert_eq!(s.detail_scroll, 1, "keys act on the focused pane");
    key(&mut s, &km, KeyCode::Char('4'));
    assert_eq!(s.focus, Pane::Tasks);
}

#[test]
fn selection_survives_new_results() {
    let (mut s, km) = demo_state((120, 40));
    for _ in 0..7 {
        key(&mut s, &km, KeyCode::Char('j'));
    }
    let chosen = s.selected_finding();
    key(&mut s, &km, KeyCode::Char('>'));
    assert_eq!(
        s.selected_finding(),
        chosen,
        "the selected finding stays selected when it is still shown"
    );
}

#[test]
fn stale_search_results_are_dropped() {
    let (mut s, km) = demo_state((120, 40));
    let before = s.visible.clone();
    s.generation += 2;
    let older = s.generation - 1;
    update(
        &mut s,
        &km,
        Msg::SearchDone {
            generation: older,
            rows: vec![0],
        },
    );
    assert_eq!(
        s.visible, before,
        "an older generation never replaces newer intent"
    );
}

#[test]
fn help_palette_filters_and_runs() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('?'));
    assert!(s.help.is_some());
    // The filter is a text field like any other: mended in the middle.
    typed(&mut s, &km, "sort revers");
    for _ in 0.."revers".len() {
        key(&mut s, &km, KeyCode::Left);
    }
    key(&mut s, &km, KeyCode::Backspace);
    typed(&mut s, &km, "x");
    assert_eq!(s.help.as_ref().unwrap().filter.text(), "sortxrevers");
    drive(
        &mut s,
        &km,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typed(&mut s, &km, "sort ");
    key(&mut s, &km, KeyCode::End);
    typed(&mut s, &km, "e");
    assert_eq!(s.help.as_ref().unwrap().filter.text(), "sort reverse");
    key(&mut s, &km, KeyCode::Enter);
    assert!(s.help.is_none());
    assert!(s.reverse, "Enter ran the chosen action");
    drive(
        &mut s,
        &km,
        Msg::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)),
    );
    assert!(s.help.is_some());
    key(&mut s, &km, KeyCode::Esc);
    assert!(s.help.is_none(), "Esc closes the popup first");
}

#[test]
fn copy_mouse_quit_and_suspend_are_effects() {
    let (mut s, km) = demo_state((120, 40));
    let effects = key(&mut s, &km, KeyCode::Char('y'));
    assert!(
        matches!(&effects[..], [Effect::Copy(id)] if id == "CVE-2023-24538"),
        "{effects:?}"
    );
    let effects = key(&mut s, &km, KeyCode::Char('m'));
    assert!(matches!(effects[..], [Effect::SetMouse(true)]));
    let table = s.areas().findings;
    drive(
        &mut s,
        &km,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: table.x + 5,
            row: table.y + 2 + 3,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(s.findings.selected, 3, "a click selects the row under it");
    drive(
        &mut s,
        &km,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: table.x + 5,
            row: table.y + 4,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(s.findings.selected, 6, "the wheel scrolls");
    assert!(matches!(ctrl(&mut s, &km, 'z')[..], [Effect::Suspend]));
    assert!(matches!(
        key(&mut s, &km, KeyCode::Char('q'))[..],
        [Effect::Quit]
    ));
    assert!(s.quitting);
}

#[test]
fn keys_while_loading_do_not_panic() {
    let km = KeyMap::defaults();
    let mut s = common::state_at("ws", (80, 24));
    for code in [
        KeyCode::Char('j'),
        KeyCode::Char('/'),
        KeyCode::Char('x'),
        KeyCode::Enter,
        KeyCode::Char('G'),
        KeyCode::Char('y'),
        KeyCode::Char('s'),
    ] {
        key(&mut s, &km, code);
    }
    let text = screen(&s, &Theme::default_ansi(), &km);
    assert!(text.contains("Loading"), "{text}");
    assert!(!s.quitting);
    assert_eq!(drive(&mut s, &km, Msg::Action(Action::Quit)).len(), 1);
}

// ---------- snapshots ----------

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

#[test]
fn snapshot_demo_workspace() {
    for size in SIZES {
        let (s, km) = demo_state(size);
        insta::assert_snapshot!(
            format!("demo_{}x{}", size.0, size.1),
            screen(&s, &Theme::default_ansi(), &km)
        );
    }
}

#[test]
fn snapshot_empty_workspace() {
    for size in SIZES {
        let km = KeyMap::defaults();
        let mut s = common::state_at("empty workspace", size);
        drive(&mut s, &km, Msg::Loaded(Box::new(Data::empty())));
        insta::assert_snapshot!(
            format!("empty_{}x{}", size.0, size.1),
            screen(&s, &Theme::default_ansi(), &km)
        );
    }
}

#[test]
fn snapshot_active_filter() {
    for size in SIZES {
        let (mut s, km) = demo_state(size);
        key(&mut s, &km, KeyCode::Char('/'));
        typed(&mut s, &km, "sev:>=high openssl");
        insta::assert_snapshot!(
            format!("filter_{}x{}", size.0, size.1),
            screen(&s, &Theme::default_ansi(), &km)
        );
    }
}

#[test]
fn snapshot_help_popup() {
    for size in SIZES {
        let (mut s, km) = demo_state(size);
        key(&mut s, &km, KeyCode::Char('?'));
        insta::assert_snapshot!(
            format!("help_{}x{}", size.0, size.1),
            screen(&s, &Theme::default_ansi(), &km)
        );
    }
}

fn hostile_data() -> Data {
    let mut current = common::demo_current();
    let f = &mut current.findings[0];
    let mut details = (*f.details).clone();
    details.title = Some("Title \u{1b}]0;PWNED\u{7} with \u{202e}reversed\u{202c} text".into());
    details.description = Some(format!(
        "Line one \u{1b}[2J\u{1b}[H cleared?\r\nSecond line with OSC 8 \u{1b}]8;;http://evil.example\u{7}link\u{1b}]8;;\u{7} and bell \u{7}\u{7}.\n\tTabbed \u{9b}31m C1 CSI and tag chars \u{e0041}\u{e0042}.\n{}",
        "very long line ".repeat(80)
    ));
    f.details = std::sync::Arc::new(details);
    f.id = "CVE-2024-\u{1b}[31m0001\u{1b}[0m".into();
    Data::build(current, common::fixed_now())
}

#[test]
fn snapshot_detail_of_a_hostile_description() {
    for size in SIZES {
        let km = KeyMap::defaults();
        let mut s = common::state_at("hostile", size);
        drive(&mut s, &km, Msg::Loaded(Box::new(hostile_data())));
        key(&mut s, &km, KeyCode::Char('/'));
        typed(&mut s, &km, "sev:critical pkg:libssl3");
        key(&mut s, &km, KeyCode::Enter);
        assert_eq!(s.visible.len(), 1);
        key(&mut s, &km, KeyCode::Enter);
        let text = screen(&s, &Theme::default_ansi(), &km);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
        assert!(
            text.contains("\\u{202e}reversed") && !text.contains("PWNED"),
            "sequences removed, bidi shown:\n{text}"
        );
        insta::assert_snapshot!(format!("hostile_detail_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn snapshot_each_theme() {
    for name in scandeck::tui::theme::THEME_NAMES {
        let theme = Theme::by_name(name).unwrap();
        let (s, km) = demo_state((80, 24));
        let term = render(&s, &theme, &km);
        let buf = term.backend().buffer();
        // Styles of the header's severity counts and the first table rows, per theme.
        let mut styles = String::new();
        for (x, y) in [(1u16, 1u16), (8, 1), (40, 4), (40, 5), (40, 12), (1, 3)] {
            let c = &buf[(x, y)];
            styles.push_str(&format!(
                "({x},{y}) {:?} fg={:?} bg={:?} mods={:?}\n",
                c.symbol(),
                c.fg,
                c.bg,
                c.modifier
            ));
        }
        insta::assert_snapshot!(
            format!("theme_{name}"),
            format!("{}\n{styles}", screen(&s, &theme, &km))
        );
    }
}

#[test]
fn snapshot_custom_keymap_in_footer() {
    let mut km = KeyMap::defaults();
    km.apply_user(
        "keymap.toml",
        "[findings]\n\"J\" = \"move_down\"\n\"j\" = \"none\"\n\"<C-f>\" = \"page_down\"\n\"F\" = \"mark_fixed\"\n\"f\" = \"none\"\n",
    );
    assert!(km.problems.is_empty(), "{:?}", km.problems);
    let mut s = common::state_at("custom keys", (200, 40));
    drive(
        &mut s,
        &km,
        Msg::Loaded(Box::new(Data::build(
            common::demo_current(),
            common::fixed_now(),
        ))),
    );
    let text = screen(&s, &Theme::default_ansi(), &km);
    let footer = text.lines().nth(39).unwrap().to_string();
    // The footer shows the verbs under the keys the user gave them.
    assert!(
        footer.contains("F fixed") && !footer.contains("f fixed") && footer.contains("z snooze"),
        "{footer}"
    );
    insta::assert_snapshot!("custom_keymap_footer", footer);
}

#[test]
fn footer_hints_fit_80x24_and_160x45_with_the_default_and_a_remapped_key_map() {
    let mut remapped = KeyMap::defaults();
    remapped.apply_user(
        "keymap.toml",
        "[global]\n\"F\" = \"mark_fixed\"\n\"f\" = \"none\"\n\"<C-s>\" = \"snooze\"\n\"z\" = \"none\"\n",
    );
    assert!(remapped.problems.is_empty(), "{:?}", remapped.problems);
    let defaults = KeyMap::defaults();
    let mut footers = Vec::new();
    for (name, km) in [("default", &defaults), ("remapped", &remapped)] {
        for size in [(80, 24), (160, 45)] {
            let mut s = common::state_at("footer", size);
            drive(
                &mut s,
                km,
                Msg::Loaded(Box::new(Data::build(
                    common::demo_current(),
                    common::fixed_now(),
                ))),
            );
            let text = screen(&s, &Theme::default_ansi(), km);
            let footer = text.lines().last().unwrap_or_default().to_string();
            assert!(
                unicode_width::UnicodeWidthStr::width(footer.as_str()) <= size.0 as usize,
                "{footer}"
            );
            let fixed = if name == "default" {
                "f fixed"
            } else {
                "F fixed"
            };
            assert!(
                footer.contains(fixed)
                    && footer.contains("snooze")
                    && footer.contains("Z undo")
                    && footer.ends_with("? help"),
                "{name} {size:?}: {footer}"
            );
            if name == "remapped" {
                assert!(
                    !footer.contains("f fixed") && !footer.contains("z snooze"),
                    "{footer}"
                );
            }
            footers.push(format!("{name} {}x{}: {footer}", size.0, size.1));
        }
    }
    insta::assert_snapshot!("footer_hints", footers.join("\n"));
}

// ---------- hostile text through the real terminal backend ----------

/// A writer whose bytes the test can take after each frame.
#[derive(Clone, Default)]
struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// At least 200 hostile strings: every C0 and C1 control, escape sequences of
/// every family, bidi and tag characters, long lines.
fn hostile_corpus() -> Vec<String> {
    let mut out = Vec::new();
    for c in (0u32..0x20).chain(0x7f..0xa0) {
        out.push(format!("ctl {} here", char::from_u32(c).unwrap()));
    }
    for seq in [
        "\u{1b}[2J",
        "\u{1b}[H",
        "\u{1b}[31m",
        "\u{1b}[0m",
        "\u{1b}[?1049l",
        "\u{1b}[6n",
        "\u{1b}[21t",
        "\u{1b}]0;title\u{7}",
        "\u{1b}]2;title\u{1b}\\",
        "\u{1b}]8;;http://evil\u{7}x\u{1b}]8;;\u{7}",
        "\u{1b}]52;c;SGVsbG8=\u{7}",
        "\u{1b}]52;c;?\u{7}",
        "\u{1b}]1337;File=name=x:AAAA\u{7}",
        "\u{1b}P+q544e\u{1b}\\",
        "\u{1b}_APC\u{1b}\\",
        "\u{1b}^PM\u{1b}\\",
        "\u{1b}XSOS\u{1b}\\",
        "\u{9b}31m",
        "\u{9d}0;x\u{9c}",
        "\u{90}dcs\u{9c}",
        "\u{1b}c",
        "\u{1b}7\u{1b}8",
        "\u{1b}(0",
        "\u{1b}#8",
        "\u{1b}[?25l",
        "\u{1b}[1000h",
        "\u{1b}[?2004h",
        "\u{1b}[>4;1m",
        "\u{1b}]10;?\u{7}",
        "\u{1b}]11;?\u{7}",
        "\u{1b}]4;1;?\u{7}",
    ] {
        for wrap in ["{}", "a{}b", "{}{}", "\u{1b}{}", "{}\u{7}"] {
            out.push(wrap.replace("{}", seq));
        }
    }
    for c in [
        0x061c, 0x200b, 0x200c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066,
        0x2067, 0x2068, 0x2069, 0x2028, 0x2029, 0x2060, 0xfeff, 0xfff9, 0xe0001, 0xe0041, 0xe007f,
        0x00ad,
    ] {
        out.push(format!("invoice{}gpj.exe", char::from_u32(c).unwrap()));
    }
    out.push("x".repeat(10_000));
    out.push("\u{1b}[".repeat(2_000));
    out.push("é\u{301}👩\u{200d}💻 日本語 \u{1b}[31mred".into());
    out
}

/// Escape sequences a ratatui frame legitimately contains: CSI with digits
/// and `;` ending in a cursor/SGR letter, and the `?`-private modes of
/// synchronized output and cursor visibility. Anything else is injection.
fn scan_for_foreign_sequences(bytes: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\u{1b}' {
            if chars.get(i + 1) != Some(&'[') {
                problems.push(format!("non-CSI escape at {i}: {:?}", chars.get(i + 1)));
                i += 1;
                continue;
            }
            let mut j = i + 2;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || chars[j] == ';' || chars[j] == '?')
            {
                j += 1;
            }
            match chars.get(j) {
                Some('H' | 'm' | 'J' | 'K' | 'h' | 'l' | 'A' | 'B' | 'C' | 'D' | 'G') => {}
                other => problems.push(format!("unexpected CSI final {other:?} at {i}")),
            }
            i = j + 1;
            continue;
        }
        if c == '\u{7}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || scandeck::sanitize::is_forbidden(c) && c != '\n' && c != '\r'
        {
            problems.push(format!("forbidden {:?} at {i}", c));
        }
        i += 1;
    }
    problems
}

#[test]
fn hostile_corpus_renders_without_foreign_escape_sequences() {
    let corpus = hostile_corpus();
    assert!(corpus.len() >= 200, "corpus has {}", corpus.len());
    let mut current = common::demo_current();
    let template = current.findings[0].clone();
    current.findings.clear();
    for (n, text) in corpus.iter().enumerate() {
        let mut f = template.clone();
        f.id = format!("H-{n} {text}");
        let mut details = (*f.details).clone();
        details.title = Some(text.clone());
        details.description = Some(text.clone());
        details.references = vec![text.clone()];
        f.details = std::sync::Arc::new(details);
        f.target = std::sync::Arc::from(text.as_str());
        if let Some(p) = &mut f.package {
            p.name = text.clone();
            p.installed = Some(text.as_str().into());
        }
        f.fingerprint = scandeck::model::Fingerprint([n as u8; 16]);
        current.findings.push(f);
    }
    let km = KeyMap::defaults();
    let mut s = common::state_at("hostile \u{1b}]0;ws\u{7}", (160, 45));
    drive(
        &mut s,
        &km,
        Msg::Loaded(Box::new(Data::build(current, common::fixed_now()))),
    );
    let sink = Sink::default();
    let mut term = Terminal::new(CrosstermBackend::new(sink.clone())).unwrap();
    let mut total = 0;
    for step in 0..corpus.len() {
        for theme in [Theme::default_ansi(), Theme::mono()] {
            term.draw(|f| scandeck::tui::ui::draw(f, &s, &theme, &km))
                .unwrap();
        }
        if step % 40 == 0 {
            key(&mut s, &km, KeyCode::Char('?'));
            term.draw(|f| scandeck::tui::ui::draw(f, &s, &Theme::default_ansi(), &km))
                .unwrap();
            key(&mut s, &km, KeyCode::Esc);
        }
        key(&mut s, &km, KeyCode::Char('j'));
        let bytes = std::mem::take(&mut *sink.0.lock().unwrap());
        total += bytes.len();
        let problems = scan_for_foreign_sequences(&bytes);
        assert!(
            problems.is_empty(),
            "step {step}: {:?}",
            &problems[..problems.len().min(5)]
        );
    }
    assert!(total > 100_000, "rendered {total} bytes");
}

#[test]
fn targets_sort_by_score_or_name() {
    let (mut s, km) = demo_state((120, 40));
    let names = |s: &AppState| {
        s.data
            .as_ref()
            .unwrap()
            .targets
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
    };
    let by_score = names(&s);
    assert_eq!(
        by_score[0], "finance-tracker/backend:1.4.0",
        "most critical first"
    );
    key(&mut s, &km, KeyCode::Char('1'));
    key(&mut s, &km, KeyCode::Char('s'));
    let by_name = names(&s);
    let mut sorted = by_name.clone();
    sorted.sort_by(|a, b| scandeck::query::order::natural_cmp(a, b));
    assert_eq!(by_name, sorted);
    assert_eq!(
        s.sort,
        scandeck::query::SortKey::Severity,
        "the findings order is untouched"
    );
    key(&mut s, &km, KeyCode::Char('s'));
    assert_eq!(names(&s), by_score);
}

// ---------- triage in the console ----------

fn status_of(s: &AppState, id: &str) -> Vec<String> {
    let data = s.data.as_ref().unwrap();
    data.view
        .findings
        .iter()
        .zip(data.view.assessments.iter())
        .filter(|(f, _)| f.id == id)
        .map(|(_, a)| a.status.as_str().to_string())
        .collect()
}

#[test]
fn snooze_with_a_reason_from_the_dialog() {
    let (mut s, km) = demo_state((120, 40));
    assert_eq!(shown_ids(&s)[0], "CVE-2023-24538");
    key(&mut s, &km, KeyCode::Char('z'));
    assert!(s.dialog.is_some());
    key(&mut s, &km, KeyCode::Down);
    let effects = key(&mut s, &km, KeyCode::Enter);
    assert!(effects.is_empty(), "a reason is required");
    assert!(s
        .dialog
        .as_ref()
        .unwrap()
        .error
        .as_deref()
        .unwrap_or("")
        .contains("reason is required"));
    typed(&mut s, &km, "waiting for the gosu rebuild");
    let text = screen(&s, &Theme::default_ansi(), &km);
    insta::assert_snapshot!("snooze_dialog_120x40", text);
    key(&mut s, &km, KeyCode::Enter);
    assert!(s.dialog.is_none());
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    let data = s.data.as_ref().unwrap();
    let d = data.view.triage.decisions.values().next().unwrap();
    assert_eq!(d.reason, "waiting for the gosu rebuild");
    assert_eq!(
        d.until.as_deref(),
        Some("2026-11-27T12:00:00Z"),
        "7 days from the fixed now"
    );
    assert_eq!(d.decided_by, "Tess Tester <tess@example.com>");
    // The selection moved on to what needs work; the snoozed finding is below.
    assert_ne!(
        s.data.as_ref().unwrap().view.findings[s.selected_finding().unwrap()].id,
        "CVE-2023-24538"
    );
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "CVE-2023-24538");
    key(&mut s, &km, KeyCode::Enter);
    let detail = screen(&s, &Theme::default_ansi(), &km);
    assert!(
        detail.contains("decision    snoozed until 2026-11-27T12:00:00Z"),
        "{detail}"
    );
}

#[test]
fn bulk_action_on_marked_rows_asks_for_confirmation() {
    let (mut s, km) = demo_state((120, 40));
    for _ in 0..3 {
        key(&mut s, &km, KeyCode::Char(' '));
    }
    assert_eq!(s.marked.len(), 3);
    let marked: Vec<String> = s
        .marked
        .iter()
        .map(|fp| {
            let data = s.data.as_ref().unwrap();
            data.view
                .findings
                .iter()
                .find(|f| f.fingerprint == *fp)
                .unwrap()
                .id
                .clone()
        })
        .collect();
    key(&mut s, &km, KeyCode::Char('x'));
    assert_eq!(s.dialog.as_ref().unwrap().targets.len(), 3);
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "scanner matched the wrong package");
    key(&mut s, &km, KeyCode::Enter);
    assert!(
        s.dialog.as_ref().unwrap().confirming,
        "several findings: asks once more"
    );
    let text = screen(&s, &Theme::default_ansi(), &km);
    assert!(text.contains("This changes 3 findings."), "{text}");
    insta::assert_snapshot!("bulk_confirm_120x40", text);
    key(&mut s, &km, KeyCode::Enter);
    assert!(s.dialog.is_none());
    for id in marked {
        assert!(
            status_of(&s, &id).contains(&"suppressed".to_string()),
            "{id}"
        );
    }
    assert!(s.marked.is_empty(), "marks clear after a save");
    key(&mut s, &km, KeyCode::Char('*'));
    assert_eq!(s.marked.len(), 45, "mark the whole current filter");
    key(&mut s, &km, KeyCode::Char('u'));
    key(&mut s, &km, KeyCode::Enter);
    assert!(s.dialog.as_ref().unwrap().confirming);
    key(&mut s, &km, KeyCode::Esc);
    assert!(
        !s.dialog.as_ref().unwrap().confirming,
        "Esc goes back one step"
    );
    key(&mut s, &km, KeyCode::Esc);
    assert!(s.dialog.is_none());
}

#[test]
fn status_filter_shows_decisions_and_history() {
    let (mut s, km) = demo_state((160, 70));
    key(&mut s, &km, KeyCode::Char('f'));
    key(&mut s, &km, KeyCode::Enter);
    key(&mut s, &km, KeyCode::Char('j'));
    key(&mut s, &km, KeyCode::Char('n'));
    typed(&mut s, &km, "asked the vendor");
    key(&mut s, &km, KeyCode::Enter);
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "status:fix-pending");
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(shown_ids(&s), vec!["CVE-2023-24538"]);
    let text = screen(&s, &Theme::default_ansi(), &km);
    assert!(
        text.contains("History") && text.contains("decided: open → fixed"),
        "{text}"
    );
    key(&mut s, &km, KeyCode::Esc);
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "status:open");
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(s.visible.len(), 44);
}

#[test]
fn a_failed_save_shows_not_saved() {
    let (mut s, km) = demo_state((120, 40));
    update(
        &mut s,
        &km,
        Msg::Saved(Err(
            "NOT SAVED: .scandeck/decisions.json is read-only; make it writable to save".into(),
        )),
    );
    let text = screen(&s, &Theme::default_ansi(), &km);
    assert!(
        text.contains("NOT SAVED: .scandeck/decisions.json is read-only"),
        "{text}"
    );
}

#[test]
fn changes_since_the_previous_scan_view() {
    let km = KeyMap::defaults();
    let mut current = common::demo_current();
    let fp = current.findings[0].fingerprint.to_string();
    let id = current.findings[0].id.clone();
    current.runs[0].changes = Some(scandeck::triage::engine::Changes {
        new_image_changed: vec![fp],
        unchanged: 17,
        ..Default::default()
    });
    let mut s = common::state_at("changes", (160, 45));
    s.now = common::fixed_now();
    drive(
        &mut s,
        &km,
        Msg::Loaded(Box::new(Data::build(current, common::fixed_now()))),
    );
    key(&mut s, &km, KeyCode::Char('d'));
    assert_eq!(shown_ids(&s), vec![id]);
    let text = screen(&s, &Theme::default_ansi(), &km);
    assert!(
        text.contains("· new (image changed)") && text.contains("changes since previous scan"),
        "{text}"
    );
    key(&mut s, &km, KeyCode::Char('d'));
    assert_eq!(s.visible.len(), 45);
}

#[test]
fn sorting_by_sla_due_puts_the_most_overdue_first() {
    let (mut s, km) = demo_state((120, 40));
    for _ in 0..5 {
        key(&mut s, &km, KeyCode::Char('s'));
    }
    assert_eq!(s.sort, scandeck::query::SortKey::Due);
    let data = s.data.as_ref().unwrap();
    let dues: Vec<_> = s
        .visible
        .iter()
        .map(|i| data.view.assessments[*i as usize].sla_due)
        .collect();
    let known: Vec<_> = dues.iter().take_while(|d| d.is_some()).collect();
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "soonest due first");
    assert!(
        dues[known.len()..].iter().all(|d| d.is_none()),
        "no SLA last"
    );
}

#[test]
fn an_absurd_snooze_date_is_an_error_in_the_dialog_not_a_crash() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('z'));
    for _ in 0..3 {
        key(&mut s, &km, KeyCode::Down);
    }
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "99999999d");
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "far away");
    let effects = key(&mut s, &km, KeyCode::Enter);
    assert!(effects.is_empty(), "{effects:?}");
    let error = s.dialog.as_ref().unwrap().error.clone().unwrap_or_default();
    assert!(error.contains("is not a date"), "{error}");
}

#[test]
fn dialog_fields_edit_like_a_shell_line() {
    let (mut s, km) = demo_state((120, 40));
    let field = |s: &AppState, label: &str| -> String {
        let d = s.dialog.as_ref().unwrap();
        d.fields
            .iter()
            .find(|f| f.label.starts_with(label))
            .unwrap()
            .value()
            .to_string()
    };
    // A proposed value is replaced by typing, not appended to.
    key(&mut s, &km, KeyCode::Char('a'));
    assert_eq!(field(&s, "until"), "30d");
    typed(&mut s, &km, "14d");
    assert_eq!(field(&s, "until"), "14d", "not 30d14d");
    key(&mut s, &km, KeyCode::Esc);
    // Snooze until a date: the digit picks the choice, then the date's digits are text.
    key(&mut s, &km, KeyCode::Char('z'));
    typed(&mut s, &km, "4");
    assert_eq!(s.dialog.as_ref().unwrap().choice, 3, "until a date");
    typed(&mut s, &km, "2026-12-15");
    assert_eq!(field(&s, "date"), "2026-12-15");
    assert_eq!(field(&s, "reason"), "", "nothing spilled into the reason");
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "base image update");
    ctrl(&mut s, &km, 'w');
    assert_eq!(field(&s, "reason"), "base image ");
    ctrl(&mut s, &km, 'a');
    typed(&mut s, &km, "the ");
    assert_eq!(field(&s, "reason"), "the base image ");
    ctrl(&mut s, &km, 'e');
    typed(&mut s, &km, "lands");
    ctrl(&mut s, &km, 'u');
    assert_eq!(field(&s, "reason"), "");
    typed(&mut s, &km, "base image lands on the 15th");
    key(&mut s, &km, KeyCode::Enter);
    assert!(s.dialog.is_none(), "{:?}", s.status);
    let d = s
        .data
        .as_ref()
        .unwrap()
        .view
        .triage
        .decisions
        .values()
        .next()
        .unwrap();
    assert_eq!(d.reason, "base image lands on the 15th");
    assert!(
        d.until.as_deref().unwrap_or("").starts_with("2026-12-15"),
        "{:?}",
        d.until
    );
}

#[test]
fn the_detail_pane_scrolls_within_its_content() {
    let (mut s, km) = demo_state((100, 30));
    key(&mut s, &km, KeyCode::Char('3'));
    assert_eq!(s.focus, scandeck::tui::state::Pane::Detail);
    let a = s.areas();
    let height = scandeck::tui::panes::detail::detail_height(&s, a.detail.width - 2);
    let last = height.saturating_sub(a.detail_rows()) as u16;
    assert!(
        last > 0,
        "the detail is longer than its pane: {height} rows in {}",
        a.detail_rows()
    );
    key(&mut s, &km, KeyCode::Char('G'));
    assert_eq!(
        s.detail_scroll, last,
        "G shows the last row at the bottom, not empty space"
    );
    key(&mut s, &km, KeyCode::Char('j'));
    assert_eq!(s.detail_scroll, last, "no further");
    if last > 0 {
        key(&mut s, &km, KeyCode::Char('k'));
        assert_eq!(s.detail_scroll, last - 1, "k comes back at once");
    }
    key(&mut s, &km, KeyCode::PageUp);
    key(&mut s, &km, KeyCode::PageUp);
    assert_eq!(s.detail_scroll, 0);
    // The last row drawn holds text.
    key(&mut s, &km, KeyCode::Char('G'));
    let text = screen(&s, &Theme::default_ansi(), &km);
    assert!(text.contains("│"), "{text}");
}

#[test]
fn open_the_file_the_advisory_and_copy_what_is_needed() {
    let (mut s, km) = demo_state((120, 40));
    let data = s.data.as_ref().unwrap();
    // A finding in a workspace file (a secret in backend/config.py) and one in an image.
    let in_file = data
        .view
        .findings
        .iter()
        .position(|f| f.image.is_none() && f.location.path.is_some())
        .unwrap();
    let id = data.view.findings[in_file].id.clone();
    let (path, line, kind) = (
        data.view.findings[in_file].location.path.clone().unwrap(),
        data.view.findings[in_file].location.line,
        data.view.findings[in_file].kind.as_str(),
    );
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, &format!("{id} kind:{kind}"));
    key(&mut s, &km, KeyCode::Enter);
    let effects = key(&mut s, &km, KeyCode::Char('o'));
    let wanted = path.split('#').next().unwrap().to_string();
    assert!(
        matches!(effects.as_slice(), [Effect::Edit { path: p, line: l }] if *p == wanted && *l == line),
        "{effects:?}"
    );
    key(&mut s, &km, KeyCode::Esc);
    assert!(s.query_text.is_empty());
    // The first row, a CVE: its advisory.
    key(&mut s, &km, KeyCode::Char('g'));
    key(&mut s, &km, KeyCode::Char('g'));
    let effects = key(&mut s, &km, KeyCode::Char('O'));
    assert!(
        matches!(effects.as_slice(), [Effect::OpenUrl(u)] if u.starts_with("http")),
        "{effects:?}"
    );
    // The copy menu: id, fingerprint, purl, fixed version, upgrade command.
    key(&mut s, &km, KeyCode::Char('Y'));
    let d = s.dialog.as_ref().unwrap();
    assert!(
        d.choices[0].starts_with("id: ") && d.choices[1].starts_with("fingerprint: "),
        "{:?}",
        d.choices
    );
    let fingerprint = d.values[1].clone();
    key(&mut s, &km, KeyCode::Char('2'));
    let effects = key(&mut s, &km, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Copy(c)] if *c == fingerprint),
        "{effects:?}"
    );
    assert!(s.dialog.is_none());
}

#[test]
fn fuzzy_words_rank_the_best_match_first() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "flask");
    let data = s.data.as_ref().unwrap();
    let first = &data.view.findings[s.visible[0] as usize];
    assert_eq!(first.package_name(), Some("Flask"), "{:?}", shown_ids(&s));
    // An id-like word keeps the sort: severity first.
    key(&mut s, &km, KeyCode::Esc);
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "CVE-2023");
    let data = s.data.as_ref().unwrap();
    let sevs: Vec<_> = s
        .visible
        .iter()
        .map(|i| data.view.findings[*i as usize].severity)
        .collect();
    assert!(sevs.windows(2).all(|w| w[0] >= w[1]), "{sevs:?}");
}

#[test]
fn undo_puts_the_last_decision_back_with_its_own_audit_entry() {
    let (mut s, km) = demo_state((120, 40));
    let z = |s: &mut AppState| key(s, &km, KeyCode::Char('Z'));
    z(&mut s);
    assert_eq!(s.status.as_deref(), Some("nothing to undo"));
    // One finding in view: a decision moves the selection on to the next
    // row that needs work, and here there is none.
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "CVE-2023-24538");
    key(&mut s, &km, KeyCode::Enter);
    // A snooze, then a change of mind: accepted instead.
    key(&mut s, &km, KeyCode::Char('z'));
    key(&mut s, &km, KeyCode::Down);
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "waiting for the rebuild");
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    let snoozed = s.data.as_ref().unwrap().view.triage.decisions.clone();
    key(&mut s, &km, KeyCode::Char('x'));
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "not reachable from our code");
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["suppressed"]);
    // Undo: the snooze is back as it was, and the log says so.
    z(&mut s);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    let triage = &s.data.as_ref().unwrap().view.triage;
    let back = triage.decisions.values().next().unwrap();
    let before = snoozed.values().next().unwrap();
    assert_eq!(
        (&back.reason, &back.until, back.disposition),
        (&before.reason, &before.until, before.disposition)
    );
    let last = triage.audit.last().unwrap();
    assert_eq!(last.action, "undone");
    use scandeck::triage::audit;
    let records = triage.record_states();
    let head = audit::head(&triage.audit);
    let evidence = audit::Evidence {
        log: &triage.audit,
        head: Some(&head),
        records: &records,
        witness: &[],
    };
    assert!(
        audit::verify_all(&evidence).is_ok(),
        "{:?}",
        audit::verify_all(&evidence)
    );
    assert_eq!(back.entry.as_deref(), Some(last.hash.as_str()));
    // Undo goes back one change at a time: the snooze goes too…
    z(&mut s);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["overdue"]);
    z(&mut s);
    assert_eq!(s.status.as_deref(), Some("nothing to undo"));
    // …and redo makes them again, in order, each with its own entry.
    let redo = |s: &mut AppState| {
        drive(
            s,
            &km,
            Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL)),
        )
    };
    redo(&mut s);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    redo(&mut s);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["suppressed"]);
    let triage = &s.data.as_ref().unwrap().view.triage;
    assert_eq!(triage.audit.last().unwrap().action, "redone");
    redo(&mut s);
    assert_eq!(s.status.as_deref(), Some("nothing to redo"));
    z(&mut s);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    // Undoing a reopen brings the decision back.
    key(&mut s, &km, KeyCode::Char('u'));
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["overdue"]);
    z(&mut s);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    // Undoing a first decision leaves the finding as it was: open.
    let decided = s.data.as_ref().unwrap().view.triage.decisions.len();
    key(&mut s, &km, KeyCode::Char('/'));
    drive(
        &mut s,
        &km,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    key(&mut s, &km, KeyCode::Enter);
    key(&mut s, &km, KeyCode::Char('g'));
    key(&mut s, &km, KeyCode::Char('g'));
    key(&mut s, &km, KeyCode::Char('j'));
    key(&mut s, &km, KeyCode::Char('f'));
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(
        s.data.as_ref().unwrap().view.triage.decisions.len(),
        decided + 1
    );
    z(&mut s);
    assert_eq!(
        s.data.as_ref().unwrap().view.triage.decisions.len(),
        decided
    );
    assert_eq!(
        s.data
            .as_ref()
            .unwrap()
            .view
            .triage
            .audit
            .last()
            .unwrap()
            .action,
        "undone"
    );
}

/// Undo works from what the save itself found and left: when the decision
/// changed since (another process, a `git pull`), it changes nothing and says
/// what changed and by whom.
#[test]
fn undo_refuses_when_the_decision_changed_since() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('z'));
    key(&mut s, &km, KeyCode::Down);
    key(&mut s, &km, KeyCode::Tab);
    typed(&mut s, &km, "waiting for the rebuild");
    key(&mut s, &km, KeyCode::Enter);
    assert_eq!(status_of(&s, "CVE-2023-24538"), vec!["snoozed"]);
    // Another process accepts the same finding; the console's file is that
    // file from now on (the next save reads it under the lock).
    let mut theirs = s.data.as_ref().unwrap().view.triage.clone();
    let mut accepted = theirs.decisions.values().next().unwrap().clone();
    accepted.disposition = scandeck::triage::Disposition::Accepted;
    accepted.until = Some("2027-01-15T00:00:00Z".into());
    accepted.approver = Some("Cleo CISO".into());
    accepted.reason = "vendor patch due in January".into();
    accepted.entry = None;
    accepted.decided_by = "Oscar Ops <ops@example.com>".into();
    scandeck::triage::engine::decide(
        &mut theirs,
        accepted,
        scandeck::triage::engine::Stamp {
            who: "Oscar Ops <ops@example.com>",
            now: common::fixed_now(),
        },
    );
    s.data.as_mut().unwrap().view.triage = theirs.clone();
    key(&mut s, &km, KeyCode::Char('Z'));
    let status = s.status.clone().unwrap_or_default();
    assert!(
        status.starts_with("not undone — changed since:")
            && status.contains("accepted")
            && status.contains("Oscar Ops"),
        "{status}"
    );
    let after = &s.data.as_ref().unwrap().view.triage;
    assert_eq!(after.decisions, theirs.decisions);
    assert_eq!(after.audit, theirs.audit, "not even an audit entry");
    // Nothing is left to undo.
    key(&mut s, &km, KeyCode::Char('Z'));
    assert_eq!(s.status.as_deref(), Some("nothing to undo"));
}

/// The query line edits as every text field does (issue 25: one line
/// editor): the cursor moves, text goes in the middle, Ctrl-W cuts a word,
/// Ctrl-C cancels the line like Esc, and so it does in a dialog.
#[test]
fn the_query_line_edits_in_the_middle_and_ctrl_c_cancels() {
    let (mut s, km) = demo_state((120, 40));
    key(&mut s, &km, KeyCode::Char('/'));
    typed(&mut s, &km, "werkzeg");
    key(&mut s, &km, KeyCode::Left);
    typed(&mut s, &km, "u");
    assert_eq!(s.query_text, "werkzeug", "typed before the cursor");
    assert_eq!(s.visible.len(), 4);
    let shown = screen(&s, &Theme::mono(), &km);
    assert!(shown.contains("/ werkzeug"), "{shown}");
    typed(&mut s, &km, " sev:high");
    ctrl(&mut s, &km, 'w');
    assert_eq!(
        s.query_text, "werkzeu g",
        "Ctrl-W cut the word before the cursor"
    );
    ctrl(&mut s, &km, 'c');
    assert!(s.editing.is_none());
    assert_eq!(s.query_text, "", "Ctrl-C restored the query from before");
    assert_eq!(s.visible.len(), 45);
    // A dialog's field too.
    key(&mut s, &km, KeyCode::Char('z'));
    assert!(s.dialog.is_some());
    ctrl(&mut s, &km, 'c');
    assert!(s.dialog.is_none(), "Ctrl-C cancels the dialog");
}

/// Working down the list: what needs work comes first, a decision sends
/// its finding below it (counted apart in the header, `✓ N`), and the
/// selection moves on to the next row that needs work. `H` hides what is
/// resolved or decided.
#[test]
fn a_decided_finding_goes_below_what_needs_work_and_the_selection_moves_on() {
    let (mut s, km) = demo_state((120, 40));
    let needs_work =
        |s: &AppState, i: u32| s.data.as_ref().unwrap().view.facts.needs_work(i as usize);
    let split = |s: &AppState| s.visible.iter().take_while(|i| needs_work(s, **i)).count();
    let work_before = split(&s);
    assert!(
        s.visible[work_before..].iter().all(|i| !needs_work(&s, *i)),
        "nothing that needs work below what does not"
    );
    let tally_before: usize = s.visible_tally.iter().sum();
    assert_eq!(
        tally_before, work_before,
        "the tallies count what needs work"
    );
    assert_eq!(s.visible_resolved, s.visible.len() - work_before);
    let first = s.visible[0];
    let second = s.visible[1];
    key(&mut s, &km, KeyCode::Char('f'));
    key(&mut s, &km, KeyCode::Enter);
    let data = s.data.as_ref().unwrap();
    assert!(!needs_work(&s, first), "marked fixed: no longer work");
    assert_eq!(split(&s), work_before - 1);
    assert_eq!(s.visible_tally.iter().sum::<usize>(), tally_before - 1);
    let at = s.visible.iter().position(|i| *i == first).unwrap();
    assert!(
        at >= split(&s),
        "the decided finding sorts below what needs work"
    );
    assert_eq!(
        s.selected_finding(),
        Some(second as usize),
        "the selection moved on to the next finding that needs work ({})",
        data.view.findings[second as usize].id
    );
    // H: only what needs work.
    key(&mut s, &km, KeyCode::Char('H'));
    assert!(s.work_only);
    assert_eq!(s.visible.len(), work_before - 1);
    assert_eq!(s.visible_resolved, 0);
    key(&mut s, &km, KeyCode::Char('H'));
    assert_eq!(s.visible.len(), split(&s) + s.visible_resolved);
}
