//! Reading one spec file (YAML or JSON) into a `serde_json::Value`, plus a map from JSON pointer
//! to line:column so every later finding can say where it is.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};
use serde_json::Value;

use crate::diagnostics::Location;

/// The deepest nesting of collections (mappings and sequences, flow or block) a spec file may
/// have: serde_json's recursion limit, which yaml_serde shares.
pub const MAX_DEPTH: usize = 128;

/// A parsed spec file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the spec root, `/`-separated (`spec/2026-04-17/openapi/openapi.cart.yaml`).
    pub path: String,
    /// The document.
    pub value: Value,
    positions: Positions,
}

/// Why a file could not be read as a document.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}{}: {message}", .line_col.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct SourceError {
    /// The file.
    pub path: String,
    /// Where the parser stopped, when it says.
    pub line_col: Option<(usize, usize)>,
    /// What the parser said.
    pub message: String,
}

impl SourceFile {
    /// Parses `text` as JSON (by extension `.json`) or YAML (anything else). Collections nested
    /// deeper than [`MAX_DEPTH`] are an error at the first one too deep.
    pub fn parse(path: &str, text: &str) -> Result<SourceFile, SourceError> {
        let syntax_error = |line_col, message| SourceError {
            path: path.to_string(),
            line_col,
            message,
        };
        if path.ends_with(".json") {
            // serde_json stops at its own recursion limit (128, the same as `MAX_DEPTH`) in one
            // linear pass, so its message stays the one of record.
            let value: Value = serde_json::from_str(text).map_err(|e| {
                // serde_json reports column 0 at the end of input; columns here are 1-based.
                syntax_error(
                    Some((e.line(), e.column().max(1))),
                    strip_serde_position(&e.to_string()),
                )
            })?;
            // JSON is YAML 1.2, so one event parser maps positions for both kinds of file.
            let (positions, _) = map_positions(text);
            return Ok(SourceFile {
                path: path.to_string(),
                value,
                positions,
            });
        }
        // The YAML event parser yields events as it goes, so it finds a collection nested too
        // deep right where it starts. yaml_serde only stops at its recursion limit after
        // scanning the whole text, in time that grows with the square of the nesting (a minute
        // for 100k nested `{a: `): it must never see such a text.
        let (positions, too_deep) = map_positions(text);
        if let Some(at) = too_deep {
            return Err(syntax_error(
                Some(at),
                format!("collections nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let value: Value = yaml_serde::from_str(text).map_err(|e| {
            syntax_error(
                e.location().map(|l| (l.line(), l.column())),
                strip_serde_position(&e.to_string()),
            )
        })?;
        Ok(SourceFile {
            path: path.to_string(),
            value,
            positions,
        })
    }

    /// The value at an RFC 6901 pointer.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }

    /// A location for a pointer, with the line:column of the nearest mapped ancestor.
    pub fn locate(&self, pointer: &str) -> Location {
        let mut probe = pointer;
        let line_col = loop {
            if let Some(found) = self.positions.get(probe) {
                break Some(*found);
            }
            match probe.rfind('/') {
                Some(cut) => probe = &probe[..cut],
                None => break None,
            }
        };
        Location {
            file: self.path.clone(),
            pointer: pointer.to_string(),
            line_col,
        }
    }
}

fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_string(),
        _ => message.to_string(),
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901 §3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Walks the YAML event stream and records where each node starts. Positions are best effort:
/// a file that parsed as a value but trips this parser just has no positions. Stops at the
/// first collection nested deeper than [`MAX_DEPTH`], and returns where it starts.
fn map_positions(text: &str) -> (Positions, Option<(usize, usize)>) {
    match walk(text) {
        (positions, Stop::End) => (positions, None),
        (positions, Stop::TooDeep(at)) => (positions, Some(at)),
        // The scanner holds back the tokens of flow collections while a `[` or `{` may still
        // turn out to start a key, so 255 nested ones can reach its own limit before the parser
        // sees any of them. Cut there, the text ends, every token is released, and the walk
        // finds the first collection too deep.
        (positions, Stop::ScannerLimit { chars, at }) => {
            let cut = text
                .char_indices()
                .nth(chars)
                .map_or(text.len(), |(i, _)| i);
            let at = match walk(&text[..cut]) {
                (_, Stop::TooDeep(first)) => first,
                _ => at,
            };
            (positions, Some(at))
        }
    }
}

/// JSON pointer → line:column (1-based) where the node starts.
type Positions = HashMap<String, (usize, usize)>;

/// Why [`walk`] stopped.
enum Stop {
    /// At the end of the text, or at a syntax error.
    End,
    /// At a collection nested deeper than [`MAX_DEPTH`], which starts there.
    TooDeep((usize, usize)),
    /// At the scanner's own limit on nested flow collections (255), `chars` characters in.
    ScannerLimit { chars: usize, at: (usize, usize) },
}

fn walk(text: &str) -> (Positions, Stop) {
    enum Frame {
        Mapping {
            pointer: String,
            key: Option<String>,
        },
        Sequence {
            pointer: String,
            next: usize,
        },
    }
    let mut positions = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    // The pointer of the node an event starts, given the enclosing frame. Returns None for a
    // mapping key (which is not a node of the JSON document).
    fn child_pointer(stack: &mut [Frame]) -> Option<String> {
        match stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { pointer, next }) => {
                let child = format!("{pointer}/{next}");
                *next += 1;
                Some(child)
            }
            Some(Frame::Mapping { pointer, key }) => key
                .take()
                .map(|k| format!("{pointer}/{}", escape_token(&k))),
        }
    }
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(found) => found,
            Err(e) if e.info() == "recursion limit exceeded" => {
                let at = (e.marker().line(), e.marker().col() + 1);
                let chars = e.marker().index();
                return (positions, Stop::ScannerLimit { chars, at });
            }
            Err(_) => break,
        };
        let at = (span.start.line(), span.start.col() + 1);
        match event {
            Event::Scalar(value, ..) => match child_pointer(&mut stack) {
                Some(pointer) => {
                    positions.entry(pointer).or_insert(at);
                }
                None => {
                    if let Some(Frame::Mapping { pointer, key }) = stack.last_mut() {
                        // The key's own position is the best place to point at its value.
                        let child = format!("{pointer}/{}", escape_token(&value));
                        positions.insert(child, at);
                        *key = Some(value.into_owned());
                    }
                }
            },
            Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= MAX_DEPTH => {
                return (positions, Stop::TooDeep(at));
            }
            Event::MappingStart(..) => {
                let pointer = child_pointer(&mut stack).unwrap_or_default();
                positions.entry(pointer.clone()).or_insert(at);
                stack.push(Frame::Mapping { pointer, key: None });
            }
            Event::SequenceStart(..) => {
                let pointer = child_pointer(&mut stack).unwrap_or_default();
                positions.entry(pointer.clone()).or_insert(at);
                stack.push(Frame::Sequence { pointer, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Alias(..) => {
                child_pointer(&mut stack);
            }
            _ => {}
        }
    }
    (positions, Stop::End)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_positions_point_at_keys() {
        let text = "openapi: 3.1.0\ncomponents:\n  schemas:\n    Item:\n      type: object\n      required: [id]\n";
        let file = SourceFile::parse("x.yaml", text).unwrap();
        assert_eq!(
            file.locate("/components/schemas/Item").line_col,
            Some((4, 5))
        );
        assert_eq!(
            file.locate("/components/schemas/Item/required/0").line_col,
            Some((6, 18))
        );
        // Unmapped pointers fall back to the nearest ancestor.
        assert_eq!(
            file.locate("/components/schemas/Item/nope").line_col,
            Some((4, 5))
        );
    }

    #[test]
    fn json_positions_and_escaped_tokens() {
        let text = "{\n  \"paths\": {\n    \"/a/{id}\": {\"get\": {}}\n  }\n}";
        let file = SourceFile::parse("x.json", text).unwrap();
        assert_eq!(file.locate("/paths/~1a~1{id}/get").line_col, Some((3, 17)));
    }

    #[test]
    fn malformed_input_is_an_error_with_a_position() {
        let err = SourceFile::parse("bad.yaml", "a: [1, 2\nb: c\n").unwrap_err();
        assert_eq!(err.path, "bad.yaml");
        assert!(err.line_col.is_some(), "{err}");
        let err = SourceFile::parse("bad.json", "{\"a\": 1,").unwrap_err();
        assert!(err.to_string().starts_with("bad.json:1:"), "{err}");
    }

    /// `depth` collections, each the only item of the one around it: flow sequences, or block
    /// mappings.
    fn nested(depth: usize, flow: bool) -> String {
        if flow {
            format!("{}1{}\n", "[".repeat(depth), "]".repeat(depth))
        } else {
            let mut text: String = (0..depth - 1)
                .map(|level| format!("{}a:\n", "  ".repeat(level)))
                .collect();
            text.push_str(&format!("{}a: 1\n", "  ".repeat(depth - 1)));
            text
        }
    }

    #[test]
    fn nesting_up_to_the_limit_parses() {
        for flow in [true, false] {
            for depth in [64, MAX_DEPTH] {
                let file = SourceFile::parse("deep.yaml", &nested(depth, flow))
                    .unwrap_or_else(|e| panic!("depth {depth}, flow {flow}: {e}"));
                let pointer = if flow { "/0" } else { "/a" }.repeat(depth);
                assert_eq!(file.get(&pointer), Some(&1.into()), "depth {depth}");
            }
        }
        let json = format!("{}1{}", "[".repeat(64), "]".repeat(64));
        SourceFile::parse("deep.json", &json).unwrap();
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_where_it_starts() {
        for flow in [true, false] {
            let err = SourceFile::parse("deep.yaml", &nested(MAX_DEPTH + 1, flow)).unwrap_err();
            assert!(err.message.contains("nested deeper than 128"), "{err}");
            let at = if flow {
                (1, MAX_DEPTH + 1)
            } else {
                (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)
            };
            assert_eq!(err.line_col, Some(at), "{err}");
        }
    }

    /// 100k nested `{a: ` (400 KB) kept yaml_serde's scanner busy for about a minute before it
    /// reported its recursion limit; 100k `[` for over a second. Both stop at the limit now.
    #[test]
    fn pathological_nesting_stops_at_the_limit() {
        let cases = [
            ("[", (1, MAX_DEPTH + 1)),
            ("[\n", (MAX_DEPTH + 1, 1)),
            ("{a: ", (1, 4 * MAX_DEPTH + 1)),
            ("- ", (1, 2 * MAX_DEPTH + 1)),
        ];
        for (unit, at) in cases {
            let text = unit.repeat(100_000);
            let err = SourceFile::parse("deep.yaml", &text).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "deep.yaml:{}:{}: collections nested deeper than 128 levels",
                    at.0, at.1
                ),
                "{unit:?}"
            );
        }
    }
}
