//! Key bindings: dive's binding names and defaults (plus layerlens's own), and the pure mapping
//! from a key press in a given context to an [`Action`]. The config file that rebinds them is
//! read by [`super::config`].
//!
//! A terminal sends some chords as other keys (ctrl+m is enter, ctrl+/ is ctrl+7): bindings are
//! compared in their [`Key::canonical`] form, so dive's `ctrl+m` and `ctrl+slash` work.

use std::collections::HashMap;

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
            "insert" | "ins" => KeyCode::Insert,
            "backspace2" => KeyCode::Backspace,
            "pgdown" => KeyCode::PageDown,
            // gocui's names for punctuation, which dive's config accepts.
            "slash" => KeyCode::Char('/'),
            "backslash" => KeyCode::Char('\\'),
            "lsqbracket" => KeyCode::Char('['),
            "rsqbracket" => KeyCode::Char(']'),
            "underscore" => KeyCode::Char('_'),
            "tilde" => KeyCode::Char('~'),
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        // dive's own defaults are written `Ctrl+A`: a terminal sends ctrl+a and ctrl+shift+a
        // alike, so the letter's case means nothing under ctrl.
        if let (KeyCode::Char(c), true) = (key.code, key.ctrl) {
            key.code = KeyCode::Char(c.to_ascii_lowercase());
        }
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

    /// The key as a terminal without keyboard enhancements delivers it: ctrl+m is enter, ctrl+i
    /// is tab, ctrl+[ and ctrl+3 are esc, ctrl+8 is backspace, ctrl+/ and ctrl+_ arrive as
    /// ctrl+7, ctrl+2, ctrl+@ and ctrl+~ as ctrl+space (gocui's table, which dive uses).
    pub fn canonical(self) -> Key {
        let plain = |code| Key {
            code,
            ctrl: false,
            alt: self.alt,
        };
        let ctrl = |c| Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: self.alt,
        };
        match (self.code, self.ctrl) {
            (KeyCode::Char('m'), true) => plain(KeyCode::Enter),
            (KeyCode::Char('i'), true) => plain(KeyCode::Tab),
            (KeyCode::Char('['), true) => plain(KeyCode::Esc),
            (KeyCode::Char('/' | '_'), true) => ctrl('7'),
            (KeyCode::Char('3'), true) => plain(KeyCode::Esc),
            (KeyCode::Char('8'), true) => plain(KeyCode::Backspace),
            (KeyCode::Char('2' | '@' | '~'), true) => ctrl(' '),
            (KeyCode::Char('\\'), true) => ctrl('4'),
            (KeyCode::Char(']'), true) => ctrl('5'),
            (KeyCode::Char('^'), true) => ctrl('6'),
            _ => self,
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
            KeyCode::Char('/') if self.ctrl => "slash".to_string(),
            KeyCode::Up => "up".to_string(),
            KeyCode::Down => "down".to_string(),
            KeyCode::Left => "left".to_string(),
            KeyCode::Right => "right".to_string(),
            KeyCode::PageUp => "pgup".to_string(),
            KeyCode::PageDown => "pgdn".to_string(),
            KeyCode::Home => "home".to_string(),
            KeyCode::End => "end".to_string(),
            KeyCode::Insert => "insert".to_string(),
            KeyCode::Delete => "delete".to_string(),
            KeyCode::Backspace => "backspace".to_string(),
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
    ("page-up", "pgup,u", "page up"),
    ("page-down", "pgdn,d", "page down"),
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
        "show / hide modified files (also enter)",
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
    (
        "toggle-wrap-tree",
        "ctrl+p",
        "wrap long file-tree lines / cut them",
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
        "reclaimable bytes: every file shipped but hidden in the final image",
    ),
    (
        "findings",
        "f",
        "findings: what wastes space and how to fix it",
    ),
    (
        "packages",
        "p",
        "packages: which packages own the bytes (enter: their files in the tree)",
    ),
    (
        "why",
        "y",
        "every layer that wrote, changed or deleted the selected path",
    ),
    (
        "view-file",
        "v",
        "show a text file, or (layers pane) the whole command",
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

impl Keymap {
    /// Rebinds a command by its dive name to a comma-separated key list (`"pgdn, d"`).
    pub fn bind(&mut self, name: &str, keys: &str) -> Result<(), String> {
        let Some((known, _, _)) = COMMANDS.iter().find(|(n, _, _)| *n == name) else {
            return Err(format!("unknown key binding '{name}'"));
        };
        let parsed = parse_list(keys).ok_or_else(|| format!("{name}: bad key '{keys}'"))?;
        self.bindings.insert(known, parsed);
        Ok(())
    }

    /// The keys bound to a command.
    pub fn keys(&self, name: &str) -> &[Key] {
        self.bindings.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    fn is(&self, name: &str, key: &Key) -> bool {
        let key = key.canonical();
        self.keys(name).iter().any(|k| k.canonical() == key)
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
        // A quit chord (ctrl+c) quits from a prompt too, as in dive; a plain `q` is typed.
        if (key.ctrl || key.alt) && map.is("quit", &key) {
            return Some(Action::Quit);
        }
        return match ev.code {
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
        // Before the tree exists, only the layers list moves (once the layers are known).
        return [
            ("up", Action::Up),
            ("down", Action::Down),
            ("page-up", Action::PageUp),
            ("page-down", Action::PageDown),
        ]
        .into_iter()
        .find(|(name, _)| is(name))
        .map(|(_, a)| a);
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
        ("toggle-wrap-tree", Action::ToggleWrap),
        ("extract-file", Action::StartExtract),
        ("search", Action::StartSearch),
        ("search-next", Action::SearchNext),
        ("search-prev", Action::SearchPrev),
        ("wasted-bytes", Action::ShowWaste),
        ("findings", Action::ShowFindings),
        ("packages", Action::ShowPackages),
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
            format!("{:?}", Some(Action::Down) as Option<Action>)
        );
        for c in ['/', 'f', ' ', '\t'] {
            assert_eq!(
                dbg_of(map_key(&m, Context::Loading, &ch(c))),
                format!("{:?}", None as Option<Action>),
                "{c:?} waits for the tree"
            );
        }
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
            dbg_of(map_key(&m, Context::Input, &ctrl('c'))),
            dbg_of(Some(Action::Quit))
        );
        assert_eq!(dbg_of(map_key(&m, Context::Input, &ctrl('x'))), "None");
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
    fn chords_a_terminal_cannot_tell_apart_still_match_dive_bindings() {
        let m = Keymap::default();
        // ctrl+m arrives as enter: in the tree it is dive's toggle-modified-files.
        assert_eq!(
            dbg_of(map_key(
                &m,
                Context::Tree,
                &ev(KeyCode::Enter, KeyModifiers::NONE)
            )),
            dbg_of(Some(Action::ToggleKind(Change::Modified)))
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ctrl('m'))),
            dbg_of(Some(Action::ToggleKind(Change::Modified)))
        );
        // ctrl+slash arrives as ctrl+7.
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ctrl('7'))),
            dbg_of(Some(Action::StartFilter))
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Layers, &ctrl('f'))),
            dbg_of(Some(Action::StartFilter))
        );
        // dive 0.13's u / d page keys, ctrl+p wrap, ctrl+e extract, ctrl+b attributes.
        for (k, a) in [
            (ch('u'), Action::PageUp),
            (ch('d'), Action::PageDown),
            (ev(KeyCode::PageDown, KeyModifiers::NONE), Action::PageDown),
            (ctrl('p'), Action::ToggleWrap),
            (ctrl('e'), Action::StartExtract),
            (ctrl('b'), Action::ToggleAttributes),
            (ctrl('o'), Action::ToggleSort),
            (ctrl('r'), Action::ToggleKind(Change::Removed)),
            (ctrl('u'), Action::ToggleKind(Change::Unmodified)),
            (ch('h'), Action::Left),
            (ch('l'), Action::Right),
            (ch('k'), Action::Up),
            (ev(KeyCode::Tab, KeyModifiers::NONE), Action::ToggleView),
            (ev(KeyCode::Esc, KeyModifiers::NONE), Action::ClearFilter),
        ] {
            assert_eq!(
                dbg_of(map_key(&m, Context::Tree, &k)),
                dbg_of(Some(a)),
                "{k:?}"
            );
        }
        assert_eq!(
            dbg_of(map_key(&m, Context::Layers, &ctrl('l'))),
            dbg_of(Some(Action::CompareLayer))
        );
        // A key release (kitty protocol) does nothing.
        let mut release = ch('j');
        release.kind = KeyEventKind::Release;
        assert_eq!(dbg_of(map_key(&m, Context::Tree, &release)), "None");
    }

    /// dive's defaults as dive itself writes them (`Ctrl+A`, `PgUp`), and gocui's other names.
    #[test]
    fn dive_spellings_of_keys_are_accepted() {
        let mut m = Keymap::default();
        for (name, keys) in [
            ("quit", "Ctrl+C"),
            ("toggle-view", "Tab"),
            ("filter-files", "Ctrl+f"),
            ("compare-all", "Ctrl+A"),
            ("compare-layer", "Ctrl+L"),
            ("toggle-collapse-dir", "Space"),
            ("toggle-collapse-all-dir", "Ctrl+Space"),
            ("toggle-filetree-attributes", "Ctrl+B"),
            ("toggle-added-files", "Ctrl+A"),
            ("toggle-removed-files", "Ctrl+R"),
            ("toggle-modified-files", "Ctrl+M"),
            ("toggle-unmodified-files", "Ctrl+U"),
            ("toggle-wrap-tree", "Ctrl+P"),
            ("page-up", "PgUp"),
            ("page-down", "PgDn"),
        ] {
            m.bind(name, keys).unwrap();
        }
        for (ctx, k, a) in [
            (Context::Tree, ctrl('c'), Action::Quit),
            (Context::Layers, ctrl('a'), Action::CompareAll),
            (Context::Layers, ctrl('l'), Action::CompareLayer),
            (Context::Tree, ctrl('a'), Action::ToggleKind(Change::Added)),
            (
                Context::Tree,
                ctrl('r'),
                Action::ToggleKind(Change::Removed),
            ),
            (
                Context::Tree,
                ctrl('m'),
                Action::ToggleKind(Change::Modified),
            ),
            (
                Context::Tree,
                ctrl('u'),
                Action::ToggleKind(Change::Unmodified),
            ),
            (Context::Tree, ctrl('b'), Action::ToggleAttributes),
            (Context::Tree, ctrl('p'), Action::ToggleWrap),
            (Context::Tree, ctrl(' '), Action::ToggleCollapseAll),
            (Context::Tree, ch(' '), Action::ToggleCollapse),
            (Context::Tree, ctrl('f'), Action::StartFilter),
            (
                Context::Layers,
                ev(KeyCode::PageUp, KeyModifiers::NONE),
                Action::PageUp,
            ),
            (
                Context::Layers,
                ev(KeyCode::PageDown, KeyModifiers::NONE),
                Action::PageDown,
            ),
        ] {
            assert_eq!(dbg_of(map_key(&m, ctx, &k)), dbg_of(Some(a)), "{k:?}");
        }
        // ctrl+shift+a from a terminal that reports shift is still ctrl+a.
        let shifted = ev(
            KeyCode::Char('A'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &shifted)),
            dbg_of(Some(Action::ToggleKind(Change::Added)))
        );
        // gocui's key names: each parses, and a chord a terminal sends as another key matches it.
        for (text, sent) in [
            ("ctrl+backslash", ctrl('\\')),
            ("ctrl+rsqbracket", ctrl(']')),
            ("ctrl+underscore", ctrl('7')),
            ("ctrl+lsqbracket", ev(KeyCode::Esc, KeyModifiers::NONE)),
            ("ctrl+3", ev(KeyCode::Esc, KeyModifiers::NONE)),
            ("ctrl+tilde", ctrl(' ')),
            ("ctrl+2", ctrl(' ')),
            ("ctrl+8", ev(KeyCode::Backspace, KeyModifiers::NONE)),
            ("backspace2", ev(KeyCode::Backspace, KeyModifiers::NONE)),
            ("insert", ev(KeyCode::Insert, KeyModifiers::NONE)),
            ("pageup", ev(KeyCode::PageUp, KeyModifiers::NONE)),
            ("PgDown", ev(KeyCode::PageDown, KeyModifiers::NONE)),
            ("ArrowUp", ev(KeyCode::Up, KeyModifiers::NONE)),
            ("F12", ev(KeyCode::F(12), KeyModifiers::NONE)),
        ] {
            let parsed = Key::parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(
                parsed.canonical(),
                Key::from_event(&sent).canonical(),
                "{text}"
            );
        }
    }

    #[test]
    fn rebinding_by_dive_name() {
        let mut m = Keymap::default();
        m.bind("quit", "ctrl+q").unwrap();
        m.bind("toggle-sort-order", "s, ctrl+o").unwrap();
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ctrl('q'))),
            dbg_of(Some(Action::Quit))
        );
        assert_eq!(dbg_of(map_key(&m, Context::Tree, &ch('q'))), "None");
        assert_eq!(
            dbg_of(map_key(&m, Context::Tree, &ch('s'))),
            dbg_of(Some(Action::ToggleSort))
        );
        assert!(m.bind("fly", "x").unwrap_err().contains("fly"));
        assert!(m.bind("quit", "hyper+x").is_err());
    }
}
