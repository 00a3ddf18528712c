//! Bearer-token authentication.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Maps a bearer token (the API key) to the identity of its holder; `None` refuses it.
///
/// It is called on every request, on the async runtime: keep it quick (look-ups in memory).
pub trait BearerVerifier: Send + Sync + 'static {
    /// The identity the token belongs to, or `None` when the token is not valid.
    fn verify(&self, token: &str) -> Option<String>;
}

impl<F> BearerVerifier for F
where
    F: Fn(&str) -> Option<String> + Send + Sync + 'static,
{
    fn verify(&self, token: &str) -> Option<String> {
        self(token)
    }
}

/// A fixed table of tokens and their identities, compared in constant time.
///
/// Tokens are kept as SHA-256 digests and the presented token's digest is compared with every
/// entry, so neither the content nor the length of a valid token leaks through timing.
#[derive(Clone)]
pub struct StaticTokens(Vec<([u8; 32], String)>);

impl std::fmt::Debug for StaticTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticTokens")
            .field("tokens", &self.0.len())
            .finish()
    }
}

impl StaticTokens {
    /// A table of `(token, identity)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        StaticTokens(
            pairs
                .into_iter()
                .map(|(token, identity)| (Sha256::digest(token.as_bytes()).into(), identity))
                .collect(),
        )
    }
}

impl BearerVerifier for StaticTokens {
    fn verify(&self, token: &str) -> Option<String> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found: Option<&String> = None;
        for (digest, identity) in &self.0 {
            // Look at every entry whatever matched before.
            if bool::from(digest.ct_eq(&presented)) && found.is_none() {
                found = Some(identity);
            }
        }
        found.cloned()
    }
}

/// What the `Authorization` header holds.
pub(crate) enum Credentials<'a> {
    /// No header.
    Absent,
    /// A header that is not `Bearer <token>`.
    Malformed,
    /// `Bearer <token>`.
    Bearer(&'a str),
}

pub(crate) fn credentials(headers: &http::HeaderMap) -> Credentials<'_> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Credentials::Absent;
    };
    let Ok(text) = value.to_str() else {
        return Credentials::Malformed;
    };
    let text = text.trim();
    match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Credentials::Malformed
            } else {
                Credentials::Bearer(token)
            }
        }
        _ => Credentials::Malformed,
    }
}
