//! TUI hot paths on a generated image: building the first frame's model and drawing it, and
//! one key press (update + draw) for each kind of key: a layer switch (its view computed
//! afresh, and cached), the aggregated view, scrolling, toggles, collapse all, the filter, a
//! character typed into the search (a text the tree answered recently, and a new one each
//! time); opening the findings and the wasted-bytes list (an open
//! and a close per iteration), and moving in the findings.
//! Set LAYERLENS_BENCH_IMAGE to a big image (e.g. the 200k-file /tmp/bench-200k.tar from
//! gen_bench_image.py); the default is the small testdata image.
//!
//! `cargo bench --bench tui` (with LAYERLENS_BENCH_IMAGE=/tmp/bench-200k.tar for the figures
//! in the README).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use layerlens::index::Change;
use layerlens::source::{load, LoadOptions, NoProgress};
use layerlens::tui::app::{update, Action, Analysis, App};
use layerlens::tui::tree::SortOrder;
use layerlens::tui::view::render;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Keys for typing into the filter or the search: a character, then a backspace, in turn.
#[derive(Default)]
struct Typing {
    typed: bool,
    digit: u32,
}

impl Typing {
    /// The next key. The character is `9` each time (a text the tree answered recently), or,
    /// when `fresh`, the ten digits in turn: more texts than the eight answers the tree keeps.
    fn next(&mut self, fresh: bool) -> Action {
        self.typed = !self.typed;
        if !self.typed {
            return Action::InputBackspace;
        }
        if !fresh {
            return Action::InputChar('9');
        }
        self.digit = (self.digit + 1) % 10;
        Action::InputChar(char::from_digit(self.digit, 10).unwrap_or('0'))
    }
}

fn image() -> Arc<layerlens::Image> {
    let path = std::env::var("LAYERLENS_BENCH_IMAGE")
        .unwrap_or_else(|_| format!("{}/testdata/classic.docker.tar", env!("CARGO_MANIFEST_DIR")));
    Arc::new(load(&path, None, &LoadOptions::default(), &NoProgress).unwrap())
}

/// Selects the last layer in the layers pane, in the current layer's compare mode.
fn to_last_layer(app: &mut App) {
    let n = app.browse.as_ref().map_or(0, |b| b.image.layers.len());
    while app.browse.as_ref().is_some_and(|b| b.layer + 1 < n) {
        update(app, Action::Down);
    }
}

/// Every change kind shown, in name order (the most rows a key can list).
fn show_everything(app: &mut App) {
    let tree = &app.browse.as_ref().unwrap().tree;
    if !tree.options.show.unmodified {
        update(app, Action::ToggleKind(Change::Unmodified));
    }
    let tree = &app.browse.as_ref().unwrap().tree;
    if tree.options.sort != SortOrder::Name {
        update(app, Action::ToggleSort);
    }
}

/// Computes the current layer's view afresh, no directory sorted by size yet: the view cache
/// keeps the current layer's view, so another layer is current while it is dropped (on an
/// image of one layer there is none, and the view stays cached).
fn fresh_view(app: &mut App) {
    let b = app.browse.as_mut().unwrap();
    let (layer, n) = (b.layer, b.image.layers.len());
    b.tree.set_layer(&b.image.tree, (layer + 1) % n.max(1));
    b.tree.forget_views();
    b.tree.set_layer(&b.image.tree, layer);
}

fn bench(c: &mut Criterion) {
    let image = image();
    eprintln!(
        "image: {} layers, {} paths",
        image.layers.len(),
        image.tree.node_count()
    );
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut g = c.benchmark_group("tui");
    g.sample_size(20);
    g.bench_function("first_frame", |b| {
        b.iter(|| {
            let app = App::with_image(image.clone(), None, 120, 40);
            term.draw(|f| render(&app, f)).unwrap();
            black_box(app.browse.as_ref().unwrap().tree.row_count())
        })
    });
    let n = image.layers.len();
    let mut app = App::with_image(image.clone(), None, 120, 40);
    let press = |app: &mut App, term: &mut Terminal<TestBackend>, a: Action| {
        update(app, a);
        term.draw(|f| render(app, f)).unwrap();
    };
    // Layers pane: down to the last layer and back, every view computed afresh.
    let mut step = 0usize;
    let mut next_layer = |app: &App| {
        step += 1;
        let layer = app.browse.as_ref().unwrap().layer;
        if (step / n.max(1)).is_multiple_of(2) && layer + 1 < n || layer == 0 {
            Action::Down
        } else {
            Action::Up
        }
    };
    g.bench_function("key_layer_switch_cold", |b| {
        b.iter(|| {
            app.browse.as_mut().unwrap().tree.forget_views();
            let a = next_layer(&app);
            press(&mut app, &mut term, a);
        })
    });
    g.bench_function("key_layer_switch_cached", |b| {
        b.iter(|| {
            let a = next_layer(&app);
            press(&mut app, &mut term, a);
        })
    });
    // The first sort by size of a view: the layer's view is computed afresh untimed, then
    // the sort builds that view's size order (timed), and name order comes back untimed.
    g.bench_function("key_toggle_sort_fresh_view", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                app.browse.as_mut().unwrap().tree.forget_views();
                let a = next_layer(&app);
                press(&mut app, &mut term, a);
                let start = std::time::Instant::now();
                press(&mut app, &mut term, Action::ToggleSort);
                total += start.elapsed();
                press(&mut app, &mut term, Action::ToggleSort);
            }
            total
        })
    });
    // Every bench below starts from one stated state, whatever the iteration counts above
    // left: the last layer (its whiteouts included), every change kind shown, name order.
    to_last_layer(&mut app);
    let mut aggregated = false;
    g.bench_function("key_toggle_aggregated_cold", |b| {
        b.iter(|| {
            app.browse.as_mut().unwrap().tree.forget_views();
            aggregated = !aggregated;
            let a = if aggregated {
                Action::CompareAll
            } else {
                Action::CompareLayer
            };
            press(&mut app, &mut term, a);
        })
    });
    update(&mut app, Action::CompareLayer);
    update(&mut app, Action::ToggleView);
    g.bench_function("key_tree_down", |b| {
        b.iter(|| press(&mut app, &mut term, Action::Down))
    });
    g.bench_function("key_page_down", |b| {
        b.iter(|| press(&mut app, &mut term, Action::PageDown))
    });
    let (column, row) = (100, 20);
    g.bench_function("mouse_wheel_tree", |b| {
        b.iter(|| {
            press(
                &mut app,
                &mut term,
                Action::Scroll {
                    column,
                    row,
                    delta: 1,
                },
            )
        })
    });
    g.bench_function("key_toggle_unmodified", |b| {
        b.iter(|| press(&mut app, &mut term, Action::ToggleKind(Change::Unmodified)))
    });
    show_everything(&mut app);
    g.bench_function("key_toggle_sort", |b| {
        b.iter(|| press(&mut app, &mut term, Action::ToggleSort))
    });
    show_everything(&mut app);
    update(&mut app, Action::StartFilter);
    let mut keys = Typing::default();
    g.bench_function("key_filter_char", |b| {
        b.iter(|| press(&mut app, &mut term, keys.next(false)))
    });
    g.bench_function("key_filter_char_uncached", |b| {
        b.iter(|| press(&mut app, &mut term, keys.next(true)))
    });
    update(&mut app, Action::InputCancel);
    // Search as you type: every character searches every path and jumps to the first match.
    update(&mut app, Action::StartSearch);
    update(&mut app, Action::InputChar('f'));
    let mut keys = Typing::default();
    g.bench_function("key_search_char", |b| {
        b.iter(|| press(&mut app, &mut term, keys.next(false)))
    });
    g.bench_function("key_search_char_uncached", |b| {
        b.iter(|| press(&mut app, &mut term, keys.next(true)))
    });
    // The first character of a search in size order, in a view computed afresh (untimed): the
    // walk sorts the directories its hits lie in (here nearly all). Each character is timed;
    // its backspace is not.
    update(&mut app, Action::InputCancel);
    update(&mut app, Action::ToggleSort);
    update(&mut app, Action::StartSearch);
    let mut keys = Typing::default();
    g.bench_function("key_search_first_char_size_fresh_view", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                fresh_view(&mut app);
                let char = keys.next(true);
                let start = std::time::Instant::now();
                press(&mut app, &mut term, char);
                total += start.elapsed();
                press(&mut app, &mut term, keys.next(true));
            }
            total
        })
    });
    // Then, in a view computed afresh and a search submitted (a digit, untimed): `n`, which
    // walks on from the match it is at to the next, sorting only the directories between
    // them; `N` at the first match, which walks back from the end to the last; and `N` at
    // the last (reached untimed), which walks back from it to the one before. None lists
    // every match (in size order, that would sort every directory holding one).
    update(&mut app, Action::InputCancel);
    let mut digit = 0;
    for (name, before, key) in [
        ("key_search_next_size_fresh_view", None, Action::SearchNext),
        (
            "key_search_prev_wrap_size_fresh_view",
            None,
            Action::SearchPrev,
        ),
        (
            "key_search_prev_size_fresh_view",
            Some(Action::SearchPrev),
            Action::SearchPrev,
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    fresh_view(&mut app);
                    digit = (digit + 1) % 10;
                    let typed = char::from_digit(digit, 10).unwrap_or('0');
                    for a in [
                        Action::StartSearch,
                        Action::InputChar(typed),
                        Action::InputSubmit,
                    ]
                    .into_iter()
                    .chain(before.clone())
                    {
                        update(&mut app, a);
                    }
                    let start = std::time::Instant::now();
                    press(&mut app, &mut term, key.clone());
                    total += start.elapsed();
                    // A step that found no search would time a message, not a walk.
                    assert!(app.message.is_none(), "{name}: {:?}", app.message);
                }
                total
            })
        });
    }
    update(&mut app, Action::ToggleSort);
    g.bench_function("key_collapse_all", |b| {
        b.iter(|| press(&mut app, &mut term, Action::ToggleCollapseAll))
    });
    // The overlays, with the analysis in (computed once, as the UI does after the first frame).
    update(
        &mut app,
        Action::Analyzed(Arc::new(Analysis::compute(&image, &Default::default()))),
    );
    for (name, open) in [
        ("key_open_findings", Action::ShowFindings),
        ("key_open_wasted_bytes", Action::ShowWaste),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                press(&mut app, &mut term, open.clone());
                press(&mut app, &mut term, Action::CloseOverlay);
            })
        });
    }
    update(&mut app, Action::ShowFindings);
    let mut down = false;
    g.bench_function("key_findings_move", |b| {
        b.iter(|| {
            down = !down;
            let a = if down { Action::Down } else { Action::Up };
            press(&mut app, &mut term, a)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
