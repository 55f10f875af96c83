//! The merged (overlay) view of all layers, without a tree copy per layer.
//!
//! Every path any layer mentions is one node of a single tree. Each node keeps the short list of
//! events that layers applied to it (an entry, a whiteout, an opaque marker, or an implied parent
//! directory). The state of a path after layer `i` is its last event at or below `i`, unless an
//! ancestor was reset (whited out, made opaque, or replaced by a non-directory) by a layer after
//! that event and at or below `i`. **Memory grows with the number of paths plus entries, never
//! with layers × paths.**

use std::sync::Arc;

use super::entry::{EntryKind, EntryRef};
use super::layer::LayerIndex;
use super::path::common_prefix;

/// Index of a node in the merged tree. The root (the empty path) is [`ROOT`].
pub type NodeId = u32;
/// The root directory.
pub const ROOT: NodeId = 0;

/// What a layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Modified,
    Removed,
    Unmodified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    /// An entry that is not a directory.
    Entry,
    /// A directory entry.
    Dir,
    /// No entry, but the layer put something under this path: an implied directory.
    ImplicitDir,
    Whiteout,
    Opaque,
}

#[derive(Debug, Clone, Copy)]
struct Event {
    layer: u32,
    /// Index into the layer's entries (unused for implied directories).
    entry: u32,
    kind: EventKind,
}

impl Event {
    /// Whether this event hides what earlier layers put below the node.
    fn resets_children(&self) -> bool {
        matches!(
            self.kind,
            EventKind::Entry | EventKind::Whiteout | EventKind::Opaque
        )
    }
}

#[derive(Debug)]
struct Node {
    /// The name's place in [`Names`].
    name_at: u64,
    name_len: u32,
    parent: NodeId,
    /// Where its children are in [`Children`] (0: none yet).
    children: u32,
    events: Events,
}

/// Every directory's children in bytewise name order, each list exactly as long as needed
/// (rebuilt whole when a layer adds children). A node keeps its list's index, and every node
/// without children shares the empty list at 0: a million files cost 4 bytes each, not the 16
/// of an empty box.
#[derive(Debug)]
struct Children(Vec<Box<[NodeId]>>);

impl Default for Children {
    fn default() -> Children {
        Children(vec![Box::default()])
    }
}

impl Children {
    fn of(&self, node: &Node) -> &[NodeId] {
        &self.0[node.children as usize]
    }

    /// Replaces `node`'s children with `list`.
    fn set(&mut self, node: &mut Node, list: Box<[NodeId]>) {
        if node.children == 0 {
            // At most one list per node, and node ids are u32.
            node.children = self.0.len() as u32;
            self.0.push(list);
        } else {
            self.0[node.children as usize] = list;
        }
    }
}

/// Every node's name, end to end in one buffer: a million names cost one allocation, not a
/// million small ones (each at least 32 bytes with the allocator's header).
#[derive(Debug, Default)]
struct Names(Vec<u8>);

impl Names {
    fn of<'n>(&'n self, node: &Node) -> &'n [u8] {
        let at = node.name_at as usize;
        &self.0[at..at + node.name_len as usize]
    }

    /// Stores a name; returns where it is.
    fn add(&mut self, name: &[u8]) -> (u64, u32) {
        let at = self.0.len() as u64;
        self.0.extend_from_slice(name);
        // A name is one path component of a tar member, at most 1 MiB (tarstream's limit).
        (at, u32::try_from(name.len()).unwrap_or(u32::MAX))
    }
}

/// A node's events, most often just one: kept inline then, so the million nodes of a large
/// image cost no allocation each. 16 bytes (the rare list is boxed).
#[derive(Debug)]
enum Events {
    None,
    One(Event),
    #[allow(clippy::box_collection)]
    Many(Box<Vec<Event>>),
}

impl Events {
    fn push(&mut self, e: Event) {
        *self = match std::mem::replace(self, Events::None) {
            Events::None => Events::One(e),
            Events::One(first) => Events::Many(Box::new(vec![first, e])),
            Events::Many(mut all) => {
                all.push(e);
                Events::Many(all)
            }
        };
    }
}

impl std::ops::Deref for Events {
    type Target = [Event];
    fn deref(&self) -> &[Event] {
        match self {
            Events::None => &[],
            Events::One(e) => std::slice::from_ref(e),
            Events::Many(all) => all,
        }
    }
}

/// Where the visible state of a path after some layer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The layer that last wrote the path.
    pub layer: usize,
    /// The entry it wrote, or `None` for a directory implied by its contents.
    pub entry: Option<usize>,
}

/// Every layer's index and the union of their paths, queryable at any layer.
#[derive(Debug)]
pub struct MergedTree {
    /// Shared with the loader: a layer listed twice is one index.
    layers: Vec<Arc<LayerIndex>>,
    nodes: Vec<Node>,
    names: Names,
    children: Children,
    /// For each layer, the nodes it has events on (each once).
    touched: Vec<Vec<NodeId>>,
    /// Per node, which layers reset something above it: see [`AncestorResets`].
    resets: AncestorResets,
}

/// For every node, the set of layers in which one of its strict ancestors (the root excluded)
/// was reset: whited out, made opaque, or replaced by a non-directory. "Is this path visible
/// after layer L" then costs a look at one bit set instead of a walk up to the root, so a path
/// 100,000 components deep costs no more per query than a shallow one.
///
/// The sets are bit sets of `words` u64s each, stored once in `bits`; a node whose parent
/// resets nothing shares its parent's set, so there are as many sets as nodes that reset
/// something and have children, at most.
#[derive(Debug, Default)]
struct AncestorResets {
    words: usize,
    bits: Vec<u64>,
    /// Per node, the set its children inherit (index into `bits` / `words`).
    below: Vec<u32>,
}

impl AncestorResets {
    fn compute(nodes: &[Node], children: &Children, layer_count: usize) -> AncestorResets {
        let words = layer_count.div_ceil(64).max(1);
        let mut sets = AncestorResets {
            words,
            bits: vec![0; words],
            below: Vec::with_capacity(nodes.len()),
        };
        let mut own = vec![0u64; words];
        // Parents come before their children in `nodes`, so one pass in id order suffices.
        for (id, node) in nodes.iter().enumerate() {
            if id == ROOT as usize {
                sets.below.push(0);
                continue;
            }
            let inherited = sets.below[node.parent as usize];
            own.iter_mut().for_each(|w| *w = 0);
            for e in node.events.iter().filter(|e| e.resets_children()) {
                own[e.layer as usize / 64] |= 1 << (e.layer % 64);
            }
            let base = inherited as usize * words;
            let adds = own
                .iter()
                .zip(&sets.bits[base..base + words])
                .any(|(o, b)| o & !b != 0);
            if !adds || children.of(node).is_empty() {
                sets.below.push(inherited);
                continue;
            }
            let new = sets.bits.len() / words;
            for (w, o) in own.iter().enumerate() {
                let b = sets.bits[base + w] | o;
                sets.bits.push(b);
            }
            sets.below.push(new as u32);
        }
        sets
    }

    /// Whether an ancestor of the node (whose parent is `parent`) was reset by a layer in
    /// `after+1 ..= upto`.
    fn any_between(&self, parent: NodeId, after: u32, upto: u32) -> bool {
        if after >= upto {
            return false;
        }
        let set = self.below[parent as usize] as usize * self.words;
        let bits = &self.bits[set..set + self.words];
        let (lo, hi) = (after + 1, upto.min((self.words * 64 - 1) as u32));
        (lo as usize / 64..=hi as usize / 64).any(|w| {
            let mut word = bits[w];
            let start = (w * 64) as u32;
            if lo > start {
                word &= !0u64 << (lo - start);
            }
            if hi < start + 63 {
                word &= (1u64 << (hi - start + 1)) - 1;
            }
            word != 0
        })
    }
}

impl MergedTree {
    /// Builds the merged view of `layers`, bottom layer first.
    pub fn build<L: Into<Arc<LayerIndex>>>(layers: Vec<L>) -> MergedTree {
        let layers: Vec<Arc<LayerIndex>> = layers.into_iter().map(Into::into).collect();
        let mut tree = MergedTree {
            layers: Vec::new(),
            nodes: vec![Node {
                name_at: 0,
                name_len: 0,
                parent: ROOT,
                children: 0,
                events: Events::None,
            }],
            names: Names::default(),
            children: Children::default(),
            touched: Vec::with_capacity(layers.len()),
            resets: AncestorResets::default(),
        };
        let orders = path_orders(&layers);
        // Per node: the last layer that marked it touched (u32::MAX = never).
        let mut last_touch: Vec<u32> = vec![u32::MAX];
        // Per node: the last layer whose implied parents were checked through it.
        let mut checked_at: Vec<u32> = Vec::new();
        // Per node checked in the current layer: the latest layer that reset one of its strict
        // ancestors (NONE: none did). Computed top-down, so no check walks up to the root.
        let mut above: Vec<u32> = Vec::new();
        const NONE: u32 = u32::MAX;

        for (li, layer) in layers.iter().enumerate() {
            let li32 = li as u32;
            let mut touched = Vec::new();
            let ids = intern_layer(
                &mut tree.nodes,
                &mut tree.names,
                &mut tree.children,
                layer,
                &orders[li],
            );
            for (ei, (entry, &id)) in layer.entries.iter().zip(&ids).enumerate() {
                last_touch.resize(tree.nodes.len(), u32::MAX);
                let kind = match entry.kind {
                    EntryKind::Whiteout => EventKind::Whiteout,
                    EntryKind::Opaque => EventKind::Opaque,
                    EntryKind::Dir => EventKind::Dir,
                    _ => EventKind::Entry,
                };
                tree.nodes[id as usize].events.push(Event {
                    layer: li32,
                    entry: ei as u32,
                    kind,
                });
                if last_touch[id as usize] != li32 {
                    last_touch[id as usize] = li32;
                    touched.push(id);
                }
            }
            tree.touched.push(touched);

            // Parents a layer relies on without listing them become implied directories.
            let mut implied = Vec::new();
            checked_at.resize(tree.nodes.len(), u32::MAX);
            above.resize(tree.nodes.len(), NONE);
            for &id in &tree.touched[li] {
                let node = &tree.nodes[id as usize];
                let last = node.events.iter().rev().find(|e| e.layer == li32);
                let needs_self = matches!(last, Some(e) if e.kind == EventKind::Opaque)
                    && !node
                        .events
                        .iter()
                        .any(|e| e.layer == li32 && e.kind == EventKind::Dir);
                let creates = matches!(
                    last,
                    Some(e) if matches!(e.kind, EventKind::Entry | EventKind::Dir)
                ) || needs_self;
                if !creates {
                    continue;
                }
                let mut chain = Vec::new();
                let mut a = if needs_self { id } else { node.parent };
                while a != ROOT && checked_at[a as usize] != li32 {
                    checked_at[a as usize] = li32;
                    chain.push(a);
                    a = tree.nodes[a as usize].parent;
                }
                // `a` is the root or a node checked earlier in this layer: its `above` is known.
                let mut reset_above = match a {
                    ROOT => NONE,
                    _ => max_reset(above[a as usize], &tree.nodes[a as usize]),
                };
                for &a in chain.iter().rev() {
                    above[a as usize] = reset_above;
                    let node = &tree.nodes[a as usize];
                    reset_above = max_reset(reset_above, node);
                    let has_own = node.events.iter().any(|e| {
                        e.layer == li32 && matches!(e.kind, EventKind::Dir | EventKind::Entry)
                    });
                    if has_own {
                        continue;
                    }
                    let visible = node
                        .events
                        .iter()
                        .rev()
                        .find(|e| e.kind != EventKind::Opaque)
                        .filter(|ev| {
                            ev.kind != EventKind::Whiteout
                                && (above[a as usize] == NONE || above[a as usize] <= ev.layer)
                        });
                    let is_dir = visible.is_some_and(|ev| match ev.kind {
                        EventKind::ImplicitDir => true,
                        _ => {
                            layers[ev.layer as usize].entries[ev.entry as usize].kind
                                == EntryKind::Dir
                        }
                    });
                    if !is_dir {
                        implied.push(a);
                    }
                }
            }
            for a in implied {
                tree.nodes[a as usize].events.push(Event {
                    layer: li32,
                    entry: 0,
                    kind: EventKind::ImplicitDir,
                });
                if last_touch[a as usize] != li32 {
                    last_touch[a as usize] = li32;
                    tree.touched[li].push(a);
                }
            }
        }

        tree.names.0.shrink_to_fit();
        tree.resets = AncestorResets::compute(&tree.nodes, &tree.children, layers.len());
        tree.layers = layers;
        tree
    }

    /// Number of layers.
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// One layer's index.
    pub fn layer(&self, i: usize) -> &LayerIndex {
        &self.layers[i]
    }

    /// All layers' indexes, bottom first.
    pub fn layers(&self) -> &[Arc<LayerIndex>] {
        &self.layers
    }

    /// Number of distinct paths across all layers, the root included.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// A node's last path component.
    pub fn name(&self, id: NodeId) -> &[u8] {
        self.names.of(&self.nodes[id as usize])
    }

    /// A node's parent (the root is its own parent).
    pub fn parent(&self, id: NodeId) -> NodeId {
        self.nodes[id as usize].parent
    }

    /// A node's children in bytewise name order: every path any layer put below it.
    pub fn children(&self, id: NodeId) -> &[NodeId] {
        self.children.of(&self.nodes[id as usize])
    }

    /// The full path of a node, no leading `/`.
    pub fn path(&self, id: NodeId) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut n = id;
        while n != ROOT {
            parts.push(self.name(n));
            n = self.nodes[n as usize].parent;
        }
        parts.reverse();
        parts.join(&b'/')
    }

    /// The node for a normalised path, if any layer mentions it.
    pub fn find(&self, path: &[u8]) -> Option<NodeId> {
        let mut id = ROOT;
        for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
            let kids = self.children(id);
            let pos = kids.binary_search_by(|&c| self.name(c).cmp(part)).ok()?;
            id = kids[pos];
        }
        Some(id)
    }

    /// Every entry (not a directory, whiteout or opaque marker) any layer wrote at a path, as
    /// (layer, entry), bottom layer first.
    pub fn versions(&self, id: NodeId) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.nodes[id as usize]
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Entry)
            .map(|e| (e.layer as usize, e.entry as usize))
    }

    /// A node's child by name, if any layer put one there.
    pub fn child(&self, id: NodeId, name: &[u8]) -> Option<NodeId> {
        let kids = self.children(id);
        kids.binary_search_by(|&c| self.name(c).cmp(name))
            .ok()
            .map(|pos| kids[pos])
    }

    /// The node a path names in the filesystem after `layer`, following symlinks in its
    /// directory components as the kernel would (not in its last component), so a package
    /// database's `/bin/ls` finds `usr/bin/ls` under a `bin -> usr/bin` link. At most 40 links;
    /// `None` when a component does not exist at `layer`.
    pub fn resolve(&self, path: &[u8], layer: usize) -> Option<NodeId> {
        let mut todo: Vec<Vec<u8>> = path
            .split(|&b| b == b'/')
            .filter(|p| !p.is_empty())
            .rev()
            .map(<[u8]>::to_vec)
            .collect();
        let mut id = ROOT;
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            match &part[..] {
                b"." => continue,
                b".." => {
                    id = self.parent(id);
                    continue;
                }
                _ => {}
            }
            let next = self.child(id, &part)?;
            let origin = self.visible(next, layer)?;
            match self.entry(origin) {
                Some(e) if e.kind == EntryKind::Symlink && !todo.is_empty() => {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    let target = e.link.unwrap_or_default();
                    if target.starts_with(b"/") {
                        id = ROOT;
                    }
                    todo.extend(
                        target
                            .split(|&b| b == b'/')
                            .filter(|p| !p.is_empty())
                            .rev()
                            .map(<[u8]>::to_vec),
                    );
                }
                _ => id = next,
            }
        }
        Some(id)
    }

    /// Every entry of layer `layer` with the node of its path (for a whiteout, the path it
    /// deletes; for an opaque marker, its directory), as (entry index, node). A node's entries
    /// come in tar order; nodes in the order the layer first touched them.
    pub fn layer_entries(&self, layer: usize) -> impl Iterator<Item = (usize, NodeId)> + '_ {
        let layer = layer as u32;
        self.touched[layer as usize].iter().flat_map(move |&id| {
            // Events are in layer order: find this layer's run without scanning the others.
            let events = &self.nodes[id as usize].events;
            let start = events.partition_point(|e| e.layer < layer);
            events[start..]
                .iter()
                .take_while(move |e| e.layer == layer)
                .filter(|e| e.kind != EventKind::ImplicitDir)
                .map(move |e| (e.entry as usize, id))
        })
    }

    /// Nodes a layer has entries for (and directories it implies), in tar order.
    pub fn touched(&self, layer: usize) -> &[NodeId] {
        &self.touched[layer]
    }

    /// Where the path's visible state after `layer` comes from; `None` when the path does
    /// not exist in the filesystem of layers `0..=layer`.
    pub fn visible(&self, id: NodeId, layer: usize) -> Option<Origin> {
        if id == ROOT {
            return Some(Origin {
                layer: 0,
                entry: None,
            });
        }
        let layer = layer as u32;
        let node = &self.nodes[id as usize];
        let ev = node
            .events
            .iter()
            .rev()
            .find(|e| e.layer <= layer && e.kind != EventKind::Opaque)?;
        if ev.kind == EventKind::Whiteout || self.resets.any_between(node.parent, ev.layer, layer) {
            return None;
        }
        Some(Origin {
            layer: ev.layer as usize,
            entry: (ev.kind != EventKind::ImplicitDir).then_some(ev.entry as usize),
        })
    }

    /// Whether layer `layer` has a whiteout for exactly this path.
    pub fn whiteout_at(&self, id: NodeId, layer: usize) -> bool {
        self.nodes[id as usize]
            .events
            .iter()
            .any(|e| e.layer == layer as u32 && e.kind == EventKind::Whiteout)
    }

    /// Whether layer `layer` lists something other than a directory at exactly this path (a
    /// file, a link, a whiteout or an opaque marker): what replaces, at a directory's path,
    /// everything the layers below put under it.
    pub fn non_dir_at(&self, id: NodeId, layer: usize) -> bool {
        self.nodes[id as usize]
            .events
            .iter()
            .any(|e| e.layer == layer as u32 && e.resets_children())
    }

    /// The entry an origin points at (`None` for an implied directory).
    pub fn entry(&self, origin: Origin) -> Option<EntryRef<'_>> {
        origin.entry.map(|e| self.layers[origin.layer].entry(e))
    }

    /// The visible entry of a path after `layer`.
    pub fn visible_entry(&self, id: NodeId, layer: usize) -> Option<EntryRef<'_>> {
        self.visible(id, layer).and_then(|o| self.entry(o))
    }

    /// Whether the path is a directory after `layer` (an implied directory counts).
    pub fn is_dir_at(&self, id: NodeId, layer: usize) -> bool {
        match self.visible(id, layer) {
            Some(o) => self.entry(o).is_none_or(|e| e.kind == EntryKind::Dir),
            None => false,
        }
    }

    /// The layers at which the path's state may differ from the layer below (its own events'
    /// layers and the layers that reset one of its ancestors), ascending, each once, into
    /// `out` (cleared first). Between two of them, [`MergedTree::visible`] answers the same.
    pub fn turning_layers(&self, id: NodeId, out: &mut Vec<usize>) {
        out.clear();
        if id == ROOT {
            return;
        }
        let node = &self.nodes[id as usize];
        out.extend(node.events.iter().map(|e| e.layer as usize));
        let r = &self.resets;
        let set = r.below[node.parent as usize] as usize * r.words;
        for (w, &bits) in r.bits[set..set + r.words].iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                out.push(w * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The node's only event, when it alone decides the path at every layer: one entry or
    /// (possibly implied) directory, and no ancestor ever reset by any layer. The path then
    /// exists after layer `l` exactly when `l >= origin.layer`.
    pub fn sole_origin(&self, id: NodeId) -> Option<Origin> {
        if id == ROOT {
            return None;
        }
        let node = &self.nodes[id as usize];
        let Events::One(ev) = node.events else {
            return None;
        };
        // Set 0 is the empty set; any other holds a reset.
        if self.resets.below[node.parent as usize] != 0 {
            return None;
        }
        match ev.kind {
            EventKind::Entry | EventKind::Dir => Some(Origin {
                layer: ev.layer as usize,
                entry: Some(ev.entry as usize),
            }),
            EventKind::ImplicitDir => Some(Origin {
                layer: ev.layer as usize,
                entry: None,
            }),
            EventKind::Whiteout | EventKind::Opaque => None,
        }
    }

    /// How the path differs between the filesystem after layer `from` (`None`: empty) and
    /// after layer `to`. `None` when the path exists in neither.
    pub fn change_between(&self, id: NodeId, from: Option<usize>, to: usize) -> Option<Change> {
        self.compare(id, from, to).0
    }

    /// [`MergedTree::change_between`], with where the path's state comes from after `from`
    /// and after `to`.
    pub fn compare(
        &self,
        id: NodeId,
        from: Option<usize>,
        to: usize,
    ) -> (Option<Change>, Option<Origin>, Option<Origin>) {
        let before = from.and_then(|f| self.visible(id, f));
        let after = self.visible(id, to);
        let change = match (before, after) {
            (None, None) => None,
            (None, Some(_)) => Some(Change::Added),
            (Some(_), None) => Some(Change::Removed),
            (Some(b), Some(a)) if a == b => Some(Change::Unmodified),
            (Some(b), Some(a)) => match (self.entry(b), self.entry(a)) {
                (Some(x), Some(y)) if x.same_object(&y) => Some(Change::Unmodified),
                (None, None) => Some(Change::Unmodified),
                _ => Some(Change::Modified),
            },
        };
        (change, before, after)
    }

    /// What layer `layer` itself did to the path (against the layers below it).
    pub fn change_in_layer(&self, id: NodeId, layer: usize) -> Option<Change> {
        self.change_between(id, layer.checked_sub(1), layer)
    }

    /// Every path layer `layer` added, modified or removed, with the change, in tree order
    /// of discovery. Paths hidden under a removed or opaque directory are listed too.
    pub fn changes_in_layer(&self, layer: usize) -> Vec<(NodeId, Change)> {
        let mut out = Vec::new();
        // A flag per node, not a hash set: a layer can touch a million paths.
        let mut seen = vec![false; self.nodes.len()];
        for &id in &self.touched[layer] {
            let resets = self.nodes[id as usize]
                .events
                .iter()
                .any(|e| e.layer == layer as u32 && e.resets_children());
            let mut stack = vec![id];
            while let Some(n) = stack.pop() {
                if std::mem::replace(&mut seen[n as usize], true) {
                    continue;
                }
                if let Some(c) = self.change_in_layer(n, layer) {
                    if c != Change::Unmodified {
                        out.push((n, c));
                    }
                }
                if resets {
                    stack.extend_from_slice(self.children(n));
                }
            }
        }
        out
    }

    /// Calls `f` for every node below `id` (not `id` itself), parents before children,
    /// children in name order.
    pub fn walk(&self, id: NodeId, f: &mut dyn FnMut(NodeId)) {
        let mut stack: Vec<NodeId> = self.children(id).iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            f(n);
            stack.extend(self.children(n).iter().rev());
        }
    }
}

/// The latest of `so_far` and the layers in which `node` itself resets its children
/// (`u32::MAX` stands for none).
fn max_reset(so_far: u32, node: &Node) -> u32 {
    let own = node
        .events
        .iter()
        .filter(|e| e.resets_children())
        .map(|e| e.layer)
        .max();
    match (so_far, own) {
        (u32::MAX, own) => own.unwrap_or(u32::MAX),
        (s, Some(o)) => s.max(o),
        (s, None) => s,
    }
}

/// The order of `entries` by path, component by component (a directory's whole subtree sorts
/// before a sibling whose name extends the directory's: `a/b` < `a-b`). Stable: entries of one
/// path keep their tar order. Tar streams are mostly in this order already, so this is about
/// one comparison per entry.
fn path_order(layer: &LayerIndex) -> Vec<u32> {
    fn key(b: u8) -> u8 {
        // No name holds a NUL, so `/` can sort as one.
        if b == b'/' {
            0
        } else {
            b
        }
    }
    // The paths themselves are sorted, not entry indexes: one indirection less per comparison.
    let mut paths: Vec<(&[u8], u32)> = layer
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (layer.path(e), i as u32))
        .collect();
    paths.sort_by(|(a, _), (b, _)| match common_prefix(a, b) {
        i if i < a.len().min(b.len()) => key(a[i]).cmp(&key(b[i])),
        _ => a.len().cmp(&b.len()),
    });
    paths.into_iter().map(|(_, i)| i).collect()
}

/// [`path_order`] for every layer, the layers shared out over the cores.
fn path_orders(layers: &[Arc<LayerIndex>]) -> Vec<Vec<u32>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = layers.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let jobs: Vec<_> = layers
            .chunks(per)
            .map(|chunk| s.spawn(move || chunk.iter().map(|l| path_order(l)).collect::<Vec<_>>()))
            .collect();
        jobs.into_iter()
            .flat_map(|j| j.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// One directory on the path being interned: its node, where its name ends in the path,
/// how far its (sorted) children have been searched, and the children this layer adds to it,
/// each with the position it goes to.
struct Level {
    node: NodeId,
    end: usize,
    cursor: usize,
    added: Vec<(usize, NodeId)>,
}

/// Finds or creates the node of every entry's path, visiting the paths in [`path_order`]: each
/// directory is then entered once, its children are searched forward from where the last
/// search stopped, and the children a layer adds are merged into the sorted list when the walk
/// leaves the directory. No hashing, no recursion; children stay in bytewise name order, and a
/// node's parent is created before it.
fn intern_layer(
    nodes: &mut Vec<Node>,
    names: &mut Names,
    children: &mut Children,
    layer: &LayerIndex,
    order: &[u32],
) -> Vec<NodeId> {
    fn leave(nodes: &mut [Node], children: &mut Children, level: Level) {
        if level.added.is_empty() {
            return;
        }
        let node = &mut nodes[level.node as usize];
        let old = children.of(node);
        let mut merged = Vec::with_capacity(old.len() + level.added.len());
        let mut from = 0;
        for (at, id) in level.added {
            merged.extend_from_slice(&old[from..at]);
            merged.push(id);
            from = at;
        }
        merged.extend_from_slice(&old[from..]);
        children.set(node, merged.into_boxed_slice());
    }
    let mut ids = vec![ROOT; layer.len()];
    let mut stack = vec![Level {
        node: ROOT,
        end: 0,
        cursor: 0,
        added: Vec::new(),
    }];
    let mut prev: &[u8] = b"";
    for &ei in order {
        let path = layer.path(&layer.entries[ei as usize]);
        let same = common_prefix(path, prev);
        // Keep the directories this path shares with the previous one (the root always).
        let keep = 1 + stack[1..]
            .iter()
            .take_while(|l| l.end <= same && (l.end == path.len() || path[l.end] == b'/'))
            .count();
        while stack.len() > keep {
            if let Some(level) = stack.pop() {
                leave(nodes, children, level);
            }
        }
        let mut pos = if keep == 1 {
            0
        } else {
            stack[keep - 1].end + 1
        };
        while pos < path.len() {
            let end = memchr::memchr(b'/', &path[pos..]).map_or(path.len(), |i| pos + i);
            let name = &path[pos..end];
            let Some(level) = stack.last_mut() else {
                break;
            };
            let child = match level.added.last() {
                // The same path again (a layer may list one twice).
                Some(&(_, id)) if names.of(&nodes[id as usize]) == name => id,
                _ => {
                    let kids = &children.of(&nodes[level.node as usize])[level.cursor..];
                    // Gallop forward, then search the last stretch.
                    let mut hi = 1;
                    while hi <= kids.len() && names.of(&nodes[kids[hi - 1] as usize]) < name {
                        hi *= 2;
                    }
                    let lo = hi / 2;
                    let at = lo
                        + kids[lo..hi.min(kids.len())]
                            .partition_point(|&c| names.of(&nodes[c as usize]) < name);
                    level.cursor += at;
                    match kids.get(at) {
                        Some(&c) if names.of(&nodes[c as usize]) == name => c,
                        _ => {
                            let id = nodes.len() as NodeId;
                            let (name_at, name_len) = names.add(name);
                            nodes.push(Node {
                                name_at,
                                name_len,
                                parent: level.node,
                                children: 0,
                                events: Events::None,
                            });
                            level.added.push((level.cursor, id));
                            id
                        }
                    }
                }
            };
            stack.push(Level {
                node: child,
                end,
                cursor: 0,
                added: Vec::new(),
            });
            pos = end + 1;
        }
        ids[ei as usize] = stack.last().map_or(ROOT, |l| l.node);
        prev = path;
    }
    while let Some(level) = stack.pop() {
        leave(nodes, children, level);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::OwnedEntry;

    #[test]
    fn a_node_costs_40_bytes() {
        // A million-file image has a million nodes: each byte here is a megabyte there.
        assert_eq!(std::mem::size_of::<Events>(), 16);
        assert_eq!(std::mem::size_of::<Node>(), 40);
    }

    fn e(path: &str, kind: EntryKind, size: u64, digest: u128) -> OwnedEntry {
        OwnedEntry {
            path: path.as_bytes().into(),
            kind,
            type_flag: match kind {
                EntryKind::Dir => b'5',
                EntryKind::Symlink => b'2',
                _ => b'0',
            },
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link: None,
            content: crate::index::content_digest(digest),
            hint: Default::default(),
        }
    }
    fn file(path: &str, size: u64, digest: u128) -> OwnedEntry {
        e(path, EntryKind::File, size, digest)
    }
    fn dir(path: &str) -> OwnedEntry {
        e(path, EntryKind::Dir, 0, 0)
    }
    fn wh(path: &str) -> OwnedEntry {
        e(path, EntryKind::Whiteout, 0, 0)
    }
    fn opq(path: &str) -> OwnedEntry {
        e(path, EntryKind::Opaque, 0, 0)
    }
    fn tree(layers: Vec<Vec<OwnedEntry>>) -> MergedTree {
        MergedTree::build(layers.into_iter().map(LayerIndex::from_entries).collect())
    }
    fn listing(t: &MergedTree, layer: usize) -> Vec<String> {
        let mut out = Vec::new();
        t.walk(ROOT, &mut |n| {
            if t.visible(n, layer).is_some() {
                out.push(String::from_utf8(t.path(n)).unwrap());
            }
        });
        out
    }

    /// Interning sorts each layer's paths, whatever order the tar has them in, and merges a
    /// later layer's new names into the sorted children of existing directories; a path listed
    /// twice is one node; `a/x` sorts as a child of `a`, before the sibling `a-b`.
    #[test]
    fn paths_in_any_order_make_sorted_children() {
        let t = tree(vec![
            vec![
                file("b/z", 1, 1),
                file("c", 1, 2),
                file("b/m", 1, 3),
                dir("a"),
            ],
            vec![
                file("b/n", 1, 4),
                file("a-b", 1, 5),
                file("b/a", 1, 6),
                file("a/x", 1, 7),
                file("b/n", 2, 8),
                file("b/zz/q", 1, 9),
            ],
        ]);
        let names = |id: NodeId| -> Vec<String> {
            t.children(id)
                .iter()
                .map(|&c| String::from_utf8(t.name(c).to_vec()).unwrap())
                .collect()
        };
        assert_eq!(names(ROOT), ["a", "a-b", "b", "c"]);
        let b = t.find(b"b").unwrap();
        assert_eq!(names(b), ["a", "m", "n", "z", "zz"]);
        assert_eq!(names(t.find(b"a").unwrap()), ["x"]);
        // Both entries of b/n are events of one node, the later one visible.
        let n = t.find(b"b/n").unwrap();
        assert_eq!(t.versions(n).collect::<Vec<_>>(), [(1, 0), (1, 4)]);
        assert_eq!(t.visible_entry(n, 1).map(|e| e.size), Some(2));
        assert_eq!(t.node_count(), 12);
        // Each entry's node, in tar order, and every parent before its children.
        let entries: Vec<_> = t.layer_entries(1).collect();
        assert_eq!(entries.len(), 6);
        for (ei, id) in entries {
            assert_eq!(t.path(id), t.layer(1).entry(ei).path.to_vec());
            assert!(t.parent(id) < id);
        }
    }

    #[test]
    fn whiteout_removes_a_file_and_a_whole_directory() {
        let t = tree(vec![
            vec![
                dir("a"),
                file("a/x", 10, 1),
                dir("b"),
                file("b/y", 5, 2),
                file("b/z", 6, 3),
            ],
            vec![wh("a/x"), wh("b")],
        ]);
        assert_eq!(listing(&t, 0), ["a", "a/x", "b", "b/y", "b/z"]);
        assert_eq!(listing(&t, 1), ["a"]);
        let mut changes: Vec<_> = t
            .changes_in_layer(1)
            .into_iter()
            .map(|(n, c)| (String::from_utf8(t.path(n)).unwrap(), c))
            .collect();
        changes.sort();
        assert_eq!(
            changes,
            [
                ("a/x".into(), Change::Removed),
                ("b".into(), Change::Removed),
                ("b/y".into(), Change::Removed),
                ("b/z".into(), Change::Removed),
            ]
        );
    }

    #[test]
    fn opaque_directory_hides_lower_contents_but_keeps_its_own() {
        let t = tree(vec![
            vec![dir("d"), file("d/old", 1, 1)],
            vec![dir("d"), opq("d"), file("d/new", 2, 2)],
        ]);
        assert_eq!(listing(&t, 1), ["d", "d/new"]);
        let d = t.find(b"d").unwrap();
        assert_eq!(t.change_in_layer(d, 1), Some(Change::Unmodified));
        assert_eq!(
            t.change_in_layer(t.find(b"d/old").unwrap(), 1),
            Some(Change::Removed)
        );
        assert_eq!(
            t.change_in_layer(t.find(b"d/new").unwrap(), 1),
            Some(Change::Added)
        );
    }

    #[test]
    fn file_replaced_by_symlink_and_dir_replaced_by_file() {
        let t = tree(vec![
            vec![file("f", 3, 1), dir("d"), file("d/in", 4, 2)],
            vec![e("f", EntryKind::Symlink, 0, 0), file("d", 7, 3)],
        ]);
        assert_eq!(listing(&t, 1), ["d", "f"]);
        assert_eq!(
            t.change_in_layer(t.find(b"f").unwrap(), 1),
            Some(Change::Modified)
        );
        assert_eq!(
            t.change_in_layer(t.find(b"d/in").unwrap(), 1),
            Some(Change::Removed)
        );
        assert_eq!(
            t.visible_entry(t.find(b"f").unwrap(), 1).unwrap().kind,
            EntryKind::Symlink
        );
    }

    #[test]
    fn modified_vs_unmodified_by_content_and_mode() {
        let mut chmod = file("m", 3, 9);
        chmod.mode = 0o755;
        let t = tree(vec![
            vec![file("same", 3, 7), file("content", 3, 8), file("m", 3, 9)],
            vec![file("same", 3, 7), file("content", 3, 1), chmod],
        ]);
        let c = |p: &[u8]| t.change_in_layer(t.find(p).unwrap(), 1);
        assert_eq!(c(b"same"), Some(Change::Unmodified));
        assert_eq!(c(b"content"), Some(Change::Modified));
        assert_eq!(c(b"m"), Some(Change::Modified));
    }

    #[test]
    fn missing_parents_are_implied_directories() {
        let t = tree(vec![
            vec![file("usr/lib/x", 1, 1)],
            vec![wh("usr"), file("usr/y", 1, 2)],
        ]);
        assert_eq!(listing(&t, 0), ["usr", "usr/lib", "usr/lib/x"]);
        let usr = t.find(b"usr").unwrap();
        assert!(t.is_dir_at(usr, 0));
        assert!(t.visible_entry(usr, 0).is_none());
    }

    #[test]
    fn deleted_then_readded_directory_does_not_bring_back_old_children() {
        let t = tree(vec![
            vec![dir("d"), file("d/a", 1, 1)],
            vec![wh("d")],
            vec![dir("d"), file("d/b", 1, 2)],
        ]);
        assert_eq!(listing(&t, 1), Vec::<String>::new());
        assert_eq!(listing(&t, 2), ["d", "d/b"]);
        assert_eq!(
            t.change_between(t.find(b"d/a").unwrap(), Some(0), 2),
            Some(Change::Removed)
        );
    }

    #[test]
    fn resolves_paths_through_symlinked_directories() {
        let mut link = e("bin", EntryKind::Symlink, 0, 0);
        link.link = Some(b"usr/bin".to_vec().into_boxed_slice());
        let mut abs = e("lib64", EntryKind::Symlink, 0, 0);
        abs.link = Some(b"/usr/lib".to_vec().into_boxed_slice());
        let mut lf = e("usr/bin/sh", EntryKind::Symlink, 0, 0);
        lf.link = Some(b"dash".to_vec().into_boxed_slice());
        let mut l0 = vec![file("usr/bin/ls", 5, 1), file("usr/lib/ld.so", 9, 2)];
        l0.extend([link, abs, lf]);
        let t = tree(vec![l0, vec![e("usr/lib/.x", EntryKind::Whiteout, 0, 0)]]);
        let at = |p: &str, l| t.resolve(p.as_bytes(), l).map(|n| t.path(n));
        assert_eq!(at("/bin/ls", 1), Some(b"usr/bin/ls".to_vec()));
        assert_eq!(at("lib64/ld.so", 1), Some(b"usr/lib/ld.so".to_vec()));
        // The last component is not followed: the symlink itself is named.
        assert_eq!(at("/usr/bin/sh", 1), Some(b"usr/bin/sh".to_vec()));
        assert_eq!(at("bin/../bin/ls", 1), Some(b"usr/bin/ls".to_vec()));
        assert_eq!(at("/bin/missing", 1), None);
    }
}
