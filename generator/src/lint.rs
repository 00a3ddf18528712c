//! Spec defects: invalid examples, OpenAPI vs JSON Schema differences, bad keywords.
//!
//! Keyword and consistency findings come from the converter. With the `lint` feature, every
//! example in the spec files is also validated against its schema by an independent validator
//! (the `jsonschema` crate), so a wrong example is reported where it is written.

use serde_json::Value;

use crate::ir::Origin;
use crate::source::escape_token;
use crate::{Api, Diagnostic, Error, Generator, SpecSet};

/// Every finding for one version, sorted by location.
pub fn lint(generator: &Generator, version: &str) -> Result<Vec<Diagnostic>, Error> {
    let set = generator.spec_set(version)?;
    let api = generator.api_of(&set)?;
    let mut findings = api.diagnostics.clone();
    #[cfg(feature = "lint")]
    findings.extend(invalid_examples(&set, &api)?);
    crate::diagnostics::sort_by_location(&mut findings);
    Ok(findings)
}

/// An example written in a spec file and the schema `lint` validates it against.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedExample {
    /// Where the example value is written.
    pub origin: Origin,
    /// The schema it is validated against.
    pub schema: Origin,
    /// The value.
    pub value: Value,
}

/// Every example written in the version's files that `lint` validates, sorted by where it is
/// written, each with the schema at the position where it is written:
///
/// - every `example` and `examples` element at a schema position: OpenAPI and OpenRPC
///   `components/schemas` (also the OpenAPI components that mirror a JSON Schema definition,
///   which the converter does not convert itself), JSON Schema bundles, the `schema` of
///   parameters, headers, media types and content descriptors, and every subschema beneath them
///   (`properties`, `items`, `allOf`/`oneOf`/`anyOf` parts, `additionalProperties`,
///   `if`/`then`/`else`, `not`, `$defs`, ...), validated against that subschema;
/// - `example` and the `examples` Example objects' `value` beside a schema (parameters,
///   headers, media types), validated against that schema;
/// - the param and result values of OpenRPC methods' example pairings, validated against the
///   schema of the param of that name and of the result.
///
/// The converter's examples ([`Api::examples`], which generated code uses) come first; this adds
/// the ones it does not record, so each example is listed once.
pub fn checked_examples(set: &SpecSet, api: &Api) -> Vec<CheckedExample> {
    let mut walk = Walk {
        set,
        file: 0,
        found: api
            .examples
            .iter()
            .map(|example| CheckedExample {
                origin: example.origin.clone(),
                schema: example.schema.clone(),
                value: example.value.clone(),
            })
            .collect(),
    };
    for (index, file) in set.files.iter().enumerate() {
        walk.file = index;
        if set.specs.iter().any(|spec| spec.json_schema == Some(index)) {
            walk.schema(&file.value, "");
        } else {
            walk.document(&file.value, "");
            if file.value.get("openrpc").is_some() {
                walk.pairings(&file.value);
            }
        }
    }
    let mut checked = walk.found;
    // Stable: of two listings of one example, the converter's stays.
    checked.sort_by(|a, b| a.origin.cmp(&b.origin));
    checked.dedup_by(|a, b| a.origin == b.origin);
    checked
}

/// The raw walk over one file at a time that finds the examples written in it.
struct Walk<'a> {
    set: &'a SpecSet,
    file: usize,
    found: Vec<CheckedExample>,
}

impl<'a> Walk<'a> {
    fn origin(&self, file: usize, pointer: &str) -> Origin {
        Origin {
            file: self.set.files[file].path.clone(),
            pointer: pointer.to_string(),
        }
    }

    fn push(&mut self, origin: Origin, schema: Origin, value: &Value) {
        self.found.push(CheckedExample {
            origin,
            schema,
            value: value.clone(),
        });
    }

    /// The node at `pointer` of `file`, its `$ref`s followed.
    fn resolve(&self, file: usize, pointer: &str) -> Option<(usize, String)> {
        let mut current = (file, pointer.to_string());
        for _ in 0..16 {
            let node = self.set.files[current.0].get(&current.1)?;
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let target = self.set.resolve(current.0, reference).ok()?;
                    current = (target.file, target.pointer);
                }
                None => return Some(current),
            }
        }
        None
    }

    /// An OpenAPI or OpenRPC document outside schemas: schemas start at `components/schemas`
    /// and at every `schema` member; Example objects are read where they are used, and example
    /// values are not walked (their members are data).
    fn document(&mut self, value: &Value, pointer: &str) {
        match value {
            Value::Object(map) => {
                if let Some(schema) = map.get("schema") {
                    let schema_at = format!("{pointer}/schema");
                    self.schema(schema, &schema_at);
                    self.beside(map, pointer, &schema_at);
                }
                for (key, child) in map {
                    let at = format!("{pointer}/{}", escape_token(key));
                    match key.as_str() {
                        "schema" | "example" | "examples" | "examplePairings" => {}
                        _ if key.starts_with("x-") => {}
                        "schemas" if pointer == "/components" => {
                            for (name, schema) in child.as_object().into_iter().flatten() {
                                self.schema(schema, &format!("{at}/{}", escape_token(name)));
                            }
                        }
                        _ => self.document(child, &at),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.document(item, &format!("{pointer}/{i}"));
                }
            }
            _ => {}
        }
    }

    /// `example` and the `examples` map of a parameter, header or media type at `pointer`,
    /// instances of the schema at `schema_at`.
    fn beside(&mut self, map: &serde_json::Map<String, Value>, pointer: &str, schema_at: &str) {
        let schema = self.origin(self.file, schema_at);
        if let Some(value) = map.get("example") {
            let origin = self.origin(self.file, &format!("{pointer}/example"));
            self.push(origin, schema.clone(), value);
        }
        for name in map
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|named| named.keys())
        {
            let at = format!("{pointer}/examples/{}", escape_token(name));
            let Some((file, at)) = self.resolve(self.file, &at) else {
                continue;
            };
            let at = format!("{at}/value");
            if let Some(value) = self.set.files[file].get(&at) {
                self.push(self.origin(file, &at), schema.clone(), value);
            }
        }
    }

    /// A schema and every subschema beneath it (without following `$ref`: what it points at is
    /// walked where it is written).
    fn schema(&mut self, value: &Value, pointer: &str) {
        let Value::Object(map) = value else {
            return;
        };
        let here = self.origin(self.file, pointer);
        if let Some(example) = map.get("example") {
            let origin = self.origin(self.file, &format!("{pointer}/example"));
            self.push(origin, here.clone(), example);
        }
        if let Some(Value::Array(examples)) = map.get("examples") {
            for (i, example) in examples.iter().enumerate() {
                let origin = self.origin(self.file, &format!("{pointer}/examples/{i}"));
                self.push(origin, here.clone(), example);
            }
        }
        for (key, child) in map {
            let at = format!("{pointer}/{}", escape_token(key));
            match (key.as_str(), child) {
                (
                    "properties" | "patternProperties" | "dependentSchemas" | "$defs"
                    | "definitions",
                    Value::Object(named),
                ) => {
                    for (name, schema) in named {
                        self.schema(schema, &format!("{at}/{}", escape_token(name)));
                    }
                }
                ("allOf" | "anyOf" | "oneOf" | "prefixItems" | "items", Value::Array(parts)) => {
                    for (i, schema) in parts.iter().enumerate() {
                        self.schema(schema, &format!("{at}/{i}"));
                    }
                }
                (
                    "items"
                    | "additionalItems"
                    | "unevaluatedItems"
                    | "contains"
                    | "additionalProperties"
                    | "unevaluatedProperties"
                    | "propertyNames"
                    | "if"
                    | "then"
                    | "else"
                    | "not"
                    | "contentSchema",
                    _,
                ) => self.schema(child, &at),
                _ => {}
            }
        }
    }

    /// The example pairings of an OpenRPC document's methods: each param value is an instance
    /// of the schema of the method's param of that name, the result value of the result's.
    fn pairings(&mut self, document: &Value) {
        let file = self.file;
        let count = |node: Option<&Value>, key: &str| {
            node.and_then(|n| n.get(key))
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        };
        let methods = document.get("methods").and_then(Value::as_array);
        for (i, method) in methods.into_iter().flatten().enumerate() {
            let at = format!("/methods/{i}");
            let params: Vec<(Option<&str>, Origin)> = (0..count(Some(method), "params"))
                .filter_map(|j| self.described(file, &format!("{at}/params/{j}")))
                .collect();
            let result = self.described(file, &format!("{at}/result"));
            for j in 0..count(Some(method), "examples") {
                let Some((file, pairing)) = self.resolve(file, &format!("{at}/examples/{j}"))
                else {
                    continue;
                };
                let node = self.set.files[file].get(&pairing);
                for k in 0..count(node, "params") {
                    let example = self.described(file, &format!("{pairing}/params/{k}"));
                    let schema = params
                        .iter()
                        .find(|(name, _)| example.as_ref().is_some_and(|(n, _)| n == name))
                        .map(|(_, schema)| schema.clone());
                    self.push_pairing(example, schema);
                }
                if node.and_then(|n| n.get("result")).is_some() {
                    let example = self.described(file, &format!("{pairing}/result"));
                    let schema = result.as_ref().map(|(_, schema)| schema.clone());
                    self.push_pairing(example, schema);
                }
            }
        }
    }

    /// An OpenRPC Content Descriptor's or Example object's `name` and where its `schema` or
    /// `value` is (whichever it has), its `$ref`s followed.
    fn described(&self, file: usize, at: &str) -> Option<(Option<&'a str>, Origin)> {
        let (file, at) = self.resolve(file, at)?;
        let node = self.set.files[file].get(&at)?;
        let member = ["schema", "value"]
            .into_iter()
            .find(|key| node.get(key).is_some())?;
        let name = node.get("name").and_then(Value::as_str);
        Some((name, self.origin(file, &format!("{at}/{member}"))))
    }

    /// A pairing's example value (`described`), with the schema of its param or result.
    fn push_pairing(&mut self, example: Option<(Option<&str>, Origin)>, schema: Option<Origin>) {
        let (Some((_, origin)), Some(schema)) = (example, schema) else {
            return;
        };
        let file = self.set.file_index(&origin.file);
        if let Some(value) = file.and_then(|f| self.set.files[f].get(&origin.pointer)) {
            self.push(origin, schema, value);
        }
    }
}

/// Every in-spec example the independent validator rejects, located where it is written.
#[cfg(feature = "lint")]
fn invalid_examples(set: &SpecSet, api: &Api) -> Result<Vec<Diagnostic>, Error> {
    let mut oracle = Oracle::new(set).map_err(|error| {
        Error::Invalid(vec![Diagnostic {
            severity: crate::Severity::Error,
            code: crate::Code::Validator,
            location: crate::diagnostics::Location {
                file: format!("spec/{}", set.version),
                pointer: String::new(),
                line_col: None,
            },
            message: error.to_string(),
        }])
    })?;
    let mut findings = Vec::new();
    for example in checked_examples(set, api) {
        let errors = oracle.errors(&example.schema.to_string(), &example.value);
        let Some(file) = set.files.iter().find(|f| f.path == example.origin.file) else {
            continue;
        };
        if errors.is_empty() {
            continue;
        }
        let shown: Vec<&str> = errors.iter().take(3).map(String::as_str).collect();
        let more = if errors.len() > 3 {
            format!(" (+{} more)", errors.len() - 3)
        } else {
            String::new()
        };
        findings.push(Diagnostic {
            severity: crate::Severity::Warning,
            code: crate::Code::InvalidExample,
            location: file.locate(&example.origin.pointer),
            message: format!(
                "example is not valid against {}: {}{more}",
                example.schema,
                shown.join("; ")
            ),
        });
    }
    Ok(findings)
}

#[cfg(feature = "lint")]
pub use oracle::{Oracle, OracleError};

#[cfg(feature = "lint")]
mod oracle {
    use std::collections::HashMap;

    use serde_json::{json, Value};

    use crate::loader::SpecSet;

    /// An independent validator (the `jsonschema` crate) over all files of one version.
    pub struct Oracle {
        registry: jsonschema::Registry<'static>,
        validators: HashMap<String, jsonschema::Validator>,
    }

    /// Why the independent validator cannot be used.
    #[derive(Debug, thiserror::Error)]
    pub enum OracleError {
        /// The version's files do not make a schema registry (a document the validator cannot
        /// read as a resource, two documents under one URI, ...).
        #[error("cannot register the spec files with the validator: {source}")]
        Register {
            /// The spec version whose files were registered.
            version: String,
            /// What the validator said.
            source: Box<jsonschema::ReferencingError>,
        },
        /// The schema at `file#pointer` does not compile (a reference that does not resolve, a
        /// keyword value the validator refuses, ...).
        #[error("cannot build a validator for {file}#{pointer}: {source}")]
        Build {
            /// The spec file, relative to the spec root.
            file: String,
            /// The JSON pointer of the schema in the file.
            pointer: String,
            /// What the validator said.
            source: Box<jsonschema::ValidationError<'static>>,
        },
    }

    /// URI under which a spec file is registered.
    fn file_uri(path: &str) -> String {
        format!("https://spec.acp.invalid/{path}")
    }

    impl Oracle {
        /// Registers every file of the set. Each file is known by its path URI and its `$id`;
        /// and because cart/discount refer to `schema.agentic_checkout.json` relative to `$id`s
        /// that are not the checkout bundle's, every bundle is also registered where such
        /// references land (the reading the converter reports as `ref-by-path`). OpenAPI 3.0
        /// leftovers are rewritten into 3.1 first, as the converter reads them
        /// (`openapi-3.0-keyword`); without that the validator refuses the 2025-09-29 checkout
        /// bundle outright.
        pub fn new(set: &SpecSet) -> Result<Oracle, OracleError> {
            Oracle::build(set, false)
        }

        /// Like [`Oracle::new`], but an `allOf` with closed parts is judged as its authors
        /// meant it: closed as a whole. Taken literally, `allOf: [closed base, {required:
        /// [order]}]` (`CheckoutSessionWithOrder`) accepts nothing, since each part rejects the
        /// other's members; `lint` reports that, a server check must not fail on it.
        pub fn merging_closed_allof(set: &SpecSet) -> Result<Oracle, OracleError> {
            Oracle::build(set, true)
        }

        fn build(set: &SpecSet, merge_closed_allof: bool) -> Result<Oracle, OracleError> {
            let documents: Vec<(String, Value)> = set
                .files
                .iter()
                .map(|file| {
                    let mut value = file.value.clone();
                    normalize_openapi_30(&mut value);
                    if merge_closed_allof {
                        close_allof_as_a_whole(&mut value);
                    }
                    (file.path.clone(), value)
                })
                .collect();
            let ids: Vec<String> = documents
                .iter()
                .filter_map(|(_, v)| v.get("$id").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            let mut resources: Vec<(String, Value)> = Vec::new();
            for (path, value) in &documents {
                let file_name = path.rsplit('/').next().unwrap_or(path);
                match value.get("$id").and_then(Value::as_str) {
                    Some(id) => {
                        resources.push((id.to_string(), value.clone()));
                        // Without `$id`, the registration URI is the document's base.
                        let mut anonymous = value.clone();
                        if let Some(map) = anonymous.as_object_mut() {
                            map.remove("$id");
                        }
                        resources.push((file_uri(path), anonymous.clone()));
                        for other in &ids {
                            let base = &other[..other.rfind('/').map_or(0, |i| i + 1)];
                            resources.push((format!("{base}{file_name}"), anonymous.clone()));
                        }
                    }
                    None => resources.push((file_uri(path), value.clone())),
                }
            }
            let registry = jsonschema::Registry::new()
                .extend(resources)
                .and_then(|builder| builder.prepare())
                .map_err(|source| OracleError::Register {
                    version: set.version.clone(),
                    source: Box::new(source),
                })?;
            Ok(Oracle {
                registry,
                validators: HashMap::new(),
            })
        }

        /// The compiled validator for the schema at `schema` (`file#pointer`).
        pub fn validator(&mut self, schema: &str) -> Result<&jsonschema::Validator, OracleError> {
            if !self.validators.contains_key(schema) {
                let (file, pointer) = schema.split_once('#').unwrap_or((schema, ""));
                let reference =
                    json!({ "$ref": format!("{}#{}", file_uri(file), encode_fragment(pointer)) });
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .with_registry(&self.registry)
                    .should_validate_formats(true)
                    .build(&reference)
                    .map_err(|source| OracleError::Build {
                        file: file.to_string(),
                        pointer: pointer.to_string(),
                        source: Box::new(source),
                    })?;
                self.validators.insert(schema.to_string(), validator);
            }
            Ok(&self.validators[schema])
        }

        /// Validation errors of `value` against the schema at `schema` (`file#pointer`), as
        /// `instance path: message`; empty when valid. A schema the validator cannot compile
        /// is one error saying so.
        pub fn errors(&mut self, schema: &str, value: &Value) -> Vec<String> {
            match self.validator(schema) {
                Ok(validator) => validator
                    .iter_errors(value)
                    .map(|e| {
                        let at = e.instance_path().to_string();
                        format!(
                            "{}: {e}",
                            if at.is_empty() { "(root)" } else { at.as_str() }
                        )
                    })
                    .collect(),
                Err(problem) => vec![problem.to_string()],
            }
        }
    }

    fn encode_fragment(pointer: &str) -> String {
        pointer
            .replace('%', "%25")
            .replace(' ', "%20")
            .replace('{', "%7B")
            .replace('}', "%7D")
    }

    /// Rewrites every `allOf` with parts closed by `additionalProperties: false` (local `$ref`
    /// parts are inlined) so that the parts are open and the composition carries
    /// `unevaluatedProperties: false`, which sees the members of every part.
    fn close_allof_as_a_whole(document: &mut Value) {
        fn walk(value: &mut Value, source: &Value) {
            match value {
                Value::Object(map) => {
                    let mut closed = false;
                    if let Some(Value::Array(parts)) = map.get_mut("allOf") {
                        for part in parts.iter_mut() {
                            let resolved = match part.get("$ref").and_then(Value::as_str) {
                                Some(reference) if reference.starts_with("#/") => {
                                    source.pointer(&reference[1..]).cloned()
                                }
                                Some(_) => None,
                                None => Some(part.clone()),
                            };
                            let Some(Value::Object(mut resolved)) = resolved else {
                                continue;
                            };
                            if resolved.get("additionalProperties") == Some(&Value::Bool(false)) {
                                resolved.remove("additionalProperties");
                                *part = Value::Object(resolved);
                                closed = true;
                            }
                        }
                    }
                    if closed && !map.contains_key("unevaluatedProperties") {
                        map.insert("unevaluatedProperties".into(), Value::Bool(false));
                    }
                    map.values_mut().for_each(|v| walk(v, source));
                }
                Value::Array(items) => items.iter_mut().for_each(|v| walk(v, source)),
                _ => {}
            }
        }
        let source = document.clone();
        walk(document, &source);
    }

    /// Boolean `exclusiveMinimum`/`exclusiveMaximum` and `nullable: true` in their 3.1 form.
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
                if map.get("nullable") == Some(&Value::Bool(true)) {
                    map.remove("nullable");
                    if let Some(kind) = map.remove("type") {
                        let types = match kind {
                            Value::Array(mut types) => {
                                types.push(json!("null"));
                                types
                            }
                            single => vec![single, json!("null")],
                        };
                        map.insert("type".into(), Value::Array(types));
                    }
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
}

#[cfg(all(test, feature = "lint"))]
mod tests {
    use serde_json::json;

    use super::{Oracle, OracleError};
    use crate::SpecSet;

    const SCHEMA: &str = "spec/2030-01-01/json-schema/schema.x.json";

    #[test]
    fn a_schema_that_does_not_compile_is_named_by_file_and_pointer() {
        let text = r##"{"$defs": {"A": {"$ref": "#/$defs/Missing"}, "B": {"type": "string"}}}"##;
        let set = SpecSet::from_sources("2030-01-01", &[(SCHEMA, text)]).expect("loads");
        let mut oracle = Oracle::new(&set).expect("registers");
        assert!(oracle
            .errors(&format!("{SCHEMA}#/$defs/B"), &json!("x"))
            .is_empty());
        match oracle.validator(&format!("{SCHEMA}#/$defs/A")) {
            Err(OracleError::Build { file, pointer, .. }) => {
                assert_eq!((file.as_str(), pointer.as_str()), (SCHEMA, "/$defs/A"));
            }
            Err(other) => panic!("expected a build error, got {other}"),
            Ok(_) => panic!("a reference to nothing compiled"),
        }
        let errors = oracle.errors(&format!("{SCHEMA}#/$defs/A"), &json!("x"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(&format!("cannot build a validator for {SCHEMA}#/$defs/A: ")),
            "{errors:?}"
        );
    }
}
