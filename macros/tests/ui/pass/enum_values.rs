//! User enums matching 2026-04-17 string enums, with `rename_all` and `rename`.

use acp_macros::AcpSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, AcpSchema)]
#[acp(version = "2026-04-17", schema = "TotalType", spec = "checkout")]
#[serde(rename_all = "snake_case")]
enum Total {
    ItemsBaseAmount,
    ItemsDiscount,
    Subtotal,
    Discount,
    #[serde(rename = "fulfillment")]
    Shipping,
    Tax,
    Fee,
    GiftWrap,
    Tip,
    StoreCredit,
    Total,
    AmountRefunded,
}

fn main() {
    use acp::v2026_04_17::checkout::TotalType;
    let model = TotalType::try_from(&Total::Shipping).unwrap();
    assert_eq!(model, TotalType::Fulfillment);
    assert_eq!(
        Total::try_from(&TotalType::GiftWrap).unwrap(),
        Total::GiftWrap
    );
    let schema = serde_json::to_value(schemars::schema_for!(Total)).unwrap();
    assert!(schema["enum"]
        .as_array()
        .unwrap()
        .contains(&"fulfillment".into()));
}
