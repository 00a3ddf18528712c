//! Malformed input through the built `acp-codegen` binary: errors name the file, the JSON pointer
//! and line:column; exit status 1, never a panic. (The library level is
//! `generator/tests/malformed.rs`.)

#[path = "../../generator/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Output};

use acp_specs::Pins;
use common::{fixture_root, position_of, temp_spec_root, FIXTURE_VERSION};

const V: &str = "2030-01-01";
const SCHEMA: &str = "spec/2030-01-01/json-schema/schema.x.json";
const OPENAPI: &str = "spec/2030-01-01/openapi/openapi.x.yaml";

/// A JSON Schema file whose `$defs` has one definition `A`.
fn schema_with(definition: &str) -> String {
    format!("{{\n  \"$defs\": {{\n    \"A\": {definition}\n  }}\n}}\n")
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

fn cli(args: &[&str], spec_root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
        .args(args)
        .arg("--spec-root")
        .arg(spec_root)
        .env_remove("ACP_SPEC_ROOT")
        .output()
        .expect("run acp-codegen")
}

/// A failed run: exit status 1 (not a panic's 101), `error: ` and the message on stderr.
fn failed(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

#[test]
fn cli_reports_malformed_files_with_positions() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("crate");
    let out_arg = out_dir.to_str().unwrap();
    let generate = [
        "generate",
        "--version",
        V,
        "--out",
        out_arg,
        "--allow-unpinned",
    ];

    let root = temp_spec_root(&[(
        OPENAPI,
        "openapi: 3.1.0\npaths:\n  /a:\n    get: {responses: [\n",
    )]);
    let stderr = failed(&cli(&generate, root.path()));
    assert_eq!(
        stderr.trim_end(),
        format!("error: {OPENAPI}:5:1: did not find expected node content")
    );

    let text = schema_with(r##"{"$ref": "#/$defs/Nope"}"##);
    let root = temp_spec_root(&[(SCHEMA, &text)]);
    let (line, col) = position_of(&text, "\"$ref\"");
    let stderr = failed(&cli(&generate, root.path()));
    assert!(stderr.contains("1 error(s) in the spec files"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{SCHEMA}:{line}:{col} #/$defs/A/$ref: error[dangling-ref]"
        )),
        "{stderr}"
    );
    assert!(!out_dir.join("src/lib.rs").exists(), "nothing is written");
    // `lint` says the same.
    let stderr = failed(&cli(
        &["lint", "--version", V, "--allow-unpinned"],
        root.path(),
    ));
    assert!(
        stderr.contains(&format!("{SCHEMA}:{line}:{col} #/$defs/A/$ref")),
        "{stderr}"
    );

    let stderr = failed(&cli(
        &[
            "generate",
            "--version",
            "2031-01-01",
            "--out",
            out_arg,
            "--allow-unpinned",
        ],
        root.path(),
    ));
    assert!(
        stderr.contains("no version `2031-01-01`") && stderr.contains("found: 2030-01-01"),
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let stderr = failed(&cli(&generate, empty.path()));
    assert!(stderr.contains("has no spec/"), "{stderr}");
    assert!(
        stderr.contains(&empty.path().display().to_string()),
        "{stderr}"
    );
}

#[test]
fn cli_checks_pins_and_allows_unpinned_files_on_request() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("crate");
    let out_arg = out_dir.to_str().unwrap();
    // A pinned version name with content of our own: the hash cannot match.
    let pinned_version = Pins::embedded()
        .latest()
        .expect("the pin file has versions")
        .to_string();
    let rel = format!("spec/{pinned_version}/openapi/openapi.agentic_checkout.yaml");
    let root = temp_spec_root(&[(
        &rel,
        "openapi: 3.1.0\ninfo: {title: Not the real file, version: '1'}\npaths: {}\n",
    )]);
    let generate = ["generate", "--version", &pinned_version, "--out", out_arg];
    let stderr = failed(&cli(&generate, root.path()));
    assert!(
        stderr.starts_with(&format!("error: {rel} does not match its pin")),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-unpinned"), "{stderr}");

    let mut allowed = generate.to_vec();
    allowed.push("--allow-unpinned");
    let output = cli(&allowed, root.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("1 spec warning(s)"), "{stderr}");
    assert!(out_dir.join("src/lib.rs").is_file());

    // An unpinned version fails without the flag, naming the version.
    let stderr = failed(&cli(
        &["generate", "--version", FIXTURE_VERSION, "--out", out_arg],
        &fixture_root(),
    ));
    assert!(
        stderr.contains("spec version 2030-01-01 is not in the pin file"),
        "{stderr}"
    );
}

#[test]
fn cli_lint_prints_fixture_findings_with_positions() {
    let output = cli(
        &["lint", "--version", FIXTURE_VERSION, "--allow-unpinned"],
        &fixture_root(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "findings exit 1: {stderr}");
    let yaml =
        std::fs::read_to_string(fixture_root().join("spec/2030-01-01/openapi/openapi.shop.yaml"))
            .unwrap();
    let (line, col) = position_of(&yaml, "retry_after:");
    let expected = format!(
        "spec/2030-01-01/openapi/openapi.shop.yaml:{line}:{col} #/components/schemas/Error/retry_after: warning[unsupported-keyword]: "
    );
    assert!(stdout.lines().any(|l| l.starts_with(&expected)), "{stdout}");
    // Every finding is one line with a position and a pointer.
    for l in stdout.lines() {
        assert!(l.starts_with("spec/2030-01-01/") && l.contains(" #"), "{l}");
    }
    assert!(stderr.contains("2030-01-01: "), "{stderr}");
}
