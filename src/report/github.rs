//! GitHub Actions (`--format github`): workflow commands (`::error` for a failed rule or
//! budget, `::warning` and `::notice` for findings) on stdout, and a Markdown summary for
//! `$GITHUB_STEP_SUMMARY`. Messages are escaped as the runner expects (`%`, CR, LF; and `:`
//! and `,` in properties), so a path cannot start a command of its own.

use std::fmt::Write;

use super::budget::Verdicts;
use super::dive_ci::RuleStatus;
use crate::analysis::findings::Severity;
use crate::analysis::waste::WasteReport;
use crate::units::human_bytes;

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command lines, ending with a one-line verdict.
pub fn render_commands(w: &WasteReport, v: &Verdicts) -> String {
    let mut s = String::new();
    for (group, name, status, message) in v.all() {
        if status == RuleStatus::Fail {
            let _ = writeln!(
                s,
                "::error title={}::{}",
                escape_property(&format!("layerlens {group} {name}")),
                escape_data(&format!("{name}: {message}"))
            );
        }
    }
    for f in &w.findings {
        let level = match f.severity {
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|k| k.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "::{level} title={}::{}",
            escape_property(&format!("layerlens {kind}")),
            escape_data(&f.to_string())
        );
    }
    let failed = v.all().iter().filter(|a| a.2 == RuleStatus::Fail).count();
    let _ = writeln!(
        s,
        "layerlens: {} ({failed} failed), image {} bytes, estimated savings {} bytes, reclaimable {} bytes, caches {} bytes",
        if v.passed { "PASS" } else { "FAIL" },
        w.image_size_bytes,
        w.estimate.savings_bytes,
        w.reclaimable_bytes,
        w.cache_bytes
    );
    s
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown job summary.
pub fn render_summary(reference: &str, w: &WasteReport, v: &Verdicts) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### layerlens: {} {}\n",
        md(reference),
        if v.passed { "passed" } else { "failed" }
    );
    let _ = writeln!(s, "| | bytes | |\n|---|---:|---|");
    let rows = [
        ("Image size", w.image_size_bytes),
        (
            "Estimated savings (the findings' fixes)",
            w.estimate.savings_bytes,
        ),
        ("Reclaimable (hidden by later layers)", w.reclaimable_bytes),
        ("Caches and leftovers", w.cache_bytes),
        ("Duplicates", w.duplicate_bytes),
    ];
    for (what, n) in rows {
        let _ = writeln!(s, "| {what} | {n} | {} |", human_bytes(n));
    }
    let _ = writeln!(s, "\n| check | result | detail |\n|---|---|---|");
    for (_, name, status, message) in v.all() {
        let word = match status {
            RuleStatus::Pass => "✅ pass",
            RuleStatus::Fail => "❌ fail",
            RuleStatus::Skip => "skip",
        };
        let _ = writeln!(s, "| {name} | {word} | {} |", md(message));
    }
    if !w.findings.is_empty() {
        let _ = writeln!(s, "\n#### Findings\n");
        for f in &w.findings {
            let saves = if f.savings_bytes > 0 {
                format!(" (saves {})", human_bytes(f.savings_bytes))
            } else {
                String::new()
            };
            let _ = writeln!(s, "- **{}**{saves}: {}", md(&f.message), md(&f.fix));
        }
    }
    let _ = writeln!(s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_so_a_message_cannot_start_a_command() {
        assert_eq!(
            escape_data("50% done\n::error::x"),
            "50%25 done%0A::error::x"
        );
        assert_eq!(escape_property("a: b, c"), "a%3A b%2C c");
    }
}
