//! The UI's overlays drawn into ratatui's TestBackend (insta snapshots): wasted bytes, findings,
//! why, help, and the file and command viewer.

mod common;

use common::screen::{app, app_with, draw, run, screen};
use layerlens::config::LayerlensConfig;
use layerlens::tui::app::{update, Action, Overlay};
use ratatui::style::Modifier;

#[test]
fn wasted_bytes_view_and_jump_to_the_layer_that_wrote_it() {
    let mut app = app(120, 40);
    update(&mut app, Action::ShowWaste);
    let s = screen(&app);
    assert!(
        s.contains("Reclaimable: 1.44 MB shipped but hidden in the final image"),
        "{s}"
    );
    assert!(s.contains("data/big.bin"));
    insta::assert_snapshot!("wasted_overlay", draw(&app).backend());
    let first = app
        .browse
        .as_ref()
        .unwrap()
        .analysis
        .as_ref()
        .unwrap()
        .hidden[0]
        .clone();
    update(&mut app, Action::Enter);
    let b = app.browse.as_ref().unwrap();
    assert!(b.overlay.is_none());
    assert_eq!(b.layer, first.layer);
    assert_eq!(b.tree.selected_row().unwrap().node, first.node);
    // Why: every layer that touched the path.
    update(&mut app, Action::ShowWhy);
    let s = screen(&app);
    assert!(s.contains("Why /data/big.bin"), "{s}");
    // Written by layer 4, deleted by layer 10, each with its bytes and command.
    assert!(
        s.contains("│4       added        1.05 MB  mkdir -p /data"),
        "{s}"
    );
    assert!(
        s.contains("│10      removed      1.05 MB  rm /data/big.bin"),
        "{s}"
    );
    insta::assert_snapshot!("why_overlay", draw(&app).backend());
}

#[test]
fn help_lists_every_binding_and_no_color_draws_without_colour() {
    let mut app = app(120, 40);
    app.color = false;
    update(&mut app, Action::ShowHelp);
    let s = screen(&app);
    for name in [
        "toggle-collapse-all-dir",
        "compare-all",
        "search-next",
        "extract-file",
    ] {
        assert!(s.contains(name), "{name}");
    }
    let t = draw(&app);
    let buf = t.backend().buffer();
    assert!(buf
        .content()
        .iter()
        .all(|c| c.fg == ratatui::style::Color::Reset));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_long_command_is_wrapped_whole_or_says_it_is_cut_and_v_shows_it() {
    // 120x40: layer 6's command (five `&&` steps) is wrapped, all of it.
    let mut app = app(120, 40);
    run(&mut app, &vec![Action::Down; 6]);
    let s = screen(&app);
    let left: String = s
        .lines()
        .map(|l| {
            l.chars()
                .take(60)
                .collect::<String>()
                .trim_matches(['│', ' '])
                .to_string()
        })
        .collect();
    assert!(
        left.contains("echo \"CFLAGS=-O2\" > /tmp/build/config.mk"),
        "{s}"
    );
    assert!(!s.contains("more lines"));
    // 80x24 has no room for it: the pane says so, and v (layers pane) shows the command.
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let s = screen(&app);
    assert!(s.contains("more lines: v in the layers pane"), "{s}");
    update(&mut app, Action::ViewFile);
    let s = screen(&app);
    assert!(s.contains("Layer 6 command"), "{s}");
    assert!(s.contains("config.mk"), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
}

/// The help lists every binding with the keys it has now (a rebinding shows), scrolled to the end
/// on a small screen.
#[test]
fn help_scrolls_through_every_binding_with_its_current_keys() {
    use layerlens::tui::keymap::COMMANDS;
    let mut app = app(80, 24);
    app.keymap.bind("quit", "ctrl+q, Q").unwrap();
    update(&mut app, Action::ShowHelp);
    let mut seen = String::new();
    let mut pages = 0;
    loop {
        seen.push_str(&screen(&app));
        let before = format!("{:?}", app.browse.as_ref().unwrap().overlay);
        update(&mut app, Action::PageDown);
        if format!("{:?}", app.browse.as_ref().unwrap().overlay) == before {
            break;
        }
        pages += 1;
    }
    assert!(pages >= 1, "24 rows cannot hold the whole help");
    for (name, _, _) in COMMANDS {
        let keys: Vec<String> = app.keymap.keys(name).iter().map(|k| k.label()).collect();
        assert!(!keys.is_empty(), "{name} has a key");
        let want = format!("{name:<26} {}", keys.join(" "));
        assert!(seen.contains(&want), "'{want}' in the help:\n{seen}");
    }
    assert!(
        seen.contains(&format!("{:<26} ctrl+q Q ", "quit")),
        "{seen}"
    );
    assert!(seen.contains("config.yaml"), "the footer is reached");
    assert!(seen.contains("enter shows the path"), "{seen}");
    assert!(
        seen.contains("f and w apply the exclude and caches settings (--config)."),
        "{seen}"
    );
    assert!(seen.contains("y overwrites"), "{seen}");
}

/// A text file or a command holding escape sequences is shown escaped, and no control
/// character reaches a cell of any screen (titles and messages included).
#[test]
fn escape_sequences_in_a_file_or_a_title_never_reach_the_terminal() {
    let mut app = app(100, 30);
    update(
        &mut app,
        Action::FileRead {
            title: "t\x1b[2Jx".into(),
            text: "plain\nesc\x1b[31mred\x1b[0m bell\x07 cr\rover del\x7f c1\u{9b}31m\tend\n"
                .into(),
        },
    );
    let s = screen(&app);
    assert!(
        s.contains(r"esc\x1b[31mred\x1b[0m bell\x07 cr\x0dover del\x7f c1\x9b31m    end"),
        "{s}"
    );
    // The title is not laid out as text: its escape is replaced.
    assert!(s.contains("t?[2Jx"), "{s}");
    let t = draw(&app);
    assert!(t
        .backend()
        .buffer()
        .content()
        .iter()
        .all(|c| !c.symbol().chars().any(char::is_control)));
}

/// `f` lists the waste analysis's findings, each a sentence naming the layer and the practice
/// that fixes it; enter shows the finding's path in the tree of the layer that wrote it.
#[test]
fn findings_explain_the_waste_and_jump_to_the_layer_that_made_it() {
    let mut app = app(120, 40);
    update(&mut app, Action::ShowFindings);
    let s = screen(&app);
    assert!(
        s.contains("Findings: fixing them takes the image from 4.12 MB to about 2.27 MB (−45 %)"),
        "{s}"
    );
    // The first finding, word-wrapped under its label, then its fix.
    assert!(
        s.contains("│warning  layer 4 (RUN mkdir -p /data && dd if=/dev/urandom of=/data/big.bin b…) adds a 1.05 MB file"),
        "{s}"
    );
    assert!(
        s.contains("│    fix  delete it in the same RUN that creates it"),
        "{s}"
    );
    assert!(
        s.contains("│warning  layer 8 (RUN chmod -R 755 /app) writes 5 files"),
        "{s}"
    );
    insta::assert_snapshot!("findings_overlay", draw(&app).backend());
    // Enter on the first: layer 4's tree, /data/big.bin selected.
    update(&mut app, Action::Enter);
    let b = app.browse.as_ref().unwrap();
    assert!(b.overlay.is_none());
    assert_eq!(b.layer, 4);
    let node = b.tree.selected_row().unwrap().node;
    assert_eq!(b.image.tree.path(node), b"data/big.bin");
    // The second (chmod -R) selected: its text, all of it, is drawn reversed; the first's not.
    run(&mut app, &[Action::ShowFindings, Action::Down]);
    let t = draw(&app);
    let buf = t.backend().buffer();
    let reversed_at = |needle: &str| {
        let (x, y) = (0..buf.area.height)
            .find_map(|y| {
                let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                row.find(needle)
                    .map(|i| (row[..i].chars().count() as u16, y))
            })
            .unwrap_or_else(|| panic!("{needle} on screen"));
        buf[(x, y)].modifier.contains(Modifier::REVERSED)
    };
    assert!(reversed_at("layer 8 (RUN chmod"));
    assert!(reversed_at("set owner and mode"));
    assert!(!reversed_at("layer 4 (RUN mkdir"));
    assert!(!reversed_at("apk add --no-cache"));
    // Enter on it: the /app directory in layer 7, whose copy layer 8 hides.
    update(&mut app, Action::Enter);
    let b = app.browse.as_ref().unwrap();
    assert_eq!(b.layer, 7, "the layer whose bytes ship twice");
    let node = b.tree.selected_row().unwrap().node;
    assert_eq!(b.image.tree.path(node), b"app");
    // "Runs as root" names no path: enter says so and the list stays open.
    update(&mut app, Action::ShowFindings);
    for _ in 0..6 {
        update(&mut app, Action::Down);
    }
    let s = screen(&app);
    assert!(s.contains("the image runs as root"), "{s}");
    update(&mut app, Action::Enter);
    assert!(app.browse.as_ref().unwrap().overlay.is_some());
    assert_eq!(
        app.message.as_deref(),
        Some("no one path to show for this finding")
    );
    // At the end, down stays on the last finding; page up goes back to the first.
    run(&mut app, &[Action::Down, Action::Down, Action::Down]);
    match app.browse.as_ref().unwrap().overlay {
        Some(Overlay::Findings { selected, .. }) => assert_eq!(selected, 7),
        ref o => panic!("{o:?}"),
    }
    run(&mut app, &[Action::PageUp, Action::PageUp, Action::PageUp]);
    match app.browse.as_ref().unwrap().overlay {
        Some(Overlay::Findings { selected, offset }) => assert_eq!((selected, offset), (0, 0)),
        ref o => panic!("{o:?}"),
    }
}

/// The findings follow the user's settings: an excluded path is no finding, and a cache pattern
/// of the user's is one.
#[test]
fn findings_apply_the_users_exclusions_and_cache_patterns() {
    let config = LayerlensConfig::from_layerlens_yaml(
        "exclude:\n  - /data\ncaches:\n  - path: app/lib/**\n    kind: vendored\n",
        "test.yaml",
    )
    .unwrap();
    let mut app = app_with(120, 60, &config.waste_options());
    update(&mut app, Action::ShowFindings);
    let s = screen(&app);
    // Without big.bin's 1,048,576 bytes; with /app/lib's 90,119 bytes as a cache (which the
    // chmod -R finding claimed before: the estimate counts it once).
    assert!(
        s.contains("Findings: fixing them takes the image from 4.12 MB to about 3.23 MB (−22 %)"),
        "{s}"
    );
    assert!(!s.contains("/data/big.bin"), "{s}");
    assert!(
        s.contains("wrote 90.1 kB of vendored cache that the image still ships at"),
        "{s}"
    );
}

/// The reclaimable files follow the user's exclusions too: the details count the files whose
/// bytes they show, and `w` lists those files, so an excluded path is in neither.
#[test]
fn reclaimable_files_apply_the_users_exclusions() {
    let plain = app_with(120, 60, &Default::default());
    assert!(
        screen(&plain).contains("│Reclaimable (w): 1.44 MB in 11 files"),
        "{}",
        screen(&plain)
    );
    let config =
        LayerlensConfig::from_layerlens_yaml("exclude:\n  - /data\n", "test.yaml").unwrap();
    let mut app = app_with(120, 60, &config.waste_options());
    // Without big.bin: 1,048,576 bytes and one file fewer.
    let s = screen(&app);
    assert!(s.contains("│Reclaimable (w): 395 kB in 10 files"), "{s}");
    let a = app.browse.as_ref().unwrap().analysis.clone().unwrap();
    assert_eq!(a.hidden.len(), 10);
    assert_eq!(
        a.hidden.iter().map(|h| h.size).sum::<u64>(),
        a.waste.reclaimable_bytes
    );
    update(&mut app, Action::ShowWaste);
    let s = screen(&app);
    assert!(s.contains("/app/static.bin"), "{s}");
    assert!(!s.contains("/data/big.bin"), "{s}");
}

/// The packages view (`p`): every package the image's databases list, largest first, with
/// its ecosystem, installing layer and whether it was asked for; `enter` shows the package's
/// files in the final image's tree, and `esc` shows everything again.
#[test]
fn packages_view_and_a_package_s_files_in_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::advice::write_python_naive(dir.path());
    let mut app = common::screen::app_of(&path, "py.tar", 120, 40);
    // The image details lead with the estimate.
    let s = screen(&app);
    assert!(
        s.contains("│Estimate (f): about 51.5 kB (−79 %, 199 kB less)"),
        "{s}"
    );
    update(&mut app, Action::ShowPackages);
    let s = screen(&app);
    assert!(
        s.contains("Packages: 12 own 149 kB; 56.2 kB in no package (enter: its files in the tree)"),
        "{s}"
    );
    insta::assert_snapshot!("packages_overlay", draw(&app).backend());
    // Down to python3 (the third), and its files.
    update(&mut app, Action::Down);
    update(&mut app, Action::Down);
    update(&mut app, Action::Enter);
    let s = screen(&app);
    assert!(
        s.contains("Aggregated Layer Contents · only dpkg package python3 (es"),
        "{s}"
    );
    insta::assert_snapshot!("package_files_in_tree", draw(&app).backend());
    let b = app.browse.as_ref().unwrap();
    assert_eq!(b.layer, 6);
    let shown: Vec<Vec<u8>> = b
        .tree
        .all_rows()
        .iter()
        .filter(|r| !r.is_dir)
        .map(|r| b.image.tree.path(r.node))
        .collect();
    assert_eq!(
        shown,
        [
            b"usr/bin/python3.11".to_vec(),
            b"usr/share/doc/python3/changelog.Debian.gz".to_vec(),
            b"usr/share/doc/python3/copyright".to_vec(),
            b"usr/share/man/man1/python3.11.1.gz".to_vec(),
        ]
    );
    update(&mut app, Action::ClearFilter);
    let s = screen(&app);
    assert!(!s.contains("only dpkg package"), "{s}");
}

/// With a Dockerfile, each layer shows its instruction and line; a layer nothing pairs with
/// (the base) keeps the image's history. While the layers are indexed, the same labels.
#[test]
fn dockerfile_lines_beside_the_layers() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::advice::write_python_naive(dir.path());
    let rec = common::Recorder::default();
    let mut image = layerlens::source::load(
        path.to_str().unwrap(),
        None,
        &layerlens::source::LoadOptions::default(),
        &rec,
    )
    .unwrap();
    let common::Heard::Known(mut previews) = rec.heard()[0].clone() else {
        panic!("the layers come first")
    };
    image.reference = "py.tar".into();
    let dockerfile = layerlens::dockerfile::DockerfileInput {
        path: "Dockerfile.naive".into(),
        text: "FROM layerlens-example/debian:bookworm\nENV PYTHONUNBUFFERED=1\n\
               RUN apt-get update\nRUN apt-get install -y python3 build-essential\n\
               COPY . /app\n\
               RUN pip install --break-system-packages -r /app/requirements.txt\n\
               RUN rm -rf /app/data\nRUN chmod -R 755 /app\n\
               CMD [\"python3\", \"/app/server.py\"]\n"
            .into(),
        target: None,
    };
    dockerfile.label(&mut image).unwrap();
    dockerfile
        .label_preview(&image.config, &mut previews)
        .unwrap();
    let labels: Vec<_> = image.layers.iter().map(|l| l.dockerfile.clone()).collect();
    assert!(labels.iter().flatten().count() >= 4, "{labels:?}");
    let early: Vec<_> = previews.iter().map(|l| l.dockerfile.clone()).collect();
    assert_eq!(early, labels);
    let mut loading =
        layerlens::tui::app::App::loading("py.tar", Default::default(), true, 120, 40);
    update(
        &mut loading,
        Action::LayersKnown(std::sync::Arc::new(previews)),
    );
    let s = screen(&loading);
    assert!(
        s.contains("│    1         …    3│RUN apt-get update"),
        "{s}"
    );
    let analysis = layerlens::tui::app::Analysis::compute(&image, &Default::default());
    let mut app =
        layerlens::tui::app::App::with_image(std::sync::Arc::new(image), Some(analysis), 120, 40);
    app.reference = "py.tar".into();
    update(&mut app, Action::Down);
    update(&mut app, Action::Down);
    let s = screen(&app);
    assert!(s.contains("│    0   33.5 kB                    "), "{s}");
    assert!(
        s.contains("│    1   12.3 kB    3│RUN apt-get update"),
        "{s}"
    );
    assert!(
        s.contains("│██  2    141 kB    4│RUN apt-get install -y python3 build-"),
        "{s}"
    );
    assert!(s.contains("│    3   47.9 kB    5│COPY . /app"), "{s}");
    assert!(s.contains("│Dockerfile: line 4"), "{s}");
    insta::assert_snapshot!("dockerfile_lines", draw(&app).backend());
}
