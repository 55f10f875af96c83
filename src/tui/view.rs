//! Drawing: `render(&App, &mut Frame)` and one small widget per pane, each borrowing the state
//! it shows. Nothing here changes state or does I/O.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Widget, Wrap};
use ratatui::Frame;

use unicode_width::UnicodeWidthChar;

use super::app::{App, Browse, Input, Pane, Preview, Prompt};
use super::layout::Areas;
use super::overlay::OverlayView;
use super::tree::CompareMode;
use super::tree_pane::TreePane;
use crate::image::DockerfileStep;
use crate::index::Change;

/// Colours, or none under NO_COLOR.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn change(self, c: Change) -> Style {
        if !self.color {
            return Style::default();
        }
        match c {
            Change::Added => Style::default().fg(Color::Green),
            Change::Modified => Style::default().fg(Color::Yellow),
            Change::Removed => Style::default().fg(Color::Red),
            Change::Unmodified => Style::default(),
        }
    }

    pub fn title(self, focused: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::BOLD);
        if focused && self.color {
            s.fg(Color::Cyan)
        } else {
            s
        }
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }

    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

/// Bytes by the one rule of `crate::units`.
pub fn size(n: u64) -> String {
    crate::units::human_bytes(n)
}

/// Splits text into screen lines of at most `width` columns: at its newlines, then wherever a
/// line is full (mid-word, so the count is exact). Tabs become 4 spaces; other control
/// characters (a file's escape sequences, a carriage return) are shown as `\x1b`, as in paths.
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = escape_controls(&line.replace('\t', "    "));
        let mut cur = String::new();
        let mut w = 0;
        for c in line.chars() {
            let cw = c.width().unwrap_or(0);
            if width > 0 && w + cw > width && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                w = 0;
            }
            cur.push(c);
            w += cw;
        }
        out.push(cur);
    }
    out
}

/// Control characters as visible `\xNN` escapes (the same form as in escaped paths).
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// **No control character reaches the terminal**: text from the image (commands, file contents,
/// paths) is escaped where it is laid out, and this last pass over the frame replaces whatever
/// slipped through (a title, a message) with `?`, so an escape sequence in an image can never
/// drive the user's terminal.
fn scrub_controls(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(char::is_control) {
            cell.set_symbol("?");
        }
    }
}

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    draw_screen(app, frame);
    scrub_controls(frame.buffer_mut());
}

fn draw_screen(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme { color: app.color };
    let Some(b) = &app.browse else {
        match &app.preview {
            Some(p) => draw_preview(app, p, frame),
            None => frame.render_widget(LoadingView { app, theme }, area),
        }
        return;
    };
    let areas = Areas::for_app(app, area);
    let focused = b.focus == Pane::Layers && b.overlay.is_none();
    frame.render_widget(
        LayersPane {
            list: LayerList::Loaded(b),
            selected: b.layer,
            offset: b.layer_offset,
            aggregated: b.tree.options.mode == CompareMode::Aggregated,
            focused,
            theme,
            areas: &areas,
        },
        areas.layers,
    );
    frame.render_widget(
        super::details::LayerDetails { b, theme },
        areas.layer_details,
    );
    frame.render_widget(
        super::details::ImageDetails { b, theme },
        areas.image_details,
    );
    frame.render_widget(
        TreePane {
            b,
            theme,
            areas: &areas,
        },
        areas.tree,
    );
    frame.render_widget(StatusBar { app, b, theme }, areas.status);
    if let Some(o) = &b.overlay {
        frame.render_widget(Clear, areas.overlay);
        frame.render_widget(
            OverlayView {
                b,
                overlay: o,
                theme,
                keymap: &app.keymap,
            },
            areas.overlay,
        );
    }
}

/// The browse layout while the layers are indexed: the layers pane with every layer's
/// command and the sizes known so far, the selected layer's details, and the indexing progress
/// where the file tree will be. The same panes, in the same places, as once loaded.
fn draw_preview(app: &App, p: &Preview, frame: &mut Frame) {
    let theme = Theme { color: app.color };
    let areas = Areas::for_app(app, frame.area());
    frame.render_widget(
        LayersPane {
            list: LayerList::Preview(p),
            selected: p.layer,
            offset: p.layer_offset,
            aggregated: app.prefs.aggregated,
            focused: true,
            theme,
            areas: &areas,
        },
        areas.layers,
    );
    frame.render_widget(
        super::details::PreviewDetails { p, theme },
        areas.layer_details,
    );
    frame.render_widget(
        super::details::PreviewImageDetails { app, p, theme },
        areas.image_details,
    );
    let title = if app.prefs.aggregated {
        "Aggregated Layer Contents"
    } else {
        "Current Layer Contents"
    };
    let block = pane_block(title, false, theme);
    let inner = block.inner(areas.tree);
    frame.render_widget(block, areas.tree);
    frame.render_widget(LoadProgressView { app, theme }, inner);
    let status = match &app.message {
        Some(m) => Line::from(m.clone()),
        None => Line::styled(
            "q Quit  ↑↓ Layers  (the file tree and the other keys come once every layer is \
             indexed)",
            theme.dim(),
        ),
    };
    frame.render_widget(status, areas.status);
}

/// The loading screen before the layers are known: layers and bytes done, so the screen is
/// never blank.
pub struct LoadingView<'a> {
    app: &'a App,
    theme: Theme,
}

impl Widget for LoadingView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered().title(Span::styled(" layerlens ", self.theme.title(true)));
        let inner = block.inner(area);
        block.render(area, buf);
        LoadProgressView {
            app: self.app,
            theme: self.theme,
        }
        .render(inner, buf);
    }
}

/// How far loading has got, centred: what is loading, layers indexed and bytes read (of the
/// totals when known), and a gauge of the bytes.
pub struct LoadProgressView<'a> {
    app: &'a App,
    theme: Theme,
}

impl Widget for LoadProgressView<'_> {
    fn render(self, inner: Rect, buf: &mut Buffer) {
        let p = &self.app.progress;
        let [_, text, gauge, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(4),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        // Once the layers are known, they are the count: the manifest's layers, not the
        // archive's members.
        let layers = match (&self.app.preview, p.layers_total) {
            (Some(pv), _) => format!("{} of {}", pv.indexed(), pv.layers.len()),
            (None, Some(t)) => format!("{} of {t}", p.layers_done),
            (None, None) => p.layers_done.to_string(),
        };
        let bytes = match p.bytes_total {
            Some(t) => format!("{} of {}", size(p.bytes_done.min(t)), size(t)),
            None => size(p.bytes_done),
        };
        let mut lines = vec![
            Line::from(format!("Loading {}", self.app.reference)),
            Line::from(format!("layers indexed: {layers}")),
            Line::from(format!("bytes read: {bytes}")),
        ];
        if let Some(m) = &self.app.message {
            lines.push(Line::from(m.clone()));
        }
        Paragraph::new(lines)
            .centered()
            .wrap(Wrap { trim: false })
            .render(text, buf);
        let ratio = match p.bytes_total {
            Some(t) if t > 0 => (p.bytes_done as f64 / t as f64).min(1.0),
            _ => 0.0,
        };
        let gauge_area = Rect {
            x: gauge.x + gauge.width / 8,
            width: gauge.width - gauge.width / 4,
            ..gauge
        };
        Gauge::default()
            .ratio(ratio)
            .gauge_style(if self.theme.color {
                Style::default().fg(Color::Cyan)
            } else {
                Style::default()
            })
            .render(gauge_area, buf);
    }
}

pub fn pane_block(title: &str, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered().title(Span::styled(format!(" {title} "), theme.title(focused)))
}

/// The layers a [`LayersPane`] lists: the loaded image's, or the preview's while loading.
pub enum LayerList<'a> {
    Loaded(&'a Browse),
    Preview(&'a Preview),
}

impl LayerList<'_> {
    fn len(&self) -> usize {
        match self {
            LayerList::Loaded(b) => b.image.layers.len(),
            LayerList::Preview(p) => p.layers.len(),
        }
    }

    /// Layer `i`'s size (`None` until it is indexed) and its command as the row shows it.
    fn row(&self, i: usize) -> (Option<u64>, String) {
        match self {
            LayerList::Loaded(b) => {
                let l = &b.image.layers[i];
                (
                    Some(l.size),
                    row_command(l.dockerfile.as_ref(), l.command()),
                )
            }
            LayerList::Preview(p) => {
                let l = &p.layers[i];
                (p.sizes[i], row_command(l.dockerfile.as_ref(), l.command()))
            }
        }
    }
}

/// A layer's command on its row: with --dockerfile, the instruction as written and its line,
/// beside the layer; on one line, control characters escaped.
fn row_command(dockerfile: Option<&DockerfileStep>, command: String) -> String {
    let cmd = match dockerfile {
        Some(d) => format!("{:>3}│{}", d.line, d.text),
        None => command,
    };
    escape_controls(&cmd.replace(['\n', '\t', '\r'], " "))
}

/// What the Size column shows for a layer not indexed yet: a placeholder, never another figure.
pub const SIZE_PENDING: &str = "…";

/// The layers list: index, size, command.
pub struct LayersPane<'a> {
    pub list: LayerList<'a>,
    pub selected: usize,
    pub offset: usize,
    /// Whether the tree shows the layers up to the selected one (marked in the Cmp column).
    pub aggregated: bool,
    pub focused: bool,
    pub theme: Theme,
    pub areas: &'a Areas,
}

impl Widget for LayersPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let focused = self.focused;
        let block = pane_block("Layers", focused, self.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let header = Rect { height: 1, ..inner };
        Line::styled("Cmp       Size  Command", self.theme.title(false)).render(header, buf);
        let rows = self.areas.layer_rows;
        let n = self.list.len();
        for (i, y) in (self.offset..n).zip(rows.y..rows.y + rows.height) {
            let in_cmp = if self.aggregated {
                i <= self.selected
            } else {
                i == self.selected
            };
            let mark = if in_cmp { "██" } else { "  " };
            let (bytes, cmd) = self.list.row(i);
            let shown = bytes.map_or_else(|| SIZE_PENDING.to_string(), size);
            let text = format!("{mark}{i:>3} {shown:>9}  {cmd}");
            let mut style = Style::default();
            if i == self.selected {
                style = if focused {
                    self.theme.selected()
                } else {
                    style.add_modifier(Modifier::BOLD)
                };
            }
            Line::styled(text, style).render(Rect::new(rows.x, y, rows.width, 1), buf);
        }
    }
}

/// The bottom line: a prompt, a message, or key hints.
pub struct StatusBar<'a> {
    app: &'a App,
    b: &'a Browse,
    theme: Theme,
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let line = if let Some(Input { prompt, text }) = &self.b.input {
            let label = match prompt {
                Prompt::Filter => "Filter (regex): ".to_string(),
                Prompt::Search => "Search: ".to_string(),
                Prompt::Extract => "Extract to path: ".to_string(),
                Prompt::Overwrite(p) => format!("{} exists, overwrite? (y/n) ", p.display()),
            };
            // While a search is typed, how many paths match so far.
            let found = match (&prompt, &self.b.search) {
                (Prompt::Search, Some(s)) if s.count == 1 => "  1 match".to_string(),
                (Prompt::Search, Some(s)) => format!("  {} matches", s.count),
                (Prompt::Search, None) if !text.is_empty() => "  no match".to_string(),
                _ => String::new(),
            };
            Line::from(vec![
                Span::styled(label, self.theme.title(true)),
                Span::raw(text.clone()),
                Span::styled("█", self.theme.dim()),
                Span::styled(found, self.theme.dim()),
            ])
        } else if let Some(m) = &self.app.message {
            Line::from(m.clone())
        } else {
            let mut hints = String::from(
                "q Quit  ? Help  tab Switch  / Search  f Findings  p Packages  w Reclaimable  y Why  v View  ^F Filter",
            );
            if let Some(s) = &self.b.search {
                hints = format!(
                    "search '{}': {} of {} (n/N)  {hints}",
                    s.needle,
                    s.pos + 1,
                    s.count
                );
            }
            Line::styled(hints, self.theme.dim())
        };
        line.render(area, buf);
    }
}
