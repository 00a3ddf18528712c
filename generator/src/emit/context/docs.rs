//! Identifiers and rustdoc text.

use std::collections::HashSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Docs, Field, TypeDef, TypeRef};
use crate::naming;

/// An identifier, raw when it is a keyword.
pub(crate) fn ident(name: &str) -> Ident {
    if naming::is_keyword(name) && !matches!(name, "self" | "Self" | "super" | "crate") {
        Ident::new_raw(name, Span::call_site())
    } else {
        format_ident!("{}", name)
    }
}

/// The Rust name of member `json`, unique among `used`.
pub(crate) fn unique_field_name(json: &str, used: &mut HashSet<String>) -> String {
    let mut name = naming::field_name(json);
    if matches!(name.as_str(), "self" | "super" | "crate") {
        name.push('_');
    }
    while !used.insert(name.clone()) {
        name.push('_');
    }
    name
}

/// The docs of a named type, with the schema it comes from.
pub(crate) fn type_doc(def: &TypeDef) -> String {
    let mut doc = docs_text(&def.docs);
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("Schema: `{}`", def.origin));
    for alias in &def.aliases {
        doc.push_str(&format!(", `{alias}`"));
    }
    doc.push('.');
    doc
}

/// The docs of a member, with its constraints in words.
pub(crate) fn field_doc(field: &Field) -> String {
    let mut doc = docs_text(&field.docs);
    let mut notes = Vec::new();
    if let Some(formatted) = describe_rules(&field.ty) {
        notes.push(formatted);
    }
    if !notes.is_empty() {
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&notes.join(" "));
    }
    doc
}

fn describe_rules(ty: &TypeRef) -> Option<String> {
    let r = &ty.rules;
    let mut parts = Vec::new();
    if let Some(format) = &r.format {
        parts.push(format!("format `{format}`"));
    }
    if let Some(n) = r.min_length {
        parts.push(format!(
            "at least {n} character{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = r.max_length {
        parts.push(format!(
            "at most {n} character{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Some(p) = &r.pattern {
        parts.push(format!("matches `{p}`"));
    }
    if let Some(n) = r.minimum {
        parts.push(format!("≥ {n}"));
    }
    if let Some(n) = r.maximum {
        parts.push(format!("≤ {n}"));
    }
    if let Some(n) = r.exclusive_minimum {
        parts.push(format!("> {n}"));
    }
    if let Some(n) = r.exclusive_maximum {
        parts.push(format!("< {n}"));
    }
    (!parts.is_empty()).then(|| format!("Constraints: {}.", parts.join(", ")))
}

fn docs_text(docs: &Docs) -> String {
    let mut out = String::new();
    if let Some(title) = &docs.title {
        out.push_str(title.trim());
    }
    if let Some(description) = &docs.description {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(description.trim());
    }
    if docs.deprecated {
        out.push_str("\n\n**Deprecated** in the spec.");
    }
    if let Some(access) = docs.access {
        out.push_str(&format!("\n\nThe spec marks this {access}."));
    }
    if let Some(default) = &docs.default {
        out.push_str(&format!("\n\nDefault: `{default}`."));
    }
    out
}

/// Spec prose as rustdoc markdown that renders as written: brackets would be intra-doc links,
/// `<Name>` would be HTML tags, and bare URLs are made links.
pub(crate) fn markdown_safe(line: &str) -> String {
    let escaped = line
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;");
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        let in_code = (out.matches('`').count() + rest[..start].matches('`').count()) % 2 == 1;
        let length = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '`' | '"' | '\'' | ','))
            .unwrap_or(rest.len() - start);
        let url = rest[start..start + length].trim_end_matches(['.', ';', ':']);
        out.push_str(&rest[..start]);
        if in_code {
            out.push_str(url);
        } else {
            out.push('<');
            out.push_str(url);
            out.push('>');
        }
        rest = &rest[start + url.len()..];
    }
    out.push_str(rest);
    out
}

/// `#[doc]` attributes (inner ones with `inner`), one per line so the output reads as `///`.
pub(crate) fn doc_attrs(text: &str, inner: bool) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = format!(" {}", markdown_safe(line.trim_end()));
        if inner {
            quote!(#![doc = #line])
        } else {
            quote!(#[doc = #line])
        }
    });
    quote!(#(#lines)*)
}

#[cfg(test)]
mod tests {
    use super::markdown_safe;

    #[test]
    fn spec_prose_renders_as_written() {
        assert_eq!(
            markdown_safe("see https://acp.dev/x."),
            "see <https://acp.dev/x>."
        );
        assert_eq!(
            markdown_safe("`https://in.code` and <SchemaName>"),
            "`https://in.code` and &lt;SchemaName>"
        );
        assert_eq!(
            markdown_safe("a [link] (https://a.b)"),
            "a \\[link\\] (<https://a.b>)"
        );
    }
}
