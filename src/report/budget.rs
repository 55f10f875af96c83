//! Size budgets for CI, beside dive's three rules: maximum image size, layer size, layer
//! count, reclaimable bytes, cache bytes, and growth against a baseline image. A budget that
//! is not set is skipped, as dive skips a disabled rule.

use std::fmt::Write;

use serde::Serialize;

use super::dive_ci::RuleStatus;
use crate::analysis::findings::layer_label;
use crate::analysis::waste::WasteReport;
use crate::config::budgets::Budgets;
use crate::image::Image;
use crate::units::human_bytes;

/// One budget's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetResult {
    pub name: &'static str,
    pub status: RuleStatus,
    /// The limit, when set.
    pub limit: Option<u64>,
    /// The measured value, when it could be measured.
    pub actual: Option<u64>,
    /// Why it failed or was skipped (empty on a pass).
    pub message: String,
}

/// Evaluates every budget in [`BUDGET_KEYS`] order. `baseline_size` is the size of the
/// `--baseline` image, when one was given.
pub fn evaluate(
    budgets: &Budgets,
    image: &Image,
    waste: &WasteReport,
    baseline_size: Option<u64>,
) -> Vec<BudgetResult> {
    let size = waste.image_size_bytes;
    let advice = what_to_change(waste);
    let bytes = |name: &'static str, limit: Option<u64>, actual: u64, what: &str| {
        check(name, limit, Some(actual), || {
            let tail = if name == "maxImageSize" {
                advice.as_str()
            } else {
                ""
            };
            format!("{what}: {}{tail}", over(actual, limit.unwrap_or(0)))
        })
    };
    let largest = image
        .layers
        .iter()
        .max_by_key(|l| (l.size, usize::MAX - l.index));
    let layer_size = match (budgets.max_layer_size, largest) {
        (Some(limit), Some(_)) => {
            let too_big: Vec<_> = image.layers.iter().filter(|l| l.size > limit).collect();
            let mut message = String::new();
            for (i, l) in too_big.iter().enumerate() {
                if i > 0 {
                    message.push_str("; ");
                }
                let _ = write!(
                    message,
                    "{} is {}",
                    layer_label(image, l.index),
                    over(l.size, limit)
                );
            }
            BudgetResult {
                name: "maxLayerSize",
                status: if too_big.is_empty() {
                    RuleStatus::Pass
                } else {
                    RuleStatus::Fail
                },
                limit: Some(limit),
                actual: largest.map(|l| l.size),
                message: if too_big.is_empty() {
                    String::new()
                } else {
                    message
                },
            }
        }
        _ => check(
            "maxLayerSize",
            budgets.max_layer_size,
            largest.map(|l| l.size),
            String::new,
        ),
    };
    let count = waste.layer_count as u64;
    let growth = match baseline_size {
        Some(base) => check(
            "maxGrowth",
            budgets.max_growth,
            Some(size.saturating_sub(base)),
            || {
                let grown = size.saturating_sub(base);
                format!(
                    "the image grew by {} ({size} bytes against the baseline's {base}){advice}",
                    over(grown, budgets.max_growth.unwrap_or(0))
                )
            },
        ),
        None if budgets.max_growth.is_some() => BudgetResult {
            name: "maxGrowth",
            status: RuleStatus::Skip,
            limit: budgets.max_growth,
            actual: None,
            message: "no --baseline image given".into(),
        },
        None => check("maxGrowth", None, None, String::new),
    };
    vec![
        bytes("maxImageSize", budgets.max_image_size, size, "image size"),
        layer_size,
        check(
            "maxLayerCount",
            budgets.max_layer_count,
            Some(count),
            || {
                format!(
                    "the image has {count} layers > budget {}",
                    budgets.max_layer_count.unwrap_or(0)
                )
            },
        ),
        bytes(
            "maxReclaimableBytes",
            budgets.max_reclaimable_bytes,
            waste.reclaimable_bytes,
            "reclaimable bytes (shipped but hidden)",
        ),
        bytes(
            "maxCacheBytes",
            budgets.max_cache_bytes,
            waste.cache_bytes,
            "cache bytes (caches and leftovers still visible)",
        ),
        growth,
    ]
}

/// Bytes exactly, and as people read them from 1000 on: `950 bytes`, `2.10 MB (2097162 bytes)`.
fn exact(n: u64) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else if n < 1000 {
        format!("{n} bytes")
    } else {
        format!("{} ({n} bytes)", human_bytes(n))
    }
}

/// "2.10 MB (2097162 bytes), 10 bytes over the budget of 2.10 MB (2097152 bytes)": the excess
/// is said, so two sizes that round alike never read as equal.
fn over(actual: u64, limit: u64) -> String {
    format!(
        "{}, {} over the budget of {}",
        exact(actual),
        exact(actual.saturating_sub(limit)),
        exact(limit)
    )
}

/// What a failing size budget's reader can change: the estimate and its largest finding.
fn what_to_change(w: &WasteReport) -> String {
    let Some(top) = w.findings.iter().max_by_key(|f| f.savings_bytes) else {
        return String::new();
    };
    if w.estimate.savings_bytes == 0 {
        return String::new();
    }
    let practice = top.practice.map_or("", |p| p.title());
    format!(
        "; fixing the findings would save about {} (the largest, {}: {})",
        human_bytes(w.estimate.savings_bytes),
        practice,
        human_bytes(top.savings_bytes)
    )
}

/// Pass when `actual <= limit`; skip when no limit.
fn check(
    name: &'static str,
    limit: Option<u64>,
    actual: Option<u64>,
    fail_message: impl FnOnce() -> String,
) -> BudgetResult {
    let (status, message) = match (limit, actual) {
        (None, _) => (RuleStatus::Skip, "budget not set".to_string()),
        (Some(_), None) => (RuleStatus::Skip, "nothing to measure".to_string()),
        (Some(l), Some(a)) if a > l => (RuleStatus::Fail, fail_message()),
        (Some(_), Some(_)) => (RuleStatus::Pass, String::new()),
    };
    BudgetResult {
        name,
        status,
        limit,
        actual,
        message,
    }
}

/// Every CI verdict of one run: dive's rules, then the budgets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdicts {
    /// Whether every rule and budget passed or was skipped.
    pub passed: bool,
    pub rules: Vec<super::dive_ci::RuleResult>,
    pub budgets: Vec<BudgetResult>,
}

impl Verdicts {
    pub fn new(rules: Vec<super::dive_ci::RuleResult>, budgets: Vec<BudgetResult>) -> Verdicts {
        Verdicts {
            passed: super::dive_ci::passed(&rules) && passed(&budgets),
            rules,
            budgets,
        }
    }

    /// Every verdict as (group, name, status, message): `rules` then `budgets`.
    pub fn all(&self) -> Vec<(&'static str, &'static str, RuleStatus, &str)> {
        let rules = self
            .rules
            .iter()
            .map(|r| ("rules", r.name, r.status, r.message.as_str()));
        let budgets = self
            .budgets
            .iter()
            .map(|b| ("budgets", b.name, b.status, b.message.as_str()));
        rules.chain(budgets).collect()
    }
}

/// Whether no budget failed.
pub fn passed(results: &[BudgetResult]) -> bool {
    results.iter().all(|r| r.status != RuleStatus::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;
    use crate::analysis::waste::{analyze, WasteOptions};

    #[test]
    fn budgets_pass_fail_and_skip() {
        let img = image(
            vec![
                ("base", vec![file("bin/sh", 1000, 1)]),
                ("apt", vec![file("var/lib/apt/lists/P", 700, 2)]),
                ("dl", vec![file("big", 4000, 3)]),
                ("rm", vec![whiteout("big")]),
            ],
            None,
        );
        let w = analyze(&img, &WasteOptions::default());
        let b = Budgets {
            max_image_size: Some(5700),
            max_layer_size: Some(999),
            max_layer_count: Some(3),
            max_reclaimable_bytes: Some(4000),
            max_cache_bytes: Some(699),
            max_growth: Some(100),
        };
        let r = evaluate(&b, &img, &w, None);
        let got: Vec<_> = r.iter().map(|r| (r.name, r.status, r.actual)).collect();
        assert_eq!(
            got,
            [
                ("maxImageSize", RuleStatus::Pass, Some(5700)),
                ("maxLayerSize", RuleStatus::Fail, Some(4000)),
                ("maxLayerCount", RuleStatus::Fail, Some(4)),
                ("maxReclaimableBytes", RuleStatus::Pass, Some(4000)),
                ("maxCacheBytes", RuleStatus::Fail, Some(700)),
                ("maxGrowth", RuleStatus::Skip, None),
            ]
        );
        assert_eq!(
            r[1].message,
            "layer 0 (RUN base) is 1.00 kB (1000 bytes), 1 byte over the budget of 999 bytes; \
             layer 2 (RUN dl) is 4.00 kB (4000 bytes), 3.00 kB (3001 bytes) over the budget of \
             999 bytes"
        );
        assert_eq!(
            r[4].message,
            "cache bytes (caches and leftovers still visible): 700 bytes, 1 byte over the budget \
             of 699 bytes"
        );
        assert!(!passed(&r));
        let r = evaluate(&b, &img, &w, Some(5650));
        assert_eq!((r[5].status, r[5].actual), (RuleStatus::Pass, Some(50)));
        let r = evaluate(&b, &img, &w, Some(5000));
        assert_eq!(r[5].status, RuleStatus::Fail);
        assert_eq!(
            r[5].message,
            "the image grew by 700 bytes, 600 bytes over the budget of 100 bytes (5700 bytes \
             against the baseline's 5000); fixing the findings would save about 4.70 kB (the \
             largest, delete in the same layer, never later: 4.00 kB)"
        );
        let none = evaluate(&Budgets::default(), &img, &w, None);
        assert!(none.iter().all(|r| r.status == RuleStatus::Skip));
        assert!(passed(&none));
    }
}
