//! Constraint checks that serde cannot express (lengths, patterns, ranges, formats, uniqueness,
//! conditional requirements), with the failing location as an RFC 9535 JSONPath.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::{DateTime, Map, Nullable};

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A location in a JSON document, printed as an RFC 9535 normalized JSONPath (`$.buyer.email`,
/// `$.line_items[0]`, `$['odd key']`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath(pub Vec<PathSegment>);

impl JsonPath {
    /// The path with one more member step.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathSegment::Key(key.into()));
        self
    }

    /// The path with one more element step.
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSegment::Index(index));
        self
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
            match segment {
                PathSegment::Index(i) => write!(f, "[{i}]")?,
                PathSegment::Key(k) if is_shorthand_name(k) => write!(f, ".{k}")?,
                PathSegment::Key(k) => {
                    f.write_str("['")?;
                    for c in k.chars() {
                        match c {
                            '\'' => f.write_str("\\'")?,
                            '\\' => f.write_str("\\\\")?,
                            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
                            c => write!(f, "{c}")?,
                        }
                    }
                    f.write_str("']")?;
                }
            }
        }
        Ok(())
    }
}

fn is_shorthand_name(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || !c.is_ascii())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

/// A value that breaks a constraint of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where the value is.
    pub path: JsonPath,
    /// What is wrong with it, in words a person can act on.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Value formats the generated code checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// No format check.
    None,
    /// RFC 5321 mailbox (`format: email`).
    Email,
    /// RFC 3986 URI (`format: uri`).
    Uri,
    /// RFC 3339 date-time (`format: date-time`) on a plain string.
    DateTime,
    /// RFC 3339 full-date (`format: date`).
    Date,
}

/// Why `text` is not an RFC 5321 `Mailbox` (JSON Schema's `format: email`): `email_address`
/// checks the local part and the overall shape, but takes any domain (`a@exa_mple.com`) and a
/// non-ASCII local part, which RFC 5321 (unlike RFC 6531's `idn-email`) does not.
fn email_problem(text: &str) -> Option<String> {
    // `email_address` rejects the empty quoted local part `""`, which RFC 5321's
    // `Quoted-string` allows.
    let nonempty;
    let text = match text.strip_prefix("\"\"@") {
        Some(domain) => {
            nonempty = format!("\"a\"@{domain}");
            nonempty.as_str()
        }
        None => text,
    };
    let address = match email_address::EmailAddress::parse_with_options(
        text,
        email_address::Options::default(),
    ) {
        Ok(address) => address,
        Err(e) => return Some(e.to_string()),
    };
    if !address.local_part().is_ascii() {
        return Some("the local part must be ASCII".to_string());
    }
    let domain = address.domain();
    let valid = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        // An address literal: IPv4, or IPv6 after its (case-insensitive) tag.
        Some(literal) => match literal.get(..5) {
            Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => {
                literal[5..].parse::<std::net::Ipv6Addr>().is_ok()
            }
            _ => literal.parse::<std::net::Ipv4Addr>().is_ok(),
        },
        None => is_host_name(domain),
    };
    (!valid).then(|| format!("`{domain}` is not a domain name"))
}

/// RFC 5321's `Domain` (RFC 1123 host names): dot-separated labels of 1 to 63 letters, digits
/// and hyphens, neither starting nor ending with a hyphen, at most 253 characters in all.
fn is_host_name(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            let bytes = label.as_bytes();
            (1..=63).contains(&bytes.len())
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && bytes[0] != b'-'
                && bytes[bytes.len() - 1] != b'-'
        })
}

/// Whether `text` is an `http`/`https` URI of the plainest kind: a host of letters, digits,
/// dots and hyphens, no port or user, then path, query and fragment characters that RFC 3986
/// allows unescaped (no `%`). Every such text is a URI, so the check skips the full parser
/// (`fluent-uri`), which is most of the cost of checking a feed's URLs; anything else goes to it.
fn is_plain_http_uri(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let bytes = rest.as_bytes();
    let host = bytes
        .iter()
        .take_while(|&&b| URI_BYTES[b as usize] & HOST != 0)
        .count();
    if host == 0 || !matches!(bytes.get(host), None | Some(b'/' | b'?' | b'#')) {
        return false;
    }
    let mut fragment = false;
    for &b in &bytes[host..] {
        if b == b'#' && !fragment {
            fragment = true;
        } else if URI_BYTES[b as usize] & PLAIN == 0 {
            return false;
        }
    }
    true
}

/// [`URI_BYTES`] flags: a byte of a plain host name; a byte a path, query or fragment may hold
/// unescaped (pchar, `/`, `?`: RFC 3986 3.3-3.5).
const HOST: u8 = 1;
const PLAIN: u8 = 2;
const URI_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'-' {
            table[b] = HOST | PLAIN;
        } else if matches!(
            c,
            b'_' | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'/'
                | b'?'
        ) {
            table[b] = PLAIN;
        }
        b += 1;
    }
    table
};

/// String constraints of one schema.
#[derive(Debug, Clone, Copy)]
pub struct StringRules {
    /// `minLength`, in Unicode code points.
    pub min_length: Option<u64>,
    /// `maxLength`, in Unicode code points.
    pub max_length: Option<u64>,
    /// `pattern`, unanchored as in JSON Schema.
    pub pattern: Option<&'static LazyLock<Regex>>,
    /// The pattern's source, for messages.
    pub pattern_source: &'static str,
    /// `format`.
    pub format: Format,
}

/// Numeric constraints of one schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumberRules {
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `exclusiveMinimum` (2020-12 numeric form).
    pub exclusive_minimum: Option<f64>,
    /// `exclusiveMaximum` (2020-12 numeric form).
    pub exclusive_maximum: Option<f64>,
    /// `multipleOf`.
    pub multiple_of: Option<f64>,
}

/// Array constraints of one schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArrayRules {
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `uniqueItems`.
    pub unique_items: bool,
}

/// One step of the path a [`Validator`] is at. Member names of generated types are
/// `&'static str`, so walking a valid value allocates nothing for its path; a [`JsonPath`] is only
/// built when a violation is recorded.
#[derive(Debug, Clone)]
enum Step {
    /// A member whose name is known at compile time (a declared property).
    Field(&'static str),
    /// A member whose name comes from the data (a map key).
    Key(String),
    /// An array element.
    Index(usize),
}

/// Collects constraint violations while walking a value.
#[derive(Debug, Default)]
pub struct Validator {
    steps: Vec<Step>,
    errors: Vec<ValidationError>,
}

impl Validator {
    /// A validator positioned at the document root.
    pub fn new() -> Self {
        Self::default()
    }

    /// The violations found so far.
    pub fn into_errors(self) -> Vec<ValidationError> {
        self.errors
    }

    /// Whether no violation has been recorded.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// The violations found so far, leaving the validator empty at the document root with its
    /// path buffer kept, for reuse on the next value.
    #[cfg_attr(not(feature = "jsonl"), allow(dead_code))]
    pub(crate) fn take_errors(&mut self) -> Vec<ValidationError> {
        self.steps.clear();
        std::mem::take(&mut self.errors)
    }

    /// The current path.
    fn path(&self) -> JsonPath {
        JsonPath(
            self.steps
                .iter()
                .map(|step| match step {
                    Step::Field(name) => PathSegment::Key((*name).to_string()),
                    Step::Key(key) => PathSegment::Key(key.clone()),
                    Step::Index(index) => PathSegment::Index(*index),
                })
                .collect(),
        )
    }

    /// Records a violation at the current path.
    pub fn error(&mut self, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: self.path(),
            message: message.into(),
        });
    }

    /// Runs `check` one member deeper (a member named by the data, such as a map key; for a
    /// declared property prefer [`Validator::at_field`], which does not copy the name).
    pub fn at_key(&mut self, key: &str, check: impl FnOnce(&mut Self)) {
        self.steps.push(Step::Key(key.to_string()));
        check(self);
        self.steps.pop();
    }

    /// Runs `check` one member deeper, for a member whose name is fixed (a declared property):
    /// the same as [`Validator::at_key`] without copying the name.
    pub fn at_field(&mut self, name: &'static str, check: impl FnOnce(&mut Self)) {
        self.steps.push(Step::Field(name));
        check(self);
        self.steps.pop();
    }

    /// Runs `check` one element deeper.
    pub fn at_index(&mut self, index: usize, check: impl FnOnce(&mut Self)) {
        self.steps.push(Step::Index(index));
        check(self);
        self.steps.pop();
    }

    /// Checks a string against its rules.
    pub fn string(&mut self, value: &str, rules: &StringRules) {
        if rules.min_length.is_some() || rules.max_length.is_some() {
            let length = value.chars().count() as u64;
            if let Some(min) = rules.min_length.filter(|min| length < *min) {
                self.error(format!(
                    "must be at least {min} characters long, got {length}"
                ));
            }
            if let Some(max) = rules.max_length.filter(|max| length > *max) {
                self.error(format!(
                    "must be at most {max} characters long, got {length}"
                ));
            }
        }
        if let Some(pattern) = rules.pattern {
            if !pattern.is_match(value) {
                self.error(format!(
                    "`{value}` does not match the pattern `{}`",
                    rules.pattern_source
                ));
            }
        }
        let format_error = match rules.format {
            Format::None => None,
            Format::Email => {
                email_problem(value).map(|e| format!("`{value}` is not an email address ({e})"))
            }
            Format::Uri if is_plain_http_uri(value) => None,
            Format::Uri => fluent_uri::Uri::parse(value)
                .err()
                .map(|e| format!("`{value}` is not a URI ({e})")),
            Format::DateTime => DateTime::parse(value).err().map(|e| e.to_string()),
            Format::Date => (!crate::datetime::is_full_date(value))
                .then(|| format!("`{value}` is not an RFC 3339 full-date (YYYY-MM-DD)")),
        };
        if let Some(message) = format_error {
            self.error(message);
        }
    }

    /// Checks a number against its rules.
    pub fn number(&mut self, value: f64, rules: &NumberRules) {
        if let Some(min) = rules.minimum.filter(|min| value < *min) {
            self.error(format!("must be at least {min}, got {value}"));
        }
        if let Some(max) = rules.maximum.filter(|max| value > *max) {
            self.error(format!("must be at most {max}, got {value}"));
        }
        if let Some(min) = rules.exclusive_minimum.filter(|min| value <= *min) {
            self.error(format!("must be greater than {min}, got {value}"));
        }
        if let Some(max) = rules.exclusive_maximum.filter(|max| value >= *max) {
            self.error(format!("must be less than {max}, got {value}"));
        }
        if let Some(step) = rules.multiple_of {
            let quotient = value / step;
            if (quotient - quotient.round()).abs() > 1e-9 {
                self.error(format!("must be a multiple of {step}, got {value}"));
            }
        }
    }

    /// Checks an integer against its rules (compared as `f64`, exact up to 2^53, far beyond
    /// any amount in minor units).
    pub fn integer(&mut self, value: i64, rules: &NumberRules) {
        self.number(value as f64, rules);
    }

    /// Checks an array's length and, when asked, that its items are distinct.
    pub fn array<T: Serialize>(&mut self, items: &[T], rules: &ArrayRules) {
        let count = items.len() as u64;
        if let Some(min) = rules.min_items.filter(|min| count < *min) {
            self.error(format!("must have at least {min} items, got {count}"));
        }
        if let Some(max) = rules.max_items.filter(|max| count > *max) {
            self.error(format!("must have at most {max} items, got {count}"));
        }
        if rules.unique_items {
            // JSON equality is the spec's notion of "the same item", so compare serialized values.
            let values: Vec<serde_json::Value> = items
                .iter()
                .filter_map(|item| serde_json::to_value(item).ok())
                .collect();
            for (i, value) in values.iter().enumerate() {
                if let Some(first) = values[..i].iter().position(|earlier| earlier == value) {
                    self.error(format!(
                        "items must be unique: item {i} repeats item {first}"
                    ));
                }
            }
        }
    }

    /// Checks that a `const` field holds exactly `expected` (compared as JSON text).
    pub fn constant<T: Serialize>(&mut self, value: &T, expected_json: &str) {
        if !json_is_one_of(value, &[expected_json]) {
            self.error(format!("must be {expected_json}"));
        }
    }

    /// Checks that a value is one of the allowed JSON values (`enum`/`const` on a value without
    /// a type of its own).
    pub fn one_of<T: Serialize + ?Sized>(&mut self, value: &T, allowed_json: &[&str]) {
        if !json_is_one_of(value, allowed_json) {
            self.error(format!("must be one of {}", allowed_json.join(", ")));
        }
    }

    /// `if`/`then`/`else` on an object, evaluated on its JSON form with JSON Schema semantics.
    pub fn condition<T: Serialize + ?Sized>(
        &mut self,
        object: &T,
        when: &MemberTest,
        then: &MemberTest,
        otherwise: &MemberTest,
    ) {
        let Ok(json) = serde_json::to_value(object) else {
            return;
        };
        let (branch, because) = if when.holds(&json) {
            (then, "the spec's `if`/`then` applies")
        } else {
            (otherwise, "the spec's `if`/`else` applies")
        };
        for (path, message) in branch.failures(&json) {
            let depth = self.steps.len();
            self.steps
                .extend(path.0.into_iter().map(|segment| match segment {
                    PathSegment::Key(key) => Step::Key(key),
                    PathSegment::Index(index) => Step::Index(index),
                }));
            self.error(format!("{message} ({because})"));
            self.steps.truncate(depth);
        }
    }

    /// `oneOf` (`exclusive`) or `anyOf` over member tests of an object.
    pub fn alternatives<T: Serialize + ?Sized>(
        &mut self,
        object: &T,
        exclusive: bool,
        branches: &[MemberTest],
    ) {
        let Ok(json) = serde_json::to_value(object) else {
            return;
        };
        let holding = branches.iter().filter(|b| b.holds(&json)).count();
        let described: Vec<String> = branches.iter().map(MemberTest::describe).collect();
        if holding == 0 {
            self.error(format!(
                "must satisfy {} of: {}",
                if exclusive {
                    "exactly one"
                } else {
                    "at least one"
                },
                described.join("; or ")
            ));
        } else if exclusive && holding > 1 {
            self.error(format!(
                "must satisfy exactly one of: {} (it satisfies {holding})",
                described.join("; or ")
            ));
        }
    }

    /// `minProperties`/`maxProperties` on the serialized object.
    pub fn property_count<T: Serialize + ?Sized>(
        &mut self,
        object: &T,
        min: Option<u64>,
        max: Option<u64>,
    ) {
        // A struct's members are counted as they are serialized, without building its JSON;
        // anything else (a map, a flattened struct) is serialized to see its members.
        let count = match object.serialize(MemberCounter) {
            Ok(count) => count,
            Err(NotCounted) => match serde_json::to_value(object) {
                Ok(serde_json::Value::Object(members)) => members.len() as u64,
                _ => return,
            },
        };
        if let Some(min) = min.filter(|min| count < *min) {
            self.error(format!("must have at least {min} members, got {count}"));
        }
        if let Some(max) = max.filter(|max| count > *max) {
            self.error(format!("must have at most {max} members, got {count}"));
        }
    }
}

/// Counts the members a struct serializes, which are the members of the object
/// `serde_json::to_value` makes of it (a derived struct names each member once; skipped
/// members are not serialized), without serializing their values. Refuses anything else.
struct MemberCounter;

/// A struct's members counted, one per `serialize_field`.
struct CountedMembers(u64);

/// What [`MemberCounter`] does not count.
#[derive(Debug)]
struct NotCounted;

impl fmt::Display for NotCounted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for NotCounted {}

impl serde::ser::Error for NotCounted {
    fn custom<T: fmt::Display>(_: T) -> Self {
        NotCounted
    }
}

macro_rules! not_counted {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<u64, NotCounted> {
            Err(NotCounted)
        }
    )*};
}

impl serde::Serializer for MemberCounter {
    type Ok = u64;
    type Error = NotCounted;
    type SerializeSeq = serde::ser::Impossible<u64, NotCounted>;
    type SerializeTuple = serde::ser::Impossible<u64, NotCounted>;
    type SerializeTupleStruct = serde::ser::Impossible<u64, NotCounted>;
    type SerializeTupleVariant = serde::ser::Impossible<u64, NotCounted>;
    type SerializeMap = serde::ser::Impossible<u64, NotCounted>;
    type SerializeStruct = CountedMembers;
    type SerializeStructVariant = serde::ser::Impossible<u64, NotCounted>;

    not_counted! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<u64, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<u64, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<u64, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotCounted> {
        Err(NotCounted)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, NotCounted> {
        // serde_json's own marker structs (raw values, arbitrary-precision numbers) are not
        // objects.
        if name.starts_with("$serde_json::") {
            return Err(NotCounted);
        }
        Ok(CountedMembers(0))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotCounted> {
        Err(NotCounted)
    }
}

impl serde::ser::SerializeStruct for CountedMembers {
    type Ok = u64;
    type Error = NotCounted;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        _: &T,
    ) -> Result<(), NotCounted> {
        self.0 += 1;
        Ok(())
    }

    fn end(self) -> Result<u64, NotCounted> {
        Ok(self.0)
    }
}

/// A test on members of an object, by path (generated from `if`/`then`/`else` and from
/// `oneOf`/`anyOf` branches that only constrain members). Absent parents make a test hold.
#[derive(Debug, Clone, Copy)]
pub struct MemberTest {
    /// Member path and the JSON texts of the values that satisfy it.
    pub values: &'static [(&'static [&'static str], &'static [&'static str])],
    /// Object path and the members it must have.
    pub required: &'static [(&'static [&'static str], &'static [&'static str])],
}

impl MemberTest {
    fn holds(&self, root: &serde_json::Value) -> bool {
        self.failures(root).is_empty()
    }

    fn failures(&self, root: &serde_json::Value) -> Vec<(JsonPath, String)> {
        let mut out = Vec::new();
        for (path, allowed) in self.values {
            if let Some(value) = lookup(root, path) {
                if !json_is_one_of(value, allowed) {
                    out.push((
                        path_of(path),
                        format!("must be one of {}", allowed.join(", ")),
                    ));
                }
            }
        }
        for (path, members) in self.required {
            if let Some(serde_json::Value::Object(object)) = lookup(root, path) {
                for member in members.iter().filter(|m| !object.contains_key(**m)) {
                    out.push((path_of(path), format!("`{member}` is required")));
                }
            }
        }
        out
    }

    fn describe(&self) -> String {
        let values = self
            .values
            .iter()
            .map(|(path, allowed)| format!("`{}` is {}", path.join("."), allowed.join(" or ")));
        let required = self.required.iter().flat_map(|(path, members)| {
            members.iter().map(move |m| {
                let mut full = path.to_vec();
                full.push(m);
                format!("`{}` present", full.join("."))
            })
        });
        let parts: Vec<String> = values.chain(required).collect();
        if parts.is_empty() {
            "anything".to_string()
        } else {
            parts.join(" and ")
        }
    }
}

fn lookup<'v>(root: &'v serde_json::Value, path: &[&str]) -> Option<&'v serde_json::Value> {
    path.iter().try_fold(root, |value, key| value.get(*key))
}

fn path_of(path: &[&str]) -> JsonPath {
    JsonPath(
        path.iter()
            .map(|k| PathSegment::Key(k.to_string()))
            .collect(),
    )
}

/// Whether `value`, serialized, equals one of `candidates` (each a JSON text).
pub fn json_is_one_of<T: Serialize + ?Sized>(value: &T, candidates: &[&str]) -> bool {
    let Ok(value) = serde_json::to_value(value) else {
        return false;
    };
    candidates
        .iter()
        .any(|c| serde_json::from_str::<serde_json::Value>(c).is_ok_and(|c| json_equal(&c, &value)))
}

/// JSON Schema equality: numbers compare by value (`1.0 == 1`), objects ignore key order.
fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// A value whose nested constraints can be checked.
pub trait Validate {
    /// Appends every violation inside `self` to `validator`.
    fn validate(&self, validator: &mut Validator);

    /// All violations, at paths relative to `self`.
    fn validation_errors(&self) -> Vec<ValidationError> {
        let mut validator = Validator::new();
        self.validate(&mut validator);
        validator.into_errors()
    }
}

macro_rules! leaf {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            fn validate(&self, _: &mut Validator) {}
        }
    )*};
}
leaf!(
    String,
    i64,
    f64,
    bool,
    (),
    serde_json::Value,
    serde_json::Number,
    DateTime
);

impl Validate for serde_json::Map<String, serde_json::Value> {
    fn validate(&self, _: &mut Validator) {}
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, validator: &mut Validator) {
        if let Some(value) = self {
            value.validate(validator);
        }
    }
}

impl<T: Validate> Validate for Nullable<T> {
    fn validate(&self, validator: &mut Validator) {
        if let Nullable::Value(value) = self {
            value.validate(validator);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, validator: &mut Validator) {
        (**self).validate(validator);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, validator: &mut Validator) {
        for (i, item) in self.iter().enumerate() {
            validator.at_index(i, |v| item.validate(v));
        }
    }
}

impl<T: Validate> Validate for Map<T> {
    fn validate(&self, validator: &mut Validator) {
        for (key, item) in self {
            validator.at_key(key, |v| item.validate(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new("^[0-9]+$").unwrap());

    #[test]
    fn jsonpath_is_normalized() {
        let path = JsonPath::default()
            .key("line_items")
            .index(2)
            .key("odd key's")
            .key("id");
        assert_eq!(path.to_string(), "$.line_items[2]['odd key\\'s'].id");
    }

    #[test]
    fn string_rules_report_each_violation_at_its_path() {
        let rules = StringRules {
            min_length: Some(3),
            max_length: Some(4),
            pattern: Some(&DIGITS),
            pattern_source: "^[0-9]+$",
            format: Format::None,
        };
        let mut v = Validator::new();
        v.at_key("code", |v| v.string("ab", &rules));
        v.at_key("ok", |v| v.string("123", &rules));
        let errors = v.into_errors();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| e.path.to_string() == "$.code"));
    }

    #[test]
    fn formats_are_checked() {
        let mut v = Validator::new();
        for (value, format) in [
            ("not an email", Format::Email),
            ("a@b.example", Format::Email),
            ("http://x y", Format::Uri),
            ("https://merchant.example.com/terms", Format::Uri),
            ("2026-02-30", Format::Date),
            ("2026-02-28", Format::Date),
        ] {
            let rules = StringRules {
                min_length: None,
                max_length: None,
                pattern: None,
                pattern_source: "",
                format,
            };
            v.string(value, &rules);
        }
        assert_eq!(v.into_errors().len(), 3);
    }

    #[test]
    fn conditions_and_alternatives_follow_json_schema() {
        let json = serde_json::json!({"channel": {"browser": {"javascript_enabled": true}}, "type": "challenge"});
        let when = MemberTest {
            values: &[(&["channel", "browser", "javascript_enabled"], &["true"])],
            required: &[],
        };
        let then = MemberTest {
            values: &[],
            required: &[(&["channel", "browser"], &["color_depth"])],
        };
        let none = MemberTest {
            values: &[],
            required: &[],
        };
        let mut v = Validator::new();
        v.condition(&json, &when, &then, &none);
        let errors = v.into_errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path.to_string(), "$.channel.browser");
        // An absent member makes the `if` hold vacuously; an absent parent makes `then` hold.
        let mut v = Validator::new();
        v.condition(&serde_json::json!({}), &when, &then, &none);
        assert!(v.into_errors().is_empty());
        let branches = [
            MemberTest {
                values: &[(&["type"], &["\"fingerprint\""])],
                required: &[(&[], &["fingerprint"])],
            },
            MemberTest {
                values: &[(&["type"], &["\"challenge\""])],
                required: &[(&[], &["challenge"])],
            },
        ];
        let mut v = Validator::new();
        v.alternatives(&json, true, &branches);
        assert_eq!(
            v.into_errors().len(),
            1,
            "no branch holds without `challenge`"
        );
        let mut v = Validator::new();
        v.alternatives(
            &serde_json::json!({"type": "challenge", "challenge": {}}),
            true,
            &branches,
        );
        assert!(v.into_errors().is_empty());
    }

    #[test]
    fn fields_keys_and_indexes_make_the_same_paths() {
        let rules = StringRules {
            min_length: Some(2),
            max_length: None,
            pattern: None,
            pattern_source: "",
            format: Format::None,
        };
        let mut v = Validator::new();
        v.at_field("items", |v| {
            v.at_index(3, |v| {
                v.at_key("odd key", |v| v.string("x", &rules));
                v.at_field("name", |v| v.string("ok", &rules));
            });
        });
        v.at_key("items", |v| v.at_field("id", |v| v.string("", &rules)));
        v.string("", &rules);
        let paths: Vec<String> = v.into_errors().iter().map(|e| e.path.to_string()).collect();
        assert_eq!(paths, ["$.items[3]['odd key']", "$.items.id", "$"]);
        assert_eq!(JsonPath::default().key("items").index(3).key("odd key"), {
            let mut v = Validator::new();
            v.at_field("items", |v| {
                v.at_index(3, |v| v.at_key("odd key", |v| v.error("x")))
            });
            v.into_errors().remove(0).path
        });
    }

    #[test]
    fn plain_http_uris_are_uris_to_the_full_parser_too() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces = [
            "http://",
            "https://",
            "HTTP://",
            "ftp://",
            "a",
            "Z",
            "9",
            ".",
            "-",
            "_",
            "~",
            "/",
            "?",
            "#",
            "%",
            "%41",
            ":",
            "@",
            "[",
            "]",
            " ",
            "!",
            "'",
            "=",
            "&",
            "é",
            "\\",
            "{",
            "|",
            "^",
            "`",
            "\"",
            "<",
            "example.com",
            "//",
        ];
        let mut taken = 0;
        for _ in 0..50_000 {
            let mut text = String::from(if next() % 2 == 0 {
                "https://"
            } else {
                "http://"
            });
            for _ in 0..next() % 12 {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            if is_plain_http_uri(&text) {
                taken += 1;
                assert!(fluent_uri::Uri::parse(text.as_str()).is_ok(), "{text}");
            }
        }
        assert!(taken > 1_000, "only {taken} taken");
        for text in ["https://merchant.example/p/1?variant=a&x=1#top", "http://a"] {
            assert!(is_plain_http_uri(text), "{text}");
        }
        for text in [
            "https://",
            "https://a b",
            "https://a:80/",
            "https://a/%41",
            "https://a#b#c",
        ] {
            assert!(!is_plain_http_uri(text), "{text}");
        }
    }

    #[test]
    fn property_count_counts_the_members_serialized() {
        #[derive(Serialize)]
        struct Sparse {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<String>,
            c: Option<bool>,
        }
        #[derive(Serialize)]
        struct Open {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<i64>,
            #[serde(flatten)]
            rest: std::collections::BTreeMap<String, i64>,
        }
        let count = |value: &dyn erased::Count, min, max| {
            let mut v = Validator::new();
            value.count(&mut v, min, max);
            v.into_errors()
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
        };
        let sparse = Sparse {
            a: None,
            b: Some("x".into()),
            c: None,
        };
        assert_eq!(
            count(&sparse, Some(3), None),
            ["must have at least 3 members, got 2"]
        );
        assert!(count(&sparse, Some(2), Some(2)).is_empty());
        let open = Open {
            a: Some(1),
            rest: [("x".to_string(), 1), ("y".to_string(), 2)].into(),
        };
        assert_eq!(
            count(&open, None, Some(2)),
            ["must have at most 2 members, got 3"]
        );
        // A member given twice (declared and flattened) is one member of the JSON object.
        let twice = Open {
            a: Some(1),
            rest: [("a".to_string(), 2)].into(),
        };
        assert!(count(&twice, Some(1), Some(1)).is_empty());
        assert_eq!(
            count(&serde_json::json!({"k": 1}), Some(2), None),
            ["must have at least 2 members, got 1"]
        );
        // Not an object: nothing to count.
        assert!(count(&serde_json::json!([1, 2]), Some(5), None).is_empty());
        assert!(count(&"text", Some(5), None).is_empty());
    }

    mod erased {
        pub trait Count {
            fn count(&self, v: &mut super::Validator, min: Option<u64>, max: Option<u64>);
        }

        impl<T: serde::Serialize + ?Sized> Count for T {
            fn count(&self, v: &mut super::Validator, min: Option<u64>, max: Option<u64>) {
                v.property_count(self, min, max);
            }
        }
    }

    #[test]
    fn numbers_arrays_and_constants() {
        let mut v = Validator::new();
        v.number(
            0.0,
            &NumberRules {
                exclusive_minimum: Some(0.0),
                ..Default::default()
            },
        );
        v.integer(
            5,
            &NumberRules {
                minimum: Some(0.0),
                maximum: Some(10.0),
                ..Default::default()
            },
        );
        v.array(
            &["a", "b", "a"],
            &ArrayRules {
                unique_items: true,
                ..Default::default()
            },
        );
        v.constant(&"shipping", "\"shipping\"");
        v.constant(&1.0, "1");
        v.constant(&"digital", "\"shipping\"");
        let messages: Vec<_> = v.into_errors().into_iter().map(|e| e.message).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
    }
}
