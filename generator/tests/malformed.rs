//! Malformed input gives errors or diagnostics that name the file, the JSON pointer and, where
//! the parser knows it, line:column; never a panic. Library level (`SpecSet::from_sources`,
//! `Generator` on a temp spec root); the CLI level is `cli/tests/cli_malformed.rs`.

mod common;

use acp_codegen::diagnostics::{Code, Diagnostic, Severity};
use acp_codegen::{convert, Error, Generator, LoadError, SpecSet};
use acp_specs::{sha256_hex, PinError, Pins};
use common::{fixture_root, position_of, temp_spec_root, FIXTURE_VERSION};

const V: &str = "2030-01-01";
const SCHEMA: &str = "spec/2030-01-01/json-schema/schema.x.json";
const OPENAPI: &str = "spec/2030-01-01/openapi/openapi.x.yaml";

/// The load error for one document.
fn load_error(path: &str, text: &str) -> LoadError {
    match SpecSet::from_sources(V, &[(path, text)]) {
        Ok(_) => panic!("{path} must not load:\n{text}"),
        Err(e) => e,
    }
}

/// The diagnostics for one document, which must load.
fn diagnostics(path: &str, text: &str) -> Vec<Diagnostic> {
    let set = SpecSet::from_sources(V, &[(path, text)])
        .unwrap_or_else(|e| panic!("{path} must load: {e}"));
    convert::convert(&set).diagnostics
}

/// Finds the diagnostic with `code` at `pointer` and checks its severity and position (the
/// position of `needle` in `text`, i.e. the member's key).
fn expect(
    found: &[Diagnostic],
    severity: Severity,
    code: Code,
    (path, text): (&str, &str),
    pointer: &str,
    needle: &str,
) -> Diagnostic {
    let d = found
        .iter()
        .find(|d| d.code == code && d.location.pointer == pointer)
        .unwrap_or_else(|| {
            let all: Vec<String> = found.iter().map(|d| format!("  {d}")).collect();
            panic!("no {code} at #{pointer}; got:\n{}", all.join("\n"))
        })
        .clone();
    assert_eq!(d.severity, severity, "{d}");
    assert_eq!(d.location.file, path, "{d}");
    let (line, col) = position_of(text, needle);
    assert_eq!(d.location.line_col, Some((line, col)), "{d}");
    assert!(
        d.to_string()
            .starts_with(&format!("{path}:{line}:{col} #{pointer}: ")),
        "{d}"
    );
    d
}

fn schema_with(definition: &str) -> String {
    format!("{{\n  \"$defs\": {{\n    \"A\": {definition}\n  }}\n}}\n")
}

// ---------------------------------------------------------------------------------------------
// Syntax
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_yaml_is_a_syntax_error_with_file_and_position() {
    let text = "openapi: 3.1.0\npaths:\n  /a:\n    get: {responses: [\n";
    let LoadError::Syntax(e) = load_error(OPENAPI, text) else {
        panic!("not a syntax error")
    };
    assert_eq!(e.path, OPENAPI);
    assert_eq!(e.line_col, Some((5, 1)), "{e}");
    assert_eq!(
        e.to_string(),
        format!("{OPENAPI}:5:1: did not find expected node content")
    );

    let text = "openapi: 3.1.0\ninfo:\n  title: \"unterminated\n";
    let LoadError::Syntax(e) = load_error(OPENAPI, text) else {
        panic!("not a syntax error")
    };
    let (line, _) = e.line_col.expect("a position");
    assert!((3..=4).contains(&line), "{e}");
    assert!(
        e.to_string().starts_with(&format!("{OPENAPI}:{line}:")),
        "{e}"
    );
}

#[test]
fn invalid_json_is_a_syntax_error_with_file_and_position() {
    let text = "{\n  \"$defs\": {\n    \"A\": {\"type\": \"string\",}\n  }\n}";
    let e = load_error(SCHEMA, text);
    assert_eq!(e.to_string(), format!("{SCHEMA}:3:28: trailing comma"));

    let e = load_error(SCHEMA, "{\n  \"$defs\": {\n");
    let LoadError::Syntax(e) = e else {
        panic!("not a syntax error")
    };
    // serde_json says column 0 at the end of input; columns are 1-based.
    assert_eq!(e.line_col, Some((3, 1)), "{e}");
    assert!(e.message.contains("EOF"), "{e}");
}

/// 100k nested `[` (or `{a: `) used to keep the YAML scanner busy for a minute before it gave
/// up; nesting past 128 levels is now a syntax error where the 129th level starts, and 64 levels
/// load.
#[test]
fn deep_nesting_is_a_syntax_error_where_the_limit_is_passed() {
    for unit in ["[", "{a: "] {
        let text = format!("openapi: 3.1.0\nx: {}\n", unit.repeat(100_000));
        let LoadError::Syntax(e) = load_error(OPENAPI, &text) else {
            panic!("not a syntax error")
        };
        // The mapping at the root is the first level, so the 128th collection after `x: ` is
        // the first too deep.
        assert_eq!(e.line_col, Some((2, 4 + 127 * unit.len())), "{e}");
        assert!(e.message.contains("nested deeper than 128 levels"), "{e}");
        assert!(e.to_string().starts_with(&format!("{OPENAPI}:2:")), "{e}");
    }
    let text = format!("openapi: 3.1.0\nx: {}1{}\n", "[".repeat(63), "]".repeat(63));
    let set = SpecSet::from_sources(V, &[(OPENAPI, text.as_str())])
        .unwrap_or_else(|e| panic!("64 levels must load: {e}"));
    assert!(set.files[0]
        .get(&format!("/x{}", "/0".repeat(63)))
        .is_some());
}

#[test]
fn syntax_errors_from_disk_name_the_file_relative_to_the_spec_root() {
    let root = temp_spec_root(&[(
        SCHEMA,
        "{\n  \"$defs\": {\n    \"A\": {\"type\": \"string\",}\n  }\n}",
    )]);
    let error = Generator::new(root.path()).pins(None).api(V).unwrap_err();
    assert!(
        matches!(error, Error::Load(LoadError::Syntax(_))),
        "{error:?}"
    );
    assert_eq!(error.to_string(), format!("{SCHEMA}:3:28: trailing comma"));

    let root = temp_spec_root(&[]);
    let path = root.path().join(SCHEMA);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"{\"a\": \"\xff\"}").unwrap();
    let error = Generator::new(root.path()).pins(None).api(V).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("{SCHEMA}: not UTF-8")),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------

#[test]
fn dangling_refs_are_errors_at_the_ref() {
    let text = schema_with(r##"{"$ref": "#/$defs/Nope"}"##);
    let found = diagnostics(SCHEMA, &text);
    let d = expect(
        &found,
        Severity::Error,
        Code::DanglingRef,
        (SCHEMA, &text),
        "/$defs/A/$ref",
        "\"$ref\"",
    );
    assert!(
        d.message.contains("`#/$defs/Nope` points at nothing"),
        "{d}"
    );

    // A `$ref` to a file that does not exist says which path it looked for.
    let text = schema_with(r##"{"$ref": "schema.other.json#/$defs/B"}"##);
    let found = diagnostics(SCHEMA, &text);
    let d = expect(
        &found,
        Severity::Error,
        Code::DanglingRef,
        (SCHEMA, &text),
        "/$defs/A/$ref",
        "\"$ref\"",
    );
    assert!(
        d.message
            .contains("looked for `spec/2030-01-01/json-schema/schema.other.json`"),
        "{d}"
    );

    // Anchors are not supported and say so.
    let text = schema_with(r##"{"$ref": "#anchor"}"##);
    let found = diagnostics(SCHEMA, &text);
    let d = expect(
        &found,
        Severity::Error,
        Code::DanglingRef,
        (SCHEMA, &text),
        "/$defs/A/$ref",
        "\"$ref\"",
    );
    assert!(d.message.contains("not a JSON pointer"), "{d}");

    // Through `Generator`, errors fail generation and are listed with their positions.
    let text = schema_with(r##"{"$ref": "#/$defs/Nope"}"##);
    let root = temp_spec_root(&[(SCHEMA, &text)]);
    let error = Generator::new(root.path()).pins(None).api(V).unwrap_err();
    let Error::Invalid(errors) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(errors.len(), 1);
    let (line, col) = position_of(&text, "\"$ref\"");
    assert!(
        error.to_string().contains(&format!(
            "{SCHEMA}:{line}:{col} #/$defs/A/$ref: error[dangling-ref]"
        )),
        "{error}"
    );
}

#[test]
fn ref_cycles_through_non_definitions_are_errors() {
    let text = schema_with(
        r##"{"type": "object", "properties": {
      "x": {"$ref": "#/$defs/A/properties/y"},
      "y": {"$ref": "#/$defs/A/properties/x"}}}"##,
    );
    let found = diagnostics(SCHEMA, &text);
    let d = expect(
        &found,
        Severity::Error,
        Code::RefCycle,
        (SCHEMA, &text),
        "/$defs/A/properties/x",
        "\"x\"",
    );
    assert!(d.message.contains("move it under `$defs`"), "{d}");

    // A reference to itself, and one through array items.
    for (definition, needle) in [
        (
            r##"{"properties": {"x": {"$ref": "#/$defs/A/properties/x"}}}"##,
            "\"x\"",
        ),
        (
            r##"{"properties": {"x": {"type": "array", "items": {"$ref": "#/$defs/A/properties/x"}}}}"##,
            "\"x\"",
        ),
    ] {
        let text = schema_with(definition);
        let found = diagnostics(SCHEMA, &text);
        expect(
            &found,
            Severity::Error,
            Code::RefCycle,
            (SCHEMA, &text),
            "/$defs/A/properties/x",
            needle,
        );
    }

    // `allOf` that includes itself.
    let text = schema_with(r##"{"allOf": [{"$ref": "#/$defs/A"}, {"properties": {"a": {}}}]}"##);
    let found = diagnostics(SCHEMA, &text);
    let d = expect(
        &found,
        Severity::Error,
        Code::RefCycle,
        (SCHEMA, &text),
        "/$defs/A",
        "\"A\"",
    );
    assert!(d.message.contains("`allOf` includes itself"), "{d}");

    // OpenAPI reference objects that refer to each other.
    let text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      operationId: a\n      parameters: [{$ref: '#/components/parameters/X'}]\n      responses: {}\ncomponents:\n  parameters:\n    X: {$ref: '#/components/parameters/Y'}\n    Y: {$ref: '#/components/parameters/X'}\n";
    let found = diagnostics(OPENAPI, text);
    expect(
        &found,
        Severity::Error,
        Code::RefCycle,
        (OPENAPI, text),
        "/paths/~1a/get/parameters/0",
        "{$ref: '#/components/parameters/X'}]",
    );
}

// ---------------------------------------------------------------------------------------------
// Wrong types
// ---------------------------------------------------------------------------------------------

#[test]
fn keywords_of_the_wrong_type_are_reported_where_they_are() {
    // (definition, code, severity, pointer below /$defs/A, key to locate, words in the message)
    let cases: &[(&str, Code, Severity, &str, &str, &str)] = &[
        (
            r#"{"type": 5}"#,
            Code::BadKeyword,
            Severity::Error,
            "/type",
            "\"type\"",
            "`type` must be a string or an array of strings",
        ),
        (
            r#"{"type": "strin"}"#,
            Code::BadKeyword,
            Severity::Error,
            "/type",
            "\"type\"",
            "unknown type `strin`",
        ),
        (
            r#"{"type": "object", "properties": []}"#,
            Code::BadKeyword,
            Severity::Error,
            "/properties",
            "\"properties\"",
            "`properties` must be an object, found an array",
        ),
        (
            r#"{"type": "object", "properties": {"x": {}}, "required": "x"}"#,
            Code::BadKeyword,
            Severity::Error,
            "/required",
            "\"required\"",
            "`required` must be an array or a boolean, found a string",
        ),
        (
            r#"{"enum": {}}"#,
            Code::BadKeyword,
            Severity::Error,
            "/enum",
            "\"enum\"",
            "`enum` must be an array",
        ),
        (
            r#"{"oneOf": {}}"#,
            Code::BadKeyword,
            Severity::Error,
            "/oneOf",
            "\"oneOf\"",
            "`oneOf` must be an array",
        ),
        (
            r#"{"allOf": {"a": 1}}"#,
            Code::BadKeyword,
            Severity::Error,
            "/allOf",
            "\"allOf\"",
            "`allOf` must be an array",
        ),
        (
            r#"{"allOf": ["x", {"properties": {}}]}"#,
            Code::NotASchema,
            Severity::Error,
            "/allOf/0",
            "\"x\"",
            "an `allOf` part must be a schema object",
        ),
        (
            r#"{"type": "array", "items": 5}"#,
            Code::NotASchema,
            Severity::Error,
            "/items",
            "\"items\"",
            "found a number",
        ),
        (
            r#"{"$ref": 5}"#,
            Code::BadKeyword,
            Severity::Error,
            "/$ref",
            "\"$ref\"",
            "`$ref` must be a string, found a number",
        ),
        (
            r#"{"type": "string", "minLength": "3"}"#,
            Code::BadKeyword,
            Severity::Error,
            "/minLength",
            "\"minLength\"",
            "`minLength` must be a non-negative integer, found a string",
        ),
        (
            r#"{"type": "string", "pattern": "("}"#,
            Code::BadPattern,
            Severity::Warning,
            "/pattern",
            "\"pattern\"",
            "unclosed group",
        ),
        (
            r#""string""#,
            Code::NotASchema,
            Severity::Error,
            "",
            "\"A\"",
            "a schema must be an object or a boolean, found a string",
        ),
    ];
    for (definition, code, severity, pointer, needle, words) in cases {
        let text = schema_with(definition);
        let found = diagnostics(SCHEMA, &text);
        let d = expect(
            &found,
            *severity,
            *code,
            (SCHEMA, &text),
            &format!("/$defs/A{pointer}"),
            needle,
        );
        assert!(d.message.contains(words), "{definition}: {d}");
    }
}

#[test]
fn documents_of_the_wrong_shape_are_reported() {
    let text = "\"hello\"";
    let found = diagnostics(SCHEMA, text);
    let d = expect(
        &found,
        Severity::Error,
        Code::NotASchema,
        (SCHEMA, text),
        "",
        "\"hello\"",
    );
    assert!(d.message.contains("bundle must be an object"), "{d}");

    let text = "{\"$defs\": [1, 2]}";
    let found = diagnostics(SCHEMA, text);
    expect(
        &found,
        Severity::Error,
        Code::BadKeyword,
        (SCHEMA, text),
        "/$defs",
        "\"$defs\"",
    );

    let text = "- 1\n";
    let found = diagnostics(OPENAPI, text);
    expect(
        &found,
        Severity::Error,
        Code::NotOpenapi,
        (OPENAPI, text),
        "",
        "- 1",
    );

    // An empty file has no position to give, but names the file.
    let found = diagnostics(OPENAPI, "");
    let d = found
        .iter()
        .find(|d| d.code == Code::NotOpenapi)
        .expect("not-openapi");
    assert_eq!(
        d.to_string(),
        format!("{OPENAPI} #: error[not-openapi]: an OpenAPI document must be an object")
    );

    // `openapi: 3.1` is a number in YAML.
    let text = "openapi: 3.1\n";
    let found = diagnostics(OPENAPI, text);
    let d = expect(
        &found,
        Severity::Error,
        Code::BadKeyword,
        (OPENAPI, text),
        "/openapi",
        "openapi",
    );
    assert!(
        d.message.contains("must be a string, found a number"),
        "{d}"
    );

    let text = "openapi: 3.1.0\npaths: []\n";
    let found = diagnostics(OPENAPI, text);
    expect(
        &found,
        Severity::Error,
        Code::BadKeyword,
        (OPENAPI, text),
        "/paths",
        "paths",
    );

    let text = "openapi: 3.1.0\npaths:\n  /a:\n    get: hello\n";
    let found = diagnostics(OPENAPI, text);
    expect(
        &found,
        Severity::Error,
        Code::BadKeyword,
        (OPENAPI, text),
        "/paths/~1a/get",
        "get",
    );

    let text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      operationId: a\n      parameters: {}\n      responses: {}\n";
    let found = diagnostics(OPENAPI, text);
    expect(
        &found,
        Severity::Error,
        Code::BadKeyword,
        (OPENAPI, text),
        "/paths/~1a/get/parameters",
        "parameters",
    );

    let text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          description: x\n          content:\n            application/json:\n              schema: 5\n";
    let found = diagnostics(OPENAPI, text);
    expect(
        &found,
        Severity::Error,
        Code::NotASchema,
        (OPENAPI, text),
        "/paths/~1a/get/responses/200/content/application~1json/schema",
        "schema",
    );
}

/// Odd documents of every kind convert without panicking, and every error points into its file.
#[test]
fn odd_documents_never_panic() {
    let documents: &[(&str, &str)] = &[
        (SCHEMA, "{}"),
        (SCHEMA, "[]"),
        (SCHEMA, "null"),
        (SCHEMA, "{\"$defs\": {\"A\": true, \"B\": false, \"C\": null}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"$ref\": \"\"}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"$ref\": \"#\"}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"$ref\": \"#/$defs/A\"}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"$ref\": \"#/$defs/B\"}, \"B\": {\"$ref\": \"#/$defs/A\"}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"$ref\": \"#/%24defs/A/%ZZ\"}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"#/$defs/A\"}}}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"oneOf\": [{\"$ref\": \"#/$defs/A\"}, {\"type\": \"null\"}]}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"anyOf\": []}, \"B\": {\"allOf\": []}, \"C\": {\"enum\": []}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"type\": []}, \"B\": {\"type\": [\"null\"]}, \"C\": {\"const\": null}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"if\": {\"properties\": 1}, \"then\": [], \"properties\": {}}}}"),
        (SCHEMA, "{\"$defs\": {\"A\": {\"properties\": {\"a\": 1}, \"required\": [1, null]}}}"),
        (SCHEMA, "{\"$defs\": {\"~0/\": {\"type\": \"string\"}, \"\": {}, \"3d\": {}, \"type\": {}}}"),
        (OPENAPI, "openapi: 3.1.0\npaths:\n  /a:\n    parameters: [x]\n    get:\n      parameters: [{in: nowhere}]\n      requestBody: {$ref: '#/nope'}\n      responses:\n        '200': hello\n        '201': {headers: {X: 5}, content: {application/json: 5}}\n"),
        (OPENAPI, "openapi: 3.1.0\ncomponents:\n  schemas: [1]\n  parameters: 5\n"),
        (OPENAPI, "openapi: 3.1.0\npaths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path}]\n      responses: []\n"),
        (OPENAPI, "? [a, b]\n: c\n"),
        (OPENAPI, "a: &x [*x]\n"),
        (OPENAPI, "a: !!binary aGVsbG8=\n"),
        (OPENAPI, "--- 1\n"),
    ];
    // Percent-escapes next to multi-byte characters used to panic in the `$ref` decoder.
    let text = "{\"$defs\": {\"A\": {\"$ref\": \"#/%a\u{e9}\"}, \"B\": {\"$ref\": \"#/%24defs/%C3%A9\"}, \"\u{e9}\": {}}}";
    let found = diagnostics(SCHEMA, text);
    let dangling: Vec<&str> = found
        .iter()
        .filter(|d| d.code == Code::DanglingRef)
        .map(|d| d.location.pointer.as_str())
        .collect();
    assert_eq!(dangling, ["/$defs/A/$ref"], "{found:?}");
    for (path, text) in documents {
        let set = match SpecSet::from_sources(V, &[(path, text)]) {
            Ok(set) => set,
            Err(e) => {
                assert!(e.to_string().starts_with(path), "{text}: {e}");
                continue;
            }
        };
        let api = convert::convert(&set);
        for d in api
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            assert_eq!(d.location.file, *path, "{d}");
            if !text.is_empty() {
                assert!(d.location.line_col.is_some(), "{text}: {d}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Spec roots, versions and pins
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_versions_and_missing_spec_folders_are_named() {
    let error = Generator::new(fixture_root())
        .pins(None)
        .api("2031-01-01")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "no version `2031-01-01` under {}/spec (found: {FIXTURE_VERSION})",
            fixture_root().display()
        )
    );

    let empty = tempfile::tempdir().unwrap();
    let generator = Generator::new(empty.path()).pins(None);
    let error = generator.api(V).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("{} has no spec/ folder", empty.path().display())),
        "{error}"
    );
    let error = generator.versions().unwrap_err();
    assert!(error.to_string().contains("spec"), "{error}");
}

fn fixture_pins(openapi_hash: Option<&str>) -> Pins {
    let mut toml = String::from(
        "[upstream]\nrepository = \"example/acp\"\ncommit = \"0000000\"\n\n[versions.\"2030-01-01\".files]\n",
    );
    for rel in [
        "spec/2030-01-01/json-schema/schema.common.json",
        "spec/2030-01-01/json-schema/schema.shop.json",
        "spec/2030-01-01/openapi/openapi.shop.yaml",
    ] {
        let bytes = std::fs::read(fixture_root().join(rel)).unwrap();
        let hash = match openapi_hash {
            Some(wrong) if rel.ends_with(".yaml") => wrong.to_string(),
            _ => sha256_hex(&bytes),
        };
        toml.push_str(&format!("\"{rel}\" = \"{hash}\"\n"));
    }
    Pins::parse(&toml).unwrap()
}

#[test]
fn pin_mismatch_names_the_file_and_can_be_downgraded() {
    const YAML: &str = "spec/2030-01-01/openapi/openapi.shop.yaml";
    // Correct pins: no complaint.
    let api = Generator::new(fixture_root())
        .pins(Some(fixture_pins(None)))
        .api(FIXTURE_VERSION)
        .unwrap();
    assert!(api.diagnostics.iter().all(|d| d.code != Code::Unpinned));

    let wrong = "0".repeat(64);
    let error = Generator::new(fixture_root())
        .pins(Some(fixture_pins(Some(&wrong))))
        .api(FIXTURE_VERSION)
        .unwrap_err();
    match &error {
        Error::Load(LoadError::Pin(PinError::Mismatch {
            file,
            expected,
            actual,
        })) => {
            assert_eq!(file, YAML);
            assert_eq!(expected, &wrong);
            let bytes = std::fs::read(fixture_root().join(YAML)).unwrap();
            assert_eq!(actual, &sha256_hex(&bytes));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with(&format!("{YAML} does not match its pin")),
        "{error}"
    );

    // Allowed: a warning naming the file, and generation goes on.
    let generator = Generator::new(fixture_root())
        .pins(Some(fixture_pins(Some(&wrong))))
        .allow_unpinned(true);
    let code = generator.version_code(FIXTURE_VERSION).unwrap();
    let unpinned: Vec<&Diagnostic> = code
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Unpinned)
        .collect();
    assert_eq!(unpinned.len(), 1, "{unpinned:?}");
    assert_eq!(unpinned[0].severity, Severity::Warning);
    assert_eq!(unpinned[0].location.file, YAML);
    assert!(unpinned[0].message.contains("does not match its pin"));
    assert!(code.tokens.to_string().contains("CreateOrderRequest"));

    // The embedded pin file does not know the fixture's version.
    let error = Generator::new(fixture_root())
        .api(FIXTURE_VERSION)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("spec version 2030-01-01 is not in the pin file"),
        "{error}"
    );
}
