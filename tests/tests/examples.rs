//! Every example of the real specs, classified by an independent validator (the `jsonschema`
//! crate) and checked against the generated types:
//! - valid examples must parse into their generated type and serialize back to an equal value;
//! - invalid ones must be rejected with an error naming the offending path, or be accepted for a
//!   reason listed in `KNOWN_GAPS` (a documented difference between types and validator).
//!
//! The counts per version are printed (`cargo test -p acp-e2e --test examples -- --nocapture`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use acp_e2e::example_files::{example_files, rules_for, FILE_ANNOTATIONS};
use acp_e2e::{
    api, explained_by_closed_allof, first_difference, json_eq, roundtrip, spec_root, versions,
    Oracle,
};
use serde_json::Value;

#[derive(Default)]
struct Counts {
    valid_round_trip: usize,
    invalid_rejected: usize,
    invalid_accepted_known: usize,
    not_an_instance: usize,
}

struct Run {
    version: String,
    oracle: Oracle,
    counts: Counts,
    failures: Vec<String>,
    notes: Vec<String>,
}

impl Run {
    /// Classifies one example against `schema` and checks the generated type agrees.
    fn check(&mut self, api: &acp_codegen::Api, origin: &str, schema: &str, value: &Value) {
        let errors = self.oracle.errors(schema, value);
        let Some(parsed) = roundtrip(&self.version, schema, value.clone()) else {
            self.failures
                .push(format!("{origin}: no generated type for {schema}"));
            return;
        };
        match (errors.is_empty(), parsed) {
            (true, Ok(back)) if json_eq(&back, value) => self.counts.valid_round_trip += 1,
            (true, Ok(back)) => self.failures.push(format!(
                "{origin}: valid, but the round trip changed it at {}",
                first_difference(value, &back, "").unwrap_or_default()
            )),
            (true, Err(error)) => self.failures.push(format!(
                "{origin}: valid per {schema}, but the generated type rejects it: {error}"
            )),
            (false, Err(error)) => {
                self.counts.invalid_rejected += 1;
                self.notes.push(format!(
                    "{origin}: invalid ({}); rejected at {}: {error}",
                    errors[0],
                    error.path()
                ));
            }
            (false, Ok(_)) => {
                if explained_by_closed_allof(api, schema, &errors) {
                    self.counts.invalid_accepted_known += 1;
                    self.notes.push(format!(
                        "{origin}: accepted but invalid ({}) because the spec closes an `allOf` part (reported as allof-closed-part)",
                        errors.join("; ")
                    ));
                } else {
                    self.failures.push(format!(
                        "{origin}: invalid per {schema} ({}), but the generated type accepts it",
                        errors.join("; ")
                    ));
                }
            }
        }
    }
}

fn schema_of(api: &acp_codegen::Api, spec: &str, name: &str) -> Option<String> {
    api.types
        .iter()
        .find(|t| {
            api.modules[t.module].spec == spec && t.origin.pointer.rsplit('/').next() == Some(name)
        })
        .map(|t| t.origin.to_string())
}

fn check_example_file(run: &mut Run, api: &acp_codegen::Api, path: &str) {
    let text = std::fs::read(spec_root().join(path)).unwrap();
    acp_specs::Pins::embedded()
        .check(&run.version, path, &text)
        .unwrap_or_else(|e| panic!("{e}"));
    let document: Value = serde_json::from_slice(&text).unwrap();
    let file_name = path.rsplit('/').next().unwrap();
    let object = document.as_object().unwrap();
    if let Some(Value::String(target)) = object.get("$schema") {
        // A whole-file instance (orders/*) or request/response pairs (discount-extension/*).
        let strip = |value: &Value| -> Value {
            let mut value = value.clone();
            if let Some(map) = value.as_object_mut() {
                map.retain(|k, _| !FILE_ANNOTATIONS.contains(&k.as_str()));
            }
            value
        };
        if object.contains_key("request") {
            let candidates = [
                "CheckoutSessionCreateRequest",
                "CheckoutSessionUpdateRequest",
            ];
            check_candidates(
                run,
                api,
                &format!("{path}#/request"),
                "agentic_checkout",
                &candidates,
                &object["request"],
            );
            check_candidates(
                run,
                api,
                &format!("{path}#/response"),
                "agentic_checkout",
                &["CheckoutSession"],
                &object["response"],
            );
        } else {
            let name = target.rsplit('/').next().unwrap();
            check_candidates(
                run,
                api,
                path,
                "agentic_checkout",
                &[name],
                &strip(&document),
            );
        }
        return;
    }
    let Some(rules) = rules_for(file_name) else {
        run.failures.push(format!(
            "{path}: no rule says what its examples are instances of"
        ));
        return;
    };
    for (key, entry) in object {
        let origin = format!("{path}#/{key}");
        // MCP requests also carry the binding's own `meta` (the HTTP headers as members).
        if let Some(meta) = entry.pointer("/params/arguments/meta") {
            check_candidates(
                run,
                api,
                &format!("{origin}/params/arguments/meta"),
                "agentic_checkout_mcp",
                &["meta"],
                meta,
            );
        }
        let rule = rules
            .iter()
            .find(|(_, pattern, _, _)| match pattern.strip_prefix('=') {
                Some(exact) => key == exact,
                None => {
                    key.starts_with(pattern) || (pattern.starts_with('_') && key.ends_with(pattern))
                }
            });
        let Some((spec, _, pointer, candidates)) = rule else {
            run.counts.not_an_instance += 1;
            run.notes.push(format!("{origin}: not an instance of an ACP schema (no ACP payload, e.g. a JSON-RPC error or request without arguments)"));
            continue;
        };
        match entry.pointer(pointer) {
            Some(instance) => check_candidates(run, api, &origin, spec, candidates, instance),
            None => {
                run.counts.not_an_instance += 1;
                run.notes
                    .push(format!("{origin}: has no ACP payload at `{pointer}`"));
            }
        }
    }
}

fn check_candidates(
    run: &mut Run,
    api: &acp_codegen::Api,
    origin: &str,
    spec: &str,
    candidates: &[&str],
    value: &Value,
) {
    let schemas: Vec<String> = candidates
        .iter()
        .map(|name| {
            schema_of(api, spec, name)
                .unwrap_or_else(|| panic!("{}: no schema {spec}/{name}", run.version))
        })
        .collect();
    let chosen = schemas
        .iter()
        .find(|s| run.oracle.errors(s, value).is_empty())
        .unwrap_or(&schemas[0])
        .clone();
    run.check(api, origin, &chosen, value);
}

#[test]
fn every_example_is_classified_and_valid_ones_round_trip() {
    let mut report = String::new();
    let mut failures = Vec::new();
    for version in versions() {
        let api = api(&version);
        let mut run = Run {
            version: version.clone(),
            oracle: Oracle::new(&version),
            counts: Counts::default(),
            failures: Vec::new(),
            notes: Vec::new(),
        };
        let in_spec = api.examples.len();
        for example in &api.examples {
            run.check(
                &api,
                &example.origin.to_string(),
                &example.schema.to_string(),
                &example.value,
            );
        }
        let files = example_files(&version);
        for file in &files {
            check_example_file(&mut run, &api, file);
        }
        let c = &run.counts;
        writeln!(
            report,
            "{version}: {in_spec} in-spec examples + {} example files: {} valid and round-trip, {} invalid and rejected, {} invalid but accepted (known), {} not ACP instances, {} FAILED",
            files.len(), c.valid_round_trip, c.invalid_rejected, c.invalid_accepted_known, c.not_an_instance, run.failures.len()
        )
        .unwrap();
        for note in &run.notes {
            writeln!(report, "  {note}").unwrap();
        }
        failures.extend(run.failures);
    }
    println!("{report}");
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &failures {
        *by_kind
            .entry(if f.contains("rejects") {
                "valid but rejected"
            } else if f.contains("accepts") {
                "invalid but accepted"
            } else {
                "other"
            })
            .or_default() += 1;
    }
    assert!(
        failures.is_empty(),
        "{} example(s) disagree ({by_kind:?}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
