//! IR → Rust source. [`version_tokens`] runs the emitters of a version's code: one module per
//! kind of output (owned types, borrowed views, scanners, JSON Schema impls, the example
//! registry, server stubs, clients), each a leaf that sees only the shared `context` (IR, type
//! facts, type names, checks, docs), never another emitter. [`crate_files`] wraps the code into
//! a crate.

mod client;
mod context;
pub mod crate_files;
pub mod json_schema;
mod mcp;
mod models;
mod registry;
mod scan;
mod server;
mod version;
mod views;

pub use version::version_tokens;

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
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use proc_macro2::{Delimiter, TokenStream, TokenTree};

    use super::translate_pattern;

    /// The modules that turn the IR into a version's code; each may use `context` (and the IR,
    /// naming, this module's options), never one another.
    const EMITTERS: &[&str] = &[
        "client",
        "json_schema",
        "mcp",
        "models",
        "registry",
        "scan",
        "server",
        "views",
    ];
    /// Crate packaging around the code: not emitters, and no emitter uses them.
    const PACKAGING: &[&str] = &["crate_files"];
    /// This file and the orchestrator, which run the emitters.
    const ORCHESTRATION: &[&str] = &["mod", "version"];

    /// The names that `super::<name>`, `emit::<name>` and `super::{<name>, ..}` paths in
    /// `tokens` start with.
    fn sibling_paths(tokens: TokenStream, out: &mut BTreeSet<String>) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            if let TokenTree::Group(group) = token {
                sibling_paths(group.stream(), out);
            }
            let TokenTree::Ident(root) = token else {
                continue;
            };
            let colons = tokens[i + 1..]
                .iter()
                .take(2)
                .filter(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ':'))
                .count();
            if !(root == "super" || root == "emit") || colons != 2 {
                continue;
            }
            match tokens.get(i + 3) {
                Some(TokenTree::Ident(name)) => {
                    out.insert(name.to_string());
                }
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                    // `use super::{a, b::c}`: the first name of each part.
                    let mut at_start = true;
                    for inner in group.stream() {
                        match inner {
                            TokenTree::Ident(name) if at_start => {
                                out.insert(name.to_string());
                                at_start = false;
                            }
                            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
                            _ => at_start = false,
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("emit/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// No emitter (nor the shared context, nor packaging) names another emitter, so none can
    /// depend on another, let alone in a cycle; and every file in `emit/` is classified, so a
    /// new emitter is checked too.
    #[test]
    fn emitters_are_leaves() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/emit");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        let mut checked = 0;
        for file in &files {
            let relative = file.strip_prefix(&root).unwrap();
            let stem = file.file_stem().unwrap().to_str().unwrap();
            let own = if relative.components().count() == 1 {
                assert!(
                    EMITTERS.contains(&stem)
                        || PACKAGING.contains(&stem)
                        || ORCHESTRATION.contains(&stem),
                    "emit/{stem}.rs is not classified in this test: an emitter, packaging, or \
                     orchestration?"
                );
                if ORCHESTRATION.contains(&stem) {
                    continue;
                }
                Some(stem)
            } else {
                assert!(
                    relative.starts_with("context"),
                    "{}: only the shared context has submodules",
                    relative.display()
                );
                None
            };
            let text = std::fs::read_to_string(file).unwrap();
            let tokens: TokenStream = text.parse().expect("a Rust file");
            let mut named = BTreeSet::new();
            sibling_paths(tokens, &mut named);
            for name in named {
                assert!(
                    !EMITTERS.contains(&name.as_str()) || Some(name.as_str()) == own,
                    "emit/{} uses the emitter `{name}`: emitters may only use `context`",
                    relative.display()
                );
            }
            checked += 1;
        }
        assert!(checked >= EMITTERS.len() + PACKAGING.len(), "{files:?}");
    }

    #[test]
    fn sibling_paths_are_found_in_every_spelling() {
        let mut named = BTreeSet::new();
        let tokens = "use super::models::X; use super::{context::Y, scan}; \
                      fn f() { crate::emit::server::g(); quote!(super::#module::Name) }";
        sibling_paths(tokens.parse().unwrap(), &mut named);
        let named: Vec<&str> = named.iter().map(String::as_str).collect();
        assert_eq!(named, ["context", "models", "scan", "server"]);
    }

    #[test]
    fn ecma_classes_become_ascii() {
        assert_eq!(translate_pattern(r"^\d{4}-\d{2}$"), "^[0-9]{4}-[0-9]{2}$");
        assert_eq!(translate_pattern(r"^[\d.]+$"), "^[0-9.]+$");
        assert_eq!(translate_pattern(r"^\\d$"), r"^\\d$");
        let re = regex::Regex::new(&translate_pattern(r"^\d+$")).unwrap();
        assert!(!re.is_match("٣"), "Arabic-Indic digit must not match \\d");
    }
}
