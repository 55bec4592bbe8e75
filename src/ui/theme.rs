//! Themes are files: a `[palette]` of named colours and `[roles]` mapping the semantic roles
//! the panes use (`healthy`, `degraded`, `selected`…) to palette colours and modifiers, and an
//! `[ansi16]` table with the roles as the 16 ANSI colours should show them (a palette's greens
//! and greys are too close to pick from by distance alone). A file may name a built-in
//! `parent` and override part of it. Colours are downgraded to the terminal's depth; the
//! selection is reverse video wherever a colour cannot be trusted to show it (16 colours
//! without an `[ansi16]` entry, `NO_COLOR`); under `NO_COLOR` only modifiers remain.

mod color;

use std::collections::{BTreeMap, HashMap};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub use color::ColorDepth;

/// Built-in presets, compiled in.
const PRESETS: [(&str, &str); 3] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// A parent chain longer than this is a cycle or a mistake.
const MAX_PARENTS: usize = 4;

macro_rules! roles {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A semantic role a pane styles text with; themes map each to a style.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Role { $($variant),* }
        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];
            /// The key used in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name),* }
            }
        }
    };
}

roles! {
    Healthy => "healthy", Progressing => "progressing", Degraded => "degraded",
    Suspended => "suspended", Missing => "missing", Unknown => "unknown",
    Synced => "synced", OutOfSync => "out_of_sync", Pending => "pending",
    Selected => "selected", Header => "header", Border => "border", Title => "title",
    Dim => "dim", Error => "error", Warning => "warning", Ok => "ok", Key => "key",
    DiffAdd => "diff_add", DiffDel => "diff_del", DiffHunk => "diff_hunk", Pinned => "pinned",
}

/// Palette + semantic roles, resolved for one colour depth.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub depth: ColorDepth,
    styles: HashMap<Role, Style>,
}

impl Default for Theme {
    /// Plain text: no colours, selection in reverse video (what a broken theme degrades to).
    fn default() -> Self {
        Self::resolve(&Layers::default(), ColorDepth::NoColor)
            .unwrap_or(Self { depth: ColorDepth::NoColor, styles: HashMap::new() })
    }
}

/// The theme file format.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    parent: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    /// Roles at 16 colours (ANSI names), over `roles` at that depth.
    #[serde(default)]
    ansi16: BTreeMap<String, String>,
}

/// Palette and roles merged along the parent chain, not yet resolved (a child's palette
/// entry recolours the parent's roles that use it).
#[derive(Default)]
struct Layers {
    palette: BTreeMap<String, String>,
    roles: BTreeMap<String, String>,
    ansi16: BTreeMap<String, String>,
}

impl Theme {
    /// A built-in preset by name ("default", "light", "mono") or a path to a theme file.
    pub fn load(name_or_path: &str, depth: ColorDepth) -> Result<Theme, String> {
        if let Some(text) = preset(name_or_path) {
            return Self::parse(name_or_path, text, depth);
        }
        let text = std::fs::read_to_string(name_or_path).map_err(|e| {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            format!("theme {name_or_path:?}: not a preset ({}) and not readable: {e}", names.join(", "))
        })?;
        Self::parse(name_or_path, &text, depth)
    }

    /// A theme file's text (`origin` names it in errors), resolved for `depth`.
    pub fn parse(origin: &str, text: &str, depth: ColorDepth) -> Result<Theme, String> {
        let layers = layers_of(origin, text, 0)?;
        Self::resolve(&layers, depth).map_err(|e| format!("theme {origin}: {e}"))
    }

    /// NO_COLOR → NoColor; COLORTERM truecolor/24bit → TrueColor; TERM *-256color → Ansi256;
    /// else Ansi16.
    pub fn detect_depth(env: &dyn Fn(&str) -> Option<String>) -> ColorDepth {
        ColorDepth::detect(env)
    }

    /// The style of a role (plain when the theme leaves it out).
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    fn resolve(layers: &Layers, depth: ColorDepth) -> Result<Theme, String> {
        let mut styles = HashMap::new();
        for (key, spec) in &layers.roles {
            let role = role_named("roles", key)?;
            let style = parse_style(spec, &layers.palette).map_err(|e| format!("roles.{key}: {e}"))?;
            styles.insert(role, depth.apply(style));
        }
        // Checked at every depth, so a typo shows whatever the terminal.
        let mut ansi16 = HashMap::new();
        for (key, spec) in &layers.ansi16 {
            let role = role_named("ansi16", key)?;
            ansi16.insert(role, parse_style(spec, &BTreeMap::new()).map_err(|e| format!("ansi16.{key}: {e}"))?);
        }
        if depth == ColorDepth::Ansi16 {
            if !ansi16.contains_key(&Role::Selected) {
                // A background downgraded to one of 16 colours may be the terminal's own
                // (black on a black console): reverse video always shows.
                let sel = styles.entry(Role::Selected).or_default();
                *sel = Style::default().add_modifier(sel.add_modifier | color::SELECTED_WITHOUT_COLOR);
            }
            styles.extend(ansi16.into_iter().map(|(r, s)| (r, depth.apply(s))));
        }
        if depth == ColorDepth::NoColor {
            // Meaning never rests on colour: the selection stays visible as reverse video.
            let sel = styles.entry(Role::Selected).or_default();
            *sel = sel.add_modifier(color::SELECTED_WITHOUT_COLOR);
        }
        Ok(Theme { depth, styles })
    }
}

/// The role a theme file's `section.key` names.
fn role_named(section: &str, key: &str) -> Result<Role, String> {
    Role::ALL.iter().copied().find(|r| r.name() == key).ok_or_else(|| {
        let known: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
        format!("{section}.{key}: unknown role (known: {})", known.join(", "))
    })
}

impl Theme {
    /// The built-in presets' names, for `:theme` completion and messages.
    pub fn presets() -> impl Iterator<Item = &'static str> {
        PRESETS.iter().map(|(n, _)| *n)
    }
}

fn preset(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Parse one file and merge it over its parent chain.
fn layers_of(origin: &str, text: &str, depth: usize) -> Result<Layers, String> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| format!("theme {origin}: {e}"))?;
    let mut layers = match &file.parent {
        None => Layers::default(),
        Some(_) if depth >= MAX_PARENTS => return Err(format!("theme {origin}: parent: chain too long (a cycle?)")),
        Some(p) => {
            let parent_text = preset(p).ok_or_else(|| format!("theme {origin}: parent: unknown preset {p:?}"))?;
            layers_of(p, parent_text, depth + 1)?
        }
    };
    for (k, v) in file.palette {
        v.parse::<Color>().map_err(|_| format!("theme {origin}: palette.{k}: not a colour: {v:?}"))?;
        layers.palette.insert(k, v);
    }
    layers.roles.extend(file.roles);
    layers.ansi16.extend(file.ansi16);
    Ok(layers)
}

/// `"green bold"`, `"bg:blue white"`, `"reverse"`: a foreground colour, an optional `bg:`
/// colour (palette names or colours), and modifiers.
fn parse_style(spec: &str, palette: &BTreeMap<String, String>) -> Result<Style, String> {
    let mut style = Style::default();
    for token in spec.split_whitespace() {
        let modifier = match token {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(Modifier::REVERSED),
            "crossed" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if let Some(bg) = token.strip_prefix("bg:") {
            style = style.bg(colour(bg, palette)?);
        } else {
            style = style.fg(colour(token.strip_prefix("fg:").unwrap_or(token), palette)?);
        }
    }
    Ok(style)
}

fn colour(name: &str, palette: &BTreeMap<String, String>) -> Result<Color, String> {
    let value = palette.get(name).map_or(name, String::as_str);
    value.parse::<Color>().map_err(|_| format!("unknown colour or modifier {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_load_and_define_every_role() {
        for (name, _) in PRESETS {
            let t = Theme::load(name, ColorDepth::TrueColor).unwrap();
            for role in Role::ALL {
                assert!(t.styles.contains_key(role), "{name} lacks {}", role.name());
            }
        }
    }

    #[test]
    fn child_overrides_parent_palette_and_roles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(
            &path,
            "parent = \"default\"\n[palette]\ngreen = \"#0000ff\"\n[roles]\nerror = \"yellow underline\"\n",
        )
        .unwrap();
        let t = Theme::load(path.to_str().unwrap(), ColorDepth::TrueColor).unwrap();
        let base = Theme::load("default", ColorDepth::TrueColor).unwrap();
        // The parent's `healthy` uses the palette's green, which the child recoloured.
        assert_eq!(t.style(Role::Healthy).fg, Some(Color::Rgb(0, 0, 255)));
        assert_ne!(base.style(Role::Healthy).fg, Some(Color::Rgb(0, 0, 255)));
        assert_eq!(t.style(Role::Error).fg, Some(Color::Yellow));
        assert!(t.style(Role::Error).add_modifier.contains(Modifier::UNDERLINED));
        assert_eq!(t.style(Role::Degraded), base.style(Role::Degraded));
    }

    #[test]
    fn bad_files_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Theme::load(path.to_str().unwrap(), ColorDepth::TrueColor).unwrap_err()
        };
        assert!(load("[roles]\nhealthy = \"grene\"\n").contains("roles.healthy"));
        assert!(load("[roles]\nhealthyy = \"green\"\n").contains("roles.healthyy: unknown role"));
        assert!(load("[palette]\nmint = \"#zz\"\n").contains("palette.mint"));
        assert!(load("parent = \"nope\"\n").contains("parent"));
        assert!(load("colours = 1\n").contains("colours"));
        assert!(Theme::load("/nonexistent/theme.toml", ColorDepth::Ansi16).unwrap_err().contains("not a preset"));
    }

    #[test]
    fn depth_is_applied_to_every_role() {
        let t = Theme::load("default", ColorDepth::NoColor).unwrap();
        for role in Role::ALL {
            let s = t.style(*role);
            assert_eq!((s.fg, s.bg), (None, None), "{}", role.name());
        }
        assert!(t.style(Role::Selected).add_modifier.contains(Modifier::REVERSED));
        let t16 = Theme::load("default", ColorDepth::Ansi16).unwrap();
        assert!(!matches!(t16.style(Role::Healthy).fg, Some(Color::Rgb(..) | Color::Indexed(_))));
    }
}
