//! Named values around a body: an operation's parameters, a response's headers, an MCP tool's
//! params. Each may be added (required or not), removed, made required or optional, and have
//! its type changed; one comparison serves all three.

use super::{required_became, types, Effect, Pair, Usage};
use crate::ir::TypeRef;

/// One named value.
pub(super) struct Slot<'a> {
    /// What matches it across versions (header names ignore case).
    pub key: String,
    /// What it is called in details (`query parameter`, `header`, `param`).
    pub noun: &'static str,
    pub name: &'a str,
    pub required: bool,
    pub ty: &'a TypeRef,
}

/// How one list of slots is reported.
pub(super) struct SlotRules {
    /// Change kinds: a required one added, an optional one added, one removed, its
    /// required-ness changed.
    pub kinds: [&'static str; 4],
    /// Words before each detail (`409 response: `), or empty.
    pub prefix: String,
    /// The direction the values travel.
    pub usage: Usage,
    /// The effect of removing one, by whether it was required.
    pub removed: fn(bool) -> Effect,
    /// Whether a new one's detail shows its type.
    pub show_type: bool,
}

/// Reports how the slots `old` became `new` at `at`.
pub(super) fn compare_slots(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: &[Slot<'_>],
    new: &[Slot<'_>],
    rules: &SlotRules,
) {
    let [added_required, added, removed, required_changed] = rules.kinds;
    let prefix = &rules.prefix;
    let necessity = |required: bool| if required { "required" } else { "optional" };
    for slot in new {
        if old.iter().any(|s| s.key == slot.key) {
            continue;
        }
        let shown = if rules.show_type {
            format!(" ({})", types::describe(pair, true, slot.ty))
        } else {
            String::new()
        };
        let (effect, kind) = if slot.required {
            (Effect::Tighter, added_required)
        } else {
            (Effect::Neutral, added)
        };
        let detail = format!(
            "{prefix}new {} {} `{}`{shown}",
            necessity(slot.required),
            slot.noun,
            slot.name
        );
        pair.push(spec, at.to_string(), kind, detail, effect, rules.usage);
    }
    for old_slot in old {
        let Some(new_slot) = new.iter().find(|s| s.key == old_slot.key) else {
            let detail = format!(
                "{prefix}{} {} `{}` removed",
                necessity(old_slot.required),
                old_slot.noun,
                old_slot.name
            );
            let effect = (rules.removed)(old_slot.required);
            pair.push(spec, at.to_string(), removed, detail, effect, rules.usage);
            continue;
        };
        let what = format!("{prefix}{} `{}`", new_slot.noun, new_slot.name);
        if old_slot.required != new_slot.required {
            let (effect, detail) = required_became(new_slot.required, &format!("{what} is "));
            pair.push(
                spec,
                at.to_string(),
                required_changed,
                detail,
                effect,
                rules.usage,
            );
        }
        types::compare_refs(pair, spec, at, &what, old_slot.ty, new_slot.ty, rules.usage);
    }
}
