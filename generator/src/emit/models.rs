//! Serde models and their `Validate` impls, one module per spec.

use std::collections::HashSet;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::{json_schema, translate_pattern, EmitOptions};
use crate::ir::{
    Additional, Api, Docs, Field, Format, ModuleId, Shape, Struct, Table, TypeDef, TypeId,
    TypeKind, TypeRef,
};
use crate::naming;

/// The code of one version: `pub mod <spec> { ... }` for each spec, plus the example registry.
pub fn version_tokens(api: &Api, options: EmitOptions) -> TokenStream {
    let emitter = Emitter::new(api, options);
    let modules = api.modules.enumerate().map(|(index, module)| {
        let name = ident(&module.name);
        let mut doc = String::new();
        if let Some(title) = &module.title {
            doc.push_str(title);
            doc.push_str("\n\n");
        }
        if let Some(description) = &module.description {
            doc.push_str(description.trim());
            doc.push_str("\n\n");
        }
        doc.push_str(&format!(
            "Generated from {}.",
            module
                .files
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
        let doc = doc_attrs(&doc, true);
        let items = api
            .types
            .enumerate()
            .filter(|(_, t)| t.module == index)
            .map(|(id, _)| emitter.type_def(id));
        let server = if options.server {
            super::server::server_items(&emitter, index)
        } else {
            quote!()
        };
        let client = if options.client {
            super::client::client_items(&emitter, index)
        } else {
            quote!()
        };
        let borrowed = if options.borrowed {
            emitter.borrowed_module(index)
        } else {
            quote!()
        };
        quote! {
            pub mod #name {
                #doc
                #(#items)*
                #borrowed
                #server
                #client
            }
        }
    });
    let registry = emitter.registry();
    quote! {
        #(#modules)*
        #registry
    }
}

#[derive(Clone)]
pub(crate) struct Emitter<'a> {
    api: &'a Api,
    options: EmitOptions,
    /// Types a value of each type contains directly (not behind `Vec`/map), for boxing.
    direct: Table<TypeId, HashSet<TypeId>>,
    /// Types whose values have constraints to check (directly or inside); others get a no-op
    /// `Validate` impl and are not visited.
    checked: Table<TypeId, bool>,
    /// Types whose values hold text a borrowed view can point to: structs get a view, aliases
    /// are written out in views.
    borrows: Table<TypeId, bool>,
    /// Emitting borrowed views (in `<spec>::borrowed`) rather than the owned types.
    view: bool,
}

impl<'a> Emitter<'a> {
    fn new(api: &'a Api, options: EmitOptions) -> Self {
        let direct = api.types.map(|_, def| def.kind.holds_inline().collect());
        let mut emitter = Emitter {
            api,
            options,
            direct,
            checked: api.types.map(|_, _| false),
            borrows: api.types.map(|_, _| false),
            view: false,
        };
        // A type needs checking (holds text) if anything it holds does.
        emitter.fixpoint(|e| &mut e.checked, Emitter::type_has_checks);
        emitter.fixpoint(|e| &mut e.borrows, Emitter::type_borrows);
        emitter
    }

    /// Applies `rule` to every type until nothing changes, starting from "no type" in `slot`
    /// (so recursive types settle).
    fn fixpoint(
        &mut self,
        slot: fn(&mut Self) -> &mut Table<TypeId, bool>,
        rule: fn(&Self, TypeId) -> bool,
    ) {
        loop {
            let next = self.api.types.map(|id, _| rule(self, id));
            if *slot(self) == next {
                break;
            }
            *slot(self) = next;
        }
    }

    fn type_borrows(&self, id: TypeId) -> bool {
        let kind = &self.api.types[id].kind;
        match kind {
            TypeKind::Struct(_) => kind.refs().any(|ty| self.ref_borrows(ty)),
            TypeKind::Newtype(inner) => self.is_alias(id) && self.ref_borrows(inner),
            // Unions and enums are used as they are (owned) inside views.
            TypeKind::Untagged(_)
            | TypeKind::TaggedUnion(_)
            | TypeKind::Enum(_)
            | TypeKind::Const(_) => false,
        }
    }

    fn ref_borrows(&self, ty: &TypeRef) -> bool {
        match &ty.shape {
            Shape::String => true,
            Shape::Array(item) | Shape::Map(item) => self.ref_borrows(item),
            Shape::Named(id) => self.borrows[*id],
            _ => false,
        }
    }

    /// `pub mod borrowed { ... }` of spec module `module`: a view of each struct that holds
    /// text. Nothing when no struct does.
    fn borrowed_module(&self, module: ModuleId) -> TokenStream {
        let views = Emitter {
            view: true,
            ..self.clone()
        };
        let items: Vec<TokenStream> = self
            .api
            .types
            .enumerate()
            .filter(|(id, def)| def.module == module && self.borrows[*id])
            .filter_map(|(id, def)| match &def.kind {
                TypeKind::Struct(s) => {
                    let doc = format!(
                        "Borrowed view of this spec's `{}`: the same JSON and checks; its \
                         strings point into the input unless they hold escapes.\n\n{}",
                        def.name,
                        type_doc(def)
                    );
                    Some(views.structure(id, def, s, doc_attrs(&doc, false)))
                }
                _ => None,
            })
            .collect();
        if items.is_empty() {
            return quote!();
        }
        quote! {
            /// Borrowed views of this spec's structs that hold text (`Name<'a>`, strings as
            /// [`acp_runtime::Str`]): parsing one copies no unescaped string, which makes bulk
            /// reads (a product feed's lines) much cheaper. Types without text are the owned
            /// ones.
            pub mod borrowed {
                #(#items)*
            }
        }
    }

    fn type_has_checks(&self, id: TypeId) -> bool {
        let kind = &self.api.types[id].kind;
        let own = match kind {
            TypeKind::Struct(s) => {
                !s.conditions.is_empty()
                    || !s.alternatives.is_empty()
                    || s.property_count != (None, None)
            }
            _ => false,
        };
        own || kind.refs().any(|ty| self.ref_has_checks(ty))
            || kind.tagged_variants().any(|variant| self.checked[variant])
    }

    fn ref_has_checks(&self, ty: &TypeRef) -> bool {
        let own = match &ty.shape {
            // A date-time's text is validated when it is parsed.
            Shape::String => {
                ty.rules.min_length.is_some()
                    || ty.rules.max_length.is_some()
                    || ty.rules.pattern.is_some()
                    || ty.rules.format.is_some()
            }
            Shape::DateTime => {
                ty.rules.min_length.is_some()
                    || ty.rules.max_length.is_some()
                    || ty.rules.pattern.is_some()
            }
            Shape::Integer | Shape::Number => {
                let r = &ty.rules;
                r.minimum.is_some()
                    || r.maximum.is_some()
                    || r.exclusive_minimum.is_some()
                    || r.exclusive_maximum.is_some()
                    || r.multiple_of.is_some()
            }
            Shape::Array(item) => {
                ty.rules.min_items.is_some()
                    || ty.rules.max_items.is_some()
                    || ty.rules.unique_items
                    || self.ref_has_checks(item)
            }
            Shape::Map(item) => self.ref_has_checks(item),
            Shape::Named(id) => self.checked[*id],
            Shape::Any | Shape::Null | Shape::Boolean | Shape::Object => false,
        };
        own || ty.rules.allowed.is_some()
    }

    /// Whether `from` is reachable from `to` through direct containment (so `to` inside
    /// `from` needs a `Box`).
    fn is_recursive(&self, from: TypeId, to: TypeId) -> bool {
        let mut stack = vec![to];
        let mut seen = HashSet::new();
        while let Some(current) = stack.pop() {
            if current == from {
                return true;
            }
            if seen.insert(current) {
                stack.extend(self.direct[current].iter().copied());
            }
        }
        false
    }

    pub(super) fn path_to(&self, from_module: ModuleId, id: TypeId) -> TokenStream {
        let def = &self.api.types[id];
        let name = ident(&def.name);
        let module = ident(&self.api.modules[def.module].name);
        match (self.view, self.borrows[id], def.module == from_module) {
            (false, _, true) => quote!(#name),
            (false, _, false) => quote!(super::#module::#name),
            // From `<spec>::borrowed`: a view, or the owned type one level up.
            (true, true, true) => quote!(#name<'a>),
            (true, true, false) => quote!(super::super::#module::borrowed::#name<'a>),
            (true, false, true) => quote!(super::#name),
            (true, false, false) => quote!(super::super::#module::#name),
        }
    }

    /// The Rust type of a value of a shape that holds no other type; `None` for the others.
    fn leaf_type(&self, shape: &Shape) -> Option<TokenStream> {
        Some(match shape {
            Shape::Any => quote!(serde_json::Value),
            Shape::Null => quote!(()),
            Shape::String if self.view => quote!(acp_runtime::Str<'a>),
            Shape::String => quote!(String),
            Shape::DateTime => quote!(acp_runtime::DateTime),
            Shape::Integer => quote!(i64),
            // `serde_json::Number` keeps `5` as `5` and `5.0` as `5.0`: no rewrite of the text.
            Shape::Number => quote!(serde_json::Number),
            Shape::Boolean => quote!(bool),
            Shape::Object => quote!(serde_json::Map<String, serde_json::Value>),
            Shape::Array(_) | Shape::Map(_) | Shape::Named(_) => return None,
        })
    }

    /// The Rust type of a value of `ty`, ignoring nullability.
    fn base_type(&self, module: ModuleId, owner: Option<TypeId>, ty: &TypeRef) -> TokenStream {
        if let Some(leaf) = self.leaf_type(&ty.shape) {
            return leaf;
        }
        match &ty.shape {
            Shape::Array(item) => {
                let item = self.element_type(module, item);
                quote!(Vec<#item>)
            }
            Shape::Map(item) => {
                let item = self.element_type(module, item);
                quote!(acp_runtime::Map<#item>)
            }
            // Views write aliases out, so that a view of `Vec<String>` borrows its items.
            Shape::Named(id) if self.view && self.borrows[*id] && self.is_alias(*id) => {
                match &self.api.types[*id].kind {
                    TypeKind::Newtype(inner) => self.element_type(module, inner),
                    _ => unreachable!("aliases are newtypes"),
                }
            }
            Shape::Named(id) => {
                let path = self.path_to(module, *id);
                match owner {
                    Some(owner) if self.is_recursive(owner, *id) => quote!(Box<#path>),
                    _ => path,
                }
            }
            _ => unreachable!("leaf shapes are handled above"),
        }
    }

    /// The IR being emitted.
    pub(crate) fn api(&self) -> &Api {
        self.api
    }

    /// The options it is emitted with.
    pub(super) fn options(&self) -> EmitOptions {
        self.options
    }

    /// The type of a value of `ty` as written inside spec module `module` (nullable values are
    /// `Option`).
    pub(crate) fn element_type_in(&self, module: ModuleId, ty: &TypeRef) -> TokenStream {
        self.element_type(module, ty)
    }

    /// The type of an array item or map value (nullable items are `Option`).
    fn element_type(&self, module: ModuleId, ty: &TypeRef) -> TokenStream {
        let base = self.base_type(module, None, ty);
        if ty.nullable && ty.shape != Shape::Null {
            quote!(Option<#base>)
        } else {
            base
        }
    }

    /// Whether the named type `id` is emitted as a type alias (a newtype with nothing of its own
    /// to check), which cannot have trait impls of its own.
    pub(super) fn is_alias(&self, id: TypeId) -> bool {
        match &self.api.types[id].kind {
            TypeKind::Newtype(inner) => {
                self.checks(inner, quote!(value)).is_empty()
                    || matches!(inner.shape, Shape::Named(_)) && inner.rules.is_empty()
            }
            _ => false,
        }
    }

    fn type_def(&self, id: TypeId) -> TokenStream {
        let item = self.type_item(id);
        if self.is_alias(id) {
            return item;
        }
        let scan = if self.options.borrowed {
            super::scan::scan_impl(self, id)
        } else {
            quote!()
        };
        let item = quote!(#item #scan);
        let schemars = self.json_schema_impl(id);
        quote! {
            #item
            #schemars
        }
    }

    /// `schemars::JsonSchema` for the named type `id` (feature `schemars` of the generated
    /// crate): its [`json_schema::schema_of`] document, embedded as JSON text.
    fn json_schema_impl(&self, id: TypeId) -> TokenStream {
        let def = &self.api.types[id];
        let name = ident(&def.name);
        let schema_name = &def.name;
        let schema_id = format!("::{}", def.name);
        let Some(cfg) = self.options.schemars.cfg() else {
            return TokenStream::new();
        };
        let text = json_literal(&json_schema::schema_of(self.api, id));
        quote! {
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
        }
    }

    fn type_item(&self, id: TypeId) -> TokenStream {
        let def = &self.api.types[id];
        let docs = doc_attrs(&type_doc(def), false);
        let name = ident(&def.name);
        match &def.kind {
            TypeKind::Struct(s) => self.structure(id, def, s, docs),
            TypeKind::Enum(values) => self.string_enum(def, values, docs),
            TypeKind::Const(value) => {
                let text = value.as_str().unwrap_or_default();
                quote! {
                    acp_runtime::const_string! { #docs #name = #text }
                }
            }
            TypeKind::TaggedUnion(union) => self.tagged_union(id, def, union, docs),
            TypeKind::Untagged(variants) => self.untagged(id, def, variants, docs),
            TypeKind::Newtype(inner) => {
                let inner_ty = self.element_type(def.module, inner);
                let checks = self.checks(inner, quote!(value));
                let checks = if inner.nullable && !checks.is_empty() {
                    quote!(if let Some(value) = value { #checks })
                } else {
                    checks
                };
                if self.is_alias(id) {
                    // Nothing of its own to check: an alias keeps the type easy to use.
                    return quote! { #docs pub type #name = #inner_ty; };
                }
                quote! {
                    #docs
                    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                    #[serde(transparent)]
                    pub struct #name(pub #inner_ty);

                    impl acp_runtime::Validate for #name {
                        fn validate(&self, v: &mut acp_runtime::Validator) {
                            let value = &self.0;
                            #checks
                        }
                    }
                }
            }
        }
    }

    fn structure(&self, id: TypeId, def: &TypeDef, s: &Struct, docs: TokenStream) -> TokenStream {
        let name = ident(&def.name);
        let mut used_names = HashSet::new();
        let mut fields = Vec::new();
        let mut validations = Vec::new();
        // Views: `member: <the view's value as the owned type's>` for `From<view> for owned`.
        let mut to_owned = Vec::new();
        for field in &s.fields {
            let rust_name = unique_field_name(&field.name, &mut used_names);
            let member = ident(&rust_name);
            let rename = (rust_name != field.name).then(|| {
                let json = &field.name;
                quote!(#[serde(rename = #json)])
            });
            let field_docs = doc_attrs(&field_doc(field), false);
            let base = self.base_type(def.module, Some(id), &field.ty);
            let (ty, attrs) = self.field_type(field, base);
            let borrow =
                (self.view && self.ref_borrows(&field.ty)).then(|| quote!(#[serde(borrow)]));
            fields.push(quote! { #field_docs #rename #attrs #borrow pub #member: #ty });
            if self.view {
                let value = quote!(view.#member);
                let nullable = field.ty.nullable && field.ty.shape != Shape::Null;
                let owned = if field.required && !nullable || !self.ref_borrows(&field.ty) {
                    self.owned_value(&field.ty, value, Some(id))
                } else {
                    let item = self.owned_value(&field.ty, quote!(value), Some(id));
                    quote!(#value.map(|value| #item))
                };
                to_owned.push(quote!(#member: #owned));
            }
            let checks = self.checks(&field.ty, quote!(value));
            if !checks.is_empty() {
                let json = &field.name;
                let access = match (
                    field.required,
                    field.ty.nullable && field.ty.shape != Shape::Null,
                ) {
                    (true, false) => {
                        quote!(let value = &self.#member; v.at_field(#json, |v| { #checks });)
                    }
                    (true, true) | (false, false) => {
                        quote!(if let Some(value) = &self.#member { v.at_field(#json, |v| { #checks }); })
                    }
                    (false, true) => {
                        quote!(if let acp_runtime::Nullable::Value(value) = &self.#member { v.at_field(#json, |v| { #checks }); })
                    }
                };
                validations.push(access);
            }
        }
        let deny = match (&s.additional, self.options.tolerant) {
            (Additional::Forbidden, false) => quote!(#[serde(deny_unknown_fields)]),
            _ => quote!(),
        };
        match &s.additional {
            Additional::Forbidden if !self.options.tolerant => {}
            Additional::Typed(item) => {
                let item_ty = self.element_type(def.module, item);
                let member = ident(&unique_field_name("additional_properties", &mut used_names));
                let borrow =
                    (self.view && self.ref_borrows(item)).then(|| quote!(#[serde(borrow)]));
                fields.push(quote! {
                    /// Members not declared by the spec (`additionalProperties`).
                    #[serde(flatten)]
                    #borrow
                    pub #member: acp_runtime::Map<#item_ty>
                });
                let map = TypeRef::plain(Shape::Map(item.clone()));
                let owned = self.owned_value(&map, quote!(view.#member), None);
                to_owned.push(quote!(#member: #owned));
                let checks = self.element_checks(item);
                if !checks.is_empty() {
                    validations.push(quote! {
                        for (key, item) in &self.#member { v.at_key(key, |v| { #checks }); }
                    });
                }
            }
            _ => {
                let member = ident(&unique_field_name("additional_properties", &mut used_names));
                fields.push(quote! {
                    /// Members the spec does not declare, kept so nothing is lost on a round trip.
                    #[serde(flatten)]
                    pub #member: serde_json::Map<String, serde_json::Value>
                });
                to_owned.push(quote!(#member: view.#member));
            }
        }
        for condition in &s.conditions {
            let (when, then, otherwise) = (
                member_test(&condition.when),
                member_test(&condition.then),
                member_test(&condition.otherwise),
            );
            validations.push(quote!(v.condition(self, &#when, &#then, &#otherwise);));
        }
        for alternatives in &s.alternatives {
            let exclusive = alternatives.exclusive;
            let branches = alternatives.branches.iter().map(member_test);
            validations.push(quote!(v.alternatives(self, #exclusive, &[#(#branches),*]);));
        }
        let (min, max) = s.property_count;
        if min.is_some() || max.is_some() {
            let (min, max) = (option_tokens(min), option_tokens(max));
            validations.push(quote!(v.property_count(self, #min, #max);));
        }
        let validator = if validations.is_empty() {
            quote!(_v)
        } else {
            quote!(v)
        };
        let (generics, object_only, document) = if self.view {
            (
                quote!(<'a>),
                quote!(#name, 'a),
                quote! {
                    impl acp_runtime::Document for #name<'_> {
                        type Value<'a> = #name<'a>;

                        fn scan(s: &mut acp_runtime::scan::Scanner<'_, '_>) -> acp_runtime::scan::Scanned {
                            <super::#name as acp_runtime::scan::Scan>::scan(s)
                        }
                    }

                    impl From<#name<'_>> for super::#name {
                        fn from(view: #name<'_>) -> Self {
                            super::#name { #(#to_owned,)* }
                        }
                    }
                },
            )
        } else {
            (quote!(), quote!(#name), quote!())
        };
        quote! {
            #docs
            // `remote = "Self"` + `object_only!`: serde's derive would also take a JSON array.
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(remote = "Self")]
            #deny
            pub struct #name #generics {
                #(#fields,)*
            }

            acp_runtime::object_only!(#object_only);

            impl #generics acp_runtime::Validate for #name #generics {
                fn validate(&self, #validator: &mut acp_runtime::Validator) {
                    #(#validations)*
                }
            }

            #document
        }
    }

    /// In a view: `value` (a non-null value of `ty` as the view holds it) as the owned type holds
    /// it. `owner` is the struct holding it directly (recursive members are boxed).
    fn owned_value(&self, ty: &TypeRef, value: TokenStream, owner: Option<TypeId>) -> TokenStream {
        if !self.ref_borrows(ty) {
            return value;
        }
        let element = |item: &TypeRef| {
            let inner = self.owned_value(item, quote!(item), None);
            if item.nullable && item.shape != Shape::Null {
                quote!(item.map(|item| #inner))
            } else {
                inner
            }
        };
        match &ty.shape {
            Shape::String => quote!(#value.into_owned()),
            Shape::Array(item) => {
                let item = element(item);
                quote!(#value.into_iter().map(|item| #item).collect())
            }
            Shape::Map(item) => {
                let item = element(item);
                quote!(#value.into_iter().map(|(key, item)| (key, #item)).collect())
            }
            // Views write aliases out (see `base_type`).
            Shape::Named(id) if self.is_alias(*id) => match &self.api.types[*id].kind {
                TypeKind::Newtype(inner) => {
                    let item = element(inner);
                    quote!({ let item = #value; #item })
                }
                _ => unreachable!("aliases are newtypes"),
            },
            Shape::Named(id) => match owner {
                Some(owner) if self.is_recursive(owner, *id) => quote!(Box::new((*#value).into())),
                _ => quote!(#value.into()),
            },
            _ => value,
        }
    }

    /// The field's Rust type and serde attributes, by required-ness and nullability.
    fn field_type(&self, field: &Field, base: TokenStream) -> (TokenStream, TokenStream) {
        let nullable = field.ty.nullable && field.ty.shape != Shape::Null;
        match (field.required, nullable) {
            (true, false) => (base, quote!()),
            (true, true) => (
                quote!(Option<#base>),
                quote!(#[serde(deserialize_with = "acp_runtime::required_nullable")]),
            ),
            (false, false) => (
                quote!(Option<#base>),
                quote!(#[serde(default, skip_serializing_if = "Option::is_none")]),
            ),
            (false, true) => (
                quote!(acp_runtime::Nullable<#base>),
                quote!(#[serde(default, skip_serializing_if = "acp_runtime::Nullable::is_absent")]),
            ),
        }
    }

    fn string_enum(
        &self,
        def: &TypeDef,
        values: &[crate::ir::EnumValue],
        docs: TokenStream,
    ) -> TokenStream {
        let name = ident(&def.name);
        let mut used = HashSet::new();
        let variants: Vec<(Ident, &str)> = values
            .iter()
            .map(|v| {
                let mut variant = naming::variant_name(&v.value);
                while !used.insert(variant.clone()) {
                    variant.push('_');
                }
                (ident(&variant), v.value.as_str())
            })
            .collect();
        let declared = variants
            .iter()
            .map(|(variant, json)| quote!(#[serde(rename = #json)] #variant));
        let as_str = variants
            .iter()
            .map(|(variant, json)| quote!(Self::#variant => #json));
        let unknown = catch_all_name(&used);
        let (unknown_decl, unknown_str, copy) = if self.options.tolerant {
            (
                quote!(
                    /// A value this version of the spec does not list.
                    #[serde(untagged)]
                    #unknown(String),
                ),
                quote!(Self::#unknown(other) => other.as_str(),),
                quote!(),
            )
        } else {
            (quote!(), quote!(), quote!(Copy, Eq, Hash,))
        };
        quote! {
            #docs
            #[derive(Debug, Clone, #copy PartialEq, serde::Serialize, serde::Deserialize)]
            pub enum #name {
                #(#declared,)*
                #unknown_decl
            }

            impl #name {
                /// The JSON string of this value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#as_str,)*
                        #unknown_str
                    }
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl acp_runtime::Validate for #name {
                fn validate(&self, _: &mut acp_runtime::Validator) {}
            }
        }
    }

    fn tagged_union(
        &self,
        id: TypeId,
        def: &TypeDef,
        union: &crate::ir::TaggedUnion,
        docs: TokenStream,
    ) -> TokenStream {
        let name = ident(&def.name);
        let tag = &union.tag;
        let mut used = HashSet::new();
        let variants: Vec<(Ident, &str, TokenStream)> = union
            .variants
            .iter()
            .map(|(value, target)| {
                let mut variant = naming::variant_name(value);
                while !used.insert(variant.clone()) {
                    variant.push('_');
                }
                let ty =
                    self.base_type(def.module, Some(id), &TypeRef::plain(Shape::Named(*target)));
                (ident(&variant), value.as_str(), ty)
            })
            .collect();
        let declared = variants.iter().map(|(variant, value, ty)| {
            let doc = format!(" `{tag}` is `{value}`.");
            quote!(#[doc = #doc] #variant(#ty))
        });
        let arms = variants.iter().map(|(variant, value, _)| {
            quote!(#value => acp_runtime::union::variant(body).map(Self::#variant))
        });
        let tags: Vec<&str> = variants.iter().map(|(_, value, _)| *value).collect();
        let validate_arms = variants
            .iter()
            .map(|(variant, _, _)| quote!(Self::#variant(inner) => inner.validate(v)));
        let unknown = catch_all_name(&used);
        let (unknown_decl, unknown_arm, unknown_validate) = if self.options.tolerant {
            (
                quote!(
                    /// A variant this version of the spec does not list, kept as JSON.
                    #unknown(serde_json::Value),
                ),
                quote!(_ => Ok(Self::#unknown(body))),
                quote!(Self::#unknown(_) => {}),
            )
        } else {
            (
                quote!(),
                quote!(other => Err(acp_runtime::union::unknown_tag(#tag, other, &[#(#tags),*]))),
                quote!(),
            )
        };
        quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, serde::Serialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#declared,)*
                #unknown_decl
            }

            impl<'de> serde::Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let (tag, body) = acp_runtime::union::take_tagged(deserializer, #tag)?;
                    match tag.as_str() {
                        #(#arms,)*
                        #unknown_arm
                    }
                }
            }

            impl acp_runtime::Validate for #name {
                fn validate(&self, v: &mut acp_runtime::Validator) {
                    match self {
                        #(#validate_arms,)*
                        #unknown_validate
                    }
                }
            }
        }
    }

    fn untagged(
        &self,
        id: TypeId,
        def: &TypeDef,
        variants: &[TypeRef],
        docs: TokenStream,
    ) -> TokenStream {
        let name = ident(&def.name);
        let mut used = HashSet::new();
        let mut declared = Vec::new();
        let mut validate_arms = Vec::new();
        for ty in variants {
            let mut variant = match &ty.shape {
                Shape::Named(target) => self.api.types[*target].name.clone(),
                Shape::Any => "Any".into(),
                Shape::Null => "Null".into(),
                Shape::String => "String".into(),
                Shape::DateTime => "DateTime".into(),
                Shape::Integer => "Integer".into(),
                Shape::Number => "Number".into(),
                Shape::Boolean => "Boolean".into(),
                Shape::Object => "Object".into(),
                Shape::Array(_) => "Array".into(),
                Shape::Map(_) => "Map".into(),
            };
            while !used.insert(variant.clone()) {
                variant.push('_');
            }
            let variant = ident(&variant);
            let rust = self.base_type(def.module, Some(id), ty);
            declared.push(quote!(#variant(#rust)));
            let checks = self.checks(ty, quote!(value));
            validate_arms.push(quote!(Self::#variant(value) => { #checks }));
        }
        quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#declared,)*
            }

            impl acp_runtime::Validate for #name {
                #[allow(unused_variables)]
                fn validate(&self, v: &mut acp_runtime::Validator) {
                    match self {
                        #(#validate_arms)*
                    }
                }
            }
        }
    }

    /// Statements checking `value` (a reference to a non-null value of `ty`) against the rules
    /// of `ty`; `v` is the validator. Empty when there is nothing to check.
    pub(super) fn checks(&self, ty: &TypeRef, value: TokenStream) -> TokenStream {
        let rules = &ty.rules;
        let mut out = Vec::new();
        match &ty.shape {
            Shape::String | Shape::DateTime => {
                let format = match &rules.format {
                    Some(Format::Email) => Some(quote!(Email)),
                    Some(Format::Uri) => Some(quote!(Uri)),
                    Some(Format::Date) => Some(quote!(Date)),
                    Some(Format::DateTime) => Some(quote!(DateTime)),
                    Some(Format::Other(_)) | None => None,
                };
                if rules.min_length.is_some()
                    || rules.max_length.is_some()
                    || rules.pattern.is_some()
                    || format.is_some()
                {
                    let min = option_tokens(rules.min_length);
                    let max = option_tokens(rules.max_length);
                    let format = format.unwrap_or(quote!(None));
                    let (pattern_static, pattern, source) = match &rules.pattern {
                        Some(source) => {
                            let translated = translate_pattern(source);
                            (
                                quote! {
                                    static PATTERN: acp_runtime::__private::LazyLock<acp_runtime::__private::Regex> =
                                        acp_runtime::__private::LazyLock::new(|| acp_runtime::__private::Regex::new(#translated).expect("checked when generated"));
                                },
                                quote!(Some(&PATTERN)),
                                source.clone(),
                            )
                        }
                        None => (quote!(), quote!(None), String::new()),
                    };
                    let as_str = if ty.shape == Shape::DateTime {
                        quote!(#value.as_str())
                    } else {
                        quote!(#value)
                    };
                    out.push(quote! {
                        #pattern_static
                        v.string(#as_str, &acp_runtime::StringRules {
                            min_length: #min,
                            max_length: #max,
                            pattern: #pattern,
                            pattern_source: #source,
                            format: acp_runtime::Format::#format,
                        });
                    });
                }
            }
            Shape::Integer | Shape::Number => {
                if rules.minimum.is_some()
                    || rules.maximum.is_some()
                    || rules.exclusive_minimum.is_some()
                    || rules.exclusive_maximum.is_some()
                    || rules.multiple_of.is_some()
                {
                    let [minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of] = [
                        rules.minimum,
                        rules.maximum,
                        rules.exclusive_minimum,
                        rules.exclusive_maximum,
                        rules.multiple_of,
                    ]
                    .map(float_option);
                    let (method, argument) = if ty.shape == Shape::Integer {
                        (quote!(integer), quote!(*#value))
                    } else {
                        (quote!(number), quote!(#value.as_f64().unwrap_or(f64::NAN)))
                    };
                    out.push(quote! {
                        v.#method(#argument, &acp_runtime::NumberRules {
                            minimum: #minimum,
                            maximum: #maximum,
                            exclusive_minimum: #exclusive_minimum,
                            exclusive_maximum: #exclusive_maximum,
                            multiple_of: #multiple_of,
                        });
                    });
                }
            }
            Shape::Array(item) => {
                if rules.min_items.is_some() || rules.max_items.is_some() || rules.unique_items {
                    let min = option_tokens(rules.min_items);
                    let max = option_tokens(rules.max_items);
                    let unique = rules.unique_items;
                    out.push(quote! {
                        v.array(#value, &acp_runtime::ArrayRules { min_items: #min, max_items: #max, unique_items: #unique });
                    });
                }
                let inner = self.element_checks(item);
                if !inner.is_empty() {
                    out.push(quote! {
                        for (index, item) in #value.iter().enumerate() {
                            v.at_index(index, |v| { #inner });
                        }
                    });
                }
            }
            Shape::Map(item) => {
                let inner = self.element_checks(item);
                if !inner.is_empty() {
                    out.push(quote! {
                        for (key, item) in #value.iter() {
                            v.at_key(key, |v| { #inner });
                        }
                    });
                }
            }
            Shape::Named(id) if self.checked[*id] => {
                out.push(quote!(acp_runtime::Validate::validate(#value, v);))
            }
            Shape::Named(_) => {}
            Shape::Any | Shape::Null | Shape::Boolean | Shape::Object => {}
        }
        if let Some(allowed) = &rules.allowed {
            let texts: Vec<String> = allowed.iter().map(Value::to_string).collect();
            out.push(quote!(v.one_of(#value, &[#(#texts),*]);));
        }
        quote!(#(#out)*)
    }

    /// Checks of one array item or map value bound to `item` (skipping `null` items).
    fn element_checks(&self, item: &TypeRef) -> TokenStream {
        let inner = self.checks(item, quote!(item));
        if !inner.is_empty() && item.nullable && item.shape != Shape::Null {
            quote!(if let Some(item) = item { #inner })
        } else {
            inner
        }
    }

    /// `__roundtrip(schema, value)`: parse `value` as the type generated for the schema at
    /// `schema` (`file#pointer`), check it, and serialize it back. The example tests use it to
    /// check every example of the spec against the generated types.
    ///
    /// `__schema(schema)` (feature `schemars`): the JSON Schema of that type as schemars gives it.
    fn registry(&self) -> TokenStream {
        let mut entries: Vec<(String, TypeRef)> = Vec::new();
        let mut seen = HashSet::new();
        for (id, def) in self.api.types.enumerate() {
            let ty = TypeRef {
                shape: Shape::Named(id),
                nullable: def.nullable,
                rules: Default::default(),
            };
            for origin in std::iter::once(&def.origin).chain(&def.aliases) {
                let key = origin.to_string();
                if seen.insert(key.clone()) {
                    entries.push((key, ty.clone()));
                }
            }
        }
        for example in &self.api.examples {
            let key = example.schema.to_string();
            if seen.insert(key.clone()) {
                entries.push((key, example.ty.clone()));
            }
        }
        let arms = entries.iter().map(|(key, ty)| {
            let call = self.roundtrip_call(ty);
            quote!(#key => #call)
        });
        let schema_arms = entries.iter().map(|(key, ty)| {
            let call = self.schema_call(ty);
            quote!(#key => #call)
        });
        let borrowed_registry = self.options.borrowed.then(|| {
            let arms = entries.iter().filter_map(|(key, ty)| match ty.shape {
                Shape::Named(id)
                    if self.borrows[id]
                        && matches!(self.api.types[id].kind, TypeKind::Struct(_))
                        && !ty.nullable
                        && ty.rules.is_empty() =>
                {
                    let def = &self.api.types[id];
                    let (module, name) = (ident(&self.api.modules[def.module].name), ident(&def.name));
                    Some(quote!(#key => acp_runtime::roundtrip_view::<#module::borrowed::#name, #module::#name>(text)))
                }
                _ => None,
            });
            let scan_arms = entries.iter().filter_map(|(key, ty)| match ty.shape {
                Shape::Named(id) if !self.is_alias(id) && !ty.nullable && ty.rules.is_empty() => {
                    let def = &self.api.types[id];
                    let (module, name) = (ident(&self.api.modules[def.module].name), ident(&def.name));
                    Some(quote!(#key => <#module::#name as acp_runtime::scan::Scan>::scan))
                }
                _ => None,
            });
            quote! {
                /// Whether the scanner of the type generated for `schema` accepts `text` (it
                /// falls back when not sure; then the full parse decides). `None` when that
                /// schema has no scanner of its own.
                #[doc(hidden)]
                pub fn __scan(schema: &str, text: &str) -> Option<bool> {
                    let scan: fn(&mut acp_runtime::scan::Scanner<'_, '_>) -> acp_runtime::scan::Scanned = match schema {
                        #(#scan_arms,)*
                        _ => return None,
                    };
                    Some(acp_runtime::scan::scan_document(text, &acp_runtime::scan::IdPaths::none(), false, scan).is_ok())
                }

                /// Like `__roundtrip`, from JSON text, through the borrowed view of the struct
                /// generated for `schema` (checking that the view converted into the owned type
                /// serializes the same). `None` when that schema has no view.
                #[doc(hidden)]
                pub fn __roundtrip_borrowed(schema: &str, text: &str) -> Option<Result<serde_json::Value, acp_runtime::ParseError>> {
                    Some(match schema {
                        #(#arms,)*
                        _ => return None,
                    })
                }
            }
        });
        let schema_registry = self.options.schemars.cfg().map(|cfg| {
            quote! {
                /// The JSON Schema of the type generated for the schema at `schema` (`file#pointer`,
                /// relative to the spec root), as schemars generates it for the Rust type
                /// (`into_root_schema_for`); for a use schemars cannot describe exactly (date-times,
                /// maps, constraints of the use) the acp-codegen document of the use. `None` when no
                /// type was generated for that schema.
                #cfg
                #[doc(hidden)]
                pub fn __schema(schema: &str) -> Option<schemars::Schema> {
                    Some(match schema {
                        #(#schema_arms,)*
                        _ => return None,
                    })
                }
            }
        });
        quote! {
            /// Parses `value` as the type generated for the schema at `schema` (`file#pointer`,
            /// relative to the spec root), validates it, and serializes it back. `None` when no
            /// type was generated for that schema.
            #[doc(hidden)]
            pub fn __roundtrip(schema: &str, value: serde_json::Value) -> Option<Result<serde_json::Value, acp_runtime::ParseError>> {
                Some(match schema {
                    #(#arms,)*
                    _ => return None,
                })
            }

            #schema_registry
            #borrowed_registry
        }
    }

    /// The expression making the schema of a use for `__schema`.
    fn schema_call(&self, ty: &TypeRef) -> TokenStream {
        if self.schemars_describes(ty) {
            let rust = self.registry_type(ty);
            quote!(schemars::SchemaGenerator::default().into_root_schema_for::<#rust>())
        } else {
            let text = json_literal(&json_schema::schema_of_ref(self.api, ty));
            quote!(serde_json::from_str(#text).expect("acp-codegen embeds a valid JSON Schema"))
        }
    }

    /// Whether the Rust type of a use implements `schemars::JsonSchema` with the use's meaning:
    /// no constraints of its own, no date-times or maps (their runtime types have no impl).
    fn schemars_describes(&self, ty: &TypeRef) -> bool {
        ty.rules.is_empty()
            && match &ty.shape {
                Shape::Named(id) => match &self.api.types[*id].kind {
                    TypeKind::Newtype(inner) if self.is_alias(*id) => {
                        self.schemars_describes(inner)
                    }
                    _ => true,
                },
                Shape::Array(item) => self.schemars_describes(item),
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

    fn roundtrip_call(&self, ty: &TypeRef) -> TokenStream {
        // Registry code lives at the version root, one level above the spec modules.
        let rust = self.registry_type(ty);
        let checks = self.checks(ty, quote!(value));
        let nullable = ty.nullable && ty.shape != Shape::Null;
        let body = if checks.is_empty() {
            quote!(|_, _| {})
        } else if nullable {
            quote!(|value: &#rust, v: &mut acp_runtime::Validator| { if let Some(value) = value { #checks } })
        } else {
            quote!(|value: &#rust, v: &mut acp_runtime::Validator| { #checks })
        };
        quote!(acp_runtime::roundtrip::<#rust, _>(value, #body))
    }

    fn registry_type(&self, ty: &TypeRef) -> TokenStream {
        let base = self.registry_base(ty);
        if ty.nullable && ty.shape != Shape::Null {
            quote!(Option<#base>)
        } else {
            base
        }
    }

    fn registry_base(&self, ty: &TypeRef) -> TokenStream {
        match &ty.shape {
            Shape::Named(id) => {
                let def = &self.api.types[*id];
                let module_name = ident(&self.api.modules[def.module].name);
                let name = ident(&def.name);
                quote!(#module_name::#name)
            }
            Shape::Array(item) => {
                let item = self.registry_type(item);
                quote!(Vec<#item>)
            }
            Shape::Map(item) => {
                let item = self.registry_type(item);
                quote!(acp_runtime::Map<#item>)
            }
            _ => self
                .leaf_type(&ty.shape)
                .expect("other shapes are handled above"),
        }
    }
}

/// The catch-all variant of a tolerant enum: `Unknown`, unless the spec has that value.
fn catch_all_name(used: &HashSet<String>) -> Ident {
    let mut name = "Unknown".to_string();
    while used.contains(&name) {
        name.push_str("Value");
    }
    ident(&name)
}

fn member_test(test: &crate::ir::MemberTest) -> TokenStream {
    let values = test.values.iter().map(|(path, allowed)| {
        let texts: Vec<String> = allowed.iter().map(Value::to_string).collect();
        quote!((&[#(#path),*], &[#(#texts),*]))
    });
    let required = test
        .required
        .iter()
        .map(|(path, members)| quote!((&[#(#path),*], &[#(#members),*])));
    quote!(acp_runtime::MemberTest { values: &[#(#values),*], required: &[#(#required),*] })
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

fn option_tokens(value: Option<u64>) -> TokenStream {
    match value {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    }
}

fn float_option(value: Option<f64>) -> TokenStream {
    match value {
        Some(n) => {
            let literal = Literal::f64_suffixed(n);
            quote!(Some(#literal))
        }
        None => quote!(None),
    }
}

/// An identifier, raw when it is a keyword.
pub(crate) fn ident(name: &str) -> Ident {
    if naming::is_keyword(name) && !matches!(name, "self" | "Self" | "super" | "crate") {
        Ident::new_raw(name, Span::call_site())
    } else {
        format_ident!("{}", name)
    }
}

fn unique_field_name(json: &str, used: &mut HashSet<String>) -> String {
    let mut name = naming::field_name(json);
    if matches!(name.as_str(), "self" | "super" | "crate") {
        name.push('_');
    }
    while !used.insert(name.clone()) {
        name.push('_');
    }
    name
}

fn type_doc(def: &TypeDef) -> String {
    let mut doc = docs_text(&def.docs);
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("Schema: `{}`", def.origin));
    for alias in &def.aliases {
        doc.push_str(&format!(", `{alias}`"));
    }
    doc.push('.');
    doc
}

fn field_doc(field: &Field) -> String {
    let mut doc = docs_text(&field.docs);
    let mut notes = Vec::new();
    if let Some(formatted) = describe_rules(&field.ty) {
        notes.push(formatted);
    }
    if !notes.is_empty() {
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&notes.join(" "));
    }
    doc
}

fn describe_rules(ty: &TypeRef) -> Option<String> {
    let r = &ty.rules;
    let mut parts = Vec::new();
    if let Some(format) = &r.format {
        parts.push(format!("format `{format}`"));
    }
    if let Some(n) = r.min_length {
        parts.push(format!(
            "at least {n} character{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = r.max_length {
        parts.push(format!(
            "at most {n} character{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Some(p) = &r.pattern {
        parts.push(format!("matches `{p}`"));
    }
    if let Some(n) = r.minimum {
        parts.push(format!("≥ {n}"));
    }
    if let Some(n) = r.maximum {
        parts.push(format!("≤ {n}"));
    }
    if let Some(n) = r.exclusive_minimum {
        parts.push(format!("> {n}"));
    }
    if let Some(n) = r.exclusive_maximum {
        parts.push(format!("< {n}"));
    }
    (!parts.is_empty()).then(|| format!("Constraints: {}.", parts.join(", ")))
}

fn docs_text(docs: &Docs) -> String {
    let mut out = String::new();
    if let Some(title) = &docs.title {
        out.push_str(title.trim());
    }
    if let Some(description) = &docs.description {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(description.trim());
    }
    if docs.deprecated {
        out.push_str("\n\n**Deprecated** in the spec.");
    }
    if let Some(access) = docs.access {
        out.push_str(&format!("\n\nThe spec marks this {access}."));
    }
    if let Some(default) = &docs.default {
        out.push_str(&format!("\n\nDefault: `{default}`."));
    }
    out
}

/// Spec prose as rustdoc markdown that renders as written: brackets would be intra-doc links,
/// `<Name>` would be HTML tags, and bare URLs are made links.
pub(crate) fn markdown_safe(line: &str) -> String {
    let escaped = line
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;");
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        let in_code = (out.matches('`').count() + rest[..start].matches('`').count()) % 2 == 1;
        let length = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '`' | '"' | '\'' | ','))
            .unwrap_or(rest.len() - start);
        let url = rest[start..start + length].trim_end_matches(['.', ';', ':']);
        out.push_str(&rest[..start]);
        if in_code {
            out.push_str(url);
        } else {
            out.push('<');
            out.push_str(url);
            out.push('>');
        }
        rest = &rest[start + url.len()..];
    }
    out.push_str(rest);
    out
}

/// `#[doc]` attributes (inner ones with `inner`), one per line so the output reads as `///`.
fn doc_attrs(text: &str, inner: bool) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = format!(" {}", markdown_safe(line.trim_end()));
        if inner {
            quote!(#![doc = #line])
        } else {
            quote!(#[doc = #line])
        }
    });
    quote!(#(#lines)*)
}

#[cfg(test)]
mod tests {
    use super::markdown_safe;

    #[test]
    fn spec_prose_renders_as_written() {
        assert_eq!(
            markdown_safe("see https://acp.dev/x."),
            "see <https://acp.dev/x>."
        );
        assert_eq!(
            markdown_safe("`https://in.code` and <SchemaName>"),
            "`https://in.code` and &lt;SchemaName>"
        );
        assert_eq!(
            markdown_safe("a [link] (https://a.b)"),
            "a \\[link\\] (<https://a.b>)"
        );
    }
}
