//! Analysis: pure functions over an indexed image.

pub mod base;
pub mod caches;
pub mod diff;
pub mod dive;
pub mod duplicates;
pub mod final_view;
pub mod findings;
pub mod gosort;
pub mod hidden;
pub mod layers;
pub mod packages;
pub mod reclaimable;
pub mod secrets;
pub mod waste;

use crate::image::Image;

/// A flag per (layer, entry): a set of entries without hashing, for a million of them.
pub(crate) struct EntrySet(Vec<Vec<bool>>);

impl EntrySet {
    pub(crate) fn new(image: &Image) -> EntrySet {
        EntrySet(
            (0..image.tree.layer_count())
                .map(|l| vec![false; image.tree.layer(l).len()])
                .collect(),
        )
    }

    /// Adds an entry; true when it was not in the set yet.
    pub(crate) fn insert(&mut self, (layer, entry): (usize, usize)) -> bool {
        !std::mem::replace(&mut self.0[layer][entry], true)
    }

    pub(crate) fn contains(&self, layer: usize, entry: usize) -> bool {
        self.0[layer][entry]
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Images built from entry lists, for unit tests of the analyses.
    use crate::image::{Image, Layer, SourceKind};
    use crate::index::{EntryKind, LayerIndex, MergedTree, OwnedEntry};
    use crate::source::blob::Compression;
    use crate::source::digest::Digest;
    use crate::source::manifest::{HistoryEntry, ImageConfig};

    fn entry(path: &str, kind: EntryKind, size: u64, digest: u128) -> OwnedEntry {
        OwnedEntry {
            path: path.as_bytes().into(),
            kind,
            type_flag: if kind == EntryKind::Dir { b'5' } else { b'0' },
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link: None,
            content: crate::index::content_digest(digest),
            hint: Default::default(),
        }
    }
    /// A regular file; equal `digest` means equal content.
    pub fn file(path: &str, size: u64, digest: u128) -> OwnedEntry {
        entry(path, EntryKind::File, size, digest)
    }
    pub fn dir(path: &str) -> OwnedEntry {
        entry(path, EntryKind::Dir, 0, 0)
    }
    pub fn whiteout(path: &str) -> OwnedEntry {
        entry(path, EntryKind::Whiteout, 0, 0)
    }
    pub fn opaque(path: &str) -> OwnedEntry {
        entry(path, EntryKind::Opaque, 0, 0)
    }

    /// An image of `(command, entries)` layers, running as `user`.
    /// Random layers for property tests: 1 to `layers - 1` layers of at most `per_layer - 1`
    /// entries, each a path of 1 to `depth - 1` components from `names`, of a kind drawn from
    /// `kinds` (`File`, `Dir`, `Whiteout` or `Opaque`; repeat one to weigh it).
    pub fn arb_layers(
        names: &'static [&'static str],
        depth: usize,
        kinds: &'static [EntryKind],
        per_layer: usize,
        layers: usize,
    ) -> impl proptest::strategy::Strategy<Value = Vec<Vec<OwnedEntry>>> {
        use proptest::prelude::*;
        let entry = (
            proptest::collection::vec(0..names.len(), 1..depth),
            0..kinds.len(),
            0..50u64,
        )
            .prop_map(move |(parts, kind, size)| {
                let path = parts
                    .iter()
                    .map(|&i| names[i])
                    .collect::<Vec<_>>()
                    .join("/");
                match kinds[kind] {
                    EntryKind::File => file(&path, size, size as u128 % 3),
                    EntryKind::Dir => dir(&path),
                    EntryKind::Whiteout => whiteout(&path),
                    _ => opaque(&path),
                }
            });
        proptest::collection::vec(proptest::collection::vec(entry, 0..per_layer), 1..layers)
    }

    pub fn image(layers: Vec<(&str, Vec<OwnedEntry>)>, user: Option<&str>) -> Image {
        let mut metas = Vec::new();
        let mut indexes = Vec::new();
        for (i, (cmd, entries)) in layers.into_iter().enumerate() {
            let size = entries.iter().map(|e| e.size).sum();
            let d = Digest::of(format!("layer {i}").as_bytes());
            metas.push(Layer {
                index: i,
                blob_digest: d.clone(),
                blob_size: size,
                diff_id: d,
                compression: Compression::None,
                media_type: None,
                location: format!("{i}/layer.tar"),
                history: Some(HistoryEntry {
                    created_by: Some(format!("/bin/sh -c {cmd}")),
                    ..Default::default()
                }),
                size,
                dockerfile: None,
            });
            let mut index = LayerIndex::from_entries(entries);
            index.size = size;
            indexes.push(index);
        }
        Image {
            reference: "test".into(),
            source: SourceKind::DockerArchive,
            config: ImageConfig {
                user: user.map(str::to_string),
                ..Default::default()
            },
            config_digest: Digest::of(b"config"),
            manifest_digest: None,
            repo_tags: Vec::new(),
            layers: metas,
            tree: MergedTree::build(indexes),
            dockerfile: None,
        }
    }
}
