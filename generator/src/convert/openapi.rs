//! OpenAPI 3.1 documents → operations. Schemas inside go through [`Converter::schema`].

use serde_json::{Map, Value};

use super::keys::Keys;
use super::{docs_of, Converter};
use crate::diagnostics::Code;
use crate::ir::{Body, Operation, Parameter, ParameterLocation, Response, Shape, TypeRef};
use crate::naming;
use crate::source::escape_token;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Converter<'_> {
    pub(crate) fn openapi_document(&mut self, file: usize) -> Vec<Operation> {
        let Some(root) = self.node(file, "").and_then(Value::as_object) else {
            self.diags.error(
                Code::NotOpenapi,
                self.locate(file, ""),
                "an OpenAPI document must be an object",
            );
            return Vec::new();
        };
        let mut keys = Keys::new(root);
        match keys.take("openapi") {
            Some(Value::String(v)) if v.starts_with("3.1") => {}
            Some(Value::String(v)) => self.diags.warn(
                Code::OpenapiVersion,
                self.locate(file, "/openapi"),
                format!("OpenAPI {v} is read as 3.1"),
            ),
            Some(other) => self.diags.error(
                Code::BadKeyword,
                self.locate(file, "/openapi"),
                format!("`openapi` must be a version string such as \"3.1.0\", found {other}"),
            ),
            None => self.diags.error(
                Code::NotOpenapi,
                self.locate(file, ""),
                "missing `openapi` version",
            ),
        }
        for annotation in [
            "info",
            "servers",
            "tags",
            "externalDocs",
            "jsonSchemaDialect",
        ] {
            keys.take(annotation);
        }
        let default_security = security_names(keys.take("security"));
        if let Some(Value::Object(components)) = keys.take("components") {
            for (kind, value) in components {
                if !value.is_object() {
                    self.diags.error(
                        Code::BadKeyword,
                        self.locate(file, &format!("/components/{}", escape_token(kind))),
                        format!("`components.{kind}` must be an object"),
                    );
                }
            }
            let known = [
                "schemas",
                "parameters",
                "responses",
                "requestBodies",
                "headers",
                "securitySchemes",
                "examples",
                "links",
                "callbacks",
                "pathItems",
            ];
            for key in components.keys().filter(|k| !known.contains(&k.as_str())) {
                self.diags.warn(
                    Code::UnknownKeyword,
                    self.locate(file, &format!("/components/{}", escape_token(key))),
                    format!("unknown component kind `{key}` is ignored"),
                );
            }
        }
        if let Some(Value::Object(hooks)) = keys.take("webhooks") {
            if !hooks.is_empty() {
                self.diags.warn(
                    Code::UnsupportedKeyword,
                    self.locate(file, "/webhooks"),
                    "top-level `webhooks` are not turned into operations",
                );
            }
        }
        let mut operations = Vec::new();
        if let Some(Value::Object(paths)) = keys.take("paths") {
            for (path, item) in paths {
                let at = format!("/paths/{}", escape_token(path));
                let Some(item) = item.as_object() else {
                    self.diags.error(
                        Code::BadKeyword,
                        self.locate(file, &at),
                        "a path item must be an object",
                    );
                    continue;
                };
                let mut item_keys = Keys::new(item);
                for annotation in ["summary", "description", "servers"] {
                    item_keys.take(annotation);
                }
                let shared = self.parameters(
                    file,
                    &format!("{at}/parameters"),
                    item_keys.take("parameters"),
                    "",
                );
                for method in METHODS {
                    if item_keys.take(method).is_some() {
                        let op_at = format!("{at}/{method}");
                        if let Some(op) =
                            self.operation(file, &op_at, method, path, &shared, &default_security)
                        {
                            operations.push(op);
                        }
                    }
                }
                self.report_leftovers(file, &at, &item_keys);
            }
        }
        self.report_leftovers(file, "", &keys);
        operations
    }

    fn operation(
        &mut self,
        file: usize,
        at: &str,
        method: &str,
        path: &str,
        shared: &[Parameter],
        default_security: &[String],
    ) -> Option<Operation> {
        let object = self.node(file, at)?.as_object()?;
        let mut keys = Keys::new(object);
        for annotation in [
            "tags",
            "summary",
            "description",
            "externalDocs",
            "deprecated",
            "servers",
        ] {
            keys.take(annotation);
        }
        let id = match keys.take("operationId").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => {
                let made = naming::field_name(&format!("{method}_{path}"));
                self.diags.warn(
                    Code::MissingOperationId,
                    self.locate(file, at),
                    format!("no `operationId`; using `{made}`"),
                );
                made
            }
        };
        let type_prefix = naming::type_name(&id);
        let mut parameters: Vec<Parameter> = shared.to_vec();
        for own in self.parameters(
            file,
            &format!("{at}/parameters"),
            keys.take("parameters"),
            &type_prefix,
        ) {
            parameters.retain(|p| {
                !(p.name.eq_ignore_ascii_case(&own.name) && p.location == own.location)
            });
            parameters.push(own);
        }
        for param in parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Path)
        {
            if !path.contains(&format!("{{{}}}", param.name)) {
                self.diags.warn(
                    Code::BadParameter,
                    self.locate(file, at),
                    format!(
                        "path parameter `{}` does not appear in `{path}`",
                        param.name
                    ),
                );
            }
        }
        let request = keys.take("requestBody").and_then(|_| {
            self.body(
                file,
                &format!("{at}/requestBody"),
                &format!("{type_prefix}Request"),
            )
        });
        let mut responses = Vec::new();
        if let Some(Value::Object(map)) = keys.take("responses") {
            for status in map.keys() {
                let response_at = format!("{at}/responses/{}", escape_token(status));
                let hint = format!("{type_prefix}Response{}", naming::type_name(status));
                responses.push(self.response(file, &response_at, status, &hint));
            }
        } else if object.contains_key("responses") {
            self.diags.error(
                Code::BadKeyword,
                self.locate(file, &format!("{at}/responses")),
                "`responses` must be an object keyed by status code",
            );
        } else {
            self.diags.warn(
                Code::BadKeyword,
                self.locate(file, at),
                "operation has no `responses`",
            );
        }
        let security = match keys.take("security") {
            Some(value) => security_names(Some(value)),
            None => default_security.to_vec(),
        };
        self.report_leftovers(file, at, &keys);
        Some(Operation {
            id,
            method: method.to_uppercase(),
            path: path.to_string(),
            summary: object
                .get("summary")
                .and_then(Value::as_str)
                .map(str::to_string),
            description: object
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            deprecated: object
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            parameters,
            request,
            responses,
            security,
            origin: self.origin(file, at),
        })
    }

    fn parameters(
        &mut self,
        file: usize,
        at: &str,
        list: Option<&Value>,
        prefix: &str,
    ) -> Vec<Parameter> {
        let Some(list) = list else { return Vec::new() };
        let Some(items) = list.as_array() else {
            self.diags.error(
                Code::BadKeyword,
                self.locate(file, at),
                "`parameters` must be an array",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for i in 0..items.len() {
            let (pfile, ppointer) = match self.deref(file, &format!("{at}/{i}")) {
                Some(found) => found,
                None => continue,
            };
            if let Some(param) = self.parameter(pfile, &ppointer, prefix) {
                out.push(param);
            }
        }
        out
    }

    /// Follows a `$ref` (OpenAPI reference objects), or returns the node itself.
    fn deref(&mut self, file: usize, pointer: &str) -> Option<(usize, String)> {
        let mut current = (file, pointer.to_string());
        for _ in 0..16 {
            let node = self.node(current.0, &current.1)?;
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) => current = self.follow(current.0, &current.1, reference)?,
                None => return Some(current),
            }
        }
        self.diags.error(
            Code::RefCycle,
            self.locate(file, pointer),
            "reference chain too long or cyclic",
        );
        None
    }

    fn parameter(&mut self, file: usize, at: &str, prefix: &str) -> Option<Parameter> {
        let Some(object) = self.node(file, at).and_then(Value::as_object) else {
            self.diags.error(
                Code::BadParameter,
                self.locate(file, at),
                "a parameter must be an object (or a `$ref` to one)",
            );
            return None;
        };
        let object: &Map<String, Value> = object;
        let mut keys = Keys::new(object);
        for annotation in [
            "description",
            "deprecated",
            "style",
            "explode",
            "allowReserved",
            "allowEmptyValue",
            "example",
            "examples",
        ] {
            keys.take(annotation);
        }
        let name = keys
            .take("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let location = match keys.take("in").and_then(Value::as_str) {
            Some("path") => ParameterLocation::Path,
            Some("query") => ParameterLocation::Query,
            Some("header") => ParameterLocation::Header,
            Some("cookie") => ParameterLocation::Cookie,
            other => {
                self.diags.error(
                    Code::BadParameter,
                    self.locate(file, at),
                    format!("parameter `{name}` has no valid `in` (found {other:?})"),
                );
                return None;
            }
        };
        let required = keys
            .take("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if location == ParameterLocation::Path && !required {
            self.diags.warn(
                Code::BadParameter,
                self.locate(file, at),
                format!("path parameter `{name}` must be `required: true`"),
            );
        }
        let ty = match keys.take("schema") {
            Some(_) => self.schema(
                file,
                &format!("{at}/schema"),
                &format!("{prefix}{}", naming::type_name(&name)),
            ),
            None => {
                self.diags.warn(
                    Code::BadParameter,
                    self.locate(file, at),
                    format!("parameter `{name}` has no `schema`; read as a string"),
                );
                TypeRef::plain(Shape::String)
            }
        };
        self.media_examples(file, at, &format!("{at}/schema"), &ty);
        self.report_leftovers(file, at, &keys);
        Some(Parameter {
            name,
            location,
            required: required || location == ParameterLocation::Path,
            ty,
            docs: docs_of(&Value::Object(object.clone())),
        })
    }

    fn body(&mut self, file: usize, at: &str, hint: &str) -> Option<Body> {
        let (file, at) = self.deref(file, at)?;
        let object = self.node(file, &at)?.as_object()?;
        let mut keys = Keys::new(object);
        keys.take("description");
        let required = keys
            .take("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let body = keys
            .take("content")
            .and_then(|_| self.content(file, &format!("{at}/content"), hint))
            .map(|(media_type, ty)| Body {
                required,
                media_type,
                ty,
            });
        self.report_leftovers(file, &at, &keys);
        body
    }

    fn response(&mut self, file: usize, at: &str, status: &str, hint: &str) -> Response {
        let Some((file, at)) = self.deref(file, at) else {
            return Response {
                status: status.to_string(),
                description: None,
                headers: Vec::new(),
                body: None,
            };
        };
        let object = match self.node(file, &at) {
            Some(Value::Object(object)) => object.clone(),
            _ => {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &at),
                    format!("response `{status}` must be an object"),
                );
                Default::default()
            }
        };
        let mut keys = Keys::new(&object);
        keys.take("description");
        keys.take("links");
        let mut headers = Vec::new();
        if let Some(Value::Object(map)) = keys.take("headers") {
            for name in map.keys() {
                let header_at = format!("{at}/headers/{}", escape_token(name));
                let Some((hfile, hat)) = self.deref(file, &header_at) else {
                    continue;
                };
                let header = self.node(hfile, &hat).cloned().unwrap_or_default();
                if !header.is_object() {
                    self.diags.error(
                        Code::BadKeyword,
                        self.locate(hfile, &hat),
                        format!("header `{name}` must be an object"),
                    );
                    continue;
                }
                let ty = match header.get("schema") {
                    Some(_) => self.schema(
                        hfile,
                        &format!("{hat}/schema"),
                        &format!("{hint}{}", naming::type_name(name)),
                    ),
                    None => TypeRef::plain(Shape::String),
                };
                headers.push(Parameter {
                    name: name.clone(),
                    location: ParameterLocation::Header,
                    required: header
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    ty,
                    docs: docs_of(&header),
                });
            }
        }
        let body = keys
            .take("content")
            .and_then(|_| self.content(file, &format!("{at}/content"), hint))
            .map(|(media_type, ty)| Body {
                required: true,
                media_type,
                ty,
            });
        self.report_leftovers(file, &at, &keys);
        Response {
            status: status.to_string(),
            description: object
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            headers,
            body,
        }
    }

    /// The JSON media type of a `content` map and its schema type.
    fn content(&mut self, file: usize, at: &str, hint: &str) -> Option<(String, TypeRef)> {
        let content = self.node(file, at)?.as_object()?;
        let mut chosen = None;
        for media_type in content.keys() {
            let media_at = format!("{at}/{}", escape_token(media_type));
            let is_json = media_type == "application/json" || media_type.ends_with("+json");
            if !is_json {
                self.diags.warn(
                    Code::UnsupportedMediaType,
                    self.locate(file, &media_at),
                    format!("`{media_type}` bodies are not typed"),
                );
                continue;
            }
            let Some(media) = self.node(file, &media_at).and_then(Value::as_object) else {
                self.diags.error(
                    Code::BadKeyword,
                    self.locate(file, &media_at),
                    format!("the `{media_type}` media type object must be an object"),
                );
                continue;
            };
            let mut keys = Keys::new(media);
            keys.take("example");
            keys.take("examples");
            keys.take("encoding");
            let ty = match keys.take("schema") {
                Some(_) => self.schema(file, &format!("{media_at}/schema"), hint),
                None => TypeRef::plain(Shape::Any),
            };
            self.media_examples(file, &media_at, &format!("{media_at}/schema"), &ty);
            self.report_leftovers(file, &media_at, &keys);
            chosen.get_or_insert((media_type.clone(), ty));
        }
        chosen
    }

    /// `example` and `examples` (a map of Example objects) of a media type or parameter.
    fn media_examples(&mut self, file: usize, at: &str, schema_at: &str, ty: &TypeRef) {
        let Some(node) = self.node(file, at) else {
            return;
        };
        let schema = self.origin(file, schema_at);
        if let Some(value) = node.get("example") {
            self.push_example(
                self.origin(file, &format!("{at}/example")),
                schema.clone(),
                ty,
                value,
            );
        }
        let Some(Value::Object(examples)) = node.get("examples") else {
            return;
        };
        for name in examples.keys() {
            let example_at = format!("{at}/examples/{}", escape_token(name));
            let Some((efile, eat)) = self.deref(file, &example_at) else {
                continue;
            };
            match self.node(efile, &format!("{eat}/value")) {
                Some(value) => {
                    let value = value.clone();
                    self.push_example(
                        self.origin(efile, &format!("{eat}/value")),
                        schema.clone(),
                        ty,
                        &value,
                    );
                }
                None => {
                    if self.node(efile, &format!("{eat}/externalValue")).is_none() {
                        self.diags.warn(
                            Code::BadExample,
                            self.locate(efile, &eat),
                            "an Example object needs `value`",
                        );
                    }
                }
            }
        }
    }
}

fn security_names(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().cloned())
        .collect()
}
