//! Key bindings: dive's binding names and defaults (plus layerlens's own), read from
//! `$XDG_CONFIG_HOME/layerlens/config.yaml`, and the pure mapping from a key press in a given
//! context to an [`Action`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::Action;
use crate::index::Change;

/// One key with its modifiers, as a binding names it (`ctrl+a`, `pgdn`, `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    /// Parses dive's key syntax: modifiers joined by `+`, then a key name or one character.
    pub fn parse(text: &str) -> Option<Key> {
        // Names and modifiers are case-insensitive; a single character is not (`N` ≠ `n`).
        let text = text.trim();
        let text = if text.chars().count() == 1 {
            text.to_string()
        } else {
            let (mods, last) = text.rsplit_once('+').unwrap_or(("", text));
            let last = if last.chars().count() == 1 {
                last.to_string()
            } else {
                last.to_ascii_lowercase()
            };
            if mods.is_empty() && !text.contains('+') {
                last
            } else {
                format!("{}+{last}", mods.to_ascii_lowercase())
            }
        };
        let mut parts: Vec<&str> = text.split('+').collect();
        // "ctrl++" would split into ["ctrl", "", ""]: the key is "+".
        let name = if text.ends_with("++") {
            parts.truncate(parts.len() - 2);
            "+"
        } else {
            parts.pop()?
        };
        let mut key = Key {
            code: KeyCode::Null,
            ctrl: false,
            alt: false,
        };
        for m in parts {
            match m {
                "ctrl" | "control" => key.ctrl = true,
                "alt" | "meta" => key.alt = true,
                _ => return None,
            }
        }
        key.code = match name {
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "esc" | "escape" => KeyCode::Esc,
            "enter" | "return" => KeyCode::Enter,
            "space" => KeyCode::Char(' '),
            "up" | "arrowup" => KeyCode::Up,
            "down" | "arrowdown" => KeyCode::Down,
            "left" | "arrowleft" => KeyCode::Left,
            "right" | "arrowright" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "slash" => KeyCode::Char('/'),
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        Some(key)
    }

    /// The key a terminal event stands for (shift is folded into the character).
    pub fn from_event(ev: &KeyEvent) -> Key {
        let code = match ev.code {
            KeyCode::Char(c) if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            c => c,
        };
        Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// The binding's name as the help shows it.
    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Tab => "tab".to_string(),
            KeyCode::BackTab => "shift+tab".to_string(),
            KeyCode::Esc => "esc".to_string(),
            KeyCode::Enter => "enter".to_string(),
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Up => "up".to_string(),
            KeyCode::Down => "down".to_string(),
            KeyCode::Left => "left".to_string(),
            KeyCode::Right => "right".to_string(),
            KeyCode::PageUp => "pgup".to_string(),
            KeyCode::PageDown => "pgdn".to_string(),
            KeyCode::Home => "home".to_string(),
            KeyCode::End => "end".to_string(),
            KeyCode::F(n) => format!("f{n}"),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".to_string(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("ctrl+{name}"),
            (_, true) => format!("alt+{name}"),
            _ => name,
        }
    }
}

/// Every configurable command: dive's names first, then layerlens's.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    // (name, default keys, what it does)
    ("quit", "ctrl+c,q", "quit"),
    (
        "toggle-view",
        "tab",
        "switch between the layers and the file tree",
    ),
    (
        "filter-files",
        "ctrl+f,ctrl+slash",
        "filter the file tree by path (regex)",
    ),
    (
        "close-filter-files",
        "esc",
        "close the filter, search or an overlay",
    ),
    ("up", "up,k", "move up"),
    ("down", "down,j", "move down"),
    ("left", "left,h", "collapse directory / go to parent"),
    ("right", "right,l", "expand directory"),
    ("page-up", "pgup", "page up"),
    ("page-down", "pgdn", "page down"),
    (
        "compare-layer",
        "ctrl+l",
        "layers pane: show the layer's own changes",
    ),
    (
        "compare-all",
        "ctrl+a",
        "layers pane: show all changes since layer 0",
    ),
    (
        "toggle-collapse-dir",
        "space",
        "collapse / expand the directory",
    ),
    (
        "toggle-collapse-all-dir",
        "ctrl+space",
        "collapse / expand all directories",
    ),
    (
        "toggle-added-files",
        "ctrl+a",
        "file tree: show / hide added files",
    ),
    (
        "toggle-removed-files",
        "ctrl+r",
        "show / hide removed files",
    ),
    (
        "toggle-modified-files",
        "ctrl+m",
        "show / hide modified files",
    ),
    (
        "toggle-unmodified-files",
        "ctrl+u",
        "show / hide unmodified files",
    ),
    (
        "toggle-filetree-attributes",
        "ctrl+b",
        "show / hide mode, uid:gid and size",
    ),
    ("toggle-sort-order", "ctrl+o", "sort by name / by size"),
    (
        "extract-file",
        "ctrl+e",
        "extract the selected file to a path you type",
    ),
    ("search", "/", "search for a path"),
    ("search-next", "n", "next search match"),
    ("search-prev", "N", "previous search match"),
    (
        "wasted-bytes",
        "w",
        "list bytes shipped but not visible in the final image",
    ),
    (
        "why",
        "y",
        "every layer that wrote, changed or deleted the selected path",
    ),
    (
        "view-file",
        "v,enter",
        "show the selected text file's contents",
    ),
    ("help", "?,f1", "show this help"),
];

/// Which keys do what.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<&'static str, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = HashMap::new();
        for (name, keys, _) in COMMANDS {
            bindings.insert(*name, parse_list(keys).unwrap_or_default());
        }
        Keymap { bindings }
    }
}

fn parse_list(keys: &str) -> Option<Vec<Key>> {
    keys.split(',')
        .filter(|k| !k.trim().is_empty())
        .map(Key::parse)
        .collect()
}

#[derive(serde::Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    keybinding: HashMap<String, String>,
}

impl Keymap {
    /// The defaults with a config file's `keybinding:` section applied (dive's format).
    pub fn from_yaml(text: &str) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        if text.trim().is_empty() {
            return Ok(map);
        }
        let file: ConfigFile = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        for (name, keys) in file.keybinding {
            let Some((known, _, _)) = COMMANDS.iter().find(|(n, _, _)| *n == name) else {
                return Err(format!("unknown key binding '{name}'"));
            };
            let parsed = parse_list(&keys).ok_or_else(|| format!("{name}: bad key '{keys}'"))?;
            map.bindings.insert(known, parsed);
        }
        Ok(map)
    }

    /// Where the config file is: `$XDG_CONFIG_HOME/layerlens/config.yaml`, else
    /// `~/.config/layerlens/config.yaml`.
    pub fn config_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
        Some(base.join("layerlens").join("config.yaml"))
    }

    /// Loads the config file when there is one.
    pub fn load() -> Result<Keymap, String> {
        match Keymap::config_path() {
            Some(p) if p.is_file() => {
                let text =
                    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                Keymap::from_yaml(&text).map_err(|e| format!("{}: {e}", p.display()))
            }
            _ => Ok(Keymap::default()),
        }
    }

    /// The keys bound to a command.
    pub fn keys(&self, name: &str) -> &[Key] {
        self.bindings.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    fn is(&self, name: &str, key: &Key) -> bool {
        self.keys(name).contains(key)
    }
}

/// What state the keys act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Loading,
    Layers,
    Tree,
    /// Typing into a prompt (filter, search, extract path).
    Input,
    /// An overlay (help, wasted bytes, why, file contents) is open.
    Overlay,
}

/// Maps a key press to an action: a pure function of the keymap, the context and the key.
pub fn map_key(map: &Keymap, ctx: Context, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let key = Key::from_event(ev);
    if ctx == Context::Input {
        return match ev.code {
            _ if key.ctrl && key.code == KeyCode::Char('c') => Some(Action::InputCancel),
            KeyCode::Esc => Some(Action::InputCancel),
            KeyCode::Enter => Some(Action::InputSubmit),
            KeyCode::Backspace => Some(Action::InputBackspace),
            KeyCode::Char(c) if !key.ctrl && !key.alt => Some(Action::InputChar(c)),
            _ => None,
        };
    }
    let is = |name| map.is(name, &key);
    if is("quit") {
        return Some(
            if ctx == Context::Overlay && key.code == KeyCode::Char('q') {
                Action::CloseOverlay
            } else {
                Action::Quit
            },
        );
    }
    if ctx == Context::Loading {
        return None;
    }
    if ctx == Context::Overlay {
        return if is("close-filter-files") || is("help") {
            Some(Action::CloseOverlay)
        } else if is("up") {
            Some(Action::Up)
        } else if is("down") {
            Some(Action::Down)
        } else if is("page-up") {
            Some(Action::PageUp)
        } else if is("page-down") {
            Some(Action::PageDown)
        } else if key.code == KeyCode::Enter {
            Some(Action::Enter)
        } else {
            None
        };
    }
    // Bindings that mean different things per pane come first.
    if ctx == Context::Layers {
        if is("compare-all") {
            return Some(Action::CompareAll);
        }
        if is("compare-layer") {
            return Some(Action::CompareLayer);
        }
    }
    if ctx == Context::Tree {
        for (name, c) in [
            ("toggle-added-files", Change::Added),
            ("toggle-removed-files", Change::Removed),
            ("toggle-modified-files", Change::Modified),
            ("toggle-unmodified-files", Change::Unmodified),
        ] {
            if is(name) {
                return Some(Action::ToggleKind(c));
            }
        }
    }
    let table: &[(&str, Action)] = &[
        ("toggle-view", Action::ToggleView),
        ("filter-files", Action::StartFilter),
        ("close-filter-files", Action::ClearFilter),
        ("up", Action::Up),
        ("down", Action::Down),
        ("left", Action::Left),
        ("right", Action::Right),
        ("page-up", Action::PageUp),
        ("page-down", Action::PageDown),
        ("toggle-collapse-all-dir", Action::ToggleCollapseAll),
        ("toggle-collapse-dir", Action::ToggleCollapse),
        ("toggle-filetree-attributes", Action::ToggleAttributes),
        ("toggle-sort-order", Action::ToggleSort),
        ("extract-file", Action::StartExtract),
        ("search", Action::StartSearch),
        ("search-next", Action::SearchNext),
        ("search-prev", Action::SearchPrev),
        ("wasted-bytes", Action::ShowWaste),
        ("why", Action::ShowWhy),
        ("view-file", Action::ViewFile),
        ("help", Action::ShowHelp),
    ];
    table
        .iter()
        .find(|(name, _)| is(name))
        .map(|(_, a)| a.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dbg_of(a: Option<Action>) -> String {
        format!("{a:?}")
    }
    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }
    fn ch(c: char) -> KeyEvent {
        ev(KeyCode::Char(c), KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        ev(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn parses_dive_key_names() {
        let k = Key::parse("ctrl+space").unwrap();
        assert_eq!((k.code, k.ctrl), (KeyCode::Char(' '), true));
        assert_eq!(Key::parse("pgdn").unwrap().code, KeyCode::PageDown);
        assert_eq!(Key::parse("ctrl+slash").unwrap().code, KeyCode::Char('/'));
        assert_eq!(Key::parse("f1").unwrap().code, KeyCode::F(1));
        assert_eq!(Key::parse("?").unwrap().code, KeyCode::Char('?'));
        assert!(Key::parse("hyper+x").is_none());
        assert_eq!(Key::parse("ctrl+a").unwrap().label(), "ctrl+a");
    }

    #[test]
    fn the_same_key_means_different_things_per_pane() {
        let m = Keymap::default();
        assert_eq!(
            dbg_of(map_key(&m, Context::Layers, &ctrl('a'))),
            format!("{:?}", Some(Action::CompareAll) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ctrl('a'))),
            format!(
                "{:?}",
                Some(Action::ToggleKind(Change::Added)) as Option<Action>
            )
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ch('j'))),
            format!("{:?}", Some(Action::Down) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ctrl(' '))),
            format!("{:?}", Some(Action::ToggleCollapseAll) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ch(' '))),
            format!("{:?}", Some(Action::ToggleCollapse) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ch('N'))),
            format!("{:?}", Some(Action::SearchPrev) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Loading, &ch('j'))),
            format!("{:?}", None as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Loading, &ch('q'))),
            format!("{:?}", Some(Action::Quit) as Option<Action>)
        );
    }

    #[test]
    fn prompts_take_characters_and_overlays_close_with_q() {
        let m = Keymap::default();
        assert_eq!(
            dbg_of(map_key(&m, Context::Input, &ch('q'))),
            format!("{:?}", Some(Action::InputChar('q')) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(
                &m,
                Context::Input,
                &ev(KeyCode::Esc, KeyModifiers::NONE)
            )),
            format!("{:?}", Some(Action::InputCancel) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Overlay, &ch('q'))),
            format!("{:?}", Some(Action::CloseOverlay) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Overlay, &ctrl('c'))),
            format!("{:?}", Some(Action::Quit) as Option<Action>)
        );
    }

    #[test]
    fn config_file_rebinds_with_dive_names() {
        let m = Keymap::from_yaml("keybinding:\n  quit: ctrl+q\n  toggle-sort-order: s\n").unwrap();
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ctrl('q'))),
            format!("{:?}", Some(Action::Quit) as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ch('q'))),
            format!("{:?}", None as Option<Action>)
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ch('s'))),
            format!("{:?}", Some(Action::ToggleSort) as Option<Action>)
        );
        assert!(Keymap::from_yaml("keybinding:\n  fly: x\n")
            .unwrap_err()
            .contains("fly"));
        assert!(Keymap::from_yaml("keybinding:\n  quit: hyper+x\n").is_err());
    }
}
