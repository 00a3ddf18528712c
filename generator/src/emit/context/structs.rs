//! The struct code owned types and borrowed views share: the same members, serde attributes and
//! checks, with strings borrowed in views.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::checks::{member_test, option_tokens};
use super::{doc_attrs, field_doc, ident, unique_field_name, Context, Scope};
use crate::ir::{Additional, Field, Shape, Struct, TypeDef, TypeId, TypeKind, TypeRef};

impl Context<'_> {
    /// A struct with its `Validate` impl: the owned type in [`Scope::Module`], its view (strings
    /// as `acp_runtime::Str<'a>`, with `Document` and `From<view> for owned`) in
    /// [`Scope::Views`].
    pub(crate) fn structure(
        &self,
        scope: Scope,
        id: TypeId,
        def: &TypeDef,
        s: &Struct,
        docs: TokenStream,
    ) -> TokenStream {
        let views = matches!(scope, Scope::Views(_));
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
            let base = self.base_type(scope, Some(id), &field.ty);
            let (ty, attrs) = self.field_type(field, base);
            let borrow = (views && self.ref_borrows(&field.ty)).then(|| quote!(#[serde(borrow)]));
            fields.push(quote! { #field_docs #rename #attrs #borrow pub #member: #ty });
            if views {
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
                let item_ty = self.element_type(scope, item);
                let member = ident(&unique_field_name("additional_properties", &mut used_names));
                let borrow = (views && self.ref_borrows(item)).then(|| quote!(#[serde(borrow)]));
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
        let (generics, object_only, document) = if views {
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
}
