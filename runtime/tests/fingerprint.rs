//! `acp_runtime::server::fingerprint` gives the digests of its first definition (stored
//! idempotency keys depend on them): SHA-256 of `serde_jcs::to_vec` of the parsed
//! `serde_json::Value`, or of the raw bytes when the body is not JSON. Checked on generated JSON
//! text, on non-JSON bytes and on every example of the real specs.

use std::path::{Path, PathBuf};

use acp_runtime::server::fingerprint;
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The first definition, kept here as the independent reference.
fn reference(body: &[u8]) -> [u8; 32] {
    let canonical = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| serde_jcs::to_vec(&value).ok());
    let mut hasher = Sha256::new();
    match canonical {
        Some(bytes) => hasher.update(&bytes),
        None => hasher.update(body),
    }
    hasher.finalize().into()
}

fn assert_same(body: &[u8]) {
    assert_eq!(
        fingerprint(body),
        reference(body),
        "fingerprint differs from the reference for {:?}",
        String::from_utf8_lossy(body)
    );
}

/// A JSON value to print; how it is spelled (whitespace, escapes) is chosen when printing.
#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    /// The number's text, as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order; keys may repeat.
    Object(Vec<(String, Json)>),
}

/// Characters that exercise escaping and the UTF-16 member order.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'e'),
        2 => proptest::char::range(' ', '~'),
        2 => proptest::char::range('\0', '\x1f'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        1 => Just('\x7f'),
        1 => proptest::char::range('\u{80}', '\u{7ff}'),
        1 => proptest::char::range('\u{800}', '\u{d7ff}'),
        // U+E000..U+FFFF sort after the non-BMP characters in UTF-16, before them in UTF-8.
        2 => proptest::char::range('\u{e000}', '\u{ffff}'),
        2 => proptest::char::range('\u{10000}', '\u{10ffff}'),
    ]
}

fn any_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(any_char(), 0..6).prop_map(|chars| chars.into_iter().collect())
}

/// Few distinct keys so objects often repeat a key; some differ only past a common prefix.
fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            "", "a", "b", "ab", "a\u{e000}", "a\u{10000}", "\u{ffff}", "\u{1f600}", "\u{e9}",
            "\n", "\"", "A",
        ])
        .prop_map(str::to_string),
        2 => any_string(),
    ]
}

fn any_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..100).prop_map(|n| n.to_string()),
        // Big integers: above 2^53, above u64, up to 30 digits.
        "-?[1-9][0-9]{15,29}",
        // Fractions and exponents, including `1.0`, `1e2`, `-0`, `0.000001`, `1E+2`.
        "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,8})?([eE][+-]?[0-9]{1,2})?",
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
    ]
}

fn any_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any_number().prop_map(Json::Number),
        any_string().prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::vec((any_key(), inner), 0..8).prop_map(Json::Object),
        ]
    })
}

/// Prints JSON text, choosing whitespace and string escapes from `seed`.
struct Printer {
    seed: u64,
    text: String,
}

impl Printer {
    fn choice(&mut self, n: u64) -> u64 {
        // xorshift64: spelling choices only, no statistical needs.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed % n
    }

    fn space(&mut self) {
        const SPACES: [&str; 6] = ["", "", "", " ", "\n  ", "\t\r\n"];
        let space = SPACES[self.choice(SPACES.len() as u64) as usize];
        self.text.push_str(space);
    }

    fn string(&mut self, value: &str) {
        self.text.push('"');
        for c in value.chars() {
            let must_escape = c == '"' || c == '\\' || c < ' ';
            match (must_escape, self.choice(3)) {
                (false, 0 | 1) => self.text.push(c),
                (true, 0) if c == '"' || c == '\\' => {
                    self.text.push('\\');
                    self.text.push(c);
                }
                (_, 2) if c == '/' => self.text.push_str("\\/"),
                (_, 2) if c == '\n' => self.text.push_str("\\n"),
                _ => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if self.choice(2) == 0 {
                            self.text.push_str(&format!("\\u{unit:04x}"));
                        } else {
                            self.text.push_str(&format!("\\u{unit:04X}"));
                        }
                    }
                }
            }
        }
        self.text.push('"');
    }

    fn value(&mut self, json: &Json) {
        self.space();
        match json {
            Json::Null => self.text.push_str("null"),
            Json::Bool(b) => self.text.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => self.text.push_str(n),
            Json::String(s) => self.string(s),
            Json::Array(items) => {
                self.text.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.text.push(',');
                    }
                    self.value(item);
                }
                self.space();
                self.text.push(']');
            }
            Json::Object(members) => {
                self.text.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        self.text.push(',');
                    }
                    self.space();
                    self.string(key);
                    self.space();
                    self.text.push(':');
                    self.value(value);
                }
                self.space();
                self.text.push('}');
            }
        }
        self.space();
    }
}

fn print(json: &Json, seed: u64) -> String {
    let mut printer = Printer {
        seed: seed | 1,
        text: String::new(),
    };
    printer.value(json);
    printer.text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn json_text_has_the_reference_digest(json in any_json(), seed in any::<u64>()) {
        let text = print(&json, seed);
        // The generator only writes JSON, so this checks the canonical path, not the fallback.
        prop_assert!(serde_json::from_str::<Value>(&text).is_ok(), "not JSON: {text:?}");
        prop_assert_eq!(fingerprint(text.as_bytes()), reference(text.as_bytes()), "{:?}", text);
    }

    #[test]
    fn broken_json_text_has_the_reference_digest(
        json in any_json(),
        seed in any::<u64>(),
        cut in any::<proptest::sample::Index>(),
        garbage in proptest::sample::select(vec!["", "x", "}", "]", ",", "{}", "0", "\"", "\0"]),
    ) {
        let text = print(&json, seed);
        let mut bytes = text.as_bytes()[..cut.index(text.len() + 1)].to_vec();
        bytes.extend_from_slice(garbage.as_bytes());
        prop_assert_eq!(fingerprint(&bytes), reference(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_bytes_have_the_reference_digest(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(fingerprint(&bytes), reference(&bytes));
    }
}

#[test]
fn edge_cases_have_the_reference_digest() {
    let deep_array = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(127), "}".repeat(127));
    let cases: &[&[u8]] = &[
        b"",
        b" ",
        b"{}",
        b"[]",
        b"null \n\t",
        b"\n{\"b\":1,\"a\":2}\r\n",
        b"{\"a\":1}x",
        b"{\"a\":1} {}",
        b"{\"a\":1,\"a\":2,\"b\":3,\"a\":4}",
        b"{\"b\":{\"y\":1,\"x\":2},\"a\":[{\"d\":1,\"c\":2}]}",
        b"{\"\\ud83d\\ude00\":1,\"\\ue000\":2,\"\xef\xbf\xbf\":3,\"\xf0\x90\x80\x80\":4}",
        b"\"\\ud800\"",
        b"\"\\udc00\\ud800\"",
        b"\"\xff\"",
        b"{\"a\":\"\xc3\"}",
        b"{\"\xc3(\":1}",
        b"[\"ok\"]\xff",
        b"\"\xed\xa0\x80\"",
        b"[1e400]",
        b"[-1e400]",
        b"[1e-400, -0, -0.0, 0e10]",
        b"[9007199254740992, 9007199254740993, 18446744073709551615, 18446744073709551616]",
        b"[-9223372036854775808, -9223372036854775809, 123456789012345678901234567890]",
        b"[1.0, 1e2, 1E+2, 0.1, 1e21, 1e-7, 123e-20, 5e-324, 1.7976931348623157e308]",
        b"[01]",
        b"[1.]",
        b"[.5]",
        b"{\"a\" 1}",
        b"{'a':1}",
        b"\"\\u0000\\u001f\\u007f\\/\\b\\f\\n\\r\\t\"",
        // Raw control characters are not JSON; raw DEL is, and JCS leaves it unescaped.
        b"\"a\x01b\"",
        b"{\"\x1f\":1}",
        b"[\"\x7f\", \"\\u007f\"]",
        b"\xef\xbb\xbf{}",
        b"true",
        b"nul",
    ];
    for case in cases {
        assert_same(case);
    }
    assert_same(deep_array.as_bytes());
    assert_same(deep_object.as_bytes());
}

/// The same JSON spelled differently has the same digest; different JSON does not.
#[test]
fn the_digest_ignores_spelling_only() {
    assert_eq!(
        fingerprint(b"{\"b\": 1.0, \"a\": [1e2, \"\\u0041\"]}"),
        fingerprint(b"{\"a\":[100,\"A\"],\"b\":1}")
    );
    assert_ne!(fingerprint(b"{\"a\":null}"), fingerprint(b"{}"));
    assert_ne!(fingerprint(b"[1,2]"), fingerprint(b"[2,1]"));
}

fn json_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
}

#[test]
fn spec_examples_have_the_reference_digest() {
    let root = acp_specs::resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"));
    let mut files = Vec::new();
    json_files(&root.join("examples"), &mut files);
    assert!(
        files.len() >= 10,
        "too few example files under {}",
        root.display()
    );
    let mut values = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert_same(&bytes);
        let document: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let examples: Vec<&Value> = match &document {
            Value::Object(members) => members.values().collect(),
            other => vec![other],
        };
        for example in examples {
            assert_same(&serde_json::to_vec(example).unwrap());
            assert_same(&serde_json::to_vec_pretty(example).unwrap());
            values += 1;
        }
    }
    assert!(values >= 100, "only {values} example values");
}
