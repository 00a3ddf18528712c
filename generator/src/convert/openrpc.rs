//! OpenRPC documents (the MCP binding): their own schemas become types; method parameters and
//! results are converted so every schema they use exists and every keyword is accounted for.

use serde_json::Value;

use super::keys::Keys;
use super::Converter;
use crate::diagnostics::Code;
use crate::naming;

impl Converter<'_> {
    pub(crate) fn openrpc_document(&mut self, file: usize) {
        let Some(root) = self.node(file, "").and_then(Value::as_object) else {
            self.diags.error(
                Code::NotOpenrpc,
                self.locate(file, ""),
                "an OpenRPC document must be an object",
            );
            return;
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
                let name = object
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("method");
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
                        self.content_descriptor(
                            file,
                            &format!("{at}/params/{j}"),
                            &format!("{prefix}{}", naming::type_name(param_name)),
                        );
                    }
                }
                if method_keys.take("result").is_some() {
                    self.content_descriptor(
                        file,
                        &format!("{at}/result"),
                        &format!("{prefix}Result"),
                    );
                }
                self.report_leftovers(file, &at, &method_keys);
            }
        }
        self.report_leftovers(file, "", &keys);
    }

    /// An OpenRPC Content Descriptor (`name`, `schema`, ...).
    fn content_descriptor(&mut self, file: usize, at: &str, hint: &str) {
        let Some(object) = self.node(file, at).and_then(Value::as_object) else {
            self.diags.error(
                Code::BadKeyword,
                self.locate(file, at),
                "a content descriptor must be an object",
            );
            return;
        };
        let mut keys = Keys::new(object);
        for annotation in ["name", "summary", "description", "required", "deprecated"] {
            keys.take(annotation);
        }
        if keys.take("schema").is_some() {
            self.schema(file, &format!("{at}/schema"), hint);
        } else {
            self.diags.warn(
                Code::BadKeyword,
                self.locate(file, at),
                "a content descriptor needs a `schema`",
            );
        }
        self.report_leftovers(file, at, &keys);
    }
}
