//! Drawing the UI into ratatui's TestBackend: the shipped testdata image loaded as an app, a
//! frame drawn, the screen as text.

use std::sync::Arc;

use layerlens::analysis::waste::WasteOptions;
use layerlens::source::{load, LoadOptions, NoProgress};
use layerlens::tui::app::{update, Action, Analysis, App};
use layerlens::tui::view::render;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn testdata(name: &str) -> String {
    format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The shipped testdata image, loaded and analysed with the default settings, on a `w`×`h` screen.
pub fn app(w: u16, h: u16) -> App {
    app_with(w, h, &WasteOptions::default())
}

/// The same, with the waste analysis run with `opts`.
pub fn app_with(w: u16, h: u16, opts: &WasteOptions) -> App {
    let mut image = load(
        &testdata("classic.docker.tar"),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    // Stable across machines: the reference shown is the file name only.
    image.reference = "classic.docker.tar".into();
    let analysis = Analysis::compute(&image, opts);
    let mut app = App::with_image(Arc::new(image), Some(analysis), w, h);
    // Stable across machines: the reference shown is the file name only.
    app.reference = "classic.docker.tar".into();
    app
}

/// Any image file loaded and analysed with the default settings; `name` is the reference shown.
pub fn app_of(path: &std::path::Path, name: &str, w: u16, h: u16) -> App {
    let mut image = load(
        path.to_str().unwrap(),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    image.reference = name.into();
    let analysis = Analysis::compute(&image, &WasteOptions::default());
    let mut app = App::with_image(Arc::new(image), Some(analysis), w, h);
    app.reference = name.into();
    app
}

pub fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    t.draw(|f| render(app, f)).unwrap();
    t
}

pub fn screen(app: &App) -> String {
    let t = draw(app);
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

pub fn run(app: &mut App, actions: &[Action]) {
    for a in actions {
        update(app, a.clone());
    }
}
