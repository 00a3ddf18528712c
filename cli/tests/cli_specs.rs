//! The CLI's `lint`, `specs pin` and `specs sync` on the real spec files, and the pin check that
//! guards generation.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acp-codegen"))
        .args(args)
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

/// 1-based line and column of the first occurrence of `needle` in a file.
fn position(path: &Path, needle: &str) -> (usize, usize) {
    let content = std::fs::read_to_string(path).unwrap();
    let offset = content
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {}", path.display()));
    let line = content[..offset].matches('\n').count() + 1;
    let column = offset - content[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

#[test]
fn lint_reports_real_defects_with_their_positions() {
    let root = acp_specs::resolve_spec_root(None).unwrap();
    let output = run(&["lint", "--version", "2025-09-29"]);
    let report = text(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "lint exits 1 when it finds defects:\n{report}"
    );
    // The 3.0-style boolean bound in a 3.1 file, pointed at by line and column of its value.
    let file = "spec/2025-09-29/json-schema/schema.agentic_checkout.json";
    let (line, column) = position(&root.join(file), "\"exclusiveMinimum\": true");
    let expected = format!("{file}:{line}:{column} #/$defs/Item/properties/quantity/exclusiveMinimum: warning[openapi-3.0-keyword]");
    assert!(
        report.contains(&expected),
        "missing `{expected}` in:\n{report}"
    );

    let report = text(&run(&["lint", "--version", "2026-04-17"]));
    let file = "spec/2026-04-17/openapi/openapi.agentic_checkout.yaml";
    let (line, column) = position(&root.join(file), "display_order:");
    let expected = format!("{file}:{line}:{column} #/components/schemas/PaymentHandler/display_order: warning[unsupported-keyword]");
    assert!(report.contains(&expected), "missing `{expected}`");
    assert!(report.contains("placed beside `properties`"));
    let file = "spec/2026-04-17/json-schema/schema.agentic_checkout.json";
    assert!(
        report.contains(&format!("{file}:"))
            && report.contains("#/$defs/Adjustment/example: warning[invalid-example]"),
        "no invalid example reported"
    );
    assert!(report.contains("warning[openapi-jsonschema-mismatch]"));
    assert!(report.contains("warning[allof-closed-part]"));
}

#[test]
fn pin_sync_and_the_pin_check() {
    let root = acp_specs::resolve_spec_root(None).unwrap();
    let temp = tempfile::tempdir().unwrap();

    // `specs pin` over the real files reproduces the committed pin file.
    let pins = temp.path().join("pins.toml");
    let output = run(&["specs", "pin", "--pins", pins.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/pins.toml"))
            .unwrap();
    assert_eq!(std::fs::read_to_string(&pins).unwrap(), committed);

    // `specs sync` copies a checkout; generation from the copy passes the pin check.
    let copy = temp.path().join("copy");
    let output = run(&[
        "specs",
        "sync",
        "--from",
        root.to_str().unwrap(),
        "--to",
        copy.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let out = temp.path().join("out");
    let generate = |extra: &[&str]| {
        let mut args = vec![
            "generate",
            "--spec-root",
            copy.to_str().unwrap(),
            "--version",
            "2025-09-29",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let output = generate(&[]);
    assert!(output.status.success(), "{}", text(&output));

    // An edited file is refused, by name, unless explicitly allowed.
    let edited = "spec/2025-09-29/json-schema/schema.delegate_payment.json";
    let path = copy.join(edited);
    let content = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        content.replacen("\"title\"", "\"$comment\": \"edited\", \"title\"", 1),
    )
    .unwrap();
    let output = generate(&[]);
    assert!(!output.status.success());
    let message = text(&output);
    assert!(
        message.contains(edited) && message.contains("--allow-unpinned"),
        "{message}"
    );
    let output = generate(&["--allow-unpinned"]);
    assert!(output.status.success(), "{}", text(&output));
}
