//! A `format` the generated code does not check is reported by `lint` where it is written, and
//! only then (a hand-written spec in a temp spec root).

mod common;

use acp_codegen::diagnostics::Severity;
use acp_codegen::ir::{Format, TypeKind};
use acp_codegen::Generator;
use common::{position_of, temp_spec_root};

const V: &str = "2030-01-01";
const SCHEMA: &str = "spec/2030-01-01/json-schema/schema.contacts.json";
const TEXT: &str = r#"{
  "$defs": {
    "Contact": {
      "type": "object",
      "properties": {
        "email": {"type": "string", "format": "email"},
        "site": {"type": "string", "format": "uri"},
        "born": {"type": "string", "format": "date"},
        "seen": {"type": "string", "format": "date-time"},
        "phone": {"type": "string", "format": "phone-number"},
        "address": {"type": ["string", "null"], "format": "ipv4"}
      }
    }
  }
}
"#;

#[test]
fn only_formats_the_generated_code_does_not_check_are_warned_about() {
    let root = temp_spec_root(&[(SCHEMA, TEXT)]);
    let generator = Generator::new(root.path()).pins(None);
    let findings = acp_codegen::lint::lint(&generator, V).expect("the spec loads");
    let warned: Vec<_> = findings
        .iter()
        .filter(|d| d.code == acp_codegen::Code::UnenforcedFormat)
        .collect();
    let pointers: Vec<&str> = warned.iter().map(|d| d.location.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/$defs/Contact/properties/phone/format",
            "/$defs/Contact/properties/address/format",
        ],
        "{findings:#?}"
    );
    for (d, (name, needle)) in warned.iter().zip([
        ("phone-number", r#""format": "phone-number""#),
        ("ipv4", r#""format": "ipv4""#),
    ]) {
        assert_eq!(d.severity, Severity::Warning, "{d}");
        assert_eq!(d.location.file, SCHEMA, "{d}");
        assert_eq!(d.location.line_col, Some(position_of(TEXT, needle)), "{d}");
        assert!(
            d.message.contains(&format!("`{name}`")) && d.message.contains("not enforced"),
            "{d}"
        );
    }

    // The IR keeps the unknown format by name; the known ones are told apart.
    let api = generator.api(V).expect("the spec converts");
    let TypeKind::Struct(contact) = &api.types.iter().next().expect("one type").kind else {
        panic!("Contact is a struct")
    };
    let formats: Vec<Option<Format>> = contact
        .fields
        .iter()
        .map(|f| f.ty.rules.format.clone())
        .collect();
    assert_eq!(
        formats,
        [
            Some(Format::Email),
            Some(Format::Uri),
            Some(Format::Date),
            // A string's date-time is its shape.
            None,
            Some(Format::Other("phone-number".into())),
            Some(Format::Other("ipv4".into())),
        ]
    );
}
