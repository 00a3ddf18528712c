//! Checking a JSON text against a generated type without building a value of it: the fast
//! route of bulk validation ([`crate::jsonl`]).
//!
//! With `borrowed` views on, `acp-codegen` emits [`Scan`] for the types of a version: code that
//! walks the JSON text member by member as the type's serde and [`crate::Validate`] code would
//! read and check it, running the same constraint checks on the same text. It only ever
//! *accepts*: anything it is not sure the full parse would accept (an error of any kind, an
//! unknown or repeated member, an explicit `null` where serde reads `None`, a union, a map,
//! nesting over 100 levels) gives [`Fallback`], and the caller parses the text with
//! serde, which decides and says what is wrong. So a scanner can be conservative, never lenient: the tests check that
//! every text it accepts the full parse accepts too.
//!
//! On the way it picks up the strings at the [`IdPaths`] the caller asks for (a feed's product
//! and variant ids), which spares building the value to read them.

use std::borrow::Cow;

use serde_json::Value;

use crate::{JsonPath, PathSegment, Validator};

/// The scanner is not sure the text is valid: parse it with serde to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback;

/// What a scan step gives: `Ok` when the value read is valid as far as it goes.
pub type Scanned = Result<(), Fallback>;

/// A type whose JSON can be checked by walking its text (emitted by `acp-codegen`).
pub trait Scan {
    /// Reads one value of this type at the scanner's position, checking it as the type's serde
    /// and `Validate` code would.
    fn scan(s: &mut Scanner<'_, '_>) -> Scanned;
}

/// Reads a value that has no scanner of its own: always falls back.
pub fn unsupported(_: &mut Scanner<'_, '_>) -> Scanned {
    Err(Fallback)
}

/// Marks member `bit` of an object as seen; a second time is a [`Fallback`] (serde reports a
/// repeated member).
pub fn once(seen: &mut u64, bit: u32) -> Scanned {
    let mask = 1u64 << bit;
    if *seen & mask != 0 {
        return Err(Fallback);
    }
    *seen |= mask;
    Ok(())
}

/// Checks `text` (one whole JSON document) with `scan`; the ids found at `ids`, in the order
/// they appear in the text (with their paths when `paths` is set).
pub fn scan_document<'t>(
    text: &'t str,
    ids: &IdPaths,
    paths: bool,
    scan: fn(&mut Scanner<'t, '_>) -> Scanned,
) -> Result<Vec<FoundId<'t>>, Fallback> {
    let mut scanner = Scanner {
        text,
        at: 0,
        validator: Validator::new(),
        ids,
        node: (!ids.is_empty()).then_some(0),
        depth: 0,
        paths,
        path: Vec::new(),
        found: Vec::new(),
    };
    scan(&mut scanner)?;
    scanner.skip_whitespace();
    if scanner.at != text.len() || !scanner.validator.is_clean() {
        return Err(Fallback);
    }
    Ok(scanner.found)
}

/// Deeper nesting falls back (serde_json stops at 128 levels; the scanner's recursion must not
/// overflow the stack first).
const MAX_DEPTH: u32 = 100;

/// An id picked up at one of the [`IdPaths`].
#[derive(Debug, Clone, PartialEq)]
pub struct FoundId<'t> {
    /// Index of the path's scope ([`IdPaths::scope`]).
    pub scope: usize,
    /// The id (unescaped).
    pub id: Cow<'t, str>,
    /// Where it is (empty unless asked for).
    pub path: JsonPath,
}

impl FoundId<'_> {
    /// The same id, owning its text.
    pub fn into_owned(self) -> FoundId<'static> {
        FoundId {
            scope: self.scope,
            id: Cow::Owned(self.id.into_owned()),
            path: self.path,
        }
    }
}

/// The position in a JSON text, the checks run so far and the ids found.
pub struct Scanner<'t, 'p> {
    text: &'t str,
    at: usize,
    validator: Validator,
    ids: &'p IdPaths,
    /// The node of `ids` the current value is at, if any path goes through it.
    node: Option<usize>,
    /// Objects and arrays open around the position.
    depth: u32,
    paths: bool,
    path: Vec<PathSegment>,
    found: Vec<FoundId<'t>>,
}

impl<'t> Scanner<'t, '_> {
    /// The validator the constraint checks write to (any error makes the scan fall back).
    pub fn validator(&mut self) -> &mut Validator {
        &mut self.validator
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn skip_whitespace(&mut self) {
        let bytes = self.bytes();
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    fn next_byte(&mut self) -> Result<u8, Fallback> {
        self.skip_whitespace();
        let byte = *self.bytes().get(self.at).ok_or(Fallback)?;
        self.at += 1;
        Ok(byte)
    }

    fn expect(&mut self, byte: u8) -> Scanned {
        // Compact JSON (feeds usually are) has the byte right here: no whitespace to skip.
        if self.bytes().get(self.at) == Some(&byte) {
            self.at += 1;
            return Ok(());
        }
        if self.next_byte()? == byte {
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        self.skip_whitespace();
        if self.bytes()[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// Consumes a `null` if one is next; whether it did.
    pub fn null(&mut self) -> bool {
        self.literal(b"null")
    }

    /// A JSON boolean.
    pub fn boolean(&mut self) -> Result<bool, Fallback> {
        if self.literal(b"true") {
            Ok(true)
        } else if self.literal(b"false") {
            Ok(false)
        } else {
            Err(Fallback)
        }
    }

    /// The text of a JSON number (its grammar is checked by whoever reads it).
    fn number_text(&mut self) -> Result<&'t str, Fallback> {
        self.skip_whitespace();
        let start = self.at;
        let bytes = self.bytes();
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = bytes.get(self.at) {
            self.at += 1;
        }
        if start == self.at {
            return Err(Fallback);
        }
        Ok(&self.text[start..self.at])
    }

    /// A JSON integer that fits an `i64`, as serde_json gives one to an `i64` (not `-0`, which
    /// it reads as a float).
    pub fn integer(&mut self) -> Result<i64, Fallback> {
        let text = self.number_text()?;
        let digits = text.strip_prefix('-').unwrap_or(text);
        let plain = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && text != "-0";
        if !plain {
            return Err(Fallback);
        }
        text.parse().map_err(|_| Fallback)
    }

    /// A JSON number, read by serde_json itself.
    pub fn number(&mut self) -> Result<serde_json::Number, Fallback> {
        self.number_text()?.parse().map_err(|_| Fallback)
    }

    /// A JSON string, unescaped (borrowed from the text when it has no escapes). A string at
    /// one of the id paths is recorded.
    pub fn string(&mut self) -> Result<Cow<'t, str>, Fallback> {
        let text = self.raw_string()?;
        if let Some(scope) = self.node.and_then(|node| self.ids.nodes[node].capture) {
            let path = if self.paths {
                JsonPath(self.path.clone())
            } else {
                JsonPath::default()
            };
            self.found.push(FoundId {
                scope,
                id: text.clone(),
                path,
            });
        }
        Ok(text)
    }

    fn raw_string(&mut self) -> Result<Cow<'t, str>, Fallback> {
        self.expect(b'"')?;
        let start = self.at;
        let bytes = self.bytes();
        let end = string_end(bytes, start).ok_or(Fallback)?;
        if bytes[end] == b'"' {
            self.at = end + 1;
            return Ok(Cow::Borrowed(&self.text[start..end]));
        }
        // Escapes: find the closing quote, then let serde_json unescape the string by the same
        // rules as the full parse (surrogates, control characters).
        let mut at = end;
        loop {
            match bytes.get(at) {
                Some(b'\\') => at += 2,
                Some(b'"') => break,
                Some(_) => at += 1,
                None => return Err(Fallback),
            }
        }
        let text: String =
            serde_json::from_str(&self.text[start - 1..=at]).map_err(|_| Fallback)?;
        self.at = at + 1;
        Ok(Cow::Owned(text))
    }

    fn enter(&mut self, open: u8) -> Scanned {
        self.expect(open)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fallback);
        }
        Ok(())
    }

    /// A JSON object: `member` reads the value of each member, given its (unescaped) name.
    pub fn object(&mut self, mut member: impl FnMut(&mut Self, &str) -> Scanned) -> Scanned {
        self.enter(b'{')?;
        self.skip_whitespace();
        if self.bytes().get(self.at) == Some(&b'}') {
            self.at += 1;
            self.depth -= 1;
            return Ok(());
        }
        let parent = self.node;
        loop {
            let name = self.raw_string()?;
            self.expect(b':')?;
            self.node = parent.and_then(|node| self.ids.child(node, &name));
            let tracked = self.node.is_some() && self.paths;
            if tracked {
                self.path.push(PathSegment::Key(name.to_string()));
            }
            member(self, &name)?;
            if tracked {
                self.path.pop();
            }
            self.node = parent;
            match self.next_byte()? {
                b',' => {}
                b'}' => {
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// A JSON array: `item` reads each item. The number of items.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Scanned) -> Result<u64, Fallback> {
        self.enter(b'[')?;
        self.skip_whitespace();
        if self.bytes().get(self.at) == Some(&b']') {
            self.at += 1;
            self.depth -= 1;
            return Ok(0);
        }
        let parent = self.node;
        let child = parent.and_then(|node| self.ids.nodes[node].each);
        let mut count = 0;
        loop {
            self.node = child;
            let tracked = child.is_some() && self.paths;
            if tracked {
                self.path.push(PathSegment::Index(count as usize));
            }
            item(self)?;
            if tracked {
                self.path.pop();
            }
            count += 1;
            match self.next_byte()? {
                b',' => {}
                b']' => break,
                _ => return Err(Fallback),
            }
        }
        self.node = parent;
        self.depth -= 1;
        Ok(count)
    }
}

/// Where the string whose text starts at `start` has its first quote or backslash; `None` if a
/// control character (which JSON does not allow unescaped) or the end of the text comes first.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    // Most strings (member names, ids, titles) end within a few words: eight bytes at a time,
    // without a call. Longer ones (descriptions) go to memchr's vector search, then one pass
    // for control characters over what it skipped.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let short = bytes.len().min(start + 64);
    let mut at = start;
    while at + 8 <= short {
        let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        // A byte's high bit is set where it is below 0x20, a quote or a backslash (the lowest
        // flagged byte is exact; borrows only flag bytes above it).
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let flagged = (word.wrapping_sub(ONES * 0x20) & !word
            | quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash)
            & HIGH;
        if flagged != 0 {
            return terminator(bytes, at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if short == bytes.len() {
        let found = bytes[at..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        return terminator(bytes, at + found);
    }
    let end = at + memchr::memchr2(b'"', b'\\', &bytes[at..])?;
    // Written so that it vectorises: no early exit.
    let control = bytes[at..end]
        .iter()
        .fold(false, |any, &b| any | (b < 0x20));
    (!control).then_some(end)
}

/// `at` if it holds a quote or backslash rather than a control character.
fn terminator(bytes: &[u8], at: usize) -> Option<usize> {
    (bytes[at] >= 0x20).then_some(at)
}

/// Where the ids that must be unique across a file are: a scope (ids of different scopes never
/// clash) and a path such as `$.id` or `$.variants[*].id`, for each kind of id.
#[derive(Debug, Clone, Default)]
pub struct IdPaths {
    scopes: Vec<String>,
    /// A tree of the paths; node 0 is the document.
    nodes: Vec<IdNode>,
}

/// Why [`IdPaths::with`] refused a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdPathError {
    /// The path is not `$` followed by `.member` and `[*]` steps.
    #[error("id path `{path}`: expected `$` then `.member` or `[*]` steps")]
    Malformed {
        /// The path as given.
        path: String,
    },
    /// The path was already given, for this scope or another.
    #[error("id path `{path}` given twice")]
    Repeated {
        /// The path as given.
        path: String,
        /// The scope it was given for first.
        first_scope: String,
    },
}

#[derive(Debug, Clone, Default)]
struct IdNode {
    members: Vec<(String, usize)>,
    each: Option<usize>,
    capture: Option<usize>,
}

impl IdPaths {
    /// No ids.
    pub fn none() -> Self {
        IdPaths::default()
    }

    /// Ids in `scope` at `path` (`$`, then `.member` or `[*]` steps), added to these.
    pub fn with(mut self, scope: &str, path: &str) -> Result<Self, IdPathError> {
        let bad = || IdPathError::Malformed {
            path: path.to_string(),
        };
        let mut rest = path.strip_prefix('$').ok_or_else(bad)?;
        if self.nodes.is_empty() {
            self.nodes.push(IdNode::default());
        }
        let mut node = 0;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("[*]") {
                node = match self.nodes[node].each {
                    Some(next) => next,
                    None => {
                        let next = self.push_node();
                        self.nodes[node].each = Some(next);
                        next
                    }
                };
                rest = after;
            } else if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                let name = &after[..end];
                if name.is_empty() {
                    return Err(bad());
                }
                node = match self.child(node, name) {
                    Some(next) => next,
                    None => {
                        let next = self.push_node();
                        self.nodes[node].members.push((name.to_string(), next));
                        next
                    }
                };
                rest = &after[end..];
            } else {
                return Err(bad());
            }
        }
        if let Some(first) = self.nodes[node].capture {
            return Err(IdPathError::Repeated {
                path: path.to_string(),
                first_scope: self.scopes[first].clone(),
            });
        }
        self.nodes[node].capture = Some(self.scopes.len());
        self.scopes.push(scope.to_string());
        Ok(self)
    }

    fn push_node(&mut self) -> usize {
        self.nodes.push(IdNode::default());
        self.nodes.len() - 1
    }

    /// Whether no ids are asked for.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// The scope of a [`FoundId`].
    pub fn scope(&self, index: usize) -> &str {
        &self.scopes[index]
    }

    fn child(&self, node: usize, name: &str) -> Option<usize> {
        let members = &self.nodes[node].members;
        members
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, next)| *next)
    }

    /// The ids in a JSON value (the route of a text the scanner could not take), in the
    /// order the value holds them.
    pub fn find_in<'v>(&self, value: &'v Value) -> Vec<FoundId<'v>> {
        let mut found = Vec::new();
        if !self.is_empty() {
            self.walk(0, value, &mut Vec::new(), &mut found);
        }
        found
    }

    fn walk<'v>(
        &self,
        node: usize,
        value: &'v Value,
        path: &mut Vec<PathSegment>,
        found: &mut Vec<FoundId<'v>>,
    ) {
        let here = &self.nodes[node];
        match value {
            Value::String(text) => {
                if let Some(scope) = here.capture {
                    found.push(FoundId {
                        scope,
                        id: Cow::Borrowed(text),
                        path: JsonPath(path.clone()),
                    });
                }
            }
            Value::Object(members) => {
                for (name, member) in members {
                    if let Some(next) = self.child(node, name) {
                        path.push(PathSegment::Key(name.clone()));
                        self.walk(next, member, path, found);
                        path.pop();
                    }
                }
            }
            Value::Array(items) => {
                if let Some(next) = here.each {
                    for (index, item) in items.iter().enumerate() {
                        path.push(PathSegment::Index(index));
                        self.walk(next, item, path, found);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    /// What a scanner must agree with: `{"s": string, "i": i64, "n": number, "b": bool,
    /// "list": [string]}`, `s` and `i` required, nothing else.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        s: String,
        i: i64,
        #[serde(default)]
        n: Option<serde_json::Number>,
        #[serde(default)]
        b: Option<bool>,
        #[serde(default)]
        list: Option<Vec<String>>,
    }

    fn scan_doc(s: &mut Scanner<'_, '_>) -> Scanned {
        let mut seen = 0;
        s.object(|s, name| match name {
            "s" => once(&mut seen, 0).and_then(|_| s.string().map(drop)),
            "i" => once(&mut seen, 1).and_then(|_| s.integer().map(drop)),
            "n" => once(&mut seen, 2).and_then(|_| s.number().map(drop)),
            "b" => once(&mut seen, 3).and_then(|_| s.boolean().map(drop)),
            "list" => once(&mut seen, 4).and_then(|_| s.array(|s| s.string().map(drop)).map(drop)),
            _ => Err(Fallback),
        })?;
        match seen & 0b11 {
            0b11 => Ok(()),
            _ => Err(Fallback),
        }
    }

    fn scans(text: &str) -> bool {
        scan_document(text, &IdPaths::none(), false, scan_doc).is_ok()
    }

    #[test]
    fn accepts_plain_documents() {
        for text in [
            r#"{"s":"x","i":1}"#,
            " {\"i\" : -12 ,\t\"s\":\"\"}\r\n",
            r#"{"s":"a\"b\\c\u00e9\n","i":0,"n":-1.5e3,"b":false,"list":["x","y\u0041"]}"#,
            r#"{"s":"ünïcödé — long enough to take the vector search past sixty-four bytes…","i":9223372036854775807}"#,
            r#"{"list":[],"s":"x","i":-9223372036854775808,"n":0}"#,
        ] {
            assert!(scans(text), "{text}");
            assert!(serde_json::from_str::<Doc>(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn falls_back_on_anything_serde_would_refuse() {
        let long = "x".repeat(100);
        let texts = [
            r#"{"s":"x"}"#.to_string(),
            r#"{"s":"x","i":1,"s":"y"}"#.to_string(),
            r#"{"s":"x","i":1,"extra":1}"#.to_string(),
            r#"{"s":"x","i":1.0}"#.to_string(),
            r#"{"s":"x","i":-0}"#.to_string(),
            r#"{"s":"x","i":01}"#.to_string(),
            r#"{"s":"x","i":9223372036854775808}"#.to_string(),
            r#"{"s":"x","i":1e2}"#.to_string(),
            r#"{"s":"x","i":1,"n":1.}"#.to_string(),
            r#"{"s":"x","i":1,"n":+1}"#.to_string(),
            r#"{"s":"x","i":1,"n":1e999}"#.to_string(),
            r#"{"s":"x","i":1,"b":null}"#.to_string(),
            r#"{"s":"x","i":1,"b":tru}"#.to_string(),
            r#"{"s":"\ud800","i":1}"#.to_string(),
            r#"{"s":"\x","i":1}"#.to_string(),
            "{\"s\":\"a\u{1}b\",\"i\":1}".to_string(),
            format!("{{\"s\":\"{long}\u{1f}{long}\",\"i\":1}}"),
            format!("{{\"s\":\"{long}"),
            r#"{"s":"x","i":1} x"#.to_string(),
            r#"{"s":"x","i":1,}"#.to_string(),
            r#"{"s":"x" "i":1}"#.to_string(),
            r#"{"s":"x","i":1,"list":["a",]}"#.to_string(),
            r#"["x",1]"#.to_string(),
            String::new(),
        ];
        for text in &texts {
            assert!(!scans(text), "accepted {text:?}");
        }
        // All but two serde refuses; those two the scanner leaves to it (an explicit `null`
        // read as `None`; a struct read from an array, which generated types refuse).
        let valid: Vec<&String> = texts
            .iter()
            .filter(|t| serde_json::from_str::<Doc>(t).is_ok())
            .collect();
        assert_eq!(valid, [&texts[11], &texts[22]]);
    }

    #[test]
    fn deep_nesting_falls_back_before_the_stack_runs_out() {
        fn nested(s: &mut Scanner<'_, '_>) -> Scanned {
            s.array(nested).map(drop)
        }
        let ok = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert!(scan_document(&ok, &IdPaths::none(), false, nested).is_ok());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(scan_document(&deep, &IdPaths::none(), false, nested).is_err());
    }

    #[test]
    fn string_ends_are_found_as_a_byte_loop_finds_them() {
        let alphabet = [b'a', b' ', b'"', b'\\', 0x1f, 0x00, 0x7f, 0xc3, 0xa9, b'0'];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 200) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    // Mostly plain letters, so terminators come at every distance.
                    let roll = next() % 100;
                    if roll < 97 {
                        b'a'
                    } else {
                        alphabet[(next() % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            let start = (next() % (len as u64 + 1)) as usize;
            let naive = bytes[start..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map(|at| start + at)
                .filter(|&at| bytes[at] >= 0x20);
            assert_eq!(string_end(&bytes, start), naive, "{bytes:?} from {start}");
        }
    }

    #[test]
    fn ids_are_picked_up_with_their_paths() {
        let ids = IdPaths::none()
            .with("doc", "$.s")
            .and_then(|ids| ids.with("item", "$.list[*]"))
            .unwrap();
        let text = r#"{"list":["a","b\u0021"],"i":3,"s":"top"}"#;
        let found = scan_document(text, &ids, true, scan_doc).unwrap();
        let brief = |found: &[FoundId<'_>]| -> Vec<(String, String, String)> {
            found
                .iter()
                .map(|f| {
                    let scope = ids.scope(f.scope).to_string();
                    (scope, f.id.to_string(), f.path.to_string())
                })
                .collect()
        };
        let want = vec![
            ("item".into(), "a".into(), "$.list[0]".into()),
            ("item".into(), "b!".into(), "$.list[1]".into()),
            ("doc".into(), "top".into(), "$.s".into()),
        ];
        assert_eq!(brief(&found), want);
        // The parsed route finds the same ids in a value.
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(brief(&ids.find_in(&value)), want);
        // Without paths asked for, none are built.
        let found = scan_document(text, &ids, false, scan_doc).unwrap();
        assert!(found.iter().all(|f| f.path.0.is_empty()));
    }

    #[test]
    fn id_paths_must_be_well_formed() {
        for bad in ["id", "$id", "$.", "$.a[0]", "$.a..b"] {
            assert_eq!(
                IdPaths::none().with("x", bad).unwrap_err(),
                IdPathError::Malformed { path: bad.into() }
            );
        }
        let twice = IdPaths::none()
            .with("x", "$.a")
            .unwrap()
            .with("y", "$.a")
            .unwrap_err();
        assert_eq!(
            twice,
            IdPathError::Repeated {
                path: "$.a".into(),
                first_scope: "x".into()
            }
        );
        assert_eq!(twice.to_string(), "id path `$.a` given twice");
        assert!(IdPaths::none().is_empty());
    }
}
