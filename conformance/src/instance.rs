//! The smallest valid instance of an IR type: required members only, the first enum value or
//! union variant, the least value bounds allow, strings of the declared format. The derived
//! checks start from it where the suite has no request builder of its own, and judge it with
//! the validator before sending it (a schema condition it misses makes the check skip, saying
//! so, rather than blame the server).

use acp_codegen::ir::{Api, Format, Rules, Shape, TypeKind, TypeRef};
use serde_json::{json, Map, Value};

/// Nesting beyond this is cut (recursive types): an optional member is left out, a required
/// one gets `{}`, which the validator then judges.
const MAX_DEPTH: usize = 12;

/// Optional members of random instances are left out below this depth.
const RANDOM_OPTIONAL_DEPTH: usize = 4;

/// The smallest valid instance of `ty` in the version `api`.
pub fn minimal(api: &Api, ty: &TypeRef) -> Value {
    value(api, ty, 0, &mut None)
}

/// A random instance of `ty` drawn with `rng`: each optional member with even odds (to a
/// depth), a random enum value, union branch and boolean, numbers a little above their least.
/// Like [`minimal`], it may miss a pattern or a condition: callers judge it with the validator.
pub fn random(api: &Api, ty: &TypeRef, rng: &mut fastrand::Rng) -> Value {
    value(api, ty, 0, &mut Some(rng))
}

/// Picks index `0` without a generator, a random one below `count` with one.
fn pick(rng: &mut Option<&mut fastrand::Rng>, count: usize) -> usize {
    match rng {
        Some(rng) if count > 1 => rng.usize(..count),
        _ => 0,
    }
}

fn value(api: &Api, ty: &TypeRef, depth: usize, rng: &mut Option<&mut fastrand::Rng>) -> Value {
    if let Some(allowed) = &ty.rules.allowed {
        if let Some(chosen) = allowed.get(pick(rng, allowed.len())) {
            return chosen.clone();
        }
    }
    if depth > MAX_DEPTH {
        return json!({});
    }
    match &ty.shape {
        Shape::Any | Shape::Object | Shape::Map(_) => json!({}),
        Shape::Null => Value::Null,
        Shape::String => string(&ty.rules),
        Shape::DateTime => json!("2026-01-01T00:00:00Z"),
        Shape::Integer => json!(least(&ty.rules).ceil() as i64 + above(&ty.rules, rng)),
        Shape::Number => json!(least(&ty.rules) + above(&ty.rules, rng) as f64),
        Shape::Boolean => json!(pick(rng, 2) == 1),
        Shape::Array(item) => {
            let count = ty.rules.min_items.unwrap_or(0).max(1);
            let items: Vec<Value> = (0..count)
                .map(|_| value(api, item, depth + 1, rng))
                .collect();
            Value::Array(items)
        }
        Shape::Named(id) => {
            let Some(def) = api.types.get(*id) else {
                return json!({});
            };
            match &def.kind {
                TypeKind::Struct(object) => {
                    // Required members, and those the first branch of each `oneOf`/`anyOf`
                    // over members requires.
                    let branch_required: Vec<&str> = object
                        .alternatives
                        .iter()
                        .filter_map(|a| a.branches.first())
                        .flat_map(|branch| &branch.required)
                        .filter(|(at, _)| at.is_empty())
                        .flat_map(|(_, names)| names.iter().map(String::as_str))
                        .collect();
                    let mut members = Map::new();
                    for field in &object.fields {
                        let wanted = field.required
                            || branch_required.contains(&field.name.as_str())
                            || (depth < RANDOM_OPTIONAL_DEPTH && pick(rng, 2) == 1);
                        if wanted {
                            let member = value(api, &field.ty, depth + 1, rng);
                            members.insert(field.name.clone(), member);
                        }
                    }
                    for branch in object
                        .alternatives
                        .iter()
                        .filter_map(|a| a.branches.first())
                    {
                        for (at, values) in &branch.values {
                            if let ([name], Some(first)) = (&at[..], values.first()) {
                                members.insert(name.clone(), first.clone());
                            }
                        }
                    }
                    Value::Object(members)
                }
                TypeKind::Enum(values) => values
                    .get(pick(rng, values.len()))
                    .map_or(Value::Null, |v| json!(v.value)),
                TypeKind::Const(constant) => constant.clone(),
                TypeKind::TaggedUnion(union) => {
                    match union.variants.get(pick(rng, union.variants.len())) {
                        Some((tag, variant)) => {
                            let variant = TypeRef::plain(Shape::Named(*variant));
                            let mut instance = value(api, &variant, depth + 1, rng);
                            if let Some(members) = instance.as_object_mut() {
                                members.insert(union.tag.clone(), json!(tag));
                            }
                            instance
                        }
                        None => json!({}),
                    }
                }
                TypeKind::Untagged(variants) => variants
                    .get(pick(rng, variants.len()))
                    .map_or(json!({}), |v| value(api, v, depth + 1, rng)),
                TypeKind::Newtype(inner) => {
                    // The newtype's use may narrow it further; its own rules come first.
                    let mut narrowed = inner.clone();
                    if narrowed.rules.is_empty() {
                        narrowed.rules = ty.rules.clone();
                    }
                    value(api, &narrowed, depth + 1, rng)
                }
            }
        }
    }
}

/// How far above its least value a random number goes (within the maximum).
fn above(rules: &Rules, rng: &mut Option<&mut fastrand::Rng>) -> i64 {
    let room = rules
        .maximum
        .map_or(100.0, |maximum| (maximum - least(rules)).clamp(0.0, 100.0));
    pick(rng, room as usize + 1) as i64
}

/// The least number the bounds allow (at least 1: quantities and amounts start there).
fn least(rules: &Rules) -> f64 {
    let mut least = 1.0_f64;
    if let Some(minimum) = rules.minimum {
        least = least.max(minimum);
    }
    if let Some(exclusive) = rules.exclusive_minimum {
        least = least.max(exclusive.floor() + 1.0);
    }
    if let Some(maximum) = rules.maximum {
        least = least.min(maximum);
    }
    least
}

/// A string of the declared format, padded to `minLength`. Patterns are not generated: the
/// validator judges the result.
fn string(rules: &Rules) -> Value {
    let text = match &rules.format {
        Some(Format::Email) => "buyer@example.com".to_string(),
        Some(Format::Uri) => "https://example.com/conformance".to_string(),
        Some(Format::Date) => "2026-01-01".to_string(),
        Some(Format::DateTime) => "2026-01-01T00:00:00Z".to_string(),
        Some(Format::Other(_)) | None => pattern_guess(rules.pattern.as_deref()),
    };
    let least = usize::try_from(rules.min_length.unwrap_or(0)).unwrap_or(usize::MAX);
    let most = rules
        .max_length
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(usize::MAX);
    let mut text: String = text.chars().take(most.max(least)).collect();
    while text.chars().count() < least {
        text.push('x');
    }
    json!(text)
}

/// `count` digits for a pattern that is exactly `^[0-9]{count}$` or `^\d{count}$`.
fn digits(pattern: &str) -> Option<String> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let count = inner
        .strip_prefix("[0-9]{")
        .or_else(|| inner.strip_prefix(r"\d{"))?
        .strip_suffix('}')?;
    Some("4".repeat(count.parse().ok()?))
}

/// A value for the few pattern families the specs use (currency and country codes); other
/// patterns get a plain word.
fn pattern_guess(pattern: Option<&str>) -> String {
    match pattern {
        Some(p) if p.contains("[a-z]{3}") => "usd".to_string(),
        Some(p) if p.contains("[A-Z]{3}") => "USD".to_string(),
        Some(p) if p.contains("[A-Z]{2}") => "US".to_string(),
        Some(p) if p.contains("[a-z]{2}") => "us".to_string(),
        Some(p) if p.contains(r"\d{4}-\d{2}-\d{2}") => "2026-01-01".to_string(),
        Some(p) => digits(p).unwrap_or_else(|| "conformance".to_string()),
        None => "conformance".to_string(),
    }
}
