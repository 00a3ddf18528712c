//! `generate!` for 2026-04-17 checkout: the CLI's code, in place, used like the `acp` crate.

acp_macros::generate!(version = "2026-04-17", spec = "checkout");

use v2026_04_17::checkout::{Address, CheckoutSessionCreateRequest};

fn main() {
    assert_eq!(SUPPORTED_VERSIONS, ["2026-04-17"]);
    assert_eq!(v2026_04_17::API_VERSION, "2026-04-17");
    let address: Address = acp_runtime::from_slice(
        br#"{"name":"A","line_one":"1","city":"C","state":"S","country":"US","postal_code":"1"}"#,
    )
    .expect("a valid address");
    assert_eq!(address.city, "C");
    let error = acp_runtime::from_slice::<Address>(br#"{"name":"A"}"#).unwrap_err();
    assert!(error.to_string().contains("line_one"), "{error}");
    let request: Result<CheckoutSessionCreateRequest, _> =
        acp_runtime::from_slice(br#"{"line_items":[]}"#);
    assert!(request.is_err());
}
