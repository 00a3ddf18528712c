//! The sending side of merchant webhooks (merchant to agent).

use std::time::{SystemTime, UNIX_EPOCH};

use http::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use http::Method;
use serde::Serialize;

use super::retry::{execute, RetryOn};
use super::{
    error_response, header_value, AcpResponse, ClientError, RetryPolicy, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
use crate::signing::merchant_signature;

/// `Merchant-Signature`.
const MERCHANT_SIGNATURE: &str = "merchant-signature";

/// Delivers webhook events (`order_create`, `order_update`, ...) to an agent's endpoint, signed
/// with `Merchant-Signature: t=<unix seconds>,v1=<hex>` (see
/// [`crate::signing::merchant_signature`]).
///
/// Delivery is at-least-once: besides what [`ClientCore`](super::ClientCore) retries, every
/// `5xx` and every connection failure or timeout is retried (with a fresh signature timestamp),
/// so receivers must tolerate duplicates.
#[derive(Clone)]
pub struct WebhookSender {
    http: reqwest::Client,
    url: String,
    secret: Vec<u8>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSender")
            .field("url", &self.url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl WebhookSender {
    /// A sender to the endpoint at `url` (the agent's full webhook URL, e.g.
    /// `https://agent.example/agentic_checkout/webhooks/order_events`) signing with `secret`.
    /// Each attempt is limited to 30 s (connecting: 10 s); the URL is checked when sending.
    pub fn new(url: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(DEFAULT_TIMEOUT)
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .user_agent(DEFAULT_USER_AGENT)
            .build()
            // Without a TLS backend to initialize, building cannot fail; should it, a client
            // with reqwest's defaults still delivers.
            .unwrap_or_default();
        WebhookSender {
            http,
            url: url.into(),
            secret: secret.into(),
            retry: RetryPolicy::default(),
        }
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Uses this reqwest client (TLS, proxies, timeouts, user agent are then its own).
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = c;
        self
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// POSTs `event` as JSON, signed over the exact bytes sent. A 2xx is success, with the body
    /// as JSON (`null` when it is empty or not JSON); other statuses are [`ClientError::Api`]
    /// (or [`ClientError::UnexpectedBody`] without the spec's `Error` body).
    pub async fn send<E: Serialize>(
        &self,
        event: &E,
    ) -> Result<AcpResponse<serde_json::Value>, ClientError> {
        let url = reqwest::Url::parse(&self.url).map_err(|e| {
            ClientError::InvalidRequest(format!("`{}` is not a valid URL: {e}", self.url))
        })?;
        let body = serde_json::to_vec(event)
            .map_err(|e| ClientError::InvalidRequest(format!("cannot serialize the event: {e}")))?;
        let (exchange, attempts) =
            execute(&self.retry, true, RetryOn::TransientAndServerErrors, || {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                let signature = merchant_signature(&self.secret, now, &body);
                Ok(self
                    .http
                    .request(Method::POST, url.clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .header(
                        MERCHANT_SIGNATURE,
                        header_value("Merchant-Signature", &signature)?,
                    )
                    .body(body.clone()))
            })
            .await?;
        if !exchange.status.is_success() {
            return Err(error_response(exchange, attempts));
        }
        let body = serde_json::from_slice(&exchange.body).unwrap_or(serde_json::Value::Null);
        Ok(AcpResponse {
            status: exchange.status,
            body,
            request_id: exchange.request_id,
            idempotent_replayed: exchange.idempotent_replayed,
            idempotency_key: None,
            attempts,
        })
    }
}

/// The launch checklist's spelling of a webhook event type: `order_create` -> `order_created`,
/// `order_update` -> `order_updated`; any other type is returned unchanged. The spec's own
/// spelling (`order_create`) is what [`WebhookSender::send`] should normally carry.
pub fn checklist_event_type(spec_type: &str) -> &str {
    match spec_type {
        "order_create" => "order_created",
        "order_update" => "order_updated",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_spelling() {
        assert_eq!(checklist_event_type("order_create"), "order_created");
        assert_eq!(checklist_event_type("order_update"), "order_updated");
        assert_eq!(checklist_event_type("order_created"), "order_created");
        assert_eq!(checklist_event_type("refund"), "refund");
    }
}
