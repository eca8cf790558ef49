//! Validated phase configurations (parse, don't validate).
//!
//! Each `XConfig` has a public serde input type `XConfigInput` that mirrors the JSON shape
//! (camelCase, unknown fields refused) and a `TryFrom<XConfigInput>` that returns
//! [`crate::ValidationErrors`] naming every offending field. `XConfig` itself deserialises
//! through that conversion, so an invalid configuration cannot be represented.

pub mod dns;
pub mod generation;
pub mod http;
