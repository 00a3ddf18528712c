//! A table of malformed requests against the generated 2026-04-17 server. Every row is run (no
//! early stop) and the failures are printed as a table; no row may produce a 5xx.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{now_rfc3339, unauthorized_type, Harness, Req, Setup, Sig};
use crate::merchant::{Merchant, V0417};
use crate::{checkout_example, examples};

/// The body limit of the table's servers: the examples fit, 5000 bytes do not.
const BODY_LIMIT: usize = 4096;

#[derive(Clone, Copy, PartialEq)]
enum Target {
    /// The server without request signatures.
    Plain,
    /// The server that requires `Signature` + `Timestamp`.
    Signed,
}

struct Row {
    what: &'static str,
    target: Target,
    req: Req,
    status: u16,
    error_type: &'static str,
    code: &'static str,
    param: Option<&'static str>,
}

/// `value` with the member at `path` replaced by `new` (or removed when `new` is `None`).
fn edit(value: &Value, path: &[&str], new: Option<Value>) -> Value {
    let mut out = value.clone();
    let mut at = &mut out;
    for (i, key) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if last {
            match (&new, key.parse::<usize>()) {
                (Some(v), Ok(index)) => at[index] = v.clone(),
                (Some(v), Err(_)) => at[*key] = v.clone(),
                (None, _) => {
                    at.as_object_mut()
                        .unwrap_or_else(|| panic!("no object at {path:?}"))
                        .remove(*key);
                }
            }
            break;
        }
        at = match key.parse::<usize>() {
            Ok(index) => &mut at[index],
            Err(_) => &mut at[*key],
        };
        assert!(!at.is_null(), "nothing at {key} in {path:?}");
    }
    out
}

fn rows() -> Vec<Row> {
    let ex = examples();
    let create = checkout_example(V0417, "create_checkout_session_request");
    let create_text = serde_json::to_string(&create).unwrap();
    let dp = ex.get(V0417, "delegate_payment", "delegate_payment_request");
    let da = ex.get(
        V0417,
        "delegate_authentication",
        "create_authentication_session_request_minimal",
    );
    let mut n = 0;
    let mut key = move || {
        n += 1;
        format!("table-key-{n}")
    };
    let checkout = |key: String| Req::post("/checkout_sessions").key(&key);
    let delegate = |key: String| Req::post("/agentic_commerce/delegate_payment").key(&key);
    let row = |what, req, status, error_type, code, param| Row {
        what,
        target: Target::Plain,
        req,
        status,
        error_type,
        code,
        param,
    };
    const IR: &str = "invalid_request";
    let checkout_401 = unauthorized_type(V0417, "/checkout_sessions");
    let mut rows = vec![
        // --- not JSON / not an object ---
        row(
            "invalid JSON",
            checkout(key()).raw("{"),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "truncated JSON",
            checkout(key()).raw(create_text[..create_text.len() / 2].to_string()),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "empty body",
            checkout(key()).raw(""),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "trailing garbage after the object",
            checkout(key()).raw(format!("{create_text} xyz")),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "UTF-8 BOM before the JSON",
            checkout(key()).raw([b"\xEF\xBB\xBF".as_slice(), create_text.as_bytes()].concat()),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "non-UTF-8 bytes in a string",
            checkout(key())
                .raw(b"{\"currency\": \"us\xff\xfe\", \"line_items\": [{\"id\": \"a\"}]}".to_vec()),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "JSON nested 1500 deep (free-form body)",
            Req::post("/carts/cart_x/cancel").key(&key()).raw(format!(
                "{{\"a\":{}{}}}",
                "[".repeat(1500),
                "]".repeat(1500)
            )),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        row(
            "JSON array instead of object",
            checkout(key()).raw("[]"),
            400,
            IR,
            "invalid",
            Some("$"),
        ),
        row(
            "JSON array with the members positionally (feed)",
            Req::post("/feeds").key(&key()).raw("[\"US\"]"),
            400,
            IR,
            "invalid",
            Some("$"),
        ),
        row(
            "JSON array with the members positionally (checkout)",
            checkout(key()).raw("[null, [[\"item_123\"]], \"usd\", null, []]"),
            400,
            IR,
            "invalid",
            Some("$"),
        ),
        row(
            "array in place of a nested object: line_items[0]",
            checkout(key()).json(&edit(
                &create,
                &["line_items", "0"],
                Some(json!(["item_123"])),
            )),
            400,
            IR,
            "invalid",
            Some("$.line_items[0]"),
        ),
        row(
            "JSON string instead of object",
            checkout(key()).raw("\"usd\""),
            400,
            IR,
            "invalid",
            Some("$"),
        ),
        row(
            "JSON null instead of object",
            checkout(key()).raw("null"),
            400,
            IR,
            "invalid",
            Some("$"),
        ),
        // --- wrong types at several depths ---
        row(
            "wrong type: currency is a number",
            checkout(key()).json(&edit(&create, &["currency"], Some(json!(840)))),
            400,
            IR,
            "invalid",
            Some("$.currency"),
        ),
        row(
            "wrong type: line_items is an object",
            checkout(key()).json(&edit(&create, &["line_items"], Some(json!({"id": "a"})))),
            400,
            IR,
            "invalid",
            Some("$.line_items"),
        ),
        row(
            "wrong type: line_items[0].id is a number",
            checkout(key()).json(&edit(&create, &["line_items", "0", "id"], Some(json!(123)))),
            400,
            IR,
            "invalid",
            Some("$.line_items[0].id"),
        ),
        row(
            "wrong type: capabilities.interventions is a string",
            checkout(key()).json(&edit(
                &create,
                &["capabilities", "interventions"],
                Some(json!("all")),
            )),
            400,
            IR,
            "invalid",
            Some("$.capabilities.interventions"),
        ),
        row(
            "wrong type: address.city is an array (depth 3)",
            checkout(key()).json(&edit(
                &create,
                &["fulfillment_details", "address", "city"],
                Some(json!(["SF"])),
            )),
            400,
            IR,
            "invalid",
            Some("$.fulfillment_details.address.city"),
        ),
        row(
            "wrong type: integer max_amount is a float",
            delegate(key()).json(&edit(&dp, &["allowance", "max_amount"], Some(json!(20.5)))),
            400,
            IR,
            "invalid",
            Some("$.allowance.max_amount"),
        ),
        row(
            "wrong type: risk_signals[0].score is a boolean",
            delegate(key()).json(&edit(
                &dp,
                &["risk_signals", "0", "score"],
                Some(json!(true)),
            )),
            400,
            IR,
            "invalid",
            Some("$.risk_signals[0].score"),
        ),
        row(
            "wrong type: metadata value is a number",
            delegate(key()).json(&edit(&dp, &["metadata", "campaign"], Some(json!(4)))),
            400,
            IR,
            "invalid",
            Some("$.metadata.campaign"),
        ),
        row(
            "huge integer (beyond i64)",
            delegate(key()).raw(serde_json::to_string(&dp).unwrap().replace(
                "\"max_amount\":2000",
                "\"max_amount\":123456789012345678901234567890",
            )),
            400,
            IR,
            "invalid",
            Some("$.allowance.max_amount"),
        ),
        row(
            "huge number (beyond f64)",
            delegate(key()).raw(
                serde_json::to_string(&dp)
                    .unwrap()
                    .replace("\"max_amount\":2000", "\"max_amount\":1e400"),
            ),
            400,
            IR,
            "invalid_json",
            Some("$"),
        ),
        // --- missing required members ---
        row(
            "missing required: line_items",
            checkout(key()).json(&edit(&create, &["line_items"], None)),
            400,
            IR,
            "missing",
            Some("$.line_items"),
        ),
        row(
            "missing required: line_items[0].id",
            checkout(key()).json(&edit(&create, &["line_items", "0", "id"], None)),
            400,
            IR,
            "missing",
            Some("$.line_items[0].id"),
        ),
        row(
            "missing required: address.postal_code",
            checkout(key()).json(&edit(
                &create,
                &["fulfillment_details", "address", "postal_code"],
                None,
            )),
            400,
            IR,
            "missing",
            Some("$.fulfillment_details.address.postal_code"),
        ),
        row(
            "missing required: payment_method.number",
            delegate(key()).json(&edit(&dp, &["payment_method", "number"], None)),
            400,
            IR,
            "missing",
            Some("$.payment_method.number"),
        ),
        row(
            "missing required: authenticate fingerprint_completion",
            Req::post("/delegate_authentication/auth_session_x/authenticate")
                .key(&key())
                .json(&json!({})),
            400,
            IR,
            "missing",
            Some("$.fingerprint_completion"),
        ),
        row(
            "missing required (PUT): cart line_items",
            Req::new(Method::PUT, "/carts/cart_x").json(&json!({"buyer": {"email": "a@b.co"}})),
            400,
            IR,
            "missing",
            Some("$.line_items"),
        ),
        // --- unknown members (additionalProperties: false) ---
        row(
            "unknown member at the top",
            checkout(key()).json(&edit(&create, &["coupon_code"], Some(json!("SAVE10")))),
            400,
            IR,
            "invalid",
            Some("$.coupon_code"),
        ),
        row(
            "unknown member: line_items[0].quantity (not in 2026-04-17 Item)",
            checkout(key()).json(&edit(
                &create,
                &["line_items", "0", "quantity"],
                Some(json!(2)),
            )),
            400,
            IR,
            "invalid",
            Some("$.line_items[0].quantity"),
        ),
        row(
            "unknown member: address.zip",
            checkout(key()).json(&edit(
                &create,
                &["fulfillment_details", "address", "zip"],
                Some(json!("94131")),
            )),
            400,
            IR,
            "invalid",
            Some("$.fulfillment_details.address.zip"),
        ),
        row(
            "duplicate member",
            checkout(key()).raw(create_text.replacen("{", "{\"currency\":\"eur\",", 1)),
            400,
            IR,
            "invalid",
            Some("$.currency"),
        ),
        // --- constraints, enums, formats ---
        row(
            "minItems: empty line_items",
            checkout(key()).json(&edit(&create, &["line_items"], Some(json!([])))),
            400,
            IR,
            "invalid",
            Some("$.line_items"),
        ),
        row(
            "wrong enum value: interventions.display_context",
            checkout(key()).json(&edit(
                &create,
                &["capabilities", "interventions", "display_context"],
                Some(json!("hologram")),
            )),
            400,
            IR,
            "invalid",
            Some("$.capabilities.interventions.display_context"),
        ),
        row(
            "wrong enum value in an array: interventions.supported[1]",
            checkout(key()).json(&edit(
                &create,
                &["capabilities", "interventions", "supported", "1"],
                Some(json!("telepathy")),
            )),
            400,
            IR,
            "invalid",
            Some("$.capabilities.interventions.supported[1]"),
        ),
        row(
            "wrong enum value: card_number_type",
            delegate(key()).json(&edit(
                &dp,
                &["payment_method", "card_number_type"],
                Some(json!("dpan")),
            )),
            400,
            IR,
            "invalid",
            Some("$.payment_method.card_number_type"),
        ),
        row(
            "wrong const: payment_method.type",
            delegate(key()).json(&edit(&dp, &["payment_method", "type"], Some(json!("bank")))),
            400,
            IR,
            "invalid",
            Some("$.payment_method.type"),
        ),
        row(
            "invalid date-time: allowance.expires_at",
            delegate(key()).json(&edit(
                &dp,
                &["allowance", "expires_at"],
                Some(json!("tomorrow")),
            )),
            400,
            IR,
            "invalid",
            Some("$.allowance.expires_at"),
        ),
        row(
            "invalid date-time: month 13",
            delegate(key()).json(&edit(
                &dp,
                &["allowance", "expires_at"],
                Some(json!("2026-13-01T00:00:00Z")),
            )),
            400,
            IR,
            "invalid",
            Some("$.allowance.expires_at"),
        ),
        row(
            "invalid email: fulfillment_details.email",
            checkout(key()).json(&edit(
                &create,
                &["fulfillment_details", "email"],
                Some(json!("johndoe")),
            )),
            400,
            IR,
            "invalid",
            Some("$.fulfillment_details.email"),
        ),
        row(
            "invalid uri: challenge_notification_url",
            Req::post("/delegate_authentication")
                .key(&key())
                .json(&edit(
                    &da,
                    &["challenge_notification_url"],
                    Some(json!("not a uri")),
                )),
            400,
            IR,
            "invalid",
            Some("$.challenge_notification_url"),
        ),
        row(
            "pattern: allowance.currency upper case",
            delegate(key()).json(&edit(&dp, &["allowance", "currency"], Some(json!("USD")))),
            400,
            IR,
            "invalid",
            Some("$.allowance.currency"),
        ),
        row(
            "pattern: feed target_country",
            Req::post("/feeds")
                .key(&key())
                .json(&json!({"target_country": "usa"})),
            400,
            IR,
            "invalid",
            Some("$.target_country"),
        ),
        row(
            "maxLength: payment_method.exp_month",
            delegate(key()).json(&edit(
                &dp,
                &["payment_method", "exp_month"],
                Some(json!("123")),
            )),
            400,
            IR,
            "invalid",
            Some("$.payment_method.exp_month"),
        ),
        row(
            "wrong type (PATCH): feed products is an object",
            Req::new(Method::PATCH, "/feeds/feed_x/products").json(&json!({"products": {}})),
            400,
            IR,
            "invalid",
            Some("$.products"),
        ),
        // --- size ---
        row(
            "oversize body",
            checkout(key()).json(&edit(
                &create,
                &["order_notes"],
                Some(json!("x".repeat(5000))),
            )),
            413,
            IR,
            "request_too_large",
            None,
        ),
        // --- Content-Type ---
        row(
            "Content-Type text/plain",
            checkout(key()).json(&create).content_type("text/plain"),
            400,
            IR,
            "unsupported_content_type",
            Some("$"),
        ),
        row(
            "Content-Type missing",
            checkout(key()).json(&create).no_content_type(),
            400,
            IR,
            "unsupported_content_type",
            Some("$"),
        ),
        row(
            "Content-Type form-urlencoded",
            checkout(key())
                .json(&create)
                .content_type("application/x-www-form-urlencoded"),
            400,
            IR,
            "unsupported_content_type",
            Some("$"),
        ),
        // --- Authorization ---
        row(
            "Authorization missing",
            checkout(key()).json(&create).no_auth(),
            401,
            checkout_401,
            "unauthorized",
            None,
        ),
        row(
            "Authorization wrong key",
            checkout(key()).json(&create).token("sk_live_nope"),
            401,
            checkout_401,
            "invalid_api_key",
            None,
        ),
        row(
            "Authorization Basic scheme",
            checkout(key())
                .json(&create)
                .authorization("Basic YWdlbnQ6c2VjcmV0"),
            401,
            checkout_401,
            "unauthorized",
            None,
        ),
        row(
            "Authorization Bearer without a key",
            checkout(key()).json(&create).authorization("Bearer"),
            401,
            checkout_401,
            "unauthorized",
            None,
        ),
        row(
            "Authorization with non-UTF-8 bytes",
            checkout(key())
                .json(&create)
                .authorization_bytes(b"Bearer sk_\xff\xfe"),
            401,
            checkout_401,
            "unauthorized",
            None,
        ),
        row(
            "Authorization missing (delegate_payment)",
            delegate(key()).json(&dp).no_auth(),
            401,
            unauthorized_type(V0417, "/agentic_commerce/delegate_payment"),
            "unauthorized",
            None,
        ),
        row(
            "Authorization on a GET, wrong key",
            Req::get("/checkout_sessions/cs_1").token("sk_live_nope"),
            401,
            checkout_401,
            "invalid_api_key",
            None,
        ),
        // --- API-Version ---
        row(
            "API-Version missing",
            checkout(key()).json(&create).no_version(),
            400,
            IR,
            "missing_api_version",
            None,
        ),
        row(
            "API-Version empty",
            checkout(key()).json(&create).version(""),
            400,
            IR,
            "missing_api_version",
            None,
        ),
        row(
            "API-Version not registered (2025-11-01)",
            checkout(key()).json(&create).version("2025-11-01"),
            400,
            IR,
            "unsupported_api_version",
            None,
        ),
        row(
            "API-Version not a date",
            Req::get("/checkout_sessions/cs_1").version("v2"),
            400,
            IR,
            "unsupported_api_version",
            None,
        ),
        row(
            "API-Version non-UTF-8 bytes",
            Req::get("/checkout_sessions/cs_1").version_bytes(b"2026-04-17\xff"),
            400,
            IR,
            "unsupported_api_version",
            None,
        ),
        // --- Idempotency-Key ---
        row(
            "Idempotency-Key missing on POST",
            Req::post("/checkout_sessions").json(&create),
            400,
            IR,
            "idempotency_key_required",
            None,
        ),
        row(
            "Idempotency-Key over 255 characters",
            Req::post("/checkout_sessions")
                .key(&"k".repeat(256))
                .json(&create),
            400,
            IR,
            "invalid_idempotency_key",
            None,
        ),
        row(
            "Idempotency-Key empty",
            Req::post("/checkout_sessions").key("").json(&create),
            400,
            IR,
            "invalid_idempotency_key",
            None,
        ),
        row(
            "Idempotency-Key with non-ASCII bytes",
            Req::post("/checkout_sessions")
                .key_bytes(b"key-\xff")
                .json(&create),
            400,
            IR,
            "invalid_idempotency_key",
            None,
        ),
        // --- method / path ---
        row(
            "wrong method: DELETE a session",
            Req::new(Method::DELETE, "/checkout_sessions/cs_1"),
            405,
            IR,
            "method_not_allowed",
            None,
        ),
        row(
            "wrong method: GET the create path",
            Req::get("/checkout_sessions"),
            405,
            IR,
            "method_not_allowed",
            None,
        ),
        row(
            "wrong method: PUT a checkout session",
            Req::new(Method::PUT, "/checkout_sessions/cs_1").json(&json!({})),
            405,
            IR,
            "method_not_allowed",
            None,
        ),
        row(
            "unknown path (GET)",
            Req::get("/checkout_session/cs_1"),
            404,
            IR,
            "not_found",
            None,
        ),
        row(
            "unknown path (POST)",
            Req::post("/v1/checkout_sessions").key(&key()).json(&create),
            404,
            IR,
            "not_found",
            None,
        ),
        // --- business error through the generated router ---
        row(
            "unknown checkout session",
            Req::get("/checkout_sessions/cs_nope"),
            404,
            IR,
            "not_found",
            Some("$.checkout_session_id"),
        ),
    ];
    // --- signatures (the signing server) ---
    for (what, sig) in [
        ("Signature garbage", Sig::Raw("%%%".into(), now_rfc3339(0))),
        ("Signature of another body", Sig::Tampered),
        ("Timestamp an hour old", Sig::Stale),
        (
            "Timestamp not RFC 3339",
            Sig::Raw("AAAA".into(), "1700000000".into()),
        ),
        ("no Signature / Timestamp", Sig::Unsigned),
    ] {
        rows.push(Row {
            what,
            target: Target::Signed,
            req: checkout(key()).json(&create).sig(sig),
            status: 401,
            error_type: checkout_401,
            code: "invalid_signature",
            param: None,
        });
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_table() {
    let setup = Setup {
        body_limit: Some(BODY_LIMIT),
        ..Setup::default()
    };
    let plain = Harness::start(Merchant::new(examples()), setup.clone()).await;
    let signed = Harness::start(
        Merchant::new(examples()),
        Setup {
            signatures: true,
            ..setup
        },
    )
    .await;

    // The valid requests the rows are derived from pass on both servers.
    let create = checkout_example(V0417, "create_checkout_session_request");
    for h in [&plain, &signed] {
        h.send(
            &Req::post("/checkout_sessions")
                .key("baseline")
                .json(&create),
        )
        .await
        .expect_status(201);
    }
    let dp = examples().get(V0417, "delegate_payment", "delegate_payment_request");
    plain
        .send(
            &Req::post("/agentic_commerce/delegate_payment")
                .key("baseline")
                .json(&dp),
        )
        .await
        .expect_status(201);

    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        let h = match row.target {
            Target::Plain => &plain,
            Target::Signed => &signed,
        };
        let reply = h.send(&row.req).await;
        let mut problem = reply
            .check_error(row.status, row.error_type, row.code, row.param)
            .err();
        if reply.status >= 500 {
            problem = Some(format!(
                "server error {}: {}",
                reply.status,
                problem.unwrap_or_default()
            ));
        }
        if let Some(problem) = problem {
            failures.push((row, reply.status, problem, reply.text()));
        }
    }
    // Nothing malformed reached a handler (the baselines did: 2 + 1).
    let handled = plain.merchant.total_calls() + signed.merchant.total_calls();

    println!(
        "bad-input table: {} rows, {} passed, {} failed",
        rows.len(),
        rows.len() - failures.len(),
        failures.len()
    );
    if !failures.is_empty() {
        println!("{:<60} | {:<42} | got", "row", "expected");
        for (row, status, problem, body) in &failures {
            let body: String = body.chars().take(160).collect();
            println!(
                "{:<60} | {:<42} | {status}: {problem}\n{:>63} {body}",
                row.what,
                format!(
                    "{} {}/{} {}",
                    row.status,
                    row.error_type,
                    row.code,
                    row.param.unwrap_or("-")
                ),
                "body:"
            );
        }
    }
    assert!(rows.len() >= 30);
    assert!(
        failures.is_empty(),
        "{} bad-input rows failed",
        failures.len()
    );
    assert_eq!(
        handled,
        3 + plain.merchant.calls(V0417, "get_checkout_session"),
        "a malformed request reached a handler"
    );
}
