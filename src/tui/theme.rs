//! Colour themes. Severity is always written as text too, so no theme relies
//! on colour alone. The default uses the terminal's 16 colours on its own
//! background; `NO_COLOR` selects monochrome.

use crate::model::Severity;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: &'static str,
    pub text: Style,
    pub dim: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub selected: Style,
    pub header: Style,
    pub chip: Style,
    pub warning: Style,
    severity: [Style; 6],
}

pub const THEME_NAMES: [&str; 4] = ["default", "high-contrast", "colorblind", "mono"];

impl Theme {
    pub fn severity(&self, s: Severity) -> Style {
        self.severity[s as usize]
    }

    pub fn by_name(name: &str) -> Option<Theme> {
        match name.trim().to_ascii_lowercase().as_str() {
            "default" | "ansi" => Some(Theme::default_ansi()),
            "high-contrast" | "contrast" => Some(Theme::high_contrast()),
            "colorblind" | "colour-blind" | "color-blind" | "deuteranopia" => {
                Some(Theme::colorblind())
            }
            "mono" | "monochrome" | "no-color" => Some(Theme::mono()),
            _ => None,
        }
    }

    /// Flag, then config, then default; `NO_COLOR` (any value) forces monochrome.
    pub fn resolve(
        flag: Option<&str>,
        config: Option<&str>,
        no_color: bool,
    ) -> Result<Theme, String> {
        if no_color {
            return Ok(Theme::mono());
        }
        match flag.or(config) {
            None => Ok(Theme::default_ansi()),
            Some(name) => Theme::by_name(name)
                .ok_or_else(|| format!("unknown theme \"{name}\": use {}", THEME_NAMES.join(", "))),
        }
    }

    pub fn default_ansi() -> Theme {
        let sev = |c: Color| Style::new().fg(c);
        Theme {
            name: "default",
            text: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            border: Style::new().fg(Color::DarkGray),
            border_focused: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().fg(Color::Cyan),
            chip: Style::new().fg(Color::Black).bg(Color::Cyan),
            warning: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            severity: [
                sev(Color::DarkGray),
                sev(Color::Gray),
                sev(Color::Blue),
                sev(Color::Yellow),
                sev(Color::LightRed),
                sev(Color::Red).add_modifier(Modifier::BOLD),
            ],
        }
    }

    pub fn high_contrast() -> Theme {
        let on_black = Style::new().fg(Color::White).bg(Color::Black);
        Theme {
            name: "high-contrast",
            text: on_black,
            dim: on_black,
            border: on_black,
            border_focused: Style::new()
                .fg(Color::Yellow)
                .bg(Color::Black)
                .add_modifier(Modifier::BOLD),
            title: on_black.add_modifier(Modifier::BOLD),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            header: on_black.add_modifier(Modifier::BOLD),
            chip: Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(Modifier::BOLD),
            warning: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            severity: [
                on_black,
                on_black,
                Style::new()
                    .fg(Color::LightCyan)
                    .bg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                Style::new()
                    .fg(Color::LightYellow)
                    .bg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                Style::new()
                    .fg(Color::LightRed)
                    .bg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(Modifier::BOLD),
            ],
        }
    }

    /// Okabe–Ito-like palette (256 colours) that stays apart under red–green colour blindness.
    pub fn colorblind() -> Theme {
        let sev = |i: u8| Style::new().fg(Color::Indexed(i));
        Theme {
            name: "colorblind",
            text: Style::new(),
            dim: Style::new().fg(Color::Indexed(245)),
            border: Style::new().fg(Color::Indexed(245)),
            border_focused: Style::new()
                .fg(Color::Indexed(74))
                .add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().fg(Color::Indexed(74)),
            chip: Style::new().fg(Color::Black).bg(Color::Indexed(74)),
            warning: Style::new()
                .fg(Color::Indexed(214))
                .add_modifier(Modifier::BOLD),
            severity: [
                sev(245),
                sev(250),
                sev(25),
                sev(227),
                sev(214),
                sev(166).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ],
        }
    }

    pub fn mono() -> Theme {
        let plain = Style::new();
        Theme {
            name: "mono",
            text: plain,
            dim: plain,
            border: plain,
            border_focused: plain.add_modifier(Modifier::BOLD),
            title: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            header: plain.add_modifier(Modifier::BOLD),
            chip: plain.add_modifier(Modifier::REVERSED),
            warning: plain.add_modifier(Modifier::BOLD),
            severity: [
                plain,
                plain,
                plain,
                plain,
                plain.add_modifier(Modifier::BOLD),
                plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ],
        }
    }

    /// True when no style in the theme sets a colour.
    pub fn is_monochrome(&self) -> bool {
        let all = [
            self.text,
            self.dim,
            self.border,
            self.border_focused,
            self.title,
            self.selected,
            self.header,
            self.chip,
            self.warning,
        ];
        all.iter()
            .chain(self.severity.iter())
            .all(|s| s.fg.is_none() && s.bg.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_order() {
        assert_eq!(
            Theme::resolve(Some("mono"), Some("colorblind"), false)
                .unwrap()
                .name,
            "mono"
        );
        assert_eq!(
            Theme::resolve(None, Some("colorblind"), false)
                .unwrap()
                .name,
            "colorblind"
        );
        assert_eq!(
            Theme::resolve(Some("high-contrast"), None, true)
                .unwrap()
                .name,
            "mono",
            "NO_COLOR wins"
        );
        assert!(Theme::resolve(Some("neon"), None, false).is_err());
        assert!(Theme::mono().is_monochrome() && !Theme::default_ansi().is_monochrome());
    }
}
