//! The suite's HTTP side: requests exactly as the protocol wants them (bearer, `API-Version`,
//! `Idempotency-Key`, `Request-Id`, canonical JSON bodies, detached signatures), each logged as
//! an [`Exchange`] for the report.

use std::time::{Duration, Instant};

use acp_runtime::signing::{canonical_json, sign, SigningKey};
use reqwest::Method;
use serde_json::Value;

use super::config::{MerchantConfig, SigningAlgorithm};
use super::error::SetupError;
use super::mask::Masker;
use super::model::{Exchange, LoggedRequest, LoggedResponse};

/// Bodies longer than this are cut in the log (legal pages can be large HTML).
const LOGGED_BODY_LIMIT: usize = 64 * 1024;

/// Which bearer key a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `merchant.api_key`: checkout.
    Merchant,
    /// `payment.psp_key`, else the merchant key: delegate_payment.
    Psp,
    /// No `Authorization` header (plain web pages).
    None,
}

/// How the `Signature` header of a request is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// Signed with the configured key when `[signing]` is set.
    Configured,
    /// Signed over a different body, so a verifying server must refuse it.
    Wrong,
    /// Not signed at all.
    Absent,
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The full URL.
    pub url: String,
    /// The JSON body, sent in canonical form (RFC 8785).
    pub body: Option<Value>,
    /// The bearer key.
    pub key: Key,
    /// The `API-Version` header; `None` leaves it out.
    pub api_version: Option<String>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// How to sign.
    pub signature: Signature,
}

/// A response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body as text, the run's secrets masked (quoted in messages and logs).
    pub text: String,
    /// The body as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl Reply {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON or `null`.
    pub fn body(&self) -> &Value {
        self.json.as_ref().unwrap_or(&Value::Null)
    }
}

/// Header names and values, and the body bytes, of a request ready to go.
pub type Prepared = (Vec<(String, String)>, Option<Vec<u8>>);

/// The HTTP client of one run.
pub struct Http {
    client: reqwest::Client,
    api_key: String,
    psp_key: Option<String>,
    signing: Option<SigningKey>,
    /// Masks bodies before they are cut for the log or quoted in messages: a secret cut in
    /// half would no longer match and its first half would be printed.
    masker: Masker,
}

/// Why the `[signing] key` of `merchant.toml` is unusable.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    /// An Ed25519 key that is not base64.
    #[error("[signing] key is not base64: {0}")]
    NotBase64(#[from] base64::DecodeError),
    /// An Ed25519 key of the wrong length.
    #[error("[signing] key must be the base64 of a 32-byte seed, not of {0} bytes")]
    SeedLength(usize),
}

/// Why a request could not be sent, or got no response.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The configured key could not sign the body.
    #[error("cannot sign the request: {0}")]
    Sign(#[from] acp_runtime::signing::SignatureError),
    /// No response: refused, reset, timed out (the text holds reqwest's error and its causes).
    #[error("{0}")]
    Transport(String),
}

/// The key requests are signed with, if `merchant.toml` configures one.
pub fn signing_key(config: &MerchantConfig) -> Result<Option<SigningKey>, SigningKeyError> {
    let Some(signing) = &config.signing else {
        return Ok(None);
    };
    let (Some(algorithm), Some(key)) = (signing.algorithm, signing.key.as_deref()) else {
        return Ok(None);
    };
    match algorithm {
        SigningAlgorithm::HmacSha256 => Ok(Some(SigningKey::Hmac(key.as_bytes().to_vec()))),
        SigningAlgorithm::Ed25519 => {
            use base64::Engine as _;
            let seed = base64::engine::general_purpose::STANDARD.decode(key.trim())?;
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|seed: Vec<u8>| SigningKeyError::SeedLength(seed.len()))?;
            Ok(Some(SigningKey::Ed25519(
                ed25519_dalek::SigningKey::from_bytes(&seed),
            )))
        }
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn cut(text: &str) -> String {
    if text.len() <= LOGGED_BODY_LIMIT {
        return text.to_string();
    }
    let mut end = LOGGED_BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… ({} more bytes not logged)",
        &text[..end],
        text.len() - end
    )
}

impl Http {
    /// A client for the merchant in `config`, with a per-request timeout.
    pub fn new(config: &MerchantConfig, timeout: Duration) -> Result<Http, SetupError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!(
                "acp-codegen-conformance/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(SetupError::HttpClient)?;
        Ok(Http {
            client,
            api_key: config.merchant.api_key.clone(),
            psp_key: config.payment.psp_key.clone(),
            signing: signing_key(config)?,
            masker: Masker::from_config(config),
        })
    }

    /// Whether requests are signed.
    pub fn signs(&self) -> bool {
        self.signing.is_some()
    }

    /// `Timestamp` and `Signature` over the canonical form of `payload` (empty when `None`), as
    /// the MCP binding's `meta.timestamp` and `meta.signature`; `None` without signing.
    pub fn sign(&self, payload: Option<&Value>) -> Result<Option<(String, String)>, SendError> {
        self.sign_bytes(&payload.map(canonical_json).unwrap_or_default())
    }

    fn sign_bytes(&self, signed: &[u8]) -> Result<Option<(String, String)>, SendError> {
        let Some(key) = &self.signing else {
            return Ok(None);
        };
        let timestamp = now_rfc3339();
        let signature = sign(key, &timestamp, signed)?;
        Ok(Some((timestamp, signature)))
    }

    /// Sends `request`, appending the exchange to `log`. A transport failure (refused,
    /// timeout) is logged too and returned as the error text.
    pub async fn send(
        &self,
        request: Request,
        log: &mut Vec<Exchange>,
    ) -> Result<Reply, SendError> {
        let (headers, body) = self.prepare(&request)?;
        self.send_prepared(request, headers, body, log).await
    }

    /// The headers and the canonical body bytes `request` goes out with.
    pub fn prepare(&self, request: &Request) -> Result<Prepared, SendError> {
        let body = request.body.as_ref().map(canonical_json);
        let mut headers: Vec<(String, String)> = Vec::new();
        match request.key {
            Key::Merchant => {
                headers.push(("Authorization".into(), format!("Bearer {}", self.api_key)))
            }
            Key::Psp => headers.push((
                "Authorization".into(),
                format!(
                    "Bearer {}",
                    self.psp_key.as_deref().unwrap_or(&self.api_key)
                ),
            )),
            Key::None => {}
        }
        if let Some(version) = &request.api_version {
            headers.push(("API-Version".into(), version.clone()));
        }
        if request.key != Key::None {
            headers.push((
                "Request-Id".into(),
                format!("conformance-{}", uuid::Uuid::new_v4()),
            ));
        }
        if let Some(key) = &request.idempotency_key {
            headers.push(("Idempotency-Key".into(), key.clone()));
        }
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        // Every request to the merchant is signed when signing is configured, a GET over its
        // empty body, as the runtime's client does; plain web pages are not.
        if request.key != Key::None && request.signature != Signature::Absent {
            let signed: Vec<u8> = match request.signature {
                Signature::Configured | Signature::Absent => body.clone().unwrap_or_default(),
                Signature::Wrong => canonical_json(&serde_json::json!({
                    "signed": "a different body"
                })),
            };
            if let Some((timestamp, signature)) = self.sign_bytes(&signed)? {
                headers.push(("Signature".into(), signature));
                headers.push(("Timestamp".into(), timestamp));
            }
        }
        Ok((headers, body))
    }

    /// Sends `request` with headers and body from [`Http::prepare`] (possibly altered),
    /// appending the exchange to `log`.
    pub async fn send_prepared(
        &self,
        request: Request,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        log: &mut Vec<Exchange>,
    ) -> Result<Reply, SendError> {
        let logged_request = LoggedRequest {
            method: request.method.to_string(),
            url: request.url.clone(),
            headers: headers.clone(),
            body: body
                .as_ref()
                .map(|b| cut(&self.masker.mask_text(&String::from_utf8_lossy(b)))),
        };
        let mut builder = self.client.request(request.method, &request.url);
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        if let Some(bytes) = body {
            builder = builder.body(bytes);
        }
        let started = Instant::now();
        let outcome = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, bytes))
        }
        .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok((status, headers, bytes)) => {
                let text = self.masker.mask_text(&String::from_utf8_lossy(&bytes));
                let json = serde_json::from_slice(&bytes).ok();
                log.push(Exchange {
                    request: logged_request,
                    response: Some(LoggedResponse {
                        status,
                        headers: headers.clone(),
                        body: (!text.is_empty()).then(|| cut(&text)),
                        elapsed_ms,
                    }),
                    error: None,
                });
                Ok(Reply {
                    status,
                    headers,
                    text,
                    json,
                })
            }
            Err(error) => {
                let text = acp_runtime::with_causes(&error);
                log.push(Exchange {
                    request: logged_request,
                    response: None,
                    error: Some(text.clone()),
                });
                Err(SendError::Transport(text))
            }
        }
    }
}
