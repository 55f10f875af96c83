//! The filesystem as a treemap, in static SVG: area is bytes, fill is the layer that wrote a
//! visible file, red stripes are hidden (reclaimable) bytes, brown dots are caches. One view
//! per zoomable folder (the root and the largest folders), each laid out here in Rust; a
//! folder's tile links to its view and CSS `:target` shows it, so zooming needs no script.
//!
//! **The page's size is bounded whatever the image holds**: at most [`MAX_VIEWS`] views of at
//! most [`MAX_TILES`] tiles; in each folder the items too small to see (or past
//! [`MAX_ITEMS`]) become one "N smaller files" tile. Nesting is a work queue, never recursion.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write;

use super::escape::image_path;
use super::layout::{squarify, Rect};
use super::page::{layer_class, size};
use super::sizes::{FsSizes, Kind, Part};
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::index::{NodeId, ROOT};
use crate::units::{count, human_bytes};

/// The SVG's width and height in user units.
pub const W: f64 = 1000.0;
pub const H: f64 = 560.0;
const HEADER: f64 = 15.0;
const PAD: f64 = 2.0;
/// Items under this area (user units², about 36×36) join their folder's "smaller files".
const MIN_AREA: f64 = 1300.0;
/// Items per folder before the rest is grouped.
pub const MAX_ITEMS: usize = 40;
/// Tiles per view.
pub const MAX_TILES: usize = 400;
/// Views: the root and the largest folders.
pub const MAX_VIEWS: usize = 30;
/// A folder gets a view when it holds at least this share (1/N) of the image's bytes.
const VIEW_SHARE: u64 = 200;

/// One tile to lay out in a folder.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// A folder drawn by what it holds.
    Folder(NodeId, u64),
    /// A file's bytes of one kind.
    Part(NodeId, Part),
    /// The items too small to draw, grouped.
    Rest { files: u64, bytes: u64 },
}

impl Item {
    fn bytes(&self) -> u64 {
        match *self {
            Item::Folder(_, b) => b,
            Item::Part(_, p) => p.bytes,
            Item::Rest { bytes, .. } => bytes,
        }
    }
}

/// The treemap of one image: its sizes and its views.
pub struct Treemap<'a> {
    image: &'a Image,
    sizes: FsSizes<'a>,
    /// Folders with a view, root first; a view's number is its index.
    views: Vec<NodeId>,
    view_of: HashMap<NodeId, usize>,
}

impl<'a> Treemap<'a> {
    pub fn new(image: &'a Image, waste: &WasteReport) -> Treemap<'a> {
        let sizes = FsSizes::new(image, waste);
        let tree = &image.tree;
        let floor = (sizes.below(ROOT) / VIEW_SHARE).max(1);
        let mut candidates: Vec<(u64, NodeId)> = Vec::new();
        tree.walk(ROOT, &mut |n| {
            let below = sizes.below(n);
            if below >= floor {
                let items = tree
                    .children(n)
                    .iter()
                    .filter(|&&c| sizes.totals(c).bytes() > 0)
                    .count();
                // A folder with one item is its item: zoom into that instead.
                if items >= 2 {
                    candidates.push((below, n));
                }
            }
        });
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut views = vec![ROOT];
        views.extend(
            candidates
                .into_iter()
                .map(|c| c.1)
                .take(MAX_VIEWS.saturating_sub(1)),
        );
        let view_of = views.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        Treemap {
            image,
            sizes,
            views,
            view_of,
        }
    }

    /// The anchor of the deepest view that shows `path` (with or without a leading `/`).
    pub fn anchor_for(&self, path: &str) -> String {
        let tree = &self.image.tree;
        let mut p = path.trim_start_matches('/');
        let mut node = tree.find(p.as_bytes());
        // A path shown escaped may not be found as written: its folders may.
        while node.is_none() {
            match p.rsplit_once('/') {
                Some((head, _)) => p = head,
                None => break,
            }
            node = tree.find(p.as_bytes());
        }
        let mut n = node.unwrap_or(ROOT);
        loop {
            if let Some(v) = self.view_of.get(&n) {
                return anchor(*v);
            }
            if n == ROOT {
                return anchor(0);
            }
            n = tree.parent(n);
        }
    }

    /// The view above view `k` (none for the root).
    fn up(&self, k: usize) -> Option<usize> {
        let tree = &self.image.tree;
        let mut n = self.views[k];
        while n != ROOT {
            n = tree.parent(n);
            if let Some(&v) = self.view_of.get(&n) {
                return Some(v);
            }
        }
        None
    }

    /// The folder's items, largest first, those too small for `area` grouped at the end.
    fn items(&self, n: NodeId, area: f64) -> Vec<Item> {
        let s = &self.sizes;
        let mut items = Vec::new();
        for &c in self.image.tree.children(n) {
            if s.totals(c).bytes() == 0 {
                continue;
            }
            let below = s.below(c);
            if below > 0 {
                items.push(Item::Folder(c, below));
            }
            items.extend(s.parts(c).iter().map(|&p| Item::Part(c, p)));
        }
        // Largest first; ties in tree order (stable).
        items.sort_by_key(|i| std::cmp::Reverse(i.bytes()));
        let total: u64 = items.iter().fold(0, |a, i| a.saturating_add(i.bytes()));
        if total == 0 {
            return items;
        }
        let per_byte = area / total as f64;
        let keep = items
            .iter()
            .enumerate()
            .take_while(|(i, it)| {
                *i == 0 || (*i < MAX_ITEMS && it.bytes() as f64 * per_byte >= MIN_AREA)
            })
            .count();
        if keep < items.len() {
            let rest = items.split_off(keep);
            let files = rest.iter().fold(0u64, |a, i| {
                a.saturating_add(match *i {
                    Item::Folder(c, _) => s.files_below(c),
                    _ => 1,
                })
            });
            let bytes = rest.iter().fold(0u64, |a, i| a.saturating_add(i.bytes()));
            items.push(Item::Rest { files, bytes });
        }
        items
    }

    /// Every view, then the table of the same folders.
    pub fn render(&self, out: &mut String) {
        let root = self.sizes.totals(ROOT);
        let _ = writeln!(
            out,
            "<p>Area is bytes: {} in {} (visible {}, caches {}, hidden {}). Fill is the \
             layer that wrote a visible file; red stripes are bytes a later layer hid \
             (reclaimable); brown dots are caches and leftovers. Click a folder to zoom in; the breadcrumb above the picture goes back up (without JavaScript too). \
             In each folder, files and folders too small to draw at this zoom are grouped into \
             one grey tile \"N smaller files\"; {} folders have a view of their own (the \
             largest), the others are drawn whole. The table below the picture lists the same \
             folders.</p>",
            size(root.bytes()),
            count(root.files as usize, "file", "files"),
            size(root.visible),
            size(root.cache),
            size(root.hidden),
            self.views.len()
        );
        out.push_str(super::page::legend());
        out.push_str("<div class=\"tm\">\n");
        for k in 0..self.views.len() {
            self.render_view(k, out);
        }
        out.push_str("</div>\n");
        self.render_table(out);
    }

    fn render_view(&self, k: usize, out: &mut String) {
        let tree = &self.image.tree;
        let folder = self.views[k];
        let shown = self.shown_path(folder, true);
        let t = self.sizes.totals(folder);
        let _ = write!(
            out,
            "<section class=\"tm-view{}\" id=\"{}\"",
            if k == 0 { " root" } else { "" },
            anchor(k)
        );
        if let Some(up) = self.up(k) {
            let _ = write!(out, " data-up=\"{}\"", anchor(up));
        }
        out.push_str(">\n<p class=\"crumbs\">Folder: ");
        // Breadcrumb: every folder above that has a view is a link.
        let mut chain = vec![folder];
        let mut n = folder;
        while n != ROOT {
            n = tree.parent(n);
            chain.push(n);
        }
        chain.reverse();
        // A deep folder: the root, then its last few folders.
        const SHOWN: usize = 8;
        let skip = chain.len().saturating_sub(SHOWN + 1);
        for (i, &c) in chain.iter().enumerate() {
            if i > 0 && i <= skip {
                if i == 1 {
                    out.push('…');
                }
                continue;
            }
            let name = if c == ROOT {
                "/".to_string()
            } else {
                image_path(tree.name(c))
            };
            if i > 1 {
                out.push('/');
            }
            match self.view_of.get(&c) {
                Some(&v) if c != folder => {
                    let _ = write!(out, "<a href=\"#{}\">{name}</a>", anchor(v));
                }
                _ => out.push_str(&format!("<strong>{name}</strong>")),
            }
        }
        let _ = writeln!(
            out,
            " &mdash; {} in {}</p>",
            size(t.bytes()),
            count(t.files as usize, "file", "files")
        );
        let _ = writeln!(
            out,
            "<svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"group\" \
             aria-label=\"Treemap of {shown}: {} in {}; the table below lists the same \
             folders\">",
            human_bytes(t.bytes()),
            count(t.files as usize, "file", "files"),
        );
        let mut queue = VecDeque::new();
        queue.push_back((
            folder,
            Rect {
                x: 0.0,
                y: 0.0,
                w: W,
                h: H,
            },
        ));
        let mut tiles = 0;
        while let Some((n, r)) = queue.pop_front() {
            if tiles >= MAX_TILES {
                // Out of this view's budget: the folder's files as one tile.
                if r.w >= 0.5 && r.h >= 0.5 {
                    let (files, bytes) = (self.sizes.files_below(n), self.sizes.below(n));
                    rest_tile(&self.shown_path(n, true), files, bytes, r, false, out);
                }
                continue;
            }
            let items = self.items(n, r.area());
            let bytes: Vec<u64> = items.iter().map(Item::bytes).collect();
            for (item, rect) in items.iter().zip(squarify(&bytes, r)) {
                if rect.w < 0.5 || rect.h < 0.5 {
                    continue;
                }
                tiles += 1;
                match *item {
                    Item::Part(c, p) => self.part_tile(c, p, rect, out),
                    Item::Rest { files, bytes } => {
                        rest_tile(&self.shown_path(n, true), files, bytes, rect, true, out)
                    }
                    Item::Folder(c, b) => {
                        if rect.w >= 50.0 && rect.h >= 36.0 {
                            self.folder_frame(c, b, rect, out);
                            queue.push_back((c, rect.inset(HEADER, PAD)));
                        } else {
                            self.folder_tile(c, b, rect, out);
                        }
                    }
                }
            }
        }
        out.push_str("</svg>\n</section>\n");
    }

    /// `/usr/lib` (with a trailing `/` for folders when asked), escaped.
    fn shown_path(&self, n: NodeId, folder: bool) -> String {
        if n == ROOT {
            return "/".to_string();
        }
        let p = image_path(&self.image.tree.path(n));
        if folder {
            format!("/{p}/")
        } else {
            format!("/{p}")
        }
    }

    fn part_tile(&self, n: NodeId, p: Part, r: Rect, out: &mut String) {
        let (class, what, short) = match p.kind {
            Kind::Visible(l) => (
                layer_class(l),
                format!("visible, written by layer {l}"),
                format!("layer {l}"),
            ),
            Kind::Cache(l) => (
                "cache".to_string(),
                format!("cache or leftover, written by layer {l}"),
                format!("cache, layer {l}"),
            ),
            Kind::Hidden { layer, by } => (
                "hidden".to_string(),
                format!("hidden (reclaimable): written by layer {layer}, hidden by layer {by}"),
                format!("hidden, layer {layer}"),
            ),
        };
        let _ = write!(
            out,
            "<g>{}<title>{}: {}, {what}</title></rect>",
            rect_open(r, &class),
            self.shown_path(n, false),
            human_bytes(p.bytes)
        );
        label(
            out,
            r,
            &image_path(self.image.tree.name(n)),
            &format!("{} · {short}", human_bytes(p.bytes)),
        );
        out.push_str("</g>\n");
    }

    fn folder_summary(&self, n: NodeId, bytes: u64) -> String {
        let t = self.sizes.totals(n);
        format!(
            "{}: {} in {} (visible {}, caches {}, hidden {})",
            self.shown_path(n, true),
            human_bytes(bytes),
            count(self.sizes.files_below(n) as usize, "file", "files"),
            human_bytes(t.visible),
            human_bytes(t.cache),
            human_bytes(t.hidden)
        )
    }

    /// A folder with room inside: a frame and a header; its items are drawn after it.
    fn folder_frame(&self, n: NodeId, bytes: u64, r: Rect, out: &mut String) {
        let link = self.view_of.get(&n).copied();
        let zoom = if link.is_some() {
            "; click to zoom"
        } else {
            ""
        };
        if let Some(v) = link {
            let _ = write!(out, "<a href=\"#{}\">", anchor(v));
        }
        let _ = write!(
            out,
            "{}<title>{}{zoom}</title></rect>",
            rect_open(r, "dir"),
            self.folder_summary(n, bytes)
        );
        let name = format!("{}/", image_path(self.image.tree.name(n)));
        let chars = ((r.w - 6.0) / 6.6).max(0.0) as usize;
        let _ = write!(
            out,
            "<text class=\"hd\" x=\"{:.1}\" y=\"{:.1}\">{} {}</text>",
            r.x + 3.0,
            r.y + 11.5,
            cut(&name, chars.saturating_sub(8)),
            human_bytes(bytes)
        );
        out.push_str(if link.is_some() { "</a>\n" } else { "\n" });
    }

    /// A folder too small to open here: one tile in the colour of what it mostly holds.
    fn folder_tile(&self, n: NodeId, bytes: u64, r: Rect, out: &mut String) {
        let class = match self.sizes.dominant(n) {
            Some(Kind::Visible(l)) => layer_class(l),
            Some(Kind::Cache(_)) => "cache".to_string(),
            Some(Kind::Hidden { .. }) => "hidden".to_string(),
            None => "rest".to_string(),
        };
        let link = self.view_of.get(&n).copied();
        match link {
            Some(v) => {
                let _ = write!(out, "<a href=\"#{}\">", anchor(v));
            }
            None => out.push_str("<g>"),
        }
        let zoom = if link.is_some() {
            "; click to zoom"
        } else {
            ""
        };
        let _ = write!(
            out,
            "{}<title>{}{zoom}</title></rect>",
            rect_open(r, &class),
            self.folder_summary(n, bytes)
        );
        label(
            out,
            r,
            &format!("{}/", image_path(self.image.tree.name(n))),
            &human_bytes(bytes),
        );
        out.push_str(if link.is_some() { "</a>\n" } else { "</g>\n" });
    }

    /// The views' folders as a table (the treemap's text alternative), largest first, and
    /// the largest files.
    fn render_table(&self, out: &mut String) {
        let mut order: Vec<usize> = (0..self.views.len()).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(self.sizes.below(self.views[k])));
        out.push_str(
            "<table><caption>The treemap's folders (each links to its view)</caption>\
             <thead><tr><th>Folder</th><th class=\"n\">Bytes</th><th class=\"n\">Visible</th>\
             <th class=\"n\">Caches</th><th class=\"n\">Hidden</th><th class=\"n\">Files</th>\
             </tr></thead><tbody>\n",
        );
        for k in order {
            let n = self.views[k];
            let t = self.sizes.totals(n);
            let _ = writeln!(
                out,
                "<tr><td class=\"mono\"><a href=\"#{}\">{}</a></td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr>",
                anchor(k),
                self.shown_path(n, true),
                size(t.bytes()),
                size(t.visible),
                size(t.cache),
                size(t.hidden),
                t.files
            );
        }
        out.push_str("</tbody></table>\n");
        self.largest_files(out);
    }

    fn largest_files(&self, out: &mut String) {
        const ROWS: usize = 25;
        let mut all: Vec<(u64, NodeId, Kind)> = Vec::new();
        self.image.tree.walk(ROOT, &mut |n| {
            all.extend(self.sizes.parts(n).iter().map(|p| (p.bytes, n, p.kind)));
        });
        let cmp =
            |a: &(u64, NodeId, Kind), b: &(u64, NodeId, Kind)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if all.len() > ROWS {
            all.select_nth_unstable_by(ROWS, cmp);
            all.truncate(ROWS);
        }
        all.sort_by(cmp);
        if all.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "<table><caption>The {} largest files (visible, cached or hidden)</caption>\
             <thead><tr><th>Path</th><th class=\"n\">Bytes</th><th>What</th><th>Layer</th>\
             </tr></thead><tbody>",
            all.len()
        );
        for (bytes, n, kind) in all {
            let (what, layer) = match kind {
                Kind::Visible(l) => ("visible".to_string(), l),
                Kind::Cache(l) => ("cache or leftover".to_string(), l),
                Kind::Hidden { layer, by } => (format!("hidden by layer {by}"), layer),
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"mono\">{}</td><td class=\"n\">{}</td><td>{what}</td>\
                 <td><a href=\"#layer-{layer}\">layer {layer}</a></td></tr>",
                self.shown_path(n, false),
                size(bytes)
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

/// The anchor of view `k`.
pub fn anchor(k: usize) -> String {
    format!("tm-{k}")
}

fn rect_open(r: Rect, class: &str) -> String {
    format!(
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"{class}\">",
        r.x, r.y, r.w, r.h
    )
}

/// A grey tile for files not drawn one by one: `smaller` says they were too small to see
/// (else the view was out of tiles).
fn rest_tile(folder: &str, files: u64, bytes: u64, r: Rect, smaller: bool, out: &mut String) {
    let noun = if files == 1 { "file" } else { "files" };
    let (text, why) = if smaller {
        (
            format!("{files} smaller {noun}"),
            "grouped: too small to draw at this zoom",
        )
    } else {
        (
            format!("{files} {noun}"),
            "not drawn: this view has its most tiles already; zoom in",
        )
    };
    let _ = write!(
        out,
        "<g>{}<title>{text} in {folder}, {} together, {why}</title></rect>",
        rect_open(r, "rest"),
        human_bytes(bytes)
    );
    label(out, r, &text, &human_bytes(bytes));
    out.push_str("</g>\n");
}

/// A tile's name and, when there is room, a second line; cut to the tile's width.
fn label(out: &mut String, r: Rect, name: &str, second: &str) {
    if r.w < 26.0 || r.h < 14.0 {
        return;
    }
    let chars = ((r.w - 6.0) / 6.3) as usize;
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        r.x + 3.0,
        r.y + 12.0,
        cut(name, chars)
    );
    if r.h >= 28.0 {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            r.x + 3.0,
            r.y + 25.0,
            cut(second, chars)
        );
    }
}

/// At most `max` characters of already escaped text, never cutting an entity.
fn cut(escaped: &str, max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut chars = escaped.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if shown + 1 >= max && chars.peek().is_some() {
            out.push('…');
            return out;
        }
        if c == '&' {
            // An entity counts as one character.
            let end = escaped[i..].find(';').map_or(escaped.len(), |e| i + e + 1);
            out.push_str(&escaped[i..end]);
            while chars.peek().is_some_and(|&(j, _)| j < end) {
                chars.next();
            }
        } else {
            out.push(c);
        }
        shown += 1;
    }
    out
}
