//! `generate!(version = "...", spec = "...", server, client)`: the CLI's output, in place.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{bracketed, Ident, LitBool, LitStr, Token};

use acp_codegen::emit::SchemarsImpls;

use crate::args::{string_literal, VERSION_EXAMPLE};
use crate::spec;

/// The arguments.
pub struct Args {
    /// `version = "2026-04-17"`.
    pub version: LitStr,
    /// `spec = "checkout"` (repeatable) or `spec = ["checkout", "webhooks"]`.
    pub specs: Vec<LitStr>,
    /// `server`.
    pub server: bool,
    /// `client`.
    pub client: bool,
    /// `tolerant`.
    pub tolerant: bool,
    /// `borrowed`: also emit borrowed views (`<spec>::borrowed::Name<'a>`).
    pub borrowed: bool,
    /// `allow_unpinned`.
    pub allow_unpinned: bool,
    /// `schemars`: implement `schemars::JsonSchema` (the calling crate depends on schemars 1);
    /// without it the impls are left out.
    pub schemars: bool,
}

/// The flag arguments, in the order `Args` takes them.
const FLAGS: [&str; 6] = [
    "server",
    "client",
    "tolerant",
    "borrowed",
    "allow_unpinned",
    "schemars",
];

const EXPECTED: &str = "expected `version = \"...\"`, `spec = \"...\"` (repeatable, or a list \
                        `spec = [\"...\", ...]`), `server`, `client`, `tolerant`, `borrowed`, `allow_unpinned` or `schemars`";

/// A string literal, or an error saying so.
fn string(input: ParseStream, key: &str, example: &str) -> syn::Result<LitStr> {
    string_literal(input.parse()?, key, example)
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut version: Option<LitStr> = None;
        let mut specs = Vec::new();
        let mut flags = [false; FLAGS.len()];
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            let name = key.to_string();
            match name.as_str() {
                "version" => {
                    input.parse::<Token![=]>()?;
                    let value = string(input, "version", VERSION_EXAMPLE)?;
                    if version.is_some() {
                        return Err(syn::Error::new(key.span(), "`version` given twice"));
                    }
                    version = Some(value);
                }
                "spec" => {
                    input.parse::<Token![=]>()?;
                    if input.peek(syn::token::Bracket) {
                        let content;
                        bracketed!(content in input);
                        let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)
                            .map_err(|e| {
                                syn::Error::new(
                                    e.span(),
                                    "acp: `spec = [...]` takes string literals: `spec = \
                                     [\"checkout\", \"webhooks\"]`",
                                )
                            })?;
                        if list.is_empty() {
                            return Err(syn::Error::new(key.span(), "`spec = []` names no spec"));
                        }
                        specs.extend(list);
                    } else {
                        specs.push(string(input, "spec", "checkout")?);
                    }
                }
                "server" | "client" | "tolerant" | "borrowed" | "allow_unpinned" | "schemars" => {
                    let value = if input.peek(Token![=]) {
                        input.parse::<Token![=]>()?;
                        input.parse::<LitBool>()?.value
                    } else {
                        true
                    };
                    let index = FLAGS.iter().position(|f| *f == name).unwrap_or_default();
                    flags[index] = value;
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("acp: unknown argument `{name}`: {EXPECTED}"),
                    ))
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        let version = version.ok_or_else(|| {
            syn::Error::new(
                Span::call_site(),
                format!(
                    "acp: missing `version = \"...\"` (e.g. `generate!(version = \"{VERSION_EXAMPLE}\")`)"
                ),
            )
        })?;
        let [server, client, tolerant, borrowed, allow_unpinned, schemars] = flags;
        Ok(Args {
            version,
            specs,
            server,
            client,
            tolerant,
            borrowed,
            allow_unpinned,
            schemars,
        })
    }
}

/// Expands `generate!`, errors included.
pub fn expand(input: TokenStream) -> TokenStream {
    match syn::parse2::<Args>(input).and_then(|args| expand_args(&args)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

/// The expansion for parsed arguments: the spec files as dependencies, then the code.
pub fn expand_args(args: &Args) -> syn::Result<TokenStream> {
    let (source, files) = source(args)?;
    let code: TokenStream = source.parse().map_err(|e| {
        syn::Error::new(
            Span::call_site(),
            format!("acp: the generated code does not tokenize (a bug in acp-codegen): {e}"),
        )
    })?;
    let dependencies = spec::dependency_tokens(&files);
    Ok(quote::quote! {
        #dependencies
        #code
    })
}

/// `Generator::lib_source(&[version], false)` for the arguments, and the spec files read.
pub fn source(args: &Args) -> syn::Result<(String, Vec<std::path::PathBuf>)> {
    let generator =
        spec::generator(args.allow_unpinned).map_err(|m| syn::Error::new(Span::call_site(), m))?;
    source_with(generator, args)
}

/// [`source`] with a given generator (its spec root; the arguments set the rest).
pub fn source_with(
    generator: acp_codegen::Generator,
    args: &Args,
) -> syn::Result<(String, Vec<std::path::PathBuf>)> {
    let version = args.version.value();
    let at_version = |message: String| syn::Error::new(args.version.span(), message);
    let generator = generator.allow_unpinned(args.allow_unpinned);
    spec::check_version(&generator, &version).map_err(|e| at_version(e.to_string()))?;
    let generator = generator
        .specs(args.specs.iter().map(LitStr::value).collect())
        .server(args.server)
        .client(args.client)
        .tolerant(args.tolerant)
        .borrowed(args.borrowed)
        .schemars(if args.schemars {
            SchemarsImpls::Always
        } else {
            SchemarsImpls::Never
        });
    let to_error = |error: acp_codegen::Error| match &error {
        acp_codegen::Error::UnknownSpec { spec: wanted, .. } => {
            let span = args
                .specs
                .iter()
                .find(|s| s.value() == *wanted)
                .map_or_else(|| args.version.span(), LitStr::span);
            syn::Error::new(span, spec::generator_error(&error))
        }
        _ => at_version(spec::generator_error(&error)),
    };
    // The files the generator reads (for cargo's dep-info); loading checks the pins too.
    let set = generator.spec_set(&version).map_err(to_error)?;
    let files = spec::absolute_files(&generator, &set);
    let (source, _warnings) = generator
        .lib_source(std::slice::from_ref(&version), false)
        .map_err(to_error)?;
    Ok((source, files))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use acp_codegen::Generator;
    use proc_macro2::Span;
    use syn::LitStr;

    use super::{expand_args, source_with, Args, SchemarsImpls};

    const VERSION: &str = "2026-04-17";
    const CHECKOUT: &str = "spec/2026-04-17/openapi/openapi.agentic_checkout.yaml";

    fn args(specs: &[&str], allow_unpinned: bool) -> Args {
        Args {
            version: LitStr::new(VERSION, Span::call_site()),
            specs: specs
                .iter()
                .map(|s| LitStr::new(s, Span::call_site()))
                .collect(),
            server: false,
            client: false,
            tolerant: false,
            borrowed: false,
            allow_unpinned,
            schemars: false,
        }
    }

    /// A spec root holding a copy of the real 2026-04-17 files, for editing.
    fn copied_root() -> tempfile::TempDir {
        let real = Generator::from_env()
            .expect("the spec files")
            .spec_root()
            .to_path_buf();
        let root = tempfile::tempdir().unwrap();
        copy_dir(
            &real.join("spec").join(VERSION),
            &root.path().join("spec").join(VERSION),
        );
        root
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &to.join(entry.file_name()));
            } else {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn expansion_is_the_cli_source_plus_the_files_read() {
        let generator = Generator::from_env().unwrap();
        let (source, files) = source_with(generator.clone(), &args(&["checkout"], false)).unwrap();
        let (cli, _) = generator
            .clone()
            .specs(vec!["checkout".into()])
            .lib_source(&[VERSION.into()], false)
            .unwrap();
        // The CLI gates the schemars impls on a feature the calling crate may not have: without
        // the `schemars` argument they are left out, with it they are unconditional.
        let gated = |text: &str| text.matches("#[cfg(feature = \"schemars\")]").count();
        assert!(gated(&cli) > 0);
        let mut with_schemars = args(&["checkout"], false);
        with_schemars.schemars = true;
        let (always, _) = source_with(generator.clone(), &with_schemars).unwrap();
        assert_eq!(gated(&always), 0);
        assert_eq!(
            always.matches("impl schemars::JsonSchema for").count(),
            cli.matches("impl schemars::JsonSchema for").count()
        );
        assert_eq!(source.matches("schemars").count(), 0);
        let (cli_never, _) = generator
            .clone()
            .specs(vec!["checkout".into()])
            .schemars(SchemarsImpls::Never)
            .lib_source(&[VERSION.into()], false)
            .unwrap();
        assert_eq!(source, cli_never);
        assert!(files.iter().any(|f| f.ends_with(CHECKOUT)), "{files:?}");
        assert!(files.iter().all(|f| f.is_absolute() && f.is_file()));
        let expanded = expand_args(&args(&["checkout"], false))
            .unwrap()
            .to_string();
        assert!(expanded.contains("include_bytes"));
        assert!(expanded.contains("option_env ! (\"ACP_SPEC_ROOT\")"));
        assert!(expanded.contains("pub mod v2026_04_17"));
    }

    #[test]
    fn an_edited_file_fails_its_pin_unless_allowed() {
        let root = copied_root();
        let path = root.path().join(CHECKOUT);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("\n# edited\n");
        std::fs::write(&path, text).unwrap();
        let error = source_with(Generator::new(root.path()), &args(&[], false)).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("acp: {CHECKOUT} does not match its pin")),
            "{message}"
        );
        assert!(source_with(Generator::new(root.path()), &args(&[], true)).is_ok());
    }

    #[test]
    fn a_broken_file_is_reported_with_line_and_column() {
        let root = copied_root();
        let path = root.path().join(CHECKOUT);
        let text = std::fs::read_to_string(&path).unwrap();
        let broken = text.replacen("paths:", "paths: [unclosed", 1);
        std::fs::write(&path, broken).unwrap();
        let error = source_with(Generator::new(root.path()), &args(&[], true)).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("acp: {CHECKOUT}:")),
            "{message}"
        );
        let position = message[format!("acp: {CHECKOUT}:").len()..]
            .split(':')
            .take(2)
            .map(|n| n.trim().parse::<usize>())
            .collect::<Result<Vec<_>, _>>();
        assert!(matches!(position.as_deref(), Ok([_, _])), "{message}");
        // The derive's loader reports the same.
        let error = crate::spec::load_with(
            &Generator::new(root.path()).allow_unpinned(true),
            VERSION,
            true,
            Span::call_site(),
        )
        .err()
        .expect("a broken file");
        assert!(error.to_string().starts_with(&format!("acp: {CHECKOUT}:")));
    }

    #[test]
    fn unknown_versions_and_specs_name_what_exists() {
        let mut bad = args(&["checkout", "shipping"], false);
        let error = source_with(Generator::from_env().unwrap(), &bad).unwrap_err();
        assert!(
            error.to_string().contains("has no spec `shipping`"),
            "{error}"
        );
        bad.version = LitStr::new("2099-01-01", Span::call_site());
        let error = source_with(Generator::from_env().unwrap(), &bad).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("acp: unknown ACP version `2099-01-01`"),
            "{error}"
        );
        assert!(error.to_string().contains("2026-04-17"));
    }
}
