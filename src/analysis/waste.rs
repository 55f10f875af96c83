//! The waste report: every waste analysis of one image in one value, the thing reports, CI
//! budgets and the TUI read. **`reclaimable_bytes` is shipped file bytes minus visible file
//! bytes** when nothing is excluded; exclusions (`exclude:` in the config) only ever remove
//! paths from the waste figures, never from the image's size.

use serde::Serialize;

use super::base::{base_image, BaseImage};
use super::caches::{builtin_patterns, find_caches, CacheHit};
use super::duplicates::{duplicate_bytes, find_duplicates, DuplicateSet};
use super::final_view::FinalView;
use super::findings::{
    findings, runs_as_root, suggested_dockerignore, Estimate, Evidence, Finding,
};
use super::hidden::{hidden_and_visible_bytes, shipped_file_bytes, HiddenFile};
use super::layers::{layer_stats, LayerStats};
use super::packages::{attribute, Packages};
use super::reclaimable::{group_hidden, WasteGroup};
use super::secrets::{find_secrets, SecretFile};
pub use crate::config::WasteOptions;
use crate::image::Image;

/// Everything the waste analysis found in one image.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasteReport {
    /// Sum of the layers' sizes (dive's image size).
    pub image_size_bytes: u64,
    pub layer_count: usize,
    /// Bytes of every regular file in every layer.
    pub shipped_file_bytes: u64,
    /// Bytes of the regular files the final filesystem shows.
    pub visible_file_bytes: u64,
    /// Bytes that ship but cannot be seen (overwritten or deleted later), not excluded.
    pub reclaimable_bytes: u64,
    /// The reclaimable bytes grouped by cause, largest first.
    pub reclaimable: Vec<WasteGroup>,
    /// Bytes of caches and leftovers still visible.
    pub cache_bytes: u64,
    pub caches: Vec<CacheHit>,
    /// Bytes that one copy per duplicate set would save.
    pub duplicate_bytes: u64,
    pub duplicates: Vec<DuplicateSet>,
    /// Files in any layer whose names say secret.
    pub secrets: Vec<SecretFile>,
    pub layers: Vec<LayerStats>,
    /// The config's `User` (empty when unset).
    pub user: String,
    pub runs_as_root: bool,
    pub findings: Vec<Finding>,
    /// How small the image could be: the findings' savings, no byte counted twice.
    pub estimate: Estimate,
    /// Which package owns each visible file.
    pub packages: Packages,
    /// The base image's layers and distribution.
    pub base: BaseImage,
    /// The `.dockerignore` lines that would keep out what the COPYs brought in.
    pub dockerignore: Vec<String>,
}

/// Runs every waste analysis over `image`.
pub fn analyze(image: &Image, opts: &WasteOptions) -> WasteReport {
    analyze_with_hidden(image, opts).0
}

/// [`analyze`], and the hidden files behind its reclaimable bytes, largest first (the ones
/// not excluded): what the UI lists, with the count beside those bytes.
pub fn analyze_with_hidden(image: &Image, opts: &WasteOptions) -> (WasteReport, Vec<HiddenFile>) {
    let excluded = |p: &str| opts.is_excluded(p);
    // Two independent halves, each a pass or several over every path: on two threads.
    let (
        (view, layers, reclaimable, visible_file_bytes, packages, base),
        (caches, duplicates, secrets),
    ) = std::thread::scope(|s| {
        let searches = s.spawn(|| {
            let patterns: Vec<_> = opts
                .caches
                .iter()
                .cloned()
                .chain(builtin_patterns())
                .collect();
            (
                find_caches(image, &patterns, &excluded),
                find_duplicates(image, &excluded),
                find_secrets(image, &excluded),
            )
        });
        let view = FinalView::new(image);
        let (hidden, visible_file_bytes) = hidden_and_visible_bytes(image);
        let reclaimable = group_hidden(image, hidden, &excluded);
        // Per layer, the same files as the reclaimable bytes: the exclusions apply.
        let layers = layer_stats(image, &reclaimable.items);
        let packages = attribute(image, &view);
        let base = base_image(image, &view);
        let searches = searches
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (
            (
                view,
                layers,
                reclaimable,
                visible_file_bytes,
                packages,
                base,
            ),
            searches,
        )
    });
    let evidence = Evidence {
        image,
        view: &view,
        reclaimable: &reclaimable.groups,
        caches: &caches,
        duplicates: &duplicates,
        secrets: &secrets,
        packages: &packages,
        base: &base,
        excluded: &excluded,
        excludes: !opts.exclude.is_empty(),
    };
    let findings = findings(&evidence);
    let dockerignore = suggested_dockerignore(&evidence);
    let estimate = Estimate::of(image, &findings);
    let report = WasteReport {
        image_size_bytes: image.size(),
        layer_count: image.layers.len(),
        shipped_file_bytes: shipped_file_bytes(image),
        visible_file_bytes,
        reclaimable_bytes: reclaimable.total_bytes,
        reclaimable: reclaimable.groups,
        cache_bytes: caches.iter().fold(0, |a, c| a.saturating_add(c.size_bytes)),
        caches,
        duplicate_bytes: duplicate_bytes(&duplicates),
        duplicates,
        secrets,
        layers,
        user: image.config.user.clone().unwrap_or_default(),
        runs_as_root: runs_as_root(image.config.user.as_deref()),
        findings,
        estimate,
        packages,
        base,
        dockerignore,
    };
    (report, reclaimable.items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::findings::FindingKind;
    use crate::analysis::testing::*;
    use crate::config::glob::PathPattern;
    use crate::source::{self, LoadOptions, NoProgress};

    #[test]
    fn totals_agree_and_exclusions_remove_paths_from_waste_only() {
        let img = image(
            vec![
                ("base", vec![file("bin/sh", 10, 1)]),
                ("apt", vec![file("var/lib/apt/lists/P", 700, 2)]),
                ("dl", vec![file("tmp/x", 50, 3), file("opt/big", 4000, 4)]),
                ("rm", vec![whiteout("opt/big")]),
            ],
            Some("app"),
        );
        let r = analyze(&img, &WasteOptions::default());
        assert_eq!(r.image_size_bytes, 4760);
        assert_eq!(r.shipped_file_bytes, 4760);
        assert_eq!(r.visible_file_bytes, 760);
        assert_eq!(
            r.reclaimable_bytes,
            r.shipped_file_bytes - r.visible_file_bytes
        );
        assert_eq!(r.cache_bytes, 750);
        assert!(!r.runs_as_root);
        let kinds: Vec<_> = r.findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FindingKind::DeletedLater,
                FindingKind::Cache,
                FindingKind::Cache
            ]
        );

        let opts = WasteOptions {
            exclude: vec![
                PathPattern::new("/opt").unwrap(),
                PathPattern::new("tmp").unwrap(),
            ],
            ..Default::default()
        };
        let r = analyze(&img, &opts);
        assert_eq!((r.reclaimable_bytes, r.cache_bytes), (0, 700));
        assert_eq!(r.image_size_bytes, 4760);
    }

    #[test]
    fn classic_testdata() {
        let image = source::load(
            concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/classic.docker.tar"),
            None,
            &LoadOptions::default(),
            &NoProgress,
        )
        .unwrap();
        let r = analyze(&image, &WasteOptions::default());
        assert_eq!(
            r.reclaimable_bytes,
            r.shipped_file_bytes - r.visible_file_bytes
        );
        // 1 MiB deleted, /tmp/build deleted, the chmod -R copy of /app, app.conf's old 11 B.
        assert_eq!(r.reclaimable_bytes, 1_048_576 + 106_507 + 288_373 + 11);
        let groups: Vec<_> = r
            .reclaimable
            .iter()
            .map(|g| (g.layer, g.hidden_by_layer, g.path.as_str(), g.size_bytes))
            .collect();
        assert_eq!(
            groups,
            [
                (4, 10, "data/big.bin", 1_048_576),
                (7, 8, "app", 288_373),
                (6, 11, "tmp/build", 106_507),
                (3, 12, "etc/layerlens/app.conf", 11),
            ]
        );
        let caches: Vec<_> = r
            .caches
            .iter()
            .map(|c| (c.kind.as_str(), c.path.as_str(), c.size_bytes, c.layer))
            .collect();
        assert_eq!(
            caches,
            [
                ("apt-lists", "var/lib/apt/lists", 143_360, 5),
                ("apk", "var/cache/apk", 139_264, 5),
                ("pip", "root/.cache/pip", 126_976, 5),
            ]
        );
        assert_eq!(r.cache_bytes, 409_600);
        assert!(r.runs_as_root);
    }
}
