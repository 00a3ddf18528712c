//! The proof of issue 5, end to end with the real binaries: `acp-codegen new` scaffolds a
//! merchant for 2026-04-17 and for 2025-09-29; each is built, started on loopback, and
//! `acp-codegen conformance` must report zero failures in both profiles (skipping only what the
//! scaffold does not serve). The 2026-04-17 run also builds the test crate of
//! `generate --conformance` and runs it against the server. Then the suite runs against broken
//! servers, a table of them: the scaffold behind a proxy that injects one fault per row
//! (`scaffold_support/broken.rs`: a status, header, body, error shape, idempotency, signature,
//! state or webhook fault), and exactly the checks covering that fault must fail.
//! After the suite, each scaffold's `GET /metrics` must show its requests (issue 15).

#[path = "scaffold_support/broken.rs"]
mod broken;
#[path = "scaffold_support/mcp.rs"]
mod mcp;
#[path = "scaffold_support/new_apis.rs"]
mod new_apis;
#[path = "../../tests/support/postgres.rs"]
mod postgres;
mod scaffold_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use acp_conformance::{
    ApiSelection, MerchantConfig, Outcome, Profile, Report, Suite, SuiteOptions, CHECKS,
};
use acp_runtime::versions::Api;
use broken::Fault;
use prom_text_format_parser::{Scrape, Type};
use scaffold_support::{
    configure, free_ports, nested_target, run, scaffold, start, workspace_root, Server, BIN,
};
use serde_json::Value;

/// Runs `acp-codegen conformance`; the exit success and report.json.
fn conformance(config: &Path, version: &str, profile: Profile, report: &Path) -> (bool, Value) {
    conformance_with(config, version, profile, report, &[])
}

/// [`conformance`] with more arguments.
fn conformance_with(
    config: &Path,
    version: &str,
    profile: Profile,
    report: &Path,
    more: &[&str],
) -> (bool, Value) {
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
        .args(more)
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
    // The project's own tests (pricing; the sandbox's card checks and the states that come
    // with time: expired carts and authentication sessions, the cardholder's answer).
    let stdout = run(
        Command::new(env!("CARGO"))
            .args(["test", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", nested_target()),
        "the scaffold's own tests",
    );
    let passed: usize = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed > 0, "{stdout}");
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
        // Skipped as not served: the version's other APIs, and the discovery document (the
        // scaffold has none yet).
        let not_served = |(id, outcome, message): &&(String, String, String)| {
            let other_api = !id.starts_with("derived.agentic_checkout.")
                && !id.starts_with("derived.delegate_payment.");
            let discovery = id.ends_with(".discovery");
            outcome == "skip" && message.contains("does not serve the") && (other_api || discovery)
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
fn scaffold_2026_04_17_passes_the_suite_and_the_emitted_tests_and_broken_servers_fail() {
    let name = "shop-v20260417";
    let version = "2026-04-17";
    let (dir, server, config, port) = scaffold_passes(name, version);
    discovery_picks_the_version(port, version);
    every_api_passes_on_postgres(&dir, name, version);
    new_apis_through_the_generated_clients(&dir, name, port, &config, version);
    mcp_binding(port, &config);

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
    // One test per check of the version, the derived ones of every API included.
    let suite = Suite::load(
        &acp_codegen::Generator::from_env().unwrap(),
        version,
        SuiteOptions::new(
            format!("http://127.0.0.1:{port}"),
            Profile::LaunchChecklist,
            MerchantConfig::load(&config).unwrap(),
        ),
    )
    .unwrap();
    let checks = suite.check_list().len() + suite.mcp_check_list().len();
    assert!(suite.mcp_check_list().len() > 25);
    assert!(checks > CHECKS.len());
    let summary = format!("test result: ok. {checks} passed; 0 failed");
    assert!(stdout.contains(&summary), "{stdout}");
    drop(server);

    broken_servers_fail_exactly_the_covering_checks(&dir, name, version);
}

/// The same suite, every API the scaffold serves, with the scaffold on PostgreSQL (the
/// `ACP_TEST_POSTGRES_URL` server that `.ci/run` starts): the new APIs' documents share the
/// database and its row locks with sessions and idempotency keys.
fn every_api_passes_on_postgres(dir: &Path, name: &str, version: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = format!("acp_scaffold_{}", std::process::id());
    let url = runtime.block_on(postgres::fresh_postgres_database(&database));
    let [port, webhook_port] = free_ports();
    let config = configure(dir, port, webhook_port);
    let server = start(dir, name, &config, port, Profile::Spec, Some(&url));
    let report_dir = dir.join("report-postgres");
    let (success, report) = conformance(&config, version, Profile::Spec, &report_dir);
    let not_passed: Vec<_> = outcomes(&report)
        .into_iter()
        .filter(|(_, outcome, _)| outcome != "pass")
        .collect();
    assert!(
        not_passed.is_empty() && success,
        "on PostgreSQL: {not_passed:#?}\nserver log:\n{}",
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );
}

/// The runtime client's `discover` reads the scaffold's discovery document (typed as the
/// generated `DiscoveryResponse`) and picks the newest version both sides speak.
fn discovery_picks_the_version(port: u16, version: &str) {
    use acp::v2026_04_17::checkout::DiscoveryResponse;
    let base_url = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ours = ["2025-09-29", version, "2099-01-01"];
    let found = runtime
        .block_on(acp_runtime::client::discover::<DiscoveryResponse>(
            &base_url, &ours,
        ))
        .unwrap();
    assert_eq!(found.version.as_deref(), Some(version));
    assert_eq!(found.api_base_url, base_url);
    assert_eq!(found.document.protocol.version, version);
    let none = runtime
        .block_on(acp_runtime::client::discover::<DiscoveryResponse>(
            &base_url,
            &["2099-01-01"],
        ))
        .unwrap();
    assert_eq!(none.version, None);
}

/// Carts, delegate_authentication and feeds through the generated clients, every response
/// checked against the spec's schema by the validator.
fn new_apis_through_the_generated_clients(
    dir: &Path,
    name: &str,
    port: u16,
    config_path: &Path,
    version: &str,
) {
    let [proxy, later_port, later_hooks, later_proxy] = free_ports();
    let config = MerchantConfig::load(config_path).unwrap();
    // The same database served with the sandbox clock eight days ahead.
    let later_config = configure(dir, later_port, later_hooks);
    let database = dir
        .join(format!("merchant-{port}.db"))
        .display()
        .to_string();
    let _later = scaffold_support::start_with(
        dir,
        name,
        &later_config,
        later_port,
        Profile::LaunchChecklist,
        Some(&database),
        &["--clock-offset", &(8 * 24 * 3600).to_string()],
    );
    let generator = acp_codegen::Generator::from_env().unwrap();
    let spec = acp_conformance::VersionSpec::new(&generator.spec_set(version).unwrap()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = runtime.block_on(async {
        let seen = new_apis::recorder(proxy, format!("http://127.0.0.1:{port}")).await;
        let core = || new_apis::core(&format!("http://127.0.0.1:{proxy}"), &config);
        let fixtures = &config.fixtures;
        // The server left running follows the launch checklist.
        let conflict = acp_runtime::versions::facts(version)
            .unwrap()
            .idempotency_conflict_status_for(Profile::LaunchChecklist);
        new_apis::carts(core(), &fixtures.in_stock_item_id, "item_tshirt", conflict).await;
        let mut psp_config = config.clone();
        psp_config.merchant.api_key = config.payment.psp_key.clone().unwrap();
        let psp = new_apis::core(&format!("http://127.0.0.1:{proxy}"), &psp_config);
        let complete = acp_runtime::versions::facts(version)
            .unwrap()
            .complete_status_for(Profile::LaunchChecklist);
        new_apis::checkout_flow(core(), psp, &config, "127.0.0.1", complete).await;
        new_apis::authentication(core(), "acct_shop").await;
        new_apis::feeds(core()).await;
        let later_seen =
            new_apis::recorder(later_proxy, format!("http://127.0.0.1:{later_port}")).await;
        let later_config = MerchantConfig::load(&later_config).unwrap();
        let later = new_apis::core(&format!("http://127.0.0.1:{later_proxy}"), &later_config);
        new_apis::expiry(core(), later, "acct_shop", &fixtures.in_stock_item_id).await;
        seen.lock()
            .unwrap()
            .extend(later_seen.lock().unwrap().drain(..));
        seen
    });
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() > 10, "{} exchanges", seen.len());
    let problems = new_apis::validate_recorded(&spec, Profile::LaunchChecklist, &seen);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The MCP binding at `/mcp`: every tool through the generated `McpClient`, then the official
/// Python MCP SDK lists the tools (bundled schemas), completes a checkout (its results checked
/// against the tools' output schemas by the SDK) and reads an unknown session.
fn mcp_binding(port: u16, config_path: &Path) {
    let config = MerchantConfig::load(config_path).unwrap();
    let base_url = format!("http://127.0.0.1:{port}");
    let url = format!("{base_url}/mcp");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // The discovery document lists the MCP transport beside REST.
        let discovery: Value = reqwest::get(format!("{base_url}/.well-known/acp.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(discovery["transports"], serde_json::json!(["rest", "mcp"]));
        let rest = new_apis::core(&base_url, &config);
        let mut psp_config = config.clone();
        psp_config.merchant.api_key = config.payment.psp_key.clone().unwrap();
        let psp = new_apis::core(&base_url, &psp_config);
        mcp::through_the_generated_client(&url, &config, rest, psp).await;
    });
    let report = mcp::independent_client(&mcp::python_plan(&url, &base_url, &config));
    assert_eq!(
        report["tools"],
        serde_json::json!(mcp::openrpc_methods()),
        "{report}"
    );
    assert_eq!(report["bundled"], true, "{report}");
    assert_eq!(report["completed_status"], "completed", "{report}");
    assert!(report["order"].is_string(), "{report}");
    assert_eq!(report["read_status"], "completed", "{report}");
    assert_eq!(report["canceled_status"], "canceled", "{report}");
    assert_eq!(report["unknown"]["code"], -32000, "{report}");
    assert!(report["unknown"]["data"]["type"].is_string(), "{report}");

    // The suite over MCP: every check passes against the scaffold (signatures included: the
    // test configuration signs).
    let dir = config_path.parent().unwrap();
    let (success, report) = conformance_with(
        config_path,
        "2026-04-17",
        Profile::Spec,
        &dir.join("report-mcp"),
        &["--transport", "mcp"],
    );
    let results = outcomes(&report);
    let not_passed: Vec<_> = results.iter().filter(|(_, o, _)| o != "pass").collect();
    assert!(success && not_passed.is_empty(), "{not_passed:#?}");
    assert!(results.iter().any(|(id, _, _)| id == "mcp.tools"));
    assert!(results.len() > 25, "{results:#?}");

    // Broken endpoints fail exactly the checks of the rule they break, naming it.
    let [proxy_a, proxy_b] = free_ports();
    let rows = [
        (
            proxy_a,
            mcp::McpFault::ErrorOutsideData,
            "ACP `Error` object as `data`",
        ),
        (
            proxy_b,
            mcp::McpFault::RequiresNullPayload,
            "never requires `payload: null`",
        ),
    ];
    for (proxy, fault, rule) in rows {
        runtime.block_on(mcp::broken_endpoint(proxy, base_url.clone(), fault));
        let (success, report) = conformance_with(
            config_path,
            "2026-04-17",
            Profile::Spec,
            &dir.join(format!("report-mcp-{fault:?}")),
            &[
                "--transport",
                "mcp",
                "--base-url",
                &format!("http://127.0.0.1:{proxy}"),
            ],
        );
        assert!(!success, "{fault:?}");
        let failed: Vec<_> = outcomes(&report)
            .into_iter()
            .filter(|(_, outcome, _)| outcome == "fail")
            .collect();
        assert!(!failed.is_empty(), "{fault:?}");
        for (id, _, message) in &failed {
            assert!(message.contains(rule), "{fault:?}: {id}: {message}");
        }
        let ids: Vec<&str> = failed.iter().map(|(id, _, _)| id.as_str()).collect();
        match fault {
            mcp::McpFault::ErrorOutsideData => {
                for id in [
                    "mcp.get_checkout_session.not_found",
                    "mcp.create_checkout_session.invalid.required",
                    "mcp.cancel_checkout_session.api_version",
                    "mcp.create_checkout_session.idempotency",
                    "mcp.complete_checkout_session.signature",
                ] {
                    assert!(ids.contains(&id), "{fault:?} did not fail {id}: {ids:?}");
                }
                assert!(!ids.iter().any(|id| id.ends_with(".valid")), "{ids:?}");
            }
            mcp::McpFault::RequiresNullPayload => {
                assert_eq!(ids, ["mcp.cancel_checkout_session.payload_optional"]);
            }
        }
    }
}

/// One broken server: the fault its proxy injects, the checks that must fail for it (all of
/// them, and nothing else: sorted) and what the main one's message must say.
struct Row {
    name: &'static str,
    fault: Fault,
    failing: &'static [&'static str],
    main: &'static str,
    message: &'static str,
}

const fn row(
    name: &'static str,
    fault: Fault,
    failing: &'static [&'static str],
    main: &'static str,
    message: &'static str,
) -> Row {
    Row {
        name,
        fault,
        failing,
        main,
        message,
    }
}

/// Every fault of [`Fault`], and the checks that catch it.
const ROWS: &[Row] = &[
    row(
        "undeclared status on GET session (203)",
        Fault::UndeclaredStatus,
        &[
            "derived.agentic_checkout.cancelCheckoutSession.terminal",
            "derived.agentic_checkout.completeCheckoutSession.terminal",
            "derived.agentic_checkout.getCheckoutSession.states",
            "derived.agentic_checkout.getCheckoutSession.valid",
        ],
        "derived.agentic_checkout.getCheckoutSession.valid",
        "answered 203",
    ),
    row(
        "Request-Id not echoed on create",
        Fault::RequestIdDropped,
        &["session.headers.request_id"],
        "session.headers.request_id",
        "does not echo Request-Id",
    ),
    row(
        "Idempotency-Key echoed with another value on update",
        Fault::IdempotencyKeyMisechoed,
        &[
            "derived.agentic_checkout.updateCheckoutSession.examples",
            "derived.agentic_checkout.updateCheckoutSession.idempotency",
            "derived.agentic_checkout.updateCheckoutSession.states",
            "derived.agentic_checkout.updateCheckoutSession.valid",
        ],
        "derived.agentic_checkout.updateCheckoutSession.valid",
        "which should echo",
    ),
    row(
        "text/plain Content-Type on cancel",
        Fault::WrongContentType,
        &[
            "derived.agentic_checkout.cancelCheckoutSession.examples",
            "derived.agentic_checkout.cancelCheckoutSession.idempotency",
            "derived.agentic_checkout.cancelCheckoutSession.states",
            "derived.agentic_checkout.cancelCheckoutSession.terminal",
            "derived.agentic_checkout.cancelCheckoutSession.valid",
        ],
        "derived.agentic_checkout.cancelCheckoutSession.valid",
        "Content-Type `text/plain`",
    ),
    row(
        "cancel's session without its required currency",
        Fault::RequiredMemberDropped,
        &[
            "derived.agentic_checkout.cancelCheckoutSession.examples",
            "derived.agentic_checkout.cancelCheckoutSession.idempotency",
            "derived.agentic_checkout.cancelCheckoutSession.states",
            "derived.agentic_checkout.cancelCheckoutSession.terminal",
            "derived.agentic_checkout.cancelCheckoutSession.valid",
        ],
        "derived.agentic_checkout.cancelCheckoutSession.valid",
        "currency",
    ),
    row(
        "unknown member in GET session's closed object",
        Fault::UnknownResponseMember,
        &[
            "derived.agentic_checkout.cancelCheckoutSession.terminal",
            "derived.agentic_checkout.completeCheckoutSession.terminal",
            "derived.agentic_checkout.getCheckoutSession.states",
            "derived.agentic_checkout.getCheckoutSession.valid",
        ],
        "derived.agentic_checkout.getCheckoutSession.valid",
        "loyalty_points",
    ),
    row(
        "404 body not the error object",
        Fault::NotFoundShape,
        &[
            "derived.agentic_checkout.cancelCheckoutSession.not_found",
            "derived.agentic_checkout.completeCheckoutSession.not_found",
            "derived.agentic_checkout.getCheckoutSession.not_found",
            "derived.agentic_checkout.updateCheckoutSession.not_found",
        ],
        "derived.agentic_checkout.getCheckoutSession.not_found",
        "does not match the declared schema",
    ),
    row(
        "unknown id on update answered 400",
        Fault::NotFoundAs400,
        &["derived.agentic_checkout.updateCheckoutSession.not_found"],
        "derived.agentic_checkout.updateCheckoutSession.not_found",
        "answered 400 where 404 was expected",
    ),
    row(
        "401 turned into 403 on GET session",
        Fault::UnauthorizedAs403,
        &[
            "derived.agentic_checkout.getCheckoutSession.auth",
            "derived.agentic_checkout.getCheckoutSession.signature",
        ],
        "derived.agentic_checkout.getCheckoutSession.auth",
        "answered 403 where 401 was expected",
    ),
    row(
        "missing API-Version accepted on create",
        Fault::ApiVersionNotRequired,
        &[
            "derived.agentic_checkout.createCheckoutSession.api_version",
            "session.headers.api_version",
        ],
        "session.headers.api_version",
        "without API-Version answered 201",
    ),
    row(
        "unsupported API-Version accepted on GET session",
        Fault::UnsupportedVersionAccepted,
        &["derived.agentic_checkout.getCheckoutSession.api_version"],
        "derived.agentic_checkout.getCheckoutSession.api_version",
        "with a unsupported API-Version",
    ),
    row(
        "param not a JSONPath on complete",
        Fault::ParamNotJsonPath,
        &[
            "derived.agentic_checkout.completeCheckoutSession.invalid.bounds",
            "derived.agentic_checkout.completeCheckoutSession.invalid.closed",
            "derived.agentic_checkout.completeCheckoutSession.invalid.enums",
            "derived.agentic_checkout.completeCheckoutSession.invalid.required",
            "derived.agentic_checkout.completeCheckoutSession.invalid.types",
        ],
        "derived.agentic_checkout.completeCheckoutSession.invalid.required",
        "is not an RFC 9535 JSONPath",
    ),
    row(
        "param always `$` on create",
        Fault::ParamAtRoot,
        &[
            "derived.agentic_checkout.createCheckoutSession.invalid.bounds",
            "derived.agentic_checkout.createCheckoutSession.invalid.closed",
            "derived.agentic_checkout.createCheckoutSession.invalid.enums",
            "derived.agentic_checkout.createCheckoutSession.invalid.required",
            "derived.agentic_checkout.createCheckoutSession.invalid.types",
            "errors.missing_field",
        ],
        "derived.agentic_checkout.createCheckoutSession.invalid.types",
        "does not point at the fault",
    ),
    row(
        "validation errors answered 500 on update",
        Fault::ValidationAs500,
        &[
            "derived.agentic_checkout.updateCheckoutSession.examples",
            "derived.agentic_checkout.updateCheckoutSession.invalid.bounds",
            "derived.agentic_checkout.updateCheckoutSession.invalid.closed",
            "derived.agentic_checkout.updateCheckoutSession.invalid.enums",
            "derived.agentic_checkout.updateCheckoutSession.invalid.required",
            "derived.agentic_checkout.updateCheckoutSession.invalid.types",
        ],
        "derived.agentic_checkout.updateCheckoutSession.invalid.required",
        "answered 500 where 400 was expected",
    ),
    row(
        "create's replay without Idempotent-Replayed",
        Fault::ReplayHeaderDropped,
        &[
            "derived.agentic_checkout.createCheckoutSession.idempotency",
            "idempotency.create_replay",
        ],
        "idempotency.create_replay",
        "no `Idempotent-Replayed: true` header",
    ),
    row(
        "complete's replay with another body",
        Fault::ReplayBodyDiffers,
        &[
            "derived.agentic_checkout.completeCheckoutSession.idempotency",
            "idempotency.complete_replay",
        ],
        "idempotency.complete_replay",
        "returned a different body",
    ),
    row(
        "create's idempotency conflict answered 409",
        Fault::ConflictStatusSwapped,
        &[
            "derived.agentic_checkout.createCheckoutSession.idempotency",
            "idempotency.create_conflict",
        ],
        "idempotency.create_conflict",
        "answered 409 where 422",
    ),
    row(
        "update without Idempotency-Key accepted",
        Fault::IdempotencyKeyNotRequired,
        &["derived.agentic_checkout.updateCheckoutSession.idempotency"],
        "derived.agentic_checkout.updateCheckoutSession.idempotency",
        "without an Idempotency-Key",
    ),
    row(
        "request signatures not verified",
        Fault::SignaturesNotVerified,
        &[
            "delegate_payment.signature",
            "derived.agentic_checkout.cancelCheckoutSession.signature",
            "derived.agentic_checkout.completeCheckoutSession.signature",
            "derived.agentic_checkout.createCheckoutSession.signature",
            "derived.agentic_checkout.getCheckoutSession.signature",
            "derived.agentic_checkout.updateCheckoutSession.signature",
            "derived.delegate_payment.delegatePayment.signature",
        ],
        "delegate_payment.signature",
        "does not match its body answered 201",
    ),
    row(
        "cancel of a canceled session answered 200",
        Fault::CancelTwiceSucceeds,
        &[
            "derived.agentic_checkout.cancelCheckoutSession.terminal",
            "derived.agentic_checkout.completeCheckoutSession.terminal",
        ],
        "derived.agentic_checkout.cancelCheckoutSession.terminal",
        "answered 200 where 405 was expected",
    ),
    row(
        "complete answered 201 in the spec profile",
        Fault::CompleteAnswers201,
        &[
            "derived.agentic_checkout.completeCheckoutSession.idempotency",
            "derived.agentic_checkout.completeCheckoutSession.states",
            "derived.agentic_checkout.completeCheckoutSession.terminal",
            "derived.agentic_checkout.completeCheckoutSession.valid",
            "idempotency.complete_conflict",
            "idempotency.complete_replay",
            "order.complete",
            "webhooks.order_events",
        ],
        "order.complete",
        "answered 201 where 200 was expected",
    ),
    row(
        "totals off by one",
        Fault::TotalsOffByOne,
        &[
            "session.create.with_address",
            "session.update.shipping_option",
        ],
        "session.create.with_address",
        "total is",
    ),
    row(
        "legal links removed",
        Fault::LegalLinksDropped,
        &["links.legal"],
        "links.legal",
        "no `terms_of_use` link",
    ),
    row(
        "out_of_stock message renamed",
        Fault::OutOfStockRenamed,
        &["errors.out_of_stock"],
        "errors.out_of_stock",
        "no messages[] error with code `out_of_stock`",
    ),
    row(
        "payment_declined reported as a 402 card_declined error",
        Fault::PaymentDeclinedAs402,
        &["errors.payment_declined"],
        "errors.payment_declined",
        "code `card_declined`, expected `payment_declined`",
    ),
    row(
        "delegate_payment error type outside its enum",
        Fault::DelegateErrorTypeOutsideEnum,
        &["derived.delegate_payment.delegatePayment.api_version"],
        "derived.delegate_payment.delegatePayment.api_version",
        "version_error",
    ),
    row(
        "unsigned order webhooks",
        Fault::WebhookUnsigned,
        &["webhooks.order_events"],
        "webhooks.order_events",
        "Merchant-Signature header is missing",
    ),
    row(
        "order webhooks signed with a wrong secret",
        Fault::WebhookWrongSecret,
        &["webhooks.order_events"],
        "webhooks.order_events",
        "Merchant-Signature is not valid",
    ),
    row(
        "order webhook event type renamed",
        Fault::WebhookTypeRenamed,
        &["webhooks.order_events"],
        "webhooks.order_events",
        "expected `order_create` then `order_update` events",
    ),
    row(
        "order webhooks out of order",
        Fault::WebhookOutOfOrder,
        &["webhooks.order_events"],
        "webhooks.order_events",
        "arrived before",
    ),
];

/// The 2026-04-17 scaffold (spec profile) behind a fault-injecting proxy, one [`ROWS`] entry at
/// a time: the suite (the checkout and delegate_payment derived checks included) must fail
/// exactly the row's checks, and the main one must say why. A proxy without a fault first:
/// nothing fails, and what does not run there (the discovery document the scaffold does not
/// serve) is all that may not run in any row.
fn broken_servers_fail_exactly_the_covering_checks(dir: &Path, name: &str, version: &str) {
    for (i, row) in ROWS.iter().enumerate() {
        let earlier = &ROWS[..i];
        assert!(
            row.fault != Fault::None
                && earlier
                    .iter()
                    .all(|r| r.fault != row.fault && r.name != row.name),
            "{}: one row per fault",
            row.name
        );
    }
    let started = Instant::now();
    let [port, server_webhooks] = free_ports();
    let server_config = configure(dir, port, server_webhooks);
    let server = start(dir, name, &server_config, port, Profile::Spec, None);
    let config = MerchantConfig::load(&server_config).unwrap();
    let secrets = broken::Secrets {
        signing: acp_conformance::http::signing_key(&config)
            .unwrap()
            .expect("the scaffold's merchant.toml configures request signing"),
        webhook_secret: config.webhooks.as_ref().unwrap().secret.clone(),
        version: version.to_string(),
    };
    let generator = acp_codegen::Generator::from_env().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The server's order webhooks go through it to the listener of the row being run.
    let relay = runtime.block_on(broken::Relay::spawn(
        server_webhooks,
        secrets.webhook_secret.clone(),
    ));
    let run_row = |row: &Row| {
        let [proxy_port, suite_webhooks] = free_ports();
        let proxy_url = format!("http://127.0.0.1:{proxy_port}");
        let mut config = config.clone();
        config.merchant.base_url = Some(proxy_url.clone());
        config.webhooks.as_mut().unwrap().listen = format!("127.0.0.1:{suite_webhooks}");
        let mut options = SuiteOptions::new(proxy_url, Profile::Spec, config);
        options.apis = ApiSelection::Only(vec![Api::Checkout, Api::DelegatePayment]);
        options.webhook_timeout = Duration::from_secs(5);
        // The same random valid requests in every run, and fewer of them.
        options.seed = 20260417;
        options.max_examples = 16;
        let suite = Suite::load(&generator, version, options).unwrap();
        relay.route(format!("http://127.0.0.1:{suite_webhooks}"), row.fault);
        runtime.block_on(async {
            let upstream = format!("http://127.0.0.1:{port}");
            let proxy = broken::api(proxy_port, upstream, row.fault, secrets.clone()).await;
            let report = suite.run(&[], |_| {}).await;
            proxy.abort();
            report
        })
    };

    let control = row("no fault", Fault::None, &[], "", "");
    let report = run_row(&control);
    let baseline = not_run(&report);
    let blocked: Vec<_> = (baseline.iter())
        .filter(|(outcome, _, _)| *outcome == Outcome::Blocked)
        .collect();
    let mut wrong = judge(&control, &report, &baseline);
    if !blocked.is_empty() {
        wrong.push(format!("blocked without a fault: {blocked:#?}"));
    }
    assert!(
        wrong.is_empty(),
        "without a fault:\n{}\n\nserver log:\n{}",
        wrong.join("\n"),
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );

    let mut mismatches = Vec::new();
    for row in ROWS {
        let row_started = Instant::now();
        let report = run_row(row);
        println!(
            "{}: {} checks, {} failed, in {:.1} s",
            row.name,
            report.results.len(),
            (report.results.iter())
                .filter(|r| r.outcome == Outcome::Fail)
                .count(),
            row_started.elapsed().as_secs_f64()
        );
        let wrong = judge(row, &report, &baseline);
        if !wrong.is_empty() {
            mismatches.push(format!("row `{}`:\n{}", row.name, wrong.join("\n")));
        }
    }
    println!(
        "{} faults and the control in {:.1} s",
        ROWS.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} rows wrong:\n\n{}",
        mismatches.len(),
        ROWS.len(),
        mismatches.join("\n\n")
    );
}

/// The checks of `report` that did not run (skipped or blocked): outcome, id, message.
fn not_run(report: &Report) -> Vec<(Outcome, String, String)> {
    (report.results.iter())
        .filter(|r| matches!(r.outcome, Outcome::Skip | Outcome::Blocked))
        .map(|r| (r.outcome, r.id.clone(), r.message.clone()))
        .collect()
}

/// What is wrong with `report` for `row`: failing checks other than the row's (with the
/// messages of the unexpected ones), a main message that does not say what it should, checks
/// that did not run although they ran in the control row (`baseline`).
fn judge(row: &Row, report: &Report, baseline: &[(Outcome, String, String)]) -> Vec<String> {
    let mut wrong = Vec::new();
    if !row.failing.windows(2).all(|w| w[0] < w[1]) {
        wrong.push("the row's failing ids are not sorted and distinct".to_string());
    }
    if !row.failing.is_empty() && !row.failing.contains(&row.main) {
        wrong.push(format!(
            "the main check {} is not among the failing",
            row.main
        ));
    }
    let message = |id: &str| {
        let result = report.results.iter().find(|r| r.id == id);
        result.map_or("(the suite has no such check)", |r| r.message.as_str())
    };
    let failing: BTreeSet<&str> = (report.results.iter())
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| r.id.as_str())
        .collect();
    let expected: BTreeSet<&str> = row.failing.iter().copied().collect();
    if failing != expected {
        wrong.push(format!(
            "expected failing: {expected:#?}\nactual failing: {failing:#?}"
        ));
        for id in failing.difference(&expected) {
            wrong.push(format!("unexpected failure {id}: {}", message(id)));
        }
        for id in expected.difference(&failing) {
            wrong.push(format!(
                "expected failure {id} did not fail: {}",
                message(id)
            ));
        }
    } else if !row.main.is_empty() && !message(row.main).contains(row.message) {
        wrong.push(format!(
            "the message of {} does not say `{}`: {}",
            row.main,
            row.message,
            message(row.main)
        ));
    }
    for (outcome, id, why) in not_run(report) {
        if !baseline.iter().any(|(o, i, _)| *o == outcome && *i == id) {
            wrong.push(format!(
                "{outcome} {id}, which ran without the fault: {why}"
            ));
        }
    }
    wrong
}
