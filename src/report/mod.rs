//! Reports: what the analysis found, as text, JSON and CI verdicts. Nothing here reads
//! images or draws a terminal UI.

pub mod budget;
pub mod diff_text;
pub mod dive_ci;
pub mod dive_json;
pub mod github;
pub mod gofmt;
pub mod html;
pub mod junit;
pub mod summary;
pub mod waste_text;
