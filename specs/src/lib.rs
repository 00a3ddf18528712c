//! Pinning, verification, location and syncing of the ACP specification files.
//!
//! The ACP spec files (OpenAPI, JSON Schema, OpenRPC and examples) are never copied into
//! this repository. Instead `specs/pins.toml` records the SHA-256 of every file the generator
//! reads, and the generator checks each file's bytes against it with [`Pins::check`].
//!
//! Layout of a spec root (an upstream checkout, or `../shared/acp-spec`):
//!
//! ```text
//! <root>/SOURCE.md                 optional provenance note
//! <root>/spec/<YYYY-MM-DD>/...     openapi/, json-schema/, openrpc/
//! <root>/examples/<YYYY-MM-DD>/... example payloads
//! ```
#![deny(missing_docs)]

mod error;
mod fsutil;
mod pins;
mod root;
#[cfg(feature = "sync")]
mod sync;

pub use error::{Error, PinError, RootCandidate};
pub use pins::{pin, pins_path, sha256_hex, Pins, Upstream, VersionPin};
pub use root::{is_version_name, resolve_spec_root, spec_versions, workspace_root, SPEC_ROOT_ENV};
#[cfg(feature = "sync")]
pub use sync::{sync, SyncReport};
