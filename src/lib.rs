//! layerlens: where the bytes in a container image come from, and which of them are wasted.
//!
//! Data flows one way: [`source`] (bytes of an image) → [`index`] (per-layer entries and the
//! merged view) → [`analysis`] (pure functions over the index) → [`report`] (text, JSON, CI
//! verdicts). [`cli`] wires them to the command line.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod dockerfile;
pub mod error;
pub mod image;
pub mod index;
pub mod report;
pub mod source;
pub mod tarstream;
pub mod tui;
pub mod units;

pub use error::Error;
pub use image::Image;
