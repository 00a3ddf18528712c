//! The MCP binding (`acp_runtime::mcp`) end to end: a small hand-written tool table over
//! hand-written axum routes, served beside REST by `AcpServerBuilder::mcp` on a loopback port,
//! and called both through `McpClientCore` and as raw JSON-RPC over Streamable HTTP (to send
//! envelopes no client would, and to see the wire format).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use acp_runtime::client::{ApiErrorBody, CallOptions};
use acp_runtime::mcp::{
    McpCallError, McpClientCore, McpOptions, McpResponse, Payload, Tool, ACP_ERROR_CODE,
    INVALID_PARAMS_CODE,
};
use acp_runtime::server::{
    AcpJson, AcpOptionalJson, AcpServer, AcpServerBuilder, ApiError, RequestContext, ServeLimits,
    StaticTokens,
};
use acp_runtime::signing::{SignatureVerifier, SigningKey};
use acp_runtime::{Validate, Validator};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

const VERSION: &str = "2026-04-17";
const OLDER: &str = "2026-01-30";
const TOKEN: &str = "sk_test_mcp";
const IDENTITY: &str = "agent-a";
/// The MCP revision the raw JSON-RPC requests ask for.
const PROTOCOL: &str = "2025-06-18";

// ---------------------------------------------------------------------------------------------
// The tool table and the API behind it
// ---------------------------------------------------------------------------------------------

const CREATE_INPUT: &str = r#"{"type":"object","properties":{"meta":{"type":"object","properties":{"api_version":{"type":"string"},"idempotency_key":{"type":"string"}},"required":["api_version"]},"payload":{"type":"object","properties":{"name":{"type":"string"},"quantity":{"type":"integer","minimum":1}},"required":["name"]}},"required":["meta","payload"],"additionalProperties":false}"#;
const GET_INPUT: &str = r#"{"type":"object","properties":{"meta":{"type":"object","properties":{"api_version":{"type":"string"}},"required":["api_version"]},"id":{"type":"string","minLength":1}},"required":["meta","id"],"additionalProperties":false}"#;
const CANCEL_INPUT: &str = r#"{"type":"object","properties":{"meta":{"type":"object","properties":{"api_version":{"type":"string"}},"required":["api_version"]},"id":{"type":"string","minLength":1},"payload":{"type":"object","properties":{"reason":{"type":"string"}}}},"required":["meta","id"],"additionalProperties":false}"#;
const WIDGET_OUTPUT: &str = r#"{"type":"object","properties":{"id":{"type":"string"},"seen":{"type":"object"}},"required":["id"]}"#;

static TOOLS: &[Tool] = &[
    Tool {
        name: "create_widget",
        title: Some("Create a widget"),
        description: "Creates a widget from the payload.",
        input_schema: CREATE_INPUT,
        output_schema: Some(WIDGET_OUTPUT),
        method: "POST",
        path: "/widgets",
        takes_id: false,
        payload: Payload::Required,
    },
    Tool {
        name: "get_widget",
        title: Some("Get a widget"),
        description: "Returns the widget with this id.",
        input_schema: GET_INPUT,
        output_schema: Some(WIDGET_OUTPUT),
        method: "GET",
        path: "/widgets/{widget_id}",
        takes_id: true,
        payload: Payload::Absent,
    },
    Tool {
        name: "cancel_widget",
        title: None,
        description: "Cancels a widget, with an optional reason.",
        input_schema: CANCEL_INPUT,
        output_schema: None,
        method: "POST",
        path: "/widgets/{widget_id}/cancel",
        takes_id: true,
        payload: Payload::Optional,
    },
];

fn tool(name: &str) -> &'static Tool {
    TOOLS.iter().find(|t| t.name == name).unwrap()
}

/// How often each handler ran.
#[derive(Default)]
struct Api {
    creates: AtomicUsize,
    gets: AtomicUsize,
    cancels: AtomicUsize,
}

impl Api {
    fn creates(&self) -> usize {
        self.creates.load(Ordering::SeqCst)
    }
    fn total(&self) -> usize {
        self.creates() + self.gets.load(Ordering::SeqCst) + self.cancels.load(Ordering::SeqCst)
    }
}

/// What a handler received, echoed in its answer.
fn seen(context: &RequestContext, id: Option<&str>, body: Option<Value>) -> Value {
    let header = |name: &str| {
        context
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    json!({
        "id": id,
        "api_version": context.api_version,
        "identity": context.identity,
        "request_id": context.request_id,
        "idempotency_key": context.idempotency_key,
        "accept_language": context.accept_language,
        "user_agent": header("user-agent"),
        "content_type": header("content-type"),
        "body": body,
    })
}

async fn create_widget(
    State(api): State<Arc<Api>>,
    context: RequestContext,
    AcpJson(body): AcpJson<Value>,
) -> Result<Response, ApiError> {
    if !body["name"].is_string() {
        return Err(
            ApiError::invalid_request("invalid", "$.name must be a string.").with_param("$.name"),
        );
    }
    let n = api.creates.fetch_add(1, Ordering::SeqCst) + 1;
    let widget = json!({
        "id": format!("w_{n}"),
        "seen": seen(&context, None, Some(body)),
    });
    Ok((StatusCode::CREATED, AcpJson(widget)).into_response())
}

async fn get_widget(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    context: RequestContext,
) -> Result<AcpJson<Value>, ApiError> {
    api.gets.fetch_add(1, Ordering::SeqCst);
    if !id.starts_with("w_") {
        return Err(ApiError::not_found(format!("No widget {id}.")));
    }
    Ok(AcpJson(
        json!({ "id": id, "seen": seen(&context, Some(&id), None) }),
    ))
}

async fn cancel_widget(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    context: RequestContext,
    AcpOptionalJson(body): AcpOptionalJson<Value>,
) -> Result<AcpJson<Value>, ApiError> {
    api.cancels.fetch_add(1, Ordering::SeqCst);
    if id == "w_shipped" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_request",
            "widget_shipped",
            "Widget w_shipped has shipped and cannot be canceled.",
        )
        .with_param("$.id"));
    }
    if !id.starts_with("w_") {
        return Err(ApiError::not_found(format!("No widget {id}.")));
    }
    Ok(AcpJson(json!({
        "id": id,
        "status": "canceled",
        "payload_given": body.is_some(),
        "seen": seen(&context, Some(&id), body),
    })))
}

fn routes(api: Arc<Api>) -> Router {
    Router::new()
        .route("/widgets", post(create_widget))
        .route("/widgets/{widget_id}", get(get_widget))
        .route("/widgets/{widget_id}/cancel", post(cancel_widget))
        .with_state(api)
}

fn shop(api: &Arc<Api>) -> AcpServerBuilder {
    AcpServer::builder()
        .version(VERSION, routes(api.clone()))
        .version(OLDER, routes(api.clone()))
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            IDENTITY.to_string(),
        )]))
        .mcp(McpOptions::new("/mcp", TOOLS).name("widget-shop"))
}

/// Serves `builder` on a loopback port; the base URL.
async fn start(builder: AcpServerBuilder) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(acp_runtime::server::serve(
        listener,
        builder.build(),
        ServeLimits::default(),
    ));
    format!("http://{address}")
}

/// A fresh shop, served; its handlers' counters and the MCP endpoint's URL.
async fn started() -> (Arc<Api>, String) {
    let api = Arc::new(Api::default());
    let base = start(shop(&api)).await;
    (api, format!("{base}/mcp"))
}

async fn client(url: &str, version: &str) -> McpClientCore {
    McpClientCore::builder(url, version)
        .api_key(TOKEN)
        .connect()
        .await
        .unwrap()
}

/// A result type with its own validation (the client validates every result).
#[derive(Debug, Deserialize)]
struct Widget {
    id: String,
    seen: Value,
}

impl Validate for Widget {
    fn validate(&self, validator: &mut Validator) {
        validator.at_key("id", |v| {
            if !self.id.starts_with("w_") {
                v.error("must start with w_");
            }
        });
    }
}

/// What a cancel answers; `get_widget`'s answer lacks `status`.
#[derive(Debug, Deserialize)]
struct Canceled {
    #[allow(dead_code)]
    id: String,
    status: String,
}

impl Validate for Canceled {
    fn validate(&self, _: &mut Validator) {}
}

/// Any widget, validated to have an id without spaces.
#[derive(Debug, Deserialize)]
struct NoSpaces {
    id: String,
}

impl Validate for NoSpaces {
    fn validate(&self, validator: &mut Validator) {
        validator.at_key("id", |v| {
            if self.id.contains(' ') {
                v.error("must have no spaces");
            }
        });
    }
}

fn acp_error<T: std::fmt::Debug>(result: Result<McpResponse<T>, McpCallError>) -> ApiErrorBody {
    match result {
        Err(McpCallError::Acp { error }) => *error,
        other => panic!("expected an ACP error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Raw JSON-RPC over Streamable HTTP
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): HTTP {} {}", self.status, self.text))
    }
}

/// Posts one JSON-RPC message to `url`; `authorization` is the whole header value, `host` a
/// `Host` to send instead of the URL's.
async fn post_rpc(
    url: &str,
    authorization: Option<&str>,
    host: Option<&str>,
    message: &Value,
) -> Reply {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json")
        .body(message.to_string());
    if message["method"] != "initialize" {
        request = request.header("MCP-Protocol-Version", PROTOCOL);
    }
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    if let Some(host) = host {
        request = request.header("Host", host);
    }
    let response = request.send().await.unwrap();
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

fn initialize_message() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "acp-runtime-tests", "version": "0"},
        },
    })
}

/// A raw JSON-RPC connection with the right key: initialized, then one request per call.
struct Raw {
    url: String,
    bearer: String,
    next_id: u64,
}

impl Raw {
    async fn connect(url: &str) -> Raw {
        let bearer = format!("Bearer {TOKEN}");
        let reply = post_rpc(url, Some(&bearer), None, &initialize_message()).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let answer = reply.json();
        assert!(answer["result"]["protocolVersion"].is_string(), "{answer}");
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let reply = post_rpc(url, Some(&bearer), None, &initialized).await;
        assert!((200..300).contains(&reply.status), "{reply:?}");
        Raw {
            url: url.to_string(),
            bearer,
            next_id: 1,
        }
    }

    /// The JSON-RPC response to `method` (sent as JSON, not an event stream).
    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let reply = post_rpc(&self.url, Some(&self.bearer), None, &message).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{reply:?}"
        );
        let answer = reply.json();
        assert_eq!(answer["id"], json!(id), "{answer}");
        answer
    }

    async fn call(&mut self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
    }
}

/// The `error` of a JSON-RPC response that must have failed with `code`.
fn rpc_error(answer: &Value, code: i32) -> &Value {
    assert!(
        answer.get("result").is_none(),
        "expected an error: {answer}"
    );
    let error = &answer["error"];
    assert_eq!(error["code"], json!(code), "{answer}");
    error
}

fn meta() -> Value {
    json!({ "api_version": VERSION })
}

// ---------------------------------------------------------------------------------------------
// tools/list
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tools_list_names_exactly_the_tables_tools_with_their_schemas() {
    let (api, url) = started().await;
    let client = client(&url, VERSION).await;
    let listed = client.list_tools().await.unwrap();

    let names: Vec<&str> = listed.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["create_widget", "get_widget", "cancel_widget"]);
    for (listed, tool) in listed.iter().zip(TOOLS) {
        let input: Value = serde_json::from_str(tool.input_schema).unwrap();
        assert_eq!(
            Value::Object(listed.input_schema.as_ref().clone()),
            input,
            "{}",
            tool.name
        );
        let output = tool
            .output_schema
            .map(|s| serde_json::from_str::<Value>(s).unwrap());
        assert_eq!(
            listed
                .output_schema
                .as_ref()
                .map(|s| Value::Object(s.as_ref().clone())),
            output,
            "{}",
            tool.name
        );
        assert_eq!(listed.title.as_deref(), tool.title, "{}", tool.name);
        assert_eq!(
            listed.description.as_deref(),
            Some(tool.description),
            "{}",
            tool.name
        );
    }

    // The same list on the wire, with the server's name from the options.
    let reply = post_rpc(
        &url,
        Some(&format!("Bearer {TOKEN}")),
        None,
        &initialize_message(),
    )
    .await;
    assert_eq!(reply.json()["result"]["serverInfo"]["name"], "widget-shop");
    let mut raw = Raw::connect(&url).await;
    let answer = raw.request("tools/list", json!({})).await;
    let tools = answer["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 3, "{answer}");
    assert_eq!(tools[1]["name"], "get_widget");
    assert_eq!(
        tools[1]["inputSchema"],
        serde_json::from_str::<Value>(GET_INPUT).unwrap()
    );
    assert!(tools[2].get("outputSchema").is_none(), "{answer}");
    // Listing runs no handler.
    assert_eq!(api.total(), 0);
}

// ---------------------------------------------------------------------------------------------
// meta, id and payload become the REST request
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn meta_becomes_headers_the_id_one_path_segment_and_the_payload_the_body() {
    let (api, url) = started().await;
    let client = client(&url, VERSION).await;

    let fetched: McpResponse<Widget> = client
        .call::<(), _>(
            tool("get_widget"),
            Some("w_1/part two"),
            None,
            CallOptions::default()
                .request_id("req-42")
                .header("Accept-Language", "fr-CA"),
        )
        .await
        .unwrap();
    assert_eq!(fetched.body.id, "w_1/part two");
    let seen = &fetched.body.seen;
    assert_eq!(seen["id"], "w_1/part two");
    assert_eq!(seen["api_version"], VERSION);
    assert_eq!(seen["identity"], IDENTITY);
    assert_eq!(seen["request_id"], "req-42");
    assert_eq!(seen["accept_language"], "fr-CA");
    // A GET gets no idempotency key and no body.
    assert_eq!(seen["idempotency_key"], Value::Null);
    assert_eq!(seen["content_type"], Value::Null);
    assert_eq!(fetched.request_id.as_deref(), Some("req-42"));
    assert!(!fetched.idempotent_replayed);
    assert_eq!(fetched.idempotency_key, None);

    // The payload arrives as the JSON body, member for member; a POST gets a fresh key.
    let payload =
        json!({ "name": "bolt", "quantity": 3, "spec": { "z": 1.5, "a": [1, "two", null] } });
    let created: McpResponse<Widget> = client
        .call(
            tool("create_widget"),
            None,
            Some(&payload),
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(created.body.id, "w_1");
    assert_eq!(created.body.seen["body"], payload);
    assert_eq!(created.body.seen["content_type"], "application/json");
    assert_eq!(created.body.seen["id"], Value::Null);
    let key = created.idempotency_key.clone().unwrap();
    assert_eq!(key.len(), 36, "a UUID: {key}");
    assert_eq!(created.body.seen["idempotency_key"], key.as_str());
    assert_eq!(created.request_id, None);

    // An id of other reserved characters, and an optional payload given.
    let canceled: McpResponse<Value> = client
        .call(
            tool("cancel_widget"),
            Some("w_?#%"),
            Some(&json!({ "reason": "changed my mind" })),
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(canceled.body["id"], "w_?#%");
    assert_eq!(canceled.body["payload_given"], true);
    assert_eq!(
        canceled.body["seen"]["body"],
        json!({ "reason": "changed my mind" })
    );

    // The client's API version is what the handler negotiates.
    let older = McpClientCore::builder(&url, OLDER)
        .api_key(TOKEN)
        .connect()
        .await
        .unwrap();
    let fetched: McpResponse<Widget> = older
        .call::<(), _>(
            tool("get_widget"),
            Some("w_2"),
            None,
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(fetched.body.seen["api_version"], OLDER);
    assert_eq!(api.total(), 4);

    // Raw meta members become their headers (`user_agent` too); unknown members are ignored.
    let mut raw = Raw::connect(&url).await;
    let answer = raw
        .call(
            "get_widget",
            json!({
                "meta": {
                    "api_version": VERSION,
                    "request_id": "raw-1",
                    "accept_language": "de",
                    "user_agent": "raw-agent/1.0",
                    "unknown_member": "ignored",
                },
                "id": "w_ 3",
            }),
        )
        .await;
    let result = &answer["result"];
    let seen = &result["structuredContent"]["seen"];
    assert_eq!(seen["id"], "w_ 3", "{answer}");
    assert_eq!(seen["request_id"], "raw-1");
    assert_eq!(seen["accept_language"], "de");
    assert_eq!(seen["user_agent"], "raw-agent/1.0");
    assert_eq!(result["_meta"]["request_id"], "raw-1", "{answer}");
    assert_eq!(result["isError"], json!(false), "{answer}");
}

#[tokio::test]
async fn a_result_that_is_not_the_expected_type_is_unexpected() {
    let (_, url) = started().await;
    let client = client(&url, VERSION).await;
    // `get_widget` answers no `status`.
    let result = client
        .call::<(), Canceled>(
            tool("get_widget"),
            Some("w_1"),
            None,
            CallOptions::default(),
        )
        .await;
    match result {
        Err(McpCallError::UnexpectedResult { tool, result, .. }) => {
            assert_eq!(tool, "get_widget");
            assert_eq!(result["id"], "w_1");
        }
        other => panic!("expected an unexpected result, got {other:?}"),
    }
    // One that parses but does not validate.
    let result = client
        .call::<(), NoSpaces>(
            tool("get_widget"),
            Some("w_ 1"),
            None,
            CallOptions::default(),
        )
        .await;
    match result {
        Err(McpCallError::UnexpectedResult { message, .. }) => {
            assert!(message.contains("no spaces"), "{message}");
            assert!(message.contains("$.id"), "{message}");
        }
        other => panic!("expected an unexpected result, got {other:?}"),
    }
    let canceled = client
        .call::<(), Canceled>(
            tool("cancel_widget"),
            Some("w_9"),
            None,
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(canceled.body.status, "canceled");
}

// ---------------------------------------------------------------------------------------------
// ACP errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn handler_errors_are_acp_errors_with_the_error_object_as_data() {
    let (api, url) = started().await;
    let client = client(&url, VERSION).await;

    let result = client
        .call::<(), Widget>(
            tool("get_widget"),
            Some("nope"),
            None,
            CallOptions::default(),
        )
        .await;
    let error = result.as_ref().unwrap_err().api_error().cloned().unwrap();
    assert_eq!(error.error_type, "invalid_request");
    assert_eq!(error.code, "not_found");
    assert_eq!(error.message, "No widget nope.");
    assert_eq!(error.param, None);

    let error = acp_error(
        client
            .call::<(), Value>(
                tool("cancel_widget"),
                Some("w_shipped"),
                None,
                CallOptions::default(),
            )
            .await,
    );
    assert_eq!(error.error_type, "invalid_request");
    assert_eq!(error.code, "widget_shipped");
    assert_eq!(
        error.message,
        "Widget w_shipped has shipped and cannot be canceled."
    );
    assert_eq!(error.param.as_deref(), Some("$.id"));

    // A payload the handler refuses.
    let error = acp_error(
        client
            .call::<_, Widget>(
                tool("create_widget"),
                None,
                Some(&json!({ "name": 7 })),
                CallOptions::default(),
            )
            .await,
    );
    assert_eq!(
        (error.code.as_str(), error.param.as_deref()),
        ("invalid", Some("$.name"))
    );
    assert_eq!(api.creates(), 0);

    // On the wire: -32000, the message, and exactly the Error object as data.
    let mut raw = Raw::connect(&url).await;
    let answer = raw
        .call("get_widget", json!({ "meta": meta(), "id": "nope" }))
        .await;
    let error = rpc_error(&answer, ACP_ERROR_CODE);
    assert_eq!(error["message"], "No widget nope.");
    assert_eq!(
        error["data"],
        json!({ "type": "invalid_request", "code": "not_found", "message": "No widget nope." })
    );

    // A POST tool's error, with its `param`.
    let answer = raw
        .call(
            "cancel_widget",
            json!({ "meta": { "api_version": VERSION, "idempotency_key": "k-shipped" }, "id": "w_shipped" }),
        )
        .await;
    let error = rpc_error(&answer, ACP_ERROR_CODE);
    assert_eq!(
        error["data"],
        json!({
            "type": "invalid_request",
            "code": "widget_shipped",
            "message": "Widget w_shipped has shipped and cannot be canceled.",
            "param": "$.id",
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed envelopes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn malformed_envelopes_are_invalid_params_and_reach_no_handler() {
    let (api, url) = started().await;
    let mut raw = Raw::connect(&url).await;
    let post_meta = json!({ "api_version": VERSION, "idempotency_key": "k-1" });
    let cases = [
        ("get_widget", json!({ "id": "w_1" }), "`meta` is required"),
        (
            "get_widget",
            json!({ "meta": "2026-04-17", "id": "w_1" }),
            "`meta` must be an object",
        ),
        (
            "get_widget",
            json!({ "meta": { "request_id": "r" }, "id": "w_1" }),
            "`meta.api_version` is required",
        ),
        (
            "get_widget",
            json!({ "meta": { "api_version": 20260417 }, "id": "w_1" }),
            "`meta.api_version` must be a string",
        ),
        (
            "get_widget",
            json!({ "meta": { "api_version": VERSION, "request_id": "a\nb" }, "id": "w_1" }),
            "`meta.request_id` cannot be sent as the Request-Id header",
        ),
        ("get_widget", json!({ "meta": meta() }), "`id` is required"),
        (
            "get_widget",
            json!({ "meta": meta(), "id": "" }),
            "`id` must be a non-empty string",
        ),
        (
            "get_widget",
            json!({ "meta": meta(), "id": 7 }),
            "`id` must be a non-empty string",
        ),
        (
            "get_widget",
            json!({ "meta": meta(), "id": ".." }),
            "other than `.` and `..`",
        ),
        (
            "cancel_widget",
            json!({ "meta": post_meta.clone() }),
            "`id` is required",
        ),
        (
            "create_widget",
            json!({ "meta": post_meta.clone() }),
            "`payload` is required",
        ),
        (
            "delete_widget",
            json!({ "meta": meta(), "id": "w_1" }),
            "unknown tool `delete_widget`",
        ),
    ];
    for (name, arguments, message) in cases {
        let answer = raw.call(name, arguments.clone()).await;
        let error = rpc_error(&answer, INVALID_PARAMS_CODE);
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{name} {arguments}: {answer}"
        );
    }
    // No `arguments` at all: no `meta`.
    let answer = raw
        .request("tools/call", json!({ "name": "get_widget" }))
        .await;
    assert!(rpc_error(&answer, INVALID_PARAMS_CODE)["message"]
        .as_str()
        .unwrap()
        .contains("`meta` is required"));
    assert_eq!(api.total(), 0, "a malformed envelope reached a handler");

    // An optional payload may be left out, or be null: the handler gets no body at all.
    for arguments in [
        json!({ "meta": post_meta.clone(), "id": "w_1" }),
        json!({ "meta": { "api_version": VERSION, "idempotency_key": "k-2" }, "id": "w_1", "payload": null }),
    ] {
        let answer = raw.call("cancel_widget", arguments.clone()).await;
        let result = &answer["result"]["structuredContent"];
        assert_eq!(result["status"], "canceled", "{arguments}: {answer}");
        assert_eq!(result["payload_given"], false, "{arguments}: {answer}");
        assert_eq!(result["seen"]["content_type"], Value::Null, "{answer}");
    }
    // ... or be given.
    let answer = raw
        .call(
            "cancel_widget",
            json!({ "meta": { "api_version": VERSION, "idempotency_key": "k-3" }, "id": "w_1", "payload": { "reason": "r" } }),
        )
        .await;
    assert_eq!(answer["result"]["structuredContent"]["payload_given"], true);
    assert_eq!(
        answer["result"]["structuredContent"]["seen"]["body"],
        json!({ "reason": "r" })
    );
    assert_eq!(api.cancels.load(Ordering::SeqCst), 3);

    // Through the client, an optional payload left out.
    let client = client(&url, VERSION).await;
    let canceled = client
        .call::<(), Value>(
            tool("cancel_widget"),
            Some("w_4"),
            None,
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(canceled.body["payload_given"], false);
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_connection_is_authenticated_before_its_body_is_read() {
    let (api, url) = started().await;
    let message = initialize_message();

    let reply = post_rpc(&url, None, None, &message).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    let body = reply.json();
    assert_eq!(body["type"], "invalid_request");
    assert_eq!(body["code"], "unauthorized");

    let reply = post_rpc(&url, Some("Bearer sk_test_wrong"), None, &message).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.json()["code"], "invalid_api_key");

    let reply = post_rpc(&url, Some(&format!("Basic {TOKEN}")), None, &message).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.json()["code"], "unauthorized");

    // Refused before the body is read: a body that is not even JSON gets the same 401.
    let reply = reqwest::Client::new()
        .post(&url)
        .header("Accept", "application/json, text/event-stream")
        .header("Content-Type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 401);

    // A tool call with a wrong key is refused the same way.
    let call = json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": { "name": "get_widget", "arguments": { "meta": meta(), "id": "w_1" } },
    });
    let reply = post_rpc(&url, Some("Bearer sk_test_wrong"), None, &call).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.json()["code"], "invalid_api_key");

    // The right key initializes.
    let reply = post_rpc(&url, Some(&format!("Bearer {TOKEN}")), None, &message).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json()["result"]["capabilities"]["tools"].is_object());

    // The client cannot connect with a wrong key, or without one.
    let wrong = McpClientCore::builder(&url, VERSION)
        .api_key("sk_test_wrong")
        .connect()
        .await;
    assert!(
        matches!(wrong, Err(McpCallError::Transport(_))),
        "{wrong:?}"
    );
    let keyless = McpClientCore::builder(&url, VERSION).connect().await;
    assert!(
        matches!(keyless, Err(McpCallError::Transport(_))),
        "{keyless:?}"
    );
    assert_eq!(api.total(), 0);
}

#[tokio::test]
async fn a_refused_connection_never_waits_for_its_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (api, url) = started().await;
    let address = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/mcp"))
        .unwrap()
        .to_string();
    // Headers announcing a megabyte of body, none of which is ever sent.
    let head = |authorization: &str| {
        format!(
            "POST /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\n{authorization}\
             Content-Length: 1000000\r\n\r\n"
        )
    };
    let first_line = |authorization: String| {
        let head = head(&authorization);
        let address = address.clone();
        async move {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut buffer = vec![0; 4096];
            let read = tokio::time::timeout(
                std::time::Duration::from_millis(1500),
                stream.read(&mut buffer),
            )
            .await;
            read.ok().map(|n| {
                let text = String::from_utf8_lossy(&buffer[..n.unwrap()]).to_string();
                text.lines().next().unwrap_or_default().to_string()
            })
        }
    };
    assert_eq!(
        first_line(String::new()).await.as_deref(),
        Some("HTTP/1.1 401 Unauthorized")
    );
    assert_eq!(
        first_line("Authorization: Bearer sk_test_wrong\r\n".into())
            .await
            .as_deref(),
        Some("HTTP/1.1 401 Unauthorized")
    );
    // With the right key the endpoint does wait for the body.
    assert_eq!(
        first_line(format!("Authorization: Bearer {TOKEN}\r\n")).await,
        None
    );
    assert_eq!(api.total(), 0);
}

#[tokio::test]
async fn only_loopback_and_allowed_hosts_reach_the_endpoint() {
    let api = Arc::new(Api::default());
    let base = start(shop(&api)).await;
    let url = format!("{base}/mcp");
    let bearer = format!("Bearer {TOKEN}");
    let reply = post_rpc(
        &url,
        Some(&bearer),
        Some("shop.example"),
        &initialize_message(),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.text);

    let allowed = AcpServer::builder()
        .version(VERSION, routes(api.clone()))
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            IDENTITY.to_string(),
        )]))
        .mcp(McpOptions::new("/mcp", TOOLS).allowed_hosts(["shop.example"]));
    let url = format!("{}/mcp", start(allowed).await);
    let reply = post_rpc(
        &url,
        Some(&bearer),
        Some("shop.example"),
        &initialize_message(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

// ---------------------------------------------------------------------------------------------
// The pipeline's version negotiation, idempotency and signatures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unsupported_api_version_is_the_pipelines_acp_error() {
    let (api, url) = started().await;
    let client = client(&url, "1999-12-31").await;
    let error = acp_error(
        client
            .call::<(), Widget>(
                tool("get_widget"),
                Some("w_1"),
                None,
                CallOptions::default(),
            )
            .await,
    );
    assert_eq!(error.error_type, "invalid_request");
    assert_eq!(error.code, "unsupported_api_version");
    assert_eq!(
        error.supported_versions,
        Some(vec![VERSION.to_string(), OLDER.to_string()])
    );

    let mut raw = Raw::connect(&url).await;
    let answer = raw
        .call(
            "get_widget",
            json!({ "meta": { "api_version": "1999-12-31" }, "id": "w_1" }),
        )
        .await;
    let error = rpc_error(&answer, ACP_ERROR_CODE);
    assert_eq!(error["data"]["code"], "unsupported_api_version");
    assert_eq!(error["data"]["supported_versions"], json!([VERSION, OLDER]));

    // An empty one is the pipeline's `missing_api_version`, not a malformed envelope.
    let answer = raw
        .call(
            "get_widget",
            json!({ "meta": { "api_version": "" }, "id": "w_1" }),
        )
        .await;
    let error = rpc_error(&answer, ACP_ERROR_CODE);
    assert_eq!(error["data"]["code"], "missing_api_version");
    assert_eq!(api.total(), 0);
}

#[tokio::test]
async fn an_idempotency_key_in_meta_replays_and_conflicts() {
    let (api, url) = started().await;
    let client = client(&url, VERSION).await;
    let payload = json!({ "name": "gear", "quantity": 2 });
    let options = || CallOptions::default().idempotency_key("key-1");

    let first: McpResponse<Widget> = client
        .call(tool("create_widget"), None, Some(&payload), options())
        .await
        .unwrap();
    assert_eq!(first.body.id, "w_1");
    assert!(!first.idempotent_replayed);
    assert_eq!(first.idempotency_key.as_deref(), Some("key-1"));
    assert_eq!(first.body.seen["idempotency_key"], "key-1");

    let again: McpResponse<Widget> = client
        .call(
            tool("create_widget"),
            None,
            Some(&payload),
            options().request_id("retry-1"),
        )
        .await
        .unwrap();
    assert!(again.idempotent_replayed);
    assert_eq!(again.body.id, "w_1");
    assert_eq!(again.body.seen, first.body.seen);
    assert_eq!(again.request_id.as_deref(), Some("retry-1"));
    assert_eq!(api.creates(), 1, "the replay ran the handler");

    let error = acp_error(
        client
            .call::<_, Widget>(
                tool("create_widget"),
                None,
                Some(&json!({ "name": "gear", "quantity": 3 })),
                options(),
            )
            .await,
    );
    assert_eq!(error.code, "idempotency_conflict");
    assert_eq!(error.error_type, "invalid_request");
    assert_eq!(api.creates(), 1);

    // On the wire the replay is `_meta.idempotent_replayed: true`.
    let mut raw = Raw::connect(&url).await;
    let answer = raw
        .call(
            "create_widget",
            json!({ "meta": { "api_version": VERSION, "idempotency_key": "key-1" }, "payload": payload }),
        )
        .await;
    assert_eq!(
        answer["result"]["_meta"]["idempotent_replayed"], true,
        "{answer}"
    );
    assert_eq!(answer["result"]["structuredContent"]["id"], "w_1");

    // A raw POST call without a key is the pipeline's refusal (this version requires keys), not
    // a malformed envelope.
    let answer = raw
        .call(
            "create_widget",
            json!({ "meta": meta(), "payload": payload }),
        )
        .await;
    let error = rpc_error(&answer, ACP_ERROR_CODE);
    assert_eq!(error["data"]["code"], "idempotency_key_required");
    assert_eq!(api.creates(), 1);

    // Without a key of its own every client call gets a fresh one, so runs again.
    let other: McpResponse<Widget> = client
        .call(
            tool("create_widget"),
            None,
            Some(&payload),
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(other.body.id, "w_2");
    assert!(!other.idempotent_replayed);
    assert_ne!(other.idempotency_key.as_deref(), Some("key-1"));
    assert_eq!(api.creates(), 2);
}

#[tokio::test]
async fn signatures_in_meta_are_checked_by_the_pipeline() {
    let keys = [
        (
            SigningKey::Hmac(b"shared-secret".to_vec()),
            SigningKey::Hmac(b"wrong-secret".to_vec()),
        ),
        (
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32])),
            SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[8; 32])),
        ),
    ];
    for (key, wrong_key) in keys {
        let api = Arc::new(Api::default());
        let base = start(shop(&api).signatures(SignatureVerifier::new(key.verifying_key()))).await;
        let url = format!("{base}/mcp");
        let signed = McpClientCore::builder(&url, VERSION)
            .api_key(TOKEN)
            .signing(key.clone())
            .connect()
            .await
            .unwrap();
        // Members out of order and `1.0`: signed and checked over the canonical form.
        let payload = json!({ "quantity": 1.0, "name": "nut", "a": { "z": [1, 2], "b": "é" } });
        let created: McpResponse<Widget> = signed
            .call(
                tool("create_widget"),
                None,
                Some(&payload),
                CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(created.body.id, "w_1");
        assert_eq!(created.body.seen["body"]["a"], payload["a"]);
        // No payload: the empty body is signed.
        let fetched: McpResponse<Widget> = signed
            .call::<(), _>(
                tool("get_widget"),
                Some("w_1"),
                None,
                CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(fetched.body.id, "w_1");
        let canceled: McpResponse<Value> = signed
            .call::<(), _>(
                tool("cancel_widget"),
                Some("w_1"),
                None,
                CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(canceled.body["status"], "canceled");
        assert_eq!(api.total(), 3);

        let unsigned = client(&url, VERSION).await;
        let error = acp_error(
            unsigned
                .call::<_, Widget>(
                    tool("create_widget"),
                    None,
                    Some(&payload),
                    CallOptions::default(),
                )
                .await,
        );
        assert_eq!(error.error_type, "invalid_request");
        assert_eq!(error.code, "invalid_signature");
        assert_eq!(error.message, "The Signature header is missing.");

        let wrong = McpClientCore::builder(&url, VERSION)
            .api_key(TOKEN)
            .signing(wrong_key)
            .connect()
            .await
            .unwrap();
        let error = acp_error(
            wrong
                .call::<(), Widget>(
                    tool("get_widget"),
                    Some("w_1"),
                    None,
                    CallOptions::default(),
                )
                .await,
        );
        assert_eq!(error.code, "invalid_signature");
        assert_eq!(error.message, "The signature does not match.");
        assert_eq!(api.total(), 3, "an unsigned or wrongly signed call ran");
    }
}

// ---------------------------------------------------------------------------------------------
// REST beside MCP
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_rest_routes_are_still_served_beside_the_endpoint() {
    let api = Arc::new(Api::default());
    let base = start(shop(&api)).await;
    let response = reqwest::Client::new()
        .get(format!("{base}/widgets/w_5"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("API-Version", VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["id"], "w_5");
    assert_eq!(body["seen"]["identity"], IDENTITY);
    assert_eq!(api.total(), 1);
}
