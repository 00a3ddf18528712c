//! `merchant.toml`: how to reach the merchant server under test and the fixtures the checks
//! use (items, address, buyer, test cards, webhook and signing secrets).
//!
//! `templates/merchant.example.toml` documents every field. Unknown keys are errors, so a typo
//! does not silently fall back to a default. Error messages name the file and the line, and
//! never echo the line's text (it may hold a secret).

use std::fmt;
use std::path::{Path, PathBuf};

use acp_codegen::toml_spans::{key_position, line_column};
use serde::{Deserialize, Serialize};

/// Default `[fixtures] quantity`.
pub const DEFAULT_QUANTITY: u32 = 1;
/// Default `[fixtures] currency`.
pub const DEFAULT_CURRENCY: &str = "usd";
/// Default `[webhooks] listen`: loopback, any free port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8788";

/// The whole `merchant.toml`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantConfig {
    /// `[merchant]`: the server under test.
    pub merchant: MerchantSection,
    /// `[fixtures]`: what the checks buy and who buys it.
    pub fixtures: Fixtures,
    /// `[payment]`: test cards and the delegate_payment allowance.
    pub payment: Payment,
    /// `[webhooks]`: where order webhooks are received; without it webhook checks are skipped.
    #[serde(default)]
    pub webhooks: Option<Webhooks>,
    /// `[signing]`: request signing; without it requests are sent unsigned.
    #[serde(default)]
    pub signing: Option<Signing>,
    /// `[metrics]`: for the merchant server only (the scaffold's `GET /metrics` token); the
    /// suite reads it so one file serves both, and masks the token.
    #[serde(default)]
    pub metrics: Option<Metrics>,
    /// `[storage]`: the server's own database setting; the suite does not use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
}

/// `[storage]` (read by the scaffolded server only).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// A SQLite file path or a `postgres://` URL.
    pub database: String,
}

/// `[merchant]`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantSection {
    /// Base URL of the merchant's ACP endpoints (`https://shop.example/api`); `--base-url`
    /// overrides it, and one of the two is needed.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The key sent as `Authorization: Bearer <api_key>`. Secret: masked in all output.
    pub api_key: String,
}

/// `[fixtures]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// An item id the merchant has in stock (the happy paths buy it).
    pub in_stock_item_id: String,
    /// An item id the merchant reports out of stock (the `out_of_stock` check).
    pub out_of_stock_item_id: String,
    /// How many of the item to buy (at least 1; default 1).
    #[serde(default = "default_quantity")]
    pub quantity: u32,
    /// ISO 4217 currency, lowercase (default `usd`).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// `[fixtures.address]`: a valid shipping address the merchant ships to.
    pub address: Address,
    /// `[fixtures.buyer]`: the buyer.
    pub buyer: Buyer,
}

/// `[fixtures.address]`, the ACP `Address` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Recipient name.
    pub name: String,
    /// First street line.
    pub line_one: String,
    /// Second street line, if any.
    #[serde(default)]
    pub line_two: Option<String>,
    /// City.
    pub city: String,
    /// State, province or region code (`CA`).
    pub state: String,
    /// ISO 3166-1 alpha-2 country code (`US`).
    pub country: String,
    /// Postal code.
    pub postal_code: String,
}

/// `[fixtures.buyer]`, the ACP `Buyer` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buyer {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number in E.164 form (`+15551234567`), if any.
    #[serde(default)]
    pub phone_number: Option<String>,
}

/// `[payment]`: sandbox test cards. Card numbers, CVC and PSP key are masked in all output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// A card number the PSP sandbox approves.
    pub card_number: String,
    /// Expiry month, 1–12.
    pub exp_month: u8,
    /// Expiry year, four digits (in the future).
    pub exp_year: u16,
    /// Card verification code.
    pub cvc: String,
    /// A card number the PSP sandbox declines (the `payment_declined` check).
    pub decline_card_number: String,
    /// `allowance.max_amount` of delegated payment tokens, in minor units (`5000` = $50.00).
    pub allowance_max_amount: i64,
    /// Bearer key for `POST /agentic_commerce/delegate_payment` when it is served by a PSP
    /// with its own key; without it the merchant `api_key` is used.
    #[serde(default)]
    pub psp_key: Option<String>,
    /// Base URL of `POST /agentic_commerce/delegate_payment` when a PSP hosts it apart from
    /// the merchant; without it the merchant's base URL is used.
    #[serde(default)]
    pub psp_base_url: Option<String>,
}

/// `[webhooks]`: the suite's receiver for the merchant's order webhooks.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhooks {
    /// The shared secret the merchant signs webhooks with (HMAC-SHA256).
    pub secret: String,
    /// Address the receiver listens on (default `127.0.0.1:8788`); the
    /// merchant must be configured to send to it.
    #[serde(default = "default_listen")]
    pub listen: String,
}

/// `[signing]`: detached request signatures (`Signature` + `Timestamp` headers).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// The algorithm agreed with the merchant. Required when `key` is set.
    #[serde(default)]
    pub algorithm: Option<SigningAlgorithm>,
    /// The HMAC secret, or the Ed25519 private key (base64 of the 32-byte seed). Required when
    /// `algorithm` is set. Secret: masked in all output.
    #[serde(default)]
    pub key: Option<String>,
}

/// `[metrics]`: the bearer token of the merchant server's metrics endpoint.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Secret: masked in all output.
    pub token: String,
}

/// A request signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlgorithm {
    /// `hmac-sha256`.
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    /// `ed25519`.
    #[serde(rename = "ed25519")]
    Ed25519,
}

fn default_quantity() -> u32 {
    DEFAULT_QUANTITY
}

fn default_currency() -> String {
    DEFAULT_CURRENCY.to_string()
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}

/// A `merchant.toml` that cannot be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Bad TOML, an unknown key, a missing field or a bad value.
    #[error("{}:{}{message}", path.display(), line.map(|l| format!("{l}:{}: ", column.unwrap_or(1))).unwrap_or_else(|| " ".into()))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// The 1-based line of the problem, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Invalid { line, .. } => *line,
            ConfigError::Read { .. } => None,
        }
    }
}

impl MerchantConfig {
    /// Reads and parses `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        MerchantConfig::parse(&text, path)
    }

    /// Parses `text`; `path` is only used in error messages.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let config: MerchantConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_column(text, span.start))
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        config.validate(text, path)?;
        Ok(config)
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let fail = |section: &str, key: &str, message: String| {
            let position = key_position(text, &[section, key]);
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line: position.map(|(line, _)| line),
                column: position.map(|(_, column)| column),
                message,
            })
        };
        if self.fixtures.quantity == 0 {
            return fail(
                "fixtures",
                "quantity",
                "`quantity` must be at least 1".into(),
            );
        }
        if !(1..=12).contains(&self.payment.exp_month) {
            return fail(
                "payment",
                "exp_month",
                format!(
                    "`exp_month` must be 1 to 12, got {}",
                    self.payment.exp_month
                ),
            );
        }
        if self.payment.allowance_max_amount <= 0 {
            return fail(
                "payment",
                "allowance_max_amount",
                "`allowance_max_amount` must be positive (minor units, e.g. 5000 for 50.00)".into(),
            );
        }
        if let Some(url) = &self.payment.psp_base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return fail(
                    "payment",
                    "psp_base_url",
                    format!("`psp_base_url` must be an http:// or https:// URL, got `{url}`"),
                );
            }
        }
        if let Some(signing) = &self.signing {
            match (&signing.algorithm, &signing.key) {
                (Some(_), None) => {
                    return fail(
                        "signing",
                        "algorithm",
                        "`[signing] algorithm` is set but `key` is missing".into(),
                    )
                }
                (None, Some(_)) => {
                    return fail(
                        "signing",
                        "key",
                        "`[signing] key` is set but `algorithm` is missing (\"hmac-sha256\" or \"ed25519\")".into(),
                    )
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The base URL: `override_url` (`--base-url`) if given, else `[merchant] base_url`.
    pub fn base_url<'a>(&'a self, override_url: Option<&'a str>) -> Option<&'a str> {
        override_url.or(self.merchant.base_url.as_deref())
    }

    /// Every secret in the configuration, for [`super::Masker`]: API key, PSP key, webhook
    /// secret, signing key, both card numbers and the CVC.
    pub fn secrets(&self) -> Vec<&str> {
        let mut secrets = vec![
            self.merchant.api_key.as_str(),
            self.payment.card_number.as_str(),
            self.payment.decline_card_number.as_str(),
            self.payment.cvc.as_str(),
        ];
        secrets.extend(self.payment.psp_key.as_deref());
        secrets.extend(self.webhooks.as_ref().map(|w| w.secret.as_str()));
        secrets.extend(self.signing.as_ref().and_then(|s| s.key.as_deref()));
        secrets.extend(self.metrics.as_ref().map(|m| m.token.as_str()));
        secrets
    }
}

// Debug without secrets: configurations end up in error messages and logs.
impl fmt::Debug for MerchantConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantConfig")
            .field("merchant", &self.merchant)
            .field("fixtures", &self.fixtures)
            .field("payment", &self.payment)
            .field("webhooks", &self.webhooks)
            .field("signing", &self.signing)
            .field("metrics", &self.metrics)
            // `[storage]` may hold a database password.
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for MerchantSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantSection")
            .field("base_url", &self.base_url)
            .field("api_key", &super::mask::MASK)
            .finish()
    }
}

impl fmt::Debug for Payment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last4 = |n: &str| {
            let digits: Vec<char> = n.chars().filter(char::is_ascii_digit).collect();
            format!(
                "****{}",
                digits[digits.len().saturating_sub(4)..]
                    .iter()
                    .collect::<String>()
            )
        };
        f.debug_struct("Payment")
            .field("card_number", &last4(&self.card_number))
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("cvc", &super::mask::MASK)
            .field("decline_card_number", &last4(&self.decline_card_number))
            .field("allowance_max_amount", &self.allowance_max_amount)
            .field("psp_key", &self.psp_key.as_ref().map(|_| super::mask::MASK))
            .field("psp_base_url", &self.psp_base_url)
            .finish()
    }
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks")
            .field("secret", &super::mask::MASK)
            .field("listen", &self.listen)
            .finish()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("token", &super::mask::MASK)
            .finish()
    }
}

impl fmt::Debug for Signing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signing")
            .field("algorithm", &self.algorithm)
            .field("key", &self.key.as_ref().map(|_| super::mask::MASK))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"[merchant]
api_key = "sk_test_minimal_key"

[fixtures]
in_stock_item_id = "item_123"
out_of_stock_item_id = "item_456"

[fixtures.address]
name = "Ada Lovelace"
line_one = "1 Main St"
city = "San Francisco"
state = "CA"
country = "US"
postal_code = "94105"

[fixtures.buyer]
first_name = "Ada"
last_name = "Lovelace"
email = "ada@example.com"

[payment]
card_number = "4242424242424242"
exp_month = 12
exp_year = 2030
cvc = "123"
decline_card_number = "4000000000000002"
allowance_max_amount = 5000
"#;

    #[test]
    fn minimal_config_gets_defaults() {
        let config = MerchantConfig::parse(MINIMAL, "merchant.toml").unwrap();
        assert_eq!(config.fixtures.quantity, 1);
        assert_eq!(config.fixtures.currency, "usd");
        assert_eq!(config.merchant.base_url, None);
        assert!(config.webhooks.is_none() && config.signing.is_none());
        assert_eq!(config.base_url(Some("http://x")), Some("http://x"));
        assert_eq!(config.secrets().len(), 4);
        let debug = format!("{config:?}");
        assert!(!debug.contains("sk_test_minimal_key"), "{debug}");
        assert!(!debug.contains("4242424242424242"), "{debug}");
        assert!(debug.contains("****4242"), "{debug}");
    }

    #[test]
    fn webhook_listen_default() {
        let text = format!("{MINIMAL}\n[webhooks]\nsecret = \"whsec_x\"\n");
        let config = MerchantConfig::parse(&text, "m.toml").unwrap();
        assert_eq!(config.webhooks.unwrap().listen, DEFAULT_LISTEN);
    }

    #[test]
    fn validation_errors_name_file_and_line() {
        let text = MINIMAL.replace("exp_month = 12", "exp_month = 13");
        let line = line_number(&text, "exp_month");
        let err = MerchantConfig::parse(&text, "m.toml").unwrap_err();
        assert_eq!(err.line(), Some(line), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("m.toml:{line}:1: `exp_month`")),
            "{err}"
        );

        let text = format!("{MINIMAL}\n[signing]\nalgorithm = \"ed25519\"\n");
        let err = MerchantConfig::parse(&text, "m.toml").unwrap_err();
        assert!(err.to_string().contains("`key` is missing"), "{err}");
        assert_eq!(err.line(), Some(line_number(&text, "algorithm")), "{err}");

        let text = format!("{MINIMAL}\n[signing]\nalgorithm = \"rsa\"\nkey = \"k\"\n");
        let err = MerchantConfig::parse(&text, "m.toml").unwrap_err();
        assert_eq!(err.line(), Some(line_number(&text, "algorithm")), "{err}");
        assert!(err.to_string().contains("hmac-sha256"), "{err}");
    }

    fn line_number(text: &str, key: &str) -> usize {
        text.lines().position(|l| l.starts_with(key)).unwrap() + 1
    }

    #[test]
    fn errors_do_not_echo_secret_lines() {
        let text = MINIMAL.replace("cvc = \"123\"", "cvc = 123");
        let err = MerchantConfig::parse(&text, "m.toml")
            .unwrap_err()
            .to_string();
        let line = line_number(&text, "cvc");
        assert!(err.starts_with(&format!("m.toml:{line}:7: ")), "{err}");
        assert!(!err.contains("cvc = 123"), "{err}");
    }
}
