//! The pipeline's metrics (issue 15): per request, per idempotency outcome and per store call,
//! read back from a recorder installed for the test's thread only (tests run in parallel).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use acp_runtime::server::{AcpJson, AcpServer, IdempotencyStore, RequestContext, StaticTokens};
use axum::body::Body;
use axum::extract::Path;
use axum::routing::{get, post};
use axum::Router;
use http::{Request, StatusCode};
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use serde_json::Value;
use tower::ServiceExt;

#[path = "support/failing_store.rs"]
mod failing_store;
use failing_store::FailingStore;

const VERSION: &str = "2026-04-17";
const TOKEN: &str = "sk_test_good";

async fn create(_: RequestContext, AcpJson(body): AcpJson<Value>) -> (StatusCode, AcpJson<Value>) {
    (StatusCode::CREATED, AcpJson(body))
}

async fn retrieve(_: RequestContext, Path(id): Path<String>) -> AcpJson<Value> {
    AcpJson(serde_json::json!({ "id": id }))
}

/// Counts the calls of the version router's fallback (the route probe must not make any).
static FALLBACK_CALLS: AtomicUsize = AtomicUsize::new(0);

async fn fallback() -> StatusCode {
    FALLBACK_CALLS.fetch_add(1, Ordering::SeqCst);
    StatusCode::NOT_FOUND
}

fn app(store: Option<Arc<dyn IdempotencyStore>>) -> Router {
    let routes = Router::new()
        .route("/checkout_sessions", post(create))
        .route("/checkout_sessions/{checkout_session_id}", get(retrieve))
        .fallback(fallback);
    let builder = AcpServer::builder()
        .version(VERSION, routes)
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent-1".to_string(),
        )]));
    match store {
        Some(store) => builder.idempotency_store(store).build(),
        None => builder.build(),
    }
}

fn request(method: &str, path: &str, key: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("api-version", VERSION)
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

async fn status(app: &Router, request: Request<Body>) -> StatusCode {
    app.clone().oneshot(request).await.unwrap().status()
}

/// Every counter as `name{label="value",...}` (labels sorted) -> value, and every histogram
/// the same way -> its number of samples.
fn recorded(snapshotter: &Snapshotter) -> (BTreeMap<String, u64>, BTreeMap<String, usize>) {
    let (mut counters, mut histograms) = (BTreeMap::new(), BTreeMap::new());
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}=\"{}\"", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        match value {
            DebugValue::Counter(n) => {
                counters.insert(name, n);
            }
            DebugValue::Histogram(samples) => {
                histograms.insert(name, samples.len());
            }
            DebugValue::Gauge(_) => panic!("the pipeline records no gauges: {name}"),
        }
    }
    (counters, histograms)
}

#[tokio::test]
async fn requests_are_counted_by_route_template_status_and_version() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // Current-thread test runtime: the handler tasks the pipeline spawns run on this thread too.
    let _guard = metrics::set_default_local_recorder(&recorder);
    let app = app(None);

    let body = r#"{"items":[1]}"#;
    let create = || request("POST", "/checkout_sessions", Some("k1"), body);
    assert_eq!(status(&app, create()).await, StatusCode::CREATED);
    assert_eq!(status(&app, create()).await, StatusCode::CREATED);
    let other_body = request("POST", "/checkout_sessions", Some("k1"), r#"{"items":[2]}"#);
    let conflict = status(&app, other_body).await;
    assert!(conflict.is_client_error(), "{conflict}");
    for id in ["cs_1", "cs_2"] {
        let path = format!("/checkout_sessions/{id}");
        assert_eq!(
            status(&app, request("GET", &path, None, "")).await,
            StatusCode::OK
        );
    }
    let unknown = request("GET", "/checkout_sessions/cs_1/nothing_here", None, "");
    let fallback_calls = FALLBACK_CALLS.load(Ordering::SeqCst);
    assert_eq!(status(&app, unknown).await, StatusCode::NOT_FOUND);
    assert_eq!(FALLBACK_CALLS.load(Ordering::SeqCst), fallback_calls + 1);
    let mut anonymous = request("POST", "/checkout_sessions", Some("k2"), body);
    anonymous.headers_mut().remove("authorization");
    assert_eq!(status(&app, anonymous).await, StatusCode::UNAUTHORIZED);
    let mut unsupported = request("GET", "/checkout_sessions/cs_1", None, "");
    unsupported
        .headers_mut()
        .insert("api-version", "1999-01-01".parse().unwrap());
    assert_eq!(status(&app, unsupported).await, StatusCode::BAD_REQUEST);
    let mut refused_unknown = request("GET", "/nothing_here", None, "");
    refused_unknown.headers_mut().remove("authorization");
    let fallback_calls = FALLBACK_CALLS.load(Ordering::SeqCst);
    assert_eq!(
        status(&app, refused_unknown).await,
        StatusCode::UNAUTHORIZED
    );
    // Probed for its route (none), but the fallback did not run.
    assert_eq!(FALLBACK_CALLS.load(Ordering::SeqCst), fallback_calls);

    let (counters, histograms) = recorded(&snapshotter);
    let requests = |route: &str, method: &str, status: u16, version: &str| {
        let name = format!(
            "acp_requests_total{{api_version=\"{version}\",method=\"{method}\",route=\"{route}\",status=\"{status}\"}}"
        );
        counters.get(&name).copied().unwrap_or(0)
    };
    let item = "/checkout_sessions/{checkout_session_id}";
    assert_eq!(requests("/checkout_sessions", "POST", 201, VERSION), 2);
    assert_eq!(
        requests("/checkout_sessions", "POST", conflict.as_u16(), VERSION),
        1
    );
    assert_eq!(requests(item, "GET", 200, VERSION), 2, "{counters:#?}");
    assert_eq!(
        requests("unmatched", "GET", 404, VERSION),
        1,
        "{counters:#?}"
    );
    // Answered before routing (replay, conflict above; refused here): still the route's template.
    assert_eq!(requests("/checkout_sessions", "POST", 401, VERSION), 1);
    assert_eq!(requests(item, "GET", 400, "unsupported"), 1);
    assert_eq!(requests("unmatched", "GET", 401, VERSION), 1);
    // Raw paths never become labels.
    assert!(
        counters.keys().all(|name| !name.contains("cs_")),
        "{counters:#?}"
    );

    let idempotency = |outcome: &str| {
        counters
            .get(&format!("acp_idempotency_total{{outcome=\"{outcome}\"}}"))
            .copied()
    };
    assert_eq!(idempotency("started"), Some(1));
    assert_eq!(idempotency("replayed"), Some(1));
    assert_eq!(idempotency("conflict"), Some(1));
    // Only POSTs with a key that reached the stage: the 401 did not.
    assert_eq!(
        counters
            .iter()
            .filter(|(name, _)| name.starts_with("acp_idempotency_total"))
            .map(|(_, n)| n)
            .sum::<u64>(),
        3
    );

    let duration = |route: &str, method: &str| {
        histograms
            .get(&format!(
                "acp_request_duration_seconds{{method=\"{method}\",route=\"{route}\"}}"
            ))
            .copied()
    };
    assert_eq!(duration("/checkout_sessions", "POST"), Some(4));
    assert_eq!(duration(item, "GET"), Some(3));
    assert_eq!(duration("unmatched", "GET"), Some(2));
    assert_eq!(
        histograms.get("acp_store_duration_seconds{operation=\"begin\"}"),
        Some(&3)
    );
    assert_eq!(
        histograms.get("acp_store_duration_seconds{operation=\"finish\"}"),
        Some(&1)
    );
    assert!(!counters
        .keys()
        .any(|name| name.starts_with("acp_store_errors_total")));
}

#[tokio::test]
async fn failed_store_calls_are_counted_by_operation() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let app = app(Some(Arc::new(FailingStore { fail_begin: false })));

    // The answer could not be recorded, so it is not sent: 503.
    let create = request("POST", "/checkout_sessions", Some("k1"), "{}");
    assert_eq!(status(&app, create).await, StatusCode::SERVICE_UNAVAILABLE);

    let (counters, histograms) = recorded(&snapshotter);
    let errors: BTreeMap<&str, u64> = counters
        .iter()
        .filter(|(name, _)| name.starts_with("acp_store_errors_total"))
        .map(|(name, n)| (name.as_str(), *n))
        .collect();
    assert_eq!(
        errors,
        BTreeMap::from([("acp_store_errors_total{operation=\"finish\"}", 1)])
    );
    for operation in ["begin", "finish"] {
        let name = format!("acp_store_duration_seconds{{operation=\"{operation}\"}}");
        assert_eq!(histograms.get(&name), Some(&1), "{operation}");
    }
}

#[tokio::test]
async fn the_prometheus_exporter_renders_the_labels_and_descriptions() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let app = app(None);
    let create = request("POST", "/checkout_sessions", Some("k1"), "{}");
    assert_eq!(status(&app, create).await, StatusCode::CREATED);

    handle.run_upkeep();
    let text = handle.render();
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        "# TYPE acp_requests_total counter",
        "# HELP acp_idempotency_total POST requests with an Idempotency-Key, by what the idempotency stage did.",
        "acp_idempotency_total{outcome=\"started\"} 1",
        "acp_store_duration_seconds_count{operation=\"finish\"} 1",
    ] {
        assert!(lines.contains(&expected), "{expected}\n{text}");
    }
    let created = lines
        .iter()
        .find(|line| line.starts_with("acp_requests_total{"))
        .unwrap_or_else(|| panic!("{text}"));
    for label in [
        "route=\"/checkout_sessions\"",
        "method=\"POST\"",
        "status=\"201\"",
        "api_version=\"2026-04-17\"",
    ] {
        assert!(created.contains(label), "{label}: {created}");
    }
    assert!(created.ends_with("} 1"), "{created}");
}
