//! The fault-injecting proxies of scaffold_conformance: one in front of the scaffold's API
//! (the suite's requests and the server's answers pass through it) and one relaying the order
//! webhooks from the server to the suite's listener. Each breaks exactly one thing, a
//! [`Fault`], and passes everything else through unchanged.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acp_runtime::signing::{merchant_signature, sign, SigningKey};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, TRANSFER_ENCODING};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// One thing a broken server gets wrong. The comment of each says what the proxy does; where
/// a fault could touch every operation it is kept to one, so that the checks it should trip
/// are exactly those of that operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing: the scaffold as it is.
    None,
    /// `GET /checkout_sessions/{id}` answers 203 instead of 200 (a status it does not declare).
    UndeclaredStatus,
    /// The create's `Request-Id` header is dropped.
    RequestIdDropped,
    /// Update answers an `Idempotency-Key` header that is not the key sent.
    IdempotencyKeyMisechoed,
    /// Cancel's 200 says `Content-Type: text/plain`.
    WrongContentType,
    /// Cancel's 200 body lacks the required `currency`.
    RequiredMemberDropped,
    /// `GET /checkout_sessions/{id}` adds a member the closed session schema does not have.
    UnknownResponseMember,
    /// Every 404 body is `{"error":"not found"}` instead of the error object.
    NotFoundShape,
    /// An update of an unknown session answers 400 instead of 404.
    NotFoundAs400,
    /// `GET /checkout_sessions/{id}` refuses credentials with 403 instead of 401.
    UnauthorizedAs403,
    /// A create without `API-Version` gets the header added (the requirement not enforced).
    ApiVersionNotRequired,
    /// A `GET /checkout_sessions/{id}` with an unsupported `API-Version` has it replaced by
    /// the supported one (any version accepted).
    UnsupportedVersionAccepted,
    /// Complete's validation errors give `param` without its `$` (`$.a.b` → `a.b`).
    ParamNotJsonPath,
    /// Create's validation errors give `param` as `$`, whatever the fault.
    ParamAtRoot,
    /// Update's validation errors (400 with `param`) become 500.
    ValidationAs500,
    /// Create's replays lack `Idempotent-Replayed: true`.
    ReplayHeaderDropped,
    /// Complete's replays carry another session id than the first answer.
    ReplayBodyDiffers,
    /// Create's idempotency conflicts answer 409 instead of 422.
    ConflictStatusSwapped,
    /// An update without `Idempotency-Key` gets one added (the key not required).
    IdempotencyKeyNotRequired,
    /// Every request is signed anew with the merchant's key: bad or absent signatures pass.
    SignaturesNotVerified,
    /// Cancelling a canceled (or completed) session answers 200 and the session as it is,
    /// instead of 405.
    CancelTwiceSucceeds,
    /// Complete answers 201 (the launch checklist's status) where the spec declares 200.
    CompleteAnswers201,
    /// Every session's `total` is 1 more than its parts.
    TotalsOffByOne,
    /// Every session's `links[]` is empty.
    LegalLinksDropped,
    /// The `out_of_stock` message says `low_stock`.
    OutOfStockRenamed,
    /// A declined payment is answered as `402 processing_error card_declined` instead of the
    /// session with its `payment_declined` message.
    PaymentDeclinedAs402,
    /// delegate_payment's API-Version errors have `type: version_error`, outside its enum.
    DelegateErrorTypeOutsideEnum,
    /// Order webhooks arrive without `Merchant-Signature`.
    WebhookUnsigned,
    /// Order webhooks are signed with another secret.
    WebhookWrongSecret,
    /// Order webhooks say `order_created` instead of `order_create` (signed correctly).
    WebhookTypeRenamed,
    /// The `order_create` webhook arrives after the `order_update` one.
    WebhookOutOfOrder,
}

/// What the proxies need to re-sign: the merchant's request signing key, the webhook secret,
/// and the version the server supports.
#[derive(Clone)]
pub struct Secrets {
    pub signing: SigningKey,
    pub webhook_secret: String,
    pub version: String,
}

/// The operation a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Get,
    Update,
    Complete,
    Cancel,
    Delegate,
    Other,
}

impl Op {
    fn of(method: &Method, path: &str) -> Op {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("POST", ["checkout_sessions"]) => Op::Create,
            ("GET", ["checkout_sessions", _]) => Op::Get,
            ("POST", ["checkout_sessions", _]) => Op::Update,
            ("POST", ["checkout_sessions", _, "complete"]) => Op::Complete,
            ("POST", ["checkout_sessions", _, "cancel"]) => Op::Cancel,
            ("POST", ["agentic_commerce", "delegate_payment"]) => Op::Delegate,
            _ => Op::Other,
        }
    }
}

struct Api {
    /// The proxy's own base URL: what the discovery document must name, the proxy being the
    /// server's public front.
    public: String,
    upstream: String,
    fault: Fault,
    secrets: Secrets,
    client: reqwest::Client,
    keys_added: AtomicU64,
}

async fn listen(port: u16) -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("the proxy cannot listen on {port}: {e}"))
}

/// Serves the API at `upstream` on `port` with `fault`; abort the handle to stop it.
pub async fn api(port: u16, upstream: String, fault: Fault, secrets: Secrets) -> JoinHandle<()> {
    let socket = listen(port).await;
    let state = Arc::new(Api {
        public: format!("http://127.0.0.1:{port}"),
        upstream,
        fault,
        secrets,
        client: reqwest::Client::new(),
        keys_added: AtomicU64::new(0),
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(socket, app).await;
    })
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    headers.insert(
        HeaderName::from_static(name),
        HeaderValue::from_str(value).expect("a header value"),
    );
}

/// A response on its way back, to be broken.
struct Answer {
    status: u16,
    headers: HeaderMap,
    json: Option<Value>,
}

async fn forward(
    State(api): State<Arc<Api>>,
    method: Method,
    uri: Uri,
    mut headers: HeaderMap,
    body: Bytes,
) -> Response {
    let op = Op::of(&method, uri.path());
    headers.remove(HOST);
    headers.remove(CONTENT_LENGTH);
    api.break_request(op, &mut headers, &body);
    let sent = headers.clone();
    let request = api
        .client
        .request(method, format!("{}{uri}", api.upstream))
        .headers(headers)
        .body(body);
    let Ok(mut response) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    if api.fault == Fault::CancelTwiceSucceeds && op == Op::Cancel && response.status() == 405 {
        // The session as it is, as if the cancel had worked again.
        let session = uri.path().trim_end_matches("/cancel");
        let Ok(read) = api.read(session, &sent).await else {
            return StatusCode::BAD_GATEWAY.into_response();
        };
        response = read;
    }
    let status = response.status().as_u16();
    let mut headers = response.headers().clone();
    headers.remove(CONTENT_LENGTH);
    headers.remove(TRANSFER_ENCODING);
    let bytes = response.bytes().await.unwrap_or_default();
    let mut answer = Answer {
        status,
        headers,
        json: serde_json::from_slice(&bytes).ok(),
    };
    let before = answer.json.clone();
    if uri.path() == "/.well-known/acp.json" {
        if let Some(document) = answer.json.as_mut().and_then(Value::as_object_mut) {
            document.insert("api_base_url".into(), Value::String(api.public.clone()));
        }
    }
    api.fault.break_answer(op, &sent, &mut answer);
    // The body as the server sent it, unless the fault changed it.
    let body = match &answer.json {
        Some(json) if answer.json != before => serde_json::to_vec(json).expect("JSON"),
        _ => bytes.to_vec(),
    };
    let mut out = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        out = out.header(name, value);
    }
    out.body(axum::body::Body::from(body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

impl Api {
    /// `GET path` upstream with the credentials and version of `sent`, signed.
    async fn read(&self, path: &str, sent: &HeaderMap) -> reqwest::Result<reqwest::Response> {
        let mut headers = HeaderMap::new();
        for name in ["authorization", "api-version"] {
            if let Some(value) = sent.get(name) {
                headers.insert(name, value.clone());
            }
        }
        self.sign(&mut headers, b"");
        let url = format!("{}{path}", self.upstream);
        self.client.get(url).headers(headers).send().await
    }

    /// Signs `body` with the merchant's key into `headers`.
    fn sign(&self, headers: &mut HeaderMap, body: &[u8]) {
        let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let signature = sign(&self.secrets.signing, &timestamp, body).expect("signed");
        set(headers, "signature", &signature);
        set(headers, "timestamp", &timestamp);
    }

    fn break_request(&self, op: Op, headers: &mut HeaderMap, body: &[u8]) {
        match self.fault {
            Fault::ApiVersionNotRequired
                if op == Op::Create && !headers.contains_key("api-version") =>
            {
                set(headers, "api-version", &self.secrets.version);
            }
            Fault::UnsupportedVersionAccepted if op == Op::Get => {
                let version = header(headers, "api-version");
                if version.is_some_and(|v| v != self.secrets.version) {
                    set(headers, "api-version", &self.secrets.version);
                }
            }
            Fault::IdempotencyKeyNotRequired
                if op == Op::Update && !headers.contains_key("idempotency-key") =>
            {
                let n = self.keys_added.fetch_add(1, Ordering::Relaxed);
                let key = format!("proxy-{}-{n}", chrono::Utc::now().timestamp_micros());
                set(headers, "idempotency-key", &key);
            }
            Fault::SignaturesNotVerified if headers.contains_key("authorization") => {
                self.sign(headers, body);
            }
            _ => {}
        }
    }
}

impl Fault {
    fn break_answer(self, op: Op, sent: &HeaderMap, answer: &mut Answer) {
        let status = answer.status;
        let replayed = header(&answer.headers, "idempotent-replayed").as_deref() == Some("true");
        let member = |name: &str| answer.json.as_ref().and_then(|body| body.get(name));
        let code = member("code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let has_param = member("param").is_some();
        let declined = (member("messages").and_then(Value::as_array))
            .is_some_and(|all| all.iter().any(|m| m["code"] == "payment_declined"));
        let json = &mut answer.json;
        match (self, op) {
            (Fault::UndeclaredStatus, Op::Get) if status == 200 => answer.status = 203,
            (Fault::RequestIdDropped, Op::Create) => {
                answer.headers.remove("request-id");
            }
            (Fault::IdempotencyKeyMisechoed, Op::Update) if status == 200 => {
                let key = header(sent, "idempotency-key").unwrap_or_default();
                let other = format!("{key}-other");
                set(&mut answer.headers, "idempotency-key", &other);
            }
            (Fault::WrongContentType, Op::Cancel) if status == 200 => {
                set(&mut answer.headers, "content-type", "text/plain");
            }
            (Fault::RequiredMemberDropped, Op::Cancel) if status == 200 => {
                if let Some(Value::Object(session)) = json {
                    session.remove("currency");
                }
            }
            (Fault::UnknownResponseMember, Op::Get) if status == 200 => {
                if let Some(Value::Object(session)) = json {
                    session.insert("loyalty_points".into(), json!(120));
                }
            }
            (Fault::NotFoundShape, _) if status == 404 => {
                *json = Some(json!({"error": "not found"}));
            }
            (Fault::NotFoundAs400, Op::Update) if status == 404 => answer.status = 400,
            (Fault::UnauthorizedAs403, Op::Get) if status == 401 => answer.status = 403,
            (Fault::ParamNotJsonPath, Op::Complete) if status == 400 => {
                if let Some(param) = json.as_mut().and_then(|e| e.get_mut("param")) {
                    if let Some(path) = param.as_str().and_then(|p| p.strip_prefix("$.")) {
                        *param = json!(path);
                    }
                }
            }
            (Fault::ParamAtRoot, Op::Create) if status == 400 && has_param => {
                if let Some(error) = json {
                    error["param"] = json!("$");
                }
            }
            (Fault::ValidationAs500, Op::Update) if status == 400 && has_param => {
                answer.status = 500;
            }
            (Fault::ReplayHeaderDropped, Op::Create) if replayed => {
                answer.headers.remove("idempotent-replayed");
            }
            (Fault::ReplayBodyDiffers, Op::Complete) if replayed => {
                if let Some(Value::String(id)) = json.as_mut().and_then(|s| s.get_mut("id")) {
                    id.push_str("_again");
                }
            }
            (Fault::ConflictStatusSwapped, Op::Create)
                if status == 422 && code == "idempotency_conflict" =>
            {
                answer.status = 409;
            }
            (Fault::CompleteAnswers201, Op::Complete) if status == 200 => answer.status = 201,
            (Fault::TotalsOffByOne, _) => {
                let totals = json.as_mut().and_then(|s| s.get_mut("totals"));
                if let Some(Value::Array(totals)) = totals {
                    for total in totals.iter_mut().filter(|t| t["type"] == "total") {
                        total["amount"] = json!(total["amount"].as_i64().unwrap_or(0) + 1);
                    }
                }
            }
            (Fault::LegalLinksDropped, _) => {
                if let Some(links) = json.as_mut().and_then(|s| s.get_mut("links")) {
                    *links = json!([]);
                }
            }
            (Fault::OutOfStockRenamed, _) => {
                let messages = json.as_mut().and_then(|s| s.get_mut("messages"));
                for message in messages.and_then(Value::as_array_mut).into_iter().flatten() {
                    if message["code"] == "out_of_stock" {
                        message["code"] = json!("low_stock");
                    }
                }
            }
            (Fault::PaymentDeclinedAs402, Op::Complete) if declined => {
                answer.status = 402;
                *json = Some(json!({
                    "type": "processing_error",
                    "code": "card_declined",
                    "message": "The card was declined."
                }));
            }
            (Fault::DelegateErrorTypeOutsideEnum, Op::Delegate)
                if status == 400 && code.ends_with("_api_version") =>
            {
                if let Some(error) = json {
                    error["type"] = json!("version_error");
                }
            }
            _ => {}
        }
    }
}

/// Relays the server's order webhooks to the suite's listener of the moment, breaking them
/// with the fault of the moment.
#[derive(Clone)]
pub struct Relay {
    route: Arc<Mutex<(String, Fault)>>,
    /// The sessions whose `order_update` has been relayed.
    updated: Arc<Mutex<HashSet<String>>>,
    secret: String,
    client: reqwest::Client,
}

impl Relay {
    /// Listens on `port` (where the server sends its webhooks); relays nowhere until routed.
    pub async fn spawn(port: u16, secret: String) -> Relay {
        let socket = listen(port).await;
        let relay = Relay {
            route: Arc::new(Mutex::new((String::new(), Fault::None))),
            updated: Arc::default(),
            secret,
            client: reqwest::Client::new(),
        };
        let app = axum::Router::new()
            .fallback(relay_webhook)
            .with_state(relay.clone());
        tokio::spawn(async move {
            let _ = axum::serve(socket, app).await;
        });
        relay
    }

    /// From now on, webhooks go to `upstream` (`http://127.0.0.1:<port>`) with `fault`.
    pub fn route(&self, upstream: String, fault: Fault) {
        *self.route.lock().unwrap() = (upstream, fault);
    }

    fn signed(&self, secret: &str, body: &[u8]) -> HeaderValue {
        let signature = merchant_signature(secret.as_bytes(), chrono::Utc::now().timestamp(), body);
        HeaderValue::from_str(&signature).expect("a header value")
    }
}

async fn relay_webhook(
    State(relay): State<Relay>,
    uri: Uri,
    mut headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (upstream, fault) = relay.route.lock().unwrap().clone();
    headers.remove(HOST);
    headers.remove(CONTENT_LENGTH);
    let mut body = body.to_vec();
    let event = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let kind = event["type"].as_str().unwrap_or_default().to_string();
    let session = (event.pointer("/data/checkout_session_id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let signature = HeaderName::from_static("merchant-signature");
    match fault {
        Fault::WebhookUnsigned => {
            headers.remove(&signature);
        }
        Fault::WebhookWrongSecret => {
            let wrong = format!("{}-but-not-quite", relay.secret);
            headers.insert(&signature, relay.signed(&wrong, &body));
        }
        Fault::WebhookTypeRenamed if kind == "order_create" => {
            let mut renamed = event.clone();
            renamed["type"] = json!("order_created");
            body = serde_json::to_vec(&renamed).expect("JSON");
            headers.insert(&signature, relay.signed(&relay.secret, &body));
        }
        _ => {}
    }
    let url = format!("{upstream}{uri}");
    if fault == Fault::WebhookOutOfOrder && kind == "order_create" {
        // Acknowledged at once, delivered once the `order_update` that follows it has been.
        let client = relay.client.clone();
        let updated = relay.updated.clone();
        tokio::spawn(async move {
            for _ in 0..100 {
                if updated.lock().unwrap().contains(&session) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = client.post(url).headers(headers).body(body).send().await;
        });
        return StatusCode::OK.into_response();
    }
    let sent = relay.client.post(url).headers(headers).body(body).send();
    match sent.await {
        Ok(response) => {
            if kind == "order_update" && response.status().is_success() {
                relay.updated.lock().unwrap().insert(session);
            }
            let status = response.status();
            let mut out = Response::builder().status(status);
            if let Some(content_type) = response.headers().get(CONTENT_TYPE) {
                out = out.header(CONTENT_TYPE, content_type);
            }
            let bytes = response.bytes().await.unwrap_or_default();
            out.body(axum::body::Body::from(bytes))
                .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
