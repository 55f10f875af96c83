//! TUI hot paths on a generated image: building the first frame's model and drawing it, and
//! one key press (update + render). Set LAYERLENS_BENCH_IMAGE to a big image (e.g. the
//! 200k-file /tmp/bench-200k.tar from gen_bench_image.py); the default is the small testdata
//! image.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use layerlens::source::{load, LoadOptions, NoProgress};
use layerlens::tui::app::{update, Action, App};
use layerlens::tui::view::render;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn image() -> Arc<layerlens::Image> {
    let path = std::env::var("LAYERLENS_BENCH_IMAGE")
        .unwrap_or_else(|_| format!("{}/testdata/classic.docker.tar", env!("CARGO_MANIFEST_DIR")));
    Arc::new(load(&path, None, &LoadOptions::default(), &NoProgress).unwrap())
}

fn bench(c: &mut Criterion) {
    let image = image();
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut g = c.benchmark_group("tui");
    g.sample_size(20);
    g.bench_function("first_frame", |b| {
        b.iter(|| {
            let app = App::with_image(image.clone(), None, 120, 40);
            term.draw(|f| render(&app, f)).unwrap();
            black_box(app.browse.as_ref().unwrap().tree.rows().len())
        })
    });
    let n = image.layers.len();
    let mut app = App::with_image(image.clone(), None, 120, 40);
    // Warm every layer's view once, as a user paging through layers would.
    for _ in 0..n {
        update(&mut app, Action::Down);
    }
    let mut step = 0usize;
    let keys = [Action::Down, Action::Up];
    g.bench_function("key_next_layer_cached", |b| {
        b.iter(|| {
            step += 1;
            update(&mut app, keys[step % 2].clone());
            term.draw(|f| render(&app, f)).unwrap();
        })
    });
    update(&mut app, Action::ToggleView);
    g.bench_function("key_tree_down", |b| {
        b.iter(|| {
            update(&mut app, Action::Down);
            term.draw(|f| render(&app, f)).unwrap();
        })
    });
    g.bench_function("key_page_down", |b| {
        b.iter(|| {
            update(&mut app, Action::PageDown);
            term.draw(|f| render(&app, f)).unwrap();
        })
    });
    g.bench_function("key_toggle_unmodified", |b| {
        b.iter(|| {
            update(
                &mut app,
                Action::ToggleKind(layerlens::index::Change::Unmodified),
            );
            term.draw(|f| render(&app, f)).unwrap();
        })
    });
    g.bench_function("key_collapse_all", |b| {
        b.iter(|| {
            update(&mut app, Action::ToggleCollapseAll);
            term.draw(|f| render(&app, f)).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
