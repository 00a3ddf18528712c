//! `acp-codegen check --out DIR` on crates written by `generate --out DIR`: exit 0 when up to
//! date, 1 naming what drifted (a generated file, the generator version, a spec file's hash),
//! 2 without a usable manifest; DIR is never modified.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "2026-04-17";

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], out: &Path) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    Outcome {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn generate(args: &[&str], out: &Path) {
    let mut all = vec!["generate", "--version", VERSION];
    all.extend_from_slice(args);
    let outcome = run(&all, out);
    assert_eq!(outcome.code, 0, "generate {args:?}: {}", outcome.stderr);
}

/// `check`, asserting the folder is the same before and after.
fn check(out: &Path) -> Outcome {
    let before = snapshot(out);
    let outcome = run(&["check"], out);
    assert_eq!(snapshot(out), before, "check modified {}", out.display());
    outcome
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn restore(files: &BTreeMap<PathBuf, Vec<u8>>) {
    for (path, bytes) in files {
        std::fs::write(path, bytes).unwrap();
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn assert_drift(outcome: &Outcome, needles: &[&str]) {
    assert_eq!(
        outcome.code, 1,
        "drift is exit code 1:\n{}\n{}",
        outcome.stdout, outcome.stderr
    );
    assert!(
        outcome.stdout.contains("is out of date"),
        "{}",
        outcome.stdout
    );
    for needle in needles {
        assert!(
            outcome.stdout.contains(needle),
            "`{needle}` in:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn check_reports_drift_of_a_models_crate() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("models");
    // With borrowed views: `check` must regenerate them from the manifest's settings.
    generate(&["--spec", "checkout", "--borrowed"], &out);
    let manifest = out.join("acp-codegen.toml");
    let recorded = std::fs::read_to_string(&manifest).unwrap();
    assert!(recorded.contains("specs = [\"checkout\"]"), "{recorded}");
    assert!(recorded.contains("borrowed = true"), "{recorded}");
    assert!(std::fs::read_to_string(out.join("src/lib.rs"))
        .unwrap()
        .contains("pub mod borrowed"));
    // The crate says what it was built from: the same hashes as the manifest.
    let lib = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(
        lib.contains(&format!(
            "pub const SUPPORTED_VERSIONS: &[&str] = &[\"{VERSION}\"];"
        )),
        "SUPPORTED_VERSIONS"
    );
    let compact: String = lib.split_whitespace().collect();
    let hashes: Vec<&str> = recorded
        .lines()
        .filter(|l| l.starts_with("\"spec/"))
        .collect();
    assert!(hashes.len() > 5, "{recorded}");
    for line in hashes {
        let mut parts = line.split('"').filter(|p| p.len() > 3);
        let (path, hash) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(
            compact.contains(&format!("(\"{path}\",\"{hash}\"")),
            "SPEC_HASHES has {path} = {hash}"
        );
    }
    let pristine = snapshot(&out);

    let fresh = check(&out);
    assert_eq!(fresh.code, 0, "{}\n{}", fresh.stdout, fresh.stderr);
    assert!(fresh.stdout.contains("is up to date"), "{}", fresh.stdout);

    // A hand edit of the generated code: named with the line of the first difference.
    let lib = out.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("pub const API_VERSION"))
        .unwrap()
        + 1;
    edit(
        &lib,
        "pub const API_VERSION",
        "pub const API_VERSION_EDITED",
    );
    let outcome = check(&out);
    assert_drift(
        &outcome,
        &[
            &format!("{}: differs", out.join("src/lib.rs").display()),
            &format!("first difference at line {line})"),
        ],
    );
    assert!(!outcome.stdout.contains("Cargo.toml"), "{}", outcome.stdout);
    restore(&pristine);

    // A deleted file.
    std::fs::remove_file(out.join("Cargo.toml")).unwrap();
    let outcome = check(&out);
    assert_drift(
        &outcome,
        &[&format!("{}: missing", out.join("Cargo.toml").display())],
    );
    assert!(!outcome.stdout.contains("src/lib.rs"), "{}", outcome.stdout);
    restore(&pristine);

    // Generated by another generator version.
    edit(
        &manifest,
        &format!("generator-version = \"{}\"", env!("CARGO_PKG_VERSION")),
        "generator-version = \"0.0.1\"",
    );
    let outcome = check(&out);
    assert_drift(
        &outcome,
        &[&format!(
            "generator version differs: {} was generated by acp-codegen 0.0.1, this is \
             acp-codegen {}",
            out.display(),
            env!("CARGO_PKG_VERSION")
        )],
    );
    restore(&pristine);

    // Generated from another spec file: named, and the regeneration command is given.
    let changed = format!("spec/{VERSION}/openapi/openapi.agentic_checkout.yaml");
    let line = recorded
        .lines()
        .find(|l| l.starts_with(&format!("\"{changed}\"")))
        .unwrap();
    let hash = line.rsplit('"').nth(1).unwrap();
    edit(&manifest, hash, &"0".repeat(64));
    let outcome = check(&out);
    assert_drift(
        &outcome,
        &[
            &format!("spec file changed since generation: {changed}"),
            &format!("acp-codegen generate --version {VERSION} --spec checkout"),
        ],
    );
    assert_eq!(
        outcome.stdout.matches("spec file").count(),
        1,
        "only the changed spec file is named:\n{}",
        outcome.stdout
    );
    restore(&pristine);
    assert_eq!(check(&out).code, 0);

    // A malformed manifest: 2, naming the file and line.
    edit(&manifest, "tolerant = false", "tolerant = no");
    let line = std::fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("tolerant"))
        .unwrap()
        + 1;
    let outcome = check(&out);
    assert_eq!(outcome.code, 2, "{}\n{}", outcome.stdout, outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains(&format!("{}:{line}: ", manifest.display())),
        "{}",
        outcome.stderr
    );

    // No manifest: 2, with a clear error.
    std::fs::remove_file(&manifest).unwrap();
    let outcome = check(&out);
    assert_eq!(outcome.code, 2, "{}\n{}", outcome.stdout, outcome.stderr);
    assert!(
        outcome.stderr.contains("has no acp-codegen.toml"),
        "{}",
        outcome.stderr
    );
    let outcome = check(&temp.path().join("nothing-here"));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
}

#[test]
fn check_of_a_conformance_crate() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("conformance");
    generate(&["--conformance", "--name", "shop-conformance"], &out);
    let manifest = std::fs::read_to_string(out.join("acp-codegen.toml")).unwrap();
    assert!(manifest.contains("conformance = true"), "{manifest}");
    assert!(
        manifest.contains("crate-name = \"shop-conformance\""),
        "{manifest}"
    );

    let outcome = check(&out);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    assert!(
        outcome.stdout.contains("is up to date"),
        "{}",
        outcome.stdout
    );

    edit(
        &out.join("README.md"),
        "Conformance tests",
        "Conformance checks",
    );
    let outcome = check(&out);
    assert_drift(
        &outcome,
        &[
            &format!("{}: differs", out.join("README.md").display()),
            "acp-codegen generate --conformance",
        ],
    );
}

/// Files in the folder that generation did not write (added by hand, or stale modules left
/// behind) are drift, named; what cargo and git put there is not.
#[test]
fn files_that_were_not_generated_are_drift() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("models");
    generate(&["--spec", "checkout"], &out);
    // Build artefacts and version control are not the crate's content.
    std::fs::create_dir_all(out.join("target/debug")).unwrap();
    std::fs::write(out.join("target/debug/x"), "x").unwrap();
    std::fs::write(out.join("Cargo.lock"), "# lock").unwrap();
    std::fs::write(out.join(".gitignore"), "target\n").unwrap();
    let clean = check(&out);
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
    // A stale module, and one added by hand in a subfolder.
    std::fs::write(out.join("src/v2025_09_29.rs"), "// stale").unwrap();
    std::fs::create_dir_all(out.join("src/extra")).unwrap();
    std::fs::write(out.join("src/extra/mod.rs"), "// mine").unwrap();
    let outcome = check(&out);
    assert_drift(
        &outcome,
        &[
            "src/v2025_09_29.rs: not generated",
            "src/extra/mod.rs: not generated",
        ],
    );
}

/// The regenerate command `check` suggests reproduces the original invocation: a spec root
/// given with `--spec-root` and `--allow-unpinned` are recorded and repeated.
#[test]
fn the_regenerate_command_keeps_the_spec_root_and_allow_unpinned() {
    let temp = tempfile::tempdir().unwrap();
    // The version's real spec files, copied to a spec root of their own (in the temp dir).
    let real = acp_specs::resolve_spec_root(None).unwrap();
    let root = temp.path().join("elsewhere");
    copy_tree(
        &real.join("spec").join(VERSION),
        &root.join("spec").join(VERSION),
    );
    let out = temp.path().join("models");
    let root_text = root.display().to_string();
    let mut args = vec!["generate", "--version", VERSION, "--spec", "checkout"];
    args.extend(["--spec-root", &root_text, "--allow-unpinned"]);
    let outcome = run(&args, &out);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    edit(&out.join("src/lib.rs"), "pub mod", "pub  mod");
    let outcome = run(&["check", "--spec-root", &root_text], &out);
    assert_drift(&outcome, &[]);
    let command = outcome
        .stdout
        .lines()
        .find_map(|l| l.split("regenerate with `").nth(1))
        .expect("a regenerate command")
        .trim_end_matches('`');
    assert!(
        command.contains(&format!("--spec-root {root_text}")),
        "{command}"
    );
    assert!(command.contains("--allow-unpinned"), "{command}");
    // Running it makes the folder up to date again.
    let words: Vec<&str> = command.split_whitespace().skip(1).collect();
    let status = Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
        .args(&words)
        .status()
        .unwrap();
    assert!(status.success());
    let outcome = run(&["check", "--spec-root", &root_text], &out);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
