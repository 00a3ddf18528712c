//! The MCP binding of a running 2026-04-17 scaffold: the generated `McpClient` through every
//! tool (a whole checkout, errors, idempotent replays, REST and MCP reading each other's
//! sessions), and the official Python MCP SDK as an independent client.

use acp::v2026_04_17::{checkout, checkout_mcp, delegate_payment};
use acp_codegen::mcp::has_ref;
use acp_conformance::{requests, MerchantConfig};
use acp_runtime::client::{CallOptions, ClientCore};
use acp_runtime::mcp::McpCallError;
use serde_json::{json, Value};

const VERSION: &str = "2026-04-17";

/// The method names of the version's OpenRPC file, read from the file itself.
pub fn openrpc_methods() -> Vec<String> {
    let root = acp_specs::resolve_spec_root(None).unwrap();
    let path = root.join(format!(
        "spec/{VERSION}/openrpc/openrpc.agentic_checkout.json"
    ));
    let document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut names: Vec<String> = document["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn connect(url: &str, config: &MerchantConfig) -> checkout_mcp::McpClient {
    let mut builder = checkout_mcp::McpClient::builder(url).api_key(&config.merchant.api_key);
    if let Some(key) = acp_conformance::http::signing_key(config).unwrap() {
        builder = builder.signing(key);
    }
    checkout_mcp::McpClient::new(builder.connect().await.unwrap())
}

fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// The ACP error of a failed call: it must have come as `-32000` with the `Error` in `data`.
fn acp_error(error: McpCallError) -> acp_runtime::client::ApiErrorBody {
    match error {
        McpCallError::Acp { error } => *error,
        other => panic!("not an ACP error (-32000 with the Error in data): {other}"),
    }
}

/// Every tool through the generated client: listing (bundled schemas), a whole checkout
/// (create → update → complete with a card delegated over REST), get, cancel without a
/// payload, errors (unknown id, invalid payload, a canceled session refused), idempotent
/// replay and conflict through `meta.idempotency_key`, and sessions made over REST read over
/// MCP and the reverse.
pub async fn through_the_generated_client(
    url: &str,
    config: &MerchantConfig,
    rest: ClientCore,
    psp: ClientCore,
) {
    let shape = acp_runtime::versions::facts(VERSION).unwrap().request_shape;
    let item = &config.fixtures.in_stock_item_id;
    let mcp = connect(url, config).await;
    let rest = checkout::Client::new(rest);

    let tools = mcp.core().list_tools().await.unwrap();
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(names, openrpc_methods());
    for tool in &tools {
        let input = Value::Object((*tool.input_schema).clone());
        assert!(!has_ref(&input), "{}: {input}", tool.name);
        assert_eq!(input["required"][0], "meta", "{}", tool.name);
        let output = tool.output_schema.as_ref().expect("an output schema");
        assert!(
            !has_ref(&Value::Object((**output).clone())),
            "{}",
            tool.name
        );
    }

    // A whole checkout over MCP.
    let created = mcp
        .create_checkout_session(&body(requests::create(shape, config, item, true)))
        .await
        .unwrap();
    let session = json_of(&created.body);
    let id = session["id"].as_str().unwrap().to_string();
    assert_eq!(session["status"], "ready_for_payment", "{session}");
    let options = session["fulfillment_options"].as_array().unwrap();
    let other = options.last().unwrap()["id"].as_str().unwrap();
    let updated = mcp
        .update_checkout_session(&id, &body(requests::select_option(shape, &session, other)))
        .await
        .unwrap();
    let session = json_of(&updated.body);
    assert_eq!(session["id"], id.as_str());
    let token = delegate_payment::Client::new(psp)
        .delegate_payment(&body(requests::delegate(
            config,
            &id,
            &config.payment.card_number,
            "127.0.0.1",
        )))
        .await
        .unwrap();
    let token = json_of(&token.body)["id"].as_str().unwrap().to_string();
    let completed = mcp
        .complete_checkout_session(
            &id,
            &body(requests::complete(shape, config, &session, &token)),
        )
        .await
        .unwrap();
    let completed = json_of(&completed.body);
    assert_eq!(completed["status"], "completed", "{completed}");
    assert!(completed["order"]["id"].is_string(), "{completed}");

    // REST reads what MCP made, and the reverse.
    let over_rest = json_of(&rest.get_checkout_session(&id).await.unwrap().body);
    assert_eq!(over_rest["status"], "completed");
    assert_eq!(over_rest["id"], id.as_str());
    let made_over_rest = rest
        .create_checkout_session(&body(requests::create(shape, config, item, false)))
        .await
        .unwrap();
    let rest_id = made_over_rest.body.id.clone();
    let over_mcp = mcp.get_checkout_session(&rest_id).await.unwrap();
    assert_eq!(json_of(&over_mcp.body), json_of(&made_over_rest.body));

    // Cancel without a payload, then the canceled session refuses changes.
    let canceled = mcp.cancel_checkout_session(&rest_id, None).await.unwrap();
    assert_eq!(json_of(&canceled.body)["status"], "canceled");
    let again = mcp
        .cancel_checkout_session(&rest_id, None)
        .await
        .unwrap_err();
    assert_eq!(acp_error(again).error_type, "invalid_request");

    // Errors come as -32000 with the ACP Error in data.
    let unknown = acp_error(
        mcp.get_checkout_session("cs_nobody_made")
            .await
            .unwrap_err(),
    );
    assert!(
        !unknown.code.is_empty() && !unknown.message.is_empty(),
        "{unknown:?}"
    );
    let unsold = requests::create(shape, config, "item_nobody_sells", false);
    let refused = acp_error(
        mcp.create_checkout_session(&body(unsold))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        refused.param.as_deref(),
        Some("$.line_items[0].id"),
        "{refused:?}"
    );

    // Idempotency through meta.idempotency_key: replay, then a conflict.
    let key = format!("mcp-replay-{}-{}", std::process::id(), id);
    let request = body(requests::create(shape, config, item, false));
    let first = mcp
        .create_checkout_session_with(&request, CallOptions::default().idempotency_key(&key))
        .await
        .unwrap();
    let replay = mcp
        .create_checkout_session_with(&request, CallOptions::default().idempotency_key(&key))
        .await
        .unwrap();
    assert_eq!(first.body.id, replay.body.id);
    assert!(!first.idempotent_replayed && replay.idempotent_replayed);
    let different = body(requests::create(shape, config, item, true));
    let conflict = mcp
        .create_checkout_session_with(&different, CallOptions::default().idempotency_key(&key))
        .await
        .unwrap_err();
    assert_eq!(acp_error(conflict).code, "idempotency_conflict");
}

/// What the Python client needs: where to call, keys, and the request bodies (the session id
/// and the token are filled in as they are made).
pub fn python_plan(url: &str, base_url: &str, config: &MerchantConfig) -> Value {
    let shape = acp_runtime::versions::facts(VERSION).unwrap().request_shape;
    let item = &config.fixtures.in_stock_item_id;
    let create = requests::create(shape, config, item, true);
    // `complete` reads the payment handler from a session; every session of the scaffold
    // offers the same.
    let handlers = json!({"capabilities": {"payment": {"handlers": [{"id": "card_tokenized"}]}}});
    let hmac_key = match (
        &config.signing,
        acp_conformance::http::signing_key(config).unwrap(),
    ) {
        (Some(signing), Some(acp_runtime::signing::SigningKey::Hmac(_))) => {
            json!(signing.key.clone())
        }
        (_, None) => Value::Null,
        _ => panic!("the Python client signs with HMAC only"),
    };
    json!({
        "url": url,
        "version": VERSION,
        "api_key": config.merchant.api_key,
        "hmac_key": hmac_key,
        "create_payload": create,
        "delegate": {
            "url": format!("{base_url}/agentic_commerce/delegate_payment"),
            "api_key": config.payment.psp_key.clone().unwrap_or_else(|| config.merchant.api_key.clone()),
            "body": requests::delegate(config, "__SESSION__", &config.payment.card_number, "127.0.0.1"),
        },
        "complete_payload": requests::complete(shape, config, &handlers, "__TOKEN__"),
    })
}

/// Runs the Python client (`ACP_TEST_MCP_PYTHON`: a Python with the `mcp` package, made by
/// `scripts/test-python.sh`) on `plan` and returns its report.
pub fn independent_client(plan: &Value) -> Value {
    use std::io::Write as _;
    let python = std::env::var("ACP_TEST_MCP_PYTHON").unwrap_or_else(|_| {
        panic!(
            "ACP_TEST_MCP_PYTHON is not set: run `export ACP_TEST_MCP_PYTHON=$(scripts/test-python.sh)` \
             (a venv with the official MCP SDK), as .ci/run does"
        )
    });
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scaffold_support/mcp_client.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(plan.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Python MCP client failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// How a broken MCP endpoint breaks the binding's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpFault {
    /// ACP errors come as -32000 with the Error in the message text, not in `data`.
    ErrorOutsideData,
    /// A call of a tool whose payload is optional is refused (-32602) unless it carries
    /// `payload` (even `null`).
    RequiresNullPayload,
}

#[derive(Clone)]
struct Breaker {
    upstream: String,
    client: reqwest::Client,
    fault: McpFault,
}

/// A proxy on `port` to the scaffold at `upstream` whose `/mcp` has `fault`; everything else
/// passes unchanged.
pub async fn broken_endpoint(port: u16, upstream: String, fault: McpFault) {
    let state = Breaker {
        upstream,
        client: reqwest::Client::new(),
        fault,
    };
    let socket = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let app = axum::Router::new().fallback(relay).with_state(state);
    tokio::spawn(async move { axum::serve(socket, app).await });
}

async fn relay(
    axum::extract::State(breaker): axum::extract::State<Breaker>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    mut headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let is_mcp = uri.path() == "/mcp";
    if is_mcp && breaker.fault == McpFault::RequiresNullPayload {
        let message: Value = serde_json::from_slice(&body).unwrap_or_default();
        let params = &message["params"];
        let optional_payload = params["name"] == "cancel_checkout_session";
        if optional_payload && params["arguments"].get("payload").is_none() {
            let refused = json!({"jsonrpc": "2.0", "id": message["id"], "error": {
                "code": -32602, "message": "`payload` is required (send null for none)"}});
            let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
            return (json, refused.to_string()).into_response();
        }
    }
    headers.remove("host");
    headers.remove("content-length");
    let sent = breaker
        .client
        .request(method, format!("{}{uri}", breaker.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(response) = sent else {
        return axum::http::StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status();
    let mut headers = response.headers().clone();
    headers.remove("content-length");
    headers.remove("transfer-encoding");
    let mut bytes = response.bytes().await.unwrap_or_default().to_vec();
    if is_mcp && breaker.fault == McpFault::ErrorOutsideData {
        if let Ok(mut message) = serde_json::from_slice::<Value>(&bytes) {
            if let Some(error) = message.get_mut("error").and_then(Value::as_object_mut) {
                if let Some(data) = error.remove("data") {
                    error.insert("message".into(), data.to_string().into());
                }
            }
            bytes = message.to_string().into_bytes();
        }
    }
    let mut out = axum::response::Response::builder().status(status);
    for (name, value) in &headers {
        out = out.header(name, value);
    }
    out.body(axum::body::Body::from(bytes))
        .unwrap_or_else(|_| axum::http::StatusCode::BAD_GATEWAY.into_response())
}
