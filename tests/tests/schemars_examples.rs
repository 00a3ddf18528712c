//! The `schemars::JsonSchema` impls of the generated types (feature `schemars` of `acp`) against
//! every example of the real specs: each example that the independent validator (the
//! `jsonschema` crate over the spec files, [`Oracle`]) finds valid must also be valid against the
//! schema schemars generates for the example's Rust type (`__schema`, which runs
//! `SchemaGenerator::into_root_schema_for` on the type), validated by the same crate.
//!
//! So that the test can fail, every valid object example is also broken twice, and the schemars
//! schema must reject both: once with a required member removed, once with a member of a single
//! JSON type given a value of another type. The oracle must reject them too (else the mutation
//! proves nothing and the test fails on it). The examples the oracle finds invalid must be
//! rejected as well, except those a reported spec defect explains (`allof-closed-part`, as in
//! tests/examples.rs).
//!
//! Which schema an example is an instance of follows tests/examples.rs (the same rules: in-spec
//! examples carry their schema; entries of example files are mapped by `acp_e2e::example_files`,
//! the first candidate the oracle accepts wins; what it cannot map fails this test too). Counts are printed per version:
//! `cargo test -p acp-e2e --test schemars_examples -- --nocapture`.

use std::collections::HashMap;
use std::fmt::Write as _;

use acp_e2e::example_files::{
    assign_example_files, entries, read_example_file, schema_named, Entry,
};
use acp_e2e::{api, explained_by_closed_allof, spec_root, versions, Oracle};
use serde_json::{json, Map, Value};

/// The schema schemars generates for the type of the schema at `schema` (`file#pointer`).
fn schemars_schema(version: &str, schema: &str) -> Option<Value> {
    let schema = match version {
        "2025-09-29" => acp::v2025_09_29::__schema(schema),
        "2025-12-12" => acp::v2025_12_12::__schema(schema),
        "2026-01-16" => acp::v2026_01_16::__schema(schema),
        "2026-01-30" => acp::v2026_01_30::__schema(schema),
        "2026-04-17" => acp::v2026_04_17::__schema(schema),
        other => panic!("version {other} has no module in the generated crate: add its feature"),
    };
    schema.map(|s| s.as_value().clone())
}

/// One example: where it is, the schema it is an instance of (`file#pointer`), the value.
struct Instance {
    origin: String,
    schema: String,
    value: Value,
}

/// Every example of a version with its schema (example files included); entries that hold no
/// ACP instance are counted in `skipped`.
struct Examples<'a> {
    version: &'a str,
    api: &'a acp_codegen::Api,
    oracle: &'a mut Oracle,
    found: Vec<Instance>,
    skipped: usize,
    problems: Vec<String>,
}

impl Examples<'_> {
    /// The first candidate the oracle accepts, else the first.
    fn add(&mut self, origin: String, spec: &str, candidates: &[String], value: Value) {
        let mut schemas = Vec::new();
        for name in candidates {
            match schema_named(self.api, spec, name) {
                Some(schema) => schemas.push(schema),
                None => {
                    self.problems.push(format!(
                        "{} {origin}: no schema {spec}/{name} (a candidate of its rule or `$schema`)",
                        self.version
                    ));
                    return;
                }
            }
        }
        let Some(first) = schemas.first() else {
            self.problems.push(format!(
                "{} {origin}: its rule names no candidate schema",
                self.version
            ));
            return;
        };
        let schema = schemas
            .iter()
            .find(|s| self.oracle.errors(s, &value).is_empty())
            .unwrap_or(first)
            .clone();
        self.found.push(Instance {
            origin,
            schema,
            value,
        });
    }

    fn file(&mut self, path: &str) {
        let document = match read_example_file(&spec_root(), self.version, path) {
            Ok(document) => document,
            Err(problem) => {
                self.problems.push(format!("{} {problem}", self.version));
                return;
            }
        };
        for entry in entries(path, &document) {
            match entry {
                Entry::Instance {
                    origin,
                    spec,
                    candidates,
                    value,
                } => self.add(origin, &spec, &candidates, value),
                Entry::NotAnInstance { .. } => self.skipped += 1,
                Entry::Problem(problem) => {
                    self.problems.push(format!("{} {problem}", self.version))
                }
            }
        }
    }
}

/// The object schema at the root of a schemars schema (following a root `$ref` into `$defs`),
/// if the root describes objects with declared members.
fn object_root(schema: &Value) -> Option<&Map<String, Value>> {
    let mut node = schema.as_object()?;
    while let Some(Value::String(reference)) = node.get("$ref") {
        node = schema.pointer(reference.strip_prefix('#')?)?.as_object()?;
    }
    node.get("properties")?;
    Some(node)
}

/// Breaks a valid object instance two ways (a required member removed; a member of a single
/// `type` given a value of another type). `None` where the root schema gives no handle.
fn mutations(schema: &Value, value: &Value) -> Vec<(String, Value)> {
    let (Some(root), Some(object)) = (object_root(schema), value.as_object()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let required = root.get("required").and_then(Value::as_array);
    if let Some(member) = required
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|m| object.contains_key(*m))
    {
        let mut broken = object.clone();
        broken.remove(member);
        out.push((format!("without `{member}`"), Value::Object(broken)));
    }
    let properties = root["properties"].as_object().unwrap();
    let typed = object.keys().find_map(|key| {
        let kind = properties.get(key)?.get("type")?.as_str()?;
        Some((key, kind))
    });
    if let Some((key, kind)) = typed {
        let wrong = match kind {
            "string" => json!(12345),
            _ => json!("a string"),
        };
        let mut broken = object.clone();
        broken.insert(key.clone(), wrong.clone());
        out.push((
            format!("`{key}` ({kind}) set to {wrong}"),
            Value::Object(broken),
        ));
    }
    out
}

#[derive(Default)]
struct Counts {
    valid_accepted: usize,
    invalid_rejected: usize,
    invalid_accepted_known: usize,
    not_an_instance: usize,
    mutations_rejected: usize,
    schemas: usize,
}

#[test]
fn schemars_schemas_accept_every_valid_example() {
    let mut report = String::new();
    let mut failures = Vec::new();
    let versions = versions();
    let example_files = assign_example_files(&spec_root(), &versions);
    failures.extend(
        example_files
            .unassigned
            .iter()
            .map(|file| format!("{file} (no version: not checked)")),
    );
    for version in versions {
        let api = api(&version);
        let mut oracle = Oracle::new(&version);
        let mut examples = Examples {
            version: &version,
            api: &api,
            oracle: &mut oracle,
            found: Vec::new(),
            skipped: 0,
            problems: Vec::new(),
        };
        for example in &api.examples {
            examples.found.push(Instance {
                origin: example.origin.to_string(),
                schema: example.schema.to_string(),
                value: example.value.clone(),
            });
        }
        for file in &example_files.by_version[&version] {
            examples.file(file);
        }
        let Examples {
            found,
            skipped,
            problems,
            ..
        } = examples;
        failures.extend(problems);
        let mut counts = Counts {
            not_an_instance: skipped,
            ..Counts::default()
        };
        let mut validators: HashMap<String, (Value, jsonschema::Validator)> = HashMap::new();
        for Instance {
            origin,
            schema,
            value,
        } in found
        {
            if !validators.contains_key(&schema) {
                let Some(generated) = schemars_schema(&version, &schema) else {
                    failures.push(format!(
                        "{version} {origin}: no `__schema` entry for {schema}"
                    ));
                    continue;
                };
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&generated)
                    .unwrap_or_else(|e| {
                        panic!("{version}: the schemars schema of {schema} does not compile: {e}")
                    });
                validators.insert(schema.clone(), (generated, validator));
                counts.schemas += 1;
            }
            let spec_errors = oracle.errors(&schema, &value);
            if !spec_errors.is_empty() {
                // Invalid per the spec: rejected too, unless the spec closes an `allOf` part
                // (the types and their schemas merge the parts, as tests/examples.rs explains).
                if !validators[&schema].1.is_valid(&value) {
                    counts.invalid_rejected += 1;
                } else if explained_by_closed_allof(&api, &schema, &spec_errors) {
                    counts.invalid_accepted_known += 1;
                } else {
                    failures.push(format!(
                        "{version} {origin}: invalid per {schema} ({}), but the schemars schema accepts it",
                        spec_errors.join("; ")
                    ));
                }
                continue;
            }
            let (generated, validator) = &validators[&schema];
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            if !errors.is_empty() {
                failures.push(format!(
                    "{version} {origin}: valid per {schema}, but the schemars schema rejects it: {}",
                    errors.join("; ")
                ));
                continue;
            }
            counts.valid_accepted += 1;
            for (what, broken) in mutations(generated, &value) {
                match (
                    validator.is_valid(&broken),
                    oracle.errors(&schema, &broken).is_empty(),
                ) {
                    (false, false) => counts.mutations_rejected += 1,
                    (true, _) => failures.push(format!(
                        "{version} {origin}: {what}: the schemars schema accepts it"
                    )),
                    (false, true) => failures.push(format!(
                        "{version} {origin}: {what}: rejected, but the spec accepts it (a wrong mutation)"
                    )),
                }
            }
        }
        writeln!(
            report,
            "{version}: {} valid examples accepted by the schemars schemas of {} spec schemas, {} broken copies rejected, {} invalid examples rejected, {} invalid but accepted (closed allOf parts, known), {} entries not ACP instances",
            counts.valid_accepted,
            counts.schemas,
            counts.mutations_rejected,
            counts.invalid_rejected,
            counts.invalid_accepted_known,
            counts.not_an_instance,
        )
        .unwrap();
        if counts.valid_accepted == 0 || counts.mutations_rejected == 0 {
            failures.push(format!("{version}: nothing was checked"));
        }
    }
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The schemas compose: a type holding generated types (here `Vec` and `Option` of them, as a
/// user's `#[derive(JsonSchema)]` type would) gets their documents under its `$defs`, and their
/// own references still resolve (each document is a resource of its own, with an `$id`).
#[test]
fn schemars_schemas_compose() {
    use acp::v2026_04_17::checkout::{CheckoutSession, LineItem};
    let schema = schemars::SchemaGenerator::default()
        .into_root_schema_for::<Vec<Option<CheckoutSession>>>()
        .as_value()
        .clone();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    // `CheckoutSession` is an alias of the struct holding the members.
    let defs = schema["$defs"].as_object().unwrap();
    let session = &defs["CheckoutSessionBase"];
    assert_eq!(
        session["$id"],
        "urn:acp-codegen:schema:2026-04-17:checkout:CheckoutSessionBase"
    );
    assert!(session["$defs"]["LineItem"].is_object());
    assert_eq!(
        <LineItem as schemars::JsonSchema>::schema_id(),
        "acp::v2026_04_17::checkout::LineItem"
    );
    assert_eq!(
        <LineItem as schemars::JsonSchema>::schema_name(),
        "LineItem"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut oracle = Oracle::new("2026-04-17");
    let api = api("2026-04-17");
    let session = api
        .examples
        .iter()
        .find(|e| {
            e.schema.pointer.ends_with("/CheckoutSession")
                && oracle.errors(&e.schema.to_string(), &e.value).is_empty()
        })
        .map(|e| e.value.clone())
        .or_else(|| {
            let text = std::fs::read(
                spec_root().join("examples/2026-04-17/examples.agentic_checkout.json"),
            )
            .unwrap();
            let examples: Value = serde_json::from_slice(&text).unwrap();
            let schema = api
                .types
                .iter()
                .find(|t| t.name == "CheckoutSession" && api.modules[t.module].name == "checkout")
                .unwrap()
                .origin
                .to_string();
            examples
                .as_object()
                .unwrap()
                .values()
                .find(|v| oracle.errors(&schema, v).is_empty())
                .cloned()
        })
        .expect("a valid checkout session example");
    assert!(validator.is_valid(&json!([session, null])));
    let mut broken = session.clone();
    broken.as_object_mut().unwrap().remove("id");
    assert!(!validator.is_valid(&json!([session, broken])));
}
