//! OpenRPC documents (the MCP binding): their own schemas become types; method parameters and
//! results are converted so every schema they use exists and every keyword is accounted for.

use serde_json::Value;

use super::keys::Keys;
use super::{docs_of, Converter};
use crate::diagnostics::Code;
use crate::ir::{MethodParam, Operation, RpcMethod};
use crate::naming;

impl Converter<'_> {
    /// Converts the document's methods (and every schema they use) and returns them.
    pub(crate) fn openrpc_document(&mut self, file: usize) -> Vec<RpcMethod> {
        let mut converted = Vec::new();
        let Some(root) = self.node(file, "").and_then(Value::as_object) else {
            self.diags.error(
                Code::NotOpenrpc,
                self.locate(file, ""),
                "an OpenRPC document must be an object",
            );
            return converted;
        };
        let mut keys = Keys::new(root);
        for known in [
            "openrpc",
            "info",
            "servers",
            "components",
            "externalDocs",
            "$schema",
        ] {
            keys.take(known);
        }
        if let Some(Value::Array(methods)) = keys.take("methods") {
            for (i, method) in methods.iter().enumerate() {
                let at = format!("/methods/{i}");
                let Some(object) = method.as_object() else {
                    self.diags.error(
                        Code::BadKeyword,
                        self.locate(file, &at),
                        "a method must be an object",
                    );
                    continue;
                };
                let Some(name) = object.get("name").and_then(Value::as_str) else {
                    self.diags.error(
                        Code::BadKeyword,
                        self.locate(file, &at),
                        "a method needs a `name`",
                    );
                    continue;
                };
                let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
                let mut method = RpcMethod {
                    name: name.to_string(),
                    summary: text("summary"),
                    description: text("description"),
                    params: Vec::new(),
                    result: None,
                    operation: None,
                    origin: self.origin(file, &at),
                };
                let prefix = naming::type_name(name);
                let mut method_keys = Keys::new(object);
                for annotation in [
                    "name",
                    "summary",
                    "description",
                    "tags",
                    "deprecated",
                    "paramStructure",
                    "servers",
                    "externalDocs",
                    "errors",
                    "examples",
                ] {
                    method_keys.take(annotation);
                }
                if let Some(Value::Array(params)) = method_keys.take("params") {
                    for (j, param) in params.iter().enumerate() {
                        let param_name =
                            param.get("name").and_then(Value::as_str).unwrap_or("param");
                        method.params.extend(self.content_descriptor(
                            file,
                            &format!("{at}/params/{j}"),
                            &format!("{prefix}{}", naming::type_name(param_name)),
                        ));
                    }
                }
                if method_keys.take("result").is_some() {
                    method.result = self.content_descriptor(
                        file,
                        &format!("{at}/result"),
                        &format!("{prefix}Result"),
                    );
                }
                self.report_leftovers(file, &at, &method_keys);
                converted.push(method);
            }
        }
        self.report_leftovers(file, "", &keys);
        converted
    }

    /// An OpenRPC Content Descriptor (`name`, `schema`, ...).
    fn content_descriptor(&mut self, file: usize, at: &str, hint: &str) -> Option<MethodParam> {
        let Some(object) = self.node(file, at).and_then(Value::as_object) else {
            self.diags.error(
                Code::BadKeyword,
                self.locate(file, at),
                "a content descriptor must be an object",
            );
            return None;
        };
        let name = object.get("name").and_then(Value::as_str);
        let mut keys = Keys::new(object);
        for annotation in ["name", "summary", "description", "required", "deprecated"] {
            keys.take(annotation);
        }
        let ty = if keys.take("schema").is_some() {
            Some(self.schema(file, &format!("{at}/schema"), hint))
        } else {
            self.diags.warn(
                Code::BadKeyword,
                self.locate(file, at),
                "a content descriptor needs a `schema`",
            );
            None
        };
        self.report_leftovers(file, at, &keys);
        let mut docs = docs_of(&Value::Object(object.clone()));
        docs.title = object
            .get("summary")
            .and_then(Value::as_str)
            .map(str::to_string);
        Some(MethodParam {
            name: name?.to_string(),
            required: object
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ty: ty?,
            docs,
        })
    }
}

impl Converter<'_> {
    /// Binds every method of an MCP module (`<spec>_mcp`) to the operation of `<spec>` whose
    /// `operationId` in snake_case is its name, when its `id` and `payload` fit that operation.
    pub(crate) fn bind_methods(&mut self) {
        let ids: Vec<_> = self.modules.ids().collect();
        for module in ids {
            let Some(rest_spec) = self.modules[module].spec.strip_suffix("_mcp") else {
                continue;
            };
            let rest = self.modules.iter().find(|m| m.spec == rest_spec);
            let mut bound = Vec::new();
            for method in &self.modules[module].methods {
                let operation = rest.and_then(|m| {
                    m.operations
                        .iter()
                        .find(|op| naming::field_name(&op.id) == method.name)
                });
                let misfit = match operation {
                    None => Some(format!(
                        "method `{}` matches no operation of `{rest_spec}` (one whose \
                         operationId is `{}` in snake_case)",
                        method.name, method.name
                    )),
                    Some(op) => method_misfit(method, op),
                };
                match misfit {
                    None => bound.push(operation.map(|op| op.id.clone())),
                    Some(why) => {
                        let file = self
                            .set
                            .files
                            .iter()
                            .position(|f| f.path == method.origin.file);
                        let at = file.map(|f| self.locate(f, &method.origin.pointer));
                        if let Some(at) = at {
                            self.diags.warn(Code::McpUnbound, at, why);
                        }
                        bound.push(None);
                    }
                }
            }
            for (method, operation) in self.modules[module].methods.iter_mut().zip(bound) {
                method.operation = operation;
            }
        }
    }
}

/// Why `method` cannot be served by `op`: its `id` must be the one path parameter, its
/// `payload` the request body with the same schema (required alike).
fn method_misfit(method: &RpcMethod, op: &Operation) -> Option<String> {
    let path_params = op.path_parameters();
    match (method.param("id"), path_params.as_slice()) {
        (None, []) | (Some(_), [_]) => {}
        (None, _) => {
            return Some(format!(
                "method `{}` has no `id` but `{} {}` takes a path parameter",
                method.name, op.method, op.path
            ))
        }
        (Some(_), _) => {
            return Some(format!(
                "method `{}` has an `id` but `{} {}` takes {} path parameters",
                method.name,
                op.method,
                op.path,
                path_params.len()
            ))
        }
    }
    match (method.param("payload"), &op.request) {
        (None, None) => None,
        (Some(payload), Some(body)) if payload.ty.shape == body.ty.shape => None,
        (Some(_), Some(_)) => Some(format!(
            "the `payload` of method `{}` is not the request body schema of `{} {}`",
            method.name, op.method, op.path
        )),
        (None, Some(body)) if !body.required => None,
        (None, Some(_)) => Some(format!(
            "method `{}` has no `payload` but `{} {}` requires a body",
            method.name, op.method, op.path
        )),
        (Some(_), None) => Some(format!(
            "method `{}` has a `payload` but `{} {}` takes no body",
            method.name, op.method, op.path
        )),
    }
}
