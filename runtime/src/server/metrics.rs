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

use std::collections::{BTreeMap, HashMap};
use std::sync::{OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::Method;
use metrics::{counter, describe_counter, describe_histogram, histogram, Counter, Histogram, Unit};
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
///
/// Metric handles are registered once per label set and reused: building a key and looking it
/// up in the recorder on every request cost more than the rest of the recording.
pub(crate) struct RequestMetrics {
    versions: BTreeMap<String, Router>,
    /// By route template (or [`UNMATCHED`]), then method, status and API version label.
    requests: RwLock<HashMap<String, HashMap<RequestLabels, RequestHandles>>>,
    idempotency: [OnceLock<Counter>; IDEMPOTENCY_OUTCOMES.len()],
    store_durations: [OnceLock<Histogram>; STORE_OPERATIONS.len()],
    store_errors: [OnceLock<Counter>; STORE_OPERATIONS.len()],
}

/// The values of `acp_idempotency_total`'s `outcome` label.
const IDEMPOTENCY_OUTCOMES: [&str; 5] = [
    "started",
    "replayed",
    "conflict",
    "in_flight",
    "unavailable",
];
/// The values of the `operation` label of the store metrics.
const STORE_OPERATIONS: [&str; 3] = ["begin", "finish", "release"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RequestLabels {
    method: &'static str,
    status: u16,
    api_version: ApiVersionLabel,
}

/// `api_version`: a registered version (its index), no header, or one not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ApiVersionLabel {
    Version(usize),
    None,
    Unsupported,
}

struct RequestHandles {
    total: Counter,
    duration: Histogram,
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
            requests: RwLock::default(),
            idempotency: Default::default(),
            store_durations: Default::default(),
            store_errors: Default::default(),
        }
    }

    /// The position of the registered version the request names, if any.
    fn version(&self, request: &Request) -> Option<usize> {
        let text = request.headers().get(headers::API_VERSION)?.to_str().ok()?;
        let text = text.trim();
        self.versions.keys().position(|version| version == text)
    }

    fn api_version_label(&self, request: &Request) -> ApiVersionLabel {
        match (
            self.version(request),
            request.headers().get(headers::API_VERSION),
        ) {
            (Some(index), _) => ApiVersionLabel::Version(index),
            (None, None) => ApiVersionLabel::None,
            (None, Some(value)) if value.as_bytes().trim_ascii().is_empty() => {
                ApiVersionLabel::None
            }
            (None, Some(_)) => ApiVersionLabel::Unsupported,
        }
    }

    /// The handles of one label set, registered on first use.
    fn with_request_handles(
        &self,
        route: &str,
        labels: RequestLabels,
        record: impl FnOnce(&RequestHandles),
    ) {
        if let Some(handles) = read(&self.requests)
            .get(route)
            .and_then(|by_labels| by_labels.get(&labels))
        {
            return record(handles);
        }
        let api_version = match labels.api_version {
            ApiVersionLabel::Version(index) => {
                self.versions.keys().nth(index).cloned().unwrap_or_default()
            }
            ApiVersionLabel::None => "none".to_string(),
            ApiVersionLabel::Unsupported => "unsupported".to_string(),
        };
        let handles = RequestHandles {
            total: counter!(
                "acp_requests_total",
                "route" => route.to_string(),
                "method" => labels.method,
                "status" => labels.status.to_string(),
                "api_version" => api_version,
            ),
            duration: histogram!(
                "acp_request_duration_seconds",
                "route" => route.to_string(),
                "method" => labels.method,
            ),
        };
        record(&handles);
        let mut requests = self.requests.write().unwrap_or_else(|e| e.into_inner());
        requests
            .entry(route.to_string())
            .or_default()
            .insert(labels, handles);
    }

    fn idempotency_outcome(&self, outcome: &'static str) {
        if let Some(index) = IDEMPOTENCY_OUTCOMES.iter().position(|o| *o == outcome) {
            self.idempotency[index]
                .get_or_init(|| counter!("acp_idempotency_total", "outcome" => outcome))
                .increment(1);
        }
    }

    /// Records one idempotency store call (`begin`, `finish`, `release`).
    pub(crate) fn store_call(&self, operation: &'static str, elapsed: Duration, ok: bool) {
        let Some(index) = STORE_OPERATIONS.iter().position(|o| *o == operation) else {
            return;
        };
        self.store_durations[index]
            .get_or_init(|| histogram!("acp_store_duration_seconds", "operation" => operation))
            .record(elapsed);
        if !ok {
            self.store_errors[index]
                .get_or_init(|| counter!("acp_store_errors_total", "operation" => operation))
                .increment(1);
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
            probe,
        }
    }
}

/// One request being recorded: see [`RequestMetrics::start`].
pub(crate) struct Recording<'a> {
    metrics: &'a RequestMetrics,
    started: Instant,
    method: &'static str,
    api_version: ApiVersionLabel,
    probe: Request,
}

impl Recording<'_> {
    /// Records the request with its `response`, which it passes on.
    pub(crate) async fn finish(self, response: Response) -> Response {
        let elapsed = self.started.elapsed();
        let matched = match response.extensions().get::<MatchedRoute>() {
            Some(MatchedRoute(matched)) => Some(matched.clone()),
            None => {
                let version = match self.api_version {
                    ApiVersionLabel::Version(index) => self.metrics.versions.keys().nth(index),
                    ApiVersionLabel::None | ApiVersionLabel::Unsupported => None,
                };
                (self.metrics)
                    .route_of(version.map(String::as_str), self.probe)
                    .await
            }
        };
        let labels = RequestLabels {
            method: self.method,
            status: response.status().as_u16(),
            api_version: self.api_version,
        };
        let route = matched.as_ref().map_or(UNMATCHED, |m| m.as_str());
        self.metrics.with_request_handles(route, labels, |handles| {
            handles.duration.record(elapsed);
            handles.total.increment(1);
        });
        if let Some(IdempotencyOutcome(outcome)) = response.extensions().get() {
            self.metrics.idempotency_outcome(outcome);
        }
        response
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // Handles are only ever added, so a panic elsewhere cannot leave the map half-changed.
    lock.read().unwrap_or_else(|e| e.into_inner())
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
