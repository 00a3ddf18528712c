//! The code generated from the `kitchen_sink` fixture compiles (warnings denied) and behaves:
//! one crate holds the strict code (via `Generator::write_crate`) and the tolerant code (via
//! `Generator::tolerant(true)`), both with borrowed views, plus `tests/behaviour.rs` (from the fixture folder), and one
//! nested `cargo test` runs it. Nested builds share `target/nested` with the other tests that
//! build generated crates, so dependencies compile once.

mod common;

use std::path::Path;
use std::process::Command;

use acp_codegen::RuntimeSource;
use common::{fixture_generator, fixture_root, workspace_root, FIXTURE_VERSION};
use serde_json::json;

/// Test functions in `behaviour.rs`; the nested run must report exactly this many passes.
const BEHAVIOUR_TESTS: usize = 13;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn generated_fixture_crate_compiles_and_behaves() {
    let nested_target = workspace_root().join("target/nested");
    // A fixed folder (not a temp dir) so the crate's own build is cached between runs too.
    let dir = nested_target.join("fixture-crates/kitchen-sink");
    let _ = std::fs::remove_dir_all(&dir);
    let versions = [FIXTURE_VERSION.to_string()];

    // With server stubs, a client and borrowed views: all must compile against acp-runtime.
    let diagnostics = fixture_generator()
        .server(true)
        .client(true)
        .borrowed(true)
        .write_crate(
            &versions,
            &dir,
            "kitchen-sink-models",
            &RuntimeSource::default(),
        )
        .expect("write_crate");
    assert!(
        !diagnostics.is_empty(),
        "the fixture's warnings are returned"
    );
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let RuntimeSource::Path(runtime) = RuntimeSource::default() else {
        panic!("the default runtime source is a path")
    };
    assert!(
        Path::new(&runtime).ends_with("runtime") && manifest.contains(&runtime),
        "{manifest}"
    );

    // The tolerant code as a second module of the same crate.
    let (tolerant, _) = fixture_generator()
        .tolerant(true)
        .borrowed(true)
        .lib_source(&versions, false)
        .expect("tolerant code");
    write(&dir.join("src/tolerant.rs"), &tolerant);
    let lib_path = dir.join("src/lib.rs");
    let mut lib = std::fs::read_to_string(&lib_path).unwrap();
    lib.push_str(
        "\n/// The same fixture generated with `Generator::tolerant(true)`.\npub mod tolerant;\n",
    );
    write(&lib_path, &lib);

    // The behaviour tests, and the fixture's examples for them to round-trip.
    let behaviour = std::fs::read_to_string(fixture_root().join("behaviour.rs")).unwrap();
    let count = behaviour.matches("#[test]").count();
    assert_eq!(count, BEHAVIOUR_TESTS, "update BEHAVIOUR_TESTS");
    write(&dir.join("tests/behaviour.rs"), &behaviour);
    let api = fixture_generator().api(FIXTURE_VERSION).unwrap();
    let examples: Vec<_> = api
        .examples
        .iter()
        .map(|e| json!({"at": e.origin.to_string(), "schema": e.schema.to_string(), "value": e.value}))
        .collect();
    assert!(examples.len() >= 6);
    write(
        &dir.join("tests/examples.json"),
        &serde_json::to_string_pretty(&examples).unwrap(),
    );
    // The workspace's lock file: same dependency versions, no resolution needed.
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let output = Command::new(env!("CARGO"))
        .args(["test", "--test", "behaviour", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &nested_target)
        // The same flags as the other nested builds, so they share compiled dependencies.
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("run cargo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the generated crate in {} failed to build or test:\n{stdout}\n{stderr}",
        dir.display()
    );
    let summary = format!("test result: ok. {BEHAVIOUR_TESTS} passed; 0 failed");
    assert!(
        stdout.contains(&summary),
        "expected `{summary}` in:\n{stdout}"
    );
}
