//! A small in-memory merchant implementing the GENERATED server traits (`acp::<version>::<spec>::Api`).
//!
//! Responses are built from the spec's own examples (read from the spec root at run time), with
//! ids adjusted. Every operation counts its invocations, one handler can be slowed down, and the
//! next invocations can be made to fail with a 5xx or to panic.

// The generated traits fail with `ApiError` (the spec's whole error body); the helpers share it.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acp::{v2025_09_29, v2025_12_12, v2026_01_16, v2026_01_30, v2026_04_17};
use acp_runtime::server::{ApiError, RequestContext};
use axum::http::StatusCode;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

pub const V0417: &str = "2026-04-17";
pub const V0130: &str = "2026-01-30";
pub const V0116: &str = "2026-01-16";
pub const V1212: &str = "2025-12-12";
pub const V0929: &str = "2025-09-29";

/// The spec's example files of the versions the merchant serves, keyed `version/file-stem`
/// (`2026-04-17/agentic_checkout`), plus the `Cart` schema example (there is no cart example file).
pub struct Examples {
    files: HashMap<String, Value>,
    cart: Value,
}

impl Examples {
    pub fn load() -> Examples {
        let root = acp_e2e::spec_root();
        let mut files = HashMap::new();
        for (version, stems) in [
            (
                V0417,
                &[
                    "agentic_checkout",
                    "delegate_payment",
                    "delegate_authentication",
                    "feed",
                ][..],
            ),
            (V0130, &["agentic_checkout", "delegate_payment"][..]),
            (V0116, &["agentic_checkout"][..]),
            (V1212, &["agentic_checkout"][..]),
            (V0929, &["agentic_checkout", "delegate_payment"][..]),
        ] {
            for stem in stems {
                let path = root
                    .join("examples")
                    .join(version)
                    .join(format!("examples.{stem}.json"));
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.insert(format!("{version}/{stem}"), value);
            }
        }
        let path = root.join("spec/2026-04-17/json-schema/schema.cart.json");
        let schema: Value = serde_json::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap();
        let mut cart = schema["$defs"]["Cart"]["example"].clone();
        assert!(cart.is_object(), "no Cart example in {}", path.display());
        // The schema's example omits `display_text`, which `Total` requires: add it.
        fn add_display_text(totals: &mut Value) {
            for total in totals.as_array_mut().into_iter().flatten() {
                if total.get("display_text").is_none() {
                    total["display_text"] = json!(total["type"].as_str().unwrap_or("total"));
                }
            }
        }
        add_display_text(&mut cart["totals"]);
        for item in cart["line_items"].as_array_mut().into_iter().flatten() {
            add_display_text(&mut item["totals"]);
        }
        Examples { files, cart }
    }

    /// The example `key` of `examples/<version>/examples.<stem>.json`.
    pub fn get(&self, version: &str, stem: &str, key: &str) -> Value {
        let file = self
            .files
            .get(&format!("{version}/{stem}"))
            .unwrap_or_else(|| panic!("no example file {version}/{stem}"));
        let value = file
            .get(key)
            .unwrap_or_else(|| panic!("no example {key} in {version}/{stem}"));
        value.clone()
    }

    pub fn cart(&self) -> Value {
        self.cart.clone()
    }

    /// A valid 2026-04-17 webhook event: the spec's `webhook_order_create_event`, adjusted to the
    /// 2026-04-17 `EventDataOrder` (which requires `id` and no longer has `refunds`).
    pub fn webhook_event(&self) -> Value {
        let mut event = self.get(V0417, "agentic_checkout", "webhook_order_create_event");
        let data = event["data"].as_object_mut().unwrap();
        data.remove("refunds");
        data.insert("id".into(), json!("ord_e2e_1"));
        event
    }
}

/// The operations with a counter, as `version op` pairs.
const OPERATIONS: &[(&str, &str)] = &[
    (V0417, "create_checkout_session"),
    (V0417, "get_checkout_session"),
    (V0417, "update_checkout_session"),
    (V0417, "complete_checkout_session"),
    (V0417, "cancel_checkout_session"),
    (V0417, "delegate_payment"),
    (V0417, "create_cart"),
    (V0417, "get_cart"),
    (V0417, "update_cart"),
    (V0417, "cancel_cart"),
    (V0417, "create_authentication_session"),
    (V0417, "authenticate_session"),
    (V0417, "get_authentication_session"),
    (V0417, "create_feed"),
    (V0417, "get_feed"),
    (V0417, "get_feed_products"),
    (V0417, "upsert_feed_products"),
    (V0417, "post_order_events"),
    (V0130, "create_checkout_session"),
    (V0130, "get_checkout_session"),
    (V0130, "update_checkout_session"),
    (V0130, "complete_checkout_session"),
    (V0130, "cancel_checkout_session"),
    (V0130, "delegate_payment"),
    (V0116, "create_checkout_session"),
    (V0116, "get_checkout_session"),
    (V0116, "update_checkout_session"),
    (V0116, "complete_checkout_session"),
    (V0116, "cancel_checkout_session"),
    (V1212, "create_checkout_session"),
    (V1212, "get_checkout_session"),
    (V1212, "update_checkout_session"),
    (V1212, "complete_checkout_session"),
    (V1212, "cancel_checkout_session"),
    (V0929, "create_checkout_session"),
    (V0929, "get_checkout_session"),
    (V0929, "update_checkout_session"),
    (V0929, "complete_checkout_session"),
    (V0929, "cancel_checkout_session"),
    (V0929, "delegate_payment"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionStatus {
    Open,
    Completed,
    Canceled,
}

/// The merchant. One instance serves every version (each version's trait is implemented below).
pub struct Merchant {
    examples: Arc<Examples>,
    counters: BTreeMap<String, Arc<AtomicUsize>>,
    /// Sleep of `create_checkout_session` (all versions), in milliseconds.
    create_delay_ms: AtomicU64,
    /// An extra sleep of the next `create_checkout_session` only, in milliseconds.
    create_delay_once_ms: AtomicU64,
    /// The next this many `create_checkout_session` calls fail with `503 service_unavailable`.
    fail_next: AtomicUsize,
    /// The next this many `create_checkout_session` calls panic.
    panic_next: AtomicUsize,
    next_id: AtomicUsize,
    sessions: Mutex<HashMap<String, SessionStatus>>,
    carts: Mutex<HashMap<String, bool>>,
    feeds: Mutex<HashMap<String, Value>>,
    auth_sessions: Mutex<HashMap<String, bool>>,
    /// The last typed body each operation received, serialized back (`version op` keys).
    last_bodies: Mutex<HashMap<String, Value>>,
    /// Context data (API version, identity, request id, idempotency key) of the last call.
    last_contexts: Mutex<HashMap<String, RequestContext>>,
    /// The webhook events the receiver got.
    pub events: Mutex<Vec<Value>>,
}

fn typed<T: DeserializeOwned>(what: &str, value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::internal(format!(
            "test merchant: example for {what} does not fit the type: {e}"
        ))
    })
}

impl Merchant {
    pub fn new(examples: Arc<Examples>) -> Arc<Merchant> {
        Arc::new(Merchant {
            examples,
            counters: OPERATIONS
                .iter()
                .map(|(v, op)| (format!("{v} {op}"), Arc::new(AtomicUsize::new(0))))
                .collect(),
            create_delay_ms: AtomicU64::new(0),
            create_delay_once_ms: AtomicU64::new(0),
            fail_next: AtomicUsize::new(0),
            panic_next: AtomicUsize::new(0),
            next_id: AtomicUsize::new(1),
            sessions: Mutex::new(HashMap::new()),
            carts: Mutex::new(HashMap::new()),
            feeds: Mutex::new(HashMap::new()),
            auth_sessions: Mutex::new(HashMap::new()),
            last_bodies: Mutex::new(HashMap::new()),
            last_contexts: Mutex::new(HashMap::new()),
            events: Mutex::new(Vec::new()),
        })
    }

    /// The counter of `op` in `version`.
    pub fn counter(&self, version: &str, op: &str) -> Arc<AtomicUsize> {
        self.counters
            .get(&format!("{version} {op}"))
            .unwrap_or_else(|| panic!("no counter for {version} {op}"))
            .clone()
    }

    /// How often `op` of `version` ran.
    pub fn calls(&self, version: &str, op: &str) -> usize {
        self.counter(version, op).load(Ordering::SeqCst)
    }

    /// The number of handler invocations over all operations.
    pub fn total_calls(&self) -> usize {
        self.counters
            .values()
            .map(|c| c.load(Ordering::SeqCst))
            .sum()
    }

    pub fn set_create_delay(&self, delay: Duration) {
        self.create_delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Slows down the next `create_checkout_session` call only.
    pub fn set_create_delay_once(&self, delay: Duration) {
        self.create_delay_once_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// The number of checkout sessions created (all versions).
    pub fn session_count(&self) -> usize {
        self.sessions.lock().unwrap().len()
    }

    pub fn fail_next_creates(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn panic_next_creates(&self, n: usize) {
        self.panic_next.store(n, Ordering::SeqCst);
    }

    /// The last body `op` of `version` received (the typed value, serialized back).
    pub fn last_body(&self, version: &str, op: &str) -> Option<Value> {
        self.last_bodies
            .lock()
            .unwrap()
            .get(&format!("{version} {op}"))
            .cloned()
    }

    pub fn last_context(&self, version: &str, op: &str) -> Option<RequestContext> {
        self.last_contexts
            .lock()
            .unwrap()
            .get(&format!("{version} {op}"))
            .cloned()
    }

    fn enter<B: Serialize>(&self, version: &str, op: &str, ctx: &RequestContext, body: Option<&B>) {
        self.counter(version, op).fetch_add(1, Ordering::SeqCst);
        let key = format!("{version} {op}");
        // `None` (no body, e.g. a cancel without one) forgets the previous call's body.
        match body {
            Some(body) => {
                let value = serde_json::to_value(body).unwrap_or(Value::Null);
                self.last_bodies.lock().unwrap().insert(key.clone(), value);
            }
            None => {
                self.last_bodies.lock().unwrap().remove(&key);
            }
        }
        self.last_contexts.lock().unwrap().insert(key, ctx.clone());
    }

    fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.next_id.fetch_add(1, Ordering::SeqCst))
    }

    fn take(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The shared part of every version's `create_checkout_session`: delay and fault injection,
    /// then a new open session built from the version's example.
    async fn create_session(&self, version: &str) -> Result<Value, ApiError> {
        let delay = self.create_delay_ms.load(Ordering::SeqCst)
            + self.create_delay_once_ms.swap(0, Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if Self::take(&self.panic_next) {
            panic!("test merchant: injected panic in create_checkout_session");
        }
        if Self::take(&self.fail_next) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "inventory_unavailable",
                "The inventory service is down; retry later.",
            ));
        }
        let id = self.new_id("cs");
        self.sessions
            .lock()
            .unwrap()
            .insert(id.clone(), SessionStatus::Open);
        let mut session = self.examples.get(
            version,
            "agentic_checkout",
            "create_checkout_session_response",
        );
        session["id"] = json!(id);
        Ok(session)
    }

    fn session_status(&self, id: &str) -> Result<SessionStatus, ApiError> {
        self.sessions
            .lock()
            .unwrap()
            .get(id)
            .copied()
            .ok_or_else(|| {
                ApiError::not_found(format!("No checkout session {id} exists."))
                    .with_param("$.checkout_session_id")
            })
    }

    fn session_view(&self, version: &str, example: &str, id: &str) -> Result<Value, ApiError> {
        let status = self.session_status(id)?;
        let mut session = self.examples.get(version, "agentic_checkout", example);
        session["id"] = json!(id);
        session["status"] = json!(match status {
            SessionStatus::Open => "ready_for_payment",
            SessionStatus::Completed => "completed",
            SessionStatus::Canceled => "canceled",
        });
        Ok(session)
    }

    fn complete_session(&self, version: &str, id: &str) -> Result<Value, ApiError> {
        match self.session_status(id)? {
            SessionStatus::Open => {}
            SessionStatus::Completed | SessionStatus::Canceled => {
                return Err(ApiError::invalid_request(
                    "session_not_completable",
                    format!("Checkout session {id} is already completed or canceled."),
                ))
            }
        }
        self.sessions
            .lock()
            .unwrap()
            .insert(id.to_string(), SessionStatus::Completed);
        let mut session = self.examples.get(
            version,
            "agentic_checkout",
            "complete_checkout_session_response",
        );
        session["id"] = json!(id);
        // 2025-09-29's example has no `order`, which `CheckoutSessionWithOrder` requires: add
        // the minimal one (`id`, `checkout_session_id`, `permalink_url`).
        if session.get("order").is_none() {
            session["order"] = complete_order_stub(id);
        }
        if let Some(order) = session.get_mut("order").and_then(Value::as_object_mut) {
            order.insert("checkout_session_id".into(), json!(id));
        }
        Ok(session)
    }

    /// Cancel: 405 when the session is already completed or canceled (the spec's rule).
    fn cancel_session(&self, version: &str, id: &str) -> Result<Value, ApiError> {
        match self.session_status(id)? {
            SessionStatus::Open => {}
            SessionStatus::Completed | SessionStatus::Canceled => {
                return Err(ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "invalid_request",
                    "session_not_cancelable",
                    format!("Checkout session {id} is already completed or canceled."),
                ))
            }
        }
        self.sessions
            .lock()
            .unwrap()
            .insert(id.to_string(), SessionStatus::Canceled);
        let mut session = self.examples.get(
            version,
            "agentic_checkout",
            "cancel_checkout_session_response",
        );
        session["id"] = json!(id);
        session["status"] = json!("canceled");
        Ok(session)
    }

    fn vault_token(&self, version: &str) -> Value {
        let mut token = self.examples.get(
            version,
            "delegate_payment",
            "delegate_payment_success_response",
        );
        token["id"] = json!(self.new_id("vt"));
        token
    }
}

/// The order added to a completed session when the version's example has none (2025-09-29).
pub fn complete_order_stub(session_id: &str) -> Value {
    json!({
        "id": format!("ord_{session_id}"),
        "checkout_session_id": session_id,
        "permalink_url": format!("https://merchant.example/orders/ord_{session_id}"),
    })
}

// ---------------------------------------------------------------------------------------------
// 2026-04-17: every generated trait.
// ---------------------------------------------------------------------------------------------

impl v2026_04_17::checkout::Api for Merchant {
    async fn create_checkout_session(
        &self,
        ctx: RequestContext,
        body: v2026_04_17::checkout::CheckoutSessionCreateRequest,
    ) -> Result<v2026_04_17::checkout::CheckoutSession, ApiError> {
        self.enter(V0417, "create_checkout_session", &ctx, Some(&body));
        let mut session = self.create_session(V0417).await?;
        // The body reached the handler typed: echo its currency.
        session["currency"] = json!(body.currency);
        typed("2026-04-17 create_checkout_session", session)
    }

    async fn get_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
    ) -> Result<v2026_04_17::checkout::CheckoutSession, ApiError> {
        self.enter::<()>(V0417, "get_checkout_session", &ctx, None);
        let session =
            self.session_view(V0417, "get_checkout_session_response", &checkout_session_id)?;
        typed("2026-04-17 get_checkout_session", session)
    }

    async fn update_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2026_04_17::checkout::CheckoutSessionUpdateRequest,
    ) -> Result<v2026_04_17::checkout::CheckoutSession, ApiError> {
        self.enter(V0417, "update_checkout_session", &ctx, Some(&body));
        let session = self.session_view(
            V0417,
            "update_checkout_session_response",
            &checkout_session_id,
        )?;
        typed("2026-04-17 update_checkout_session", session)
    }

    async fn complete_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2026_04_17::checkout::CheckoutSessionCompleteRequest,
    ) -> Result<v2026_04_17::checkout::CheckoutSessionWithOrder, ApiError> {
        self.enter(V0417, "complete_checkout_session", &ctx, Some(&body));
        let session = self.complete_session(V0417, &checkout_session_id)?;
        typed("2026-04-17 complete_checkout_session", session)
    }

    async fn cancel_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: Option<v2026_04_17::checkout::CancelSessionRequest>,
    ) -> Result<v2026_04_17::checkout::CheckoutSession, ApiError> {
        self.enter(V0417, "cancel_checkout_session", &ctx, body.as_ref());
        let session = self.cancel_session(V0417, &checkout_session_id)?;
        typed("2026-04-17 cancel_checkout_session", session)
    }
}

impl v2026_04_17::delegate_payment::Api for Merchant {
    async fn delegate_payment(
        &self,
        ctx: RequestContext,
        body: v2026_04_17::delegate_payment::DelegatePaymentRequest,
    ) -> Result<v2026_04_17::delegate_payment::DelegatePaymentResponse, ApiError> {
        self.enter(V0417, "delegate_payment", &ctx, Some(&body));
        typed("2026-04-17 delegate_payment", self.vault_token(V0417))
    }
}

impl v2026_04_17::cart::Api for Merchant {
    async fn create_cart(
        &self,
        ctx: RequestContext,
        body: v2026_04_17::cart::CartCreateRequest,
    ) -> Result<v2026_04_17::cart::Cart, ApiError> {
        self.enter(V0417, "create_cart", &ctx, Some(&body));
        let id = self.new_id("cart");
        self.carts.lock().unwrap().insert(id.clone(), true);
        let mut cart = self.examples.cart();
        cart["id"] = json!(id);
        typed("2026-04-17 create_cart", cart)
    }

    async fn get_cart(
        &self,
        ctx: RequestContext,
        id: String,
    ) -> Result<v2026_04_17::cart::Cart, ApiError> {
        self.enter::<()>(V0417, "get_cart", &ctx, None);
        self.open_cart(&id)?;
        let mut cart = self.examples.cart();
        cart["id"] = json!(id);
        typed("2026-04-17 get_cart", cart)
    }

    async fn update_cart(
        &self,
        ctx: RequestContext,
        id: String,
        body: v2026_04_17::cart::CartUpdateRequest,
    ) -> Result<v2026_04_17::cart::Cart, ApiError> {
        self.enter(V0417, "update_cart", &ctx, Some(&body));
        self.open_cart(&id)?;
        let mut cart = self.examples.cart();
        cart["id"] = json!(id);
        typed("2026-04-17 update_cart", cart)
    }

    async fn cancel_cart(
        &self,
        ctx: RequestContext,
        id: String,
        body: Option<serde_json::Map<String, Value>>,
    ) -> Result<v2026_04_17::cart::Cart, ApiError> {
        self.enter(V0417, "cancel_cart", &ctx, body.as_ref());
        self.open_cart(&id)?;
        self.carts.lock().unwrap().insert(id.clone(), false);
        let mut cart = self.examples.cart();
        cart["id"] = json!(id);
        typed("2026-04-17 cancel_cart", cart)
    }
}

impl Merchant {
    fn open_cart(&self, id: &str) -> Result<(), ApiError> {
        match self.carts.lock().unwrap().get(id) {
            Some(true) => Ok(()),
            _ => Err(ApiError::not_found("Cart not found or has expired.")),
        }
    }
}

impl v2026_04_17::delegate_authentication::Api for Merchant {
    async fn create_authentication_session(
        &self,
        ctx: RequestContext,
        body: v2026_04_17::delegate_authentication::DelegateAuthenticationCreateRequest,
    ) -> Result<v2026_04_17::delegate_authentication::DelegateAuthenticationSession, ApiError> {
        self.enter(V0417, "create_authentication_session", &ctx, Some(&body));
        let id = self.new_id("auth_session");
        self.auth_sessions.lock().unwrap().insert(id.clone(), false);
        let mut session = self.examples.get(
            V0417,
            "delegate_authentication",
            "create_authentication_session_response_pending",
        );
        session["authentication_session_id"] = json!(id);
        typed("2026-04-17 create_authentication_session", session)
    }

    async fn authenticate_session(
        &self,
        ctx: RequestContext,
        authentication_session_id: String,
        body: v2026_04_17::delegate_authentication::DelegateAuthenticationAuthenticateRequest,
    ) -> Result<v2026_04_17::delegate_authentication::DelegateAuthenticationSession, ApiError> {
        self.enter(V0417, "authenticate_session", &ctx, Some(&body));
        self.auth_session(&authentication_session_id)?;
        self.auth_sessions
            .lock()
            .unwrap()
            .insert(authentication_session_id.clone(), true);
        let mut session = self.examples.get(
            V0417,
            "delegate_authentication",
            "authenticate_response_frictionless_authenticated",
        );
        session["authentication_session_id"] = json!(authentication_session_id);
        typed("2026-04-17 authenticate_session", session)
    }

    async fn get_authentication_session(
        &self,
        ctx: RequestContext,
        authentication_session_id: String,
    ) -> Result<
        v2026_04_17::delegate_authentication::DelegateAuthenticationSessionWithResult,
        ApiError,
    > {
        self.enter::<()>(V0417, "get_authentication_session", &ctx, None);
        let authenticated = self.auth_session(&authentication_session_id)?;
        let mut session = if authenticated {
            self.examples.get(
                V0417,
                "delegate_authentication",
                "retrieve_session_response_authenticated",
            )
        } else {
            self.examples.get(
                V0417,
                "delegate_authentication",
                "create_authentication_session_response_pending",
            )
        };
        session["authentication_session_id"] = json!(authentication_session_id);
        typed("2026-04-17 get_authentication_session", session)
    }
}

impl Merchant {
    fn auth_session(&self, id: &str) -> Result<bool, ApiError> {
        self.auth_sessions
            .lock()
            .unwrap()
            .get(id)
            .copied()
            .ok_or_else(|| ApiError::not_found(format!("No authentication session {id}.")))
    }

    fn feed(&self, id: &str) -> Result<Value, ApiError> {
        self.feeds.lock().unwrap().get(id).cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request",
                "feed_not_found",
                "Feed not found",
            )
            .with_param("$.id")
        })
    }
}

impl v2026_04_17::feed::Api for Merchant {
    async fn create_feed(
        &self,
        ctx: RequestContext,
        body: v2026_04_17::feed::CreateFeedRequest,
    ) -> Result<v2026_04_17::feed::FeedMetadata, ApiError> {
        self.enter(V0417, "create_feed", &ctx, Some(&body));
        let id = self.new_id("feed");
        let mut feed = self.examples.get(V0417, "feed", "create_feed_response");
        feed["id"] = json!(id);
        if let Some(country) = &body.target_country {
            feed["target_country"] = json!(country);
        }
        self.feeds.lock().unwrap().insert(id, feed.clone());
        typed("2026-04-17 create_feed", feed)
    }

    async fn get_feed(
        &self,
        ctx: RequestContext,
        id: String,
    ) -> Result<v2026_04_17::feed::FeedMetadata, ApiError> {
        self.enter::<()>(V0417, "get_feed", &ctx, None);
        typed("2026-04-17 get_feed", self.feed(&id)?)
    }

    async fn get_feed_products(
        &self,
        ctx: RequestContext,
        id: String,
    ) -> Result<v2026_04_17::feed::ProductsResponse, ApiError> {
        self.enter::<()>(V0417, "get_feed_products", &ctx, None);
        self.feed(&id)?;
        typed(
            "2026-04-17 get_feed_products",
            self.examples.get(V0417, "feed", "get_products_response"),
        )
    }

    async fn upsert_feed_products(
        &self,
        ctx: RequestContext,
        id: String,
        body: v2026_04_17::feed::UpsertProductsRequest,
    ) -> Result<v2026_04_17::feed::UpsertProductsResponse, ApiError> {
        self.enter(V0417, "upsert_feed_products", &ctx, Some(&body));
        self.feed(&id)?;
        Ok(v2026_04_17::feed::UpsertProductsResponse { id, accepted: true })
    }
}

impl v2026_04_17::webhooks::Api for Merchant {
    async fn post_order_events(
        &self,
        ctx: RequestContext,
        body: v2026_04_17::webhooks::WebhookEvent,
    ) -> Result<v2026_04_17::webhooks::PostOrderEventsResponseT200, ApiError> {
        self.enter(V0417, "post_order_events", &ctx, Some(&body));
        self.events
            .lock()
            .unwrap()
            .push(serde_json::to_value(&body).unwrap());
        Ok(v2026_04_17::webhooks::PostOrderEventsResponseT200 {
            received: true,
            request_id: ctx.request_id.clone(),
            additional_properties: Default::default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// 2026-01-30: checkout and delegate_payment.
// ---------------------------------------------------------------------------------------------

impl v2026_01_30::checkout::Api for Merchant {
    async fn create_checkout_session(
        &self,
        ctx: RequestContext,
        body: v2026_01_30::checkout::CheckoutSessionCreateRequest,
    ) -> Result<v2026_01_30::checkout::CheckoutSession, ApiError> {
        self.enter(V0130, "create_checkout_session", &ctx, Some(&body));
        let session = self.create_session(V0130).await?;
        typed("2026-01-30 create_checkout_session", session)
    }

    async fn get_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
    ) -> Result<v2026_01_30::checkout::CheckoutSession, ApiError> {
        self.enter::<()>(V0130, "get_checkout_session", &ctx, None);
        let session =
            self.session_view(V0130, "get_checkout_session_response", &checkout_session_id)?;
        typed("2026-01-30 get_checkout_session", session)
    }

    async fn update_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2026_01_30::checkout::CheckoutSessionUpdateRequest,
    ) -> Result<v2026_01_30::checkout::CheckoutSession, ApiError> {
        self.enter(V0130, "update_checkout_session", &ctx, Some(&body));
        let session = self.session_view(
            V0130,
            "update_checkout_session_response",
            &checkout_session_id,
        )?;
        typed("2026-01-30 update_checkout_session", session)
    }

    async fn complete_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2026_01_30::checkout::CheckoutSessionCompleteRequest,
    ) -> Result<v2026_01_30::checkout::CheckoutSessionWithOrder, ApiError> {
        self.enter(V0130, "complete_checkout_session", &ctx, Some(&body));
        let session = self.complete_session(V0130, &checkout_session_id)?;
        typed("2026-01-30 complete_checkout_session", session)
    }

    async fn cancel_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: Option<v2026_01_30::checkout::CancelSessionRequest>,
    ) -> Result<v2026_01_30::checkout::CheckoutSession, ApiError> {
        self.enter(V0130, "cancel_checkout_session", &ctx, body.as_ref());
        let session = self.cancel_session(V0130, &checkout_session_id)?;
        typed("2026-01-30 cancel_checkout_session", session)
    }
}

impl v2026_01_30::delegate_payment::Api for Merchant {
    async fn delegate_payment(
        &self,
        ctx: RequestContext,
        body: v2026_01_30::delegate_payment::DelegatePaymentRequest,
    ) -> Result<v2026_01_30::delegate_payment::DelegatePaymentResponse, ApiError> {
        self.enter(V0130, "delegate_payment", &ctx, Some(&body));
        typed("2026-01-30 delegate_payment", self.vault_token(V0130))
    }
}

// ---------------------------------------------------------------------------------------------
// 2026-01-16: checkout.
// ---------------------------------------------------------------------------------------------

impl v2026_01_16::checkout::Api for Merchant {
    async fn create_checkout_session(
        &self,
        ctx: RequestContext,
        body: v2026_01_16::checkout::CheckoutSessionCreateRequest,
    ) -> Result<v2026_01_16::checkout::CheckoutSession, ApiError> {
        self.enter(V0116, "create_checkout_session", &ctx, Some(&body));
        let session = self.create_session(V0116).await?;
        typed("2026-01-16 create_checkout_session", session)
    }

    async fn get_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
    ) -> Result<v2026_01_16::checkout::CheckoutSession, ApiError> {
        self.enter::<()>(V0116, "get_checkout_session", &ctx, None);
        let session =
            self.session_view(V0116, "get_checkout_session_response", &checkout_session_id)?;
        typed("2026-01-16 get_checkout_session", session)
    }

    async fn update_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2026_01_16::checkout::CheckoutSessionUpdateRequest,
    ) -> Result<v2026_01_16::checkout::CheckoutSession, ApiError> {
        self.enter(V0116, "update_checkout_session", &ctx, Some(&body));
        let session = self.session_view(
            V0116,
            "update_checkout_session_response",
            &checkout_session_id,
        )?;
        typed("2026-01-16 update_checkout_session", session)
    }

    async fn complete_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2026_01_16::checkout::CheckoutSessionCompleteRequest,
    ) -> Result<v2026_01_16::checkout::CheckoutSessionWithOrder, ApiError> {
        self.enter(V0116, "complete_checkout_session", &ctx, Some(&body));
        let session = self.complete_session(V0116, &checkout_session_id)?;
        typed("2026-01-16 complete_checkout_session", session)
    }

    async fn cancel_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: Option<v2026_01_16::checkout::CancelSessionRequest>,
    ) -> Result<v2026_01_16::checkout::CheckoutSession, ApiError> {
        self.enter(V0116, "cancel_checkout_session", &ctx, body.as_ref());
        let session = self.cancel_session(V0116, &checkout_session_id)?;
        typed("2026-01-16 cancel_checkout_session", session)
    }
}

// ---------------------------------------------------------------------------------------------
// 2025-12-12: checkout.
// ---------------------------------------------------------------------------------------------

impl v2025_12_12::checkout::Api for Merchant {
    async fn create_checkout_session(
        &self,
        ctx: RequestContext,
        body: v2025_12_12::checkout::CheckoutSessionCreateRequest,
    ) -> Result<v2025_12_12::checkout::CheckoutSession, ApiError> {
        self.enter(V1212, "create_checkout_session", &ctx, Some(&body));
        let session = self.create_session(V1212).await?;
        typed("2025-12-12 create_checkout_session", session)
    }

    async fn get_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
    ) -> Result<v2025_12_12::checkout::CheckoutSession, ApiError> {
        self.enter::<()>(V1212, "get_checkout_session", &ctx, None);
        let session =
            self.session_view(V1212, "get_checkout_session_response", &checkout_session_id)?;
        typed("2025-12-12 get_checkout_session", session)
    }

    async fn update_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2025_12_12::checkout::CheckoutSessionUpdateRequest,
    ) -> Result<v2025_12_12::checkout::CheckoutSession, ApiError> {
        self.enter(V1212, "update_checkout_session", &ctx, Some(&body));
        let session = self.session_view(
            V1212,
            "update_checkout_session_response",
            &checkout_session_id,
        )?;
        typed("2025-12-12 update_checkout_session", session)
    }

    async fn complete_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2025_12_12::checkout::CheckoutSessionCompleteRequest,
    ) -> Result<v2025_12_12::checkout::CheckoutSessionWithOrder, ApiError> {
        self.enter(V1212, "complete_checkout_session", &ctx, Some(&body));
        let session = self.complete_session(V1212, &checkout_session_id)?;
        typed("2025-12-12 complete_checkout_session", session)
    }

    async fn cancel_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: Option<v2025_12_12::checkout::CancelSessionRequest>,
    ) -> Result<v2025_12_12::checkout::CheckoutSession, ApiError> {
        self.enter(V1212, "cancel_checkout_session", &ctx, body.as_ref());
        let session = self.cancel_session(V1212, &checkout_session_id)?;
        typed("2025-12-12 cancel_checkout_session", session)
    }
}

// ---------------------------------------------------------------------------------------------
// 2025-09-29: checkout and delegate_payment.
// ---------------------------------------------------------------------------------------------

impl v2025_09_29::checkout::Api for Merchant {
    async fn create_checkout_session(
        &self,
        ctx: RequestContext,
        body: v2025_09_29::checkout::CheckoutSessionCreateRequest,
    ) -> Result<v2025_09_29::checkout::CheckoutSession, ApiError> {
        self.enter(V0929, "create_checkout_session", &ctx, Some(&body));
        let session = self.create_session(V0929).await?;
        typed("2025-09-29 create_checkout_session", session)
    }

    async fn get_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
    ) -> Result<v2025_09_29::checkout::CheckoutSession, ApiError> {
        self.enter::<()>(V0929, "get_checkout_session", &ctx, None);
        let session =
            self.session_view(V0929, "get_checkout_session_response", &checkout_session_id)?;
        typed("2025-09-29 get_checkout_session", session)
    }

    async fn update_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2025_09_29::checkout::CheckoutSessionUpdateRequest,
    ) -> Result<v2025_09_29::checkout::CheckoutSession, ApiError> {
        self.enter(V0929, "update_checkout_session", &ctx, Some(&body));
        let session = self.session_view(
            V0929,
            "update_checkout_session_response",
            &checkout_session_id,
        )?;
        typed("2025-09-29 update_checkout_session", session)
    }

    async fn complete_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
        body: v2025_09_29::checkout::CheckoutSessionCompleteRequest,
    ) -> Result<v2025_09_29::checkout::CheckoutSessionWithOrder, ApiError> {
        self.enter(V0929, "complete_checkout_session", &ctx, Some(&body));
        let session = self.complete_session(V0929, &checkout_session_id)?;
        typed("2025-09-29 complete_checkout_session", session)
    }

    async fn cancel_checkout_session(
        &self,
        ctx: RequestContext,
        checkout_session_id: String,
    ) -> Result<v2025_09_29::checkout::CheckoutSession, ApiError> {
        self.enter::<()>(V0929, "cancel_checkout_session", &ctx, None);
        let session = self.cancel_session(V0929, &checkout_session_id)?;
        typed("2025-09-29 cancel_checkout_session", session)
    }
}

impl v2025_09_29::delegate_payment::Api for Merchant {
    async fn delegate_payment(
        &self,
        ctx: RequestContext,
        body: v2025_09_29::delegate_payment::DelegatePaymentRequest,
    ) -> Result<v2025_09_29::delegate_payment::DelegatePaymentResponse, ApiError> {
        self.enter(V0929, "delegate_payment", &ctx, Some(&body));
        typed("2025-09-29 delegate_payment", self.vault_token(V0929))
    }
}

// ---------------------------------------------------------------------------------------------
// The generated routers of each version, merged.
// ---------------------------------------------------------------------------------------------

/// Every generated router of 2026-04-17 the merchant serves (the webhook receiver is separate:
/// it is the agent's endpoint).
pub fn routes_2026_04_17(merchant: &Arc<Merchant>) -> Router {
    Router::new()
        .merge(v2026_04_17::checkout::router(merchant.clone()))
        .merge(v2026_04_17::delegate_payment::router(merchant.clone()))
        .merge(v2026_04_17::cart::router(merchant.clone()))
        .merge(v2026_04_17::delegate_authentication::router(
            merchant.clone(),
        ))
        .merge(v2026_04_17::feed::router(merchant.clone()))
}

pub fn routes_2026_01_30(merchant: &Arc<Merchant>) -> Router {
    Router::new()
        .merge(v2026_01_30::checkout::router(merchant.clone()))
        .merge(v2026_01_30::delegate_payment::router(merchant.clone()))
}

pub fn routes_2025_09_29(merchant: &Arc<Merchant>) -> Router {
    Router::new()
        .merge(v2025_09_29::checkout::router(merchant.clone()))
        .merge(v2025_09_29::delegate_payment::router(merchant.clone()))
}

pub fn routes_2026_01_16(merchant: &Arc<Merchant>) -> Router {
    v2026_01_16::checkout::router(merchant.clone())
}

pub fn routes_2025_12_12(merchant: &Arc<Merchant>) -> Router {
    v2025_12_12::checkout::router(merchant.clone())
}

/// The agent's webhook receiver (2026-04-17 generated router) behind `webhook_receiver`.
pub fn webhook_routes(merchant: &Arc<Merchant>) -> Router {
    v2026_04_17::webhooks::router(merchant.clone())
}
