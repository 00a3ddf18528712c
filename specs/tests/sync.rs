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

/// Every file under `dir` (links not followed), to check that no outside content got in.
#[cfg(unix)]
fn all_contents(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let ty = entry.file_type().unwrap();
        let path = entry.path();
        if ty.is_dir() {
            all_contents(&path, out);
        } else if ty.is_symlink() {
            out.push((path.display().to_string(), b"<symlink>".to_vec()));
        } else {
            out.push((path.display().to_string(), fs::read(&path).unwrap()));
        }
    }
}

/// Asserts `err` refuses the symbolic link `link` (relative to the source) and that nothing of
/// the outside content reached `to`, whose earlier content is untouched.
#[cfg(unix)]
fn assert_refused(err: &Error, link: &str, to: &Path, secret: &str) {
    let Error::SymlinkInSource { path, .. } = err else {
        panic!("unexpected error {err:?}");
    };
    assert_eq!(path, Path::new(link));
    let message = err.to_string();
    assert!(message.contains(link), "{message}");
    assert!(message.contains("symbolic link"), "{message}");

    let mut contents = Vec::new();
    all_contents(to, &mut contents);
    for (path, bytes) in &contents {
        assert!(
            !String::from_utf8_lossy(bytes).contains(secret),
            "{path} holds the link target's content"
        );
    }
    assert_eq!(
        entries(to),
        ["spec", "unrelated.txt"],
        "no staging leftovers"
    );
    assert_eq!(read(to, "spec/2025-01-01/kept.json"), "kept\n");
    assert_eq!(read(to, "unrelated.txt"), "kept\n");
}

#[cfg(unix)]
#[test]
fn refuses_symbolic_links_in_a_local_source() {
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    const SECRET: &str = "outside-secret-7f3a";
    let tmp = tempfile::tempdir().unwrap();
    // Outside the source tree: a file and a directory holding one.
    let outside = tmp.path().join("outside");
    write(&outside, "secret.txt", &format!("{SECRET}\n"));
    write(&outside, "dir/schema.y.json", &format!("{SECRET}\n"));

    let links: [(&str, PathBuf); 5] = [
        // A file link, deep in spec/.
        (
            "spec/2030-01-01/json-schema/schema.x.json",
            outside.join("secret.txt"),
        ),
        // A relative link climbing out of the source.
        (
            "spec/2030-01-01/openapi/openapi.x.yaml",
            PathBuf::from("../../../../outside/secret.txt"),
        ),
        // A directory link inside spec/.
        ("spec/2030-01-01/json-schema", outside.join("dir")),
        // Links as the synced entries themselves.
        ("examples", outside.join("dir")),
        ("SOURCE.md", outside.join("secret.txt")),
    ];
    for (i, (link, target)) in links.iter().enumerate() {
        let src = tmp.path().join(format!("checkout-{i}"));
        write(&src, "spec/2030-01-01/openapi/openapi.a.yaml", "a: 1\n");
        write(&src, "spec/2030-01-01/json-schema/schema.a.json", "{}\n");
        let at = src.join(link);
        if at.is_dir() {
            fs::remove_dir_all(&at).unwrap();
        }
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(target, &at).unwrap();
        assert!(fs::read_to_string(&at).is_ok() || at.is_dir(), "{link}");

        let to = tmp.path().join(format!("out-{i}"));
        write(&to, "spec/2025-01-01/kept.json", "kept\n");
        write(&to, "unrelated.txt", "kept\n");
        let err = sync(src.to_str().unwrap(), None, &to).unwrap_err();
        assert_refused(&err, link, &to, SECRET);

        // Nothing is created for a refused source either.
        let fresh = tmp.path().join(format!("fresh-{i}"));
        sync(src.to_str().unwrap(), None, &fresh).unwrap_err();
        assert!(!fresh.exists(), "{link}");
    }
    assert_eq!(read(&outside, "secret.txt"), format!("{SECRET}\n"));
}

#[cfg(unix)]
#[test]
fn refuses_symbolic_links_committed_to_a_git_source() {
    use std::os::unix::fs::symlink;

    const SECRET: &str = "outside-secret-c41d";
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("secret.txt");
    fs::write(&outside, format!("{SECRET}\n")).unwrap();

    let repo = tmp.path().join("upstream");
    fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    write(&repo, "spec/2030-01-01/openapi/openapi.a.yaml", "a: 1\n");
    let link = "spec/2030-01-01/json-schema/schema.x.json";
    fs::create_dir_all(repo.join(link).parent().unwrap()).unwrap();
    symlink(&outside, repo.join(link)).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "with a link"]);

    let to = tmp.path().join("out");
    write(&to, "spec/2025-01-01/kept.json", "kept\n");
    write(&to, "unrelated.txt", "kept\n");
    let url = format!("file://{}", repo.display());
    let err = sync(&url, None, &to).unwrap_err();
    assert_refused(&err, link, &to, SECRET);
    assert!(err.to_string().contains(&url), "{err}");
}
