//! Facts about the real specs that the IR and the generated types must get right (each one a
//! construct other generators are known to mishandle).

use acp_codegen::ir::{Additional, Api, Shape, TypeDef, TypeKind};
use acp_e2e::api;
use serde_json::json;

fn find<'a>(api: &'a Api, module: &str, name: &str) -> &'a TypeDef {
    api.types
        .iter()
        .find(|t| api.modules[t.module].name == module && t.name == name)
        .unwrap_or_else(|| panic!("{}: no {module}::{name}", api.version))
}

fn field<'a>(def: &'a TypeDef, name: &str) -> &'a acp_codegen::ir::Field {
    match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{}.{name} missing", def.name)),
        other => panic!("{} is not a struct: {other:?}", def.name),
    }
}

#[test]
fn cross_file_refs_share_one_type() {
    let api = api("2026-04-17");
    // The webhook's order data is the checkout spec's Order, not a copy (or an empty struct).
    let order = api
        .types
        .position(|t| t.name == "Order" && api.modules[t.module].name == "checkout")
        .unwrap();
    assert!(!api
        .types
        .iter()
        .any(|t| t.name == "Order" && api.modules[t.module].name == "webhooks"));
    let event_data = find(&api, "webhooks", "EventDataOrder");
    let TypeKind::Struct(s) = &event_data.kind else {
        panic!("{event_data:?}")
    };
    assert!(
        s.fields.len() > 5,
        "EventDataOrder must carry Order's members, got {:?}",
        s.fields.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
    assert!(
        matches!(&find(&api, "checkout", "Order").kind, TypeKind::Struct(o) if o.fields.len() > 3)
    );
    // Cart refers to schema.agentic_checkout.json although its $id base is not the bundle's.
    let cart = find(&api, "cart", "Cart");
    let Shape::Array(item) = &field(cart, "line_items").ty.shape else {
        panic!()
    };
    let Shape::Named(line_item) = item.shape else {
        panic!()
    };
    assert_eq!(api.modules[api.types[line_item].module].name, "checkout");
    assert_ne!(order, line_item);
    // An OpenAPI component mirroring a JSON Schema definition is the same type.
    let session = find(&api, "checkout", "CheckoutSessionBase");
    assert!(session
        .aliases
        .iter()
        .any(|a| a.file.ends_with("openapi.agentic_checkout.yaml")));
}

#[test]
fn composition_unions_and_nullability() {
    let api = api("2025-09-29");
    // allOf composition: CheckoutSessionWithOrder = CheckoutSessionBase + order.
    let with_order = find(&api, "checkout", "CheckoutSessionWithOrder");
    assert!(field(with_order, "order").required);
    assert!(field(with_order, "line_items").required);
    assert!(
        matches!(&with_order.kind, TypeKind::Struct(s) if s.additional == Additional::Forbidden)
    );
    // const-tagged oneOf: fulfillment options and messages dispatch on `type`.
    let base = find(&api, "checkout", "CheckoutSessionBase");
    let Shape::Array(option) = &field(base, "fulfillment_options").ty.shape else {
        panic!()
    };
    let Shape::Named(option) = option.shape else {
        panic!()
    };
    match &api.types[option].kind {
        TypeKind::TaggedUnion(u) => {
            assert_eq!(u.tag, "type");
            assert_eq!(
                u.variants
                    .iter()
                    .map(|(v, _)| v.as_str())
                    .collect::<Vec<_>>(),
                ["shipping", "digital"]
            );
        }
        other => panic!("fulfillment option is not a tagged union: {other:?}"),
    }
    // 3.0-style boolean exclusiveMinimum read with its 3.0 meaning; quantity is a number.
    let quantity = field(find(&api, "checkout", "Item"), "quantity");
    assert_eq!(
        (
            quantity.ty.shape.clone(),
            quantity.ty.rules.exclusive_minimum,
            quantity.ty.rules.minimum
        ),
        (Shape::Number, Some(0.0), None)
    );
    // Money is integer minor units.
    assert_eq!(
        field(find(&api, "checkout", "LineItem"), "total").ty.shape,
        Shape::Integer
    );
    // 3.0 `nullable: true` in the OpenAPI file is honoured (MessageError.param).
    assert!(api
        .diagnostics
        .iter()
        .any(|d| d.code == acp_codegen::Code::Openapi30Keyword
            && d.location.pointer.ends_with("/nullable")));
}

#[test]
fn type_arrays_and_conditionals() {
    let api = api("2025-12-12");
    // `type: [string, number, boolean]` is an enum of the three, not an empty struct.
    let trace = api
        .types
        .iter()
        .find(|t| t.name == "IntentTraceMetadataValue")
        .expect("metadata value type");
    match &trace.kind {
        TypeKind::Untagged(variants) => assert_eq!(
            variants.iter().map(|v| v.shape.clone()).collect::<Vec<_>>(),
            [Shape::String, Shape::Number, Shape::Boolean]
        ),
        other => panic!("{other:?}"),
    }
    // Nested if/then: javascript_enabled → browser fields required.
    let metadata = find(&api, "checkout", "AuthenticationMetadata");
    let TypeKind::Struct(s) = &metadata.kind else {
        panic!()
    };
    assert_eq!(s.conditions.len(), 1);
    assert_eq!(
        s.conditions[0].when.values[0].0,
        ["channel", "browser", "javascript_enabled"]
    );
    // Properties + oneOf over members: SelectedFulfillmentOption is a struct with alternatives.
    let selected = find(&api, "checkout", "SelectedFulfillmentOption");
    assert!(
        matches!(&selected.kind, TypeKind::Struct(s) if s.alternatives.len() == 1 && s.alternatives[0].exclusive)
    );
}

#[test]
fn generated_types_behave_on_real_shapes() {
    use acp::v2026_04_17::checkout as c;
    // A date-time keeps its text exactly, including the two-digit fraction.
    let adjustment = json!({"id": "adj_1", "type": "refund", "occurred_at": "2025-10-09T07:20:50.52Z", "status": "completed", "amount": 100});
    let parsed =
        acp_runtime::from_value::<c::Adjustment>(adjustment).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.occurred_at.as_str(), "2025-10-09T07:20:50.52Z");
    assert_eq!(
        serde_json::to_value(&parsed).unwrap()["occurred_at"],
        json!("2025-10-09T07:20:50.52Z")
    );
    // Tag dispatch: a bad body is reported inside the chosen variant, with its JSONPath.
    let message =
        json!({"type": "error", "code": "no_such_code", "content_type": "plain", "content": "x"});
    let error = acp_runtime::from_value::<c::CheckoutSessionBaseMessagesItem>(message).unwrap_err();
    assert_eq!(error.path().to_string(), "$.code", "{error}");
    let unknown_tag = json!({"type": "nope", "content_type": "plain", "content": "x"});
    let error =
        acp_runtime::from_value::<c::CheckoutSessionBaseMessagesItem>(unknown_tag).unwrap_err();
    assert_eq!(error.path().to_string(), "$.type", "{error}");
    assert!(
        error.to_string().contains("unknown variant `nope`"),
        "{error}"
    );
}
