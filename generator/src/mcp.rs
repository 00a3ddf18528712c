//! The MCP binding of a version: its tools (the OpenRPC methods bound to REST operations, see
//! `mcp-unbound`) with input and output schemas bundled into single documents, no `$ref` left,
//! as MCP clients want them. The generated MCP server lists these; the conformance suite
//! expects them.

use serde_json::{json, Map, Value};

use crate::emit::json_schema::schema_of_ref;
use crate::ir::{Api, ModuleId, Operation, RpcMethod};

/// One MCP tool and the REST operation that serves it.
#[derive(Debug, Clone)]
pub struct Tool<'a> {
    /// The OpenRPC method.
    pub method: &'a RpcMethod,
    /// The REST operation whose request the call becomes.
    pub operation: &'a Operation,
    /// The arguments' schema: an object with `meta`, `id` and `payload` as the method declares
    /// them, bundled.
    pub input_schema: Value,
    /// The result's schema, bundled.
    pub output_schema: Option<Value>,
}

impl Tool<'_> {
    /// Whether the call takes an `id` (the operation's path parameter).
    pub fn takes_id(&self) -> bool {
        self.method.param("id").is_some()
    }

    /// Whether a `payload` may be given, and whether it must.
    pub fn payload(&self) -> Presence {
        match self.method.param("payload") {
            None => Presence::Absent,
            Some(p) if p.required => Presence::Required,
            Some(_) => Presence::Optional,
        }
    }
}

/// Whether an argument is part of a tool's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Not taken.
    Absent,
    /// May be left out (never needs to be `null`).
    Optional,
    /// Must be given.
    Required,
}

/// The MCP modules of `api` (those with methods) and their tools, in spec order. Methods that
/// no operation serves are left out.
pub fn bindings(api: &Api) -> Vec<(ModuleId, Vec<Tool<'_>>)> {
    api.modules
        .enumerate()
        .filter(|(_, m)| !m.methods.is_empty())
        .map(|(id, _)| (id, tools(api, id)))
        .collect()
}

/// The tools of the MCP module `module`.
pub fn tools(api: &Api, module: ModuleId) -> Vec<Tool<'_>> {
    let spec = &api.modules[module];
    let rest = spec
        .spec
        .strip_suffix("_mcp")
        .and_then(|name| api.modules.iter().find(|m| m.spec == name));
    spec.methods
        .iter()
        .filter_map(|method| {
            let id = method.operation.as_deref()?;
            let operation = rest?.operations.iter().find(|op| op.id == id)?;
            Some(Tool {
                method,
                operation,
                input_schema: input_schema(api, method),
                output_schema: method
                    .result
                    .as_ref()
                    .map(|r| object_typed(bundled(api, &r.ty, r.docs.description.as_deref()))),
            })
        })
        .collect()
}

/// `schema` with `"type": "object"` at its top: MCP clients keep only output schemas that say
/// so (structured results are objects), and a schema made of `allOf` parts says it only
/// inside them.
fn object_typed(mut schema: Value) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.entry("type").or_insert_with(|| "object".into());
    }
    schema
}

fn input_schema(api: &Api, method: &RpcMethod) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in &method.params {
        properties.insert(
            param.name.clone(),
            bundled(api, &param.ty, param.docs.description.as_deref()),
        );
        if param.required {
            required.push(Value::String(param.name.clone()));
        }
    }
    json!({ "type": "object", "properties": properties, "required": required })
}

/// The schema of a use of a type with every `$ref` replaced by what it names; `description`
/// when the schema has none of its own.
fn bundled(api: &Api, ty: &crate::ir::TypeRef, description: Option<&str>) -> Value {
    let mut document = schema_of_ref(api, ty);
    let defs = match document.as_object_mut() {
        Some(object) => {
            object.remove("$schema");
            object.remove("$defs")
        }
        None => None,
    };
    let defs = match defs {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    let mut schema = inline(document, &defs, &mut Vec::new());
    let recursive = has_ref(&schema);
    if let Some(object) = schema.as_object_mut() {
        if let Some(text) = description {
            object
                .entry("description")
                .or_insert_with(|| Value::String(text.to_string()));
        }
        if recursive {
            object.insert("$defs".into(), Value::Object(defs));
        }
    }
    schema
}

/// `schema` with each `{"$ref": "#/$defs/X"}` replaced by `X` (itself inlined). A reference
/// back to a definition being inlined (a recursive type) stays a reference to it (the caller
/// keeps `$defs` then; the specs have no recursive type).
fn inline(schema: Value, defs: &Map<String, Value>, stack: &mut Vec<String>) -> Value {
    match schema {
        Value::Object(mut object) => {
            let target = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .map(|name| name.replace("~1", "/").replace("~0", "~"));
            if let Some(name) = target {
                if let (Some(def), false) = (defs.get(&name), stack.contains(&name)) {
                    stack.push(name);
                    let mut inlined = inline(def.clone(), defs, stack);
                    stack.pop();
                    if let Value::Object(inlined) = &mut inlined {
                        inlined.remove("$id");
                    }
                    object.remove("$ref");
                    if object.is_empty() {
                        return inlined;
                    }
                    // Keywords beside the reference apply too: keep them, with the target as
                    // one more part.
                    let mut parts = match object.remove("allOf") {
                        Some(Value::Array(parts)) => parts,
                        _ => Vec::new(),
                    };
                    parts.push(inlined);
                    object.insert("allOf".into(), Value::Array(parts));
                }
            }
            Value::Object(
                object
                    .into_iter()
                    .map(|(k, v)| (k, inline(v, defs, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| inline(v, defs, stack)).collect())
        }
        other => other,
    }
}

/// Whether `schema` has a `$ref` anywhere.
pub fn has_ref(schema: &Value) -> bool {
    match schema {
        Value::Object(object) => object.iter().any(|(k, v)| k == "$ref" || has_ref(v)),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{has_ref, inline};

    #[test]
    fn references_are_replaced_by_their_targets_with_sibling_keywords_kept() {
        let defs = json!({
            "Line": {"type": "object", "properties": {"sku": {"$ref": "#/$defs/Sku"}}},
            "Sku": {"type": "string", "minLength": 1, "$id": "urn:x"},
        });
        let schema = json!({
            "type": "object",
            "properties": {
                "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
                "main": {"$ref": "#/$defs/Sku", "description": "the main one"},
            }
        });
        let out = inline(schema, defs.as_object().unwrap(), &mut Vec::new());
        assert!(!has_ref(&out), "{out}");
        assert_eq!(
            out["properties"]["lines"]["items"]["properties"]["sku"],
            json!({"type": "string", "minLength": 1})
        );
        assert_eq!(
            out["properties"]["main"],
            json!({"description": "the main one", "allOf": [{"type": "string", "minLength": 1}]})
        );
    }

    #[test]
    fn a_recursive_reference_stays_a_reference() {
        let defs =
            json!({"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}});
        let out = inline(
            json!({"$ref": "#/$defs/Node"}),
            defs.as_object().unwrap(),
            &mut Vec::new(),
        );
        assert_eq!(out["properties"]["next"], json!({"$ref": "#/$defs/Node"}));
    }
}
