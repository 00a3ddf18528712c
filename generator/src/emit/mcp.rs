//! The MCP binding, per module with OpenRPC methods: `TOOLS` (each tool's bundled schemas and
//! the REST operation that serves it: what `acp_runtime::mcp` serves and calls), with the
//! server stubs `mcp_options`, and with the clients a typed `McpClient` with one async method
//! per tool.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{ident, markdown_safe, Context, Emitter, ModuleOutput, Scope};
use crate::ir::ModuleId;
use crate::mcp::{tools, Presence, Tool};

/// Emits the tool table and, as enabled, the server options and the client.
pub(crate) struct Mcp;

impl Emitter for Mcp {
    fn module_items(&self, ctx: &Context, module: ModuleId, out: &mut ModuleOutput) {
        if ctx.api.modules[module].methods.is_empty() || !(ctx.options.server || ctx.options.client)
        {
            return;
        }
        let tools = tools(ctx.api, module);
        let version = &ctx.api.version;
        let entries = tools.iter().map(tool_entry);
        let table_doc = format!(
            " The MCP tools of API version `{version}`, from the OpenRPC file: schemas bundled \
             (no `$ref`), each with the REST operation a call becomes."
        );
        out.items.push(quote! {
            #[doc = #table_doc]
            pub const TOOLS: &[acp_runtime::mcp::Tool] = &[#(#entries),*];
        });
        if ctx.options.server {
            out.items.push(quote! {
                /// The MCP endpoint at `path` (`/mcp`) serving [`TOOLS`]: pass it to
                /// `AcpServer::builder().mcp(..)`, which runs every call through the REST
                /// pipeline and routes.
                pub fn mcp_options(path: &str) -> acp_runtime::mcp::McpOptions {
                    acp_runtime::mcp::McpOptions::new(path, TOOLS)
                }
            });
        }
        if ctx.options.client {
            out.items.push(client(ctx, module, &tools));
        }
    }
}

fn tool_entry(tool: &Tool) -> TokenStream {
    let method = tool.method;
    let name = &method.name;
    let title = match &method.summary {
        Some(summary) => quote!(Some(#summary)),
        None => quote!(None),
    };
    let description = method
        .description
        .clone()
        .or_else(|| method.summary.clone())
        .unwrap_or_default();
    let input = tool.input_schema.to_string();
    let output = match &tool.output_schema {
        Some(schema) => {
            let text = schema.to_string();
            quote!(Some(#text))
        }
        None => quote!(None),
    };
    let http_method = tool.operation.method.to_uppercase();
    let path = &tool.operation.path;
    let takes_id = tool.takes_id();
    let payload = match tool.payload() {
        Presence::Absent => quote!(Absent),
        Presence::Optional => quote!(Optional),
        Presence::Required => quote!(Required),
    };
    quote! {
        acp_runtime::mcp::Tool {
            name: #name,
            title: #title,
            description: #description,
            input_schema: #input,
            output_schema: #output,
            method: #http_method,
            path: #path,
            takes_id: #takes_id,
            payload: acp_runtime::mcp::Payload::#payload,
        }
    }
}

fn client(ctx: &Context, module: ModuleId, tools: &[Tool]) -> TokenStream {
    let version = &ctx.api.version;
    let methods = tools.iter().enumerate().map(|(index, tool)| {
        let method = tool.method;
        let name = ident(&method.name);
        let with_name = format_ident!("{}_with", method.name);
        let mut doc = Vec::new();
        if let Some(summary) = &method.summary {
            doc.push(format!(" {}", summary.trim()));
            doc.push(String::new());
        }
        if let Some(description) = &method.description {
            doc.extend(description.trim().lines().map(|l| format!(" {}", l.trim_end())));
            doc.push(String::new());
        }
        doc.push(format!(
            " MCP tool `{}` (`{} {}`).",
            method.name,
            tool.operation.method.to_uppercase(),
            tool.operation.path
        ));
        let doc: Vec<String> = doc.iter().map(|l| markdown_safe(l)).collect();
        let (id_decl, id_arg, id_value) = if tool.takes_id() {
            (quote!(id: &str,), quote!(id,), quote!(Some(id)))
        } else {
            (quote!(), quote!(), quote!(None))
        };
        let payload = method.param("payload");
        let (payload_decl, payload_arg, payload_value) = match (tool.payload(), payload) {
            (Presence::Required, Some(p)) => {
                let ty = ctx.element_type(Scope::Module(module), &p.ty);
                (quote!(payload: &#ty,), quote!(payload,), quote!(Some(payload)))
            }
            (Presence::Optional, Some(p)) => {
                let ty = ctx.element_type(Scope::Module(module), &p.ty);
                (quote!(payload: Option<&#ty>,), quote!(payload,), quote!(payload))
            }
            _ => (quote!(), quote!(), quote!(None::<&()>)),
        };
        let output = match &method.result {
            Some(result) => ctx.element_type(Scope::Module(module), &result.ty),
            None => quote!(serde_json::Value),
        };
        quote! {
            #(#[doc = #doc])*
            pub async fn #name(&self, #id_decl #payload_decl)
                -> Result<acp_runtime::mcp::McpResponse<#output>, acp_runtime::mcp::McpCallError> {
                self.#with_name(#id_arg #payload_arg Default::default()).await
            }

            #[doc = " As the method without `_with`, with an explicit idempotency key or request id."]
            pub async fn #with_name(&self, #id_decl #payload_decl options: acp_runtime::client::CallOptions)
                -> Result<acp_runtime::mcp::McpResponse<#output>, acp_runtime::mcp::McpCallError> {
                self.core.call(&TOOLS[#index], #id_value, #payload_value, options).await
            }
        }
    });
    let doc = format!(
        " Typed MCP client of the tools of API version `{version}`: `meta.api_version` is set on \
         every call, and every call of a `POST` operation carries a fresh \
         `meta.idempotency_key` unless one is given."
    );
    quote! {
        #[doc = #doc]
        pub struct McpClient {
            core: acp_runtime::mcp::McpClientCore,
        }

        impl McpClient {
            /// Starts configuring a client of the MCP endpoint at `url` (`https://shop.example/mcp`)
            /// for this version.
            pub fn builder(url: impl Into<String>) -> acp_runtime::mcp::McpClientBuilder {
                acp_runtime::mcp::McpClientCore::builder(url, #version)
            }

            /// A client over a connected core (its API version should be this version).
            pub fn new(core: acp_runtime::mcp::McpClientCore) -> Self {
                Self { core }
            }

            /// The connection, for listing tools or closing it.
            pub fn core(&self) -> &acp_runtime::mcp::McpClientCore {
                &self.core
            }

            #(#methods)*
        }
    }
}
