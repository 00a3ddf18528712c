//! The behaviour that changes between API versions.

use http::StatusCode;

/// The first version with the stricter idempotency and auth rules.
const STRICT_FROM: &str = "2026-04-17";

/// The protocol rules in force for one negotiated `API-Version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRules {
    /// The version these rules are for.
    pub version: String,
    /// Whether every POST must carry an `Idempotency-Key` (`400 idempotency_key_required`).
    pub idempotency_key_required: bool,
    /// Status for "same key, different body" (`idempotency_conflict`): 409, from 2026-04-17 422.
    pub conflict_status: StatusCode,
    /// Whether a duplicate of a request still running is refused at once (`409
    /// idempotency_in_flight` with `Retry-After`) rather than waiting for the first to finish
    /// and then getting its replay.
    pub in_flight_error: bool,
    /// The error `type` of `401` responses from delegate_payment (`unauthorized` from
    /// 2026-04-17, `invalid_request` before); see [`VersionRules::unauthorized_type_for`].
    pub unauthorized_type: &'static str,
}

/// The delegate_payment endpoint: the only spec whose `Error.type` has `unauthorized`.
const DELEGATE_PAYMENT_PATH: &str = "/agentic_commerce/delegate_payment";

impl VersionRules {
    /// The error `type` of a `401` for a request to `path`: the other specs' `Error.type`
    /// has no `unauthorized` (their 401 examples use `invalid_request`).
    pub fn unauthorized_type_for(&self, path: &str) -> &'static str {
        if path.starts_with(DELEGATE_PAYMENT_PATH) {
            self.unauthorized_type
        } else {
            "invalid_request"
        }
    }

    /// The rules of `version` (a `YYYY-MM-DD` name). Versions are compared as strings, so a
    /// version newer than any known gets the newest rules.
    pub fn for_version(version: &str) -> VersionRules {
        if version >= STRICT_FROM {
            VersionRules {
                version: version.to_string(),
                idempotency_key_required: true,
                conflict_status: StatusCode::UNPROCESSABLE_ENTITY,
                in_flight_error: true,
                unauthorized_type: "unauthorized",
            }
        } else {
            VersionRules {
                version: version.to_string(),
                idempotency_key_required: false,
                conflict_status: StatusCode::CONFLICT,
                in_flight_error: false,
                unauthorized_type: "invalid_request",
            }
        }
    }
}
