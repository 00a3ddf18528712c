//! Serving a router over TCP with read timeouts and a connection limit.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a body may take to arrive, set as a request extension by [`serve`] and enforced
/// where the pipeline reads bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyReadTimeout(pub Duration);

/// The limits [`serve`] puts on every connection. The defaults suit a server with the common
/// `ulimit -n 1024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// How long a client has to send a request's complete headers (default 10 s), counted from
    /// the moment the connection is idle: a new connection, or a kept-alive one after its last
    /// response. A connection that does not make it is closed without a response.
    pub header_read_timeout: Duration,
    /// How long an authenticated request's body may take to arrive in full once the pipeline
    /// starts reading it (default 30 s). A body that does not make it gets
    /// `408 invalid_request / request_timeout` with the spec's error body, and the connection is
    /// closed after it. It applies to bodies read by the ACP pipeline ([`AcpServer`] routes and
    /// [`webhook_receiver`]).
    ///
    /// [`AcpServer`]: super::AcpServer
    /// [`webhook_receiver`]: super::webhook_receiver
    pub body_read_timeout: Duration,
    /// The most connections served at once (default 512). Further connections are not accepted
    /// until one closes: they wait in the operating system's accept queue (and may be refused
    /// by it when that queue is full), so the process never runs out of file descriptors.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Serves `router` (typically [`AcpServerBuilder::build`](super::AcpServerBuilder::build)) on
/// `listener` over HTTP/1.1 with `limits`, until the future is dropped. Use it instead of
/// `axum::serve`, which has no read timeouts and no connection limit.
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// use acp_runtime::server::{serve, ServeLimits};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// serve(listener, app, ServeLimits::default()).await;
/// # Ok(())
/// # }
/// ```
pub async fn serve(listener: TcpListener, router: Router, limits: ServeLimits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        // Take a slot before accepting, so that connections over the limit stay queued.
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Such as running out of file descriptors: wait for some to close, as axum does.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let router = router.clone();
        let body_timeout = BodyReadTimeout(limits.body_read_timeout);
        let service = service_fn(move |request: http::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(body_timeout);
            router.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            // A client that goes away or times out is no error of the server's.
            let _ = connection.await;
            drop(slot);
        });
    }
}
