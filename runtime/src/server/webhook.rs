//! The receiving side of merchant webhooks: `Merchant-Signature` verification.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;

use super::error::ApiError;
use super::extract::read_body;
use super::pipeline::{buffer_body, echo_request_id, panic_response};
use super::{headers, DEFAULT_BODY_LIMIT};
use crate::signing::verify_merchant_signature;

/// The tolerance the 2026-04-17 spec gives webhook timestamps.
pub const DEFAULT_WEBHOOK_TOLERANCE: Duration = Duration::from_secs(300);

struct WebhookState {
    secret: Vec<u8>,
    tolerance: Duration,
}

/// Wraps (generated) webhook receiver routes so that only requests whose `Merchant-Signature`
/// (`t=<unix>,v1=<64 hex>`, HMAC-SHA256 over `t + "." +` the raw body) verifies with `secret`
/// within `tolerance` (the spec says 300 s: [`DEFAULT_WEBHOOK_TOLERANCE`]) reach them; others get
/// `401 invalid_request / invalid_signature`. Bodies over 1 MiB get `413`. `Request-Id` is echoed.
pub fn webhook_receiver(routes: Router, secret: Vec<u8>, tolerance: Duration) -> Router {
    let state = Arc::new(WebhookState { secret, tolerance });
    routes
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state, verify_webhook))
        .layer(from_fn(echo_request_id))
}

async fn verify_webhook(
    State(state): State<Arc<WebhookState>>,
    request: Request,
    next: Next,
) -> Response {
    let request = match buffer_body(request, DEFAULT_BODY_LIMIT).await {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let header = request
        .headers()
        .get(headers::MERCHANT_SIGNATURE)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .unwrap_or("")
        .to_string();
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    if let Err(error) =
        verify_merchant_signature(&state.secret, &header, &bytes, now, state.tolerance)
    {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "invalid_signature",
            error.to_string(),
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
