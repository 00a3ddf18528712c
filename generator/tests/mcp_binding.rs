//! The MCP binding from an OpenRPC file: methods bound to the REST operation of the same name,
//! misfits reported as `mcp-unbound` and left out, tool schemas bundled without `$ref`, and the
//! emitted tool table, server options and client. The fixture is written here (a tiny shop,
//! not the ACP specs).

use acp_codegen::diagnostics::Code;
use acp_codegen::emit::{self, EmitOptions};
use acp_codegen::mcp::{bindings, has_ref, Presence};
use acp_codegen::Generator;
use serde_json::{json, Value};

const VERSION: &str = "2030-01-01";

const OPENAPI: &str = r##"openapi: 3.1.0
info: {title: Shop, version: "2030-01-01"}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/OrderRequest"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
  /orders/{order_id}:
    parameters:
      - {name: order_id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getOrder
      responses:
        "200":
          description: The order
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
    delete:
      operationId: deleteOrder
      responses:
        "204": {description: Deleted}
  /orders/{order_id}/cancel:
    parameters:
      - {name: order_id, in: path, required: true, schema: {type: string}}
    post:
      operationId: cancelOrder
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: "#/components/schemas/CancelRequest"}
      responses:
        "200":
          description: Canceled
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
components:
  schemas:
    Line:
      type: object
      required: [sku]
      properties:
        sku: {type: string, minLength: 1}
    OrderRequest:
      type: object
      required: [lines]
      additionalProperties: false
      properties:
        lines: {type: array, items: {$ref: "#/components/schemas/Line"}, minItems: 1}
    CancelRequest:
      type: object
      properties:
        reason: {type: string}
    Order:
      type: object
      required: [id, lines]
      properties:
        id: {type: string}
        lines: {type: array, items: {$ref: "#/components/schemas/Line"}}
"##;

fn openrpc() -> Value {
    let meta =
        json!({"name": "meta", "required": true, "schema": {"$ref": "#/components/schemas/meta"}});
    let id = json!({"name": "id", "required": true, "description": "The order id.", "schema": {"type": "string"}});
    let order = json!({"name": "order", "schema": {"$ref": "../openapi/openapi.shop.yaml#/components/schemas/Order"}});
    json!({
        "openrpc": "1.3.2",
        "info": {"title": "Shop MCP", "version": VERSION},
        "components": {"schemas": {"meta": {
            "type": "object", "required": ["api_version"],
            "properties": {"api_version": {"type": "string"}, "idempotency_key": {"type": "string"}}
        }}},
        "methods": [
            {"name": "create_order", "summary": "Create an order", "params": [meta, {
                "name": "payload", "required": true,
                "schema": {"$ref": "../openapi/openapi.shop.yaml#/components/schemas/OrderRequest"}
            }], "result": order},
            {"name": "get_order", "params": [meta, id], "result": order},
            {"name": "cancel_order", "params": [meta, id, {
                "name": "payload", "required": false,
                "schema": {"$ref": "../openapi/openapi.shop.yaml#/components/schemas/CancelRequest"}
            }], "result": order},
            // No operation `refundOrder`.
            {"name": "refund_order", "params": [meta, id], "result": order},
            // `deleteOrder` takes no body.
            {"name": "delete_order", "params": [meta, id, {
                "name": "payload", "required": true, "schema": {"type": "object"}
            }]},
        ]
    })
}

fn shop() -> (tempfile::TempDir, Generator) {
    let root = tempfile::tempdir().unwrap();
    let version = root.path().join("spec").join(VERSION);
    std::fs::create_dir_all(version.join("openapi")).unwrap();
    std::fs::create_dir_all(version.join("openrpc")).unwrap();
    std::fs::write(version.join("openapi/openapi.shop.yaml"), OPENAPI).unwrap();
    std::fs::write(
        version.join("openrpc/openrpc.shop.json"),
        serde_json::to_vec_pretty(&openrpc()).unwrap(),
    )
    .unwrap();
    let generator = Generator::new(root.path().to_path_buf()).pins(None);
    (root, generator)
}

#[test]
fn methods_bind_to_the_operation_of_their_name_and_misfits_are_reported() {
    let (_root, generator) = shop();
    let api = generator.api(VERSION).unwrap();
    let module = api
        .modules
        .iter()
        .find(|m| m.spec == "shop_mcp")
        .expect("the OpenRPC file is module shop_mcp");
    let bound: Vec<(&str, Option<&str>)> = module
        .methods
        .iter()
        .map(|m| (m.name.as_str(), m.operation.as_deref()))
        .collect();
    assert_eq!(
        bound,
        [
            ("create_order", Some("createOrder")),
            ("get_order", Some("getOrder")),
            ("cancel_order", Some("cancelOrder")),
            ("refund_order", None),
            ("delete_order", None),
        ]
    );
    let unbound: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::McpUnbound)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unbound.len(), 2, "{unbound:#?}");
    assert!(
        unbound[0].contains("`refund_order` matches no operation of `shop`"),
        "{unbound:#?}"
    );
    assert!(
        unbound[1].contains(
            "`delete_order` has a `payload` but `DELETE /orders/{order_id}` takes no body"
        ),
        "{unbound:#?}"
    );
}

#[test]
fn tools_have_bundled_schemas_and_the_rest_operation_they_become() {
    let (_root, generator) = shop();
    let api = generator.api(VERSION).unwrap();
    let bound = bindings(&api);
    assert_eq!(bound.len(), 1);
    let tools = &bound[0].1;
    let names: Vec<&str> = tools.iter().map(|t| t.method.name.as_str()).collect();
    assert_eq!(names, ["create_order", "get_order", "cancel_order"]);

    let create = &tools[0];
    assert_eq!(create.operation.path, "/orders");
    assert_eq!(create.payload(), Presence::Required);
    assert!(!create.takes_id());
    let input = &create.input_schema;
    assert!(!has_ref(input), "{input}");
    assert_eq!(input["required"], json!(["meta", "payload"]));
    // The payload is the request body's schema, its references replaced by their targets.
    let payload = &input["properties"]["payload"];
    assert_eq!(payload["required"], json!(["lines"]));
    assert_eq!(payload["additionalProperties"], json!(false));
    assert_eq!(
        payload["properties"]["lines"]["items"]["properties"]["sku"]["minLength"],
        json!(1)
    );
    let output = create.output_schema.as_ref().unwrap();
    assert!(!has_ref(output));
    assert_eq!(output["type"], "object");

    let get = &tools[1];
    assert_eq!(get.payload(), Presence::Absent);
    assert!(get.takes_id());
    assert_eq!(get.input_schema["required"], json!(["meta", "id"]));
    assert_eq!(
        get.input_schema["properties"]["id"]["description"],
        "The order id."
    );
    assert_eq!(tools[2].payload(), Presence::Optional);
    assert_eq!(tools[2].input_schema["required"], json!(["meta", "id"]));

    // An independent validator agrees: a valid call passes, one without `meta` does not.
    let validator = jsonschema::validator_for(input).unwrap();
    let call = json!({"meta": {"api_version": VERSION}, "payload": {"lines": [{"sku": "a"}]}});
    assert!(validator.is_valid(&call));
    assert!(!validator.is_valid(&json!({"payload": {"lines": [{"sku": "a"}]}})));
    assert!(
        !validator.is_valid(&json!({"meta": {"api_version": VERSION}, "payload": {"lines": []}}))
    );
}

#[test]
fn the_emitted_code_has_the_tool_table_server_options_and_a_typed_client() {
    let (_root, generator) = shop();
    let api = generator.api(VERSION).unwrap();
    let options = EmitOptions {
        server: true,
        client: true,
        ..EmitOptions::default()
    };
    let code = emit::format(emit::version_tokens(&api, options)).unwrap();
    assert_eq!(
        code.matches("acp_runtime::mcp::Tool {").count(),
        3,
        "{code}"
    );
    assert!(code.contains("pub fn mcp_options(path: &str)"));
    assert!(code.contains("pub struct McpClient"));
    let client = &code[code.find("impl McpClient").expect("the MCP client")..];
    // One method per bound tool, typed by the OpenRPC params.
    let cancel = &client[client.find("pub async fn cancel_order(").unwrap()..];
    let cancel = &cancel[..cancel.find('{').unwrap()];
    assert!(cancel.contains("id: &str"), "{cancel}");
    assert!(
        cancel.contains("payload: Option<&super::shop::CancelRequest>"),
        "{cancel}"
    );
    assert!(
        cancel.contains("McpResponse<super::shop::Order>"),
        "{cancel}"
    );
    let get = &client[client.find("pub async fn get_order(").unwrap()..];
    assert!(!get[..get.find('{').unwrap()].contains("payload"));
    assert!(!client.contains("refund_order") && !client.contains("delete_order"));
    // Models only: no MCP items.
    let models = emit::format(emit::version_tokens(&api, EmitOptions::default())).unwrap();
    assert!(!models.contains("TOOLS"));
}
