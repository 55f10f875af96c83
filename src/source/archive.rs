//! Tarball sources: `docker save` archives (legacy `<id>/layer.tar` and Docker 25+ OCI-style)
//! and OCI archives, read in **one streaming pass**. Legacy archives put `manifest.json` last,
//! so every member that looks like a layer is indexed as it streams past (keyed by its name)
//! and small documents are kept; the manifest then says which layers make the image, in which
//! order. Nothing is written to disk and no layer content is held.
//!
//! As soon as the documents say what the image is (the manifest and the config are in), the
//! [`Progress`] hears its layers ([`Progress::layers_known`]) and then each layer's size as it
//! is indexed: right after the header pass for a file, as the members stream past for a
//! stream whose manifest comes first, and at the end for one that puts it last (`docker save`'s
//! legacy layout over a pipe or from the daemon).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

use super::blob::{index_blob, index_blob_send, looks_like_layer, Compression, IndexedBlob};
use super::digest::Digest;
use super::manifest::{
    check_layer_count, manifest_layers, parse_docker_save, parse_index, resolve_index, ImageConfig,
    LayerRef, MAX_DOCUMENT_BYTES,
};
use super::parallel;
use super::platform::Platform;
use super::progress::{Progress, ProgressReader};
use super::{assemble, LoadOptions, Parts};
use crate::error::{Error, Result};
use crate::image::{Image, LayerPreview, SourceKind};
use crate::index::{path, Keep};
use crate::tarstream::TarReader;

/// Most bytes of small documents (JSON and the like) kept from one archive.
const MAX_DOCUMENTS_TOTAL: u64 = 256 << 20;

/// What one pass over an archive found.
#[derive(Default)]
struct Contents {
    /// Small non-layer members by normalised name.
    docs: HashMap<String, Vec<u8>>,
    /// Indexed layer-like members by normalised name (or why indexing failed).
    layers: HashMap<String, std::result::Result<IndexedBlob, String>>,
    /// Symlink and hardlink members: name → target member name.
    links: HashMap<String, String>,
    /// Members passed over because they were too large to be documents, with their sizes.
    skipped: HashMap<String, u64>,
}

/// Which reading of the archive the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// Whatever the archive is (`manifest.json` first, then `index.json`).
    Detect,
    Docker,
    Oci,
}

/// Reads an image from an archive stream.
pub fn read_archive<R: Read>(
    reader: R,
    name: &str,
    reference: &str,
    kind: ArchiveKind,
    tag: Option<&str>,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Image> {
    let mut early = Early::new(name, kind, tag, opts.platform.as_ref(), progress);
    scan_decompressed(reader, name, opts.keep, progress, &mut early)?.image(reference, &mut early)
}

/// Reads an image from an archive file. With more than one thread, a first pass reads the
/// archive's headers and documents, seeking over layer data, then the layers are indexed
/// concurrently ([`parallel::run_pool`]), each read at its own offset. An archive whose
/// members run past its end is read as a stream instead, so that its error is the one the
/// stream reading gives.
pub fn read_archive_file(
    file: File,
    name: &str,
    reference: &str,
    kind: ArchiveKind,
    tag: Option<&str>,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Image> {
    let threads = parallel::threads();
    // Only a regular file can seek: a pipe (`/dev/stdin`) or a device is read as a stream.
    let seekable = file.metadata().map(|m| m.is_file()).unwrap_or(false);
    // A compressed archive (`docker save | gzip`) is read as a stream, decompressed.
    let plain_tar = {
        let mut head = [0u8; 6];
        #[cfg(unix)]
        let got = std::os::unix::fs::FileExt::read_at(&file, &mut head, 0).unwrap_or(0);
        #[cfg(not(unix))]
        let got = 0;
        got == head.len()
            && Compression::detect(&head) == Compression::None
            && !head.starts_with(b"BZh")
            && !head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
    };
    let seekable = seekable && plain_tar;
    if threads > 1 && seekable {
        let mut early = Early::new(name, kind, tag, opts.platform.as_ref(), progress);
        let keep = opts.keep;
        if let Some(contents) = scan_seekable(&file, name, threads, keep, progress, &mut early)? {
            return contents.image(reference, &mut early);
        }
        (&file)
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(name, e))?;
    }
    let reader = ProgressReader::new(BufReader::with_capacity(1 << 20, file), progress);
    read_archive(reader, name, reference, kind, tag, opts, progress)
}

/// Where a layer-like member's data is in an archive file.
struct Extent {
    member: String,
    start: u64,
    size: u64,
}

/// The seekable twin of [`scan`]: the same [`Contents`], with layers indexed on a pool.
/// `None` when a member runs past the end of the file.
fn scan_seekable(
    file: &File,
    name: &str,
    threads: usize,
    keep: Keep,
    progress: &dyn Progress,
    early: &mut Early<'_>,
) -> Result<Option<Contents>> {
    let len = file.metadata().map_err(|e| Error::io(name, e))?.len();
    let mut extents = Vec::new();
    let mut past_end = false;
    let reader = BufReader::with_capacity(64 * 1024, file);
    let mut c = scan_with(
        TarReader::new(reader),
        name,
        early,
        &mut |tar, member, head, size| {
            let start = tar.position() - head.len() as u64;
            tar.seek_past_data().map_err(|source| Error::Archive {
                archive: name.to_string(),
                source,
            })?;
            past_end |= tar.position() > len;
            extents.push(Extent {
                member: member.to_string(),
                start,
                size,
            });
            Ok(None)
        },
    )?;
    if past_end {
        return Ok(None);
    }
    let early = &*early;
    let done = parallel::DoneCounter::default();
    let results = parallel::run_pool(
        extents,
        threads,
        |e| e.size,
        false,
        |_, e| {
            let slice = FileSlice {
                file,
                pos: e.start,
                end: e.start + e.size,
                progress,
            };
            let result = index_blob_send(slice, keep).map_err(|e| e.to_string());
            early.indexed(&e.member, &result);
            progress.layer_done(done.tick(), None);
            Ok::<_, std::convert::Infallible>((e.member, result))
        },
    );
    for (member, result) in results.into_iter().flatten().flatten() {
        c.layers.insert(member, result);
    }
    Ok(Some(c))
}

/// `Read` over a byte range of a file, at its own offset (positioned reads: many slices of
/// one file can be read at once).
struct FileSlice<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
    progress: &'a dyn Progress,
}

impl Read for FileSlice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.end - self.pos).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, &mut buf[..want], self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, &mut buf[..want], self.pos)?;
        self.pos += n as u64;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// What the archive's documents say the image is, before its layers are looked up.
struct Plan {
    source: SourceKind,
    config: ImageConfig,
    config_digest: Digest,
    manifest_digest: Option<Digest>,
    repo_tags: Vec<String>,
    layers: Vec<LayerRef>,
}

/// Which image of the archive is wanted, and who hears about it early: tells the
/// [`Progress`] the layers as soon as the documents read so far make a [`Plan`], and each
/// layer's size as it is indexed. Reading a plan early is only a look: whatever it fails on,
/// the plan read at the end fails on too, with the error it always gave.
///
/// A look is taken only when a member arrives that can change its answer (`manifest.json`,
/// `index.json`, or the document the last look lacked), and at most [`EARLY_LOOKS`] times, so
/// an archive of many documents, or one that repeats its manifest, costs a few parses at most.
struct Early<'a> {
    name: &'a str,
    kind: ArchiveKind,
    tag: Option<&'a str>,
    platform: Option<&'a Platform>,
    progress: &'a dyn Progress,
    /// Once announced: the manifest positions (layer indexes) each member fills.
    positions: Option<HashMap<String, Vec<usize>>>,
    /// The document the last look lacked.
    awaited: Option<String>,
    looks: usize,
}

/// Most early looks at an archive's documents.
const EARLY_LOOKS: usize = 8;

impl<'a> Early<'a> {
    fn new(
        name: &'a str,
        kind: ArchiveKind,
        tag: Option<&'a str>,
        platform: Option<&'a Platform>,
        progress: &'a dyn Progress,
    ) -> Early<'a> {
        Early {
            name,
            kind,
            tag,
            platform,
            progress,
            positions: None,
            awaited: None,
            looks: 0,
        }
    }

    /// Announces the layers if `member`, just kept, completes what the documents say.
    fn try_announce(&mut self, c: &Contents, member: &str) {
        let top = member == "manifest.json" || member == "index.json";
        if self.positions.is_some()
            || self.looks >= EARLY_LOOKS
            || !(top || self.awaited.as_deref() == Some(member))
        {
            return;
        }
        self.looks += 1;
        match c.plan(self) {
            Ok(plan) => self.announce(c, &plan),
            Err(Error::MissingBlob { digest, .. }) => {
                self.awaited = Some(c.resolve(digest.trim_start_matches("./")));
            }
            // Nothing but a new manifest or index changes this answer.
            Err(_) => self.awaited = None,
        }
    }

    /// Tells the progress the plan's layers, and the size of each one already indexed.
    fn announce(&mut self, c: &Contents, plan: &Plan) {
        let previews = LayerPreview::of_config(&plan.config, plan.layers.len());
        self.progress.layers_known(&plan.config, &previews);
        let mut positions: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in plan.layers.iter().enumerate() {
            positions.entry(c.resolve(&r.location)).or_default().push(i);
        }
        for (member, at) in &positions {
            if let Some(Ok(blob)) = c.layers.get(member) {
                for &i in at {
                    self.progress.layer_indexed(i, blob.index.size);
                }
            }
        }
        self.positions = Some(positions);
    }

    /// A member was indexed: the size of every layer it is, once the layers are known.
    fn indexed(&self, member: &str, result: &std::result::Result<IndexedBlob, String>) {
        let (Some(positions), Ok(blob)) = (&self.positions, result) else {
            return;
        };
        for &i in positions.get(member).into_iter().flatten() {
            self.progress.layer_indexed(i, blob.index.size);
        }
    }
}

impl Contents {
    /// The image the archive holds, as `early` asks for it. The layers are announced again
    /// (with every size) before they are assembled, so a progress that missed the early
    /// announcement, or heard one from a manifest replaced later in the stream, hears the
    /// final one.
    fn image(self, reference: &str, early: &mut Early<'_>) -> Result<Image> {
        let plan = self.plan(early)?;
        early.announce(&self, &plan);
        let mut layers = Vec::with_capacity(plan.layers.len());
        for r in plan.layers {
            let blob = self.layer(&r, early.name)?;
            layers.push((r, blob));
        }
        assemble(Parts {
            reference: reference.to_string(),
            source: plan.source,
            config: plan.config,
            config_digest: plan.config_digest,
            manifest_digest: plan.manifest_digest,
            repo_tags: plan.repo_tags,
            layers,
        })
    }

    /// What the documents say the image is, as `want` reads the archive.
    fn plan(&self, want: &Early<'_>) -> Result<Plan> {
        let (name, tag) = (want.name, want.tag);
        let contents = self;
        let present = |n: &str| contents.docs.contains_key(n) || contents.skipped.contains_key(n);
        let has_manifest = present("manifest.json");
        let has_index = present("index.json");
        match want.kind {
            ArchiveKind::Docker | ArchiveKind::Detect if has_manifest => {
                contents.docker_plan(name, tag)
            }
            ArchiveKind::Oci | ArchiveKind::Detect if has_index => {
                contents.oci_plan(name, tag, want.platform)
            }
            ArchiveKind::Docker => Err(Error::Format(format!(
                "{name} is not a docker save archive: it has no manifest.json"
            ))),
            ArchiveKind::Oci => Err(Error::Format(format!(
                "{name} is not an OCI archive: it has no index.json"
            ))),
            ArchiveKind::Detect => Err(Error::Format(format!(
            "{name} is a tar archive but not an image: it has neither manifest.json (docker save) \
             nor index.json (OCI)"
        ))),
        }
    }
}

/// [`scan`]s the archive, decompressing it first when it is gzip or zstd: `docker save app |
/// gzip` is an archive `docker load` reads, and so do we. xz and bzip2 are named, not read.
fn scan_decompressed<R: Read>(
    mut reader: R,
    name: &str,
    keep: Keep,
    progress: &dyn Progress,
    early: &mut Early<'_>,
) -> Result<Contents> {
    let mut head = [0u8; 6];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(name, e)),
        }
    }
    let head = &head[..got];
    let whole = Cursor::new(head.to_vec()).chain(reader);
    if head.starts_with(b"BZh") || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        let how = if head.starts_with(b"BZh") {
            "bzip2"
        } else {
            "xz"
        };
        return Err(Error::Format(format!(
            "{name} is compressed with {how}, which layerlens does not read: decompress it \
             first (gzip and zstd are read as they are)"
        )));
    }
    match Compression::detect(head) {
        Compression::Gzip => scan(
            flate2::read::MultiGzDecoder::new(whole),
            name,
            keep,
            progress,
            early,
        ),
        Compression::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::new(whole).map_err(|e| Error::io(name, e))?;
            scan(decoder, name, keep, progress, early)
        }
        Compression::None => scan(whole, name, keep, progress, early),
    }
}

fn member_name(raw: &[u8]) -> Option<String> {
    let normal = path::normalize(raw).ok()?;
    String::from_utf8(normal).ok()
}

fn scan<R: Read>(
    reader: R,
    name: &str,
    keep: Keep,
    progress: &dyn Progress,
    early: &mut Early<'_>,
) -> Result<Contents> {
    let mut layer_count = 0usize;
    scan_with(
        TarReader::new(reader),
        name,
        early,
        &mut |tar, _, head, _| {
            let rest = tar.data();
            let result = index_blob(Cursor::new(head).chain(rest), keep).map_err(|e| e.to_string());
            layer_count += 1;
            progress.layer_done(layer_count, None);
            Ok(Some(result))
        },
    )
}

/// What [`scan_with`] does with a member that looks like a layer, given the tar positioned
/// after the member's first bytes, its name, those bytes and its size: index it now
/// (`Some`, which `scan_with` reports to [`Early`]), or leave it to the caller (`None`).
type OnLayer<'a, R> = dyn FnMut(
        &mut TarReader<R>,
        &str,
        Vec<u8>,
        u64,
    ) -> Result<Option<std::result::Result<IndexedBlob, String>>>
    + 'a;

fn scan_with<R: Read>(
    mut tar: TarReader<R>,
    name: &str,
    early: &mut Early<'_>,
    on_layer: &mut OnLayer<'_, R>,
) -> Result<Contents> {
    let archive_err = |source| Error::Archive {
        archive: name.to_string(),
        source,
    };
    let mut c = Contents::default();
    let mut doc_bytes = 0u64;
    while let Some(h) = tar.next_header().map_err(archive_err)? {
        let Some(member) = member_name(&h.name) else {
            continue;
        };
        match h.type_flag {
            b'2' => {
                let target = [path::parent(member.as_bytes()), b"/", &h.link_name].concat();
                if let Some(t) = member_name(&target) {
                    c.links.insert(member, t);
                }
                continue;
            }
            b'1' => {
                if let Some(t) = member_name(&h.link_name) {
                    c.links.insert(member, t);
                }
                continue;
            }
            b'0' => {}
            _ => continue,
        }
        let mut head = vec![0u8; h.size.min(512) as usize];
        tar.data()
            .read_exact(&mut head)
            .map_err(|e| Error::Format(format!("{name}: member {member} is unreadable: {e}")))?;
        if h.size == 0 || looks_like_layer(&head) {
            // A failure caused by the archive itself (truncation) surfaces as the archive's
            // error at the next header; others wait until the manifest says the layer matters.
            if let Some(result) = on_layer(&mut tar, &member, head, h.size)? {
                early.indexed(&member, &result);
                c.layers.insert(member, result);
            }
        } else if h.size <= MAX_DOCUMENT_BYTES && doc_bytes + h.size <= MAX_DOCUMENTS_TOTAL {
            doc_bytes += h.size;
            let mut doc = head;
            tar.data().read_to_end(&mut doc).map_err(|e| {
                Error::Format(format!("{name}: member {member} is unreadable: {e}"))
            })?;
            c.docs.insert(member.clone(), doc);
            // The manifest and config may be in now: the layers can be shown.
            early.try_announce(&c, &member);
        } else {
            c.skipped.insert(member, h.size);
        }
    }
    Ok(c)
}

impl Contents {
    fn resolve(&self, name: &str) -> String {
        let mut n = name.to_string();
        for _ in 0..8 {
            match self.links.get(&n) {
                Some(t) => n = t.clone(),
                None => break,
            }
        }
        n
    }

    fn doc(&self, name: &str, what: &str, archive: &str) -> Result<&[u8]> {
        let key = self.resolve(name.trim_start_matches("./"));
        if let Some(d) = self.docs.get(&key) {
            return Ok(d);
        }
        if let Some(&size) = self.skipped.get(&key) {
            return Err(Error::Format(if size > MAX_DOCUMENT_BYTES {
                format!(
                    "{what} {name} in {archive} is {size} bytes, more than the \
                     {MAX_DOCUMENT_BYTES} bytes layerlens reads of a document"
                )
            } else {
                format!(
                    "{what} {name} in {archive} was not read: the archive's documents before \
                     it already add up to the {MAX_DOCUMENTS_TOTAL} bytes layerlens keeps"
                )
            }));
        }
        Err(Error::MissingBlob {
            what: what.to_string(),
            digest: name.to_string(),
            container: archive.to_string(),
        })
    }

    fn layer(&self, r: &LayerRef, archive: &str) -> Result<IndexedBlob> {
        let key = self.resolve(&r.location);
        match self.layers.get(&key) {
            Some(Ok(blob)) => Ok(blob.clone()),
            Some(Err(why)) => Err(Error::Format(format!("layer {}: {why}", r.location))),
            // Kept as a document because it did not look like a layer: say what it is.
            None if self.docs.contains_key(&key) || self.skipped.contains_key(&key) => {
                Err(Error::Format(format!(
                    "layer {} in {archive} is not a layer: it is neither a tar nor gzip or zstd \
                     data{}",
                    r.location,
                    self.docs
                        .get(&key)
                        .map(|d| format!(" (it starts with {})", first_bytes(d)))
                        .unwrap_or_default()
                )))
            }
            None => Err(Error::MissingBlob {
                what: "layer".into(),
                digest: r.location.clone(),
                container: archive.to_string(),
            }),
        }
    }

    fn docker_plan(&self, archive: &str, tag: Option<&str>) -> Result<Plan> {
        let entries = parse_docker_save(self.doc("manifest.json", "manifest", archive)?)?;
        let entry = match tag {
            None => &entries[0],
            Some(t) => entries
                .iter()
                .find(|e| {
                    e.repo_tags
                        .iter()
                        .flatten()
                        .any(|rt| rt == t || rt.ends_with(&format!(":{t}")))
                })
                .ok_or_else(|| Error::Format(format!("no image tagged '{t}' in {archive}")))?,
        };
        // manifest.json's `Config` and `Layers` are paths, not digests: docker load, dive,
        // go-containerregistry and containers/image never check a name against the content
        // (a config named `<hex>.json` need not hash to it). The layers are verified against
        // the config's diff_ids, which are digests.
        check_layer_count(entry.layers.len(), &format!("manifest.json in {archive}"))?;
        let config_bytes = self.doc(&entry.config, "config", archive)?.to_vec();
        let config_digest = Digest::of(&config_bytes);
        let config = ImageConfig::parse(&config_bytes, &format!("config {}", entry.config))?;
        let layers = entry
            .layers
            .iter()
            .map(|location| LayerRef {
                digest: None,
                size: None,
                media_type: None,
                location: location.trim_start_matches("./").to_string(),
            })
            .collect();
        Ok(Plan {
            source: SourceKind::DockerArchive,
            config,
            config_digest,
            manifest_digest: None,
            repo_tags: entry.repo_tags.clone().unwrap_or_default(),
            layers,
        })
    }

    fn oci_plan(
        &self,
        archive: &str,
        tag: Option<&str>,
        platform: Option<&Platform>,
    ) -> Result<Plan> {
        let index = parse_index(self.doc("index.json", "index", archive)?, "index.json")?;
        let mut fetch = |d: &Digest| -> Result<Vec<u8>> {
            let bytes = self.doc(&format!("blobs/sha256/{}", d.hex()), "blob", archive)?;
            d.verify(&Digest::of(bytes), "blob")?;
            Ok(bytes.to_vec())
        };
        let resolved = resolve_index(&index, "index.json", tag, platform, &mut fetch)?;
        let config_digest = Digest::parse(resolved.manifest.config().digest().as_ref())?;
        let config_bytes = fetch(&config_digest)?;
        let config = ImageConfig::parse(&config_bytes, &format!("config {config_digest}"))?;
        Ok(Plan {
            source: SourceKind::OciArchive,
            config,
            config_digest,
            manifest_digest: Some(resolved.manifest_digest),
            repo_tags: tag.map(|t| vec![t.to_string()]).unwrap_or_default(),
            layers: manifest_layers(&resolved.manifest)?,
        })
    }
}

/// A member's first bytes, as a reader would recognise them: text when they are printable,
/// hex otherwise.
fn first_bytes(data: &[u8]) -> String {
    let head = &data[..data.len().min(16)];
    if !head.is_empty() && head.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("\"{}\"", String::from_utf8_lossy(head))
    } else if head.is_empty() {
        "nothing: it is empty".into()
    } else {
        format!("the bytes {}", hex::encode(head))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::NoProgress;

    fn add(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    }

    fn config_and_manifest() -> (Vec<u8>, Vec<u8>) {
        let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[]}"#;
        let manifest = br#"[{"Config":"c.json","RepoTags":["x:1"],"Layers":[]}]"#;
        (config.to_vec(), manifest.to_vec())
    }

    /// The early looks [`scan`] takes at an archive of these members, and whether they made a
    /// plan.
    fn looks(members: &[(String, &[u8])]) -> (usize, bool) {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in members {
            add(&mut b, name, data);
        }
        let bytes = b.into_inner().unwrap();
        let mut early = Early::new("a", ArchiveKind::Detect, None, None, &NoProgress);
        let keep = Keep::Documents;
        scan(Cursor::new(bytes), "a", keep, &NoProgress, &mut early).unwrap();
        (early.looks, early.positions.is_some())
    }

    /// Looks are taken only when a member can change the answer: many documents between the
    /// manifest and its config cost no parse, and a manifest repeated endlessly costs a few.
    #[test]
    fn early_looks_are_few_whatever_the_documents() {
        let (config, manifest) = config_and_manifest();
        let mut members = vec![("manifest.json".to_string(), &manifest[..])];
        members.extend((0..500).map(|i| (format!("doc{i}.txt"), &b"x"[..])));
        members.push(("c.json".to_string(), &config[..]));
        // The manifest, then the config it lacked.
        assert_eq!(looks(&members), (2, true));
        let repeated = vec![("manifest.json".to_string(), &manifest[..]); 500];
        assert_eq!(looks(&repeated), (EARLY_LOOKS, false));
    }
}
