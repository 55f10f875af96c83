//! Hot paths: indexing a layer's tar stream, building the merged view, dive's efficiency pass.
//! The end-to-end comparison with dive (time and peak memory on a 200k-file image) is
//! `benches/compare_dive.sh`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use layerlens::index::{index_tar, Keep, LayerIndex, MergedTree};

/// A layer of `files` small files spread over 100 directories.
fn layer(files: usize, seed: u8) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..files {
        let data = vec![seed.wrapping_add(i as u8); 64 + (i % 7) * 100];
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(
            &mut h,
            format!("usr/share/d{}/file-{i}.dat", i % 100),
            &data[..],
        )
        .unwrap();
    }
    b.into_inner().unwrap()
}

fn bench(c: &mut Criterion) {
    let tar = layer(50_000, 1);
    let mut g = c.benchmark_group("index");
    g.throughput(Throughput::Bytes(tar.len() as u64));
    g.sample_size(10);
    g.bench_function("index_tar 50k files", |b| {
        b.iter(|| {
            index_tar(&tar[..], Keep::Documents, &mut |_| {})
                .unwrap()
                .0
                .len()
        })
    });
    g.finish();

    let layers: Vec<LayerIndex> = (0..4u8)
        .map(|s| {
            index_tar(&layer(50_000, s)[..], Keep::Documents, &mut |_| {})
                .unwrap()
                .0
        })
        .collect();
    let mut g = c.benchmark_group("merge");
    g.sample_size(10);
    g.bench_function("MergedTree::build 4x50k", |b| {
        b.iter_batched(|| layers.clone(), MergedTree::build, BatchSize::LargeInput)
    });
    let tree = MergedTree::build(layers.clone());
    g.bench_function("changes_in_layer 50k", |b| {
        b.iter(|| tree.changes_in_layer(3).len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
