//! Rust names for spec names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust module name for a spec name.
pub fn module_name(spec: &str) -> String {
    match spec {
        "agentic_checkout" => "checkout".to_string(),
        "agentic_checkout_webhook" => "webhooks".to_string(),
        "agentic_checkout_mcp" => "checkout_mcp".to_string(),
        other => field_name(other),
    }
}

/// Rust module name for a version (`2026-04-17` → `v2026_04_17`).
pub fn version_module(version: &str) -> String {
    format!("v{}", version.replace(['-', '.'], "_"))
}

/// A type name: UpperCamelCase, made a valid identifier.
pub fn type_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'T');
    }
    if matches!(
        name.as_str(),
        "Self" | "Option" | "Result" | "Vec" | "String" | "Box" | "Map"
    ) {
        name.push('_');
    }
    name
}

/// A field or module name: snake_case, made a valid identifier (keywords are returned as is;
/// the emitter spells them as raw identifiers).
pub fn field_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = cleaned.to_snake_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// An enum variant name for a JSON string value.
pub fn variant_name(value: &str) -> String {
    let name = type_name(value);
    if value.is_empty() {
        "Empty".to_string()
    } else {
        name
    }
}

/// Whether a name must be written `r#name`.
pub fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name("CheckoutSession"), "CheckoutSession");
        assert_eq!(type_name("coupon"), "Coupon");
        assert_eq!(type_name("3ds_result"), "T3dsResult");
        assert_eq!(field_name("line_one"), "line_one");
        assert_eq!(field_name("API-Version"), "api_version");
        assert_eq!(variant_name("order_create"), "OrderCreate");
        assert_eq!(
            variant_name("dev.acp.tokenized.card"),
            "DevAcpTokenizedCard"
        );
        assert_eq!(module_name("agentic_checkout_webhook"), "webhooks");
        assert_eq!(version_module("2026-04-17"), "v2026_04_17");
    }
}
