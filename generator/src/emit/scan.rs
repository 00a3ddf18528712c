//! `acp_runtime::scan::Scan` impls: code that checks a type's JSON text without building a
//! value, emitted with the borrowed views (both serve bulk reading). Each impl walks the text as
//! the type's serde code reads it and runs the same constraint checks (the tokens of
//! [`Context::checks`]), and falls back to the full parse on anything it is not sure of: an
//! unknown or repeated member, an explicit `null` where serde would read `None`, unions, maps,
//! untyped values, conditions between members.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::context::{ident, Context, Emitter, ModuleOutput, Scope};
use crate::ir::{ModuleId, Shape, Struct, TypeId, TypeKind, TypeRef};

/// Members an object scanner can track in its `u64` of seen members.
const MAX_MEMBERS: usize = 64;

/// Emits `impl Scan` for each owned type but aliases (written out where used).
pub(crate) struct Scanners;

impl Emitter for Scanners {
    fn type_items(&self, ctx: &Context, id: TypeId, out: &mut ModuleOutput) {
        if !ctx.is_alias(id) {
            out.items.push(scan_impl(ctx, id));
        }
    }
}

/// `impl Scan for <owned type>` of type `id`.
fn scan_impl(ctx: &Context, id: TypeId) -> TokenStream {
    let def = &ctx.api.types[id];
    let name = ident(&def.name);
    let body = match &def.kind {
        TypeKind::Struct(s) => structure(ctx, def.module, s),
        TypeKind::Enum(_) if ctx.options.tolerant => quote!(s.string().map(drop)),
        TypeKind::Enum(values) => {
            let values = values.iter().map(|v| &v.value);
            quote! {
                match &*s.string()? {
                    #(#values)|* => Ok(()),
                    _ => Err(acp_runtime::scan::Fallback),
                }
            }
        }
        TypeKind::Const(Value::String(text)) => quote! {
            if s.string()? == #text { Ok(()) } else { Err(acp_runtime::scan::Fallback) }
        },
        TypeKind::Newtype(inner) => value(ctx, def.module, inner),
        TypeKind::Const(_) | TypeKind::TaggedUnion(_) | TypeKind::Untagged(_) => fallback(),
    };
    quote! {
        impl acp_runtime::scan::Scan for #name {
            fn scan(s: &mut acp_runtime::scan::Scanner<'_, '_>) -> acp_runtime::scan::Scanned {
                #body
            }
        }
    }
}

fn fallback() -> TokenStream {
    quote!(acp_runtime::scan::unsupported(s))
}

fn structure(ctx: &Context, module: ModuleId, s: &Struct) -> TokenStream {
    if !s.conditions.is_empty() || !s.alternatives.is_empty() || s.fields.len() > MAX_MEMBERS {
        return fallback();
    }
    let mut required = 0u64;
    let arms = s.fields.iter().enumerate().map(|(bit, field)| {
        if field.required {
            required |= 1 << bit;
        }
        let bit = bit as u32;
        let name = &field.name;
        let value = value(ctx, module, &field.ty);
        quote!(#name => { acp_runtime::scan::once(&mut seen, #bit)?; #value })
    });
    let arms: Vec<TokenStream> = arms.collect();
    // Every member present is serialized (an explicit `null` for `None` falls back), so the
    // members seen are the members `Validator::property_count` counts.
    let count = within(
        quote!(u64::from(seen.count_ones())),
        s.property_count.0,
        s.property_count.1,
    );
    if arms.is_empty() {
        return quote!(s.object(|_, _| Err(acp_runtime::scan::Fallback)));
    }
    let required = (required != 0).then(|| {
        quote! {
            if seen & #required != #required {
                return Err(acp_runtime::scan::Fallback);
            }
        }
    });
    quote! {
        let mut seen = 0u64;
        s.object(|s, name| match name {
            #(#arms)*
            _ => Err(acp_runtime::scan::Fallback),
        })?;
        #required
        #count
        Ok(())
    }
}

/// An expression reading one value of `ty` at `s` (a `Scanned`).
fn value(ctx: &Context, module: ModuleId, ty: &TypeRef) -> TokenStream {
    let present = present_value(ctx, module, ty);
    if ty.nullable && ty.shape != Shape::Null {
        quote!(if s.null() { Ok(()) } else { #present })
    } else {
        present
    }
}

fn present_value(ctx: &Context, module: ModuleId, ty: &TypeRef) -> TokenStream {
    let checks = ctx.checks(ty, quote!(value));
    // Reads the value with `read` (a `Result`); with checks to run, binds it as `value` (made
    // what the checks expect by `bind`) first.
    let checked = |read: TokenStream, bind: TokenStream| {
        if checks.is_empty() {
            quote!(#read.map(drop))
        } else {
            quote!({
                let value = #read?;
                #bind
                let v = s.validator();
                #checks
                Ok(())
            })
        }
    };
    match &ty.shape {
        Shape::String => checked(quote!(s.string()), quote!(let value: &str = &value;)),
        Shape::DateTime => checked(
            quote!(s.string().and_then(|text| {
                acp_runtime::DateTime::parse(String::from(text))
                    .map_err(|_| acp_runtime::scan::Fallback)
            })),
            quote!(let value = &value;),
        ),
        Shape::Integer => checked(quote!(s.integer()), quote!(let value = &value;)),
        Shape::Number => checked(quote!(s.number()), quote!(let value = &value;)),
        Shape::Boolean if ty.rules.is_empty() => quote!(s.boolean().map(drop)),
        Shape::Null => quote!(if s.null() {
            Ok(())
        } else {
            Err(acp_runtime::scan::Fallback)
        }),
        Shape::Array(item) => {
            let rules = &ty.rules;
            if rules.unique_items || rules.allowed.is_some() {
                return fallback();
            }
            let item = value(ctx, module, item);
            match within(quote!(count), rules.min_items, rules.max_items) {
                bounds if bounds.is_empty() => quote!(s.array(|s| #item).map(drop)),
                bounds => quote!({
                    let count = s.array(|s| #item)?;
                    #bounds
                    Ok(())
                }),
            }
        }
        Shape::Named(id) if ty.rules.is_empty() => {
            if ctx.is_alias(*id) {
                match &ctx.api.types[*id].kind {
                    TypeKind::Newtype(inner) => value(ctx, module, inner),
                    _ => unreachable!("aliases are newtypes"),
                }
            } else {
                let path = ctx.path_to(Scope::Module(module), *id);
                quote!(<#path as acp_runtime::scan::Scan>::scan(s))
            }
        }
        Shape::Boolean | Shape::Named(_) | Shape::Any | Shape::Object | Shape::Map(_) => fallback(),
    }
}

/// Falls back unless `count` is within the bounds given (nothing when none is).
fn within(count: TokenStream, min: Option<u64>, max: Option<u64>) -> TokenStream {
    let below = min.map(|min| quote!(#count < #min));
    let above = max.map(|max| quote!(#count > #max));
    let out = below.into_iter().chain(above);
    let tests: Vec<TokenStream> = out.collect();
    if tests.is_empty() {
        return quote!();
    }
    quote! {
        if #(#tests)||* {
            return Err(acp_runtime::scan::Fallback);
        }
    }
}
