//! What the pipeline tells operators: store errors logged with their cause, a span per request,
//! and refused signature replays (issue 15).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use acp_runtime::server::{AcpJson, AcpServer, ApiError, RequestContext, StaticTokens};
use acp_runtime::signing::{sign, SignatureVerifier, SigningKey};
use axum::body::Body;
use axum::routing::post;
use axum::Router;
use http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

#[path = "support/failing_store.rs"]
mod failing_store;
use failing_store::FailingStore;

const VERSION: &str = "2026-04-17";
const TOKEN: &str = "sk_test_good";

/// One recorded span: its name and the fields recorded so far.
#[derive(Debug, Clone, Default)]
struct SpanRecord {
    name: &'static str,
    fields: BTreeMap<String, String>,
}

/// One recorded event: its level, fields and the span it happened in.
#[derive(Debug, Clone)]
struct EventRecord {
    level: Level,
    fields: BTreeMap<String, String>,
    span: Option<u64>,
}

/// A subscriber that keeps every span and event; tests run on one thread, so one span stack.
#[derive(Default)]
struct Collector {
    next_id: AtomicU64,
    spans: Mutex<BTreeMap<u64, SpanRecord>>,
    events: Mutex<Vec<EventRecord>>,
    entered: Mutex<Vec<u64>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

/// The installed subscriber: shares its records with the test.
struct Handle(Arc<Collector>);

impl Subscriber for Handle {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut record = SpanRecord {
            name: attributes.metadata().name(),
            ..SpanRecord::default()
        };
        attributes.record(&mut Fields(&mut record.fields));
        self.0.spans.lock().unwrap().insert(id, record);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(record) = self.0.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut record.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.events.lock().unwrap().push(EventRecord {
            level: *event.metadata().level(),
            fields,
            span: self.0.entered.lock().unwrap().last().copied(),
        });
    }

    fn enter(&self, span: &Id) {
        self.0.entered.lock().unwrap().push(span.into_u64());
    }

    fn exit(&self, _: &Id) {
        self.0.entered.lock().unwrap().pop();
    }
}

impl Collector {
    fn install() -> (Arc<Collector>, tracing::subscriber::DefaultGuard) {
        let collector = Arc::new(Collector::default());
        let guard = tracing::subscriber::set_default(Handle(collector.clone()));
        (collector, guard)
    }

    fn errors(&self) -> Vec<EventRecord> {
        let events = self.events.lock().unwrap();
        events
            .iter()
            .filter(|e| e.level == Level::ERROR)
            .cloned()
            .collect()
    }

    fn request_spans(&self) -> Vec<SpanRecord> {
        let spans = self.spans.lock().unwrap();
        spans
            .values()
            .filter(|s| s.name == "acp_request")
            .cloned()
            .collect()
    }

    fn span(&self, id: u64) -> Option<SpanRecord> {
        self.spans.lock().unwrap().get(&id).cloned()
    }
}

async fn echo(_: RequestContext, AcpJson(body): AcpJson<Value>) -> AcpJson<Value> {
    AcpJson(body)
}

fn builder() -> acp_runtime::server::AcpServerBuilder {
    AcpServer::builder()
        .version(
            VERSION,
            Router::new()
                .route("/echo", post(echo))
                .route("/boom", post(|| async { ApiError::internal("boom") })),
        )
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent-1".to_string(),
        )]))
}

fn post_echo(path: &str, key: &str, request_id: &str) -> Request<Body> {
    Request::post(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("api-version", VERSION)
        .header("idempotency-key", key)
        .header("request-id", request_id)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a":1}"#))
        .unwrap()
}

#[tokio::test]
async fn a_failing_begin_is_logged_with_its_cause_and_answered_with_503() {
    let (collector, _guard) = Collector::install();
    let app = builder()
        .idempotency_store(Arc::new(FailingStore { fail_begin: true }))
        .build();
    let response = app
        .oneshot(post_echo("/echo", "k1", "req_disk"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

    let errors = collector.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let fields = &errors[0].fields;
    assert_eq!(fields["cause"], "disk full");
    assert_eq!(fields["request_id"], "req_disk");
    assert_eq!(fields["operation"], "begin");
    assert_eq!(fields["scope"], "agent-1 /echo");
}

#[tokio::test]
async fn a_failing_finish_is_logged_and_never_answered_with_success() {
    let (collector, _guard) = Collector::install();
    let app = builder()
        .idempotency_store(Arc::new(FailingStore { fail_begin: false }))
        .build();
    // The handler succeeded, but its answer could not be committed: the client must not be
    // told it succeeded.
    let response = app
        .clone()
        .oneshot(post_echo("/echo", "k1", "req_finish"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // A failed handler releases its key; a failing release is logged too.
    let response = app
        .oneshot(post_echo("/boom", "k2", "req_release"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let errors = collector.errors();
    let causes: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e.fields["operation"].as_str(),
                e.fields["cause"].as_str(),
                e.fields["request_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            ("finish", "disk full on finish", "req_finish"),
            ("release", "disk full on release", "req_release")
        ]
    );
}

#[tokio::test]
async fn a_store_error_is_logged_inside_its_request_span() {
    let (collector, _guard) = Collector::install();
    let app = builder()
        .idempotency_store(Arc::new(FailingStore { fail_begin: true }))
        .build();
    app.oneshot(post_echo("/echo", "k1", "req_span"))
        .await
        .unwrap();

    let errors = collector.errors();
    let span = errors[0].span.and_then(|id| collector.span(id));
    let span = span.expect("the error happened inside a span");
    assert_eq!(span.name, "acp_request");
    assert_eq!(span.fields["request_id"], "req_span");
    assert_eq!(span.fields["idempotency"], "unavailable");
    assert_eq!(span.fields["status"], "503");
}

#[tokio::test]
async fn the_request_span_records_a_created_request_and_its_replay() {
    let (collector, _guard) = Collector::install();
    let app = builder().build();
    let first = app
        .clone()
        .oneshot(post_echo("/echo", "k1", "req_1"))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = app
        .oneshot(post_echo("/echo", "k1", "req_2"))
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::OK);

    let spans = collector.request_spans();
    assert_eq!(spans.len(), 2, "{spans:?}");
    for (span, (request_id, outcome)) in spans
        .iter()
        .zip([("req_1", "started"), ("req_2", "replayed")])
    {
        let fields = &span.fields;
        assert_eq!(fields["request_id"], request_id);
        assert_eq!(fields["api_version"], VERSION);
        assert_eq!(fields["method"], "POST");
        assert_eq!(fields["route"], "/echo");
        assert_eq!(fields["idempotency"], outcome);
        assert_eq!(fields["status"], "200");
        assert!(fields["latency_ms"].parse::<u64>().is_ok(), "{fields:?}");
    }
}

#[tokio::test]
async fn a_request_refused_before_idempotency_has_outcome_none() {
    let (collector, _guard) = Collector::install();
    let app = builder().build();
    let request = Request::post("/echo")
        .header("api-version", VERSION)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let spans = collector.request_spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert_eq!(spans[0].fields["idempotency"], "none");
    assert_eq!(spans[0].fields["status"], "401");
    assert_eq!(spans[0].fields["request_id"], "");
}

/// Counts handler runs; the app checks HMAC signatures.
fn signed_app(refuse_replay: bool) -> (Router, Arc<AtomicU64>) {
    let runs = Arc::new(AtomicU64::new(0));
    let counted = runs.clone();
    let handler = move |_: RequestContext, AcpJson(body): AcpJson<Value>| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            AcpJson(body)
        }
    };
    let app = AcpServer::builder()
        .version(VERSION, Router::new().route("/echo", post(handler)))
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent-1".to_string(),
        )]))
        .signatures(SignatureVerifier::new(
            SigningKey::Hmac(b"shared".to_vec()).verifying_key(),
        ))
        .refuse_signature_replay(refuse_replay)
        .build();
    (app, runs)
}

/// RFC 3339 `seconds` from now.
fn timestamp(seconds: u64) -> String {
    let at = SystemTime::now() + Duration::from_secs(seconds);
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339()
}

/// The same signed request (body, timestamp, signature) under the given Idempotency-Key.
fn signed_echo(key: &str, timestamp: &str) -> Request<Body> {
    let body = r#"{"a":1}"#;
    let signature = sign(
        &SigningKey::Hmac(b"shared".to_vec()),
        timestamp,
        body.as_bytes(),
    )
    .unwrap();
    Request::post("/echo")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("api-version", VERSION)
        .header("idempotency-key", key)
        .header("timestamp", timestamp)
        .header("signature", signature)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

async fn error_code(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    body["code"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_replayed_signature_is_refused_even_with_a_new_idempotency_key() {
    let (app, runs) = signed_app(true);
    let now = timestamp(0);
    let first = app.clone().oneshot(signed_echo("k1", &now)).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let replay = app.clone().oneshot(signed_echo("k2", &now)).await.unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(replay).await, "signature_replayed");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // A freshly signed request (another timestamp, so another signature) still runs.
    let later = timestamp(1);
    let fresh = app.oneshot(signed_echo("k3", &later)).await.unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn without_the_option_a_resent_signature_runs_again() {
    let (app, runs) = signed_app(false);
    let now = timestamp(0);
    for key in ["k1", "k2"] {
        let response = app.clone().oneshot(signed_echo(key, &now)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// Files this process cannot write, even as root (which ignores file modes): `chattr +i`.
/// Undone when dropped, so the folder can be removed.
struct Immutable(Vec<std::path::PathBuf>);

impl Immutable {
    fn set(paths: &[std::path::PathBuf]) -> Immutable {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .args(paths)
            .status()
            .expect("run chattr");
        assert!(
            status.success(),
            "chattr +i failed: this test needs root (CAP_LINUX_IMMUTABLE) on a file system with \
             attributes, as in CI"
        );
        Immutable(paths.to_vec())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .args(&self.0)
            .status();
    }
}

#[tokio::test]
async fn a_read_only_database_answers_503_with_the_cause_logged_and_replays_what_it_kept() {
    // In the target folder: a real file system (a tmpfs may not take `chattr`).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("shop.db");
    let store = acp_runtime::server::SqliteStore::open(&path).unwrap();
    let app = builder().idempotency_store(Arc::new(store)).build();
    let kept = app
        .clone()
        .oneshot(post_echo("/echo", "before", "req_before"))
        .await
        .unwrap();
    assert_eq!(kept.status(), StatusCode::OK);

    // The database and its log become read-only under the running server (not the shared
    // memory index, which SQLite maps: writing to it would be a crash, not an error).
    let wal = dir.path().join("shop.db-wal");
    let _read_only = Immutable::set(&[path.clone(), wal]);
    let (collector, _guard) = Collector::install();
    for i in 0..5 {
        let request_id = format!("req_ro_{i}");
        let response = app
            .clone()
            .oneshot(post_echo("/echo", &format!("new-{i}"), &request_id))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key("retry-after"));
        let code = error_code(response).await;
        assert_eq!(code, "idempotency_unavailable");
        let errors = collector.errors();
        let logged = errors
            .iter()
            .find(|e| e.fields.get("request_id") == Some(&request_id))
            .unwrap_or_else(|| panic!("no error logged for {request_id}: {errors:?}"));
        assert!(!logged.fields["cause"].is_empty(), "{logged:?}");
    }
    // What was committed before is still answered, from the read-only file.
    let replay = app
        .oneshot(post_echo("/echo", "before", "req_again"))
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}
