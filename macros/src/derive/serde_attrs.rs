//! The `#[serde(...)]` attributes that decide a type's JSON shape, read the way serde reads
//! them. Attributes serde would reject are left for serde to report.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

/// serde's `rename_all` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameRule {
    /// `lowercase`.
    Lower,
    /// `UPPERCASE`.
    Upper,
    /// `PascalCase`.
    Pascal,
    /// `camelCase`.
    Camel,
    /// `snake_case`.
    Snake,
    /// `SCREAMING_SNAKE_CASE`.
    ScreamingSnake,
    /// `kebab-case`.
    Kebab,
    /// `SCREAMING-KEBAB-CASE`.
    ScreamingKebab,
}

impl RenameRule {
    fn parse(name: &str) -> Option<RenameRule> {
        Some(match name {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// A field name (snake_case in Rust) under this rule, as serde computes it.
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_string(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }

    /// A variant name (PascalCase in Rust) under this rule, as serde computes it.
    pub fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_string(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut snake = String::new();
                for (i, ch) in variant.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => RenameRule::Snake
                .apply_to_variant(variant)
                .to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake
                .apply_to_variant(variant)
                .replace('_', "-"),
            RenameRule::ScreamingKebab => RenameRule::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }
}

/// A name given by `rename` (serialize and deserialize the same).
#[derive(Debug, Clone)]
pub struct Rename {
    /// The JSON name.
    pub name: String,
    /// The literal.
    pub span: Span,
}

/// Container attributes (on the struct or enum).
#[derive(Debug, Default)]
pub struct Container {
    /// `rename_all`.
    pub rename_all: Option<RenameRule>,
    /// `default` (every missing field takes its default).
    pub default: bool,
    /// Attributes that change the JSON shape beyond what the check understands: the attribute's
    /// name and span (`transparent`, `tag`, `untagged`, `from`, `into`, `remote`, ...).
    pub unsupported: Vec<(String, Span)>,
}

/// Field attributes.
#[derive(Debug, Default)]
pub struct FieldAttrs {
    /// `rename`.
    pub rename: Option<Rename>,
    /// `skip`, or both `skip_serializing` and `skip_deserializing`.
    pub skip: bool,
    /// Only one of `skip_serializing` / `skip_deserializing` (the span of it).
    pub half_skip: Option<Span>,
    /// `default`.
    pub default: bool,
    /// `flatten`.
    pub flatten: Option<Span>,
    /// `skip_serializing_if` (the span of it).
    pub skip_serializing_if: Option<Span>,
    /// `with`, `serialize_with` or `deserialize_with`: the type no longer tells the JSON.
    pub custom: bool,
}

/// Variant attributes.
#[derive(Debug, Default)]
pub struct VariantAttrs {
    /// `rename`.
    pub rename: Option<Rename>,
    /// `skip` or `skip_serializing` (the variant is never written).
    pub skip: bool,
}

fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("serde"))
}

/// Skips the value of a key this checker does not care about (`= expr` or `(...)`).
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// `rename = "x"` or `rename(serialize = "x", deserialize = "y")`: the names.
fn ser_de_names(meta: &ParseNestedMeta) -> syn::Result<(Option<LitStr>, Option<LitStr>)> {
    if meta.input.peek(syn::Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        return Ok((Some(lit.clone()), Some(lit)));
    }
    let mut ser = None;
    let mut de = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            ser = Some(inner.value()?.parse()?);
        } else if inner.path.is_ident("deserialize") {
            de = Some(inner.value()?.parse()?);
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok((ser, de))
}

/// A rename that is the same both ways; a split one is reported (the model needs one name).
fn rename_of(meta: &ParseNestedMeta) -> syn::Result<Option<Rename>> {
    match ser_de_names(meta)? {
        (Some(ser), Some(de)) if ser.value() != de.value() => Err(syn::Error::new(
            de.span(),
            "acp: different `serialize` and `deserialize` names cannot both match one schema \
             property",
        )),
        (Some(lit), _) | (None, Some(lit)) => Ok(Some(Rename {
            name: lit.value(),
            span: lit.span(),
        })),
        (None, None) => Ok(None),
    }
}

fn rule_of(meta: &ParseNestedMeta) -> syn::Result<Option<RenameRule>> {
    match ser_de_names(meta)? {
        (Some(ser), Some(de)) if ser.value() != de.value() => Err(syn::Error::new(
            de.span(),
            "acp: different `serialize` and `deserialize` rules cannot both match one schema",
        )),
        (Some(lit), _) | (None, Some(lit)) => Ok(RenameRule::parse(&lit.value())),
        (None, None) => Ok(None),
    }
}

/// The name of a serde attribute item (`rename` in `#[serde(rename = "x")]`), or "" for a path.
fn meta_name(meta: &syn::meta::ParseNestedMeta) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Reads the container's serde attributes.
pub fn container(attrs: &[Attribute]) -> syn::Result<Container> {
    let mut out = Container::default();
    for attr in serde_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let name = meta_name(&meta);
            match name.as_str() {
                "rename_all" => out.rename_all = rule_of(&meta)?,
                "default" => {
                    out.default = true;
                    skip_value(&meta)?;
                }
                "transparent" | "tag" | "content" | "untagged" | "remote" | "from" | "try_from"
                | "into" => {
                    out.unsupported.push((name, meta.path.span_of_ident()));
                    skip_value(&meta)?;
                }
                _ => skip_value(&meta)?,
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Reads a field's serde attributes.
pub fn field(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    let (mut skip_ser, mut skip_de) = (None, None);
    for attr in serde_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let name = meta_name(&meta);
            match name.as_str() {
                "rename" => out.rename = rename_of(&meta)?,
                "skip" => out.skip = true,
                "skip_serializing" => skip_ser = Some(meta.path.span_of_ident()),
                "skip_deserializing" => skip_de = Some(meta.path.span_of_ident()),
                "default" => {
                    out.default = true;
                    skip_value(&meta)?;
                }
                "flatten" => out.flatten = Some(meta.path.span_of_ident()),
                "skip_serializing_if" => {
                    out.skip_serializing_if = Some(meta.path.span_of_ident());
                    skip_value(&meta)?;
                }
                "with" | "serialize_with" | "deserialize_with" => {
                    out.custom = true;
                    skip_value(&meta)?;
                }
                _ => skip_value(&meta)?,
            }
            Ok(())
        })?;
    }
    match (skip_ser, skip_de) {
        (Some(_), Some(_)) => out.skip = true,
        (Some(span), None) | (None, Some(span)) => out.half_skip = Some(span),
        (None, None) => {}
    }
    Ok(out)
}

/// Reads a variant's serde attributes.
pub fn variant(attrs: &[Attribute]) -> syn::Result<VariantAttrs> {
    let mut out = VariantAttrs::default();
    for attr in serde_attrs(attrs) {
        attr.parse_nested_meta(|meta| {
            let name = meta_name(&meta);
            match name.as_str() {
                "rename" => out.rename = rename_of(&meta)?,
                "skip" | "skip_serializing" => out.skip = true,
                _ => skip_value(&meta)?,
            }
            Ok(())
        })?;
    }
    Ok(out)
}

trait SpanOfIdent {
    fn span_of_ident(&self) -> Span;
}

impl SpanOfIdent for syn::Path {
    fn span_of_ident(&self) -> Span {
        self.segments
            .last()
            .map_or_else(Span::call_site, |s| s.ident.span())
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule::*;

    #[test]
    fn rules_match_serde() {
        assert_eq!(Camel.apply_to_field("line_one"), "lineOne");
        assert_eq!(Pascal.apply_to_field("line_one"), "LineOne");
        assert_eq!(Kebab.apply_to_field("line_one"), "line-one");
        assert_eq!(ScreamingKebab.apply_to_field("line_one"), "LINE-ONE");
        assert_eq!(Upper.apply_to_field("line_one"), "LINE_ONE");
        assert_eq!(Snake.apply_to_variant("RequiresSignin"), "requires_signin");
        assert_eq!(Lower.apply_to_variant("RequiresSignin"), "requiressignin");
        assert_eq!(Camel.apply_to_variant("RequiresSignin"), "requiresSignin");
        assert_eq!(ScreamingSnake.apply_to_variant("GiftWrap"), "GIFT_WRAP");
        assert_eq!(Kebab.apply_to_variant("GiftWrap"), "gift-wrap");
    }
}
