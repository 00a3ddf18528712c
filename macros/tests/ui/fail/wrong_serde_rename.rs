// A rename to the JavaScript spelling: the property is `postal_code`.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct ShippingAddress {
    name: String,
    line_one: String,
    city: String,
    state: String,
    country: String,
    #[serde(rename = "postalCode")]
    postal_code: String,
}

// `rename_all = "camelCase"` on a snake_case schema: every two-word property is off.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
#[serde(rename_all = "camelCase")]
struct CamelAddress {
    name: String,
    line_one: String,
    city: String,
    state: String,
    country: String,
    postal_code: String,
}

fn main() {}
