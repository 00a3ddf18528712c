//! The checks: a struct against an object schema, an enum against a string enum. Every problem
//! is a `syn::Error` at the offending field, variant, type or attribute (the type name for what
//! is missing).

use std::collections::HashMap;

use acp_codegen::ir::{Additional, Api, EnumValue, Field, Struct, TypeDef};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{DataEnum, Fields, FieldsNamed, Ident};

use super::rust_type::{self, Kind, Wrapper};
use super::schema_type::{self, describe, list, rust_hint};
use super::serde_attrs::{self, Container, RenameRule};
use super::FieldOptions;

/// The errors found so far.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    /// Adds an error at `span`.
    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0
            .push(syn::Error::new(span, format!("acp: {message}")));
    }

    /// Adds an error spanning `tokens` (all of a type, not only its first token).
    pub fn spanning(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.0
            .push(syn::Error::new_spanned(tokens, format!("acp: {message}")));
    }

    /// Adds a parse error as it is.
    pub fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    /// All of them as one error, if any.
    pub fn into_error(self) -> Option<syn::Error> {
        self.0.into_iter().reduce(|mut all, e| {
            all.combine(e);
            all
        })
    }
}

/// Names that differ only by case, `_` and `-` (`postalCode`, `PostalCode`, `postal-code`).
fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where a field's JSON name comes from, for messages and spans.
enum NameSource {
    /// The identifier itself.
    Ident,
    /// `#[serde(rename = "..")]` (the literal's span).
    Rename(Span),
    /// The container's `rename_all`.
    RenameAll,
}

struct UserField<'a> {
    field: &'a syn::Field,
    ident: &'a Ident,
    json: String,
    source: NameSource,
    attrs: serde_attrs::FieldAttrs,
    options: FieldOptions,
}

impl UserField<'_> {
    /// Where problems with the name go: the rename literal, else the field name.
    fn name_span(&self) -> Span {
        match self.source {
            NameSource::Rename(span) => span,
            _ => self.ident.span(),
        }
    }
}

/// Checks a struct with named fields against an object schema.
#[allow(clippy::too_many_arguments)]
pub fn check_struct(
    api: &Api,
    def: &TypeDef,
    schema: &Struct,
    name: &Ident,
    fields: &FieldsNamed,
    container: &Container,
    options: &[FieldOptions],
    model_module: &str,
    errors: &mut Errors,
) {
    let schema_name = &def.name;
    let mut users = Vec::new();
    for (field, options) in fields.named.iter().zip(options) {
        let Some(ident) = &field.ident else { continue };
        let attrs = match serde_attrs::field(&field.attrs) {
            Ok(attrs) => attrs,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let raw = ident.unraw().to_string();
        let (json, source) = match (&attrs.rename, container.rename_all) {
            (Some(rename), _) => (rename.name.clone(), NameSource::Rename(rename.span)),
            (None, Some(rule)) => (rule.apply_to_field(&raw), NameSource::RenameAll),
            (None, None) => (raw, NameSource::Ident),
        };
        users.push(UserField {
            field,
            ident,
            json,
            source,
            attrs,
            options: options.clone(),
        });
    }

    let by_name: HashMap<&str, &Field> =
        schema.fields.iter().map(|f| (f.name.as_str(), f)).collect();
    let property_list = || list(schema.fields.iter().map(|f| f.name.as_str()), 40);
    let mut provided: HashMap<String, &Ident> = HashMap::new();
    let last = users.len().saturating_sub(1);
    for (index, user) in users.iter().enumerate() {
        if user.attrs.skip {
            continue;
        }
        if let Some(span) = user.attrs.flatten {
            check_flatten(api, def, schema, user, span, index == last, errors);
            continue;
        }
        if let Some(first) = provided.get(&user.json) {
            errors.at(
                user.name_span(),
                format!(
                    "field `{}` is written as `{}`, like field `{first}`",
                    user.ident, user.json
                ),
            );
            continue;
        }
        provided.insert(user.json.clone(), user.ident);
        let Some(property) = by_name.get(user.json.as_str()) else {
            unknown_field(api, def, schema, user, &property_list(), errors);
            continue;
        };
        if let Some(span) = user.attrs.half_skip {
            if property.required {
                errors.at(
                    span,
                    format!(
                        "property `{}` of schema `{schema_name}` is required: a field skipped one \
                         way cannot stand for it (use `skip` or neither)",
                        property.name
                    ),
                );
                continue;
            }
        }
        check_property(api, def, container, user, property, errors);
    }

    for property in schema.fields.iter().filter(|f| f.required) {
        if provided.contains_key(&property.name) {
            continue;
        }
        // A near-miss field was reported at the field, with this property as the suggestion.
        let near_miss = users.iter().any(|u| {
            !u.attrs.skip && u.attrs.flatten.is_none() && loose(&u.json) == loose(&property.name)
        });
        if near_miss {
            continue;
        }
        let hint = rust_hint(api, &property.ty, model_module);
        let skipped = users
            .iter()
            .find(|u| u.attrs.skip && u.json == property.name)
            .map(|u| format!(" (field `{}` is `#[serde(skip)]`)", u.ident))
            .unwrap_or_default();
        errors.at(
            name.span(),
            format!(
                "missing required property `{}` of schema `{schema_name}`{skipped}: expected {}, \
                 e.g. a field `{}: {hint}`",
                property.name,
                describe(api, &property.ty),
                rust_field_name(&property.name, container.rename_all),
            ),
        );
    }
}

/// A field name that serializes as `json` under `rule` (or needs a rename).
fn rust_field_name(json: &str, rule: Option<RenameRule>) -> String {
    let snake = acp_codegen::naming::field_name(json);
    let written = rule.map_or_else(|| snake.clone(), |r| r.apply_to_field(&snake));
    let ident = if acp_codegen::naming::is_keyword(&snake) {
        format!("r#{snake}")
    } else {
        snake
    };
    if written == json {
        ident
    } else {
        format!("#[serde(rename = \"{json}\")] {ident}")
    }
}

fn unknown_field(
    api: &Api,
    def: &TypeDef,
    schema: &Struct,
    user: &UserField,
    properties: &str,
    errors: &mut Errors,
) {
    let schema_name = &def.name;
    let written = match user.source {
        NameSource::Ident => format!("field `{}`", user.ident),
        NameSource::Rename(_) => format!("field `{}`, renamed `{}`", user.ident, user.json),
        NameSource::RenameAll => format!(
            "field `{}`, written as `{}` by `rename_all`",
            user.ident, user.json
        ),
    };
    if let Some(close) = schema
        .fields
        .iter()
        .find(|f| loose(&f.name) == loose(&user.json))
    {
        let fix = match user.source {
            NameSource::Rename(_) => format!("use `#[serde(rename = \"{}\")]`", close.name),
            NameSource::RenameAll => format!(
                "fix `rename_all` or add `#[serde(rename = \"{}\")]` to the field",
                close.name
            ),
            NameSource::Ident => format!("add `#[serde(rename = \"{}\")]`", close.name),
        };
        errors.at(
            user.name_span(),
            format!(
                "schema `{schema_name}` has no property `{}` ({written}); did you mean `{}`? \
                 The names differ only by case or underscores: {fix}",
                user.json, close.name
            ),
        );
        return;
    }
    match &schema.additional {
        Additional::Forbidden => errors.at(
            user.name_span(),
            format!(
                "schema `{schema_name}` has no property `{}` and allows no others \
                 (`additionalProperties: false`); {written} is not allowed (properties: \
                 {properties})",
                user.json
            ),
        ),
        Additional::Typed(ty) if !user.attrs.custom && !user.options.unchecked => {
            check_type(api, def, &user.json, user, ty, true, errors)
        }
        _ => {}
    }
}

fn check_flatten(
    api: &Api,
    def: &TypeDef,
    schema: &Struct,
    user: &UserField,
    span: Span,
    is_last: bool,
    errors: &mut Errors,
) {
    let schema_name = &def.name;
    if !is_last {
        errors.at(
            span,
            "`#[serde(flatten)]` is only checked on the last field, collecting the members the \
             schema does not declare",
        );
        return;
    }
    let rust = rust_type::classify(&user.field.ty);
    let value = match (&rust.kind, rust.wrapper) {
        (Kind::Map(value), Wrapper::None) => value.clone(),
        (Kind::Any, Wrapper::None) => None,
        _ => {
            errors.spanning(
                &user.field.ty,
                format!(
                    "a flattened `{}` cannot be checked against schema `{schema_name}`: only a \
                     map of the members the schema does not declare can be flattened \
                     (`HashMap<String, serde_json::Value>`, `serde_json::Map`)",
                    rust.text
                ),
            );
            return;
        }
    };
    match &schema.additional {
        Additional::Forbidden => errors.at(
            span,
            format!(
                "schema `{schema_name}` allows no members besides its properties \
                 (`additionalProperties: false`), so a flattened map of extra members is not \
                 allowed"
            ),
        ),
        Additional::Typed(ty) => {
            if let Some(value) = value {
                if let Err(m) = schema_type::check(api, &value, ty) {
                    errors.spanning(
                        &m.tokens,
                        format!(
                            "extra members of schema `{schema_name}` must be {}, found `{}`, \
                             {}",
                            m.expected, m.found_text, m.found
                        ),
                    );
                }
            }
        }
        Additional::Any => {}
    }
}

fn check_property(
    api: &Api,
    def: &TypeDef,
    container: &Container,
    user: &UserField,
    property: &Field,
    errors: &mut Errors,
) {
    let schema_name = &def.name;
    let name = &property.name;
    let rust = rust_type::classify(&user.field.ty);
    let nullable = schema_type::nullable(api, &property.ty);
    let ty_span = &user.field.ty;
    let full = rust_type::type_text(&user.field.ty);
    let mut ok = true;
    if property.required {
        match rust.wrapper {
            Wrapper::None => {}
            Wrapper::Option if nullable => {}
            Wrapper::Option | Wrapper::Nullable if !nullable => {
                ok = false;
                errors.spanning(
                    ty_span,
                    format!(
                        "property `{name}` of schema `{schema_name}` is required and not \
                         nullable, but the field is `{full}` (`None` would leave it out or write \
                         `null`): use `{}`",
                        rust.text
                    ),
                );
            }
            _ => {
                ok = false;
                errors.spanning(
                    ty_span,
                    format!(
                        "property `{name}` of schema `{schema_name}` is required (and nullable), \
                         but `{full}` can leave it out: use `Option<{}>`",
                        rust.text
                    ),
                );
            }
        }
        if let Some(span) = user.attrs.skip_serializing_if {
            if ok {
                ok = false;
                errors.at(
                    span,
                    format!(
                        "property `{name}` of schema `{schema_name}` is required, but \
                         `skip_serializing_if` can leave it out"
                    ),
                );
            }
        }
    } else if rust.wrapper == Wrapper::None {
        if nullable {
            ok = false;
            errors.spanning(
                ty_span,
                format!(
                    "property `{name}` of schema `{schema_name}` is optional and nullable, but \
                     the field is `{full}`, which reads neither absence nor `null`: use \
                     `Option<{full}>` or `acp_runtime::Nullable<{full}>`"
                ),
            );
        } else if !user.attrs.default && !container.default {
            ok = false;
            errors.spanning(
                ty_span,
                format!(
                    "property `{name}` of schema `{schema_name}` is optional, but the field is \
                     `{full}`, which cannot be read when the property is absent: use \
                     `Option<{full}>` or add `#[serde(default)]`"
                ),
            );
        }
    }
    if ok && !user.attrs.custom && !user.options.unchecked {
        check_type(api, def, name, user, &property.ty, false, errors);
    }
}

fn check_type(
    api: &Api,
    def: &TypeDef,
    name: &str,
    user: &UserField,
    ty: &acp_codegen::ir::TypeRef,
    extra: bool,
    errors: &mut Errors,
) {
    let rust = rust_type::classify(&user.field.ty);
    if let Err(m) = schema_type::check(api, &rust, ty) {
        let what = if extra {
            format!("extra members of schema `{}` (like `{name}`)", def.name)
        } else {
            format!("property `{name}` of schema `{}`", def.name)
        };
        errors.spanning(
            &m.tokens,
            format!(
                "type mismatch for {}{what}: the schema expects {}, but `{}` is {}",
                m.place, m.expected, m.found_text, m.found
            ),
        );
    }
}

/// Checks an enum of unit variants against a string enum.
pub fn check_enum(
    def: &TypeDef,
    values: &[EnumValue],
    name: &Ident,
    data: &DataEnum,
    container: &Container,
    errors: &mut Errors,
) {
    let schema_name = &def.name;
    let value_list = || list(values.iter().map(|v| v.value.as_str()), 40);
    let mut written: HashMap<String, &Ident> = HashMap::new();
    for variant in &data.variants {
        let attrs = match serde_attrs::variant(&variant.attrs) {
            Ok(attrs) => attrs,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if attrs.skip {
            continue;
        }
        let raw = variant.ident.unraw().to_string();
        if !matches!(variant.fields, Fields::Unit) {
            let json = match (&attrs.rename, container.rename_all) {
                (Some(rename), _) => rename.name.clone(),
                (None, Some(rule)) => rule.apply_to_variant(&raw),
                (None, None) => raw,
            };
            written.insert(json, &variant.ident);
            errors.spanning(
                &variant.fields,
                format!(
                    "schema `{schema_name}` is a string enum: variant `{}` must be a unit \
                     variant",
                    variant.ident
                ),
            );
            continue;
        }
        let (json, span, how) = match (&attrs.rename, container.rename_all) {
            (Some(rename), _) => (rename.name.clone(), rename.span, "renamed"),
            (None, Some(rule)) => (
                rule.apply_to_variant(&raw),
                variant.ident.span(),
                "written by `rename_all` as",
            ),
            (None, None) => (raw, variant.ident.span(), "written as"),
        };
        if let Some(first) = written.get(&json) {
            errors.at(
                span,
                format!(
                    "variant `{}` is written as `{json}`, like variant `{first}`",
                    variant.ident
                ),
            );
            continue;
        }
        written.insert(json.clone(), &variant.ident);
        if values.iter().any(|v| v.value == json) {
            continue;
        }
        let suggestion = values
            .iter()
            .find(|v| loose(&v.value) == loose(&json))
            .map(|v| {
                let fix = if attrs.rename.is_some() {
                    format!("use `#[serde(rename = \"{}\")]`", v.value)
                } else if container.rename_all.is_some() {
                    format!(
                        "fix `rename_all` or add `#[serde(rename = \"{}\")]` to the variant",
                        v.value
                    )
                } else {
                    format!("add `#[serde(rename = \"{}\")]`", v.value)
                };
                format!("; did you mean `{}`? {fix}", v.value)
            })
            .unwrap_or_else(|| format!(" (values: {})", value_list()));
        errors.at(
            span,
            format!(
                "variant `{}`, {how} `{json}`, is not a value of enum `{schema_name}`{suggestion}",
                variant.ident
            ),
        );
    }
    for value in values {
        if written.contains_key(&value.value) {
            continue;
        }
        if written.keys().any(|w| loose(w) == loose(&value.value)) {
            continue; // reported at the variant, with this value as the suggestion
        }
        let variant = acp_codegen::naming::variant_name(&value.value);
        let spelled = container
            .rename_all
            .map_or_else(|| variant.clone(), |r| r.apply_to_variant(&variant));
        let hint = if spelled == value.value {
            variant
        } else {
            format!("#[serde(rename = \"{}\")] {variant}", value.value)
        };
        errors.at(
            name.span(),
            format!(
                "enum `{schema_name}` has the value `{}`, which no variant is written as: add a \
                 variant `{hint}`",
                value.value
            ),
        );
    }
}
