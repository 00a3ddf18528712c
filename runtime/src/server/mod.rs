//! Serving ACP APIs with axum (feature `server`).
//!
//! Generated code builds one [`axum::Router`] per API version and spec whose handlers take
//! [`RequestContext`], [`AcpJson`] and [`AcpQuery`] and fail with [`ApiError`]; merchants put the
//! versions behind the protocol's request pipeline with [`AcpServer::builder`]:
//!
//! ```no_run
//! # async fn run(routes: axum::Router) {
//! use acp_runtime::server::{AcpServer, StaticTokens};
//! let app = AcpServer::builder()
//!     .version("2026-04-17", routes)
//!     .auth(StaticTokens::new([("sk_test".to_string(), "agent-1".to_string())]))
//!     .build();
//! # let _ = app;
//! # }
//! ```
//!
//! The pipeline records request, idempotency and store metrics through the `metrics` facade
//! (see the `metrics` module's source for names and labels); they go to whatever recorder the
//! application installs before [`AcpServerBuilder::build`].

mod auth;
mod error;
mod extract;
mod fingerprint;
mod idempotency;
mod metrics;
mod pipeline;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_tls;
mod rules;
mod serve;
mod sqlite;
mod transaction;
mod webhook;

pub use auth::{BearerVerifier, StaticTokens};
pub use error::ApiError;
pub use extract::{
    parse_query, reply, reply_empty, AcpJson, AcpOptionalJson, AcpQuery, ApiVersion, Identity,
    RequestContext,
};
pub use fingerprint::fingerprint;
pub use idempotency::{
    Begin, Claim, HeldKey, IdempotencyStore, KeyHolder, MemoryStore, StoreError, StoreFuture,
    StoredResponse,
};
pub use pipeline::{AcpServer, AcpServerBuilder};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use rules::{Profile, VersionRules};
pub use serve::{serve, ServeLimits};
pub use sqlite::{Durability, SqliteStore};
#[cfg(feature = "postgres")]
pub use transaction::PostgresClient;
pub use transaction::Transaction;
pub use webhook::{webhook_receiver, DEFAULT_WEBHOOK_TOLERANCE};

/// Locks `mutex` even if a holder panicked: the server's locks guard maps and slots that no
/// update leaves half-changed, and one panicking request must not take the store down.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The default request body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The body limit in force, set as a request extension by the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

/// Header names the protocol uses (lower case, as `http` wants them).
pub mod headers {
    /// `API-Version`.
    pub const API_VERSION: &str = "api-version";
    /// `Request-Id`.
    pub const REQUEST_ID: &str = "request-id";
    /// `Idempotency-Key`.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// `Idempotent-Replayed`.
    pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
    /// `Signature`.
    pub const SIGNATURE: &str = "signature";
    /// `Timestamp`.
    pub const TIMESTAMP: &str = "timestamp";
    /// `Merchant-Signature`.
    pub const MERCHANT_SIGNATURE: &str = "merchant-signature";
}
