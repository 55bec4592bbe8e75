//! Keymap presets and user overlays (yazi-like): the built-in preset is `config/keymap.toml`,
//! compiled in; a user file may replace it (`keymap`), add before it (`prepend_keymap`, which
//! wins), add after it (`append_keymap`), or `unbind` keys. Errors name file, line and fix.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::app::{Binding, Command, Key, KeyCode, KeyContext, Keymap};
use crate::domain::config_error::{close_names, quote_list, ConfigError};

/// The built-in preset, as shipped.
pub const BUILTIN_TEXT: &str = include_str!("../../config/keymap.toml");
/// The name errors in the built-in preset are reported under.
pub const BUILTIN_PATH: &str = "<built-in>/config/keymap.toml";

const KEY_FORMS: &str = "use a single character (\"j\", \"S\", \"?\"), or enter, esc, tab, backtab, \
backspace, del, up, down, left, right, home, end, pgup, pgdn, space, minus, f1..f24, \
optionally prefixed with \"ctrl-\" and/or \"alt-\" (e.g. \"ctrl-z\")";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    on: Spanned<Vec<Spanned<String>>>,
    run: Spanned<String>,
    desc: Option<String>,
    #[serde(default)]
    hint: bool,
    /// Where it applies: `normal` (default), `approvals`, `logs`.
    #[serde(default)]
    context: KeyContext,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Preset {
    keymap: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Overlay {
    keymap: Option<Vec<RawBinding>>,
    #[serde(default)]
    prepend_keymap: Vec<RawBinding>,
    #[serde(default)]
    append_keymap: Vec<RawBinding>,
    #[serde(default)]
    unbind: Vec<Spanned<String>>,
}

/// The built-in keymap. The preset is covered by tests; should it ever fail to parse, this
/// logs the error and returns a minimal keymap (quit and back) rather than panicking.
pub fn builtin() -> Keymap {
    match builtin_checked() {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "built-in keymap is invalid; using the minimal fallback");
            fallback()
        }
    }
}

/// The built-in keymap, or the error in the preset.
pub fn builtin_checked() -> Result<Keymap, ConfigError> {
    parse_preset(BUILTIN_TEXT, Path::new(BUILTIN_PATH))
}

/// The effective keymap: the built-in preset with the user's overlay file applied.
pub fn load(overlay: Option<&Path>) -> Result<Keymap, ConfigError> {
    let base = builtin_checked()?;
    let Some(path) = overlay else { return Ok(base) };
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::in_file(
            path,
            format!("cannot read the keymap file: {e}"),
            "fix the path in [ui] keymap of your config file, or remove that line to use the built-in keys",
        )
    })?;
    apply_overlay(base, &text, path)
}

/// Parse a full preset (`[[keymap]]` entries).
pub fn parse_preset(text: &str, path: &Path) -> Result<Keymap, ConfigError> {
    let preset: Preset = toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e, OVERLAY_HINT))?;
    Ok(Keymap { bindings: convert(preset.keymap, text, path)? })
}

const OVERLAY_HINT: &str = "a keymap file holds `keymap`, `prepend_keymap`, `append_keymap` (lists of \
{ on = [keys], run = \"command\", desc = \"…\", hint = bool, context = \"normal\" | \"approvals\" | \"logs\" | \"delivery\" }) \
and `unbind` (a list of keys)";

/// Apply an overlay file's text to `base`. `keymap` replaces `base`; `unbind` then removes its
/// keys from those bindings (a binding left without keys disappears); `prepend_keymap` goes in
/// front (so it wins) and `append_keymap` at the end. Unbinding never touches the user's own
/// prepended or appended bindings, so "unbind x, prepend x" rebinds a key.
pub fn apply_overlay(base: Keymap, text: &str, path: &Path) -> Result<Keymap, ConfigError> {
    let overlay: Overlay = toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e, OVERLAY_HINT))?;
    let mut middle = match overlay.keymap {
        Some(raw) => convert(raw, text, path)?,
        None => base.bindings,
    };
    let mut unbound = Vec::new();
    for k in &overlay.unbind {
        unbound.push(parse_key(k, text, path)?);
    }
    for b in &mut middle {
        b.keys.retain(|k| !unbound.contains(k));
    }
    middle.retain(|b| !b.keys.is_empty());
    let mut bindings = convert(overlay.prepend_keymap, text, path)?;
    bindings.extend(middle);
    bindings.extend(convert(overlay.append_keymap, text, path)?);
    Ok(Keymap { bindings })
}

fn convert(raw: Vec<RawBinding>, text: &str, path: &Path) -> Result<Vec<Binding>, ConfigError> {
    raw.into_iter().map(|r| convert_one(r, text, path)).collect()
}

fn convert_one(raw: RawBinding, text: &str, path: &Path) -> Result<Binding, ConfigError> {
    let name = raw.run.get_ref().as_str();
    let Some(command) = Command::from_name(name) else {
        let all: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
        let close = close_names(name, all.iter().copied());
        let hint = if close.is_empty() {
            format!("the commands are: {}", all.join(", "))
        } else {
            format!("did you mean {}? (all commands are listed in `?` help)", quote_list(&close))
        };
        return Err(ConfigError::at(path, text, raw.run.span(), format!("unknown command {name:?}"), hint));
    };
    if raw.on.get_ref().is_empty() {
        return Err(ConfigError::at(
            path,
            text,
            raw.on.span(),
            format!("the binding for {name:?} has no keys"),
            "list at least one key, e.g. on = [\"j\", \"down\"]; to remove keys use `unbind`",
        ));
    }
    let keys = raw.on.get_ref().iter().map(|k| parse_key(k, text, path)).collect::<Result<Vec<_>, _>>()?;
    let desc = raw.desc.unwrap_or_else(|| command.desc().to_string());
    Ok(Binding { keys, command, desc, hint: raw.hint, context: raw.context })
}

fn parse_key(k: &Spanned<String>, text: &str, path: &Path) -> Result<Key, ConfigError> {
    Key::parse(k.get_ref())
        .map_err(|_| ConfigError::at(path, text, k.span(), format!("bad key {:?}", k.get_ref()), KEY_FORMS))
}

/// Enough to leave the program if the preset is ever broken.
fn fallback() -> Keymap {
    let one = |key: Key, command: Command| Binding {
        keys: vec![key],
        command,
        desc: command.desc().into(),
        hint: true,
        context: KeyContext::Normal,
    };
    Keymap { bindings: vec![one(Key::char('q'), Command::Quit), one(Key::plain(KeyCode::Esc), Command::Back)] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_parses_and_fallback_quits() {
        assert!(builtin_checked().is_ok());
        assert_eq!(fallback().lookup(Key::char('q')), Some(Command::Quit));
    }
}
