//! Driving the console's reducer in tests as the runtime would: searches
//! answered at once, other effects handed back; screens drawn on
//! ratatui's `TestBackend`.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scandeck::tui::data::Data;
use scandeck::tui::keymap::KeyMap;
use scandeck::tui::msg::{Effect, Msg};
use scandeck::tui::state::AppState;
use scandeck::tui::theme::Theme;
use scandeck::tui::update::update;

/// Runs `msg`, carrying out searches as the matcher thread would; every
/// other effect is handed back for the test to carry out or inspect.
pub fn drive(state: &mut AppState, keymap: &KeyMap, msg: Msg) -> Vec<Effect> {
    let mut queue = vec![msg];
    let mut others = Vec::new();
    while let Some(m) = queue.pop() {
        for effect in update(state, keymap, m) {
            match effect {
                Effect::Search(req) => queue.push(super::search_done(req)),
                other => others.push(other),
            }
        }
    }
    others
}

pub fn press(state: &mut AppState, keymap: &KeyMap, code: KeyCode) -> Vec<Effect> {
    press_with(state, keymap, code, KeyModifiers::NONE)
}

pub fn press_with(
    state: &mut AppState,
    keymap: &KeyMap,
    code: KeyCode,
    modifiers: KeyModifiers,
) -> Vec<Effect> {
    drive(state, keymap, Msg::Key(KeyEvent::new(code, modifiers)))
}

pub fn ctrl(state: &mut AppState, keymap: &KeyMap, c: char) -> Vec<Effect> {
    press_with(state, keymap, KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Types `text` key by key, returning every effect.
pub fn typed(state: &mut AppState, keymap: &KeyMap, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| press(state, keymap, KeyCode::Char(c)))
        .collect()
}

/// The screen as text, trailing blanks cut.
pub fn screen(state: &AppState, keymap: &KeyMap) -> String {
    let theme = Theme::by_name("default").unwrap();
    let mut term = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    term.draw(|f| scandeck::tui::ui::draw(f, state, &theme, keymap))
        .unwrap();
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

/// The id of the selected finding.
pub fn selected_id(state: &AppState) -> String {
    let data = state.data.as_ref().unwrap();
    data.view.findings[state.selected_finding().unwrap()]
        .id
        .clone()
}

/// The demo's findings loaded into a console of `size`, acting as `actor`.
pub fn demo_console(actor: &str, size: (u16, u16)) -> (AppState, KeyMap) {
    let keymap = KeyMap::defaults();
    let mut state = super::state_at("demo workspace", size);
    state.actor = actor.into();
    drive(
        &mut state,
        &keymap,
        Msg::Loaded(Box::new(Data::build(
            super::demo_current(),
            super::fixed_now(),
        ))),
    );
    (state, keymap)
}

/// The demo's findings plus one critical openssl finding of another image
/// (`extra:1`, CVE-2099-0001): what a scan that found one more brings.
pub fn demo_with_one_more() -> Data {
    let mut current = super::demo_current();
    let extra = super::trivy(
        "extra",
        "1",
        "ab",
        &[(
            "CVE-2099-0001",
            &[],
            "openssl",
            "1.0",
            "CRITICAL",
            Some("1.1"),
        )],
    );
    let parsed = super::parse(extra.to_string().as_bytes(), "extra.json").unwrap();
    current.findings.extend(parsed.findings);
    Data::build(current, super::fixed_now())
}
