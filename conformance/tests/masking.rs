//! Secrets are masked before anything is cut: a server that echoes the bearer key puts it
//! across every place where the suite shortens text (the 300-character quote in a message, the
//! 64 KiB body limit of the log), and no part of the key may reach a result.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use acp_conformance::{Masker, MerchantConfig, Profile, Suite, SuiteOptions};
use axum::http::{HeaderMap, StatusCode};
use axum::Router;

const API_KEY: &str = "sk_test_0123456789abcdef0123456789abcdef";

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../templates/merchant.example.toml"
);

/// Bodies that put the echoed header (`Bearer sk_test_…`) so that a cut at `cut` falls inside
/// its random part, at a different offset per request.
fn echo_body(authorization: &str, request: usize) -> String {
    const CUTS: [usize; 2] = [300, 64 * 1024];
    let cut = CUTS[request % CUTS.len()];
    let random_part = "Bearer sk_test_".len();
    let offset = random_part + 8 + (request / CUTS.len()) % 24;
    let padding = cut.saturating_sub(offset);
    format!("{}{authorization}", "x".repeat(padding))
}

async fn echo_server() -> String {
    let requests = Arc::new(AtomicUsize::new(0));
    let app = Router::new().fallback(move |headers: HeaderMap| {
        let requests = requests.clone();
        async move {
            let authorization = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no authorization")
                .to_string();
            let n = requests.fetch_add(1, Ordering::SeqCst);
            (StatusCode::BAD_REQUEST, echo_body(&authorization, n))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_echoed_key_is_masked_before_messages_and_logs_are_cut() {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let text = text.replace("sk_test_replace_me_0123456789", API_KEY);
    let config = MerchantConfig::parse(&text, EXAMPLE).unwrap();
    let base_url = echo_server().await;
    let masker = Masker::from_config(&config);
    let mut options = SuiteOptions::new(base_url, Profile::Spec, config);
    options.webhook_timeout = std::time::Duration::from_millis(200);
    let generator = acp_codegen::Generator::from_env().unwrap();
    let suite = Suite::load(&generator, "2026-04-17", options).unwrap();
    let report = suite.run(&[], |_| {}).await;
    assert!(report.failed() > 0, "the echo server fails checks");
    let written = acp_conformance::report::render_json(&report, &masker);
    assert!(written.contains("xxxx"), "the echoed bodies were logged");
    // Any 8 consecutive characters of the key's random part would identify it.
    let secret = &API_KEY["sk_test_".len()..];
    for start in 0..=secret.len() - 8 {
        let part = &secret[start..start + 8];
        assert!(
            !written.contains(part),
            "`{part}` of the key is in the report"
        );
    }
}
