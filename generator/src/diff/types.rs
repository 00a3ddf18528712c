//! Comparing named types and uses of types between two versions.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Effect, Pair, Usage};
use crate::ir::{
    Additional, Alternatives, Api, Condition, Format, MemberTest, ModuleId, Rules, Shape, Struct,
    TypeId, TypeKind, TypeRef,
};

fn field_names(kind: &TypeKind) -> Option<BTreeSet<&str>> {
    match kind {
        TypeKind::Struct(s) => Some(s.fields.iter().map(|f| f.name.as_str()).collect()),
        _ => None,
    }
}

/// Old types matched to new ones: same module and name, then renames (structs left over in a
/// module whose member names mostly agree, best match first).
pub(super) fn match_types(old: &Api, new: &Api) -> HashMap<TypeId, TypeId> {
    let module_name = |api: &Api, id: TypeId| api.modules[api.types[id].module].name.clone();
    let new_by_name: HashMap<(String, &str), TypeId> = new
        .types
        .enumerate()
        .map(|(id, t)| ((module_name(new, id), t.name.as_str()), id))
        .collect();
    let mut matched = HashMap::new();
    for (id, ty) in old.types.enumerate() {
        if let Some(&new_id) = new_by_name.get(&(module_name(old, id), ty.name.as_str())) {
            matched.insert(id, new_id);
        }
    }
    let taken: HashSet<TypeId> = matched.values().copied().collect();
    let mut candidates = Vec::new();
    for (old_id, old_ty) in old.types.enumerate() {
        if matched.contains_key(&old_id) {
            continue;
        }
        let Some(old_fields) = field_names(&old_ty.kind).filter(|f| f.len() >= 2) else {
            continue;
        };
        for (new_id, new_ty) in new.types.enumerate() {
            if taken.contains(&new_id) || module_name(old, old_id) != module_name(new, new_id) {
                continue;
            }
            let Some(new_fields) = field_names(&new_ty.kind).filter(|f| f.len() >= 2) else {
                continue;
            };
            let shared = old_fields.intersection(&new_fields).count();
            let all = old_fields.union(&new_fields).count();
            // Per mille, to sort without floats.
            let score = shared * 1000 / all;
            if score >= 750 {
                candidates.push((score, old_id, new_id));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used: HashSet<TypeId> = taken;
    for (_, old_id, new_id) in candidates {
        if matched.contains_key(&old_id) || used.contains(&new_id) {
            continue;
        }
        matched.insert(old_id, new_id);
        used.insert(new_id);
    }
    matched
}

/// Types of the module: removed, added, renamed, and changed.
pub(super) fn compare_module_types(
    pair: &mut Pair<'_>,
    spec: &str,
    old_module: ModuleId,
    new_module: ModuleId,
) {
    for (old_id, old_ty) in pair.old.types.enumerate() {
        if old_ty.module != old_module {
            continue;
        }
        let reached = pair.old_usage[old_id];
        let usage = reached.unwrap_or(Usage::BOTH);
        match pair.matched.get(&old_id).copied() {
            // A schema some operation or tool used: what its removal changes on the wire is
            // reported where it was used (a member removed, a type replaced), so the name going
            // is only a change of generated names.
            None if reached.is_some() => pair.push(
                spec,
                old_ty.name.clone(),
                "schema-removed",
                format!(
                    "schema `{}` removed (its uses are compared where they are)",
                    old_ty.name
                ),
                Effect::Neutral,
                usage,
            ),
            // A model no operation uses (an offline file format): its readers lose it.
            None => pair.push(
                spec,
                old_ty.name.clone(),
                "schema-removed",
                format!("schema `{}` removed", old_ty.name),
                Effect::Dropped,
                usage,
            ),
            Some(new_id) => {
                let new_name = pair.new.types[new_id].name.clone();
                if new_name != old_ty.name {
                    pair.push(
                        spec,
                        new_name.clone(),
                        "schema-renamed",
                        format!(
                            "renamed from `{}` (mostly the same members; the JSON does not carry \
                             the name, generated Rust names change)",
                            old_ty.name
                        ),
                        Effect::Neutral,
                        usage,
                    );
                }
                let usage = usage.or(pair.new_usage[new_id].unwrap_or(Usage::BOTH));
                compare_type(pair, spec, old_id, new_id, usage);
            }
        }
    }
    for (new_id, new_ty) in pair.new.types.enumerate() {
        if new_ty.module == new_module && !pair.targets.contains(&new_id) {
            pair.push(
                spec,
                new_ty.name.clone(),
                "schema-added",
                format!("new schema `{}`", new_ty.name),
                Effect::Neutral,
                pair.new_usage[new_id].unwrap_or(Usage::BOTH),
            );
        }
    }
}

/// The effect of `null` becoming allowed (looser) or refused (tighter), in words.
fn nullable_became(nullable: bool) -> (Effect, &'static str) {
    if nullable {
        (Effect::Looser, "now also `null`")
    } else {
        (Effect::Tighter, "no longer `null`")
    }
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "object",
        TypeKind::Enum(_) => "enum",
        TypeKind::Const(_) => "constant",
        TypeKind::TaggedUnion(_) => "tagged union",
        TypeKind::Untagged(_) => "union",
        TypeKind::Newtype(_) => "constrained value",
    }
}

fn compare_type(pair: &mut Pair<'_>, spec: &str, old_id: TypeId, new_id: TypeId, usage: Usage) {
    let (old_ty, new_ty) = (&pair.old.types[old_id], &pair.new.types[new_id]);
    let at = new_ty.name.clone();
    if old_ty.nullable != new_ty.nullable {
        let (effect, detail) = nullable_became(new_ty.nullable);
        pair.push(
            spec,
            at.clone(),
            "nullable-changed",
            detail.into(),
            effect,
            usage,
        );
    }
    if !old_ty.docs.deprecated && new_ty.docs.deprecated {
        pair.push(
            spec,
            at.clone(),
            "deprecated",
            "deprecated".into(),
            Effect::Neutral,
            usage,
        );
    }
    match (&old_ty.kind, &new_ty.kind) {
        (TypeKind::Struct(old), TypeKind::Struct(new)) => {
            let (old, new) = (old.clone(), new.clone());
            compare_struct(pair, spec, &at, &old, &new, usage);
        }
        (TypeKind::Enum(old), TypeKind::Enum(new)) => {
            let old: Vec<&str> = old.iter().map(|v| v.value.as_str()).collect();
            let new: Vec<&str> = new.iter().map(|v| v.value.as_str()).collect();
            let added: Vec<String> = new
                .iter()
                .filter(|v| !old.contains(v))
                .map(|v| format!("`{v}`"))
                .collect();
            let removed: Vec<String> = old
                .iter()
                .filter(|v| !new.contains(v))
                .map(|v| format!("`{v}`"))
                .collect();
            if !added.is_empty() {
                pair.push(
                    spec,
                    at.clone(),
                    "enum-value-added",
                    format!("new value(s) {}", added.join(", ")),
                    Effect::Looser,
                    usage,
                );
            }
            if !removed.is_empty() {
                pair.push(
                    spec,
                    at,
                    "enum-value-removed",
                    format!("value(s) {} removed", removed.join(", ")),
                    Effect::Tighter,
                    usage,
                );
            }
        }
        (TypeKind::Const(old), TypeKind::Const(new)) => {
            if old != new {
                pair.push(
                    spec,
                    at,
                    "const-changed",
                    format!("constant {old} → {new}"),
                    Effect::Incompatible,
                    usage,
                );
            }
        }
        (TypeKind::TaggedUnion(old), TypeKind::TaggedUnion(new)) => {
            if old.tag != new.tag {
                pair.push(
                    spec,
                    at.clone(),
                    "union-tag-changed",
                    format!("told apart by `{}` instead of `{}`", new.tag, old.tag),
                    Effect::Incompatible,
                    usage,
                );
            }
            for (tag, id) in &new.variants {
                match old.variants.iter().find(|(t, _)| t == tag) {
                    None => pair.push(
                        spec,
                        at.clone(),
                        "union-variant-added",
                        format!("new variant `{tag}` ({})", pair.name_of(true, *id)),
                        Effect::Looser,
                        usage,
                    ),
                    Some((_, old_variant)) if pair.matched.get(old_variant) != Some(id) => pair
                        .push(
                            spec,
                            at.clone(),
                            "union-variant-changed",
                            format!(
                                "variant `{tag}`: `{}` → `{}`",
                                pair.name_of(false, *old_variant),
                                pair.name_of(true, *id)
                            ),
                            Effect::Incompatible,
                            usage,
                        ),
                    Some(_) => {}
                }
            }
            for (tag, id) in &old.variants {
                if !new.variants.iter().any(|(t, _)| t == tag) {
                    pair.push(
                        spec,
                        at.clone(),
                        "union-variant-removed",
                        format!("variant `{tag}` ({}) removed", pair.name_of(false, *id)),
                        Effect::Tighter,
                        usage,
                    );
                }
            }
        }
        (TypeKind::Untagged(old), TypeKind::Untagged(new)) => {
            let describe_all = |pair: &Pair<'_>, is_new: bool, refs: &[TypeRef]| -> Vec<String> {
                refs.iter().map(|r| describe(pair, is_new, r)).collect()
            };
            let mapped: Vec<String> = old
                .iter()
                .map(|r| match &r.shape {
                    Shape::Named(id) => match pair.matched.get(id) {
                        Some(new_id) => pair.name_of(true, *new_id).to_string(),
                        None => describe(pair, false, r),
                    },
                    _ => describe(pair, false, r),
                })
                .collect();
            let new_names = describe_all(pair, true, new);
            for name in &new_names {
                if !mapped.contains(name) {
                    pair.push(
                        spec,
                        at.clone(),
                        "union-variant-added",
                        format!("new variant {name}"),
                        Effect::Looser,
                        usage,
                    );
                }
            }
            for (name, shown) in mapped.iter().zip(describe_all(pair, false, old)) {
                if !new_names.contains(name) {
                    pair.push(
                        spec,
                        at.clone(),
                        "union-variant-removed",
                        format!("variant {shown} removed"),
                        Effect::Tighter,
                        usage,
                    );
                }
            }
        }
        (TypeKind::Newtype(old), TypeKind::Newtype(new)) => {
            let (old, new) = (old.clone(), new.clone());
            compare_refs(pair, spec, &at, "value", &old, &new, usage);
        }
        (old, new) => pair.push(
            spec,
            at,
            "schema-kind-changed",
            format!("{} → {}", kind_name(old), kind_name(new)),
            Effect::Incompatible,
            usage,
        ),
    }
}

fn compare_struct(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: &Struct,
    new: &Struct,
    usage: Usage,
) {
    for field in &new.fields {
        if old.fields.iter().any(|f| f.name == field.name) {
            continue;
        }
        let location = format!("{at}.{}", field.name);
        if field.required {
            pair.push(
                spec,
                location,
                "property-added-required",
                format!("new required member ({})", describe(pair, true, &field.ty)),
                Effect::Tighter,
                usage,
            );
        } else {
            pair.push(
                spec,
                location,
                "property-added",
                format!("new optional member ({})", describe(pair, true, &field.ty)),
                Effect::Neutral,
                usage,
            );
        }
    }
    for old_field in &old.fields {
        let location = format!("{at}.{}", old_field.name);
        let Some(new_field) = new.fields.iter().find(|f| f.name == old_field.name) else {
            pair.push(
                spec,
                location,
                "property-removed",
                format!(
                    "{} member removed",
                    if old_field.required {
                        "required"
                    } else {
                        "optional"
                    }
                ),
                Effect::Dropped,
                usage,
            );
            continue;
        };
        if old_field.required != new_field.required {
            let (effect, detail) = super::required_became(new_field.required, "");
            pair.push(
                spec,
                location.clone(),
                "property-required-changed",
                detail,
                effect,
                usage,
            );
        }
        if !old_field.docs.deprecated && new_field.docs.deprecated {
            pair.push(
                spec,
                location.clone(),
                "deprecated",
                "deprecated".into(),
                Effect::Neutral,
                usage,
            );
        }
        compare_refs(
            pair,
            spec,
            &location,
            "",
            &old_field.ty,
            &new_field.ty,
            usage,
        );
    }
    match (&old.additional, &new.additional) {
        (Additional::Forbidden, Additional::Forbidden) | (Additional::Any, Additional::Any) => {}
        (Additional::Typed(old), Additional::Typed(new)) => {
            let (old, new) = (old.as_ref().clone(), new.as_ref().clone());
            compare_refs(pair, spec, at, "additional members", &old, &new, usage);
        }
        (Additional::Forbidden, _) => pair.push(
            spec,
            at.to_string(),
            "additional-properties-allowed",
            "undeclared members now allowed".into(),
            Effect::Looser,
            usage,
        ),
        (_, Additional::Forbidden) => pair.push(
            spec,
            at.to_string(),
            "additional-properties-forbidden",
            "undeclared members now rejected (additionalProperties: false)".into(),
            Effect::Tighter,
            usage,
        ),
        (Additional::Any, Additional::Typed(_)) => pair.push(
            spec,
            at.to_string(),
            "additional-properties-typed",
            "undeclared members now need a type".into(),
            Effect::Tighter,
            usage,
        ),
        (Additional::Typed(_), Additional::Any) => pair.push(
            spec,
            at.to_string(),
            "additional-properties-untyped",
            "undeclared members of any type now allowed".into(),
            Effect::Looser,
            usage,
        ),
    }
    // Each condition is a rule on the object: one added lets fewer values through, one
    // removed more (a changed one is both).
    let (old_conditions, new_conditions) = (condition_texts(old), condition_texts(new));
    let changed = [
        (
            &new_conditions,
            &old_conditions,
            "condition-added",
            "new condition",
            Effect::Tighter,
        ),
        (
            &old_conditions,
            &new_conditions,
            "condition-removed",
            "condition removed",
            Effect::Looser,
        ),
    ];
    for (these, others, kind, words, effect) in changed {
        for condition in these.iter().filter(|c| !others.contains(c)) {
            let detail = format!("{words}: {condition}");
            pair.push(spec, at.to_string(), kind, detail, effect, usage);
        }
    }
    if old.property_count != new.property_count {
        pair.push(
            spec,
            at.to_string(),
            "property-count-changed",
            format!(
                "member count limits {:?} → {:?}",
                old.property_count, new.property_count
            ),
            bound_effect(old.property_count.0, new.property_count.0, true).max_with(bound_effect(
                old.property_count.1,
                new.property_count.1,
                false,
            )),
            usage,
        );
    }
}

/// `a.b` for a member path (`the object` for the empty path).
fn path_text(path: &[String]) -> String {
    if path.is_empty() {
        "the object".to_string()
    } else {
        format!("`{}`", path.join("."))
    }
}

/// A member test in words: `` `type` is "card" and `card` has `number` ``.
fn test_text(test: &MemberTest) -> String {
    let values = test.values.iter().map(|(path, values)| {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        format!("{} is {}", path_text(path), values.join(" or "))
    });
    let required = test.required.iter().map(|(path, members)| {
        let members: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
        format!("{} has {}", path_text(path), members.join(", "))
    });
    let parts: Vec<String> = values.chain(required).collect();
    if parts.is_empty() {
        "always".to_string()
    } else {
        parts.join(" and ")
    }
}

/// Every condition of an object (`if`/`then`/`else`, `oneOf`/`anyOf` over members) in words.
fn condition_texts(s: &Struct) -> Vec<String> {
    s.conditions
        .iter()
        .map(condition_text)
        .chain(s.alternatives.iter().map(alternatives_text))
        .collect()
}

/// An `if`/`then`/`else` in words.
fn condition_text(condition: &Condition) -> String {
    let mut text = format!(
        "if {} then {}",
        test_text(&condition.when),
        test_text(&condition.then)
    );
    if condition.otherwise != MemberTest::default() {
        text.push_str(&format!(", else {}", test_text(&condition.otherwise)));
    }
    text
}

/// A `oneOf`/`anyOf` over member tests in words.
fn alternatives_text(alternatives: &Alternatives) -> String {
    let branches: Vec<String> = alternatives
        .branches
        .iter()
        .map(|b| format!("({})", test_text(b)))
        .collect();
    format!(
        "{} of {}",
        if alternatives.exclusive {
            "exactly one"
        } else {
            "at least one"
        },
        branches.join(", ")
    )
}

impl Effect {
    /// The stronger of two effects (tighter and looser together are incompatible).
    fn max_with(self, other: Effect) -> Effect {
        match (self, other) {
            (Effect::Neutral, e) | (e, Effect::Neutral) => e,
            (a, b) if a == b => a,
            _ => Effect::Incompatible,
        }
    }
}

/// The effect of a bound changing: `lower` bounds tighten when raised, upper bounds when
/// lowered; adding a bound tightens, removing one loosens.
fn bound_effect<T: PartialOrd>(old: Option<T>, new: Option<T>, lower: bool) -> Effect {
    match (old, new) {
        (None, None) => Effect::Neutral,
        (None, Some(_)) => Effect::Tighter,
        (Some(_), None) => Effect::Looser,
        (Some(a), Some(b)) => {
            if a == b {
                Effect::Neutral
            } else if (b > a) == lower {
                Effect::Tighter
            } else {
                Effect::Looser
            }
        }
    }
}

/// A type use in words (`string`, `array of LineItem`, `date-time string`).
pub(super) fn describe(pair: &Pair<'_>, is_new: bool, ty: &TypeRef) -> String {
    let base = match &ty.shape {
        Shape::Any => "any value".to_string(),
        Shape::Null => "null".to_string(),
        Shape::String => "string".to_string(),
        Shape::DateTime => "date-time string".to_string(),
        Shape::Integer => "integer".to_string(),
        Shape::Number => "number".to_string(),
        Shape::Boolean => "boolean".to_string(),
        Shape::Object => "object".to_string(),
        Shape::Array(item) => format!("array of {}", describe(pair, is_new, item)),
        Shape::Map(value) => format!("map of {}", describe(pair, is_new, value)),
        Shape::Named(id) => format!("`{}`", pair.name_of(is_new, *id)),
    };
    if ty.nullable {
        format!("{base} or null")
    } else {
        base
    }
}

fn prefixed(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    }
}

/// Compares two uses of a type at `location` (`what` names the use inside it, e.g. `request
/// body`), recursing into arrays and maps; named types that match are compared once, as types.
pub(super) fn compare_refs(
    pair: &mut Pair<'_>,
    spec: &str,
    location: &str,
    what: &str,
    old: &TypeRef,
    new: &TypeRef,
    usage: Usage,
) {
    let prefix = prefixed(what);
    if old.nullable != new.nullable {
        let (effect, detail) = nullable_became(new.nullable);
        pair.push(
            spec,
            location.to_string(),
            "nullable-changed",
            format!("{prefix}{detail}"),
            effect,
            usage,
        );
    }
    // A constrained value (a newtype such as `Currency`) used where a plain value was, or the
    // other way round: compare what it wraps, so only the constraints that changed show.
    if let Some((old, new)) = unwrap_newtype(pair, old, new) {
        return compare_refs(pair, spec, location, what, &old, &new, usage);
    }
    let kind_of = |api: &Api, id: &TypeId| api.types[*id].kind.clone();
    let shape_change = match (&old.shape, &new.shape) {
        (Shape::Named(a), Shape::Named(b)) => {
            replaced_type(pair, spec, location, &prefix, (*a, *b), usage)
        }
        // A closed set of strings opened to any string, or the other way round.
        (Shape::Named(a), Shape::String) if string_values(&pair.old.types[*a].kind).is_some() => {
            Some(Effect::Looser)
        }
        (Shape::String, Shape::Named(b)) if string_values(&pair.new.types[*b].kind).is_some() => {
            Some(Effect::Tighter)
        }
        // An object schema opened to any object, or the other way round.
        (Shape::Named(a), Shape::Object) if is_object(&kind_of(pair.old, a)) => {
            Some(Effect::Looser)
        }
        (Shape::Object, Shape::Named(b)) if is_object(&kind_of(pair.new, b)) => {
            Some(Effect::Tighter)
        }
        // A union narrowed to one of its variants, or a value widened to a union holding it.
        (Shape::Named(a), _)
            if union_variants(&kind_of(pair.old, a))
                .iter()
                .any(|variant| same_values(pair, variant, new)) =>
        {
            Some(Effect::Tighter)
        }
        (_, Shape::Named(b))
            if union_variants(&kind_of(pair.new, b))
                .iter()
                .any(|variant| same_values(pair, old, variant)) =>
        {
            Some(Effect::Looser)
        }
        (Shape::Array(a), Shape::Array(b)) | (Shape::Map(a), Shape::Map(b)) => {
            let element = if matches!(old.shape, Shape::Array(_)) {
                "items"
            } else {
                "values"
            };
            let (a, b) = (a.as_ref().clone(), b.as_ref().clone());
            compare_refs(
                pair,
                spec,
                location,
                &format!("{what}{}{element}", if what.is_empty() { "" } else { " " }),
                &a,
                &b,
                usage,
            );
            None
        }
        (Shape::Integer, Shape::Number) | (Shape::DateTime, Shape::String) | (_, Shape::Any) => {
            Some(Effect::Looser)
        }
        (Shape::Number, Shape::Integer) | (Shape::String, Shape::DateTime) | (Shape::Any, _) => {
            Some(Effect::Tighter)
        }
        (a, b) if std::mem::discriminant(a) == std::mem::discriminant(b) => None,
        _ => Some(Effect::Incompatible),
    };
    if let Some(effect) = shape_change {
        if old.shape != new.shape && effect != Effect::Neutral {
            pair.push(
                spec,
                location.to_string(),
                "type-changed",
                format!(
                    "{prefix}type {} → {}",
                    describe(pair, false, old),
                    describe(pair, true, new)
                ),
                effect,
                usage,
            );
        }
    }
    compare_rules(pair, spec, location, &prefix, &old.rules, &new.rules, usage);
}

/// For a use of a newtype compared with a plain use (either way round), the two uses with the
/// newtype replaced by what it wraps (carrying the use's nullability).
fn unwrap_newtype(pair: &Pair<'_>, old: &TypeRef, new: &TypeRef) -> Option<(TypeRef, TypeRef)> {
    let wrapped = |api: &Api, ty: &TypeRef| -> Option<TypeRef> {
        let Shape::Named(id) = ty.shape else {
            return None;
        };
        match &api.types[id].kind {
            TypeKind::Newtype(inner) if ty.rules == Rules::default() => Some(TypeRef {
                nullable: ty.nullable,
                ..inner.clone()
            }),
            _ => None,
        }
    };
    match (wrapped(pair.old, old), wrapped(pair.new, new)) {
        (Some(_), Some(_)) | (None, None) => None,
        (Some(old), None) => Some((old, new.clone())),
        (None, Some(new)) => Some((old.clone(), new)),
    }
}

/// Objects: a struct or a union told apart by a member.
fn is_object(kind: &TypeKind) -> bool {
    matches!(kind, TypeKind::Struct(_) | TypeKind::TaggedUnion(_))
}

/// The variants of an untagged union (none for other kinds).
fn union_variants(kind: &TypeKind) -> Vec<TypeRef> {
    match kind {
        TypeKind::Untagged(variants) => variants.clone(),
        _ => Vec::new(),
    }
}

/// A use of old type `a` became a use of new type `b`. Matched types are compared as types
/// (nothing to say here). A replacement of the same shape under another name (a named schema
/// made inline, or renamed) changes nothing on the wire; one of the same kind is compared member
/// by member; string sets by their values; anything else is incompatible.
fn replaced_type(
    pair: &mut Pair<'_>,
    spec: &str,
    location: &str,
    prefix: &str,
    (a, b): (TypeId, TypeId),
    usage: Usage,
) -> Option<Effect> {
    if pair.matched.get(&a) == Some(&b) {
        return None;
    }
    let names = format!("`{}` → `{}`", pair.name_of(false, a), pair.name_of(true, b));
    if same_type(pair, a, b, &mut HashSet::new()) {
        pair.push(
            spec,
            location.to_string(),
            "type-replaced",
            format!("{prefix}type {names}, the same values under another name"),
            Effect::Neutral,
            usage,
        );
        return None;
    }
    let (old_kind, new_kind) = (&pair.old.types[a].kind, &pair.new.types[b].kind);
    if let (Some(Some(old_values)), Some(Some(new_values))) =
        (string_values(old_kind), string_values(new_kind))
    {
        return Some(set_effect(&old_values, &new_values));
    }
    let comparable = matches!(
        (old_kind, new_kind),
        (TypeKind::Struct(_), TypeKind::Struct(_)) | (TypeKind::Newtype(_), TypeKind::Newtype(_))
    );
    // Each type compared once, and only when neither is compared with another type already.
    let elsewhere = pair.matched.contains_key(&a) || pair.targets.contains(&b);
    if !comparable || elsewhere {
        return Some(Effect::Incompatible);
    }
    pair.push(
        spec,
        location.to_string(),
        "type-replaced",
        format!(
            "{prefix}type {names}; what differs is listed under `{}`",
            pair.name_of(true, b)
        ),
        Effect::Neutral,
        usage,
    );
    if pair.replaced.insert((a, b)) {
        compare_type(pair, spec, a, b, usage);
    }
    None
}

/// Whether two uses (old, new) allow the same JSON values, whatever their types are called.
fn same_values(pair: &Pair<'_>, old: &TypeRef, new: &TypeRef) -> bool {
    same_ref(pair, old, new, &mut HashSet::new())
}

fn same_ref(
    pair: &Pair<'_>,
    old: &TypeRef,
    new: &TypeRef,
    assumed: &mut HashSet<(TypeId, TypeId)>,
) -> bool {
    if old.nullable != new.nullable || old.rules != new.rules {
        return false;
    }
    match (&old.shape, &new.shape) {
        (Shape::Named(a), Shape::Named(b)) => same_type(pair, *a, *b, assumed),
        (Shape::Array(a), Shape::Array(b)) | (Shape::Map(a), Shape::Map(b)) => {
            same_ref(pair, a, b, assumed)
        }
        (a, b) => a == b,
    }
}

/// Whether old type `a` and new type `b` allow the same values. Matched types count as the
/// same (their differences are reported on them); a pair met again while being compared is
/// assumed the same (recursive types).
fn same_type(
    pair: &Pair<'_>,
    a: TypeId,
    b: TypeId,
    assumed: &mut HashSet<(TypeId, TypeId)>,
) -> bool {
    if pair.matched.get(&a) == Some(&b) || !assumed.insert((a, b)) {
        return true;
    }
    let (old, new) = (&pair.old.types[a], &pair.new.types[b]);
    if old.nullable != new.nullable {
        return false;
    }
    match (&old.kind, &new.kind) {
        (TypeKind::Struct(x), TypeKind::Struct(y)) => {
            let additional = match (&x.additional, &y.additional) {
                (Additional::Typed(p), Additional::Typed(q)) => same_ref(pair, p, q, assumed),
                (p, q) => std::mem::discriminant(p) == std::mem::discriminant(q),
            };
            x.fields.len() == y.fields.len()
                && additional
                && x.property_count == y.property_count
                && condition_texts(x) == condition_texts(y)
                && x.fields.iter().all(|f| {
                    y.fields.iter().any(|g| {
                        g.name == f.name
                            && g.required == f.required
                            && same_ref(pair, &f.ty, &g.ty, assumed)
                    })
                })
        }
        (TypeKind::Enum(_) | TypeKind::Const(_), TypeKind::Enum(_) | TypeKind::Const(_)) => {
            match (string_values(&old.kind), string_values(&new.kind)) {
                (Some(Some(p)), Some(Some(q))) => p == q,
                _ => {
                    matches!((&old.kind, &new.kind), (TypeKind::Const(p), TypeKind::Const(q)) if p == q)
                }
            }
        }
        (TypeKind::TaggedUnion(x), TypeKind::TaggedUnion(y)) => {
            x.tag == y.tag
                && x.variants.len() == y.variants.len()
                && x.variants.iter().all(|(tag, p)| {
                    y.variants
                        .iter()
                        .any(|(t, q)| t == tag && same_type(pair, *p, *q, assumed))
                })
        }
        (TypeKind::Untagged(x), TypeKind::Untagged(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_ref(pair, p, q, assumed))
        }
        (TypeKind::Newtype(x), TypeKind::Newtype(y)) => same_ref(pair, x, y, assumed),
        _ => false,
    }
}

/// The strings a string-like named type allows: `Some(Some(values))` for an enum or string
/// constant, `Some(None)` for a constrained string (a newtype), `None` for anything else.
fn string_values(kind: &TypeKind) -> Option<Option<BTreeSet<String>>> {
    match kind {
        TypeKind::Enum(values) => Some(Some(values.iter().map(|v| v.value.clone()).collect())),
        TypeKind::Const(serde_json::Value::String(value)) => {
            Some(Some(BTreeSet::from([value.clone()])))
        }
        TypeKind::Newtype(inner) if inner.shape == Shape::String => Some(None),
        _ => None,
    }
}

/// Tighter when values were only taken away, looser when only added.
fn set_effect(old: &BTreeSet<String>, new: &BTreeSet<String>) -> Effect {
    match (new.is_subset(old), new.is_superset(old)) {
        (true, true) => Effect::Neutral,
        (true, false) => Effect::Tighter,
        (false, true) => Effect::Looser,
        (false, false) => Effect::Incompatible,
    }
}

fn compare_rules(
    pair: &mut Pair<'_>,
    spec: &str,
    location: &str,
    prefix: &str,
    old: &Rules,
    new: &Rules,
    usage: Usage,
) {
    // Every field, by name: a field added to `Rules` does not compile here until it is compared.
    let Rules {
        min_length,
        max_length,
        pattern,
        format,
        minimum,
        maximum,
        exclusive_minimum,
        exclusive_maximum,
        multiple_of,
        min_items,
        max_items,
        unique_items,
        allowed,
    } = old;
    let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let bound = |pair: &mut Pair<'_>, name: &str, a: Option<f64>, b: Option<f64>, lower: bool| {
        let effect = bound_effect(a, b, lower);
        if effect != Effect::Neutral {
            pair.push(
                spec,
                location.to_string(),
                "constraint-changed",
                format!(
                    "{prefix}{name} {} → {}",
                    show(a.map(|v| v.to_string())),
                    show(b.map(|v| v.to_string()))
                ),
                effect,
                usage,
            );
        }
    };
    let n = |v: Option<u64>| v.map(|v| v as f64);
    bound(pair, "minLength", n(*min_length), n(new.min_length), true);
    bound(pair, "maxLength", n(*max_length), n(new.max_length), false);
    bound(pair, "minimum", *minimum, new.minimum, true);
    bound(pair, "maximum", *maximum, new.maximum, false);
    bound(
        pair,
        "exclusiveMinimum",
        *exclusive_minimum,
        new.exclusive_minimum,
        true,
    );
    bound(
        pair,
        "exclusiveMaximum",
        *exclusive_maximum,
        new.exclusive_maximum,
        false,
    );
    bound(pair, "minItems", n(*min_items), n(new.min_items), true);
    bound(pair, "maxItems", n(*max_items), n(new.max_items), false);
    let text = |pair: &mut Pair<'_>, name: &str, a: &Option<String>, b: &Option<String>| {
        let effect = match (a, b) {
            (None, Some(_)) => Effect::Tighter,
            (Some(_), None) => Effect::Looser,
            (Some(x), Some(y)) if x != y => Effect::Incompatible,
            _ => return,
        };
        pair.push(
            spec,
            location.to_string(),
            "constraint-changed",
            format!(
                "{prefix}{name} {} → {}",
                show(a.as_ref().map(|v| format!("`{v}`"))),
                show(b.as_ref().map(|v| format!("`{v}`")))
            ),
            effect,
            usage,
        );
    };
    text(pair, "pattern", pattern, &new.pattern);
    let name = |format: &Option<Format>| format.as_ref().map(|f| f.name().to_string());
    text(pair, "format", &name(format), &name(&new.format));
    let multiple = |v: Option<f64>| v.map(|v| v.to_string());
    text(
        pair,
        "multipleOf",
        &multiple(*multiple_of),
        &multiple(new.multiple_of),
    );
    if *unique_items != new.unique_items {
        let effect = if new.unique_items {
            Effect::Tighter
        } else {
            Effect::Looser
        };
        pair.push(
            spec,
            location.to_string(),
            "constraint-changed",
            format!(
                "{prefix}uniqueItems {} → {}",
                unique_items, new.unique_items
            ),
            effect,
            usage,
        );
    }
    match (allowed, &new.allowed) {
        (None, None) => {}
        (None, Some(values)) => pair.push(
            spec,
            location.to_string(),
            "enum-added",
            format!("{prefix}now limited to {}", values_text(values)),
            Effect::Tighter,
            usage,
        ),
        (Some(_), None) => pair.push(
            spec,
            location.to_string(),
            "enum-removed",
            format!("{prefix}no longer limited to a list of values"),
            Effect::Looser,
            usage,
        ),
        (Some(a), Some(b)) => {
            let added: Vec<_> = b.iter().filter(|v| !a.contains(v)).cloned().collect();
            let removed: Vec<_> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
            if !added.is_empty() {
                pair.push(
                    spec,
                    location.to_string(),
                    "enum-value-added",
                    format!("{prefix}new value(s) {}", values_text(&added)),
                    Effect::Looser,
                    usage,
                );
            }
            if !removed.is_empty() {
                pair.push(
                    spec,
                    location.to_string(),
                    "enum-value-removed",
                    format!("{prefix}value(s) {} removed", values_text(&removed)),
                    Effect::Tighter,
                    usage,
                );
            }
        }
    }
}

fn values_text(values: &[serde_json::Value]) -> String {
    values
        .iter()
        .map(|v| {
            format!(
                "`{}`",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::super::{Change, Pair, Usage};
    use super::compare_rules;
    use crate::ir::{testing, Format, Rules};

    /// A rule with every field set. The literal names every field, so a new one does not compile
    /// here until this test (and `compare_rules`) know it.
    fn every_field() -> Rules {
        Rules {
            min_length: Some(1),
            max_length: Some(10),
            pattern: Some("^a".into()),
            format: Some(Format::Email),
            minimum: Some(0.0),
            maximum: Some(100.0),
            exclusive_minimum: Some(-1.0),
            exclusive_maximum: Some(101.0),
            multiple_of: Some(0.5),
            min_items: Some(1),
            max_items: Some(5),
            unique_items: true,
            allowed: Some(vec![json!("a"), json!("b")]),
        }
    }

    fn changes(old: &Rules, new: &Rules) -> Vec<Change> {
        let api = testing::api(&[], Vec::new());
        let mut pair = Pair {
            old: &api,
            new: &api,
            old_usage: api.types.map(|_, _| None),
            new_usage: api.types.map(|_, _| None),
            replaced: Default::default(),
            targets: Default::default(),
            matched: HashMap::new(),
            changes: Vec::new(),
        };
        compare_rules(&mut pair, "spec", "Type.member", "", old, new, Usage::BOTH);
        pair.changes
    }

    #[test]
    fn a_change_to_any_rule_is_reported_under_its_name() {
        let base = every_field();
        assert!(changes(&base, &base).is_empty());
        // One edit per field, bound from an exhaustive pattern: a new field is an unused
        // variable (a warning, an error under clippy's -D warnings) until it gets an edit.
        let Rules {
            min_length,
            max_length,
            pattern,
            format,
            minimum,
            maximum,
            exclusive_minimum,
            exclusive_maximum,
            multiple_of,
            min_items,
            max_items,
            unique_items,
            allowed,
        } = every_field();
        let plus = |n: Option<u64>| n.map(|n| n + 1);
        let shifted = |n: Option<f64>| n.map(|n| n + 1.5);
        let edited = |edit: &dyn Fn(&mut Rules)| {
            let mut rules = every_field();
            edit(&mut rules);
            rules
        };
        let edits = [
            ("minLength", edited(&|r| r.min_length = plus(min_length))),
            ("maxLength", edited(&|r| r.max_length = plus(max_length))),
            (
                "pattern",
                edited(&|r| r.pattern = pattern.clone().map(|p| p + "b")),
            ),
            (
                "format",
                edited(&|r| r.format = format.clone().and(Some(Format::Uri))),
            ),
            ("minimum", edited(&|r| r.minimum = shifted(minimum))),
            ("maximum", edited(&|r| r.maximum = shifted(maximum))),
            (
                "exclusiveMinimum",
                edited(&|r| r.exclusive_minimum = shifted(exclusive_minimum)),
            ),
            (
                "exclusiveMaximum",
                edited(&|r| r.exclusive_maximum = shifted(exclusive_maximum)),
            ),
            (
                "multipleOf",
                edited(&|r| r.multiple_of = shifted(multiple_of)),
            ),
            ("minItems", edited(&|r| r.min_items = plus(min_items))),
            ("maxItems", edited(&|r| r.max_items = plus(max_items))),
            ("uniqueItems", edited(&|r| r.unique_items = !unique_items)),
            (
                "enum",
                edited(&|r| r.allowed = allowed.clone().map(|a| a[..1].to_vec())),
            ),
        ];
        for (name, edited) in &edits {
            for (old, new) in [(&base, edited), (edited, &base)] {
                let found = changes(old, new);
                assert!(!found.is_empty(), "a change of {name} is not reported");
                for change in found {
                    assert!(
                        change.kind.contains(name) || change.detail.contains(name),
                        "a change of {name} is reported as {change:?}"
                    );
                }
            }
        }
    }
}
