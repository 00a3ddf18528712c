//! Shared helpers of the end-to-end tests: the real spec root, an independent JSON Schema
//! validator over a version's files, dispatch into the generated `acp` crate, and JSON equality
//! with JSON Schema's notion of numbers.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{json, Value};

/// The spec root the tests read (`ACP_SPEC_ROOT`, else `../shared/acp-spec`). Missing specs fail
/// the tests: nothing here skips.
pub fn spec_root() -> PathBuf {
    acp_specs::resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"))
}

/// Every version that the pin file lists (the generated crate has a module for each).
pub fn versions() -> Vec<String> {
    acp_specs::Pins::embedded()
        .versions()
        .map(str::to_string)
        .collect()
}

/// The IR of a version, converted from the real, pin-checked files.
pub fn api(version: &str) -> acp_codegen::Api {
    acp_codegen::Generator::new(spec_root())
        .api(version)
        .unwrap_or_else(|e| panic!("{version}: {e}"))
}

/// Parses `value` as the generated type of the schema at `schema` (`file#pointer`), validates
/// and re-serializes it.
pub fn roundtrip(
    version: &str,
    schema: &str,
    value: Value,
) -> Option<Result<Value, acp_runtime::ParseError>> {
    match version {
        "2025-09-29" => acp::v2025_09_29::__roundtrip(schema, value),
        "2025-12-12" => acp::v2025_12_12::__roundtrip(schema, value),
        "2026-01-16" => acp::v2026_01_16::__roundtrip(schema, value),
        "2026-01-30" => acp::v2026_01_30::__roundtrip(schema, value),
        "2026-04-17" => acp::v2026_04_17::__roundtrip(schema, value),
        other => panic!("version {other} has no module in the generated crate: add its feature"),
    }
}

/// URI under which a spec file is registered with the independent validator.
pub fn file_uri(path: &str) -> String {
    format!("https://spec.acp.test/{path}")
}

/// An independent validator (the `jsonschema` crate) over all files of one version.
pub struct Oracle {
    registry: jsonschema::Registry<'static>,
    validators: HashMap<String, jsonschema::Validator>,
}

impl Oracle {
    /// Registers every OpenAPI and JSON Schema file of `version`. Each file is known by its
    /// path URI and its `$id`; and because cart/discount refer to `schema.agentic_checkout.json`
    /// relative to `$id`s that are not the checkout bundle's, every JSON Schema file is also
    /// registered where those references land (the same workaround the generator reports as
    /// `ref-by-path`).
    pub fn new(version: &str) -> Oracle {
        let root = spec_root();
        let mut documents: Vec<(String, Value)> = Vec::new();
        for folder in ["json-schema", "openapi"] {
            let dir = root.join("spec").join(version).join(folder);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                let path = format!("spec/{version}/{folder}/{name}");
                let text = std::fs::read_to_string(root.join(&path)).unwrap();
                let mut value: Value = if name.ends_with(".json") {
                    serde_json::from_str(&text).unwrap()
                } else {
                    yaml_value(&text)
                };
                normalize_openapi_30(&mut value);
                documents.push((path, value));
            }
        }
        let ids: Vec<String> = documents
            .iter()
            .filter_map(|(_, v)| v.get("$id").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let mut resources: Vec<(String, Value)> = Vec::new();
        for (path, value) in &documents {
            let file_name = path.rsplit('/').next().unwrap();
            match value.get("$id").and_then(Value::as_str) {
                Some(id) => {
                    resources.push((id.to_string(), value.clone()));
                    // Same document under its path URI and next to every other bundle's `$id`,
                    // with `$id` removed so the registration URI is its base.
                    let mut anonymous = value.clone();
                    anonymous.as_object_mut().unwrap().remove("$id");
                    resources.push((file_uri(path), anonymous.clone()));
                    for other in &ids {
                        let base = &other[..other.rfind('/').unwrap() + 1];
                        resources.push((format!("{base}{file_name}"), anonymous.clone()));
                    }
                }
                None => resources.push((file_uri(path), value.clone())),
            }
        }
        let registry = jsonschema::Registry::new()
            .extend(resources)
            .and_then(|builder| builder.prepare())
            .unwrap_or_else(|e| panic!("{version}: cannot register the spec files: {e}"));
        Oracle {
            registry,
            validators: HashMap::new(),
        }
    }

    /// The validation errors of `value` against the schema at `schema` (`file#pointer`), as
    /// `instance path: message` lines; empty when valid.
    pub fn errors(&mut self, schema: &str, value: &Value) -> Vec<String> {
        self.validator(schema)
            .iter_errors(value)
            .map(|e| format!("{}: {}", e.instance_path(), e))
            .collect()
    }

    /// The validator of the schema at `schema` (`file#pointer`), built on first use and kept.
    pub fn validator(&mut self, schema: &str) -> &jsonschema::Validator {
        if !self.validators.contains_key(schema) {
            let (file, pointer) = schema.split_once('#').unwrap();
            let reference =
                json!({ "$ref": format!("{}#{}", file_uri(file), encode_fragment(pointer)) });
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .with_registry(&self.registry)
                .should_validate_formats(true)
                .build(&reference)
                .unwrap_or_else(|e| panic!("cannot build a validator for {schema}: {e}"));
            self.validators.insert(schema.to_string(), validator);
        }
        &self.validators[schema]
    }
}

/// Rewrites the OpenAPI 3.0 keywords found in the 3.1 files (boolean `exclusiveMinimum`/
/// `exclusiveMaximum`, `nullable`) into their 3.1 spelling, the reading the generator takes and
/// reports (`openapi-3.0-keyword`). Without it the validator refuses to compile the 2025-09-29
/// checkout schema at all (`true is not of type "number"`).
fn normalize_openapi_30(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (bound, limit) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(flag)) = map.get(bound).cloned() {
                    map.remove(bound);
                    if flag {
                        if let Some(n) = map.remove(limit) {
                            map.insert(bound.to_string(), n);
                        }
                    }
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) && map.contains_key("type") {
                map.remove("nullable");
                let types = match map.remove("type") {
                    Some(Value::Array(mut types)) => {
                        types.push(json!("null"));
                        types
                    }
                    Some(single) => vec![single, json!("null")],
                    None => unreachable!("checked above"),
                };
                map.insert("type".into(), Value::Array(types));
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            map.values_mut().for_each(normalize_openapi_30);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_openapi_30),
        _ => {}
    }
}

fn encode_fragment(pointer: &str) -> String {
    pointer
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// Reads YAML the way the generator does.
pub fn yaml_value(text: &str) -> Value {
    acp_codegen::source::SourceFile::parse("x.yaml", text)
        .unwrap()
        .value
}

/// JSON equality where numbers compare by value (`5` equals `5.0`), as JSON Schema has it.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64() == y.as_f64() && (x.as_i64() == y.as_i64() || x.is_f64() || y.is_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The first difference between two JSON values, as a pointer, for failure messages.
pub fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let here = format!("{at}/{key}");
                match (x.get(key), y.get(key)) {
                    (Some(v), Some(w)) => {
                        if let Some(d) = first_difference(v, w, &here) {
                            return Some(d);
                        }
                    }
                    (v, w) => return Some(format!("{here}: {v:?} vs {w:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{at}/{i}"))),
        _ if json_eq(a, b) => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

/// Whether every validator error is explained by a spec defect the generator reported: an
/// `allOf` that merges a part closed with `additionalProperties: false` with members of other
/// parts (`allof-closed-part`), which no instance can satisfy under JSON Schema while the
/// generated type merges the parts as the authors meant. The defect counts when it was reported
/// for the type of `schema` (`file#pointer`) or for a type reachable from it (the instance may
/// hold the broken type deeper down); every error must then be "Additional properties are not
/// allowed" for members that such a report names.
pub fn explained_by_closed_allof(api: &acp_codegen::Api, schema: &str, errors: &[String]) -> bool {
    use acp_codegen::ir::Shape;
    let (file, pointer) = schema.split_once('#').unwrap();
    // The schema itself, or the named type it refers to.
    let target = api.types.iter().position(|t| {
        std::iter::once(&t.origin)
            .chain(&t.aliases)
            .any(|o| o.file == file && o.pointer == pointer)
    });
    let target = target.or_else(|| {
        let example = api
            .examples
            .iter()
            .find(|e| e.schema.file == file && e.schema.pointer == pointer)?;
        match example.ty.shape {
            Shape::Named(id) => Some(id),
            _ => None,
        }
    });
    let Some(target) = target else { return false };
    let reachable = reachable_types(api, target);
    let reports: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| {
            d.code == "allof-closed-part"
                && reachable.iter().any(|&id| {
                    let origin = &api.types[id].origin;
                    d.location.file == origin.file && d.location.pointer == origin.pointer
                })
        })
        .map(|d| d.message.as_str())
        .collect();
    !errors.is_empty()
        && errors.iter().all(|e| {
            let Some(list) = e
                .split("Additional properties are not allowed (")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
            else {
                return false;
            };
            // `'a' was unexpected` or `'a', 'b' were unexpected`: the quoted parts.
            let members: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
            !members.is_empty()
                && members
                    .iter()
                    .all(|member| reports.iter().any(|r| r.contains(&format!("`{member}`"))))
        })
}

/// The named types an instance of `root` can contain, `root` included.
fn reachable_types(api: &acp_codegen::Api, root: acp_codegen::ir::TypeId) -> Vec<usize> {
    use acp_codegen::ir::{Additional, Shape, TypeKind, TypeRef};
    fn refs<'a>(ty: &'a TypeRef, out: &mut Vec<&'a TypeRef>) {
        out.push(ty);
        match &ty.shape {
            Shape::Array(item) | Shape::Map(item) => refs(item, out),
            _ => {}
        }
    }
    let mut seen = vec![false; api.types.len()];
    let mut stack = vec![root];
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        out.push(id);
        let mut uses = Vec::new();
        match &api.types[id].kind {
            TypeKind::Struct(s) => {
                for field in &s.fields {
                    refs(&field.ty, &mut uses);
                }
                if let Additional::Typed(ty) = &s.additional {
                    refs(ty, &mut uses);
                }
            }
            TypeKind::TaggedUnion(u) => stack.extend(u.variants.iter().map(|(_, v)| *v)),
            TypeKind::Untagged(variants) => variants.iter().for_each(|v| refs(v, &mut uses)),
            TypeKind::Newtype(inner) => refs(inner, &mut uses),
            TypeKind::Enum(_) | TypeKind::Const(_) => {}
        }
        stack.extend(uses.iter().filter_map(|ty| match ty.shape {
            Shape::Named(next) => Some(next),
            _ => None,
        }));
    }
    out
}
