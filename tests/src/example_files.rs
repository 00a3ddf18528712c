//! The example files of the real specs: which version each belongs to, and which schema each
//! entry is an instance of (rules written for the tests from the example names; not spec data).
//!
//! - [`assign_example_files`] walks all of `examples/` and assigns every JSON file to a version
//!   (its first folder when that is a released version, else a version named in its path or
//!   `$schema`); files it cannot assign are reported, non-JSON files are ignored by extension.
//! - [`entries`] says, for one example file, what each entry is: an ACP instance (spec, pointer,
//!   candidate schemas), deliberately not one (a [`Target::NotAnInstance`] rule), or a problem
//!   (no rule, an ambiguous rule, a missing payload, ...) that the tests report as a failure.
//! - [`lookup`] finds the rule of a key: the most specific matching rule, independent of table
//!   order (see [`Specificity`]); two matching rules of equal specificity are an error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::Value;

/// What the entries a rule matches are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An instance of one of these schemas (names of definitions of the rule's spec): the first
    /// the validator accepts is the match; if none does, the first is used.
    Schemas(&'static [&'static str]),
    /// Deliberately not an instance of any ACP schema (e.g. a JSON-RPC error), with the reason.
    NotAnInstance(&'static str),
}

/// One rule of a table: entries whose key matches `pattern` hold, at the JSON pointer
/// `pointer`, an instance of `target` (schemas of the spec `spec`).
///
/// Patterns: `=name` matches the key `name` exactly; the empty pattern matches every key (the
/// catch-all); any other pattern matches keys it prefixes, and a pattern starting with `_` also
/// keys it suffixes. Which rule applies when several match: [`lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub spec: &'static str,
    pub pattern: &'static str,
    pub pointer: &'static str,
    pub target: Target,
}

/// How specific a rule's match of a key is; a greater one wins. Derived order: every exact
/// match beats every prefix or suffix match, which beat the catch-all; between prefix and suffix
/// matches the longer pattern wins (`complete_checkout_` beats `complete_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Specificity {
    /// The empty pattern: applies only when no other rule matches.
    CatchAll,
    /// A prefix (or, for patterns starting with `_`, suffix) match of a pattern this long.
    Affix(usize),
    /// `=key`.
    Exact,
}

impl Rule {
    /// A rule whose entries are instances of one of `schemas` (of `spec`) at `pointer`.
    pub const fn schemas(
        spec: &'static str,
        pattern: &'static str,
        pointer: &'static str,
        schemas: &'static [&'static str],
    ) -> Rule {
        Rule {
            spec,
            pattern,
            pointer,
            target: Target::Schemas(schemas),
        }
    }

    /// A rule whose entries are deliberately not ACP instances, for the reason `why`.
    pub const fn not_an_instance(pattern: &'static str, why: &'static str) -> Rule {
        Rule {
            spec: "",
            pattern,
            pointer: "",
            target: Target::NotAnInstance(why),
        }
    }

    /// How specifically the rule matches `key`; `None` when it does not match.
    pub fn specificity(&self, key: &str) -> Option<Specificity> {
        let pattern = self.pattern;
        if let Some(exact) = pattern.strip_prefix('=') {
            (key == exact).then_some(Specificity::Exact)
        } else if pattern.is_empty() {
            Some(Specificity::CatchAll)
        } else if key.starts_with(pattern) || (pattern.starts_with('_') && key.ends_with(pattern)) {
            Some(Specificity::Affix(pattern.len()))
        } else {
            None
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule `{}` → ", self.pattern)?;
        match self.target {
            Target::Schemas(names) => {
                write!(f, "{}/{}", self.spec, names.join("|"))?;
                if !self.pointer.is_empty() {
                    write!(f, " at `{}`", self.pointer)?;
                }
                Ok(())
            }
            Target::NotAnInstance(_) => write!(f, "not an instance"),
        }
    }
}

/// Two rules that match one key with the same specificity: the table is ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ambiguity<'r>(pub &'r Rule, pub &'r Rule);

impl fmt::Display for Ambiguity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} and {} match with the same specificity",
            self.0, self.1
        )
    }
}

/// The rule of `key`: the matching rule of greatest [`Specificity`], whatever the order of
/// `rules`. `Ok(None)` when no rule matches; an error when the greatest specificity is shared by
/// two matching rules.
pub fn lookup<'r>(rules: &'r [Rule], key: &str) -> Result<Option<&'r Rule>, Ambiguity<'r>> {
    let mut best: Option<(&Rule, Specificity)> = None;
    let mut tie = None;
    for rule in rules {
        let Some(specificity) = rule.specificity(key) else {
            continue;
        };
        match best {
            Some((held, level)) if specificity == level => {
                tie.get_or_insert(Ambiguity(held, rule));
            }
            Some((_, level)) if specificity < level => {}
            _ => {
                best = Some((rule, specificity));
                tie = None;
            }
        }
    }
    match tie {
        Some(ambiguity) => Err(ambiguity),
        None => Ok(best.map(|(rule, _)| rule)),
    }
}

/// Every pair of rules of `rules` that match `key` with the same specificity (whether or not a
/// more specific rule also matches): what a table must not have for any real key.
pub fn ambiguities<'r>(rules: &'r [Rule], key: &str) -> Vec<Ambiguity<'r>> {
    let matching: Vec<(&Rule, Specificity)> = rules
        .iter()
        .filter_map(|r| Some((r, r.specificity(key)?)))
        .collect();
    let mut out = Vec::new();
    for (i, (a, level)) in matching.iter().enumerate() {
        for (b, other) in &matching[i + 1..] {
            if level == other {
                out.push(Ambiguity(a, b));
            }
        }
    }
    out
}

const fn is(spec: &'static str, pattern: &'static str, schemas: &'static [&'static str]) -> Rule {
    Rule::schemas(spec, pattern, "", schemas)
}

/// `examples.agentic_checkout.json` and `examples.multi_item_checkout.json`.
pub const FILE_RULES: &[Rule] = &[
    is(
        "agentic_checkout",
        "create_multi_item_checkout_request",
        &["CheckoutSessionCreateRequest"],
    ),
    is(
        "agentic_checkout",
        "create_multi_item_checkout_response",
        &["CheckoutSession"],
    ),
    is(
        "agentic_checkout",
        "create_checkout_session_request",
        &["CheckoutSessionCreateRequest"],
    ),
    is(
        "agentic_checkout",
        "update_checkout_session_request",
        &["CheckoutSessionUpdateRequest"],
    ),
    is(
        "agentic_checkout",
        "complete_",
        &["CheckoutSessionCompleteRequest"],
    ),
    is(
        "agentic_checkout",
        "cancel_checkout_session_request",
        &["CancelSessionRequest"],
    ),
    // Exact, so it wins over `complete_` above (the response is a session, not a request).
    is(
        "agentic_checkout",
        "=complete_checkout_session_response",
        &["CheckoutSessionWithOrder", "CheckoutSession"],
    ),
    is("agentic_checkout", "error_", &["Error"]),
    is(
        "agentic_checkout",
        "authentication_result_",
        &["AuthenticationResult"],
    ),
    is(
        "agentic_checkout",
        "discovery_response_",
        &["DiscoveryResponse"],
    ),
    is("agentic_checkout_webhook", "webhook_", &["WebhookEvent"]),
    is(
        "agentic_checkout",
        "",
        &["CheckoutSession", "CheckoutSessionWithOrder"],
    ),
];

/// `examples.capability_negotiation.json`.
pub const CAPABILITY_RULES: &[Rule] = &[
    is(
        "agentic_checkout",
        "minimal_agent_capabilities_request",
        &["CheckoutSessionCreateRequest"],
    ),
    is(
        "agentic_checkout",
        "minimal_seller_capabilities_response",
        &["CheckoutSession"],
    ),
    is(
        "agentic_checkout",
        "",
        &["CheckoutSessionCreateRequest", "CheckoutSession"],
    ),
];

/// `examples.delegate_payment.json`.
pub const DELEGATE_PAYMENT_RULES: &[Rule] = &[
    is(
        "delegate_payment",
        "delegate_payment_request",
        &["DelegatePaymentRequest"],
    ),
    is(
        "delegate_payment",
        "delegate_payment_success_response",
        &["DelegatePaymentResponse"],
    ),
    is("delegate_payment", "delegate_payment_error", &["Error"]),
];

/// `examples.delegate_authentication.json`.
pub const DELEGATE_AUTHENTICATION_RULES: &[Rule] = &[
    is(
        "delegate_authentication",
        "create_authentication_session_request",
        &["DelegateAuthenticationCreateRequest"],
    ),
    is(
        "delegate_authentication",
        "authenticate_request",
        &["DelegateAuthenticationAuthenticateRequest"],
    ),
    is("delegate_authentication", "error_", &["Error"]),
    is(
        "delegate_authentication",
        "",
        &[
            "DelegateAuthenticationSession",
            "DelegateAuthenticationSessionWithResult",
        ],
    ),
];

/// `examples.feed.json`.
pub const FEED_RULES: &[Rule] = &[
    is("feed", "create_feed_request", &["CreateFeedRequest"]),
    is(
        "feed",
        "upsert_products_request",
        &["UpsertProductsRequest"],
    ),
    is("feed", "get_products_response", &["ProductsResponse"]),
    is("feed", "feed_error", &["Error"]),
    is("feed", "", &["FeedMetadata"]),
];

/// `examples.mcp.agentic_checkout.json`: the MCP binding wraps checkout payloads in JSON-RPC,
/// the ACP instance is inside. (The `meta` argument of every request is checked on its own, see
/// [`entries`].)
pub const MCP_RULES: &[Rule] = &[
    Rule::schemas(
        "agentic_checkout",
        "create_checkout_session_request",
        "/params/arguments/payload",
        &["CheckoutSessionCreateRequest"],
    ),
    Rule::schemas(
        "agentic_checkout",
        "update_checkout_session_request",
        "/params/arguments/payload",
        &["CheckoutSessionUpdateRequest"],
    ),
    Rule::schemas(
        "agentic_checkout",
        "complete_checkout_session_request",
        "/params/arguments/payload",
        &["CheckoutSessionCompleteRequest"],
    ),
    Rule::schemas(
        "agentic_checkout",
        "cancel_checkout_session_request",
        "/params/arguments/payload",
        &["CancelSessionRequest"],
    ),
    Rule::not_an_instance(
        "=get_checkout_session_request",
        "a JSON-RPC request whose arguments are only `meta` (checked) and the session id",
    ),
    // Exact, so it wins over `_response` below.
    Rule::schemas(
        "agentic_checkout",
        "=complete_checkout_session_response",
        "/result",
        &["CheckoutSessionWithOrder"],
    ),
    Rule::schemas(
        "agentic_checkout",
        "_response",
        "/result",
        &["CheckoutSession"],
    ),
    Rule::not_an_instance(
        "error_",
        "a JSON-RPC error response; the OpenRPC binding gives its `error` no ACP schema",
    ),
];

/// Every table, by name (for the tests of the tables themselves).
pub const TABLES: &[(&str, &[Rule])] = &[
    ("FILE_RULES", FILE_RULES),
    ("CAPABILITY_RULES", CAPABILITY_RULES),
    ("DELEGATE_PAYMENT_RULES", DELEGATE_PAYMENT_RULES),
    (
        "DELEGATE_AUTHENTICATION_RULES",
        DELEGATE_AUTHENTICATION_RULES,
    ),
    ("FEED_RULES", FEED_RULES),
    ("MCP_RULES", MCP_RULES),
];

/// Keys of an example file that annotate the file rather than being part of an instance.
pub const FILE_ANNOTATIONS: &[&str] = &["$schema", "description", "_description", "_notes"];

/// The rule table of a keyed example file (one without `$schema`), by file name.
pub fn rules_for(file_name: &str) -> Option<&'static [Rule]> {
    Some(match file_name {
        "examples.agentic_checkout.json" | "examples.multi_item_checkout.json" => FILE_RULES,
        "examples.capability_negotiation.json" => CAPABILITY_RULES,
        "examples.delegate_payment.json" => DELEGATE_PAYMENT_RULES,
        "examples.delegate_authentication.json" => DELEGATE_AUTHENTICATION_RULES,
        "examples.feed.json" => FEED_RULES,
        "examples.mcp.agentic_checkout.json" => MCP_RULES,
        _ => return None,
    })
}

/// What one entry of an example file is.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// An ACP instance: `value`, at `origin` (`file#pointer`), is an instance of one of
    /// `candidates` (definitions of `spec`; the first the validator accepts, else the first).
    Instance {
        origin: String,
        spec: String,
        candidates: Vec<String>,
        value: Value,
    },
    /// Deliberately not an ACP instance, said so by a rule.
    NotAnInstance { origin: String, reason: String },
    /// Something the tests must fail on (the message names the file, and the key if any).
    Problem(String),
}

fn instance(origin: String, spec: &str, candidates: &[&str], value: &Value) -> Entry {
    Entry::Instance {
        origin,
        spec: spec.to_string(),
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
        value: value.clone(),
    }
}

/// The entries of the example file at `path` (relative to the spec root) holding `document`.
///
/// A file with `$schema` is one instance (`$schema` names `schema.<spec>.json#/$defs/<name>`;
/// annotations such as `description` removed) or a `request`/`response` pair of checkout
/// payloads (`$schema` names only the spec file). Any other file is keyed: every member (other
/// than annotations) is an entry whose rule comes from [`rules_for`] and [`lookup`].
pub fn entries(path: &str, document: &Value) -> Vec<Entry> {
    let Some(object) = document.as_object() else {
        return vec![Entry::Problem(format!("{path}: not a JSON object"))];
    };
    if let Some(target) = object.get("$schema") {
        return schema_file_entries(path, target, object);
    }
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let Some(rules) = rules_for(file_name) else {
        return vec![Entry::Problem(format!(
            "{path}: no `$schema` and no rule table for `{file_name}`: nothing says what its examples are instances of"
        ))];
    };
    let mut out = Vec::new();
    for (key, entry) in object {
        if FILE_ANNOTATIONS.contains(&key.as_str()) {
            continue;
        }
        let origin = format!("{path}#/{key}");
        // MCP requests also carry the binding's own `meta` (the HTTP headers as members).
        if let Some(meta) = entry.pointer("/params/arguments/meta") {
            out.push(instance(
                format!("{origin}/params/arguments/meta"),
                "agentic_checkout_mcp",
                &["meta"],
                meta,
            ));
        }
        let rule = match lookup(rules, key) {
            Ok(Some(rule)) => rule,
            Ok(None) => {
                out.push(Entry::Problem(format!(
                    "{origin}: no rule of `{file_name}` matches the key `{key}`"
                )));
                continue;
            }
            Err(ambiguity) => {
                out.push(Entry::Problem(format!(
                    "{origin}: ambiguous rules for the key `{key}`: {ambiguity}"
                )));
                continue;
            }
        };
        match rule.target {
            Target::NotAnInstance(reason) => out.push(Entry::NotAnInstance {
                origin,
                reason: reason.to_string(),
            }),
            Target::Schemas(candidates) => match entry.pointer(rule.pointer) {
                Some(value) => out.push(instance(origin, rule.spec, candidates, value)),
                None => out.push(Entry::Problem(format!(
                    "{origin}: {rule} expects an instance at `{}`, the entry has none",
                    rule.pointer
                ))),
            },
        }
    }
    out
}

fn schema_file_entries(
    path: &str,
    target: &Value,
    object: &serde_json::Map<String, Value>,
) -> Vec<Entry> {
    let problem = |message: String| vec![Entry::Problem(format!("{path}: {message}"))];
    let Some(target) = target.as_str() else {
        return problem(format!("`$schema` is not a string: {target}"));
    };
    let (file, fragment) = match target.split_once('#') {
        Some((file, fragment)) => (file, Some(fragment)),
        None => (target, None),
    };
    let file_name = file.rsplit('/').next().unwrap_or(file);
    let Some(spec) = file_name
        .strip_prefix("schema.")
        .and_then(|s| s.strip_suffix(".json"))
        .filter(|s| !s.is_empty())
    else {
        return problem(format!(
            "`$schema` {target} names no `schema.<spec>.json` file"
        ));
    };
    let members = || {
        object
            .iter()
            .filter(|(k, _)| !FILE_ANNOTATIONS.contains(&k.as_str()))
    };
    match fragment {
        Some(fragment) => {
            // A whole-file instance (orders/*).
            let Some(name) = fragment
                .strip_prefix("/$defs/")
                .filter(|n| !n.is_empty() && !n.contains('/'))
            else {
                return problem(format!(
                    "`$schema` {target} names no definition (`#/$defs/<name>`)"
                ));
            };
            let value = Value::Object(members().map(|(k, v)| (k.clone(), v.clone())).collect());
            vec![instance(path.to_string(), spec, &[name], &value)]
        }
        None => {
            // Request/response pairs (discount-extension/*).
            let (Some(request), Some(response)) = (object.get("request"), object.get("response"))
            else {
                return problem(format!(
                    "`$schema` {target} names no definition (`#/$defs/<name>`) and the file is not a `request`/`response` pair"
                ));
            };
            let mut out = vec![
                instance(
                    format!("{path}#/request"),
                    spec,
                    &[
                        "CheckoutSessionCreateRequest",
                        "CheckoutSessionUpdateRequest",
                    ],
                    request,
                ),
                instance(
                    format!("{path}#/response"),
                    spec,
                    &["CheckoutSession"],
                    response,
                ),
            ];
            for (key, _) in members().filter(|(k, _)| *k != "request" && *k != "response") {
                out.push(Entry::Problem(format!(
                    "{path}#/{key}: a `request`/`response` file with another member `{key}`: no rule says what it is"
                )));
            }
            out
        }
    }
}

/// The schema (`file#pointer`) of the definition `name` of `spec` in `api`.
pub fn schema_named(api: &acp_codegen::Api, spec: &str, name: &str) -> Option<String> {
    api.types
        .iter()
        .find(|t| {
            api.modules[t.module].spec == spec && t.origin.pointer.rsplit('/').next() == Some(name)
        })
        .map(|t| t.origin.to_string())
}

/// Reads the example file at `path` (relative to the spec root), checks it against the pin of
/// `version` and parses it. Errors name the file.
pub fn read_example_file(spec_root: &Path, version: &str, path: &str) -> Result<Value, String> {
    let text = std::fs::read(spec_root.join(path)).map_err(|e| format!("{path}: {e}"))?;
    if let Err(e) = acp_specs::Pins::embedded().check(version, path, &text) {
        let mut message = format!("{path} (assigned to {version}): {e}");
        if !path.starts_with(&format!("examples/{version}/")) {
            message.push_str(
                "; the pin file holds example files only under `examples/<version>/`, so this file (assigned to its version by its `$schema` or path) cannot be pinned",
            );
        }
        return Err(message);
    }
    serde_json::from_slice(&text).map_err(|e| format!("{path}: not JSON: {e}"))
}

/// The files under `examples/` of a spec root, by version.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExampleFiles {
    /// Every version given, with its JSON example files (relative to the spec root, sorted).
    pub by_version: BTreeMap<String, Vec<String>>,
    /// Files ignored because they are not JSON (`README.md`, ...).
    pub ignored: Vec<String>,
    /// Files that could not be assigned to a version, each with the reason (a test failure).
    pub unassigned: Vec<String>,
}

/// Walks all of `<spec_root>/examples/` and assigns every `.json` file to one of `versions`:
/// by its first folder when that is a version folder (`examples/<version>/...`), otherwise by
/// the one version named in its path (a `YYYY-MM-DD` folder) or in its `$schema` (URL or path).
/// A file in the folder of a version not in `versions`, or naming no version or several, is
/// unassigned. Files not ending in `.json` are ignored.
pub fn assign_example_files(spec_root: &Path, versions: &[String]) -> ExampleFiles {
    let mut out = ExampleFiles {
        by_version: versions.iter().map(|v| (v.clone(), Vec::new())).collect(),
        ..ExampleFiles::default()
    };
    let examples = spec_root.join("examples");
    if !examples.is_dir() {
        out.unassigned
            .push(format!("{}: no examples folder", examples.display()));
        return out;
    }
    let mut stack = vec![examples];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                out.unassigned.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries {
            let path = match entry {
                Ok(entry) => entry.path(),
                Err(e) => {
                    out.unassigned.push(format!("{}: {e}", dir.display()));
                    continue;
                }
            };
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(spec_root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                out.ignored.push(rel);
                continue;
            }
            match version_of(spec_root, &rel, versions) {
                Ok(version) => out.by_version.get_mut(&version).unwrap().push(rel),
                Err(why) => out.unassigned.push(format!("{rel}: {why}")),
            }
        }
    }
    for files in out.by_version.values_mut() {
        files.sort();
    }
    out.ignored.sort();
    out.unassigned.sort();
    out
}

/// The version of the example file at `rel` (`examples/...`), or why there is none.
fn version_of(spec_root: &Path, rel: &str, versions: &[String]) -> Result<String, String> {
    let known = |v: &str| versions.iter().any(|k| k == v);
    let components: Vec<&str> = rel.split('/').collect();
    let folders = &components[1..components.len() - 1];
    if let Some(first) = folders.first().filter(|f| acp_specs::is_version_name(f)) {
        return if known(first) {
            Ok(first.to_string())
        } else {
            Err(format!(
                "it is in the folder of version {first}, which is not a released (pinned) version"
            ))
        };
    }
    let mut found: BTreeSet<String> = folders
        .iter()
        .filter(|f| acp_specs::is_version_name(f))
        .map(|f| f.to_string())
        .collect();
    let text = std::fs::read(spec_root.join(rel)).map_err(|e| format!("cannot read it: {e}"))?;
    let document: Value = serde_json::from_slice(&text).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(Value::String(schema)) = document.get("$schema") {
        found.extend(versions_in(schema));
    }
    let mut found = found.into_iter();
    match (found.next(), found.next()) {
        (None, _) => Err(
            "it is not in a version folder (`examples/<version>/`) and names no version in its path or `$schema`"
                .to_string(),
        ),
        (Some(version), None) if known(&version) => Ok(version),
        (Some(version), None) => Err(format!(
            "it names version {version} (path or `$schema`), which is not a released (pinned) version"
        )),
        (Some(a), Some(b)) => Err(format!(
            "it names several versions in its path and `$schema` ({a}, {b}, ...)"
        )),
    }
}

/// The `YYYY-MM-DD` names in `text` (not part of a longer run of digits).
fn versions_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for start in 0..bytes.len().saturating_sub(9) {
        let end = start + 10;
        let bounded = (start == 0 || !bytes[start - 1].is_ascii_digit())
            && (end == bytes.len() || !bytes[end].is_ascii_digit());
        if let Ok(window) = std::str::from_utf8(&bytes[start..end]) {
            if bounded && acp_specs::is_version_name(window) {
                out.push(window.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &[&str] = &["A"];
    const B: &[&str] = &["B"];
    const C: &[&str] = &["C"];

    fn chosen<'r>(rules: &'r [Rule], key: &str) -> Option<&'r str> {
        lookup(rules, key)
            .unwrap_or_else(|e| panic!("{key}: {e}"))
            .map(|r| r.pattern)
    }

    /// `rules` and its reverse choose the same pattern for `key`.
    fn chosen_both_ways(rules: &[Rule], key: &str) -> Option<&'static str> {
        let reversed: Vec<Rule> = rules.iter().rev().copied().collect();
        let forward = lookup(rules, key).unwrap().map(|r| r.pattern);
        let backward = lookup(&reversed, key).unwrap().map(|r| r.pattern);
        assert_eq!(
            forward, backward,
            "{key}: the choice depends on table order"
        );
        forward
    }

    #[test]
    fn exact_beats_prefix_whatever_the_order() {
        let rules = [is("s", "complete_", A), is("s", "=complete_response", B)];
        assert_eq!(
            chosen_both_ways(&rules, "complete_response"),
            Some("=complete_response")
        );
        assert_eq!(
            chosen_both_ways(&rules, "complete_request"),
            Some("complete_")
        );
        // The exact rule matches only its key, not keys it prefixes.
        assert_eq!(
            chosen_both_ways(&rules, "complete_response_2"),
            Some("complete_")
        );
        // Exact also beats a longer prefix and a suffix.
        let rules = [
            is("s", "=x_response", A),
            is("s", "x_response", B),
            is("s", "_response", C),
        ];
        assert_eq!(chosen_both_ways(&rules, "x_response"), Some("=x_response"));
    }

    #[test]
    fn longer_prefix_beats_shorter_whatever_the_order() {
        let rules = [
            is("s", "create_", A),
            is("s", "create_checkout_", B),
            is("s", "create_checkout_session_", C),
        ];
        assert_eq!(
            chosen_both_ways(&rules, "create_checkout_session_request"),
            Some("create_checkout_session_")
        );
        assert_eq!(
            chosen_both_ways(&rules, "create_checkout_x"),
            Some("create_checkout_")
        );
        assert_eq!(chosen_both_ways(&rules, "create_feed"), Some("create_"));
        assert_eq!(chosen_both_ways(&rules, "update_x"), None);
    }

    #[test]
    fn suffix_patterns_start_with_underscore_and_compare_by_length() {
        let rules = [is("s", "_response", A), is("s", "get_", B)];
        // `get_` (4) is shorter than `_response` (9): the suffix wins.
        assert_eq!(chosen_both_ways(&rules, "get_response"), Some("_response"));
        assert_eq!(chosen_both_ways(&rules, "get_request"), Some("get_"));
        assert_eq!(chosen_both_ways(&rules, "_response_x"), Some("_response"));
        // Without a leading `_` a pattern is a prefix only.
        let rules = [is("s", "response", A)];
        assert_eq!(chosen(&rules, "get_response"), None);
        assert_eq!(chosen(&rules, "responses"), Some("response"));
    }

    #[test]
    fn catch_all_applies_only_when_nothing_else_matches() {
        let rules = [is("s", "", A), is("s", "error_", B), is("s", "=get", C)];
        assert_eq!(chosen_both_ways(&rules, "error_404"), Some("error_"));
        assert_eq!(chosen_both_ways(&rules, "get"), Some("=get"));
        assert_eq!(chosen_both_ways(&rules, "anything"), Some(""));
        assert_eq!(chosen(&[is("s", "x", A)], "anything"), None);
    }

    #[test]
    fn equal_specificity_is_an_error_naming_both_rules() {
        let rules = [is("s", "abc", A), is("s", "_de", B), is("s", "", C)];
        // `abc` and `_de` both match with length 3.
        let error = lookup(&rules, "abc_de").unwrap_err();
        assert_eq!((error.0.pattern, error.1.pattern), ("abc", "_de"));
        let message = error.to_string();
        assert!(
            message.contains("`abc`") && message.contains("`_de`"),
            "{message}"
        );
        assert_eq!(ambiguities(&rules, "abc_de").len(), 1);
        // A more specific rule resolves the lookup, but the pair is still reported.
        let rules = [is("s", "abc", A), is("s", "_de", B), is("s", "=abc_de", C)];
        assert_eq!(chosen(&rules, "abc_de"), Some("=abc_de"));
        assert_eq!(ambiguities(&rules, "abc_de").len(), 1);
        // Two catch-alls are ambiguous for every key; a tie below a winner is forgotten.
        let rules = [is("s", "", A), is("s", "", B)];
        assert!(lookup(&rules, "x").is_err());
        let rules = [is("s", "", A), is("s", "", B), is("s", "x", C)];
        assert_eq!(chosen(&rules, "x"), Some("x"));
        // A tie after the winner was found is still an error.
        let rules = [is("s", "x", A), is("s", "", B), is("s", "x", C)];
        assert!(lookup(&rules, "x").is_err());
    }

    #[test]
    fn the_complete_response_is_a_session_in_both_tables() {
        let rule = lookup(FILE_RULES, "complete_checkout_session_response")
            .unwrap()
            .unwrap();
        assert_eq!(
            rule.target,
            Target::Schemas(&["CheckoutSessionWithOrder", "CheckoutSession"])
        );
        let rule = lookup(MCP_RULES, "complete_checkout_session_response")
            .unwrap()
            .unwrap();
        assert_eq!(rule.target, Target::Schemas(&["CheckoutSessionWithOrder"]));
        assert_eq!(rule.pointer, "/result");
        let rule = lookup(FILE_RULES, "complete_checkout_session_request")
            .unwrap()
            .unwrap();
        assert_eq!(
            rule.target,
            Target::Schemas(&["CheckoutSessionCompleteRequest"])
        );
    }

    #[test]
    fn no_table_repeats_a_pattern() {
        for (name, rules) in TABLES {
            let mut seen = BTreeSet::new();
            for rule in *rules {
                assert!(
                    seen.insert(rule.pattern),
                    "{name}: `{}` twice",
                    rule.pattern
                );
            }
        }
    }

    #[test]
    fn entries_of_a_keyed_file() {
        let document = json!({
            "complete_checkout_session_request": {"a": 1},
            "complete_checkout_session_response": {"b": 2},
            "error_invalid_request": {"jsonrpc": "2.0", "error": {}},
            "create_checkout_session_request": {"params": {"arguments": {"meta": {"m": 1}}}},
            "mystery": {},
        });
        let entries = entries("examples/x/examples.mcp.agentic_checkout.json", &document);
        let origin = |key: &str| format!("examples/x/examples.mcp.agentic_checkout.json#/{key}");
        assert!(entries.contains(&Entry::NotAnInstance {
            origin: origin("error_invalid_request"),
            reason:
                "a JSON-RPC error response; the OpenRPC binding gives its `error` no ACP schema"
                    .into(),
        }));
        assert!(entries.contains(&Entry::Instance {
            origin: origin("create_checkout_session_request/params/arguments/meta"),
            spec: "agentic_checkout_mcp".into(),
            candidates: vec!["meta".into()],
            value: json!({"m": 1}),
        }));
        let problems: Vec<&String> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Problem(p) => Some(p),
                _ => None,
            })
            .collect();
        // No payload where the rule expects one (three entries), and a key no rule matches.
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems
            .iter()
            .any(|p| p.starts_with(&origin("mystery")) && p.contains("no rule")));
        assert!(problems.iter().any(|p| p
            .starts_with(&origin("complete_checkout_session_response"))
            && p.contains("`/result`")));
        // A file no table covers.
        let entries = entries_of("examples/x/examples.new.json", &json!({"a": {}}));
        assert!(
            matches!(&entries[..], [Entry::Problem(p)] if p.starts_with("examples/x/examples.new.json:")),
            "{entries:?}"
        );
    }

    fn entries_of(path: &str, document: &Value) -> Vec<Entry> {
        entries(path, document)
    }

    #[test]
    fn entries_of_schema_files() {
        let order = json!({
            "$schema": "../../../spec/2026-04-17/json-schema/schema.agentic_checkout.json#/$defs/Order",
            "_description": "d",
            "id": "o"
        });
        assert_eq!(
            entries("o.json", &order),
            vec![Entry::Instance {
                origin: "o.json".into(),
                spec: "agentic_checkout".into(),
                candidates: vec!["Order".into()],
                value: json!({"id": "o"}),
            }]
        );
        let pair = json!({
            "$schema": "https://x/spec/2026-04-17/json-schema/schema.agentic_checkout.json",
            "request": {}, "response": {}, "_notes": {}, "extra": 1
        });
        let entries = entries("p.json", &pair);
        assert_eq!(entries.len(), 3, "{entries:?}");
        assert!(matches!(&entries[2], Entry::Problem(p) if p.starts_with("p.json#/extra")));
        for (document, what) in [
            (
                json!({"$schema": "x/schema.agentic_checkout.json", "a": 1}),
                "not a `request`",
            ),
            (
                json!({"$schema": "x/openapi.yaml#/$defs/A"}),
                "no `schema.<spec>.json`",
            ),
            (
                json!({"$schema": "x/schema.a.json#/components/A"}),
                "names no definition",
            ),
            (json!({"$schema": 3}), "not a string"),
        ] {
            let got = super::entries("f.json", &document);
            assert!(
                matches!(&got[..], [Entry::Problem(p)] if p.starts_with("f.json: ") && p.contains(what)),
                "{document}: {got:?}"
            );
        }
    }

    #[test]
    fn versions_in_text() {
        assert_eq!(
            versions_in("../../spec/2026-04-17/json-schema/x.json"),
            ["2026-04-17"]
        );
        assert_eq!(
            versions_in("https://a/2025-09-29/b#2026-01-30"),
            ["2025-09-29", "2026-01-30"]
        );
        assert!(versions_in("../spec/unreleased/x.json").is_empty());
        assert!(versions_in("12026-04-17").is_empty());
        assert!(versions_in("2026-04-170").is_empty());
        assert!(versions_in("é2026-04-17é").len() == 1);
    }

    #[test]
    fn assigns_every_example_file_to_a_version_or_reports_it() {
        let root = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let schema = |s: &str| format!(r#"{{"$schema": "{s}", "id": 1}}"#);
        // In a released version folder, at any depth: by the folder, whatever `$schema` says.
        write("examples/2026-01-01/examples.a.json", "{}");
        write(
            "examples/2026-01-01/deep/er/b.json",
            &schema("../../spec/2026-02-02/schema.a.json"),
        );
        // Outside version folders: by the version in `$schema` (relative path or URL)...
        write(
            "examples/discount-extension/c.json",
            &schema("../../spec/2026-02-02/json-schema/schema.a.json"),
        );
        write(
            "examples/d.json",
            &schema("https://example.com/spec/2026-01-01/schema.a.json#/$defs/X"),
        );
        // ... or in its path.
        write("examples/unreleased/2026-02-02/e.json", "{}");
        // Not assignable: no version anywhere, an unknown version, several, broken JSON, and
        // a folder of a version that is not released.
        write(
            "examples/unreleased/f.json",
            &schema("../../spec/unreleased/schema.a.json"),
        );
        write(
            "examples/discount-extension/g.json",
            &schema("../../spec/2099-01-01/schema.a.json"),
        );
        write(
            "examples/2026-01-01-extra/2026-02-02/h.json",
            &schema("../spec/2026-01-01/schema.a.json"),
        );
        write("examples/i.json", "{not json");
        write("examples/2030-03-03/j.json", "{}");
        // Ignored by extension.
        write("examples/README.md", "# examples");
        write("examples/2026-01-01/notes.txt", "x");
        write("examples/2026-01-01/k.JSON5", "x");

        let versions = vec!["2026-01-01".to_string(), "2026-02-02".to_string()];
        let files = assign_example_files(root.path(), &versions);
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            files.by_version["2026-01-01"],
            list(&[
                "examples/2026-01-01/deep/er/b.json",
                "examples/2026-01-01/examples.a.json",
                "examples/d.json",
            ])
        );
        assert_eq!(
            files.by_version["2026-02-02"],
            list(&[
                "examples/discount-extension/c.json",
                "examples/unreleased/2026-02-02/e.json",
            ])
        );
        assert_eq!(
            files.ignored,
            list(&[
                "examples/2026-01-01/k.JSON5",
                "examples/2026-01-01/notes.txt",
                "examples/README.md",
            ])
        );
        let unassigned: Vec<&str> = files
            .unassigned
            .iter()
            .map(|u| u.split(": ").next().unwrap())
            .collect();
        assert_eq!(
            unassigned,
            [
                "examples/2026-01-01-extra/2026-02-02/h.json",
                "examples/2030-03-03/j.json",
                "examples/discount-extension/g.json",
                "examples/i.json",
                "examples/unreleased/f.json",
            ],
            "{:#?}",
            files.unassigned
        );
        let why = |file: &str| {
            files
                .unassigned
                .iter()
                .find(|u| u.starts_with(file))
                .unwrap()
                .clone()
        };
        assert!(why("examples/2026-01-01-extra/").contains("several versions"));
        assert!(why("examples/2030-03-03/").contains("not a released"));
        assert!(why("examples/discount-extension/g").contains("2099-01-01"));
        assert!(why("examples/i.json").contains("not JSON"));
        assert!(why("examples/unreleased/f").contains("names no version"));

        // No examples folder at all is reported too.
        let empty = tempfile::tempdir().unwrap();
        let files = assign_example_files(empty.path(), &versions);
        assert_eq!(files.unassigned.len(), 1, "{files:?}");
    }
}
