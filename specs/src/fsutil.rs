//! Small filesystem helpers shared by pinning and syncing.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Error;

/// Every file under `dir`, recursively, sorted by path.
///
/// Symbolic links to files count as files (their target is what a reader sees); links to
/// directories and special files are rejected, which also rules out cycles.
pub(crate) fn collect_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let path = entry.path();
        let ty = entry
            .file_type()
            .map_err(|e| Error::io("inspect", &path, e))?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if ty.is_file() {
            out.push(path);
        } else if ty.is_symlink() {
            let target = fs::metadata(&path).map_err(|e| Error::io("follow link", &path, e))?;
            if !target.is_file() {
                return Err(Error::UnsupportedPath {
                    path,
                    reason: "symbolic links are only supported for regular files",
                });
            }
            out.push(path);
        } else {
            return Err(Error::UnsupportedPath {
                path,
                reason: "not a regular file or directory",
            });
        }
    }
    Ok(())
}

/// `path` relative to `base`, `/`-separated, as recorded in pin files.
pub(crate) fn rel_key(base: &Path, path: &Path) -> Result<String, Error> {
    let rel = path
        .strip_prefix(base)
        .map_err(|_| Error::UnsupportedPath {
            path: path.to_path_buf(),
            reason: "outside the spec root",
        })?;
    let mut parts = Vec::new();
    for c in rel.components() {
        parts.push(
            c.as_os_str()
                .to_str()
                .ok_or_else(|| Error::UnsupportedPath {
                    path: path.to_path_buf(),
                    reason: "path is not valid UTF-8",
                })?,
        );
    }
    Ok(parts.join("/"))
}

/// Whether anything (file, directory or dangling link) exists at `path`.
#[cfg(feature = "sync")]
pub(crate) fn exists_no_follow(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}
