//! The MCP client core that generated MCP clients wrap: one connection (an `rmcp` client over
//! Streamable HTTP, the API key as its bearer token), the version's `meta.api_version` on every
//! call, a fresh `meta.idempotency_key` for every call whose REST operation is a `POST`, and
//! `meta.signature` + `meta.timestamp` over the canonical payload when a key is configured.

use rmcp::model::{CallToolRequestParams, CallToolResult, JsonObject};
use rmcp::service::{RunningService, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Tool, ACP_ERROR_CODE};
use crate::client::{ApiErrorBody, CallOptions};
use crate::signing::SigningKey;

/// Why a tool call did not give its result.
#[derive(Debug, thiserror::Error)]
pub enum McpCallError {
    /// The server answered with an ACP error (`-32000`, the `Error` object as `data`).
    #[error("{}/{}: {}{}", error.error_type, error.code, error.message,
        error.param.as_ref().map(|p| format!(" (at {p})")).unwrap_or_default())]
    Acp {
        /// The ACP `Error` (boxed to keep the result small).
        error: Box<ApiErrorBody>,
    },
    /// Another JSON-RPC error (`-32602` for a malformed envelope, or a `-32000` whose `data`
    /// is not an ACP `Error`).
    #[error("JSON-RPC error {code}: {message}")]
    Rpc {
        /// The JSON-RPC error code.
        code: i32,
        /// Its message.
        message: String,
        /// Its `data`.
        data: Option<Value>,
    },
    /// The connection failed or closed.
    #[error("MCP transport: {0}")]
    Transport(String),
    /// The result is not what the tool returns (the message names the JSONPath).
    #[error("unexpected result of `{tool}`: {message}")]
    UnexpectedResult {
        /// The tool called.
        tool: String,
        /// What is wrong.
        message: String,
        /// The result as received.
        result: Value,
    },
    /// The call could not be made (a payload that cannot be serialized or signed, an unknown
    /// tool).
    #[error("invalid call: {0}")]
    InvalidCall(String),
}

impl McpCallError {
    /// The ACP `Error` the server answered with, if it did.
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        match self {
            McpCallError::Acp { error } => Some(error),
            _ => None,
        }
    }
}

/// A tool's result.
#[derive(Debug, Clone)]
pub struct McpResponse<T> {
    /// The parsed and validated result.
    pub body: T,
    /// The `Request-Id` of the call, as the server reported it.
    pub request_id: Option<String>,
    /// Whether the server replayed a stored answer for the idempotency key.
    pub idempotent_replayed: bool,
    /// The `meta.idempotency_key` that was sent, if any.
    pub idempotency_key: Option<String>,
}

/// Configures an [`McpClientCore`].
#[derive(Debug)]
pub struct McpClientBuilder {
    url: String,
    api_version: String,
    api_key: Option<String>,
    signer: Option<SigningKey>,
    http: Option<reqwest::Client>,
}

impl McpClientBuilder {
    /// The API key, sent as the connection's bearer token.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Signs every call: `meta.timestamp` (RFC 3339, now) and `meta.signature` over
    /// `timestamp + "." +` the canonical (JCS) payload, as the REST client signs bodies.
    pub fn signing(mut self, key: SigningKey) -> Self {
        self.signer = Some(key);
        self
    }

    /// The HTTP client to connect with (TLS, proxies, timeouts).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Connects and initializes the MCP session.
    pub async fn connect(self) -> Result<McpClientCore, McpCallError> {
        let mut config = StreamableHttpClientTransportConfig::with_uri(self.url.as_str());
        if let Some(key) = &self.api_key {
            config = config.auth_header(key.clone());
        }
        let transport =
            StreamableHttpClientTransport::with_client(self.http.unwrap_or_default(), config);
        let service = ().serve(transport).await.map_err(|e| {
            McpCallError::Transport(format!("cannot initialize with {}: {e}", self.url))
        })?;
        Ok(McpClientCore {
            service,
            api_version: self.api_version,
            signer: self.signer,
        })
    }
}

/// One MCP connection to a merchant, for one API version.
pub struct McpClientCore {
    service: RunningService<RoleClient, ()>,
    api_version: String,
    signer: Option<SigningKey>,
}

impl std::fmt::Debug for McpClientCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClientCore")
            .field("api_version", &self.api_version)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl McpClientCore {
    /// Starts configuring a client of the MCP endpoint at `url` (`https://shop.example/mcp`)
    /// sending `meta.api_version = api_version`.
    pub fn builder(url: impl Into<String>, api_version: impl Into<String>) -> McpClientBuilder {
        McpClientBuilder {
            url: url.into(),
            api_version: api_version.into(),
            api_key: None,
            signer: None,
            http: None,
        }
    }

    /// The tools the server lists (name, description, schemas), as MCP describes them.
    pub async fn list_tools(&self) -> Result<Vec<rmcp::model::Tool>, McpCallError> {
        self.service
            .peer()
            .list_all_tools()
            .await
            .map_err(service_error)
    }

    /// Calls `tool` with `id` and `payload`; the result parsed and validated as `T`.
    pub async fn call<B: Serialize, T: DeserializeOwned + crate::Validate>(
        &self,
        tool: &Tool,
        id: Option<&str>,
        payload: Option<&B>,
        options: CallOptions,
    ) -> Result<McpResponse<T>, McpCallError> {
        let payload = payload.map(serde_json::to_value).transpose().map_err(|e| {
            McpCallError::InvalidCall(format!("the payload cannot be serialized: {e}"))
        })?;
        let mut meta = Map::new();
        meta.insert("api_version".into(), self.api_version.clone().into());
        let idempotency_key = options
            .idempotency_key
            .or_else(|| (tool.method == "POST").then(|| uuid::Uuid::new_v4().to_string()));
        if let Some(key) = &idempotency_key {
            meta.insert("idempotency_key".into(), key.clone().into());
        }
        if let Some(id) = options.request_id {
            meta.insert("request_id".into(), id.into());
        }
        for (name, value) in options.extra_headers {
            let member = name.to_ascii_lowercase().replace('-', "_");
            if super::META_HEADERS.iter().any(|(m, _)| *m == member) {
                meta.insert(member, value.into());
            }
        }
        if let Some(key) = &self.signer {
            let timestamp = crate::client::rfc3339_now();
            let body = payload
                .as_ref()
                .map(|p| p.to_string().into_bytes())
                .unwrap_or_default();
            let signature = crate::signing::sign(key, &timestamp, &body)
                .map_err(|e| McpCallError::InvalidCall(format!("cannot sign the call: {e}")))?;
            meta.insert("timestamp".into(), timestamp.into());
            meta.insert("signature".into(), signature.into());
        }
        let mut arguments = JsonObject::new();
        arguments.insert("meta".into(), Value::Object(meta));
        if let Some(id) = id {
            arguments.insert("id".into(), id.into());
        }
        if let Some(payload) = payload {
            arguments.insert("payload".into(), payload);
        }
        let result = self
            .service
            .peer()
            .call_tool(CallToolRequestParams::new(tool.name).with_arguments(arguments))
            .await
            .map_err(service_error)?;
        parse(tool, result, idempotency_key)
    }

    /// Closes the connection.
    pub async fn close(self) -> Result<(), McpCallError> {
        self.service
            .cancel()
            .await
            .map(|_| ())
            .map_err(|e| McpCallError::Transport(e.to_string()))
    }
}

fn service_error(error: ServiceError) -> McpCallError {
    match error {
        ServiceError::McpError(error) => {
            let acp = (error.code.0 == ACP_ERROR_CODE)
                .then(|| error.data.clone())
                .flatten()
                .and_then(|data| serde_json::from_value::<ApiErrorBody>(data).ok());
            match acp {
                Some(body) => McpCallError::Acp {
                    error: Box::new(body),
                },
                None => McpCallError::Rpc {
                    code: error.code.0,
                    message: error.message.into_owned(),
                    data: error.data,
                },
            }
        }
        other => McpCallError::Transport(other.to_string()),
    }
}

fn parse<T: DeserializeOwned + crate::Validate>(
    tool: &Tool,
    result: CallToolResult,
    idempotency_key: Option<String>,
) -> Result<McpResponse<T>, McpCallError> {
    let meta = result.meta.as_ref().map(|m| &m.0);
    let request_id = meta
        .and_then(|m| m.get("request_id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let idempotent_replayed = meta
        .and_then(|m| m.get("idempotent_replayed"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let unexpected = |message: String, result: Value| McpCallError::UnexpectedResult {
        tool: tool.name.to_string(),
        message,
        result,
    };
    if result.is_error == Some(true) {
        return Err(unexpected(
            "an error result (`isError`): ACP errors are JSON-RPC errors".into(),
            serde_json::to_value(&result.content).unwrap_or_default(),
        ));
    }
    let Some(structured) = result.structured_content else {
        return Err(unexpected(
            "no structured content".into(),
            serde_json::to_value(&result.content).unwrap_or_default(),
        ));
    };
    let text = structured.to_string();
    match crate::from_slice::<T>(text.as_bytes()) {
        Ok(body) => Ok(McpResponse {
            body,
            request_id,
            idempotent_replayed,
            idempotency_key,
        }),
        Err(error) => Err(unexpected(error.to_string(), structured)),
    }
}
