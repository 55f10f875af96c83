//! The human text report (`--format text`): the image's size, what is reclaimable and why,
//! caches, duplicates, every layer's figures, the findings with their fixes, and in CI mode
//! the verdict of every rule and budget. Colour only when asked (a terminal without NO_COLOR).

use std::fmt::Write;

use super::budget::Verdicts;
use super::dive_ci::RuleStatus;
use crate::analysis::findings::{step, Severity};
use crate::analysis::hidden::HiddenBy;
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::units::{human_bytes, percent};

/// Rows of each list shown before "... and N more".
pub const MAX_ROWS: usize = 20;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, t: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{t}\x1b[0m")
        } else {
            t.to_string()
        }
    }
    fn head(&self, t: &str) -> String {
        self.paint("1", t)
    }
}

fn bytes(n: u64) -> String {
    format!("{} ({n} bytes)", human_bytes(n))
}

/// Renders the report.
pub fn render(image: &Image, w: &WasteReport, verdicts: Option<&Verdicts>, color: bool) -> String {
    let st = Style { color };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} ({})",
        st.head("Image:"),
        image.reference,
        image.source.prefix()
    );
    let _ = writeln!(
        s,
        "{} {} in {} layers",
        st.head("Size:"),
        bytes(w.image_size_bytes),
        w.layer_count
    );
    let e = &w.estimate;
    if e.savings_bytes > 0 {
        let _ = writeln!(
            s,
            "{} fixing the findings below would take the image from {} to about {} ({})",
            st.head("Estimate:"),
            human_bytes(e.image_size_bytes),
            human_bytes(e.estimated_size_bytes),
            saving(e.savings_bytes, e.image_size_bytes)
        );
    }
    if w.base.layers > 0 {
        let b = &w.base;
        let name = b
            .distribution
            .as_ref()
            .and_then(|d| d.pretty_name.clone())
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{} {}{name}: {} ({} of the image)",
            st.head("Base image:"),
            crate::analysis::findings::layers_label(&(0..b.layers).collect::<Vec<_>>()),
            human_bytes(b.size_bytes),
            percent(b.size_bytes, w.image_size_bytes)
        );
    }
    let _ = writeln!(
        s,
        "{} {} ship in lower layers but are hidden in the final image",
        st.head("Reclaimable:"),
        bytes(w.reclaimable_bytes)
    );
    let _ = writeln!(
        s,
        "{} {} still in the image",
        st.head("Caches and leftovers:"),
        bytes(w.cache_bytes)
    );
    let _ = writeln!(
        s,
        "{} {} in extra copies of identical files",
        st.head("Duplicates:"),
        bytes(w.duplicate_bytes)
    );
    let user = if w.user.is_empty() {
        "(not set: root)".to_string()
    } else {
        crate::index::path::escape(w.user.as_bytes())
    };
    let _ = writeln!(s, "{} {user}", st.head("User:"));

    let _ = writeln!(s, "\n{}", st.head("Layers:"));
    let _ = writeln!(
        s,
        "{:>3}  {:>9}  {:>7}  {:>8}  {:>7}  {:>9}  Step",
        "#", "Size", "Added", "Modified", "Removed", "Hidden"
    );
    for l in &w.layers {
        let label = image.layers.get(l.index).map(step).unwrap_or_default();
        let _ = writeln!(
            s,
            "{:>3}  {:>9}  {:>7}  {:>8}  {:>7}  {:>9}  {label}",
            l.index,
            human_bytes(l.size_bytes),
            l.files_added,
            l.files_modified,
            l.files_removed,
            human_bytes(l.hidden_bytes),
        );
    }

    if !w.reclaimable.is_empty() {
        let _ = writeln!(s, "\n{}", st.head("Reclaimable bytes:"));
        for g in w.reclaimable.iter().take(MAX_ROWS) {
            let how = match g.hidden_by {
                HiddenBy::Deleted => "deleted",
                HiddenBy::DirectoryRemoved => "directory deleted",
                HiddenBy::Overwritten if g.metadata_only => "rewritten unchanged",
                HiddenBy::Overwritten => "overwritten",
            };
            let _ = writeln!(
                s,
                "{:>9}  /{}  ({} {}, written by layer {}, {how} by layer {})",
                human_bytes(g.size_bytes),
                g.path,
                g.files,
                if g.files == 1 { "file" } else { "files" },
                g.layer,
                g.hidden_by_layer
            );
        }
        more(&mut s, w.reclaimable.len());
    }
    if !w.caches.is_empty() {
        let _ = writeln!(s, "\n{}", st.head("Caches and leftovers:"));
        for c in w.caches.iter().take(MAX_ROWS) {
            let _ = writeln!(
                s,
                "{:>9}  /{}  ({}, {} {}, layer {})",
                human_bytes(c.size_bytes),
                c.path,
                c.kind,
                c.files,
                if c.files == 1 { "file" } else { "files" },
                c.layer
            );
        }
        more(&mut s, w.caches.len());
    }
    if !w.duplicates.is_empty() {
        let _ = writeln!(s, "\n{}", st.head("Duplicates:"));
        for d in w.duplicates.iter().take(MAX_ROWS) {
            let paths: Vec<String> = d.paths.iter().map(|p| format!("/{p}")).collect();
            let _ = writeln!(
                s,
                "{:>9}  {}",
                human_bytes(d.wasted_bytes),
                paths.join("  ")
            );
        }
        more(&mut s, w.duplicates.len());
    }

    packages(&mut s, &st, w);
    dockerfile(&mut s, &st, image);

    let _ = writeln!(s, "\n{}", st.head("Findings:"));
    if w.findings.is_empty() {
        let _ = writeln!(s, "  None");
    }
    for f in &w.findings {
        let tag = match f.severity {
            Severity::Warning => st.paint("33", "warning"),
            Severity::Info => st.paint("36", "info"),
        };
        let _ = writeln!(s, "  {tag}: {}", f.message);
        let _ = writeln!(s, "      fix: {}", f.fix);
        if let Some(p) = f.practice {
            let _ = writeln!(s, "      practice: {}", p.title());
        }
        if f.savings_bytes > 0 {
            let _ = writeln!(s, "      saves: {}", savings_note(f));
        }
    }
    if !w.dockerignore.is_empty() {
        let _ = writeln!(
            s,
            "\n{} (what the COPYs brought in that the program never reads)",
            st.head("Suggested .dockerignore:")
        );
        for line in &w.dockerignore {
            let _ = writeln!(s, "  {line}");
        }
    }

    if let Some(v) = verdicts {
        let _ = writeln!(s, "\n{}", st.head("Results:"));
        let all = v.all();
        for (_, name, status, message) in &all {
            let word = match status {
                RuleStatus::Pass => st.paint("32", "PASS"),
                RuleStatus::Fail => st.paint("1;31", "FAIL"),
                RuleStatus::Skip => "SKIP".to_string(),
            };
            if message.is_empty() {
                let _ = writeln!(s, "  {word}: {name}");
            } else {
                let _ = writeln!(s, "  {word}: {name}: {message}");
            }
        }
        let count = |x| all.iter().filter(|a| a.2 == x).count();
        let tally = format!(
            "Result:{} [Total:{}] [Passed:{}] [Failed:{}] [Skipped:{}]",
            if v.passed { "PASS" } else { "FAIL" },
            all.len(),
            count(RuleStatus::Pass),
            count(RuleStatus::Fail),
            count(RuleStatus::Skip)
        );
        let _ = writeln!(
            s,
            "{}",
            st.paint(if v.passed { "32" } else { "31" }, &tally)
        );
    }
    s
}

/// "−75 %, 1.20 GB less".
pub(crate) fn saving(savings: u64, size: u64) -> String {
    format!("−{}, {} less", percent(savings, size), human_bytes(savings))
}

/// A finding's share of the estimate, and its own bytes when another finding already counts
/// part of them.
pub(crate) fn savings_note(f: &crate::analysis::findings::Finding) -> String {
    if f.savings_bytes < f.size_bytes && f.kind != crate::analysis::findings::FindingKind::Base {
        format!(
            "{} (of its {}; the rest is counted under a larger finding)",
            human_bytes(f.savings_bytes),
            human_bytes(f.size_bytes)
        )
    } else {
        human_bytes(f.savings_bytes)
    }
}

/// What pairing the Dockerfile found: nothing to say when every layer paired.
fn dockerfile(s: &mut String, st: &Style, image: &Image) {
    let Some(d) = &image.dockerfile else {
        return;
    };
    let paired = image
        .layers
        .iter()
        .filter(|l| l.dockerfile.is_some())
        .count();
    let _ = writeln!(
        s,
        "\n{} {}: {} of {} layers paired with an instruction",
        st.head("Dockerfile:"),
        d.path,
        paired,
        image.layers.len()
    );
    for &l in &d.unpaired_layers {
        let _ = writeln!(
            s,
            "  layer {l} ({}) pairs with no instruction of the Dockerfile",
            image.layers.get(l).map(step).unwrap_or_default()
        );
    }
    for i in &d.unpaired_steps {
        let _ = writeln!(
            s,
            "  Dockerfile:{} {} wrote no layer of this image (changed since the build?)",
            i.line, i.text
        );
    }
}

/// The packages that own the most bytes, and what no package owns.
fn packages(s: &mut String, st: &Style, w: &WasteReport) {
    let p = &w.packages;
    if p.packages.is_empty() && p.warnings.is_empty() {
        return;
    }
    let owned = p
        .packages
        .iter()
        .fold(0u64, |a, x| a.saturating_add(x.size_bytes));
    let _ = writeln!(
        s,
        "\n{} {} {} {}; {} is in no package",
        st.head("Packages:"),
        crate::units::count(p.packages.len(), "package", "packages"),
        if p.packages.len() == 1 { "owns" } else { "own" },
        human_bytes(owned),
        human_bytes(p.unowned_bytes)
    );
    if !p.packages.is_empty() {
        let _ = writeln!(
            s,
            "{:>9}  {:<7}  {:>5}  {:<6}  Package",
            "Size", "Kind", "Layer", "Auto"
        );
    }
    for x in p.packages.iter().take(MAX_ROWS) {
        let auto = match x.auto {
            Some(true) => "auto",
            Some(false) => "asked",
            None => "-",
        };
        let layer = x.layer.map_or("-".to_string(), |l| l.to_string());
        let dev = if x.dev == Some(true) { " (dev)" } else { "" };
        let _ = writeln!(
            s,
            "{:>9}  {:<7}  {:>5}  {:<6}  {} {}{dev}",
            human_bytes(x.size_bytes),
            x.ecosystem.as_str(),
            layer,
            auto,
            x.name,
            x.version
        );
    }
    more(s, p.packages.len());
    for warning in &p.warnings {
        let _ = writeln!(s, "  {}: {warning}", st.paint("33", "warning"));
    }
}

fn more(s: &mut String, n: usize) {
    if n > MAX_ROWS {
        let _ = writeln!(
            s,
            "           ... and {} more (all in --format json)",
            n - MAX_ROWS
        );
    }
}

/// Budget lines appended to dive's CI text when budgets are configured (dive's own text above
/// them stays byte for byte dive's).
pub fn render_budgets(v: &Verdicts, color: bool) -> String {
    let st = Style { color };
    let mut s = String::new();
    let _ = writeln!(s, "{}", st.head("Budgets:"));
    for b in &v.budgets {
        let word = match b.status {
            RuleStatus::Pass => "PASS".to_string(),
            RuleStatus::Fail => st.paint("1;7;31", "FAIL"),
            RuleStatus::Skip => "SKIP".to_string(),
        };
        if b.message.is_empty() {
            let _ = writeln!(s, "  {word}: {}", b.name);
        } else {
            let _ = writeln!(s, "  {word}: {}: {}", b.name, b.message);
        }
    }
    let count = |x| v.budgets.iter().filter(|b| b.status == x).count();
    let ok = super::budget::passed(&v.budgets);
    let tally = format!(
        "Budgets:{} [Total:{}] [Passed:{}] [Failed:{}] [Skipped:{}]",
        if ok { "PASS" } else { "FAIL" },
        v.budgets.len(),
        count(RuleStatus::Pass),
        count(RuleStatus::Fail),
        count(RuleStatus::Skip)
    );
    let _ = writeln!(s, "{}", st.paint(if ok { "32" } else { "31" }, &tally));
    let _ = writeln!(s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;
    use crate::analysis::waste::{analyze, WasteOptions};
    use crate::config::budgets::Budgets;
    use crate::report::budget;
    use crate::report::dive_ci;

    #[test]
    fn colour_only_when_asked_and_verdicts_only_in_ci_mode() {
        let img = image(
            vec![("apt", vec![file("var/lib/apt/lists/P", 2000, 1)])],
            Some("app"),
        );
        let w = analyze(&img, &WasteOptions::default());
        let plain = render(&img, &w, None, false);
        assert!(!plain.contains('\x1b'));
        assert!(!plain.contains("Results:"));
        assert!(plain.contains("Caches and leftovers: 2.00 kB (2000 bytes) still in the image\n"));
        let b = Budgets {
            max_cache_bytes: Some(1999),
            ..Default::default()
        };
        let v = Verdicts::new(
            dive_ci::evaluate(
                &dive_ci::DiveRules::default(),
                &crate::analysis::dive::analyze(&img),
            ),
            budget::evaluate(&b, &img, &w, None),
        );
        let coloured = render(&img, &w, Some(&v), true);
        assert!(coloured.contains("\x1b[1mImage:\x1b[0m"));
        assert!(coloured.contains(
            "  \x1b[1;31mFAIL\x1b[0m: maxCacheBytes: cache bytes (caches and leftovers still \
             visible): 2.00 kB (2000 bytes), 1 byte over the budget of 2.00 kB (1999 bytes)\n"
        ));
        assert!(coloured.contains("Result:FAIL [Total:9] [Passed:2] [Failed:1] [Skipped:6]"));
    }
}
