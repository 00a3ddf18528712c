//! Procedural macros on top of the acp-codegen generator.
//!
//! - [`generate!`]: the models (and optionally server stubs and clients) of one ACP version,
//!   expanded in place: exactly what `acp-codegen generate` (or a `build.rs` calling
//!   `Generator::lib_source`) writes, read from the same pinned spec files.
//! - [`AcpSchema`](derive@AcpSchema): checks a hand-written struct or enum against a spec schema
//!   at compile time, and implements `schemars::JsonSchema` (the spec's schema) and conversions
//!   to and from the generated model.
//!
//! Both read the spec files at compile time from the spec root the CLI uses (`ACP_SPEC_ROOT`,
//! else `../shared/acp-spec` next to the acp-codegen workspace), check them against the pin
//! file, and make cargo rebuild when a file read changes (the expansion `include_bytes!`s each
//! one and reads `ACP_SPEC_ROOT` with `option_env!`).

use proc_macro::TokenStream;

mod args;
mod derive;
mod generate;
mod spec;

/// The generated code of one ACP version, in place.
///
/// ```ignore
/// acp_macros::generate!(version = "2026-04-17");
/// acp_macros::generate!(version = "2026-04-17", spec = "checkout", spec = "webhooks", server, client);
/// acp_macros::generate!(version = "2026-04-17", spec = ["checkout", "webhooks"], tolerant);
/// ```
///
/// Arguments: `version = "..."` (required); `spec = "..."` (repeatable, or a list; a spec's file
/// name `agentic_checkout` or its module name `checkout`; none means all); the flags `server`,
/// `client`, `tolerant`, `borrowed` and `allow_unpinned`, as on the command line. The expansion is
/// `SUPPORTED_VERSIONS` and `pub mod v<version> { ... }`, as `Generator::lib_source(&[version],
/// false)` returns it; the crate needs the generated code's dependencies (`acp-runtime`,
/// `serde`, `serde_json`, and `axum` with `server`). Spec errors are compile errors at the
/// offending argument, with the generator's message (file:line:col).
#[proc_macro]
pub fn generate(input: TokenStream) -> TokenStream {
    generate::expand(input.into()).into()
}

/// Checks a struct or enum against an ACP spec schema at compile time.
///
/// ```ignore
/// #[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
/// #[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
/// struct ShippingAddress {
///     name: String,
///     line_one: String,
///     #[serde(default, skip_serializing_if = "Option::is_none")]
///     line_two: Option<String>,
///     // ...
/// }
/// ```
///
/// `#[acp(...)]` on the type: `version` and `schema` (the type's name in the generated code,
/// which is the spec's schema name for top-level schemas) are required; `spec = "..."` picks the
/// spec when several define the name; `model = "path::To::Model"` overrides the generated model
/// (default `::acp::v<version>::<module>::<Schema>`); `allow_unpinned` accepts spec files that
/// do not match the pin file. `#[acp(unchecked)]` on a field skips the check of its JSON type
/// (for newtypes the syntax cannot judge).
///
/// Structs (named fields) are checked against object schemas: every required property has a
/// field, every field is a property (unless the schema is open; near-misses by case or
/// underscores are always reported with a suggestion), JSON types agree as far as the Rust type
/// syntax tells, and `Option` matches required-ness. Enums (unit variants) are checked against
/// string enums: every variant is a value and every value has a variant. `serde`'s `rename`,
/// `rename_all`, `skip`, `default` and (for a last field collecting extra members) `flatten`
/// are honoured.
///
/// It implements `schemars::JsonSchema` with the spec's schema, and `TryFrom<&Type> for Model`
/// and `TryFrom<&Model> for Type` (through `serde_json::Value`, `Error = serde_json::Error`), so
/// the crate needs `serde`, `serde_json`, `schemars` 1.x and (for the default model path) `acp`
/// with the version's feature.
#[proc_macro_derive(AcpSchema, attributes(acp))]
pub fn derive_acp_schema(input: TokenStream) -> TokenStream {
    derive::expand(input.into()).into()
}
