//! `acp-codegen.toml`: what `acp-codegen generate --out DIR` records next to the crate it
//! writes (generator version, settings, the spec files read and their hashes), so that
//! `acp-codegen check --out DIR` can regenerate the same crate and compare (see [`crate::check`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::toml_spans::{key_position, line_column};
use crate::RuntimeSource;

/// The manifest's file name, in the generated crate's folder.
pub const MANIFEST_FILE: &str = "acp-codegen.toml";

/// Spec file path (relative to the spec root) → lowercase hex SHA-256 of its bytes.
pub type SpecHashes = BTreeMap<String, String>;

const HEADER: &str = "\
# Written by `acp-codegen generate`: how this crate was generated. `acp-codegen check --out DIR`
# regenerates it from these settings and reports every difference. Do not edit.
";

/// How a crate was generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    /// The `acp-codegen` version that generated the crate.
    pub generator_version: String,
    /// The crate's package name (`--name`).
    pub crate_name: String,
    /// A conformance test crate (`--conformance`) rather than models.
    pub conformance: bool,
    /// The generated versions (`--version`, `all` spelled out); one for a conformance crate.
    pub versions: Vec<String>,
    /// The `--spec` selection (empty: all specs).
    pub specs: Vec<String>,
    /// `--tolerant`.
    pub tolerant: bool,
    /// `--server`.
    pub server: bool,
    /// `--client`.
    pub client: bool,
    /// `--borrowed` (absent in manifests written before it existed).
    #[serde(default)]
    pub borrowed: bool,
    /// `--spec-root` (or `ACP_SPEC_ROOT`) when generation read the specs from a folder other
    /// than the default one, so the regenerate command reads them from there again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_root: Option<String>,
    /// `--allow-unpinned`: spec files whose hashes differ from the pins were accepted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unpinned: bool,
    /// Where the crate's dependency comes from: `acp-runtime`, or `acp-codegen` for a
    /// conformance crate (`--runtime-version`, else a path to this installation).
    pub runtime: RuntimeSource,
    /// Every spec file the crate was generated from, with the SHA-256 of the bytes read.
    pub spec_hashes: SpecHashes,
}

/// Why a manifest cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest file.
    pub path: PathBuf,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// The manifest's text (deterministic: same settings and hashes, same bytes).
    pub fn to_toml(&self) -> String {
        // Plain strings, booleans, arrays and tables: serialization cannot fail.
        let body = toml::to_string(self).expect("the manifest serializes to TOML");
        format!("{HEADER}{body}")
    }

    /// Parses manifest text read from `path` (named in errors, with the line).
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let error = |line: Option<usize>, message: String| ManifestError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_column(text, span.start).0);
            error(line, e.message().trim().to_string())
        })?;
        if manifest.versions.is_empty() {
            return Err(error(
                key_line(text, &["versions"]),
                "`versions` is empty".into(),
            ));
        }
        if manifest.conformance && manifest.versions.len() != 1 {
            return Err(error(
                key_line(text, &["versions"]),
                "a conformance crate has exactly one version".into(),
            ));
        }
        for (file, hash) in &manifest.spec_hashes {
            let well_formed = hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !well_formed {
                return Err(error(
                    key_line(text, &["spec-hashes", file]),
                    format!("the hash of `{file}` is not 64 lowercase hex digits: {hash:?}"),
                ));
            }
        }
        Ok(manifest)
    }

    /// Reads and parses `DIR/acp-codegen.toml`; `Ok(None)` when there is no such file.
    pub fn load(dir: &Path) -> Result<Option<Manifest>, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ManifestError {
            path: path.clone(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Manifest::parse(&text, &path).map(Some)
    }

    /// The `acp-codegen generate` command line that produces this crate (for messages; the
    /// command line takes one version or `all`).
    pub fn generate_command(&self, out: &Path) -> String {
        let mut args = vec!["acp-codegen generate".to_string()];
        if self.conformance {
            args.push("--conformance".into());
        }
        match self.versions.as_slice() {
            [version] => args.push(format!("--version {version}")),
            _ => args.push("--version all".into()),
        }
        args.extend(self.specs.iter().map(|s| format!("--spec {s}")));
        for (flag, on) in [
            ("--tolerant", self.tolerant),
            ("--server", self.server),
            ("--client", self.client),
            ("--borrowed", self.borrowed),
        ] {
            if on {
                args.push(flag.into());
            }
        }
        if let Some(root) = &self.spec_root {
            args.push(format!("--spec-root {root}"));
        }
        if self.allow_unpinned {
            args.push("--allow-unpinned".into());
        }
        args.push(format!("--name {}", self.crate_name));
        if let RuntimeSource::Version(requirement) = &self.runtime {
            args.push(format!("--runtime-version {requirement}"));
        }
        args.push(format!("--out {}", out.display()));
        args.join(" ")
    }
}

/// The line of the key at `path`, from the TOML parser's spans.
fn key_line(text: &str, path: &[&str]) -> Option<usize> {
    key_position(text, path).map(|(line, _)| line)
}

/// Test helper: 1-based line of the first line starting with `key` (after indentation).
#[cfg(test)]
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.trim_start().starts_with(key))
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            generator_version: "0.1.0".into(),
            crate_name: "my \"acp\"".into(),
            conformance: false,
            versions: vec!["2026-04-17".into(), "2026-01-30".into()],
            specs: vec!["checkout".into()],
            tolerant: true,
            server: false,
            client: true,
            borrowed: true,
            spec_root: Some("/specs/acp".into()),
            allow_unpinned: true,
            runtime: RuntimeSource::Path("C:\\runtime".into()),
            spec_hashes: [(
                "spec/2026-04-17/openapi/openapi.agentic_checkout.yaml".to_string(),
                acp_specs::sha256_hex(b"x"),
            )]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn round_trips_and_is_readable() {
        let manifest = sample();
        let text = manifest.to_toml();
        assert!(
            text.starts_with("# Written by `acp-codegen generate`"),
            "{text}"
        );
        assert!(text.contains("generator-version = \"0.1.0\""), "{text}");
        assert!(text.contains("[runtime]"), "{text}");
        assert!(text.contains("[spec-hashes]"), "{text}");
        assert_eq!(
            Manifest::parse(&text, Path::new("m.toml")).unwrap(),
            manifest
        );
        let version = Manifest {
            runtime: RuntimeSource::Version("0.1".into()),
            ..manifest
        };
        let text = version.to_toml();
        assert!(text.contains("version = \"0.1\""), "{text}");
        assert_eq!(
            Manifest::parse(&text, Path::new("m.toml")).unwrap(),
            version
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let text = sample().to_toml();
        let path = Path::new("dir/acp-codegen.toml");
        let broken = text.replace("tolerant = true", "tolerant = yes");
        let line = line_of_key(&broken, "tolerant").unwrap();
        let error = Manifest::parse(&broken, path).unwrap_err();
        assert_eq!(error.line, Some(line), "{error}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("dir/acp-codegen.toml:{line}: ")),
            "{error}"
        );

        let unknown = text.replace("tolerant = true", "tolerant = true\ncolour = 1");
        let error = Manifest::parse(&unknown, path).unwrap_err();
        assert!(error.message.contains("colour"), "{error}");
        assert_eq!(error.line, line_of_key(&unknown, "colour"), "{error}");

        let bad_hash = text.replace(&acp_specs::sha256_hex(b"x"), "abc");
        let error = Manifest::parse(&bad_hash, path).unwrap_err();
        assert!(error.message.contains("64 lowercase hex"), "{error}");
        assert_eq!(error.line, line_of_key(&bad_hash, "\"spec/"), "{error}");

        let missing = text.replace("crate-name", "# crate-name");
        let error = Manifest::parse(&missing, path).unwrap_err();
        assert!(error.message.contains("crate-name"), "{error}");
        assert!(error.line.is_some(), "{error}");
    }

    #[test]
    fn generate_command_reproduces_the_settings() {
        let command = sample().generate_command(Path::new("out"));
        assert_eq!(
            command,
            "acp-codegen generate --version all --spec checkout --tolerant --client --borrowed \
             --spec-root /specs/acp --allow-unpinned --name my \"acp\" --out out"
        );
    }
}
