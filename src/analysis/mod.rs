//! Analysis: pure functions over an indexed image.

pub mod dive;
pub mod hidden;
