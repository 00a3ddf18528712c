//! The request pipeline in front of the generated routes, and its builder.

use std::any::Any;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::ops::ControlFlow::{self, Break, Continue};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::FutureExt;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{Method, StatusCode};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tracing::field::Empty;
use tracing::Instrument;

use super::auth::{credentials, BearerVerifier, Credentials};
use super::error::ApiError;
use super::extract::{read_body, too_large, ApiVersion, Identity};
use super::fingerprint::fingerprint;
use super::idempotency::{
    Begin, Claim, HeldKey, IdempotencyStore, MemoryStore, StoreError, StoredResponse,
};
use super::lock;
use super::metrics::{label_routes, RequestMetrics};
use super::rules::{Profile, VersionRules};
use super::serve::BodyReadTimeout;
use super::{headers, BodyLimit, DEFAULT_BODY_LIMIT};
use crate::signing::SignatureVerifier;

/// The default of [`AcpServerBuilder::max_stored_response`].
const DEFAULT_MAX_STORED_RESPONSE: usize = 1024 * 1024;

/// The most signatures remembered by [`AcpServerBuilder::refuse_signature_replay`]
/// (about 100 bytes each).
const SIGNATURE_REPLAY_CAPACITY: usize = 100_000;

/// Entry point for serving ACP APIs: see [`AcpServer::builder`].
#[derive(Debug)]
pub struct AcpServer;

impl AcpServer {
    /// A builder for the router that serves one or more API versions behind the protocol's
    /// request pipeline.
    pub fn builder() -> AcpServerBuilder {
        AcpServerBuilder::default()
    }
}

/// Builds the [`Router`] that serves the registered API versions.
///
/// Every request passes, in this order: `Request-Id` echo (on every response), bearer
/// authentication on the headers alone (`401`; the body is not read for a refused request), the
/// body size limit (`413 request_too_large`), `API-Version` negotiation
/// (`400 missing_api_version` / `unsupported_api_version` with `supported_versions`), request
/// signatures when configured (`401 invalid_signature`; `401 signature_replayed` for a reused
/// signature with [`refuse_signature_replay`](Self::refuse_signature_replay)), idempotency for POST (per the version's
/// [`VersionRules`]), and finally the version's routes (unknown path `404`, wrong method `405`,
/// a panicking handler `500`, all with the spec's error body). Where the launch checklist and
/// the spec disagree, [`profile`](Self::profile) picks which one the server follows.
///
/// A refused `401` never waits for its body. Serve the router with [`serve`](super::serve):
/// its [`ServeLimits`](super::ServeLimits) close connections that are slow to send headers
/// (default 10 s) and answer bodies that are slow to arrive with `408 request_timeout` (default
/// 30 s), and cap concurrent connections (default 512; more wait in the accept queue).
pub struct AcpServerBuilder {
    versions: BTreeMap<String, Router>,
    verifier: Option<Arc<dyn BearerVerifier>>,
    allow_anonymous: bool,
    store: Option<Arc<dyn IdempotencyStore>>,
    ttl: Duration,
    body_limit: usize,
    signatures: Option<SignatureVerifier>,
    in_flight_wait: Duration,
    retry_after: u64,
    profile: Profile,
    max_stored_response: usize,
    refuse_signature_replay: bool,
    #[cfg(feature = "mcp-server")]
    mcp: Option<crate::mcp::McpOptions>,
}

impl Default for AcpServerBuilder {
    fn default() -> Self {
        AcpServerBuilder {
            versions: BTreeMap::new(),
            verifier: None,
            allow_anonymous: false,
            store: None,
            ttl: Duration::from_secs(24 * 60 * 60),
            body_limit: DEFAULT_BODY_LIMIT,
            signatures: None,
            in_flight_wait: Duration::from_secs(30),
            retry_after: 1,
            profile: Profile::Spec,
            max_stored_response: DEFAULT_MAX_STORED_RESPONSE,
            refuse_signature_replay: false,
            #[cfg(feature = "mcp-server")]
            mcp: None,
        }
    }
}

impl std::fmt::Debug for AcpServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcpServerBuilder")
            .field("versions", &self.versions.keys().collect::<Vec<_>>())
            .field("auth", &self.verifier.is_some())
            .field("allow_anonymous", &self.allow_anonymous)
            .field("ttl", &self.ttl)
            .field("body_limit", &self.body_limit)
            .field("signatures", &self.signatures.is_some())
            .field("profile", &self.profile)
            .field("max_stored_response", &self.max_stored_response)
            .field("refuse_signature_replay", &self.refuse_signature_replay)
            .finish_non_exhaustive()
    }
}

impl AcpServerBuilder {
    /// Serves `routes` for requests with `API-Version: version`. Registering a version again
    /// merges the routes (one router per spec, e.g. checkout and delegate_payment); as with
    /// [`Router::merge`], overlapping routes panic here, at build time.
    pub fn version(mut self, version: &str, routes: Router) -> Self {
        let merged = match self.versions.remove(version) {
            Some(existing) => existing.merge(routes),
            None => routes,
        };
        self.versions.insert(version.to_string(), merged);
        self
    }

    /// Authenticates `Authorization: Bearer <token>` with `verifier`. Without it every request
    /// is refused (`401`) unless [`allow_anonymous`](Self::allow_anonymous) is set.
    pub fn auth(mut self, verifier: impl BearerVerifier) -> Self {
        self.verifier = Some(Arc::new(verifier));
        self
    }

    /// Lets requests without `Authorization` through as identity `anonymous` (a token that is
    /// present is still checked when a verifier is set).
    pub fn allow_anonymous(mut self) -> Self {
        self.allow_anonymous = true;
        self
    }

    /// Where idempotency keys are kept (default: a fresh [`MemoryStore`]).
    pub fn idempotency_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long idempotency keys are kept (default 24 h).
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The largest accepted request body (default 1 MiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Requires a valid `Signature` + `Timestamp` on every request.
    pub fn signatures(mut self, verifier: SignatureVerifier) -> Self {
        self.signatures = Some(verifier);
        self
    }

    /// With [`signatures`](Self::signatures), refuses a request whose valid `Signature` was
    /// already accepted (`401 signature_replayed`), even with a new `Idempotency-Key`: a
    /// captured signed request cannot be sent again to run twice. Off by default.
    ///
    /// Signatures are remembered for twice the verifier's
    /// [`allowed_skew`](SignatureVerifier::allowed_skew) (a timestamp may run that far ahead of
    /// the clock), then dropped, oldest first. At most 100 000 are held (about 10 MB); past
    /// that the oldest is forgotten early, with a warning logged.
    pub fn refuse_signature_replay(mut self, refuse: bool) -> Self {
        self.refuse_signature_replay = refuse;
        self
    }

    /// Under the rules before 2026-04-17, how long a duplicate of a running request waits for
    /// the first to finish before it gets `409 idempotency_in_flight` (default 30 s).
    pub fn in_flight_wait(mut self, wait: Duration) -> Self {
        self.in_flight_wait = wait;
        self
    }

    /// The `Retry-After` seconds sent with `409 idempotency_in_flight` (default 1).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = seconds;
        self
    }

    /// Follows the spec (default) or the launch checklist where they disagree: under
    /// [`Profile::LaunchChecklist`] a successful `POST /checkout_sessions/{id}/complete` is sent
    /// (and stored for replays) as `201` instead of `200`, and idempotency conflicts are `409` in
    /// every version. See [`Profile`].
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The largest response body kept for idempotent replays (default 1 MiB). A larger response
    /// is still sent in full, but only a marker is kept under its key: a retry with the same key
    /// does not run the request again and gets `422 idempotency_response_not_stored` instead.
    pub fn max_stored_response(mut self, bytes: usize) -> Self {
        self.max_stored_response = bytes;
        self
    }

    /// Also serves the MCP binding (feature `mcp-server`): `options` names the path and the
    /// generated tool table. Each tool call becomes the REST request it stands for and runs
    /// through this same pipeline; the endpoint checks credentials before reading a body.
    #[cfg(feature = "mcp-server")]
    pub fn mcp(mut self, options: crate::mcp::McpOptions) -> Self {
        self.mcp = Some(options);
        self
    }

    /// The router: mount it at the root and serve it with [`serve`](super::serve), which adds
    /// header and body read timeouts and a connection limit ([`ServeLimits`](super::ServeLimits));
    /// `axum::serve` has neither, so a few thousand slow clients could hold the server.
    pub fn build(self) -> Router {
        let versions: BTreeMap<String, Router> = (self.versions.into_iter())
            .map(|(version, routes)| (version, label_routes(routes)))
            .collect();
        let metrics = RequestMetrics::new(&versions);
        let shared = Arc::new(Shared {
            // Newest first, as the spec lists them.
            supported: versions.keys().rev().cloned().collect(),
            versions,
            verifier: self.verifier,
            allow_anonymous: self.allow_anonymous,
            store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            ttl: self.ttl,
            body_limit: self.body_limit,
            seen_signatures: match &self.signatures {
                Some(verifier) if self.refuse_signature_replay => Some(SeenSignatures::new(
                    verifier.allowed_skew().saturating_mul(2),
                    SIGNATURE_REPLAY_CAPACITY,
                )),
                _ => None,
            },
            signatures: self.signatures,
            in_flight_wait: self.in_flight_wait,
            retry_after: self.retry_after,
            profile: self.profile,
            max_stored_response: self.max_stored_response,
            metrics,
        });
        // One handler runs the stages in order: as a stack of `from_fn` layers, every layer
        // cloned the whole stack below it on every request (a third of the pipeline's cost).
        let pipeline = Router::new()
            .fallback(serve_request)
            .with_state(shared.clone());
        #[cfg(feature = "mcp-server")]
        if let Some(options) = self.mcp {
            // Refused as the newest version refuses the first tool's REST route.
            let path = options.tools.first().map_or("/", |t| t.path).to_string();
            let body_limit = shared.body_limit;
            let guard: crate::mcp::server::Guard = Arc::new(move |headers: &http::HeaderMap| {
                let error_type = shared.supported.first().map_or("invalid_request", |v| {
                    shared.rules(v).unauthorized_type_for(&path)
                });
                identity(&shared, headers, error_type)
                    .err()
                    .map(|refused| *refused)
            });
            return crate::mcp::McpEndpoint::mount(options, pipeline, guard, body_limit);
        }
        pipeline
    }
}

struct Shared {
    versions: BTreeMap<String, Router>,
    supported: Vec<String>,
    verifier: Option<Arc<dyn BearerVerifier>>,
    allow_anonymous: bool,
    store: Arc<dyn IdempotencyStore>,
    ttl: Duration,
    body_limit: usize,
    signatures: Option<SignatureVerifier>,
    seen_signatures: Option<SeenSignatures>,
    in_flight_wait: Duration,
    retry_after: u64,
    profile: Profile,
    max_stored_response: usize,
    metrics: RequestMetrics,
}

/// Digests of the signatures accepted within the replay window, in the order they expire.
struct SeenSignatures {
    window: Duration,
    capacity: usize,
    seen: Mutex<SeenInner>,
}

#[derive(Default)]
struct SeenInner {
    digests: HashSet<[u8; 32]>,
    /// Oldest first; every entry lives `window`, so this is also expiry order.
    by_expiry: VecDeque<(Instant, [u8; 32])>,
}

impl SeenSignatures {
    fn new(window: Duration, capacity: usize) -> Self {
        SeenSignatures {
            window,
            capacity,
            seen: Mutex::new(SeenInner::default()),
        }
    }

    /// Remembers `signature`; false when it was already seen within the window.
    fn first_use(&self, signature: &str, now: Instant) -> bool {
        let digest: [u8; 32] = Sha256::digest(signature.trim().as_bytes()).into();
        let mut seen = lock(&self.seen);
        while let Some(&(expiry, old)) = seen.by_expiry.front() {
            if expiry > now {
                break;
            }
            seen.by_expiry.pop_front();
            seen.digests.remove(&old);
        }
        if seen.digests.contains(&digest) {
            return false;
        }
        if seen.by_expiry.len() >= self.capacity {
            if let Some((_, old)) = seen.by_expiry.pop_front() {
                seen.digests.remove(&old);
                tracing::warn!(
                    capacity = self.capacity,
                    "signature replay memory full; forgetting the oldest signature early"
                );
            }
        }
        seen.digests.insert(digest);
        seen.by_expiry.push_back((now + self.window, digest));
        true
    }
}

impl Shared {
    fn rules(&self, version: &str) -> VersionRules {
        VersionRules::for_version_and_profile(version, self.profile)
    }
}

/// A handler panic as a spec-shaped `500`.
pub(crate) fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::internal("The server failed while handling the request.").into_response()
}

/// The request's `Request-Id`, or empty when it has none (or not as text).
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(headers::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// What the idempotency stage did with a request, carried out on its response to the request
/// span: `started`, `replayed`, `conflict`, `in_flight` or `unavailable` (store error); a
/// request that never reached the stage (refused earlier, not a POST, no key) is `none`.
#[derive(Debug, Clone, Copy)]
pub(super) struct IdempotencyOutcome(pub(super) &'static str);

fn with_outcome(mut response: Response, outcome: &'static str) -> Response {
    response
        .extensions_mut()
        .insert(IdempotencyOutcome(outcome));
    response
}

/// Every request, in order: (1) its `acp_request` span, metrics and `Request-Id` echo around
/// everything else; (2) bearer authentication; (3) the body limit; (4) `API-Version`
/// negotiation; (5) signatures; (6) idempotency for POST; (7) the version's routes. A panic
/// anywhere becomes a spec-shaped `500`.
async fn serve_request(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let span = RequestSpan::open(&request);
    let recording = shared.metrics.start(&request);
    let response = AssertUnwindSafe(run_stages(&shared, request))
        .catch_unwind()
        .instrument(span.span.clone())
        .await
        .unwrap_or_else(panic_response);
    let response = span.close(response);
    recording.finish(response).await
}

/// A stage's verdict: pass the request on, or answer it now.
type Stage = ControlFlow<Response, Request>;

async fn run_stages(shared: &Arc<Shared>, request: Request) -> Response {
    let request = match authenticate(shared, request) {
        Continue(request) => request,
        Break(refused) => return refused,
    };
    let request = match buffer_body(request, shared.body_limit).await {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let request = match negotiate_version(shared, request) {
        Continue(request) => request,
        Break(refused) => return refused,
    };
    let request = match check_signature(shared, request).await {
        Continue(request) => request,
        Break(refused) => return refused,
    };
    idempotency(shared, request).await
}

/// The `acp_request` span of one request (request id, API version, method, route, then the
/// idempotency outcome, status and latency), which also echoes `Request-Id` on its response.
pub(crate) struct RequestSpan {
    span: tracing::Span,
    started: Instant,
    id: Option<HeaderValue>,
}

impl RequestSpan {
    pub(crate) fn open(request: &Request) -> Self {
        let api_version = request
            .headers()
            .get(headers::API_VERSION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "acp_request",
            request_id = request_id(request),
            api_version,
            method = %request.method(),
            route = request.uri().path(),
            idempotency = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        RequestSpan {
            span,
            started: Instant::now(),
            id: request.headers().get(headers::REQUEST_ID).cloned(),
        }
    }

    pub(crate) fn close(self, mut response: Response) -> Response {
        let outcome = response
            .extensions()
            .get::<IdempotencyOutcome>()
            .map_or("none", |o| o.0);
        self.span.record("idempotency", outcome);
        self.span.record("status", response.status().as_u16());
        self.span.record(
            "latency_ms",
            u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        if let Some(id) = self.id {
            response
                .headers_mut()
                .insert(HeaderName::from_static(headers::REQUEST_ID), id);
        }
        response
    }
}

/// [`RequestSpan`] as a middleware, for routers outside the pipeline (webhook receivers).
pub(crate) async fn echo_request_id(request: Request, next: Next) -> Response {
    let span = RequestSpan::open(&request);
    let response = next.run(request).instrument(span.span.clone()).await;
    span.close(response)
}

/// (3) Refuses bodies over the limit and buffers the rest for the later stages.
pub(crate) async fn buffer_body(request: Request, limit: usize) -> Result<Request, ApiError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match parts.extensions.get::<BodyReadTimeout>() {
        Some(BodyReadTimeout(wait)) => tokio::time::timeout(*wait, read_body(body, limit))
            .await
            .map_err(|_| body_timed_out())??,
        None => read_body(body, limit).await?,
    };
    parts.extensions.insert(BodyLimit(limit));
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn body_timed_out() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "invalid_request",
        "request_timeout",
        "The request body did not arrive in time.",
    )
}

/// The registered version named by the request's `API-Version`, if any.
fn requested_version<'a>(shared: &'a Shared, request: &Request) -> Option<&'a str> {
    let text = request.headers().get(headers::API_VERSION)?.to_str().ok()?;
    shared
        .versions
        .get_key_value(text.trim())
        .map(|(version, _)| version.as_str())
}

fn unauthorized(error_type: &str, code: &str, message: &str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, error_type, code, message).into_response();
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// The identity of a request's bearer credentials, or the `401` refusing them.
fn identity(
    shared: &Shared,
    headers: &http::HeaderMap,
    error_type: &str,
) -> Result<String, Box<Response>> {
    Ok(match (credentials(headers), &shared.verifier) {
        (Credentials::Absent, _) if shared.allow_anonymous => "anonymous".to_string(),
        (Credentials::Absent, _) => {
            return Err(Box::new(unauthorized(
                error_type,
                "unauthorized",
                "Send the API key as `Authorization: Bearer <key>`.",
            )))
        }
        (Credentials::Malformed, _) => {
            return Err(Box::new(unauthorized(
                error_type,
                "unauthorized",
                "The Authorization header must be `Bearer <key>`.",
            )))
        }
        (Credentials::Bearer(token), Some(verifier)) => match verifier.verify(token) {
            Some(identity) => identity,
            None => {
                return Err(Box::new(unauthorized(
                    error_type,
                    "invalid_api_key",
                    "The API key is not valid.",
                )))
            }
        },
        (Credentials::Bearer(_), None) if shared.allow_anonymous => "anonymous".to_string(),
        (Credentials::Bearer(_), None) => {
            return Err(Box::new(unauthorized(
                error_type,
                "invalid_api_key",
                "The API key is not valid.",
            )))
        }
    })
}

/// (2) Bearer authentication on the headers alone; the identity goes into the request's
/// extensions.
fn authenticate(shared: &Shared, mut request: Request) -> Stage {
    let path = request.uri().path();
    let error_type = requested_version(shared, &request).map_or("invalid_request", |v| {
        shared.rules(v).unauthorized_type_for(path)
    });
    let identity = match identity(shared, request.headers(), error_type) {
        Ok(identity) => identity,
        Err(refused) => return Break(*refused),
    };
    request.extensions_mut().insert(Identity(identity));
    Continue(request)
}

/// (4) `API-Version` negotiation.
fn negotiate_version(shared: &Shared, mut request: Request) -> Stage {
    let supported = || shared.supported.clone();
    let version = match request.headers().get(headers::API_VERSION) {
        None => {
            return Break(
                ApiError::invalid_request(
                    "missing_api_version",
                    format!(
                        "Send the API-Version header; supported versions: {}.",
                        shared.supported.join(", ")
                    ),
                )
                .with_supported_versions(supported())
                .into_response(),
            )
        }
        Some(value) => match value.to_str().map(str::trim) {
            Ok("") => {
                return Break(
                    ApiError::invalid_request(
                        "missing_api_version",
                        format!(
                            "The API-Version header is empty; supported versions: {}.",
                            shared.supported.join(", ")
                        ),
                    )
                    .with_supported_versions(supported())
                    .into_response(),
                )
            }
            Ok(text) if shared.versions.contains_key(text) => text.to_string(),
            _ => {
                return Break(
                    ApiError::invalid_request(
                        "unsupported_api_version",
                        format!(
                            "This API-Version is not supported; supported versions: {}.",
                            shared.supported.join(", ")
                        ),
                    )
                    .with_supported_versions(supported())
                    .into_response(),
                )
            }
        },
    };
    request.extensions_mut().insert(ApiVersion(version));
    Continue(request)
}

fn negotiated(request: &Request) -> &str {
    (request.extensions().get::<ApiVersion>()).map_or("", |v| v.0.as_str())
}

/// (5) `Signature` + `Timestamp` over the body, when configured.
async fn check_signature(shared: &Shared, request: Request) -> Stage {
    let Some(verifier) = &shared.signatures else {
        return Continue(request);
    };
    let error_type = shared
        .rules(negotiated(&request))
        .unauthorized_type_for(request.uri().path());
    let (parts, body) = request.into_parts();
    let checked = match (
        signed_header(&parts.headers, headers::SIGNATURE, "Signature"),
        signed_header(&parts.headers, headers::TIMESTAMP, "Timestamp"),
    ) {
        (Ok(signature), Ok(timestamp)) => match read_body(body, usize::MAX).await {
            Ok(bytes) => verifier
                .check(&timestamp, &bytes, &signature, SystemTime::now())
                .map(|()| (bytes, signature))
                .map_err(|error| sentence(&error.to_string())),
            Err(error) => return Break(error.into_response()),
        },
        (Err(message), _) | (_, Err(message)) => Err(message),
    };
    let replayed = |signature: &str| {
        shared
            .seen_signatures
            .as_ref()
            .is_some_and(|seen| !seen.first_use(signature, Instant::now()))
    };
    match checked {
        Ok((_, signature)) if replayed(&signature) => {
            tracing::warn!("refused a replayed request signature");
            Break(
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    error_type,
                    "signature_replayed",
                    "This Signature was already used; sign every request afresh.",
                )
                .into_response(),
            )
        }
        Ok((bytes, _)) => Continue(Request::from_parts(parts, Body::from(bytes))),
        Err(message) => Break(
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                error_type,
                "invalid_signature",
                message,
            )
            .into_response(),
        ),
    }
}

fn signed_header(headers: &http::HeaderMap, name: &str, display: &str) -> Result<String, String> {
    match headers.get(name).map(|v| v.to_str()) {
        None => Err(format!("The {display} header is missing.")),
        Some(Err(_)) => Err(format!("The {display} header is malformed.")),
        Some(Ok(value)) => Ok(value.to_string()),
    }
}

/// "the thing is wrong" -> "The thing is wrong."
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Runs a store call, recording its duration and outcome (`acp_store_*` metrics).
async fn timed<T>(
    metrics: &RequestMetrics,
    operation: &'static str,
    call: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = call.await;
    metrics.store_call(operation, started.elapsed(), result.is_ok());
    result
}

/// Logs a failed store call with its cause: the client only learns that the store is down.
fn log_store_error(operation: &str, scope: &str, request_id: &str, error: &StoreError) {
    tracing::error!(
        operation,
        scope,
        request_id,
        cause = error.0.as_str(),
        "idempotency store call failed"
    );
}

/// The store's own error stays in the server (see [`log_store_error`]): it says nothing the
/// client can act on.
fn store_unavailable() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
        "idempotency_unavailable",
        "Idempotency keys cannot be checked right now; retry later.",
    )
    .with_retry_after(1)
    .into_response()
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.remove(CONTENT_TYPE);
    if let Some(value) = stored
        .content_type
        .and_then(|t| HeaderValue::from_str(&t).ok())
    {
        headers.insert(CONTENT_TYPE, value);
    }
    headers.insert(
        HeaderName::from_static(headers::IDEMPOTENT_REPLAYED),
        HeaderValue::from_static("true"),
    );
    response
}

/// (6) Idempotency for POST.
async fn idempotency(shared: &Arc<Shared>, request: Request) -> Response {
    if request.method() != Method::POST {
        return dispatch(shared, request).await;
    }
    let rules = shared.rules(negotiated(&request));
    let key = match request.headers().get(headers::IDEMPOTENCY_KEY) {
        None if rules.idempotency_key_required => {
            return ApiError::invalid_request(
                "idempotency_key_required",
                "Send an Idempotency-Key header with every POST request.",
            )
            .into_response()
        }
        None => return dispatch(shared, request).await,
        Some(value) => match value.to_str() {
            Ok(key) if !key.is_empty() && key.len() <= 255 => key.to_string(),
            _ => {
                return ApiError::invalid_request(
                    "invalid_idempotency_key",
                    "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
                )
                .into_response()
            }
        },
    };
    let identity = (request.extensions().get::<Identity>()).map_or("anonymous", |i| i.0.as_str());
    let scope = format!("{identity} {}", request.uri().path());
    let request_id = request_id(&request);
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let print = fingerprint(&bytes);

    let deadline = Instant::now() + shared.in_flight_wait;
    let mut pause = Duration::from_millis(10);
    let held = loop {
        let claim = Claim {
            scope: &scope,
            key: &key,
            fingerprint: print,
            ttl: shared.ttl,
        };
        match timed(&shared.metrics, "begin", shared.store.begin(claim)).await {
            Err(error) => {
                log_store_error("begin", &scope, &request_id, &error);
                return with_outcome(store_unavailable(), "unavailable");
            }
            Ok(Begin::Started(held)) => break held,
            Ok(Begin::Replay(stored)) => return with_outcome(replay(stored), "replayed"),
            Ok(Begin::Conflict) => {
                let conflict = ApiError::new(
                    rules.conflict_status,
                    "invalid_request",
                    "idempotency_conflict",
                    "This Idempotency-Key was already used with a different request body.",
                );
                return with_outcome(conflict.into_response(), "conflict");
            }
            Ok(Begin::InFlight) => {
                if rules.in_flight_error || Instant::now() >= deadline {
                    let in_flight = ApiError::new(
                        StatusCode::CONFLICT,
                        "invalid_request",
                        "idempotency_in_flight",
                        "A request with this Idempotency-Key is currently being processed.",
                    )
                    .with_retry_after(shared.retry_after);
                    return with_outcome(in_flight.into_response(), "in_flight");
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
        }
    };

    // The handler and the recording of its response run in their own task: a client that
    // disconnects (or times out and retries) must not cancel a request that holds the key
    // half-way through its side effects. The task stays in the request span.
    let mut request = Request::from_parts(parts, Body::from(bytes));
    if let Some(transaction) = held.transaction() {
        request.extensions_mut().insert(transaction);
    }
    let response = match tokio::spawn(
        run_and_record(shared.clone(), held, scope, request_id, request).in_current_span(),
    )
    .await
    {
        Ok(response) => response,
        // The handler panicked; unwinding dropped the key, which released it.
        Err(error) => panic_response(Box::new(error)),
    };
    with_outcome(response, "started")
}

/// Runs the handler for a claimed key, then records its response under the key, committing
/// the handler's writes with it (transactional stores). The response goes out only once that
/// commit succeeded: if it fails, nothing the handler wrote is kept and the client gets `503`
/// (a retry runs the request again). A `5xx` response is not recorded: the key is released
/// and the handler's writes rolled back.
async fn run_and_record(
    shared: Arc<Shared>,
    held: HeldKey,
    scope: String,
    request_id: String,
    request: Request,
) -> Response {
    let response = dispatch(&shared, request).await;
    if response.status().is_server_error() {
        if let Err(error) = timed(&shared.metrics, "release", held.release()).await {
            log_store_error("release", &scope, &request_id, &error);
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match read_body(body, usize::MAX).await {
        Ok(bytes) => bytes,
        // Dropping `held` releases the key.
        Err(_) => return ApiError::internal("The response could not be produced.").into_response(),
    };
    let stored = if bytes.len() > shared.max_stored_response {
        not_stored_marker(bytes.len(), shared.max_stored_response)
    } else {
        StoredResponse {
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: bytes.clone(),
        }
    };
    match timed(&shared.metrics, "finish", held.finish(stored)).await {
        Ok(()) => Response::from_parts(parts, Body::from(bytes)),
        Err(error) => {
            log_store_error("finish", &scope, &request_id, &error);
            store_unavailable()
        }
    }
}

/// What is kept, and replayed, in place of a response too large to keep: the key stays taken,
/// so a retry cannot run the request a second time, and learns why it gets no replay.
fn not_stored_marker(size: usize, limit: usize) -> StoredResponse {
    let error = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
        "idempotency_response_not_stored",
        format!(
            "The request with this Idempotency-Key was processed, but its response ({size} bytes) \
             was larger than the {limit} bytes kept for replays; fetch the result instead of \
             retrying."
        ),
    );
    StoredResponse {
        status: error.status.as_u16(),
        content_type: Some("application/json".to_string()),
        body: serde_json::to_vec(&error.body()).unwrap_or_default().into(),
    }
}

/// (7) The negotiated version's routes; bare 404/405 become spec-shaped errors. A successful
/// complete gets the profile's status here, inside the idempotency stage, so a replay returns
/// the status the first response was sent with.
async fn dispatch(shared: &Shared, request: Request) -> Response {
    let version = negotiated(&request);
    let Some(router) = shared.versions.get(version) else {
        return ApiError::not_found("No route serves this request.").into_response();
    };
    let complete_status = VersionRules::is_complete(request.method(), request.uri().path())
        .then(|| shared.rules(version).complete_status);
    let mut response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if let Some(status) = complete_status.filter(|_| response.status() == StatusCode::OK) {
        *response.status_mut() = status;
    }
    spec_shaped(response)
}

/// Gives axum's empty 404/405 responses the protocol's error body.
pub(crate) fn spec_shaped(response: Response) -> Response {
    let status = response.status();
    if !matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) || response.headers().contains_key(CONTENT_TYPE)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let error = if status == StatusCode::NOT_FOUND {
        ApiError::not_found("No resource exists at this path.")
    } else {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "method_not_allowed",
            "This method is not allowed on this path.",
        )
    };
    let (error_parts, body) = error.into_response().into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.extend(error_parts.headers);
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_signatures_expire_after_the_window_and_stay_within_capacity() {
        let seen = SeenSignatures::new(Duration::from_secs(10), 2);
        let start = Instant::now();
        assert!(seen.first_use("a", start));
        assert!(!seen.first_use("a", start + Duration::from_secs(9)));
        assert!(seen.first_use("a", start + Duration::from_secs(10)));

        let later = start + Duration::from_secs(11);
        assert!(seen.first_use("b", later));
        assert!(seen.first_use("c", later));
        // Full: "a" (the oldest) was forgotten to make room for "c".
        assert_eq!(seen.seen.lock().unwrap().digests.len(), 2);
        assert!(!seen.first_use("c", later));
        assert!(seen.first_use("a", later));
    }
}
