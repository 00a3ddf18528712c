//! End-to-end tests of the GENERATED server stubs (`acp::<version>::<spec>::{Api, router}`) over
//! real HTTP on loopback: a small in-memory merchant implements the generated traits, its
//! routers are served behind `acp_runtime::server::AcpServer` with `axum::serve`, and a reqwest
//! client talks to it. Request and response values come from the spec's own examples, read from
//! the spec root at run time.
//!
//! Run: `cargo test -p acp-e2e --test server_e2e` (`-- --nocapture` prints the bad-input table).

mod bad_input;
mod client;
mod harness;
mod merchant;

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use acp::{v2025_09_29, v2026_01_30, v2026_04_17};
use acp_e2e::json_eq;
use acp_runtime::server::SqliteStore;
use acp_runtime::signing::merchant_signature;
use reqwest::Method;
use serde_json::{json, Map, Value};

use harness::{client, now_rfc3339, receiver_app, unix_now, Harness, Req, Server, Setup, Sig};
use harness::{unauthorized_type, TOKEN_2, WEBHOOK_SECRET};
use merchant::{Examples, Merchant, V0116, V0130, V0417, V0929, V1212};

/// The spec examples, loaded once per test binary.
pub fn examples() -> Arc<Examples> {
    static EXAMPLES: OnceLock<Arc<Examples>> = OnceLock::new();
    EXAMPLES.get_or_init(|| Arc::new(Examples::load())).clone()
}

pub fn checkout_example(version: &str, key: &str) -> Value {
    examples().get(version, "agentic_checkout", key)
}

async fn start(setup: Setup) -> Harness {
    Harness::start(Merchant::new(examples()), setup).await
}

/// Parses `value` as the generated type `T` (serde and the generated validation), panicking
/// with the error otherwise: the response is a valid instance of the version's model.
#[track_caller]
fn model<T: serde::de::DeserializeOwned + acp_runtime::Validate>(what: &str, value: &Value) -> T {
    acp_runtime::from_value::<T>(value.clone())
        .unwrap_or_else(|e| panic!("{what}: the response is not a valid model: {e}\n{value}"))
}

/// The same JSON with every object's members in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), reversed(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_server_serves_each_version_with_its_own_models_and_rules() {
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let body_0417 = checkout_example(V0417, "create_checkout_session_request");
    let body_0130 = checkout_example(V0130, "create_checkout_session_request");
    let body_0929 = checkout_example(V0929, "create_checkout_session_request");

    // The same path, one request per version: each version's handler runs with its own types.
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .key("v-0417")
                .json(&body_0417),
        )
        .await;
    r.expect_status(201);
    let s: v2026_04_17::checkout::CheckoutSession = model("2026-04-17 create", r.body());
    assert_eq!(
        s.protocol
            .as_ref()
            .map(|p| serde_json::to_value(p).unwrap()["version"].clone()),
        Some(json!(V0417))
    );
    assert_eq!(m.calls(V0417, "create_checkout_session"), 1);
    assert_eq!(
        m.last_context(V0417, "create_checkout_session")
            .unwrap()
            .api_version,
        V0417
    );
    let received = m.last_body(V0417, "create_checkout_session").unwrap();
    assert!(json_eq(&received, &body_0417), "handler got {received}");

    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .version(V0130)
                .json(&body_0130),
        )
        .await;
    r.expect_status(201);
    let _: v2026_01_30::checkout::CheckoutSession = model("2026-01-30 create", r.body());
    assert_eq!(m.calls(V0130, "create_checkout_session"), 1);

    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .version(V0929)
                .json(&body_0929),
        )
        .await;
    r.expect_status(201);
    let s: v2025_09_29::checkout::CheckoutSession = model("2025-09-29 create", r.body());
    assert!(s.payment_provider.is_some(), "2025-09-29 model");
    assert!(r.body().get("payment_provider").is_some());
    assert!(r.body().get("capabilities").is_none());
    assert_eq!(m.calls(V0929, "create_checkout_session"), 1);
    assert_eq!(m.calls(V0417, "create_checkout_session"), 1);
    assert_eq!(m.calls(V0130, "create_checkout_session"), 1);

    // Each version's models: another version's body is refused by the version's types.
    h.send(&Req::post("/checkout_sessions").key("x-1").json(&body_0929))
        .await
        .expect_error(400, "invalid_request", "invalid", Some("$.items"));
    h.send(
        &Req::post("/checkout_sessions")
            .version(V0929)
            .json(&body_0417),
    )
    .await
    .expect_error(400, "invalid_request", "invalid", Some("$.currency"));
    // 2026-04-17 added `order_notes`; 2026-01-30 does not know it.
    let mut with_notes = body_0130.clone();
    with_notes["order_notes"] = json!("ring twice");
    h.send(
        &Req::post("/checkout_sessions")
            .version(V0130)
            .json(&with_notes),
    )
    .await
    .expect_error(400, "invalid_request", "invalid", Some("$.order_notes"));
    h.send(&Req::post("/checkout_sessions").key("x-2").json(&with_notes))
        .await
        .expect_status(201);

    // Each version's rules: the key is required from 2026-04-17 on only.
    h.send(&Req::post("/checkout_sessions").json(&body_0417))
        .await
        .expect_error(400, "invalid_request", "idempotency_key_required", None);
    h.send(
        &Req::post("/checkout_sessions")
            .version(V0130)
            .json(&body_0130),
    )
    .await
    .expect_status(201);
    h.send(
        &Req::post("/checkout_sessions")
            .version(V0929)
            .json(&body_0929),
    )
    .await
    .expect_status(201);
    // Routes of 2026-04-17 only exist there.
    h.send(
        &Req::post("/carts")
            .version(V0130)
            .key("c-1")
            .json(&json!({"line_items": [{"id": "a"}]})),
    )
    .await
    .expect_error(404, "invalid_request", "not_found", None);
    assert_eq!(m.calls(V0417, "create_cart"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_unsupported_api_version_is_refused_with_the_supported_versions() {
    let h = start(Setup::default()).await;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let supported = BTreeSet::from([V0417, V0130, V0116, V1212, V0929]);
    let check = |r: &harness::Reply, code: &str| {
        r.expect_error(400, "invalid_request", code, None);
        let listed: BTreeSet<&str> = r.body()["supported_versions"]
            .as_array()
            .unwrap_or_else(|| panic!("no supported_versions: {}", r.text()))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(listed, supported);
    };
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .no_version()
                .key("k1")
                .json(&body),
        )
        .await;
    check(&r, "missing_api_version");
    let r = h
        .send(&Req::get("/checkout_sessions/cs_1").version(""))
        .await;
    check(&r, "missing_api_version");
    // Well-formed dates this server does not register: one between two registered versions
    // (2025-11-01), one after the newest (2026-05-01) and one far in the future.
    for version in [
        "2025-11-01",
        "2026-05-01",
        "2099-01-01",
        "latest",
        "2026-4-17",
    ] {
        let r = h
            .send(
                &Req::post("/checkout_sessions")
                    .version(version)
                    .key("k2")
                    .json(&body),
            )
            .await;
        check(&r, "unsupported_api_version");
    }
    assert_eq!(h.merchant.total_calls(), 0);
}

/// The spec: `supported_versions` is "ordered by preference (newest first)".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supported_versions_are_listed_newest_first() {
    let h = start(Setup::default()).await;
    let r = h
        .send(&Req::get("/checkout_sessions/cs_1").no_version())
        .await;
    r.expect_error(400, "invalid_request", "missing_api_version", None);
    assert_eq!(
        r.body()["supported_versions"],
        json!([V0417, V0130, V0116, V1212, V0929]),
        "the spec orders supported_versions newest first"
    );
}

// ---------------------------------------------------------------------------------------------
// Every operation of 2026-04-17
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_operation_of_2026_04_17_is_served_by_the_generated_routers() {
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let ex = examples();
    let mut n = 0;
    let mut key = || {
        n += 1;
        format!("op-key-{n}")
    };

    // --- checkout ---
    let create = checkout_example(V0417, "create_checkout_session_request");
    let r = h
        .send(&Req::post("/checkout_sessions").key(&key()).json(&create))
        .await;
    r.expect_status(201);
    let s: v2026_04_17::checkout::CheckoutSession = model("create", r.body());
    assert_eq!(s.currency, create["currency"].as_str().unwrap());
    let id = s.id.clone();

    let r = h.send(&Req::get(&format!("/checkout_sessions/{id}"))).await;
    r.expect_status(200);
    let s: v2026_04_17::checkout::CheckoutSession = model("get", r.body());
    assert_eq!(s.id, id);

    let update = checkout_example(V0417, "update_checkout_session_request");
    let r = h
        .send(
            &Req::post(&format!("/checkout_sessions/{id}"))
                .key(&key())
                .json(&update),
        )
        .await;
    r.expect_status(200);
    let _: v2026_04_17::checkout::CheckoutSession = model("update", r.body());
    let got = m.last_body(V0417, "update_checkout_session").unwrap();
    assert!(json_eq(&got, &update), "update handler got {got}");

    let complete = checkout_example(V0417, "complete_checkout_session_request");
    let r = h
        .send(
            &Req::post(&format!("/checkout_sessions/{id}/complete"))
                .key(&key())
                .json(&complete),
        )
        .await;
    r.expect_status(200);
    let s: v2026_04_17::checkout::CheckoutSessionWithOrder = model("complete", r.body());
    assert_eq!(s.order.checkout_session_id, id);

    // Business errors: a completed session can no longer be canceled (405); unknown ids 404.
    let cancel = checkout_example(V0417, "cancel_checkout_session_request");
    h.send(
        &Req::post(&format!("/checkout_sessions/{id}/cancel"))
            .key(&key())
            .json(&cancel),
    )
    .await
    .expect_error(405, "invalid_request", "session_not_cancelable", None);
    h.send(&Req::get("/checkout_sessions/cs_does_not_exist"))
        .await
        .expect_error(
            404,
            "invalid_request",
            "not_found",
            Some("$.checkout_session_id"),
        );

    let r = h
        .send(&Req::post("/checkout_sessions").key(&key()).json(&create))
        .await;
    r.expect_status(201);
    let other = r.body()["id"].as_str().unwrap().to_string();
    let r = h
        .send(
            &Req::post(&format!("/checkout_sessions/{other}/cancel"))
                .key(&key())
                .json(&cancel),
        )
        .await;
    r.expect_status(200);
    let s: v2026_04_17::checkout::CheckoutSession = model("cancel", r.body());
    assert_eq!(serde_json::to_value(s.status).unwrap(), json!("canceled"));

    // --- delegate_payment ---
    let dp = ex.get(V0417, "delegate_payment", "delegate_payment_request");
    let r = h
        .send(
            &Req::post("/agentic_commerce/delegate_payment")
                .key(&key())
                .json(&dp),
        )
        .await;
    r.expect_status(201);
    let t: v2026_04_17::delegate_payment::DelegatePaymentResponse = model("delegate", r.body());
    assert!(t.id.starts_with("vt_"), "{}", t.id);
    let got = m.last_body(V0417, "delegate_payment").unwrap();
    assert!(json_eq(&got, &dp), "delegate_payment handler got {got}");

    // --- cart (POST create 201, GET 200, PUT update 200, POST cancel 200) ---
    let cart_create = json!({"line_items": [{"id": "item_123"}, {"id": "item_456"}], "buyer": {"email": "buyer@example.com"}});
    let r = h
        .send(&Req::post("/carts").key(&key()).json(&cart_create))
        .await;
    r.expect_status(201);
    let c: v2026_04_17::cart::Cart = model("create cart", r.body());
    let cart = c.id.clone();
    let r = h.send(&Req::get(&format!("/carts/{cart}"))).await;
    r.expect_status(200);
    let _: v2026_04_17::cart::Cart = model("get cart", r.body());
    let r = h
        .send(
            &Req::new(Method::PUT, &format!("/carts/{cart}"))
                .json(&json!({"line_items": [{"id": "item_789"}]})),
        )
        .await;
    r.expect_status(200);
    let _: v2026_04_17::cart::Cart = model("update cart", r.body());
    let r = h
        .send(
            &Req::post(&format!("/carts/{cart}/cancel"))
                .key(&key())
                .json(&json!({})),
        )
        .await;
    r.expect_status(200);
    h.send(&Req::get(&format!("/carts/{cart}")))
        .await
        .expect_error(404, "invalid_request", "not_found", None);

    // --- delegate_authentication (create 201, authenticate 200, get 200) ---
    let da = ex.get(
        V0417,
        "delegate_authentication",
        "create_authentication_session_request_minimal",
    );
    let r = h
        .send(&Req::post("/delegate_authentication").key(&key()).json(&da))
        .await;
    r.expect_status(201);
    let a: v2026_04_17::delegate_authentication::DelegateAuthenticationSession =
        model("create auth", r.body());
    let auth = a.authentication_session_id.clone();
    let r = h
        .send(&Req::get(&format!("/delegate_authentication/{auth}")))
        .await;
    r.expect_status(200);
    let _: v2026_04_17::delegate_authentication::DelegateAuthenticationSessionWithResult =
        model("get auth", r.body());
    let authenticate = ex.get(
        V0417,
        "delegate_authentication",
        "authenticate_request_fingerprint_success",
    );
    let r = h
        .send(
            &Req::post(&format!("/delegate_authentication/{auth}/authenticate"))
                .key(&key())
                .json(&authenticate),
        )
        .await;
    r.expect_status(200);
    let _: v2026_04_17::delegate_authentication::DelegateAuthenticationSession =
        model("authenticate", r.body());
    let r = h
        .send(&Req::get(&format!("/delegate_authentication/{auth}")))
        .await;
    r.expect_status(200);
    let w: v2026_04_17::delegate_authentication::DelegateAuthenticationSessionWithResult =
        model("get auth after", r.body());
    assert!(w.authentication_result.is_some());

    // --- feed (POST 201, GET 200, GET products 200, PATCH products 200) ---
    let feed_create = ex.get(V0417, "feed", "create_feed_request_minimal");
    let r = h
        .send(&Req::post("/feeds").key(&key()).json(&feed_create))
        .await;
    r.expect_status(201);
    let f: v2026_04_17::feed::FeedMetadata = model("create feed", r.body());
    let feed = f.id.clone();
    let r = h.send(&Req::get(&format!("/feeds/{feed}"))).await;
    r.expect_status(200);
    let _: v2026_04_17::feed::FeedMetadata = model("get feed", r.body());
    let r = h.send(&Req::get(&format!("/feeds/{feed}/products"))).await;
    r.expect_status(200);
    let _: v2026_04_17::feed::ProductsResponse = model("get products", r.body());
    let upsert = ex.get(V0417, "feed", "upsert_products_request_single_product");
    let r = h
        .send(&Req::new(Method::PATCH, &format!("/feeds/{feed}/products")).json(&upsert))
        .await;
    r.expect_status(200);
    let u: v2026_04_17::feed::UpsertProductsResponse = model("upsert", r.body());
    assert!(u.accepted);
    assert_eq!(u.id, feed);
    h.send(&Req::get("/feeds/feed_missing")).await.expect_error(
        404,
        "invalid_request",
        "feed_not_found",
        Some("$.id"),
    );

    // Every handler ran exactly as often as it was called successfully or with a business error.
    for (op, n) in [
        ("create_checkout_session", 2),
        ("get_checkout_session", 2),
        ("update_checkout_session", 1),
        ("complete_checkout_session", 1),
        ("cancel_checkout_session", 2),
        ("delegate_payment", 1),
        ("create_cart", 1),
        ("get_cart", 2),
        ("update_cart", 1),
        ("cancel_cart", 1),
        ("create_authentication_session", 1),
        ("authenticate_session", 1),
        ("get_authentication_session", 2),
        ("create_feed", 1),
        ("get_feed", 2),
        ("get_feed_products", 1),
        ("upsert_feed_products", 1),
    ] {
        assert_eq!(m.calls(V0417, op), n, "{op}");
    }
}

/// The spec makes the cancel bodies optional (`requestBody.required: false`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_without_a_body_is_accepted() {
    let h = start(Setup::default()).await;
    let create = checkout_example(V0417, "create_checkout_session_request");
    let r = h
        .send(&Req::post("/checkout_sessions").key("c1").json(&create))
        .await;
    r.expect_status(201);
    let id = r.body()["id"].as_str().unwrap().to_string();
    let r = h
        .send(&Req::post(&format!("/checkout_sessions/{id}/cancel")).key("c2"))
        .await;
    assert_eq!(
        r.status,
        200,
        "POST /checkout_sessions/{{id}}/cancel without a body (spec: requestBody.required false): {}",
        r.text()
    );
    let r = h
        .send(
            &Req::post("/carts")
                .key("c3")
                .json(&json!({"line_items": [{"id": "item_1"}]})),
        )
        .await;
    r.expect_status(201);
    let cart = r.body()["id"].as_str().unwrap().to_string();
    let r = h
        .send(&Req::post(&format!("/carts/{cart}/cancel")).key("c4"))
        .await;
    assert_eq!(
        r.status,
        200,
        "POST /carts/{{id}}/cancel without a body (spec: requestBody.required false): {}",
        r.text()
    );
}

// ---------------------------------------------------------------------------------------------
// Auth, Request-Id, Content-Type, bodies
// ---------------------------------------------------------------------------------------------

/// `401` with the spec's error body; the `type` per [`unauthorized_type`] (checked for every
/// case before failing, so one report lists them all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_requests_get_401_with_the_spec_error_body() {
    let h = start(Setup::default()).await;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let old = checkout_example(V0130, "create_checkout_session_request");
    let dp = examples().get(V0417, "delegate_payment", "delegate_payment_request");
    let checkout = "/checkout_sessions";
    let delegate = "/agentic_commerce/delegate_payment";
    let cases = [
        (
            V0417,
            checkout,
            Req::post(checkout).key("a1").json(&body).no_auth(),
            "unauthorized",
        ),
        (
            V0417,
            checkout,
            Req::post(checkout).key("a2").json(&body).token("sk_wrong"),
            "invalid_api_key",
        ),
        (
            V0417,
            checkout,
            Req::post(checkout)
                .key("a3")
                .json(&body)
                .authorization("Basic dXNlcjpwYXNz"),
            "unauthorized",
        ),
        (
            V0417,
            checkout,
            Req::post(checkout)
                .key("a4")
                .json(&body)
                .authorization("Bearer "),
            "unauthorized",
        ),
        (
            V0417,
            checkout,
            Req::get("/checkout_sessions/cs_1").no_auth(),
            "unauthorized",
        ),
        (
            V0417,
            "/carts",
            Req::get("/carts/cart_1").no_auth(),
            "unauthorized",
        ),
        (
            V0417,
            delegate,
            Req::post(delegate).key("a5").json(&dp).no_auth(),
            "unauthorized",
        ),
        (
            V0417,
            delegate,
            Req::post(delegate).key("a6").json(&dp).token("sk_wrong"),
            "invalid_api_key",
        ),
        (
            V0130,
            checkout,
            Req::post(checkout).version(V0130).json(&old).no_auth(),
            "unauthorized",
        ),
        (
            V0130,
            checkout,
            Req::post(checkout)
                .version(V0130)
                .json(&old)
                .token("sk_wrong"),
            "invalid_api_key",
        ),
    ];
    let mut problems = Vec::new();
    for (version, path, req, code) in &cases {
        let r = h.send(req).await;
        let error_type = unauthorized_type(version, path);
        if let Err(e) = r.check_error(401, error_type, code, None) {
            problems.push(format!(
                "{} {} ({version}): {e}: {}",
                req.method,
                req.path,
                r.text()
            ));
        }
        if r.header("www-authenticate") != Some("Bearer") {
            problems.push(format!(
                "{} {}: no WWW-Authenticate: Bearer",
                req.method, req.path
            ));
        }
    }
    assert_eq!(h.merchant.total_calls(), 0);
    assert!(
        problems.is_empty(),
        "401 problems:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_id_is_echoed_and_content_type_is_checked() {
    let h = start(Setup::default()).await;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let post = || Req::post("/checkout_sessions").json(&body);

    // Request-Id: echoed on success and on every kind of error.
    let r = h
        .send(&post().key("a5").header("Request-Id", "req_success_1"))
        .await;
    r.expect_status(201);
    assert_eq!(r.header("request-id"), Some("req_success_1"));
    let ctx = h
        .merchant
        .last_context(V0417, "create_checkout_session")
        .unwrap();
    assert_eq!(ctx.request_id.as_deref(), Some("req_success_1"));
    assert_eq!(ctx.identity, "agent-one");
    assert_eq!(ctx.idempotency_key.as_deref(), Some("a5"));
    for (req, status) in [
        (post().key("a6").no_auth(), 401),
        (post().key("a7").no_version(), 400),
        (post(), 400),
        (post().key("a8").raw("{"), 400),
        (Req::get("/checkout_sessions/nope"), 404),
        (Req::get("/nowhere"), 404),
        (Req::new(Method::DELETE, "/checkout_sessions/x"), 405),
    ] {
        let r = h.send(&req.header("Request-Id", "req_error_1")).await;
        assert_eq!(r.status, status, "{}", r.text());
        assert_eq!(
            r.header("request-id"),
            Some("req_error_1"),
            "Request-Id not echoed on {status}: {}",
            r.text()
        );
    }

    // Content-Type.
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        h.send(&post().key(&format!("ct-{ct}")).content_type(ct))
            .await
            .expect_error(
                400,
                "invalid_request",
                "unsupported_content_type",
                Some("$"),
            );
    }
    h.send(&post().key("ct-none").no_content_type())
        .await
        .expect_error(
            400,
            "invalid_request",
            "unsupported_content_type",
            Some("$"),
        );
    h.send(
        &post()
            .key("ct-charset")
            .content_type("application/json; charset=utf-8"),
    )
    .await
    .expect_status(201);
    assert_eq!(h.merchant.calls(V0417, "create_checkout_session"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_are_refused_with_the_jsonpath_of_the_problem() {
    let h = start(Setup::default()).await;
    let good = checkout_example(V0417, "create_checkout_session_request");
    let mut n = 0;
    let mut send = |value: Value, version: &'static str| {
        n += 1;
        let req = Req::post("/checkout_sessions")
            .version(version)
            .key(&format!("body-{n}"))
            .json(&value);
        let h = &h;
        async move { h.send(&req).await }
    };
    let with = |path: &[&str], value: Value| {
        let mut body = good.clone();
        let mut at = &mut body;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                if value.is_null() {
                    at.as_object_mut().unwrap().remove(*key);
                } else {
                    at[*key] = value.clone();
                }
                break;
            }
            at = match key.parse::<usize>() {
                Ok(index) => &mut at[index],
                Err(_) => &mut at[*key],
            };
        }
        body
    };

    // Wrong types at several depths.
    send(with(&["currency"], json!(5)), V0417)
        .await
        .expect_error(400, "invalid_request", "invalid", Some("$.currency"));
    send(with(&["line_items", "0", "id"], json!(123)), V0417)
        .await
        .expect_error(
            400,
            "invalid_request",
            "invalid",
            Some("$.line_items[0].id"),
        );
    send(
        with(&["fulfillment_details", "address", "city"], json!(["SF"])),
        V0417,
    )
    .await
    .expect_error(
        400,
        "invalid_request",
        "invalid",
        Some("$.fulfillment_details.address.city"),
    );
    // Missing required members.
    send(with(&["line_items"], Value::Null), V0417)
        .await
        .expect_error(400, "invalid_request", "missing", Some("$.line_items"));
    send(
        with(
            &["fulfillment_details", "address", "postal_code"],
            Value::Null,
        ),
        V0417,
    )
    .await
    .expect_error(
        400,
        "invalid_request",
        "missing",
        Some("$.fulfillment_details.address.postal_code"),
    );
    // Unknown members where additionalProperties is false: 2026-04-17 items have no quantity.
    send(with(&["line_items", "0", "quantity"], json!(2)), V0417)
        .await
        .expect_error(
            400,
            "invalid_request",
            "invalid",
            Some("$.line_items[0].quantity"),
        );
    // Constraints.
    send(with(&["line_items"], json!([])), V0417)
        .await
        .expect_error(400, "invalid_request", "invalid", Some("$.line_items"));
    send(with(&["order_notes"], json!("x".repeat(5001))), V0417)
        .await
        .expect_error(400, "invalid_request", "invalid", Some("$.order_notes"));
    send(
        with(&["fulfillment_details", "email"], json!("not-an-email")),
        V0417,
    )
    .await
    .expect_error(
        400,
        "invalid_request",
        "invalid",
        Some("$.fulfillment_details.email"),
    );
    // 2025-09-29: items[].quantity must be > 0.
    let old = checkout_example(V0929, "create_checkout_session_request");
    let mut zero = old.clone();
    zero["items"][0]["quantity"] = json!(0);
    send(zero, V0929).await.expect_error(
        400,
        "invalid_request",
        "invalid",
        Some("$.items[0].quantity"),
    );
    let mut missing = old.clone();
    missing["items"][0]
        .as_object_mut()
        .unwrap()
        .remove("quantity");
    send(missing, V0929).await.expect_error(
        400,
        "invalid_request",
        "missing",
        Some("$.items[0].quantity"),
    );
    // Not JSON at all.
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .key("body-raw")
                .raw("{\"currency\": \"usd\","),
        )
        .await;
    r.expect_error(400, "invalid_request", "invalid_json", Some("$"));
    assert_eq!(h.merchant.total_calls(), 0);
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_under_2026_04_17() {
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let calls = || m.calls(V0417, "create_checkout_session");

    h.send(&Req::post("/checkout_sessions").json(&body))
        .await
        .expect_error(400, "invalid_request", "idempotency_key_required", None);
    assert_eq!(calls(), 0);

    let first = h
        .send(&Req::post("/checkout_sessions").key("idem-1").json(&body))
        .await;
    first.expect_status(201);
    assert!(!first.replayed());
    assert_eq!(calls(), 1);

    // Same key, semantically equal body: members reordered and `1` spelled `1.0`.
    let mut text = serde_json::to_string(&reversed(&body)).unwrap();
    assert!(text.contains("\"max_redirects\":1"), "{text}");
    text = text.replace("\"max_redirects\":1", "\"max_redirects\":1.0");
    let again = h
        .send(&Req::post("/checkout_sessions").key("idem-1").raw(text))
        .await;
    again.expect_status(201);
    assert!(again.replayed(), "no Idempotent-Replayed: true");
    assert_eq!(again.header("content-type"), Some("application/json"));
    assert_eq!(
        again.bytes, first.bytes,
        "the replay differs from the original"
    );
    assert_eq!(calls(), 1, "the replay ran the handler again");

    // Same key, different body: 422, permanently.
    let mut other = body.clone();
    other["currency"] = json!("eur");
    for _ in 0..2 {
        h.send(&Req::post("/checkout_sessions").key("idem-1").json(&other))
            .await
            .expect_error(422, "invalid_request", "idempotency_conflict", None);
    }
    // `null` differs from an absent member.
    let mut with_null = body.clone();
    with_null["buyer"] = Value::Null;
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .key("idem-1")
                .json(&with_null),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(calls(), 1);

    // The key is scoped to the identity and the path.
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .key("idem-1")
                .token(TOKEN_2)
                .json(&body),
        )
        .await;
    r.expect_status(201);
    assert!(!r.replayed());
    assert_eq!(calls(), 2);
    let dp = examples().get(V0417, "delegate_payment", "delegate_payment_request");
    h.send(
        &Req::post("/agentic_commerce/delegate_payment")
            .key("idem-1")
            .json(&dp),
    )
    .await
    .expect_status(201);
    // delegate_payment follows the same table.
    let r = h
        .send(
            &Req::post("/agentic_commerce/delegate_payment")
                .key("idem-1")
                .json(&dp),
        )
        .await;
    r.expect_status(201);
    assert!(r.replayed());
    h.send(&Req::post("/agentic_commerce/delegate_payment").json(&dp))
        .await
        .expect_error(400, "invalid_request", "idempotency_key_required", None);
    assert_eq!(m.calls(V0417, "delegate_payment"), 1);

    // 5xx responses are not stored: the handler runs again on retry.
    m.fail_next_creates(1);
    h.send(&Req::post("/checkout_sessions").key("idem-5xx").json(&body))
        .await
        .expect_error(503, "service_unavailable", "inventory_unavailable", None);
    assert_eq!(calls(), 3);
    let r = h
        .send(&Req::post("/checkout_sessions").key("idem-5xx").json(&body))
        .await;
    r.expect_status(201);
    assert!(!r.replayed());
    assert_eq!(calls(), 4);
    let replay = h
        .send(&Req::post("/checkout_sessions").key("idem-5xx").json(&body))
        .await;
    assert!(replay.replayed());
    assert_eq!(replay.bytes, r.bytes);
    assert_eq!(calls(), 4);

    // A panicking handler: a spec-shaped 500, and the key is free again.
    m.panic_next_creates(1);
    h.send(
        &Req::post("/checkout_sessions")
            .key("idem-panic")
            .json(&body),
    )
    .await
    .expect_error(500, "processing_error", "internal_error", None);
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .key("idem-panic")
                .json(&body),
        )
        .await;
    r.expect_status(201);
    assert!(!r.replayed());
    assert_eq!(calls(), 6);

    // Business errors (4xx) are stored and replayed.
    let cancel = checkout_example(V0417, "cancel_checkout_session_request");
    let first = h
        .send(
            &Req::post("/checkout_sessions/cs_unknown/cancel")
                .key("idem-404")
                .json(&cancel),
        )
        .await;
    first.expect_error(
        404,
        "invalid_request",
        "not_found",
        Some("$.checkout_session_id"),
    );
    let again = h
        .send(
            &Req::post("/checkout_sessions/cs_unknown/cancel")
                .key("idem-404")
                .json(&cancel),
        )
        .await;
    assert_eq!(again.status, 404);
    assert!(again.replayed());
    assert_eq!(m.calls(V0417, "cancel_checkout_session"), 1);

    // Keys: at most 255 characters.
    h.send(
        &Req::post("/checkout_sessions")
            .key(&"k".repeat(255))
            .json(&body),
    )
    .await
    .expect_status(201);
    h.send(
        &Req::post("/checkout_sessions")
            .key(&"k".repeat(256))
            .json(&body),
    )
    .await
    .expect_error(400, "invalid_request", "invalid_idempotency_key", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_under_2026_01_30() {
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let body = checkout_example(V0130, "create_checkout_session_request");
    let calls = || m.calls(V0130, "create_checkout_session");
    let post = || Req::post("/checkout_sessions").version(V0130);

    // No key: allowed, and every request runs.
    h.send(&post().json(&body)).await.expect_status(201);
    h.send(&post().json(&body)).await.expect_status(201);
    assert_eq!(calls(), 2);

    let first = h.send(&post().key("old-1").json(&body)).await;
    first.expect_status(201);
    let again = h.send(&post().key("old-1").json(&reversed(&body))).await;
    again.expect_status(201);
    assert!(again.replayed());
    assert_eq!(again.bytes, first.bytes);
    assert_eq!(calls(), 3);

    let mut other = body.clone();
    other["currency"] = json!("eur");
    h.send(&post().key("old-1").json(&other))
        .await
        .expect_error(409, "invalid_request", "idempotency_conflict", None);
    assert_eq!(calls(), 3);

    m.fail_next_creates(1);
    h.send(&post().key("old-5xx").json(&body))
        .await
        .expect_error(503, "service_unavailable", "inventory_unavailable", None);
    let r = h.send(&post().key("old-5xx").json(&body)).await;
    r.expect_status(201);
    assert!(!r.replayed());
    assert_eq!(calls(), 5);

    // 2025-09-29 has the same (older) rules.
    let body = checkout_example(V0929, "create_checkout_session_request");
    let post = || Req::post("/checkout_sessions").version(V0929);
    h.send(&post().json(&body)).await.expect_status(201);
    h.send(&post().key("oldest-1").json(&body))
        .await
        .expect_status(201);
    let mut other = body.clone();
    other["items"][0]["quantity"] = json!(3);
    h.send(&post().key("oldest-1").json(&other))
        .await
        .expect_error(409, "invalid_request", "idempotency_conflict", None);
    assert_eq!(m.calls(V0929, "create_checkout_session"), 2);
}

/// 100 requests at once with one key.
async fn hundred_at_once(h: &Harness, version: &str, body: &Value) -> Vec<harness::Reply> {
    h.merchant.set_create_delay(Duration::from_millis(250));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let req = Req::post("/checkout_sessions")
            .version(version)
            .key("the-one-key")
            .json(body);
        let client = h.client.clone();
        let base = h.server.base.clone();
        tasks.spawn(async move { req.send_to(&client, &base, false).await });
    }
    let mut replies = Vec::new();
    while let Some(reply) = tasks.join_next().await {
        replies.push(reply.unwrap());
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_run_the_handler_once_2026_01_30() {
    let h = start(Setup::default()).await;
    let body = checkout_example(V0130, "create_checkout_session_request");
    let replies = hundred_at_once(&h, V0130, &body).await;
    assert_eq!(h.merchant.calls(V0130, "create_checkout_session"), 1);
    let first = &replies[0];
    for r in &replies {
        r.expect_status(201);
        assert_eq!(r.bytes, first.bytes, "all 100 must get the same body");
    }
    assert_eq!(replies.iter().filter(|r| !r.replayed()).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_run_the_handler_once_2026_04_17() {
    let h = start(Setup::default()).await;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let replies = hundred_at_once(&h, V0417, &body).await;
    assert_eq!(h.merchant.calls(V0417, "create_checkout_session"), 1);
    let originals: Vec<_> = replies
        .iter()
        .filter(|r| r.status == 201 && !r.replayed())
        .collect();
    assert_eq!(originals.len(), 1, "exactly one original 201");
    let original = originals[0];
    let mut in_flight = 0;
    for r in &replies {
        match r.status {
            201 => assert_eq!(r.bytes, original.bytes),
            409 => {
                r.expect_error(409, "invalid_request", "idempotency_in_flight", None);
                let retry: u64 = r
                    .header("retry-after")
                    .unwrap_or_else(|| panic!("409 without Retry-After"))
                    .parse()
                    .expect("Retry-After in seconds");
                assert!(retry >= 1);
                in_flight += 1;
            }
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    println!(
        "2026-04-17, 100 concurrent requests with one key: 1 original, {in_flight} in flight (409), {} replays",
        replies.len() - 1 - in_flight
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replay_survives_a_restart_on_the_same_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idempotency.sqlite");
    let body = checkout_example(V0417, "create_checkout_session_request");
    let req = Req::post("/checkout_sessions").key("durable-1").json(&body);

    let first = {
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let h = start(Setup {
            store: Some(store),
            ..Setup::default()
        })
        .await;
        let r = h.send(&req).await;
        r.expect_status(201);
        assert_eq!(h.merchant.calls(V0417, "create_checkout_session"), 1);
        let Harness { server, .. } = h;
        server.stop().await;
        r
    };

    let merchant = Merchant::new(examples());
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let h = Harness::start(
        merchant.clone(),
        Setup {
            store: Some(store),
            ..Setup::default()
        },
    )
    .await;
    let r = h.send(&req).await;
    r.expect_status(201);
    assert!(r.replayed());
    assert_eq!(r.bytes, first.bytes);
    let mut other = body.clone();
    other["currency"] = json!("eur");
    h.send(
        &Req::post("/checkout_sessions")
            .key("durable-1")
            .json(&other),
    )
    .await
    .expect_error(422, "invalid_request", "idempotency_conflict", None);
    assert_eq!(merchant.calls(V0417, "create_checkout_session"), 0);
    assert_eq!(merchant.total_calls(), 0);
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_signatures_when_configured() {
    let h = start(Setup {
        signatures: true,
        ..Setup::default()
    })
    .await;
    let m = &h.merchant;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let post = |key: &str| Req::post("/checkout_sessions").key(key).json(&body);

    let r = h.send(&post("s1")).await;
    r.expect_status(201);
    let id = r.body()["id"].as_str().unwrap().to_string();
    h.send(&Req::get(&format!("/checkout_sessions/{id}")))
        .await
        .expect_status(200);
    // The signature covers the canonical JSON: reordered members still verify.
    let (signature, timestamp) =
        harness::signed(&serde_json::to_vec(&body).unwrap(), now_rfc3339(0));
    h.send(
        &Req::post("/checkout_sessions")
            .key("s1b")
            .json(&reversed(&body))
            .sig(Sig::Raw(signature.clone(), timestamp.clone())),
    )
    .await
    .expect_status(201);
    assert_eq!(m.calls(V0417, "create_checkout_session"), 2);

    let mut replies = Vec::new();
    for (what, sig) in [
        ("tampered", Sig::Tampered),
        ("stale", Sig::Stale),
        ("unsigned", Sig::Unsigned),
        ("garbage", Sig::Raw("not base64!".into(), now_rfc3339(0))),
        (
            "bad timestamp",
            Sig::Raw(signature.clone(), "yesterday".into()),
        ),
        (
            "other timestamp",
            Sig::Raw(signature.clone(), now_rfc3339(-1)),
        ),
    ] {
        let r = h.send(&post(&format!("s-{what}")).sig(sig)).await;
        // Every refusal is a 401 invalid_signature; the type is checked below.
        assert_eq!(r.status, 401, "{what}: {}", r.text());
        assert_eq!(r.body()["code"], json!("invalid_signature"), "{what}");
        replies.push((what, V0417, r));
    }
    let r = h
        .send(&Req::get(&format!("/checkout_sessions/{id}")).sig(Sig::Unsigned))
        .await;
    replies.push(("unsigned GET", V0417, r));
    let r = h
        .send(
            &Req::post("/checkout_sessions")
                .version(V0130)
                .json(&checkout_example(V0130, "create_checkout_session_request"))
                .sig(Sig::Tampered),
        )
        .await;
    replies.push(("2026-01-30 tampered", V0130, r));
    assert_eq!(m.calls(V0417, "create_checkout_session"), 2);
    assert_eq!(m.calls(V0417, "get_checkout_session"), 1);
    assert_eq!(m.calls(V0130, "create_checkout_session"), 0);
    // The error type is the one this server uses for its other 401s on the same path and
    // version (which value that should be is checked by
    // `unauthenticated_requests_get_401_with_the_spec_error_body`).
    let mut problems = Vec::new();
    for (what, version, r) in &replies {
        let reference = h
            .send(
                &Req::get("/checkout_sessions/cs_1")
                    .version(version)
                    .no_auth(),
            )
            .await;
        let error_type = reference.body()["type"].as_str().unwrap_or("?");
        if let Err(e) = r.check_error(401, error_type, "invalid_signature", None) {
            problems.push(format!("{what}: {e}: {}", r.text()));
        }
    }
    assert!(
        problems.is_empty(),
        "signature 401 problems:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Webhooks (the agent's receiver)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_receiver_checks_the_merchant_signature() {
    let merchant = Merchant::new(examples());
    let server = Server::start(receiver_app(&merchant)).await;
    let client = client();
    let url = format!("{}/agentic_checkout/webhooks/order_events", server.base);
    let event = examples().webhook_event();
    let raw = serde_json::to_vec(&event).unwrap();
    let send = |body: Vec<u8>, signature: Option<String>| {
        let mut request = client
            .post(&url)
            .header("content-type", "application/json")
            .header("request-id", "req_hook_1")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("merchant-signature", signature);
        }
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let bytes = r.bytes().await.unwrap().to_vec();
            harness::Reply {
                status,
                headers,
                json: serde_json::from_slice(&bytes).ok(),
                bytes,
            }
        }
    };

    let r = send(
        raw.clone(),
        Some(merchant_signature(WEBHOOK_SECRET, unix_now(), &raw)),
    )
    .await;
    r.expect_status(200);
    assert_eq!(
        r.body(),
        &json!({"received": true, "request_id": "req_hook_1"})
    );
    assert_eq!(r.header("request-id"), Some("req_hook_1"));
    let events = merchant.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert!(json_eq(&events[0], &event), "handler got {}", events[0]);
    assert_eq!(events[0]["type"], json!("order_create"));
    assert_eq!(events[0]["data"]["id"], json!("ord_e2e_1"));

    let tampered = {
        let mut e = event.clone();
        e["data"]["status"] = json!("canceled");
        serde_json::to_vec(&e).unwrap()
    };
    for (what, body, signature) in [
        (
            "wrong secret",
            raw.clone(),
            Some(merchant_signature(b"another secret", unix_now(), &raw)),
        ),
        (
            "stale",
            raw.clone(),
            Some(merchant_signature(WEBHOOK_SECRET, unix_now() - 1000, &raw)),
        ),
        (
            "future",
            raw.clone(),
            Some(merchant_signature(WEBHOOK_SECRET, unix_now() + 1000, &raw)),
        ),
        ("missing", raw.clone(), None),
        ("empty", raw.clone(), Some(String::new())),
        ("malformed", raw.clone(), Some("v1=abc".to_string())),
        (
            "tampered body",
            tampered,
            Some(merchant_signature(WEBHOOK_SECRET, unix_now(), &raw)),
        ),
    ] {
        let r = send(body, signature).await;
        if let Err(e) = r.check_error(401, "invalid_request", "invalid_signature", None) {
            panic!("{what}: {e}: {}", r.text());
        }
        if let Err(e) = acp_runtime::from_value::<v2026_04_17::webhooks::Error>(r.body().clone()) {
            panic!("{what}: not a webhook spec Error: {e}: {}", r.text());
        }
        assert_eq!(r.header("request-id"), Some("req_hook_1"), "{what}");
    }
    assert_eq!(merchant.calls(V0417, "post_order_events"), 1);

    // Signed but not a valid event: the generated types refuse it.
    let mut bad = event.clone();
    bad["data"].as_object_mut().unwrap().remove("id");
    let bad = serde_json::to_vec(&bad).unwrap();
    send(
        bad.clone(),
        Some(merchant_signature(WEBHOOK_SECRET, unix_now(), &bad)),
    )
    .await
    .expect_error(400, "invalid_request", "missing", Some("$.data.id"));
    assert_eq!(merchant.calls(V0417, "post_order_events"), 1);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Error bodies against the spec's own `Error` schema
// ---------------------------------------------------------------------------------------------

/// Every error a checkout endpoint of 2026-04-17 answers (`4XX`/`5XX` in the spec: the checkout
/// `Error` schema, `type` one of invalid_request / processing_error / service_unavailable) must
/// parse as the generated `checkout::Error`; likewise for 2026-01-30.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_error_bodies_are_valid_instances_of_the_spec_error_schema() {
    let h = start(Setup {
        body_limit: Some(4096),
        ..Setup::default()
    })
    .await;
    let body = checkout_example(V0417, "create_checkout_session_request");
    let r = h
        .send(&Req::post("/checkout_sessions").key("e-0").json(&body))
        .await;
    r.expect_status(201);
    let id = r.body()["id"].as_str().unwrap().to_string();
    h.send(
        &Req::post(&format!("/checkout_sessions/{id}/complete"))
            .key("e-c")
            .json(&checkout_example(
                V0417,
                "complete_checkout_session_request",
            )),
    )
    .await
    .expect_status(200);
    let mut other = body.clone();
    other["currency"] = json!("eur");
    let mut big = body.clone();
    big["order_notes"] = json!("x".repeat(5000));
    let cases: Vec<(&str, Req)> = vec![
        (
            "no Authorization",
            Req::post("/checkout_sessions")
                .key("e-1")
                .json(&body)
                .no_auth(),
        ),
        (
            "wrong key",
            Req::get(&format!("/checkout_sessions/{id}")).token("sk_nope"),
        ),
        (
            "no API-Version",
            Req::get(&format!("/checkout_sessions/{id}")).no_version(),
        ),
        (
            "bad API-Version",
            Req::get(&format!("/checkout_sessions/{id}")).version("2020-01-01"),
        ),
        (
            "no Idempotency-Key",
            Req::post("/checkout_sessions").json(&body),
        ),
        (
            "key conflict",
            Req::post("/checkout_sessions").key("e-0").json(&other),
        ),
        (
            "bad JSON",
            Req::post("/checkout_sessions").key("e-2").raw("{"),
        ),
        (
            "missing member",
            Req::post("/checkout_sessions")
                .key("e-3")
                .json(&json!({"currency": "usd"})),
        ),
        (
            "wrong Content-Type",
            Req::post("/checkout_sessions")
                .key("e-4")
                .json(&body)
                .content_type("text/plain"),
        ),
        (
            "too large",
            Req::post("/checkout_sessions").key("e-5").json(&big),
        ),
        ("unknown session", Req::get("/checkout_sessions/cs_nope")),
        (
            "wrong method",
            Req::new(Method::DELETE, &format!("/checkout_sessions/{id}")),
        ),
        ("unknown path", Req::get("/checkout_session")),
        (
            "cancel completed",
            Req::post(&format!("/checkout_sessions/{id}/cancel"))
                .key("e-6")
                .json(&checkout_example(V0417, "cancel_checkout_session_request")),
        ),
    ];
    let mut failures = Vec::new();
    for (what, req) in &cases {
        let r = h.send(req).await;
        if r.status < 400 {
            failures.push(format!("{what}: status {}", r.status));
            continue;
        }
        if let Err(e) = acp_runtime::from_value::<v2026_04_17::checkout::Error>(
            r.json.clone().unwrap_or(Value::Null),
        ) {
            failures.push(format!("{what}: {} {} — {e}", r.status, r.text()));
        }
    }
    // The same for a handler's 503 and a handler's panic (500).
    h.merchant.fail_next_creates(1);
    h.merchant.panic_next_creates(1);
    for (what, key) in [("handler panic", "e-7"), ("handler 503", "e-8")] {
        let r = h
            .send(&Req::post("/checkout_sessions").key(key).json(&body))
            .await;
        if let Err(e) = acp_runtime::from_value::<v2026_04_17::checkout::Error>(
            r.json.clone().unwrap_or(Value::Null),
        ) {
            failures.push(format!("{what}: {} {} — {e}", r.status, r.text()));
        }
    }
    // 2026-01-30.
    let old = checkout_example(V0130, "create_checkout_session_request");
    for (what, req) in [
        (
            "2026-01-30 no Authorization",
            Req::post("/checkout_sessions")
                .version(V0130)
                .json(&old)
                .no_auth(),
        ),
        (
            "2026-01-30 bad JSON",
            Req::post("/checkout_sessions").version(V0130).raw("["),
        ),
    ] {
        let r = h.send(&req).await;
        if let Err(e) = acp_runtime::from_value::<v2026_01_30::checkout::Error>(
            r.json.clone().unwrap_or(Value::Null),
        ) {
            failures.push(format!("{what}: {} {} — {e}", r.status, r.text()));
        }
    }
    assert!(
        failures.is_empty(),
        "error bodies that are not valid checkout `Error`s:\n{}",
        failures.join("\n")
    );
}
