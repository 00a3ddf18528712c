//! acp-codegen: Rust code from the Agentic Commerce Protocol specification files.
//!
//! The pipeline is spec files → [`loader`] (parse, pin-check, resolve `$ref`s, with
//! [`diagnostics`] that carry file, JSON pointer and line:column) → [`ir`] (via [`convert`]) →
//! [`emit`] (formatted Rust). [`Generator`] runs it for the CLI, `build.rs` scripts and the proc
//! macros alike.
#![deny(missing_docs)]

pub mod check;
pub mod convert;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod ir;
pub mod lint;
pub mod loader;
pub mod manifest;
pub mod mcp;
pub mod naming;
pub mod source;
pub mod toml_spans;

use std::path::{Path, PathBuf};

use acp_specs::Pins;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use emit::crate_files::RuntimeSource;
pub use emit::EmitOptions;
pub use ir::Api;
pub use loader::{LoadError, LoadOptions, SpecSet};

/// Runs the pipeline. Configure with the builder methods, then call [`Generator::api`],
/// [`Generator::version_code`] or [`Generator::write_crate`].
#[derive(Debug, Clone)]
pub struct Generator {
    load: LoadOptions,
    emit: EmitOptions,
    specs: Vec<String>,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The spec root could not be found or the pin file read.
    #[error(transparent)]
    Specs(#[from] acp_specs::Error),
    /// The input has errors that make the output meaningless.
    #[error("{} error(s) in the spec files:\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// The emitter produced tokens that do not parse: a generator bug.
    #[error("generated code does not parse (a bug in acp-codegen): {0}")]
    Emit(#[from] syn::Error),
    /// Writing output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A requested spec does not exist in a version.
    #[error("version {version} has no spec `{spec}` (it has: {})", available.join(", "))]
    UnknownSpec {
        /// The version.
        version: String,
        /// What was asked for.
        spec: String,
        /// What exists.
        available: Vec<String>,
    },
}

/// One version's generated code and what was found on the way.
#[derive(Debug, Clone)]
pub struct VersionCode {
    /// The version.
    pub version: String,
    /// The module body (`pub mod checkout { ... } ...`).
    pub tokens: proc_macro2::TokenStream,
    /// Warnings from loading and converting.
    pub diagnostics: Vec<Diagnostic>,
    /// `(path relative to the spec root, SHA-256)` of every file of the version's [`SpecSet`],
    /// sorted by path (see [`SpecSet::file_hashes`]).
    pub spec_hashes: Vec<(String, String)>,
}

impl Generator {
    /// A generator reading `spec_root`, checking files against the embedded pin file.
    pub fn new(spec_root: impl Into<PathBuf>) -> Self {
        Generator {
            load: LoadOptions {
                spec_root: spec_root.into(),
                pins: Some(Pins::embedded()),
                allow_unpinned: false,
            },
            emit: EmitOptions::default(),
            specs: Vec::new(),
        }
    }

    /// A generator for the spec root found the usual way (`ACP_SPEC_ROOT`, else
    /// `../shared/acp-spec` next to the workspace).
    pub fn from_env() -> Result<Self, Error> {
        Ok(Generator::new(acp_specs::resolve_spec_root(None)?))
    }

    /// Checks hashes against `pins` (`None`: no check).
    pub fn pins(mut self, pins: Option<Pins>) -> Self {
        self.load.pins = pins;
        self
    }

    /// Turns hash mismatches into warnings.
    pub fn allow_unpinned(mut self, allow: bool) -> Self {
        self.load.allow_unpinned = allow;
        self
    }

    /// Emits code tolerant of unknown members and enum values.
    pub fn tolerant(mut self, tolerant: bool) -> Self {
        self.emit.tolerant = tolerant;
        self
    }

    /// Also emits server stubs: per spec, a trait of async operations and an axum router.
    pub fn server(mut self, server: bool) -> Self {
        self.emit.server = server;
        self
    }

    /// How `schemars::JsonSchema` impls are emitted (behind a `schemars` feature by default).
    pub fn schemars(mut self, schemars: emit::SchemarsImpls) -> Self {
        self.emit.schemars = schemars;
        self
    }

    /// Also emits client SDKs: per spec a typed `Client`, and a signing webhook `Sender`.
    pub fn client(mut self, client: bool) -> Self {
        self.emit.client = client;
        self
    }

    /// Also emits borrowed views (`<spec>::borrowed::Name<'a>`) of the structs that hold text,
    /// for reading bulk data (product feeds) without copying every string.
    pub fn borrowed(mut self, borrowed: bool) -> Self {
        self.emit.borrowed = borrowed;
        self
    }

    /// Restricts output to these specs (by file name, `agentic_checkout`, or module name,
    /// `checkout`); empty means all. Types other specs need are still emitted.
    pub fn specs(mut self, specs: Vec<String>) -> Self {
        self.specs = specs;
        self
    }

    /// The spec root.
    pub fn spec_root(&self) -> &Path {
        &self.load.spec_root
    }

    /// The spec root to record in a manifest: `None` when it is the one acp-codegen finds by
    /// itself here (`ACP_SPEC_ROOT`, else the default), so manifests stay the same across
    /// machines; a `--spec-root` elsewhere is recorded for the regenerate command.
    pub fn recorded_spec_root(&self) -> Option<String> {
        let default = acp_specs::resolve_spec_root(None).ok();
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        match default {
            Some(default) if same(&default, &self.load.spec_root) => None,
            _ => Some(self.load.spec_root.display().to_string()),
        }
    }

    /// Whether spec files whose hashes differ from the pins are accepted.
    pub fn allows_unpinned(&self) -> bool {
        self.load.allow_unpinned
    }

    /// The versions on disk.
    pub fn versions(&self) -> Result<Vec<String>, Error> {
        Ok(acp_specs::spec_versions(&self.load.spec_root)?)
    }

    /// Loads and converts one version.
    pub fn api(&self, version: &str) -> Result<Api, Error> {
        self.api_of(&self.spec_set(version)?)
    }

    /// Loads (and pin-checks) the files of one version.
    pub fn spec_set(&self, version: &str) -> Result<SpecSet, Error> {
        Ok(SpecSet::load(&self.load, version)?)
    }

    /// Converts loaded files; spec errors (not warnings) fail.
    pub fn api_of(&self, set: &SpecSet) -> Result<Api, Error> {
        let mut api = convert::convert(set);
        if api
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
        {
            return Err(Error::Invalid(
                api.diagnostics
                    .into_iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect(),
            ));
        }
        api.retain_modules(&self.specs)
            .map_err(|e| Error::UnknownSpec {
                version: e.version,
                spec: e.spec,
                available: e.available,
            })?;
        Ok(api)
    }

    /// One version's generated code.
    pub fn version_code(&self, version: &str) -> Result<VersionCode, Error> {
        let set = self.spec_set(version)?;
        let api = self.api_of(&set)?;
        let tokens = emit::version_tokens(&api, self.emit);
        Ok(VersionCode {
            version: version.to_string(),
            tokens,
            diagnostics: api.diagnostics,
            spec_hashes: set.file_hashes(),
        })
    }

    /// Formatted source holding the given versions: a crate root when `standalone`, else a file
    /// for `build.rs` to write to `OUT_DIR` and `include!`.
    pub fn lib_source(
        &self,
        versions: &[String],
        standalone: bool,
    ) -> Result<(String, Vec<Diagnostic>), Error> {
        let (source, diagnostics, _) = self.lib_source_and_hashes(versions, standalone)?;
        Ok((source, diagnostics))
    }

    /// [`Generator::lib_source`], plus the spec files read: path → SHA-256.
    fn lib_source_and_hashes(
        &self,
        versions: &[String],
        standalone: bool,
    ) -> Result<(String, Vec<Diagnostic>, manifest::SpecHashes), Error> {
        let mut codes = Vec::new();
        let mut diagnostics = Vec::new();
        let mut hashes = manifest::SpecHashes::new();
        for version in versions {
            let mut code = self.version_code(version)?;
            diagnostics.append(&mut code.diagnostics);
            hashes.extend(code.spec_hashes.iter().cloned());
            codes.push(code);
        }
        let header = format!(
            "ACP models generated by acp-codegen {} from the pinned specs. Do not edit.",
            env!("CARGO_PKG_VERSION")
        );
        let header = standalone.then_some(header.as_str());
        Ok((
            emit::format(emit::crate_files::lib_tokens(&codes, header))?,
            diagnostics,
            hashes,
        ))
    }

    /// Writes a standalone crate (`Cargo.toml`, `src/lib.rs`, the manifest `acp-codegen.toml`)
    /// for `versions` into `out`: [`Generator::crate_files`], written.
    pub fn write_crate(
        &self,
        versions: &[String],
        out: &Path,
        crate_name: &str,
        runtime: &RuntimeSource,
    ) -> Result<Vec<Diagnostic>, Error> {
        let (files, diagnostics) = self.crate_files(versions, crate_name, runtime)?;
        write_files(out, &files)?;
        Ok(diagnostics)
    }

    /// The files of a standalone crate for `versions` (paths relative to the crate folder,
    /// contents): `Cargo.toml`, `src/lib.rs` and the manifest [`manifest::MANIFEST_FILE`]
    /// recording how they were generated. Nothing is written.
    pub fn crate_files(
        &self,
        versions: &[String],
        crate_name: &str,
        runtime: &RuntimeSource,
    ) -> Result<(CrateFiles, Vec<Diagnostic>), Error> {
        let (lib, diagnostics, spec_hashes) = self.lib_source_and_hashes(versions, true)?;
        let manifest = manifest::Manifest {
            generator_version: env!("CARGO_PKG_VERSION").to_string(),
            crate_name: crate_name.to_string(),
            conformance: false,
            versions: versions.to_vec(),
            specs: self.specs.clone(),
            tolerant: self.emit.tolerant,
            server: self.emit.server,
            client: self.emit.client,
            borrowed: self.emit.borrowed,
            spec_root: self.recorded_spec_root(),
            allow_unpinned: self.load.allow_unpinned,
            runtime: runtime.clone(),
            spec_hashes,
        };
        let files = vec![
            (
                "Cargo.toml".to_string(),
                emit::crate_files::cargo_toml(crate_name, runtime, self.emit),
            ),
            ("src/lib.rs".to_string(), lib),
            (manifest::MANIFEST_FILE.to_string(), manifest.to_toml()),
        ];
        Ok((files, diagnostics))
    }
}

/// The files of a generated crate: `(path relative to the crate folder, '/'-separated,
/// contents)`.
pub type CrateFiles = Vec<(String, String)>;

/// Writes `files` (see [`CrateFiles`]) under `out`, creating folders as needed.
pub fn write_files(out: &Path, files: &[(String, String)]) -> Result<(), Error> {
    for (name, text) in files {
        let path = out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| Error::Write { path, source })?;
    }
    Ok(())
}
