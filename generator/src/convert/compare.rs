//! OpenAPI components that mirror JSON Schema definitions: report where the two files disagree,
//! and keep members that only the OpenAPI file declares (as optional) so no data is lost.

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use super::Converter;
use crate::diagnostics::Code;
use crate::ir::{Field, TypeId, TypeKind};
use crate::naming;

/// Members of an object schema, following `$ref` and `allOf`: name → (file, pointer).
struct Members {
    properties: IndexMap<String, (usize, String)>,
    required: IndexSet<String>,
}

impl Converter<'_> {
    pub(crate) fn compare_aliases(&mut self) {
        for id in self.types.ids() {
            let aliases = self.types[id].aliases.clone();
            let origin = self.types[id].origin.clone();
            let Some(json_file) = self.set.file_index(&origin.file) else {
                continue;
            };
            for alias in aliases {
                let Some(openapi_file) = self.set.file_index(&alias.file) else {
                    continue;
                };
                if self.set.files[openapi_file].path == self.set.files[json_file].path {
                    continue;
                }
                self.compare_pair(
                    id,
                    (json_file, &origin.pointer),
                    (openapi_file, &alias.pointer),
                );
            }
        }
    }

    /// Reports unknown keywords in a schema that is not converted itself (an OpenAPI component
    /// standing for a JSON Schema definition), walking its subschemas.
    fn audit_keywords(&mut self, file: usize, pointer: &str, depth: usize) {
        let Some(Value::Object(object)) = self.node(file, pointer) else {
            return;
        };
        if depth > 32 {
            return;
        }
        let mut keys = super::keys::Keys::new(object);
        keys.take_annotations();
        for keyword in super::keys::SCHEMA_KEYWORDS {
            keys.take(keyword);
        }
        self.report_leftovers(file, pointer, &keys);
        if object.contains_key("nullable") {
            self.diags.warn(
                Code::Openapi30Keyword,
                self.locate(file, &format!("{pointer}/nullable")),
                "`nullable` is OpenAPI 3.0 syntax; in 3.1 write `type: [..., \"null\"]` (this schema mirrors a JSON Schema definition, which the types follow)",
            );
        }
        let mut children = Vec::new();
        for keyword in ["items", "additionalProperties", "if", "then", "else", "not"] {
            if object.get(keyword).is_some_and(Value::is_object) {
                children.push(format!("{pointer}/{keyword}"));
            }
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            let count = object
                .get(keyword)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            children.extend((0..count).map(|i| format!("{pointer}/{keyword}/{i}")));
        }
        for name in object
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            children.push(format!(
                "{pointer}/properties/{}",
                crate::source::escape_token(name)
            ));
        }
        for child in children {
            self.audit_keywords(file, &child, depth + 1);
        }
    }

    fn compare_pair(&mut self, id: TypeId, json: (usize, &str), openapi: (usize, &str)) {
        self.audit_keywords(openapi.0, openapi.1, 0);
        let type_name = self.types[id].name.clone();
        let (Some(json_members), Some(openapi_members)) = (
            self.members(json.0, json.1),
            self.members(openapi.0, openapi.1),
        ) else {
            return;
        };
        let json_file = self.set.files[json.0].path.clone();
        for (name, (file, pointer)) in &openapi_members.properties {
            if json_members.properties.contains_key(name) {
                continue;
            }
            self.diags.warn(
                Code::OpenapiJsonschemaMismatch,
                self.locate(*file, pointer),
                format!("`{type_name}.{name}` is only in the OpenAPI file, not in {json_file}; generated as an optional field"),
            );
            let hint = format!("{type_name}{}", naming::type_name(name));
            let ty = self.schema(*file, pointer, &hint);
            let docs = self
                .node(*file, pointer)
                .map(super::docs_of)
                .unwrap_or_default();
            let origin = self.origin(*file, pointer);
            if let TypeKind::Struct(structure) = &mut self.types[id].kind {
                structure.fields.push(Field {
                    name: name.clone(),
                    docs,
                    ty,
                    required: false,
                    origin,
                });
            }
        }
        let openapi_file = self.set.files[openapi.0].path.clone();
        for (name, (file, pointer)) in &json_members.properties {
            match openapi_members.properties.get(name) {
                None => self.diags.warn(
                    Code::OpenapiJsonschemaMismatch,
                    self.locate(*file, pointer),
                    format!(
                        "`{type_name}.{name}` is only in the JSON Schema, not in {openapi_file}"
                    ),
                ),
                Some((ofile, opointer)) => {
                    for difference in self.differences((*file, pointer), (*ofile, opointer)) {
                        self.diags.warn(
                            Code::OpenapiJsonschemaMismatch,
                            self.locate(*ofile, opointer),
                            format!("`{type_name}.{name}`: {difference} (the JSON Schema wins)"),
                        );
                    }
                }
            }
        }
        let only = |a: &Members, b: &Members| -> Vec<String> {
            a.required
                .iter()
                .filter(|r| !b.required.contains(*r))
                .cloned()
                .collect()
        };
        for (name, side) in only(&json_members, &openapi_members)
            .into_iter()
            .map(|n| (n, "JSON Schema"))
            .chain(
                only(&openapi_members, &json_members)
                    .into_iter()
                    .map(|n| (n, "OpenAPI file")),
            )
        {
            self.diags.warn(
                Code::OpenapiJsonschemaMismatch,
                self.locate(openapi.0, openapi.1),
                format!("`{type_name}.{name}` is required only in the {side}"),
            );
        }
    }

    fn members(&self, file: usize, pointer: &str) -> Option<Members> {
        let mut members = Members {
            properties: IndexMap::new(),
            required: IndexSet::new(),
        };
        for (f, p) in self.object_nodes(file, pointer)? {
            let node = self.node(f, &p)?.as_object()?;
            for name in node
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                let at = format!("{p}/properties/{}", crate::source::escape_token(name));
                members.properties.entry(name.clone()).or_insert((f, at));
            }
            members.required.extend(
                node.get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
        }
        Some(members)
    }

    /// Keyword-level differences between two property schemas.
    fn differences(&self, json: (usize, &str), openapi: (usize, &str)) -> Vec<String> {
        let (Some(a), Some(b)) = (self.node(json.0, json.1), self.node(openapi.0, openapi.1))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        schema_differences(a, b, "", &mut out, 0);
        out
    }
}

/// Keyword-level differences between two schemas, descending into inline members and items
/// (a `$ref` is compared by the name it points at).
fn schema_differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>, depth: usize) {
    let place = |what: String| {
        if at.is_empty() {
            what
        } else {
            format!("at `{at}`, {what}")
        }
    };
    for keyword in [
        "type",
        "nullable",
        "enum",
        "const",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "additionalProperties",
    ] {
        let (x, y) = (a.get(keyword), b.get(keyword));
        // Schema-valued additionalProperties is compared structurally below.
        if x != y
            && !(keyword == "additionalProperties"
                && x.is_some_and(Value::is_object)
                && y.is_some_and(Value::is_object))
        {
            out.push(place(format!(
                "`{keyword}` is {} in the JSON Schema but {} in the OpenAPI file",
                show(x),
                show(y)
            )));
        }
    }
    let target = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
            .map(str::to_string)
    };
    if target(a) != target(b) {
        out.push(place(format!(
            "refers to {} in the JSON Schema but {} in the OpenAPI file",
            show_name(target(a)),
            show_name(target(b))
        )));
        return;
    }
    // A `$ref` with siblings (members, `required`) is compared on the siblings too.
    if depth > 8 {
        return;
    }
    let members = |v: &Value| {
        v.get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (ma, mb) = (members(a), members(b));
    let child = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    for name in ma.keys().filter(|k| !mb.contains_key(*k)) {
        out.push(format!("`{}` is only in the JSON Schema", child(name)));
    }
    for name in mb.keys().filter(|k| !ma.contains_key(*k)) {
        out.push(format!("`{}` is only in the OpenAPI file", child(name)));
    }
    for (name, x) in &ma {
        if let Some(y) = mb.get(name) {
            schema_differences(x, y, &child(name), out, depth + 1);
        }
    }
    let required = |v: &Value| v.get("required").cloned();
    if required(a) != required(b) {
        out.push(place(format!(
            "`required` is {} in the JSON Schema but {} in the OpenAPI file",
            show(required(a).as_ref()),
            show(required(b).as_ref())
        )));
    }
    for keyword in ["items", "additionalProperties"] {
        if let (Some(x), Some(y)) = (a.get(keyword), b.get(keyword)) {
            if x.is_object() && y.is_object() {
                schema_differences(
                    x,
                    y,
                    &format!("{}[{keyword}]", if at.is_empty() { "" } else { at }),
                    out,
                    depth + 1,
                );
            }
        }
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_string(), |v| format!("`{v}`"))
}

fn show_name(name: Option<String>) -> String {
    name.map_or_else(|| "no `$ref`".to_string(), |n| format!("`{n}`"))
}
