//! Parsing JSON into generated types: serde for structure, [`Validate`] for constraints, and one
//! error type that says where (JSONPath, and line/column when parsing text) and what.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::union::split_nested_path;
use crate::validate::{JsonPath, PathSegment, Validate, ValidationError};

/// Why a JSON document is not a valid instance of a generated type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// The text is not JSON.
    Syntax {
        /// What the JSON parser said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The JSON does not have the type's shape (missing field, wrong type, unknown field, ...).
    Shape {
        /// Where.
        path: JsonPath,
        /// What.
        message: String,
        /// 1-based line and column when parsing text.
        position: Option<(usize, usize)>,
    },
    /// The shape is right but values break the spec's constraints.
    Constraints(Vec<ValidationError>),
}

impl ParseError {
    /// The JSONPath of the (first) offending value; `$` for syntax errors.
    pub fn path(&self) -> JsonPath {
        match self {
            ParseError::Syntax { .. } => JsonPath::default(),
            ParseError::Shape { path, .. } => path.clone(),
            ParseError::Constraints(errors) => {
                errors.first().map(|e| e.path.clone()).unwrap_or_default()
            }
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Syntax {
                message,
                line,
                column,
            } => {
                write!(f, "invalid JSON at line {line} column {column}: {message}")
            }
            ParseError::Shape {
                path,
                message,
                position,
            } => {
                write!(f, "{path}: {message}")?;
                if let Some((line, column)) = position {
                    write!(f, " (line {line} column {column})")?;
                }
                Ok(())
            }
            ParseError::Constraints(errors) => {
                for (i, error) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{error}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses and validates JSON text (into an owned type, or a borrowed view that points into
/// `bytes`).
pub fn from_slice<'a, T: Deserialize<'a> + Validate>(bytes: &'a [u8]) -> Result<T, ParseError> {
    // Path tracking costs about a third of the parse, so only a failed parse pays for it: the
    // input is parsed again to say where the problem is.
    // One pass over the text proves it UTF-8, which spares serde_json checking each string (on
    // UTF-8 text `from_str` and `from_slice` decide alike); other text goes to `from_slice`, which
    // says where the bad bytes are.
    let fast = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<T>(text),
        Err(_) => serde_json::from_slice::<T>(bytes),
    };
    match fast {
        Ok(value) => check(value),
        Err(fast) => Err(locate_error::<T>(bytes).unwrap_or_else(|| plain_error(&fast))),
    }
}

fn locate_error<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<ParseError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(error) => Some(shape_error(error, Some(bytes))),
        Ok(_) => deserializer.end().err().map(|e| plain_error(&e)),
    }
}

fn plain_error(error: &serde_json::Error) -> ParseError {
    if error.is_syntax() || error.is_eof() {
        ParseError::Syntax {
            message: strip_position(&error.to_string()),
            line: error.line(),
            column: error.column(),
        }
    } else {
        ParseError::Shape {
            path: JsonPath::default(),
            message: strip_position(&error.to_string()),
            position: Some((error.line(), error.column())),
        }
    }
}

/// Parses and validates JSON text (into an owned type, or a borrowed view that points into
/// `text`).
pub fn from_str<'a, T: Deserialize<'a> + Validate>(text: &'a str) -> Result<T, ParseError> {
    from_slice(text.as_bytes())
}

/// Converts and validates an already parsed JSON value.
pub fn from_value<T: DeserializeOwned + Validate>(
    value: serde_json::Value,
) -> Result<T, ParseError> {
    let value = serde_path_to_error::deserialize(value).map_err(|e| shape_error(e, None))?;
    check(value)
}

/// Parses `value` as `T`, runs `T`'s own checks and `extra` (the constraints of the place the
/// value is used at), and serializes it back: the round trip the example tests rely on.
pub fn roundtrip<T, F>(value: serde_json::Value, extra: F) -> Result<serde_json::Value, ParseError>
where
    T: DeserializeOwned + serde::Serialize + Validate,
    F: FnOnce(&T, &mut crate::Validator),
{
    let parsed: T = from_value(value)?;
    let mut validator = crate::Validator::new();
    extra(&parsed, &mut validator);
    let errors = validator.into_errors();
    if !errors.is_empty() {
        return Err(ParseError::Constraints(errors));
    }
    serde_json::to_value(&parsed).map_err(|e| ParseError::Shape {
        path: JsonPath::default(),
        message: format!("cannot serialize: {e}"),
        position: None,
    })
}

/// Parses JSON text as the borrowed view `V`, validates it and serializes it back, after checking
/// that converting it into its owned type `T` serializes the same: the tests' check that a view
/// reads exactly what its owned type reads.
pub fn roundtrip_view<'a, V, T>(text: &'a str) -> Result<serde_json::Value, ParseError>
where
    V: Deserialize<'a> + serde::Serialize + Validate + Into<T>,
    T: serde::Serialize,
{
    let shape = |message: String| ParseError::Shape {
        path: JsonPath::default(),
        message,
        position: None,
    };
    let view: V = from_str(text)?;
    let json = serde_json::to_value(&view).map_err(|e| shape(format!("cannot serialize: {e}")))?;
    let owned =
        serde_json::to_value(view.into()).map_err(|e| shape(format!("cannot serialize: {e}")))?;
    if owned != json {
        return Err(shape(format!(
            "the view converted to its owned type serializes as {owned}, the view as {json}"
        )));
    }
    Ok(json)
}

fn check<T: Validate>(value: T) -> Result<T, ParseError> {
    let errors = value.validation_errors();
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ParseError::Constraints(errors))
    }
}

/// `text` is the JSON text when the error comes from parsing one.
fn shape_error(
    error: serde_path_to_error::Error<serde_json::Error>,
    text: Option<&[u8]>,
) -> ParseError {
    let from_text = text.is_some();
    let mut path = convert_path(error.path());
    let inner = error.into_inner();
    let mut message = strip_position(&inner.to_string());
    if inner.is_syntax() || inner.is_eof() {
        // serde_json reports a number or object where an enum's string belongs as a syntax
        // error ("expected value"); when the value is JSON, it is a type error at `path`.
        // (Other syntax errors of JSON text, a nesting or number limit, stay syntax errors.
        // Skipping strings does not check their UTF-8: `from_str` does.)
        let misplaced_type = inner.is_syntax()
            && message.starts_with("expected value")
            && text.is_none_or(|t| {
                std::str::from_utf8(t).is_ok_and(|t| serde_json::from_str::<IgnoredAny>(t).is_ok())
            });
        if misplaced_type {
            message = "invalid type: expected a string of the allowed values".to_string();
        } else if from_text || inner.is_eof() {
            return ParseError::Syntax {
                message,
                line: inner.line(),
                column: inner.column(),
            };
        }
    }
    if let Some(out_of_range) = integer_out_of_range(&message, text, inner.line(), inner.column()) {
        message = out_of_range;
    }
    let (nested, message) = split_nested_path(&message);
    path.0.extend(nested);
    // serde reports a repeated member at its object; point at the member itself.
    if let Some(name) = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split('`').next())
    {
        path.0.push(PathSegment::Key(name.to_string()));
    }
    let position = (from_text && inner.line() > 0).then(|| (inner.line(), inner.column()));
    ParseError::Shape {
        path,
        message,
        position,
    }
}

/// serde's message for a number an integer type cannot hold (`invalid type: floating point
/// `1e+20`, expected i64`: serde_json reads an integer beyond 64 bits, or one written with an
/// exponent, as a float; `invalid value: integer `12345678901234567890`, expected i64`), said as
/// what it is: "number 1e20 is out of range for an integer (i64)". The number is quoted as the
/// JSON text wrote it when there is text. A float the type could hold (1.5, 1e2) is left to
/// serde's message.
fn integer_out_of_range(
    message: &str,
    text: Option<&[u8]>,
    line: usize,
    column: usize,
) -> Option<String> {
    let (got, expected) = message.rsplit_once(", expected ")?;
    let (signed, bits): (bool, i32) = match expected {
        "i8" => (true, 8),
        "i16" => (true, 16),
        "i32" => (true, 32),
        "i64" | "isize" => (true, 64),
        "i128" => (true, 128),
        "u8" => (false, 8),
        "u16" => (false, 16),
        "u32" => (false, 32),
        "u64" | "usize" => (false, 64),
        "u128" => (false, 128),
        _ => return None,
    };
    // The range the type holds, as floats (exact: powers of two).
    let max_exclusive = 2f64.powi(bits - i32::from(signed));
    let min = if signed { -max_exclusive } else { 0.0 };
    let unquote = |rest: &str| Some(rest.strip_prefix('`')?.strip_suffix('`')?.to_string());
    let (value, rendered) = if let Some(rest) = got.strip_prefix("invalid type: floating point ") {
        let value: f64 = unquote(rest)?.parse().ok()?;
        if value.is_finite() && value >= min && value < max_exclusive {
            return None;
        }
        // As serde_json writes it (serde's own `1e+20` style aside).
        let rendered = serde_json::Number::from_f64(value)?.to_string();
        (value, rendered)
    } else if let Some(rest) = got.strip_prefix("invalid value: integer ") {
        let rendered = unquote(rest)?;
        (rendered.parse().ok()?, rendered)
    } else {
        return None;
    };
    let number = text
        .and_then(|text| number_before(text, line, column))
        .filter(|literal| literal.parse::<f64>().ok() == Some(value))
        .unwrap_or(rendered);
    Some(format!(
        "number {number} is out of range for an integer ({expected})"
    ))
}

/// The JSON number that ends at 1-based `line` and `column` of `text`: where serde_json reports
/// a number of the wrong type.
fn number_before(text: &[u8], line: usize, column: usize) -> Option<String> {
    let start_of_line = if line <= 1 {
        0
    } else {
        let mut newlines = memchr::memchr_iter(b'\n', text);
        newlines.nth(line - 2)? + 1
    };
    let end = start_of_line.checked_add(column)?;
    let before = text.get(start_of_line..end)?;
    let length = before
        .iter()
        .rev()
        .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .count();
    let literal = std::str::from_utf8(&before[before.len() - length..]).ok()?;
    (!literal.is_empty()).then(|| literal.to_string())
}

fn convert_path(path: &serde_path_to_error::Path) -> JsonPath {
    use serde_path_to_error::Segment;
    JsonPath(
        path.iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(PathSegment::Index(*index)),
                Segment::Map { key } => Some(PathSegment::Key(key.clone())),
                // Enum variants and unknown steps are not JSON locations.
                Segment::Enum { .. } | Segment::Unknown => None,
            })
            .collect(),
    )
}

/// serde_json appends " at line L column C"; we report the position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_string(),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Item {
        #[allow(dead_code)]
        id: String,
    }

    impl Validate for Item {
        fn validate(&self, _: &mut crate::Validator) {}
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Funding {
        Credit,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Card {
        #[allow(dead_code)]
        cards: Vec<Funding>,
    }

    impl Validate for Card {
        fn validate(&self, _: &mut crate::Validator) {}
    }

    /// serde_json calls any non-string where an enum belongs a syntax error; in JSON text it is
    /// a type error at the member, and text that is not JSON stays a syntax error.
    #[test]
    fn a_wrong_json_type_for_an_enum_is_a_shape_error_at_the_member() {
        for wrong in ["12345", "true", "{}", "[]", "1.5"] {
            let text = format!(r#"{{"cards": ["credit", {wrong}]}}"#);
            match from_slice::<Card>(text.as_bytes()).unwrap_err() {
                ParseError::Shape { path, message, .. } => {
                    assert_eq!(path.to_string(), "$.cards[1]", "{wrong}");
                    assert!(message.starts_with("invalid type"), "{wrong}: {message}");
                }
                other => panic!("{wrong}: {other:?}"),
            }
        }
        let broken = br#"{"cards": ["credit", x]}"#;
        assert!(matches!(
            from_slice::<Card>(broken).unwrap_err(),
            ParseError::Syntax { .. }
        ));
    }

    #[test]
    fn text_that_is_not_utf8_is_located_as_serde_json_locates_it() {
        let bytes = b"{\"id\": \"a\xffb\"}";
        let expected = serde_json::from_slice::<serde_json::Value>(bytes).unwrap_err();
        match from_slice::<Item>(bytes).unwrap_err() {
            ParseError::Syntax {
                message,
                line,
                column,
            } => {
                assert_eq!(
                    (message.as_str(), line, column),
                    (
                        strip_position(&expected.to_string()).as_str(),
                        expected.line(),
                        expected.column()
                    )
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(from_slice::<Item>(b"{\"id\": \"a\\u00e9\"}").is_ok());
        match from_slice::<Item>(b"{\"id\": 1}").unwrap_err() {
            ParseError::Shape {
                path,
                message,
                position,
            } => {
                assert_eq!(path.to_string(), "$.id");
                assert!(
                    message.starts_with("invalid type: integer `1`"),
                    "{message}"
                );
                assert_eq!(position, Some((1, 8)));
            }
            other => panic!("{other:?}"),
        }
    }
}
