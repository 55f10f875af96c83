//! dive's JSON export (`dive --json`): same keys and meanings, plus a few of ours
//! (`blobDigest`, `diffId`, `blobSizeBytes`, `compression`, `userWastedPercent`...).

use serde::Serialize;

use crate::analysis::dive::{self, DiveAnalysis};
use crate::image::Image;
use crate::index::Entry;

#[derive(Serialize)]
pub struct DiveExport {
    pub layer: Vec<LayerExport>,
    pub image: ImageExport,
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
    pub efficiency_score: f64,
    pub file_reference: Vec<FileReferenceExport>,
    // layerlens additions
    pub user_size_bytes: u64,
    /// `null` where dive's figure is NaN (a one-layer image).
    pub user_wasted_percent: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileReferenceExport {
    pub count: usize,
    pub size_bytes: u64,
    pub file: String,
}

fn file_info(e: &Entry) -> FileInfoExport {
    FileInfoExport {
        path: String::from_utf8_lossy(&e.dive_name()).into_owned(),
        type_flag: e.type_flag,
        link_name: e
            .link
            .as_deref()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default(),
        size: e.size as i64,
        file_mode: dive::go_file_mode(e.mode, e.type_flag),
        uid: e.uid,
        gid: e.gid,
        is_dir: e.kind == crate::index::EntryKind::Dir,
    }
}

/// Builds dive's export for an analysed image.
pub fn export(image: &Image, analysis: &DiveAnalysis) -> DiveExport {
    let lists = dive::layer_file_lists(&image.tree);
    let layer = image
        .layers
        .iter()
        .zip(lists)
        .map(|(l, list)| LayerExport {
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
                    Some((li, ei)) => file_info(&image.tree.layer(li).entries[ei]),
                    None => FileInfoExport::default(),
                })
                .collect(),
            blob_digest: l.blob_digest.to_string(),
            diff_id: l.diff_id.to_string(),
            blob_size_bytes: l.blob_size,
            compression: l.compression,
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
        },
    }
}
