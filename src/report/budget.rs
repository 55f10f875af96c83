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
    let bytes = |name: &'static str, limit: Option<u64>, actual: u64, what: &str| {
        check(name, limit, Some(actual), || {
            format!(
                "{what}: {} ({actual} bytes) > budget {} ({} bytes)",
                human_bytes(actual),
                human_bytes(limit.unwrap_or(0)),
                limit.unwrap_or(0)
            )
        })
    };
    let largest = image
        .layers
        .iter()
        .max_by_key(|l| (l.size, usize::MAX - l.index));
    let layer_size = match (budgets.max_layer_size, largest) {
        (Some(limit), Some(_)) => {
            let over: Vec<_> = image.layers.iter().filter(|l| l.size > limit).collect();
            let mut message = String::new();
            for (i, l) in over.iter().enumerate() {
                if i > 0 {
                    message.push_str("; ");
                }
                let _ = write!(
                    message,
                    "{} is {} ({} bytes)",
                    layer_label(image, l.index),
                    human_bytes(l.size),
                    l.size
                );
            }
            let _ = write!(message, " > budget {} ({limit} bytes)", human_bytes(limit));
            BudgetResult {
                name: "maxLayerSize",
                status: if over.is_empty() {
                    RuleStatus::Pass
                } else {
                    RuleStatus::Fail
                },
                limit: Some(limit),
                actual: largest.map(|l| l.size),
                message: if over.is_empty() {
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
                "the image grew by {} ({grown} bytes: {size} against the baseline's {base}) > budget {} ({} bytes)",
                human_bytes(grown),
                human_bytes(budgets.max_growth.unwrap_or(0)),
                budgets.max_growth.unwrap_or(0)
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
            "layer 0 (RUN base) is 1.00 kB (1000 bytes); layer 2 (RUN dl) is 4.00 kB (4000 bytes) \
             > budget 999 B (999 bytes)"
        );
        assert_eq!(
            r[4].message,
            "cache bytes (caches and leftovers still visible): 700 B (700 bytes) > budget 699 B (699 bytes)"
        );
        assert!(!passed(&r));
        let r = evaluate(&b, &img, &w, Some(5650));
        assert_eq!((r[5].status, r[5].actual), (RuleStatus::Pass, Some(50)));
        let r = evaluate(&b, &img, &w, Some(5000));
        assert_eq!(r[5].status, RuleStatus::Fail);
        assert_eq!(
            r[5].message,
            "the image grew by 700 B (700 bytes: 5700 against the baseline's 5000) > budget 100 B (100 bytes)"
        );
        let none = evaluate(&Budgets::default(), &img, &w, None);
        assert!(none.iter().all(|r| r.status == RuleStatus::Skip));
        assert!(passed(&none));
    }
}
