//! The UI's config file, in dive's format so a dive config works as it is:
//! `$XDG_CONFIG_HOME/layerlens/config.yaml` (else `~/.config/layerlens/config.yaml`).
//!
//! ```yaml
//! keybinding:            # dive's binding names (toggle-view, toggle-collapse-dir, ...)
//!   quit: ctrl+c, q
//! diff:
//!   hide: [unmodified]   # added, removed, modified, unmodified
//! filetree:
//!   collapse-dir: false  # start with every directory collapsed
//!   pane-width: 0.5      # the file tree's share of the width, > 0 and < 1
//!   show-attributes: true
//! layer:
//!   show-aggregated-changes: false
//! ```
//! Keys dive has and layerlens does not use (`log`, `container-engine`...) are ignored; a bad
//! value in a section layerlens reads is an error naming it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::keymap::Keymap;
use super::tree::ChangeFilter;
use crate::index::Change;

/// How the UI starts (dive's `diff`, `filetree` and `layer` settings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prefs {
    /// Which change kinds the tree shows at first.
    pub show: ChangeFilter,
    /// Start with every directory collapsed.
    pub collapse_dir: bool,
    /// The file tree's share of the screen's width.
    pub pane_width: f64,
    pub show_attributes: bool,
    /// Start in the aggregated view.
    pub aggregated: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            show: ChangeFilter::default(),
            collapse_dir: false,
            pane_width: 0.5,
            show_attributes: true,
            aggregated: false,
        }
    }
}

/// Everything the config file sets.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub keymap: Keymap,
    pub prefs: Prefs,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    keybinding: HashMap<String, String>,
    #[serde(default)]
    diff: DiffSection,
    #[serde(default)]
    filetree: FiletreeSection,
    #[serde(default)]
    layer: LayerSection,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DiffSection {
    #[serde(default)]
    hide: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FiletreeSection {
    collapse_dir: Option<bool>,
    pane_width: Option<f64>,
    show_attributes: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct LayerSection {
    show_aggregated_changes: Option<bool>,
}

impl Config {
    /// Parses a config file's text over the defaults.
    pub fn from_yaml(text: &str) -> Result<Config, String> {
        let mut config = Config::default();
        if text.trim().is_empty() {
            return Ok(config);
        }
        let file: File = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
        let mut names: Vec<_> = file.keybinding.iter().collect();
        names.sort();
        for (name, keys) in names {
            config.keymap.bind(name, keys)?;
        }
        let p = &mut config.prefs;
        for kind in &file.diff.hide {
            let c = match kind.trim().to_ascii_lowercase().as_str() {
                "added" => Change::Added,
                "removed" => Change::Removed,
                "modified" => Change::Modified,
                "unmodified" => Change::Unmodified,
                other => {
                    return Err(format!(
                        "diff.hide: '{other}' is not added, removed, modified or unmodified"
                    ))
                }
            };
            if p.show.shows(c) {
                p.show.toggle(c);
            }
        }
        if let Some(v) = file.filetree.collapse_dir {
            p.collapse_dir = v;
        }
        if let Some(w) = file.filetree.pane_width {
            if !(w > 0.0 && w < 1.0) {
                return Err(format!(
                    "filetree.pane-width: {w} is not between 0 and 1 (exclusive)"
                ));
            }
            p.pane_width = w;
        }
        if let Some(v) = file.filetree.show_attributes {
            p.show_attributes = v;
        }
        if let Some(v) = file.layer.show_aggregated_changes {
            p.aggregated = v;
        }
        Ok(config)
    }

    /// Where the config file is: `$XDG_CONFIG_HOME/layerlens/config.yaml`, else
    /// `$HOME/.config/layerlens/config.yaml`.
    pub fn path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
        Some(base.join("layerlens").join("config.yaml"))
    }

    /// Loads the config file when there is one; errors name the file.
    pub fn load() -> Result<Config, String> {
        match Config::path() {
            Some(p) if p.is_file() => {
                let text =
                    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                Config::from_yaml(&text).map_err(|e| format!("{}: {e}", p.display()))
            }
            _ => Ok(Config::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Action;
    use crate::tui::keymap::{map_key, Context};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    fn action(c: &Config, ctx: Context, k: KeyEvent) -> String {
        format!("{:?}", map_key(&c.keymap, ctx, &k))
    }

    /// dive's documented example config, verbatim apart from the rebindings.
    const DIVE_CONFIG: &str = "\
# supported options are \"docker\" and \"podman\"
container-engine: docker
ignore-errors: false
log:
  enabled: true
  path: ./dive.log
  level: info
keybinding:
  quit: ctrl+q
  toggle-view: tab
  filter-files: ctrl+f, ctrl+slash
  close-filter-files: esc
  up: up,k
  down: down,j
  left: left,h
  right: right,l
  compare-all: ctrl+a
  compare-layer: ctrl+l
  toggle-collapse-dir: x
  toggle-collapse-all-dir: ctrl+space
  toggle-added-files: ctrl+a
  toggle-removed-files: ctrl+r
  toggle-modified-files: ctrl+m
  toggle-unmodified-files: ctrl+u
  toggle-filetree-attributes: ctrl+b
  toggle-sort-order: ctrl+o
  toggle-wrap-tree: ctrl+p
  extract-file: ctrl+e
  page-up: pgup,u
  page-down: pgdn,d
diff:
  hide:
    - unmodified
    - removed
filetree:
  collapse-dir: true
  pane-width: 0.6
  show-attributes: false
layer:
  show-aggregated-changes: true
";

    #[test]
    fn reads_a_dive_config_file() {
        let c = Config::from_yaml(DIVE_CONFIG).unwrap();
        let none = KeyModifiers::NONE;
        assert_eq!(
            action(
                &c,
                Context::Tree,
                key(KeyCode::Char('q'), KeyModifiers::CONTROL)
            ),
            format!("{:?}", Some(Action::Quit))
        );
        assert_eq!(
            action(&c, Context::Tree, key(KeyCode::Char('q'), none)),
            "None"
        );
        assert_eq!(
            action(&c, Context::Tree, key(KeyCode::Char('x'), none)),
            format!("{:?}", Some(Action::ToggleCollapse))
        );
        assert_eq!(
            action(&c, Context::Tree, key(KeyCode::Char(' '), none)),
            "None"
        );
        let p = c.prefs;
        assert!(!p.show.unmodified && !p.show.removed);
        assert!(p.show.added && p.show.modified);
        assert!(p.collapse_dir && p.aggregated && !p.show_attributes);
        assert_eq!(p.pane_width, 0.6);
    }

    #[test]
    fn an_empty_file_or_other_sections_keep_the_defaults() {
        let c = Config::from_yaml("").unwrap();
        assert_eq!(c.prefs, Prefs::default());
        let c = Config::from_yaml("log:\n  enabled: false\n").unwrap();
        assert_eq!(c.prefs, Prefs::default());
        assert_eq!(
            action(
                &c,
                Context::Tree,
                key(KeyCode::Char('q'), KeyModifiers::NONE)
            ),
            format!("{:?}", Some(Action::Quit))
        );
    }

    #[test]
    fn yaml_anchors_comments_and_quoted_keys_read_as_dive_reads_them() {
        let c = Config::from_yaml(
            "# my dive config\nshared:\n  quit: &q 'ctrl+q'\n  on: &on true\n\
             keybinding:\n  \"quit\": *q # a quoted key, an alias\n\
             filetree:\n  'pane-width': 0.6\n  collapse-dir: *on\n",
        )
        .unwrap();
        let ctrl_q = key(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(
            action(&c, Context::Tree, ctrl_q),
            format!("{:?}", Some(Action::Quit))
        );
        assert_eq!(c.prefs.pane_width, 0.6);
        assert!(c.prefs.collapse_dir);
    }

    #[test]
    fn bad_values_are_errors_that_name_the_key() {
        for (text, says) in [
            ("keybinding:\n  fly: x\n", "fly"),
            ("keybinding:\n  quit: hyper+x\n", "quit"),
            ("diff:\n  hide: [sideways]\n", "sideways"),
            ("filetree:\n  pane-width: 1.5\n", "pane-width"),
            ("filetree:\n  pane-width: 0\n", "pane-width"),
            ("filetree:\n  colapse-dir: true\n", "colapse-dir"),
            ("filetree:\n  collapse-dir: maybe\n", "collapse-dir"),
            ("keybinding: [1, 2]\n", "keybinding"),
        ] {
            let e = Config::from_yaml(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn the_file_lives_under_the_xdg_config_directory() {
        // Only this test touches these variables in this test binary.
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("XDG_CONFIG_HOME", dir.path());
        assert_eq!(
            Config::path().unwrap(),
            dir.path().join("layerlens").join("config.yaml")
        );
        assert_eq!(Config::load().unwrap().prefs, Prefs::default());
        std::fs::create_dir_all(dir.path().join("layerlens")).unwrap();
        std::fs::write(
            dir.path().join("layerlens/config.yaml"),
            "filetree:\n  show-attributes: false\n",
        )
        .unwrap();
        assert!(!Config::load().unwrap().prefs.show_attributes);
        std::fs::write(
            dir.path().join("layerlens/config.yaml"),
            "diff: {hide: [x]}\n",
        )
        .unwrap();
        let e = Config::load().unwrap_err();
        assert!(e.contains("config.yaml") && e.contains("'x'"), "{e}");
        std::env::remove_var("XDG_CONFIG_HOME");
    }
}
