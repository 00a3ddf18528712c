//! Helpers shared by the integration tests (each test file uses some of them).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use acp_codegen::ir::{Additional, Api, Body, MemberTest, Parameter, Shape, TypeKind, TypeRef};
use acp_codegen::Generator;

/// The version folder of the `kitchen_sink` fixture.
pub const FIXTURE_VERSION: &str = "2030-01-01";

/// The cargo workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the test's package is inside the workspace")
        .to_path_buf()
}

/// The spec root of the `kitchen_sink` fixture.
pub fn fixture_root() -> PathBuf {
    // From the workspace root: the CLI's tests include this module too.
    workspace_root().join("generator/tests/fixtures/kitchen_sink")
}

/// A generator for the fixture (which is not in the pin file).
pub fn fixture_generator() -> Generator {
    Generator::new(fixture_root()).pins(None)
}

/// A fixture file's text, by its path relative to the fixture's spec root.
pub fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture_root().join(rel)).expect("fixture file")
}

/// 1-based line and column of the only occurrence of `needle` in `text`.
pub fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` must occur once to locate it"
    );
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |nl| nl + 1) + 1;
    (line, column)
}

/// Writes a spec root with the given files (paths relative to it) into a fresh temp dir.
pub fn temp_spec_root(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A compact, reviewable text form of the IR: types (kind, members, rules) and operations.
pub fn ir_summary(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "version {}", api.version);
    for module in &api.modules {
        let _ = writeln!(
            out,
            "module {} (spec {}, files: {})",
            module.name,
            module.spec,
            module.files.join(", ")
        );
    }
    out.push_str("\ntypes:\n");
    for def in &api.types {
        let module = &api.modules[def.module].name;
        let nullable = if def.nullable { " (nullable)" } else { "" };
        let aliases = def
            .aliases
            .iter()
            .map(|a| format!(" = {a}"))
            .collect::<String>();
        let _ = writeln!(
            out,
            "  {module}::{}{nullable}  <- {}{aliases}",
            def.name, def.origin
        );
        match &def.kind {
            TypeKind::Struct(s) => {
                let additional = match &s.additional {
                    Additional::Forbidden => "closed".to_string(),
                    Additional::Any => "open".to_string(),
                    Additional::Typed(t) => format!("additional: {}", type_text(api, t)),
                };
                let _ = writeln!(out, "    struct, {additional}");
                for field in &s.fields {
                    let mark = if field.required { "" } else { "?" };
                    let _ = writeln!(
                        out,
                        "    .{}{mark}: {}",
                        field.name,
                        type_text(api, &field.ty)
                    );
                }
                for c in &s.conditions {
                    let _ = writeln!(
                        out,
                        "    if ({}) then ({}) else ({})  <- #{}",
                        member_test_text(&c.when),
                        member_test_text(&c.then),
                        member_test_text(&c.otherwise),
                        c.origin.pointer
                    );
                }
                for a in &s.alternatives {
                    let keyword = if a.exclusive { "oneOf" } else { "anyOf" };
                    let branches: Vec<String> = a
                        .branches
                        .iter()
                        .map(|b| format!("({})", member_test_text(b)))
                        .collect();
                    let _ = writeln!(out, "    {keyword} [{}]", branches.join(", "));
                }
                if s.property_count != (None, None) {
                    let _ = writeln!(out, "    properties {:?}", s.property_count);
                }
            }
            TypeKind::Enum(values) => {
                let values: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
                let _ = writeln!(out, "    enum {values:?}");
            }
            TypeKind::Const(value) => {
                let _ = writeln!(out, "    const {value}");
            }
            TypeKind::TaggedUnion(u) => {
                let variants: Vec<String> = u
                    .variants
                    .iter()
                    .map(|(tag, id)| format!("{tag} => {}", api.types[*id].name))
                    .collect();
                let _ = writeln!(out, "    tagged by `{}`: {}", u.tag, variants.join(", "));
            }
            TypeKind::Untagged(variants) => {
                let variants: Vec<String> = variants.iter().map(|t| type_text(api, t)).collect();
                let _ = writeln!(out, "    untagged: {}", variants.join(" | "));
            }
            TypeKind::Newtype(inner) => {
                let _ = writeln!(out, "    newtype {}", type_text(api, inner));
            }
        }
    }
    out.push_str("\noperations:\n");
    for module in &api.modules {
        for op in &module.operations {
            let _ = writeln!(
                out,
                "  {} {}  {}  [{}]  security: {:?}",
                op.method, op.path, op.id, module.name, op.security
            );
            for p in &op.parameters {
                let _ = writeln!(out, "    param {}", parameter_text(api, p));
            }
            if let Some(body) = &op.request {
                let _ = writeln!(out, "    request {}", body_text(api, body));
            }
            for r in &op.responses {
                let body = r
                    .body
                    .as_ref()
                    .map(|b| body_text(api, b))
                    .unwrap_or_else(|| "no body".into());
                let _ = writeln!(out, "    response {}: {body}", r.status);
                for h in &r.headers {
                    let _ = writeln!(out, "      header {}", parameter_text(api, h));
                }
            }
        }
    }
    out.push_str("\nexamples:\n");
    for e in &api.examples {
        let _ = writeln!(
            out,
            "  {} -> {} as {}",
            e.origin,
            e.schema.pointer,
            type_text(api, &e.ty)
        );
    }
    out
}

/// `method in ["shipping"]; address has [state]`; `-` when empty.
fn member_test_text(test: &MemberTest) -> String {
    let path = |p: &[String]| {
        if p.is_empty() {
            "$".to_string()
        } else {
            p.join(".")
        }
    };
    let mut parts: Vec<String> = test
        .values
        .iter()
        .map(|(p, values)| format!("{} in {}", path(p), serde_json::Value::from(values.clone())))
        .collect();
    parts.extend(
        test.required
            .iter()
            .map(|(p, members)| format!("{} has {members:?}", path(p))),
    );
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join("; ")
    }
}

fn parameter_text(api: &Api, p: &Parameter) -> String {
    format!(
        "{:?} {} {}: {}",
        p.location,
        p.name,
        if p.required { "required" } else { "optional" },
        type_text(api, &p.ty)
    )
}

fn body_text(api: &Api, b: &Body) -> String {
    format!(
        "{} {}: {}",
        b.media_type,
        if b.required { "required" } else { "optional" },
        type_text(api, &b.ty)
    )
}

/// `Name`, `String{minLength: 1}`, `[Item]`, `{String}` (map), with `|null` when nullable.
pub fn type_text(api: &Api, ty: &TypeRef) -> String {
    let base = match &ty.shape {
        Shape::Any => "Any".to_string(),
        Shape::Null => "Null".to_string(),
        Shape::String => "String".to_string(),
        Shape::DateTime => "DateTime".to_string(),
        Shape::Integer => "Integer".to_string(),
        Shape::Number => "Number".to_string(),
        Shape::Boolean => "Boolean".to_string(),
        Shape::Object => "Object".to_string(),
        Shape::Array(item) => format!("[{}]", type_text(api, item)),
        Shape::Map(item) => format!("{{{}}}", type_text(api, item)),
        Shape::Named(id) => {
            let def = &api.types[*id];
            format!("{}::{}", api.modules[def.module].name, def.name)
        }
    };
    let r = &ty.rules;
    let mut rules = Vec::new();
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            rules.push(format!("{name}: {value}"));
        }
    };
    add("minLength", r.min_length.map(|n| n.to_string()));
    add("maxLength", r.max_length.map(|n| n.to_string()));
    add("pattern", r.pattern.clone());
    add("format", r.format.as_ref().map(ToString::to_string));
    add("minimum", r.minimum.map(|n| n.to_string()));
    add("maximum", r.maximum.map(|n| n.to_string()));
    add(
        "exclusiveMinimum",
        r.exclusive_minimum.map(|n| n.to_string()),
    );
    add(
        "exclusiveMaximum",
        r.exclusive_maximum.map(|n| n.to_string()),
    );
    add("multipleOf", r.multiple_of.map(|n| n.to_string()));
    add("minItems", r.min_items.map(|n| n.to_string()));
    add("maxItems", r.max_items.map(|n| n.to_string()));
    add("uniqueItems", r.unique_items.then(|| "true".to_string()));
    add(
        "allowed",
        r.allowed
            .as_ref()
            .map(|v| serde_json::Value::from(v.clone()).to_string()),
    );
    let rules = if rules.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", rules.join(", "))
    };
    let null = if ty.nullable { "|null" } else { "" };
    format!("{base}{rules}{null}")
}
