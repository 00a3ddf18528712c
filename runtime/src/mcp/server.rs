//! The MCP server: the tools of a version served over Streamable HTTP by `rmcp`, each call
//! turned into the REST request it stands for and sent through the same request pipeline (and
//! so the same authentication, `API-Version` negotiation, signatures, idempotency store and
//! handlers) as the REST routes.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorCode, Implementation, JsonObject,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value};
use tower::ServiceExt;

use super::{Payload, Tool, ACP_ERROR_CODE, META_HEADERS, RESULT_META_HEADERS};

/// The largest REST answer a tool call passes on (the pipeline's own limit on stored answers
/// is smaller by default).
const MAX_RESULT: usize = 16 * 1024 * 1024;

/// How a version's MCP endpoint is served: give it to
/// [`AcpServerBuilder::mcp`](crate::server::AcpServerBuilder::mcp).
#[derive(Debug, Clone)]
pub struct McpOptions {
    pub(crate) path: String,
    pub(crate) tools: &'static [Tool],
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) name: String,
}

impl McpOptions {
    /// `tools` (a generated `TOOLS` table) served at `path` (`/mcp`). Only loopback `Host`s are
    /// accepted until [`allowed_hosts`](Self::allowed_hosts) names the public ones (MCP's
    /// protection against DNS rebinding).
    pub fn new(path: impl Into<String>, tools: &'static [Tool]) -> Self {
        McpOptions {
            path: path.into(),
            tools,
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            name: "acp-merchant".into(),
        }
    }

    /// Also accept requests for these hosts (`shop.example`, `shop.example:8443`).
    pub fn allowed_hosts(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allowed_hosts.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// The server name given to MCP clients at initialization.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

/// Serves MCP beside the REST routes.
pub struct McpEndpoint;

/// Checks a request's credentials (the pipeline's bearer check): the refusal, if refused.
pub(crate) type Guard = Arc<dyn Fn(&HeaderMap) -> Option<Response> + Send + Sync>;

impl McpEndpoint {
    /// `pipeline` (the ACP request pipeline) with the MCP endpoint of `options` in front of it:
    /// credentials are checked by `guard` before the body is read; each tool call runs as a
    /// request through `pipeline`. Stateless Streamable HTTP (no MCP session to keep, so any
    /// instance can answer any call), with JSON answers.
    pub(crate) fn mount(
        options: McpOptions,
        pipeline: Router,
        guard: Guard,
        body_limit: usize,
    ) -> Router {
        let binding = Binding {
            tools: options.tools,
            listed: Arc::new(options.tools.iter().filter_map(listed).collect()),
            pipeline: pipeline.clone(),
            name: options.name,
        };
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_allowed_hosts(options.allowed_hosts)
            .with_max_request_body_bytes(body_limit);
        let service = StreamableHttpService::new(
            move || Ok(binding.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let endpoint =
            Router::new()
                .route_service(&options.path, service)
                .layer(axum::middleware::from_fn(
                    move |request: Request, next: Next| {
                        let guard = guard.clone();
                        async move {
                            match guard(request.headers()) {
                                None => next.run(request).await,
                                Some(refused) => refused,
                            }
                        }
                    },
                ));
        endpoint.fallback_service(pipeline)
    }
}

/// The MCP description of `tool`; `None` (left out, and logged) if its generated schemas are
/// not JSON objects.
fn listed(tool: &Tool) -> Option<rmcp::model::Tool> {
    let object = |text: &str| match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Some(Arc::new(object)),
        _ => None,
    };
    let Some(input) = object(tool.input_schema) else {
        tracing::error!(
            tool = tool.name,
            "the tool's input schema is not a JSON object"
        );
        return None;
    };
    let mut listed = rmcp::model::Tool::new(tool.name, tool.description, input);
    listed.title = tool.title.map(str::to_string);
    listed.output_schema = tool.output_schema.and_then(object);
    Some(listed)
}

#[derive(Clone)]
struct Binding {
    tools: &'static [Tool],
    listed: Arc<Vec<rmcp::model::Tool>>,
    pipeline: Router,
    name: String,
}

impl ServerHandler for Binding {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_server_info(
            Implementation::new(self.name.clone(), env!("CARGO_PKG_VERSION")),
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.listed.as_ref().clone(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = self.tools.iter().find(|t| t.name == request.name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{}`", request.name),
                None,
            ));
        };
        let authorization = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(AUTHORIZATION))
            .cloned();
        let rest = rest_request(tool, request.arguments.unwrap_or_default(), authorization)?;
        let Ok(response) = self.pipeline.clone().oneshot(rest).await;
        answer(response).await.map(CallToolResponse::from)
    }
}

/// The REST request a call stands for; a malformed envelope is `-32602`.
fn rest_request(
    tool: &Tool,
    mut arguments: JsonObject,
    authorization: Option<HeaderValue>,
) -> Result<http::Request<Body>, ErrorData> {
    let malformed = |message: String| ErrorData::invalid_params(message, None);
    let meta = match arguments.remove("meta") {
        Some(Value::Object(meta)) => meta,
        Some(_) => return Err(malformed("`meta` must be an object".into())),
        None => return Err(malformed("`meta` is required (with `api_version`)".into())),
    };
    let mut headers = HeaderMap::new();
    for (member, header) in META_HEADERS {
        match meta.get(*member) {
            None => {}
            Some(Value::String(text)) => {
                let value = HeaderValue::from_str(text).map_err(|_| {
                    malformed(format!(
                        "`meta.{member}` cannot be sent as the {header} header"
                    ))
                })?;
                headers.insert(header_name(header), value);
            }
            Some(_) => return Err(malformed(format!("`meta.{member}` must be a string"))),
        }
    }
    if !meta.contains_key("api_version") {
        return Err(malformed("`meta.api_version` is required".into()));
    }
    let id = match (tool.takes_id, arguments.remove("id")) {
        (false, _) => None,
        // `.` and `..` would not stay one path segment of the REST request.
        (true, Some(Value::String(id))) if !matches!(id.as_str(), "" | "." | "..") => Some(id),
        (true, Some(_)) => {
            return Err(malformed(
                "`id` must be a non-empty string other than `.` and `..`".into(),
            ))
        }
        (true, None) => return Err(malformed("`id` is required".into())),
    };
    let payload = match (tool.payload, arguments.remove("payload")) {
        (Payload::Absent, _) | (Payload::Optional, None | Some(Value::Null)) => None,
        (_, Some(payload)) => Some(payload),
        (Payload::Required, None) => return Err(malformed("`payload` is required".into())),
    };
    let mut request = http::Request::builder()
        .method(tool.method)
        .uri(tool.path_for(id.as_deref()));
    if let Some(all) = request.headers_mut() {
        all.extend(headers);
        if let Some(authorization) = authorization {
            all.insert(AUTHORIZATION, authorization);
        }
        if payload.is_some() {
            all.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
    }
    let body = payload.map_or_else(Body::empty, |p| Body::from(p.to_string()));
    request
        .body(body)
        .map_err(|e| malformed(format!("the call cannot be made a request: {e}")))
}

/// One of the protocol's header names (valid tokens, checked by the tests).
fn header_name(header: &str) -> HeaderName {
    HeaderName::from_bytes(header.as_bytes()).unwrap_or(HeaderName::from_static("x-invalid"))
}

/// The tool's answer from the REST response: its body as the result, or the ACP error as a
/// `-32000` error with the `Error` object as `data`.
async fn answer(response: Response) -> Result<CallToolResult, ErrorData> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_RESULT)
        .await
        .map_err(|e| {
            ErrorData::internal_error(format!("the answer could not be read: {e}"), None)
        })?;
    let body: Value = if bytes.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            tracing::error!(%status, error = %e, "a REST answer behind an MCP tool is not JSON");
            ErrorData::internal_error(format!("the {status} answer is not JSON: {e}"), None)
        })?
    };
    if !status.is_success() {
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the request failed")
            .to_string();
        return Err(ErrorData::new(
            ErrorCode(ACP_ERROR_CODE),
            message,
            Some(body),
        ));
    }
    let mut result = CallToolResult::structured(body);
    let mut meta = Map::new();
    for (member, header) in RESULT_META_HEADERS {
        if let Some(value) = headers
            .get(header_name(header))
            .and_then(|v| v.to_str().ok())
        {
            let value = match value {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                text => Value::String(text.to_string()),
            };
            meta.insert((*member).to_string(), value);
        }
    }
    if !meta.is_empty() {
        result.meta = Some(rmcp::model::MetaObject(meta));
    }
    Ok(result)
}
