//! The file-tree pane: the selected layer's rows with their change colours and attributes, its
//! title (mode, sort, filter, hidden kinds), and the rows' text, wrapped or cut to the width.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::app::{Browse, Pane};
use super::layout::Areas;
use super::tree::{CompareMode, WindowRow};
use super::view::{pane_block, size, wrap_text, Theme};
use crate::index::{path, Change, EntryKind};

/// The file tree of the selected layer.
pub struct TreePane<'a> {
    pub b: &'a Browse,
    pub theme: Theme,
    pub areas: &'a Areas,
}

impl Widget for TreePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let b = self.b;
        let t = &b.tree;
        let focused = b.focus == Pane::Tree && b.overlay.is_none();
        let opts = &t.options;
        let mut title = match opts.mode {
            CompareMode::Layer => "Current Layer Contents".to_string(),
            CompareMode::Aggregated => "Aggregated Layer Contents".to_string(),
        };
        if opts.sort == super::tree::SortOrder::Size {
            title.push_str(" · by size");
        }
        if b.wrap {
            title.push_str(" · wrap");
        }
        if !opts.filter.is_empty() {
            title.push_str(&format!(" · filter: {}", opts.filter));
        }
        if let Some(o) = &opts.only {
            title.push_str(&format!(
                " · only {} (esc: all)",
                super::view::escape_controls(&o.what)
            ));
        }
        let hidden: Vec<&str> = [
            (opts.show.added, "added"),
            (opts.show.modified, "modified"),
            (opts.show.removed, "removed"),
            (opts.show.unmodified, "unmodified"),
        ]
        .iter()
        .filter(|(shown, _)| !shown)
        .map(|(_, n)| *n)
        .collect();
        if !hidden.is_empty() {
            title.push_str(&format!(" · hiding {}", hidden.join(", ")));
        }
        let block = pane_block(&title, focused, self.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let header = if attributes_shown(b, self.areas.tree_rows.width) {
            "Permission     UID:GID       Size  Filetree"
        } else {
            "Filetree"
        };
        Line::styled(header, self.theme.title(false)).render(Rect { height: 1, ..inner }, buf);
        let rows = self.areas.tree_rows;
        if t.row_count() == 0 {
            Line::styled("(nothing to show)", self.theme.dim())
                .render(Rect { height: 1, ..rows }, buf);
            return;
        }
        let lines = tree_lines(b, rows.width, rows.height);
        let first = lines.first().map_or(0, |(i, _)| *i);
        let last = lines.last().map_or(0, |(i, _)| *i);
        let shown = t.rows_from(first, last + 1 - first);
        for (y, (i, text)) in (rows.y..).zip(lines) {
            let row = &shown[i - first].row;
            let mut style = self.theme.change(row.change);
            if i == t.selected() {
                style = if focused {
                    self.theme.selected()
                } else {
                    style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                };
            }
            Line::styled(text, style).render(Rect::new(rows.x, y, rows.width, 1), buf);
        }
    }
}

/// Columns the attributes take (`drwxr-xr-x       0:0      1.98 MB  `).
const ATTRIBUTES_WIDTH: usize = 35;
/// Columns kept for the tree guides and names: a narrower pane (80×24 gives it 38) leaves the
/// attributes out rather than push every name off the edge.
const NAME_ROOM: usize = 20;

/// Whether the tree rows carry attributes at `width` columns: when they are on (ctrl+b) and
/// either the names keep room beside them or long lines wrap (ctrl+p).
pub fn attributes_shown(b: &Browse, width: u16) -> bool {
    b.attributes && (b.wrap || width as usize >= ATTRIBUTES_WIDTH + NAME_ROOM)
}

/// One tree row as text: attributes (when on), the tree guides, the name (escaped), and a
/// symlink's target.
pub fn row_text(b: &Browse, w: &WindowRow) -> String {
    row_text_with(b, w, b.attributes)
}

fn row_text_with(b: &Browse, w: &WindowRow, attributes: bool) -> String {
    let t = &b.tree;
    let row = &w.row;
    let opts = &t.options;
    let tree = &b.image.tree;
    let mut text = String::new();
    if attributes {
        let at = if row.change == Change::Removed {
            match opts.mode {
                CompareMode::Layer => b.layer.saturating_sub(1),
                CompareMode::Aggregated => 0,
            }
        } else {
            b.layer
        };
        match tree.visible_entry(row.node, at) {
            Some(e) => text.push_str(&format!(
                "{} {:>7}:{:<5} {:>8}  ",
                e.mode_string(),
                e.uid,
                e.gid,
                size(t.view().size(row.node))
            )),
            None => text.push_str(&format!(
                "{:10} {:>7}:{:<5} {:>8}  ",
                "drwxr-xr-x",
                "-",
                "-",
                size(t.view().size(row.node))
            )),
        }
    }
    for &last in &w.ancestors_last {
        text.push_str(if last { "    " } else { "│   " });
    }
    text.push_str(if row.last { "└── " } else { "├── " });
    if row.is_dir && row.collapsed {
        text.push_str("▸ ");
    }
    text.push_str(&path::escape(tree.name(row.node)));
    if let Some(e) = tree.visible_entry(row.node, b.layer) {
        if e.kind == EntryKind::Symlink {
            let target = e.link.map(path::escape).unwrap_or_default();
            text.push_str(&format!(" → {target}"));
        }
    }
    text
}

/// The screen lines of the tree pane, `width` × `height`, each with the index of the row it
/// belongs to. One line a row, cut at the edge; in wrap mode (ctrl+p) a row takes as many
/// lines as its text needs, and the window starts late enough to show the whole selected row.
/// Drawing and mouse clicks both use this, so a click lands on the row drawn there.
pub fn tree_lines(b: &Browse, width: u16, height: u16) -> Vec<(usize, String)> {
    let t = &b.tree;
    let (w, h) = (width as usize, height as usize);
    if !b.wrap {
        let attributes = attributes_shown(b, width);
        return t
            .window(h)
            .iter()
            .map(|r| (r.index, row_text_with(b, r, attributes)))
            .collect();
    }
    // Each row takes a line at least, so `h` rows fill the pane.
    let lines_from = |start: usize| {
        let mut out = Vec::new();
        for r in t.rows_from(start, h) {
            if out.len() >= h {
                break;
            }
            for part in wrap_text(&row_text(b, &r), w) {
                out.push((r.index, part));
            }
        }
        out
    };
    let sel = t.selected();
    let mut start = t.offset().min(sel);
    loop {
        let mut lines = lines_from(start);
        let whole = lines
            .iter()
            .rposition(|(i, _)| *i == sel)
            .is_some_and(|p| p < h);
        if whole || start >= sel {
            lines.truncate(h);
            return lines;
        }
        start += 1;
    }
}
