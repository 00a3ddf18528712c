//! Denial-of-service limits of a served ACP stack, over real loopback connections and with
//! bounded time (issue 15).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use acp_runtime::server::{serve, AcpJson, AcpServer, RequestContext, ServeLimits, StaticTokens};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const VERSION: &str = "2026-04-17";
const TOKEN: &str = "sk_test_good";

async fn echo(_: RequestContext, AcpJson(body): AcpJson<Value>) -> AcpJson<Value> {
    AcpJson(body)
}

fn app() -> Router {
    AcpServer::builder()
        .version(VERSION, Router::new().route("/echo", post(echo)))
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent-1".to_string(),
        )]))
        .build()
}

/// Reads one response (until the end of its headers) and returns its status line, or `None`
/// when the server closed the connection without answering.
async fn read_status_line(stream: &mut TcpStream) -> Option<String> {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 1024];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&raw);
    text.lines().next().map(str::to_string)
}

/// A complete, authenticated request; `key` is its `Idempotency-Key`.
fn authorized_echo(key: &str) -> String {
    let body = r#"{"a":1}"#;
    format!(
        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {TOKEN}\r\n\
         API-Version: {VERSION}\r\nIdempotency-Key: {key}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn axum_served(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test]
async fn a_request_without_authorization_is_refused_before_its_body_arrives() {
    let address = axum_served(app()).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    // Declares 1 MiB (exactly the limit) but sends only 10 bytes and then stalls.
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAPI-Version: {VERSION}\r\n\
         Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n0123456789"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let status = timeout(Duration::from_secs(2), read_status_line(&mut stream))
        .await
        .expect("the 401 came without waiting for the body");
    assert_eq!(status.as_deref(), Some("HTTP/1.1 401 Unauthorized"));

    // An authenticated request is still served.
    assert_served(address, "after-401").await;
}

/// An authenticated request on a fresh connection is answered 200 within 2 s.
async fn assert_served(address: SocketAddr, label: &str) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(authorized_echo(label).as_bytes())
        .await
        .unwrap();
    let status = timeout(Duration::from_secs(2), read_status_line(&mut stream))
        .await
        .unwrap();
    assert_eq!(status.as_deref(), Some("HTTP/1.1 200 OK"), "{label}");
}

async fn served(limits: ServeLimits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app(), limits));
    address
}

/// Waits (at most `within`) for the server to close `stream`; returns whatever it sent first.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut sent = Vec::new();
    timeout(within, async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => sent.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection in time");
    sent
}

#[tokio::test]
async fn a_connection_that_is_slow_to_send_its_headers_is_closed_after_the_timeout() {
    let limits = ServeLimits {
        header_read_timeout: Duration::from_millis(300),
        ..ServeLimits::default()
    };
    let address = served(limits).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let sent = closed_within(&mut stream, Duration::from_secs(2)).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(!sent.starts_with(b"HTTP/1.1 2"), "no request was served");
}

#[tokio::test]
async fn idle_connections_at_the_limit_time_out_and_an_authenticated_request_is_served() {
    const LIMIT: usize = 4;
    let limits = ServeLimits {
        header_read_timeout: Duration::from_millis(500),
        max_connections: LIMIT,
        ..ServeLimits::default()
    };
    let address = served(limits).await;
    let mut idle = Vec::new();
    for _ in 0..LIMIT {
        idle.push(TcpStream::connect(address).await.unwrap());
    }
    // Let the server accept all of them before the next one queues behind them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(authorized_echo("after-idle").as_bytes())
        .await
        .unwrap();
    let status = timeout(Duration::from_secs(3), read_status_line(&mut stream))
        .await
        .expect("the request was served once the idle connections timed out");
    assert_eq!(status.as_deref(), Some("HTTP/1.1 200 OK"));
    // It waited for a free slot: the limit held.
    assert!(started.elapsed() >= Duration::from_millis(300));
    for mut stream in idle {
        closed_within(&mut stream, Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn a_stalled_body_gets_a_spec_shaped_408() {
    let limits = ServeLimits {
        body_read_timeout: Duration::from_millis(300),
        ..ServeLimits::default()
    };
    let address = served(limits).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         API-Version: {VERSION}\r\nIdempotency-Key: stalled\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"a\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let sent = closed_within(&mut stream, Duration::from_secs(2)).await;
    let text = String::from_utf8_lossy(&sent);
    assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
    let body: Value = serde_json::from_str(text.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(body["type"], "invalid_request");
    assert_eq!(body["code"], "request_timeout");
}

/// The process's resident memory in KiB (Linux).
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_one_mib_bodies_do_not_grow_the_servers_memory() {
    const ATTACKERS: usize = 200;
    // 200 MiB offered. The whole test process (server and clients) grows by about 4 MiB; when
    // the server buffered bodies before checking the key it grew by about 150 MiB.
    const BOUND_KIB: u64 = 64 * 1024;
    static BODY: [u8; 1 << 20] = [b' '; 1 << 20];
    let Some(before) = resident_kib() else {
        return; // Not Linux: nothing to measure.
    };
    let address = served(ServeLimits::default()).await;
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAPI-Version: {VERSION}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        BODY.len()
    );
    let attackers: Vec<_> = (0..ATTACKERS)
        .map(|_| {
            let head = head.clone();
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.unwrap();
                stream.write_all(head.as_bytes()).await.unwrap();
                // All but the last byte, then stall (the server may stop reading, or close).
                let _ = timeout(
                    Duration::from_secs(1),
                    stream.write_all(&BODY[..BODY.len() - 1]),
                )
                .await;
                stream
            })
        })
        .collect();
    let mut held = Vec::new();
    for attacker in attackers {
        held.push(attacker.await.unwrap());
    }
    let grown = resident_kib().unwrap().saturating_sub(before);
    assert!(grown < BOUND_KIB, "grew by {grown} KiB");
    // With all of them still connected, an authenticated request is served.
    assert_served(address, "under-attack").await;
    drop(held);
}
