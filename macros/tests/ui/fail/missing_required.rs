// `postal_code` is required by 2026-04-17 checkout `Address`.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct ShippingAddress {
    name: String,
    line_one: String,
    city: String,
    state: String,
    country: String,
}

fn main() {}
