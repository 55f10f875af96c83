//! layerlens's own settings, read from a `layerlens:` section of the CI config file (the same
//! `.dive-ci` dive reads; dive ignores the section, and dive's `rules:` are read unchanged by
//! [`super::dive_ci`]):
//!
//! ```yaml
//! layerlens:
//!   budgets: { maxImageSize: 50MB, maxLayerSize: 20MiB, maxLayerCount: 12,
//!              maxReclaimableBytes: 1MB, maxCacheBytes: 0, maxGrowth: 5MB }
//!   exclude: [var/cache/fontconfig, "**/*.log"]
//!   caches:
//!     - { kind: conda, path: "opt/conda/pkgs/**", what: conda packages, fix: conda clean -afy }
//! ```
//!
//! The same keys may instead live in a layerlens config file of their own (`--config FILE`, or
//! `.layerlens.yaml` in the working directory), at the top or under `layerlens:`; settings in
//! both places are an error rather than one silently winning.
//!
//! **Every error names its key** (`layerlens.budgets.maxImageSize: ...`).

use yaml_serde::Value;

pub mod budgets;
pub mod glob;

use budgets::{Budgets, BUDGET_KEYS};
use glob::PathPattern;

use crate::error::{Error, Result};
use crate::units::parse_bytes;

/// One kind of cache or leftover and where it lives: the user's (`caches:`) or a built-in one
/// (`analysis::caches::BUILTIN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePattern {
    /// Short stable name (`apt-lists`, `pip`, `git`...), the JSON `kind`.
    pub kind: String,
    pub pattern: PathPattern,
    /// What it is, for sentences: "apt lists", "pip cache".
    pub what: String,
    /// The Dockerfile practice that keeps it out of the image.
    pub fix: String,
}

/// What the waste analysis leaves out and what else it looks for, as the user configured it.
#[derive(Debug, Clone, Default)]
pub struct WasteOptions {
    /// The user's cache patterns, matched before the built-in ones (first match wins).
    pub caches: Vec<CachePattern>,
    /// Paths left out of reclaimable bytes, caches and duplicates (a path below an excluded
    /// one is excluded too).
    pub exclude: Vec<PathPattern>,
}

impl WasteOptions {
    /// Whether a path (no leading `/`) is excluded from the waste rules.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude.iter().any(|p| p.covers(path))
    }
}

/// The `layerlens:` section.
#[derive(Debug, Clone, Default)]
pub struct LayerlensConfig {
    pub budgets: Budgets,
    /// Paths left out of the waste figures and rules.
    pub exclude: Vec<PathPattern>,
    /// The user's cache patterns (matched before the built-in ones).
    pub caches: Vec<CachePattern>,
}

impl LayerlensConfig {
    /// Reads the `layerlens:` section of a YAML document (absent: defaults).
    pub fn from_yaml(text: &str, file: &str) -> Result<LayerlensConfig> {
        Ok(dive_ci_section(text, file)?.unwrap_or_default())
    }

    /// Reads a config file.
    pub fn from_file(path: &std::path::Path) -> Result<LayerlensConfig> {
        LayerlensConfig::from_yaml(&read(path)?, &path.display().to_string())
    }

    /// Reads a layerlens config file (`--config FILE`, `.layerlens.yaml`): the keys `budgets`,
    /// `exclude` and `caches` at the top, or the same `layerlens:` section `.dive-ci` holds.
    /// dive's `rules:` belong in the dive CI file, so they are an error here.
    pub fn from_layerlens_yaml(text: &str, file: &str) -> Result<LayerlensConfig> {
        let doc: Value = yaml_serde::from_str(text)
            .map_err(|e| Error::Config(format!("{file}: not valid YAML: {e}")))?;
        match &doc {
            Value::Null => Ok(LayerlensConfig::default()),
            Value::Mapping(m) if m.contains_key("layerlens") => {
                if let Some(other) = m
                    .keys()
                    .find_map(|k| k.as_str().filter(|k| *k != "layerlens"))
                {
                    return Err(err(
                        file,
                        other,
                        "is not a key of a layerlens config file (layerlens, or budgets, exclude, caches at the top)",
                    ));
                }
                Ok(dive_ci_section(text, file)?.unwrap_or_default())
            }
            Value::Mapping(m) if m.contains_key("rules") => Err(err(
                file,
                "rules",
                "are dive's: keep them in the dive CI file (--ci-config, .dive-ci)",
            )),
            Value::Mapping(m) => section(m, file, ""),
            _ => Err(err(file, "the document", "must be a mapping")),
        }
    }

    /// The settings in force: a layerlens config file when there is one, else the `layerlens:`
    /// section of the dive CI file. **Settings in both are an error**, naming both files, so
    /// no setting is silently ignored.
    pub fn load(
        dive_ci: Option<&std::path::Path>,
        own: Option<&std::path::Path>,
    ) -> Result<LayerlensConfig> {
        let from_dive_ci = match dive_ci {
            Some(p) => dive_ci_section(&read(p)?, &p.display().to_string())?,
            None => None,
        };
        match (own, from_dive_ci) {
            (Some(own), Some(_)) => Err(Error::Config(format!(
                "{}: layerlens settings are also in {}; keep them in one file",
                dive_ci.map(|p| p.display().to_string()).unwrap_or_default(),
                own.display()
            ))),
            (Some(own), None) => {
                LayerlensConfig::from_layerlens_yaml(&read(own)?, &own.display().to_string())
            }
            (None, cfg) => Ok(cfg.unwrap_or_default()),
        }
    }

    /// The waste analysis options: the user's exclusions and cache patterns.
    pub fn waste_options(&self) -> WasteOptions {
        WasteOptions {
            caches: self.caches.clone(),
            exclude: self.exclude.clone(),
        }
    }
}

fn read(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))
}

/// The `layerlens:` section of a dive CI file, `None` when it has none.
fn dive_ci_section(text: &str, file: &str) -> Result<Option<LayerlensConfig>> {
    let doc: Value = yaml_serde::from_str(text)
        .map_err(|e| Error::Config(format!("{file}: not valid YAML: {e}")))?;
    match doc.get("layerlens") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Mapping(m)) => section(m, file, "layerlens.").map(Some),
        Some(_) => Err(err(file, "layerlens", "must be a mapping")),
    }
}

/// The settings in `map`; `prefix` is what key names start with in messages.
fn section(map: &yaml_serde::Mapping, file: &str, prefix: &str) -> Result<LayerlensConfig> {
    let mut cfg = LayerlensConfig::default();
    for (k, v) in map {
        match k.as_str().unwrap_or_default() {
            "budgets" => cfg.budgets = budgets(v, file, prefix)?,
            "exclude" => {
                let key = format!("{prefix}exclude");
                for (i, p) in strings(v, file, &key)?.iter().enumerate() {
                    cfg.exclude.push(
                        PathPattern::new(p)
                            .ok_or_else(|| err(file, &format!("{key}[{i}]"), "is empty"))?,
                    );
                }
            }
            "caches" => cfg.caches = caches(v, file, prefix)?,
            other => {
                return Err(err(
                    file,
                    &format!("{prefix}{other}"),
                    "is not a layerlens key (budgets, exclude, caches)",
                ))
            }
        }
    }
    Ok(cfg)
}

fn err(file: &str, key: &str, what: &str) -> Error {
    Error::Config(format!("{file}: {key} {what}"))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn budgets(v: &Value, file: &str, prefix: &str) -> Result<Budgets> {
    let mut b = Budgets::default();
    let Some(map) = v.as_mapping() else {
        return Err(err(
            file,
            &format!("{prefix}budgets"),
            "must be a mapping of budget: size",
        ));
    };
    for (k, v) in map {
        let key = k.as_str().unwrap_or_default();
        let full = format!("{prefix}budgets.{key}");
        if !BUDGET_KEYS.contains(&key) {
            return Err(err(
                file,
                &full,
                &format!("is not a budget ({})", BUDGET_KEYS.join(", ")),
            ));
        }
        let text = scalar(v).ok_or_else(|| err(file, &full, "must be a number or a size"))?;
        let value = if text.trim() == "disabled" {
            None
        } else if key == "maxLayerCount" {
            Some(text.trim().parse::<u64>().map_err(|_| {
                err(
                    file,
                    &full,
                    &format!("'{text}' is not a whole number (or 'disabled')"),
                )
            })?)
        } else {
            Some(parse_bytes(&text).ok_or_else(|| {
                err(
                    file,
                    &full,
                    &format!("'{text}' is not a size like 20MB or 20MiB (or 'disabled')"),
                )
            })?)
        };
        b.set(key, value);
    }
    Ok(b)
}

fn strings(v: &Value, file: &str, key: &str) -> Result<Vec<String>> {
    let Some(seq) = v.as_sequence() else {
        return Err(err(file, key, "must be a list of paths"));
    };
    seq.iter()
        .enumerate()
        .map(|(i, x)| scalar(x).ok_or_else(|| err(file, &format!("{key}[{i}]"), "must be a path")))
        .collect()
}

fn caches(v: &Value, file: &str, prefix: &str) -> Result<Vec<CachePattern>> {
    let Some(seq) = v.as_sequence() else {
        return Err(err(
            file,
            &format!("{prefix}caches"),
            "must be a list of {kind, path}",
        ));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let at = format!("{prefix}caches[{i}]");
        let Some(map) = item.as_mapping() else {
            return Err(err(file, &at, "must be a mapping with kind and path"));
        };
        let field = |name: &str| -> Result<Option<String>> {
            match map.get(name) {
                None => Ok(None),
                Some(v) => scalar(v)
                    .map(Some)
                    .ok_or_else(|| err(file, &format!("{at}.{name}"), "must be text")),
            }
        };
        for k in map.keys() {
            let k = k.as_str().unwrap_or_default();
            if !["kind", "path", "what", "fix"].contains(&k) {
                return Err(err(
                    file,
                    &format!("{at}.{k}"),
                    "is not a cache key (kind, path, what, fix)",
                ));
            }
        }
        let kind = field("kind")?.ok_or_else(|| err(file, &format!("{at}.kind"), "is missing"))?;
        let path = field("path")?.ok_or_else(|| err(file, &format!("{at}.path"), "is missing"))?;
        let pattern =
            PathPattern::new(&path).ok_or_else(|| err(file, &format!("{at}.path"), "is empty"))?;
        out.push(CachePattern {
            what: field("what")?.unwrap_or_else(|| format!("{kind} cache")),
            fix: field("fix")?
                .unwrap_or_else(|| "remove it in the RUN that creates it".to_string()),
            kind,
            pattern,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_budgets_exclusions_and_caches() {
        let cfg = LayerlensConfig::from_yaml(
            "rules:\n  lowestEfficiency: 0.9\nlayerlens:\n  budgets:\n    maxImageSize: 20MB\n    \
             maxLayerSize: 20MiB\n    maxLayerCount: 12\n    maxCacheBytes: 0\n    maxGrowth: disabled\n  \
             exclude: [/var/cache/fontconfig]\n  caches:\n    - kind: conda\n      path: opt/conda/pkgs/**\n",
            ".dive-ci",
        )
        .unwrap();
        assert_eq!(cfg.budgets.max_image_size, Some(20_000_000));
        assert_eq!(cfg.budgets.max_layer_size, Some(20 * 1024 * 1024));
        assert_eq!(cfg.budgets.max_layer_count, Some(12));
        assert_eq!(cfg.budgets.max_cache_bytes, Some(0));
        assert_eq!(cfg.budgets.max_growth, None);
        assert!(cfg.waste_options().is_excluded("var/cache/fontconfig/x"));
        let opts = cfg.waste_options();
        assert_eq!(opts.caches[0].kind, "conda");
        assert_eq!(opts.caches[0].what, "conda cache");
        assert_eq!(opts.caches.len(), 1);
        assert!(!LayerlensConfig::from_yaml("rules: {}\n", "f")
            .unwrap()
            .budgets
            .any());
    }

    #[test]
    fn errors_name_the_key() {
        let e = |y: &str| {
            LayerlensConfig::from_yaml(y, ".dive-ci")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("layerlens:\n  budgets:\n    maxImageSize: huge\n"),
            ".dive-ci: layerlens.budgets.maxImageSize 'huge' is not a size like 20MB or 20MiB (or 'disabled')"
        );
        assert!(e("layerlens:\n  budgets:\n    maxImgSize: 1\n")
            .starts_with(".dive-ci: layerlens.budgets.maxImgSize is not a budget"));
        assert!(e("layerlens:\n  budgets:\n    maxLayerCount: 2.5\n")
            .contains("layerlens.budgets.maxLayerCount '2.5' is not a whole number"));
        assert!(e("layerlens:\n  caches:\n    - kind: x\n")
            .contains("layerlens.caches[0].path is missing"));
        assert!(e("layerlens:\n  exclude: [\"\"]\n").contains("layerlens.exclude[0] is empty"));
        assert!(e("layerlens:\n  budget: {}\n").contains("layerlens.budget is not a layerlens key"));
        assert!(e("layerlens: 3\n").contains("layerlens must be a mapping"));
    }

    #[test]
    fn a_layerlens_file_holds_the_keys_at_the_top_or_in_a_section() {
        let top = LayerlensConfig::from_layerlens_yaml(
            "budgets:\n  maxImageSize: 1.5MiB\n  maxCacheBytes: 2kB\nexclude: [tmp]\n",
            ".layerlens.yaml",
        )
        .unwrap();
        assert_eq!(top.budgets.max_image_size, Some(1_572_864));
        assert_eq!(top.budgets.max_cache_bytes, Some(2000));
        assert!(top.waste_options().is_excluded("tmp/x"));
        let wrapped = LayerlensConfig::from_layerlens_yaml(
            "layerlens:\n  budgets:\n    maxLayerCount: 3\n",
            "l.yaml",
        )
        .unwrap();
        assert_eq!(wrapped.budgets.max_layer_count, Some(3));
        assert!(!LayerlensConfig::from_layerlens_yaml("", "l.yaml")
            .unwrap()
            .budgets
            .any());
        let e = |y: &str| {
            LayerlensConfig::from_layerlens_yaml(y, "l.yaml")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("budgets:\n  maxLayerSize: big\n"),
            "l.yaml: budgets.maxLayerSize 'big' is not a size like 20MB or 20MiB (or 'disabled')"
        );
        assert_eq!(
            e("budget: {}\n"),
            "l.yaml: budget is not a layerlens key (budgets, exclude, caches)"
        );
        assert!(e("caches:\n  - kind: x\n").starts_with("l.yaml: caches[0].path is missing"));
        assert!(e("rules:\n  lowestEfficiency: 0.9\n").starts_with("l.yaml: rules are dive's"));
        assert!(e("layerlens: {}\nbudgets: {}\n").starts_with("l.yaml: budgets is not a key"));
        assert!(e("- a\n").contains("the document must be a mapping"));
    }

    // The YAML features dive's users write in `.dive-ci`, each read as dive (Go's yaml) reads it.
    #[test]
    fn yaml_anchors_and_aliases_are_resolved() {
        let text = "limits:\n  size: &size 20MB\n  pattern: &cache opt/conda/pkgs/**\n\
                    rules:\n  lowestEfficiency: &eff 0.95\n\
                    layerlens:\n  budgets:\n    maxImageSize: *size\n    maxLayerSize: *size\n  \
                    exclude: [*cache]\n";
        let cfg = LayerlensConfig::from_yaml(text, ".dive-ci").unwrap();
        assert_eq!(cfg.budgets.max_image_size, Some(20_000_000));
        assert_eq!(cfg.budgets.max_layer_size, Some(20_000_000));
        assert!(cfg.waste_options().is_excluded("opt/conda/pkgs/x.tar.bz2"));
        let rules = crate::report::dive_ci::RuleSettings::from_yaml(text, ".dive-ci").unwrap();
        assert_eq!(rules.lowest_efficiency.as_deref(), Some("0.95"));
        // An alias to an anchor that is not defined is an error naming the file.
        let e = LayerlensConfig::from_yaml("layerlens:\n  budgets: *nope\n", ".dive-ci")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(".dive-ci: not valid YAML: unknown anchor"),
            "{e}"
        );
    }

    #[test]
    fn yaml_comments_are_ignored_everywhere() {
        let text = "# dive's rules\nrules: # the three\n  lowestEfficiency: 0.9 # 90 %\n\
                    layerlens:\n  # budgets\n  budgets:\n    maxImageSize: 5MB   # trailing\n    \
                    # maxLayerSize: 1MB\n  exclude:\n    - tmp # a comment, not part of the path\n";
        let cfg = LayerlensConfig::from_yaml(text, ".dive-ci").unwrap();
        assert_eq!(cfg.budgets.max_image_size, Some(5_000_000));
        assert_eq!(cfg.budgets.max_layer_size, None);
        assert!(cfg.waste_options().is_excluded("tmp/x"));
        assert!(!cfg
            .waste_options()
            .is_excluded("tmp # a comment, not part of the path"));
        let rules = crate::report::dive_ci::RuleSettings::from_yaml(text, ".dive-ci").unwrap();
        assert_eq!(rules.lowest_efficiency.as_deref(), Some("0.9"));
    }

    #[test]
    fn yaml_quoted_keys_and_values_read_as_plain_ones() {
        let text = "\"rules\":\n  'lowestEfficiency': \"0.8\"\n  \"highestWastedBytes\": '20MB'\n\
                    'layerlens':\n  \"budgets\":\n    'maxImageSize': \"1.5MiB\"\n";
        let cfg = LayerlensConfig::from_yaml(text, ".dive-ci").unwrap();
        assert_eq!(cfg.budgets.max_image_size, Some(1_572_864));
        let rules = crate::report::dive_ci::RuleSettings::from_yaml(text, ".dive-ci").unwrap();
        assert_eq!(rules.lowest_efficiency.as_deref(), Some("0.8"));
        assert_eq!(rules.highest_wasted_bytes.as_deref(), Some("20MB"));
        // A quoted key that is wrong is named as written.
        let e =
            LayerlensConfig::from_yaml("layerlens:\n  \"budgets\":\n    'maxImgSize': 1\n", "f")
                .unwrap_err()
                .to_string();
        assert!(
            e.starts_with("f: layerlens.budgets.maxImgSize is not a budget"),
            "{e}"
        );
    }

    #[test]
    fn load_takes_either_file_and_refuses_settings_in_both() {
        let dir = tempfile::tempdir().unwrap();
        let dive = dir.path().join(".dive-ci");
        let own = dir.path().join(".layerlens.yaml");
        std::fs::write(&own, "budgets: {maxImageSize: 10MB}\n").unwrap();
        std::fs::write(&dive, "rules: {lowestEfficiency: 0.9}\n").unwrap();
        let cfg = LayerlensConfig::load(Some(&dive), Some(&own)).unwrap();
        assert_eq!(cfg.budgets.max_image_size, Some(10_000_000));
        std::fs::write(&dive, "layerlens: {budgets: {maxImageSize: 20MB}}\n").unwrap();
        let cfg = LayerlensConfig::load(Some(&dive), None).unwrap();
        assert_eq!(cfg.budgets.max_image_size, Some(20_000_000));
        let e = LayerlensConfig::load(Some(&dive), Some(&own))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}: layerlens settings are also in {}; keep them in one file",
                dive.display(),
                own.display()
            )
        );
        assert!(!LayerlensConfig::load(None, None).unwrap().budgets.any());
    }
}
