//! Every 2026-04-17 API (checkout, delegate_payment, carts, delegate_authentication, feeds)
//! through the generated clients of the `acp` crate, against a running scaffold, over real
//! HTTP. A
//! recording proxy sits between them: every response the scaffold sends is checked afterwards
//! against the schema the spec declares for its operation and status, by the jsonschema crate
//! (through the conformance suite's validator), independently of the generated types.

use std::sync::{Arc, Mutex};

use acp::v2026_04_17::{
    cart, checkout, delegate_authentication as authentication, delegate_payment, feed,
};
use acp_conformance::spec::Op;
use acp_conformance::{MerchantConfig, Profile, VersionSpec};
use acp_runtime::client::{CallOptions, ClientCore, ClientError};
use acp_runtime::versions::Api;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// One exchange the proxy saw.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Clone)]
struct Recorder {
    upstream: String,
    client: reqwest::Client,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

/// A proxy on `port` to `upstream` that records every exchange.
pub async fn recorder(port: u16, upstream: String) -> Arc<Mutex<Vec<Recorded>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Recorder {
        upstream,
        client: reqwest::Client::new(),
        seen: seen.clone(),
    };
    let socket = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move { axum::serve(socket, app).await });
    seen
}

async fn forward(
    State(recorder): State<Recorder>,
    method: Method,
    uri: Uri,
    mut headers: HeaderMap,
    body: Bytes,
) -> Response {
    headers.remove("host");
    headers.remove("content-length");
    let sent = recorder
        .client
        .request(method.clone(), format!("{}{uri}", recorder.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(response) = sent else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status();
    let mut headers = response.headers().clone();
    headers.remove("content-length");
    headers.remove("transfer-encoding");
    let bytes = response.bytes().await.unwrap_or_default();
    recorder.seen.lock().unwrap().push(Recorded {
        method: method.as_str().to_lowercase(),
        path: uri.path().to_string(),
        status: status.as_u16(),
        body: bytes.to_vec(),
    });
    let mut out = Response::builder().status(status);
    for (name, value) in &headers {
        out = out.header(name, value);
    }
    out.body(axum::body::Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

/// Client cores for the proxy at `base_url` with the merchant's key and request signing.
pub fn core(base_url: &str, config: &MerchantConfig) -> ClientCore {
    let mut builder = ClientCore::builder(base_url, "2026-04-17").bearer(&config.merchant.api_key);
    if let Some(key) = acp_conformance::http::signing_key(config).unwrap() {
        builder = builder.signing(key);
    }
    builder.build().unwrap()
}

/// The status and error code of a failed call.
fn refused(error: &ClientError) -> (u16, String) {
    let code = error
        .api_error()
        .map(|e| e.code.clone())
        .unwrap_or_default();
    (error.status().map_or(0, |s| s.as_u16()), code)
}

/// Carts: create, read, replace, idempotent create (replay, and a conflict answered with
/// `conflict_status`, the server profile's), unknown items, cancel (which returns the cart,
/// after which it is gone), unknown ids.
pub async fn carts(core: ClientCore, in_stock: &str, other_item: &str, conflict_status: u16) {
    let client = cart::Client::new(core);
    let body = |items: &[&str]| -> cart::CartCreateRequest {
        serde_json::from_value(json!({
            "line_items": items.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()
        }))
        .unwrap()
    };
    let created = client.create_cart(&body(&[in_stock])).await.unwrap();
    assert_eq!(created.status, 201);
    let id = created.body.id.clone();
    assert_eq!(created.body.line_items.len(), 1);
    let read = client.get_cart(&id).await.unwrap();
    assert_eq!(read.status, 200);
    assert_eq!(read.body.id, id);
    assert_eq!(
        serde_json::to_value(&read.body.totals).unwrap(),
        serde_json::to_value(&created.body.totals).unwrap()
    );

    let replacement: cart::CartUpdateRequest = serde_json::from_value(json!({
        "line_items": [{"id": in_stock}, {"id": other_item}]
    }))
    .unwrap();
    let updated = client.update_cart(&id, &replacement).await.unwrap();
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body.line_items.len(), 2);
    assert_ne!(
        serde_json::to_value(&updated.body.totals).unwrap(),
        serde_json::to_value(&created.body.totals).unwrap(),
        "two items cost more than one"
    );

    // The same key: the same cart, replayed; the same key, another body: a conflict.
    let options = || CallOptions::default().idempotency_key(format!("cart-{id}"));
    let first = client
        .create_cart_with(&body(&[in_stock]), options())
        .await
        .unwrap();
    let again = client
        .create_cart_with(&body(&[in_stock]), options())
        .await
        .unwrap();
    assert_eq!(again.body.id, first.body.id);
    assert!(again.idempotent_replayed && !first.idempotent_replayed);
    let conflict = client
        .create_cart_with(&body(&[other_item]), options())
        .await
        .unwrap_err();
    assert_eq!(
        refused(&conflict),
        (conflict_status, "idempotency_conflict".into())
    );

    // Items the shop does not sell: the spec's 4xx, pointing at the item.
    let unknown = client
        .create_cart(&body(&["item_nobody_sells"]))
        .await
        .unwrap_err();
    let (status, _) = refused(&unknown);
    assert!(matches!(status, 400 | 422), "{unknown}");
    let param = unknown.api_error().and_then(|e| e.param.clone());
    assert_eq!(param.as_deref(), Some("$.line_items[0].id"), "{unknown}");

    // Cancel returns the cart; afterwards it is gone.
    let canceled = client.cancel_cart(&id, None).await.unwrap();
    assert_eq!(
        (canceled.status.as_u16(), canceled.body.id.as_str()),
        (200, id.as_str())
    );
    for gone in [
        client.get_cart(&id).await.map(|_| ()),
        client.update_cart(&id, &replacement).await.map(|_| ()),
        client.cancel_cart(&id, None).await.map(|_| ()),
    ] {
        assert_eq!(refused(&gone.unwrap_err()).0, 404);
    }
    assert_eq!(
        refused(&client.get_cart("cart_nobody_made").await.unwrap_err()).0,
        404
    );
}

/// Checkout with a card delegated through delegate_payment: create with an address, change
/// the shipping option, read, complete (`complete_status`: the server profile's), the order in
/// the completed session, cancel refused afterwards; another session canceled, then refused
/// changes.
pub async fn checkout_flow(
    core: ClientCore,
    psp: ClientCore,
    config: &MerchantConfig,
    merchant_id: &str,
    complete_status: u16,
) {
    use acp_conformance::requests;
    let shape = acp_runtime::versions::facts("2026-04-17")
        .unwrap()
        .request_shape;
    let client = checkout::Client::new(core);
    let vault = delegate_payment::Client::new(psp);
    let item = &config.fixtures.in_stock_item_id;
    let created = client
        .create_checkout_session(&body(requests::create(shape, config, item, true)))
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let session = json_of(&created.body);
    let id = session["id"].as_str().unwrap().to_string();
    assert_eq!(session["status"], "ready_for_payment", "{session}");
    let options = session["fulfillment_options"].as_array().unwrap();
    let other = options.last().unwrap()["id"].as_str().unwrap();
    let updated = client
        .update_checkout_session(&id, &body(requests::select_option(shape, &session, other)))
        .await
        .unwrap();
    assert_eq!(updated.status, 200);
    let session = json_of(&client.get_checkout_session(&id).await.unwrap().body);
    assert_eq!(session["id"], id.as_str());

    let token = vault
        .delegate_payment(&body(requests::delegate(
            config,
            &id,
            &config.payment.card_number,
            merchant_id,
        )))
        .await
        .unwrap();
    assert_eq!(token.status, 201);
    let token = json_of(&token.body)["id"].as_str().unwrap().to_string();
    let completed = client
        .complete_checkout_session(
            &id,
            &body(requests::complete(shape, config, &session, &token)),
        )
        .await
        .unwrap();
    assert_eq!(completed.status, complete_status);
    let completed = json_of(&completed.body);
    assert_eq!(completed["status"], "completed", "{completed}");
    assert!(completed["order"]["id"].is_string(), "{completed}");
    let read = json_of(&client.get_checkout_session(&id).await.unwrap().body);
    assert_eq!(read["status"], "completed");
    let cancel = client.cancel_checkout_session(&id, None).await.unwrap_err();
    assert_eq!(refused(&cancel).0, 405);

    let other = client
        .create_checkout_session(&body(requests::create(shape, config, item, false)))
        .await
        .unwrap();
    let other = json_of(&other.body)["id"].as_str().unwrap().to_string();
    let canceled = client.cancel_checkout_session(&other, None).await.unwrap();
    assert_eq!(json_of(&canceled.body)["status"], "canceled");
    let change: checkout::CheckoutSessionUpdateRequest = body(json!({}));
    let refused_change = client
        .update_checkout_session(&other, &change)
        .await
        .unwrap_err();
    assert!(matches!(refused(&refused_change).0, 400..=499));
    let unknown = client
        .get_checkout_session("cs_nobody_made")
        .await
        .unwrap_err();
    assert_eq!(refused(&unknown).0, 404);
}

/// The states that come with time: an authentication session and a cart made through `now`
/// read, through `later` (the same database served with the clock eight days ahead), as
/// `expired` and as gone (404).
pub async fn expiry(now: ClientCore, later: ClientCore, merchant_id: &str, item: &str) {
    let create: authentication::DelegateAuthenticationCreateRequest = body(json!({
        "merchant_id": merchant_id,
        "amount": {"value": 2500, "currency": "USD"},
        "payment_method": {
            "type": "card", "number": "4242424242424242", "name": "Ada Lovelace",
            "exp_month": "12", "exp_year": "2030"
        }
    }));
    let session = authentication::Client::new(now.clone())
        .create_authentication_session(&create)
        .await
        .unwrap();
    let session_id = json_of(&session.body)["authentication_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let made: cart::CartCreateRequest = body(json!({"line_items": [{"id": item}]}));
    let cart_id = cart::Client::new(now)
        .create_cart(&made)
        .await
        .unwrap()
        .body
        .id;
    let read = authentication::Client::new(later.clone())
        .get_authentication_session(&session_id)
        .await
        .unwrap();
    assert_eq!(json_of(&read.body)["status"], "expired");
    let gone = cart::Client::new(later)
        .get_cart(&cart_id)
        .await
        .unwrap_err();
    assert_eq!(refused(&gone).0, 404);
}

/// A generated request type from JSON.
fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// A generated response as JSON.
fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// delegate_authentication against the sandbox 3-D Secure server: each test card to its end
/// state (frictionless, challenged and passed, challenged and failed, not enrolled), a second
/// authenticate refused, an idempotent create replayed, a bad card and an unknown id refused.
pub async fn authentication(core: ClientCore, merchant_id: &str) {
    let client = authentication::Client::new(core);
    let create = |number: &str| -> authentication::DelegateAuthenticationCreateRequest {
        body(json!({
            "merchant_id": merchant_id,
            "amount": {"value": 2500, "currency": "USD"},
            "payment_method": {
                "type": "card", "number": number, "name": "Ada Lovelace",
                "exp_month": "12", "exp_year": "2030"
            }
        }))
    };
    let authenticate: authentication::DelegateAuthenticationAuthenticateRequest =
        body(json!({"fingerprint_completion": "U"}));
    let status = |session: &Value| session["status"].as_str().unwrap_or("").to_string();

    // Frictionless: authenticated at once, with the result.
    let created = client
        .create_authentication_session(&create("4242424242424242"))
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let id = json_of(&created.body)["authentication_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(status(&json_of(&created.body)), "pending");
    let done = client
        .authenticate_session(&id, &authenticate)
        .await
        .unwrap();
    assert_eq!(status(&json_of(&done.body)), "authenticated");
    let read = json_of(&client.get_authentication_session(&id).await.unwrap().body);
    assert_eq!(status(&read), "authenticated");
    assert_eq!(read["authentication_result"]["trans_status"], "Y", "{read}");
    // A second authenticate has nothing to send.
    let again = client
        .authenticate_session(&id, &authenticate)
        .await
        .unwrap_err();
    assert_eq!(refused(&again), (409, "duplicate_request".into()));

    // Challenged cards: action_required, then the sandbox cardholder's answer.
    let mut challenged = Vec::new();
    for (number, end) in [
        ("4000000000003220", "authenticated"),
        ("4000000000003238", "not_authenticated"),
    ] {
        let created = client
            .create_authentication_session(&create(number))
            .await
            .unwrap();
        let id = json_of(&created.body)["authentication_session_id"]
            .as_str()
            .unwrap()
            .to_string();
        let answer = json_of(
            &client
                .authenticate_session(&id, &authenticate)
                .await
                .unwrap()
                .body,
        );
        assert_eq!(status(&answer), "action_required", "{answer}");
        challenged.push((id, end));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    for (id, end) in challenged {
        loop {
            let read = json_of(&client.get_authentication_session(&id).await.unwrap().body);
            if status(&read) == end {
                break;
            }
            assert_eq!(status(&read), "action_required", "{read}");
            assert!(
                std::time::Instant::now() < deadline,
                "{id} never became {end}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    // Not enrolled: final at once.
    let created = client
        .create_authentication_session(&create("4000000000003055"))
        .await
        .unwrap();
    assert_eq!(status(&json_of(&created.body)), "not_supported");

    // The same key: the same session, replayed.
    let options = || CallOptions::default().idempotency_key(format!("auth-{id}"));
    let first = client
        .create_authentication_session_with(&create("4242424242424242"), options())
        .await
        .unwrap();
    let second = client
        .create_authentication_session_with(&create("4242424242424242"), options())
        .await
        .unwrap();
    assert_eq!(json_of(&first.body), json_of(&second.body));
    assert!(second.idempotent_replayed);

    // A card number that fails its check digit, and an unknown session.
    let bad = client
        .create_authentication_session(&create("4242424242424241"))
        .await
        .unwrap_err();
    assert_eq!(refused(&bad), (400, "invalid_card".into()));
    let param = bad.api_error().and_then(|e| e.param.clone());
    assert_eq!(param.as_deref(), Some("$.payment_method.number"));
    let unknown = client
        .get_authentication_session("auth_session_nobody_made")
        .await
        .unwrap_err();
    assert_eq!(refused(&unknown).0, 404);
}

/// Feeds: create and read a feed, upsert products (then replace one), read the whole set in
/// id order, a product the spec refuses at its JSONPath (and nothing written), unknown feeds.
pub async fn feeds(core: ClientCore) {
    let raw = core.clone();
    let client = feed::Client::new(core);
    let created = client
        .create_feed(&body(json!({"target_country": "US"})))
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let id = json_of(&created.body)["id"].as_str().unwrap().to_string();
    assert_eq!(client.get_feed(&id).await.unwrap().status, 200);
    let product = |id: &str, title: &str| json!({"id": id, "title": title, "variants": [{"id": format!("{id}-1"), "title": title}]});
    let upsert: feed::UpsertProductsRequest =
        body(json!({"products": [product("prod_b", "Tee"), product("prod_a", "Mug")]}));
    let upserted = client.upsert_feed_products(&id, &upsert).await.unwrap();
    assert_eq!(json_of(&upserted.body)["accepted"], true);
    let renamed: feed::UpsertProductsRequest =
        body(json!({"products": [product("prod_a", "Camp mug")]}));
    client.upsert_feed_products(&id, &renamed).await.unwrap();
    let listed = json_of(&client.get_feed_products(&id).await.unwrap().body);
    let titles: Vec<(&str, &str)> = listed["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["title"].as_str().unwrap()))
        .collect();
    assert_eq!(titles, [("prod_a", "Camp mug"), ("prod_b", "Tee")]);
    // A variant without its required title: refused where it is, nothing written.
    let broken = json!({"products": [
        product("prod_c", "Cap"),
        {"id": "prod_d", "variants": [{"id": "prod_d-1"}]}
    ]});
    let sent = client
        .upsert_feed_products_with(&id, &body(json!({"products": []})), CallOptions::default())
        .await;
    assert_eq!(refused(&sent.unwrap_err()).0, 400, "an empty upsert");
    let core_error = raw_upsert(&raw, &id, broken).await;
    assert_eq!(core_error.0, 400);
    assert_eq!(
        core_error.1.as_deref(),
        Some("$.products[1].variants[0].title")
    );
    let listed = json_of(&client.get_feed_products(&id).await.unwrap().body);
    assert_eq!(listed["products"].as_array().unwrap().len(), 2);
    assert_eq!(
        refused(&client.get_feed("feed_nobody_made").await.unwrap_err()).0,
        404
    );
    assert_eq!(
        refused(
            &client
                .get_feed_products("feed_nobody_made")
                .await
                .unwrap_err()
        )
        .0,
        404
    );
}

/// A body the generated type cannot hold (it is invalid) sent through a client core of the
/// same settings: the status and `param` of the refusal.
async fn raw_upsert(core: &ClientCore, id: &str, body: Value) -> (u16, Option<String>) {
    let path = format!(
        "/feeds/{}/products",
        acp_runtime::client::encode_path_segment(id)
    );
    let error = core
        .call::<Value, Value>(
            acp_runtime::client::Method::PATCH,
            &path,
            Some(&body),
            CallOptions::default(),
        )
        .await
        .unwrap_err();
    (
        error.status().map_or(0, |s| s.as_u16()),
        error.api_error().and_then(|e| e.param.clone()),
    )
}

/// Every recorded response against the schema its operation declares for its status: an
/// undeclared status or a body the schema refuses is a failure, listed. A server of the
/// launch-checklist `profile` answers complete with the checklist's 201, judged against the
/// spec's success answer.
pub fn validate_recorded(spec: &VersionSpec, profile: Profile, seen: &[Recorded]) -> Vec<String> {
    let mut problems = Vec::new();
    for exchange in seen {
        let Some(op) = operation_of(spec, &exchange.method, &exchange.path) else {
            problems.push(format!(
                "{} {}: no such operation",
                exchange.method, exchange.path
            ));
            continue;
        };
        let mut exchange = exchange.clone();
        let checklist_complete = profile == Profile::LaunchChecklist
            && op.path.ends_with("/complete")
            && exchange.status == acp_runtime::versions::checklist::COMPLETE_STATUS;
        if checklist_complete {
            exchange.status = spec.success_status(op).unwrap_or(exchange.status);
        }
        // Protocol answers (auth, version, not found, idempotency) the spec forgot to declare
        // on an operation are judged against the API's error shape.
        let protocol = matches!(exchange.status, 400 | 401 | 404 | 409 | 422);
        let schema = spec.response_schema(op, exchange.status).or_else(|| {
            protocol
                .then(|| api_error_schema(spec, op.api, exchange.status))
                .flatten()
        });
        if schema.is_none() && !spec.declares_status(op, exchange.status) {
            problems.push(format!(
                "{} {}: status {} is not declared",
                exchange.method, exchange.path, exchange.status
            ));
            continue;
        }
        let Some(schema) = schema else {
            continue;
        };
        let body: Value = match serde_json::from_slice(&exchange.body) {
            Ok(body) => body,
            Err(e) => {
                problems.push(format!(
                    "{} {}: not JSON: {e}",
                    exchange.method, exchange.path
                ));
                continue;
            }
        };
        // The versioning RFC's member on version errors; the closed schemas do not list it.
        let mut judged = body.clone();
        if let Some(members) = judged.as_object_mut() {
            members.remove("supported_versions");
        }
        // The suite's spec-gap rule: where an API's closed `Error.code` enum has no code for a
        // protocol answer (delegate_authentication's codes are card and idempotency ones: no
        // `not_found`), the code is not judged.
        let gap = |error: &String| {
            protocol && error.starts_with("/code: ") && error.contains("is not one of")
        };
        for error in spec
            .validate(&schema, &judged)
            .into_iter()
            .filter(|e| !gap(e))
        {
            problems.push(format!(
                "{} {} {}: {error}",
                exchange.method, exchange.path, exchange.status
            ));
        }
    }
    problems
}

/// The schema another operation of `api` declares for `status`, else for its 400.
fn api_error_schema(spec: &VersionSpec, api: Api, status: u16) -> Option<String> {
    let ops: Vec<Op> = spec
        .ir()
        .modules
        .iter()
        .filter(|m| m.spec == api.spec_name())
        .flat_map(|m| &m.operations)
        .map(|operation| Op {
            api,
            path: Box::leak(operation.path.clone().into_boxed_str()),
            method: Box::leak(operation.method.to_lowercase().into_boxed_str()),
        })
        .collect();
    [status, 400]
        .into_iter()
        .find_map(|status| ops.iter().find_map(|op| spec.response_schema(*op, status)))
}

/// The operation whose path template matches `path`.
fn operation_of(spec: &VersionSpec, method: &str, path: &str) -> Option<Op> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    for module in &spec.ir().modules {
        let Some(api) = Api::ALL.into_iter().find(|a| a.spec_name() == module.spec) else {
            continue;
        };
        for operation in &module.operations {
            let template: Vec<&str> = operation.path.trim_matches('/').split('/').collect();
            let matches = template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s);
            if matches && operation.method.eq_ignore_ascii_case(method) {
                return Some(Op {
                    api,
                    path: Box::leak(operation.path.clone().into_boxed_str()),
                    method: Box::leak(operation.method.to_lowercase().into_boxed_str()),
                });
            }
        }
    }
    None
}
