// `BuyerAccountType` is `guest` | `registered` | `business`.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "BuyerAccountType")]
#[serde(rename_all = "snake_case")]
enum AccountType {
    Guest,
    Registered,
    Business,
    Corporate,
    #[serde(rename = "Guest")]
    Visitor,
}

fn main() {}
