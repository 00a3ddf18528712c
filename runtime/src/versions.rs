//! What each released ACP version says, in one table: the idempotency rules, the statuses and
//! error types that differ, the shape of checkout requests and of the wire format, which APIs
//! (specs) the version defines, and where OpenAI's launch checklist departs from the spec.
//!
//! The server's [`VersionRules`](crate::server::VersionRules), the scaffold of `acp-codegen new`
//! and the conformance suite all read this table, so a version difference is written down once.
//!
//! A version not in the table gets the facts of the newest version in it that is not newer
//! ([`facts`]): a version newer than any known gets the newest rules, one between two known
//! versions those of the earlier, and one older than every known version has none. That
//! lookup is the only place where version names are compared (`YYYY-MM-DD` names sort
//! chronologically as strings).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An API of the protocol: one spec, with files `openapi/openapi.<name>.yaml` and/or
/// `json-schema/schema.<name>.json` in a version folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    /// Checkout sessions (`agentic_checkout`).
    Checkout,
    /// Order webhooks, merchant to agent (`agentic_checkout_webhook`).
    Webhooks,
    /// Payment credential delegation (`delegate_payment`).
    DelegatePayment,
    /// The discount extension's schemas (`discount`).
    Discount,
    /// Extension declarations (`extension`).
    Extension,
    /// Carts (`cart`).
    Cart,
    /// Authentication delegation, such as 3-D Secure (`delegate_authentication`).
    DelegateAuthentication,
    /// Product feeds (`feed`).
    Feed,
}

impl Api {
    /// Every spec, in declaration order.
    pub const ALL: [Api; 8] = [
        Api::Checkout,
        Api::Webhooks,
        Api::DelegatePayment,
        Api::Discount,
        Api::Extension,
        Api::Cart,
        Api::DelegateAuthentication,
        Api::Feed,
    ];

    /// The name in the spec's file names (`agentic_checkout`).
    pub fn spec_name(self) -> &'static str {
        match self {
            Api::Checkout => "agentic_checkout",
            Api::Webhooks => "agentic_checkout_webhook",
            Api::DelegatePayment => "delegate_payment",
            Api::Discount => "discount",
            Api::Extension => "extension",
            Api::Cart => "cart",
            Api::DelegateAuthentication => "delegate_authentication",
            Api::Feed => "feed",
        }
    }
}

/// How a version shapes checkout requests (the bodies an agent sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestShape {
    /// 2025-09-29: `items[{id, quantity}]`, `fulfillment_address`, `fulfillment_option_id`,
    /// `payment_data{token, provider}`.
    ItemsAddress,
    /// 2025-12-12 and 2026-01-16: `items`, `fulfillment_details{.., address}`,
    /// `selected_fulfillment_options[{type, shipping{option_id, item_ids}}]`.
    ItemsDetails,
    /// 2026-01-30 on: `line_items[{id}]`, `currency`, `capabilities`,
    /// `selected_fulfillment_options[{type, option_id, item_ids}]`,
    /// `payment_data{handler_id, instrument}`.
    LineItems,
}

impl RequestShape {
    /// The member holding the items of a create request (`items` or `line_items`).
    pub fn items_member(self) -> &'static str {
        match self {
            RequestShape::LineItems => "line_items",
            RequestShape::ItemsAddress | RequestShape::ItemsDetails => "items",
        }
    }
}

/// How a version's wire format is shaped, in the detail a merchant server's code needs: each
/// flag is one difference the scaffold's templates handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WireShape {
    /// Requests carry `items[{id, quantity}]` (up to 2026-01-16), not `line_items[{id}]`.
    pub items_with_quantity: bool,
    /// `Item.quantity` is a JSON number, not an integer (2025-09-29).
    pub number_quantity: bool,
    /// `fulfillment_address` and `fulfillment_option_id` (2025-09-29) instead of
    /// `fulfillment_details` and `selected_fulfillment_options`.
    pub address_only: bool,
    /// `selected_fulfillment_options[{type, shipping: {option_id, item_ids}}]` (2025-12-12,
    /// 2026-01-16) rather than `[{type, option_id, item_ids}]`.
    pub nested_selection: bool,
    /// Line items with `quantity` and `totals[]`, `capabilities` with payment handlers,
    /// `protocol`, `payment_data{handler_id, instrument}` (2026-01-30 on).
    pub line_totals: bool,
    /// Line items of the old shape also have `name`, `description`, `unit_amount` (2025-12-12,
    /// 2026-01-16).
    pub line_details: bool,
    /// Shipping options price themselves with `totals[]` (2026-01-16 on), not
    /// `subtotal`/`tax`/`total`.
    pub option_totals: bool,
    /// `payment_provider.supported_payment_methods` are objects (2025-12-12, 2026-01-16).
    pub provider_objects: bool,
    /// `payment_provider.merchant_id` is required (2026-01-16).
    pub provider_merchant_id: bool,
    /// `Order.status` exists (2026-01-30 on).
    pub order_status: bool,
    /// Webhook events carry the full `Order` (2026-04-17 on).
    pub rich_order: bool,
    /// Cancel takes an optional body (2025-12-12 on).
    pub cancel_body: bool,
}

/// Which rules apply where OpenAI's launch checklist and the spec disagree:
///
/// | | [`Profile::Spec`] (default) | [`Profile::LaunchChecklist`] |
/// |---|---|---|
/// | `POST /checkout_sessions/{id}/complete` success | 200 | 201 |
/// | idempotency conflict (same key, different body) | 409 up to 2026-01-30, 422 from 2026-04-17 | 409 for every version |
/// | order webhook event names | `order_create` / `order_update` | also `order_created` / `order_updated` |
///
/// Everything else is the same in both. A server cannot satisfy both at once: pick the profile
/// the certification run expects. Spelled `spec` and `launch-checklist` on command lines and in
/// serialized reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// The spec files of the negotiated version (`spec`).
    #[default]
    Spec,
    /// The launch checklist (`launch-checklist`): completes answer 201, idempotency conflicts
    /// 409 in every version.
    LaunchChecklist,
}

impl Profile {
    /// Every profile, in the order command lines list them.
    pub const ALL: [Profile; 2] = [Profile::Spec, Profile::LaunchChecklist];

    /// The command-line spelling: `spec` or `launch-checklist`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Spec => "spec",
            Profile::LaunchChecklist => "launch-checklist",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile `{0}` (expected `spec` or `launch-checklist`)")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

/// What the launch checklist expects, in every version.
pub mod checklist {
    /// Status of a successful `POST /checkout_sessions/{id}/complete`.
    pub const COMPLETE_STATUS: u16 = 201;
    /// Status of an idempotency conflict (same key, different body).
    pub const IDEMPOTENCY_CONFLICT_STATUS: u16 = 409;
    /// The order webhook event names (created, updated).
    pub const WEBHOOK_EVENTS: (&str, &str) = ("order_created", "order_updated");
}

/// The facts of one released version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionFacts {
    /// The `API-Version` value (`2026-04-17`).
    pub version: &'static str,
    /// The APIs (spec files) the version defines.
    pub apis: &'static [Api],
    /// Whether the version has the MCP binding of checkout (`openrpc/openrpc.agentic_checkout.json`).
    pub mcp_binding: bool,
    /// Whether the version defines the discovery document (`DiscoveryResponse`, served at
    /// `/.well-known/acp.json`).
    pub discovery_document: bool,
    /// Whether every POST must carry an `Idempotency-Key` (`400 idempotency_key_required`).
    pub idempotency_key_required: bool,
    /// The spec's status for "same key, different body" (`idempotency_conflict`): 409, from
    /// 2026-04-17 422.
    pub idempotency_conflict_status: u16,
    /// Whether a duplicate of a request still running is refused at once (`409
    /// idempotency_in_flight` with `Retry-After`) rather than waiting for the first to finish.
    pub idempotency_in_flight_refused: bool,
    /// The error `type` of a `401` from delegate_payment (`unauthorized` from 2026-04-17,
    /// `invalid_request` before; the other specs' `Error.type` has no `unauthorized`).
    pub delegate_payment_unauthorized_type: &'static str,
    /// The spec's status of a successful `POST /checkout_sessions/{id}/complete`.
    pub complete_status: u16,
    /// Whether order webhooks must be signed with the `Merchant-Signature: t=<unix>,v1=<hex>`
    /// scheme (2026-04-17 on); earlier versions only ask for "an HMAC signature over the raw
    /// body", so a bare hex or base64 HMAC is accepted for them.
    pub merchant_signature_scheme: bool,
    /// How checkout requests are shaped.
    pub request_shape: RequestShape,
    /// The wire-format differences a server's code handles.
    pub wire_shape: WireShape,
}

impl VersionFacts {
    /// Whether the version defines `api`.
    pub fn has(&self, api: Api) -> bool {
        self.apis.contains(&api)
    }

    /// The status of a successful complete under `profile`.
    pub fn complete_status_for(&self, profile: Profile) -> u16 {
        match profile {
            Profile::Spec => self.complete_status,
            Profile::LaunchChecklist => checklist::COMPLETE_STATUS,
        }
    }

    /// The status of an idempotency conflict under `profile`.
    pub fn idempotency_conflict_status_for(&self, profile: Profile) -> u16 {
        match profile {
            Profile::Spec => self.idempotency_conflict_status,
            Profile::LaunchChecklist => checklist::IDEMPOTENCY_CONFLICT_STATUS,
        }
    }
}

const CHECKOUT_ONLY: &[Api] = &[Api::Checkout, Api::Webhooks, Api::DelegatePayment];

/// Up to 2026-01-30: an idempotency key is recommended, conflicts are 409, a duplicate of a
/// running request waits for its result.
const RELAXED: VersionFacts = VersionFacts {
    version: "",
    apis: CHECKOUT_ONLY,
    mcp_binding: false,
    discovery_document: false,
    idempotency_key_required: false,
    idempotency_conflict_status: 409,
    idempotency_in_flight_refused: false,
    delegate_payment_unauthorized_type: "invalid_request",
    complete_status: 200,
    merchant_signature_scheme: false,
    request_shape: RequestShape::LineItems,
    wire_shape: LINE_ITEMS,
};

/// The wire shape of 2026-01-30 on (2026-04-17 adds the full order in webhooks).
const LINE_ITEMS: WireShape = WireShape {
    items_with_quantity: false,
    number_quantity: false,
    address_only: false,
    nested_selection: false,
    line_totals: true,
    line_details: false,
    option_totals: true,
    provider_objects: false,
    provider_merchant_id: false,
    order_status: true,
    rich_order: false,
    cancel_body: true,
};

/// The wire shape of 2025-12-12 and 2026-01-16 (2026-01-16 adds option totals and a required
/// provider merchant id).
const ITEMS_DETAILS: WireShape = WireShape {
    items_with_quantity: true,
    number_quantity: false,
    address_only: false,
    nested_selection: true,
    line_totals: false,
    line_details: true,
    option_totals: false,
    provider_objects: true,
    provider_merchant_id: false,
    order_status: false,
    rich_order: false,
    cancel_body: true,
};

/// Every released version, oldest first.
pub static VERSIONS: &[VersionFacts] = &[
    VersionFacts {
        version: "2025-09-29",
        request_shape: RequestShape::ItemsAddress,
        wire_shape: WireShape {
            items_with_quantity: true,
            number_quantity: true,
            address_only: true,
            nested_selection: false,
            line_totals: false,
            line_details: false,
            option_totals: false,
            provider_objects: false,
            provider_merchant_id: false,
            order_status: false,
            rich_order: false,
            cancel_body: false,
        },
        ..RELAXED
    },
    VersionFacts {
        version: "2025-12-12",
        request_shape: RequestShape::ItemsDetails,
        wire_shape: ITEMS_DETAILS,
        ..RELAXED
    },
    VersionFacts {
        version: "2026-01-16",
        request_shape: RequestShape::ItemsDetails,
        wire_shape: WireShape {
            option_totals: true,
            provider_merchant_id: true,
            ..ITEMS_DETAILS
        },
        ..RELAXED
    },
    VersionFacts {
        version: "2026-01-30",
        apis: &[
            Api::Checkout,
            Api::Webhooks,
            Api::DelegatePayment,
            Api::Discount,
            Api::Extension,
        ],
        ..RELAXED
    },
    VersionFacts {
        version: "2026-04-17",
        apis: &Api::ALL,
        mcp_binding: true,
        discovery_document: true,
        idempotency_key_required: true,
        idempotency_conflict_status: 422,
        idempotency_in_flight_refused: true,
        delegate_payment_unauthorized_type: "unauthorized",
        complete_status: 200,
        merchant_signature_scheme: true,
        request_shape: RequestShape::LineItems,
        wire_shape: WireShape {
            rich_order: true,
            ..LINE_ITEMS
        },
    },
];

/// The facts in force for `version`: its own, or for a version not in the table those of the
/// newest version in it that is not newer (see the module doc). `None` for a version older
/// than every known one.
pub fn facts(version: &str) -> Option<&'static VersionFacts> {
    // The one comparison of version names: `YYYY-MM-DD` sorts chronologically.
    VERSIONS.iter().rev().find(|facts| facts.version <= version)
}

/// The facts of `version` if it is in the table itself.
pub fn released(version: &str) -> Option<&'static VersionFacts> {
    VERSIONS.iter().find(|facts| facts.version == version)
}

/// The oldest released version's facts.
pub fn oldest() -> &'static VersionFacts {
    &VERSIONS[0]
}

/// The newest released version's facts.
pub fn newest() -> &'static VersionFacts {
    &VERSIONS[VERSIONS.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_has_no_repeats() {
        assert!(VERSIONS.windows(2).all(|w| w[0].version < w[1].version));
        assert!(VERSIONS.iter().all(|f| f.version.len() == 10));
    }

    #[test]
    fn unknown_versions_get_the_newest_facts_not_newer() {
        assert_eq!(facts("2026-04-17").unwrap().version, "2026-04-17");
        assert_eq!(facts("2031-01-01"), Some(newest()));
        assert_eq!(facts("2026-02-15").unwrap().version, "2026-01-30");
        assert_eq!(facts("2025-09-29"), Some(oldest()));
        assert_eq!(facts("2020-01-01"), None);
        assert_eq!(released("2031-01-01"), None);
        assert_eq!(released("2026-01-16").unwrap().version, "2026-01-16");
    }

    #[test]
    fn idempotency_and_statuses_change_in_2026_04_17() {
        for facts in VERSIONS {
            let strict = facts.version == "2026-04-17";
            assert_eq!(facts.idempotency_key_required, strict, "{}", facts.version);
            assert_eq!(facts.idempotency_in_flight_refused, strict);
            assert_eq!(facts.merchant_signature_scheme, strict);
            assert_eq!(
                facts.idempotency_conflict_status,
                if strict { 422 } else { 409 }
            );
            assert_eq!(
                facts.delegate_payment_unauthorized_type,
                if strict {
                    "unauthorized"
                } else {
                    "invalid_request"
                }
            );
            assert_eq!(facts.complete_status_for(Profile::Spec), 200);
            assert_eq!(facts.complete_status_for(Profile::LaunchChecklist), 201);
            assert_eq!(
                facts.idempotency_conflict_status_for(Profile::LaunchChecklist),
                409
            );
        }
    }

    #[test]
    fn shapes_follow_the_versions() {
        let shape = |version| facts(version).unwrap().wire_shape;
        let old = shape("2025-09-29");
        assert!(old.items_with_quantity && old.number_quantity && old.address_only);
        assert!(!old.line_totals && !old.option_totals && !old.cancel_body);
        let mid = shape("2026-01-16");
        assert!(mid.nested_selection && mid.option_totals && mid.provider_merchant_id);
        assert!(mid.items_with_quantity && !mid.number_quantity && !mid.line_totals);
        assert!(!shape("2025-12-12").option_totals);
        let new = shape("2026-04-17");
        assert!(new.line_totals && new.rich_order && new.order_status);
        assert!(!new.items_with_quantity && !new.nested_selection && !new.provider_objects);
        assert_eq!(shape("2027-01-01"), new);
        assert_eq!(
            shape("2026-01-30"),
            WireShape {
                rich_order: false,
                ..new
            }
        );
        let request = |version| facts(version).unwrap().request_shape;
        assert_eq!(request("2025-09-29"), RequestShape::ItemsAddress);
        assert_eq!(request("2025-12-12"), RequestShape::ItemsDetails);
        assert_eq!(request("2026-01-16"), RequestShape::ItemsDetails);
        assert_eq!(request("2026-01-30"), RequestShape::LineItems);
        assert_eq!(request("2026-04-17").items_member(), "line_items");
        assert_eq!(request("2025-12-12").items_member(), "items");
    }

    #[test]
    fn profiles_parse_and_print_alike() {
        for profile in Profile::ALL {
            assert_eq!(profile.to_string().parse::<Profile>(), Ok(profile));
        }
        assert_eq!("launch-checklist".parse(), Ok(Profile::LaunchChecklist));
        let error = "Spec".parse::<Profile>().unwrap_err();
        assert!(error.to_string().contains("launch-checklist"));
        assert_eq!(
            serde_json::to_string(&Profile::LaunchChecklist).unwrap(),
            "\"launch-checklist\""
        );
        assert_eq!(Profile::default(), Profile::Spec);
    }
}
