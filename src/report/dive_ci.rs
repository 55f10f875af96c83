//! dive's CI mode: its three rules (with dive's defaults, `.dive-ci` YAML and flag overrides),
//! their verdicts, and its text report, byte for byte.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::gofmt::{go_fixed4, go_float, humanize_bytes};
use crate::analysis::dive::DiveAnalysis;
use crate::error::{Error, Result};
use crate::units::parse_bytes;

/// dive's rule names, in the order dive reports them (sorted by key).
pub const RULE_KEYS: [&str; 3] = [
    "highestUserWastedPercent",
    "highestWastedBytes",
    "lowestEfficiency",
];

/// A rule's threshold as configured: a value, or `disabled`.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold<T> {
    Disabled,
    Value(T),
}

/// dive's three CI rules.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveRules {
    /// Fail when efficiency is below this (default 0.9).
    pub lowest_efficiency: Threshold<f64>,
    /// Fail when wasted bytes exceed this (default disabled).
    pub highest_wasted_bytes: Threshold<u64>,
    /// Fail when wasted / user bytes exceeds this (default 0.1).
    pub highest_user_wasted_percent: Threshold<f64>,
}

impl Default for DiveRules {
    fn default() -> Self {
        DiveRules {
            lowest_efficiency: Threshold::Value(0.9),
            highest_wasted_bytes: Threshold::Disabled,
            highest_user_wasted_percent: Threshold::Value(0.1),
        }
    }
}

/// Raw rule values as strings, from a config file or flags, before validation.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    pub lowest_efficiency: Option<String>,
    pub highest_wasted_bytes: Option<String>,
    pub highest_user_wasted_percent: Option<String>,
}

impl RuleSettings {
    /// Reads the `rules:` section of a dive CI config (YAML). Other keys are left for others.
    pub fn from_yaml(text: &str, file: &str) -> Result<RuleSettings> {
        let doc: yaml_serde::Value = yaml_serde::from_str(text)
            .map_err(|e| Error::Config(format!("{file}: not valid YAML: {e}")))?;
        let mut s = RuleSettings::default();
        let Some(rules) = doc.get("rules") else {
            return Ok(s);
        };
        if rules.is_null() {
            return Ok(s);
        }
        let Some(map) = rules.as_mapping() else {
            return Err(Error::Config(format!(
                "{file}: 'rules' must be a mapping of rule: value"
            )));
        };
        for (k, v) in map {
            let key = k.as_str().unwrap_or_default();
            let value = match v {
                yaml_serde::Value::String(s) => s.clone(),
                yaml_serde::Value::Number(n) => n.to_string(),
                yaml_serde::Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(Error::Config(format!(
                        "{file}: rules.{key} must be a number, a size or 'disabled'"
                    )))
                }
            };
            match key {
                "lowestEfficiency" => s.lowest_efficiency = Some(value),
                "highestWastedBytes" => s.highest_wasted_bytes = Some(value),
                "highestUserWastedPercent" => s.highest_user_wasted_percent = Some(value),
                _ => {}
            }
        }
        Ok(s)
    }

    /// Reads a config file.
    pub fn from_file(path: &Path) -> Result<RuleSettings> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
        RuleSettings::from_yaml(&text, &path.display().to_string())
    }

    /// Values set here win over `base`'s.
    pub fn over(self, base: RuleSettings) -> RuleSettings {
        RuleSettings {
            lowest_efficiency: self.lowest_efficiency.or(base.lowest_efficiency),
            highest_wasted_bytes: self.highest_wasted_bytes.or(base.highest_wasted_bytes),
            highest_user_wasted_percent: self
                .highest_user_wasted_percent
                .or(base.highest_user_wasted_percent),
        }
    }

    /// Validates the values, filling dive's defaults; an invalid value names its key.
    pub fn into_rules(self) -> Result<DiveRules> {
        self.validate(|key| format!("rules.{key}"))
    }

    /// Validates values given as flags; an invalid value names its flag (`--lowestEfficiency`).
    pub fn check_flags(&self) -> Result<()> {
        self.clone().validate(|key| format!("--{key}")).map(|_| ())
    }

    /// `name` says how a key is named in messages. Ratios must lie in 0..=1: dive compares
    /// them with fractions, so `2` (meaning 2 %?) would pass or fail every image.
    fn validate(self, name: impl Fn(&str) -> String) -> Result<DiveRules> {
        let d = DiveRules::default();
        let float = |v: Option<String>, key: &str, default: Threshold<f64>| match v
            .as_deref()
            .map(str::trim)
        {
            None => Ok(default),
            Some("disabled") => Ok(Threshold::Disabled),
            Some(s) => match s.parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => Ok(Threshold::Value(x)),
                Ok(_) => Err(Error::Config(format!(
                    "{}: '{s}' is not between 0 and 1 (a ratio: 0.9 is 90 %)",
                    name(key)
                ))),
                Err(_) => Err(Error::Config(format!(
                    "{}: '{s}' is not a number (or 'disabled')",
                    name(key)
                ))),
            },
        };
        let wasted = match self.highest_wasted_bytes.as_deref().map(str::trim) {
            None => d.highest_wasted_bytes,
            Some("disabled") => Threshold::Disabled,
            Some(s) => Threshold::Value(parse_bytes(s).ok_or_else(|| {
                Error::Config(format!(
                    "{}: '{s}' is not a size like 20MB or 20MiB (or 'disabled')",
                    name("highestWastedBytes")
                ))
            })?),
        };
        Ok(DiveRules {
            lowest_efficiency: float(
                self.lowest_efficiency,
                "lowestEfficiency",
                d.lowest_efficiency,
            )?,
            highest_wasted_bytes: wasted,
            highest_user_wasted_percent: float(
                self.highest_user_wasted_percent,
                "highestUserWastedPercent",
                d.highest_user_wasted_percent,
            )?,
        })
    }
}

/// A rule's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    Pass,
    Fail,
    Skip,
}

/// One rule's outcome, as dive words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleResult {
    pub name: &'static str,
    pub status: RuleStatus,
    pub message: String,
}

/// Evaluates dive's rules, in dive's report order.
pub fn evaluate(rules: &DiveRules, a: &DiveAnalysis) -> Vec<RuleResult> {
    let skip = |name| RuleResult {
        name,
        status: RuleStatus::Skip,
        message: "rule disabled".into(),
    };
    let pass = |name| RuleResult {
        name,
        status: RuleStatus::Pass,
        message: String::new(),
    };
    let fail = |name, message| RuleResult {
        name,
        status: RuleStatus::Fail,
        message,
    };
    let user = match rules.highest_user_wasted_percent {
        Threshold::Disabled => skip("highestUserWastedPercent"),
        Threshold::Value(t) if t < a.user_wasted_percent => fail(
            "highestUserWastedPercent",
            format!(
                "too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes={} > threshold={})",
                go_float(a.user_wasted_percent),
                go_float(t)
            ),
        ),
        Threshold::Value(_) => pass("highestUserWastedPercent"),
    };
    let wasted = match rules.highest_wasted_bytes {
        Threshold::Disabled => skip("highestWastedBytes"),
        Threshold::Value(t) if a.wasted_bytes > t => fail(
            "highestWastedBytes",
            format!(
                "too many bytes wasted (wasted-bytes={} > threshold={t})",
                a.wasted_bytes
            ),
        ),
        Threshold::Value(_) => pass("highestWastedBytes"),
    };
    let eff = match rules.lowest_efficiency {
        Threshold::Disabled => skip("lowestEfficiency"),
        Threshold::Value(t) if t > a.efficiency => fail(
            "lowestEfficiency",
            format!(
                "image efficiency is too low (efficiency={} < threshold={})",
                go_float(a.efficiency),
                go_float(t)
            ),
        ),
        Threshold::Value(_) => pass("lowestEfficiency"),
    };
    vec![user, wasted, eff]
}

/// Whether every rule passed or was skipped.
pub fn passed(results: &[RuleResult]) -> bool {
    results.iter().all(|r| r.status != RuleStatus::Fail)
}

/// What dive prints before its figures: which config it used and where the image came from.
#[derive(Debug, Clone, Default)]
pub struct CiPreamble {
    /// The rules file used, or `None` for dive's defaults.
    pub config_file: Option<String>,
    /// The source kind's prefix (`docker-archive`, `oci`, ...).
    pub source: String,
    /// The image location as given, without its prefix.
    pub location: String,
    /// How many `exclude:` patterns the figures leave out (0: dive's figures, dive's text).
    pub exclusions: usize,
}

/// dive's CI text, byte for byte (dive's colour codes only when `color` is set): the
/// preamble, the figures, the inefficient files, the rule results and the tally.
pub fn render(p: &CiPreamble, a: &DiveAnalysis, results: &[RuleResult], color: bool) -> String {
    let bold = |t: &str| {
        if color {
            format!("\x1b[1m{t}\x1b[0m")
        } else {
            t.to_string()
        }
    };
    let mut s = String::new();
    match &p.config_file {
        Some(f) => {
            let _ = writeln!(s, "  Using CI config: {f}");
        }
        None => {
            let _ = writeln!(s, "  Using default CI config");
        }
    }
    let _ = writeln!(s, "{}{}://{}", bold("Image Source: "), p.source, p.location);
    let _ = writeln!(
        s,
        "{} (this can take a while for large images)",
        bold(&format!("Extracting image from {}...", p.source))
    );
    let _ = writeln!(s, "{}", bold("Analyzing image..."));
    if p.exclusions > 0 {
        let _ = writeln!(
            s,
            "  (without the paths of {} exclude pattern{} in the layerlens settings)",
            p.exclusions,
            if p.exclusions == 1 { "" } else { "s" }
        );
    }
    // Go's %2.4f: `+Inf %` when only deletions follow the base, `NaN %` for one layer.
    let _ = writeln!(s, "  efficiency: {} %", go_fixed4(a.efficiency * 100.0));
    let _ = writeln!(
        s,
        "  wastedBytes: {} bytes ({})",
        a.wasted_bytes,
        humanize_bytes(a.wasted_bytes)
    );
    let _ = writeln!(
        s,
        "  userWastedPercent: {} %",
        go_fixed4(a.user_wasted_percent * 100.0)
    );
    let _ = writeln!(s, "{}", bold("Inefficient Files:"));
    let _ = writeln!(s, "Count  Wasted Space  File Path");
    if a.inefficient.is_empty() {
        let _ = writeln!(s, "None");
    }
    for r in &a.inefficient {
        let _ = writeln!(
            s,
            "{:>5}  {:>12}  {}",
            r.count,
            humanize_bytes(r.cumulative_size as u64),
            // dive prints the path raw; a name can hold escape sequences or a newline that
            // would reach the terminal or start a CI workflow command. Safety wins over byte
            // parity here: control characters are shown as `\xNN`.
            crate::index::path::escape(r.path.as_bytes())
        );
    }
    let _ = writeln!(s, "{}", bold("Results:"));
    for r in results {
        let status = match (r.status, color) {
            (RuleStatus::Pass, _) => "PASS",
            (RuleStatus::Fail, false) => "FAIL",
            (RuleStatus::Fail, true) => "\x1b[1;7;31mFAIL\x1b[0m",
            (RuleStatus::Skip, false) => "SKIP",
            (RuleStatus::Skip, true) => "\x1b[34mSKIP\x1b[0m",
        };
        if r.message.is_empty() {
            let _ = writeln!(s, "  {status}: {}", r.name);
        } else {
            let _ = writeln!(s, "  {status}: {}: {}", r.name, r.message);
        }
    }
    let count = |st| results.iter().filter(|r| r.status == st).count();
    let ok = passed(results);
    let tally = format!(
        "Result:{} [Total:{}] [Passed:{}] [Failed:{}] [Warn:0] [Skipped:{}]",
        if ok { "PASS" } else { "FAIL" },
        results.len(),
        count(RuleStatus::Pass),
        count(RuleStatus::Fail),
        count(RuleStatus::Skip)
    );
    let tally = match (color, ok) {
        (false, _) => tally,
        (true, true) => format!("\x1b[32m{tally}\x1b[0m"),
        (true, false) => format!("\x1b[31m{tally}\x1b[0m"),
    };
    let _ = writeln!(s, "{tally}");
    let _ = writeln!(s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dive::DiveFileRecord;

    fn reference_example() -> DiveAnalysis {
        DiveAnalysis {
            efficiency: 0.2743555277021775,
            wasted_bytes: 5242880,
            size_bytes: 7226000,
            user_size_bytes: 5242880,
            user_wasted_percent: 1.0,
            inefficient: vec![DiveFileRecord {
                path: "/data/big".into(),
                count: 2,
                cumulative_size: 5242880,
                min_size: 0,
            }],
        }
    }

    #[test]
    fn renders_the_reference_report() {
        let a = reference_example();
        let results = evaluate(&DiveRules::default(), &a);
        let expected = "  Using default CI config
Image Source: docker-archive://big.tar
Extracting image from docker-archive... (this can take a while for large images)
Analyzing image...
  efficiency: 27.4356 %
  wastedBytes: 5242880 bytes (5.2 MB)
  userWastedPercent: 100.0000 %
Inefficient Files:
Count  Wasted Space  File Path
    2        5.2 MB  /data/big
Results:
  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=1 > threshold=0.1)
  SKIP: highestWastedBytes: rule disabled
  FAIL: lowestEfficiency: image efficiency is too low (efficiency=0.2743555277021775 < threshold=0.9)
Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]

";
        let p = CiPreamble {
            config_file: None,
            source: "docker-archive".into(),
            location: "big.tar".into(),
            exclusions: 0,
        };
        assert_eq!(render(&p, &a, &results, false), expected);
        assert!(!passed(&results));
    }

    /// dive's colours, as dive 0.13.1 wrote them for an image whose only change after the
    /// base is a deletion.
    #[test]
    fn renders_dives_colours_and_infinity() {
        let mut a = reference_example();
        a.efficiency = 0.0;
        a.wasted_bytes = 10;
        a.user_wasted_percent = f64::INFINITY;
        a.inefficient.clear();
        let p = CiPreamble {
            config_file: None,
            source: "docker-archive".into(),
            location: "img.tar".into(),
            exclusions: 0,
        };
        let text = render(&p, &a, &evaluate(&DiveRules::default(), &a), true);
        let tail: Vec<&str> = text.lines().skip(4).collect();
        assert_eq!(
            tail,
            [
                "  efficiency: 0.0000 %",
                "  wastedBytes: 10 bytes (10 B)",
                "  userWastedPercent: +Inf %",
                "\x1b[1mInefficient Files:\x1b[0m",
                "Count  Wasted Space  File Path",
                "None",
                "\x1b[1mResults:\x1b[0m",
                "  \x1b[1;7;31mFAIL\x1b[0m: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=+Inf > threshold=0.1)",
                "  \x1b[34mSKIP\x1b[0m: highestWastedBytes: rule disabled",
                "  \x1b[1;7;31mFAIL\x1b[0m: lowestEfficiency: image efficiency is too low (efficiency=0 < threshold=0.9)",
                "\x1b[31mResult:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]\x1b[0m",
                "",
            ]
        );
    }

    #[test]
    fn config_and_flags_layer_and_validate() {
        let file = RuleSettings::from_yaml(
            "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: disabled\n",
            ".dive-ci",
        )
        .unwrap();
        let flags = RuleSettings {
            lowest_efficiency: Some("0.5".into()),
            ..Default::default()
        };
        let rules = flags.over(file).into_rules().unwrap();
        assert_eq!(rules.lowest_efficiency, Threshold::Value(0.5));
        assert_eq!(rules.highest_wasted_bytes, Threshold::Value(20_000_000));
        assert_eq!(rules.highest_user_wasted_percent, Threshold::Disabled);
        let bad = RuleSettings {
            highest_wasted_bytes: Some("lots".into()),
            ..Default::default()
        };
        let err = bad.into_rules().unwrap_err().to_string();
        assert!(err.starts_with("rules.highestWastedBytes: 'lots'"), "{err}");
    }

    #[test]
    fn nan_user_waste_passes_as_in_dive() {
        let mut a = reference_example();
        a.user_wasted_percent = f64::NAN;
        let r = evaluate(&DiveRules::default(), &a);
        assert_eq!(r[0].status, RuleStatus::Pass);
    }
}
