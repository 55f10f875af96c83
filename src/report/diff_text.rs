//! The text of `layerlens diff A B`: sizes, layers side by side, the files that changed most,
//! and how waste and caches moved. (The JSON is [`crate::analysis::diff::ImageDiff`] itself.)

use std::fmt::Write;

use crate::analysis::diff::{signed_delta, ImageDiff, Pair};
use crate::units::{human_bytes, percent};

/// Files listed before "... and N more".
pub const MAX_FILES: usize = 30;

fn signed(d: i64) -> String {
    let sign = if d < 0 { "-" } else { "+" };
    format!("{sign}{}", human_bytes(d.unsigned_abs()))
}

fn row(s: &mut String, what: &str, p: Pair, bytes: bool) {
    let d = signed_delta(p.a, p.b);
    if bytes {
        let _ = writeln!(
            s,
            "  {what:<14} {:>10} -> {:>10}  ({}, {d:+} bytes)",
            human_bytes(p.a),
            human_bytes(p.b),
            signed(d)
        );
    } else {
        let _ = writeln!(s, "  {what:<14} {:>10} -> {:>10}  ({d:+})", p.a, p.b);
    }
}

/// A's estimate beside the measured difference, and which of A's findings B fixed.
fn estimate(s: &mut String, d: &ImageDiff) {
    let e = &d.estimate;
    if e.findings.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nA's findings against B: A's estimate {}, B measures {} smaller",
        human_bytes(e.estimated_savings_bytes.a),
        human_bytes(e.measured_reduction_bytes)
    );
    if e.measured_reduction_bytes > 0 {
        let _ = writeln!(
            s,
            "  the estimate is {} of the measured reduction; files the findings name and B no \
             longer has: {} ({} of the reduction)",
            percent(e.estimated_savings_bytes.a, e.measured_reduction_bytes),
            human_bytes(e.gone_in_b_bytes),
            percent(e.gone_in_b_bytes, e.measured_reduction_bytes)
        );
    }
    let _ = writeln!(
        s,
        "  {:<24} {:>5}  {:>10}  {:>10}  {:>10}",
        "finding", "layer", "A's share", "its files", "still in B"
    );
    for f in &e.findings {
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {kind:<24} {:>5}  {:>10}  {:>10}  {:>10}",
            f.layer.map_or("-".to_string(), |l| l.to_string()),
            human_bytes(f.savings_bytes),
            human_bytes(f.claimed_bytes),
            human_bytes(f.still_in_b_bytes)
        );
        for p in &f.still_in_b {
            let _ = writeln!(s, "  {:<24} still in B: /{p}", "");
        }
    }
}

/// Renders the diff of A (`a_name`) and B (`b_name`).
pub fn render(a_name: &str, b_name: &str, d: &ImageDiff) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "A: {a_name}\nB: {b_name}\n");
    for (what, pair, bytes) in d.summary() {
        row(&mut s, what, pair, bytes);
    }

    let _ = writeln!(
        s,
        "\nLayers ({} shared at the bottom):\n{:>3}  {:>9}  {:>9}  {:<4}  Step (A | B)",
        d.shared_layers, "#", "A", "B", ""
    );
    for l in &d.layers {
        let size = |x: &Option<crate::analysis::diff::LayerSide>| {
            x.as_ref()
                .map_or("-".to_string(), |x| human_bytes(x.size_bytes))
        };
        let steps = match (&l.a, &l.b) {
            (Some(a), Some(b)) if l.same || a.step == b.step => a.step.clone(),
            (a, b) => format!(
                "{} | {}",
                a.as_ref().map_or("-", |x| x.step.as_str()),
                b.as_ref().map_or("-", |x| x.step.as_str())
            ),
        };
        let _ = writeln!(
            s,
            "{:>3}  {:>9}  {:>9}  {:<4}  {steps}",
            l.index,
            size(&l.a),
            size(&l.b),
            if l.same { "same" } else { "" }
        );
    }

    let _ = writeln!(
        s,
        "\nFiles: {} added, {} removed, {} grown, {} shrunk, {} changed",
        d.files_added, d.files_removed, d.files_grown, d.files_shrunk, d.files_changed
    );
    for f in d.files.iter().take(MAX_FILES) {
        let what = f.change.word();
        let _ = writeln!(s, "  {what:<8} {:>10}  /{}", signed(f.delta()), f.path);
    }
    if d.files.len() > MAX_FILES {
        let _ = writeln!(
            s,
            "  ... and {} more (all in --format json)",
            d.files.len() - MAX_FILES
        );
    }
    estimate(&mut s, d);
    if !d.caches.is_empty() {
        let _ = writeln!(s, "\nCaches:");
        for c in &d.caches {
            let _ = writeln!(
                s,
                "  {:<12} /{}  {} -> {}",
                c.kind,
                c.path,
                human_bytes(c.a_bytes),
                human_bytes(c.b_bytes)
            );
        }
    }
    s
}
