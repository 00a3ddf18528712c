//! Typed models of the Agentic Commerce Protocol, generated at build time by `acp-codegen` from
//! the pinned spec files (see `specs/pins.toml`).
//!
//! One module per API version (`v2026_04_17`), each behind a cargo feature of the same name
//! (the latest is on by default), and inside it one module per spec:
//! `acp::v2026_04_17::checkout::CheckoutSession`. Parse with [`acp_runtime::from_slice`] to get
//! both serde's structural checks and the spec's constraints, with errors as JSONPaths.

pub use acp_runtime as runtime;

include!(concat!(env!("OUT_DIR"), "/acp.rs"));
