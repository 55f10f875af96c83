//! The terminal UI: frames drawn into ratatui's TestBackend by scripted actions (insta
//! snapshots). The real binary in tmux is in `tui_e2e.rs`.

mod common;

use common::screen::{app, draw, run, screen};
use common::tmux::tree_text;

use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use layerlens::source::{load, LoadOptions, NoProgress};
use layerlens::tui::app::{update, Action, Analysis, App, LoadProgress};

#[test]
fn loading_screen_shows_progress() {
    let mut app = App::loading("big.tar", Default::default(), true, 80, 24);
    update(
        &mut app,
        Action::Progress(LoadProgress {
            bytes_done: 50_000_000,
            bytes_total: Some(200_000_000),
            layers_done: 2,
            layers_total: Some(4),
        }),
    );
    let s = screen(&app);
    assert!(s.contains("layers indexed: 2 of 4"));
    assert!(s.contains("bytes read: 50"), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn main_screen_at_120x40_on_layer_five_of_the_tree() {
    let mut app = app(120, 40);
    run(
        &mut app,
        &vec![Action::Down; 5]
            .into_iter()
            .chain([Action::ToggleView, Action::Down, Action::Down])
            .collect::<Vec<_>>(),
    );
    let s = screen(&app);
    assert!(s.contains("Current Layer Contents"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn main_screen_fits_80x24_and_redraws_on_resize() {
    let mut app = app(120, 40);
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let s = screen(&app);
    assert!(s.contains("Layers"));
    assert!(s.contains("Image Details"));
    // The tree pane is 38 columns: the attributes would leave no room for names, so they are
    // left out, and the names are there.
    assert!(s.contains("│Filetree") && !s.contains("Permission"), "{s}");
    assert!(s.contains("└── bin"), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
    // Wrapped (ctrl+p), rows carry their attributes again, over several lines.
    update(&mut app, Action::ToggleWrap);
    let s = screen(&app);
    assert!(s.contains("Permission") && s.contains("drwxr-xr-x"), "{s}");
    // Wide again: attributes and names side by side.
    run(
        &mut app,
        &[
            Action::ToggleWrap,
            Action::Resize {
                width: 120,
                height: 40,
            },
        ],
    );
    let s = screen(&app);
    assert!(
        s.contains("drwxr-xr-x       0:0      1.98 MB  └── bin"),
        "{s}"
    );
}

#[test]
fn aggregated_view_hiding_unmodified_files_sorted_by_size() {
    let mut app = app(120, 40);
    run(
        &mut app,
        &[
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::CompareAll,
            Action::ToggleView,
            Action::ToggleKind(layerlens::index::Change::Unmodified),
            Action::ToggleSort,
        ],
    );
    let s = screen(&app);
    assert!(s.contains("Aggregated Layer Contents · by size"));
    assert!(s.contains("hiding unmodified"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn filter_search_and_collapse() {
    let mut app = app(120, 40);
    let last = app.browse.as_ref().unwrap().image.layers.len() - 1;
    run(&mut app, &vec![Action::Down; last]);
    run(&mut app, &[Action::ToggleView, Action::ToggleCollapseAll]);
    let collapsed = app.browse.as_ref().unwrap().tree.all_rows().len();
    run(&mut app, &[Action::StartSearch]);
    for c in "models".chars() {
        update(&mut app, Action::InputChar(c));
    }
    // While typing, the tree is already on the match and the status line counts matches.
    let s = screen(&app);
    assert!(s.contains("Search: models█  1 match "), "{s}");
    assert!(tree_text(&s).contains("models.py"), "{s}");
    update(&mut app, Action::InputSubmit);
    let b = app.browse.as_ref().unwrap();
    let sel = b.tree.selected_row().unwrap().node;
    assert_eq!(b.image.tree.path(sel), b"app/lib/models.py");
    assert!(
        b.tree.all_rows().len() > collapsed,
        "search expands the way to the match"
    );
    // The filter keeps only matching paths and their parents.
    run(&mut app, &[Action::StartFilter]);
    for c in "util".chars() {
        update(&mut app, Action::InputChar(c));
    }
    update(&mut app, Action::InputSubmit);
    let b = app.browse.as_ref().unwrap();
    let names: Vec<_> = b
        .tree
        .all_rows()
        .iter()
        .map(|r| b.image.tree.path(r.node))
        .collect();
    assert!(names.iter().any(|p| p == b"app/lib/util.py"), "{names:?}");
    assert!(!names.iter().any(|p| p == b"app/lib/models.py"));
    assert!(screen(&app).contains("filter: util"));
    // The search was typed in the rows before the filter: it ended with them (its match is
    // not even shown now), so the status line has the keys again, no "1 of 1".
    assert!(app.browse.as_ref().unwrap().search.is_none());
    insta::assert_snapshot!(draw(&app).backend());
}

// --- odd names and a huge directory ---------------------------------------------------------

/// One layer: `odd/` with names that are not UTF-8, hold control characters, are very long or
/// wide; and `huge/` with `n` files.
fn odd_layer(n: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &[u8], data: &[u8], kind: tar::EntryType| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, std::ffi::OsStr::from_bytes(name), data)
            .unwrap();
    };
    add(b"odd/", b"", tar::EntryType::Directory);
    let long = format!("odd/{}end", "long-name-".repeat(30));
    for name in [
        &b"odd/caf\xc3\xa9"[..],
        b"odd/bad\xff\xfename",
        b"odd/tab\there",
        b"odd/esc\x1b[31mred",
        b"odd/new\nline",
        "odd/wide-日本語".as_bytes(),
        long.as_bytes(),
    ] {
        add(name, b"hello\n", tar::EntryType::Regular);
    }
    add(b"huge/", b"", tar::EntryType::Directory);
    for i in 0..n {
        add(
            format!("huge/f{i:06}").as_bytes(),
            b"",
            tar::EntryType::Regular,
        );
    }
    b.into_inner().unwrap()
}

fn odd_app(w: u16, h: u16, n: usize) -> App {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("odd.tar");
    std::fs::write(&tar, common::docker_save_tars(vec![odd_layer(n)])).unwrap();
    let mut image = load(
        tar.to_str().unwrap(),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    image.reference = "odd.tar".into();
    let analysis = Analysis::compute(&image, &Default::default());
    let mut app = App::with_image(Arc::new(image), Some(analysis), w, h);
    app.reference = "odd.tar".into();
    app
}

#[test]
fn odd_names_are_escaped_and_never_reach_the_terminal_raw() {
    let mut app = odd_app(100, 24, 3);
    run(&mut app, &[Action::ToggleView, Action::ToggleAttributes]);
    let s = screen(&app);
    for shown in [
        "café",
        r"bad\xff\xfename",
        r"tab\x09here",
        r"esc\x1b[31mred",
        r"new\x0aline",
    ] {
        assert!(s.contains(shown), "{shown} in\n{s}");
    }
    // A wide character takes two cells (the second one blank).
    assert!(s.contains("wide-日 本 語"), "{s}");
    // No control character reaches a cell.
    let t = draw(&app);
    assert!(t
        .backend()
        .buffer()
        .content()
        .iter()
        .all(|c| !c.symbol().chars().any(char::is_control)));
    // The long name is cut at the pane's edge; with wrap on (ctrl+p) all of it is on screen.
    let full = format!("{}end", "long-name-".repeat(30));
    assert!(!tree_text(&s).contains(&full));
    let long = app
        .browse
        .as_ref()
        .unwrap()
        .tree
        .all_rows()
        .iter()
        .position(|r| {
            let b = app.browse.as_ref().unwrap();
            b.image.tree.name(r.node).starts_with(b"long-name-")
        })
        .unwrap();
    run(&mut app, &vec![Action::Down; long]);
    run(&mut app, &[Action::ToggleWrap]);
    let s = screen(&app);
    assert!(tree_text(&s).contains(&full), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_directory_with_100k_files_renders_and_scrolls_fast() {
    let mut app = odd_app(120, 40, 100_000);
    let rows = app.browse.as_ref().unwrap().tree.all_rows().len();
    assert_eq!(rows, 2 + 7 + 100_000);
    update(&mut app, Action::ToggleView);
    let h = app.tree_height();
    // Every key, update and draw, well under a second even in a debug build: nothing is
    // proportional to the square of the directory's size.
    let mut worst = Duration::ZERO;
    let mut key = |app: &mut App, a: Action| {
        let t = Instant::now();
        update(app, a);
        draw(app);
        worst = worst.max(t.elapsed());
    };
    for _ in 0..3 {
        key(&mut app, Action::PageDown);
    }
    let b = app.browse.as_ref().unwrap();
    let first_shown = b.tree.offset();
    assert_eq!(b.tree.selected(), 3 * h);
    let s = screen(&app);
    // Rows 0..9 are odd/, its 7 files and huge/; then the files in order.
    let want = format!("f{:06}", b.tree.selected() - 9);
    assert!(s.contains(&want), "{want} in\n{s}");
    assert!(first_shown > 0);
    for a in [
        Action::ToggleSort,
        Action::ToggleCollapseAll,
        Action::ToggleCollapseAll,
        Action::ToggleKind(layerlens::index::Change::Added),
        Action::ToggleKind(layerlens::index::Change::Added),
        Action::CompareAll,
        Action::PageDown,
        Action::Up,
    ] {
        key(&mut app, a);
    }
    update(&mut app, Action::StartSearch);
    for c in "f099999".chars() {
        update(&mut app, Action::InputChar(c));
    }
    key(&mut app, Action::InputSubmit);
    let b = app.browse.as_ref().unwrap();
    assert_eq!(
        b.image.tree.path(b.selected_node().unwrap()),
        b"huge/f099999"
    );
    assert!(screen(&app).contains("f099999"));
    assert!(worst < Duration::from_secs(1), "slowest key took {worst:?}");
}

/// Any size draws (a panic in a draw would leave a broken terminal): each screen at sizes down to
/// 1×1, and back to 80×24 whole.
#[test]
fn tiny_terminals_draw_without_panicking_and_grow_back() {
    let mut app = app(120, 40);
    let states: Vec<Vec<Action>> = vec![
        vec![],
        vec![Action::ToggleView, Action::PageDown, Action::ToggleWrap],
        vec![Action::ShowHelp, Action::PageDown],
        vec![Action::ShowWaste, Action::Down],
        vec![Action::ToggleView, Action::ShowWhy],
        vec![Action::StartSearch, Action::InputChar('b')],
        vec![Action::StartFilter, Action::InputChar('x')],
    ];
    for (w, h) in [
        (1, 1),
        (2, 2),
        (10, 3),
        (20, 5),
        (30, 8),
        (40, 10),
        (79, 23),
    ] {
        for actions in &states {
            update(
                &mut app,
                Action::Resize {
                    width: w,
                    height: h,
                },
            );
            run(&mut app, actions);
            let s = screen(&app);
            assert_eq!(s.lines().count(), h as usize);
            if (w, h) == (40, 10) && actions.is_empty() {
                assert!(s.contains("Layers"), "{s}");
            }
            run(&mut app, &[Action::InputCancel, Action::CloseOverlay]);
        }
    }
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let s = screen(&app);
    assert!(
        s.contains("Layer Details") && s.contains("Image Details"),
        "{s}"
    );
}

/// The image details list dive's inefficient files; those that do not fit are reached with the
/// mouse wheel over the pane, and the last row says which are shown.
#[test]
fn the_wheel_scrolls_the_inefficient_files_in_the_image_details() {
    let mut app = app(120, 40);
    let pane = app.areas().image_details;
    let rows = |app: &App| -> Vec<String> {
        screen(app)
            .lines()
            .skip(pane.y as usize)
            .take(pane.height as usize)
            .map(|l| l.chars().take(pane.width as usize).collect())
            .collect()
    };
    let before = rows(&app);
    let total = app
        .browse
        .as_ref()
        .unwrap()
        .analysis
        .as_ref()
        .unwrap()
        .dive
        .inefficient
        .len();
    let footer = |from: usize, to: usize| {
        format!("│{from}–{to} of {total} (wheel scrolls; w: hidden files)")
    };
    let shown = before.iter().filter(|l| l.contains("  /")).count();
    assert_eq!(total, shown + 4, "{before:#?}");
    assert!(
        before.iter().any(|l| l.starts_with(&footer(1, shown))),
        "{before:#?}"
    );
    let wheel = |app: &mut App, delta: i8| {
        update(
            app,
            Action::Scroll {
                column: pane.x + 2,
                row: pane.y + pane.height - 3,
                delta,
            },
        )
    };
    wheel(&mut app, 1);
    let after = rows(&app);
    assert!(
        after.iter().any(|l| l.starts_with(&footer(2, shown + 1))),
        "{after:#?}"
    );
    // The list moved up by one row: the second file is now first.
    let list =
        |r: &[String]| -> Vec<String> { r.iter().filter(|l| l.contains("  /")).cloned().collect() };
    assert_eq!(list(&after)[0], list(&before)[1]);
    // Past the end it stops at the last page; back up, at the first.
    for _ in 0..10 {
        wheel(&mut app, 1);
    }
    assert!(rows(&app).iter().any(|l| l.starts_with(&footer(5, total))));
    wheel(&mut app, -1);
    assert!(rows(&app)
        .iter()
        .any(|l| l.starts_with(&footer(4, total - 1))));
    for _ in 0..10 {
        wheel(&mut app, -1);
    }
    assert_eq!(rows(&app), before);
}

/// The left column of a screen (the layers pane and the details below it), line by line.
fn left_lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            chars[..chars.len() / 2].iter().collect()
        })
        .collect()
}

/// The first frame comes when the layers are known, before any is indexed: the browse layout,
/// every layer's command, `…` where a size is not known yet, the indexing progress where the
/// tree will be. Each size then appears as its layer is indexed, the same figure the loaded UI
/// shows, and loading ends in the normal UI on the layer chosen meanwhile. Everything comes
/// from a real load of the testdata image, recorded as the loader reports it.
#[test]
fn layers_pane_comes_before_the_tree_with_the_loaded_figures() {
    let rec = common::Recorder::default();
    let mut image = load(
        &format!("{}/testdata/classic.docker.tar", env!("CARGO_MANIFEST_DIR")),
        None,
        &LoadOptions::default(),
        &rec,
    )
    .unwrap();
    image.reference = "classic.docker.tar".into();
    let heard = rec.heard();
    let common::Heard::Known(layers) = &heard[0] else {
        panic!("the layers come first: {heard:?}")
    };
    let mut app = App::loading("classic.docker.tar", Default::default(), true, 120, 40);
    update(&mut app, Action::LayersKnown(Arc::new(layers.clone())));
    let s = screen(&app);
    insta::assert_snapshot!("layers_known_none_indexed", s);
    assert!(s.contains("Cmp       Size  Command"), "{s}");
    assert!(s.contains("layers indexed: 0 of 13"), "{s}");
    assert!(s.contains("Total Image size: …"), "{s}");
    assert!(!s.contains("Filetree"), "no tree yet: {s}");
    let rows = app.layers_height();
    for (i, l) in image.layers.iter().enumerate().take(rows) {
        let cmd: String = l.command().chars().take(20).collect();
        let row = format!("{i:>3}         …  {cmd}");
        assert!(s.contains(&row), "{row}\n{s}");
    }
    // Layer 4 is indexed: its size, and only its.
    let size4 = layerlens::units::human_bytes(image.layers[4].size);
    update(
        &mut app,
        Action::LayerIndexed {
            index: 4,
            size: image.layers[4].size,
        },
    );
    let s = screen(&app);
    assert!(
        s.contains(&format!("  4 {size4:>9}  mkdir -p /data")),
        "{s}"
    );
    assert!(s.contains("  3         …  "), "{s}");
    assert!(s.contains("layers indexed: 1 of 13"), "{s}");
    // The layers list moves; keys that need the tree do nothing.
    run(
        &mut app,
        &[
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::StartSearch,
            Action::ToggleView,
            Action::ShowFindings,
            Action::InputChar('x'),
        ],
    );
    let s = screen(&app);
    assert!(
        s.contains(&format!("Layer: 4 of 13   Size: {size4}")),
        "{s}"
    );
    assert!(app.browse.is_none() && !app.quit);
    // Every layer indexed (as the loader said, repeats included): the layers pane is already
    // what the loaded UI shows, line for line.
    for h in &heard {
        match h {
            common::Heard::Known(ls) => update(&mut app, Action::LayersKnown(Arc::new(ls.clone()))),
            common::Heard::Indexed(index, size) => update(
                &mut app,
                Action::LayerIndexed {
                    index: *index,
                    size: *size,
                },
            ),
            common::Heard::Done => {}
        }
    }
    let total = layerlens::units::human_bytes(image.size());
    let before = screen(&app);
    assert!(
        before.contains(&format!("Total Image size: {total}")),
        "{before}"
    );
    assert_eq!(
        app.preview.as_ref().unwrap().layer,
        4,
        "the selection is kept"
    );
    let image = Arc::new(image);
    update(&mut app, Action::Loaded(image.clone()));
    assert!(app.preview.is_none());
    assert_eq!(app.browse.as_ref().unwrap().layer, 4);
    let after = screen(&app);
    assert!(after.contains("Filetree"), "{after}");
    let pane = app.areas().layers;
    let (top, height) = (pane.y as usize, pane.height as usize);
    assert_eq!(
        left_lines(&before)[top..top + height],
        left_lines(&after)[top..top + height],
        "{before}\n{after}"
    );
    assert!(
        after.contains(&format!("Layer: 4 of 13   Size: {size4}")),
        "{after}"
    );
    let analysis = Analysis::compute(&image, &Default::default());
    update(&mut app, Action::Analyzed(Arc::new(analysis)));
    assert!(screen(&app).contains("Image efficiency score"));
    update(&mut app, Action::Quit);
    assert!(app.quit);
}

/// Quit works while the layers are indexed, and before they are known.
#[test]
fn quit_works_at_every_stage_of_loading() {
    use layerlens::tui::keymap::{map_key, Context, Keymap};
    let q = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('q'));
    let slash = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('/'));
    let keymap = Keymap::default();
    for known in [false, true] {
        let mut app = App::loading("x", Default::default(), true, 80, 24);
        if known {
            let layer = layerlens::image::LayerPreview::default();
            update(&mut app, Action::LayersKnown(Arc::new(vec![layer])));
            assert!(screen(&app).contains("(missing)"));
        }
        assert!(map_key(&keymap, Context::Loading, &slash).is_none());
        let action = map_key(&keymap, Context::Loading, &q).unwrap();
        update(&mut app, action);
        assert!(app.quit);
    }
}
