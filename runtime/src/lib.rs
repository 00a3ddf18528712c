//! Support code shared by every crate that `acp-codegen` generates.
//!
//! Generated models lean on this crate instead of repeating helpers in every output:
//! [`Nullable`] for fields where `null` and "absent" mean different things, [`DateTime`] for
//! timestamps that must keep their original text, [`Validate`] for the constraints serde cannot
//! express, and [`from_slice`]/[`from_value`] which combine both and report errors as JSONPaths.
#![deny(missing_docs)]

mod datetime;
mod nullable;
mod parse;
pub mod union;
mod validate;

pub use datetime::DateTime;
pub use nullable::Nullable;
#[doc(hidden)]
pub use nullable::required_nullable;
pub use parse::{from_slice, from_str, from_value, ParseError};
pub use validate::{
    ArrayRules, Format, JsonPath, NumberRules, PathSegment, StringRules, Validate, ValidationError,
    Validator,
};

/// A JSON object whose keys keep the order they arrived in.
pub type Map<T> = indexmap::IndexMap<String, T>;

/// Re-exports used by generated code, so generated crates depend on this crate alone.
#[doc(hidden)]
pub mod __private {
    pub use regex::Regex;
    pub use serde;
    pub use serde_json;
    pub use std::sync::LazyLock;
}
