//! Request signatures and webhook signatures.
//!
//! Requests (agent to merchant) may carry a detached `Signature` over `Timestamp + "." +` the
//! RFC 8785 (JCS) canonical form of the JSON body, with an algorithm agreed out of band: HMAC-SHA256
//! or Ed25519 here, base64 (standard alphabet) on the wire. Webhooks (merchant to agent) carry
//! `Merchant-Signature: t=<unix seconds>,v1=<64 hex>`, an HMAC-SHA256 over `t + "." +` the raw
//! body.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The RFC 8785 (JCS) canonical form of a JSON value: members sorted by UTF-16 code units, no
/// insignificant whitespace, numbers in their shortest ECMAScript form (`1.0` is `1`).
pub fn canonical_json(value: &serde_json::Value) -> Vec<u8> {
    // A `Value` holds no non-finite numbers, the only thing JCS refuses; fall back to serde_json's
    // own text rather than panic should that ever change.
    serde_jcs::to_vec(value).unwrap_or_else(|_| value.to_string().into_bytes())
}

/// Why a request signature was not produced or not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The `Signature` header is absent.
    #[error("the Signature header is missing")]
    MissingSignature,
    /// The `Timestamp` header is absent.
    #[error("the Timestamp header is missing")]
    MissingTimestamp,
    /// The timestamp is not an RFC 3339 date-time.
    #[error("the Timestamp is not an RFC 3339 date-time: {0}")]
    InvalidTimestamp(String),
    /// The timestamp is further from the current time than the allowed skew.
    #[error("the Timestamp is outside the allowed clock skew")]
    Stale,
    /// The signature is not base64 of the right length.
    #[error("the Signature is malformed: {0}")]
    Malformed(String),
    /// A non-empty body is not JSON, so it has no canonical form.
    #[error("the body is not JSON: {0}")]
    InvalidBody(String),
    /// The signature does not match the body, timestamp and key.
    #[error("the signature does not match")]
    Mismatch,
}

/// The bytes that are signed: `timestamp + "." + JCS(body)`; for an empty body,
/// `timestamp + "."`.
pub fn signing_input(timestamp: &str, body: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let mut input = Vec::with_capacity(timestamp.len() + 1 + body.len());
    input.extend_from_slice(timestamp.as_bytes());
    input.push(b'.');
    if !body.is_empty() {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| SignatureError::InvalidBody(e.to_string()))?;
        input.extend_from_slice(&canonical_json(&value));
    }
    Ok(input)
}

/// A key that signs requests.
#[derive(Clone)]
pub enum SigningKey {
    /// An HMAC-SHA256 shared secret.
    Hmac(Vec<u8>),
    /// An Ed25519 private key.
    Ed25519(ed25519_dalek::SigningKey),
}

impl SigningKey {
    /// The key that verifies this key's signatures.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Hmac(secret) => VerifyingKey::Hmac(secret.clone()),
            SigningKey::Ed25519(key) => VerifyingKey::Ed25519(key.verifying_key()),
        }
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SigningKey::Hmac(_) => f.write_str("SigningKey::Hmac(..)"),
            SigningKey::Ed25519(_) => f.write_str("SigningKey::Ed25519(..)"),
        }
    }
}

/// A key that checks request signatures.
#[derive(Clone)]
pub enum VerifyingKey {
    /// An HMAC-SHA256 shared secret.
    Hmac(Vec<u8>),
    /// An Ed25519 public key.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyingKey::Hmac(_) => f.write_str("VerifyingKey::Hmac(..)"),
            VerifyingKey::Ed25519(key) => {
                f.debug_tuple("VerifyingKey::Ed25519").field(key).finish()
            }
        }
    }
}

fn hmac(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// Signs a request: base64 (standard) of the HMAC-SHA256 or Ed25519 signature of
/// [`signing_input`].
pub fn sign(key: &SigningKey, timestamp: &str, body: &[u8]) -> Result<String, SignatureError> {
    let input = signing_input(timestamp, body)?;
    let signature = match key {
        SigningKey::Hmac(secret) => {
            let mut mac = hmac(secret);
            mac.update(&input);
            mac.finalize().into_bytes().to_vec()
        }
        SigningKey::Ed25519(key) => key.sign(&input).to_bytes().to_vec(),
    };
    Ok(STANDARD.encode(signature))
}

/// Checks a request signature made by [`sign`] (in constant time for HMAC).
pub fn verify(
    key: &VerifyingKey,
    timestamp: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), SignatureError> {
    let signature = STANDARD
        .decode(signature.trim())
        .map_err(|e| SignatureError::Malformed(format!("not base64: {e}")))?;
    let input = signing_input(timestamp, body)?;
    match key {
        VerifyingKey::Hmac(secret) => {
            if signature.len() != 32 {
                return Err(SignatureError::Malformed(
                    "an HMAC-SHA256 signature has 32 bytes".to_string(),
                ));
            }
            let mut mac = hmac(secret);
            mac.update(&input);
            mac.verify_slice(&signature)
                .map_err(|_| SignatureError::Mismatch)
        }
        VerifyingKey::Ed25519(key) => {
            let signature = ed25519_dalek::Signature::from_slice(&signature).map_err(|_| {
                SignatureError::Malformed("an Ed25519 signature has 64 bytes".to_string())
            })?;
            key.verify_strict(&input, &signature)
                .map_err(|_| SignatureError::Mismatch)
        }
    }
}

/// Checks `Signature` + `Timestamp` headers of incoming requests against one key and a clock
/// skew window (default 300 s).
#[derive(Debug, Clone)]
pub struct SignatureVerifier {
    key: VerifyingKey,
    max_skew: Duration,
}

impl SignatureVerifier {
    /// A verifier for `key` with the default skew of 300 s.
    pub fn new(key: VerifyingKey) -> Self {
        SignatureVerifier {
            key,
            max_skew: Duration::from_secs(300),
        }
    }

    /// The largest accepted distance between `Timestamp` and the current time.
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// The skew set with [`max_skew`](Self::max_skew).
    pub fn allowed_skew(&self) -> Duration {
        self.max_skew
    }

    /// Checks that `timestamp` (RFC 3339) is within the skew window around `now` and that
    /// `signature` signs `body` at that timestamp.
    pub fn check(
        &self,
        timestamp: &str,
        body: &[u8],
        signature: &str,
        now: SystemTime,
    ) -> Result<(), SignatureError> {
        let at = chrono::DateTime::parse_from_rfc3339(timestamp.trim())
            .map_err(|e| SignatureError::InvalidTimestamp(e.to_string()))?;
        let at = SystemTime::from(at);
        let distance = match now.duration_since(at) {
            Ok(behind) => behind,
            Err(ahead) => ahead.duration(),
        };
        if distance > self.max_skew {
            return Err(SignatureError::Stale);
        }
        verify(&self.key, timestamp, body, signature)
    }
}

/// The value of a `Merchant-Signature` header: `t=<unix>,v1=<64 hex>` with
/// `v1 = HMAC-SHA256(secret, t + "." + raw_body)`.
pub fn merchant_signature(secret: &[u8], unix_seconds: i64, raw_body: &[u8]) -> String {
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(merchant_mac(secret, &unix_seconds.to_string(), raw_body))
    )
}

/// HMAC-SHA256 of `data` under `secret`: the bare "HMAC signature over the raw body" that the
/// webhook specs before 2026-04-17 describe without fixing a header format.
pub fn hmac_sha256(secret: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = hmac(secret);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `t` is the header's text as sent: the signer signed those bytes.
fn merchant_mac(secret: &[u8], t: &str, raw_body: &[u8]) -> [u8; 32] {
    let mut mac = hmac(secret);
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    mac.finalize().into_bytes().into()
}

/// Why a `Merchant-Signature` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookSignatureError {
    /// The header is absent or empty.
    #[error("Missing Merchant-Signature header.")]
    Missing,
    /// The header is not `t=<timestamp>,v1=<64_hex>`.
    #[error("Merchant-Signature must be t=<timestamp>,v1=<64_hex>: {0}.")]
    Malformed(String),
    /// `t` is outside the tolerance window around the current time.
    #[error("Timestamp outside allowed window.")]
    Stale,
    /// No `v1` signature matches the body.
    #[error("Webhook signature verification failed.")]
    Mismatch,
}

/// Checks a `Merchant-Signature` header against the raw body: `t` must be within `tolerance` of
/// `now_unix` and one of the `v1` entries (several are allowed, e.g. during secret rotation)
/// must match, compared in constant time. Unknown entries (`v0=...`) are ignored.
pub fn verify_merchant_signature(
    secret: &[u8],
    header: &str,
    raw_body: &[u8],
    now_unix: i64,
    tolerance: Duration,
) -> Result<(), WebhookSignatureError> {
    if header.trim().is_empty() {
        return Err(WebhookSignatureError::Missing);
    }
    let malformed = |why: &str| WebhookSignatureError::Malformed(why.to_string());
    let mut timestamp: Option<(i64, &str)> = None;
    let mut signatures: Vec<[u8; 32]> = Vec::new();
    for part in header.split(',') {
        let Some((name, value)) = part.split_once('=') else {
            return Err(malformed("every entry must be name=value"));
        };
        match name.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(malformed("t appears twice"));
                }
                let value = value.trim();
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(malformed("t must be unix seconds"));
                }
                let seconds = value.parse().map_err(|_| malformed("t is out of range"))?;
                timestamp = Some((seconds, value));
            }
            "v1" => {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(value.trim(), &mut bytes)
                    .map_err(|_| malformed("v1 must be 64 hex digits"))?;
                signatures.push(bytes);
            }
            _ => {}
        }
    }
    let Some((timestamp, timestamp_text)) = timestamp else {
        return Err(malformed("t is missing"));
    };
    if signatures.is_empty() {
        return Err(malformed("v1 is missing"));
    }
    let distance = i128::from(now_unix).abs_diff(i128::from(timestamp));
    if distance > u128::from(tolerance.as_secs()) {
        return Err(WebhookSignatureError::Stale);
    }
    let expected = merchant_mac(secret, timestamp_text, raw_body);
    let mut matched = subtle::Choice::from(0u8);
    for signature in &signatures {
        matched |= signature.ct_eq(&expected);
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(WebhookSignatureError::Mismatch)
    }
}
