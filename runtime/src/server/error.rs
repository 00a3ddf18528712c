//! The protocol's error body (`Error {type, code, message, param?}`) as an axum response.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;
use serde::Serialize;

use crate::ParseError;

/// A protocol-level error: the HTTP status plus the spec's `Error` body
/// (`{type, code, message, param?}`), optionally `supported_versions` and a `Retry-After` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The error category (`invalid_request`, `processing_error`, `unauthorized`, ...).
    pub error_type: String,
    /// A machine-readable code (`missing`, `idempotency_conflict`, ...).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The RFC 9535 JSONPath of the offending value (`$.buyer.email`), when there is one.
    pub param: Option<String>,
    /// The API versions the server accepts (on version errors).
    pub supported_versions: Option<Vec<String>>,
    /// Seconds after which a retry may succeed, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with the given status, type, code and message.
    pub fn new(
        status: StatusCode,
        error_type: &str,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            error_type: error_type.to_string(),
            code: code.to_string(),
            message: message.into(),
            param: None,
            supported_versions: None,
            retry_after: None,
        }
    }

    /// `400`, type `invalid_request`, with the given code.
    pub fn invalid_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", code, message)
    }

    /// `404`, type `invalid_request`, code `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "not_found",
            message,
        )
    }

    /// `500`, type `processing_error`, code `internal_error`: an unexpected server-side failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "processing_error",
            "internal_error",
            message,
        )
    }

    /// The same error pointing at `param` (an RFC 9535 JSONPath such as `$.buyer.email`).
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// The same error listing the versions the server accepts.
    pub fn with_supported_versions(mut self, versions: Vec<String>) -> Self {
        self.supported_versions = Some(versions);
        self
    }

    /// The same error with a `Retry-After` of `seconds`.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// A `400 invalid_request` for a body that did not parse or validate.
    ///
    /// The code is `invalid_json` when the text is not JSON, `missing` when a required member
    /// is absent and `invalid` otherwise (wrong type, unknown member, broken constraint); `param`
    /// is the JSONPath of the offending value (for a missing member: where it should be).
    pub fn from_parse_error(error: &ParseError) -> Self {
        match error {
            ParseError::Syntax { .. } => Self::invalid_request(
                "invalid_json",
                format!("The request body is not valid JSON: {error}."),
            )
            .with_param("$"),
            ParseError::Shape { path, message, .. } => {
                if let Some(field) = missing_field(message) {
                    let param = path.clone().key(field).to_string();
                    Self::invalid_request("missing", format!("{param} is required but missing."))
                        .with_param(param)
                } else {
                    let param = path.to_string();
                    let hint = if message.starts_with("unknown field") {
                        " Remove it: this API version does not define it."
                    } else {
                        ""
                    };
                    Self::invalid_request("invalid", format!("{param}: {message}.{hint}"))
                        .with_param(param)
                }
            }
            ParseError::Constraints(_) => {
                let mut message = error.to_string();
                if !message.ends_with('.') {
                    message.push('.');
                }
                Self::invalid_request("invalid", message).with_param(error.path().to_string())
            }
        }
    }

    /// The JSON body sent for this error.
    pub fn body(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(rename = "type")]
            error_type: &'a str,
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            param: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            supported_versions: Option<&'a [String]>,
        }
        serde_json::to_value(Body {
            error_type: &self.error_type,
            code: &self.code,
            message: &self.message,
            param: self.param.as_deref(),
            supported_versions: self.supported_versions.as_deref(),
        })
        .unwrap_or(serde_json::Value::Null)
    }
}

/// The member name in serde's "missing field `name`" message.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}: {}",
            self.status.as_u16(),
            self.error_type,
            self.code,
            self.message
        )?;
        if let Some(param) = &self.param {
            write!(f, " (at {param})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<&ParseError> for ApiError {
    fn from(error: &ParseError) -> Self {
        ApiError::from_parse_error(error)
    }
}

impl From<ParseError> for ApiError {
    fn from(error: ParseError) -> Self {
        ApiError::from_parse_error(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
