//! The server side of the load benchmark `tests/benches/server_load.sh` (not a test).
//!
//! ```text
//! bench_server --mode fair|memory|sqlite|postgres --port N [--token T]
//!              [--sqlite-path FILE] [--database-url URL]
//! bench_server --print-request
//! bench_server --sqlite-store-alone SECONDS --sqlite-path FILE
//! ```
//!
//! Every mode answers `POST /checkout_sessions` (create session, 2026-04-17) with `201` and a
//! session of the same shape and size (~4.4 KB), built and serialized per request:
//!
//! - `fair`: a hand-written axum endpoint doing the work of the generated stack without any of
//!   the protocol pipeline: it checks the bearer token, parses the body into small plain serde
//!   structs (line items, buyer, fulfillment address), builds the session from them in plain
//!   serde structs (the merchant's payment and intervention capabilities, loaded once, as a JSON
//!   value) and serializes it. The baseline the others are compared with.
//! - `memory`: the generated 2026-04-17 checkout router, implemented by a merchant whose
//!   `create_checkout_session` returns one fixed `CheckoutSession`, behind `AcpServer` (bearer
//!   auth with `StaticTokens`, `API-Version`, idempotency in a `MemoryStore`): the whole
//!   protocol stack.
//! - `sqlite`: `memory` with a `SqliteStore` in the file `--sqlite-path` (created if missing;
//!   the script gives a new one in its temporary directory): one WAL commit per request.
//! - `postgres`: `memory` with a `PostgresStore` connected to `--database-url` (else
//!   `BENCH_POSTGRES_URL`): one PostgreSQL transaction per request.
//! - `--print-request`: prints the example `CheckoutSessionCreateRequest` (checked to parse)
//!   as one line of JSON, for the load generator, and exits.
//! - `--sqlite-store-alone SECONDS`: no HTTP at all: one thread claims fresh keys in a
//!   `SqliteStore` and records the serialized session for each, for SECONDS, and prints
//!   `BENCH_STORE claims=N seconds=S` — the most the `sqlite` mode could ever serve, since its
//!   requests do exactly this one at a time on the store's single writer.
//!
//! Both bodies come from `examples/2026-04-17/examples.agentic_checkout.json` under the spec
//! root (`ACP_SPEC_ROOT`, else the default shared location).

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use acp::v2026_04_17::checkout::{
    self, CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
    CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest, CheckoutSessionWithOrder,
};
use acp_runtime::server::{
    fingerprint, AcpServer, ApiError, Begin, Claim, IdempotencyStore, MemoryStore, PostgresStore,
    RequestContext, SqliteStore, StaticTokens, StoredResponse,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

// Every mode runs on it. With glibc's allocator, freeing memory another worker thread
// allocated cost the protocol stack a fifth of its CPU, which measured the allocator rather
// than the stack.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

// --- fair: the same work by hand, without the protocol pipeline ---------------------------

/// The create request as a hand-written server reads it (other members are ignored).
#[derive(Deserialize)]
struct CreateRequest {
    currency: String,
    line_items: Vec<RequestItem>,
    #[serde(default)]
    fulfillment_details: Option<Buyer>,
}

#[derive(Deserialize)]
struct RequestItem {
    id: String,
    #[serde(default)]
    quantity: Option<u32>,
}

/// The buyer and where the order goes: read from the request and echoed in the session.
#[derive(Deserialize, Serialize)]
struct Buyer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<Address>,
}

#[derive(Deserialize, Serialize)]
struct Address {
    name: String,
    line_one: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line_two: Option<String>,
    city: String,
    state: String,
    country: String,
    postal_code: String,
}

/// The session answered: the shape of the example response, built per request.
#[derive(Serialize)]
struct Session<'a> {
    id: String,
    protocol: Protocol,
    /// The merchant's payment handlers and interventions: configuration, loaded once.
    capabilities: &'a serde_json::Value,
    status: &'static str,
    currency: String,
    line_items: Vec<LineItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fulfillment_details: Option<Buyer>,
    fulfillment_options: Vec<FulfillmentOption>,
    selected_fulfillment_options: Vec<SelectedOption>,
    totals: Vec<Total>,
    messages: Vec<serde_json::Value>,
    links: Vec<Link>,
    marketing_consent_options: Vec<ConsentOption>,
}

#[derive(Serialize)]
struct Protocol {
    version: &'static str,
}

#[derive(Serialize)]
struct LineItem {
    id: String,
    item: ItemRef,
    quantity: u32,
    name: &'static str,
    description: &'static str,
    images: Vec<String>,
    unit_amount: i64,
    custom_attributes: Vec<Attribute>,
    disclosures: Vec<Disclosure>,
    totals: Vec<Total>,
}

#[derive(Serialize)]
struct ItemRef {
    id: String,
}

#[derive(Serialize)]
struct Attribute {
    display_name: &'static str,
    value: &'static str,
}

#[derive(Serialize)]
struct Disclosure {
    #[serde(rename = "type")]
    kind: &'static str,
    content_type: &'static str,
    content: &'static str,
}

#[derive(Serialize)]
struct Total {
    #[serde(rename = "type")]
    kind: &'static str,
    display_text: &'static str,
    amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'static str>,
}

fn total(kind: &'static str, display_text: &'static str, amount: i64) -> Total {
    Total {
        kind,
        display_text,
        amount,
        description: None,
    }
}

#[derive(Serialize)]
struct SelectedOption {
    #[serde(rename = "type")]
    kind: &'static str,
    option_id: &'static str,
    item_ids: Vec<String>,
}

#[derive(Serialize)]
struct FulfillmentOption {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'static str,
    title: &'static str,
    description: &'static str,
    carrier: &'static str,
    earliest_delivery_time: &'static str,
    latest_delivery_time: &'static str,
    totals: Vec<Total>,
}

#[derive(Serialize)]
struct ConsentOption {
    channel: &'static str,
    display_text: &'static str,
    privacy_policy_url: &'static str,
    is_subscribed: bool,
}

#[derive(Serialize)]
struct Link {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'static str,
}

struct Fair {
    token: String,
    capabilities: serde_json::Value,
    sessions: AtomicU64,
}

impl Fair {
    /// The session for `request`: amounts computed from its items, its buyer echoed.
    fn session(&self, request: CreateRequest) -> Session<'_> {
        const UNIT_AMOUNT: i64 = 300;
        const SHIPPING: i64 = 100;
        const FEE: i64 = 50;
        let number = self.sessions.fetch_add(1, Ordering::Relaxed) + 1;
        let mut items_total = 0;
        let mut tax_total = 0;
        let line_items: Vec<LineItem> = request
            .line_items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let quantity = item.quantity.unwrap_or(1);
                let base = UNIT_AMOUNT * i64::from(quantity);
                let tax = base / 10;
                items_total += base;
                tax_total += tax;
                LineItem {
                    id: format!("line_item_{number}_{index}"),
                    item: ItemRef {
                        id: item.id.clone(),
                    },
                    quantity,
                    name: "Vintage Denim Jacket",
                    description:
                        "Classic blue denim jacket with brass buttons and adjustable waist tabs",
                    images: (1..=2)
                        .map(|n| {
                            format!("https://www.testshop.com/products/{}/image{n}.jpg", item.id)
                        })
                        .collect(),
                    unit_amount: UNIT_AMOUNT,
                    custom_attributes: vec![
                        Attribute {
                            display_name: "Size",
                            value: "Medium",
                        },
                        Attribute {
                            display_name: "Color",
                            value: "Blue",
                        },
                    ],
                    disclosures: vec![Disclosure {
                        kind: "disclaimer",
                        content_type: "plain",
                        content: "This item is vintage and may show signs of previous wear.",
                    }],
                    totals: vec![
                        total("items_base_amount", "Base Amount", base),
                        total("discount", "Discount", 0),
                        total("subtotal", "Subtotal", base),
                        total("tax", "Tax", tax),
                        total("total", "Total", base + tax),
                    ],
                }
            })
            .collect();
        let shipping = |id, title, description, earliest, latest, text, amount| FulfillmentOption {
            kind: "shipping",
            id,
            title,
            description,
            carrier: "USPS",
            earliest_delivery_time: earliest,
            latest_delivery_time: latest,
            totals: vec![total("total", text, amount)],
        };
        let consent = |channel, display_text| ConsentOption {
            channel,
            display_text,
            privacy_policy_url: "https://www.testshop.com/privacy",
            is_subscribed: false,
        };
        Session {
            id: format!("checkout_session_{number}"),
            protocol: Protocol { version: VERSION },
            capabilities: &self.capabilities,
            status: "ready_for_payment",
            currency: request.currency,
            selected_fulfillment_options: vec![SelectedOption {
                kind: "shipping",
                option_id: "fulfillment_option_123",
                item_ids: request.line_items.iter().map(|i| i.id.clone()).collect(),
            }],
            line_items,
            fulfillment_details: request.fulfillment_details,
            totals: vec![
                total("items_base_amount", "Item(s) total", items_total),
                total("subtotal", "Subtotal", items_total),
                total("tax", "Tax", tax_total),
                total("fulfillment", "Fulfillment", SHIPPING),
                Total {
                    description: Some("Processing and handling fee"),
                    ..total("fee", "Service Fee", FEE)
                },
                total("total", "Total", items_total + tax_total + SHIPPING + FEE),
            ],
            fulfillment_options: vec![
                shipping(
                    "fulfillment_option_123",
                    "Standard",
                    "Arrives in 4-5 days",
                    "2025-10-12T07:20:50.52Z",
                    "2025-10-13T07:20:50.52Z",
                    "Shipping",
                    SHIPPING,
                ),
                shipping(
                    "fulfillment_option_456",
                    "Express",
                    "Arrives in 1-2 days",
                    "2025-10-09T07:20:50.52Z",
                    "2025-10-10T07:20:50.52Z",
                    "Express Shipping",
                    500,
                ),
            ],
            marketing_consent_options: vec![
                consent(
                    "email",
                    "Promotional emails, product launches, and exclusive offers",
                ),
                consent("sms", "Order updates and exclusive deals via text message"),
            ],
            messages: Vec::new(),
            links: vec![
                Link {
                    kind: "terms_of_use",
                    url: "https://www.testshop.com/legal/terms-of-use",
                },
                Link {
                    kind: "return_policy",
                    url: "https://www.testshop.com/legal/return-policy",
                },
            ],
        }
    }
}

fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.into(),
    )
        .into_response()
}

fn fair_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "type": "invalid_request", "code": code, "message": message });
    json_response(status, body.to_string())
}

async fn fair_create(State(fair): State<Arc<Fair>>, headers: HeaderMap, body: Bytes) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if token != Some(fair.token.as_str()) {
        return fair_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Bad bearer token.",
        );
    }
    let request: CreateRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return fair_error(StatusCode::BAD_REQUEST, "invalid", &e.to_string()),
    };
    match serde_json::to_vec(&fair.session(request)) {
        Ok(bytes) => json_response(StatusCode::CREATED, bytes),
        Err(e) => fair_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &e.to_string(),
        ),
    }
}

fn fair_app(token: String, capabilities: serde_json::Value) -> Router {
    let fair = Arc::new(Fair {
        token,
        capabilities,
        sessions: AtomicU64::new(0),
    });
    Router::new()
        .route("/checkout_sessions", post(fair_create))
        .with_state(fair)
}

// --- memory, sqlite, postgres: the generated stack ------------------------------------------

fn stack_app(session: CheckoutSession, token: String, store: Arc<dyn IdempotencyStore>) -> Router {
    let routes = checkout::router(Arc::new(FixedMerchant { session }));
    AcpServer::builder()
        .version(VERSION, routes)
        .auth(StaticTokens::new([(token, "bench-agent".to_string())]))
        .idempotency_store(store)
        .build()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fair,
    Memory,
    Sqlite,
    Postgres,
    PrintRequest,
    SqliteStoreAlone,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Fair => "fair",
            Mode::Memory => "memory",
            Mode::Sqlite => "sqlite",
            Mode::Postgres => "postgres",
            Mode::PrintRequest => "print-request",
            Mode::SqliteStoreAlone => "sqlite-store-alone",
        }
    }
}

struct Args {
    mode: Mode,
    port: u16,
    token: String,
    sqlite_path: Option<PathBuf>,
    database_url: Option<String>,
    seconds: u64,
}

const USAGE: &str = "usage: bench_server --mode fair|memory|sqlite|postgres --port N [--token T]
                    [--sqlite-path FILE] [--database-url URL]
       bench_server --print-request
       bench_server --sqlite-store-alone SECONDS --sqlite-path FILE";

fn parse_args() -> Result<Args, String> {
    let mut mode = None;
    let mut port = None;
    let mut token = "sk_bench".to_string();
    let mut sqlite_path = None;
    let mut seconds = 0;
    let mut database_url = std::env::var("BENCH_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--mode" => {
                mode = Some(match value("--mode")?.as_str() {
                    "fair" => Mode::Fair,
                    "memory" => Mode::Memory,
                    "sqlite" => Mode::Sqlite,
                    "postgres" => Mode::Postgres,
                    other => return Err(format!("unknown mode `{other}`")),
                })
            }
            "--port" => {
                let text = value("--port")?;
                port = Some(text.parse().map_err(|_| format!("bad port `{text}`"))?);
            }
            "--token" => token = value("--token")?,
            "--sqlite-path" => sqlite_path = Some(PathBuf::from(value("--sqlite-path")?)),
            "--database-url" => database_url = Some(value("--database-url")?),
            "--print-request" => mode = Some(Mode::PrintRequest),
            "--sqlite-store-alone" => {
                let text = value("--sqlite-store-alone")?;
                seconds = text.parse().map_err(|_| format!("bad seconds `{text}`"))?;
                mode = Some(Mode::SqliteStoreAlone);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let mode = mode.ok_or("--mode is required")?;
    let port = match (mode, port) {
        (Mode::PrintRequest | Mode::SqliteStoreAlone, _) => 0,
        (_, Some(port)) => port,
        (_, None) => return Err("--port is required".to_string()),
    };
    if matches!(mode, Mode::Sqlite | Mode::SqliteStoreAlone) && sqlite_path.is_none() {
        return Err("sqlite modes need --sqlite-path".to_string());
    }
    if mode == Mode::Postgres && database_url.is_none() {
        return Err("postgres mode needs --database-url (or BENCH_POSTGRES_URL)".to_string());
    }
    Ok(Args {
        mode,
        port,
        token,
        sqlite_path,
        database_url,
        seconds,
    })
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

fn run() -> Result<(), String> {
    let args = parse_args()?;

    let request = example("create_checkout_session_request")?;
    // Checked here so the load generator never sends a body a server would refuse.
    let _: CheckoutSessionCreateRequest = acp_runtime::from_value(request.clone())
        .map_err(|e| format!("create_checkout_session_request: {e}"))?;
    let _: CreateRequest = serde_json::from_value(request.clone())
        .map_err(|e| format!("create_checkout_session_request (fair): {e}"))?;
    if args.mode == Mode::PrintRequest {
        println!("{request}");
        return Ok(());
    }

    let response = example("create_checkout_session_response")?;
    let capabilities = response
        .get("capabilities")
        .cloned()
        .ok_or("create_checkout_session_response: no capabilities")?;
    let session: CheckoutSession = acp_runtime::from_value(response)
        .map_err(|e| format!("create_checkout_session_response: {e}"))?;

    if args.mode == Mode::SqliteStoreAlone {
        let path = args.sqlite_path.expect("checked by parse_args");
        let body = serde_json::to_vec(&session).map_err(|e| e.to_string())?;
        return sqlite_store_alone(&path, body.into(), Duration::from_secs(args.seconds));
    }

    // The same runtime for every mode: tokio's default, one worker per CPU
    // (TOKIO_WORKER_THREADS overrides it).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let mode = args.mode;
    runtime.block_on(async move {
        let (app, store): (Router, Cow<'static, str>) = match mode {
            Mode::Fair => (fair_app(args.token, capabilities), "none".into()),
            Mode::Memory => (
                stack_app(session, args.token, Arc::new(MemoryStore::new())),
                "MemoryStore".into(),
            ),
            Mode::Sqlite => {
                let path = args.sqlite_path.expect("checked by parse_args");
                let store = SqliteStore::open(&path)
                    .map_err(|e| format!("sqlite {}: {}", path.display(), e.0))?;
                let name = format!("SqliteStore at {}", path.display());
                (stack_app(session, args.token, Arc::new(store)), name.into())
            }
            Mode::Postgres => {
                let url = args.database_url.expect("checked by parse_args");
                let store = PostgresStore::connect(&url)
                    .await
                    .map_err(|e| format!("postgres: {}", e.0))?;
                (
                    stack_app(session, args.token, Arc::new(store)),
                    "PostgresStore".into(),
                )
            }
            Mode::PrintRequest | Mode::SqliteStoreAlone => unreachable!("handled above"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("bind {addr}: {e}"))?;
        eprintln!(
            "bench_server: {} mode on http://{addr} (idempotency store: {store})",
            mode.name()
        );
        axum::serve(listener, app)
            .await
            .map_err(|e| format!("serve: {e}"))
    })
}

/// The `sqlite` mode's store work without the HTTP stack: claim a fresh key, record the
/// session, commit; one at a time, as the store's single writer runs them.
fn sqlite_store_alone(path: &Path, body: Bytes, seconds: Duration) -> Result<(), String> {
    let store =
        SqliteStore::open(path).map_err(|e| format!("sqlite {}: {}", path.display(), e.0))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let started = Instant::now();
        let mut claims = 0u64;
        while started.elapsed() < seconds {
            let key = format!("alone-{claims}");
            let claim = Claim {
                scope: "bench",
                key: &key,
                fingerprint: fingerprint(key.as_bytes()),
                ttl: Duration::from_secs(86_400),
            };
            let Begin::Started(held) = store.begin(claim).await.map_err(|e| e.0)? else {
                return Err(format!("key {key} was not fresh"));
            };
            let response = StoredResponse {
                status: 201,
                content_type: Some("application/json".into()),
                body: body.clone(),
            };
            held.finish(response).await.map_err(|e| e.0)?;
            claims += 1;
        }
        println!(
            "BENCH_STORE claims={claims} seconds={:.3}",
            started.elapsed().as_secs_f64()
        );
        Ok(())
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
