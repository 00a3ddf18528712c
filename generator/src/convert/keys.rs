//! Keyword bookkeeping: every keyword of a schema object is either consumed by the converter or
//! reported, so nothing is dropped silently.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// Keywords that only document; they are read into [`crate::ir::Docs`] or examples.
pub const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
    "default",
    "example",
    "examples",
    "externalDocs",
    "$schema",
    "$id",
    "$defs",
    "definitions",
];

/// Validation and structure keywords the converter reads.
pub const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "allOf",
    "oneOf",
    "anyOf",
    "if",
    "then",
    "else",
    "nullable",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "discriminator",
];

/// JSON Schema keywords the generated code does not enforce.
const KNOWN_UNSUPPORTED: &[&str] = &[
    "not",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "patternProperties",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
];

/// The keywords of one schema object, marking which were used.
pub struct Keys<'a> {
    object: &'a Map<String, Value>,
    used: HashSet<&'a str>,
}

impl<'a> Keys<'a> {
    /// Starts with nothing used.
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Keys {
            object,
            used: HashSet::new(),
        }
    }

    /// Reads a keyword and marks it used.
    pub fn take(&mut self, key: &str) -> Option<&'a Value> {
        let (key, value) = self.object.get_key_value(key)?;
        self.used.insert(key.as_str());
        Some(value)
    }

    /// Whether the keyword is there (without using it).
    pub fn has(&self, key: &str) -> bool {
        self.object.contains_key(key)
    }

    /// Marks every annotation keyword used.
    pub fn take_annotations(&mut self) {
        for key in ANNOTATIONS {
            self.take(key);
        }
    }

    /// Keywords present but not used (`Leftover::misused` false), and keywords used whose value
    /// has a JSON type the converter cannot read (`properties: []`, `required: "x"`: misused),
    /// with a reason for each.
    pub fn leftovers(&self) -> Vec<Leftover> {
        self.object
            .iter()
            .filter_map(|(key, value)| {
                if !self.used.contains(key.as_str()) {
                    Some(Leftover {
                        key: key.clone(),
                        reason: explain_unused(key, value),
                        misused: false,
                    })
                } else {
                    misused(key, value).map(|reason| Leftover {
                        key: key.clone(),
                        reason,
                        misused: true,
                    })
                }
            })
            .collect()
    }
}

/// A keyword the converter did not use, or could not read.
pub struct Leftover {
    /// The keyword.
    pub key: String,
    /// Why it had no effect.
    pub reason: String,
    /// The keyword is known but its value has the wrong JSON type: the input is broken.
    pub misused: bool,
}

/// JSON types a keyword's value may have.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Object,
    Array,
    String,
    Bool,
    Number,
    Count,
}

/// Keywords whose value the converter reads only when it has one of these types, and which it
/// does not report itself otherwise (`type`, `enum`, `allOf`, `items`, ... are reported where
/// they are read). In OpenAPI objects `required` is a boolean, in schemas an array.
const VALUE_KINDS: &[(&str, &[Kind])] = &[
    ("$ref", &[Kind::String]),
    ("properties", &[Kind::Object]),
    ("required", &[Kind::Array, Kind::Bool]),
    ("$defs", &[Kind::Object]),
    ("definitions", &[Kind::Object]),
    ("title", &[Kind::String]),
    ("description", &[Kind::String]),
    ("deprecated", &[Kind::Bool]),
    ("readOnly", &[Kind::Bool]),
    ("writeOnly", &[Kind::Bool]),
    ("format", &[Kind::String]),
    ("pattern", &[Kind::String]),
    ("minLength", &[Kind::Count]),
    ("maxLength", &[Kind::Count]),
    ("minItems", &[Kind::Count]),
    ("maxItems", &[Kind::Count]),
    ("minProperties", &[Kind::Count]),
    ("maxProperties", &[Kind::Count]),
    ("minimum", &[Kind::Number]),
    ("maximum", &[Kind::Number]),
    ("exclusiveMinimum", &[Kind::Number, Kind::Bool]),
    ("exclusiveMaximum", &[Kind::Number, Kind::Bool]),
    ("multipleOf", &[Kind::Number]),
    ("uniqueItems", &[Kind::Bool]),
    ("discriminator", &[Kind::Object]),
    ("openapi", &[Kind::String]),
    ("operationId", &[Kind::String]),
    ("name", &[Kind::String]),
    ("paths", &[Kind::Object]),
    ("components", &[Kind::Object]),
    ("content", &[Kind::Object]),
    ("headers", &[Kind::Object]),
    ("security", &[Kind::Array]),
    ("requestBody", &[Kind::Object]),
    ("get", &[Kind::Object]),
    ("put", &[Kind::Object]),
    ("post", &[Kind::Object]),
    ("delete", &[Kind::Object]),
    ("options", &[Kind::Object]),
    ("head", &[Kind::Object]),
    ("patch", &[Kind::Object]),
    ("trace", &[Kind::Object]),
];

/// Why a used keyword's value is ignored, if it is of a type the converter cannot read.
fn misused(key: &str, value: &Value) -> Option<String> {
    let (_, kinds) = VALUE_KINDS.iter().find(|(k, _)| *k == key)?;
    let fits = |kind: &Kind| match kind {
        Kind::Object => value.is_object(),
        Kind::Array => value.is_array(),
        Kind::String => value.is_string(),
        Kind::Bool => value.is_boolean(),
        Kind::Number => value.is_number(),
        Kind::Count => value.is_u64(),
    };
    if kinds.iter().any(fits) {
        return None;
    }
    let wanted: Vec<&str> = kinds
        .iter()
        .map(|kind| match kind {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::Count => "a non-negative integer",
        })
        .collect();
    let found = kind_of(value);
    Some(format!(
        "`{key}` must be {}, found {found}; it is ignored",
        wanted.join(" or ")
    ))
}

fn explain_unused(key: &str, value: &Value) -> String {
    if KNOWN_UNSUPPORTED.contains(&key) {
        format!("`{key}` is not enforced by the generated types")
    } else if key.starts_with("x-") {
        format!("extension `{key}` has no effect on generated code")
    } else if value.get("type").is_some() || value.get("$ref").is_some() {
        format!(
            "`{key}` is not a keyword here; it looks like a property schema placed beside `properties` instead of inside it, so it is ignored"
        )
    } else {
        format!("unknown keyword `{key}` is ignored")
    }
}

/// The JSON type of a value, in words for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
