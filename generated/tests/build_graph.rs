//! A crate that depends on `acp` compiles the generator in its build script, and nothing else it
//! does not need: no command-line parser, no templates, no XML, no HTTP client or server, no
//! async runtime. Those belong to the CLI, the scaffold and the conformance suite.

use std::process::Command;

/// Crates that must not be built for a user of `acp` with its default features.
const FORBIDDEN: &[&str] = &[
    "clap",
    "askama",
    "quick-xml",
    "reqwest",
    "tokio",
    "axum",
    "hyper",
];

#[test]
fn depending_on_acp_builds_no_cli_template_or_network_crates() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--package",
            "acp",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--locked",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    // The graph is read for real: the generator and the runtime are in it.
    for expected in ["acp-codegen", "acp-runtime", "serde_json"] {
        assert!(
            names.contains(&expected),
            "{expected} missing from:\n{tree}"
        );
    }
    let found: Vec<&&str> = FORBIDDEN.iter().filter(|c| names.contains(c)).collect();
    assert!(found.is_empty(), "acp's build graph has {found:?}:\n{tree}");
}
