//! The orchestrator: builds the [`Context`] of a version, runs the enabled emitters over each
//! spec module and the version root, and assembles their items. The only module that knows
//! every emitter; the emitters know only the context.

use proc_macro2::TokenStream;
use quote::quote;

use super::client::Client;
use super::context::{doc_attrs, ident, Context, Emitter, ModuleOutput};
use super::json_schema::Schemars;
use super::mcp::Mcp;
use super::models::Models;
use super::registry::Registry;
use super::scan::Scanners;
use super::server::Server;
use super::views::Views;
use super::EmitOptions;
use crate::ir::{Api, Module};

/// The code of one version: `pub mod <spec> { ... }` for each spec, then the registries.
pub fn version_tokens(api: &Api, options: EmitOptions) -> TokenStream {
    let ctx = Context::new(api, options);
    let emitters = enabled(options);
    let modules = api.modules.enumerate().map(|(module, spec)| {
        let mut out = ModuleOutput::default();
        for (id, _) in api.types.enumerate().filter(|(_, t)| t.module == module) {
            for emitter in &emitters {
                emitter.type_items(&ctx, id, &mut out);
            }
        }
        for emitter in &emitters {
            emitter.module_items(&ctx, module, &mut out);
        }
        let name = ident(&spec.name);
        let doc = module_doc(spec);
        let items = out.items;
        quote! {
            pub mod #name {
                #doc
                #(#items)*
            }
        }
    });
    let mut root = Vec::new();
    for emitter in &emitters {
        emitter.root_items(&ctx, &mut root);
    }
    quote! {
        #(#modules)*
        #(#root)*
    }
}

/// The emitters `options` ask for, in the order their items appear (per type: the type, its
/// scanner, its schemars impl; per module: views, server, client; at the root: `__roundtrip`,
/// `__schema`, `__scan` and `__roundtrip_borrowed`).
fn enabled(options: EmitOptions) -> Vec<&'static dyn Emitter> {
    let mut emitters: Vec<&dyn Emitter> = vec![&Models, &Registry];
    if options.borrowed {
        emitters.push(&Scanners);
    }
    if options.schemars.cfg().is_some() {
        emitters.push(&Schemars);
    }
    if options.borrowed {
        emitters.push(&Views);
    }
    if options.server {
        emitters.push(&Server);
    }
    if options.client {
        emitters.push(&Client);
    }
    if options.server || options.client {
        emitters.push(&Mcp);
    }
    emitters
}

/// The inner docs of `pub mod <spec>`: title, description and the files it comes from.
fn module_doc(module: &Module) -> TokenStream {
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
    doc_attrs(&doc, true)
}
