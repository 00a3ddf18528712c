//! The behaviour that changes between API versions, and between the spec and the launch
//! checklist, as a server applies it: read from the version table ([`crate::versions`]).

use http::StatusCode;

pub use crate::versions::Profile;
use crate::versions::{self, VersionFacts};

/// The protocol rules in force for one negotiated `API-Version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRules {
    /// The version these rules are for.
    pub version: String,
    /// Whether every POST must carry an `Idempotency-Key` (`400 idempotency_key_required`).
    pub idempotency_key_required: bool,
    /// Status for "same key, different body" (`idempotency_conflict`): 409, from 2026-04-17 422
    /// (409 in every version under [`Profile::LaunchChecklist`]).
    pub conflict_status: StatusCode,
    /// Whether a duplicate of a request still running is refused at once (`409
    /// idempotency_in_flight` with `Retry-After`) rather than waiting for the first to finish
    /// and then getting its replay.
    pub in_flight_error: bool,
    /// The error `type` of `401` responses from delegate_payment (`unauthorized` from
    /// 2026-04-17, `invalid_request` before); see [`VersionRules::unauthorized_type_for`].
    pub unauthorized_type: &'static str,
    /// The status a successful (`200`) `POST /checkout_sessions/{id}/complete` is sent with:
    /// 200 per the spec, 201 under [`Profile::LaunchChecklist`].
    pub complete_status: StatusCode,
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

    /// The spec's rules of `version` (a `YYYY-MM-DD` name), from the version table
    /// ([`crate::versions::facts`]): a version newer than any known gets the newest rules, and
    /// one older than every known version the oldest's.
    pub fn for_version(version: &str) -> VersionRules {
        Self::for_version_and_profile(version, Profile::Spec)
    }

    /// The rules of `version` under `profile`.
    pub fn for_version_and_profile(version: &str, profile: Profile) -> VersionRules {
        let facts: &VersionFacts = versions::facts(version).unwrap_or_else(versions::oldest);
        let status =
            |code: u16| StatusCode::from_u16(code).expect("the table's statuses are valid");
        VersionRules {
            version: version.to_string(),
            idempotency_key_required: facts.idempotency_key_required,
            conflict_status: status(facts.idempotency_conflict_status_for(profile)),
            in_flight_error: facts.idempotency_in_flight_refused,
            unauthorized_type: facts.delegate_payment_unauthorized_type,
            complete_status: status(facts.complete_status_for(profile)),
        }
    }

    /// Whether a `method` request to `path` completes a checkout session
    /// (`POST /checkout_sessions/{id}/complete`).
    pub fn is_complete(method: &http::Method, path: &str) -> bool {
        *method == http::Method::POST
            && path
                .strip_prefix("/checkout_sessions/")
                .and_then(|rest| rest.strip_suffix("/complete"))
                .is_some_and(|id| !id.is_empty() && !id.contains('/'))
    }
}
