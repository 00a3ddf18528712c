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

    /// Keywords present but not used, with a reason for each.
    pub fn leftovers(&self) -> Vec<(String, String)> {
        self.object
            .iter()
            .filter(|(key, _)| !self.used.contains(key.as_str()))
            .map(|(key, value)| (key.clone(), explain_unused(key, value)))
            .collect()
    }
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
