//! Serving the merchant's generated routers behind `AcpServer` on loopback, and a small HTTP
//! client (reqwest) that can send well-formed and malformed requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use acp_runtime::server::{webhook_receiver, AcpServer, IdempotencyStore, StaticTokens};
use acp_runtime::signing::{sign, SignatureVerifier, SigningKey, VerifyingKey};
use axum::Router;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::merchant::{
    routes_2025_09_29, routes_2025_12_12, routes_2026_01_16, routes_2026_01_30, routes_2026_04_17,
    webhook_routes, Merchant, V0116, V0130, V0417, V0929, V1212,
};

/// The agent's API key and identity.
pub const TOKEN: &str = "sk_test_agent_one";
/// A second agent (another idempotency scope).
pub const TOKEN_2: &str = "sk_test_agent_two";
/// The shared secret of request signatures.
pub const SIGNING_SECRET: &[u8] = b"request-signing-secret";
/// The shared secret of webhook `Merchant-Signature`s.
pub const WEBHOOK_SECRET: &[u8] = b"whsec_e2e_secret";

/// The error `type` the spec gives a `401` on `path` under `version`: `unauthorized` only on
/// 2026-04-17 delegate_payment (its 401 example); elsewhere `invalid_request` (the cart spec's 401
/// example; the checkout `Error` schema's `type` enum has no `unauthorized`).
pub fn unauthorized_type(version: &str, path: &str) -> &'static str {
    if version >= "2026-04-17" && path.starts_with("/agentic_commerce/delegate_payment") {
        "unauthorized"
    } else {
        "invalid_request"
    }
}

/// A server on 127.0.0.1 with an ephemeral port.
pub struct Server {
    pub base: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    pub async fn start(app: Router) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Server {
            base: format!("http://{addr}"),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Stops accepting, lets open connections finish, and waits (at most 5 s) for the server
    /// task to end; then aborts it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// How the merchant's server is put together.
#[derive(Default, Clone)]
pub struct Setup {
    pub body_limit: Option<usize>,
    pub store: Option<Arc<dyn IdempotencyStore>>,
    pub signatures: bool,
    /// Register only 2026-04-17.
    pub only_latest: bool,
}

/// The merchant's app: the generated routers of 2026-04-17 (every spec), 2026-01-30 and 2025-09-29
/// (checkout, delegate_payment), 2026-01-16 and 2025-12-12 (checkout) behind the protocol
/// pipeline.
pub fn merchant_app(merchant: &Arc<Merchant>, setup: &Setup) -> Router {
    let mut builder = AcpServer::builder().version(V0417, routes_2026_04_17(merchant));
    if !setup.only_latest {
        builder = builder
            .version(V0130, routes_2026_01_30(merchant))
            .version(V0116, routes_2026_01_16(merchant))
            .version(V1212, routes_2025_12_12(merchant))
            .version(V0929, routes_2025_09_29(merchant));
    }
    builder = builder.auth(StaticTokens::new([
        (TOKEN.to_string(), "agent-one".to_string()),
        (TOKEN_2.to_string(), "agent-two".to_string()),
    ]));
    if let Some(limit) = setup.body_limit {
        builder = builder.body_limit(limit);
    }
    if let Some(store) = &setup.store {
        builder = builder.idempotency_store(store.clone());
    }
    if setup.signatures {
        builder = builder.signatures(SignatureVerifier::new(VerifyingKey::Hmac(
            SIGNING_SECRET.to_vec(),
        )));
    }
    builder.build()
}

/// The agent's webhook receiver app (generated router behind `webhook_receiver`).
pub fn receiver_app(merchant: &Arc<Merchant>) -> Router {
    webhook_receiver(
        webhook_routes(merchant),
        WEBHOOK_SECRET.to_vec(),
        acp_runtime::server::DEFAULT_WEBHOOK_TOLERANCE,
    )
}

/// A running merchant server plus a client.
pub struct Harness {
    pub merchant: Arc<Merchant>,
    pub server: Server,
    pub client: reqwest::Client,
    pub signing: bool,
}

impl Harness {
    pub async fn start(merchant: Arc<Merchant>, setup: Setup) -> Harness {
        let app = merchant_app(&merchant, &setup);
        Harness {
            merchant,
            server: Server::start(app).await,
            client: client(),
            signing: setup.signatures,
        }
    }

    pub async fn send(&self, req: &Req) -> Reply {
        req.send_to(&self.client, &self.server.base, self.signing)
            .await
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// How a request is signed when the server checks signatures.
#[derive(Clone, Debug)]
pub enum Sig {
    /// A valid `Signature` + `Timestamp` when the harness signs, none otherwise.
    Auto,
    /// No signature headers.
    Unsigned,
    /// A valid signature of another body.
    Tampered,
    /// A valid signature with a timestamp an hour old.
    Stale,
    /// These exact header values (`Signature`, `Timestamp`).
    Raw(String, String),
}

/// One request, possibly malformed. Defaults: `API-Version: 2026-04-17`, `Authorization: Bearer
/// TOKEN`, `Content-Type: application/json` when there is a body.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub version: Option<Vec<u8>>,
    pub authorization: Option<Vec<u8>>,
    pub key: Option<Vec<u8>>,
    pub content_type: Option<Vec<u8>>,
    pub body: Option<Vec<u8>>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub sig: Sig,
}

impl Req {
    pub fn new(method: Method, path: &str) -> Req {
        Req {
            method,
            path: path.to_string(),
            version: Some(V0417.as_bytes().to_vec()),
            authorization: Some(format!("Bearer {TOKEN}").into_bytes()),
            key: None,
            content_type: None,
            body: None,
            headers: Vec::new(),
            sig: Sig::Auto,
        }
    }

    pub fn get(path: &str) -> Req {
        Req::new(Method::GET, path)
    }

    pub fn post(path: &str) -> Req {
        Req::new(Method::POST, path)
    }

    pub fn version(mut self, version: &str) -> Req {
        self.version = Some(version.as_bytes().to_vec());
        self
    }

    pub fn version_bytes(mut self, version: &[u8]) -> Req {
        self.version = Some(version.to_vec());
        self
    }

    pub fn no_version(mut self) -> Req {
        self.version = None;
        self
    }

    pub fn token(mut self, token: &str) -> Req {
        self.authorization = Some(format!("Bearer {token}").into_bytes());
        self
    }

    pub fn authorization(mut self, value: &str) -> Req {
        self.authorization = Some(value.as_bytes().to_vec());
        self
    }

    pub fn no_auth(mut self) -> Req {
        self.authorization = None;
        self
    }

    pub fn key(mut self, key: &str) -> Req {
        self.key = Some(key.as_bytes().to_vec());
        self
    }

    pub fn key_bytes(mut self, key: &[u8]) -> Req {
        self.key = Some(key.to_vec());
        self
    }

    pub fn authorization_bytes(mut self, value: &[u8]) -> Req {
        self.authorization = Some(value.to_vec());
        self
    }

    /// A JSON body (serialized compactly) with `Content-Type: application/json`.
    pub fn json(self, value: &Value) -> Req {
        self.raw(serde_json::to_vec(value).unwrap())
    }

    /// Raw body bytes with `Content-Type: application/json`.
    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = Some(body.into());
        self.content_type = Some(b"application/json".to_vec());
        self
    }

    pub fn content_type(mut self, value: &str) -> Req {
        self.content_type = Some(value.as_bytes().to_vec());
        self
    }

    pub fn no_content_type(mut self) -> Req {
        self.content_type = None;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers
            .push((name.to_string(), value.as_bytes().to_vec()));
        self
    }

    pub fn sig(mut self, sig: Sig) -> Req {
        self.sig = sig;
        self
    }

    pub async fn send_to(&self, client: &reqwest::Client, base: &str, signing: bool) -> Reply {
        let mut headers = HeaderMap::new();
        let mut put = |name: &str, value: &[u8]| {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        };
        if let Some(v) = &self.version {
            put("api-version", v);
        }
        if let Some(v) = &self.authorization {
            put("authorization", v);
        }
        if let Some(v) = &self.key {
            put("idempotency-key", v);
        }
        if let Some(v) = &self.content_type {
            put("content-type", v);
        }
        for (name, value) in &self.headers {
            put(name, value);
        }
        let body = self.body.clone().unwrap_or_default();
        let signature = match &self.sig {
            Sig::Auto if signing => Some(signed(&body, now_rfc3339(0))),
            Sig::Auto | Sig::Unsigned => None,
            Sig::Tampered => Some(signed(b"{\"something\":\"else\"}", now_rfc3339(0))),
            Sig::Stale => Some(signed(&body, now_rfc3339(-3600))),
            Sig::Raw(signature, timestamp) => Some((signature.clone(), timestamp.clone())),
        };
        if let Some((signature, timestamp)) = signature {
            put("signature", signature.as_bytes());
            put("timestamp", timestamp.as_bytes());
        }
        let mut request = client
            .request(self.method.clone(), format!("{base}{}", self.path))
            .headers(headers);
        if self.body.is_some() {
            request = request.body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.method, self.path));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap().to_vec();
        let json = serde_json::from_slice(&bytes).ok();
        Reply {
            status,
            headers,
            bytes,
            json,
        }
    }
}

/// `(Signature, Timestamp)` for `body` at `timestamp`; a body that is not JSON is signed as if
/// it were empty (the runtime then refuses it, as it should).
pub fn signed(body: &[u8], timestamp: String) -> (String, String) {
    let key = SigningKey::Hmac(SIGNING_SECRET.to_vec());
    let signature = sign(&key, &timestamp, body)
        .or_else(|_| sign(&key, &timestamp, b""))
        .unwrap();
    (signature, timestamp)
}

/// The current time plus `offset_seconds`, RFC 3339.
pub fn now_rfc3339(offset_seconds: i64) -> String {
    let now = SystemTime::now();
    let at = if offset_seconds >= 0 {
        now + Duration::from_secs(offset_seconds as u64)
    } else {
        now - Duration::from_secs(offset_seconds.unsigned_abs())
    };
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Option<Value>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn body(&self) -> &Value {
        self.json
            .as_ref()
            .unwrap_or_else(|| panic!("body is not JSON: {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn replayed(&self) -> bool {
        self.header("idempotent-replayed") == Some("true")
    }

    /// Panics unless the status is `status`.
    #[track_caller]
    pub fn expect_status(&self, status: u16) -> &Reply {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text()
        );
        self
    }

    /// Checks a spec error: the status, `Content-Type: application/json` and a body
    /// `{type, code, message, param?}` (plus `supported_versions` on version errors) with these
    /// values; `param: None` means the body must not carry `param`.
    pub fn check_error(
        &self,
        status: u16,
        error_type: &str,
        code: &str,
        param: Option<&str>,
    ) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.status != status {
            problems.push(format!("status {} (want {status})", self.status));
        }
        let content_type = self.header("content-type").unwrap_or("");
        if !content_type.starts_with("application/json") {
            problems.push(format!("content-type {content_type:?}"));
        }
        let body = match &self.json {
            Some(Value::Object(body)) if body.contains_key("type") => body,
            _ => {
                problems.push("the body is not an error".to_string());
                return Err(problems.join("; "));
            }
        };
        for key in body.keys() {
            if !["type", "code", "message", "param", "supported_versions"].contains(&key.as_str()) {
                problems.push(format!("unexpected member {key}"));
            }
        }
        let text = |name: &str| body.get(name).and_then(Value::as_str);
        if text("type") != Some(error_type) {
            problems.push(format!("type {:?} (want {error_type:?})", body.get("type")));
        }
        if text("code") != Some(code) {
            problems.push(format!("code {:?} (want {code:?})", body.get("code")));
        }
        if text("message").is_none_or(str::is_empty) {
            problems.push("message missing or empty".to_string());
        }
        if body.get("param").map(|p| p.as_str()) != param.map(Some) {
            problems.push(format!("param {:?} (want {param:?})", body.get("param")));
        }
        if let Some(versions) = body.get("supported_versions") {
            let ok = versions.as_array().is_some_and(|list| {
                list.iter().all(|v| {
                    v.as_str()
                        .is_some_and(|s| s.len() == 10 && s.as_bytes()[4] == b'-')
                })
            });
            if !ok {
                problems.push(format!("bad supported_versions {versions}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Panics unless this is the spec error described (see [`Reply::check_error`]).
    #[track_caller]
    pub fn expect_error(&self, status: u16, error_type: &str, code: &str, param: Option<&str>) {
        if let Err(problems) = self.check_error(status, error_type, code, param) {
            panic!(
                "expected {status} {error_type}/{code} param {param:?}: {problems}\nbody: {}",
                self.text()
            );
        }
    }
}
