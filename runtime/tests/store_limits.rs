//! Limits on what the idempotency layer keeps: the bounded `MemoryStore` and the largest
//! response kept for replays.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::sleep;
use std::time::Duration;

use acp_runtime::server::{
    AcpServer, Begin, Claim, HeldKey, IdempotencyStore, MemoryStore, StoredResponse,
};
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const DAY: Duration = Duration::from_secs(86_400);
const PRINT: [u8; 32] = [7; 32];

fn stored(body: &str) -> StoredResponse {
    StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec().into(),
    }
}

async fn begin(store: &MemoryStore, key: &str, ttl: Duration) -> Begin {
    let claim = Claim {
        scope: "s",
        key,
        fingerprint: PRINT,
        ttl,
    };
    store.begin(claim).await.unwrap()
}

fn started(begin: Begin) -> HeldKey {
    match begin {
        Begin::Started(held) => held,
        other => panic!("expected Started, got {other:?}"),
    }
}

async fn claim(store: &MemoryStore, key: &str) -> HeldKey {
    started(begin(store, key, DAY).await)
}

async fn assert_in_flight(store: &MemoryStore, key: &str) {
    let outcome = begin(store, key, DAY).await;
    assert!(matches!(outcome, Begin::InFlight), "{key}: {outcome:?}");
}

/// Claims `key` and records a response for it.
async fn complete(store: &MemoryStore, key: &str, ttl: Duration) {
    let held = started(begin(store, key, ttl).await);
    held.finish(stored(key)).await.unwrap();
}

#[tokio::test]
async fn expired_keys_leave_as_new_keys_come_without_a_sweep() {
    let store = MemoryStore::new();
    for i in 0..50 {
        complete(&store, &format!("short-{i}"), Duration::from_millis(1)).await;
    }
    assert_eq!(store.len(), 50);
    sleep(Duration::from_millis(20));
    // One new key is enough: the expired ones are dropped from the front of the expiry order.
    complete(&store, "long", DAY).await;
    assert_eq!(store.len(), 1);
    // An expired key is free again.
    claim(&store, "short-0").await;
}

#[tokio::test]
async fn capacity_holds_under_ten_times_as_many_distinct_keys() {
    let store = MemoryStore::with_capacity(10);
    for i in 0..100 {
        complete(&store, &format!("k{i}"), DAY).await;
        assert!(store.len() <= 10, "{} keys after {i}", store.len());
    }
    assert_eq!(store.len(), 10);
    // The newest keys are still replayed; the oldest were evicted and are free again.
    match begin(&store, "k99", DAY).await {
        Begin::Replay(response) => assert_eq!(response, stored("k99")),
        other => panic!("expected a replay, got {other:?}"),
    }
    claim(&store, "k0").await;
}

#[tokio::test]
async fn in_flight_keys_are_never_evicted() {
    let store = MemoryStore::with_capacity(3);
    let a = claim(&store, "a").await;
    let b = claim(&store, "b").await;
    let c = claim(&store, "c").await;
    // Full of running requests: no room, and nothing is evicted.
    let full = Claim {
        scope: "s",
        key: "d",
        fingerprint: PRINT,
        ttl: DAY,
    };
    assert!(store.begin(full).await.is_err());
    for key in ["a", "b", "c"] {
        assert_in_flight(&store, key).await;
    }
    // Once one completes, a new key evicts it and only it, even though `a` is older.
    b.finish(stored("b")).await.unwrap();
    let d = claim(&store, "d").await;
    assert_eq!(store.len(), 3);
    for key in ["a", "c", "d"] {
        assert_in_flight(&store, key).await;
    }
    // `b` was evicted: once there is room again, it is free (not replayed).
    d.finish(stored("d")).await.unwrap();
    claim(&store, "b").await;
    drop((a, c));
}

#[tokio::test]
async fn released_and_dropped_keys_free_their_place() {
    let store = MemoryStore::with_capacity(2);
    let a = claim(&store, "a").await;
    let b = claim(&store, "b").await;
    a.release().await.unwrap();
    assert_eq!(store.len(), 1);
    let c = claim(&store, "c").await;
    // A holder dropped unfinished (a cancelled request) releases its key too.
    drop(b);
    assert_eq!(store.len(), 1);
    claim(&store, "b").await;
    drop(c);
}

const VERSION: &str = "2026-04-17";

/// Answers `POST /big` with `size` bytes of JSON, counting its runs.
fn big_response_server(size: usize, max_stored: usize) -> (Router, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let routes = Router::new()
        .route(
            "/big",
            post(move |State(runs): State<Arc<AtomicUsize>>| async move {
                runs.fetch_add(1, Ordering::SeqCst);
                let body = format!("\"{}\"", "x".repeat(size - 2));
                (
                    StatusCode::CREATED,
                    [("content-type", "application/json")],
                    body,
                )
            }),
        )
        .with_state(runs.clone());
    let app = AcpServer::builder()
        .version(VERSION, routes)
        .allow_anonymous()
        .max_stored_response(max_stored)
        .build();
    (app, runs)
}

async fn post_big(app: &Router, key: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let request = Request::post("/big")
        .header("api-version", VERSION)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_string());
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, replayed, body.to_vec())
}

#[tokio::test]
async fn a_response_too_large_to_keep_is_sent_once_and_its_retry_gets_a_clear_4xx() {
    let (app, runs) = big_response_server(4096, 1024);
    let (status, replayed, body) = post_big(&app, "key-1").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replayed, None);
    assert_eq!(body.len(), 4096, "the first response is sent in full");

    let (status, _, body) = post_big(&app, "key-1").await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the retry must not run the handler"
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["type"], "invalid_request", "{error}");
    assert_eq!(error["code"], "idempotency_response_not_stored", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("4096") && message.contains("1024"),
        "{message}"
    );
}

#[tokio::test]
async fn a_response_within_the_limit_is_replayed() {
    let (app, runs) = big_response_server(1024, 1024);
    let first = post_big(&app, "key-2").await;
    let (status, replayed, body) = post_big(&app, "key-2").await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(status, first.0);
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(body, first.2);
}
