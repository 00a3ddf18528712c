//! Which models read a version's feed: the generated (typed) models of a compiled version whose
//! feed spec files are byte for byte the version's, or else the version's own feed JSON Schema.
//!
//! A version is resolved from its folder under the spec root (`--spec-root`, `ACP_SPEC_ROOT`,
//! `../shared/acp-spec`, as for the other commands): its feed spec files
//! (`openapi/openapi.feed.yaml`, `json-schema/schema.feed.json`) are read, pin-checked like
//! `generate` does (an unpinned or changed file is an error unless `--allow-unpinned`, then a
//! warning), hashed, and compared with the `SPEC_HASHES` compiled into each version of the `acp`
//! crate. So a new version folder whose feed did not change is validated by the fast typed
//! models with no code change, and one whose feed changed by its JSON Schema. A compiled
//! version without a folder in the spec root (or with no spec root found by default) is read
//! with its compiled models: they are what its pinned files gave.
//!
//! The compiled versions with a feed are listed once, in [`TYPED_FEEDS`].

use std::io::Write;
use std::path::{Path, PathBuf};

use acp_runtime::versions::{self, Api};

use super::validate::{self, Request, Verdict};
use super::FeedError;

/// Validates a feed with one compiled version's generated models.
pub type TypedValidate = fn(&Request, &Route, &mut dyn Write) -> Result<Verdict, FeedError>;

/// A compiled version of the `acp` crate that has a `feed` module.
#[derive(Debug)]
pub struct TypedFeed {
    /// Its `API-Version` (`2026-04-17`).
    pub version: &'static str,
    /// The spec files its code was generated from, with their hashes (`acp::vX::SPEC_HASHES`).
    pub spec_hashes: &'static [(&'static str, &'static str)],
    /// `feed validate` with its `borrowed::Product` and `FeedMetadata`.
    pub validate: TypedValidate,
}

impl TypedFeed {
    /// Its feed spec files: (path inside the version folder, hash), sorted.
    pub fn feed_files(&self) -> Vec<(String, String)> {
        let prefix = format!("spec/{}/", self.version);
        let mut files: Vec<(String, String)> = self
            .spec_hashes
            .iter()
            .filter_map(|(path, hash)| {
                let inside = path.strip_prefix(&prefix)?;
                is_feed_file(inside).then(|| (inside.to_string(), hash.to_string()))
            })
            .collect();
        files.sort();
        files
    }
}

/// One [`TypedFeed`] per compiled version module named, each validating with that module's
/// `feed::borrowed::Product` and `feed::FeedMetadata`.
macro_rules! typed_feeds {
    ($($module:ident),+ $(,)?) => {
        /// The compiled versions with a feed, newest first.
        pub static TYPED_FEEDS: &[TypedFeed] = &[$(TypedFeed {
            version: acp::$module::API_VERSION,
            spec_hashes: acp::$module::SPEC_HASHES,
            validate: |request, route, out| {
                validate::run_with::<
                    acp::$module::feed::borrowed::Product,
                    acp::$module::feed::FeedMetadata,
                >(request, route, out)
            },
        }),+];
    };
}

// Every version module of the `acp` build (features of `acp` in cli/Cargo.toml) that has a
// `feed`; a test checks this against `acp::SUPPORTED_VERSIONS` and the version table.
typed_feeds!(v2026_04_17);

/// The models `feed sample` builds its products with (the sampler's code is written against
/// them), and their version.
pub use acp::v2026_04_17::feed as sampled;
/// The version of [`sampled`].
pub const SAMPLED_VERSION: &str = acp::v2026_04_17::API_VERSION;

/// The compiled feed of `version`, by name.
pub fn typed(version: &str) -> Option<&'static TypedFeed> {
    TYPED_FEEDS.iter().find(|feed| feed.version == version)
}

/// Where a version's feed spec comes from and how to look it up.
#[derive(Debug, Clone, Default)]
pub struct SpecSource {
    /// `--spec-root` (or `ACP_SPEC_ROOT`, which clap reads into it).
    pub spec_root: Option<PathBuf>,
    /// Accept feed spec files that are not pinned (with a warning).
    pub allow_unpinned: bool,
}

/// How a version's feed is read.
#[derive(Debug)]
pub enum Route {
    /// With the generated models of `feed.version`, whose feed spec files are the version's
    /// (`from` is where those were read, `None` for the compiled-in spec).
    Typed {
        /// The compiled version.
        feed: &'static TypedFeed,
        /// The feed spec files compared, when they were read from a spec root.
        from: Option<PathBuf>,
    },
    /// With the `Product` and `FeedMetadata` definitions of the version's feed JSON Schema.
    Schema {
        /// The JSON Schema file.
        path: PathBuf,
        /// Its text.
        text: String,
    },
}

impl Route {
    /// The route in words, for the summary.
    pub fn describe(&self) -> String {
        match self {
            Route::Typed { feed, from: None } => {
                format!("typed (generated models of {}, compiled in)", feed.version)
            }
            Route::Typed {
                feed,
                from: Some(dir),
            } => format!(
                "typed (generated models of {}; the feed spec in {} is the same)",
                feed.version,
                dir.display()
            ),
            Route::Schema { path, .. } => format!(
                "schema (JSON Schema {}; its feed spec matches no compiled models)",
                path.display()
            ),
        }
    }

    /// `typed` or `schema`.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Typed { .. } => "typed",
            Route::Schema { .. } => "schema",
        }
    }
}

/// Checks that `route`, the resolved feed of `version`, is one `feed sample` can write: the
/// sampler builds products with the generated types of [`SAMPLED_VERSION`], so the version's
/// feed spec must be that version's.
pub fn sampled_route(version: &str, route: &Route) -> Result<(), FeedError> {
    match route {
        Route::Typed { feed, .. } if feed.version == SAMPLED_VERSION => Ok(()),
        Route::Typed { feed, .. } => Err(FeedError::SampleOtherModels {
            version: version.to_string(),
            models: feed.version,
        }),
        Route::Schema { path, .. } => Err(FeedError::SampleSchemaRoute {
            version: version.to_string(),
            schema: path.clone(),
        }),
    }
}

/// Whether `inside` (a path inside a version folder) is a file of the `feed` spec, named as the
/// generator's loader files specs.
pub fn is_feed_file(inside: &str) -> bool {
    let name = Api::Feed.spec_name();
    let Some((folder, file)) = inside.split_once('/') else {
        return false;
    };
    let (prefix, suffixes): (&str, &[&str]) = match folder {
        "openapi" => ("openapi.", &[".yaml", ".yml", ".json"]),
        "json-schema" => ("schema.", &[".json"]),
        "openrpc" => ("openrpc.", &[".json"]),
        _ => return false,
    };
    file.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix(name))
        .is_some_and(|suffix| suffixes.contains(&suffix))
}

/// Decides how `version`'s feed is read (see the module doc). Warnings (unpinned files, when
/// `--allow-unpinned` accepts them) go to `warn`.
pub fn resolve(
    version: &str,
    source: &SpecSource,
    warn: &mut dyn FnMut(FeedError),
) -> Result<Route, FeedError> {
    let root = match acp_specs::resolve_spec_root(source.spec_root.as_deref()) {
        Ok(root) => root,
        // Only the default location was tried: a compiled version needs no spec files.
        Err(_) if source.spec_root.is_none() && typed(version).is_some() => {
            return Ok(Route::Typed {
                feed: typed(version).expect("checked"),
                from: None,
            });
        }
        Err(error) => return Err(error.into()),
    };
    let dir = root.join("spec").join(version);
    if !dir.is_dir() {
        if let Some(feed) = typed(version) {
            return Ok(Route::Typed { feed, from: None });
        }
        let found = acp_specs::spec_versions(&root).unwrap_or_default();
        return Err(if versions::released(version).is_some() {
            FeedError::MissingVersion {
                version: version.to_string(),
                spec_dir: root.join("spec"),
                found,
            }
        } else {
            FeedError::UnknownVersion {
                version: version.to_string(),
                dir,
                found,
            }
        });
    }
    let files = read_feed_files(&root, version, &dir)?;
    if files.is_empty() {
        return Err(FeedError::NoFeed {
            version: version.to_string(),
            dir,
        });
    }
    let pins = acp_specs::Pins::embedded();
    for file in &files {
        let rel = format!("spec/{version}/{}", file.inside);
        if let Err(problem) = pins.check_hash(version, &rel, &file.hash) {
            let problem = FeedError::Pin {
                file: rel,
                source: problem,
            };
            if !source.allow_unpinned {
                return Err(problem);
            }
            warn(problem);
        }
    }
    let hashes: Vec<(String, String)> = files
        .iter()
        .map(|file| (file.inside.clone(), file.hash.clone()))
        .collect();
    // The version's own models first, should two compiled versions share a feed.
    let same_name = TYPED_FEEDS.iter().filter(|feed| feed.version == version);
    let others = TYPED_FEEDS.iter().filter(|feed| feed.version != version);
    if let Some(feed) = same_name
        .chain(others)
        .find(|feed| feed.feed_files() == hashes)
    {
        return Ok(Route::Typed {
            feed,
            from: Some(dir),
        });
    }
    let Some(schema) = files
        .into_iter()
        .find(|f| f.inside.starts_with("json-schema/"))
    else {
        return Err(FeedError::NoFeedSchema {
            version: version.to_string(),
            dir,
        });
    };
    let text = String::from_utf8(schema.bytes).map_err(|source| FeedError::NotUtf8 {
        path: schema.path.clone(),
        source,
    })?;
    Ok(Route::Schema {
        path: schema.path,
        text,
    })
}

/// One feed spec file as read.
struct FeedFile {
    /// Path inside the version folder (`json-schema/schema.feed.json`).
    inside: String,
    path: PathBuf,
    bytes: Vec<u8>,
    hash: String,
}

/// The feed spec files of a version folder, sorted by path.
fn read_feed_files(root: &Path, version: &str, dir: &Path) -> Result<Vec<FeedFile>, FeedError> {
    let mut files = Vec::new();
    for folder in ["json-schema", "openapi", "openrpc"] {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(|source| FeedError::List {
                path: dir.to_path_buf(),
                source,
            })?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let inside = format!("{folder}/{name}");
            if !is_feed_file(&inside) {
                continue;
            }
            let path = root.join("spec").join(version).join(&inside);
            let bytes = std::fs::read(&path).map_err(|source| FeedError::Read {
                path: path.clone(),
                source,
            })?;
            let hash = acp_specs::sha256_hex(&bytes);
            files.push(FeedFile {
                inside,
                path,
                bytes,
                hash,
            });
        }
    }
    files.sort_by(|a, b| a.inside.cmp(&b.inside));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_feeds_are_the_compiled_versions_that_have_a_feed() {
        let expected: Vec<&str> = acp::SUPPORTED_VERSIONS
            .iter()
            .copied()
            .filter(|version| versions::facts(version).is_some_and(|f| f.has(Api::Feed)))
            .collect();
        let listed: Vec<&str> = TYPED_FEEDS.iter().map(|feed| feed.version).collect();
        assert_eq!(listed, expected);
        assert!(typed(SAMPLED_VERSION).is_some());
        for feed in TYPED_FEEDS {
            let files = feed.feed_files();
            assert!(
                files
                    .iter()
                    .any(|(path, _)| path == "json-schema/schema.feed.json"),
                "{}: {files:?}",
                feed.version
            );
        }
    }

    #[test]
    fn feed_files_are_named_as_the_loader_names_specs() {
        for inside in [
            "openapi/openapi.feed.yaml",
            "openapi/openapi.feed.json",
            "json-schema/schema.feed.json",
            "openrpc/openrpc.feed.json",
        ] {
            assert!(is_feed_file(inside), "{inside}");
        }
        for inside in [
            "openapi/openapi.feeds.yaml",
            "json-schema/schema.feed.yaml",
            "json-schema/schema.agentic_checkout.json",
            "examples/schema.feed.json",
            "schema.feed.json",
        ] {
            assert!(!is_feed_file(inside), "{inside}");
        }
    }
}
