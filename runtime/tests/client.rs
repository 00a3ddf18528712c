//! The client side (`acp_runtime::client`) against loopback servers: plain axum routes that
//! script their answers, and the real `AcpServer` pipeline and webhook receiver.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use acp_runtime::client::{
    ApiErrorBody, CallOptions, ClientCore, ClientError, RetryPolicy, WebhookSender,
    DEFAULT_USER_AGENT,
};
use acp_runtime::server::{
    webhook_receiver, AcpJson, AcpServer, ApiError, RequestContext, StaticTokens,
};
use acp_runtime::signing::{SignatureVerifier, SigningKey};
use acp_runtime::{Validate, Validator};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const VERSION: &str = "2026-04-17";
const TOKEN: &str = "sk_test_client";

// ---------------------------------------------------------------------------------------------
// Types and helpers
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct CreateSession {
    quantity: i64,
    note: &'static str,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Session {
    id: String,
    quantity: i64,
}

impl Validate for Session {
    fn validate(&self, validator: &mut Validator) {
        validator.at_key("quantity", |v| {
            if self.quantity < 1 {
                v.error("must be at least 1");
            }
        });
    }
}

/// Quick retries for tests that do not look at the waits.
fn fast(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(10),
    }
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// A client of the scripted servers, whose API lives under `/api`.
fn client(address: SocketAddr, retry: RetryPolicy) -> ClientCore {
    client_at(format!("http://{address}/api"), retry)
}

fn client_at(base_url: String, retry: RetryPolicy) -> ClientCore {
    ClientCore::builder(base_url, VERSION)
        .bearer(TOKEN)
        .retry(retry)
        .build()
        .unwrap()
}

fn error_body(status: StatusCode, error_type: &str, code: &str) -> Response {
    ApiError::new(status, error_type, code, format!("{code} happened")).into_response()
}

/// What a scripted server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// A server whose every answer is `answer(n)` for the n-th request (1-based), recording all
/// requests.
#[derive(Clone)]
struct Script {
    seen: Arc<Mutex<Vec<Seen>>>,
    answer: Arc<dyn Fn(usize) -> Response + Send + Sync>,
}

impl Script {
    async fn start(
        answer: impl Fn(usize) -> Response + Send + Sync + 'static,
    ) -> (Self, SocketAddr) {
        let script = Script {
            seen: Arc::default(),
            answer: Arc::new(answer),
        };
        let app = Router::new()
            .route("/{*path}", any(scripted))
            .with_state(script.clone());
        (script, serve(app).await)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn scripted(
    State(script): State<Script>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = {
        let mut seen = script.seen.lock().unwrap();
        seen.push(Seen {
            method,
            path: uri.to_string(),
            headers: headers.clone(),
            body: body.to_vec(),
        });
        seen.len()
    };
    let mut response = (script.answer)(n);
    if let Some(id) = headers.get("request-id") {
        response.headers_mut().insert("request-id", id.clone());
    }
    response
}

fn created(id: &str, quantity: i64) -> Response {
    (
        StatusCode::CREATED,
        AcpJson(json!({ "id": id, "quantity": quantity })),
    )
        .into_response()
}

fn api_error(
    result: Result<impl std::fmt::Debug, ClientError>,
) -> (StatusCode, ApiErrorBody, Option<String>, bool, u32) {
    match result {
        Err(ClientError::Api {
            status,
            error,
            request_id,
            idempotent_replayed,
            attempts,
        }) => (status, *error, request_id, idempotent_replayed, attempts),
        other => panic!("expected an Api error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn transient_answers_are_retried_with_the_same_key_and_body() {
    let (script, address) = Script::start(|n| match n {
        1 => {
            let mut response = error_body(
                StatusCode::CONFLICT,
                "invalid_request",
                "idempotency_in_flight",
            );
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
            response
        }
        2 => error_body(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "rate_limited",
        ),
        3 => (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response(),
        _ => {
            let mut response = created("cs_1", 2);
            response
                .headers_mut()
                .insert("idempotent-replayed", "true".parse().unwrap());
            response
        }
    })
    .await;
    let core = client(address, fast(4));
    let started = Instant::now();
    let response = core
        .call::<_, Session>(
            Method::POST,
            "/checkout_sessions",
            Some(&CreateSession {
                quantity: 2,
                note: "déjà vu",
            }),
            CallOptions::default().request_id("req_42"),
        )
        .await
        .unwrap();
    let elapsed = started.elapsed();

    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(
        response.body,
        Session {
            id: "cs_1".into(),
            quantity: 2
        }
    );
    assert_eq!(response.attempts, 4);
    assert_eq!(response.request_id.as_deref(), Some("req_42"));
    assert!(response.idempotent_replayed);
    // Retry-After: 1 was honoured.
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");

    let seen = script.seen();
    assert_eq!(seen.len(), 4);
    let key = response.idempotency_key.clone().unwrap();
    assert!(uuid::Uuid::parse_str(&key).is_ok(), "{key}");
    for request in &seen {
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/api/checkout_sessions");
        assert_eq!(request.header("idempotency-key"), Some(key.as_str()));
        assert_eq!(request.body, seen[0].body);
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(request.header("api-version"), Some(VERSION));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(request.header("user-agent"), Some(DEFAULT_USER_AGENT));
        assert_eq!(request.header("request-id"), Some("req_42"));
        assert_eq!(request.header("signature"), None);
    }
    assert_eq!(
        serde_json::from_slice::<Value>(&seen[0].body).unwrap(),
        json!({ "quantity": 2, "note": "déjà vu" })
    );
}

#[tokio::test]
async fn max_attempts_bounds_the_retries() {
    let (script, address) = Script::start(|_| {
        error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "overloaded",
        )
    })
    .await;
    let result = client(address, fast(3))
        .call::<_, Session>(
            Method::POST,
            "/checkout_sessions",
            Some(&json!({})),
            CallOptions::default(),
        )
        .await;
    let (status, error, _, _, attempts) = api_error(result);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error.code, "overloaded");
    assert_eq!(attempts, 3);
    assert_eq!(script.seen().len(), 3);

    // No retries at all.
    let result = client(address, RetryPolicy::none())
        .call::<(), Session>(
            Method::GET,
            "/checkout_sessions/cs_1",
            None,
            CallOptions::default(),
        )
        .await;
    assert_eq!(api_error(result).4, 1);
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test]
async fn final_errors_are_not_retried() {
    let cases = [
        (StatusCode::BAD_REQUEST, "invalid_request", "missing"),
        (StatusCode::UNAUTHORIZED, "invalid_request", "unauthorized"),
        (StatusCode::NOT_FOUND, "invalid_request", "not_found"),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "method_not_allowed",
        ),
        (
            StatusCode::CONFLICT,
            "invalid_request",
            "idempotency_conflict",
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "idempotency_conflict",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "processing_error",
            "internal_error",
        ),
        (StatusCode::BAD_GATEWAY, "processing_error", "upstream"),
    ];
    for (status, error_type, code) in cases {
        let (script, address) = Script::start(move |_| {
            let mut response = ApiError::new(status, error_type, code, "no")
                .with_param("$.buyer.email")
                .into_response();
            response
                .headers_mut()
                .insert("idempotent-replayed", "true".parse().unwrap());
            response
        })
        .await;
        let result = client(address, fast(4))
            .call::<_, Session>(
                Method::POST,
                "/checkout_sessions",
                Some(&json!({ "a": 1 })),
                CallOptions::default().request_id(format!("req_{code}")),
            )
            .await;
        let error_text = format!("{:?}", result.as_ref().err());
        let (got_status, body, request_id, replayed, attempts) = api_error(result);
        assert_eq!(got_status, status, "{error_text}");
        assert_eq!(
            body,
            ApiErrorBody {
                error_type: error_type.into(),
                code: code.into(),
                message: "no".into(),
                param: Some("$.buyer.email".into()),
                supported_versions: None,
            }
        );
        assert_eq!(request_id, Some(format!("req_{code}")));
        assert!(replayed);
        assert_eq!(attempts, 1, "{status} must not be retried");
        assert_eq!(script.seen().len(), 1);
    }
}

#[tokio::test]
async fn unreachable_servers_fail_with_transport_after_the_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let core = client(address, fast(3));
    for method in [Method::GET, Method::POST] {
        let body = (method == Method::POST).then(|| json!({}));
        match core
            .call::<_, Value>(method.clone(), "/x", body.as_ref(), CallOptions::default())
            .await
        {
            Err(ClientError::Transport { attempts, source }) => {
                assert_eq!(attempts, 3, "{method}");
                assert!(source.is_connect(), "{source:?}");
            }
            other => panic!("{method}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn slow_answers_time_out_per_attempt() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/api/slow",
        get(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }
        }),
    );
    let address = serve(app).await;
    let core = ClientCore::builder(format!("http://{address}/api"), VERSION)
        .timeout(Duration::from_millis(200))
        .retry(fast(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let result = core
        .call::<(), Value>(Method::GET, "/slow", None, CallOptions::default())
        .await;
    assert!(
        matches!(result, Err(ClientError::Timeout { attempts: 2 })),
        "{result:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() < Duration::from_secs(4));
}

// ---------------------------------------------------------------------------------------------
// Bodies, keys, headers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn bodies_that_break_the_type_are_unexpected() {
    let (_, address) = Script::start(|n| match n {
        1 => created("cs_1", 0),
        2 => created("cs_1", 1)
            .into_response()
            .map(|_| axum::body::Body::from(r#"{"id":"cs_1","quantity":"one"}"#)),
        3 => (StatusCode::OK, "not json").into_response(),
        4 => (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response(),
        _ => (StatusCode::OK, r#"{"id":"cs_1","quantity":1,"extra":true}"#).into_response(),
    })
    .await;
    let core = client(address, RetryPolicy::none());
    let mut messages = Vec::new();
    for expected_status in [201, 201, 200, 502, 200] {
        match core
            .call::<(), Session>(
                Method::GET,
                "/checkout_sessions/cs_1",
                None,
                CallOptions::default(),
            )
            .await
        {
            Err(ClientError::UnexpectedBody {
                status,
                message,
                body,
                attempts,
                ..
            }) => {
                assert_eq!(status.as_u16(), expected_status, "{message}");
                assert!(!body.is_empty());
                assert_eq!(attempts, 1);
                messages.push(message);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(
        messages[0].contains("$.quantity: must be at least 1"),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("$.quantity"), "{}", messages[1]);
    assert!(messages[2].contains("invalid JSON"), "{}", messages[2]);
    assert!(
        messages[3].contains("not the protocol's Error"),
        "{}",
        messages[3]
    );
    assert!(messages[4].contains("$.extra"), "{}", messages[4]);
}

#[tokio::test]
async fn keys_are_sent_on_posts_only_unless_given() {
    let (script, address) = Script::start(|_| created("cs_1", 1)).await;
    let core = client(address, fast(2));

    let given = core
        .call::<_, Session>(
            Method::POST,
            "/checkout_sessions",
            Some(&json!({ "quantity": 1 })),
            CallOptions::default()
                .idempotency_key("my-key-1")
                .header("Accept-Language", "fr-FR"),
        )
        .await
        .unwrap();
    assert_eq!(given.idempotency_key.as_deref(), Some("my-key-1"));
    assert!(!given.idempotent_replayed);

    let fetched = core
        .call::<(), Session>(
            Method::GET,
            &format!(
                "/checkout_sessions/{}",
                acp_runtime::client::encode_path_segment("cs 1/x")
            ),
            None,
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(fetched.idempotency_key, None);
    assert_eq!(fetched.request_id, None);

    let generated = core
        .call_empty::<()>(
            Method::POST,
            "/checkout_sessions/cs_1/cancel",
            None,
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(generated.status, StatusCode::CREATED);

    let seen = script.seen();
    assert_eq!(seen[0].header("idempotency-key"), Some("my-key-1"));
    assert_eq!(seen[0].header("accept-language"), Some("fr-FR"));
    assert_eq!(seen[1].method, Method::GET);
    assert_eq!(seen[1].path, "/api/checkout_sessions/cs%201%2Fx");
    assert_eq!(seen[1].header("idempotency-key"), None);
    assert_eq!(seen[1].header("content-type"), None);
    assert!(seen[1].body.is_empty());
    let key = seen[2].header("idempotency-key").unwrap();
    assert_eq!(Some(key), generated.idempotency_key.as_deref());
    assert_ne!(key, "my-key-1");
    assert_eq!(seen[2].header("content-type"), None);

    // Fresh keys per call.
    core.call_empty::<()>(
        Method::POST,
        "/checkout_sessions/cs_1/cancel",
        None,
        CallOptions::default(),
    )
    .await
    .unwrap();
    assert_ne!(script.seen()[3].header("idempotency-key"), Some(key));
}

#[tokio::test]
async fn custom_user_agent_and_invalid_requests() {
    let (script, address) = Script::start(|_| created("cs_1", 1)).await;
    let core = ClientCore::builder(format!("http://{address}"), VERSION)
        .user_agent("my-agent/1.0")
        .build()
        .unwrap();
    core.call::<(), Session>(Method::GET, "/s", None, CallOptions::default())
        .await
        .unwrap();
    assert_eq!(script.seen()[0].header("user-agent"), Some("my-agent/1.0"));
    assert_eq!(script.seen()[0].header("authorization"), None);

    let bad_header = core
        .call::<(), Session>(
            Method::GET,
            "/s",
            None,
            CallOptions::default().header("bad name", "x"),
        )
        .await;
    assert!(
        matches!(bad_header, Err(ClientError::InvalidRequest(_))),
        "{bad_header:?}"
    );
    let bad_key = core
        .call::<(), Session>(
            Method::POST,
            "/s",
            None,
            CallOptions::default().idempotency_key("line\nbreak"),
        )
        .await;
    assert!(
        matches!(bad_key, Err(ClientError::InvalidRequest(_))),
        "{bad_key:?}"
    );
    assert_eq!(script.seen().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Against the AcpServer pipeline
// ---------------------------------------------------------------------------------------------

async fn create_session(context: RequestContext, AcpJson(body): AcpJson<Value>) -> Response {
    (
        StatusCode::CREATED,
        AcpJson(json!({
            "id": format!("cs_{}", context.idempotency_key.unwrap_or_default().len()),
            "quantity": body["quantity"],
        })),
    )
        .into_response()
}

fn acp_server(verifier: Option<SignatureVerifier>) -> Router {
    let routes = Router::new()
        .route("/checkout_sessions", post(create_session))
        .route(
            "/checkout_sessions/{id}",
            get(|| async { AcpJson(json!({ "id": "cs_1", "quantity": 3 })) }),
        );
    let mut builder = AcpServer::builder()
        .version(VERSION, routes)
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent".to_string(),
        )]));
    if let Some(verifier) = verifier {
        builder = builder.signatures(verifier);
    }
    builder.build()
}

#[tokio::test]
async fn signed_requests_pass_the_servers_signature_check() {
    let keys = [
        (
            SigningKey::Hmac(b"shared-secret".to_vec()),
            SigningKey::Hmac(b"wrong-secret".to_vec()),
        ),
        (
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32])),
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[8; 32])),
        ),
    ];
    for (key, wrong_key) in keys {
        let address = serve(acp_server(Some(SignatureVerifier::new(
            key.verifying_key(),
        ))))
        .await;
        let signed = |key: &SigningKey| {
            ClientCore::builder(format!("http://{address}"), VERSION)
                .bearer(TOKEN)
                .signing(key.clone())
                .retry(fast(2))
                .build()
                .unwrap()
        };
        let body = json!({ "quantity": 4, "z": 1.0, "a": [1, 2] });
        let created = signed(&key)
            .call::<_, Session>(
                Method::POST,
                "/checkout_sessions",
                Some(&body),
                CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(created.status, StatusCode::CREATED);
        assert_eq!(created.body.quantity, 4);
        assert_eq!(created.attempts, 1);
        // A GET signs the empty body.
        let fetched = signed(&key)
            .call::<(), Session>(
                Method::GET,
                "/checkout_sessions/cs_1",
                None,
                CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(fetched.body.quantity, 3);

        let result = signed(&wrong_key)
            .call::<_, Session>(
                Method::POST,
                "/checkout_sessions",
                Some(&body),
                CallOptions::default(),
            )
            .await;
        let (status, error, _, _, attempts) = api_error(result);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error.code, "invalid_signature");
        assert_eq!(attempts, 1);

        // Unsigned requests are refused too.
        let result = client_at(format!("http://{address}"), fast(2))
            .call::<(), Session>(
                Method::GET,
                "/checkout_sessions/cs_1",
                None,
                CallOptions::default(),
            )
            .await;
        assert_eq!(api_error(result).0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_pipeline_replays_and_reports_version_and_auth_errors() {
    let address = serve(acp_server(None)).await;
    let core = client_at(format!("http://{address}"), fast(2));
    let body = json!({ "quantity": 2 });
    let options = CallOptions::default().idempotency_key("replay-me");
    let first = core
        .call::<_, Session>(
            Method::POST,
            "/checkout_sessions",
            Some(&body),
            options.clone(),
        )
        .await
        .unwrap();
    assert!(!first.idempotent_replayed);
    let again = core
        .call::<_, Session>(
            Method::POST,
            "/checkout_sessions",
            Some(&body),
            options.clone(),
        )
        .await
        .unwrap();
    assert!(again.idempotent_replayed);
    assert_eq!(again.body, first.body);

    // Same key, other body: 422 idempotency_conflict, not retried.
    let result = core
        .call::<_, Session>(
            Method::POST,
            "/checkout_sessions",
            Some(&json!({ "quantity": 3 })),
            options,
        )
        .await;
    let (status, error, _, _, attempts) = api_error(result);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, "idempotency_conflict");
    assert_eq!(attempts, 1);

    let old = ClientCore::builder(format!("http://{address}"), "1999-01-01")
        .bearer(TOKEN)
        .build()
        .unwrap();
    let result = old
        .call::<(), Session>(
            Method::GET,
            "/checkout_sessions/cs_1",
            None,
            CallOptions::default(),
        )
        .await;
    let (status, error, ..) = api_error(result);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, "unsupported_api_version");
    assert_eq!(error.supported_versions, Some(vec![VERSION.to_string()]));

    let stranger = ClientCore::builder(format!("http://{address}"), VERSION)
        .bearer("sk_wrong")
        .build()
        .unwrap();
    let result = stranger
        .call::<(), Session>(
            Method::GET,
            "/checkout_sessions/cs_1",
            None,
            CallOptions::default().request_id("req_who"),
        )
        .await;
    let (status, _, request_id, ..) = api_error(result);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(request_id.as_deref(), Some("req_who"));
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

const SECRET: &[u8] = b"whsec_client";
const WEBHOOK_PATH: &str = "/agentic_checkout/webhooks/order_events";

/// A receiver behind `webhook_receiver` whose handler fails the first `failures` deliveries.
async fn receiver(failures: usize) -> (SocketAddr, Arc<Mutex<Vec<(HeaderMap, Value)>>>) {
    let received: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let log = received.clone();
    let routes = Router::new().route(
        WEBHOOK_PATH,
        post(move |headers: HeaderMap, AcpJson(event): AcpJson<Value>| {
            let log = log.clone();
            async move {
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push((headers, event));
                    log.len()
                };
                if n <= failures {
                    Err(ApiError::internal("the queue is down"))
                } else {
                    Ok(AcpJson(json!({ "received": true })))
                }
            }
        }),
    );
    let app = webhook_receiver(routes, SECRET.to_vec(), Duration::from_secs(300));
    (serve(app).await, received)
}

fn order_event() -> Value {
    json!({ "type": "order_create", "data": { "id": "ord_1", "status": "created" } })
}

#[tokio::test]
async fn webhooks_are_signed_and_accepted() {
    let (address, received) = receiver(0).await;
    let sender = WebhookSender::new(format!("http://{address}{WEBHOOK_PATH}"), SECRET);
    let response = sender.send(&order_event()).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body, json!({ "received": true }));
    assert_eq!(response.attempts, 1);
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1, order_event());
    let signature = received[0].0["merchant-signature"].to_str().unwrap();
    assert!(
        signature.starts_with("t=") && signature.contains(",v1="),
        "{signature}"
    );
}

#[tokio::test]
async fn webhooks_with_the_wrong_secret_are_refused() {
    let (address, received) = receiver(0).await;
    let sender = WebhookSender::new(format!("http://{address}{WEBHOOK_PATH}"), b"other".to_vec())
        .retry(fast(4));
    let (status, error, _, _, attempts) = api_error(sender.send(&order_event()).await);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error.code, "invalid_signature");
    assert_eq!(attempts, 1);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn webhooks_are_retried_on_server_errors() {
    let (address, received) = receiver(2).await;
    let sender =
        WebhookSender::new(format!("http://{address}{WEBHOOK_PATH}"), SECRET).retry(fast(4));
    let response = sender.send(&order_event()).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.attempts, 3);
    assert_eq!(received.lock().unwrap().len(), 3);

    // Bounded by max_attempts.
    let (address, received) = receiver(usize::MAX).await;
    let sender =
        WebhookSender::new(format!("http://{address}{WEBHOOK_PATH}"), SECRET).retry(fast(2));
    let (status, error, _, _, attempts) = api_error(sender.send(&order_event()).await);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error.code, "internal_error");
    assert_eq!(attempts, 2);
    assert_eq!(received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn webhook_answers_without_json_are_null() {
    let (script, address) = Script::start(|_| (StatusCode::ACCEPTED, "ok").into_response()).await;
    let response = WebhookSender::new(format!("http://{address}/hook"), SECRET)
        .send(&order_event())
        .await
        .unwrap();
    assert_eq!(response.status, StatusCode::ACCEPTED);
    assert_eq!(response.body, Value::Null);
    let seen = script.seen();
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    let signature = seen[0].header("merchant-signature").unwrap();
    let t: i64 = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        signature,
        acp_runtime::signing::merchant_signature(SECRET, t, &seen[0].body)
    );
}
