//! The MCP binding of ACP: the checkout operations as MCP tools over JSON-RPC 2.0 on MCP's
//! Streamable HTTP transport. The binding's rules and tool tables are always here; the server
//! (feature `mcp-server`) and the client (feature `mcp-client`) run on the official Rust MCP
//! SDK (`rmcp`).
//!
//! Each tool takes `{meta, id?, payload?}`: `meta` carries what REST puts in headers
//! ([`META_HEADERS`]; unknown members are ignored), `id` the path parameter, `payload` the REST
//! request body. Results are the REST response bodies; ACP errors are JSON-RPC errors with code
//! [`ACP_ERROR_CODE`] and the ACP `Error` object as `data`; `-32602` only for a malformed
//! envelope. Authentication is the MCP connection's (its `Authorization` header), never an
//! argument. The generated code describes each version's tools as a table of [`Tool`]s.

#[cfg(feature = "mcp-client")]
mod client;
#[cfg(feature = "mcp-server")]
pub(crate) mod server;

#[cfg(feature = "mcp-client")]
pub use client::{McpCallError, McpClientBuilder, McpClientCore, McpResponse};
#[cfg(feature = "mcp-server")]
pub use server::{McpEndpoint, McpOptions};

/// The JSON-RPC error code of an ACP error (its `Error` object is the error's `data`).
pub const ACP_ERROR_CODE: i32 = -32000;

/// JSON-RPC's "invalid params": the envelope itself is malformed.
pub const INVALID_PARAMS_CODE: i32 = -32602;

/// `meta` members and the HTTP headers they stand for.
pub const META_HEADERS: &[(&str, &str)] = &[
    ("api_version", "API-Version"),
    ("idempotency_key", "Idempotency-Key"),
    ("request_id", "Request-Id"),
    ("user_agent", "User-Agent"),
    ("accept_language", "Accept-Language"),
    ("signature", "Signature"),
    ("timestamp", "Timestamp"),
];

/// Result `_meta` members a server adds from the REST response's headers.
pub const RESULT_META_HEADERS: &[(&str, &str)] = &[
    ("request_id", "Request-Id"),
    ("idempotent_replayed", "Idempotent-Replayed"),
];

/// One tool of a version's binding, as generated from its OpenRPC file.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// The method name (`create_checkout_session`).
    pub name: &'static str,
    /// A short title (the method's `summary`).
    pub title: Option<&'static str>,
    /// What it does (the method's `description`).
    pub description: &'static str,
    /// The JSON Schema of the arguments, every `$ref` resolved.
    pub input_schema: &'static str,
    /// The JSON Schema of the result, every `$ref` resolved.
    pub output_schema: Option<&'static str>,
    /// The REST operation's method (`POST`).
    pub method: &'static str,
    /// The REST operation's path template (`/checkout_sessions/{checkout_session_id}/complete`);
    /// its one parameter is the tool's `id`.
    pub path: &'static str,
    /// Whether the tool takes an `id`.
    pub takes_id: bool,
    /// Whether the tool takes a `payload`.
    pub payload: Payload,
}

/// Whether a tool takes a `payload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Never.
    Absent,
    /// It may be left out (and need not be `null`).
    Optional,
    /// Always.
    Required,
}

impl Tool {
    /// The REST path for `id` (percent-encoded into the template's parameter).
    pub fn path_for(&self, id: Option<&str>) -> String {
        match (self.path.find('{'), self.path.find('}'), id) {
            (Some(start), Some(end), Some(id)) if start < end => format!(
                "{}{}{}",
                &self.path[..start],
                crate::path_segment::encode_path_segment(id),
                &self.path[end + 1..]
            ),
            _ => self.path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Payload, Tool};

    fn tool(path: &'static str) -> Tool {
        Tool {
            name: "t",
            title: None,
            description: "",
            input_schema: "{}",
            output_schema: None,
            method: "POST",
            path,
            takes_id: true,
            payload: Payload::Optional,
        }
    }

    #[test]
    fn the_id_goes_into_the_path_encoded() {
        let t = tool("/checkout_sessions/{checkout_session_id}/cancel");
        assert_eq!(
            t.path_for(Some("cs_1/../x y")),
            "/checkout_sessions/cs_1%2F..%2Fx%20y/cancel"
        );
        assert_eq!(
            tool("/checkout_sessions").path_for(None),
            "/checkout_sessions"
        );
    }
}
