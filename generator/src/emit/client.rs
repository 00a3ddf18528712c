//! Client SDKs: per spec module, a `Client` with one typed async method per operation over
//! `acp_runtime::client::ClientCore` (which sets `API-Version`, idempotency keys, retries and
//! signatures). The webhooks spec gets a `Sender` that signs `Merchant-Signature` instead.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{ident, markdown_safe, Context, Emitter, ModuleOutput, Scope};
use crate::ir::{ModuleId, Operation, Shape};
use crate::naming;

/// Emits, per spec with HTTP operations, the `Client` (or the webhook `Sender`).
pub(crate) struct Client;

impl Emitter for Client {
    fn module_items(&self, ctx: &Context, module: ModuleId, out: &mut ModuleOutput) {
        out.items.push(client_items(ctx, module));
    }
}

/// The client (or webhook sender) of one spec module; empty without HTTP operations.
fn client_items(ctx: &Context, module: ModuleId) -> TokenStream {
    let api = ctx.api;
    let spec = &api.modules[module];
    if spec.operations.is_empty() {
        return quote!();
    }
    let taken = |name: &str| {
        api.types
            .iter()
            .any(|t| t.module == module && t.name == name)
    };
    let version = &api.version;
    if spec.spec.ends_with("_webhook") {
        let name = if taken("Sender") {
            format_ident!("WebhookSender")
        } else {
            format_ident!("Sender")
        };
        let methods = spec
            .operations
            .iter()
            .filter_map(|op| webhook_method(ctx, module, op));
        let doc = format!(
            " Sends `{}` events (API version `{version}`) to an agent's endpoint, signed with \
             `Merchant-Signature` and retried with backoff.",
            spec.spec
        );
        return quote! {
            #[doc = #doc]
            #[derive(Clone)]
            pub struct #name(std::sync::Arc<acp_runtime::client::WebhookSender>);

            impl #name {
                /// A sender posting to `url` (the agent's webhook endpoint), signing with `secret`.
                pub fn new(url: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
                    Self(std::sync::Arc::new(acp_runtime::client::WebhookSender::new(url, secret)))
                }

                /// A sender from a configured [`acp_runtime::client::WebhookSender`].
                pub fn from_sender(sender: acp_runtime::client::WebhookSender) -> Self {
                    Self(std::sync::Arc::new(sender))
                }

                #(#methods)*
            }
        };
    }
    let name = if taken("Client") {
        format_ident!("ApiClient")
    } else {
        format_ident!("Client")
    };
    let methods = spec
        .operations
        .iter()
        .map(|op| client_method(ctx, module, op));
    let doc = format!(
        " Typed client of `{}` (API version `{version}`): `API-Version` is set on every call, \
         every POST carries an `Idempotency-Key` reused across retries.",
        spec.spec
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone)]
        pub struct #name {
            core: std::sync::Arc<acp_runtime::client::ClientCore>,
        }

        impl #name {
            /// Starts configuring a client for `base_url` with this version's `API-Version`.
            pub fn builder(base_url: impl Into<String>) -> acp_runtime::client::ClientBuilder {
                acp_runtime::client::ClientCore::builder(base_url, #version)
            }

            /// A client over a built core (its `API-Version` should be this version's).
            pub fn new(core: acp_runtime::client::ClientCore) -> Self {
                Self { core: std::sync::Arc::new(core) }
            }

            /// A client sharing a core (and its connection pool) with others.
            pub fn from_shared(core: std::sync::Arc<acp_runtime::client::ClientCore>) -> Self {
                Self { core }
            }

            #(#methods)*
        }
    }
}

fn client_method(ctx: &Context, module: ModuleId, op: &Operation) -> TokenStream {
    let name = ident(&naming::field_name(&op.id));
    let with_name = format_ident!("{}_with", naming::field_name(&op.id));
    let doc = doc_lines(op);
    let params = path_parameters(ctx, module, op);
    let param_decls: Vec<TokenStream> = params.iter().map(|(n, ty)| quote!(#n: &#ty)).collect();
    let param_names: Vec<&proc_macro2::Ident> = params.iter().map(|(n, _)| n).collect();
    let (body_decl, body_arg, body_value) = match &op.request {
        Some(body) if body.required => {
            let ty = ctx.element_type(Scope::Module(module), &body.ty);
            (quote!(body: &#ty,), quote!(body,), quote!(Some(body)))
        }
        Some(body) => {
            let ty = ctx.element_type(Scope::Module(module), &body.ty);
            (quote!(body: Option<&#ty>,), quote!(body,), quote!(body))
        }
        None => (quote!(), quote!(), quote!(None::<&()>)),
    };
    let method = format_ident!("{}", op.method.to_uppercase());
    let textual: Vec<bool> = params
        .iter()
        .map(|(_, ty)| ty.to_string() == "str")
        .collect();
    let path = path_expression(op, &param_names, &textual);
    let (output, call) = match success_type(ctx, module, op) {
        Some(ty) => (quote!(#ty), quote!(call::<_, #ty>)),
        None => (quote!(()), quote!(call_empty)),
    };
    quote! {
        #(#[doc = #doc])*
        pub async fn #name(&self, #(#param_decls,)* #body_decl)
            -> Result<acp_runtime::client::AcpResponse<#output>, acp_runtime::client::ClientError> {
            self.#with_name(#(#param_names,)* #body_arg Default::default()).await
        }

        #[doc = " As the method without `_with`, with an explicit idempotency key, request id or headers."]
        pub async fn #with_name(&self, #(#param_decls,)* #body_decl options: acp_runtime::client::CallOptions)
            -> Result<acp_runtime::client::AcpResponse<#output>, acp_runtime::client::ClientError> {
            let path = #path;
            self.core.#call(acp_runtime::client::Method::#method, &path, #body_value, options).await
        }
    }
}

fn webhook_method(ctx: &Context, module: ModuleId, op: &Operation) -> Option<TokenStream> {
    let body = op.request.as_ref()?;
    let name = ident(&naming::field_name(&op.id));
    let ty = ctx.element_type(Scope::Module(module), &body.ty);
    let doc = doc_lines(op);
    Some(quote! {
        #(#[doc = #doc])*
        pub async fn #name(&self, event: &#ty)
            -> Result<acp_runtime::client::AcpResponse<serde_json::Value>, acp_runtime::client::ClientError> {
            self.0.send(event).await
        }
    })
}

fn doc_lines(op: &Operation) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(summary) = &op.summary {
        lines.push(format!(" {}", summary.trim()));
        lines.push(String::new());
    }
    lines.push(format!(" `{} {}` (`{}`).", op.method, op.path, op.id));
    lines.into_iter().map(|l| markdown_safe(&l)).collect()
}

fn path_parameters(
    ctx: &Context,
    module: ModuleId,
    op: &Operation,
) -> Vec<(proc_macro2::Ident, TokenStream)> {
    op.path_parameters()
        .into_iter()
        .map(|p| {
            let ty = match p.ty.shape {
                // Path segments are text: take `&str` rather than `&String`.
                Shape::String => quote!(str),
                _ => ctx.element_type(Scope::Module(module), &p.ty),
            };
            (ident(&naming::field_name(&p.name)), ty)
        })
        .collect()
}

/// `format!` of the path template with each parameter percent-encoded.
fn path_expression(op: &Operation, names: &[&proc_macro2::Ident], textual: &[bool]) -> TokenStream {
    if names.is_empty() {
        let path = &op.path;
        return quote!(#path.to_string());
    }
    let mut template = String::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        template.push_str(&rest[..start]);
        template.push_str("{}");
        rest = rest[start..]
            .find('}')
            .map_or("", |end| &rest[start + end + 1..]);
    }
    template.push_str(rest);
    let encoded = names.iter().zip(textual).map(|(n, text)| {
        if *text {
            quote!(acp_runtime::client::encode_path_segment(#n))
        } else {
            quote!(acp_runtime::client::encode_path_segment(&#n.to_string()))
        }
    });
    quote!(format!(#template, #(#encoded),*))
}

fn success_type(ctx: &Context, module: ModuleId, op: &Operation) -> Option<TokenStream> {
    let ok = op.success()?;
    let body = ok.body.as_ref()?;
    (body.ty.shape != Shape::Null).then(|| ctx.element_type(Scope::Module(module), &body.ty))
}
