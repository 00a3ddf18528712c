//! Locating the spec root and the versions in it.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{Error, RootCandidate};

/// Environment variable naming the spec root when `--spec-root` is not given.
pub const SPEC_ROOT_ENV: &str = "ACP_SPEC_ROOT";

/// The cargo workspace root this crate was built in (the parent of `specs/`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Finds the directory holding `spec/` (and usually `examples/`).
///
/// The first source that is set is used: `explicit` (the CLI's `--spec-root`), then the
/// `ACP_SPEC_ROOT` environment variable, then `<workspace root>/../shared/acp-spec`.
/// A source that is set but unusable is an error rather than falling through, so a typo
/// never silently selects different spec files.
pub fn resolve_spec_root(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    let default = workspace_root()
        .parent()
        .map(|p| p.join("shared").join("acp-spec"))
        .unwrap_or_else(|| workspace_root().join("../shared/acp-spec"));
    resolve_from(explicit, std::env::var_os(SPEC_ROOT_ENV), default)
}

/// [`resolve_spec_root`] with its environment made explicit, for tests.
pub(crate) fn resolve_from(
    explicit: Option<&Path>,
    env: Option<OsString>,
    default: PathBuf,
) -> Result<PathBuf, Error> {
    let env = env.filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut tried = Vec::new();
    let chosen = if let Some(path) = explicit {
        ("--spec-root", path.to_path_buf())
    } else {
        tried.push(RootCandidate {
            source: "--spec-root",
            path: None,
            problem: "not given",
        });
        if let Some(path) = env {
            (SPEC_ROOT_ENV, path)
        } else {
            tried.push(RootCandidate {
                source: SPEC_ROOT_ENV,
                path: None,
                problem: "not set",
            });
            ("default", default)
        }
    };
    let (source, path) = chosen;
    let problem = if !path.is_dir() {
        "does not exist or is not a directory"
    } else if !path.join("spec").is_dir() {
        "has no spec/ directory"
    } else {
        return Ok(path);
    };
    tried.push(RootCandidate {
        source,
        path: Some(path),
        problem,
    });
    Err(Error::SpecRootNotFound { tried })
}

/// Whether `name` looks like a version folder (`YYYY-MM-DD`, digits and dashes only).
pub fn is_version_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// The version folders under `<spec_root>/spec/`, sorted (oldest first).
/// Entries not named `YYYY-MM-DD` are ignored.
pub fn spec_versions(spec_root: &Path) -> Result<Vec<String>, Error> {
    let spec_dir = spec_root.join("spec");
    if !spec_dir.is_dir() {
        return Err(Error::MissingSpecDir {
            root: spec_root.to_path_buf(),
        });
    }
    let entries = fs::read_dir(&spec_dir).map_err(|e| Error::io("read directory", &spec_dir, e))?;
    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", &spec_dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if is_version_name(&name) && entry.path().is_dir() {
            versions.push(name);
        }
    }
    versions.sort();
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_root(dir: &Path) -> PathBuf {
        fs::create_dir_all(dir.join("spec")).unwrap();
        dir.to_path_buf()
    }

    #[test]
    fn explicit_wins_over_env_and_default() {
        let tmp = tempfile::tempdir().unwrap();
        let a = spec_root(&tmp.path().join("a"));
        let b = spec_root(&tmp.path().join("b"));
        let c = spec_root(&tmp.path().join("c"));
        let got = resolve_from(Some(&a), Some(b.clone().into()), c.clone()).unwrap();
        assert_eq!(got, a);
        let got = resolve_from(None, Some(b.clone().into()), c.clone()).unwrap();
        assert_eq!(got, b);
        let got = resolve_from(None, Some(OsString::new()), c.clone()).unwrap();
        assert_eq!(got, c, "an empty variable counts as unset");
        let got = resolve_from(None, None, c.clone()).unwrap();
        assert_eq!(got, c);
    }

    #[test]
    fn set_but_unusable_source_does_not_fall_through() {
        let tmp = tempfile::tempdir().unwrap();
        let good = spec_root(&tmp.path().join("good"));
        let missing = tmp.path().join("missing");
        let err = resolve_from(Some(&missing), None, good.clone()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("--spec-root"), "{msg}");
        assert!(msg.contains(&missing.display().to_string()), "{msg}");
        assert!(msg.contains("does not exist"), "{msg}");

        let no_spec = tmp.path().join("nospec");
        fs::create_dir(&no_spec).unwrap();
        let err = resolve_from(None, Some(no_spec.clone().into()), good).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("ACP_SPEC_ROOT"), "{msg}");
        assert!(msg.contains("has no spec/ directory"), "{msg}");
    }

    #[test]
    fn error_lists_everything_tried_and_how_to_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let default = tmp.path().join("shared/acp-spec");
        let err = resolve_from(None, None, default.clone()).unwrap_err();
        let Error::SpecRootNotFound { tried } = &err else {
            panic!("unexpected error {err:?}");
        };
        assert_eq!(tried.len(), 3);
        let msg = err.to_string();
        for needle in [
            "--spec-root: not given",
            "ACP_SPEC_ROOT: not set",
            &format!("default: {}", default.display()),
            "pass --spec-root <dir>",
            "set ACP_SPEC_ROOT=<dir>",
            "acp-codegen specs sync",
        ] {
            assert!(msg.contains(needle), "missing {needle:?} in:\n{msg}");
        }
    }

    #[test]
    fn version_names() {
        assert!(is_version_name("2026-04-17"));
        for bad in [
            "2026-4-17",
            "2026_04_17",
            "latest",
            "2026-04-17x",
            "２０２6-04-17",
        ] {
            assert!(!is_version_name(bad), "{bad}");
        }
    }

    #[test]
    fn spec_versions_sorted_and_filtered() {
        let tmp = tempfile::tempdir().unwrap();
        for d in [
            "spec/2026-01-30",
            "spec/2025-09-29",
            "spec/drafts",
            "spec/2026-04-17",
        ] {
            fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        fs::write(tmp.path().join("spec/2027-01-01"), "a file, not a folder").unwrap();
        let got = spec_versions(tmp.path()).unwrap();
        assert_eq!(got, ["2025-09-29", "2026-01-30", "2026-04-17"]);

        let err = spec_versions(&tmp.path().join("spec")).unwrap_err();
        assert!(matches!(err, Error::MissingSpecDir { .. }), "{err:?}");
        assert!(err.to_string().contains("no spec/ directory"));
    }

    #[test]
    fn workspace_root_is_parent_of_specs() {
        assert!(workspace_root().join("specs").join("Cargo.toml").is_file());
    }
}
