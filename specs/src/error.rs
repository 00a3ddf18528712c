//! Error types.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong while loading pins, locating, pinning or syncing spec files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A filesystem operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done (`"read"`, `"write"`, `"create directory"`, ...).
        op: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },

    /// A pin file is not valid TOML or does not have the expected shape.
    #[error("invalid pin file{}: {message}", origin_suffix(.path.as_deref()))]
    InvalidPins {
        /// The file the text came from, if it came from a file.
        path: Option<PathBuf>,
        /// What is wrong (for syntax errors, toml's message with line and column).
        message: String,
    },

    /// A directory that should be a spec root has no `spec/` directory.
    #[error("{} is not an ACP spec root: it has no spec/ directory", root.display())]
    MissingSpecDir {
        /// The supposed spec root.
        root: PathBuf,
    },

    /// No usable spec root was found by [`resolve_spec_root`](crate::resolve_spec_root).
    #[error("{}", spec_root_not_found(.tried))]
    SpecRootNotFound {
        /// Every location that was considered, in order.
        tried: Vec<RootCandidate>,
    },

    /// A path cannot be recorded in a pin file (not UTF-8) or cannot be walked
    /// (symbolic link to a directory, socket, ...).
    #[error("unsupported file {}: {reason}", path.display())]
    UnsupportedPath {
        /// The offending path.
        path: PathBuf,
        /// Why it is not supported.
        reason: &'static str,
    },

    /// The `git` binary could not be started.
    #[error("cannot run git (is it installed and on PATH?): {source}")]
    GitSpawn {
        /// The underlying error.
        source: io::Error,
    },

    /// A git command exited unsuccessfully.
    #[error("`{command}` failed ({status}): {}", stderr.trim())]
    Git {
        /// The command line that was run.
        command: String,
        /// Its exit status.
        status: String,
        /// What git printed on stderr.
        stderr: String,
    },

    /// The `from` argument of [`sync`](crate::sync) cannot be used as a source.
    #[error("cannot sync from {from}: {reason}")]
    BadSyncSource {
        /// The source as given (a directory, path or URL).
        from: String,
        /// Why it cannot be used.
        reason: String,
    },

    /// The source of [`sync`](crate::sync) holds a symbolic link where spec files are copied
    /// from. Links are refused, not followed: one could point anywhere on this machine (outside
    /// the source), and its target's content would end up in the spec root.
    #[error(
        "cannot sync from {from}: {} is a symbolic link; sync copies only regular files and \
         directories, so replace the link with what it points to",
        path.display()
    )]
    SymlinkInSource {
        /// The source as given (a directory, path or URL).
        from: String,
        /// The link, relative to the source's root.
        path: PathBuf,
    },
}

impl Error {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

fn origin_suffix(path: Option<&Path>) -> String {
    path.map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

fn spec_root_not_found(tried: &[RootCandidate]) -> String {
    let mut msg = String::from("cannot find the ACP spec files (a directory containing spec/):");
    for c in tried {
        msg.push_str(&format!("\n  {c}"));
    }
    msg.push_str(&format!(
        "\npass --spec-root <dir>, set {}=<dir>, or fetch the files with \
         `acp-codegen specs sync --from <checkout or git URL> --to <dir>`",
        crate::SPEC_ROOT_ENV
    ));
    msg
}

/// One location considered while resolving the spec root, for error reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootCandidate {
    /// Where the location came from (`"--spec-root"`, `"ACP_SPEC_ROOT"`, `"default"`).
    pub source: &'static str,
    /// The path, or `None` when that source was not set.
    pub path: Option<PathBuf>,
    /// Why it was rejected (`"not set"`, `"does not exist"`, `"has no spec/ directory"`).
    pub problem: &'static str,
}

impl fmt::Display for RootCandidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {} ({})", self.source, p.display(), self.problem),
            None => write!(f, "{}: {}", self.source, self.problem),
        }
    }
}

/// A spec file whose bytes do not match the pin file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// The file is pinned but its content hash differs.
    #[error(
        "{file} does not match its pin (expected sha256 {expected}, found {actual}); \
         if the change is intended re-run `acp-codegen specs pin`, \
         or pass `--allow-unpinned` to use it anyway"
    )]
    Mismatch {
        /// Path relative to the spec root, `/`-separated.
        file: String,
        /// The pinned hash.
        expected: String,
        /// The hash of the bytes that were read.
        actual: String,
    },

    /// The version is pinned but this file is not.
    #[error(
        "{file} is not in the pin file; re-run `acp-codegen specs pin` to pin it, \
         or pass `--allow-unpinned` to use it anyway"
    )]
    Unpinned {
        /// Path relative to the spec root, `/`-separated.
        file: String,
    },

    /// The version has no entry in the pin file at all.
    #[error(
        "spec version {version} is not in the pin file; re-run `acp-codegen specs pin` to pin it, \
         or pass `--allow-unpinned` to use it anyway"
    )]
    UnknownVersion {
        /// The version folder name.
        version: String,
    },
}
