//! Denial-of-service limits of a served ACP stack, over real loopback connections and with
//! bounded time (issue 15).

use std::net::SocketAddr;
use std::time::Duration;

use acp_runtime::server::{AcpJson, AcpServer, RequestContext, StaticTokens};
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
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(authorized_echo("after-401").as_bytes())
        .await
        .unwrap();
    let status = timeout(Duration::from_secs(2), read_status_line(&mut stream))
        .await
        .unwrap();
    assert_eq!(status.as_deref(), Some("HTTP/1.1 200 OK"));
}
