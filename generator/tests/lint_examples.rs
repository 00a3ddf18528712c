//! `lint` validates every example written in the spec files where it is written: at any schema
//! position (OpenAPI components, also those that mirror a JSON Schema definition and so are not
//! converted themselves, and every subschema beneath them; JSON Schema `$defs`; OpenRPC
//! schemas), beside a schema (media types, parameters, headers) and in OpenRPC example pairings.
//!
//! The fixture (tests/fixtures/lint_examples, hand-written) has invalid examples at such
//! positions and valid ones that must stay quiet; the real specs are walked raw to find every
//! `example`/`examples` written in them, each of which lint must have validated.

mod common;

use std::collections::BTreeMap;

use acp_codegen::diagnostics::Diagnostic;
use acp_codegen::ir::Origin;
use acp_codegen::lint::{self, CheckedExample};
use acp_codegen::source::escape_token;
use acp_codegen::{Code, Generator, SpecSet};
use serde_json::Value;

const V: &str = "2031-01-01";
const YAML: &str = "spec/2031-01-01/openapi/openapi.shop.yaml";
const JSON: &str = "spec/2031-01-01/json-schema/schema.shop.json";
const RPC: &str = "spec/2031-01-01/openrpc/openrpc.shop.json";

fn fixture() -> Generator {
    Generator::new(common::workspace_root().join("generator/tests/fixtures/lint_examples"))
        .pins(None)
}

fn invalid_examples(generator: &Generator, version: &str) -> Vec<Diagnostic> {
    lint::lint(generator, version)
        .unwrap_or_else(|e| panic!("{version} lints: {e}"))
        .into_iter()
        .filter(|d| d.code == Code::InvalidExample)
        .collect()
}

fn checked(generator: &Generator, version: &str) -> (SpecSet, Vec<CheckedExample>) {
    let set = generator
        .spec_set(version)
        .unwrap_or_else(|e| panic!("{version} loads: {e}"));
    let api = generator
        .api_of(&set)
        .unwrap_or_else(|e| panic!("{version} converts: {e}"));
    let examples = lint::checked_examples(&set, &api);
    (set, examples)
}

// ---------------------------------------------------------------------------------------------
// The fixture
// ---------------------------------------------------------------------------------------------

/// Exactly the invalid examples are reported, each at the file and pointer where it is
/// written; the valid ones beside them (on the same components, the media types, the
/// parameter, the JSON Schema definitions, the OpenRPC pairing's params) are not.
#[test]
fn invalid_examples_are_reported_where_they_are_written() {
    let findings = invalid_examples(&fixture(), V);
    let found: Vec<(&str, &str)> = findings
        .iter()
        .map(|d| (d.location.file.as_str(), d.location.pointer.as_str()))
        .collect();
    let mut expected = vec![
        // An OpenAPI component mirroring `$defs/Channel`: its root example misses
        // `browser.screen_width`, which `Browser`'s `if`/`then` requires.
        (YAML, "/components/schemas/Channel/example"),
        // ... a root example of the wrong type, among valid ones.
        (YAML, "/components/schemas/Channel/examples/1"),
        // ... nested subschemas: an array's items, a property, an `examples` element, a `then`.
        (
            YAML,
            "/components/schemas/Channel/properties/tags/items/example",
        ),
        (
            YAML,
            "/components/schemas/Browser/properties/javascript_enabled/example",
        ),
        (
            YAML,
            "/components/schemas/Browser/properties/screen_width/examples/1",
        ),
        (YAML, "/components/schemas/Browser/allOf/0/then/example"),
        // Beside a response header's schema.
        (
            YAML,
            "/paths/~1channels/post/responses/201/headers/Channel-Count/example",
        ),
        // A converted JSON Schema definition's property (reported before this rule, too).
        (JSON, "/$defs/Channel/properties/kind/example"),
        // An OpenRPC schema's `not` subschema, and a method's example pairing result.
        (RPC, "/components/schemas/Count/not/example"),
        (RPC, "/methods/0/examples/0/result/value"),
    ];
    expected.sort();
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{findings:#?}");
    assert_eq!(sorted.len(), found.len(), "one finding per example");
}

/// The alias's own example (the case, in small): located at its line, validated against
/// the OpenAPI component it is written in, and saying which member is missing.
#[test]
fn an_aliased_component_example_is_judged_by_its_own_schema() {
    let findings = invalid_examples(&fixture(), V);
    let channel = findings
        .iter()
        .find(|d| d.location.pointer == "/components/schemas/Channel/example")
        .unwrap_or_else(|| panic!("Channel/example not reported: {findings:#?}"));
    let text = std::fs::read_to_string(
        common::workspace_root()
            .join("generator/tests/fixtures/lint_examples")
            .join(YAML),
    )
    .unwrap();
    // Where the `example` key is written.
    let at = common::position_of(&text, "example:\n        kind: browser");
    assert_eq!(channel.location.file, YAML);
    assert_eq!(channel.location.line_col, Some(at));
    assert!(
        channel.message.starts_with(&format!(
            "example is not valid against {YAML}#/components/schemas/Channel: "
        )),
        "{}",
        channel.message
    );
    assert!(
        channel
            .message
            .contains("/browser: \"screen_width\" is a required property"),
        "{}",
        channel.message
    );
}

/// Each example is validated against the schema at the position where it is written (or the
/// schema it stands beside), and none is listed twice.
#[test]
fn each_example_is_checked_against_the_schema_where_it_is_written() {
    let (_, examples) = checked(&fixture(), V);
    let schema_of: BTreeMap<String, String> = examples
        .iter()
        .map(|e| (e.origin.to_string(), e.schema.to_string()))
        .collect();
    assert_eq!(schema_of.len(), examples.len(), "an example listed twice");
    let at = |file: &str, pointer: &str| format!("{file}#{pointer}");
    for (example, schema) in [
        (
            at(YAML, "/components/schemas/Channel/example"),
            at(YAML, "/components/schemas/Channel"),
        ),
        (
            at(YAML, "/components/schemas/Channel/examples/0"),
            at(YAML, "/components/schemas/Channel"),
        ),
        (
            at(YAML, "/components/schemas/Channel/properties/kind/example"),
            at(YAML, "/components/schemas/Channel/properties/kind"),
        ),
        (
            at(YAML, "/components/schemas/Browser/example"),
            at(YAML, "/components/schemas/Browser"),
        ),
        (
            at(YAML, "/components/schemas/Browser/properties/screen_width/examples/0"),
            at(YAML, "/components/schemas/Browser/properties/screen_width"),
        ),
        (
            at(YAML, "/components/schemas/Browser/allOf/0/then/example"),
            at(YAML, "/components/schemas/Browser/allOf/0/then"),
        ),
        (
            at(YAML, "/paths/~1channels/post/parameters/0/schema/example"),
            at(YAML, "/paths/~1channels/post/parameters/0/schema"),
        ),
        (
            at(
                YAML,
                "/paths/~1channels/post/requestBody/content/application~1json/example",
            ),
            at(
                YAML,
                "/paths/~1channels/post/requestBody/content/application~1json/schema",
            ),
        ),
        (
            at(
                YAML,
                "/paths/~1channels/post/responses/201/content/application~1json/examples/created/value",
            ),
            at(
                YAML,
                "/paths/~1channels/post/responses/201/content/application~1json/schema",
            ),
        ),
        (
            at(
                YAML,
                "/paths/~1channels/post/responses/201/headers/Channel-Count/example",
            ),
            at(
                YAML,
                "/paths/~1channels/post/responses/201/headers/Channel-Count/schema",
            ),
        ),
        (at(JSON, "/$defs/Browser/examples/0"), at(JSON, "/$defs/Browser")),
        (at(JSON, "/$defs/Channel/example"), at(JSON, "/$defs/Channel")),
        (
            at(RPC, "/components/schemas/Count/not/example"),
            at(RPC, "/components/schemas/Count/not"),
        ),
        (
            at(RPC, "/methods/0/examples/0/params/0/value"),
            at(RPC, "/methods/0/params/0/schema"),
        ),
        (
            at(RPC, "/methods/0/examples/0/result/value"),
            at(RPC, "/methods/0/result/schema"),
        ),
    ] {
        assert_eq!(
            schema_of.get(&example),
            Some(&schema),
            "{example} must be checked against {schema}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The real specs
// ---------------------------------------------------------------------------------------------

/// An example written in a spec file, found by walking the file's raw value.
struct Written {
    origin: Origin,
    /// The schema it must be validated against, where the position alone says so: the node
    /// holding the keyword when that node is a schema (it has no `schema` member).
    schema: Option<Origin>,
}

/// Every `example` and `examples` member in the raw value of a spec file, except member names
/// (under `properties`, `$defs`, ...) and what example, `const`, `enum` and `default` values
/// hold. An `examples` array's elements are examples, except in an OpenRPC method, where they
/// are pairings whose params and result hold them; an `examples` map's entries are Example
/// objects (with `value`, or a local `$ref` to one).
fn written_examples(path: &str, value: &Value) -> Vec<Written> {
    fn walk(path: &str, root: &Value, value: &Value, pointer: &str, out: &mut Vec<Written>) {
        match value {
            Value::Object(map) => {
                let parent_key = pointer.rsplit('/').next().unwrap_or("");
                let names_members = matches!(
                    parent_key,
                    "properties"
                        | "patternProperties"
                        | "$defs"
                        | "definitions"
                        | "dependentSchemas"
                        | "schemas"
                        | "headers"
                        | "content"
                        | "paths"
                        | "responses"
                        | "parameters"
                        | "requestBodies"
                        | "securitySchemes"
                );
                let beside = map.contains_key("schema").then(|| Origin {
                    file: path.to_string(),
                    pointer: format!("{pointer}/schema"),
                });
                let here = Origin {
                    file: path.to_string(),
                    pointer: pointer.to_string(),
                };
                let origin = |p: String| Origin {
                    file: path.to_string(),
                    pointer: p,
                };
                for (key, child) in map {
                    let at = format!("{pointer}/{}", escape_token(key));
                    if matches!(key.as_str(), "const" | "enum" | "default") {
                        continue;
                    }
                    if names_members || !matches!(key.as_str(), "example" | "examples") {
                        walk(path, root, child, &at, out);
                        continue;
                    }
                    // Reusable Example objects are checked where they are used.
                    if at == "/components/examples" || at == "/components/examplePairings" {
                        continue;
                    }
                    let schema = match &beside {
                        Some(_) => None,
                        None => Some(here.clone()),
                    };
                    match (key.as_str(), child) {
                        ("example", _) => out.push(Written {
                            origin: origin(at),
                            schema,
                        }),
                        ("examples", Value::Array(items))
                            if pointer.starts_with("/methods/")
                                && pointer.matches('/').count() == 2 =>
                        {
                            for (j, pairing) in items.iter().enumerate() {
                                let params = pairing.get("params").and_then(Value::as_array);
                                for (k, _) in params.into_iter().flatten().enumerate() {
                                    out.push(Written {
                                        origin: origin(format!("{at}/{j}/params/{k}/value")),
                                        schema: None,
                                    });
                                }
                                if pairing.pointer("/result/value").is_some() {
                                    out.push(Written {
                                        origin: origin(format!("{at}/{j}/result/value")),
                                        schema: None,
                                    });
                                }
                            }
                        }
                        ("examples", Value::Array(items)) => {
                            for i in 0..items.len() {
                                out.push(Written {
                                    origin: origin(format!("{at}/{i}")),
                                    schema: schema.clone(),
                                });
                            }
                        }
                        ("examples", Value::Object(named)) => {
                            for (name, entry) in named {
                                let target = match entry.get("$ref").and_then(Value::as_str) {
                                    Some(reference) => {
                                        let local =
                                            reference.strip_prefix('#').unwrap_or_else(|| {
                                                panic!("{path}{at}: non-local example {reference}")
                                            });
                                        assert!(root.pointer(local).is_some());
                                        local.to_string()
                                    }
                                    None => format!("{at}/{}", escape_token(name)),
                                };
                                out.push(Written {
                                    origin: origin(format!("{target}/value")),
                                    schema: None,
                                });
                            }
                        }
                        (_, other) => panic!("{path}#{at}: examples that are {other}"),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(path, root, item, &format!("{pointer}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(path, value, value, "", &mut out);
    out
}

/// Every example written in any spec file of any version is among those lint validated, and
/// one written at a schema position is validated against that position's schema.
#[test]
fn every_example_in_the_real_specs_is_validated() {
    let generator = Generator::from_env().expect("the ACP spec root");
    let versions = generator.versions().expect("versions");
    assert!(versions.len() >= 5, "{versions:?}");
    let mut unvalidated = Vec::new();
    let mut total = 0;
    for version in &versions {
        let (set, examples) = checked(&generator, version);
        let schema_of: BTreeMap<&Origin, &Origin> =
            examples.iter().map(|e| (&e.origin, &e.schema)).collect();
        for file in &set.files {
            for written in written_examples(&file.path, &file.value) {
                total += 1;
                match (schema_of.get(&written.origin), &written.schema) {
                    (None, _) => unvalidated.push(format!("{}: not validated", written.origin)),
                    (Some(got), Some(want)) if *got != want => unvalidated.push(format!(
                        "{}: validated against {got}, not {want}",
                        written.origin
                    )),
                    _ => {}
                }
            }
        }
    }
    assert!(
        total > 500,
        "only {total} examples found: is the walk right?"
    );
    assert!(
        unvalidated.is_empty(),
        "{} of {total} examples:\n{}",
        unvalidated.len(),
        unvalidated.join("\n")
    );
}

/// The case: 2026-04-17's `Channel` component (mirroring `$defs/Channel`) has an
/// example whose browser enables JavaScript without the members `BrowserInfo` then requires.
#[test]
fn the_2026_04_17_channel_example_is_reported() {
    let generator = Generator::from_env().expect("the ACP spec root");
    let findings = invalid_examples(&generator, "2026-04-17");
    let file = "spec/2026-04-17/openapi/openapi.delegate_authentication.yaml";
    let channel = findings
        .iter()
        .find(|d| {
            d.location.file == file && d.location.pointer == "/components/schemas/Channel/example"
        })
        .unwrap_or_else(|| panic!("Channel/example not reported"));
    assert!(channel.location.line_col.is_some());
    assert!(
        channel.message.starts_with(&format!(
            "example is not valid against {file}#/components/schemas/Channel: "
        )),
        "{}",
        channel.message
    );
    for member in ["color_depth", "java_enabled", "screen_height"] {
        assert!(
            channel
                .message
                .contains(&format!("\"{member}\" is a required property")),
            "{member}: {}",
            channel.message
        );
    }
}
