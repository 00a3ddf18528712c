//! IR → JSON Schema (draft 2020-12): a self-contained document per named type, built from the IR
//! (not copied from the spec text), so it describes exactly the types that were generated: an
//! `allOf` merged into one struct is one closed object, a tagged union is a `oneOf` of its
//! variants, and so on.
//!
//! A document has `$schema`, an `$id` (a URN naming the type, see [`schema_uri`]), the type's own
//! schema at the top, and every named type it reaches under `$defs`, referred to as
//! `#/$defs/<Name>` (`<module>.<Name>` when two reachable types share a name; the type itself is
//! `#`). The `$id` makes the document a schema resource of its own, so its references still
//! resolve when it is embedded in a larger document (schemars puts it under the `$defs` of the
//! schema of a type holding it).
//!
//! Everything the IR holds is represented: members, `required`, `additionalProperties` (absent
//! when undeclared members are allowed), `minProperties`/`maxProperties`, conditions as
//! `if`/`then`/`else`, member alternatives as `oneOf`/`anyOf`, enums, constants, tagged unions
//! (`oneOf`), untagged unions (`anyOf`: the first variant that fits wins), newtypes, arrays, maps,
//! nullability (`type` arrays with `"null"` where that is exact, else `anyOf` with
//! `{"type": "null"}`), date-times (`format: date-time`), every [`crate::ir::Rules`] constraint,
//! and the docs (`title`, `description`, `deprecated`, `default`, `readOnly`/`writeOnly`). The
//! schema is the spec's contract: code generated with `--tolerant` accepts more (unknown members
//! and enum values) than it says.
//!
//! As an emitter (`Schemars`), it embeds each type's document in a `schemars::JsonSchema` impl
//! and writes the `__schema` registry.

use std::collections::{BTreeMap, HashMap};

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::{json, Map, Value};

use super::context::{ident, Context, Emitter, ModuleOutput, Scope};
use crate::ir::{
    Additional, Api, Docs, MemberTest, Shape, Struct, TypeDef, TypeId, TypeKind, TypeRef,
};
use crate::naming;

/// The `$schema` of every document.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema document of the named type `id`: `$schema`, `$id`, the type's schema and the
/// named types it uses under `$defs`.
pub fn schema_of(api: &Api, id: TypeId) -> Value {
    let reachable = api.reachable([id]);
    let builder = Builder::new(api, Some(id), &reachable);
    let mut document = Map::new();
    document.insert("$schema".into(), DIALECT.into());
    document.insert("$id".into(), schema_uri(api, id).into());
    merge(&mut document, builder.type_schema(id));
    builder.add_defs(&mut document);
    Value::Object(document)
}

/// The JSON Schema document of a use of a type (with its rules and nullability): `$schema`, the
/// use's schema and the named types it reaches under `$defs`. Anonymous: no `$id`.
pub fn schema_of_ref(api: &Api, ty: &TypeRef) -> Value {
    let reachable = api.reachable(ty.refers_to());
    let builder = Builder::new(api, None, &reachable);
    let mut document = Map::new();
    document.insert("$schema".into(), DIALECT.into());
    merge(&mut document, builder.ref_schema(ty));
    builder.add_defs(&mut document);
    Value::Object(document)
}

/// The `$id` of the document of the type `id`: `urn:acp-codegen:schema:<version>:<module>:<Name>`
/// (`urn:acp-codegen:schema:2026-04-17:checkout:CheckoutSession`).
pub fn schema_uri(api: &Api, id: TypeId) -> String {
    let def = &api.types[id];
    format!(
        "urn:acp-codegen:schema:{}:{}:{}",
        api.version, api.modules[def.module].name, def.name
    )
}

/// A name for the type `id` unique across versions and modules:
/// `v2026_04_17.checkout.CheckoutSession`.
pub fn qualified_name(api: &Api, id: TypeId) -> String {
    let def = &api.types[id];
    format!(
        "{}.{}.{}",
        naming::version_module(&api.version),
        api.modules[def.module].name,
        def.name
    )
}

struct Builder<'a> {
    api: &'a Api,
    /// The type the document is about (referred to as `#`).
    root: Option<TypeId>,
    /// The `$defs` entries: type and key, in order.
    defs: Vec<(TypeId, String)>,
    keys: HashMap<TypeId, String>,
}

impl<'a> Builder<'a> {
    fn new(api: &'a Api, root: Option<TypeId>, reachable: &[TypeId]) -> Self {
        let members: Vec<TypeId> = reachable
            .iter()
            .copied()
            .filter(|id| Some(*id) != root)
            .collect();
        let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
        for id in &members {
            *uses.entry(api.types[*id].name.as_str()).or_default() += 1;
        }
        let defs: Vec<(TypeId, String)> = members
            .iter()
            .map(|&id| {
                let def = &api.types[id];
                let key = if uses[def.name.as_str()] > 1 {
                    format!("{}.{}", api.modules[def.module].name, def.name)
                } else {
                    def.name.clone()
                };
                (id, key)
            })
            .collect();
        let keys = defs.iter().cloned().collect();
        Builder {
            api,
            root,
            defs,
            keys,
        }
    }

    fn add_defs(&self, document: &mut Map<String, Value>) {
        if self.defs.is_empty() {
            return;
        }
        let defs: Map<String, Value> = self
            .defs
            .iter()
            .map(|(id, key)| (key.clone(), self.type_schema(*id)))
            .collect();
        document.insert("$defs".into(), Value::Object(defs));
    }

    fn reference(&self, id: TypeId) -> Value {
        if Some(id) == self.root {
            json!({ "$ref": "#" })
        } else {
            json!({ "$ref": format!("#/$defs/{}", self.keys[&id]) })
        }
    }

    /// The schema of a named type, with its docs and nullability.
    fn type_schema(&self, id: TypeId) -> Value {
        let def: &TypeDef = &self.api.types[id];
        let schema = match &def.kind {
            TypeKind::Struct(s) => self.struct_schema(s),
            TypeKind::Enum(values) => {
                let values: Vec<Value> = values.iter().map(|v| v.value.clone().into()).collect();
                json!({ "type": "string", "enum": values })
            }
            TypeKind::Const(value) => {
                let mut schema = Map::new();
                if let Some(kind) = json_type(value) {
                    schema.insert("type".into(), kind.into());
                }
                schema.insert("const".into(), value.clone());
                Value::Object(schema)
            }
            TypeKind::TaggedUnion(union) => {
                let variants: Vec<Value> = union
                    .variants
                    .iter()
                    .map(|(_, variant)| self.reference(*variant))
                    .collect();
                json!({ "oneOf": variants })
            }
            TypeKind::Untagged(variants) => {
                let variants: Vec<Value> = variants.iter().map(|v| self.ref_schema(v)).collect();
                json!({ "anyOf": variants })
            }
            TypeKind::Newtype(inner) => self.ref_schema(inner),
        };
        let schema = if def.nullable {
            nullable(schema)
        } else {
            schema
        };
        with_docs(schema, &def.docs)
    }

    fn struct_schema(&self, s: &Struct) -> Value {
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        if !s.fields.is_empty() {
            let properties: Map<String, Value> = s
                .fields
                .iter()
                .map(|field| {
                    (
                        field.name.clone(),
                        with_docs(self.ref_schema(&field.ty), &field.docs),
                    )
                })
                .collect();
            schema.insert("properties".into(), Value::Object(properties));
        }
        let required: Vec<Value> = s
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.clone().into())
            .collect();
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        match &s.additional {
            Additional::Forbidden => {
                schema.insert("additionalProperties".into(), false.into());
            }
            Additional::Any => {}
            Additional::Typed(item) => {
                schema.insert("additionalProperties".into(), self.ref_schema(item));
            }
        }
        let (min, max) = s.property_count;
        if let Some(min) = min {
            schema.insert("minProperties".into(), min.into());
        }
        if let Some(max) = max {
            schema.insert("maxProperties".into(), max.into());
        }
        let mut tests: Vec<Value> = Vec::new();
        for condition in &s.conditions {
            let mut test = Map::new();
            test.insert("if".into(), member_test(&condition.when));
            if !is_empty_test(&condition.then) {
                test.insert("then".into(), member_test(&condition.then));
            }
            if !is_empty_test(&condition.otherwise) {
                test.insert("else".into(), member_test(&condition.otherwise));
            }
            tests.push(Value::Object(test));
        }
        for alternatives in &s.alternatives {
            let keyword = if alternatives.exclusive {
                "oneOf"
            } else {
                "anyOf"
            };
            let branches: Vec<Value> = alternatives.branches.iter().map(member_test).collect();
            tests.push(json!({ keyword: branches }));
        }
        match tests.len() {
            0 => {}
            1 => merge(&mut schema, tests.pop().unwrap()),
            _ => {
                schema.insert("allOf".into(), Value::Array(tests));
            }
        }
        Value::Object(schema)
    }

    /// The schema of a use of a type: its shape, its rules, its nullability.
    fn ref_schema(&self, ty: &TypeRef) -> Value {
        let mut schema = match &ty.shape {
            Shape::Any => json!({}),
            Shape::Null => json!({ "type": "null" }),
            Shape::String => json!({ "type": "string" }),
            Shape::DateTime => json!({ "type": "string", "format": "date-time" }),
            Shape::Integer => json!({ "type": "integer" }),
            Shape::Number => json!({ "type": "number" }),
            Shape::Boolean => json!({ "type": "boolean" }),
            Shape::Object => json!({ "type": "object" }),
            Shape::Array(item) => json!({ "type": "array", "items": self.ref_schema(item) }),
            Shape::Map(item) => {
                json!({ "type": "object", "additionalProperties": self.ref_schema(item) })
            }
            Shape::Named(id) => self.reference(*id),
        };
        let map = schema.as_object_mut().expect("schemas above are objects");
        let r = &ty.rules;
        let counts = [
            ("minLength", r.min_length),
            ("maxLength", r.max_length),
            ("minItems", r.min_items),
            ("maxItems", r.max_items),
        ];
        for (keyword, value) in counts {
            if let Some(value) = value {
                map.insert(keyword.into(), value.into());
            }
        }
        if let Some(pattern) = &r.pattern {
            map.insert("pattern".into(), pattern.clone().into());
        }
        if let Some(format) = &r.format {
            map.insert("format".into(), format.name().into());
        }
        let bounds = [
            ("minimum", r.minimum),
            ("maximum", r.maximum),
            ("exclusiveMinimum", r.exclusive_minimum),
            ("exclusiveMaximum", r.exclusive_maximum),
            ("multipleOf", r.multiple_of),
        ];
        for (keyword, value) in bounds {
            if let Some(value) = value {
                map.insert(keyword.into(), number(value));
            }
        }
        if r.unique_items {
            map.insert("uniqueItems".into(), true.into());
        }
        match r.allowed.as_deref() {
            Some([single]) => {
                map.insert("const".into(), single.clone());
            }
            Some(values) => {
                map.insert("enum".into(), Value::Array(values.to_vec()));
            }
            None => {}
        }
        if ty.nullable && ty.shape != Shape::Null {
            nullable(schema)
        } else {
            schema
        }
    }
}

/// `schema` or `null`: a `type` array where that keeps the meaning (the other keywords only
/// constrain values of their own type), `anyOf` otherwise.
fn nullable(schema: Value) -> Value {
    const TYPED_ONLY: &[&str] = &[
        "type",
        "format",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
    ];
    let Value::Object(mut map) = schema else {
        return schema;
    };
    if map.is_empty() {
        // Anything, `null` included.
        return Value::Object(map);
    }
    if map.keys().all(|k| TYPED_ONLY.contains(&k.as_str())) {
        if let Some(Value::String(kind)) = map.get("type").cloned() {
            map.insert("type".into(), json!([kind, "null"]));
            return Value::Object(map);
        }
    }
    json!({ "anyOf": [Value::Object(map), { "type": "null" }] })
}

/// A member test as a schema: `properties` down each path, `const`/`enum` at the end, and
/// `required` at the objects. Absent members make the test hold, as in the IR.
fn member_test(test: &MemberTest) -> Value {
    #[derive(Default)]
    struct Node {
        allowed: Vec<Vec<Value>>,
        required: Vec<String>,
        children: Vec<(String, Node)>,
    }
    impl Node {
        fn at(&mut self, path: &[String]) -> &mut Node {
            match path.split_first() {
                None => self,
                Some((first, rest)) => {
                    let index = match self.children.iter().position(|(k, _)| k == first) {
                        Some(index) => index,
                        None => {
                            self.children.push((first.clone(), Node::default()));
                            self.children.len() - 1
                        }
                    };
                    self.children[index].1.at(rest)
                }
            }
        }

        fn schema(self) -> Value {
            let mut map = Map::new();
            let mut allowed = self
                .allowed
                .into_iter()
                .map(|values| match values.as_slice() {
                    [single] => json!({ "const": single }),
                    _ => json!({ "enum": values }),
                });
            if let Some(Value::Object(first)) = allowed.next() {
                map.extend(first);
            }
            let rest: Vec<Value> = allowed.collect();
            if !rest.is_empty() {
                map.insert("allOf".into(), Value::Array(rest));
            }
            if !self.children.is_empty() {
                let properties: Map<String, Value> = self
                    .children
                    .into_iter()
                    .map(|(key, node)| (key, node.schema()))
                    .collect();
                map.insert("properties".into(), Value::Object(properties));
            }
            if !self.required.is_empty() {
                map.insert("required".into(), json!(self.required));
            }
            Value::Object(map)
        }
    }
    let mut root = Node::default();
    for (path, values) in &test.values {
        root.at(path).allowed.push(values.clone());
    }
    for (path, members) in &test.required {
        let node = root.at(path);
        for member in members {
            if !node.required.contains(member) {
                node.required.push(member.clone());
            }
        }
    }
    root.schema()
}

fn is_empty_test(test: &MemberTest) -> bool {
    test.values.is_empty() && test.required.is_empty()
}

/// Adds the docs as annotations (`title`, `description`, `deprecated`, `default`,
/// `readOnly`/`writeOnly`).
fn with_docs(mut schema: Value, docs: &Docs) -> Value {
    let Some(map) = schema.as_object_mut() else {
        return schema;
    };
    let mut annotations = Map::new();
    if let Some(title) = &docs.title {
        annotations.insert("title".into(), title.clone().into());
    }
    if let Some(description) = &docs.description {
        annotations.insert("description".into(), description.clone().into());
    }
    if docs.deprecated {
        annotations.insert("deprecated".into(), true.into());
    }
    if let Some(default) = &docs.default {
        annotations.insert("default".into(), default.clone());
    }
    match docs.access {
        Some("read-only") => {
            annotations.insert("readOnly".into(), true.into());
        }
        Some("write-only") => {
            annotations.insert("writeOnly".into(), true.into());
        }
        _ => {}
    }
    // Annotations first: they read as a heading.
    annotations.append(map);
    *map = annotations;
    schema
}

/// Moves the members of `part` (an object) into `target`.
fn merge(target: &mut Map<String, Value>, part: Value) {
    if let Value::Object(part) = part {
        target.extend(part);
    }
}

/// A number as JSON: integral values as integers (`0`, not `0.0`).
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

/// The JSON Schema `type` of a value.
fn json_type(value: &Value) -> Option<&'static str> {
    Some(match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => return None,
    })
}

/// Emits a `schemars::JsonSchema` impl per type (its document, embedded as JSON text) and the
/// `__schema` registry, behind the attribute [`super::SchemarsImpls::cfg`] gives.
pub(crate) struct Schemars;

impl Emitter for Schemars {
    fn type_items(&self, ctx: &Context, id: TypeId, out: &mut ModuleOutput) {
        // An alias cannot have impls of its own.
        let Some(cfg) = ctx.options.schemars.cfg().filter(|_| !ctx.is_alias(id)) else {
            return;
        };
        let def = &ctx.api.types[id];
        let name = ident(&def.name);
        let schema_name = &def.name;
        let schema_id = format!("::{}", def.name);
        let text = json_literal(&schema_of(ctx.api, id));
        out.items.push(quote! {
            #cfg
            impl schemars::JsonSchema for #name {
                fn schema_name() -> std::borrow::Cow<'static, str> {
                    #schema_name.into()
                }

                fn schema_id() -> std::borrow::Cow<'static, str> {
                    concat!(module_path!(), #schema_id).into()
                }

                fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                    serde_json::from_str(#text).expect("acp-codegen embeds a valid JSON Schema")
                }
            }
        });
    }

    /// `__schema(schema)`: the JSON Schema of the type generated for a schema, as schemars
    /// gives it.
    fn root_items(&self, ctx: &Context, out: &mut Vec<TokenStream>) {
        let Some(cfg) = ctx.options.schemars.cfg() else {
            return;
        };
        let arms = ctx.schemas.iter().map(|(key, ty)| {
            let call = schema_call(ctx, ty);
            quote!(#key => #call)
        });
        out.push(quote! {
            /// The JSON Schema of the type generated for the schema at `schema` (`file#pointer`,
            /// relative to the spec root), as schemars generates it for the Rust type
            /// (`into_root_schema_for`); for a use schemars cannot describe exactly (date-times,
            /// maps, constraints of the use) the acp-codegen document of the use. `None` when no
            /// type was generated for that schema.
            #cfg
            #[doc(hidden)]
            pub fn __schema(schema: &str) -> Option<schemars::Schema> {
                Some(match schema {
                    #(#arms,)*
                    _ => return None,
                })
            }
        });
    }
}

/// The expression making the schema of a use for `__schema`.
fn schema_call(ctx: &Context, ty: &TypeRef) -> TokenStream {
    if schemars_describes(ctx, ty) {
        let rust = ctx.element_type(Scope::Root, ty);
        quote!(schemars::SchemaGenerator::default().into_root_schema_for::<#rust>())
    } else {
        let text = json_literal(&schema_of_ref(ctx.api, ty));
        quote!(serde_json::from_str(#text).expect("acp-codegen embeds a valid JSON Schema"))
    }
}

/// Whether the Rust type of a use implements `schemars::JsonSchema` with the use's meaning:
/// no constraints of its own, no date-times or maps (their runtime types have no impl).
fn schemars_describes(ctx: &Context, ty: &TypeRef) -> bool {
    ty.rules.is_empty()
        && match &ty.shape {
            Shape::Named(id) => match &ctx.api.types[*id].kind {
                TypeKind::Newtype(inner) if ctx.is_alias(*id) => schemars_describes(ctx, inner),
                _ => true,
            },
            Shape::Array(item) => schemars_describes(ctx, item),
            Shape::Map(_) | Shape::DateTime => false,
            Shape::Any
            | Shape::Null
            | Shape::String
            | Shape::Integer
            | Shape::Number
            | Shape::Boolean
            | Shape::Object => true,
        }
}

/// JSON text as a raw string literal (`r#"{...}"#`), compact, with as many `#` as it needs.
fn json_literal(value: &Value) -> Literal {
    let text = value.to_string();
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let hashes = "#".repeat(hashes);
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string literal")
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{schema_of, schema_of_ref, DIALECT};
    use crate::ir::{
        Additional, Alternatives, Api, Docs, EnumValue, Field, Id, MemberTest, Module, ModuleId,
        Origin, Rules, Shape, Struct, TypeDef, TypeId, TypeKind, TypeRef,
    };

    /// The `index`th type of a hand-made IR.
    fn t(index: usize) -> TypeId {
        TypeId::from_index(index)
    }

    fn fixture() -> Api {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kitchen_sink");
        crate::Generator::new(root)
            .pins(None)
            .api("2030-01-01")
            .expect("the fixture converts")
    }

    fn id(api: &Api, module: &str, name: &str) -> TypeId {
        api.types
            .position(|t| t.name == name && api.modules[t.module].name == module)
            .unwrap_or_else(|| panic!("no type {module}::{name}"))
    }

    /// Checks `schema` against the 2020-12 meta-schema and compiles it.
    #[cfg(feature = "lint")]
    fn validator(schema: &Value) -> jsonschema::Validator {
        if let Err(error) = jsonschema::meta::validate(schema) {
            panic!("not a valid JSON Schema ({error}): {schema:#}");
        }
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .unwrap_or_else(|e| panic!("{e}: {schema:#}"))
    }

    #[cfg(feature = "lint")]
    fn assert_valid(validator: &jsonschema::Validator, instance: &Value) {
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{instance} rejected: {errors:?}");
    }

    #[cfg(feature = "lint")]
    fn assert_invalid(validator: &jsonschema::Validator, instance: &Value) {
        assert!(!validator.is_valid(instance), "{instance} accepted");
    }

    #[test]
    fn a_document_holds_the_type_and_everything_it_reaches() {
        let api = fixture();
        let order = schema_of(&api, id(&api, "shop", "Order"));
        assert_eq!(order["$schema"], DIALECT);
        assert_eq!(order["$id"], "urn:acp-codegen:schema:2030-01-01:shop:Order");
        assert_eq!(order["type"], "object");
        assert_eq!(order["additionalProperties"], false);
        assert_eq!(
            order["required"],
            json!(["id", "status", "created_at", "lines", "total", "payment"])
        );
        let properties = &order["properties"];
        assert_eq!(
            properties["id"],
            json!({"type": "string", "minLength": 5, "maxLength": 40, "pattern": "^ord_\\d+$"})
        );
        assert_eq!(properties["status"], json!({"$ref": "#/$defs/Status"}));
        assert_eq!(
            properties["created_at"],
            json!({"type": "string", "format": "date-time"})
        );
        assert_eq!(
            properties["updated_at"],
            json!({"type": ["string", "null"], "format": "date-time"})
        );
        assert_eq!(
            properties["lines"],
            json!({"type": "array", "items": {"$ref": "#/$defs/Line"}, "minItems": 1, "uniqueItems": true})
        );
        assert_eq!(
            properties["attributes"],
            json!({"type": "object", "additionalProperties": {"type": "integer"}})
        );
        assert_eq!(properties["website"]["format"], "uri");
        let defs = order["$defs"].as_object().unwrap();
        let names: Vec<&str> = defs.keys().map(String::as_str).collect();
        for name in [
            "Status",
            "Line",
            "Amount",
            "Currency",
            "Payment",
            "CardPayment",
            "CardPaymentType",
            "WalletPayment",
            "WalletPaymentType",
            "WalletPaymentWallet",
            "Contact",
            "Phone",
            "Fulfillment",
            "FulfillmentMethod",
            "Address",
            "Reachable",
            "Labels",
            "Extensible",
            "OrderGift",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        assert!(!names.contains(&"Order") && !names.contains(&"DiscountedLine"));
        assert_eq!(defs["Amount"]["type"], "integer");
        assert_eq!(defs["Amount"]["minimum"], 0);
        assert_eq!(
            defs["Payment"],
            json!({"oneOf": [{"$ref": "#/$defs/CardPayment"}, {"$ref": "#/$defs/WalletPayment"}]})
        );
        assert_eq!(
            defs["CardPaymentType"],
            json!({"type": "string", "const": "card"})
        );
        assert_eq!(
            defs["Contact"]["anyOf"][0],
            json!({"type": "string", "format": "email"})
        );
        assert_eq!(
            defs["Labels"]["additionalProperties"],
            json!({"type": "string", "maxLength": 10})
        );
        assert_eq!(
            defs["Reachable"]["anyOf"],
            json!([{"required": ["email"]}, {"required": ["phone"]}])
        );
        // Two conditions: `allOf` of `if`/`then`/`else`.
        assert_eq!(
            defs["Fulfillment"]["allOf"][1],
            json!({
                "if": {"properties": {"method": {"const": "shipping"}}, "required": ["method"]},
                "then": {"required": ["address"]},
                "else": {"required": ["store_id"]},
            })
        );
        // OpenAPI-only nullable member of an error.
        let error = schema_of(&api, id(&api, "shop", "Error"));
        assert_eq!(
            error["properties"]["details"],
            json!({"type": ["string", "null"]})
        );
    }

    #[cfg(feature = "lint")]
    #[test]
    fn documents_accept_valid_instances_and_reject_invalid_ones() {
        let api = fixture();
        let order = validator(&schema_of(&api, id(&api, "shop", "Order")));
        let valid = json!({
            "id": "ord_123",
            "status": "open",
            "created_at": "2030-01-01T00:00:00.50Z",
            "updated_at": null,
            "lines": [{"sku": "sku_1", "quantity": 2, "weight": 0.5}],
            "total": 1000,
            "currency": "EUR",
            "payment": {"type": "wallet", "wallet": "apple_pay", "extra": true},
            "contact": {"number": "+15551234567"},
            "fulfillment": {"method": "shipping", "address": {"line1": "x", "country": "US", "state": "CA"}},
            "reachable": {"phone": "1"},
            "labels": {"primary": "a", "other": "short"},
            "attributes": {"size": 3},
            "extras": {"kind": "k", "anything": [1]},
            "gift": {"line1": "x", "country": "FR", "message": "hi"},
            "website": "https://example.com/",
        });
        assert_valid(&order, &valid);
        let changed = |pointer: &str, value: Option<Value>| {
            let mut instance = valid.clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let target = instance.pointer_mut(parent).unwrap();
            match (target, value) {
                (Value::Object(map), Some(value)) => {
                    map.insert(key.into(), value);
                }
                (Value::Object(map), None) => {
                    map.remove(key);
                }
                (Value::Array(items), Some(value)) => items[key.parse::<usize>().unwrap()] = value,
                _ => unreachable!(),
            }
            instance
        };
        for (pointer, value) in [
            ("/id", None),                                  // required
            ("/id", Some(json!(12))),                       // type
            ("/id", Some(json!("ord_"))),                   // minLength and pattern
            ("/id", Some(json!("order_12345"))),            // pattern
            ("/status", Some(json!("lost"))),               // enum
            ("/created_at", Some(json!("yesterday"))),      // format date-time
            ("/lines", Some(json!([]))),                    // minItems
            ("/lines/0/quantity", Some(json!(100))),        // maximum
            ("/lines/0/quantity", Some(json!(1.5))),        // integer
            ("/lines/0/weight", Some(json!(0))),            // exclusiveMinimum
            ("/total", Some(json!(-1))),                    // newtype minimum
            ("/currency", Some(json!("eur"))),              // newtype pattern
            ("/payment/type", Some(json!("cash"))),         // tagged union
            ("/payment/wallet", Some(json!("paypal"))),     // variant enum
            ("/contact", Some(json!("not an email"))),      // untagged union
            ("/fulfillment/address/state", None),           // if/then
            ("/fulfillment/address", None),                 // if/then (required)
            ("/reachable", Some(json!({}))),                // anyOf alternatives
            ("/labels/other", Some(json!("far too long"))), // typed additional members
            ("/attributes/size", Some(json!("3"))),         // map values
            ("/unknown", Some(json!(1))),                   // closed struct
            ("/gift/message", None),                        // required
            ("/website", Some(json!("not a uri"))),         // format uri
        ] {
            assert_invalid(&order, &changed(pointer, value));
        }
        let lines = valid["lines"][0].clone();
        assert_invalid(&order, &changed("/lines", Some(json!([lines, lines])))); // uniqueItems
        assert_invalid(&order, &json!(null));
        assert_valid(
            &order,
            &changed(
                "/fulfillment",
                Some(json!({"method": "pickup", "store_id": "s"})),
            ),
        );
        assert_invalid(
            &order,
            &changed("/fulfillment", Some(json!({"method": "pickup"}))),
        ); // else
    }

    /// A small IR by hand for what the fixture lacks: nullable named types with tests, property
    /// counts, allowed values, `multipleOf`, recursion, names shared by two modules.
    fn hand_made() -> Api {
        let origin = Origin {
            file: "f.json".into(),
            pointer: String::new(),
        };
        let module = |name: &str| Module {
            name: name.into(),
            spec: name.into(),
            title: None,
            description: None,
            files: Vec::new(),
            operations: Vec::new(),
            methods: Vec::new(),
        };
        let field = |name: &str, ty: TypeRef, required: bool| Field {
            name: name.into(),
            docs: Docs::default(),
            ty,
            required,
            origin: origin.clone(),
        };
        let def = |name: &str, module: usize, kind: TypeKind, nullable: bool| TypeDef {
            name: name.into(),
            module: ModuleId::from_index(module),
            origin: origin.clone(),
            aliases: Vec::new(),
            docs: Docs {
                title: Some(format!("The {name}")),
                description: Some("Described.".into()),
                ..Docs::default()
            },
            kind,
            nullable,
        };
        let named = |id| TypeRef::plain(Shape::Named(t(id)));
        let node = Struct {
            fields: vec![
                Field {
                    docs: Docs {
                        description: Some("Children.".into()),
                        deprecated: true,
                        default: Some(json!([])),
                        access: Some("read-only"),
                        ..Docs::default()
                    },
                    ..field(
                        "children",
                        TypeRef::plain(Shape::Array(Box::new(named(0)))),
                        false,
                    )
                },
                field(
                    "price",
                    TypeRef {
                        shape: Shape::Number,
                        nullable: false,
                        rules: Rules {
                            multiple_of: Some(0.01),
                            exclusive_maximum: Some(100.0),
                            ..Rules::default()
                        },
                    },
                    true,
                ),
                field(
                    "kind",
                    TypeRef {
                        shape: Shape::String,
                        nullable: true,
                        rules: Rules {
                            allowed: Some(vec![json!("a"), json!("b")]),
                            ..Rules::default()
                        },
                    },
                    false,
                ),
                field("error", named(1), false),
                field("other_error", named(2), false),
                field("tag", named(3), false),
            ],
            additional: Additional::Any,
            conditions: Vec::new(),
            alternatives: vec![Alternatives {
                exclusive: true,
                branches: vec![
                    MemberTest {
                        values: Vec::new(),
                        required: vec![(Vec::new(), vec!["kind".into()])],
                    },
                    MemberTest {
                        values: Vec::new(),
                        required: vec![(Vec::new(), vec!["tag".into()])],
                    },
                ],
                origin: origin.clone(),
            }],
            property_count: (Some(1), Some(5)),
        };
        let error = || {
            TypeKind::Struct(Struct {
                fields: vec![field("code", TypeRef::plain(Shape::String), true)],
                additional: Additional::Forbidden,
                ..Struct::default()
            })
        };
        Api {
            version: "2040-01-01".into(),
            modules: [module("a"), module("b")].into_iter().collect(),
            types: [
                def("Node", 0, TypeKind::Struct(node), true),
                def("Error", 0, error(), false),
                def("Error", 1, error(), false),
                def(
                    "Tag",
                    1,
                    TypeKind::Enum(vec![EnumValue { value: "x".into() }]),
                    true,
                ),
            ]
            .into_iter()
            .collect(),
            examples: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    #[test]
    fn recursion_collisions_nullability_and_annotations() {
        let api = hand_made();
        let node = schema_of(&api, t(0));
        assert_eq!(node["title"], "The Node");
        assert_eq!(node["description"], "Described.");
        // A nullable type with alternatives: `anyOf` with null, not a `type` array (`oneOf`
        // would fail on null).
        assert_eq!(node["anyOf"][1], json!({"type": "null"}));
        let object = &node["anyOf"][0];
        assert_eq!(object["minProperties"], 1);
        assert_eq!(object["maxProperties"], 5);
        assert_eq!(
            object["oneOf"],
            json!([{"required": ["kind"]}, {"required": ["tag"]}])
        );
        let properties = &object["properties"];
        assert_eq!(
            properties["children"],
            json!({
                "description": "Children.",
                "deprecated": true,
                "default": [],
                "readOnly": true,
                "type": "array",
                "items": {"$ref": "#"},
            })
        );
        assert_eq!(
            properties["price"],
            json!({"type": "number", "exclusiveMaximum": 100, "multipleOf": 0.01})
        );
        // Allowed values and null: `anyOf`, since a `type` array would fail `enum` on null.
        assert_eq!(
            properties["kind"],
            json!({"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]})
        );
        assert_eq!(properties["error"], json!({"$ref": "#/$defs/a.Error"}));
        assert_eq!(
            properties["other_error"],
            json!({"$ref": "#/$defs/b.Error"})
        );
        assert_eq!(properties["tag"], json!({"$ref": "#/$defs/Tag"}));
        assert_eq!(
            node["$defs"]["Tag"],
            json!({
                "title": "The Tag",
                "description": "Described.",
                "anyOf": [{"type": "string", "enum": ["x"]}, {"type": "null"}],
            })
        );
        // Without collisions the plain name is used.
        let error = schema_of(&api, t(1));
        assert!(error.get("$defs").is_none());
        assert_eq!(error["additionalProperties"], false);
        // A use: its own rules and nullability, no `$id`.
        let use_of = schema_of_ref(
            &api,
            &TypeRef {
                shape: Shape::Array(Box::new(TypeRef::plain(Shape::Named(t(1))))),
                nullable: true,
                rules: Rules {
                    max_items: Some(2),
                    ..Rules::default()
                },
            },
        );
        assert!(use_of.get("$id").is_none());
        assert_eq!(use_of["type"], json!(["array", "null"]));
        assert_eq!(use_of["items"], json!({"$ref": "#/$defs/Error"}));
        assert_eq!(use_of["$defs"]["Error"]["required"], json!(["code"]));
    }

    #[cfg(feature = "lint")]
    #[test]
    fn hand_made_documents_validate() {
        let api = hand_made();
        let node = validator(&schema_of(&api, t(0)));
        assert_valid(&node, &json!(null));
        assert_valid(
            &node,
            &json!({"price": 1.25, "kind": "a", "children": [{"price": 2, "tag": "x"}, null]}),
        );
        assert_valid(
            &node,
            &json!({"price": 1, "tag": null, "error": {"code": "c"}}),
        );
        for invalid in [
            json!({"price": 1.255, "kind": "a"}),         // multipleOf
            json!({"price": 100, "kind": "a"}),           // exclusiveMaximum
            json!({"price": 1, "kind": "c"}),             // enum
            json!({"price": 1}),                          // oneOf: none
            json!({"price": 1, "kind": "a", "tag": "x"}), // oneOf: both
            json!({"price": 1, "kind": "a", "children": [{"price": 1}]}), // recursion
            json!({"price": 1, "kind": "a", "error": {"code": "c", "x": 1}}), // closed
            json!({"price": 1, "kind": "a", "a": 1, "b": 2, "c": 3, "d": 4}), // maxProperties
            json!("node"),
        ] {
            assert_invalid(&node, &invalid);
        }
    }

    /// The `$id` keeps a document's references its own when it is embedded in another (as
    /// schemars embeds it under the `$defs` of a type holding it).
    #[cfg(feature = "lint")]
    #[test]
    fn embedded_documents_resolve_their_own_references() {
        let api = fixture();
        let order = schema_of(&api, id(&api, "shop", "Order"));
        let outer = json!({
            "$schema": DIALECT,
            "type": "object",
            "properties": {"orders": {"type": "array", "items": {"$ref": "#/$defs/Order"}}},
            "$defs": {"Order": order, "Line": {"type": "string"}},
        });
        let outer = validator(&outer);
        let order = json!({
            "id": "ord_123",
            "status": "open",
            "created_at": "2030-01-01T00:00:00Z",
            "lines": [{"sku": "sku_1", "quantity": 2}],
            "total": 1000,
            "payment": {"type": "card", "last4": "4242"},
        });
        assert_valid(&outer, &json!({"orders": [order]}));
        let mut bad = order.clone();
        bad["lines"][0]["quantity"] = json!(0);
        assert_invalid(&outer, &json!({"orders": [bad]}));
    }
}
