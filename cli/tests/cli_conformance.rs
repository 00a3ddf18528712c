//! `acp-codegen conformance` on bad input and against nothing: clear errors, no panics, a
//! report even when every check fails, exit code 1.

use std::process::Command;

use acp_conformance::CHECKS;

const BIN: &str = env!("CARGO_BIN_EXE_acp-codegen");
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../templates/merchant.example.toml"
);

fn conformance(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BIN)
        .arg("conformance")
        .args(args)
        .output()
        .expect("run acp-codegen");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn list_names_every_check() {
    let (code, stdout, _) = conformance(&["--version", "2026-04-17", "--list"]);
    assert_eq!(code, 0);
    for check in CHECKS {
        assert!(stdout.contains(check.id), "{stdout}");
    }
}

/// Over MCP the checks come from the OpenRPC methods: read here from the file itself, each
/// method has its `valid` check and the binding its four; REST checks are not run.
#[test]
fn mcp_checks_are_made_from_the_openrpc_methods() {
    let root = acp_specs::resolve_spec_root(None).unwrap();
    let file = root.join("spec/2026-04-17/openrpc/openrpc.agentic_checkout.json");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let methods: Vec<&str> = document["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(methods.len(), 5);
    let (code, stdout, stderr) = conformance(&[
        "--version",
        "2026-04-17",
        "--transport",
        "mcp",
        "--list",
        "--config",
        EXAMPLE,
    ]);
    assert_eq!(code, 0, "{stderr}");
    for method in &methods {
        assert!(stdout.contains(&format!("mcp.{method}.valid")), "{stdout}");
        assert!(
            stdout.contains(&format!("mcp.{method}.api_version")),
            "{stdout}"
        );
    }
    for rule in ["mcp.auth", "mcp.tools", "mcp.envelope", "mcp.rest_parity"] {
        assert!(stdout.contains(rule), "{stdout}");
    }
    // Only cancel's payload is optional; get takes none.
    assert_eq!(stdout.matches(".payload_optional").count(), 1, "{stdout}");
    assert!(!stdout.contains("session.create"), "{stdout}");

    // A version without a binding says so.
    let (code, _, stderr) = conformance(&[
        "--version",
        "2025-09-29",
        "--transport",
        "mcp",
        "--list",
        "--config",
        EXAMPLE,
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("2025-09-29 has no MCP binding"), "{stderr}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let (code, _, stderr) = conformance(&[
        "--version",
        "2026-04-17",
        "--config",
        "/nonexistent/merchant.toml",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/merchant.toml"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("merchant.toml");
    std::fs::write(
        &broken,
        "[merchant]\napi_key = \"k\"\n\n[fixtures]\nin_stock_item_id = 3\n",
    )
    .unwrap();
    let (code, _, stderr) = conformance(&[
        "--version",
        "2026-04-17",
        "--config",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("merchant.toml:5:20"), "{stderr}");

    let (code, _, stderr) = conformance(&[
        "--version",
        "2026-04-17",
        "--config",
        EXAMPLE,
        "--check",
        "no.such.check",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown check `no.such.check`"), "{stderr}");

    let (code, _, stderr) = conformance(&["--version", "1999-01-01", "--config", EXAMPLE]);
    assert_eq!(code, 1);
    assert!(stderr.contains("1999-01-01"), "{stderr}");

    let (code, _, stderr) = conformance(&[
        "--version",
        "2026-04-17",
        "--profile",
        "strict",
        "--config",
        EXAMPLE,
    ]);
    assert_eq!(code, 2, "clap refuses an unknown profile: {stderr}");
    assert!(stderr.contains("launch-checklist"), "{stderr}");
}

#[test]
fn a_server_that_is_not_there_fails_every_check_with_a_report() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let base_url = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = conformance(&[
        "--version",
        "2025-09-29",
        "--config",
        EXAMPLE,
        "--base-url",
        &base_url,
        "--report",
        dir.path().to_str().unwrap(),
        "--timeout",
        "5",
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let results = report["results"].as_array().unwrap();
    // The checklist's checks, then those derived from the spec (every API, by default).
    for (check, result) in CHECKS.iter().zip(results) {
        assert_eq!(result["id"], check.id);
    }
    assert!(results.len() > CHECKS.len() + 20, "{}", results.len());
    for result in results {
        let outcome = result["outcome"].as_str().unwrap();
        assert!(["fail", "skip", "blocked"].contains(&outcome), "{result}");
        if outcome == "fail" {
            assert!(
                result["message"]
                    .as_str()
                    .unwrap()
                    .contains("got no response"),
                "{result}"
            );
        }
    }
    assert!(
        stdout.contains("FAIL session.create.without_address"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "0 passed, {}",
        results.iter().filter(|r| r["outcome"] == "fail").count()
    )));
    // The example's secrets never reach the output.
    assert!(!stdout.contains("sk_test_replace_me_0123456789"));
}
