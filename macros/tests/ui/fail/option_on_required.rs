// `Address.name` is required and not nullable: `Option` would drop it or write `null`.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct ShippingAddress {
    name: Option<String>,
    line_one: String,
    city: String,
    state: String,
    country: String,
    postal_code: String,
}

fn main() {}
