//! Borrowed views (`--borrowed`): per spec a `borrowed` module with `Name<'a>` for each struct
//! that holds text, strings pointing into the input; and at the version root the registries the
//! property test reads them (and the scanners) through.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::{doc_attrs, ident, type_doc, Context, Emitter, ModuleOutput, Scope};
use crate::ir::{ModuleId, Shape, TypeKind};

/// Emits the `borrowed` module of each spec and the `__scan`/`__roundtrip_borrowed` registries.
pub(crate) struct Views;

impl Emitter for Views {
    fn module_items(&self, ctx: &Context, module: ModuleId, out: &mut ModuleOutput) {
        out.items.push(borrowed_module(ctx, module));
    }

    fn root_items(&self, ctx: &Context, out: &mut Vec<TokenStream>) {
        out.push(registry(ctx));
    }
}

/// `pub mod borrowed { ... }` of spec module `module`: a view of each struct that holds
/// text. Nothing when no struct does.
fn borrowed_module(ctx: &Context, module: ModuleId) -> TokenStream {
    let items: Vec<TokenStream> = ctx
        .api
        .types
        .enumerate()
        .filter(|(id, def)| def.module == module && ctx.borrows(*id))
        .filter_map(|(id, def)| match &def.kind {
            TypeKind::Struct(s) => {
                let doc = format!(
                    "Borrowed view of this spec's `{}`: the same JSON and checks; its \
                     strings point into the input unless they hold escapes.\n\n{}",
                    def.name,
                    type_doc(def)
                );
                let docs = doc_attrs(&doc, false);
                Some(ctx.structure(Scope::Views(module), id, def, s, docs))
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

/// `__scan(schema, text)`: whether the scanner of the type generated for `schema` accepts
/// `text`; `__roundtrip_borrowed(schema, text)`: `__roundtrip` through the view of that type.
fn registry(ctx: &Context) -> TokenStream {
    let entries = &ctx.schemas;
    let arms = entries.iter().filter_map(|(key, ty)| match ty.shape {
        Shape::Named(id)
            if ctx.borrows(id)
                && matches!(ctx.api.types[id].kind, TypeKind::Struct(_))
                && !ty.nullable
                && ty.rules.is_empty() =>
        {
            let def = &ctx.api.types[id];
            let (module, name) = (ident(&ctx.api.modules[def.module].name), ident(&def.name));
            Some(quote!(#key => acp_runtime::roundtrip_view::<#module::borrowed::#name, #module::#name>(text)))
        }
        _ => None,
    });
    let scan_arms = entries.iter().filter_map(|(key, ty)| match ty.shape {
        Shape::Named(id) if !ctx.is_alias(id) && !ty.nullable && ty.rules.is_empty() => {
            let def = &ctx.api.types[id];
            let (module, name) = (ident(&ctx.api.modules[def.module].name), ident(&def.name));
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
}
