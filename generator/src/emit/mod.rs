//! IR → Rust source. [`models`] writes the types; [`crate_files`] wraps them into a crate.

mod client;
pub mod crate_files;
pub mod json_schema;
pub mod models;
mod scan;
mod server;

/// Options that change the emitted code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Accept members and enum values the spec does not know (for clients that must keep working
    /// when a server adds optional fields). Strict code rejects unknown members where the spec
    /// says `additionalProperties: false`.
    pub tolerant: bool,
    /// Also emit server stubs (a trait and an axum router per spec), which need `axum` and
    /// `acp-runtime`'s `server` feature.
    pub server: bool,
    /// Also emit client SDKs (a `Client` per spec, a webhook `Sender`), which need
    /// `acp-runtime`'s `client` feature.
    pub client: bool,
    /// How the `schemars::JsonSchema` impls are emitted.
    pub schemars: SchemarsImpls,
    /// Also emit borrowed views (`<spec>::borrowed::Name<'a>`) of the structs that hold text:
    /// the same JSON accepted and the same checks, but strings point into the input instead of
    /// being copied (reading a million-line product feed allocates far less).
    pub borrowed: bool,
}

/// Whether generated types implement `schemars::JsonSchema`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SchemarsImpls {
    /// Behind the generated crate's `schemars` feature (crates written by `generate`, `acp`).
    #[default]
    Gated,
    /// Always: the including crate depends on schemars (`generate!(.., schemars)`).
    Always,
    /// Never: code expanded into a crate that has neither the feature nor the dependency.
    Never,
}

impl SchemarsImpls {
    /// The attribute to put on schemars items, or `None` when they are left out.
    pub fn cfg(self) -> Option<proc_macro2::TokenStream> {
        match self {
            SchemarsImpls::Gated => Some(quote::quote!(#[cfg(feature = "schemars")])),
            SchemarsImpls::Always => Some(proc_macro2::TokenStream::new()),
            SchemarsImpls::Never => None,
        }
    }
}

/// Formats generated tokens as a Rust file.
pub fn format(tokens: proc_macro2::TokenStream) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens)?;
    Ok(prettyplease::unparse(&file))
}

/// Rewrites an ECMA-262 pattern (what JSON Schema uses) for the `regex` crate: `\d`, `\w` and
/// `\s` are ASCII-only in ECMA-262 but Unicode-aware in `regex`.
pub fn translate_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('w') => out.push_str(if in_class {
                    "A-Za-z0-9_"
                } else {
                    "[A-Za-z0-9_]"
                }),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::translate_pattern;

    #[test]
    fn ecma_classes_become_ascii() {
        assert_eq!(translate_pattern(r"^\d{4}-\d{2}$"), "^[0-9]{4}-[0-9]{2}$");
        assert_eq!(translate_pattern(r"^[\d.]+$"), "^[0-9.]+$");
        assert_eq!(translate_pattern(r"^\\d$"), r"^\\d$");
        let re = regex::Regex::new(&translate_pattern(r"^\d+$")).unwrap();
        assert!(!re.is_match("٣"), "Arabic-Indic digit must not match \\d");
    }
}
