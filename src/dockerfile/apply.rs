//! Puts a pairing on an image: each layer gets the Dockerfile instruction that wrote it (line
//! and text), and the image records what could not be paired, so reports and the UI can say
//! so. The image's bytes and analyses are untouched; only labels change.

use serde::Serialize;

use super::{pair, parse, DockerfileError, Instruction, Keyword};
use crate::image::{DockerfileStep, Image, LayerPreview};
use crate::source::manifest::ImageConfig;

/// What pairing a Dockerfile with an image found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerfileReport {
    /// The Dockerfile's path as the user gave it.
    pub path: String,
    /// How many leading history entries belong to the base image.
    pub base_entries: usize,
    /// Layers (by index, after the base) that no instruction pairs with.
    pub unpaired_layers: Vec<usize>,
    /// Instructions that write a layer (RUN, COPY, ADD) but pair with none: the Dockerfile
    /// changed since the image was built, or a step was cached from another build.
    pub unpaired_steps: Vec<DockerfileStep>,
}

/// An instruction on one line, as a finding or the UI shows it: the keyword, its flags, its
/// arguments (a heredoc's body is left out).
pub fn one_line(i: &Instruction) -> String {
    let mut s = i.keyword.as_str().to_string();
    for (name, value) in &i.flags {
        if value.is_empty() {
            s.push_str(&format!(" --{name}"));
        } else {
            s.push_str(&format!(" --{name}={value}"));
        }
    }
    if !i.args.is_empty() {
        s.push(' ');
        s.push_str(&i.args.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    s
}

/// Parses `text` (the Dockerfile at `path`), pairs the `target` stage (default the last) with
/// the image's history and labels the layers.
pub fn apply(
    image: &mut Image,
    path: &str,
    text: &str,
    target: Option<&str>,
) -> Result<DockerfileReport, DockerfileError> {
    let df = parse(text)?;
    let chain = df.final_chain(target);
    let history = &image.config.history;
    let pairing = pair(&chain, history);
    let per_layer = pairing.per_layer(history);
    let mut unpaired_layers = Vec::new();
    let base_layers = history[..pairing.base_entries.min(history.len())]
        .iter()
        .filter(|h| !h.empty_layer)
        .count();
    for (i, layer) in image.layers.iter_mut().enumerate() {
        layer.dockerfile = step_of(&chain, &per_layer, i);
        if layer.dockerfile.is_none() && i >= base_layers {
            unpaired_layers.push(i);
        }
    }
    let unpaired_steps = pairing
        .unpaired
        .iter()
        .map(|&c| chain[c])
        .filter(|i| matches!(i.keyword, Keyword::Run | Keyword::Copy | Keyword::Add))
        .map(|i| DockerfileStep {
            line: i.line,
            text: one_line(i),
        })
        .collect();
    Ok(DockerfileReport {
        path: path.to_string(),
        base_entries: pairing.base_entries,
        unpaired_layers,
        unpaired_steps,
    })
}

/// Layer `i`'s instruction, as a label.
fn step_of(
    chain: &[&Instruction],
    per_layer: &[Option<usize>],
    i: usize,
) -> Option<DockerfileStep> {
    per_layer.get(i).copied().flatten().map(|c| DockerfileStep {
        line: chain[c].line,
        text: one_line(chain[c]),
    })
}

/// Labels layers not yet loaded (the UI's layers pane while the image loads) exactly as
/// [`apply`] will label the loaded image's: the pairing needs only the config's history.
pub fn apply_to_preview(
    config: &ImageConfig,
    layers: &mut [LayerPreview],
    text: &str,
    target: Option<&str>,
) -> Result<(), DockerfileError> {
    let df = parse(text)?;
    let chain = df.final_chain(target);
    let per_layer = pair(&chain, &config.history).per_layer(&config.history);
    for (i, layer) in layers.iter_mut().enumerate() {
        layer.dockerfile = step_of(&chain, &per_layer, i);
    }
    Ok(())
}
