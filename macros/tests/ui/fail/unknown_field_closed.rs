// `Address` is closed (`additionalProperties: false`): `zip` is not a member it allows.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "checkout")]
struct ShippingAddress {
    name: String,
    line_one: String,
    city: String,
    state: String,
    country: String,
    postal_code: String,
    zip: String,
}

fn main() {}
