//! Zero-copy reading: [`Str`], the string type of the generated borrowed views (`<spec>::borrowed`),
//! and [`Document`], which names "the type a line of input is read as" for owned types and views
//! alike.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::scan::{Scanned, Scanner};
use crate::Validate;

/// A JSON string that borrows from the input when it can (no escapes in it) and owns its text
/// otherwise. serde's `#[serde(borrow)]` only borrows a `Cow<str>` that is a field's whole type;
/// this one also borrows inside `Option` and `Vec`.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the text points into the input (no copy was made).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The text as an owned `String` (copied only if borrowed).
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl Deref for Str<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(text: &'a str) -> Self {
        Str(Cow::Borrowed(text))
    }
}

impl From<String> for Str<'_> {
    fn from(text: String) -> Self {
        Str(Cow::Owned(text))
    }
}

impl PartialEq<str> for Str<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Str<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Str<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(text)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(text)))
            }
        }

        deserializer.deserialize_str(StrVisitor)
    }
}

/// Names the type a document (such as one line of a JSON Lines file) is read as, for any
/// lifetime of the input: [`Owned<T>`] for an owned type, and a generated borrowed view names
/// itself (`jsonl::validate::<feed::borrowed::Product>`).
pub trait Document {
    /// The value read from input that lives for `'a`.
    type Value<'a>: Deserialize<'a> + Validate + Serialize;

    /// Checks one value's text without building it ([`crate::scan`]); the default always
    /// falls back to parsing it.
    fn scan(s: &mut Scanner<'_, '_>) -> Scanned {
        crate::scan::unsupported(s)
    }
}

/// [`Document`] for an owned type `T` (a generated model such as `feed::Product`).
pub struct Owned<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned + Validate + Serialize> Document for Owned<T> {
    type Value<'a> = T;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Holder<'a> {
        #[serde(borrow)]
        plain: Str<'a>,
        #[serde(borrow)]
        maybe: Option<Str<'a>>,
        #[serde(borrow)]
        list: Vec<Str<'a>>,
    }

    #[test]
    fn borrows_unless_the_text_has_escapes() {
        let text = r#"{"plain": "a", "maybe": "b\"c", "list": ["d", "e\u00e9"]}"#;
        let holder: Holder = serde_json::from_str(text).unwrap();
        assert_eq!(holder.plain, "a");
        assert!(holder.plain.is_borrowed());
        let maybe = holder.maybe.unwrap();
        assert_eq!(maybe, "b\"c");
        assert!(!maybe.is_borrowed());
        assert_eq!(holder.list, ["d", "e\u{e9}"]);
        assert!(holder.list[0].is_borrowed() && !holder.list[1].is_borrowed());
        // From a reader nothing can be borrowed; the text is the same.
        let mut reader = serde_json::Deserializer::from_reader(text.as_bytes());
        let owned = Holder::deserialize(&mut reader).unwrap();
        assert!(!owned.plain.is_borrowed());
        assert_eq!(owned.plain, "a");
        assert_eq!(
            serde_json::to_string(&owned.list[1]).unwrap(),
            "\"e\u{e9}\""
        );
    }

    #[test]
    fn only_strings() {
        let error = serde_json::from_str::<Str>("1").unwrap_err().to_string();
        assert!(error.contains("expected a string"), "{error}");
    }
}
