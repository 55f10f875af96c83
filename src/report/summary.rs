//! The plain-text summary printed when layerlens runs without a terminal UI or CI mode.

use std::fmt::Write;

use crate::analysis::dive::DiveAnalysis;
use crate::image::Image;
use crate::units::human_bytes;

/// A short overview: image, layers with sizes and commands, dive's figures.
pub fn render(image: &Image, a: &DiveAnalysis) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Image: {} ({})", image.reference, image.source.prefix());
    let _ = writeln!(
        s,
        "Total size: {} in {} layers, {} paths",
        human_bytes(a.size_bytes),
        image.layers.len(),
        image.tree.node_count().saturating_sub(1)
    );
    let _ = writeln!(s, "Efficiency: {:.4} %", a.efficiency * 100.0);
    let _ = writeln!(
        s,
        "Wasted bytes (dive's measure): {} ({})",
        a.wasted_bytes,
        human_bytes(a.wasted_bytes)
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "{:>3}  {:>9}  Command", "#", "Size");
    for l in &image.layers {
        let mut cmd = l.command().replace('\n', " ");
        if cmd.chars().count() > 100 {
            cmd = cmd.chars().take(99).collect::<String>() + "…";
        }
        let _ = writeln!(s, "{:>3}  {:>9}  {}", l.index, human_bytes(l.size), cmd);
    }
    s
}
