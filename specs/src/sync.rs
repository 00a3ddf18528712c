//! Copying the spec files from an upstream checkout or git repository into a spec root.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::fsutil::{copy_tree, exists_no_follow};
use crate::{spec_versions, Error};

/// The entries of a spec root that `sync` mirrors.
const SYNCED: [&str; 3] = ["spec", "examples", "SOURCE.md"];

/// What [`sync`] copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Number of files copied (under `spec/`, `examples/`, plus `SOURCE.md`).
    pub files: usize,
    /// The commit that was checked out, when syncing from git.
    pub commit: Option<String>,
    /// Version folders now present under `<to>/spec/`, sorted.
    pub versions: Vec<String>,
}

/// Copies `spec/`, `examples/` and `SOURCE.md` from `from` into the spec root `to`.
///
/// `from` is used as a plain directory when it is an existing directory containing `spec/`
/// and no `rev` is given. Otherwise it is cloned with `git` (a URL, a path to a repository,
/// or an existing directory that is a git repository when `rev` is given) and `rev`
/// (default `HEAD`) is checked out; the resolved commit is reported.
///
/// In `to`, each of `spec/`, `examples/` and `SOURCE.md` is replaced by the source's
/// version, or removed when the source has none, so no stale files from an earlier sync
/// survive. Everything is copied into a staging directory inside `to` first and then
/// renamed into place, so a failed copy never leaves a half-copied tree.
pub fn sync(from: &str, rev: Option<&str>, to: &Path) -> Result<SyncReport, Error> {
    let bad = |reason: &str| Error::BadSyncSource {
        from: from.to_owned(),
        reason: reason.to_owned(),
    };
    if let Some(rev) = rev {
        // Would otherwise be parsed as an option by `git checkout`.
        if rev.is_empty() || rev.starts_with('-') {
            return Err(bad(&format!("invalid revision {rev:?}")));
        }
    }
    let dir = Path::new(from);
    let use_git = if dir.is_dir() {
        let has_spec = dir.join("spec").is_dir();
        let is_git = is_git_repo(dir);
        match rev {
            Some(_) if !is_git => {
                return Err(bad(
                    "--rev needs a git repository, and this directory is not one",
                ))
            }
            Some(_) => true,
            None if has_spec => false,
            None if is_git => true,
            None => {
                return Err(bad(
                    "the directory has no spec/ folder and is not a git repository",
                ))
            }
        }
    } else {
        true
    };

    if !use_git {
        let files = install(dir, to)?;
        return Ok(SyncReport {
            files,
            commit: None,
            versions: spec_versions(to)?,
        });
    }

    let clone_parent = tempfile::Builder::new()
        .prefix("acp-spec-clone-")
        .tempdir()
        .map_err(|e| Error::io("create temporary directory in", std::env::temp_dir(), e))?;
    let checkout = clone_parent.path().join("repo");
    git(&[
        OsStr::new("clone"),
        OsStr::new("--quiet"),
        OsStr::new("--no-checkout"),
        OsStr::new("--"),
        OsStr::new(from),
        checkout.as_os_str(),
    ])?;
    let c = checkout.as_os_str();
    let rev = rev.unwrap_or("HEAD");
    git(&[
        OsStr::new("-C"),
        c,
        OsStr::new("checkout"),
        OsStr::new("--quiet"),
        OsStr::new(rev),
    ])?;
    let commit = git(&[
        OsStr::new("-C"),
        c,
        OsStr::new("rev-parse"),
        OsStr::new("HEAD"),
    ])?
    .trim()
    .to_owned();
    if !checkout.join("spec").is_dir() {
        return Err(bad(&format!(
            "revision {rev} ({commit}) has no spec/ folder"
        )));
    }
    let files = install(&checkout, to)?;
    Ok(SyncReport {
        files,
        commit: Some(commit),
        versions: spec_versions(to)?,
    })
}

/// A working tree with `.git`, or a bare repository.
fn is_git_repo(dir: &Path) -> bool {
    dir.join(".git").exists() || (dir.join("HEAD").is_file() && dir.join("objects").is_dir())
}

/// Runs git, returning its stdout, or an error carrying its stderr.
fn git(args: &[&OsStr]) -> Result<String, Error> {
    let output = Command::new("git")
        .args(args)
        // Fail instead of waiting for credentials nobody will type.
        .env("GIT_TERMINAL_PROMPT", "0")
        // A caller's repository (e.g. when run from a git hook) must not leak into ours.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .map_err(|source| Error::GitSpawn { source })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        let command = std::iter::once("git".into())
            .chain(args.iter().map(|a| a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        Err(Error::Git {
            command,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// Stages a copy of the synced entries of `src_root` inside `to`, then swaps it in.
fn install(src_root: &Path, to: &Path) -> Result<usize, Error> {
    fs::create_dir_all(to).map_err(|e| Error::io("create directory", to, e))?;
    // Inside `to`, so the final renames stay on one filesystem.
    let stage = tempfile::Builder::new()
        .prefix(".acp-sync-")
        .tempdir_in(to)
        .map_err(|e| Error::io("create temporary directory in", to, e))?;
    let new = stage.path().join("new");
    let old = stage.path().join("old");
    for d in [&new, &old] {
        fs::create_dir(d).map_err(|e| Error::io("create directory", d, e))?;
    }

    let mut files = 0;
    for name in SYNCED {
        let src = src_root.join(name);
        let wanted = if name == "SOURCE.md" {
            src.is_file()
        } else {
            src.is_dir()
        };
        if wanted {
            files += copy_tree(&src, &new.join(name))?;
        }
    }

    let mut moved_out = Vec::new();
    let mut moved_in = Vec::new();
    if let Err(e) = swap(&new, &old, to, &mut moved_out, &mut moved_in) {
        // Best effort: put back what was there, so `to` is never left half-replaced.
        for name in moved_in {
            let _ = fs::rename(to.join(name), new.join(name));
        }
        for name in moved_out {
            let _ = fs::rename(old.join(name), to.join(name));
        }
        return Err(e);
    }
    // Dropping `stage` deletes the replaced trees.
    Ok(files)
}

fn swap(
    new: &Path,
    old: &Path,
    to: &Path,
    moved_out: &mut Vec<&'static str>,
    moved_in: &mut Vec<&'static str>,
) -> Result<(), Error> {
    for name in SYNCED {
        let dest = to.join(name);
        if exists_no_follow(&dest) {
            fs::rename(&dest, old.join(name)).map_err(|e| Error::io("move aside", &dest, e))?;
            moved_out.push(name);
        }
        let staged = new.join(name);
        if exists_no_follow(&staged) {
            fs::rename(&staged, &dest).map_err(|e| Error::io("move into place", &dest, e))?;
            moved_in.push(name);
        }
    }
    Ok(())
}
