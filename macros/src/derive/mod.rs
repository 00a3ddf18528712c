//! `#[derive(AcpSchema)]`: a user type checked against a spec schema, with `JsonSchema` and
//! conversions to and from the generated model.

mod check;
mod rust_type;
mod schema_type;
mod serde_attrs;

use acp_codegen::ir::{Api, ModuleId, TypeId, TypeKind};
use acp_codegen::naming;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::args::{string_literal, MODULE_EXAMPLE, VERSION_EXAMPLE};
use crate::spec;
use check::Errors;

/// `#[acp(...)]` on the type.
#[derive(Default)]
struct TypeOptions {
    version: Option<LitStr>,
    schema: Option<LitStr>,
    spec: Option<LitStr>,
    model: Option<LitStr>,
    allow_unpinned: bool,
}

/// `#[acp(...)]` on a field.
#[derive(Debug, Clone, Default)]
pub struct FieldOptions {
    /// `unchecked`: the field's JSON type is not checked.
    pub unchecked: bool,
}

const TYPE_KEYS: &str = "`version = \"...\"`, `schema = \"...\"`, `spec = \"...\"`, \
                         `model = \"...\"` or `allow_unpinned`";

fn string_value(
    meta: &syn::meta::ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<LitStr> {
    string_literal(meta.value()?.parse()?, key, example)
}

fn type_options(input: &DeriveInput) -> syn::Result<TypeOptions> {
    let mut options = TypeOptions::default();
    let mut seen_attr = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("acp")) {
        seen_attr = true;
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let slot = match key.as_str() {
                "version" => &mut options.version,
                "schema" => &mut options.schema,
                "spec" => &mut options.spec,
                "model" => &mut options.model,
                "allow_unpinned" => {
                    options.allow_unpinned = true;
                    return Ok(());
                }
                _ => {
                    return Err(meta.error(format!(
                        "acp: unknown `acp` attribute key; expected {TYPE_KEYS}"
                    )))
                }
            };
            let example = match key.as_str() {
                "version" => VERSION_EXAMPLE,
                "schema" => "CheckoutSession",
                "spec" => "checkout",
                _ => &format!("{MODULE_EXAMPLE}::checkout::CheckoutSession"),
            };
            let value = string_value(&meta, &key, example)?;
            if slot.is_some() {
                return Err(meta.error(format!("acp: `{key}` given twice")));
            }
            *slot = Some(value);
            Ok(())
        })?;
    }
    let usage = format!(
        "`#[derive(AcpSchema)]` needs `#[acp(version = \"{VERSION_EXAMPLE}\", schema = \
         \"CheckoutSession\")]` on the type"
    );
    if !seen_attr {
        return Err(syn::Error::new(input.ident.span(), format!("acp: {usage}")));
    }
    for (value, key) in [(&options.version, "version"), (&options.schema, "schema")] {
        if value.is_none() {
            return Err(syn::Error::new(
                input.ident.span(),
                format!("acp: missing `{key}` in `#[acp(...)]`: {usage}"),
            ));
        }
    }
    Ok(options)
}

fn field_options(field: &syn::Field) -> syn::Result<FieldOptions> {
    let mut options = FieldOptions::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("acp")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("unchecked") {
                options.unchecked = true;
                Ok(())
            } else {
                Err(meta.error("acp: unknown `acp` field attribute; expected `unchecked`"))
            }
        })?;
    }
    Ok(options)
}

/// Expands the derive, errors included.
pub fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    match expand_input(&input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// The spec's own name of a top-level schema (`#/$defs/X`, `#/components/schemas/X`).
fn schema_key(pointer: &str) -> Option<&str> {
    let (parent, name) = pointer.rsplit_once('/')?;
    (parent.ends_with("/$defs") || parent.ends_with("/components/schemas")).then_some(name)
}

/// Finds the named type for `schema` (optionally only in `spec`).
fn find_type(api: &Api, schema: &LitStr, spec: Option<&LitStr>) -> syn::Result<TypeId> {
    let wanted = schema.value();
    let modules: Vec<ModuleId> = match spec {
        Some(spec) => {
            let name = spec.value();
            let found: Vec<ModuleId> = api
                .modules
                .ids()
                .filter(|i| api.modules[*i].spec == name || api.modules[*i].name == name)
                .collect();
            if found.is_empty() {
                let available: Vec<&str> = api.modules.iter().map(|m| m.name.as_str()).collect();
                return Err(syn::Error::new(
                    spec.span(),
                    format!(
                        "acp: version {} has no spec `{name}` (it has: {})",
                        api.version,
                        available.join(", ")
                    ),
                ));
            }
            found
        }
        None => api.modules.ids().collect(),
    };
    let in_scope = |id: &TypeId| modules.contains(&api.types[*id].module);
    let by_name: Vec<TypeId> = api
        .types
        .ids()
        .filter(in_scope)
        .filter(|id| api.types[*id].name == wanted)
        .collect();
    let found = if by_name.is_empty() {
        api.types
            .ids()
            .filter(in_scope)
            .filter(|id| {
                let def = &api.types[*id];
                std::iter::once(&def.origin)
                    .chain(&def.aliases)
                    .any(|o| schema_key(&o.pointer) == Some(wanted.as_str()))
            })
            .collect()
    } else {
        by_name
    };
    let scope = spec.map_or_else(String::new, |s| format!(", spec `{}`", s.value()));
    match found.as_slice() {
        [id] => Ok(*id),
        [] => {
            let best = api
                .types
                .ids()
                .filter(in_scope)
                .map(|id| &api.types[id].name)
                .map(|name| {
                    let d = if name.eq_ignore_ascii_case(&wanted) {
                        0
                    } else {
                        distance(&name.to_lowercase(), &wanted.to_lowercase())
                    };
                    (d, name)
                })
                .min();
            let hint = match best {
                Some((d, name)) if d <= 3.max(wanted.len() / 4) => {
                    format!("; did you mean `{name}`?")
                }
                _ => String::new(),
            };
            Err(syn::Error::new(
                schema.span(),
                format!(
                    "acp: no schema `{wanted}` in version {}{scope}{hint}",
                    api.version
                ),
            ))
        }
        several => {
            let specs: Vec<String> = several
                .iter()
                .map(|id| format!("`{}`", api.modules[api.types[*id].module].name))
                .collect();
            Err(syn::Error::new(
                schema.span(),
                format!(
                    "acp: schema `{wanted}` is defined by several specs of version {}: {}; pick \
                     one with `spec = \"...\"`",
                    api.version,
                    specs.join(", ")
                ),
            ))
        }
    }
}

fn expand_input(input: &DeriveInput) -> syn::Result<TokenStream> {
    let options = type_options(input)?;
    let (Some(version), Some(schema)) = (&options.version, &options.schema) else {
        unreachable!("type_options checks both");
    };
    if input.generics.lt_token.is_some() || input.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            input.generics.span(),
            "acp: `AcpSchema` supports types without generic parameters",
        ));
    }
    let loaded = spec::load(&version.value(), options.allow_unpinned, version.span())?;
    let api = &loaded.api;
    let id = find_type(api, schema, options.spec.as_ref())?;
    let def = &api.types[id];
    let name = &input.ident;
    let container = serde_attrs::container(&input.attrs)?;
    let mut errors = Errors::default();
    for (attr, span) in &container.unsupported {
        errors.at(
            *span,
            format!(
                "`#[serde({attr})]` changes the JSON shape in a way `AcpSchema` does not check; \
                 remove it or check the type by hand"
            ),
        );
    }
    let model_module = format!("::acp::{}", naming::version_module(&api.version));
    match (&input.data, &def.kind) {
        (Data::Struct(data), TypeKind::Struct(object)) => match &data.fields {
            Fields::Named(fields) => {
                let mut field_opts = Vec::new();
                for field in &fields.named {
                    match field_options(field) {
                        Ok(o) => field_opts.push(o),
                        Err(e) => {
                            errors.push(e);
                            field_opts.push(FieldOptions::default());
                        }
                    }
                }
                check::check_struct(
                    api,
                    def,
                    object,
                    name,
                    fields,
                    &container,
                    &field_opts,
                    &model_module,
                    &mut errors,
                );
            }
            _ => errors.at(
                data.fields.span(),
                format!(
                    "schema `{}` is an object: `AcpSchema` needs a struct with named fields",
                    def.name
                ),
            ),
        },
        (Data::Enum(data), TypeKind::Enum(values)) => {
            check::check_enum(def, values, name, data, &container, &mut errors);
        }
        (_, kind) => {
            let (what, wants) = match kind {
                TypeKind::Struct(_) => ("an object", "a struct with named fields"),
                TypeKind::Enum(_) => ("a string enum", "an enum of unit variants"),
                TypeKind::Const(_) => ("a constant", "nothing (constants are not supported)"),
                TypeKind::TaggedUnion(_) => (
                    "a tagged union",
                    "nothing (unions are not supported; use the generated model)",
                ),
                TypeKind::Untagged(_) => (
                    "an untagged union",
                    "nothing (unions are not supported; use the generated model)",
                ),
                TypeKind::Newtype(_) => (
                    "a constrained value or alias",
                    "nothing (newtypes are not supported; use the generated model)",
                ),
            };
            errors.at(
                name.span(),
                format!(
                    "schema `{}` is {what}: `AcpSchema` derives on {wants} for it",
                    def.name
                ),
            );
        }
    }

    let model = match &options.model {
        Some(lit) => lit.parse::<syn::Path>().map_err(|e| {
            syn::Error::new(
                lit.span(),
                format!(
                    "acp: `model` must be a type path (`{MODULE_EXAMPLE}::checkout::Address`): {e}"
                ),
            )
        })?,
        None => {
            let text = format!(
                "{model_module}::{}::{}",
                api.modules[def.module].name, def.name
            );
            syn::LitStr::new(&text, schema.span()).parse::<syn::Path>()?
        }
    };
    let document = acp_codegen::emit::json_schema::schema_of(api, id);
    let text = serde_json::to_string(&document).map_err(|e| {
        syn::Error::new(
            Span::call_site(),
            format!("acp: cannot write the schema: {e}"),
        )
    })?;
    let schema_name = name.to_string();
    let schema_id = format!("::{schema_name}");
    let dependencies = spec::dependency_tokens(&loaded.files);
    let impls = quote! {
        const _: () = {
            #dependencies

            impl ::schemars::JsonSchema for #name {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(#schema_name)
                }

                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), #schema_id))
                }

                fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                    ::serde_json::from_str(#text).expect("acp-macros embeds a valid JSON Schema")
                }
            }

            impl ::core::convert::TryFrom<&#name> for #model {
                type Error = ::serde_json::Error;

                fn try_from(value: &#name) -> ::core::result::Result<Self, Self::Error> {
                    ::serde_json::from_value(::serde_json::to_value(value)?)
                }
            }

            impl ::core::convert::TryFrom<&#model> for #name {
                type Error = ::serde_json::Error;

                fn try_from(value: &#model) -> ::core::result::Result<Self, Self::Error> {
                    ::serde_json::from_value(::serde_json::to_value(value)?)
                }
            }
        };
    };
    match errors.into_error() {
        // The impls too, so that uses of them do not add errors of their own.
        Some(error) => {
            let error = error.to_compile_error();
            Ok(quote! { #impls #error })
        }
        None => Ok(impls),
    }
}
