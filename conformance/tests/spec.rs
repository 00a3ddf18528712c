//! The conformance suite against the real spec files of every version: what it reads from the
//! OpenAPI documents matches the protocol facts (acp-notes.md), and every request body it sends
//! is valid against the version's own request schema (judged by the jsonschema crate).

use acp_codegen::Generator;
use acp_conformance::requests::{self, RequestShape};
use acp_conformance::spec::{COMPLETE, CREATE, DELEGATE, ORDER_EVENTS, UPDATE};
use acp_conformance::{MerchantConfig, VersionSpec};
use acp_runtime::versions::{self, Profile};
use serde_json::{json, Value};

/// Every released version, from the version table.
fn versions() -> impl Iterator<Item = &'static str> {
    acp_runtime::versions::VERSIONS
        .iter()
        .map(|facts| facts.version)
}

fn spec(version: &str) -> VersionSpec {
    let generator = Generator::from_env().expect("spec root");
    let set = generator.spec_set(version).expect("spec set");
    VersionSpec::new(&set).expect("validator")
}

fn config() -> MerchantConfig {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../templates/merchant.example.toml"
    );
    MerchantConfig::load(path).expect("the shipped example parses")
}

#[test]
fn the_versions_known_here_are_the_pinned_ones() {
    let generator = Generator::from_env().unwrap();
    assert_eq!(
        generator.versions().unwrap(),
        versions().collect::<Vec<_>>()
    );
}

#[test]
fn facts_read_from_the_spec_files_match_the_protocol_notes() {
    for version in versions() {
        let spec = spec(version);
        let facts = versions::released(version).unwrap();
        let strict = facts.idempotency_key_required;
        // The version table agrees with the spec files where both say something.
        assert_eq!(
            spec.success_status(COMPLETE),
            Some(facts.complete_status_for(Profile::Spec)),
            "{version}: the table's complete status"
        );
        assert_eq!(
            spec.conflict_status(),
            facts.idempotency_conflict_status_for(Profile::Spec),
            "{version}: the table's idempotency conflict status"
        );
        assert_eq!(
            facts.merchant_signature_scheme,
            version == "2026-04-17",
            "{version}: the table's webhook signature scheme"
        );
        assert_eq!(spec.success_status(CREATE), Some(201), "{version} create");
        assert_eq!(spec.success_status(UPDATE), Some(200), "{version} update");
        assert_eq!(
            spec.success_status(COMPLETE),
            Some(200),
            "{version} complete"
        );
        assert_eq!(
            spec.success_status(DELEGATE),
            Some(201),
            "{version} delegate"
        );
        assert_eq!(
            spec.conflict_status(),
            if strict { 422 } else { 409 },
            "{version} idempotency conflict"
        );
        assert_eq!(
            spec.webhook_event_types(),
            ["order_create", "order_update"],
            "{version} webhook event names"
        );
        assert_eq!(
            spec.declares_response_header(CREATE, 201, "Idempotent-Replayed"),
            strict,
            "{version} Idempotent-Replayed"
        );
        assert!(
            spec.declares_response_header(CREATE, 201, "request-id"),
            "{version}"
        );
        assert!(
            spec.requires_request_header(CREATE, "API-Version"),
            "{version}"
        );
        assert!(
            spec.requires_request_header(COMPLETE, "Authorization"),
            "{version}"
        );
        assert!(
            !spec.requires_request_header(CREATE, "Signature"),
            "{version}"
        );
        for op in [CREATE, UPDATE, COMPLETE, DELEGATE, ORDER_EVENTS] {
            assert!(spec.has(op), "{version} {op:?}");
            assert!(spec.request_schema(op).is_some(), "{version} {op:?}");
        }
        assert!(spec.response_schema(COMPLETE, 200).is_some(), "{version}");
        assert!(
            spec.response_schema(CREATE, 400).is_some(),
            "{version}: errors have a schema (4XX or 400)"
        );
    }
}

/// A session as the suite sees one after creating it with an address.
fn session_with_options(shape: RequestShape) -> Value {
    let mut session = json!({
        "id": "cs_1",
        "line_items": [{"id": "li_1", "item": {"id": "item_in_stock_123"}}],
        "fulfillment_options": [{"type": "shipping", "id": "ship_standard"}],
        "capabilities": {"payment": {"handlers": [{"id": "h_card", "requires_delegate_payment": true}]}},
    });
    match shape {
        RequestShape::ItemsAddress => session["fulfillment_option_id"] = json!("ship_standard"),
        RequestShape::ItemsDetails => {
            session["selected_fulfillment_options"] = json!([{"type": "shipping",
                "shipping": {"option_id": "ship_standard", "item_ids": ["item_in_stock_123"]}}])
        }
        RequestShape::LineItems => {
            session["selected_fulfillment_options"] = json!([{"type": "shipping",
                "option_id": "ship_standard", "item_ids": ["item_in_stock_123"]}])
        }
    }
    session
}

#[test]
fn every_request_the_suite_sends_is_valid_for_its_version() {
    let config = config();
    for version in versions() {
        let spec = spec(version);
        let shape = versions::facts(version).unwrap().request_shape;
        let session = session_with_options(shape);
        let bodies = [
            (CREATE, requests::create(shape, &config, "item_1", false)),
            (CREATE, requests::create(shape, &config, "item_1", true)),
            (
                UPDATE,
                requests::select_option(shape, &session, "ship_express"),
            ),
            (
                COMPLETE,
                requests::complete(shape, &config, &session, "vt_123"),
            ),
            (
                DELEGATE,
                requests::delegate(&config, "cs_1", "4242424242424242", "shop"),
            ),
        ];
        for (op, body) in bodies {
            let schema = spec.request_schema(op).unwrap();
            let errors = spec.validate(&schema, &body);
            assert!(errors.is_empty(), "{version} {op:?} {body}: {errors:?}");
        }
        // The missing-field check really omits a required member.
        let mut missing = requests::create(shape, &config, "item_1", true);
        missing
            .as_object_mut()
            .unwrap()
            .remove(shape.items_member());
        let errors = spec.validate(&spec.request_schema(CREATE).unwrap(), &missing);
        assert!(
            errors.iter().any(|e| e.contains(shape.items_member())),
            "{version}: {errors:?}"
        );
    }
}

#[test]
fn the_validator_rejects_a_session_missing_required_members() {
    for version in versions() {
        let spec = spec(version);
        let schema = spec.response_schema(CREATE, 201).unwrap();
        let errors = spec.validate(&schema, &json!({"id": "cs_1"}));
        assert!(
            errors.iter().any(|e| e.contains("line_items")),
            "{version}: {errors:?}"
        );
    }
}

/// `CheckoutSessionWithOrder` is `allOf: [closed base without order, {required: [order]}]` in
/// every OpenAPI file: taken literally nothing is valid, so the suite's validator closes such
/// compositions as a whole. The spec's completed-session examples (with an order) show both
/// sides.
#[test]
fn completed_sessions_are_judged_with_closed_allof_merged() {
    let root = acp_specs::resolve_spec_root(None).unwrap();
    for version in versions() {
        let path = root.join(format!("examples/{version}/examples.agentic_checkout.json"));
        let examples: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut completed = examples["complete_checkout_session_response"].clone();
        // 2025-09-29's example has no order at all; every version's Order needs these three.
        completed["order"] = json!({
            "id": "ord_1",
            "checkout_session_id": completed["id"],
            "permalink_url": "https://shop.example/orders/ord_1",
        });
        let completed = &completed;
        let set = Generator::from_env().unwrap().spec_set(version).unwrap();
        let spec = VersionSpec::new(&set).unwrap();
        let schema = spec.response_schema(COMPLETE, 200).unwrap();
        let merged = spec.validate(&schema, completed);
        let mut literal = acp_codegen::lint::Oracle::new(&set).unwrap();
        let literal = literal.errors(&schema, completed);
        assert!(
            literal.iter().any(|e| e.contains("order")),
            "{version}: literally, `order` is refused: {literal:?}"
        );
        // Whatever else the example gets wrong is the example's own defect (lint lists them);
        // `order` is not among the complaints once the composition is closed as a whole.
        assert!(
            !merged.iter().any(|e| e.contains("'order'")),
            "{version}: {merged:?}"
        );
        // Closed as a whole still means closed.
        let mut extra = completed.clone();
        extra["not_in_the_spec"] = json!(1);
        let errors = spec.validate(&schema, &extra);
        assert!(
            errors.iter().any(|e| e.contains("not_in_the_spec")),
            "{version}: {errors:?}"
        );
    }
}

/// "Include all required headers": every header parameter the spec marks as required goes
/// out with the suite's requests (`Signature`/`Timestamp` when `[signing]` is configured, as
/// in the example config).
#[test]
fn the_suite_sends_every_header_the_spec_requires() {
    use acp_conformance::{Profile, Suite, SuiteOptions};
    for version in versions() {
        let options = SuiteOptions::new("http://127.0.0.1:9", Profile::Spec, config());
        let generator = Generator::from_env().unwrap();
        let suite = Suite::load(&generator, version, options).unwrap();
        let shape = versions::facts(version).unwrap().request_shape;
        for (op, body) in [
            (CREATE, requests::create(shape, &config(), "item_1", true)),
            (UPDATE, json!({})),
            (COMPLETE, json!({})),
            (DELEGATE, json!({})),
        ] {
            let request = suite.request(op, op.path, Some(body));
            let sent = suite.headers_of(&request).unwrap();
            let required = suite_spec_required(version, op);
            assert!(!required.is_empty(), "{version} {op:?}");
            for name in required {
                assert!(
                    sent.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)),
                    "{version} {op:?}: `{name}` is required but not sent ({sent:?})"
                );
            }
            for signed in ["Signature", "Timestamp", "Idempotency-Key", "Request-Id"] {
                assert!(
                    sent.iter().any(|(n, _)| n == signed),
                    "{version} {op:?} {signed}"
                );
            }
        }
    }
}

fn suite_spec_required(version: &str, op: acp_conformance::spec::Op) -> Vec<String> {
    spec(version).required_request_headers(op)
}

/// A PSP hosting delegate_payment apart from the merchant: `[payment] psp_base_url` takes
/// delegate_payment there with the PSP's key; everything else goes to the merchant.
#[test]
fn delegate_payment_goes_to_the_psp_when_it_has_its_own_base_url() {
    use acp_conformance::{Profile, Suite, SuiteOptions};
    let mut config = config();
    config.payment.psp_base_url = Some("https://psp.example/v1/".into());
    let psp_key = config.payment.psp_key.clone().unwrap();
    let generator = Generator::from_env().unwrap();
    let options = SuiteOptions::new("https://shop.example/api", Profile::Spec, config.clone());
    let suite = Suite::load(&generator, "2026-04-17", options).unwrap();
    let delegate = suite.request(DELEGATE, DELEGATE.path, Some(json!({})));
    assert_eq!(
        delegate.url,
        "https://psp.example/v1/agentic_commerce/delegate_payment"
    );
    let sent = suite.headers_of(&delegate).unwrap();
    let authorization = sent.iter().find(|(n, _)| n == "Authorization").unwrap();
    assert_eq!(authorization.1, format!("Bearer {psp_key}"));
    let create = suite.request(CREATE, CREATE.path, Some(json!({})));
    assert_eq!(create.url, "https://shop.example/api/checkout_sessions");
    // A URL that is not one is refused with the key's line.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../templates/merchant.example.toml"
    ))
    .unwrap()
    .replace(
        "# psp_base_url = \"https://sandbox.psp.example\"",
        "psp_base_url = \"psp.example\"",
    );
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("psp_base_url"))
        .unwrap();
    let error = MerchantConfig::parse(&text, "merchant.toml")
        .unwrap_err()
        .to_string();
    let at = format!("merchant.toml:{line}:");
    assert!(
        error.contains("psp_base_url") && error.contains(&at),
        "{error}"
    );
}
