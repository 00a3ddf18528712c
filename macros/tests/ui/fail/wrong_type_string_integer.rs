// `Total.amount` is an integer (minor units), not a string.
#[derive(serde::Serialize, serde::Deserialize, acp_macros::AcpSchema)]
#[acp(version = "2026-04-17", schema = "Total")]
struct Line {
    r#type: acp::v2026_04_17::checkout::TotalType,
    display_text: String,
    amount: String,
}

fn main() {}
