//! dive's JSON export (`dive --json`): same keys and meanings, plus ours: per layer the blob
//! (`blobDigest`, `diffId`, `blobSizeBytes`, `compression`) and the waste figures
//! (`filesAdded`, `hiddenBytes`...); for the image the waste report (`reclaimableBytes`,
//! `caches`, `findings`...); and, in CI mode, `ci` with every rule's and budget's verdict.

use serde::ser::Error as _;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::budget::Verdicts;
use super::gofmt::go_json_float;
use crate::analysis::base::BaseImage;
use crate::analysis::caches::CacheHit;
use crate::analysis::dive::{self, DiveAnalysis};
use crate::analysis::duplicates::DuplicateSet;
use crate::analysis::findings::Finding;
use crate::analysis::packages::Package;
use crate::analysis::reclaimable::WasteGroup;
use crate::analysis::secrets::SecretFile;
use crate::analysis::waste::WasteReport;
use crate::image::Image;
use crate::index::EntryRef;

#[derive(Serialize)]
pub struct DiveExport {
    pub layer: Vec<LayerExport>,
    pub image: ImageExport,
    /// CI verdicts, in CI mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<Verdicts>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerExport {
    pub index: usize,
    pub id: String,
    pub digest_id: String,
    pub size_bytes: u64,
    pub command: String,
    pub file_list: Vec<FileInfoExport>,
    // layerlens additions
    pub blob_digest: String,
    pub diff_id: String,
    pub blob_size_bytes: u64,
    pub compression: crate::source::blob::Compression,
    pub files_added: usize,
    pub files_modified: usize,
    pub files_removed: usize,
    /// Bytes this layer wrote that later layers hid.
    pub hidden_bytes: u64,
    /// The Dockerfile instruction that wrote it (`--dockerfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<crate::image::DockerfileStep>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FileInfoExport {
    pub path: String,
    pub type_flag: u8,
    pub link_name: String,
    pub size: i64,
    pub file_mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub is_dir: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageExport {
    pub size_bytes: u64,
    pub inefficient_bytes: u64,
    #[serde(serialize_with = "go_number")]
    pub efficiency_score: f64,
    pub file_reference: Vec<FileReferenceExport>,
    // layerlens additions
    pub user_size_bytes: u64,
    /// `null` where dive's figure is NaN or +Inf (no bytes after the first layer).
    #[serde(serialize_with = "go_number_or_null")]
    pub user_wasted_percent: Option<f64>,
    pub layer_count: usize,
    pub shipped_file_bytes: u64,
    pub visible_file_bytes: u64,
    /// Shipped but hidden bytes (not excluded): overwritten or deleted later.
    pub reclaimable_bytes: u64,
    pub reclaimable: Vec<WasteGroup>,
    pub cache_bytes: u64,
    pub caches: Vec<CacheHit>,
    pub duplicate_bytes: u64,
    pub duplicates: Vec<DuplicateSet>,
    pub secrets: Vec<SecretFile>,
    pub user: String,
    pub runs_as_root: bool,
    pub findings: Vec<Finding>,
    /// Bytes the findings' fixes would remove, no byte counted twice (the findings'
    /// `savingsBytes` add up to it).
    pub estimated_savings_bytes: u64,
    /// The image's size after them.
    pub estimated_size_bytes: u64,
    /// Every installed package, largest first, with the bytes the final image shows of it.
    pub packages: Vec<Package>,
    /// Visible file bytes no package owns.
    pub unowned_bytes: u64,
    /// Package databases that could not be read.
    pub package_warnings: Vec<String>,
    pub base: BaseImage,
    /// The `.dockerignore` lines that would keep out what the COPYs brought in.
    pub dockerignore: Vec<String>,
    /// What pairing the Dockerfile found (`--dockerfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<crate::dockerfile::DockerfileReport>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileReferenceExport {
    pub count: usize,
    pub size_bytes: u64,
    pub file: String,
}

/// A float written as Go's encoding/json writes it (`1`, where serde_json writes `1.0`), so
/// the numbers dive writes read the same in ours.
fn go_number<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    let text = go_json_float(*v)
        .ok_or_else(|| S::Error::custom(format!("{v} cannot be written in JSON")))?;
    RawValue::from_string(text)
        .map_err(S::Error::custom)?
        .serialize(s)
}

fn go_number_or_null<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => go_number(v, s),
        None => s.serialize_none(),
    }
}

fn file_info(e: EntryRef) -> FileInfoExport {
    FileInfoExport {
        path: String::from_utf8_lossy(&e.dive_name()).into_owned(),
        type_flag: e.type_flag,
        link_name: e
            .link
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default(),
        size: e.size as i64,
        file_mode: dive::go_file_mode(e.mode, e.type_flag),
        uid: e.uid,
        gid: e.gid,
        is_dir: e.kind == crate::index::EntryKind::Dir,
    }
}

/// Builds dive's export for an analysed image, with the waste report and CI verdicts.
pub fn export(
    image: &Image,
    analysis: &DiveAnalysis,
    waste: &WasteReport,
    ci: Option<&Verdicts>,
) -> DiveExport {
    let lists = dive::layer_file_lists(&image.tree);
    let layer = image
        .layers
        .iter()
        .zip(lists)
        .zip(&waste.layers)
        .map(|((l, list), stats)| LayerExport {
            index: l.index,
            id: l.location.split('/').next().unwrap_or_default().to_string(),
            digest_id: if l.history.is_some() {
                image
                    .config
                    .diff_ids
                    .get(l.index)
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            },
            size_bytes: l.size,
            command: l.command(),
            file_list: list
                .into_iter()
                .map(|r| match r {
                    Some((li, ei)) => file_info(image.tree.layer(li).entry(ei)),
                    None => FileInfoExport::default(),
                })
                .collect(),
            blob_digest: l.blob_digest.to_string(),
            diff_id: l.diff_id.to_string(),
            blob_size_bytes: l.blob_size,
            compression: l.compression,
            files_added: stats.files_added,
            files_modified: stats.files_modified,
            files_removed: stats.files_removed,
            hidden_bytes: stats.hidden_bytes,
            dockerfile: l.dockerfile.clone(),
        })
        .collect();
    DiveExport {
        layer,
        image: ImageExport {
            size_bytes: analysis.size_bytes,
            inefficient_bytes: analysis.wasted_bytes,
            efficiency_score: analysis.efficiency,
            file_reference: analysis
                .inefficient
                .iter()
                .map(|r| FileReferenceExport {
                    count: r.count,
                    size_bytes: r.cumulative_size as u64,
                    file: r.path.clone(),
                })
                .collect(),
            user_size_bytes: analysis.user_size_bytes,
            user_wasted_percent: analysis
                .user_wasted_percent
                .is_finite()
                .then_some(analysis.user_wasted_percent),
            layer_count: waste.layer_count,
            shipped_file_bytes: waste.shipped_file_bytes,
            visible_file_bytes: waste.visible_file_bytes,
            reclaimable_bytes: waste.reclaimable_bytes,
            reclaimable: waste.reclaimable.clone(),
            cache_bytes: waste.cache_bytes,
            caches: waste.caches.clone(),
            duplicate_bytes: waste.duplicate_bytes,
            duplicates: waste.duplicates.clone(),
            secrets: waste.secrets.clone(),
            user: waste.user.clone(),
            runs_as_root: waste.runs_as_root,
            findings: waste.findings.clone(),
            estimated_savings_bytes: waste.estimate.savings_bytes,
            estimated_size_bytes: waste.estimate.estimated_size_bytes,
            packages: waste.packages.packages.clone(),
            unowned_bytes: waste.packages.unowned_bytes,
            package_warnings: waste.packages.warnings.clone(),
            base: waste.base.clone(),
            dockerignore: waste.dockerignore.clone(),
            dockerfile: image.dockerfile.clone(),
        },
        ci: ci.cloned(),
    }
}
