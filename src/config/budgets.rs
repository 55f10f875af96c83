//! Size budgets as the user sets them (`layerlens.budgets.*`); `report::budget` judges them.

/// The budget keys, in report order (the config's `layerlens.budgets.<key>`).
pub const BUDGET_KEYS: [&str; 6] = [
    "maxImageSize",
    "maxLayerSize",
    "maxLayerCount",
    "maxReclaimableBytes",
    "maxCacheBytes",
    "maxGrowth",
];

/// Limits; `None` is not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budgets {
    pub max_image_size: Option<u64>,
    pub max_layer_size: Option<u64>,
    pub max_layer_count: Option<u64>,
    pub max_reclaimable_bytes: Option<u64>,
    pub max_cache_bytes: Option<u64>,
    /// Bytes the image may grow by against `--baseline`.
    pub max_growth: Option<u64>,
}

impl Budgets {
    /// Whether any budget is set.
    pub fn any(&self) -> bool {
        *self != Budgets::default()
    }

    /// Sets a budget by its key; `false` for an unknown key.
    pub fn set(&mut self, key: &str, value: Option<u64>) -> bool {
        let slot = match key {
            "maxImageSize" => &mut self.max_image_size,
            "maxLayerSize" => &mut self.max_layer_size,
            "maxLayerCount" => &mut self.max_layer_count,
            "maxReclaimableBytes" => &mut self.max_reclaimable_bytes,
            "maxCacheBytes" => &mut self.max_cache_bytes,
            "maxGrowth" => &mut self.max_growth,
            _ => return false,
        };
        *slot = value;
        true
    }
}
