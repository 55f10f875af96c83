//! Where each pane goes for a terminal size: one pure function, used by drawing and by mouse
//! handling so that both agree.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

use super::app::App;
use super::details::{layer_detail_lines, preview_detail_lines};
use super::view::Theme;

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

/// The image details pane keeps at least this many rows (border included).
const IMAGE_DETAILS_MIN: u16 = 6;

impl Areas {
    /// The areas for the app's state: the layer details pane grows to show the selected layer's
    /// whole command, wrapped, when the screen has the room. While the layers are indexed
    /// (a preview), the panes are where they will be once loaded.
    pub fn for_app(app: &App, area: Rect) -> Areas {
        let pane_width = app.prefs.pane_width;
        let theme = Theme { color: false };
        let (layers, detail_lines): (usize, &dyn Fn(usize) -> usize) =
            match (&app.browse, &app.preview) {
                (Some(b), _) => (b.image.layers.len(), &|w| {
                    layer_detail_lines(b, theme, w).len()
                }),
                (None, Some(p)) => (p.layers.len(), &|w| preview_detail_lines(p, theme, w).len()),
                (None, None) => return Areas::new(area, 0, pane_width, 0),
            };
        let probe = Areas::new(area, layers, pane_width, 0);
        let width = probe.layer_details.width.saturating_sub(2) as usize;
        let wanted = (2 + detail_lines(width)).min(u16::MAX as usize) as u16;
        Areas::new(area, layers, pane_width, wanted)
    }

    /// Splits `area` for an image with `layers` layers; the file tree takes `pane_width` of the
    /// width and the layer details want `details` rows (0: an even split with image details).
    pub fn new(area: Rect, layers: usize, pane_width: f64, details: u16) -> Areas {
        let [main, status] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        let tree_w = (main.width as f64 * pane_width.clamp(0.05, 0.95)).round() as u16;
        let [left, tree] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(tree_w)]).areas(main);
        let layers_h = (layers.min(u16::MAX as usize - 3) as u16 + 3)
            .min(left.height / 3)
            .max(4);
        let rest = left.height.saturating_sub(layers_h);
        let even = rest / 2;
        let details_h = if details > even {
            details
                .min(rest.saturating_sub(IMAGE_DETAILS_MIN))
                .max(even)
        } else {
            even
        };
        let [layers, layer_details, image_details] = Layout::vertical([
            Constraint::Length(layers_h),
            Constraint::Length(details_h),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_screen_at_every_size() {
        for (w, h) in [(80, 24), (120, 40), (20, 6), (1, 1), (0, 0), (300, 100)] {
            for details in [0, 10, 1000] {
                let a = Areas::new(Rect::new(0, 0, w, h), 13, 0.5, details);
                let left = a.layers.height + a.layer_details.height + a.image_details.height;
                assert_eq!(left, h.saturating_sub(1), "{w}x{h}");
                assert_eq!(a.layers.width + a.tree.width, w);
                assert!(a.tree_rows.y + a.tree_rows.height <= a.tree.y + a.tree.height);
            }
        }
    }

    #[test]
    fn layer_details_grow_for_a_long_command_but_leave_image_details_room() {
        let even = Areas::new(Rect::new(0, 0, 120, 40), 5, 0.5, 0);
        let grown = Areas::new(Rect::new(0, 0, 120, 40), 5, 0.5, 20);
        assert_eq!(grown.layer_details.height, 20);
        assert!(grown.layer_details.height > even.layer_details.height);
        let huge = Areas::new(Rect::new(0, 0, 120, 40), 5, 0.5, 500);
        assert_eq!(huge.image_details.height, IMAGE_DETAILS_MIN);
        let wide = Areas::new(Rect::new(0, 0, 100, 40), 5, 0.7, 0);
        assert_eq!(wide.tree.width, 70);
    }
}
