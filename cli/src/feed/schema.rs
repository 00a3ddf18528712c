//! The schema route of `feed validate`: a version whose feed spec matches no compiled models is
//! validated against the `Product` and `FeedMetadata` definitions of its own feed JSON Schema
//! (the `jsonschema` crate, formats checked), through the same `acp_runtime::jsonl` engine.
//!
//! [`SchemaProduct`] and [`SchemaMetadata`] are `serde_json::Value`s whose [`Validate`] runs
//! the validators [`install`]ed for the process (the engine names the line type as a type, so
//! the compiled schema cannot travel with it). A failed `required`, `additionalProperties`,
//! `type`, `enum` or `const` keyword is worded as serde words the same mistake, so that
//! [`classify`] (`jsonl::describe_shape_error`) gives it the kind and message the typed route
//! gives it (`missing`, `unknown`, `type`, `value`); every other keyword is a `constraint`.
//! Repeated member names are refused while reading, as the generated models refuse them. Two
//! differences remain: constraint messages are the `jsonschema` crate's, and the ids of a line
//! are known whenever it is JSON (the typed route knows them only for a line that has the
//! `Product` shape).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use acp_runtime::jsonl::{self, Problem, ProblemKind};
use acp_runtime::{Document, Validate, Validator};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::FeedError;

/// The compiled `Product` and `FeedMetadata` schemas of one feed JSON Schema file.
pub struct FeedSchemas {
    /// The file they were compiled from (a second [`install`] must name the same).
    source: PathBuf,
    product: jsonschema::Validator,
    metadata: jsonschema::Validator,
}

static INSTALLED: OnceLock<FeedSchemas> = OnceLock::new();

/// Compiles the `$defs/Product` and `$defs/FeedMetadata` of the feed JSON Schema `text` (read
/// from `path`) and makes them the process's schema route. The route holds one schema per
/// process: installing another file's is an error.
pub fn install(path: &Path, text: &str) -> Result<(), FeedError> {
    if let Some(installed) = INSTALLED.get() {
        return if installed.source == path {
            Ok(())
        } else {
            Err(FeedError::SchemaAlreadyInstalled {
                installed: installed.source.clone(),
            })
        };
    }
    let document: Value =
        serde_json::from_str(text).map_err(|source| FeedError::SchemaNotJson {
            path: path.to_path_buf(),
            source,
        })?;
    let compile = |name: &'static str| -> Result<jsonschema::Validator, FeedError> {
        if document.pointer(&format!("/$defs/{name}")).is_none() {
            return Err(FeedError::SchemaMissingDef {
                path: path.to_path_buf(),
                name,
            });
        }
        // The whole document, so that its `$ref`s to other definitions resolve, entered at
        // the definition.
        let mut schema = document.clone();
        schema["$ref"] = Value::from(format!("#/$defs/{name}"));
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|source| FeedError::SchemaCompile {
                path: path.to_path_buf(),
                name,
                source,
            })
    };
    let schemas = FeedSchemas {
        source: path.to_path_buf(),
        product: compile("Product")?,
        metadata: compile("FeedMetadata")?,
    };
    // A racing install of the same file is as good as this one.
    let _ = INSTALLED.set(schemas);
    install(path, text)
}

fn installed() -> &'static FeedSchemas {
    INSTALLED
        .get()
        .expect("schema::install runs before a schema-route value is validated")
}

/// A product line, checked against the installed `Product` schema.
#[derive(Debug, Deserialize, Serialize)]
#[serde(transparent)]
pub struct SchemaProduct(pub UniqueValue);

/// A metadata document, checked against the installed `FeedMetadata` schema.
#[derive(Debug, Deserialize, Serialize)]
#[serde(transparent)]
pub struct SchemaMetadata(pub UniqueValue);

/// A JSON value read with repeated member names refused, as the generated models refuse them
/// (`serde_json::Value` keeps the last, and a JSON Schema never sees the others).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct UniqueValue(pub Value);

impl<'de> Deserialize<'de> for UniqueValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(UniqueValue)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        UniqueValue::deserialize(deserializer).map(|unique| unique.0)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                // serde's words for it, which `classify` turns into the typed route's problem.
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{name}`"
                )));
            }
            let UniqueValue(value) = map.next_value()?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

impl Validate for SchemaProduct {
    fn validate(&self, v: &mut Validator) {
        report(&installed().product, &self.0 .0, v);
    }
}

impl Validate for SchemaMetadata {
    fn validate(&self, v: &mut Validator) {
        report(&installed().metadata, &self.0 .0, v);
    }
}

impl Document for SchemaProduct {
    type Value<'a> = SchemaProduct;
}

/// Records each error of `schema` on `instance` at its place.
fn report(schema: &jsonschema::Validator, instance: &Value, v: &mut Validator) {
    for error in schema.iter_errors(instance) {
        let place: Vec<String> = error
            .instance_path()
            .iter()
            .map(|segment| segment.to_string())
            .collect();
        let message = match error.kind() {
            ValidationErrorKind::Required { property } => {
                format!("missing field `{}`", text_of(property))
            }
            // Reported at the member, as the typed route does: one error per member.
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                for member in unexpected {
                    let mut at = place.clone();
                    at.push(member.clone());
                    record(v, instance, &at, format!("unknown field `{member}`"));
                }
                continue;
            }
            ValidationErrorKind::Type { kind } => format!(
                "invalid type: {}, expected {}",
                serde_words(error.instance()),
                expected_type(kind)
            ),
            ValidationErrorKind::Enum { options } => format!(
                "unknown variant `{}`, expected one of {}",
                text_of(error.instance()),
                options
                    .as_array()
                    .map(|options| {
                        let options: Vec<String> = options
                            .iter()
                            .map(|o| format!("`{}`", text_of(o)))
                            .collect();
                        options.join(", ")
                    })
                    .unwrap_or_default()
            ),
            ValidationErrorKind::Constant { expected_value } => format!(
                "expected `{}`, got `{}`",
                text_of(expected_value),
                text_of(error.instance())
            ),
            _ => error.to_string(),
        };
        record(v, instance, &place, message);
    }
}

/// Records `message` at `place` (segments of a JSON pointer, unescaped), walking `instance` to
/// tell array indexes from member names.
fn record(v: &mut Validator, instance: &Value, place: &[String], message: String) {
    match place.split_first() {
        None => v.error(message),
        Some((first, rest)) => match (instance, first.parse::<usize>()) {
            (Value::Array(items), Ok(index)) => v.at_index(index, |v| {
                record(v, items.get(index).unwrap_or(&Value::Null), rest, message)
            }),
            _ => {
                let inner = instance.get(first.as_str()).unwrap_or(&Value::Null);
                v.at_key(first, |v| record(v, inner, rest, message))
            }
        },
    }
}

/// A string as its text, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A value as serde's "invalid type" messages name it (`string "1"`, `integer `5``, `map`).
fn serde_words(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("integer `{n}`"),
        Value::Number(n) => format!("floating point `{n}`"),
        Value::String(s) => format!("string {}", Value::from(s.as_str())),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    }
}

/// The JSON type(s) a `type` keyword asked for, in words.
fn expected_type(kind: &TypeKind) -> String {
    let words = |name: String| match name.as_str() {
        "integer" => "an integer".to_string(),
        "array" => "an array".to_string(),
        "object" => "an object".to_string(),
        "null" => "null".to_string(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(one) => words(one.to_string()),
        TypeKind::Multiple(many) => {
            let names: Vec<String> = many.iter().map(|t| words(t.to_string())).collect();
            names.join(" or ")
        }
    }
}

/// Gives a schema-route problem the kind the typed route gives the same mistake: problems the
/// [`Validate`] impls above word as serde does get serde's kind and plain message
/// ([`jsonl::describe_shape_error`]); the rest stay constraints.
pub fn classify(problem: &mut Problem) {
    if problem.kind != ProblemKind::Constraint {
        return;
    }
    let (kind, message) = jsonl::describe_shape_error(&problem.message);
    if kind != ProblemKind::Shape {
        problem.kind = kind;
        problem.message = message;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Both fail before anything is installed, so they leave the process's route free.
    #[test]
    fn a_schema_that_is_not_json_or_lacks_a_definition_is_refused_naming_the_file() {
        let path = Path::new("spec/x/json-schema/schema.feed.json");
        let error = install(path, "{").unwrap_err();
        assert!(
            matches!(&error, FeedError::SchemaNotJson { path: p, .. } if p == path),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("spec/x/json-schema/schema.feed.json: not JSON: "),
            "{error}"
        );

        let error = install(path, r#"{"$defs": {"Product": {}}}"#).unwrap_err();
        assert!(
            matches!(
                error,
                FeedError::SchemaMissingDef {
                    name: "FeedMetadata",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "spec/x/json-schema/schema.feed.json has no $defs/FeedMetadata"
        );
    }
}
