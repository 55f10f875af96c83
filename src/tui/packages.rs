//! The packages view's text: every installed package the image's databases list, largest first
//! (its bytes in the final image, ecosystem, installing layer, whether it was asked for), and
//! the file-tree limit `enter` applies to show one package's files. Plain data.

use std::sync::Arc;

use super::tree::Only;
use super::view::{escape_controls, size};
use crate::analysis::packages::{Package, Packages};

/// The column heads.
pub const HEADER: &str = "     Size  Kind    Layer  Auto   Package";

/// One package's row.
pub fn row(p: &Package) -> String {
    let auto = match (p.auto, p.dev) {
        (_, Some(true)) => "dev",
        (Some(true), _) => "auto",
        (Some(false), _) => "asked",
        (None, _) => "-",
    };
    let layer = p.layer.map_or("-".to_string(), |l| l.to_string());
    escape_controls(&format!(
        "{:>9}  {:<6}  {:>5}  {:<5}  {} {}",
        size(p.size_bytes),
        p.ecosystem.as_str(),
        layer,
        auto,
        p.name,
        p.version
    ))
}

/// The view's title: how many packages own how much, and what no package owns.
pub fn title(p: &Packages) -> String {
    let owned = p
        .packages
        .iter()
        .fold(0u64, |a, x| a.saturating_add(x.size_bytes));
    format!(
        "Packages: {} {} {}; {} in no package (enter: its files in the tree)",
        p.packages.len(),
        if p.packages.len() == 1 { "owns" } else { "own" },
        size(owned),
        size(p.unowned_bytes)
    )
}

/// The tree limit that shows one package's files (and the folders above them).
pub fn only(p: &Package, node_count: usize) -> Only {
    let mut nodes = vec![false; node_count];
    for &(n, _, _) in &p.owned {
        if let Some(slot) = nodes.get_mut(n as usize) {
            *slot = true;
        }
    }
    Only {
        what: format!("{} package {}", p.ecosystem.as_str(), p.name),
        nodes: Arc::new(nodes),
    }
}
