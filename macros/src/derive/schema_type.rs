//! The JSON a schema type allows, and whether a Rust type (as classified by
//! [`super::rust_type`]) writes and reads it.

use acp_codegen::ir::{Api, Shape, TypeKind, TypeRef};
use serde_json::Value;

use super::rust_type::{Kind, RustType, Wrapper};

/// The JSON a schema type allows, with named types resolved.
enum Allowed<'a> {
    Any,
    Null,
    String,
    Integer,
    Number,
    Boolean,
    /// An object; the map's value type when it is a map.
    Object(Option<&'a TypeRef>),
    Array(&'a TypeRef),
    /// Any of these.
    OneOf(Vec<&'a TypeRef>),
}

fn allowed<'a>(api: &'a Api, ty: &'a TypeRef) -> Allowed<'a> {
    match &ty.shape {
        Shape::Any => Allowed::Any,
        Shape::Null => Allowed::Null,
        Shape::String | Shape::DateTime => Allowed::String,
        Shape::Integer => Allowed::Integer,
        Shape::Number => Allowed::Number,
        Shape::Boolean => Allowed::Boolean,
        Shape::Object => Allowed::Object(None),
        Shape::Map(value) => Allowed::Object(Some(value)),
        Shape::Array(item) => Allowed::Array(item),
        Shape::Named(id) => match &api.types[*id].kind {
            TypeKind::Struct(_) | TypeKind::TaggedUnion(_) => Allowed::Object(None),
            TypeKind::Enum(_) => Allowed::String,
            TypeKind::Const(value) => match value {
                Value::Null => Allowed::Null,
                Value::Bool(_) => Allowed::Boolean,
                Value::Number(n) if n.is_i64() || n.is_u64() => Allowed::Integer,
                Value::Number(_) => Allowed::Number,
                Value::String(_) => Allowed::String,
                Value::Array(_) => Allowed::Any,
                Value::Object(_) => Allowed::Object(None),
            },
            TypeKind::Untagged(variants) => Allowed::OneOf(variants.iter().collect()),
            TypeKind::Newtype(inner) => allowed(api, inner),
        },
    }
}

/// Whether `null` is a value of `ty`.
pub fn nullable(api: &Api, ty: &TypeRef) -> bool {
    ty.nullable
        || ty.shape == Shape::Null
        || match &ty.shape {
            Shape::Named(id) => {
                api.types[*id].nullable
                    || matches!(&api.types[*id].kind, TypeKind::Newtype(inner) if nullable(api, inner))
            }
            _ => false,
        }
}

/// "a string", "an array of objects (`LineItem`)", for messages.
pub fn describe(api: &Api, ty: &TypeRef) -> String {
    let base = match &ty.shape {
        Shape::Any => "any JSON".to_string(),
        Shape::Null => "null".to_string(),
        Shape::String => "a string".to_string(),
        Shape::DateTime => "a string (date-time)".to_string(),
        Shape::Integer => "an integer".to_string(),
        Shape::Number => "a number".to_string(),
        Shape::Boolean => "a boolean".to_string(),
        Shape::Object => "an object".to_string(),
        Shape::Map(value) => format!("an object (values: {})", describe(api, value)),
        Shape::Array(item) => format!("an array (items: {})", describe(api, item)),
        Shape::Named(id) => {
            let def = &api.types[*id];
            match &def.kind {
                TypeKind::Struct(_) => format!("an object `{}`", def.name),
                TypeKind::TaggedUnion(_) => format!("an object (the union `{}`)", def.name),
                TypeKind::Enum(values) => format!(
                    "a string of enum `{}` ({})",
                    def.name,
                    list(values.iter().map(|v| v.value.as_str()), 6)
                ),
                TypeKind::Const(value) => format!("the constant {value}"),
                TypeKind::Untagged(variants) => format!(
                    "one of {} (`{}`)",
                    variants
                        .iter()
                        .map(|v| describe(api, v))
                        .collect::<Vec<_>>()
                        .join(", "),
                    def.name
                ),
                TypeKind::Newtype(inner) => format!("{} (`{}`)", describe(api, inner), def.name),
            }
        }
    };
    if ty.nullable && ty.shape != Shape::Null {
        format!("{base} or null")
    } else {
        base
    }
}

/// `` `a`, `b`, `c` `` (at most `max`, then "...").
pub fn list<'a>(items: impl Iterator<Item = &'a str>, max: usize) -> String {
    let items: Vec<&str> = items.collect();
    let mut out: Vec<String> = items.iter().take(max).map(|i| format!("`{i}`")).collect();
    if items.len() > max {
        out.push(format!("... ({} in all)", items.len()));
    }
    out.join(", ")
}

/// A Rust type that does not write or read what the schema allows.
pub struct Mismatch {
    /// The offending (part of the) type.
    pub tokens: proc_macro2::TokenStream,
    /// Where in the property: "" (the value itself), "the items of ", "the values of ".
    pub place: String,
    /// What the schema allows.
    pub expected: String,
    /// The Rust type.
    pub found_text: String,
    /// What it writes.
    pub found: String,
}

/// Checks a Rust value type (its `Option`/`Nullable` wrapper already judged by the caller)
/// against a schema type.
pub fn check(api: &Api, rust: &RustType, schema: &TypeRef) -> Result<(), Box<Mismatch>> {
    check_at(api, rust, schema, String::new())
}

fn check_at(
    api: &Api,
    rust: &RustType,
    schema: &TypeRef,
    place: String,
) -> Result<(), Box<Mismatch>> {
    let mismatch = |place: String| Mismatch {
        tokens: rust.tokens.clone(),
        place,
        expected: describe(api, schema),
        found_text: rust.text.clone(),
        found: rust.kind.describe(),
    };
    let allowed = allowed(api, schema);
    let ok = match (&rust.kind, &allowed) {
        (Kind::Any, _) | (_, Allowed::Any) => true,
        (_, Allowed::OneOf(variants)) => variants
            .iter()
            .any(|v| check_at(api, rust, v, place.clone()).is_ok()),
        (Kind::String, Allowed::String)
        | (Kind::Integer, Allowed::Integer | Allowed::Number)
        | (Kind::Number, Allowed::Number)
        | (Kind::Boolean, Allowed::Boolean)
        | (Kind::Null, Allowed::Null)
        | (Kind::Opaque, Allowed::String | Allowed::Object(_)) => true,
        // `serde_json::Number` holds integers as they are.
        (Kind::Number, Allowed::Integer) => rust.text.ends_with("Number"),
        (Kind::Array(item), Allowed::Array(schema_item)) => {
            if let Some(item) = item {
                element(api, item, schema_item, format!("the items of {place}"))?;
            }
            true
        }
        (Kind::Map(value), Allowed::Object(schema_value)) => {
            if let (Some(value), Some(schema_value)) = (value, schema_value) {
                element(api, value, schema_value, format!("the values of {place}"))?;
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Box::new(mismatch(place)))
    }
}

/// An array item or map value: `Option` there means the schema must allow `null`.
fn element(
    api: &Api,
    rust: &RustType,
    schema: &TypeRef,
    place: String,
) -> Result<(), Box<Mismatch>> {
    if rust.wrapper != Wrapper::None && !nullable(api, schema) {
        return Err(Box::new(Mismatch {
            tokens: rust.wrapped.clone().unwrap_or_else(|| rust.tokens.clone()),
            place,
            expected: describe(api, schema),
            found_text: format!("Option<{}>", rust.text),
            found: format!("{} or null", rust.kind.describe()),
        }));
    }
    check_at(api, rust, schema, place)
}

/// A Rust type for values of `ty` (for "add a field `x: T`" hints), as the generated models
/// spell it, named types under `model_module` (`::acp::v2026_04_17`).
pub fn rust_hint(api: &Api, ty: &TypeRef, model_module: &str) -> String {
    match &ty.shape {
        Shape::Any => "serde_json::Value".into(),
        Shape::Null => "()".into(),
        Shape::String => "String".into(),
        Shape::DateTime => "acp_runtime::DateTime".into(),
        Shape::Integer => "i64".into(),
        Shape::Number => "f64".into(),
        Shape::Boolean => "bool".into(),
        Shape::Object => "serde_json::Map<String, serde_json::Value>".into(),
        Shape::Array(item) => format!("Vec<{}>", rust_hint(api, item, model_module)),
        Shape::Map(value) => format!(
            "std::collections::BTreeMap<String, {}>",
            rust_hint(api, value, model_module)
        ),
        Shape::Named(id) => {
            let def = &api.types[*id];
            format!(
                "{}::{}::{}",
                model_module.trim_start_matches("::"),
                api.modules[def.module].name,
                def.name
            )
        }
    }
}
