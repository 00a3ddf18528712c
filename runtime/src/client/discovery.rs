//! The discovery document (`GET /.well-known/acp.json` at the merchant's origin) and version
//! negotiation: what an agent does before its first call.

use serde::de::DeserializeOwned;

use super::{ClientError, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT};
use crate::{from_slice, Validate};

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

/// The URL of the discovery document of the server at `base_url`: the origin's
/// `/.well-known/acp.json`, whatever path the API has.
pub fn discovery_url(base_url: &str) -> Result<String, ClientError> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| ClientError::InvalidRequest(format!("base URL `{base_url}`: {e}")))?;
    let origin = url.origin();
    if !origin.is_tuple() {
        return Err(ClientError::InvalidRequest(format!(
            "base URL `{base_url}` has no origin"
        )));
    }
    Ok(format!(
        "{}/.well-known/acp.json",
        origin.ascii_serialization()
    ))
}

/// The newest version of `ours` that `theirs` lists too (`YYYY-MM-DD` names sort by date).
pub fn newest_common_version<'o>(ours: &[&'o str], theirs: &[&str]) -> Option<&'o str> {
    ours.iter().copied().filter(|v| theirs.contains(v)).max()
}

/// Fetches and validates the discovery document of the server at `base_url` (no credentials:
/// the document is public), and picks the newest version of `ours` that it lists in
/// `protocol.supported_versions`.
pub async fn discover<T: DeserializeOwned + Validate>(
    base_url: &str,
    ours: &[&str],
) -> Result<Discovered<T>, ClientError> {
    let url = discovery_url(base_url)?;
    let http = reqwest::Client::builder()
        .timeout(DEFAULT_TIMEOUT)
        .user_agent(DEFAULT_USER_AGENT)
        .build()
        .map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
    let response = http
        .get(&url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|source| ClientError::Transport {
            attempts: 1,
            source,
        })?;
    let status = response.status();
    let request_id = response
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = response
        .bytes()
        .await
        .map_err(|source| ClientError::Transport {
            attempts: 1,
            source,
        })?;
    let unexpected = |message: String| ClientError::UnexpectedBody {
        status,
        message,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        request_id: request_id.clone(),
        attempts: 1,
    };
    if !status.is_success() {
        return Err(unexpected(format!("GET {url} answered {status}")));
    }
    let document: T = from_slice(&bytes).map_err(|e| unexpected(e.to_string()))?;
    // The members negotiation needs, read from the JSON (the caller's type names them per
    // version).
    let raw: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| unexpected(e.to_string()))?;
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
        document,
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
