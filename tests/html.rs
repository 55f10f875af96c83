//! The HTML report (`--format html`, `--html FILE`, `diff --format html`): it parses as HTML,
//! holds the figures the other outputs print, escapes whatever names an image holds, stays
//! small on big images, and renders in a real headless chromium without script errors.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use common::wasteful::{fixed, wasteful, write};
use common::{bytes, docker_save, docker_save_tars, layer_tar, layerlens, raw_name_layer, F};
use scraper::{ElementRef, Html, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>()
}

/// Parses the page and checks what every report must be: no parse error, one script (ours),
/// nothing loaded from elsewhere, and every `#anchor` link landing on an element.
fn parse(page: &str) -> Html {
    let doc = Html::parse_document(page);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    assert_eq!(doc.select(&sel("script")).count(), 1, "only our own script");
    if let Some(e) = doc
        .select(&sel("[src], link, iframe, object, embed, img"))
        .next()
    {
        panic!("loads something: {}", e.html());
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(
        !page.bytes().any(|b| b < 0x20 && b != b'\n'),
        "a control byte in the page"
    );
    let ids: HashSet<&str> = doc
        .select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    for a in doc.select(&sel("a[href]")) {
        let href = a.value().attr("href").unwrap();
        let target = href.strip_prefix('#').expect("only links inside the page");
        assert!(ids.contains(target), "link to #{target} has no target");
    }
    doc
}

fn summary_value(doc: &Html, term: &str) -> String {
    let dts: Vec<_> = doc.select(&sel("#summary dt")).collect();
    let dds: Vec<_> = doc.select(&sel("#summary dd")).collect();
    let i = dts
        .iter()
        .position(|d| text(*d) == term)
        .unwrap_or_else(|| panic!("no {term} in the summary"));
    text(dds[i])
}

#[test]
fn classic_image_report_holds_the_figures_the_other_outputs_print() {
    let img = common::testdata("classic.docker.tar");
    let img = img.to_str().unwrap();
    let (code, page, err) = layerlens(&["--format", "html", img], None);
    assert_eq!(code, 0, "{err}");
    let doc = parse(&page);
    assert_eq!(
        text(doc.select(&sel("title")).next().unwrap()),
        format!("layerlens: {img}")
    );
    for id in ["overview", "treemap", "layers", "findings", "dive"] {
        assert_eq!(
            doc.select(&sel(&format!("section#{id}"))).count(),
            1,
            "{id}"
        );
    }
    // The same values as the plain summary and the text report.
    let (_, summary, _) = layerlens(&[img], None);
    let efficiency = summary
        .lines()
        .find_map(|l| l.strip_prefix("Image efficiency score (dive's): "))
        .unwrap();
    assert_eq!(
        summary_value(&doc, "Image efficiency score (dive's)"),
        efficiency
    );
    let wasted = summary
        .lines()
        .find_map(|l| l.strip_prefix("Potential wasted space (dive's): "))
        .unwrap();
    assert_eq!(
        summary_value(&doc, "Potential wasted space (dive's)"),
        wasted
    );
    assert_eq!(
        summary_value(&doc, "Reclaimable"),
        "1.44 MB (1443467 bytes) ship in lower layers but are hidden in the final image"
    );
    assert_eq!(
        summary_value(&doc, "Caches and leftovers"),
        "410 kB (409600 bytes) still in the image"
    );

    // One table row per layer; layer 4 wrote the 1 MiB file layer 10 deleted.
    let (_, json, _) = layerlens(&["--json", "-", img], None);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let layers = json["layer"].as_array().unwrap();
    let rows: Vec<_> = doc.select(&sel("#layers tbody tr")).collect();
    assert_eq!(rows.len(), layers.len());
    let cells: Vec<String> = doc
        .select(&sel("tr#layer-4 td"))
        .map(|td| text(td).trim().to_string())
        .collect();
    assert_eq!(cells[4], "1.05 MB", "{cells:?}");
    let hidden_title = doc
        .select(&sel("tr#layer-4 td span[title]"))
        .map(|s| s.value().attr("title").unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(hidden_title.contains(&"1048576 bytes".to_string()));
    // Caches of layer 5: 143,360 + 139,264 + 126,976 bytes.
    let cache = doc.select(&sel("tr#layer-5 td")).nth(5).map(text).unwrap();
    assert_eq!(cache, "410 kB");

    // The treemap's root view shows the deleted file in the hidden fill, and caches.
    let root = doc
        .select(&sel("section#tm-0.tm-view.root svg"))
        .next()
        .unwrap();
    let titles: Vec<String> = root.select(&sel("rect.hidden title")).map(text).collect();
    assert!(
        titles.contains(
            &"/data/big.bin: 1.05 MB, hidden (reclaimable): written by layer 4, hidden by layer 10"
                .to_string()
        ),
        "{titles:?}"
    );
    assert!(root.select(&sel("rect.cache")).count() > 0);
    // The treemap's table alternative, and the bars' accessible names.
    assert!(doc
        .select(&sel("#treemap table caption"))
        .any(|c| text(c).starts_with("The treemap's folders")));
    assert_eq!(
        doc.select(&sel("#layers svg > a > title")).count(),
        layers.len()
    );

    // Findings: largest saving first, as many as the JSON has, each with its fix.
    let findings = json["image"]["findings"].as_array().unwrap();
    let articles: Vec<_> = doc.select(&sel("article.finding")).collect();
    assert_eq!(articles.len(), findings.len());
    let mut savings: Vec<u64> = findings
        .iter()
        .map(|f| f["savingsBytes"].as_u64().unwrap())
        .collect();
    savings.sort_unstable_by(|a, b| b.cmp(a));
    let top = findings
        .iter()
        .find(|f| f["savingsBytes"].as_u64() == Some(savings[0]))
        .unwrap();
    let first = text(articles[0]);
    assert!(
        first.contains(top["message"].as_str().unwrap()),
        "{first}\n{top}"
    );
    assert!(first.contains(&format!("Fix: {}", top["fix"].as_str().unwrap())));
    // The deleted file's finding links into the treemap and to its layer.
    let big = articles
        .iter()
        .find(|a| text(**a).contains("/data/big.bin"))
        .expect("a finding on /data/big.bin");
    let links: Vec<&str> = big
        .select(&sel("a"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert!(links.contains(&"#tm-0") || links.iter().any(|l| l.starts_with("#tm-")));
    assert!(links.contains(&"#layer-4"), "{links:?}");
    // No CI section outside CI mode.
    assert_eq!(doc.select(&sel("#ci")).count(), 0);
}

#[test]
fn ci_mode_writes_the_page_beside_the_other_outputs_with_every_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    std::fs::write(
        dir.path().join(".layerlens.yaml"),
        "budgets: {maxCacheBytes: 500}\n",
    )
    .unwrap();
    let out = dir.path().join("report.html");
    let (code, text_out, err) = layerlens(
        &[
            "--ci",
            "--html",
            out.to_str().unwrap(),
            img.to_str().unwrap(),
        ],
        Some(dir.path()),
    );
    assert_eq!(code, 1, "{err}");
    assert!(text_out.contains("FAIL: maxCacheBytes"), "{text_out}");
    let page = std::fs::read_to_string(&out).unwrap();
    let doc = parse(&page);
    let rows: Vec<Vec<String>> = doc
        .select(&sel("#ci tbody tr"))
        .map(|r| r.select(&sel("td")).map(text).collect())
        .collect();
    // dive's three rules, then the six budgets.
    assert_eq!(rows.len(), 9);
    let cache = rows.iter().find(|r| r[1] == "maxCacheBytes").unwrap();
    assert_eq!(cache[2], "FAIL");
    assert_eq!(
        cache[3],
        "cache bytes (caches and leftovers still visible): 7.42 kB (7423 bytes), 6.92 kB \
         (6923 bytes) over the budget of 500 bytes"
    );
    assert!(text(doc.select(&sel("#result")).next().unwrap()).starts_with("FAIL"));
}

#[test]
fn hostile_names_are_text_never_markup() {
    let dir = tempfile::tempdir().unwrap();
    let evil: &[u8] = b"x/<script>alert(\"1\")</script>'\x1b[31m&amp;.txt";
    let tars = vec![
        layer_tar(&[F::Dir("bin"), F::File("bin/sh", bytes(3000, 1))]),
        raw_name_layer(evil, &bytes(2000, 2)),
    ];
    let img = dir.path().join("evil.tar");
    std::fs::write(&img, docker_save_tars(tars)).unwrap();
    let (code, page, err) = layerlens(&["--format", "html", img.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    let doc = parse(&page);
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains('\x1b'));
    // The name reads as it is, its control byte as \x1b.
    let shown = "/x/<script>alert(\"1\")</script>'\\x1b[31m&amp;.txt: 2.00 kB, visible, written \
                 by layer 1";
    let titles: Vec<String> = doc.select(&sel("svg title")).map(text).collect();
    assert!(titles.iter().any(|t| t == shown), "{titles:?}");
    let cells: Vec<String> = doc.select(&sel("td.mono")).map(text).collect();
    assert!(cells
        .iter()
        .any(|c| c == "/x/<script>alert(\"1\")</script>'\\x1b[31m&amp;.txt"));
}

#[test]
fn big_and_deep_images_stay_small_and_say_what_was_grouped() {
    let dir = tempfile::tempdir().unwrap();
    // 6,000 small files in 60 folders, and one path 100,000 folders deep (no recursion anywhere).
    let mut names = Vec::new();
    for d in 0..60 {
        for f in 0..100 {
            names.push(format!("srv/d{d:02}/f{f:03}"));
        }
    }
    let mut files: Vec<F> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            F::File(
                Box::leak(n.clone().into_boxed_str()),
                bytes(100 + i % 300, 3),
            )
        })
        .collect();
    files.push(F::PaxFile(
        format!("{}leaf", "a/".repeat(100_000)),
        bytes(5000, 4),
    ));
    let img = dir.path().join("big.tar");
    std::fs::write(&img, docker_save(&[files])).unwrap();
    let (code, page, err) = layerlens(&["--format", "html", img.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(page.len() < 1_000_000, "{} bytes", page.len());
    let doc = parse(&page);
    let grouped: Vec<String> = doc
        .select(&sel("rect.rest title"))
        .map(text)
        .filter(|t| t.contains(" smaller files in /srv/"))
        .collect();
    assert!(!grouped.is_empty());
    assert!(page.contains("grouped into one grey tile"));
}

#[test]
fn diff_shows_both_images_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.tar", &wasteful());
    let b = write(dir.path(), "b.tar", &fixed());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let (code, page, err) = layerlens(&["diff", a, b, "--format", "html"], None);
    assert_eq!(code, 0, "{err}");
    let doc = parse(&page);
    let size: Vec<String> = doc
        .select(&sel("#overview tbody tr"))
        .next()
        .unwrap()
        .select(&sel("td"))
        .map(text)
        .collect();
    assert_eq!(size[0], "14.9 kB");
    assert_eq!(size[2], "-13.6 kB (-13603 bytes)");
    assert_eq!(doc.select(&sel(".side svg")).count(), 2);
    assert_eq!(doc.select(&sel("tr[id^=a-layer-]")).count(), 8);
    assert_eq!(doc.select(&sel("tr[id^=b-layer-]")).count(), 3);
    // The biggest change first, as the JSON diff orders them.
    let (_, json, _) = layerlens(&["diff", a, b, "--format", "json"], None);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = doc.select(&sel("#files tbody tr")).next().unwrap();
    let cells: Vec<String> = first.select(&sel("td")).map(text).collect();
    assert_eq!(
        cells[2],
        format!("/{}", json["files"][0]["path"].as_str().unwrap())
    );
    assert!(doc.select(&sel("#estimate tbody tr")).count() > 0);
}

/// chromium, when it is installed (and required under LAYERLENS_SERVICES=1).
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        if common::live::services_required() {
            panic!("LAYERLENS_SERVICES=1 but chromium is not installed");
        }
        eprintln!("skipped: chromium is not installed (set LAYERLENS_SERVICES=1 to require it)");
    }
    found
}

/// Opens `page` in headless chromium: a screenshot of `width`×`height` and what the page logged
/// (console messages and uncaught errors, from chromium's log).
fn render(browser: &str, page: &Path, shot: &Path, width: u32, height: u32) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Distinct colours in a PNG screenshot.
fn colours(png_file: &Path) -> HashSet<[u8; 3]> {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_file).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect()
}

#[test]
fn renders_in_headless_chromium_without_errors() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The check can fail: a page that throws is caught.
    let broken = dir.path().join("broken.html");
    std::fs::write(
        &broken,
        "<!DOCTYPE html><title>t</title><p>x</p><script>undefinedFunction()</script>",
    )
    .unwrap();
    let logged = render(browser, &broken, &dir.path().join("broken.png"), 400, 300);
    assert!(logged.contains("undefinedFunction"), "{logged:?}");

    let img = common::testdata("classic.docker.tar");
    let page = dir.path().join("report.html");
    let (code, _, err) = layerlens(
        &[
            "--html",
            page.to_str().unwrap(),
            "--format",
            "text",
            img.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let shot = dir.path().join("report.png");
    let logged = render(browser, &page, &shot, 1200, 1600);
    assert!(logged.is_empty(), "the page logged: {logged}");
    let seen = colours(&shot);
    assert!(seen.len() > 20, "{} colours: a blank page?", seen.len());
    // Layer 0's fill and the hidden stripes' red are on screen.
    assert!(seen.contains(&[0xa6, 0xce, 0xe3]), "no layer-0 fill");
    assert!(seen.contains(&[0xc0, 0x39, 0x2b]), "no hidden stripes");
}
