//! Colour depth: detecting what the terminal can show, and downgrading theme colours to it
//! (true colour → xterm 256 → the 16 ANSI colours → none), so one theme file serves all.

use ratatui::style::{Color, Modifier, Style};

/// How many colours the terminal can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
    /// `NO_COLOR`: modifiers only, never a colour.
    NoColor,
}

impl ColorDepth {
    /// `NO_COLOR` (any non-empty value) wins; then `COLORTERM` truecolor/24bit; then a
    /// `TERM` ending in `-256color`; else the 16 ANSI colours.
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Self {
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Self::NoColor;
        }
        if env("COLORTERM").is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "truecolor" | "24bit")) {
            return Self::TrueColor;
        }
        if env("TERM").is_some_and(|v| v.ends_with("-256color")) {
            return Self::Ansi256;
        }
        Self::Ansi16
    }

    /// The style as this depth can show it. Without colours only modifiers remain.
    pub fn apply(self, style: Style) -> Style {
        let mut out = Style::default().add_modifier(style.add_modifier).remove_modifier(style.sub_modifier);
        if self != Self::NoColor {
            if let Some(fg) = style.fg {
                out = out.fg(self.color(fg));
            }
            if let Some(bg) = style.bg {
                out = out.bg(self.color(bg));
            }
        }
        out
    }

    /// One colour at this depth (NoColor keeps it: `apply` drops colours altogether).
    pub fn color(self, c: Color) -> Color {
        match (self, c) {
            (Self::TrueColor | Self::NoColor, c) => c,
            (Self::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
            (Self::Ansi256, c) => c,
            (Self::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
            (Self::Ansi16, Color::Indexed(i)) => {
                let (r, g, b) = indexed_rgb(i);
                nearest_16(r, g, b)
            }
            (Self::Ansi16, c) => c,
        }
    }
}

/// The selection must stay visible without colour: reverse video, bold.
pub const SELECTED_WITHOUT_COLOR: Modifier = Modifier::REVERSED.union(Modifier::BOLD);

/// xterm's default values of the 16 ANSI colours, used to find the nearest one.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

/// Above this spread between a colour's strongest and weakest channel it is a hue, never a
/// grey: a soft green (95,215,95) is nearer grey 8 than green by distance, yet it means green.
const HUE_SPREAD: u8 = 64;

fn is_grey(c: Color) -> bool {
    matches!(c, Color::Black | Color::Gray | Color::DarkGray | Color::White)
}

fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    let hue = r.max(g).max(b) - r.min(g).min(b) > HUE_SPREAD;
    ANSI16
        .iter()
        .filter(|(c, _)| !(hue && is_grey(*c)))
        .min_by_key(|(_, rgb)| dist(*rgb, (r, g, b)))
        .map_or(Color::Reset, |(c, _)| *c)
}

/// Levels of the 6×6×6 cube in the xterm 256-colour palette.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            (CUBE[usize::from(n / 36)], CUBE[usize::from(n / 6 % 6)], CUBE[usize::from(n % 6)])
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// Nearest of the cube and the grey ramp (indices 16–255; the first 16 are user-defined).
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    (16..=255u8).min_by_key(|i| dist(indexed_rgb(*i), (r, g, b))).unwrap_or(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn depth_detection_follows_the_environment() {
        assert_eq!(ColorDepth::detect(&env_of(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])), ColorDepth::NoColor);
        assert_eq!(ColorDepth::detect(&env_of(&[("NO_COLOR", ""), ("COLORTERM", "24bit")])), ColorDepth::TrueColor);
        assert_eq!(ColorDepth::detect(&env_of(&[("TERM", "xterm-256color")])), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(&env_of(&[("TERM", "xterm")])), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(&env_of(&[])), ColorDepth::Ansi16);
    }

    #[test]
    fn downgrades_pick_the_nearest_colour() {
        assert_eq!(ColorDepth::Ansi16.color(Color::Rgb(250, 10, 10)), Color::LightRed);
        assert_eq!(ColorDepth::Ansi16.color(Color::Rgb(0, 190, 0)), Color::Green);
        assert_eq!(ColorDepth::Ansi256.color(Color::Rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(ColorDepth::Ansi256.color(Color::Rgb(128, 128, 128)), Color::Indexed(244));
        assert_eq!(ColorDepth::Ansi16.color(Color::Indexed(196)), Color::LightRed);
        // A soft green is green, not the grey that is nearer by distance.
        assert_eq!(ColorDepth::Ansi16.color(Color::Rgb(95, 215, 95)), Color::Green);
        assert_eq!(ColorDepth::Ansi16.color(Color::Rgb(138, 138, 138)), Color::DarkGray);
        assert_eq!(ColorDepth::TrueColor.color(Color::Rgb(1, 2, 3)), Color::Rgb(1, 2, 3));
        let s = ColorDepth::NoColor.apply(Style::default().fg(Color::Red).add_modifier(Modifier::BOLD));
        assert_eq!((s.fg, s.bg), (None, None));
        assert!(s.add_modifier.contains(Modifier::BOLD));
    }
}
