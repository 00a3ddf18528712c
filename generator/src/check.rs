//! `acp-codegen check --out DIR`: a drift check for CI. Reads `DIR/acp-codegen.toml` (see
//! [`crate::manifest`]), regenerates the same crate in memory and compares every file byte for
//! byte, and the recorded generator version and spec-file hashes with the current ones. Never
//! writes to `DIR`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::manifest::{Manifest, ManifestError, MANIFEST_FILE};
use crate::{CrateFiles, Error, Generator};

/// What differs between a generated crate and a fresh generation from its manifest.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The checked folder.
    pub dir: PathBuf,
    /// The manifest as recorded in the folder.
    pub manifest: Manifest,
    /// Files compared (the manifest not counted).
    pub compared: usize,
    /// Generated files that are missing or differ.
    pub files: Vec<FileDrift>,
    /// `(recorded, current)` when the recorded generator version is not this one.
    pub generator_version: Option<(String, String)>,
    /// Spec files whose hash is not the recorded one (or that were added or removed).
    pub spec_changes: Vec<SpecChange>,
}

/// One generated file that is not what the generator produces now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileDrift {
    /// Not in the folder.
    Missing {
        /// Path relative to the folder.
        path: String,
    },
    /// Different content.
    Differs {
        /// Path relative to the folder.
        path: String,
        /// 1-based line of the first difference.
        line: usize,
    },
    /// In the folder but not generated: added by hand, or stale (a module left behind after
    /// its spec was removed looks the same).
    Extra {
        /// Path relative to the folder.
        path: String,
    },
    /// Present but cannot be read (a folder, no permission).
    Unreadable {
        /// Path relative to the folder.
        path: String,
        /// The OS error.
        message: String,
    },
}

impl FileDrift {
    /// The file, relative to the checked folder.
    pub fn path(&self) -> &str {
        match self {
            FileDrift::Missing { path }
            | FileDrift::Extra { path }
            | FileDrift::Differs { path, .. }
            | FileDrift::Unreadable { path, .. } => path,
        }
    }

    /// What is wrong with the file, without its name.
    pub fn problem(&self) -> String {
        match self {
            FileDrift::Missing { .. } => "missing".into(),
            FileDrift::Extra { .. } => "not generated: added to the folder, or stale (left \
                                        behind by an earlier generation); remove it"
                .into(),
            FileDrift::Differs { line, .. } => {
                format!("differs from a fresh generation (first difference at line {line})")
            }
            FileDrift::Unreadable { message, .. } => format!("cannot be read: {message}"),
        }
    }
}

impl fmt::Display for FileDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.problem())
    }
}

/// A spec file whose recorded hash is not its current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecChange {
    /// Path relative to the spec root.
    pub path: String,
    /// The hash in the manifest (`None`: the file is read now but was not then).
    pub recorded: Option<String>,
    /// The hash of the file now (`None`: no longer read).
    pub current: Option<String>,
}

impl fmt::Display for SpecChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |hash: &str| hash.chars().take(12).collect::<String>();
        match (&self.recorded, &self.current) {
            (Some(recorded), Some(current)) => write!(
                f,
                "spec file changed since generation: {} (sha256 {} recorded, {} now)",
                self.path,
                short(recorded),
                short(current)
            ),
            (None, _) => write!(f, "spec file not read at generation: {}", self.path),
            (_, None) => write!(f, "spec file no longer read: {}", self.path),
        }
    }
}

impl CheckReport {
    /// Nothing differs.
    pub fn up_to_date(&self) -> bool {
        self.files.is_empty() && self.generator_version.is_none() && self.spec_changes.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = self.dir.display();
        if self.up_to_date() {
            return writeln!(
                f,
                "{dir} is up to date: its {} generated file(s) are what acp-codegen {} makes \
                 from the current spec files",
                self.compared, self.manifest.generator_version
            );
        }
        for drift in &self.files {
            let path = self.dir.join(drift.path());
            writeln!(f, "{}: {}", path.display(), drift.problem())?;
        }
        if let Some((recorded, current)) = &self.generator_version {
            writeln!(
                f,
                "generator version differs: {dir} was generated by acp-codegen {recorded}, this \
                 is acp-codegen {current}"
            )?;
        }
        for change in &self.spec_changes {
            writeln!(f, "{change}")?;
        }
        writeln!(
            f,
            "{dir} is out of date ({} of {} file(s) differ); regenerate with `{}`",
            self.files.len(),
            self.compared,
            self.manifest.generate_command(&self.dir)
        )
    }
}

/// Why the check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The folder has no manifest.
    #[error(
        "{} has no {MANIFEST_FILE}: it was not written by `acp-codegen generate --out` (or \
         the manifest was deleted), so there is nothing to check against",
        .dir.display()
    )]
    NoManifest {
        /// The folder.
        dir: PathBuf,
    },
    /// The manifest is malformed.
    #[error("malformed manifest {0}")]
    Manifest(#[from] ManifestError),
    /// The folder holds a conformance test crate, and no way to build one was given (see
    /// [`ConformanceFiles`]).
    #[error("{dir} holds a conformance test crate: check it with the acp-codegen command line")]
    ConformanceCrate {
        /// The folder.
        dir: PathBuf,
    },
    /// Regenerating failed (spec files missing or not matching the pins, ...).
    #[error("cannot regenerate the crate: {0}")]
    Generate(#[from] Error),
}

/// Builds the files of a conformance test crate from its manifest: the conformance suite lives
/// in its own crate (`acp_conformance::test_crate::regenerate`), which hands this to [`check`].
pub type ConformanceFiles = fn(&Generator, &Manifest) -> Result<CrateFiles, Error>;

/// Checks the crate in `dir` against what `generator` (its spec root and pin settings; the
/// other settings come from the manifest) generates now. A conformance test crate is rebuilt
/// with `conformance`; without it such a crate is [`CheckError::ConformanceCrate`].
pub fn check(
    generator: &Generator,
    dir: &Path,
    conformance: Option<ConformanceFiles>,
) -> Result<CheckReport, CheckError> {
    let recorded = Manifest::load(dir)?.ok_or_else(|| CheckError::NoManifest {
        dir: dir.to_path_buf(),
    })?;
    let files = if recorded.conformance {
        let conformance = conformance.ok_or_else(|| CheckError::ConformanceCrate {
            dir: dir.to_path_buf(),
        })?;
        conformance(generator, &recorded)?
    } else {
        regenerate(generator, &recorded)?
    };
    let mut current = None;
    let mut compared = 0;
    let mut drift = Vec::new();
    for (path, expected) in &files {
        if path == MANIFEST_FILE {
            // Generated by this very code, so it parses.
            current = Manifest::parse(expected, Path::new(MANIFEST_FILE)).ok();
            continue;
        }
        compared += 1;
        if let Some(found) = compare_file(dir, path, expected.as_bytes()) {
            drift.push(found);
        }
    }
    let generated: std::collections::HashSet<&str> =
        files.iter().map(|(path, _)| path.as_str()).collect();
    let mut found = Vec::new();
    files_in(dir, "", &mut found);
    for path in found {
        if !generated.contains(path.as_str()) {
            drift.push(FileDrift::Extra { path });
        }
    }
    let current = current.expect("the generated files include the manifest");
    let generator_version = (recorded.generator_version != current.generator_version).then(|| {
        (
            recorded.generator_version.clone(),
            current.generator_version.clone(),
        )
    });
    let mut spec_changes = Vec::new();
    let paths: std::collections::BTreeSet<&String> = recorded
        .spec_hashes
        .keys()
        .chain(current.spec_hashes.keys())
        .collect();
    for path in paths {
        let (was, now) = (
            recorded.spec_hashes.get(path),
            current.spec_hashes.get(path),
        );
        if was != now {
            spec_changes.push(SpecChange {
                path: path.clone(),
                recorded: was.cloned(),
                current: now.cloned(),
            });
        }
    }
    Ok(CheckReport {
        dir: dir.to_path_buf(),
        manifest: recorded,
        compared,
        files: drift,
        generator_version,
        spec_changes,
    })
}

/// The model crate's files as generated now from the manifest's settings.
fn regenerate(generator: &Generator, manifest: &Manifest) -> Result<CrateFiles, Error> {
    let (files, _diagnostics) = generator
        .clone()
        .tolerant(manifest.tolerant)
        .server(manifest.server)
        .client(manifest.client)
        .borrowed(manifest.borrowed)
        .specs(manifest.specs.clone())
        .crate_files(&manifest.versions, &manifest.crate_name, &manifest.runtime)?;
    Ok(files)
}

/// The files under `dir` (relative paths with `/`), leaving out what building or version
/// control put there: `target/`, `Cargo.lock` and hidden entries. Links are listed, not
/// followed.
fn files_in(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let top = prefix.is_empty();
        if name.starts_with('.') || (top && (name == "target" || name == "Cargo.lock")) {
            continue;
        }
        let path = format!("{prefix}{name}");
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => files_in(&entry.path(), &format!("{path}/"), out),
            _ => out.push(path),
        }
    }
}

fn compare_file(dir: &Path, path: &str, expected: &[u8]) -> Option<FileDrift> {
    let full = dir.join(path);
    if !full.exists() {
        return Some(FileDrift::Missing {
            path: path.to_string(),
        });
    }
    match std::fs::read(&full) {
        Ok(actual) if actual == expected => None,
        Ok(actual) => Some(FileDrift::Differs {
            path: path.to_string(),
            line: first_difference_line(expected, &actual),
        }),
        Err(error) => Some(FileDrift::Unreadable {
            path: path.to_string(),
            message: error.to_string(),
        }),
    }
}

/// 1-based line (of `expected`) holding the first byte where the two differ; one past the
/// last line when one is a prefix of the other.
fn first_difference_line(expected: &[u8], actual: &[u8]) -> usize {
    let common = expected
        .iter()
        .zip(actual)
        .take_while(|(a, b)| a == b)
        .count();
    expected[..common].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuntimeSource;

    fn conformance_manifest() -> Manifest {
        Manifest {
            generator_version: env!("CARGO_PKG_VERSION").into(),
            crate_name: "shop-conformance".into(),
            conformance: true,
            versions: vec!["2026-04-17".into()],
            specs: Vec::new(),
            tolerant: false,
            server: false,
            client: false,
            borrowed: false,
            spec_root: None,
            allow_unpinned: false,
            runtime: RuntimeSource::Path("/nowhere".into()),
            spec_hashes: Default::default(),
        }
    }

    #[test]
    fn a_conformance_crate_needs_the_suites_builder() {
        let dir = tempfile::tempdir().unwrap();
        let text = conformance_manifest().to_toml();
        std::fs::write(dir.path().join(MANIFEST_FILE), &text).unwrap();
        let generator = Generator::new(dir.path()).pins(None);
        match check(&generator, dir.path(), None) {
            Err(CheckError::ConformanceCrate { dir: named }) => assert_eq!(named, dir.path()),
            other => panic!("expected ConformanceCrate, got {other:?}"),
        }
        // With a builder, its files are what the crate is compared with.
        let built: ConformanceFiles = |_, manifest| {
            Ok(vec![
                (
                    "README.md".to_string(),
                    format!("# {}\n", manifest.crate_name),
                ),
                (MANIFEST_FILE.to_string(), conformance_manifest().to_toml()),
            ])
        };
        let report = check(&generator, dir.path(), Some(built)).unwrap();
        assert_eq!(report.compared, 1);
        assert_eq!(
            report.files.len(),
            1,
            "README.md is missing: {:?}",
            report.files
        );
        std::fs::write(dir.path().join("README.md"), "# shop-conformance\n").unwrap();
        assert!(check(&generator, dir.path(), Some(built))
            .unwrap()
            .up_to_date());
    }

    #[test]
    fn first_difference_line_numbers() {
        assert_eq!(first_difference_line(b"a\nb\nc\n", b"a\nb\nx\n"), 3);
        assert_eq!(first_difference_line(b"a\nb\n", b"x"), 1);
        assert_eq!(first_difference_line(b"a\nb\n", b"a\nb\nmore\n"), 3);
        assert_eq!(first_difference_line(b"a\nb\nc\n", b"a\n"), 2);
    }
}
