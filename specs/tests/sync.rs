//! `sync` from a plain directory and from a git repository made by the test (no network).

use std::fs;
use std::path::Path;
use std::process::Command;

use acp_specs::{sync, Error};

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel)).unwrap()
}

/// Names in `dir`, sorted, to spot leftovers such as staging directories.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        // Works on a machine without any git identity or with signing configured.
        .args([
            "-c",
            "user.name=acp-specs test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git must be installed to run these tests");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn from_local_directory_replaces_previous_files() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("checkout");
    write(&src, "spec/2026-01-01/openapi/openapi.a.yaml", "a: 1\n");
    write(&src, "spec/2026-01-01/json-schema/schema.a.json", "{}\n");
    write(&src, "examples/2026-01-01/examples.a.json", "[]\n");
    write(&src, "SOURCE.md", "source note\n");
    write(&src, "README.md", "not synced\n");

    let to = tmp.path().join("out");
    write(&to, "spec/2025-01-01/stale.json", "old\n");
    write(&to, "examples/2025-01-01/stale.json", "old\n");
    write(&to, "unrelated.txt", "kept\n");

    let report = sync(src.to_str().unwrap(), None, &to).unwrap();
    assert_eq!(report.files, 4);
    assert_eq!(report.commit, None);
    assert_eq!(report.versions, ["2026-01-01"]);
    assert_eq!(
        read(&to, "spec/2026-01-01/openapi/openapi.a.yaml"),
        "a: 1\n"
    );
    assert_eq!(
        read(&to, "spec/2026-01-01/json-schema/schema.a.json"),
        "{}\n"
    );
    assert_eq!(read(&to, "examples/2026-01-01/examples.a.json"), "[]\n");
    assert_eq!(read(&to, "SOURCE.md"), "source note\n");
    assert_eq!(read(&to, "unrelated.txt"), "kept\n");
    assert!(!to.join("spec/2025-01-01").exists());
    assert!(!to.join("examples/2025-01-01").exists());
    assert_eq!(
        entries(&to),
        ["SOURCE.md", "examples", "spec", "unrelated.txt"]
    );

    // A source without examples/ or SOURCE.md leaves none behind.
    let bare = tmp.path().join("bare");
    write(&bare, "spec/2026-02-02/x.json", "2\n");
    let report = sync(bare.to_str().unwrap(), None, &to).unwrap();
    assert_eq!(report.files, 1);
    assert_eq!(report.versions, ["2026-02-02"]);
    assert_eq!(entries(&to), ["spec", "unrelated.txt"]);
}

#[test]
fn from_git_repository_at_a_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("upstream");
    fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    write(
        &repo,
        "spec/2026-01-01/openapi/openapi.a.yaml",
        "version: one\n",
    );
    write(&repo, "examples/2026-01-01/ex.json", "[1]\n");
    write(&repo, "SOURCE.md", "first\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "first"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    write(
        &repo,
        "spec/2026-01-01/openapi/openapi.a.yaml",
        "version: two\n",
    );
    write(&repo, "spec/2026-02-02/openapi/openapi.b.yaml", "new\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "second"]);
    let second = git(&repo, &["rev-parse", "HEAD"]);
    assert_ne!(first, second);

    // An existing checkout plus --rev goes through git.
    let to = tmp.path().join("out");
    let report = sync(repo.to_str().unwrap(), Some(&first), &to).unwrap();
    assert_eq!(report.commit.as_deref(), Some(first.as_str()));
    assert_eq!(report.versions, ["2026-01-01"]);
    assert_eq!(report.files, 3);
    assert_eq!(
        read(&to, "spec/2026-01-01/openapi/openapi.a.yaml"),
        "version: one\n"
    );
    assert_eq!(read(&to, "SOURCE.md"), "first\n");
    assert!(!to.join("spec/2026-02-02").exists());
    assert!(!to.join(".git").exists(), "only the spec files are copied");

    // A git URL without --rev takes HEAD.
    let url = format!("file://{}", repo.display());
    let report = sync(&url, None, &to).unwrap();
    assert_eq!(report.commit.as_deref(), Some(second.as_str()));
    assert_eq!(report.versions, ["2026-01-01", "2026-02-02"]);
    assert_eq!(
        read(&to, "spec/2026-01-01/openapi/openapi.a.yaml"),
        "version: two\n"
    );
    assert_eq!(entries(&to), ["SOURCE.md", "examples", "spec"]);
}

#[test]
fn git_failures_carry_gits_message_and_leave_the_target_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("upstream");
    fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    write(&repo, "spec/2026-01-01/a.json", "{}\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "only"]);

    let to = tmp.path().join("out");
    write(&to, "spec/2025-01-01/kept.json", "kept\n");

    let err = sync(repo.to_str().unwrap(), Some("no-such-revision"), &to).unwrap_err();
    let Error::Git {
        command, stderr, ..
    } = &err
    else {
        panic!("unexpected error {err:?}");
    };
    assert!(command.contains("checkout"), "{command}");
    assert!(stderr.contains("no-such-revision"), "{stderr}");
    assert!(err.to_string().contains("no-such-revision"), "{err}");
    assert_eq!(read(&to, "spec/2025-01-01/kept.json"), "kept\n");

    let missing = tmp.path().join("no-such-repo");
    let err = sync(missing.to_str().unwrap(), None, &to).unwrap_err();
    let Error::Git {
        command, stderr, ..
    } = &err
    else {
        panic!("unexpected error {err:?}");
    };
    assert!(command.starts_with("git clone"), "{command}");
    assert!(!stderr.trim().is_empty());
    assert_eq!(entries(&to), ["spec"]);
}

#[test]
fn rejects_unusable_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("out");

    // --rev on a directory that is not a repository.
    let plain = tmp.path().join("plain");
    write(&plain, "spec/2026-01-01/a.json", "{}\n");
    let err = sync(plain.to_str().unwrap(), Some("HEAD"), &to).unwrap_err();
    assert!(matches!(err, Error::BadSyncSource { .. }), "{err:?}");
    assert!(err.to_string().contains("--rev"), "{err}");

    // A directory with neither spec/ nor a repository.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let err = sync(empty.to_str().unwrap(), None, &to).unwrap_err();
    assert!(err.to_string().contains("no spec/"), "{err}");

    // A revision that git would read as an option.
    let err = sync(plain.to_str().unwrap(), Some("--orphan"), &to).unwrap_err();
    assert!(err.to_string().contains("invalid revision"), "{err}");

    assert!(!to.exists(), "nothing is created for a rejected source");
}
