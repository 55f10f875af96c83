//! JUnit XML (`--format junit`): one test case per dive rule and per budget, failures with
//! their message, skipped ones marked skipped, and the findings as the suite's output. Written
//! by hand; **every text is escaped**, and characters XML 1.0 cannot hold become U+FFFD.

use std::fmt::Write;

use super::budget::Verdicts;
use super::dive_ci::RuleStatus;
use crate::analysis::waste::WasteReport;

/// Escapes text for an XML attribute or element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The JUnit document for one image.
pub fn render(reference: &str, w: &WasteReport, v: &Verdicts) -> String {
    let all = v.all();
    let count = |x| all.iter().filter(|a| a.2 == x).count();
    let (fail, skip) = (count(RuleStatus::Fail), count(RuleStatus::Skip));
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"layerlens\" tests=\"{}\" failures=\"{fail}\" errors=\"0\" skipped=\"{skip}\">",
        all.len()
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"layerlens {}\" tests=\"{}\" failures=\"{fail}\" errors=\"0\" skipped=\"{skip}\">",
        escape(reference),
        all.len()
    );
    for (group, name, status, message) in &all {
        let open = format!(
            "    <testcase classname=\"layerlens.{group}\" name=\"{}\"",
            escape(name)
        );
        match status {
            RuleStatus::Pass => {
                let _ = writeln!(s, "{open}/>");
            }
            RuleStatus::Fail => {
                let _ = writeln!(s, "{open}>");
                let _ = writeln!(
                    s,
                    "      <failure message=\"{}\" type=\"{group}\">{}</failure>",
                    escape(message),
                    escape(message)
                );
                let _ = writeln!(s, "    </testcase>");
            }
            RuleStatus::Skip => {
                let _ = writeln!(s, "{open}>");
                let _ = writeln!(s, "      <skipped message=\"{}\"/>", escape(message));
                let _ = writeln!(s, "    </testcase>");
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "image size {} bytes, estimated savings {} bytes, reclaimable {} bytes, caches {} bytes",
        w.image_size_bytes, w.estimate.savings_bytes, w.reclaimable_bytes, w.cache_bytes
    );
    for f in &w.findings {
        let _ = writeln!(out, "{:?}: {f}", f.severity);
    }
    let _ = writeln!(s, "    <system-out>{}</system-out>", escape(&out));
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}"
        );
    }
}
