use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// An RFC 3339 date-time that keeps the exact text it was parsed from.
///
/// Round-tripping through a calendar type rewrites `2025-10-09T07:20:50.52Z` as
/// `...50.520Z`, which breaks signatures and idempotency fingerprints computed over the body.
/// The text is validated on construction and never reformatted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(String);

impl DateTime {
    /// Validates `text` as an RFC 3339 date-time and keeps it verbatim.
    pub fn parse(text: impl Into<String>) -> Result<Self, InvalidDateTime> {
        let text = text.into();
        match chrono::DateTime::parse_from_rfc3339(&text) {
            Ok(_) => Ok(DateTime(text)),
            Err(reason) => Err(InvalidDateTime {
                text,
                reason: reason.to_string(),
            }),
        }
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant, for arithmetic and comparisons in time order.
    pub fn to_chrono(&self) -> chrono::DateTime<chrono::FixedOffset> {
        // Validated in `parse`, the only constructor.
        chrono::DateTime::parse_from_rfc3339(&self.0).expect("validated on construction")
    }
}

/// A string that is not an RFC 3339 date-time.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 date-time ({reason})")]
pub struct InvalidDateTime {
    text: String,
    reason: String,
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for DateTime {
    type Err = InvalidDateTime;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse(s)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse(text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_original_text() {
        for text in [
            "2025-10-09T07:20:50.52Z",
            "2026-01-01T00:00:00+05:30",
            "2026-03-01T00:00:00.000000Z",
        ] {
            let parsed: DateTime = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(
                serde_json::to_value(&parsed).unwrap(),
                serde_json::json!(text)
            );
        }
    }

    #[test]
    fn rejects_non_rfc3339() {
        for text in [
            "2025-10-09",
            "yesterday",
            "2025-13-01T00:00:00Z",
            "2025-10-09 07:20:50",
        ] {
            assert!(DateTime::parse(text).is_err(), "{text} accepted");
        }
    }
}
