//! Windows drawn over the main screen: help, wasted bytes, why, and a file's contents.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::app::{Browse, Overlay};
use super::keymap::{Keymap, COMMANDS};
use super::view::{size, Theme};
use crate::analysis::hidden::HiddenBy;
use crate::index::{path, Change};

/// One overlay, borrowing what it shows.
pub struct OverlayView<'a> {
    pub b: &'a Browse,
    pub overlay: &'a Overlay,
    pub theme: Theme,
    pub keymap: &'a Keymap,
}

impl Widget for OverlayView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let b = self.b;
        let (title, lines, offset, selected): (String, Vec<Line>, usize, Option<usize>) =
            match self.overlay {
                Overlay::Help { offset } => {
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
                    lines.push(Line::from(""));
                    lines.push(Line::from(
                        "Mouse: wheel scrolls, click selects (a second click collapses).",
                    ));
                    lines.push(Line::from(
                        "Keys are configurable in $XDG_CONFIG_HOME/layerlens/config.yaml \
                         (keybinding: {name: keys}, dive's names).",
                    ));
                    ("Help (esc to close)".into(), lines, *offset, None)
                }
                Overlay::Waste { selected, offset } => {
                    let mut lines = Vec::new();
                    match &b.analysis {
                        None => lines.push(Line::from("analysing…")),
                        Some(a) if a.hidden.is_empty() => lines.push(Line::from(
                            "No hidden bytes: every byte shipped is visible.",
                        )),
                        Some(a) => {
                            for h in &a.hidden {
                                let how = match h.hidden_by {
                                    HiddenBy::Overwritten => "overwritten",
                                    HiddenBy::Deleted => "deleted",
                                    HiddenBy::DirectoryRemoved => "dir removed",
                                };
                                lines.push(Line::from(format!(
                                    "{:>9}  layer {:>2} → {:>2} {:<12} /{}",
                                    size(h.size),
                                    h.layer,
                                    h.hidden_by_layer,
                                    how,
                                    h.path
                                )));
                            }
                        }
                    }
                    let total: u64 = b
                        .analysis
                        .as_ref()
                        .map_or(0, |a| a.hidden.iter().map(|h| h.size).sum());
                    (
                        format!(
                            "Wasted bytes: {} shipped but not visible (enter: show in tree)",
                            size(total)
                        ),
                        lines,
                        *offset,
                        Some(*selected),
                    )
                }
                Overlay::Why { node, offset } => {
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
                                b.image.layers[l].command().replace('\n', " ")
                            )),
                        ]));
                    }
                    (
                        format!("Why /{}", path::escape(&tree.path(*node))),
                        lines,
                        *offset,
                        None,
                    )
                }
                Overlay::File {
                    title,
                    text,
                    offset,
                } => (
                    title.clone(),
                    text.lines()
                        .map(|l| Line::from(l.replace('\t', "    ")))
                        .collect(),
                    *offset,
                    None,
                ),
            };
        let block = Block::bordered().title(Span::styled(format!(" {title} "), theme.title(true)));
        let inner = block.inner(area);
        block.render(area, buf);
        let offset = offset.min(lines.len().saturating_sub(1));
        for (k, line) in lines
            .into_iter()
            .skip(offset)
            .take(inner.height as usize)
            .enumerate()
        {
            let mut line = line;
            if selected == Some(offset + k) {
                line = line.style(theme.selected());
            }
            Paragraph::new(line)
                .render(Rect::new(inner.x, inner.y + k as u16, inner.width, 1), buf);
        }
    }
}
