use std::collections::HashMap;

// `Address` is closed: a flattened map of extra members can hold nothing valid.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct WithExtras {
    name: String,
    line_one: String,
    city: String,
    state: String,
    country: String,
    postal_code: String,
    #[serde(flatten)]
    extra: HashMap<String, serde_json::Value>,
}

// A struct for a string enum, and an enum with data for it.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "BuyerAccountType")]
struct NotAnEnum {
    kind: String,
}

#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "BuyerAccountType")]
#[serde(rename_all = "snake_case")]
enum WithData {
    Guest,
    Registered,
    Business(String),
}

// `Vec<Option<..>>`: the items of `images` are not nullable.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "LineItem")]
struct Line {
    id: String,
    item: acp::v2026_04_17::checkout::Item,
    quantity: u32,
    #[serde(default)]
    images: Option<Vec<Option<String>>>,
    #[serde(default)]
    unit_amount: Option<f64>,
}

fn main() {}
