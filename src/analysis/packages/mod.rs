//! Which package owns each visible file: the package databases the image ships (dpkg, apk,
//! rpm's SQLite database, Python's dist-info and egg-info, npm's `package.json`s), read from the
//! documents the indexer kept, attributed to the final filesystem. **Every visible regular file
//! belongs to at most one package** (system packages first, then Python, then npm), the rest to
//! "no package", so the packages' bytes plus the unowned bytes are the visible file bytes.
//!
//! A database that cannot be read (too large, damaged, an rpm format layerlens does not read) is
//! a warning in the report; the rest of the analysis goes on.

pub mod graph;
mod language;
mod system;

use serde::Serialize;

use super::final_view::FinalView;
use crate::image::Image;
use crate::index::pkgdb::Ecosystem;
use crate::index::{path, DocContent, DocKind, Document, NodeId, ROOT};

/// A package's relations, as far as the analyses need them (dpkg and apk).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relations {
    /// Each group is one dependency, satisfied by any of its alternatives (Depends and
    /// Pre-Depends).
    pub depends: Vec<Vec<String>>,
    pub recommends: Vec<Vec<String>>,
    /// Virtual names the package provides.
    pub provides: Vec<String>,
    /// Essential or of priority `required`: the system needs it whatever is installed.
    pub required: bool,
}

/// One installed package and what of it the final image shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    /// Bytes of the package's regular files the final image shows.
    pub size_bytes: u64,
    /// How many of them.
    pub files: usize,
    /// The layer that installed it: the first whose database lists it.
    pub layer: Option<usize>,
    /// Installed automatically (as a dependency or a recommendation), when the database says
    /// (apt's `extended_states`, apk's `world`, pip's `REQUESTED`, the app's `package.json`).
    pub auto: Option<bool>,
    /// npm: a development dependency (npm's lockfile marks it `dev`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dev: Option<bool>,
    /// Where a language package lives (its folder), no leading `/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The visible files, as (node, layer, entry).
    #[serde(skip)]
    pub owned: Vec<(NodeId, usize, usize)>,
    #[serde(skip)]
    pub relations: Relations,
}

impl Package {
    /// The visible files as (layer, entry), for claims.
    pub fn instances(&self) -> Vec<(usize, usize)> {
        self.owned.iter().map(|&(_, l, e)| (l, e)).collect()
    }
}

/// Every package and the bytes no package owns.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Packages {
    /// Largest first.
    pub packages: Vec<Package>,
    /// Visible regular-file bytes no package owns.
    pub unowned_bytes: u64,
    pub unowned_files: usize,
    /// Databases that could not be read, each naming the file and why.
    pub warnings: Vec<String>,
    /// Per node: the index of its package in `packages`, or `NONE`.
    #[serde(skip)]
    owner: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Packages {
    /// The package owning a node's visible file, if any.
    pub fn owner_of(&self, n: NodeId) -> Option<&Package> {
        match self.owner.get(n as usize) {
            Some(&i) if i != NONE => self.packages.get(i as usize),
            _ => None,
        }
    }

    /// The package of one ecosystem with this name.
    pub fn find(&self, ecosystem: Ecosystem, name: &str) -> Option<&Package> {
        self.packages
            .iter()
            .find(|p| p.ecosystem == ecosystem && p.name == name)
    }
}

/// What attribution works with: the image, its final view, and the ownership so far.
pub(crate) struct Attribution<'a> {
    pub image: &'a Image,
    pub view: &'a FinalView,
    pub packages: Vec<Package>,
    pub warnings: Vec<String>,
    owner: Vec<u32>,
}

impl<'a> Attribution<'a> {
    /// The document a visible file is, when the indexer kept one for it.
    pub fn visible_doc(&self, p: &str) -> Option<(usize, &'a Document)> {
        let n = self.image.tree.find(p.as_bytes())?;
        self.doc_at_node(n)
    }

    /// The document the visible file at a node is.
    pub fn doc_at_node(&self, n: NodeId) -> Option<(usize, &'a Document)> {
        let o = self.view.origin(n)?;
        let e = o.entry?;
        doc_of(self.image, o.layer, e).map(|d| (o.layer, d))
    }

    /// A document's bytes, or a warning saying why it is not read.
    pub fn bytes(&mut self, layer: usize, doc: &'a Document) -> Option<&'a [u8]> {
        match &doc.content {
            DocContent::Bytes(b) => Some(b),
            DocContent::TooLarge { size, limit } => {
                let p = path::escape(self.image.tree.layer(layer).entry(doc.entry).path);
                self.warnings.push(format!(
                    "/{p} (layer {layer}) is {size} bytes, over the {limit} bytes layerlens \
                     reads of it: the packages it lists are not attributed"
                ));
                None
            }
        }
    }

    /// Adds a package owning the visible regular files among `nodes` that no package owns
    /// yet; returns its index.
    pub fn add(&mut self, mut pkg: Package, nodes: impl IntoIterator<Item = NodeId>) -> usize {
        let idx = self.packages.len();
        let tree = &self.image.tree;
        for n in nodes {
            let slot = &mut self.owner[n as usize];
            if *slot != NONE {
                continue;
            }
            if let Some((l, e, entry)) = self.view.file(tree, n) {
                *slot = idx as u32;
                pkg.size_bytes = pkg.size_bytes.saturating_add(entry.size);
                pkg.files += 1;
                pkg.owned.push((n, l, e));
            }
        }
        self.packages.push(pkg);
        idx
    }

    /// Whether a node's visible file already belongs to a package.
    pub fn is_owned(&self, n: NodeId) -> bool {
        self.owner.get(n as usize).is_some_and(|&o| o != NONE)
    }

    /// Every visible document of a kind, with its layer and path.
    pub fn visible_docs(&self, kind: DocKind) -> Vec<(usize, &'a Document, String)> {
        let tree = &self.image.tree;
        let mut out = Vec::new();
        for (li, layer) in tree.layers().iter().enumerate() {
            for d in layer.documents.iter().filter(|d| d.kind == kind) {
                let e = layer.entry(d.entry);
                let visible = tree.find(e.path).and_then(|n| self.view.origin(n));
                if visible.is_some_and(|o| o.layer == li && o.entry == Some(d.entry)) {
                    out.push((li, d, path::escape(e.path)));
                }
            }
        }
        out
    }

    /// Every version of a document at `p` any layer wrote, bottom layer first.
    pub fn all_versions(&self, p: &str) -> Vec<(usize, &'a Document)> {
        let tree = &self.image.tree;
        let mut out = Vec::new();
        for (li, layer) in tree.layers().iter().enumerate() {
            for d in &layer.documents {
                if layer.entry(d.entry).path == p.as_bytes() {
                    out.push((li, d));
                }
            }
        }
        out
    }
}

/// The document kept for entry `entry` of layer `layer`, if any.
pub fn doc_of(image: &Image, layer: usize, entry: usize) -> Option<&Document> {
    let docs = &image.tree.layer(layer).documents;
    docs.binary_search_by_key(&entry, |d| d.entry)
        .ok()
        .map(|i| &docs[i])
}

/// Reads every package database the final image shows and attributes its files.
pub fn attribute(image: &Image, view: &FinalView) -> Packages {
    let mut a = Attribution {
        image,
        view,
        packages: Vec::new(),
        warnings: Vec::new(),
        owner: vec![NONE; image.tree.node_count()],
    };
    if image.layers.is_empty() {
        return Packages::default();
    }
    system::dpkg(&mut a);
    system::apk(&mut a);
    system::rpm(&mut a);
    language::python(&mut a);
    language::npm(&mut a);

    // Largest first; the owner map follows the new order.
    let mut order: Vec<usize> = (0..a.packages.len()).collect();
    order.sort_by(|&x, &y| {
        let (p, q) = (&a.packages[x], &a.packages[y]);
        q.size_bytes
            .cmp(&p.size_bytes)
            .then(p.ecosystem.cmp(&q.ecosystem))
            .then_with(|| p.name.cmp(&q.name))
            .then_with(|| p.location.cmp(&q.location))
    });
    let mut rank = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        rank[old] = new as u32;
    }
    for o in a.owner.iter_mut().filter(|o| **o != NONE) {
        *o = rank[*o as usize];
    }
    let mut slots: Vec<Option<Package>> = a.packages.into_iter().map(Some).collect();
    let packages: Vec<Package> = order.iter().filter_map(|&i| slots[i].take()).collect();

    let (mut unowned_bytes, mut unowned_files) = (0u64, 0usize);
    view.files_below(&image.tree, ROOT, &mut |n, _, _, e| {
        if a.owner[n as usize] == NONE {
            unowned_bytes = unowned_bytes.saturating_add(e.size);
            unowned_files += 1;
        }
    });
    Packages {
        packages,
        unowned_bytes,
        unowned_files,
        // A warning quotes what the database holds: escaped like a path.
        warnings: a
            .warnings
            .iter()
            .map(|w| path::escape(w.as_bytes()))
            .collect(),
        owner: a.owner,
    }
}
