//! serde's derived `Deserialize` for a struct also accepts a JSON array of the members in
//! declaration order; JSON Schema objects are objects only. Generated structs route their
//! derived code through [`ObjectOnly`], which asks the format for a map instead of a struct.

use serde::de::{Deserializer, Visitor};

/// A deserializer that reads structs as maps (so `[...]` is an error) and forwards the rest.
pub struct ObjectOnly<D>(pub D);

macro_rules! forward {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.0.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Implements `Serialize`/`Deserialize` for a struct whose derives carry
/// `#[serde(remote = "Self")]`, so that it deserializes from JSON objects only. A struct with a
/// lifetime (a borrowed view) is written `object_only!(Name, 'a)`.
#[macro_export]
macro_rules! object_only {
    ($name:ident, $lt:lifetime) => {
        impl<$lt> $crate::__private::serde::Serialize for $name<$lt> {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                $name::serialize(self, serializer)
            }
        }

        impl<'de: $lt, $lt> $crate::__private::serde::Deserialize<'de> for $name<$lt> {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $name::deserialize($crate::ObjectOnly(deserializer))
            }
        }
    };
    ($name:ident) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                $name::serialize(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $name::deserialize($crate::ObjectOnly(deserializer))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self")]
    #[serde(deny_unknown_fields)]
    struct Point {
        x: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        y: Option<i64>,
    }
    crate::object_only!(Point);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        points: Vec<Point>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self")]
    #[serde(deny_unknown_fields)]
    struct Label<'a> {
        #[serde(borrow)]
        text: crate::Str<'a>,
    }
    crate::object_only!(Label, 'a);

    #[test]
    fn borrowed_views_are_objects_only_too() {
        let label: Label = serde_json::from_str(r#"{"text":"x"}"#).unwrap();
        assert!(label.text.is_borrowed());
        assert_eq!(serde_json::to_string(&label).unwrap(), r#"{"text":"x"}"#);
        assert!(serde_json::from_str::<Label>(r#"["x"]"#).is_err());
    }

    #[test]
    fn objects_only() {
        let ok: Holder = serde_json::from_str(r#"{"points":[{"x":1},{"x":2,"y":3}]}"#).unwrap();
        assert_eq!(ok.points[1], Point { x: 2, y: Some(3) });
        assert_eq!(serde_json::to_string(&ok.points[0]).unwrap(), r#"{"x":1}"#);
        assert!(serde_json::from_str::<Point>("[1, 2]").is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"points":[[1]]}"#).is_err());
        assert!(serde_json::from_value::<Point>(serde_json::json!([1])).is_err());
        assert!(serde_json::from_str::<Point>(r#"{"x":1,"z":0}"#).is_err());
    }
}
