//! Drawing: `render(&App, &mut Frame)` and one small widget per pane, each borrowing the state
//! it shows. Nothing here changes state or does I/O.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Widget, Wrap};
use ratatui::Frame;

use unicode_width::UnicodeWidthChar;

use super::app::{App, Browse, Input, Pane, Prompt};
use super::layout::Areas;
use super::overlay::OverlayView;
use super::tree::CompareMode;
use super::tree_pane::TreePane;
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
        frame.render_widget(LoadingView { app, theme }, area);
        return;
    };
    let areas = Areas::for_app(app, area);
    frame.render_widget(
        LayersPane {
            b,
            theme,
            areas: &areas,
        },
        areas.layers,
    );
    frame.render_widget(LayerDetails { b, theme }, areas.layer_details);
    frame.render_widget(ImageDetails { b, theme }, areas.image_details);
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

/// The loading screen: layers and bytes done, so the screen is never blank.
pub struct LoadingView<'a> {
    app: &'a App,
    theme: Theme,
}

impl Widget for LoadingView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let p = &self.app.progress;
        let block = Block::bordered().title(Span::styled(" layerlens ", self.theme.title(true)));
        let inner = block.inner(area);
        block.render(area, buf);
        let [_, text, gauge, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(4),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        let layers = match p.layers_total {
            Some(t) => format!("{} of {t}", p.layers_done),
            None => p.layers_done.to_string(),
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

/// The layers list: index, size, command.
pub struct LayersPane<'a> {
    b: &'a Browse,
    theme: Theme,
    areas: &'a Areas,
}

impl Widget for LayersPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let b = self.b;
        let focused = b.focus == Pane::Layers && b.overlay.is_none();
        let block = pane_block("Layers", focused, self.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let header = Rect { height: 1, ..inner };
        Line::styled("Cmp       Size  Command", self.theme.title(false)).render(header, buf);
        let rows = self.areas.layer_rows;
        let n = b.image.layers.len();
        for (i, y) in (b.layer_offset..n).zip(rows.y..rows.y + rows.height) {
            let l = &b.image.layers[i];
            let in_cmp = match b.tree.options.mode {
                CompareMode::Layer => i == b.layer,
                CompareMode::Aggregated => i <= b.layer,
            };
            let mark = if in_cmp { "██" } else { "  " };
            let cmd = escape_controls(&l.command().replace(['\n', '\t', '\r'], " "));
            let text = format!("{mark}{i:>3} {:>9}  {cmd}", size(l.size));
            let mut style = Style::default();
            if i == b.layer {
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

/// The lines of the layer details pane at `width` columns: what the pane draws, and what the
/// layout counts to give it room for the whole command. Long lines are wrapped here, not by the
/// paragraph, so that the count is exact.
pub fn layer_detail_lines(b: &Browse, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let label = |s: &'static str| Span::styled(s, theme.title(false));
    let Some(l) = b.image.layers.get(b.layer) else {
        return vec![Line::from("the image has no layers")];
    };
    let counts = match &b.analysis {
        Some(a) => {
            let [ad, m, r] = a.counts.get(b.layer).copied().unwrap_or_default();
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
    let mut lines = vec![Line::from(vec![
        label("Layer: "),
        Span::raw(format!("{} of {}", b.layer, b.image.layers.len())),
        label("   Size: "),
        Span::raw(size(l.size)),
    ])];
    // A digest is one line, cut with "…" when the pane is narrower: the room goes to the
    // command, which is never cut.
    for (name, value) in [
        ("Digest: ", l.blob_digest.to_string()),
        ("DiffID: ", l.diff_id.to_string()),
    ] {
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
    lines.push(Line::from(counts));
    lines.push(Line::from(label("Command:")));
    lines.extend(wrap_text(&l.command(), width).into_iter().map(Line::from));
    lines
}

/// The selected layer's digest, size, change counts and full command (wrapped).
pub struct LayerDetails<'a> {
    b: &'a Browse,
    theme: Theme,
}

impl Widget for LayerDetails<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = area.width.saturating_sub(2) as usize;
        let mut lines = layer_detail_lines(self.b, self.theme, width);
        let room = area.height.saturating_sub(2) as usize;
        if lines.len() > room && room > 0 {
            // Too small a screen for the whole command: say so, and how to see it.
            let more = lines.len() - room + 1;
            lines.truncate(room - 1);
            lines.push(Line::styled(
                format!("… {more} more lines: v in the layers pane shows all"),
                self.theme.dim(),
            ));
        }
        Paragraph::new(lines)
            .block(pane_block("Layer Details", false, self.theme))
            .render(area, buf);
    }
}

/// Lines of the image details above the inefficient files.
const IMAGE_LINES_ABOVE_LIST: usize = 6;

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
    b: &'a Browse,
    theme: Theme,
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
                let hidden: u64 = a.hidden.iter().map(|h| h.size).sum();
                lines.push(Line::from(vec![
                    label("Potential wasted space: "),
                    Span::raw(size(a.dive.wasted_bytes)),
                ]));
                lines.push(Line::from(vec![
                    label("Image efficiency score: "),
                    Span::raw(format!("{:.0} %", a.dive.efficiency * 100.0)),
                ]));
                lines.push(Line::from(vec![
                    label("Hidden bytes (w): "),
                    Span::raw(format!("{} in {} files", size(hidden), a.hidden.len())),
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
                (Prompt::Search, Some(s)) if s.hits.len() == 1 => "  1 match".to_string(),
                (Prompt::Search, Some(s)) => format!("  {} matches", s.hits.len()),
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
                "q Quit  ? Help  tab Switch  / Search  f Findings  w Wasted  y Why  v View  ^F Filter  ^E Extract",
            );
            if let Some(s) = &self.b.search {
                hints = format!(
                    "search '{}': {} of {} (n/N)  {hints}",
                    s.needle,
                    s.pos + 1,
                    s.hits.len()
                );
            }
            Line::styled(hints, self.theme.dim())
        };
        line.render(area, buf);
    }
}
