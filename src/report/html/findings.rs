//! The report's words: the summary (our figures, dive's efficiency in dive's terms), the
//! findings with their fixes and savings (largest first, each linking to its place in the
//! treemap and the layer table), dive's inefficient files, and in CI mode every rule and
//! budget with its verdict. Plain HTML: it all reads without script and prints.

use std::fmt::Write;

use super::escape::{html, image_text};
use super::page::{exact, size};
use super::treemap::Treemap;
use crate::analysis::dive::DiveAnalysis;
use crate::analysis::findings::{layers_label, Finding, Severity};
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::report::budget::Verdicts;
use crate::report::dive_ci::RuleStatus;
use crate::report::waste_text::{saving, savings_note};
use crate::units::{efficiency, human_bytes, percent};

/// dive's inefficient files shown before "and N more".
const INEFFICIENT_ROWS: usize = 20;

/// The figures at the top of the page.
pub fn summary(image: &Image, dive: &DiveAnalysis, w: &WasteReport, out: &mut String) {
    out.push_str("<dl class=\"grid\" id=\"summary\">\n");
    let mut item = |term: &str, value: String| {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
    };
    item(
        "Image",
        format!(
            "<code>{}</code> ({})",
            image_text(&image.reference),
            image.source.prefix()
        ),
    );
    item(
        "Size",
        format!("{} in {} layers", exact(w.image_size_bytes), w.layer_count),
    );
    let e = &w.estimate;
    if e.savings_bytes > 0 {
        item(
            "Estimate",
            format!(
                "fixing the <a href=\"#findings\">findings</a> would take the image from {} to \
                 about {} ({})",
                human_bytes(e.image_size_bytes),
                human_bytes(e.estimated_size_bytes),
                saving(e.savings_bytes, e.image_size_bytes)
            ),
        );
    }
    if w.base.layers > 0 {
        let b = &w.base;
        let name = b
            .distribution
            .as_ref()
            .and_then(|d| d.pretty_name.clone())
            .map(|n| format!(", {}", image_text(&n)))
            .unwrap_or_default();
        item(
            "Base image",
            format!(
                "{}{name}: {} ({} of the image)",
                layers_label(&(0..b.layers).collect::<Vec<_>>()),
                human_bytes(b.size_bytes),
                percent(b.size_bytes, w.image_size_bytes)
            ),
        );
    }
    item(
        "Reclaimable",
        format!(
            "{} ship in lower layers but are hidden in the final image",
            exact(w.reclaimable_bytes)
        ),
    );
    item(
        "Caches and leftovers",
        format!("{} still in the image", exact(w.cache_bytes)),
    );
    item(
        "Duplicates",
        format!(
            "{} in extra copies of identical files",
            exact(w.duplicate_bytes)
        ),
    );
    item(
        "User",
        if w.user.is_empty() {
            "(not set: root)".to_string()
        } else {
            image_text(&w.user)
        },
    );
    item(
        "Image efficiency score (dive's)",
        efficiency(dive.efficiency),
    );
    item(
        "Potential wasted space (dive's)",
        format!(
            "{} ({} bytes)",
            human_bytes(dive.wasted_bytes),
            dive.wasted_bytes
        ),
    );
    out.push_str("</dl>\n");
}

/// The findings, largest saving first.
pub fn findings(image: &Image, w: &WasteReport, treemap: &Treemap, out: &mut String) {
    let e = &w.estimate;
    if e.savings_bytes > 0 {
        let _ = writeln!(
            out,
            "<p>Fixing them would take the image from {} to about {} ({}); each finding's \
             saving counts no byte another one larger already counts.</p>",
            size(e.image_size_bytes),
            size(e.estimated_size_bytes),
            saving(e.savings_bytes, e.image_size_bytes)
        );
    }
    if w.findings.is_empty() {
        out.push_str("<p>None.</p>\n");
    }
    let mut order: Vec<&Finding> = w.findings.iter().collect();
    order.sort_by(|a, b| {
        b.savings_bytes
            .cmp(&a.savings_bytes)
            .then(b.size_bytes.cmp(&a.size_bytes))
            .then(a.severity.cmp(&b.severity))
    });
    for (i, f) in order.into_iter().enumerate() {
        finding(image, f, i, treemap, out);
    }
    if !w.dockerignore.is_empty() {
        out.push_str(
            "<h3>Suggested .dockerignore</h3><p>What the COPYs brought in that the program \
             never reads:</p><pre>",
        );
        for line in &w.dockerignore {
            let _ = writeln!(out, "{}", image_text(line));
        }
        out.push_str("</pre>\n");
    }
}

fn finding(image: &Image, f: &Finding, i: usize, treemap: &Treemap, out: &mut String) {
    let (class, word) = match f.severity {
        Severity::Warning => ("warning", "warning"),
        Severity::Info => ("info", "info"),
    };
    let _ = write!(
        out,
        "<article class=\"finding {class}\" id=\"finding-{i}\"><p><span class=\"badge \
         {class}\">{word}</span> "
    );
    if f.savings_bytes > 0 {
        let _ = write!(out, "<strong>saves {}</strong>", html(&savings_note(f)));
    }
    if let Some(p) = f.practice {
        let _ = write!(out, " &middot; practice: {}", html(p.title()));
    }
    let _ = write!(
        out,
        "</p><p>{}</p><p><strong>Fix:</strong> {}</p><p class=\"muted\">",
        image_text(&f.message),
        image_text(&f.fix)
    );
    let mut links = Vec::new();
    if let Some(p) = &f.path {
        links.push(format!(
            "<a href=\"#{}\"><code>{}</code> in the treemap</a>",
            treemap.anchor_for(p),
            image_text(p)
        ));
    }
    if let Some(l) = f.layer {
        let mut s = format!("<a href=\"#layer-{l}\">layer {l}</a>");
        if let Some(line) = image.layers.get(l).and_then(|x| x.dockerfile.as_ref()) {
            let _ = write!(s, " (Dockerfile:{})", line.line);
        }
        links.push(s);
    }
    if let Some(h) = f.hidden_by_layer {
        links.push(format!("hidden by <a href=\"#layer-{h}\">layer {h}</a>"));
    }
    if !links.is_empty() {
        let _ = write!(out, "See: {}", links.join(" &middot; "));
    }
    out.push_str("</p></article>\n");
}

/// dive's inefficient files, as dive lists them.
pub fn inefficient(dive: &DiveAnalysis, out: &mut String) {
    if dive.inefficient.is_empty() {
        out.push_str("<p>dive lists no inefficient files.</p>\n");
        return;
    }
    out.push_str(
        "<table><caption>dive's inefficient files (paths in more than one layer)</caption>\
         <thead><tr><th class=\"n\">Count</th><th class=\"n\">Total space</th><th>Path</th>\
         </tr></thead><tbody>\n",
    );
    for r in dive.inefficient.iter().take(INEFFICIENT_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"mono\">{}</td></tr>",
            r.count,
            size(r.cumulative_size.max(0) as u64),
            image_text(&r.path)
        );
    }
    out.push_str("</tbody></table>\n");
    if dive.inefficient.len() > INEFFICIENT_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"muted\">&hellip; and {} more (all in --format json)</p>",
            dive.inefficient.len() - INEFFICIENT_ROWS
        );
    }
}

/// Every rule and budget with its verdict, in words as well as colour.
pub fn verdicts(v: &Verdicts, out: &mut String) {
    let all = v.all();
    let count = |x| all.iter().filter(|a| a.2 == x).count();
    let _ = writeln!(
        out,
        "<p id=\"result\"><span class=\"badge {}\">{}</span> {} checked: {} passed, {} failed, \
         {} skipped.</p>",
        if v.passed { "pass" } else { "fail" },
        if v.passed { "PASS" } else { "FAIL" },
        all.len(),
        count(RuleStatus::Pass),
        count(RuleStatus::Fail),
        count(RuleStatus::Skip)
    );
    out.push_str(
        "<table><caption>Rules and budgets</caption><thead><tr><th>Kind</th><th>Name</th>\
         <th>Verdict</th><th>Why</th></tr></thead><tbody>\n",
    );
    for (group, name, status, message) in all {
        let (class, word) = match status {
            RuleStatus::Pass => ("pass", "PASS"),
            RuleStatus::Fail => ("fail", "FAIL"),
            RuleStatus::Skip => ("skip", "SKIP"),
        };
        let kind = if group == "rules" {
            "dive rule"
        } else {
            "budget"
        };
        let _ = writeln!(
            out,
            "<tr><td>{kind}</td><td><code>{name}</code></td><td><span class=\"badge \
             {class}\">{word}</span></td><td>{}</td></tr>",
            image_text(message)
        );
    }
    out.push_str("</tbody></table>\n");
}
