//! The 2026-04-17 APIs beyond checkout (carts, delegate_authentication, feeds) through the
//! generated clients of the `acp` crate, against a running scaffold, over real HTTP. A
//! recording proxy sits between them: every response the scaffold sends is checked afterwards
//! against the schema the spec declares for its operation and status, by the jsonschema crate
//! (through the conformance suite's validator), independently of the generated types.

use std::sync::{Arc, Mutex};

use acp::v2026_04_17::cart;
use acp_conformance::spec::Op;
use acp_conformance::{MerchantConfig, VersionSpec};
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

/// Every recorded response against the schema its operation declares for its status: an
/// undeclared status or a body the schema refuses is a failure, listed.
pub fn validate_recorded(spec: &VersionSpec, seen: &[Recorded]) -> Vec<String> {
    let mut problems = Vec::new();
    for exchange in seen {
        let Some(op) = operation_of(spec, &exchange.method, &exchange.path) else {
            problems.push(format!(
                "{} {}: no such operation",
                exchange.method, exchange.path
            ));
            continue;
        };
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
        for error in spec.validate(&schema, &judged) {
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
