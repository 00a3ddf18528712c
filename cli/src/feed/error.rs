//! Why a feed command failed: [`FeedError`].

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::string::FromUtf8Error;

use acp_specs::PinError;

use super::models::{SAMPLED_VERSION, TYPED_FEEDS};

/// Everything that stops `feed validate` or `feed sample` before it can report on a feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// A file could not be opened for reading.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Standard input could not be read.
    #[error("cannot read <stdin>: {source}")]
    ReadStdin {
        /// The OS error.
        source: io::Error,
    },
    /// A folder could not be listed.
    #[error("cannot list {}: {source}", path.display())]
    List {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A file could not be created.
    #[error("cannot create {}: {source}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// One of a command's outputs could not be written (its file, or stdout or stderr).
    #[error("cannot write {output}: {source}")]
    WriteOutput {
        /// Which output.
        output: Output,
        /// The OS error.
        source: io::Error,
    },
    /// A spec file is not UTF-8.
    #[error("{}: not UTF-8: {source}", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Where the text stops being UTF-8.
        source: FromUtf8Error,
    },
    /// The spec root could not be found (or is not one).
    #[error(transparent)]
    Specs(#[from] acp_specs::Error),
    /// A feed spec file does not match the pin file (and `--allow-unpinned` was not given).
    #[error("{}", pin_problem(file, source))]
    Pin {
        /// The file, relative to the spec root (`spec/<version>/json-schema/schema.feed.json`).
        file: String,
        /// How it differs from the pins.
        source: PinError,
    },
    /// A released version with no folder under the spec root and no compiled feed models.
    #[error(
        "spec version {version} has no folder under {} (found: {}); the compiled feed models \
         are those of {}",
        spec_dir.display(),
        found.join(", "),
        compiled_list()
    )]
    MissingVersion {
        /// The version asked for.
        version: String,
        /// The spec root's `spec/` folder.
        spec_dir: PathBuf,
        /// The version folders it has.
        found: Vec<String>,
    },
    /// A version that is neither released, nor compiled in, nor a folder under the spec root.
    #[error(
        "unknown spec version `{version}`: no folder {} (found: {}); the compiled feed models \
         are those of {}",
        dir.display(),
        found.join(", "),
        compiled_list()
    )]
    UnknownVersion {
        /// The version asked for.
        version: String,
        /// The folder it would have.
        dir: PathBuf,
        /// The version folders the spec root has.
        found: Vec<String>,
    },
    /// A version folder without feed spec files.
    #[error(
        "spec version {version} has no product feed ({} has no openapi/openapi.feed.yaml or \
         json-schema/schema.feed.json); the compiled feed models are those of {}",
        dir.display(),
        compiled_list()
    )]
    NoFeed {
        /// The version.
        version: String,
        /// Its folder.
        dir: PathBuf,
    },
    /// A version whose feed spec matches no compiled models and has no JSON Schema either.
    #[error(
        "the feed spec of {version} in {} matches no compiled models ({}) and has no \
         json-schema/schema.feed.json to validate against",
        dir.display(),
        compiled_list()
    )]
    NoFeedSchema {
        /// The version.
        version: String,
        /// Its folder.
        dir: PathBuf,
    },
    /// A feed JSON Schema file that is not JSON.
    #[error("{}: not JSON: {source}", path.display())]
    SchemaNotJson {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A feed JSON Schema without a definition the schema route needs.
    #[error("{} has no $defs/{name}", path.display())]
    SchemaMissingDef {
        /// The file.
        path: PathBuf,
        /// The definition (`Product`, `FeedMetadata`).
        name: &'static str,
    },
    /// A feed JSON Schema definition that `jsonschema` cannot compile.
    #[error("{}: $defs/{name} does not compile: {source}", path.display())]
    SchemaCompile {
        /// The file.
        path: PathBuf,
        /// The definition.
        name: &'static str,
        /// Why it does not compile.
        source: jsonschema::ValidationError<'static>,
    },
    /// A second feed JSON Schema for the schema route, which holds one per process.
    #[error(
        "the schema route already uses {}; one feed schema per process",
        installed.display()
    )]
    SchemaAlreadyInstalled {
        /// The schema in use.
        installed: PathBuf,
    },
    /// `feed sample` of a version read by other compiled models than the sampler's.
    #[error(
        "feed sample builds products with the generated models of {SAMPLED_VERSION}; the feed \
         of {version} is that of {models}, which has no sampler"
    )]
    SampleOtherModels {
        /// The version asked for.
        version: String,
        /// The compiled version whose models read its feed.
        models: &'static str,
    },
    /// `feed sample` of a version whose feed matches no compiled models.
    #[error(
        "feed sample builds products with generated models, and the feed spec of {version} \
         ({}) matches none compiled into this build ({})",
        schema.display(),
        compiled_list()
    )]
    SampleSchemaRoute {
        /// The version asked for.
        version: String,
        /// Its feed JSON Schema.
        schema: PathBuf,
    },
    /// `--fault-rate` outside 0 to 1.
    #[error("--fault-rate must be between 0 and 1, got {0}")]
    FaultRate(f64),
}

/// An output of a feed command that is not (only) a named file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `feed sample`'s products (`--out`, else stdout).
    Sample,
    /// `feed sample`'s list of injected faults (`--faults`, else stderr).
    FaultList,
    /// `feed validate`'s problems and summary (stdout).
    Report,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Output::Sample => "the sample",
            Output::FaultList => "the fault list",
            Output::Report => "the report",
        })
    }
}

/// A pin problem naming its file: only the unknown-version message lacks it.
fn pin_problem(file: &str, problem: &PinError) -> String {
    match problem {
        PinError::UnknownVersion { .. } => format!("{file}: {problem}"),
        other => other.to_string(),
    }
}

/// The versions named in messages: those compiled in with a feed.
fn compiled_list() -> String {
    let versions: Vec<&str> = TYPED_FEEDS.iter().map(|feed| feed.version).collect();
    versions.join(", ")
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn only_the_unknown_version_pin_problem_is_prefixed_with_its_file() {
        let file = "spec/2099-01-01/json-schema/schema.feed.json".to_string();
        let unknown = FeedError::Pin {
            file: file.clone(),
            source: PinError::UnknownVersion {
                version: "2099-01-01".into(),
            },
        };
        assert!(
            unknown.to_string().starts_with(&format!(
                "{file}: spec version 2099-01-01 is not in the pin file; "
            )),
            "{unknown}"
        );
        let mismatch = FeedError::Pin {
            file: file.clone(),
            source: PinError::Mismatch {
                file: file.clone(),
                expected: "aa".into(),
                actual: "bb".into(),
            },
        };
        assert!(
            mismatch.to_string().starts_with(&format!(
                "{file} does not match its pin (expected sha256 aa, found bb); "
            )),
            "{mismatch}"
        );
        assert!(mismatch.source().unwrap().is::<PinError>());
    }

    #[test]
    fn outputs_and_flags_are_named_as_before() {
        let broken = || io::Error::new(io::ErrorKind::BrokenPipe, "pipe closed");
        for (error, expected) in [
            (
                FeedError::WriteOutput {
                    output: Output::FaultList,
                    source: broken(),
                },
                "cannot write the fault list: pipe closed",
            ),
            (
                FeedError::WriteOutput {
                    output: Output::Report,
                    source: broken(),
                },
                "cannot write the report: pipe closed",
            ),
            (
                FeedError::ReadStdin { source: broken() },
                "cannot read <stdin>: pipe closed",
            ),
            (
                FeedError::FaultRate(1.5),
                "--fault-rate must be between 0 and 1, got 1.5",
            ),
        ] {
            assert_eq!(error.to_string(), expected);
        }
    }

    #[test]
    fn a_sample_of_other_models_names_both_versions() {
        let error = FeedError::SampleOtherModels {
            version: "2099-01-01".into(),
            models: "2098-01-01",
        };
        assert_eq!(
            error.to_string(),
            format!(
                "feed sample builds products with the generated models of {SAMPLED_VERSION}; \
                 the feed of 2099-01-01 is that of 2098-01-01, which has no sampler"
            )
        );
    }
}
