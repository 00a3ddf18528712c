//! Findings about the input, each with a file, a JSON pointer and (when known) a line:column.

use std::fmt;

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
    /// A stable short code (`unsupported-keyword`, `openapi-schema-mismatch`, ...), for filtering.
    pub code: &'static str,
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
    pub fn warn(&mut self, code: &'static str, location: Location, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity: Severity::Warning,
            code,
            location,
            message: message.into(),
        });
    }

    /// Adds an error.
    pub fn error(&mut self, code: &'static str, location: Location, message: impl Into<String>) {
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
