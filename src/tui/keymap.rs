//! The key map: one embedded TOML file per context, overridable by
//! `keymap.toml` in the config directory. Conflicts and mistakes are reported
//! with the file and the key, never silently dropped. The footer, the help
//! palette and docs/keybindings.md all read from here.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;
use std::path::Path;

/// Where a key applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Targets,
    Findings,
    Detail,
    Tasks,
    Filter,
    Dialog,
    Help,
    Checklist,
    Plan,
    Audit,
    Dojo,
    Groups,
    Picker,
    Scans,
    Command,
}

impl Context {
    pub const ALL: [Context; 16] = [
        Context::Global,
        Context::Targets,
        Context::Findings,
        Context::Detail,
        Context::Tasks,
        Context::Filter,
        Context::Dialog,
        Context::Help,
        Context::Checklist,
        Context::Plan,
        Context::Audit,
        Context::Dojo,
        Context::Groups,
        Context::Picker,
        Context::Scans,
        Context::Command,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Targets => "targets",
            Context::Findings => "findings",
            Context::Detail => "detail",
            Context::Tasks => "tasks",
            Context::Filter => "filter",
            Context::Dialog => "dialog",
            Context::Help => "help",
            Context::Checklist => "checklist",
            Context::Plan => "plan",
            Context::Audit => "audit",
            Context::Dojo => "defectdojo",
            Context::Groups => "groups",
            Context::Picker => "picker",
            Context::Scans => "scans",
            Context::Command => "command",
        }
    }

    /// A popup or the query line: only its own keys apply, never the global ones.
    pub fn is_overlay(self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::Dialog
                | Context::Help
                | Context::Checklist
                | Context::Plan
                | Context::Audit
                | Context::Dojo
                | Context::Groups
                | Context::Picker
                | Context::Scans
                | Context::Command
        )
    }

    fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }

    fn defaults(self) -> &'static str {
        match self {
            Context::Global => include_str!("../../assets/keymap/global.toml"),
            Context::Targets => include_str!("../../assets/keymap/targets.toml"),
            Context::Findings => include_str!("../../assets/keymap/findings.toml"),
            Context::Detail => include_str!("../../assets/keymap/detail.toml"),
            Context::Tasks => include_str!("../../assets/keymap/tasks.toml"),
            Context::Filter => include_str!("../../assets/keymap/filter.toml"),
            Context::Dialog => include_str!("../../assets/keymap/dialog.toml"),
            Context::Help => include_str!("../../assets/keymap/help.toml"),
            Context::Checklist => include_str!("../../assets/keymap/checklist.toml"),
            Context::Plan => include_str!("../../assets/keymap/plan.toml"),
            Context::Audit => include_str!("../../assets/keymap/audit.toml"),
            Context::Dojo => include_str!("../../assets/keymap/defectdojo.toml"),
            Context::Groups => include_str!("../../assets/keymap/groups.toml"),
            Context::Picker => include_str!("../../assets/keymap/picker.toml"),
            Context::Scans => include_str!("../../assets/keymap/scans.toml"),
            Context::Command => include_str!("../../assets/keymap/command.toml"),
        }
    }
}

/// One key press, normalised (Shift folded into the character).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.insert(KeyModifiers::SHIFT);
                KeyCode::Tab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn parse(text: &str) -> Option<Key> {
        if let Some(inner) = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .filter(|t| !t.is_empty())
        {
            let mut mods = KeyModifiers::NONE;
            let mut rest = inner;
            loop {
                let lower = rest.to_ascii_lowercase();
                if lower.len() > 2 && lower.starts_with("c-") {
                    mods.insert(KeyModifiers::CONTROL);
                } else if lower.len() > 2 && lower.starts_with("a-") {
                    mods.insert(KeyModifiers::ALT);
                } else if lower.len() > 2 && lower.starts_with("s-") {
                    mods.insert(KeyModifiers::SHIFT);
                } else {
                    break;
                }
                rest = &rest[2..];
            }
            let lower = rest.to_ascii_lowercase();
            let code = match lower.as_str() {
                "enter" | "cr" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => {
                    mods.insert(KeyModifiers::SHIFT);
                    KeyCode::Tab
                }
                "space" => KeyCode::Char(' '),
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "lt" => KeyCode::Char('<'),
                "gt" => KeyCode::Char('>'),
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().ok()?)
                }
                _ => {
                    let mut chars = rest.chars();
                    let c = chars.next()?;
                    if chars.next().is_some() {
                        return None;
                    }
                    if mods.contains(KeyModifiers::CONTROL) {
                        KeyCode::Char(c.to_ascii_lowercase())
                    } else {
                        KeyCode::Char(c)
                    }
                }
            };
            if matches!(code, KeyCode::Char(_)) {
                mods.remove(KeyModifiers::SHIFT);
            }
            return Some(Key { code, mods });
        }
        let mut chars = text.chars();
        let c = chars.next()?;
        if chars.next().is_some() {
            return None;
        }
        Some(Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut prefix = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            prefix.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            prefix.push_str("A-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            prefix.push_str("S-");
        }
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if prefix.is_empty() => return write!(f, "{c}"),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PageUp".into(),
            KeyCode::PageDown => "PageDown".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        write!(f, "<{prefix}{name}>")
    }
}

/// A key or a sequence of keys (`g g`).
pub type Chord = Vec<Key>;

pub fn chord_text(chord: &[Key]) -> String {
    chord
        .iter()
        .map(Key::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_chord(text: &str) -> Option<Chord> {
    let keys: Option<Chord> = text
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(Key::parse)
        .collect();
    keys.filter(|k| !k.is_empty())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub chord: Chord,
    pub action: Action,
}

/// What a key press resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    Action(Action),
    /// The keys so far start a chord: wait for the next key.
    Pending,
    Unbound,
}

#[derive(Clone, Debug)]
pub struct KeyMap {
    contexts: Vec<(Context, Vec<Binding>)>,
    /// Problems found while loading, each naming the file and the key.
    pub problems: Vec<String>,
}

impl KeyMap {
    /// The built-in key map.
    pub fn defaults() -> KeyMap {
        let mut map = KeyMap {
            contexts: Vec::new(),
            problems: Vec::new(),
        };
        for ctx in Context::ALL {
            let file = format!("assets/keymap/{}.toml", ctx.name());
            let bindings = match ctx.defaults().parse::<toml::Table>() {
                Ok(table) => map.read_bindings(&file, ctx, table.get("bindings")),
                Err(e) => {
                    map.problems.push(format!("{file}: {e}"));
                    Vec::new()
                }
            };
            map.contexts.push((ctx, bindings));
        }
        map.check_chords("built-in key map");
        map
    }

    /// Defaults with the user's file applied on top (when it exists).
    pub fn load(user_file: &Path) -> KeyMap {
        let mut map = KeyMap::defaults();
        match std::fs::read_to_string(user_file) {
            Ok(text) => map.apply_user(&user_file.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => map
                .problems
                .push(format!("{}: cannot read: {e}", user_file.display())),
        }
        map
    }

    /// Applies a user key map: `[context]` tables of `"key" = "action"`;
    /// `"none"` unbinds a default key.
    pub fn apply_user(&mut self, file: &str, text: &str) {
        let table = match text.parse::<toml::Table>() {
            Ok(t) => t,
            Err(e) => {
                self.problems
                    .push(format!("{file}: not valid TOML, ignored: {}", e.message()));
                return;
            }
        };
        for (name, value) in &table {
            let Some(ctx) = Context::from_name(name) else {
                self.problems.push(format!(
                    "{file}: [{name}]: unknown context (use {})",
                    Context::ALL.map(|c| c.name()).join(", ")
                ));
                continue;
            };
            let user = self.read_bindings(file, ctx, Some(value));
            let entry = self
                .contexts
                .iter_mut()
                .find(|(c, _)| *c == ctx)
                .map(|(_, b)| b);
            if let Some(bindings) = entry {
                for b in user {
                    bindings.retain(|old| old.chord != b.chord);
                    if b.action != Action::None {
                        bindings.push(b);
                    }
                }
            }
        }
        self.check_chords(file);
    }

    fn read_bindings(
        &mut self,
        file: &str,
        ctx: Context,
        value: Option<&toml::Value>,
    ) -> Vec<Binding> {
        let Some(table) = value.and_then(toml::Value::as_table) else {
            self.problems.push(format!(
                "{file}: [{}] must be a table of \"key\" = \"action\"",
                ctx.name()
            ));
            return Vec::new();
        };
        let mut out: Vec<Binding> = Vec::new();
        for (key_text, action_value) in table {
            let Some(chord) = parse_chord(key_text) else {
                self.problems.push(format!(
                    "{file}: [{}] \"{key_text}\": not a key (see docs/keybindings.md)",
                    ctx.name()
                ));
                continue;
            };
            let Some(action) = action_value.as_str().and_then(Action::from_name) else {
                self.problems.push(format!(
                    "{file}: [{}] \"{key_text}\": unknown action {action_value}",
                    ctx.name()
                ));
                continue;
            };
            if let Some(other) = out.iter().find(|b| b.chord == chord) {
                self.problems.push(format!(
                    "{file}: [{}] \"{key_text}\" is bound twice ({} and {}); the first is kept",
                    ctx.name(),
                    other.action.name(),
                    action.name()
                ));
                continue;
            }
            out.push(Binding { chord, action });
        }
        out
    }

    /// A key that is also the start of a chord in the same context can never
    /// reach the chord: report it.
    fn check_chords(&mut self, file: &str) {
        let mut found = Vec::new();
        for (ctx, bindings) in &self.contexts {
            for b in bindings {
                for other in bindings {
                    if other.chord.len() > b.chord.len() && other.chord.starts_with(&b.chord) {
                        found.push(format!(
                            "{file}: [{}] \"{}\" ({}) hides the chord \"{}\" ({})",
                            ctx.name(),
                            chord_text(&b.chord),
                            b.action.name(),
                            chord_text(&other.chord),
                            other.action.name()
                        ));
                    }
                }
            }
        }
        for f in found {
            if !self.problems.contains(&f) {
                self.problems.push(f);
            }
        }
    }

    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.contexts
            .iter()
            .find(|(c, _)| *c == ctx)
            .map(|(_, b)| b.as_slice())
            .unwrap_or(&[])
    }

    /// Resolves pressed keys in `ctx`, falling back to global bindings.
    pub fn resolve(&self, ctx: Context, keys: &[Key]) -> Resolution {
        let layers: &[Context] = if ctx.is_overlay() {
            &[ctx]
        } else {
            &[ctx, Context::Global]
        };
        for layer in layers {
            let bindings = self.bindings(*layer);
            if let Some(b) = bindings.iter().find(|b| b.chord == keys) {
                return Resolution::Action(b.action);
            }
            if bindings
                .iter()
                .any(|b| b.chord.len() > keys.len() && b.chord.starts_with(keys))
            {
                return Resolution::Pending;
            }
        }
        Resolution::Unbound
    }

    /// Key texts bound to `action` in `ctx` (pane first, then global).
    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<String> {
        let mut out: Vec<String> = self
            .bindings(ctx)
            .iter()
            .filter(|b| b.action == action)
            .map(|b| chord_text(&b.chord))
            .collect();
        if out.is_empty() && !ctx.is_overlay() {
            out = self
                .bindings(Context::Global)
                .iter()
                .filter(|b| b.action == action)
                .map(|b| chord_text(&b.chord))
                .collect();
        }
        out
    }

    /// The keys bound to `action` where it applies: the global keys, else
    /// the first context that binds it ("b", "<C-r>", "x/<Space>").
    pub fn keys_anywhere(&self, action: Action) -> Option<String> {
        std::iter::once(Context::Global)
            .chain(Context::ALL)
            .map(|ctx| {
                self.bindings(ctx)
                    .iter()
                    .filter(|b| b.action == action)
                    .map(|b| chord_text(&b.chord))
                    .take(2)
                    .collect::<Vec<_>>()
            })
            .find(|keys| !keys.is_empty())
            .map(|keys| keys.join("/"))
    }

    /// Footer hints for a context: its own actions, then the main global ones.
    pub fn hints(&self, ctx: Context) -> Vec<(String, &'static str)> {
        let mut seen: Vec<Action> = Vec::new();
        let mut out = Vec::new();
        let mut push = |mut keys: Vec<String>, action: Action| {
            if !seen.contains(&action) && !keys.is_empty() && action != Action::None {
                seen.push(action);
                // Plain characters read fastest: show them first, at most two keys.
                keys.sort_by_key(|k| (k.starts_with('<'), k.len()));
                keys.truncate(2);
                out.push((keys.join("/"), action.label()));
            }
        };
        let pane = !ctx.is_overlay();
        if pane {
            // The verbs first: moving around is what every user tries anyway.
            for action in [
                Action::OpenFilter,
                Action::MarkFixed,
                Action::Snooze,
                Action::AcceptRisk,
                Action::Suppress,
                Action::Undo,
                Action::Reopen,
                Action::Note,
                Action::ToggleMark,
                Action::Export,
                Action::OpenPlan,
                Action::OpenGroups,
                Action::OpenChecklist,
                Action::OpenTasks,
                Action::Rescan,
                Action::SortNext,
                Action::CopyId,
                Action::FocusNext,
                Action::Help,
                Action::Quit,
            ] {
                push(self.keys_for(ctx, action), action);
            }
        }
        for b in self.bindings(ctx) {
            let moving = matches!(
                b.action,
                Action::MoveDown
                    | Action::MoveUp
                    | Action::HalfPageDown
                    | Action::HalfPageUp
                    | Action::PageDown
                    | Action::PageUp
                    | Action::GoTop
                    | Action::GoBottom
            );
            if !(pane && moving) {
                push(self.keys_for(ctx, b.action), b.action);
            }
        }
        out
    }

    /// The Markdown reference written to docs/keybindings.md.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# scandeck key bindings\n\nGenerated from `assets/keymap/*.toml` by `cargo test` (the test `keybindings_doc_is_current` \
             fails when this file is stale; run it with `SCANDECK_UPDATE_DOCS=1` to rewrite it).\n\n\
             Override any key in `keymap.toml` in the config directory (`scandeck paths` shows it), one table per context:\n\n\
             ```toml\n[findings]\n\"J\" = \"move_down\"\n\"j\" = \"none\"   # unbind\n```\n\n\
             Key syntax: a character (`q`, `G`, `?`), or `<Name>` with optional `C-` (Ctrl), `A-` (Alt), `S-` (Shift) — \
             `<C-d>`, `<Tab>`, `<S-Tab>`, `<Enter>`, `<Esc>`, `<F1>`, `<PageDown>`; a chord is keys separated by spaces (`g g`). \
             A pane's binding wins over a global one.\n",
        );
        for ctx in Context::ALL {
            out.push_str(&format!(
                "\n## {}\n\n| keys | action | what it does |\n|---|---|---|\n",
                ctx.name()
            ));
            let mut done: Vec<Action> = Vec::new();
            for b in self.bindings(ctx) {
                if done.contains(&b.action) {
                    continue;
                }
                done.push(b.action);
                let keys: Vec<String> = self
                    .bindings(ctx)
                    .iter()
                    .filter(|x| x.action == b.action)
                    .map(|x| format!("`{}`", chord_text(&x.chord).replace('|', "\\|")))
                    .collect();
                out.push_str(&format!(
                    "| {} | `{}` | {} |\n",
                    keys.join(" "),
                    b.action.name(),
                    b.action.description()
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(t: &str) -> Key {
        Key::parse(t).unwrap()
    }

    #[test]
    fn defaults_load_without_problems() {
        let map = KeyMap::defaults();
        assert!(map.problems.is_empty(), "{:?}", map.problems);
        assert_eq!(
            map.resolve(Context::Findings, &[key("j")]),
            Resolution::Action(Action::MoveDown)
        );
        assert_eq!(
            map.resolve(Context::Findings, &[key("q")]),
            Resolution::Action(Action::Quit),
            "global fallback"
        );
        assert_eq!(
            map.resolve(Context::Findings, &[key("g")]),
            Resolution::Pending
        );
        assert_eq!(
            map.resolve(Context::Findings, &[key("g"), key("g")]),
            Resolution::Action(Action::GoTop)
        );
        assert_eq!(
            map.resolve(Context::Filter, &[key("q")]),
            Resolution::Unbound,
            "the query line types text"
        );
        assert_eq!(
            map.resolve(Context::Global, &[key("<S-Tab>")]),
            Resolution::Action(Action::FocusPrev)
        );
    }

    #[test]
    fn key_syntax_round_trips() {
        for text in [
            "j",
            "G",
            "?",
            "<C-d>",
            "<Tab>",
            "<S-Tab>",
            "<Enter>",
            "<Esc>",
            "<F1>",
            "<PageDown>",
            "<Space>",
            "<A-x>",
        ] {
            assert_eq!(key(text).to_string(), text, "{text}");
        }
        assert_eq!(key("<c-D>"), key("<C-d>"));
        assert!(Key::parse("<Nope>").is_none() && Key::parse("ab").is_none());
    }

    #[test]
    fn events_normalise_like_the_file_syntax() {
        let shifted_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shifted_g), key("G"));
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&back_tab), key("<S-Tab>"));
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ctrl_d), key("<C-d>"));
    }

    #[test]
    fn user_overrides_and_reports_problems_with_file_and_key() {
        let mut map = KeyMap::defaults();
        map.apply_user(
            "/home/u/.config/scandeck/keymap.toml",
            "[findings]\n\"J\" = \"move_down\"\n\"j\" = \"none\"\n\"x\" = \"mvoe_down\"\n\"<C-d>\" = \"go_bottom\"\n\"<c-D>\" = \"go_top\"\n\"<Bogus>\" = \"quit\"\n\"g\" = \"go_top\"\n[nowhere]\n\"a\" = \"quit\"\n",
        );
        assert_eq!(
            map.resolve(Context::Findings, &[key("J")]),
            Resolution::Action(Action::MoveDown)
        );
        assert_eq!(
            map.resolve(Context::Findings, &[key("j")]),
            Resolution::Unbound
        );
        assert_eq!(
            map.resolve(Context::Findings, &[key("<C-d>")]),
            Resolution::Action(Action::GoBottom)
        );
        let text = map.problems.join("\n");
        assert!(
            text.contains("keymap.toml: [findings] \"x\": unknown action \"mvoe_down\""),
            "{text}"
        );
        assert!(text.contains("\"<c-D>\" is bound twice"), "{text}");
        assert!(text.contains("\"<Bogus>\": not a key"), "{text}");
        assert!(
            text.contains("\"g\" (go_top) hides the chord \"g g\""),
            "{text}"
        );
        assert!(text.contains("[nowhere]: unknown context"), "{text}");
        // Hints name the keys as remapped; in a pane, verbs before movement.
        let hints = map.hints(Context::Findings);
        assert_eq!(hints[0], ("/".to_string(), "filter"), "{hints:?}");
        assert!(
            hints.iter().all(|(_, a)| *a != "down"),
            "moving is not a hint in a pane: {hints:?}"
        );
        let detail = map.hints(Context::Filter);
        assert!(!detail.is_empty());
    }
}
