//! The suite's webhook receiver: a local HTTP endpoint that plays the agent's
//! `POST /agentic_checkout/webhooks/order_events`, records every delivery and answers
//! `200 {"received": true}`. Signatures are judged by the check, not here, so a badly signed
//! event is still recorded and reported.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::Router;
use tokio::sync::{oneshot, Notify};

/// One delivery as received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The method (`POST`).
    pub method: String,
    /// The path and query.
    pub path: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The raw body: signatures are over these bytes.
    pub body: Vec<u8>,
    /// When it arrived, Unix seconds.
    pub received_at: i64,
}

impl Delivery {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inbox {
    deliveries: Mutex<Vec<Delivery>>,
    arrived: Notify,
}

/// A running receiver; stops when dropped.
pub struct Listener {
    address: SocketAddr,
    inbox: Arc<Inbox>,
    _stop: oneshot::Sender<()>,
}

async fn receive(
    State(inbox): State<Arc<Inbox>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let delivery = Delivery {
        method: method.to_string(),
        path: uri.to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        received_at: chrono::Utc::now().timestamp(),
    };
    if let Ok(mut deliveries) = inbox.deliveries.lock() {
        deliveries.push(delivery);
    }
    inbox.arrived.notify_waiters();
    axum::response::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"received":true}"#))
        .unwrap_or_default()
}

impl Listener {
    /// Starts listening on `address` (`127.0.0.1:8788`).
    pub async fn bind(address: &str) -> std::io::Result<Listener> {
        let socket = tokio::net::TcpListener::bind(address).await?;
        let address = socket.local_addr()?;
        let inbox = Arc::new(Inbox::default());
        let app = Router::new().fallback(receive).with_state(inbox.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(socket, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Listener {
            address,
            inbox,
            _stop: stop,
        })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Everything received so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inbox
            .deliveries
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default()
    }

    /// Waits until `done` holds for the deliveries so far, or `timeout` passes; returns the
    /// deliveries either way.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.inbox.arrived.notified();
            let deliveries = self.deliveries();
            if done(&deliveries) || tokio::time::Instant::now() >= deadline {
                return deliveries;
            }
            // Wake on a delivery, and at least every 100 ms in case a notification raced.
            let _ = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_millis(100)),
                arrived,
            )
            .await;
        }
    }
}
