// Not a string.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = 2026, schema = "Address")]
struct A {
    name: String,
}

// A misspelt key.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(verison = "2026-04-17", schema = "Address")]
struct B {
    name: String,
}

// No `schema`.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17")]
struct C {
    name: String,
}

// No `#[acp]` at all.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
struct D {
    name: String,
}

// A field attribute that does not exist.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Item")]
struct E {
    #[acp(skip)]
    id: String,
}

fn main() {}
