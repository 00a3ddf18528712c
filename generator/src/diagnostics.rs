//! Findings about the input, each with a file, a JSON pointer and (when known) a line:column.
//!
//! Every finding has a [`Code`]; `docs/diagnostics.md` lists them all (a test keeps the two in
//! step).

use std::cmp::Ordering;
use std::fmt;

/// Declares [`Code`] from one table, so the spelling, the meaning and [`Code::ALL`] cannot
/// drift apart.
macro_rules! codes {
    ($($variant:ident = $spelling:literal: $meaning:literal,)+) => {
        /// A stable code saying what kind of finding a [`Diagnostic`] is, for filtering and
        /// for looking it up in `docs/diagnostics.md`. The spelling ([`Code::as_str`]) is what
        /// `acp-codegen lint` prints and does not change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $meaning]
                $variant,
            )+
        }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as printed (`bad-keyword`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $spelling,)+
                }
            }

            /// What a finding with this code means, in one line.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)+
                }
            }
        }
    };
}

codes! {
    AllofClosedPart = "allof-closed-part":
        "An `allOf` part forbids additional properties that another part declares, so JSON Schema accepts no instance; the generated type merges the parts.",
    AllofConflict = "allof-conflict":
        "`allOf` parts give one member different types; the generated type follows the first.",
    BadExample = "bad-example":
        "An OpenAPI Example object has no `value`; it is skipped.",
    BadKeyword = "bad-keyword":
        "A keyword has a value of the wrong kind (or one that contradicts another keyword).",
    BadParameter = "bad-parameter":
        "An OpenAPI parameter is malformed: not an object, no valid `in`, no `schema`, or a path parameter that is not required or not in the path.",
    BadPattern = "bad-pattern":
        "A `pattern` the regex engine cannot compile; it is not enforced.",
    DanglingRef = "dangling-ref":
        "A `$ref` that resolves to nothing.",
    ExtensionIgnored = "extension-ignored":
        "An `x-` extension keyword the generator does not read; it is ignored.",
    FalseSchema = "false-schema":
        "A `false` schema (no value is valid); it is read as any value.",
    InvalidExample = "invalid-example":
        "An example in the spec files is not valid against its schema (independent validator).",
    MissingOperationId = "missing-operation-id":
        "An OpenAPI operation has no `operationId`; a name is made from its method and path.",
    NotASchema = "not-a-schema":
        "A schema is expected here but the value is not an object or a boolean.",
    NotOpenapi = "not-openapi":
        "An OpenAPI file is not an object or has no `openapi` version.",
    McpUnbound = "mcp-unbound":
        "An OpenRPC method (an MCP tool) that matches no REST operation of its API, or whose `id`/`payload` do not fit it; not served.",
    NotOpenrpc = "not-openrpc":
        "An OpenRPC file is not an object.",
    Openapi30Keyword = "openapi-3.0-keyword":
        "OpenAPI 3.0 syntax (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`) in a 3.1 file; read with its 3.0 meaning.",
    OpenapiJsonschemaMismatch = "openapi-jsonschema-mismatch":
        "An OpenAPI component and the JSON Schema definition of the same name differ; the JSON Schema wins.",
    OpenapiVersion = "openapi-version":
        "The `openapi` version is not 3.1; the file is read as 3.1.",
    RefByPath = "ref-by-path":
        "A `$ref` does not resolve against its document's `$id` and was resolved by file path instead.",
    RefCycle = "ref-cycle":
        "`$ref`s or `allOf` parts that lead back to themselves where no named type can break the cycle.",
    RequiredUndeclared = "required-undeclared":
        "A required member is not declared while additional properties are forbidden: no value can be valid.",
    SchemaDialect = "schema-dialect":
        "A `$schema` dialect other than JSON Schema 2020-12; the file is read as 2020-12.",
    TypeConflict = "type-conflict":
        "A `type` that contradicts the rest of the schema (an object's members, string `enum` values).",
    UnenforcedFormat = "unenforced-format":
        "A `format` value the generated checks do not enforce.",
    UnknownKeyword = "unknown-keyword":
        "An OpenAPI `components` kind the generator does not know; it is ignored.",
    Unpinned = "unpinned":
        "A spec file differs from its hash in `specs/pins.toml` (read anyway with `--allow-unpinned`).",
    UnsupportedCondition = "unsupported-condition":
        "An `if`/`then`/`else` the generated types cannot enforce.",
    UnsupportedKeyword = "unsupported-keyword":
        "A keyword the generated types do not enforce or do not read; it is ignored.",
    UnsupportedMediaType = "unsupported-media-type":
        "A request or response body of a media type other than JSON; it is not typed.",
    Validator = "validator":
        "The independent JSON Schema validator cannot load the version's spec files.",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Codes order by spelling, as they did when they were strings, so sorted findings keep their
/// order.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Generation continues; the output may differ from what the author meant.
    Warning,
    /// The input cannot be used.
    Error,
}

/// Where in the input a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file, relative to the spec root when it is under it.
    pub file: String,
    /// An RFC 6901 JSON pointer into the file (`/components/schemas/Item`).
    pub pointer: String,
    /// 1-based line and column, when the source could be mapped.
    pub line_col: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, " #{}", self.pointer)
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// What kind of finding it is.
    pub code: Code,
    /// Where.
    pub location: Location,
    /// What, in words a person can act on.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}: {level}[{}]: {}",
            self.location, self.code, self.message
        )
    }
}

/// Collects findings as the loader and converter walk the input.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds a warning.
    pub fn warn(&mut self, code: Code, location: Location, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity: Severity::Warning,
            code,
            location,
            message: message.into(),
        });
    }

    /// Adds an error.
    pub fn error(&mut self, code: Code, location: Location, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity: Severity::Error,
            code,
            location,
            message: message.into(),
        });
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The findings, sorted by file and position, without repeats.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        sort_by_location(&mut self.items);
        self.items.dedup();
        self.items
    }

    /// The findings in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

/// Sorts findings by file, line:column and pointer (then code and message), as a reader scans
/// them.
pub fn sort_by_location(items: &mut [Diagnostic]) {
    items.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.location.file.clone(),
                d.location.line_col,
                d.location.pointer.clone(),
                d.code,
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list of codes users read; `README.md` links it.
    const LIST: &str = include_str!("../../docs/diagnostics.md");

    fn spellings() -> Vec<&'static str> {
        Code::ALL.iter().map(|code| code.as_str()).collect()
    }

    /// The codes the list has a section for (a "## `code`" heading), in its order.
    fn sections() -> Vec<&'static str> {
        LIST.lines()
            .filter_map(|line| line.strip_prefix("## `")?.strip_suffix('`'))
            .collect()
    }

    /// The codes of the list's summary table (rows starting "| `code` |"), in its order.
    fn rows() -> Vec<&'static str> {
        LIST.lines()
            .filter_map(|line| line.strip_prefix("| `")?.split_once("` |"))
            .map(|(code, _)| code)
            .collect()
    }

    #[test]
    fn the_list_has_a_section_and_a_row_for_every_code_and_no_others() {
        let mut codes = spellings();
        codes.sort_unstable();
        for (what, mut documented) in [("sections", sections()), ("table rows", rows())] {
            documented.sort_unstable();
            assert_eq!(
                documented, codes,
                "docs/diagnostics.md {what} differ from diagnostics::Code (each code once)"
            );
        }
    }

    #[test]
    fn spellings_are_distinct() {
        let mut codes = spellings();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Code::ALL.len());
    }

    #[test]
    fn codes_print_and_order_by_their_spelling() {
        let mut codes = Code::ALL.to_vec();
        codes.sort();
        let printed: Vec<String> = codes.iter().map(Code::to_string).collect();
        let mut sorted = printed.clone();
        sorted.sort();
        assert_eq!(printed, sorted);
        assert_eq!(Code::Openapi30Keyword.to_string(), "openapi-3.0-keyword");
    }
}
