// `PaymentMethodObject.providers` is an array of strings, not an object.
use std::collections::BTreeMap;

#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "PaymentMethodObject")]
struct Method {
    method: String,
    #[serde(default)]
    providers: Option<BTreeMap<String, String>>,
}

fn main() {}
