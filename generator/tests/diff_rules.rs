//! The version diff's classification rules, each on two small fixture versions written by the
//! test (spec `shop`: `POST /orders` takes an `OrderRequest` and answers an `Order`).

mod common;

use acp_codegen::diff::{self, Change, Impact, SpecFormat};
use acp_codegen::Generator;
use common::temp_spec_root;

use Impact::{Breaking, NonBreaking};

const OLD: &str = "2030-01-01";
const NEW: &str = "2030-02-01";

/// An OpenAPI file for `shop`: `POST /orders` with a required `OrderRequest` body, answering
/// 201 with an `Order` and 409 with the headers in `conflict_headers` (YAML under `headers:`).
fn openapi(schemas: &str, conflict_headers: &str) -> String {
    format!(
        r##"openapi: 3.1.0
info: {{title: Shop, version: "1"}}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: "#/components/schemas/OrderRequest"}}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/Order"}}
        "409":
          description: Conflict
          headers: {{{conflict_headers}}}
components:
  schemas:
{schemas}"##
    )
}

/// Indents a YAML block under `components/schemas`.
fn schemas(yaml: &str) -> String {
    yaml.lines()
        .map(|line| format!("    {line}\n"))
        .collect::<String>()
}

const BASE_SCHEMAS: &str = r#"OrderRequest:
  type: object
  properties:
    sku: {type: string}
    note: {type: string}
  required: [sku]
Order:
  type: object
  properties:
    id: {type: string}
    note: {type: string}
  required: [id]
"#;

/// The changes from a version with `old` files to one with `new` files (path under the
/// version folder, text).
fn changes(old: &[(&str, String)], new: &[(&str, String)]) -> Vec<Change> {
    let files: Vec<(String, &str)> = old
        .iter()
        .map(|(path, text)| (format!("spec/{OLD}/{path}"), text.as_str()))
        .chain(
            new.iter()
                .map(|(path, text)| (format!("spec/{NEW}/{path}"), text.as_str())),
        )
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let root = temp_spec_root(&files);
    let generator = Generator::new(root.path()).pins(None);
    let views = |version| diff::Views::load(&generator, version).unwrap();
    diff::diff_views(&views(OLD), &views(NEW), OLD, NEW, None).changes
}

fn openapi_only(schemas_yaml: &str, headers: &str) -> Vec<(&'static str, String)> {
    vec![(
        "openapi/openapi.shop.yaml",
        openapi(&schemas(schemas_yaml), headers),
    )]
}

fn find<'a>(changes: &'a [Change], location: &str, kind: &str) -> &'a Change {
    changes
        .iter()
        .find(|c| c.location == location && c.kind == kind)
        .unwrap_or_else(|| panic!("no `{kind}` at {location} in {changes:#?}"))
}

fn impact(change: &Change) -> (Impact, Impact) {
    (change.client, change.server)
}

/// Nothing in `changes` breaks anyone.
fn breaks_nobody(changes: &[Change]) {
    for change in changes {
        assert_eq!(impact(change), (NonBreaking, NonBreaking), "{change:?}");
    }
}

#[test]
fn a_removed_member_breaks_the_side_that_reads_it() {
    let new = BASE_SCHEMAS.replace("    note: {type: string}\n", "");
    let found = changes(&openapi_only(BASE_SCHEMAS, ""), &openapi_only(&new, ""));
    assert_eq!(found.len(), 2, "{found:#?}");
    // Requests are read by servers (for a webhook, the agent receiving the event).
    let request = find(&found, "OrderRequest.note", "property-removed");
    assert_eq!(impact(request), (NonBreaking, Breaking));
    // Responses are read by clients.
    let response = find(&found, "Order.note", "property-removed");
    assert_eq!(impact(response), (Breaking, NonBreaking));
}

#[test]
fn a_schema_removal_is_judged_where_it_was_used_and_a_model_nobody_uses_breaks_both() {
    let with = |extra: &str| {
        let mut yaml = BASE_SCHEMAS.replace(
            "    note: {type: string}\n  required: [id]",
            "    note: {$ref: \"#/components/schemas/Note\"}\n  required: [id]",
        );
        yaml.push_str("Note: {type: string, maxLength: 10}\n");
        yaml.push_str(extra);
        yaml
    };
    let old = with("Catalog: {type: object, properties: {name: {type: string}}}\n");
    let new = BASE_SCHEMAS.replace(
        "    note: {type: string}\n  required: [id]",
        "  required: [id]",
    );
    let found = changes(&openapi_only(&old, ""), &openapi_only(&new, ""));
    // `Note` went with the member using it: the member's removal says who breaks.
    let note = find(&found, "Note", "schema-removed");
    assert_eq!(impact(note), (NonBreaking, NonBreaking));
    assert_eq!(
        impact(find(&found, "Order.note", "property-removed")),
        (Breaking, NonBreaking)
    );
    // `Catalog` is a model no operation uses: its producers and readers both lose it.
    let catalog = find(&found, "Catalog", "schema-removed");
    assert_eq!(impact(catalog), (Breaking, Breaking));
}

#[test]
fn response_headers_bind_servers_when_required_and_clients_when_dropped() {
    let required = "Retry-After: {required: true, schema: {type: integer}}";
    let optional = "Retry-After: {schema: {type: integer}}";
    let version = |headers: &str| openapi_only(BASE_SCHEMAS, headers);
    let at = "POST /orders";

    let found = changes(&version(""), &version(required));
    let added = find(&found, at, "response-header-added-required");
    assert_eq!(
        added.detail,
        "409 response: new required header `Retry-After`"
    );
    assert_eq!(impact(added), (NonBreaking, Breaking));

    let found = changes(&version(""), &version(optional));
    assert_eq!(
        impact(find(&found, at, "response-header-added")),
        (NonBreaking, NonBreaking)
    );

    let found = changes(&version(optional), &version(required));
    let made_required = find(&found, at, "response-header-required-changed");
    assert_eq!(impact(made_required), (NonBreaking, Breaking));
    let found = changes(&version(required), &version(optional));
    let made_optional = find(&found, at, "response-header-required-changed");
    assert_eq!(impact(made_optional), (Breaking, NonBreaking));

    let found = changes(&version(required), &version(""));
    assert_eq!(
        impact(find(&found, at, "response-header-removed")),
        (Breaking, NonBreaking)
    );

    // A header's schema is compared as a response value: a lower limit breaks servers.
    let limited = "Retry-After: {required: true, schema: {type: integer, maximum: 60}}";
    let found = changes(&version(required), &version(limited));
    assert_eq!(
        impact(find(&found, at, "constraint-changed")),
        (NonBreaking, Breaking)
    );
}

#[test]
fn a_type_replaced_by_one_of_the_same_shape_changes_nothing() {
    let money = "Money:\n  type: object\n  properties:\n    amount: {type: integer}\n    currency: {type: string, pattern: \"^[A-Z]{3}$\"}\n  required: [amount, currency]\n";
    let named = |name: &str| {
        let mut yaml = BASE_SCHEMAS.replace(
            "    note: {type: string}\n  required: [id]",
            &format!("    note: {{type: string}}\n    total: {{$ref: \"#/components/schemas/{name}\"}}\n  required: [id]"),
        );
        yaml.push_str(&money.replace("Money", name));
        yaml
    };
    let inline = BASE_SCHEMAS.replace(
        "    note: {type: string}\n  required: [id]",
        "    note: {type: string}\n    total:\n      type: object\n      properties:\n        amount: {type: integer}\n        currency: {type: string, pattern: \"^[A-Z]{3}$\"}\n      required: [amount, currency]\n  required: [id]",
    );
    let old = openapi_only(&named("Money"), "");
    for new in [named("Amount"), inline.clone()] {
        let found = changes(&old, &openapi_only(&new, ""));
        breaks_nobody(&found);
        assert!(
            found
                .iter()
                .any(|c| c.kind == "schema-renamed" || c.kind == "type-replaced"),
            "{found:#?}"
        );
    }
    // `Money` stays (the request uses it too) while the response's use turns inline.
    let price = "    price: {$ref: \"#/components/schemas/Money\"}\n  required: [sku]";
    let with_price = |yaml: &str| {
        let mut yaml = yaml.replace("  required: [sku]", price);
        if !yaml.contains("Money:") {
            yaml.push_str(money);
        }
        yaml
    };
    let found = changes(
        &openapi_only(&with_price(&named("Money")), ""),
        &openapi_only(&with_price(&inline), ""),
    );
    breaks_nobody(&found);
    let replaced = find(&found, "Order.total", "type-replaced");
    assert!(replaced.detail.contains("the same values"), "{replaced:?}");

    // Not the same shape: what differs is compared member by member, each by direction.
    let wider = named("Amount").replace(
        "  required: [amount, currency]\n",
        "    scale: {type: integer}\n  required: [amount, currency, scale]\n",
    );
    let found = changes(&old, &openapi_only(&wider, ""));
    let scale = find(&found, "Amount.scale", "property-added-required");
    // A new required member of a response: servers must send it.
    assert_eq!(impact(scale), (NonBreaking, Breaking));
    assert!(
        !found.iter().any(|c| c.kind == "type-changed"),
        "{found:#?}"
    );
}

#[test]
fn conditions_and_type_changes_are_classified_by_direction() {
    let condition =
        "  if: {properties: {sku: {const: gift}}, required: [sku]}\n  then: {required: [note]}\n";
    let with_condition = |ty: &str| {
        BASE_SCHEMAS.replace(
            &format!("{ty}:\n  type: object\n"),
            &format!("{ty}:\n  type: object\n{condition}"),
        )
    };
    let base = openapi_only(BASE_SCHEMAS, "");
    // On a request: clients must satisfy it; servers lose nothing.
    let on_request = openapi_only(&with_condition("OrderRequest"), "");
    let found = changes(&base, &on_request);
    let added = find(&found, "OrderRequest", "condition-added");
    assert!(
        added.detail.contains("if `sku` is \"gift\"") && added.detail.contains("`note`"),
        "{added:?}"
    );
    assert_eq!(impact(added), (Breaking, NonBreaking));
    let found = changes(&on_request, &base);
    assert_eq!(
        impact(find(&found, "OrderRequest", "condition-removed")),
        (NonBreaking, Breaking)
    );

    // Type changes: integer → number lets more values through; a reader of a request (the
    // server) breaks, its writer does not.
    let number = |ty: &str| {
        let yaml = BASE_SCHEMAS.replace(
            "  required: [sku]",
            "    count: {type: integer}\n  required: [sku]",
        );
        yaml.replace("count: {type: integer}", &format!("count: {{type: {ty}}}"))
    };
    let found = changes(
        &openapi_only(&number("integer"), ""),
        &openapi_only(&number("number"), ""),
    );
    let widened = find(&found, "OrderRequest.count", "type-changed");
    assert_eq!(impact(widened), (NonBreaking, Breaking));

    // A named object opened to any object, on a response: clients may meet other members.
    let shape = |schema: &str| {
        let mut yaml = BASE_SCHEMAS.replace(
            "    note: {type: string}\n  required: [id]",
            &format!("    note: {{type: string}}\n    meta: {schema}\n  required: [id]"),
        );
        yaml.push_str("Meta: {type: object, properties: {a: {type: string}}, required: [a]}\n");
        yaml
    };
    let found = changes(
        &openapi_only(&shape("{$ref: \"#/components/schemas/Meta\"}"), ""),
        &openapi_only(&shape("{type: object}"), ""),
    );
    let opened = find(&found, "Order.meta", "type-changed");
    assert_eq!(impact(opened), (Breaking, NonBreaking));
}

/// `shop` in both formats: `Order` is an OpenAPI component mirroring the JSON Schema
/// definition, `note` limited to `openapi_max` and `json_max` characters in each.
fn both_formats(openapi_max: u32, json_max: u32) -> Vec<(&'static str, String)> {
    let order = BASE_SCHEMAS.replace(
        "    id: {type: string}\n    note: {type: string}",
        &format!("    id: {{type: string}}\n    note: {{type: string, maxLength: {openapi_max}}}"),
    );
    let json = format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {{
    "Order": {{
      "type": "object",
      "properties": {{
        "id": {{"type": "string"}},
        "note": {{"type": "string", "maxLength": {json_max}}}
      }},
      "required": ["id"]
    }}
  }}
}}"#
    );
    vec![
        ("openapi/openapi.shop.yaml", openapi(&schemas(&order), "")),
        ("json-schema/schema.shop.json", json),
    ]
}

#[test]
fn a_change_made_in_one_format_only_is_reported_as_a_change_of_that_format() {
    // The OpenAPI copy catches up with the JSON Schema: the generated types (which follow the
    // JSON Schema) do not change, but readers of the OpenAPI file see a tighter response.
    let found = changes(&both_formats(20, 10), &both_formats(10, 10));
    assert_eq!(found.len(), 1, "{found:#?}");
    let change = find(&found, "Order.note", "constraint-changed");
    assert_eq!(change.format, Some(SpecFormat::Openapi));
    assert_eq!(change.detail, "maxLength 20 → 10");
    assert_eq!(impact(change), (NonBreaking, Breaking));

    // The JSON Schema alone changes: the generated types change, attributed to that file.
    let found = changes(&both_formats(10, 10), &both_formats(10, 20));
    assert_eq!(found.len(), 1, "{found:#?}");
    let change = find(&found, "Order.note", "constraint-changed");
    assert_eq!(change.format, Some(SpecFormat::JsonSchema));

    // Both copies change alike: an ordinary change.
    let found = changes(&both_formats(10, 10), &both_formats(20, 20));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].format, None);
    let text = diff::render::text(&diff::Diff {
        from: OLD.into(),
        to: NEW.into(),
        added_specs: Vec::new(),
        removed_specs: Vec::new(),
        changes: changes(&both_formats(20, 10), &both_formats(10, 10)),
    });
    assert!(text.contains("[OpenAPI file only]"), "{text}");
}

#[test]
fn a_new_error_status_breaks_nobody_and_a_new_success_status_breaks_clients() {
    let with_status = |status: &str| {
        let mut files = openapi_only(BASE_SCHEMAS, "");
        files[0].1 = files[0].1.replace(
            "        \"409\":",
            &format!("        \"{status}\":\n          description: Another\n        \"409\":"),
        );
        files
    };
    let base = openapi_only(BASE_SCHEMAS, "");
    let found = changes(&base, &with_status("422"));
    let error = find(&found, "POST /orders", "status-added");
    assert_eq!(error.detail, "new error response status 422");
    assert_eq!(impact(error), (NonBreaking, NonBreaking));
    let found = changes(&base, &with_status("202"));
    let success = find(&found, "POST /orders", "status-added");
    assert_eq!(impact(success), (Breaking, NonBreaking));
}

#[test]
fn a_member_both_formats_remove_is_one_change_even_if_they_disagreed_on_it() {
    // The OpenAPI copy requires `note`, the JSON Schema does not; then both drop it.
    let old: Vec<(&str, String)> = both_formats(10, 10)
        .into_iter()
        .map(|(path, text)| {
            (
                path,
                text.replace("required: [id]\n", "required: [id, note]\n"),
            )
        })
        .collect();
    let drop_note = |(path, text): (&'static str, String)| {
        let text = text
            .lines()
            .filter(|line| !line.contains("note: {type: string, maxLength: 10}"))
            .map(|line| format!("{line}\n"))
            .collect::<String>()
            .replace(
                ",\n        \"note\": {\"type\": \"string\", \"maxLength\": 10}",
                "",
            );
        (path, text)
    };
    let new: Vec<(&str, String)> = both_formats(10, 10).into_iter().map(drop_note).collect();
    let found = changes(&old, &new);
    let removed: Vec<&Change> = found
        .iter()
        .filter(|c| c.location == "Order.note" && c.kind == "property-removed")
        .collect();
    assert_eq!(removed.len(), 1, "{found:#?}");
    assert_eq!(removed[0].format, None, "{found:#?}");
}
