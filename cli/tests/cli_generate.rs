//! `acp-codegen generate` on the real specs writes crates that `cargo check` cleanly (no
//! warnings), for every version at once and for a spec subset in tolerant mode.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn generate(args: &[&str], out: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
        .arg("generate")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "generate {args:?} failed: {stderr}"
    );
    stderr
}

/// `cargo check` of a generated crate with warnings denied, sharing one target folder with the
/// other nested builds so dependencies compile once.
fn check(dir: &Path) {
    let output = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", workspace().join("target/nested"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "generated crate in {} does not check:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn generated_crates_check_without_warnings() {
    let temp = tempfile::tempdir().unwrap();
    let all = temp.path().join("all");
    let said = generate(&["--version", "all", "--name", "acp-all"], &all);
    assert!(
        said.contains("2025-09-29") && said.contains("2026-04-17"),
        "{said}"
    );
    let lib = std::fs::read_to_string(all.join("src/lib.rs")).unwrap();
    for version in acp_specs::Pins::embedded().versions() {
        let module = format!("pub mod v{} {{", version.replace('-', "_"));
        assert!(lib.contains(&module), "missing {module}");
    }
    assert!(
        lib.contains("pub type CheckoutSession = CheckoutSessionBase;")
            || lib.contains("pub struct CheckoutSession {")
    );
    for expected in [
        "pub struct CheckoutSessionBase {",
        "pub struct CheckoutSessionWithOrder {",
        "pub mod delegate_payment {",
        "pub mod feed {",
        "pub mod cart {",
        "pub mod delegate_authentication {",
        "pub mod discount {",
        "pub mod extension {",
        "pub mod webhooks {",
    ] {
        assert!(lib.contains(expected), "missing `{expected}`");
    }
    check(&all);

    // A subset keeps what it refers to: the webhook's Order comes from checkout.
    let subset = temp.path().join("subset");
    generate(
        &[
            "--version",
            "2026-04-17",
            "--spec",
            "webhooks",
            "--tolerant",
            "--server",
            "--client",
            "--name",
            "acp-hooks",
        ],
        &subset,
    );
    let lib = std::fs::read_to_string(subset.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub mod webhooks {") && lib.contains("pub mod checkout {"));
    assert!(!lib.contains("pub mod feed {"), "unrelated spec kept");
    assert!(
        lib.contains("pub trait Api") && lib.contains("pub fn router<S: Api>"),
        "--server emits the stubs"
    );
    assert!(
        lib.contains("pub struct Sender("),
        "--client emits the webhook sender"
    );
    assert!(
        !lib.contains("deny_unknown_fields"),
        "tolerant output must not reject unknown members"
    );
    check(&subset);
}

#[test]
fn unknown_version_and_spec_are_clear_errors() {
    let temp = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (vec!["--version", "1999-01-01"], "no version `1999-01-01`"),
        (
            vec!["--version", "2026-04-17", "--spec", "nope"],
            "has no spec `nope`",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
            .arg("generate")
            .args(&args)
            .arg("--out")
            .arg(temp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
