//! Keeping the run's secrets out of everything printed or written.
//!
//! A [`Masker`] knows the secrets of a run (API key, webhook secret, signing key, card numbers
//! and CVCs from `merchant.toml`). The runner masks each [`CheckResult`] as soon as the check
//! finishes, and the report writers mask the whole [`Report`] again before writing, so no
//! secret reaches a console, `report.json`, `junit.xml` or `report.html`.

use std::fmt;

use super::config::MerchantConfig;
use super::model::{CheckResult, Exchange, Report};

/// What replaces a secret.
pub const MASK: &str = "****";

/// Headers whose values are always masked, whatever they hold (compared case-insensitively).
pub const MASKED_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "signature",
    "merchant-signature",
];

/// Secrets shorter than this are not masked in free text (they would mask ordinary words and
/// numbers); masked headers are masked whatever their length.
pub const MIN_SECRET_LEN: usize = 3;

/// Replaces the run's secrets in headers, bodies, URLs and messages.
#[derive(Clone, Default)]
pub struct Masker {
    /// Every spelling to replace, longest first.
    needles: Vec<String>,
}

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secrets themselves.
        f.debug_struct("Masker")
            .field("spellings", &self.needles.len())
            .finish()
    }
}

impl Masker {
    /// A masker for these secrets (empty and very short ones are ignored, see
    /// [`MIN_SECRET_LEN`]).
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut masker = Masker::default();
        for secret in secrets {
            masker.add(secret.as_ref());
        }
        masker
    }

    /// The secrets of a merchant configuration: API key, PSP key, webhook secret, signing key,
    /// both card numbers and the CVC.
    pub fn from_config(config: &MerchantConfig) -> Self {
        Masker::new(config.secrets())
    }

    /// Adds a secret. Besides the text itself, its JSON-escaped and percent-encoded spellings
    /// are masked, and for card numbers the forms grouped by four with spaces or dashes.
    pub fn add(&mut self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let mut spellings = vec![secret.to_string()];
        // JSON string escapes (quotes, backslashes, control characters) and the \uXXXX form
        // of non-ASCII characters.
        let json = serde_json::to_string(secret).expect("strings serialize");
        spellings.push(json[1..json.len() - 1].to_string());
        let escaped = &json[1..json.len() - 1];
        for upper in [false, true] {
            let ascii_json: String = escaped
                .chars()
                .map(|c| {
                    if c.is_ascii() {
                        c.to_string()
                    } else {
                        c.encode_utf16(&mut [0; 2])
                            .iter()
                            .map(|u| {
                                if upper {
                                    format!("\\u{u:04X}")
                                } else {
                                    format!("\\u{u:04x}")
                                }
                            })
                            .collect()
                    }
                })
                .collect();
            spellings.push(ascii_json);
        }
        spellings.push(percent_encode(secret));
        let digits: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() >= 12 && digits.chars().all(|c| c.is_ascii_digit()) {
            for separator in ["", " ", "-"] {
                let grouped: Vec<&str> = digits
                    .as_bytes()
                    .chunks(4)
                    .map(|c| std::str::from_utf8(c).expect("ascii digits"))
                    .collect();
                spellings.push(grouped.join(separator));
            }
        }
        for spelling in spellings {
            if !spelling.is_empty() && !self.needles.contains(&spelling) {
                self.needles.push(spelling);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        self.needles
            .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    }

    /// Whether no secret is known.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every secret replaced by [`MASK`]. A JSON document whose decoded strings
    /// still hold a secret (spelled with unusual escapes such as `\u0073k_...`) is replaced by
    /// its masked compact re-serialization, so pretty-printing it later reveals nothing.
    pub fn mask_text(&self, text: &str) -> String {
        let masked = self.replace_needles(text);
        let trimmed = text.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"')) {
            return masked;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return masked;
        };
        let decoded = value.to_string();
        if !self.holds_secret(&decoded) {
            return masked;
        }
        // Keep the original formatting when plain replacement was enough.
        match serde_json::from_str::<serde_json::Value>(&masked) {
            Ok(value) if !self.holds_secret(&value.to_string()) => masked,
            _ => self.replace_needles(&decoded),
        }
    }

    fn holds_secret(&self, text: &str) -> bool {
        self.needles.iter().any(|n| text.contains(n.as_str()))
    }

    fn replace_needles(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out
    }

    /// A header value as it may be shown: values of [`MASKED_HEADERS`] are reduced to the
    /// auth scheme and a short token prefix (`Bearer sk_test_abc` → `Bearer sk_****`), or to
    /// [`MASK`]; other values have their secrets masked.
    pub fn mask_header(&self, name: &str, value: &str) -> String {
        if !MASKED_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name.trim()))
        {
            return self.mask_text(value);
        }
        let (scheme, token) = match value.trim().split_once(' ') {
            Some((scheme, token))
                if name.trim().eq_ignore_ascii_case("authorization")
                    || name.trim().eq_ignore_ascii_case("proxy-authorization") =>
            {
                (Some(scheme), token.trim())
            }
            _ => (None, value.trim()),
        };
        // An already masked value (`sk_****`) stays as it is: masking is idempotent.
        let already_masked = token
            .strip_suffix(MASK)
            .is_some_and(|prefix| prefix.is_empty() || token_prefix(token) == prefix);
        let masked_token = if already_masked {
            token.to_string()
        } else {
            format!("{}{MASK}", token_prefix(token))
        };
        let shown = match scheme {
            Some(scheme) => format!("{scheme} {masked_token}"),
            None => masked_token,
        };
        // The scheme or prefix could itself be (part of) a secret.
        self.mask_text(&shown)
    }

    /// Masks the request, response and error of an exchange.
    pub fn mask_exchange(&self, exchange: &mut Exchange) {
        let request = &mut exchange.request;
        request.url = self.mask_text(&request.url);
        self.mask_headers(&mut request.headers);
        self.mask_option(&mut request.body);
        if let Some(response) = &mut exchange.response {
            self.mask_headers(&mut response.headers);
            self.mask_option(&mut response.body);
        }
        self.mask_option(&mut exchange.error);
    }

    /// Masks everything a check result shows: title, checklist item, message and exchanges.
    pub fn mask_result(&self, result: &mut CheckResult) {
        result.title = self.mask_text(&result.title);
        result.message = self.mask_text(&result.message);
        self.mask_option(&mut result.checklist_item);
        for exchange in &mut result.exchanges {
            self.mask_exchange(exchange);
        }
    }

    /// A copy of `report` with every result masked (and the base URL, should it carry
    /// credentials).
    pub fn mask_report(&self, report: &Report) -> Report {
        let mut masked = report.clone();
        masked.base_url = self.mask_text(&masked.base_url);
        for result in &mut masked.results {
            self.mask_result(result);
        }
        masked
    }

    fn mask_headers(&self, headers: &mut [(String, String)]) {
        for (name, value) in headers {
            *value = self.mask_header(name, value);
            *name = self.mask_text(name);
        }
    }

    fn mask_option(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            *text = self.mask_text(text);
        }
    }
}

/// The part of a credential kept visible: a type prefix like `sk_` or `sk_test_` when the token
/// has one and it is short compared to the token, else nothing.
fn token_prefix(token: &str) -> &str {
    let Some(end) = token.find('_') else {
        return "";
    };
    let prefix = &token[..=end];
    if prefix.len() <= 4
        && (prefix.len() * 3 <= token.len() || token.ends_with(MASK))
        && prefix.is_ascii()
    {
        prefix
    } else {
        ""
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoggedRequest, LoggedResponse};

    const KEY: &str = "sk_test_4f9Qz81LmXk";

    #[test]
    fn authorization_keeps_scheme_and_short_prefix() {
        let masker = Masker::new([KEY]);
        let shown = masker.mask_header("Authorization", &format!("Bearer {KEY}"));
        assert_eq!(shown, "Bearer sk_****");
        // Masked even when the key is not a known secret.
        let shown = Masker::default().mask_header("authorization", "Bearer other_secret_value");
        assert_eq!(shown, "Bearer ****");
        assert_eq!(Masker::default().mask_header("Authorization", "abc"), MASK);
        assert_eq!(
            Masker::default().mask_header("Merchant-Signature", "t=1,v1=abcdef"),
            MASK
        );
        assert_eq!(Masker::default().mask_header("SIGNATURE", "xyz"), MASK);
        assert_eq!(Masker::default().mask_header("Request-Id", "r1"), "r1");
    }

    #[test]
    fn secrets_are_masked_in_all_spellings() {
        let masker = Masker::new(["4242424242424242", "737", "whsec_\"é\\x", "", "ab"]);
        let text = "card 4242424242424242 / 4242 4242 4242 4242 / 4242-4242-4242-4242 cvc 737";
        assert_eq!(masker.mask_text(text), "card **** / **** / **** cvc ****");
        let body = serde_json::json!({ "secret": "whsec_\"é\\x" }).to_string();
        assert!(!masker.mask_text(&body).contains("whsec_"), "{body}");
        let ascii = r#"{"secret":"whsec_\"\u00e9\\x"}"#;
        assert_eq!(masker.mask_text(ascii), r#"{"secret":"****"}"#);
        let ascii = r#"{"secret":"whsec_\"\u00E9\\x"}"#;
        assert_eq!(masker.mask_text(ascii), r#"{"secret":"****"}"#);
        assert_eq!(
            masker.mask_text("?s=whsec_%22%C3%A9%5Cx"),
            "?s=****",
            "percent-encoded"
        );
        // Escapes the spellings above do not cover are caught by decoding JSON.
        let odd = r#"{"secret": "\u0077hsec_\"\u00e9\\x", "n": 1}"#;
        assert_eq!(masker.mask_text(odd), r#"{"secret":"****","n":1}"#);
        let digits = r#"{"card": "\u0034242424242424242"}"#;
        assert_eq!(masker.mask_text(digits), r#"{"card":"****"}"#);
        // Plain replacement keeps the formatting.
        let plain = "{\n  \"card\": \"4242424242424242\"\n}";
        assert_eq!(masker.mask_text(plain), "{\n  \"card\": \"****\"\n}");
        // Too short to mask in free text.
        assert_eq!(masker.mask_text("ab"), "ab");
        assert!(!format!("{masker:?}").contains("4242"));
    }

    #[test]
    fn exchange_and_result_are_masked_everywhere() {
        let masker = Masker::new([KEY, "whsec_abcdef"]);
        let mut result = CheckResult {
            id: "a.b".into(),
            title: format!("title {KEY}"),
            checklist_item: Some(KEY.into()),
            outcome: crate::Outcome::Fail,
            message: format!("server echoed {KEY}"),
            exchanges: vec![Exchange {
                request: LoggedRequest {
                    method: "POST".into(),
                    url: format!("http://h/x?key={KEY}"),
                    headers: vec![
                        ("Authorization".into(), format!("Bearer {KEY}")),
                        ("X-Echo".into(), format!("{KEY}!")),
                    ],
                    body: Some(format!("{{\"k\":\"{KEY}\"}}")),
                },
                response: Some(LoggedResponse {
                    status: 400,
                    headers: vec![("Merchant-Signature".into(), "t=1,v1=ff".into())],
                    body: Some("whsec_abcdef".into()),
                    elapsed_ms: 1,
                }),
                error: Some(format!("error {KEY}")),
            }],
            duration_ms: 1,
            spec_location: None,
            blocked_by: None,
        };
        masker.mask_result(&mut result);
        let json = serde_json::to_string(&result).unwrap();
        assert!(!json.contains(KEY), "{json}");
        assert!(!json.contains("whsec_abcdef"), "{json}");
        assert!(!json.contains("v1=ff"), "{json}");
        assert_eq!(result.exchanges[0].request.headers[0].1, "Bearer sk_****");
        // Masking is idempotent.
        let again = result.clone();
        masker.mask_result(&mut result);
        assert_eq!(result, again);
    }
}
