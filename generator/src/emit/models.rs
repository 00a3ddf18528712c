//! The owned types of each spec: serde types and their `Validate` impls.

use std::collections::HashSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::context::{doc_attrs, ident, type_doc, Context, Emitter, ModuleOutput, Scope};
use crate::ir::{EnumValue, Shape, TaggedUnion, TypeDef, TypeId, TypeKind, TypeRef};
use crate::naming;

/// Emits the owned type of each named type.
pub(crate) struct Models;

impl Emitter for Models {
    fn type_items(&self, ctx: &Context, id: TypeId, out: &mut ModuleOutput) {
        out.items.push(type_item(ctx, id));
    }
}

fn type_item(ctx: &Context, id: TypeId) -> TokenStream {
    let def = &ctx.api.types[id];
    let docs = doc_attrs(&type_doc(def), false);
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Struct(s) => ctx.structure(Scope::Module(def.module), id, def, s, docs),
        TypeKind::Enum(values) => string_enum(ctx, def, values, docs),
        TypeKind::Const(value) => {
            let text = value.as_str().unwrap_or_default();
            quote! {
                acp_runtime::const_string! { #docs #name = #text }
            }
        }
        TypeKind::TaggedUnion(union) => tagged_union(ctx, id, def, union, docs),
        TypeKind::Untagged(variants) => untagged(ctx, id, def, variants, docs),
        TypeKind::Newtype(inner) => {
            let inner_ty = ctx.element_type(Scope::Module(def.module), inner);
            let checks = ctx.checks(inner, quote!(value));
            let checks = if inner.nullable && !checks.is_empty() {
                quote!(if let Some(value) = value { #checks })
            } else {
                checks
            };
            if ctx.is_alias(id) {
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

fn string_enum(
    ctx: &Context,
    def: &TypeDef,
    values: &[EnumValue],
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
    let (unknown_decl, unknown_str, copy) = if ctx.options.tolerant {
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
    ctx: &Context,
    id: TypeId,
    def: &TypeDef,
    union: &TaggedUnion,
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
            let ty = ctx.base_type(
                Scope::Module(def.module),
                Some(id),
                &TypeRef::plain(Shape::Named(*target)),
            );
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
    let (unknown_decl, unknown_arm, unknown_validate) = if ctx.options.tolerant {
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
    ctx: &Context,
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
            Shape::Named(target) => ctx.api.types[*target].name.clone(),
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
        let rust = ctx.base_type(Scope::Module(def.module), Some(id), ty);
        declared.push(quote!(#variant(#rust)));
        let checks = ctx.checks(ty, quote!(value));
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

/// The catch-all variant of a tolerant enum: `Unknown`, unless the spec has that value.
fn catch_all_name(used: &HashSet<String>) -> Ident {
    let mut name = "Unknown".to_string();
    while used.contains(&name) {
        name.push_str("Value");
    }
    ident(&name)
}
