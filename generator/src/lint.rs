//! Spec defects: invalid examples, OpenAPI vs JSON Schema differences, bad keywords.
//!
//! Keyword and consistency findings come from the converter. With the `lint` feature, every
//! example in the spec files is also validated against its schema by an independent validator
//! (the `jsonschema` crate), so a wrong example is reported where it is written.

use crate::{Diagnostic, Error, Generator};

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

/// Every in-spec example the independent validator rejects, located where it is written.
#[cfg(feature = "lint")]
fn invalid_examples(set: &crate::SpecSet, api: &crate::Api) -> Result<Vec<Diagnostic>, Error> {
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
    for example in &api.examples {
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
