//! Every example of the real specs, classified by an independent validator (the `jsonschema`
//! crate) and checked against the generated types:
//! - valid examples must parse into their generated type and serialize back to an equal value;
//! - invalid ones must be rejected with an error naming the offending path, or be accepted for a
//!   reason listed in `KNOWN_GAPS` (a documented difference between types and validator).
//!
//! Example files are every JSON file under `examples/`, assigned to a version and mapped entry
//! by entry to schemas by `acp_e2e::example_files` (a file or entry no rule covers, an ambiguous
//! rule, or a file with no version fails the test; entries a rule declares not to be ACP instances
//! are counted and listed).
//!
//! The counts per version are printed (`cargo test -p acp-e2e --test examples -- --nocapture`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use acp_e2e::example_files::{
    assign_example_files, entries, read_example_file, schema_named, Entry,
};
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

fn check_example_file(run: &mut Run, api: &acp_codegen::Api, path: &str) {
    let document = match read_example_file(&spec_root(), &run.version, path) {
        Ok(document) => document,
        Err(problem) => {
            run.failures.push(problem);
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
            } => check_candidates(run, api, &origin, &spec, &candidates, &value),
            Entry::NotAnInstance { origin, reason } => {
                run.counts.not_an_instance += 1;
                run.notes
                    .push(format!("{origin}: not an ACP instance: {reason}"));
            }
            Entry::Problem(problem) => run.failures.push(problem),
        }
    }
}

fn check_candidates(
    run: &mut Run,
    api: &acp_codegen::Api,
    origin: &str,
    spec: &str,
    candidates: &[String],
    value: &Value,
) {
    if candidates.is_empty() {
        run.failures
            .push(format!("{origin}: its rule names no candidate schema"));
        return;
    }
    let mut schemas = Vec::new();
    for name in candidates {
        match schema_named(api, spec, name) {
            Some(schema) => schemas.push(schema),
            None => {
                run.failures.push(format!(
                    "{origin}: no schema {spec}/{name} in {} (a candidate of its rule or `$schema`)",
                    run.version
                ));
                return;
            }
        }
    }
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
    let versions = versions();
    let example_files = assign_example_files(&spec_root(), &versions);
    for version in versions {
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
        let files = &example_files.by_version[&version];
        for file in files {
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
    for file in &example_files.ignored {
        writeln!(report, "ignored (not JSON): {file}").unwrap();
    }
    for file in &example_files.unassigned {
        failures.push(format!("{file} (no version: not checked)"));
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
