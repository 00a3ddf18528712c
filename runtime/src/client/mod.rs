//! Calling ACP APIs over HTTP (feature `client`): the core that generated client SDKs wrap, and
//! the merchant's webhook sender.
//!
//! Generated code builds one client struct per API version and spec whose methods call
//! [`ClientCore::call`] (or [`ClientCore::call_empty`] for operations that answer without a
//! body), building paths with [`encode_path_segment`] and [`append_query`]:
//!
//! ```no_run
//! # async fn run() -> Result<(), acp_runtime::client::ClientError> {
//! use acp_runtime::client::{CallOptions, ClientCore};
//! let core = ClientCore::builder("https://merchant.example/api", "2026-04-17")
//!     .bearer("sk_live_...")
//!     .build()?;
//! let path = format!("/checkout_sessions/{}", acp_runtime::client::encode_path_segment("cs_1"));
//! let session = core
//!     .call::<(), serde_json::Value>(http::Method::GET, &path, None, CallOptions::default())
//!     .await?;
//! println!("{} {:?}", session.status, session.request_id);
//! # Ok(()) }
//! ```
//!
//! # What a call does
//!
//! Every request carries `Authorization: Bearer <key>` (when a key is set), `API-Version`,
//! `Accept: application/json`, `User-Agent`, `Content-Type: application/json` when it has a
//! body, `Request-Id` when the caller gives one, and `Signature` + `Timestamp` when a
//! [`SigningKey`] is configured. Every `POST` carries an `Idempotency-Key` (a fresh UUID v4
//! unless the caller passes one in [`CallOptions`]).
//!
//! # Retries
//!
//! A call is attempted up to [`RetryPolicy::max_attempts`] times. The same `Idempotency-Key`
//! and the same body bytes are sent on every attempt, so a retried `POST` is either replayed by
//! the server or runs once. Retried are:
//!
//! - failures without a response (connection refused or reset, timeouts), when the request is
//!   safe to replay: its method is idempotent (`GET`, `PUT`, `DELETE`, ...) or it carries an
//!   `Idempotency-Key` (every `POST` does). A non-idempotent request without a key is retried
//!   only when the connection was never established;
//! - `409` with code `idempotency_in_flight` (the first request with this key is still running),
//!   `429` and `503`: the server did not act on the request.
//!
//! Waits use exponential backoff with full jitter, or the server's `Retry-After` (delta seconds
//! or an HTTP date) capped at [`RetryPolicy::max_delay`].
//!
//! Not retried: every other `4xx` (`400`, `401`, `404`, `405`, `409 idempotency_conflict`,
//! `422`, ...), which would fail the same way again, and every other `5xx`. A `500` in
//! particular is not retried: the spec says 5xx responses are not stored for idempotency, so a
//! retry with the same key would run the operation again, and a failed operation may already
//! have had side effects (a payment authorized, an order placed). Whether to try again is left
//! to the caller, who can see [`ClientError::Api`] and decide.
//!
//! # TLS
//!
//! The crate enables no TLS backend of reqwest. For `https` URLs, enable one in your own
//! `Cargo.toml` (`reqwest = { version = "0.13", features = ["rustls"] }`: cargo unifies the
//! features, so the clients built here gain it too), or build a [`reqwest::Client`] yourself and
//! pass it with [`ClientBuilder::http_client`] / [`WebhookSender::http_client`].

mod discovery;
mod retry;
mod webhook;

use std::time::{Duration, SystemTime};

use http::header::{
    HeaderName, HeaderValue, InvalidHeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT,
};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::signing::SigningKey;
use retry::{execute, Exchange, RetryOn};

pub use crate::path_segment::encode_path_segment;
pub use discovery::{discover, discovery_url, newest_common_version, Discovered};
/// The HTTP method and status types of the API (re-exported from `http`, so generated client
/// code needs no direct dependency on it).
pub use http::{Method, StatusCode};
pub use retry::RetryPolicy;
pub use webhook::{checklist_event_type, WebhookSender};

/// `API-Version`.
const API_VERSION: &str = "api-version";
/// `Request-Id`.
const REQUEST_ID: &str = "request-id";
/// `Idempotency-Key`.
const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// `Idempotent-Replayed`.
const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// `Signature`.
const SIGNATURE: &str = "signature";
/// `Timestamp`.
const TIMESTAMP: &str = "timestamp";

/// The `User-Agent` sent unless another is configured: `acp-runtime/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("acp-runtime/", env!("CARGO_PKG_VERSION"));
/// The default time limit of one attempt: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time limit for establishing a connection: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or the connection broke (after the retries).
    #[error("the request failed after {attempts} attempt(s): {source}")]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        source: reqwest::Error,
    },
    /// The last attempt ran out of time (after the retries).
    #[error("the request timed out (after {attempts} attempt(s))")]
    Timeout {
        /// Attempts made.
        attempts: u32,
    },
    /// The server answered with an error status and the spec's `Error` body.
    #[error("{} {}/{}: {}{}", status.as_u16(), error.error_type, error.code, error.message,
        error.param.as_ref().map(|p| format!(" (at {p})")).unwrap_or_default())]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The parsed `Error` body (boxed to keep `Result<_, ClientError>` small).
        error: Box<ApiErrorBody>,
        /// The response's `Request-Id`.
        request_id: Option<String>,
        /// Whether the response was a replay (`Idempotent-Replayed: true`).
        idempotent_replayed: bool,
        /// Attempts made.
        attempts: u32,
    },
    /// The response body is not what the operation returns: not JSON, not the expected type,
    /// breaking a constraint of the spec (the message names the JSONPath), or an error status
    /// without the spec's `Error` body.
    #[error("unexpected {} response: {message}", status.as_u16())]
    UnexpectedBody {
        /// The HTTP status.
        status: StatusCode,
        /// What is wrong, with the JSONPath of the offending value when there is one.
        message: String,
        /// The body as received (lossy UTF-8).
        body: String,
        /// The response's `Request-Id`.
        request_id: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// The request could not be built: the body does not serialize, a header value is not
    /// valid, the URL is malformed, signing failed.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl ClientError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Api { status, .. } | ClientError::UnexpectedBody { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The response's `Request-Id`, when the server answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ClientError::Api { request_id, .. }
            | ClientError::UnexpectedBody { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The spec's `Error` body, for [`ClientError::Api`].
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match self {
            ClientError::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Attempts made (`0` when the request could not even be built).
    pub fn attempts(&self) -> u32 {
        match self {
            ClientError::Transport { attempts, .. }
            | ClientError::Timeout { attempts }
            | ClientError::Api { attempts, .. }
            | ClientError::UnexpectedBody { attempts, .. } => *attempts,
            ClientError::InvalidRequest(_) => 0,
        }
    }
}

/// The protocol's `Error` body: `{type, code, message, param?, supported_versions?}`. Other
/// members are ignored.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq)]
pub struct ApiErrorBody {
    /// The error category (`invalid_request`, `processing_error`, `unauthorized`, ...).
    #[serde(rename = "type")]
    pub error_type: String,
    /// A machine-readable code (`missing`, `idempotency_conflict`, ...).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The RFC 9535 JSONPath of the offending value, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The API versions the server accepts (on version errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_versions: Option<Vec<String>>,
}

/// Per-call settings.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// The `Idempotency-Key` to send (any method). `POST`s without one get a fresh UUID v4; pass
    /// your own to retry a call across process restarts.
    pub idempotency_key: Option<String>,
    /// The `Request-Id` to send.
    pub request_id: Option<String>,
    /// More headers (`Accept-Language`, ...). They are set last and replace a header of the same
    /// name set by the client.
    pub extra_headers: Vec<(String, String)>,
}

impl CallOptions {
    /// Options with this `Idempotency-Key`.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Options with this `Request-Id`.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Options with one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct AcpResponse<T> {
    /// The HTTP status.
    pub status: StatusCode,
    /// The parsed and validated body.
    pub body: T,
    /// The response's `Request-Id`.
    pub request_id: Option<String>,
    /// Whether the server replayed a stored response (`Idempotent-Replayed: true`).
    pub idempotent_replayed: bool,
    /// The `Idempotency-Key` that was sent, if any.
    pub idempotency_key: Option<String>,
    /// Attempts made (1 when the first succeeded).
    pub attempts: u32,
}

/// The HTTP client that generated client SDKs wrap: one merchant's base URL, API key and API
/// version. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct ClientCore {
    http: reqwest::Client,
    base_url: String,
    api_version: String,
    /// `Authorization`, `API-Version`, `Accept`, `User-Agent`.
    headers: HeaderMap,
    /// A per-request time limit, for a caller-supplied reqwest client.
    timeout: Option<Duration>,
    retry: RetryPolicy,
    signer: Option<SigningKey>,
}

impl std::fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCore")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("bearer", &self.headers.contains_key(AUTHORIZATION))
            .field("retry", &self.retry)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl ClientCore {
    /// A builder for a client of the API at `base_url` (paths are appended to it, so
    /// `https://merchant.example/api` + `/checkout_sessions`) speaking `api_version`.
    pub fn builder(base_url: impl Into<String>, api_version: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            api_version: api_version.to_string(),
            bearer: None,
            timeout: None,
            connect_timeout: None,
            user_agent: None,
            retry: RetryPolicy::default(),
            signer: None,
            http: None,
        }
    }

    /// The `API-Version` sent with every request.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The underlying reqwest client.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends `body` (as JSON) to `path` and parses a 2xx response as `T` with
    /// [`crate::from_slice`], so a response breaking the spec's constraints is reported as
    /// [`ClientError::UnexpectedBody`] with the JSONPath of the offending value. Error statuses
    /// become [`ClientError::Api`]. See the [module documentation](self) for headers and retries.
    pub async fn call<B: Serialize, T: DeserializeOwned + crate::Validate>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        options: CallOptions,
    ) -> Result<AcpResponse<T>, ClientError> {
        let (exchange, attempts, idempotency_key) =
            self.exchange(method, path, body, options).await?;
        match crate::from_slice::<T>(&exchange.body) {
            Ok(body) => Ok(AcpResponse {
                status: exchange.status,
                body,
                request_id: exchange.request_id,
                idempotent_replayed: exchange.idempotent_replayed,
                idempotency_key,
                attempts,
            }),
            Err(error) => Err(unexpected(
                exchange,
                attempts,
                format!("the body is not the expected type: {error}"),
            )),
        }
    }

    /// Like [`ClientCore::call`] for operations whose success has no body: any 2xx is success
    /// and its body, if any, is ignored.
    pub async fn call_empty<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        options: CallOptions,
    ) -> Result<AcpResponse<()>, ClientError> {
        let (exchange, attempts, idempotency_key) =
            self.exchange(method, path, body, options).await?;
        Ok(AcpResponse {
            status: exchange.status,
            body: (),
            request_id: exchange.request_id,
            idempotent_replayed: exchange.idempotent_replayed,
            idempotency_key,
            attempts,
        })
    }

    /// Runs the attempts of one call; a final non-2xx response becomes an error.
    async fn exchange<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        options: CallOptions,
    ) -> Result<(Exchange, u32, Option<String>), ClientError> {
        let url = self.url(path)?;
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::InvalidRequest(format!("cannot serialize the body: {e}")))?;
        let idempotency_key = options
            .idempotency_key
            .or_else(|| (method == Method::POST).then(|| uuid::Uuid::new_v4().to_string()));

        let mut headers = self.headers.clone();
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(key) = &idempotency_key {
            headers.insert(IDEMPOTENCY_KEY, header_value("Idempotency-Key", key)?);
        }
        if let Some(id) = &options.request_id {
            headers.insert(REQUEST_ID, header_value("Request-Id", id)?);
        }
        for (name, value) in &options.extra_headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ClientError::InvalidRequest(format!("`{name}` is not a valid header name"))
            })?;
            let value = header_value(name.as_str(), value)?;
            headers.insert(name, value);
        }

        let replay_safe = method.is_idempotent() || idempotency_key.is_some();
        let (exchange, attempts) = execute(&self.retry, replay_safe, RetryOn::Transient, || {
            let mut headers = headers.clone();
            let bytes = body.clone().unwrap_or_default();
            if let Some(key) = &self.signer {
                let timestamp = rfc3339_now();
                let signature = crate::signing::sign(key, &timestamp, &bytes).map_err(|e| {
                    ClientError::InvalidRequest(format!("cannot sign the request: {e}"))
                })?;
                headers.insert(TIMESTAMP, header_value("Timestamp", &timestamp)?);
                headers.insert(SIGNATURE, header_value("Signature", &signature)?);
            }
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .headers(headers);
            if body.is_some() {
                request = request.body(bytes);
            }
            if let Some(timeout) = self.timeout {
                request = request.timeout(timeout);
            }
            Ok(request)
        })
        .await?;
        if exchange.status.is_success() {
            Ok((exchange, attempts, idempotency_key))
        } else {
            Err(error_response(exchange, attempts))
        }
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, ClientError> {
        let separator = if path.starts_with('/') || path.is_empty() {
            ""
        } else {
            "/"
        };
        let text = format!("{}{separator}{path}", self.base_url);
        reqwest::Url::parse(&text)
            .map_err(|e| ClientError::InvalidRequest(format!("`{text}` is not a valid URL: {e}")))
    }
}

/// Builds a [`ClientCore`].
pub struct ClientBuilder {
    base_url: String,
    api_version: String,
    bearer: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    retry: RetryPolicy,
    signer: Option<SigningKey>,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("bearer", &self.bearer.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("signer", &self.signer)
            .field("http_client", &self.http.is_some())
            .finish()
    }
}

impl ClientBuilder {
    /// The API key, sent as `Authorization: Bearer <key>`.
    pub fn bearer(mut self, key: impl Into<String>) -> Self {
        self.bearer = Some(key.into());
        self
    }

    /// The time limit of one attempt, from sending to the end of the body (default 30 s). The
    /// retries of a call each get this much again.
    pub fn timeout(mut self, total: Duration) -> Self {
        self.timeout = Some(total);
        self
    }

    /// The time limit for establishing a connection (default 10 s). Has no effect with
    /// [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// The `User-Agent` (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]: 4 attempts, 200 ms .. 10 s).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Signs every request: `Timestamp` (RFC 3339, the current time of each attempt) and
    /// `Signature` = [`crate::signing::sign`] over the exact body bytes sent.
    pub fn signing(mut self, key: SigningKey) -> Self {
        self.signer = Some(key);
        self
    }

    /// Uses this reqwest client (for TLS, proxies, custom pools). Its own settings then apply:
    /// the connect timeout and user agent configured on it are used, not this builder's
    /// defaults; a [`ClientBuilder::timeout`] or [`ClientBuilder::user_agent`] set explicitly
    /// here is still applied per request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<ClientCore, ClientError> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| {
            ClientError::InvalidRequest(format!("`{base_url}` is not a valid base URL: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::InvalidRequest(format!(
                "the base URL `{base_url}` must be http or https"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(ClientError::InvalidRequest(format!(
                "the base URL `{base_url}` must not have a query or fragment"
            )));
        }

        let mut headers = HeaderMap::new();
        headers.insert(API_VERSION, header_value("API-Version", &self.api_version)?);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(key) = &self.bearer {
            let mut value = header_value("Authorization", &format!("Bearer {key}"))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }

        let (http, timeout, user_agent) = match self.http {
            Some(http) => (http, self.timeout, self.user_agent),
            None => {
                let http = reqwest::Client::builder()
                    .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .build()
                    .map_err(|e| {
                        ClientError::InvalidRequest(format!("cannot build the HTTP client: {e}"))
                    })?;
                let user_agent = self
                    .user_agent
                    .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string());
                (http, None, Some(user_agent))
            }
        };
        if let Some(user_agent) = &user_agent {
            headers.insert(USER_AGENT, header_value("User-Agent", user_agent)?);
        }

        Ok(ClientCore {
            http,
            base_url,
            api_version: self.api_version,
            headers,
            timeout,
            retry: self.retry,
            signer: self.signer,
        })
    }
}

/// Appends the query string of `query` (a struct or map of scalars, form-encoded; `None` members
/// are left out) to `path`. An empty query leaves `path` unchanged.
pub fn append_query<Q: Serialize + ?Sized>(path: &str, query: &Q) -> Result<String, ClientError> {
    let encoded = serde_urlencoded::to_string(query)
        .map_err(|e| ClientError::InvalidRequest(format!("cannot encode the query: {e}")))?;
    if encoded.is_empty() {
        return Ok(path.to_string());
    }
    let separator = if path.contains('?') { '&' } else { '?' };
    Ok(format!("{path}{separator}{encoded}"))
}

/// A header's value as text, when it is visible ASCII.
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, ClientError> {
    HeaderValue::from_str(value).map_err(|_: InvalidHeaderValue| {
        ClientError::InvalidRequest(format!("the {name} header value is not valid"))
    })
}

/// The current time as RFC 3339 in UTC, to the second: `2026-04-17T12:00:00Z`.
pub(crate) fn rfc3339_now() -> String {
    chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A final non-2xx response: [`ClientError::Api`] when the body is the spec's `Error`.
fn error_response(exchange: Exchange, attempts: u32) -> ClientError {
    match serde_json::from_slice::<ApiErrorBody>(&exchange.body) {
        Ok(error) => ClientError::Api {
            status: exchange.status,
            error: Box::new(error),
            request_id: exchange.request_id,
            idempotent_replayed: exchange.idempotent_replayed,
            attempts,
        },
        Err(e) => unexpected(
            exchange,
            attempts,
            format!("the error body is not the protocol's Error: {e}"),
        ),
    }
}

fn unexpected(exchange: Exchange, attempts: u32, message: String) -> ClientError {
    ClientError::UnexpectedBody {
        status: exchange.status,
        message,
        body: String::from_utf8_lossy(&exchange.body).into_owned(),
        request_id: exchange.request_id,
        attempts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_path_segment("cs_123-A.b~"), "cs_123-A.b~");
        assert_eq!(encode_path_segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment(""), "");
    }

    #[test]
    fn queries_are_appended() {
        #[derive(Serialize)]
        struct Page {
            limit: u32,
            cursor: Option<String>,
            q: Option<String>,
        }
        let page = Page {
            limit: 10,
            cursor: None,
            q: Some("a b&c".into()),
        };
        assert_eq!(
            append_query("/feeds/f1/products", &page).unwrap(),
            "/feeds/f1/products?limit=10&q=a+b%26c"
        );
        assert_eq!(append_query("/x?a=1", &[("b", "2")]).unwrap(), "/x?a=1&b=2");
        let empty: [(&str, &str); 0] = [];
        assert_eq!(append_query("/x", &empty).unwrap(), "/x");
    }

    #[test]
    fn the_builder_checks_the_base_url_and_headers() {
        let error = |builder: ClientBuilder| match builder.build() {
            Err(ClientError::InvalidRequest(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(error(ClientCore::builder("not a url", "2026-04-17")).contains("base URL"));
        assert!(error(ClientCore::builder("ftp://x", "2026-04-17")).contains("http"));
        assert!(error(ClientCore::builder("http://x/?a=1", "2026-04-17")).contains("query"));
        assert!(
            error(ClientCore::builder("http://x", "2026-04-17").bearer("a\nb"))
                .contains("Authorization")
        );
        let core = ClientCore::builder("http://127.0.0.1:9/api/", "2026-04-17")
            .build()
            .unwrap();
        assert_eq!(core.base_url(), "http://127.0.0.1:9/api");
        assert_eq!(core.api_version(), "2026-04-17");
        assert_eq!(
            core.url("/checkout_sessions").unwrap().as_str(),
            "http://127.0.0.1:9/api/checkout_sessions"
        );
        assert_eq!(
            core.url("checkout_sessions").unwrap().as_str(),
            "http://127.0.0.1:9/api/checkout_sessions"
        );
    }

    #[test]
    fn api_error_bodies_tolerate_extra_members() {
        let body: ApiErrorBody = serde_json::from_str(
            r#"{"type":"invalid_request","code":"missing","message":"m","param":"$.a","extra":1}"#,
        )
        .unwrap();
        assert_eq!(body.param.as_deref(), Some("$.a"));
        assert_eq!(body.supported_versions, None);
    }

    #[test]
    fn errors_stay_small() {
        // Under clippy's `result_large_err` threshold, so generated SDK methods returning
        // `Result<_, ClientError>` pass `-D warnings` without allows.
        assert!(std::mem::size_of::<ClientError>() <= 128);
    }

    #[test]
    fn timestamps_are_rfc_3339() {
        let now = rfc3339_now();
        assert!(chrono::DateTime::parse_from_rfc3339(&now).is_ok(), "{now}");
        assert!(now.ends_with('Z'), "{now}");
    }
}
