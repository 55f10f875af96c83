//! Windows drawn over the main screen: help, reclaimable bytes, findings, packages, why, and a
//! file's contents. Only the lines in the window are built, so a list of 100,000 hidden files
//! draws as fast as ten.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::app::{Browse, Overlay};
use super::findings;
use super::keymap::{Keymap, COMMANDS};
use super::view::{escape_controls, size, wrap_text, Theme};
use crate::analysis::findings::Severity;
use crate::analysis::hidden::HiddenBy;
use crate::index::{path, Change};

/// Lines after the bindings in the help.
const HELP_FOOTER: [&str; 10] = [
    "",
    "dive's potential wasted space counts every copy of a path written more than once, the one",
    "you keep too; layerlens's reclaimable bytes are only the copies the final image hides.",
    "In the reclaimable and findings lists, enter shows the path",
    "in the tree of the layer that wrote it; in the packages list, the package's files.",
    "f and w apply the exclude and caches settings (--config).",
    "At the overwrite prompt, y overwrites; any other key keeps the file.",
    "Terminals send ctrl+m as enter: in the file tree, enter toggles modified files, as in dive.",
    "Mouse: the wheel scrolls, a click selects (a second click collapses a directory).",
    "Keys: $XDG_CONFIG_HOME/layerlens/config.yaml, `keybinding: {name: keys}` with dive's names.",
];

/// How many lines an overlay has (for scrolling); a file's lines wrap at `width` columns.
pub fn overlay_len(b: &Browse, o: &Overlay, width: usize) -> usize {
    match o {
        Overlay::Help { .. } => 1 + COMMANDS.len() + HELP_FOOTER.len(),
        Overlay::Waste { .. } => b.analysis.as_ref().map_or(1, |a| a.hidden.len().max(1)),
        Overlay::Findings { .. } => b.analysis.as_ref().map_or(1, |a| {
            findings::lines(&a.waste.findings, width).len().max(1)
        }),
        Overlay::Packages { .. } => b.analysis.as_ref().map_or(1, |a| {
            1 + a.waste.packages.packages.len() + a.waste.packages.warnings.len()
        }),
        Overlay::Why { node, .. } => 1 + b.why_rows(*node).len(),
        Overlay::File { text, .. } => wrap_text(text, width).len(),
    }
}

/// One overlay, borrowing what it shows.
pub struct OverlayView<'a> {
    pub b: &'a Browse,
    pub overlay: &'a Overlay,
    pub theme: Theme,
    pub keymap: &'a Keymap,
}

impl OverlayView<'_> {
    /// The title, the lines from `offset` (at most `height`), and the selected line's index.
    fn content(
        &self,
        width: usize,
        height: usize,
    ) -> (String, Vec<Line<'static>>, usize, Option<usize>) {
        let (b, theme) = (self.b, self.theme);
        let len = overlay_len(b, self.overlay, width);
        let clamp = |offset: usize| offset.min(len.saturating_sub(1));
        match self.overlay {
            Overlay::Help { offset } => {
                let offset = clamp(*offset);
                let mut lines = vec![Line::styled(
                    format!("{:<26} {:<20} {}", "Binding", "Keys", "What it does"),
                    theme.title(false),
                )];
                for (name, _, what) in COMMANDS {
                    let keys: Vec<String> =
                        self.keymap.keys(name).iter().map(|k| k.label()).collect();
                    lines.push(Line::from(format!(
                        "{name:<26} {:<20} {what}",
                        keys.join(" ")
                    )));
                }
                lines.extend(HELP_FOOTER.iter().map(|l| Line::from(*l)));
                let lines = lines.into_iter().skip(offset).take(height).collect();
                ("Help (esc to close)".into(), lines, offset, None)
            }
            Overlay::Waste { selected, offset } => {
                let offset = clamp(*offset);
                let lines = match &b.analysis {
                    None => vec![Line::from("analysing…")],
                    Some(a) if a.hidden.is_empty() => vec![Line::from(
                        "No hidden bytes: every byte shipped is visible.",
                    )],
                    Some(a) => a
                        .hidden
                        .iter()
                        .skip(offset)
                        .take(height)
                        .map(|h| {
                            let how = match h.hidden_by {
                                HiddenBy::Overwritten => "overwritten",
                                HiddenBy::Deleted => "deleted",
                                HiddenBy::DirectoryRemoved => "dir removed",
                            };
                            Line::from(format!(
                                "{:>9}  layer {:>2} → {:>2} {:<12} /{}",
                                size(h.size),
                                h.layer,
                                h.hidden_by_layer,
                                how,
                                h.path
                            ))
                        })
                        .collect(),
                };
                let total = b.analysis.as_ref().map_or(0, |a| a.waste.reclaimable_bytes);
                (
                    format!(
                        "Reclaimable: {} shipped but hidden in the final image (enter: show in tree)",
                        size(total)
                    ),
                    lines,
                    offset,
                    Some(*selected),
                )
            }
            Overlay::Findings { selected, offset } => {
                let offset = clamp(*offset);
                let Some(a) = &b.analysis else {
                    return ("Findings".into(), vec![Line::from("analysing…")], 0, None);
                };
                let w = &a.waste;
                if w.findings.is_empty() {
                    let line = Line::from(
                        "Nothing to fix: no hidden bytes, caches, duplicates or root user.",
                    );
                    return ("Findings".into(), vec![line], 0, None);
                }
                let all = findings::lines(&w.findings, width);
                let lines = all
                    .iter()
                    .skip(offset)
                    .take(height)
                    .map(|l| {
                        let label_style = match (l.label, l.severity) {
                            ("fix", _) => theme.change(Change::Added),
                            (_, Severity::Warning) => theme.change(Change::Modified),
                            _ => theme.dim(),
                        };
                        // The whole selected finding's text is highlighted, not one line.
                        let text_style = if l.finding == *selected {
                            theme.selected()
                        } else {
                            Default::default()
                        };
                        Line::from(vec![
                            Span::styled(findings::gutter(l.label), label_style),
                            Span::styled(l.text.clone(), text_style),
                        ])
                    })
                    .collect();
                (findings::title(&w.estimate), lines, offset, None)
            }
            Overlay::Packages { selected, offset } => {
                let offset = clamp(*offset);
                let Some(a) = &b.analysis else {
                    return ("Packages".into(), vec![Line::from("analysing…")], 0, None);
                };
                let p = &a.waste.packages;
                let mut all: Vec<Line<'static>> = Vec::new();
                if p.packages.is_empty() {
                    all.push(Line::from(
                        "No package database in the image (dpkg, apk, rpm, Python, npm).",
                    ));
                } else {
                    all.push(Line::styled(super::packages::HEADER, theme.title(false)));
                }
                all.extend(
                    p.packages
                        .iter()
                        .map(|x| Line::from(super::packages::row(x))),
                );
                all.extend(p.warnings.iter().map(|w| {
                    Line::styled(
                        format!("warning: {}", escape_controls(w)),
                        theme.change(Change::Modified),
                    )
                }));
                let lines = all.into_iter().skip(offset).take(height).collect();
                // Row 0 is the header: the selected package is one line below its index.
                (
                    super::packages::title(p),
                    lines,
                    offset,
                    Some(*selected + 1),
                )
            }
            Overlay::Why { node, offset } => {
                let offset = clamp(*offset);
                let tree = &b.image.tree;
                let mut lines = vec![Line::styled(
                    format!("{:<7} {:<10} {:>9}  Command", "Layer", "Change", "Bytes"),
                    theme.title(false),
                )];
                for (l, change, bytes) in b.why_rows(*node) {
                    let what = match change {
                        Change::Added => "added",
                        Change::Modified => "modified",
                        Change::Removed => "removed",
                        Change::Unmodified => "rewritten",
                    };
                    lines.push(Line::from(vec![
                        Span::raw(format!("{l:<7} ")),
                        Span::styled(format!("{what:<10}"), theme.change(change)),
                        Span::raw(format!(
                            " {:>9}  {}",
                            size(bytes),
                            escape_controls(
                                &b.image.layers[l].command().replace(['\n', '\t', '\r'], " ")
                            )
                        )),
                    ]));
                }
                let lines = lines.into_iter().skip(offset).take(height).collect();
                (
                    format!("Why /{}", path::escape(&tree.path(*node))),
                    lines,
                    offset,
                    None,
                )
            }
            Overlay::File {
                title,
                text,
                offset,
            } => {
                let offset = clamp(*offset);
                let lines = wrap_text(text, width)
                    .into_iter()
                    .skip(offset)
                    .take(height)
                    .map(Line::from)
                    .collect();
                (title.clone(), lines, offset, None)
            }
        }
    }
}

impl Widget for OverlayView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let inner_w = area.width.saturating_sub(2) as usize;
        let inner_h = area.height.saturating_sub(2) as usize;
        let (title, lines, offset, selected) = self.content(inner_w, inner_h);
        let block = Block::bordered().title(Span::styled(format!(" {title} "), theme.title(true)));
        let inner = block.inner(area);
        block.render(area, buf);
        for (k, line) in lines.into_iter().enumerate() {
            let mut line = line;
            if selected == Some(offset + k) {
                line = line.style(theme.selected());
            }
            Paragraph::new(line)
                .render(Rect::new(inner.x, inner.y + k as u16, inner.width, 1), buf);
        }
    }
}
