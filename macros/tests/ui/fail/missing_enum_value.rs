// `BuyerAccountType` also has `business`, which no variant is written as.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "BuyerAccountType")]
#[serde(rename_all = "lowercase")]
enum AccountType {
    Guest,
    Registered,
}

fn main() {}
