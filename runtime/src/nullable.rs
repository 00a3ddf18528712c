use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional field that may also be explicitly `null`.
///
/// ACP update requests use `null` to clear a field and leave absent fields untouched, so the two
/// must stay distinct. Use with `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// The key was not present.
    #[default]
    Absent,
    /// The key was present with the value `null`.
    Null,
    /// The key was present with a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// True when the key was not present (used to skip it when serializing).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// True when the key was present with `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one.
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Converts the value, keeping absent and `null` as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(f(v)),
        }
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Nullable::Null, Nullable::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(v) => serializer.serialize_some(v),
            // `Absent` is skipped by the field attribute; if it is serialized anyway (e.g. in a
            // sequence) `null` is the only faithful JSON spelling.
            Nullable::Null | Nullable::Absent => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called when the key is present: absence comes from `#[serde(default)]`.
        Option::<T>::deserialize(deserializer).map(Nullable::from)
    }
}

/// Deserializes a field that is required but may be `null`: `Option<T>` alone would accept a
/// missing key, and the spec says the key must be there.
#[doc(hidden)]
pub fn required_nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        note: Nullable<String>,
    }

    #[test]
    fn absent_null_and_value_stay_distinct() {
        let cases = [
            ("{}", Nullable::Absent),
            (r#"{"note":null}"#, Nullable::Null),
            (r#"{"note":"x"}"#, Nullable::Value("x".to_string())),
        ];
        for (text, expected) in cases {
            let parsed: Patch = serde_json::from_str(text).unwrap();
            assert_eq!(parsed.note, expected, "{text}");
            assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
        }
        assert_eq!(
            Nullable::<String>::Absent.map(|s| s.len()),
            Nullable::Absent
        );
        assert_eq!(Nullable::<String>::Null.map(|s| s.len()), Nullable::Null);
        assert_eq!(
            Nullable::Value("abc".to_string()).map(|s| s.len()),
            Nullable::Value(3)
        );
    }
}
