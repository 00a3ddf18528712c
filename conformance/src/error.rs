//! Why a suite could not be set up (before any check runs).

/// Why a [`crate::Suite`] (or a [`crate::VersionSpec`]) could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The version's spec files could not be loaded or do not match the pins.
    #[error(transparent)]
    Spec(#[from] acp_codegen::Error),
    /// The independent JSON Schema validator could not load the version's schemas.
    #[error(transparent)]
    Validator(#[from] acp_codegen::lint::OracleError),
    /// The base URL is not an http(s) URL.
    #[error("base URL `{0}` must start with http:// or https://")]
    BaseUrl(String),
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// `--transport mcp` for a version without an MCP binding.
    #[error("API version {0} has no MCP binding (no openrpc/ file): check it over REST")]
    NoMcpBinding(String),
    /// `[signing]` of merchant.toml holds a key that cannot be used.
    #[error(transparent)]
    SigningKey(#[from] crate::http::SigningKeyError),
}
