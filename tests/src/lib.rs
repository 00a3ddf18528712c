//! Shared helpers of the end-to-end tests: the real spec root, an independent JSON Schema
//! validator over a version's files, dispatch into the generated `acp` crate, and JSON equality
//! with JSON Schema's notion of numbers.

pub mod example_files;

use std::path::PathBuf;

use serde_json::Value;

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

/// `__roundtrip_borrowed` of the generated crate for `version`: `text` read through the borrowed
/// view of the struct generated for `schema`; `None` when it has none.
pub fn roundtrip_borrowed(
    version: &str,
    schema: &str,
    text: &str,
) -> Option<Result<Value, acp_runtime::ParseError>> {
    match version {
        "2025-09-29" => acp::v2025_09_29::__roundtrip_borrowed(schema, text),
        "2025-12-12" => acp::v2025_12_12::__roundtrip_borrowed(schema, text),
        "2026-01-16" => acp::v2026_01_16::__roundtrip_borrowed(schema, text),
        "2026-01-30" => acp::v2026_01_30::__roundtrip_borrowed(schema, text),
        "2026-04-17" => acp::v2026_04_17::__roundtrip_borrowed(schema, text),
        other => panic!("version {other} has no module in the generated crate: add its feature"),
    }
}

/// Whether the scanner of the type generated for `schema` accepts `text` (see
/// `acp_runtime::scan`); `None` when the schema has no scanner of its own.
pub fn scan(version: &str, schema: &str, text: &str) -> Option<bool> {
    match version {
        "2025-09-29" => acp::v2025_09_29::__scan(schema, text),
        "2025-12-12" => acp::v2025_12_12::__scan(schema, text),
        "2026-01-16" => acp::v2026_01_16::__scan(schema, text),
        "2026-01-30" => acp::v2026_01_30::__scan(schema, text),
        "2026-04-17" => acp::v2026_04_17::__scan(schema, text),
        other => panic!("version {other} has no module in the generated crate: add its feature"),
    }
}

/// An independent validator (the `jsonschema` crate) over all files of one version: the one
/// `acp-codegen lint` uses, built from the same pin-checked files.
pub struct Oracle(acp_codegen::lint::Oracle);

impl Oracle {
    /// Registers every OpenAPI and JSON Schema file of `version`.
    pub fn new(version: &str) -> Oracle {
        let set = acp_codegen::Generator::new(spec_root())
            .spec_set(version)
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        Oracle(acp_codegen::lint::Oracle::new(&set).unwrap_or_else(|e| panic!("{version}: {e}")))
    }

    /// The validation errors of `value` against the schema at `schema` (`file#pointer`), as
    /// `instance path: message` lines; empty when valid.
    pub fn errors(&mut self, schema: &str, value: &Value) -> Vec<String> {
        self.0.errors(schema, value)
    }

    /// The validator of the schema at `schema` (`file#pointer`), built on first use and kept.
    pub fn validator(&mut self, schema: &str) -> &jsonschema::Validator {
        self.0.validator(schema).unwrap_or_else(|e| panic!("{e}"))
    }
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
    let target = api.types.position(|t| {
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
    let reachable = api.reachable([target]);
    let reports: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| {
            d.code == acp_codegen::Code::AllofClosedPart
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
