//! Property tests over mutated inputs (stable Rust, `proptest`): the tar reader, the layer
//! indexer with the overlay merge, and the manifest readers get valid inputs with bits
//! flipped, bytes overwritten, tails cut, pieces of other archives spliced in and header
//! fields set to random values. None may panic or hang, and what they return holds its
//! invariants. `tests/bad_input.rs` mutates whole `docker save` archives through the loader;
//! these go one level down, a few thousand cases in all, bounded for CI.

mod common;

use std::io::Read as _;

use common::tarcraft::{self, end, file, gnu_long, pax, Magic};
use common::{layer_tar, F};
use layerlens::index::{index_tar, path, EntryKind, Keep, MergedTree};
use layerlens::source::manifest;
use layerlens::tarstream::{Chunk, TarReader};
use proptest::prelude::*;
use proptest::test_runner::Config;

const FRAGS: &[(u64, &[u8])] = &[(1024, b"hello"), (9000, b"end")];

/// Valid archives the mutations start from: every header kind the reader knows.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        layer_tar(&[
            F::Dir("etc"),
            F::File("etc/a.conf", b"abc".to_vec()),
            F::Symlink("etc/l", "a.conf"),
            F::Hardlink("etc/h", "etc/a.conf"),
            F::Whiteout("etc/old"),
            F::Opaque("var"),
            F::PaxFile(format!("usr/{}", "p".repeat(120)), common::bytes(700, 3)),
            F::LongFile(format!("opt/{}", "l".repeat(130)), common::bytes(9, 4)),
        ]),
        [
            tarcraft::gnu_sparse("app/disk.img", 10_000, FRAGS),
            tarcraft::pax_sparse("0.0", "a/zero", 10_000, FRAGS),
            tarcraft::pax_sparse("0.1", "a/one", 10_000, FRAGS),
            tarcraft::pax_sparse("1.0", "a/ten", 10_000, FRAGS),
            file("app/.env", b"KEY=1\n"),
            end(),
        ]
        .concat(),
        [
            pax(
                b'x',
                &[("path", b"app/pax"), ("size", b"4"), ("uid", b"70000")],
            ),
            file("app/short", b"data"),
            pax(b'g', &[("comment", b"global")]),
            gnu_long(b'L', b"app/long-name"),
            gnu_long(b'K', b"app/long-link"),
            tarcraft::header(b"app/link", b'2', 0, Magic::Gnu, |_| {}).to_vec(),
            end(),
        ]
        .concat(),
    ]
}

/// One mutation of an archive.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: usize,
        bit: u8,
    },
    SetByte {
        at: usize,
        value: u8,
    },
    Truncate {
        at: usize,
    },
    /// Copies `len` bytes of seed `from` (at `src`) over `at`.
    Splice {
        from: usize,
        src: usize,
        len: usize,
        at: usize,
    },
    /// Writes `text` into a header field of block `block` (checksum fixed after), so the
    /// mutation passes the checksum and reaches the parsing behind it.
    Field {
        block: usize,
        field: usize,
        text: Vec<u8>,
    },
}

/// Header fields (offset, length) a `Field` mutation writes: size, mode, uid, type flag,
/// magic, the sparse map and its flag, the real size, the name.
const FIELDS: &[(usize, usize)] = &[
    (124, 12),
    (100, 8),
    (108, 8),
    (156, 1),
    (257, 8),
    (386, 24),
    (482, 1),
    (483, 12),
    (0, 100),
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let text = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..12),
        // Numbers as tar writes them, and ones that do not fit.
        any::<u64>().prop_map(|n| format!("{n:o}").into_bytes()),
        any::<u32>().prop_map(|n| format!("{:011o}\0", n).into_bytes()),
        Just(vec![0xff; 12]),
        Just(b"S".to_vec()),
        Just(b"x".to_vec()),
        Just(b"g".to_vec()),
        Just(b"ustar \0".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::SetByte { at, value }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<usize>(), 1usize..2048, any::<usize>())
            .prop_map(|(from, src, len, at)| Mutation::Splice { from, src, len, at }),
        (any::<usize>(), any::<usize>(), text).prop_map(|(block, field, text)| Mutation::Field {
            block,
            field,
            text
        }),
    ]
}

fn apply(seeds: &[Vec<u8>], base: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut m = seeds[base % seeds.len()].clone();
    for mu in mutations {
        if m.is_empty() {
            break;
        }
        let n = m.len();
        match mu {
            Mutation::FlipBit { at, bit } => m[at % n] ^= 1 << bit,
            Mutation::SetByte { at, value } => m[at % n] = *value,
            Mutation::Truncate { at } => m.truncate(at % n),
            Mutation::Splice { from, src, len, at } => {
                let other = &seeds[from % seeds.len()];
                let src = src % other.len();
                let len = (*len).min(other.len() - src).min(n - at % n);
                let at = at % n;
                m[at..at + len].copy_from_slice(&other[src..src + len]);
            }
            Mutation::Field { block, field, text } => {
                let blocks = n / tarcraft::BLOCK;
                if blocks == 0 {
                    continue;
                }
                let start = (block % blocks) * tarcraft::BLOCK;
                let (off, len) = FIELDS[field % FIELDS.len()];
                let b: &mut [u8; tarcraft::BLOCK] =
                    (&mut m[start..start + tarcraft::BLOCK]).try_into().unwrap();
                let k = text.len().min(len);
                b[off..off + k].copy_from_slice(&text[..k]);
                tarcraft::checksum(b);
            }
        }
    }
    m
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(1500))]

    /// The reader: every entry's content is exactly its size (data plus holes) or an error,
    /// and the stream position never passes the input.
    #[test]
    fn tar_reader_reads_or_refuses(base in any::<usize>(), ms in prop::collection::vec(mutation(), 1..6)) {
        let seeds = seeds();
        let input = apply(&seeds, base, &ms);
        let mut r = TarReader::new(&input[..]);
        let mut buf = vec![0u8; 4096];
        'entries: for _ in 0..10_000 {
            let h = match r.next_header() {
                Ok(Some(h)) => h,
                Ok(None) | Err(_) => break,
            };
            prop_assert!(h.offset < input.len() as u64);
            let mut logical = 0u64;
            loop {
                match r.read_chunk(&mut buf) {
                    Ok(Chunk::End) => break,
                    Ok(Chunk::Data(n)) => {
                        prop_assert!(n > 0 && n <= buf.len());
                        logical += n as u64;
                    }
                    Ok(Chunk::Zeros(n)) => {
                        prop_assert!(n > 0);
                        logical += n;
                    }
                    Err(_) => break 'entries,
                }
                prop_assert!(logical <= h.size, "read {} of a {}-byte entry", logical, h.size);
            }
            if h.has_data() {
                prop_assert_eq!(logical, h.size);
            }
            prop_assert!(r.position() <= input.len() as u64);
        }
    }

    /// The layer indexer and the overlay merge: names normalised, sizes adding up, and a
    /// merged tree whose every node is reachable by its path.
    #[test]
    fn layers_index_and_merge_or_refuse(
        bases in prop::collection::vec(any::<usize>(), 1..4),
        ms in prop::collection::vec(mutation(), 0..4),
    ) {
        let seeds = seeds();
        let mut layers = Vec::new();
        for (i, base) in bases.iter().enumerate() {
            let input = apply(&seeds, *base, if i == 0 { &ms } else { &ms[..ms.len() / 2] });
            let Ok((index, _)) = index_tar(&input[..], Keep::Documents, &mut |_| {}) else {
                continue;
            };
            let mut sum = 0u64;
            for e in index.iter() {
                prop_assert!(!e.path.is_empty() || e.kind == EntryKind::Opaque);
                let normal = path::normalize(e.path).ok();
                prop_assert_eq!(normal.as_deref(), Some(e.path));
                prop_assert!(e.kind == EntryKind::File || e.content == [0, 0]);
                sum += e.size;
            }
            prop_assert!(sum <= index.size);
            prop_assert!(index.tar_bytes <= input.len() as u64);
            layers.push(index);
        }
        let count = layers.len();
        let tree = MergedTree::build(layers);
        prop_assert_eq!(tree.layer_count(), count);
        for id in 0..tree.node_count().min(2_000) {
            let id = id as layerlens::index::NodeId;
            let p = tree.path(id);
            prop_assert_eq!(tree.find(&p), Some(id));
        }
    }

    /// The manifest readers: `docker save`'s manifest.json, an OCI index, manifest and
    /// config, each mutated; every answer is a value or an error.
    #[test]
    fn manifests_parse_or_refuse(doc in 0usize..4, ms in prop::collection::vec(mutation(), 1..5)) {
        let docs = documents();
        let input = apply(&docs, doc, &ms);
        match doc % docs.len() {
            0 => {
                if let Ok(entries) = manifest::parse_docker_save(&input) {
                    prop_assert!(!entries.is_empty());
                }
            }
            1 => {
                let _ = manifest::parse_index(&input, "index.json");
            }
            2 => {
                if let Ok(m) = manifest::parse_manifest(&input, "manifest") {
                    let _ = manifest::manifest_layers(&m);
                }
            }
            _ => {
                if let Ok(c) = manifest::ImageConfig::parse(&input, "config") {
                    let _ = c.layer_history(3);
                }
            }
        }
    }
}

/// Valid documents of each kind the manifest readers take.
fn documents() -> Vec<Vec<u8>> {
    let digest = format!("sha256:{}", "a".repeat(64));
    vec![
        serde_json::to_vec(&serde_json::json!([{
            "Config": "c.json", "RepoTags": ["x:latest"], "Layers": ["l/layer.tar", "m/layer.tar"],
        }]))
        .unwrap(),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": digest, "size": 10,
                           "platform": {"architecture": "amd64", "os": "linux"},
                           "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
        }))
        .unwrap(),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": 3},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": 7}],
        }))
        .unwrap(),
        serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "config": {"User": "app", "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [digest, digest]},
            "history": [{"created_by": "a"}, {"created_by": "b", "empty_layer": true}, {"created_by": "c"}],
        }))
        .unwrap(),
    ]
}

/// The unmutated seeds read whole, so the mutations start from archives that work.
#[test]
fn the_seeds_are_valid() {
    for (i, seed) in seeds().iter().enumerate() {
        let mut r = TarReader::new(&seed[..]);
        let mut n = 0;
        while let Some(_h) = r.next_header().unwrap() {
            let mut sink = Vec::new();
            r.data().read_to_end(&mut sink).unwrap();
            n += 1;
        }
        assert!(n >= 2, "seed {i}: {n} entries");
    }
    let docs = documents();
    assert_eq!(manifest::parse_docker_save(&docs[0]).unwrap().len(), 1);
    manifest::parse_index(&docs[1], "index").unwrap();
    manifest::manifest_layers(&manifest::parse_manifest(&docs[2], "m").unwrap()).unwrap();
    manifest::ImageConfig::parse(&docs[3], "config").unwrap();
}
