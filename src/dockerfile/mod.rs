//! The Dockerfile beside an image: read it ([`parse`]), find the instructions that end up in
//! the image's history ([`Dockerfile::final_chain`]), and pair them with the history entries
//! and layers they wrote ([`pair`]), so a finding can say `Dockerfile:LINE`.
//!
//! A second input to the analysis, beside the image: it takes the Dockerfile's text and the
//! config's `&[HistoryEntry]`, never loads an image or reads a file itself, and never panics
//! on bad input (a Dockerfile over 1 MiB is refused).
//!
//! - `parse.rs`: the parser (directives, continuations, flags, heredocs, stages).
//! - `chain.rs`: the target stage's chain of stages back to an external image.
//! - `recorded.rs`: what each builder writes in `created_by`, read back and predicted.
//! - `pair.rs`: the alignment, its rules, and the forms observed from both builders.
//! - `words.rs`: Docker's word splitting, quotes and `$VAR` references.
//! - `apply.rs`: labels an image's layers with their instructions (`Dockerfile:LINE`) and says
//!   what could not be paired.

/// A Dockerfile the user pointed at: where it is, its text, and the stage that was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileInput {
    pub path: String,
    pub text: String,
    pub target: Option<String>,
}

impl DockerfileInput {
    /// Pairs it with `image`, labelling the layers and recording the report on the image.
    pub fn label(&self, image: &mut crate::image::Image) -> Result<(), DockerfileError> {
        let report = apply(image, &self.path, &self.text, self.target.as_deref())?;
        image.dockerfile = Some(report);
        Ok(())
    }

    /// Labels layers still loading as [`DockerfileInput::label`] will label them loaded.
    pub fn label_preview(
        &self,
        config: &crate::source::manifest::ImageConfig,
        layers: &mut [crate::image::LayerPreview],
    ) -> Result<(), DockerfileError> {
        apply::apply_to_preview(config, layers, &self.text, self.target.as_deref())
    }
}

pub mod apply;
pub mod chain;
pub mod pair;
pub mod parse;
mod recorded;
mod words;

pub use apply::{apply, one_line, DockerfileReport};
pub use chain::Chain;
pub use pair::{pair, Pairing};
pub use parse::{
    parse, Dockerfile, DockerfileError, Heredoc, Instruction, Keyword, Stage, MAX_DOCKERFILE_BYTES,
};
