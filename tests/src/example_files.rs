//! Which schema each entry of the spec's example files is an instance of (rules written for
//! the tests from the example names; not spec data), and the example files of a version.

use crate::spec_root;

pub type Rule = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// Example-file entries: key pattern (prefix, or exact with `=`) → JSON pointer of the instance
/// inside the entry, and candidate schema names (the first the validator accepts is the match;
/// if none does, the first is used). Written for this test from the example names; not spec data.
pub const FILE_RULES: &[Rule] = &[
    // (spec of the schemas, key pattern, pointer, candidates)
    (
        "agentic_checkout",
        "create_multi_item_checkout_request",
        "",
        &["CheckoutSessionCreateRequest"],
    ),
    (
        "agentic_checkout",
        "create_multi_item_checkout_response",
        "",
        &["CheckoutSession"],
    ),
    (
        "agentic_checkout",
        "create_checkout_session_request",
        "",
        &["CheckoutSessionCreateRequest"],
    ),
    (
        "agentic_checkout",
        "update_checkout_session_request",
        "",
        &["CheckoutSessionUpdateRequest"],
    ),
    (
        "agentic_checkout",
        "complete_",
        "",
        &["CheckoutSessionCompleteRequest"],
    ),
    (
        "agentic_checkout",
        "cancel_checkout_session_request",
        "",
        &["CancelSessionRequest"],
    ),
    (
        "agentic_checkout",
        "=complete_checkout_session_response",
        "",
        &["CheckoutSessionWithOrder", "CheckoutSession"],
    ),
    ("agentic_checkout", "error_", "", &["Error"]),
    (
        "agentic_checkout",
        "authentication_result_",
        "",
        &["AuthenticationResult"],
    ),
    (
        "agentic_checkout",
        "discovery_response_",
        "",
        &["DiscoveryResponse"],
    ),
    (
        "agentic_checkout_webhook",
        "webhook_",
        "",
        &["WebhookEvent"],
    ),
    (
        "agentic_checkout",
        "",
        "",
        &["CheckoutSession", "CheckoutSessionWithOrder"],
    ),
];

pub const CAPABILITY_RULES: &[Rule] = &[
    (
        "agentic_checkout",
        "minimal_agent_capabilities_request",
        "",
        &["CheckoutSessionCreateRequest"],
    ),
    (
        "agentic_checkout",
        "minimal_seller_capabilities_response",
        "",
        &["CheckoutSession"],
    ),
    (
        "agentic_checkout",
        "",
        "",
        &["CheckoutSessionCreateRequest", "CheckoutSession"],
    ),
];

pub const DELEGATE_PAYMENT_RULES: &[Rule] = &[
    (
        "delegate_payment",
        "delegate_payment_request",
        "",
        &["DelegatePaymentRequest"],
    ),
    (
        "delegate_payment",
        "delegate_payment_success_response",
        "",
        &["DelegatePaymentResponse"],
    ),
    ("delegate_payment", "delegate_payment_error", "", &["Error"]),
];

pub const DELEGATE_AUTHENTICATION_RULES: &[Rule] = &[
    (
        "delegate_authentication",
        "create_authentication_session_request",
        "",
        &["DelegateAuthenticationCreateRequest"],
    ),
    (
        "delegate_authentication",
        "authenticate_request",
        "",
        &["DelegateAuthenticationAuthenticateRequest"],
    ),
    ("delegate_authentication", "error_", "", &["Error"]),
    (
        "delegate_authentication",
        "",
        "",
        &[
            "DelegateAuthenticationSession",
            "DelegateAuthenticationSessionWithResult",
        ],
    ),
];

pub const FEED_RULES: &[Rule] = &[
    ("feed", "create_feed_request", "", &["CreateFeedRequest"]),
    (
        "feed",
        "upsert_products_request",
        "",
        &["UpsertProductsRequest"],
    ),
    ("feed", "get_products_response", "", &["ProductsResponse"]),
    ("feed", "feed_error", "", &["Error"]),
    ("feed", "", "", &["FeedMetadata"]),
];

/// The MCP binding wraps checkout payloads in JSON-RPC: the ACP instance is inside.
pub const MCP_RULES: &[Rule] = &[
    (
        "agentic_checkout",
        "create_checkout_session_request",
        "/params/arguments/payload",
        &["CheckoutSessionCreateRequest"],
    ),
    (
        "agentic_checkout",
        "update_checkout_session_request",
        "/params/arguments/payload",
        &["CheckoutSessionUpdateRequest"],
    ),
    (
        "agentic_checkout",
        "complete_checkout_session_request",
        "/params/arguments/payload",
        &["CheckoutSessionCompleteRequest"],
    ),
    (
        "agentic_checkout",
        "cancel_checkout_session_request",
        "/params/arguments/payload",
        &["CancelSessionRequest"],
    ),
    (
        "agentic_checkout",
        "complete_checkout_session_response",
        "/result",
        &["CheckoutSessionWithOrder"],
    ),
    (
        "agentic_checkout",
        "_response",
        "/result",
        &["CheckoutSession"],
    ),
];

/// Keys of an example file that annotate the file rather than being part of an instance.
pub const FILE_ANNOTATIONS: &[&str] = &["$schema", "description", "_description", "_notes"];

pub fn rules_for(file_name: &str) -> Option<&'static [Rule]> {
    Some(match file_name {
        "examples.agentic_checkout.json" | "examples.multi_item_checkout.json" => FILE_RULES,
        "examples.capability_negotiation.json" => CAPABILITY_RULES,
        "examples.delegate_payment.json" => DELEGATE_PAYMENT_RULES,
        "examples.delegate_authentication.json" => DELEGATE_AUTHENTICATION_RULES,
        "examples.feed.json" => FEED_RULES,
        "examples.mcp.agentic_checkout.json" => MCP_RULES,
        _ => return None,
    })
}

pub fn example_files(version: &str) -> Vec<String> {
    let root = spec_root();
    let mut files = Vec::new();
    let mut stack = vec![root.join("examples").join(version)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(
                    path.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    files.sort();
    files
}
