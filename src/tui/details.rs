//! The details panes: the selected layer's (digest, size, the files it added, modified and
//! removed, its Dockerfile line and whole command) and the image's (size, dive's wasted space
//! and efficiency, our reclaimable bytes and estimate, dive's inefficient files). While the
//! layers are indexed, the same panes show what is known (`PreviewDetails`,
//! `PreviewImageDetails`), with the same lines and `…` for what is not yet.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::app::{App, Browse, Preview};
use super::view::{pane_block, size, wrap_text, Theme, SIZE_PENDING};
use crate::image::DockerfileStep;
use crate::index::Change;

/// The lines of the layer details pane at `width` columns: what the pane draws, and what the
/// layout counts to give it room for the whole command. Long lines are wrapped here, not by the
/// paragraph, so that the count is exact.
pub fn layer_detail_lines(b: &Browse, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let label = |s: &'static str| Span::styled(s, theme.title(false));
    let Some(l) = b.image.layers.get(b.layer) else {
        return vec![Line::from("the image has no layers")];
    };
    // The same figures as every report: paths that are not directories.
    let counts = match b
        .analysis
        .as_ref()
        .and_then(|a| a.waste.layers.get(b.layer))
    {
        Some(st) => {
            let (ad, m, r) = (st.files_added, st.files_modified, st.files_removed);
            vec![
                label("Files: "),
                Span::styled(format!("{ad} added"), theme.change(Change::Added)),
                Span::raw(", "),
                Span::styled(format!("{m} modified"), theme.change(Change::Modified)),
                Span::raw(", "),
                Span::styled(format!("{r} removed"), theme.change(Change::Removed)),
            ]
        }
        None => vec![label("Files: "), Span::raw("counting…")],
    };
    detail_lines(
        DetailFields {
            layer: b.layer,
            layers: b.image.layers.len(),
            size: Some(l.size),
            digests: Some((l.blob_digest.to_string(), l.diff_id.to_string())),
            counts,
            dockerfile: l.dockerfile.as_ref(),
            any_dockerfile: b.image.layers.iter().any(|x| x.dockerfile.is_some()),
            command: &l.command(),
        },
        theme,
        width,
    )
}

/// The layer details pane's lines while the layers are indexed: the same lines as once loaded,
/// with `…` for what is not known yet (the size until the layer is indexed, the digests).
pub fn preview_detail_lines(p: &Preview, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let label = |s: &'static str| Span::styled(s, theme.title(false));
    let Some(l) = p.layers.get(p.layer) else {
        return vec![Line::from("the image has no layers")];
    };
    detail_lines(
        DetailFields {
            layer: p.layer,
            layers: p.layers.len(),
            size: p.sizes[p.layer],
            digests: None,
            counts: vec![label("Files: "), Span::raw("counting…")],
            dockerfile: l.dockerfile.as_ref(),
            any_dockerfile: p.layers.iter().any(|x| x.dockerfile.is_some()),
            command: &l.command(),
        },
        theme,
        width,
    )
}

/// What the layer details show of one layer; `None` where it is not known yet.
struct DetailFields<'a> {
    layer: usize,
    layers: usize,
    size: Option<u64>,
    /// The blob digest and the diff_id.
    digests: Option<(String, String)>,
    /// The "Files:" line.
    counts: Vec<Span<'static>>,
    dockerfile: Option<&'a DockerfileStep>,
    /// Whether any layer paired with a Dockerfile instruction.
    any_dockerfile: bool,
    command: &'a str,
}

fn detail_lines(f: DetailFields<'_>, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let label = |s: &'static str| Span::styled(s, theme.title(false));
    let mut lines = vec![Line::from(vec![
        label("Layer: "),
        Span::raw(format!("{} of {}", f.layer, f.layers)),
        label("   Size: "),
        Span::raw(f.size.map_or_else(|| SIZE_PENDING.to_string(), size)),
    ])];
    let (digest, diff_id) = f
        .digests
        .unwrap_or_else(|| (SIZE_PENDING.to_string(), SIZE_PENDING.to_string()));
    // A digest is one line, cut with "…" when the pane is narrower: the room goes to the
    // command, which is never cut.
    for (name, value) in [("Digest: ", digest), ("DiffID: ", diff_id)] {
        let room = width.saturating_sub(name.len());
        let value = if value.chars().count() > room && room > 0 {
            let mut v: String = value.chars().take(room - 1).collect();
            v.push('…');
            v
        } else {
            value
        };
        lines.push(Line::from(vec![label(name), Span::raw(value)]));
    }
    lines.push(Line::from(f.counts));
    match f.dockerfile {
        Some(d) => lines.push(Line::from(vec![
            label("Dockerfile: "),
            Span::raw(format!("line {}", d.line)),
        ])),
        None if f.any_dockerfile => lines.push(Line::styled(
            "Dockerfile: no instruction pairs with this layer",
            theme.dim(),
        )),
        None => {}
    }
    lines.push(Line::from(label("Command:")));
    lines.extend(wrap_text(f.command, width).into_iter().map(Line::from));
    lines
}

/// The selected layer's digest, size, change counts and full command (wrapped).
pub struct LayerDetails<'a> {
    pub b: &'a Browse,
    pub theme: Theme,
}

impl Widget for LayerDetails<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = area.width.saturating_sub(2) as usize;
        let lines = layer_detail_lines(self.b, self.theme, width);
        render_layer_details(
            lines,
            area,
            buf,
            self.theme,
            ": v in the layers pane shows all",
        );
    }
}

/// The layer details while the layers are indexed.
pub struct PreviewDetails<'a> {
    pub p: &'a Preview,
    pub theme: Theme,
}

impl Widget for PreviewDetails<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = area.width.saturating_sub(2) as usize;
        let lines = preview_detail_lines(self.p, self.theme, width);
        // The command viewer needs the loaded image: no hint to a key that waits.
        render_layer_details(lines, area, buf, self.theme, "");
    }
}

/// Draws the layer details' lines, the last ones replaced by "… N more lines" and `hint` when
/// the pane is too short.
fn render_layer_details(
    mut lines: Vec<Line<'static>>,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    hint: &str,
) {
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room && room > 0 {
        // Too small a screen for the whole command: say so, and how to see it.
        let more = lines.len() - room + 1;
        lines.truncate(room - 1);
        lines.push(Line::styled(
            format!("… {more} more lines{hint}"),
            theme.dim(),
        ));
    }
    Paragraph::new(lines)
        .block(pane_block("Layer Details", false, theme))
        .render(area, buf);
}

/// The image details while the layers are indexed: the name, and the total size once every
/// layer's is known (the sum the loaded image shows).
pub struct PreviewImageDetails<'a> {
    pub app: &'a App,
    pub p: &'a Preview,
    pub theme: Theme,
}

impl Widget for PreviewImageDetails<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let label = |s: &'static str| Span::styled(s, self.theme.title(false));
        let total = self
            .p
            .total()
            .map_or_else(|| SIZE_PENDING.to_string(), size);
        let lines = vec![
            Line::from(vec![
                label("Image name: "),
                Span::raw(self.app.reference.clone()),
            ]),
            Line::from(vec![label("Total Image size: "), Span::raw(total)]),
            Line::from("indexing…"),
        ];
        Paragraph::new(lines)
            .block(pane_block("Image Details", false, self.theme))
            .render(area, buf);
    }
}

/// Lines of the image details above the inefficient files.
const IMAGE_LINES_ABOVE_LIST: usize = 7;

/// Which inefficient files the image details show (of `total`, in a pane `height` rows high):
/// how many, the first one (the wanted `offset`, stopped at the last page), and whether a last
/// row says which are shown (when they do not all fit and there is a row for it).
pub fn inefficient_window(height: u16, total: usize, offset: usize) -> (usize, usize, bool) {
    let room = (height as usize).saturating_sub(2 + IMAGE_LINES_ABOVE_LIST);
    let shown = if total > room {
        room.saturating_sub(1)
    } else {
        total
    };
    (shown, offset.min(total - shown), total > room && room > 0)
}

/// Image totals, dive's efficiency, and the inefficient files, largest first.
pub struct ImageDetails<'a> {
    pub b: &'a Browse,
    pub theme: Theme,
}

impl Widget for ImageDetails<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let b = self.b;
        let label = |s: &'static str| Span::styled(s, self.theme.title(false));
        let mut lines = vec![
            Line::from(vec![
                label("Image name: "),
                Span::raw(b.image.reference.clone()),
            ]),
            Line::from(vec![
                label("Total Image size: "),
                Span::raw(size(b.image.size())),
            ]),
        ];
        match &b.analysis {
            None => lines.push(Line::from("analysing…")),
            Some(a) => {
                let w = &a.waste;
                // dive's two figures in dive's words; ours in ours.
                lines.push(Line::from(vec![
                    label("Potential wasted space: "),
                    Span::raw(size(a.dive.wasted_bytes)),
                ]));
                lines.push(Line::from(vec![
                    label("Image efficiency score: "),
                    Span::raw(crate::units::efficiency(a.dive.efficiency)),
                ]));
                lines.push(Line::from(vec![
                    label("Reclaimable (w): "),
                    Span::raw(format!(
                        "{} in {}",
                        size(w.reclaimable_bytes),
                        crate::units::count(a.hidden.len(), "file", "files")
                    )),
                ]));
                let e = &w.estimate;
                lines.push(Line::from(vec![
                    label("Estimate (f): "),
                    Span::raw(if e.savings_bytes == 0 {
                        "no finding saves bytes".to_string()
                    } else {
                        format!(
                            "about {} (−{}, {} less)",
                            size(e.estimated_size_bytes),
                            crate::units::percent(e.savings_bytes, e.image_size_bytes),
                            size(e.savings_bytes)
                        )
                    }),
                ]));
                lines.push(Line::styled(
                    "Count  Total Space  Path",
                    self.theme.title(false),
                ));
                debug_assert_eq!(lines.len(), IMAGE_LINES_ABOVE_LIST);
                let total = a.dive.inefficient.len();
                let (shown, offset, footer) =
                    inefficient_window(area.height, total, b.image_offset);
                for r in a.dive.inefficient.iter().skip(offset).take(shown) {
                    lines.push(Line::from(format!(
                        "{:>5}  {:>11}  {}",
                        r.count,
                        size(r.cumulative_size.max(0) as u64),
                        r.path
                    )));
                }
                if footer {
                    lines.push(Line::styled(
                        format!(
                            "{}–{} of {} (wheel scrolls; w: hidden files)",
                            offset + 1,
                            offset + shown,
                            total
                        ),
                        self.theme.dim(),
                    ));
                }
            }
        }
        Paragraph::new(lines)
            .block(pane_block("Image Details", false, self.theme))
            .render(area, buf);
    }
}
