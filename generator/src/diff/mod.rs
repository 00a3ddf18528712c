//! The semantic difference of two versions of the spec: every change to operations,
//! parameters, bodies, statuses, MCP tools (OpenRPC methods) and types, each classified for
//! clients (who send requests and read responses; agents calling tools) and for servers (who
//! read requests and send responses; merchants serving tools) separately.
//!
//! Works on the IR, so changes of spelling (a schema moved between files, `nullable: true` vs
//! `type: [.., "null"]`) are not changes, and a type is compared where it is used: a tighter
//! rule on a request body breaks clients, the same rule on a response breaks servers.
//! [`render`] prints the result as text, markdown, JSON or a changelog section.

mod formats;
pub mod render;
mod slots;
mod types;

pub use formats::{diff_views, SpecFormat, Views};
use slots::{compare_slots, Slot, SlotRules};

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::ir::{
    Api, Body, MethodParam, ModuleId, Operation, Parameter, ParameterLocation, RpcMethod, Table,
    TypeId, TypeRef,
};

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
    /// Where: an operation (`POST /checkout_sessions`), an MCP tool
    /// (`tool create_checkout_session`), a type or a type's member (`CheckoutSession.line_items`).
    pub location: String,
    /// Stable kind (`property-added`, `enum-value-removed`, `status-removed`, ...).
    pub kind: &'static str,
    /// What changed, in words.
    pub detail: String,
    /// For clients.
    pub client: Impact,
    /// For servers.
    pub server: Impact,
    /// Set when only one of the spec's formats has the change (the other copy of the schema
    /// did not change, or already said so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<SpecFormat>,
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
    /// A member, header, body or result no longer travels: the side that reads it loses
    /// what it may rely on (clients for responses, servers for requests).
    Dropped,
    /// An operation, tool or spec is gone: the clients that call it break.
    Withdrawn,
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
        Effect::Dropped => (usage.output, usage.input),
        Effect::Withdrawn => (true, false),
        Effect::Neutral => (false, false),
    };
    (breaking(client), breaking(server))
}

/// Which types each direction reaches, from the operations and MCP tools of each module (a
/// tool's params travel in its request, its result in the response). `None` for types neither
/// reaches (JSON-Schema-only models such as the feed's offline `Product`), which count as both.
fn usages(api: &Api) -> Table<TypeId, Option<Usage>> {
    let mut usage: Table<TypeId, Option<Usage>> = api.types.map(|_, _| None);
    let mut uses: Vec<(&TypeRef, Usage)> = Vec::new();
    for module in api.modules.iter() {
        for operation in &module.operations {
            uses.extend(operation.input_refs().map(|ty| (ty, Usage::INPUT)));
            uses.extend(operation.output_refs().map(|ty| (ty, Usage::OUTPUT)));
        }
        for method in &module.methods {
            uses.extend(method.params.iter().map(|p| (&p.ty, Usage::INPUT)));
            uses.extend(method.result.iter().map(|r| (&r.ty, Usage::OUTPUT)));
        }
    }
    for (ty, how) in uses {
        for id in api.reachable(ty.refers_to()) {
            usage[id] = Some(usage[id].unwrap_or_default().or(how));
        }
    }
    usage
}

/// Both versions, with what the comparison needs to know about them.
struct Pair<'a> {
    old: &'a Api,
    new: &'a Api,
    old_usage: Table<TypeId, Option<Usage>>,
    new_usage: Table<TypeId, Option<Usage>>,
    /// Old type → new type, by module and name, and for renames.
    matched: HashMap<TypeId, TypeId>,
    /// The new types of `matched`.
    targets: HashSet<TypeId>,
    /// Pairs of differently named types compared member by member where one replaced the
    /// other in a use (each pair once).
    replaced: HashSet<(TypeId, TypeId)>,
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
            format: None,
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
    let matched = types::match_types(old, new);
    let mut pair = Pair {
        old,
        new,
        old_usage: usages(old),
        new_usage: usages(new),
        targets: matched.values().copied().collect(),
        matched,
        replaced: HashSet::new(),
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
        let tools: Vec<&str> = module.methods.iter().map(|m| m.name.as_str()).collect();
        let mut served = Vec::new();
        if !operations.is_empty() {
            served.push(operations.join(", "));
        }
        if !tools.is_empty() {
            served.push(format!("MCP tools {}", tools.join(", ")));
        }
        let detail = if served.is_empty() {
            format!("new spec `{}` (schemas only)", module.spec)
        } else {
            format!("new spec `{}`: {}", module.spec, served.join("; "))
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
            Effect::Withdrawn,
            Usage::BOTH,
        );
    }
    for (name, &old_index) in &old_modules {
        let Some(&new_index) = new_modules.get(name) else {
            continue;
        };
        compare_operations(&mut pair, name, old_index, new_index);
        compare_methods(&mut pair, name, old_index, new_index);
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
                format: None,
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
                Effect::Withdrawn,
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

/// Parameters as slots: matched by location and name (ignoring case).
fn parameter_slots(parameters: &[Parameter]) -> Vec<Slot<'_>> {
    parameters
        .iter()
        .map(|p| Slot {
            key: format!(
                "{} {}",
                location_name(p.location),
                p.name.to_ascii_lowercase()
            ),
            noun: location_name(p.location),
            name: &p.name,
            required: p.required,
            ty: &p.ty,
        })
        .collect()
}

/// Parameters travel in requests. One removed breaks servers only if it was required (they may
/// have relied on it); a server ignores an optional one it no longer declares.
fn compare_parameters(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: &[Parameter],
    new: &[Parameter],
) {
    let rules = SlotRules {
        kinds: [
            "parameter-added-required",
            "parameter-added",
            "parameter-removed",
            "parameter-required-changed",
        ],
        prefix: String::new(),
        usage: Usage::INPUT,
        removed: |required| {
            if required {
                Effect::Looser
            } else {
                Effect::Neutral
            }
        },
        show_type: false,
    };
    let (old, new) = (parameter_slots(old), parameter_slots(new));
    compare_slots(pair, spec, at, &old, &new, &rules);
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
                Effect::Dropped,
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
            // Clients already treat any 4xx/5xx as a failure carrying the spec's error; a new
            // success (or other) status is an answer they may not know how to read.
            let error = response.status.starts_with('4') || response.status.starts_with('5');
            let (effect, detail) = if error {
                (
                    Effect::Neutral,
                    format!("new error response status {}", response.status),
                )
            } else {
                (
                    Effect::Looser,
                    format!("new response status {}", response.status),
                )
            };
            pair.push(
                spec,
                at.to_string(),
                "status-added",
                detail,
                effect,
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
        compare_response_headers(
            pair,
            spec,
            at,
            status,
            &old_response.headers,
            &new_response.headers,
        );
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
                Effect::Dropped,
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

/// Response headers travel as response members do: servers must send a new required one (and
/// one made required), clients lose one removed or made optional.
fn compare_response_headers(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    status: &str,
    old: &[Parameter],
    new: &[Parameter],
) {
    let rules = SlotRules {
        kinds: [
            "response-header-added-required",
            "response-header-added",
            "response-header-removed",
            "response-header-required-changed",
        ],
        prefix: format!("{status} response: "),
        usage: Usage::OUTPUT,
        removed: |_| Effect::Dropped,
        show_type: false,
    };
    let (old, new) = (header_slots(old), header_slots(new));
    compare_slots(pair, spec, at, &old, &new, &rules);
}

/// Response headers as slots: matched by name, ignoring case.
fn header_slots(headers: &[Parameter]) -> Vec<Slot<'_>> {
    headers
        .iter()
        .map(|h| Slot {
            key: h.name.to_ascii_lowercase(),
            noun: "header",
            name: &h.name,
            required: h.required,
            ty: &h.ty,
        })
        .collect()
}

/// Where an MCP tool's changes are reported.
fn tool_location(method: &RpcMethod) -> String {
    format!("tool {}", method.name)
}

/// The operation called `id` in any module of `api`.
fn operation_by_id<'a>(api: &'a Api, id: &str) -> Option<&'a Operation> {
    api.modules
        .iter()
        .flat_map(|m| &m.operations)
        .find(|o| o.id == id)
}

/// `` `id` (METHOD /path) ``, or just `` `id` `` when `api` has no such operation.
fn operation_text(api: &Api, id: &str) -> String {
    match operation_by_id(api, id) {
        Some(operation) => format!("`{id}` ({} {})", operation.method, operation.path),
        None => format!("`{id}`"),
    }
}

/// The MCP tools (OpenRPC methods) of a module, by name: added, removed, and changed (params,
/// result, the REST operation serving them). Agents call tools and merchants serve them, so
/// agents are the clients: params travel as requests do, the result as a response does.
fn compare_methods(pair: &mut Pair<'_>, spec: &str, old_index: ModuleId, new_index: ModuleId) {
    let (old_api, new_api) = (pair.old, pair.new);
    let old_tools: BTreeMap<&str, &RpcMethod> = old_api.modules[old_index]
        .methods
        .iter()
        .map(|m| (m.name.as_str(), m))
        .collect();
    let new_tools: BTreeMap<&str, &RpcMethod> = new_api.modules[new_index]
        .methods
        .iter()
        .map(|m| (m.name.as_str(), m))
        .collect();
    for (name, method) in &new_tools {
        if old_tools.contains_key(name) {
            continue;
        }
        // Agents find tools by listing them, so one a server does not offer yet breaks nobody
        // (unlike a new HTTP operation, which servers must implement).
        let served = match &method.operation {
            Some(id) => format!(", served by operation {}", operation_text(new_api, id)),
            None => String::new(),
        };
        pair.push(
            spec,
            tool_location(method),
            "tool-added",
            format!("new MCP tool `{name}`{served}"),
            Effect::Neutral,
            Usage::BOTH,
        );
    }
    for (name, old_method) in &old_tools {
        let location = tool_location(old_method);
        let Some(new_method) = new_tools.get(name) else {
            pair.push(
                spec,
                location,
                "tool-removed",
                format!("MCP tool `{name}` removed"),
                Effect::Withdrawn,
                Usage::BOTH,
            );
            continue;
        };
        compare_method_params(
            pair,
            spec,
            &location,
            &old_method.params,
            &new_method.params,
        );
        compare_method_result(
            pair,
            spec,
            &location,
            old_method.result.as_ref(),
            new_method.result.as_ref(),
        );
        compare_binding(
            pair,
            spec,
            &location,
            old_method.operation.as_deref(),
            new_method.operation.as_deref(),
        );
    }
}

/// A tool's params are the members of the arguments object an agent sends, so they follow the
/// rules of request members: a new required one and one made required break clients, one made
/// optional breaks servers (which may have relied on it), and so does one removed (servers read
/// it).
fn compare_method_params(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: &[MethodParam],
    new: &[MethodParam],
) {
    let rules = SlotRules {
        kinds: [
            "tool-param-added-required",
            "tool-param-added",
            "tool-param-removed",
            "tool-param-required-changed",
        ],
        prefix: String::new(),
        usage: Usage::INPUT,
        removed: |_| Effect::Dropped,
        show_type: true,
    };
    let (old, new) = (param_slots(old), param_slots(new));
    compare_slots(pair, spec, at, &old, &new, &rules);
}

/// Tool params as slots: matched by name.
fn param_slots(params: &[MethodParam]) -> Vec<Slot<'_>> {
    params
        .iter()
        .map(|p| Slot {
            key: p.name.clone(),
            noun: "param",
            name: &p.name,
            required: p.required,
            ty: &p.ty,
        })
        .collect()
}

/// A tool's result is what the merchant answers, compared as a response body is.
fn compare_method_result(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: Option<&MethodParam>,
    new: Option<&MethodParam>,
) {
    match (old, new) {
        (None, None) => {}
        (None, Some(_)) => pair.push(
            spec,
            at.to_string(),
            "tool-result-added",
            "now has a result".into(),
            Effect::Neutral,
            Usage::OUTPUT,
        ),
        (Some(_), None) => pair.push(
            spec,
            at.to_string(),
            "tool-result-removed",
            "result removed".into(),
            Effect::Dropped,
            Usage::OUTPUT,
        ),
        (Some(old), Some(new)) => {
            if old.required != new.required {
                let (effect, detail) = required_became(new.required, "the result is ");
                pair.push(
                    spec,
                    at.to_string(),
                    "tool-result-required-changed",
                    detail,
                    effect,
                    Usage::OUTPUT,
                );
            }
            types::compare_refs(pair, spec, at, "result", &old.ty, &new.ty, Usage::OUTPUT);
        }
    }
}

/// The REST operation serving a tool. Only merchants see it: one that served the tool through
/// the old operation must now serve it through another (or none). A new `operationId` for the
/// same method and path is only a new name.
fn compare_binding(
    pair: &mut Pair<'_>,
    spec: &str,
    at: &str,
    old: Option<&str>,
    new: Option<&str>,
) {
    if old == new {
        return;
    }
    let (old_api, new_api) = (pair.old, pair.new);
    let renamed = match (old, new) {
        (Some(a), Some(b)) => matches!(
            (operation_by_id(old_api, a), operation_by_id(new_api, b)),
            (Some(x), Some(y)) if operation_key(x) == operation_key(y)
        ),
        _ => false,
    };
    let detail = match (old, new) {
        (Some(a), Some(b)) if renamed => format!(
            "served by the same operation, renamed `{a}` → {}",
            operation_text(new_api, b)
        ),
        (Some(a), Some(b)) => format!(
            "served by operation {} instead of {}",
            operation_text(new_api, b),
            operation_text(old_api, a)
        ),
        (None, Some(b)) => format!("now served by operation {}", operation_text(new_api, b)),
        (Some(a), None) => format!(
            "no longer served by a REST operation (was {})",
            operation_text(old_api, a)
        ),
        (None, None) => return,
    };
    pair.changes.push(Change {
        spec: spec.to_string(),
        location: at.to_string(),
        kind: "tool-operation-changed",
        detail,
        client: Impact::NonBreaking,
        server: breaking(!renamed),
        format: None,
    });
}

#[cfg(test)]
mod tests {
    use super::{diff, Change, Impact};
    use crate::ir::{
        testing, Api, Id, MethodParam, ModuleId, RpcMethod, Shape, Struct, TypeKind, TypeRef,
    };

    use Impact::{Breaking, NonBreaking};

    fn param(name: &str, required: bool, ty: TypeRef) -> MethodParam {
        MethodParam {
            name: name.into(),
            required,
            ty,
            docs: Default::default(),
        }
    }

    fn plain(shape: Shape) -> TypeRef {
        TypeRef::plain(shape)
    }

    /// A tool `name` taking `params` and returning a required `result`, served by the
    /// operation `<name>_op`.
    fn tool(name: &str, params: Vec<MethodParam>, result: TypeRef) -> RpcMethod {
        RpcMethod {
            name: name.into(),
            summary: None,
            description: None,
            params,
            result: Some(param("result", true, result)),
            operation: Some(format!("{name}_op")),
            origin: testing::origin(""),
        }
    }

    /// `get_session(id: string) -> integer`, `id` required as given.
    fn get_session(id_required: bool) -> RpcMethod {
        tool(
            "get_session",
            vec![param("id", id_required, plain(Shape::String))],
            plain(Shape::Integer),
        )
    }

    /// A version with one module `mcp` (spec `spec_mcp`) holding `types` and `tools`.
    fn api(types: Vec<(&str, usize, TypeKind)>, tools: Vec<RpcMethod>) -> Api {
        let mut api = testing::api(&["mcp"], types);
        api.modules[ModuleId::from_index(0)].methods = tools;
        api
    }

    fn changes(old: &Api, new: &Api) -> Vec<Change> {
        diff(old, new, "old", "new", None).changes
    }

    /// The one change there is.
    fn only(changes: &[Change]) -> &Change {
        assert_eq!(changes.len(), 1, "{changes:#?}");
        &changes[0]
    }

    fn assert_change(
        change: &Change,
        kind: &str,
        detail: &str,
        (client, server): (Impact, Impact),
    ) {
        assert_eq!(change.spec, "mcp", "{change:?}");
        assert_eq!(change.location, "tool get_session", "{change:?}");
        assert_eq!(change.kind, kind, "{change:?}");
        assert_eq!(change.detail, detail, "{change:?}");
        assert_eq!(
            (change.client, change.server),
            (client, server),
            "{change:?}"
        );
    }

    #[test]
    fn a_new_tool_is_listed_and_breaks_nobody() {
        let (old, new) = (api(vec![], vec![]), api(vec![], vec![get_session(true)]));
        assert_change(
            only(&changes(&old, &new)),
            "tool-added",
            "new MCP tool `get_session`, served by operation `get_session_op`",
            (NonBreaking, NonBreaking),
        );
        assert!(changes(&new, &new).is_empty());
    }

    #[test]
    fn a_removed_tool_breaks_clients() {
        let (old, new) = (api(vec![], vec![get_session(true)]), api(vec![], vec![]));
        assert_change(
            only(&changes(&old, &new)),
            "tool-removed",
            "MCP tool `get_session` removed",
            (Breaking, NonBreaking),
        );
    }

    #[test]
    fn a_param_made_required_breaks_clients_and_made_optional_breaks_servers() {
        let optional = api(vec![], vec![get_session(false)]);
        let required = api(vec![], vec![get_session(true)]);
        assert_change(
            only(&changes(&optional, &required)),
            "tool-param-required-changed",
            "param `id` is now required",
            (Breaking, NonBreaking),
        );
        assert_change(
            only(&changes(&required, &optional)),
            "tool-param-required-changed",
            "param `id` is now optional",
            (NonBreaking, Breaking),
        );
    }

    #[test]
    fn params_added_and_removed_follow_the_rules_of_request_members() {
        let with = |extra: MethodParam| {
            let mut method = get_session(true);
            method.params.push(extra);
            api(vec![], vec![method])
        };
        let base = api(vec![], vec![get_session(true)]);
        let required = with(param("expand", true, plain(Shape::Boolean)));
        let optional = with(param("expand", false, plain(Shape::Boolean)));
        assert_change(
            only(&changes(&base, &required)),
            "tool-param-added-required",
            "new required param `expand` (boolean)",
            (Breaking, NonBreaking),
        );
        assert_change(
            only(&changes(&base, &optional)),
            "tool-param-added",
            "new optional param `expand` (boolean)",
            (NonBreaking, NonBreaking),
        );
        assert_change(
            only(&changes(&optional, &base)),
            "tool-param-removed",
            "optional param `expand` removed",
            // Merchants read params: the one that read `expand` loses it.
            (NonBreaking, Breaking),
        );
    }

    #[test]
    fn a_result_type_change_is_judged_as_a_response_and_a_param_type_change_as_a_request() {
        let version = |id: Shape, result: Shape| {
            let method = tool(
                "get_session",
                vec![param("id", true, plain(id))],
                plain(result),
            );
            api(vec![], vec![method])
        };
        // integer → number lets more values through: readers (clients of a result, servers of
        // a param) may meet values they do not expect.
        let old = version(Shape::String, Shape::Integer);
        let new = version(Shape::String, Shape::Number);
        assert_change(
            only(&changes(&old, &new)),
            "type-changed",
            "result: type integer → number",
            (Breaking, NonBreaking),
        );
        let old = version(Shape::Integer, Shape::Integer);
        let new = version(Shape::Number, Shape::Integer);
        assert_change(
            only(&changes(&old, &new)),
            "type-changed",
            "param `id`: type integer → number",
            (NonBreaking, Breaking),
        );
    }

    #[test]
    fn a_new_binding_breaks_servers_and_a_renamed_operation_breaks_nobody() {
        let bound = |operation: Option<&str>, operation_id: &str| {
            let mut method = get_session(true);
            method.operation = operation.map(str::to_string);
            let mut api = api(vec![], vec![method]);
            let string = plain(Shape::String);
            let mut rest = testing::operation("sessions", string.clone(), string);
            rest.id = operation_id.into();
            api.modules[ModuleId::from_index(0)].operations.push(rest);
            api
        };
        let old = bound(Some("getSession"), "getSession");
        assert_change(
            only(&changes(&old, &bound(Some("other"), "getSession"))),
            "tool-operation-changed",
            "served by operation `other` instead of `getSession` (POST /sessions)",
            (NonBreaking, Breaking),
        );
        assert_change(
            only(&changes(&old, &bound(None, "getSession"))),
            "tool-operation-changed",
            "no longer served by a REST operation (was `getSession` (POST /sessions))",
            (NonBreaking, Breaking),
        );
        // The same method and path under a new operationId: only the name changed.
        assert_change(
            only(&changes(&old, &bound(Some("fetchSession"), "fetchSession"))),
            "tool-operation-changed",
            "served by the same operation, renamed `getSession` → `fetchSession` (POST /sessions)",
            (NonBreaking, NonBreaking),
        );
    }

    #[test]
    fn a_new_spec_lists_its_tools() {
        let old = testing::api(&[], vec![]);
        let new = api(
            vec![],
            vec![
                get_session(true),
                tool("cancel_session", vec![], plain(Shape::Integer)),
            ],
        );
        let diff = diff(&old, &new, "old", "new", None);
        assert_eq!(diff.added_specs, ["mcp"]);
        let change = only(&diff.changes);
        assert_eq!(change.kind, "spec-added");
        assert_eq!(
            change.detail,
            "new spec `spec_mcp`: MCP tools get_session, cancel_session"
        );
    }

    #[test]
    fn a_type_only_tool_params_use_is_a_request_type() {
        let version = |fields: &[&str]| {
            let fields = fields
                .iter()
                .map(|name| testing::field(name, plain(Shape::String)))
                .collect();
            let args = TypeKind::Struct(Struct {
                fields,
                ..Default::default()
            });
            let method = tool(
                "get_session",
                vec![param("payload", true, testing::named(0))],
                plain(Shape::Integer),
            );
            api(vec![("Args", 0, args)], vec![method])
        };
        let found = changes(&version(&["a"]), &version(&["a", "b"]));
        let change = only(&found);
        assert_eq!(change.location, "Args.b");
        assert_eq!(change.kind, "property-added-required");
        // Agents must send it; merchants only read it (a type no tool or operation used would
        // break both).
        assert_eq!((change.client, change.server), (Breaking, NonBreaking));
    }
}
