//! What the spec files of one version say about the operations the suite exercises: paths,
//! success statuses, declared headers, request and response schemas, and a validator for them.
//!
//! The checks read these facts from the OpenAPI documents instead of hard-coding them, so "as the
//! spec says" means the pinned file of the negotiated version.

use std::sync::Mutex;

use serde_json::Value;

use acp_codegen::lint::Oracle;
use acp_codegen::loader::SpecSet;

use crate::SetupError;

/// The specs (of the version table): the suite talks to checkout, delegate_payment and the
/// order webhooks.
pub use acp_runtime::versions::Api;

/// One OpenAPI document: its path in the spec set and its parsed value.
struct Document {
    path: String,
    value: Value,
}

/// Where an operation lives: the API, the path template and the lowercase method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    /// The spec.
    pub api: Api,
    /// The path template (`/checkout_sessions/{checkout_session_id}/complete`).
    pub path: &'static str,
    /// `post`, `get`, ...
    pub method: &'static str,
}

/// `POST /checkout_sessions`.
pub const CREATE: Op = Op {
    api: Api::Checkout,
    path: "/checkout_sessions",
    method: "post",
};
/// `POST /checkout_sessions/{checkout_session_id}`.
pub const UPDATE: Op = Op {
    api: Api::Checkout,
    path: "/checkout_sessions/{checkout_session_id}",
    method: "post",
};
/// `GET /checkout_sessions/{checkout_session_id}`.
pub const RETRIEVE: Op = Op {
    api: Api::Checkout,
    path: "/checkout_sessions/{checkout_session_id}",
    method: "get",
};
/// `POST /checkout_sessions/{checkout_session_id}/complete`.
pub const COMPLETE: Op = Op {
    api: Api::Checkout,
    path: "/checkout_sessions/{checkout_session_id}/complete",
    method: "post",
};
/// `POST /agentic_commerce/delegate_payment`.
pub const DELEGATE: Op = Op {
    api: Api::DelegatePayment,
    path: "/agentic_commerce/delegate_payment",
    method: "post",
};
/// `POST /agentic_checkout/webhooks/order_events` (served by the agent; the suite plays it).
pub const ORDER_EVENTS: Op = Op {
    api: Api::Webhooks,
    path: "/agentic_checkout/webhooks/order_events",
    method: "post",
};

/// The facts of one version's spec files, and a JSON Schema validator over them (closed `allOf`
/// compositions judged as a whole: see [`Oracle::merging_closed_allof`]).
pub struct VersionSpec {
    /// The version (`2026-04-17`).
    pub version: String,
    /// The OpenAPI document of each API the version has.
    documents: Vec<(Api, Document)>,
    /// The version's IR: the operations and types the derived checks are made from.
    ir: acp_codegen::Api,
    /// `file#pointer` of `DiscoveryResponse`, the `/.well-known/acp.json` document, where the
    /// version defines one.
    discovery: Option<String>,
    oracle: Mutex<Oracle>,
}

impl std::fmt::Debug for VersionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionSpec")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Escapes one JSON pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl VersionSpec {
    /// The facts of a loaded spec set. Fails when the validator cannot load the files.
    pub fn new(set: &SpecSet) -> Result<VersionSpec, SetupError> {
        let documents = Api::ALL
            .into_iter()
            .filter_map(|api| {
                let spec = set.specs.iter().find(|s| s.name == api.spec_name())?;
                let file = &set.files[spec.openapi?];
                let document = Document {
                    path: file.path.clone(),
                    value: file.value.clone(),
                };
                Some((api, document))
            })
            .collect();
        let discovery = set
            .files
            .iter()
            .find(|file| file.value.pointer("/$defs/DiscoveryResponse").is_some())
            .map(|file| format!("{}#/$defs/DiscoveryResponse", file.path));
        Ok(VersionSpec {
            version: set.version.clone(),
            discovery,
            documents,
            ir: acp_codegen::convert::convert(set),
            oracle: Mutex::new(Oracle::merging_closed_allof(set)?),
        })
    }

    fn document(&self, api: Api) -> Option<&Document> {
        self.documents
            .iter()
            .find(|(of, _)| *of == api)
            .map(|(_, document)| document)
    }

    /// The schema (`file#pointer`) of the discovery document, where the version has one.
    pub fn discovery_schema(&self) -> Option<&str> {
        self.discovery.as_deref()
    }

    /// The version's IR.
    pub fn ir(&self) -> &acp_codegen::Api {
        &self.ir
    }

    /// Whether the version has this operation at all.
    pub fn has(&self, op: Op) -> bool {
        self.operation(op).is_some()
    }

    fn operation_pointer(op: Op) -> String {
        format!("/paths/{}/{}", escape(op.path), op.method)
    }

    fn operation(&self, op: Op) -> Option<&Value> {
        self.document(op.api)?
            .value
            .pointer(&Self::operation_pointer(op))
    }

    /// Follows a local `$ref` (`#/components/...`) once, returning the target and its pointer.
    fn deref<'a>(&'a self, api: Api, value: &'a Value, pointer: String) -> (&'a Value, String) {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) if reference.starts_with("#/") => {
                let target = reference[1..].to_string();
                match self.document(api).and_then(|d| d.value.pointer(&target)) {
                    Some(resolved) => (resolved, target),
                    None => (value, pointer),
                }
            }
            _ => (value, pointer),
        }
    }

    /// The response object for `status` (exact code, then `4XX`-style ranges), with its pointer.
    fn response(&self, op: Op, status: u16) -> Option<(&Value, String)> {
        let responses = self.operation(op)?.get("responses")?;
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let key = [exact, range]
            .into_iter()
            .find(|k| responses.get(k).is_some())?;
        let pointer = format!("{}/responses/{}", Self::operation_pointer(op), escape(&key));
        Some(self.deref(op.api, &responses[&key], pointer))
    }

    /// The lowest 2xx status the operation declares (201 for create, 200 for complete, ...).
    pub fn success_status(&self, op: Op) -> Option<u16> {
        let responses = self.operation(op)?.get("responses")?.as_object()?;
        responses
            .keys()
            .filter_map(|k| k.parse::<u16>().ok())
            .filter(|s| (200..300).contains(s))
            .min()
    }

    /// Whether the operation declares a response with exactly this status code.
    pub fn declares_status(&self, op: Op, status: u16) -> bool {
        self.operation(op)
            .and_then(|o| o.get("responses"))
            .is_some_and(|r| r.get(status.to_string()).is_some())
    }

    /// The schema reference (`file#pointer`) of the JSON body of the `status` response.
    pub fn response_schema(&self, op: Op, status: u16) -> Option<String> {
        let (response, pointer) = self.response(op, status)?;
        response.pointer("/content/application~1json/schema")?;
        Some(format!(
            "{}#{pointer}/content/application~1json/schema",
            self.document(op.api)?.path
        ))
    }

    /// The schema reference of the operation's JSON request body.
    pub fn request_schema(&self, op: Op) -> Option<String> {
        let operation = self.operation(op)?;
        let pointer = format!("{}/requestBody", Self::operation_pointer(op));
        let (body, pointer) = self.deref(op.api, operation.get("requestBody")?, pointer);
        body.pointer("/content/application~1json/schema")?;
        Some(format!(
            "{}#{pointer}/content/application~1json/schema",
            self.document(op.api)?.path
        ))
    }

    /// Whether the `status` response declares the header (case-insensitive).
    pub fn declares_response_header(&self, op: Op, status: u16, header: &str) -> bool {
        self.response(op, status)
            .and_then(|(response, _)| response.get("headers")?.as_object())
            .is_some_and(|headers| headers.keys().any(|k| k.eq_ignore_ascii_case(header)))
    }

    /// Whether the operation (or its path item) declares the request header as required.
    pub fn requires_request_header(&self, op: Op, header: &str) -> bool {
        self.required_request_headers(op)
            .iter()
            .any(|name| name.eq_ignore_ascii_case(header))
    }

    /// The header parameters the operation (or its path item) declares as required.
    pub fn required_request_headers(&self, op: Op) -> Vec<String> {
        let Some(document) = self.document(op.api) else {
            return Vec::new();
        };
        let path_item = format!("/paths/{}", escape(op.path));
        let lists = [
            format!("{path_item}/parameters"),
            format!("{}/parameters", Self::operation_pointer(op)),
        ];
        let mut names = Vec::new();
        for list in &lists {
            let Some(parameters) = document.value.pointer(list).and_then(Value::as_array) else {
                continue;
            };
            for (i, parameter) in parameters.iter().enumerate() {
                let (parameter, _) = self.deref(op.api, parameter, format!("{list}/{i}"));
                if parameter.get("in").and_then(Value::as_str) == Some("header")
                    && parameter.get("required").and_then(Value::as_bool) == Some(true)
                {
                    if let Some(name) = parameter.get("name").and_then(Value::as_str) {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names
    }

    /// Validates `value` against a schema reference; the problems, empty when valid.
    pub fn validate(&self, schema: &str, value: &Value) -> Vec<String> {
        match self.oracle.lock() {
            Ok(mut oracle) => oracle.errors(schema, value),
            Err(_) => vec!["the validator is unusable after a panic".to_string()],
        }
    }

    /// The status of "same key, different body" (`idempotency_conflict`) in the spec: 422 when
    /// the version's create operation declares it, else 409 (the rule up to 2026-01-30, stated
    /// in the RFC rather than in the OpenAPI files).
    pub fn conflict_status(&self) -> u16 {
        if self.declares_status(CREATE, 422) {
            422
        } else {
            409
        }
    }

    /// The spec's names of the order webhook events: the defined values of `WebhookEvent.type`
    /// (`order_create`, `order_update`).
    pub fn webhook_event_types(&self) -> Vec<String> {
        let Some(schema) = self.request_schema(ORDER_EVENTS) else {
            return Vec::new();
        };
        let Some(document) = self.document(Api::Webhooks) else {
            return Vec::new();
        };
        let pointer = schema.split_once('#').map_or("", |(_, p)| p);
        let Some(body) = document.value.pointer(pointer) else {
            return Vec::new();
        };
        let (event, _) = self.deref(Api::Webhooks, body, pointer.to_string());
        let Some(kind) = event.pointer("/properties/type") else {
            return Vec::new();
        };
        if let Some(values) = kind.get("enum").and_then(Value::as_array) {
            return values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        // 2026-04-17 turned the enum into an open string and lists the values in prose.
        let description = kind
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        ["order_create", "order_update"]
            .into_iter()
            .filter(|name| description.contains(name))
            .map(str::to_string)
            .collect()
    }
}
