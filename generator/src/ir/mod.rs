//! The intermediate representation: what the emitters need, independent of how the spec files
//! spelled it. One [`Api`] per version; types live in one table and are referred to by
//! [`TypeId`], so a schema shared between files of a version exists once.

mod select;
mod table;
#[cfg(test)]
pub(crate) mod testing;
mod visit;

use serde_json::Value;

pub use select::UnknownSpec;
pub use table::{Id, ModuleId, Table, TypeId};

use crate::diagnostics::Diagnostic;

/// The named types of a version, by [`TypeId`].
pub type Types = Table<TypeId, TypeDef>;

/// The spec modules of a version, by [`ModuleId`].
pub type Modules = Table<ModuleId, Module>;

/// Everything one version of ACP defines.
#[derive(Debug, Clone)]
pub struct Api {
    /// The version name (`2026-04-17`).
    pub version: String,
    /// One module per spec (checkout, delegate_payment, ...), in a stable order.
    pub modules: Modules,
    /// Every named type of the version.
    pub types: Types,
    /// Every `example`/`examples` value found at a schema, parameter or media position.
    pub examples: Vec<Example>,
    /// Findings of the loader and converter; generation went on despite them.
    pub diagnostics: Vec<Diagnostic>,
}

/// Where something is defined.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// File relative to the spec root.
    pub file: String,
    /// JSON pointer inside it.
    pub pointer: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}

/// One spec of a version (`agentic_checkout`, `feed`, ...), emitted as one Rust module.
#[derive(Debug, Clone)]
pub struct Module {
    /// Rust module name (`checkout`).
    pub name: String,
    /// The spec's name in file names (`agentic_checkout`).
    pub spec: String,
    /// `info.title` or the JSON Schema `title`.
    pub title: Option<String>,
    /// `info.description`.
    pub description: Option<String>,
    /// The files the module was read from.
    pub files: Vec<String>,
    /// HTTP operations, from the OpenAPI file.
    pub operations: Vec<Operation>,
    /// JSON-RPC methods (MCP tools), from the OpenRPC file.
    pub methods: Vec<RpcMethod>,
}

/// Human-facing documentation of a schema or member.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `default`.
    pub default: Option<Value>,
    /// `readOnly`/`writeOnly`.
    pub access: Option<&'static str>,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Rust type name, unique within its module.
    pub name: String,
    /// The module that defines it.
    pub module: ModuleId,
    /// The schema it was made from.
    pub origin: Origin,
    /// Other schemas that describe the same type (an OpenAPI component mirroring a JSON Schema
    /// `$defs` entry).
    pub aliases: Vec<Origin>,
    /// Documentation.
    pub docs: Docs,
    /// What it is.
    pub kind: TypeKind,
    /// The schema also allows `null` (every use of the type is then nullable).
    pub nullable: bool,
}

/// The shape of a named type.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// An object with known members.
    Struct(Struct),
    /// A closed set of strings.
    Enum(Vec<EnumValue>),
    /// Exactly one JSON value (`const`); used for union tags.
    Const(Value),
    /// `oneOf`/`anyOf` whose variants are told apart by a `const` member.
    TaggedUnion(TaggedUnion),
    /// `oneOf`/`anyOf`/`type` arrays without a tag: the first variant that fits wins.
    Untagged(Vec<TypeRef>),
    /// A named schema that is a constrained primitive or array (`Currency`: string + pattern).
    Newtype(TypeRef),
}

/// One value of a string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The JSON string.
    pub value: String,
}

/// An object type.
#[derive(Debug, Clone, Default)]
pub struct Struct {
    /// Members in spec order.
    pub fields: Vec<Field>,
    /// What happens to members the spec does not list.
    pub additional: Additional,
    /// `if`/`then`/`else` requirements.
    pub conditions: Vec<Condition>,
    /// `oneOf`/`anyOf` whose branches only require members or fix them to constants.
    pub alternatives: Vec<Alternatives>,
    /// `minProperties`/`maxProperties`.
    pub property_count: (Option<u64>, Option<u64>),
}

/// Treatment of undeclared members (`additionalProperties`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Additional {
    /// `false`: unknown members are an error when parsing strictly.
    Forbidden,
    /// Absent or `true`: kept verbatim so nothing is lost.
    #[default]
    Any,
    /// A schema: kept, typed.
    Typed(Box<TypeRef>),
}

/// A member of an object.
#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON member name.
    pub name: String,
    /// Documentation.
    pub docs: Docs,
    /// Its type.
    pub ty: TypeRef,
    /// In `required`.
    pub required: bool,
    /// Where the property schema is.
    pub origin: Origin,
}

/// A test on an object: members (by path from the object) that must hold one of some JSON
/// values when present, and members that must be present when their parent is. Absent parents
/// make a test hold, as in JSON Schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberTest {
    /// Path to a member and the JSON values that satisfy the test.
    pub values: Vec<(Vec<String>, Vec<Value>)>,
    /// Path to an object and members it must have.
    pub required: Vec<(Vec<String>, Vec<String>)>,
}

/// A conditional requirement (`if`/`then`/`else`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// `if`.
    pub when: MemberTest,
    /// `then` (empty when absent).
    pub then: MemberTest,
    /// `else` (empty when absent).
    pub otherwise: MemberTest,
    /// Where the `if` is.
    pub origin: Origin,
}

/// `oneOf` (exactly one branch holds) or `anyOf` (at least one) over member tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternatives {
    /// `oneOf`.
    pub exclusive: bool,
    /// The branches.
    pub branches: Vec<MemberTest>,
    /// Where the keyword is.
    pub origin: Origin,
}

/// A union told apart by a member holding a constant.
#[derive(Debug, Clone)]
pub struct TaggedUnion {
    /// The member (`type`).
    pub tag: String,
    /// Tag value and the variant type.
    pub variants: Vec<(String, TypeId)>,
}

/// A use of a type, with the constraints of that use.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeRef {
    /// What kind of value.
    pub shape: Shape,
    /// `null` is allowed too.
    pub nullable: bool,
    /// Constraints checked after parsing.
    pub rules: Rules,
}

impl TypeRef {
    /// A use with no constraints.
    pub fn plain(shape: Shape) -> Self {
        TypeRef {
            shape,
            nullable: false,
            rules: Rules::default(),
        }
    }
}

/// Kinds of value.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Any JSON.
    Any,
    /// Only `null`.
    Null,
    /// `type: string`.
    String,
    /// `format: date-time` strings, kept verbatim.
    DateTime,
    /// `type: integer` (money is integer minor units, so 64 bits).
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// An object without declared members.
    Object,
    /// `type: array`.
    Array(Box<TypeRef>),
    /// An object with only `additionalProperties: <schema>`.
    Map(Box<TypeRef>),
    /// A named type.
    Named(TypeId),
}

/// Constraints the type system does not express.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `format` (on a string, `date-time` is [`Shape::DateTime`] instead).
    pub format: Option<Format>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `exclusiveMinimum`.
    pub exclusive_minimum: Option<f64>,
    /// `exclusiveMaximum`.
    pub exclusive_maximum: Option<f64>,
    /// `multipleOf`.
    pub multiple_of: Option<f64>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `uniqueItems`.
    pub unique_items: bool,
    /// `const` or `enum` on a value that is not given its own type.
    pub allowed: Option<Vec<Value>>,
}

impl Rules {
    /// True when there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }
}

/// A `format` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// `email`: an RFC 5321 mailbox.
    Email,
    /// `uri`: an RFC 3986 URI.
    Uri,
    /// `date`: an RFC 3339 full-date.
    Date,
    /// `date-time`: an RFC 3339 date-time (on a value that is not only a string; a string's is
    /// [`Shape::DateTime`]).
    DateTime,
    /// A format the generated code does not enforce (the converter warns
    /// `unenforced-format`).
    Other(String),
}

impl Format {
    /// The format named `name` in a schema.
    pub fn from_name(name: &str) -> Format {
        match name {
            "email" => Format::Email,
            "uri" => Format::Uri,
            "date" => Format::Date,
            "date-time" => Format::DateTime,
            other => Format::Other(other.to_string()),
        }
    }

    /// Its name in a schema.
    pub fn name(&self) -> &str {
        match self {
            Format::Email => "email",
            Format::Uri => "uri",
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Other(name) => name,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An HTTP operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// Upper-case method.
    pub method: String,
    /// Path template (`/checkout_sessions/{checkout_session_id}`).
    pub path: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Path-level and operation-level parameters, merged.
    pub parameters: Vec<Parameter>,
    /// `requestBody`.
    pub request: Option<Body>,
    /// `responses`, in spec order.
    pub responses: Vec<Response>,
    /// Security requirement names (`bearerAuth`); empty means none.
    pub security: Vec<String>,
    /// Where the operation is.
    pub origin: Origin,
}

impl Operation {
    /// The path parameters, in the order they appear in the path template.
    pub fn path_parameters(&self) -> Vec<&Parameter> {
        let mut params: Vec<&Parameter> = self
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Path)
            .collect();
        params.sort_by_key(|p| {
            self.path
                .find(&format!("{{{}}}", p.name))
                .unwrap_or(usize::MAX)
        });
        params
    }

    /// The success response: the first `2xx` the spec lists.
    pub fn success(&self) -> Option<&Response> {
        self.responses.iter().find(|r| r.status.starts_with('2'))
    }
}

/// An OpenRPC method: an MCP tool of the binding.
#[derive(Debug, Clone)]
pub struct RpcMethod {
    /// `name` (`create_checkout_session`).
    pub name: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `params`, in spec order (`meta`, `id`, `payload`).
    pub params: Vec<MethodParam>,
    /// `result`.
    pub result: Option<MethodParam>,
    /// The `operationId` of the REST operation of the same API that serves it (its `id` the
    /// operation's path parameter, its `payload` the request body); `None` when there is none
    /// (reported as `mcp-unbound`, and not served).
    pub operation: Option<String>,
    /// Where the method is.
    pub origin: Origin,
}

impl RpcMethod {
    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&MethodParam> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// An OpenRPC content descriptor: a method parameter or result.
#[derive(Debug, Clone)]
pub struct MethodParam {
    /// `name`.
    pub name: String,
    /// `required`.
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Documentation (`summary` as title, `description`).
    pub docs: Docs,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// An HTTP header.
    Header,
    /// A cookie.
    Cookie,
}

/// A parameter of an operation.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Name (header names as the spec spells them).
    pub name: String,
    /// Where.
    pub location: ParameterLocation,
    /// `required`.
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Documentation.
    pub docs: Docs,
}

/// A request or response body.
#[derive(Debug, Clone)]
pub struct Body {
    /// `required` (requests).
    pub required: bool,
    /// Media type (`application/json`).
    pub media_type: String,
    /// Its type.
    pub ty: TypeRef,
}

/// One response of an operation.
#[derive(Debug, Clone)]
pub struct Response {
    /// `201`, `4XX`, `default`.
    pub status: String,
    /// `description`.
    pub description: Option<String>,
    /// Response headers.
    pub headers: Vec<Parameter>,
    /// The JSON body, if any.
    pub body: Option<Body>,
}

/// An example value and the type it should be an instance of.
#[derive(Debug, Clone)]
pub struct Example {
    /// Where the example value is.
    pub origin: Origin,
    /// The schema it exemplifies.
    pub schema: Origin,
    /// The type of that schema.
    pub ty: TypeRef,
    /// The value.
    pub value: Value,
}
