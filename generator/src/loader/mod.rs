//! Finding, reading and pin-checking the files of one version, and resolving `$ref`s between
//! them.

mod refs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use acp_specs::Pins;

use crate::diagnostics::{Code, Diagnostics};
use crate::source::{SourceError, SourceFile};

pub use refs::{RefError, Target};

/// How files are found and trusted.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Folder holding `spec/<version>/...`.
    pub spec_root: PathBuf,
    /// Expected hashes; `None` skips the check entirely (fixtures in tests).
    pub pins: Option<Pins>,
    /// Downgrade hash mismatches and unpinned files to warnings.
    pub allow_unpinned: bool,
}

/// The files of one spec (`agentic_checkout`): its OpenAPI document and its JSON Schema bundle.
#[derive(Debug, Clone)]
pub struct SpecFiles {
    /// Name as in the file names (`agentic_checkout`).
    pub name: String,
    /// Index of `openapi/openapi.<name>.yaml` in [`SpecSet::files`].
    pub openapi: Option<usize>,
    /// Index of `json-schema/schema.<name>.json` in [`SpecSet::files`].
    pub json_schema: Option<usize>,
    /// Index of `openrpc/openrpc.<name>.json` (the MCP binding) in [`SpecSet::files`]. It is
    /// filed as its own spec, `<name>_mcp`.
    pub openrpc: Option<usize>,
}

/// All files of one version, parsed.
#[derive(Debug, Clone)]
pub struct SpecSet {
    /// The version.
    pub version: String,
    /// Parsed files.
    pub files: Vec<SourceFile>,
    /// The specs, sorted by name.
    pub specs: Vec<SpecFiles>,
    /// Warnings from loading (unpinned files when allowed).
    pub diagnostics: Diagnostics,
    /// Lowercase hex SHA-256 of each file's bytes as read, parallel to `files`.
    hashes: Vec<String>,
    by_path: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

/// Why a version could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The spec root has no `spec/` folder at all.
    #[error("{root} has no spec/ folder, so it is not a spec root (one holds spec/<version>/openapi/openapi.<name>.yaml and spec/<version>/json-schema/schema.<name>.json)")]
    NoSpecFolder {
        /// The spec root.
        root: String,
    },
    /// The version folder does not exist.
    #[error("no version `{version}` under {root}/spec (found: {})", available.join(", "))]
    UnknownVersion {
        /// Asked for.
        version: String,
        /// The spec root.
        root: String,
        /// What exists.
        available: Vec<String>,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is not valid YAML/JSON.
    #[error(transparent)]
    Syntax(#[from] SourceError),
    /// A file's content is not the pinned one.
    #[error(transparent)]
    Pin(#[from] acp_specs::PinError),
}

impl SpecSet {
    /// Loads every OpenAPI and JSON Schema file of `version`.
    pub fn load(options: &LoadOptions, version: &str) -> Result<SpecSet, LoadError> {
        let version_dir = options.spec_root.join("spec").join(version);
        if !options.spec_root.join("spec").is_dir() {
            return Err(LoadError::NoSpecFolder {
                root: options.spec_root.display().to_string(),
            });
        }
        if !version_dir.is_dir() {
            return Err(LoadError::UnknownVersion {
                version: version.to_string(),
                root: options.spec_root.display().to_string(),
                available: acp_specs::spec_versions(&options.spec_root).unwrap_or_default(),
            });
        }
        let mut set = SpecSet::empty(version);
        for (folder, prefix, suffixes) in [
            ("openapi", "openapi.", &[".yaml", ".yml", ".json"][..]),
            ("json-schema", "schema.", &[".json"][..]),
            ("openrpc", "openrpc.", &[".json"][..]),
        ] {
            for name in sorted_file_names(&version_dir.join(folder))? {
                let rest = name.strip_prefix(prefix).unwrap_or_default();
                if rest.is_empty() || !suffixes.iter().any(|s| rest.ends_with(s)) {
                    continue;
                }
                let index =
                    set.read(options, version, &format!("spec/{version}/{folder}/{name}"))?;
                set.add_to_spec(index);
            }
        }
        Ok(set)
    }

    /// Builds a set from in-memory documents (for tests and the proc macros' fixtures).
    pub fn from_sources(version: &str, sources: &[(&str, &str)]) -> Result<SpecSet, LoadError> {
        let mut set = SpecSet::empty(version);
        for (path, text) in sources {
            let hash = acp_specs::sha256_hex(text.as_bytes());
            let index = set.insert(SourceFile::parse(path, text)?, hash);
            set.add_to_spec(index);
        }
        Ok(set)
    }

    fn empty(version: &str) -> SpecSet {
        SpecSet {
            version: version.to_string(),
            files: Vec::new(),
            specs: Vec::new(),
            diagnostics: Diagnostics::default(),
            hashes: Vec::new(),
            by_path: HashMap::new(),
            by_id: HashMap::new(),
        }
    }

    /// Files the spec's file-naming scheme (`openapi.<spec>.yaml`, `schema.<spec>.json`) under
    /// their spec; other files (referenced documents) belong to none.
    fn add_to_spec(&mut self, index: usize) {
        enum Kind {
            OpenApi,
            JsonSchema,
            OpenRpc,
        }
        let path = &self.files[index].path;
        let file_name = path.rsplit('/').next().unwrap_or(path);
        let strip = |name: &str| {
            let name = name.trim_end_matches(".yaml").trim_end_matches(".yml");
            name.trim_end_matches(".json").to_string()
        };
        let (spec, kind) = if let Some(rest) = file_name.strip_prefix("openapi.") {
            (strip(rest), Kind::OpenApi)
        } else if let Some(rest) = file_name.strip_prefix("schema.") {
            (strip(rest), Kind::JsonSchema)
        } else if let Some(rest) = file_name.strip_prefix("openrpc.") {
            (format!("{}_mcp", strip(rest)), Kind::OpenRpc)
        } else {
            return;
        };
        let position = match self.specs.binary_search_by(|s| s.name.cmp(&spec)) {
            Ok(found) => found,
            Err(slot) => {
                let files = SpecFiles {
                    name: spec,
                    openapi: None,
                    json_schema: None,
                    openrpc: None,
                };
                self.specs.insert(slot, files);
                slot
            }
        };
        let entry = &mut self.specs[position];
        match kind {
            Kind::OpenApi => entry.openapi = Some(index),
            Kind::JsonSchema => entry.json_schema = Some(index),
            Kind::OpenRpc => entry.openrpc = Some(index),
        }
    }

    fn read(
        &mut self,
        options: &LoadOptions,
        version: &str,
        rel: &str,
    ) -> Result<usize, LoadError> {
        let path = options.spec_root.join(rel);
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        // One hash of the bytes read, for the pin check and for the generated `SPEC_HASHES`.
        let hash = acp_specs::sha256_hex(&bytes);
        if let Some(pins) = &options.pins {
            if let Err(problem) = pins.check_hash(version, rel, &hash) {
                if !options.allow_unpinned {
                    return Err(problem.into());
                }
                let location = crate::diagnostics::Location {
                    file: rel.to_string(),
                    pointer: String::new(),
                    line_col: None,
                };
                self.diagnostics
                    .warn(Code::Unpinned, location, problem.to_string());
            }
        }
        let text = String::from_utf8(bytes).map_err(|e| SourceError {
            path: rel.to_string(),
            line_col: None,
            message: format!("not UTF-8: {e}"),
        })?;
        Ok(self.insert(SourceFile::parse(rel, &text)?, hash))
    }

    fn insert(&mut self, file: SourceFile, hash: String) -> usize {
        let index = self.files.len();
        if let Some(id) = file.value.get("$id").and_then(|v| v.as_str()) {
            self.by_id
                .insert(id.trim_end_matches('#').to_string(), index);
        }
        self.by_path.insert(file.path.clone(), index);
        self.files.push(file);
        self.hashes.push(hash);
        index
    }

    /// `(path relative to the spec root, lowercase hex SHA-256)` of every file of the set,
    /// hashed from the bytes that were read (and pin-checked), sorted by path.
    pub fn file_hashes(&self) -> Vec<(String, String)> {
        let mut hashes: Vec<(String, String)> = self
            .files
            .iter()
            .zip(&self.hashes)
            .map(|(file, hash)| (file.path.clone(), hash.clone()))
            .collect();
        hashes.sort();
        hashes
    }

    /// The index of a file by its path relative to the spec root.
    pub fn file_index(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }
}

fn sorted_file_names(dir: &Path) -> Result<Vec<String>, LoadError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let io = |source| LoadError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}
