//! axum extractors for generated handlers: the request context, JSON bodies and query strings.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::ApiError;
use super::transaction::Transaction;
use super::{headers, BodyLimit};
use crate::{JsonPath, PathSegment, Validate};

/// The authenticated identity of the caller, set as a request extension by the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity(pub String);

/// The negotiated `API-Version`, set as a request extension by the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion(pub String);

/// What a handler knows about the request besides its body.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The negotiated `API-Version` (outside the pipeline: the header's value, or "").
    pub api_version: String,
    /// The authenticated identity (outside the pipeline: "anonymous").
    pub identity: String,
    /// The `Request-Id` header.
    pub request_id: Option<String>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// The `Accept-Language` header.
    pub accept_language: Option<String>,
    /// All request headers.
    pub headers: HeaderMap,
    /// The database transaction this request's `Idempotency-Key` was claimed in, with a
    /// transactional store ([`SqliteStore`](super::SqliteStore),
    /// [`PostgresStore`](super::PostgresStore)): write the request's effects in it and they
    /// commit together with the recorded response, exactly once. `None` for requests without a
    /// key and with other stores.
    pub transaction: Option<Transaction>,
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

impl RequestContext {
    /// The context of a request with these parts.
    pub fn from_parts(parts: &Parts) -> Self {
        let headers = parts.headers.clone();
        let api_version = match parts.extensions.get::<ApiVersion>() {
            Some(version) => version.0.clone(),
            None => header_text(&headers, headers::API_VERSION).unwrap_or_default(),
        };
        let identity = match parts.extensions.get::<Identity>() {
            Some(identity) => identity.0.clone(),
            None => "anonymous".to_string(),
        };
        RequestContext {
            api_version,
            identity,
            request_id: header_text(&headers, headers::REQUEST_ID),
            idempotency_key: header_text(&headers, headers::IDEMPOTENCY_KEY),
            accept_language: header_text(&headers, http::header::ACCEPT_LANGUAGE.as_str()),
            headers,
            transaction: parts.extensions.get::<Transaction>().cloned(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestContext::from_parts(parts))
    }
}

/// A JSON request body parsed and validated as `T` (with [`crate::from_slice`]); as a response,
/// `T` serialized as `application/json`.
///
/// Rejections are spec-shaped `400 invalid_request` errors: `unsupported_content_type` when the
/// `Content-Type` is not `application/json`, otherwise [`ApiError::from_parse_error`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcpJson<T>(pub T);

/// Whether a `Content-Type` value is `application/json`, parameters (`; charset=utf-8`) allowed.
pub(crate) fn is_json_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Reads a whole body, at most `limit` bytes (`413 request_too_large` beyond).
pub(crate) async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, ApiError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(limit)),
        Err(_) => Err(ApiError::invalid_request(
            "invalid_body",
            "The request body could not be read.",
        )),
    }
}

pub(crate) fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request",
        "request_too_large",
        format!("The request body is larger than the limit of {limit} bytes."),
    )
}

impl<T, S> FromRequest<S> for AcpJson<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(request.headers().get(CONTENT_TYPE)) {
            return Err(ApiError::invalid_request(
                "unsupported_content_type",
                "The request body must be sent with Content-Type: application/json.",
            )
            .with_param("$"));
        }
        let limit = request
            .extensions()
            .get::<BodyLimit>()
            .map_or(super::DEFAULT_BODY_LIMIT, |l| l.0);
        let bytes = read_body(request.into_body(), limit).await?;
        crate::from_slice::<T>(&bytes)
            .map(AcpJson)
            .map_err(|e| ApiError::from_parse_error(&e))
    }
}

/// An optional JSON request body (`requestBody.required: false`): no body at all is `None`;
/// a body is read and checked as [`AcpJson`] does.
pub struct AcpOptionalJson<T>(pub Option<T>);

impl<T, S> FromRequest<S> for AcpOptionalJson<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = request
            .extensions()
            .get::<BodyLimit>()
            .map_or(super::DEFAULT_BODY_LIMIT, |l| l.0);
        let (parts, body) = request.into_parts();
        let bytes = read_body(body, limit).await?;
        if bytes.is_empty() {
            return Ok(AcpOptionalJson(None));
        }
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        AcpJson::<T>::from_request(request, state)
            .await
            .map(|AcpJson(value)| AcpOptionalJson(Some(value)))
    }
}

/// The capacity a response body starts with: the size of the last one, rounded up (at most
/// 64 KiB), so a typical body is written without growing its buffer (each growth copies it).
static RESPONSE_CAPACITY: AtomicUsize = AtomicUsize::new(1024);

impl<T: Serialize> IntoResponse for AcpJson<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(RESPONSE_CAPACITY.load(Ordering::Relaxed));
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => {
                let hint = (body.len() + body.len() / 8).clamp(1024, 64 * 1024);
                RESPONSE_CAPACITY.store(hint, Ordering::Relaxed);
                let mut response = body.into_response();
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                response
            }
            Err(_) => ApiError::internal("The response could not be serialized.").into_response(),
        }
    }
}

/// Query parameters deserialized as `T`; a bad query is a `400 invalid_request` whose `param`
/// names the parameter (`$.limit`) when it can be told.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcpQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for AcpQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(AcpQuery)
    }
}

/// Parses a query string as `T`, reporting the failing parameter as a JSONPath.
// `ApiError` carries the spec's whole error body; it is built once per failed request.
#[allow(clippy::result_large_err)]
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let mut path = JsonPath(
            error
                .path()
                .iter()
                .filter_map(|segment| match segment {
                    serde_path_to_error::Segment::Map { key } => {
                        Some(PathSegment::Key(key.clone()))
                    }
                    serde_path_to_error::Segment::Seq { index } => Some(PathSegment::Index(*index)),
                    _ => None,
                })
                .collect(),
        );
        let message = error.into_inner().to_string();
        let (code, text) = match message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            Some(field) => {
                path = path.key(field);
                (
                    "missing",
                    format!("The query parameter `{field}` is required."),
                )
            }
            None => match path.0.last() {
                Some(PathSegment::Key(name)) => (
                    "invalid",
                    format!("The query parameter `{name}` is invalid: {message}."),
                ),
                _ => (
                    "invalid",
                    format!("The query string is invalid: {message}."),
                ),
            },
        };
        let error = ApiError::invalid_request(code, text);
        if path.0.is_empty() {
            error
        } else {
            error.with_param(path.to_string())
        }
    })
}

/// The response of a generated handler: the operation's success status with its JSON body, or
/// the spec-shaped error.
pub fn reply<T: Serialize>(status: u16, result: Result<T, ApiError>) -> Response {
    with_status(status, result.map(|value| AcpJson(value).into_response()))
}

/// The response of a generated handler whose success has no body.
pub fn reply_empty(status: u16, result: Result<(), ApiError>) -> Response {
    with_status(status, result.map(|()| ().into_response()))
}

fn with_status(status: u16, result: Result<Response, ApiError>) -> Response {
    match result {
        Ok(mut response) => {
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            response
        }
        Err(error) => error.into_response(),
    }
}
