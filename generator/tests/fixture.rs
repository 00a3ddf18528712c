//! The `kitchen_sink` fixture (tests/fixtures/kitchen_sink, hand-written, not taken from the ACP
//! specs) uses every construct the converter supports. Its generated code, its diagnostics and a
//! summary of its IR are golden files (tests/snapshots/): any change to them must be reviewed.
//! The ordinary assertions below pin the facts the snapshots are meant to show, so a wrong
//! "blessed" snapshot still fails here.

mod common;

use acp_codegen::diagnostics::{Code, Diagnostic, Severity};
use acp_codegen::emit::{self, EmitOptions};
use acp_codegen::ir::{
    Additional, Api, Format, MemberTest, ParameterLocation, Shape, TypeDef, TypeId, TypeKind,
    TypeRef,
};
use common::{fixture_generator, position_of, read_fixture, FIXTURE_VERSION};
use serde_json::json;

const SHOP_JSON: &str = "spec/2030-01-01/json-schema/schema.shop.json";
const SHOP_YAML: &str = "spec/2030-01-01/openapi/openapi.shop.yaml";

fn api() -> Api {
    fixture_generator()
        .api(FIXTURE_VERSION)
        .unwrap_or_else(|e| panic!("the fixture must convert without errors: {e}"))
}

fn ty<'a>(api: &'a Api, module: &str, name: &str) -> &'a TypeDef {
    api.types
        .iter()
        .find(|t| t.name == name && api.modules[t.module].name == module)
        .unwrap_or_else(|| panic!("no type {module}::{name}"))
}

fn id_of(api: &Api, module: &str, name: &str) -> TypeId {
    let wanted = ty(api, module, name) as *const TypeDef;
    api.types.position(|t| std::ptr::eq(t, wanted)).unwrap()
}

fn fields(def: &TypeDef) -> &acp_codegen::ir::Struct {
    match &def.kind {
        TypeKind::Struct(s) => s,
        other => panic!("{} is not a struct: {other:?}", def.name),
    }
}

fn field<'a>(def: &'a TypeDef, name: &str) -> &'a acp_codegen::ir::Field {
    fields(def)
        .fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{} has no field {name}", def.name))
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

/// The golden file: formatted strict code of the fixture, with its server stubs and client.
#[test]
fn generated_code_snapshot() {
    let api = api();
    let options = EmitOptions {
        server: true,
        client: true,
        ..Default::default()
    };
    let code = emit::format(emit::version_tokens(&api, options)).expect("generated code parses");
    insta::assert_snapshot!("kitchen_sink_strict", code);
}

/// Tolerant code differs from strict code only where unknown input is accepted: enums and
/// tagged unions gain `Unknown`, closed structs keep unknown members.
#[test]
fn generated_tolerant_code_snapshot() {
    let api = api();
    let code = emit::format(emit::version_tokens(
        &api,
        EmitOptions {
            tolerant: true,
            ..Default::default()
        },
    ))
    .expect("generated code parses");
    insta::assert_snapshot!("kitchen_sink_tolerant", code);
    assert!(
        !code.contains("deny_unknown_fields"),
        "tolerant code is open"
    );
    assert!(
        code.contains("Unknown(String)"),
        "tolerant enums keep unknown values"
    );
    assert!(
        code.contains("Unknown(serde_json::Value)"),
        "tolerant tagged unions keep unknown variants"
    );
}

#[test]
fn diagnostics_snapshot() {
    let api = api();
    let text: Vec<String> = api.diagnostics.iter().map(Diagnostic::to_string).collect();
    insta::assert_snapshot!("kitchen_sink_diagnostics", text.join("\n"));
}

#[test]
fn ir_summary_snapshot() {
    let api = api();
    insta::assert_snapshot!("kitchen_sink_ir", common::ir_summary(&api));
}

// ---------------------------------------------------------------------------------------------
// Diagnostics: code, file, pointer and line:column
// ---------------------------------------------------------------------------------------------

fn diagnostic<'a>(api: &'a Api, code: Code, file: &str, pointer: &str) -> &'a Diagnostic {
    api.diagnostics
        .iter()
        .find(|d| d.code == code && d.location.file == file && d.location.pointer == pointer)
        .unwrap_or_else(|| {
            panic!(
                "no {code} at {file}#{pointer}; got:\n{}",
                api.diagnostics
                    .iter()
                    .map(|d| format!("  {d}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
}

#[test]
fn diagnostics_have_expected_codes_pointers_and_positions() {
    let api = api();
    let json = read_fixture(SHOP_JSON);
    let yaml = read_fixture(SHOP_YAML);
    assert!(
        api.diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning),
        "the fixture has warnings only"
    );

    // The closed `Line` merged with another part's member. Members are located at their key.
    let d = diagnostic(
        &api,
        Code::AllofClosedPart,
        SHOP_JSON,
        "/$defs/DiscountedLine",
    );
    assert_eq!(
        d.location.line_col,
        Some(position_of(&json, "\"DiscountedLine\": {"))
    );
    assert!(
        d.message.contains("#/$defs/Line") && d.message.contains("`discount`"),
        "{d}"
    );

    // Scalar members too (at the key, not the value).
    let d = diagnostic(
        &api,
        Code::Openapi30Keyword,
        SHOP_JSON,
        "/$defs/Line/properties/weight/exclusiveMinimum",
    );
    let (line, _) = position_of(&json, "\"weight\"");
    assert_eq!(
        d.location.line_col,
        Some((line, column_in_line(&json, line, "\"exclusiveMinimum\"")))
    );

    let d = diagnostic(
        &api,
        Code::Openapi30Keyword,
        SHOP_YAML,
        "/components/schemas/CreateOrderRequest/properties/note/nullable",
    );
    let (note_line, _) = position_of(&yaml, "        note:\n");
    assert_eq!(
        d.location.line_col,
        Some((
            note_line + 2,
            column_in_line(&yaml, note_line + 2, "nullable")
        ))
    );
    diagnostic(
        &api,
        Code::Openapi30Keyword,
        SHOP_YAML,
        "/components/schemas/Error/properties/details/nullable",
    );

    let d = diagnostic(
        &api,
        Code::OpenapiJsonschemaMismatch,
        SHOP_YAML,
        "/components/schemas/Order/properties/id",
    );
    let (order_line, _) = position_of(&yaml, "    Order:\n");
    let id_line = line_after(&yaml, order_line, "        id:");
    assert_eq!(d.location.line_col, Some((id_line, 9)));
    assert!(
        d.message
            .contains("`maxLength` is `40` in the JSON Schema but `64`"),
        "{d}"
    );

    let d = diagnostic(
        &api,
        Code::RefByPath,
        SHOP_JSON,
        "/$defs/Order/properties/total/$ref",
    );
    let (total_line, _) = position_of(&json, "\"total\": {");
    let ref_line = total_line + 1;
    assert_eq!(
        d.location.line_col,
        Some((ref_line, column_in_line(&json, ref_line, "\"$ref\"")))
    );

    let d = diagnostic(
        &api,
        Code::UnsupportedKeyword,
        SHOP_YAML,
        "/components/schemas/Error/retry_after",
    );
    assert_eq!(
        d.location.line_col,
        Some(position_of(&yaml, "retry_after:"))
    );
    assert!(d.message.contains("placed beside `properties`"), "{d}");
    // Display form: file:line:col #pointer: level[code]: message.
    let (line, col) = d.location.line_col.unwrap();
    assert!(d.to_string().starts_with(&format!(
        "{SHOP_YAML}:{line}:{col} #/components/schemas/Error/retry_after: warning[unsupported-keyword]: "
    )));
}

/// 1-based column of `needle` in line `line`.
fn column_in_line(text: &str, line: usize, needle: &str) -> usize {
    let content = text.lines().nth(line - 1).expect("line exists");
    content.find(needle).expect("needle on line") + 1
}

/// The first line after `after` that starts with `prefix`.
fn line_after(text: &str, after: usize, prefix: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(after)
        .find(|(_, l)| l.starts_with(prefix))
        .map(|(i, _)| i + 1)
        .expect("line found")
}

// ---------------------------------------------------------------------------------------------
// IR facts
// ---------------------------------------------------------------------------------------------

#[test]
fn tagged_union_untagged_union_and_refs() {
    let api = api();
    // `oneOf` of `$defs` variants with a required `const` member: tagged by it.
    let payment = ty(&api, "shop", "Payment");
    let TypeKind::TaggedUnion(union) = &payment.kind else {
        panic!("Payment: {:?}", payment.kind)
    };
    assert_eq!(union.tag, "type");
    let variants: Vec<(&str, &str)> = union
        .variants
        .iter()
        .map(|(tag, id)| (tag.as_str(), api.types[*id].name.as_str()))
        .collect();
    assert_eq!(
        variants,
        [("card", "CardPayment"), ("wallet", "WalletPayment")]
    );

    // `anyOf` without a tag: untagged, in spec order.
    let contact = ty(&api, "shop", "Contact");
    let TypeKind::Untagged(options) = &contact.kind else {
        panic!("Contact: {:?}", contact.kind)
    };
    assert_eq!(options.len(), 2);
    assert_eq!(options[0].shape, Shape::String);
    assert_eq!(options[0].rules.format, Some(Format::Email));
    assert_eq!(options[1].shape, Shape::Named(id_of(&api, "shop", "Phone")));

    // Cross-file `$ref` with a sibling `description`: the referenced type, documented here.
    let order = ty(&api, "shop", "Order");
    let total = field(order, "total");
    assert_eq!(
        total.ty.shape,
        Shape::Named(id_of(&api, "common", "Amount"))
    );
    assert_eq!(
        total.docs.description.as_deref(),
        Some("Grand total, in minor units.")
    );
    assert!(total.required);

    // `$ref` with structural siblings: both, as an inline struct.
    let gift = field(order, "gift");
    let Shape::Named(gift_id) = gift.ty.shape else {
        panic!("gift: {:?}", gift.ty)
    };
    let gift_def = &api.types[gift_id];
    assert_eq!(gift_def.name, "OrderGift");
    let names: Vec<(&str, bool)> = fields(gift_def)
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.required))
        .collect();
    assert_eq!(
        names,
        [
            ("line1", true),
            ("country", true),
            ("state", false),
            ("message", true)
        ]
    );

    // The OpenAPI component mirrors the JSON Schema definition: one type, two origins.
    assert_eq!(order.origin.file, SHOP_JSON);
    assert_eq!(order.aliases.len(), 1);
    assert_eq!(order.aliases[0].file, SHOP_YAML);
    assert_eq!(order.aliases[0].pointer, "/components/schemas/Order");
}

#[test]
fn nullability_numbers_strings_and_arrays() {
    let api = api();
    let order = ty(&api, "shop", "Order");
    assert!(matches!(fields(order).additional, Additional::Forbidden));

    // `type: [string, "null"]` + date-time.
    let updated = field(order, "updated_at");
    assert_eq!(updated.ty.shape, Shape::DateTime);
    assert!(updated.ty.nullable && !updated.required);

    // OpenAPI 3.0 `nullable: true` in a 3.1 file is honoured.
    let note = field(ty(&api, "shop", "CreateOrderRequest"), "note");
    assert_eq!(note.ty.shape, Shape::String);
    assert!(note.ty.nullable);

    // Lengths, a `\d` pattern (kept as written; translated at emit time) and examples.
    let id = field(order, "id");
    assert_eq!(
        (id.ty.rules.min_length, id.ty.rules.max_length),
        (Some(5), Some(40)),
        "the JSON Schema wins over the OpenAPI file's maxLength 64"
    );
    assert_eq!(id.ty.rules.pattern.as_deref(), Some(r"^ord_\d+$"));
    assert!(api.examples.iter().any(|e| {
        e.origin.pointer == "/$defs/Order/properties/id/examples/0" && e.value == json!("ord_1")
    }));

    // `format`.
    assert_eq!(field(order, "created_at").ty.shape, Shape::DateTime);
    assert_eq!(field(order, "website").ty.rules.format, Some(Format::Uri));

    // Integer money, minimum.
    let amount = ty(&api, "common", "Amount");
    let TypeKind::Newtype(inner) = &amount.kind else {
        panic!("Amount: {:?}", amount.kind)
    };
    assert_eq!(inner.shape, Shape::Integer);
    assert_eq!(inner.rules.minimum, Some(0.0));

    // minimum/maximum; boolean exclusiveMinimum turns the minimum exclusive.
    let line = ty(&api, "shop", "Line");
    let quantity = &field(line, "quantity").ty.rules;
    assert_eq!(
        (quantity.minimum, quantity.maximum),
        (Some(1.0), Some(99.0))
    );
    let weight = &field(line, "weight").ty.rules;
    assert_eq!(
        (weight.minimum, weight.exclusive_minimum),
        (None, Some(0.0))
    );

    // minItems + uniqueItems on an array of a named type.
    let lines = &field(order, "lines").ty;
    assert!(lines.rules.unique_items);
    assert_eq!(lines.rules.min_items, Some(1));
    assert_eq!(
        lines.shape,
        Shape::Array(Box::new(TypeRef::plain(Shape::Named(id_of(
            &api, "shop", "Line"
        )))))
    );

    // String enum.
    let status = ty(&api, "shop", "Status");
    let TypeKind::Enum(values) = &status.kind else {
        panic!("Status: {:?}", status.kind)
    };
    let values: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(values, ["open", "paid", "canceled"]);
}

#[test]
fn objects_conditions_alternatives_and_all_of() {
    let api = api();
    // additionalProperties: schema / true / map-only.
    let labels = fields(ty(&api, "shop", "Labels"));
    let Additional::Typed(value) = &labels.additional else {
        panic!("Labels: {:?}", labels.additional)
    };
    assert_eq!(value.shape, Shape::String);
    assert_eq!(value.rules.max_length, Some(10));
    assert_eq!(
        fields(ty(&api, "shop", "Extensible")).additional,
        Additional::Any
    );
    let attributes = field(ty(&api, "shop", "Order"), "attributes");
    assert_eq!(
        attributes.ty.shape,
        Shape::Map(Box::new(TypeRef::plain(Shape::Integer)))
    );

    // if/then/else: member const → then required; the allOf part's nested one too.
    let fulfillment = fields(ty(&api, "shop", "Fulfillment"));
    assert_eq!(fulfillment.conditions.len(), 2);
    let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let own = fulfillment
        .conditions
        .iter()
        .find(|c| c.origin.pointer == "/$defs/Fulfillment")
        .expect("the schema's own if/then/else");
    assert_eq!(
        own.when.values,
        [(path(&["method"]), vec![json!("shipping")])]
    );
    assert_eq!(own.then.required, [(path(&[]), path(&["address"]))]);
    assert_eq!(own.otherwise.required, [(path(&[]), path(&["store_id"]))]);
    let nested = fulfillment
        .conditions
        .iter()
        .find(|c| c.origin.pointer == "/$defs/Fulfillment/allOf/0")
        .expect("the allOf part's if/then");
    assert_eq!(
        nested.when.values,
        [(path(&["address", "country"]), vec![json!("US")])]
    );
    assert_eq!(
        nested.then.required,
        [(path(&["address"]), path(&["state"]))]
    );
    assert_eq!(nested.otherwise, MemberTest::default());

    // properties + anyOf of required-only branches: one struct with a rule.
    let reachable = fields(ty(&api, "shop", "Reachable"));
    assert_eq!(reachable.alternatives.len(), 1);
    let alternatives = &reachable.alternatives[0];
    assert!(!alternatives.exclusive);
    let required: Vec<_> = alternatives
        .branches
        .iter()
        .map(|b| b.required.clone())
        .collect();
    assert_eq!(
        required,
        [
            vec![(path(&[]), path(&["email"]))],
            vec![(path(&[]), path(&["phone"]))]
        ]
    );

    // allOf with a closed part: merged, still closed.
    let discounted = fields(ty(&api, "shop", "DiscountedLine"));
    let names: Vec<&str> = discounted.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["sku", "quantity", "weight", "discount"]);
    assert!(
        discounted
            .fields
            .iter()
            .find(|f| f.name == "discount")
            .unwrap()
            .required
    );
    assert_eq!(discounted.additional, Additional::Forbidden);

    // The property schema placed beside `properties` is not a member.
    assert!(fields(ty(&api, "shop", "Error"))
        .fields
        .iter()
        .all(|f| f.name != "retry_after"));
}

#[test]
fn operations_parameters_bodies_and_responses() {
    let api = api();
    let shop = api.modules.iter().find(|m| m.name == "shop").unwrap();
    assert_eq!(shop.title.as_deref(), Some("Shop API"));
    let ops: Vec<(&str, &str, &str)> = shop
        .operations
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str(), o.id.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("POST", "/orders", "createOrder"),
            ("GET", "/orders/{order_id}", "getOrder")
        ]
    );

    let create = &shop.operations[0];
    let params: Vec<(&str, ParameterLocation, bool)> = create
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        params,
        [
            ("Idempotency-Key", ParameterLocation::Header, true),
            ("Accept-Language", ParameterLocation::Header, false)
        ]
    );
    assert_eq!(create.security, ["bearerAuth"]);
    let request = create.request.as_ref().expect("request body");
    assert!(request.required);
    assert_eq!(request.media_type, "application/json");
    assert_eq!(
        request.ty.shape,
        Shape::Named(id_of(&api, "shop", "CreateOrderRequest"))
    );
    let statuses: Vec<&str> = create.responses.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["201", "400"]);
    let created = &create.responses[0];
    assert_eq!(
        created.body.as_ref().unwrap().ty.shape,
        Shape::Named(id_of(&api, "shop", "Order"))
    );
    assert_eq!(created.headers.len(), 1);
    assert_eq!(created.headers[0].name, "Location");
    assert!(created.headers[0].required);
    // The 400 response is a `$ref` to a components/responses entry.
    assert_eq!(
        create.responses[1].body.as_ref().unwrap().ty.shape,
        Shape::Named(id_of(&api, "shop", "Error"))
    );

    let get = &shop.operations[1];
    assert!(get.security.is_empty(), "`security: []` turns auth off");
    let params: Vec<(&str, ParameterLocation, bool)> = get
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        params,
        [
            ("order_id", ParameterLocation::Path, true),
            ("Request-Id", ParameterLocation::Header, false)
        ]
    );
    assert_eq!(
        get.parameters[0].ty.rules.pattern.as_deref(),
        Some(r"^ord_\d+$")
    );
    let statuses: Vec<&str> = get.responses.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["200", "default"]);

    // Examples of media types and parameters, with the values as written.
    let example = |pointer: &str| {
        api.examples
            .iter()
            .find(|e| e.origin.file == SHOP_YAML && e.origin.pointer == pointer)
            .unwrap_or_else(|| panic!("no example at {pointer}"))
    };
    let created_example =
        example("/paths/~1orders/post/responses/201/content/application~1json/example");
    assert_eq!(
        created_example.value["created_at"],
        json!("2030-01-01T00:00:00.50Z")
    );
    assert_eq!(
        created_example.ty.shape,
        Shape::Named(id_of(&api, "shop", "Order"))
    );
    example("/paths/~1orders/post/requestBody/content/application~1json/examples/minimal/value");
    example(
        "/components/responses/BadRequest/content/application~1json/examples/missing_lines/value",
    );
    example("/components/parameters/IdempotencyKey/example");
}

/// The fixture's own examples are instances of the generated types: checked by the behaviour
/// test through `__roundtrip`; here, that each one is recorded against a schema that got a type.
#[test]
fn every_example_points_at_a_schema() {
    let api = api();
    assert!(api.examples.len() >= 6, "{}", api.examples.len());
    for example in &api.examples {
        assert!(
            example.schema.file.starts_with("spec/2030-01-01/"),
            "{}",
            example.schema
        );
    }
}
