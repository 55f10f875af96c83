//! The plain-text summary printed when layerlens runs without a terminal UI or CI mode.

use std::fmt::Write;

use crate::analysis::dive::DiveAnalysis;
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::units::human_bytes;

/// A short overview: image, layers with sizes and commands, dive's figures in dive's words,
/// ours (reclaimable bytes, the estimate) in ours.
pub fn render(image: &Image, a: &DiveAnalysis, w: &WasteReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Image: {} ({})", image.reference, image.source.prefix());
    let _ = writeln!(
        s,
        "Total size: {} in {} layers, {} paths",
        human_bytes(a.size_bytes),
        image.layers.len(),
        image.tree.node_count().saturating_sub(1)
    );
    let _ = writeln!(
        s,
        "Image efficiency score (dive's): {}",
        crate::units::efficiency(a.efficiency)
    );
    let _ = writeln!(
        s,
        "Potential wasted space (dive's): {} ({} bytes)",
        human_bytes(a.wasted_bytes),
        a.wasted_bytes
    );
    let _ = writeln!(
        s,
        "Reclaimable: {} ({} bytes) ship but are hidden in the final image",
        human_bytes(w.reclaimable_bytes),
        w.reclaimable_bytes
    );
    if w.estimate.savings_bytes > 0 {
        let _ = writeln!(
            s,
            "Estimate: fixing {} would take the image to about {} (−{}); --format text says how",
            crate::units::count(
                w.findings.iter().filter(|f| f.savings_bytes > 0).count(),
                "finding",
                "findings"
            ),
            human_bytes(w.estimate.estimated_size_bytes),
            crate::units::percent(w.estimate.savings_bytes, w.estimate.image_size_bytes)
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "{:>3}  {:>9}  Command", "#", "Size");
    for l in &image.layers {
        let mut cmd = crate::index::path::escape(l.command().replace('\n', " ").as_bytes());
        if cmd.chars().count() > 100 {
            cmd = cmd.chars().take(99).collect::<String>() + "…";
        }
        let _ = writeln!(s, "{:>3}  {:>9}  {}", l.index, human_bytes(l.size), cmd);
    }
    s
}
