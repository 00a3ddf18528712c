//! The GENERATED client SDKs (`acp::<version>::<spec>::Client`, the webhooks `Sender`) against
//! the GENERATED servers (the test merchant behind `AcpServer`, the webhook receiver) over
//! loopback HTTP: every operation of 2026-04-17, the checkout operations of every older version,
//! idempotent replays and conflicts, retries (`409 idempotency_in_flight`, `503`, timeouts),
//! auth and signature errors, path encoding, and signed webhook delivery.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use acp::{v2025_09_29, v2025_12_12, v2026_01_16, v2026_01_30, v2026_04_17};
use acp_e2e::json_eq;
use acp_runtime::client::{AcpResponse, CallOptions, ClientError, RetryPolicy};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::harness::{receiver_app, Harness, Server, Setup, SIGNING_SECRET, TOKEN, WEBHOOK_SECRET};
use crate::merchant::{complete_order_stub, Merchant, V0116, V0130, V0417, V0929, V1212};
use crate::{checkout_example, examples, start};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Parses a spec example (or any JSON) as the generated type `T`, with the generated validation.
#[track_caller]
fn typed<T: DeserializeOwned + acp_runtime::Validate>(what: &str, value: Value) -> T {
    acp_runtime::from_value::<T>(value.clone())
        .unwrap_or_else(|e| panic!("{what}: not a valid model: {e}\n{value}"))
}

/// A built core from a generated `Client::builder` (which fixes the version), authenticated with
/// `token`.
fn core(
    builder: acp_runtime::client::ClientBuilder,
    token: &str,
) -> acp_runtime::client::ClientCore {
    builder
        .bearer(token)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("cannot build the client: {e}"))
}

/// `CallOptions` with a `Request-Id`.
fn rid(request_id: &str) -> CallOptions {
    CallOptions {
        request_id: Some(request_id.to_string()),
        ..CallOptions::default()
    }
}

/// `CallOptions` with an `Idempotency-Key`.
fn key(idempotency_key: &str) -> CallOptions {
    CallOptions {
        idempotency_key: Some(idempotency_key.to_string()),
        ..CallOptions::default()
    }
}

/// The result of a call, or a panic naming the call and the error.
#[track_caller]
fn ok<T>(what: &str, result: Result<AcpResponse<T>, ClientError>) -> AcpResponse<T> {
    result.unwrap_or_else(|e| panic!("{what}: the call failed: {e:?}"))
}

/// The error of a call that must fail.
#[track_caller]
fn err<T: Debug>(what: &str, result: Result<AcpResponse<T>, ClientError>) -> ClientError {
    match result {
        Ok(r) => panic!(
            "{what}: expected an error, got {} {:?}",
            r.status.as_u16(),
            r.body
        ),
        Err(e) => e,
    }
}

/// The status, spec error `code` and attempt count of a `ClientError::Api`.
#[track_caller]
fn api_error(what: &str, error: &ClientError) -> (u16, String, u32) {
    match error {
        ClientError::Api {
            status,
            error,
            attempts,
            ..
        } => (status.as_u16(), error.code.clone(), *attempts),
        other => panic!("{what}: expected ClientError::Api, got {other:?}"),
    }
}

/// What every successful call of `op` under `version` must show: the spec's success status, the
/// `Request-Id` echoed, an `Idempotency-Key` on a POST (the one the handler saw) and none on a
/// GET, not a replay, and the handler having seen `API-Version: version` and the request id.
#[track_caller]
fn check_call<T>(
    m: &Merchant,
    version: &str,
    op: &str,
    r: &AcpResponse<T>,
    status: u16,
    request_id: &str,
    method: &str,
) {
    let what = format!("{version} {op}");
    assert_eq!(r.status.as_u16(), status, "{what}: status");
    assert_eq!(
        r.request_id.as_deref(),
        Some(request_id),
        "{what}: Request-Id not echoed"
    );
    assert!(!r.idempotent_replayed, "{what}: a first call is no replay");
    let ctx = m
        .last_context(version, op)
        .unwrap_or_else(|| panic!("{what}: the handler did not run"));
    assert_eq!(ctx.api_version, version, "{what}: API-Version");
    assert_eq!(
        ctx.request_id.as_deref(),
        Some(request_id),
        "{what}: the handler's request id"
    );
    assert_eq!(ctx.identity, "agent-one", "{what}: identity");
    match method {
        "POST" => {
            let key = r
                .idempotency_key
                .as_deref()
                .unwrap_or_else(|| panic!("{what}: a POST without Idempotency-Key"));
            assert!(!key.is_empty() && key.len() <= 255, "{what}: key {key:?}");
            assert_eq!(
                ctx.idempotency_key.as_deref(),
                Some(key),
                "{what}: the handler saw another key"
            );
        }
        "GET" => {
            assert_eq!(
                r.idempotency_key, None,
                "{what}: a GET with an Idempotency-Key"
            );
            assert_eq!(ctx.idempotency_key, None, "{what}: the handler saw a key");
        }
        _ => {}
    }
}

/// The typed body a handler of `version` `op` received, serialized back, equals the typed request
/// the client sent.
#[track_caller]
fn check_received<B: Serialize>(m: &Merchant, version: &str, op: &str, sent: &B) {
    let sent = serde_json::to_value(sent).unwrap();
    let got = m
        .last_body(version, op)
        .unwrap_or_else(|| panic!("{version} {op}: the handler got no body"));
    assert!(
        json_eq(&got, &sent),
        "{version} {op}: the handler got {got}\nthe client sent {sent}"
    );
}

/// The handler of `version` `op` ran (last) without a request body.
#[track_caller]
fn check_no_body(m: &Merchant, version: &str, op: &str) {
    if let Some(got) = m.last_body(version, op) {
        panic!("{version} {op}: the handler got a body {got}, the client sent none");
    }
}

/// `got` equals the typed value of `expected` (the merchant's answer, rebuilt from the example).
#[track_caller]
fn check_body<T>(what: &str, got: &T, expected: Value)
where
    T: DeserializeOwned + acp_runtime::Validate + PartialEq + Debug,
{
    let expected: T = typed(what, expected);
    assert_eq!(got, &expected, "{what}: the typed response body");
}

/// The checkout example `key` of `version` with `id` (and, when given, `status`).
fn session_example(version: &str, key: &str, id: &str, status: Option<&str>) -> Value {
    let mut session = checkout_example(version, key);
    session["id"] = json!(id);
    if let Some(status) = status {
        session["status"] = json!(status);
    }
    session
}

fn complete_example(version: &str, id: &str) -> Value {
    let mut session = session_example(version, "complete_checkout_session_response", id, None);
    if session.get("order").is_none() {
        session["order"] = complete_order_stub(id);
    }
    if let Some(order) = session.get_mut("order").and_then(Value::as_object_mut) {
        order.insert("checkout_session_id".into(), json!(id));
    }
    session
}

// ---------------------------------------------------------------------------------------------
// 2026-04-17: every operation of every spec
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_2026_04_17_checkout_every_operation() {
    use v2026_04_17::checkout::{
        CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
        CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest, CheckoutSessionWithOrder,
        Client,
    };
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));

    let create: CheckoutSessionCreateRequest = typed(
        "create request",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let r = ok(
        "create",
        c.create_checkout_session_with(&create, rid("req_c_create"))
            .await,
    );
    check_call(
        m,
        V0417,
        "create_checkout_session",
        &r,
        201,
        "req_c_create",
        "POST",
    );
    check_received(m, V0417, "create_checkout_session", &create);
    let id = r.body.id.clone();
    let mut expected = session_example(V0417, "create_checkout_session_response", &id, None);
    expected["currency"] = json!(create.currency);
    check_body::<CheckoutSession>("create", &r.body, expected);

    let r = ok(
        "get",
        c.get_checkout_session_with(&id, rid("req_c_get")).await,
    );
    check_call(
        m,
        V0417,
        "get_checkout_session",
        &r,
        200,
        "req_c_get",
        "GET",
    );
    check_body::<CheckoutSession>(
        "get",
        &r.body,
        session_example(
            V0417,
            "get_checkout_session_response",
            &id,
            Some("ready_for_payment"),
        ),
    );

    let update: CheckoutSessionUpdateRequest = typed(
        "update request",
        checkout_example(V0417, "update_checkout_session_request"),
    );
    let r = ok(
        "update",
        c.update_checkout_session_with(&id, &update, rid("req_c_update"))
            .await,
    );
    check_call(
        m,
        V0417,
        "update_checkout_session",
        &r,
        200,
        "req_c_update",
        "POST",
    );
    check_received(m, V0417, "update_checkout_session", &update);
    check_body::<CheckoutSession>(
        "update",
        &r.body,
        session_example(
            V0417,
            "update_checkout_session_response",
            &id,
            Some("ready_for_payment"),
        ),
    );

    let complete: CheckoutSessionCompleteRequest = typed(
        "complete request",
        checkout_example(V0417, "complete_checkout_session_request"),
    );
    let r = ok(
        "complete",
        c.complete_checkout_session_with(&id, &complete, rid("req_c_complete"))
            .await,
    );
    check_call(
        m,
        V0417,
        "complete_checkout_session",
        &r,
        200,
        "req_c_complete",
        "POST",
    );
    check_received(m, V0417, "complete_checkout_session", &complete);
    check_body::<CheckoutSessionWithOrder>("complete", &r.body, complete_example(V0417, &id));
    assert_eq!(r.body.order.checkout_session_id, id);

    // Cancel with a body, on a new session.
    let id2 = ok("create 2", c.create_checkout_session(&create).await)
        .body
        .id;
    let cancel: CancelSessionRequest = typed(
        "cancel request",
        checkout_example(V0417, "cancel_checkout_session_request"),
    );
    let r = ok(
        "cancel",
        c.cancel_checkout_session_with(&id2, Some(&cancel), rid("req_c_cancel"))
            .await,
    );
    check_call(
        m,
        V0417,
        "cancel_checkout_session",
        &r,
        200,
        "req_c_cancel",
        "POST",
    );
    check_received(m, V0417, "cancel_checkout_session", &cancel);
    check_body::<CheckoutSession>(
        "cancel",
        &r.body,
        session_example(
            V0417,
            "cancel_checkout_session_response",
            &id2,
            Some("canceled"),
        ),
    );

    // Cancel without a body (the spec's `requestBody.required: false`).
    let id3 = ok("create 3", c.create_checkout_session(&create).await)
        .body
        .id;
    let r = ok(
        "cancel without a body",
        c.cancel_checkout_session_with(&id3, None, rid("req_c_cancel_nobody"))
            .await,
    );
    check_call(
        m,
        V0417,
        "cancel_checkout_session",
        &r,
        200,
        "req_c_cancel_nobody",
        "POST",
    );
    check_no_body(m, V0417, "cancel_checkout_session");
    check_body::<CheckoutSession>(
        "cancel without a body",
        &r.body,
        session_example(
            V0417,
            "cancel_checkout_session_response",
            &id3,
            Some("canceled"),
        ),
    );

    // Business error through the client: a completed session cannot be canceled (405).
    let e = err(
        "cancel completed",
        c.cancel_checkout_session(&id, None).await,
    );
    let (status, code, _) = api_error("cancel completed", &e);
    assert_eq!((status, code.as_str()), (405, "session_not_cancelable"));

    for (op, n) in [
        ("create_checkout_session", 3),
        ("get_checkout_session", 1),
        ("update_checkout_session", 1),
        ("complete_checkout_session", 1),
        ("cancel_checkout_session", 3),
    ] {
        assert_eq!(m.calls(V0417, op), n, "{op}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_2026_04_17_delegate_payment() {
    use v2026_04_17::delegate_payment::{Client, DelegatePaymentRequest, DelegatePaymentResponse};
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let ex = examples();
    let body: DelegatePaymentRequest = typed(
        "delegate_payment request",
        ex.get(V0417, "delegate_payment", "delegate_payment_request"),
    );
    let r = ok(
        "delegate_payment",
        c.delegate_payment_with(&body, rid("req_dp")).await,
    );
    check_call(m, V0417, "delegate_payment", &r, 201, "req_dp", "POST");
    check_received(m, V0417, "delegate_payment", &body);
    assert!(r.body.id.starts_with("vt_"), "{}", r.body.id);
    let mut expected = ex.get(
        V0417,
        "delegate_payment",
        "delegate_payment_success_response",
    );
    expected["id"] = json!(r.body.id);
    check_body::<DelegatePaymentResponse>("delegate_payment", &r.body, expected);
    assert_eq!(m.calls(V0417, "delegate_payment"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_2026_04_17_cart_every_operation() {
    use v2026_04_17::cart::{Cart, CartCreateRequest, CartUpdateRequest, Client};
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let cart_example = |id: &str| {
        let mut cart = examples().cart();
        cart["id"] = json!(id);
        cart
    };

    let create: CartCreateRequest = typed(
        "cart create request",
        json!({"line_items": [{"id": "item_123"}, {"id": "item_456"}], "buyer": {"email": "buyer@example.com"}}),
    );
    let r = ok(
        "create cart",
        c.create_cart_with(&create, rid("req_cart_create")).await,
    );
    check_call(m, V0417, "create_cart", &r, 201, "req_cart_create", "POST");
    check_received(m, V0417, "create_cart", &create);
    let id = r.body.id.clone();
    check_body::<Cart>("create cart", &r.body, cart_example(&id));

    let r = ok("get cart", c.get_cart_with(&id, rid("req_cart_get")).await);
    check_call(m, V0417, "get_cart", &r, 200, "req_cart_get", "GET");
    check_body::<Cart>("get cart", &r.body, cart_example(&id));

    let update: CartUpdateRequest = typed(
        "cart update request",
        json!({"line_items": [{"id": "item_789"}]}),
    );
    let r = ok(
        "update cart",
        c.update_cart_with(&id, &update, rid("req_cart_update"))
            .await,
    );
    check_call(m, V0417, "update_cart", &r, 200, "req_cart_update", "PUT");
    check_received(m, V0417, "update_cart", &update);
    check_body::<Cart>("update cart", &r.body, cart_example(&id));

    let cancel = serde_json::Map::new();
    let r = ok(
        "cancel cart",
        c.cancel_cart_with(&id, Some(&cancel), rid("req_cart_cancel"))
            .await,
    );
    check_call(m, V0417, "cancel_cart", &r, 200, "req_cart_cancel", "POST");
    check_received(m, V0417, "cancel_cart", &cancel);
    check_body::<Cart>("cancel cart", &r.body, cart_example(&id));

    // Cancel without a body; then the canceled cart is gone (404 through the client).
    let id2 = ok("create cart 2", c.create_cart(&create).await).body.id;
    let r = ok(
        "cancel cart without a body",
        c.cancel_cart_with(&id2, None, rid("req_cart_cancel_nobody"))
            .await,
    );
    check_call(
        m,
        V0417,
        "cancel_cart",
        &r,
        200,
        "req_cart_cancel_nobody",
        "POST",
    );
    check_no_body(m, V0417, "cancel_cart");
    let e = err("get canceled cart", c.get_cart(&id).await);
    let (status, code, _) = api_error("get canceled cart", &e);
    assert_eq!((status, code.as_str()), (404, "not_found"));

    for (op, n) in [
        ("create_cart", 2),
        ("get_cart", 2),
        ("update_cart", 1),
        ("cancel_cart", 2),
    ] {
        assert_eq!(m.calls(V0417, op), n, "{op}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_2026_04_17_delegate_authentication_every_operation() {
    use v2026_04_17::delegate_authentication::{
        Client, DelegateAuthenticationAuthenticateRequest, DelegateAuthenticationCreateRequest,
        DelegateAuthenticationSession, DelegateAuthenticationSessionWithResult,
    };
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let ex = examples();
    let example = |key: &str, id: &str| {
        let mut session = ex.get(V0417, "delegate_authentication", key);
        session["authentication_session_id"] = json!(id);
        session
    };

    let create: DelegateAuthenticationCreateRequest = typed(
        "create auth request",
        ex.get(
            V0417,
            "delegate_authentication",
            "create_authentication_session_request_minimal",
        ),
    );
    let r = ok(
        "create auth",
        c.create_authentication_session_with(&create, rid("req_da_create"))
            .await,
    );
    check_call(
        m,
        V0417,
        "create_authentication_session",
        &r,
        201,
        "req_da_create",
        "POST",
    );
    check_received(m, V0417, "create_authentication_session", &create);
    let id = r.body.authentication_session_id.clone();
    check_body::<DelegateAuthenticationSession>(
        "create auth",
        &r.body,
        example("create_authentication_session_response_pending", &id),
    );

    let r = ok(
        "get auth (pending)",
        c.get_authentication_session_with(&id, rid("req_da_get_1"))
            .await,
    );
    check_call(
        m,
        V0417,
        "get_authentication_session",
        &r,
        200,
        "req_da_get_1",
        "GET",
    );
    check_body::<DelegateAuthenticationSessionWithResult>(
        "get auth (pending)",
        &r.body,
        example("create_authentication_session_response_pending", &id),
    );

    let authenticate: DelegateAuthenticationAuthenticateRequest = typed(
        "authenticate request",
        ex.get(
            V0417,
            "delegate_authentication",
            "authenticate_request_fingerprint_success",
        ),
    );
    let r = ok(
        "authenticate",
        c.authenticate_session_with(&id, &authenticate, rid("req_da_auth"))
            .await,
    );
    check_call(
        m,
        V0417,
        "authenticate_session",
        &r,
        200,
        "req_da_auth",
        "POST",
    );
    check_received(m, V0417, "authenticate_session", &authenticate);
    check_body::<DelegateAuthenticationSession>(
        "authenticate",
        &r.body,
        example("authenticate_response_frictionless_authenticated", &id),
    );

    let r = ok(
        "get auth (authenticated)",
        c.get_authentication_session_with(&id, rid("req_da_get_2"))
            .await,
    );
    check_call(
        m,
        V0417,
        "get_authentication_session",
        &r,
        200,
        "req_da_get_2",
        "GET",
    );
    check_body::<DelegateAuthenticationSessionWithResult>(
        "get auth (authenticated)",
        &r.body,
        example("retrieve_session_response_authenticated", &id),
    );
    assert!(r.body.authentication_result.is_some());

    for (op, n) in [
        ("create_authentication_session", 1),
        ("authenticate_session", 1),
        ("get_authentication_session", 2),
    ] {
        assert_eq!(m.calls(V0417, op), n, "{op}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_2026_04_17_feed_every_operation() {
    use v2026_04_17::feed::{
        Client, CreateFeedRequest, FeedMetadata, ProductsResponse, UpsertProductsRequest,
        UpsertProductsResponse,
    };
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let ex = examples();

    let create: CreateFeedRequest = typed(
        "create feed request",
        ex.get(V0417, "feed", "create_feed_request_minimal"),
    );
    let r = ok(
        "create feed",
        c.create_feed_with(&create, rid("req_feed_create")).await,
    );
    check_call(m, V0417, "create_feed", &r, 201, "req_feed_create", "POST");
    check_received(m, V0417, "create_feed", &create);
    let id = r.body.id.clone();
    let mut expected = ex.get(V0417, "feed", "create_feed_response");
    expected["id"] = json!(id);
    if let Some(country) = &create.target_country {
        expected["target_country"] = json!(country);
    }
    check_body::<FeedMetadata>("create feed", &r.body, expected.clone());

    let r = ok("get feed", c.get_feed_with(&id, rid("req_feed_get")).await);
    check_call(m, V0417, "get_feed", &r, 200, "req_feed_get", "GET");
    check_body::<FeedMetadata>("get feed", &r.body, expected);

    let r = ok(
        "get products",
        c.get_feed_products_with(&id, rid("req_feed_products"))
            .await,
    );
    check_call(
        m,
        V0417,
        "get_feed_products",
        &r,
        200,
        "req_feed_products",
        "GET",
    );
    check_body::<ProductsResponse>(
        "get products",
        &r.body,
        ex.get(V0417, "feed", "get_products_response"),
    );

    let upsert: UpsertProductsRequest = typed(
        "upsert request",
        ex.get(V0417, "feed", "upsert_products_request_single_product"),
    );
    let r = ok(
        "upsert products",
        c.upsert_feed_products_with(&id, &upsert, rid("req_feed_upsert"))
            .await,
    );
    check_call(
        m,
        V0417,
        "upsert_feed_products",
        &r,
        200,
        "req_feed_upsert",
        "PATCH",
    );
    check_received(m, V0417, "upsert_feed_products", &upsert);
    assert_eq!(
        r.body,
        UpsertProductsResponse {
            id: id.clone(),
            accepted: true
        }
    );

    let e = err("unknown feed", c.get_feed("feed_missing").await);
    let (status, code, _) = api_error("unknown feed", &e);
    assert_eq!((status, code.as_str()), (404, "feed_not_found"));

    for (op, n) in [
        ("create_feed", 1),
        ("get_feed", 2),
        ("get_feed_products", 1),
        ("upsert_feed_products", 1),
    ] {
        assert_eq!(m.calls(V0417, op), n, "{op}");
    }
}

// ---------------------------------------------------------------------------------------------
// Older versions: the checkout operations through each version's client
// ---------------------------------------------------------------------------------------------

/// create, get, update, complete, cancel (with and without a body where the version has one)
/// through `$module::checkout::Client` against the merchant's `$version` handlers.
macro_rules! older_checkout_flow {
    ($name:ident, $module:ident, $version:expr, |$c:ident, $id:ident, $opts:ident, $body:ident| $cancel:expr, $cancel_nobody:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            use $module::checkout::{
                CheckoutSession, CheckoutSessionCompleteRequest, CheckoutSessionCreateRequest,
                CheckoutSessionUpdateRequest, CheckoutSessionWithOrder, Client,
            };
            let version: &str = $version;
            let h = start(Setup::default()).await;
            let m = &h.merchant;
            let $c = Client::new(core(Client::builder(&h.server.base), TOKEN));
            let rid_of = |op: &str| format!("req_{version}_{op}");

            let create: CheckoutSessionCreateRequest = typed(
                "create request",
                checkout_example(version, "create_checkout_session_request"),
            );
            let r = ok(
                "create",
                $c.create_checkout_session_with(&create, rid(&rid_of("create")))
                    .await,
            );
            check_call(
                m,
                version,
                "create_checkout_session",
                &r,
                201,
                &rid_of("create"),
                "POST",
            );
            check_received(m, version, "create_checkout_session", &create);
            let id = r.body.id.clone();
            check_body::<CheckoutSession>(
                "create",
                &r.body,
                session_example(version, "create_checkout_session_response", &id, None),
            );

            let r = ok(
                "get",
                $c.get_checkout_session_with(&id, rid(&rid_of("get"))).await,
            );
            check_call(
                m,
                version,
                "get_checkout_session",
                &r,
                200,
                &rid_of("get"),
                "GET",
            );
            check_body::<CheckoutSession>(
                "get",
                &r.body,
                session_example(
                    version,
                    "get_checkout_session_response",
                    &id,
                    Some("ready_for_payment"),
                ),
            );

            let update: CheckoutSessionUpdateRequest = typed(
                "update request",
                checkout_example(version, "update_checkout_session_request"),
            );
            let r = ok(
                "update",
                $c.update_checkout_session_with(&id, &update, rid(&rid_of("update")))
                    .await,
            );
            check_call(
                m,
                version,
                "update_checkout_session",
                &r,
                200,
                &rid_of("update"),
                "POST",
            );
            check_received(m, version, "update_checkout_session", &update);
            check_body::<CheckoutSession>(
                "update",
                &r.body,
                session_example(
                    version,
                    "update_checkout_session_response",
                    &id,
                    Some("ready_for_payment"),
                ),
            );

            let complete: CheckoutSessionCompleteRequest = typed(
                "complete request",
                checkout_example(version, "complete_checkout_session_request"),
            );
            let r = ok(
                "complete",
                $c.complete_checkout_session_with(&id, &complete, rid(&rid_of("complete")))
                    .await,
            );
            check_call(
                m,
                version,
                "complete_checkout_session",
                &r,
                200,
                &rid_of("complete"),
                "POST",
            );
            check_received(m, version, "complete_checkout_session", &complete);
            check_body::<CheckoutSessionWithOrder>(
                "complete",
                &r.body,
                complete_example(version, &id),
            );

            // Cancel (with the version's request body, if it has one), on a new session.
            let id2 = ok("create 2", $c.create_checkout_session(&create).await)
                .body
                .id;
            let r = {
                let $id = &id2;
                let $opts = rid(&rid_of("cancel"));
                let $body = || checkout_example(version, "cancel_checkout_session_request");
                ok("cancel", $cancel)
            };
            check_call(
                m,
                version,
                "cancel_checkout_session",
                &r,
                200,
                &rid_of("cancel"),
                "POST",
            );
            if version != V0929 {
                let sent = checkout_example(version, "cancel_checkout_session_request");
                let got = m.last_body(version, "cancel_checkout_session");
                assert!(
                    got.as_ref().is_some_and(|got| json_eq(got, &sent)),
                    "{version} cancel: the handler got {got:?}, the client sent {sent}"
                );
            }
            check_body::<CheckoutSession>(
                "cancel",
                &r.body,
                session_example(
                    version,
                    "cancel_checkout_session_response",
                    &id2,
                    Some("canceled"),
                ),
            );
            // Cancel without a body.
            let id3 = ok("create 3", $c.create_checkout_session(&create).await)
                .body
                .id;
            let r = {
                let $id = &id3;
                let $opts = rid(&rid_of("cancel_nobody"));
                ok("cancel without a body", $cancel_nobody)
            };
            check_call(
                m,
                version,
                "cancel_checkout_session",
                &r,
                200,
                &rid_of("cancel_nobody"),
                "POST",
            );
            check_no_body(m, version, "cancel_checkout_session");

            // The completed session cannot be canceled; an unknown one is a 404.
            let r = {
                let $id = &id;
                let $opts = CallOptions::default();
                $cancel_nobody
            };
            let e = err("cancel completed", r);
            let (status, code, _) = api_error("cancel completed", &e);
            assert_eq!((status, code.as_str()), (405, "session_not_cancelable"));
            let e = err("unknown session", $c.get_checkout_session("cs_nope").await);
            let (status, code, attempts) = api_error("unknown session", &e);
            assert_eq!((status, code.as_str(), attempts), (404, "not_found", 1));

            for (op, n) in [
                ("create_checkout_session", 3),
                ("get_checkout_session", 2),
                ("update_checkout_session", 1),
                ("complete_checkout_session", 1),
                ("cancel_checkout_session", 3),
            ] {
                assert_eq!(m.calls(version, op), n, "{version} {op}");
            }
            // No other version's handler ran.
            assert_eq!(m.calls(V0417, "create_checkout_session"), 0);
        }
    };
}

older_checkout_flow!(
    client_2026_01_30_checkout_every_operation,
    v2026_01_30,
    V0130,
    |c, id, opts, body| {
        let body: v2026_01_30::checkout::CancelSessionRequest = typed("cancel request", body());
        c.cancel_checkout_session_with(id, Some(&body), opts).await
    },
    c.cancel_checkout_session_with(id, None, opts).await
);

older_checkout_flow!(
    client_2026_01_16_checkout_every_operation,
    v2026_01_16,
    V0116,
    |c, id, opts, body| {
        let body: v2026_01_16::checkout::CancelSessionRequest = typed("cancel request", body());
        c.cancel_checkout_session_with(id, Some(&body), opts).await
    },
    c.cancel_checkout_session_with(id, None, opts).await
);

older_checkout_flow!(
    client_2025_12_12_checkout_every_operation,
    v2025_12_12,
    V1212,
    |c, id, opts, body| {
        let body: v2025_12_12::checkout::CancelSessionRequest = typed("cancel request", body());
        c.cancel_checkout_session_with(id, Some(&body), opts).await
    },
    c.cancel_checkout_session_with(id, None, opts).await
);

// 2025-09-29's cancel has no request body at all.
older_checkout_flow!(
    client_2025_09_29_checkout_every_operation,
    v2025_09_29,
    V0929,
    |c, id, opts, _body| c.cancel_checkout_session_with(id, opts).await,
    c.cancel_checkout_session_with(id, opts).await
);

// ---------------------------------------------------------------------------------------------
// Idempotency through the client
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_replay_with_the_same_key_runs_the_handler_once() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let body: CheckoutSessionCreateRequest = typed(
        "create request",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let first = ok(
        "first",
        c.create_checkout_session_with(&body, key("replay-1")).await,
    );
    assert_eq!(first.status.as_u16(), 201);
    assert!(!first.idempotent_replayed);
    assert_eq!(first.idempotency_key.as_deref(), Some("replay-1"));
    let again = ok(
        "again",
        c.create_checkout_session_with(&body, key("replay-1")).await,
    );
    assert_eq!(again.status.as_u16(), 201);
    assert!(again.idempotent_replayed, "no Idempotent-Replayed: true");
    assert_eq!(again.idempotency_key.as_deref(), Some("replay-1"));
    assert_eq!(
        again.body, first.body,
        "the replay differs from the original"
    );
    assert_eq!(again.attempts, 1);
    assert_eq!(m.calls(V0417, "create_checkout_session"), 1);

    // Without an explicit key every call gets a fresh one: two sessions.
    let a = ok("auto 1", c.create_checkout_session(&body).await);
    let b = ok("auto 2", c.create_checkout_session(&body).await);
    assert_ne!(a.idempotency_key, b.idempotency_key);
    assert_ne!(a.body.id, b.body.id);
    assert!(!a.idempotent_replayed && !b.idempotent_replayed);
    assert_eq!(m.calls(V0417, "create_checkout_session"), 3);
}

/// Same key, different body: the version's conflict status, and the client does not retry.
macro_rules! key_conflict_test {
    ($name:ident, $module:ident, $version:expr, $status:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            use $module::checkout::{CheckoutSessionCreateRequest, Client};
            let h = start(Setup::default()).await;
            let c = Client::new(core(
                Client::builder(&h.server.base).retry(RetryPolicy {
                    max_attempts: 4,
                    base_delay: Duration::from_millis(10),
                    max_delay: Duration::from_millis(50),
                }),
                TOKEN,
            ));
            let example = checkout_example($version, "create_checkout_session_request");
            let body: CheckoutSessionCreateRequest = typed("create", example.clone());
            let mut other = example;
            other["currency"] = json!("eur");
            let other: CheckoutSessionCreateRequest = typed("other", other);
            let conflict_key = format!("conflict-{}", $version);
            ok(
                "first",
                c.create_checkout_session_with(&body, key(&conflict_key))
                    .await,
            );
            let e = err(
                "conflict",
                c.create_checkout_session_with(&other, key(&conflict_key))
                    .await,
            );
            let (status, code, attempts) = api_error("conflict", &e);
            assert_eq!(
                (status, code.as_str(), attempts),
                ($status, "idempotency_conflict", 1)
            );
            assert_eq!(h.merchant.calls($version, "create_checkout_session"), 1);
        }
    };
}

key_conflict_test!(
    client_key_conflict_is_a_422_under_2026_04_17_and_not_retried,
    v2026_04_17,
    V0417,
    422
);
key_conflict_test!(
    client_key_conflict_is_a_409_under_2026_01_30_and_not_retried,
    v2026_01_30,
    V0130,
    409
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_unknown_session_is_a_404_and_a_bad_bearer_a_401() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let e = err(
        "unknown session",
        c.get_checkout_session_with("cs_does_not_exist", rid("req_404"))
            .await,
    );
    let (status, code, attempts) = api_error("unknown session", &e);
    assert_eq!((status, code.as_str(), attempts), (404, "not_found", 1));
    match &e {
        ClientError::Api {
            error, request_id, ..
        } => {
            assert_eq!(request_id.as_deref(), Some("req_404"));
            assert_eq!(error.error_type, "invalid_request");
            assert_eq!(error.param.as_deref(), Some("$.checkout_session_id"));
        }
        _ => unreachable!(),
    }

    // The unknown session reached the handler (which answered 404); a bad bearer does not.
    assert_eq!(h.merchant.calls(V0417, "get_checkout_session"), 1);
    let before = h.merchant.total_calls();
    let bad = Client::new(core(Client::builder(&h.server.base), "sk_wrong"));
    let e = err("bad bearer GET", bad.get_checkout_session("cs_1").await);
    let (status, code, attempts) = api_error("bad bearer GET", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (401, "invalid_api_key", 1)
    );
    let body: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let e = err("bad bearer POST", bad.create_checkout_session(&body).await);
    let (status, code, attempts) = api_error("bad bearer POST", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (401, "invalid_api_key", 1)
    );
    assert_eq!(h.merchant.total_calls(), before);
}

// ---------------------------------------------------------------------------------------------
// Retries through the real server: 409 idempotency_in_flight + Retry-After
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_retries_an_in_flight_409_until_the_replay() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    let m = h.merchant.clone();
    m.set_create_delay(Duration::from_millis(1500));
    let c = Client::new(core(
        Client::builder(&h.server.base).retry(RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }),
        TOKEN,
    ));
    let body: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );

    let first = {
        let c = c.clone();
        let body = body.clone();
        tokio::spawn(async move { c.create_checkout_session_with(&body, key("slow-1")).await })
    };
    // Wait until the first request is inside the handler.
    let started = Instant::now();
    while m.calls(V0417, "create_checkout_session") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the first call never reached the handler"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = ok(
        "second",
        c.create_checkout_session_with(&body, key("slow-1")).await,
    );
    let first = ok("first", first.await.unwrap());

    assert_eq!(first.status.as_u16(), 201);
    assert!(!first.idempotent_replayed);
    assert_eq!(first.attempts, 1);
    assert_eq!(second.status.as_u16(), 201);
    assert!(
        second.attempts >= 2,
        "the in-flight 409 was not retried (attempts {})",
        second.attempts
    );
    assert!(second.idempotent_replayed, "the retry must be a replay");
    assert_eq!(second.body, first.body);
    assert_eq!(second.idempotency_key.as_deref(), Some("slow-1"));
    assert_eq!(m.calls(V0417, "create_checkout_session"), 1);
}

/// Without retries the client surfaces the server's `409 idempotency_in_flight` itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_without_retries_surfaces_the_in_flight_409() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    let m = h.merchant.clone();
    m.set_create_delay(Duration::from_millis(1000));
    let c = Client::new(core(
        Client::builder(&h.server.base).retry(RetryPolicy::none()),
        TOKEN,
    ));
    let body: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let first = {
        let c = c.clone();
        let body = body.clone();
        tokio::spawn(async move { c.create_checkout_session_with(&body, key("slow-2")).await })
    };
    let started = Instant::now();
    while m.calls(V0417, "create_checkout_session") == 0 {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let e = err(
        "second",
        c.create_checkout_session_with(&body, key("slow-2")).await,
    );
    let (status, code, attempts) = api_error("second", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (409, "idempotency_in_flight", 1)
    );
    ok("first", first.await.unwrap());
    assert_eq!(m.calls(V0417, "create_checkout_session"), 1);
}

// ---------------------------------------------------------------------------------------------
// Webhooks: the generated Sender to the generated receiver
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_sender_delivers_a_signed_typed_event() {
    use v2026_04_17::webhooks::{Sender, WebhookEvent};
    let merchant: Arc<Merchant> = Merchant::new(examples());
    let server = Server::start(receiver_app(&merchant)).await;
    let url = format!("{}/agentic_checkout/webhooks/order_events", server.base);
    let event: WebhookEvent = typed("webhook event", examples().webhook_event());

    let sender = Sender::new(url.clone(), WEBHOOK_SECRET.to_vec());
    let r = ok("send", sender.post_order_events(&event).await);
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body["received"], json!(true));
    assert_eq!(merchant.calls(V0417, "post_order_events"), 1);
    check_received(&merchant, V0417, "post_order_events", &event);
    let events = merchant.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], json!("order_create"));
    assert_eq!(events[0]["data"]["id"], json!("ord_e2e_1"));

    // A wrong secret: the receiver refuses the signature (401), and the sender does not retry.
    let wrong = Sender::new(url, b"whsec_wrong".to_vec());
    let e = err("wrong secret", wrong.post_order_events(&event).await);
    let (status, code, attempts) = api_error("wrong secret", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (401, "invalid_signature", 1)
    );
    assert_eq!(merchant.calls(V0417, "post_order_events"), 1);
    server.stop().await;
}

/// The harness's whole app is reachable with a shared core too (one connection pool, several
/// spec clients of one version).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_clients_can_share_one_core() {
    let h: Harness = start(Setup::default()).await;
    let shared = Arc::new(core(
        v2026_04_17::checkout::Client::builder(&h.server.base),
        TOKEN,
    ));
    let checkout = v2026_04_17::checkout::Client::from_shared(shared.clone());
    let cart = v2026_04_17::cart::Client::from_shared(shared);
    let body: v2026_04_17::checkout::CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    ok("checkout", checkout.create_checkout_session(&body).await);
    let create: v2026_04_17::cart::CartCreateRequest =
        typed("cart", json!({"line_items": [{"id": "item_1"}]}));
    ok("cart", cart.create_cart(&create).await);
    assert_eq!(h.merchant.calls(V0417, "create_checkout_session"), 1);
    assert_eq!(h.merchant.calls(V0417, "create_cart"), 1);
}

// ---------------------------------------------------------------------------------------------
// Paths, signatures, 5xx retries, stored errors, timeouts, transport failures
// ---------------------------------------------------------------------------------------------

/// Path parameters are percent-encoded by the client and decoded by the server: an id with
/// `/`, `?`, `#`, `%` and a space reaches the handler whole (which then answers 404 itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_path_parameters_reach_the_handler_intact() {
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let core = Arc::new(core(
        v2026_04_17::checkout::Client::builder(&h.server.base),
        TOKEN,
    ));
    let checkout = v2026_04_17::checkout::Client::from_shared(core.clone());
    let feed = v2026_04_17::feed::Client::from_shared(core);
    let weird = "cs a/b?c=1#d%2Fe+ü";

    let e = err("weird session", checkout.get_checkout_session(weird).await);
    let (status, code, _) = api_error("weird session", &e);
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let body = e.api_error().unwrap();
    assert_eq!(body.param.as_deref(), Some("$.checkout_session_id"));
    assert!(
        body.message.contains(weird),
        "the handler got another id: {}",
        body.message
    );
    assert_eq!(m.calls(V0417, "get_checkout_session"), 1);

    let e = err("weird feed", feed.get_feed_products(weird).await);
    let (status, code, _) = api_error("weird feed", &e);
    assert_eq!((status, code.as_str()), (404, "feed_not_found"));
    assert_eq!(m.calls(V0417, "get_feed_products"), 1);
}

/// A client with the shared `SigningKey` against a server checking `Signature` + `Timestamp`:
/// every checkout operation (GETs included) verifies; unsigned or wrongly signed calls get
/// `401 invalid_signature`, not retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_signs_requests_the_server_verifies() {
    use acp_runtime::signing::SigningKey;
    use v2026_04_17::checkout::{
        CheckoutSessionCompleteRequest, CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest,
        Client,
    };
    let h = start(Setup {
        signatures: true,
        ..Setup::default()
    })
    .await;
    let m = &h.merchant;
    let signed = Client::new(core(
        Client::builder(&h.server.base).signing(SigningKey::Hmac(SIGNING_SECRET.to_vec())),
        TOKEN,
    ));
    let create: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let update: CheckoutSessionUpdateRequest = typed(
        "update",
        checkout_example(V0417, "update_checkout_session_request"),
    );
    let complete: CheckoutSessionCompleteRequest = typed(
        "complete",
        checkout_example(V0417, "complete_checkout_session_request"),
    );
    let id = ok("create", signed.create_checkout_session(&create).await)
        .body
        .id;
    ok("get", signed.get_checkout_session(&id).await);
    ok("update", signed.update_checkout_session(&id, &update).await);
    ok(
        "complete",
        signed.complete_checkout_session(&id, &complete).await,
    );
    let other = ok("create 2", signed.create_checkout_session(&create).await)
        .body
        .id;
    ok(
        "cancel without a body",
        signed.cancel_checkout_session(&other, None).await,
    );

    let unsigned = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let wrong = Client::new(core(
        Client::builder(&h.server.base).signing(SigningKey::Hmac(b"another secret".to_vec())),
        TOKEN,
    ));
    for (what, client) in [("unsigned", &unsigned), ("wrong key", &wrong)] {
        let e = err(what, client.create_checkout_session(&create).await);
        let (status, code, attempts) = api_error(what, &e);
        assert_eq!(
            (status, code.as_str(), attempts),
            (401, "invalid_signature", 1),
            "{what}"
        );
        let e = err(what, client.get_checkout_session(&id).await);
        let (status, code, _) = api_error(what, &e);
        assert_eq!(
            (status, code.as_str()),
            (401, "invalid_signature"),
            "{what}"
        );
    }
    assert_eq!(m.calls(V0417, "create_checkout_session"), 2);
    assert_eq!(m.calls(V0417, "get_checkout_session"), 1);
}

/// A `503` (not stored for idempotency) is retried with the same key and the handler runs again;
/// a `500` is not retried (a failed operation may have had side effects).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_retries_a_503_but_not_a_500() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    let c = Client::new(core(
        Client::builder(&h.server.base).retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        }),
        TOKEN,
    ));
    let body: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    m.fail_next_creates(1);
    let r = ok(
        "after a 503",
        c.create_checkout_session_with(&body, key("k-503")).await,
    );
    assert_eq!(r.status.as_u16(), 201);
    assert_eq!(r.attempts, 2);
    assert!(!r.idempotent_replayed);
    assert_eq!(r.idempotency_key.as_deref(), Some("k-503"));
    assert_eq!(m.calls(V0417, "create_checkout_session"), 2);

    // Every attempt fails: the last 503 is the error.
    m.fail_next_creates(3);
    let e = err(
        "three 503s",
        c.create_checkout_session_with(&body, key("k-503-3")).await,
    );
    let (status, code, attempts) = api_error("three 503s", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (503, "inventory_unavailable", 3)
    );
    assert_eq!(m.calls(V0417, "create_checkout_session"), 5);

    m.panic_next_creates(1);
    let e = err(
        "a 500",
        c.create_checkout_session_with(&body, key("k-500")).await,
    );
    let (status, code, attempts) = api_error("a 500", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (500, "internal_error", 1)
    );
    assert_eq!(m.calls(V0417, "create_checkout_session"), 6);
}

/// A stored business error (4xx) is replayed to a second call with the same key, as an
/// `ClientError::Api` with `idempotent_replayed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_sees_a_replayed_4xx() {
    use v2026_04_17::checkout::Client;
    let h = start(Setup::default()).await;
    let c = Client::new(core(Client::builder(&h.server.base), TOKEN));
    let mut replays = Vec::new();
    for _ in 0..2 {
        let e = err(
            "cancel unknown",
            c.cancel_checkout_session_with("cs_unknown", None, key("k-404"))
                .await,
        );
        let (status, code, attempts) = api_error("cancel unknown", &e);
        assert_eq!((status, code.as_str(), attempts), (404, "not_found", 1));
        match e {
            ClientError::Api {
                idempotent_replayed,
                ..
            } => replays.push(idempotent_replayed),
            _ => unreachable!(),
        }
    }
    assert_eq!(replays, [false, true]);
    assert_eq!(h.merchant.calls(V0417, "cancel_checkout_session"), 1);
}

/// A call slower than the client's time limit: `ClientError::Timeout` without retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_times_out() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    h.merchant.set_create_delay(Duration::from_millis(1500));
    let c = Client::new(
        Client::builder(&h.server.base)
            .bearer(TOKEN)
            .timeout(Duration::from_millis(300))
            .retry(RetryPolicy::none())
            .build()
            .unwrap(),
    );
    let body: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let started = Instant::now();
    let e = err("slow", c.create_checkout_session(&body).await);
    assert!(
        matches!(e, ClientError::Timeout { attempts: 1 }),
        "expected a timeout, got {e:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1400));
}

/// A timed-out POST is retried with the same key. The spec: a key "never re-runs side effects";
/// while the first request runs, a retry gets `409 idempotency_in_flight`, and once it is done,
/// the replay. So the handler must run once, and the caller end with one `201`.
///
/// Here the first attempt's handler is slow (1 s, once) and the client gives up after 600 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_retries_a_timed_out_post_with_the_same_key() {
    use v2026_04_17::checkout::{CheckoutSessionCreateRequest, Client};
    let h = start(Setup::default()).await;
    let m = &h.merchant;
    m.set_create_delay_once(Duration::from_millis(1000));
    let c = Client::new(
        Client::builder(&h.server.base)
            .bearer(TOKEN)
            .timeout(Duration::from_millis(600))
            .retry(RetryPolicy {
                max_attempts: 6,
                base_delay: Duration::from_millis(50),
                max_delay: Duration::from_millis(1500),
            })
            .build()
            .unwrap(),
    );
    let body: CheckoutSessionCreateRequest = typed(
        "create",
        checkout_example(V0417, "create_checkout_session_request"),
    );
    let r = ok(
        "slow with retries",
        c.create_checkout_session_with(&body, key("k-timeout"))
            .await,
    );
    // Let a first handler that kept running finish.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let report = format!(
        "status {}, attempts {}, replayed {}, handler entered {} time(s), sessions created {}",
        r.status,
        r.attempts,
        r.idempotent_replayed,
        m.calls(V0417, "create_checkout_session"),
        m.session_count()
    );
    println!("timed-out POST retried: {report}");
    assert_eq!(r.status.as_u16(), 201, "{report}");
    assert!(r.attempts >= 2, "{report}");
    assert_eq!(r.idempotency_key.as_deref(), Some("k-timeout"));
    assert_eq!(
        m.last_context(V0417, "create_checkout_session")
            .unwrap()
            .idempotency_key
            .as_deref(),
        Some("k-timeout")
    );
    assert_eq!(
        m.calls(V0417, "create_checkout_session"),
        1,
        "the handler ran again for the same key: the server cancelled the first run when the \
         client's connection closed and released the key ({report})"
    );
    assert!(r.idempotent_replayed, "{report}");
}

/// Nothing listening: `ClientError::Transport` after the configured attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reports_a_transport_failure_after_its_attempts() {
    use v2026_04_17::checkout::Client;
    // A port that was just free.
    let base = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let c = Client::new(core(
        Client::builder(base).retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        }),
        TOKEN,
    ));
    let e = err("refused", c.get_checkout_session("cs_1").await);
    assert!(
        matches!(e, ClientError::Transport { attempts: 3, .. }),
        "expected a transport error after 3 attempts, got {e:?}"
    );
}

/// A core built by hand for a version the server does not register (the generated
/// `Client::builder` cannot produce one): `400 unsupported_api_version`, the error body's
/// `supported_versions` parsed, newest first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_core_of_an_unregistered_version_gets_the_supported_versions() {
    use acp_runtime::client::ClientCore;
    let h = start(Setup::default()).await;
    let generated = v2026_04_17::checkout::Client::builder(&h.server.base)
        .bearer(TOKEN)
        .build()
        .unwrap();
    assert_eq!(generated.api_version(), V0417);
    let c = v2026_04_17::checkout::Client::new(
        ClientCore::builder(&h.server.base, "2025-11-01")
            .bearer(TOKEN)
            .build()
            .unwrap(),
    );
    let e = err("unregistered", c.get_checkout_session("cs_1").await);
    let (status, code, attempts) = api_error("unregistered", &e);
    assert_eq!(
        (status, code.as_str(), attempts),
        (400, "unsupported_api_version", 1)
    );
    assert_eq!(
        e.api_error().unwrap().supported_versions.as_deref(),
        Some(&[V0417, V0130, V0116, V1212, V0929].map(String::from)[..])
    );
    assert_eq!(h.merchant.total_calls(), 0);
}
