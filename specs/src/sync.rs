//! Copying the spec files from an upstream checkout or git repository into a spec root.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fsutil::exists_no_follow;
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
///
/// Only regular files and directories are copied. A symbolic link anywhere in what is synced
/// (`spec/`, `examples/` or `SOURCE.md` themselves included) is refused with
/// [`Error::SymlinkInSource`] before anything is written, since it could point to any file on
/// this machine; other special files are refused with [`Error::UnsupportedPath`].
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
        let files = install(dir, to, from)?;
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
    let files = install(&checkout, to, from)?;
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
fn install(src_root: &Path, to: &Path, from: &str) -> Result<usize, Error> {
    // Checked before `to` is touched, so a refused source leaves nothing behind.
    let files = source_files(src_root, from)?;
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
    for entry in &files {
        let dst = new.join(&entry.rel);
        match entry.kind {
            Kind::Dir => fs::create_dir_all(&dst),
            Kind::File => dst
                .parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| copy_regular_file(&src_root.join(&entry.rel), &dst)),
        }
        .map_err(|e| Error::io("copy", src_root.join(&entry.rel), e))?;
    }
    let files = files.iter().filter(|e| e.kind == Kind::File).count();

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
}

/// One directory or regular file to copy, relative to the source root.
struct Entry {
    rel: PathBuf,
    kind: Kind,
}

/// What the synced entries of `src_root` hold: the `spec/` and `examples/` folders and
/// every regular file, sorted. Links are never
/// followed: a symbolic link is [`Error::SymlinkInSource`], any other special file
/// [`Error::UnsupportedPath`].
fn source_files(src_root: &Path, from: &str) -> Result<Vec<Entry>, Error> {
    let mut out = Vec::new();
    for name in SYNCED {
        let path = src_root.join(name);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("inspect", &path, e)),
        };
        let ty = meta.file_type();
        if ty.is_symlink() {
            return Err(symlink_error(from, name.into()));
        }
        // As before: `SOURCE.md` is taken when it is a file, `spec/` and `examples/` when
        // they are directories; anything else under those names is ignored.
        if name == "SOURCE.md" && ty.is_file() {
            out.push(Entry {
                rel: name.into(),
                kind: Kind::File,
            });
        } else if name != "SOURCE.md" && ty.is_dir() {
            // The folder itself is created even when empty; folders below it only when
            // they hold files.
            out.push(Entry {
                rel: name.into(),
                kind: Kind::Dir,
            });
            walk_source(src_root, Path::new(name), from, &mut out)?;
        }
    }
    Ok(out)
}

fn walk_source(root: &Path, rel: &Path, from: &str, out: &mut Vec<Entry>) -> Result<(), Error> {
    let dir = root.join(rel);
    let mut children = Vec::new();
    for entry in fs::read_dir(&dir).map_err(|e| Error::io("read directory", &dir, e))? {
        let entry = entry.map_err(|e| Error::io("read directory", &dir, e))?;
        // `DirEntry::file_type` does not follow links.
        let ty = entry
            .file_type()
            .map_err(|e| Error::io("inspect", entry.path(), e))?;
        children.push((rel.join(entry.file_name()), ty));
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (child, ty) in children {
        if ty.is_symlink() {
            return Err(symlink_error(from, child));
        } else if ty.is_dir() {
            walk_source(root, &child, from, out)?;
        } else if ty.is_file() {
            out.push(Entry {
                rel: child,
                kind: Kind::File,
            });
        } else {
            return Err(Error::UnsupportedPath {
                path: root.join(child),
                reason: "not a regular file or directory",
            });
        }
    }
    Ok(())
}

fn symlink_error(from: &str, path: PathBuf) -> Error {
    Error::SymlinkInSource {
        from: from.to_owned(),
        path,
    }
}

/// Copies the regular file `src` to the new file `dst`. `src` is checked again as it is
/// opened, so a file swapped for a link after [`source_files`] looked at it is not followed.
fn copy_regular_file(src: &Path, dst: &Path) -> io::Result<()> {
    let before = fs::symlink_metadata(src)?;
    let mut input = fs::File::open(src)?;
    let opened = input.metadata()?;
    let same = before.file_type().is_file() && opened.is_file() && same_file(&before, &opened);
    if !same {
        return Err(io::Error::other(
            "changed while being copied (no longer a regular file)",
        ));
    }
    let mut output = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)?;
    io::copy(&mut input, &mut output)?;
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}
