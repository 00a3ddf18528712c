// A typo in the schema name, and a spec that does not exist.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "CheckoutSesion")]
struct Session {
    id: String,
}

#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address", spec = "shipping")]
struct Address {
    name: String,
}

// `Address` is defined by several specs: which one?
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Address")]
struct AnyAddress {
    name: String,
}

// An unknown version in the derive.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2099-01-01", schema = "Address")]
struct FutureAddress {
    name: String,
}

fn main() {}
