//! The checks: each one self-contained (it creates the sessions and tokens it needs), so any
//! subset runs in any order, and each result carries the full request/response log that
//! demonstrates it.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::config::MerchantConfig;
use super::error::SetupError;
use super::http::{Http, Key, Reply, Request, SendError, Signature};
use super::listener::{Delivery, Listener};
use super::model::{
    CheckResult, Exchange, LoggedRequest, LoggedResponse, Outcome, Profile, Report,
};
use super::requests;
use super::session;
use acp_runtime::versions::{self, VersionFacts};

mod derived;
mod mcp;
pub use derived::{served_apis, DerivedCheck};
pub use mcp::McpCheck;

use super::spec::{
    Api, Op, VersionSpec, COMPLETE, CREATE, DELEGATE, ORDER_EVENTS, RETRIEVE, UPDATE,
};

/// A check's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// Stable dotted id (`session.create.with_address`).
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// The launch-checklist item it demonstrates.
    pub checklist_item: &'static str,
}

const SESSIONS: &str = "Session creation and address handling";
const SHIPPING: &str = "Shipping option updates";
const TOKENIZATION: &str = "Payment tokenization";
const COMPLETION: &str = "Order completion";
const ORDER_UPDATES: &str = "Order updates";
const ERRORS: &str = "Error scenarios";
const IDEMPOTENCY: &str = "Idempotency";
const LINKS: &str = "Legal and UX links";

/// Every check, in the order a run performs them.
pub const CHECKS: &[CheckInfo] = &[
    CheckInfo {
        id: "session.create.without_address",
        title: "Create a checkout session without a shipping address",
        checklist_item: SESSIONS,
    },
    CheckInfo {
        id: "session.create.with_address",
        title:
            "Create a checkout session with an address: shipping options, tax and consistent totals",
        checklist_item: SESSIONS,
    },
    CheckInfo {
        id: "session.headers.api_version",
        title: "API-Version is accepted, and a missing or unsupported one refused",
        checklist_item: SESSIONS,
    },
    CheckInfo {
        id: "session.headers.request_id",
        title: "Request-Id is echoed as the spec declares",
        checklist_item: SESSIONS,
    },
    CheckInfo {
        id: "session.update.shipping_option",
        title: "Changing the shipping option recomputes the totals correctly",
        checklist_item: SHIPPING,
    },
    CheckInfo {
        id: "delegate_payment.create",
        title:
            "Delegate a card: vault token with allowance, billing address, risk signals, metadata",
        checklist_item: TOKENIZATION,
    },
    CheckInfo {
        id: "delegate_payment.signature",
        title: "A request whose detached signature does not match its canonical JSON is refused",
        checklist_item: TOKENIZATION,
    },
    CheckInfo {
        id: "order.complete",
        title: "Complete with the token: final order in the completed state",
        checklist_item: COMPLETION,
    },
    CheckInfo {
        id: "webhooks.order_events",
        title: "Order created and updated webhooks arrive with a valid Merchant-Signature",
        checklist_item: ORDER_UPDATES,
    },
    CheckInfo {
        id: "errors.missing_field",
        title: "A required field omitted gives 400 invalid_request with param",
        checklist_item: ERRORS,
    },
    CheckInfo {
        id: "errors.out_of_stock",
        title: "An out-of-stock item is reported as out_of_stock",
        checklist_item: ERRORS,
    },
    CheckInfo {
        id: "errors.payment_declined",
        title: "A declining card is reported as payment_declined",
        checklist_item: ERRORS,
    },
    CheckInfo {
        id: "idempotency.create_replay",
        title: "Repeated create with the same Idempotency-Key returns the same result",
        checklist_item: IDEMPOTENCY,
    },
    CheckInfo {
        id: "idempotency.create_conflict",
        title: "Create with a reused Idempotency-Key and a different body is a conflict",
        checklist_item: IDEMPOTENCY,
    },
    CheckInfo {
        id: "idempotency.complete_replay",
        title: "Repeated complete with the same Idempotency-Key returns the same result",
        checklist_item: IDEMPOTENCY,
    },
    CheckInfo {
        id: "idempotency.complete_conflict",
        title: "Complete with a reused Idempotency-Key and a different body is a conflict",
        checklist_item: IDEMPOTENCY,
    },
    CheckInfo {
        id: "links.legal",
        title: "Terms of Service and Privacy Policy links are present and answer 2xx",
        checklist_item: LINKS,
    },
];

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// The merchant's base URL (`https://shop.example/api`), without a trailing slash needed.
    pub base_url: String,
    /// The expectations.
    pub profile: Profile,
    /// The merchant's fixtures and secrets.
    pub config: MerchantConfig,
    /// Timeout of each request.
    pub request_timeout: Duration,
    /// How long to wait for order webhooks after completing.
    pub webhook_timeout: Duration,
    /// The APIs whose operations the derived checks cover (the order webhooks never: the
    /// merchant sends them).
    pub apis: ApiSelection,
    /// The most requests one derived check sends (invalid cases, random valid requests).
    pub max_examples: usize,
    /// The seed of the random valid requests (printed with their results, to replay a run).
    pub seed: u64,
    /// How long one derived check may keep sending random valid requests.
    pub example_time: Duration,
    /// REST (the launch checklist and the derived checks) or the MCP binding's checks.
    pub transport: Transport,
    /// The MCP endpoint (default: `/mcp` under the base URL).
    pub mcp_url: Option<String>,
}

/// Which binding a run certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// The REST API.
    #[default]
    Rest,
    /// The MCP binding (JSON-RPC tools over Streamable HTTP), for versions that have one.
    Mcp,
}

impl SuiteOptions {
    /// Options with the default timeouts (30 s per request, 20 s for webhooks).
    pub fn new(base_url: impl Into<String>, profile: Profile, config: MerchantConfig) -> Self {
        SuiteOptions {
            base_url: base_url.into(),
            profile,
            config,
            request_timeout: Duration::from_secs(30),
            webhook_timeout: Duration::from_secs(20),
            apis: ApiSelection::Served,
            max_examples: 64,
            seed: fastrand::u64(..),
            example_time: Duration::from_secs(10),
            transport: Transport::Rest,
            mcp_url: None,
        }
    }
}

/// The APIs the derived checks cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiSelection {
    /// None: only the launch checklist's checks.
    None,
    /// Every API of the version that the server serves: an API whose first route answers
    /// as an unknown route (404, 405, 501 where the spec declares none of them) is skipped,
    /// saying so, since a merchant need not offer carts or feeds.
    Served,
    /// These APIs, which the server must serve: an unserved route fails.
    Only(Vec<Api>),
}

/// A conformance run against one server for one version.
pub struct Suite {
    spec: VersionSpec,
    options: SuiteOptions,
    base_url: String,
    http: Http,
    /// The version's facts (request shape, webhook signature scheme) from the version table.
    facts: &'static VersionFacts,
    /// The operations the derived checks cover, and those checks.
    derived_ops: Vec<derived::DerivedOp>,
    derived: Vec<derived::DerivedCheck>,
    /// The APIs probed so far, and why each is not served (`None`: served).
    served: tokio::sync::Mutex<Vec<(Api, Option<String>)>>,
    /// The MCP binding's tools and checks (run instead of the REST ones with
    /// [`Transport::Mcp`]).
    mcp_tools: Vec<mcp::Tool>,
    mcp_checks: Vec<McpCheck>,
}

/// Why a check stopped early.
enum Stop {
    Fail(String),
    Skip(String),
    /// The check this one needs (its id) failed; why this one cannot run.
    Blocked(String, String),
    /// The operation's route is not served at all: this check fails, and the operation's
    /// other checks are blocked by it.
    Unserved(String),
}

type Step<T> = Result<T, Stop>;

/// An `API-Version` no server supports: well formed, older than the protocol itself.
const UNSUPPORTED_VERSION: &str = "1999-01-01";

fn fail<T>(message: impl Into<String>) -> Step<T> {
    Err(Stop::Fail(message.into()))
}

/// A short view of a response body for messages.
fn snippet(reply: &Reply) -> String {
    let text = reply.text.trim();
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}…", &text[..end])
    } else {
        text.to_string()
    }
}

fn fresh_key() -> String {
    format!("conformance-{}", uuid::Uuid::new_v4())
}

impl Suite {
    /// A suite for the version whose spec facts are `spec`.
    pub fn new(spec: VersionSpec, options: SuiteOptions) -> Result<Suite, SetupError> {
        let http = Http::new(&options.config, options.request_timeout)?;
        let base_url = options.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(SetupError::BaseUrl(base_url));
        }
        // A folder older than every released version is held to the oldest's rules.
        let facts = versions::facts(&spec.version).unwrap_or_else(versions::oldest);
        // Over MCP the tools are called on resources the REST operations' builders make.
        let apis = match options.transport {
            Transport::Rest => options.apis.clone(),
            Transport::Mcp => ApiSelection::Served,
        };
        let (derived_ops, derived) = derived::catalog(&spec, &apis);
        let (mcp_tools, mcp_checks) = mcp::catalog(&spec);
        if options.transport == Transport::Mcp && mcp_checks.is_empty() {
            return Err(SetupError::NoMcpBinding(spec.version.clone()));
        }
        Ok(Suite {
            spec,
            options,
            base_url,
            http,
            facts,
            derived_ops,
            derived,
            served: tokio::sync::Mutex::new(Vec::new()),
            mcp_tools,
            mcp_checks,
        })
    }

    /// A suite for `version`, its spec files loaded (and hash-checked) by `generator`.
    pub fn load(
        generator: &acp_codegen::Generator,
        version: &str,
        options: SuiteOptions,
    ) -> Result<Suite, SetupError> {
        let set = generator.spec_set(version)?;
        Suite::new(VersionSpec::new(&set)?, options)
    }

    /// The checks a run performs.
    pub fn checks(&self) -> &'static [CheckInfo] {
        CHECKS
    }

    /// The version checked.
    pub fn version(&self) -> &str {
        &self.spec.version
    }

    /// An empty report for this run.
    pub fn report(&self) -> Report {
        Report::new(&self.base_url, &self.spec.version, self.options.profile)
    }

    /// Runs every check (or those whose id is in `only`, when not empty), calling `each` as
    /// each finishes: the checklist's checks, then the derived ones.
    pub async fn run(&self, only: &[String], mut each: impl FnMut(&CheckResult)) -> Report {
        let mut report = self.report();
        let wanted = |id: &str| only.is_empty() || only.iter().any(|o| o == id);
        if self.options.transport == Transport::Mcp {
            for check in self.mcp_checks.iter().filter(|c| wanted(&c.id)) {
                let result = self.run_mcp(check).await;
                each(&result);
                report.results.push(result);
            }
            return report;
        }
        for check in CHECKS {
            if !wanted(check.id) {
                continue;
            }
            let result = self.run_check(check).await;
            each(&result);
            report.results.push(result);
        }
        // An operation whose route is not served fails its first check only.
        let mut unserved: Vec<(usize, String)> = Vec::new();
        for check in &self.derived {
            if !wanted(&check.id) {
                continue;
            }
            let skipped = self.api_not_served(check).await;
            let result = match unserved.iter().find(|(op, _)| *op == check.op) {
                _ if skipped.is_some() => self.skipped(check, skipped.as_deref().unwrap_or("")),
                Some((_, root)) => self.blocked(check, root.clone(), "the route is not served"),
                None => {
                    let (result, not_served) = self.run_derived(check).await;
                    if not_served {
                        unserved.push((check.op, check.id.clone()));
                    }
                    result
                }
            };
            each(&result);
            report.results.push(result);
        }
        report
    }

    /// Runs the check with this id; `None` when there is none.
    pub async fn run_id(&self, id: &str) -> Option<CheckResult> {
        // The MCP binding's checks run by id whatever the transport of the run (the emitted
        // test crate has both).
        if let Some(check) = self.mcp_checks.iter().find(|c| c.id == id) {
            return Some(self.run_mcp(check).await);
        }
        if self.options.transport == Transport::Mcp {
            return None;
        }
        if let Some(check) = CHECKS.iter().find(|c| c.id == id) {
            return Some(self.run_check(check).await);
        }
        let check = self.derived.iter().find(|c| c.id == id)?;
        if let Some(why) = self.api_not_served(check).await {
            return Some(self.skipped(check, &why));
        }
        Some(self.run_derived(check).await.0)
    }

    /// Why `check`'s API is skipped: with [`ApiSelection::Served`], the server does not serve
    /// it (probed once per API and run).
    async fn api_not_served(&self, check: &derived::DerivedCheck) -> Option<String> {
        if self.options.apis != ApiSelection::Served {
            return None;
        }
        let api = self.derived_ops[check.op].api();
        let mut probed = self.served.lock().await;
        if let Some((_, why)) = probed.iter().find(|(a, _)| *a == api) {
            return why.clone();
        }
        let mut ctx = Ctx {
            suite: self,
            log: Vec::new(),
        };
        let why = ctx.unserved_api(api).await;
        probed.push((api, why.clone()));
        why
    }

    /// The ids and titles of every check of this run.
    pub fn check_list(&self) -> Vec<(String, String)> {
        if self.options.transport == Transport::Mcp {
            return self.mcp_check_list();
        }
        CHECKS
            .iter()
            .map(|c| (c.id.to_string(), c.title.to_string()))
            .chain(self.derived.iter().map(|c| (c.id.clone(), c.title.clone())))
            .collect()
    }

    /// The ids and titles of the MCP binding's checks (empty for a version without one).
    pub fn mcp_check_list(&self) -> Vec<(String, String)> {
        (self.mcp_checks.iter())
            .map(|c| (c.id.clone(), c.title.clone()))
            .collect()
    }

    fn skipped(&self, check: &derived::DerivedCheck, why: &str) -> CheckResult {
        CheckResult {
            outcome: Outcome::Skip,
            message: why.to_string(),
            blocked_by: None,
            ..self.blocked(check, String::new(), why)
        }
    }

    fn blocked(&self, check: &derived::DerivedCheck, by: String, why: &str) -> CheckResult {
        CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            checklist_item: None,
            outcome: Outcome::Blocked,
            message: format!("blocked by {by}: {why}"),
            exchanges: Vec::new(),
            duration_ms: 0,
            spec_location: Some(check.spec_location.clone()),
            blocked_by: Some(by),
        }
    }

    /// Runs a check of the MCP binding.
    async fn run_mcp(&self, check: &McpCheck) -> CheckResult {
        let started = Instant::now();
        let mut ctx = Ctx {
            suite: self,
            log: Vec::new(),
        };
        let outcome = ctx.mcp(check).await;
        spec_check_result(
            &check.id,
            &check.title,
            &check.spec_location,
            outcome,
            ctx.log,
            started,
        )
    }

    /// The MCP endpoint of the run.
    fn mcp_url(&self) -> String {
        self.options
            .mcp_url
            .clone()
            .unwrap_or_else(|| format!("{}/mcp", self.base_url))
    }

    /// The operation the derived checks know as `operation_id` of `api`.
    fn derived_op(&self, api: Api, operation_id: &str) -> Option<&derived::DerivedOp> {
        self.derived_ops
            .iter()
            .find(|op| op.api() == api && op.ir.id == operation_id)
    }

    /// Runs a derived check; whether it found its operation's route not served.
    async fn run_derived(&self, check: &derived::DerivedCheck) -> (CheckResult, bool) {
        let started = Instant::now();
        let mut ctx = Ctx {
            suite: self,
            log: Vec::new(),
        };
        let outcome = ctx.derived(check).await;
        let not_served = matches!(outcome, Err(Stop::Unserved(_)));
        let result = spec_check_result(
            &check.id,
            &check.title,
            &check.spec_location,
            outcome,
            ctx.log,
            started,
        );
        (result, not_served)
    }

    /// Runs one check.
    pub async fn run_check(&self, check: &CheckInfo) -> CheckResult {
        let started = Instant::now();
        let mut ctx = Ctx {
            suite: self,
            log: Vec::new(),
        };
        let outcome = match check.id {
            "session.create.without_address" => ctx.create_without_address().await,
            "session.create.with_address" => ctx.create_with_address().await,
            "session.headers.api_version" => ctx.api_version().await,
            "session.headers.request_id" => ctx.request_id().await,
            "session.update.shipping_option" => ctx.update_shipping_option().await,
            "delegate_payment.create" => ctx.delegate_payment().await,
            "delegate_payment.signature" => ctx.delegate_signature().await,
            "order.complete" => ctx.complete_order().await,
            "webhooks.order_events" => ctx.order_webhooks().await,
            "errors.missing_field" => ctx.missing_field().await,
            "errors.out_of_stock" => ctx.out_of_stock().await,
            "errors.payment_declined" => ctx.payment_declined().await,
            "idempotency.create_replay" => ctx.create_replay().await,
            "idempotency.create_conflict" => ctx.create_conflict().await,
            "idempotency.complete_replay" => ctx.complete_replay().await,
            "idempotency.complete_conflict" => ctx.complete_conflict().await,
            "links.legal" => ctx.legal_links().await,
            other => Err(Stop::Fail(format!("unknown check `{other}`"))),
        };
        let (outcome, message) = match outcome {
            Ok(note) => (Outcome::Pass, note),
            Err(Stop::Fail(message)) => (Outcome::Fail, message),
            Err(Stop::Skip(message)) => (Outcome::Skip, message),
            Err(Stop::Blocked(by, why)) => (Outcome::Fail, format!("{by} failed: {why}")),
            Err(Stop::Unserved(message)) => (Outcome::Fail, message),
        };
        CheckResult {
            id: check.id.to_string(),
            title: check.title.to_string(),
            checklist_item: Some(check.checklist_item.to_string()),
            outcome,
            message,
            exchanges: ctx.log,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            spec_location: None,
            blocked_by: None,
        }
    }

    fn config(&self) -> &MerchantConfig {
        &self.options.config
    }

    /// The status a successful complete must have: the spec's, or 201 for the checklist.
    fn complete_status(&self) -> u16 {
        match self.options.profile {
            Profile::Spec => self.spec.success_status(COMPLETE).unwrap_or(200),
            Profile::LaunchChecklist => versions::checklist::COMPLETE_STATUS,
        }
    }

    /// The status of an idempotency conflict: the version's, or 409 for the checklist.
    fn conflict_status(&self) -> u16 {
        self.conflict_status_for(self.options.profile)
    }

    fn conflict_status_for(&self, profile: Profile) -> u16 {
        match profile {
            Profile::Spec => self.spec.conflict_status(),
            Profile::LaunchChecklist => versions::checklist::IDEMPOTENCY_CONFLICT_STATUS,
        }
    }

    /// ` (… the other profile's …)` when `got`, answered where one of `expected` was, is what
    /// the other profile expects in the same place (complete's 200/201, the conflict's
    /// 409/422): the server may implement the other profile.
    fn other_profile_hint(&self, op: Op, expected: &[u16], got: u16) -> String {
        let this = self.options.profile;
        let Some(other) = Profile::ALL.into_iter().find(|p| *p != this) else {
            return String::new();
        };
        let complete = |profile| match profile {
            Profile::Spec => self.spec.success_status(COMPLETE).unwrap_or(200),
            Profile::LaunchChecklist => versions::checklist::COMPLETE_STATUS,
        };
        let pairs = [
            (
                op == COMPLETE,
                complete(this),
                complete(other),
                "a completed checkout",
            ),
            (
                op.method == "post",
                self.conflict_status_for(this),
                self.conflict_status_for(other),
                "an idempotency conflict",
            ),
        ];
        pairs
            .into_iter()
            .find(|(applies, mine, theirs, _)| {
                *applies && mine != theirs && expected.contains(mine) && got == *theirs
            })
            .map(|(_, mine, theirs, what)| {
                format!(
                    " ({theirs} is the {other} profile's status for {what}, {mine} this \
                     {this} profile's: run with --profile {other} if the server follows it)"
                )
            })
            .unwrap_or_default()
    }

    /// Whether a replay must carry `Idempotent-Replayed: true`: when the spec declares the
    /// header (2026-04-17 on); the checklist only asks for the same result.
    fn replay_header_required(&self, op: Op) -> bool {
        self.options.profile == Profile::Spec
            && self.spec.success_status(op).is_some_and(|s| {
                self.spec
                    .declares_response_header(op, s, "Idempotent-Replayed")
            })
    }

    /// A request to `path` of `op` as the checks send it: the API's bearer key, the version's
    /// `API-Version`, a fresh `Idempotency-Key` on POSTs, signed when configured.
    pub fn request(&self, op: Op, path: &str, body: Option<Value>) -> Request {
        let post = op.method != "get";
        Request {
            method: Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap_or(Method::POST),
            url: format!("{}{path}", self.base_url_of(op.api)),
            body,
            key: match op.api {
                super::spec::Api::DelegatePayment => Key::Psp,
                _ => Key::Merchant,
            },
            api_version: Some(self.spec.version.clone()),
            idempotency_key: post.then(fresh_key),
            signature: Signature::Configured,
        }
    }

    /// Where `api` is served: a PSP's own base URL for delegate_payment when merchant.toml
    /// names one, else the merchant's.
    fn base_url_of(&self, api: Api) -> &str {
        match (api, &self.config().payment.psp_base_url) {
            (Api::DelegatePayment, Some(url)) => url.trim_end_matches('/'),
            _ => &self.base_url,
        }
    }

    /// The headers `request` goes out with (see [`Http::prepare`]).
    pub fn headers_of(&self, request: &Request) -> Result<Vec<(String, String)>, SendError> {
        self.http.prepare(request).map(|(headers, _)| headers)
    }

    /// The merchant id sent in allowances: the base URL's host.
    fn merchant_id(&self) -> String {
        self.base_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or("merchant")
            .to_string()
    }
}

/// The result of a check made from the spec (derived or MCP): its outcome (blocked by the
/// check named, where one failed first), exchanges and time, at its spec location.
fn spec_check_result(
    id: &str,
    title: &str,
    spec_location: &str,
    outcome: Step<String>,
    exchanges: Vec<Exchange>,
    started: Instant,
) -> CheckResult {
    let mut blocked_by = None;
    let (outcome, message) = match outcome {
        Ok(note) => (Outcome::Pass, note),
        Err(Stop::Fail(message) | Stop::Unserved(message)) => (Outcome::Fail, message),
        Err(Stop::Skip(message)) => (Outcome::Skip, message),
        Err(Stop::Blocked(by, why)) => {
            let message = format!("blocked by {by}: {why}");
            blocked_by = Some(by);
            (Outcome::Blocked, message)
        }
    };
    CheckResult {
        id: id.to_string(),
        title: title.to_string(),
        checklist_item: None,
        outcome,
        message,
        exchanges,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        spec_location: Some(spec_location.to_string()),
        blocked_by,
    }
}

/// One check's state: the suite and the exchanges so far.
struct Ctx<'a> {
    suite: &'a Suite,
    log: Vec<Exchange>,
}

impl Ctx<'_> {
    fn spec(&self) -> &VersionSpec {
        &self.suite.spec
    }

    fn config(&self) -> &MerchantConfig {
        self.suite.config()
    }

    /// Sends a request to `path` of `op`, with the version's headers.
    async fn send(
        &mut self,
        op: Op,
        path: &str,
        body: Option<Value>,
        idempotency_key: Option<String>,
        signature: Signature,
        api_version: Option<String>,
    ) -> Step<Reply> {
        let mut request = self.suite.request(op, path, body);
        request.idempotency_key = idempotency_key;
        request.signature = signature;
        request.api_version = api_version;
        self.send_request(request).await
    }

    /// Sends `request` as it is, logging the exchange; no answer fails the check.
    async fn send_request(&mut self, request: Request) -> Step<Reply> {
        let described = format!("{} {}", request.method, request.url);
        self.suite
            .http
            .send(request, &mut self.log)
            .await
            .map_err(|e| Stop::Fail(format!("{described} got no response: {e}")))
    }

    /// A POST with the version's headers and a fresh or given idempotency key.
    async fn post(&mut self, op: Op, path: &str, body: Value, key: Option<String>) -> Step<Reply> {
        let version = self.spec().version.clone();
        let key = key.or_else(|| Some(fresh_key()));
        self.send(
            op,
            path,
            Some(body),
            key,
            Signature::Configured,
            Some(version),
        )
        .await
    }

    fn expect_status(&self, reply: &Reply, op: Op, path: &str, expected: u16) -> Step<()> {
        if reply.status == expected {
            return Ok(());
        }
        fail(format!(
            "{} {path} answered {} where {expected} was expected{}: {}",
            op.method.to_uppercase(),
            reply.status,
            self.suite.other_profile_hint(op, &[expected], reply.status),
            snippet(reply)
        ))
    }

    /// Validates a response body against the schema the spec gives for its status (2xx bodies
    /// against the operation's success schema, whatever the profile's status).
    fn expect_schema(&self, op: Op, status: u16, body: &Value, what: &str) -> Step<()> {
        let status = if (200..300).contains(&status) {
            self.spec().success_status(op).unwrap_or(status)
        } else {
            status
        };
        let Some(schema) = self.spec().response_schema(op, status) else {
            return Ok(());
        };
        let errors = self.spec().validate(&schema, body);
        if errors.is_empty() {
            return Ok(());
        }
        let shown: Vec<&str> = errors.iter().take(5).map(String::as_str).collect();
        fail(format!(
            "{what} does not match the {} schema ({}): {}{}",
            self.spec().version,
            schema.rsplit('/').nth(3).unwrap_or(&schema),
            shown.join("; "),
            if errors.len() > 5 {
                format!(" (+{} more)", errors.len() - 5)
            } else {
                String::new()
            }
        ))
    }

    /// Creates a session for `item_id` and checks status and schema.
    async fn create(&mut self, item_id: &str, with_address: bool) -> Step<Value> {
        let body = requests::create(
            self.suite.facts.request_shape,
            self.config(),
            item_id,
            with_address,
        );
        let reply = self.post(CREATE, CREATE.path, body, None).await?;
        let status = self.spec().success_status(CREATE).unwrap_or(201);
        self.expect_status(&reply, CREATE, CREATE.path, status)?;
        self.expect_schema(CREATE, reply.status, reply.body(), "the created session")?;
        Ok(reply.body().clone())
    }

    fn session_id(session_value: &Value) -> Step<String> {
        match session_value.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(id.to_string()),
            _ => fail("the session has no id"),
        }
    }

    /// A session with the in-stock item, buyer and address, ready for payment.
    async fn ready_session(&mut self) -> Step<Value> {
        let in_stock = self.config().fixtures.in_stock_item_id.clone();
        let created = self.create(&in_stock, true).await?;
        if session::status(&created) != "ready_for_payment" {
            return fail(format!(
                "a session with item `{in_stock}`, buyer and address has status `{}`, not \
                 `ready_for_payment`; the payment checks need one",
                session::status(&created)
            ));
        }
        Ok(created)
    }

    /// Delegates `card_number` for `session_value`; the vault token id.
    async fn delegate(&mut self, session_value: &Value, card_number: &str) -> Step<String> {
        let id = Self::session_id(session_value)?;
        let body = requests::delegate(self.config(), &id, card_number, &self.suite.merchant_id());
        let reply = self.post(DELEGATE, DELEGATE.path, body, None).await?;
        let status = self.spec().success_status(DELEGATE).unwrap_or(201);
        self.expect_status(&reply, DELEGATE, DELEGATE.path, status)?;
        self.expect_schema(
            DELEGATE,
            reply.status,
            reply.body(),
            "the delegate_payment response",
        )?;
        match reply.body().get("id").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(token.to_string()),
            _ => fail("the delegate_payment response has no token id"),
        }
    }

    fn complete_path(session_id: &str) -> String {
        format!("/checkout_sessions/{session_id}/complete")
    }

    /// Posts complete for `session_value` paying with `token`.
    async fn complete(
        &mut self,
        session_value: &Value,
        token: &str,
        key: Option<String>,
    ) -> Step<(String, Value, Reply)> {
        let id = Self::session_id(session_value)?;
        let body = requests::complete(
            self.suite.facts.request_shape,
            self.config(),
            session_value,
            token,
        );
        let path = Self::complete_path(&id);
        let reply = self.post(COMPLETE, &path, body.clone(), key).await?;
        Ok((path, body, reply))
    }

    /// Checks an error response: status, the spec's error schema, and optionally the code.
    fn expect_error(&self, reply: &Reply, op: Op, status: u16, code: Option<&str>) -> Step<()> {
        self.expect_schema(op, status, reply.body(), "the error body")?;
        if let Some(code) = code {
            let got = reply
                .body()
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("");
            if got != code {
                return fail(format!(
                    "the {status} error has code `{got}`, expected `{code}`: {}",
                    snippet(reply)
                ));
            }
        }
        Ok(())
    }

    /// Checks a 400 for a missing or unsupported `API-Version` against the error schema.
    /// `supported_versions` is what the versioning RFC asks for, though the closed `Error`
    /// schemas do not list it: the rest of the body is judged.
    fn expect_version_error(&self, reply: &Reply) -> Step<()> {
        let mut judged = reply.body().clone();
        if let Some(map) = judged.as_object_mut() {
            map.remove("supported_versions");
        }
        self.expect_schema(CREATE, 400, &judged, "the error body")
    }

    async fn create_without_address(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let created = self.create(&item, false).await?;
        let status = session::status(&created);
        if status == "completed" || status == "canceled" {
            return fail(format!("a new session has status `{status}`"));
        }
        Ok(format!(
            "201 Created, status `{status}`, valid against the schema"
        ))
    }

    async fn create_with_address(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let created = self.create(&item, true).await?;
        let options = session::shipping_options(&created);
        if options.is_empty() {
            return fail("no shipping options were returned although a valid address was given");
        }
        let tax = self.expect_tax(&created)?;
        let equation = session::check_totals(&created).map_err(|m| Stop::Fail(m.0))?;
        Ok(format!(
            "{} shipping option(s), {tax}; {equation}",
            options.len(),
        ))
    }

    /// The tax total of a session with an address, described: the launch checklist requires
    /// one ("shipping options and tax totals are returned once a valid address is provided"),
    /// the spec does not (a merchant may sell where no tax applies). Create and update judge
    /// it alike.
    fn expect_tax(&self, session_value: &Value) -> Step<String> {
        let totals = session::session_totals(session_value);
        match totals.get("tax") {
            Some(tax) => Ok(format!("tax {tax}")),
            None if self.suite.options.profile == Profile::LaunchChecklist => fail(format!(
                "totals[] has no `tax` entry although a valid address was given (types: {}); \
                 the launch checklist requires tax totals",
                totals.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            None => Ok("no tax total (the spec does not require one)".into()),
        }
    }

    async fn api_version(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let version = self.spec().version.clone();
        let body = requests::create(self.suite.facts.request_shape, self.config(), &item, false);
        let reply = self.post(CREATE, CREATE.path, body, None).await?;
        let status = self.spec().success_status(CREATE).unwrap_or(201);
        self.expect_status(&reply, CREATE, CREATE.path, status)?;
        let mut notes = vec![format!("`API-Version: {version}` accepted")];
        // No released version declares it, but echo it where one does.
        if self
            .spec()
            .declares_response_header(CREATE, status, "API-Version")
        {
            if reply.header("API-Version") != Some(version.as_str()) {
                return fail(format!(
                    "the spec declares an API-Version response header; got {:?}, expected \
                     `{version}`",
                    reply.header("API-Version")
                ));
            }
            notes.push("echoed".into());
        }
        let body = requests::create(self.suite.facts.request_shape, self.config(), &item, false);
        if self.spec().requires_request_header(CREATE, "API-Version") {
            let reply = self
                .send(
                    CREATE,
                    CREATE.path,
                    Some(body.clone()),
                    Some(fresh_key()),
                    Signature::Configured,
                    None,
                )
                .await?;
            if reply.status != 400 {
                return fail(format!(
                    "a create without API-Version answered {} where 400 was expected (the spec \
                     requires the header): {}",
                    reply.status,
                    snippet(&reply)
                ));
            }
            self.expect_version_error(&reply)?;
            notes.push("missing → 400".into());
        }
        let reply = self
            .send(
                CREATE,
                CREATE.path,
                Some(body),
                Some(fresh_key()),
                Signature::Configured,
                Some(UNSUPPORTED_VERSION.into()),
            )
            .await?;
        if reply.status != 400 {
            return fail(format!(
                "a create with the unsupported `API-Version: {UNSUPPORTED_VERSION}` answered {} where 400 was \
                 expected: {}",
                reply.status,
                snippet(&reply)
            ));
        }
        self.expect_version_error(&reply)?;
        if let Some(listed) = reply
            .body()
            .get("supported_versions")
            .and_then(Value::as_array)
        {
            if !listed.iter().any(|v| v.as_str() == Some(version.as_str())) {
                return fail(format!(
                    "supported_versions {listed:?} does not list {version}, which the server \
                     accepted"
                ));
            }
        }
        notes.push("unsupported → 400".into());
        Ok(notes.join(", "))
    }

    async fn request_id(&mut self) -> Step<String> {
        let status = self.spec().success_status(CREATE).unwrap_or(201);
        if !self
            .spec()
            .declares_response_header(CREATE, status, "Request-Id")
        {
            return Err(Stop::Skip(format!(
                "the {} spec does not declare a Request-Id response header",
                self.spec().version
            )));
        }
        let item = self.config().fixtures.in_stock_item_id.clone();
        let body = requests::create(self.suite.facts.request_shape, self.config(), &item, false);
        let reply = self.post(CREATE, CREATE.path, body, None).await?;
        self.expect_status(&reply, CREATE, CREATE.path, status)?;
        let sent = self
            .log
            .last()
            .and_then(|e| {
                e.request
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("Request-Id"))
            })
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        match reply.header("Request-Id") {
            Some(echoed) if echoed == sent => Ok(format!("Request-Id `{sent}` echoed")),
            Some(other) => fail(format!("Request-Id `{sent}` was answered with `{other}`")),
            None => fail(format!("the response does not echo Request-Id `{sent}`")),
        }
    }

    async fn update_shipping_option(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let mut current = self.create(&item, true).await?;
        let id = Self::session_id(&current)?;
        let path = format!("/checkout_sessions/{id}");
        let options: Vec<Value> = session::shipping_options(&current)
            .into_iter()
            .cloned()
            .collect();
        if options.len() < 2 {
            return Err(Stop::Skip(format!(
                "the server offers {} shipping option(s) for the fixture address; changing the \
                 option needs two",
                options.len()
            )));
        }
        let status = self.spec().success_status(UPDATE).unwrap_or(200);
        let shape = self.suite.facts.request_shape;
        let select = |session_value: &Value, option: &Value| {
            let option_id = session::option_id(option).unwrap_or_default().to_string();
            (
                option_id.clone(),
                requests::select_option(shape, session_value, &option_id),
            )
        };
        if session::selected_option_id(&current).is_none() {
            let (_, body) = select(&current, &options[0]);
            let reply = self.post(UPDATE, &path, body, None).await?;
            self.expect_status(&reply, UPDATE, &path, status)?;
            current = reply.body().clone();
        }
        let before = session::selected_option_id(&current).unwrap_or_default();
        let Some(old) = options
            .iter()
            .find(|o| session::option_id(o) == Some(before.as_str()))
        else {
            return fail(format!(
                "the selected option `{before}` is not among fulfillment_options"
            ));
        };
        let Some(new) = options
            .iter()
            .find(|o| session::option_id(o) != Some(before.as_str()))
        else {
            return fail("all shipping options have the same id");
        };
        let (target, body) = select(&current, new);
        let reply = self.post(UPDATE, &path, body, None).await?;
        self.expect_status(&reply, UPDATE, &path, status)?;
        let updated = reply.body().clone();
        self.expect_schema(UPDATE, reply.status, &updated, "the updated session")?;
        let selected = session::selected_option_id(&updated).unwrap_or_default();
        if selected != target {
            return fail(format!(
                "after selecting `{target}` the session selects `{selected}`"
            ));
        }
        let tax = self.expect_tax(&updated)?;
        let equation = session::check_totals(&updated).map_err(|m| Stop::Fail(m.0))?;
        let total = |s: &Value| session::session_totals(s).get("total").copied();
        let (Some(total_before), Some(total_after)) = (total(&current), total(&updated)) else {
            return fail("a session has no `total` in totals[]");
        };
        if let (Some(old_price), Some(new_price)) =
            (session::option_total(old), session::option_total(new))
        {
            if total_after - total_before != new_price - old_price {
                return fail(format!(
                    "switching from `{before}` ({old_price}) to `{target}` ({new_price}) moved the \
                     total from {total_before} to {total_after}: a change of {}, expected {}",
                    total_after - total_before,
                    new_price - old_price
                ));
            }
        }
        Ok(format!(
            "`{before}` → `{target}`: total {total_before} → {total_after}, {tax}; {equation}"
        ))
    }

    async fn delegate_payment(&mut self) -> Step<String> {
        let ready = self.ready_session().await?;
        let card = self.config().payment.card_number.clone();
        let token = self.delegate(&ready, &card).await?;
        let signed = if self.suite.http.signs() {
            "signed (Signature + Timestamp over the canonical JSON)"
        } else {
            "unsigned: add [signing] to merchant.toml to check detached signatures"
        };
        Ok(format!("token `{token}`; canonical JSON body, {signed}"))
    }

    async fn delegate_signature(&mut self) -> Step<String> {
        if !self.suite.http.signs() {
            return Err(Stop::Skip(
                "no [signing] in merchant.toml: requests are not signed".into(),
            ));
        }
        let ready = self.ready_session().await?;
        let id = Self::session_id(&ready)?;
        let card = self.config().payment.card_number.clone();
        let body = requests::delegate(self.config(), &id, &card, &self.suite.merchant_id());
        let version = self.spec().version.clone();
        let reply = self
            .send(
                DELEGATE,
                DELEGATE.path,
                Some(body),
                Some(fresh_key()),
                Signature::Wrong,
                Some(version),
            )
            .await?;
        if !matches!(reply.status, 400 | 401 | 403) {
            return fail(format!(
                "a delegate_payment request whose Signature does not match its body answered {} \
                 (expected 401, or 400/403): {}",
                reply.status,
                snippet(&reply)
            ));
        }
        // The delegate_payment `Error` enums have no type or code for authentication failures
        // (even the spec's own 401 example breaks them), so only the shape is judged.
        let error = reply.body();
        let shaped = ["type", "code", "message"]
            .iter()
            .all(|member| error.get(member).is_some_and(Value::is_string));
        if !shaped {
            return fail(format!(
                "the {} refusal is not an error object with `type`, `code` and `message`: {}",
                reply.status,
                snippet(&reply)
            ));
        }
        Ok(format!(
            "mismatching signature refused with {} `{}`",
            reply.status,
            error["code"].as_str().unwrap_or("")
        ))
    }

    /// Completes a ready session with a good card; the completed session.
    async fn completed_order(&mut self) -> Step<(String, Value)> {
        let ready = self.ready_session().await?;
        let id = Self::session_id(&ready)?;
        let card = self.config().payment.card_number.clone();
        let token = self.delegate(&ready, &card).await?;
        let (path, _, reply) = self.complete(&ready, &token, None).await?;
        self.expect_status(&reply, COMPLETE, &path, self.suite.complete_status())?;
        self.expect_schema(
            COMPLETE,
            reply.status,
            reply.body(),
            "the completed session",
        )?;
        let completed = reply.body().clone();
        if session::status(&completed) != "completed" {
            return fail(format!(
                "the session after complete has status `{}`, not `completed`{}",
                session::status(&completed),
                completed
                    .get("messages")
                    .map(|m| format!(" (messages: {m})"))
                    .unwrap_or_default()
            ));
        }
        let Some(order) = completed.get("order") else {
            return fail("the completed session has no `order`");
        };
        for member in ["id", "permalink_url"] {
            if order
                .get(member)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return fail(format!("the order has no `{member}`"));
            }
        }
        if order.get("checkout_session_id").and_then(Value::as_str) != Some(id.as_str()) {
            return fail(format!(
                "order.checkout_session_id is {} but the session is `{id}`",
                order.get("checkout_session_id").unwrap_or(&Value::Null)
            ));
        }
        Ok((id, completed))
    }

    async fn complete_order(&mut self) -> Step<String> {
        let (_, completed) = self.completed_order().await?;
        Ok(format!(
            "{} with status `completed`, order `{}`",
            self.suite.complete_status(),
            completed
                .pointer("/order/id")
                .and_then(Value::as_str)
                .unwrap_or("")
        ))
    }

    async fn order_webhooks(&mut self) -> Step<String> {
        let Some(webhooks) = self.config().webhooks.clone() else {
            return Err(Stop::Skip(
                "no [webhooks] in merchant.toml: the suite cannot receive order events".into(),
            ));
        };
        let listener = Listener::bind(&webhooks.listen).await.map_err(|e| {
            Stop::Fail(format!(
                "cannot listen for webhooks on {}: {e}",
                webhooks.listen
            ))
        })?;
        let (session_id, _) = self.completed_order().await?;
        let spec_names = self.spec().webhook_event_types();
        let name = |word: &str| {
            spec_names
                .iter()
                .find(|n| n.contains(word))
                .cloned()
                .unwrap_or_else(|| format!("order_{word}"))
        };
        let (create_name, update_name) = (name("create"), name("update"));
        let accepted = |kind: &str, spec_name: &str, checklist_name: &str| {
            kind == spec_name
                || (self.suite.options.profile == Profile::LaunchChecklist
                    && kind == checklist_name)
        };
        let kind_of = |d: &Delivery| -> Option<(String, Value)> {
            let body: Value = serde_json::from_slice(&d.body).ok()?;
            if body
                .pointer("/data/checkout_session_id")
                .and_then(Value::as_str)
                != Some(session_id.as_str())
            {
                return None;
            }
            Some((body.get("type")?.as_str()?.to_string(), body))
        };
        let (checklist_create, checklist_update) = versions::checklist::WEBHOOK_EVENTS;
        let is_create = |k: &str| accepted(k, &create_name, checklist_create);
        let is_update = |k: &str| accepted(k, &update_name, checklist_update);
        let deliveries = listener
            .wait_until(self.suite.options.webhook_timeout, |all| {
                let kinds: Vec<String> = all.iter().filter_map(kind_of).map(|(k, _)| k).collect();
                kinds.iter().any(|k| is_create(k)) && kinds.iter().any(|k| is_update(k))
            })
            .await;
        for delivery in &deliveries {
            self.log.push(logged_delivery(delivery, listener.address()));
        }
        let ours: Vec<(&Delivery, String, Value)> = deliveries
            .iter()
            .filter_map(|d| kind_of(d).map(|(k, b)| (d, k, b)))
            .collect();
        let wanted = if self.suite.options.profile == Profile::LaunchChecklist {
            format!(
                "`{create_name}`/`{checklist_create}` then `{update_name}`/`{checklist_update}`"
            )
        } else {
            format!("`{create_name}` then `{update_name}`")
        };
        let position = |test: &dyn Fn(&str) -> bool| ours.iter().position(|(_, k, _)| test(k));
        let (Some(created), Some(updated)) = (position(&is_create), position(&is_update)) else {
            let seen: Vec<&str> = ours.iter().map(|(_, k, _)| k.as_str()).collect();
            return fail(format!(
                "expected {wanted} events for session `{session_id}` at http://{}{} within {} s; \
                 received {} delivery(ies) in all, for this session: [{}]",
                listener.address(),
                ORDER_EVENTS.path,
                self.suite.options.webhook_timeout.as_secs(),
                deliveries.len(),
                seen.join(", ")
            ));
        };
        if updated < created {
            return fail(format!(
                "the `{}` event arrived before the `{}` event",
                ours[updated].1, ours[created].1
            ));
        }
        let schema = self.spec().request_schema(ORDER_EVENTS);
        for index in [created, updated] {
            let (delivery, kind, body) = &ours[index];
            verify_webhook_signature(
                &webhooks.secret,
                delivery,
                self.suite.facts.merchant_signature_scheme,
            )
            .map_err(|why| {
                Stop::Fail(format!(
                    "the `{kind}` event's Merchant-Signature is not valid: {why}"
                ))
            })?;
            if let Some(schema) = &schema {
                let mut checked = body.clone();
                // The checklist's spellings are not in the spec's enum; judge the rest.
                if kind == checklist_create {
                    checked["type"] = Value::String(create_name.clone());
                } else if kind == checklist_update {
                    checked["type"] = Value::String(update_name.clone());
                }
                let errors = self.spec().validate(schema, &checked);
                if !errors.is_empty() {
                    return fail(format!(
                        "the `{kind}` event does not match the webhook schema: {}",
                        errors.into_iter().take(5).collect::<Vec<_>>().join("; ")
                    ));
                }
            }
        }
        Ok(format!(
            "`{}` then `{}` for session `{session_id}`, both signed correctly",
            ours[created].1, ours[updated].1
        ))
    }

    async fn missing_field(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let member = self.suite.facts.request_shape.items_member();
        let mut body = requests::create(self.suite.facts.request_shape, self.config(), &item, true);
        if let Some(map) = body.as_object_mut() {
            map.remove(member);
        }
        let reply = self.post(CREATE, CREATE.path, body, None).await?;
        self.expect_status(&reply, CREATE, CREATE.path, 400)?;
        self.expect_error(&reply, CREATE, 400, None)?;
        let error = reply.body();
        let kind = error.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != "invalid_request" {
            return fail(format!(
                "the error type is `{kind}`, expected `invalid_request`"
            ));
        }
        match error.get("param").and_then(Value::as_str) {
            Some(param) if param.contains(member) => Ok(format!(
                "400 invalid_request, code `{}`, param `{param}`",
                error.get("code").and_then(Value::as_str).unwrap_or("")
            )),
            Some(param) => fail(format!(
                "param is `{param}`; it should point at the omitted `{member}` (e.g. `$.{member}`)"
            )),
            None => fail(format!(
                "the error has no `param` naming the omitted `{member}`"
            )),
        }
    }

    async fn out_of_stock(&mut self) -> Step<String> {
        let item = self.config().fixtures.out_of_stock_item_id.clone();
        let body = requests::create(self.suite.facts.request_shape, self.config(), &item, true);
        let reply = self.post(CREATE, CREATE.path, body, None).await?;
        if (200..300).contains(&reply.status) {
            self.expect_schema(CREATE, reply.status, reply.body(), "the session")?;
            let created = reply.body();
            if !session::has_error_message(created, "out_of_stock") {
                return fail(format!(
                    "the session for out-of-stock item `{item}` has no messages[] error with code \
                     `out_of_stock` (messages: {})",
                    created.get("messages").unwrap_or(&Value::Null)
                ));
            }
            let status = session::status(created);
            if status == "ready_for_payment" || status == "completed" {
                return fail(format!(
                    "the session for out-of-stock item `{item}` has status `{status}`"
                ));
            }
            return Ok(format!(
                "{} with messages[] error `out_of_stock`, status `{status}`",
                reply.status
            ));
        }
        if (400..500).contains(&reply.status) {
            self.expect_error(&reply, CREATE, reply.status, Some("out_of_stock"))?;
            return Ok(format!("{} error with code `out_of_stock`", reply.status));
        }
        fail(format!(
            "creating a session for out-of-stock item `{item}` answered {}: {}",
            reply.status,
            snippet(&reply)
        ))
    }

    async fn payment_declined(&mut self) -> Step<String> {
        let ready = self.ready_session().await?;
        let card = self.config().payment.decline_card_number.clone();
        let token = self.delegate(&ready, &card).await?;
        let (_, _, reply) = self.complete(&ready, &token, None).await?;
        if (200..300).contains(&reply.status) {
            // A declined session has no order: it is a plain session, not the complete schema.
            self.expect_schema(RETRIEVE, 200, reply.body(), "the session")?;
            let body = reply.body();
            if session::status(body) == "completed" {
                return fail("the session was completed with the declining card");
            }
            if !session::has_error_message(body, "payment_declined") {
                return fail(format!(
                    "complete with the declining card has no messages[] error with code \
                     `payment_declined` (messages: {})",
                    body.get("messages").unwrap_or(&Value::Null)
                ));
            }
            return Ok(format!(
                "{} with messages[] error `payment_declined`, status `{}`",
                reply.status,
                session::status(body)
            ));
        }
        if (400..500).contains(&reply.status) {
            self.expect_error(&reply, COMPLETE, reply.status, Some("payment_declined"))?;
            return Ok(format!(
                "{} error with code `payment_declined`",
                reply.status
            ));
        }
        fail(format!(
            "complete with the declining card answered {}: {}",
            reply.status,
            snippet(&reply)
        ))
    }

    /// Checks that `second` replays `first`.
    fn expect_replay(&self, op: Op, first: &Reply, second: &Reply) -> Step<String> {
        if second.status != first.status {
            return fail(format!(
                "the repeated request answered {} but the first {}",
                second.status, first.status
            ));
        }
        if second.json.is_none() || second.json != first.json {
            return fail(format!(
                "the repeated request returned a different body: first {}, then {}",
                snippet(first),
                snippet(second)
            ));
        }
        let replayed = second.header("Idempotent-Replayed");
        if self.suite.replay_header_required(op) && replayed != Some("true") {
            return fail(format!(
                "the replay has no `Idempotent-Replayed: true` header (got {replayed:?}); the {} \
                 spec declares it",
                self.spec().version
            ));
        }
        Ok(format!(
            "same status {} and body{}",
            second.status,
            if replayed == Some("true") {
                ", Idempotent-Replayed: true"
            } else {
                ""
            }
        ))
    }

    async fn create_replay(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let body = requests::create(self.suite.facts.request_shape, self.config(), &item, true);
        let key = fresh_key();
        let first = self
            .post(CREATE, CREATE.path, body.clone(), Some(key.clone()))
            .await?;
        let status = self.spec().success_status(CREATE).unwrap_or(201);
        self.expect_status(&first, CREATE, CREATE.path, status)?;
        let second = self.post(CREATE, CREATE.path, body, Some(key)).await?;
        self.expect_replay(CREATE, &first, &second)
    }

    /// Checks that `reply` is the profile's idempotency conflict.
    fn expect_conflict(&self, op: Op, path: &str, reply: &Reply) -> Step<String> {
        let status = self.suite.conflict_status();
        self.expect_status(reply, op, path, status)?;
        self.expect_error(reply, op, status, Some("idempotency_conflict"))?;
        Ok(format!("{status} idempotency_conflict"))
    }

    async fn create_conflict(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let key = fresh_key();
        let body = requests::create(self.suite.facts.request_shape, self.config(), &item, true);
        let first = self
            .post(CREATE, CREATE.path, body, Some(key.clone()))
            .await?;
        let status = self.spec().success_status(CREATE).unwrap_or(201);
        self.expect_status(&first, CREATE, CREATE.path, status)?;
        let different =
            requests::create(self.suite.facts.request_shape, self.config(), &item, false);
        let second = self.post(CREATE, CREATE.path, different, Some(key)).await?;
        self.expect_conflict(CREATE, CREATE.path, &second)
    }

    async fn complete_replay(&mut self) -> Step<String> {
        let ready = self.ready_session().await?;
        let card = self.config().payment.card_number.clone();
        let token = self.delegate(&ready, &card).await?;
        let key = fresh_key();
        let (path, body, first) = self.complete(&ready, &token, Some(key.clone())).await?;
        self.expect_status(&first, COMPLETE, &path, self.suite.complete_status())?;
        let second = self.post(COMPLETE, &path, body, Some(key)).await?;
        self.expect_replay(COMPLETE, &first, &second)
    }

    async fn complete_conflict(&mut self) -> Step<String> {
        let ready = self.ready_session().await?;
        let card = self.config().payment.card_number.clone();
        let token = self.delegate(&ready, &card).await?;
        let key = fresh_key();
        let (path, mut body, first) = self.complete(&ready, &token, Some(key.clone())).await?;
        self.expect_status(&first, COMPLETE, &path, self.suite.complete_status())?;
        body["buyer"]["first_name"] = Value::String("Different".into());
        let second = self.post(COMPLETE, &path, body, Some(key)).await?;
        self.expect_conflict(COMPLETE, &path, &second)
    }

    async fn legal_links(&mut self) -> Step<String> {
        let item = self.config().fixtures.in_stock_item_id.clone();
        let created = self.create(&item, true).await?;
        let links: Vec<(String, String)> = created
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                Some((
                    l.get("type")?.as_str()?.to_string(),
                    l.get("url")?.as_str()?.to_string(),
                ))
            })
            .collect();
        let mut checked = Vec::new();
        for wanted in ["terms_of_use", "privacy_policy"] {
            let Some((_, url)) = links.iter().find(|(kind, _)| kind == wanted) else {
                return fail(format!(
                    "links[] has no `{wanted}` link (types present: [{}])",
                    links
                        .iter()
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return fail(format!(
                    "the `{wanted}` link `{url}` is not an absolute http(s) URL"
                ));
            }
            let request = Request {
                method: Method::GET,
                url: url.clone(),
                body: None,
                key: Key::None,
                api_version: None,
                idempotency_key: None,
                signature: Signature::Configured,
            };
            let reply = self
                .suite
                .http
                .send(request, &mut self.log)
                .await
                .map_err(|e| {
                    Stop::Fail(format!("the `{wanted}` link {url} does not answer: {e}"))
                })?;
            if !(200..300).contains(&reply.status) {
                return fail(format!(
                    "the `{wanted}` link {url} answered {}",
                    reply.status
                ));
            }
            checked.push(format!("{wanted} {} {url}", reply.status));
        }
        Ok(checked.join("; "))
    }
}

/// A received webhook in the log: the delivery as the request, the listener's 200 as the
/// response.
fn logged_delivery(delivery: &Delivery, address: std::net::SocketAddr) -> Exchange {
    Exchange {
        request: LoggedRequest {
            method: delivery.method.clone(),
            url: format!("http://{address}{}", delivery.path),
            headers: delivery.headers.clone(),
            body: Some(String::from_utf8_lossy(&delivery.body).into_owned()),
        },
        response: Some(LoggedResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(r#"{"received":true}"#.into()),
            elapsed_ms: 0,
        }),
        error: None,
    }
}

/// Checks a delivery's `Merchant-Signature`: `t=<unix>,v1=<hex>` over `t.body` within 300 s
/// (the 2026-04-17 scheme, required when `scheme_required`). Older versions only say "an HMAC
/// signature over the raw body", so for them a bare hex or base64 HMAC-SHA256 of the body is
/// accepted too.
fn verify_webhook_signature(
    secret: &str,
    delivery: &Delivery,
    scheme_required: bool,
) -> Result<(), String> {
    let header = delivery
        .header("Merchant-Signature")
        .ok_or("the Merchant-Signature header is missing")?;
    let scheme = acp_runtime::signing::verify_merchant_signature(
        secret.as_bytes(),
        header,
        &delivery.body,
        chrono::Utc::now().timestamp(),
        Duration::from_secs(300),
    );
    match scheme {
        Ok(()) => Ok(()),
        Err(error) if scheme_required || header.contains("v1=") => Err(error.to_string()),
        Err(_) => {
            use base64::Engine as _;
            let mac = acp_runtime::signing::hmac_sha256(secret.as_bytes(), &delivery.body);
            let candidates = [
                hex::encode(mac),
                base64::engine::general_purpose::STANDARD.encode(mac),
            ];
            if candidates
                .iter()
                .any(|c| c.eq_ignore_ascii_case(header.trim()))
            {
                Ok(())
            } else {
                Err(
                    "it is neither t=<unix>,v1=<hex> nor an HMAC-SHA256 of the raw body with the \
                     configured secret"
                        .into(),
                )
            }
        }
    }
}
