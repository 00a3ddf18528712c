//! Checks derived from the version's IR: for every operation of every selected API, the rules
//! the spec declares for it (auth, `API-Version`, declared statuses, response schemas and
//! headers, not-found answers, and invalid requests made from the request schema, each answered
//! with the spec's error shape and a `param` JSONPath that points at the fault).
//!
//! A check that needs a resource creates one with the API's create operation; when that fails,
//! the check is reported as blocked by the create operation's `valid` check instead of failing
//! with the same cause. An operation whose route is not served at all blocks its other checks
//! on its first one.

use acp_codegen::ir::{Additional, Operation, Shape, TypeKind, TypeRef};
use serde_json::{json, Value};

use super::{snippet, Ctx, Step, Stop, Suite};
use crate::http::{Key, Reply, Request, Signature};
use crate::instance;
use crate::model::Profile;
use crate::requests;
use crate::spec::{Api, Op, COMPLETE};
use acp_runtime::versions::checklist;

/// What a derived check verifies on its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// No or a wrong bearer key: 401 in the declared error shape.
    Auth,
    /// A missing or unsupported `API-Version`: 400 in the declared error shape.
    ApiVersion,
    /// A schema-valid request: a declared status, body, content type and headers.
    Valid,
    /// An id nobody created: 404 in the declared error shape.
    NotFound,
    /// Each required member left out: 400 `invalid_request`, `param` at the member.
    Required,
    /// Each member given a value of another JSON type: 400, `param` at the member.
    Types,
    /// Each enum member given a value outside the enum: 400, `param` at the member.
    Enums,
    /// An unknown member in each closed object: 400, `param` at the member or its object.
    Closed,
    /// Each member just outside its bounds (length, range, item count, pattern, format): 400,
    /// `param` at the member.
    Bounds,
    /// Random schema-valid requests (seeded): every answer a declared status in its declared
    /// shape, never a 5xx.
    Examples,
    /// The same key and body again: the same answer (with `Idempotent-Replayed: true` where
    /// declared); the same key with another valid body: the version's conflict status; no
    /// key where the version requires one: 400 `idempotency_key_required`.
    Idempotency,
    /// An unsigned request and one signed over another body: 401 (skipped without `[signing]`
    /// in merchant.toml).
    Signature,
    /// The operation on resources in each state their create operation reaches (from the
    /// suite's full body and from the schema's smallest one): a declared answer in each, never
    /// a 5xx; a read shows the state the resource was created in.
    States,
    /// `GET /.well-known/acp.json` at the server's origin: the discovery document, valid
    /// against `DiscoveryResponse`, listing the version checked, REST, and the base URL the
    /// suite reached the API at (skipped where not served: the spec does not require it).
    Discovery,
    /// After this operation (a `cancel` or `complete`, which end the resource's life), the
    /// resource reads in its new state and every operation that would change it is refused
    /// with a declared status (405 where the operation declares it).
    Terminal,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Auth => "auth",
            Kind::ApiVersion => "api_version",
            Kind::Valid => "valid",
            Kind::NotFound => "not_found",
            Kind::Required => "invalid.required",
            Kind::Types => "invalid.types",
            Kind::Enums => "invalid.enums",
            Kind::Closed => "invalid.closed",
            Kind::Bounds => "invalid.bounds",
            Kind::Examples => "examples",
            Kind::Idempotency => "idempotency",
            Kind::Signature => "signature",
            Kind::Terminal => "terminal",
            Kind::States => "states",
            Kind::Discovery => "discovery",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Auth => "a missing or wrong bearer key is refused with 401 in the error shape",
            Kind::ApiVersion => "a missing or unsupported API-Version is refused with 400",
            Kind::Valid => "a valid request gets a declared status, body, content type and headers",
            Kind::NotFound => "an unknown id gets 404 in the error shape",
            Kind::Required => "each required member left out: 400 with param at the member",
            Kind::Types => "each member of the wrong JSON type: 400 with param at the member",
            Kind::Enums => "each enum member outside its values: 400 with param at the member",
            Kind::Closed => "an unknown member in a closed object: 400 with param at it",
            Kind::Bounds => "each member just outside its bounds: 400 with param at the member",
            Kind::Examples => "random valid requests get declared answers, never a 5xx",
            Kind::Idempotency => "replay, conflict and a missing key answered per the version",
            Kind::Signature => "an unsigned or wrongly signed request is refused with 401",
            Kind::Terminal => "the resource's end state reads back and refuses every change",
            Kind::States => "declared answers on resources in each state their creation reaches",
            Kind::Discovery => "the discovery document is valid and lists this version and REST",
        }
    }
}

/// One operation the derived checks cover.
pub(super) struct DerivedOp {
    api: Api,
    pub(super) op: Op,
    pub(super) ir: Operation,
    /// The operation that creates the resource this one's path names (`POST /carts` for
    /// `GET /carts/{id}`).
    creator: Option<usize>,
    /// `file#pointer` of the operation.
    location: String,
}

impl DerivedOp {
    /// The API the operation belongs to.
    pub(super) fn api(&self) -> Api {
        self.api
    }

    fn has_path_parameters(&self) -> bool {
        self.ir.path.contains('{')
    }

    /// A `POST …/{id}/cancel` or `…/{id}/complete`: the verbs that end a resource's life
    /// cycle in every ACP API.
    fn ends_life(&self) -> bool {
        self.op.method == "post"
            && self
                .ir
                .path
                .rsplit_once('/')
                .is_some_and(|(resource, verb)| {
                    resource.ends_with('}') && matches!(verb, "cancel" | "complete")
                })
    }

    /// The resource path prefix (`/checkout_sessions/{checkout_session_id}`) when the path
    /// names one.
    fn resource(&self) -> Option<&str> {
        let end = self.ir.path.find('}')? + 1;
        Some(&self.ir.path[..end])
    }

    fn is_post(&self) -> bool {
        self.op.method != "get"
    }

    fn check_id(&self, kind: Kind) -> String {
        format!(
            "derived.{}.{}.{}",
            self.api.spec_name(),
            self.ir.id,
            kind.name()
        )
    }
}

/// A check derived from one operation.
#[derive(Debug, Clone)]
pub struct DerivedCheck {
    /// `derived.<spec>.<operationId>.<kind>`.
    pub id: String,
    /// One line.
    pub title: String,
    /// Where the operation is in the spec (`file#pointer`).
    pub spec_location: String,
    pub(super) op: usize,
    pub(super) kind: Kind,
}

/// The kinds of invalid request a body of type `ty` allows at all (each with a case on the
/// schema's smallest instance).
pub(super) fn invalid_kinds(spec: &crate::VersionSpec, ty: &TypeRef) -> Vec<Kind> {
    let smallest = instance::minimal(spec.ir(), ty);
    [
        Kind::Required,
        Kind::Types,
        Kind::Enums,
        Kind::Closed,
        Kind::Bounds,
    ]
    .into_iter()
    .filter(|kind| {
        let mut cases = Vec::new();
        mutations(spec.ir(), ty, &smallest, &mut Vec::new(), *kind, &mut cases);
        !cases.is_empty()
    })
    .collect()
}

/// The APIs a server receives requests for (the merchant sends the order webhooks).
pub fn served_apis(spec: &crate::VersionSpec) -> Vec<Api> {
    spec.ir()
        .modules
        .iter()
        .filter(|m| !m.operations.is_empty())
        .filter_map(|m| Api::ALL.into_iter().find(|a| a.spec_name() == m.spec))
        .filter(|api| *api != Api::Webhooks)
        .collect()
}

/// The operations of the selected APIs a server receives, and their checks, in spec order.
pub(super) fn catalog(
    spec: &crate::VersionSpec,
    selection: &super::ApiSelection,
) -> (Vec<DerivedOp>, Vec<DerivedCheck>) {
    let apis: Vec<Api> = served_apis(spec)
        .into_iter()
        .filter(|api| match selection {
            super::ApiSelection::None => false,
            super::ApiSelection::Served => true,
            super::ApiSelection::Only(apis) => apis.contains(api),
        })
        .collect();
    let mut ops = Vec::new();
    for module in spec.ir().modules.iter() {
        let Some(api) = apis.iter().copied().find(|a| a.spec_name() == module.spec) else {
            continue;
        };
        for operation in &module.operations {
            // The suite keeps its operations for the life of the process (one run, or one
            // generated test binary): leaking the few path strings lets them be `Op`s.
            let op = Op {
                api,
                path: Box::leak(operation.path.clone().into_boxed_str()),
                method: Box::leak(operation.method.to_lowercase().into_boxed_str()),
            };
            ops.push(DerivedOp {
                api,
                op,
                ir: operation.clone(),
                creator: None,
                location: operation.origin.to_string(),
            });
        }
    }
    for i in 0..ops.len() {
        if !ops[i].has_path_parameters() {
            continue;
        }
        let collection = ops[i].ir.path.split("/{").next().unwrap_or("").to_string();
        ops[i].creator = ops
            .iter()
            .position(|o| o.api == ops[i].api && o.op.method == "post" && o.ir.path == collection);
    }
    let mut checks = Vec::new();
    // The discovery document belongs to checkout (its schema is checkout's); it rides on
    // checkout's first operation for selection and skipping.
    let checkout = ops.iter().position(|o| o.api == Api::Checkout);
    if let (Some(index), Some(schema)) = (checkout, spec.discovery_schema()) {
        checks.push(DerivedCheck {
            id: format!("derived.{}.discovery", Api::Checkout.spec_name()),
            title: format!("GET /.well-known/acp.json: {}", Kind::Discovery.title()),
            spec_location: schema.to_string(),
            op: index,
            kind: Kind::Discovery,
        });
    }
    for (index, op) in ops.iter().enumerate() {
        let mut kinds = Vec::new();
        if !op.ir.security.is_empty() {
            kinds.push(Kind::Auth);
        }
        if spec.requires_request_header(op.op, "API-Version") {
            kinds.push(Kind::ApiVersion);
        }
        if !op.has_path_parameters() || op.creator.is_some() {
            kinds.push(Kind::Valid);
        }
        let live = !op.has_path_parameters() || op.creator.is_some();
        if op.has_path_parameters() {
            kinds.push(Kind::NotFound);
        }
        if op.ir.request.is_some() && live {
            kinds.push(Kind::Examples);
        }
        if !op.ir.security.is_empty() && live {
            kinds.push(Kind::Signature);
        }
        if op.op.method == "post" && live {
            kinds.push(Kind::Idempotency);
        }
        if op.has_path_parameters() && op.creator.is_some() {
            kinds.push(Kind::States);
        }
        if op.ends_life() && op.creator.is_some() {
            kinds.push(Kind::Terminal);
        }
        if let Some(request) = op
            .ir
            .request
            .as_ref()
            .filter(|_| !op.has_path_parameters() || op.creator.is_some())
        {
            kinds.extend(invalid_kinds(spec, &request.ty));
        }
        for kind in kinds {
            checks.push(DerivedCheck {
                id: op.check_id(kind),
                title: format!("{} {}: {}", op.ir.method, op.ir.path, kind.title()),
                spec_location: op.location.clone(),
                op: index,
                kind,
            });
        }
    }
    (ops, checks)
}

impl Suite {
    /// The derived checks of this run (see [`DerivedCheck`]).
    pub fn derived_checks(&self) -> &[DerivedCheck] {
        &self.derived
    }
}

/// One invalid request made from a valid one.
pub(super) struct Case {
    /// What was done (`removed $.buyer.email`).
    what: String,
    body: Value,
    /// The valid request it departs from: the base body with the optional members on the way
    /// to the fault filled in.
    base: Value,
    /// Where `param` must point.
    at: Vec<String>,
    /// `param` may also name the enclosing object (a missing or unknown member).
    parent_allowed: bool,
}

impl Case {
    /// What the case was (`removed $.buyer.email`).
    pub(super) fn what(&self) -> &str {
        &self.what
    }

    /// The request body with the fault.
    pub(super) fn body(&self) -> &Value {
        &self.body
    }

    /// Whether the ACP `Error` of the refusal is `invalid_request` with a `param` at the
    /// fault (or, for a missing or unknown member, its object; or deeper).
    pub(super) fn judge_error(&self, error: &Value) -> Result<(), String> {
        let kind = error.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != "invalid_request" {
            return Err(format!("error type `{kind}`, not `invalid_request`"));
        }
        let expected = render_path(&self.at);
        let Some(param) = error.get("param").and_then(Value::as_str) else {
            return Err(format!("no `param`; it should be `{expected}`"));
        };
        let Some(got) = parse_path(param) else {
            return Err(format!(
                "param `{param}` is not an RFC 9535 JSONPath (`{expected}`)"
            ));
        };
        let exact = got == self.at;
        let parent = self.parent_allowed && got[..] == self.at[..self.at.len().saturating_sub(1)];
        let deeper = got.len() > self.at.len() && got.starts_with(&self.at);
        if exact || parent || deeper {
            Ok(())
        } else {
            Err(format!(
                "param `{param}` does not point at the fault `{expected}`"
            ))
        }
    }
}

impl<'a> Ctx<'a> {
    /// Runs a derived check.
    pub(super) async fn derived(&mut self, check: &DerivedCheck) -> Step<String> {
        let dop = &self.suite.derived_ops[check.op];
        match check.kind {
            Kind::Auth => self.derived_auth(dop).await,
            Kind::ApiVersion => self.derived_api_version(dop).await,
            Kind::Valid => self.derived_valid(dop).await,
            Kind::NotFound => self.derived_not_found(dop).await,
            Kind::Examples => self.derived_examples(dop).await,
            Kind::Idempotency => self.derived_idempotency(dop).await,
            Kind::Signature => self.derived_signature(dop).await,
            Kind::Terminal => self.derived_terminal(dop).await,
            Kind::States => self.derived_states(dop).await,
            Kind::Discovery => self.derived_discovery().await,
            kind => self.derived_invalid(dop, kind).await,
        }
    }

    /// Why the server does not serve `api` at all, if it does not: its first operation (one
    /// without path parameters where there is one), sent with valid credentials and a body no
    /// schema accepts, answers as an unknown route would.
    pub(super) async fn unserved_api(&mut self, api: Api) -> Option<String> {
        let ops = &self.suite.derived_ops;
        let dop = ops
            .iter()
            .filter(|o| o.api == api)
            .min_by_key(|o| o.has_path_parameters())?;
        let path = Self::derived_path(dop, "conformance_unknown");
        let body = dop
            .ir
            .request
            .as_ref()
            .map(|_| json!({"conformance_probe": true}));
        let reply = self
            .send_request(self.suite.request(dop.op, &path, body))
            .await
            .ok()?;
        let unknown_route = matches!(reply.status, 404 | 405 | 501);
        (unknown_route && !declares_exactly(&dop.ir, reply.status)).then(|| {
            format!(
                "the server does not serve the {} API: {} {path} answered {} (choose it with \
                 --api {} to make that a failure)",
                api.spec_name(),
                dop.ir.method,
                reply.status,
                api.spec_name()
            )
        })
    }

    /// The path of `dop` with `id` in its parameters.
    pub(super) fn derived_path(dop: &DerivedOp, id: &str) -> String {
        let mut path = dop.ir.path.clone();
        for parameter in dop.ir.path_parameters() {
            path = path.replace(&format!("{{{}}}", parameter.name), id);
        }
        path
    }

    /// A valid request body for `dop`: the suite's own builder where it has one, else the
    /// smallest instance of the request schema with the merchant's item ids; checked by the
    /// validator.
    pub(super) fn derived_body(&self, dop: &DerivedOp) -> Step<Option<Value>> {
        let Some(request) = &dop.ir.request else {
            return Ok(None);
        };
        let config = self.config();
        let body = match (dop.api, dop.has_path_parameters()) {
            (Api::Checkout, false) => requests::create(
                self.suite.facts.request_shape,
                config,
                &config.fixtures.in_stock_item_id,
                true,
            ),
            (Api::DelegatePayment, _) => requests::delegate(
                config,
                "cs_conformance",
                &config.payment.card_number,
                &self.suite.merchant_id(),
            ),
            _ => {
                let mut body = instance::minimal(self.spec().ir(), &request.ty);
                with_fixtures(&mut body, config);
                body
            }
        };
        if let Some(schema) = self.spec().request_schema(dop.op) {
            let errors = self.spec().validate(&schema, &body);
            if !errors.is_empty() {
                return Err(Stop::Skip(format!(
                    "no valid request could be made from the schema for the checks to start \
                     from ({}): {body}",
                    errors.join("; ")
                )));
            }
        }
        Ok(Some(body))
    }

    /// A body for checks that must not reach validation (auth, unknown ids): the valid one,
    /// else the smallest instance of the schema.
    pub(super) fn derived_any_body(&self, dop: &DerivedOp) -> Option<Value> {
        match self.derived_body(dop) {
            Ok(body) => body,
            Err(_) => dop
                .ir
                .request
                .as_ref()
                .map(|request| instance::minimal(self.spec().ir(), &request.ty)),
        }
    }

    /// A valid request for `dop` on a live resource: its path and body. Checkout's complete
    /// pays for a session made ready for payment with a card delegated through
    /// delegate_payment (the merchant's fixtures); others use [`Self::derived_body`].
    pub(super) async fn derived_live_request(
        &mut self,
        dop: &DerivedOp,
    ) -> Step<(String, Option<Value>)> {
        if dop.op != COMPLETE {
            let path = self.derived_live_path(dop).await?;
            return Ok((path, self.derived_body(dop)?));
        }
        let creator = dop.creator.map(|i| &self.suite.derived_ops[i]);
        let blocked_by = creator.map_or_else(String::new, |c| c.check_id(Kind::Valid));
        let session = self
            .ready_session()
            .await
            .map_err(|stop| blocked_as(stop, &blocked_by, "no session ready for payment"))?;
        self.complete_request(dop, &session).await
    }

    /// The path and body that complete `session` with a freshly delegated card.
    async fn complete_request(
        &mut self,
        dop: &DerivedOp,
        session: &Value,
    ) -> Step<(String, Option<Value>)> {
        let card = self.config().payment.card_number.clone();
        let delegate_valid = "derived.delegate_payment.delegatePayment.valid";
        let token = self
            .delegate(session, &card)
            .await
            .map_err(|stop| blocked_as(stop, delegate_valid, "no delegated payment token"))?;
        let body = requests::complete(
            self.suite.facts.request_shape,
            self.config(),
            session,
            &token,
        );
        let id = session.get("id").and_then(Value::as_str).unwrap_or("");
        Ok((Self::derived_path(dop, id), Some(body)))
    }

    /// `dop`'s path naming a live resource (made with its creator) when it has parameters.
    async fn derived_live_path(&mut self, dop: &DerivedOp) -> Step<String> {
        let id = if dop.has_path_parameters() {
            self.derived_resource(dop).await?
        } else {
            String::new()
        };
        Ok(Self::derived_path(dop, &id))
    }

    /// A live resource for `dop`'s path, made with its creator; blocked by the creator's
    /// `valid` check when that fails.
    async fn derived_resource(&mut self, dop: &DerivedOp) -> Step<String> {
        let Some(creator) = dop.creator.map(|i| &self.suite.derived_ops[i]) else {
            return Err(Stop::Skip(format!(
                "the spec has no create operation for {}",
                dop.ir.path
            )));
        };
        let blocked = |why: String| Stop::Blocked(creator.check_id(Kind::Valid), why);
        let body = self
            .derived_body(creator)
            .map_err(|_| blocked("no valid create request".into()))?;
        let request = self.suite.request(creator.op, &creator.ir.path, body);
        let reply = self
            .send_request(request)
            .await
            .map_err(|_| blocked("the create request got no answer".into()))?;
        if !(200..300).contains(&reply.status) {
            return Err(blocked(format!(
                "creating the resource answered {}: {}",
                reply.status,
                snippet(&reply)
            )));
        }
        match resource_id(dop, reply.body()) {
            Some(id) if !id.is_empty() => Ok(id.to_string()),
            _ => Err(blocked("the created resource has no id".into())),
        }
    }

    /// The statuses a successful `dop` answers with under the run's profile (the checklist's
    /// 201 on complete).
    fn success_of(&self, dop: &DerivedOp) -> Vec<u16> {
        if dop.op == COMPLETE {
            vec![self.suite.complete_status()]
        } else {
            success_statuses(&dop.ir)
        }
    }

    /// The status whose declaration describes `reply` under the run's profile: the
    /// checklist's 201 on complete is the spec's 200, its 409 conflict the spec's
    /// conflict (422 from 2026-04-17, where 409 declares the in-flight answer).
    fn declared_status(&self, dop: &DerivedOp, reply: &Reply) -> u16 {
        let status = reply.status;
        if self.suite.options.profile != Profile::LaunchChecklist {
            return status;
        }
        if dop.op == COMPLETE && status == checklist::COMPLETE_STATUS {
            return self.spec().success_status(COMPLETE).unwrap_or(status);
        }
        let conflict = reply.body().get("code") == Some(&json!("idempotency_conflict"));
        if conflict && status == checklist::IDEMPOTENCY_CONFLICT_STATUS {
            return self.spec().conflict_status();
        }
        status
    }

    /// Judges an answer: its status is one of `expected` and declared for the operation, its
    /// content type JSON and its body valid against the declared schema, the declared required
    /// headers present and the echoed ones equal to what was sent.
    fn judge(&self, dop: &DerivedOp, reply: &Reply, expected: &[u16]) -> Step<()> {
        let answered = format!(
            "{} {} answered {}",
            dop.ir.method, dop.ir.path, reply.status
        );
        if !expected.is_empty() && !expected.contains(&reply.status) {
            let status = reply.status;
            let hint = self.suite.other_profile_hint(dop.op, expected, status);
            return Err(Stop::Fail(format!(
                "{answered} where {} was expected{hint}: {}",
                expected
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                snippet(reply)
            )));
        }
        let status = self.declared_status(dop, reply);
        // 401, the API-Version 400, the unknown id's 404 and the idempotency answers (409,
        // 422) are protocol rules on every operation; where the spec forgot to declare one
        // for an operation, the API's declaration elsewhere gives the shape (at worst its
        // error shape).
        let protocol = matches!(status, 400 | 401 | 404 | 409 | 422) && expected == [reply.status];
        let (response, schema_op, status) = match declared_response(&dop.ir, status) {
            Some(response) => (response, dop, status),
            None => match self.declared_elsewhere(dop, status).filter(|_| protocol) {
                Some(found) => found,
                None => {
                    return Err(Stop::Fail(format!(
                        "{answered}, a status the spec does not declare for the operation \
                         (declared: {})",
                        dop.ir
                            .responses
                            .iter()
                            .map(|r| r.status.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            },
        };
        if response.body.is_some() {
            let content_type = reply.header("content-type").unwrap_or("");
            if !content_type
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            {
                return Err(Stop::Fail(format!(
                    "{answered} with Content-Type `{content_type}`, not application/json"
                )));
            }
            if let Some(schema) = self.spec().response_schema(schema_op.op, status) {
                let mut judged = reply.body().clone();
                // The versioning RFC adds it to version errors; the closed schemas do not
                // list it.
                if let Some(map) = judged.as_object_mut() {
                    map.remove("supported_versions");
                }
                if let Some(body) = &response.body {
                    self.forgive_spec_gaps(&body.ty, status, &mut judged);
                }
                let errors = self.spec().validate(&schema, &judged);
                if !errors.is_empty() {
                    return Err(Stop::Fail(format!(
                        "{answered} with a body that does not match the declared schema \
                         ({schema}): {}",
                        errors
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("; ")
                    )));
                }
            }
        }
        // What was sent: the last request of the log (a prepared request gets a new
        // Request-Id each time it is prepared).
        let sent_headers = self
            .log
            .last()
            .map(|e| e.request.headers.clone())
            .unwrap_or_default();
        for header in &response.headers {
            let got = reply.header(&header.name);
            let echoed = ["Idempotency-Key", "Request-Id"]
                .iter()
                .any(|e| e.eq_ignore_ascii_case(&header.name));
            let sent_value = sent_headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&header.name))
                .map(|(_, v)| v.as_str());
            match (got, sent_value) {
                (None, _) if header.required => {
                    return Err(Stop::Fail(format!(
                        "{answered} without the `{}` header the spec declares as required",
                        header.name
                    )))
                }
                (Some(got), Some(sent)) if echoed && got != sent => {
                    return Err(Stop::Fail(format!(
                        "{answered} with `{}: {got}`, which should echo the `{sent}` sent",
                        header.name
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Where an error schema closes `code` (or, on 401, `type`) to values none of which
    /// names the protocol answer being judged (delegate_payment's codes are all about cards
    /// and idempotency; its own 401 example says `type: unauthorized`, outside its enum), the
    /// server cannot be both right and schema-valid: that member is not judged.
    fn forgive_spec_gaps(&self, ty: &TypeRef, status: u16, judged: &mut Value) {
        let api = self.spec().ir();
        let Some(object) = struct_of(api, ty, judged) else {
            return;
        };
        let closed = |name: &str| {
            let field = object.fields.iter().find(|f| f.name == name)?;
            enum_values(api, &field.ty)
        };
        let protocol_codes: &[&str] = match status {
            400 => &[
                "invalid",
                "missing",
                "invalid_json",
                "missing_api_version",
                "unsupported_api_version",
            ],
            401 => &["unauthorized", "invalid_api_key", "invalid_signature"],
            404 => &["not_found"],
            409 => &["idempotency_in_flight"],
            422 => &["idempotency_conflict"],
            _ => &[],
        };
        let Some(members) = judged.as_object_mut() else {
            return;
        };
        if let Some(codes) = closed("code") {
            let gap =
                !protocol_codes.is_empty() && !protocol_codes.iter().any(|c| codes.contains(c));
            if let Some(first) = codes.first().filter(|_| gap) {
                members.insert("code".into(), json!(first));
            }
        }
        if let Some(types) = closed("type") {
            let unauthorized = members.get("type") == Some(&json!("unauthorized"));
            let gap = status == 401 && unauthorized && !types.contains(&"unauthorized");
            if let Some(first) = types.first().filter(|_| gap) {
                members.insert("type".into(), json!(first));
            }
        }
    }

    /// An operation of the same API that declares `status`, its response and that status;
    /// else the API's error shape: the first 4xx with a body it declares (400 first).
    fn declared_elsewhere(
        &self,
        dop: &DerivedOp,
        status: u16,
    ) -> Option<(&'a acp_codegen::ir::Response, &'a DerivedOp, u16)> {
        let same_api = || {
            self.suite
                .derived_ops
                .iter()
                .filter(move |other| other.api == dop.api)
        };
        let exact = same_api()
            .find_map(|other| Some((declared_response(&other.ir, status)?, other, status)));
        exact.or_else(|| {
            [400, 404, 422, 409, 401].into_iter().find_map(|error| {
                same_api().find_map(|other| {
                    let response = other
                        .ir
                        .responses
                        .iter()
                        .find(|r| r.status == error.to_string() && r.body.is_some())?;
                    Some((response, other, error))
                })
            })
        })
    }

    async fn derived_auth(&mut self, dop: &DerivedOp) -> Step<String> {
        let path = Self::derived_path(dop, "conformance_unknown");
        let body = self.derived_any_body(dop);
        let request = Request {
            key: Key::None,
            ..self.suite.request(dop.op, &path, body.clone())
        };
        let reply = self.send_request(request.clone()).await?;
        if matches!(reply.status, 404 | 405 | 501) && !declares_exactly(&dop.ir, reply.status) {
            return Err(Stop::Unserved(format!(
                "{} {path} is not served: it answered {} before any auth check: {}",
                dop.ir.method,
                reply.status,
                snippet(&reply)
            )));
        }
        self.judge(dop, &reply, &[401])?;
        // A key nobody issued.
        let mut wrong = self.suite.request(dop.op, &path, body);
        wrong.key = Key::None;
        let reply = self.derived_send_wrong_key(wrong.clone()).await?;
        self.judge(dop, &reply, &[401])?;
        Ok("401 without a key and with a wrong key, in the declared error shape".into())
    }

    /// Sends `request` with a bearer key the merchant never issued.
    async fn derived_send_wrong_key(&mut self, request: Request) -> Step<Reply> {
        let (mut headers, body) = self
            .suite
            .http
            .prepare(&request)
            .map_err(|e| Stop::Fail(e.to_string()))?;
        headers.push((
            "Authorization".into(),
            "Bearer conformance_not_a_key".into(),
        ));
        self.suite
            .http
            .send_prepared(request, headers, body, &mut self.log)
            .await
            .map_err(|e| Stop::Fail(format!("no response: {e}")))
    }

    async fn derived_api_version(&mut self, dop: &DerivedOp) -> Step<String> {
        let path = self.derived_live_path(dop).await?;
        let body = self.derived_body(dop)?;
        let mut notes = Vec::new();
        for (version, what) in [
            (None, "missing"),
            (Some(super::UNSUPPORTED_VERSION), "unsupported"),
        ] {
            let mut request = self.suite.request(dop.op, &path, body.clone());
            request.api_version = version.map(str::to_string);
            let reply = self.send_request(request.clone()).await?;
            self.judge(dop, &reply, &[400])
                .map_err(|stop| stop.with_prefix(&format!("with a {what} API-Version: ")))?;
            notes.push(format!("{what} → 400"));
        }
        Ok(notes.join(", "))
    }

    async fn derived_valid(&mut self, dop: &DerivedOp) -> Step<String> {
        let (path, body) = self.derived_live_request(dop).await?;
        let must_succeed = must_succeed(dop, body.as_ref());
        let request = self.suite.request(dop.op, &path, body);
        let reply = self.send_request(request.clone()).await?;
        no_server_error(&reply, "a schema-valid request")?;
        let success = self.success_of(dop);
        self.judge(dop, &reply, if must_succeed { &success } else { &[] })?;
        Ok(format!(
            "{} with a valid body and the declared headers",
            reply.status
        ))
    }

    async fn derived_discovery(&mut self) -> Step<String> {
        let Some(schema) = self.spec().discovery_schema().map(str::to_string) else {
            return Err(Stop::Skip("the version has no discovery document".into()));
        };
        let base_url = self.suite.base_url.clone();
        let origin_end = base_url
            .find("://")
            .map(|scheme| {
                base_url[scheme + 3..]
                    .find('/')
                    .map_or(base_url.len(), |p| scheme + 3 + p)
            })
            .unwrap_or(base_url.len());
        let url = format!("{}/.well-known/acp.json", &base_url[..origin_end]);
        // Public, before any version is chosen: no key, no API-Version.
        let request = Request {
            method: reqwest::Method::GET,
            url: url.clone(),
            body: None,
            key: Key::None,
            api_version: None,
            idempotency_key: None,
            signature: Signature::Absent,
        };
        let reply = self.send_request(request).await?;
        match reply.status {
            200 => {}
            // A server that authenticates before routing answers 401 for a document it does
            // not have; either way agents, who fetch it without credentials, find none.
            status @ (401 | 404) => {
                return Err(Stop::Skip(format!(
                    "{url} answered {status} without credentials: the server does not serve the \
                     discovery document (agents then cannot pick a version before their first \
                     call)"
                )))
            }
            status => {
                return Err(Stop::Fail(format!(
                    "GET {url} answered {status}: {}",
                    snippet(&reply)
                )))
            }
        }
        let document = reply.body().clone();
        let errors = self.spec().validate(&schema, &document);
        if !errors.is_empty() {
            return Err(Stop::Fail(format!(
                "the discovery document does not match {schema}: {}",
                errors.into_iter().take(5).collect::<Vec<_>>().join("; ")
            )));
        }
        let version = self.spec().version.clone();
        let listed = |pointer: &str, wanted: &str| {
            document
                .pointer(pointer)
                .and_then(Value::as_array)
                .is_some_and(|values| values.iter().any(|v| v == wanted))
        };
        if !listed("/protocol/supported_versions", &version) {
            return Err(Stop::Fail(format!(
                "the discovery document does not list {version} in protocol.supported_versions \
                 although the server speaks it"
            )));
        }
        if !listed("/transports", "rest") {
            return Err(Stop::Fail(
                "the discovery document does not list `rest` in transports although the REST \
                 API answers"
                    .into(),
            ));
        }
        let advertised = document
            .get("api_base_url")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_end_matches('/');
        if advertised != base_url.trim_end_matches('/') {
            return Err(Stop::Fail(format!(
                "the discovery document sends agents to api_base_url `{advertised}`, but the API \
                 was reached at `{base_url}`"
            )));
        }
        Ok(format!(
            "valid; lists {version} and rest; api_base_url {advertised}"
        ))
    }

    async fn derived_examples(&mut self, dop: &DerivedOp) -> Step<String> {
        let options = &self.suite.options;
        let (seed, wanted, budget) = (
            options.seed,
            options.max_examples.max(1),
            options.example_time,
        );
        let Some(request) = dop.ir.request.as_ref() else {
            return Err(Stop::Skip("the operation has no request body".into()));
        };
        let schema = self.spec().request_schema(dop.op);
        // Each operation draws from its own stream of the run's seed.
        let mut rng = fastrand::Rng::with_seed(seed ^ fnv1a(&dop.ir.id));
        let config = self.config().clone();
        let mut bodies = Vec::new();
        for _ in 0..wanted * 8 {
            if bodies.len() == wanted {
                break;
            }
            let mut body = instance::random(self.spec().ir(), &request.ty, &mut rng);
            with_fixtures(&mut body, &config);
            let valid = schema
                .as_ref()
                .is_none_or(|schema| self.spec().validate(schema, &body).is_empty());
            if valid && !bodies.contains(&body) {
                bodies.push(body);
            }
        }
        if bodies.is_empty() {
            return Err(Stop::Skip(format!(
                "no random request drawn from the schema (seed {seed}) was valid"
            )));
        }
        let path = self.derived_live_path(dop).await?;
        let started = std::time::Instant::now();
        let mut statuses: std::collections::BTreeMap<u16, usize> = Default::default();
        for (index, body) in bodies.iter().enumerate() {
            if started.elapsed() > budget {
                break;
            }
            let reply = self
                .send_request(self.suite.request(dop.op, &path, Some(body.clone())))
                .await?;
            let answered = format!("{} {}", dop.ir.method, dop.ir.path);
            no_server_error(&reply, &answered)
                .and_then(|()| self.judge(dop, &reply, &[]))
                .map_err(|stop| {
                    stop.with_prefix(&format!(
                        "random valid request {} of seed {seed} (rerun with --seed {seed}): ",
                        index + 1
                    ))
                })?;
            *statuses.entry(reply.status).or_default() += 1;
        }
        let sent: usize = statuses.values().sum();
        Ok(format!(
            "{sent} random valid requests (seed {seed}), answered {}",
            statuses
                .iter()
                .map(|(status, count)| format!("{status} ×{count}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    async fn derived_idempotency(&mut self, dop: &DerivedOp) -> Step<String> {
        let (path, body) = self.derived_live_request(dop).await?;
        let request = self.suite.request(dop.op, &path, body.clone());
        let first = self.send_request(request.clone()).await?;
        no_server_error(&first, "a valid request")?;
        if must_succeed(dop, body.as_ref()) {
            self.judge(dop, &first, &self.success_of(dop))?;
        }
        let second = self.send_request(request.clone()).await?;
        self.expect_replay(dop.op, &first, &second)
            .map_err(|stop| stop.with_prefix("the same key and body again: "))?;
        self.judge(dop, &second, &[first.status])
            .map_err(|stop| stop.with_prefix("the replay: "))?;
        let mut notes = vec![format!("replayed {}", first.status)];
        if let Some(other) = self.different_body(dop, body.as_ref()) {
            let status = self.suite.conflict_status();
            let conflicting = Request {
                body: Some(other),
                ..request.clone()
            };
            let reply = self.send_request(conflicting).await?;
            let prefix = "the same key with another valid body: ";
            self.judge(dop, &reply, &[status])
                .and_then(|()| expect_code(&reply, "idempotency_conflict"))
                .map_err(|stop| stop.with_prefix(prefix))?;
            notes.push(format!("conflict {status}"));
        }
        notes.push(self.concurrent_duplicates(dop).await?);
        if self.suite.facts.idempotency_key_required {
            let keyless = Request {
                idempotency_key: None,
                ..request
            };
            let reply = self.send_request(keyless).await?;
            self.judge(dop, &reply, &[400])
                .and_then(|()| expect_code(&reply, "idempotency_key_required"))
                .map_err(|stop| stop.with_prefix("without an Idempotency-Key: "))?;
            notes.push("no key 400".into());
        }
        Ok(notes.join(", "))
    }

    /// The same request sent several times at once under one fresh key: it runs once. Every
    /// answer is the first one's (a wait then a replay), or, where the version refuses
    /// duplicates in flight, 409 `idempotency_in_flight` with `Retry-After`; creates make one
    /// resource.
    async fn concurrent_duplicates(&mut self, dop: &DerivedOp) -> Step<String> {
        const COPIES: usize = 4;
        let (path, body) = self.derived_live_request(dop).await?;
        let request = self.suite.request(dop.op, &path, body);
        let http = &self.suite.http;
        let mut logs: Vec<Vec<crate::model::Exchange>> = vec![Vec::new(); COPIES];
        let replies = futures_util::future::join_all(
            logs.iter_mut().map(|log| http.send(request.clone(), log)),
        )
        .await;
        self.log.extend(logs.into_iter().flatten());
        let replies: Vec<Reply> = replies
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| Stop::Fail(format!("a concurrent duplicate got no response: {e}")))?;
        let in_flight = |reply: &Reply| {
            reply.status == 409 && reply.body().get("code") == Some(&json!("idempotency_in_flight"))
        };
        let answers: Vec<&Reply> = replies.iter().filter(|r| !in_flight(r)).collect();
        let Some(first) = answers.first() else {
            return Err(Stop::Fail(format!(
                "all {COPIES} concurrent copies were refused as in flight: none ran"
            )));
        };
        let prefix = format!("{COPIES} copies sent at once under one key: ");
        for reply in &answers {
            if reply.status != first.status || reply.json != first.json {
                return Err(Stop::Fail(format!(
                    "{prefix}different answers ({} {} and {} {}): the request ran more than \
                     once",
                    first.status,
                    snippet(first),
                    reply.status,
                    snippet(reply)
                )));
            }
        }
        let refused = replies.len() - answers.len();
        for reply in replies.iter().filter(|r| in_flight(r)) {
            if !self.suite.facts.idempotency_in_flight_refused {
                return Err(Stop::Fail(format!(
                    "{prefix}409 idempotency_in_flight, which {} does not define: a duplicate \
                     waits for the first and gets its answer",
                    self.spec().version
                )));
            }
            self.judge(dop, reply, &[409])
                .map_err(|stop| stop.with_prefix(&prefix))?;
            if reply.header("retry-after").is_none() {
                return Err(Stop::Fail(format!(
                    "{prefix}409 idempotency_in_flight without `Retry-After`"
                )));
            }
        }
        Ok(format!(
            "{COPIES} at once: ran once{}",
            if refused > 0 {
                format!(", {refused} refused in flight")
            } else {
                String::new()
            }
        ))
    }

    /// A valid body other than `body`: one more optional member filled in.
    /// A valid body other than `body`: one more optional member filled in, else one string
    /// in it changed.
    pub(super) fn different_body(&self, dop: &DerivedOp, body: Option<&Value>) -> Option<Value> {
        let whole = body?;
        let body = whole.as_object()?;
        let schema = self.spec().request_schema(dop.op)?;
        let api = self.spec().ir();
        let valid = |other: &Value| self.spec().validate(&schema, other).is_empty();
        let object = struct_of(api, &dop.ir.request.as_ref()?.ty, &Value::Null)?;
        let added = object
            .fields
            .iter()
            .filter(|field| !body.contains_key(&field.name))
            .map(|field| {
                let mut other = body.clone();
                other.insert(field.name.clone(), instance::minimal(api, &field.ty));
                Value::Object(other)
            })
            .find(|other| valid(other));
        added.or_else(|| {
            let mut pointers = Vec::new();
            string_pointers(whole, String::new(), &mut pointers);
            pointers.into_iter().find_map(|pointer| {
                let mut other = whole.clone();
                let text = other.pointer_mut(&pointer)?;
                let changed = format!("{}2", text.as_str()?);
                *text = json!(changed);
                valid(&other).then_some(other)
            })
        })
    }

    async fn derived_signature(&mut self, dop: &DerivedOp) -> Step<String> {
        if !self.suite.http.signs() {
            return Err(Stop::Skip(
                "no [signing] in merchant.toml: requests are not signed".into(),
            ));
        }
        let (path, body) = self.derived_live_request(dop).await?;
        for (signature, what) in [
            (Signature::Absent, "unsigned"),
            (Signature::Wrong, "signed over another body"),
        ] {
            let request = Request {
                signature,
                ..self.suite.request(dop.op, &path, body.clone())
            };
            let reply = self.send_request(request).await?;
            self.judge(dop, &reply, &[401])
                .map_err(|stop| stop.with_prefix(&format!("{what}: ")))?;
        }
        Ok("401 unsigned and signed over another body".into())
    }

    async fn derived_states(&mut self, dop: &DerivedOp) -> Step<String> {
        let Some(creator) = dop.creator.map(|i| &self.suite.derived_ops[i]) else {
            return Err(Stop::Skip("the spec has no create operation".into()));
        };
        let blocked_by = creator.check_id(Kind::Valid);
        let full = self
            .derived_body(creator)
            .map_err(|stop| blocked_as(stop, &blocked_by, "no valid create request"))?;
        let mut bodies: Vec<Value> = full.into_iter().collect();
        if let Some(request) = &creator.ir.request {
            let mut smallest = instance::minimal(self.spec().ir(), &request.ty);
            with_fixtures(&mut smallest, self.config());
            let valid = self
                .spec()
                .request_schema(creator.op)
                .is_none_or(|schema| self.spec().validate(&schema, &smallest).is_empty());
            if valid && !bodies.contains(&smallest) {
                bodies.push(smallest);
            }
        }
        // One resource per state reached.
        let mut resources: Vec<(String, Value)> = Vec::new();
        for body in bodies {
            let request = self.suite.request(creator.op, &creator.ir.path, Some(body));
            let reply = self.send_request(request).await?;
            if !(200..300).contains(&reply.status) {
                // A smallest body may be refused for business reasons, as declared.
                self.judge(creator, &reply, &[])?;
                continue;
            }
            let state = reply.body().get("status").and_then(Value::as_str);
            let state = state.unwrap_or("created").to_string();
            if !resources.iter().any(|(known, _)| *known == state) {
                resources.push((state, reply.body().clone()));
            }
        }
        if resources.is_empty() {
            return Err(Stop::Blocked(
                blocked_by,
                "no request created a resource".into(),
            ));
        }
        let mut notes = Vec::new();
        for (state, resource) in &resources {
            let id = resource_id(dop, resource).unwrap_or("");
            let (path, body) = if dop.op == COMPLETE {
                self.complete_request(dop, resource).await?
            } else {
                (Self::derived_path(dop, id), self.derived_body(dop)?)
            };
            let reply = self
                .send_request(self.suite.request(dop.op, &path, body))
                .await?;
            let prefix = format!("on a resource created `{state}`: ");
            no_server_error(&reply, &format!("{} {}", dop.ir.method, dop.ir.path))
                .map_err(|stop| stop.with_prefix(&prefix))?;
            let expected = if dop.is_post() {
                Vec::new()
            } else {
                self.success_of(dop)
            };
            self.judge(dop, &reply, &expected)
                .map_err(|stop| stop.with_prefix(&prefix))?;
            let read = reply.body().get("status").and_then(Value::as_str);
            if !dop.is_post() && resource.get("status").is_some() && read != Some(state) {
                return Err(Stop::Fail(format!(
                    "{prefix}{} {} reads status {read:?}",
                    dop.ir.method, dop.ir.path
                )));
            }
            notes.push(format!("{state}: {}", reply.status));
        }
        Ok(notes.join(", "))
    }

    async fn derived_terminal(&mut self, dop: &DerivedOp) -> Step<String> {
        let (path, body) = self.derived_live_request(dop).await?;
        let reply = self
            .send_request(self.suite.request(dop.op, &path, body))
            .await?;
        self.judge(dop, &reply, &self.success_of(dop))?;
        let ended = reply.body().clone();
        let state = ended
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_string);
        let id = path
            .rsplit_once('/')
            .and_then(|(resource, _)| resource.rsplit('/').next())
            .unwrap_or("")
            .to_string();
        let ops = &self.suite.derived_ops;
        let others: Vec<&DerivedOp> = ops
            .iter()
            .filter(|o| {
                o.api == dop.api && o.resource().is_some() && o.resource() == dop.resource()
            })
            .collect();
        let mut notes = Vec::new();
        for other in others
            .iter()
            .filter(|o| o.is_post())
            .chain(others.iter().filter(|o| !o.is_post()))
        {
            let other_path = Self::derived_path(other, &id);
            let what = format!("{} {}", other.ir.method, other.ir.path);
            if !other.is_post() {
                let reply = self
                    .send_request(self.suite.request(other.op, &other_path, None))
                    .await?;
                // A resource that ends by going away (a canceled cart "SHOULD return 404")
                // reads as the declared 404.
                let mut readable = self.success_of(other);
                if declares_exactly(&other.ir, 404) {
                    readable.push(404);
                }
                self.judge(other, &reply, &readable)
                    .map_err(|stop| stop.with_prefix("reading it back: "))?;
                if reply.status == 404 {
                    notes.push(format!("{} 404 (gone)", other.ir.method));
                    continue;
                }
                let now = reply.body().get("status").and_then(Value::as_str);
                if state.is_some() && now != state.as_deref() {
                    return Err(Stop::Fail(format!(
                        "after {} {} and the refused changes, {what} reads status {now:?}, not \
                         {state:?}",
                        dop.ir.method, dop.ir.path
                    )));
                }
                notes.push(format!(
                    "{} reads {}",
                    other.ir.method,
                    state.as_deref().unwrap_or("back")
                ));
                continue;
            }
            let body = if other.op == COMPLETE {
                self.complete_request(other, &ended).await?.1
            } else {
                self.derived_body(other)?
            };
            let reply = self
                .send_request(self.suite.request(other.op, &other_path, body))
                .await?;
            let refused: Vec<u16> = if declares_exactly(&other.ir, 405) {
                vec![405]
            } else if (400..500).contains(&reply.status) {
                vec![reply.status]
            } else {
                other
                    .ir
                    .responses
                    .iter()
                    .filter_map(|r| r.status.parse().ok())
                    .filter(|s| (400..500).contains(s))
                    .collect()
            };
            let prefix = format!(
                "{what} on a resource in its end state{}: ",
                state
                    .as_deref()
                    .map(|s| format!(" `{s}`"))
                    .unwrap_or_default()
            );
            self.judge(other, &reply, &refused)
                .map_err(|stop| stop.with_prefix(&prefix))?;
            notes.push(format!(
                "{} {} refused {}",
                other.ir.method, other.ir.path, reply.status
            ));
        }
        Ok(notes.join(", "))
    }

    async fn derived_not_found(&mut self, dop: &DerivedOp) -> Step<String> {
        let id = format!("conformance_unknown_{}", uuid::Uuid::new_v4().simple());
        let path = Self::derived_path(dop, &id);
        let body = self.derived_any_body(dop);
        let request = self.suite.request(dop.op, &path, body);
        let reply = self.send_request(request.clone()).await?;
        self.judge(dop, &reply, &[404])?;
        Ok("404 in the declared error shape".into())
    }

    /// The cases of `kind` for `dop`'s request body: each a valid request with one fault,
    /// confirmed invalid (and its base valid) by the validator; at most `--max-examples`.
    pub(super) fn invalid_cases(&self, dop: &DerivedOp, kind: Kind) -> Step<Vec<Case>> {
        let body = self.derived_body(dop)?.unwrap_or(Value::Null);
        let ty = dop.ir.request.as_ref().map(|b| b.ty.clone());
        let Some(ty) = ty else {
            return Err(Stop::Skip("the operation has no request body".into()));
        };
        let mut cases = Vec::new();
        mutations(
            self.spec().ir(),
            &ty,
            &body,
            &mut Vec::new(),
            kind,
            &mut cases,
        );
        // Only cases that depart from a valid request: a filled-in member the validator
        // refuses would make the server's first complaint about it, not about the fault.
        // And the case itself must be invalid: a bound may be looser than it looks (a
        // format the validator does not know, a pattern the text happens to match).
        if let Some(schema) = self.spec().request_schema(dop.op) {
            cases.retain(|case| {
                self.spec().validate(&schema, &case.base).is_empty()
                    && !self.spec().validate(&schema, &case.body).is_empty()
            });
        }
        cases.truncate(self.suite.options.max_examples.max(1));
        if cases.is_empty() {
            return Err(Stop::Skip(format!(
                "the request schema gives no case of this kind for the body {body}"
            )));
        }
        Ok(cases)
    }

    async fn derived_invalid(&mut self, dop: &DerivedOp, kind: Kind) -> Step<String> {
        let cases = self.invalid_cases(dop, kind)?;
        let path = self.derived_live_path(dop).await?;
        let mut failures = Vec::new();
        for case in &cases {
            let request = self.suite.request(dop.op, &path, Some(case.body.clone()));
            let reply = self.send_request(request.clone()).await?;
            if let Err(why) = self.judge_invalid(dop, &reply, case) {
                failures.push(format!("{}: {why}", case.what));
            }
        }
        if failures.is_empty() {
            return Ok(format!(
                "{} cases, each 400 invalid_request with param at the fault",
                cases.len()
            ));
        }
        let shown = failures.len().min(5);
        Err(Stop::Fail(format!(
            "{} of {} cases failed:\n{}{}",
            failures.len(),
            cases.len(),
            failures[..shown].join("\n"),
            if failures.len() > shown {
                format!("\n(+{} more)", failures.len() - shown)
            } else {
                String::new()
            }
        )))
    }

    fn judge_invalid(&self, dop: &DerivedOp, reply: &Reply, case: &Case) -> Result<(), String> {
        self.judge(dop, reply, &[400]).map_err(|stop| match stop {
            Stop::Fail(why) | Stop::Skip(why) | Stop::Blocked(_, why) | Stop::Unserved(why) => why,
        })?;
        case.judge_error(reply.body())
    }
}

/// FNV-1a of `text`: a stable per-operation offset of the run's seed.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The id of the `resource` `dop`'s path names: its member named like the path parameter
/// (`authentication_session_id`), else `id`.
fn resource_id<'v>(dop: &DerivedOp, resource: &'v Value) -> Option<&'v str> {
    dop.ir
        .path_parameters()
        .into_iter()
        .filter_map(|parameter| resource.get(&parameter.name))
        .chain(resource.get("id"))
        .filter_map(Value::as_str)
        .find(|id| !id.is_empty())
}

/// Whether a valid request for `dop` must succeed: bodies the suite builds (and GETs) must;
/// the smallest schema instance sent to an existing resource may be refused for business
/// reasons (an unknown token), but only as the spec declares.
fn must_succeed(dop: &DerivedOp, body: Option<&Value>) -> bool {
    body.is_none() || !dop.has_path_parameters() || !dop.is_post() || dop.op == COMPLETE
}

/// A stop of a precondition, reported as blocked by the check `by` (when named).
fn blocked_as(stop: Stop, by: &str, why: &str) -> Stop {
    match stop {
        Stop::Fail(message) if !by.is_empty() => {
            Stop::Blocked(by.to_string(), format!("{why}: {message}"))
        }
        other => other,
    }
}

/// Fails when `reply` (to `what`) is a 5xx: valid requests never deserve one.
fn no_server_error(reply: &Reply, what: &str) -> Step<()> {
    if reply.status < 500 {
        return Ok(());
    }
    Err(Stop::Fail(format!(
        "{what} answered {}: {}",
        reply.status,
        snippet(reply)
    )))
}

/// Fails unless the error `reply` has `code`.
pub(super) fn expect_code(reply: &Reply, code: &str) -> Step<()> {
    let got = reply.body().get("code").and_then(Value::as_str);
    if got == Some(code) {
        Ok(())
    } else {
        Err(Stop::Fail(format!(
            "answered {} with code {got:?}, not `{code}`: {}",
            reply.status,
            snippet(reply)
        )))
    }
}

impl Stop {
    fn with_prefix(self, prefix: &str) -> Stop {
        match self {
            Stop::Fail(why) => Stop::Fail(format!("{prefix}{why}")),
            other => other,
        }
    }
}

/// The declared 2xx statuses of an operation.
fn success_statuses(op: &Operation) -> Vec<u16> {
    op.responses
        .iter()
        .filter_map(|r| r.status.parse::<u16>().ok())
        .filter(|s| (200..300).contains(s))
        .collect()
}

/// The response the spec declares for `status`: the exact code, else its `4XX` range, else
/// `default`.
fn declared_response(op: &Operation, status: u16) -> Option<&acp_codegen::ir::Response> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    op.responses
        .iter()
        .find(|r| r.status == exact)
        .or_else(|| {
            op.responses
                .iter()
                .find(|r| r.status.eq_ignore_ascii_case(&range))
        })
        .or_else(|| op.responses.iter().find(|r| r.status == "default"))
}

fn declares_exactly(op: &Operation, status: u16) -> bool {
    op.responses.iter().any(|r| r.status == status.to_string())
}

/// Puts the merchant's fixtures where a body names what a server must know: the in-stock
/// item as the `id` of every requested item (`line_items[]`, `items[]`), the shop's
/// `currency`, the sandbox card (number, expiry, CVC) in `payment_method`.
fn with_fixtures(body: &mut Value, config: &crate::config::MerchantConfig) {
    let fixtures = &config.fixtures;
    let item_id = fixtures.in_stock_item_id.as_str();
    let Some(members) = body.as_object_mut() else {
        return;
    };
    if let Some(currency) = members.get_mut("currency") {
        *currency = json!(fixtures.currency);
    }
    if let Some(method) = members
        .get_mut("payment_method")
        .and_then(Value::as_object_mut)
    {
        let card = &config.payment;
        for (name, value) in [
            ("number", card.card_number.clone()),
            ("exp_month", format!("{:02}", card.exp_month)),
            ("exp_year", card.exp_year.to_string()),
            ("cvc", card.cvc.clone()),
        ] {
            if let Some(member) = method.get_mut(name).filter(|m| m.is_string()) {
                *member = json!(value);
            }
        }
    }
    for name in ["line_items", "items"] {
        if let Some(Value::Array(items)) = members.get_mut(name) {
            for item in items {
                if let Some(item) = item.as_object_mut() {
                    if item.contains_key("id") {
                        item.insert("id".into(), json!(item_id));
                    }
                }
            }
        }
    }
}

/// The named struct type `ty` stands for, through newtypes.
pub(super) fn struct_of<'a>(
    api: &'a acp_codegen::Api,
    ty: &TypeRef,
    value: &Value,
) -> Option<&'a acp_codegen::ir::Struct> {
    let Shape::Named(id) = ty.shape else {
        return None;
    };
    match &api.types.get(id)?.kind {
        TypeKind::Struct(object) => Some(object),
        TypeKind::Newtype(inner) => struct_of(api, inner, value),
        TypeKind::TaggedUnion(union) => {
            let tag = value.get(&union.tag)?.as_str()?;
            let (_, variant) = union.variants.iter().find(|(t, _)| t == tag)?;
            match &api.types.get(*variant)?.kind {
                TypeKind::Struct(object) => Some(object),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The values of `ty` when it is a closed set of strings.
fn enum_values<'t>(api: &'t acp_codegen::Api, ty: &'t TypeRef) -> Option<Vec<&'t str>> {
    if let Some(allowed) = &ty.rules.allowed {
        return allowed.iter().map(Value::as_str).collect();
    }
    match ty.shape {
        Shape::Named(id) => match &api.types.get(id)?.kind {
            TypeKind::Enum(values) => Some(values.iter().map(|v| v.value.as_str()).collect()),
            TypeKind::Newtype(inner) => enum_values(api, inner),
            _ => None,
        },
        _ => None,
    }
}

/// The rules of `ty`, through newtypes (a use's own rules first).
fn rules_of<'t>(api: &'t acp_codegen::Api, ty: &'t TypeRef) -> &'t acp_codegen::ir::Rules {
    if !ty.rules.is_empty() {
        return &ty.rules;
    }
    match ty.shape {
        Shape::Named(id) => match api.types.get(id).map(|d| &d.kind) {
            Some(TypeKind::Newtype(inner)) => rules_of(api, inner),
            _ => &ty.rules,
        },
        _ => &ty.rules,
    }
}

/// Values just outside `ty`'s bounds, each with what it breaks (the validator confirms them
/// before they are sent).
fn out_of_bounds(api: &acp_codegen::Api, ty: &TypeRef, value: &Value) -> Vec<(Value, String)> {
    let rules = rules_of(api, ty);
    let mut out = Vec::new();
    match value {
        Value::String(_) => {
            if let Some(max) = rules.max_length.and_then(|m| usize::try_from(m).ok()) {
                out.push((json!("x".repeat(max + 1)), format!("longer than {max}")));
            }
            if let Some(min) = rules.min_length.filter(|m| *m > 0) {
                let shorter = "x".repeat(usize::try_from(min - 1).unwrap_or(0));
                out.push((json!(shorter), format!("shorter than {min}")));
            }
            if let Some(pattern) = &rules.pattern {
                out.push((
                    json!("conformance: no match!"),
                    format!("not matching `{pattern}`"),
                ));
            }
            if rules.format.is_some() {
                out.push((
                    json!("conformance: not the format"),
                    "not of its format".into(),
                ));
            }
        }
        Value::Number(_) => {
            if let Some(max) = rules.maximum.or(rules.exclusive_maximum) {
                out.push((json!((max + 1.0).floor()), format!("above {max}")));
            }
            if let Some(min) = rules.minimum.or(rules.exclusive_minimum) {
                out.push((json!((min - 1.0).ceil()), format!("below {min}")));
            }
        }
        Value::Array(items) => {
            if let (Some(min), false) = (rules.min_items.filter(|m| *m > 0), items.is_empty()) {
                let fewer: Vec<Value> = items
                    .iter()
                    .take(usize::try_from(min - 1).unwrap_or(0))
                    .cloned()
                    .collect();
                out.push((Value::Array(fewer), format!("fewer than {min} items")));
            }
            if let (Some(max), Some(first)) = (rules.max_items, items.first()) {
                let count = usize::try_from(max).unwrap_or(usize::MAX).saturating_add(1);
                if count <= 1000 {
                    let more = vec![first.clone(); count];
                    out.push((Value::Array(more), format!("more than {max} items")));
                }
            }
        }
        _ => {}
    }
    out
}

/// A JSON value of another type than `value`, which `ty` does not accept.
fn wrong_type(api: &acp_codegen::Api, ty: &TypeRef, value: &Value) -> Option<Value> {
    if matches!(ty.shape, Shape::Any) {
        return None;
    }
    if let Shape::Named(id) = ty.shape {
        if matches!(
            api.types.get(id).map(|d| &d.kind),
            Some(TypeKind::Untagged(_))
        ) {
            return None;
        }
    }
    Some(match value {
        Value::String(_) => json!(7),
        Value::Number(_) => json!("conformance"),
        Value::Bool(_) => json!("conformance"),
        Value::Array(_) | Value::Object(_) => json!(true),
        Value::Null => return None,
    })
}

/// How deep optional members left out of a body are filled in to find more cases.
const MAX_SYNTHESIS_DEPTH: usize = 4;

/// The cases of `kind` for `value` (an instance of `ty`) at `at`, depth first.
fn mutations(
    api: &acp_codegen::Api,
    ty: &TypeRef,
    value: &Value,
    at: &mut Vec<String>,
    kind: Kind,
    out: &mut Vec<Case>,
) {
    if let (Shape::Array(item), Value::Array(items)) = (&ty.shape, value) {
        if let Some(first) = items.first() {
            at.push("0".into());
            let before = out.len();
            mutations(api, item, first, at, kind, out);
            at.pop();
            for case in &mut out[before..] {
                for part in [&mut case.body, &mut case.base] {
                    let mut whole = value.clone();
                    whole[0] = part.take();
                    *part = whole;
                }
            }
        }
        return;
    }
    let Some(object) = struct_of(api, ty, value) else {
        return;
    };
    let Some(members) = value.as_object() else {
        return;
    };
    for field in &object.fields {
        // An optional member the body leaves out is filled in with its smallest instance, so
        // that its own faults are tried too (within a depth: types can be recursive).
        let synthesized;
        let member = match members.get(&field.name) {
            Some(member) => member,
            None if at.len() < MAX_SYNTHESIS_DEPTH => {
                synthesized = instance::minimal(api, &field.ty);
                &synthesized
            }
            None => continue,
        };
        // The object the cases below depart from: `value` with the member in place.
        let mut base = value.clone();
        base[&field.name] = member.clone();
        at.push(field.name.clone());
        let mut local = |body: Value, what: String, parent_allowed: bool| {
            out.push(Case {
                what,
                body,
                base: base.clone(),
                at: at.clone(),
                parent_allowed,
            })
        };
        match kind {
            Kind::Required if field.required => {
                let mut body = base.clone();
                body.as_object_mut().map(|m| m.remove(&field.name));
                local(body, format!("removed {}", render_path(at)), true);
            }
            Kind::Types => {
                if let Some(wrong) = wrong_type(api, &field.ty, member) {
                    let mut body = base.clone();
                    body[&field.name] = wrong.clone();
                    local(body, format!("{} = {wrong}", render_path(at)), false);
                }
            }
            Kind::Bounds => {
                for (outside, why) in out_of_bounds(api, &field.ty, member) {
                    let mut body = base.clone();
                    body[&field.name] = outside;
                    local(body, format!("{} {why}", render_path(at)), false);
                }
            }
            Kind::Enums if enum_values(api, &field.ty).is_some() && member.is_string() => {
                let mut body = base.clone();
                body[&field.name] = json!("conformance_not_a_value");
                local(
                    body,
                    format!("{} = \"conformance_not_a_value\"", render_path(at)),
                    false,
                );
            }
            _ => {}
        }
        // Into the member: the cases found there, placed back into this object.
        let before = out.len();
        mutations(api, &field.ty, member, at, kind, out);
        for case in &mut out[before..] {
            for part in [&mut case.body, &mut case.base] {
                let mut whole = value.clone();
                whole[&field.name] = part.take();
                *part = whole;
            }
        }
        at.pop();
    }
    if kind == Kind::Closed && object.additional == Additional::Forbidden {
        let mut body = value.clone();
        body.as_object_mut()
            .map(|m| m.insert("conformance_unknown_member".into(), json!(true)));
        at.push("conformance_unknown_member".into());
        out.push(Case {
            what: format!("added {}", render_path(at)),
            body,
            base: value.clone(),
            at: at.clone(),
            parent_allowed: true,
        });
        at.pop();
    }
}

/// The JSON pointers of the string values in `value`, depth first.
fn string_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                string_pointers(item, format!("{at}/{index}"), out);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let token = name.replace('~', "~0").replace('/', "~1");
                string_pointers(member, format!("{at}/{token}"), out);
            }
        }
        _ => {}
    }
}

/// `$.a.b[0]` (member names that are not plain identifiers in brackets).
fn render_path(at: &[String]) -> String {
    let mut path = "$".to_string();
    for segment in at {
        if segment.parse::<usize>().is_ok() {
            path.push_str(&format!("[{segment}]"));
        } else if is_identifier(segment) {
            path.push_str(&format!(".{segment}"));
        } else {
            path.push_str(&format!("['{}']", segment.replace('\'', "\\'")));
        }
    }
    path
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The segments of a singular RFC 9535 JSONPath (`$`, `.name`, `['name']`, `["name"]`,
/// `[0]`); `None` when `text` is not one.
fn parse_path(text: &str) -> Option<Vec<String>> {
    let mut rest = text.strip_prefix('$')?;
    let mut segments = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            if !is_identifier(name) {
                return None;
            }
            segments.push(name.to_string());
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = &after[..end];
            let quoted = (inner.starts_with('\'') && inner.ends_with('\''))
                || (inner.starts_with('"') && inner.ends_with('"'));
            if quoted && inner.len() >= 2 {
                segments.push(inner[1..inner.len() - 1].to_string());
            } else if inner.parse::<usize>().is_ok() {
                segments.push(inner.to_string());
            } else {
                return None;
            }
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpaths_parse_in_both_spellings_and_refuse_bare_names() {
        let expected: Vec<String> = ["line_items", "0", "id"].map(String::from).to_vec();
        assert_eq!(parse_path("$.line_items[0].id"), Some(expected.clone()));
        assert_eq!(
            parse_path("$['line_items'][0]['id']"),
            Some(expected.clone())
        );
        assert_eq!(
            parse_path("$[\"line_items\"][0].id"),
            Some(expected.clone())
        );
        assert_eq!(render_path(&expected), "$.line_items[0].id");
        assert_eq!(parse_path("$"), Some(Vec::new()));
        for bad in ["line_items", "$.", "$.a b", "$[x]", "$[0", "/line_items"] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }
}
