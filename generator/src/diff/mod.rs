//! The semantic difference of two versions of the spec: every change to operations,
//! parameters, bodies, statuses and types, each classified for clients (who send requests and
//! read responses) and for servers (who read requests and send responses) separately.
//!
//! Works on the IR, so changes of spelling (a schema moved between files, `nullable: true` vs
//! `type: [.., "null"]`) are not changes, and a type is compared where it is used: a tighter
//! rule on a request body breaks clients, the same rule on a response breaks servers.
//! [`render`] prints the result as text, markdown, JSON or a changelog section.

pub mod render;
mod types;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::ir::{Api, Body, ModuleId, Operation, Parameter, ParameterLocation, Table, TypeId};

/// Whether a change breaks one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// Code written for the old version must change.
    Breaking,
    /// Old code keeps working.
    NonBreaking,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The spec's module (`checkout`, `delegate_payment`, ...).
    pub spec: String,
    /// Where: an operation (`POST /checkout_sessions`), a type or a type's member
    /// (`CheckoutSession.line_items`).
    pub location: String,
    /// Stable kind (`property-added`, `enum-value-removed`, `status-removed`, ...).
    pub kind: &'static str,
    /// What changed, in words.
    pub detail: String,
    /// For clients.
    pub client: Impact,
    /// For servers.
    pub server: Impact,
}

/// All changes from one version to another.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The old version (or folder).
    pub from: String,
    /// The new version (or folder).
    pub to: String,
    /// Specs only the new version has.
    pub added_specs: Vec<String>,
    /// Specs only the old version has.
    pub removed_specs: Vec<String>,
    /// The changes, by spec and location.
    pub changes: Vec<Change>,
}

impl Diff {
    /// Changes breaking for clients.
    pub fn client_breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.client == Impact::Breaking)
            .count()
    }

    /// Changes breaking for servers.
    pub fn server_breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.server == Impact::Breaking)
            .count()
    }
}

/// How a change moves the set of valid values; with the direction a value travels, this
/// says who it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Fewer values are valid (a rule added, a value removed, optional → required).
    Tighter,
    /// More values are valid (a value added, required → optional, a limit relaxed).
    Looser,
    /// Different values: old and new do not fit each other.
    Incompatible,
    /// Something that was there is gone: clients lose it (or send what is no longer
    /// understood).
    Removed,
    /// Breaks nobody (an optional member added, a new spec).
    Neutral,
}

/// The directions a type's values travel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Usage {
    /// In requests: clients produce, servers consume.
    input: bool,
    /// In responses: servers produce, clients consume.
    output: bool,
}

impl Usage {
    const INPUT: Usage = Usage {
        input: true,
        output: false,
    };
    const OUTPUT: Usage = Usage {
        input: false,
        output: true,
    };
    const BOTH: Usage = Usage {
        input: true,
        output: true,
    };

    fn or(self, other: Usage) -> Usage {
        Usage {
            input: self.input || other.input,
            output: self.output || other.output,
        }
    }
}

/// The effect of something becoming required (tighter) or optional (looser), in words after
/// `subject` (`header `X` is `, or empty).
fn required_became(required: bool, subject: &str) -> (Effect, String) {
    if required {
        (Effect::Tighter, format!("{subject}now required"))
    } else {
        (Effect::Looser, format!("{subject}now optional"))
    }
}

fn breaking(yes: bool) -> Impact {
    if yes {
        Impact::Breaking
    } else {
        Impact::NonBreaking
    }
}

/// Who an effect breaks, for values travelling as `usage` says: clients must send what the new
/// version accepts and read whatever it may answer; servers the other way round.
fn impacts(effect: Effect, usage: Usage) -> (Impact, Impact) {
    let (client, server) = match effect {
        Effect::Tighter => (usage.input, usage.output),
        Effect::Looser => (usage.output, usage.input),
        Effect::Incompatible => (true, true),
        Effect::Removed => (true, false),
        Effect::Neutral => (false, false),
    };
    (breaking(client), breaking(server))
}

/// Which types each direction reaches, from the operations of each module. Types no operation
/// reaches (JSON-Schema-only models such as the feed's offline `Product`) count as both.
fn usages(api: &Api) -> Table<TypeId, Usage> {
    let mut usage: Table<TypeId, Option<Usage>> = api.types.map(|_, _| None);
    for operation in api.modules.iter().flat_map(|m| &m.operations) {
        let inputs = operation.input_refs().map(|ty| (ty, Usage::INPUT));
        let outputs = operation.output_refs().map(|ty| (ty, Usage::OUTPUT));
        for (ty, how) in inputs.chain(outputs) {
            for id in api.reachable(ty.refers_to()) {
                usage[id] = Some(usage[id].unwrap_or_default().or(how));
            }
        }
    }
    usage.map(|_, how| how.unwrap_or(Usage::BOTH))
}

/// Both versions, with what the comparison needs to know about them.
struct Pair<'a> {
    old: &'a Api,
    new: &'a Api,
    old_usage: Table<TypeId, Usage>,
    new_usage: Table<TypeId, Usage>,
    /// Old type → new type, by module and name, and for renames.
    matched: HashMap<TypeId, TypeId>,
    changes: Vec<Change>,
}

impl Pair<'_> {
    fn push(
        &mut self,
        spec: &str,
        location: String,
        kind: &'static str,
        detail: String,
        effect: Effect,
        usage: Usage,
    ) {
        let (client, server) = impacts(effect, usage);
        self.changes.push(Change {
            spec: spec.to_string(),
            location,
            kind,
            detail,
            client,
            server,
        });
    }

    fn name_of(&self, api_is_new: bool, id: TypeId) -> &str {
        let api = if api_is_new { self.new } else { self.old };
        &api.types[id].name
    }
}

/// The changes from `old` to `new`, limited to the spec module `only` when given (`checkout`
/// or `agentic_checkout`).
pub fn diff(old: &Api, new: &Api, from: &str, to: &str, only: Option<&str>) -> Diff {
    let wanted = |module: &crate::ir::Module| {
        only.is_none_or(|name| module.name == name || module.spec == name)
    };
    let old_modules: BTreeMap<&str, ModuleId> = old
        .modules
        .enumerate()
        .filter(|(_, m)| wanted(m))
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let new_modules: BTreeMap<&str, ModuleId> = new
        .modules
        .enumerate()
        .filter(|(_, m)| wanted(m))
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let mut pair = Pair {
        old,
        new,
        old_usage: usages(old),
        new_usage: usages(new),
        matched: types::match_types(old, new),
        changes: Vec::new(),
    };
    let added_specs: Vec<String> = new_modules
        .keys()
        .filter(|m| !old_modules.contains_key(*m))
        .map(|m| m.to_string())
        .collect();
    let removed_specs: Vec<String> = old_modules
        .keys()
        .filter(|m| !new_modules.contains_key(*m))
        .map(|m| m.to_string())
        .collect();
    for name in &added_specs {
        let module = &new.modules[new_modules[name.as_str()]];
        let operations: Vec<String> = module
            .operations
            .iter()
            .map(|o| format!("{} {}", o.method, o.path))
            .collect();
        let detail = if operations.is_empty() {
            format!("new spec `{}` (schemas only)", module.spec)
        } else {
            format!("new spec `{}`: {}", module.spec, operations.join(", "))
        };
        pair.push(
            name,
            String::new(),
            "spec-added",
            detail,
            Effect::Neutral,
            Usage::BOTH,
        );
    }
    for name in &removed_specs {
        let module = &old.modules[old_modules[name.as_str()]];
        pair.push(
            name,
            String::new(),
            "spec-removed",
            format!("spec `{}` removed", module.spec),
            Effect::Removed,
            Usage::BOTH,
        );
    }
    for (name, &old_index) in &old_modules {
        let Some(&new_index) = new_modules.get(name) else {
            continue;
        };
        compare_operations(&mut pair, name, old_index, new_index);
        types::compare_module_types(&mut pair, name, old_index, new_index);
    }
    let mut changes = pair.changes;
    changes.sort_by(|a, b| (&a.spec, &a.location).cmp(&(&b.spec, &b.location)));
    Diff {
        from: from.to_string(),
        to: to.to_string(),
        added_specs,
        removed_specs,
        changes,
    }
}

fn operation_key(operation: &Operation) -> (String, String) {
    (operation.path.clone(), operation.method.clone())
}

fn compare_operations(pair: &mut Pair<'_>, spec: &str, old_index: ModuleId, new_index: ModuleId) {
    let old_ops: BTreeMap<(String, String), &Operation> = pair.old.modules[old_index]
        .operations
        .iter()
        .map(|o| (operation_key(o), o))
        .collect();
    let new_ops: BTreeMap<(String, String), &Operation> = pair.new.modules[new_index]
        .operations
        .iter()
        .map(|o| (operation_key(o), o))
        .collect();
    for (key, operation) in &new_ops {
        if !old_ops.contains_key(key) {
            let (client, server) = (Impact::NonBreaking, Impact::Breaking);
            pair.changes.push(Change {
                spec: spec.to_string(),
                location: format!("{} {}", operation.method, operation.path),
                kind: "operation-added",
                detail: format!(
                    "new operation `{}`: servers of this spec must implement it",
                    operation.id
                ),
                client,
                server,
            });
        }
    }
    for (key, old_op) in &old_ops {
        let location = format!("{} {}", old_op.method, old_op.path);
        let Some(new_op) = new_ops.get(key) else {
            pair.push(
                spec,
                location,
                "operation-removed",
                format!("operation `{}` removed", old_op.id),
                Effect::Removed,
                Usage::BOTH,
            );
            continue;
        };
        compare_parameters(
            pair,
            spec,
            &location,
            &old_op.parameters,
            &new_op.parameters,
        );
        compare_body(
            pair,
            spec,
            &location,
            old_op.request.as_ref(),
            new_op.request.as_ref(),
        );
        compare_responses(pair, spec, &location, old_op, new_op);
        if !old_op.deprecated && new_op.deprecated {
            pair.push(
                spec,
                location,
                "operation-deprecated",
                "deprecated".into(),
                Effect::Neutral,
                Usage::BOTH,
            );
        }
    }
}

fn location_name(location: ParameterLocation) -> &'static str {
    match location {
        ParameterLocation::Path => "path parameter",
        ParameterLocation::Query => "query parameter",
        ParameterLocation::Header => "header",
        ParameterLocation::Cookie => "cookie",
    }
}

fn parameter_key(parameter: &Parameter) -> (String, &'static str) {
    (
        parameter.name.to_ascii_lowercase(),
        location_name(parameter.location),
    )
}

fn compare_parameters(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: &[Parameter],
    new: &[Parameter],
) {
    let old_by: BTreeMap<_, &Parameter> = old.iter().map(|p| (parameter_key(p), p)).collect();
    let new_by: BTreeMap<_, &Parameter> = new.iter().map(|p| (parameter_key(p), p)).collect();
    for (key, parameter) in &new_by {
        if old_by.contains_key(key) {
            continue;
        }
        let (effect, kind, detail) = if parameter.required {
            (
                Effect::Tighter,
                "parameter-added-required",
                format!("new required {} `{}`", key.1, parameter.name),
            )
        } else {
            (
                Effect::Neutral,
                "parameter-added",
                format!("new optional {} `{}`", key.1, parameter.name),
            )
        };
        pair.push(spec, at.to_string(), kind, detail, effect, Usage::INPUT);
    }
    for (key, old_parameter) in &old_by {
        let Some(new_parameter) = new_by.get(key) else {
            let (effect, detail) = if old_parameter.required {
                (
                    Effect::Looser,
                    format!("required {} `{}` removed", key.1, old_parameter.name),
                )
            } else {
                (
                    Effect::Neutral,
                    format!("optional {} `{}` removed", key.1, old_parameter.name),
                )
            };
            pair.push(
                spec,
                at.to_string(),
                "parameter-removed",
                detail,
                effect,
                Usage::INPUT,
            );
            continue;
        };
        if old_parameter.required != new_parameter.required {
            let (effect, detail) = required_became(
                new_parameter.required,
                &format!("{} `{}` is ", key.1, new_parameter.name),
            );
            pair.push(
                spec,
                at.to_string(),
                "parameter-required-changed",
                detail,
                effect,
                Usage::INPUT,
            );
        }
        let what = format!("{} `{}`", key.1, new_parameter.name);
        types::compare_refs(
            pair,
            spec,
            at,
            &what,
            &old_parameter.ty,
            &new_parameter.ty,
            Usage::INPUT,
        );
    }
}

fn compare_body(pair: &mut Pair<'_>, spec: &str, at: &str, old: Option<&Body>, new: Option<&Body>) {
    match (old, new) {
        (None, None) => {}
        (None, Some(body)) => {
            let effect = if body.required {
                Effect::Tighter
            } else {
                Effect::Neutral
            };
            let detail = format!(
                "new {} request body",
                if body.required {
                    "required"
                } else {
                    "optional"
                }
            );
            pair.push(
                spec,
                at.to_string(),
                "request-body-added",
                detail,
                effect,
                Usage::INPUT,
            );
        }
        (Some(_), None) => {
            pair.push(
                spec,
                at.to_string(),
                "request-body-removed",
                "request body removed".into(),
                Effect::Removed,
                Usage::INPUT,
            );
        }
        (Some(old), Some(new)) => {
            if old.required != new.required {
                let (effect, detail) = required_became(new.required, "the request body is ");
                pair.push(
                    spec,
                    at.to_string(),
                    "request-body-required-changed",
                    detail,
                    effect,
                    Usage::INPUT,
                );
            }
            types::compare_refs(
                pair,
                spec,
                at,
                "request body",
                &old.ty,
                &new.ty,
                Usage::INPUT,
            );
        }
    }
}

fn compare_responses(pair: &mut Pair<'_>, spec: &str, at: &str, old: &Operation, new: &Operation) {
    for response in &new.responses {
        if !old.responses.iter().any(|r| r.status == response.status) {
            pair.push(
                spec,
                at.to_string(),
                "status-added",
                format!("new response status {}", response.status),
                Effect::Looser,
                Usage::OUTPUT,
            );
        }
    }
    for old_response in &old.responses {
        let Some(new_response) = new
            .responses
            .iter()
            .find(|r| r.status == old_response.status)
        else {
            pair.push(
                spec,
                at.to_string(),
                "status-removed",
                format!("response status {} removed", old_response.status),
                Effect::Tighter,
                Usage::OUTPUT,
            );
            continue;
        };
        let status = &old_response.status;
        for header in &new_response.headers {
            if !old_response
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(&header.name))
            {
                pair.push(
                    spec,
                    at.to_string(),
                    "response-header-added",
                    format!("{status} response: new header `{}`", header.name),
                    Effect::Neutral,
                    Usage::OUTPUT,
                );
            }
        }
        for header in &old_response.headers {
            if !new_response
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(&header.name))
            {
                pair.push(
                    spec,
                    at.to_string(),
                    "response-header-removed",
                    format!("{status} response: header `{}` removed", header.name),
                    Effect::Removed,
                    Usage::OUTPUT,
                );
            }
        }
        match (&old_response.body, &new_response.body) {
            (None, Some(_)) => pair.push(
                spec,
                at.to_string(),
                "response-body-added",
                format!("{status} response: now has a body"),
                Effect::Neutral,
                Usage::OUTPUT,
            ),
            (Some(_), None) => pair.push(
                spec,
                at.to_string(),
                "response-body-removed",
                format!("{status} response: body removed"),
                Effect::Removed,
                Usage::OUTPUT,
            ),
            (Some(old_body), Some(new_body)) => {
                let what = format!("{status} response body");
                types::compare_refs(
                    pair,
                    spec,
                    at,
                    &what,
                    &old_body.ty,
                    &new_body.ty,
                    Usage::OUTPUT,
                );
            }
            (None, None) => {}
        }
    }
}
