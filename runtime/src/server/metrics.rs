//! Metrics of the request pipeline, recorded through the [`metrics`] facade: nothing is kept
//! unless the application installs a recorder (e.g. `metrics-exporter-prometheus`) before
//! [`AcpServerBuilder::build`](super::AcpServerBuilder::build).
//!
//! - `acp_requests_total{route,method,status,api_version}` and
//!   `acp_request_duration_seconds{route,method}`, per request;
//! - `acp_idempotency_total{outcome}` (`started`, `replayed`, `conflict`, `in_flight`,
//!   `unavailable`), per POST that reached the idempotency stage;
//! - `acp_store_duration_seconds{operation}` and `acp_store_errors_total{operation}`
//!   (`begin`, `finish`, `release`), per idempotency store call.
//!
//! Every label has a bounded set of values, whatever clients send: `route` is the route
//! template (`/checkout_sessions/{checkout_session_id}`), also for requests answered before
//! routing (`401`, idempotent replays and conflicts, ...), or `unmatched` for a path no route
//! has; `api_version` is a registered version, `none` (no header) or `unsupported`; `method` is
//! a standard method or `other`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::Method;
use metrics::{counter, describe_counter, describe_histogram, histogram, Unit};
use tower::ServiceExt;

use super::headers;
use super::pipeline::IdempotencyOutcome;

/// `route` of a request no route served.
const UNMATCHED: &str = "unmatched";

/// The route template that served a request, carried out of the version router on its response.
#[derive(Debug, Clone)]
struct MatchedRoute(MatchedPath);

/// Puts each route's template on its responses: the version routers run inside `dispatch`
/// (via `oneshot`), so axum's [`MatchedPath`] is not visible to the outer layers. A `layer`
/// rather than a `route_layer`: a probe must not run a fallback either.
pub(crate) fn label_routes(routes: Router) -> Router {
    routes.layer(from_fn(carry_matched_path))
}

/// Marks a request sent only to learn which route would serve it: no handler runs.
#[derive(Debug, Clone, Copy)]
struct RouteProbe;

async fn carry_matched_path(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = if request.extensions().get::<RouteProbe>().is_some() {
        ().into_response()
    } else {
        next.run(request).await
    };
    if let Some(matched) = matched {
        response.extensions_mut().insert(MatchedRoute(matched));
    }
    response
}

/// Records requests ([`RequestMetrics::start`]), keeping the version routers (labelled by [`label_routes`]), to
/// find the route of a request answered before it reached them.
#[derive(Clone)]
pub(crate) struct RequestMetrics {
    versions: BTreeMap<String, Router>,
}

impl RequestMetrics {
    /// Also describes the metrics to the recorder installed now (their `HELP` and unit).
    pub(crate) fn new(versions: &BTreeMap<String, Router>) -> Self {
        describe_counter!(
            "acp_requests_total",
            "ACP requests answered, by route template, method, status and API version."
        );
        describe_histogram!(
            "acp_request_duration_seconds",
            Unit::Seconds,
            "Time from receiving an ACP request's headers to its response."
        );
        describe_counter!(
            "acp_idempotency_total",
            "POST requests with an Idempotency-Key, by what the idempotency stage did."
        );
        describe_histogram!(
            "acp_store_duration_seconds",
            Unit::Seconds,
            "Idempotency store calls, by operation."
        );
        describe_counter!(
            "acp_store_errors_total",
            "Failed idempotency store calls, by operation."
        );
        RequestMetrics {
            versions: versions.clone(),
        }
    }

    /// The registered version the request names, if any.
    fn version(&self, request: &Request) -> Option<&str> {
        let text = request.headers().get(headers::API_VERSION)?.to_str().ok()?;
        self.versions
            .get_key_value(text.trim())
            .map(|(version, _)| version.as_str())
    }

    fn api_version_label(&self, request: &Request) -> String {
        match (
            self.version(request),
            request.headers().get(headers::API_VERSION),
        ) {
            (Some(version), _) => version.to_string(),
            (None, None) => "none".to_string(),
            (None, Some(value)) if value.as_bytes().trim_ascii().is_empty() => "none".to_string(),
            (None, Some(_)) => "unsupported".to_string(),
        }
    }

    /// The template of the route that would serve `probe` in `version` (the newest version when
    /// the request named none it serves), without running it.
    async fn route_of(&self, version: Option<&str>, probe: Request) -> Option<MatchedPath> {
        let routes = match version {
            Some(version) => self.versions.get(version),
            None => self.versions.values().next_back(),
        }?;
        let response = match routes.clone().oneshot(probe).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        response
            .extensions()
            .get::<MatchedRoute>()
            .map(|r| r.0.clone())
    }
}

impl RequestMetrics {
    /// Starts recording `request`, before any stage of the pipeline sees it.
    pub(crate) fn start(&self, request: &Request) -> Recording<'_> {
        // The same method, path and extensions (a path prefix `nest_service` matched) without
        // the body, in case the request is answered before routing.
        let mut probe = Request::new(Body::empty());
        *probe.method_mut() = request.method().clone();
        *probe.uri_mut() = request.uri().clone();
        *probe.extensions_mut() = request.extensions().clone();
        probe.extensions_mut().insert(RouteProbe);
        Recording {
            metrics: self,
            started: Instant::now(),
            method: method_label(request.method()),
            api_version: self.api_version_label(request),
            version: self.version(request).map(str::to_string),
            probe,
        }
    }
}

/// One request being recorded: see [`RequestMetrics::start`].
pub(crate) struct Recording<'a> {
    metrics: &'a RequestMetrics,
    started: Instant,
    method: &'static str,
    api_version: String,
    version: Option<String>,
    probe: Request,
}

impl Recording<'_> {
    /// Records the request with its `response`, which it passes on.
    pub(crate) async fn finish(self, response: Response) -> Response {
        let elapsed = self.started.elapsed();
        let matched = match response.extensions().get::<MatchedRoute>() {
            Some(MatchedRoute(matched)) => Some(matched.clone()),
            None => {
                (self.metrics)
                    .route_of(self.version.as_deref(), self.probe)
                    .await
            }
        };
        let route = matched.map_or_else(|| UNMATCHED.to_string(), |m| m.as_str().to_string());
        let status = response.status().as_u16().to_string();
        histogram!(
            "acp_request_duration_seconds",
            "route" => route.clone(),
            "method" => self.method,
        )
        .record(elapsed);
        counter!(
            "acp_requests_total",
            "route" => route,
            "method" => self.method,
            "status" => status,
            "api_version" => self.api_version,
        )
        .increment(1);
        if let Some(IdempotencyOutcome(outcome)) = response.extensions().get() {
            counter!("acp_idempotency_total", "outcome" => *outcome).increment(1);
        }
        response
    }
}

/// A standard method's name, `other` for any extension method (clients choose those freely).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// Records one idempotency store call (`begin`, `finish`, `release`).
pub(crate) fn record_store_call(operation: &'static str, elapsed: Duration, ok: bool) {
    histogram!("acp_store_duration_seconds", "operation" => operation).record(elapsed);
    if !ok {
        counter!("acp_store_errors_total", "operation" => operation).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method_label(&custom), "other");
    }
}
