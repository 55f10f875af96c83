//! `layerlens diff A B --format html`: two images side by side, the view a class uses to
//! compare a naive and an optimised build. The figures are [`ImageDiff`]'s (the text and JSON
//! diff's) and each image's waste report; both images' bars share one scale.

use std::fmt::Write;

use super::escape::image_text;
use super::layers;
use super::page::{self, size};
use crate::analysis::diff::{signed_delta, ImageDiff, Pair};
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::report::diff_text::MAX_FILES;
use crate::units::{human_bytes, percent};

/// `+1.20 MB` / `-3.00 kB` / `0 B`, and the class that says which way (besides the sign).
fn signed(d: i64) -> (String, &'static str) {
    let class = match d.signum() {
        1 => "delta-up",
        -1 => "delta-down",
        _ => "",
    };
    let sign = if d < 0 { "-" } else { "+" };
    (format!("{sign}{}", human_bytes(d.unsigned_abs())), class)
}

fn row(out: &mut String, what: &str, p: Pair, bytes: bool) {
    let d = signed_delta(p.a, p.b);
    if bytes {
        let (s, class) = signed(d);
        let _ = writeln!(
            out,
            "<tr><th>{what}</th><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n {class}\">{s} ({d:+} bytes)</td></tr>",
            size(p.a),
            size(p.b)
        );
    } else {
        let _ = writeln!(
            out,
            "<tr><th>{what}</th><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{d:+}</td></tr>",
            p.a, p.b
        );
    }
}

/// The diff of A (`a_name`, `a`, `wa`) and B, as one page.
pub fn render_diff(
    a_name: &str,
    b_name: &str,
    (a, wa): (&Image, &WasteReport),
    (b, wb): (&Image, &WasteReport),
    d: &ImageDiff,
) -> String {
    let (an, bn) = (image_text(a_name), image_text(b_name));
    let mut s = String::with_capacity(64 * 1024);
    let _ = writeln!(
        s,
        "<header><h1>layerlens diff</h1><p>A: <code>{an}</code><br>B: <code>{bn}</code></p>\
         <nav aria-label=\"Sections\"><a href=\"#overview\">Summary</a> &middot; <a \
         href=\"#layers\">Layers side by side</a> &middot; <a href=\"#files\">Biggest \
         changes</a> &middot; <a href=\"#estimate\">A's findings against B</a></nav></header>"
    );
    s.push_str(
        "<section id=\"overview\"><h2>Summary</h2><table><thead><tr><th></th>\
         <th class=\"n\">A</th><th class=\"n\">B</th><th class=\"n\">B &minus; A</th></tr>\
         </thead><tbody>\n",
    );
    for (what, pair, bytes) in d.summary() {
        row(&mut s, what, pair, bytes);
    }
    s.push_str("</tbody></table>\n");
    if d.size_bytes.b < d.size_bytes.a {
        let _ = writeln!(
            s,
            "<p>B is {} smaller than A ({} less).</p>",
            percent(d.size_bytes.a - d.size_bytes.b, d.size_bytes.a),
            human_bytes(d.size_bytes.a - d.size_bytes.b)
        );
    }
    s.push_str("</section>\n");

    let _ = writeln!(
        s,
        "<section id=\"layers\"><h2>Layers side by side</h2><p>Both on one scale; {} shared \
         at the bottom (the same layer in both).</p>",
        crate::units::count(d.shared_layers, "layer", "layers")
    );
    s.push_str(page::legend());
    let max = wa
        .layers
        .iter()
        .chain(&wb.layers)
        .map(|l| l.size_bytes)
        .max()
        .unwrap_or(0);
    s.push_str("<div class=\"side\">\n");
    for (side, name, img, w) in [("a", &an, a, wa), ("b", &bn, b, wb)] {
        let _ = writeln!(
            s,
            "<div><h3>{}: <code>{name}</code> &mdash; {}</h3>",
            side.to_uppercase(),
            size(w.image_size_bytes)
        );
        layers::bars(img, w, max, &format!("{side}-"), &mut s);
        s.push_str("</div>\n");
    }
    s.push_str("</div>\n");
    for (side, name, img, w) in [("a", &an, a, wa), ("b", &bn, b, wb)] {
        let _ = writeln!(
            s,
            "<h3>{}'s layers: <code>{name}</code></h3>",
            side.to_uppercase()
        );
        layers::table(img, w, &format!("{side}-"), &mut s);
    }
    s.push_str("</section>\n");

    files(&mut s, d);
    estimate(&mut s, d);
    if !d.caches.is_empty() {
        s.push_str(
            "<section id=\"caches\"><h2>Caches</h2><table><thead><tr><th>Kind</th>\
             <th>Path</th><th class=\"n\">A</th><th class=\"n\">B</th></tr></thead><tbody>\n",
        );
        for c in &d.caches {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td class=\"mono\">/{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr>",
                image_text(&c.kind),
                image_text(&c.path),
                size(c.a_bytes),
                size(c.b_bytes)
            );
        }
        s.push_str("</tbody></table></section>\n");
    }
    super::footer(&mut s);
    page::document(&format!("layerlens diff: {a_name} vs {b_name}"), &s)
}

/// The files that changed most, each with a bar of its change on one scale.
fn files(s: &mut String, d: &ImageDiff) {
    let _ = writeln!(
        s,
        "<section id=\"files\"><h2>Biggest changes</h2><p>Files: {} added, {} removed, {} \
         grown, {} shrunk, {} changed (same size, new content).</p>",
        d.files_added, d.files_removed, d.files_grown, d.files_shrunk, d.files_changed
    );
    if d.files.is_empty() {
        s.push_str("</section>\n");
        return;
    }
    let max = d
        .files
        .iter()
        .map(|f| f.delta().unsigned_abs())
        .max()
        .unwrap_or(1)
        .max(1);
    s.push_str(
        "<table><thead><tr><th>Change</th><th class=\"n\">B &minus; A</th><th>Path</th>\
         <th style=\"width:22%\">Scale</th></tr></thead><tbody>\n",
    );
    for f in d.files.iter().take(MAX_FILES) {
        let what = f.change.word();
        let (text, class) = signed(f.delta());
        let pct = (f.delta().unsigned_abs() as f64 / max as f64 * 100.0).max(0.5);
        let fill = if f.delta() > 0 { "#b42318" } else { "#1a7f37" };
        let _ = writeln!(
            s,
            "<tr><td>{what}</td><td class=\"n {class}\">{text}</td><td class=\"mono\">/{}</td>\
             <td><span style=\"display:block;height:10px;width:{pct:.1}%;background:{fill}\" \
             role=\"img\" aria-label=\"{text}\"></span></td></tr>",
            image_text(&f.path)
        );
    }
    s.push_str("</tbody></table>\n");
    if d.files.len() > MAX_FILES {
        let _ = writeln!(
            s,
            "<p class=\"muted\">&hellip; and {} more (all in --format json)</p>",
            d.files.len() - MAX_FILES
        );
    }
    s.push_str("</section>\n");
}

/// A's estimate beside the measured difference, and which of A's findings B fixed.
fn estimate(s: &mut String, d: &ImageDiff) {
    let e = &d.estimate;
    if e.findings.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<section id=\"estimate\"><h2>A's findings against B</h2><p>A's estimate {}, B \
         measures {} smaller.",
        size(e.estimated_savings_bytes.a),
        size(e.measured_reduction_bytes)
    );
    if e.measured_reduction_bytes > 0 {
        let _ = write!(
            s,
            " The estimate is {} of the measured reduction; files the findings name and B no \
             longer has: {} ({} of the reduction).",
            percent(e.estimated_savings_bytes.a, e.measured_reduction_bytes),
            size(e.gone_in_b_bytes),
            percent(e.gone_in_b_bytes, e.measured_reduction_bytes)
        );
    }
    s.push_str(
        "</p><table><thead><tr><th>Finding</th><th class=\"n\">Layer</th>\
         <th class=\"n\">A's share</th><th class=\"n\">Its files</th>\
         <th class=\"n\">Still in B</th><th>Still in B (largest)</th></tr></thead><tbody>\n",
    );
    for f in &e.findings {
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let still: Vec<String> = f
            .still_in_b
            .iter()
            .map(|p| format!("<code>/{}</code>", image_text(p)))
            .collect();
        let _ = writeln!(
            s,
            "<tr><td>{kind}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            f.layer.map_or("-".to_string(), |l| format!(
                "<a href=\"#a-layer-{l}\">{l}</a>"
            )),
            size(f.savings_bytes),
            size(f.claimed_bytes),
            size(f.still_in_b_bytes),
            still.join(" ")
        );
    }
    s.push_str("</tbody></table></section>\n");
}
