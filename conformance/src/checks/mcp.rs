//! The checks of the MCP binding (`--transport mcp`), made from the version's OpenRPC methods
//! (each bound to its REST operation): per tool a valid call, an unknown id, a payload missing
//! a required member, an unsupported `meta.api_version`, a left-out optional payload,
//! idempotency through `meta.idempotency_key` and signatures in `meta`; for the endpoint,
//! connection-level authentication, the tool list with bundled schemas, malformed envelopes
//! and REST/MCP reading each other's sessions.
//!
//! The suite speaks JSON-RPC over Streamable HTTP itself (initialize, `tools/list`,
//! `tools/call`, JSON or event-stream answers) rather than through an MCP SDK: it must send
//! deliberately malformed envelopes and log every exchange as it was on the wire.

use serde_json::{json, Map, Value};

use acp_codegen::mcp::{bindings, has_ref, Presence};
use acp_runtime::mcp::{ACP_ERROR_CODE, INVALID_PARAMS_CODE};

use super::derived::{invalid_kinds, DerivedOp, Kind as Invalid};
use super::{fail, fresh_key, snippet, Ctx, Step, Stop, UNSUPPORTED_VERSION};
use crate::http::{Key, Reply, Request, Signature};
use crate::spec::{Api, VersionSpec};

/// The MCP protocol revision the suite asks for at initialization.
const PROTOCOL_VERSION: &str = "2025-06-18";

/// The rule of every ACP error over MCP, quoted when a server breaks it.
const ERROR_RULE: &str = "ACP errors must be JSON-RPC errors with code -32000 and the ACP \
                          `Error` object as `data` (MCP binding)";

/// What a check of the binding exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Auth,
    Tools,
    Envelope,
    Parity,
    Valid,
    NotFound,
    /// One of the REST checks' kinds of invalid request (`invalid.required`, ...).
    Invalid(super::derived::Kind),
    ApiVersion,
    PayloadOptional,
    Idempotency,
    Signature,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Auth => "auth",
            Kind::Tools => "tools",
            Kind::Envelope => "envelope",
            Kind::Parity => "rest_parity",
            Kind::Valid => "valid",
            Kind::NotFound => "not_found",
            Kind::Invalid(kind) => kind.name(),
            Kind::ApiVersion => "api_version",
            Kind::PayloadOptional => "payload_optional",
            Kind::Idempotency => "idempotency",
            Kind::Signature => "signature",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Auth => "the MCP endpoint refuses a connection without a valid key (HTTP 401)",
            Kind::Tools => "tools/list names every OpenRPC method, schemas bundled without $ref",
            Kind::Envelope => "malformed envelopes get -32602; unknown meta members are ignored",
            Kind::Parity => "a session made over REST reads the same over MCP, and the reverse",
            Kind::Valid => "a valid call returns the REST body, valid against the result schema",
            Kind::NotFound => "an unknown id is an ACP error: -32000 with the Error as data",
            Kind::Invalid(kind) => match kind {
                Invalid::Required => "each required payload member left out: -32000, param at it",
                Invalid::Types => "each payload member of another JSON type: -32000, param at it",
                Invalid::Enums => "each enum member outside its values: -32000, param at it",
                Invalid::Closed => "an unknown member in a closed object: -32000, param at it",
                _ => "each member just outside its bounds: -32000, param at it",
            },
            Kind::ApiVersion => "an unsupported meta.api_version is an ACP error (-32000)",
            Kind::PayloadOptional => "the optional payload may be left out (never null)",
            Kind::Idempotency => "meta.idempotency_key: a replay returns the same result",
            Kind::Signature => "an unsigned or wrongly signed call is refused (-32000)",
        }
    }
}

/// One tool as the checks know it.
pub(super) struct Tool {
    name: String,
    /// `operationId` of the REST operation serving it.
    operation: String,
    takes_id: bool,
    payload: Presence,
    /// The kinds of invalid payload its type allows.
    invalid: Vec<Invalid>,
    /// `file#pointer` of the method's result schema.
    result_schema: String,
    location: String,
    post: bool,
}

/// A check of the MCP binding.
#[derive(Debug, Clone)]
pub struct McpCheck {
    /// `mcp.<rule>` or `mcp.<tool>.<kind>`.
    pub id: String,
    /// One line.
    pub title: String,
    /// Where the method (or the binding) is in the spec.
    pub spec_location: String,
    pub(super) kind: Kind,
    pub(super) tool: Option<usize>,
}

/// The tools of the version's MCP binding and their checks; empty without a binding.
pub(super) fn catalog(spec: &VersionSpec) -> (Vec<Tool>, Vec<McpCheck>) {
    let api = spec.ir();
    let mut tools = Vec::new();
    for (_, bound) in bindings(api) {
        for tool in bound {
            let origin = &tool.method.origin;
            tools.push(Tool {
                name: tool.method.name.clone(),
                operation: tool.operation.id.clone(),
                takes_id: tool.takes_id(),
                payload: tool.payload(),
                invalid: tool
                    .method
                    .param("payload")
                    .map(|p| invalid_kinds(spec, &p.ty))
                    .unwrap_or_default(),
                result_schema: format!("{}#{}/result/schema", origin.file, origin.pointer),
                location: origin.to_string(),
                post: tool.operation.method.eq_ignore_ascii_case("post"),
            });
        }
    }
    let Some(first) = tools.first() else {
        return (tools, Vec::new());
    };
    let binding = first
        .location
        .split_once("#")
        .map_or(first.location.clone(), |(file, _)| file.to_string());
    let mut checks: Vec<McpCheck> = [Kind::Auth, Kind::Tools, Kind::Envelope, Kind::Parity]
        .into_iter()
        .map(|kind| McpCheck {
            id: format!("mcp.{}", kind.name()),
            title: kind.title().to_string(),
            spec_location: binding.clone(),
            kind,
            tool: None,
        })
        .collect();
    for (index, tool) in tools.iter().enumerate() {
        let invalid = tool.invalid.iter().map(|kind| (Kind::Invalid(*kind), true));
        let kinds = [(Kind::Valid, true), (Kind::NotFound, tool.takes_id)]
            .into_iter()
            .chain(invalid)
            .chain([
                (Kind::ApiVersion, true),
                (Kind::PayloadOptional, tool.payload == Presence::Optional),
                (Kind::Idempotency, tool.post),
                (Kind::Signature, true),
            ]);
        for (kind, applies) in kinds {
            if applies {
                checks.push(McpCheck {
                    id: format!("mcp.{}.{}", tool.name, kind.name()),
                    title: format!("{}: {}", tool.name, kind.title()),
                    spec_location: tool.location.clone(),
                    kind,
                    tool: Some(index),
                });
            }
        }
    }
    (tools, checks)
}

/// One JSON-RPC connection to the endpoint (an MCP session when the server keeps one).
struct Rpc {
    session: Option<String>,
    protocol: String,
    next_id: u64,
}

/// A JSON-RPC answer and the HTTP reply that carried it.
struct Answer {
    reply: Reply,
    result: Option<Value>,
    error: Option<Value>,
}

/// The JSON-RPC response with `id` in a reply: the JSON body, or one of the `data:` events of
/// an event stream.
fn response_of(reply: &Reply, id: u64) -> Option<Value> {
    let event_stream = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream"));
    if !event_stream {
        return reply.json.clone();
    }
    reply
        .text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|message| message.get("id") == Some(&json!(id)))
}

impl<'a> Ctx<'a> {
    pub(super) async fn mcp(&mut self, check: &McpCheck) -> Step<String> {
        let suite = self.suite;
        let tool = check.tool.map(|i| &suite.mcp_tools[i]);
        match (check.kind, tool) {
            (Kind::Auth, _) => self.mcp_auth().await,
            (Kind::Tools, _) => self.mcp_tools().await,
            (Kind::Envelope, _) => self.mcp_envelope().await,
            (Kind::Parity, _) => self.mcp_parity().await,
            (kind, Some(tool)) => {
                let mut rpc = self.mcp_connect().await?;
                match kind {
                    Kind::Valid => self.mcp_valid(&mut rpc, tool).await,
                    Kind::NotFound => self.mcp_not_found(&mut rpc, tool).await,
                    Kind::Invalid(kind) => self.mcp_invalid(&mut rpc, tool, kind).await,
                    Kind::ApiVersion => self.mcp_api_version(&mut rpc, tool).await,
                    Kind::PayloadOptional => self.mcp_payload_optional(&mut rpc, tool).await,
                    Kind::Idempotency => self.mcp_idempotency(&mut rpc, tool).await,
                    _ => self.mcp_signature(&mut rpc, tool).await,
                }
            }
            (_, None) => fail("a tool check without its tool"),
        }
    }

    fn mcp_url(&self) -> String {
        self.suite.mcp_url()
    }

    /// Posts one JSON-RPC message; `bearer` replaces the configured key (`Some("")`: none).
    async fn mcp_post(&mut self, rpc: &Rpc, message: Value, bearer: Option<&str>) -> Step<Reply> {
        let request = Request {
            method: reqwest::Method::POST,
            url: self.mcp_url(),
            body: Some(message),
            key: Key::Merchant,
            api_version: None,
            idempotency_key: None,
            signature: Signature::Absent,
        };
        let (mut headers, body) = self
            .suite
            .http
            .prepare(&request)
            .map_err(|e| Stop::Fail(e.to_string()))?;
        if let Some(bearer) = bearer {
            headers.retain(|(name, _)| name != "Authorization");
            if !bearer.is_empty() {
                headers.push(("Authorization".into(), format!("Bearer {bearer}")));
            }
        }
        headers.push((
            "Accept".into(),
            "application/json, text/event-stream".into(),
        ));
        headers.push(("MCP-Protocol-Version".into(), rpc.protocol.clone()));
        if let Some(session) = &rpc.session {
            headers.push(("Mcp-Session-Id".into(), session.clone()));
        }
        let url = request.url.clone();
        self.suite
            .http
            .send_prepared(request, headers, body, &mut self.log)
            .await
            .map_err(|e| Stop::Fail(format!("POST {url} got no response: {e}")))
    }

    /// A JSON-RPC request and its answer.
    async fn rpc(&mut self, rpc: &mut Rpc, method: &str, params: Value) -> Step<Answer> {
        rpc.next_id += 1;
        let id = rpc.next_id;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let reply = self.mcp_post(rpc, message, None).await?;
        let response = response_of(&reply, id);
        let Some(response) = response else {
            return fail(format!(
                "{method} answered HTTP {} without a JSON-RPC response: {}",
                reply.status,
                snippet(&reply)
            ));
        };
        Ok(Answer {
            result: response.get("result").cloned(),
            error: response.get("error").cloned(),
            reply,
        })
    }

    /// Initializes a connection with the configured key.
    async fn mcp_connect(&mut self) -> Step<Rpc> {
        let mut rpc = Rpc {
            session: None,
            protocol: PROTOCOL_VERSION.into(),
            next_id: 0,
        };
        let answer = self
            .rpc(
                &mut rpc,
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "acp-codegen-conformance", "version": env!("CARGO_PKG_VERSION")},
                }),
            )
            .await
            .map_err(|stop| match stop {
                Stop::Fail(why) => Stop::Blocked("mcp.auth".into(), why),
                other => other,
            })?;
        let Some(result) = answer.result else {
            return Err(Stop::Blocked(
                "mcp.auth".into(),
                format!("initialize failed: {}", snippet(&answer.reply)),
            ));
        };
        if let Some(version) = result.get("protocolVersion").and_then(Value::as_str) {
            rpc.protocol = version.to_string();
        }
        rpc.session = answer.reply.header("mcp-session-id").map(str::to_string);
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let reply = self.mcp_post(&rpc, initialized, None).await?;
        if !(200..300).contains(&reply.status) {
            return fail(format!(
                "notifications/initialized answered HTTP {}: {}",
                reply.status,
                snippet(&reply)
            ));
        }
        Ok(rpc)
    }

    /// `meta` for a call: this version, `key` as the idempotency key, a request id, and the
    /// signature over `payload` when signing is configured.
    fn mcp_meta(&self, payload: Option<&Value>, key: Option<String>) -> Step<Map<String, Value>> {
        let mut meta = Map::new();
        meta.insert("api_version".into(), self.spec().version.clone().into());
        if let Some(key) = key {
            meta.insert("idempotency_key".into(), key.into());
        }
        meta.insert(
            "request_id".into(),
            format!("conformance-{}", uuid::Uuid::new_v4()).into(),
        );
        let signed = self
            .suite
            .http
            .sign(payload)
            .map_err(|e| Stop::Fail(e.to_string()))?;
        if let Some((timestamp, signature)) = signed {
            meta.insert("timestamp".into(), timestamp.into());
            meta.insert("signature".into(), signature.into());
        }
        Ok(meta)
    }

    /// Calls `tool` with the given arguments.
    async fn call(
        &mut self,
        rpc: &mut Rpc,
        tool: &Tool,
        meta: Map<String, Value>,
        id: Option<&str>,
        payload: Option<Value>,
    ) -> Step<Answer> {
        let mut arguments = Map::new();
        arguments.insert("meta".into(), Value::Object(meta));
        if let Some(id) = id {
            arguments.insert("id".into(), id.into());
        }
        if let Some(payload) = payload {
            arguments.insert("payload".into(), payload);
        }
        self.rpc(
            rpc,
            "tools/call",
            json!({"name": tool.name, "arguments": arguments}),
        )
        .await
    }

    /// Calls `tool` as an agent would: signed, a fresh idempotency key on a POST.
    async fn call_plainly(
        &mut self,
        rpc: &mut Rpc,
        tool: &Tool,
        id: Option<&str>,
        payload: Option<Value>,
    ) -> Step<Answer> {
        let meta = self.mcp_meta(payload.as_ref(), tool.post.then(fresh_key))?;
        self.call(rpc, tool, meta, id, payload).await
    }

    /// The structured result of a successful call.
    fn expect_result(&self, answer: &Answer, what: &str) -> Step<Value> {
        if let Some(error) = &answer.error {
            return fail(format!("{what} failed: {error}"));
        }
        let Some(result) = &answer.result else {
            return fail(format!("{what}: no result: {}", snippet(&answer.reply)));
        };
        if result.get("isError") == Some(&json!(true)) {
            return fail(format!(
                "{what} answered a tool error result (isError): {ERROR_RULE}"
            ));
        }
        match result.get("structuredContent") {
            Some(body) if body.is_object() => Ok(body.clone()),
            _ => fail(format!(
                "{what}: the result has no structuredContent (the REST body): {}",
                snippet(&answer.reply)
            )),
        }
    }

    /// The ACP `Error` of a refused call, judged against the REST operation's error schema.
    fn expect_acp_error(&self, answer: &Answer, dop: &DerivedOp, what: &str) -> Step<Value> {
        let Some(error) = &answer.error else {
            return fail(format!(
                "{what} was not refused: {}",
                snippet(&answer.reply)
            ));
        };
        let code = error.get("code").and_then(Value::as_i64);
        if code != Some(i64::from(ACP_ERROR_CODE)) {
            return fail(format!(
                "{what} answered JSON-RPC code {}: {ERROR_RULE}",
                code.map_or("none".into(), |c| c.to_string())
            ));
        }
        let Some(data) = error.get("data").filter(|d| d.is_object()) else {
            return fail(format!(
                "{what} answered -32000 without the ACP Error as `data`: {ERROR_RULE} ({error})"
            ));
        };
        let schema = dop
            .ir
            .responses
            .iter()
            .filter(|r| r.status.starts_with('4') && r.body.is_some())
            .find_map(|r| {
                let status = r.status.parse().ok()?;
                self.spec().response_schema(dop.op, status)
            });
        if let Some(schema) = schema {
            // Version errors may add `supported_versions` (the versioning RFC), which the
            // closed `Error` schemas do not list; the REST checks judge the rest alike.
            let mut judged = data.clone();
            if let Some(object) = judged.as_object_mut() {
                object.remove("supported_versions");
            }
            let errors = self.spec().validate(&schema, &judged);
            if !errors.is_empty() {
                return fail(format!(
                    "{what}: `data` is not an ACP Error ({}): {ERROR_RULE}",
                    errors.join("; ")
                ));
            }
        }
        Ok(data.clone())
    }

    fn mcp_op(&self, tool: &Tool) -> Step<&'a DerivedOp> {
        self.suite
            .derived_op(Api::Checkout, &tool.operation)
            .ok_or_else(|| Stop::Fail(format!("no REST operation `{}`", tool.operation)))
    }

    /// A valid call of `tool` on a live resource: its id and payload (the REST checks'
    /// builders: fixtures, a session made ready and a card delegated for complete).
    async fn live_call(&mut self, tool: &Tool) -> Step<(Option<String>, Option<Value>)> {
        let dop = self.mcp_op(tool)?;
        let (path, body) = self.derived_live_request(dop).await?;
        let id = tool.takes_id.then(|| {
            let (before, rest) = dop.ir.path.split_once('{').unwrap_or((&dop.ir.path, ""));
            let after = rest.split_once('}').map_or("", |(_, after)| after);
            path[before.len()..path.len() - after.len()].to_string()
        });
        let body = match tool.payload {
            Presence::Absent => None,
            _ => body,
        };
        Ok((id, body))
    }

    async fn mcp_auth(&mut self) -> Step<String> {
        let rpc = Rpc {
            session: None,
            protocol: PROTOCOL_VERSION.into(),
            next_id: 0,
        };
        let initialize = json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                       "clientInfo": {"name": "acp-codegen-conformance", "version": "0"}},
        });
        let mut notes = Vec::new();
        for (bearer, what) in [
            ("", "without credentials"),
            ("sk_conformance_wrong", "with a wrong key"),
        ] {
            let reply = self
                .mcp_post(&rpc, initialize.clone(), Some(bearer))
                .await?;
            if reply.status != 401 {
                return fail(format!(
                    "initialize {what} answered HTTP {}, not 401: authentication is the MCP \
                     connection's (its Authorization header), never an argument",
                    reply.status
                ));
            }
            notes.push(format!("{what} → 401"));
        }
        self.mcp_connect().await?;
        notes.push("the configured key → initialized".into());
        Ok(notes.join(", "))
    }

    async fn mcp_tools(&mut self) -> Step<String> {
        let mut rpc = self.mcp_connect().await?;
        let answer = self.rpc(&mut rpc, "tools/list", json!({})).await?;
        let Some(listed) = answer
            .result
            .as_ref()
            .and_then(|r| r.get("tools"))
            .and_then(Value::as_array)
        else {
            return fail(format!(
                "tools/list has no tools: {}",
                snippet(&answer.reply)
            ));
        };
        let listed = listed.clone();
        let mut problems = Vec::new();
        let suite = self.suite;
        for tool in &suite.mcp_tools {
            let Some(served) = listed.iter().find(|t| t["name"] == tool.name.as_str()) else {
                problems.push(format!("`{}` is not listed", tool.name));
                continue;
            };
            let input = &served["inputSchema"];
            if has_ref(input) || served.get("outputSchema").is_some_and(has_ref) {
                problems.push(format!(
                    "`{}`: a schema has a `$ref` (tool schemas must be served bundled)",
                    tool.name
                ));
            }
            let required: Vec<&str> = input["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let expected = [
                ("meta", true),
                ("id", tool.takes_id),
                ("payload", tool.payload == Presence::Required),
            ];
            for (member, must) in expected {
                if required.contains(&member) != must {
                    problems.push(format!(
                        "`{}`: `{member}` is {}required in the input schema, the OpenRPC \
                         method says {}",
                        tool.name,
                        if must { "not " } else { "" },
                        if must { "required" } else { "not required" }
                    ));
                }
            }
            // The schema accepts the call the checks make.
            let dop = self.mcp_op(tool)?;
            let payload = match tool.payload {
                Presence::Absent => None,
                _ => self.derived_body(dop).ok().flatten(),
            };
            let mut arguments = json!({"meta": {"api_version": self.spec().version}});
            if tool.takes_id {
                arguments["id"] = "cs_conformance".into();
            }
            if let Some(payload) = payload {
                arguments["payload"] = payload;
            }
            match jsonschema::validator_for(input) {
                Ok(validator) => {
                    if let Some(error) = validator.iter_errors(&arguments).next() {
                        problems.push(format!(
                            "`{}`: the input schema refuses a valid call: {error}",
                            tool.name
                        ));
                    }
                }
                Err(error) => problems.push(format!(
                    "`{}`: the input schema is not a JSON Schema: {error}",
                    tool.name
                )),
            }
        }
        if !problems.is_empty() {
            return fail(problems.join("; "));
        }
        Ok(format!(
            "{} tools listed, bundled, accepting valid calls",
            self.suite.mcp_tools.len()
        ))
    }

    async fn mcp_envelope(&mut self) -> Step<String> {
        let suite = self.suite;
        let Some(tool) = suite.mcp_tools.iter().find(|t| t.takes_id && !t.post) else {
            return Err(Stop::Skip("no read-only tool to call".into()));
        };
        let mut rpc = self.mcp_connect().await?;
        let (id, _) = self.live_call(tool).await?;
        let id = id.unwrap_or_default();
        let malformed = [
            (json!({"id": id}), "without `meta`"),
            (
                json!({"meta": "2026", "id": id}),
                "with `meta` not an object",
            ),
            (json!({"meta": {}, "id": id}), "without `meta.api_version`"),
        ];
        let mut notes = Vec::new();
        for (arguments, what) in malformed {
            let answer = self
                .rpc(
                    &mut rpc,
                    "tools/call",
                    json!({"name": tool.name, "arguments": arguments}),
                )
                .await?;
            let code = answer
                .error
                .as_ref()
                .and_then(|e| e.get("code"))
                .and_then(Value::as_i64);
            if code != Some(i64::from(INVALID_PARAMS_CODE)) {
                return fail(format!(
                    "a call {what} answered {}: a malformed envelope is -32602 (invalid \
                     params)",
                    answer
                        .error
                        .map_or_else(|| "a result".to_string(), |e| e.to_string())
                ));
            }
            notes.push(format!("{what} → -32602"));
        }
        let mut meta = self.mcp_meta(None, None)?;
        meta.insert("x_conformance_unknown".into(), json!({"any": "value"}));
        let answer = self.call(&mut rpc, tool, meta, Some(&id), None).await?;
        self.expect_result(
            &answer,
            "a call with an unknown `meta` member (to be ignored)",
        )?;
        notes.push("unknown meta member ignored".into());
        Ok(notes.join(", "))
    }

    async fn mcp_parity(&mut self) -> Step<String> {
        let suite = self.suite;
        let (Some(create), Some(read)) = (
            suite.mcp_tools.iter().find(|t| !t.takes_id && t.post),
            suite.mcp_tools.iter().find(|t| t.takes_id && !t.post),
        ) else {
            return Err(Stop::Skip("no create and read tools".into()));
        };
        let mut rpc = self.mcp_connect().await?;
        let same = ["id", "status", "currency", "totals", "line_items"];
        // REST → MCP.
        let in_stock = self.config().fixtures.in_stock_item_id.clone();
        let made = self.create(&in_stock, true).await?;
        let id = Self::session_id(&made)?;
        let answer = self.call_plainly(&mut rpc, read, Some(&id), None).await?;
        let over_mcp = self.expect_result(&answer, "reading a REST session over MCP")?;
        for member in same {
            if made.get(member) != over_mcp.get(member) {
                return fail(format!(
                    "the session made over REST reads differently over MCP at `{member}`: {} \
                     vs {}",
                    made.get(member).unwrap_or(&Value::Null),
                    over_mcp.get(member).unwrap_or(&Value::Null)
                ));
            }
        }
        // MCP → REST.
        let dop = self.mcp_op(create)?;
        let payload = self.derived_body(dop)?;
        let answer = self.call_plainly(&mut rpc, create, None, payload).await?;
        let made = self.expect_result(&answer, "creating a session over MCP")?;
        let id = Self::session_id(&made)?;
        let read_op = self.mcp_op(read)?;
        let path = Self::derived_path(read_op, &id);
        let request = self.suite.request(read_op.op, &path, None);
        let reply = self.send_request(request).await?;
        for member in same {
            if made.get(member) != reply.body().get(member) {
                return fail(format!(
                    "the session made over MCP reads differently over REST at `{member}`"
                ));
            }
        }
        Ok("REST → MCP and MCP → REST read the same session".into())
    }

    async fn mcp_valid(&mut self, rpc: &mut Rpc, tool: &Tool) -> Step<String> {
        let (id, payload) = self.live_call(tool).await?;
        let answer = self.call_plainly(rpc, tool, id.as_deref(), payload).await?;
        let result = self.expect_result(&answer, &format!("`{}`", tool.name))?;
        let errors = self.spec().validate(&tool.result_schema, &result);
        if !errors.is_empty() {
            return fail(format!(
                "the result of `{}` does not match its schema: {}",
                tool.name,
                errors.into_iter().take(5).collect::<Vec<_>>().join("; ")
            ));
        }
        if let (Some(id), Some(got)) = (&id, result.get("id").and_then(Value::as_str)) {
            if got != id {
                return fail(format!("`{}` on `{id}` answered for `{got}`", tool.name));
            }
        }
        Ok("a result valid against the method's result schema".into())
    }

    async fn mcp_not_found(&mut self, rpc: &mut Rpc, tool: &Tool) -> Step<String> {
        let dop = self.mcp_op(tool)?;
        let payload = match tool.payload {
            Presence::Absent => None,
            _ => self.derived_any_body(dop),
        };
        let unknown = format!("cs_conformance_unknown_{}", uuid::Uuid::new_v4().simple());
        let answer = self
            .call_plainly(rpc, tool, Some(&unknown), payload)
            .await?;
        let error = self.expect_acp_error(&answer, dop, "a call on an unknown id")?;
        Ok(format!("-32000 with `{}`", error["code"]))
    }

    /// The REST checks' invalid cases of `kind`, each sent as the payload on a live resource:
    /// each an ACP error (-32000) of type `invalid_request` with `param` at the fault.
    async fn mcp_invalid(&mut self, rpc: &mut Rpc, tool: &Tool, kind: Invalid) -> Step<String> {
        let dop = self.mcp_op(tool)?;
        let cases = self.invalid_cases(dop, kind)?;
        let (id, _) = self.live_call(tool).await?;
        let mut failures = Vec::new();
        for case in &cases {
            let answer = self
                .call_plainly(rpc, tool, id.as_deref(), Some(case.body().clone()))
                .await?;
            let judged = match self.expect_acp_error(&answer, dop, case.what()) {
                Ok(error) => case.judge_error(&error),
                Err(Stop::Fail(why)) => Err(why),
                Err(other) => return Err(other),
            };
            if let Err(why) = judged {
                failures.push(format!("{}: {why}", case.what()));
            }
        }
        if failures.is_empty() {
            return Ok(format!(
                "{} cases, each -32000 invalid_request with param at the fault",
                cases.len()
            ));
        }
        let shown = failures.len().min(5);
        fail(format!(
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures[..shown].join("\n")
        ))
    }

    async fn mcp_api_version(&mut self, rpc: &mut Rpc, tool: &Tool) -> Step<String> {
        let dop = self.mcp_op(tool)?;
        let (id, payload) = self.live_call(tool).await?;
        let mut meta = self.mcp_meta(payload.as_ref(), tool.post.then(fresh_key))?;
        meta.insert("api_version".into(), UNSUPPORTED_VERSION.into());
        let answer = self.call(rpc, tool, meta, id.as_deref(), payload).await?;
        let error =
            self.expect_acp_error(&answer, dop, "a call with an unsupported api_version")?;
        Ok(format!("-32000 with `{}`", error["code"]))
    }

    async fn mcp_payload_optional(&mut self, rpc: &mut Rpc, tool: &Tool) -> Step<String> {
        let (id, _) = self.live_call(tool).await?;
        let answer = self.call_plainly(rpc, tool, id.as_deref(), None).await?;
        self.expect_result(&answer, &format!("`{}` without a payload", tool.name))
            .map_err(|stop| match stop {
                Stop::Fail(why) => Stop::Fail(format!(
                    "{why} (a missing optional `payload` must be accepted: the binding never \
                     requires `payload: null`)"
                )),
                other => other,
            })?;
        Ok("accepted without a payload".into())
    }

    async fn mcp_idempotency(&mut self, rpc: &mut Rpc, tool: &Tool) -> Step<String> {
        let dop = self.mcp_op(tool)?;
        let (id, payload) = self.live_call(tool).await?;
        let key = fresh_key();
        let mut results = Vec::new();
        for _ in 0..2 {
            let meta = self.mcp_meta(payload.as_ref(), Some(key.clone()))?;
            let answer = self
                .call(rpc, tool, meta, id.as_deref(), payload.clone())
                .await?;
            results.push(self.expect_result(&answer, &format!("`{}` with one key", tool.name))?);
        }
        if results[0] != results[1] {
            return fail(format!(
                "a replay of `{}` with the same meta.idempotency_key returned a different \
                 result (first id {}, replay id {})",
                tool.name, results[0]["id"], results[1]["id"]
            ));
        }
        // The same key with another valid payload, where the REST checks have one.
        let Some(other) = self.different_body(dop, payload.as_ref()) else {
            return Ok("the replay returned the same result".into());
        };
        let meta = self.mcp_meta(Some(&other), Some(key))?;
        let answer = self
            .call(rpc, tool, meta, id.as_deref(), Some(other))
            .await?;
        let error = self.expect_acp_error(&answer, dop, "the same key with another payload")?;
        if error.get("code") != Some(&json!("idempotency_conflict")) {
            return fail(format!(
                "the same key with another payload answered `{}`, not `idempotency_conflict`",
                error["code"]
            ));
        }
        Ok("the replay returned the same result; another payload → idempotency_conflict".into())
    }

    async fn mcp_signature(&mut self, rpc: &mut Rpc, tool: &Tool) -> Step<String> {
        if !self.suite.http.signs() {
            return Err(Stop::Skip(
                "merchant.toml has no [signing]: signatures are not checked".into(),
            ));
        }
        let dop = self.mcp_op(tool)?;
        let (id, payload) = self.live_call(tool).await?;
        let mut unsigned = self.mcp_meta(payload.as_ref(), tool.post.then(fresh_key))?;
        unsigned.remove("signature");
        unsigned.remove("timestamp");
        let answer = self
            .call(rpc, tool, unsigned, id.as_deref(), payload.clone())
            .await?;
        self.expect_acp_error(&answer, dop, "an unsigned call")?;
        let other = json!({"signed": "a different payload"});
        let wrong = self.mcp_meta(Some(&other), tool.post.then(fresh_key))?;
        let answer = self.call(rpc, tool, wrong, id.as_deref(), payload).await?;
        self.expect_acp_error(&answer, dop, "a call signed over another payload")?;
        Ok("unsigned and wrongly signed calls refused".into())
    }
}
