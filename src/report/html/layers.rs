//! The layers as bars and as a table: per layer, the bytes still visible, the bytes a later
//! layer hid and the caches, with the step (and `Dockerfile:LINE`) on hover and in the table.
//! The figures are the waste report's (`LayerStats`, the cache hits), the same the text report
//! prints; **visible + hidden + caches = the layer's size**.

use std::fmt::Write;

use super::escape::image_text;
use super::page::{layer_class, size};
use crate::analysis::findings::step;
use crate::analysis::layers::LayerStats;
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::units::human_bytes;

const W: f64 = 1000.0;
const LABEL: f64 = 70.0;
const BAR: f64 = 800.0;
const ROW: f64 = 24.0;

/// One layer's bytes split three ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub visible: u64,
    pub hidden: u64,
    pub cache: u64,
}

/// The split of every layer: hidden from the layer's stats, caches from the cache hits, the
/// rest visible.
pub fn splits(w: &WasteReport) -> Vec<Split> {
    w.layers
        .iter()
        .map(|l| {
            let cache = w
                .caches
                .iter()
                .filter(|c| c.layer == l.index)
                .fold(0u64, |a, c| a.saturating_add(c.size_bytes));
            Split {
                visible: l
                    .size_bytes
                    .saturating_sub(l.hidden_bytes)
                    .saturating_sub(cache),
                hidden: l.hidden_bytes,
                cache,
            }
        })
        .collect()
}

/// The step that made a layer, and its Dockerfile line when known, escaped.
fn step_text(image: &Image, index: usize) -> String {
    let Some(layer) = image.layers.get(index) else {
        return String::new();
    };
    let s = image_text(&step(layer));
    match &layer.dockerfile {
        Some(d) => format!("{s} (Dockerfile:{})", d.line),
        None => s,
    }
}

/// The bars, one row per layer, scaled so that `max` bytes fill the bar. `prefix` keeps the
/// anchors of two images apart on one page (`layer-3`, `a-layer-3`).
pub fn bars(image: &Image, w: &WasteReport, max: u64, prefix: &str, out: &mut String) {
    let splits = splits(w);
    let h = ROW * w.layers.len() as f64 + 4.0;
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"group\" \
         aria-label=\"Layer sizes as bars: still visible (layer colour), later hidden (red \
         stripes), caches (brown dots); the layer table below has the same figures\">"
    );
    let scale = if max > 0 { BAR / max as f64 } else { 0.0 };
    for (l, s) in w.layers.iter().zip(&splits) {
        let y = ROW * l.index as f64 + 2.0;
        let step = step_text(image, l.index);
        let _ = write!(
            out,
            "<a href=\"#{prefix}layer-{i}\"><title>layer {i}: {} ({} still visible, {} later \
             hidden, {} caches) {step}</title>",
            human_bytes(l.size_bytes),
            human_bytes(s.visible),
            human_bytes(s.hidden),
            human_bytes(s.cache),
            i = l.index
        );
        let _ = write!(
            out,
            "<text x=\"4\" y=\"{:.1}\">layer {}</text>",
            y + 14.0,
            l.index
        );
        let mut x = LABEL;
        for (bytes, class, what) in [
            (s.visible, layer_class(l.index), "still visible"),
            (s.hidden, "hidden".to_string(), "later hidden"),
            (s.cache, "cache".to_string(), "caches"),
        ] {
            if bytes == 0 {
                continue;
            }
            let wd = (bytes as f64 * scale).max(1.0);
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{wd:.1}\" height=\"{:.1}\" \
                 class=\"{class}\"><title>layer {}: {} {what}</title></rect>",
                ROW - 6.0,
                l.index,
                human_bytes(bytes)
            );
            x += wd;
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text></a>",
            x + 6.0,
            y + 14.0,
            human_bytes(l.size_bytes)
        );
    }
    out.push_str("</svg>\n");
}

/// The table of layers: the bars' figures, files added, modified and removed, the step with
/// its Dockerfile line, and the whole command.
pub fn table(image: &Image, w: &WasteReport, prefix: &str, out: &mut String) {
    out.push_str(
        "<table><caption>Layers</caption><thead><tr><th>#</th><th>Step</th>\
         <th class=\"n\">Size</th><th class=\"n\">Still visible</th>\
         <th class=\"n\">Later hidden</th><th class=\"n\">Caches</th><th class=\"n\">Added</th>\
         <th class=\"n\">Modified</th><th class=\"n\">Removed</th></tr></thead><tbody>\n",
    );
    for (l, s) in w.layers.iter().zip(splits(w)) {
        row(image, l, s, prefix, out);
    }
    out.push_str("</tbody></table>\n");
}

fn row(image: &Image, l: &LayerStats, s: Split, prefix: &str, out: &mut String) {
    let command = image_text(&l.command);
    let _ = write!(
        out,
        "<tr id=\"{prefix}layer-{i}\"><td class=\"n\"><span class=\"sw {}\" aria-hidden=\"true\">\
         </span>{i}</td><td><code>{}</code>",
        layer_class(l.index),
        step_text(image, l.index),
        i = l.index
    );
    if !command.is_empty() {
        let _ = write!(
            out,
            "<details><summary>command</summary><code>{command}</code></details>"
        );
    }
    let _ = writeln!(
        out,
        "</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td></tr>",
        size(l.size_bytes),
        size(s.visible),
        size(s.hidden),
        size(s.cache),
        l.files_added,
        l.files_modified,
        l.files_removed
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;
    use crate::analysis::waste::{analyze, WasteOptions};

    #[test]
    fn the_three_parts_add_up_to_the_layer() {
        let img = image(
            vec![
                ("base", vec![file("bin/sh", 10, 1)]),
                (
                    "apt",
                    vec![file("var/lib/apt/lists/P", 700, 2), file("opt/x", 50, 3)],
                ),
                ("rm", vec![whiteout("opt/x")]),
            ],
            None,
        );
        let w = analyze(&img, &WasteOptions::default());
        let s = splits(&w);
        assert_eq!(
            s[1],
            Split {
                visible: 0,
                hidden: 50,
                cache: 700
            }
        );
        for (l, s) in w.layers.iter().zip(&s) {
            assert_eq!(s.visible + s.hidden + s.cache, l.size_bytes);
        }
    }
}
