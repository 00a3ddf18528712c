//! The spec files as the macros see them: the generator for the CLI's spec root, a version's
//! IR (cached per compiler process, revalidated by file metadata), and the tokens that make
//! cargo rebuild when a file read changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use acp_codegen::{Api, Generator};
use proc_macro2::{Span, TokenStream};
use quote::quote;

/// A version's IR and the files it was read from (absolute paths).
pub struct Loaded {
    /// The IR, every spec of the version.
    pub api: Api,
    /// The spec files read.
    pub files: Vec<PathBuf>,
}

/// Why the macros cannot use the spec files; shown as a compile error.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// No spec root was found.
    #[error("acp: cannot find the ACP spec files: {source}")]
    NoSpecRoot {
        /// Where the generator looked, and why each place was rejected.
        source: acp_codegen::Error,
    },
    /// The spec root's version folders cannot be listed.
    #[error("acp: cannot list the ACP versions: {source}")]
    ListVersions {
        /// The filesystem error.
        source: acp_codegen::Error,
    },
    /// The version asked for is not a version folder of the spec root. The message names the
    /// versions there but not the spec root, so it does not depend on the machine.
    #[error("acp: unknown ACP version `{version}` (the spec files have: {})", known.join(", "))]
    UnknownVersion {
        /// The version asked for.
        version: String,
        /// The version folders of the spec root.
        known: Vec<String>,
    },
}

/// The generator for the spec root the CLI would use (`ACP_SPEC_ROOT`, else
/// `../shared/acp-spec` next to the workspace).
pub fn generator(allow_unpinned: bool) -> Result<Generator, SpecError> {
    Generator::from_env()
        .map(|g| g.allow_unpinned(allow_unpinned))
        .map_err(|source| SpecError::NoSpecRoot { source })
}

/// Fails when `version` is not a version folder of the spec root.
pub fn check_version(generator: &Generator, version: &str) -> Result<(), SpecError> {
    let known = generator
        .versions()
        .map_err(|source| SpecError::ListVersions { source })?;
    if known.iter().any(|v| v == version) {
        return Ok(());
    }
    Err(SpecError::UnknownVersion {
        version: version.to_string(),
        known,
    })
}

/// The generator's error, as the CLI prints it, for a compile error.
pub fn generator_error(error: &acp_codegen::Error) -> String {
    let mut message = format!("acp: {error}");
    if matches!(
        error,
        acp_codegen::Error::Load(acp_codegen::LoadError::Pin(_))
    ) {
        message.push_str(" (in the macros: the `allow_unpinned` argument)");
    }
    message
}

/// Absolute paths of the files of a loaded set.
pub fn absolute_files(generator: &Generator, set: &acp_codegen::SpecSet) -> Vec<PathBuf> {
    set.file_hashes()
        .into_iter()
        .map(|(path, _)| generator.spec_root().join(path))
        .collect()
}

type Stamp = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

fn stamp(files: &[PathBuf]) -> Stamp {
    files
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok();
            let key = meta.and_then(|m| Some((m.modified().ok()?, m.len())));
            (path.clone(), key)
        })
        .collect()
}

type Cache = HashMap<(PathBuf, String, bool), (Stamp, Arc<Loaded>)>;

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Loads (pin-checked) and converts every spec of `version` from the CLI's spec root. One
/// compiler process (or a long-lived proc-macro server) reuses the result while the files'
/// sizes and modification times stay the same. Errors are spanned at `span`.
pub fn load(version: &str, allow_unpinned: bool, span: Span) -> Result<Arc<Loaded>, syn::Error> {
    let generator = generator(allow_unpinned).map_err(|m| syn::Error::new(span, m))?;
    load_with(&generator, version, allow_unpinned, span)
}

/// [`load`] with a given generator (its spec root and pin handling).
pub fn load_with(
    generator: &Generator,
    version: &str,
    allow_unpinned: bool,
    span: Span,
) -> Result<Arc<Loaded>, syn::Error> {
    let error = |message: String| syn::Error::new(span, message);
    let key = (
        generator.spec_root().to_path_buf(),
        version.to_string(),
        allow_unpinned,
    );
    if let Some((stamped, loaded)) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        if stamp(&loaded.files) == stamped {
            return Ok(loaded);
        }
    }
    check_version(generator, version).map_err(|e| error(e.to_string()))?;
    let set = generator
        .spec_set(version)
        .map_err(|e| error(generator_error(&e)))?;
    let api = generator
        .api_of(&set)
        .map_err(|e| error(generator_error(&e)))?;
    let files = absolute_files(generator, &set);
    let loaded = Arc::new(Loaded { api, files });
    if let Ok(mut cache) = cache().lock() {
        cache.insert(key, (stamp(&loaded.files), loaded.clone()));
    }
    Ok(loaded)
}

/// Items that make cargo rebuild the crate when a spec file read changes (`include_bytes!`
/// records the file in the dep-info) or `ACP_SPEC_ROOT` changes (`option_env!` records it).
pub fn dependency_tokens(files: &[PathBuf]) -> TokenStream {
    let includes = files.iter().map(|path| {
        let path = path_literal(path);
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!("ACP_SPEC_ROOT");
        #(#includes)*
    }
}

fn path_literal(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
