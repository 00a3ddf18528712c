//! Limits on what the idempotency layer keeps: the bounded `MemoryStore`.

use std::thread::sleep;
use std::time::Duration;

use acp_runtime::server::{Begin, IdempotencyStore, MemoryStore, StoredResponse};

const DAY: Duration = Duration::from_secs(86_400);
const PRINT: [u8; 32] = [7; 32];

fn stored(body: &str) -> StoredResponse {
    StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
    }
}

/// Claims `key` and records a response for it.
fn complete(store: &MemoryStore, key: &str, ttl: Duration) {
    assert_eq!(store.begin("s", key, PRINT, ttl).unwrap(), Begin::Started);
    store.finish("s", key, &stored(key)).unwrap();
}

#[test]
fn expired_keys_leave_as_new_keys_come_without_a_sweep() {
    let store = MemoryStore::new();
    for i in 0..50 {
        complete(&store, &format!("short-{i}"), Duration::from_millis(1));
    }
    assert_eq!(store.len(), 50);
    sleep(Duration::from_millis(20));
    // One new key is enough: the expired ones are dropped from the front of the expiry order.
    complete(&store, "long", DAY);
    assert_eq!(store.len(), 1);
    // An expired key is free again.
    assert_eq!(
        store.begin("s", "short-0", PRINT, DAY).unwrap(),
        Begin::Started
    );
}

#[test]
fn capacity_holds_under_ten_times_as_many_distinct_keys() {
    let store = MemoryStore::with_capacity(10);
    for i in 0..100 {
        complete(&store, &format!("k{i}"), DAY);
        assert!(store.len() <= 10, "{} keys after {i}", store.len());
    }
    assert_eq!(store.len(), 10);
    // The newest keys are still replayed; the oldest were evicted and are free again.
    assert_eq!(
        store.begin("s", "k99", PRINT, DAY).unwrap(),
        Begin::Replay(stored("k99"))
    );
    assert_eq!(store.begin("s", "k0", PRINT, DAY).unwrap(), Begin::Started);
}

#[test]
fn in_flight_keys_are_never_evicted() {
    let store = MemoryStore::with_capacity(3);
    for key in ["a", "b", "c"] {
        assert_eq!(store.begin("s", key, PRINT, DAY).unwrap(), Begin::Started);
    }
    // Full of running requests: no room, and nothing is evicted.
    assert!(store.begin("s", "d", PRINT, DAY).is_err());
    for key in ["a", "b", "c"] {
        assert_eq!(store.begin("s", key, PRINT, DAY).unwrap(), Begin::InFlight);
    }
    // Once one completes, a new key evicts it and only it, even though `a` is older.
    store.finish("s", "b", &stored("b")).unwrap();
    assert_eq!(store.begin("s", "d", PRINT, DAY).unwrap(), Begin::Started);
    assert_eq!(store.len(), 3);
    for key in ["a", "c", "d"] {
        assert_eq!(store.begin("s", key, PRINT, DAY).unwrap(), Begin::InFlight);
    }
    // `b` was evicted: once there is room again, it is free (not replayed).
    store.finish("s", "d", &stored("d")).unwrap();
    assert_eq!(store.begin("s", "b", PRINT, DAY).unwrap(), Begin::Started);
}

#[test]
fn released_keys_free_their_place() {
    let store = MemoryStore::with_capacity(2);
    assert_eq!(store.begin("s", "a", PRINT, DAY).unwrap(), Begin::Started);
    assert_eq!(store.begin("s", "b", PRINT, DAY).unwrap(), Begin::Started);
    store.release("s", "a").unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(store.begin("s", "c", PRINT, DAY).unwrap(), Begin::Started);
}
