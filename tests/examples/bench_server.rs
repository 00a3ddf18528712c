//! The server side of the load benchmark `tests/benches/server_load.sh` (not a test).
//!
//! ```text
//! bench_server --mode full|bare --port N [--token T]
//! bench_server --print-request
//! ```
//!
//! - `full`: the generated 2026-04-17 checkout router, implemented by a merchant whose
//!   `create_checkout_session` returns one fixed `CheckoutSession`, behind `AcpServer` (bearer
//!   auth with `StaticTokens`, `API-Version`, idempotency in a `MemoryStore`): the whole
//!   protocol stack.
//! - `bare`: a plain axum router whose `POST /checkout_sessions` answers `201` with the same
//!   JSON bytes, without reading the request: the floor the full stack is compared with.
//! - `--print-request`: prints the example `CheckoutSessionCreateRequest` (checked to parse)
//!   as one line of JSON, for the load generator, and exits.
//!
//! Both bodies come from `examples/2026-04-17/examples.agentic_checkout.json` under the spec
//! root (`ACP_SPEC_ROOT`, else the default shared location).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use acp::v2026_04_17::checkout::{
    self, CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
    CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest, CheckoutSessionWithOrder,
};
use acp_runtime::server::{AcpServer, ApiError, MemoryStore, RequestContext, StaticTokens};
use axum::body::Bytes;
use axum::http::{header::CONTENT_TYPE, StatusCode};
use axum::routing::post;
use axum::Router;

const VERSION: &str = "2026-04-17";
const EXAMPLES: &str = "examples/2026-04-17/examples.agentic_checkout.json";

/// A merchant with no business logic: every new session is the same session.
struct FixedMerchant {
    session: CheckoutSession,
}

impl checkout::Api for FixedMerchant {
    async fn create_checkout_session(
        &self,
        _ctx: RequestContext,
        _body: CheckoutSessionCreateRequest,
    ) -> Result<CheckoutSession, ApiError> {
        Ok(self.session.clone())
    }

    async fn get_checkout_session(
        &self,
        _ctx: RequestContext,
        _checkout_session_id: String,
    ) -> Result<CheckoutSession, ApiError> {
        Err(ApiError::not_found("Not part of the benchmark."))
    }

    async fn update_checkout_session(
        &self,
        _ctx: RequestContext,
        _checkout_session_id: String,
        _body: CheckoutSessionUpdateRequest,
    ) -> Result<CheckoutSession, ApiError> {
        Err(ApiError::not_found("Not part of the benchmark."))
    }

    async fn complete_checkout_session(
        &self,
        _ctx: RequestContext,
        _checkout_session_id: String,
        _body: CheckoutSessionCompleteRequest,
    ) -> Result<CheckoutSessionWithOrder, ApiError> {
        Err(ApiError::not_found("Not part of the benchmark."))
    }

    async fn cancel_checkout_session(
        &self,
        _ctx: RequestContext,
        _checkout_session_id: String,
        _body: Option<CancelSessionRequest>,
    ) -> Result<CheckoutSession, ApiError> {
        Err(ApiError::not_found("Not part of the benchmark."))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Bare,
    PrintRequest,
}

struct Args {
    mode: Mode,
    port: u16,
    token: String,
}

const USAGE: &str =
    "usage: bench_server --mode full|bare --port N [--token T]\n       bench_server --print-request";

fn parse_args() -> Result<Args, String> {
    let mut mode = None;
    let mut port = None;
    let mut token = "sk_bench".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--mode" => {
                mode = Some(match value("--mode")?.as_str() {
                    "full" => Mode::Full,
                    "bare" => Mode::Bare,
                    other => return Err(format!("unknown mode `{other}`")),
                })
            }
            "--port" => {
                let text = value("--port")?;
                port = Some(text.parse().map_err(|_| format!("bad port `{text}`"))?);
            }
            "--token" => token = value("--token")?,
            "--print-request" => mode = Some(Mode::PrintRequest),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let mode = mode.ok_or("--mode is required")?;
    let port = match (mode, port) {
        (Mode::PrintRequest, _) => 0,
        (_, Some(port)) => port,
        (_, None) => return Err("--port is required".to_string()),
    };
    Ok(Args { mode, port, token })
}

/// The example file's member `name`.
fn example(name: &str) -> Result<serde_json::Value, String> {
    let root = acp_specs::resolve_spec_root(None).map_err(|e| e.to_string())?;
    let path = root.join(EXAMPLES);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut all: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    all.get_mut(name)
        .map(serde_json::Value::take)
        .ok_or_else(|| format!("{}: no member `{name}`", path.display()))
}

fn full_app(session: CheckoutSession, token: String) -> Router {
    let routes = checkout::router(Arc::new(FixedMerchant { session }));
    AcpServer::builder()
        .version(VERSION, routes)
        .auth(StaticTokens::new([(token, "bench-agent".to_string())]))
        .idempotency_store(Arc::new(MemoryStore::new()))
        .build()
}

fn bare_app(body: Bytes) -> Router {
    Router::new().route(
        "/checkout_sessions",
        post(move || {
            let body = body.clone();
            async move {
                (
                    StatusCode::CREATED,
                    [(CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    )
}

fn run() -> Result<(), String> {
    let args = parse_args()?;

    let request = example("create_checkout_session_request")?;
    // Checked here so the load generator never sends a body the full stack would refuse.
    let _: CheckoutSessionCreateRequest = acp_runtime::from_value(request.clone())
        .map_err(|e| format!("create_checkout_session_request: {e}"))?;
    if args.mode == Mode::PrintRequest {
        println!("{request}");
        return Ok(());
    }

    // Deserialized once; both modes answer with its serialization, byte for byte.
    let session: CheckoutSession =
        acp_runtime::from_value(example("create_checkout_session_response")?)
            .map_err(|e| format!("create_checkout_session_response: {e}"))?;
    let body = Bytes::from(serde_json::to_vec(&session).map_err(|e| e.to_string())?);

    let app = match args.mode {
        Mode::Full => full_app(session, args.token),
        Mode::Bare | Mode::PrintRequest => bare_app(body.clone()),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("bind {addr}: {e}"))?;
        let mode = if args.mode == Mode::Full {
            "full"
        } else {
            "bare"
        };
        eprintln!(
            "bench_server: {mode} mode on http://{addr} (response body {} bytes)",
            body.len()
        );
        axum::serve(listener, app)
            .await
            .map_err(|e| format!("serve: {e}"))
    })
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("bench_server: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::FAILURE
        }
    }
}
