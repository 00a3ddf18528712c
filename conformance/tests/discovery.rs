//! The discovery document check against a small server that serves one document per run:
//! a valid one passes; one that leaves out the version, points agents elsewhere or breaks
//! the schema fails naming the rule; a server without one is skipped (the spec does not
//! require it).

use acp_conformance::{ApiSelection, MerchantConfig, Outcome, Profile, Suite, SuiteOptions};
use acp_runtime::versions::Api;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../templates/merchant.example.toml"
);
const CHECK: &str = "derived.agentic_checkout.discovery";

/// Serves `document` at `/.well-known/acp.json` (404 when `None`); the API base URL under
/// `/api`.
async fn server(document: impl Fn(&str) -> Option<Value> + Send + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}/api", listener.local_addr().unwrap());
    let served = document(&base_url);
    let app = Router::new().route(
        "/.well-known/acp.json",
        get(move || {
            let served = served.clone();
            async move {
                let json = [("content-type", "application/json")];
                match served {
                    Some(document) => (StatusCode::OK, json, document.to_string()),
                    None => (StatusCode::NOT_FOUND, json, "{}".to_string()),
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base_url
}

fn valid(base_url: &str) -> Value {
    json!({
        "protocol": {
            "name": "acp",
            "version": "2026-04-17",
            "supported_versions": ["2026-01-30", "2026-04-17"]
        },
        "api_base_url": base_url,
        "transports": ["rest"],
        "capabilities": { "services": ["checkout", "delegate_payment"] }
    })
}

async fn run(document: impl Fn(&str) -> Option<Value> + Send + 'static) -> (Outcome, String) {
    let base_url = server(document).await;
    let config = MerchantConfig::load(EXAMPLE).unwrap();
    let mut options = SuiteOptions::new(base_url, Profile::Spec, config);
    // The server has nothing but the document: no probing for a checkout API to skip.
    options.apis = ApiSelection::Only(vec![Api::Checkout]);
    let generator = acp_codegen::Generator::from_env().unwrap();
    let suite = Suite::load(&generator, "2026-04-17", options).unwrap();
    let result = suite
        .run_id(CHECK)
        .await
        .expect("the version has the check");
    (result.outcome, result.message)
}

#[tokio::test]
async fn the_discovery_document_is_judged_by_its_rules() {
    let (outcome, message) = run(|base| Some(valid(base))).await;
    assert_eq!(outcome, Outcome::Pass, "{message}");

    let (outcome, message) = run(|base| {
        let mut document = valid(base);
        document["protocol"]["supported_versions"] = json!(["2026-01-30"]);
        Some(document)
    })
    .await;
    assert_eq!(outcome, Outcome::Fail);
    assert!(message.contains("does not list 2026-04-17"), "{message}");

    let (outcome, message) = run(|base| {
        let mut document = valid(base);
        document["api_base_url"] = json!("https://elsewhere.example/api");
        Some(document)
    })
    .await;
    assert_eq!(outcome, Outcome::Fail);
    assert!(message.contains("elsewhere.example"), "{message}");

    let (outcome, message) = run(|base| {
        let mut document = valid(base);
        document["transports"] = json!(["soap"]);
        Some(document)
    })
    .await;
    assert_eq!(outcome, Outcome::Fail);
    assert!(message.contains("does not match"), "{message}");

    let (outcome, message) = run(|_| None).await;
    assert_eq!(outcome, Outcome::Skip, "{message}");
    assert!(message.contains("does not serve the discovery document"));
}
