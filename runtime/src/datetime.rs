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
        // chrono alone is not enough: it also takes a space for the `T`, and U+2212 for the
        // offset's `-`, and a leap second at any minute.
        let checked = date_time_problem(&text).map_or_else(
            || {
                chrono::DateTime::parse_from_rfc3339(&text)
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            |problem| Err(problem.to_string()),
        );
        match checked {
            Ok(()) => Ok(DateTime(text)),
            Err(reason) => Err(InvalidDateTime { text, reason }),
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

/// Why `text` is not an RFC 3339 `date-time` (section 5.6: `full-date "T" full-time`, `T` and `Z`
/// in either case, an offset of at most 23:59), as JSON Schema's `format: date-time` reads it;
/// `None` if it is one. A leap second (`:60`) must fall on the last minute of a UTC day
/// (section 5.7; which days had one is not checked, as the JSON Schema test suite and the
/// `jsonschema` crate do not).
fn date_time_problem(text: &str) -> Option<&'static str> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return Some("too short");
    }
    if !is_full_date_bytes(&bytes[..10]) {
        return Some("not a date YYYY-MM-DD");
    }
    if !matches!(bytes[10], b'T' | b't') {
        return Some("the date and the time must be separated by `T`");
    }
    let (Some(hour), Some(minute), Some(second)) = (
        two_digits(&bytes[11..13]),
        two_digits(&bytes[14..16]),
        two_digits(&bytes[17..19]),
    ) else {
        return Some("not a time hh:mm:ss");
    };
    if bytes[13] != b':' || bytes[16] != b':' {
        return Some("not a time hh:mm:ss");
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Some("time out of range");
    }
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Some("no digits after the decimal point");
        }
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (Some(hours), Some(minutes)) = (two_digits(&[*h1, *h2]), two_digits(&[*m1, *m2]))
            else {
                return Some("the offset must be `Z` or +hh:mm or -hh:mm");
            };
            if hours > 23 || minutes > 59 {
                return Some("offset out of range");
            }
            let minutes = i32::from(hours) * 60 + i32::from(minutes);
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return Some("the offset must be `Z` or +hh:mm or -hh:mm"),
    };
    if second == 60 {
        let utc = (i32::from(hour) * 60 + i32::from(minute) - offset_minutes).rem_euclid(24 * 60);
        if utc != 23 * 60 + 59 {
            return Some("a leap second must fall at 23:59:60 UTC");
        }
    }
    None
}

/// Whether `text` is an RFC 3339 `full-date` (YYYY-MM-DD, a day of the calendar): JSON Schema's
/// `format: date`.
pub(crate) fn is_full_date(text: &str) -> bool {
    is_full_date_bytes(text.as_bytes())
}

fn is_full_date_bytes(bytes: &[u8]) -> bool {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let (Some(century), Some(year), Some(month), Some(day)) = (
        two_digits(&bytes[0..2]),
        two_digits(&bytes[2..4]),
        two_digits(&bytes[5..7]),
        two_digits(&bytes[8..10]),
    ) else {
        return false;
    };
    let year = u32::from(century) * 100 + u32::from(year);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Two ASCII digits.
fn two_digits(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
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
            "2025-10-09 07:20:50Z",
            "2025-10-09T07:20:50\u{2212}05:00",
            "2025-10-09T07:20:50+24:00",
            "2025-10-09T07:20:60Z",
        ] {
            assert!(DateTime::parse(text).is_err(), "{text} accepted");
        }
    }
}
