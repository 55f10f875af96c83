//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod fake_registry;
pub mod live;
