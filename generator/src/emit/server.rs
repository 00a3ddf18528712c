//! Server stubs: per spec module, a trait with one async method per operation and a function
//! that builds the module's `axum::Router` from an implementation. Protocol rules (auth,
//! `API-Version`, idempotency, signatures, error shapes) live in `acp_runtime::server`, which
//! the merchant wraps these routes with.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{ident, markdown_safe, Context, Emitter, ModuleOutput, Scope};
use crate::ir::{ModuleId, Operation, Shape};
use crate::naming;

/// Emits, per spec with HTTP operations, the `Api` trait and its `router`.
pub(crate) struct Server;

impl Emitter for Server {
    fn module_items(&self, ctx: &Context, module: ModuleId, out: &mut ModuleOutput) {
        out.items.push(server_items(ctx, module));
    }
}

/// The trait and router of one spec module; empty when it has no HTTP operations.
fn server_items(ctx: &Context, module: ModuleId) -> TokenStream {
    let api = ctx.api;
    let operations = &api.modules[module].operations;
    if operations.is_empty() {
        return quote!();
    }
    let taken = |name: &str| {
        api.types
            .iter()
            .any(|t| t.module == module && t.name == name)
    };
    let trait_name = if taken("Api") {
        format_ident!("ServiceApi")
    } else {
        format_ident!("Api")
    };
    let router_name = format_ident!("router");
    let spec = &api.modules[module].spec;
    let version = &api.version;

    let methods = operations.iter().map(|op| {
        let name = ident(&naming::field_name(&op.id));
        let doc = operation_doc(op);
        let params = path_parameters(ctx, module, op).into_iter().map(|(arg, ty)| quote!(#arg: #ty));
        let body = op.request.as_ref().map(|body| {
            let ty = ctx.element_type(Scope::Module(module), &body.ty);
            if body.required {
                quote!(body: #ty,)
            } else {
                quote!(body: Option<#ty>,)
            }
        });
        let output = success(ctx, module, op).1;
        quote! {
            #(#[doc = #doc])*
            fn #name(&self, ctx: acp_runtime::server::RequestContext, #(#params,)* #body)
                -> impl std::future::Future<Output = Result<#output, acp_runtime::server::ApiError>> + Send;
        }
    });

    // One `route` per path, with every method on it.
    let mut by_path: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in operations {
        by_path.entry(op.path.as_str()).or_default().push(op);
    }
    let routes = by_path.iter().map(|(path, ops)| {
        let mut method_router = quote!();
        for (i, op) in ops.iter().enumerate() {
            let method = format_ident!("{}", op.method.to_lowercase());
            let handler = handler(ctx, module, op, &trait_name);
            method_router = if i == 0 {
                quote!(axum::routing::#method(#handler))
            } else {
                quote!(#method_router.#method(#handler))
            };
        }
        quote!(.route(#path, #method_router))
    });
    let trait_doc = format!(
        " The operations of `{spec}` (API version `{version}`). Implement them with business logic only: \
         wrap [`{router_name}`] in `acp_runtime::server::AcpServer` for authentication, `API-Version`, \
         idempotency, signatures and spec-shaped errors."
    );
    let router_doc = format!(" The routes of `{spec}` ({version}) served by `service`.");
    quote! {
        #[doc = #trait_doc]
        pub trait #trait_name: Send + Sync + 'static {
            #(#methods)*
        }

        #[doc = #router_doc]
        pub fn #router_name<S: #trait_name>(service: std::sync::Arc<S>) -> axum::Router {
            axum::Router::new() #(#routes)*
        }
    }
}

fn operation_doc(op: &Operation) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(summary) = &op.summary {
        lines.push(format!(" {}", summary.trim()));
    }
    if let Some(description) = &op.description {
        lines.push(String::new());
        lines.extend(
            description
                .trim()
                .lines()
                .map(|l| format!(" {}", l.trim_end())),
        );
    }
    let statuses: Vec<&str> = op.responses.iter().map(|r| r.status.as_str()).collect();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        " `{} {}` (`{}`); responses: {}.",
        op.method,
        op.path,
        op.id,
        statuses.join(", ")
    ));
    lines.into_iter().map(|l| markdown_safe(&l)).collect()
}

/// Path parameters in template order: argument name and type.
fn path_parameters(
    ctx: &Context,
    module: ModuleId,
    op: &Operation,
) -> Vec<(proc_macro2::Ident, TokenStream)> {
    op.path_parameters()
        .into_iter()
        .map(|p| {
            (
                ident(&naming::field_name(&p.name)),
                ctx.element_type(Scope::Module(module), &p.ty),
            )
        })
        .collect()
}

/// The success status and the Rust type of its body (`()` without one).
fn success(ctx: &Context, module: ModuleId, op: &Operation) -> (u16, TokenStream) {
    let ok = op.success();
    let status = ok.and_then(|r| r.status.parse().ok()).unwrap_or(200);
    let body = ok.and_then(|r| r.body.as_ref());
    match body {
        Some(body) if body.ty.shape != Shape::Null => {
            (status, ctx.element_type(Scope::Module(module), &body.ty))
        }
        _ => (status, quote!(())),
    }
}

fn handler(
    ctx: &Context,
    module: ModuleId,
    op: &Operation,
    trait_name: &proc_macro2::Ident,
) -> TokenStream {
    let method = ident(&naming::field_name(&op.id));
    let (status, output) = success(ctx, module, op);
    let reply = if output.to_string() == "()" {
        quote!(reply_empty)
    } else {
        quote!(reply)
    };
    let params = path_parameters(ctx, module, op);
    let (path_pattern, path_args) = match params.len() {
        0 => (quote!(), quote!()),
        1 => {
            let (name, ty) = &params[0];
            (
                quote!(axum::extract::Path(#name): axum::extract::Path<#ty>,),
                quote!(#name,),
            )
        }
        _ => {
            let names: Vec<_> = params.iter().map(|(n, _)| n).collect();
            let types: Vec<_> = params.iter().map(|(_, t)| t).collect();
            (
                quote!(axum::extract::Path((#(#names),*)): axum::extract::Path<(#(#types),*)>,),
                quote!(#(#names,)*),
            )
        }
    };
    let (body_pattern, body_arg) = match &op.request {
        Some(body) => {
            let ty = ctx.element_type(Scope::Module(module), &body.ty);
            let pattern = if body.required {
                quote!(acp_runtime::server::AcpJson(body): acp_runtime::server::AcpJson<#ty>,)
            } else {
                quote!(acp_runtime::server::AcpOptionalJson(body): acp_runtime::server::AcpOptionalJson<#ty>,)
            };
            (pattern, quote!(body,))
        }
        None => (quote!(), quote!()),
    };
    quote! {{
        let service = service.clone();
        move |ctx: acp_runtime::server::RequestContext, #path_pattern #body_pattern| async move {
            let result = <S as #trait_name>::#method(&*service, ctx, #path_args #body_arg).await;
            acp_runtime::server::#reply(#status, result)
        }
    }}
}
