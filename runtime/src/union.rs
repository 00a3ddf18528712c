//! Deserialization of `const`-tagged unions: the tag is read first and picks the variant, so a
//! bad variant body is reported against that variant instead of "no variant matched".
//!
//! The body is buffered as a `serde_json::Value` (ACP is JSON-only). Errors inside the variant
//! carry their relative path in the message, and [`crate::from_slice`] stitches it onto the
//! outer path so the final JSONPath points at the offending value.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use crate::validate::PathSegment;

/// Marks the start and end of a nested path carried inside an error message.
const PATH_MARK: char = '\u{1f}';

/// Reads a JSON object and its string tag member.
pub fn take_tagged<'de, D: Deserializer<'de>>(
    deserializer: D,
    tag: &'static str,
) -> Result<(String, Value), D::Error> {
    let object = Map::<String, Value>::deserialize(deserializer)?;
    let value = match object.get(tag) {
        Some(Value::String(value)) => value.clone(),
        Some(other) => {
            return Err(nested_error(
                &[PathSegment::Key(tag.to_string())],
                &format!("the tag must be a string, got {other}"),
            ))
        }
        None => return Err(de::Error::custom(format!("missing field `{tag}`"))),
    };
    Ok((value, Value::Object(object)))
}

/// Deserializes the buffered body as the variant the tag picked.
pub fn variant<T: DeserializeOwned, E: de::Error>(body: Value) -> Result<T, E> {
    // Fast path without path tracking; a failure is replayed with it to say where.
    if let Ok(value) = T::deserialize(&body) {
        return Ok(value);
    }
    serde_path_to_error::deserialize(&body).map_err(|error| {
        let mut path: Vec<PathSegment> = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(PathSegment::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(PathSegment::Key(key.clone())),
                _ => None,
            })
            .collect();
        let (nested, message) = split_nested_path(&error.into_inner().to_string());
        path.extend(nested);
        nested_error(&path, &message)
    })
}

/// The error for a tag value no variant has.
pub fn unknown_tag<E: de::Error>(tag: &str, value: &str, expected: &[&str]) -> E {
    nested_error(
        &[PathSegment::Key(tag.to_string())],
        &format!(
            "unknown variant `{value}`, expected one of {}",
            quoted_list(expected)
        ),
    )
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn nested_error<E: de::Error>(path: &[PathSegment], message: &str) -> E {
    if path.is_empty() {
        return E::custom(message);
    }
    let encoded: Vec<Value> = path
        .iter()
        .map(|segment| match segment {
            PathSegment::Key(key) => Value::String(key.clone()),
            PathSegment::Index(index) => Value::from(*index),
        })
        .collect();
    E::custom(format!(
        "{PATH_MARK}{}{PATH_MARK}{message}",
        Value::Array(encoded)
    ))
}

/// Splits a message produced by [`nested_error`] into its relative path and text.
pub(crate) fn split_nested_path(message: &str) -> (Vec<PathSegment>, String) {
    let Some(rest) = message.strip_prefix(PATH_MARK) else {
        return (Vec::new(), message.to_string());
    };
    let Some((encoded, text)) = rest.split_once(PATH_MARK) else {
        return (Vec::new(), message.to_string());
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(encoded) else {
        return (Vec::new(), message.to_string());
    };
    let path = items
        .into_iter()
        .filter_map(|item| match item {
            Value::String(key) => Some(PathSegment::Key(key)),
            Value::Number(n) => n.as_u64().map(|i| PathSegment::Index(i as usize)),
            _ => None,
        })
        .collect();
    (path, text.to_string())
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use crate::{from_str, Validate, Validator};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Fee {
        r#type: String,
        amount: i64,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Note {
        r#type: String,
        text: String,
    }

    #[derive(Debug, Serialize, PartialEq)]
    #[serde(untagged)]
    enum Entry {
        Fee(Fee),
        Note(Note),
    }

    impl<'de> Deserialize<'de> for Entry {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (tag, body) = super::take_tagged(deserializer, "type")?;
            match tag.as_str() {
                "fee" => super::variant(body).map(Entry::Fee),
                "note" => super::variant(body).map(Entry::Note),
                other => Err(super::unknown_tag("type", other, &["fee", "note"])),
            }
        }
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Ledger {
        entries: Vec<Entry>,
    }

    impl Validate for Ledger {
        fn validate(&self, _: &mut Validator) {}
    }

    #[test]
    fn the_tag_picks_the_variant_and_errors_point_inside_it() {
        let ok: Ledger =
            from_str(r#"{"entries":[{"type":"note","text":"hi"},{"type":"fee","amount":5}]}"#)
                .unwrap();
        assert_eq!(
            ok.entries[1],
            Entry::Fee(Fee {
                r#type: "fee".into(),
                amount: 5
            })
        );
        let cases = [
            (
                r#"{"entries":[{"type":"note","text":"hi"},{"type":"fee","amount":"5"}]}"#,
                "$.entries[1].amount",
            ),
            (
                r#"{"entries":[{"type":"fee","amount":1,"extra":true}]}"#,
                "$.entries[0].extra",
            ),
            (r#"{"entries":[{"type":"refund"}]}"#, "$.entries[0].type"),
            (r#"{"entries":[{"type":7}]}"#, "$.entries[0].type"),
            (r#"{"entries":[{"amount":1}]}"#, "$.entries[0]"),
        ];
        for (text, path) in cases {
            let error = from_str::<Ledger>(text).unwrap_err();
            assert_eq!(error.path().to_string(), path, "{text}: {error}");
        }
        let error = from_str::<Ledger>(r#"{"entries":[{"type":"refund"}]}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown variant `refund`, expected one of `fee`, `note`"),
            "{error}"
        );
    }
}
