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
//! **Every error names its key** (`layerlens.budgets.maxImageSize: ...`).

use serde_yaml::Value;

use super::budget::{Budgets, BUDGET_KEYS};
use super::gofmt::parse_bytes;
use crate::analysis::caches::{builtin_patterns, CachePattern};
use crate::analysis::glob::PathPattern;
use crate::analysis::waste::WasteOptions;
use crate::error::{Error, Result};

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
        let doc: Value = serde_yaml::from_str(text)
            .map_err(|e| Error::Config(format!("{file}: not valid YAML: {e}")))?;
        let mut cfg = LayerlensConfig::default();
        let section = match doc.get("layerlens") {
            None | Some(Value::Null) => return Ok(cfg),
            Some(Value::Mapping(m)) => m,
            Some(_) => return Err(err(file, "layerlens", "must be a mapping")),
        };
        for (k, v) in section {
            match k.as_str().unwrap_or_default() {
                "budgets" => cfg.budgets = budgets(v, file)?,
                "exclude" => {
                    for (i, p) in strings(v, file, "layerlens.exclude")?.iter().enumerate() {
                        cfg.exclude.push(PathPattern::new(p).ok_or_else(|| {
                            err(file, &format!("layerlens.exclude[{i}]"), "is empty")
                        })?);
                    }
                }
                "caches" => cfg.caches = caches(v, file)?,
                other => {
                    return Err(err(
                        file,
                        &format!("layerlens.{other}"),
                        "is not a layerlens key (budgets, exclude, caches)",
                    ))
                }
            }
        }
        Ok(cfg)
    }

    /// Reads a config file.
    pub fn from_file(path: &std::path::Path) -> Result<LayerlensConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
        LayerlensConfig::from_yaml(&text, &path.display().to_string())
    }

    /// The waste analysis options: the user's caches first, then the built-in table.
    pub fn waste_options(&self) -> WasteOptions {
        let mut caches = self.caches.clone();
        caches.extend(builtin_patterns());
        WasteOptions {
            caches,
            exclude: self.exclude.clone(),
        }
    }
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

fn budgets(v: &Value, file: &str) -> Result<Budgets> {
    let mut b = Budgets::default();
    let Some(map) = v.as_mapping() else {
        return Err(err(
            file,
            "layerlens.budgets",
            "must be a mapping of budget: size",
        ));
    };
    for (k, v) in map {
        let key = k.as_str().unwrap_or_default();
        let full = format!("layerlens.budgets.{key}");
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

fn caches(v: &Value, file: &str) -> Result<Vec<CachePattern>> {
    let Some(seq) = v.as_sequence() else {
        return Err(err(
            file,
            "layerlens.caches",
            "must be a list of {kind, path}",
        ));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let at = format!("layerlens.caches[{i}]");
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
        assert!(opts.caches.len() > 20);
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
}
