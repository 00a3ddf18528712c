//! Reading one spec file (YAML or JSON) into a `serde_json::Value`, plus a map from JSON pointer
//! to line:column so every later finding can say where it is.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};
use serde_json::Value;

use crate::diagnostics::Location;

/// A parsed spec file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the spec root, `/`-separated (`spec/2026-04-17/openapi/openapi.cart.yaml`).
    pub path: String,
    /// The document.
    pub value: Value,
    positions: HashMap<String, (usize, usize)>,
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
    /// Parses `text` as JSON (by extension `.json`) or YAML (anything else).
    pub fn parse(path: &str, text: &str) -> Result<SourceFile, SourceError> {
        let value: Value = if path.ends_with(".json") {
            serde_json::from_str(text).map_err(|e| SourceError {
                path: path.to_string(),
                // serde_json reports column 0 at the end of input; columns here are 1-based.
                line_col: Some((e.line(), e.column().max(1))),
                message: strip_serde_position(&e.to_string()),
            })?
        } else {
            yaml_serde::from_str(text).map_err(|e| SourceError {
                path: path.to_string(),
                line_col: e.location().map(|l| (l.line(), l.column())),
                message: strip_serde_position(&e.to_string()),
            })?
        };
        // JSON is YAML 1.2, so one event parser maps positions for both kinds of file.
        let positions = map_positions(text);
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
/// a file that parsed as a value but trips this parser just has no positions.
fn map_positions(text: &str) -> HashMap<String, (usize, usize)> {
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
        let Ok((event, span)) = event else { break };
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
    positions
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
}
