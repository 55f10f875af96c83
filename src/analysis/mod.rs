//! Analysis: pure functions over an indexed image.

pub mod dive;
