//! The proof of issue 5, end to end with the real binaries: `acp-codegen new` scaffolds a
//! merchant for 2026-04-17 and for 2025-09-29; each is built, started on loopback, and
//! `acp-codegen conformance` must report zero failures and zero skips in both profiles. The
//! 2026-04-17 run also builds the test crate of `generate --conformance` and runs it against the
//! server. Then the suite runs against a deliberately broken server (the scaffold behind a proxy
//! that swaps the conflict status, strips `links[]`, adds 1 to every `total` and re-signs order
//! webhooks with a wrong secret), and exactly the checks covering those faults must fail.
//! After the suite, each scaffold's `GET /metrics` must show its requests (issue 15).

mod scaffold_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use acp_conformance::{MerchantConfig, Outcome, Profile, Suite, SuiteOptions, CHECKS};
use prom_text_format_parser::{Scrape, Type};
use scaffold_support::{
    configure, free_ports, nested_target, run, scaffold, start, workspace_root, Server, BIN,
};
use serde_json::Value;

/// Runs `acp-codegen conformance`; the exit success and report.json.
fn conformance(config: &Path, version: &str, profile: Profile, report: &Path) -> (bool, Value) {
    let output = Command::new(BIN)
        .args([
            "conformance",
            "--version",
            version,
            "--profile",
            profile.as_str(),
        ])
        .arg("--config")
        .arg(config)
        .arg("--report")
        .arg(report)
        .args(["--webhook-timeout", "15"])
        .output()
        .expect("run acp-codegen conformance");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    assert!(
        stdout.contains("passed,") && stdout.lines().count() > CHECKS.len(),
        "the suite prints every check live:\n{stdout}"
    );
    (output.status.success(), report)
}

fn outcomes(report: &Value) -> Vec<(String, String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
                r["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The scaffold of `version` passes every check in both profiles; the project, and the
/// launch-checklist server still running with its config and port.
fn scaffold_passes(name: &str, version: &str) -> (PathBuf, Server, PathBuf, u16) {
    let dir = scaffold(name, version);
    let mut last = None;
    for profile in Profile::ALL {
        let [port, webhook_port] = free_ports();
        let config = configure(&dir, port, webhook_port);
        let server = start(&dir, name, &config, port, profile, None);
        let report_dir = dir.join(format!("report-{profile}"));
        let (success, report) = conformance(&config, version, profile, &report_dir);
        let results = outcomes(&report);
        for check in CHECKS {
            assert!(
                results.iter().any(|(id, _, _)| id == check.id),
                "{}",
                check.id
            );
        }
        // The checks derived from the spec, for every API the scaffold serves: checkout and
        // delegate_payment (the version's other APIs are skipped as not served).
        let derived = |api: &str| {
            let prefix = format!("derived.{api}.");
            results
                .iter()
                .filter(move |(id, _, _)| id.starts_with(&prefix))
        };
        for api in ["agentic_checkout", "delegate_payment"] {
            assert!(
                derived(api).count() >= 5,
                "{version}: {api} has derived checks"
            );
        }
        let not_served = |(id, outcome, message): &&(String, String, String)| {
            outcome == "skip"
                && message.contains("does not serve the")
                && !id.starts_with("derived.agentic_checkout.")
                && !id.starts_with("derived.delegate_payment.")
        };
        let not_passed: Vec<_> = results
            .iter()
            .filter(|r| r.1 != "pass" && !not_served(r))
            .collect();
        assert!(
            not_passed.is_empty() && success,
            "{version} {profile}: {not_passed:#?}\nserver log:\n{}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        );
        for file in ["report.json", "junit.xml", "report.html"] {
            assert!(report_dir.join(file).is_file());
        }
        let html = std::fs::read_to_string(report_dir.join("report.html")).unwrap();
        let config: toml::Table = std::fs::read_to_string(&config).unwrap().parse().unwrap();
        let api_key = config["merchant"]["api_key"].as_str().unwrap();
        assert!(html.contains("/checkout_sessions") && !html.contains(api_key));
        last = Some((server, port));
    }
    let (server, port) = last.expect("two profiles ran");
    let config = dir.join(format!("merchant-{port}.toml"));
    metrics_show_the_suites_requests(&config, port, version);
    metrics_are_off_without_a_token(&dir, name);
    (dir, server, config, port)
}

/// `GET /metrics` of the server on `port` with `authorization`: the status and body.
fn get_metrics(port: u16, authorization: Option<&str>) -> (u16, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/metrics"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.expect("GET /metrics");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

/// After a suite run: the create route's 201s and the idempotent replays are counted, read by
/// an independent Prometheus text parser (one that reads quoted label values with braces in
/// them: prometheus-parse drops such lines); a missing or wrong token is refused.
fn metrics_show_the_suites_requests(config: &Path, port: u16, version: &str) {
    let table: toml::Table = std::fs::read_to_string(config).unwrap().parse().unwrap();
    let token = table["metrics"]["token"].as_str().expect("[metrics] token");
    assert_eq!(get_metrics(port, None).0, 401);
    assert_eq!(get_metrics(port, Some(&format!("Bearer {token}x"))).0, 401);
    let api_key = table["merchant"]["api_key"].as_str().unwrap();
    assert_eq!(get_metrics(port, Some(&format!("Bearer {api_key}"))).0, 401);

    let (status, text) = get_metrics(port, Some(&format!("Bearer {token}")));
    assert_eq!(status, 200, "{text}");
    let scrape = Scrape::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    let metric = |name: &str| {
        let metric = scrape.metrics.iter().find(|m| m.name == name);
        metric.unwrap_or_else(|| panic!("no {name}:\n{text}"))
    };
    let label = |sample: &'_ prom_text_format_parser::Sample, key: &str| {
        let label = sample.labels.iter().find(|l| l.key == key);
        label.map(|l| l.value.clone())
    };
    let counter = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let metric = metric(name);
        assert_eq!(metric.kind, Type::Counter, "{name}");
        (metric.samples.iter())
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| label(s, k).as_deref() == Some(*v))
            })
            .map(|s| s.value.value.as_f64())
            .sum()
    };
    let created = [
        ("route", "/checkout_sessions"),
        ("method", "POST"),
        ("status", "201"),
        ("api_version", version),
    ];
    assert!(counter("acp_requests_total", &created) >= 1.0, "{text}");
    let replayed = [("outcome", "replayed")];
    assert!(counter("acp_idempotency_total", &replayed) >= 1.0, "{text}");
    // Route templates, never raw paths: ids (`cs_<hex>`) would add a series per session.
    let routes: std::collections::BTreeSet<String> = (metric("acp_requests_total").samples)
        .iter()
        .filter_map(|s| label(s, "route"))
        .collect();
    assert!(
        routes.contains("/checkout_sessions/{checkout_session_id}"),
        "{routes:?}"
    );
    assert!(
        routes
            .iter()
            .all(|r| !r.contains(|c: char| c.is_ascii_digit())),
        "{routes:?}"
    );
    assert_eq!(metric("acp_request_duration_seconds").kind, Type::Histogram);
}

/// Without `[metrics] token` the endpoint does not exist, whatever the client sends.
fn metrics_are_off_without_a_token(dir: &Path, name: &str) {
    let [port, webhook_port] = free_ports();
    let config = configure(dir, port, webhook_port);
    let mut table: toml::Table = std::fs::read_to_string(&config).unwrap().parse().unwrap();
    let token = table
        .remove("metrics")
        .expect("the scaffold configures metrics")["token"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&config, toml::to_string(&table).unwrap()).unwrap();
    let _server = start(dir, name, &config, port, Profile::Spec, None);
    assert_eq!(get_metrics(port, Some(&format!("Bearer {token}"))).0, 404);
    assert_eq!(get_metrics(port, None).0, 404);
}

#[test]
fn scaffold_2025_09_29_passes_the_suite_in_both_profiles() {
    scaffold_passes("shop-v20250929", "2025-09-29");
}

#[test]
fn scaffold_2026_04_17_passes_the_suite_and_the_emitted_tests_and_a_broken_server_fails() {
    let name = "shop-v20260417";
    let version = "2026-04-17";
    let (dir, server, config, port) = scaffold_passes(name, version);

    // The emitted test crate against the same (launch-checklist) server.
    let tests = nested_target().join("scaffolds/conformance-tests-v20260417");
    let _ = std::fs::remove_dir_all(&tests);
    run(
        Command::new(BIN)
            .args(["generate", "--conformance", "--version", version, "--name"])
            .arg("shop-conformance-tests")
            .arg("--out")
            .arg(&tests),
        "generate --conformance",
    );
    std::fs::copy(
        workspace_root().join("Cargo.lock"),
        tests.join("Cargo.lock"),
    )
    .unwrap();
    let stdout = run(
        Command::new(env!("CARGO"))
            .args(["test", "--manifest-path"])
            .arg(tests.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", nested_target())
            .env("RUSTFLAGS", "-D warnings")
            .env("ACP_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("ACP_MERCHANT_CONFIG", &config)
            .env("ACP_PROFILE", "launch-checklist")
            .env("ACP_SPEC_ROOT", acp_specs::resolve_spec_root(None).unwrap()),
        "the emitted conformance tests",
    );
    let summary = format!("test result: ok. {} passed; 0 failed", CHECKS.len());
    assert!(stdout.contains(&summary), "{stdout}");
    drop(server);

    broken_server_fails_the_covering_checks(&dir, name, version);
}

fn broken_server_fails_the_covering_checks(dir: &Path, name: &str, version: &str) {
    let [port, server_webhooks, proxy_port, suite_webhooks] = free_ports();
    let server_config = configure(dir, port, server_webhooks);
    let _server = start(dir, name, &server_config, port, Profile::Spec, None);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = MerchantConfig::load(&server_config).unwrap();
    let secret = config.webhooks.as_ref().unwrap().secret.clone();
    config.merchant.base_url = Some(format!("http://127.0.0.1:{proxy_port}"));
    config.webhooks.as_mut().unwrap().listen = format!("127.0.0.1:{suite_webhooks}");
    let report = runtime.block_on(async {
        broken::spawn(
            proxy_port,
            format!("http://127.0.0.1:{port}"),
            broken::Fault::Responses,
        )
        .await;
        broken::spawn(
            server_webhooks,
            format!("http://127.0.0.1:{suite_webhooks}"),
            broken::Fault::WebhookSignature(secret),
        )
        .await;
        let generator = acp_codegen::Generator::from_env().unwrap();
        let mut options = SuiteOptions::new(
            format!("http://127.0.0.1:{proxy_port}"),
            Profile::Spec,
            config,
        );
        options.webhook_timeout = Duration::from_secs(15);
        let suite = Suite::load(&generator, version, options).unwrap();
        suite.run(&[], |_| {}).await
    });
    let failed: Vec<&str> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| r.id.as_str())
        .collect();
    let expected = [
        // wrong totals
        "session.create.with_address",
        "session.update.shipping_option",
        // bad webhook signature
        "webhooks.order_events",
        // wrong conflict status
        "idempotency.create_conflict",
        "idempotency.complete_conflict",
        // missing links
        "links.legal",
    ];
    let message = |id: &str| {
        report
            .results
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.message.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        failed,
        expected,
        "{:#?}",
        report
            .results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome, r.message.as_str()))
            .collect::<Vec<_>>()
    );
    assert!(message("session.create.with_address").contains("total is"));
    assert!(message("webhooks.order_events").contains("Merchant-Signature"));
    assert!(message("idempotency.create_conflict").contains("answered 409 where 422"));
    assert!(message("links.legal").contains("no `terms_of_use` link"));
}

/// A proxy that breaks what passes through it.
mod broken {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use serde_json::Value;

    #[derive(Clone)]
    pub enum Fault {
        /// Swap 409/422 on idempotency conflicts, empty `links[]`, `total` + 1.
        Responses,
        /// Re-sign order webhooks with a wrong secret.
        WebhookSignature(String),
    }

    #[derive(Clone)]
    struct Proxy {
        upstream: String,
        fault: Fault,
        client: reqwest::Client,
    }

    pub async fn spawn(port: u16, upstream: String, fault: Fault) {
        let socket = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let proxy = Proxy {
            upstream,
            fault,
            client: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(forward).with_state(proxy);
        tokio::spawn(async move { axum::serve(socket, app).await });
    }

    async fn forward(
        State(proxy): State<Proxy>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let mut request = proxy
            .client
            .request(method, format!("{}{uri}", proxy.upstream));
        for (name, value) in &headers {
            if name == "host" || name == "content-length" {
                continue;
            }
            if name == "merchant-signature" {
                if let Fault::WebhookSignature(secret) = &proxy.fault {
                    let wrong = format!("{secret}-but-not-quite");
                    let signature = acp_runtime::signing::merchant_signature(
                        wrong.as_bytes(),
                        chrono::Utc::now().timestamp(),
                        &body,
                    );
                    request = request.header(name, signature);
                    continue;
                }
            }
            request = request.header(name, value);
        }
        let Ok(response) = request.body(body).send().await else {
            return StatusCode::BAD_GATEWAY.into_response();
        };
        let mut status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        let mut body = bytes.to_vec();
        if matches!(proxy.fault, Fault::Responses) {
            if let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) {
                if json["code"] == "idempotency_conflict" {
                    status = if status == 422 { 409 } else { 422 };
                }
                if json.get("links").is_some() {
                    json["links"] = Value::Array(Vec::new());
                }
                if let Some(totals) = json.get_mut("totals").and_then(Value::as_array_mut) {
                    for total in totals.iter_mut().filter(|t| t["type"] == "total") {
                        total["amount"] = (total["amount"].as_i64().unwrap_or(0) + 1).into();
                    }
                }
                body = serde_json::to_vec(&json).unwrap();
            }
        }
        let mut out = Response::builder().status(status);
        for (name, value) in &headers {
            if name != "content-length" && name != "transfer-encoding" {
                out = out.header(name, value);
            }
        }
        out.body(axum::body::Body::from(body))
            .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
    }
}
