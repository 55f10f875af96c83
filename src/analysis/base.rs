//! The base image: the leading layers the build started from (the history before its first
//! step), and the distribution they hold (`os-release`). The boundary comes from the Dockerfile
//! when one was paired; otherwise from the history: a `docker import`ed first layer, or the
//! base's own closing `CMD`/`ENTRYPOINT` followed by more layers. When none says, the base is
//! unknown (0 layers) rather than guessed.

use serde::Serialize;

use super::final_view::FinalView;
use crate::image::Image;
use crate::index::pkgdb::os_release;
use crate::index::DocContent;

/// How the base's last layer was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseEvidence {
    /// Layers before the first one paired with the user's Dockerfile.
    Dockerfile,
    /// The first layer came from `docker import` (no command, a comment such as "Imported
    /// from -").
    Imported,
    /// The history has a `CMD` or `ENTRYPOINT` (the base's last instruction) before more layers.
    BaseCmd,
    /// Nothing says where the base ends.
    Unknown,
}

/// The distribution the image is built on, from `os-release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    /// `debian`, `ubuntu`, `alpine`, `fedora`...
    pub id: String,
    pub version_id: Option<String>,
    pub codename: Option<String>,
    /// "Debian GNU/Linux 12 (bookworm)".
    pub pretty_name: Option<String>,
}

/// The base image's part of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseImage {
    /// How many leading layers came from the base (0 when unknown).
    pub layers: usize,
    /// Their size (dive's measure: tar header sizes).
    pub size_bytes: u64,
    pub evidence: BaseEvidence,
    pub distribution: Option<Distribution>,
}

/// Finds the base's layers and the distribution.
pub fn base_image(image: &Image, view: &FinalView) -> BaseImage {
    let n = image.layers.len();
    let (layers, evidence) =
        if let Some(first) = image.layers.iter().position(|l| l.dockerfile.is_some()) {
            (first, BaseEvidence::Dockerfile)
        } else if n > 1 && image.layers[0].history.as_ref().is_some_and(is_import) {
            (1, BaseEvidence::Imported)
        } else {
            match last_cmd_before_more_layers(image) {
                Some(l) => (l, BaseEvidence::BaseCmd),
                None => (0, BaseEvidence::Unknown),
            }
        };
    BaseImage {
        layers,
        size_bytes: image.layers[..layers].iter().map(|l| l.size).sum(),
        evidence,
        distribution: distribution(image, view),
    }
}

/// Whether a history entry is `docker import`'s: no command, and a comment (`Imported from
/// -`, or the message given with `-m`).
fn is_import(h: &crate::source::manifest::HistoryEntry) -> bool {
    h.created_by
        .as_deref()
        .unwrap_or_default()
        .trim()
        .is_empty()
        && h.comment.as_deref().is_some_and(|c| !c.is_empty())
}

/// Layers before the last history `CMD`/`ENTRYPOINT` that more layers follow: a base image
/// ends with its command, which the build then overrides or inherits.
fn last_cmd_before_more_layers(image: &Image) -> Option<usize> {
    let history = &image.config.history;
    let mut layers_before = 0usize;
    let mut found = None;
    for h in history {
        let text = h.created_by.as_deref().unwrap_or_default();
        let body = text
            .strip_prefix("/bin/sh -c #(nop)")
            .unwrap_or(text)
            .trim_start();
        let is_cmd = body.starts_with("CMD ") || body.starts_with("ENTRYPOINT ");
        if is_cmd && layers_before > 0 {
            found = Some(layers_before);
        }
        if !h.empty_layer {
            layers_before += 1;
        }
    }
    found.filter(|&l| l < image.layers.len())
}

fn distribution(image: &Image, view: &FinalView) -> Option<Distribution> {
    let tree = &image.tree;
    for p in os_release::PATHS {
        let Some(n) = tree.find(p.as_bytes()) else {
            continue;
        };
        let Some(o) = view.origin(n) else {
            continue;
        };
        let doc = o
            .entry
            .and_then(|e| super::packages::doc_of(image, o.layer, e));
        if let Some(DocContent::Bytes(b)) = doc.map(|d| &d.content) {
            let r = os_release::parse(b);
            return Some(Distribution {
                id: r.id,
                version_id: r.version_id,
                codename: r.version_codename,
                pretty_name: r.pretty_name,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;

    #[test]
    fn the_base_ends_at_its_command_or_an_import() {
        let mut img = image(
            vec![
                ("#(nop) ADD file:abc in /", vec![file("bin/sh", 100, 1)]),
                ("apt-get install -y curl", vec![file("usr/bin/curl", 50, 2)]),
            ],
            None,
        );
        let cmd = crate::source::manifest::HistoryEntry {
            created_by: Some("/bin/sh -c #(nop)  CMD [\"bash\"]".to_string()),
            empty_layer: true,
            ..Default::default()
        };
        img.config.history = vec![
            img.layers[0].history.clone().unwrap(),
            cmd,
            img.layers[1].history.clone().unwrap(),
        ];
        let view = FinalView::new(&img);
        let b = base_image(&img, &view);
        assert_eq!(
            (b.layers, b.size_bytes, b.evidence),
            (1, 100, BaseEvidence::BaseCmd)
        );

        img.config.history.remove(1);
        assert_eq!(base_image(&img, &view).evidence, BaseEvidence::Unknown);
        let h = img.layers[0].history.as_mut().unwrap();
        h.created_by = None;
        h.comment = Some("Imported from -".into());
        assert_eq!(base_image(&img, &view).layers, 1);
        img.layers[1].dockerfile = Some(crate::image::DockerfileStep {
            line: 3,
            text: "RUN apt-get install -y curl".into(),
        });
        assert_eq!(base_image(&img, &view).evidence, BaseEvidence::Dockerfile);
    }
}
