//! Property test of the generated types: for every version and every named type of the IR,
//! random JSON instances shaped by the IR (its rules, required/optional/nullable members,
//! undeclared members, enums, constants, tagged and untagged unions, newtypes, maps, arrays,
//! `if`/`then`/`else` conditions and `oneOf`/`anyOf` member alternatives) are parsed into the
//! generated type (`__roundtrip`) and serialized back, and the independent validator (the
//! `jsonschema` crate, [`Oracle`]) judges both the instance and the serialized JSON.
//!
//! The test fails when
//! - the generated type rejects an instance the validator accepts;
//! - the round trip changes an instance (compared as JSON values, numbers by value);
//! - the serialized JSON is invalid;
//! - the generated type accepts an instance the validator rejects: the IR the instance was made
//!   from (and so the generated type) lacks a constraint of the schema;
//! - the generated code panics;
//! - the borrowed view of the type (`__roundtrip_borrowed`, from the instance's JSON text)
//!   disagrees with the owned type: another serialization, or an error elsewhere;
//! - more than [`MAX_DISCARDED_SHARE`] of a type's instances are invalid and rejected by the
//!   generated type: the instance generator misses a constraint the IR has (such instances are
//!   discarded, counted and printed; the share keeps a broken instance generator from passing).
//!
//! Validator errors that a spec defect the generator reported explains are counted as known,
//! per type, instead of failing: `allof-closed-part` (an `allOf` part closed with
//! `additionalProperties: false` while other parts add members) and `openapi-jsonschema-mismatch`
//! (an OpenAPI copy of a JSON Schema definition that differs; the types follow the JSON Schema).
//! Instances are also validated against the type's aliases (the OpenAPI copies); disagreements
//! are printed, not failed, separating those the generator reported from those it did not.
//!
//! Deterministic: every type gets its own RNG (proptest's ChaCha `TestRng`, driven through a
//! `TestRunner`, which also generates pattern strings with `string_regex`), seeded from
//! `PROPTEST_RNG_SEED` (default [`DEFAULT_SEED`]), the version and the type's schema. Cases per
//! type: `PROPTEST_CASES` (default [`DEFAULT_CASES`]). `ACP_PROPERTY_TYPE=<substring>` restricts
//! the run to the types whose name or schema contains it. A failing instance is shrunk (members
//! and items removed while it fails the same way) and printed with the version, type, seed,
//! validator errors and the generated type's verdict. Counts are printed:
//! `cargo test -p acp-e2e --test property -- --nocapture`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use acp_codegen::emit::translate_pattern;
use acp_codegen::ir::{Additional, MemberTest, Rules, Shape, Struct, TypeId, TypeKind, TypeRef};
use acp_codegen::Api;
use acp_e2e::{
    api, explained_by_closed_allof, first_difference, json_eq, roundtrip, roundtrip_borrowed, scan,
    versions, Oracle,
};
use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use proptest::prelude::RngExt;
use proptest::strategy::{Strategy, ValueTree};
use proptest::string::{string_regex, RegexGeneratorStrategy};
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRng, TestRunner};
use serde_json::{Map, Number, Value};

/// Instances per type unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 32;
/// Base seed unless `PROPTEST_RNG_SEED` says otherwise.
const DEFAULT_SEED: u64 = 0x00AC_9C0D_E6E2;
/// Past this many nested named types, optional members are left out, arrays and maps are
/// minimal and no undeclared members are added.
const DEEP: usize = 4;
/// Nesting through required members beyond this is a recursive type the generator cannot end.
const TOO_DEEP: usize = 32;
/// Attempts at an untagged union value the validator accepts at the union's own schema (a value
/// of one variant may also fit another, which `oneOf` forbids).
const UNION_ATTEMPTS: usize = 12;
/// Share of a type's instances that may be invalid (and rejected by the generated type) before
/// the test fails: the instance generator must honour the IR's constraints.
const MAX_DISCARDED_SHARE: f64 = 0.1;
/// The failure of a generated type that lacks a constraint of the schema.
const ACCEPTS_INVALID: &str = "the generated type accepts an instance the validator rejects";
/// Instances per type broken on purpose to check the scanners, at this many places each.
const MUTATED_CASES: u32 = 4;
const MUTATED_PLACES: usize = 12;
/// Budget of checks spent shrinking a failing instance.
const SHRINK_CHECKS: usize = 400;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn base_seed() -> u64 {
    match Config::default().rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => DEFAULT_SEED,
    }
}

/// FNV-1a, so seeds do not depend on the standard library's hasher.
fn fnv(salt: u64, parts: &[&str]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ salt;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A runner whose RNG depends only on the base seed, the version and the schema.
fn runner_for(seed: u64, version: &str, schema: &str) -> TestRunner {
    let mut bytes = Vec::with_capacity(32);
    for salt in 0..4 {
        let salt = seed.wrapping_add(salt).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        bytes.extend_from_slice(&fnv(salt, &[version, schema]).to_le_bytes());
    }
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// A pattern for `string_regex`: ECMA-262 classes made ASCII, anchors removed (generation
/// produces whole matches, so an anchored pattern is matched by what the unanchored one yields).
fn generation_regex(pattern: &str) -> String {
    let translated = translate_pattern(pattern);
    let mut out = String::with_capacity(translated.len());
    let mut chars = translated.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '^' | '$' if !in_class => {}
            other => out.push(other),
        }
    }
    out
}

/// A member test holds: present members have an allowed value, present objects have the
/// required members (absent parents make it hold, as in JSON Schema and the runtime).
fn holds(test: &MemberTest, root: &Value) -> bool {
    test.values.iter().all(|(path, allowed)| {
        lookup(root, path).is_none_or(|v| allowed.iter().any(|a| json_eq(a, v)))
    }) && test
        .required
        .iter()
        .all(|(path, members)| match lookup(root, path) {
            Some(Value::Object(object)) => members.iter().all(|m| object.contains_key(m)),
            _ => true,
        })
}

fn lookup<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(root, |value, key| value.get(key))
}

/// The JSON pointer of every value inside `value` (`value` itself as `at`).
fn json_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let key = key.replace('~', "~0").replace('/', "~1");
                json_pointers(member, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                json_pointers(item, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn lookup_mut<'v>(root: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(root, |value, key| value.get_mut(key))
}

/// Counters of one version.
#[derive(Default)]
struct Stats {
    types: usize,
    instances: usize,
    passed: usize,
    known: usize,
    /// (defect, type) → instances invalid only because of it.
    known_types: BTreeMap<(String, String), usize>,
    discarded: usize,
    /// Type → (discarded instances, first validator errors, the generated type's rejection).
    discards: BTreeMap<String, (usize, String, String)>,
    /// Instances also checked against the type's aliases.
    alias_checked: usize,
    /// ... that an alias rejects only as `openapi-jsonschema-mismatch` reports say.
    alias_known: usize,
    /// Type → (instances an alias rejects for an unreported reason, first error).
    alias_unexplained: BTreeMap<String, (usize, String)>,
    union_retries: usize,
    union_retry_types: BTreeMap<String, usize>,
    nulls: usize,
    absent_optional: usize,
    undeclared_members: usize,
    conditions_fixed: usize,
    alternatives_chosen: usize,
    /// Instances of types with a scanner (`acp_runtime::scan`), and those it accepted.
    scannable: usize,
    scanned: usize,
    /// Instances broken on purpose for the scanners, and those a scanner still accepted.
    mutants: usize,
    mutants_scanned: usize,
    failures: Vec<String>,
}

/// The verdict on one instance.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Valid, accepted, unchanged, and the serialized form is valid.
    Pass,
    /// Invalid only because of spec defects the generator reported (named), otherwise fine.
    Known(String),
    /// The instance is invalid and the generated type rejects it: the instance generator missed
    /// a constraint that the IR has.
    Discard {
        errors: Vec<String>,
        rejection: String,
    },
    /// A generator bug.
    Fail { kind: &'static str, detail: String },
}

/// The spec defect, reported by the generator, that explains one validator error (`path:
/// message`) of an instance made from the IR of `schema`'s type:
/// - `allof-closed-part`: a closed `allOf` part rejects the members other parts add;
/// - `openapi-jsonschema-mismatch`: the type follows the JSON Schema while `schema` is in an
///   OpenAPI file whose copy of a component differs as reported (a member only in the JSON
///   Schema, a member required only in the OpenAPI file, a keyword that differs).
fn known_defect(api: &Api, schema: &str, error: &str) -> Option<&'static str> {
    if explained_by_closed_allof(api, schema, &[error.to_string()]) {
        return Some("allof-closed-part");
    }
    if !schema.contains("/openapi/") {
        return None;
    }
    let reports: Vec<&str> = api
        .diagnostics
        .iter()
        .filter(|d| d.code == acp_codegen::Code::OpenapiJsonschemaMismatch)
        .map(|d| d.message.as_str())
        .collect();
    let reported = |needle: String| reports.iter().any(|r| r.contains(&needle));
    let (path, message) = error.split_once(": ").unwrap_or(("", error));
    let explained =
        if let Some(rest) = message.strip_prefix("Additional properties are not allowed (") {
            let list = rest.split(')').next().unwrap_or_default();
            let members: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
            !members.is_empty()
                && members
                    .iter()
                    .all(|m| reported(format!(".{m}` is only in the JSON Schema")))
        } else if let Some(member) = message
            .strip_suffix(" is a required property")
            .and_then(|m| m.strip_prefix('"'))
            .and_then(|m| m.strip_suffix('"'))
        {
            reported(format!(".{member}` is required only in the OpenAPI file"))
        } else {
            // A keyword that differs on the member the error is at.
            path.rsplit('/')
                .next()
                .is_some_and(|member| !member.is_empty() && reported(format!(".{member}`: `")))
        };
    explained.then_some("openapi-jsonschema-mismatch")
}

struct Run<'a> {
    version: String,
    api: &'a Api,
    oracle: Oracle,
    regexes: HashMap<String, RegexGeneratorStrategy<String>>,
    runner: TestRunner,
    stats: Stats,
}

impl<'a> Run<'a> {
    fn chance(&mut self, p: f64) -> bool {
        self.runner.rng().random_bool(p)
    }

    fn below(&mut self, n: usize) -> usize {
        self.runner.rng().random_range(0..n)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        self.runner.rng().random_range(lo..=hi)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    // ---- instance generation ----

    fn value(&mut self, ty: &TypeRef, depth: usize) -> Value {
        let nullable =
            ty.nullable || matches!(ty.shape, Shape::Named(id) if self.api.types[id].nullable);
        if nullable && self.chance(0.15) {
            self.stats.nulls += 1;
            return Value::Null;
        }
        if let Some(allowed) = ty.rules.allowed.as_deref().filter(|a| !a.is_empty()) {
            return self.pick(allowed);
        }
        match &ty.shape {
            Shape::Any => self.any(depth),
            Shape::Null => Value::Null,
            Shape::String => Value::String(self.string(&ty.rules)),
            Shape::DateTime => Value::String(self.date_time()),
            Shape::Integer => self.integer(&ty.rules),
            Shape::Number => self.number(&ty.rules),
            Shape::Boolean => Value::Bool(self.chance(0.5)),
            Shape::Object => self.free_object(depth),
            Shape::Array(item) => self.array(item, &ty.rules, depth),
            Shape::Map(item) => {
                let count = if depth > DEEP {
                    0
                } else {
                    self.between(0, 2) as usize
                };
                let mut map = Map::new();
                for _ in 0..count {
                    let key = self.key();
                    let value = self.value(item, depth);
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            Shape::Named(id) => self.named(*id, depth + 1),
        }
    }

    fn named(&mut self, id: TypeId, depth: usize) -> Value {
        let api = self.api;
        let def = &api.types[id];
        assert!(
            depth < TOO_DEEP,
            "{}: {} recurses through required members",
            self.version,
            def.name
        );
        match &def.kind {
            TypeKind::Struct(s) => self.object(s, depth, None),
            TypeKind::Enum(values) => Value::String(self.pick(values).value),
            TypeKind::Const(value) => value.clone(),
            TypeKind::TaggedUnion(union) => {
                let (tag, variant) = self.pick(&union.variants);
                let fixed = Some((union.tag.as_str(), Value::String(tag.clone())));
                match &api.types[variant].kind {
                    TypeKind::Struct(s) => self.object(s, depth, fixed),
                    _ => {
                        let mut value = self.named(variant, depth);
                        if let Value::Object(map) = &mut value {
                            map.insert(union.tag.clone(), Value::String(tag));
                        }
                        value
                    }
                }
            }
            TypeKind::Untagged(variants) => {
                // A value of one variant may fit another too, which `oneOf` forbids: keep the
                // first the validator accepts at the union's own schema (counted as retries).
                // Past half the attempts, minimal values (deep down: empty arrays, which fit
                // every array variant) are avoided.
                let schema = def.origin.to_string();
                let mut last = Value::Null;
                for attempt in 0..UNION_ATTEMPTS {
                    let variant = self.pick(variants);
                    let depth = if attempt < UNION_ATTEMPTS / 2 {
                        depth
                    } else {
                        depth.min(DEEP)
                    };
                    last = self.value(&variant, depth);
                    if self.oracle.errors(&schema, &last).is_empty() {
                        return last;
                    }
                    if attempt + 1 < UNION_ATTEMPTS {
                        self.stats.union_retries += 1;
                        *self
                            .stats
                            .union_retry_types
                            .entry(def.name.clone())
                            .or_default() += 1;
                    }
                }
                last
            }
            TypeKind::Newtype(inner) => self.value(inner, depth),
        }
    }

    /// An object of a struct; `fixed` is a tag member and the variant's value for it.
    fn object(&mut self, s: &'a Struct, depth: usize, fixed: Option<(&str, Value)>) -> Value {
        let deep = depth > DEEP;
        let mut map = Map::new();
        if let Some((tag, value)) = &fixed {
            map.insert(tag.to_string(), value.clone());
        }
        for field in &s.fields {
            if map.contains_key(&field.name) {
                continue;
            }
            if field.required || (!deep && self.chance(0.6)) {
                let value = self.value(&field.ty, depth);
                map.insert(field.name.clone(), value);
            } else {
                self.stats.absent_optional += 1;
            }
        }
        if !deep && self.chance(0.3) {
            for _ in 0..self.between(1, 2) {
                let key = self.undeclared_key(s, &map);
                let value = match &s.additional {
                    Additional::Forbidden => break,
                    Additional::Any => self.any(depth + 1),
                    Additional::Typed(ty) => self.value(ty, depth),
                };
                self.stats.undeclared_members += 1;
                map.insert(key, value);
            }
        }
        let mut value = Value::Object(map);
        self.satisfy(s, &mut value, depth);
        value
    }

    /// Makes alternatives, conditions and the member count of `s` hold on `object`.
    fn satisfy(&mut self, s: &'a Struct, object: &mut Value, depth: usize) {
        for alternatives in &s.alternatives {
            let branch = self.below(alternatives.branches.len());
            self.stats.alternatives_chosen += 1;
            self.make_hold(s, object, &alternatives.branches[branch], depth);
        }
        for _ in 0..4 {
            let mut changed = false;
            for condition in &s.conditions {
                let branch = if holds(&condition.when, object) {
                    &condition.then
                } else {
                    &condition.otherwise
                };
                if !holds(branch, object) {
                    self.stats.conditions_fixed += 1;
                    self.make_hold(s, object, branch, depth);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let (min, max) = s.property_count;
        let Value::Object(map) = object else { return };
        if let Some(min) = min.map(|m| m as usize) {
            for field in &s.fields {
                if map.len() >= min {
                    break;
                }
                if !map.contains_key(&field.name) {
                    let value = self.value(&field.ty, depth);
                    map.insert(field.name.clone(), value);
                }
            }
            while map.len() < min && s.additional != Additional::Forbidden {
                let key = self.undeclared_key(s, map);
                let value = match &s.additional {
                    Additional::Typed(ty) => self.value(ty, depth),
                    _ => Value::Bool(true),
                };
                map.insert(key, value);
            }
        }
        if let Some(max) = max.map(|m| m as usize) {
            for field in s.fields.iter().rev().filter(|f| !f.required) {
                if map.len() <= max {
                    break;
                }
                map.shift_remove(&field.name);
            }
        }
    }

    /// Changes `object` (an instance of `s`) so that `test` holds: required members are added
    /// (generated from their declared type), disallowed values replaced by allowed ones.
    fn make_hold(&mut self, s: &'a Struct, object: &mut Value, test: &MemberTest, depth: usize) {
        for (path, members) in &test.required {
            let candidates = self.structs_at(s, path, object);
            for member in members {
                let present = match lookup(object, path) {
                    Some(Value::Object(o)) => o.contains_key(member),
                    _ => true,
                };
                if present {
                    continue;
                }
                let declared = candidates
                    .iter()
                    .find_map(|c| c.fields.iter().find(|f| &f.name == member));
                let value = match declared {
                    Some(field) => self.value(&field.ty, depth + path.len()),
                    None => self.any(DEEP),
                };
                if let Some(Value::Object(o)) = lookup_mut(object, path) {
                    o.insert(member.clone(), value);
                }
            }
        }
        for (path, allowed) in &test.values {
            let Some(current) = lookup(object, path) else {
                continue;
            };
            if !allowed.iter().any(|a| json_eq(a, current)) {
                let replacement = self.pick(allowed);
                *lookup_mut(object, path).unwrap() = replacement;
            }
        }
    }

    /// The structs that may describe the object at `path` inside an instance of `s` (unions are
    /// resolved by the instance's tag, or all their variants are candidates).
    fn structs_at(&self, s: &'a Struct, path: &[String], root: &Value) -> Vec<&'a Struct> {
        let mut current = vec![s];
        for (i, key) in path.iter().enumerate() {
            let here = lookup(root, &path[..=i]);
            let mut next = Vec::new();
            for candidate in current {
                if let Some(field) = candidate.fields.iter().find(|f| &f.name == key) {
                    self.structs_of(&field.ty, here, &mut next);
                }
            }
            current = next;
        }
        current
    }

    fn structs_of(&self, ty: &'a TypeRef, value: Option<&Value>, out: &mut Vec<&'a Struct>) {
        let Shape::Named(id) = ty.shape else { return };
        let api: &'a Api = self.api;
        match &api.types[id].kind {
            TypeKind::Struct(s) => out.push(s),
            TypeKind::Newtype(inner) => self.structs_of(inner, value, out),
            TypeKind::TaggedUnion(union) => {
                let tag = value.and_then(|v| v.get(&union.tag));
                for (name, variant) in &union.variants {
                    if tag.is_none_or(|t| t == name.as_str()) {
                        if let TypeKind::Struct(s) = &api.types[*variant].kind {
                            out.push(s);
                        }
                    }
                }
            }
            TypeKind::Untagged(variants) => {
                for variant in variants {
                    self.structs_of(variant, value, out);
                }
            }
            TypeKind::Enum(_) | TypeKind::Const(_) => {}
        }
    }

    fn string(&mut self, rules: &Rules) -> String {
        let min = rules.min_length.unwrap_or(0) as usize;
        let max = rules.max_length.map(|m| m as usize);
        let fits = |s: &str| {
            let n = s.chars().count();
            n >= min && max.is_none_or(|max| n <= max)
        };
        let mut last = String::new();
        for _ in 0..64 {
            last = if let Some(pattern) = &rules.pattern {
                self.pattern_string(pattern)
            } else {
                match rules.format.as_ref().map(|f| f.name()) {
                    Some("email") => self.email(),
                    Some("uri") => self.uri(),
                    Some("date") => self.date(),
                    Some("date-time") => self.date_time(),
                    Some(other) => panic!(
                        "{}: format `{other}` has no instance generator; add one",
                        self.version
                    ),
                    None => return self.text(min, max),
                }
            };
            if fits(&last) {
                break;
            }
        }
        last
    }

    fn pattern_string(&mut self, pattern: &str) -> String {
        if !self.regexes.contains_key(pattern) {
            let regex = generation_regex(pattern);
            let strategy = string_regex(&regex).unwrap_or_else(|e| {
                panic!("pattern `{pattern}` (as `{regex}`) cannot be generated: {e}")
            });
            self.regexes.insert(pattern.to_string(), strategy);
        }
        let strategy = &self.regexes[pattern];
        strategy
            .new_tree(&mut self.runner)
            .unwrap_or_else(|e| panic!("pattern `{pattern}`: {e}"))
            .current()
    }

    /// Free text, with characters that test escaping and code-point lengths.
    fn text(&mut self, min: usize, max: Option<usize>) -> String {
        const POOL: &[char] = &[
            'a', 'b', 'c', 'x', 'y', 'z', 'A', 'Q', 'Z', '0', '1', '7', '9', '_', '-', ' ', '.',
            '/', '"', '\\', '\'', '\n', '\t', 'é', 'ß', '€', '中', '😀', '\u{0}', '\u{7f}',
        ];
        let hi = max.unwrap_or(min + 16).min(min + 16);
        let length = self.between(min as u64, hi as u64) as usize;
        (0..length)
            .map(|_| {
                if self.chance(0.7) {
                    self.pick(&POOL[..13])
                } else {
                    self.pick(POOL)
                }
            })
            .collect()
    }

    fn word(&mut self, min: u64, max: u64) -> String {
        (0..self.between(min, max))
            .map(|_| (b'a' + self.below(26) as u8) as char)
            .collect()
    }

    fn email(&mut self) -> String {
        let local = self.word(1, 8);
        let domain = self.pick(&["example.com", "shop.example.org", "mail.example"]);
        if self.chance(0.3) {
            format!("{local}.{}+{}@{domain}", self.word(1, 4), self.below(100))
        } else {
            format!("{local}@{domain}")
        }
    }

    fn uri(&mut self) -> String {
        let scheme = self.pick(&["https", "http", "urn"]);
        if scheme == "urn" {
            return format!("urn:example:{}", self.word(1, 8));
        }
        let mut uri = format!(
            "{scheme}://{}.example.com/{}",
            self.word(1, 6),
            self.word(0, 8)
        );
        if self.chance(0.3) {
            write!(uri, "?q={}&n={}", self.word(0, 4), self.below(1000)).unwrap();
        }
        uri
    }

    fn date(&mut self) -> String {
        let year = self.between(1970, 2099);
        let month = self.between(1, 12);
        let day = self.between(1, 28);
        format!("{year:04}-{month:02}-{day:02}")
    }

    fn date_time(&mut self) -> String {
        let date = self.date();
        let (h, m, s) = (
            self.between(0, 23),
            self.between(0, 59),
            self.between(0, 59),
        );
        let fraction = match self.below(3) {
            0 => String::new(),
            1 => format!(".{}", self.between(0, 999)),
            _ => format!(".{:06}", self.between(0, 999_999)),
        };
        let offset = match self.below(3) {
            0 => "Z".to_string(),
            1 => "+00:00".to_string(),
            _ => format!("-{:02}:{}", self.between(0, 12), self.pick(&["00", "30"])),
        };
        format!("{date}T{h:02}:{m:02}:{s:02}{fraction}{offset}")
    }

    fn integer(&mut self, rules: &Rules) -> Value {
        match self.integer_in(rules) {
            Some(n) => Value::from(n),
            None => panic!("{}: no integer satisfies {rules:?}", self.version),
        }
    }

    /// An integer within the bounds (often one of them; without bounds, sometimes one of the
    /// extremes of 64 bits or just past the 53 bits a double holds exactly).
    fn integer_in(&mut self, rules: &Rules) -> Option<i64> {
        let lower = [
            rules.minimum.map(|m| m.ceil()),
            rules.exclusive_minimum.map(|m| m.floor() + 1.0),
        ]
        .into_iter()
        .flatten()
        .map(|m| m as i64)
        .max();
        let upper = [
            rules.maximum.map(|m| m.floor()),
            rules.exclusive_maximum.map(|m| m.ceil() - 1.0),
        ]
        .into_iter()
        .flatten()
        .map(|m| m as i64)
        .min();
        let (lo, hi) = match (lower, upper) {
            (Some(lo), Some(hi)) => (lo, hi),
            (Some(lo), None) => (lo, lo.saturating_add(100_000)),
            (None, Some(hi)) => (hi.saturating_sub(101_000), hi),
            (None, None) => (-1000, 100_000),
        };
        if lo > hi {
            return None;
        }
        for _ in 0..64 {
            let candidate = match self.below(10) {
                0 => lo,
                1 => hi,
                2 if lower.is_none() && upper.is_none() => {
                    self.pick(&[i64::MIN, i64::MAX, (1 << 53) + 1, -(1 << 53) - 1])
                }
                _ => self.runner.rng().random_range(lo..=hi),
            };
            let candidate = match rules.multiple_of {
                Some(step) if step >= 1.0 => ((candidate as f64 / step).round() * step) as i64,
                _ => candidate,
            };
            if number_fits(rules, candidate as f64) {
                return Some(candidate);
            }
        }
        None
    }

    fn number(&mut self, rules: &Rules) -> Value {
        if self.chance(0.4) {
            if let Some(n) = self.integer_in(rules) {
                return Value::from(n);
            }
        }
        let lower = rules.minimum.or(rules.exclusive_minimum);
        let upper = rules.maximum.or(rules.exclusive_maximum);
        let (lo, hi) = match (lower, upper) {
            (Some(lo), Some(hi)) => (lo, hi),
            (Some(lo), None) => (lo, lo + 100_000.0),
            (None, Some(hi)) => (hi - 101_000.0, hi),
            (None, None) => (-1000.0, 100_000.0),
        };
        for _ in 0..64 {
            // Eighths are exact in binary, so the value survives text and `f64` unchanged.
            let mut candidate = (self.runner.rng().random_range(lo..=hi) * 8.0).round() / 8.0;
            if let Some(step) = rules.multiple_of {
                candidate = (candidate / step).round() * step;
            }
            if number_fits(rules, candidate) {
                return Value::Number(Number::from_f64(candidate).unwrap());
            }
        }
        panic!("{}: no number satisfies {rules:?}", self.version)
    }

    fn array(&mut self, item: &TypeRef, rules: &Rules, depth: usize) -> Value {
        let min = rules.min_items.unwrap_or(0);
        let count = if depth > DEEP {
            min
        } else {
            let max = rules.max_items.unwrap_or(u64::MAX).min(min + 3);
            self.between(min, max)
        } as usize;
        let mut items: Vec<Value> = Vec::with_capacity(count);
        let mut attempts = 0;
        while items.len() < count && attempts < 10 * count + 10 {
            attempts += 1;
            let value = self.value(item, depth);
            if !rules.unique_items || !items.iter().any(|i| json_eq(i, &value)) {
                items.push(value);
            }
        }
        Value::Array(items)
    }

    /// Any JSON value, smaller the deeper it is.
    fn any(&mut self, depth: usize) -> Value {
        let kinds = if depth > DEEP { 4 } else { 6 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.chance(0.5)),
            2 => self.number(&Rules::default()),
            3 => Value::String(self.text(0, Some(8))),
            4 => self.free_object(depth + 1),
            _ => {
                let count = self.below(3);
                Value::Array((0..count).map(|_| self.any(depth + 1)).collect())
            }
        }
    }

    fn free_object(&mut self, depth: usize) -> Value {
        let count = if depth > DEEP { 0 } else { self.below(3) };
        let mut map = Map::new();
        for _ in 0..count {
            let key = self.key();
            let value = self.any(depth + 1);
            map.insert(key, value);
        }
        Value::Object(map)
    }

    fn key(&mut self) -> String {
        match self.below(4) {
            0 => format!("k{}", self.below(10)),
            1 => "odd key's \"name\"".to_string(),
            _ => self.word(1, 6),
        }
    }

    /// A member name `s` does not declare and `map` does not have.
    fn undeclared_key(&mut self, s: &Struct, map: &Map<String, Value>) -> String {
        loop {
            let key = format!("x_extra_{}", self.key());
            if !map.contains_key(&key) && s.fields.iter().all(|f| f.name != key) {
                return key;
            }
        }
    }

    // ---- checking ----

    /// Breaks `value` at random places (a member removed, a value replaced by one of another
    /// type or sign, an undeclared member added): whatever of that the type's scanner accepts,
    /// the owned type must accept too. (A scanner that is unsure falls back to the parse.)
    fn check_scanner_on_mutants(&mut self, name: &str, schema: &str, value: &Value) {
        let mut places = Vec::new();
        json_pointers(value, String::new(), &mut places);
        let replacements = [
            Value::Null,
            Value::from(7),
            Value::from(-1),
            Value::from(1.5),
            Value::from(""),
            Value::from("x"),
            Value::Array(Vec::new()),
            Value::Object(Map::new()),
            Value::Bool(true),
        ];
        for _ in 0..MUTATED_PLACES.min(places.len()) {
            let place = places[self.below(places.len())].clone();
            let mut mutants: Vec<Value> = replacements
                .iter()
                .filter_map(|replacement| {
                    let mut mutant = value.clone();
                    *mutant.pointer_mut(&place)? = replacement.clone();
                    Some(mutant)
                })
                .collect();
            if let Some((parent, last)) = place.rsplit_once('/') {
                let mut mutant = value.clone();
                let key = last.replace("~1", "/").replace("~0", "~");
                let removed = match mutant.pointer_mut(parent) {
                    Some(Value::Object(members)) => members.shift_remove(&key).is_some(),
                    Some(Value::Array(items)) => match key.parse::<usize>() {
                        Ok(index) if index < items.len() => {
                            items.remove(index);
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if removed {
                    mutants.push(mutant);
                }
            }
            if let Some(Value::Object(members)) = value.pointer(&place) {
                let mut members = members.clone();
                members.insert("zz_undeclared".into(), Value::from(1));
                let mut mutant = value.clone();
                if let Some(target) = mutant.pointer_mut(&place) {
                    *target = Value::Object(members);
                    mutants.push(mutant);
                }
            }
            for mutant in mutants {
                self.stats.mutants += 1;
                if scan(&self.version, schema, &mutant.to_string()) != Some(true) {
                    continue;
                }
                self.stats.mutants_scanned += 1;
                if let Some(Err(error)) = roundtrip(&self.version, schema, mutant.clone()) {
                    self.stats.failures.push(format!(
                        "{} {name} ({schema}): the scanner accepts what the owned type rejects ({error} at {}): {mutant}",
                        self.version,
                        error.path()
                    ));
                }
            }
        }
    }

    /// Validates `value`, round-trips it through the generated type and validates the result.
    fn check(&mut self, schema: &str, value: &Value) -> Verdict {
        let parsed = catch_unwind(AssertUnwindSafe(|| {
            let owned = roundtrip(&self.version, schema, value.clone());
            let text = value.to_string();
            let view = roundtrip_borrowed(&self.version, schema, &text);
            let scanned = scan(&self.version, schema, &text);
            (owned, (view, scanned))
        }));
        let parsed = match parsed {
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Verdict::Fail {
                    kind: "the generated code panicked",
                    detail: message,
                };
            }
            Ok((None, _)) => {
                return Verdict::Fail {
                    kind: "no generated type",
                    detail: format!("`__roundtrip` does not know {schema}"),
                };
            }
            Ok((Some(parsed), (view, scanned))) => {
                self.stats.scannable += usize::from(scanned.is_some());
                self.stats.scanned += usize::from(scanned == Some(true));
                // The scanner may fall back on anything; what it accepts, the type accepts.
                if scanned == Some(true) && parsed.is_err() {
                    return Verdict::Fail {
                        kind: "the scanner accepts what the owned type rejects",
                        detail: format!("owned: {parsed:?}"),
                    };
                }
                // The borrowed view of the schema's struct, when it has one, reads the JSON text
                // exactly as the owned type reads the value.
                let agrees = match (&parsed, &view) {
                    (_, None) => true,
                    (Ok(owned), Some(Ok(view))) => owned == view,
                    (Err(owned), Some(Err(view))) => {
                        owned.path() == view.path()
                            && std::mem::discriminant(owned) == std::mem::discriminant(view)
                    }
                    _ => false,
                };
                if !agrees {
                    return Verdict::Fail {
                        kind: "the borrowed view disagrees with the owned type",
                        detail: format!("owned: {parsed:?}; borrowed view: {view:?}"),
                    };
                }
                parsed
            }
        };
        let (defects, unexplained) = self.classify(schema, value);
        if !unexplained.is_empty() {
            return match parsed {
                // The instance generator missed a constraint that the generated type checks.
                Err(error) => Verdict::Discard {
                    errors: unexplained,
                    rejection: error.to_string(),
                },
                // The generated type (and the IR the instance was made from) lacks a constraint
                // of the schema.
                Ok(_) => Verdict::Fail {
                    kind: ACCEPTS_INVALID,
                    detail: format!("validator errors: {}", unexplained.join("; ")),
                },
            };
        }
        let back = match parsed {
            Err(error) => {
                return Verdict::Fail {
                    kind: "valid instance rejected by the generated type",
                    detail: format!("{error} (at {})", error.path()),
                }
            }
            Ok(back) => back,
        };
        if !json_eq(&back, value) {
            return Verdict::Fail {
                kind: "the round trip changed a valid instance",
                detail: format!(
                    "first difference (instance vs serialized) at {}; serialized: {back}",
                    first_difference(value, &back, "").unwrap_or_default()
                ),
            };
        }
        let (_, output_errors) = self.classify(schema, &back);
        if !output_errors.is_empty() {
            return Verdict::Fail {
                kind: "the serialized JSON is invalid",
                detail: format!(
                    "validator errors: {}; serialized: {back}",
                    output_errors.join("; ")
                ),
            };
        }
        if defects.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Known(defects.join(" + "))
        }
    }

    /// The validator's errors of `value` under `schema`: the reported spec defects that explain
    /// some, and the others (as `path: message`). A failed `oneOf`/`anyOf` is explained when one
    /// of its branches fails only for reported defects.
    fn classify(&mut self, schema: &str, value: &Value) -> (Vec<&'static str>, Vec<String>) {
        fn explain(
            api: &Api,
            schema: &str,
            error: &ValidationError<'_>,
            defects: &mut Vec<&'static str>,
        ) -> bool {
            let line = format!("{}: {error}", error.instance_path());
            if let Some(defect) = known_defect(api, schema, &line) {
                defects.push(defect);
                return true;
            }
            match error.kind() {
                ValidationErrorKind::OneOfNotValid { context }
                | ValidationErrorKind::AnyOf { context } => context.iter().any(|branch| {
                    let mut found = Vec::new();
                    let explained = !branch.is_empty()
                        && branch.iter().all(|e| explain(api, schema, e, &mut found));
                    if explained {
                        defects.extend(found);
                    }
                    explained
                }),
                _ => false,
            }
        }
        let api = self.api;
        let mut defects = Vec::new();
        let mut unexplained = Vec::new();
        for error in self.oracle.validator(schema).iter_errors(value) {
            if !explain(api, schema, &error, &mut defects) {
                unexplained.push(format!("{}: {error}", error.instance_path()));
            }
        }
        defects.sort_unstable();
        defects.dedup();
        (defects, unexplained)
    }

    /// Validates `value` against the other schemas its type stands for (`aliases`: an OpenAPI
    /// component the generator identified with a JSON Schema `$defs` entry, the JSON Schema
    /// winning). Returns whether every error is explained by an `openapi-jsonschema-mismatch`
    /// report, and the first unexplained error.
    fn check_aliases(&mut self, aliases: &[String], value: &Value) -> (bool, Option<String>) {
        let mut differs = false;
        for alias in aliases {
            let (defects, unexplained) = self.classify(alias, value);
            differs |= !defects.is_empty() || !unexplained.is_empty();
            if let Some(error) = unexplained.first() {
                return (true, Some(format!("{alias}: {error}")));
            }
        }
        (differs, None)
    }

    /// Removes members and items of a failing instance while it keeps failing the same way.
    fn shrink(&mut self, schema: &str, value: Value, kind: &'static str) -> (Value, Verdict) {
        let mut best = value;
        let mut verdict = self.check(schema, &best);
        let mut budget = SHRINK_CHECKS;
        'outer: loop {
            let mut paths = Vec::new();
            removable(&best, &mut Vec::new(), &mut paths);
            for path in paths {
                if budget == 0 {
                    break 'outer;
                }
                budget -= 1;
                let mut candidate = best.clone();
                remove(&mut candidate, &path);
                let outcome = self.check(schema, &candidate);
                if matches!(&outcome, Verdict::Fail { kind: k, .. } if *k == kind) {
                    best = candidate;
                    verdict = outcome;
                    continue 'outer;
                }
            }
            break;
        }
        (best, verdict)
    }
}

fn number_fits(rules: &Rules, x: f64) -> bool {
    rules.minimum.is_none_or(|m| x >= m)
        && rules.maximum.is_none_or(|m| x <= m)
        && rules.exclusive_minimum.is_none_or(|m| x > m)
        && rules.exclusive_maximum.is_none_or(|m| x < m)
        && rules.multiple_of.is_none_or(|step| {
            let q = x / step;
            (q - q.round()).abs() < 1e-9
        })
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every member and item of `value`, outermost first.
fn removable(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                at.push(Step::Key(key.clone()));
                out.push(at.clone());
                removable(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(Step::Index(i));
                out.push(at.clone());
                removable(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn remove(value: &mut Value, path: &[Step]) {
    let (last, parents) = path.split_last().unwrap();
    let mut parent = value;
    for step in parents {
        parent = match step {
            Step::Key(k) => &mut parent[k.as_str()],
            Step::Index(i) => &mut parent[*i],
        };
    }
    match (parent, last) {
        (Value::Object(map), Step::Key(k)) => {
            map.shift_remove(k);
        }
        (Value::Array(items), Step::Index(i)) => {
            items.remove(*i);
        }
        _ => unreachable!("paths come from `removable`"),
    }
}

/// Runs every type of one version; returns its report section and failures.
fn run_version(version: &str, cases: u32, seed: u64, only: Option<&str>) -> (String, Stats) {
    let started = Instant::now();
    let api = api(version);
    let mut run = Run {
        version: version.to_string(),
        api: &api,
        oracle: Oracle::new(version),
        regexes: HashMap::new(),
        runner: runner_for(seed, version, ""),
        stats: Stats::default(),
    };
    for (id, def) in api.types.enumerate() {
        let schema = def.origin.to_string();
        if only.is_some_and(|o| !def.name.contains(o) && !schema.contains(o)) {
            continue;
        }
        let aliases: Vec<String> = def.aliases.iter().map(|a| a.to_string()).collect();
        run.stats.types += 1;
        run.runner = runner_for(seed, version, &schema);
        let root = TypeRef {
            shape: Shape::Named(id),
            nullable: def.nullable,
            rules: Rules::default(),
        };
        let discarded_before = run.stats.discarded;
        for case in 0..cases {
            let value = run.value(&root, 0);
            run.stats.instances += 1;
            let verdict = run.check(&schema, &value);
            if case < MUTATED_CASES {
                run.check_scanner_on_mutants(&def.name, &schema, &value);
            }
            if matches!(verdict, Verdict::Pass | Verdict::Known(_)) && !aliases.is_empty() {
                run.stats.alias_checked += 1;
                match run.check_aliases(&aliases, &value) {
                    (false, _) => {}
                    (true, None) => run.stats.alias_known += 1,
                    (true, Some(error)) => {
                        let entry = run.stats.alias_unexplained.entry(def.name.clone());
                        entry.or_insert_with(|| (0, error)).0 += 1;
                    }
                }
            }
            match verdict {
                Verdict::Pass => run.stats.passed += 1,
                Verdict::Known(defect) => {
                    run.stats.known += 1;
                    let key = (defect, format!("{} ({schema})", def.name));
                    *run.stats.known_types.entry(key).or_default() += 1;
                }
                Verdict::Discard { errors, rejection } => {
                    run.stats.discarded += 1;
                    let entry = run.stats.discards.entry(format!("{} ({schema})", def.name));
                    entry.or_insert_with(|| (0, errors.join("; "), rejection)).0 += 1;
                }
                Verdict::Fail { kind, .. } => {
                    let (small, verdict) = run.shrink(&schema, value.clone(), kind);
                    let Verdict::Fail { detail, .. } = verdict else {
                        unreachable!("the shrunk instance fails")
                    };
                    let validator = run.oracle.errors(&schema, &small);
                    let mut message = format!(
                        "{version} {} ({schema}), case {case} (PROPTEST_RNG_SEED={seed}): {kind}\n  {detail}",
                        def.name
                    );
                    if kind != ACCEPTS_INVALID {
                        let errors = if validator.is_empty() {
                            "none".to_string()
                        } else {
                            validator.join("; ")
                        };
                        write!(message, "\n  validator errors of the instance: {errors}").unwrap();
                    }
                    write!(
                        message,
                        "\n  instance (shrunk): {}\n  instance (as generated): {}",
                        serde_json::to_string(&small).unwrap(),
                        serde_json::to_string(&value).unwrap(),
                    )
                    .unwrap();
                    run.stats.failures.push(message);
                    // Like proptest: one failure per type.
                    break;
                }
            }
        }
        // Filtering is a fallback: a type whose instances are often invalid is not tested.
        let discarded = run.stats.discarded - discarded_before;
        if discarded as f64 > f64::from(cases) * MAX_DISCARDED_SHARE {
            let (_, errors, rejection) = &run.stats.discards[&format!("{} ({schema})", def.name)];
            run.stats.failures.push(format!(
                "{version} {} ({schema}) (PROPTEST_RNG_SEED={seed}): {discarded} of {cases} instances were invalid (and rejected): the instance generator misses a constraint of this type\n  first: {errors}\n  the generated type says: {rejection}",
                def.name
            ));
        }
    }
    let s = &run.stats;
    let mut report = String::new();
    writeln!(
        report,
        "{version}: {} types x {cases} cases = {} instances: {} valid and round-tripped, {} invalid only by reported spec defects, {} discarded, {} FAILED ({:.1}s)",
        s.types, s.instances, s.passed, s.known, s.discarded, s.failures.len(),
        started.elapsed().as_secs_f64()
    )
    .unwrap();
    writeln!(
        report,
        "  exercised: {} nulls, {} optional members left out, {} undeclared members, {} conditions enforced, {} alternatives chosen, {} untagged-union values retried (ambiguous or invalid at the union's schema)",
        s.nulls, s.absent_optional, s.undeclared_members, s.conditions_fixed, s.alternatives_chosen, s.union_retries
    )
    .unwrap();
    writeln!(
        report,
        "  scanners: {} of {} instances of types with one taken without a parse; {} of {} broken instances taken (and accepted by the owned type)",
        s.scanned, s.scannable, s.mutants_scanned, s.mutants
    )
    .unwrap();
    for ((defect, name), count) in &s.known_types {
        writeln!(
            report,
            "  known {defect}: {name}: {count} instances invalid only as the generator reported"
        )
        .unwrap();
    }
    writeln!(
        report,
        "  aliases (OpenAPI copies, the JSON Schema wins): {} instances checked, {} rejected as reported (openapi-jsonschema-mismatch), {} rejected for reasons not reported",
        s.alias_checked,
        s.alias_known,
        s.alias_unexplained.values().map(|(n, _)| n).sum::<usize>()
    )
    .unwrap();
    for (name, (count, error)) in &s.alias_unexplained {
        writeln!(report, "    {name}: {count}; first: {error}").unwrap();
    }
    for (name, count) in &s.union_retry_types {
        writeln!(report, "  union retries: {name}: {count}").unwrap();
    }
    for (name, (count, errors, rejection)) in &s.discards {
        writeln!(report, "  discarded: {name}: {count} instances the instance generator got wrong; first: {errors} (the generated type says: {rejection})").unwrap();
    }
    (report, run.stats)
}

#[test]
fn generated_types_round_trip_random_valid_instances() {
    let started = Instant::now();
    let cases = cases();
    let seed = base_seed();
    let only = std::env::var("ACP_PROPERTY_TYPE").ok();
    let results: Vec<(String, Stats)> = std::thread::scope(|scope| {
        let handles: Vec<_> = versions()
            .into_iter()
            .map(|version| {
                let only = only.as_deref();
                scope.spawn(move || run_version(&version, cases, seed, only))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut failures = Vec::new();
    let mut discarded = 0;
    let (mut scannable, mut scanned) = (0, 0);
    println!("property test: {cases} cases per type, seed {seed}");
    for (report, stats) in results {
        print!("{report}");
        discarded += stats.discarded;
        scannable += stats.scannable;
        scanned += stats.scanned;
        failures.extend(stats.failures);
    }
    // Scanners that always fell back would pass the check above without checking anything.
    assert!(
        only.is_some() || scanned * 2 > scannable,
        "scanners took only {scanned} of {scannable} instances"
    );
    println!(
        "total: {discarded} discarded, {} failed, {:.1}s",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} type(s) fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
