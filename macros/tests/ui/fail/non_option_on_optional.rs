// `Address.line_two` is optional: a plain `String` cannot be read when it is absent.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct ShippingAddress {
    name: String,
    line_one: String,
    line_two: String,
    city: String,
    state: String,
    country: String,
    postal_code: String,
}

fn main() {}
