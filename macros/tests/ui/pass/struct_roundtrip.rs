//! User structs matching 2026-04-17 `Address` (checkout) and `Buyer`: checked at compile time,
//! `JsonSchema` from the spec, and a round trip through the generated models.

use acp::v2026_04_17::checkout;
use acp_macros::AcpSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct ShippingAddress {
    #[serde(rename = "name")]
    recipient: String,
    line_one: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line_two: Option<String>,
    city: String,
    state: String,
    country: String,
    postal_code: String,
    // `company` is optional: a plain field with a default is fine too.
    #[serde(default)]
    company: String,
    // Not part of the JSON at all.
    #[serde(skip)]
    verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, AcpSchema)]
#[acp(version = "2026-04-17", schema = "Buyer")]
struct Customer {
    email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_type: Option<AccountType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, AcpSchema)]
#[acp(version = "2026-04-17", schema = "BuyerAccountType")]
#[serde(rename_all = "snake_case")]
enum AccountType {
    Guest,
    Registered,
    Business,
}

// An integer newtype the syntax cannot judge (`#[acp(unchecked)]`), an explicit model path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
struct Minor(i64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, AcpSchema)]
#[acp(
    version = "2026-04-17",
    schema = "Total",
    model = "acp::v2026_04_17::checkout::Total"
)]
struct TotalLine {
    r#type: acp::v2026_04_17::checkout::TotalType,
    display_text: String,
    #[acp(unchecked)]
    amount: Minor,
}

// An open schema (members it does not declare are allowed): a last flattened map keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, AcpSchema)]
#[acp(
    version = "2026-04-17",
    schema = "FulfillmentOptionLocalDeliveryDeliveryWindow"
)]
struct Window {
    start: String,
    end: String,
    #[serde(flatten)]
    extra: std::collections::BTreeMap<String, serde_json::Value>,
}

fn main() {
    let mine = ShippingAddress {
        recipient: "Ada Lovelace".into(),
        line_one: "12 St James's Square".into(),
        line_two: None,
        city: "London".into(),
        state: "LDN".into(),
        country: "GB".into(),
        postal_code: "SW1Y 4JH".into(),
        company: "Analytical Engines".into(),
        verified: true,
    };
    let model = checkout::Address::try_from(&mine).expect("a valid Address");
    assert_eq!(model.name, "Ada Lovelace");
    assert_eq!(model.company.as_deref(), Some("Analytical Engines"));
    let back = ShippingAddress::try_from(&model).expect("back");
    assert_eq!(
        back,
        ShippingAddress {
            verified: false,
            ..mine
        }
    );

    let buyer = Customer {
        email: "ada@example.com".into(),
        first_name: Some("Ada".into()),
        last_name: None,
        account_type: Some(AccountType::Business),
    };
    let model = checkout::Buyer::try_from(&buyer).expect("a valid Buyer");
    assert_eq!(
        model.account_type,
        Some(checkout::BuyerAccountType::Business)
    );
    assert_eq!(Customer::try_from(&model).expect("back"), buyer);

    // The JSON Schema is the spec's (closed, `email` required), not one derived from the struct.
    let schema = serde_json::to_value(schemars::schema_for!(ShippingAddress)).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["properties"]["line_one"].is_object());
    assert!(schema["properties"].get("recipient").is_none());
    let schema = serde_json::to_value(schemars::schema_for!(Customer)).unwrap();
    assert_eq!(schema["required"], serde_json::json!(["email"]));

    // A model the user type cannot hold fails the conversion, with serde's message.
    let model: checkout::Address = serde_json::from_value(serde_json::json!({
        "name": "A", "line_one": "1", "city": "C", "state": "S", "country": "US",
        "postal_code": "1", "line_two": "x"
    }))
    .unwrap();
    assert!(ShippingAddress::try_from(&model).is_ok());

    let line = TotalLine {
        r#type: checkout::TotalType::Tax,
        display_text: "Tax".into(),
        amount: Minor(120),
    };
    let model = checkout::Total::try_from(&line).unwrap();
    assert_eq!(model.amount, 120);
    assert_eq!(TotalLine::try_from(&model).unwrap(), line);

    let window = Window {
        start: "2026-04-17T10:00:00Z".into(),
        end: "2026-04-17T12:00:00Z".into(),
        extra: [("courier".to_string(), serde_json::json!("bike"))].into(),
    };
    let model = checkout::FulfillmentOptionLocalDeliveryDeliveryWindow::try_from(&window).unwrap();
    assert_eq!(model.additional_properties["courier"], "bike");
    assert_eq!(Window::try_from(&model).unwrap(), window);
}
