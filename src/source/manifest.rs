//! The image's own documents: OCI index and manifest (via oci-spec), `docker save`'s
//! `manifest.json`, and the image config, reduced to what layerlens needs. Choosing a
//! manifest by tag and platform lives here too.

use std::collections::HashMap;

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::platform::Platform;
use crate::error::{Error, Result};

/// Largest JSON document (manifest, index, config) layerlens reads into memory.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

/// Most layers an image may have. Docker refuses to run an image of more than 125 and
/// containers/storage of about 500, so no image that runs comes near; a manifest that lists
/// more (one layer named thousands of times, say) is refused before any layer is read.
pub const MAX_LAYERS: usize = 1000;

/// The error for a manifest that lists more than [`MAX_LAYERS`] layers.
pub fn check_layer_count(count: usize, what: &str) -> Result<()> {
    if count > MAX_LAYERS {
        return Err(Error::Format(format!(
            "{what} lists {count} layers; layerlens reads images of at most {MAX_LAYERS} layers \
             (Docker runs at most 125)"
        )));
    }
    Ok(())
}

/// One history entry of the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub author: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
}

/// What layerlens keeps of the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageConfig {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub user: Option<String>,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub exposed_ports: Vec<String>,
    pub labels: HashMap<String, String>,
    pub diff_ids: Vec<String>,
    pub history: Vec<HistoryEntry>,
}

impl ImageConfig {
    /// Parses an image config (OCI or Docker; both share this shape).
    pub fn parse(bytes: &[u8], what: &str) -> Result<ImageConfig> {
        let c: ImageConfiguration = parse_document(bytes, what, "image config")?;
        let inner = c.config().clone().unwrap_or_default();
        Ok(ImageConfig {
            os: c.os().to_string(),
            architecture: c.architecture().to_string(),
            variant: c.variant().clone(),
            user: inner.user().clone(),
            env: inner.env().clone().unwrap_or_default(),
            entrypoint: inner.entrypoint().clone().unwrap_or_default(),
            cmd: inner.cmd().clone().unwrap_or_default(),
            working_dir: inner.working_dir().clone(),
            exposed_ports: inner.exposed_ports().clone().unwrap_or_default(),
            labels: inner.labels().clone().unwrap_or_default(),
            diff_ids: c.rootfs().diff_ids().clone(),
            history: c
                .history()
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|h| HistoryEntry {
                    created: h.created().clone(),
                    created_by: h.created_by().clone(),
                    author: h.author().clone(),
                    comment: h.comment().clone(),
                    empty_layer: h.empty_layer().unwrap_or(false),
                })
                .collect(),
        })
    }

    /// The history entry that made each layer: the non-empty entries in order, as Docker
    /// and dive pair them. `None` where the history runs out.
    pub fn layer_history(&self, layer_count: usize) -> Vec<Option<&HistoryEntry>> {
        let mut non_empty = self.history.iter().filter(|h| !h.empty_layer);
        (0..layer_count).map(|_| non_empty.next()).collect()
    }
}

/// A layer as the manifest names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerRef {
    /// The blob digest, when the format names layers by digest.
    pub digest: Option<Digest>,
    /// The blob size the manifest states.
    pub size: Option<u64>,
    pub media_type: Option<String>,
    /// Where the layer is: an archive member name or a blob file path.
    pub location: String,
}

/// One entry of `docker save`'s `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct DockerSaveEntry {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    pub layers: Vec<String>,
}

/// Parses `docker save`'s `manifest.json`.
pub fn parse_docker_save(bytes: &[u8]) -> Result<Vec<DockerSaveEntry>> {
    let entries: Vec<DockerSaveEntry> =
        serde_json::from_slice(bytes).map_err(|e| Error::json("manifest.json", e))?;
    if entries.is_empty() {
        return Err(Error::Format("manifest.json lists no image".into()));
    }
    Ok(entries)
}

/// Parses a JSON document into an oci-spec type, with an error that says which document,
/// which field and what was expected ("manifest sha256:ab… is not a valid image manifest:
/// layers[0].size: invalid type: string "12", expected u64 at line 1 column 210"), where
/// oci-spec's own readers say only "serde failed".
fn parse_document<T: DeserializeOwned>(bytes: &[u8], what: &str, kind: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let (path, cause) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => match de.end() {
            Ok(()) => return Ok(value),
            Err(e) => (String::new(), e.to_string()),
        },
        Err(e) => (e.path().to_string(), e.into_inner().to_string()),
    };
    let at = if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("{path}: ")
    };
    Err(Error::Format(format!(
        "{what} is not a valid {kind}: {at}{cause}"
    )))
}

/// Parses an OCI (or Docker v2) image manifest.
pub fn parse_manifest(bytes: &[u8], what: &str) -> Result<ImageManifest> {
    parse_document(bytes, what, "image manifest")
}

/// Parses an OCI image index (or Docker manifest list).
pub fn parse_index(bytes: &[u8], what: &str) -> Result<ImageIndex> {
    parse_document(bytes, what, "image index")
}

/// The layers of a manifest, in order.
pub fn manifest_layers(m: &ImageManifest) -> Result<Vec<LayerRef>> {
    check_layer_count(m.layers().len(), "the image manifest")?;
    m.layers()
        .iter()
        .map(|d| {
            let digest = Digest::parse(d.digest().as_ref())?;
            Ok(LayerRef {
                location: format!("blobs/sha256/{}", digest.hex()),
                digest: Some(digest),
                size: Some(d.size()),
                media_type: Some(d.media_type().to_string()),
            })
        })
        .collect()
}

fn is_index_media_type(mt: &str) -> bool {
    mt.ends_with("image.index.v1+json") || mt.ends_with("manifest.list.v2+json")
}

/// Media types an index entry has when it leads to an image: an image manifest, or an index
/// of them (OCI and Docker's names).
fn is_image_media_type(mt: &str) -> bool {
    is_index_media_type(mt)
        || mt == "application/vnd.oci.image.manifest.v1+json"
        || mt == "application/vnd.docker.distribution.manifest.v2+json"
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A resolved image manifest: its digest, and the manifest itself.
pub struct Resolved {
    pub manifest_digest: Digest,
    pub manifest: ImageManifest,
}

/// Follows an index (`what` names it in errors; possibly nested) to one image manifest: by
/// tag (`ref.name` annotation), then by platform. `fetch` reads a blob (verified) by digest.
pub fn resolve_index(
    index: &ImageIndex,
    what: &str,
    tag: Option<&str>,
    platform: Option<&Platform>,
    fetch: &mut dyn FnMut(&Digest) -> Result<Vec<u8>>,
) -> Result<Resolved> {
    let mut index = index.clone();
    let mut what = what.to_string();
    let mut tag = tag;
    for _depth in 0..4 {
        let chosen = choose(&index, &what, tag, platform)?;
        tag = None;
        let digest = Digest::parse(chosen.digest().as_ref())?;
        let bytes = fetch(&digest)?;
        let mt = chosen.media_type().to_string();
        let nested_index = is_index_media_type(&mt)
            || serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .is_some_and(|v| v.get("manifests").is_some());
        if nested_index {
            what = format!("index {digest}");
            index = parse_index(&bytes, &what)?;
            continue;
        }
        let manifest = parse_manifest(&bytes, &format!("manifest {digest}"))?;
        return Ok(Resolved {
            manifest_digest: digest,
            manifest,
        });
    }
    Err(Error::Format("image indexes nest more than 4 deep".into()))
}

fn is_attestation(d: &Descriptor) -> bool {
    let annotated = d
        .annotations()
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest");
    let unknown = d.platform().as_ref().is_some_and(|p| {
        p.os().to_string() == "unknown" && p.architecture().to_string() == "unknown"
    });
    annotated || unknown
}

/// What an index entry that leads to no image is, for the error that says so (`None` for
/// one that may lead to an image).
fn not_an_image(d: &Descriptor) -> Option<String> {
    if is_attestation(d) {
        return Some("an attestation".into());
    }
    if let Some(t) = d.artifact_type() {
        return Some(format!("an artifact ({t})"));
    }
    let mt = d.media_type().to_string();
    (!is_image_media_type(&mt)).then(|| format!("a {mt} document"))
}

fn platform_of(d: &Descriptor) -> Option<String> {
    d.platform().as_ref().map(|p| {
        let mut s = format!("{}/{}", p.os(), p.architecture());
        if let Some(v) = p.variant() {
            s.push('/');
            s.push_str(v);
        }
        s
    })
}

fn ref_name(d: &Descriptor) -> Option<String> {
    d.annotations()
        .as_ref()
        .and_then(|a| a.get(REF_NAME))
        .cloned()
}

/// The error for a tag that several manifests carry, when nothing else tells them apart.
fn shared_tag(tag: &str, what: &str, many: &[&Descriptor]) -> Error {
    let digests: Vec<String> = many.iter().map(|d| d.digest().to_string()).collect();
    Error::Format(format!(
        "tag '{tag}' names {} manifests in {what} ({}); a tag must name one image",
        many.len(),
        digests.join(", ")
    ))
}

fn choose(
    index: &ImageIndex,
    what: &str,
    tag: Option<&str>,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    let (all, others): (Vec<&Descriptor>, Vec<&Descriptor>) = index
        .manifests()
        .iter()
        .partition(|d| not_an_image(d).is_none());
    if all.is_empty() {
        if others.is_empty() {
            return Err(Error::Format(format!(
                "{what} lists no image manifest: it is empty"
            )));
        }
        let mut kinds: Vec<String> = others.iter().filter_map(|d| not_an_image(d)).collect();
        if kinds.len() > 4 {
            let more = kinds.len() - 3;
            kinds.truncate(3);
            kinds.push(format!("{more} more"));
        }
        return Err(Error::Format(format!(
            "{what} lists no image manifest, only {}",
            kinds.join(", ")
        )));
    }
    let candidates: Vec<&Descriptor> = match tag {
        Some(t) => {
            let hits: Vec<&Descriptor> = all
                .iter()
                .copied()
                .filter(|d| ref_name(d).as_deref() == Some(t))
                .collect();
            if hits.is_empty() {
                let tags: Vec<String> = all.iter().filter_map(|d| ref_name(d)).collect();
                return Err(Error::Format(format!(
                    "tag '{t}' is not in this image layout; it has: {}",
                    if tags.is_empty() {
                        "no tags".to_string()
                    } else {
                        tags.join(", ")
                    }
                )));
            }
            // One tag on manifests for different platforms is a multi-platform image; on
            // manifests the platform cannot tell apart it names no one image.
            let mut platforms: Vec<Option<String>> = hits.iter().map(|d| platform_of(d)).collect();
            platforms.sort();
            platforms.dedup();
            if hits.len() > 1 && (platforms.len() < hits.len() || platforms.contains(&None)) {
                return Err(shared_tag(t, what, &hits));
            }
            hits
        }
        None => all,
    };
    match candidates.as_slice() {
        [only] if only.platform().is_none() || platform.is_none() => Ok((*only).clone()),
        many => {
            if many.iter().all(|d| d.platform().is_none()) {
                let tags: Vec<String> = many.iter().filter_map(|d| ref_name(d)).collect();
                if let Some(t) = tags
                    .iter()
                    .find(|t| tags.iter().filter(|u| u == t).count() > 1)
                {
                    let sharing: Vec<&Descriptor> = many
                        .iter()
                        .copied()
                        .filter(|d| ref_name(d).as_ref() == Some(t))
                        .collect();
                    return Err(shared_tag(t, what, &sharing));
                }
                return Err(Error::Format(format!(
                    "this layout holds {} images; name one with :TAG ({})",
                    many.len(),
                    tags.join(", ")
                )));
            }
            let host = Platform::host();
            let wanted = platform.unwrap_or(&host);
            let found = many.iter().find(|d| {
                d.platform().as_ref().is_some_and(|p| {
                    wanted.matches(
                        &p.os().to_string(),
                        &p.architecture().to_string(),
                        p.variant().as_deref(),
                    )
                })
            });
            match found {
                Some(d) => Ok((*d).clone()),
                None => Err(Error::PlatformNotFound {
                    wanted: wanted.to_string(),
                    available: many
                        .iter()
                        .map(|d| platform_of(d).unwrap_or_else(|| "unspecified".into()))
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(json: &str) -> ImageIndex {
        parse_index(json.as_bytes(), "test").unwrap()
    }

    const A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn multi() -> ImageIndex {
        index(&format!(
            r#"{{"schemaVersion":2,"manifests":[
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{A}","size":1,
              "platform":{{"os":"linux","architecture":"amd64"}}}},
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{B}","size":1,
              "platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}}]}}"#
        ))
    }

    #[test]
    fn picks_by_platform_and_lists_what_exists() {
        let i = multi();
        let arm = Platform::parse("linux/arm64").unwrap();
        assert_eq!(
            choose(&i, "test", None, Some(&arm))
                .unwrap()
                .digest()
                .to_string(),
            B
        );
        let s390 = Platform::parse("linux/s390x").unwrap();
        let err = choose(&i, "test", None, Some(&s390)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "platform linux/s390x is not in this image; it has: linux/amd64, linux/arm64/v8"
        );
    }

    #[test]
    fn picks_by_tag() {
        let i = index(&format!(
            r#"{{"schemaVersion":2,"manifests":[
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{A}","size":1,
              "annotations":{{"org.opencontainers.image.ref.name":"one"}}}},
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{B}","size":1,
              "annotations":{{"org.opencontainers.image.ref.name":"two"}}}}]}}"#
        ));
        assert_eq!(
            choose(&i, "test", Some("two"), None)
                .unwrap()
                .digest()
                .to_string(),
            B
        );
        let err = choose(&i, "test", Some("three"), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "tag 'three' is not in this image layout; it has: one, two"
        );
        assert!(choose(&i, "test", None, None)
            .unwrap_err()
            .to_string()
            .contains("name one with :TAG"));
    }

    #[test]
    fn one_tag_on_several_platforms_is_a_multi_platform_image() {
        let tagged = |arch_b: &str| {
            index(&format!(
                r#"{{"schemaVersion":2,"manifests":[
                {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{A}","size":1,
                  "platform":{{"os":"linux","architecture":"amd64"}},
                  "annotations":{{"org.opencontainers.image.ref.name":"latest"}}}},
                {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{B}","size":1,
                  "platform":{{"os":"linux","architecture":"{arch_b}"}},
                  "annotations":{{"org.opencontainers.image.ref.name":"latest"}}}}]}}"#
            ))
        };
        let arm = Platform::parse("linux/arm64").unwrap();
        let i = tagged("arm64");
        let chosen = choose(&i, "test", Some("latest"), Some(&arm)).unwrap();
        assert_eq!(chosen.digest().to_string(), B);
        let same = tagged("amd64");
        let err = choose(&same, "test", Some("latest"), Some(&arm)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("tag 'latest' names 2 manifests in test ({A}, {B}); a tag must name one image")
        );
    }

    #[test]
    fn pairs_history_with_layers_skipping_empty_entries() {
        let c = ImageConfig {
            history: vec![
                HistoryEntry {
                    created_by: Some("a".into()),
                    ..Default::default()
                },
                HistoryEntry {
                    created_by: Some("env".into()),
                    empty_layer: true,
                    ..Default::default()
                },
                HistoryEntry {
                    created_by: Some("b".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let got: Vec<_> = c
            .layer_history(3)
            .into_iter()
            .map(|h| h.and_then(|h| h.created_by.clone()))
            .collect();
        assert_eq!(got, [Some("a".into()), Some("b".into()), None]);
    }
}
