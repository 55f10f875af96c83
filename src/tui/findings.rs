//! The findings view's layout: every finding of the waste analysis as its sentence and the
//! practice that fixes it, word-wrapped under a short label, and selection that moves finding by
//! finding. Plain data: `overlay.rs` styles the lines, `app.rs` moves the selection.

use crate::analysis::findings::{Estimate, Finding, Severity};
use crate::units::{human_bytes, percent};

/// Columns taken by the label (`warning`, `info`, `fix`) and the gap after it.
const GUTTER: usize = 9;

/// One line of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingLine {
    /// Which finding the line belongs to.
    pub finding: usize,
    /// `warning`, `info` or `fix` on a finding's first line of each part, else empty.
    pub label: &'static str,
    pub severity: Severity,
    pub text: String,
}

/// Every line of the view at `width` columns: per finding, the sentence, the fix, a blank line.
pub fn lines(findings: &[Finding], width: usize) -> Vec<FindingLine> {
    let text_width = width.saturating_sub(GUTTER).max(10);
    let mut out = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let label = match f.severity {
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        // What fixing it saves (its share of the estimate) and the checklist practice.
        let practice = f.practice.map(|p| p.title());
        let tail = match (f.savings_bytes, practice) {
            (0, None) => None,
            (0, Some(p)) => Some(("rule", p.to_string())),
            (n, Some(p)) => Some(("saves", format!("{} ({p})", human_bytes(n)))),
            (n, None) => Some(("saves", human_bytes(n))),
        };
        let parts = [(label, f.message.clone()), ("fix", f.fix.clone())];
        for (part, text) in parts.iter().chain(tail.iter()) {
            for (k, line) in wrap_words(text, text_width).into_iter().enumerate() {
                out.push(FindingLine {
                    finding: i,
                    label: if k == 0 { part } else { "" },
                    severity: f.severity,
                    text: line,
                });
            }
        }
        out.push(FindingLine {
            finding: i,
            label: "",
            severity: f.severity,
            text: String::new(),
        });
    }
    out
}

/// The view's title: the estimate, the one number a reader wants first.
pub fn title(e: &Estimate) -> String {
    if e.savings_bytes == 0 {
        return "Findings (enter: show in tree)".to_string();
    }
    format!(
        "Findings: fixing them takes the image from {} to about {} (−{}) (enter: show in tree)",
        human_bytes(e.image_size_bytes),
        human_bytes(e.estimated_size_bytes),
        percent(e.savings_bytes, e.image_size_bytes)
    )
}

/// The label column: the label right-aligned, then the gap.
pub fn gutter(label: &str) -> String {
    format!("{label:>width$}  ", width = GUTTER - 2)
}

/// Each finding's first line and number of lines (its blank line included).
pub fn spans(findings: &[Finding], width: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(findings.len());
    for (n, l) in lines(findings, width).iter().enumerate() {
        match out.get_mut(l.finding) {
            Some(span) => span.1 += 1,
            None => out.push((n, 1)),
        }
    }
    out
}

/// Moves the selection by `delta` findings, or by a page of `height` lines when `page` is set,
/// and returns the new selection and a line offset that shows all of it that fits.
pub fn move_selection(
    spans: &[(usize, usize)],
    selected: usize,
    offset: usize,
    delta: isize,
    page: bool,
    height: usize,
) -> (usize, usize) {
    if spans.is_empty() {
        return (0, 0);
    }
    let last = spans.len() - 1;
    let selected = selected.min(last);
    let to = if page {
        // The finding on the line a page away.
        let line = spans[selected]
            .0
            .saturating_add_signed(delta.signum() * height.max(1) as isize);
        spans
            .iter()
            .rposition(|&(start, _)| start <= line)
            .unwrap_or(0)
    } else {
        selected.saturating_add_signed(delta).min(last)
    };
    let (start, len) = spans[to];
    let h = height.max(1);
    // The blank line after a finding need not show.
    let end = start + len.saturating_sub(1).max(1);
    let offset = if start < offset {
        start
    } else if end > offset + h {
        end.saturating_sub(h).min(start)
    } else {
        offset
    };
    (to, offset)
}

/// Splits text into lines of at most `width` columns, at spaces; a word longer than a line is
/// cut. Control characters are escaped.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let text = super::view::escape_controls(&text.replace(['\n', '\t', '\r'], " "));
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_string();
        loop {
            let used = cur.chars().count();
            let need = word.chars().count() + usize::from(used > 0);
            if used + need <= width {
                if used > 0 {
                    cur.push(' ');
                }
                cur.push_str(&word);
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            // A word longer than the line on a line of its own: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::findings::FindingKind;

    fn finding(severity: Severity, message: &str, fix: &str) -> Finding {
        Finding {
            kind: FindingKind::Cache,
            severity,
            layer: Some(1),
            hidden_by_layer: None,
            path: Some("/x".into()),
            size_bytes: 1,
            message: message.into(),
            fix: fix.into(),
            practice: None,
            dockerfile_line: None,
            savings_bytes: 0,
            claim: Vec::new(),
        }
    }

    #[test]
    fn words_wrap_at_spaces_and_long_words_are_cut() {
        assert_eq!(
            wrap_words("one two three four", 9),
            ["one two", "three", "four"]
        );
        assert_eq!(wrap_words("abcdefghij k", 4), ["abcd", "efgh", "ij k"]);
        assert_eq!(wrap_words("", 5), [""]);
        assert_eq!(wrap_words("a\x1bb c", 20), [r"a\x1bb c"]);
    }

    #[test]
    fn each_finding_is_its_sentence_then_its_fix_under_labels() {
        let mut fs = [
            finding(
                Severity::Warning,
                "layer 1 wrote 5 MB of apt lists",
                "rm them",
            ),
            finding(Severity::Info, "short", "do this"),
        ];
        fs[0].savings_bytes = 5_000_000;
        fs[0].practice = Some(crate::analysis::findings::Practice::CleanCachesSameRun);
        let ls = lines(&fs, 9 + 20);
        let shown: Vec<String> = ls
            .iter()
            .map(|l| format!("{}{}", gutter(l.label), l.text))
            .collect();
        assert_eq!(
            shown,
            [
                "warning  layer 1 wrote 5 MB",
                "         of apt lists",
                "    fix  rm them",
                "  saves  5.00 MB (clean",
                "         package caches in",
                "         the same RUN)",
                "         ",
                "   info  short",
                "    fix  do this",
                "         ",
            ]
        );
        assert_eq!(spans(&fs, 29), [(0, 7), (7, 3)]);
    }

    #[test]
    fn the_selection_moves_by_finding_and_by_page_and_stays_in_view() {
        // Five findings of four lines each.
        let spans: Vec<(usize, usize)> = (0..5).map(|i| (i * 4, 4)).collect();
        // Down from the first, in a 6-line window: the second's 3 text lines end at line 7.
        assert_eq!(move_selection(&spans, 0, 0, 1, false, 6), (1, 1));
        assert_eq!(move_selection(&spans, 1, 1, -1, false, 6), (0, 0));
        // Past the end stays on the last.
        assert_eq!(move_selection(&spans, 4, 13, 1, false, 6), (4, 13));
        // A page of 8 lines from line 0 lands on the finding at line 8.
        assert_eq!(move_selection(&spans, 0, 0, 1, true, 8), (2, 3));
        assert_eq!(move_selection(&spans, 2, 3, -1, true, 8), (0, 0));
        assert_eq!(move_selection(&[], 3, 3, 1, false, 6), (0, 0));
    }
}
