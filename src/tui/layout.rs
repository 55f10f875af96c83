//! Where each pane goes for a terminal size: one pure function, used by drawing and by mouse
//! handling so that both agree.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// The screen's areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The layers pane, border included.
    pub layers: Rect,
    /// The layers list rows (inside the border, below the header).
    pub layer_rows: Rect,
    pub layer_details: Rect,
    pub image_details: Rect,
    /// The file-tree pane, border included.
    pub tree: Rect,
    /// The file-tree rows (inside the border, below the header).
    pub tree_rows: Rect,
    /// The status / key-hint line.
    pub status: Rect,
    /// Where overlays are drawn.
    pub overlay: Rect,
}

impl Areas {
    /// Splits `area` for an image with `layers` layers.
    pub fn new(area: Rect, layers: usize) -> Areas {
        let [main, status] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        let [left, tree] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(main);
        let layers_h = (layers as u16 + 3).min(left.height / 3).max(4);
        let [layers, layer_details, image_details] = Layout::vertical([
            Constraint::Length(layers_h),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ])
        .areas(left);
        let inner = |r: Rect| {
            let i = r.inner(Margin::new(1, 1));
            Rect {
                y: i.y + 1.min(i.height),
                height: i.height.saturating_sub(1),
                ..i
            }
        };
        Areas {
            layers,
            layer_rows: inner(layers),
            layer_details,
            image_details,
            tree,
            tree_rows: inner(tree),
            status,
            overlay: main.inner(Margin::new(
                (main.width / 10).min(8),
                (main.height / 10).min(3),
            )),
        }
    }
}
