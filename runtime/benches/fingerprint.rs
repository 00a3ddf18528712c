//! Benchmark (not a test: nothing here asserts on timings) of the idempotency fingerprint on a
//! 529-byte create-checkout request body: `acp_runtime::server::fingerprint` (one pass from the
//! parser to the JCS bytes), its first definition (`serde_json::Value`, then `serde_jcs::to_vec`,
//! then SHA-256), serde_json's parse alone (values ignored) and plain SHA-256 of the bytes (the
//! floor).
//!
//! Run with `cargo bench -p acp-runtime --features server --bench fingerprint`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use acp_runtime::server::fingerprint;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Time spent warming up before a measurement.
const WARM_UP: Duration = Duration::from_millis(300);
/// Target duration of one timed batch.
const BATCH: Duration = Duration::from_millis(60);
/// Timed batches per measurement (median reported).
const BATCHES: usize = 15;

fn main() {
    // Members in the order a client sends them, not sorted: the canonical form reorders them.
    let request = json!({
        "items": [{"id": "item_123", "quantity": 2}, {"id": "item_456", "quantity": 1}],
        "buyer": {
            "first_name": "John",
            "last_name": "Doe",
            "email": "johndoe@example.com",
            "phone_number": "15551234567"
        },
        "fulfillment_address": {
            "name": "John Doe",
            "line_one": "1234 Chat Road",
            "line_two": "",
            "city": "San Francisco",
            "state": "CA",
            "country": "US",
            "postal_code": "94131"
        },
        "capabilities": {
            "interventions": {
                "supported": ["3ds", "address_verification"],
                "display_context": "webview",
                "redirect_context": "in_app"
            }
        },
        "currency": "usd",
        "order_notes": "Leave at the front door."
    });
    let body = serde_json::to_vec(&request).unwrap();
    let sorted = serde_jcs::to_vec(&request).unwrap();
    assert_eq!(fingerprint(&body), first_definition(&body));
    assert_eq!(fingerprint(&body), fingerprint(&sorted));

    println!(
        "== idempotency fingerprint of a {}-byte create-checkout request, median ns per call of {BATCHES} batches ==",
        body.len()
    );
    report("fingerprint (one pass)", || fingerprint(black_box(&body)));
    report("fingerprint, members already sorted", || {
        fingerprint(black_box(&sorted))
    });
    report("first definition (Value + serde_jcs)", || {
        first_definition(black_box(&body))
    });
    report("serde_json parse only (IgnoredAny)", || {
        let _: serde::de::IgnoredAny = serde_json::from_slice(black_box(&body)).unwrap();
        [0; 32]
    });
    report("SHA-256 of the bytes (floor)", || {
        Sha256::digest(black_box(&body)).into()
    });
}

/// The fingerprint as first written.
fn first_definition(body: &[u8]) -> [u8; 32] {
    let canonical = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| serde_jcs::to_vec(&value).ok());
    let mut hasher = Sha256::new();
    match canonical {
        Some(bytes) => hasher.update(&bytes),
        None => hasher.update(body),
    }
    hasher.finalize().into()
}

fn report(name: &str, f: impl FnMut() -> [u8; 32]) {
    println!("{name:<40} {:>8.0} ns", ns_per_call(f));
}

/// Median over batches of the time per call of `f`.
fn ns_per_call(mut f: impl FnMut() -> [u8; 32]) -> f64 {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < WARM_UP {
        black_box(f());
        calls += 1;
    }
    let per_batch = (calls * BATCH.as_nanos() as u64 / WARM_UP.as_nanos() as u64).max(1);
    let mut times: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                black_box(f());
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[BATCHES / 2]
}
