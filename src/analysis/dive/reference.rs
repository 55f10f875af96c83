//! dive's pass as dive runs it: one tree per layer built by name, and a stack of them. Used
//! for the images [`super::merged_walk`] cannot describe by node ids, and as the tests' oracle.

use std::collections::HashMap;

use super::{DiveFileRecord, Tally};
use crate::index::{Entry, EntryKind, MergedTree};

#[derive(Debug, Clone, Copy)]
struct Info {
    size: i64,
    is_dir: bool,
    /// (layer, entry index) of the entry this node carries.
    entry: Option<(u32, u32)>,
}

#[derive(Debug)]
struct Node {
    name: Box<[u8]>,
    children: Vec<u32>,
    info: Option<Info>,
}

/// A dive-style file tree (arena; removed subtrees are detached, not freed).
#[derive(Debug)]
pub(crate) struct DiveTree {
    nodes: Vec<Node>,
}

impl DiveTree {
    fn new() -> DiveTree {
        DiveTree {
            nodes: vec![Node {
                name: Box::default(),
                children: Vec::new(),
                info: None,
            }],
        }
    }

    fn child(&self, parent: u32, name: &[u8]) -> Result<usize, usize> {
        self.nodes[parent as usize]
            .children
            .binary_search_by(|&c| (*self.nodes[c as usize].name).cmp(name))
    }

    /// A new child with no info, at position `at` of `parent`'s sorted children.
    fn insert_child(&mut self, parent: u32, at: usize, name: &[u8]) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            name: name.into(),
            children: Vec::new(),
            info: None,
        });
        self.nodes[parent as usize].children.insert(at, id);
        id
    }

    /// dive's `AddPath`: creates missing nodes with empty info, sets the last node's info.
    fn add_path(&mut self, path: &[u8], info: Option<Info>) {
        let mut node = 0u32;
        for name in path.split(|&b| b == b'/').filter(|n| !n.is_empty()) {
            node = match self.child(node, name) {
                Ok(i) => self.nodes[node as usize].children[i],
                Err(i) => self.insert_child(node, i, name),
            };
        }
        if node != 0 {
            self.nodes[node as usize].info = info;
        }
    }

    fn get(&self, path: &[u8]) -> Option<u32> {
        let mut node = 0u32;
        for name in path.split(|&b| b == b'/').filter(|n| !n.is_empty()) {
            let i = self.child(node, name).ok()?;
            node = self.nodes[node as usize].children[i];
        }
        Some(node)
    }

    fn subtree_size(&self, id: u32) -> i64 {
        let mut total = 0;
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            total += node.info.map_or(0, |i| i.size);
            stack.extend_from_slice(&node.children);
        }
        total
    }

    /// Visits every node but the root children-first, children in name order, with its path.
    /// Stops when `f` returns false. Iterative: an image's paths can be 100,000 deep.
    fn visit_children_first(&self, f: &mut dyn FnMut(u32, &[u8]) -> bool) {
        let mut path: Vec<u8> = Vec::new();
        // (node, how many of its children were entered, its path's length before its name)
        let mut stack: Vec<(u32, usize, usize)> = vec![(0, 0, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next, _) = *top;
            let children = &self.nodes[id as usize].children;
            if let Some(&c) = children.get(next) {
                top.1 += 1;
                let len = path.len();
                path.push(b'/');
                path.extend_from_slice(&self.nodes[c as usize].name);
                stack.push((c, 0, len));
                continue;
            }
            let Some((id, _, len)) = stack.pop() else {
                break;
            };
            if id != 0 && !f(id, &path) {
                return;
            }
            path.truncate(len);
        }
    }

    fn is_leaf(&self, id: u32) -> bool {
        self.nodes[id as usize].children.is_empty()
    }

    fn is_whiteout(&self, id: u32) -> bool {
        self.nodes[id as usize].name.starts_with(b".wh.")
    }
}

fn info_of(layer: usize, idx: usize, e: &Entry) -> Info {
    Info {
        size: e.size as i64,
        is_dir: e.kind == EntryKind::Dir,
        entry: Some((layer as u32, idx as u32)),
    }
}

/// Layer `li`'s tree, as dive builds it. Built one layer at a time, so only one layer tree
/// and the running stack exist at once.
fn layer_tree(tree: &MergedTree, li: usize) -> DiveTree {
    let mut t = DiveTree::new();
    for (ei, e) in tree.layer(li).iter().enumerate() {
        if e.kind == EntryKind::Opaque {
            continue;
        }
        t.add_path(&e.dive_name(), Some(info_of(li, ei, &e)));
    }
    t
}

/// dive's `Stack`: every node of `upper`, children first: whiteouts remove, others add.
///
/// dive adds each node by its full path, which costs the path's depth per node (quadratic in
/// a deep tree). Here the two trees are walked together, each upper node's counterpart in
/// `lower` found once from its parent's; a counterpart is created only where dive's
/// `AddPath` would create it, and a removal looks its parent up without creating it, so the
/// resulting tree is dive's.
fn stack(lower: &mut DiveTree, upper: &DiveTree) {
    struct Frame {
        up: u32,
        next: usize,
        low: Option<u32>,
    }
    /// The lower node of `frames[k]`, resolved from the nearest resolved ancestor; missing
    /// nodes are created (with no info, as `AddPath` does) when `create`, else `None`.
    fn resolve(
        lower: &mut DiveTree,
        upper: &DiveTree,
        frames: &mut [Frame],
        k: usize,
        create: bool,
    ) -> Option<u32> {
        let j = frames[..=k].iter().rposition(|f| f.low.is_some())?;
        let mut node = frames[j].low?;
        for f in &mut frames[j + 1..=k] {
            let name = &upper.nodes[f.up as usize].name;
            node = match lower.child(node, name) {
                Ok(i) => lower.nodes[node as usize].children[i],
                Err(i) if create => lower.insert_child(node, i, name),
                Err(_) => return None,
            };
            f.low = Some(node);
        }
        Some(node)
    }
    let mut frames = vec![Frame {
        up: 0,
        next: 0,
        low: Some(0),
    }];
    while let Some(top) = frames.last_mut() {
        let up = top.up;
        if let Some(&c) = upper.nodes[up as usize].children.get(top.next) {
            top.next += 1;
            frames.push(Frame {
                up: c,
                next: 0,
                low: None,
            });
            continue;
        }
        let k = frames.len() - 1;
        if k > 0 {
            if upper.is_whiteout(up) {
                if let Some(parent) = resolve(lower, upper, &mut frames, k - 1, false) {
                    let name = &upper.nodes[up as usize].name;
                    let name = name.strip_prefix(b".wh.").unwrap_or(name);
                    if let Ok(i) = lower.child(parent, name) {
                        lower.nodes[parent as usize].children.remove(i);
                    }
                }
            } else if let Some(node) = resolve(lower, upper, &mut frames, k, true) {
                lower.nodes[node as usize].info = upper.nodes[up as usize].info;
            }
        }
        frames.pop();
    }
}

fn strip_whiteout(path: &[u8]) -> Vec<u8> {
    let split = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (dir, name) = path.split_at(split);
    [dir, name.strip_prefix(b".wh.").unwrap_or(name)].concat()
}

/// dive's fileList for each layer: every node of the layer's tree, children first, with the
/// entry it carries (`None` for a parent directory the layer does not list).
pub(super) fn layer_file_lists(tree: &MergedTree) -> Vec<Vec<Option<(usize, usize)>>> {
    (0..tree.layer_count())
        .map(|li| {
            let t = layer_tree(tree, li);
            let mut out = Vec::new();
            t.visit_children_first(&mut |id, _| {
                out.push(
                    t.nodes[id as usize]
                        .info
                        .and_then(|i| i.entry)
                        .map(|(l, e)| (l as usize, e as usize)),
                );
                true
            });
            out
        })
        .collect()
}

/// Every path's tally over the layers: the sums of the minimum and cumulative sizes (the
/// `excluded` paths left out) and the inefficient paths in the order they became so.
pub(super) fn tally(
    tree: &MergedTree,
    excluded: Option<&dyn Fn(&str) -> bool>,
) -> (i64, i64, Vec<DiveFileRecord>) {
    let mut records: HashMap<Box<[u8]>, Tally> = HashMap::new();
    let mut inefficient_keys: Vec<Vec<u8>> = Vec::new();
    let mut stacked = DiveTree::new();
    for i in 0..tree.layer_count() {
        let layer = &layer_tree(tree, i);
        if i == 0 {
            // dive looks whiteouts of layers 0 and 1 up in layer 0's own tree.
            stack(&mut stacked, layer);
        }
        layer.visit_children_first(&mut |id, path| {
            if !layer.is_leaf(id) {
                return true;
            }
            let key = strip_whiteout(path);
            if !records.contains_key(key.as_slice()) {
                records.insert(key.clone().into_boxed_slice(), Tally::NEW);
            }
            let size = if layer.is_whiteout(id) {
                match stacked.get(&key) {
                    // dive stops this layer's walk here, leaving the record at min = -1.
                    None => return false,
                    Some(prev) => match stacked.nodes[prev as usize].info {
                        Some(info) if info.is_dir => stacked.subtree_size(prev),
                        _ => 0,
                    },
                }
            } else {
                layer.nodes[id as usize].info.map_or(0, |i| i.size)
            };
            let Some(rec) = records.get_mut(key.as_slice()) else {
                return false;
            };
            if rec.add(size) {
                inefficient_keys.push(key);
            }
            true
        });
        if i >= 1 {
            stack(&mut stacked, layer);
        }
    }
    if let Some(excluded) = excluded {
        records
            .retain(|k, _| !excluded(&String::from_utf8_lossy(k.strip_prefix(b"/").unwrap_or(k))));
    }
    let (mut min_sum, mut cum_sum) = (0i64, 0i64);
    for r in records.values() {
        min_sum += r.min;
        cum_sum += r.cum;
    }
    let inefficient = inefficient_keys
        .iter()
        .filter_map(|k| {
            records.get(k.as_slice()).map(|t| DiveFileRecord {
                path: String::from_utf8_lossy(k).into_owned(),
                count: t.count as usize,
                cumulative_size: t.cum,
                min_size: t.min,
            })
        })
        .collect();
    (min_sum, cum_sum, inefficient)
}
