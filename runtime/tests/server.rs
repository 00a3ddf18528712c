//! The server pipeline (`acp_runtime::server`) around a small hand-written API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use acp_runtime::server::{
    fingerprint, webhook_receiver, AcpJson, AcpQuery, AcpServer, AcpServerBuilder, ApiError, Begin,
    IdempotencyStore, MemoryStore, Profile, RequestContext, SqliteStore, StaticTokens,
    VersionRules,
};
use acp_runtime::signing::{merchant_signature, sign, SignatureVerifier, SigningKey};
use acp_runtime::{Validate, Validator};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;
use tower::ServiceExt;

const OLD: &str = "2026-01-30";
const NEW: &str = "2026-04-17";
const TOKEN: &str = "sk_test_good";

// ---------------------------------------------------------------------------------------------
// The API under test
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Buyer {
    email: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CreateSession {
    buyer: Buyer,
    quantity: i64,
}

impl Validate for CreateSession {
    fn validate(&self, validator: &mut Validator) {
        validator.at_key("buyer", |v| {
            v.at_key("email", |v| {
                if !self.buyer.email.contains('@') {
                    v.error("must be an email address");
                }
            })
        });
        validator.at_key("quantity", |v| {
            if self.quantity < 1 {
                v.error("must be at least 1");
            }
        });
    }
}

#[derive(Debug, Deserialize)]
struct Search {
    limit: u32,
    #[serde(default)]
    q: Option<String>,
}

#[derive(Default)]
struct Api {
    hits: AtomicUsize,
    hang_started: Notify,
}

impl Api {
    fn hit(&self) -> usize {
        self.hits.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn create_session(
    State(api): State<Arc<Api>>,
    context: RequestContext,
    AcpJson(request): AcpJson<CreateSession>,
) -> impl IntoResponse {
    let n = api.hit();
    (
        StatusCode::CREATED,
        AcpJson(json!({
            "id": format!("cs_{n}"),
            "identity": context.identity,
            "version": context.api_version,
            "request_id": context.request_id,
            "quantity": request.quantity,
        })),
    )
}

async fn echo(State(api): State<Arc<Api>>, AcpJson(body): AcpJson<Value>) -> AcpJson<Value> {
    let n = api.hit();
    AcpJson(json!({ "n": n, "body": body }))
}

async fn slow(State(api): State<Arc<Api>>) -> impl IntoResponse {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = api.hit();
    (StatusCode::CREATED, AcpJson(json!({ "n": n })))
}

async fn fail(State(api): State<Arc<Api>>) -> Result<(), ApiError> {
    api.hit();
    Err(ApiError::internal("the database is down"))
}

async fn explode(State(api): State<Arc<Api>>) -> &'static str {
    api.hit();
    panic!("handler bug");
}

async fn hang(State(api): State<Arc<Api>>) -> &'static str {
    api.hit();
    api.hang_started.notify_one();
    std::future::pending::<()>().await;
    "never"
}

async fn get_session(Path(id): Path<String>) -> Result<AcpJson<Value>, ApiError> {
    if id == "cs_1" {
        Ok(AcpJson(json!({ "id": id })))
    } else {
        Err(ApiError::not_found(format!("No checkout session {id}.")))
    }
}

async fn complete_session(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    AcpJson(body): AcpJson<Value>,
) -> Result<AcpJson<Value>, ApiError> {
    let n = api.hit();
    if id == "cs_declined" {
        return Err(ApiError::invalid_request("invalid", "No such token.").with_param("$.token"));
    }
    Ok(AcpJson(
        json!({ "id": id, "status": "completed", "n": n, "token": body["token"] }),
    ))
}

async fn search(AcpQuery(query): AcpQuery<Search>) -> AcpJson<Value> {
    AcpJson(json!({ "limit": query.limit, "q": query.q }))
}

fn routes(api: Arc<Api>) -> Router {
    Router::new()
        .route("/checkout_sessions", post(create_session))
        .route("/checkout_sessions/{id}", get(get_session))
        .route("/checkout_sessions/{id}/complete", post(complete_session))
        .route("/echo", post(echo))
        .route("/slow", post(slow))
        .route("/fail", post(fail))
        .route("/panic", post(explode))
        .route("/hang", post(hang))
        .route("/search", get(search))
        .with_state(api)
}

fn builder(api: &Arc<Api>) -> AcpServerBuilder {
    AcpServer::builder()
        .version(OLD, routes(api.clone()))
        .version(NEW, routes(api.clone()))
        .auth(StaticTokens::new([
            (TOKEN.to_string(), "merchant-a".to_string()),
            ("sk_test_other".to_string(), "merchant-b".to_string()),
        ]))
}

fn server() -> (Router, Arc<Api>) {
    let api = Arc::new(Api::default());
    (builder(&api).build(), api)
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

struct Call {
    method: Method,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
    /// Checks the spec's error shape and returns the body.
    fn error(&self, status: u16, error_type: &str, code: &str) -> Value {
        let body = self.json();
        assert_eq!(self.status.as_u16(), status, "{body}");
        assert_eq!(body["type"], error_type, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        body
    }
}

impl Call {
    fn new(method: Method, uri: &str, version: &str) -> Self {
        Call {
            method,
            uri: uri.to_string(),
            headers: vec![
                ("authorization".into(), format!("Bearer {TOKEN}")),
                ("api-version".into(), version.into()),
            ],
            body: Vec::new(),
        }
    }

    fn post(uri: &str, version: &str, body: &str) -> Self {
        let mut call = Self::new(Method::POST, uri, version);
        call.headers
            .push(("content-type".into(), "application/json".into()));
        call.body = body.as_bytes().to_vec();
        call
    }

    fn get(uri: &str, version: &str) -> Self {
        Self::new(Method::GET, uri, version)
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn key(self, key: &str) -> Self {
        self.header("idempotency-key", key)
    }

    fn request(&self) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.uri);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(self.body.clone())).unwrap()
    }

    async fn send(&self, app: &Router) -> Reply {
        let response = app.clone().oneshot(self.request()).await.unwrap();
        let (parts, body) = response.into_parts();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes().to_vec(),
        }
    }
}

const SESSION: &str = r#"{"buyer":{"email":"a@example.com"},"quantity":1}"#;

// ---------------------------------------------------------------------------------------------
// (1) Request-Id, (2) auth, (3) body limit, (4) API-Version, (7) routes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_id_is_echoed_on_success_and_on_every_error() {
    let api = Arc::new(Api::default());
    let app = builder(&api).body_limit(64).build();
    let cases = [
        (Call::post("/checkout_sessions", OLD, SESSION), 201),
        (
            Call::post("/checkout_sessions", OLD, SESSION).without("authorization"),
            401,
        ),
        (
            Call::post("/checkout_sessions", OLD, SESSION).without("api-version"),
            400,
        ),
        (Call::post("/checkout_sessions", OLD, "{"), 400),
        (Call::get("/nowhere", OLD), 404),
        (Call::post("/checkout_sessions", OLD, &"x".repeat(100)), 413),
        (Call::post("/panic", OLD, "{}"), 500),
    ];
    for (i, (call, status)) in cases.into_iter().enumerate() {
        let id = format!("req_{i}");
        let reply = call.header("request-id", &id).send(&app).await;
        assert_eq!(reply.status.as_u16(), status);
        assert_eq!(reply.header("request-id"), Some(id.as_str()), "case {i}");
    }
    // No Request-Id sent: none invented.
    let reply = Call::post("/checkout_sessions", OLD, SESSION)
        .send(&app)
        .await;
    assert_eq!(reply.header("request-id"), None);
    // The handler sees it too.
    let reply = Call::post("/checkout_sessions", OLD, SESSION)
        .header("request-id", "req_ctx")
        .send(&app)
        .await;
    assert_eq!(reply.json()["request_id"], "req_ctx");
}

#[tokio::test]
async fn bodies_over_the_limit_get_a_spec_shaped_413() {
    let api = Arc::new(Api::default());
    let app = builder(&api).body_limit(64).build();
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(100));
    // Declared by Content-Length, and streamed without it.
    let declared = Call::post("/echo", OLD, &big)
        .header("content-length", &big.len().to_string())
        .send(&app)
        .await;
    declared.error(413, "invalid_request", "request_too_large");
    let streamed = Call::post("/echo", OLD, &big).send(&app).await;
    streamed.error(413, "invalid_request", "request_too_large");
    assert_eq!(api.hits(), 0);
    let small = Call::post("/echo", OLD, r#"{"a":1}"#).send(&app).await;
    assert_eq!(small.status, StatusCode::OK);
}

#[tokio::test]
async fn authentication_missing_wrong_and_valid() {
    let (app, api) = server();
    // Only delegate_payment's `Error.type` has `unauthorized` (from 2026-04-17).
    let payment = "/agentic_commerce/delegate_payment";
    for (version, error_type) in [
        (NEW, "invalid_request"),
        (OLD, "invalid_request"),
        ("1999-01-01", "invalid_request"),
    ] {
        let missing = Call::post("/checkout_sessions", version, SESSION)
            .without("authorization")
            .send(&app)
            .await;
        missing.error(401, error_type, "unauthorized");
        assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
        let wrong = Call::post("/checkout_sessions", version, SESSION)
            .header("authorization", "Bearer sk_test_bad")
            .send(&app)
            .await;
        wrong.error(401, error_type, "invalid_api_key");
        let basic = Call::post("/checkout_sessions", version, SESSION)
            .header("authorization", "Basic dXNlcjpwYXNz")
            .send(&app)
            .await;
        basic.error(401, error_type, "unauthorized");
        let empty = Call::post("/checkout_sessions", version, SESSION)
            .header("authorization", "Bearer ")
            .send(&app)
            .await;
        empty.error(401, error_type, "unauthorized");
    }
    for (version, error_type) in [(NEW, "unauthorized"), (OLD, "invalid_request")] {
        Call::post(payment, version, SESSION)
            .without("authorization")
            .send(&app)
            .await
            .error(401, error_type, "unauthorized");
    }
    assert_eq!(api.hits(), 0);
    let ok = Call::post("/checkout_sessions", OLD, SESSION)
        .send(&app)
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(ok.json()["identity"], "merchant-a");
    assert_eq!(ok.json()["version"], OLD);
    let other = Call::post("/checkout_sessions", OLD, SESSION)
        .header("authorization", "bearer sk_test_other")
        .send(&app)
        .await;
    assert_eq!(other.json()["identity"], "merchant-b");
}

#[tokio::test]
async fn without_a_verifier_everything_is_refused_unless_anonymous_is_allowed() {
    let api = Arc::new(Api::default());
    let closed = AcpServer::builder()
        .version(OLD, routes(api.clone()))
        .build();
    Call::post("/checkout_sessions", OLD, SESSION)
        .send(&closed)
        .await
        .error(401, "invalid_request", "invalid_api_key");
    Call::post("/checkout_sessions", OLD, SESSION)
        .without("authorization")
        .send(&closed)
        .await
        .error(401, "invalid_request", "unauthorized");

    let open = AcpServer::builder()
        .version(OLD, routes(api.clone()))
        .allow_anonymous()
        .build();
    let reply = Call::post("/checkout_sessions", OLD, SESSION)
        .without("authorization")
        .send(&open)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["identity"], "anonymous");

    // A closure is a verifier; with anonymous access a present token is still checked.
    let mixed = AcpServer::builder()
        .version(OLD, routes(api.clone()))
        .auth(|token: &str| (token == "t1").then(|| "closure-user".to_string()))
        .allow_anonymous()
        .build();
    let reply = Call::post("/checkout_sessions", OLD, SESSION)
        .header("authorization", "Bearer t1")
        .send(&mixed)
        .await;
    assert_eq!(reply.json()["identity"], "closure-user");
    Call::post("/checkout_sessions", OLD, SESSION)
        .header("authorization", "Bearer t2")
        .send(&mixed)
        .await
        .error(401, "invalid_request", "invalid_api_key");
    let reply = Call::post("/checkout_sessions", OLD, SESSION)
        .without("authorization")
        .send(&mixed)
        .await;
    assert_eq!(reply.json()["identity"], "anonymous");
}

#[tokio::test]
async fn api_version_missing_or_unsupported_lists_the_supported_versions() {
    let (app, api) = server();
    let missing = Call::post("/checkout_sessions", OLD, SESSION)
        .without("api-version")
        .send(&app)
        .await
        .error(400, "invalid_request", "missing_api_version");
    assert_eq!(
        missing["supported_versions"],
        json!([NEW, OLD]),
        "newest first"
    );
    let empty = Call::post("/checkout_sessions", "", SESSION)
        .send(&app)
        .await
        .error(400, "invalid_request", "missing_api_version");
    assert_eq!(empty["supported_versions"], json!([NEW, OLD]));
    for version in ["2025-09-29", "2099-01-01", "latest"] {
        let unsupported = Call::post("/checkout_sessions", version, SESSION)
            .send(&app)
            .await
            .error(400, "invalid_request", "unsupported_api_version");
        assert_eq!(unsupported["supported_versions"], json!([NEW, OLD]));
    }
    assert_eq!(api.hits(), 0);
}

#[tokio::test]
async fn versions_are_routed_separately_and_merge() {
    let api = Arc::new(Api::default());
    let only_old = Router::new().route("/old_only", get(|| async { "old" }));
    let extra_new = Router::new().route("/new_extra", get(|| async { "new" }));
    let app = AcpServer::builder()
        .version(OLD, only_old)
        .version(NEW, routes(api.clone()))
        .version(NEW, extra_new)
        .allow_anonymous()
        .build();
    assert_eq!(Call::get("/old_only", OLD).send(&app).await.body, b"old");
    Call::get("/old_only", NEW)
        .send(&app)
        .await
        .error(404, "invalid_request", "not_found");
    assert_eq!(Call::get("/new_extra", NEW).send(&app).await.body, b"new");
    assert_eq!(
        Call::get("/checkout_sessions/cs_1", NEW)
            .send(&app)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_and_panics_get_spec_errors() {
    let (app, api) = server();
    Call::get("/nowhere", NEW)
        .send(&app)
        .await
        .error(404, "invalid_request", "not_found");
    // A handler's own 404 is kept as it is.
    let own = Call::get("/checkout_sessions/cs_9", NEW)
        .send(&app)
        .await
        .error(404, "invalid_request", "not_found");
    assert_eq!(own["message"], "No checkout session cs_9.");
    let wrong_method = Call::get("/echo", NEW).send(&app).await;
    wrong_method.error(405, "invalid_request", "method_not_allowed");
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    let panicked = Call::post("/panic", NEW, "{}")
        .key("k-panic")
        .send(&app)
        .await;
    panicked.error(500, "processing_error", "internal_error");
    // The key of a panicked request is free again.
    let again = Call::post("/panic", NEW, "{}")
        .key("k-panic")
        .send(&app)
        .await;
    again.error(500, "processing_error", "internal_error");
    assert_eq!(api.hits(), 2);
}

// ---------------------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn content_type_must_be_json() {
    let (app, api) = server();
    for content_type in [Some("text/plain"), Some("application/jsonx"), None] {
        let mut call = Call::post("/checkout_sessions", OLD, SESSION);
        call = match content_type {
            Some(value) => call.header("content-type", value),
            None => call.without("content-type"),
        };
        call.send(&app)
            .await
            .error(400, "invalid_request", "unsupported_content_type");
    }
    assert_eq!(api.hits(), 0);
    let reply = Call::post("/checkout_sessions", OLD, SESSION)
        .header("content-type", "Application/JSON; charset=utf-8")
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn bad_bodies_are_400_with_a_jsonpath_param() {
    let (app, api) = server();
    let cases = [
        ("{", "invalid_json", "$"),
        ("", "invalid_json", "$"),
        (
            r#"{"buyer":{"email":"a@example.com"},"quantity":1} x"#,
            "invalid_json",
            "$",
        ),
        (
            r#"{"buyer":{"email":"a@example.com"},"quantity":"1"}"#,
            "invalid",
            "$.quantity",
        ),
        (r#"{"buyer":{},"quantity":1}"#, "missing", "$.buyer.email"),
        (
            r#"{"buyer":{"email":"a@example.com"}}"#,
            "missing",
            "$.quantity",
        ),
        (
            r#"{"buyer":{"email":"a@example.com","nickname":"x"},"quantity":1}"#,
            "invalid",
            "$.buyer.nickname",
        ),
        (
            r#"{"buyer":{"email":"a@example.com"},"quantity":0}"#,
            "invalid",
            "$.quantity",
        ),
        (
            r#"{"buyer":{"email":"nobody"},"quantity":1}"#,
            "invalid",
            "$.buyer.email",
        ),
        ("1", "invalid", "$"),
    ];
    for (body, code, param) in cases {
        let error = Call::post("/checkout_sessions", OLD, body)
            .send(&app)
            .await
            .error(400, "invalid_request", code);
        assert_eq!(error["param"], param, "{body} -> {error}");
    }
    assert_eq!(api.hits(), 0);
}

#[test]
fn parse_errors_map_to_codes_and_params() {
    let error = acp_runtime::from_str::<CreateSession>(r#"{"buyer":{},"quantity":1}"#).unwrap_err();
    let api_error = ApiError::from_parse_error(&error);
    assert_eq!(api_error.status, StatusCode::BAD_REQUEST);
    assert_eq!(api_error.code, "missing");
    assert_eq!(api_error.param.as_deref(), Some("$.buyer.email"));
    assert!(
        api_error.message.contains("$.buyer.email"),
        "{}",
        api_error.message
    );
    let shown = ApiError::invalid_request("x", "y")
        .with_param("$.a")
        .to_string();
    assert_eq!(shown, "400 invalid_request/x: y (at $.a)");
}

#[tokio::test]
async fn query_strings_are_parsed_with_the_parameter_as_param() {
    let (app, _) = server();
    let ok = Call::get("/search?limit=5&q=shoes", NEW).send(&app).await;
    assert_eq!(ok.json(), json!({ "limit": 5, "q": "shoes" }));
    let bad = Call::get("/search?limit=many", NEW).send(&app).await.error(
        400,
        "invalid_request",
        "invalid",
    );
    assert_eq!(bad["param"], "$.limit");
    let missing =
        Call::get("/search?q=shoes", NEW)
            .send(&app)
            .await
            .error(400, "invalid_request", "missing");
    assert_eq!(missing["param"], "$.limit");
}

#[tokio::test]
async fn request_context_outside_the_pipeline() {
    let app = Router::new().route(
        "/",
        get(|context: RequestContext| async move {
            AcpJson(json!({
                "identity": context.identity,
                "version": context.api_version,
                "key": context.idempotency_key,
                "language": context.accept_language,
            }))
        }),
    );
    let reply = Call::get("/", "2026-01-16")
        .key("k1")
        .header("accept-language", "fr-CA")
        .send(&app)
        .await;
    assert_eq!(
        reply.json(),
        json!({ "identity": "anonymous", "version": "2026-01-16", "key": "k1", "language": "fr-CA" })
    );
    let reply = Call::get("/", OLD).without("api-version").send(&app).await;
    assert_eq!(reply.json()["version"], "");
}

// ---------------------------------------------------------------------------------------------
// (6) Idempotency
// ---------------------------------------------------------------------------------------------

#[test]
fn version_rules() {
    let old = VersionRules::for_version("2026-01-30");
    assert!(!old.idempotency_key_required && !old.in_flight_error);
    assert_eq!(old.conflict_status, StatusCode::CONFLICT);
    assert_eq!(old.unauthorized_type, "invalid_request");
    assert_eq!(
        VersionRules::for_version("2025-09-29"),
        VersionRules {
            version: "2025-09-29".into(),
            ..old
        }
    );
    for version in ["2026-04-17", "2027-01-01"] {
        let new = VersionRules::for_version(version);
        assert!(new.idempotency_key_required && new.in_flight_error);
        assert_eq!(new.conflict_status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(new.unauthorized_type, "unauthorized");
        assert_eq!(new.complete_status, StatusCode::OK);
    }
    assert_eq!(old.complete_status, StatusCode::OK);
    // The spec profile is `for_version`; the checklist changes exactly two rules.
    assert_eq!(Profile::default(), Profile::Spec);
    for version in ["2025-09-29", "2026-01-30", "2026-04-17"] {
        let spec = VersionRules::for_version(version);
        assert_eq!(
            VersionRules::for_version_and_profile(version, Profile::Spec),
            spec
        );
        assert_eq!(
            VersionRules::for_version_and_profile(version, Profile::LaunchChecklist),
            VersionRules {
                conflict_status: StatusCode::CONFLICT,
                complete_status: StatusCode::CREATED,
                ..spec
            }
        );
    }
}

#[test]
fn complete_paths() {
    for (method, path, expected) in [
        (Method::POST, "/checkout_sessions/cs_1/complete", true),
        (Method::GET, "/checkout_sessions/cs_1/complete", false),
        (Method::POST, "/checkout_sessions/cs_1", false),
        (Method::POST, "/checkout_sessions//complete", false),
        (Method::POST, "/checkout_sessions/cs_1/cancel", false),
        (Method::POST, "/carts/c_1/complete", false),
        (Method::POST, "/checkout_sessions/a/b/complete", false),
    ] {
        assert_eq!(
            VersionRules::is_complete(&method, path),
            expected,
            "{method} {path}"
        );
    }
}

#[test]
fn fingerprints_compare_json_semantically() {
    use sha2::{Digest, Sha256};
    let canonical: [u8; 32] = Sha256::digest(br#"{"a":1,"b":[true,null]}"#).into();
    assert_eq!(
        fingerprint(br#" { "b": [true, null], "a": 1.0 } "#),
        canonical
    );
    assert_ne!(fingerprint(br#"{"a":1,"b":[null,true]}"#), canonical);
    assert_ne!(
        fingerprint(br#"{"a":1,"b":[true,null],"c":null}"#),
        canonical
    );
    let raw: [u8; 32] = Sha256::digest(b"not json").into();
    assert_eq!(fingerprint(b"not json"), raw);
    assert_eq!(fingerprint(b""), <[u8; 32]>::from(Sha256::digest(b"")));
}

#[tokio::test]
async fn replays_return_the_stored_response_without_running_the_handler() {
    for version in [OLD, NEW] {
        let (app, api) = server();
        let first = Call::post("/checkout_sessions", version, SESSION)
            .key("key-1")
            .send(&app)
            .await;
        assert_eq!(first.status, StatusCode::CREATED);
        assert_eq!(first.header("idempotent-replayed"), None);
        let second = Call::post("/checkout_sessions", version, SESSION)
            .key("key-1")
            .header("request-id", "second")
            .send(&app)
            .await;
        assert_eq!(second.status, StatusCode::CREATED);
        assert_eq!(second.header("idempotent-replayed"), Some("true"));
        assert_eq!(second.header("content-type"), Some("application/json"));
        assert_eq!(second.header("request-id"), Some("second"));
        assert_eq!(second.body, first.body);
        assert_eq!(api.hits(), 1, "{version}");
        // A stored 4xx is replayed too.
        let bad = Call::post("/checkout_sessions", version, "{")
            .key("key-2")
            .send(&app)
            .await;
        let again = Call::post("/checkout_sessions", version, "{")
            .key("key-2")
            .send(&app)
            .await;
        assert_eq!(
            (bad.status, again.status),
            (StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST)
        );
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, bad.body);
    }
}

#[tokio::test]
async fn same_json_with_other_spelling_is_the_same_request() {
    let (app, api) = server();
    let first = Call::post("/echo", NEW, r#"{"a":1,"b":{"c":[1,2]}}"#)
        .key("k")
        .send(&app)
        .await;
    let reordered = Call::post("/echo", NEW, r#"{ "b": {"c": [1.0, 2e0]}, "a": 1.0 }"#)
        .key("k")
        .send(&app)
        .await;
    assert_eq!(reordered.header("idempotent-replayed"), Some("true"));
    assert_eq!(reordered.body, first.body);
    assert_eq!(api.hits(), 1);
}

#[tokio::test]
async fn different_bodies_conflict_per_version() {
    for (version, status) in [(OLD, 409), (NEW, 422)] {
        let (app, api) = server();
        let base = r#"{"a":1,"list":[1,2]}"#;
        let first = Call::post("/echo", version, base).key("k").send(&app).await;
        assert_eq!(first.status, StatusCode::OK);
        for other in [
            r#"{"a":1,"list":[1,2],"extra":null}"#, // null differs from absent
            r#"{"a":1,"list":[2,1]}"#,              // array order matters
            r#"{"a":2,"list":[1,2]}"#,
        ] {
            Call::post("/echo", version, other)
                .key("k")
                .send(&app)
                .await
                .error(status, "invalid_request", "idempotency_conflict");
        }
        assert_eq!(api.hits(), 1);
    }
}

fn checklist_server() -> (Router, Arc<Api>) {
    let api = Arc::new(Api::default());
    (builder(&api).profile(Profile::LaunchChecklist).build(), api)
}

const COMPLETE: &str = "/checkout_sessions/cs_1/complete";

#[tokio::test]
async fn spec_profile_completes_with_200() {
    for version in [OLD, NEW] {
        let (app, _) = server();
        let reply = Call::post(COMPLETE, version, r#"{"token":"t"}"#)
            .key("c1")
            .send(&app)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{version}");
        let replay = Call::post(COMPLETE, version, r#"{"token":"t"}"#)
            .key("c1")
            .send(&app)
            .await;
        assert_eq!(replay.status, StatusCode::OK, "{version}");
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    }
}

#[tokio::test]
async fn launch_checklist_profile_completes_with_201_and_replays_201() {
    for version in [OLD, NEW] {
        let (app, api) = checklist_server();
        let first = Call::post(COMPLETE, version, r#"{"token":"t"}"#)
            .key("c1")
            .send(&app)
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{version}");
        assert_eq!(first.json()["status"], "completed");
        assert_eq!(first.header("content-type"), Some("application/json"));
        let replay = Call::post(COMPLETE, version, r#"{"token":"t"}"#)
            .key("c1")
            .send(&app)
            .await;
        assert_eq!(replay.status, StatusCode::CREATED, "{version}");
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(replay.body, first.body);
        assert_eq!(api.hits(), 1);

        // Errors keep their status; other routes keep theirs.
        Call::post(
            "/checkout_sessions/cs_declined/complete",
            version,
            r#"{"token":"t"}"#,
        )
        .key("c2")
        .send(&app)
        .await
        .error(400, "invalid_request", "invalid");
        let create = Call::post("/checkout_sessions", version, SESSION)
            .key("c3")
            .send(&app)
            .await;
        assert_eq!(create.status, StatusCode::CREATED);
        let echo = Call::post("/echo", version, "{}")
            .key("c4")
            .send(&app)
            .await;
        assert_eq!(echo.status, StatusCode::OK);
    }
    // Without a key (optional before 2026-04-17) the handler's 200 is still sent as 201.
    let (app, api) = checklist_server();
    let reply = Call::post(COMPLETE, OLD, r#"{"token":"t"}"#)
        .send(&app)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(api.hits(), 1);
}

#[tokio::test]
async fn launch_checklist_profile_conflicts_are_409_in_every_version() {
    for version in [OLD, NEW] {
        let (app, api) = checklist_server();
        let first = Call::post("/echo", version, r#"{"a":1}"#)
            .key("k")
            .send(&app)
            .await;
        assert_eq!(first.status, StatusCode::OK);
        Call::post("/echo", version, r#"{"a":2}"#)
            .key("k")
            .send(&app)
            .await
            .error(409, "invalid_request", "idempotency_conflict");
        let first = Call::post(COMPLETE, version, r#"{"token":"a"}"#)
            .key("c")
            .send(&app)
            .await;
        assert_eq!(first.status, StatusCode::CREATED);
        Call::post(COMPLETE, version, r#"{"token":"b"}"#)
            .key("c")
            .send(&app)
            .await
            .error(409, "invalid_request", "idempotency_conflict");
        assert_eq!(api.hits(), 2);
    }
    // In-flight duplicates keep the version's behaviour (not part of the profile).
    let (app, _) = checklist_server();
    Call::post("/echo", NEW, "{}").send(&app).await.error(
        400,
        "invalid_request",
        "idempotency_key_required",
    );
}

#[tokio::test]
async fn missing_key_is_required_only_from_2026_04_17() {
    let (app, api) = server();
    Call::post("/echo", NEW, "{}").send(&app).await.error(
        400,
        "invalid_request",
        "idempotency_key_required",
    );
    assert_eq!(api.hits(), 0);
    // GET needs no key.
    assert_eq!(
        Call::get("/checkout_sessions/cs_1", NEW)
            .send(&app)
            .await
            .status,
        StatusCode::OK
    );
    // Older versions: optional, and without one every request runs.
    Call::post("/echo", OLD, "{}").send(&app).await;
    Call::post("/echo", OLD, "{}").send(&app).await;
    assert_eq!(api.hits(), 2);
}

#[tokio::test]
async fn keys_longer_than_255_characters_are_refused() {
    let (app, api) = server();
    Call::post("/echo", NEW, "{}")
        .key(&"k".repeat(256))
        .send(&app)
        .await
        .error(400, "invalid_request", "invalid_idempotency_key");
    assert_eq!(api.hits(), 0);
    let ok = Call::post("/echo", NEW, "{}")
        .key(&"k".repeat(255))
        .send(&app)
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn keys_are_scoped_to_identity_and_path() {
    let (app, api) = server();
    Call::post("/echo", NEW, "{}").key("k").send(&app).await;
    let other_identity = Call::post("/echo", NEW, "{}")
        .key("k")
        .header("authorization", "Bearer sk_test_other")
        .send(&app)
        .await;
    assert_eq!(other_identity.header("idempotent-replayed"), None);
    let other_path = Call::post("/checkout_sessions", NEW, SESSION)
        .key("k")
        .send(&app)
        .await;
    assert_eq!(other_path.status, StatusCode::CREATED);
    assert_eq!(other_path.header("idempotent-replayed"), None);
    assert_eq!(api.hits(), 3);
}

#[tokio::test]
async fn server_errors_are_not_stored() {
    for version in [OLD, NEW] {
        let (app, api) = server();
        for _ in 0..2 {
            Call::post("/fail", version, "{}")
                .key("k")
                .send(&app)
                .await
                .error(500, "processing_error", "internal_error");
        }
        assert_eq!(api.hits(), 2);
    }
}

#[tokio::test]
async fn duplicates_of_a_running_request_and_cancellation() {
    let api = Arc::new(Api::default());
    let store = Arc::new(MemoryStore::new());
    let app = builder(&api)
        .idempotency_store(store.clone())
        .in_flight_wait(Duration::ZERO)
        .retry_after(2)
        .build();
    for (round, version) in [NEW, OLD].into_iter().enumerate() {
        let key = format!("hang-{version}");
        let started = api.hang_started.notified();
        let running = tokio::spawn({
            let (app, key) = (app.clone(), key.clone());
            async move {
                Call::post("/hang", version, "{}")
                    .key(&key)
                    .send(&app)
                    .await
            }
        });
        started.await;
        // From 2026-04-17 at once, before that after the (here zero) wait.
        let duplicate = Call::post("/hang", version, "{}")
            .key(&key)
            .send(&app)
            .await;
        duplicate.error(409, "invalid_request", "idempotency_in_flight");
        assert_eq!(duplicate.header("retry-after"), Some("2"));
        assert_eq!(store.len(), round + 1);
        // The client going away does not cancel the handler (its side effects would be
        // repeated by a retry): the key stays claimed while it runs.
        running.abort();
        assert!(running.await.unwrap_err().is_cancelled());
        assert_eq!(store.len(), round + 1);
        Call::post("/hang", version, "{}")
            .key(&key)
            .send(&app)
            .await
            .error(409, "invalid_request", "idempotency_in_flight");
    }
    assert_eq!(api.hits(), 2);
}

// ---------------------------------------------------------------------------------------------
// 100 concurrent requests with one key, over real HTTP
// ---------------------------------------------------------------------------------------------

/// One HTTP/1.1 request on a fresh connection; returns status, headers (lower-case) and body.
async fn http_post(
    address: std::net::SocketAddr,
    version: &str,
    key: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let body = r#"{"same":"body"}"#;
    let request = format!(
        "POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\
         API-Version: {version}\r\nIdempotency-Key: {key}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_string())
        })
        .collect();
    (status, headers, body.to_string())
}

async fn hundred_at_once(version: &str) -> (Arc<Api>, Vec<(u16, Vec<(String, String)>, String)>) {
    let (app, api) = server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let clients: Vec<_> = (0..100)
        .map(|_| {
            let version = version.to_string();
            tokio::spawn(async move { http_post(address, &version, "one-key").await })
        })
        .collect();
    let mut replies = Vec::new();
    for client in clients {
        replies.push(client.await.unwrap());
    }
    server.abort();
    (api, replies)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_wait_for_the_first_under_old_rules() {
    let (api, replies) = hundred_at_once(OLD).await;
    assert_eq!(api.hits(), 1);
    let original = replies
        .iter()
        .filter(|r| header(&r.1, "idempotent-replayed").is_none())
        .count();
    assert_eq!(original, 1);
    for (status, _, body) in &replies {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body, r#"{"n":1}"#);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_are_refused_under_new_rules() {
    let (api, replies) = hundred_at_once(NEW).await;
    assert_eq!(api.hits(), 1);
    let mut created = 0;
    for (status, headers, body) in &replies {
        match status {
            201 => {
                assert_eq!(body, r#"{"n":1}"#);
                if header(headers, "idempotent-replayed").is_none() {
                    created += 1;
                }
            }
            409 => {
                let error: Value = serde_json::from_str(body).unwrap();
                assert_eq!(error["code"], "idempotency_in_flight");
                assert_eq!(error["type"], "invalid_request");
                assert_eq!(header(headers, "retry-after"), Some("1"));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1);
}

// ---------------------------------------------------------------------------------------------
// Stores (their contract: tests/stores.rs)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sqlite_store_replays_across_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.db");
    let api = Arc::new(Api::default());
    let first = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let app = builder(&api).idempotency_store(store).build();
        Call::post("/checkout_sessions", NEW, SESSION)
            .key("restart")
            .send(&app)
            .await
    };
    assert_eq!(first.status, StatusCode::CREATED);
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let app = builder(&api).idempotency_store(store).build();
    let second = Call::post("/checkout_sessions", NEW, SESSION)
        .key("restart")
        .send(&app)
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.body, first.body);
    assert_eq!(api.hits(), 1);
}

#[tokio::test]
async fn expired_keys_run_again() {
    let api = Arc::new(Api::default());
    let dir = tempfile::tempdir().unwrap();
    for store in [
        Arc::new(MemoryStore::new()) as Arc<dyn IdempotencyStore>,
        Arc::new(SqliteStore::open(dir.path().join("ttl.db")).unwrap()),
    ] {
        let app = builder(&api)
            .idempotency_store(store)
            .idempotency_ttl(Duration::ZERO)
            .build();
        let before = api.hits();
        Call::post("/echo", NEW, "{}").key("k").send(&app).await;
        let again = Call::post("/echo", NEW, "{}").key("k").send(&app).await;
        assert_eq!(again.header("idempotent-replayed"), None);
        assert_eq!(api.hits(), before + 2);
    }
}

// ---------------------------------------------------------------------------------------------
// (5) Signatures, webhooks
// ---------------------------------------------------------------------------------------------

fn rfc3339(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339()
}

#[tokio::test]
async fn request_signatures_are_checked_when_configured() {
    let keys = [
        (
            SigningKey::Hmac(b"shared".to_vec()),
            SigningKey::Hmac(b"wrong".to_vec()),
        ),
        (
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[3; 32])),
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[4; 32])),
        ),
    ];
    for (key, wrong_key) in keys {
        let api = Arc::new(Api::default());
        let app = builder(&api)
            .signatures(SignatureVerifier::new(key.verifying_key()))
            .build();
        let now = rfc3339(SystemTime::now());
        let signed = |key: &SigningKey, timestamp: &str, body: &str| {
            Call::post("/checkout_sessions", NEW, body)
                .key(&format!("k-{timestamp}-{}", body.len()))
                .header("timestamp", timestamp)
                .header("signature", &sign(key, timestamp, body.as_bytes()).unwrap())
        };
        let ok = signed(&key, &now, SESSION).send(&app).await;
        assert_eq!(ok.status, StatusCode::CREATED);

        let tampered = signed(&key, &now, SESSION);
        let tampered = Call {
            body: SESSION
                .replace("\"quantity\":1", "\"quantity\":9")
                .into_bytes(),
            ..tampered
        };
        tampered
            .send(&app)
            .await
            .error(401, "invalid_request", "invalid_signature");

        let stale = rfc3339(SystemTime::now() - Duration::from_secs(3600));
        signed(&key, &stale, SESSION).send(&app).await.error(
            401,
            "invalid_request",
            "invalid_signature",
        );
        signed(&wrong_key, &now, SESSION).send(&app).await.error(
            401,
            "invalid_request",
            "invalid_signature",
        );
        for missing in ["signature", "timestamp"] {
            signed(&key, &now, SESSION)
                .without(missing)
                .send(&app)
                .await
                .error(401, "invalid_request", "invalid_signature");
        }
        // Old versions use their own 401 type; a GET signs the empty body.
        Call::post("/echo", OLD, "{}").send(&app).await.error(
            401,
            "invalid_request",
            "invalid_signature",
        );
        let get = Call::get("/checkout_sessions/cs_1", NEW)
            .header("timestamp", &now)
            .header("signature", &sign(&key, &now, b"").unwrap())
            .send(&app)
            .await;
        assert_eq!(get.status, StatusCode::OK);
        assert_eq!(api.hits(), 1);
    }
}

fn webhook_app(hits: Arc<AtomicUsize>) -> Router {
    let routes = Router::new().route(
        "/agentic_checkout/webhooks/order_events",
        post(move |body: String| async move {
            hits.fetch_add(1, Ordering::SeqCst);
            AcpJson(json!({ "received": true, "length": body.len() }))
        }),
    );
    webhook_receiver(routes, b"whsec_test".to_vec(), Duration::from_secs(300))
}

#[tokio::test]
async fn webhook_receiver_checks_the_merchant_signature_over_the_raw_body() {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = webhook_app(hits.clone());
    let body = r#"{"type": "order_create", "data": {"id": "ord_1"}}"#;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let call = |signature: Option<String>, body: &str| {
        let mut call = Call::post("/agentic_checkout/webhooks/order_events", NEW, body)
            .without("authorization")
            .header("request-id", "wh_1");
        if let Some(signature) = signature {
            call = call.header("merchant-signature", &signature);
        }
        call
    };
    let ok = call(
        Some(merchant_signature(b"whsec_test", now, body.as_bytes())),
        body,
    )
    .send(&app)
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json(), json!({ "received": true, "length": body.len() }));
    assert_eq!(ok.header("request-id"), Some("wh_1"));

    let rejected = [
        call(None, body),
        call(Some("t=1,v1=zz".into()), body),
        call(
            Some(merchant_signature(
                b"whsec_test",
                now - 301,
                body.as_bytes(),
            )),
            body,
        ),
        call(
            Some(merchant_signature(b"other", now, body.as_bytes())),
            body,
        ),
        // Same JSON, other bytes: the raw body is what is signed.
        call(
            Some(merchant_signature(b"whsec_test", now, body.as_bytes())),
            &body.replace(": ", ":"),
        ),
    ];
    let mut messages = Vec::new();
    for call in rejected {
        let error = call
            .send(&app)
            .await
            .error(401, "invalid_request", "invalid_signature");
        messages.push(error["message"].as_str().unwrap().to_string());
    }
    assert_eq!(
        messages[..3],
        [
            "Missing Merchant-Signature header.",
            "Merchant-Signature must be t=<timestamp>,v1=<64_hex>: v1 must be 64 hex digits.",
            "Timestamp outside allowed window.",
        ]
    );
    assert_eq!(messages[3], "Webhook signature verification failed.");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn store_errors_and_odd_inputs_never_panic() {
    struct Broken;
    impl IdempotencyStore for Broken {
        fn begin<'a>(
            &'a self,
            _: acp_runtime::server::Claim<'a>,
        ) -> acp_runtime::server::StoreFuture<'a, Begin> {
            Box::pin(async { Err(acp_runtime::server::StoreError("disk full".into())) })
        }
    }
    let api = Arc::new(Api::default());
    let app = builder(&api).idempotency_store(Arc::new(Broken)).build();
    let reply = Call::post("/echo", NEW, "{}").key("k").send(&app).await;
    reply.error(503, "service_unavailable", "idempotency_unavailable");
    assert_eq!(api.hits(), 0);

    let (app, _) = server();
    let mut request = Call::post("/echo", NEW, "{}").request();
    request.headers_mut().insert(
        "idempotency-key",
        axum::http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
    );
    request.headers_mut().insert(
        "api-version",
        axum::http::HeaderValue::from_bytes(b"\xff").unwrap(),
    );
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let mut request = Call::post("/echo", NEW, "{}").request();
    request.headers_mut().insert(
        "idempotency-key",
        axum::http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
    );
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
