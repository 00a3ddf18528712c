//! The example registry at the version root: `__roundtrip(schema, value)` parses `value` as the
//! type generated for the schema at `schema` (`file#pointer`), checks it, and serializes it
//! back. The example tests use it to check every example of the spec against the generated
//! types.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::{Context, Emitter, Scope};
use crate::ir::{Shape, TypeRef};

/// Emits `__roundtrip`.
pub(crate) struct Registry;

impl Emitter for Registry {
    fn root_items(&self, ctx: &Context, out: &mut Vec<TokenStream>) {
        let arms = ctx.schemas.iter().map(|(key, ty)| {
            let call = roundtrip_call(ctx, ty);
            quote!(#key => #call)
        });
        out.push(quote! {
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
        });
    }
}

fn roundtrip_call(ctx: &Context, ty: &TypeRef) -> TokenStream {
    let rust = ctx.element_type(Scope::Root, ty);
    let checks = ctx.checks(ty, quote!(value));
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
