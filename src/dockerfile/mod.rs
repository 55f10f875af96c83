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

pub mod chain;
pub mod pair;
pub mod parse;
mod recorded;
mod words;

pub use chain::Chain;
pub use pair::{pair, Pairing};
pub use parse::{
    parse, Dockerfile, DockerfileError, Heredoc, Instruction, Keyword, Stage, MAX_DOCKERFILE_BYTES,
};
