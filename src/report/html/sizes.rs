//! What the treemap measures, per path of the merged tree: the path's own bytes in parts
//! (visible, by the layer that wrote them; a cache the waste report found; a version a later
//! layer hid, from the report's reclaimable groups), and every folder's totals. Built in one
//! walk and one reverse pass, no recursion. **A part's bytes are a regular file's bytes**, so
//! the hidden parts add up to the report's reclaimable bytes and the cache parts to its cache
//! bytes.

use std::collections::{HashMap, HashSet};

use crate::analysis::final_view::FinalView;
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::index::{EntryKind, MergedTree, NodeId, ROOT};

/// What a part of a path's bytes is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Visible in the final filesystem, written by this layer.
    Visible(usize),
    /// Visible, and a cache or leftover (written by this layer).
    Cache(usize),
    /// Written by `layer`, hidden by `by`: reclaimable.
    Hidden { layer: usize, by: usize },
}

/// Bytes of one kind at one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub kind: Kind,
    pub bytes: u64,
}

/// A subtree's bytes by kind, and how many parts (files) make them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub visible: u64,
    pub cache: u64,
    pub hidden: u64,
    pub files: u64,
}

impl Totals {
    pub fn bytes(&self) -> u64 {
        self.visible
            .saturating_add(self.cache)
            .saturating_add(self.hidden)
    }

    fn add(&mut self, o: &Totals) {
        self.visible = self.visible.saturating_add(o.visible);
        self.cache = self.cache.saturating_add(o.cache);
        self.hidden = self.hidden.saturating_add(o.hidden);
        self.files = self.files.saturating_add(o.files);
    }

    fn add_part(&mut self, p: &Part) {
        match p.kind {
            Kind::Visible(_) => self.visible = self.visible.saturating_add(p.bytes),
            Kind::Cache(_) => self.cache = self.cache.saturating_add(p.bytes),
            Kind::Hidden { .. } => self.hidden = self.hidden.saturating_add(p.bytes),
        }
        self.files += 1;
    }
}

/// Every path's parts and subtree totals.
pub struct FsSizes<'a> {
    pub tree: &'a MergedTree,
    own: HashMap<NodeId, Vec<Part>>,
    /// Per node: its own parts and everything below it.
    totals: Vec<Totals>,
    /// Per node: bytes of its own parts.
    own_bytes: Vec<u64>,
}

impl<'a> FsSizes<'a> {
    pub fn new(image: &'a Image, waste: &WasteReport) -> FsSizes<'a> {
        let tree = &image.tree;
        let view = FinalView::new(image);
        let caches: HashSet<(usize, usize)> = waste
            .caches
            .iter()
            .flat_map(|c| c.instances.iter().copied())
            .collect();
        let hidden: HashMap<(usize, usize), usize> = waste
            .reclaimable
            .iter()
            .flat_map(|g| g.instances.iter().map(|&i| (i, g.hidden_by_layer)))
            .collect();
        let mut order = Vec::with_capacity(tree.node_count());
        tree.walk(ROOT, &mut |n| order.push(n));
        let mut own: HashMap<NodeId, Vec<Part>> = HashMap::new();
        let mut totals = vec![Totals::default(); tree.node_count()];
        let mut own_bytes = vec![0u64; tree.node_count()];
        for &n in &order {
            let mut parts = Vec::new();
            for (l, e) in tree.versions(n) {
                if let Some(&by) = hidden.get(&(l, e)) {
                    let bytes = tree.layer(l).entry(e).size;
                    parts.push(Part {
                        kind: Kind::Hidden { layer: l, by },
                        bytes,
                    });
                }
            }
            if let Some((l, e, entry)) = view.file(tree, n) {
                if entry.kind == EntryKind::File && entry.size > 0 {
                    let kind = if caches.contains(&(l, e)) {
                        Kind::Cache(l)
                    } else {
                        Kind::Visible(l)
                    };
                    parts.push(Part {
                        kind,
                        bytes: entry.size,
                    });
                }
            }
            if !parts.is_empty() {
                let t = &mut totals[n as usize];
                for p in &parts {
                    t.add_part(p);
                    own_bytes[n as usize] = own_bytes[n as usize].saturating_add(p.bytes);
                }
                own.insert(n, parts);
            }
        }
        // Children after their parents in `order`: add each to its parent, bottom up.
        for &n in order.iter().rev() {
            let t = totals[n as usize];
            totals[tree.parent(n) as usize].add(&t);
        }
        FsSizes {
            tree,
            own,
            totals,
            own_bytes,
        }
    }

    /// The node's own parts: the versions later layers hid, then the visible file.
    pub fn parts(&self, n: NodeId) -> &[Part] {
        self.own.get(&n).map_or(&[], Vec::as_slice)
    }

    /// The node and everything below it.
    pub fn totals(&self, n: NodeId) -> Totals {
        self.totals.get(n as usize).copied().unwrap_or_default()
    }

    /// Bytes below the node (its own parts not counted): what it holds as a folder.
    pub fn below(&self, n: NodeId) -> u64 {
        self.totals(n)
            .bytes()
            .saturating_sub(self.own_bytes.get(n as usize).copied().unwrap_or(0))
    }

    /// Files below the node (its own parts not counted).
    pub fn files_below(&self, n: NodeId) -> u64 {
        self.totals(n)
            .files
            .saturating_sub(self.parts(n).len() as u64)
    }

    /// The kind of the largest part below `n`, found by following the largest item down:
    /// the colour of a folder drawn as one tile. Costs the depth times the children read.
    pub fn dominant(&self, n: NodeId) -> Option<Kind> {
        let mut at = n;
        loop {
            // The folder's own parts (a file it replaced) are not what it holds.
            let part = if at == n {
                None
            } else {
                self.parts(at).iter().max_by_key(|p| p.bytes)
            };
            let child = self
                .tree
                .children(at)
                .iter()
                .copied()
                .max_by_key(|&c| self.totals(c).bytes())
                .filter(|&c| self.totals(c).bytes() > 0);
            match (part, child) {
                (Some(p), Some(c)) if p.bytes >= self.totals(c).bytes() => return Some(p.kind),
                (_, Some(c)) => at = c,
                (Some(p), None) => return Some(p.kind),
                (None, None) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;
    use crate::analysis::waste::{analyze, WasteOptions};

    #[test]
    fn parts_and_totals_match_the_waste_report() {
        let img = image(
            vec![
                ("base", vec![file("bin/sh", 10, 1), file("etc/a", 5, 2)]),
                ("apt", vec![file("var/lib/apt/lists/P", 700, 3)]),
                ("dl", vec![file("opt/big", 4000, 4), file("etc/a", 6, 5)]),
                ("rm", vec![whiteout("opt/big")]),
            ],
            None,
        );
        let w = analyze(&img, &WasteOptions::default());
        let s = FsSizes::new(&img, &w);
        let root = s.totals(ROOT);
        assert_eq!(root.hidden, w.reclaimable_bytes);
        assert_eq!(root.cache, w.cache_bytes);
        assert_eq!(
            root.bytes(),
            w.visible_file_bytes + w.reclaimable_bytes,
            "every regular file byte, once"
        );
        assert_eq!((root.visible, root.cache, root.hidden), (16, 700, 4005));
        let a = img.tree.find(b"etc/a").unwrap();
        assert_eq!(
            s.parts(a),
            [
                Part {
                    kind: Kind::Hidden { layer: 0, by: 2 },
                    bytes: 5
                },
                Part {
                    kind: Kind::Visible(2),
                    bytes: 6
                }
            ]
        );
        let opt = img.tree.find(b"opt").unwrap();
        assert_eq!((s.below(opt), s.files_below(opt)), (4000, 1));
        assert_eq!(s.dominant(opt), Some(Kind::Hidden { layer: 2, by: 3 }));
        assert_eq!(s.dominant(ROOT), Some(Kind::Hidden { layer: 2, by: 3 }));
    }
}
