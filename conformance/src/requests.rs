//! The request bodies the suite sends, per [`RequestShape`] of the version (from the version
//! table), built from the merchant's fixtures.
//! A test validates every one of them against each version's request schema.

use serde_json::{json, Map, Value};

use super::config::{Address, MerchantConfig};
use super::session;

pub use acp_runtime::versions::RequestShape;

fn address(address: &Address) -> Value {
    let mut value = json!({
        "name": address.name,
        "line_one": address.line_one,
        "city": address.city,
        "state": address.state,
        "country": address.country,
        "postal_code": address.postal_code,
    });
    if let Some(line_two) = &address.line_two {
        value["line_two"] = json!(line_two);
    }
    value
}

fn buyer(config: &MerchantConfig) -> Value {
    let buyer = &config.fixtures.buyer;
    let mut value = json!({
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "email": buyer.email,
    });
    if let Some(phone) = &buyer.phone_number {
        value["phone_number"] = json!(phone);
    }
    value
}

/// `POST /checkout_sessions`: one `item_id`, with the buyer and the shipping address when
/// `with_address`.
pub fn create(
    shape: RequestShape,
    config: &MerchantConfig,
    item_id: &str,
    with_address: bool,
) -> Value {
    let fixtures = &config.fixtures;
    let mut body = Map::new();
    match shape {
        RequestShape::ItemsAddress | RequestShape::ItemsDetails => {
            body.insert(
                "items".into(),
                json!([{ "id": item_id, "quantity": fixtures.quantity }]),
            );
        }
        RequestShape::LineItems => {
            // These versions have no quantity on a requested item: one entry per unit.
            let items: Vec<Value> = (0..fixtures.quantity.max(1))
                .map(|_| json!({ "id": item_id }))
                .collect();
            body.insert("line_items".into(), Value::Array(items));
            body.insert("currency".into(), json!(fixtures.currency));
            body.insert("capabilities".into(), json!({}));
        }
    }
    if with_address {
        body.insert("buyer".into(), buyer(config));
        match shape {
            RequestShape::ItemsAddress => {
                body.insert("fulfillment_address".into(), address(&fixtures.address));
            }
            RequestShape::ItemsDetails | RequestShape::LineItems => {
                let mut details = json!({
                    "name": fixtures.address.name,
                    "email": fixtures.buyer.email,
                    "address": address(&fixtures.address),
                });
                if let Some(phone) = &fixtures.buyer.phone_number {
                    details["phone_number"] = json!(phone);
                }
                body.insert("fulfillment_details".into(), details);
            }
        }
    }
    Value::Object(body)
}

/// `POST /checkout_sessions/{id}`: select the shipping option `option_id` of `session`.
pub fn select_option(shape: RequestShape, session_value: &Value, option_id: &str) -> Value {
    let item_ids = session::selection_item_ids(session_value);
    match shape {
        RequestShape::ItemsAddress => json!({ "fulfillment_option_id": option_id }),
        RequestShape::ItemsDetails => json!({
            "selected_fulfillment_options": [{
                "type": "shipping",
                "shipping": { "option_id": option_id, "item_ids": item_ids },
            }]
        }),
        RequestShape::LineItems => json!({
            "selected_fulfillment_options": [{
                "type": "shipping",
                "option_id": option_id,
                "item_ids": item_ids,
            }]
        }),
    }
}

/// The payment handler a `LineItems` session offers for delegated cards: the first handler
/// that requires delegate_payment, else the first, else `card_tokenized` (the spec's examples).
fn handler_id(session_value: &Value) -> String {
    let handlers = session_value
        .pointer("/capabilities/payment/handlers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    handlers
        .iter()
        .find(|h| h.get("requires_delegate_payment") == Some(&Value::Bool(true)))
        .or_else(|| handlers.first())
        .and_then(|h| h.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("card_tokenized")
        .to_string()
}

/// `POST /checkout_sessions/{id}/complete` paying with the vault `token`.
pub fn complete(
    shape: RequestShape,
    config: &MerchantConfig,
    session_value: &Value,
    token: &str,
) -> Value {
    let billing = address(&config.fixtures.address);
    let payment_data = match shape {
        RequestShape::ItemsAddress | RequestShape::ItemsDetails => json!({
            "token": token,
            "provider": "stripe",
            "billing_address": billing,
        }),
        RequestShape::LineItems => json!({
            "handler_id": handler_id(session_value),
            "instrument": {
                "type": "card",
                "credential": { "type": "spt", "token": token },
            },
            "billing_address": billing,
        }),
    };
    json!({ "buyer": buyer(config), "payment_data": payment_data })
}

/// `POST /agentic_commerce/delegate_payment` for `card_number`, allowed for `session_id`.
pub fn delegate(
    config: &MerchantConfig,
    session_id: &str,
    card_number: &str,
    merchant_id: &str,
) -> Value {
    let payment = &config.payment;
    let digits: String = card_number.chars().filter(char::is_ascii_digit).collect();
    let last4 = &digits[digits.len().saturating_sub(4)..];
    let iin = &digits[..digits.len().min(6)];
    let expires_at = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "payment_method": {
            "type": "card",
            "card_number_type": "fpan",
            "number": digits,
            "exp_month": format!("{:02}", payment.exp_month),
            "exp_year": payment.exp_year.to_string(),
            "name": config.fixtures.address.name,
            "cvc": payment.cvc,
            "checks_performed": ["avs", "cvv"],
            "iin": iin,
            "display_card_funding_type": "credit",
            "display_last4": last4,
            "metadata": {},
        },
        "allowance": {
            "reason": "one_time",
            "max_amount": payment.allowance_max_amount,
            "currency": config.fixtures.currency,
            "checkout_session_id": session_id,
            "merchant_id": merchant_id,
            "expires_at": expires_at,
        },
        "billing_address": address(&config.fixtures.address),
        "risk_signals": [{ "type": "card_testing", "score": 0, "action": "authorized" }],
        "metadata": { "source": "acp-codegen-conformance" },
    })
}
