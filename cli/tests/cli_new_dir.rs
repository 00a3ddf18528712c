//! `acp-codegen new --dir` never removes what it did not create (issue 19): a dangling symbolic
//! link or an existing empty folder given as `--dir` is still there after a failed run.
//!
//! The spec root is a temporary one whose version folder has no spec files, so generation fails
//! after the folder checks pass (no real spec files needed).

use std::path::Path;
use std::process::{Command, Output};

fn new(spec_root: &Path, dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
        .args(["new", "shop", "--version", "2026-04-17", "--spec-root"])
        .arg(spec_root)
        .arg("--dir")
        .arg(dir)
        .env_remove("ACP_SPEC_ROOT")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn broken_spec_root(parent: &Path) -> std::path::PathBuf {
    let root = parent.join("specs");
    std::fs::create_dir_all(root.join("spec/2026-04-17")).unwrap();
    root
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_dir_is_kept() {
    let temp = tempfile::tempdir().unwrap();
    let root = broken_spec_root(temp.path());
    let missing = temp.path().join("missing");
    let link = temp.path().join("link");
    std::os::unix::fs::symlink(&missing, &link).unwrap();

    let output = new(&root, &link);
    let report = text(&output);
    assert!(!output.status.success(), "{report}");
    let meta = std::fs::symlink_metadata(&link).expect("the link is kept");
    assert!(meta.file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), missing);
    assert!(!missing.exists(), "nothing is made through the link");
    assert!(report.contains(&link.display().to_string()), "{report}");
    assert!(report.contains("not a folder"), "{report}");
}

#[test]
fn an_existing_empty_dir_is_kept() {
    let temp = tempfile::tempdir().unwrap();
    let root = broken_spec_root(temp.path());
    let dir = temp.path().join("empty");
    std::fs::create_dir(&dir).unwrap();

    let output = new(&root, &dir);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(dir.is_dir(), "the folder is kept");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

    // A missing one (and its missing parents) is made by the run, so it is removed again.
    let made = temp.path().join("a/b/shop");
    let output = new(&root, &made);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(!temp.path().join("a").exists());
}
