//! The discovery document (`GET /.well-known/acp.json` at the merchant's origin) and version
//! negotiation: what an agent does before its first call.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{CallOptions, ClientCore, ClientError, Method};
use crate::Validate;

/// Where the document is, at the origin.
const DISCOVERY_PATH: &str = "/.well-known/acp.json";

/// What [`discover`] found: the document, typed by the caller (the generated
/// `checkout::DiscoveryResponse` of a version), and the version to speak.
#[derive(Debug, Clone)]
pub struct Discovered<T> {
    /// The document, parsed and validated against the spec.
    pub document: T,
    /// The newest version both sides support; `None` when they share none.
    pub version: Option<String>,
    /// Where the REST API is (`api_base_url`).
    pub api_base_url: String,
}

/// The origin (`scheme://host[:port]`) of `base_url`.
fn origin(base_url: &str) -> Result<String, ClientError> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| ClientError::InvalidRequest(format!("base URL `{base_url}`: {e}")))?;
    let origin = url.origin();
    if !origin.is_tuple() {
        return Err(ClientError::InvalidRequest(format!(
            "base URL `{base_url}` has no origin"
        )));
    }
    Ok(origin.ascii_serialization())
}

/// The URL of the discovery document of the server at `base_url`: the origin's
/// `/.well-known/acp.json`, whatever path the API has.
pub fn discovery_url(base_url: &str) -> Result<String, ClientError> {
    Ok(format!("{}{DISCOVERY_PATH}", origin(base_url)?))
}

/// The newest version of `ours` that `theirs` lists too (`YYYY-MM-DD` names sort by date).
pub fn newest_common_version<'o>(ours: &[&'o str], theirs: &[&str]) -> Option<&'o str> {
    ours.iter().copied().filter(|v| theirs.contains(v)).max()
}

/// Fetches and validates the discovery document of the server at `base_url` (no key: the
/// document is public) with [`ClientCore::call`] (its retries, typed errors and validation),
/// and picks the newest version of `ours` that it lists in `protocol.supported_versions`.
pub async fn discover<T: DeserializeOwned + Serialize + Validate>(
    base_url: &str,
    ours: &[&str],
) -> Result<Discovered<T>, ClientError> {
    // The document comes before any version is chosen: the newest of ours is sent.
    let newest = ours.iter().copied().max().unwrap_or_default();
    let core = ClientCore::builder(origin(base_url)?, newest).build()?;
    let response = core
        .call::<(), T>(Method::GET, DISCOVERY_PATH, None, CallOptions::default())
        .await?;
    // The members negotiation needs, read from the document's JSON (the caller's type names
    // them per version).
    let raw = serde_json::to_value(&response.body).map_err(|e| {
        ClientError::InvalidRequest(format!("the document does not serialize: {e}"))
    })?;
    let supported: Vec<&str> = raw
        .pointer("/protocol/supported_versions")
        .and_then(serde_json::Value::as_array)
        .map(|versions| {
            versions
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect()
        })
        .unwrap_or_default();
    let version = newest_common_version(ours, &supported).map(str::to_string);
    let api_base_url = raw
        .get("api_base_url")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(base_url)
        .to_string();
    Ok(Discovered {
        document: response.body,
        version,
        api_base_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_at_the_origin_whatever_the_path() {
        for (base, expected) in [
            (
                "https://shop.example/api/v1",
                "https://shop.example/.well-known/acp.json",
            ),
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/.well-known/acp.json",
            ),
            (
                "https://shop.example:8443/",
                "https://shop.example:8443/.well-known/acp.json",
            ),
        ] {
            assert_eq!(discovery_url(base).unwrap(), expected);
        }
        assert!(discovery_url("not a url").is_err());
    }

    #[test]
    fn the_newest_shared_version_wins() {
        let ours = ["2025-09-29", "2026-01-30", "2026-04-17"];
        assert_eq!(
            newest_common_version(&ours, &["2026-01-30", "2025-09-29", "2027-01-01"]),
            Some("2026-01-30")
        );
        assert_eq!(newest_common_version(&ours, &["2024-01-01"]), None);
    }
}
