//! Support code shared by every crate that `acp-codegen` generates.
//!
//! Generated models lean on this crate instead of repeating helpers in every output:
//! [`Nullable`] for fields where `null` and "absent" mean different things, [`DateTime`] for
//! timestamps that must keep their original text, [`Validate`] for the constraints serde cannot
//! express, and [`from_slice`]/[`from_value`] which combine both and report errors as JSONPaths.
#![deny(missing_docs)]

mod borrowed;
mod causes;
#[cfg(feature = "client")]
pub mod client;
mod datetime;
#[cfg(feature = "jsonl")]
pub mod jsonl;
pub mod mcp;
mod nullable;
mod object_only;
mod parse;
mod path_segment;
pub mod scan;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "signing")]
pub mod signing;
pub mod union;
mod validate;
pub mod versions;

pub use borrowed::{Document, Owned, Str};
pub use causes::with_causes;
pub use datetime::DateTime;
#[doc(hidden)]
pub use nullable::required_nullable;
pub use nullable::Nullable;
pub use object_only::ObjectOnly;
pub use parse::{from_slice, from_str, from_value, roundtrip, roundtrip_view, ParseError};
pub use validate::{
    ArrayRules, Format, JsonPath, MemberTest, NumberRules, PathSegment, StringRules, Validate,
    ValidationError, Validator,
};

/// Defines a unit type that stands for one JSON string (a schema's `const`), so a value of the
/// wrong constant cannot be built or parsed.
#[macro_export]
macro_rules! const_string {
    ($(#[$attr:meta])* $name:ident = $value:literal) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl $name {
            /// The only value.
            pub const VALUE: &'static str = $value;
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                if text == $value {
                    Ok($name)
                } else {
                    Err(<D::Error as $crate::__private::serde::de::Error>::custom(format!(
                        "expected `{}`, got `{}`", $value, text
                    )))
                }
            }
        }

        impl $crate::Validate for $name {
            fn validate(&self, _: &mut $crate::Validator) {}
        }
    };
}

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
