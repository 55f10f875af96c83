//! The HTML report (`--format html`, `--html FILE`, `diff --format html`): one self-contained
//! file with the image's summary, a treemap of its filesystem, its layers as bars and a
//! table, the findings, dive's figures and, in CI mode, the verdicts. It reads the same
//! values as the other outputs (`WasteReport`, `DiveAnalysis`, `Verdicts`) and writes sizes
//! through `units`. Nothing is fetched: style, patterns and a few lines of script are inline,
//! and the page reads without the script. **Every string from the image is escaped**
//! (`escape.rs`).
//!
//! - `escape.rs`: escaping; `page.rs`: the document, style, colours and legend.
//! - `layout.rs`: the squarified layout; `sizes.rs`: what each path holds; `treemap.rs`: the
//!   views and their SVG.
//! - `layers.rs`: layer bars and table; `findings.rs`: summary, findings, dive's figures,
//!   verdicts; `diff.rs`: two images side by side.

mod diff;
mod escape;
mod findings;
mod layers;
mod layout;
mod page;
mod sizes;
mod treemap;

pub use diff::render_diff;

use std::fmt::Write;

use crate::analysis::dive::DiveAnalysis;
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::report::budget::Verdicts;

/// The report of one image; `verdicts` in CI mode.
pub fn render(
    image: &Image,
    dive: &DiveAnalysis,
    w: &WasteReport,
    verdicts: Option<&Verdicts>,
) -> String {
    let treemap = treemap::Treemap::new(image, w);
    let mut b = String::with_capacity(256 * 1024);
    let _ = writeln!(
        b,
        "<header><h1>layerlens: <code>{}</code></h1>\n<nav aria-label=\"Sections\"><a \
         href=\"#overview\">Summary</a> &middot; {}<a href=\"#treemap\">Treemap</a> &middot; \
         <a href=\"#layers\">Layers</a> &middot; <a href=\"#findings\">Findings</a> &middot; \
         <a href=\"#dive\">dive's figures</a></nav></header>",
        escape::image_text(&image.reference),
        if verdicts.is_some() {
            "<a href=\"#ci\">CI verdicts</a> &middot; "
        } else {
            ""
        }
    );
    b.push_str("<section id=\"overview\"><h2>Summary</h2>\n");
    findings::summary(image, dive, w, &mut b);
    b.push_str("</section>\n");
    if let Some(v) = verdicts {
        b.push_str("<section id=\"ci\"><h2>CI verdicts</h2>\n");
        findings::verdicts(v, &mut b);
        b.push_str("</section>\n");
    }
    b.push_str("<section id=\"treemap\"><h2>Where the bytes are</h2>\n");
    treemap.render(&mut b);
    b.push_str("</section>\n<section id=\"layers\"><h2>Layers</h2>\n");
    let max = w.layers.iter().map(|l| l.size_bytes).max().unwrap_or(0);
    b.push_str(page::legend());
    layers::bars(image, w, max, "", &mut b);
    layers::table(image, w, "", &mut b);
    b.push_str("</section>\n<section id=\"findings\"><h2>Findings</h2>\n");
    findings::findings(image, w, &treemap, &mut b);
    b.push_str("</section>\n<section id=\"dive\"><h2>dive's figures</h2>\n");
    findings::inefficient(dive, &mut b);
    b.push_str("</section>\n");
    footer(&mut b);
    page::document(&format!("layerlens: {}", image.reference), &b)
}

fn footer(b: &mut String) {
    let _ = writeln!(
        b,
        "<footer><p class=\"muted\">Written by layerlens {}. One file: nothing is fetched, and \
         everything but the keyboard shortcut (u: up one folder) works without \
         JavaScript.</p></footer>",
        env!("CARGO_PKG_VERSION")
    );
}
