//! Why the `openapiv3` crate is not the loader of record: it models OpenAPI 3.0, and the ACP
//! files are OpenAPI 3.1 with JSON Schema 2020-12 schemas.
//!
//! * It cannot parse the real checkout API of 2025-12-12 through 2026-04-17: a 3.1 `type` array
//!   (`IntentTrace.metadata`'s `additionalProperties: {type: [string, number, boolean]}`) has no
//!   place in its 3.0 model, so the whole document is rejected.
//! * Where it does parse a document, it keeps only its 3.0 model: 3.1 / JSON Schema keywords
//!   (`const`, `examples`, `if`/`then`, `$defs`) are dropped without an error, and nothing of
//!   the result says where in the file a value was. Our loader keeps the document as written,
//!   with line:column for every JSON pointer, and the converter uses those keywords.

use acp_codegen::ir::TypeKind;
use acp_codegen::source::SourceFile;
use acp_codegen::SpecSet;
use serde_json::{json, Value};

fn read_real(rel: &str) -> String {
    let root = acp_specs::resolve_spec_root(None).expect("the ACP spec root");
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Pointers of `type` arrays (a 3.1 feature) under `pointer`.
fn type_arrays(value: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, child) in members {
                let at = format!("{pointer}/{}", acp_codegen::source::escape_token(key));
                if key == "type" && child.is_array() {
                    out.push(at.clone());
                }
                type_arrays(child, &at, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                type_arrays(child, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Rewrites `type: [a, "null", ...]` as `type: a`, the nearest 3.0 spelling.
fn lower_type_arrays(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if let Some(Value::Array(types)) = members.get("type") {
                let first = types.iter().find(|t| *t != "null").cloned();
                members.insert("type".into(), first.unwrap_or(Value::Null));
            }
            members.values_mut().for_each(lower_type_arrays);
        }
        Value::Array(items) => items.iter_mut().for_each(lower_type_arrays),
        _ => {}
    }
}

#[test]
fn openapiv3_cannot_parse_the_real_checkout_apis_from_2025_12_12_to_2026_04_17() {
    let root = acp_specs::resolve_spec_root(None).expect("the ACP spec root");
    let versions: Vec<String> = acp_specs::spec_versions(&root)
        .unwrap()
        .into_iter()
        .filter(|v| ("2025-12-12"..="2026-04-17").contains(&v.as_str()))
        .collect();
    assert_eq!(
        versions,
        ["2025-12-12", "2026-01-16", "2026-01-30", "2026-04-17"]
    );
    for version in &versions {
        let rel = format!("spec/{version}/openapi/openapi.agentic_checkout.yaml");
        let text = read_real(&rel);

        let error = yaml_serde::from_str::<openapiv3::OpenAPI>(&text)
            .expect_err("openapiv3 must reject it")
            .to_string();
        assert!(
            error.starts_with("components.schemas: data did not match any variant of untagged enum AdditionalProperties"),
            "{rel}: {error}"
        );

        // Our loader reads it, with positions.
        let ours = SourceFile::parse(&rel, &text).expect("our loader reads it");
        let intent_trace =
            "/components/schemas/IntentTrace/properties/metadata/additionalProperties/type";
        assert_eq!(
            ours.get(intent_trace),
            Some(&json!(["string", "number", "boolean"])),
            "{rel}"
        );
        assert!(ours.locate(intent_trace).line_col.is_some());

        // The components openapiv3 rejects are exactly those with a 3.1 `type` array, and the
        // document parses once the arrays are rewritten in 3.0 style.
        let schemas = ours.value["components"]["schemas"].as_object().unwrap();
        let mut rejected = Vec::new();
        for (name, schema) in schemas {
            let parsed =
                serde_json::from_value::<openapiv3::ReferenceOr<openapiv3::Schema>>(schema.clone());
            let mut arrays = Vec::new();
            type_arrays(schema, "", &mut arrays);
            if parsed.is_err() {
                assert!(!arrays.is_empty(), "{rel}: {name} fails for another reason");
                rejected.push(name.as_str());
            }
        }
        assert!(rejected.contains(&"IntentTrace"), "{rel}: {rejected:?}");
        let mut lowered = ours.value.clone();
        lower_type_arrays(&mut lowered);
        serde_json::from_value::<openapiv3::OpenAPI>(lowered)
            .unwrap_or_else(|e| panic!("{rel} without type arrays: {e}"));
    }
}

/// On a pure 3.0-style real file openapiv3 does parse, but its round trip is its model, not the
/// file: defaults are dropped (`required: false`) or added (`style: simple`), with no positions.
#[test]
fn openapiv3_round_trip_of_a_real_file_is_its_model_not_the_file() {
    let rel = "spec/2025-09-29/openapi/openapi.delegate_payment.yaml";
    let text = read_real(rel);
    let theirs: openapiv3::OpenAPI = yaml_serde::from_str(&text).expect("openapiv3 parses it");
    let back = serde_json::to_value(&theirs).unwrap();
    let ours = SourceFile::parse(rel, &text).unwrap();
    let pointer = "/components/parameters/AcceptLanguage";
    assert_eq!(
        ours.get(&format!("{pointer}/required")),
        Some(&json!(false))
    );
    assert_eq!(back.pointer(&format!("{pointer}/required")), None);
    assert_eq!(ours.get(&format!("{pointer}/style")), None);
    assert_eq!(
        back.pointer(&format!("{pointer}/style")),
        Some(&json!("simple"))
    );
    assert_ne!(back, ours.value);
}

const OPENAPI_3_1: &str = r##"openapi: 3.1.0
info: {title: Pets, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: A pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      required: [kind]
      properties:
        kind: {type: string, const: dog}
        tags: {type: array, items: {type: string}, examples: [[good]]}
        size: {type: string}
        collar: {type: string}
      if: {properties: {size: {const: large}}, required: [size]}
      then: {required: [collar]}
      $defs:
        Size: {type: string}
"##;

/// On a small 3.1 document, openapiv3 silently drops `const`, `examples`, `if`/`then` and
/// `$defs`; our loader keeps them (with positions) and the converter turns the first three into
/// a constant type, recorded examples and a checked condition.
#[test]
fn openapiv3_silently_drops_keywords_our_loader_keeps() {
    let path = "spec/2030-01-01/openapi/openapi.pets.yaml";
    let theirs: openapiv3::OpenAPI =
        yaml_serde::from_str(OPENAPI_3_1).expect("openapiv3 parses it");
    let back = serde_json::to_value(&theirs).unwrap();
    let ours = SourceFile::parse(path, OPENAPI_3_1).unwrap();
    for (pointer, value) in [
        (
            "/components/schemas/Pet/properties/kind/const",
            json!("dog"),
        ),
        (
            "/components/schemas/Pet/properties/tags/examples",
            json!([["good"]]),
        ),
        ("/components/schemas/Pet/then/required", json!(["collar"])),
        ("/components/schemas/Pet/$defs/Size/type", json!("string")),
    ] {
        assert_eq!(ours.get(pointer), Some(&value), "ours at {pointer}");
        assert!(ours.locate(pointer).line_col.is_some(), "{pointer}");
        assert_eq!(back.pointer(pointer), None, "openapiv3 keeps {pointer}?");
    }
    assert!(back.pointer("/components/schemas/Pet/if").is_none());
    // What it does keep: the 3.0 part.
    assert_eq!(
        back.pointer("/components/schemas/Pet/properties/kind/type"),
        Some(&json!("string"))
    );
    assert_eq!(
        back.pointer("/paths/~1pets~1{id}/get/parameters/0/required"),
        Some(&json!(true))
    );

    // The converter uses what openapiv3 drops.
    let set = SpecSet::from_sources("2030-01-01", &[(path, OPENAPI_3_1)]).unwrap();
    let api = acp_codegen::convert::convert(&set);
    let kind = api
        .types
        .iter()
        .find(|t| t.name == "PetKind")
        .expect("a type for the const");
    assert!(matches!(&kind.kind, TypeKind::Const(v) if v == "dog"));
    let pet = api.types.iter().find(|t| t.name == "Pet").unwrap();
    let TypeKind::Struct(pet) = &pet.kind else {
        panic!("Pet is a struct")
    };
    assert_eq!(pet.conditions.len(), 1);
    assert!(api
        .examples
        .iter()
        .any(|e| e.origin.pointer == "/components/schemas/Pet/properties/tags/examples/0"));
}
