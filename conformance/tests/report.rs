//! The conformance suite's reports: all three formats written from a report holding secrets,
//! markup and non-ASCII text; and `merchant.toml` parsing, starting with the shipped example.

use std::path::Path;

use acp_conformance::report::{render_html, render_junit};
use acp_conformance::{
    write_reports, CheckResult, Exchange, LoggedRequest, LoggedResponse, Masker, MerchantConfig,
    Outcome, Profile, Report,
};
use quick_xml::events::Event;
use quick_xml::Reader;

const API_KEY: &str = "sk_test_9Zx81LmQ4fWt";
const WEBHOOK_SECRET: &str = "whsec_T0pS3cr3t";
const CARD: &str = "4242424242424242";
const CVC: &str = "737";

fn secrets() -> [&'static str; 4] {
    [API_KEY, WEBHOOK_SECRET, CARD, CVC]
}

fn exchange(body: &str, response_body: &str, status: u16) -> Exchange {
    Exchange {
        request: LoggedRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:8080/checkout_sessions?q=<b>&x=\"1\"".into(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {API_KEY}")),
                ("API-Version".into(), "2026-04-17".into()),
                ("Signature".into(), "c2lnbmF0dXJl".into()),
                ("X-Note".into(), "<script>alert('h')</script>".into()),
            ],
            body: Some(body.into()),
        },
        response: Some(LoggedResponse {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                (
                    "Merchant-Signature".into(),
                    "t=1700000000,v1=deadbeef".into(),
                ),
            ],
            body: Some(response_body.into()),
            elapsed_ms: 12,
        }),
        error: None,
    }
}

fn sample_report() -> Report {
    let payment_body = format!(
        r#"{{"payment_method":{{"number":"{CARD}","cvc":"{CVC}","display_brand":"visa"}},"note":"Zoë & <script>alert(1)</script> \"quoted\" 'single' — 日本"}}"#
    );
    let mut report = Report::new(
        "http://127.0.0.1:8080",
        "2026-04-17",
        Profile::LaunchChecklist,
    );
    report.started_at = "2026-04-20T09:30:00Z".into();
    report.results = vec![
        CheckResult {
            id: "checkout.create.without_address".into(),
            title: "Create a session without an address".into(),
            checklist_item: Some("Create a checkout session with and without a shipping address.".into()),
            outcome: Outcome::Pass,
            message: String::new(),
            exchanges: vec![exchange(r#"{"line_items":[{"id":"item_1","quantity":1}]}"#, r#"{"id":"cs_1","status":"not_ready_for_payment"}"#, 201)],
            duration_ms: 12,
            spec_location: None,
            blocked_by: None,
        },
        CheckResult {
            id: "delegate_payment.create".into(),
            title: "Delegate a payment <token> & \"more\"".into(),
            checklist_item: Some("Create a delegated payment token.".into()),
            outcome: Outcome::Fail,
            message: format!("expected 201, got 400: the server echoed {WEBHOOK_SECRET} & <script>alert(2)</script> — ünïcödé"),
            exchanges: vec![exchange(
                &payment_body,
                &format!(r#"{{"type":"invalid_request","message":"bad key {API_KEY}","param":"$.payment_method.cvc"}}"#),
                400,
            )],
            duration_ms: 30,
            spec_location: None,
            blocked_by: None,
        },
        CheckResult {
            id: "webhooks.order_created".into(),
            title: "Order webhooks".into(),
            checklist_item: None,
            outcome: Outcome::Skip,
            message: "no [webhooks] section in merchant.toml: add `secret` to run webhook checks".into(),
            exchanges: vec![Exchange {
                request: LoggedRequest {
                    method: "GET".into(),
                    url: "http://127.0.0.1:9/".into(),
                    headers: vec![],
                    body: None,
                },
                response: None,
                error: Some(format!("connection refused (key {API_KEY})")),
            }],
            duration_ms: 0,
            spec_location: None,
            blocked_by: None,
        },
    ];
    report
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in secrets() {
        assert!(
            !text.contains(secret),
            "{what} contains the secret {secret}:\n{text}"
        );
    }
    assert!(
        !text.contains("deadbeef"),
        "{what} contains the merchant signature"
    );
    assert!(
        !text.contains("c2lnbmF0dXJl"),
        "{what} contains the request signature"
    );
    assert!(
        !text.contains("9Zx81LmQ4fWt"),
        "{what} contains part of the API key"
    );
}

#[test]
fn all_formats_are_written_masked_and_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample_report();
    let masker = Masker::new(secrets());
    let written = write_reports(&dir.path().join("out"), &report, &masker).unwrap();

    // report.json parses back to the masked report.
    let json = std::fs::read_to_string(&written.json).unwrap();
    assert_no_secret(&json, "report.json");
    let parsed: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, masker.mask_report(&report));
    assert_eq!(
        (parsed.passed(), parsed.failed(), parsed.skipped()),
        (1, 1, 1)
    );
    assert_eq!(parsed.exit_code(), 1);
    assert_eq!(parsed.profile, Profile::LaunchChecklist);
    let auth = &parsed.results[0].exchanges[0].request.headers[0];
    assert_eq!(
        (auth.0.as_str(), auth.1.as_str()),
        ("Authorization", "Bearer sk_****")
    );
    assert!(parsed.results[1].message.contains("ünïcödé"));
    assert!(json.contains("\"launch-checklist\"") && json.contains("\"fail\""));

    check_junit(&std::fs::read_to_string(&written.junit).unwrap());
    check_html(&std::fs::read_to_string(&written.html).unwrap());
}

fn attributes(element: &quick_xml::events::BytesStart) -> Vec<(String, String)> {
    element
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (
                a.key.as_ref().to_string(),
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect()
}

fn attribute(attributes: &[(String, String)], name: &str) -> String {
    attributes
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no attribute {name} in {attributes:?}"))
        .1
        .clone()
}

fn check_junit(xml: &str) {
    assert_no_secret(xml, "junit.xml");
    let mut reader = Reader::from_str(xml);
    let mut suites = 0;
    let mut cases = Vec::new();
    let mut failures = Vec::new();
    let mut skips = Vec::new();
    let mut failure_text = String::new();
    let mut in_failure = false;
    loop {
        let event = reader.read_event().expect("junit.xml is well-formed XML");
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = attributes(&e);
                match e.name().as_ref() {
                    "testsuite" => {
                        suites += 1;
                        assert_eq!(attribute(&attrs, "tests"), "3");
                        assert_eq!(attribute(&attrs, "failures"), "1");
                        assert_eq!(attribute(&attrs, "skipped"), "1");
                        assert_eq!(attribute(&attrs, "errors"), "0");
                        assert_eq!(attribute(&attrs, "time"), "0.042");
                        assert_eq!(attribute(&attrs, "timestamp"), "2026-04-20T09:30:00Z");
                    }
                    "testcase" => {
                        cases.push((attribute(&attrs, "classname"), attribute(&attrs, "name")))
                    }
                    "failure" => {
                        failures.push(attribute(&attrs, "message"));
                        in_failure = true;
                    }
                    "skipped" => skips.push(attribute(&attrs, "message")),
                    _ => {}
                }
            }
            Event::Text(t) if in_failure => failure_text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_failure => {
                let resolved = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match r.as_ref() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("unknown entity {}", other),
                    },
                };
                failure_text.push_str(&resolved);
            }
            Event::End(e) if e.name().as_ref() == "failure" => in_failure = false,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(suites, 1);
    assert_eq!(
        cases,
        [
            ("checkout.create".to_string(), "without_address".to_string()),
            ("delegate_payment".to_string(), "create".to_string()),
            ("webhooks".to_string(), "order_created".to_string()),
        ]
    );
    assert_eq!(
        failures,
        ["expected 201, got 400: the server echoed **** & <script>alert(2)</script> — ünïcödé"]
    );
    assert_eq!(
        skips,
        ["no [webhooks] section in merchant.toml: add `secret` to run webhook checks"]
    );
    // The failure text is the message plus the logged exchanges, pretty-printed, masked.
    assert!(failure_text.starts_with(&failures[0]), "{failure_text}");
    assert!(
        failure_text.contains("> POST http://127.0.0.1:8080/checkout_sessions?q=<b>&x=\"1\""),
        "{failure_text}"
    );
    assert!(
        failure_text.contains("> Authorization: Bearer sk_****"),
        "{failure_text}"
    );
    assert!(
        failure_text.contains("\"number\": \"****\""),
        "{failure_text}"
    );
    assert!(failure_text.contains("< 400 (12 ms)"), "{failure_text}");
    assert!(
        failure_text.contains("Zoë & <script>alert(1)</script>"),
        "{failure_text}"
    );
    // Markup in the data is escaped in the file.
    assert!(!xml.contains("<script>"));
}

fn check_html(html: &str) {
    assert_no_secret(html, "report.html");
    assert!(
        !html.contains("<script"),
        "unescaped script tag from the data"
    );
    // askama escapes with numeric references.
    assert!(
        html.contains("&#60;script&#62;alert(2)&#60;/script&#62;"),
        "{html}"
    );
    for external in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "external reference {external}");
    }
    assert!(!html.contains("<link"), "no linked resources");
    assert!(
        html.contains("default-src 'none'"),
        "CSP forbids scripts and fetches"
    );
    // Summary, every check, collapsible logs with pretty-printed JSON bodies.
    assert!(
        html.contains("<b>1</b>passed")
            && html.contains("<b>1</b>failed")
            && html.contains("<b>1</b>skipped")
    );
    for id in [
        "checkout.create.without_address",
        "delegate_payment.create",
        "webhooks.order_created",
    ] {
        assert!(html.contains(id), "{id}");
    }
    assert_eq!(html.matches("<details>").count(), 3);
    assert!(html.contains("Bearer sk_****"));
    assert!(
        html.contains("\n  &#34;status&#34;: &#34;not_ready_for_payment&#34;\n"),
        "pretty JSON body"
    );
    assert!(html.contains("ünïcödé") && html.contains("日本"));
    assert!(
        html.contains("connection refused (key sk_****)")
            || html.contains("connection refused (key ****)")
    );
}

#[test]
fn renderers_mask_without_writing() {
    let report = sample_report();
    let masker = Masker::new(secrets());
    assert_no_secret(&render_junit(&report, &masker), "junit");
    assert_no_secret(&render_html(&report, &masker).unwrap(), "html");
    // An unmasked result printed to the console after masking keeps no secret.
    let mut out = Vec::new();
    for result in &report.results {
        let mut result = result.clone();
        masker.mask_result(&mut result);
        acp_conformance::print_result(&result, &mut out, false).unwrap();
    }
    acp_conformance::print_summary(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_no_secret(&text, "console");
    assert!(
        text.lines().any(|l| l == "1 passed, 1 failed, 1 skipped"),
        "{text}"
    );
}

fn example_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/merchant.example.toml")
}

#[test]
fn the_example_config_parses() {
    let config = MerchantConfig::load(example_path()).unwrap();
    assert_eq!(
        config.merchant.base_url.as_deref(),
        Some("https://sandbox.shop.example/api")
    );
    assert_eq!(config.fixtures.quantity, 1);
    assert_eq!(
        config.fixtures.address.line_two.as_deref(),
        Some("Suite 300")
    );
    assert_eq!(
        config.fixtures.buyer.phone_number.as_deref(),
        Some("+15555550100")
    );
    assert_eq!(config.payment.allowance_max_amount, 5000);
    assert_eq!(
        config.signing.as_ref().and_then(|s| s.algorithm),
        Some(acp_conformance::config::SigningAlgorithm::HmacSha256)
    );
    assert_eq!(config.webhooks.as_ref().unwrap().listen, "127.0.0.1:8788");
    // Every secret of the example is masked.
    let masker = Masker::from_config(&config);
    let secrets = config.secrets();
    assert_eq!(secrets.len(), 8);
    for secret in secrets {
        assert_eq!(
            masker.mask_text(&format!("[{secret}]")),
            "[****]",
            "{secret}"
        );
    }
}

#[test]
fn unknown_key_names_file_and_line() {
    let text = std::fs::read_to_string(example_path()).unwrap();
    let text = text.replace("quantity = 1\n", "quantity = 1\nquantitty = 2\n");
    let line = text
        .lines()
        .position(|l| l.starts_with("quantitty"))
        .unwrap()
        + 1;
    let err = MerchantConfig::parse(&text, "conf/merchant.toml").unwrap_err();
    assert_eq!(err.line(), Some(line), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("conf/merchant.toml:{line}:")),
        "{message}"
    );
    assert!(message.contains("quantitty"), "{message}");
}

#[test]
fn missing_required_field_names_file_and_line() {
    let text = std::fs::read_to_string(example_path()).unwrap();
    let text = text.replace("api_key = \"sk_test_replace_me_0123456789\"\n", "");
    let err = MerchantConfig::parse(&text, "merchant.toml").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("api_key"), "{message}");
    assert!(message.starts_with("merchant.toml:"), "{message}");
    let line = err.line().expect("a line");
    // toml reports the table missing the key.
    assert!(
        text.lines().nth(line - 1).unwrap().contains("[merchant]") || line <= 12,
        "{message}"
    );

    let err = MerchantConfig::load("/nonexistent/merchant.toml").unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/merchant.toml"),
        "{err}"
    );
}
