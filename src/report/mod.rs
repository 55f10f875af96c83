//! Reports: what the analysis found, as text, JSON and CI verdicts. Nothing here reads
//! images or draws a terminal UI.

pub mod budget;
pub mod config;
pub mod dive_ci;
pub mod dive_json;
pub mod gofmt;
pub mod summary;
